#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The Debian package (debian/), built, linted and installed into clean
Debian roots.

`make deb` builds oomreap-trace_VERSION_amd64.deb; lintian must report no
error and no warning (overrides, each with its reason, are allowed). Then,
for Debian 12 (bookworm) and 13 (trixie): a clean root made from Debian's
archive by mmdebstrap (variant apt, plus systemd for `systemd-analyze`),
cached as a tarball in .package-cache/ (rebuilt once a day: the package
lists it holds age), unpacked afresh for every run. Inside it, through
chroot in a mount namespace of its own (/proc, /sys with tracefs and
bpffs, /dev bound from the host; gone with the namespace):

  install  apt-get install of the .deb (dependencies from the archive),
           the unit enabled as dh_installsystemd enables it, `dpkg -L`
           holding every file the package must ship, each equal to its
           source in the tree;
  unit     `systemd-analyze verify` of the installed unit;
  probe    `oomreap-trace probe`: the kernel's features and a usable rung;
  live     the installed unit's own command line (ExecStart) plus --json,
           while the host makes one real OOM kill in a memory cgroup made
           here (tests/lib/oomlab.py, under its machine-wide lock): the
           incident against the kernel's "Killed process" line, the
           textfile written where the unit says;
  purge    apt-get purge, then autoremove --purge of what the install
           pulled in: the root's file list equals the one before install,
           but for dpkg's and apt's own bookkeeping (named below);
  build-deps  (bookworm) then, in the same root: apt-get build-dep of the
           source tree (the README's command) and dpkg-buildpackage of
           the source package, which must build the same files:
           Build-Depends is complete.

The archive is reached with the mirror URIs of the machine's own Debian
entries, through mmdebstrap's own apt configuration: the machine's apt
configuration is never touched.

Needs root (chroot, mounts, BPF, memcg); not root, or without mmdebstrap,
the root tests are skipped with a reason, which is a failure when
OOMREAP_E2E_REQUIRE=1 (CI). Output: "ok - NAME" or "not ok - NAME: REASON"
per test, "# ..." notes (each stage's time), last "N passed, N failed, N skipped".

Usage: tests/package/run_package.py [-v] [--suites bookworm,trixie] [--no-build]
Environment: PACKAGE_CACHE (default .package-cache), OOMREAP_FIXTURES.
"""

import argparse
import contextlib
import gzip
import os
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
import oomlab  # noqa: E402  (memcgs, processes, the e2e lock: shared with the other layers)
import aptsources  # noqa: E402  (the machine's own Debian mirrors: tests/vm too)
import harness  # noqa: E402  (the verdict and the runner every Python layer shares)
import kerneltruth  # noqa: E402  (the kernel's kill line, the kmsg reader)
from oomlab import Fail, note, wait_for  # noqa: E402

KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
SUITES = {"bookworm": "Debian 12", "trixie": "Debian 13"}
ROOT_MAX_AGE = 86400
# What every run may change in a root and no package owns: dpkg's and apt's
# bookkeeping and logs, the caches rebuilt by triggers (ldconfig, man-db),
# debconf's database, apt's directory for .deb files installed by path.
# Anything else added, removed or changed by install + purge is a leftover.
VOLATILE = re.compile(r"^(var/lib/dpkg/(status|status-old|available|lock.*|triggers/.*|"
                      r"diversions-old|statoverride-old)|"
                      r"var/log/(apt/.*|dpkg\.log|alternatives\.log)|"
                      r"var/lib/apt/(extended_states|lists/lock|lists/auxfiles)|"
                      r"var/cache/apt/(pkgcache|srcpkgcache)\.bin|var/cache/debconf/.*|"
                      r"var/cache/ldconfig/aux-cache|etc/ld\.so\.cache|var/cache/man/.*)$")
# Not walked: mount points inside the namespace (below) and their contents.
SKIP_TOP = ("proc", "sys", "dev", "run", "tmp", "mnt")
ARCHIVES = "var/cache/apt/archives"

# Run as: unshare --mount -- sh -c INROOT inroot ROOT DEBDIR ARCHIVES CMD...
# A mount namespace of its own (util-linux makes its mounts private): every
# mount below goes with it, on every exit path, and none reaches the host.
INROOT = r"""
set -e
root=$1 debdir=$2 archives=$3; shift 3
mount --rbind /proc "$root/proc"
mount --rbind /sys "$root/sys"
# the unit's --pin needs bpffs at /sys/fs/bpf: one of the namespace's own
# (the host may have none there), its pins gone with it
mount -t bpf bpf "$root/sys/fs/bpf"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=0755,size=64m tmpfs "$root/run"
mount -t tmpfs -o mode=1777,size=2g tmpfs "$root/tmp"
mount --bind -o ro "$debdir" "$root/mnt"
mount --bind "$archives" "$root/var/cache/apt/archives"
mount --bind -o ro /etc/resolv.conf "$root/etc/resolv.conf"
exec chroot "$root" "$@"
"""
CHROOT_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C", "HOME": "/root",
              "DEBIAN_FRONTEND": "noninteractive"}
APT = ["apt-get", "-q", "-y", "-o", "APT::Sandbox::User=root", "--no-install-recommends"]

ARGS = None
LOCK_WAIT = [0.0]     # seconds spent waiting for the e2e lock


def log(msg):
    if ARGS.verbose:
        note(msg)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def version_file():
    return open(os.path.join(REPO, "VERSION")).read().strip()


def machine_archive_uris():
    """(main URI, security URI) of the machine's own Debian entries."""
    uris = aptsources.machine_archive_uris()
    if not uris:
        raise Fail("no Debian archive in the machine's apt sources")
    return uris


def run(argv, timeout=900, check=True, env=None):
    """(rc, stdout+stderr); Fail when check and rc != 0."""
    shown = argv[argv.index("env") + 1:] if argv[0] == "unshare" and "env" in argv else argv
    log("$ " + " ".join(shlex.quote(a) for a in shown))
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace", timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise Fail(f"{argv[0]} did not finish in {timeout}s")
    if check and r.returncode:
        raise Fail(f"{' '.join(argv[:4])} ... rc={r.returncode}: {r.stdout.strip()[-1500:]}")
    return r.returncode, r.stdout


# --------------------------------------------------------------------------
# the tests' bookkeeping


class Results(harness.Runner):
    """harness.Runner, tests called fn(t, *a); a command that failed
    (check=True) is the test's failure, not a harness error."""

    def __init__(self):
        super().__init__(failures=(Fail, subprocess.CalledProcessError))

    def run(self, name, fn, *a):
        return super().run(name, lambda t: fn(t, *a))


# --------------------------------------------------------------------------
# the package itself (no root needed)


def deb_path():
    return os.path.join(REPO, "build", "deb", f"oomreap-trace_{version_file()}_amd64.deb")


def test_version(t):
    """One version: VERSION; every other mention agrees with it."""
    v = version_file()
    t.expect(re.fullmatch(r"\d+\.\d+\.\d+", v), f"VERSION {v!r} is not N.N.N")
    first = open(os.path.join(REPO, "debian", "changelog")).readline()
    m = re.match(r"^oomreap-trace \(([^)]+)\) ", first)
    t.expect(m and m.group(1) == v, f"debian/changelog says {first.strip()!r}, VERSION {v}")
    th = re.search(r'^\.TH .*"oomreap-trace ([^"]+)"', open(f"{REPO}/man/oomreap-trace.8").read(), re.M)
    t.expect(th and th.group(1) == v, f"man page .TH version {th and th.group(1)!r}, VERSION {v}")
    # The image tag in the docs and the manifest (make image tags $(VERSION)).
    # The image tag and the package's name in the docs and the manifest.
    for f in ("README.md", "deploy/kubernetes/oomreap-trace.yaml"):
        text = open(f"{REPO}/{f}").read()
        tags = set(re.findall(r"oomreap-trace[:_](\d+\.\d+\.\d+)", text))
        t.expect(tags <= {v}, f"{f} names versions {sorted(tags)}, VERSION {v}")
    tool = os.path.join(REPO, "build", "oomreap-trace")
    if os.access(tool, os.X_OK):
        _, out = run([tool, "--version"])
        t.expect_eq(out.strip(), f"oomreap-trace {v}", "build/oomreap-trace --version")


def test_build(t):
    """make deb: the .deb, its fields, its files, linked against Debian's libbpf."""
    if not ARGS.no_build:
        run(["make", "-s", "-C", REPO, "deb"], timeout=1800)
    deb = deb_path()
    if not t.expect(os.path.exists(deb), f"{deb} not built"):
        return
    _, fields = run(["dpkg-deb", "-f", deb, "Package", "Version", "Architecture", "Depends"])
    f = dict(re.findall(r"^(\w+): (.*)$", fields, re.M))
    t.expect_eq(f.get("Version"), version_file(), "Version")
    t.expect_eq(f.get("Architecture"), "amd64", "Architecture")
    t.expect("libbpf1" in f.get("Depends", ""), f"Depends lacks libbpf1: {f.get('Depends')}")
    _, listing = run(["dpkg-deb", "-c", deb])
    paths = {l.split()[-1].lstrip(".").rstrip("/") for l in listing.splitlines() if l.strip()}
    for p in PACKAGE_FILES:
        t.expect(p in paths or p.replace("/lib/systemd", "/usr/lib/systemd") in paths,
                 f"{p} not in the package")
    t.expect(not any(p.startswith("/usr/local") for p in paths), "a file under /usr/local")
    tmp = os.path.join(REPO, "build", "deb", "x")
    shutil.rmtree(tmp, ignore_errors=True)
    run(["dpkg-deb", "-x", deb, tmp])
    _, dyn = run(["readelf", "-d", f"{tmp}/usr/sbin/oomreap-trace"])
    t.expect(re.search(r"NEEDED.*\[libbpf\.so\.1\]", dyn), "binary not linked against libbpf.so.1")
    t.expect("BIND_NOW" in dyn or "NOW" in dyn, "binary without BIND_NOW (hardening flags lost)")
    unit = open(f"{tmp}/lib/systemd/system/oomreap-trace.service").read()
    t.expect(re.search(r"^ExecStart=/usr/sbin/oomreap-trace ", unit, re.M),
             "the packaged unit's ExecStart is not /usr/sbin/oomreap-trace")
    shutil.rmtree(tmp, ignore_errors=True)


def test_lintian(t):
    """lintian on what make deb built (source and binary): no error, no warning."""
    changes = deb_path().replace(".deb", ".changes")
    lint = ["lintian", "--pedantic", "-I", "-E", changes]
    rc, out = run(lint[:1] + ["--fail-on", "error,warning"] + lint[1:], check=False)
    bad = [l for l in out.splitlines() if re.match(r"^[EW]: ", l)]
    t.expect(not bad, f"lintian: {bad[:5]}")
    t.expect_eq(rc, 0, "lintian exit status")
    # Again, for what is overridden (lintian 2.116 fails on overridden
    # errors with --show-overrides: its status is not read).
    _, out = run(lint[:1] + ["--show-overrides"] + lint[1:], check=False)
    overridden = {}
    for line in out.splitlines():
        if line.startswith("O: "):
            tag = " ".join(line.split()[1:4]) if " source: " in line else " ".join(line.split()[1:3])
            overridden[tag] = overridden.get(tag, 0) + 1
        elif not line.startswith(("N: ", "running with root")) and line.strip():
            note("lintian: " + line)
    for tag, n in sorted(overridden.items()):
        note(f"lintian: overridden {tag} x{n} (debian/*lintian-overrides, each with its reason)")


# What the package must install, and the tree's file each must equal (None:
# exists only).  The unit differs from deploy/'s by its ExecStart path.
PACKAGE_FILES = {
    "/usr/sbin/oomreap-trace": None,
    "/usr/share/man/man8/oomreap-trace.8.gz": "man/oomreap-trace.8",
    "/lib/systemd/system/oomreap-trace.service": None,
    "/usr/share/oomreap-trace/prometheus/oomreap-rules.yml": "deploy/prometheus/oomreap-rules.yml",
    "/usr/share/oomreap-trace/grafana/oomreap-trace.json": "deploy/grafana/oomreap-trace.json",
    "/usr/share/doc/oomreap-trace/README.Debian": "debian/README.Debian",
    "/usr/share/doc/oomreap-trace/copyright": "debian/copyright",
    "/var/lib/prometheus/node-exporter": None,
}


# --------------------------------------------------------------------------
# a clean root


class Root:
    def __init__(self, suite):
        self.suite = suite
        self.cache = ARGS.cache
        self.tar = os.path.join(self.cache, f"{suite}.tar")
        self.archives = os.path.join(self.cache, f"archives-{suite}")
        self.dir = os.path.join(REPO, "build", "package", f"root-{suite}")
        self.before = None
        self.pulled = []
        self.unit = None

    def sources(self):
        main, sec = machine_archive_uris()
        return [f"deb [signed-by={KEYRING}] {main} {self.suite} main",
                f"deb [signed-by={KEYRING}] {main} {self.suite}-updates main",
                f"deb [signed-by={KEYRING}] {sec} {self.suite}-security main"]

    def make(self):
        """The cached tarball (built when missing or a day old), unpacked afresh."""
        os.makedirs(os.path.join(self.archives, "partial"), exist_ok=True)
        fresh = os.path.exists(self.tar) and time.time() - os.path.getmtime(self.tar) < ROOT_MAX_AGE
        if not fresh:
            t0 = time.monotonic()
            tmp = self.tar + ".tmp.tar"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            # apt's lists are kept: the install below resolves the package's
            # dependencies offline, from them and the archives cache.
            run(["mmdebstrap", "--mode=root", "--variant=apt", "--include=systemd",
                 "--skip=cleanup/apt/lists", self.suite, tmp] + self.sources(), timeout=1800)
            os.replace(tmp, self.tar)
            note(f"{self.suite}: root built by mmdebstrap in {time.monotonic() - t0:.1f} s "
                 f"({os.path.getsize(self.tar) >> 20} MiB tarball)")
        else:
            note(f"{self.suite}: cached root {self.tar} "
                 f"({(time.time() - os.path.getmtime(self.tar)) / 3600:.1f} h old)")
        self.remove()
        os.makedirs(self.dir)
        run(["tar", "-x", "-f", self.tar, "-C", self.dir, "--numeric-owner"])
        # The bind mount targets INROOT needs.
        for d in ("proc", "sys", "dev", "run", "tmp", "mnt", ARCHIVES):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        resolv = os.path.join(self.dir, "etc", "resolv.conf")
        if not os.path.lexists(resolv):
            open(resolv, "w").close()

    def remove(self):
        # Every mount lived in a namespace that is gone: nothing is mounted
        # below the root here (checked, never crossed).
        if os.path.lexists(self.dir):
            mounts = [l.split()[4] for l in open("/proc/self/mountinfo")]
            inside = [m for m in mounts if m == self.dir or m.startswith(self.dir + "/")]
            if inside:
                raise Fail(f"mounts below {self.dir}: {inside[:3]}: not removed")
            shutil.rmtree(self.dir)

    def argv(self, *cmd):
        return ["unshare", "--mount", "--", "sh", "-c", INROOT, "inroot", self.dir,
                os.path.dirname(deb_path()), self.archives, "env", "-i",
                *[f"{k}={v}" for k, v in CHROOT_ENV.items()], *cmd]

    def run(self, *cmd, check=True, timeout=900):
        return run(self.argv(*cmd), check=check, timeout=timeout)

    def snapshot(self):
        """{relative path: (type, mode, uid, gid, link target, (size, mtime)
        of a regular file)} of the root, but the namespace's mount points'
        contents and the archives cache."""
        out = {}
        for top, dirs, files in os.walk(self.dir):
            rel = os.path.relpath(top, self.dir)
            if rel == ".":
                dirs[:] = [d for d in dirs if d not in SKIP_TOP]
            elif rel == ARCHIVES:
                dirs[:] = []
                files = []
            for n in dirs + files:
                p = os.path.join(top, n)
                st = os.lstat(p)
                link = os.readlink(p) if stat.S_ISLNK(st.st_mode) else None
                # A regular file rewritten shows in its size or mtime; a
                # directory's mtime moves with any entry made and removed.
                data = (st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else None
                out[os.path.relpath(p, self.dir)] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode),
                                                     st.st_uid, st.st_gid, link, data)
        return out


def test_root(t, root):
    root.make()
    _, osr = root.run("cat", "/etc/os-release")
    want = {"bookworm": "12", "trixie": "13"}[root.suite]
    t.expect(f'VERSION_ID="{want}"' in osr, f"root's os-release: {osr[:200]!r}")


def installed(root):
    """The names of the packages installed in the root."""
    _, out = root.run("dpkg-query", "-W", "-f=${db:Status-Abbrev} ${Package}\\n")
    return {l.split()[1] for l in out.splitlines() if l.startswith("ii ")}


def test_install(t, root):
    """apt-get install ./the.deb; enabled; dpkg -L; each file equals its source."""
    root.before = root.snapshot()
    before = installed(root)
    name = os.path.basename(deb_path())
    root.run(*APT, "install", f"/mnt/{name}", timeout=900)
    root.pulled = sorted(installed(root) - before - {"oomreap-trace"})
    note(f"{root.suite}: the install pulled in {', '.join(root.pulled) or 'nothing'}")
    rc, listed = root.run("dpkg", "-L", "oomreap-trace")
    listed = set(listed.split())
    for p, src in PACKAGE_FILES.items():
        alt = p.replace("/lib/systemd", "/usr/lib/systemd")
        if not t.expect(p in listed or alt in listed, f"dpkg -L lacks {p}"):
            continue
        p = p if p in listed else alt
        if p.endswith(".service"):
            root.unit = p
        if src:
            got = read(root.dir + p)
            if p.endswith(".gz"):
                got = gzip.decompress(got)
            t.expect(got == read(os.path.join(REPO, src)), f"{p} differs from {src}")
    if root.unit:   # deploy/'s unit, but for the binary's path and comments
        def body(text):
            return [l for l in text.splitlines() if l.strip() and not l.startswith("#")]
        want = body(open(f"{REPO}/deploy/systemd/oomreap-trace.service").read()
                    .replace("/usr/local/sbin/", "/usr/sbin/"))
        t.expect(body(open(root.dir + root.unit).read()) == want,
                 f"{root.unit} is not deploy/systemd's unit with /usr/sbin")
    missing = [p for p in listed if not os.path.lexists(root.dir + p)]
    t.expect(not missing, f"dpkg -L lists what is not there: {missing[:5]}")
    # Enabled as dh_installsystemd enables prometheus-node-exporter's unit.
    link = os.path.join(root.dir, "etc/systemd/system/multi-user.target.wants/oomreap-trace.service")
    t.expect(os.path.islink(link), "not enabled: no multi-user.target.wants link")
    if os.path.islink(link) and root.unit:
        target = os.readlink(link)
        t.expect(os.path.realpath(root.dir + target) == os.path.realpath(root.dir + root.unit),
                 f"the wants link points to {target}, not {root.unit}")
    rc, st = root.run("dpkg-query", "-W", "-f=${Status} ${Version}", "oomreap-trace")
    t.expect_eq(st.strip(), f"install ok installed {version_file()}", "dpkg-query status")


def test_unit(t, root):
    """systemd-analyze verify accepts the installed unit (inside the root)."""
    if not root.unit:
        raise Fail("no installed unit (install failed)")
    rc, out = root.run("systemd-analyze", "verify", "--man=no", root.unit, check=False)
    log(out)
    about = [l for l in out.splitlines() if "oomreap-trace" in l]
    t.expect(not about, f"systemd-analyze verify: {about[:3]}")
    t.expect_eq(rc, 0, f"systemd-analyze verify exit status (output {out.strip()[-500:]!r})")


def test_probe(t, root):
    """oomreap-trace probe, installed, run in the root."""
    rc, out = root.run("oomreap-trace", "probe", check=False)
    t.expect_eq(rc, 0, f"probe exit status ({out.strip()[-500:]!r})")
    t.expect(re.search(r"^BTF:\s+yes", out, re.M), "probe: no BTF line saying yes")
    t.expect(re.search(r"^attach rung:\s+\w+", out, re.M), "probe: no attach rung chosen")


def exec_start(root):
    """The installed unit's ExecStart=, as argv."""
    text = open(root.dir + root.unit).read()
    m = re.search(r"^ExecStart=(.+)$", text, re.M)
    if not m:
        raise Fail(f"{root.unit} has no ExecStart=")
    return shlex.split(m.group(1))


def test_live(t, root):
    """The unit's command line in the root traces a real OOM kill made on the host."""
    if not root.unit:
        raise Fail("no installed unit (install failed)")
    argv = exec_start(root)
    t.expect_eq(argv[0], "/usr/sbin/oomreap-trace", "ExecStart's binary")
    m = [a for a in argv if a.endswith(".prom")]
    textfile = m[0] if m else None
    t.expect(textfile == "/var/lib/prometheus/node-exporter/oomreap.prom",
             f"ExecStart writes {textfile}, not node_exporter's textfile directory")
    rel = f"/oomreap-pkg-{root.suite}-{os.getpid()}"
    with contextlib.ExitStack() as stack:
        # One OOM-making run at a time per machine (oomlab): a tracer of
        # the whole machine (tests/deploy) would see our victim as its own.
        # Held for this test only: building and installing make no kill.
        t0 = time.monotonic()
        stack.enter_context(oomlab.exclusive())
        LOCK_WAIT[0] += time.monotonic() - t0
        memcg = oomlab.Memcg(rel, 64)
        stack.callback(memcg.close)
        kmsg = kerneltruth.Kmsg()
        stack.callback(kmsg.close)
        tool = oomlab.Tool(root.argv(*argv, "--json", "--cgroup", rel)[1:], binary="unshare",
                           name="oomreap-trace (in the root)", **kerneltruth.CHILD)
        stack.callback(tool.kill)
        hog, pid = oomlab.start_memhog(stack, memcg, 256, binary=f"{ARGS.fixtures}/memhog",
                                       **kerneltruth.CHILD)
        hog.send("go")
        t.expect_eq(hog.wait(15), -signal.SIGKILL, "memhog exit status (OOM-killed)")
        kl = kmsg.wait(kerneltruth.KILL_LINE, pid, 10, f'kmsg "Killed process {pid}"')

        inc = wait_for(lambda: next((i for i in tool.json_objects() if i.get("pid") == pid),
                                    None), 15, f"the tool's incident for pid {pid}")
        t.expect_eq(inc.get("comm"), kl.group("comm"), "comm (Killed process line)")
        t.expect_eq(inc.get("uid"), int(kl.group("uid")), "uid (Killed process line)")
        t.expect_eq(inc.get("oom_score_adj"), int(kl.group("adj")), "oom_score_adj (Killed process line)")
        rss = inc.get("rss_at_kill_bytes") or {}
        for k in ("anon", "file", "shmem"):
            t.expect_eq(rss.get(k), int(kl.group(k)) * 1024,
                        f"rss_at_kill_bytes.{k} (Killed process line kB*1024)")
        t.expect_eq(inc.get("cgroup"), rel, "cgroup")
        t.expect(inc.get("outcome") in ("reaped", "victim_exited"),
                 f"outcome {inc.get('outcome')!r}: a finished incident expected")
        t.expect_eq(inc.get("incomplete"), False, "incomplete")
        note(f"{root.suite}: pid {pid} {inc.get('outcome')}, anon-rss "
             f"{int(kl.group('anon'))} kB at the kill (kernel and tool agree: "
             f"{rss.get('anon') == int(kl.group('anon')) * 1024})")
        t.expect_eq(tool.stop(), 0, "exit status after SIGINT")
    path = root.dir + textfile if textfile else None
    if path and t.expect(os.path.isfile(path), f"no textfile {textfile} in the root"):
        text = open(path).read()
        got = sum(float(v) for v in re.findall(r"^oomreap_kills_total(?:\{[^}]*\})? (\S+)$",
                                               text, re.M))
        t.expect_eq(got, 1.0, "oomreap_kills_total in the textfile (one kill)")


def test_purge(t, root):
    """apt-get purge, autoremove --purge: the root as it was before install."""
    if root.before is None:
        raise Fail("no snapshot before install (install not run)")
    root.run(*APT, "purge", "oomreap-trace")
    root.run(*APT, "autoremove", "--purge")
    # What autoremove keeps because a package of the root suggests it
    # (trixie's libsystemd-shared suggests libbpf1): purged by name, said.
    kept = sorted(installed(root) & set(root.pulled))
    if kept:
        note(f"{root.suite}: autoremove kept {', '.join(kept)} (suggested by the root's "
             f"packages): purged by name")
        root.run(*APT, "purge", *kept)
    after = root.snapshot()
    added = sorted(p for p in after.keys() - root.before.keys() if not VOLATILE.match(p))
    gone = sorted(p for p in root.before.keys() - after.keys() if not VOLATILE.match(p))
    changed = sorted(p for p in after.keys() & root.before.keys()
                     if after[p] != root.before[p] and not VOLATILE.match(p))
    t.expect(not added, f"left behind by purge: {added[:10]}")
    t.expect(not gone, f"removed by install+purge: {gone[:10]}")
    t.expect(not changed, f"changed (type, mode, owner, link, size or mtime): {changed[:10]}")
    rc, out = root.run("dpkg-query", "-W", "-f=${Status}", "oomreap-trace", check=False)
    t.expect(rc != 0 or "not-installed" in out, f"dpkg still knows the package: {out!r}")


def test_build_deps(t, root):
    """The source package builds in the clean root from its Build-Depends
    alone (apt-get build-dep), into the same files as make deb's."""
    dsc = os.path.basename(deb_path()).replace("_amd64.deb", ".dsc")
    # The README's form: build-dep of a source tree (make deb's copy).
    tree = f"/mnt/src/oomreap-trace-{version_file()}/"
    if not t.expect(os.path.isfile(os.path.dirname(deb_path()) + tree[4:] + "debian/control"),
                    f"no source tree {tree} from make deb"):
        return
    root.run(*APT, "build-dep", tree, timeout=1800)
    # One run: /tmp is the namespace's tmpfs, gone with it.
    t0 = time.monotonic()
    _, out = root.run("sh", "-ec", f"cd /tmp && dpkg-source -x /mnt/{dsc} src >/dev/null && "
                      f"cd src && {{ dpkg-buildpackage -b -us -uc >/tmp/build.log 2>&1 || "
                      f"{{ tail -n 30 /tmp/build.log; exit 1; }}; }} && "
                      f"echo '--- files' && dpkg-deb -c /tmp/{os.path.basename(deb_path())}",
                      timeout=1800)
    note(f"{root.suite}: dpkg-buildpackage in the root: {time.monotonic() - t0:.1f} s")
    theirs = "\n".join(l.split()[-1] for l in out.split("--- files", 1)[-1].splitlines()
                        if l.strip())
    _, ours = run(["dpkg-deb", "-c", deb_path()])
    ours = "\n".join(l.split()[-1] for l in ours.splitlines() if l.strip())
    t.expect_eq(sorted(theirs.split()), sorted(ours.split()),
                "files of the package built in the root vs make deb's")


# --------------------------------------------------------------------------


def no_root(t):
    raise Fail("not run: no root")


def root_preflight():
    if os.geteuid() != 0:
        return "not root (chroot, mounts, BPF and memcg need it)"
    for tool in ("mmdebstrap", "unshare", "chroot"):
        if not shutil.which(tool):
            return f"{tool} not found (scripts/install-deps.sh)"
    if not os.path.exists(deb_path()):
        return "no package built"
    return oomlab.preflight(tool=False, fixtures=ARGS.fixtures)


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--suites", default=",".join(SUITES),
                    help=f"comma-separated, of {', '.join(SUITES)}")
    ap.add_argument("--no-build", action="store_true", help="use the .deb make deb built last")
    ap.add_argument("--fixtures", default=os.environ.get("OOMREAP_FIXTURES",
                                                         f"{REPO}/build/fixtures"))
    ARGS = ap.parse_args()
    ARGS.cache = os.environ.get("PACKAGE_CACHE", os.path.join(REPO, ".package-cache"))
    suites = [s for s in ARGS.suites.split(",") if s]
    for s in suites:
        if s not in SUITES:
            ap.error(f"unknown suite {s!r}")
    oomlab.unwind_on_signals()
    t_start = time.monotonic()
    res = Results()
    res.run("version: VERSION, debian/changelog, man page, image tags agree", test_version)
    built = res.run("build: make deb", test_build)
    if built:
        res.run("lintian: no error, no warning", test_lintian)
    else:
        res.skip("lintian", "no package built")
    why = root_preflight()
    if not why:     # what a SIGKILLed run left: its memcgs (that pid gone)
        oomlab.remove_stale(re.compile(rb"^oomreap-pkg-\w+-(\d+)$"))
    steps = (("install", test_install), ("unit", test_unit), ("probe", test_probe),
             ("live", test_live), ("purge", test_purge))
    for s in suites:
        label = f"{SUITES[s]} ({s})"
        if why:
            for n in ("root",) + tuple(n for n, _ in steps):
                res.skip(f"{label}: {n}", why)
            continue
        root = Root(s)
        t0 = time.monotonic()
        try:
            if not res.run(f"{label}: root (mmdebstrap, cached)", test_root, root):
                for n, _ in steps:
                    res.run(f"{label}: {n}", no_root)
                continue
            for n, fn in steps:
                res.run(f"{label}: {n}", fn, root)
            if s == "bookworm":     # once: the build host the package is made for
                res.run(f"{label}: build-deps (apt-get build-dep, dpkg-buildpackage)",
                        test_build_deps, root)
        finally:
            with contextlib.suppress(Fail, OSError):
                root.remove()
        note(f"{label}: {time.monotonic() - t0:.1f} s")
    note(f"package layer: {time.monotonic() - t_start:.1f} s, of which "
         f"{LOCK_WAIT[0]:.1f} s waiting for the e2e lock")
    return res.close()


if __name__ == "__main__":
    sys.exit(main())
