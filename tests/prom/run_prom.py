#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Prometheus end-to-end tests for oomreap-trace --prom-textfile.

Real OOM kills inside memory cgroups made for the test (the scenarios of
tests/e2e/scenarios.py, reused as they are, plus small ones of our own), the
metrics file the tool writes judged by `promtool check metrics` and compared
with the tool's own JSON incidents and the kernel's facts, and a real
node_exporter (textfile collector only, on 127.0.0.1 and a free port)
scraped over HTTP.  Then the faults: read-only and full file systems (tmpfs
mounts made and removed here), a missing directory, a planted symlink,
SIGKILL mid-run, and the signals (SIGHUP rewrites at once and survives a
remount; SIGTERM writes a last time).  The alert rules in deploy/prometheus
are checked and unit-tested with promtool.

Needs root for everything that traces (BPF, memcg, mounts); not root, those
are skipped with a reason, which is a failure when OOMREAP_E2E_REQUIRE=1.

Usage: tests/prom/run_prom.py [-v] [TEST...]
Environment: OOMREAP_TRACE, OOMREAP_FIXTURES (as tests/e2e/run_e2e.py),
OOMREAP_E2E_REQUIRE=1, NODE_EXPORTER (default prometheus-node-exporter),
PROMTOOL (default promtool).

