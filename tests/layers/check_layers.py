#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The include rule of src/ (README, "How it works"), checked file by file.

Each folder of src/ is a layer and may include only the layers below it:

    core      nothing but itself
    io        core
    rec       core, io
    sinks     core, io, rec
    report    core, io, rec
    pipeline  core, io, rec, sinks, report
    live      core, io, sinks, pipeline
    src/     (main.c, options.c, the commands) everything

core/ is pure: it does no I/O (io/ holds what the layers above share), so
it includes no system I/O header (<unistd.h>, <fcntl.h>, <poll.h>,
<sys/...>, <dirent.h>) and names no file or stream call (fopen, read,
write, stderr, ...) outside its comments and strings.

include/oomreap_abi.h, the wire ABI, is for everyone; libbpf (<bpf/...>)
and the generated skeleton headers are for live/ and src/ only, so every
other layer builds and links without libbpf (the unit tests, the fuzzers,
the bench).  A quoted include names its folder ("core/tracker.h") and must
exist.  One line per rule case (RULE_CASES: the check can fail), one per
file, then "N passed, N failed, 0 skipped".
"""
import os
import re
import sys

ALLOWED = {
    "core": {"core"},
    "io": {"core", "io"},
    "rec": {"core", "io", "rec"},
    "sinks": {"core", "io", "rec", "sinks"},
    "report": {"core", "io", "rec", "report"},
    "pipeline": {"core", "io", "rec", "sinks", "report", "pipeline"},
    "live": {"core", "io", "sinks", "pipeline", "live"},
}
PURE = "core"
# What would make core/ do I/O: the system headers of file descriptors,
# and the calls and streams of files (formatting into a FILE * or a buffer
# the caller gives, fprintf and snprintf, stays pure).
PURE_HEADERS = re.compile(r"^(unistd|fcntl|poll|dirent)\.h$|^sys/")
PURE_CALLS = re.compile(
    r"\b(?:(fopen|fdopen|freopen|popen|open|openat|creat|close|read|write|pread|pwrite|"
    r"poll|fgets|getline|fread|fflush|fclose|perror)\s*\(|(stdin|stdout|stderr)\b)")
COMMENT_OR_STRING = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
TOP = ""  # src/ itself: main.c, options.c, the commands
LIBBPF_OK = {"live", TOP}
GENERATED = {"oomreap.skel.h", "oomreap.core_names.h", "percpu_offsets.skel.h"}  # in build/, made by the Makefile
ABI = "include"

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def layer_of(path):
    parts = path.split("/")
    return parts[1] if len(parts) > 2 else TOP


def check(path, text=None):
    """The problems of one file under src/ (its text read, or given), as lines."""
    me = layer_of(path)
    if me != TOP and me not in ALLOWED:
        return [f"{path}: src/{me}/ is not a layer ({', '.join(ALLOWED)})"]
    may = set(ALLOWED) if me == TOP else ALLOWED[me]
    if text is None:
        text = open(path, encoding="utf-8", errors="replace").read()
    problems = []
    for kind, name in INCLUDE.findall(text):
        if kind == "<":
            if me == PURE and PURE_HEADERS.search(name):
                problems.append(f"{path}: includes <{name}>: core/ does no I/O (io/ does)")
            if name.startswith("bpf/") and me not in LIBBPF_OK:
                problems.append(f"{path}: includes <{name}>: libbpf is for live/ and src/ only")
            continue
        if "/" in name:
            layer = name.split("/")[0]
            if layer not in ALLOWED:
                problems.append(f'{path}: includes "{name}": not a layer')
            elif not os.path.isfile(os.path.join("src", name)):
                problems.append(f'{path}: includes "{name}", which does not exist')
            elif layer not in may and layer != me:
                below = ", ".join(sorted(may - {me})) or "nothing"
                problems.append(f'{path}: includes "{name}": {me or "src"}/ may use {below}')
        elif os.path.isfile(os.path.join(ABI, name)):
            continue
        elif name in GENERATED:
            if me not in LIBBPF_OK:
                problems.append(f'{path}: includes "{name}": the skeleton is for live/ and src/ only')
        elif me == TOP and os.path.isfile(os.path.join("src", name)):
            continue
        else:
            problems.append(f'{path}: includes "{name}": name its folder ("core/...")')
    if me == PURE:
        code = COMMENT_OR_STRING.sub(" ", text)
        for m in sorted({m.group(0).rstrip("( ") for m in PURE_CALLS.finditer(code)}):
            problems.append(f"{path}: uses {m}: core/ does no I/O (io/ does)")
    return problems


# The rule itself, on includes a file could make: (path, include, allowed?).
# A check that passes every file of the tree must also be able to fail.
RULE_CASES = [
    ("src/sinks/x.c", '"pipeline/session.h"', False),    # a sink does not drive the pipeline
    ("src/core/x.c", '"pipeline/session.h"', False),
    ("src/rec/x.c", '"pipeline/session.h"', False),      # replay feeds it through a callback
    ("src/report/x.c", '"pipeline/session.h"', False),
    ("src/pipeline/x.c", '"live/consumer.h"', False),    # live sits above the pipeline
    ("src/pipeline/x.c", "<bpf/libbpf.h>", False),       # the pipeline builds without libbpf
    ("src/pipeline/x.c", '"report/report.h"', True),     # report is a session with a report sink
    ("src/pipeline/x.c", '"sinks/sink.h"', True),
    ("src/live/x.c", '"pipeline/session.h"', True),
    ("src/x.c", '"pipeline/session.h"', True),
    ("src/core/x.c", '"io/errors.h"', False),           # core is pure: no messages, no files
    ("src/core/x.c", "<unistd.h>", False),
    ("src/core/x.c", "<sys/stat.h>", False),
    ("src/io/x.c", "<unistd.h>", True),
    ("src/io/x.c", '"core/incident.h"', True),          # the escaper of every message
    ("src/io/x.c", '"rec/record.h"', False),            # io sits below everything but core
    ("src/io/x.c", "<bpf/libbpf.h>", False),
    ("src/rec/x.c", '"io/fdio.h"', True),
    ("src/report/x.c", '"io/errors.h"', True),
    ("src/live/x.c", '"io/errors.h"', True),
]
# The purity of core/ on code a file could hold: (path, code, allowed?).
PURE_CASES = [
    ("src/core/x.c", 'int f(int fd) { return write(fd, "x", 1); }', False),
    ("src/core/x.c", 'FILE *f(void) { return fopen("/proc/kallsyms", "re"); }', False),
    ("src/core/x.c", 'void f(void) { fputs("x", stderr); }', False),
    ("src/core/x.c", 'void f(FILE *f) { fprintf(f, "write(2) to stderr"); }', True),  # a string
    ("src/core/x.c", '/* read(2) said EINTR */ int f(struct s *s) { return s->reads; }', True),
    ("src/core/x.c", 'int f(void) { return oom_report__read(0); }', True),
    ("src/io/x.c", 'int f(int fd) { return write(fd, "x", 1); }', True),
]


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    passed = failed = 0
    cases = [(p, f"#include {inc}\n", allowed, f"include {inc}") for p, inc, allowed in RULE_CASES]
    cases += [(p, code, allowed, f"hold {code}") for p, code, allowed in PURE_CASES]
    for path, text, allowed, act in cases:
        got = not check(path, text)
        what = f"rule: {os.path.dirname(path)}/ {'may' if allowed else 'may not'} {act}"
        if got == allowed:
            passed += 1
            print(f"ok - {what}")
        else:
            failed += 1
            print(f"not ok - {what}")
    for top, dirs, files in os.walk("src"):
        dirs.sort()
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(top, f)
            problems = check(path)
            if problems:
                failed += 1
                for p in problems:
                    print(f"not ok - {p}")
            else:
                passed += 1
                print(f"ok - {path}")
    print(f"{passed} passed, {failed} failed, 0 skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
