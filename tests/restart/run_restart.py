#!/usr/bin/env python3
"""Restarts that lose nothing: `oomreap-trace --pin DIR` on this machine's kernel.

The e2e scenarios (tests/e2e/scenarios.py, their ground truth and their checks
of the incident reused as they are), with every tool started with --pin on a
bpffs this test mounts, and the tool restarted in the middle of an incident:

  R-B2-term     SIGTERM between the kill and its reap (recipe B2), start again,
                each time the systemd unit's command line under its
                capability bounding set:
                the incident comes out once, whole, held to the same kernel
                lines as an uninterrupted run (outcome, attempts, failures,
                freed pages within 2%), and not incomplete;
  R-B2-gap      SIGTERM after B2's kill, the next start only once the reaper
                has woken, reaped and finished: the reap is read from the
                pinned ring buffer, the incident as whole;
  R-C2-term     the same during the reaper's failed attempts (recipe C2),
                twice: the second time two attempts come while no process
                reads;
  R-C2-kill     SIGKILL during those attempts, start again: nothing was
                saved; the incident joins halfway (its identity from the
                kernel log), comes out once, and the new process says so;
  R-C2-full     the same gap with a ring buffer of one page (--ring-size),
                filled as the gap begins by 32 SIGKILLed sleepers' exits:
                the gap's attempts do not fit, the kernel keeps the oldest
                events and counts the rest; the
                new process says how many were lost, the incident says it
                is incomplete, and every attempt the kernel made and the
                incident lacks is among the events counted lost;
  R-other-build a pin directory left by another build (its identity's object
                hash, then its ABI, changed): replaced, said, its links
                detached, and a kill traced by the new set; another
                --ring-size on an adopted set: the pinned size kept, said;
  R-killer-cgroup a --killer-cgroup set pinned, its cgroup made again
                (a new id) before the next start adopts it: the pinned
                slot holds the new id, and a kill from it is told;
  R-bad-dirs    not on bpffs, unrelated pins, a symlink, writable by others,
                damaged: one-line errors, nothing of theirs touched; --unpin.

Each tool also writes a Prometheus textfile: the incidents and kills the
tools count, summed over the restart, equal what they printed and what the
kernel killed (nothing lost, nothing doubled).

Needs root (as tests/e2e, plus a bpffs mount of its own and bpftool).  Not
root: skipped, a failure under CI=true / OOMREAP_E2E_REQUIRE=1.  Takes the
machine-wide e2e lock.  Last line: "N passed, N failed, N skipped".
"""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
import oomlab  # noqa: E402
import scenarios as e2e  # noqa: E402  (tests/e2e: its scenarios, run with tools on --pin)
import harness  # noqa: E402  (the verdict and the runner every Python layer shares)
import kerneltruth  # noqa: E402  (the kernel's lines)
import promtext  # noqa: E402  (the textfiles, parsed strictly)
from oomlab import Fail, note, wait_for  # noqa: E402

REPO = oomlab.REPO
TOOL = os.environ.get("OOMREAP_TRACE", f"{REPO}/build/oomreap-trace")
FIXTURES = os.environ.get("OOMREAP_FIXTURES", f"{REPO}/build/fixtures")
STALE_MNT = re.compile(r"^oomreap-restart-(\d+)-bpffs$")
# struct pin_identity (src/live/pin_impl.h): where the object hash and the ABI sit
ID_ABI_OFF, ID_HASH_OFF = 20, 24


class Args:
    tool = TOOL
    fixtures = FIXTURES
    repeat = 1
    ground_truth_only = False


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, **kw)


class Bpffs:
    """A bpffs mounted for this run (its pins vanish with it)."""

    def __init__(self):
        self.mnt = f"/tmp/oomreap-restart-{os.getpid()}-bpffs"
        os.makedirs(self.mnt, exist_ok=True)
        r = run(["mount", "-t", "bpf", "bpf", self.mnt])
        if r.returncode:
            os.rmdir(self.mnt)
            raise Fail(f"cannot mount bpffs: {r.stderr.strip()}")

    def close(self):
        run(["umount", "-l", self.mnt])
        with contextlib.suppress(OSError):
            os.rmdir(self.mnt)


def remove_stale():
    """A SIGKILLed run's bpffs (its pid gone): unmounted, its links with it."""
    for n in os.listdir("/tmp"):
        m = STALE_MNT.match(n)
        if m and not os.path.exists(f"/proc/{m.group(1)}"):
            run(["umount", "-l", f"/tmp/{n}"])
            with contextlib.suppress(OSError):
                os.rmdir(f"/tmp/{n}")


def prom_samples(path):
    """A textfile's samples (promtext); None: no file."""
    try:
        with open(path) as f:
            return promtext.parse_exposition(f.read())[0]
    except FileNotFoundError:
        return None


def prom_sum(path, family):
    """The sum of a counter family's samples in a textfile; None: no file."""
    s = prom_samples(path)
    return None if s is None else sum(v for (n, _), v in s.items() if n == family)


def prom_by_label(path, family, label):
    out = {}
    for (n, labels), v in (prom_samples(path) or {}).items():
        if n == family and dict(labels).get(label) is not None:
            out[dict(labels)[label]] = out.get(dict(labels)[label], 0) + v
    return out


