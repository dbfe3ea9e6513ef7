// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel's OOM report read part by part (oom_report_parse.h).  A line
 * that is not exactly the kernel's format is never read as one: inside the
 * task table it is counted (tasks_unreadable), a part seen twice in one
 * report is null (two reports mixed), and a hole in the /dev/kmsg
 * sequence numbers marks the part being read as cut.  The lines
 * themselves are read by oom_report_line.c.
 */
#include <errno.h>
#include <string.h>

#include "core/oom_context.h"
#include "rec/kmsg.h"
#include "rec/oom_report_parse.h"

enum walk_state { W_NONE, W_STAT, W_MEMINFO, W_MEMINFO_REST, W_SLAB_HEADER, W_SLAB,
		  W_TASK_HEADER, W_TASKS };

static enum oomr_part state_part(enum walk_state s)
{
	switch (s) {
	case W_STAT:
		return OOMR_MEMORY_STAT;
	case W_MEMINFO:
	case W_MEMINFO_REST:
		return OOMR_MEMINFO;
	case W_SLAB_HEADER:
	case W_SLAB:
		return OOMR_SLAB;
	case W_TASK_HEADER:
	case W_TASKS:
		return OOMR_TASKS;
	default:
		return OOMR_NR;
	}
}

/*
 * One stat record: a line, or (before 6.5) all of them joined by \x0a in
 * one record the kernel may have cut at its record size.  Returns false
 * when it is not a stat line at all (the part is over).
 */
static bool add_stat(struct oom_report *r, const char *t, size_t n)
{
	const char *p = t, *end = t + n, *key, *q;
	size_t klen, raw = n;
	uint64_t v;
	bool any = false;

	/* the record's length in the kernel, where each \x0a was one byte */
	for (q = t; (q = memmem(q, (size_t)(end - q), OOMR_ESC_NL, sizeof(OOMR_ESC_NL) - 1)); q++)
		raw -= sizeof(OOMR_ESC_NL) - 2;

	while (p < end) {
		const char *nl = memmem(p, (size_t)(end - p), OOMR_ESC_NL, sizeof(OOMR_ESC_NL) - 1);
		const char *seg_end = nl ? nl : end;

		if (seg_end == p) { /* an empty segment: the record's trailing newline */
			p = nl ? nl + sizeof(OOMR_ESC_NL) - 1 : end;
			continue;
		}
		if (oomr__parse_stat(p, (size_t)(seg_end - p), &key, &klen, &v)) {
			if (!any)
				return false;
			r->stat.dropped++; /* a key cut by the kernel's record size */
			break;
		}
		/*
		 * The last key of a joined record near the kernel's record size
		 * (LOG_LINE_MAX, about 1 KiB) may have lost digits: not read.
		 */
		if (!nl && p != t && raw >= 900) {
			r->stat.dropped++;
			break;
		}
		oomr_kv__add(&r->stat, key, klen, v);
		any = true;
		p = nl ? nl + sizeof(OOMR_ESC_NL) - 1 : end;
	}
	return any;
}

#define STATS_FOR "Memory cgroup stats for "

/* The end of a group of stat lines with one stamp from a log file (see the walk). */
static void stat_group_end(struct oom_report *r, size_t *n, size_t *len)
{
	if (*n > 1 && *len >= 900 && r->stat.n) {
		r->stat.n--;
		r->stat.text_len = r->stat.key_off[r->stat.n];
		r->stat.dropped++;
	}
	*n = 0;
	*len = 0;
}

static int find_zone(const struct oom_report *r, int32_t node, const char *name)
{
	int i;

	for (i = 0; i < r->nzones; i++)
		if (r->zones[i].node == node && !strcmp(r->zones[i].name, name))
			return i;
	return -1;
}

