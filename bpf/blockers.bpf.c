// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Blocker attribution: at every reaper skip that is a failed trylock, name
 * who holds the victim's mmap_lock and who waits on it, with kernel stacks.
 *
 * Linked into the one object (maps.bpf.c says how), so that start-up
 * loads the kernel's BTF once, but a room of its own: it needs
 * the bpf_task_from_pid() kfunc (6.2+), because bpf_get_task_stack() wants
 * a trusted task and the rwsem owner word is only a number.  The kfuncs
 * are weak: on a kernel without them userspace loads the plain
 * tp_skip_task_reaping instead of its twin tp_skip_task_reaping_blockers,
 * the one caller of blocker_picture(); the rest of the tracer runs, and
 * incidents say "no blocker data".
 *
 * Cost: this runs only on skip_task_reaping, i.e. only while the reaper is
 * failing to get a victim's lock; never on a hot path.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "oomreap.bpf.h"

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;

__u64 blocker_dropped = 0;

/* The event is ~1 KiB: too big for the BPF stack, so it is built here. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct oomreap_blocker_event);
} blocker_scratch SEC(".maps");

/* rwsem_waiter_type and the count's flags (kernel/locking/rwsem.c) */
#define RWSEM_WAITING_FOR_WRITE 0
#define RWSEM_FLAG_WAITERS (1UL << 1)
#define ESRCH 3

/*
 * A global (not static) function: the verifier checks it once, not at each
 * of its five call sites (start-up), so its arguments are plain: the task
 * as an address, bt as memory of its size.
 */
__noinline int fill_task(struct oomreap_blocked_task *bt, __u64 raw_addr, __u32 role)
{
	struct task_struct *raw = (struct task_struct *)raw_addr;
	struct task_struct *t;
	long n;

	if (!bt)
		return 0;
	bt->pid = BPF_CORE_READ(raw, pid);
	bt->tgid = BPF_CORE_READ(raw, tgid);
	BPF_CORE_READ_STR_INTO(&bt->comm, raw, comm);
	bt->role = role;
	bt->stack_len = -ESRCH;
	/*
	 * A trusted reference for the stack walk.  The pid could in theory
	 * have been recycled since the owner word was written: only walk the
	 * stack of the very task the lock names.
	 */
	t = bpf_task_from_pid(bt->pid);
	if (!t)
		return 0;
	/*
	 * Same task iff same start time.  (Comparing the pointers would let
	 * the compiler pass the equal but untrusted `raw` to the helper.)
	 */
	if (BPF_CORE_READ(t, start_time) == BPF_CORE_READ(raw, start_time)) {
		n = bpf_get_task_stack(t, bt->stack, sizeof(bt->stack), 0);
		bt->stack_len = n > 0 ? n / sizeof(__u64) : n;
	}
	bpf_task_release(t);
	return 0;
}

/* One waiter of a non-RT rwsem (either layout), as a blocked task. */
static __always_inline __u32 add_rwsem_waiter(struct oomreap_blocker_event *e, __u32 n,
					      struct rwsem_waiter *w)
{
	struct task_struct *task = BPF_CORE_READ(w, task);
	__u32 type = BPF_CORE_READ(w, type);

	if (task && n < 1 + OOMREAP_MAX_WAITERS) {
		fill_task(&e->tasks[n], (__u64)task,
			  type == RWSEM_WAITING_FOR_WRITE ? OOMREAP_ROLE_WAITER_WRITE
							  : OOMREAP_ROLE_WAITER_READ);
		n++;
	}
	return n;
}

/* Up to 7.0: wait_list holds struct rwsem_waiter, linked through .list, in queue order. */
static __always_inline __u32 waiters_list(struct oomreap_blocker_event *e, __u32 n,
					  struct mm_struct *mm)
{
	struct list_head *head = &mm->mmap_lock.wait_list, *node;
	int i;

	node = BPF_CORE_READ(head, next);
	for (i = 0; i < OOMREAP_MAX_WAITERS; i++) {
		if (!node || node == head)
			break;
		n = add_rwsem_waiter(
			e, n, (void *)((char *)node - bpf_core_field_offset(struct rwsem_waiter, list)));
		node = BPF_CORE_READ(node, next);
	}
	if (node && node != head)
		e->blk_flags |= OOMREAP_BLK_WAITERS_TRUNC;
	return n;
}

