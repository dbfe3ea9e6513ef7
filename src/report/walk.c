// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The one walk that writes both formats: what a report shows, in which
 * order, in which words (explain.c) and with which numbers is decided
 * here once; the Markdown (markdown.c) and HTML (html.c) markups only
 * mark it up and escape it.  Output is deterministic for a given
 * recording (UTC times, no generation date) so golden tests can compare
 * it byte for byte.
 *
 * Untrusted strings (comm, cgroup paths, kernel log lines, file names)
 * only ever reach the markup's code() and text(), which escape them for
 * their format; our own sentences go through prose().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "core/event.h"
#include "core/timefmt.h"
#include "report/markup.h"
#include "report/model.h"
#include "report/time.h"

#define REPORT_WORST 10
/* Kernel log lines quoted per incident: head and tail around an omission. */
#define REPORT_KMSG_HEAD 12
#define REPORT_KMSG_TAIL 40

static const char *outcome_title(uint8_t outcome)
{
	switch (outcome) {
	case OUTCOME_REAPED:
		return "reaped by the oom_reaper";
	case OUTCOME_GAVE_UP:
		return "the reaper gave up (unable to reap)";
	case OUTCOME_VICTIM_EXITED:
		return "the victim exited on its own";
	case OUTCOME_PARTIAL:
		return "partly reaped, then the reaper gave up";
	case OUTCOME_MRELEASED:
		return "a userspace killer's process_mrelease unmapped it";
	case OUTCOME_MRELEASE_FAILED:
		return "a userspace killer's process_mrelease failed";
	default:
		return "still open when the recording ended";
	}
}

/* The details column of one timeline entry: memory then, or why nothing happened. */
static void event_detail(const struct oomreap_incident *inc, uint32_t i,
			 const struct render_ctx *rc, char *buf, size_t len)
{
	const struct timeline_entry *te = &inc->timeline[i];
	char a[16], fl[16];

	buf[0] = 0;
	if (te->type == OOMREAP_EV_REAPER_WAKE && inc->wake_ignored && te->ts_ns != inc->wake_ns) {
		snprintf(buf, len, "victim already gone: nothing to do");
		return;
	}
	if (te->rss_pages[0] < 0)
		return;
	timefmt__bytes(a, sizeof(a), incident__bytes((uint64_t)te->rss_pages[OOMREAP_RSS_ANON], rc->page_size));
	timefmt__bytes(fl, sizeof(fl), incident__bytes((uint64_t)te->rss_pages[OOMREAP_RSS_FILE], rc->page_size));
	snprintf(buf, len, "%s anon %s, file %s",
		 te->type == OOMREAP_EV_REAP_FINISH ? "left:" : "rss:", a, fl);
}

static void heading(struct report_out *o, int level, const char *title)
{
	o->m->heading_open(o->f, level);
	o->m->prose(o->f, title);
	o->m->heading_close(o->f, level);
}

