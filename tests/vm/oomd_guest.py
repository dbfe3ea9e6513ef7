#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""systemd-oomd, Meta's oomd and nohang, the real ones, under a real systemd
as PID 1 in a qemu guest: does oomreap-trace tell their kills as they
happened?

Host side.  A Debian sid root (systemd, systemd-sysv, systemd-oomd, dbus,
oomd (Meta's, 0.5.0), nohang (0.3.0, a Python script); their oomd.service
and nohang.service not enabled at boot),
made by mmdebstrap with its own apt options and the machine's own mirrors,
never its apt configuration) is cached as a tarball and as a gzip'd cpio
under the kernel cache (VMTEST_CACHE, as tests/vm/vmtest.py), keyed by the
package list and the recipe; each run adds a second cpio (the static tool,
the static fixture tests/vm/systemd/oomdfix.c, the units and the script of
tests/vm/systemd/, zram's modules) and boots each kernel series of
OOMD_KERNELS in turn (default the newest 7.x; vmguest.prepare_kernel),
with systemd as init (rdinit=), psi=1, 2 vCPUs,
1 GiB, TCG.  In the guest (tests/vm/systemd/run.sh, which prints "@@"
lines on ttyS1 and powers off):

  - swap on zram (oomtest-swap.service, before systemd-oomd starts):
    systemd-oomd acts only "with reclaim activity" (the watched cgroup's
    pgscan rising), and in a root that is all tmpfs there is nothing to
    scan without swap: with OOMD_ZRAM_MB=0 the slice's pressure stays at
    97% for minutes, pgscan 0, and nothing is killed;
  - tracefs: every SIGKILL's and SIGTERM's signal_generate with the
    kernel's stack (how it was sent: cgroup_kill_write, pidfd_send_signal,
    kill), systemd-oomd's
    write(2) calls, the fixtures' exits;
  - `oomreap-trace --json`, started and ready before anything is killed;
  - negative case: a plain shell writes 1 to oomtest-neg.service's
    cgroup.kill: no incident may come of it;
  - oomtest-bloat.service (four processes growing under MemoryHigh=) in
    oomtest.slice (ManagedOOMMemoryPressure=kill, limit 10%, 2 s): its pids
    read before the kill; systemd-oomd kills it (262: one write of "1" to
    the unit's cgroup.kill); ExecStopPost= reads the user.oomd_kill count
    systemd-oomd wrote on the cgroup; the journal of the units;
  - then Meta's oomd: metaoomd-bloat.service (four processes growing to
    32 MiB each, no limit) in metaoomd.slice (no ManagedOOM* setting, so
    systemd-oomd leaves it alone); its pids read, Debian's oomd.service is
    started with the test's configuration (systemd/oomd-oomtest.conf,
    systemd/metaoomd.json: memory_above 64M for 2 s on metaoomd.slice,
    kill_by_memory_size_or_growth on metaoomd.slice/* only); oomd 0.5.0
    SIGKILLs each pid of the unit's cgroup.procs with kill(2) and logs
    "Killed N: pid(comm) ..."; every process_mrelease(2) call is traced;
  - then nohang: nohang-bloat.service (one process growing until
    MemAvailable is 25% of MemTotal, then holding it; it survives SIGTERM)
    in nohangtest.slice (no ManagedOOM* setting); its pid read, Debian's
    nohang.service (in hostcritical.slice) is started with the test's
    configuration (systemd/nohang-oomtest.conf, systemd/nohang.conf: soft
    threshold MemAvailable 30%, every process outside nohangtest.slice at
    badness 0); nohang SIGTERMs the victim with kill(2), then SIGKILLs it
    once its max_soft_exit_time (10 s) is past, logging "Implementing a
    corrective action:" / "  Sending SIG... to the victim" after the
    victim's "PID: N" status.  The tool knows nohang by its unit's cgroup
    (--killer-cgroup nohang=/hostcritical.slice/nohang.service, in the
    default OOMD_TOOL_ARGS): a tool without that option does not start;
    run with OOMD_TOOL_ARGS=-v, only the tool's nohang checks fail.

--check-log runs the checks again on a guest.log a run kept, no guest.

Then the checks, one line each ("ok - ..." / "not ok - ..."), and last
"N passed, N failed, N skipped" (exit 1 on any failure).  Logs of every run
under build/oomd/runs/<UTC time>-<pid>/ (run.log, the guest's guest.log and
console.log); the last 50 runs are kept.

Needs root (mmdebstrap --mode=root, the cpio's owners), qemu-system-x86_64,
mmdebstrap, gcc, the Debian archive.  Serialize it with the other qemu
guests of the machine (make vmtest).

Usage: tests/vm/oomd_guest.py [--rebuild-root] [--check-log GUEST_LOG]
Environment: VMTEST_CACHE (the kernels' and this root's cache),
OOMD_TIMEOUT (seconds before the guest is killed, default 600),
OOMD_KILL_TIMEOUT (seconds each killer gets to act, default 120),
OOMD_ZRAM_MB (the guest's swap, default 512; 0: none), OOMD_TOOL_ARGS
(default "-v --killer-cgroup nohang=/hostcritical.slice/nohang.service"),
OOMD_KERNELS (the series booted, default "7.x"; 7.0 cannot
get zram's modules from the archive, see SERIES).
"""
import argparse
import base64
import contextlib
import hashlib
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import vmguest  # noqa: E402  (kernels, the guest's boot)
import harness  # noqa: E402  (the verdict and the closing line)
from oomlab import note  # noqa: E402

GUEST = os.path.join(HERE, "systemd")
BUILD = os.path.join(ROOT, "build", "oomd")
TOOL = os.path.join(ROOT, "build", "static", "oomreap-trace")
CACHE = os.path.join(vmguest.CACHE, "oomd")
# The series booted, in turn.  Not 7.0 (Ubuntu 26.04 LTS's) by default:
# systemd-oomd acts only with reclaim activity, which on the guest's
# all-RAM root needs swap (zram, a module), and the archive no longer
# carries the modules package 7.0.13's linux-image depends on
# (linux-modules-7.0.13+deb13-amd64: no candidate, 2026-12).
SERIES = os.environ.get("OOMD_KERNELS", "7.x").split()
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"

SUITE = "sid"
PACKAGES = ("systemd", "systemd-sysv", "systemd-oomd", "dbus", "oomd", "nohang")
MMDEBSTRAP_OPTS = (
    "--mode=root", "--variant=minbase",
    # sid's Release file is not refreshed on the mirror's schedule
    "--aptopt=Acquire::Check-Valid-Until \"false\"",
    "--dpkgopt=path-exclude=/usr/share/man/*",
    "--dpkgopt=path-exclude=/usr/share/doc/*",
    "--dpkgopt=path-include=/usr/share/doc/*/copyright",
    # nohang's postinst installs /etc/nohang/nohang.conf (ucf) from its
    # example there: without it, it fails and so does the root
    "--dpkgopt=path-include=/usr/share/doc/nohang/examples/*",
    "--dpkgopt=path-exclude=/usr/share/locale/*",
    "--dpkgopt=path-exclude=/usr/share/info/*",
    "--dpkgopt=path-exclude=/usr/share/zoneinfo/*",
)
# Not needed in the guest, dropped from the cpio (a smaller initramfs boots
# faster under TCG): perl (debconf's), apt, glibc's charset converters.
PRUNE = ("usr/bin/perl*", "usr/lib/x86_64-linux-gnu/perl*", "usr/share/perl*",
         "usr/bin/apt*", "usr/lib/x86_64-linux-gnu/libapt-*", "usr/lib/apt",
         "usr/lib/x86_64-linux-gnu/gconv", "var/cache/debconf/*-old")
# Units of the root masked in the guest: first-boot prompts on the console,
# getty, timers and update jobs that would only cost boot time.
MASK = ("systemd-firstboot.service", "getty.target", "apt-daily.timer",
        "apt-daily-upgrade.timer", "dpkg-db-backup.timer", "fstrim.timer",
        "ldconfig.service", "systemd-journal-catalog-update.service",
        "systemd-update-done.service")
