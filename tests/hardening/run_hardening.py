#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Hardening tests of oomreap-trace, as root on the real kernel.

- least privilege: once attached the running tool holds no capability in
  any set (read from /proc/<pid>/status), has no_new_privs, and with
  --user it runs as that user, is not dumpable, and still reports an OOM
  kill made in a memory cgroup created here;
- src/live/privdrop.c from the inside (privdrop_check): no way back to root, no
  new BPF objects, /proc/kallsyms opened before the drop still readable;
- valgrind --leak-check=full on replays and reports of the committed
  recordings (no root needed) and on a live `--duration 2` run: no leak, no
  memory error;
- hostile names: victims whose comm holds quotes, backslashes, newlines,
  terminal escapes, HTML and bytes that are not UTF-8, killed in a memory
  cgroup whose name is hostile too: the text output escapes every control
  byte, each JSON line is valid (jq) and decodes to the kernel's bytes,
  the Prometheus textfile passes promtool, the HTML report shows the names
  as text (the last two when the tool has them);
- cgroup paths built in BPF at the kill: a 206-byte path whole, a 326-byte
  one cut at 255 bytes and flagged, one 17 levels deep flagged.

Not root: each test is skipped with the reason; OOMREAP_E2E_REQUIRE=1 (CI)
turns a skip into a failure.  Output: "ok - NAME", "not ok - NAME: WHY",
"# ..." notes, and last "N passed, N failed, N skipped".
"""

import contextlib
import os
import re
import shutil
import signal
import traceback
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "lib"))
import oomlab  # noqa: E402
import harness  # noqa: E402  (the runner every Python layer shares)
from oomlab import Fail, MiB, Memcg, Proc, Tool, TraceInstance, note, wait_for  # noqa: E402

OUT = os.environ.get("OOMREAP_OUT", f"{oomlab.REPO}/build")
HARD_BIN = f"{OUT}/hardening"
TAG = f"oomreap-hard-{os.getpid()}"

# At most 15 bytes each (TASK_COMM_LEN - 1), no NUL.
HOSTILE_COMMS = [
    b'q"b\\s\nn<>&',                 # JSON/shell quoting, a newline
    b"\x1b[31mRED\x1b[0m",           # SGR colour escape
    b"\x07\x08\x7f\r\t\x1b]0;pwn\x07",  # bell, backspace, DEL, CR, TAB, OSC title
    b"<b>x</b>&amp;",                # HTML
    b"\xff\xfe\xc3(\xe2\x82",        # not UTF-8: stray, bad continuation, cut short
    b"ok-\xc3\xa9t\xc3\xa9",         # valid UTF-8 ("ok-ete" with accents)
    b"\xe2\x80\xaeevil",             # U+202E right-to-left override
]
# cgroup names may hold any byte but '/' and (cgroup_mkdir) '\n'
HOSTILE_CGROUP = b'h"\\\t\x1b[2J<i>&lt;\xff\xc0\x80$(id)'

RES = None     # main()'s harness.Runner: the tests report several results each


def report(name, err):
    RES.report(name, [] if err is None else [err])


def caps_zero(st):
    bad = [k for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")
           if int(st.get(k, "f"), 16) != 0]
    return f"non-zero {', '.join(f'{k}={st.get(k)}' for k in bad)}" if bad else None


def json_expect(raw):
    """What render__json_string() promises: valid UTF-8 kept, any other
    byte as the code point of the same value (\\u00XX)."""
    out, i = [], 0
    while i < len(raw):
        if raw[i] < 0x80:
            out.append(chr(raw[i]))
            i += 1
            continue
        for n in (2, 3, 4):
            try:
                out.append(raw[i:i + n].decode("utf-8"))
                i += n
                break
            except UnicodeDecodeError:
                pass
        else:
            out.append(chr(raw[i]))
            i += 1
    return "".join(out)


def text_expect(raw):
    """What render__text_string() promises: printable ASCII as is, a
    backslash doubled, every other byte as \\xNN."""
    return "".join("\\\\" if c == 0x5C else chr(c) if 0x20 <= c < 0x7F else f"\\x{c:02x}"
                   for c in raw).encode()


def tool_has(word):
    r = subprocess.run([oomlab.TOOL, "--help"], capture_output=True, text=True)
    return word in r.stdout


# --------------------------------------------------------------------------


def t_privdrop_check():
    """privdrop_check's own ok/not ok lines, each one result."""
    r = subprocess.run([f"{HARD_BIN}/privdrop_check", "nobody"], capture_output=True,
                       text=True, timeout=60)
    lines = [l for l in r.stdout.splitlines() if l.startswith(("ok - ", "not ok - "))]
    for l in lines:
        ok = l.startswith("ok - ")
        report("privdrop: " + l.split(" - ", 1)[1], None if ok else "failed")
    if r.returncode or not lines:
        report("privdrop_check exit status", f"rc={r.returncode} stderr={r.stderr[-300:]!r}")