/*
 * 7.1+: first_waiter, and the waiters in a headless circle through .list,
 * in queue order: the walk ends when it is back at the first.
 */
static __always_inline __u32 waiters_circle(struct oomreap_blocker_event *e, __u32 n,
					    struct mm_struct *mm)
{
	struct rw_semaphore___first_waiter *sem = (void *)&mm->mmap_lock;
	struct rwsem_waiter *first, *w;
	struct list_head *next;
	int i;

	first = BPF_CORE_READ(sem, first_waiter);
	w = first;
	for (i = 0; i < OOMREAP_MAX_WAITERS; i++) {
		if (!w)
			break;
		n = add_rwsem_waiter(e, n, w);
		next = BPF_CORE_READ(w, list.next);
		w = next ? (void *)((char *)next - bpf_core_field_offset(struct rwsem_waiter, list))
			 : NULL;
		if (w == first)
			w = NULL;
	}
	if (w)
		e->blk_flags |= OOMREAP_BLK_WAITERS_TRUNC;
	return n;
}

/*
 * The rb-tree's next node in order (lib/rbtree.c rb_next), each climb
 * bounded: a red-black tree of 2^16 waiters is at most 32 deep.  The tree
 * may change under us (we hold no lock): every read is a probe read, and a
 * torn walk ends early, it cannot loop.
 */
#define RB_MAX_DEPTH 32

static __always_inline struct rb_node *rb_next_bounded(struct rb_node *node)
{
	struct rb_node *parent, *child;
	int j;

	child = BPF_CORE_READ(node, rb_right);
	if (child) {
		for (j = 0; j < RB_MAX_DEPTH; j++) {
			node = child;
			child = BPF_CORE_READ(node, rb_left);
			if (!child)
				return node;
		}
		return NULL;
	}
	for (j = 0; j < RB_MAX_DEPTH; j++) {
		parent = (void *)(BPF_CORE_READ(node, __rb_parent_color) & ~3UL);
		if (!parent || BPF_CORE_READ(parent, rb_right) != node)
			return parent;
		node = parent;
	}
	return NULL;
}

/* Where a struct rt_mutex_waiter's rb_node sits in it: 6.6 moved it. */
static __always_inline long rt_waiter_node_offset(void)
{
	if (bpf_core_field_exists(struct rt_mutex_waiter___old, tree_entry))
		return bpf_core_field_offset(struct rt_mutex_waiter___old, tree_entry);
	return bpf_core_field_offset(struct rt_mutex_waiter, tree.entry);
}

/*
 * PREEMPT_RT: the mmap_lock is an rwbase_rt.  A failed read trylock means
 * a writer owns its rtmutex (holding the lock, or waiting for the readers
 * in it to leave): that writer is named.  The readers are a count the
 * kernel keeps and nothing more: lock_count carries it (OOMREAP_BLK_RWBASE).
 * The tasks blocked on the rtmutex, in its rb-tree in priority order, are
 * the waiters; the tree does not say whether each wants to read or write.
 */
static __always_inline __u32 rt_lock(struct oomreap_blocker_event *e, struct mm_struct *mm)
{
	struct rw_semaphore___rt *sem = (void *)&mm->mmap_lock;
	unsigned long owner_word;
	struct task_struct *owner;
	struct rb_node *node;
	long off;
	__u32 n = 0;
	int i;

	e->blk_flags |= OOMREAP_BLK_RWBASE;
	e->lock_count = (__u32)BPF_CORE_READ(sem, rwbase.readers.counter);
	/* rt_mutex_owner(): bit 0 is RT_MUTEX_HAS_WAITERS */
	owner_word = (unsigned long)BPF_CORE_READ(sem, rwbase.rtmutex.owner);
	owner = (void *)(owner_word & ~1UL);
	if (owner) {
		fill_task(&e->tasks[0], (__u64)owner, OOMREAP_ROLE_OWNER_WRITER);
		n = 1;
	} else {
		e->blk_flags |= OOMREAP_BLK_NO_OWNER;
	}

	off = rt_waiter_node_offset();
	node = BPF_CORE_READ(sem, rwbase.rtmutex.waiters.rb_leftmost);
	for (i = 0; i < OOMREAP_MAX_WAITERS; i++) {
		struct rt_mutex_waiter *w;
		struct task_struct *task;

		if (!node)
			break;
		w = (void *)((char *)node - off);
		task = BPF_CORE_READ(w, task);
		if (task && n < 1 + OOMREAP_MAX_WAITERS) {
			fill_task(&e->tasks[n], (__u64)task, OOMREAP_ROLE_WAITER_RT);
			n++;
		}
		node = rb_next_bounded(node);
	}
	if (node)
		e->blk_flags |= OOMREAP_BLK_WAITERS_TRUNC;
	/* RT_MUTEX_HAS_WAITERS set, and not one found: say so, not "no waiter" */
	if (n == (owner ? 1 : 0) && (owner_word & 1))
		e->blk_flags |= OOMREAP_BLK_WAITERS_UNSEEN;
	return n;
}