class PinRun:
    """An e2e Run whose tools all take --pin DIR and a textfile of their own,
    and restart at the scenario's "killed" checkpoint."""

    def __init__(self, sid, fs, tag, bounding=None, user=None, unit=False, extra=()):
        """extra: more options for every tool; bounding: run every tool with only these capabilities in its
        bounding set (setpriv), as the systemd unit does; user: --user;
        unit: the systemd unit's own command line and bounding set instead
        (unit_command())."""
        args = type("RunArgs", (Args,), {})
        self.tmp = tempfile.mkdtemp(prefix=f"oomreap-restart-{os.getpid()}-{tag}-")
        self.pin = os.path.join(fs.mnt, tag)
        unit_args = None
        if unit:
            unit_args, bounding = unit_command(self.pin, os.path.join(self.tmp, "unit.prom"))
        if user:
            os.chmod(self.tmp, 0o777)   # the textfiles, written as that user
        if bounding:
            args.tool = os.path.join(self.tmp, "tool")
            with open(args.tool, "w") as f:
                f.write(f"#!/bin/sh\nexec setpriv --bounding-set=-all,{bounding} {TOOL} \"$@\"\n")
            os.chmod(args.tool, 0o755)
        self.r = e2e.Run(sid, args, 1)
        self.ntools = 0
        self.killed = []   # indices of tools stopped by SIGKILL
        self.select = None  # the tools' selection (None: the run's memcg)
        def tool(binary, rel, extra=(), select=None):
            self.ntools += 1
            prom = os.path.join(self.tmp, f"tool{self.ntools}.prom")
            if unit_args:
                # the unit's own options, its textfile one per tool
                return e2e.Tool(binary, rel, extra=[prom if a.endswith("unit.prom") else a
                                                    for a in unit_args], select=select)
            # --interval 1: a rewrite each second, each after a drain of the
            # ring buffer (what R-C2-kill waits on before its SIGKILL)
            return e2e.Tool(binary, rel, extra=list(extra) + [f"--prom-textfile={prom}",
                                                              "--interval=1"],
                            select=select)
        self.r.make_tool = tool
        self.r.tool_extra = (("--pin", self.pin) + ((f"--user={user}",) if user else ())
                             + tuple(extra))
        if unit_args:
            self.r.tool_extra = tuple(unit_args)

    def restart(self, how, gap=None, at_gap=None):
        """Stop the tool (SIGTERM or SIGKILL) and start another on the same
        pins; gap: (condition, what) to wait for in between, while no
        process reads (its events queue in the pinned ring buffer); at_gap:
        called once the first tool is gone, before that wait."""
        r = self.r
        old = r.tool
        if how == "term":
            os.kill(old.proc.pid, signal.SIGTERM)
            rc = old.proc.wait(15)
            old.rc = rc if rc is not None else "hung after SIGTERM"
            old.proc.rc = old.rc
            r.expect_eq(old.rc, 0, "first tool's exit status after SIGTERM")
        else:
            old.proc.kill()
            old.rc = old.proc.rc = -signal.SIGKILL
            self.killed.append(self.ntools)
        r.old_tools.append(old)
        r.tool = None
        if at_gap:
            at_gap()
        if gap:
            wait_for(gap[0], 10, gap[1])
        r.start_tool(select=self.select)

    def drained(self, what):
        """Wait until the running tool has drained its ring buffer since now:
        each textfile rewrite (--interval 1) follows a drain, so the second
        rewrite from now drained after now.  Returns its textfile."""
        prom = os.path.join(self.tmp, f"tool{self.ntools}.prom")
        seen = []

        def rewritten_twice():
            with contextlib.suppress(FileNotFoundError):
                m = os.stat(prom).st_mtime_ns
                if not seen or seen[-1] != m:
                    seen.append(m)
            return len(seen) >= 3
        wait_for(rewritten_twice, 5, f"two textfile rewrites by {what}")
        return prom

    def errs(self, i):
        tools = self.r.old_tools + [self.r.tool]
        return tools[i].proc.err if i < len(tools) and tools[i] else []

    def check_metrics(self, memcg_kills, lost_kills=0):
        """Summed over the tools: incidents by outcome = what they printed;
        kills = what the kernel killed in the memcg, less lost_kills: kills
        whose events a full ring buffer refused (counted among the lost)."""
        r = self.r
        printed = {}
        for t in r.old_tools + [r.tool]:
            for inc in t.incidents():
                printed[inc.get("outcome")] = printed.get(inc.get("outcome"), 0) + 1
        counted, kills = {}, 0
        for i in range(1, self.ntools + 1):
            path = os.path.join(self.tmp, f"tool{i}.prom")
            k = prom_sum(path, "oomreap_kills_total")
            if k is None:
                r.expect(i in self.killed, f"tool {i} wrote no textfile")
                continue
            kills += k
            for o, n in prom_by_label(path, "oomreap_incidents_total", "outcome").items():
                if n:
                    counted[o] = counted.get(o, 0) + n
        r.expect_eq(counted, {k: float(v) for k, v in printed.items()},
                    "oomreap_incidents_total summed over the restart vs incidents printed")
        r.expect_eq(kills, float(memcg_kills - lost_kills),
                    "oomreap_kills_total summed over the restart vs the kernel's kills"
                    + (f" less {lost_kills} lost" if lost_kills else ""))
        note(f"{r.sid}: metrics over {self.ntools} tools: incidents {counted}, kills {kills:g}")

    def close(self):
        try:
            self.r.close()
        finally:
            if os.path.isdir(self.pin):
                u = run([TOOL, "--unpin", self.pin])
                self.r.expect(u.returncode == 0 and not os.path.exists(self.pin),
                              f"--unpin {self.pin}: rc {u.returncode} {u.stderr.strip()}")
            shutil.rmtree(self.tmp, ignore_errors=True)


UNIT = f"{REPO}/deploy/systemd/oomreap-trace.service"