# Units the packages enable that the guest starts itself, when it needs
# them: Debian's oomd.service (run.sh starts it after systemd-oomd's case)
# and nohang.service (after Meta oomd's; the package has no
# nohang-desktop.service).
DISABLE = ("multi-user.target.wants/oomd.service", "multi-user.target.wants/nohang.service")
MACHINE_ID = "6f6f6d6474657374000000000000abcd"   # fixed: not a first boot
# The kernel's command line besides vmguest.boot's: systemd as init; PSI
# (systemd-oomd's input; some Debian configurations boot with it off).
APPEND = "rdinit=/usr/lib/systemd/systemd psi=1 systemd.show_status=error"
# The modules zram needs, in load order (the kernel's .deb has them).
ZRAM_MODULES = ("zram",)

ZRAM_MB = int(os.environ.get("OOMD_ZRAM_MB", "512"))
TIMEOUT = int(os.environ.get("OOMD_TIMEOUT", "600"))
# nohang is a Python script: the tool knows it by the cgroup of its unit
# (Debian's nohang.service runs in hostcritical.slice)
NOHANG_CG = "/hostcritical.slice/nohang.service"
TOOL_ARGS = os.environ.get("OOMD_TOOL_ARGS", f"-v --killer-cgroup nohang={NOHANG_CG}")
KILL_TIMEOUT = int(os.environ.get("OOMD_KILL_TIMEOUT", "120"))

RUN_ID = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{os.getpid()}"
RUNS = os.path.join(BUILD, "runs")
LOGDIR = os.path.join(RUNS, RUN_ID)
KEEP_RUNS = 50

UNIT_CG = "/oomtest.slice/oomtest-bloat.service"
SLICE_CG = "/oomtest.slice"
OOMD_EXE = "/usr/lib/systemd/systemd-oomd"
# a signal's time in tracefs and in the tool (both CLOCK_MONOTONIC): TCG
# vCPUs stall on a shared host (tests/vm/vmtest.py, ONCE_TOL_NS)
TS_TOL_NS = 250_000_000


class Tee:
    """stdout, and a copy in the run's log."""

    def __init__(self, path):
        self.f = open(path, "a")
        self.out = sys.stdout

    def write(self, s):
        self.out.write(s)
        self.f.write(s)

    def flush(self):
        self.out.flush()
        self.f.flush()


def start_run_logs():
    os.makedirs(LOGDIR, exist_ok=True)
    sys.stdout = Tee(os.path.join(LOGDIR, "run.log"))
    old = sorted(d for d in os.listdir(RUNS) if d != RUN_ID)
    for d in old[:max(0, len(old) - KEEP_RUNS + 1)]:
        shutil.rmtree(os.path.join(RUNS, d), ignore_errors=True)


def digest(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(json.dumps(p, sort_keys=True).encode())
    return h.hexdigest()[:16]


# ---------------------------------------------------------------- the root

def root_tar(rebuild):
    """The mmdebstrap tarball, keyed by the suite, the packages and the
    options; built when missing.  Returns (path, seconds spent building)."""
    key = digest(SUITE, PACKAGES, MMDEBSTRAP_OPTS)
    tar = os.path.join(CACHE, f"root-{SUITE}-{key}.tar")
    if os.path.exists(tar) and not rebuild:
        return tar, 0.0
    os.makedirs(CACHE, exist_ok=True)
    main, _ = vmguest.machine_archive_uris()
    tmp = tar + ".tmp.tar"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    t0 = time.monotonic()
    vmguest.run(["mmdebstrap", *MMDEBSTRAP_OPTS, "--include=" + ",".join(PACKAGES),
                 "--format=tar", SUITE, tmp, f"deb [signed-by={KEYRING}] {main} {SUITE} main"],
                timeout=1800)
    os.replace(tmp, tar)
    secs = time.monotonic() - t0
    note(f"root: mmdebstrap {SUITE} {' '.join(PACKAGES)} in {secs:.1f} s "
         f"({os.path.getsize(tar) >> 20} MiB tarball)")
    return tar, secs


def cpio_gz(tree, out):
    """tree as a gzip'd newc cpio (the kernel's initramfs format)."""
    tmp = out + ".tmp"
    vmguest.run(f"cd '{tree}' && find . | cpio -o -H newc --quiet | gzip -1 > '{tmp}'",
                shell=True)
    os.replace(tmp, out)


def base_cpio(tar):
    """The root as the initramfs's first cpio: pruned, units masked, a
    machine id; cached beside the tarball, keyed by it and this recipe."""
    key = digest(os.path.basename(tar), PRUNE, MASK, DISABLE, MACHINE_ID)
    out = os.path.join(CACHE, f"base-{key}.cpio.gz")
    if os.path.exists(out):
        return out
    tree = os.path.join(BUILD, "root")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    vmguest.run(["tar", "-x", "-f", tar, "-C", tree, "--numeric-owner"])
    for pat in PRUNE:
        vmguest.run(f"cd '{tree}' && rm -rf {pat}", shell=True)
    with open(os.path.join(tree, "etc", "machine-id"), "w") as f:
        f.write(MACHINE_ID + "\n")
    for unit in MASK:
        p = os.path.join(tree, "etc", "systemd", "system", unit)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(p)
        os.symlink("/dev/null", p)
    for link in DISABLE:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(tree, "etc", "systemd", "system", link))
    cpio_gz(tree, out)
    shutil.rmtree(tree, ignore_errors=True)
    note(f"root: initramfs base {os.path.getsize(out) >> 20} MiB")
    return out


# ---------------------------------------------------------------- this run's files

def module_files(k):
    """[(file name, bytes)] of the modules zram needs, those they depend on
    first, from the kernel's own modules .deb (its download cached
    with the kernel, the modules under this cache)."""
    rel = k["rel"]
    d = os.path.join(CACHE, "modules", rel)
    order_f = os.path.join(d, "order")
    if os.path.exists(order_f):
        names = open(order_f).read().split()
        return [(n, open(os.path.join(d, n), "rb").read()) for n in names]
    # from 7.1 Debian puts the modules in linux-modules-REL; before (7.0,
    # with linux-binary-REL already) they are still in linux-image-REL
    try:
        deb = vmguest.fetch(f"linux-modules-{rel}", rel, k["opts"])
    except (vmguest.Failure, RuntimeError):
        deb = vmguest.fetch(f"linux-image-{rel}", rel, k["opts"])
    listing = [l.split()[-1] for l in vmguest.run(["dpkg-deb", "-c", deb]).splitlines()
               if l.strip().endswith((".ko", ".ko.xz"))]

    def path_of(name):
        want = name.replace("-", "_")
        for p in listing:
            base = os.path.basename(p).split(".ko")[0].replace("-", "_")
            if base == want:
                return p
        raise vmguest.Failure(f"no module {name} in {os.path.basename(deb)}")

    def load(p):
        data = subprocess.run(f"dpkg-deb --fsys-tarfile '{deb}' | tar -x -O '{p}'", shell=True,
                              stdout=subprocess.PIPE, check=True).stdout
        return lzma.decompress(data) if p.endswith(".xz") else data

    order, seen = [], set()

    def add(name):
        if name in seen:
            return
        seen.add(name)
        p = path_of(name)
        data = load(p)
        m = re.search(rb"\0depends=([^\0]*)\0", data)
        for dep in (m.group(1).decode().split(",") if m and m.group(1) else []):
            add(dep)
        order.append((os.path.basename(p).split(".ko")[0] + ".ko", data))

    for name in ZRAM_MODULES:
        add(name)
    os.makedirs(d, exist_ok=True)
    for n, data in order:
        with open(os.path.join(d, n), "wb") as f:
            f.write(data)
    with open(order_f, "w") as f:
        f.write(" ".join(n for n, _ in order) + "\n")
    return order


def build_payload():
    """The static tool (make) and the fixture."""
    os.makedirs(BUILD, exist_ok=True)
    vmguest.run(["make", "-s", "-C", ROOT, "build/static/oomreap-trace"])
    if not vmguest.is_static_elf(TOOL):
        raise vmguest.Failure(f"{TOOL} is not statically linked")
    fix = os.path.join(BUILD, "oomdfix")
    vmguest.run(["gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-static", "-o", fix,
                 os.path.join(GUEST, "oomdfix.c")])
    return fix


