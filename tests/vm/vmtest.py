#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The kernel matrix: one oomreap-trace binary on Debian 11's two 5.10
kernels (bullseye main's, with a pid-only mark_victim, and the newest of
bullseye-security), Debian 12's newest 6.1 and 6.12, and trixie-backports'
newest 7.0, newest 7.x and its PREEMPT_RT flavour under qemu (TCG), every
attach rung, the end-to-end scenarios, the newest 7.x again with 8 vCPUs
for the RSS figures' exactness, plus this host's own kernel on the
tracepoint rung.  `make vmtest`.

Host side of tests/vm/: fetches the kernels with `apt-get download` (cached
in .vmtest-cache/), builds the test module against each kernel's Debian
headers (extracted, not installed), an initramfs per kernel (busybox-static,
the static tool, tests/vm/vmfix, the tests/fixtures/ programs linked
statically, tests/vm/init and guest.sh), boots one guest at a time, and
asserts on what the guest printed between its markers: the tool's JSON
against the guest kernel's own log lines and tracefs events.  Prints a
table kernel x rung x scenario and "N passed, N failed"; exits non-zero on
any failure, and on a guest that hangs, panics or prints nothing (with the
tail of its console log).

Environment knobs:
  VMTEST_KERNELS    rows to boot (default "5.10-bullseye 5.10 6.1 6.12 6.17 7.0
                    7.x 7.x-rt 7.x@8 6.12@8"); SERIES@N: N vCPUs, running
                    VMTEST_SMP_SCENARIOS instead
  VMTEST_SMP_SCENARIOS  scenarios of the SERIES@N rows (default "R-allcpu")
  VMTEST_STORM_SCENARIOS  added on rows whose tracepoint programs run
                    preemptible (7.0+, a preemptible build; default
                    "M-storm": runs the kernel skips; "" for none), on
                    the tracepoint rung only
  VMTEST_STORM_SECS M-storm's storm, seconds (default 20: about 35 s a rung)
  VMTEST_RUNGS      default "fentry kprobe tracepoint auto"
  VMTEST_SCENARIOS  default "A B-frz B-fuse C-mod-reap C-mod-unable C-fuse
                    C-fuse-partial G O-global" (R-allcpu also exists)
  VMTEST_ONE_RUNG_SCENARIOS  added on the killer rows, on their one rung
                    (default "O-slab"; "" for none)
  VMTEST_AUTO_FULL_ROWS  rows whose auto rung runs every scenario (default
                    "7.x"); elsewhere, where auto loads another rung's very
                    programs, it runs A and the one-rung scenarios
  VMTEST_HOST       0 skips this host's row (default 1)
  VMTEST_TIMEOUT    seconds per guest (default 900)
  VMTEST_JOBS       guests booted at once (default: 2, or 1 on one CPU)
  VMTEST_CACHE      download cache (default .vmtest-cache)
  VMTEST_TOOL_ARGS  extra options for the tool in the guests (e.g. -v)
  VMTEST_VERBOSE=1  print every failed check's details
  VMTEST_BUSY=N     N busy loops on the host for the whole run (flake hunt:
                    the matrix must pass with the host's CPUs taken)
  VMTEST_RECORD_G=1 scenarios G, O-global, O-slab and U-* recorded too
                    (tracepoint rung), kept beside the guest's console log as
                    real-<release>-group-kill.oomrec, -global-oom.oomrec, -slab-oom.oomrec,
                    -earlyoom-<U scenario>.oomrec (with --mrelease where the tool has it)
  VMTEST_INJECT     shell the guest runs first: harness self-test, e.g.
                    'echo c >/proc/sysrq-trigger' (panic) or 'sleep 9999' (hang)
"""
import base64
import concurrent.futures
import contextlib
import json
import lzma
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import oomreport  # noqa: E402  (tests/lib: the kernel's OOM report, read on its own)
import vmguest  # noqa: E402  (tests/lib: Debian's kernels and a qemu guest: bench/vm_startup.py too)
from vmguest import (CACHE, NEW_SUITES, SERIES, Failure, apt_state, cached_deb,  # noqa: E402
                     clean, fetch, is_static_elf, kill_guests, log, prepare_kernel, run, tail)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BUILD = os.path.join(ROOT, "build", "vmtest")
TOOL = os.path.join(ROOT, "build", "static", "oomreap-trace")

DEFAULT_KERNELS = "5.10-bullseye 5.10 6.1 6.12 6.17 7.0 7.x 7.x-rt 7.x@8 6.12@8"
RUNGS = os.environ.get("VMTEST_RUNGS", "fentry kprobe tracepoint auto").split()
SCENARIOS = os.environ.get("VMTEST_SCENARIOS",
                           "A B-frz B-fuse C-mod-reap C-mod-unable C-fuse "
                           "C-fuse-partial G O-global").split()
# The userspace killers' scenarios (guest.sh scen_U; docs/KILLERS.md): on
# these rows, on one rung (their programs are tracepoints on every rung:
# auto, else the last of VMTEST_RUNGS).  Listed in VMTEST_SCENARIOS
# instead, they run on every row and rung.
KILLER_SCENARIOS = os.environ.get("VMTEST_KILLER_SCENARIOS",
                                  "U-earlyoom U-neg U-term U-term-handled").split()
KILLER_ROWS = os.environ.get("VMTEST_KILLER_ROWS", "5.10 6.12 7.x").split()
# Scenarios run on those rows on that one rung as well: O-slab (a global OOM
# whose report lists the unreclaimable slab caches) proves the kernel's
# formats, which do not depend on the rung.  Listed in VMTEST_SCENARIOS
# instead, they run on every row and rung.
ONE_RUNG_SCENARIOS = os.environ.get("VMTEST_ONE_RUNG_SCENARIOS", "O-slab").split()
# Rows whose tool runs as the systemd unit runs it, with --pin (a pinned
# set, replaced at each rung: its --attach differs).  On 5.10 tracepoint
# and kprobe links are perf events the kernel cannot pin: the tool must say
# so and trace unpinned; fentry's are pinned.
PIN_ROWS = os.environ.get("VMTEST_PIN_ROWS", "5.10 7.x").split()
PIN_DIR = "/sys/fs/bpf/oomreap-trace"
HOST_SCENARIOS = ["A", "B-fuse", "C-fuse", "C-fuse-partial"]  # no freezer recipe (6.18 thaws the group), no module
# From 6.18 mark_oom_victim() thaws the victim's whole thread group, in a
# v1 freezer as in cgroup2's: B-frz's frozen second thread exits with the
# first, and the victim's own exit frees the mm (docs/LAB.md).  The reaped
# victim is B-fuse's (and R-allcpu's) there.
THAWS_GROUP = (6, 18)
# A row "SERIES@N" boots the kernel with N vCPUs and runs these instead: the
# exactness of the RSS figures where every CPU holds part of the counters.
MANY_CPU_SCENARIOS = os.environ.get("VMTEST_SMP_SCENARIOS", "R-allcpu").split()
# Rows whose tracepoint programs run preemptible (7.0+, a preemptible
# build) also run these: runs of the tool's programs the kernel skips, for
# real (guest.sh scen_M, tests/vm/exitstorm.c).
STORM_SCENARIOS = os.environ.get("VMTEST_STORM_SCENARIOS", "M-storm").split()
# Its storm's length: 20 s gave 4 to 149 skipped runs under TCG (docs/LAB.md)
STORM_SECS = os.environ.get("VMTEST_STORM_SECS", "20")
# Its one rung: the storm skips runs of the exit program, which is the
# sched_process_exit tracepoint's on every rung, so the other rungs would
# repeat it (about 35 s each: three rungs of three rows kept the matrix
# over its 20 minutes in CI); the tracepoint rung, where every program is
# a tracepoint's, the kill's too.
STORM_RUNG = "tracepoint" if "tracepoint" in RUNGS else RUNGS[-1]
# The auto rung loads, tag for tag, the programs of the rung it chooses
# (fentry in every guest): its cells would repeat that rung's, about 50 s
# of each guest.  Where the guest finds the tags equal (guest.sh
# auto_same; checked here from its @@PROBE lines) the auto rung runs A and
# the one-rung scenarios only, the rest n/a; on these rows it runs all.
AUTO_FULL_ROWS = os.environ.get("VMTEST_AUTO_FULL_ROWS", "7.x").split()
AUTO_KEPT = ("A",)
# Guests booted at once (each is one host thread); the host row runs alone.
JOBS = max(1, int(os.environ.get("VMTEST_JOBS", str(min(2, os.cpu_count() or 1)))))
# The tool's raw events (-v) go to its stderr, shown with a failed cell's log.
TOOL_ARGS = os.environ.get("VMTEST_TOOL_ARGS", "-v")
VERBOSE = os.environ.get("VMTEST_VERBOSE") == "1"
# Scenarios G, O-global and O-slab also recorded, on the tracepoint rung, by a second tool: the
# recording is kept beside the guest's console log (a golden's source).
RECORD_G = "1" if os.environ.get("VMTEST_RECORD_G") == "1" else ""

# What each scenario must end as (docs/LAB.md).  fails = trylock failures range.
EXPECT = {
    "A": dict(outcome="victim_exited", fails=(0, 0), kmsg="none"),
    "B-frz": dict(outcome="reaped", fails=(0, 0), kmsg="reaped"),
    "B-fuse": dict(outcome="reaped", fails=(0, 0), kmsg="reaped"),
    "C-mod-reap": dict(outcome="reaped", fails=(1, 9), kmsg="reaped"),
    "C-mod-unable": dict(outcome="gave_up", fails=(10, 10), kmsg="unable"),
    "C-fuse": dict(outcome="gave_up", fails=(10, 10), kmsg="unable"),
    # released after the 4th failure: the victim exits while the reaper
    # retries; its next attempt finds MMF_OOM_SKIP (or, rarely, reaps)
    "C-fuse-partial": dict(outcome="victim_exited", fails=(4, 9), kmsg="none",
                           partial=True),
    # B-fuse with the victim's memory touched from every CPU
    "R-allcpu": dict(outcome="reaped", fails=(0, 0), kmsg="reaped"),
    # a global OOM: the hog is killed in its own page fault; unmapping most
    # of the guest's memory may outlast the reaper's delay, and then it reaps
    "O-global": dict(outcome="victim_exited", fails=(0, 0), kmsg="none", either=True),
    # the same with more unreclaimable slab than user memory: the slab table
    "O-slab": dict(outcome="victim_exited", fails=(0, 0), kmsg="none", either=True),
}
# Tool timestamp vs the tracefs event of the same moment.  On the function
# rungs the tool stamps the function's entry, before the tracepoint, with its
# own program in between; under TCG on this shared 2-CPU host a vCPU can
# stall for several ms at any point (measured: up to 15 ms).  40 ms is still
# less than half the reaper's 100 ms retry interval: a timestamp cannot be
# matched to the wrong attempt.
TS_TOL_NS = 40_000_000
# ... and for an event that happens once per victim (its kill, the reaper's
# wake-up, the reap's finish, its exit, one process_mrelease call), where no
# neighbour of the same kind is near: a stamp from the wrong phase is still
# off by the reaper's 2 s delay, while the vCPU stalls of a busy host (55 ms
# between a fentry and the tracepoint in the same function, measured with
# other guests and builds running) no longer fail the cell.
ONCE_TOL_NS = 250_000_000
# From 7.0 tracepoints are SRCU-protected and their probes preemptible: the
# tool's probe and tracefs's on one event may be a preemption apart.
PREEMPTIBLE_TP_SINCE = (7, 0)


def kernel_version(release):
    m = re.match(r"(\d+)\.(\d+)", release or "")
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def rss_tolerance(release, ncpu):
    """How far the tool's RSS may be from the kernel's log line, in bytes.
    From 7.0 the "Killed process" and "reaped process" lines sum the
    per-CPU parts of the RSS counters (get_mm_counter_sum): exact, and the
    tool must match them to a few pages.  Before, they read the counter's
    approximate total, as the tool does at about the same moment; the most
    the two approximations can differ by is what the CPUs may hold
    unfolded: batch = max(32, 2 x ncpu) pages each (percpu_counter)."""
    if kernel_version(release) >= (7, 0):
        return 8 * 4096
    return ncpu * max(32, 2 * ncpu) * 4096


# Every run keeps its own logs (console of each guest, the host row, this
# output): a failure seen once must be readable after the next run.
RUN_ID = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{os.getpid()}"
RUNS = os.path.join(BUILD, "runs")
LOGDIR = os.path.join(RUNS, RUN_ID)
KEEP_RUNS = 50


def start_run_logs():
    os.makedirs(LOGDIR, exist_ok=True)
    vmguest.log_to(os.path.join(LOGDIR, "matrix.log"))
    old = sorted(d for d in os.listdir(RUNS) if d != RUN_ID)
    for d in old[:max(0, len(old) - KEEP_RUNS + 1)]:
        shutil.rmtree(os.path.join(RUNS, d), ignore_errors=True)


# ---------------------------------------------------------------- kernels

# ---------------------------------------------------------------- apt

class NoHeaders(Exception):
    """The archive has no headers for this kernel: its module scenarios are n/a."""


def glibc_version():
    m = re.search(r"(\d+)\.(\d+)", os.confstr("CS_GNU_LIBC_VERSION") or "")
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def newer_glibc(opts):
    """The loader and library directory of a C library from the kernel's own
    suites (extracted under the cache, never installed)."""
    d = os.path.join(CACHE, "glibc")
    ld = os.path.join(d, "usr", "lib", "x86_64-linux-gnu", "ld-linux-x86-64.so.2")
    if not os.path.exists(ld):
        deb = fetch("libc6", "glibc", opts)
        shutil.rmtree(d, ignore_errors=True)
        run(["dpkg-deb", "-x", deb, d])
    return ld, os.path.dirname(ld)


def wrap_new_glibc_tools(k):
    """Debian's 7.x kbuild tools (objtool, modpost, resolve_btfids) are
    linked against a newer C library than this machine's: each one that
    needs a newer GLIBC symbol version runs through that library's own
    loader instead (a wrapper script in its place)."""
    host = glibc_version()
    ld = None
    tools = os.path.join(k["dir"], "hdr", "usr", "lib")
    for root, _, files in os.walk(tools):
        for f in files:
            path = os.path.join(root, f)
            if f.endswith(".glibc") or not os.access(path, os.X_OK) or os.path.islink(path):
                continue
            with open(path, "rb") as fh:
                data = fh.read()
            if data[:4] != b"\x7fELF":
                continue
            need = max(((int(a), int(b)) for a, b in
                        re.findall(rb"GLIBC_(\d+)\.(\d+)", data)), default=(0, 0))
            if need <= host:
                continue
            ld = ld or newer_glibc(k["opts"])
            os.rename(path, path + ".glibc")
            with open(path, "w") as fh:
                fh.write(f'#!/bin/sh\nexec "{ld[0]}" --library-path "{ld[1]}" '
                         f'"{path}.glibc" "$@"\n')
            os.chmod(path, 0o755)


def build_module(k):
    if not k["headers"]:
        raise NoHeaders("n/a (no headers in the archive)")
    out = os.path.join(BUILD, k["rel"], "module")
    os.makedirs(out, exist_ok=True)
    for f in ("oomhold.c", "Kbuild"):
        shutil.copy(os.path.join(HERE, "module", f), out)
    # Module BTF is generated with this machine's pahole, which may be
    # older than the kernel's; the module needs none (nothing reads it).
    cmd = ["make", "-s", "-C", k["kdir_build"], f"M={out}", "modules",
           "CONFIG_DEBUG_INFO_BTF_MODULES="]
    # Debian's headers name the compiler the kernel was built with
    # (.kernelvariables: gcc-10 for Debian 11, gcc-12 for Debian 12,
    # gcc-14 for 6.16+).  Where that one is not on this machine, the host's
    # gcc builds this small module: vermagic does not include the compiler,
    # and the module uses no compiler-dependent kernel interface (no
    # plugins, no BTF).  A flag the host's gcc lacks is turned off at its
    # Kconfig symbol, which the kernel's Makefile has a fallback for
    # (-fmin-function-alignment, gcc 14: -falign-functions instead).
    kv = os.path.join(k["kdir_build"], ".kernelvariables")
    m = re.search(r"^CC\s*=.*?\b(gcc-\d+)\s*$", open(kv).read(), re.M) if os.path.exists(kv) else None
    if m and not shutil.which(m.group(1)) and not shutil.which(f"x86_64-linux-gnu-{m.group(1)}"):
        log(f"  {m.group(1)} is not installed: building the test module with gcc")
        cmd.append("CC=gcc")
        if subprocess.run(["gcc", "-fmin-function-alignment=16", "-x", "c", "-c", "-o",
                           os.devnull, "-"], input="", text=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode != 0:
            cmd.append("CONFIG_CC_HAS_MIN_FUNCTION_ALIGNMENT=")
    wrap_new_glibc_tools(k)
    run(cmd)
    return os.path.join(out, "oomhold.ko")


# ---------------------------------------------------------------- guest payload

def build_common():
    """Static guest binaries shared by every kernel.  Returns notes on what is missing."""
    os.makedirs(BUILD, exist_ok=True)
    if not os.path.exists(TOOL):
        run(["make", "-s", "-C", ROOT, "build/static/oomreap-trace"])
    vmfix = os.path.join(BUILD, "vmfix")
    run(["gcc", "-O2", "-Wall", "-Wextra", "-static", "-pthread", "-o", vmfix,
         os.path.join(HERE, "vmfix.c")])
    run(["gcc", "-O2", "-Wall", "-Wextra", "-static", "-pthread", "-o",
         os.path.join(BUILD, "exitstorm"), os.path.join(HERE, "exitstorm.c")])
    fx = os.path.join(BUILD, "fixtures")
    fx_err = None
    try:
        run(["make", "-s", "-C", ROOT, "-f", "tests/fixtures/fixtures.mk",
             "FIXTURES_STATIC=1", f"FIXTURES_OUT={fx}", "fixtures"])
        for n in ("fuse_hold", "oom_victim", "procpoke", "ukiller"):
            if not is_static_elf(os.path.join(fx, n)):
                fx_err = f"{n} is not statically linked"
    except RuntimeError as e:
        fx_err = f"tests/fixtures/ static build failed: {str(e)[-400:]}"
    run(["gcc", "-O2", "-Wall", "-Wextra", "-static", "-o", os.path.join(BUILD, "uhog"),
         os.path.join(HERE, "uhog.c")])
    eo, eo_err = None, None
    if any(s.startswith("U-") for s in SCENARIOS + KILLER_SCENARIOS):
        try:
            eo = earlyoom_files()
        except (RuntimeError, Failure, OSError) as e:
            eo_err = f"earlyoom: {str(e)[-300:]}"
    busybox = shutil.which("busybox") or "/bin/busybox"
    if not os.path.exists(busybox) or not is_static_elf(busybox):
        raise Failure("a static busybox is needed (apt-get install busybox-static)")
    if not is_static_elf(TOOL):
        raise Failure(f"{TOOL} is not statically linked")
    return dict(vmfix=vmfix, fx=fx, fx_err=fx_err, busybox=busybox, earlyoom=eo,
                earlyoom_err=eo_err)


# The userspace-killer scenarios' killer: Debian's earlyoom (sid), the
# .deb's own binary.  It needs only libc.so.6 (GLIBC_2.34 at most): the
# guest gets the host's C library and loader beside it.
EARLYOOM_VERSION = "1.9.0-1"


def earlyoom_files():
    """{guest path: host file}: the earlyoom binary and the C library it loads."""
    opts = apt_state(NEW_SUITES)
    deb = fetch(f"earlyoom={EARLYOOM_VERSION}", "earlyoom", opts) \
        if not cached_deb("earlyoom", "earlyoom") else cached_deb("earlyoom", "earlyoom")
    x = os.path.join(BUILD, "earlyoom")
    shutil.rmtree(x, ignore_errors=True)
    os.makedirs(x)
    run(["dpkg-deb", "-x", deb, x])
    binary = os.path.join(x, "usr", "bin", "earlyoom")
    files = {"usr/bin/earlyoom": binary}
    for line in run(["ldd", binary]).splitlines():
        m = re.search(r"(/\S+) \(0x", line)
        if m:
            files[m.group(1).lstrip("/")] = os.path.realpath(m.group(1))
    if not any(k.endswith("libc.so.6") for k in files):
        raise Failure(f"ldd {binary}: no libc.so.6")
    return files


def build_initramfs(k, common, module):
    root = os.path.join(BUILD, k["id"], "initramfs")
    shutil.rmtree(root, ignore_errors=True)
    for d in ("bin", "dev", "proc", "sys", "tmp", "etc", "vmtest/fx"):
        os.makedirs(os.path.join(root, d))
    shutil.copy(common["busybox"], os.path.join(root, "bin", "busybox"))
    os.symlink("busybox", os.path.join(root, "bin", "sh"))
    shutil.copy(os.path.join(HERE, "init"), os.path.join(root, "init"))
    os.chmod(os.path.join(root, "init"), 0o755)
    v = os.path.join(root, "vmtest")
    shutil.copy(os.path.join(HERE, "guest.sh"), v)
    shutil.copy(TOOL, os.path.join(v, "oomreap-trace"))
    shutil.copy(common["vmfix"], v)
    shutil.copy(os.path.join(BUILD, "exitstorm"), v)
    if module:
        shutil.copy(module, os.path.join(v, "oomhold.ko"))
    if not common["fx_err"]:
        for n in ("fuse_hold", "oom_victim", "procpoke", "ukiller"):
            shutil.copy(os.path.join(common["fx"], n), os.path.join(v, "fx", n))
    shutil.copy(os.path.join(BUILD, "uhog"), v)
    if common.get("earlyoom"):
        for dst, src in common["earlyoom"].items():
            os.makedirs(os.path.dirname(os.path.join(root, dst)), exist_ok=True)
            shutil.copy(src, os.path.join(root, dst))
        # the guest's mark that earlyoom may run (it acts on the whole
        # machine's memory: guest.sh never runs it without this file)
        open(os.path.join(v, "earlyoom-ok"), "w").close()
    if k["fuse_ko"]:
        dst = os.path.join(v, "fuse.ko")
        if k["fuse_ko"].endswith(".xz"):
            with lzma.open(k["fuse_ko"]) as src, open(dst, "wb") as out:
                out.write(src.read())
        else:
            shutil.copy(k["fuse_ko"], dst)
    scen = [s for s in k["scenarios"]
            if not (s in ("B-fuse", "C-fuse", "R-allcpu") and common["fx_err"])]
    with open(os.path.join(v, "config"), "w") as f:
        f.write(f'RUNGS="{" ".join(RUNGS)}"\nSCENARIOS="{" ".join(scen)}"\n'
                f'TOOL_ARGS="{TOOL_ARGS}{k.get("pin_args", "")}"\nRECORD_G="{RECORD_G}"\n'
                f'STORM_SECS="{STORM_SECS}"\nSTORM_RUNG="{STORM_RUNG}"\n'
                f'KILLER_RUNGS="{k.get("killer_rungs", "")}"\n'
                f'AUTO_FULL="{"1" if k.get("auto_full") else ""}"\n')
        # harness self-test: shell run by the guest first (e.g. a panic)
        f.write(os.environ.get("VMTEST_INJECT", "") + "\n")
    img = os.path.join(BUILD, k["id"], "initrd.cpio.gz")
    run(f"cd '{root}' && find . | cpio -o -H newc --quiet | gzip -1 > '{img}'", shell=True)
    return img


# ---------------------------------------------------------------- parsing

TRACE_RX = re.compile(r"^\s*(?P<comm>.*?)-(?P<tid>\d+)\s+\[(?P<cpu>\d+)\]\s+(?:\S+\s+)?"
                      r"(?P<s>\d+)\.(?P<us>\d+): (?P<event>\w+): (?P<rest>.*)$")
KILLED_RX = re.compile(r"Killed process (?P<pid>\d+) \((?P<comm>.*?)\) total-vm:(?P<vm>\d+)kB, "
                       r"anon-rss:(?P<anon>\d+)kB, file-rss:(?P<file>\d+)kB, "
                       r"shmem-rss:(?P<shmem>\d+)kB, UID:(?P<uid>\d+) pgtables:(?P<pgt>\d+)kB "
                       r"oom_score_adj:(?P<adj>-?\d+)")
OOMKILL_RX = re.compile(r"oom-kill:.*oom_memcg=(?P<oom_memcg>[^,]*),task_memcg=(?P<task_memcg>[^,]*),"
                        r"task=(?P<comm>.*),pid=(?P<pid>\d+),uid=")
REAPED_RX = re.compile(r"oom_reaper: reaped process (?P<pid>\d+) \((?P<comm>.*?)\), now "
                       r"anon-rss:(?P<anon>\d+)kB, file-rss:(?P<file>\d+)kB, shmem-rss:(?P<shmem>\d+)kB")
GROUP_RX = re.compile(r"Tasks in (?P<cg>\S+) are going to be killed due to memory\.oom\.group set")
UNABLE_RX = re.compile(r"oom_reaper: unable to reap pid:(?P<pid>\d+) \((?P<comm>.*?)\)")


def kv(s):
    return dict(m.groups() for m in re.finditer(r"(\S+?)=(\S+)", s))


def check_core_tags(r, feats):
    """Each rung `probe` found usable must load the same programs (tags)
    whether CO-RE relocated against the subset BTF or the whole BTF.
    Returns (rungs that passed, problems)."""
    ok, errs = 0, []
    for rung, use in sorted(feats.get("rungs", {}).items()):
        if use != "usable":
            continue
        verdict, n = r["coretags"].get(rung, ("missing", 0))
        if verdict == "same" and n > 0:
            ok += 1
        else:
            errs.append(f"CO-RE subset BTF, rung {rung}: program tags {verdict} (n={n})")
    return ok, errs


def check_auto_same(r, feats):
    """The guest's claim that the auto rung loads another rung's programs
    (@@INFO auto_same_as), checked from probe's own lines: the plan is that
    rung, and its tags equal that rung's load's.  Returns (the rung or
    None, problems)."""
    said = r["info"].get("auto_same_as")
    if not said:
        return None, []
    plan = sorted(l.split(":", 1)[1].split() for l in r["probe"] if l.startswith("program tag:"))
    rung = sorted(l.split(":", 1)[1].split() for l in r["probe"]
                  if l.startswith(f"program tag ({said}):"))
    if feats.get("auto") != said or not plan or plan != rung:
        return None, [f"auto rung: the guest said it loads {said}'s programs, probe says "
                      f"plan {feats.get('auto')}, {len(plan)} tags, "
                      f"{'equal' if plan == rung else 'different'}"]
    return said, []


def check_slice(r, release):
    """The reader's scheduler slice (src/live/sched_slice.h): kernels from
    6.12 grant it, older ones accept and ignore it, and the tool says
    which.  Returns (1 or 0, problems)."""
    m = re.match(r"(\d+)\.(\d+)", release)
    want = "granted" if m and (int(m.group(1)), int(m.group(2))) >= (6, 12) else "ignored"
    said = [l.partition("scheduler slice of 500 us: ")[2] for l in r["slice"]]
    if len(said) == 1 and said[0].startswith(want):
        return 1, []
    return 0, [f"scheduler slice: want '{want}' on {release}, the tool said "
               f"{said or 'nothing'}"]


def parse_console(text):
    r = dict(begin=None, end=None, probe=[], probe_rc=None, rungs={}, warns=[], lines=0,
             coretags={}, info={}, files=[], slice=[])
    rung = scen = None
    for raw in text.split("\n"):
        i = raw.find("@@")
        if i < 0:
            continue
        line = raw[i:]
        r["lines"] += 1
        tag, _, rest = line.partition(" ")
        if tag == "@@VMTEST":
            if rest.startswith("BEGIN"):
                r["begin"] = kv(rest).get("release")
            elif rest.startswith("END"):
                r["end"] = kv(rest).get("rc")
        elif tag == "@@PROBE":
            if rest.startswith("rc=") and r["probe_rc"] is None:
                r["probe_rc"] = rest[3:].strip()
            else:
                r["probe"].append(rest)
        elif tag == "@@FILE":
            name, _, data = rest.partition(" ")
            r["files"].append((name, data.strip()))
        elif tag == "@@INFO":
            r["info"].update(kv(rest))
        elif tag == "@@SLICE":
            r["slice"].append(rest)
        elif tag == "@@CORETAGS":
            a = kv(rest)
            r["coretags"][a.get("rung")] = (rest.split()[-1], int(a.get("n", "0")))
        elif tag == "@@RUNG":
            a = kv(rest)
            if rest.startswith("BEGIN"):
                rung = r["rungs"].setdefault(a["rung"], dict(rc=None, json=[], toolerr=[],
                                                             scens={}, warns=[], skipped={},
                                                             attempts=[], kmsg=[],
                                                             oomkills={}))
            elif rest.startswith("END") and a.get("rung") in r["rungs"]:
                r["rungs"][a["rung"]]["rc"] = a.get("rc")
        elif tag == "@@SCEN":
            a = kv(rest)
            if rest.startswith("BEGIN") and rung is not None:
                scen = dict(victim=int(a["victim"]), attrs=a, kmsg=[], trace=[], warns=[])
                rung["scens"][a["scen"]] = scen     # the last attempt
                rung["attempts"].append(scen)
            elif rest.startswith("END"):
                scen = None
            elif rest.startswith("SKIP") and rung is not None:
                rung["skipped"][a.get("scen")] = rest
        elif tag == "@@EOOM" and scen is not None:
            scen.setdefault("eoom", []).append(rest)
        elif tag == "@@KMSG" and scen is not None:
            scen["kmsg"].append(rest)
        elif tag == "@@TRACE" and scen is not None:
            scen["trace"].append(rest)
        elif tag == "@@JSON" and rung is not None:
            rung["json"].append(rest.partition(" ")[2])
        elif tag == "@@OOMKILLS" and rung is not None:
            a = kv(rest)
            rung["oomkills"][a.get("cg")] = rung["oomkills"].get(a.get("cg"), 0) + \
                int(a.get("n", "0"))
        elif tag == "@@STORM" and rung is not None:
            rung["storm"] = rest.partition(" ")[2]
        elif tag == "@@RKMSG" and rung is not None:
            rung["kmsg"].append(rest.partition(" ")[2])
        elif tag == "@@TOOLERR" and rung is not None:
            rung["toolerr"].append(rest.partition(" ")[2])
        elif tag == "@@STEP" and rung is not None:
            rung["cur"] = kv(rest).get("scen")
        elif tag == "@@WARN":
            if rung is not None:
                rung["warns"].append((rung.get("cur"), rest))
            else:
                r["warns"].append(rest)
    return r


def parse_trace(lines):
    evs = []
    for l in lines:
        m = TRACE_RX.match(l)
        if not m:
            continue
        e = dict(event=m.group("event"), tid=int(m.group("tid")), comm=m.group("comm").strip(),
                 ts=int(m.group("s")) * 1_000_000_000 + int(m.group("us").ljust(6, "0")[:6]) * 1000)
        rest = m.group("rest")
        # most events start with the pid; sched_process_exit has comm= first
        pm = re.match(r"pid=(\d+)", rest) or re.search(r"\bpid=(\d+)", rest)
        if pm:
            e["pid"] = int(pm.group(1))
        e.update({k: v for k, v in re.findall(r"(\w+)=(\S+)", rest) if k not in ("pid",)})
        evs.append(e)
    return evs


def probe_features(probe_lines):
    """What `probe` said about the kernel's BTF and the rungs."""
    f = {}
    for l in probe_lines:
        m = re.match(r"kernel release:\s+(\S+)", l)
        if m:
            f["release"] = m.group(1)
        m = re.match(r"tracepoint oom:mark_victim:\s+(\w+) \((.*)\)", l)
        if m:
            f["mark_victim"] = "(task, uid)" if "task" in m.group(2) else "(int pid)"
        m = re.match(r"reaper delay timer:\s+(\w+)", l)
        if m:
            f["reaper_timer"] = m.group(1)
        m = re.match(r"mmap_lock:\s+(.*)", l)
        if m:
            f["mmap_lock"] = m.group(1).strip()
        m = re.match(r"rss_stat:\s+(\S+)", l)
        if m:
            f["rss_stat"] = m.group(1)
        m = re.match(r"mm->flags:\s+(.*)", l)
        if m:
            f["mm_flags"] = m.group(1).strip()
        m = re.match(r"rung (\w+)\s+(usable|rejected)(.*)", l)
        if m:
            f.setdefault("rungs", {})[m.group(1)] = m.group(2)
        m = re.match(r"attach rung:\s+(\w+)", l)
        if m:
            f["auto"] = m.group(1)
        m = re.match(r"blocker attribution:\s+(\S+)", l)
        if m:
            f["blockers"] = m.group(1).rstrip(":")
    return f


# ---------------------------------------------------------------- checks

def fmt_bytes(b):
    if b is None:
        return "-"
    if b >= 1 << 20:
        return f"{b / (1 << 20):.1f}M"
    if b >= 1 << 10:
        return f"{b / 1024:.0f}K"
    return f"{b}B"


def fmt_ns(ns):
    if ns is None:
        return "-"
    if ns >= 1_000_000_000:
        return f"{ns / 1e9:.3f}s"
    return f"{ns / 1e6:.1f}ms"


class Cell:
    def __init__(self, kernel, rung, scen):
        self.kernel, self.rung, self.scen = kernel, rung, scen
        self.errors = []
        self.outcome = "-"
        self.fails = "-"
        self.freed = "-"
        self.latency = "-"
        self.attach = "-"
        self.rss_tol = None     # bytes: rss_tolerance() of the row
        self.na = None          # why the cell cannot run on this kernel

    def check(self, cond, msg):
        if not cond:
            self.errors.append(msg)
        return cond

    @property
    def ok(self):
        return not self.errors


def frames(task):
    """Function names of a blocked task's symbolized stack (tool JSON), the
    compiler's suffixes cut: a module built with another gcc than the
    kernel's splits oomhold_thread into oomhold_thread.cold (7.x)."""
    return [f.split("+")[0].split(".")[0] for f in (task or {}).get("stack") or []]


def is_rt(release):
    """Debian's PREEMPT_RT flavours: linux-binary-REL-rt-amd64."""
    return "-rt-" in (release or "")


def mmap_lock_layout(release):
    """The mmap_lock layout a kernel of the matrix has (docs/KERNEL.md):
    what `probe` must read from its BTF."""
    if is_rt(release):
        return "rwbase_rt"
    if kernel_version(release) >= (7, 1):
        return "rw_semaphore, first_waiter"
    return "rw_semaphore, wait_list"


def check_fuse_blockers(cell, inc, attrs):
    """C-fuse: a /proc/PID/mem reader holds the lock for read, stuck in
    FUSE; a clear_refs writer wants it.  With an owner word (non-RT) the
    reader is the holder (the last reader: a hint) and the writer waits for
    write.  On PREEMPT_RT the writer owns the lock's rtmutex and waits for
    that one reader to leave: the writer is the holder, the reader only a
    count, said to be no more than that."""
    bl = inc.get("blockers") or []
    reader, writer = int(attrs.get("reader") or 0), int(attrs.get("writer") or 0)
    if not cell.check(bl, "no blocker picture"):
        return
    if is_rt(cell.kernel):
        exp = EXPECT[cell.scen]
        released_after = exp["fails"][0] if exp.get("partial") else None
        for b in bl:
            h = b.get("holder") or {}
            if (released_after is not None and (b.get("first_attempt") or 0) > released_after
                    and ((h.get("pid") in (writer, inc.get("pid")) and h.get("mode") == "write"
                          and (b.get("writer") == "holding" or
                               (b.get("writer") == "waiting_for_readers"
                                and b.get("readers") == 0)))
                         or (not h and b.get("lock") == "rwbase_rt" and b.get("writer") == "none"
                             and b.get("readers") == 0 and not b.get("waiters")))):
                # C-fuse-partial after the release: the reader has left, and the
                # clear_refs writer, or the exiting victim itself (exit_mmap),
                # may hold the lock for write when the reaper tries again, or be
                # taking it: its rtmutex owned, the last reader gone (readers 0),
                # its WRITER_BIAS not yet set (7.3.4-rt, fentry, 2026-12: the
                # picture in the skip's own run, attempt 5); or have been done
                # with it already: the program runs preemptible on RT, and
                # between the failed trylock and the picture the writer took
                # and released it (7.3.4-rt, kprobe, 2026-12: attempt 5 failed,
                # its picture a free lock, readers 0, no owner, no waiter;
                # attempt 6 reaped)
                continue
            cell.check(b.get("lock") == "rwbase_rt" and b.get("readers_recorded") is False
                       and b.get("writer") == "waiting_for_readers"
                       and (b.get("readers") or 0) >= 1,
                       f"RT picture lock {b.get('lock')!r} readers {b.get('readers')} "
                       f"recorded {b.get('readers_recorded')} writer {b.get('writer')!r}: want "
                       "rwbase_rt, the writer waiting for >= 1 unrecorded reader")
            cell.check(h.get("pid") == writer and h.get("mode") == "write",
                       f"RT holder {h.get('pid')} {h.get('comm')!r} {h.get('mode')}: "
                       f"want the clear_refs writer {writer}, for write")
            cell.check(all(w.get("mode") == "unrecorded" for w in b.get("waiters") or []),
                       "RT waiters with a mode: the rtmutex does not record one")
    else:
        cell.check(all(b.get("lock") is None for b in bl), "an RT lock on a non-RT kernel")
        writer_waits = [b for b in bl if any(w.get("pid") == writer and w.get("mode") == "write"
                                             for w in b.get("waiters") or [])]
        named = [b for b in writer_waits if (b.get("holder") or {}).get("pid") == reader and
                 (b.get("holder") or {}).get("hint") is True]
        # A reader-owned rwsem's owner word is only the kernel's hint: once
        # (7.3.4, kprobe, 2026-12) it held no task while the reader held the
        # lock, and the tool rightly said "owner unknown" (holder null) rather
        # than guess.  Accepted only so, every picture alike, with
        # the writer still shown waiting; C-mod-* holds the owner reading to
        # the module's writer on the same kernels.
        unknown = [b for b in writer_waits if b.get("holder") is None]
        cell.check(named or (unknown and len(unknown) == len(bl)),
                   f"no picture with the reader {reader} holding (a hint) and the writer "
                   f"{writer} waiting for write: {[((b.get('holder') or {}).get('pid'), [w.get('pid') for w in b.get('waiters') or []]) for b in bl]}")
    # their stacks: the writer in clear_refs_write, the reader in FUSE
    tasks = [t for b in bl for t in [b.get("holder")] + (b.get("waiters") or []) if t]
    cell.check(any(t.get("pid") == writer and "clear_refs_write" in frames(t) for t in tasks),
               "no picture shows the writer's stack in clear_refs_write")
    if not is_rt(cell.kernel) and any(b.get("holder") is not None for b in bl):
        cell.check(any(t.get("pid") == reader and "request_wait_answer" in frames(t)
                       for t in tasks),
                   "no picture shows the reader's stack in request_wait_answer")


def check_blockers(cell, inc, tf, blockers_on, attrs=None, kmsg=()):
    """Blocker attribution: one picture per failed trylock where the kernel
    has bpf_task_from_pid (6.2+); in the module scenarios the holder must be
    the module's kthread, for write, waiting inside the module; in the FUSE
    ones, check_fuse_blockers()."""
    if not blockers_on:
        cell.check(inc.get("blockers") == [] and inc.get("blocker_events") == 0,
                   "tool: blocker data on a kernel where attribution is off")
        return
    cell.check(inc.get("blocker_events") == tf,
               f"tool blocker_events {inc.get('blocker_events')} != trylock failures {tf}")
    if cell.scen.startswith("C-fuse") and tf and attrs:
        check_fuse_blockers(cell, inc, attrs)
    if not cell.scen.startswith("C-mod"):
        return
    bl = inc.get("blockers") or []
    for b in bl:
        h = b.get("holder") or {}
        cell.check(h.get("mode") == "write" and h.get("hint") is False
                   and (h.get("comm") or "").startswith("oomhold/"),
                   f"blocker holder {h.get('pid')} {h.get('comm')!r} mode {h.get('mode')}: "
                   "want the oomhold kthread, for write")
        # a task running on another CPU at that instant has no walkable stack
        cell.check(not frames(h) or "oomhold_thread" in frames(h),
                   f"blocker holder stack {frames(h)[:6]}: want it in oomhold_thread")
    cell.check(any("oomhold_thread" in frames(b.get("holder")) for b in bl),
               "no blocker picture shows the holder's stack in oomhold_thread")
    # Where the module took the write lock in its kprobe, inside
    # mark_oom_victim() before the SIGKILL, the victim's own exit queues
    # behind it (exit_mm takes the lock for read) long before the reaper's
    # first attempt at +2 s: every picture has it among the waiters (on
    # PREEMPT_RT too: a reader blocked by a writer waits on the lock's
    # rtmutex, by name).  Where the kprobe's trylock failed and the
    # kthread took the lock later, the victim may have passed exit_mm()
    # first: there is then no waiter to name (the module's log says which).
    # The picture is read without the lock: when the module releases it
    # between the program's read of the owner word and its walk of the
    # waiters, the victim has already left the queue (woken, it took the
    # lock) and the walk finds nobody though the owner word said "has
    # waiters".  The tool says so (waiters_unseen); such a picture need not
    # name the victim, every other one must.
    v = inc.get("tgid")
    by_kprobe = any(re.search(rf"oomhold: victim pid={v} .*write lock taken by kprobe", l)
                    for l in kmsg)
    cell.check(not by_kprobe or
               bl and all(any(w.get("tgid") == v for w in b.get("waiters") or [])
                          or (b.get("waiters_unseen") is True and not b.get("waiters"))
                          for b in bl),
               f"blocker pictures' waiters {[[w.get('pid') for w in b.get('waiters') or []] for b in bl][:3]}"
               f" (waiters_unseen {[b.get('waiters_unseen', False) for b in bl][:3]}): "
               f"want the victim {v} among them in each, or the walk's own word that it changed")


def check_group(cell, sc, incidents):
    """G: one memory.oom.group kill of four tasks and, at the same moment, a
    plain OOM elsewhere.  Against the kernel's log ("Killed process" lines,
    the chosen victim's twice; the "memory.oom.group set" line) and
    tracefs (mark_victim once per task)."""
    a = sc["attrs"]
    chosen, plain = sc["victim"], int(a["plain"])
    members = [int(p) for p in a["members"].split(",")]
    group, plaincg = a["group"], a["plaincg"]
    for w in sc["warns"]:
        cell.check(False, f"guest: {w}")
    for l in sc["kmsg"]:
        cell.check(not re.search(r"\bBUG\b|WARNING:", l), f"kernel: {l}")
    killed = [m for m in map(KILLED_RX.search, sc["kmsg"]) if m]
    kpids = [int(m.group("pid")) for m in killed]
    glines = [m.group("cg") for m in map(GROUP_RX.search, sc["kmsg"]) if m]
    # the kernel itself: one group line for our group, every task killed
    cell.check(glines == [group], f"kmsg: memory.oom.group lines {glines}, want [{group!r}]")
    cell.check(set(kpids) == set(members) | {chosen, plain},
               f"kmsg: killed {sorted(set(kpids))}, want {sorted(set(members) | {chosen, plain})}")
    ev = parse_trace(sc["trace"])
    marks = sorted(e.get("pid") for e in ev if e["event"] == "mark_victim")
    cell.check(marks == sorted(set(members) | {chosen, plain}),
               f"tracefs: mark_victim pids {marks}, want each victim once")

    mine = [i for i in incidents if i.get("tgid") in set(members) | {chosen, plain}]
    by_tgid = {}
    for i in mine:
        by_tgid.setdefault(i.get("tgid"), []).append(i)
    for p in sorted(set(members) | {chosen, plain}):
        n = len(by_tgid.get(p, []))
        cell.check(n == 1, f"tool: {n} incidents for victim {p}, want 1")
    if any(len(v) != 1 for v in by_tgid.values()) or len(by_tgid) != len(members) + 2:
        return
    one = {p: v[0] for p, v in by_tgid.items()}
    # the kernel's own exits (guest.sh traces the fixtures' sched_process_exit;
    # its group_dead field is recent: before it, the victims' main threads)
    exited = {e.get("pid"): e["ts"] for e in ev
              if e["event"] == "sched_process_exit" and e.get("group_dead") in ("true", None)}
    for p, inc in one.items():
        # Open only if the tool lost its end and said so: the kernel skipped
        # a run of ours while it was open (runs_missed, counted), and it
        # closed at its loss deadline.  A loss nothing counted fails.
        counted = inc.get("runs_missed") is True and inc.get("ended_unseen") is True
        cell.check(inc.get("outcome") not in (None, "open") or counted,
                   f"tool: victim {p} outcome {inc.get('outcome')!r} (runs_missed "
                   f"{inc.get('runs_missed')}, ended_unseen {inc.get('ended_unseen')})")
        cell.check(not inc.get("exit_unseen") or counted,
                   f"tool: victim {p}'s exit unseen (begun before its kill), no run missed")
        # every exit the kernel traced is the tool's, or its loss was counted
        if p in exited:
            cell.check(inc.get("exit_ts_ns") is not None or counted,
                       f"tool: victim {p} exited at {exited[p]} (tracefs), the tool "
                       f"has no exit and counted no loss")
            if inc.get("exit_ts_ns") is not None:
                cell.check(abs(inc["exit_ts_ns"] - exited[p]) <= ONCE_TOL_NS,
                           f"tool exit_ts {inc['exit_ts_ns']} vs tracefs {exited[p]} for {p}")
        else:
            cell.check(False, f"tracefs: no sched_process_exit of victim {p}")
        first = next(m for m in killed if int(m.group("pid")) == p)
        cell.check(inc.get("comm") == first.group("comm"),
                   f"tool comm {inc.get('comm')!r} != kmsg {first.group('comm')!r} for {p}")
        rk = (inc.get("rss_at_kill_bytes") or {}).get("anon")
        cell.check(rk is not None and abs(rk - int(first.group("anon")) * 1024) <= cell.rss_tol,
                   f"tool rss_at_kill anon {rk} vs kmsg {int(first.group('anon')) * 1024} for {p}"
                   f" (tolerance {cell.rss_tol})")
    # the group: one event, the chosen victim first, the members after it
    gev = {p: one[p].get("oom") or {} for p in members + [chosen]}
    ids = {o.get("event_id") for o in gev.values()}
    cell.check(len(ids) == 1 and None not in ids, f"tool: group victims' event_ids {ids}, want one")
    for p, o in gev.items():
        cell.check(o.get("group_kill") is True and o.get("group_cgroup") == group,
                   f"tool: victim {p} group_kill {o.get('group_kill')} group_cgroup "
                   f"{o.get('group_cgroup')!r}, want true and {group!r}")
        cell.check(one[p].get("cgroup") == group, f"tool cgroup {one[p].get('cgroup')!r} for {p}")
    order = [p for p in dict.fromkeys(kpids) if p in gev]  # first kill line of each
    idx = sorted(members + [chosen], key=lambda p: gev[p].get("event_victim") or 0)
    cell.check(idx == order, f"tool: event_victim order {idx}, kernel's kill order {order}")
    cell.check(gev[chosen].get("event_victim") == 1,
               f"tool: the chosen victim {chosen} is event_victim {gev[chosen].get('event_victim')}")
    c = one[chosen].get("container") or {}
    cell.check(c.get("id") == group.rsplit("cri-containerd-", 1)[1][:64] and
               c.get("pod_uid") == "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d",
               f"tool container {c}")
    # the plain OOM beside it: an event of its own
    po = one[plain].get("oom") or {}
    cell.check(po.get("group_kill") is False and po.get("event_victim") == 1 and
               po.get("event_id") not in ids and po.get("group_cgroup") is None,
               f"tool: plain victim's oom {po}: want its own event, no group kill")
    cell.check(one[plain].get("cgroup") == plaincg, f"tool cgroup {one[plain].get('cgroup')!r}")
    # the OOM context: the kernel reports the chosen victims only; the
    # group's members take their event's
    for m in map(OOMKILL_RX.search, sc["kmsg"]):
        if not m or int(m.group("pid")) not in (chosen, plain):
            continue
        victims = members + [chosen] if int(m.group("pid")) == chosen else [plain]
        for p in victims:
            o = one[p].get("oom") or {}
            cell.check(o.get("constraint") == "memcg" and
                       o.get("domain_cgroup") == m.group("oom_memcg"),
                       f"tool: victim {p} oom context {o.get('constraint')!r} "
                       f"{o.get('domain_cgroup')!r}, kmsg oom_memcg {m.group('oom_memcg')!r}")
    # what filled the memory: the chosen victim's report, shared by its group
    for p in (chosen, plain):
        check_report(cell, sc["kmsg"], one[p], p)
    for p in members:
        o, c = one[p].get("oom") or {}, one[chosen].get("oom") or {}
        cell.check(all(o.get(k) == c.get(k) for k in ("domain", "memory_stat", "tasks")),
                   f"tool: group member {p}'s oom.domain/memory_stat/tasks differ from the "
                   f"chosen victim {chosen}'s")
    cell.outcome = "group+plain"
    cell.fails = f"{len(gev)}+1 victims"
    cell.attach = one[chosen].get("attach")


DMESG_TS = re.compile(r"^\[\s*\d+\.\d+\] ?")
SUMMARY_PID_RX = re.compile(r"^oom-kill:.*,pid=(?P<pid>\d+),uid=\d+$")


def kernel_report(kmsg, victim):
    """The guest kernel's OOM report for victim, read here on its own: its
    counter lines, memory.stat and task table, or None without a report."""
    raw = list(kmsg)
    lines = [DMESG_TS.sub("", l, count=1) for l in raw]
    for i, t in enumerate(lines):
        m = SUMMARY_PID_RX.match(t)
        if not m or int(m.group("pid")) != victim:
            continue
        for j in range(i - 1, -1, -1):
            if SUMMARY_PID_RX.match(lines[j]) or KILLED_RX.search(lines[j]):
                return None
            if " invoked oom-killer: " in lines[j]:
                break
        else:
            return None
        rep = oomreport.parse(lines[j + 1:i], raw[j + 1:i])
        stat_raw = rep["stat_raw"]
        # Before 6.x memory.stat is one record: dmesg (the syslog interface)
        # shows its lines with one stamp, cut where they and their prefixes
        # ("<6>[   37.431292] ", which dmesg shows without the "<6>") fill
        # its 1 KiB buffer; /dev/kmsg, which the tool reads, has it whole.
        stamps = {r[:DMESG_TS.match(r).end()] if DMESG_TS.match(r) else "" for r in stat_raw}
        stat_cut = len(stamps) == 1 and sum(len(r) + 4 for r in stat_raw) >= 900
        return dict(counters=rep["counters"], stats=rep["stats"], rows=rep["rows"],
                    stat_cut=stat_cut, meminfo=rep["meminfo"], nodes=rep["nodes"],
                    zones=rep["zones"], slab=rep["slab"])
    return None


NODES_MAX, ZONES_MAX, SLAB_MAX = 2, 6, 8   # what oom.meminfo and oom.slab keep


def check_meminfo_lines(cell, oom, rep):
    """A global OOM's Mem-Info node and zone lines and its unreclaimable
    slab table: the tool's oom.meminfo.nodes/zones and oom.slab against the
    lines the kernel printed."""
    mi = oom.get("meminfo") or {}
    knodes, kzones = rep["nodes"], rep["zones"]
    cell.check(bool(knodes) and bool(kzones),
               f"kmsg: a global OOM's Mem-Info with {len(knodes)} node and {len(kzones)} "
               f"zone lines")
    tnodes = [dict(node=n.get("node"), kB=n.get("kB"), all_unreclaimable=n.get("all_unreclaimable"))
              for n in mi.get("nodes") or []]
    cell.check(tnodes == knodes[:NODES_MAX] and
               mi.get("nodes_dropped", 0) == max(0, len(knodes) - NODES_MAX),
               f"tool oom.meminfo.nodes {tnodes} != kmsg {knodes}")
    keys = ("node", "zone", "kB", "lowmem_reserve_pages", "buddy_free_kB")
    tzones = [{k: z.get(k) for k in keys} for z in mi.get("zones") or []]
    cell.check(tzones == kzones[:ZONES_MAX] and
               mi.get("zones_dropped", 0) == max(0, len(kzones) - ZONES_MAX),
               f"tool oom.meminfo.zones {tzones} != kmsg {kzones}")
    for z in mi.get("zones") or []:
        kb = z.get("kB") or {}
        cell.check(z.get("below_min") == (kb["free"] < kb["min"] if "free" in kb and "min" in kb
                                          else None),
                   f"tool zone {z.get('zone')} below_min {z.get('below_min')} with free "
                   f"{kb.get('free')} min {kb.get('min')}")
    cell.check(mi.get("unreadable_lines") == 0 and mi.get("zone_lines_orphan") == 0,
               f"tool: {mi.get('unreadable_lines')} Mem-Info lines not read, "
               f"{mi.get('zone_lines_orphan')} zone lines of no zone")
    slab = oom.get("slab")
    if cell.scen == "O-slab":
        cell.check(rep["slab"] is not None,
                   "kmsg: O-slab's report has no unreclaimable slab table")
    if rep["slab"] is None:
        cell.check(slab is None and (oom.get("report_missing") or {}).get("slab"),
                   f"tool oom.slab {slab!r} where the kernel printed no slab table (want null "
                   f"and why)")
        return
    top = sorted(rep["slab"], key=lambda r: -r["used_kB"])[:SLAB_MAX]
    slab = slab or {}
    cell.check(slab.get("listed") == len(rep["slab"]) and
               slab.get("listed_used_kB") == sum(r["used_kB"] for r in rep["slab"]) and
               [{k: r.get(k) for k in ("name", "used_kB", "total_kB")}
                for r in slab.get("rows") or []] == top,
               f"tool oom.slab {slab} != kmsg's {len(rep['slab'])} rows, top {top}")


def check_report(cell, kmsg, inc, victim):
    """What filled the memory (oom.domain, oom.memory_stat, oom.tasks) against
    the guest kernel's own report of this kill."""
    oom = inc.get("oom") or {}
    rep = kernel_report(kmsg, victim)
    if rep is None:
        for part in ("domain", "memory_stat", "tasks"):
            cell.check(oom.get(part) is None and (oom.get("report_missing") or {}).get(part),
                       f"tool oom.{part} {oom.get(part)!r} without a kernel report (want null, "
                       f"and why)")
        return
    if rep["meminfo"] is not None:
        # a global OOM: no domain memcg, the machine's Mem-Info instead
        mi = oom.get("meminfo") or {}
        cell.check(bool(rep["meminfo"]) and mi.get("pages") == rep["meminfo"],
                   f"tool oom.meminfo {mi.get('pages')} != kmsg Mem-Info {rep['meminfo']}")
        cell.check(oom.get("domain") is None and oom.get("memory_stat") is None and
                   "global" in (oom.get("report_missing") or {}).get("domain", ""),
                   f"tool: a global OOM with oom.domain {oom.get('domain')!r}")
        check_meminfo_lines(cell, oom, rep)
    else:
        cell.check(oom.get("meminfo") is None, "tool oom.meminfo for a memcg OOM")
    dom = oom.get("domain") or {}
    for k in ("memory", "swap", "memory_swap", "kmem"):
        cell.check(dom.get(k) == rep["counters"].get(k),
                   f"tool oom.domain.{k} {dom.get(k)} != kmsg {rep['counters'].get(k)}")
    cell.check(bool(rep["counters"].get("memory")) or rep["meminfo"] is not None,
               "kmsg: no 'memory: usage' line in a memcg OOM's report")
    stats = (oom.get("memory_stat") or {}).get("stats")
    if rep["stat_cut"] and stats:
        # every key dmesg shows, as the tool has it; the tool's others past its cut
        cell.check(all(stats.get(k) == v for k, v in rep["stats"].items()) and
                   list(stats)[:len(rep["stats"])] == list(rep["stats"]),
                   f"tool oom.memory_stat.stats ({len(stats)} keys) do not begin with "
                   f"dmesg's cut record ({len(rep['stats'])} keys)")
    else:
        cell.check(stats == (rep["stats"] or None),
                   f"tool oom.memory_stat.stats ({len(stats or {})} keys) != kmsg "
                   f"({len(rep['stats'])} keys): "
                   f"{sorted(set((stats or {}).items()) ^ set(rep['stats'].items()))[:4]}")
    tasks = oom.get("tasks") or {}
    rows = rep["rows"]
    cell.check(bool(rows), "kmsg: no task table in the report")
    cell.check(tasks.get("listed") == len(rows) and
               tasks.get("listed_rss_pages") == sum(r["rss"] for r in rows),
               f"tool oom.tasks listed {tasks.get('listed')} rss {tasks.get('listed_rss_pages')} "
               f"!= kmsg {len(rows)} rows, rss {sum(r['rss'] for r in rows)}")
    by_pid = {r["pid"]: r for r in rows}
    for row in tasks.get("rows") or []:
        k = by_pid.get(row.get("pid"))
        if not cell.check(k is not None, f"tool oom.tasks row {row.get('pid')} not in kmsg"):
            continue
        want = {key if key in ("uid", "tgid", "swapents", "pgtables_bytes", "oom_score_adj")
                else key + "_pages": v for key, v in k.items() if key not in ("pid", "name")}
        want.setdefault("rss_anon_pages", None)
        want.setdefault("rss_file_pages", None)
        want.setdefault("rss_shmem_pages", None)
        got = {key: row.get(key) for key in want}
        cell.check(got == want and row.get("name") == k["name"] and
                   row.get("victim") == (k["tgid"] == victim),
                   f"tool oom.tasks row {row} != kmsg {k}")


def check_scenario(cell, sc, incidents, expect_source, function_rung, blockers_on,
                   truth_source):
    """The tool against the kernel, and the kernel against the scenario's purpose."""
    if cell.scen == "G":
        check_group(cell, sc, incidents)
        return
    exp = EXPECT[cell.scen]
    v = sc["victim"]
    for w in sc["warns"]:
        cell.check(False, f"guest: {w}")
    for l in sc["kmsg"]:
        cell.check(not re.search(r"\bBUG\b|WARNING:", l), f"kernel: {l}")
    killed = [m for m in map(KILLED_RX.search, sc["kmsg"]) if m and int(m.group("pid")) == v]
    reaped = [m for m in map(REAPED_RX.search, sc["kmsg"]) if m and int(m.group("pid")) == v]
    unable = [m for m in map(UNABLE_RX.search, sc["kmsg"]) if m and int(m.group("pid")) == v]
    ook = [m for m in map(OOMKILL_RX.search, sc["kmsg"]) if m and int(m.group("pid")) == v]
    if not cell.check(len(killed) == 1, f'kmsg: {len(killed)} "Killed process {v}" lines, want 1'):
        return
    kl = killed[0]
    # what the kernel itself says happened
    kernel_end = "reaped" if reaped else "unable" if unable else "none"
    if exp.get("either") and kernel_end == "reaped":
        exp = dict(exp, outcome="reaped", kmsg="reaped")
    if exp.get("partial") and kernel_end == "reaped":
        # the victim's exit was slower than the reaper's next attempt
        exp = dict(exp, outcome="reaped", kmsg="reaped")
    cell.check(kernel_end == exp["kmsg"],
               f"kernel: {kernel_end!r} log line for {v}, scenario wants {exp['kmsg']!r}")

    ev = parse_trace(sc["trace"])
    of = lambda name: [e for e in ev if e["event"] == name and e.get("pid") == v]
    mv = of("mark_victim")
    wake, starts, fins, skips = (of("wake_reaper"), of("start_task_reaping"),
                                 of("finish_task_reaping"), of("skip_task_reaping"))
    if not cell.check(len(mv) == 1, f"tracefs: {len(mv)} mark_victim pid={v}, want 1"):
        return
    kill_ts = mv[0]["ts"]
    reaper_evs = wake + starts + fins + skips
    end_ts = max([e["ts"] for e in reaper_evs], default=kill_ts)
    # the reaper's failed trylocks: mmap_lock tracepoints (5.11+), else a
    # kretprobe on down_read_trylock (guest.sh)
    lock_evs = [e for e in ev if (e["event"] == "mmap_lock_acquire_returned"
                                  and e.get("success") == "false")
                or (e["event"] == "trylock" and e.get("ret") in ("0x0", "0"))]
    lock_fails = [e for e in lock_evs if kill_ts <= e["ts"] <= end_ts]
    have_lock_ev = truth_source is not None
    if not have_lock_ev and exp.get("partial"):
        cell.check(False, "no ground truth for failed trylocks (no mmap_lock tracepoint, "
                   "no kretprobe): a skip's cause cannot be checked")
    truth_fails = len(lock_fails) if have_lock_ev else len(skips)
    if kernel_end == "unable":
        cell.check(len(skips) == 10 and not starts,
                   f"tracefs: {len(skips)} skips, {len(starts)} starts; want 10 and 0")
    if exp["kmsg"] == "none" and not exp.get("partial"):
        cell.check(not reaper_evs, f"tracefs: {len(reaper_evs)} reaper events for a victim "
                   "that exited first")
    if exp.get("partial"):
        cell.check(skips and not unable and len(skips) < 10 + 1,
                   f"tracefs: {len(skips)} skips for a victim released mid-loop")

    mine = [i for i in incidents if i.get("tgid") == v or i.get("pid") == v]
    if not cell.check(len(mine) == 1, f"tool: {len(mine)} incidents for {v}, want 1"):
        return
    inc = mine[0]
    cell.outcome = inc.get("outcome")
    cell.attach = inc.get("attach")
    cell.fails = f"{inc.get('trylock_failures')}/{truth_fails}"
    # identity, against the kernel's own log line
    cell.check(inc.get("pid") == mv[0]["pid"], f"tool pid {inc.get('pid')} != mark_victim pid")
    cell.check(inc.get("comm") == kl.group("comm"),
               f"tool comm {inc.get('comm')!r} != kmsg {kl.group('comm')!r}")
    cell.check(inc.get("tgid") == v, f"tool tgid {inc.get('tgid')} != victim {v}")
    cell.check(inc.get("uid") == int(kl.group("uid")),
               f"tool uid {inc.get('uid')} != kmsg UID {kl.group('uid')}")
    cell.check(inc.get("oom_score_adj") == int(kl.group("adj")),
               f"tool oom_score_adj {inc.get('oom_score_adj')} != kmsg {kl.group('adj')}")
    cell.check(inc.get("attach") == expect_source,
               f"tool attach {inc.get('attach')!r}, want {expect_source!r}")
    if ook:
        cell.check(inc.get("cgroup") == ook[0].group("task_memcg"),
                   f"tool cgroup {inc.get('cgroup')!r} != kmsg task_memcg "
                   f"{ook[0].group('task_memcg')!r}")
        # the kernel printed its report: the tool has the context on every
        # rung, from oom_control on the function rungs, else from that line
        oom = inc.get("oom") or {}
        src = "oom_control" if function_rung else "kernel_log"
        cell.check(oom.get("constraint") == "memcg" and
                   oom.get("domain_cgroup") == ook[0].group("oom_memcg") and
                   (oom.get("context_source") or {}).get("constraint") == src,
                   f"tool oom context {oom} != kmsg oom_memcg {ook[0].group('oom_memcg')!r} "
                   f"(source wanted: {src})")
    check_report(cell, sc["kmsg"], inc, v)
    # Incomplete only because the kernel skipped runs of our programs (on a
    # preemptible kernel, any exit's run on that CPU, the victim's or not)
    # is the tool saying its figures may be partial: they are still held to
    # the kernel's below.  Any other cause (ring buffer drops) fails.
    cell.check(not inc.get("evicted") and
               (not inc.get("incomplete") or inc.get("runs_missed") is True),
               f"tool: incomplete/evicted (runs_missed {inc.get('runs_missed')})")
    rk = (inc.get("rss_at_kill_bytes") or {}).get("anon")
    cell.check(rk is not None and abs(rk - int(kl.group("anon")) * 1024) <= cell.rss_tol,
               f"tool rss_at_kill anon {rk} vs kmsg anon-rss {int(kl.group('anon')) * 1024} "
               f"(tolerance {cell.rss_tol})")
    # the reap loop, against tracefs
    cell.check(inc.get("outcome") == exp["outcome"],
               f"tool outcome {inc.get('outcome')!r}, want {exp['outcome']!r}")
    tf = inc.get("trylock_failures")
    cell.check(tf == truth_fails, f"tool trylock_failures {tf} != kernel {truth_fails} "
               "(failed oom_reaper mmap_read_trylock in tracefs)")
    lo, hi = exp["fails"]
    cell.check(tf is not None and lo <= tf <= hi, f"trylock_failures {tf} not in {lo}..{hi}")
    cell.check(inc.get("attempts") == len(skips) + len(starts),
               f"tool attempts {inc.get('attempts')} != tracefs skips+starts "
               f"{len(skips) + len(starts)}")
    cell.check(inc.get("unknown_skips") == 0, f"tool unknown_skips {inc.get('unknown_skips')}")
    # each skip is a failed trylock or "mm gone", as the kernel's own lock
    # events say: failures first, then (after the victim's exit) mm gone
    reasons = [t.get("reason") for t in inc.get("timeline", []) if t.get("event") == "skip"]
    cell.check(reasons.count("mm_gone") == len(skips) - truth_fails,
               f"tool skip reasons {reasons}: want {len(skips) - truth_fails} mm_gone")
    check_blockers(cell, inc, tf, blockers_on, sc.get("attrs"), sc["kmsg"])

    def near(field, ts, what, tol=TS_TOL_NS):
        got = inc.get(field)
        cell.check(got is not None and abs(got - ts) <= tol,
                   f"tool {field} {got} vs tracefs {what} {ts} (tolerance {tol} ns)")

    near("kill_ts_ns", kill_ts, "mark_victim", ONCE_TOL_NS)
    if wake:
        near("wake_ts_ns", wake[0]["ts"], "wake_reaper", ONCE_TOL_NS)
    elif exp["kmsg"] == "none":
        cell.check(inc.get("wake_ts_ns") is None or inc.get("wake_ignored"),
                   "tool reports a reaper wake-up the kernel did not trace")
    if skips or starts:
        near("first_attempt_ts_ns", min(e["ts"] for e in skips + starts), "first attempt")
    freed = inc.get("freed_bytes") or {}
    if kernel_end == "reaped":
        rl = reaped[0]
        if cell.check(len(fins) >= 1, "tracefs: no finish_task_reaping"):
            near("finish_ts_ns", fins[-1]["ts"], "finish_task_reaping", ONCE_TOL_NS)
            rlat = inc.get("reap_latency_ns")
            cell.check(rlat is not None and abs(rlat - (fins[-1]["ts"] - kill_ts)) <=
                       2 * ONCE_TOL_NS,
                       f"tool reap_latency_ns {rlat} vs tracefs {fins[-1]['ts'] - kill_ts}")
        want = (int(kl.group("anon")) - int(rl.group("anon"))) * 1024
        got = freed.get("anon")
        if exp.get("partial"):
            # The victim's own exit unmapped memory too, before and while
            # the reaper ran: the kernel's lines bound what the reaper freed
            # (it cannot have freed more than the kill's RSS minus what was
            # left), they do not say how it was shared.
            cell.check(got is not None and 0 <= got <= want + cell.rss_tol,
                       f"tool freed anon {got}: more than kmsg killed-minus-left {want}")
        else:
            cell.check(got is not None and abs(got - want) <= cell.rss_tol,
                       f"tool freed anon {got} vs kmsg killed-minus-left {want} "
                       f"(tolerance {cell.rss_tol})")
        cell.freed = f"{fmt_bytes(got)}/{fmt_bytes(want)}"
        cell.latency = f"reap {fmt_ns(inc.get('reap_latency_ns'))}"
    else:
        cell.check(sum(freed.values()) == 0 if freed else True,
                   f"tool freed {freed} but the reaper did not reap")
        cell.freed = f"{fmt_bytes(sum(freed.values()) if freed else 0)}/0"
        if kernel_end == "unable":
            last = [t for t in inc.get("timeline", []) if t.get("event") == "skip"]
            cell.latency = f"10th fail {fmt_ns(last[-1].get('t_ns')) if last else '-'}"
        else:
            el = inc.get("exit_latency_ns")
            cell.check(el is not None, "tool: no exit latency for a victim that exited")
            cell.latency = f"exit {fmt_ns(el)}"


def storm_scenarios(k):
    """M-storm where tracepoint programs run preemptible: from 7.0
    (SRCU-protected tracepoints) on a preemptible build (Debian's 7.x are
    PREEMPT_LAZY, -rt PREEMPT_RT).  Elsewhere a run cannot be preempted
    mid-way and nothing would be skipped."""
    m = re.match(r"(\d+)\.", k["rel"])
    if not m or int(m.group(1)) < 7:
        return []
    try:
        cfg = open(os.path.join(k["dir"], "boot", f"config-{k['rel']}")).read()
    except OSError:
        # not in the cache: run it rather than skip it unseen (every 7.x
        # Debian builds is preemptible; a kernel that is not fails it)
        log(f"   {k['rel']}: no kernel config cached; M-storm runs (assumed preemptible)")
        return STORM_SCENARIOS
    preempt = re.search(r"^CONFIG_PREEMPT(_LAZY|_RT)?=y$", cfg, re.M)
    return STORM_SCENARIOS if preempt else []


STORM_RX = re.compile(r"exitstorm: (?P<exits>\d+) exits in [\d.]+ s on (?P<ncpu>\d+) CPUs, "
                      r"(?P<bad>\d+) helpers failed, (?P<kskip>\d+|unknown) runs skipped \(kernel\)")


def check_storm(cell, sc, rung, incidents):
    """M-storm: the kernel skipped runs of the tool's programs (the tool's
    summary counts them, from each program's recursion_misses), and every
    OOM kill of the storm still ended in the tool's output: its own end
    seen, or closed at its loss deadline (ended_unseen).  Never open."""
    for w in sc["warns"]:
        cell.check(False, f"guest: {w}")
    for l in sc["kmsg"]:
        cell.check(not re.search(r"\bBUG\b|WARNING:", l), f"kernel: {l}")
    m = STORM_RX.search(rung.get("storm") or "")
    if cell.check(m is not None, f"exitstorm said {rung.get('storm')!r}"):
        cell.check(m.group("bad") == "0", f"exitstorm: {m.group('bad')} helpers failed")
    killed = sorted({int(k.group("pid")) for k in map(KILLED_RX.search, sc["kmsg"]) if k})
    cell.check(killed, "the storm's hogs were never OOM-killed")
    by_pid = {i.get("pid"): i for i in incidents if "/vmt_M_" in (i.get("cgroup") or "")}
    unseen = missed_open = 0
    for p in killed:
        inc = by_pid.get(p)
        if not cell.check(inc is not None, f"kill of {p} has no incident"):
            continue
        cell.check(inc["outcome"] != "open" or inc.get("ended_unseen"),
                   f"incident {p} never ended (outcome open, end not lost)")
        unseen += bool(inc.get("ended_unseen"))
        missed_open += bool(inc.get("runs_missed"))
    summary = " ".join(rung["toolerr"])
    t = re.search(r"BPF runs missed: (\d+|unknown)", summary)
    # the kernel's own count (exitstorm reads every program's
    # recursion_misses; it storms on until one grew, at most 3x its length)
    kskip = m.group("kskip") if m else None
    if cell.check(kskip not in (None, "unknown", "0"),
                  f"exitstorm: the kernel skipped {kskip} runs of BPF programs during the "
                  "storm: it did not do its job"):
        if cell.check(t is not None, "the tool's summary says nothing of runs missed"):
            cell.check(t.group(1) != "unknown" and int(t.group(1)) >= int(kskip),
                       f"the tool counts {t.group(1)} BPF runs missed, the kernel skipped "
                       f"{kskip} during the storm")
    # the table: runs missed, and of the storm's kills how many were open
    # while runs were missed and how many closed with their end unseen
    cell.outcome = f"missed {t.group(1) if t else '?'}"
    cell.fails = f"{missed_open}/{len(killed)} hit, {unseen} unseen"
    for l in rung["toolerr"]:
        if VERBOSE and "runs missed by program:" in l:
            log(f"   {cell.kernel} {cell.rung}: {l.strip()}")


# ---------------------------------------------------------------- userspace killers

EOOM_SEND_RX = re.compile(r'sending (?P<sig>SIGKILL|SIGTERM) to process (?P<pid>\d+) uid (?P<uid>\d+) '
                          r'"(?P<comm>[^"]*)": .*VmRSS (?P<rss>\d+) MiB')
EOOM_MREL_RX = re.compile(r"pid=(?P<pid>\d+): process_mrelease pidfd=\d+ (?:(?P<ok>success)|failed: "
                          r"(?P<err>.*))$")
ERRNO_OF = {"Invalid argument": 22, "No such process": 3, "Function not implemented": 38,
            "Bad file descriptor": 9, "Resource temporarily unavailable": 11,
            "Interrupted system call": 4}
SIG_NAME = {9: "SIGKILL", 15: "SIGTERM"}
MRELEASE_SINCE = (5, 15)      # process_mrelease(2)
TASK_PT_REGS_SINCE = (5, 15)  # bpf_task_pt_regs: the killer's system call read


KTRACE_RX = re.compile(r"^\s*(?P<comm>.*?)-(?P<tid>\d+)\s+\[(?P<cpu>\d+)\]\s+(?:\S+\s+)?"
                       r"(?P<s>\d+)\.(?P<us>\d+): (?P<rest>.*)$")


def killer_trace(lines):
    """tracefs lines of the killer scenarios: signals (sig, pid, sender), the
    victim's exit, process_mrelease enter/exit (sender thread, ret).  The
    syscall events print "sys_process_mrelease(pidfd: 4, flags: 0)" and
    "sys_process_mrelease -> 0x0", not "name: fields"."""
    out = []
    for l in lines:
        m = KTRACE_RX.match(l)
        if not m:
            continue
        e = dict(tid=int(m.group("tid")), comm=m.group("comm").strip(),
                 ts=int(m.group("s")) * 1_000_000_000 + int(m.group("us").ljust(6, "0")[:6]) * 1000)
        rest = m.group("rest")
        if rest.startswith("signal_generate:"):
            a = dict(re.findall(r"(\w+)=(\S+)", rest))
            e.update(event="signal_generate", sig=int(a["sig"]), pid=int(a["pid"]),
                     res=int(a["res"]), code=int(a["code"]), grp=int(a["grp"]))
        elif rest.startswith("sched_process_exit:"):
            e.update(event="sched_process_exit",
                     pid=int(re.search(r"\bpid=(\d+)", rest).group(1)))
        elif rest.startswith("sys_process_mrelease("):
            e["event"] = "mrelease_enter"
        elif rest.startswith("sys_process_mrelease ->"):
            v = int(rest.split("->")[1].strip(), 0)
            e.update(event="mrelease_exit", ret=v - (1 << 64) if v >= 1 << 63 else v)
        else:
            continue
        out.append(e)
    return out


def check_mrelease_split(c, x, attach):
    """A call's lock wait and unmap (function rungs: __oom_reap_task_mm's
    entry and return) lie within the call tracefs timed, in order; a call
    that measurably freed memory went through __oom_reap_task_mm, so there
    they must be seen.  The tracepoint rung cannot see them: null."""
    w, u = x.get("lock_wait_ns"), x.get("unmap_ns")
    if attach not in ("fentry", "kprobe"):
        c.check(w is None and u is None, f"lock wait {w}, unmap {u} on the {attach} rung")
        return
    freed = sum((x.get("freed_bytes") or {}).get(t, 0) for t in ("anon", "file", "shmem"))
    if x.get("ret") == 0 and freed > 0:
        c.check(w is not None and u is not None,
                f"a call that freed {freed} bytes, yet lock wait {w}, unmap {u}")
    if w is not None and u is not None and x.get("duration_ns") is not None:
        c.check(0 <= w and 0 <= u and w + u <= x["duration_ns"],
                f"lock wait {w} + unmap {u} > the call's {x['duration_ns']} ns")
        c.check(x.get("reap_partial") is (x.get("ret") == -11),
                f"reap_partial {x.get('reap_partial')} with ret {x.get('ret')}")


def check_killer(c, s, sc, incidents, kernel):
    """A userspace-killer scenario: the tool against earlyoom's own log and tracefs."""
    ver = kernel_version(kernel.split()[0])
    victim = sc["victim"]
    if s == "U-neg":
        # a person's kill -9 and a process that only calls itself earlyoom
        a = sc["attrs"]
        sleeper, fake = int(a.get("sleeper", "0")), int(a.get("fake", "0"))
        c.check(fake > 0, "the fake earlyoom did not kill its child")
        hit = [i for i in incidents if i.get("tgid") in (sleeper, fake) and sleeper and fake]
        c.check(not hit, f"not memory kills, yet incidents: {[i.get('tgid') for i in hit]}")
        c.outcome = "none" if not hit else "incident!"
        return
    log_lines = sc.get("eoom", [])
    sends = [m for m in map(EOOM_SEND_RX.search, log_lines) if m]
    # the signals earlyoom says it sent: its "sending" line, then a SIGKILL
    # per "escalating to SIGKILL" (that one names no process: its victim's)
    said = [m.group("sig") for m in sends] + \
        ["SIGKILL" for l in log_lines if "escalating to SIGKILL" in l]
    mrels = [m for m in map(EOOM_MREL_RX.search, log_lines) if m]
    ep = int(sc["attrs"].get("earlyoom", "0"))
    if not c.check(sends and int(sends[0].group("pid")) == victim,
                   f"earlyoom did not kill uhog {victim}: log {log_lines[-6:]}"):
        return
    c.check(not any("Killed process" in k for k in sc["kmsg"]),
            f"the kernel's OOM killer acted first: {sc['kmsg'][:2]}")
    c.check(any(f"process {victim} exited after" in l for l in log_lines),
            "earlyoom never saw its victim exit")
    tr = killer_trace(sc["trace"])
    sigs = [e for e in tr if e["event"] == "signal_generate" and e["pid"] == victim
            and e["comm"] == "earlyoom" and e["res"] == 0]
    exits = [e for e in tr if e["event"] == "sched_process_exit" and e["pid"] == victim]
    mexits = [e for e in tr if e["event"] == "mrelease_exit" and e["comm"] == "earlyoom"]
    mentry = [e for e in tr if e["event"] == "mrelease_enter" and e["comm"] == "earlyoom"]
    c.check([SIG_NAME.get(e["sig"]) for e in sigs] == said,
            f"tracefs signals {[(e['sig'], e['res']) for e in sigs]} vs earlyoom's {said}")
    mine = [i for i in incidents if i.get("tgid") == victim]
    if not c.check(len(mine) == 1, f"{len(mine)} incidents for uhog {victim}, want 1"):
        return
    inc = mine[0]
    c.outcome = inc.get("outcome", "?")
    c.attach = inc.get("attach", "-")
    k = inc.get("killer") or {}
    c.check(inc.get("kind") == "userspace", f"kind {inc.get('kind')!r}")
    c.check(k.get("name") == "earlyoom" and k.get("exe") == "/usr/bin/earlyoom" and
            k.get("recognised_by") == "exe", f"killer {k}")
    c.check(k.get("tgid") == ep, f"killer tgid {k.get('tgid')}, earlyoom is {ep}")
    want_method = "kill" if ver >= TASK_PT_REGS_SINCE else "signal"
    c.check(k.get("method") == want_method, f"method {k.get('method')!r}, want {want_method!r}")
    c.check(k.get("signal") == said[0] and k.get("signals") == len(said) and
            k.get("last_signal") == said[-1],
            f"signals {k.get('signal')}..{k.get('last_signal')} x{k.get('signals')}, earlyoom "
            f"sent {said}")
    if sigs:
        c.check(abs(inc["kill_ts_ns"] - sigs[0]["ts"]) <= ONCE_TOL_NS,
                f"kill_ts_ns {inc['kill_ts_ns']} vs signal_generate {sigs[0]['ts']}")
    if c.check(len(exits) == 1, f"{len(exits)} sched_process_exit of uhog in tracefs"):
        # From 7.0 a tracepoint's probes run preemptible.  The victim's exit
        # ran the tool's probe, then earlyoom's process_mrelease on the same
        # CPU preempted it for 85 ms before tracefs's probe of the same event
        # (7.3.4, U-term-handled, 2026-12).  The tool's stamp may then lie
        # anywhere between the last signal and tracefs's, never outside.
        xt, tt = inc.get("exit_ts_ns"), exits[0]["ts"]
        after_sig = sigs and ver >= PREEMPTIBLE_TP_SINCE and \
            xt is not None and sigs[-1]["ts"] <= xt <= tt
        c.check(xt is not None and (abs(xt - tt) <= ONCE_TOL_NS or after_sig),
                f"exit_ts_ns {xt} vs sched_process_exit {tt}")
    # RSS at the kill: earlyoom read VmRSS just before it; uhog grows 8 MiB a step
    rss = inc.get("rss_at_kill_bytes") or {}
    got = sum(rss.get(x, 0) for x in ("anon", "file", "shmem")) >> 20
    want = int(sends[0].group("rss"))
    c.check(rss and abs(got - want) <= max(16, want // 10),
            f"RSS at kill {got} MiB, earlyoom said VmRSS {want} MiB")
    c.latency = fmt_ns(inc["memory_gone_ns"]) if inc.get("memory_gone_ns") else "-"
    # process_mrelease: the kernel's calls, earlyoom's words and the tool's list
    mr = inc.get("mrelease")
    logged = [0 if m.group("ok") else -ERRNO_OF.get(m.group("err").strip(), 999) for m in mrels]
    if ver < MRELEASE_SINCE:
        c.check(logged and all(r == -38 for r in logged),
                f"earlyoom's process_mrelease on a kernel without it: {logged}, want ENOSYS")
        c.check(mr is None, f"no process_mrelease tracepoint here, yet mrelease {mr}")
        c.check(inc.get("outcome") == "victim_exited", f"outcome {inc.get('outcome')}")
        return
    rets = [e["ret"] for e in mexits]
    c.check(rets == logged, f"tracefs process_mrelease returns {rets}, earlyoom logged {logged}")
    if not c.check(mr is not None, "process_mrelease traced (--mrelease), yet null"):
        return
    calls = mr.get("list", [])
    c.check([x["ret"] for x in calls] == rets,
            f"tool's process_mrelease returns {[x['ret'] for x in calls]}, kernel's {rets}")
    for x, en, ex in zip(calls, mentry, mexits):
        c.check(x.get("enter_ts_ns") is not None and abs(x["enter_ts_ns"] - en["ts"]) <= ONCE_TOL_NS
                and abs(x["exit_ts_ns"] - ex["ts"]) <= ONCE_TOL_NS,
                f"call {x.get('enter_ts_ns')}..{x.get('exit_ts_ns')} vs tracefs "
                f"{en['ts']}..{ex['ts']}")
        c.check(x.get("caller", {}).get("tgid") == ep, f"caller {x.get('caller')}")
        check_mrelease_split(c, x, inc.get("attach"))
    # ESRCH: the memory was gone first; EINVAL before any SIGKILL: the
    # victim was not dying yet (it handled earlyoom's SIGTERM): neither fails
    kill_ts = [e["ts"] for e in sigs if SIG_NAME.get(e["sig"]) == "SIGKILL"]
    fails = [r for r, en in zip(rets, mentry + [None] * len(rets)) if r not in (0, -3) and not (
        r == -22 and en is not None and not any(k < en["ts"] for k in kill_ts))]
    want = {"mrelease_failed"} if fails and 0 not in rets else {"mreleased", "victim_exited"}
    c.check(inc.get("outcome") in want, f"outcome {inc.get('outcome')}, want one of {want}")
    if s == "U-term-handled":
        c.check(rets[:1] == [-22] and said == ["SIGTERM", "SIGKILL"],
                f"scenario: SIGTERM handled gives EINVAL, then SIGKILL: {rets} {said}")


def check_rung(kernel, rname, rung, feats, scenarios, skipped_reason, truth_source,
               rss_tol, blockers_on, na=None, pinned=False):
    """One rung's cells.  rss_tol: rss_tolerance() of the row; blockers_on:
    whether blocker attribution must be on; na: scenario -> why it cannot
    run on this kernel (the cell says so, neither pass nor fail)."""
    na = na or {}
    cells = []
    incidents = []
    bad_json = []
    for j in rung["json"] if rung else []:
        try:
            incidents.append(json.loads(j))
        except ValueError:
            bad_json.append(j[:200])
    expect_source = feats.get("auto", "?") if rname == "auto" else rname
    function_rung = expect_source in ("fentry", "kprobe")
    for s in scenarios:
        c = Cell(kernel, rname, s)
        c.rss_tol = rss_tol
        cells.append(c)
        if s in na:
            c.na = na[s]
            continue
        if s in skipped_reason:
            c.check(False, f"not run: {skipped_reason[s]}")
            continue
        if rung is None:
            c.check(False, "rung never started in the guest")
            continue
        if rung["rc"] != "0":
            c.check(False, f"tool session ended rc={rung['rc']}: " +
                    " | ".join(rung["toolerr"][-6:]))
        for j in bad_json:
            c.check(False, f"tool printed a line that is not JSON: {j}")
        for cur, w in rung["warns"]:
            if cur == s:
                c.check(False, f"guest: {w}")
        if s in rung["skipped"]:
            c.check(False, f"guest skipped it: {rung['skipped'][s]}")
            continue
        sc = rung["scens"].get(s)
        if not c.check(sc is not None, "scenario printed nothing"):
            continue
        if s == "M-storm":
            check_storm(c, sc, rung, incidents)
            continue
        if s.startswith("U-"):
            check_killer(c, s, sc, incidents, kernel)
            continue
        check_scenario(c, sc, incidents, expect_source, function_rung,
                       blockers_on, truth_source)
    if rung:
        # Every OOM kill in the test cgroups is one incident, and nothing
        # else.  The count is the kernel's own, per memcg (not ratelimited);
        # the pids are the session's whole log (a trigger can be killed
        # after its scenario's window): every "oom-kill:" line of a test
        # cgroup names an incident (those lines are ratelimited: other OOMs
        # may hide some), and every incident has its "Killed process" line.
        # the rung's own checks go to its last cell that ran (an n/a one
        # would hide them; one with an error is a failure all the same)
        last = next((c for c in reversed(cells) if not c.na), cells[-1] if cells else None)
        if pinned and last:
            # --pin as the unit runs it (PIN_ROWS): no complaint of the pin
            # directory; "this kernel cannot pin" (tracing unpinned) only
            # before 5.15, where a kprobe is a perf event, not a BPF link
            said = [l for l in rung["toolerr"] if "--pin " in l]
            cannot = [l for l in said if "cannot pin" in l]
            last.check(len(said) == len(cannot), f"--pin: {[l for l in said if l not in cannot][:2]}")
            last.check(not cannot or kernel_version(kernel) < (5, 15),
                       f"--pin on 5.15+: {cannot[:1]}")
        mine = [i for i in incidents if "/vmt_" in (i.get("cgroup") or "")]
        by_cg = {}
        for i in mine:
            by_cg[i["cgroup"]] = by_cg.get(i["cgroup"], 0) + 1
        # A group kill kills its chosen victim twice (once chosen, once as
        # a member: two "Killed process" lines, two counts in oom_kill).
        twice = {}
        for p in {int(m.group("pid")) for m in map(KILLED_RX.search, rung["kmsg"]) if m}:
            n = sum(1 for m in map(KILLED_RX.search, rung["kmsg"]) if m and int(m.group("pid")) == p)
            cg = next((i.get("cgroup") for i in mine if i.get("tgid") == p), None)
            if n > 1 and cg:
                twice[cg] = twice.get(cg, 0) + n - 1
        for cg in sorted(set(rung["oomkills"]) | set(by_cg)):
            n = rung["oomkills"].get(cg)
            if n is not None:
                n -= twice.get(cg, 0)
            if last and by_cg.get(cg, 0) != n:
                last.check(False, f"{cg}: the kernel counted {n} OOM kills (memcg "
                                f"oom_kill), the tool has {by_cg.get(cg, 0)} incidents")
        logged = {int(m.group("pid")) for m in map(OOMKILL_RX.search, rung["kmsg"])
                  if m and "/vmt_" in m.group("task_memcg")}
        killed = {int(m.group("pid")) for m in map(KILLED_RX.search, rung["kmsg"]) if m}
        tpids = {i.get("tgid") for i in mine}
        if last and not logged <= tpids:
            last.check(False, f"kills logged in test cgroups {sorted(logged - tpids)} "
                            "have no incident")
        if last and not tpids <= killed:
            last.check(False, f"incidents {sorted(tpids - killed)} have no "
                            '"Killed process" line in the kernel log')
        # (the userspace killers' scenarios make no kernel OOM kill; an n/a
        # one ran nothing: the 8-vCPU rows' auto rung runs no scenario)
        if last and not rung["kmsg"] and any(not x.startswith("U-") and x not in na
                                             for x in scenarios):
            last.check(False, "guest printed no @@RKMSG line for the rung's kills")
        lost = [l for l in rung["toolerr"] if re.search(r"events lost: [1-9]", l)]
        if last and lost:
            last.check(False, f"tool lost events: {lost}")
    return cells


# ---------------------------------------------------------------- runs

def guest_prepare(row, common):
    """Kernel, test module and initramfs of one guest (downloads, builds).
    row: SERIES, or SERIES@N for N vCPUs and the many-CPU scenarios."""
    t0 = time.monotonic()
    series, at, n = row.partition("@")
    if series not in SERIES or (at and not n.isdigit()):
        raise Failure(f"unknown kernel row {row!r} (series: {' '.join(SERIES)}; "
                      "SERIES@N for N vCPUs)")
    k = prepare_kernel(series)
    smp = int(n) if at else 2
    k.update(row=row, smp=smp, mod_na=None,
             id=f"{k['rel']}-smp{smp}" if at else k["rel"],
             label=f"{k['rel']} x{smp}" if at else k["rel"],
             scenarios=MANY_CPU_SCENARIOS if at else SCENARIOS + storm_scenarios(k),
             killer_rungs="", auto_full=series in AUTO_FULL_ROWS)
    if not at and series in PIN_ROWS:
        k["pin_args"] = f" --pin {PIN_DIR}"
    if not at and series in KILLER_ROWS and not any(s.startswith("U-") for s in SCENARIOS):
        k["scenarios"] = k["scenarios"] + KILLER_SCENARIOS + [
            s for s in ONE_RUNG_SCENARIOS if s not in SCENARIOS]
        k["killer_rungs"] = "auto" if "auto" in RUNGS else RUNGS[-1]
    module = None
    mod_err = None
    if any(s.startswith("C-mod") for s in k["scenarios"]):
        try:
            module = build_module(k)
        except NoHeaders as e:
            k["mod_na"] = str(e)
        except RuntimeError as e:
            mod_err = f"module build failed: {str(e)[-600:]}"
    initrd = build_initramfs(k, common, module)
    log(f"== {k['label']} ({k['pkg']}): prepared in {time.monotonic() - t0:.1f} s"
        + (f"; module scenarios {k['mod_na']}" if k["mod_na"] else ""))
    return k, initrd, mod_err


def guest_boot(k, initrd, mod_err):
    log(f"   {k['label']}: booting")
    text, secs, how, logf = vmguest.boot(k, initrd, LOGDIR)
    r = parse_console(text)
    r["logf"] = logf
    for name, data in r["files"]:
        # a bare file name from the guest: written beside the console log only
        if re.fullmatch(r"[A-Za-z0-9._+-]+", name):
            with open(os.path.join(os.path.dirname(logf), name), "wb") as f:
                f.write(base64.b64decode(data))
    log(f"   {k['label']}: guest done in {secs:.1f} s ({how}), console: "
        f"{os.path.relpath(logf, ROOT)}")
    return k, r, text, secs, how, logf, mod_err


def guest_runs(kernels, common):
    """Prepare every guest (one at a time: apt and make), then boot them
    JOBS at a time: each guest is one host thread (thread=single TCG), so
    on a 2-CPU host two guests run side by side.  Results in kernels' order;
    a guest that could not be prepared is (series, error)."""
    prepared = []
    for series in kernels:
        try:
            prepared.append(guest_prepare(series, common))
        except (RuntimeError, Failure, OSError) as e:
            prepared.append((series, f"could not prepare: {e}"))
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=JOBS)
    futs = [None] * len(prepared)
    # Longest guests first (PREEMPT_RT, then the full scenario lists, the
    # many-CPU rows last): two at a time, the matrix ends soonest that way.
    order = sorted((i for i, p in enumerate(prepared) if len(p) == 3),
                   key=lambda i: -len(prepared[i][0]["scenarios"]) *
                   (2 if "-rt-" in prepared[i][0]["rel"] else 1))
    try:
        for i in order:
            futs[i] = pool.submit(guest_boot, *prepared[i])
        out = []
        for p, f in zip(prepared, futs):
            if f is None:
                out.append(p)
                continue
            try:
                out.append(f.result())
            except (RuntimeError, Failure, OSError) as e:
                out.append((p[0]["row"], f"could not boot: {e}"))
    except BaseException:
        # interrupted: end the guests, or the pool would wait for them
        for f in futs:
            if f:
                f.cancel()
        kill_guests()
        raise
    finally:
        pool.shutdown(wait=True)
    return out


def host_run(common):
    """This host's kernel, tracepoint rung, through the same guest.sh."""
    cgroot = None
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers") and \
            "memory" in open("/sys/fs/cgroup/cgroup.controllers").read():
        cgroot = "/sys/fs/cgroup"
    elif os.path.isdir("/sys/fs/cgroup/memory"):
        cgroot = "/sys/fs/cgroup/memory"
    if os.geteuid() != 0 or not cgroot:
        return None, "needs root and a memory cgroup controller"
    if not os.path.isdir("/sys/kernel/tracing/instances"):
        subprocess.run(["mount", "-t", "tracefs", "tracefs", "/sys/kernel/tracing"])
    work = os.path.join(BUILD, "host")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    # What cannot run here is n/a with its reason.  THP "always" registers
    # every process with khugepaged, whose scan trylocks the victim's
    # mmap_lock and can leave its own name in the owner word the C-fuse
    # scenarios check (the guests put khugepaged to sleep; the host is not ours).
    skipped = {}
    thp = ""
    with contextlib.suppress(OSError):
        thp = open("/sys/kernel/mm/transparent_hugepage/enabled").read()
    for s in HOST_SCENARIOS:
        if s.endswith("fuse") or "-fuse-" in s:
            if common["fx_err"]:
                skipped[s] = common["fx_err"]
            elif s.startswith("C-") and "[always]" in thp:
                skipped[s] = "the host's THP is \"always\": khugepaged may take the victim's lock"
    scen = [s for s in HOST_SCENARIOS if s not in skipped]
    # The host's oom_reaper is one kthread for the whole machine: while this
    # row runs, no other test layer may make OOM kills (their lock).
    sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
    import oomlab
    lock = oomlab.exclusive(note=lambda m: log("   " + m))
    env = dict(os.environ, RUNGS="tracepoint", SCENARIOS=" ".join(scen), BIN=TOOL, TOOL_ARGS=TOOL_ARGS,
               VMFIX=common["vmfix"], FX=common["fx"], MODULE="/nonexistent",
               CGROOT=cgroot, FREEZER="/nonexistent", WORK=work)
    logf = os.path.join(LOGDIR, "host-console.log")
    t0 = time.monotonic()
    with open(logf, "w") as out:
        p = subprocess.Popen(["sh", os.path.join(HERE, "guest.sh")], env=env, stdout=out,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True)
        try:
            rc = p.wait(timeout=180)
            how = f"exited {rc}"
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            how = "timeout after 180 s (killed)"
    # leftovers of an interrupted run: kill what is in our cgroups, remove them
    for d in os.listdir(cgroot):
        if d.startswith("vmt_"):
            path = os.path.join(cgroot, d)
            try:
                for pid in open(os.path.join(path, "cgroup.procs")).read().split():
                    os.kill(int(pid), signal.SIGKILL)
                time.sleep(0.5)
                os.rmdir(path)
            except OSError:
                pass
    lock.close()
    text = clean(open(logf).read())
    r = parse_console(text)
    r["logf"] = logf
    r["begin"] = os.uname().release
    r["end"] = "0" if how == "exited 0" else how
    return (r, text, time.monotonic() - t0, how, logf, skipped), None


def busy_loops(n):
    """n processes that only spin (VMTEST_BUSY): ended with the run."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"],
                              stdin=subprocess.DEVNULL) for _ in range(n)]
    if procs:
        log(f"== {n} busy loop(s) on the host for this run")
    return procs


def main():
    t_start = time.monotonic()
    os.chdir(ROOT)
    start_run_logs()
    log(f"== run {RUN_ID}: logs in {os.path.relpath(LOGDIR, ROOT)}")
    busy = busy_loops(int(os.environ.get("VMTEST_BUSY", "0")))

    def on_term(sig, frame):
        raise KeyboardInterrupt(f"signal {sig}")
    signal.signal(signal.SIGTERM, on_term)
    try:
        return run_matrix(t_start)
    finally:
        kill_guests()
        for p in busy:
            p.kill()
            p.wait()


def run_matrix(t_start):
    results = []        # (kernel label, features, cells)
    extra_fail = []     # (what, detail)
    extra_pass = 0

    log("== BTF fixture: the old mark_victim(int pid) prototype")
    p = subprocess.run(["bash", os.path.join(HERE, "btf_fixture_test.sh")], text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=dict(os.environ, OOMREAP_TRACE=TOOL))
    for l in p.stdout.splitlines():
        if l.startswith("ok - "):
            extra_pass += 1
            log("   " + l)
        elif l.startswith("not ok - "):
            extra_fail.append(("btf fixture", l[9:]))
            log("   " + l)
    if p.returncode != 0 and not any(w == "btf fixture" for w, _ in extra_fail):
        extra_fail.append(("btf fixture", p.stdout[-500:]))

    try:
        common = build_common()
    except (RuntimeError, Failure) as e:
        log(f"cannot build the guest payload: {e}")
        log("0 passed, 1 failed")
        return 1
    if common["fx_err"]:
        log(f"   FUSE scenarios cannot run: {common['fx_err']}")

    if os.environ.get("VMTEST_HOST", "1") == "1":
        log(f"== host {os.uname().release}: tracepoint rung, {' '.join(HOST_SCENARIOS)}")
        h, why = host_run(common)
        if h is None:
            extra_fail.append(("host row", why))
        else:
            r, text, secs, how, logf, skipped = h
            log(f"   host done in {secs:.1f} s ({how})")
            feats = probe_features(r["probe"])
            ok, errs = check_core_tags(r, feats)
            extra_pass += ok
            extra_fail += [("host row", e) for e in errs]
            ok, errs = check_slice(r, os.uname().release)
            extra_pass += ok
            extra_fail += [("host row", e) for e in errs]
            cells = check_rung(f"{os.uname().release} (host)", "tracepoint",
                               r["rungs"].get("tracepoint"), feats, HOST_SCENARIOS, skipped,
                               r["info"].get("trylock_truth"),
                               rss_tolerance(os.uname().release,
                                             int(r["info"].get("ncpu", os.cpu_count() or 1))),
                               feats.get("blockers") == "on")
            results.append((f"{os.uname().release} (host)", feats, cells, r))
            if how != "exited 0":
                extra_fail.append(("host row", f"guest.sh {how}:\n{tail(text)}"))

    kernels = os.environ.get("VMTEST_KERNELS", DEFAULT_KERNELS).split()
    for res in guest_runs(kernels, common):
        if len(res) == 2:
            extra_fail.append((f"kernel {res[0]}", res[1]))
            continue
        k, r, text, secs, how, logf, mod_err = res
        label = k["label"]
        finished = r["end"] is not None
        if not finished or r["begin"] is None:
            what = "printed nothing" if r["lines"] == 0 else \
                "did not finish (hang, panic or timeout)"
            extra_fail.append((label, f"guest {what}; {how}; guest's tail:\n{tail(text)}\n"
                               f"  kernel console's tail:\n{vmguest.console_tail(logf)}"))
        if r["probe_rc"] != "0":
            extra_fail.append((label, f"`oomreap-trace probe` exit {r['probe_rc']}: "
                               + " | ".join(r["probe"][-8:])))
        else:
            extra_pass += 1
        for w in r["warns"]:
            extra_fail.append((label, f"guest: {w}"))
        if int(r["info"].get("trylock_truth_missed", "0")):
            extra_fail.append((label, "the ground truth's kretprobe missed "
                               f"{r['info']['trylock_truth_missed']} returns"))
        feats = probe_features(r["probe"])
        for rung in ("fentry", "kprobe", "tracepoint"):
            if feats.get("rungs", {}).get(rung) != "usable":
                extra_fail.append((label, f"probe: rung {rung} not usable in the guest"))
        ok, errs = check_core_tags(r, feats)
        extra_pass += ok
        extra_fail += [(label, e) for e in errs]
        ok, errs = check_slice(r, label)
        extra_pass += ok
        extra_fail += [(label, e) for e in errs]
        # Blocker attribution needs bpf_task_from_pid (6.2+): from there
        # on it must be on, whatever the lock's layout (7.1's first_waiter,
        # PREEMPT_RT's rwbase_rt); before, the tool's own probe decides.
        want_blockers = kernel_version(k["rel"]) >= (6, 2)
        if want_blockers and feats.get("blockers") != "on":
            extra_fail.append((label, "blocker attribution is not on (probe: "
                               f"{[l for l in r['probe'] if 'blocker attribution' in l]}) "
                               "on a kernel with bpf_task_from_pid (6.2+)"))
        elif want_blockers:
            extra_pass += 1
        blockers_on = want_blockers or feats.get("blockers") == "on"
        # the lock's layout, as the tool read it from the BTF (blockers.bpf.c)
        layout = mmap_lock_layout(k["rel"])
        if not (feats.get("mmap_lock") or "").startswith(layout):
            extra_fail.append((label, f"probe: mmap_lock {feats.get('mmap_lock')!r}, "
                               f"want {layout!r}"))
        else:
            extra_pass += 1
        ncpu = int(r["info"].get("ncpu", k["smp"]))
        if ncpu != k["smp"]:
            extra_fail.append((label, f"guest brought up {ncpu} CPUs, want {k['smp']}"))
        skipped, na = {}, {}
        for s in k["scenarios"]:
            if s.startswith("C-mod") and k["mod_na"]:
                na[s] = k["mod_na"]
            if s == "B-frz" and kernel_version(k["rel"]) >= THAWS_GROUP:
                na[s] = ("n/a (the kill thaws every thread of the victim, 6.18+: "
                         "no frozen thread keeps the mm)")
            if s.startswith("C-mod") and mod_err:
                skipped[s] = mod_err
            if s in ("B-fuse", "C-fuse", "R-allcpu") and common["fx_err"]:
                skipped[s] = common["fx_err"]
        auto_same, errs = check_auto_same(r, feats)
        extra_fail += [(label, e) for e in errs]
        extra_pass += 0 if errs or not auto_same else 1
        cells = []
        for rung in RUNGS:
            na_r = dict(na)
            if k.get("killer_rungs") and rung not in k["killer_rungs"].split():
                for s in k["scenarios"]:
                    if s.startswith("U-"):
                        na_r[s] = (f"n/a (run on the {k['killer_rungs']} rung: the killers' "
                                   "programs are the same tracepoints on every rung)")
                    elif s in ONE_RUNG_SCENARIOS and s not in SCENARIOS:
                        na_r[s] = (f"n/a (run on the {k['killer_rungs']} rung: the kernel's "
                                   "report is the same on every rung)")
            if rung == "auto" and auto_same and not k.get("auto_full"):
                for s in k["scenarios"]:
                    if s not in AUTO_KEPT and s not in na_r and not s.startswith("U-") and \
                            not (s in ONE_RUNG_SCENARIOS and s not in SCENARIOS):
                        na_r[s] = (f"n/a (auto loaded the {auto_same} rung's programs, tag for "
                                   f"tag: its cells are {auto_same}'s)")
            if rung != STORM_RUNG:
                for s in k["scenarios"]:
                    if s in STORM_SCENARIOS:
                        na_r[s] = (f"n/a (run on the {STORM_RUNG} rung: the storm skips runs "
                                   "of the exit program, a tracepoint's on every rung)")
            cells += check_rung(label, rung, r["rungs"].get(rung), feats, k["scenarios"],
                                skipped, r["info"].get("trylock_truth"),
                                rss_tolerance(k["rel"], ncpu), blockers_on, na_r,
                                pinned=bool(k.get("pin_args")))
        if not finished and all(c.ok for c in cells):
            pass  # already counted above
        results.append((label, feats, cells, r))

    # ---- report
    log("")
    hdr = f"{'kernel':<28} {'rung':<10} {'scenario':<13} {'result':<6} {'outcome':<13} " \
          f"{'attach':<10} {'fails tool/kern':<15} {'freed tool/kmsg':<16} {'latency'}"
    log(hdr)
    log("-" * len(hdr))
    npass = extra_pass
    nfail = len(extra_fail)
    nna = 0
    for label, feats, cells, r in results:
        for c in cells:
            if c.na and not c.errors:
                # cannot run on this kernel (said why): not a pass, not a failure
                log(f"{label:<28} {c.rung:<10} {c.scen:<13} {'n/a':<6} {c.na}")
                nna += 1
                continue
            res = "PASS" if c.ok else "FAIL"
            log(f"{label:<28} {c.rung:<10} {c.scen:<13} {res:<6} "
                f"{str(c.outcome):<13} {str(c.attach):<10} {c.fails:<15} {c.freed:<16} "
                f"{c.latency}")
            if c.ok:
                npass += 1
            else:
                nfail += 1
    log("")
    log("BTF features seen by `oomreap-trace probe`:")
    for label, feats, cells, r in results:
        rungs = ", ".join(f"{k} {v}" for k, v in feats.get("rungs", {}).items())
        log(f"  {label:<28} mark_victim{feats.get('mark_victim', '?')}, reaper timer "
            f"{feats.get('reaper_timer', '?')}, rss_stat {feats.get('rss_stat', '?')}, "
            f"mm->flags {feats.get('mm_flags', '?')}; {rungs}; auto -> {feats.get('auto', '?')}; "
            f"blocker attribution {feats.get('blockers', '?')}")
    failed_cells = [c for _, _, cells, _ in results for c in cells if not c.ok]
    if failed_cells or extra_fail:
        log("")
        log("Failures:")
        for c in failed_cells:
            log(f"  {c.kernel} / {c.rung} / {c.scen}:")
            for e in (c.errors if VERBOSE else c.errors[:6]):
                log(f"    - {e}")
        for what, detail in extra_fail:
            log(f"  {what}: {detail}")
        # a guest's folder (its guest.log and console.log), the host's log
        logs = sorted({os.path.relpath(r["logf"] if r["logf"].endswith("host-console.log")
                                       else os.path.dirname(r["logf"]) + "/", ROOT)
                       for label, _, cells, r in results
                       if r.get("logf") and any(not c.ok for c in cells)})
        if logs:
            log("  logs (a guest's guest.log holds the tool's raw events, its @@TOOLERR lines; "
                "console.log the kernel's console): " + ", ".join(logs))
    total = time.monotonic() - t_start
    log("")
    log(f"kernel matrix: {len(results)} kernels, wall time {total:.0f} s "
        f"({total / 60:.1f} min; budget 20 min)")
    # n/a cells (a scenario the kernel cannot run, each with its reason in
    # the table) are counted apart: not skips, which under CI=true fail a
    # root layer (tests/lib/tally.sh), and not passes
    log(f"{npass} passed, {nfail} failed, 0 skipped" + (f" ({nna} cells n/a)" if nna else ""))
    return 0 if nfail == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