/* Not RT: the rwsem's count and owner word, then its waiters in either layout. */
static __always_inline __u32 rwsem_lock(struct oomreap_blocker_event *e, struct mm_struct *mm)
{
	long owner = 0;
	__u32 n = 0, waiters;

	e->lock_count = BPF_CORE_READ(mm, mmap_lock.count.counter);
	if (mm_lock_owner(mm, &owner) && (owner & ~7L)) {
		fill_task(&e->tasks[0], owner & ~7L,
			  (owner & 1) ? OOMREAP_ROLE_OWNER_READER : OOMREAP_ROLE_OWNER_WRITER);
		n = 1;
	} else {
		e->blk_flags |= OOMREAP_BLK_NO_OWNER;
	}
	waiters = n;
	if (bpf_core_field_exists(mm->mmap_lock.wait_list))
		n = waiters_list(e, n, mm);
	else
		n = waiters_circle(e, n, mm);
	/* RWSEM_FLAG_WAITERS (bit 1 of count) set, and not one found */
	if (n == waiters && (e->lock_count & RWSEM_FLAG_WAITERS))
		e->blk_flags |= OOMREAP_BLK_WAITERS_UNSEEN;
	return n;
}

/*
 * The mm a victim the programs never saw killed (killed before tracing
 * started) is being reaped for: its task by pid, then signal->oom_mm, as
 * an address, or 0 (no such task any more).  The reaper's tracepoints
 * carry only the pid, and the victims map has no entry for it: this is
 * how a joined incident's reap gets its readings at the start and the
 * finish, so what it freed is known.  A global function: checked once.
 */
__noinline long joined_victim_mm(__u32 pid)
{
	struct task_struct *t = bpf_task_from_pid(pid);
	long mm;

	if (!t)
		return 0;
	mm = (long)BPF_CORE_READ(t, signal, oom_mm);
	bpf_task_release(t);
	return mm;
}

/*
 * The picture of one failed trylock, taken by tp_skip_task_reaping_blockers
 * (oomreap.bpf.c) inside the same program run that classified the skip,
 * before it submits the skip: the lock as the reaper found it, and one
 * picture for every failed trylock the skip event counts.  (It was a second
 * program on the tracepoint once: on PREEMPT_RT, where tracepoint programs
 * run preemptible, it ran up to 12 ms later, read a lock that had moved on,
 * classified again and could disagree: a picture of a later state, or none.)
 *
 * A global function: the verifier checks it once, on its own, with its
 * plain arguments; the mm is an address, read only with probe reads.
 * Its ring-buffer record is reserved after the skip's, so the reader sees
 * the skip first.
 */
__noinline int blocker_picture(__u64 mm_addr, __u32 pid, __u32 tgid, __u64 seq)
{
	struct mm_struct *mm = (struct mm_struct *)mm_addr;
	struct oomreap_blocker_event *e;
	__u32 zero = 0;

	if (!mm)
		return 0;
	e = bpf_map_lookup_elem(&blocker_scratch, &zero);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->hdr.type = OOMREAP_EV_BLOCKER;
	e->hdr.size = sizeof(*e);
	e->hdr.ts_ns = bpf_ktime_get_ns();
	e->hdr.victim_seq = seq;
	e->hdr.pid = pid;
	e->hdr.tgid = tgid;
	e->hdr.cpu = bpf_get_smp_processor_id();
	e->hdr.source = OOMREAP_SRC_TRACEPOINT;
	/* the layout this kernel has, from its BTF (core_fixes.bpf.h) */
	if (mm_lock_is_rwbase(mm))
		e->ntasks = rt_lock(e, mm);
	else
		e->ntasks = rwsem_lock(e, mm);

	if (bpf_ringbuf_output(&events, e, sizeof(*e), submit_flags()))
		__sync_fetch_and_add(&blocker_dropped, 1);
	return 0;
}
