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
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/event.h"
#include "core/tracker.h"

#define DEFAULT_MAX_OPEN 1024
#define ORPHAN_EXITS 16
/* An exit may be emitted on another CPU just before its kill event. */
#define ORPHAN_WINDOW_NS 100000000ull
/*
 * Unmarked exits (OOMREAP_EXIT_UNMARKED): SIGKILLed processes that were
 * no OOM victim yet when they exited.  Most are plain `kill -9`s; a few
 * are victims whose kill comes next (the killer was preempted between
 * its SIGKILL and the mark, PREEMPT_RT).  Held for the kill that says
 * its victim's exit had begun (OOMREAP_KILL_EXIT_BEGUN), within the
 * window, never counted as orphans: a slot is reused oldest first.
 */
#define UNMARKED_EXITS 64
#define UNMARKED_WINDOW_NS 1000000000ull
/* Victims of one oom_kill_process() call are marked within this window. */
#define CONTEXT_WINDOW_NS 1000000000ull
#define RECENTLY_CLOSED TRACKER_RECENTLY_CLOSED

struct tracker {
	struct tracker_opts opts;
	struct oomreap_incident *slots;
	uint32_t nslots;
	uint32_t *open;       /* indices of in-use slots, unordered */
	uint32_t nopen;
	uint32_t *free_stack; /* indices of free slots */
	uint32_t nfree;
	struct tracker_stats stats;
	struct oomreap_exit_event orphans[ORPHAN_EXITS];
	bool orphan_used[ORPHAN_EXITS];
	uint32_t orphan_next;
	struct oomreap_exit_event unmarked[UNMARKED_EXITS];
	bool unmarked_used[UNMARKED_EXITS];
	uint32_t unmarked_next;
	struct oomreap_oom_context_event last_ctx;
	bool have_ctx;
	uint64_t ctx_gen;     /* OOM_CONTEXT events seen: oom_kill_process() calls */
	struct oom_events oom_events;
	/* the OOM context of the current event's chosen victim, for its group's other victims */
	struct oom_context event_ctx;
	uint64_t event_ctx_id;
	uint64_t closed_seqs[RECENTLY_CLOSED];
	uint32_t closed_next;
	/* victim_seq -> slot index + 1 (0 = empty), linear probing */
	uint32_t *seq_index;
	uint32_t seq_mask;
	/* no deadline is earlier than this: lets most events skip the scan */
	uint64_t earliest_deadline;
	/* 0, or until when a held exit's kill may still come (tracker__next_deadline) */
	uint64_t orphan_wait_ns;
	/* the reading the kernel's log lines used, as the last decided victim showed; -1 */
	int8_t learned_basis;
	int8_t release_basis;     /* rss_basis__of_release() of the traced kernel, -1 unknown */
	/* tracker__set_restart_mark() */
	bool (*restart_continued)(const struct oomreap_incident *inc, void *ctx);
	void *restart_ctx;
};

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

/*
 * The outcome of an incident that must end before its deadline (evicted,
 * or tracing stops): the deadline's, unless that one is only a guess.
 */
static enum oomreap_outcome outcome_now(const struct oomreap_incident *inc)
{
	return inc->deadline_ns && !inc->deadline_guess ? inc->deadline_outcome : OUTCOME_OPEN;
}

const char *rss_basis__name(uint8_t basis)
{
	return basis == RSS_BASIS_SUM ? "sum" : "count";
}

const char *rss_basis_src__name(uint8_t src)
{
	static const char *const names[] = {
		[RSS_SRC_NO_SUM] = "no_sum",
		[RSS_SRC_KERNEL_LOG] = "kernel_log",
		[RSS_SRC_EARLIER_LOG] = "earlier_kernel_log",
		[RSS_SRC_DEFAULT] = "default",
		[RSS_SRC_KERNEL_RELEASE] = "kernel_release",
	};

	return src < sizeof(names) / sizeof(names[0]) ? names[src] : "unknown";
}

