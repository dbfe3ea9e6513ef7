// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Blocker attribution: at every reaper skip that is a failed trylock, name
 * who holds the victim's mmap_lock and who waits on it, with kernel stacks.
 *
 * Linked into the one object (maps.bpf.c says how), so that start-up
 * loads the kernel's BTF once, but a room of its own: it needs
 * the bpf_task_from_pid() kfunc (6.2+), because bpf_get_task_stack() wants
 * a trusted task and the rwsem owner word is only a number.  The kfuncs
 * are weak: on a kernel without them userspace leaves tp_skip_blockers
 * unloaded, the rest of the tracer runs, and incidents say "no blocker
 * data".
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

/* rwsem_waiter_type (kernel/locking/rwsem.c) */
#define RWSEM_WAITING_FOR_WRITE 0
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

SEC("tp_btf/" OOMREAP_HOOK_SKIP_TASK_REAPING)
int BPF_PROG(tp_skip_blockers, int pid)
{
	struct oomreap_blocker_event *e;
	struct oomreap_mm_snapshot snap = {};
	struct list_head *head, *node;
	struct mm_struct *mm;
	struct victim *v;
	__u32 zero = 0, n = 0;
	long owner = 0;
	int i;

	v = bpf_map_lookup_elem(&victims, &(__u32){ pid });
	if (!v || !v->mm)
		return 0;
	mm = (struct mm_struct *)v->mm;
	read_mm(mm, &snap);
	if (classify_skip(&snap, mm) != OOMREAP_SKIP_TRYLOCK_FAILED)
		return 0;

	e = bpf_map_lookup_elem(&blocker_scratch, &zero);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->hdr.type = OOMREAP_EV_BLOCKER;
	e->hdr.size = sizeof(*e);
	e->hdr.ts_ns = bpf_ktime_get_ns();
	e->hdr.victim_seq = v->seq;
	e->hdr.pid = pid;
	e->hdr.tgid = v->tgid;
	e->hdr.cpu = bpf_get_smp_processor_id();
	e->hdr.source = OOMREAP_SRC_TRACEPOINT;
	e->lock_count = BPF_CORE_READ(mm, mmap_lock.count.counter);

	if (mm_lock_owner(mm, &owner) && (owner & ~7L)) {
		fill_task(&e->tasks[0], owner & ~7L,
			  (owner & 1) ? OOMREAP_ROLE_OWNER_READER : OOMREAP_ROLE_OWNER_WRITER);
		n = 1;
	} else {
		e->blk_flags |= OOMREAP_BLK_NO_OWNER;
	}

	/* wait_list holds struct rwsem_waiter, linked through .list, in queue order. */
	head = &mm->mmap_lock.wait_list;
	node = BPF_CORE_READ(head, next);
	for (i = 0; i < OOMREAP_MAX_WAITERS; i++) {
		struct rwsem_waiter *w;
		struct task_struct *task;
		__u32 type;

		if (!node || node == head)
			break;
		w = (void *)((char *)node - bpf_core_field_offset(struct rwsem_waiter, list));
		task = BPF_CORE_READ(w, task);
		type = BPF_CORE_READ(w, type);
		if (task && n < 1 + OOMREAP_MAX_WAITERS) {
			fill_task(&e->tasks[n], (__u64)task,
				  type == RWSEM_WAITING_FOR_WRITE ? OOMREAP_ROLE_WAITER_WRITE
								  : OOMREAP_ROLE_WAITER_READ);
			n++;
		}
		node = BPF_CORE_READ(node, next);
	}
	if (node && node != head)
		e->blk_flags |= OOMREAP_BLK_WAITERS_TRUNC;
	e->ntasks = n;

	if (bpf_ringbuf_output(&events, e, sizeof(*e), submit_flags()))
		__sync_fetch_and_add(&blocker_dropped, 1);
	return 0;
}