Output: "ok - NAME" or "not ok - NAME: REASON" per test, "# ..." notes,
and last "N passed, N failed, N skipped".  Every wait polls a condition against a
deadline; the only deliberate delays are the random SIGKILL points.
"""

import argparse
import contextlib
import errno
import os
import random
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
import oomlab  # noqa: E402  (memcgs, processes, waits: shared with the other layers)
import scenarios as e2e  # noqa: E402  (tests/e2e: A, B2, C2, run with a textfile)
import harness  # noqa: E402  (the verdict and the runner every Python layer shares)
import kerneltruth  # noqa: E402  (the kernel's lines and tracepoints, e2e's children)
import promtext  # noqa: E402  (the exposition format, parsed strictly: tests/deploy too)
from oomlab import Fail, note, wait_for  # noqa: E402
from promtext import (LAST_FAMILY, expected_from, ours, parse_exposition,  # noqa: E402
                      read_bytes, read_metrics, series, value)

INTERVAL = 1
TMP_RE = re.compile(r"^\.(.+)\.tmp-[0-9a-f]{16}$")
ARGS = None


# --------------------------------------------------------------------------
# tools


def promtool_check(path):
    """promtext.promtool_check with this run's promtool (--promtool)."""
    return promtext.promtool_check(path, ARGS.promtool)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NodeExporter:
    """Our own node_exporter: textfile collector only, loopback, free port."""

    def __init__(self, textfile_dir):
        last = None
        for _ in range(5):       # the free port may be taken before we bind it
            self.port = free_port()
            self.proc = kerneltruth.Proc("node_exporter", [
                ARGS.node_exporter, "--collector.disable-defaults", "--collector.textfile",
                f"--collector.textfile.directory={textfile_dir}",
                f"--web.listen-address=127.0.0.1:{self.port}"], stdin=False)
            try:
                wait_for(lambda: self._up() or self.proc.p.poll() is not None, 15,
                         "node_exporter to answer")
            except Fail as e:
                last = e
            if self.proc.p.poll() is None and self._up():
                return
            last = last or Fail(f"node_exporter exited: {self.proc.err[-3:]}")
            self.proc.kill()
        raise Fail(f"cannot start node_exporter: {last}")

    def _up(self):
        with contextlib.suppress(OSError):
            return self.scrape_text() is not None
        return False

    def scrape_text(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as r:
            if r.status != 200:
                return None
            return r.read().decode("utf-8")

    def scrape(self):
        return parse_exposition(self.scrape_text())[0]

    def close(self):
        if self.proc.p.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            if self.proc.wait(10) is None:
                self.proc.kill()


class PromTool(e2e.Tool):
    """The e2e scenarios' Tool with the textfile options added."""

    def __init__(self, binary, cgroup_rel, prom_path, interval=INTERVAL, extra=()):
        super().__init__(binary, cgroup_rel, extra=("--prom-textfile", prom_path,
                                                    "--interval", str(interval), *extra))

    def stderr_count(self, pattern):
        return sum(1 for l in list(self.proc.err) if re.search(pattern, l))


def temp_files(d):
    return [n for n in os.listdir(d) if TMP_RE.match(n)]


# --------------------------------------------------------------------------
# a test's context: failures, cleanup


class T(harness.Verdict):
    def __init__(self, name):
        super().__init__(name)
        self.stack = contextlib.ExitStack()
        self.tag = f"oomreap-prom-{name}-{os.getpid()}"

    def tmpdir(self):
        d = tempfile.mkdtemp(prefix=f"{self.tag}-")
        self.stack.callback(shutil.rmtree, d, True)
        return d

    def tmpfs(self, size):
        fs = Tmpfs(size)
        self.stack.callback(fs.close)
        return fs

    def memcg(self, limit_mib=64, name=None):
        m = oomlab.Memcg("/" + (name or self.tag))
        self.stack.callback(m.close)
        m.limit(limit_mib)
        return m

    def tool(self, memcg, path, **kw):
        tool = PromTool(ARGS.tool, memcg.rel, path, **kw)
        self.stack.callback(tool.stop)
        return tool

    def node_exporter(self, d):
        ne = NodeExporter(d)
        self.stack.callback(ne.close)
        return ne

    def check_file(self, path, what):
        err = promtool_check(path)
        self.expect(err is None, f"{what}: {err}")
        st = os.lstat(path)
        self.expect(stat.S_ISREG(st.st_mode), f"{what}: {path} is not a regular file")
        self.expect_eq(st.st_mode & 0o7777, 0o644, f"{what}: mode")

    def check_values(self, samples, incidents, what):
        """The file's oomreap_* series against the JSON incidents."""
        for key, want in expected_from(incidents).items():
            got = samples.get(key)
            ok = got is not None and abs(got - want) <= 1e-9 * max(1, abs(want))
            self.expect(ok, f"{what}: {key[0]}{dict(key[1]) or ''} = {got}, want {want}")

    def check_info(self, samples, what):
        info = [k for k in samples if k[0] == "oomreap_info"]
        if self.expect(len(info) == 1, f"{what}: {len(info)} oomreap_info series"):
            labels = dict(info[0][1])
            self.expect_eq(labels.get("attach"), "tracepoint", f"{what}: oomreap_info attach")
            self.expect_eq(labels.get("kernel"), os.uname().release, f"{what}: info kernel")
            self.expect(re.match(r"^\d+\.\d+\.\d+", labels.get("version", "")),
                        f"{what}: info version {labels.get('version')!r}")

    def check_scrape(self, ne, path, what):
        """node_exporter serves exactly the file's oomreap_* series, without error."""
        for _ in range(5):     # the file may be rewritten between the reads
            before = read_bytes(path)
            scraped = ne.scrape()
            if read_bytes(path) == before:
                break
        file_samples = parse_exposition(before.decode("utf-8"))[0]
        self.expect_eq(value(scraped, "node_textfile_scrape_error"), 0.0,
                       f"{what}: node_textfile_scrape_error")
        self.expect(value(scraped, "node_textfile_mtime_seconds", file=path) is not None,
                    f"{what}: no node_textfile_mtime_seconds for {path}")
        a, b = ours(file_samples), ours(scraped)
        self.expect(a == b, f"{what}: node_exporter differs from the file: only in file "
                            f"{sorted(set(a.items()) - set(b.items()))[:3]}, only scraped "
                            f"{sorted(set(b.items()) - set(a.items()))[:3]}")
        return scraped


class Tmpfs:
    """A small tmpfs we mount and always unmount."""

    def __init__(self, size):
        self.dir = tempfile.mkdtemp(prefix="oomreap-prom-fs-")
        self.mounted = False
        self.mount(size)

    def mount(self, size):
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs",
                        self.dir], check=True, capture_output=True)
        self.mounted = True

    def remount(self, opts):
        subprocess.run(["mount", "-o", f"remount,{opts}", self.dir], check=True,
                       capture_output=True)

    def umount(self):
        if self.mounted:
            r = subprocess.run(["umount", self.dir], capture_output=True)
            if r.returncode:
                subprocess.run(["umount", "-l", self.dir], capture_output=True)
            self.mounted = False

    def close(self):
        self.umount()
        with contextlib.suppress(OSError):
            os.rmdir(self.dir)


