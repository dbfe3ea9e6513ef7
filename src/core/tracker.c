// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tracker: one state machine per OOM victim.  See tracker.h for the
 * contract; the rules below follow mm/oom_kill.c:
 *
 *   kill --(2 s timer, 5.18+)--> wake --> attempt 1..10
 *   attempt = skip (trylock failed | MMF_OOM_SKIP) or start..finish
 *
 * An incident ends when the kernel's loop ends: a finish that reaped all
 * (or, without the fexit result, one not followed by a retry within
 * REAPER_RETRY_LINGER_NS), an MMF_OOM_SKIP skip, the 10th failed attempt
 * (for an incomplete incident, which cannot count them: REAPER_SILENCE_NS
 * without another), or the victim releasing its mm before the reaper came.
 *
 * This file holds the incidents (slots, index, deadlines, closing), kills
 * and exits; the reaper's loop is tracker_reap.c, userspace killers
 * tracker_uk.c, the RSS reading tracker_rss.c (tracker_impl.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/tracker.h"
#include "core/tracker_impl.h"

static uint32_t seq_hash(uint64_t seq)
{
	seq ^= seq >> 33;
	seq *= 0xff51afd7ed558ccdull;
	seq ^= seq >> 33;
	return (uint32_t)seq;
}

static void seq_index_add(struct tracker *t, uint64_t seq, uint32_t idx)
{
	uint32_t h = seq_hash(seq) & t->seq_mask;

	while (t->seq_index[h])
		h = (h + 1) & t->seq_mask;
	t->seq_index[h] = idx + 1;
}

/* Backward-shift deletion keeps probe chains whole without tombstones. */
static void seq_index_del(struct tracker *t, uint64_t seq)
{
	uint32_t h = seq_hash(seq) & t->seq_mask, j, k;

	while (t->seq_index[h] && t->slots[t->seq_index[h] - 1].victim_seq != seq)
		h = (h + 1) & t->seq_mask;
	if (!t->seq_index[h])
		return;
	t->seq_index[h] = 0;
	for (j = (h + 1) & t->seq_mask; t->seq_index[j]; j = (j + 1) & t->seq_mask) {
		k = seq_hash(t->slots[t->seq_index[j] - 1].victim_seq) & t->seq_mask;
		/* move j back to h unless its home k lies cyclically in (h, j] */
		if ((j > h && (k <= h || k > j)) || (j < h && (k <= h && k > j))) {
			t->seq_index[h] = t->seq_index[j];
			t->seq_index[j] = 0;
			h = j;
		}
	}
}

const char *outcome__name(enum oomreap_outcome o)
{
	static const char *const names[OUTCOME_NR] = {
		[OUTCOME_OPEN] = "open",
		[OUTCOME_REAPED] = "reaped",
		[OUTCOME_GAVE_UP] = "gave_up",
		[OUTCOME_VICTIM_EXITED] = "victim_exited",
		[OUTCOME_PARTIAL] = "partial",
		[OUTCOME_MRELEASED] = "mreleased",
		[OUTCOME_MRELEASE_FAILED] = "mrelease_failed",
	};

	return (unsigned)o < OUTCOME_NR ? names[o] : "unknown";
}

const char *mrelease_err__name(unsigned e)
{
	static const char *const names[MREL_ERR_NR] = {
		[MREL_ERR_EINVAL] = "EINVAL", [MREL_ERR_EAGAIN] = "EAGAIN",
		[MREL_ERR_EINTR] = "EINTR",   [MREL_ERR_EBADF] = "EBADF",
		[MREL_ERR_OTHER] = "other",
	};

	return e < MREL_ERR_NR ? names[e] : "unknown";
}

unsigned mrelease_err__of(int64_t ret)
{
	switch (ret) {
	case -EINVAL:
		return MREL_ERR_EINVAL;
	case -EAGAIN:
		return MREL_ERR_EAGAIN;
	case -EINTR:
		return MREL_ERR_EINTR;
	case -EBADF:
		return MREL_ERR_EBADF;
	case -ESRCH:
		return MREL_ERR_NR;
	default:
		return MREL_ERR_OTHER;
	}
}

const char *incident_kind__name(uint8_t kind)
{
	return kind == INCIDENT_USERSPACE ? "userspace" : "kernel_oom";
}

struct tracker *tracker__new(const struct tracker_opts *opts)
{
	struct tracker *t = calloc(1, sizeof(*t));
	uint32_t i;

	if (!t)
		return NULL;
	t->opts = *opts;
	t->nslots = opts->max_open ? opts->max_open : DEFAULT_MAX_OPEN;
	t->slots = calloc(t->nslots, sizeof(*t->slots));
	t->open = calloc(t->nslots, sizeof(*t->open));
	t->free_stack = calloc(t->nslots, sizeof(*t->free_stack));
	for (t->seq_mask = 1; t->seq_mask < 2 * t->nslots; t->seq_mask <<= 1)
		;
	t->seq_index = calloc(t->seq_mask, sizeof(*t->seq_index));
	t->seq_mask--;
	t->earliest_deadline = UINT64_MAX;
	t->learned_basis = -1;
	t->release_basis = (int8_t)rss_basis__of_release(opts->kernel_release);
	t->opts.kernel_release = NULL; /* only its verdict is kept: the string is the caller's */
	if (!t->slots || !t->open || !t->free_stack || !t->seq_index) {
		tracker__free(t);
		return NULL;
	}
	for (i = 0; i < t->nslots; i++)
		t->free_stack[i] = t->nslots - 1 - i;
	t->nfree = t->nslots;
	return t;
}

void tracker__free(struct tracker *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t->open);
	free(t->free_stack);
	free(t->seq_index);
	free(t);
}

