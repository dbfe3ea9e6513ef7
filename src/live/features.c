// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "io/errors.h"
#include "live/corebtf.h"
#include "live/features.h"
#include "live/hooks.h"
#include "live/kbtf.h"
#include "live/nameset.h"
#include "live/percpu_offsets.h"

/*
 * Every name the probe looks up, found in one pass over the BTF: a lookup
 * per name (btf__find_by_name_kind) scans every type of the kernel's BTF
 * (over a hundred thousand) each time, a dozen times over.  The hooks come
 * first, with their own ids (live/hooks.h); then what is not a hook.
 */
enum lookup {
	FN_BPF_TASK_FROM_PID = HOOK_NR,
	FN_BPF_TASK_PT_REGS,
	FN_BPF_LOOP,
	ST_TASK_STRUCT,
	ST_MM_STRUCT,
	ST_MM_RSS_STAT,
	TD_MM_FLAGS_T,
	ST_RW_SEMAPHORE,
	ST_BPF_ARRAY,
	ST_BPF_LINK_INFO,
	ST_BPF_PROG_INFO,
	LOOKUP_NR
};

struct lookup_name {
	__u16 kind;
	const char *name;
};

static const struct lookup_name others[LOOKUP_NR - HOOK_NR] = {
	[FN_BPF_TASK_FROM_PID - HOOK_NR] = { BTF_KIND_FUNC, "bpf_task_from_pid" },
	[FN_BPF_TASK_PT_REGS - HOOK_NR] = { BTF_KIND_FUNC, "bpf_task_pt_regs" },
	[FN_BPF_LOOP - HOOK_NR] = { BTF_KIND_FUNC, "bpf_loop" },
	[ST_TASK_STRUCT - HOOK_NR] = { BTF_KIND_STRUCT, "task_struct" },
	[ST_MM_STRUCT - HOOK_NR] = { BTF_KIND_STRUCT, "mm_struct" },
	[ST_MM_RSS_STAT - HOOK_NR] = { BTF_KIND_STRUCT, "mm_rss_stat" },
	[TD_MM_FLAGS_T - HOOK_NR] = { BTF_KIND_TYPEDEF, "mm_flags_t" },
	[ST_RW_SEMAPHORE - HOOK_NR] = { BTF_KIND_STRUCT, "rw_semaphore" },
	[ST_BPF_ARRAY - HOOK_NR] = { BTF_KIND_STRUCT, "bpf_array" },
	[ST_BPF_LINK_INFO - HOOK_NR] = { BTF_KIND_STRUCT, "bpf_link_info" },
	[ST_BPF_PROG_INFO - HOOK_NR] = { BTF_KIND_STRUCT, "bpf_prog_info" },
};

static bool env_is_1(const char *name)
{
	const char *v = getenv(name);

	return v && !strcmp(v, "1");
}

/* What lookup k is: a hook's typedef (btf_trace_<name>) or function, or one of the others. */
static struct lookup_name lookup(int k)
{
	const struct hook_info *h;

	if (k >= HOOK_NR)
		return others[k - HOOK_NR];
	h = hooks__info((enum hook)k);
	return (struct lookup_name){ h->kind == HOOK_TRACEPOINT ? BTF_KIND_TYPEDEF : BTF_KIND_FUNC,
				     h->btf_name };
}

/* ids[k]: the first type of lookup k's kind and name, or 0. */
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
		nameset__add(&set, lookup(k).name, strlen(lookup(k).name), k);
	for (i = 1; i < btf->nr; i++) {
		const struct btf_type *t = kbtf__type(btf, i);
		__u16 kind = btf_kind(t);

		if (kind != BTF_KIND_FUNC && kind != BTF_KIND_TYPEDEF && kind != BTF_KIND_STRUCT)
			continue;
		k = nameset__find_str(&set, kbtf__str(btf, t->name_off));
		if (k >= 0 && lookup(k).kind == kind && !ids[k])
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

/*
 * Does struct/union id have the member path[0].path[1]...?  Anonymous
 * members are looked through, as C names their fields; depth bounds a
 * crafted BTF's loops.
 */
static bool has_member_path(const struct kbtf *btf, __u32 id, const char *const *path, int depth)
{
	const struct btf_type *t = kbtf__type(btf, id);
	const struct btf_member *m;
	int i;

	if (!t || depth > 8 || (!btf_is_struct(t) && !btf_is_union(t)))
		return false;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		if (!m->name_off) {
			if (has_member_path(btf, m->type, path, depth + 1))
				return true;
		} else if (!strcmp(kbtf__str(btf, m->name_off), path[0])) {
			return !path[1] || has_member_path(btf, m->type, path + 1, depth + 1);
		}
	}
	return false;
}

