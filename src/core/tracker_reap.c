// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tracker (tracker.h): the kernel's oom_reaper.  Its loop, as
 * mm/oom_kill.c runs it: attempts (a start and a finish, or a skip), the
 * trylock failures and what each reap freed, and who held the victim's
 * mmap_lock at each failure.
 */
#include <string.h>

#include "core/checked.h"
#include "core/tracker.h"
#include "core/tracker_impl.h"

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
 * REAPER_BLOCKER_WAIT_NS when it is known to be coming (trk__on_blocker
 * then ends the wait).
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
			trk__set_deadline(t, inc, ts + REAPER_SILENCE_NS, ts, gave_up);
			inc->deadline_guess = true;
		}
		return false;
	}
	trk__set_deadline(t, inc,
			  ts + (blocker_pending(inc) ? REAPER_BLOCKER_WAIT_NS : REAPER_SETTLE_NS),
			  ts, gave_up);
	inc->settling = true;
	return true;
}

static void on_reap(struct tracker *t, struct oomreap_incident *inc,
		    const struct oomreap_reap_event *r)
{
	uint64_t ts = r->hdr.ts_ns;
	int i;

	trk__timeline_add(inc, &r->hdr, &r->mm, r->rss_sum, (uint16_t)r->skip_reason, r->reap_ret);
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
			trk__close_inc(t, inc, OUTCOME_REAPED, ts);
		} else if (inc->last_reap_ret == 0) {
			inc->partial_reaps++;
			loop_exhausted(t, inc, ts);
		} else if (inc->attempts >= REAPER_MAX_ATTEMPTS) {
			/* last possible attempt; without fexit assume it completed */
			trk__close_inc(t, inc, OUTCOME_REAPED, ts);
		} else {
			trk__set_deadline(t, inc, ts + REAPER_RETRY_LINGER_NS, ts, OUTCOME_REAPED);
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
				trk__close_inc(t, inc, OUTCOME_VICTIM_EXITED, ts);
				return;
			}
			trk__set_deadline(t, inc, ts + EXIT_AFTER_MM_GONE_NS, ts, OUTCOME_VICTIM_EXITED);
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

void trk__on_reap_event(struct tracker *t, const struct oomreap_reap_event *r)
{
	struct oomreap_incident *inc = trk__find_by_seq(t, r->hdr.victim_seq);

	if (!inc && !r->hdr.victim_seq)
		inc = trk__find_by_id(t, r->hdr.pid, 0);
	if (!inc) {
		/* Late news about a closed incident, or a silent timer. */
		if (trk__recently_closed(t, r->hdr.victim_seq) || r->wake_ignored ||
		    r->hdr.type == OOMREAP_EV_REAP_RESULT) {
			t->stats.orphan_events++;
			return;
		}
		/* We missed the kill (lost, or tracing started after it). */
		inc = trk__new_incident(t, &r->hdr);
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
void trk__on_blocker(struct tracker *t, const struct oomreap_blocker_event *b)
{
	struct oomreap_incident *inc = trk__find_by_seq(t, b->hdr.victim_seq);
	struct blocker_snapshot *bs;
	uint32_t i, attempt;

	if (!inc && !b->hdr.victim_seq)
		inc = trk__find_by_id(t, b->hdr.pid, 0);
	if (!inc) {
		t->stats.orphan_events++;
		return;
	}
	/* a userspace victim's picture: its process_mrelease call under way */
	if (inc->kind == INCIDENT_USERSPACE)
		attempt = inc->uk.ncalls + 1;
	else
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
			trk__set_deadline(t, inc, at, inc->deadline_stamp_ns, inc->deadline_outcome);
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
