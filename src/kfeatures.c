// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include <bpf/btf.h>

#include "kbtf.h"
#include "kfeatures.h"
#include "nameset.h"

/*
 * Every name the probe looks up, found in one pass over the BTF: a lookup
 * per name (btf__find_by_name_kind) scans all 130,000 types each time, and
 * a dozen of them were 3.5 ms of start-up.
 */
enum lookup {
	TP_MARK_VICTIM,
	TP_WAKE_REAPER,
	TP_START_TASK_REAPING,
	TP_FINISH_TASK_REAPING,
	TP_SKIP_TASK_REAPING,
	TP_SCHED_PROCESS_EXIT,
	TP_SIGNAL_GENERATE,
	FN_MARK_OOM_VICTIM,
	FN_OOM_KILL_PROCESS,
	FN_QUEUE_OOM_REAPER,
	FN_WAKE_OOM_REAPER,
	FN_OOM_REAP_TASK_MM,
	FN_BPF_TASK_FROM_PID,
	ST_TASK_STRUCT,
	ST_MM_STRUCT,
	ST_MM_RSS_STAT,
	TD_MM_FLAGS_T,
	LOOKUP_NR
};

static const struct {
	__u16 kind;
	const char *name;
} lookups[LOOKUP_NR] = {
	[TP_MARK_VICTIM] = { BTF_KIND_TYPEDEF, "btf_trace_mark_victim" },
	[TP_WAKE_REAPER] = { BTF_KIND_TYPEDEF, "btf_trace_wake_reaper" },
	[TP_START_TASK_REAPING] = { BTF_KIND_TYPEDEF, "btf_trace_start_task_reaping" },
	[TP_FINISH_TASK_REAPING] = { BTF_KIND_TYPEDEF, "btf_trace_finish_task_reaping" },
	[TP_SKIP_TASK_REAPING] = { BTF_KIND_TYPEDEF, "btf_trace_skip_task_reaping" },
	[TP_SCHED_PROCESS_EXIT] = { BTF_KIND_TYPEDEF, "btf_trace_sched_process_exit" },
	[TP_SIGNAL_GENERATE] = { BTF_KIND_TYPEDEF, "btf_trace_signal_generate" },
	[FN_MARK_OOM_VICTIM] = { BTF_KIND_FUNC, "mark_oom_victim" },
	[FN_OOM_KILL_PROCESS] = { BTF_KIND_FUNC, "oom_kill_process" },
	[FN_QUEUE_OOM_REAPER] = { BTF_KIND_FUNC, "queue_oom_reaper" },
	[FN_WAKE_OOM_REAPER] = { BTF_KIND_FUNC, "wake_oom_reaper" },
	[FN_OOM_REAP_TASK_MM] = { BTF_KIND_FUNC, "__oom_reap_task_mm" },
	[FN_BPF_TASK_FROM_PID] = { BTF_KIND_FUNC, "bpf_task_from_pid" },
	[ST_TASK_STRUCT] = { BTF_KIND_STRUCT, "task_struct" },
	[ST_MM_STRUCT] = { BTF_KIND_STRUCT, "mm_struct" },
	[ST_MM_RSS_STAT] = { BTF_KIND_STRUCT, "mm_rss_stat" },
	[TD_MM_FLAGS_T] = { BTF_KIND_TYPEDEF, "mm_flags_t" },
};

/* ids[i]: the first type of lookups[i]'s kind and name, or 0. */
static int find_all(const struct kbtf *btf, __u32 ids[LOOKUP_NR])
{
	struct nameset set;
	__u32 i;
	int err, k;

	memset(ids, 0, LOOKUP_NR * sizeof(ids[0]));
	err = nameset__init(&set, LOOKUP_NR);
	if (err)
		return err;
	for (k = 0; k < LOOKUP_NR; k++)
		nameset__add(&set, lookups[k].name, strlen(lookups[k].name), k);
	for (i = 1; i < btf->nr; i++) {
		const struct btf_type *t = kbtf__type(btf, i);
		__u16 kind = btf_kind(t);

		if (kind != BTF_KIND_FUNC && kind != BTF_KIND_TYPEDEF && kind != BTF_KIND_STRUCT)
			continue;
		k = nameset__find_str(&set, kbtf__str(btf, t->name_off));
		if (k >= 0 && lookups[k].kind == kind && !ids[k])
			ids[k] = i;
	}
	nameset__free(&set);
	return 0;
}

/* Number of parameters of a tracepoint's btf_trace_<name> prototype, or -1. */
static int tp_nr_params(const struct kbtf *btf, __u32 typedef_id)
{
	const struct btf_type *t = kbtf__type(btf, typedef_id);

	if (!t)
		return -1;
	t = kbtf__type(btf, t->type); /* pointer */
	if (!t || !btf_is_ptr(t))
		return -1;
	t = kbtf__type(btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return -1;
	return btf_vlen(t) - 1; /* the first parameter is the tracepoint's void *data */
}

static const struct btf_member *find_member(const struct kbtf *btf, __u32 struct_id,
					    const char *member)
{
	const struct btf_type *t = kbtf__type(btf, struct_id);
	const struct btf_member *m;
	int i;

	if (!t)
		return NULL;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(kbtf__str(btf, m->name_off), member))
			return m;
	return NULL;
}

