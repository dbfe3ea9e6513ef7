# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The host end-to-end scenarios, on this machine's real kernel: SCENARIOS
(id -> (name, function)) and Run, the state, checks and cleanup of one run.
tests/e2e/run_e2e.py runs them; tests/prom runs A, B2 and C2 with a tool that
writes a textfile, tests/restart B2 and C2 with tools on --pin, restarted
(each gives Run.make_tool its own tool).

Each scenario makes the kernel OOM-kill a process inside a memory cgroup made
for it (docs/LAB.md recipes A, B2, C2, C1, C2 with partial contention, C2 with
the tool started in the middle of the reaper's loop, and a storm of kills the
kernel's OOM report ratelimit cuts short), records
the kernel's own account of what happened -- a private tracefs instance
(oom:* events, failed mmap_lock acquisitions by the oom_reaper kthread,
sched_process_exit of the test's tasks) and /dev/kmsg ("Killed process",
"oom_reaper: reaped process", "oom_reaper: unable to reap", the OOM report's
"oom-kill:" and "invoked oom-killer" lines) -- and compares
the incidents that `oomreap-trace --json --cgroup ...` printed with it.
No fixed sleeps: every wait polls a condition (a status line, a task's
wchan/state, a tracefs event, a kmsg line) against a deadline.
"""

import contextlib
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "lib"))
import oomlab  # noqa: E402  (memcgs, processes, tracefs, waits: shared with the other layers)
import oomreport  # noqa: E402  (the kernel's OOM report, read on its own: tests/vm too)
import harness  # noqa: E402  (the verdict and the runner every Python layer shares)
from oomlab import (Fail, Memcg, mono_ns, note, read_file, task_state,  # noqa: E402
                    wait_for)
import kerneltruth  # noqa: E402  (the kernel's lines and tracepoints: the other layers too)
from kerneltruth import (CHILD, EXIT_TOL_NS, FREED_ANON_REL_TOL, INVOKED_LINE,  # noqa: E402
                         KILL_LINE, OOM_EVENTS, PCPU_SLACK_BYTES, RATELIMITED,
                         REAPED_LINE, REAPER_DELAY_NS, SKIP_GAP_NS, SUMMARY_LINE, TS_TOL_NS,
                         UNABLE_LINE, FuseHold, Kmsg, Proc, TraceInstance, debug,
                         oom_reaper_pid)

# --------------------------------------------------------------------------
# the tool


class Tool(oomlab.JsonOutput):
    """`oomreap-trace --json --cgroup REL [extra...]`, ready; proc is the
    running oomlab.Tool, rc its exit status once stopped."""

    def __init__(self, binary, cgroup_rel, extra=(), select=None, env=None):
        select = select if select is not None else ["--cgroup", cgroup_rel]
        self.argv = [binary, "--json", *select, *extra]
        self.proc = oomlab.Tool(self.argv[1:], binary=binary, env=env, **CHILD)
        self.rc = None

    def wait_incident(self, pid, timeout):
        """Wait for the tool to close the incident of this victim pid."""
        try:
            return self.incident_of(pid, timeout)
        except Fail:
            return None     # stop() flushes it as "open"; the checks will say so

    def stop(self):
        if self.rc is None:
            self.rc = self.proc.stop()
        return self.rc


# --------------------------------------------------------------------------
# a scenario run


class Run(harness.Verdict):
    """State and cleanup of one scenario run; failures are collected."""

    def __init__(self, sid, args, seq):
        super().__init__(sid)
        self.sid = sid
        self.args = args
        self.fixtures = args.fixtures
        suffix = f"{os.getpid()}" + (f"-{seq}" if args.repeat > 1 else "")
        self.tag = f"oomreap-e2e-{sid}-{suffix}"
        self.stack = contextlib.ExitStack()
        self.tool = None
        self.fuse = None
        self.recording = None
        # tests/restart: options every tool of the run takes (--pin DIR), the
        # tools a restart stopped (their output counts too), and what to do
        # at a scenario's checkpoints (checkpoint())
        self.tool_extra = ()
        # a scenario's own additions: arguments and environment of its tool
        self.tool_args = []
        self.tool_env = None
        self.old_tools = []
        self.hooks = {}
        # the tool start_tool() starts: Tool; tests/prom and tests/restart
        # start theirs (a textfile, --pin) by setting this
        self.make_tool = Tool

    # -- assertions (expect, expect_eq: harness.Verdict)
    def expect_near(self, got_ns, want_ns, what, tol=TS_TOL_NS):
        if got_ns is None or want_ns is None:
            return self.expect(got_ns == want_ns, f"{what}: got {got_ns}, want {want_ns}")
        return self.expect(abs(got_ns - want_ns) <= tol,
                           f"{what}: tool {got_ns} vs kernel {want_ns} "
                           f"(off by {(got_ns - want_ns) / 1e6:+.3f} ms, tolerance "
                           f"{tol / 1e6:g} ms)")

    def checkpoint(self, name):
        """A point in a scenario where another layer may act (tests/restart
        restarts the tool there); nothing happens here."""
        hook = self.hooks.get(name)
        if hook and self.tool:
            hook(self)

    # -- setup helpers, each registering its cleanup
    def spawn(self, name, argv, stdin=True):
        p = Proc(name, argv, stdin)
        self.stack.callback(p.kill)
        return p

    def setup_common(self, limit_mib):
        self.memcg = Memcg("/" + self.tag)
        self.stack.callback(self.memcg.close)   # runs after the kills
        self.memcg.limit(limit_mib)
        self.reaper = oom_reaper_pid()
        self.trace = TraceInstance(self.tag)
        self.stack.callback(self.trace.close)
        self.trace.setup(self.reaper)
        self.kmsg = Kmsg()
        self.stack.callback(self.kmsg.close)

    def setup_fuse(self):
        self.fuse = FuseHold(self.fixtures, self.sid)
        self.stack.callback(self.fuse.close)

    def start_tool(self, select=None):
        if self.args.ground_truth_only:
            return
        # Only scenarios that select otherwise pass select (tests/prom's
        # make_tool takes the cgroup only).
        sel = {"select": select} if select else {}
        if self.tool_env is not None:
            sel["env"] = self.tool_env
        if self.tool_args:
            sel["extra"] = list(self.tool_args)
        if self.tool_extra:
            # restarted runs: one recording would not hold the whole incident
            sel["extra"] = list(self.tool_extra) + sel.get("extra", [])
            self.tool = self.make_tool(self.args.tool, self.memcg.rel, **sel)
        else:
            # recorded too: replaying it must give the same OOM context (and an
            # incident joined halfway the same identity: the kernel log read at
            # the start is in the recording)
            rdir = tempfile.mkdtemp(prefix=self.tag + "-rec")
            self.stack.callback(shutil.rmtree, rdir, True)
            self.recording = os.path.join(rdir, "run.oomrec")
            sel["extra"] = ["--record", self.recording] + sel.get("extra", [])
            self.tool = self.make_tool(self.args.tool, self.memcg.rel, **sel)
            # OOMREAP_E2E_KEEP=DIR: each run's recording kept as DIR/SCENARIO.oomrec
            # (how the real-* goldens are captured: tests/golden/README.md)
            keep = os.environ.get("OOMREAP_E2E_KEEP")
            if keep:
                self.stack.callback(lambda: os.path.exists(self.recording) and shutil.copyfile(
                    self.recording, os.path.join(keep, f"{self.sid}.oomrec")))
        self.stack.callback(self.tool.stop)
        # On this kernel (6.18) blocker attribution must load: its absence
        # would silently pass the scenarios without failed trylocks.
        off = [l for l in self.tool.proc.err if "blocker attribution off" in l]
        self.expect(not off, f"tool: {off}")

    def fx(self, name):
        return f"{self.fixtures}/{name}"

    def wait_blocked(self, tid, wchan, timeout, what):
        """Wait until a thread sleeps in D state (optionally at wchan)."""
        def blocked():
            st, wc = task_state(tid)
            return st == "D" and (wchan is None or wc == wchan)
        wait_for(blocked, timeout, f"{what} (tid {tid}) to block"
                 + (f" in {wchan}" if wchan else ""))
        return task_state(tid)

    def wait_asleep_in(self, tid, wchan, timeout, what):
        def asleep():
            st, wc = task_state(tid)
            return st in ("S", "D") and wc == wchan
        wait_for(asleep, timeout, f"{what} (tid {tid}) to sleep in {wchan}")

    # -- ground truth common to all scenarios
    def kernel_kill(self, pid, timeout=15):
        """The mark_victim event and the "Killed process" line for pid."""
        ev = wait_for(lambda: self.trace.of("mark_victim", pid), timeout,
                      f"tracefs mark_victim pid={pid}")[0]
        kl = self.kmsg.wait(KILL_LINE, pid, 5, f'kmsg "Killed process {pid}"')
        self.expect_eq(int(kl.group("pid")), int(ev["fields"]["pid"]),
                       "kmsg vs tracefs victim pid")
        m = re.search(r"anon-rss=(\d+)kB file-rss:(\d+)kB shmem-rss:(\d+)kB", ev["raw"])
        if m:   # the 6.9+ mark_victim(task, uid) event carries the RSS too
            self.expect_eq((kl.group("anon"), kl.group("file"), kl.group("shmem")),
                           m.groups(), "kmsg vs tracefs mark_victim anon/file/shmem kB")
        return ev, kl

    def timeline(self, inc, kind):
        return [e for e in inc.get("timeline") or [] if e.get("event") == kind]

    def check_identity(self, inc, kl, tgid, trigger=None, incomplete=False):
        """Who and how big, against the "Killed process" line (incomplete:
        what the incident must say of events lost while it was open)."""
        pid = int(kl.group("pid"))
        self.expect_eq(inc.get("pid"), pid, "pid (= mark_victim = Killed process)")
        self.expect_eq(inc.get("tgid"), tgid, "tgid")
        self.expect_eq(inc.get("comm"), kl.group("comm"), "comm")
        self.expect_eq(inc.get("uid"), int(kl.group("uid")), "uid")
        self.expect_eq(inc.get("oom_score_adj"), int(kl.group("adj")), "oom_score_adj")
        self.expect_eq(inc.get("cgroup"), self.memcg.rel, "cgroup")
        self.expect_eq(inc.get("attach"), "tracepoint", "attach")
        self.expect_eq(inc.get("incomplete"), incomplete, "incomplete")
        rss = inc.get("rss_at_kill_bytes") or {}
        for k in ("anon", "file", "shmem"):
            self.expect_eq(rss.get(k), int(kl.group(k)) * 1024,
                           f"rss_at_kill_bytes.{k} (Killed process line kB*1024)")
        if not swap_configured():
            self.expect_eq(rss.get("swap"), 0, "rss_at_kill_bytes.swap (no swap)")
        # Beyond the contract, but when the tool prints them they must be right.
        for key, grp in (("total_vm_bytes", "total_vm"), ("pgtables_bytes", "pgtables")):
            if key in inc:
                self.expect_eq(inc[key], int(kl.group(grp)) * 1024, f"{key} (kmsg kB*1024)")
        if trigger is not None and isinstance(inc.get("trigger"), dict):
            self.expect_eq(inc["trigger"].get("pid"), trigger, "trigger.pid")

    def kernel_context(self, pid):
        """This kill's OOM report in /dev/kmsg: (summary, invoked line) matches,
        None for each line the kernel did not print (ratelimited)."""
        self.kmsg.drain()
        lines = [t for _, _, t in self.kmsg.lines]
        for i, text in enumerate(lines):
            m = SUMMARY_LINE.match(text)
            if not m or int(m.group("pid")) != pid:
                continue
            for t in reversed(lines[:i]):
                if SUMMARY_LINE.match(t) or KILL_LINE.search(t):
                    break       # an earlier OOM's lines
                im = INVOKED_LINE.match(t)
                if im:
                    return m, im
            return m, None
        return None, None

    def kernel_report(self, pid):
        """The lines of this kill's OOM report between its "invoked oom-killer"
        line and its summary, or None when the kernel printed no report."""
        self.kmsg.drain()
        lines = [t for _, _, t in self.kmsg.lines]
        for i, text in enumerate(lines):
            m = SUMMARY_LINE.match(text)
            if not m or int(m.group("pid")) != pid:
                continue
            for j in range(i - 1, -1, -1):
                if SUMMARY_LINE.match(lines[j]) or KILL_LINE.search(lines[j]):
                    return None
                if INVOKED_LINE.match(lines[j]):
                    return lines[j + 1:i]
            return None
        return None

    def check_report(self, inc, pid):
        """What filled the memory (oom.domain, oom.memory_stat, oom.tasks)
        against the kernel's own report of this kill, read line by line here."""
        oom = inc.get("oom") or {}
        rep = self.kernel_report(pid)
        if rep is None:
            for part in ("domain", "memory_stat", "tasks"):
                self.expect_eq(oom.get(part), None, f"oom.{part} without a kernel report")
                self.expect(bool((oom.get("report_missing") or {}).get(part)),
                            f"oom.report_missing.{part} says why")
            return
        parsed = oomreport.parse(rep)
        counters, stats, rows = parsed["counters"], parsed["stats"], parsed["rows"]
        if parsed["stat_cgroup"] is not None:
            self.expect_eq(parsed["stat_cgroup"], self.memcg.rel,
                           "kmsg memory.stat cgroup (our memcg)")
        dom = oom.get("domain") or {}
        if self.expect(bool(counters), "kmsg: the report has a 'memory: usage' line"):
            for k in ("memory", "swap", "memory_swap", "kmem"):
                self.expect_eq(dom.get(k), counters.get(k), f"oom.domain.{k} (kmsg)")
            self.expect_eq(dom.get("source"), "kernel_log", "oom.domain.source")
            # a memcg OOM: neither Mem-Info nor the slab table (the kernel's too)
            self.expect(parsed["meminfo"] is None and parsed["slab"] is None,
                        "kmsg: a memcg OOM's report has no Mem-Info or slab table")
            self.expect_eq(oom.get("slab"), None, "oom.slab of a memcg OOM")
            self.expect("memcg" in (oom.get("report_missing") or {}).get("slab", ""),
                        "oom.report_missing.slab says a memcg OOM")
        ms = oom.get("memory_stat") or {}
        self.expect_eq(ms.get("stats"), stats or None, "oom.memory_stat.stats (kmsg, every key)")
        tasks = oom.get("tasks") or {}
        if self.expect(bool(rows), "kmsg: the report has a task table"):
            self.expect_eq(tasks.get("listed"), len(rows), "oom.tasks.listed (kmsg rows)")
            self.expect_eq(tasks.get("listed_rss_pages"), sum(r["rss"] for r in rows),
                           "oom.tasks.listed_rss_pages (kmsg rows summed)")
            by_pid = {r["pid"]: r for r in rows}
            for row in tasks.get("rows") or []:
                k = by_pid.get(row.get("pid"))
                if not self.expect(k is not None, f"oom.tasks row {row.get('pid')} is in kmsg"):
                    continue
                for key in ("uid", "tgid", "total_vm", "rss", "rss_anon", "rss_file",
                            "rss_shmem", "swapents"):
                    if key in k:
                        jk = key if key in ("uid", "tgid", "swapents") else key + "_pages"
                        self.expect_eq(row.get(jk), k[key], f"oom.tasks {k['pid']} {jk} (kmsg)")
                self.expect_eq(row.get("pgtables_bytes"), k["pgtables_bytes"],
                               f"oom.tasks {k['pid']} pgtables_bytes (kmsg)")
                self.expect_eq(row.get("oom_score_adj"), k["oom_score_adj"],
                               f"oom.tasks {k['pid']} oom_score_adj (kmsg)")
                self.expect_eq(row.get("name"), k["name"], f"oom.tasks {k['pid']} name (kmsg)")
                self.expect_eq(row.get("victim"), k["tgid"] == pid, f"oom.tasks {k['pid']} victim")
            self.expect_eq(tasks.get("victim_listed"), pid in {r["tgid"] for r in rows},
                           "oom.tasks.victim_listed")
            self.expect_eq(tasks.get("cut"), False, "oom.tasks.cut (no line lost here)")
        note(f"{self.sid}: what filled the memory of {pid} = kmsg: "
             f"{len(counters)} counters, {len(stats)} memory.stat keys, {len(rows)} task rows")

    def check_context(self, inc, pid):
        """The OOM context (tracepoint rung: from the kernel log) against the
        kernel's own lines for this kill; then the same from a replay of the
        run's recording."""
        oom = inc.get("oom") or {}
        src = oom.get("context_source") or {}
        why = oom.get("context_missing") or {}
        sm, inv = self.kernel_context(pid)
        if sm is None:
            # The kernel ratelimits its report (10 per 5 s): the tool must say so, not guess.
            for f in ("constraint", "domain_cgroup", "gfp_mask", "order"):
                self.expect_eq(oom.get(f), None, f"oom.{f} without a kernel report")
                self.expect_eq(why.get(f), RATELIMITED, f"oom.context_missing.{f}")
            note(f"{self.sid}: kernel printed no OOM report for {pid} (ratelimited)")
        else:
            self.expect_eq(sm.group("memcg"), self.memcg.rel, "kmsg oom_memcg (our memcg)")
            self.expect_eq(oom.get("constraint"), sm.group("constraint").lower(),
                           "oom.constraint (kmsg constraint=)")
            self.expect_eq(oom.get("domain_cgroup"), sm.group("memcg"),
                           "oom.domain_cgroup (kmsg oom_memcg=)")
            for f in ("constraint", "domain_cgroup"):
                self.expect_eq(src.get(f), "kernel_log", f"oom.context_source.{f}")
            if self.expect(inv is not None, f"kmsg: no 'invoked oom-killer' line before "
                           f"the report of {pid}"):
                self.expect_eq(oom.get("gfp_mask"), inv.group("gfp"), "oom.gfp_mask (kmsg)")
                self.expect_eq(oom.get("gfp_flags"), inv.group("names"),
                               "oom.gfp_flags (kmsg)")
                self.expect_eq(oom.get("order"), int(inv.group("order")), "oom.order (kmsg)")
                self.expect_eq(oom.get("trigger_comm"), inv.group("comm"),
                               "oom.trigger_comm (kmsg)")
                self.expect_eq(oom.get("trigger_oom_score_adj"), int(inv.group("adj")),
                               "oom.trigger_oom_score_adj (kmsg)")
                if inc.get("identity_source") != "kernel_log":   # joined: no trigger seen
                    self.expect_eq(oom.get("trigger_comm"), (inc.get("trigger") or {}).get("comm"),
                                   "oom.trigger_comm vs trigger.comm (mark_victim's current)")
                for f in ("gfp_mask", "order", "trigger"):
                    self.expect_eq(src.get(f), "kernel_log", f"oom.context_source.{f}")
                note(f"{self.sid}: OOM context of {pid} = kmsg: constraint "
                     f"{oom.get('constraint')}, domain {oom.get('domain_cgroup')}, gfp "
                     f"{oom.get('gfp_mask')}({oom.get('gfp_flags')}), order "
                     f"{oom.get('order')}, trigger {oom.get('trigger_comm')} "
                     f"(adj {oom.get('trigger_oom_score_adj')})")
        self.expect_eq(src.get("totalpages"), None, "oom.context_source.totalpages")
        self.check_report(inc, pid)
        if not self.recording:
            return
        out = subprocess.run([self.args.tool, "replay", "--json", self.recording],
                             capture_output=True, text=True, timeout=60)
        self.expect_eq(out.returncode, 0, f"replay exit status ({out.stderr.strip()[-200:]})")
        rep = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
        rep = [i for i in rep if i.get("pid") == pid]
        if self.expect(len(rep) == 1, f"replay: {len(rep)} incidents for {pid}, want 1"):
            self.expect_eq(rep[0].get("oom"), oom, "replay's oom object vs live")
            for key in ("identity_source", "first_seen", "comm", "uid", "rss_at_kill_bytes",
                        "kill_time", "freed_bytes", "outcome"):
                self.expect_eq(rep[0].get(key), inc.get(key), f"replay's {key} vs live")

    def check_times(self, inc, kill_ev, wake=None, starts=(), finishes=(), skips=(),
                    exits=()):
        """Absolute stamps vs tracefs, the timeline, and the derived figures.

        exits: sched_process_exit events of the victim's threads; the tool's
        exit_ts_ns, when set, is the last thread's exit."""
        k = kill_ev["ts"]
        self.expect_near(inc.get("kill_ts_ns"), k, "kill_ts_ns")
        self.expect_near(inc.get("wake_ts_ns"), wake["ts"] if wake else None, "wake_ts_ns")
        attempts = sorted([e["ts"] for e in starts] + [e["ts"] for e in skips])
        self.expect_near(inc.get("first_attempt_ts_ns"), attempts[0] if attempts else None,
                         "first_attempt_ts_ns")
        self.expect_near(inc.get("finish_ts_ns"), finishes[-1]["ts"] if finishes else None,
                         "finish_ts_ns")
        # timeline entries, matched in order
        for kind, evs in (("kill", [kill_ev]), ("wake", [wake] if wake else []),
                          ("start", starts), ("finish", finishes), ("skip", skips)):
            tl = self.timeline(inc, kind)
            if self.expect(len(tl) == len(evs),
                           f"timeline has {len(tl)} '{kind}' entries, kernel had {len(evs)}"):
                for i, (t, e) in enumerate(zip(tl, evs)):
                    self.expect_near(t.get("ts_ns"), e["ts"], f"timeline {kind}[{i}].ts_ns")
        stamps = [t.get("ts_ns") for t in inc.get("timeline") or []]
        self.expect(stamps == sorted(stamps), "timeline not in time order")
        for t in inc.get("timeline") or []:
            if "t_ns" in t and inc.get("kill_ts_ns") is not None:
                self.expect_eq(t["t_ns"], t.get("ts_ns", 0) - inc["kill_ts_ns"],
                               f"timeline {t.get('event')} t_ns (= ts_ns - kill_ts_ns)")
        # 'exit' entries: a victim thread reached do_exit (sched_process_exit;
        # a multi-threaded victim has one per thread); exit_ts_ns: the last.
        tl_exit = self.timeline(inc, "exit")
        for i, t in enumerate(tl_exit):
            ts = t.get("ts_ns") or 0
            self.expect(any(-TS_TOL_NS <= ts - e["ts"] <= EXIT_TOL_NS for e in exits),
                        f"timeline exit[{i}].ts_ns {ts} matches no victim thread's "
                        f"sched_process_exit (within -1/+{EXIT_TOL_NS // 1_000_000} ms): "
                        f"{[e['ts'] for e in exits]}")
        ets = inc.get("exit_ts_ns")
        if ets is not None:
            self.expect(tl_exit and tl_exit[-1].get("ts_ns") == ets,
                        f"exit_ts_ns {ets} is not the last timeline 'exit' entry")
            last = max((e["ts"] for e in exits), default=None)
            self.expect(last is not None and -TS_TOL_NS <= ets - last <= EXIT_TOL_NS,
                        f"exit_ts_ns {ets}: want within [-1, +{EXIT_TOL_NS // 1_000_000}] ms "
                        f"of the last victim thread's sched_process_exit {last}")
        # derived figures are differences of the stamps above
        def diff(a, b):
            va, vb = inc.get(a), inc.get(b)
            return None if va is None or vb is None else va - vb
        for key, a, b in (("kill_to_wake_ns", "wake_ts_ns", "kill_ts_ns"),
                          ("reap_latency_ns", "finish_ts_ns", "kill_ts_ns"),
                          ("exit_latency_ns", "exit_ts_ns", "kill_ts_ns"),
                          ("wake_to_first_attempt_ns", "first_attempt_ts_ns", "wake_ts_ns")):
            if key == "wake_to_first_attempt_ns" and key not in inc:
                continue    # not in the contract; checked when printed
            self.expect_eq(inc.get(key), diff(a, b), f"{key} (= {a} - {b})")

    def the_incident(self, pid):
        incs = [i for t in self.old_tools + [self.tool] for i in t.incidents()
                if i.get("pid") == pid]
        if not self.expect(len(incs) == 1, f"{len(incs)} tool incidents for pid {pid}, "
                           f"want 1 (stdout: {self.tool.proc.lines[-5:]})"):
            return None
        return incs[0]

    def finish_tool(self):
        rc = self.tool.stop()
        self.expect_eq(rc, 0, "tool exit status after SIGINT")
        self.expect(not self.tool.bad_lines(),
                    f"tool stdout lines that are not JSON objects: {self.tool.bad_lines()[:3]}")
        for line in self.tool.proc.lines:
            debug(f"tool stdout: {line}")
        for line in self.tool.proc.err:
            debug(f"tool stderr: {line}")

    def expect_incidents_of(self, pids, what):
        """Each victim's incident waited for, the tool stopped, and its
        incidents exactly these victims' (what: why the others are none)."""
        for p in pids:
            self.tool.wait_incident(p, 5)
        self.finish_tool()
        self.expect_eq(sorted(i.get("pid") for i in self.tool.incidents()), sorted(pids),
                       f"incidents: {what}")

    def close(self):
        if kerneltruth.VERBOSE and getattr(self, "trace", None):
            for e in self.trace.drain():
                debug(f"trace: {e['raw']}")
            for _, ts_us, text in self.kmsg.lines:
                if re.search(r"Killed process|oom_reaper|oom-kill:", text):
                    debug(f"kmsg: {text}")
        # Release FUSE first: tasks stuck on a held READ cannot die before.
        if self.fuse:
            self.fuse.release()
        self.stack.close()


def swap_configured():
    return len((read_file("/proc/swaps", "") or "").strip().splitlines()) > 1


def ms(ns):
    return "-" if ns is None else f"{ns / 1e6:.3f} ms"


# --------------------------------------------------------------------------
# scenarios


def scenario_a(r):
    """A: a 256 MiB hog in a 64 MiB memcg; it exits before the reaper."""
    r.setup_common(64)
    hog, pid = oomlab.start_memhog(r.stack, r.memcg, 256, adj=100, binary=r.fx("memhog"),
                                   **CHILD)
    r.trace.watch_exits([pid])
    r.start_tool()
    hog.send("go")
    ev, kl = r.kernel_kill(pid)
    rc = hog.wait(10)
    r.expect_eq(rc, -signal.SIGKILL, "hog exit status")
    exits = wait_for(lambda: r.trace.of("sched_process_exit", pid), 5,
                     "sched_process_exit of the hog")
    # No reaper phase: the timer fires at kill + 2 s and finds MMF_OOM_SKIP.
    # Absence can only be shown by waiting past that point.
    deadline = ev["ts"] + REAPER_DELAY_NS[1] + 300_000_000
    if r.tool:      # closes at exit, or at the tracker's own deadline
        r.tool.wait_incident(pid, max(0, deadline - mono_ns()) / 1e9 + 5)
    wait_for(lambda: mono_ns() > deadline, 5, "the reaper timer window to pass")
    others = {e: r.trace.of(e, pid) for e in OOM_EVENTS[1:]}
    for e, evs in others.items():
        r.expect(not evs, f"kernel: unexpected {e} for the hog: {evs[:1]}")
    r.expect(not r.kmsg.find(REAPED_LINE, pid), "kernel: unexpected reaped line")
    exit_ts = exits[0]["ts"]
    note(f"A: victim {pid} ({kl.group('comm')}) anon-rss {kl.group('anon')} kB, "
         f"kill->sched_process_exit {ms(exit_ts - ev['ts'])}, no reaper events")
    if not r.tool:
        return
    r.finish_tool()
    inc = r.the_incident(pid)
    if not inc:
        return
    r.check_identity(inc, kl, pid, trigger=pid)
    r.check_context(inc, pid)
    r.expect_eq(inc.get("outcome"), "victim_exited", "outcome")
    for k in ("wake_ts_ns", "first_attempt_ts_ns", "finish_ts_ns"):
        r.expect_eq(inc.get(k), None, k)
    for kind in ("wake", "start", "finish", "skip"):
        r.expect(not r.timeline(inc, kind), f"timeline has a '{kind}' entry")
    r.expect_eq(inc.get("attempts"), 0, "attempts")
    r.expect_eq(inc.get("trylock_failures"), 0, "trylock_failures")
    r.expect_eq(inc.get("freed_bytes"), {"anon": 0, "file": 0, "shmem": 0, "swap": 0},
                "freed_bytes")
    r.check_times(inc, ev, exits=exits)
    el = inc.get("exit_latency_ns")
    if r.expect(el is not None, "exit_latency_ns is null"):
        r.expect(0 <= el < REAPER_DELAY_NS[0], f"exit_latency_ns {el} not in [0, 2 s)")
    note(f"A: tool exit_latency {ms(el)}")


# The BPF side walks at most this many cgroup levels (bpf/cgroup_path.bpf.h).
CGROUP_MAX_DEPTH = 16


def memory_cgroup_of(pid):
    """The task's memory cgroup as the kernel states it in /proc/PID/cgroup
    (v1: "N:memory:/path"; v2: "0::/path"), None if not found."""
    text = read_file(f"/proc/{pid}/cgroup", "") or ""
    v2 = None
    for line in text.splitlines():
        _, ctrls, path = line.split(":", 2)
        if "memory" in ctrls.split(","):
            return path
        if ctrls == "":
            v2 = path
    return v2


def scenario_d(r, unrolled=False):
    """D: victims 3 and 18 memory cgroups deep.  The cgroup path is built in
    BPF, leaf first (a bpf_loop() walk where the kernel has it, unrolled
    before 5.17): 3 levels deep it is the kernel's own path of the task's
    memory cgroup exactly (/proc/PID/cgroup before the kill, and the
    oom-kill line's task_memcg unless ratelimited); 18 deep, the innermost
    CGROUP_MAX_DEPTH levels of it, flagged truncated.
    unrolled (Du): the programs of kernels without bpf_loop(), here
    (OOMREAP_NO_BPF_LOOP=1), proven by the plan -v prints."""
    want_prog = "tp_mark_victim_unrolled" if unrolled else "tp_mark_victim"
    if unrolled:
        r.tool_env = dict(os.environ, OOMREAP_NO_BPF_LOOP="1")
    r.tool_args = ["-v"]    # the attach plan: which program walks
    r.setup_common(64)
    cases = []
    for depth in (3, 18):
        rel = r.memcg.rel
        for i in range(1, depth):
            rel += f"/{depth}-{i}"
            leaf = Memcg(rel)
            r.stack.callback(leaf.close)    # before its parents: LIFO
        leaf.limit(48)
        hog, pid = oomlab.start_memhog(r.stack, leaf, 256, adj=100, binary=r.fx("memhog"),
                                       **CHILD)
        kpath = memory_cgroup_of(pid)
        r.expect_eq(kpath, leaf.rel, f"depth {depth}: /proc/{pid}/cgroup")
        cases.append((depth, kpath, hog, pid))
    r.trace.watch_exits([pid for *_, pid in cases])
    # every cgroup: a truncated path has lost the test's own top level
    r.start_tool(select=["--cgroup", "/"])
    if r.tool:
        plan = [l.split() for l in r.tool.proc.err if "-> tracepoint oom:mark_victim" in l]
        r.expect_eq([p[0] for p in plan], [want_prog], "program on oom:mark_victim")
    for depth, kpath, hog, pid in cases:
        hog.send("go")
        r.kernel_kill(pid)
        r.expect_eq(hog.wait(10), -signal.SIGKILL, f"depth {depth}: hog exit status")
        if r.tool:
            r.tool.wait_incident(pid, REAPER_DELAY_NS[1] / 1e9 + 10)
    if not r.tool:
        return
    r.finish_tool()
    for depth, kpath, hog, pid in cases:
        summary, _ = r.kernel_context(pid)
        if summary is not None:     # else ratelimited (after S, say)
            r.expect_eq(summary.group("task_memcg"), kpath, f"depth {depth}: kernel task_memcg")
        if kpath is None:
            continue
        parts = kpath.strip("/").split("/")
        r.expect_eq(len(parts), depth, f"depth {depth}: levels in the kernel's path")
        want = "/" + "/".join(parts[-CGROUP_MAX_DEPTH:])
        inc = r.the_incident(pid)
        if not inc:
            continue
        r.expect_eq(inc.get("cgroup"), want, f"depth {depth}: cgroup")
        r.expect_eq(inc.get("cgroup_truncated"), depth > CGROUP_MAX_DEPTH,
                    f"depth {depth}: cgroup_truncated")
        note(f"D: depth {depth}: kernel {kpath!r}, tool {inc.get('cgroup')!r} "
             f"truncated={inc.get('cgroup_truncated')}")


def victim_setup(r, extra, adj=500, mib=100):
    """Start the oom_victim fixture; return (proc, pid, ready-match)."""
    v = r.spawn("oom_victim", [r.fx("oom_victim"), "-c", r.memcg.dir, "-o", str(adj),
                               "-m", str(mib)] + extra)
    m = v.expect(r"^ready pid=(\d+) map=(\S+) reader_tid=(\d+) writer_tid=(\d+)", 20)
    return v, int(m.group(1)), m


victim_tids = oomlab.tids


def trigger_setup(r, watch):
    """A 64 MiB memhog in the victim's memcg, armed but not yet allocating."""
    g, gpid = oomlab.start_memhog(r.stack, r.memcg, 64, binary=r.fx("memhog"), name="trigger",
                                  **CHILD)
    r.trace.watch_exits(watch + [gpid])
    return g, gpid


def b2_setup(r):
    """Recipe B2: a victim whose FUSE-stalled reader thread pins the mm,
    and its trigger (not yet sent)."""
    r.setup_common(128)
    r.setup_fuse()
    v, pid, m = victim_setup(r, ["-r", r.fuse.file])
    reader = int(m.group(3))
    r.fuse.held_by(reader, 10)
    r.wait_asleep_in(reader, "request_wait_answer", 10, "victim reader thread")
    g, gpid = trigger_setup(r, victim_tids(pid))
    return v, pid, g, gpid


def check_freed(r, inc, kl, rl):
    """freed_bytes against the kernel's lines: "Killed process" less what
    "reaped process ... now" says was left.  Returns (got, want) anon."""
    freed = inc.get("freed_bytes") or {}
    want_anon = (int(kl.group("anon")) - int(rl.group("anon"))) * 1024
    got = freed.get("anon")
    r.expect(got is not None and abs(got - want_anon) <= FREED_ANON_REL_TOL * want_anon,
             f"freed_bytes.anon {got} not within 2% of kmsg kill-left {want_anon}")
    for k in ("file", "shmem"):
        want = (int(kl.group(k)) - int(rl.group(k))) * 1024
        r.expect(freed.get(k) is not None and abs(freed[k] - want) <= PCPU_SLACK_BYTES,
                 f"freed_bytes.{k} {freed.get(k)} vs kmsg kill-left {want} "
                 f"(slack {PCPU_SLACK_BYTES})")
    return got, want_anon


def scenario_b2(r):
    """B2: the victim's FUSE-stalled thread pins the mm; the reaper reaps."""
    v, pid, g, gpid = b2_setup(r)
    r.start_tool()
    g.send("go")
    ev, kl = r.kernel_kill(pid)
    r.checkpoint("killed")
    fin = wait_for(lambda: r.trace.of("finish_task_reaping", pid), 10,
                   "finish_task_reaping")[0]
    rl = r.kmsg.wait(REAPED_LINE, pid, 5, f'kmsg "reaped process {pid}"')
    g.expect(r"^done ", 10)          # the reaped memory let the trigger finish
    wake = r.trace.of("wake_reaper", pid)
    starts = r.trace.of("start_task_reaping", pid)
    skips = r.trace.of("skip_task_reaping", pid)
    fails = [e for e in r.trace.of("mmap_lock_acquire_returned")
             if wake and wake[0]["ts"] <= e["ts"] <= fin["ts"]]
    r.expect(len(wake) == 1 and len(starts) == 1 and not skips and not fails,
             f"kernel: want 1 wake, 1 start, 0 skips, 0 lock failures; got {len(wake)}, "
             f"{len(starts)}, {len(skips)}, {len(fails)}")
    r.expect(len(r.trace.of("mark_victim", gpid)) == 0, "kernel: trigger was killed too")
    if not (wake and starts):
        return
    k2w = wake[0]["ts"] - ev["ts"]
    r.expect(REAPER_DELAY_NS[0] <= k2w <= REAPER_DELAY_NS[1], f"kernel: kill->wake {ms(k2w)}")
    note(f"B2: victim {pid} anon-rss {kl.group('anon')} kB file-rss {kl.group('file')} kB; "
         f"kill->wake {ms(k2w)}, wake->start {ms(starts[0]['ts'] - wake[0]['ts'])}, "
         f"start->finish {ms(fin['ts'] - starts[0]['ts'])}; left anon-rss "
         f"{rl.group('anon')} kB file-rss {rl.group('file')} kB")
    # Let the victim go: answer the READ, its last thread exits.
    r.fuse.release()
    r.expect_eq(v.wait(10), -signal.SIGKILL, "victim exit status")
    if not r.tool:
        return
    r.tool.wait_incident(pid, 5)
    r.finish_tool()
    inc = r.the_incident(pid)
    if not inc:
        return
    r.check_identity(inc, kl, pid, trigger=gpid)
    r.check_context(inc, pid)
    r.expect_eq(inc.get("outcome"), "reaped", "outcome")
    r.expect_eq(inc.get("attempts"), 1, "attempts")
    r.expect_eq(inc.get("trylock_failures"), 0, "trylock_failures")
    r.expect_eq(inc.get("partial_reaps"), 0, "partial_reaps")
    # no failed trylock, so nothing to attribute
    r.expect_eq((inc.get("blockers"), inc.get("blocker_events")), ([], 0), "blockers")
    r.check_times(inc, ev, wake[0], starts, [fin], exits=[e for e in r.trace.of("sched_process_exit") if e["tid"] != gpid])
    r.expect_eq(inc.get("reap_duration_ns"),
                None if inc.get("finish_ts_ns") is None or inc.get("first_attempt_ts_ns") is None
                else inc["finish_ts_ns"] - inc["first_attempt_ts_ns"],
                "reap_duration_ns (= finish - start)")
    got, want_anon = check_freed(r, inc, kl, rl)
    note(f"B2: tool freed anon {got} B (kmsg {want_anon} B), "
         f"reap latency {ms(inc.get('reap_latency_ns'))}")


def scenario_b2_joined(r):
    """B2 with the tool started after the kill, in the reaper's 2 s delay:
    it never saw the kill, but reads the victim's memory at the reap's
    start and finish (its mm found by pid, where bpf_task_from_pid exists:
    6.2+), so what the reap freed is known, equal to the kernel's lines;
    before 6.2 it stays null, never 0."""
    v, pid, g, gpid = b2_setup(r)
    g.send("go")
    ev, kl = r.kernel_kill(pid)
    # An incident without its kill has no cgroup to filter on: select by pid.
    r.start_tool(select=["--pid", str(pid)])
    fin = wait_for(lambda: r.trace.of("finish_task_reaping", pid), 10,
                   "finish_task_reaping")[0]
    rl = r.kmsg.wait(REAPED_LINE, pid, 5, f'kmsg "reaped process {pid}"')
    starts = r.trace.of("start_task_reaping", pid)
    started_late = r.tool and starts and r.tool.proc.t_ready > starts[0]["ts"]
    r.fuse.release()
    r.expect_eq(v.wait(10), -signal.SIGKILL, "victim exit status")
    if not r.tool:
        return
    r.tool.wait_incident(pid, 5)
    r.finish_tool()
    inc = r.the_incident(pid)
    if not inc:
        return
    if started_late:
        # the machine was slow: the tool was ready only after the reap began
        note(f"B2-joined: the tool was ready {ms(r.tool.proc.t_ready - ev['ts'])} after "
             f"the kill, after the reap's start: nothing to compare")
        r.expect(False, "tool ready after the reap's start (2 s after the kill)")
        return
    r.expect_eq(inc.get("outcome"), "reaped", "outcome")
    r.expect_eq(inc.get("identity_source"), "kernel_log", "identity_source")
    r.expect_eq(inc.get("victim_seq", "absent"), None, "victim_seq (the kill unseen: null)")
    if kernel_at_least(6, 2):
        got, want_anon = check_freed(r, inc, kl, rl)
        note(f"B2-joined: victim {pid}, tool ready {ms(r.tool.proc.t_ready - ev['ts'])} after "
             f"the kill; tool freed anon {got} B (kmsg kill-left {want_anon} B)")
    else:
        r.expect_eq(inc.get("freed_bytes"), None,
                    "freed_bytes (no task by pid before 6.2: unknown, null)")


def kernel_at_least(major, minor):
    m = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return bool(m) and (int(m.group(1)), int(m.group(2))) >= (major, minor)


def c_setup(r, writer_inside):
    """Recipe C: long-held reader via /proc/PID/mem, queued writer."""
    r.setup_common(128)
    r.setup_fuse()
    v, pid, m = victim_setup(r, ["-p", r.fuse.file] + (["-W"] if writer_inside else []))
    addr = int(m.group(2), 16)
    # a page in the middle of the untouched 1 MiB FUSE-backed private mapping
    reader = r.spawn("procpoke-mem", [r.fx("procpoke"), "mem", str(pid), hex(addr + 64 * 1024)])
    rpid = reader.ready_pid()
    r.fuse.held_by(rpid, 10)
    r.wait_asleep_in(rpid, "request_wait_answer", 10, "/proc/PID/mem reader")
    if writer_inside:
        wtid = int(m.group(4))
        v.send("w")
        v.expect(r"^writer calling", 10)
        st = r.wait_blocked(wtid, None, 10, "victim set_mempolicy_home_node thread")
        wdesc = f"victim thread {wtid} in set_mempolicy_home_node ({st[1]})"
    else:
        writer = r.spawn("procpoke-clear_refs", [r.fx("procpoke"), "clear_refs", str(pid)])
        wtid = writer.ready_pid()
        st = r.wait_blocked(wtid, None, 10, "clear_refs writer")
        wdesc = f"clear_refs helper {wtid} ({st[1]})"
    debug(f"reader {rpid} held, writer queued: {wdesc}")

    g, gpid = trigger_setup(r, victim_tids(pid))
    r.blockers_expected = (rpid, wtid, writer_inside)
    return v, pid, g, gpid, wdesc


def frames(task):
    """Function names of a blocked task's symbolized stack (JSON)."""
    return [f.split("+")[0] for f in (task.get("stack") or [])]


def check_blockers(r, inc, nfail):
    """Blocker attribution: at every failed trylock the holder is the
    /proc/PID/mem reader (a reader-owned rwsem names its last reader, so the
    tool flags it as a hint) blocked in a FUSE read reached through
    __access_remote_vm, and the first waiter is the queued writer."""
    rpid, wtid, writer_inside = r.blockers_expected
    r.expect_eq(inc.get("blocker_events"), nfail, "blocker_events (= failed trylocks)")
    bl = inc.get("blockers") or []
    r.expect_eq(sum(b.get("count", 0) for b in bl) + (inc.get("blockers_dropped") or 0), nfail,
                "failed trylocks covered by blocker pictures")
    for b in bl:
        h = b.get("holder") or {}
        r.expect_eq(h.get("pid"), rpid, "blocker holder pid (the /proc/PID/mem reader)")
        r.expect_eq((h.get("mode"), h.get("hint")), ("read", True), "holder mode, hint")
        r.expect("__access_remote_vm" in frames(h), f"holder stack {frames(h)}")
        w = b.get("waiters") or [{}]
        r.expect_eq((w[0].get("pid"), w[0].get("mode")), (wtid, "write"), "first waiter")
        want = "__do_sys_set_mempolicy_home_node" if writer_inside else "clear_refs_write"
        r.expect(want in frames(w[0]), f"writer stack {frames(w[0])}, want {want}")
    if nfail:
        verdict = inc.get("blocker_verdict") or ""
        r.expect(verdict.startswith(f"reaper blocked {nfail}x: mmap_lock held for read by "
                                    f"{rpid} "), f"verdict {verdict!r}")
    note(f"{r.sid}: blockers " + "; ".join(
        f"{b.get('count')}x holder {(b.get('holder') or {}).get('pid')} "
        f"{'<-'.join(frames(b.get('holder') or {})[:2])}..., waiters "
        + ",".join(f"{w.get('pid')}/{w.get('mode')}" for w in b.get("waiters") or [])
        for b in bl))


def scenario_c(r, writer_inside):
    v, pid, g, gpid, wdesc = c_setup(r, writer_inside)
    r.start_tool()
    g.send("go")
    ev, kl = r.kernel_kill(pid)
    r.checkpoint("killed")
    skips = wait_for(lambda: len(r.trace.of("skip_task_reaping", pid)) >= 10
                     and r.trace.of("skip_task_reaping", pid), 10, "10 skip_task_reaping")
    r.kmsg.wait(UNABLE_LINE, pid, 5, f'kmsg "unable to reap pid:{pid}"')
    for t in victim_tids(pid):
        debug(f"after give-up, victim thread {t}: {task_state(t)} stack "
              + "<-".join(l.split()[1].split("+")[0] for l in
                          (read_file(f"/proc/{t}/stack") or "").splitlines()[:5]))
    # MMF_OOM_SKIP now set: the OOM killer moves on to the trigger.
    gev, gkl = r.kernel_kill(gpid)
    r.expect_eq(g.wait(10), -signal.SIGKILL, "trigger exit status")
    wake = r.trace.of("wake_reaper", pid)
    skips = r.trace.of("skip_task_reaping", pid)
    kinds = r.trace.skip_kinds(pid)
    starts = r.trace.of("start_task_reaping", pid)
    r.expect(len(wake) == 1, f"kernel: {len(wake)} wake_reaper events")
    r.expect(len(skips) == 10, f"kernel: {len(skips)} skip_task_reaping, want 10")
    r.expect(all(failed for _, failed in kinds),
             f"kernel: {sum(f for _, f in kinds)} of {len(kinds)} skips follow a failed "
             f"mmap_lock acquisition by oom_reaper, want all")
    if skips:
        nwin = len([e for e in r.trace.of("mmap_lock_acquire_returned")
                    if ev["ts"] <= e["ts"] <= skips[-1]["ts"]])
        r.expect(nwin == 10, f"kernel: {nwin} failed oom_reaper mmap_lock acquisitions "
                 "between kill and last skip, want 10")
    r.expect(not starts and not r.trace.of("finish_task_reaping", pid),
             "kernel: start/finish_task_reaping seen")
    gaps = [b["ts"] - a["ts"] for a, b in zip(skips, skips[1:])]
    r.expect(all(SKIP_GAP_NS[0] <= d <= SKIP_GAP_NS[1] for d in gaps),
             f"kernel: skip gaps {[ms(d) for d in gaps]}")
    if not wake:
        return
    note(f"{r.sid}: victim {pid} anon-rss {kl.group('anon')} kB, writer {wdesc}; "
         f"kill->wake {ms(wake[0]['ts'] - ev['ts'])}, skips at +"
         + ", +".join(f"{(s['ts'] - ev['ts']) / 1e9:.3f}" for s in skips)
         + f" s; gaps {min(gaps) / 1e6:.1f}..{max(gaps) / 1e6:.1f} ms; trigger {gpid} "
         f"killed at +{ms(gev['ts'] - ev['ts'])}")
    # Let everything go: the reader's READ is answered, the writer runs,
    # the victim exits.
    r.fuse.release()
    r.expect_eq(v.wait(10), -signal.SIGKILL, "victim exit status")
    for e in r.trace.of("sched_process_exit"):
        debug(f"sched_process_exit tid {e['tid']} at +{ms(e['ts'] - ev['ts'])}: {e['raw']}")
    if not r.tool:
        return
    r.tool.wait_incident(pid, 5)
    r.tool.wait_incident(gpid, 5)
    r.finish_tool()
    inc = r.the_incident(pid)
    if inc:
        r.check_identity(inc, kl, pid, trigger=gpid)
        r.check_context(inc, pid)
        r.expect_eq(inc.get("outcome"), "gave_up", "outcome")
        r.expect_eq(inc.get("attempts"), 10, "attempts")
        r.expect_eq(inc.get("trylock_failures"), 10, "trylock_failures")
        reasons = [t.get("reason") for t in r.timeline(inc, "skip")]
        r.expect(reasons == ["trylock_failed"] * 10, f"skip reasons {reasons}")
        r.expect_eq(inc.get("freed_bytes"), {"anon": 0, "file": 0, "shmem": 0, "swap": 0},
                    "freed_bytes")
        check_blockers(r, inc, 10)
        r.check_times(inc, ev, wake[0], [], [], skips,
                      exits=[e for e in r.trace.of("sched_process_exit") if e["tid"] != gpid])
    ginc = r.the_incident(gpid)
    if ginc:     # the trigger, killed after the give-up: an A-like incident
        r.check_identity(ginc, gkl, gpid, trigger=gpid)
        r.check_context(ginc, gpid)
        r.expect_eq(ginc.get("outcome"), "victim_exited", "trigger incident outcome")
        r.check_times(ginc, gev, exits=r.trace.of("sched_process_exit", gpid))


def scenario_c_partial(r):
    """C2, released after the 4th failed attempt: failures then the victim exits."""
    v, pid, g, gpid, wdesc = c_setup(r, False)
    r.start_tool()
    g.send("go")
    ev, kl = r.kernel_kill(pid)
    wait_for(lambda: len(r.trace.of("skip_task_reaping", pid)) >= 4, 10, "4 skip_task_reaping")
    r.fuse.release()
    r.expect_eq(v.wait(10), -signal.SIGKILL, "victim exit status")
    g.expect(r"^done ", 10)
    # The reaper's next attempt finds the lock free and MMF_OOM_SKIP set (a
    # skip without a failed trylock), or, if the exit was slow, reaps
    # (finish); either ends the loop, as does the 10th failure.
    def loop_over():
        kinds = r.trace.skip_kinds(pid)
        return (any(not failed for _, failed in kinds)
                or r.trace.of("finish_task_reaping", pid) or len(kinds) >= 10)
    wait_for(loop_over, 5, "the reap loop to end")
    wake = r.trace.of("wake_reaper", pid)
    skips = r.trace.of("skip_task_reaping", pid)
    starts = r.trace.of("start_task_reaping", pid)
    fins = r.trace.of("finish_task_reaping", pid)
    kinds = r.trace.skip_kinds(pid)
    nfail = sum(f for _, f in kinds)
    r.expect([f for _, f in kinds] == [True] * nfail + [False] * (len(kinds) - nfail),
             f"kernel: skip causes {[f for _, f in kinds]} not failures-then-mm-gone")
    r.expect(4 <= nfail < 10, f"kernel: {nfail} failed trylocks, want 4..9")
    r.expect(not r.kmsg.find(UNABLE_LINE, pid), "kernel: unexpected 'unable to reap'")
    r.expect(len(r.trace.of("mark_victim", gpid)) == 0, "kernel: trigger was killed too")
    note(f"C2-partial: victim {pid}: {nfail} failed trylocks, {len(skips) - nfail} "
         f"MMF_OOM_SKIP skips, {len(starts)} starts/{len(fins)} finishes after release")
    if not r.tool:
        return
    r.tool.wait_incident(pid, 5)
    r.finish_tool()
    inc = r.the_incident(pid)
    if not inc:
        return
    r.check_identity(inc, kl, pid, trigger=gpid)
    want = "reaped" if fins else "victim_exited"
    r.expect_eq(inc.get("outcome"), want, "outcome")
    r.expect_eq(inc.get("trylock_failures"), nfail,
                "trylock_failures (= failed reaper mmap_lock acquisitions)")
    r.expect_eq(inc.get("attempts"), len(skips) + len(starts), "attempts")
    reasons = [t.get("reason") for t in r.timeline(inc, "skip")]
    want_reasons = ["trylock_failed" if f else "mm_gone" for _, f in kinds]
    r.expect(reasons == want_reasons, f"skip reasons {reasons}, want {want_reasons}")
    check_blockers(r, inc, nfail)
    r.check_times(inc, ev, wake[0] if wake else None, starts, fins, skips,
                  exits=[e for e in r.trace.of("sched_process_exit") if e["tid"] != gpid])


def scenario_c_mid_loop(r):
    """C2 with the tool started in the middle of the reaper's loop: it never
    saw the kill, so it cannot count to the 10th attempt; the incident must
    still end once the reaper falls silent, while the victim is stuck."""
    v, pid, g, gpid, wdesc = c_setup(r, False)
    g.send("go")
    ev, kl = r.kernel_kill(pid)
    wait_for(lambda: len(r.trace.of("skip_task_reaping", pid)) >= 3, 10, "3 skip_task_reaping")
    # An incident without its kill has no cgroup to filter on: select by pid.
    r.start_tool(select=["--pid", str(pid)])
    skips = wait_for(lambda: len(r.trace.of("skip_task_reaping", pid)) >= 10
                     and r.trace.of("skip_task_reaping", pid), 10, "10 skip_task_reaping")
    r.kmsg.wait(UNABLE_LINE, pid, 5, f'kmsg "unable to reap pid:{pid}"')
    if not r.tool:
        r.fuse.release()
        return
    # The victim is still stuck in the FUSE read: only the silence can end it.
    incs = r.tool.wait_incident(pid, 5)
    state = task_state(pid)[0]
    r.expect(bool(incs), "no incident within 5 s of the give-up (victim still stuck)")
    r.expect(state not in (None, "Z"), f"victim state {state} when its incident ended: "
             "want it still stuck, so that the silence, not its exit, ended the incident")
    r.fuse.release()
    r.expect_eq(v.wait(10), -signal.SIGKILL, "victim exit status")
    r.finish_tool()
    inc = r.the_incident(pid)
    if not inc:
        return
    seen = [s for s in skips if s["ts"] >= r.tool.proc.t_exec]
    after_ready = [s for s in skips if s["ts"] >= r.tool.proc.t_ready]
    tl = r.timeline(inc, "skip")
    note(f"C2-mid-loop: victim {pid}: kernel 10 skips, {len(after_ready)}..{len(seen)} after "
         f"the tool's start; tool saw {len(tl)}, outcome {inc.get('outcome')}")
    r.expect_eq(inc.get("outcome"), "gave_up", "outcome")
    r.expect_eq(inc.get("incomplete"), True, "incomplete (the kill was not seen)")
    r.expect(len(after_ready) <= len(tl) <= len(seen),
             f"tool saw {len(tl)} skips, kernel had {len(after_ready)}..{len(seen)} "
             "after the tool's start")
    r.expect_eq(inc.get("attempts"), len(tl), "attempts (= skips seen)")
    # the ones it saw are the kernel's last ones, in order, to the 10th
    for i, (t, k) in enumerate(zip(tl, skips[len(skips) - len(tl):])):
        r.expect_near(t.get("ts_ns"), k["ts"], f"timeline skip[{i}].ts_ns (kernel's last)")
    # Joined halfway: who and how big from the kernel's "Killed process"
    # line (read from the log's last 30 s at the start), the context from
    # its OOM report; what was not seen is null, never 0 or "".
    r.expect_eq(inc.get("identity_source"), "kernel_log", "identity_source")
    r.expect_eq(inc.get("first_seen"), "skip", "first_seen")
    r.expect_eq(inc.get("comm"), kl.group("comm"), "comm (the Killed process line's)")
    r.expect_eq(inc.get("uid"), int(kl.group("uid")), "uid (the line's)")
    r.expect_eq(inc.get("oom_score_adj"), int(kl.group("adj")), "oom_score_adj (the line's)")
    rss = inc.get("rss_at_kill_bytes") or {}
    for k in ("anon", "file", "shmem"):
        r.expect_eq(rss.get(k), int(kl.group(k)) * 1024, f"rss_at_kill_bytes.{k} (the line's kB*1024)")
    r.expect_eq(rss.get("swap", "absent"), None, "rss_at_kill_bytes.swap (the line prints none)")
    for key, grp in (("total_vm_bytes", "total_vm"), ("pgtables_bytes", "pgtables")):
        r.expect_eq(inc.get(key), int(kl.group(grp)) * 1024, f"{key} (the line's kB*1024)")
    for key in ("victim_seq", "tgid", "trigger", "cgroup", "cgroup_id", "kill_ts_ns"):
        r.expect_eq(inc.get(key, "absent"), None, f"{key} (not seen: null)")
    r.expect(inc.get("kill_time") is not None, "kill_time: the line's time, not null")
    # no reap ran (unable to reap): freed nothing, a fact, not unknown
    r.expect_eq(inc.get("freed_bytes"), {"anon": 0, "file": 0, "shmem": 0, "swap": 0},
                "freed_bytes (the reaper freed nothing)")
    r.check_context(inc, pid)


def scenario_storm(r):
    """S: 24 hogs killed one after another in a 16 MiB memcg, in well under
    5 s: the kernel ratelimits its OOM report (10 per 5 s interval; a span
    shorter than 5 s meets at most two intervals), so at least 4 kills have
    none.  Each kill's context must equal the kernel's lines, or be
    null with the ratelimit reason where the kernel printed none: never
    another kill's.  A second tool in a mount namespace without /dev/kmsg
    (as in a container) must say so once and give that reason."""
    n = 24
    r.setup_common(16)
    hogs = [oomlab.start_memhog(r.stack, r.memcg, 64, binary=r.fx("memhog"), **CHILD)
            for _ in range(n)]
    pids = [pid for _, pid in hogs]
    r.trace.watch_exits(pids)
    r.start_tool()
    blind = None
    if r.tool:
        blind = oomlab.Tool(
            ["-m", "--propagation", "private", "sh", "-c",
             'mount -t tmpfs none /dev && exec "$0" "$@"', r.args.tool, "--json",
             "--cgroup", r.memcg.rel], name="oomreap-trace-nokmsg", binary="unshare", **CHILD)
        r.stack.callback(blind.stop)
    t0 = mono_ns()
    for hog, pid in hogs:
        hog.send("go")
        wait_for(lambda: r.trace.of("mark_victim", pid), 10, f"tracefs mark_victim pid={pid}")
    span = mono_ns() - t0
    for hog, pid in hogs:
        r.expect_eq(hog.wait(10), -signal.SIGKILL, f"hog {pid} exit status")
    reported = [p for p in pids if r.kernel_context(p)[0] is not None]
    note(f"S: {n} kills in {ms(span)}; the kernel printed an OOM report for "
         f"{len(reported)} of them")
    r.expect(span < 5_000_000_000, f"kills took {ms(span)}: not a storm within the ratelimit")
    r.expect(len(reported) <= 20, f"kernel reported {len(reported)} of {n} kills in "
             f"{ms(span)}: more than two ratelimit intervals allow")
    if not r.tool:
        return
    for pid in pids:
        r.tool.wait_incident(pid, 10)
    r.finish_tool()
    brc = blind.stop()
    r.expect_eq(brc, 0, "tool without /dev/kmsg: exit status")
    said = [l for l in blind.err if "cannot read /dev/kmsg" in l]
    r.expect(len(said) == 1, f"tool without /dev/kmsg said it {len(said)} times: {said}")
    bincs = {i.get("pid"): i for i in blind.json_objects()}
    for pid in pids:
        inc = r.the_incident(pid)
        if inc:
            r.check_context(inc, pid)
        b = bincs.get(pid)
        if r.expect(b is not None, f"tool without /dev/kmsg: no incident for {pid}"):
            oom = b.get("oom") or {}
            r.expect_eq(oom.get("constraint"), None, f"{pid}: constraint without /dev/kmsg")
            r.expect_eq((oom.get("context_missing") or {}).get("constraint"),
                        "kernel log not readable (/dev/kmsg could not be opened)",
                        f"{pid}: reason without /dev/kmsg")


def scenario_k(r):
    """K: a userspace memory killer's kill (no OOM).  The ukiller fixture,
    registered with --killer, does what earlyoom does to its child
    (pidfd_open, kill, process_mrelease); a copy of it elsewhere named
    earlyoom, and this harness's own SIGKILL, are no memory kills.  Checked
    against tracefs (signal_generate, the process_mrelease syscalls,
    sched_process_exit) and the fixture's own report of each call."""
    r.setup_common(512)
    uk = r.fx("ukiller")
    fdir = tempfile.mkdtemp(prefix=r.tag + "-fake")
    r.stack.callback(shutil.rmtree, fdir, True)
    fake = os.path.join(fdir, "earlyoom")
    shutil.copy(uk, fake)
    r.trace.enable("signal/signal_generate", "sig == 9 || sig == 15")
    r.trace.enable("syscalls/sys_enter_process_mrelease")
    r.trace.enable("syscalls/sys_exit_process_mrelease")
    r.trace.enable("sched/sched_process_exit", 'comm == "ukiller" || comm == "earlyoom" || '
                   'comm == "sleep"')
    if not r.args.ground_truth_only:
        r.tool = Tool(r.args.tool, r.memcg.rel, extra=["--mrelease", "--killer", f"ukiller={uk}"])
        r.stack.callback(r.tool.stop)

    def in_cg(argv):
        p = subprocess.run(["sh", "-c", f'echo $$ > "{r.memcg.dir}/cgroup.procs" && exec "$@"',
                            "sh"] + argv, capture_output=True, text=True, timeout=60)
        r.expect_eq(p.returncode, 0, f"{argv}: exit status ({p.stderr.strip()})")
        return p.stdout

    def said(out):
        v = re.search(r"^victim (\d+)$", out, re.M)
        # "mrelease ret=-1 errno=22": the kernel's return, -22
        return (int(v.group(1)) if v else 0,
                [0 if int(m.group(1)) == 0 else -int(m.group(2))
                 for m in re.finditer(r"^mrelease ret=(-?\d+) errno=(\d+)$", out, re.M)])

    v1, rets1 = said(in_cg([uk, "-s", "32"]))
    v2, rets2 = said(in_cg([uk, "-t", "-H", "-s", "16"]))
    vf, _ = said(in_cg([fake, "-s", "8"]))
    sl = subprocess.Popen(["sh", "-c", f'echo $$ > "{r.memcg.dir}/cgroup.procs" && exec sleep 600'])
    r.stack.callback(sl.kill)
    wait_for(lambda: "sleep" in (oomlab.read_file(f"/proc/{sl.pid}/comm", "") or ""), 10,
             "the sleeper to exec")
    os.kill(sl.pid, signal.SIGKILL)
    sl.wait()
    r.expect(v1 and v2 and vf, f"the fixtures named their victims: {v1} {v2} {vf}")
    note(f"K: ukiller victims {v1} (mrelease {rets1}), {v2} (mrelease {rets2}); "
         f"fake earlyoom's {vf}, the harness's kill -9 of {sl.pid}")
    for v in (v1, v2):
        wait_for(lambda v=v: r.trace.of("sched_process_exit", v), 10, f"exit of {v}")
    if not r.tool:
        return
    r.expect_incidents_of([v1, v2], "the fake earlyoom's and the kill -9's are none")
    for v, rets, sigs in ((v1, rets1, ["SIGKILL"]), (v2, rets2, ["SIGTERM", "SIGKILL"])):
        inc = r.the_incident(v)
        if not inc:
            continue
        sent = [e for e in r.trace.of("signal_generate", v) if e["fields"].get("res") == "0"]
        killer = sent[0]["tid"] if sent else None
        k = inc.get("killer") or {}
        r.expect_eq(inc.get("kind"), "userspace", f"{v}: kind")
        r.expect_eq((k.get("name"), k.get("exe"), k.get("recognised_by"), k.get("method")),
                    ("ukiller", uk, "exe", "kill"), f"{v}: killer")
        r.expect_eq(k.get("tgid"), killer, f"{v}: killer tgid (signal_generate's sender)")
        r.expect_eq([{"9": "SIGKILL", "15": "SIGTERM"}[e["fields"]["sig"]] for e in sent], sigs,
                    f"{v}: tracefs signals")
        r.expect_eq((k.get("signal"), k.get("last_signal"), k.get("signals")),
                    (sigs[0], sigs[-1], len(sigs)), f"{v}: signals")
        if sent:
            r.expect_near(inc.get("kill_ts_ns"), sent[0]["ts"], f"{v}: kill_ts_ns")
        ex = r.trace.of("sched_process_exit", v)
        if ex:
            r.expect_near(inc.get("exit_ts_ns"), ex[0]["ts"], f"{v}: exit_ts_ns")
        kret = [e["fields"]["ret"] for e in r.trace.of("sys_process_mrelease_exit")
                if e["tid"] == killer]
        r.expect_eq(kret, rets, f"{v}: tracefs process_mrelease returns vs the fixture's")
        calls = (inc.get("mrelease") or {}).get("list", [])
        r.expect_eq([c["ret"] for c in calls], rets, f"{v}: the tool's process_mrelease returns")
        kent = [e["ts"] for e in r.trace.of("sys_process_mrelease_enter") if e["tid"] == killer]
        kex = [e["ts"] for e in r.trace.of("sys_process_mrelease_exit") if e["tid"] == killer]
        for c, en, x in zip(calls, kent, kex):
            r.expect_near(c.get("enter_ts_ns"), en, f"{v}: a call's entry")
            r.expect_near(c.get("exit_ts_ns"), x, f"{v}: a call's return")
        anon = (inc.get("rss_at_kill_bytes") or {}).get("anon", 0) >> 20
        want = 32 if v == v1 else 16
        r.expect(want <= anon <= want + 4, f"{v}: anon at the kill {anon} MiB, fixture touched "
                 f"{want} MiB")
        fails = [x for x in rets if x not in (0, -3)]
        r.expect(inc.get("outcome") != "mrelease_failed" or (fails and 0 not in rets),
                 f"{v}: outcome {inc.get('outcome')} with returns {rets}")
    inc2 = r.the_incident(v2) if v2 else None
    if inc2:
        r.expect_eq(rets2[:1], [-22], "a handled SIGTERM: process_mrelease EINVAL")


def cgroup2_mount():
    """Where a cgroup2 hierarchy is mounted (the unified one beside v1's
    controllers, or the only one), or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            pre, _, post = line.partition(" - ")
            if post.split()[:1] == ["cgroup2"]:
                return pre.split()[4]
    return None


def scenario_kg(r):
    """Kg: a userspace killer's cgroup.kill, as systemd-oomd and Meta's oomd
    kill (the real systemd-oomd is proven in a guest: tests/vm/oomd_guest.py).
    The ukiller fixture (-g) puts three children in a cgroup2 directory of
    its own and writes "1" to its cgroup.kill, then process_mrelease on each:
    one kill event, three victims, the cgroup written named.  The harness
    then writes another directory's cgroup.kill itself (python is no
    killer): no incident.  Checked against tracefs signal_generate (the
    sender and each victim) and the directory's own inode (its kernfs id)."""
    r.setup_common(512)
    mnt = cgroup2_mount()
    if not r.expect(mnt, "a cgroup2 mount (for cgroup.kill)"):
        return
    uk = r.fx("ukiller")
    dirs = []
    for name in ("victims", "bystanders"):
        d = os.path.join(mnt, f"{r.tag}-{name}")
        os.mkdir(d)
        r.stack.callback(lambda d=d: (wait_for(lambda: not open(f"{d}/cgroup.procs").read(), 15,
                                               f"{d} to empty"), os.rmdir(d)))
        dirs.append(d)
    if not os.path.exists(os.path.join(dirs[0], "cgroup.kill")):
        r.expect(False, "cgroup.kill in a cgroup2 directory (5.14+)")
        return
    r.trace.enable("signal/signal_generate", "sig == 9")
    if not r.args.ground_truth_only:
        r.tool = Tool(r.args.tool, r.memcg.rel, extra=["--mrelease", "--killer", f"ukiller={uk}"])
        r.stack.callback(r.tool.stop)
    # the bystanders: two sleepers the harness kills through cgroup.kill
    sl = []
    for _ in range(2):
        p = subprocess.Popen(["sh", "-c", f'echo $$ > "{r.memcg.dir}/cgroup.procs" && '
                              f'echo $$ > "{dirs[1]}/cgroup.procs" && exec sleep 600'])
        r.stack.callback(p.kill)
        sl.append(p)
    wait_for(lambda: len(open(f"{dirs[1]}/cgroup.procs").read().split()) == 2, 10,
             "the bystanders in their cgroup")
    p = subprocess.run(["sh", "-c", f'echo $$ > "{r.memcg.dir}/cgroup.procs" && exec "$@"', "sh",
                        uk, "-g", dirs[0], "-n", "3", "-s", "16"],
                       capture_output=True, text=True, timeout=60)
    r.expect_eq(p.returncode, 0, f"ukiller -g: exit status ({p.stderr.strip()})")
    victims = [int(v) for v in re.findall(r"^victim (\d+)$", p.stdout, re.M)]
    rets = [0 if int(m.group(1)) == 0 else -int(m.group(2))
            for m in re.finditer(r"^mrelease ret=(-?\d+) errno=(\d+)$", p.stdout, re.M)]
    oomlab.write_file(f"{dirs[1]}/cgroup.kill", "1")
    for q in sl:
        q.wait(timeout=10)
    note(f"Kg: ukiller's cgroup.kill victims {victims} (mrelease {rets}); the harness's "
         f"cgroup.kill of {[q.pid for q in sl]}")
    r.expect_eq(len(victims), 3, "the fixture named its three victims")
    by_victim = {}
    for v in victims:
        ev = [e for e in r.trace.of("signal_generate", v) if e["fields"].get("res") == "0"]
        by_victim[v] = ev
        r.expect_eq(len(ev), 1, f"{v}: one SIGKILL in tracefs")
    for q in sl:
        r.expect(r.trace.of("signal_generate", q.pid), f"{q.pid}: the harness's SIGKILL in tracefs")
    if not r.tool:
        return
    r.expect_incidents_of(victims, "the fixture's three victims (the harness's cgroup.kill "
                          "is none)")
    rel = "/" + os.path.relpath(dirs[0], mnt)
    ino = os.stat(dirs[0]).st_ino
    events, index = set(), []
    for v in victims:
        inc = r.the_incident(v)
        if not inc:
            continue
        k = inc.get("killer") or {}
        ck = k.get("cgroup_kill") or {}
        ev = by_victim.get(v) or [{}]
        r.expect_eq((inc.get("kind"), k.get("name"), k.get("method")),
                    ("userspace", "ukiller", "cgroup.kill"), f"{v}: kind, killer, method")
        r.expect_eq(k.get("tgid"), ev[0].get("tid"), f"{v}: killer (signal_generate's sender)")
        r.expect_eq((ck.get("cgroup"), ck.get("cgroup_id"), ck.get("cgroup_truncated")),
                    (rel, ino, False), f"{v}: the cgroup written (path, kernfs id = inode)")
        if ev[0].get("ts"):
            r.expect_near(inc.get("kill_ts_ns"), ev[0]["ts"], f"{v}: kill_ts_ns")
        events.add(ck.get("event_id"))
        index.append(ck.get("event_victim"))
        calls = (inc.get("mrelease") or {}).get("list", [])
        r.expect_eq(len(calls), 1, f"{v}: its one process_mrelease call")
    r.expect(len(events) == 1 and None not in events, f"one kill event for the write: {events}")
    r.expect_eq(sorted(index), [1, 2, 3], "event_victim numbers the write's victims")


