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

/* 1 MiB unless --ring-size sets it before load (RING_SIZE_DEFAULT in src/options.h) */
struct events_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
};
extern struct events_map events SEC(".maps");

/*
 * Waking the reader is most of an event's cost (an irq_work IPI: README,
 * Performance, a.), so most events go in without one: the reader drains
 * them when it wakes for a reason.  The reasons, and only these, wake it
 * (wake_flags()):
 *  - an event that can end an incident: the exit of a victim's last
 *    thread, the reaper's finish, an attempt that may be the reaper's last
 *    (the line is printed within milliseconds of it, not at a poll);
 *  - the buffer a quarter full: a storm is still drained promptly;
 *  - -v (wake_every_event): a person watches each event as it comes.
 * Whatever else the reader waits for (the reaper falling silent, the
 * Prometheus interval) is a deadline it keeps on its own timer, and it
 * drains the buffer before judging one.
 */

/* Set by userspace before load (-v; a quarter of --ring-size); defined in maps.bpf.c. */
extern const volatile bool wake_every_event;
extern const volatile __u32 ringbuf_wake_bytes;

static __always_inline __u64 submit_flags(void)
{
	return wake_every_event ||
			       bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > ringbuf_wake_bytes
		       ? BPF_RB_FORCE_WAKEUP
		       : BPF_RB_NO_WAKEUP;
}

/* MAX_OOM_REAP_RETRIES (mm/oom_kill.c), as src/core/tracker.h counts it. */
#define REAPER_MAX_ATTEMPTS 10

#define SIGKILL 9
#define SIGTERM 15
/* the siginfo of a signal the kernel sends itself (the OOM killer's, a teardown's) */
#define SEND_SIG_PRIV ((struct kernel_siginfo *)1)

/*
 * Events the ring buffer had no room for: reported by userspace at exit and
 * as a metric (a lost OOM must be visible).  Defined in maps.bpf.c.
 */
extern __u64 dropped_events;

static __always_inline void *reserve(__u32 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e)
		__sync_fetch_and_add(&dropped_events, 1);
	return e;
}

/*
 * Kill sequence numbers: unique and never 0, so that a recycled pid can
 * never merge two victims.  Not a global __sync_fetch_and_add(): BPF
 * atomics that return a value arrived in 5.12, and 5.10 refuses the whole
 * object for one of them ("BPF_STX uses reserved fields").  Each CPU
 * counts its own kills instead (no program nests on one CPU) and the CPU
 * goes into the low bits: unique without any atomic.  Userspace treats the
 * number as opaque.
 */
#define KILL_SEQ_CPU_BITS 12

struct kill_count_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
};
extern struct kill_count_map kill_count SEC(".maps");

static __always_inline __u64 next_kill_seq(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&kill_count, &zero);

	if (!n)
		return 0; /* cannot happen for an array; 0 = "not a known victim" */
	*n += 1;
	return (*n << KILL_SEQ_CPU_BITS) |
	       (bpf_get_smp_processor_id() & ((1 << KILL_SEQ_CPU_BITS) - 1));
}

static __always_inline void fill_header(struct oomreap_event_header *h, __u32 type,
					__u32 size, __u16 source)
{
	h->type = type;
	h->size = size;
	h->ts_ns = bpf_ktime_get_ns();
	h->cpu = bpf_get_smp_processor_id();
	h->source = source;
}

/* mark_oom_victim() keeps the victim's mm in signal->oom_mm (mmgrab'ed). */
static __always_inline struct mm_struct *victim_mm(struct task_struct *task)
{
	struct mm_struct *mm = BPF_CORE_READ(task, signal, oom_mm);

	return mm ? mm : BPF_CORE_READ(task, mm);
}

/*
 * The cgroup path's scratch area (its walks: cgroup_path.bpf.h), defined in
 * maps.bpf.c: the kill's programs and the userspace killers' use it.
 */
#define CGROUP_MAX_DEPTH 16
#define CGROUP_NAME_MAX 256 /* kernfs names are at most NAME_MAX (255) bytes */
#define CGROUP_BUILD_END 511 /* the path is built leftwards from here */