const struct tracker_stats *tracker__stats(const struct tracker *t)
{
	return &t->stats;
}

uint32_t tracker__open_count(const struct tracker *t)
{
	return t->nopen;
}

uint32_t tracker__open_blockers(const struct tracker *t)
{
	uint32_t i, n = 0;

	for (i = 0; i < t->nopen; i++)
		n += t->slots[t->open[i]].nblockers > 0;
	return n;
}

/*
 * The outcome of an incident that must end before its deadline (evicted,
 * or tracing stops): the deadline's, unless that one is only a guess.
 */
static enum oomreap_outcome outcome_now(const struct oomreap_incident *inc)
{
	return inc->deadline_ns && !inc->deadline_guess ? inc->deadline_outcome : OUTCOME_OPEN;
}

static void close_incident(struct tracker *t, uint32_t open_pos, enum oomreap_outcome outcome,
			   uint64_t when)
{
	uint32_t idx = t->open[open_pos];
	struct oomreap_incident *inc = &t->slots[idx];

	if (!inc->have_identity && inc->victim_seq && t->restart_continued &&
	    t->restart_continued(inc, t->restart_ctx))
		t->stats.continued_unsaved++;
	if (!inc->have_identity && !inc->kill_ns && !inc->identity_from_log && t->opts.on_join)
		t->opts.on_join(inc, t->opts.ctx);
	trk__apply_rss_basis(t, inc);
	if (inc->exit_begun_unseen && inc->ended_unseen) {
		/*
		 * Its exit began before its kill and never reached us, and
		 * nothing else ended it.  Closed by its own rules first (the
		 * reaper's loop), it says nothing of an exit that may yet come.
		 */
		inc->exit_unseen = true;
		inc->incomplete = true;
		t->stats.exits_unseen++;
	}
	/*
	 * Events were lost and its end with them: the kernel's own line says
	 * how the reaper's loop ended, if it printed one.  (A reap whose
	 * finish was lost freed what nobody read.)
	 */
	if (outcome == OUTCOME_OPEN && inc->incomplete && inc->kind != INCIDENT_USERSPACE &&
	    t->opts.reaper_verdict) {
		uint64_t at = 0;
		enum oomreap_outcome v = t->opts.reaper_verdict(inc, t->opts.ctx, &at);

		if (v == OUTCOME_GAVE_UP || v == OUTCOME_REAPED) {
			outcome = v;
			when = at;
			inc->outcome_from_log = true;
			if (v == OUTCOME_REAPED)
				inc->freed_unread = true;
		}
	}
	inc->outcome = outcome;
	inc->closed_ns = when;
	inc->deadline_ns = 0;
	t->stats.incidents_closed[outcome]++;
	if (inc->victim_seq) {
		t->closed_seqs[t->closed_next] = inc->victim_seq;
		t->closed_next = (t->closed_next + 1) % RECENTLY_CLOSED;
	}
	if (t->opts.on_close)
		t->opts.on_close(inc, t->opts.ctx);
	if (inc->victim_seq)
		seq_index_del(t, inc->victim_seq);
	inc->in_use = false;
	t->open[open_pos] = t->open[--t->nopen];
	t->slots[t->open[open_pos]].open_pos = open_pos;
	t->free_stack[t->nfree++] = idx;
}