def t_caps_after_attach(stack):
    tool = Tool(["--json", "--cgroup", f"/{TAG}-none"], name="tool-caps")
    stack.callback(tool.kill)
    st = oomlab.proc_status(tool.pid)
    err = caps_zero(st)
    if not err and st.get("NoNewPrivs") != "1":
        err = f"NoNewPrivs={st.get('NoNewPrivs')}"
    note(f"caps after attach: uid {st.get('Uid')}, CapEff {st.get('CapEff')}, "
         f"CapBnd {st.get('CapBnd')}, NoNewPrivs {st.get('NoNewPrivs')}")
    rc = tool.stop()
    if not err and rc != 0:
        err = f"tool exit status {rc}, stderr {tool.err[-3:]}"
    report("no capability left once attached (CapInh/Prm/Eff/Bnd/Amb = 0, no_new_privs)", err)


def t_ambient_only():
    """As a systemd service would start it: user nobody with only CAP_BPF and
    CAP_PERFMON (ambient).  It attaches, then holds nothing; the bounding set
    stays (emptying it needs CAP_SETPCAP) and no_new_privs covers exec."""
    if not shutil.which("capsh"):
        print("ok - ambient CAP_BPF+CAP_PERFMON as nobody # SKIP no capsh (libcap2-bin)")
        return
    cmd = f"exec {oomlab.TOOL} --json --cgroup /{TAG}-none"
    p = Proc("capsh", ["capsh", "--caps=cap_setpcap,cap_setuid,cap_setgid+ep "
                       "cap_bpf,cap_perfmon+eip", "--keep=1", "--user=nobody",
                       "--addamb=cap_bpf,cap_perfmon", "--", "-c", cmd], stdin=False)
    try:
        p.expect(rb"^oomreap-trace: ready", 30, stream="err")
        st = oomlab.proc_status(p.pid)
        err = None
        bad = [k for k in ("CapInh", "CapPrm", "CapEff", "CapAmb") if int(st.get(k, "f"), 16)]
        if bad or st.get("NoNewPrivs") != "1" or not st.get("Uid", "").startswith("65534"):
            err = f"Uid {st.get('Uid')}, {[(k, st.get(k)) for k in bad]}, " \
                  f"NoNewPrivs {st.get('NoNewPrivs')}"
        note(f"ambient-only start: CapEff {st.get('CapEff')} CapAmb {st.get('CapAmb')} "
             f"CapBnd {st.get('CapBnd')} (bounding set kept: no CAP_SETPCAP)")
    finally:
        if p.p.poll() is None:
            os.kill(p.pid, signal.SIGINT)
        rc = p.wait(15)
        p.kill()
    if not err and rc != 0:
        err = f"exit status {rc}: {p.err[-3:]}"
    report("ambient CAP_BPF+CAP_PERFMON as nobody (systemd style): attaches, then no "
           "capability, no_new_privs", err)


def t_unknown_user():
    r = subprocess.run([oomlab.TOOL, "--user", "no-such-user-oomreap", "--duration", "1"],
                       capture_output=True, text=True, timeout=60)
    ok = r.returncode == 2 and "no such user" in r.stderr and "ready" not in r.stderr
    report("--user with an unknown user: exit 2 before ready",
           None if ok else f"rc={r.returncode} stderr={r.stderr[-300:]!r}")