int features__from_btf(struct kernel_features *kf, const struct kbtf *btf)
{
	const struct btf_member *m;
	const struct btf_type *t;
	__u32 id[LOOKUP_NR];
	int n, err;

	err = find_all(btf, id);
	if (err)
		return err;
	kf->have_btf = true;
	n = tp_nr_params(btf, id[TP_MARK_VICTIM]);
	kf->tp_mark_victim = n >= 1;
	kf->mark_victim_has_task = n >= 2;
	kf->tp_reaper = tp_nr_params(btf, id[TP_WAKE_REAPER]) == 1 &&
			tp_nr_params(btf, id[TP_START_TASK_REAPING]) == 1 &&
			tp_nr_params(btf, id[TP_FINISH_TASK_REAPING]) == 1 &&
			tp_nr_params(btf, id[TP_SKIP_TASK_REAPING]) == 1;
	n = tp_nr_params(btf, id[TP_SCHED_PROCESS_EXIT]);
	kf->tp_sched_process_exit = n >= 1;
	kf->exit_tp_has_group_dead = n >= 2;
	/* (sig, info, task, group, result) since 4.20 (kernel_siginfo) */
	kf->tp_signal_generate = tp_nr_params(btf, id[TP_SIGNAL_GENERATE]) >= 3;

	kf->fn_mark_oom_victim = id[FN_MARK_OOM_VICTIM] > 0;
	kf->mark_oom_victim_btf_id = id[FN_MARK_OOM_VICTIM] ? (int)id[FN_MARK_OOM_VICTIM] : -ENOENT;
	kf->fn_oom_kill_process = id[FN_OOM_KILL_PROCESS] > 0;
	kf->fn_queue_oom_reaper = id[FN_QUEUE_OOM_REAPER] > 0;
	kf->fn_wake_oom_reaper = id[FN_WAKE_OOM_REAPER] > 0;
	kf->fn_oom_reap_task_mm = id[FN_OOM_REAP_TASK_MM] > 0;
	kf->kfunc_task_from_pid = id[FN_BPF_TASK_FROM_PID] > 0;

	kf->reaper_timer = find_member(btf, id[ST_TASK_STRUCT], "oom_reaper_timer") != NULL;
	m = find_member(btf, id[ST_MM_STRUCT], "rss_stat");
	if (!m) {
		/* mm_struct fields may sit in an anonymous struct: look one level down */
		kf->rss_percpu = !id[ST_MM_RSS_STAT];
	} else {
		t = kbtf__type(btf, m->type);
		kf->rss_percpu = t && btf_is_array(t);
	}
	kf->mm_flags_bitmap = id[TD_MM_FLAGS_T] > 0;
	return 0;
}

int features__probe(struct kernel_features *kf, const struct kbtf *btf)
{
	struct utsname u;

	memset(kf, 0, sizeof(*kf));
	if (uname(&u) == 0)
		snprintf(kf->release, sizeof(kf->release), "%s", u.release);
	return features__from_btf(kf, btf);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

void features__print(FILE *f, const struct kernel_features *kf)
{
	fprintf(f, "kernel release:            %s\n", kf->release);
	fprintf(f, "BTF:                       %s\n", yes_no(kf->have_btf));
	fprintf(f, "tracepoint oom:mark_victim: %s (%s)\n", yes_no(kf->tp_mark_victim),
		kf->mark_victim_has_task ? "task, uid: 6.9+ or backport" : "int pid");
	if (kf->tp_mark_victim && !kf->mark_victim_has_task)
		fprintf(f, "victim's task on the tracepoint rung: %s\n",
			kf->tp_signal_generate ? "from signal:signal_generate (the OOM killer's SIGKILL)"
					       : "none (pid only: no signal_generate tracepoint)");
	fprintf(f, "reaper tracepoints:        %s\n", yes_no(kf->tp_reaper));
	fprintf(f, "sched_process_exit:        %s%s\n", yes_no(kf->tp_sched_process_exit),
		kf->exit_tp_has_group_dead ? " (with group_dead)" : "");
	fprintf(f, "reaper delay timer:        %s\n",
		kf->reaper_timer ? "yes (2 s OOM_REAPER_DELAY, 5.18+)" : "no (reaper woken at once)");
	fprintf(f, "rss_stat:                  %s\n",
		kf->rss_percpu ? "percpu_counter[] (6.2+, approximate)" : "atomic_long_t[]");
	fprintf(f, "mm->flags:                 %s\n", kf->mm_flags_bitmap ? "mm_flags_t bitmap" : "unsigned long");
	fprintf(f, "functions in BTF:          mark_oom_victim=%s oom_kill_process=%s "
		   "queue_oom_reaper=%s wake_oom_reaper=%s __oom_reap_task_mm=%s\n",
		yes_no(kf->fn_mark_oom_victim), yes_no(kf->fn_oom_kill_process), yes_no(kf->fn_queue_oom_reaper),
		yes_no(kf->fn_wake_oom_reaper), yes_no(kf->fn_oom_reap_task_mm));
}
