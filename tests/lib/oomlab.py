# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Making OOM kills safely: the one home of the helpers that the end-to-end,
Prometheus, hardening, deployment and package tests and the benchmarks
share (tests/e2e, tests/prom, tests/hardening, tests/deploy, tests/package,
bench).

The rules (docs/LAB.md): every OOM happens inside a memory cgroup made here with
a small limit; every process is started here and ended here, by pid; every
cgroup and tracefs instance is removed on every exit path; waits poll a
condition against a deadline, never a fixed sleep.

Runs that make OOM kills take the e2e lock (/run/lock/oomreap-e2e.lock):
all of them share the one oom_reaper kthread, whose behaviour is part of
the e2e tests' ground truth.
"""

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import re
import signal
import subprocess
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MEMCG_ROOT = "/sys/fs/cgroup/memory"
TRACEFS = "/sys/kernel/tracing"
MiB = 1 << 20
TOOL = os.environ.get("OOMREAP_TRACE", f"{REPO}/build/oomreap-trace")
FIXTURES = os.environ.get("OOMREAP_FIXTURES", f"{REPO}/build/fixtures")
# Names of what the hardening tests and the benchmarks create:
# <prefix>-<our pid>[-...], so a later run can remove what a SIGKILLed one
# left (only when that pid is gone).  Other layers pass their own pattern.
STALE_RX = re.compile(rb"^oomreap-(?:hard|bench)-(\d+)")
# What a SIGKILLed e2e scenario left: memcgs, tracefs instances and FUSE
# mount points in /tmp named oomreap-e2e-<scenario>-<pid>[-<n>|-mnt...],
# that pid gone (tests/e2e's and the layers that run its scenarios).
E2E_STALE_RX = re.compile(rb"^oomreap-e2e-\w+-(\d+)(-\d+|-mnt\w+)?$")
READY = b"oomreap-trace: ready"


class Fail(Exception):
    """Setup broke or a wait timed out: the test cannot go on."""


def note(msg):
    """A "# ..." comment line of the test output."""
    print("# " + msg, flush=True)


def mono_ns():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def wait_for(cond, timeout, what, poll=0.005):
    """Poll cond() until it returns something true; Fail after timeout s."""
    deadline = time.monotonic() + timeout
    while True:
        res = cond()
        if res:
            return res
        if time.monotonic() > deadline:
            raise Fail(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(poll)


def unwind_on_signals():
    """SIGTERM and SIGHUP unwind like Ctrl-C, so every cleanup path runs."""
    def on_term(sig, frame):
        raise KeyboardInterrupt(f"signal {sig}")
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)


def write_file(path, val):
    with open(path, "wb" if isinstance(val, bytes) else "w") as f:
        f.write(val)


def read_file(path, default=None):
    """Text, with any byte that is not UTF-8 replaced (tracefs prints comms raw)."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default


def proc_status(path_or_pid):
    """/proc/PID/status (or the status file at a path) as {key: value},
    {} when gone."""
    path = (f"/proc/{path_or_pid}/status" if isinstance(path_or_pid, int)
            or str(path_or_pid).isdigit() else path_or_pid)
    out = {}
    for line in (read_file(path, "") or "").splitlines():
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def tids(pid):
    """The thread ids of pid (OSError when it is gone)."""
    return [int(t) for t in os.listdir(f"/proc/{pid}/task")]


def task_state(tid):
    """(state letter, wchan) of a thread from /proc/TID/{stat,wchan}.

    Only these two files: in recipe C, /proc/PID/cmdline, status or anything
    that takes the victim's mmap_lock would block the harness too."""
    stat = read_file(f"/proc/{tid}/stat")
    if stat is None:
        return None, None
    state = stat[stat.rindex(")") + 2]
    wchan = (read_file(f"/proc/{tid}/wchan", "") or "").strip()
    return state, wchan