int rss_basis__judge(const uint64_t count_pages[OOMREAP_RSS_NR],
		     const uint64_t sum_pages[OOMREAP_RSS_NR], const uint64_t log_kb[3],
		     uint64_t page_size)
{
	/* the kernel's order: anon-rss, file-rss, shmem-rss */
	static const int idx[3] = { OOMREAP_RSS_ANON, OOMREAP_RSS_FILE, OOMREAP_RSS_SHMEM };
	uint64_t kb = page_size / 1024;
	bool count = true, sum = true;
	int i;

	if (!kb)
		return -1;
	for (i = 0; i < 3; i++) {
		/* K(x) = x << (PAGE_SHIFT - 10): no overflow for any real figure */
		count = count && count_pages[idx[i]] <= UINT64_MAX / kb &&
			count_pages[idx[i]] * kb == log_kb[i];
		sum = sum && sum_pages[idx[i]] <= UINT64_MAX / kb &&
		      sum_pages[idx[i]] * kb == log_kb[i];
	}
	if (count == sum)
		return -1;
	return count ? RSS_BASIS_COUNT : RSS_BASIS_SUM;
}

int rss_basis__of_release(const char *release)
{
	unsigned major, minor;

	if (!release || sscanf(release, "%u.%u", &major, &minor) != 2)
		return -1;
	return major >= 7 ? RSS_BASIS_SUM : RSS_BASIS_COUNT;
}

/*
 * Which reading the incident shows (enum rss_basis): the exact sums only
 * where every reading it shows has one (the kill's, and each reap's start
 * and finish), else the counts throughout, never a mix.  The sums where the
 * kernel's own line for this victim printed them, or, undecided, where an
 * earlier victim's did; the counts where it printed those; when no line
 * decides, what the kernel's release prints (rss_basis__of_release), and
 * the sums when even that is unknown.
 */
