/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What this kernel offers, read from its BTF (never from the version
 * string: distributions backport).  Also fed with crafted BTF in tests.
 */
#ifndef OOMREAP_KFEATURES_H
#define OOMREAP_KFEATURES_H

#include <stdbool.h>
#include <stdio.h>

struct kbtf;

struct kernel_features {
	char release[65];
	bool have_btf;
	/* tracepoints (btf_trace_* typedefs) */
	bool tp_mark_victim;
	bool mark_victim_has_task;   /* (task, uid) since 6.9 and backports */
	bool tp_reaper;              /* wake/start/finish/skip_task_reaping */
	bool tp_sched_process_exit;
	bool exit_tp_has_group_dead; /* sched_process_exit(p, group_dead) */
	bool tp_signal_generate;     /* signal_generate(sig, info, task, ...) */
	/* kernel functions that exist as attachable symbols */
	bool fn_mark_oom_victim;
	int mark_oom_victim_btf_id;  /* for the cheap fentry probe */
	bool fn_oom_kill_process;
	bool fn_queue_oom_reaper;
	bool fn_wake_oom_reaper;
	bool fn_oom_reap_task_mm;
	/* data structure shapes */
	bool reaper_timer;           /* task_struct.oom_reaper_timer: 2 s delay */
	bool rss_percpu;             /* mm_struct.rss_stat is percpu_counter[] */
	bool mm_flags_bitmap;        /* mm_struct.flags is mm_flags_t */
	bool kfunc_task_from_pid;
};

/* Fill kf from btf (NULL: this kernel's vmlinux BTF). Returns -errno. */
/* kf from BTF (src/kbtf.h) and uname(2). */
int features__probe(struct kernel_features *kf, const struct kbtf *btf);
int features__from_btf(struct kernel_features *kf, const struct kbtf *btf);
void features__print(FILE *f, const struct kernel_features *kf);

#endif /* OOMREAP_KFEATURES_H */
