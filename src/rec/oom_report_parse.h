/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel's OOM report, between "invoked oom-killer" and the
 * "oom-kill:" summary, read into core/oom_report.h.  The formats, from
 * mm/oom_kill.c (dump_header, dump_tasks, dump_task) and mm/memcontrol.c
 * (mem_cgroup_print_oom_meminfo) of 5.10 to 7.3:
 *
 *   memory: usage %llukB, limit %llukB, failcnt %lu
 *   swap: usage ...                       (cgroup v2)
 *   memory+swap: usage ... / kmem: usage ... (cgroup v1)
 *   Memory cgroup stats for PATH:
 *   KEY VALUE                             one record per key from 6.5; before,
 *                                         one record, lines joined by \x0a
 *   Tasks state (memory values in pages):
 *   [  pid  ]   uid  tgid total_vm      rss [rss_anon rss_file rss_shmem]
 *       pgtables_bytes swapents oom_score_adj name    (the split from 6.x)
 *   [%7d] %5d %5d %8lu %8lu [%8lu %8lu %9lu] %8ld %8lu         %5hd %s
 *   Mem-Info:                             (a global OOM, __show_mem)
 *   active_anon:%lu inactive_anon:%lu ... free:%lu free_pcp:%lu free_cma:%lu
 *   then per node, per zone, buddy lists (below), and when unreclaimable
 *   slab exceeds user memory its table (below)
 *
 * The task's name ends a row and may hold anything: a row is read from
 * the left, its numbers counted by the header's format, the rest is the
 * name.  Everything here reads untrusted text.
 */
#ifndef OOMREAP_OOM_REPORT_PARSE_H
#define OOMREAP_OOM_REPORT_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/oom_report.h"

/*
 * "NAME: usage %llukB, limit %llukB, failcnt %lu": which counter line
 * (OOMR_CTR_*), or -EINVAL.
 */
enum { OOMR_CTR_MEMORY = 0, OOMR_CTR_SWAP, OOMR_CTR_MEMSW, OOMR_CTR_KMEM };
int oomr__parse_counter(const char *text, size_t len, struct oomr_counter *out);
/* "KEY VALUE" (KEY of [a-z0-9_]): 0, or -EINVAL. */
int oomr__parse_stat(const char *text, size_t len, const char **key, size_t *klen,
		     uint64_t *val);
/* The table's header line: 0 and *split (the rss_anon/file/shmem columns), or -EINVAL. */
int oomr__parse_task_header(const char *text, size_t len, bool *split);
/* One row in the header's format: 0, or -EINVAL. */
int oomr__parse_task_row(const char *text, size_t len, bool split, struct oomr_task *out);
/*
 * Mem-Info's summary ("key:N key:N", lines joined by \x0a or not): every
 * pair into kv.  Returns how many, or -EINVAL when a token is not one.
 */
int oomr__parse_meminfo(const char *text, size_t len, struct oomr_kv *kv);

/*
 * Mem-Info past its summary (show_free_areas(), mm/page_alloc.c in 5.10,
 * mm/show_mem.c from 6.4), each 0 or -EINVAL:
 *   Node %d active_anon:%lukB ... shmem_thp:[ ]%lukB ... all_unreclaimable? %s
 *   [Node %d ]%s free:%lukB [boost:%lukB ]min:%lukB low:%lukB high:%lukB
 *       reserved_highatomic:%luKB [free_highatomic:%luKB ]... free_cma:%lukB
 *   lowmem_reserve[]: %ld %ld ...
 *   [Node %d ]%s: %lu*%lukB [(UMEHCI) ]... = %lukB
 * ("Node %d " is show_node(): CONFIG_NUMA kernels only).
 */
int oomr__parse_node(const char *text, size_t len, struct oomr_node *out);
int oomr__parse_zone(const char *text, size_t len, struct oomr_zone *out);
int oomr__parse_lowmem(const char *text, size_t len, int64_t *vals, uint8_t *n);
int oomr__parse_buddy(const char *text, size_t len, int32_t *node, char *name,
		      uint64_t *total_kb);
/* Mem-Info's other lines: hugepages per node, pagecache, swap, "N pages RAM"... */
bool oomr__meminfo_other(const char *text, size_t len);
/* /dev/kmsg writes a record's inner newlines as the four characters \x0a. */
#define OOMR_ESC_NL "\\x0a"
/* dump_unreclaimable_slab()'s first line, and the one it prints instead when busy. */
#define OOMR_SLAB_HEAD "Unreclaimable slab info:"
#define OOMR_SLAB_BUSY "excessive unreclaimable slab but cannot dump stats"
/* A record "Node N" alone: show_node()'s part of a zone or buddy line, cut from it. */
bool oomr__parse_bare_node(const char *text, size_t len, int32_t *node);
/*
 * dump_unreclaimable_slab() (mm/slab_common.c): "Unreclaimable slab info:",
 * "Name                      Used          Total", rows "%-17s %10luKB %10luKB".
 */
int oomr__parse_slab_header(const char *text, size_t len);
int oomr__parse_slab_row(const char *text, size_t len, struct oomr_slab *out);

struct kmsg_log;
/* Who to mark in the table, and what the summary said. */
struct oomr_query {
	uint32_t victim_tgid, trigger_tgid;   /* 0: unknown */
	bool global;                          /* a global OOM (no domain memcg) */
	const char *domain;                   /* the domain memcg's path, NULL unknown */
};
/*
 * Read the report in l->v[first .. summary) (first: its "invoked
 * oom-killer" line, summary: its "oom-kill:" line) into r, every part
 * with its source or its reason.
 */
void kmsg_log__oom_report(const struct kmsg_log *l, size_t first, size_t summary,
			  const struct oomr_query *q, struct oom_report *r);

#endif /* OOMREAP_OOM_REPORT_PARSE_H */
