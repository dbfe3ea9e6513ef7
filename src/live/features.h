/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What this kernel offers, read from its BTF (never from the version
 * string: distributions backport).  Also fed with crafted BTF in tests
 * (--btf).  Every field decides something: which rung can work, which
 * hooks it uses, or a knob the BPF side is loaded with.
 */
#ifndef OOMREAP_FEATURES_H
#define OOMREAP_FEATURES_H

#include <stdbool.h>
#include <stdio.h>

#include "live/hooks.h"

struct corebtf;

/*
 * The mmap_lock's shape (struct rw_semaphore), which decides whether
 * blocker attribution can load: bpf/core_fixes.bpf.h reads each one.
 */
enum mmap_lock_layout {
	MMAP_LOCK_UNKNOWN,      /* none of the below: blocker attribution stays off */
	MMAP_LOCK_WAIT_LIST,    /* rwsem, list_head wait_list (up to 7.0) */
	MMAP_LOCK_FIRST_WAITER, /* rwsem, rwsem_waiter *first_waiter (7.1+) */
	MMAP_LOCK_RWBASE_RT,    /* PREEMPT_RT: rwbase_rt { readers, rtmutex } */
};

struct kernel_features {
	char release[65];
	/* tracepoints (btf_trace_* typedefs) */
	bool tp_mark_victim;
	bool mark_victim_has_task;   /* (task, uid) since 6.9 and backports */
	bool tp_reaper;              /* wake/start/finish/skip_task_reaping */
	bool tp_sched_process_exit;
	bool exit_tp_has_group_dead; /* sched_process_exit(p, group_dead) */
	bool tp_signal_generate;     /* signal_generate(sig, info, task, ...) */
	/* each hook's typedef or function is in BTF (a function: attachable) */
	bool in_btf[HOOK_NR];
	int mark_oom_victim_btf_id;  /* for the cheap fentry probe */
	bool kfunc_task_from_pid;
	bool helper_task_pt_regs;    /* bpf_task_pt_regs (5.15+): a killer's system call */
	bool helper_loop;            /* bpf_loop (5.17+): loops verified once, not per turn */
	/* data structure shapes */
	bool reaper_timer;           /* task_struct.oom_reaper_timer: 2 s delay */
	enum mmap_lock_layout mmap_lock; /* what blocker attribution walks */
	bool rss_percpu;             /* mm->rss_stat is percpu_counter[] (6.2+) */
	/* RSS exact sums in BPF: possible CPUs to add up, 0 = none (and why) */
	unsigned rss_sum_cpus;
	char rss_sum_why[80];
	long bpf_array_pptrs_off;    /* offsetof(struct bpf_array, pptrs), -1 unknown */
	/* the kernel counts a kprobe program's skipped runs (6.7+: live/attach.c) */
	bool kprobe_missed_counted;
};

/* The layout as `probe` names it: "rw_semaphore, first_waiter (7.1+)", ... */
const char *features__mmap_lock_name(enum mmap_lock_layout l);

/* bpf/core_fixes.bpf.h, RSS_SUM_MAX_CPUS: the loop's hard bound. */
#define FEATURES_RSS_SUM_MAX_CPUS 1024

/*
 * Read the kernel's BTF (btf_path NULL) or the BTF in btf_path once, in
 * one pass: kf from it (and uname(2)), and, while it is open, the CO-RE
 * subset into core (live/corebtf.h).  print_to: also what `probe` shows
 * of it.  Returns 0, or EXIT_UNSUPPORTED after saying why (no BTF, or no
 * OOM tracepoints).
 */
int features__load(struct kernel_features *kf, struct corebtf *core, const char *btf_path,
		   FILE *print_to);

#endif /* OOMREAP_FEATURES_H */
