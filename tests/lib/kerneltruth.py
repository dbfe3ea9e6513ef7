# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The kernel's own account of an OOM kill, read the way the end-to-end
layers hold the tool to it (tests/e2e, tests/prom, tests/restart,
tests/deploy, tests/package): the kernel log's kill, reap and "unable to
reap" lines (/dev/kmsg, read from its end), the oom and mmap_lock
tracepoints in a private tracefs instance, the oom_reaper kthread, the
tolerances the kernel forces on each comparison and why, and the FUSE
daemon that holds a victim's mmap_lock.  The kernel's OOM report itself:
oomreport.py.
"""

import contextlib
import errno
import os
import re
import signal
import subprocess
import tempfile

import oomlab
from oomlab import Fail, note, read_file, wait_for

PAGE = os.sysconf("SC_PAGE_SIZE")
NCPUS = os.cpu_count() or 1

# Tolerances, and why the kernel forces them.
#
# Tool and tracefs stamp the same tracepoints with the same clock (tracefs
# trace_clock=mono and bpf_ktime_get_ns() are both ktime_get_mono_fast_ns),
# but tracefs prints microseconds and the two probes run a few us apart.
TS_TOL_NS = 1_000_000
# Since 6.2 the mm RSS counters are percpu_counters, read approximately: off
# by up to percpu_counter_batch (max(32, 2*ncpus)) pages per CPU.  Used for
# freed file/shmem, where the tool's start->finish difference and the kmsg
# kill->left difference are different approximate reads.
PCPU_SLACK_BYTES = max(32, 2 * NCPUS) * NCPUS * PAGE
# Freed anon, tool vs kmsg (kill - left): 2%, the bound (it also
# covers the percpu slack on ~100 MiB).
FREED_ANON_REL_TOL = 0.02
# OOM_REAPER_DELAY is 2 s; timer-wheel rounding measured +2..36 ms here;
# allow 200 ms for a loaded CI machine.
REAPER_DELAY_NS = (2_000_000_000, 2_200_000_000)
# The reaper sleeps HZ/10 between attempts (104 ms measured at HZ=250;
# 100..148 ms with both CPUs busy); a sleep can be late, not early.
SKIP_GAP_NS = (90_000_000, 250_000_000)
# A tool may stamp a thread's exit a little later in do_exit than the
# sched_process_exit tracepoint the harness uses as ground truth.
EXIT_TOL_NS = 20_000_000
KILL_LINE = re.compile(
    r"Killed process (?P<pid>\d+) \((?P<comm>.*?)\) total-vm:(?P<total_vm>\d+)kB, "
    r"anon-rss:(?P<anon>\d+)kB, file-rss:(?P<file>\d+)kB, shmem-rss:(?P<shmem>\d+)kB, "
    r"UID:(?P<uid>\d+) pgtables:(?P<pgtables>\d+)kB oom_score_adj:(?P<adj>-?\d+)")
REAPED_LINE = re.compile(
    r"oom_reaper: reaped process (?P<pid>\d+) \((?P<comm>.*?)\), now anon-rss:(?P<anon>\d+)kB, "
    r"file-rss:(?P<file>\d+)kB, shmem-rss:(?P<shmem>\d+)kB")
# The OOM report dump_header()/dump_oom_victim() print before the kill:
# what the tool's OOM context must equal on the tracepoint rung.
SUMMARY_LINE = re.compile(
    r"^oom-kill:constraint=CONSTRAINT_(?P<constraint>\w+),nodemask=.*?,"
    r"(?:oom_memcg=(?P<memcg>.*)|global_oom),task_memcg=(?P<task_memcg>.*),"
    r"task=(?P<comm>.*),pid=(?P<pid>\d+),uid=(?P<uid>\d+)$")
INVOKED_LINE = re.compile(
    r"^(?P<comm>.*) invoked oom-killer: gfp_mask=(?P<gfp>0x[0-9a-f]+|0)\((?P<names>[^)]*)\), "
    r"order=(?P<order>-?\d+), oom_score_adj=(?P<adj>-?\d+)$")
RATELIMITED = "no OOM report for this kill in the kernel log: the kernel ratelimits it"
UNABLE_LINE = re.compile(r"oom_reaper: unable to reap pid:(?P<pid>\d+) \((?P<comm>.*?)\)")
TRACE_LINE = re.compile(
    r"^\s*(?P<task>.*?)-(?P<tid>\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(?P<cpu>\d+)\]\s+(?:\S+\s+)?"
    r"(?P<sec>\d+)\.(?P<usec>\d{6}):\s+(?P<event>\w+):\s*(?P<rest>.*)$")
SYSCALL_LINE = re.compile(
    r"^\s*(?P<task>.*?)-(?P<tid>\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(?P<cpu>\d+)\]\s+(?:\S+\s+)?"
    r"(?P<sec>\d+)\.(?P<usec>\d{6}):\s+(?P<name>sys_\w+)(?:\(.*\)| -> (?P<ret>0x[0-9a-f]+))$")
OOM_EVENTS = ("mark_victim", "wake_reaper", "start_task_reaping",
              "finish_task_reaping", "skip_task_reaping")

VERBOSE = False     # the runner's -v: debug() notes


def debug(msg):
    if VERBOSE:
        note(msg)


# --------------------------------------------------------------------------
# processes we start

# e2e's children: lines as text; SIGTERM, not SIGKILL, if the harness dies
# (even by SIGKILL).  Fixtures also notice the harness is gone by EOF on
# stdin; the tool, which reads no stdin, needs the signal.
CHILD = {"text": True, "deathsig": signal.SIGTERM}


def Proc(name, argv, stdin=True):
    """An oomlab.Proc as e2e's children are run (CHILD)."""
    return oomlab.Proc(name, argv, stdin, **CHILD)