void trk__close_inc(struct tracker *t, struct oomreap_incident *inc,
		    enum oomreap_outcome outcome, uint64_t when)
{
	if (inc->in_use)
		close_incident(t, inc->open_pos, outcome, when);
}

bool trk__recently_closed(const struct tracker *t, uint64_t seq)
{
	uint32_t i;

	for (i = 0; i < RECENTLY_CLOSED; i++)
		if (seq && t->closed_seqs[i] == seq)
			return true;
	return false;
}

struct oomreap_incident *trk__find_by_seq(struct tracker *t, uint64_t seq)
{
	uint32_t h;

	if (!seq)
		return NULL;
	for (h = seq_hash(seq) & t->seq_mask; t->seq_index[h]; h = (h + 1) & t->seq_mask)
		if (t->slots[t->seq_index[h] - 1].victim_seq == seq)
			return &t->slots[t->seq_index[h] - 1];
	return NULL;
}

/* Newest open incident of this thread (pid) or process (tgid). */
struct oomreap_incident *trk__find_by_id(struct tracker *t, uint32_t pid, uint32_t tgid)
{
	struct oomreap_incident *best = NULL;
	uint32_t i;

	for (i = 0; i < t->nopen; i++) {
		struct oomreap_incident *inc = &t->slots[t->open[i]];

		if ((pid && inc->pid == pid) || (tgid && inc->tgid == tgid))
			if (!best || inc->kill_ns > best->kill_ns)
				best = inc;
	}
	return best;
}

struct oomreap_incident *trk__new_incident(struct tracker *t,
					   const struct oomreap_event_header *h)
{
	struct oomreap_incident *inc;
	uint32_t idx;

	if (!t->nfree) {
		/* Full: report the oldest incident as it stands, never drop it. */
		struct oomreap_incident *old;
		uint32_t i, oldest = 0;

		for (i = 1; i < t->nopen; i++)
			if (t->slots[t->open[i]].kill_ns < t->slots[t->open[oldest]].kill_ns)
				oldest = i;
		old = &t->slots[t->open[oldest]];
		old->evicted = true;
		t->stats.evictions++;
		/* one only waiting out a deadline already knows its outcome */
		if (outcome_now(old) != OUTCOME_OPEN)
			close_incident(t, oldest, old->deadline_outcome, old->deadline_stamp_ns);
		else
			close_incident(t, oldest, OUTCOME_OPEN, h->ts_ns);
	}
	idx = t->free_stack[--t->nfree];
	inc = &t->slots[idx];
	memset(inc, 0, sizeof(*inc));
	inc->log_basis = -1;
	/* until its kill is seen, nothing ties the kernel log to it */
	oom_context__missing(&inc->ctx, CTX_WHY_NO_TASK);
	inc->in_use = true;
	inc->victim_seq = h->victim_seq;
	inc->pid = h->pid;
	inc->tgid = h->tgid;
	inc->source = h->source;
	inc->cgroup_hierarchy = -1;
	inc->last_reap_ret = -1;
	inc->constraint = OOMREAP_CONSTRAINT_UNKNOWN;
	inc->opened_ns = inc->last_event_ns = h->ts_ns;
	inc->first_seen = h->type;
	inc->open_pos = t->nopen;
	t->open[t->nopen++] = idx;
	/*
	 * A loss counted before this event was read, but that could have
	 * happened after it: the incident was open then (tracker__note_lost).
	 * Its loss deadline is armed after the event's own rules.
	 */
	if (h->ts_ns && h->ts_ns <= t->lost_by_ns)
		inc->incomplete = inc->saw_loss = true;
	if (h->ts_ns && h->ts_ns <= t->missed_by_ns)
		inc->incomplete = inc->saw_loss = inc->runs_missed = true;
	if (inc->victim_seq)
		seq_index_add(t, inc->victim_seq, idx);
	t->stats.incidents_opened++;
	return inc;
}

void trk__timeline_add(struct oomreap_incident *inc, const struct oomreap_event_header *h,
		       const struct oomreap_mm_snapshot *mm, const __s64 *sum,
		       uint16_t skip_reason, int32_t reap_ret)
{
	struct timeline_entry *te;
	int i;

	if (h->ts_ns > inc->last_event_ns)
		inc->last_event_ns = h->ts_ns;
	if (inc->timeline_len >= TIMELINE_MAX) {
		inc->timeline_dropped++;
		return;
	}
	te = &inc->timeline[inc->timeline_len++];
	te->ts_ns = h->ts_ns;
	te->type = (uint16_t)h->type;
	te->skip_reason = skip_reason;
	te->reap_ret = reap_ret;
	for (i = 0; i < OOMREAP_RSS_NR; i++)
		te->rss_pages[i] = (mm && (mm->snap_flags & OOMREAP_SNAP_VALID))
					   ? (int64_t)rss__clamp(mm->rss_pages[i])
					   : -1;
	for (i = 0; i < OOMREAP_RSS_NR; i++)
		te->rss_sum[i] = rss__has_sum(mm) ? (int64_t)rss__clamp(sum[i]) : -1;
}