def overlay_cpio(k, fix, modules):
    """The second cpio: the tool, the fixture, the script, the units."""
    tree = os.path.join(BUILD, "overlay")
    shutil.rmtree(tree, ignore_errors=True)
    v = os.path.join(tree, "vmtest")
    etc = os.path.join(tree, "etc", "systemd", "system")
    for d in (os.path.join(v, "modules"), os.path.join(etc, "multi-user.target.wants"),
              os.path.join(etc, "swap.target.wants"), os.path.join(etc, "systemd-oomd.service.d"),
              os.path.join(etc, "oomd.service.d"), os.path.join(etc, "nohang.service.d")):
        os.makedirs(d)
    shutil.copy(TOOL, os.path.join(v, "oomreap-trace"))
    shutil.copy(fix, os.path.join(v, "oomdfix"))
    shutil.copy(os.path.join(GUEST, "run.sh"), os.path.join(v, "run.sh"))
    shutil.copy(os.path.join(GUEST, "metaoomd.json"), os.path.join(v, "metaoomd.json"))
    shutil.copy(os.path.join(GUEST, "nohang.conf"), os.path.join(v, "nohang.conf"))
    for unit in ("oomtest.slice", "oomtest-bloat.service", "oomtest-neg.service",
                 "oomtest-run.service", "oomtest-swap.service", "metaoomd.slice",
                 "metaoomd-bloat.service", "nohangtest.slice", "nohang-bloat.service"):
        shutil.copy(os.path.join(GUEST, unit), os.path.join(etc, unit))
    for target, unit in (("multi-user", "oomtest-run.service"), ("swap", "oomtest-swap.service")):
        os.symlink(f"../{unit}", os.path.join(etc, f"{target}.target.wants", unit))
    shutil.copy(os.path.join(GUEST, "systemd-oomd-debug.conf"),
                os.path.join(etc, "systemd-oomd.service.d", "oomtest-debug.conf"))
    shutil.copy(os.path.join(GUEST, "oomd-oomtest.conf"),
                os.path.join(etc, "oomd.service.d", "oomtest.conf"))
    shutil.copy(os.path.join(GUEST, "nohang-oomtest.conf"),
                os.path.join(etc, "nohang.service.d", "oomtest.conf"))
    for name, data in modules:
        with open(os.path.join(v, "modules", name), "wb") as f:
            f.write(data)
    with open(os.path.join(v, "config"), "w") as f:
        f.write(f'ZRAM_MB="{ZRAM_MB}"\nMODULES="{" ".join(n for n, _ in modules)}"\n'
                f'TOOL_ARGS="{TOOL_ARGS}"\nKILL_TIMEOUT="{KILL_TIMEOUT}"\n')
    for top, dirs, files in os.walk(tree):
        for d in dirs:
            os.chmod(os.path.join(top, d), 0o755)
    out = os.path.join(BUILD, "overlay.cpio.gz")
    cpio_gz(tree, out)
    return out


def initramfs(base, overlay):
    """The two cpios one after the other: the kernel unpacks both, the
    second over the first."""
    out = os.path.join(BUILD, "initrd.cpio.gz")
    with open(out, "wb") as o:
        for p in (base, overlay):
            with open(p, "rb") as i:
                shutil.copyfileobj(i, o)
    return out


# ---------------------------------------------------------------- the guest's lines

TRACE_RX = re.compile(r"^\s*(?P<comm>.*?)-(?P<tid>\d+)\s+\[(?P<cpu>\d+)\]\s+(?:\S+\s+)?"
                      r"(?P<s>\d+)\.(?P<us>\d+): (?P<rest>.*)$")


def parse_guest(text):
    g = dict(begin=None, end=None, info={}, neg=None, bloat=None, mbloat=None, nbloat=None,
             journal=[], trace=[],
             xattr=[], json=[], toolerr=[], warn=[], steps=[], files={})
    for line in text.splitlines():
        if not line.startswith("@@"):
            continue
        tag, _, rest = line[2:].partition(" ")
        if tag == "OOMD":
            if rest.startswith("BEGIN"):
                g["begin"] = rest
            elif rest.startswith("END"):
                g["end"] = rest
        elif tag == "INFO":
            key, _, val = rest.partition("=")
            g["info"][key] = val
        elif tag in ("NEG", "BLOAT", "MBLOAT", "NBLOAT"):
            g[tag.lower()] = dict(re.findall(r"(\w+)=(\S*)", rest))
        elif tag == "JOURNAL":
            g["journal"].append(rest)
        elif tag == "TRACE":
            g["trace"].append(rest)
        elif tag == "XATTR":
            g["xattr"].append(rest)
        elif tag == "JSON":
            with contextlib.suppress(ValueError):
                obj = json.loads(rest)
                if isinstance(obj, dict):
                    g["json"].append(obj)
        elif tag == "TOOLERR":
            g["toolerr"].append(rest)
        elif tag == "WARN":
            g["warn"].append(rest)
        elif tag == "STEP":
            g["steps"].append(rest)
        elif tag == "FILE":
            name, _, data = rest.partition(" ")
            g["files"][name] = data
    return g


STACK_METHODS = (("cgroup_kill", "cgroup.kill"), ("pidfd_send_signal", "pidfd_send_signal"),
                 ("tgkill", "tgkill"), ("tkill", "tgkill"), ("kill_something_info", "kill"),
                 ("__x64_sys_kill", "kill"))


def trace_signals(lines):
    """tracefs's SIGKILLs: [{ts, sender comm, sender tid, pid, res, method,
    write}], the method read from the kernel's stack the trigger recorded
    after each (same task, same CPU), write the index of the sender's
    write(2) call under way (systemd-oomd's only are traced) or None; the
    fixtures' exits {pid: ts}; every process_mrelease(2) call [{ts, comm,
    tid}]."""
    sigs, exits, last, mreleases = [], {}, {}, []
    writes, open_write = [], {}
    stack_of = None
    for l in lines:
        if l.lstrip().startswith("=>"):
            if stack_of is not None:
                stack_of["stack"].append(l.split("=>", 1)[1].strip())
            continue
        stack_of = None
        m = TRACE_RX.match(l)
        if not m:
            continue
        ts = int(m.group("s")) * 1_000_000_000 + int(m.group("us").ljust(6, "0")[:6]) * 1000
        who = (int(m.group("tid")), int(m.group("cpu")))
        rest = m.group("rest")
        if rest.startswith("signal_generate:"):
            a = dict(re.findall(r"(\w+)=(\S+)", rest))
            e = dict(ts=ts, comm=m.group("comm").strip(), tid=who[0], sig=int(a["sig"]),
                     pid=int(a["pid"]), res=int(a["res"]), code=int(a["code"]),
                     grp=int(a["grp"]), stack=[])
            sigs.append(e)
            last[who] = e
        elif rest.startswith("<stack trace>"):
            stack_of = last.pop(who, None)
        elif rest.startswith("sched_process_exit:"):
            exits[int(re.search(r"\bpid=(\d+)", rest).group(1))] = ts
        elif rest.startswith("sys_process_mrelease("):
            mreleases.append(dict(ts=ts, comm=m.group("comm").strip(), tid=who[0]))
        elif rest.startswith("sys_write("):
            open_write[who[0]] = len(writes)
            writes.append(dict(tid=who[0], enter=ts, exit=None, ret=None))
        elif rest.startswith("sys_write ->"):
            i = open_write.pop(who[0], None)
            if i is not None:
                writes[i].update(exit=ts, ret=int(rest.split("->")[1].strip(), 0))
    for e in sigs:
        e["write"] = next((i for i, w in enumerate(writes) if w["tid"] == e["tid"]
                           and w["enter"] <= e["ts"] and (w["exit"] is None or e["ts"] <= w["exit"])),
                          None)
        e["method"] = next((meth for fn, meth in STACK_METHODS
                            if any(fn in f for f in e["stack"])), None)
    return sigs, exits, mreleases


OOMD_MARKED_RX = re.compile(r"systemd-oomd\[(?P<pid>\d+)\]: Marked (?P<cg>\S+) for killing due to "
                            r"memory pressure for (?P<mon>\S+) being (?P<p>[\d.]+)% > "
                            r"(?P<lim>[\d.]+)%")
