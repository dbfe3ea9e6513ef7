#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A reader of stdout that stops reading never stalls event draining.

The tool's stdout is a pipe that is already full and that nobody reads.
Real OOM kills in a memory cgroup made here must still become incidents
(counted in the Prometheus file, which does not go through stdout) while
the pipe stays full; SIGINT must still end the tool promptly, and the
lines stdout could not take must be counted: said once on stderr, and in
oomreap_stdout_dropped_lines_total.

Run by tests/cli/run_cli.sh, which holds the machine-wide lock
(--lock-held); alone, it takes the lock itself.  Prints ok / not ok lines.
"""

import contextlib
import fcntl
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import oomlab  # noqa: E402
from oomlab import Fail, Memcg, wait_for  # noqa: E402

KILLS = 3
results = []


def check(cond, what):
    results.append(bool(cond))
    print(("ok - " if cond else "not ok - ") + what, flush=True)


def incidents(prom):
    text = oomlab.read_file(prom, "") or ""
    return sum(int(float(v)) for v in
               re.findall(r"^oomreap_incidents_total\{[^}]*\} (\S+)$", text, re.M))


def dropped_metric(prom):
    m = re.search(r"^oomreap_stdout_dropped_lines_total (\d+)$",
                  oomlab.read_file(prom, "") or "", re.M)
    return int(m.group(1)) if m else None


def main():
    reason = oomlab.preflight()
    if reason:
        print(f"# stalled stdout: skipped: {reason}")
        return 0
    if not os.access(f"{oomlab.FIXTURES}/memhog", os.X_OK):
        check(False, "stalled stdout: fixtures not built (make fixtures)")
        return 1
    with contextlib.ExitStack() as stack:
        if "--lock-held" not in sys.argv:
            stack.callback(oomlab.exclusive().close)
        # tmpfs when there is one: the textfile's fsync must not be what waits
        tmp = tempfile.mkdtemp(prefix="oomreap-cli-",
                               dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        stack.callback(lambda: subprocess.run(["rm", "-rf", tmp]))
        prom, errpath = f"{tmp}/m.prom", f"{tmp}/err"
        cg = Memcg(f"/oomreap-cli-{os.getpid()}", 64)
        stack.callback(cg.close)

        r, w = os.pipe()
        stack.callback(os.close, r)
        fcntl.fcntl(w, 1031, 4096)  # F_SETPIPE_SZ: one page
        os.set_blocking(w, False)
        with contextlib.suppress(BlockingIOError):
            while True:
                os.write(w, b"x" * 4096)
        os.set_blocking(w, True)  # as a shell's pipe is: the tool must not wait on it

        with open(errpath, "wb") as err:
            tool = subprocess.Popen([oomlab.TOOL, "--json", "--cgroup", cg.rel,
                                     "--prom-textfile", prom, "--interval", "1"],
                                    stdin=subprocess.DEVNULL, stdout=w, stderr=err)
        os.close(w)
        stack.callback(lambda: tool.poll() is None and tool.kill())
        stderr = lambda: oomlab.read_file(errpath, "") or ""  # noqa: E731
        try:
            wait_for(lambda: "ready" in stderr() or tool.poll() is not None, 60,
                     "the tool to be ready")
        except Fail as e:
            check(False, f"stalled stdout: {e}")
            return 1
        for _ in range(KILLS):
            with contextlib.ExitStack() as hog_stack:
                hog, _pid = oomlab.start_memhog(hog_stack, cg, 256)
                hog.send("go")
                hog.wait(15)
        try:
            wait_for(lambda: incidents(prom) >= KILLS, 30, f"{KILLS} incidents in {prom}")
            ok = True
        except Fail:
            ok = False
        check(ok, f"stalled stdout: {KILLS} OOM kills became incidents while stdout was full "
              f"(metrics say {incidents(prom)})")
        t0 = oomlab.mono_ns()
        tool.send_signal(2)
        try:
            rc = tool.wait(15)
        except subprocess.TimeoutExpired:
            rc = None
        took = (oomlab.mono_ns() - t0) / 1e9
        check(rc == 0, f"stalled stdout: SIGINT ends the tool (rc {rc}, {took:.1f} s)")
        text = stderr()
        m = re.search(r"(\d+) lines were not written to stdout", text)
        said = len(re.findall(r"stdout is not being read", text))
        check(m and int(m.group(1)) >= KILLS,
              f"stalled stdout: the lines not written are counted on stderr "
              f"({m.group(1) if m else 'no count'})")
        check(said == 1, f"stalled stdout: said once on stderr ({said} times)")
        check(m and dropped_metric(prom) == int(m.group(1)),
              f"stalled stdout: oomreap_stdout_dropped_lines_total {dropped_metric(prom)} "
              f"= the count on stderr")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
