// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Compiled with clang -g, this object's BTF stands in for a kernel that has
 * BTF but none of the oom tracepoints: the tool must say so in one line.
 */
struct task_struct {
	int pid;
	int tgid;
};

typedef void (*btf_trace_sched_process_exit)(void *, struct task_struct *);

btf_trace_sched_process_exit keep_type;
struct task_struct keep_task;