def oom_once(t, memcg, tool, hog=None):
    """One scenario-A OOM in memcg (a 256 MiB hog in 64 MiB); wait for the tool's incident."""
    p, pid = oomlab.start_memhog(t.stack, memcg, 256, binary=hog or f"{ARGS.fixtures}/memhog",
                                 **kerneltruth.CHILD)
    p.send("go")
    rc = p.wait(15)
    t.expect_eq(rc, -signal.SIGKILL, "memhog exit status (OOM-killed)")
    inc = tool.wait_incident(pid, 10)
    if not inc:
        raise Fail(f"no incident for memhog {pid} from the tool (stderr {tool.proc.err[-3:]})")
    return inc[0]


def wait_metrics(path, cond, timeout, what):
    return wait_for(lambda: (lambda s: s if s is not None and cond(s) else None)(
        read_metrics(path)), timeout, what)


def kills(samples):
    """Kills over every constraint (memcg where the kernel log's OOM report
    said so, unknown where it was ratelimited): check_values holds each
    label to the incidents' own constraint."""
    return sum(v for k, v in samples.items() if k[0] == "oomreap_kills_total")


def wait_clock(seconds):
    """Let at least `seconds` of monotonic time pass (write attempts happen on a clock)."""
    deadline = time.monotonic() + seconds
    wait_for(lambda: time.monotonic() >= deadline, seconds + 5, f"{seconds:g}s to pass",
             poll=0.05)


# --------------------------------------------------------------------------
# the e2e scenarios, with the textfile on


def scenario_test(sid, check_kernel):
    def run(t):
        d = t.tmpdir()
        path = f"{d}/oomreap.prom"
        r = e2e.Run(sid, ARGS, 1)
        r.tag = t.tag
        t.stack.callback(r.close)
        # the e2e scenario's own options too (--record: its replay is checked)
        r.make_tool = lambda binary, rel, extra=(): PromTool(binary, rel, path,
                                                             extra=tuple(extra))
        live = {}
        finish = r.finish_tool

        def finish_tool():
            # Before SIGINT: the periodic write must already hold every
            # incident, and node_exporter must serve it.
            n = len(r.tool.incidents())
            live["samples"] = wait_metrics(
                path, lambda s: sum(v for k, v in s.items()
                                    if k[0] == "oomreap_incidents_total") == n,
                INTERVAL + 5, f"the textfile to count {n} incidents")
            t.check_file(path, "live file")
            t.check_values(live["samples"], r.tool.incidents(), "live file")
            ne = t.node_exporter(d)
            live["scraped"] = t.check_scrape(ne, path, "live scrape")
            finish()

        r.finish_tool = finish_tool
        SCENARIOS = {k: v[1] for k, v in e2e.SCENARIOS.items()}
        SCENARIOS[sid](r)
        for f in r.failures:     # the e2e scenario's own ground-truth checks: its layer's verdict
            note(f"e2e check ({sid}): {f}")
        if not r.tool or "samples" not in live:
            raise Fail("the scenario ended before the tool was stopped")
        incidents = r.tool.incidents()
        t.expect_eq(r.tool.rc, 0, "tool exit status")
        t.check_file(path, "final file")
        final = read_metrics(path)
        t.check_values(final, incidents, "final file")
        t.check_info(final, "final file")
        t.expect_eq(value(final, "oomreap_textfile_write_failures_total"), 0.0,
                    "write failures")
        t.expect_eq(temp_files(d), [], "temporary files left")
        check_kernel(t, final, incidents)
    return run


def kernel_a(t, s, incs):
    t.expect_eq(kills(s), 1.0, "kills (one kill)")
    t.expect_eq(value(s, "oomreap_incidents_total", outcome="victim_exited"), 1.0,
                "incidents{victim_exited}")
    t.expect_eq(value(s, "oomreap_victim_exit_latency_seconds_count"), 1.0, "exit latency count")
    # exits before the 2 s reaper delay
    t.expect_eq(value(s, "oomreap_victim_exit_latency_seconds_bucket", le="2"), 1.0,
                "exit latency le=2")
    t.expect_eq(value(s, "oomreap_reap_latency_seconds_count"), 0.0, "reap latency count")


