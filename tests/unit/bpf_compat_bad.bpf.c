// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Not loaded anywhere: one program per BPF feature that 5.10 refuses, for
 * test_bpf_compat to find (a checker that finds nothing proves nothing).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__u64 counter = 0;

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} task_store SEC(".maps");

SEC("tp_btf/wake_reaper")
int BPF_PROG(plain_add, int pid)
{
	__sync_fetch_and_add(&counter, 1); /* value unused: XADD, fine on 5.10 */
	return 0;
}

SEC("tp_btf/wake_reaper")
int BPF_PROG(fetch_add, int pid)
{
	return __sync_fetch_and_add(&counter, 1) > 5;
}

SEC("tp_btf/wake_reaper")
int BPF_PROG(cmpxchg, int pid)
{
	return __sync_val_compare_and_swap(&counter, 0, 1);
}

static __noinline int newer_helper(void)
{
	return bpf_get_current_task_btf() != 0;
}

SEC("tp_btf/wake_reaper")
int BPF_PROG(via_subprog, int pid)
{
	return newer_helper();
}

SEC("tp_btf/wake_reaper")
int BPF_PROG(kfunc, int pid)
{
	struct task_struct *t = bpf_task_from_pid(pid);

	if (t)
		bpf_task_release(t);
	return 0;
}