static void apply_context(struct oomreap_incident *inc, const struct oomreap_oom_context_event *c)
{
	inc->have_context = true;
	inc->constraint = c->constraint;
	inc->order = c->order;
	inc->totalpages = c->totalpages;
	inc->domain_cgroup_id = c->domain_cgroup_id;
	memcpy(inc->domain_cgroup_path, c->domain_cgroup_path, sizeof(inc->domain_cgroup_path));
}

/*
 * The kill's incident, opened (or found, when later events came first) and
 * given the victim's identity and memory at the kill; NULL for the same
 * kill twice.
 */
static struct oomreap_incident *kill_open(struct tracker *t, const struct oomreap_kill_event *k)
{
	struct oomreap_incident *inc = trk__find_by_seq(t, k->hdr.victim_seq);
	uint32_t i;

	if (inc && inc->kill_ns) {
		t->stats.orphan_events++; /* the same kill twice: ignore */
		return NULL;
	}
	if (!inc)
		inc = trk__new_incident(t, &k->hdr);
	else
		inc->incomplete = inc->saw_loss; /* later events came first; now whole */
	if (!inc->incomplete && inc->loss_wait) {
		inc->deadline_ns = 0; /* whole after all: its own rules end it */
		inc->loss_wait = false;
	}
	inc->pid = k->hdr.pid;
	inc->tgid = k->hdr.tgid;
	inc->source = k->hdr.source;
	inc->kill_ns = k->hdr.ts_ns;
	inc->have_identity = k->kill_flags & OOMREAP_KILL_HAVE_TASK;
	memcpy(inc->comm, k->comm, sizeof(inc->comm));
	inc->uid = k->uid;
	inc->oom_score_adj = k->oom_score_adj;
	inc->trigger_pid = k->trigger_pid;
	inc->trigger_tgid = k->trigger_tgid;
	memcpy(inc->trigger_comm, k->trigger_comm, sizeof(inc->trigger_comm));
	inc->cgroup_id = k->cgroup_id;
	inc->cgroup_hierarchy = inc->have_identity ? k->cgroup_hierarchy : -1;
	inc->cgroup_truncated = k->kill_flags & OOMREAP_KILL_CGROUP_TRUNC;
	memcpy(inc->cgroup_path, k->cgroup_path, sizeof(inc->cgroup_path));
	if (!inc->have_identity)
		inc->cgroup_path[0] = 0;
	if (k->mm.snap_flags & OOMREAP_SNAP_VALID) {
		inc->have_rss_at_kill = true;
		for (i = 0; i < OOMREAP_RSS_NR; i++)
			inc->rss_at_kill_pages[i] = rss__clamp(k->mm.rss_pages[i]);
		inc->have_rss_sum_at_kill = rss__has_sum(&k->mm);
		for (i = 0; i < OOMREAP_RSS_NR; i++)
			inc->rss_sum_at_kill_pages[i] =
				inc->have_rss_sum_at_kill ? rss__clamp(k->rss_sum[i]) : 0;
		inc->total_vm_pages = k->total_vm_pages;
		inc->pgtables_bytes = k->pgtables_bytes;
	}
	return inc;
}

/*
 * The OOM context: oom_control's (the OOM_CONTEXT event just before, from
 * the same trigger), then the kernel log's report through opts.on_kill,
 * joined first because it may name the OOM domain.
 */
static void kill_context(struct tracker *t, struct oomreap_incident *inc,
			 const struct oomreap_kill_event *k)
{
	if (t->have_ctx && t->last_ctx.trigger_pid == k->trigger_pid &&
	    k->hdr.ts_ns >= t->last_ctx.hdr.ts_ns &&
	    k->hdr.ts_ns - t->last_ctx.hdr.ts_ns < CONTEXT_WINDOW_NS)
		apply_context(inc, &t->last_ctx);
	oom_context__missing(&inc->ctx, CTX_WHY_LOG_NOT_READ);
	if (!inc->have_identity)
		oom_context__missing(&inc->ctx, CTX_WHY_NO_TASK);
	if (inc->have_context)
		oom_context__from_control(&inc->ctx, inc->constraint, inc->order, inc->totalpages,
					  inc->domain_cgroup_id, inc->domain_cgroup_path);
	if (t->opts.on_kill && inc->have_identity)
		t->opts.on_kill(inc, t->opts.ctx);
}