def kernel_b2(t, s, incs):
    t.expect_eq(kills(s), 1.0, "kills (one kill)")
    t.expect_eq(value(s, "oomreap_incidents_total", outcome="reaped"), 1.0, "incidents{reaped}")
    # kill -> finish is the 2 s timer plus a ms reap: above le=2, within le=2.5
    t.expect_eq(value(s, "oomreap_reap_latency_seconds_bucket", le="2"), 0.0, "reap latency le=2")
    t.expect_eq(value(s, "oomreap_reap_latency_seconds_bucket", le="2.5"), 1.0,
                "reap latency le=2.5")
    t.expect_eq(value(s, "oomreap_reap_duration_seconds_bucket", le="0.25"), 1.0,
                "reap duration le=0.25 (ms reap)")
    t.expect((value(s, "oomreap_reaper_freed_bytes_total", type="anon") or 0) > 64 << 20,
             "freed anon bytes > 64 MiB (the victim touched 100 MiB)")


def kernel_c2(t, s, incs):
    t.expect_eq(kills(s), 2.0, "kills (victim, then the trigger after the give-up)")
    t.expect_eq(value(s, "oomreap_incidents_total", outcome="gave_up"), 1.0, "incidents{gave_up}")
    t.expect_eq(value(s, "oomreap_reaper_trylock_failures_total"), 10.0, "trylock failures")
    t.expect_eq(value(s, "oomreap_reaper_freed_bytes_total", type="anon"), 0.0, "freed anon")


# --------------------------------------------------------------------------
# our own tests


def test_hostile(t):
    """Quotes, backslashes, braces and an invalid byte in the cgroup name, a
    newline in the comm: the exposition stays valid and the values intact."""
    # cgroup names cannot hold '\n' (cgroup_mkdir refuses it); comm can
    cg = t.tag + '-q"b\\s}{x,y=z \udcff'
    memcg = t.memcg(name=cg)
    d = t.tmpdir()
    hog = f"{t.tmpdir()}/" + 'h"q\\}\n{x'
    shutil.copy(f"{ARGS.fixtures}/memhog", hog)
    path = f"{d}/oomreap.prom"
    tool = t.tool(memcg, path, extra=("--prom-cgroup-labels=4",))
    inc = oom_once(t, memcg, tool, hog)
    t.expect_eq(inc.get("comm"), 'h"q\\}\n{x', "JSON comm (hostile)")
    t.expect_eq(inc.get("cgroup"), "/" + cg.replace("\udcff", "\u00ff"),
                "JSON cgroup (hostile; the bad byte as \\u00ff)")
    t.expect(not tool.bad_lines(), f"tool stdout lines not JSON: {tool.bad_lines()[:2]}")
    want_label = "/" + cg.replace("\udcff", "\ufffd")
    key = series("oomreap_cgroup_incidents_total", cgroup=want_label, container_id="",
                 pod_uid="", outcome=inc.get("outcome"))
    s = wait_metrics(path, lambda s: key in s, INTERVAL + 5, "the cgroup series")
    t.check_file(path, "file")
    t.expect_eq(s[key], 1.0, "cgroup incidents value")
    t.check_values(s, [inc], "file")
    raw = read_bytes(path)
    t.expect(b'h"q' not in raw and b"\n{x" not in raw, "the comm leaked into the exposition")
    ne = t.node_exporter(d)
    scraped = t.check_scrape(ne, path, "scrape")
    t.expect_eq(scraped.get(key), 1.0, "scraped cgroup series (label value intact)")