def unit_command(pin, textfile):
    """The systemd unit's ExecStart= options and CapabilityBoundingSet=, as
    setpriv takes it.  What is the node's and not this test's is translated
    (as tests/package runs it): the bpffs directory (this host may have no
    bpffs at /sys/fs/bpf) and the textfile."""
    import shlex
    text = open(UNIT).read()
    argv = shlex.split(re.search(r"^ExecStart=(.+)$", text, re.M).group(1))
    caps = re.search(r"^CapabilityBoundingSet=(.+)$", text, re.M).group(1).split()
    if "--pin" not in argv:
        raise Fail("the unit's ExecStart has no --pin")
    out = []
    for a in argv[1:]:
        if a.startswith("/sys/fs/bpf/"):
            a = pin
        elif a.endswith(".prom"):
            a = textfile
        out.append(a)
    return out, ",".join("+" + c.lower().removeprefix("cap_") for c in caps)


def kernel_kills(r):
    return len(r.trace.of("mark_victim"))


def handed_over(pr, i=0, lost_ok=False):
    """Tool i said it saved one incident, tool i+1 that it restored one
    (and, unless lost_ok, that nothing was lost in between)."""
    r = pr.r
    r.expect(any(re.search(r": 1 incident in flight saved in ", l) for l in pr.errs(i)),
             f"tool {i + 1} did not say it saved the incident: {pr.errs(i)[-4:]}")
    r.expect(any(re.search(r"adopted the pinned set in .*: 1 incident in flight restored", l)
                 for l in pr.errs(i + 1)),
             f"tool {i + 2} did not say it restored it: {pr.errs(i + 1)[-4:]}")
    bad = re.compile(r"replacing|stopped without saving|could not be restored"
                     + ("" if lost_ok else r"|lost while"))
    r.expect(not any(bad.search(l) for l in pr.errs(i + 1)),
             f"tool {i + 2}: {pr.errs(i + 1)[-4:]}")


def whole(r, pid):
    inc = r.the_incident(pid)
    if inc:
        r.expect_eq(inc.get("incomplete"), False, "incomplete (nothing lost over the restart)")
        r.expect_eq(inc.get("first_seen"), "kill", "first_seen")
        r.expect_eq(inc.get("identity_source"), "kill_event", "identity_source")
    return inc


def b2_restarted(pr, killed, then=None):
    """e2e's B2 with killed(r) at its "killed" checkpoint (the restart),
    then(), and what every restart of B2 must leave: the incident handed
    over, once and whole, the textfiles summed to the kernel's kills."""
    try:
        pr.r.hooks["killed"] = killed
        e2e.scenario_b2(pr.r)
        if then:
            then()
        handed_over(pr)
        pid = next((i["pid"] for i in pr.r.tool.incidents()), None)
        if pid:
            whole(pr.r, pid)
        pr.check_metrics(kernel_kills(pr.r))
    finally:
        pr.close()
    return pr.r


def scenario_b2_term(fs):
    # the systemd unit's command line and capabilities (no CAP_SYS_ADMIN
    # to adopt with)
    pr = PinRun("B2", fs, "b2", unit=True)
    return b2_restarted(
        pr, lambda r: pr.restart("term"),
        lambda: note("B2-term: each tool ran " + " ".join(pr.r.tool.argv[1:])
                     + " (the unit's command line), setpriv "
                     + open(pr.r.args.tool).read().split()[3]))


def scenario_b2_gap(fs):
    """SIGTERM after B2's kill; the next start only once the reaper has
    woken, reaped and finished: the reap is read from the ring buffer."""
    pr = PinRun("B2", fs, "b2gap")

    def reaped(r):
        pid = int(r.trace.of("mark_victim")[0]["fields"]["pid"])
        pr.restart("term", (lambda: r.trace.of("finish_task_reaping", pid),
                            "finish_task_reaping while no process reads"))
        fin = r.trace.of("finish_task_reaping", pid)[0]["ts"]
        r.expect(fin < r.tool.proc.t_exec, "the reap was not in the gap")
    return b2_restarted(pr, reaped)


def scenario_c2_term(fs):
    # the DaemonSet's --user: the save at SIGTERM comes after the drop
    pr = PinRun("C2", fs, "c2", user="65534:65534")
    state = {}

    def mid_loop(r):
        pid = r.trace.of("mark_victim")[0]["fields"]["pid"]
        state["pid"] = int(pid)
        # Both restarts must fall in the reaper's loop, 10 attempts 100 ms
        # apart: the first one begins at its first attempt.  (At its third,
        # with both CPUs taken by qemu guests, the second restart once began
        # at the 9th attempt and waited for two more that never came.)
        wait_for(lambda: len(r.trace.of("skip_task_reaping", int(pid))) >= 1, 10,
                 "1 skip_task_reaping")
        state["skips_at_first"] = len(r.trace.of("skip_task_reaping", int(pid)))
        pr.restart("term")
        # two more attempts while no process reads: queued, then drained
        n = len(r.trace.of("skip_task_reaping", int(pid)))
        state["skips_at_restart"] = n
        pr.restart("term", (lambda: len(r.trace.of("skip_task_reaping", int(pid))) >= n + 2,
                            f"2 skip_task_reaping while no process reads (from {n} of 10)"))
    try:
        pr.r.hooks["killed"] = mid_loop
        e2e.scenario_c(pr.r, False)
        handed_over(pr)
        handed_over(pr, 1)
        if "pid" in state:
            whole(pr.r, state["pid"])
            note(f"C2-term: restarted after {state['skips_at_first']} of 10 failed attempts, "
                 f"then after {state['skips_at_restart']} with 2 more queued in between")
            pr.r.expect(state["skips_at_restart"] < 10,
                        f"the restart came after the loop ({state['skips_at_restart']} skips)")
        pr.check_metrics(kernel_kills(pr.r))
    finally:
        pr.close()
    return pr.r


