/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every kernel-version quirk oomreap-trace has to absorb, in one place.
 * One flavor struct and one accessor per kernel change, each citing the
 * change.  Detection is by BTF (CO-RE), never by version number: distros
 * backport.
 */
#ifndef OOMREAP_CORE_FIXES_BPF_H
#define OOMREAP_CORE_FIXES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/*
 * mm->flags bit numbers (include/linux/sched/coredump.h, later mm_types.h).
 * #defines are not in BTF.  MMF_OOM_SKIP has been bit 21 on every kernel
 * since 4.9 (and still on 6.18); it is the only one we read.  Others moved:
 * 6.0 removed MMF_OOM_VICTIM (bit 25) and MMF_OOM_REAP_QUEUED went from 26
 * to 25, so those are not used here.
 */
#define MMF_OOM_SKIP_BIT 21

/*
 * 6.2, f1a7941243c1 ("mm: convert mm's rss stats into percpu_counter"):
 * mm->rss_stat went from struct mm_rss_stat { atomic_long_t count[]; } to
 * struct percpu_counter rss_stat[NR_MM_COUNTERS].
 */
struct mm_rss_stat___old {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

struct mm_struct___rss_old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));

/*
 * ~6.18 ("mm: convert mm->flags to a bitmap type"): mm->flags became
 * mm_flags_t { unsigned long __mm_flags[]; }.  Word 0 holds the MMF_* bits
 * either way.
 */
struct mm_struct___flags_old {
	unsigned long flags;
} __attribute__((preserve_access_index));

/*
 * 5.8, da1c55f1b272 ("mmap locking API: rename mmap_sem to mmap_lock").
 */
struct mm_struct___mmap_sem {
	struct rw_semaphore mmap_sem;
} __attribute__((preserve_access_index));

/*
 * 6.15 ("kernfs: Use RCU to access kernfs_node::parent"):
 * kernfs_node.parent was renamed __parent.
 */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline __u64 mm_flags_word(struct mm_struct *mm)
{
	struct mm_struct___flags_old *old = (void *)mm;

	if (bpf_core_field_exists(old->flags))
		return BPF_CORE_READ(old, flags);
	return BPF_CORE_READ(mm, flags.__mm_flags[0]);
}

/* One raw RSS counter; percpu reads (>= 6.2) are approximate and may be < 0. */
static __always_inline __s64 mm_rss_raw(struct mm_struct *mm, int idx, bool *approx)
{
	struct mm_struct___rss_old *old = (void *)mm;
	__s64 v = 0;

	if (bpf_core_field_exists(old->rss_stat)) {
		*approx = false;
		bpf_core_read(&v, sizeof(v), &old->rss_stat.count[idx & 3].counter);
		return v;
	}
	*approx = true;
	bpf_core_read(&v, sizeof(v), &mm->rss_stat[idx & 3].count);
	return v;
}

/*
 * The exact value of every RSS counter, as percpu_counter_sum() reads it
 * (lib/percpu_counter.c): count plus each CPU's s32 remainder, at
 * counters + that CPU's per-CPU offset (per_cpu_ptr()).  From 7.0 the
 * kernel's "Killed process" and "reaped process" lines print these sums
 * (get_mm_counter_sum()); the plain count read above can be short by up to
 * a batch (max(32, 2 x online CPUs) pages) per CPU that ran the task.
 *
 * The kernel sums the online and dying CPUs; this sums every possible CPU,
 * which is the same: a CPU that went offline had its remainder folded into
 * count and zeroed (percpu_counter_cpu_dead()).  It reads without the
 * counter's lock, so a fold racing with the read could be missed or counted
 * twice; the mm read here is a victim's, being killed or reaped (the
 * reaper's own updates run on this program's CPU, before or after it).
 *
 * CPU n's offset is __per_cpu_offset[n], the table per_cpu_ptr() itself
 * reads, at the address userspace found in /proc/kallsyms and stored in
 * per_cpu_offset_addr (0: not found, no sums).  A plain address, not a
 * typed __ksym: the kernel resolves those through kallsyms at load and
 * refuses the whole program where data symbols are not listed
 * (CONFIG_KALLSYMS_ALL off).  rss_sum_cpus is the number of possible CPUs
 * (libbpf_num_possible_cpus()), at most RSS_SUM_MAX_CPUS; read-only data,
 * so the verifier walks the loop that many times only: each program that
 * sums pays that many turns of verification at every start (about 200 ms
 * for the tracepoint rung's programs at 256 possible CPUs).  So where a
 * program may use bpf_loop() (5.17+: every kernel whose rss_stat is per
 * CPU, 6.2+, has it) the turn is a callback, which the verifier checks
 * until its states converge, not once per CPU (mm_rss_sum_l(loop)); 5.10
 * refuses a program that merely holds a callback, so the programs loaded
 * there keep the plain loop (their _unrolled twins, or none: older
 * kernels read no sums, rss_sum_cpus 0 makes the loop dead code).
 */