/*
 * Where the path is assembled, leaf first, right to left: the path ends at
 * build[CGROUP_BUILD_END] and grows leftwards a component at a time.  The
 * sizes let every copy use an offset masked to 511 and a length masked to
 * 255, which the verifier can bound without knowing the depth.  Per CPU:
 * these programs do not nest on one CPU.
 */
struct cgroup_path_scratch {
	char build[CGROUP_BUILD_END + 1 + OOMREAP_CGROUP_PATH_LEN];
	char name[CGROUP_NAME_MAX];
};

struct cgroup_path_scratch_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cgroup_path_scratch);
};
extern struct cgroup_path_scratch_map cgroup_path_scratch SEC(".maps");

/*
 * Userspace memory killers' victims: put in by their signal
 * (killers.bpf.c), taken out at their last thread's exit (exit.bpf.c).
 * Defined in maps.bpf.c.
 */
/* A process a recognised killer signalled, until its last thread exits. */
struct uvictim {
	__u64 seq;
	__u64 task; /* never leaves BPF: tells a recycled tgid */
	/*
	 * process_mrelease(2) calls on it entered and not yet returned
	 * (killers.bpf.c): its exit event says so (OOMREAP_EXIT_MRELEASE_BUSY),
	 * as the call can return long after the victim's exit event.
	 */
	__u64 mrel_busy;
};

struct uk_victims_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* tgid */
	__type(value, struct uvictim);
};
extern struct uk_victims_map uk_victims SEC(".maps");

/*
 * process_mrelease(2) calls under way (killers.bpf.c), by calling thread:
 * what the entry read, and on the function rungs when the call entered
 * __oom_reap_task_mm() (its lock wait over) and when that returned (its
 * unmap over), stamped by the programs on that function (oomreap.bpf.c,
 * killers.bpf.c).
 */
struct mrel_call {
	__u64 enter_ns;
	__u64 mm;
	__u64 victim_task; /* counted in that victim's uvictim.mrel_busy, or 0 */
	__s32 pidfd;
	__u32 flags;
	__u32 tgid;
	__u32 reap_flags;  /* OOMREAP_MREL_LOCKED, _UNMAPPED, _PARTIAL */
	__u64 locked_ns;
	__u64 unmapped_ns;
	struct oomreap_mm_snapshot before;
};

struct mrel_calls_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u32); /* the calling thread */
	__type(value, struct mrel_call);
};
extern struct mrel_calls_map mrel_calls SEC(".maps");

/*
 * __oom_reap_task_mm() called by a task that is no kernel thread, on mm:
 * a process_mrelease(2) call (the only caller from 5.19; before, also an
 * OOM victim's own exit_mmap(), which has no entry here).  entry: its
 * lock wait is over; else its unmap, ret its result.
 */
static __always_inline void mrel_reap_stamp(struct mm_struct *mm, bool entry, bool ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mrel_call *c = bpf_map_lookup_elem(&mrel_calls, &tid);

	if (!c || c->mm != (__u64)mm)
		return;
	if (entry) {
		c->locked_ns = bpf_ktime_get_ns();
		c->reap_flags |= OOMREAP_MREL_LOCKED;
	} else {
		c->unmapped_ns = bpf_ktime_get_ns();
		c->reap_flags |= OOMREAP_MREL_UNMAPPED | (ret ? 0 : OOMREAP_MREL_PARTIAL);
	}
}

/*
 * Entries put in uk_victims, less those deleted at their exit: while 0 (no
 * memory kill pending, nearly always) the exit filter skips the lookup.  An
 * entry the LRU evicts is never subtracted: the count can only stay too
 * high, which costs lookups, never a missed exit.
 */
extern __u64 uk_pending;

/*
 * process_mrelease(2) entry programs running now (killers.bpf.c), counted
 * from their first instruction to the end of their bookkeeping: until a
 * call has resolved its pidfd and counted itself in its victim's
 * mrel_busy, a victim's exit could not tell it is under way (a 7.3 guest's
 * earlyoom call entered 265 us before its victim's exit, counted itself
 * after it, and returned 283 ms later, after the incident had closed).
 * An exit while any is running says a call may be under way: at worst the
 * incident waits for a call that never comes, UK_MRELEASE_WAIT_NS.
 */
extern __u64 mrel_entering;

/* --killer-cgroup's killers (oomreap_abi.h): written by userspace while attached */
extern struct oomreap_killer_cgroups killer_cgroups;

