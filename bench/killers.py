#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The userspace-killer programs' cost (docs/KILLERS.md): `make bench-killers`.

  1. per signal that is no memory kill, and per exit of a process that is
     no victim: the tool's programs' run time (kernel.bpf_stats_enabled,
     run_time_ns / run_cnt) under
     - fork/exit (bench/forkexit): a SIGCHLD per exit, the signal program's
       first compare; the exit filter's fast path;
     - SIGKILL of children by this bench, no killer (bench/sigload kill):
       the signal program's exe lookup; the exit filter's group_exit_code
       test and its pending-victims lookup;
  2. per system call, the syscall tracepoints of --mrelease: getppid()
     (bench/sigload syscall) without the tool, with it, with it and
     --mrelease, ABBA-interleaved; CPU ns per call.

BASELINE=PATH: another build attached beside ours on the same loads (the
one attached first pays the cold cache lines: swap them to compare);
ARGS="...": more options for ours only.  Figures, not pass/fail; the
machine's load is printed with them.  Needs
root; makes no OOM.
"""
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "lib"))
import run_bench as rb  # noqa: E402
from oomlab import Tool  # noqa: E402


def load(out, *args):
    r = subprocess.run([os.path.join(out, "bench", args[0])] + [str(a) for a in args[1:]],
                       check=True, capture_output=True, text=True)
    kv = dict(x.split("=") for x in r.stdout.split() if "=" in x)
    return float(kv["cpu_ns_per_op"])


def per_prog(tool, run):
    before = rb.prog_stats(tool.pid)
    run()
    after = rb.prog_stats(tool.pid)
    d = rb.stats_delta(after, before)
    names = rb.prog_names(set(d))
    return {names.get(i, str(i)): (ns, n) for i, (ns, n) in d.items() if n}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "build"
    # BASELINE=another build of the tool (before this change): measured
    # attached beside ours, on the same loads
    base = os.environ.get("BASELINE")
    # ARGS=more options of ours only (e.g. "--killer-cgroup k=/a-cgroup":
    # the cgroup compare a SIGKILL from no killer then pays)
    extra = os.environ.get("ARGS", "").split()
    binary = os.path.join(out, "oomreap-trace")
    rows = []
    la = os.getloadavg()
    with rb.bpf_stats_on():
        tools = [("ours" + (f" ({' '.join(extra)})" if extra else ""),
                  Tool(["--no-summary", "--no-kmsg", *extra], binary=binary))]
        if base:
            tools.append(("baseline", Tool(["--no-summary", "--no-kmsg"], binary=base,
                                           name="baseline")))
        try:
            fe = [per_prog(t, lambda: None) for _, t in tools]  # names now
            b = [rb.prog_stats(t.pid) for _, t in tools]
            load(out, "forkexit", 3000)
            fe = [rb.stats_delta(rb.prog_stats(t.pid), x) for (_, t), x in zip(tools, b)]
            b = [rb.prog_stats(t.pid) for _, t in tools]
            load(out, "sigload", "kill", 3000)
            kl = [rb.stats_delta(rb.prog_stats(t.pid), x) for (_, t), x in zip(tools, b)]
            names = rb.prog_names(set().union(*(set(d) for d in fe + kl)))
        finally:
            for _, t in tools:
                t.stop()
    for what, ds in (("fork/exit (SIGCHLD, exits of non-victims)", fe),
                     ("SIGKILL by a process that is no killer", kl)):
        for (who, _), d in zip(tools, ds):
            for i in sorted(d, key=lambda i: names.get(i, "")):
                name = names.get(i, str(i))
                ns, n = d[i]
                if n and name.startswith(("tp_signal_killer", "tp_sched_process_exit")):
                    rows.append(f"| {what} | {who} `{name}` | {ns / n:.0f} ns | {n} runs |")
    # 2. the syscall tracepoints: CPU ns per getppid(), ABBA
    calls = 2_000_000
    res = {"none": [], "tool": [], "tool --mrelease": []}
    for rnd in range(3):
        for mode in (("none", "tool", "tool --mrelease") if rnd % 2 == 0
                     else ("tool --mrelease", "tool", "none")):
            if mode == "none":
                res[mode].append(load(out, "sigload", "syscall", calls))
                continue
            args = ["--no-summary", "--no-kmsg"] + (["--mrelease"] if "mrelease" in mode else [])
            tool = Tool(args, binary=binary)
            try:
                res[mode].append(load(out, "sigload", "syscall", calls))
            finally:
                tool.stop()
    for mode, xs in res.items():
        rows.append(f"| getppid() CPU time per call | {mode} | {statistics.median(xs):.0f} ns "
                    f"(median of {len(xs)}: {xs}) | |")
    print(f"Measured {os.uname().release}, {os.cpu_count()} CPUs, loadavg "
          f"{la[0]:.2f} {la[1]:.2f} {la[2]:.2f} at the start")
    print("| load | program / setup | cost | runs |")
    print("|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
