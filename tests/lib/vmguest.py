# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Debian's kernels fetched and unpacked, and a qemu guest booted under TCG:
what the kernel matrix (tests/vm/vmtest.py) and the start-up bench in a
guest (bench/vm_startup.py) share.

Kernels come from Debian's archive through apt-get with a private state
(sources, lists, package cache) under the download cache, VMTEST_CACHE
(default .vmtest-cache): the machine's apt configuration is never
touched.  A guest boots with tests/vm/init as its /init (GUEST_INIT),
which runs /vmtest/guest.sh of the initramfs its caller builds, and is
killed after VMTEST_TIMEOUT seconds (default 900).  Each guest booting is
in RUNNING until it ends: kill_guests() ends them all, so that no qemu
outlives an interrupted run.
"""
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time

import aptsources  # (tests/lib: the machine's own Debian mirrors)

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CACHE = os.path.abspath(os.path.join(ROOT, os.environ.get("VMTEST_CACHE", ".vmtest-cache")))
DEBS = os.path.join(CACHE, "debs")
# The guest's /init: mounts what the guest needs, runs /vmtest/guest.sh.
GUEST_INIT = os.path.join(ROOT, "tests", "vm", "init")

# Suites of Debian's newer kernels: trixie-backports carries 6.16 to 7.3
# (and each one's -rt flavour), sid/forky/experimental the newest; trixie
# itself for the C library the newer kbuild tools need (build_module).
NEW_SUITES = ("trixie", "trixie-backports", "forky", "sid", "experimental")

SERIES = {
    # series: (apt-cache search pattern, regex with release and sort keys,
    #          suites of a private apt state, or None for the machine's own,
    #          packaging: "unsigned" = linux-image-REL-unsigned (vmlinuz and
    #          modules, Debian 11/12), "image" = linux-image-REL (6.16+ in
    #          trixie-backports), "binary" = linux-binary-REL holds vmlinuz,
    #          linux-base-REL the config, linux-modules-REL the modules (7.x))
    # Debian 11: the newest 5.10 of bullseye main (the last point release;
    # its mark_victim is pid-only) and the newest of bullseye-security
    # (which has the (task, uid) backport).
    "5.10-bullseye": (r"^linux-image-5\.10\.0-[0-9]+-amd64-unsigned$",
                      r"^linux-image-(5\.10\.0-(\d+)-amd64)-unsigned$", ("bullseye",),
                      "unsigned"),
    "5.10": (r"^linux-image-5\.10\.0-[0-9]+-amd64-unsigned$",
             r"^linux-image-(5\.10\.0-(\d+)-amd64)-unsigned$",
             ("bullseye", "bullseye-security"), "unsigned"),
    "6.1": (r"^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$",
            r"^linux-image-(6\.1\.0-(\d+)-amd64)-unsigned$", None, "unsigned"),
    "6.12": (r"^linux-image-6\.12\.[0-9]+\+deb[0-9]+-amd64-unsigned$",
             r"^linux-image-(6\.12\.(\d+)\+deb\d+-amd64)-unsigned$", None, "unsigned"),
    # Ubuntu 24.04's HWE kernel series; Debian's build of it
    "6.17": (r"^linux-image-6\.17\.[0-9]+\+deb[0-9]+-amd64$",
             r"^linux-image-(6\.17\.(\d+)\+deb(\d+)-amd64)$", NEW_SUITES, "image"),
    # Ubuntu 26.04 LTS's series
    "7.0": (r"^linux-binary-7\.0\.[0-9]+\+deb[0-9]+-amd64$",
            r"^linux-binary-(7\.0\.(\d+)\+deb(\d+)-amd64)$", NEW_SUITES, "binary"),
    # the newest 7.x Debian ships, and its PREEMPT_RT flavour
    "7.x": (r"^linux-binary-7\.[0-9]+\.[0-9]+\+deb[0-9]+-amd64$",
            r"^linux-binary-(7\.(\d+)\.(\d+)\+deb(\d+)-amd64)$", NEW_SUITES, "binary"),
    "7.x-rt": (r"^linux-binary-7\.[0-9]+\.[0-9]+\+deb[0-9]+-rt-amd64$",
               r"^linux-binary-(7\.(\d+)\.(\d+)\+deb(\d+)-rt-amd64)$", NEW_SUITES, "binary"),
}
# a PREEMPT_RT guest takes about 6 minutes under TCG with the host busy
GUEST_TIMEOUT = int(os.environ.get("VMTEST_TIMEOUT", "900"))


_log_lock = threading.Lock()
_log_file = None


def log_to(path):
    """Every later log() line is also appended to path (a run's own log)."""
    global _log_file
    _log_file = path


def log(msg):
    with _log_lock:
        print(msg, flush=True)
        if _log_file:
            with open(_log_file, "a") as f:
                f.write(msg + "\n")


def run(cmd, **kw):
    """Run a command; raise with its output on failure."""
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.STDOUT)
    kw.setdefault("text", True)
    p = subprocess.run(cmd, **kw)
    if p.returncode != 0:
        out = (p.stdout or "")[-3000:]
        raise RuntimeError(f"{' '.join(cmd) if isinstance(cmd, list) else cmd} "
                           f"failed ({p.returncode}):\n{out}")
    return p.stdout or ""