/* Mem-Info's walk past its summary (see kmsg_log__oom_report). */
struct meminfo_walk {
	int32_t pending_node;  /* a bare "Node N" record just before, else -1 */
	int last_zone;         /* the zone line just before (its lowmem_reserve[] next), else -1 */
	bool zone_dropped;     /* that zone line was read but not kept */
	bool twice;            /* a node or zone twice: two reports mixed */
};

/* One line after Mem-Info's summary: true when it is one of Mem-Info's. */
static bool meminfo_rest(struct oom_report *r, struct meminfo_walk *w, const char *t, size_t n)
{
	int32_t pend = w->pending_node, node;
	int last = w->last_zone, i;
	bool dropped = w->zone_dropped;
	struct oomr_node nd;
	struct oomr_zone z;
	char name[OOMR_ZONE_NAME];
	uint64_t kb;

	w->pending_node = -1;
	w->last_zone = -1;
	w->zone_dropped = false;
	if (oomr__parse_bare_node(t, n, &node)) {
		w->pending_node = node;
		return true;
	}
	if (!oomr__parse_node(t, n, &nd)) {
		for (i = 0; i < r->nnodes; i++)
			if (r->nodes[i].node == nd.node)
				w->twice = true;
		if (r->nnodes < OOMR_NODES_MAX)
			r->nodes[r->nnodes++] = nd;
		else
			r->nodes_dropped++;
		if (pend >= 0)
			r->meminfo_unread++; /* the bare "Node N" whose rest is not here */
		return true;
	}
	if (!oomr__parse_zone(t, n, &z)) {
		if (z.node < 0 && pend >= 0)
			z.node = pend;
		if (find_zone(r, z.node, z.name) >= 0)
			w->twice = true;
		if (r->nzones < OOMR_ZONES_MAX) {
			w->last_zone = r->nzones;
			r->zones[r->nzones++] = z;
		} else {
			r->zones_dropped++;
			w->zone_dropped = true;
		}
		return true;
	}
	if (!oomr__parse_lowmem(t, n, z.lowmem_reserve, &z.nlowmem)) {
		if (last >= 0 && !r->zones[last].nlowmem) {
			memcpy(r->zones[last].lowmem_reserve, z.lowmem_reserve,
			       sizeof(z.lowmem_reserve));
			r->zones[last].nlowmem = z.nlowmem;
		} else if (!dropped) {
			r->zone_lines_orphan++;
		}
		if (pend >= 0)
			r->meminfo_unread++;
		return true;
	}
	if (!oomr__parse_buddy(t, n, &node, name, &kb)) {
		if (node < 0 && pend >= 0)
			node = pend;
		i = find_zone(r, node, name);
		if (i >= 0 && r->zones[i].have_buddy)
			w->twice = true;
		else if (i >= 0)
			r->zones[i].have_buddy = true, r->zones[i].buddy_free_kb = kb;
		else if (!r->zones_dropped)
			r->zone_lines_orphan++;
		return true;
	}
	if (oomr__meminfo_other(t, n)) {
		r->meminfo_other++;
		if (pend >= 0)
			r->meminfo_unread++;
		return true;
	}
	if (pend >= 0)
		r->meminfo_unread++; /* the bare "Node N" whose rest is not here */
	return false;
}

/*
 * Is an earlier report still open at first: its "invoked oom-killer" line
 * before ours with no summary or kill after it?  The kernel prints one
 * report at a time (under oom_lock); a log where two mix (merged, or
 * forged) cannot say whose lines are whose.
 */
static bool another_report_open(const struct kmsg_log *l, size_t first)
{
	uint64_t t0 = first < l->n ? l->v[first].ts_ns : 0;
	size_t j;

	for (j = first < l->n ? first : l->n; j-- > 0;) {
		const struct kmsg_entry *e = &l->v[j];

		if (e->ts_ns + KMSG_REPORT_SPAN_NS < t0)
			return false;
		if (e->kind == KMSG_OOM_SUMMARY || e->kind == KMSG_KILLED)
			return false;
		if (e->kind == KMSG_OOM_INVOKED)
			return true;
	}
	return false;
}