def t_user_nobody_incident(stack):
    """--user nobody: the incident of a real OOM kill still comes out."""
    cg = Memcg(f"/{TAG}-nobody", 64)
    stack.callback(cg.close)
    trace = TraceInstance(f"{TAG}-nobody")
    stack.callback(trace.close)
    tool = Tool(["--user", "nobody", "--json", "--cgroup", cg.rel], name="tool-nobody")
    stack.callback(tool.kill)
    st = oomlab.proc_status(tool.pid)
    errs = []
    if not st.get("Uid", "").startswith("65534"):
        errs.append(f"Uid {st.get('Uid')!r}, want 65534")
    e = caps_zero(st)
    if e:
        errs.append(e)
    # Not dumpable: its private /proc files (fd/, environ, mem) then belong
    # to root, not to the uid the tool now runs as.
    if os.stat(f"/proc/{tool.pid}/fd").st_uid != 0:
        errs.append("dumpable: /proc/<pid>/fd owned by the new uid (ptrace/fd theft possible)")
    hog, pid = oomlab.start_memhog(stack, cg, 256, adj=100)
    hog.send("go")
    rc = hog.wait(15)
    if rc != -9:
        errs.append(f"memhog exit status {rc}, want -9 (SIGKILL by the OOM killer)")
    incs = wait_for(lambda: [i for i in tool.json_objects() if i.get("pid") == pid], 10,
                    f"the incident of pid {pid}")
    kills = trace.mark_victims({pid})
    inc = incs[0]
    note(f"--user nobody: pid {pid} outcome {inc.get('outcome')}, tracefs mark_victim "
         f"x{len(kills)}, exit_latency {inc.get('exit_latency_ns')} ns")
    if len(kills) != 1:
        errs.append(f"tracefs saw {len(kills)} mark_victim for {pid}, want 1")
    if inc.get("outcome") != "victim_exited":
        errs.append(f"outcome {inc.get('outcome')!r}, want victim_exited")
    if inc.get("incomplete"):
        errs.append("incident marked incomplete")
    rc = tool.stop()
    if rc != 0:
        errs.append(f"tool exit status {rc}: {tool.err[-3:]}")
    if any(re.match(rb"oomreap-trace: \d+ events lost", l) for _, l in tool.err):
        errs.append("events lost")
    report("--user nobody: runs as 65534, not dumpable, an OOM kill still reported",
           "; ".join(errs) or None)


def t_deep_cgroup(stack):
    """The victim's cgroup path as BPF builds it at the kill, against the
    path the test made: a long one (over 128 bytes, whole), one over the
    255-byte field (kept from the root, cut at the end, flagged) and one
    deeper than BPF walks (17 levels below the root: flagged)."""
    top = Memcg(f"/{TAG}-deep".encode())    # bytes, as the paths it is compared with
    stack.callback(top.close)
    cases = [("long", [b"a" * 60, b"b" * 60, b"c" * 60], False),
             ("cut", [b"d" * 100, b"e" * 100, b"f" * 100], True),
             ("deep", [b"%d" % i for i in range(16)], True)]
    # No --cgroup filter: the too-deep path lacks its outer levels.
    tool = Tool(["--json"], name="tool-deep")
    stack.callback(tool.kill)
    errs = []
    for label, names, want_cut in cases:
        chain = [top]
        for name in names:
            cg = Memcg(chain[-1].rel + b"/" + name)
            stack.callback(cg.close)    # innermost closed first (LIFO)
            chain.append(cg)
        chain[-1].limit(64)
        hog, pid = oomlab.start_memhog(stack, chain[-1], 256, adj=100)
        hog.send("go")
        if hog.wait(15) != -9:
            raise Fail(f"{label}: memhog was not OOM-killed")
        incs = wait_for(lambda: [i for i in tool.json_objects() if i.get("pid") == pid], 10,
                        f"the incident of pid {pid}")
        want = chain[-1].rel
        got = incs[0].get("cgroup", "").encode()
        cut = incs[0].get("cgroup_truncated")
        note(f"deep/{label}: path {len(want)} bytes, reported {len(got)}, truncated {cut}")
        if label == "deep":
            # Outer levels are missing: what is there is the innermost part.
            ok = cut is True and want.endswith(got.rstrip(b"/")) and len(got) < len(want)
        elif want_cut:
            ok = cut is True and got == want[:255]
        else:
            ok = cut is False and got == want
        if not ok:
            errs.append(f"{label}: cgroup {got[:60]!r}... ({len(got)} bytes, truncated "
                        f"{cut}), want {want[:60]!r}... ({len(want)} bytes)")
    rc = tool.stop()
    if rc != 0:
        errs.append(f"tool exit status {rc}")
    report("deep cgroup paths: long path whole, over-long cut and flagged, too deep flagged",
           "; ".join(errs) or None)