def preflight(fuse=False, events=(), tool=True, fixtures=None):
    """Why OOM scenarios cannot run here, or None.

    fuse: /dev/fuse is needed too; events: tracepoints the kernel must have
    ("oom/wake_reaper"); tool: TOOL must be built; fixtures: the fixtures'
    directory, built there if a fixture is missing."""
    if os.geteuid() != 0:
        return ("not root (needs CAP_SYS_ADMIN for memcg, tracefs"
                + (", FUSE" if fuse else "") + " and BPF)")
    if not os.path.exists(f"{MEMCG_ROOT}/memory.limit_in_bytes"):
        return f"no cgroup v1 memory controller at {MEMCG_ROOT}"
    if fuse and not os.path.exists("/dev/fuse"):
        return "no /dev/fuse"
    if not os.path.isdir(f"{TRACEFS}/instances"):
        r = subprocess.run(["mount", "-t", "tracefs", "tracefs", TRACEFS],
                           capture_output=True, text=True)
        if r.returncode or not os.path.isdir(f"{TRACEFS}/instances"):
            return f"no tracefs at {TRACEFS}: {r.stderr.strip()}"
    for ev in events:
        if not os.path.isdir(f"{TRACEFS}/events/{ev}"):
            return f"kernel has no {ev.replace('/', ':')} tracepoint"
    if tool and not os.access(TOOL, os.X_OK):
        return f"tool {TOOL} not built (make)"
    if fixtures:
        try:
            ensure_fixtures(fixtures)
        except (subprocess.CalledProcessError, OSError) as e:
            return f"cannot build fixtures: {e}"
    return None


def ensure_fixtures(out=FIXTURES):
    """The scenarios' fixture programs in out, built there if one is missing."""
    names = ("memhog", "oom_victim", "procpoke", "fuse_hold", "ukiller")
    if all(os.access(f"{out}/{n}", os.X_OK) for n in names):
        return
    note(f"building fixtures into {out}")
    subprocess.run(["make", "-s", "-C", REPO, "-f", "tests/fixtures/fixtures.mk",
                    f"FIXTURES_OUT={out}", "fixtures"], check=True)


def exclusive(timeout=900, note=note):
    """The e2e tests' machine-wide lock, held until the returned file closes."""
    path = "/run/lock/oomreap-e2e.lock" if os.path.isdir("/run/lock") else "/tmp/oomreap-e2e.lock"
    f = open(path, "w")

    def take():
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
    if not take():
        note(f"waiting for another OOM-making run to finish ({path})")
        wait_for(take, timeout, f"the lock {path}", poll=0.1)
    return f


def remove_stale(rx=STALE_RX, also=(), note=note):
    """Remove what a SIGKILLed run left: memory cgroups and tracefs instances
    (and entries of the directories in `also`) whose name rx matches, group 1
    being the pid of their creator, which must be gone.  Only empty ones
    (rmdir; nested cgroups children first), never a mount point: no process
    this run did not start is touched."""
    for base in (MEMCG_ROOT, f"{TRACEFS}/instances", *also):
        try:
            names = os.listdir(os.fsencode(base))
        except OSError:
            continue
        for d in names:
            m = rx.match(d)
            top = os.path.join(os.fsencode(base), d)
            if not m or os.path.exists(f"/proc/{int(m.group(1))}") or os.path.ismount(top):
                continue
            if base == MEMCG_ROOT:     # nested cgroups: the deepest first
                for root, dirs, _ in os.walk(top, topdown=False):
                    for c in dirs:
                        with contextlib.suppress(OSError):
                            os.rmdir(os.path.join(root, c))
            try:
                os.rmdir(top)
                note(f"removed stale {top!r}")
            except OSError as e:
                note(f"warning: stale {top!r} not removed: {e}")


def rmdir_busy(path, pause, tries=100):
    """rmdir, retried while the kernel says EBUSY (a memcg's css or a tracefs
    instance still going away); OSError if it does not go."""
    for attempt in range(tries - 1):
        try:
            os.rmdir(path)
            return
        except OSError as e:
            if e.errno != errno.EBUSY:
                raise
        time.sleep(pause)
    os.rmdir(path)


