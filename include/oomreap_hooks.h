/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every kernel hook oomreap-trace attaches to, each name written once, here.
 * The BPF programs' SEC() strings (bpf/), the feature probe's BTF
 * lookups (btf_trace_<name> typedefs, FUNC <name>: src/live/features.c)
 * and the attach plan's labels ("tracepoint oom:mark_victim", "fentry
 * mark_oom_victim": src/live/attach.c) are all made from it.
 */
#ifndef OOMREAP_HOOKS_H
#define OOMREAP_HOOKS_H

/* Tracepoints, attached as tp_btf on every rung. */
#define OOMREAP_HOOK_MARK_VICTIM "mark_victim"
#define OOMREAP_HOOK_WAKE_REAPER "wake_reaper"
#define OOMREAP_HOOK_START_TASK_REAPING "start_task_reaping"
#define OOMREAP_HOOK_FINISH_TASK_REAPING "finish_task_reaping"
#define OOMREAP_HOOK_SKIP_TASK_REAPING "skip_task_reaping"
#define OOMREAP_HOOK_SCHED_PROCESS_EXIT "sched_process_exit"
#define OOMREAP_HOOK_SIGNAL_GENERATE "signal_generate"

/* Kernel functions, attached as fentry/fexit or kprobe/kretprobe. */
#define OOMREAP_HOOK_MARK_OOM_VICTIM "mark_oom_victim"
#define OOMREAP_HOOK_OOM_KILL_PROCESS "oom_kill_process"
#define OOMREAP_HOOK_QUEUE_OOM_REAPER "queue_oom_reaper"
#define OOMREAP_HOOK_WAKE_OOM_REAPER "wake_oom_reaper"
#define OOMREAP_HOOK_OOM_REAP_TASK_MM "__oom_reap_task_mm"

/*
 * The table, for userspace: X(id, kind, subsystem) per hook, its name
 * OOMREAP_HOOK_<id>; kind TRACEPOINT or FUNCTION, subsystem the
 * tracepoint's ("" for a function).  In the order `probe` lists them.
 */
#define OOMREAP_HOOKS(X)                                   \
	X(MARK_VICTIM, TRACEPOINT, "oom")                  \
	X(WAKE_REAPER, TRACEPOINT, "oom")                  \
	X(START_TASK_REAPING, TRACEPOINT, "oom")           \
	X(FINISH_TASK_REAPING, TRACEPOINT, "oom")          \
	X(SKIP_TASK_REAPING, TRACEPOINT, "oom")            \
	X(SCHED_PROCESS_EXIT, TRACEPOINT, "sched")         \
	X(SIGNAL_GENERATE, TRACEPOINT, "signal")           \
	X(MARK_OOM_VICTIM, FUNCTION, "")                   \
	X(OOM_KILL_PROCESS, FUNCTION, "")                  \
	X(QUEUE_OOM_REAPER, FUNCTION, "")                  \
	X(WAKE_OOM_REAPER, FUNCTION, "")                   \
	X(OOM_REAP_TASK_MM, FUNCTION, "")

#endif /* OOMREAP_HOOKS_H */
