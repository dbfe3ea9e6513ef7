#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The shared Python harness held to its rules (tests/lib/harness.py,
tests/lib/promtext.py): each rule run in a child Python with the
environment of the case, its output compared line by line.

Output: "ok - NAME" or "not ok - NAME: WHY" per case, then
"N passed, N failed, 0 skipped".
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = os.path.join(os.path.dirname(HERE), "lib")

# A layer of three tests: one passes, one fails an expectation, one cannot run.
LAYER = r"""
import sys
sys.path.insert(0, %r)
import harness
res = harness.Runner()
def good(v):
    v.expect_eq(1 + 1, 2, "sum")
def bad(v):
    v.expect(False, "first")
    v.expect_eq("a", "b", "second")
def broken(v):
    raise KeyError("x")
res.run("good", good)
res.run("bad", bad)
res.run("broken", broken)
res.skip("cannot", "not root")
sys.exit(res.close())
""" % LIB


def layer(env_extra):
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "OOMREAP_E2E_REQUIRE")}
    env.update(env_extra)
    p = subprocess.run([sys.executable, "-c", LAYER], env=env, capture_output=True, text=True,
                       timeout=60)
    return p.returncode, [l for l in p.stdout.splitlines() if not l.startswith("# ")]


def main():
    passed = failed = 0

    def check(name, cond, why):
        nonlocal passed, failed
        if cond:
            print(f"ok - {name}", flush=True)
            passed += 1
        else:
            print(f"not ok - {name}: {why}", flush=True)
            failed += 1

    rc, out = layer({})
    want = ["ok - good",
            "not ok - bad: first (and 1 more)",
            "not ok - broken: harness error: KeyError('x')",
            "ok - cannot # SKIP not root",
            "1 passed, 2 failed, 1 skipped"]
    check("runner: one line per test, a skip counted, the closing line with skips",
          out == want and rc == 1, f"rc {rc}, output {out}, want {want}")
    for env in ({"CI": "true"}, {"OOMREAP_E2E_REQUIRE": "1"}):
        rc, out = layer(env)
        what = " ".join(f"{k}={v}" for k, v in env.items())
        check(f"runner: under {what} a skip is a failure",
              rc == 1 and out[-1] == "1 passed, 3 failed, 0 skipped"
              and out[3].startswith("not ok - cannot: skipped (not root)"),
              f"rc {rc}, output {out}")
    rc, out = layer({"CI": "false"})
    check("runner: CI=false is not CI", out[-1] == "1 passed, 2 failed, 1 skipped",
          f"output {out}")

    sys.path.insert(0, LIB)
    import promtext
    text = ('# TYPE a counter\na{x="q\\"\\\\\\n",y="2"} 3\nb 1.5\n')
    try:
        samples, types = promtext.parse_exposition(text)
        got = (samples, types)
    except ValueError as e:
        got = e
    want = ({("a", (("x", 'q"\\\n'), ("y", "2"))): 3.0, ("b", ()): 1.5}, {"a": "counter"})
    check("promtext: labels unescaped, sorted, typed", got == want, f"got {got!r}")
    check("promtext: value() finds a series by its labels",
          promtext.value(want[0], "a", y="2", x='q"\\\n') == 3.0, "no value")
    for bad, why in (("a 1\na 2\n", "duplicate series"), ("a 1 1700000000\n", "a timestamp"),
                     ('a{x="\\t"} 1\n', "a bad escape"), ("a 1", "no final newline"),
                     ('a{x="1} 1\n', "an unterminated value")):
        try:
            promtext.parse_exposition(bad)
            ok = False
        except ValueError:
            ok = True
        check(f"promtext: refuses {why}", ok, f"{bad!r} was accepted")

    print(f"{passed} passed, {failed} failed, 0 skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