/* mm_struct.rss_stat is percpu_counter[] (6.2+), not atomic_long_t[]. */
static bool rss_percpu(const struct kbtf *btf, const __u32 id[LOOKUP_NR])
{
	const struct btf_member *m = find_member(btf, id[ST_MM_STRUCT], "rss_stat");
	const struct btf_type *t;

	/* mm_struct fields may sit in an anonymous struct: look one level down */
	if (!m)
		return !id[ST_MM_RSS_STAT];
	t = kbtf__type(btf, m->type);
	return t && btf_is_array(t);
}

/* Which of the mmap_lock's shapes this kernel has, by its members. */
static enum mmap_lock_layout mmap_lock_layout(const struct kbtf *btf, const __u32 id[LOOKUP_NR])
{
	if (find_member(btf, id[ST_RW_SEMAPHORE], "rwbase"))
		return MMAP_LOCK_RWBASE_RT;
	if (find_member(btf, id[ST_RW_SEMAPHORE], "first_waiter"))
		return MMAP_LOCK_FIRST_WAITER;
	if (find_member(btf, id[ST_RW_SEMAPHORE], "wait_list"))
		return MMAP_LOCK_WAIT_LIST;
	return MMAP_LOCK_UNKNOWN;
}

const char *features__mmap_lock_name(enum mmap_lock_layout l)
{
	switch (l) {
	case MMAP_LOCK_WAIT_LIST:
		return "rw_semaphore, wait_list";
	case MMAP_LOCK_FIRST_WAITER:
		return "rw_semaphore, first_waiter (7.1+)";
	case MMAP_LOCK_RWBASE_RT:
		return "rwbase_rt (PREEMPT_RT: the writer and the waiters named, readers only counted)";
	default:
		return "unknown (no wait_list, first_waiter or rwbase in struct rw_semaphore)";
	}
}

/*
 * Byte offset of member name in struct or union id, looking into
 * anonymous members (bpf_array.pptrs sits in an anonymous union's
 * anonymous struct); -1 when absent.
 */
static long member_offset(const struct kbtf *btf, __u32 id, const char *name, int depth)
{
	const struct btf_type *t = kbtf__type(btf, id);
	const struct btf_member *m;
	int i;

	while (t && (btf_is_typedef(t) || btf_is_mod(t)))
		t = kbtf__type(btf, t->type);
	if (!t || !btf_is_composite(t) || depth > 4)
		return -1;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		const char *n = kbtf__str(btf, m->name_off);
		long off = (long)(btf_member_bit_offset(t, i) / 8), in;

		if (n && !strcmp(n, name))
			return off;
		if ((!n || !*n) && (in = member_offset(btf, m->type, name, depth + 1)) >= 0)
			return off + in;
	}
	return -1;
}

/*
 * Whether BPF can add the per-CPU remainders of the RSS counters
 * (bpf/core_fixes.bpf.h, mm_rss_sum()): it needs per-CPU counters and a
 * CPU count its loop covers; the offsets' table comes later
 * (live/percpu_offsets.h).  Why not, in kf->rss_sum_why.
 */
static void rss_sum_plan(struct kernel_features *kf, const struct kbtf *btf,
			 const __u32 id[LOOKUP_NR])
{
	int ncpus;

	kf->rss_percpu = rss_percpu(btf, id);
	kf->rss_sum_cpus = 0;
	if (!kf->rss_percpu) {
		snprintf(kf->rss_sum_why, sizeof(kf->rss_sum_why),
			 "not needed: atomic counters are exact");
		return;
	}
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0 || ncpus > FEATURES_RSS_SUM_MAX_CPUS) {
		snprintf(kf->rss_sum_why, sizeof(kf->rss_sum_why),
			 ncpus <= 0 ? "possible CPUs unknown" : "%d possible CPUs, over %d", ncpus,
			 FEATURES_RSS_SUM_MAX_CPUS);
		return;
	}
	kf->rss_sum_cpus = (unsigned)ncpus;
	snprintf(kf->rss_sum_why, sizeof(kf->rss_sum_why), "%d possible CPUs", ncpus);
	/* for the per-CPU offsets' probe (live/percpu_offsets.h): no BTF parse of its own */
	kf->bpf_array_pptrs_off = id[ST_BPF_ARRAY] ? member_offset(btf, id[ST_BPF_ARRAY], "pptrs", 0)
						   : -1;
}

