#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The man page's SYNOPSIS names, for probe, replay and report, exactly the
options the tool takes there: each long option of --help is given to the
command (with a recording that does not exist, so nothing runs), and the
tool's own "does nothing in CMD" refusal decides.  Live tracing is left out:
giving it an option would start tracing.  One "ok"/"not ok" line per
command."""
import re
import subprocess
import sys

tool, man = sys.argv[1], sys.argv[2]
help_text = subprocess.run([tool, "--help"], capture_output=True, text=True).stdout
opts = {}   # long name -> needs a value
for m in re.finditer(r"(?:^|\s)--([a-z][a-z-]+)(\[?=)?", help_text):
    if m.group(1) not in ("help", "usage", "version"):
        opts.setdefault(m.group(1), m.group(2) == "=")
short = {"json": "-j", "verbose": "-v", "pid": "-p", "cgroup": "-c", "duration": "-d",
         "output": "-o"}

src = open(man).read()
syn = src.split(".SH SYNOPSIS", 1)[1].split(".SH ", 1)[0].replace("\\-", "-")
blocks = {}
for b in syn.split(".br"):
    words = re.findall(r"\b(probe|replay|report)\b", b)
    blocks.setdefault(words[0] if words else "trace", []).append(b)

failed = 0
values = {"attach": "tracepoint", "btf": "/nonexistent", "format": "md", "since": "+1s",
          "until": "+2s", "max-open": "8", "interval": "5", "duration": "1",
          "record-max-size": "1M", "pid": "1", "cgroup": "/", "user": "nobody",
          "killer": "earlyoom=/nonexistent", "pin": "/nonexistent", "unpin": "/nonexistent",
          "ring-size": "64K"}
for cmd in ("probe", "replay", "report"):
    text = "\n".join(blocks.get(cmd, []))
    wrong = []
    for name, needs in sorted(opts.items()):
        arg = f"--{name}" + (f"={values.get(name, 'x')}" if needs else "")
        argv = [tool, cmd, arg] + ([] if cmd == "probe" else ["/nonexistent/rec"])
        if cmd == "probe":
            argv.insert(1, "--btf=/nonexistent")   # fails fast after parsing
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        takes = f"does nothing in {cmd}" not in r.stderr
        s = short.get(name)
        in_man = f"--{name}" in text or bool(
            s and re.search(r"\[ -[a-z]*" + s[1] + r"[a-z]* ?\]|\[ " + s + r"\b", text))
        if takes != in_man:
            wrong.append(f"--{name} {'taken but not in' if takes else 'in, but refused by the tool:'} the SYNOPSIS")
    if wrong:
        failed += 1
        print(f"not ok - man SYNOPSIS of {cmd}: " + "; ".join(wrong))
    else:
        print(f"ok - man SYNOPSIS of {cmd} names the options it takes")
sys.exit(1 if failed else 0)
