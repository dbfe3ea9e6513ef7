// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * BTF of a kernel that cannot be booted here: the oom tracepoints as they
 * were before 6.9 and its stable backports -- mark_victim(int pid) -- on a
 * kernel without the 2 s reaper timer (before 5.18) and with the old
 * atomic rss counters (before 6.2).  Compiled with clang -g -target bpf;
 * `oomreap-trace --btf THIS.o probe` must detect exactly that (feature
 * detection, not version numbers).  Checked by tests/vm/btf_fixture_test.sh.
 *
 * -DNEW_MARK_VICTIM gives the control: the (task, uid) prototype, and the
 * bpf_loop() helper a 6.9+ kernel has (5.17+), which the old shape lacks.
 */
typedef unsigned int uid_t;
typedef struct { long counter; } atomic_long_t;
typedef struct { int counter; } atomic_t;

struct task_struct {
	int pid;
	int tgid;
	/* no oom_reaper_timer: the reaper is woken at once */
};

#define NR_MM_COUNTERS 4
struct mm_rss_stat {
	atomic_long_t count[NR_MM_COUNTERS];
};

struct mm_struct {
	struct {
		atomic_t mm_users;
		unsigned long flags;
		struct mm_rss_stat rss_stat;
	};
};

#ifdef NEW_MARK_VICTIM
typedef void (*btf_trace_mark_victim)(void *, struct task_struct *, uid_t);
#else
typedef void (*btf_trace_mark_victim)(void *, int);
#endif
typedef void (*btf_trace_wake_reaper)(void *, int);
typedef void (*btf_trace_start_task_reaping)(void *, int);
typedef void (*btf_trace_finish_task_reaping)(void *, int);
typedef void (*btf_trace_skip_task_reaping)(void *, int);
typedef void (*btf_trace_sched_process_exit)(void *, struct task_struct *);

btf_trace_mark_victim keep_mark_victim;
btf_trace_wake_reaper keep_wake_reaper;
btf_trace_start_task_reaping keep_start;
btf_trace_finish_task_reaping keep_finish;
btf_trace_skip_task_reaping keep_skip;
btf_trace_sched_process_exit keep_exit;
struct task_struct keep_task;
struct mm_struct keep_mm;

#ifdef NEW_MARK_VICTIM
/* the helper's function, as BPF_CALL_4(bpf_loop, ...) puts it in the BTF */
__attribute__((noinline)) long bpf_loop(unsigned int nr_loops, void *callback_fn,
					void *callback_ctx, unsigned long flags)
{
	return nr_loops + (long)callback_fn + (long)callback_ctx + flags;
}
#endif