PID1_KILLED_RX = re.compile(r"systemd\[1\]: oomtest-bloat\.service: systemd-oomd killed "
                            r"(?P<n>\d+) process\(es\) in this unit")


def pids(s):
    return [int(x) for x in (s or "").split(",") if x.strip().isdigit()]


# Meta oomd 0.5.0's line after each round of kill(2) calls on a cgroup's
# cgroup.procs (BaseKillPlugin::tryToKillPids): "Killed N: PID(COMM) ...",
# a failed call's pid followed by "[E<errno>]"; N counts the calls that
# returned 0
METAOOMD_KILLED_RX = re.compile(r"\boomd\[(?P<pid>\d+)\]: .*?\bKilled (?P<n>\d+):"
                                r"(?P<list>( \d+\S*)+)\s*$")
# its line as it starts on a cgroup, and the count it writes on it after
METAOOMD_TRYING_RX = re.compile(r"\boomd\[\d+\]: .*?\bTrying to kill /sys/fs/cgroup(?P<cg>/\S+)")
METAOOMD_XATTR_RX = re.compile(r"\boomd\[\d+\]: .*?\bSet xattr trusted\.oomd_kill=(?P<n>\d+) "
                               r"on /sys/fs/cgroup(?P<cg>/\S+)")
# its kill action's end, after its last round and the count it writes
METAOOMD_ENDED_RX = re.compile(r"\boomd\[\d+\]: .*?\bAction=kill_by_memory_size_or_growth "
                               r"returned ")
METAOOMD_EXE = "/usr/bin/oomd"
MUNIT_CG = "/metaoomd.slice/metaoomd-bloat.service"
KILL_NR = 62   # x86_64 kill(2)


def metaoomd_killed(journal):
    """oomd's "Killed" lines: [(logging pid, N, [(pid, errno or None)])]."""
    out = []
    for m in map(METAOOMD_KILLED_RX.search, journal):
        if not m:
            continue
        lst = [(int(p), int(e) if e else None)
               for p, e in re.findall(r"(\d+)(?:\([^)]*\))?(?:\[E(\d+)\])?", m.group("list"))]
        out.append((int(m.group("pid")), int(m.group("n")), lst))
    return out


def check_killer_id(v, i, name, by, path, main_pid):
    """Who the tool says killed: a userspace incident, the killer's name,
    how it was recognised ("exe" or "cgroup"), the configured path that
    matched under that key and null under the other, and its unit's
    MainPID as the sender's process."""
    k_ = i.get("killer") or {}
    p = i.get("tgid")
    other = "cgroup" if by == "exe" else "exe"
    v.expect_eq(i.get("kind"), "userspace", f"{p}: kind")
    v.expect_eq(k_.get("name"), name, f"{p}: killer.name")
    v.expect_eq(k_.get("recognised_by"), by, f"{p}: killer.recognised_by")
    v.expect_eq(k_.get(by), path, f"{p}: killer.{by}")
    v.expect(other in k_ and k_[other] is None,
             f"{p}: killer.{other} {k_.get(other, '(absent)')!r}, want null")
    v.expect_eq(k_.get("tgid"), main_pid, f"{p}: killer.tgid ({name}'s MainPID)")


def check_cgroup(v, vinc, cg, cgid):
    """Each victim's memory cgroup, path and id, is its unit's (read in the
    guest before the kill)."""
    if not v.expect(vinc, "no incident to check"):
        return
    for i in vinc:
        v.expect_eq(i.get("cgroup"), cg, f"{i.get('tgid')}: cgroup")
        v.expect_eq(i.get("cgroup_id"), cgid, f"{i.get('tgid')}: cgroup_id")


def check_ended(v, vinc, exits):
    """Each victim's exit as tracefs's, or its loss counted: from 7.0 a
    run of the exit program preempted on a CPU makes the kernel skip
    the next one there (docs/KERNEL.md); the incident then says
    runs_missed and closes at its loss deadline, ended_unseen (as
    tests/vm/vmtest.py's G holds a group kill's victims)."""
    if not v.expect(vinc, "no incident to check"):
        return
    for i in vinc:
        p, xt = i.get("tgid"), i.get("exit_ts_ns")
        if not v.expect(p in exits, f"{p}: no sched_process_exit in tracefs"):
            continue
        if xt is not None and abs(xt - exits[p]) <= TS_TOL_NS:
            v.expect_eq(i.get("outcome"), "victim_exited", f"{p}: outcome")
            continue
        v.expect(xt is None, f"{p}: exit_ts_ns {xt} vs sched_process_exit {exits[p]}")
        v.expect(i.get("runs_missed") and i.get("ended_unseen"),
                 f"{p}: its exit (tracefs {exits[p]}) never reached the tool, and the "
                 f"incident says runs_missed={i.get('runs_missed')} "
                 f"ended_unseen={i.get('ended_unseen')} outcome={i.get('outcome')}: a lost "
                 "end must be counted and close at its loss deadline with ended_unseen")


# ---------------------------------------------------------------- the checks