def scenario_c2_kill(fs):
    """SIGKILL mid-loop: no save.  The kill and the attempts the first process
    had read are gone with it; the rest, queued, open the incident again,
    which takes the kernel log's word for who the victim was."""
    pr = PinRun("C2", fs, "c2kill")
    r = pr.r
    try:
        v, pid, g, gpid, wdesc = e2e.c_setup(r, False)  # noqa: F841
        # Joined halfway, the incident may have no cgroup (the kernel's
        # oom-kill line, which would give it, is ratelimited): select by pid.
        pr.select = ["--pid", str(pid)]
        r.start_tool(select=pr.select)
        g.send("go")
        ev, kl = r.kernel_kill(pid)
        # The kill does not wake the reader: make sure it was read (and so
        # dies with the process) before the SIGKILL.  (The reaper's first
        # attempt comes 2 s after the kill: room for two rewrites.)
        pr.drained("the first tool")
        wait_for(lambda: len(r.trace.of("skip_task_reaping", pid)) >= 3, 10,
                 "3 skip_task_reaping")
        pr.restart("kill")
        after = len(r.trace.of("skip_task_reaping", pid))
        if after >= 10:
            raise Fail(f"the SIGKILL came after the reaper's loop ({after} skips): "
                       "nothing in flight to lose")
        wait_for(lambda: len(r.trace.of("skip_task_reaping", pid)) >= 10, 10,
                 "10 skip_task_reaping")
        r.kmsg.wait(kerneltruth.UNABLE_LINE, pid, 5, f'kmsg "unable to reap pid:{pid}"')
        gev, gkl = r.kernel_kill(gpid)
        r.fuse.release()
        r.expect_eq(v.wait(10), -signal.SIGKILL, "victim exit status")
        r.tool.wait_incident(pid, 10)
        r.finish_tool()
        r.expect(any("stopped without saving" in l for l in pr.errs(1)),
                 f"second tool did not say the first stopped without saving: {pr.errs(1)[-4:]}")
        r.expect(not pr.r.old_tools[0].incidents(), "the killed tool printed an incident")
        r.expect(any(re.search(r": 1 incident continued from a process that stopped without "
                               r"saving", l) for l in pr.errs(1)),
                 f"second tool did not count the incident it continued: {pr.errs(1)[-4:]}")
        inc = r.the_incident(pid)
        if inc:
            r.expect_eq(inc.get("outcome"), "gave_up", "outcome")
            r.expect_eq(inc.get("incomplete"), True, "incomplete (its start was read by "
                        "the killed process)")
            r.expect_eq(inc.get("identity_source"), "kernel_log", "identity_source")
            r.expect_eq(inc.get("comm"), kl.group("comm"), "comm (kernel log)")
            r.expect_eq(inc.get("uid"), int(kl.group("uid")), "uid (kernel log)")
            r.expect_eq(inc.get("first_seen"), "skip", "first_seen")
            tl = [t for t in inc.get("timeline") or [] if t.get("event") == "skip"]
            r.expect(10 - after <= len(tl) <= 10 and
                     all(t.get("reason") == "trylock_failed" for t in tl),
                     f"timeline skips {len(tl)}: want {10 - after}..10, all trylock_failed")
            note(f"C2-kill: victim {pid}: SIGKILL after 3..{after} of 10 skips; the new "
                 f"process saw {len(tl)}, outcome {inc.get('outcome')}, identity from "
                 f"{inc.get('identity_source')}")
        pr.check_metrics(len(r.trace.of("mark_victim", pid)))
    finally:
        pr.close()
    return r


LOST_RX = re.compile(r": (\d+) events lost while no process read them \(ring buffer full\)$")


FILLERS = 32  # SIGKILLed sleepers: 32 unmarked exit events, 4.5 KiB, more than a page


