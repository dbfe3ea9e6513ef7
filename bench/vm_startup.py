#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Start-up and memory beside the nearest peer, libbpf-tools' `oomkill`,
in one qemu guest where every attach rung works (Debian 12's 6.12 kernel,
as in the kernel matrix), in the same guest and the same run.

  g. For each arm: exec -> the line that says the tracer is attached
     (oomreap-trace: its "ready (attach=...)" line, which comes after
     every program is attached, the outputs are open and privileges are
     dropped; oomkill: its "Tracing OOM kills..." header, printed right
     after its skeleton's attach and its buffer's setup), its peak RSS
     (VmHWM) and steady RSS (VmRSS) once idle, and the BPF memory it holds
     (memlock of its maps and programs, /proc/PID/fdinfo).  Arms:
     oomreap-trace on each rung (fentry, kprobe, tracepoint, auto), oomkill,
     the tracepoint rung with CO-RE against the whole kernel BTF instead of
     the tool's subset of it (OOMREAP_FULL_CORE_BTF=1: what the subset
     saves), and a floor: btf_floor (one libbpf parse of the kernel's BTF).  With --baseline, another static build of the
     tool too (base-<rung>), same guest, same rounds.

ROUNDS rounds after one warm-up round, the order of the arms rotating
every round; median and spread (min..max) of each.  Figures beside figures
of the same run, not a test: nothing here passes or fails on a number.

The guest is built the way tests/vm builds its guests (tests/lib/vmguest.py,
which the kernel matrix uses too: the kernel from Debian's archive through
apt, tests/vm/init, busybox, the static tool); oomkill comes from Debian 12's `libbpf-tools` package (its
libbpf is linked in), with the libraries it needs (libc6, libelf1, zlib1g)
from the same release, all fetched with `apt-get download` through a
private apt state and extracted into the guest, never installed.  Guests
share the kernel matrix's download cache (VMTEST_CACHE).

Usage: bench/vm_startup.py [--out build] [--rounds N] [--baseline STATIC_TOOL]
       [--json FILE]