def test_readonly(t):
    """EROFS: tracing goes on, said once, counted, no temp file, file intact."""
    fs = t.tmpfs("1m")
    path = f"{fs.dir}/oomreap.prom"
    memcg = t.memcg()
    tool = t.tool(memcg, path)
    wait_metrics(path, lambda s: True, INTERVAL + 5, "the first write")
    fs.remount("ro")
    t.stack.callback(lambda: subprocess.run(["mount", "-o", "remount,rw", fs.dir],
                                            capture_output=True))
    before = read_bytes(path)
    wait_for(lambda: tool.stderr_count("cannot write metrics") >= 1, INTERVAL + 5,
             "the failure message")
    inc = oom_once(t, memcg, tool)          # tracing goes on
    wait_clock(2 * INTERVAL + 0.5)          # at least two more failed attempts
    t.expect_eq(tool.stderr_count("cannot write metrics"), 1, "failure messages (said once)")
    t.expect(any("Read-only file system" in l for l in tool.proc.err), "EROFS not named")
    t.expect_eq(read_bytes(path), before, "file changed while read-only")
    t.check_file(path, "file while read-only")
    t.expect_eq(temp_files(fs.dir), [], "temporary files")
    fs.remount("rw")
    s = wait_metrics(path, lambda s: kills(s) == 1, INTERVAL + 5, "the write after remount rw")
    t.expect((value(s, "oomreap_textfile_write_failures_total") or 0) >= 3,
             f"write failures {value(s, 'oomreap_textfile_write_failures_total')}, want >= 3")
    t.check_values(s, [inc], "file after recovery")
    # The tool says so just after the rename that made the file visible:
    # under load its stderr line can reach us a moment after the file.
    wait_for(lambda: tool.stderr_count("written to .* again") >= 1, INTERVAL,
             "the recovery message")
    t.expect(tool.stderr_count("written to .* again") == 1, "no recovery message")
    t.expect_eq(sorted(os.listdir(fs.dir)), ["oomreap.prom"], "directory content")


def test_enospc(t):
    """ENOSPC on a tiny tmpfs: same promises as read-only."""
    fs = t.tmpfs("64k")
    path = f"{fs.dir}/oomreap.prom"
    memcg = t.memcg()
    tool = t.tool(memcg, path)
    wait_metrics(path, lambda s: True, INTERVAL + 5, "the first write")
    filler = f"{fs.dir}/filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as e:
        if e.errno != errno.ENOSPC:
            raise
    finally:
        os.close(fd)
    before = read_bytes(path)
    wait_for(lambda: tool.stderr_count("cannot write metrics") >= 1, INTERVAL + 5,
             "the failure message")
    t.expect(any("No space left" in l for l in tool.proc.err), "ENOSPC not named")
    inc = oom_once(t, memcg, tool)
    wait_clock(2 * INTERVAL + 0.5)
    t.expect_eq(tool.stderr_count("cannot write metrics"), 1, "failure messages (said once)")
    t.expect_eq(read_bytes(path), before, "file changed while full")
    t.check_file(path, "file while full")
    t.expect_eq(sorted(os.listdir(fs.dir)), ["filler", "oomreap.prom"],
                "directory content while full (no temp, no partial)")
    os.unlink(filler)
    s = wait_metrics(path, lambda s: kills(s) == 1, INTERVAL + 5, "the write after freeing space")
    t.expect((value(s, "oomreap_textfile_write_failures_total") or 0) >= 3, "failures counted")
    t.check_values(s, [inc], "file after recovery")
    t.check_file(path, "file after recovery")


def test_missing_dir(t):
    """A directory that is not there yet (unwritable): retried until it appears."""
    base = t.tmpdir()
    d = f"{base}/later"
    path = f"{d}/oomreap.prom"
    memcg = t.memcg()
    tool = t.tool(memcg, path)
    wait_for(lambda: tool.stderr_count("cannot write metrics") >= 1, INTERVAL + 5,
             "the failure message")
    inc = oom_once(t, memcg, tool)
    os.mkdir(d)
    s = wait_metrics(path, lambda s: kills(s) == 1, INTERVAL + 5, "the write once it exists")
    t.expect((value(s, "oomreap_textfile_write_failures_total") or 0) >= 1, "failures counted")
    t.check_values(s, [inc], "file")
    t.check_file(path, "file")
    t.expect_eq(tool.stderr_count("cannot write metrics"), 1, "failure messages")