def _die_with_parent(sig):
    """preexec: send this child sig if we die, even by SIGKILL."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)


class Proc:
    """A child in its own session, started here and ended here, by pid.

    Threads collect its stdout and stderr lines: `lines` and `err` hold
    (CLOCK_MONOTONIC ns of arrival, bytes without "\\n") each or, with
    text=True, the lines alone as str (UTF-8, any other byte replaced);
    expect() then takes str patterns.  deathsig: what the child gets if
    the harness dies, even by SIGKILL."""

    def __init__(self, name, argv, stdin=True, env=None, text=False, deathsig=signal.SIGKILL):
        self.name = name
        self.argv = argv
        self.text = text
        self._out, self._err = [], []   # (mono_ns, bytes), whatever text says
        self._ended = set()             # "out", "err": that stream is at its end
        self.cond = threading.Condition()
        self.p = subprocess.Popen(
            argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0,
            start_new_session=True, preexec_fn=lambda: _die_with_parent(deathsig), env=env)
        self.pid = self.p.pid
        self.pumps = [threading.Thread(target=self._pump, args=(s, sink, key), daemon=True)
                      for s, sink, key in ((self.p.stdout, self._out, "out"),
                                           (self.p.stderr, self._err, "err"))]
        for t in self.pumps:
            t.start()

    def _pump(self, stream, sink, key):
        # Whole reads, split here: readline() on an unbuffered pipe reads a
        # byte per system call, which cost a 2 KiB JSON line 2000 of them
        # (the bench saw the harness, not the tool, slow an OOM storm).
        fd, rest = stream.fileno(), b""
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                chunk = b""
            now = mono_ns()
            if not chunk:
                break
            *lines, rest = (rest + chunk).split(b"\n")
            if lines:
                with self.cond:
                    sink.extend((now, line) for line in lines)
                    self.cond.notify_all()
        with self.cond:
            if rest:
                sink.append((now, rest))
            self._ended.add(key)
            self.cond.notify_all()

    def _line(self, raw):
        return raw.decode("utf-8", "replace") if self.text else raw

    def _view(self, sink):
        if not self.text:
            return sink
        with self.cond:
            return [self._line(l) for _, l in sink]

    @property
    def lines(self):
        """stdout so far (see the class)."""
        return self._view(self._out)

    @property
    def err(self):
        """stderr so far (see the class)."""
        return self._view(self._err)

    def json_objects(self):
        """The JSON objects among its stdout lines so far, in order (the
        tool's --json output: one object per line); other lines are left
        out, non_json_lines() says which."""
        out = []
        with self.cond:
            raw = [l for _, l in self._out]
        for line in raw:
            with contextlib.suppress(ValueError):     # UnicodeDecodeError too
                obj = json.loads(line)
                if isinstance(obj, dict):
                    out.append(obj)
        return out

    def non_json_lines(self):
        """Its stdout lines that are not a JSON object (as lines shows them)."""
        bad = []
        with self.cond:
            raw = [l for _, l in self._out]
        for line in raw:
            try:
                ok = isinstance(json.loads(line), dict)
            except ValueError:
                ok = False
            if not ok:
                bad.append(self._line(line))
        return bad

    def expect(self, pattern, timeout, stream="out"):
        """Wait for a line matching pattern on stream ("out", "err"); return the match."""
        rx = re.compile(pattern)
        sink = self._out if stream == "out" else self._err
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for _, line in sink:
                    m = rx.search(self._line(line))
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or stream in self._ended:
                    raise Fail(f"{self.name}: no line /{pattern}/ within {timeout:g}s "
                               f"(rc={self.p.poll()}, stdout={self.lines[-5:]}, "
                               f"stderr={self.err[-5:]})")
                self.cond.wait(min(left, 0.1))

    def ready_pid(self, timeout=10):
        """The pid of the fixtures' first line, "ready pid=N"."""
        return int(self.expect(self._line(rb"^ready pid=(\d+)"), timeout).group(1))

    def send(self, line):
        with contextlib.suppress(BrokenPipeError, ValueError, OSError):
            self.p.stdin.write(line.encode() + b"\n")

    def close_stdin(self):
        with contextlib.suppress(OSError, ValueError):
            self.p.stdin.close()

    def wait(self, timeout):
        """Exit status (negative: signal), or None if still running."""
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        for t in self.pumps:     # collect its last lines
            t.join(2)
        return rc

    def interrupt(self, timeout=15):
        """SIGINT, wait; SIGKILL after timeout.  The exit status, or None
        when it had to be killed."""
        if self.p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGINT)
        rc = self.wait(timeout)
        if rc is None:
            self.kill()
        return rc

    def kill(self, timeout=10.0):
        """SIGKILL this pid (only ever a process we started) and reap it."""
        if self.p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        if self.wait(timeout) is None:
            note(f"warning: {self.name} pid {self.pid} did not die within {timeout:g}s "
                 f"(state/wchan {task_state(self.pid)})")
        # Our ends of its pipes; a pipe whose reader still runs stays open
        # (closing it under the reader would block).
        for s, pump in ((self.p.stdin, None), (self.p.stdout, self.pumps[0]),
                        (self.p.stderr, self.pumps[1])):
            if s and not (pump and pump.is_alive()):
                with contextlib.suppress(Exception):
                    s.close()