def scenario_c2_full(fs):
    """C2 restarted at the reaper's first failed attempt, with a ring buffer
    of one page and the next start only after its tenth.  As the gap
    begins the harness SIGKILLs 32 sleepers of its own: each exit is an
    event (an unmarked exit, held for a kill that might follow), 4.5 KiB
    in all, so the page is full before the reaper's next attempt, whatever
    the first tool drained on its way out.  (Without them the gap's nine
    attempts, a skip event and a 1 KiB blocker picture each, filled the
    page so nearly that the last skip fitted or not depending on when the
    first tool stopped reading: 9 or 10 of 10 seen, 2026-12.)  A skip the
    ring refuses takes no picture (its program stops there): one lost
    event per missing attempt.  A BPF ring
    buffer keeps what it holds and refuses what comes after: the incident
    keeps its first attempts and loses the gap's; the tool counts each
    refusal and says so."""
    page = os.sysconf("SC_PAGESIZE")
    pr = PinRun("C2", fs, "c2full", extra=("--ring-size", str(page)))
    r = pr.r
    try:
        fillers = [subprocess.Popen(["sleep", "600"]) for _ in range(FILLERS)]
        for f in fillers:
            r.stack.callback(f.kill)

        at_start = []

        def fill():
            at_start.append(len(r.trace.of("skip_task_reaping", pid)))
            for f in fillers:
                f.kill()
            for f in fillers:
                f.wait(10)
        v, pid, g, gpid, wdesc = e2e.c_setup(r, False)  # noqa: F841
        r.start_tool()
        g.send("go")
        ev, kl = r.kernel_kill(pid)
        wait_for(lambda: len(r.trace.of("skip_task_reaping", pid)) >= 1, 10,
                 "1 skip_task_reaping")
        # The gap lasts to the reaper's give-up and the OOM killer's next
        # kill (the trigger: the victim now has MMF_OOM_SKIP), so that all
        # the gap loses is lost before the next process counts it.
        pr.restart("term", (lambda: len(r.trace.of("skip_task_reaping", pid)) >= 10
                            and r.trace.of("mark_victim", gpid),
                            "the tenth skip_task_reaping and the trigger's kill while no "
                            "process reads"), at_gap=fill)
        first = at_start[0] if at_start else None
        r.kmsg.wait(kerneltruth.UNABLE_LINE, pid, 5, f'kmsg "unable to reap pid:{pid}"')
        gev, gkl = r.kernel_kill(gpid)
        r.expect_eq(g.wait(10), -signal.SIGKILL, "trigger exit status")
        # the victim's exit must find room: the new process has drained
        prom = pr.drained("the second tool")
        r.fuse.release()
        r.expect_eq(v.wait(10), -signal.SIGKILL, "victim exit status")
        r.tool.wait_incident(pid, 10)
        r.finish_tool()
        # the first process lost nothing; the second says what the gap lost
        r.expect(any(re.search(r"events lost: 0\b", l) for l in pr.errs(0)),
                 f"first tool's summary: {pr.errs(0)[-2:]}, want events lost: 0")
        said = [int(m.group(1)) for m in map(LOST_RX.search, pr.errs(1)) if m]
        r.expect(len(said) == 1 and said[0] >= 1,
                 f"second tool did not say what the gap lost: {pr.errs(1)[-6:]}")
        lost = said[0] if said else 0
        handed_over(pr, lost_ok=True)
        kskips = r.trace.of("skip_task_reaping", pid)
        r.expect_eq(len(kskips), 10, "kernel: skip_task_reaping")
        inc = r.the_incident(pid)
        if inc:
            r.check_identity(inc, kl, pid, trigger=gpid, incomplete=True)
            seen = r.timeline(inc, "skip")
            r.expect(all(t.get("reason") == "trylock_failed" for t in seen),
                     f"timeline skip reasons {[t.get('reason') for t in seen]}")
            # the ring refused the gap's attempts, not the ones the first tool read
            r.expect(1 <= len(seen) < 10, f"timeline has {len(seen)} of the kernel's 10 skips: "
                     "nothing was lost, or not even the first tool's")
            # each attempt the kernel made that the incident lacks is a lost
            # event (a refused skip takes no picture: its program stops at
            # the refusal), and so is at least one of the sleepers' exits
            # (4.5 KiB of them)
            r.expect((10 - len(seen)) + 1 <= lost,
                     f"{10 - len(seen)} skips missing from the timeline, {lost} events "
                     "counted lost: want each missing skip and an exit that did not fit")
            # its end was lost: the kernel's "unable to reap" line says how it ended
            r.expect_eq((inc.get("outcome"), inc.get("outcome_source"), inc.get("ended_unseen")),
                        ("gave_up", "kernel_log", True), "outcome, outcome_source, ended_unseen")
            r.expect_eq(inc.get("attempts"), len(seen), "attempts (those it saw)")
            note(f"C2-full: victim {pid}, ring {page} B: {first} skips by the gap's start "
                 f"(tracefs); the incident has {len(seen)} of 10 skips, outcome "
                 f"{inc.get('outcome')}, attempts {inc.get('attempts')}; the new process "
                 f"counted {lost} events lost in the gap")
        # the textfile and the exit summary count the same loss, nothing after it
        r.expect_eq(prom_sum(prom, "oomreap_events_lost_total"), float(lost),
                    "second tool's oomreap_events_lost_total")
        # ... and its exit says how large the buffer was: the adopted one's size
        r.expect(any(l.endswith(f": {lost} events lost: ring buffer full ({page >> 10} KiB; "
                                "--ring-size sets it)") for l in pr.errs(1)),
                 f"second tool's loss at exit: {pr.errs(1)[-8:]}")
        summ = [l for l in pr.errs(1) if l.startswith("  trylock failures:")]
        r.expect(summ and re.search(rf"events lost: {lost}\b", summ[-1]),
                 f"second tool's summary: {summ[-1:]}, want events lost: {lost}")
        # The trigger's kill came once the ring was full: its events fit in
        # what the refused pictures left, or were lost with them.
        tinc = [i for t in r.old_tools + [r.tool] for i in t.incidents() if i.get("pid") == gpid]
        r.expect(len(tinc) <= 1, f"{len(tinc)} incidents for the trigger {gpid}")
        # a kill counts when its event was read or its "Killed process" line
        # joined it (identity_source), as the metrics count it
        counted = bool(tinc) and tinc[0].get("identity_source") in ("kill_event", "kernel_log")
        r.expect(counted or lost >= 1, "the trigger's kill unseen and no loss counted")
        note(f"C2-full: the trigger's kill was {'counted' if counted else 'lost'}"
             + (f" (its incident: first seen {tinc[0].get('first_seen')}, identity from "
                f"{tinc[0].get('identity_source')})" if tinc else " (no incident)"))
        pr.check_metrics(kernel_kills(r), lost_kills=0 if counted else 1)
    finally:
        pr.close()
    return r


def identity_bytes(path):
    out = json.loads(run(["bpftool", "-j", "map", "dump", "pinned", path]).stdout)
    return bytes(int(b, 16) for b in out[0]["value"])


