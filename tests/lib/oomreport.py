# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The kernel's own OOM report, read by the tests on their own (never by
the tool's parser): the lines between "invoked oom-killer" and the kill's
summary, as /dev/kmsg (tests/e2e) or dmesg (tests/vm) gives them, into
their counter lines, memory.stat, task table and Mem-Info summary.  The
ground truth the tool's oom.domain, oom.memory_stat, oom.tasks and
oom.meminfo are held to."""
import re

COUNTER_RX = re.compile(r"^(?P<name>memory|swap|memory\+swap|kmem): usage (?P<usage>\d+)kB, "
                        r"limit (?P<limit>\d+)kB, failcnt (?P<failcnt>\d+)$")
STAT_RX = re.compile(r"^(?P<key>[a-z0-9_]+) (?P<val>\d+)$")
COUNTER_KEYS = {"memory": "memory", "swap": "swap", "memory+swap": "memory_swap", "kmem": "kmem"}
TASKS_HEAD = "Tasks state (memory values in pages):"
STATS_FOR = "Memory cgroup stats for "


def parse(lines, raw=None):
    """One report's lines (without time stamps; raw: the same lines as
    read, kept for the memory.stat ones) into a dict: counters (by
    COUNTER_KEYS' names, bytes), stats (memory.stat, as stated), stat_cgroup
    (the cgroup its header names), stat_raw, rows (the task table, by its
    header's column names, plus pid and name), meminfo (Mem-Info's summary,
    None for a memcg OOM)."""
    raw = lines if raw is None else raw
    counters, stats, rows, header, state = {}, {}, [], None, None
    stat_raw, meminfo, stat_cgroup = [], None, None
    for t, r in zip(lines, raw):
        if state == "stat":
            sm = STAT_RX.match(t)
            if sm:
                stats[sm.group("key")] = int(sm.group("val"))
                stat_raw.append(r)
                continue
            state = None
        if state == "head":
            header, state = t.split(), "rows"
            continue
        if state == "rows" and t.startswith("["):
            pid_s, rest = t[1:].split("]", 1)
            nn = len(header) - 4     # "[ pid ]" is three words, "name" the last
            f = rest.split(None, nn)
            row = dict(zip(header[3:-1], (int(x) for x in f[:nn])))
            row.update(pid=int(pid_s), name=f[nn] if len(f) > nn else "")
            rows.append(row)
            continue
        cm = COUNTER_RX.match(t)
        if cm:
            counters[COUNTER_KEYS[cm.group("name")]] = {
                "usage_bytes": int(cm.group("usage")) * 1024,
                "limit_bytes": int(cm.group("limit")) * 1024,
                "failcnt": int(cm.group("failcnt"))}
        elif t.startswith(STATS_FOR) and t.endswith(":"):
            stat_cgroup, state = t[len(STATS_FOR):-1], "stat"
        elif t == TASKS_HEAD:
            state = "head"
        elif t == "Mem-Info:":
            state, meminfo = "meminfo", {}
        elif state == "meminfo" and not t.startswith("Node "):
            # the summary: one record, its lines each with the stamp
            for tok in t.split():
                k, _, val = tok.partition(":")
                if val.isdigit():
                    meminfo[k] = int(val)
            continue
        elif state == "meminfo":
            state = None
    return dict(counters=counters, stats=stats, stat_cgroup=stat_cgroup, stat_raw=stat_raw,
                rows=rows, meminfo=meminfo)