"""

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import vmguest  # noqa: E402  (tests/lib: Debian's kernels and a qemu guest, as tests/vm boots them)

SERIES = "6.12"
# The peer and what it needs, from the same Debian release as the kernel.
PEER_SUITES = ("bookworm", "bookworm-security")
PEER_PKG = "libbpf-tools"
PEER_LIBS = ("libc6", "libelf1", "zlib1g")
RUNGS = ("fentry", "kprobe", "tracepoint", "auto")

SW_RX = re.compile(r"^@@SW arm=(\S+) (.*)$")
LINE_RX = re.compile(r"^@@SWLINE arm=(\S+) t_ms=([\d.]+) (.*)$")


def note(msg):
    print("# " + msg, file=sys.stderr, flush=True)


def fetch_peer(workdir):
    """The peer's .debs (cached with the kernels), extracted into a root
    for the guest.  Returns (root, version of the peer)."""
    opts = vmguest.apt_state(PEER_SUITES)
    root = os.path.join(workdir, "peer")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    version = None
    for pkg in (PEER_PKG,) + PEER_LIBS:
        deb = vmguest.fetch(pkg, "bench-peer", opts)
        if pkg == PEER_PKG:
            version = vmguest.run(["dpkg-deb", "-f", deb, "Version"]).strip()
            x = os.path.join(workdir, "peer-tools")
            shutil.rmtree(x, ignore_errors=True)
            vmguest.run(["dpkg-deb", "-x", deb, x])
            shutil.copy(os.path.join(x, "usr", "sbin", "oomkill"), os.path.join(root, "oomkill"))
        else:
            vmguest.run(["dpkg-deb", "-x", deb, os.path.join(root, "sysroot")])
    # only the shared objects and the loader: no locales, docs, gconv
    sysroot = os.path.join(root, "sysroot")
    for d in ("usr/share", "usr/lib/x86_64-linux-gnu/gconv", "usr/libexec", "etc", "sbin",
              "usr/bin", "usr/sbin"):
        shutil.rmtree(os.path.join(sysroot, d), ignore_errors=True)
    return root, version


def static_build(target, out):
    """A static link of a bench helper for the guest."""
    libs = vmguest.run("pkg-config --static --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz",
                      shell=True).split()
    src = os.path.join(HERE, target + ".c")
    vmguest.run(["gcc", "-D_GNU_SOURCE", "-O2", "-Wall", "-Wextra", "-static", "-o", out, src]
               + (libs if target == "btf_floor" else []))
    return out


def build_initramfs(k, workdir, tool, baseline, peer_root, peer_version, arms, rounds, traced):
    busybox = shutil.which("busybox") or "/bin/busybox"
    if not os.path.exists(busybox) or not vmguest.is_static_elf(busybox):
        raise vmguest.Failure("a static busybox is needed (apt-get install busybox-static)")
    root = os.path.join(workdir, "initramfs")
    shutil.rmtree(root, ignore_errors=True)
    # the peer's libraries where its loader looks for them
    shutil.copytree(os.path.join(peer_root, "sysroot"), root, symlinks=True)
    for d in ("bin", "dev", "proc", "sys", "tmp", "etc", "vmtest"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    shutil.copy(busybox, os.path.join(root, "bin", "busybox"))
    os.symlink("busybox", os.path.join(root, "bin", "sh"))
    shutil.copy(vmguest.GUEST_INIT, os.path.join(root, "init"))
    os.chmod(os.path.join(root, "init"), 0o755)
    v = os.path.join(root, "vmtest")
    shutil.copy(os.path.join(HERE, "vm_startup_guest.sh"), os.path.join(v, "guest.sh"))
    shutil.copy(tool, os.path.join(v, "oomreap-trace"))
    if baseline:
        shutil.copy(baseline, os.path.join(v, "oomreap-trace.base"))
    shutil.copy(os.path.join(peer_root, "oomkill"), os.path.join(v, "oomkill"))
    with open(os.path.join(v, "oomkill.version"), "w") as f:
        f.write(f"{PEER_PKG}={peer_version}\n")
    for helper in ("startwatch", "btf_floor"):
        static_build(helper, os.path.join(v, helper))
    with open(os.path.join(v, "config"), "w") as f:
        f.write(f'ROUNDS="{rounds}"\nARMS="{" ".join(arms)}"\nTRACE_ARMS="{" ".join(traced)}"\n')
    img = os.path.join(workdir, "initrd.cpio.gz")
    vmguest.run(f"cd '{root}' && find . | cpio -o -H newc --quiet | gzip -1 > '{img}'",
               shell=True)
    return img


def parse(text):
    """{arm: [result dicts of the counted rounds]}, {arm: [[(t_ms, line)] per
    counted round]}, infos, errors, {traced arm: (its result, trace lines)}."""
    res, lines, info, errors, traces = {}, {}, {}, [], {}
    rnd = -1
    cur = {}
    traced = None
    for raw in text.splitlines():
        line = raw.strip()
        m = re.match(r"^@@ROUND (\d+|trace)$", line)
        if m:
            rnd = int(m.group(1)) if m.group(1).isdigit() else -2
            traced = None
            continue
        if line.startswith("@@TRACE ") and traced:
            traces[traced][1].append(line[8:])
            continue
        m = re.match(r"^@@INFO (\w+)=(.*)$", line)
        if m:
            info[m.group(1)] = m.group(2).strip()
            continue
        m = LINE_RX.match(line)
        if m:
            cur.setdefault(m.group(1), []).append((float(m.group(2)), m.group(3)))
            continue
        m = SW_RX.match(line)
        if not m:
            continue
        arm, kvs = m.group(1), dict(kv.split("=", 1) for kv in m.group(2).split())
        seen = cur.pop(arm, [])
        if "error" in kvs:
            errors.append((rnd, arm, kvs["error"], seen[-5:]))
            continue
        if rnd == -2:
            traced = arm
            traces[arm] = ({k: float(v) for k, v in kvs.items()}, [])
            continue
        if rnd < 1:
            continue  # warm-up
        res.setdefault(arm, []).append({k: float(v) for k, v in kvs.items()})
        lines.setdefault(arm, []).append(seen)
    return res, lines, info, errors, traces


def stat(xs):
    return statistics.median(xs), min(xs), max(xs)


def fmt(xs, unit, scale=1.0, nd=0):
    med, lo, hi = stat([x * scale for x in xs])
    return f"{med:.{nd}f} {unit} ({lo:.{nd}f}..{hi:.{nd}f})"


def table(res, info, env):
    """The rows, in run_bench.py's form: (measure, ours, baseline, goal)."""
    rows = []
    peer = res.get("oomkill")
    pv = info.get("oomkill", "oomkill")
    if not peer:
        return rows
    p_ms = statistics.median(r["ready_ms"] for r in peer)
    for arm in [f"ort-{r}" for r in RUNGS] + [f"base-{r}" for r in RUNGS]:
        if arm not in res:
            continue
        rs = res[arm]
        ours = statistics.median(r["ready_ms"] for r in rs)
        who = "oomreap-trace" if arm.startswith("ort-") else "baseline build"
        verdict = (f"{ours - p_ms:+.0f} ms ({ours / p_ms:.2f}x)")
        rows.append((f"g. start-up, exec to attached ({who}: ready line; rung "
                     f"{arm.split('-', 1)[1]}), {env}, median of {len(rs)} (min..max)",
                     fmt([r["ready_ms"] for r in rs], "ms") + f"; {verdict} vs oomkill",
                     f"oomkill ({pv}): header line " + fmt([r["ready_ms"] for r in peer], "ms"),
                     "attached no later than oomkill"))
    if "fullcore-tracepoint" in res and "ort-tracepoint" in res:
        fc = res["fullcore-tracepoint"]
        sub = statistics.median(r["ready_ms"] for r in res["ort-tracepoint"])
        rows.append((f"g. start-up, rung tracepoint, CO-RE against the whole kernel BTF "
                     f"(OOMREAP_FULL_CORE_BTF=1), median of {len(fc)}",
                     fmt([r["ready_ms"] for r in fc], "ms"),
                     f"with the tool's CO-RE subset (as it runs): {sub:.0f} ms", "-"))
    for arm, what in (("btf-floor", "one libbpf parse of the kernel's BTF, then ready"),
                      ("probe", "`oomreap-trace probe`, exec to exit: BTF and features, "
                                "no program attached")):
        if arm in res:
            rows.append((f"g. start-up floor: {what}, median of {len(res[arm])}",
                         fmt([r["ready_ms"] for r in res[arm]], "ms"), "-", "-"))
    for arm in [f"ort-{r}" for r in RUNGS] + [f"base-{r}" for r in RUNGS]:
        if arm not in res:
            continue
        rs = res[arm]
        rows.append((f"g. memory once attached and idle, rung {arm.split('-', 1)[1]}"
                     + (" (baseline build)" if arm.startswith("base-") else "")
                     + f", median of {len(rs)}",
                     "peak RSS " + fmt([r["hwm_kib"] for r in rs], "MiB", 1 / 1024, 1)
                     + "; steady RSS " + fmt([r["rss_kib"] for r in rs], "MiB", 1 / 1024, 1)
                     + f"; BPF maps {statistics.median(r['map_kib'] for r in rs):.0f} KiB "
                       f"({statistics.median(r['maps'] for r in rs):.0f} maps), programs "
                       f"{statistics.median(r['prog_kib'] for r in rs):.0f} KiB "
                       f"({statistics.median(r['progs'] for r in rs):.0f})",
                     "oomkill: peak RSS " + fmt([r["hwm_kib"] for r in peer], "MiB", 1 / 1024, 1)
                     + "; steady RSS " + fmt([r["rss_kib"] for r in peer], "MiB", 1 / 1024, 1)
                     + f"; BPF maps {statistics.median(r['map_kib'] for r in peer):.0f} KiB "
                       f"({statistics.median(r['maps'] for r in peer):.0f} maps), programs "
                       f"{statistics.median(r['prog_kib'] for r in peer):.0f} KiB "
                       f"({statistics.median(r['progs'] for r in peer):.0f})",
                     "-"))
    if "btf-floor" in res:
        fl = res["btf-floor"]
        rows.append((f"g. memory floor: one libbpf parse of the kernel's BTF, median of {len(fl)}",
                     "peak RSS " + fmt([r["hwm_kib"] for r in fl], "MiB", 1 / 1024, 1), "-", "-"))
    return rows