def checks(r, g, k, prefix=""):
    """Each check one line, named after the kernel (prefix); each can fail."""

    def run(name, fn):
        return R.run(prefix + name, fn)
    info = g["info"]
    all_sigs, exits, mreleases = trace_signals(g["trace"])
    # the SIGKILLs: tracefs has SIGTERMs too (nohang's soft action, PID 1's
    # stops), which only nohang's checks look at
    sigs = [e for e in all_sigs if e["sig"] == 9]
    oomd_pid = int(info.get("oomd_pid", "0").split()[0] or 0)
    bloat = g["bloat"] or {}
    neg = g["neg"] or {}
    unit_pids = pids(bloat.get("pids"))
    mbloat = g["mbloat"] or {}
    munit_pids = pids(mbloat.get("pids"))
    nunit_pids = pids((g["nbloat"] or {}).get("pids"))
    neg_pids = pids(neg.get("pids"))
    oomd_sigs = [e for e in sigs if e["comm"] == "systemd-oomd" and e["res"] == 0]
    oomd_victims = sorted({e["pid"] for e in oomd_sigs})
    marked = [m for m in map(OOMD_MARKED_RX.search, g["journal"]) if m]
    pid1 = [m for m in map(PID1_KILLED_RX.search, g["journal"]) if m]
    xattr = dict(re.findall(r"(\S+)=(\S+)", g["xattr"][-1])) if g["xattr"] else {}
    incs = [i for i in g["json"] if "victim_seq" in i]
    mine = {p: [i for i in incs if i.get("tgid") == p] for p in unit_pids}

    def t_guest(v):
        v.expect(g["begin"] is not None, "no @@OOMD BEGIN: the test unit never ran "
                 f"({r['how']}; console: {os.path.relpath(r['logf'], ROOT)})")
        v.expect(g["end"] == "END rc=0", f"the guest's script ended {g['end']!r} "
                 f"(warnings: {g['warn'][:3]})")
        v.expect(info.get("pid1", "").startswith("systemd "),
                 f"PID 1 is {info.get('pid1')!r}, not systemd")
        v.expect(oomd_pid > 0 and "state=active" in info.get("oomd_pid", ""),
                 f"systemd-oomd not running: {info.get('oomd_pid')!r}")
        v.expect(unit_pids and len(unit_pids) >= 3,
                 f"the unit's pids before the kill: {unit_pids} (want 3 or more)")
        v.expect(not g["warn"], f"the guest warned: {g['warn'][:3]}")
    run("guest: systemd as PID 1 ran systemd-oomd and the test unit to the end", t_guest)

    n_journal = int(pid1[0].group("n")) if pid1 else None

    def t_killed(v):
        if v.expect(marked, "systemd-oomd logged no \"Marked ... for killing due to memory "
                    "pressure\" line"):
            m = marked[0]
            v.expect_eq(m.group("cg"), UNIT_CG, "the cgroup systemd-oomd marked")
            v.expect_eq(m.group("mon"), SLICE_CG, "the cgroup whose pressure it acted on")
            v.expect_eq(int(m.group("pid")), oomd_pid, "the pid that logged it")
            v.expect(len(marked) == 1, f"{len(marked)} Marked lines, want 1")
        v.expect(pid1, "PID 1 logged no \"systemd-oomd killed N process(es) in this unit\"")
        v.expect(info.get("bloat_state", "").startswith(("failed", "inactive")),
                 f"the unit after the kill: {info.get('bloat_state')!r}")
        v.expect("result=oom-kill" in info.get("bloat_state", ""),
                 f"the unit's result: {info.get('bloat_state')!r}, want oom-kill")
    run("systemd-oomd killed the unit (its journal line and PID 1's)", t_killed)

    def t_truth(v):
        """The world as tracefs, the journal and the xattr tell it agree:
        what the tool is then held to."""
        v.expect(oomd_sigs, "tracefs shows no SIGKILL from systemd-oomd")
        v.expect(all(e["tid"] == oomd_pid for e in oomd_sigs),
                 f"SIGKILLs from systemd-oomd threads {sorted({e['tid'] for e in oomd_sigs})}, "
                 f"its MainPID is {oomd_pid}")
        v.expect_eq(oomd_victims, sorted(unit_pids),
                    "the pids systemd-oomd SIGKILLed (tracefs) vs the unit's before the kill")
        v.expect(len(oomd_sigs) == len(oomd_victims),
                 f"{len(oomd_sigs)} SIGKILLs for {len(oomd_victims)} processes")
        # systemd-oomd 262 kills through cgroup.kill: one write(2), every
        # process of the cgroup signalled inside it
        ws = {e["write"] for e in oomd_sigs}
        v.expect(len(ws) == 1 and None not in ws,
                 f"systemd-oomd's SIGKILLs inside its write(2) calls {sorted(ws, key=str)}, "
                 "want all inside one")
        v.expect({e["method"] for e in oomd_sigs} == {"cgroup.kill"},
                 f"the kernel's stacks at systemd-oomd's SIGKILLs say "
                 f"{sorted({str(e['method']) for e in oomd_sigs})}, not cgroup.kill")
        v.expect_eq(n_journal, len(unit_pids), "PID 1's \"systemd-oomd killed N\"")
        v.expect_eq(xattr.get("cgroup"), UNIT_CG, "the cgroup ExecStopPost= ran in")
        v.expect_eq(xattr.get("user.oomd_kill"), str(len(unit_pids)),
                    "user.oomd_kill on the unit's cgroup")
        v.expect(all(p in exits for p in unit_pids),
                 f"victims without an exit in tracefs: {[p for p in unit_pids if p not in exits]}")
    run("ground truth: tracefs, systemd-oomd, PID 1 and the xattr agree on the victims",
          t_truth)

    def t_incidents(v):
        for p in unit_pids:
            n = len(mine[p])
            v.expect(n == 1, f"victim {p}: {n} incidents, want 1")
        others = [i.get("tgid") for i in incs
                  if i.get("tgid") not in unit_pids + munit_pids + nunit_pids]
        v.expect(not others, f"incidents for other processes: {others}")
        v.expect_eq(len([i for i in incs if i.get("tgid") in unit_pids]), n_journal,
                    "incidents vs the journal's N")
        v.expect_eq(str(len([i for i in incs if i.get("tgid") in unit_pids])),
                    xattr.get("user.oomd_kill"), "incidents vs user.oomd_kill")
    run("tool: one incident per victim, as many as the journal's N and the xattr", t_incidents)

    vinc = [l[0] for l in mine.values() if len(l) == 1]

    def t_killer(v):
        if not v.expect(vinc, "no incident to check"):
            return
        method_truth = sorted({e["method"] for e in oomd_sigs}, key=str)
        for i in vinc:
            k_ = i.get("killer") or {}
            p = i.get("tgid")
            check_killer_id(v, i, "systemd-oomd", "exe", OOMD_EXE, oomd_pid)
            v.expect_eq(k_.get("signal"), "SIGKILL", f"{p}: killer.signal")
            v.expect_eq(k_.get("signals"), 1, f"{p}: killer.signals")
            tr = [e for e in oomd_sigs if e["pid"] == p]
            if tr:
                v.expect_eq(k_.get("pid"), tr[0]["tid"], f"{p}: killer.pid (tracefs's sender)")
                v.expect_eq(k_.get("method"), tr[0]["method"],
                            f"{p}: killer.method vs the kernel's stack at its SIGKILL")
                if any("ksys_write" in f for f in tr[0]["stack"]):
                    v.expect_eq(k_.get("syscall_nr"), 1, f"{p}: killer.syscall_nr (write)")
                v.expect(i.get("kill_ts_ns") is not None
                         and abs(i["kill_ts_ns"] - tr[0]["ts"]) <= TS_TOL_NS,
                         f"{p}: kill_ts_ns {i.get('kill_ts_ns')} vs signal_generate {tr[0]['ts']}")
        note(f"the kernel's stacks say systemd-oomd sent its SIGKILLs by {method_truth}")
    run("tool: the killer is systemd-oomd (name, exe, pid from tracefs), its method as "
          "the kernel's stack says, the kill's time as tracefs's", t_killer)

    def t_end(v):
        check_ended(v, vinc, exits)
    run("tool: each victim's exit as tracefs's, or its loss counted", t_end)

    def t_method(v):
        if not v.expect(vinc, "no incident to check"):
            return
        for i in vinc:
            v.expect_eq((i.get("killer") or {}).get("method"), "cgroup.kill",
                        f"{i.get('tgid')}: killer.method")
    run("tool: killer.method is cgroup.kill", t_method)

    unit_cgid = int(bloat.get("cgroup_id") or 0) or None

    def t_cgroup(v):
        if not v.expect(vinc, "no incident to check"):
            return
        for i in vinc:
            v.expect_eq(i.get("cgroup"), UNIT_CG, f"{i.get('tgid')}: cgroup")
            v.expect_eq(i.get("cgroup_id"), unit_cgid, f"{i.get('tgid')}: cgroup_id")
    run("tool: each victim's cgroup is the unit's", t_cgroup)

    def t_cgkill(v):
        if not v.expect(vinc, "no incident to check"):
            return
        objs = [(i.get("tgid"), (i.get("killer") or {}).get("cgroup_kill")) for i in vinc]
        missing = [p for p, o in objs if not isinstance(o, dict)]
        if not v.expect(not missing, f"killer.cgroup_kill absent or not an object for "
                        f"{missing} (the key is not in this build's JSON yet)"):
            return
        for p, o in objs:
            v.expect_eq(o.get("cgroup"), UNIT_CG, f"{p}: killer.cgroup_kill.cgroup")
            v.expect(isinstance(o.get("cgroup_id"), int) and not isinstance(o.get("cgroup_id"), bool),
                     f"{p}: killer.cgroup_kill.cgroup_id {o.get('cgroup_id')!r} is no integer")
            v.expect_eq(o.get("cgroup_id"), unit_cgid,
                        f"{p}: killer.cgroup_kill.cgroup_id (the unit's cgroup's inode)")
        # one write(2) to cgroup.kill (tracefs): one event
        ev = {o.get("event_id") for _, o in objs}
        v.expect(len(ev) == 1 and None not in ev, f"event_id not one for all victims of the "
                 f"one write: {ev}")
        nums = sorted(o.get("event_victim") for _, o in objs if isinstance(o.get("event_victim"), int))
        v.expect_eq(nums, list(range(1, len(objs) + 1)), "event_victim numbers")
        # numbered as the kernel signalled them
        order = [e["pid"] for e in sorted(oomd_sigs, key=lambda e: e["ts"])]
        got = [p for p, o in sorted(objs, key=lambda po: (not isinstance(po[1].get("event_victim"), int),
                                                        po[1].get("event_victim") or 0))]
        v.expect_eq(got, order, "victims by event_victim vs tracefs's signal order")
    run("tool: killer.cgroup_kill names the unit's cgroup, one event_id, event_victim 1..N "
          "in the kernel's signal order", t_cgkill)

    def t_neg(v):
        killer = int(neg.get("killer") or 0)
        if not v.expect(neg_pids and killer, f"the negative case did not run: {neg}"):
            return
        shell = [e for e in sigs if e["tid"] == killer and e["res"] == 0]
        v.expect_eq(sorted({e["pid"] for e in shell}), sorted(neg_pids),
                    "the pids the shell SIGKILLed (tracefs) vs the unit's")
        v.expect(all(e["method"] == "cgroup.kill" for e in shell),
                 f"the shell's SIGKILLs were not sent through cgroup.kill: "
                 f"{[e['method'] for e in shell]}")
        hit = [i.get("tgid") for i in incs if i.get("tgid") in neg_pids]
        v.expect(not hit, f"incidents for the shell's cgroup.kill: {hit}")
        v.expect(g["end"] is not None, "the guest did not get to the end: the tool's output "
                 "may be incomplete")
    run("negative: a shell's write to cgroup.kill is no incident", t_neg)

    metaoomd_checks(run, g, incs, sigs, exits, mreleases)
    nohang_checks(run, g, incs, all_sigs, exits)
    cross_checks(run, incs, unit_pids, munit_pids, nunit_pids)