def test_symlink(t):
    """A symlink at PATH, planted before start and again mid-run: never
    followed (the target keeps its content), never replaced, said, counted."""
    d = t.tmpdir()
    outside = t.tmpdir()
    target = f"{outside}/precious"
    with open(target, "w") as f:
        f.write("precious\n")
    path = f"{d}/oomreap.prom"
    os.symlink(target, path)
    memcg = t.memcg()
    tool = t.tool(memcg, path)
    wait_for(lambda: tool.stderr_count("cannot write metrics") >= 1, INTERVAL + 5,
             "the failure message")
    t.expect(any("symlink" in l for l in tool.proc.err), "the message does not say symlink")
    inc = oom_once(t, memcg, tool)
    wait_clock(INTERVAL + 0.5)
    t.expect_eq(read_bytes(target), b"precious\n", "symlink target")
    t.expect(os.path.islink(path), "the symlink was replaced")
    t.expect_eq(sorted(os.listdir(d)), ["oomreap.prom"], "directory content")
    os.unlink(path)
    s = wait_metrics(path, lambda s: kills(s) == 1, INTERVAL + 5, "the write after unlinking")
    t.check_values(s, [inc], "file")
    failures = value(s, "oomreap_textfile_write_failures_total") or 0
    t.expect(failures >= 1, "failures counted")
    # mid-run: a link swapped in atomically over the good file
    tmp_link = f"{d}/.plant"
    os.symlink(target, tmp_link)
    os.rename(tmp_link, path)
    wait_for(lambda: tool.stderr_count("cannot write metrics") >= 2, INTERVAL + 5,
             "the second episode's message")
    wait_clock(INTERVAL + 0.5)
    t.expect_eq(read_bytes(target), b"precious\n", "symlink target after mid-run plant")
    t.expect(os.path.islink(path), "the mid-run symlink was replaced")
    t.expect_eq(temp_files(d), [], "temporary files")
    os.unlink(path)
    s = wait_metrics(path, lambda s: (value(s, "oomreap_textfile_write_failures_total") or 0)
                     > failures, INTERVAL + 5, "recovery after the second plant")
    t.check_file(path, "file")


def test_sigkill(t):
    """SIGKILL at random points, some right as a temp file appears: PATH is
    always whole; the next start removes what a kill left; node_exporter
    never reports an error."""
    d = t.tmpdir()
    path = f"{d}/oomreap.prom"
    memcg = t.memcg()
    ne = None
    rng = random.Random(os.getpid())
    mid_write = 0
    for rnd in range(6):
        stale = f"{d}/.oomreap.prom.tmp-{rng.getrandbits(64):016x}"
        with open(stale, "w") as f:
            f.write("# TYPE oomreap_half counter\noomreap_ha")   # a killed write's leftover
        ino = os.stat(path).st_ino if os.path.exists(path) else None
        tool = PromTool(ARGS.tool, memcg.rel, path)
        try:
            t.expect(not os.path.exists(stale), f"round {rnd}: stale temp not removed at start")
            wait_for(lambda: os.path.exists(path) and os.stat(path).st_ino != ino,
                     INTERVAL + 5, "a write by this instance")
            if rnd % 2 == 0:
                # kill as a temporary file shows up (or after 3 intervals)
                deadline = time.monotonic() + 3 * INTERVAL
                while time.monotonic() < deadline and not temp_files(d):
                    pass
                mid_write += bool(temp_files(d))
            else:
                # a random point of the interval: deliberately not a condition
                time.sleep(rng.uniform(0, INTERVAL * 1.2))
            os.kill(tool.proc.pid, signal.SIGKILL)
            tool.proc.wait(10)
        finally:
            tool.proc.kill()
        t.expect(not os.path.islink(path), f"round {rnd}: PATH is a symlink")
        data = read_bytes(path) or b""
        t.expect(data.endswith(b"\n") and LAST_FAMILY.encode() in data,
                 f"round {rnd}: PATH is partial ({len(data)} bytes)")
        t.check_file(path, f"round {rnd}")
        if ne is None:
            ne = t.node_exporter(d)
        scraped = ne.scrape()
        t.expect_eq(value(scraped, "node_textfile_scrape_error"), 0.0,
                    f"round {rnd}: node_textfile_scrape_error")
    note(f"sigkill: {mid_write} of 3 kills landed while a temporary file existed")