BPF_CMDS = {0: "MAP_CREATE", 1: "MAP_LOOKUP_ELEM", 2: "MAP_UPDATE_ELEM", 5: "PROG_LOAD",
            10: "PROG_TEST_RUN", 12: "MAP_GET_NEXT_ID",
            13: "PROG_GET_FD_BY_ID", 14: "MAP_GET_FD_BY_ID", 15: "OBJ_GET_INFO_BY_FD",
            17: "RAW_TRACEPOINT_OPEN", 18: "BTF_LOAD", 19: "BTF_GET_FD_BY_ID",
            22: "MAP_FREEZE", 23: "BTF_GET_NEXT_ID", 28: "LINK_CREATE", 35: "PROG_BIND_MAP",
            36: "TOKEN_CREATE"}
TRACE_RX = re.compile(r"^(?P<comm>.+?)-(?P<tid>\d+)\s+\[\d+\]\s+(?:\S+\s+)?(?P<ts>[\d.]+):\s+"
                      r"(?P<ev>[\w]+)(?P<rest>.*)$")


GAP_MS = 4


def trace_summary(result, tlines):
    """Where a traced start-up went: time inside each kind of system call
    (bpf by command: PROG_LOAD is the verifier, LINK_CREATE and
    RAW_TRACEPOINT_OPEN attach, perf_event_open makes kprobes and
    tracepoint events), the files opened and when, and what is left: the
    tool's own work between calls (parsing BTF, relocating, its set-up)."""
    t0 = result["exec_mono_ms"]
    ready = result["ready_ms"]
    open_calls = {}
    per = {}
    opens = []
    seq = {}
    main_tid = None
    for l in tlines:
        m = TRACE_RX.match(l)
        if not m:
            continue
        t = float(m.group("ts")) * 1e3 - t0
        tid, ev, rest = m.group("tid"), m.group("ev"), m.group("rest")
        if t > ready:
            continue
        if ev == "open":
            nm = re.search(r'name="([^"]*)"', rest)
            opens.append((t, nm.group(1) if nm else "?"))
        elif ev.startswith("sys_") and rest.startswith("("):
            name = ev[4:]
            if name == "bpf":
                cm = re.search(r"cmd: ([0-9a-f]+)", rest)   # printed in hex
                c = int(cm.group(1), 16) if cm else -1
                name = "bpf " + BPF_CMDS.get(c, str(c))
            open_calls[tid] = (t, name)
            main_tid = main_tid or tid
        elif ev.startswith("sys_") and "->" in rest and tid in open_calls:
            t_in, name = open_calls.pop(tid)
            n, ms = per.get(name, (0, 0.0))
            per[name] = (n + 1, ms + t - t_in)
            if name == "openat":
                name = "open " + next((f for tt, f in reversed(opens) if tt >= t_in), "?")
            seq.setdefault(tid, []).append((t_in, t, name))
    inside = sum(ms for _, ms in per.values())
    # the longest stretches of the main thread outside every traced call
    gaps = []
    for tid, evs in seq.items():
        # the main thread from its exec; another from its first call
        last_t, last_what = (0.0, "exec") if tid == main_tid else (evs[0][0], "start")
        for t_in, t_out, what in evs:
            if t_in - last_t >= GAP_MS:
                gaps.append((t_in - last_t, last_t, last_what, what, tid))
            last_t, last_what = t_out, what
        if ready - last_t >= GAP_MS and tid == main_tid:
            gaps.append((ready - last_t, last_t, last_what, "ready", tid))
    # each read of the kernel's BTF: from its open to the main thread's next
    # bpf call (reading it 4 KiB a call, then parsing it)
    btf_reads = []
    evs = seq.get(main_tid, [])
    for i, (t_in, _, what) in enumerate(evs):
        if what == "open /sys/kernel/btf/vmlinux":
            nxt = next((e for e in evs[i + 1:] if e[2].startswith("bpf ")), None)
            if nxt:
                btf_reads.append((t_in, nxt[0] - t_in, nxt[2]))
    return {"ready_ms": ready, "calls": sorted(per.items(), key=lambda kv: -kv[1][1]),
            "inside_ms": inside, "opens": opens, "btf_reads": btf_reads,
            "gaps": sorted(gaps, key=lambda g: g[1])}


