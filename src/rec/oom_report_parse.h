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