def scenario_kc(r):
    """Kc: a memory killer told by its cgroup (--killer-cgroup), for a killer
    no executable tells: nohang is a Python script, its processes run the
    interpreter (the real nohang is proven in a guest:
    tests/vm/oomd_guest.py).  The killer here is a shell whose kill(2)
    comes from a cgroup2 directory of the test's (root's, cgroup.procs
    0644).  Checked against tracefs signal_generate and the directory's
    inode (its kernfs id, which the kernel's cgroup id is):
      - its kill is an incident, the killer named by its cgroup, exe null;
      - the same shell outside the directory: no incident;
      - the directory made writable by anyone (delegated): refused in one
        line on stderr, and a kill from it is no incident; made root's
        again: told again;
      - removed and made again (a unit's restart: a new id): the tool
        follows it, and a kill from the new one is an incident;
      - a second killer cgroup whose parent is not there at start (Debian's
        nohang runs in hostcritical.slice, which systemd makes as it starts
        the unit): parent and cgroup made later, the tool tells its kill."""
    r.setup_common(512)
    mnt = cgroup2_mount()
    if not r.expect(mnt, "a cgroup2 mount (for the killer's cgroup)"):
        return
    # each in a slice of its own, as units are: the tool watches only the
    # ancestors its killers' paths need
    kparent = os.path.join(mnt, f"{r.tag}.slice")
    kdir = os.path.join(kparent, "killer.service")
    rel = "/" + os.path.relpath(kdir, mnt)
    # the later one: its parent is made only after the tool started
    lparent = os.path.join(mnt, f"{r.tag}-later.slice")
    ldir = os.path.join(lparent, "killer.service")
    lrel = "/" + os.path.relpath(ldir, mnt)

    def rm_dir(d):
        if os.path.isdir(d):
            wait_for(lambda: not open(f"{d}/cgroup.procs").read(), 15, f"{d} to empty")
            os.rmdir(d)

    def rm_kdir():
        rm_dir(kdir)
    os.mkdir(kparent)
    r.stack.callback(rm_dir, kparent)
    os.mkdir(kdir)
    r.stack.callback(rm_kdir)
    r.stack.callback(rm_dir, lparent)   # after ldir's (a stack)
    r.stack.callback(rm_dir, ldir)
    r.trace.enable("signal/signal_generate", "sig == 9")
    if not r.args.ground_truth_only:
        r.tool = Tool(r.args.tool, r.memcg.rel, extra=["--killer-cgroup", f"shkiller={rel}",
                                                       "--killer-cgroup", f"later={lrel}"])
        r.stack.callback(r.tool.stop)

    def victim():
        p = subprocess.Popen(["sh", "-c", f'echo $$ > "{r.memcg.dir}/cgroup.procs" && '
                              "exec sleep 600"])
        r.stack.callback(p.kill)
        wait_for(lambda: "sleep" in (oomlab.read_file(f"/proc/{p.pid}/comm", "") or ""), 10,
                 "the victim to exec")
        return p

    def kill_from(cg, p):
        """A shell, in cg (None: where the harness is), SIGKILLs p: its pid."""
        join = f'echo $$ > "{cg}/cgroup.procs" && ' if cg else ""
        k = subprocess.run(["sh", "-c", f"{join}echo $$; kill -9 {p.pid}"],
                           capture_output=True, text=True, timeout=30)
        r.expect_eq(k.returncode, 0, f"the killer shell's exit status ({k.stderr.strip()})")
        p.wait(timeout=10)
        return int(k.stdout.split()[0]) if k.stdout.split() else None

    def said(pattern):
        """The tool said a line matching pattern on stderr (waited for)."""
        if not r.tool:
            return True
        try:
            return bool(r.tool.proc.expect(pattern, 10, "err"))
        except Fail:
            return False

    runs = []   # (victim, killer shell's pid, expected: an incident, the dir's id then)
    v = victim()
    runs.append((v.pid, kill_from(kdir, v), True, os.stat(kdir).st_ino))
    v = victim()
    runs.append((v.pid, kill_from(None, v), False, None))
    os.chmod(f"{kdir}/cgroup.procs", 0o666)
    r.expect(said(rf"--killer-cgroup shkiller={re.escape(rel)}: its cgroup\.procs is writable "
                  r"by anyone: .*its kills are not told"),
             "the tool said the cgroup, made writable by anyone, is refused")
    v = victim()
    runs.append((v.pid, kill_from(kdir, v), False, None))
    os.chmod(f"{kdir}/cgroup.procs", 0o644)
    r.expect(said(rf"memory killer shkiller: cgroup {re.escape(rel)} is id "
                  rf"{os.stat(kdir).st_ino} now"), "the tool took the cgroup back")
    v = victim()
    runs.append((v.pid, kill_from(kdir, v), True, os.stat(kdir).st_ino))
    old = os.stat(kdir).st_ino
    rm_kdir()
    os.mkdir(kdir)
    new = os.stat(kdir).st_ino
    r.expect(new != old, f"the directory made again has a new id ({old} -> {new})")
    r.expect(said(rf"memory killer shkiller: cgroup {re.escape(rel)} is id {new} now"),
             "the tool followed the cgroup made again to its new id")
    v = victim()
    runs.append((v.pid, kill_from(kdir, v), True, new))
    os.mkdir(lparent)
    os.mkdir(ldir)
    r.expect(said(rf"memory killer later: cgroup {re.escape(lrel)} is id "
                  rf"{os.stat(ldir).st_ino} now"),
             "the tool found the cgroup whose parent was made after it started")
    v = victim()
    runs.append((v.pid, kill_from(ldir, v), True, os.stat(ldir).st_ino))
    note(f"Kc: (victim, killer shell, an incident?, cgroup id) {runs}")
    for vp, kp, _, _ in runs:
        ev = [e for e in r.trace.of("signal_generate", vp) if e["fields"].get("res") == "0"]
        r.expect_eq([e["tid"] for e in ev], [kp], f"{vp}: tracefs: one SIGKILL, from {kp}")
    if not r.tool:
        return
    want = [vp for vp, _, inc, _ in runs if inc]
    r.expect_incidents_of(want, "the kills from the root-owned cgroup only")
    for n, (vp, kp, _, _) in enumerate(runs):
        inc = r.the_incident(vp) if vp in want else None
        if not inc:
            continue
        k = inc.get("killer") or {}
        name, path = ("later", lrel) if n == len(runs) - 1 else ("shkiller", rel)
        r.expect_eq((inc.get("kind"), k.get("name"), k.get("recognised_by"), k.get("cgroup"),
                     k.get("exe"), k.get("method"), k.get("tgid"), k.get("comm")),
                    ("userspace", name, "cgroup", path, None, "kill", kp, "sh"),
                    f"{vp}: the killer")
        ev = [e for e in r.trace.of("signal_generate", vp) if e["fields"].get("res") == "0"]
        if ev:
            r.expect_near(inc.get("kill_ts_ns"), ev[0]["ts"], f"{vp}: kill_ts_ns")