/*
 * Which OOM event (one oom_kill_process() call) the kill belongs to.  One
 * invocation, one context: the kernel reports the chosen victim only, and
 * what it says holds for every victim of the group kill.
 */
static void kill_event(struct tracker *t, struct oomreap_incident *inc,
		       const struct oomreap_kill_event *k)
{
	oom_events__assign(&t->oom_events, k,
			   inc->ctx.src[CTXF_DOMAIN] != CTX_SRC_NONE && !inc->ctx.global
				   ? inc->ctx.domain
				   : NULL,
			   t->ctx_gen, &inc->oom_event);
	if (inc->oom_event.index == 1) {
		t->event_ctx = inc->ctx;
		t->event_ctx_id = inc->oom_event.id;
	} else if (inc->oom_event.id && inc->oom_event.id == t->event_ctx_id) {
		oom_context__inherit(&inc->ctx, &t->event_ctx);
	}
}

/*
 * The victim's exit, where it came before its kill: seen on another CPU
 * just before (an orphan), or unmarked because its last thread was exiting
 * already.  Applying it may close inc.
 */
static void kill_held_exit(struct tracker *t, struct oomreap_incident *inc,
			   const struct oomreap_kill_event *k)
{
	uint32_t i;

	for (i = 0; i < ORPHAN_EXITS; i++) {
		const struct oomreap_exit_event *x = &t->orphans[i];

		if (!t->orphan_used[i] || x->hdr.tgid != inc->tgid || !inc->tgid)
			continue;
		if (x->hdr.victim_seq && x->hdr.victim_seq != inc->victim_seq)
			continue; /* another victim that had the same tgid */
		if (x->hdr.ts_ns + ORPHAN_WINDOW_NS < inc->kill_ns ||
		    x->hdr.ts_ns > inc->kill_ns + ORPHAN_WINDOW_NS)
			continue;
		t->orphan_used[i] = false;
		t->stats.orphan_events--; /* counted when held; it found its incident */
		trk__apply_exit(t, inc, x);
		return; /* apply_exit may have closed inc */
	}
	if (!(k->kill_flags & OOMREAP_KILL_EXIT_BEGUN))
		return;
	/* Its last thread was exiting already: its exit may have come unmarked. */
	for (i = 0; i < UNMARKED_EXITS; i++) {
		const struct oomreap_exit_event *x = &t->unmarked[i];

		if (!t->unmarked_used[i] || x->hdr.tgid != inc->tgid || !inc->tgid)
			continue;
		if (x->hdr.victim_seq && x->hdr.victim_seq != inc->victim_seq)
			continue;
		if (x->hdr.ts_ns + UNMARKED_WINDOW_NS < inc->kill_ns ||
		    x->hdr.ts_ns > inc->kill_ns + ORPHAN_WINDOW_NS)
			continue;
		t->unmarked_used[i] = false;
		t->stats.exits_before_kill++;
		trk__apply_exit(t, inc, x);
		return;
	}
	/*
	 * Not here: it may still come (before 6.18 the exit event fires
	 * after exit_mm(), which can wait), or it was lost (a run the kernel
	 * skipped, a full buffer, an exit_group() already under way when the
	 * OOM killer chose it).  Until it comes the incident may never see
	 * its end: the loss deadline's wait, unless its own rules end it
	 * first (arm_loss_deadline, close_incident).
	 */
	inc->exit_begun_unseen = true;
}

static void on_kill(struct tracker *t, const struct oomreap_kill_event *k)
{
	struct oomreap_incident *inc = kill_open(t, k);

	if (!inc)
		return;
	kill_context(t, inc, k);
	kill_event(t, inc, k);
	trk__timeline_add(inc, &k->hdr, &k->mm, k->rss_sum, 0, 0);
	kill_held_exit(t, inc, k);
}

/*
 * Close at `deadline` unless more events come; the incident is stamped as
 * ended at `stamp` (the event that ended it, not the time we gave up
 * waiting for another).
 */
void trk__set_deadline(struct tracker *t, struct oomreap_incident *inc, uint64_t deadline,
		       uint64_t stamp, enum oomreap_outcome outcome)
{
	if (deadline < t->earliest_deadline)
		t->earliest_deadline = deadline;
	inc->deadline_ns = deadline;
	inc->deadline_stamp_ns = stamp;
	inc->deadline_outcome = outcome;
	inc->deadline_guess = false;
	inc->loss_wait = false;
	inc->settling = false;
}