def metaoomd_checks(run, g, incs, sigs, exits, mreleases):
    """Meta's oomd (Debian's 0.5.0) on metaoomd.slice: its own log, tracefs
    and the victims' pids read before the kill against the tool's
    incidents."""
    info = g["info"]
    mbloat = g["mbloat"] or {}
    victims = sorted(pids(mbloat.get("pids")))
    moomd = int((info.get("metaoomd_pid") or "0").split()[0] or 0)
    killed = metaoomd_killed(g["journal"])
    logged = sorted({p for _, _, lst in killed for p, err in lst if err is None})
    # every SIGKILL oomd sent (res != 0: to a process already dying, which
    # kill(2) still answers with 0) and those the kernel delivered
    msigs = [e for e in sigs if e["comm"] == "oomd"]
    delivered = [e for e in msigs if e["res"] == 0]
    trying = [m.group("cg") for m in map(METAOOMD_TRYING_RX.search, g["journal"]) if m]
    xattrs = [(m.group("cg"), int(m.group("n")))
              for m in map(METAOOMD_XATTR_RX.search, g["journal"]) if m]
    minc = {p: [i for i in incs if i.get("tgid") == p] for p in victims}
    mcgid = int(mbloat.get("cgroup_id") or 0) or None

    def t_ran(v):
        v.expect(moomd > 0 and "state=active" in info.get("metaoomd_pid", ""),
                 f"oomd.service not running: {info.get('metaoomd_pid')!r}")
        v.expect("oomd=0.5.0" in info.get("packages", ""),
                 f"the oomd package: {info.get('packages')!r}, want 0.5.0")
        v.expect(len(victims) >= 3, f"the unit's pids before the kill: {victims} (want 3 or more)")
        v.expect(info.get("mbloat_state", "").startswith(("failed", "inactive")),
                 f"oomd's victim unit after the kill: {info.get('mbloat_state')!r}")
        if v.expect(killed, "oomd logged no \"Killed N: pid(comm) ...\" line"):
            v.expect({k for k, _, _ in killed} == {moomd},
                     f"\"Killed\" lines from pids {sorted({k for k, _, _ in killed})}, "
                     f"oomd.service's MainPID is {moomd}")
        v.expect_eq(trying, [MUNIT_CG], "the cgroups oomd logged \"Trying to kill\"")
    run("meta oomd: Debian's oomd 0.5.0 ran as oomd.service and logged its kills", t_ran)

    def t_truth(v):
        """oomd's log, tracefs and the pids read before agree: what the
        tool is held to."""
        v.expect_eq(logged, victims, "the pids oomd's \"Killed\" lines name vs the unit's "
                    "before the kill")
        v.expect_eq(sorted(e["pid"] for e in delivered), victims,
                    "the pids tracefs shows oomd SIGKILLing (delivered, one each)")
        v.expect_eq(sum(n for _, n, _ in killed), len(msigs),
                    "the kill(2) calls oomd counted as sent (the Ns of its lines) vs its "
                    "SIGKILLs in tracefs")
        # the count oomd writes after its last round, logged only when the
        # cgroup is still there then: systemd removes it once the unit has
        # stopped, which may come first (the last round follows a 1 s sleep)
        v.expect(xattrs in ([], [(MUNIT_CG, sum(n for _, n, _ in killed))]),
                 f"the trusted.oomd_kill oomd logged setting (cgroup, count): {xattrs}, "
                 f"want none or [{(MUNIT_CG, sum(n for _, n, _ in killed))}] (its "
                 "\"Killed\" Ns)")
        v.expect(any(METAOOMD_ENDED_RX.search(ln) for ln in g["journal"]),
                 "oomd logged no end of its kill action (\"Action=... returned\")")
        v.expect({e["method"] for e in msigs} == {"kill"},
                 f"the kernel's stacks at oomd's SIGKILLs say "
                 f"{sorted({str(e['method']) for e in msigs})}, not kill(2)")
        v.expect(all(e["pid"] in victims for e in msigs),
                 f"oomd SIGKILLed others: {sorted({e['pid'] for e in msigs} - set(victims))}")
        v.expect(all(e["tid"] == moomd for e in msigs),
                 f"SIGKILLs from oomd threads {sorted({e['tid'] for e in msigs})}, "
                 f"its MainPID is {moomd}")
        other = [(e["comm"], e["tid"], e["pid"]) for e in sigs
                 if e["pid"] in victims and e["res"] == 0 and e["comm"] != "oomd"]
        v.expect(not other, f"SIGKILLs to oomd's victims from others: {other}")
        v.expect(not [c for c in mreleases if c["comm"] == "oomd"],
                 f"oomd called process_mrelease: {[c for c in mreleases if c['comm'] == 'oomd']}")
        v.expect(all(p in exits for p in victims),
                 f"victims without an exit in tracefs: {[p for p in victims if p not in exits]}")
    run("meta oomd: ground truth: its log and tracefs agree, one delivered kill(2) "
        "SIGKILL per victim, no process_mrelease", t_truth)

    def t_incidents(v):
        for p in victims:
            v.expect(len(minc[p]) == 1, f"victim {p}: {len(minc[p])} incidents, want 1")
        v.expect_eq(len([i for i in incs if i.get("tgid") in victims]), len(logged),
                    "incidents vs the pids oomd logged")
    run("meta oomd: tool: one incident per process oomd killed", t_incidents)

    vinc = [l[0] for l in minc.values() if len(l) == 1]

    def t_killer(v):
        if not v.expect(vinc, "no incident to check"):
            return
        for i in vinc:
            k_ = i.get("killer") or {}
            p = i.get("tgid")
            check_killer_id(v, i, "oomd", "exe", METAOOMD_EXE, moomd)
            v.expect_eq(k_.get("signal"), "SIGKILL", f"{p}: killer.signal")
            tr = [e for e in delivered if e["pid"] == p]
            v.expect_eq(k_.get("signals"), len(tr), f"{p}: killer.signals vs tracefs's "
                        "delivered SIGKILLs")
            if tr:
                v.expect_eq(k_.get("pid"), tr[0]["tid"], f"{p}: killer.pid (tracefs's sender)")
                v.expect(i.get("kill_ts_ns") is not None
                         and abs(i["kill_ts_ns"] - tr[0]["ts"]) <= TS_TOL_NS,
                         f"{p}: kill_ts_ns {i.get('kill_ts_ns')} vs signal_generate {tr[0]['ts']}")
    run("meta oomd: tool: the killer is oomd by its exe, its MainPID, the sender and time "
        "tracefs shows", t_killer)

    def t_method(v):
        if not v.expect(vinc, "no incident to check"):
            return
        for i in vinc:
            k_ = i.get("killer") or {}
            p = i.get("tgid")
            v.expect_eq(k_.get("method"), "kill", f"{p}: killer.method")
            tr = [e for e in delivered if e["pid"] == p]
            if tr:
                v.expect_eq(k_.get("method"), tr[0]["method"],
                            f"{p}: killer.method vs the kernel's stack at its SIGKILL")
            v.expect_eq(k_.get("syscall_nr"), KILL_NR, f"{p}: killer.syscall_nr (kill)")
            v.expect("cgroup_kill" in k_ and k_["cgroup_kill"] is None,
                     f"{p}: killer.cgroup_kill {k_.get('cgroup_kill', '(absent)')!r}, want null")
            mr = i.get("mrelease")
            v.expect(mr is None or (isinstance(mr, dict) and not mr.get("calls")),
                     f"{p}: mrelease {mr!r}, want no call")
    run("meta oomd: tool: killer.method is kill (the kernel's stack), no cgroup_kill, "
        "no process_mrelease", t_method)

    def t_end(v):
        check_ended(v, vinc, exits)
    run("meta oomd: tool: each victim's exit as tracefs's, or its loss counted", t_end)

    run("meta oomd: tool: each victim's cgroup is its unit's",
        lambda v: check_cgroup(v, vinc, MUNIT_CG, mcgid))