def test_signals(t):
    """SIGHUP writes at once (interval 3600 s) and finds a remounted
    directory; the process keeps tracing; SIGTERM writes a last time."""
    fs = t.tmpfs("1m")
    path = f"{fs.dir}/oomreap.prom"
    memcg = t.memcg()
    tool = t.tool(memcg, path, interval=3600)
    s = wait_metrics(path, lambda s: True, 5, "the first write at start")
    inc1 = oom_once(t, memcg, tool)
    t.expect_eq(kills(read_metrics(path)), 0.0, "kills before SIGHUP (next write in an hour)")
    ino = os.stat(path).st_ino
    os.kill(tool.proc.pid, signal.SIGHUP)
    s = wait_metrics(path, lambda s: kills(s) == 1, 5, "the write on SIGHUP")
    t.expect(os.stat(path).st_ino != ino, "SIGHUP did not replace the file")
    t.expect(tool.proc.p.poll() is None, "SIGHUP ended the process")
    t.check_values(s, [inc1], "after SIGHUP")
    # the directory is replaced under the running daemon
    fs.umount()
    fs.mount("1m")
    os.kill(tool.proc.pid, signal.SIGHUP)
    s = wait_metrics(path, lambda s: kills(s) == 1, 5, "the write into the new mount")
    t.check_file(path, "file in the new mount")
    inc2 = oom_once(t, memcg, tool)
    os.kill(tool.proc.pid, signal.SIGTERM)
    rc = tool.proc.wait(15)
    tool.rc = rc
    t.expect_eq(rc, 0, "exit status after SIGTERM")
    s = read_metrics(path)
    t.expect(s is not None and kills(s) == 2, "SIGTERM: no final write with both kills")
    if s:
        t.check_values(s, [inc1, inc2], "final file")
    t.check_file(path, "final file")
    t.expect_eq(tool.stderr_count("cannot write"), 0, "write errors")


def test_rules(t):
    """deploy/prometheus: rules valid, their unit tests pass."""
    rules = f"{REPO}/deploy/prometheus/oomreap-rules.yml"
    tests = f"{REPO}/deploy/prometheus/oomreap-rules.test.yml"
    for argv in ([ARGS.promtool, "check", "rules", rules], [ARGS.promtool, "test", "rules", tests]):
        r = subprocess.run(argv, capture_output=True, text=True)
        t.expect(r.returncode == 0, f"{' '.join(argv[1:3])} rc={r.returncode}: "
                                    f"{(r.stdout + r.stderr).strip()[-800:]}")