void kmsg_log__oom_report(const struct kmsg_log *l, size_t first, size_t summary,
			  const struct oomr_query *q, struct oom_report *r)
{
	enum walk_state st = W_NONE;
	bool seen[OOMR_NR] = { 0 }, twice[OOMR_NR] = { 0 }, lost_between = false;
	bool stat_other = false, tasks_bad_header = false, stray_rows = false;
	bool slab_bad_header = false, slab_busy = false;
	struct meminfo_walk mw = { -1, -1, false, false };
	bool other_open = another_report_open(l, first);
	uint64_t prev_seq = 0, grp_ts = 0;
	size_t i, grp_n = 0, grp_len = 0, meminfo_lines = 0;
	int p;

	memset(r, 0, sizeof(*r));
	for (i = first; i < summary && i < l->n; i++) {
		const struct kmsg_entry *e = &l->v[i];
		const char *t = kmsg_log__text(l, e);
		size_t n = e->text_len;
		struct oomr_counter c;
		struct oomr_task row;
		struct oomr_slab srow;
		int which;

		if (prev_seq && e->seq && e->seq > prev_seq + 1) {
			enum oomr_part lp = state_part(st);

			r->lines_lost += (uint32_t)(e->seq - prev_seq - 1);
			/* a lowmem_reserve[] or zone line past the hole is not its neighbour's */
			mw.last_zone = mw.pending_node = -1;
			if (lp < OOMR_NR)
				r->cut[lp] = true;
			else
				lost_between = true;
		}
		if (e->seq)
			prev_seq = e->seq;
		if (i == first)
			continue; /* the "invoked oom-killer" line */

		if (st == W_STAT) {
			/*
			 * A log file made through the syslog interface shows a
			 * joined record's lines one by one, with one stamp, cut
			 * where they fill its 1 KiB buffer: its last key is then
			 * not read, as for a joined record.
			 */
			if (!e->seq && grp_n && e->ts_ns != grp_ts)
				stat_group_end(r, &grp_n, &grp_len);
			if (add_stat(r, t, n)) {
				if (!e->seq) {
					grp_ts = e->ts_ns;
					grp_n++;
					grp_len += n + 19; /* and "<N>[%5lu.%06lu] ", "\n" */
				}
				continue;
			}
			stat_group_end(r, &grp_n, &grp_len);
		}
		if (st == W_MEMINFO) {
			/* one record, or (syslog's form) its lines one by one */
			if (!(n >= 5 && !memcmp(t, "Node ", 5)) &&
			    oomr__parse_meminfo(t, n, &r->meminfo) > 0) {
				meminfo_lines++;
				continue;
			}
			/* then its node, zone, buddy and other lines */
			st = W_MEMINFO_REST;
			if (!meminfo_lines)
				r->why[OOMR_MEMINFO] = OOMR_WHY_UNPARSED;
		}
		if (st == W_MEMINFO_REST && meminfo_rest(r, &mw, t, n))
			continue;
		if (st == W_SLAB_HEADER) {
			st = W_NONE;
			if (!oomr__parse_slab_header(t, n)) {
				st = W_SLAB;
				continue;
			}
			slab_bad_header = true;
		}
		if (st == W_SLAB && !oomr__parse_slab_row(t, n, &srow)) {
			oom_report__add_slab(r, &srow);
			continue;
		}
		if (st == W_TASK_HEADER) {
			st = W_NONE;
			if (!oomr__parse_task_header(t, n, &r->tasks_split)) {
				st = W_TASKS;
				continue;
			}
			tasks_bad_header = true;
		}
		if (st == W_TASKS) {
			if (!oomr__parse_task_row(t, n, r->tasks_split, &row)) {
				if (q->victim_tgid && row.tgid == q->victim_tgid)
					row.flags |= OOMR_TASK_VICTIM;
				if (q->trigger_tgid && row.tgid == q->trigger_tgid)
					row.flags |= OOMR_TASK_TRIGGER;
				oom_report__add_task(r, &row);
				continue;
			}
			/* another CPU's line, or not a row: never read as one */
			if (!(n >= 21 && !memcmp(t, "Tasks state (memory ", 20))) {
				r->tasks_unreadable++;
				continue;
			}
		}
		if ((which = oomr__parse_counter(t, n, &c)) >= 0) {
			struct oomr_counter *dst = which == OOMR_CTR_MEMORY ? &r->memory
						   : which == OOMR_CTR_SWAP ? &r->swap
						   : which == OOMR_CTR_MEMSW ? &r->memsw
									     : &r->kmem;

			if (dst->have)
				twice[OOMR_DOMAIN] = true;
			*dst = c;
			seen[OOMR_DOMAIN] = true;
			st = W_NONE;
		} else if (n > sizeof(STATS_FOR) && !memcmp(t, STATS_FOR, sizeof(STATS_FOR) - 1) &&
			   t[n - 1] == ':') {
			const char *path = t + sizeof(STATS_FOR) - 1;
			size_t pn = n - (sizeof(STATS_FOR) - 1) - 1;

			if (seen[OOMR_MEMORY_STAT])
				twice[OOMR_MEMORY_STAT] = true;
			seen[OOMR_MEMORY_STAT] = true;
			if (q->domain && (strlen(q->domain) != pn || memcmp(q->domain, path, pn)))
				stat_other = true;
			st = W_STAT;
		} else if (n == 9 && !memcmp(t, "Mem-Info:", 9)) {
			if (seen[OOMR_MEMINFO])
				twice[OOMR_MEMINFO] = true;
			seen[OOMR_MEMINFO] = true;
			meminfo_lines = 0;
			st = W_MEMINFO;
		} else if (n == 37 && !memcmp(t, "Tasks state (memory values in pages):", 37)) {
			if (seen[OOMR_TASKS])
				twice[OOMR_TASKS] = true;
			seen[OOMR_TASKS] = true;
			st = W_TASK_HEADER;
		} else if (n == sizeof(OOMR_SLAB_HEAD) - 1 && !memcmp(t, OOMR_SLAB_HEAD, n)) {
			if (seen[OOMR_SLAB])
				twice[OOMR_SLAB] = true;
			seen[OOMR_SLAB] = true;
			st = W_SLAB_HEADER;
		} else if (n == sizeof(OOMR_SLAB_BUSY) - 1 && !memcmp(t, OOMR_SLAB_BUSY, n)) {
			if (seen[OOMR_SLAB])
				twice[OOMR_SLAB] = true;
			seen[OOMR_SLAB] = true;
			slab_busy = true;
			st = W_NONE;
		} else {
			/* a row where no table of ours is open: another report's */
			if (!oomr__parse_task_row(t, n, true, &row) ||
			    !oomr__parse_task_row(t, n, false, &row)) {
				stray_rows = true;
			} else if (st == W_MEMINFO_REST) {
				/* another CPU's line inside Mem-Info: counted, never read */
				r->meminfo_unread++;
				continue;
			} else if (st == W_SLAB) {
				r->slab_unreadable++;
				continue;
			}
			st = W_NONE;
		}
	}
	if (st == W_STAT)
		stat_group_end(r, &grp_n, &grp_len);
	/* a hole right before the summary: the part being read lost its tail */
	if (summary < l->n && prev_seq && l->v[summary].seq > prev_seq + 1) {
		enum oomr_part lp = state_part(st);

		r->lines_lost += (uint32_t)(l->v[summary].seq - prev_seq - 1);
		if (lp < OOMR_NR)
			r->cut[lp] = true;
		else
			lost_between = true;
	}

	if (stray_rows)
		twice[OOMR_TASKS] = true;
	if (mw.twice)
		twice[OOMR_MEMINFO] = true;
	for (p = 0; p < OOMR_NR; p++) {
		if (other_open)
			twice[p] = true;
		if (seen[p] && !twice[p]) {
			r->src[p] = CTX_SRC_KERNEL_LOG;
			continue;
		}
		r->cut[p] = false;
		if (twice[p])
			r->why[p] = OOMR_WHY_INTERLEAVED;
		else if (lost_between)
			r->why[p] = OOMR_WHY_LINES_LOST;
		else if (p == OOMR_DOMAIN || p == OOMR_MEMORY_STAT)
			r->why[p] = q->global ? OOMR_WHY_GLOBAL : OOMR_WHY_NOT_PRINTED;
		else if (p == OOMR_MEMINFO)
			r->why[p] = q->global ? OOMR_WHY_NOT_PRINTED : OOMR_WHY_MEMCG;
		else if (p == OOMR_SLAB && !q->global)
			r->why[p] = OOMR_WHY_MEMCG;
		else if (p == OOMR_SLAB && r->cut[OOMR_MEMINFO])
			r->why[p] = OOMR_WHY_LINES_LOST; /* the table may have been in the hole */
		else if (p == OOMR_SLAB)
			r->why[p] = seen[OOMR_MEMINFO] ? OOMR_WHY_SLAB_SMALL : OOMR_WHY_NOT_PRINTED;
		else
			r->why[p] = OOMR_WHY_DUMP_TASKS_OFF;
	}
	if (r->src[OOMR_MEMORY_STAT] && stat_other) {
		r->src[OOMR_MEMORY_STAT] = 0;
		r->why[OOMR_MEMORY_STAT] = OOMR_WHY_OTHER_DOMAIN;
	}
	if (r->src[OOMR_TASKS] && tasks_bad_header) {
		r->src[OOMR_TASKS] = 0;
		r->why[OOMR_TASKS] = OOMR_WHY_UNPARSED;
	}
	if (r->src[OOMR_MEMINFO] && r->why[OOMR_MEMINFO] == OOMR_WHY_UNPARSED)
		r->src[OOMR_MEMINFO] = 0;
	if (r->src[OOMR_SLAB] && (slab_busy || slab_bad_header)) {
		r->src[OOMR_SLAB] = 0;
		r->why[OOMR_SLAB] = slab_busy ? OOMR_WHY_SLAB_BUSY : OOMR_WHY_UNPARSED;
	}
	if (r->src[OOMR_DOMAIN] && !r->memory.have) {
		r->src[OOMR_DOMAIN] = 0;
		r->why[OOMR_DOMAIN] = r->cut[OOMR_DOMAIN] || lost_between ? OOMR_WHY_LINES_LOST
									 : OOMR_WHY_UNPARSED;
	}
	/* what a null part held is not shown: clear it so no output can */
	if (!r->src[OOMR_TASKS]) {
		r->ntasks = r->tasks_listed = r->tasks_unreadable = 0;
		r->rest_rss = r->listed_rss = 0;
		r->victim_listed = false;
	}
	if (!r->src[OOMR_MEMORY_STAT])
		memset(&r->stat, 0, sizeof(r->stat));
	if (!r->src[OOMR_MEMINFO]) {
		memset(&r->meminfo, 0, sizeof(r->meminfo));
		r->nnodes = r->nzones = 0;
		r->nodes_dropped = r->zones_dropped = r->zone_lines_orphan = 0;
		r->meminfo_unread = r->meminfo_other = 0;
	}
	if (!r->src[OOMR_SLAB]) {
		r->nslab = 0;
		r->slab_listed = r->slab_unreadable = 0;
		r->slab_listed_kb = r->slab_rest_kb = 0;
	}
	if (!r->src[OOMR_DOMAIN]) {
		memset(&r->memory, 0, sizeof(r->memory));
		memset(&r->swap, 0, sizeof(r->swap));
		memset(&r->memsw, 0, sizeof(r->memsw));
		memset(&r->kmem, 0, sizeof(r->kmem));
	}
}