def cross_checks(run, incs, unit_pids, munit_pids, nunit_pids):
    """The three killers each on their own slice, and the tool never mixing
    them up."""

    def t_cross(v):
        v.expect(unit_pids and munit_pids and nunit_pids, f"a case did not run: "
                 f"systemd-oomd's victims {unit_pids}, oomd's {munit_pids}, "
                 f"nohang's {nunit_pids}")
        every = unit_pids + munit_pids + nunit_pids
        v.expect(len(set(every)) == len(every),
                 f"the units share pids: {sorted({p for p in every if every.count(p) > 1})}")
        for i in incs:
            k_ = (i.get("killer") or {}).get("name")
            cg = i.get("cgroup") or ""
            p = i.get("tgid")
            if cg.startswith(SLICE_CG + "/") or p in unit_pids:
                v.expect_eq(k_, "systemd-oomd", f"{p} ({cg}): killer.name")
            if cg.startswith("/metaoomd.slice/") or p in munit_pids:
                v.expect_eq(k_, "oomd", f"{p} ({cg}): killer.name")
            if cg.startswith(NSLICE_CG + "/") or p in nunit_pids:
                v.expect_eq(k_, "nohang", f"{p} ({cg}): killer.name")
            if k_ == "nohang":
                v.expect(cg.startswith(NSLICE_CG + "/"),
                         f"{p}: a nohang incident in {cg!r}, outside {NSLICE_CG}")
    run("cross: each slice's incidents told as its own killer's only (oomtest.slice "
        "systemd-oomd's, metaoomd.slice oomd's, nohangtest.slice nohang's), no nohang "
        "incident elsewhere", t_cross)


# nohang 0.3.0 logs with print(), a message of several lines at once: the
# journal has each line alone.  Before each action its victim's status
# ("Victim status ...", then "  PID:       N, name: COMM, state: ..."),
# then "Implementing a corrective action:", "  Sending SIGTERM to the
# victim" (or SIGKILL), its os.kill(pid, sig), "OK; total response time:
# Nms"; a SIGTERMed victim still alive after max_soft_exit_time gets the
# SIGKILL ("max_soft_exit_time (value=Ns) is exceeded for the victim, hard
# corrective action will be applied").
NOHANG_LINE_RX = re.compile(r"\bnohang\[(?P<pid>\d+)\]: (?P<msg>.*)$")
NOHANG_VICTIM_RX = re.compile(r"^\s*PID:\s+(?P<pid>\d+), name: (?P<name>.*?), state: ")
NOHANG_SENDING_RX = re.compile(r"^\s*Sending (?P<sig>SIG[A-Z]+) to the victim\s*$")
NUNIT_CG = "/nohangtest.slice/nohang-bloat.service"
NSLICE_CG = "/nohangtest.slice"
SIGNAMES = {9: "SIGKILL", 15: "SIGTERM"}


def nohang_actions(journal):
    """nohang's corrective actions as it logged them: [{nohang: the
    logging pid, sig: "SIGTERM"|"SIGKILL", pid: the victim its last
    "Victim status" named (None if none), name, ok: its "OK" line
    followed}]."""
    out, victim = [], {}
    for m in map(NOHANG_LINE_RX.search, journal):
        if not m:
            continue
        npid, msg = int(m.group("pid")), m.group("msg")
        vm = NOHANG_VICTIM_RX.match(msg)
        if vm:
            victim[npid] = (int(vm.group("pid")), vm.group("name"))
            continue
        sm = NOHANG_SENDING_RX.match(msg)
        if sm:
            vp, vn = victim.pop(npid, (None, None))
            out.append(dict(nohang=npid, sig=sm.group("sig"), pid=vp, name=vn, ok=False))
            continue
        if msg.startswith("OK; total response time:"):
            last = next((a for a in reversed(out) if a["nohang"] == npid), None)
            if last is not None:
                last["ok"] = True
    return out


