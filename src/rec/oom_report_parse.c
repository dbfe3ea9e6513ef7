// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel's OOM report read part by part (oom_report_parse.h).  A line
 * that is not exactly the kernel's format is never read as one: inside the
 * task table it is counted (tasks_unreadable), a part seen twice in one
 * report is null (two reports mixed), and a hole in the /dev/kmsg
 * sequence numbers marks the part being read as cut.
 */
#include <errno.h>
#include <string.h>

#include "core/oom_context.h"
#include "rec/kmsg.h"
#include "rec/oom_report_parse.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool lit(const char **p, const char *end, const char *l)
{
	size_t n = strlen(l);

	if ((size_t)(end - *p) < n || memcmp(*p, l, n))
		return false;
	*p += n;
	return true;
}

static bool u64_at(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s >= end || !is_digit(*s))
		return false;
	for (; s < end && is_digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return true;
}

/* "-?N" within [lo, hi]. */
static bool s64_at(const char **p, const char *end, int64_t lo, int64_t hi, int64_t *out)
{
	const char *s = *p;
	bool neg = s < end && *s == '-';
	uint64_t v;
	int64_t x;

	if (neg)
		s++;
	if (!u64_at(&s, end, &v) || v > (uint64_t)INT64_MAX)
		return false;
	x = neg ? -(int64_t)v : (int64_t)v;
	if (x < lo || x > hi)
		return false;
	*p = s;
	*out = x;
	return true;
}

static void skip_spaces(const char **p, const char *end)
{
	while (*p < end && **p == ' ')
		(*p)++;
}

int oomr__parse_counter(const char *text, size_t len, struct oomr_counter *out)
{
	static const char *const names[] = { [OOMR_CTR_MEMORY] = "memory: usage ",
					     [OOMR_CTR_SWAP] = "swap: usage ",
					     [OOMR_CTR_MEMSW] = "memory+swap: usage ",
					     [OOMR_CTR_KMEM] = "kmem: usage " };
	const char *p = text, *end = text + len;
	int which;

	for (which = 0; which < 4; which++)
		if (lit(&p, end, names[which]))
			break;
	if (which == 4)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!u64_at(&p, end, &out->usage_kb) || !lit(&p, end, "kB, limit ") ||
	    !u64_at(&p, end, &out->limit_kb) || !lit(&p, end, "kB, failcnt ") ||
	    !u64_at(&p, end, &out->failcnt) || p != end)
		return -EINVAL;
	out->have = true;
	return which;
}

int oomr__parse_stat(const char *text, size_t len, const char **key, size_t *klen,
		     uint64_t *val)
{
	const char *p = text, *end = text + len;

	while (p < end && ((*p >= 'a' && *p <= 'z') || is_digit(*p) || *p == '_'))
		p++;
	if (p == text || p >= end || *p != ' ' || (size_t)(p - text) >= 64)
		return -EINVAL;
	*key = text;
	*klen = (size_t)(p - text);
	p++;
	if (!u64_at(&p, end, val) || p != end)
		return -EINVAL;
	return 0;
}

#define HDR_HEAD "[  pid  ]   uid  tgid total_vm      rss "
#define HDR_SPLIT "rss_anon rss_file rss_shmem "
#define HDR_TAIL "pgtables_bytes swapents oom_score_adj name"

int oomr__parse_task_header(const char *text, size_t len, bool *split)
{
	const char *p = text, *end = text + len;

	if (!lit(&p, end, HDR_HEAD))
		return -EINVAL;
	*split = lit(&p, end, HDR_SPLIT);
	if (!lit(&p, end, HDR_TAIL) || p != end)
		return -EINVAL;
	return 0;
}