/*
 * An incomplete incident with nothing else to wait for (or one whose kill
 * said its exit had begun, that exit unseen): its closing event may have
 * been lost, so it closes when none of its events came for a
 * while (LOSS_SILENCE_NS).  Only a guess: any event of its own re-arms it,
 * and tracing stopping before then leaves it open.
 */
static void arm_loss_deadline(struct tracker *t, struct oomreap_incident *inc)
{
	uint64_t base = inc->kill_ns ? inc->kill_ns : inc->opened_ns;
	uint64_t at = base + LOSS_WAIT_AFTER_KILL_NS;
	/*
	 * A userspace victim not seen dying waits UK_OPEN_NS for its death
	 * (a handled SIGTERM): its own rule, but one a lost exit would
	 * stretch to that wait and close as a plain "open".  The loss
	 * deadline replaces it when sooner.
	 */
	bool uk_death_wait = inc->kind == INCIDENT_USERSPACE && !inc->exited &&
			     inc->deadline_outcome == OUTCOME_OPEN;

	if (!inc->in_use || !(inc->incomplete || inc->exit_begun_unseen) ||
	    (inc->deadline_ns && !inc->loss_wait && !uk_death_wait))
		return;
	if (inc->last_event_ns + LOSS_SILENCE_NS > at)
		at = inc->last_event_ns + LOSS_SILENCE_NS;
	if (uk_death_wait && inc->deadline_ns && !inc->loss_wait && at >= inc->deadline_ns)
		return;
	trk__set_deadline(t, inc, at, inc->last_event_ns, OUTCOME_OPEN);
	inc->deadline_guess = true;
	inc->loss_wait = true;
}

void trk__apply_exit(struct tracker *t, struct oomreap_incident *inc,
		     const struct oomreap_exit_event *x)
{
	uint64_t end;

	trk__timeline_add(inc, &x->hdr, &x->mm, x->rss_sum, 0, 0);
	if (!x->group_dead)
		return;
	if (inc->exit_begun_unseen) {
		inc->exit_begun_unseen = false;
		if (!inc->incomplete && inc->loss_wait) {
			inc->deadline_ns = 0; /* whole after all: its own rules end it */
			inc->loss_wait = false;
		}
	}
	inc->exited = true;
	if (!inc->exit_ns)
		inc->exit_ns = x->hdr.ts_ns;
	inc->mm_released_by_exit = x->mm_released;
	if (inc->kind == INCIDENT_USERSPACE) {
		trk__uk_exit(t, inc, x);
		return;
	}
	if (inc->mm_gone) {
		/* the reaper's loop ended first (see OOMREAP_SKIP_MM_GONE) */
		trk__close_inc(t, inc, OUTCOME_VICTIM_EXITED, x->hdr.ts_ns);
		return;
	}
	/* an exit that came before its kill ends the incident at the kill */
	end = x->hdr.ts_ns > inc->kill_ns ? x->hdr.ts_ns : inc->kill_ns;
	if (inc->wake_ns || inc->attempts)
		return; /* the reaper is on it and will end its own loop */
	if (x->mm_released) {
		trk__close_inc(t, inc, OUTCOME_VICTIM_EXITED, end);
	} else {
		/* Another process shares the mm: the reaper may still come. */
		uint64_t wait = inc->kill_ns + REAPER_WAIT_AFTER_KILL_NS;

		trk__set_deadline(t, inc, wait > end ? wait : end, end, OUTCOME_VICTIM_EXITED);
	}
}

/*
 * Keep an unmarked exit for UNMARKED_WINDOW_NS: in a free slot, else one
 * whose window is over, else the oldest (a victim's exit lost that way
 * leaves its kill flagged OOMREAP_KILL_EXIT_BEGUN with nothing to match:
 * counted as an exit unseen).
 */
static void hold_unmarked(struct tracker *t, const struct oomreap_exit_event *x)
{
	uint32_t i, slot = t->unmarked_next;

	for (i = 0; i < UNMARKED_EXITS; i++) {
		if (!t->unmarked_used[i] ||
		    t->unmarked[i].hdr.ts_ns + UNMARKED_WINDOW_NS < x->hdr.ts_ns) {
			slot = i;
			break;
		}
	}
	if (slot == t->unmarked_next)
		t->unmarked_next = (t->unmarked_next + 1) % UNMARKED_EXITS;
	t->unmarked[slot] = *x;
	t->unmarked_used[slot] = true;
}

