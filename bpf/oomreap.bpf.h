/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the program families (oomreap.bpf.c: the tracer; blockers.bpf.c:
 * blocker attribution) share, declared: the ring buffer and the victim
 * map (defined once, in maps.bpf.c, and linked into the one object with
 * `bpftool gen object`), reading a victim mm, and classifying a reaper
 * skip.
 */
#ifndef OOMREAP_BPF_H
#define OOMREAP_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "core_fixes.bpf.h"
#include "oomreap_abi.h"
#include "oomreap_hooks.h"

struct events_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
};
extern struct events_map events SEC(".maps");

/*
 * Waking the reader is most of an event's cost (an irq_work IPI: README,
 * Performance, a.).  The reader polls every 100 ms anyway, so events go in without a wakeup
 * unless the buffer is a quarter full: a storm is still drained promptly.
 */
#define RINGBUF_WAKE_BYTES (256 << 10)

static __always_inline __u64 submit_flags(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > RINGBUF_WAKE_BYTES
		       ? BPF_RB_FORCE_WAKEUP
		       : BPF_RB_NO_WAKEUP;
}

/*
 * The victims we were told about: keyed by thread id (the reaper's
 * tracepoints report that) and also by process id when it differs
 * (process exit looks up that).  LRU: a victim we never hear from again
 * cannot fill the map.
 */
struct victim {
	__u64 seq;
	__u64 mm;   /* kernel pointer; never leaves BPF */
	__u64 task; /* the marked task_struct, likewise: tells a second mark */
	__u32 tgid;
	__u32 pid;
	__u32 woken; /* a function rung's wake_oom_reaper program saw its wake */
	__u32 pad;
};

struct victims_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct victim);
};
extern struct victims_map victims SEC(".maps");

static __always_inline void read_mm(struct mm_struct *mm, struct oomreap_mm_snapshot *s)
{
	bool approx = false;

	if (!mm)
		return;
	s->snap_flags = OOMREAP_SNAP_VALID;
	s->mm_flags = mm_flags_word(mm);
	s->mm_users = BPF_CORE_READ(mm, mm_users.counter);
	s->rss_pages[OOMREAP_RSS_FILE] = mm_rss_raw(mm, OOMREAP_RSS_FILE, &approx);
	s->rss_pages[OOMREAP_RSS_ANON] = mm_rss_raw(mm, OOMREAP_RSS_ANON, &approx);
	s->rss_pages[OOMREAP_RSS_SWAP] = mm_rss_raw(mm, OOMREAP_RSS_SWAP, &approx);
	s->rss_pages[OOMREAP_RSS_SHMEM] = mm_rss_raw(mm, OOMREAP_RSS_SHMEM, &approx);
	if (approx)
		s->snap_flags |= OOMREAP_SNAP_RSS_APPROX;
}

/*
 * Why did this attempt skip?  oom_reap_task_mm() fires skip_task_reaping
 * in two places: after mmap_read_trylock() failed, and with the read lock
 * held when MMF_OOM_SKIP is already set.  The flag alone cannot tell them
 * apart (6.18's exit_mmap() sets MMF_OOM_SKIP *before* taking the write
 * lock that makes the trylock fail), so when the flag is set we also ask
 * whether the lock is reader-owned by us, the reaper.
 */
static __always_inline __u32 classify_skip(const struct oomreap_mm_snapshot *snap,
					   struct mm_struct *mm)
{
	long owner;

	if (!(snap->snap_flags & OOMREAP_SNAP_VALID))
		return OOMREAP_SKIP_UNKNOWN;
	if (!(snap->mm_flags & (1ull << MMF_OOM_SKIP_BIT)))
		return OOMREAP_SKIP_TRYLOCK_FAILED;
	if (!mm_lock_owner(mm, &owner))
		return OOMREAP_SKIP_UNKNOWN;
	if ((owner & 1) && (owner & ~7L) == (long)bpf_get_current_task())
		return OOMREAP_SKIP_MM_GONE;
	return OOMREAP_SKIP_TRYLOCK_FAILED;
}


#endif /* OOMREAP_BPF_H */
