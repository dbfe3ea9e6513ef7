#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Host end-to-end tests for oomreap-trace, on this machine's real kernel.

The scenarios (tests/e2e/scenarios.py) make the kernel OOM-kill a process
inside a memory cgroup made for each, and hold the incidents that
`oomreap-trace --json --cgroup ...` printed to the kernel's own tracefs
events and kernel log lines.

Needs root, cgroup v1 memory controller, tracefs, /dev/fuse, and the
fixtures from tests/fixtures (built with `make -f tests/fixtures/fixtures.mk
fixtures` if missing).  Not root: every scenario is skipped with a reason,
which counts as a failure under CI=true or OOMREAP_E2E_REQUIRE=1.

Usage: tests/e2e/run_e2e.py [-v] [--ground-truth-only] [--repeat N] [SCENARIO...]
Environment: OOMREAP_TRACE (tool binary, default build/oomreap-trace),
OOMREAP_FIXTURES (fixture directory, default build/fixtures),
OOMREAP_E2E_REQUIRE=1 (a skip is a failure).

Output: "ok - NAME" or "not ok - NAME: REASON" per scenario run, "# ..."
comment lines with what the kernel did, and last
"N passed, N failed, N skipped" (tests/lib/harness.py).
"""

import argparse
import contextlib
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import harness  # noqa: E402  (the verdict and the runner every Python layer shares)
import kerneltruth  # noqa: E402
import oomlab  # noqa: E402
from oomlab import Fail, note  # noqa: E402
from scenarios import SCENARIOS, Run  # noqa: E402  (tests/e2e/scenarios.py)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                    help=f"any of {', '.join(SCENARIOS)} (default: all)")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--ground-truth-only", action="store_true",
                    help="check only the kernel side (no tool)")
    ap.add_argument("--repeat", type=int, default=1, help="run each scenario N times")
    ap.add_argument("--tool", default=oomlab.TOOL)
    ap.add_argument("--fixtures", default=oomlab.FIXTURES)
    args = ap.parse_args()
    kerneltruth.VERBOSE = args.verbose
    sids = args.scenarios or list(SCENARIOS)
    for s in sids:
        if s not in SCENARIOS:
            ap.error(f"unknown scenario {s!r}")

    oomlab.unwind_on_signals()

    res = harness.Runner()
    skip_reason = oomlab.preflight(fuse=True, events=("oom/wake_reaper",), tool=False)
    setup_error = lock = None
    if not skip_reason:
        try:
            lock = oomlab.exclusive()      # held until we exit
            oomlab.remove_stale(oomlab.E2E_STALE_RX, also=("/tmp",))
            oomlab.ensure_fixtures(args.fixtures)
        except (subprocess.CalledProcessError, OSError, Fail) as e:
            setup_error = f"cannot start: {e}"

    def tool_tail(r):
        if r.tool:
            for l in r.tool.proc.lines[-5:]:
                note(f"  tool stdout: {l}")
            for l in r.tool.proc.err[-5:]:
                note(f"  tool stderr: {l}")

    for seq in range(1, args.repeat + 1):
        for sid in sids:
            name = SCENARIOS[sid][0]
            if skip_reason:
                res.skip(name, skip_reason)
                continue
            if setup_error:
                res.fail(name, setup_error)
                continue
            if not args.ground_truth_only and not os.access(args.tool, os.X_OK):
                res.fail(name, f"tool {args.tool} not found or not executable "
                         f"(build it with make, set OOMREAP_TRACE, or use --ground-truth-only)")
                continue
            r = Run(sid, args, seq)

            def scenario(r, sid=sid):
                try:
                    SCENARIOS[sid][1](r)
                finally:
                    with contextlib.suppress(KeyboardInterrupt):
                        r.close()
            try:
                res.run(name, scenario, r, on_failure=tool_tail)
            except KeyboardInterrupt:
                return res.interrupted(name)
    if lock:
        lock.close()
    return res.close()


if __name__ == "__main__":
    sys.exit(main())
