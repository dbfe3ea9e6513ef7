/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The tracker's parts (tracker.h is its contract): tracker.c (the
 * incidents, their index and deadlines, kills and exits), tracker_reap.c
 * (the kernel's oom_reaper and who held the lock), tracker_uk.c
 * (userspace killers and process_mrelease), tracker_rss.c (which RSS
 * reading an incident shows).  Inside core/ only.
 */
#ifndef OOMREAP_CORE_TRACKER_IMPL_H
#define OOMREAP_CORE_TRACKER_IMPL_H

#include <stdbool.h>
#include <stdint.h>

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
	/* the last cgroup.kill write a userspace killer was seen making (tracker_uk.c) */
	struct {
		uint64_t id;          /* its first victim's victim_seq; 0 none yet */
		uint32_t victims;
		uint32_t killer_pid;  /* the writing thread */
		uint64_t target_id;   /* the cgroup written (0 unread) */
		uint64_t last_ns;     /* its last signal */
	} uk_write;
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
	/* every drop, every missed run counted so far had happened by then (0: none) */
	uint64_t lost_by_ns, missed_by_ns;
	/* 0, or until when a held exit's kill may still come (tracker__next_deadline) */
	uint64_t orphan_wait_ns;
	/* the reading the kernel's log lines used, as the last decided victim showed; -1 */
	int8_t learned_basis;
	int8_t release_basis;     /* rss_basis__of_release() of the traced kernel, -1 unknown */
	/* tracker__set_restart_mark() */
	bool (*restart_continued)(const struct oomreap_incident *inc, void *ctx);
	void *restart_ctx;
};

/* tracker.c */
void trk__close_inc(struct tracker *t, struct oomreap_incident *inc,
		    enum oomreap_outcome outcome, uint64_t when);
bool trk__recently_closed(const struct tracker *t, uint64_t seq);
struct oomreap_incident *trk__find_by_seq(struct tracker *t, uint64_t seq);
/* Newest open incident of this thread (pid) or process (tgid). */
struct oomreap_incident *trk__find_by_id(struct tracker *t, uint32_t pid, uint32_t tgid);
struct oomreap_incident *trk__new_incident(struct tracker *t,
					   const struct oomreap_event_header *h);
void trk__timeline_add(struct oomreap_incident *inc, const struct oomreap_event_header *h,
		       const struct oomreap_mm_snapshot *mm, const __s64 *sum,
		       uint16_t skip_reason, int32_t reap_ret);
void trk__set_deadline(struct tracker *t, struct oomreap_incident *inc, uint64_t deadline,
		       uint64_t stamp, enum oomreap_outcome outcome);
void trk__apply_exit(struct tracker *t, struct oomreap_incident *inc,
		     const struct oomreap_exit_event *x);

/* tracker_reap.c */
void trk__on_reap_event(struct tracker *t, const struct oomreap_reap_event *r);
void trk__on_blocker(struct tracker *t, const struct oomreap_blocker_event *b);

/* tracker_uk.c */
void trk__on_ukill(struct tracker *t, const struct oomreap_ukill_event *u);
void trk__on_mrelease(struct tracker *t, const struct oomreap_mrelease_event *m);
void trk__uk_exit(struct tracker *t, struct oomreap_incident *inc,
		  const struct oomreap_exit_event *x);

/* tracker_rss.c */
void trk__apply_rss_basis(struct tracker *t, struct oomreap_incident *inc);

#endif /* OOMREAP_CORE_TRACKER_IMPL_H */