#define RSS_SUM_MAX_CPUS 1024

extern const volatile __u32 rss_sum_cpus;
extern __u64 per_cpu_offset_addr;

/* One CPU's remainders added, as a bpf_loop() callback: 1 stops the loop. */
struct rss_sum_walk {
	__u64 pcpu[4];
	__s64 sum[4];
	__u64 table;
	__u64 failed;
};

static long rss_sum_step(__u64 cpu, void *ctx)
{
	struct rss_sum_walk *w = ctx;
	__u64 off;
	int i;

	if (cpu >= rss_sum_cpus)
		return 1;
	if (bpf_probe_read_kernel(&off, sizeof(off), (void *)(w->table + cpu * 8ull))) {
		w->failed = 1;
		return 1;
	}
#pragma unroll
	for (i = 0; i < 4; i++) {
		__s32 r;

		if (bpf_probe_read_kernel(&r, sizeof(r), (void *)(w->pcpu[i] + off))) {
			w->failed = 1;
			return 1;
		}
		w->sum[i] += r;
	}
	return 0;
}

static __always_inline bool mm_rss_sum_l(struct mm_struct *mm, __s64 sum[4], bool loop)
{
	struct mm_struct___rss_old *old = (void *)mm;
	__u64 pcpu[4], table = per_cpu_offset_addr;
	__u32 cpu;
	int i;

	if (!rss_sum_cpus || !table || bpf_core_field_exists(old->rss_stat))
		return false;
#pragma unroll
	for (i = 0; i < 4; i++) {
		sum[i] = 0;
		pcpu[i] = 0;
		bpf_core_read(&sum[i], sizeof(sum[i]), &mm->rss_stat[i].count);
		if (bpf_core_read(&pcpu[i], sizeof(pcpu[i]), &mm->rss_stat[i].counters) || !pcpu[i])
			return false;
	}
	if (loop) {
		struct rss_sum_walk w;

		/* field by field: an initializer could be a constant in .rodata */
#pragma unroll
		for (i = 0; i < 4; i++) {
			w.pcpu[i] = pcpu[i];
			w.sum[i] = sum[i];
		}
		w.table = table;
		w.failed = 0;
		bpf_loop(rss_sum_cpus, rss_sum_step, &w, 0);
		if (w.failed)
			return false;
#pragma unroll
		for (i = 0; i < 4; i++)
			sum[i] = w.sum[i];
		return true;
	}
#pragma clang loop unroll(disable)
	for (cpu = 0; cpu < RSS_SUM_MAX_CPUS; cpu++) {
		__u64 off;

		if (cpu >= rss_sum_cpus)
			break;
		if (bpf_probe_read_kernel(&off, sizeof(off), (void *)(table + cpu * 8ull)))
			return false;
#pragma unroll
		for (i = 0; i < 4; i++) {
			__s32 r;

			if (bpf_probe_read_kernel(&r, sizeof(r), (void *)(pcpu[i] + off)))
				return false;
			sum[i] += r;
		}
	}
	return true;
}

static __always_inline bool mm_rss_sum(struct mm_struct *mm, __s64 sum[4])
{
	return mm_rss_sum_l(mm, sum, false);
}