def t_hostile(stack):
    parent = Memcg(f"/{TAG}-hostile".encode())    # bytes: its child's name is not UTF-8
    stack.callback(parent.close)
    try:
        os.mkdir(parent.dir + b"/bad\nname")
        os.rmdir(parent.dir + b"/bad\nname")
        note("kernel accepted a newline in a cgroup name")
    except OSError as e:
        note(f"kernel refuses a newline in a cgroup name ({e.strerror}): as expected")
    child = Memcg(parent.rel + b"/" + HOSTILE_CGROUP, 64)
    stack.callback(child.close)
    trace = TraceInstance(f"{TAG}-hostile")
    stack.callback(trace.close)
    tmp = tempfile.mkdtemp(prefix=f"{TAG}-")
    stack.callback(shutil.rmtree, tmp, True)

    prom = tool_has("--prom-textfile")
    record = tool_has("--record") and tool_has("report")
    jtool = Tool(["--json", "--cgroup", parent.rel.decode()], name="tool-json")
    stack.callback(jtool.kill)
    targs = ["--cgroup", parent.rel.decode()]
    if prom:
        targs += ["--prom-textfile", f"{tmp}/oomreap.prom", "--interval", "1",
                  "--prom-cgroup-labels"]
    if record:
        targs += ["--record", f"{tmp}/hostile.oomrec"]
    ttool = Tool(targs, name="tool-text")
    stack.callback(ttool.kill)

    victims = {}
    for name in HOSTILE_COMMS:
        v = Proc("hostile_victim", [f"{HARD_BIN}/hostile_victim", "-n", name.hex(), "-c",
                                    child.dir, "256"])
        stack.callback(v.kill)
        pid = v.ready_pid()
        v.send("go")
        rc = v.wait(15)
        if rc != -9:
            raise Fail(f"hostile victim {name!r} exit status {rc}, want -9")
        victims[pid] = name
    kills = trace.mark_victims(set(victims))
    note(f"hostile: {len(victims)} victims, tracefs mark_victim x{len(kills)}")
    wait_for(lambda: len({i.get("pid") for i in jtool.json_objects()} & set(victims))
             == len(victims), 15, "every hostile incident in JSON")
    wait_for(lambda: sum(1 for _, l in ttool.lines
                         if any(f" {p} ".encode() in l for p in victims)) >= len(victims),
             15, "every hostile incident in text")
    rc_j, rc_t = jtool.stop(), ttool.stop()
    report("hostile: every kill (tracefs) reported once, tools exit 0",
           None if (len(kills) == len(victims) and rc_j == 0 and rc_t == 0
                    and len(jtool.json_objects()) == len(victims))
           else f"kills {len(kills)}, victims {len(victims)}, json incidents "
                f"{len(jtool.json_objects())}, rc json {rc_j} text {rc_t}")

    # JSON: every line parses with jq, and decodes to the kernel's bytes.
    raw = b"".join(l + b"\n" for _, l in jtool.lines)
    r = subprocess.run(["jq", "-c", "."], input=raw, capture_output=True)
    errs = [] if r.returncode == 0 else [f"jq rejected the output: {r.stderr[-200:]!r}"]
    if r.returncode == 0 and len(r.stdout.splitlines()) != len(jtool.lines):
        errs.append(f"jq read {len(r.stdout.splitlines())} values from "
                    f"{len(jtool.lines)} lines")
    cg_want = json_expect(parent.rel + b"/" + HOSTILE_CGROUP)
    for inc in jtool.json_objects():
        name = victims.get(inc.get("pid"))
        if name is None:
            continue
        if inc.get("comm") != json_expect(name):
            errs.append(f"comm {inc.get('comm')!r}, want {json_expect(name)!r}")
        if inc.get("cgroup") != cg_want:
            errs.append(f"cgroup {inc.get('cgroup')!r}, want {cg_want!r}")
    with contextlib.suppress(UnicodeDecodeError):
        raw.decode("utf-8")
        raw = None
    if raw is not None:
        errs.append("JSON output is not valid UTF-8")
    report("hostile: JSON valid (jq), valid UTF-8, comm and cgroup decode to the kernel's "
           "bytes", "; ".join(errs[:3]) or None)

    # Text: one line per incident, nothing a terminal would act on.
    errs = []
    for _, l in ttool.lines:
        bad = sorted({c for c in l if c < 0x20 or c >= 0x7F})
        if bad:
            errs.append(f"raw bytes {bytes(bad)!r} in {l[:80]!r}")
    lines = [l for _, l in ttool.lines]
    end = next((i for i, l in enumerate(lines) if l.startswith(b"Summary")), len(lines))
    body = [l for l in lines[1:end] if l]
    stray = [l for l in body if not re.match(rb"\d\d:\d\d:\d\d ", l)]
    if stray or len(body) != len(victims):
        errs.append(f"{len(body)} lines for {len(victims)} incidents, stray: {stray[:2]}")
    for pid, name in victims.items():
        line = next((l for l in body if f" {pid} ".encode() in l), b"")
        if text_expect(name) not in line:
            errs.append(f"pid {pid}: {text_expect(name)!r} not in {line!r}")
        if text_expect(parent.rel + b"/" + HOSTILE_CGROUP) not in line:
            errs.append(f"pid {pid}: escaped cgroup not in {line!r}")
    report("hostile: text output escapes every control and non-ASCII byte, one line each",
           "; ".join(errs[:3]) or None)

    if prom:
        path = f"{tmp}/oomreap.prom"
        with open(path, "rb") as f:
            data = f.read()
        if os.environ.get("OOMREAP_DEBUG"):
            note(f"textfile: {[l for l in data.splitlines() if b'hostile' in l][:2]}")
        r = subprocess.run(["promtool", "check", "metrics"], input=data, capture_output=True)
        errs = [] if r.returncode == 0 else [
            f"promtool: {(r.stdout + r.stderr)[-300:]!r}"]
        ctl = sorted({c for c in data if (c < 0x20 and c != 0x0A) or c == 0x7F})
        if ctl:     # legal in the exposition format, but `cat` runs them
            note(f"warning: textfile label values hold raw control bytes {bytes(ctl)!r}")
        if f"{TAG}-hostile/".encode() not in data:
            errs.append("no series labelled with the hostile cgroup")
        with contextlib.suppress(UnicodeDecodeError):
            data.decode("utf-8")
            data = None
        if data is not None:
            errs.append("textfile is not valid UTF-8")
        report("hostile: Prometheus textfile passes promtool check metrics",
               "; ".join(errs) or None)
    else:
        note("no --prom-textfile in this build: promtool check not run")

    if record:
        html = f"{tmp}/report.html"
        r = subprocess.run([oomlab.TOOL, "report", f"{tmp}/hostile.oomrec", "--format", "html",
                            "-o", html], capture_output=True, timeout=60)
        errs = [] if r.returncode == 0 else [f"report rc={r.returncode}: {r.stderr[-200:]!r}"]
        data = open(html, "rb").read() if os.path.exists(html) else b""
        for needle in (b"<b>x</b>", b"<i>&lt;", b"\x1b", b"\x07"):
            if needle in data:
                errs.append(f"raw {needle!r} in the HTML")
        if b"&lt;b&gt;x&lt;/b&gt;" not in data:
            errs.append("the HTML victim name is not shown as escaped text")
        report("hostile: HTML report shows the names as text", "; ".join(errs) or None)
    else:
        note("no --record/report in this build: HTML check not run")