int oomr__parse_task_row(const char *text, size_t len, bool split, struct oomr_task *out)
{
	const char *p = text, *end = text + len;
	uint64_t n[10];
	int64_t pid, uid, pgt, adj;
	int i, nn = split ? 5 : 2; /* tgid total_vm rss [anon file shmem] */
	size_t name_len;

	memset(out, 0, sizeof(*out));
	if (!lit(&p, end, "["))
		return -EINVAL;
	skip_spaces(&p, end);
	if (!s64_at(&p, end, 1, 0x3fffffff, &pid) || !lit(&p, end, "] "))
		return -EINVAL;
	skip_spaces(&p, end);
	if (!s64_at(&p, end, -1, UINT32_MAX, &uid))
		return -EINVAL;
	for (i = 0; i <= nn; i++) {
		if (!lit(&p, end, " "))
			return -EINVAL;
		skip_spaces(&p, end);
		if (!u64_at(&p, end, &n[i]))
			return -EINVAL;
	}
	/* pgtables_bytes is a %ld, swapents a %lu, oom_score_adj a %hd in [-1000, 1000] */
	if (!lit(&p, end, " "))
		return -EINVAL;
	skip_spaces(&p, end);
	if (!s64_at(&p, end, 0, INT64_MAX, &pgt) || !lit(&p, end, " "))
		return -EINVAL;
	skip_spaces(&p, end);
	if (!u64_at(&p, end, &n[nn + 1]) || !lit(&p, end, " "))
		return -EINVAL;
	skip_spaces(&p, end);
	if (!s64_at(&p, end, -1000, 1000, &adj))
		return -EINVAL;
	/* " NAME", or nothing at all for an empty name whose space was trimmed */
	if (p != end && !lit(&p, end, " "))
		return -EINVAL;
	if (n[0] == 0 || n[0] > 0x3fffffff)
		return -EINVAL;
	name_len = (size_t)(end - p);
	if (name_len >= sizeof(out->name))
		return -EINVAL; /* longer than any escaped comm: not a kernel row */
	out->pid = (uint32_t)pid;
	out->uid = (uint32_t)uid;
	out->tgid = (uint32_t)n[0];
	out->total_vm = n[1];
	out->rss = n[2];
	if (split) {
		out->rss_anon = n[3];
		out->rss_file = n[4];
		out->rss_shmem = n[5];
	}
	out->pgtables_bytes = (uint64_t)pgt;
	out->swapents = n[nn + 1];
	out->oom_score_adj = (int16_t)adj;
	memcpy(out->name, p, name_len);
	out->name[name_len] = 0;
	return 0;
}

/* /dev/kmsg writes a record's inner newlines as the four characters \x0a. */
#define ESC_NL "\\x0a"

int oomr__parse_meminfo(const char *text, size_t len, struct oomr_kv *kv)
{
	const char *p = text, *end = text + len;
	int n = 0;

	while (p < end) {
		const char *k = p, *colon;
		uint64_t v;

		if (*p == ' ') {
			p++;
			continue;
		}
		if (lit(&p, end, ESC_NL))
			continue;
		while (p < end && ((*p >= 'a' && *p <= 'z') || is_digit(*p) || *p == '_'))
			p++;
		colon = p;
		if (colon == k || !lit(&p, end, ":") || !u64_at(&p, end, &v))
			return -EINVAL;
		if (p < end && *p != ' ' && *p != '\\')
			return -EINVAL;
		oomr_kv__add(kv, k, (size_t)(colon - k), v);
		n++;
	}
	return n ? n : -EINVAL;
}

enum walk_state { W_NONE, W_STAT, W_MEMINFO, W_TASK_HEADER, W_TASKS };

static enum oomr_part state_part(enum walk_state s)
{
	switch (s) {
	case W_STAT:
		return OOMR_MEMORY_STAT;
	case W_MEMINFO:
		return OOMR_MEMINFO;
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
	for (q = t; (q = memmem(q, (size_t)(end - q), ESC_NL, sizeof(ESC_NL) - 1)); q++)
		raw -= sizeof(ESC_NL) - 2;

	while (p < end) {
		const char *nl = memmem(p, (size_t)(end - p), ESC_NL, sizeof(ESC_NL) - 1);
		const char *seg_end = nl ? nl : end;

		if (seg_end == p) { /* an empty segment: the record's trailing newline */
			p = nl ? nl + sizeof(ESC_NL) - 1 : end;
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
		p = nl ? nl + sizeof(ESC_NL) - 1 : end;
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
		int which;

		if (prev_seq && e->seq && e->seq > prev_seq + 1) {
			enum oomr_part lp = state_part(st);

			r->lines_lost += (uint32_t)(e->seq - prev_seq - 1);
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
			st = W_NONE;
			if (!meminfo_lines)
				r->why[OOMR_MEMINFO] = OOMR_WHY_UNPARSED;
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
		} else {
			/* a row where no table of ours is open: another report's */
			if (!oomr__parse_task_row(t, n, true, &row) ||
			    !oomr__parse_task_row(t, n, false, &row))
				stray_rows = true;
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
	if (!r->src[OOMR_MEMINFO])
		memset(&r->meminfo, 0, sizeof(r->meminfo));
	if (!r->src[OOMR_DOMAIN]) {
		memset(&r->memory, 0, sizeof(r->memory));
		memset(&r->swap, 0, sizeof(r->swap));
		memset(&r->memsw, 0, sizeof(r->memsw));
		memset(&r->kmem, 0, sizeof(r->kmem));
	}
}
