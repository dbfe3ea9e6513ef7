/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Wire events (include/oomreap_abi.h) laid out as the BPF side emits them,
 * for every C test, the golden generator and the bench: one builder per
 * event type.  Each returns a zeroed event with its header (type, size,
 * victim_seq, ids, time; CPU 1, the tracepoint rung) and the fields every
 * caller wants; a caller sets whatever else its scenario needs.
 */
#ifndef OOMREAP_TESTS_WIRE_H
#define OOMREAP_TESTS_WIRE_H

#include <stdint.h>

#include "oomreap_abi.h"

/* A wire__mm() argument: no mm was read (snap_flags 0). */
#define WIRE_NO_RSS INT64_MIN
/* The oom_reaper kthread's pid, as reap events name their actor. */
#define WIRE_REAPER_PID 53

/* An mm snapshot with these RSS counters (pages; swap 0), or none. */
struct oomreap_mm_snapshot wire__mm(int64_t anon, int64_t file, int64_t shmem);

/* A kill (mark_victim with its task): the victim's identity, no mm yet. */
struct oomreap_kill_event wire__kill(uint64_t seq, uint32_t pid, uint32_t tgid, uint64_t ts,
				     const char *comm, const char *cgroup);
/* oom_kill_process()'s context (the fentry/kprobe rungs): a memcg OOM. */
struct oomreap_oom_context_event wire__context(uint32_t pid, uint64_t ts, uint32_t trigger,
					       const char *trigger_comm, const char *domain);
/* A reaper event (queue, wake, start, finish, skip, result) about thread pid. */
struct oomreap_reap_event wire__reap(uint32_t type, uint64_t seq, uint32_t pid, uint64_t ts);
/* Process exit of the victim's thread group tgid (its last thread's id). */
struct oomreap_exit_event wire__exit(uint64_t seq, uint32_t tgid, uint64_t ts, uint32_t group_dead,
				     uint32_t mm_released);
/* Who holds and waits on mmap_lock at a failed trylock: no task yet. */
struct oomreap_blocker_event wire__blocker(uint64_t seq, uint32_t pid, uint64_t ts,
					   uint64_t lock_count);
/* One more blocked task of b (pid is its tgid too); the caller fills its stack. */
struct oomreap_blocked_task *wire__blocked(struct oomreap_blocker_event *b, uint32_t pid,
					   uint32_t role, const char *comm, int32_t stack_len);

/*
 * A userspace killer's signal to process tgid (its mm: anon pages, or
 * WIRE_NO_RSS), sent with kill(2) by killer pid killer_pid running
 * /usr/bin/earlyoom, named "earlyoom".
 */
struct oomreap_ukill_event wire__ukill(uint64_t seq, uint32_t tgid, uint64_t ts, int32_t sig,
				       uint32_t killer_pid, int64_t anon);
/*
 * A process_mrelease(2) call on process tgid (0: unresolved) that entered
 * at enter (0: not seen) and returned ret at ts; RSS anon pages at entry
 * and at return (WIRE_NO_RSS: not read).
 */
struct oomreap_mrelease_event wire__mrelease(uint64_t seq, uint32_t tgid, uint64_t enter,
					     uint64_t ts, int64_t ret, int64_t anon_before,
					     int64_t anon_after);

#endif /* OOMREAP_TESTS_WIRE_H */