/*
 * The open incident of an unmarked exit that comes after its kill without
 * its victim_seq.  Only the function rungs do that: their kill program
 * runs at the entry of mark_oom_victim(), before oom_mm is set, and,
 * preemptible, may not have stored the victim yet when the exit program
 * looked it up on another CPU.  Its process, killed within the window,
 * has not exited yet: it is this one (another process with its pid
 * would need the pid space to wrap in between).
 */
static struct oomreap_incident *waiting_for_exit(struct tracker *t,
						 const struct oomreap_exit_event *x)
{
	uint32_t i;

	if (x->hdr.victim_seq || !x->hdr.tgid)
		return NULL;
	for (i = 0; i < t->nopen; i++) {
		struct oomreap_incident *inc = &t->slots[t->open[i]];

		if (!inc->exited && inc->kill_ns && inc->tgid == x->hdr.tgid &&
		    x->hdr.ts_ns + UNMARKED_WINDOW_NS >= inc->kill_ns &&
		    x->hdr.ts_ns <= inc->kill_ns + UNMARKED_WINDOW_NS)
			return inc;
	}
	return NULL;
}

static void on_exit_event(struct tracker *t, const struct oomreap_exit_event *x)
{
	struct oomreap_incident *inc = trk__find_by_seq(t, x->hdr.victim_seq);

	if (!inc && x->hdr.victim_seq && trk__recently_closed(t, x->hdr.victim_seq)) {
		t->stats.orphan_events++;
		return;
	}
	if (!inc && (x->exit_flags & OOMREAP_EXIT_UNMARKED)) {
		inc = waiting_for_exit(t, x);
		if (!inc) {
			hold_unmarked(t, x);
			return;
		}
		t->stats.exits_before_kill++;
	}
	if (!inc && !x->hdr.victim_seq)
		inc = trk__find_by_id(t, 0, x->hdr.tgid);
	if (!inc) {
		/* Maybe its kill is still in flight from another CPU. */
		t->orphans[t->orphan_next] = *x;
		t->orphan_used[t->orphan_next] = true;
		t->orphan_next = (t->orphan_next + 1) % ORPHAN_EXITS;
		t->stats.orphan_events++;
		if (x->hdr.ts_ns + ORPHAN_WINDOW_NS > t->orphan_wait_ns)
			t->orphan_wait_ns = x->hdr.ts_ns + ORPHAN_WINDOW_NS;
		return;
	}
	trk__apply_exit(t, inc, x);
}

void tracker__advance(struct tracker *t, uint64_t now_ns)
{
	uint64_t earliest = UINT64_MAX;
	uint32_t i = 0;

	if (t->orphan_wait_ns && now_ns >= t->orphan_wait_ns)
		t->orphan_wait_ns = 0;
	if (now_ns < t->earliest_deadline)
		return;
	while (i < t->nopen) {
		struct oomreap_incident *inc = &t->slots[t->open[i]];

		if (inc->deadline_ns && inc->deadline_ns <= now_ns) {
			inc->ended_unseen = inc->loss_wait;
			close_incident(t, i, inc->deadline_outcome, inc->deadline_stamp_ns);
			continue; /* slot i now holds another incident */
		}
		if (inc->deadline_ns && inc->deadline_ns < earliest)
			earliest = inc->deadline_ns;
		i++;
	}
	t->earliest_deadline = earliest;
}

uint64_t tracker__next_deadline(const struct tracker *t)
{
	if (t->orphan_wait_ns && t->orphan_wait_ns < t->earliest_deadline)
		return t->orphan_wait_ns;
	return t->earliest_deadline;
}

int tracker__feed(struct tracker *t, const void *event, size_t size)
{
	if (event__validate(event, size) < 0) {
		t->stats.invalid_events++;
		return -EINVAL;
	}
	tracker__feed_checked(t, event);
	return 0;
}

void tracker__feed_checked(struct tracker *t, const void *event)
{
	const struct oomreap_event_header *h = event;

	t->stats.events++;
	tracker__advance(t, h->ts_ns);
	switch (h->type) {
	case OOMREAP_EV_KILL:
		on_kill(t, event);
		break;
	case OOMREAP_EV_OOM_CONTEXT:
		memcpy(&t->last_ctx, event, sizeof(t->last_ctx));
		t->have_ctx = true;
		t->ctx_gen++;
		break;
	case OOMREAP_EV_VICTIM_EXIT:
		on_exit_event(t, event);
		break;
	case OOMREAP_EV_BLOCKER:
		trk__on_blocker(t, event);
		break;
	case OOMREAP_EV_UKILL:
		trk__on_ukill(t, event);
		break;
	case OOMREAP_EV_MRELEASE:
		trk__on_mrelease(t, event);
		break;
	default:
		trk__on_reap_event(t, event);
		break;
	}
	/* after its own rules: an incomplete incident left with no deadline waits for its loss one */
	if (h->type != OOMREAP_EV_OOM_CONTEXT) {
		struct oomreap_incident *inc = trk__find_by_seq(t, h->victim_seq);

		if (inc)
			arm_loss_deadline(t, inc);
	}
}