def start_memhog(stack, memcg, mib, adj=None, binary=None, name="memhog", **kw):
    """The memhog fixture in memcg, armed: it allocates and touches mib MiB
    on send("go") (an OOM kill, in a memcg with a smaller limit).  Its kill
    is on stack before anything can fail.  kw: as Proc.  (proc, pid)."""
    argv = [binary or f"{FIXTURES}/memhog", "-c", memcg.dir]
    if adj is not None:
        argv += ["-o", str(adj)]
    hog = Proc(name, argv + ["-w", str(mib)], **kw)
    stack.callback(hog.kill)
    return hog, hog.ready_pid()


class JsonOutput:
    """What a wrapper of the tool running with --json reads of it; self.proc
    is its Proc."""

    def incidents(self):
        return self.proc.json_objects()

    def bad_lines(self):
        return self.proc.non_json_lines()

    def incident_of(self, pid, timeout):
        """The incident of this victim pid, waited for; Fail after timeout."""
        return wait_for(lambda: [i for i in self.incidents() if i.get("pid") == pid],
                        timeout, f"the tool's incident for pid {pid}")


class Tool(Proc):
    """oomreap-trace (binary, default TOOL) with these arguments, started and
    waited for until it says it is ready; t_exec and t_ready (CLOCK_MONOTONIC
    ns) are its exec and the arrival of that line.  kw: as Proc."""

    def __init__(self, args, name="oomreap-trace", timeout=30, binary=None, **kw):
        self.t_exec = mono_ns()
        self.rc = None
        super().__init__(name, [binary or TOOL] + list(args), stdin=False, **kw)
        try:
            self.t_ready = wait_for(lambda: self._ready() or self.p.poll() is not None,
                                    timeout, "oomreap-trace: ready")
        except Fail:
            self.kill()
            raise Fail(f"tool not ready in {timeout}s; stderr: {self.err[-10:]}")
        if self.p.poll() is not None:
            raise Fail(f"tool exited rc={self.p.returncode} before ready; "
                       f"stderr: {self.err[-10:]}")

    def _ready(self):
        with self.cond:
            return next((t for t, l in self._err if l.startswith(READY)), None)

    def stop(self, timeout=15):
        """SIGINT, wait; the exit status ("hung after SIGINT": SIGKILLed after
        timeout).  Once stopped, the same answer again."""
        if self.rc is None:
            self.rc = self.interrupt(timeout)
            if self.rc is None:
                self.rc = "hung after SIGINT"
        return self.rc


