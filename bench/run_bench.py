#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""oomreap-trace benchmarks: one table, each figure beside its baseline
measured in the same run (interleaved where the two cannot run at once),
and beside the project's goal.  Figures, not pass/fail: a 2-vCPU machine
shared with other work is noisy, so the load is printed with them.

  a. BPF cost per event of each attached program (kernel.bpf_stats_enabled,
     run_time_ns / run_cnt from /proc/<tool>/fdinfo), driven by a fork/exit
     load, scenario-A OOM kills and the e2e scenarios B2 and C2 (reaper
     reaps; reaper gives up); bpftrace's programs on the same events are the
     baseline, with two floors: a bpftrace count() and bench/event_floor
     (a program that only emits a ring-buffer event of our size).  The
     sysctl is restored on every exit path.
  b. fork+exit+wait with and without the tool attached (the exit tracepoint
     is the only program that runs outside OOM kills), ABBA-interleaved.
  c. OOM storm: many memory cgroups OOM-killing at once.  First the highest
     kill rate reached with tracefs alone (oom:mark_victim counted in a
     private instance, filtered on our victims' comm), then the same storm
     with the tool: incidents seen == kills made, 0 events lost.  The kill
     rate with the tool over tracefs alone in ABBA pairs (its median and a
     bootstrap interval), and what the tool spent meanwhile (its reader's
     CPU time and its programs' run time): the bound on what it can cost.
  d. Start-up (exec to "oomreap-trace: ready", which comes after attach and
     the privilege drop) and peak RSS (VmHWM), against bpftrace running the
     equivalent oom:* script (exec to its "Attaching N probes" line; VmHWM
     once all its probes are attached).  Alternated, same run.
  e. Latency from the kill (the kernel's kill_ts_ns in the JSON) to the
     incident line in the pipe: the return of the tool's write(2) that
     completed it, stamped by the kernel (syscalls:sys_exit_write in a
     private tracefs instance, mono clock), over repeated scenario-A kills,
     beside the kill -> victim exit latency; and from the event that closed
     the incident (its latest timeline stamp) to the line.  The line's
     arrival at the bench's own reader (a Python thread) is shown too: it
     adds that reader's scheduling, which is not the tool's.
  f. Idle wake-ups per second (voluntary context switches of every thread,
     /proc/PID/task/*/status, over a few seconds once the tool sleeps),
     without and with --prom-textfile --interval 1; and the steady RSS
     (VmRSS) then.

  g. Start-up (exec to attached) and memory beside the nearest peer,
     libbpf-tools' oomkill (Debian 12's), in a qemu guest of Debian 12's
     6.12 kernel where every rung works: bench/vm_startup.py (also
     `make bench-oomkill`), its rows added to this table.

With --baseline BINARY (make bench BENCH_BASELINE_REV=main builds it from
that revision), a, e and f also run that build of the tool in the same
run: at the same time as ours in a and e (both see the same events), one
after the other in f.

Needs root.  OOMs happen only in memory cgroups made here (16-64 MiB), and
the OOM-making parts hold the e2e lock.

Usage: bench/run_bench.py [--out build] [--quick] [--baseline BINARY] [--markdown FILE]
"""

import argparse
import bisect
import contextlib
import datetime
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "lib"))
import oomlab  # noqa: E402
from oomlab import Fail, Memcg, Proc, Tool, TraceInstance, mono_ns, wait_for  # noqa: E402

TAG = f"oomreap-bench-{os.getpid()}"
COMM = f"oomrb-{os.getpid()}"[:15]   # our storm victims' comm: a tracefs filter
BPFTRACE_SCRIPT = r"""
tracepoint:oom:mark_victim { printf("%lld kill pid=%d comm=%s\n", nsecs, args->pid, str(args->comm)); }
tracepoint:oom:wake_reaper, tracepoint:oom:start_task_reaping, tracepoint:oom:finish_task_reaping,
tracepoint:oom:skip_task_reaping { printf("%lld %s pid=%d\n", nsecs, probe, args->pid); }
tracepoint:sched:sched_process_exit /curtask->signal->oom_mm != 0/ { printf("%lld exit pid=%d\n", nsecs, pid); }
"""
BPFTRACE_PROBES = 6
# The floor: the least a program on these tracepoints can cost here (one
# per-CPU map update), to tell the kernel's context from our own work.
FLOOR_SCRIPT = r"""
tracepoint:oom:mark_victim { @mark = count(); }
tracepoint:oom:wake_reaper { @wake = count(); }
tracepoint:oom:start_task_reaping { @start = count(); }
tracepoint:oom:finish_task_reaping { @finish = count(); }
tracepoint:oom:skip_task_reaping { @skip = count(); }
tracepoint:sched:sched_process_exit { @exit = count(); }
"""


def note(msg):
    print("# " + msg, file=sys.stderr, flush=True)


def pct(xs, p):
    """Nearest-rank percentile: the smallest value with p% of them at or below it."""
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, math.ceil(p / 100 * len(xs) - 1e-9) - 1))]


def median_ci(xs, level=0.90, rounds=4000):
    """A bootstrap interval of the median of xs (seeded: the table does not
    change when it is printed again from the same figures)."""
    import random
    rng = random.Random(1)
    meds = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(rounds))
    cut = int((1 - level) / 2 * rounds)
    return meds[cut], meds[rounds - 1 - cut]


def status_kib(pid, key):
    v = oomlab.proc_status(pid).get(key)
    return int(v.split()[0]) if v else None


def fd_targets(pid):
    out = []
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                out.append((int(fd), os.readlink(f"/proc/{pid}/fd/{fd}")))
    return out


def prog_stats(pid):
    """{prog_id: (run_time_ns, run_cnt)} of the BPF programs pid holds."""
    out = {}
    for fd, target in fd_targets(pid):
        if target != "anon_inode:bpf-prog":
            continue
        info = dict(re.findall(r"^(\w+):\s*(\S+)", oomlab.read_file(
            f"/proc/{pid}/fdinfo/{fd}", "") or "", re.M))
        if "prog_id" in info:
            out[int(info["prog_id"])] = (int(info.get("run_time_ns", 0)),
                                         int(info.get("run_cnt", 0)))
    return out


def stats_delta(after, before):
    """What the programs ran between two prog_stats() readings."""
    return {i: (ns - before.get(i, (0, 0))[0], n - before.get(i, (0, 0))[1])
            for i, (ns, n) in after.items()}


@contextlib.contextmanager
def bpf_stats_on():
    """kernel.bpf_stats_enabled on inside, as it was before on every way out."""
    old = oomlab.read_file("/proc/sys/kernel/bpf_stats_enabled", "0").strip()
    oomlab.write_file("/proc/sys/kernel/bpf_stats_enabled", "1")
    try:
        yield
    finally:
        oomlab.write_file("/proc/sys/kernel/bpf_stats_enabled", old)


def prog_names(ids):
    r = subprocess.run(["bpftool", "prog", "show", "-j"], capture_output=True, text=True)
    names = {}
    with contextlib.suppress(ValueError):
        for p in json.loads(r.stdout or "[]"):
            if p.get("id") in ids:
                names[p["id"]] = p.get("name", "?")
    return names


class Bpftrace(Proc):
    """bpftrace on the oom:* script; ready = its "Attaching N probes" line."""

    def __init__(self, path):
        self.t_exec = mono_ns()
        super().__init__("bpftrace", ["bpftrace", path], stdin=False)
        m = self.expect(rb"^Attaching (\d+) probes", 60)
        with self.cond:
            self.t_ready = next(t for t, l in self.lines if l.startswith(b"Attaching"))
        self.nprobes = int(m.group(1))

    def wait_attached(self):
        """Its probes are attached once it holds one perf event per probe
        (plus one output buffer per CPU)."""
        want = self.nprobes + (os.cpu_count() or 1)
        wait_for(lambda: sum(1 for _, t in fd_targets(self.pid)
                             if t == "anon_inode:[perf_event]") >= want, 30,
                 "bpftrace to attach its probes")

    def stop(self):
        self.interrupt()


# --------------------------------------------------------------------------
# b. fork/exit


def bench_forkexit(args):
    n, rounds = (2000, 4) if args.quick else (3000, 12)
    wall = {"base": [], "tool": []}
    cpu = {"base": [], "tool": []}
    for r in range(rounds):
        for arm in (("base", "tool") if r % 2 == 0 else ("tool", "base")):   # ABBA
            t = Tool(["--json", "--no-summary", "--cgroup", f"/{TAG}-none"]) if arm == "tool" \
                else None
            try:
                out = subprocess.run([f"{args.out}/bench/forkexit", str(n)], check=True,
                                     capture_output=True, text=True).stdout
            finally:
                if t:
                    t.stop()
            wall[arm].append(float(re.search(r" ns_per_op=([\d.]+)", out).group(1)))
            cpu[arm].append(float(re.search(r"cpu_ns_per_op=([\d.]+)", out).group(1)))
    res = {"n": n, "rounds": rounds}
    for k, d in (("wall", wall), ("cpu", cpu)):
        pairs = [t / b for t, b in zip(d["tool"], d["base"])]
        res[k] = {"base_ns": statistics.median(d["base"]), "tool_ns": statistics.median(d["tool"]),
                  "ratio": statistics.median(pairs), "spread": (min(pairs), max(pairs))}
    return res


# --------------------------------------------------------------------------
# d. start-up and peak RSS


class EventFloor(Proc):
    """bench/event_floor: on our OOM tracepoints, programs that only emit a
    ring-buffer event of our size (reserve, zero, stamp, submit), waking
    its own waiting reader where ours always do (the reaper's finish)."""

    def __init__(self, out):
        super().__init__("event_floor", [f"{out}/bench/event_floor"], stdin=False)
        self.expect(rb"^ready", 30, stream="err")

    def stop(self):
        self.interrupt()


class HookLoader(Proc):
    """bench/hook_loader: programs of our object that the tool attaches only
    on other kernels (tp_signal_generate: pid-only mark_victim), loaded
    here so that their cost on a hot path is measured in the same run;
    rss_sum: with the exact RSS sums on (where this kernel's kallsyms lists
    no per-CPU offsets, from the table bpf/percpu_offsets.bpf.c builds, as
    the tool does)."""

    def __init__(self, out, progs, rss_sum=False, name="hook_loader"):
        extra = ["--rss-sum", f"{out}/bpf/percpu_offsets.bpf.o"] if rss_sum else []
        super().__init__(name, [f"{out}/bench/hook_loader"] + extra
                         + [f"{out}/bpf/oomreap.bpf.o"] + progs, stdin=False)
        self.expect(rb"^ready", 30, stream="err")
        with self.cond:
            self.rss_sum = next((l.decode().strip() for t, l in self.err
                                 if l.startswith(b"rss-sum:")), None)

    def stop(self):
        self.interrupt()


# The programs that read the victim's RSS (bpf/oomreap.bpf.h, read_rss_sum()):
# priced with the exact sums and without, as two more copies beside the tool.
RSS_PROGS = ["tp_mark_victim", "tp_wake_reaper", "tp_start_task_reaping",
             "tp_finish_task_reaping", "tp_skip_task_reaping", "tp_sched_process_exit"]

# Our program -> the event floor's program on the same tracepoint, same event size.
EVENT_FLOOR_OF = {
    "tp_mark_victim": "floor_mark_victim",
    "tp_wake_reaper": "floor_wake_reaper",
    "tp_start_task_reaping": "floor_start_task_reaping",
    "tp_finish_task_reaping": "floor_finish_task_reaping",
    "tp_skip_task_reaping": "floor_skip_task_reaping",
    # the twins loaded where blocker attribution is on (6.2+)
    "tp_start_task_reaping_blockers": "floor_start_task_reaping",
    "tp_finish_task_reaping_blockers": "floor_finish_task_reaping",
    "tp_skip_task_reaping_blockers": "floor_skip_task_reaping",
}


class BtfFloor(Proc):
    """bench/btf_floor: one libbpf parse of the kernel's BTF, then "ready"."""

    def __init__(self, out):
        self.t_exec = mono_ns()
        super().__init__("btf_floor", [f"{out}/bench/btf_floor"], stdin=False)
        self.expect(rb"^ready", 30, stream="err")
        with self.cond:
            self.t_ready = next(t for t, l in self.err if l.startswith(b"ready"))

    def stop(self):
        self.interrupt()


def bench_startup(args, script):
    rounds = 3 if args.quick else 5
    tool_ms, tool_kib, bt_ms, bt_kib, fl_ms, fl_kib = [], [], [], [], [], []
    for r in range(rounds):
        for arm in (("tool", "bt", "floor") if r % 2 == 0 else ("floor", "bt", "tool")):
            if arm == "floor":
                f = BtfFloor(args.out)
                try:
                    fl_ms.append((f.t_ready - f.t_exec) / 1e6)
                    fl_kib.append(status_kib(f.pid, "VmHWM"))
                finally:
                    f.stop()
            elif arm == "tool":
                t = Tool(["--json", "--no-summary", "--cgroup", f"/{TAG}-none"])
                try:
                    tool_ms.append((t.t_ready - t.t_exec) / 1e6)
                    tool_kib.append(status_kib(t.pid, "VmHWM"))
                finally:
                    t.stop()
            else:
                b = Bpftrace(script)
                try:
                    bt_ms.append((b.t_ready - b.t_exec) / 1e6)
                    b.wait_attached()
                    bt_kib.append(status_kib(b.pid, "VmHWM"))
                finally:
                    b.stop()
    return {"rounds": rounds, "tool_ms": statistics.median(tool_ms),
            "bt_ms": statistics.median(bt_ms), "tool_kib": statistics.median(tool_kib),
            "bt_kib": statistics.median(bt_kib), "floor_ms": statistics.median(fl_ms),
            "floor_kib": statistics.median(fl_kib)}


# --------------------------------------------------------------------------
# c. OOM storm


def task_cpu_ns(pid):
    """CPU time of all of pid's threads so far (schedstat's first field, ns)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        st = oomlab.read_file(f"/proc/{pid}/task/{tid}/schedstat", "") or ""
        if st.split():
            total += int(st.split()[0])
    return total


def storm(args, lanes_dirs, duration_ms, trace, tool=None):
    """Run oomstorm; return (kills by tracefs, kills by oomstorm, seconds)."""
    before = len(trace.mark_victims())
    out = subprocess.run([f"{args.out}/bench/oomstorm", "-n", COMM, "-m", "32",
                          "-d", str(duration_ms)] + [d.dir for d in lanes_dirs],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    m = re.search(r"kills=(\d+) other=(\d+) elapsed_ns=(\d+)", out)
    # every kill's event is in the buffer once oomstorm has reaped its child
    return len(trace.mark_victims()) - before, int(m.group(1)), int(m.group(3)) / 1e9


def bench_storm(args, stack):
    lane_counts = (2, 8) if args.quick else (1, 2, 4, 8, 16)
    secs = 2000 if args.quick else 3000
    parent = Memcg(f"/{TAG}-storm")
    stack.callback(parent.close)
    lanes = []
    for i in range(max(lane_counts)):
        lanes.append(Memcg(parent.rel + f"/lane{i}", 16))
        stack.callback(lanes[-1].close)
    trace = TraceInstance(f"{TAG}-storm", buffer_kb=8192)
    stack.callback(trace.close)
    oomlab.write_file(f"{trace.dir}/events/oom/mark_victim/filter", f'comm == "{COMM}"')

    alone = {}
    for k in lane_counts:
        kills, own, took = storm(args, lanes[:k], secs, trace)
        alone[k] = (kills / took, kills, own)
        note(f"storm, tracefs only: {k} memcgs, {kills} kills ({own} by oomstorm) in "
             f"{took:.2f}s = {kills / took:.0f}/s")
    best = max(alone, key=lambda k: alone[k][0])

    # The kill rate with the tool against tracefs alone: interleaved pairs
    # at the best lane count, so the ratio's spread says whether a gap is
    # noise or cost.
    # And what the tool spent meanwhile, which bounds what it can cost the
    # storm: its reader's CPU time (schedstat) and its programs' run time
    # (bpf_stats, on for the tool's arms only: its own two clock reads per
    # program run are charged to the tool), against the machine's CPU.
    pairs, spent = [], []
    pair_ms = 2000 if args.quick else 5000
    for i in range(2 if args.quick else 6):
        rate = {}
        for arm in (("alone", "tool") if i % 2 == 0 else ("tool", "alone")):   # ABBA
            if arm == "alone":
                kills, own, took = storm(args, lanes[:best], pair_ms, trace)
            else:
                with bpf_stats_on():
                    tool = Tool(["--json", "--no-summary", "--cgroup", parent.rel])
                    try:
                        cpu0 = task_cpu_ns(tool.pid)
                        kills, own, took = storm(args, lanes[:best], pair_ms, trace)
                        bpf = sum(v[0] for v in prog_stats(tool.pid).values())
                        spent.append({"kills": kills, "secs": took, "bpf_ns": bpf,
                                      "reader_ns": task_cpu_ns(tool.pid) - cpu0})
                    finally:
                        tool.stop()
            rate[arm] = kills / took
        pairs.append(rate["tool"] / rate["alone"])
        note(f"storm pair {i}: tool {rate['tool']:.0f}/s, alone {rate['alone']:.0f}/s")

    runs = []
    for k in sorted({best, max(lane_counts)}):
        tool = Tool(["--json", "--cgroup", parent.rel])
        stack.callback(tool.kill)
        kills, own, took = storm(args, lanes[:k], secs, trace)
        pids_ok = lambda: sum(1 for _, l in tool.lines if l.startswith(b"{"))  # noqa: E731
        with contextlib.suppress(Fail):
            wait_for(lambda: pids_ok() >= kills, 20, "the tool to report every kill")
        rc = tool.stop()
        incs = tool.json_objects()
        lost = 0
        for _, l in tool.err:
            m = re.search(rb"events lost: (\d+)", l)
            if m:
                lost = max(lost, int(m.group(1)))
        runs.append({"lanes": k, "kills": kills, "own": own, "rate": kills / took,
                     "incidents": len(incs), "lost": lost, "rc": rc,
                     "incomplete": sum(1 for i in incs if i.get("incomplete")),
                     "outcomes": sorted({i.get("outcome") for i in incs})})
        note(f"storm, with the tool: {k} memcgs, {kills} kills in {took:.2f}s = "
             f"{kills / took:.0f}/s; incidents {len(incs)}, lost {lost}, rc {rc}")
    return {"alone": alone, "best": best, "runs": runs, "pairs": pairs, "spent": spent}


# --------------------------------------------------------------------------
# e. latency kill -> printed line


class LineStamper:
    """A tool whose stdout is a raw pipe, read by a thread that does only
    that: each JSON line stamped (CLOCK_MONOTONIC) on the read(2) it arrived
    in.  oomlab.Proc's pumps share a condition with the waiting thread,
    which added milliseconds here; this measures the tool, not the harness."""

    def __init__(self, binary, args, name):
        r, w = os.pipe()
        self.err = f"/tmp/{TAG}-{name}.err"
        with open(self.err, "wb") as ef:
            self.p = subprocess.Popen([binary] + args, stdin=subprocess.DEVNULL, stdout=w,
                                      stderr=ef)
        os.close(w)
        self.r, self.lines = r, []
        self.th = threading.Thread(target=self._read, daemon=True)
        self.th.start()
        wait_for(lambda: b"ready" in (oomlab.read_file(self.err, "") or "").encode()
                 or self.p.poll() is not None, 60, f"{name} to be ready")

    def _read(self):
        buf, end = b"", 0
        while True:
            d = os.read(self.r, 1 << 16)
            if not d:
                return
            t = mono_ns()
            buf += d
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                end += len(line) + 1
                self.lines.append((t, end, line))   # list.append: atomic, no lock

    def pipe_fds(self):
        """The tool's fds on this pipe (it may write through a dup)."""
        want = f"pipe:[{os.fstat(self.r).st_ino}]"
        return {fd for fd, target in fd_targets(self.p.pid) if target == want}

    def bytes_read(self):
        return self.lines[-1][1] if self.lines else 0

    def find(self, pid):
        """(read stamp, the line's end offset in the stream, incident)."""
        for t, end, line in list(self.lines):
            if line.startswith(b"{") and f'"pid":{pid},'.encode() in line:
                return t, end, json.loads(line)
        return None

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(2)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.th.join(5)
        if self.r is not None:   # stop() may come twice: explicitly, then on unwind
            os.close(self.r)
            self.r = None
        with contextlib.suppress(OSError):
            os.unlink(self.err)


class WriteStamps:
    """When each byte went into a tool's stdout pipe, by the kernel's own
    stamps: syscalls:sys_{enter,exit}_write of the tools' pids in a private
    tracefs instance (mono clock: the clock of the events' ts_ns).  A line
    is in the pipe when the write(2) that holds its last byte returns."""

    # tracefs prints small values in decimal ("fd: 1"), others in hex
    WRITE = re.compile(r"-(\d+)\s+\[\d+\]\s+\S+\s+(\d+)\.(\d{6}): sys_write"
                       r"(?:\(fd: (0x[0-9a-f]+|\d+)| -> (0x[0-9a-f]+|-?\d+))")

    @staticmethod
    def available():
        return os.path.isdir(f"{oomlab.TRACEFS}/events/syscalls/sys_exit_write")

    def __init__(self, pids):
        self.trace = TraceInstance(f"{TAG}-writes", buffer_kb=4096, events=())
        try:
            filt = " || ".join(f"common_pid == {p}" for p in pids)
            self.trace.enable("syscalls/sys_enter_write", filt)
            self.trace.enable("syscalls/sys_exit_write", filt)
        except BaseException:
            self.trace.close()
            raise
        self.done = None

    def stop(self):
        """Freeze and read the record once: [(pid, fd, exit_ts_ns, bytes)]."""
        if self.done is None:
            oomlab.write_file(f"{self.trace.dir}/tracing_on", "0")
            if self.trace.overrun():
                raise Fail("write stamps: the tracefs buffer overran")
            text = oomlab.read_file(f"{self.trace.dir}/trace", "") or ""
            self.done, fd_of = [], {}
            for m in self.WRITE.finditer(text):
                pid, ts = int(m.group(1)), int(m.group(2)) * 10**9 + int(m.group(3)) * 1000
                if m.group(4) is not None:
                    fd_of[pid] = int(m.group(4), 0)
                elif pid in fd_of:
                    ret = int(m.group(5), 0)
                    if 0 <= ret < 1 << 63:  # an error: negative, or a huge unsigned number
                        self.done.append((pid, fd_of[pid], ts, ret))
                    del fd_of[pid]
        return self.done

    def line_times(self, pid, fds, read):
        """f(end offset) -> the kernel stamp of the write that completed it."""
        ends, stamps, total = [], [], 0
        for p, fd, ts, n in self.stop():
            if p == pid and fd in fds:
                total += n
                ends.append(total)
                stamps.append(ts)
        if total != read:
            raise Fail(f"write stamps: pid {pid} wrote {total} bytes into the pipe "
                       f"while tracing, its reader read {read}")

        def at(end):
            i = bisect.bisect_left(ends, end)
            if i == len(ends):
                raise Fail(f"write stamps: no write of pid {pid} reached byte {end}")
            return stamps[i]
        return at

    def close(self):
        self.trace.close()


def bench_latency(args, stack):
    n = 15 if args.quick else 100   # p99 of 100: one kill may be late, not none
    cg = Memcg(f"/{TAG}-lat", 64)
    stack.callback(cg.close)
    # ours and, when given, the baseline build: both at once, the same kills
    tools = {"tool": LineStamper(oomlab.TOOL, ["--json", "--cgroup", cg.rel], "tool")}
    stack.callback(tools["tool"].stop)
    if args.baseline:
        tools["base"] = LineStamper(args.baseline, ["--json", "--cgroup", cg.rel], "base")
        stack.callback(tools["base"].stop)
    stamps = None
    if WriteStamps.available():
        stamps = WriteStamps([tool.p.pid for tool in tools.values()])
        stack.callback(stamps.close)
    else:
        note("e: no syscalls tracepoints: lines stamped by the bench's reader only")
    seen = {k: [] for k in tools}     # (kill_ts, close_ts, read stamp, end offset)
    exit_lat = []
    for i in range(n):
        with contextlib.ExitStack() as hog_stack:     # each hog killed and reaped in turn
            hog, pid = oomlab.start_memhog(hog_stack, cg, 256)
            hog.send("go")
            hog.wait(15)
        for k, tool in tools.items():
            t, end, inc = wait_for(lambda: tool.find(pid), 15, f"incident of {pid} ({k})")
            # the event that closed it: the latest stamp of its timeline
            seen[k].append((inc["kill_ts_ns"], max(e["ts_ns"] for e in inc["timeline"]), t, end))
            if k == "tool" and inc.get("exit_latency_ns") is not None:
                exit_lat.append(inc["exit_latency_ns"])
    fds = {k: tool.pipe_fds() for k, tool in tools.items()}
    for tool in tools.values():
        tool.stop()
    res = {"n": n, "exit_p50": pct(exit_lat, 50) if exit_lat else None,
           "exit_p99": pct(exit_lat, 99) if exit_lat else None,
           "stamped_by": "kernel" if stamps else "reader"}
    for k, tool in tools.items():
        written = stamps.line_times(tool.p.pid, fds[k], tool.bytes_read()) if stamps else None
        lat, close, read_close = [], [], []
        for kill_ts, close_ts, t_read, end in seen[k]:
            t = written(end) if written else t_read
            lat.append(t - kill_ts)
            close.append(t - close_ts)
            read_close.append(t_read - close_ts)
        res[k] = {"p50": pct(lat, 50), "p99": pct(lat, 99), "max": max(lat),
                  "close_p50": pct(close, 50), "close_p99": pct(close, 99),
                  "read_close_p50": pct(read_close, 50), "read_close_p99": pct(read_close, 99)}
    return res


# --------------------------------------------------------------------------
# f. idle wake-ups


def vcsw(pid):
    """Voluntary context switches of every thread of pid: each is a sleep
    that ended, i.e. a wake-up."""
    n = 0
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            v = oomlab.proc_status(f"/proc/{pid}/task/{tid}/status").get("voluntary_ctxt_switches")
            n += int(v) if v else 0
    return n


def bench_idle(args):
    secs = 3 if args.quick else 6
    prom_dir = "/dev/shm" if os.path.isdir("/dev/shm") else "/tmp"
    arms = [("tool", None)] + ([("base", args.baseline)] if args.baseline else [])
    res = {}
    for mode in ("plain", "prom"):
        for name, binary in arms:
            extra = ["--prom-textfile", f"{prom_dir}/{TAG}-{name}.prom", "--interval", "1"] \
                if mode == "prom" else []
            t = Tool(["--json", "--no-summary", "--cgroup", f"/{TAG}-none"] + extra,
                     binary=binary, name=name)
            try:
                wait_for(lambda: oomlab.task_state(t.pid)[0] == "S", 10, "the tool to sleep")
                a, t0 = vcsw(t.pid), mono_ns()
                time.sleep(secs)
                b, t1 = vcsw(t.pid), mono_ns()
                res[(name, mode)] = {"per_s": (b - a) / ((t1 - t0) / 1e9),
                                     "rss_kib": status_kib(t.pid, "VmRSS")}
            finally:
                t.stop()
                with contextlib.suppress(OSError):
                    os.unlink(f"{prom_dir}/{TAG}-{name}.prom")
    res["secs"] = secs
    return res


# --------------------------------------------------------------------------
# a. BPF cost per event


def bench_bpf_cost(args, script, floor_script, base_first=False):
    with bpf_stats_on():
        return bpf_cost_run(args, script, floor_script, base_first)


def bpf_cost_run(args, script, floor_script, base_first):
    res = {}
    tool = bt = fl = ev = hooks = base = last = rss_sum = rss_count = None
    try:
        # Programs on one tracepoint run in the order they were attached,
        # and the first pays for the cold caches: the baseline runs once
        # attached after ours and once before (base_first), and each is
        # shown in both places.
        if args.baseline and base_first:
            base = Tool(["--json", "--no-summary", "--cgroup", f"/{TAG}-cost"],
                        binary=args.baseline, name="baseline")
        tool = Tool(["--json", "--no-summary", "--cgroup", f"/{TAG}-cost"])
        if args.baseline and not base_first:
            base = Tool(["--json", "--no-summary", "--cgroup", f"/{TAG}-cost"],
                        binary=args.baseline, name="baseline")
        hooks = HookLoader(args.out, ["tp_signal_generate"])
        # the RSS readers with sums first: if the later copy on a tracepoint
        # runs warmer, that favours the one without
        rss_sum = HookLoader(args.out, RSS_PROGS, rss_sum=True, name="rss_sum")
        rss_count = HookLoader(args.out, RSS_PROGS, name="rss_count")
        bt = Bpftrace(script)
        bt.wait_attached()
        fl = Bpftrace(floor_script)
        fl.wait_attached()
        ev = EventFloor(args.out)
        # our exit filter once more, attached after everything else: the
        # first program on a tracepoint pays for cold caches, the last not
        last = HookLoader(args.out, ["tp_sched_process_exit"])
        # 1. processes that are not OOM victims: the exit filter's fast path
        #    (and the pid-only kernels' signal filter: a SIGCHLD per exit)
        watched = (tool, bt, fl, hooks, ev, last) + ((base,) if base else ())
        before = tuple(prog_stats(p.pid) for p in watched)
        subprocess.run([f"{args.out}/bench/forkexit", "3000"], check=True, capture_output=True)
        after = tuple(prog_stats(p.pid) for p in watched)
        # named now: the last copy's program ids are gone once it stops
        fast_names = prog_names(set().union(*(set(a) for a in after)))
        last.stop()
        last = None
        res["fast"] = [stats_delta(a, b) for a, b in zip(after, before)]
        res["fast_base"] = res["fast"].pop() if base else {}
        # 2. OOM kills: a short storm in memcgs of our own (victims exit at once);
        # 3. the reaper's programs: the e2e scenarios B2 (reaped) and C2 (gave
        #    up), five of each, for an average over more than one finish
        res["e2e"] = oom_workload(args, lanes=4, storm_ms=1000 if args.quick else 3000,
                                  reaper_rounds=0 if args.quick else 5)
        mine, theirs, floor = prog_stats(tool.pid), prog_stats(bt.pid), prog_stats(fl.pid)
        event, hooked = prog_stats(ev.pid), prog_stats(hooks.pid)
        summed, counted = prog_stats(rss_sum.pid), prog_stats(rss_count.pid)
        based = prog_stats(base.pid) if base else {}
        names = prog_names(set(mine) | set(theirs) | set(floor) | set(event) | set(hooked)
                           | set(based) | set(summed) | set(counted))
        res["rss"] = {"table": rss_sum.rss_sum,
                      "sum": {names.get(i, str(i)): v for i, v in summed.items()},
                      "count": {names.get(i, str(i)): v for i, v in counted.items()}}
        res["base"] = {names.get(i, str(i)): v for i, v in based.items()}
        res["event"] = {names.get(i, str(i)): v for i, v in event.items()}
        res["hooks"] = {names.get(i, str(i)): v for i, v in hooked.items()}
        res["tool"] = {names.get(i, str(i)): v for i, v in mine.items()}
        res["bpftrace"] = {names.get(i, str(i)): v for i, v in theirs.items()}
        res["floor"] = {names.get(i, str(i)): v for i, v in floor.items()}
        res["fast"] = [{fast_names.get(i, str(i)): v for i, v in f.items()} for f in res["fast"]]
        res["fast_base"] = {names.get(i, str(i)): v for i, v in res["fast_base"].items()}
        # 4. processes killed by SIGKILL, after the whole run's figures (they
        #    would weigh on them): the exit filter's second test passes for
        #    them (an OOM victim may exit before its mark), and the group's
        #    end goes out as an event the reader holds a while
        killed_by = (tool,) + ((base,) if base else ())
        before = tuple(prog_stats(p.pid) for p in killed_by)
        subprocess.run([f"{args.out}/bench/forkexit", "1000", "kill"], check=True,
                       capture_output=True)
        after = tuple(prog_stats(p.pid) for p in killed_by)
        res["killed"] = [{names.get(i, str(i)): v for i, v in stats_delta(a, b).items()}
                         for a, b in zip(after, before)]
    finally:
        for p in (last, rss_count, rss_sum, hooks, ev, fl, bt, base, tool):
            if p:
                p.stop()
    return res


def oom_workload(args, lanes=2, storm_ms=1000, reaper_rounds=1):
    """The OOM path's events: a short storm in memcgs of our own (victims
    exit at once), then reaper_rounds of the e2e scenarios B2 (reaped) and
    C2 (gave up), with their own lock, memcgs and cleanup.  Their verdicts."""
    with contextlib.ExitStack() as stack:
        lock = oomlab.exclusive(note=note)
        stack.callback(lock.close)
        parent = Memcg(f"/{TAG}-cost")
        stack.callback(parent.close)
        dirs = []
        for i in range(lanes):
            lane = Memcg(parent.rel + f"/lane{i}", 16)
            stack.callback(lane.close)
            dirs.append(lane.dir)
        subprocess.run([f"{args.out}/bench/oomstorm", "-n", COMM, "-m", "32", "-d",
                        str(storm_ms)] + dirs, check=True, capture_output=True, timeout=120)
    if not reaper_rounds:
        return []
    r = subprocess.run([sys.executable, f"{oomlab.REPO}/tests/e2e/run_e2e.py",
                        "--ground-truth-only", "--repeat", str(reaper_rounds), "B2", "C2"],
                       capture_output=True, text=True, timeout=600)
    return [l for l in r.stdout.splitlines() if l.startswith(("ok", "not ok"))]


def bench_alone_cost(args, rounds=2):
    """Ours and the event floor, each alone on the tracepoints (as the tool
    is when deployed: its programs the first and only ones there, caches as
    cold as they come), alternating, the same OOM workload each time.
    Beside everything else at once (bench_bpf_cost), the attach order
    decides who pays for the cold caches; alone, nobody is spared."""
    sums = {"tool": {}, "floor": {}}
    fast = {"tool": {}, "floor": {}}    # the fork/exit load alone: the exit filter's path
    e2e = []

    def add(into, stats, names):
        for prog, (ns, n) in stats.items():
            name = names.get(prog, str(prog))
            was = into.get(name, (0, 0))
            into[name] = (was[0] + ns, was[1] + n)
    with bpf_stats_on():
        for i in range(rounds):
            for arm in (("floor", "tool") if i % 2 == 0 else ("tool", "floor")):
                p = EventFloor(args.out) if arm == "floor" else \
                    Tool(["--json", "--no-summary", "--cgroup", f"/{TAG}-cost"])
                try:
                    before = prog_stats(p.pid)
                    subprocess.run([f"{args.out}/bench/forkexit", "3000"], check=True,
                                   capture_output=True)
                    mid = prog_stats(p.pid)
                    e2e += oom_workload(args)
                    stats = prog_stats(p.pid)
                    names = prog_names(set(stats))
                finally:
                    p.stop()
                add(fast[arm], stats_delta(mid, before), names)
                add(sums[arm], stats, names)
    return {"rounds": rounds, "tool": sums["tool"], "floor": sums["floor"], "fast": fast,
            "e2e": e2e}


# --------------------------------------------------------------------------


class LoadWatch(threading.Thread):
    """Samples the load and other heavy work (qemu guests, compilers) every
    half second for the whole run: the figures are only as quiet as that."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop_ev = threading.Event()
        self.loads, self.others, self.samples, self.busy = [], set(), 0, 0

    def run(self):
        while not self.stop_ev.wait(0.5):
            self.loads.append(float(oomlab.loadavg()))
            o = oomlab.busy_others()
            self.others |= set(o)
            self.samples += 1
            self.busy += bool(o)

    def summary(self):
        self.stop_ev.set()
        self.join(2)
        if not self.loads:
            return "load not sampled"
        ncpu = os.cpu_count() or 1
        state = "LOADED" if max(self.loads) > 0.75 * ncpu or self.busy else "quiet"
        return (f"{state}: loadavg {min(self.loads):.2f}..{max(self.loads):.2f} on {ncpu} CPUs"
                + (f", {', '.join(sorted(self.others))} running in "
                   f"{100 * self.busy // self.samples}% of samples" if self.others else ""))


def fmt_ns(ns):
    if ns is None:
        return "-"
    if ns >= 1e9:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.1f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} us"
    return f"{ns:.0f} ns"


def per_event(v):
    rt, cnt = v
    return rt / cnt if cnt else None


# bpftrace names its programs after the probe; map ours onto them.
BT_MATCH = {"tp_mark_victim": "mark_victim", "tp_wake_reaper": "wake_reaper",
            "tp_start_task_reaping": "start_task_reaping",
            "tp_finish_task_reaping": "finish_task_reaping",
            "tp_skip_task_reaping": "skip_task_reaping",
            "tp_skip_task_reaping_blockers": "skip_task_reaping",
            "tp_start_task_reaping_blockers": "start_task_reaping",
            "tp_finish_task_reaping_blockers": "finish_task_reaping",
            "tp_sched_process_exit": "sched_process_exit"}


def table(res, env):
    rows = []
    a = res.get("a")
    if a:
        def bt_of(d, name):
            key = BT_MATCH.get(name, "?")
            return next((v for n, v in d.items() if key.startswith(n)), None)
        def base(bt, fl, ev=None):
            return (f"bpftrace printf {fmt_ns(per_event(bt)) if bt and bt[1] else '-'}; "
                    f"count() floor {fmt_ns(per_event(fl)) if fl and fl[1] else '-'}"
                    + (f"; event floor {fmt_ns(per_event(ev))}" if ev and ev[1] else ""))
        a2 = res.get("a2")
        for name, v in sorted(a["tool"].items()):
            ev = a.get("event", {}).get(EVENT_FLOOR_OF.get(name, "?"))
            was = a.get("base", {}).get(name)
            v2 = a2["tool"].get(name) if a2 else None
            was2 = a2.get("base", {}).get(name) if a2 else None
            # an OOM-path program is judged against what emitting an event
            # costs on its tracepoint in this run (the event floor)
            goal = "within 3 us of the event floor" if ev and ev[1] else (
                "<= 1 us" if name == "tp_sched_process_exit" else "no worse than before")
            both = v2 and v2[1] and was and was[1] and was2 and was2[1]
            rows.append((f"a. BPF cost/event `{name}`, whole run ({v[1]} runs)",
                         fmt_ns(per_event(v)) + (f" attached first, {fmt_ns(per_event(v2))} "
                                                 f"attached second" if both else ""),
                         (f"before this change {fmt_ns(per_event(was))} attached second, "
                          f"{fmt_ns(per_event(was2))} attached first; " if both else
                          f"before this change {fmt_ns(per_event(was))} ({was[1]} runs); "
                          if was and was[1] else "")
                         + base(bt_of(a["bpftrace"], name), bt_of(a["floor"], name), ev),
                         goal))
        mine, theirs, floor, hooked, empty, last = a["fast"]
        v = mine.get("tp_sched_process_exit")
        if v and v[1]:
            v2, e0 = last.get("tp_sched_process_exit"), empty.get("floor_sched_process_exit")
            rows.append((f"a. BPF cost/event `tp_sched_process_exit`, fork/exit load only "
                         f"(not victims: the filter's path, {v[1]} runs)",
                         fmt_ns(per_event(v)) + " attached first"
                         + (f", {fmt_ns(per_event(v2))} attached last" if v2 and v2[1] else ""),
                         (f"an empty program there {fmt_ns(per_event(e0))}; "
                          if e0 and e0[1] else "")
                         + (f"before this change (same run, same exits) "
                            f"{fmt_ns(per_event(a['fast_base']['tp_sched_process_exit']))}; "
                            if (a.get("fast_base") or {}).get("tp_sched_process_exit") else "")
                         + base(bt_of(theirs, "tp_sched_process_exit"),
                                bt_of(floor, "tp_sched_process_exit")), "<= 100 ns"))
        killed = a.get("killed") or []
        v = killed[0].get("tp_sched_process_exit") if killed else None
        if v and v[1]:
            was = killed[1].get("tp_sched_process_exit") if len(killed) > 1 else None
            rows.append((f"a. BPF cost/event `tp_sched_process_exit`, kill -9 load only "
                         f"(each child SIGKILLed: the unmarked exits' path, an event each; "
                         f"{v[1]} runs)", fmt_ns(per_event(v)),
                         f"before this change (same run, same exits; filtered out then) "
                         f"{fmt_ns(per_event(was))}" if was and was[1] else "-", "<= 1 us"))
        # Only on kernels whose mark_victim is pid-only; measured here all the same.
        v = hooked.get("tp_signal_generate")
        if v and v[1]:
            rows.append((f"a. BPF cost/event `tp_signal_generate` (pid-only mark_victim "
                         f"kernels only), fork/exit load only (a SIGCHLD per exit: the "
                         f"filter's path, {v[1]} runs)", fmt_ns(per_event(v)),
                         "exit filter, same load: "
                         + fmt_ns(per_event(mine["tp_sched_process_exit"]))
                         if mine.get("tp_sched_process_exit") else "-", "<= 100 ns"))
        v = a.get("hooks", {}).get("tp_signal_generate")
        if v and v[1]:
            rows.append((f"a. BPF cost/event `tp_signal_generate`, whole run incl. the "
                         f"OOM killer's SIGKILLs ({v[1]} runs)", fmt_ns(per_event(v)),
                         "-", "<= 1 us"))
        rss = a.get("rss")
        for name in RSS_PROGS if rss else ():
            v, c = rss["sum"].get(name), rss["count"].get(name)
            if not (v and v[1] and c and c[1]):
                continue
            rows.append((f"a. BPF cost/event `{name}` with the exact RSS sums (7.0+ kernels' "
                         f"figures; {rss['table']}), whole run ({v[1]} runs)",
                         fmt_ns(per_event(v)),
                         f"the same program without them, attached after it: "
                         f"{fmt_ns(per_event(c))} ({c[1]} runs)", "-"))
    al = res.get("a_alone")
    if al:
        for name in sorted(EVENT_FLOOR_OF):
            v, fl = al["tool"].get(name), al["floor"].get(EVENT_FLOOR_OF[name])
            if not (v and v[1] and fl and fl[1]):
                continue
            rows.append((f"a. BPF cost/event `{name}`, alone on its tracepoint (the deployed "
                         f"case; {al['rounds']} rounds alternating with the floor, "
                         f"{v[1]} runs)", fmt_ns(per_event(v)),
                         f"event floor alone, same workload: {fmt_ns(per_event(fl))} "
                         f"({fl[1]} runs)",
                         f"within 3 us of the event floor ({fmt_ns(per_event(fl) + 3000)})"))
        v = al["fast"]["tool"].get("tp_sched_process_exit")
        e0 = al["fast"]["floor"].get("floor_sched_process_exit")
        if v and v[1] and e0 and e0[1]:
            rows.append((f"a. BPF cost/event `tp_sched_process_exit`, alone, fork/exit load "
                         f"only (the filter's path; {v[1]} runs)", fmt_ns(per_event(v)),
                         f"an empty program alone there: {fmt_ns(per_event(e0))}", "<= 100 ns"))
    b = res.get("b")
    if b:
        exit_cost = None
        if a:
            ev = a["tool"].get("tp_sched_process_exit")
            exit_cost = per_event(ev) if ev else None
        for k, what in (("cpu", "CPU time (user+sys, with children)"), ("wall", "wall time")):
            m = b[k]
            extra = ""
            if a and a["fast"][0].get("tp_sched_process_exit"):
                exit_cost = per_event(a["fast"][0]["tp_sched_process_exit"])
            if exit_cost and k == "cpu":
                extra = (f"; from (a): exit probe {fmt_ns(exit_cost)} per exit = "
                         f"{100 * exit_cost / m['base_ns']:.3f}% of one op")
            rows.append((f"b. fork+exit+wait, {what}, {b['rounds']}x{b['n']} ABBA",
                         f"{fmt_ns(m['tool_ns'])}/op; ratio {m['ratio']:.3f} "
                         f"({100 * (m['ratio'] - 1):+.1f}%, pairs {m['spread'][0]:.2f}.."
                         f"{m['spread'][1]:.2f}){extra}",
                         f"no tool {fmt_ns(m['base_ns'])}/op", "< 1%"))
    c = res.get("c")
    if c:
        best = c["alone"][c["best"]]
        rows.append((f"c. OOM storm, kill rate, tracefs only (best of "
                     f"{','.join(map(str, sorted(c['alone'])))} memcgs)",
                     f"{best[0]:.0f} kills/s at {c['best']} memcgs", "(this is the baseline)",
                     "highest rate"))
        for r in c["runs"]:
            rows.append((f"c. OOM storm with the tool, {r['lanes']} memcgs",
                         f"{r['rate']:.0f} kills/s; incidents {r['incidents']} / kills "
                         f"{r['kills']}; lost {r['lost']}; incomplete {r['incomplete']}",
                         f"tracefs only {c['alone'][r['lanes']][0]:.0f} kills/s"
                         if r["lanes"] in c["alone"] else "-",
                         "incidents = kills, 0 lost"))
        if c.get("pairs"):
            p = c["pairs"]
            lo, hi = median_ci(p)
            rows.append((f"c. OOM storm, kill rate with the tool / tracefs alone, {c['best']} "
                         f"memcgs, {len(p)} ABBA pairs",
                         f"ratio {statistics.median(p):.3f} (pairs {min(p):.3f}..{max(p):.3f}; "
                         f"90% interval of the median {lo:.3f}..{hi:.3f})",
                         "tracefs alone, interleaved", "within 2%"))
        if c.get("spent"):
            sp = c["spent"]
            kills = sum(x["kills"] for x in sp)
            wall = sum(x["secs"] for x in sp) * (os.cpu_count() or 1)
            reader, bpf = sum(x["reader_ns"] for x in sp), sum(x["bpf_ns"] for x in sp)
            rows.append((f"c. what the tool spent during those storms (its {len(sp)} arms, "
                         f"{kills} kills)",
                         f"{100 * (reader + bpf) / 1e9 / wall:.2f}% of the machine's CPU: "
                         f"reader {fmt_ns(reader / kills)}/kill, BPF {fmt_ns(bpf / kills)}/kill",
                         "-", "a bound on the cost: below 2%"))
    d = res.get("d")
    if d:
        rows.append((f"d. start-up, exec to ready (median of {d['rounds']})",
                     f"{d['tool_ms']:.0f} ms ({d['bt_ms'] / d['tool_ms']:.1f}x faster)",
                     f"bpftrace {d['bt_ms']:.0f} ms; floor (one libbpf parse of the "
                     f"kernel BTF) {d['floor_ms']:.0f} ms", "10x faster"))
        rows.append((f"d. peak RSS, VmHWM (median of {d['rounds']})",
                     f"{d['tool_kib'] / 1024:.1f} MiB ({d['bt_kib'] / d['tool_kib']:.1f}x "
                     f"smaller)", f"bpftrace {d['bt_kib'] / 1024:.1f} MiB; floor (same) "
                     f"{d['floor_kib'] / 1024:.1f} MiB",
                     f"within 10% of the floor ({d['floor_kib'] * 1.1 / 1024:.1f} MiB)"))
    e = res.get("e")
    if e:
        t, b = e["tool"], e.get("base")
        exit_p99 = e.get("exit_p99")
        where = ("in the pipe (the kernel's stamp of the tool's write)"
                 if e.get("stamped_by") == "kernel" else "read by the bench (no syscall tracepoints)")
        rows.append((f"e. kill -> incident line {where}, {e['n']} scenario-A kills",
                     f"p50 {fmt_ns(t['p50'])}, p99 {fmt_ns(t['p99'])} (max {fmt_ns(t['max'])})",
                     f"kill -> victim exit p50 {fmt_ns(e['exit_p50'])}, p99 {fmt_ns(exit_p99)}"
                     + (f"; before this change, same kills: p50 {fmt_ns(b['p50'])}, "
                        f"p99 {fmt_ns(b['p99'])}" if b else ""),
                     "p99 <= kill -> exit p99 + 2 ms"
                     + (f" ({fmt_ns(exit_p99 + 2e6)})" if exit_p99 is not None else "")))
        rows.append((f"e. the event that closed the incident -> its line {where}, {e['n']} "
                     f"scenario-A kills",
                     f"p50 {fmt_ns(t['close_p50'])}, p99 {fmt_ns(t['close_p99'])}",
                     (f"before this change, same kills: p50 {fmt_ns(b['close_p50'])}, "
                      f"p99 {fmt_ns(b['close_p99'])}") if b else "-",
                     "p99 <= 2 ms"))
        if e.get("stamped_by") == "kernel":
            rows.append((f"e. the same, read by the bench's reader (a Python thread: its own "
                         f"scheduling added)",
                         f"p50 {fmt_ns(t['read_close_p50'])}, p99 {fmt_ns(t['read_close_p99'])}",
                         (f"before this change: p50 {fmt_ns(b['read_close_p50'])}, "
                          f"p99 {fmt_ns(b['read_close_p99'])}") if b else "-", "-"))
    f = res.get("f")
    if f:
        for mode, what, goal in (("plain", "", "0"),
                                 ("prom", ", --prom-textfile --interval 1", "<= 1 per interval")):
            t, b = f.get(("tool", mode)), f.get(("base", mode))
            rows.append((f"f. idle wake-ups/s{what} (voluntary context switches over "
                         f"{f['secs']} s)", f"{t['per_s']:.2f}/s",
                         f"before this change {b['per_s']:.2f}/s" if b else "-", goal))
        t, b = f[("tool", "plain")], f.get(("base", "plain"))
        rows.append(("f. steady RSS, VmRSS idle", f"{t['rss_kib'] / 1024:.1f} MiB",
                     f"before this change {b['rss_kib'] / 1024:.1f} MiB" if b else "-",
                     "<= 6 MiB"))
    g = res.get("g")
    if g:
        rows += [tuple(r) for r in g["rows"]]
    out = [f"Benchmarks, {env['date']}, {env['machine']}; machine {env['load']}.",
           "",
           "| measure | oomreap-trace | baseline, same run | goal |",
           "|---|---|---|---|"]
    out += [f"| {m} | {v} | {bl} | {g} |" for m, v, bl, g in rows]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=f"{oomlab.REPO}/build", help="build directory")
    ap.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    ap.add_argument("--only", default="abcdefg", help="which parts, e.g. 'bd'")
    ap.add_argument("--baseline", help="another build of the tool (e.g. main's), measured "
                    "beside this one in a, e and f")
    ap.add_argument("--vm-baseline", help="a static build of the other revision, for g")
    ap.add_argument("--markdown", help="also write the table to this file")
    args = ap.parse_args()
    oomlab.TOOL = os.environ.get("OOMREAP_TRACE", f"{args.out}/oomreap-trace")
    oomlab.FIXTURES = os.environ.get("OOMREAP_FIXTURES", f"{args.out}/fixtures")
    reason = oomlab.preflight()
    if reason:
        print(f"bench: cannot run: {reason}", file=sys.stderr)
        return 1
    if not shutil_which("bpftrace"):
        print("bench: bpftrace not installed (scripts/install-deps.sh)", file=sys.stderr)
        return 1

    oomlab.unwind_on_signals()

    script, floor = f"/tmp/{TAG}.bt", f"/tmp/{TAG}-floor.bt"
    for path, text in ((script, BPFTRACE_SCRIPT), (floor, FLOOR_SCRIPT)):
        with open(path, "w") as f:
            f.write(text)
    env = {"date": datetime.date.today().isoformat(),
           "machine": f"{os.cpu_count()} vCPU, Linux {platform.release()} VM"}
    watch = LoadWatch()
    watch.start()
    res = {}
    try:
        oomlab.remove_stale(note=note)
        if "b" in args.only:
            note("b: fork/exit with and without the tool")
            res["b"] = bench_forkexit(args)
        if "d" in args.only:
            note("d: start-up and peak RSS against bpftrace")
            res["d"] = bench_startup(args, script)
        if "f" in args.only:
            note("f: idle wake-ups")
            res["f"] = bench_idle(args)
        if "c" in args.only or "e" in args.only:
            with contextlib.ExitStack() as stack:
                lock = oomlab.exclusive(note=note)
                stack.callback(lock.close)
                if "c" in args.only:
                    note("c: OOM storm")
                    with contextlib.ExitStack() as s2:
                        res["c"] = bench_storm(args, s2)
                if "e" in args.only:
                    note("e: kill -> incident line latency")
                    with contextlib.ExitStack() as s2:
                        res["e"] = bench_latency(args, s2)
        if "a" in args.only:
            note("a: BPF cost per event (bpf_stats_enabled on, restored after)")
            res["a"] = bench_bpf_cost(args, script, floor)
            for l in res["a"].get("e2e", []):
                note(f"  e2e driver: {l}")
            if not args.quick:
                note("a, alone: ours and the event floor, each alone on the tracepoints")
                res["a_alone"] = bench_alone_cost(args)
                for l in res["a_alone"]["e2e"]:
                    if not l.startswith("ok"):
                        note(f"  e2e driver: {l}")
            if args.baseline:
                note("a, again: the baseline attached before ours")
                res["a2"] = bench_bpf_cost(args, script, floor, base_first=True)
                for l in res["a2"].get("e2e", []):
                    note(f"  e2e driver: {l}")
        if "g" in args.only:
            note("g: start-up and memory beside libbpf-tools' oomkill, in a 6.12 guest")
            res["g"] = bench_vm_startup(args)
    finally:
        for path in (script, floor):
            with contextlib.suppress(OSError):
                os.unlink(path)
    env["load"] = watch.summary()
    text = table(res, env)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    return 0


def bench_vm_startup(args):
    """bench/vm_startup.py's rows (a guest of its own; a few minutes)."""
    js = os.path.join(args.out, "bench", "vm", "startup.json")
    with contextlib.suppress(OSError):
        os.unlink(js)
    cmd = [sys.executable, os.path.join(HERE, "vm_startup.py"), "--out", args.out, "--json", js]
    if args.quick:
        cmd += ["--rounds", "3"]
    if args.vm_baseline:
        cmd += ["--baseline", args.vm_baseline]
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL)
    try:
        with open(js) as f:
            return json.load(f)
    except (OSError, ValueError):
        note(f"g: bench/vm_startup.py gave no figures (exit {p.returncode})")
        return None


def shutil_which(name):
    import shutil
    return shutil.which(name)


if __name__ == "__main__":
    sys.exit(main())