VALGRIND = ["valgrind", "-q", "--leak-check=full", "--show-leak-kinds=definite,indirect,possible",
            "--errors-for-leak-kinds=definite,indirect,possible", "--error-exitcode=99",
            f"--suppressions={os.path.dirname(os.path.abspath(__file__))}/valgrind.supp"]


def valgrind(args, timeout=300):
    """None, or why valgrind found fault (the tool's own status is not judged)."""
    r = subprocess.run(VALGRIND + [oomlab.TOOL] + args, capture_output=True, timeout=timeout)
    if r.returncode == 99:
        errs = [l for l in r.stderr.decode(errors="replace").splitlines() if l.startswith("==")]
        return " | ".join(errs[:4])
    return None


def t_valgrind_replay():
    golden = f"{oomlab.REPO}/tests/golden"
    recs = sorted(f for f in os.listdir(golden) if f.endswith(".oomrec")) \
        if os.path.isdir(golden) else []
    if not recs or not tool_has("replay"):
        print("ok - valgrind: replay and report # SKIP no replay or no recordings")
        return
    tmp = tempfile.mkdtemp(prefix="oomreap-vg-")
    try:
        errs = []
        for rec in recs:
            path = f"{golden}/{rec}"
            for args in (["replay", path, "--json"], ["replay", path],
                         ["report", path, "--format", "html", "-o", f"{tmp}/r.html"],
                         ["report", path, "-o", f"{tmp}/r.md"]):
                e = valgrind(args)
                if e:
                    errs.append(f"{' '.join(args[:1] + args[2:])} {rec}: {e}")
        report(f"valgrind: replay and report of {len(recs)} recordings: no leak, no memory "
               "error", "; ".join(errs[:2]) or None)
    finally:
        shutil.rmtree(tmp, True)