# --------------------------------------------------------------------------
# kernel ground truth


class Kmsg:
    """/dev/kmsg from its current end: only records logged after open()."""

    def __init__(self):
        self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        os.lseek(self.fd, 0, os.SEEK_END)
        self.lines = []     # (seq, ts_us, text)

    def drain(self):
        while True:
            try:
                rec = os.read(self.fd, 8192)
            except BlockingIOError:
                return
            except OSError as e:
                if e.errno == errno.EPIPE:   # overwritten records: go on
                    continue
                raise
            if not rec:
                return
            head, _, text = rec.decode("utf-8", "replace").partition(";")
            fields = head.split(",")
            self.lines.append((int(fields[1]), int(fields[2]), text.split("\n", 1)[0]))

    def find(self, rx, pid=None):
        """All matches of rx (a compiled regex) with group pid == pid."""
        self.drain()
        out = []
        for _, ts_us, text in self.lines:
            m = rx.search(text)
            if m and (pid is None or int(m.group("pid")) == pid):
                out.append(m)
        return out

    def wait(self, rx, pid, timeout, what):
        return wait_for(lambda: self.find(rx, pid), timeout, what)[0]

    def close(self):
        os.close(self.fd)


def oom_reaper_pid():
    """The oom_reaper kthread: a child of kthreadd (pid 2) named oom_reaper."""
    for d in os.listdir("/proc"):
        if d.isdigit() and (read_file(f"/proc/{d}/comm") or "").strip() == "oom_reaper":
            stat = read_file(f"/proc/{d}/stat") or ""
            if stat[stat.rindex(")") + 2:].split()[1] == "2":
                return int(d)
    raise Fail("no oom_reaper kthread found")


