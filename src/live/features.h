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
	/* data structure shapes */
	bool reaper_timer;           /* task_struct.oom_reaper_timer: 2 s delay */
	/* the kernel counts a kprobe program's skipped runs (6.7+: live/attach.c) */
	bool kprobe_missed_counted;
};

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