def test_units(t):
    """deploy/: the systemd unit and the Kubernetes manifest are well-formed."""
    unit = f"{REPO}/deploy/systemd/oomreap-trace.service"
    if shutil.which("systemd-analyze"):
        r = subprocess.run(["systemd-analyze", "verify", "--man=no", unit],
                           capture_output=True, text=True)
        # ExecStart names the installed binary, which may not be installed here
        errs = [l for l in (r.stdout + r.stderr).splitlines()
                if l.strip() and "oomreap-trace" in l and "not executable" not in l
                and "No such file" not in l and "Command /usr/sbin/oomreap-trace" not in l]
        t.expect(not errs, f"systemd-analyze verify: {errs[:3]}")
    else:
        note("units: systemd-analyze not found, unit file only read")
    text = open(unit).read()
    for must in ("ProtectSystem=strict", "NoNewPrivileges=yes", "ReadWritePaths=",
                 "CapabilityBoundingSet=", "--prom-textfile"):
        t.expect(must in text, f"unit lacks {must}")
    try:
        import yaml
    except ImportError:
        note("units: no python yaml module, manifest not parsed")
        return
    with open(f"{REPO}/deploy/kubernetes/oomreap-trace.yaml") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    ds = [d for d in docs if d.get("kind") == "DaemonSet"]
    if not t.expect(len(ds) == 1, f"{len(ds)} DaemonSets in the manifest"):
        return
    spec = ds[0]["spec"]["template"]["spec"]
    mounts = {c["name"]: {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
              for c in spec["containers"]}
    shared = [v["name"] for v in spec.get("volumes", []) if "emptyDir" in v]
    t.expect(any(all(v in m for m in mounts.values()) for v in shared),
             f"no emptyDir mounted in every container: {mounts}")
    args = " ".join(spec["containers"][0].get("args", []) + spec["containers"][0].get("command", []))
    t.expect("--prom-textfile" in args, "oomreap-trace container lacks --prom-textfile")
    t.expect(any("--collector.textfile.directory" in " ".join(c.get("args", []))
                 for c in spec["containers"]), "no node_exporter textfile directory arg")


def test_cli(t):
    """The options' contract: bad values are usage errors (exit 2) with one line."""
    cases = [
        (["--interval", "5"], "need --prom-textfile"),
        (["--prom-cgroup-labels"], "need --prom-textfile"),
        (["--prom-textfile", "/tmp/x.prom", "--interval", "0"], "invalid --interval"),
        (["--prom-textfile", "/tmp/x.prom", "--interval", "1.5"], "invalid --interval"),
        (["--prom-textfile", "/tmp/x.prom", "--prom-cgroup-labels=0"],
         "invalid --prom-cgroup-labels"),
        (["--prom-textfile", "/tmp/dir/"], "invalid --prom-textfile"),
        (["--prom-textfile", ""], "invalid --prom-textfile"),
    ]
    for argv, want in cases:
        r = subprocess.run([ARGS.tool, *argv], capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=30)
        t.expect(r.returncode == 2 and want in r.stderr,
                 f"{argv}: rc={r.returncode}, stderr {r.stderr.strip()[:200]!r}, want 2 and "
                 f"{want!r}")
    r = subprocess.run([ARGS.tool, "--help"], capture_output=True, text=True, timeout=30)
    for opt in ("--prom-textfile", "--interval", "--prom-cgroup-labels"):
        t.expect(opt in r.stdout, f"--help does not list {opt}")


TESTS = {
    "A": ("prom-A-victim-exits", scenario_test("A", kernel_a), True),
    "B2": ("prom-B2-reaped", scenario_test("B2", kernel_b2), True),
    "C2": ("prom-C2-gave-up", scenario_test("C2", kernel_c2), True),
    "hostile": ("prom-hostile-names", test_hostile, True),
    "readonly": ("prom-fault-read-only", test_readonly, True),
    "enospc": ("prom-fault-enospc", test_enospc, True),
    "missing": ("prom-fault-missing-dir", test_missing_dir, True),
    "symlink": ("prom-fault-symlink", test_symlink, True),
    "sigkill": ("prom-fault-sigkill", test_sigkill, True),
    "signals": ("prom-signals", test_signals, True),
    "cli": ("prom-cli-contract", test_cli, False),
    "rules": ("prom-alert-rules", test_rules, False),
    "units": ("deploy-files", test_units, False),
}


def preflight(root_needed):
    if not shutil.which(ARGS.promtool):
        return f"{ARGS.promtool} not found (Debian package prometheus)"
    if not os.access(ARGS.tool, os.X_OK):
        return f"tool {ARGS.tool} not built (make)"
    if not root_needed:
        return None
    if not shutil.which(ARGS.node_exporter):
        return f"{ARGS.node_exporter} not found (Debian package prometheus-node-exporter)"
    return oomlab.preflight(fuse=True, events=("oom/wake_reaper",), tool=False,
                            fixtures=ARGS.fixtures)


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tests", nargs="*", metavar="TEST", help=f"any of {', '.join(TESTS)}")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--tool", default=os.environ.get("OOMREAP_TRACE",
                                                     f"{REPO}/build/oomreap-trace"))
    ap.add_argument("--fixtures", default=os.environ.get("OOMREAP_FIXTURES",
                                                         f"{REPO}/build/fixtures"))
    ap.add_argument("--node-exporter", default=os.environ.get("NODE_EXPORTER",
                                                              "prometheus-node-exporter"))
    ap.add_argument("--promtool", default=os.environ.get("PROMTOOL", "promtool"))
    ARGS = ap.parse_args()
    # what the e2e scenarios' Run expects of its arguments
    ARGS.repeat, ARGS.ground_truth_only = 1, False
    kerneltruth.VERBOSE = ARGS.verbose
    for n in ARGS.tests:
        if n not in TESTS:
            ap.error(f"unknown test {n!r}")

    oomlab.unwind_on_signals()

    res = harness.Runner()
    reasons = {}
    lock = None
    for key in ARGS.tests or list(TESTS):
        name, fn, root = TESTS[key]
        if root not in reasons:
            reasons[root] = preflight(root)
        why = reasons[root]
        if root and not why and lock is None:
            # These tests make OOM kills: one such run at a time per
            # machine (oomlab), held until we exit.  Without it a tracer of
            # the whole machine (tests/deploy) sees our victims as its own.
            try:
                lock = oomlab.exclusive()
            except Fail as e:
                why = reasons[root] = f"cannot take the e2e lock: {e}"
        if why:
            res.skip(name, why)
            continue
        t = T(key)

        def test(t, fn=fn):
            with t.stack:
                fn(t)
        try:
            res.run(name, test, t)
        except KeyboardInterrupt:
            return res.interrupted(name)
    return res.close()

if __name__ == "__main__":
    sys.exit(main())
