# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The Prometheus text exposition format, parsed strictly, and what the
tool's textfile must hold: what tests/prom, tests/deploy and tests/restart
share to read a textfile or a scrape.

A sample is keyed (name, ((label, value), ...)) with the labels sorted:
series() makes such a key, value() looks one up.
"""

import os
import re
import subprocess

CONSTRAINTS = ("none", "cpuset", "memory_policy", "memcg", "unknown")
OUTCOMES = ("open", "reaped", "gave_up", "victim_exited", "partial")
RSS_TYPES = ("anon", "file", "shmem", "swap")
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 2.05,
           2.1, 2.25, 2.5, 3, 4, 5, 10, 30, 60)
HISTOGRAMS = {"oomreap_reap_latency_seconds": "reap_latency_ns",
              "oomreap_reap_duration_seconds": "reap_duration_ns",
              "oomreap_victim_exit_latency_seconds": "exit_latency_ns"}
# The last family of every file: a file that has it was written to the end.
LAST_FAMILY = "oomreap_textfile_write_failures_total"


# --------------------------------------------------------------------------
# the exposition format, parsed strictly


def _label_value(s, i):
    """Parse a quoted label value at s[i] == '"'; return (value, next index)."""
    if s[i] != '"':
        raise ValueError(f"label value must be quoted at {i}: {s!r}")
    out = []
    i += 1
    while True:
        if i >= len(s):
            raise ValueError(f"unterminated label value: {s!r}")
        c = s[i]
        if c == "\\":
            n = s[i + 1] if i + 1 < len(s) else ""
            if n not in ('\\', '"', 'n'):
                raise ValueError(f"bad escape \\{n} in {s!r}")
            out.append("\n" if n == "n" else n)
            i += 2
        elif c == '"':
            return "".join(out), i + 1
        elif c == "\n":
            raise ValueError(f"raw newline in label value: {s!r}")
        else:
            out.append(c)
            i += 1


NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LNAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def parse_exposition(text):
    """{(name, ((label, value), ...)): float}, {family: type}; ValueError if malformed."""
    samples, types = {}, {}
    if text and not text.endswith("\n"):
        raise ValueError("text does not end with a newline")
    for line in text.split("\n")[:-1]:
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 4 and parts[1] == "TYPE":
                types[parts[2]] = parts[3]
            continue
        if not line.strip():
            continue
        m = NAME_RE.match(line)
        if not m:
            raise ValueError(f"bad sample line {line!r}")
        name, i, labels = m.group(0), m.end(), []
        if i < len(line) and line[i] == "{":
            i += 1
            while line[i] != "}":
                lm = LNAME_RE.match(line, i)
                if not lm or line[lm.end()] != "=":
                    raise ValueError(f"bad label at {i} in {line!r}")
                value, i = _label_value(line, lm.end() + 1)
                labels.append((lm.group(0), value))
                if line[i] == ",":
                    i += 1
            i += 1
        rest = line[i:].split()
        if len(rest) != 1:     # a timestamp is not allowed in textfiles
            raise ValueError(f"want exactly one value in {line!r}")
        key = (name, tuple(sorted(labels)))
        if key in samples:
            raise ValueError(f"duplicate series {key}")
        samples[key] = float(rest[0])
    return samples, types


def series(name, **labels):
    return (name, tuple(sorted(labels.items())))


def ours(samples):
    return {k: v for k, v in samples.items() if k[0].startswith("oomreap_")}


# --------------------------------------------------------------------------
# a textfile


def promtool_check(path, promtool=None):
    """None if `promtool check metrics` accepts the file, else its complaint.
    promtool: the binary (default $PROMTOOL, else promtool)."""
    with open(path, "rb") as f:
        r = subprocess.run([promtool or os.environ.get("PROMTOOL", "promtool"),
                            "check", "metrics"], stdin=f,
                           capture_output=True, text=True)
    if r.returncode != 0 or r.stdout.strip() or r.stderr.strip():
        return f"promtool check metrics rc={r.returncode}: {(r.stdout + r.stderr).strip()[:500]}"
    return None


def read_bytes(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def read_metrics(path):
    """Parsed samples of the file, or None if absent or not (yet) complete."""
    data = read_bytes(path)
    if data is None or LAST_FAMILY.encode() not in data:
        return None
    return parse_exposition(data.decode("utf-8"))[0]


def value(samples, name, **labels):
    return samples.get(series(name, **labels))


def expected_from(incidents):
    """Every oomreap_* series the JSON incidents determine, with its value."""
    exp = {}
    for c in CONSTRAINTS:
        exp[series("oomreap_kills_total", constraint=c)] = sum(
            1 for i in incidents if ((i.get("oom") or {}).get("constraint") or "unknown") == c)
    for o in OUTCOMES:
        exp[series("oomreap_incidents_total", outcome=o)] = sum(
            1 for i in incidents if i.get("outcome") == o)
    exp[series("oomreap_incidents_incomplete_total")] = sum(
        1 for i in incidents if i.get("incomplete"))
    exp[series("oomreap_reaper_attempts_total")] = sum(i.get("attempts", 0) for i in incidents)
    exp[series("oomreap_reaper_trylock_failures_total")] = sum(
        i.get("trylock_failures", 0) for i in incidents)
    for t in RSS_TYPES:
        exp[series("oomreap_reaper_freed_bytes_total", type=t)] = sum(
            (i.get("freed_bytes") or {}).get(t, 0) for i in incidents)
    for name, key in HISTOGRAMS.items():
        vals = [i[key] for i in incidents if i.get(key) is not None]
        for b, le in zip(BUCKETS, ("%g" % b for b in BUCKETS)):
            exp[series(name + "_bucket", le=le)] = sum(1 for v in vals if v <= round(b * 1e9))
        exp[series(name + "_bucket", le="+Inf")] = len(vals)
        exp[series(name + "_count")] = len(vals)
        exp[series(name + "_sum")] = sum(vals) / 1e9
    return exp