def nohang_checks(run, g, incs, all_sigs, exits):
    """nohang (Debian's 0.3.0, a Python script) on nohangtest.slice: its own
    log, tracefs (SIGTERMs and SIGKILLs) and the victim's pid read before
    against the tool's incidents, the killer known by its unit's cgroup
    (--killer-cgroup)."""
    info = g["info"]
    nbloat = g["nbloat"] or {}
    victims = sorted(pids(nbloat.get("pids")))
    ninfo = info.get("nohang_pid", "")
    nfields = dict(re.findall(r"(\w+)=(\S*)", ninfo))
    nohang = int((ninfo.split() or ["0"])[0] or 0) if ninfo[:1].isdigit() else 0
    ncomm = nfields.get("comm")
    ncg = nfields.get("cgroup")
    actions = nohang_actions(g["journal"])
    # nohang's signals: sent by its process (its comm; its thread ids are
    # checked against its MainPID below), in the order the kernel saw them
    nsigs = sorted((e for e in all_sigs if ncomm and e["comm"] == ncomm), key=lambda e: e["ts"])
    delivered = [e for e in nsigs if e["res"] == 0]
    terms_seen = sum(1 for l in g["journal"]
                     if re.search(r"\boomdfix\[\d+\]: SIGTERM ignored\s*$", l))
    ninc = {p: [i for i in incs if i.get("tgid") == p] for p in victims}
    ncgid = int(nbloat.get("cgroup_id") or 0) or None

    def t_ran(v):
        v.expect(nohang > 0 and nfields.get("state") == "active",
                 f"nohang.service not running: {ninfo!r}")
        v.expect("nohang=0.3.0" in info.get("packages", ""),
                 f"the nohang package: {info.get('packages')!r}, want 0.3.0")
        v.expect_eq(ncomm, "nohang", "the comm of nohang.service's MainPID (a Python script)")
        v.expect_eq(ncg, NOHANG_CG, "nohang.service's cgroup (/proc/PID/cgroup) vs the one "
                    "the tool is given")
        # its slice made only as the unit starts: not there when the tool
        # started, whose --killer-cgroup must find the cgroup all the same
        v.expect("state=inactive at the tool's start" in info.get("nohang_slice", ""),
                 f"nohang.service's slice when the tool started: "
                 f"{info.get('nohang_slice')!r}, want inactive (not made yet)")
        v.expect(len(victims) == 1, f"the unit's pids before the kill: {victims} (want 1)")
        v.expect(info.get("nbloat_state", "").startswith(("failed", "inactive")),
                 f"nohang's victim unit after the kill: {info.get('nbloat_state')!r}")
        if v.expect(actions, "nohang logged no \"Sending SIG... to the victim\" line"):
            v.expect({a["nohang"] for a in actions} == {nohang},
                     f"actions logged by pids {sorted({a['nohang'] for a in actions})}, "
                     f"nohang.service's MainPID is {nohang}")
            v.expect(all(a["pid"] in victims for a in actions),
                     f"victims its actions named: {[(a['pid'], a['name']) for a in actions]}, "
                     f"the unit's pids {victims}")
            v.expect(all(a["ok"] for a in actions),
                     f"actions without their \"OK\" line: {[a for a in actions if not a['ok']]}")
            v.expect_eq(actions[-1]["sig"], "SIGKILL", "nohang's last action")
    run("nohang: Debian's nohang 0.3.0 ran as nohang.service in its cgroup (its slice made "
        "after the tool started) and logged its actions on the victim", t_ran)

    def t_truth(v):
        """nohang's log, tracefs and the pid read before agree: what the
        tool is held to."""
        v.expect(nsigs, f"tracefs shows no signal from {ncomm!r}")
        v.expect_eq([(SIGNAMES.get(e["sig"]), e["pid"]) for e in nsigs],
                    [(a["sig"], a["pid"]) for a in actions],
                    "nohang's signals in tracefs (signal, pid, in order) vs its logged actions")
        v.expect(all(e["res"] == 0 for e in nsigs),
                 f"nohang's signals not delivered: {[(e['sig'], e['pid'], e['res']) for e in nsigs if e['res']]}")
        v.expect_eq(sorted({e["pid"] for e in delivered}), victims,
                    "the pids tracefs shows nohang signalling vs the unit's before the kill")
        v.expect({e["method"] for e in nsigs} == {"kill"},
                 f"the kernel's stacks at nohang's signals say "
                 f"{sorted({str(e['method']) for e in nsigs})}, not kill(2)")
        v.expect(all(e["tid"] == nohang for e in nsigs),
                 f"signals from nohang threads {sorted({e['tid'] for e in nsigs})}, "
                 f"its MainPID is {nohang}")
        v.expect_eq(terms_seen, sum(1 for e in delivered if e["sig"] == 15),
                    "the victim's \"SIGTERM ignored\" lines vs nohang's SIGTERMs in tracefs")
        other = [(e["comm"], e["tid"], e["sig"], e["pid"]) for e in all_sigs
                 if e["pid"] in victims and e["res"] == 0 and e not in nsigs]
        v.expect(not other, f"signals to nohang's victim from others: {other}")
        for p in victims:
            last = max((e["ts"] for e in delivered if e["pid"] == p), default=None)
            if v.expect(p in exits, f"{p}: no sched_process_exit in tracefs"):
                v.expect(last is not None and exits[p] >= last,
                         f"{p}: exit at {exits[p]}, before nohang's last signal {last}")
    run("nohang: ground truth: its log and tracefs agree, each signal delivered by "
        "kill(2) from its MainPID, the victim's SIGTERMs and exit", t_truth)

    def t_incidents(v):
        for p in victims:
            v.expect(len(ninc[p]) == 1, f"victim {p}: {len(ninc[p])} incidents, want 1")
        v.expect(victims, "no victim")
        v.expect_eq(len([i for i in incs if i.get("tgid") in victims]),
                    len({a["pid"] for a in actions}), "incidents vs the pids nohang signalled")
    run("nohang: tool: one incident per process nohang killed", t_incidents)

    vinc = [l[0] for l in ninc.values() if len(l) == 1]

    def t_killer(v):
        if not v.expect(vinc, "no incident to check"):
            return
        for i in vinc:
            k_ = i.get("killer") or {}
            p = i.get("tgid")
            check_killer_id(v, i, "nohang", "cgroup", NOHANG_CG, nohang)
            v.expect_eq(k_.get("method"), "kill", f"{p}: killer.method")
            tr = [e for e in delivered if e["pid"] == p]
            if not v.expect(tr, f"{p}: no signal of nohang's in tracefs"):
                continue
            v.expect_eq(k_.get("pid"), tr[0]["tid"], f"{p}: killer.pid (tracefs's sender)")
            v.expect_eq(k_.get("method"), tr[0]["method"],
                        f"{p}: killer.method vs the kernel's stack at its first signal")
            v.expect_eq(k_.get("signal"), SIGNAMES.get(tr[0]["sig"]),
                        f"{p}: killer.signal (tracefs's first)")
            v.expect_eq(k_.get("last_signal"), SIGNAMES.get(tr[-1]["sig"]),
                        f"{p}: killer.last_signal (tracefs's last)")
            v.expect_eq(k_.get("signals"), len(tr), f"{p}: killer.signals vs tracefs's "
                        "delivered signals")
            v.expect(i.get("kill_ts_ns") is not None
                     and abs(i["kill_ts_ns"] - tr[0]["ts"]) <= TS_TOL_NS,
                     f"{p}: kill_ts_ns {i.get('kill_ts_ns')} vs the first signal_generate "
                     f"{tr[0]['ts']}")
    run("nohang: tool: the killer is nohang by its cgroup (no exe), its MainPID, kill(2), "
        "the signals, sender and time tracefs shows", t_killer)

    def t_end(v):
        check_ended(v, vinc, exits)
    run("nohang: tool: each victim's exit as tracefs's, or its loss counted", t_end)

    run("nohang: tool: the victim's cgroup is its unit's",
        lambda v: check_cgroup(v, vinc, NUNIT_CG, ncgid))


R = harness.Runner(failures=(vmguest.Failure, RuntimeError))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rebuild-root", action="store_true",
                    help="build the root again even if cached")
    ap.add_argument("--check-log", metavar="GUEST_LOG",
                    help="no guest: the checks on a guest.log a run kept")
    args = ap.parse_args()
    if args.check_log:
        with open(args.check_log, "rb") as f:
            text = vmguest.clean(f.read().decode("utf-8", "replace"))
        checks(dict(how="(a kept log)", logf=args.check_log), parse_guest(text), None)
        return R.close()
    if os.geteuid() != 0:
        R.skip("systemd-oomd guest", "not root")
        return R.close()
    for tool in ("mmdebstrap", "qemu-system-x86_64", "cpio", "gcc"):
        if not shutil.which(tool):
            R.skip("systemd-oomd guest", f"{tool} not found")
            return R.close()
    start_run_logs()
    note(f"run {RUN_ID}: logs in {os.path.relpath(LOGDIR, ROOT)}")
    t0 = time.monotonic()
    try:
        fix = build_payload()
        tar, built = root_tar(args.rebuild_root)
        base = base_cpio(tar)
    except (vmguest.Failure, RuntimeError, OSError, subprocess.CalledProcessError) as e:
        R.fail("systemd-oomd guest: prepare", str(e)[-1500:])
        return R.close()
    note(f"root prepared in {time.monotonic() - t0:.1f} s ({os.path.basename(tar)}"
         f"{f', built in {built:.0f} s' if built else ', cached'})")
    for series in SERIES:
        one_kernel(series, fix, base)
    return R.close("systemd-oomd guest")


def one_kernel(series, fix, base):
    """The guest on one kernel series, its checks named after it."""
    t0 = time.monotonic()
    try:
        k = vmguest.prepare_kernel(series)
        k.update(id=f"oomd-{k['rel']}", smp=2)
        mods = module_files(k) if ZRAM_MB > 0 else []
        initrd = initramfs(base, overlay_cpio(k, fix, mods))
    except (vmguest.Failure, RuntimeError, OSError, subprocess.CalledProcessError) as e:
        R.fail(f"{series}: systemd-oomd guest: prepare", str(e)[-1500:])
        return
    note(f"{k['rel']}: prepared in {time.monotonic() - t0:.1f} s "
         f"(initramfs {os.path.getsize(initrd) >> 20} MiB)")
    try:
        text, secs, how, logf = vmguest.boot(k, initrd, LOGDIR, append=APPEND, timeout=TIMEOUT)
    finally:
        vmguest.kill_guests()
    note(f"{k['rel']}: guest done in {secs:.1f} s ({how}); guest log "
         f"{os.path.relpath(os.path.join(LOGDIR, k['id'], 'guest.log'), ROOT)}")
    g = parse_guest(text)
    for s in g["steps"]:
        note("guest " + s)
    for key in ("systemd", "systemd_oomd", "packages", "swap", "oomd_pid", "bloat_state"):
        if key in g["info"]:
            note(f"{key}: {g['info'][key]}")
    # the tool's recording of the run, kept beside the logs (a golden's source)
    for name, data in g["files"].items():
        if re.fullmatch(r"[\w.+-]+\.oomrec", name):
            with contextlib.suppress(ValueError, OSError), \
                    open(os.path.join(LOGDIR, name), "wb") as f:
                f.write(base64.b64decode(data, validate=True))
                note(f"recording kept: {os.path.relpath(os.path.join(LOGDIR, name), ROOT)}")
    r = dict(how=how, logf=logf)
    if g["begin"] is None:
        print(vmguest.console_tail(logf), flush=True)
    checks(r, g, k, prefix=f"{k['rel'].split('+')[0]}: ")
    sample = next((i for i in g["json"] if i.get("kind") == "userspace"), None)
    if sample:
        note("an incident: " + json.dumps(sample, separators=(",", ":")))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        vmguest.kill_guests()
        sys.exit(R.interrupted("systemd-oomd guest"))