def scenario_km(r):
    """Km: a userspace killer's process_mrelease waits for the victim's
    mmap_lock (recipe C's lock: a /proc/PID/mem reader held in a FUSE read,
    a clear_refs writer queued behind it).  The ukiller fixture (-p)
    SIGKILLs the victim and calls process_mrelease, which sleeps in the
    lock until the harness answers the FUSE read.  The tool must picture
    the busy lock at the call's entry (holder the reader, first waiter the
    writer, their stacks), and time the call as tracefs does.  The real
    earlyoom is proven in the guests; this is the same kill sequence."""
    r.setup_common(128)
    r.setup_fuse()
    v, pid, m = victim_setup(r, ["-p", r.fuse.file])
    addr = int(m.group(2), 16)
    reader = r.spawn("procpoke-mem", [r.fx("procpoke"), "mem", str(pid), hex(addr + 64 * 1024)])
    rpid = reader.ready_pid()
    r.fuse.held_by(rpid, 10)
    r.wait_asleep_in(rpid, "request_wait_answer", 10, "/proc/PID/mem reader")
    writer = r.spawn("procpoke-clear_refs", [r.fx("procpoke"), "clear_refs", str(pid)])
    wtid = writer.ready_pid()
    r.wait_blocked(wtid, None, 10, "clear_refs writer")
    uk = r.fx("ukiller")
    r.trace.enable("syscalls/sys_enter_process_mrelease")
    r.trace.enable("syscalls/sys_exit_process_mrelease")
    r.trace.enable("signal/signal_generate", "sig == 9")
    if not r.args.ground_truth_only:
        r.tool = Tool(r.args.tool, r.memcg.rel, extra=["--mrelease", "--killer", f"ukiller={uk}"])
        r.stack.callback(r.tool.stop)
    k = r.spawn("ukiller", [uk, "-p", str(pid)])
    k.expect(rf"^victim {pid}$", 10)
    ent = wait_for(lambda: [e for e in r.trace.of("sys_process_mrelease_enter")
                            if e["tid"] == k.pid], 10, "the fixture's process_mrelease entry")
    # its read lock waits behind the queued writer, killable (D in /proc)
    r.wait_blocked(k.pid, None, 10, "the fixture's process_mrelease")
    waited_from = mono_ns()
    r.fuse.release()
    out = k.expect(r"^mrelease ret=(-?\d+) errno=(\d+)$", 15)
    ret = 0 if int(out.group(1)) == 0 else -int(out.group(2))
    r.expect_eq(k.wait(10), 0, "ukiller exit status")
    r.expect_eq(v.wait(10), -signal.SIGKILL, "victim exit status")
    ex = wait_for(lambda: [e for e in r.trace.of("sys_process_mrelease_exit")
                           if e["tid"] == k.pid], 5, "the call's return in tracefs")
    dur = ex[0]["ts"] - ent[0]["ts"]
    note(f"Km: victim {pid}, reader {rpid}, writer {wtid}; process_mrelease returned {ret} "
         f"after {ms(dur)} (the FUSE read answered {ms(waited_from - ent[0]['ts'])} in)")
    r.expect(dur >= waited_from - ent[0]["ts"], "the call returned after the lock was freed")
    if not r.tool:
        return
    r.tool.wait_incident(pid, 10)
    r.finish_tool()
    inc = r.the_incident(pid)
    if not inc:
        return
    k_ = inc.get("killer") or {}
    r.expect_eq((inc.get("kind"), k_.get("name"), k_.get("method")),
                ("userspace", "ukiller", "kill"), "kind, killer, method")
    calls = (inc.get("mrelease") or {}).get("list", [])
    r.expect_eq([c.get("ret") for c in calls], [ret], "the tool's process_mrelease returns")
    if calls:
        r.expect_near(calls[0].get("enter_ts_ns"), ent[0]["ts"], "the call's entry")
        r.expect_near(calls[0].get("exit_ts_ns"), ex[0]["ts"], "the call's return")
        # this machine's rung is the tracepoint one: no lock/unmap split
        r.expect_eq((calls[0].get("lock_wait_ns"), calls[0].get("unmap_ns")), (None, None),
                    "lock wait and unmap: null on the tracepoint rung")
    # one picture, at the call's entry: the reader holds, the writer waits
    r.expect_eq(inc.get("blocker_events"), 1, "one picture: the call found the lock busy")
    bl = inc.get("blockers") or []
    for b in bl:
        h = b.get("holder") or {}
        r.expect_eq(h.get("pid"), rpid, "blocker holder pid (the /proc/PID/mem reader)")
        r.expect_eq((h.get("mode"), h.get("hint")), ("read", True), "holder mode, hint")
        r.expect("__access_remote_vm" in frames(h), f"holder stack {frames(h)}")
        w = b.get("waiters") or [{}]
        r.expect_eq((w[0].get("pid"), w[0].get("mode")), (wtid, "write"), "first waiter")
        r.expect("clear_refs_write" in frames(w[0]), f"writer stack {frames(w[0])}")
        note(f"Km: picture: holder {h.get('pid')}, waiters "
             + ",".join(f"{x.get('pid')}/{x.get('mode')}" for x in b.get("waiters") or []))
    r.expect_eq([(b.get("first_attempt"), b.get("count")) for b in bl], [(1, 1)],
                "the picture numbers the first call")
    verdict = inc.get("blocker_verdict") or ""
    r.expect(verdict.startswith(f"process_mrelease found the lock busy 1x: mmap_lock held for "
                                f"read by {rpid} "), f"verdict {verdict!r}")


