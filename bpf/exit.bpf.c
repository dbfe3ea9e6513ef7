// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every victim's exit, the OOM killer's and the userspace killers', on
 * every rung: the sched_process_exit tracepoint, behind a filter of three
 * loads (it fires for every thread in the system).  Linked into the one
 * object with oomreap.bpf.c (maps.bpf.c says how).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "core_fixes.bpf.h"
#include "oomreap.bpf.h"
#include "oomreap_abi.h"
#include "oomreap_hooks.h"

/* Set by userspace between open and load. */
const volatile bool exit_tp_has_group_dead = false; /* sched_process_exit(p, group_dead) */

/*
 * A userspace victim's last thread exits.  Called from the exit program
 * for a task that is no OOM victim: the filter is one more load (the
 * process died of SIGKILL or SIGTERM: signal->group_exit_code, set by
 * complete_signal() for a fatal signal, holds an exit(2) status << 8
 * otherwise), then one lookup.  Returns 1 when the task is such a
 * victim's (its group's end reported here), 0 when it is none.
 */
static __always_inline int user_victim_exit(unsigned long long *ctx, struct task_struct *task,
					    struct signal_struct *sig, bool loop)
{
	struct oomreap_exit_event *e;
	int code = sig->group_exit_code;
	struct uvictim *uv;
	struct mm_struct *mm;
	bool group_dead;
	__u32 tgid;

	if (code != SIGKILL && code != SIGTERM)
		return 0;
	if (!uk_pending)
		return 0;
	tgid = task->tgid;
	uv = bpf_map_lookup_elem(&uk_victims, &tgid);
	if (!uv)
		return 0;
	if (exit_tp_has_group_dead)
		group_dead = (bool)ctx[1];
	else
		group_dead = BPF_CORE_READ(task, signal, live.counter) == 0;
	if (!group_dead)
		return 1;
	e = reserve(sizeof(*e));
	if (!e)
		return 1;
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, OOMREAP_EV_VICTIM_EXIT, sizeof(*e), OOMREAP_SRC_TRACEPOINT);
	e->hdr.tgid = tgid;
	e->hdr.pid = tgid;
	e->hdr.victim_seq = uv->seq;
	e->exiting_tid = BPF_CORE_READ(task, pid);
	e->group_dead = 1;
	/* read after the reserve: see OOMREAP_EXIT_MRELEASE_BUSY, and mrel_entering */
	if (*(volatile __u64 *)&uv->mrel_busy || *(volatile __u64 *)&mrel_entering)
		e->exit_flags |= OOMREAP_EXIT_MRELEASE_BUSY;
	/* 6.18 fires before exit_mm(): the mm still there; older kernels after it */
	mm = BPF_CORE_READ(task, mm);
	read_mm(mm, &e->mm);
	read_rss_sum_l(mm, &e->mm, e->rss_sum, loop);
	if (mm)
		e->mm_released = e->mm.mm_users == 1;
	if (!bpf_map_delete_elem(&uk_victims, &tgid))
		__sync_fetch_and_sub(&uk_pending, 1);
	bpf_ringbuf_submit(e, wake_flags(true));
	return 1;
}

/*
 * Process exit fires for every thread in the system, so the filter comes
 * first and costs three loads: signal->oom_mm is set only for OOM victims,
 * and signal->group_exit_code is SIGKILL only for a process a SIGKILL is
 * taking down.
 *
 * Why the second: __oom_kill_process() sends the victim SIGKILL before
 * mark_oom_victim() sets oom_mm, both under the victim's task_lock.  On
 * PREEMPT_RT that lock sleeps, and the woken victim can preempt the
 * killer in between and run its exit to this tracepoint before it is a
 * victim (6.18 fires it at the start of do_exit(); older kernels after
 * exit_mm(), which waits for that lock).  Seen in the kernel matrix:
 * SIGKILL, sched_process_exit, then mark_victim, on one CPU.  Such an
 * exit goes out flagged OOMREAP_EXIT_UNMARKED and the reader holds it for
 * the kill that follows; complete_signal() sets group_exit_code to the
 * fatal signal, exit_group(n) to n << 8: never 9.
 */