def timeline(lines, arm):
    """Median stamp of each of the arm's own lines that every round printed."""
    rounds = lines.get(arm) or []
    if not rounds:
        return []
    out = []
    for i, (_, text) in enumerate(rounds[0]):
        ts = [r[i][0] for r in rounds if len(r) > i and r[i][1] == text]
        if len(ts) == len(rounds):
            out.append((statistics.median(ts), text))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build"), help="build directory")
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_VM_ROUNDS", "7")))
    ap.add_argument("--baseline", help="another static build of the tool, measured beside it")
    ap.add_argument("--arms", help="which arms (default: every rung, oomkill, the floors)")
    ap.add_argument("--trace", default="ort-auto ort-tracepoint oomkill",
                    help="arms started once more with their system calls traced")
    ap.add_argument("--json", help="also write the rows and raw figures to this file")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench-oomkill: needs root (apt, qemu)", file=sys.stderr)
        return 1
    args.out = os.path.abspath(args.out)
    tool = os.path.join(args.out, "static", "oomreap-trace")
    if not vmguest.is_static_elf(tool):
        print(f"bench-oomkill: {tool} is not a static build", file=sys.stderr)
        return 1
    arms = (args.arms.split() if args.arms else
            ["oomkill"] + [f"ort-{r}" for r in RUNGS]
            + ([f"base-{r}" for r in RUNGS] if args.baseline else [])
            + ["fullcore-tracepoint", "btf-floor"])
    workdir = os.path.join(args.out, "bench", "vm")
    os.makedirs(workdir, exist_ok=True)
    vmguest.log_to(os.path.join(workdir, "matrix.log"))
    t0 = time.monotonic()
    k = vmguest.prepare_kernel(SERIES)
    peer_root, peer_version = fetch_peer(workdir)
    note(f"g: {k['rel']} guest, {PEER_PKG} {peer_version}, {args.rounds} rounds of "
         f"{' '.join(arms)}")
    initrd = build_initramfs(k, workdir, tool, args.baseline, peer_root, peer_version, arms,
                             args.rounds, args.trace.split())
    k.update(id="startup", smp=2)
    load0 = open("/proc/loadavg").read().split()[0]
    try:
        text, secs, how, logf = vmguest.boot(k, initrd, workdir)
    finally:
        vmguest.kill_guests()  # interrupted: no qemu outlives the bench
    load1 = open("/proc/loadavg").read().split()[0]
    note(f"g: guest done in {secs:.0f} s ({how}); console: {os.path.relpath(logf, ROOT)}")
    res, lines, info, errors, traces = parse(text)
    for rnd, arm, err, seen in errors:
        note(f"g: round {rnd}, {arm}: {err}; its last lines: "
             + " | ".join(t for _, t in seen))
    if "@@BENCH DONE" not in text:
        note(f"g: the guest did not finish ({how}); tail:\n{vmguest.tail(text)}\n"
             f"kernel console's tail:\n{vmguest.console_tail(logf)}")
    env = (f"{k['rel']} guest, {info.get('ncpu', '?')} vCPU TCG, host loadavg "
           f"{load0}..{load1} on {os.cpu_count()} CPUs")
    rows = table(res, info, env)
    for arm in ("ort-auto", "oomkill"):
        for t, l in timeline(lines, arm):
            note(f"g: {arm} +{t:.0f} ms: {l}")
    summaries = {}
    for arm, (result, tl) in traces.items():
        sm = trace_summary(result, tl)
        summaries[arm] = sm
        note(f"g: {arm}: ready at {sm['ready_ms']:.0f} ms (traced), "
             f"{sm['inside_ms']:.0f} ms inside these system calls:")
        for name, (n, ms) in sm["calls"]:
            note(f"g:    {name:<28} {n:5d} calls {ms:8.1f} ms")
        for t, ms, nxt in sm["btf_reads"]:
            note(f"g:    +{t:6.1f} ms {ms:6.1f} ms  the kernel's BTF: open, read, parse "
                 f"(until {nxt})")
        note(f"g:  its threads' stretches of {GAP_MS} ms or more outside those calls "
             f"(their own work):")
        for ms, t, before, after, tid in sm["gaps"]:
            note(f"g:    +{t:6.1f} ms {ms:6.1f} ms  after {before}, before {after} (tid {tid})")
    note(f"g: {time.monotonic() - t0:.0f} s in all")
    out = {"rows": rows, "raw": res, "info": info, "kernel": k["rel"],
           "errors": [list(e[:3]) for e in errors], "traces": summaries}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    print("| measure | oomreap-trace | baseline, same run | goal |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    return 0 if rows and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
