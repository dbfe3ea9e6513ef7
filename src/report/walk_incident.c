// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The walk (walk.c): one victim's section.  Its facts, what happened
 * (explain.c), who held the lock, its timeline and the kernel's own lines
 * about it, in that order, for both markups.
 */
#include <inttypes.h>
#include <string.h>

#include "core/event.h"
#include "core/timefmt.h"
#include "report/markup.h"
#include "report/model.h"
#include "report/time.h"
#include "report/walk.h"

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
	if (inc->kind == INCIDENT_USERSPACE)
		para(o, "At each `process_mrelease()` call that found the victim's `mmap_lock` "
			"busy, the lock was read as the call entered: its owner and the tasks "
			"queued on it (the Attempts column numbers the calls). A writer queued "
			"behind a reader makes every new reader wait, the call's included.");
	else
		para(o, "At each failed trylock the victim's `mmap_lock` was read: its owner and "
			"the tasks queued on it. A writer queued behind a reader makes every new "
			"reader wait, the reaper's trylock included.");
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

/* The kernel's kill: who triggered the OOM, its OOM event and context. */
static void oom_facts(struct report_out *o, const struct oomreap_incident *inc)
{
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
	report__oom_context(o, &inc->ctx);
	row_end(o);
}

/* A userspace killer's kill: who, how, and the cgroup.kill write it was part of. */
static void userspace_facts(struct report_out *o, const struct oomreap_incident *inc)
{
	const struct ukill_info *u = &inc->uk;

	row_key(o, "Killed by", false);
	code(o, u->killer_name, sizeof(u->killer_name));
	fprintf(o->f, " (pid %u, comm ", u->killer_tgid);
	code(o, u->killer_comm, sizeof(u->killer_comm));
	report__put(o, u->recognised_by == OOMREAP_KILLER_BY_CGROUP ? ", cgroup " : ", exe ");
	code(o, u->killer_exe, sizeof(u->killer_exe));
	fprintf(o->f, ") via %s", method__name(u->method));
	row_end(o);
	row_key(o, "Kill event", false);
	if (!u->write_id) {
		report__say(o, "its own (a signal to one process)");
	} else {
		fprintf(o->f, "%" PRIu64 ", victim %u: one write to ", u->write_id, u->write_victim);
		if (u->target_known) {
			code(o, u->target_cgroup, sizeof(u->target_cgroup));
			report__say(o, u->target_truncated ? "'s cgroup.kill (path cut)"
							   : "'s cgroup.kill");
		} else {
			report__say(o, "a cgroup.kill the tracer could not name");
		}
	}
	row_end(o);
}

/* What the oom_reaper freed and how often it tried. */
static void reaper_facts(struct report_out *o, const struct oomreap_incident *inc,
			 const struct render_ctx *rc)
{
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
	if (incident__named(inc)) {
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
	if (inc->kind == INCIDENT_USERSPACE) {
		userspace_facts(o, inc);
	} else {
		oom_facts(o, inc);
	}
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
	/* a userspace kill has no oom_reaper: its calls are in "What happened" */
	if (inc->kind != INCIDENT_USERSPACE)
		reaper_facts(o, inc, rc);
	timefmt__duration(d, sizeof(d), incident__done_ns(inc));
	kvf(o, false, "Over after", "%s", d);
	table_close(o);
}

void report__incident(struct report_out *o, const struct report *r, size_t num,
		     const struct oomreap_incident *inc, const struct kmsg_log *k)
{
	const struct render_ctx *rc = &r->rc;
	uint64_t base = incident__start_ns(inc); /* the kill, else the first thing seen */

	if (o->m->incident_open)
		o->m->incident_open(o->f, num);
	o->m->heading_open(o->f, 2);
	fprintf(o->f, "Incident %zu: ", num);
	if (incident__named(inc))
		code(o, inc->comm, sizeof(inc->comm));
	else
		report__put(o, "unknown victim");
	fprintf(o->f, " (pid %u): %s", inc->pid,
		inc->ended_unseen && inc->outcome_from_log
			? (inc->outcome == OUTCOME_GAVE_UP
				   ? "the reaper gave up (its end unseen; the kernel log says so)"
				   : "reaped (its end unseen; the kernel log says so)")
		: inc->ended_unseen ? "closed with its end unseen (events lost)"
		: inc->evicted && inc->outcome == OUTCOME_OPEN
			? "closed early while still open (--max-open reached)"
			: outcome_title((uint8_t)inc->outcome));
	o->m->heading_close(o->f, 2);

	incident_facts(o, inc, rc, base);
	if (o->m->timeline && inc->timeline_len)
		o->m->timeline(o->f, inc, rc, num);
	heading(o, 3, "What happened");
	report__explain_to(o, inc, rc);
	/*
	 * a group kill's report is its event's, shown once above its victims;
	 * a userspace killer's kill has no OOM report at all
	 */
	if (inc->kind != INCIDENT_USERSPACE &&
	    !(inc->oom_event.id && inc->oom_event.group_kill == GROUP_KILL_YES))
		report__what_filled(o, &inc->ctx, rc);
	blockers(o, inc, rc);
	timeline(o, inc, rc, base);
	kmsg(o, k, inc, base);
	if (o->m->incident_close)
		o->m->incident_close(o->f);
}