def t_valgrind_live():
    e = valgrind(["--duration", "2", "--json", "--cgroup", f"/{TAG}-none"])
    report("valgrind: live --duration 2 (attach, drop, trace, exit): no leak, no memory error",
           e)


# --------------------------------------------------------------------------


def ensure_built():
    need = [f"{HARD_BIN}/privdrop_check", f"{HARD_BIN}/hostile_victim",
            f"{oomlab.FIXTURES}/memhog"]
    if all(os.access(p, os.X_OK) for p in need):
        return
    subprocess.run(["make", "-s", "-C", oomlab.REPO, "hardening", "fixtures"], check=True)


ROOT_TESTS = [
    ("privdrop_check", lambda s: t_privdrop_check()),
    ("caps after attach", t_caps_after_attach),
    ("--user unknown", lambda s: t_unknown_user()),
    ("ambient caps only", lambda s: t_ambient_only()),
    ("--user nobody incident", t_user_nobody_incident),
    ("hostile names", t_hostile),
    ("deep cgroup paths", t_deep_cgroup),
    ("valgrind live", lambda s: t_valgrind_live()),
]
# Need neither root nor the kernel.
ANY_TESTS = [
    ("valgrind replay", t_valgrind_replay),
]


def main():
    global RES
    RES = harness.Runner()
    for name, fn in ANY_TESTS:
        if not shutil.which("valgrind"):
            report(name, "valgrind not installed (scripts/install-deps.sh)")
            continue
        try:
            fn()
        except (OSError, subprocess.SubprocessError) as e:
            report(name, f"{type(e).__name__}: {e}")
    reason = oomlab.preflight()
    if reason:
        for name, _ in ROOT_TESTS:
            RES.skip(name, reason)
        return RES.close()
    try:
        ensure_built()
    except subprocess.CalledProcessError as e:
        report("build hardening helpers", str(e))
        return RES.close()
    lock = oomlab.exclusive()
    oomlab.remove_stale()
    only = os.environ.get("OOMREAP_HARD_ONLY", "")    # a substring of test names
    for name, fn in ROOT_TESTS:
        if only not in name:
            continue
        with contextlib.ExitStack() as stack:
            try:
                fn(stack)
            except (Fail, OSError, subprocess.SubprocessError, ValueError) as e:
                if os.environ.get("OOMREAP_DEBUG"):
                    traceback.print_exc()
                report(name, f"{type(e).__name__}: {e}")
    lock.close()
    return RES.close()

if __name__ == "__main__":
    sys.exit(main())