/*
 * blockers.bpf.c: the picture of a failed trylock (who holds the victim's
 * mmap_lock, who waits), emitted to the ring; the blocker twin of the skip
 * program calls it.
 */
int blocker_picture(__u64 mm_addr, __u32 pid, __u32 tgid, __u64 seq);
long joined_victim_mm(__u32 pid);

/* For an event someone waits for: wake the reader now. */
static __always_inline __u64 wake_flags(bool wake)
{
	return wake ? BPF_RB_FORCE_WAKEUP : submit_flags();
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
	/*
	 * The reaper's attempts seen (starts and skips; it is one thread, so
	 * a plain increment): from the 10th on, each may be the last.
	 */
	__u32 attempts;
	/*
	 * A skip found the mm torn down (OOMREAP_SKIP_MM_GONE): the incident
	 * now ends with the victim's exit, which must wake the reader.
	 */
	__u32 mm_gone;
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
 * The exact sums beside the plain reads (OOMREAP_SNAP_RSS_SUM): userspace
 * shows the ones the kernel's own lines print.
 */
static __always_inline void read_rss_sum_l(struct mm_struct *mm, struct oomreap_mm_snapshot *s,
					   __s64 sum[OOMREAP_RSS_NR], bool loop)
{
	if (mm && mm_rss_sum_l(mm, sum, loop))
		s->snap_flags |= OOMREAP_SNAP_RSS_SUM;
	else
		__builtin_memset(sum, 0, OOMREAP_RSS_NR * sizeof(sum[0]));
}

/* loop: bpf_loop() may be used (a constant per program: core_fixes.bpf.h) */
static __always_inline void read_rss_sum(struct mm_struct *mm, struct oomreap_mm_snapshot *s,
					 __s64 sum[OOMREAP_RSS_NR])
{
	read_rss_sum_l(mm, s, sum, false);
}

/*
 * Why did this attempt skip?  oom_reap_task_mm() fires skip_task_reaping
 * in two places: after mmap_read_trylock() failed, and with the read lock
 * held when MMF_OOM_SKIP is already set.  The flag alone cannot tell them
 * apart (6.18's exit_mmap() sets MMF_OOM_SKIP *before* taking the write
 * lock that makes the trylock fail), so when the flag is set we also ask
 * whether the lock is reader-owned by us, the reaper.
 *
 * PREEMPT_RT's mmap_lock (rwbase_rt) has no owner word: readers are only
 * counted.  There the flag decides, a rule that needs no lock: whoever
 * set MMF_OOM_SKIP before a skip is the victim's own exit_mmap(), after
 * its unmap and before its write lock (5.10 to 6.0: after its own
 * __oom_reap_task_mm(); 6.1 to 7.3: after unmap_vmas() under the read
 * lock), or the OOM killer for an mm it never queues: the mm is gone
 * either way.  Only when
 * the readers word proves that the trylock failed (a writer holds the
 * lock, WRITER_BIAS, or waits with no reader in, 0: the reaper cannot be
 * in it) is the skip still a failed trylock, as the kernel counts it.
 */
#define RWBASE_WRITER_BIAS (1 << 30)

static __always_inline __u32 classify_skip(const struct oomreap_mm_snapshot *snap,
					   struct mm_struct *mm)
{
	__s32 readers;
	long owner;

	if (!(snap->snap_flags & OOMREAP_SNAP_VALID))
		return OOMREAP_SKIP_UNKNOWN;
	if (!(snap->mm_flags & (1ull << MMF_OOM_SKIP_BIT)))
		return OOMREAP_SKIP_TRYLOCK_FAILED;
	if (mm_lock_owner(mm, &owner)) {
		if ((owner & 1) && (owner & ~7L) == (long)bpf_get_current_task())
			return OOMREAP_SKIP_MM_GONE;
		return OOMREAP_SKIP_TRYLOCK_FAILED;
	}
	if (mm_lock_rwbase_readers(mm, &readers) &&
	    (readers == 0 || readers == RWBASE_WRITER_BIAS))
		return OOMREAP_SKIP_TRYLOCK_FAILED;
	return OOMREAP_SKIP_MM_GONE;
}

#endif /* OOMREAP_BPF_H */