static void apply_rss_basis(struct tracker *t, struct oomreap_incident *inc)
{
	uint32_t i, j;

	inc->rss_basis = RSS_BASIS_COUNT;
	inc->rss_basis_src = RSS_SRC_NO_SUM;
	if (!inc->have_rss_sum_at_kill || inc->freed_sum_missing)
		return;
	/*
	 * The "Killed process" line comes right after the kill event, maybe
	 * after the kill was applied (a reader woken at once, -v): a last look.
	 */
	if (!inc->have_kill_log_rss && inc->have_identity && t->opts.before_close)
		t->opts.before_close(inc, t->opts.ctx);
	if (inc->have_kill_log_rss)
		inc->log_basis = (int8_t)rss_basis__judge(inc->rss_at_kill_pages,
							  inc->rss_sum_at_kill_pages,
							  inc->kill_log_rss_kb, t->opts.page_size);
	if (inc->log_basis >= 0) {
		inc->rss_basis = (uint8_t)inc->log_basis;
		inc->rss_basis_src = RSS_SRC_KERNEL_LOG;
		t->learned_basis = inc->log_basis;
	} else if (t->learned_basis >= 0) {
		inc->rss_basis = (uint8_t)t->learned_basis;
		inc->rss_basis_src = RSS_SRC_EARLIER_LOG;
	} else if (t->release_basis >= 0) {
		inc->rss_basis = (uint8_t)t->release_basis;
		inc->rss_basis_src = RSS_SRC_KERNEL_RELEASE;
	} else {
		inc->rss_basis = RSS_BASIS_SUM;
		inc->rss_basis_src = RSS_SRC_DEFAULT;
	}
	if (inc->rss_basis != RSS_BASIS_SUM)
		return;
	memcpy(inc->rss_at_kill_pages, inc->rss_sum_at_kill_pages, sizeof(inc->rss_at_kill_pages));
	memcpy(inc->freed_pages, inc->freed_sum_pages, sizeof(inc->freed_pages));
	for (i = 0; i < inc->timeline_len; i++)
		for (j = 0; j < OOMREAP_RSS_NR; j++)
			if (inc->timeline[i].rss_sum[j] >= 0)
				inc->timeline[i].rss_pages[j] = inc->timeline[i].rss_sum[j];
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
	apply_rss_basis(t, inc);
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

static void close_inc(struct tracker *t, struct oomreap_incident *inc,
		      enum oomreap_outcome outcome, uint64_t when)
{
	if (inc->in_use)
		close_incident(t, inc->open_pos, outcome, when);
}

static bool recently_closed(const struct tracker *t, uint64_t seq)
{
	uint32_t i;

	for (i = 0; i < RECENTLY_CLOSED; i++)
		if (seq && t->closed_seqs[i] == seq)
			return true;
	return false;
}

static struct oomreap_incident *find_by_seq(struct tracker *t, uint64_t seq)
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
static struct oomreap_incident *find_by_id(struct tracker *t, uint32_t pid, uint32_t tgid)
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

static struct oomreap_incident *new_incident(struct tracker *t,
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
	if (inc->victim_seq)
		seq_index_add(t, inc->victim_seq, idx);
	t->stats.incidents_opened++;
	return inc;
}

static void timeline_add(struct oomreap_incident *inc, const struct oomreap_event_header *h,
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

static void apply_exit(struct tracker *t, struct oomreap_incident *inc,
		       const struct oomreap_exit_event *x);

static void on_kill(struct tracker *t, const struct oomreap_kill_event *k)
{
	struct oomreap_incident *inc = find_by_seq(t, k->hdr.victim_seq);
	uint32_t i;

	if (inc && inc->kill_ns) {
		t->stats.orphan_events++; /* the same kill twice: ignore */
		return;
	}
	if (!inc)
		inc = new_incident(t, &k->hdr);
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
	/* the kernel log's report, joined first: it may name the OOM domain */
	if (t->opts.on_kill && inc->have_identity)
		t->opts.on_kill(inc, t->opts.ctx);
	oom_events__assign(&t->oom_events, k,
			   inc->ctx.src[CTXF_DOMAIN] != CTX_SRC_NONE && !inc->ctx.global
				   ? inc->ctx.domain
				   : NULL,
			   t->ctx_gen, &inc->oom_event);
	/*
	 * One invocation, one context: the kernel reports the chosen victim
	 * only, and what it says holds for every victim of the group kill.
	 */
	if (inc->oom_event.index == 1) {
		t->event_ctx = inc->ctx;
		t->event_ctx_id = inc->oom_event.id;
	} else if (inc->oom_event.id && inc->oom_event.id == t->event_ctx_id) {
		oom_context__inherit(&inc->ctx, &t->event_ctx);
	}
	timeline_add(inc, &k->hdr, &k->mm, k->rss_sum, 0, 0);

	/* An exit seen (on another CPU) just before this kill belongs here. */
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
		apply_exit(t, inc, x);
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
		apply_exit(t, inc, x);
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

/* A finish that left a retry pending turned out to be partial. */
static void settle_pending_finish(struct oomreap_incident *inc)
{
	if (inc->deadline_ns && inc->deadline_outcome == OUTCOME_REAPED) {
		inc->partial_reaps++;
		inc->deadline_ns = 0;
	}
}

static void begin_attempt(struct oomreap_incident *inc, uint64_t ts)
{
	settle_pending_finish(inc);
	inc->attempts++;
	inc->last_skip_trylock = false; /* the skip path says otherwise */
	if (!inc->first_attempt_ns)
		inc->first_attempt_ns = ts;
}

/*
 * Close at `deadline` unless more events come; the incident is stamped as
 * ended at `stamp` (the event that ended it, not the time we gave up
 * waiting for another).
 */
static void set_deadline(struct tracker *t, struct oomreap_incident *inc, uint64_t deadline,
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

	if (!inc->in_use || !(inc->incomplete || inc->exit_begun_unseen) ||
	    (inc->deadline_ns && !inc->loss_wait))
		return;
	if (inc->last_event_ns + LOSS_SILENCE_NS > at)
		at = inc->last_event_ns + LOSS_SILENCE_NS;
	set_deadline(t, inc, at, inc->last_event_ns, OUTCOME_OPEN);
	inc->deadline_guess = true;
	inc->loss_wait = true;
}


/*
 * The last failed attempt's blocker event is still to come: every earlier
 * failed trylock had its own (blocker attribution is on), this one not yet.
 */
static bool blocker_pending(const struct oomreap_incident *inc)
{
	return inc->blocker_events && inc->blocker_events + 1 == inc->trylock_failures &&
	       inc->last_skip_trylock;
}

/*
 * The kernel's loop stops after REAPER_MAX_ATTEMPTS failed attempts.  The
 * blocker event for the last attempt is emitted just after its skip, so
 * the incident stays open for REAPER_SETTLE_NS to collect it, or up to
 * REAPER_BLOCKER_WAIT_NS when it is known to be coming (on_blocker then
 * ends the wait).
 */
static bool loop_exhausted(struct tracker *t, struct oomreap_incident *inc, uint64_t ts)
{
	enum oomreap_outcome gave_up = inc->partial_reaps ? OUTCOME_PARTIAL : OUTCOME_GAVE_UP;

	if (inc->attempts < REAPER_MAX_ATTEMPTS) {
		/*
		 * Attempts we did not see may have come before: if no other
		 * follows, this one was the last (REAPER_SILENCE_NS).
		 */
		if (inc->incomplete) {
			set_deadline(t, inc, ts + REAPER_SILENCE_NS, ts, gave_up);
			inc->deadline_guess = true;
		}
		return false;
	}
	set_deadline(t, inc, ts + (blocker_pending(inc) ? REAPER_BLOCKER_WAIT_NS : REAPER_SETTLE_NS),
		     ts, gave_up);
	inc->settling = true;
	return true;
}

static void on_reap(struct tracker *t, struct oomreap_incident *inc,
		    const struct oomreap_reap_event *r)
{
	uint64_t ts = r->hdr.ts_ns;
	int i;

	timeline_add(inc, &r->hdr, &r->mm, r->rss_sum, (uint16_t)r->skip_reason, r->reap_ret);
	/*
	 * The victim exited leaving its mm to a sibling, and now the reaper has
	 * come after all: its own loop ends the incident, not the exit's timer.
	 */
	if (inc->deadline_ns && inc->deadline_outcome == OUTCOME_VICTIM_EXITED &&
	    ((r->hdr.type == OOMREAP_EV_REAPER_WAKE && !r->wake_ignored) ||
	     r->hdr.type == OOMREAP_EV_REAP_START || r->hdr.type == OOMREAP_EV_REAP_SKIP))
		inc->deadline_ns = 0;
	switch (r->hdr.type) {
	case OOMREAP_EV_REAPER_QUEUE:
		if (!inc->queue_ns)
			inc->queue_ns = ts;
		break;
	case OOMREAP_EV_REAPER_WAKE:
		if (r->wake_ignored)
			inc->wake_ignored = true;
		else if (!inc->wake_ns)
			inc->wake_ns = ts;
		break;
	case OOMREAP_EV_REAP_START:
		begin_attempt(inc, ts);
		/* a reap can outlast REAPER_SILENCE_NS: its finish decides */
		if (inc->deadline_guess)
			inc->deadline_ns = 0;
		inc->reaping = true;
		inc->last_start_ns = ts;
		inc->last_reap_ret = -1;
		/* no mm read (a victim the programs never saw killed): freed unknown */
		if (!(r->mm.snap_flags & OOMREAP_SNAP_VALID))
			inc->freed_unread = true;
		for (i = 0; i < OOMREAP_RSS_NR; i++)
			inc->reap_start_rss[i] = (r->mm.snap_flags & OOMREAP_SNAP_VALID)
							 ? (int64_t)rss__clamp(r->mm.rss_pages[i])
							 : -1;
		for (i = 0; i < OOMREAP_RSS_NR; i++)
			inc->reap_start_sum[i] =
				rss__has_sum(&r->mm) ? (int64_t)rss__clamp(r->rss_sum[i]) : -1;
		break;
	case OOMREAP_EV_REAP_RESULT:
		inc->last_reap_ret = r->reap_ret ? 1 : 0;
		break;
	case OOMREAP_EV_REAP_FINISH:
		/* a finish unread, or without its start: what it freed is unknown */
		if (!inc->reaping || !(r->mm.snap_flags & OOMREAP_SNAP_VALID))
			inc->freed_unread = true;
		if (inc->reaping && (r->mm.snap_flags & OOMREAP_SNAP_VALID)) {
			for (i = 0; i < OOMREAP_RSS_NR; i++) {
				uint64_t after = rss__clamp(r->mm.rss_pages[i]);

				if (inc->reap_start_rss[i] > (int64_t)after)
					inc->freed_pages[i] = sat_add_u64(
						inc->freed_pages[i], inc->reap_start_rss[i] - after);
			}
			/* the same in exact sums, where both ends have them */
			if (!rss__has_sum(&r->mm) || inc->reap_start_sum[0] < 0)
				inc->freed_sum_missing = true;
			for (i = 0; i < OOMREAP_RSS_NR && !inc->freed_sum_missing; i++) {
				uint64_t after = rss__clamp(r->rss_sum[i]);

				if (inc->reap_start_sum[i] > (int64_t)after)
					inc->freed_sum_pages[i] = sat_add_u64(
						inc->freed_sum_pages[i], inc->reap_start_sum[i] - after);
			}
		}
		inc->reaping = false;
		inc->finish_ns = ts;
		if (inc->last_reap_ret == 1) {
			close_inc(t, inc, OUTCOME_REAPED, ts);
		} else if (inc->last_reap_ret == 0) {
			inc->partial_reaps++;
			loop_exhausted(t, inc, ts);
		} else if (inc->attempts >= REAPER_MAX_ATTEMPTS) {
			/* last possible attempt; without fexit assume it completed */
			close_inc(t, inc, OUTCOME_REAPED, ts);
		} else {
			set_deadline(t, inc, ts + REAPER_RETRY_LINGER_NS, ts, OUTCOME_REAPED);
		}
		break;
	case OOMREAP_EV_REAP_SKIP:
		begin_attempt(inc, ts);
		if (r->skip_reason == OOMREAP_SKIP_MM_GONE) {
			/*
			 * The loop is over.  The incident ends when both the
			 * reaper and the victim's exit are done, whichever
			 * event the kernel fires last (apply_exit).
			 */
			inc->mm_gone = true;
			if (inc->exited) {
				close_inc(t, inc, OUTCOME_VICTIM_EXITED, ts);
				return;
			}
			set_deadline(t, inc, ts + EXIT_AFTER_MM_GONE_NS, ts, OUTCOME_VICTIM_EXITED);
			break;
		}
		inc->last_skip_trylock = r->skip_reason == OOMREAP_SKIP_TRYLOCK_FAILED;
		if (inc->last_skip_trylock)
			inc->trylock_failures++;
		else
			inc->unknown_skips++;
		loop_exhausted(t, inc, ts);
		break;
	}
}

static void uk_exit(struct tracker *t, struct oomreap_incident *inc,
		    const struct oomreap_exit_event *x);

static void apply_exit(struct tracker *t, struct oomreap_incident *inc,
		       const struct oomreap_exit_event *x)
{
	uint64_t end;

	timeline_add(inc, &x->hdr, &x->mm, x->rss_sum, 0, 0);
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
		uk_exit(t, inc, x);
		return;
	}
	if (inc->mm_gone) {
		/* the reaper's loop ended first (see OOMREAP_SKIP_MM_GONE) */
		close_inc(t, inc, OUTCOME_VICTIM_EXITED, x->hdr.ts_ns);
		return;
	}
	/* an exit that came before its kill ends the incident at the kill */
	end = x->hdr.ts_ns > inc->kill_ns ? x->hdr.ts_ns : inc->kill_ns;
	if (inc->wake_ns || inc->attempts)
		return; /* the reaper is on it and will end its own loop */
	if (x->mm_released) {
		close_inc(t, inc, OUTCOME_VICTIM_EXITED, end);
	} else {
		/* Another process shares the mm: the reaper may still come. */
		uint64_t wait = inc->kill_ns + REAPER_WAIT_AFTER_KILL_NS;

		set_deadline(t, inc, wait > end ? wait : end, end, OUTCOME_VICTIM_EXITED);
	}
}


/* ---- userspace memory killers ---- */

#define MMF_UNSTABLE_BIT 22 /* set by __oom_reap_task_mm(): someone reaped the mm */

/* How a userspace victim's incident ends, from what came so far. */
static enum oomreap_outcome uk_outcome(const struct oomreap_incident *inc)
{
	bool freed = inc->uk.mm_unstable_at_exit == 1;
	uint32_t i;

	for (i = 0; i < inc->uk.ncalls && i < MRELEASE_CALLS_MAX; i++)
		if (inc->uk.calls[i].ret == 0 && inc->uk.calls[i].have_freed &&
		    (inc->uk.calls[i].freed_pages[OOMREAP_RSS_ANON] ||
		     inc->uk.calls[i].freed_pages[OOMREAP_RSS_FILE] ||
		     inc->uk.calls[i].freed_pages[OOMREAP_RSS_SHMEM]))
			freed = true;
	if (freed)
		return OUTCOME_MRELEASED;
	/*
	 * No call succeeded, and one failed for a reason of its own: ESRCH
	 * only says the victim's mm was gone first (it exited by itself).
	 */
	if (!inc->uk.calls_ok && inc->uk.calls_failed > inc->uk.calls_esrch)
		return OUTCOME_MRELEASE_FAILED;
	return OUTCOME_VICTIM_EXITED;
}

/* Exited: close once a process_mrelease call still returning has had time to. */
static void uk_settle(struct tracker *t, struct oomreap_incident *inc)
{
	set_deadline(t, inc, inc->exit_ns + UK_SETTLE_NS, inc->exit_ns, uk_outcome(inc));
}

static void uk_exit(struct tracker *t, struct oomreap_incident *inc,
		    const struct oomreap_exit_event *x)
{
	if (x->mm.snap_flags & OOMREAP_SNAP_VALID)
		inc->uk.mm_unstable_at_exit = (x->mm.mm_flags >> MMF_UNSTABLE_BIT) & 1;
	uk_settle(t, inc);
}

static void on_ukill(struct tracker *t, const struct oomreap_ukill_event *u)
{
	struct oomreap_incident *inc = find_by_seq(t, u->hdr.victim_seq);
	uint32_t i;

	if (inc && inc->kill_ns) {
		/* a later signal to the same victim (SIGTERM, then SIGKILL) */
		inc->uk.signals++;
		inc->uk.last_sig = u->sig;
		inc->uk.last_sig_ns = u->hdr.ts_ns;
		timeline_add(inc, &u->hdr, &u->mm, u->rss_sum, 0, u->sig);
		if (!inc->exited) {
			set_deadline(t, inc, u->hdr.ts_ns + UK_OPEN_NS, u->hdr.ts_ns, OUTCOME_OPEN);
			inc->deadline_guess = true;
		}
		return;
	}
	if (!inc && recently_closed(t, u->hdr.victim_seq)) {
		t->stats.orphan_events++;
		return;
	}
	if (!inc)
		inc = new_incident(t, &u->hdr);
	inc->kind = INCIDENT_USERSPACE;
	inc->pid = u->hdr.pid;
	inc->tgid = u->hdr.tgid;
	inc->source = u->hdr.source;
	inc->kill_ns = u->hdr.ts_ns;
	inc->have_identity = true;
	memcpy(inc->comm, u->comm, sizeof(inc->comm));
	inc->uid = u->uid;
	inc->trigger_pid = u->killer_pid;
	inc->trigger_tgid = u->killer_tgid;
	memcpy(inc->trigger_comm, u->killer_comm, sizeof(inc->trigger_comm));
	inc->cgroup_id = u->cgroup_id;
	inc->cgroup_hierarchy = u->cgroup_hierarchy;
	inc->cgroup_truncated = u->ukill_flags & OOMREAP_UKILL_CGROUP_TRUNC;
	memcpy(inc->cgroup_path, u->cgroup_path, sizeof(inc->cgroup_path));
	if (u->mm.snap_flags & OOMREAP_SNAP_VALID) {
		inc->have_rss_at_kill = true;
		for (i = 0; i < OOMREAP_RSS_NR; i++)
			inc->rss_at_kill_pages[i] = rss__clamp(u->mm.rss_pages[i]);
		inc->have_rss_sum_at_kill = rss__has_sum(&u->mm);
		for (i = 0; i < OOMREAP_RSS_NR; i++)
			inc->rss_sum_at_kill_pages[i] =
				inc->have_rss_sum_at_kill ? rss__clamp(u->rss_sum[i]) : 0;
		inc->total_vm_pages = u->total_vm_pages;
		inc->pgtables_bytes = u->pgtables_bytes;
	}
	/* no OOM report: the kernel's log says nothing of a userspace kill */
	oom_context__missing(&inc->ctx, CTX_WHY_NOT_LOGGED);
	memcpy(inc->uk.killer_name, u->killer_name, sizeof(inc->uk.killer_name));
	memcpy(inc->uk.killer_comm, u->killer_comm, sizeof(inc->uk.killer_comm));
	memcpy(inc->uk.killer_exe, u->killer_exe, sizeof(inc->uk.killer_exe));
	inc->uk.killer_pid = u->killer_pid;
	inc->uk.killer_tgid = u->killer_tgid;
	inc->uk.recognised_by = u->recognised_by;
	inc->uk.method = u->method;
	inc->uk.syscall_nr = u->syscall_nr;
	inc->uk.first_sig = inc->uk.last_sig = u->sig;
	inc->uk.last_sig_ns = u->hdr.ts_ns;
	inc->uk.signals = 1;
	inc->uk.mm_unstable_at_exit = -1;
	timeline_add(inc, &u->hdr, &u->mm, u->rss_sum, 0, u->sig);
	set_deadline(t, inc, u->hdr.ts_ns + UK_OPEN_NS, u->hdr.ts_ns, OUTCOME_OPEN);
	inc->deadline_guess = true;

	/* its exit, seen on another CPU just before */
	for (i = 0; i < ORPHAN_EXITS; i++) {
		const struct oomreap_exit_event *x = &t->orphans[i];

		if (!t->orphan_used[i] || x->hdr.victim_seq != inc->victim_seq || !inc->victim_seq)
			continue;
		t->orphan_used[i] = false;
		t->stats.orphan_events--;
		apply_exit(t, inc, x);
		return;
	}
}

static void on_mrelease(struct tracker *t, const struct oomreap_mrelease_event *m)
{
	static const __s64 no_sum[OOMREAP_RSS_NR]; /* the call's snapshots carry no sums */
	struct oomreap_incident *inc = find_by_seq(t, m->hdr.victim_seq);
	struct mrelease_call *c;
	uint32_t i;

	if (!inc && !m->hdr.victim_seq && m->hdr.tgid)
		inc = find_by_id(t, 0, m->hdr.tgid);
	if (!inc || inc->kind != INCIDENT_USERSPACE) {
		/* lmkd's process_mrelease(-1, 0) probe, or a victim no killer we know signalled */
		t->stats.mrelease_unmatched++;
		t->stats.orphan_events++;
		return;
	}
	timeline_add(inc, &m->hdr, &m->after, no_sum, 0, (int32_t)m->ret);
	if (m->ret == 0)
		inc->uk.calls_ok++;
	else
		inc->uk.calls_failed++;
	if (m->ret == -3 /* ESRCH */)
		inc->uk.calls_esrch++;
	if (inc->uk.ncalls++ >= MRELEASE_CALLS_MAX)
		return;
	c = &inc->uk.calls[inc->uk.ncalls - 1];
	c->enter_ns = (m->mrel_flags & OOMREAP_MREL_ENTER_SEEN) ? m->enter_ns : 0;
	c->exit_ns = m->hdr.ts_ns;
	c->ret = m->ret;
	c->caller_pid = m->caller_pid;
	c->caller_tgid = m->caller_tgid;
	memcpy(c->caller_comm, m->caller_comm, sizeof(c->caller_comm));
	c->mm_gone = m->mrel_flags & OOMREAP_MREL_MM_GONE;
	c->have_freed = (m->before.snap_flags & OOMREAP_SNAP_VALID) &&
			(m->after.snap_flags & OOMREAP_SNAP_VALID);
	for (i = 0; c->have_freed && i < OOMREAP_RSS_NR; i++) {
		uint64_t b = rss__clamp(m->before.rss_pages[i]), a = rss__clamp(m->after.rss_pages[i]);

		c->freed_pages[i] = b > a ? b - a : 0;
	}
	if (inc->exited)
		uk_settle(t, inc);
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
	struct oomreap_incident *inc = find_by_seq(t, x->hdr.victim_seq);

	if (!inc && x->hdr.victim_seq && recently_closed(t, x->hdr.victim_seq)) {
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
		inc = find_by_id(t, 0, x->hdr.tgid);
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
	apply_exit(t, inc, x);
}

static void on_reap_event(struct tracker *t, const struct oomreap_reap_event *r)
{
	struct oomreap_incident *inc = find_by_seq(t, r->hdr.victim_seq);

	if (!inc && !r->hdr.victim_seq)
		inc = find_by_id(t, r->hdr.pid, 0);
	if (!inc) {
		/* Late news about a closed incident, or a silent timer. */
		if (recently_closed(t, r->hdr.victim_seq) || r->wake_ignored ||
		    r->hdr.type == OOMREAP_EV_REAP_RESULT) {
			t->stats.orphan_events++;
			return;
		}
		/* We missed the kill (lost, or tracing started after it). */
		inc = new_incident(t, &r->hdr);
		inc->incomplete = true;
	}
	/*
	 * The kernel never makes an 11th attempt: one arriving while the loop's
	 * end settles is reordered or mismatched, not the reaper's.
	 */
	if (inc->attempts >= REAPER_MAX_ATTEMPTS &&
	    (r->hdr.type == OOMREAP_EV_REAP_START || r->hdr.type == OOMREAP_EV_REAP_SKIP)) {
		t->stats.orphan_events++;
		return;
	}
	on_reap(t, inc, r);
}

static bool same_task(const struct oomreap_blocked_task *a, const struct oomreap_blocked_task *b)
{
	return a->pid == b->pid && a->role == b->role && a->stack_len == b->stack_len &&
	       (a->stack_len <= 0 ||
		!memcmp(a->stack, b->stack, (size_t)a->stack_len * sizeof(a->stack[0])));
}

static bool same_picture(const struct blocker_snapshot *bs, const struct oomreap_blocker_event *b)
{
	uint32_t i;

	if (bs->ntasks != b->ntasks || bs->blk_flags != b->blk_flags)
		return false;
	/* PREEMPT_RT: how many readers are in is part of the picture */
	if ((b->blk_flags & OOMREAP_BLK_RWBASE) && bs->lock_count != b->lock_count)
		return false;
	for (i = 0; i < b->ntasks; i++)
		if (!same_task(&bs->tasks[i], &b->tasks[i]))
			return false;
	return true;
}

/* Emitted right after the skip it explains: attempt = attempts so far. */
static void on_blocker(struct tracker *t, const struct oomreap_blocker_event *b)
{
	struct oomreap_incident *inc = find_by_seq(t, b->hdr.victim_seq);
	struct blocker_snapshot *bs;
	uint32_t i, attempt;

	if (!inc && !b->hdr.victim_seq)
		inc = find_by_id(t, b->hdr.pid, 0);
	if (!inc) {
		t->stats.orphan_events++;
		return;
	}
	attempt = inc->attempts ? inc->attempts : 1;
	inc->blocker_events++;
	/*
	 * The last attempt's picture came: a settling incident that was
	 * waiting the longer REAPER_BLOCKER_WAIT_NS for it waits no more than
	 * REAPER_SETTLE_NS would have made it.
	 */
	if (inc->settling && inc->blocker_events == inc->trylock_failures) {
		uint64_t at = inc->deadline_stamp_ns + REAPER_SETTLE_NS;

		if (at < b->hdr.ts_ns)
			at = b->hdr.ts_ns;
		if (at < inc->deadline_ns)
			set_deadline(t, inc, at, inc->deadline_stamp_ns, inc->deadline_outcome);
	}
	for (i = 0; i < inc->nblockers; i++) {
		bs = &inc->blockers[i];
		if (same_picture(bs, b)) {
			bs->count++;
			bs->last_attempt = attempt;
			return;
		}
	}
	if (inc->nblockers >= BLOCKER_SNAPSHOTS) {
		inc->blockers_dropped++;
		return;
	}
	bs = &inc->blockers[inc->nblockers++];
	bs->count = 1;
	bs->first_attempt = bs->last_attempt = attempt;
	bs->blk_flags = b->blk_flags;
	bs->ntasks = b->ntasks;
	bs->lock_count = b->lock_count;
	memcpy(bs->tasks, b->tasks, sizeof(bs->tasks));
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
		on_blocker(t, event);
		break;
	case OOMREAP_EV_UKILL:
		on_ukill(t, event);
		break;
	case OOMREAP_EV_MRELEASE:
		on_mrelease(t, event);
		break;
	default:
		on_reap_event(t, event);
		break;
	}
	/* after its own rules: an incomplete incident left with no deadline waits for its loss one */
	if (h->type != OOMREAP_EV_OOM_CONTEXT) {
		struct oomreap_incident *inc = find_by_seq(t, h->victim_seq);

		if (inc)
			arm_loss_deadline(t, inc);
	}
}

void tracker__note_lost(struct tracker *t, uint64_t lost_total)
{
	uint32_t i;

	if (lost_total <= t->stats.lost_events)
		return;
	t->stats.lost_events = lost_total;
	for (i = 0; i < t->nopen; i++) {
		t->slots[t->open[i]].incomplete = true;
		t->slots[t->open[i]].saw_loss = true;
		arm_loss_deadline(t, &t->slots[t->open[i]]);
	}
}

void tracker__note_missed(struct tracker *t, const struct runs_missed *m)
{
	uint64_t before = missed__total(&t->stats.missed);
	uint32_t i;

	t->stats.missed = *m;
	if (missed__total(m) <= before)
		return;
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
	if (find_by_seq(t, src->victim_seq))
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
