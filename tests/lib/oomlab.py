# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Making OOM kills safely, for the test layers and the benchmarks.

The same rules as tests/e2e (LAB.md): every OOM happens inside a memory
cgroup made here with a small limit; every process is started here and
ended here, by pid; every cgroup and tracefs instance is removed on every
exit path; waits poll a condition against a deadline, never a fixed sleep.

Runs that make OOM kills take the e2e lock (/run/lock/oomreap-e2e.lock):
all of them share the one oom_reaper kthread, whose behaviour is part of
the e2e tests' ground truth.
"""

import contextlib
import ctypes
import errno
import fcntl
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
# Names of what we create: <prefix>-<our pid>[-...], so a later run can
# remove what a SIGKILLed one left (only when that pid is gone).
STALE_RX = re.compile(rb"^oomreap-(?:hard|bench)-(\d+)")


class Fail(Exception):
    """Setup broke or a wait timed out."""


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


def preflight():
    """Why OOM scenarios cannot run here, or None."""
    if os.geteuid() != 0:
        return "not root (needs CAP_SYS_ADMIN for memcg, tracefs and BPF)"
    if not os.path.exists(f"{MEMCG_ROOT}/memory.limit_in_bytes"):
        return f"no cgroup v1 memory controller at {MEMCG_ROOT}"
    if not os.path.isdir(f"{TRACEFS}/instances"):
        r = subprocess.run(["mount", "-t", "tracefs", "tracefs", TRACEFS],
                           capture_output=True, text=True)
        if r.returncode or not os.path.isdir(f"{TRACEFS}/instances"):
            return f"no tracefs at {TRACEFS}: {r.stderr.strip()}"
    if not os.access(TOOL, os.X_OK):
        return f"tool {TOOL} not built (make)"
    return None


def exclusive(timeout=900, note=print):
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
        note(f"# waiting for another OOM-making run to finish ({path})")
        wait_for(take, timeout, f"the lock {path}", poll=0.1)
    return f


def remove_stale(note=print):
    """Empty cgroups / tracefs instances of ours whose creator is gone."""
    for base in (MEMCG_ROOT, f"{TRACEFS}/instances"):
        with contextlib.suppress(OSError):
            for d in os.listdir(os.fsencode(base)):
                m = STALE_RX.match(d)
                if not m or os.path.exists(f"/proc/{int(m.group(1))}"):
                    continue
                top = os.path.join(os.fsencode(base), d)
                # children first (bottom-up); rmdir only succeeds on empty ones
                for root, dirs, _ in sorted(os.walk(top, topdown=False)):
                    for c in dirs:
                        with contextlib.suppress(OSError):
                            os.rmdir(os.path.join(root, c))
                try:
                    os.rmdir(top)
                    note(f"# removed stale {top!r}")
                except OSError as e:
                    note(f"# warning: stale {top!r} not removed: {e}")


def _die_with_parent():
    """preexec: SIGKILL this child if we die, even by SIGKILL."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class Proc:
    """A child in its own session; stdout/stderr lines (bytes) are collected
    by threads, each with its CLOCK_MONOTONIC arrival time."""

    def __init__(self, name, argv, stdin=True, env=None):
        self.name = name
        self.lines = []     # (mono_ns, bytes without "\n")
        self.err = []
        self.eof = False
        self.cond = threading.Condition()
        self.p = subprocess.Popen(
            argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0,
            start_new_session=True, preexec_fn=_die_with_parent, env=env)
        self.pid = self.p.pid
        self.pumps = [threading.Thread(target=self._pump, args=(s, l), daemon=True)
                      for s, l in ((self.p.stdout, self.lines), (self.p.stderr, self.err))]
        for t in self.pumps:
            t.start()

    def _pump(self, stream, sink):
        for line in iter(stream.readline, b""):
            now = mono_ns()
            with self.cond:
                sink.append((now, line[:-1] if line.endswith(b"\n") else line))
                self.cond.notify_all()
        with self.cond:
            if sink is self.lines:
                self.eof = True
            self.cond.notify_all()

    def expect(self, pattern, timeout, stream="out"):
        """Wait for a line matching pattern (bytes regex); return the match."""
        rx = re.compile(pattern)
        sink = self.lines if stream == "out" else self.err
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for _, line in sink:
                    m = rx.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or (self.eof and self.p.poll() is not None):
                    raise Fail(f"{self.name}: no line /{pattern!r}/ within {timeout:g}s "
                               f"(rc={self.p.poll()}, stdout={self.lines[-3:]}, "
                               f"stderr={self.err[-3:]})")
                self.cond.wait(min(left, 0.1))

    def send(self, line):
        with contextlib.suppress(BrokenPipeError, ValueError, OSError):
            self.p.stdin.write(line.encode() + b"\n")

    def wait(self, timeout):
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        for t in self.pumps:
            t.join(2)
        return rc

    def kill(self, timeout=10.0):
        """SIGKILL this pid (only ever a process we started) and reap it."""
        if self.p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        self.wait(timeout)
        for s in (self.p.stdin, self.p.stdout, self.p.stderr):
            with contextlib.suppress(Exception):
                if s:
                    s.close()