class TraceInstance(oomlab.TraceInstance):
    """A private tracefs instance (trace_clock=mono, the kernel's buffer
    size), read through trace_pipe."""

    def __init__(self, name):
        self.events = []
        self.fd = None
        self.partial = ""
        super().__init__(name, buffer_kb=None, events=())

    def setup(self, reaper_pid):
        for ev in OOM_EVENTS:
            self.enable(f"oom/{ev}")
        # Classification ground truth: a failed mmap_read_trylock() by the
        # reaper.  A hot tracepoint, so filtered to that one kthread.
        self.enable("mmap_lock/mmap_lock_acquire_returned",
                    f"common_pid == {reaper_pid} && success == 0")
        self.fd = os.open(f"{self.dir}/trace_pipe", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)

    def watch_exits(self, pids):
        """Record sched_process_exit for these tids (set once they exist)."""
        self.enable("sched/sched_process_exit",
                    " || ".join(f"pid == {p}" for p in sorted(set(pids))))

    def drain(self):
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            data = self.partial + chunk.decode("utf-8", "replace")
            lines = data.split("\n")
            self.partial = lines.pop()
            for line in lines:
                m = TRACE_LINE.match(line)
                if not m:
                    # a syscall event: "sys_NAME(args)" or "sys_NAME -> 0xRET"
                    sm = SYSCALL_LINE.match(line)
                    if sm:
                        ret = sm.group("ret")
                        v = int(ret, 0) if ret else None
                        self.events.append({
                            "task": sm.group("task").strip(), "tid": int(sm.group("tid")),
                            "ts": int(sm.group("sec")) * 1_000_000_000 +
                            int(sm.group("usec")) * 1000,
                            "event": sm.group("name") + ("_exit" if ret else "_enter"),
                            "fields": {} if ret is None else
                            {"ret": v - (1 << 64) if v >= 1 << 63 else v},
                            "raw": line.strip()})
                    elif line.strip():
                        debug(f"unparsed trace line: {line!r}")
                    continue
                fields = dict(re.findall(r"(\w+)[=:](\S+)", m.group("rest")))
                self.events.append({
                    "task": m.group("task").strip(), "tid": int(m.group("tid")),
                    "ts": int(m.group("sec")) * 1_000_000_000 + int(m.group("usec")) * 1000,
                    "event": m.group("event"), "fields": fields, "raw": line.strip()})
        return self.events

    def of(self, event, pid=None, field="pid"):
        self.drain()
        return [e for e in self.events if e["event"] == event
                and (pid is None or int(e["fields"].get(field, -1)) == pid)]

    def skip_kinds(self, pid):
        """Skips of pid, each with True if it followed a failed trylock.

        The reaper traces skip_task_reaping right after its failed
        mmap_read_trylock() (same kthread, microseconds later), so a failure
        within TS_TOL_NS before a skip is that skip's cause.  A skip with no
        such failure found the lock free and MMF_OOM_SKIP already set."""
        fails = [e["ts"] for e in self.of("mmap_lock_acquire_returned")]
        return [(s, any(0 <= s["ts"] - f <= TS_TOL_NS for f in fails))
                for s in self.of("skip_task_reaping", pid)]

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        super().close()


class FuseHold:
    """The fuse_hold daemon on a fresh temporary mount point."""

    def __init__(self, fixtures, name):
        self.mnt = tempfile.mkdtemp(prefix=f"oomreap-e2e-{name}-{os.getpid()}-mnt",
                                    dir="/tmp")
        self.proc = Proc("fuse_hold", [f"{fixtures}/fuse_hold", "-s", "16", self.mnt])
        self.proc.expect(r"^ready ", 10)
        self.file = f"{self.mnt}/data"

    def held_by(self, pid, timeout):
        return self.proc.expect(rf"^held id=\d+ pid={pid} ", timeout)

    def release(self):
        self.proc.send("release")

    def close(self):
        self.proc.send("release")
        self.proc.send("quit")
        self.proc.close_stdin()
        if self.proc.wait(10) is None:
            self.proc.kill()
        if os.path.ismount(self.mnt):
            subprocess.run(["umount", "-l", self.mnt], check=False)
        with contextlib.suppress(OSError):
            os.rmdir(self.mnt)