class Memcg:
    """A cgroup v1 memory cgroup made here, with a hard limit and no swap
    headroom.  rel: its path below the controller's root ("/name"), str or
    bytes (a name may hold any byte but "/" and newline); dir, the full
    path, is of the same type."""

    def __init__(self, rel, limit_mib=None):
        self.rel = rel
        self.dir = (MEMCG_ROOT if isinstance(rel, str) else os.fsencode(MEMCG_ROOT)) + rel
        self._dir = os.fsencode(self.dir)
        os.mkdir(self.dir)
        if limit_mib:
            try:
                self.limit(limit_mib)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.rmdir(self.dir)
                raise

    def limit(self, limit_mib):
        write_file(self._dir + b"/memory.limit_in_bytes", str(limit_mib * MiB))
        if os.path.exists(self._dir + b"/memory.memsw.limit_in_bytes"):
            write_file(self._dir + b"/memory.memsw.limit_in_bytes", str(limit_mib * MiB))

    def procs(self):
        try:
            with open(self._dir + b"/cgroup.procs") as f:
                return [int(p) for p in f.read().split()]
        except OSError:
            return []

    def oom_kills(self):
        """The kernel's own count of OOM kills in this memcg (and below)."""
        try:
            with open(self._dir + b"/memory.oom_control") as f:
                m = re.search(r"oom_kill (\d+)", f.read())
                return int(m.group(1)) if m else None
        except OSError:
            return None

    def close(self, note=note):
        try:
            wait_for(lambda: not self.procs(), 15, f"{self.dir!r} to empty")
            rmdir_busy(self.dir, 0.01)
        except (Fail, OSError) as e:
            note(f"warning: cannot remove {self.dir!r}: {e} (procs {self.procs()})")


class TraceInstance:
    """A private tracefs instance, trace_clock=mono (the clock of
    bpf_ktime_get_ns), by default recording oom:mark_victim."""

    def __init__(self, name, buffer_kb=4096, events=("oom/mark_victim",)):
        self.dir = f"{TRACEFS}/instances/{name}"
        os.mkdir(self.dir)
        try:
            write_file(f"{self.dir}/trace_clock", "mono")
            if buffer_kb:
                write_file(f"{self.dir}/buffer_size_kb", str(buffer_kb))
            for ev in events:
                self.enable(ev)
        except BaseException:
            self.close()
            raise

    def enable(self, event, filt=None):
        """Record event ("oom/wake_reaper"), where filt holds if given."""
        if filt is not None:
            write_file(f"{self.dir}/events/{event}/filter", filt)
        write_file(f"{self.dir}/events/{event}/enable", "1")

    def mark_victims(self, pids=None):
        """[(ts_ns, pid)] of mark_victim events, optionally only these pids."""
        out = []
        for line in (read_file(f"{self.dir}/trace", "") or "").splitlines():
            m = re.search(r"\s(\d+)\.(\d{6}): mark_victim: pid=(\d+)", line)
            if m:
                pid = int(m.group(3))
                if pids is None or pid in pids:
                    out.append((int(m.group(1)) * 10**9 + int(m.group(2)) * 1000, pid))
        return out

    def overrun(self):
        total = 0
        for cpu in os.listdir(f"{self.dir}/per_cpu"):
            st = read_file(f"{self.dir}/per_cpu/{cpu}/stats", "") or ""
            m = re.search(r"overrun: (\d+)", st)
            total += int(m.group(1)) if m else 0
        return total

    def close(self):
        with contextlib.suppress(OSError):
            write_file(f"{self.dir}/tracing_on", "0")
        try:
            rmdir_busy(self.dir, 0.02)
        except OSError as e:
            note(f"warning: cannot remove {self.dir}: {e}")


def loadavg():
    return (read_file("/proc/loadavg", "?") or "?").split()[0]


def busy_others():
    """Other heavy work on the machine right now (qemu guests, compilers)."""
    names = []
    for d in os.listdir("/proc"):
        if d.isdigit() and int(d) != os.getpid():
            c = (read_file(f"/proc/{d}/comm") or "").strip()
            if c.startswith("qemu-system") or c in ("cc1", "clang", "ld"):
                names.append(c)
    return sorted(set(names))
