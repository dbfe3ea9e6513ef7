// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cost floor of an event on the OOM path, for `make bench`: on the
 * same tracepoints as oomreap-trace, each program only reserves a
 * ring-buffer record of the size ours emits, zeroes it, stamps the time
 * and submits it, waking the reader where ours always do (the reaper's
 * finish ends an incident: oomreap.bpf.h, closing events) and not where
 * ours never do.  The wake-up is an irq_work, a self-IPI, that wakes the
 * floor's own reader (bench/event_floor.c waits on this buffer as the
 * tool's reader waits on its own): in a VM, VM exits, the larger part of a
 * waking event's cost.  Nothing is read from the kernel.  What our
 * programs cost above this is what they read.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} floor_events SEC(".maps");

#define KILL_EVENT_SIZE 424 /* sizeof(struct oomreap_kill_event) */
#define REAP_EVENT_SIZE 104 /* sizeof(struct oomreap_reap_event) */

static __always_inline int emit(__u32 size, __u64 flags)
{
	__u64 *e = bpf_ringbuf_reserve(&floor_events, size, 0);

	if (!e)
		return 0;
	__builtin_memset(e, 0, size);
	e[1] = bpf_ktime_get_ns();
	bpf_ringbuf_submit(e, flags);
	return 0;
}

/* One program per tracepoint ours use on the OOM path. */
#define FLOOR_PROGRAM(tp, size, flags)           \
	SEC("tp_btf/" #tp)                       \
	int BPF_PROG(floor_##tp)                 \
	{                                        \
		return emit(size, flags);        \
	}

FLOOR_PROGRAM(mark_victim, KILL_EVENT_SIZE, BPF_RB_NO_WAKEUP)
FLOOR_PROGRAM(wake_reaper, REAP_EVENT_SIZE, BPF_RB_NO_WAKEUP)
FLOOR_PROGRAM(start_task_reaping, REAP_EVENT_SIZE, BPF_RB_NO_WAKEUP)
FLOOR_PROGRAM(finish_task_reaping, REAP_EVENT_SIZE, BPF_RB_FORCE_WAKEUP)
/* ours wakes only for a skip that may be the last: rarely, as here never */
FLOOR_PROGRAM(skip_task_reaping, REAP_EVENT_SIZE, BPF_RB_NO_WAKEUP)

/*
 * Where ours filters every exit in the system: an empty program, the cost
 * of running any program there as bpf_stats measures it (its own clock
 * reads included).  The floor under the exit filter's figure.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(floor_sched_process_exit)
{
	return 0;
}