class Failure(Exception):
    pass


# ---------------------------------------------------------------- apt

def machine_archive_uris():
    """(main URI, security URI) of the machine's own Debian entries: the
    private apt states below use the same mirrors, never a hard-coded host."""
    uris = aptsources.machine_archive_uris()
    if not uris:
        raise Failure("no Debian archive in the machine's apt sources: "
                      "cannot reach Debian 11's kernels")
    return uris


def apt_opts(suites):
    """apt options for a state of our own under the cache (sources, lists,
    package cache): the machine's apt configuration is never touched.  None
    = the machine's own apt."""
    if suites is None:
        return []
    d = os.path.join(CACHE, "apt", "-".join(suites))
    opts = ["-o", f"Dir::Etc::sourcelist={os.path.join(d, 'sources.list')}",
            "-o", "Dir::Etc::sourceparts=-",
            "-o", f"Dir::State::Lists={os.path.join(d, 'lists')}",
            "-o", f"Dir::Cache={os.path.join(d, 'cache')}"]
    if "sid" in suites or "experimental" in suites:
        # their Release files are not refreshed on the mirror's schedule
        opts += ["-o", "Acquire::Check-Valid-Until=false"]
    return opts


def apt_state(suites):
    """Create and update (once a day) the private apt state of suites."""
    if suites is None:
        return []
    d = os.path.join(CACHE, "apt", "-".join(suites))
    for sub in ("lists/partial", "cache/archives/partial"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    stamp = os.path.join(d, "updated")
    opts = apt_opts(suites)
    fresh = os.path.exists(stamp) and time.time() - os.path.getmtime(stamp) < 86400
    if not fresh:
        main, sec = machine_archive_uris()
        keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
        with open(os.path.join(d, "sources.list"), "w") as f:
            for suite in suites:
                uri = sec if suite.endswith("-security") else main
                f.write(f"deb [signed-by={keyring}] {uri} {suite} main\n")
        log(f"  apt-get update ({' '.join(suites)}, private state)")
        try:
            run(["apt-get", "-q", "-o", "APT::Sandbox::User=root"] + opts + ["update"])
            open(stamp, "w").close()
        except RuntimeError as e:
            if not os.listdir(os.path.join(d, "lists")):
                raise Failure(f"apt-get update for {' '.join(suites)} failed: {e}")
            log("  (update failed: using the lists already cached)")
    return opts


def has_package(pkg, opts):
    """Whether the archive (the apt state of opts) has pkg."""
    p = subprocess.run(["apt-cache"] + opts + ["show", "--no-all-versions", pkg],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return p.returncode == 0 and p.stdout.startswith("Package:")


_APT_NAMES = {}


def apt_names(suites):
    """Every linux-* package name of an apt state, read once per run:
    apt-cache over trixie, forky, sid and experimental takes seconds a
    call."""
    if suites not in _APT_NAMES:
        _APT_NAMES[suites] = run(["apt-cache"] + apt_state(suites) +
                                 ["pkgnames", "linux-"]).split()
    return _APT_NAMES[suites]


def newest_package(series):
    """The newest kernel package of a series: from apt, else the cache.  Of
    the newer series (6.16+), where the archive lacks headers for some
    releases, the newest release that has linux-headers-REL wins (the test
    module needs them); if none has, the newest."""
    pattern, rx, suites, layout = SERIES[series]
    names = []
    try:
        names = [n for n in apt_names(suites) if re.match(pattern, n)]
    except (RuntimeError, Failure):
        pass
    if not names and os.path.isdir(DEBS):    # offline: what the cache holds
        names = [f.split("_")[0] for d in os.listdir(DEBS)
                 for f in os.listdir(os.path.join(DEBS, d))
                 if f.startswith(("linux-image-", "linux-binary-"))]
    cands = sorted(((tuple(int(g) for g in m.groups()[1:]), m.group(0), m.group(1))
                    for m in (re.match(rx, n) for n in names) if m), reverse=True)
    if not cands:
        raise Failure(f"no kernel package for {series} (apt-get update?)")
    if layout != "unsigned":
        headers = set(apt_names(suites))
        for _, pkg, rel in cands:
            if f"linux-headers-{rel}" in headers:
                return pkg, rel
    _, pkg, rel = cands[0]
    return pkg, rel


def package_name(layout, rel):
    return {"unsigned": f"linux-image-{rel}-unsigned", "image": f"linux-image-{rel}",
            "binary": f"linux-binary-{rel}"}[layout]


def cached_deb(pkg, rel):
    d = os.path.join(DEBS, rel)
    if os.path.isdir(d):
        for f in sorted(os.listdir(d)):
            if f.startswith(pkg + "_") and f.endswith(".deb"):
                return os.path.join(d, f)
    return None


def fetch(pkg, rel, opts):
    """The .deb of pkg, cached per kernel release (linux-kbuild-6.1 is one
    package name for every 6.1 ABI)."""
    deb = cached_deb(pkg, rel)
    if deb:
        return deb
    d = os.path.join(DEBS, rel)
    os.makedirs(d, exist_ok=True)
    log(f"  apt-get download {pkg}")
    # root downloads unsandboxed into our cache (the _apt user cannot write it)
    run(["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root"] + opts + [pkg], cwd=d)
    deb = cached_deb(pkg.split("=")[0], rel)
    if not deb:
        raise Failure(f"apt-get download {pkg}: no .deb")
    return deb


def header_packages(rel, opts):
    """linux-headers-REL and what it needs to build a module: -common, kbuild.
    [] where the archive has no headers for rel (some of Debian's 6.16+
    builds): the module scenarios are then n/a."""
    pkgs = [f"linux-headers-{rel}"]
    meta = os.path.join(CACHE, "kernels", rel, "header-packages.json")
    if os.path.exists(meta):
        with open(meta) as f:
            return json.load(f)
    p = subprocess.run(["apt-cache"] + opts + ["depends", pkgs[0]], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0 or not has_package(pkgs[0], opts):
        pkgs = []
    for m in re.finditer(r"Depends: (linux-(?:headers-\S+-common|kbuild-\S+))", p.stdout):
        if pkgs and m.group(1) not in pkgs:
            pkgs.append(m.group(1))
    os.makedirs(os.path.dirname(meta), exist_ok=True)
    with open(meta, "w") as f:
        json.dump(pkgs, f)
    return pkgs


def deb_member(deb, names):
    """The first of names (paths without the leading ./) that deb holds."""
    listing = {l.split()[-1].lstrip(".").lstrip("/") for l in
               run(["dpkg-deb", "-c", deb]).splitlines() if l.strip()}
    return next((n for n in names if n in listing), None)


def extract_kernel(layout, deb, rel, kdir, opts):
    """vmlinuz and config into kdir/boot/, fuse.ko into kdir/lib/modules/
    where FUSE is a module, whichever package holds them."""
    tar = "dpkg-deb --fsys-tarfile '{}' | tar -x -C '{}' --wildcards "
    if layout in ("unsigned", "image"):
        run(tar.format(deb, kdir) + "'./boot/vmlinuz-*' './boot/config-*'", shell=True)
    else:
        # linux-binary-REL holds vmlinuz (usr/lib/modules/REL/ from 7.1,
        # boot/ before), linux-base-REL the config.  Some releases
        # (7.0.13) have only linux-binary-REL in the archive: no config, no
        # modules.  FUSE is then taken as built in (Debian's 7.x config);
        # were it not, the FUSE scenarios would fail, visibly (fuse_hold
        # cannot mount).
        debs = [deb]
        if has_package(f"linux-base-{rel}", opts):
            debs.append(fetch(f"linux-base-{rel}", rel, opts))
        os.makedirs(os.path.join(kdir, "boot"), exist_ok=True)
        for what in ("vmlinuz", "config"):
            for d in debs:
                m = deb_member(d, [f"usr/lib/modules/{rel}/{what}", f"boot/{what}-{rel}"])
                if m:
                    run(f"dpkg-deb --fsys-tarfile '{d}' | tar -x -O './{m}' "
                        f"> '{os.path.join(kdir, 'boot', f'{what}-{rel}')}'", shell=True)
                    break
            else:
                if what == "vmlinuz":
                    raise Failure(f"no vmlinuz in {os.path.basename(deb)}")
                log(f"  no config of {rel} in the archive: FUSE taken as built in")
    cfgf = os.path.join(kdir, "boot", f"config-{rel}")
    cfg = open(cfgf).read() if os.path.exists(cfgf) else ""
    if "CONFIG_FUSE_FS=m" in cfg:
        mdeb = fetch(f"linux-modules-{rel}", rel, opts) if layout == "binary" else deb
        lib = "./lib" if layout == "unsigned" else "./usr/lib"
        run(tar.format(mdeb, kdir) + f"'{lib}/modules/*/kernel/fs/fuse/fuse.ko*'", shell=True)


def prepare_kernel(series):
    """Download and extract: vmlinuz, config, fuse.ko (if a module), headers."""
    pkg, rel = newest_package(series)
    layout = SERIES[series][3]
    opts = apt_opts(SERIES[series][2])
    # Before any pruning: two series (5.10-bullseye, 5.10) share a pattern.
    os.makedirs(os.path.join(CACHE, "series"), exist_ok=True)
    with open(os.path.join(CACHE, "series", series), "w") as f:
        f.write(rel + "\n")
    kdir = os.path.join(CACHE, "kernels", rel)
    stamp = os.path.join(kdir, ".extracted")
    os.makedirs(kdir, exist_ok=True)
    hpkgs = header_packages(rel, opts)
    if not os.path.exists(stamp):
        deb = fetch(pkg, rel, opts)
        hdebs = [fetch(p, rel, opts) for p in hpkgs]
        log(f"  extracting {os.path.basename(deb)}")
        extract_kernel(layout, deb, rel, kdir, opts)
        hdr = os.path.join(kdir, "hdr")
        shutil.rmtree(hdr, ignore_errors=True)
        for d in hdebs:
            run(["dpkg-deb", "-x", d, hdr])
        if hdebs:
            # The arch Makefile includes the -common one (and, 7.x, names
            # its output directory) by its installed path.
            mk = os.path.join(hdr, "usr", "src", f"linux-headers-{rel}", "Makefile")
            text = open(mk).read()
            text = re.sub(r"^(include |KBUILD_OUTPUT=)/usr/src/", rf"\g<1>{hdr}/usr/src/", text,
                          flags=re.M)
            open(mk, "w").write(text)
        open(stamp, "w").write(pkg + "\n")
        prune_series(series, rel)
    k = dict(series=series, pkg=pkg, rel=rel, dir=kdir,
             vmlinuz=os.path.join(kdir, "boot", f"vmlinuz-{rel}"),
             kdir_build=os.path.join(kdir, "hdr", "usr", "src", f"linux-headers-{rel}"),
             headers=bool(hpkgs), opts=opts, fuse_ko=None)
    for lib in ("lib", "usr/lib"):
        mods = os.path.join(kdir, lib, "modules", rel, "kernel", "fs", "fuse")
        for name in ("fuse.ko", "fuse.ko.xz"):
            if os.path.exists(os.path.join(mods, name)):
                k["fuse_ko"] = os.path.join(mods, name)
    return k


def prune_series(series, keep_rel):
    """Drop older kernels of the series from the cache once a newer one is in
    (but not the one another series of the matrix still uses)."""
    rx, layout = SERIES[series][1], SERIES[series][3]
    keep = {keep_rel} | {cached_release(s) for s in SERIES if s != series}
    for root in (os.path.join(CACHE, "kernels"), DEBS):
        for d in os.listdir(root):
            if d not in keep and re.match(rx, package_name(layout, d)):
                shutil.rmtree(os.path.join(root, d), ignore_errors=True)
                log(f"  pruned {os.path.basename(root)}/{d} from the cache")


def cached_release(series):
    """The release a series last resolved to (recorded by prepare_kernel)."""
    try:
        with open(os.path.join(CACHE, "series", series)) as f:
            return f.read().strip()
    except OSError:
        return None


# ---------------------------------------------------------------- guests

def is_static_elf(path):
    with open(path, "rb") as f:
        data = f.read(1 << 16)
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return False
    phoff = int.from_bytes(data[32:40], "little")
    phentsize = int.from_bytes(data[54:56], "little")
    phnum = int.from_bytes(data[56:58], "little")
    for i in range(phnum):
        off = phoff + i * phentsize
        if int.from_bytes(data[off:off + 4], "little") == 3:  # PT_INTERP
            return False
    return True


def boot(k, initrd, logdir, append="", timeout=None):
    """One guest of kernel k (prepare_kernel's, with "id" and "smp" added),
    TCG, its kernel console kept in logdir/ID/console.log and what the
    guest's own programs print (the "@@" lines) in logdir/ID/guest.log;
    returns (the guest's text, seconds, how it ended, the console log's
    path).  append: more of the kernel's command line (tests/vm/oomd_guest.py
    boots systemd as init with it); timeout: seconds before the guest is
    killed (GUEST_TIMEOUT when None).

    The guest's lines have a serial port of their own (ttyS1; tests/vm/init
    sends its output there), apart from the kernel's console (ttyS0): the
    kernel prints emergencies to its console whatever the console level,
    and one did, in the middle of one of the tool's JSON lines on the port
    they then shared (7.3-rt, "Disabling IRQ #4", 2026-12).  noirqdebug
    keeps the kernel from disabling a serial port's interrupt it takes for
    a spurious one: under TCG the 8250's interrupts can look unhandled."""
    logf = os.path.join(logdir, k["id"], "console.log")
    guestf = os.path.join(logdir, k["id"], "guest.log")
    os.makedirs(os.path.dirname(logf), exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(guestf)
    # Two vCPUs, one host thread (round-robin TCG).  Multi-threaded TCG
    # (QEMU's default) once crashed a 6.12 guest in early boot on this host
    # under load: "Oops: int3" at a static-key site the kernel was patching
    # (text_poke_bp), i.e. a vCPU ran an int3 byte that the other vCPU had
    # already rewritten and synchronised.  Kernel live patching (static
    # keys, and every tracepoint and fentry attach) relies on cross-CPU
    # code modification being coherent once the IPIs are done; with one
    # thread there is no other vCPU running during a rewrite.  It also
    # leaves the host's other CPU to the host.
    cmd = ["qemu-system-x86_64", "-accel", "tcg,thread=single",
           "-nographic", "-no-reboot", "-m", "1024", "-smp", str(k["smp"]),
           "-kernel", k["vmlinuz"], "-initrd", initrd,
           "-serial", "mon:stdio", "-serial", "file:" + guestf,
           "-append", "console=ttyS0 panic=-1 loglevel=4 log_buf_len=4M noirqdebug"
           + (" " + append if append else ""),
           "-nic", "none"]
    timeout = GUEST_TIMEOUT if timeout is None else timeout
    t0 = time.monotonic()
    with open(logf, "wb") as out:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                             start_new_session=True)
        RUNNING.add(p)
        try:
            rc = p.wait(timeout=timeout)
            how = f"qemu exited {rc}"
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            how = f"timeout after {timeout} s (killed)"
        finally:
            RUNNING.discard(p)
    try:
        text = open(guestf, "rb").read().decode("utf-8", "replace")
    except FileNotFoundError:
        text = ""
    return clean(text), time.monotonic() - t0, how, logf


def console_tail(logf, n=40):
    """The kernel console's last lines (a panic, an oops), for a report."""
    try:
        return tail(clean(open(logf, "rb").read().decode("utf-8", "replace")), n)
    except OSError as e:
        return f"    | (console log unreadable: {e.strerror})"


ESC = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|c|\][^\x07]*\x07|[()][A-Z0-9])")


def clean(text):
    return ESC.sub("", text.replace("\r", ""))


def tail(text, n=40):
    return "\n".join("    | " + l for l in text.rstrip("\n").split("\n")[-n:])


# Guests booting now: killed if the run is interrupted (Ctrl-C, SIGTERM),
# so that no qemu outlives it.
RUNNING = set()


def kill_guests():
    for p in list(RUNNING):
        with contextlib.suppress(OSError):
            os.killpg(p.pid, signal.SIGKILL)