/* A paragraph of prose, as say() writes it. */
static void para(struct report_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void para(struct report_out *o, const char *fmt, ...)
{
	va_list ap;

	report__put(o, o->m->para_open);
	va_start(ap, fmt);
	report__vsay(o, fmt, ap);
	va_end(ap);
	report__put(o, o->m->para_close);
}

static void item(struct report_out *o, const char *s)
{
	report__put(o, o->m->item_open);
	o->m->prose(o->f, s);
	report__put(o, o->m->item_close);
}

static void code(struct report_out *o, const char *s, size_t maxlen)
{
	o->m->code(o->f, s, maxlen, o->in_table);
}

static void table_open(struct report_out *o, const char *cls, const struct report_column *cols,
		       size_t ncols)
{
	o->m->table_open(o->f, cls, cols, ncols);
	o->in_table = true;
}

static void table_close(struct report_out *o)
{
	report__put(o, o->m->table_close);
	o->in_table = false;
}

/* A key/value row: the key, then the caller writes the value and calls row_end. */
static void row_key(struct report_out *o, const char *key, bool numeric)
{
	report__put(o, o->m->row_open);
	report__put(o, o->m->key_open);
	o->m->prose(o->f, key);
	report__put(o, o->m->key_close);
	report__put(o, numeric ? o->m->num_cell_open : o->m->cell_open);
}

static void row_end(struct report_out *o)
{
	report__put(o, o->m->cell_close);
	report__put(o, o->m->row_close);
}

/* A key/value row whose value is printf output: numbers, times, our own words. */
static void kvf(struct report_out *o, bool numeric, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void kvf(struct report_out *o, bool numeric, const char *key, const char *fmt, ...)
{
	va_list ap;

	row_key(o, key, numeric);
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	row_end(o);
}

/* A cell the caller fills, then closes with cell_end. */
static void cell(struct report_out *o, bool numeric)
{
	report__put(o, numeric ? o->m->num_cell_open : o->m->cell_open);
}

static void cell_end(struct report_out *o)
{
	report__put(o, o->m->cell_close);
}

/* A cell of printf output. */
static void cellf(struct report_out *o, bool numeric, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cellf(struct report_out *o, bool numeric, const char *fmt, ...)
{
	va_list ap;

	cell(o, numeric);
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	cell_end(o);
}

/* A cell with an untrusted string as code, or "?" when it is not known. */
static void cell_code(struct report_out *o, const char *s, size_t maxlen)
{
	cell(o, false);
	if (s)
		code(o, s, maxlen);
	else
		report__put(o, "?");
	cell_end(o);
}

static void empty_cells(struct report_out *o, size_t n)
{
	while (n--)
		report__put(o, o->m->empty_cell);
}

/* "N more ... not kept" where the incident's bounds dropped some: in column 2 of ncols. */
static void not_kept_row(struct report_out *o, size_t ncols, const char *what, uint32_t n)
{
	report__put(o, o->m->row_open);
	empty_cells(o, 1);
	cellf(o, false, "%u more %s not kept", n, what);
	empty_cells(o, ncols - 2);
	report__put(o, o->m->row_close);
}

static const char *rung_title(uint32_t rung)
{
	switch (rung) {
	case 1:
		return "fentry/fexit";
	case 2:
		return "kprobe";
	case 3:
		return "tracepoint";
	default:
		return "unknown";
	}
}

/* ------------------------------------------------------ walk: the source */

/* A boxed warning: what, the tool's own words on it (code), what it means. */
static void warning(struct report_out *o, const char *title, const char *what, size_t maxlen,
		    const char *meaning)
{
	report__put(o, o->m->warn_open);
	report__say(o, "%s", title);
	code(o, what, maxlen);
	report__put(o, o->m->warn_break);
	report__say(o, "%s", meaning);
	report__put(o, o->m->warn_close);
}

static void source(struct report_out *o, const struct report *r, const struct report_source *src)
{
	const struct oomrec_header *h = &r->hdr;
	char a[48], b[48], d[16];

	if (o->m->doc_open)
		o->m->doc_open(o->f, h);
	o->m->heading_open(o->f, 1);
	report__put(o, "OOM postmortem: ");
	code(o, h->hostname, sizeof(h->hostname));
	o->m->heading_close(o->f, 1);

	table_open(o, "meta", NULL, 0);
	row_key(o, "Recording", false);
	code(o, src->name, 4096);
	row_end(o);
	row_key(o, "Host", false);
	code(o, h->hostname, sizeof(h->hostname));
	report__put(o, " (");
	code(o, h->machine, sizeof(h->machine));
	report__put(o, "), kernel ");
	code(o, h->kernel_release, sizeof(h->kernel_release));
	row_end(o);
	row_key(o, "Boot id", false);
	code(o, h->boot_id, sizeof(h->boot_id));
	row_end(o);
	row_key(o, "Events", false);
	if (src->first_ts_ns) {
		timefmt__utc(a, sizeof(a), report__real_ns(src->first_ts_ns, h->mono_to_real_ns));
		timefmt__utc(b, sizeof(b), report__real_ns(src->last_ts_ns, h->mono_to_real_ns));
		timefmt__duration(d, sizeof(d), src->last_ts_ns - src->first_ts_ns);
		fprintf(o->f, "%" PRIu64 ", from %s to %s (%s)", src->events, a, b, d);
	} else {
		report__put(o, "none");
	}
	row_end(o);
	timefmt__utc(a, sizeof(a), report__real_ns(h->start_mono_ns, h->mono_to_real_ns));
	kvf(o, false, "Recording started", "%s", a);
	kvf(o, false, "Attach rung", "%s", rung_title(h->rung));
	row_key(o, "Recorded by", false);
	report__put(o, "oomreap-trace ");
	code(o, h->tool_version, sizeof(h->tool_version));
	row_end(o);
	row_key(o, "Kernel log", false);
	if (src->kmsg_name) {
		code(o, src->kmsg_name, 4096);
		fprintf(o->f, ", %" PRIu64 " lines", src->kmsg_lines);
	} else {
		report__say(o, "none (record with /dev/kmsg capture, or pass `--kmsg FILE`)");
	}
	row_end(o);
	if (r->opts.have_since || r->opts.have_until) {
		row_key(o, "Window", false);
		report__put(o, "kills ");
		if (r->opts.have_since) {
			timefmt__utc(a, sizeof(a), r->opts.since_real_ns);
			fprintf(o->f, "from %s ", a);
		}
		if (r->opts.have_until) {
			timefmt__utc(a, sizeof(a), r->opts.until_real_ns);
			fprintf(o->f, "until %s ", a);
		}
		fprintf(o->f, "(%" PRIu64 " incidents outside)", r->filtered);
		row_end(o);
	}
	if (r->opts.pid || r->opts.cgroup) {
		row_key(o, "Selection", false);
		report__put(o, "victims ");
		if (r->opts.pid)
			fprintf(o->f, "with pid or tgid %" PRIu32 " ", r->opts.pid);
		if (r->opts.cgroup) {
			report__put(o, "in memory cgroup ");
			code(o, r->opts.cgroup, 4096);
			report__put(o, " or below it ");
		}
		fprintf(o->f, "(%" PRIu64 " incidents not selected)", r->unselected);
		row_end(o);
	}
	table_close(o);

	if (src->problem)
		warning(o, "**Warning: the recording is not whole.** ", src->problem, 1024,
			"Everything up to that point is in this report.");
	if (src->partial)
		warning(o, "**Warning: this is not the whole recording.** ", src->partial, 2048,
			"This report covers only the segments given.");
	if (src->ringbuf_lost || src->unrecorded) {
		report__put(o, o->m->warn_open);
		report__say(o,
		    "**Warning: events were lost** (%" PRIu64 " in the ring buffer, %" PRIu64
		    " not written to the recording): incidents open at the time are marked "
		    "incomplete.",
		    src->ringbuf_lost, src->unrecorded);
		report__put(o, o->m->warn_close);
	}
	if (missed__total(&src->missed)) {
		const char *sep = "";
		uint32_t i;

		report__put(o, o->m->warn_open);
		report__say(o, "**Warning: the kernel skipped %" PRIu64 " runs of the tracer's "
			       "programs** (",
			    missed__total(&src->missed));
		for (i = 0; i < src->missed.n; i++) {
			if (!src->missed.p[i].known || !src->missed.p[i].runs)
				continue;
			report__put(o, sep);
			code(o, src->missed.p[i].name, MISSED_NAME_LEN);
			fprintf(o->f, " %" PRIu64, src->missed.p[i].runs);
			sep = ", ";
		}
		report__say(o, "): each one an event lost (a program preempted on a CPU makes its "
			       "next run there skip, from 7.0 on tracepoints too); incidents open at "
			       "the time are marked incomplete, and one whose end never came was "
			       "closed when its events stopped.");
		report__put(o, o->m->warn_close);
	} else if (missed__unknown(&src->missed)) {
		report__put(o, o->m->warn_open);
		report__say(o, "**Note:** the recording's kernel does not count the skipped runs of "
			       "%u of the tracer's programs: events may have been lost uncounted.",
			    missed__unknown(&src->missed));
		report__put(o, o->m->warn_close);
	}
}

/* ----------------------------------------------------- walk: the summary */

/* The incident table's columns; the worst latencies leave out "#". */
static const struct report_column incident_columns[] = {
	{ "#", true },
	{ "Killed", false },
	{ "PID", true },
	{ "Comm", false },
	{ "Cgroup", false },
	{ "Outcome", false },
	{ "Done in", true },
	{ "Trylock fails", true },
	{ "Freed", true },
};
#define ROW_COLUMNS (incident_columns + 1)
#define NROW_COLUMNS (sizeof(incident_columns) / sizeof(incident_columns[0]) - 1)

static void row_cells(struct report_out *o, const struct report *r, const struct report_row *row)
{
	char when[48], d[16], fr[16];

	timefmt__utc(when, sizeof(when), report__real_ns(row->sort_ns, r->rc.mono_to_real_ns));
	timefmt__duration(d, sizeof(d), row->done_ns);
	if (row->freed_unread)
		strcpy(fr, "unknown");
	else
		timefmt__bytes(fr, sizeof(fr), row->freed_bytes);
	cellf(o, false, "%s", when);
	cellf(o, true, "%u", row->pid);
	cell_code(o, row->have_comm ? row->comm : NULL, sizeof(row->comm));
	cell_code(o, row->cgroup != UINT32_MAX ? r->strings[row->cgroup] : NULL,
		  OOMREAP_CGROUP_PATH_LEN);
	cell(o, false);
	o->m->outcome(o->f, row->outcome);
	report__put(o, row->incomplete ? " (incomplete)" : "");
	cell_end(o);
	cellf(o, true, "%s", d);
	cellf(o, true, "%u", row->trylock_failures);
	cellf(o, true, "%s", fr);
}

/* The REPORT_WORST longest kill-to-over latencies, worst first; rows may be 100k. */
static size_t worst_rows(const struct report *r, size_t idx[REPORT_WORST])
{
	size_t i, k = 0, j;

	for (i = 0; i < r->nrows; i++) {
		uint64_t v = r->rows[i].done_ns;

		if (v == LATENCY_NONE)
			continue;
		if (k < REPORT_WORST)
			idx[k++] = i;
		else if (v > r->rows[idx[k - 1]].done_ns)
			idx[k - 1] = i;
		else
			continue;
		for (j = k - 1; j > 0 && r->rows[idx[j]].done_ns > r->rows[idx[j - 1]].done_ns;
		     j--) {
			size_t t = idx[j];

			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	}
	return k;
}

static void histogram(struct report_out *o, const char *title, const char *cls,
		      const struct log2_hist *h)
{
	if (!h->count)
		return;
	heading(o, 3, title);
	o->m->histogram(o->f, title, cls, h);
}

static void summary(struct report_out *o, const struct report *r,
		    const struct report_source *src)
{
	const struct summary *s = &r->sum;
	size_t idx[REPORT_WORST], n, i;
	uint64_t evicted = 0, unseen = 0;
	char fr[16];

	uint64_t kills = 0;

	timefmt__bytes(fr, sizeof(fr), incident__freed_bytes(s->freed_pages, r->rc.page_size));
	/* the kernel's kills as the summary and the metrics count them (core/summary.h) */
	for (i = 0; i < sizeof(s->kills_by_constraint) / sizeof(s->kills_by_constraint[0]); i++)
		kills += s->kills_by_constraint[i];
	heading(o, 2, "Summary");
	table_open(o, NULL, NULL, 0);
	kvf(o, true, "Incidents", "%zu", r->nrows);
	kvf(o, true, "OOM kills (the kernel's, seen or read in its log)", "%" PRIu64, kills);
	if (s->group_events) {
		kvf(o, true, "OOM events (OOM-killer invocations)", "%" PRIu64, s->oom_events);
		kvf(o, true, "Of which memory.oom.group kills", "%" PRIu64, s->group_events);
		kvf(o, true, "Tasks those group kills killed", "%" PRIu64, s->group_victims);
	}
	kvf(o, true, "Reaped by the oom_reaper", "%" PRIu64, s->incidents[OUTCOME_REAPED]);
	kvf(o, true, "Reaper gave up (\"unable to reap\")", "%" PRIu64,
	    s->incidents[OUTCOME_GAVE_UP]);
	kvf(o, true, "Partly reaped, then gave up", "%" PRIu64, s->incidents[OUTCOME_PARTIAL]);
	kvf(o, true, "Victim exited on its own", "%" PRIu64, s->incidents[OUTCOME_VICTIM_EXITED]);
	/*
	 * An incident closed early because --max-open was reached has the
	 * outcome "open" but did not last to the end: counted apart.
	 */
	for (i = 0; i < r->nrows; i++)
		evicted += r->rows[i].evicted && r->rows[i].outcome == OUTCOME_OPEN;
	/* ... and one closed at its loss deadline did not last to the end either */
	for (i = 0; i < r->nrows; i++)
		unseen += r->rows[i].ended_unseen && !r->rows[i].evicted;
	kvf(o, true, "Still open at the end", "%" PRIu64,
	    s->incidents[OUTCOME_OPEN] - evicted - unseen);
	if (evicted)
		kvf(o, true, "Closed early, still open (--max-open reached)", "%" PRIu64, evicted);
	if (unseen)
		kvf(o, true, "Closed with their end unseen (events lost)", "%" PRIu64, unseen);
	if (s->freed_unread)
		kvf(o, true, "Memory freed by the reaper", "%s, and by %" PRIu64 " reap%s not read", fr,
		    s->freed_unread, s->freed_unread == 1 ? "" : "s");
	else
		kvf(o, true, "Memory freed by the reaper", "%s", fr);
	kvf(o, true, "Reaper trylock failures", "%" PRIu64, s->trylock_failures);
	if (s->incomplete)
		kvf(o, true, "Incomplete incidents (events lost)", "%" PRIu64, s->incomplete);
	if (src->missed.n) {
		char text[64];

		summary__missed_text(text, sizeof(text), &src->missed);
		kvf(o, true, "Runs of the tracer's programs the kernel skipped", "%s", text);
	}
	table_close(o);

	n = worst_rows(r, idx);
	if (n) {
		heading(o, 3, "Worst latencies (kill until the incident was over)");
		table_open(o, NULL, ROW_COLUMNS, NROW_COLUMNS);
		for (i = 0; i < n; i++) {
			report__put(o, o->m->row_open);
			row_cells(o, r, &r->rows[idx[i]]);
			report__put(o, o->m->row_close);
		}
		table_close(o);
	}
	histogram(o, "Reap latency (kill until the reaper finished)", "reap", &s->reap_latency_ms);
	histogram(o, "Exit latency (kill until the victim exited)", "exit", &s->exit_latency_ms);
}

/* What every reader of a postmortem needs before the incidents make sense. */
static void design(struct report_out *o)
{
	heading(o, 2, "How the OOM reaper works");
	para(o, "When memory runs out, the OOM killer picks a victim, sends it SIGKILL and marks "
		"it as an OOM victim. A killed task frees its memory only when it exits, and it "
		"may not exit soon: a thread can be stuck in an uninterruptible sleep, or another "
		"process may share its address space. The kernel's `oom_reaper` thread exists for "
		"that case: it unmaps the victim's anonymous and private memory without waiting "
		"for the victim.");
	report__put(o, o->m->list_open);
	item(o, "Since 5.18 (and in stable backports) the reaper waits 2 s (`OOM_REAPER_DELAY`) "
	        "after the kill, so that a victim exiting anyway does it by itself; most victims "
	        "do, and the reaper then does nothing.");
	item(o, "It needs the victim's `mmap_lock` for reading and only *tries* it "
	        "(`mmap_read_trylock()`), up to 10 times (`MAX_OOM_REAP_RETRIES`), sleeping about "
	        "100 ms (`HZ/10`) after each failure. The trylock fails while another task holds "
	        "the lock for writing, or while a writer waits behind a reader, e.g. a thread "
	        "blocked in a page fault or in `/proc/PID/mem` with `mmap()`/`munmap()` queued "
	        "behind it.");
	item(o, "After 10 failures the kernel logs \"oom_reaper: unable to reap pid:N\" and sets "
	        "`MMF_OOM_SKIP`: the OOM killer stops waiting for this victim and may kill "
	        "another task, while the stuck victim's memory stays in use.");
	report__put(o, o->m->list_close);
}

/* --------------------------------------------------- walk: one incident */

/*
 * The OOM context: each known field, where the fields came from
 * (oom_control, the kernel log), then each unknown one and why.  Kernel
 * strings (cgroup, gfp names, comm) go through code(); the rest is ours.
 */
static void oom_context_row(struct report_out *o, const struct oom_context *c)
{
	const char *src = oom_context__source(c), *sep = "";
	bool missing = false;
	char num[32];
	int i;

	if (c->src[CTXF_CONSTRAINT]) {
		report__say(o, "constraint %s", constraint__name(c->constraint));
		sep = ", ";
	}
	if (c->src[CTXF_DOMAIN]) {
		report__say(o, "%sdomain ", sep);
		if (c->global)
			report__say(o, "global (no memory cgroup)");
		else
			code(o, c->domain, sizeof(c->domain));
		sep = ", ";
	}
	if (c->src[CTXF_GFP]) {
		snprintf(num, sizeof(num), "%#x", c->gfp_mask);
		report__say(o, "%sgfp_mask %s ", sep, num);
		code(o, c->gfp_names, sizeof(c->gfp_names));
		sep = ", ";
	}
	if (c->src[CTXF_ORDER]) {
		report__say(o, "%sorder %d", sep, c->order);
		sep = ", ";
	}
	if (c->src[CTXF_TOTALPAGES]) {
		report__say(o, "%s%" PRIu64 " pages in the domain", sep, c->totalpages);
		sep = ", ";
	}
	if (c->src[CTXF_TRIGGER]) {
		report__say(o, "%strigger ", sep);
		code(o, c->trigger_comm, sizeof(c->trigger_comm));
		report__say(o, " (oom_score_adj %d)", c->trigger_oom_score_adj);
	}
	if (src)
		report__say(o, " (from %s)", !strcmp(src, "kernel_log")    ? "the kernel log"
					     : !strcmp(src, "oom_control") ? "`oom_control`"
									   : "`oom_control` and the kernel log");
	/* the unknown ones, those missing for one reason together */
	for (i = 0; i < CTXF_NR; i++) {
		char names[128];

		if (!oom_context__unknown_group(c, i, names, sizeof(names)))
			continue;
		report__say(o, "%s%s unknown: %s", missing ? "; " : src ? ". " : "", names,
			    ctx_missing__reason(c->why[i]));
		missing = true;
	}
}

/* ------------------------------------------ walk: what filled the memory */

static void filled_words(void *arg, const char *s)
{
	struct report_out *o = arg;

	o->m->text(o->f, s, SIZE_MAX);
}

static void filled_name(void *arg, const char *name, size_t maxlen, bool first)
{
	struct report_out *o = arg;

	(void)first;
	code(o, name, maxlen);
}

static const struct report_column filled_parts_columns[] = {
	{ "Part (memory.stat)", false },
	{ "Size", true },
	{ "Share of usage", true },
	{ "", false },
};

static const struct report_column filled_tasks_columns[] = {
	{ "PID", true },
	{ "Name", false },
	{ "Role", false },
	{ "RSS", true },
	{ "anon", true },
	{ "file", true },
	{ "shmem", true },
	{ "Page tables", true },
	{ "Swap", true },
	{ "oom_score_adj", true },
};
#define NFILLED_TASK_COLUMNS (sizeof(filled_tasks_columns) / sizeof(filled_tasks_columns[0]))

static void counter_row(struct report_out *o, const char *key, const struct oomr_counter *c)
{
	char u[24], l[24];

	if (!c->have)
		return;
	timefmt__bytes(u, sizeof(u), c->usage_kb * 1024);
	timefmt__bytes(l, sizeof(l), c->limit_kb * 1024);
	if (oomr__unlimited(c->limit_kb))
		kvf(o, false, key, "%s, no limit; failcnt %" PRIu64, u, c->failcnt);
	else
		kvf(o, false, key, "%s of %s (%.0f%%); failcnt %" PRIu64, u, l,
		    c->limit_kb ? 100.0 * (double)c->usage_kb / (double)c->limit_kb : 0.0, c->failcnt);
}

static void pages_cell(struct report_out *o, uint64_t pages, uint64_t ps, bool known)
{
	char b[24];

	if (!known) {
		cellf(o, true, "-");
		return;
	}
	timefmt__bytes(b, sizeof(b), pages * ps);
	cellf(o, true, "%s", b);
}

/*
 * The kernel's own OOM report for one OOM event, read into its parts
 * (core/oom_report.h): the domain's usage against its limit, memory.stat's
 * breakdown as a bar, the largest tasks of the table, one sentence.
 */
static void what_filled(struct report_out *o, const struct oom_context *c,
			const struct render_ctx *rc)
{
	const struct oom_report *r = &c->report;
	struct oomr_say say = { filled_words, filled_name, o };
	const char *names[8];
	uint64_t bytes[8], usage = 0, sum = 0;
	bool any = false, missing = false;
	char b[24];
	int i, n;

	for (i = 0; i < OOMR_NR; i++)
		any |= r->src[i] != 0;
	heading(o, 3, "What filled the memory");
	if (any) {
		report__put(o, o->m->para_open);
		oom_report__tell(c, rc->page_size, &say);
		report__say(o, " (From the kernel's OOM report in its log.)");
		report__put(o, o->m->para_close);
	}
	if (r->src[OOMR_DOMAIN]) {
		table_open(o, "domain", NULL, 0);
		counter_row(o, "Memory usage", &r->memory);
		counter_row(o, "Swap (cgroup v2)", &r->swap);
		counter_row(o, "Memory+swap (cgroup v1)", &r->memsw);
		counter_row(o, "Kernel memory (cgroup v1 kmem)", &r->kmem);
		table_close(o);
		usage = r->memory.usage_kb * 1024;
	}
	n = oom_report__breakdown(r, names, bytes, 8);
	for (i = 0; i < n; i++)
		sum += bytes[i];
	if (n) {
		uint64_t whole = usage > sum ? usage : sum;

		if (o->m->bar)
			o->m->bar(o->f, names, bytes, n, whole);
		table_open(o, "breakdown", filled_parts_columns, 4);
		for (i = 0; i <= n; i++) {
			uint64_t v = i < n ? bytes[i] : whole - sum;
			int w = whole ? (int)((v * 20 + whole / 2) / whole) : 0;

			if (i == n && !v)
				break;
			report__put(o, o->m->row_open);
			cellf(o, false, "%s", i < n ? names[i] : "other (usage not in these parts)");
			timefmt__bytes(b, sizeof(b), v);
			cellf(o, true, "%s", b);
			cellf(o, true, "%.1f%%", whole ? 100.0 * (double)v / (double)whole : 0.0);
			cell(o, false);
			while (w-- > 0)
				report__put(o, "\xe2\x96\x88"); /* a full block, U+2588 */
			cell_end(o);
			report__put(o, o->m->row_close);
		}
		table_close(o);
	}
	if (r->src[OOMR_TASKS]) {
		uint32_t t;

		para(o, "The kernel listed %u task%s in the domain (memory values as its task table "
			"has them%s):",
		     r->tasks_listed, r->tasks_listed == 1 ? "" : "s",
		     r->cut[OOMR_TASKS] ? "; lines of the table were lost, it is not whole" : "");
		table_open(o, "tasks", filled_tasks_columns, NFILLED_TASK_COLUMNS);
		for (t = 0; t < r->ntasks; t++) {
			const struct oomr_task *k = &r->tasks[t];

			report__put(o, o->m->row_open);
			cellf(o, true, "%u", k->tgid);
			cell_code(o, k->name, sizeof(k->name));
			cellf(o, false, "%s%s%s", k->flags & OOMR_TASK_VICTIM ? "victim" : "",
			      k->flags == (OOMR_TASK_VICTIM | OOMR_TASK_TRIGGER) ? ", " : "",
			      k->flags & OOMR_TASK_TRIGGER ? "trigger" : "");
			pages_cell(o, k->rss, rc->page_size, true);
			pages_cell(o, k->rss_anon, rc->page_size, r->tasks_split);
			pages_cell(o, k->rss_file, rc->page_size, r->tasks_split);
			pages_cell(o, k->rss_shmem, rc->page_size, r->tasks_split);
			timefmt__bytes(b, sizeof(b), k->pgtables_bytes);
			cellf(o, true, "%s", b);
			pages_cell(o, k->swapents, rc->page_size, true);
			cellf(o, true, "%d", k->oom_score_adj);
			report__put(o, o->m->row_close);
		}
		if (r->tasks_listed > r->ntasks) {
			report__put(o, o->m->row_open);
			empty_cells(o, 1);
			cellf(o, false, "%u other tasks", r->tasks_listed - r->ntasks);
			empty_cells(o, 1);
			pages_cell(o, r->rest_rss, rc->page_size, true);
			empty_cells(o, NFILLED_TASK_COLUMNS - 4);
			report__put(o, o->m->row_close);
		}
		table_close(o);
		if (r->tasks_unreadable)
			para(o, "%u line%s inside the table %s not rows of it and were left out.",
			     r->tasks_unreadable, r->tasks_unreadable == 1 ? "" : "s",
			     r->tasks_unreadable == 1 ? "was" : "were");
	}
	for (i = 0; i < OOMR_NR; i++) {
		char parts[64];
		int k = oom_report__unknown_group(r, i, parts, sizeof(parts));

		if (!k)
			continue;
		if (!missing)
			report__put(o, o->m->para_open);
		report__say(o, "%s%s %s: %s", missing ? "; " : "", parts,
			    k == 1 ? "is not known" : "are not known",
			    oom_report__reason(r, (enum oomr_part)i));
		missing = true;
	}
	if (missing) {
		report__say(o, ".");
		report__put(o, o->m->para_close);
	}
	if (r->lines_lost)
		para(o, "%u line%s of the kernel's report %s lost.", r->lines_lost,
		     r->lines_lost == 1 ? "" : "s", r->lines_lost == 1 ? "was" : "were");
}

static void kmsg_line(struct report_out *o, const struct kmsg_log *k, size_t i)
{
	const struct kmsg_entry *e = &k->v[i];

	fprintf(o->f, "[%5" PRIu64 ".%06" PRIu64 "] ", e->ts_ns / UINT64_C(1000000000),
		e->ts_ns / 1000 % 1000000);
	o->m->text(o->f, kmsg_log__text(k, e), e->text_len);
	fputc('\n', o->f);
}

/* The kernel's own lines about this victim: head and tail of a long block. */
static void kmsg(struct report_out *o, const struct kmsg_log *k, const struct oomreap_incident *inc,
		 uint64_t base)
{
	struct kmsg_block b;
	size_t i, n;

	if (!k)
		return;
	heading(o, o->m->kmsg_heading_level, "Kernel log");
	if (!kmsg_log__find_block(k, inc->pid, inc->tgid, base, &b)) {
		para(o, "The kernel log has no lines about pid %u around this kill.", inc->pid);
		return;
	}
	o->m->kmsg_open(o->f, k, &b);
	if (b.last >= b.first) {
		n = b.last - b.first + 1;
		for (i = b.first; i <= b.last; i++) {
			if (n > REPORT_KMSG_HEAD + REPORT_KMSG_TAIL && i == b.first + REPORT_KMSG_HEAD) {
				fprintf(o->f, "[... %zu lines omitted ...]\n",
					n - REPORT_KMSG_HEAD - REPORT_KMSG_TAIL);
				i = b.last - REPORT_KMSG_TAIL;
				continue;
			}
			kmsg_line(o, k, i);
		}
	}
	for (i = 0; i < (size_t)b.nextra; i++)
		kmsg_line(o, k, b.extra[i]);
	o->m->kmsg_close(o->f, k, &b);
}

/* no_swap: a reading without swap (the kernel log's): "swap unknown" */
static void bytes4(struct report_out *o, const uint64_t pages[OOMREAP_RSS_NR], uint64_t ps,
		   bool no_swap)
{
	char a[16], b[16], c[16], d[16] = "unknown";

	timefmt__bytes(a, sizeof(a), pages[OOMREAP_RSS_ANON] * ps);
	timefmt__bytes(b, sizeof(b), pages[OOMREAP_RSS_FILE] * ps);
	timefmt__bytes(c, sizeof(c), pages[OOMREAP_RSS_SHMEM] * ps);
	if (!no_swap)
		timefmt__bytes(d, sizeof(d), pages[OOMREAP_RSS_SWAP] * ps);
	fprintf(o->f, "anon %s, file %s, shmem %s, swap %s", a, b, c, d);
}

static const struct report_column blocker_columns[] = {
	{ "Failed attempts", false },
	{ "Task", false },
	{ "PID", true },
	{ "TGID", true },
	{ "Comm", false },
	{ "Where (kernel stack)", false },
};
#define NBLOCKER_COLUMNS (sizeof(blocker_columns) / sizeof(blocker_columns[0]))

/* Who held the victim's mmap_lock at the failed trylocks. */
static void blockers(struct report_out *o, const struct oomreap_incident *inc,
		     const struct render_ctx *rc)
{
	char where[160];
	uint32_t i, j;

	if (!inc->nblockers)
		return;
	heading(o, 3, "Who held the lock");
	para(o, "At each failed trylock the victim's `mmap_lock` was read: its owner and the "
		"tasks queued on it. A writer queued behind a reader makes every new reader "
		"wait, the reaper's trylock included.");
	table_open(o, "blockers", blocker_columns, NBLOCKER_COLUMNS);
	for (i = 0; i < inc->nblockers; i++) {
		const struct blocker_snapshot *bs = &inc->blockers[i];
		uint32_t n = bs->ntasks < 1 + OOMREAP_MAX_WAITERS ? bs->ntasks : 1 + OOMREAP_MAX_WAITERS;

		for (j = 0; j < n; j++) {
			const struct oomreap_blocked_task *bt = &bs->tasks[j];

			report__put(o, o->m->row_open);
			if (j == 0) /* the attempts once, for the snapshot's first task */
				cellf(o, false, "%u to %u (%u)", bs->first_attempt,
				      bs->last_attempt, bs->count);
			else
				empty_cells(o, 1);
			cellf(o, false, "%s", incident__role_title(bt->role));
			cellf(o, true, "%u", bt->pid);
			cellf(o, true, "%u", bt->tgid);
			cell_code(o, bt->comm, sizeof(bt->comm));
			cell(o, false);
			incident__task_where(where, sizeof(where), bt, rc->ksyms);
			if (where[0])
				code(o, where, sizeof(where));
			cell_end(o);
			report__put(o, o->m->row_close);
		}
		if (!n) {
			report__put(o, o->m->row_open);
			cellf(o, false, "%u to %u (%u)", bs->first_attempt, bs->last_attempt,
			      bs->count);
			cellf(o, false, "owner unknown");
			empty_cells(o, 4);
			report__put(o, o->m->row_close);
		}
	}
	if (inc->blockers_dropped)
		not_kept_row(o, NBLOCKER_COLUMNS, "pictures", inc->blockers_dropped);
	table_close(o);
	for (i = 0; i < inc->nblockers; i++) {
		const struct blocker_snapshot *bs = &inc->blockers[i];
		char state[160];

		incident__lock_state(state, sizeof(state), bs->blk_flags, bs->lock_count);
		if (state[0])
			para(o, "Attempts %u to %u, the PREEMPT_RT `mmap_lock`: %s. Its waiters "
				"do not say whether they wait to read or to write.",
			      bs->first_attempt, bs->last_attempt, state);
	}
	para(o, "Kernel stacks of these tasks are in `oomreap-trace replay --json` "
		"(`blockers`).");
}

static const struct report_column timeline_columns[] = {
	{ "After the kill", true },
	{ "Event", false },
	{ "Details", false },
};
#define NTIMELINE_COLUMNS (sizeof(timeline_columns) / sizeof(timeline_columns[0]))

/* Every event kept, as offsets from the kill. */
static void timeline(struct report_out *o, const struct oomreap_incident *inc,
		     const struct render_ctx *rc, uint64_t base)
{
	char buf[128], det[128], off[32];
	uint32_t i, attempt = 0;

	heading(o, 3, "Timeline");
	table_open(o, "events", timeline_columns, NTIMELINE_COLUMNS);
	for (i = 0; i < inc->timeline_len; i++) {
		const struct timeline_entry *te = &inc->timeline[i];
		const char *label = report__event_label(te, &attempt, buf, sizeof(buf));

		timefmt__offset(off, sizeof(off), base, te->ts_ns);
		event_detail(inc, i, rc, det, sizeof(det));
		report__put(o, o->m->row_open);
		cellf(o, true, "%s", off);
		cell(o, false);
		o->m->text(o->f, label, sizeof(buf));
		cell_end(o);
		cell(o, false);
		o->m->text(o->f, det, sizeof(det));
		cell_end(o);
		report__put(o, o->m->row_close);
	}
	if (inc->timeline_dropped)
		not_kept_row(o, NTIMELINE_COLUMNS, "events", inc->timeline_dropped);
	if (inc->closed_ns && inc->outcome != OUTCOME_OPEN) {
		timefmt__offset(off, sizeof(off), base, inc->closed_ns);
		report__put(o, o->m->row_open);
		cellf(o, true, "%s", off);
		cellf(o, false, "over: %s", outcome__name(inc->outcome));
		empty_cells(o, 1);
		report__put(o, o->m->row_close);
	}
	table_close(o);
}

/* Who the victim was and what the OOM killer and the reaper did, as facts. */
static void incident_facts(struct report_out *o, const struct oomreap_incident *inc,
			   const struct render_ctx *rc, uint64_t base)
{
	char when[48], d[16], tv[16], pt[16];

	table_open(o, "meta", NULL, 0);
	timefmt__utc(when, sizeof(when), report__real_ns(base, rc->mono_to_real_ns));
	kvf(o, false,
	    inc->kill_ns		 ? "Killed at"
	    : inc->identity_from_log ? "Killed at (the kernel log's time)"
				     : "First seen",
	    "%s (monotonic %" PRIu64 ".%09" PRIu64 " s)", when, base / UINT64_C(1000000000),
	    base % UINT64_C(1000000000));
	if (o->m->outcome_row) {
		row_key(o, "Outcome", false);
		o->m->outcome(o->f, (uint8_t)inc->outcome);
		fprintf(o->f, "%s%s%s", inc->incomplete ? " (incomplete)" : "",
			inc->ended_unseen ? " (end unseen)" : "", inc->evicted ? " (evicted)" : "");
		row_end(o);
	}
	row_key(o, "Victim", false);
	fprintf(o->f, "pid %u", inc->pid);
	if (inc->tgid)
		fprintf(o->f, ", tgid %u", inc->tgid);
	if (inc->have_identity || inc->identity_from_log) {
		report__put(o, ", comm ");
		code(o, inc->comm, sizeof(inc->comm));
		fprintf(o->f, ", uid %u, oom_score_adj %d", inc->uid, inc->oom_score_adj);
		if (inc->identity_from_log)
			report__say(o, " (from the kernel's \"Killed process\" line: the kill "
				       "itself was not seen)");
	}
	row_end(o);
	row_key(o, "Memory cgroup", false);
	if (inc->have_identity) {
		code(o, inc->cgroup_path, sizeof(inc->cgroup_path));
		fprintf(o->f, " (cgroup v%d, id %" PRIu64 "%s)", inc->cgroup_hierarchy == 0 ? 2 : 1,
			inc->cgroup_id, inc->cgroup_truncated ? ", path truncated" : "");
	} else {
		report__put(o, "unknown");
	}
	row_end(o);
	if (inc->trigger_pid) {
		row_key(o, "Triggered by", false);
		fprintf(o->f, "pid %u, comm ", inc->trigger_pid);
		code(o, inc->trigger_comm, sizeof(inc->trigger_comm));
		row_end(o);
	}
	row_key(o, "OOM event", false);
	if (!inc->oom_event.id) {
		report__put(o, "unknown (the kill was not seen)");
	} else {
		fprintf(o->f, "%" PRIu64 ", victim %u", inc->oom_event.id, inc->oom_event.index);
		if (inc->oom_event.group_kill == GROUP_KILL_YES) {
			report__say(o, ", a memory.oom.group kill of ");
			if (inc->oom_event.group_cgroup_known)
				code(o, inc->oom_event.group_cgroup, sizeof(inc->oom_event.group_cgroup));
			else
				report__put(o, "a cgroup whose path was cut");
		} else if (inc->oom_event.group_kill == GROUP_KILL_UNKNOWN) {
			report__say(o, " (whether memory.oom.group applied was not recorded)");
		}
	}
	row_end(o);
	row_key(o, "OOM", false);
	oom_context_row(o, &inc->ctx);
	row_end(o);
	if (inc->have_rss_at_kill) {
		timefmt__bytes(tv, sizeof(tv), incident__bytes(inc->total_vm_pages, rc->page_size));
		timefmt__bytes(pt, sizeof(pt), inc->pgtables_bytes);
		row_key(o, "Memory at the kill", false);
		bytes4(o, inc->rss_at_kill_pages, rc->page_size, inc->identity_from_log);
		fprintf(o->f, "; total-vm %s, page tables %s", tv, pt);
		if (inc->identity_from_log)
			report__say(o, " (the kernel log's figures; it prints no swap)");
		row_end(o);
	}
	row_key(o, "Freed by the reaper", false);
	if (inc->freed_unread)
		report__say(o, "unknown (a reap the tracer could not read: it had not seen "
			       "the kill)");
	else
		bytes4(o, inc->freed_pages, rc->page_size, false);
	row_end(o);
	row_key(o, "Reaper attempts", false);
	fprintf(o->f, "%u (%u trylock failures", inc->attempts, inc->trylock_failures);
	if (inc->unknown_skips)
		fprintf(o->f, ", %u unclassified skips", inc->unknown_skips);
	report__put(o, ")");
	row_end(o);
	timefmt__duration(d, sizeof(d), incident__done_ns(inc));
	kvf(o, false, "Over after", "%s", d);
	table_close(o);
}

static void incident(struct report_out *o, const struct report *r, size_t num,
		     const struct oomreap_incident *inc, const struct kmsg_log *k)
{
	const struct render_ctx *rc = &r->rc;
	uint64_t base = incident__start_ns(inc); /* the kill, else the first thing seen */

	if (o->m->incident_open)
		o->m->incident_open(o->f, num);
	o->m->heading_open(o->f, 2);
	fprintf(o->f, "Incident %zu: ", num);
	if (inc->have_identity || inc->identity_from_log)
		code(o, inc->comm, sizeof(inc->comm));
	else
		report__put(o, "unknown victim");
	fprintf(o->f, " (pid %u): %s", inc->pid,
		inc->ended_unseen ? "closed with its end unseen (events lost)"
		: inc->evicted && inc->outcome == OUTCOME_OPEN
			? "closed early while still open (--max-open reached)"
			: outcome_title((uint8_t)inc->outcome));
	o->m->heading_close(o->f, 2);

	incident_facts(o, inc, rc, base);
	if (o->m->timeline && inc->timeline_len)
		o->m->timeline(o->f, inc, rc, num);
	heading(o, 3, "What happened");
	report__explain_to(o, inc, rc);
	/* a group kill's report is its event's, shown once above its victims */
	if (!(inc->oom_event.id && inc->oom_event.group_kill == GROUP_KILL_YES))
		what_filled(o, &inc->ctx, rc);
	blockers(o, inc, rc);
	timeline(o, inc, rc, base);
	kmsg(o, k, inc, base);
	if (o->m->incident_close)
		o->m->incident_close(o->f);
}

static const struct report_column event_columns[] = {
	{ "#", true },
	{ "Victim", true },
	{ "PID", true },
	{ "Comm", false },
	{ "Killed", true },
	{ "Exited", true },
	{ "Reaper done", true },
	{ "Over", true },
	{ "Outcome", false },
};
#define NEVENT_COLUMNS (sizeof(event_columns) / sizeof(event_columns[0]))

/* A group's victims die within microseconds of each other: us, ms or s. */
static void offset_cell(struct report_out *o, uint64_t base, uint64_t ts)
{
	char d[16];

	if (!ts || ts < base) {
		cellf(o, true, "-");
		return;
	}
	timefmt__duration(d, sizeof(d), ts - base);
	cellf(o, true, "+%s", d);
}

/*
 * A memory.oom.group kill: one section before its victims' own, with every
 * victim on one time axis (from the event's first kill), so that one can
 * see at a glance who died when and who took longest.
 */
static void oom_event(struct report_out *o, const struct report *r, size_t first)
{
	const struct oomreap_incident *lead = &r->details[first].inc, *chosen = lead;
	uint64_t id = lead->oom_event.id, base = UINT64_MAX;
	size_t i, n = 0;
	char when[48];

	for (i = first; i < r->ndetails; i++) {
		const struct oomreap_incident *inc = &r->details[i].inc;

		if (inc->oom_event.id != id)
			continue;
		n++;
		if (inc->kill_ns && inc->kill_ns < base)
			base = inc->kill_ns;
	}
	if (base == UINT64_MAX)
		base = incident__start_ns(lead);
	o->m->heading_open(o->f, 2);
	fprintf(o->f, "OOM event %" PRIu64 ": memory.oom.group killed %zu task%s", id, n,
		n == 1 ? "" : "s");
	o->m->heading_close(o->f, 2);
	timefmt__utc(when, sizeof(when), report__real_ns(base, r->rc.mono_to_real_ns));
	report__put(o, o->m->para_open);
	fprintf(o->f, "At %s the OOM killer chose one victim and, because memory.oom.group "
		      "is set on ", when);
	if (lead->oom_event.group_cgroup_known)
		code(o, lead->oom_event.group_cgroup, sizeof(lead->oom_event.group_cgroup));
	else
		report__put(o, "its memory cgroup (path cut)");
	report__say(o, ", killed every task of that cgroup with it. Times are from the first "
		       "kill.");
	report__put(o, o->m->para_close);
	table_open(o, "oomevent", event_columns, NEVENT_COLUMNS);
	for (i = first; i < r->ndetails; i++) {
		const struct oomreap_incident *inc = &r->details[i].inc;

		if (inc->oom_event.id != id)
			continue;
		report__put(o, o->m->row_open);
		cell(o, true);
		o->m->incident_number(o->f, i + 1, true);
		cell_end(o);
		cellf(o, true, "%u%s", inc->oom_event.index,
		      inc->oom_event.index == 1 ? " (chosen)" : "");
		cellf(o, true, "%u", inc->pid);
		cell_code(o, inc->have_identity || inc->identity_from_log ? inc->comm : NULL,
			  sizeof(inc->comm));
		offset_cell(o, base, inc->kill_ns);
		offset_cell(o, base, inc->exit_ns);
		offset_cell(o, base, inc->finish_ns);
		offset_cell(o, base, inc->outcome != OUTCOME_OPEN ? inc->closed_ns : 0);
		cell(o, false);
		o->m->outcome(o->f, (uint8_t)inc->outcome);
		cell_end(o);
		report__put(o, o->m->row_close);
		if (inc->oom_event.index == 1)
			chosen = inc;
	}
	table_close(o);
	what_filled(o, &chosen->ctx, &r->rc);
}

/* Has an earlier detail already opened this incident's event section? */
static bool event_shown(const struct report *r, size_t idx)
{
	uint64_t id = r->details[idx].inc.oom_event.id;
	size_t i;

	for (i = 0; i < idx; i++)
		if (r->details[i].inc.oom_event.id == id)
			return true;
	return false;
}

/* ------------------------------------------------------ walk: the report */

static void write_report(struct report_out *o, const struct report *r, const struct report_source *src,
			 const struct kmsg_log *kmsg)
{
	size_t i;

	source(o, r, src);
	summary(o, r, src);
	design(o);
	if (r->nrows || o->m->incidents_heading_always)
		heading(o, 2, "All incidents");
	if (r->nrows) {
		table_open(o, "incidents", incident_columns, NROW_COLUMNS + 1);
		for (i = 0; i < r->nrows; i++) {
			report__put(o, o->m->row_open);
			cell(o, true);
			o->m->incident_number(o->f, i + 1, i < r->ndetails);
			cell_end(o);
			row_cells(o, r, &r->rows[i]);
			report__put(o, o->m->row_close);
		}
		table_close(o);
	} else {
		para(o, "No OOM kill in this recording%s%s.",
		     r->unselected ? " among the selected victims" : "",
		     r->filtered ? " within the window" : "");
	}
	if (r->nrows > r->ndetails)
		para(o,
		     "Details follow for the first %zu of %zu incidents; narrow the window with "
		     "`--since` and `--until` for the others.",
		     r->ndetails, r->nrows);
	for (i = 0; i < r->ndetails; i++) {
		const struct oomreap_incident *inc = &r->details[i].inc;

		if (inc->oom_event.id && inc->oom_event.group_kill == GROUP_KILL_YES &&
		    !event_shown(r, i))
			oom_event(o, r, i);
		incident(o, r, i + 1, inc, kmsg);
	}
	if (o->m->doc_close)
		o->m->doc_close(o->f);
}

int report__write(struct report *r, FILE *f, const struct report_source *src,
		  const struct kmsg_log *kmsg)
{
	struct report_out o = {
		.f = f,
		.m = r->opts.format == REPORT_HTML ? &report__html : &report__markdown,
	};
	int err = 0;

	report__sort(r);
	/*
	 * A line-buffered stdout fails inside write_report, where nothing
	 * looks; errno is left by the last failed write(2) and says what it
	 * was (ENOSPC, EFBIG, EPIPE).  EIO only when nothing says more.
	 */
	errno = 0;
	write_report(&o, r, src, kmsg);
	if (fflush(f) || ferror(f))
		err = -(errno ? errno : EIO);
	return err;
}
