#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The include rule of src/ (README, "How it works"), checked file by file.

Each folder of src/ is a layer and may include only the layers below it:

    core      nothing but itself
    rec       core
    sinks     core, rec
    report    core, rec
    pipeline  core, rec, sinks, report
    live      core, sinks, pipeline
    src/     (main.c, options.c, the commands) everything

include/oomreap_abi.h, the wire ABI, is for everyone; libbpf (<bpf/...>)
and the generated skeleton headers are for live/ and src/ only, so every
other layer builds and links without libbpf (the unit tests, the fuzzers,
the bench).  A quoted include names its folder ("core/tracker.h") and must
exist.  One line per file, then "N passed, N failed".
"""
import os
import re
import sys

ALLOWED = {
    "core": {"core"},
    "rec": {"core", "rec"},
    "sinks": {"core", "rec", "sinks"},
    "report": {"core", "rec", "report"},
    "pipeline": {"core", "rec", "sinks", "report", "pipeline"},
    "live": {"core", "sinks", "pipeline", "live"},
}
TOP = ""  # src/ itself: main.c, options.c, the commands
LIBBPF_OK = {"live", TOP}
GENERATED = {"oomreap.skel.h", "oomreap.core_names.h", "percpu_offsets.skel.h"}  # in build/, made by the Makefile
ABI = "include"

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def layer_of(path):
    parts = path.split("/")
    return parts[1] if len(parts) > 2 else TOP


def check(path):
    """The problems of one file under src/, as lines."""
    me = layer_of(path)
    if me != TOP and me not in ALLOWED:
        return [f"{path}: src/{me}/ is not a layer (core, rec, sinks, report, pipeline, live)"]
    may = set(ALLOWED) if me == TOP else ALLOWED[me]
    text = open(path, encoding="utf-8", errors="replace").read()
    problems = []
    for kind, name in INCLUDE.findall(text):
        if kind == "<":
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
    return problems


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    passed = failed = 0
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
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