def scenario_kl(r):
    """Kl: a REPLICA of Android's lmkd kill sequence (lmkd cannot run on a
    Debian machine; the ukiller fixture's -L does what lmkd does): a
    process_mrelease(-1, 0) probe at start (EBADF: no victim, no
    incident, no failure counted), pidfd_send_signal(SIGKILL) to its child,
    then process_mrelease from a second thread named lmkd_reaper.  Checked
    against tracefs: the sender, the calls' threads and returns."""
    r.setup_common(256)
    uk = r.fx("ukiller")
    r.trace.enable("signal/signal_generate", "sig == 9")
    r.trace.enable("syscalls/sys_enter_process_mrelease")
    r.trace.enable("syscalls/sys_exit_process_mrelease")
    if not r.args.ground_truth_only:
        r.tool = Tool(r.args.tool, r.memcg.rel, extra=["--mrelease", "--killer", f"lmkd={uk}"])
        r.stack.callback(r.tool.stop)
    p = subprocess.run(["sh", "-c", f'echo $$ > "{r.memcg.dir}/cgroup.procs" && exec "$@"', "sh",
                        uk, "-L", "-s", "16"], capture_output=True, text=True, timeout=60)
    r.expect_eq(p.returncode, 0, f"ukiller -L: exit status ({p.stderr.strip()})")
    probe = re.search(r"^probe ret=(-?\d+) errno=(\d+)$", p.stdout, re.M)
    v = re.search(r"^victim (\d+)$", p.stdout, re.M)
    rets = [0 if int(m.group(1)) == 0 else -int(m.group(2))
            for m in re.finditer(r"^mrelease ret=(-?\d+) errno=(\d+)$", p.stdout, re.M)]
    r.expect(probe and probe.group(2) == "9", f"the probe's EBADF: {p.stdout!r}")
    if not r.expect(v, "the replica named its victim"):
        return
    victim = int(v.group(1))
    sent = [e for e in r.trace.of("signal_generate", victim) if e["fields"].get("res") == "0"]
    exits = r.trace.of("sys_process_mrelease_exit")
    note(f"Kl: lmkd replica's victim {victim}; calls from threads "
         f"{[(e['tid'], e['fields'].get('ret')) for e in exits]}")
    if not r.tool:
        return
    r.expect_incidents_of([victim], "one, the probe is none")
    inc = r.the_incident(victim)
    if not inc:
        return
    k = inc.get("killer") or {}
    r.expect_eq((k.get("name"), k.get("method")), ("lmkd", "pidfd_send_signal"),
                "killer name, method (pidfd_send_signal)")
    r.expect_eq(k.get("tgid"), sent[0]["tid"] if sent else None, "killer (the sender in tracefs)")
    calls = (inc.get("mrelease") or {}).get("list", [])
    r.expect_eq([c.get("ret") for c in calls], rets, "the victim's calls: the probe not among them")
    for c in calls:
        caller = c.get("caller") or {}
        r.expect_eq((caller.get("comm"), caller.get("tgid")), ("lmkd_reaper", k.get("tgid")),
                    "the call came from the lmkd_reaper thread of the killer")
        r.expect(caller.get("pid") != k.get("pid"), "a thread other than the one that signalled")
    r.expect_eq((inc.get("mrelease") or {}).get("failed"), sum(1 for x in rets if x),
                "failed calls: the victim's only")


