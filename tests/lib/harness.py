# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The one verdict object and the one runner of the Python test layers
(tests/e2e, tests/prom, tests/restart, tests/deploy, tests/package,
tests/hardening), so that every layer reports and skips by the same rules:

- one line per test: "ok - NAME", "not ok - NAME: WHY" or
  "ok - NAME # SKIP WHY"; notes are "# ..." lines;
- the closing line, always last: "N passed, N failed, N skipped"
  (tests/run-all.sh sums it);
- a skip is a failure when a skip cannot be accepted: in CI (CI=true, where
  the machine is root and has every tool) or when OOMREAP_E2E_REQUIRE=1
  (tests/run-all.sh exports it in CI).  A layer that needs no root skips
  nothing it could not run anywhere: it calls skip(..., root=False) only
  for what CI may lack too.
"""

import os
import time
import traceback

from oomlab import Fail, note


def skips_are_failures():
    """Whether a skip must count as a failure here (see the module's rules)."""
    return (os.environ.get("CI") == "true"
            or os.environ.get("OOMREAP_E2E_REQUIRE") == "1")


class Verdict:
    """One test's failures, collected: a test goes on after a failed
    expectation, so that one run says everything that is wrong."""

    def __init__(self, name=None):
        self.name = name
        self.failures = []

    def expect(self, cond, msg):
        if not cond:
            self.failures.append(msg)
        return cond

    def expect_eq(self, got, want, what):
        return self.expect(got == want, f"{what}: got {got!r}, want {want!r}")


class Runner:
    """Counts, prints each test's line, and the closing line.

    failures: the exceptions that are a test's failure (Fail: a wait timed
    out, setup broke); any other exception is a harness error, reported
    with its traceback as that test's failure, and the layer goes on.
    KeyboardInterrupt is never caught here: interrupted() closes the run."""

    def __init__(self, failures=(Fail,)):
        self.passed = self.failed = self.skipped = 0
        self.failure_types = failures
        self.t_start = time.monotonic()

    # -- one test
    def run(self, name, fn, verdict=None, on_failure=None):
        """fn() with verdict (a Verdict, made when None) collecting its
        failures; reports it.  on_failure(verdict): more notes for a failed
        test (the tool's last lines).  Returns whether it passed."""
        v = verdict if verdict is not None else Verdict(name)
        t0 = time.monotonic()
        try:
            fn(v)
        except self.failure_types as e:
            v.failures.insert(0, str(e))
        except KeyboardInterrupt:
            raise
        except Exception as e:     # a harness bug: reported, the layer goes on
            traceback.print_exc()
            v.failures.insert(0, f"harness error: {e!r}")
        return self.report(name, v.failures, time.monotonic() - t0, on_failure, v)

    def report(self, name, failures, took=None, on_failure=None, verdict=None):
        """A test run elsewhere: its failures (none: it passed)."""
        if failures:
            print(f"not ok - {name}: {failures[0]}"
                  + (f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""),
                  flush=True)
            for f in failures[1:]:
                note(f"  - {f}")
            if on_failure:
                on_failure(verdict)
            self.failed += 1
            return False
        if took is not None:
            note(f"{name}: {took:.1f}s")
        print(f"ok - {name}", flush=True)
        self.passed += 1
        return True

    def fail(self, name, why):
        """A test that could not be run for a reason that is a failure
        (setup broke, a test it needs failed)."""
        return self.report(name, [why])

    def skip(self, name, why):
        """A test that cannot run here (not root, a tool missing): a skip,
        or a failure where skips are not accepted."""
        if skips_are_failures():
            print(f"not ok - {name}: skipped ({why}), and skips are failures here "
                  f"(CI=true or OOMREAP_E2E_REQUIRE=1)", flush=True)
            self.failed += 1
        else:
            print(f"ok - {name} # SKIP {why}", flush=True)
            self.skipped += 1

    # -- the end
    def close(self, what=None):
        """The closing line; the exit status (1 when anything failed).
        what: the layer's name, for a note of its time."""
        if what:
            note(f"{what}: {time.monotonic() - self.t_start:.1f}s")
        print(f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped", flush=True)
        return 1 if self.failed else 0

    def interrupted(self, name):
        """Ctrl-C: the test it stopped is a failure; the closing line."""
        print(f"not ok - {name}: interrupted", flush=True)
        self.failed += 1
        return self.close()