def fake_identity(pin, off, delta):
    """Replace DIR/identity with a copy whose u32/u64 at off differs: what
    another build would have pinned."""
    path = os.path.join(pin, "identity")
    val = bytearray(identity_bytes(path))
    val[off] ^= delta
    os.unlink(path)
    r = run(["bpftool", "map", "create", path, "type", "array", "key", "4", "value",
             str(len(val)), "entries", "1", "name", "oomreap_pin_id"])
    if r.returncode:
        raise Fail(f"bpftool map create: {r.stderr.strip()}")
    r = run(["bpftool", "map", "update", "pinned", path, "key", "0", "0", "0", "0", "value",
             *[str(b) for b in val]])
    if r.returncode:
        raise Fail(f"bpftool map update: {r.stderr.strip()}")


def link_ids(pin):
    ids = []
    for n in sorted(os.listdir(pin)):
        if n.startswith("link_"):
            out = run(["bpftool", "-j", "link", "show", "pinned", os.path.join(pin, n)])
            ids.append(json.loads(out.stdout)["id"])
    return ids


def scenario_other_build(fs):
    """Two starts on a set another build pinned (object hash, then ABI): each
    replaces it, says why, the old links are gone, and a kill (recipe A) is
    traced by the new set."""
    pin = os.path.join(fs.mnt, "other")
    r = e2e.Run("A", Args, 1)
    r.sid = "other-build"
    try:
        t = oomlab.Tool(["--pin", pin, "--no-summary"], binary=TOOL, text=True)
        r.expect_eq(t.stop(), 0, "first tool's exit status")
        for what, off, want in (("hash", ID_HASH_OFF, "another build's BPF object"),
                                ("abi", ID_ABI_OFF, "wire ABI")):
            fake_identity(pin, off, 0x5a)
            old = link_ids(pin)
            r.expect(len(old) >= 5, f"pinned links {old}")
            r.tool_extra = ("--pin", pin)
            r.old_tools.clear()
            if what == "hash":
                e2e.scenario_a(r)   # its checks: the kill traced whole by the new set
                errs = r.tool.proc.err
            else:
                t = oomlab.Tool(["--pin", pin, "--no-summary"], binary=TOOL, text=True)
                r.expect_eq(t.stop(), 0, "tool's exit status")
                errs = t.err
            r.expect(any(re.search(rf"replacing the pinned set \(pinned .*{want}", l)
                         for l in errs), f"{what}: replacement not said: {errs[-4:]}")
            gone = [i for i in old
                    if run(["bpftool", "link", "show", "id", str(i)]).returncode == 0]
            r.expect(not gone, f"{what}: old links still attached: {gone}")
            new = link_ids(pin)
            r.expect(new and not set(new) & set(old), f"{what}: new links {new}, old {old}")
            note(f"other-build ({what}): old links {old} detached, new {new}")
        # options the set was loaded with: another --mrelease (other programs
        # attached), another killer list (another map): replaced, said
        for extra, want in ((["--mrelease"], "pinned without --mrelease"),
                            (["--mrelease", "--killer", f"fake={TOOL}"], "pinned with other memory killers")):
            old = link_ids(pin)
            t = oomlab.Tool(["--pin", pin, "--no-summary", *extra], binary=TOOL, text=True)
            r.expect_eq(t.stop(), 0, f"{extra[-1]}: tool's exit status")
            r.expect(any(want in l for l in t.err), f"{extra[-1]}: replacement not said: "
                     f"{t.err[-4:]}")
            new = link_ids(pin)
            r.expect(new and not set(new) & set(old), f"{extra[-1]}: new links {new}, old {old}")
        # a set forced to a rung is not what --attach auto asks for (auto
        # chooses afresh); one auto chose is adopted by --attach of its rung
        u = run([TOOL, "--unpin", pin])
        r.expect(u.returncode == 0, f"--unpin: {u.stderr.strip()}")
        # first on the empty directory: loaded and pinned, nothing replaced;
        # then auto on that forced set: replaced; then --attach tracepoint on
        # the set auto chose (tracepoint here): adopted, nothing replaced
        for args, want in ((["--attach", "tracepoint"], None),
                           ([], "(--attach tracepoint), --attach auto asked"),
                           (["--attach", "tracepoint"], None)):
            t = oomlab.Tool(["--pin", pin, "--no-summary", *args], binary=TOOL, text=True)
            r.expect_eq(t.stop(), 0, f"{args or 'auto'}: tool's exit status")
            said = [l for l in t.err if "replacing the pinned set" in l]
            if want:
                r.expect(any(want in l for l in said), f"auto on a forced set: {said or t.err[-3:]}")
            else:
                r.expect(not said, f"{args}: replaced: {said}")
        # --ring-size: the size a set is created with stays, said when another
        # is asked (replacing the buffer would lose what it queued)
        u = run([TOOL, "--unpin", pin])
        r.expect(u.returncode == 0, f"--unpin: {u.stderr.strip()}")
        page = os.sysconf("SC_PAGESIZE")
        for ring, want in ((2 * page, None), (4 * page, f"holds {2 * page >> 10} KiB, not the "
                                                       f"{4 * page >> 10} KiB --ring-size asks")):
            t = oomlab.Tool(["--pin", pin, "--no-summary", "--ring-size", str(ring)],
                            binary=TOOL, text=True)
            r.expect_eq(t.stop(), 0, f"--ring-size {ring}: tool's exit status")
            said = [l for l in t.err if "pinned ring buffer" in l]
            r.expect(bool(said) == bool(want) and all(want in l for l in said),
                     f"--ring-size {ring}: {said or t.err[-3:]}, want {want!r}")
            info = json.loads(run(["bpftool", "-j", "map", "show", "pinned",
                                   os.path.join(pin, "map_events")]).stdout or "{}")
            r.expect_eq(info.get("max_entries"), 2 * page,
                        f"--ring-size {ring}: the pinned ring buffer's size")
    finally:
        r.close()
        if os.path.isdir(pin):
            u = run([TOOL, "--unpin", pin])
            r.expect(u.returncode == 0, f"--unpin: {u.stderr.strip()}")
    return r