static void features_from(struct kernel_features *kf, const struct kbtf *btf,
			  const __u32 id[LOOKUP_NR])
{
	int n;

	for (n = 0; n < HOOK_NR; n++)
		kf->in_btf[n] = id[n] > 0;
	n = tp_nr_params(btf, id[HOOK_MARK_VICTIM]);
	kf->tp_mark_victim = n >= 1;
	kf->mark_victim_has_task = n >= 2;
	kf->tp_reaper = tp_nr_params(btf, id[HOOK_WAKE_REAPER]) == 1 &&
			tp_nr_params(btf, id[HOOK_START_TASK_REAPING]) == 1 &&
			tp_nr_params(btf, id[HOOK_FINISH_TASK_REAPING]) == 1 &&
			tp_nr_params(btf, id[HOOK_SKIP_TASK_REAPING]) == 1;
	n = tp_nr_params(btf, id[HOOK_SCHED_PROCESS_EXIT]);
	kf->tp_sched_process_exit = n >= 1;
	kf->exit_tp_has_group_dead = n >= 2;
	/* (sig, info, task, group, result) since 4.20 (kernel_siginfo) */
	kf->tp_signal_generate = tp_nr_params(btf, id[HOOK_SIGNAL_GENERATE]) >= 3;
	kf->mark_oom_victim_btf_id = id[HOOK_MARK_OOM_VICTIM] ? (int)id[HOOK_MARK_OOM_VICTIM]
							      : -ENOENT;
	kf->kfunc_task_from_pid = id[FN_BPF_TASK_FROM_PID] > 0;
	kf->helper_task_pt_regs = id[FN_BPF_TASK_PT_REGS] > 0;
	/* OOMREAP_NO_BPF_LOOP=1: the programs of kernels before 5.17, for the tests */
	kf->helper_loop = id[FN_BPF_LOOP] > 0 && !env_is_1("OOMREAP_NO_BPF_LOOP");
	kf->reaper_timer = find_member(btf, id[ST_TASK_STRUCT], "oom_reaper_timer") != NULL;
	kf->mmap_lock = mmap_lock_layout(btf, id);
	rss_sum_plan(kf, btf, id);
	{
		/*
		 * The kprobe's own missed count in its link's info came (6.7)
		 * with the counting of a kprobe program's skipped runs in its
		 * recursion_misses: before, both went uncounted.
		 */
		static const char *const path[] = { "perf_event", "kprobe", "missed", NULL };

		kf->kprobe_missed_counted = has_member_path(btf, id[ST_BPF_LINK_INFO], path, 0);
	}
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

/*
 * What `probe` prints.  The data structure shapes at the end are for
 * people only (CO-RE reads them right in BPF), so they are read from the
 * BTF here rather than kept in kernel_features.
 */
static void print(FILE *f, const struct kernel_features *kf, const struct kbtf *btf,
		  const __u32 id[LOOKUP_NR])
{
	char key[64];
	int h;

	fprintf(f, "kernel release:            %s\n", kf->release);
	fprintf(f, "BTF:                       yes\n");
	hooks__label(key, sizeof(key), HOOK_MARK_VICTIM, HOOK_AS_TRACEPOINT, ":");
	fprintf(f, "%s %s (%s)\n", key, yes_no(kf->tp_mark_victim),
		kf->mark_victim_has_task ? "task, uid: 6.9+ or backport" : "int pid");
	if (kf->tp_mark_victim && !kf->mark_victim_has_task) {
		if (kf->tp_signal_generate)
			fprintf(f, "victim's task on the tracepoint rung: from %s (the OOM killer's "
				   "SIGKILL)\n",
				hooks__info(HOOK_SIGNAL_GENERATE)->event);
		else
			fprintf(f, "victim's task on the tracepoint rung: none (pid only: no %s "
				   "tracepoint)\n",
				hooks__info(HOOK_SIGNAL_GENERATE)->name);
	}
	fprintf(f, "reaper tracepoints:        %s\n", yes_no(kf->tp_reaper));
	snprintf(key, sizeof(key), "%s:", hooks__info(HOOK_SCHED_PROCESS_EXIT)->name);
	fprintf(f, "%-27s%s%s\n", key, yes_no(kf->tp_sched_process_exit),
		kf->exit_tp_has_group_dead ? " (with group_dead)" : "");
	fprintf(f, "reaper delay timer:        %s\n",
		kf->reaper_timer ? "yes (2 s OOM_REAPER_DELAY, 5.18+)" : "no (reaper woken at once)");
	fprintf(f, "rss_stat:                  %s\n",
		kf->rss_percpu ? "percpu_counter[] (6.2+: count approximate, sum exact)"
			       : "atomic_long_t[] (exact)");
	if (kf->rss_percpu && !kf->rss_sum_cpus)
		fprintf(f, "rss exact sums:            no (%s)\n", kf->rss_sum_why);
	else if (kf->rss_percpu) {
		struct percpu_offsets t;

		if (percpu_offsets__find(&t, (int)kf->rss_sum_cpus, kf->bpf_array_pptrs_off))
			fprintf(f, "rss exact sums:            no (%s)\n", t.why);
		else
			fprintf(f, "rss exact sums:            yes (%s; per-CPU offsets from %s%s%s); "
				   "shown where the kernel's \"Killed process\" line prints them "
				   "(7.0+)\n",
				kf->rss_sum_why, t.from, t.why[0] ? ": " : "", t.why);
		percpu_offsets__free(&t);
	}
	fprintf(f, "mm->flags:                 %s\n",
		id[TD_MM_FLAGS_T] ? "mm_flags_t bitmap" : "unsigned long");
	fprintf(f, "mmap_lock:                 %s\n", features__mmap_lock_name(kf->mmap_lock));
	{
		static const char *const rm[] = { "recursion_misses", NULL };

		/* what the tracer reads at run time decides; this is for people */
		fprintf(f, "BPF runs skipped counted:  %s, kprobe programs %s\n",
			has_member_path(btf, id[ST_BPF_PROG_INFO], rm, 0) ? "yes (5.12+)" : "no",
			kf->kprobe_missed_counted ? "yes (6.7+)" : "no");
	}
	fprintf(f, "functions in BTF:         ");
	for (h = 0; h < HOOK_NR; h++)
		if (hooks__info(h)->kind == HOOK_FUNCTION)
			fprintf(f, " %s=%s", hooks__info(h)->name, yes_no(kf->in_btf[h]));
	fputc('\n', f);
}

int features__load(struct kernel_features *kf, struct corebtf *core, const char *btf_path,
		   FILE *print_to)
{
	__u32 id[LOOKUP_NR];
	struct kbtf btf;
	struct utsname u;
	int err, status = 0;

	memset(kf, 0, sizeof(*kf));
	corebtf__init(core);
	err = kbtf__open(&btf, btf_path);
	if (err) {
		if (btf_path)
			p_err("cannot read BTF from %s: %s", btf_path, strerror(-err));
		else
			p_err("kernel BTF not available (%s): this kernel needs "
			      "CONFIG_DEBUG_INFO_BTF=y, or pass --btf FILE",
			      strerror(-err));
		return EXIT_UNSUPPORTED;
	}
	if (uname(&u) == 0)
		snprintf(kf->release, sizeof(kf->release), "%s", u.release);
	err = find_all(&btf, id);
	if (err) {
		p_err("cannot read kernel features from BTF: %s", strerror(-err));
		status = EXIT_UNSUPPORTED;
	} else {
		features_from(kf, &btf, id);
		if (!kf->tp_mark_victim || !kf->tp_reaper) {
			p_err("kernel has no %s / oom reaper tracepoints (needs 4.13+)",
			      hooks__info(HOOK_MARK_VICTIM)->event);
			status = EXIT_UNSUPPORTED;
		} else {
			/* while this BTF is parsed anyway */
			corebtf__open(core, &btf);
			if (print_to)
				print(print_to, kf, &btf, id);
		}
	}
	kbtf__close(&btf);
	return status;
}