void tracker__note_lost(struct tracker *t, uint64_t lost_total, uint64_t by_ns)
{
	uint32_t i;

	if (lost_total <= t->stats.lost_events)
		return;
	t->stats.lost_events = lost_total;
	if (by_ns > t->lost_by_ns)
		t->lost_by_ns = by_ns;
	for (i = 0; i < t->nopen; i++) {
		t->slots[t->open[i]].incomplete = true;
		t->slots[t->open[i]].saw_loss = true;
		arm_loss_deadline(t, &t->slots[t->open[i]]);
	}
}

void tracker__note_missed(struct tracker *t, const struct runs_missed *m, uint64_t by_ns)
{
	uint64_t before = missed__total(&t->stats.missed);
	uint32_t i;

	t->stats.missed = *m;
	if (missed__total(m) <= before)
		return;
	if (by_ns > t->missed_by_ns)
		t->missed_by_ns = by_ns;
	for (i = 0; i < t->nopen; i++) {
		struct oomreap_incident *inc = &t->slots[t->open[i]];

		inc->incomplete = inc->saw_loss = inc->runs_missed = true;
		arm_loss_deadline(t, inc);
	}
}

void tracker__flush(struct tracker *t)
{
	while (t->nopen) {
		struct oomreap_incident *inc = &t->slots[t->open[t->nopen - 1]];
		enum oomreap_outcome o = outcome_now(inc);

		close_incident(t, t->nopen - 1, o, o != OUTCOME_OPEN ? inc->deadline_stamp_ns : 0);
	}
}

uint32_t tracker__hand_over(struct tracker *t,
			    bool (*fn)(const struct oomreap_incident *inc, void *ctx), void *ctx)
{
	uint32_t i = 0, n = 0;

	while (i < t->nopen) {
		uint32_t idx = t->open[i];
		struct oomreap_incident *inc = &t->slots[idx];

		if (!fn(inc, ctx)) {
			i++;
			continue;
		}
		if (inc->victim_seq)
			seq_index_del(t, inc->victim_seq);
		inc->in_use = false;
		t->open[i] = t->open[--t->nopen];
		t->slots[t->open[i]].open_pos = i;
		t->free_stack[t->nfree++] = idx;
		n++;
	}
	return n;
}

int tracker__take_over(struct tracker *t, const struct oomreap_incident *src)
{
	struct oomreap_incident *inc;
	uint32_t idx;

	if (!src->in_use || src->outcome != OUTCOME_OPEN)
		return -EINVAL;
	if (trk__find_by_seq(t, src->victim_seq))
		return -EEXIST;
	if (!t->nfree)
		return -ENOSPC;
	idx = t->free_stack[--t->nfree];
	inc = &t->slots[idx];
	*inc = *src;
	inc->open_pos = t->nopen;
	t->open[t->nopen++] = idx;
	if (inc->victim_seq)
		seq_index_add(t, inc->victim_seq, idx);
	if (inc->deadline_ns && inc->deadline_ns < t->earliest_deadline)
		t->earliest_deadline = inc->deadline_ns;
	t->stats.incidents_opened++;
	return 0;
}

void tracker__carry_get(const struct tracker *t, struct tracker_carry *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->closed_seqs, t->closed_seqs, sizeof(c->closed_seqs));
	c->closed_next = t->closed_next;
	c->learned_basis = t->learned_basis;
}

void tracker__carry_set(struct tracker *t, const struct tracker_carry *c)
{
	memcpy(t->closed_seqs, c->closed_seqs, sizeof(t->closed_seqs));
	t->closed_next = c->closed_next % RECENTLY_CLOSED;
	if (c->learned_basis >= -1 && c->learned_basis <= RSS_BASIS_SUM)
		t->learned_basis = c->learned_basis;
}

void tracker__set_restart_mark(struct tracker *t,
			       bool (*continued)(const struct oomreap_incident *inc, void *ctx),
			       void *ctx)
{
	t->restart_continued = continued;
	t->restart_ctx = ctx;
}