def scenario_killer_cgroup(fs):
    """A --killer-cgroup set pinned, its cgroup made again while no process
    reads (a unit's restart: a new id), the set adopted by the next start:
    the pinned .bss's killer cgroup slot then holds the new id (bpftool's
    dump of it), and a kill from the new cgroup is an incident told by it,
    its sender the shell tracefs shows."""
    pin = os.path.join(fs.mnt, "kcg")
    r = e2e.Run("Kc", Args, 1)
    r.sid = "killer-cgroup"
    mnt = e2e.cgroup2_mount()
    kdir = os.path.join(mnt or "/nonexistent", f"oomreap-restart-{os.getpid()}-killer")
    rel = "/" + os.path.relpath(kdir, mnt or "/")
    args = ["--pin", pin, "--no-summary", "--killer-cgroup", f"rk={rel}"]
    victim = None

    def cgroup_entries():
        """The killer cgroups' slots in the pinned .bss (struct
        oomreap_killer_cgroups, as bpftool formats it from the BTF):
        [(name, path, id)] below n."""
        dump = run(["bpftool", "-j", "map", "dump", "pinned", os.path.join(pin, "map_bss")])
        for ent in json.loads(dump.stdout or "[]"):
            for var in ((ent.get("formatted") or {}).get("value") or {}).get(".bss", []):
                kc = var.get("killer_cgroups") if isinstance(var, dict) else None
                if kc:
                    return [(kc["name"][i], kc["path"][i], kc["id"][i]) for i in range(kc["n"])]
        return None
    try:
        if not r.expect(mnt, "a cgroup2 mount (for the killer's cgroup)"):
            return r
        r.setup_common(64)    # the tracefs instance (and a memcg, unused)
        os.mkdir(kdir)
        first = os.stat(kdir).st_ino
        t = e2e.Tool(TOOL, None, extra=args, select=[])
        r.stack.callback(t.stop)
        r.expect_eq(cgroup_entries(), [("rk", rel, first)], "the pinned .bss's killer cgroups, "
                    "first start")
        r.expect_eq(t.stop(), 0, "first tool's exit status")
        os.rmdir(kdir)
        os.mkdir(kdir)
        new = os.stat(kdir).st_ino
        r.expect(new != first, f"the cgroup made again has a new id ({first} -> {new})")
        r.trace.enable("signal/signal_generate", "sig == 9")
        t = e2e.Tool(TOOL, None, extra=args, select=[])
        r.stack.callback(t.stop)
        r.expect(not [ln for ln in t.proc.err if "replacing the pinned set" in ln],
                 f"the set was replaced, not adopted: {t.proc.err[-3:]}")
        r.expect_eq(cgroup_entries(), [("rk", rel, new)], "the pinned .bss's killer cgroups "
                    "once adopted")
        victim = subprocess.Popen(["sleep", "600"])
        oomlab.wait_for(lambda: "sleep" in (oomlab.read_file(f"/proc/{victim.pid}/comm", "")
                                            or ""), 10, "the victim to exec")
        k = subprocess.run(["sh", "-c", f'echo $$ > "{kdir}/cgroup.procs" && echo $$ && '
                            f"kill -9 {victim.pid}"], capture_output=True, text=True, timeout=30)
        victim.wait(timeout=10)
        sender = int(k.stdout.split()[0]) if k.stdout.split() else None
        ev = [e for e in r.trace.of("signal_generate", victim.pid)
              if e["fields"].get("res") == "0"]
        r.expect_eq([e["tid"] for e in ev], [sender], "tracefs: the SIGKILL from the shell")
        inc = t.incident_of(victim.pid, 10)[0]
        kl = inc.get("killer") or {}
        r.expect_eq((inc.get("kind"), kl.get("name"), kl.get("recognised_by"), kl.get("cgroup"),
                     kl.get("exe"), kl.get("tgid")),
                    ("userspace", "rk", "cgroup", rel, None, sender),
                    "the adopting process's incident: the killer told by its new cgroup")
        r.expect_eq(t.stop(), 0, "second tool's exit status")
    except oomlab.Fail as e:
        r.expect(False, str(e))
    finally:
        if victim and victim.poll() is None:
            victim.kill()
            victim.wait()
        r.close()
        if os.path.isdir(pin):
            u = run([TOOL, "--unpin", pin])
            r.expect(u.returncode == 0, f"--unpin: {u.stderr.strip()}")
        if os.path.isdir(kdir):
            oomlab.wait_for(lambda: not open(f"{kdir}/cgroup.procs").read(), 15,
                            f"{kdir} to empty")
            os.rmdir(kdir)
    return r