def scenario_kr(r):
    """Kr: a container runtime's kill is no memory kill.  The real runc
    (Debian's, as podman runs it) starts a container (a static busybox
    sleeping) in a cgroup below this scenario's memcg, then
    `runc kill --all ID KILL` (cgroup.kill where the cgroup is v2; on this
    machine's v1 memcg one kill(2) per process).  tracefs shows runc's
    SIGKILL; the tool, with a killer registered, must report nothing."""
    r.setup_common(256)
    runc = shutil.which("runc")
    busybox = shutil.which("busybox")
    if not r.expect(runc and busybox, "runc and busybox installed (scripts/install-deps.sh)"):
        return
    uk = r.fx("ukiller")
    b = tempfile.mkdtemp(prefix=r.tag + "-bundle")
    r.stack.callback(shutil.rmtree, b, True)
    os.makedirs(f"{b}/rootfs/bin")
    shutil.copy(busybox, f"{b}/rootfs/bin/busybox")
    subprocess.run([runc, "spec"], cwd=b, check=True, timeout=30)
    with open(f"{b}/config.json") as f:
        spec = json.load(f)
    spec["process"].update(args=["/bin/busybox", "sleep", "600"], terminal=False)
    spec["root"]["readonly"] = True
    spec["linux"]["cgroupsPath"] = f"{r.memcg.rel}/ctr"
    with open(f"{b}/config.json", "w") as f:
        json.dump(spec, f)
    rc = [runc, "--root", f"{b}/state"]
    cid = r.tag.lower()
    r.trace.enable("signal/signal_generate", "sig == 9")
    if not r.args.ground_truth_only:
        r.tool = Tool(r.args.tool, r.memcg.rel, extra=["--killer", f"ukiller={uk}"])
        r.stack.callback(r.tool.stop)
    # runc makes the container's cgroup below this memcg's path in every v1
    # hierarchy; the memcg's own close removes the memory one, this the rest
    def rm_parents():
        for d in glob.glob(f"/sys/fs/cgroup/*{r.memcg.rel}"):
            if os.path.realpath(d) != os.path.realpath(r.memcg.dir):
                with contextlib.suppress(OSError):
                    os.rmdir(d)
    r.stack.callback(rm_parents)
    # registered first: whatever happens below, the container and its cgroups go
    r.stack.callback(lambda: subprocess.run(rc + ["delete", "--force", cid],
                                            capture_output=True, timeout=30))
    # the container's stdio is runc's: files, or a pipe would never end
    with open(f"{b}/run.log", "w+") as log:
        p = subprocess.run(rc + ["run", "-d", "--pid-file", f"{b}/pid", cid], cwd=b,
                           stdin=subprocess.DEVNULL, stdout=log, stderr=log, timeout=60)
        log.seek(0)
        why = log.read().strip()
    if not r.expect_eq(p.returncode, 0, f"runc run ({why})"):
        return
    cpid = int(open(f"{b}/pid").read())
    # its cgroup is runc's own, below the memcg: only read here
    procs = (read_file(f"{r.memcg.dir}/ctr/cgroup.procs", "") or "").split()
    r.expect(str(cpid) in procs, f"the container's process {cpid} in {r.memcg.rel}/ctr")
    p = subprocess.run(rc + ["kill", "--all", cid, "KILL"], capture_output=True, text=True,
                       timeout=30)
    r.expect_eq(p.returncode, 0, f"runc kill ({p.stderr.strip()})")
    sent = wait_for(lambda: [e for e in r.trace.of("signal_generate", cpid)
                             if e["fields"].get("res") == "0"], 10, "runc's SIGKILL in tracefs")
    wait_for(lambda: not os.path.exists(f"/proc/{cpid}/stat") or
             (task_state(cpid)[0] in ("Z", "X")), 10, "the container's process to die")
    note(f"Kr: runc killed the container's process {cpid} (sender {sent[0]['task']}, "
         f"tid {sent[0]['tid']})")
    r.expect(sent[0]["task"].startswith("runc"), f"the sender is runc: {sent[0]['task']!r}")
    if not r.tool:
        return
    r.expect_incidents_of([], "a runtime's kill is none")


SCENARIOS = {
    "A": ("A-victim-exits", scenario_a),
    "B2": ("B2-reaped", scenario_b2),
    "C2": ("C2-gave-up", lambda r: scenario_c(r, False)),
    "C1": ("C1-gave-up-inside-writer", lambda r: scenario_c(r, True)),
    "Cp": ("C2-partial", scenario_c_partial),
    "Cm": ("C2-mid-loop", scenario_c_mid_loop),
    "Bj": ("B2-joined", scenario_b2_joined),
    "S": ("S-storm-ratelimited", scenario_storm),
    "K": ("K-userspace-killer", scenario_k),
    "Kg": ("K-cgroup-kill", scenario_kg),
    "Kc": ("K-killer-cgroup", scenario_kc),
    "Km": ("K-mrelease-waits", scenario_km),
    "Kl": ("K-lmkd-replica", scenario_kl),
    "Kr": ("K-runc-kill", scenario_kr),
    "D": ("D-deep-cgroups", scenario_d),
    "Du": ("D-deep-cgroups-unrolled", lambda r: scenario_d(r, unrolled=True)),
}