static __always_inline int process_exit(unsigned long long *ctx, struct task_struct *task,
					bool loop)
{
	struct oomreap_exit_event *e;
	__s64 sum[OOMREAP_RSS_NR] = {};
	struct signal_struct *sig;
	struct mm_struct *oom_mm;
	struct victim *v;
	__u32 tgid, tid;
	bool group_dead, have_sum, unmarked = false;

	/*
	 * Direct (BTF-typed) loads, not bpf_probe_read_kernel(): this is the
	 * only program that runs outside OOMs, once per exiting thread.  But
	 * only this one off the task itself: from 6.3 the verifier checks each
	 * pointer loaded from a trusted pointer (the tracepoint's task) against
	 * its lists of trusted fields, by name, each a scan of the kernel's
	 * whole BTF: a millisecond of start-up per load.  So the signal is
	 * handed down, not loaded again, and the rare paths read with helpers.
	 */
	sig = task->signal;
	oom_mm = sig->oom_mm;
	if (!oom_mm) {
		/* a userspace killer's victim: its own event, and done */
		if (user_victim_exit(ctx, task, sig, loop))
			return 0;
		if (sig->group_exit_code != SIGKILL)
			return 0;
		unmarked = true;
	}
	/*
	 * Opaque to the compiler, which would otherwise recompute it from
	 * oom_mm with bit operations on a pointer: the verifier refuses those.
	 */
	barrier_var(unmarked);

	tid = BPF_CORE_READ(task, pid);
	tgid = BPF_CORE_READ(task, tgid);
	if (exit_tp_has_group_dead)
		group_dead = (bool)ctx[1];
	else /* older kernels fire after signal->live was decremented */
		group_dead = BPF_CORE_READ(task, signal, live.counter) == 0;
	v = bpf_map_lookup_elem(&victims, &tgid);
	if (unmarked) {
		/* only the group's end can matter to a kill still to come */
		if (!group_dead)
			return 0;
		oom_mm = BPF_CORE_READ(task, mm); /* NULL after exit_mm() */
		/* on the function rungs the kill event may be out already */
		if (v && (!oom_mm || v->mm != (__u64)oom_mm))
			v = NULL;
	}
	/* Threads other than the chosen one matter only when they end the group. */
	if (!group_dead && (!v || v->pid != tid))
		return 0;
	/*
	 * Summed here, before the event's fields branch on v: the verifier
	 * walks the per-CPU loop once, not once per path (start-up,
	 * docs/KERNEL.md).  Not for an unmarked exit: most are plain kill -9s
	 * and a loop over every CPU each would be their largest cost; the
	 * exit's own RSS is not one of the figures held to the kernel's.
	 */
	have_sum = !unmarked && mm_rss_sum_l(oom_mm, sum, loop);

	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, OOMREAP_EV_VICTIM_EXIT, sizeof(*e), OOMREAP_SRC_TRACEPOINT);
	e->hdr.tgid = tgid;
	e->exiting_tid = tid;
	e->group_dead = group_dead;
	if (unmarked)
		e->exit_flags = OOMREAP_EXIT_UNMARKED;
	if (v) {
		e->hdr.victim_seq = v->seq;
		e->hdr.pid = v->pid;
	}
	read_mm(oom_mm, &e->mm);
	if (have_sum) {
		e->mm.snap_flags |= OOMREAP_SNAP_RSS_SUM;
		__builtin_memcpy(e->rss_sum, sum, sizeof(e->rss_sum));
	}
	/*
	 * Does the mm die with this exit?  6.18 fires before exit_mm() (the
	 * task still holds its mm_users reference), older kernels after it.
	 */
	if (group_dead) {
		if (BPF_CORE_READ(task, mm))
			e->mm_released = e->mm.mm_users == 1;
		else /* an unmarked exit after exit_mm() read no mm: not known */
			e->mm_released = !unmarked && e->mm.mm_users == 0;
	}
	/*
	 * The last thread's exit can end the incident, unless the reaper has
	 * begun its loop: then its own last attempt does (and wakes the
	 * reader), except when a skip already found the mm gone and the
	 * incident waits for this exit.  One wake-up per incident, not two.
	 */
	bpf_ringbuf_submit(e, wake_flags(group_dead && (!unmarked || v) &&
					 (!v || !v->attempts || v->mm_gone)));
	return 0;
}

/*
 * The RSS sums' per-CPU loop through bpf_loop() (5.17+): verified once,
 * not once per possible CPU (core_fixes.bpf.h); the twin below elsewhere.
 */
SEC("tp_btf/" OOMREAP_HOOK_SCHED_PROCESS_EXIT)
int BPF_PROG(tp_sched_process_exit, struct task_struct *task)
{
	return process_exit(ctx, task, true);
}

SEC("tp_btf/" OOMREAP_HOOK_SCHED_PROCESS_EXIT)
int BPF_PROG(tp_sched_process_exit_unrolled, struct task_struct *task)
{
	return process_exit(ctx, task, false);
}