def scenario_bad_dirs(fs):
    r = e2e.Run("bad", Args, 1)
    r.sid = "bad-dirs"
    tmp = tempfile.mkdtemp(prefix=f"oomreap-restart-{os.getpid()}-plain-")
    made = []

    def refused(args, rx, what):
        p = run([TOOL, *args, "-d", "1"] if args[0] == "--pin" else [TOOL, *args])
        lines = [l for l in p.stderr.splitlines() if l.strip()]
        r.expect(p.returncode == 2 and len(lines) == 1 and re.search(rx, lines[0]),
                 f"{what}: rc {p.returncode}, stderr {lines}, want rc 2 and one line /{rx}/")
        note(f"bad-dirs: {what}: {lines[0] if lines else ''}")
    try:
        refused(["--pin", os.path.join(tmp, "x")], r"not on a bpffs mount", "not on bpffs")
        # unrelated: a map of someone else's in the directory
        unrel = os.path.join(fs.mnt, "unrelated")
        os.mkdir(unrel, 0o700)
        made.append(unrel)
        foreign = os.path.join(unrel, "theirs")
        c = run(["bpftool", "map", "create", foreign, "type", "array", "key", "4", "value", "8",
                 "entries", "1", "name", "theirs"])
        r.expect(c.returncode == 0, f"bpftool map create: {c.stderr.strip()}")
        refused(["--pin", unrel], r'not an oomreap-trace pin directory \(it holds "theirs"\)',
                "unrelated pins")
        refused(["--unpin", unrel], r"not an oomreap-trace pin directory", "--unpin unrelated")
        # a hostile name: the error is still one line
        hostile = os.path.join(unrel, "a\nb\x1b[31m")
        os.rename(foreign, hostile)
        refused(["--pin", unrel], r'it holds "a\?b\?\[31m"', "a hostile name")
        os.rename(hostile, foreign)
        r.expect(os.path.exists(foreign), "the unrelated pin was removed")
        # a symlink to a good directory
        link = os.path.join(fs.mnt, "alias")
        good = os.path.join(fs.mnt, "good")
        t = oomlab.Tool(["--pin", good, "--no-summary"], binary=TOOL, text=True)
        r.expect_eq(t.stop(), 0, "tool on a fresh DIR: exit status")
        os.symlink(good, link)
        made.append(link)
        refused(["--pin", link], r"a symlink is refused", "symlink")
        # writable by others
        os.chmod(good, 0o777)
        refused(["--pin", good], r"writable by others", "mode 0777")
        os.chmod(good, 0o700)
        # a symlink in the set (bpffs has them): an adoption would follow it
        os.rename(os.path.join(good, "state"), os.path.join(good, "map_saved_state"))
        os.symlink("map_events", os.path.join(good, "state"))
        refused(["--pin", good], r'it holds a symlink "state"', "a symlink among the pins")
        os.unlink(os.path.join(good, "state"))
        os.rename(os.path.join(good, "map_saved_state"), os.path.join(good, "state"))
        # damaged: a link gone
        victim = next(n for n in sorted(os.listdir(good)) if n.startswith("link_"))
        os.unlink(os.path.join(good, victim))
        refused(["--pin", good], rf"damaged: {victim} is missing", "a link unpinned")
        # damaged: pins without an identity
        os.unlink(os.path.join(good, "identity"))
        refused(["--pin", good], r"damaged: pins without an identity", "no identity")
        u = run([TOOL, "--unpin", good])
        r.expect(u.returncode == 0 and not os.path.exists(good),
                 f"--unpin damaged: rc {u.returncode} {u.stderr.strip()}")
        refused(["--unpin", good], r"No such file", "--unpin again")
        # two processes, one DIR
        t = oomlab.Tool(["--pin", good, "--no-summary"], binary=TOOL, text=True)
        try:
            refused(["--pin", good], r"in use by another oomreap-trace", "a second process")
        finally:
            r.expect_eq(t.stop(), 0, "tool holding DIR: exit status")
        u = run([TOOL, "--unpin", good])
        r.expect(u.returncode == 0, f"--unpin: {u.stderr.strip()}")
        # not root
        nobody = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", TOOL,
                      "--pin", good])
        r.expect(nobody.returncode != 0 and len(nobody.stderr.strip().splitlines()) >= 1,
                 f"not root: rc {nobody.returncode}")
    finally:
        for p in made:
            with contextlib.suppress(OSError):
                if os.path.islink(p):
                    os.unlink(p)
                else:
                    for n in os.listdir(p):
                        os.unlink(os.path.join(p, n))
                    os.rmdir(p)
        shutil.rmtree(tmp, ignore_errors=True)
    return r


SCENARIOS = {
    "R-B2-term": scenario_b2_term,
    "R-B2-gap": scenario_b2_gap,
    "R-C2-term": scenario_c2_term,
    "R-C2-kill": scenario_c2_kill,
    "R-C2-full": scenario_c2_full,
    "R-other-build": scenario_other_build,
    "R-killer-cgroup": scenario_killer_cgroup,
    "R-bad-dirs": scenario_bad_dirs,
}


def main():
    names = sys.argv[1:] or list(SCENARIOS)
    for n in names:
        if n not in SCENARIOS:
            print(f"unknown scenario {n!r} (any of {', '.join(SCENARIOS)})", file=sys.stderr)
            return 2
    oomlab.unwind_on_signals()
    res = harness.Runner()
    skip = (oomlab.preflight(fuse=True, events=("oom/wake_reaper",), tool=False)
            or (None if shutil.which("bpftool") else "no bpftool"))
    if not skip and not os.access(TOOL, os.X_OK):
        skip = f"tool {TOOL} not built (make)"
    if skip:
        for n in names:
            res.skip(n, skip)
        return res.close()
    lock = oomlab.exclusive()
    oomlab.remove_stale(oomlab.E2E_STALE_RX, also=("/tmp",))
    remove_stale()
    oomlab.ensure_fixtures(FIXTURES)
    fs = Bpffs()
    try:
        for n in names:
            def scenario(v, n=n):
                v.failures.extend(SCENARIOS[n](fs).failures)
            try:
                res.run(n, scenario)
            except KeyboardInterrupt:
                return res.interrupted(n)
    finally:
        fs.close()
        lock.close()
    return res.close()

if __name__ == "__main__":
    sys.exit(main())
