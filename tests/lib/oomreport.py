# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The kernel's own OOM report, read by the tests on their own (never by
the tool's parser): the lines between "invoked oom-killer" and the kill's
summary, as /dev/kmsg (tests/e2e) or dmesg (tests/vm) gives them, into
their counter lines, memory.stat, task table, Mem-Info (summary, node and
zone lines, lowmem_reserve[], buddy totals) and the unreclaimable slab
table.  The ground truth the tool's oom.domain, oom.memory_stat,
oom.tasks, oom.meminfo and oom.slab are held to."""
import re

COUNTER_RX = re.compile(r"^(?P<name>memory|swap|memory\+swap|kmem): usage (?P<usage>\d+)kB, "
                        r"limit (?P<limit>\d+)kB, failcnt (?P<failcnt>\d+)$")
STAT_RX = re.compile(r"^(?P<key>[a-z0-9_]+) (?P<val>\d+)$")
COUNTER_KEYS = {"memory": "memory", "swap": "swap", "memory+swap": "memory_swap", "kmem": "kmem"}
TASKS_HEAD = "Tasks state (memory values in pages):"
STATS_FOR = "Memory cgroup stats for "
# show_free_areas(): "Node N key:NkB ... all_unreclaimable? yes", "[Node N ]ZONE free:NkB ...",
# "lowmem_reserve[]: N N ...", "[Node N ]ZONE: N*NkB (UM) ... = NkB"
KB_TOKENS = r"( [A-Za-z][A-Za-z0-9_()]*(: ?\d+[kK]B|\? (yes|no)))+"
NODE_RX = re.compile(r"^Node (?P<node>\d+)(?P<rest>" + KB_TOKENS + ")$")
ZONE_RX = re.compile(r"^(Node (?P<node>\d+) )?(?P<zone>[A-Z][A-Za-z0-9]*)(?P<rest> free:\d+kB"
                     + KB_TOKENS + ")$")
UNRECL_RX = re.compile(r" all_unreclaimable\? (yes|no)")
KB_TOKEN_RX = re.compile(r" ([A-Za-z0-9_()]+): ?(\d+)[kK]B")
LOWMEM_RX = re.compile(r"^lowmem_reserve\[\]:((?: -?\d+)+)$")
BUDDY_RX = re.compile(r"^(Node (?P<node>\d+) )?(?P<zone>[A-Z][A-Za-z0-9]*): .* = (?P<kb>\d+)kB$")
# dump_unreclaimable_slab(): "%-17s %10luKB %10luKB"
SLAB_HEAD = "Unreclaimable slab info:"
SLAB_ROW_RX = re.compile(r"^(?P<name>\S+) +(?P<used>\d+)KB +(?P<total>\d+)KB$")


def parse(lines, raw=None):
    """One report's lines (without time stamps; raw: the same lines as
    read, kept for the memory.stat ones) into a dict: counters (by
    COUNTER_KEYS' names, bytes), stats (memory.stat, as stated), stat_cgroup
    (the cgroup its header names), stat_raw, rows (the task table, by its
    header's column names, plus pid and name), meminfo (Mem-Info's summary,
    None for a memcg OOM), nodes and zones (its per-node and per-zone lines,
    kB as stated, the zones with their lowmem_reserve[] and buddy totals),
    slab (the unreclaimable slab table's rows, None when not printed)."""
    raw = lines if raw is None else raw
    counters, stats, rows, header, state = {}, {}, [], None, None
    stat_raw, meminfo, stat_cgroup = [], None, None
    nodes, zones, slab = [], [], None
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
        elif state == "meminfo" and re.match(r"^ ?[a-z_]+:\d+( |$)", t):
            # the summary: one record, its lines each with the stamp
            for tok in t.split():
                k, _, val = tok.partition(":")
                if val.isdigit():
                    meminfo[k] = int(val)
            continue
        elif state in ("meminfo", "zones") and NODE_RX.match(t):
            m = NODE_RX.match(t)
            u = UNRECL_RX.search(m.group("rest"))
            u = u and u.group(1)
            nodes.append(dict(node=int(m.group("node")),
                              kB={k: int(v) for k, v in KB_TOKEN_RX.findall(m.group("rest"))},
                              all_unreclaimable=None if u is None else u == "yes"))
            state = "zones"
        elif state in ("meminfo", "zones") and ZONE_RX.match(t):
            m = ZONE_RX.match(t)
            zones.append(dict(node=None if m.group("node") is None else int(m.group("node")),
                              zone=m.group("zone"),
                              kB={k: int(v) for k, v in KB_TOKEN_RX.findall(m.group("rest"))},
                              lowmem_reserve_pages=None, buddy_free_kB=None))
            state = "zones"
        elif state == "zones" and LOWMEM_RX.match(t) and zones:
            zones[-1]["lowmem_reserve_pages"] = [int(x) for x in LOWMEM_RX.match(t).group(1).split()]
        elif state == "zones" and BUDDY_RX.match(t):
            m = BUDDY_RX.match(t)
            node = None if m.group("node") is None else int(m.group("node"))
            for z in zones:
                if z["node"] == node and z["zone"] == m.group("zone"):
                    z["buddy_free_kB"] = int(m.group("kb"))
        elif t == SLAB_HEAD:
            state, slab = "slab_head", []
        elif state == "slab_head":
            state = "slab"
        elif state == "slab" and SLAB_ROW_RX.match(t):
            m = SLAB_ROW_RX.match(t)
            slab.append(dict(name=m.group("name"), used_kB=int(m.group("used")),
                             total_kB=int(m.group("total"))))
        elif state == "meminfo":
            state = None
    return dict(counters=counters, stats=stats, stat_cgroup=stat_cgroup, stat_raw=stat_raw,
                rows=rows, meminfo=meminfo, nodes=nodes, zones=zones, slab=slab)