/*
 * The mmap_lock rwsem's owner word: the writer, or the last reader to take
 * it (low bits: 1 = RWSEM_READER_OWNED, 2 = RWSEM_NONSPINNABLE), since 5.3.
 * Returns false when this kernel's rwsem has no owner word (PREEMPT_RT).
 */
static __always_inline bool mm_lock_owner(struct mm_struct *mm, long *owner)
{
	struct mm_struct___mmap_sem *old = (void *)mm;

	if (bpf_core_field_exists(mm->mmap_lock.owner)) {
		*owner = BPF_CORE_READ(mm, mmap_lock.owner.counter);
		return true;
	}
	if (bpf_core_field_exists(old->mmap_sem.owner)) {
		*owner = BPF_CORE_READ(old, mmap_sem.owner.counter);
		return true;
	}
	return false;
}

/*
 * The mmap_lock's three shapes, for blocker attribution (blockers.bpf.c).
 * Each is told apart by what the kernel's BTF has, never by version.
 *
 * Up to 7.0 (non-RT): struct rw_semaphore { count, owner, osq, wait_lock,
 * struct list_head wait_list }: waiters (struct rwsem_waiter) hang off
 * the wait_list head, linked through waiter->list.  vmlinux.h has it.
 *
 * 7.1, 1ea4b473504b ("locking/rwsem: Remove the list_head from struct
 * rw_semaphore"): wait_list became struct rwsem_waiter *first_waiter; the
 * waiters are still linked through waiter->list, but in a circle with no
 * head: the walk stops when it comes back to first_waiter.
 */
struct rw_semaphore___first_waiter {
	struct rwsem_waiter *first_waiter;
} __attribute__((preserve_access_index));

/*
 * PREEMPT_RT (5.15, 943f0edb754f "locking/rt: Add base code for RT
 * rw_semaphore and rwlock"): struct rw_semaphore { struct rwbase_rt
 * rwbase; }, rwbase_rt { atomic_t readers; struct rt_mutex_base rtmutex; }.
 * No count, no owner word, no rwsem_waiter: a writer owns the rtmutex
 * (owner's bit 0 is RT_MUTEX_HAS_WAITERS), readers are only a count in
 * `readers`, blocked tasks wait on the rtmutex's rb-tree.
 */
struct rwbase_rt___rt {
	atomic_t readers;
	struct rt_mutex_base rtmutex;
} __attribute__((preserve_access_index));

struct rw_semaphore___rt {
	struct rwbase_rt___rt rwbase;
} __attribute__((preserve_access_index));

/*
 * 6.6 ("locking/rtmutex: Fix task->pi_waiters integrity"): the rt_mutex
 * waiter's rb_node moved from tree_entry into struct rt_waiter_node tree
 * { entry, prio, deadline }.
 */
struct rt_mutex_waiter___old {
	struct rb_node tree_entry;
} __attribute__((preserve_access_index));

/* The mmap_lock is PREEMPT_RT's rwbase_rt. */
static __always_inline bool mm_lock_is_rwbase(struct mm_struct *mm)
{
	struct rw_semaphore___rt *sem = (void *)&mm->mmap_lock;

	return bpf_core_field_exists(sem->rwbase);
}

/* PREEMPT_RT: the rwbase_rt readers word (READER_BIAS, WRITER_BIAS: rwbase_rt.h). */
static __always_inline bool mm_lock_rwbase_readers(struct mm_struct *mm, __s32 *readers)
{
	struct rw_semaphore___rt *sem = (void *)&mm->mmap_lock;

	if (!bpf_core_field_exists(sem->rwbase))
		return false;
	*readers = BPF_CORE_READ(sem, rwbase.readers.counter);
	return true;
}

static __always_inline struct kernfs_node *kernfs_parent(struct kernfs_node *kn)
{
	struct kernfs_node___old *old = (void *)kn;

	if (bpf_core_field_exists(old->parent))
		return BPF_CORE_READ(old, parent);
	return BPF_CORE_READ(kn, __parent);
}

#endif /* OOMREAP_CORE_FIXES_BPF_H */
