// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The one walk that writes both formats: what a report shows, in which
 * order, in which words (explain.c) and with which numbers is decided
 * here once (this file, one victim's section in walk_incident.c, one
 * OOM's in walk_oom.c); the Markdown (markdown.c) and HTML (html.c)
 * markups only mark it up and escape it.  Output is deterministic for a given
 * recording (UTC times, no generation date) so golden tests can compare
 * it byte for byte.
 *
 * Untrusted strings (comm, cgroup paths, kernel log lines, file names)
 * only ever reach the markup's code() and text(), which escape them for
 * their format; our own sentences go through prose().
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/event.h"
#include "core/timefmt.h"
#include "report/markup.h"
#include "report/model.h"
#include "report/time.h"
#include "report/walk.h"

#define REPORT_WORST 10

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
	{ "By", false },
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
	/* the kernel's kills and the daemons' on one time axis */
	if (row->killer == UINT32_MAX)
		cellf(o, false, "the kernel");
	else
		cell_code(o, r->strings[row->killer], OOMREAP_COMM_LEN);
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
	{
		uint64_t ukills = 0;

		for (i = 0; i <= SUMMARY_UKILL_PAIRS; i++)
			ukills += s->ukills[i].kills;
		if (ukills)
			kvf(o, true, "Kills by userspace memory killers (below)", "%" PRIu64, ukills);
	}
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

/*
 * Userspace memory killers: each (killer, method) pair the one aggregation
 * counted (core/summary.h), what became of its victims' memory, and its
 * process_mrelease calls.
 */
static void killers(struct report_out *o, const struct report *r)
{
	static const struct report_column cols[] = {
		{ "Killer", false },
		{ "Signal sent by", false },
		{ "Kills", true },
		{ "Released by process_mrelease", true },
		{ "process_mrelease failed", false },
		{ "Exited by itself", true },
		{ "Still open", true },
		{ "Memory gone after (most)", true },
	};
	const struct summary *s = &r->sum;
	uint32_t i;
	int k;

	if (!s->nukills && !s->ukills[SUMMARY_UKILL_PAIRS].kills)
		return;
	heading(o, 2, "Userspace memory killers");
	para(o, "Kills by the memory killers the tracer recognised by their executable file "
		"(earlyoom, systemd-oomd, oomd, or `--killer`) or by their cgroup "
		"(`--killer-cgroup`), not by the kernel's OOM killer: "
		"no oom_reaper comes for their victims; a killer may strip the memory itself "
		"with `process_mrelease(2)` (timed with `--mrelease`).");
	table_open(o, "killers", cols, sizeof(cols) / sizeof(cols[0]));
	for (i = 0; i <= SUMMARY_UKILL_PAIRS; i++) {
		const struct summary_ukill *u = &s->ukills[i];
		const char *sep = "";
		char gone[16];

		if (i == SUMMARY_UKILL_PAIRS ? !u->kills : i >= s->nukills)
			continue;
		report__put(o, o->m->row_open);
		if (i == SUMMARY_UKILL_PAIRS)
			cellf(o, false, "others");
		else
			cell_code(o, u->killer, OOMREAP_COMM_LEN);
		cellf(o, false, "%s", i == SUMMARY_UKILL_PAIRS ? "-" : method__name(u->method));
		/* a cgroup.kill write kills many: its victims, and how many writes */
		if (u->kill_events && u->kill_events != u->kills)
			cellf(o, true, "%" PRIu64 " (%" PRIu64 " %s)", u->kills, u->kill_events,
			      u->method == OOMREAP_METHOD_CGROUP_KILL
				      ? (u->kill_events == 1 ? "write" : "writes")
				      : (u->kill_events == 1 ? "event" : "events"));
		else
			cellf(o, true, "%" PRIu64, u->kills);
		cellf(o, true, "%" PRIu64, u->outcomes[OUTCOME_MRELEASED]);
		cell(o, false);
		for (k = 0; k < MREL_ERR_NR; k++) {
			if (!u->calls_failed_by[k])
				continue;
			fprintf(o->f, "%s%" PRIu64 " %s", sep, u->calls_failed_by[k],
				mrelease_err__name((unsigned)k));
			sep = ", ";
		}
		if (!*sep)
			report__put(o, "none");
		cell_end(o);
		cellf(o, true, "%" PRIu64, u->outcomes[OUTCOME_VICTIM_EXITED]);
		cellf(o, true, "%" PRIu64, u->outcomes[OUTCOME_OPEN]);
		if (u->memory_gone_ms.count)
			timefmt__duration(gone, sizeof(gone), u->memory_gone_ms.max * 1000000);
		else
			strcpy(gone, "-");
		cellf(o, true, "%s", gone);
		report__put(o, o->m->row_close);
	}
	table_close(o);
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
	killers(o, r);
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
			report__oom_event(o, r, i);
		report__incident(o, r, i + 1, inc, kmsg);
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