class Tool(Proc):
    """oomreap-trace, started and waited for until it says it is ready."""

    def __init__(self, args, name="oomreap-trace", timeout=30):
        self.t_exec = mono_ns()
        super().__init__(name, [TOOL] + list(args), stdin=False)
        try:
            m = wait_for(lambda: self._ready() or self.p.poll() is not None, timeout,
                         "oomreap-trace: ready")
        except Fail:
            self.kill()
            raise Fail(f"tool not ready in {timeout}s; stderr: {self.err[-5:]}")
        if self.p.poll() is not None:
            raise Fail(f"tool exited rc={self.p.returncode} before ready; stderr: {self.err[-5:]}")
        self.t_ready = m

    def _ready(self):
        with self.cond:
            for t, l in self.err:
                if l.startswith(b"oomreap-trace: ready"):
                    return t
        return None

    def stop(self, timeout=15):
        """SIGINT, wait; returns the exit status (SIGKILL after timeout)."""
        if self.p.poll() is None:
            os.kill(self.pid, signal.SIGINT)
        rc = self.wait(timeout)
        if rc is None:
            self.kill()
            return "hung after SIGINT"
        return rc


class Memcg:
    """A cgroup v1 memory cgroup (name: bytes or str, path relative to the
    controller's root) with a hard limit and no swap headroom."""

    def __init__(self, rel, limit_mib=None):
        self.rel = os.fsencode(rel)
        self.dir = os.fsencode(MEMCG_ROOT) + self.rel
        os.mkdir(self.dir)
        if limit_mib:
            self.limit(limit_mib)

    def limit(self, limit_mib):
        write_file(self.dir + b"/memory.limit_in_bytes", str(limit_mib * MiB))
        if os.path.exists(self.dir + b"/memory.memsw.limit_in_bytes"):
            write_file(self.dir + b"/memory.memsw.limit_in_bytes", str(limit_mib * MiB))

    def procs(self):
        try:
            with open(self.dir + b"/cgroup.procs") as f:
                return [int(p) for p in f.read().split()]
        except OSError:
            return []

    def oom_kills(self):
        """The kernel's own count of OOM kills in this memcg (and below)."""
        try:
            with open(self.dir + b"/memory.oom_control") as f:
                m = re.search(r"oom_kill (\d+)", f.read())
                return int(m.group(1)) if m else None
        except OSError:
            return None

    def close(self, note=print):
        try:
            wait_for(lambda: not self.procs(), 15, f"{self.dir!r} to empty")
            for attempt in range(100):
                try:
                    os.rmdir(self.dir)
                    return
                except OSError as e:
                    if e.errno != errno.EBUSY:
                        raise
                time.sleep(0.01)    # css still going away: retry
            os.rmdir(self.dir)
        except (Fail, OSError) as e:
            note(f"# warning: cannot remove {self.dir!r}: {e} (procs {self.procs()})")


class TraceInstance:
    """A private tracefs instance counting oom:mark_victim (trace_clock mono)."""

    def __init__(self, name, buffer_kb=4096):
        self.dir = f"{TRACEFS}/instances/{name}"
        os.mkdir(self.dir)
        write_file(f"{self.dir}/trace_clock", "mono")
        write_file(f"{self.dir}/buffer_size_kb", str(buffer_kb))
        write_file(f"{self.dir}/events/oom/mark_victim/enable", "1")

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
            write_file(f"{self.dir}/events/oom/mark_victim/enable", "0")
        for attempt in range(100):
            try:
                os.rmdir(self.dir)
                return
            except OSError as e:
                if e.errno != errno.EBUSY:
                    return
            time.sleep(0.02)


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
