// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <bpf/libbpf.h>

#include "live/attach.h"
#include "live/corebtf.h"
#include "live/hooks.h"
#include "live/loadlog.h"
#include "live/pin.h"
#include "core/missed.h"
#include "io/errors.h"
#include "oomreap_abi.h"
#include "oomreap.skel.h"

const char *rung__name(enum rung r)
{
	static const char *const names[RUNG_NR] = {
		[RUNG_AUTO] = "auto",
		[RUNG_FENTRY] = "fentry",
		[RUNG_KPROBE] = "kprobe",
		[RUNG_TRACEPOINT] = "tracepoint",
	};

	return (unsigned)r < RUNG_NR ? names[r] : "unknown";
}

int rung__parse(const char *s, enum rung *r)
{
	int i;

	for (i = 0; i < RUNG_NR; i++) {
		if (!strcmp(s, rung__name(i))) {
			*r = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* One hook of a rung: the program and whether the rung can do without it. */
struct hook_choice {
	struct bpf_program *prog;
	char hook[PLAN_HOOK_LEN]; /* the plan's label (live/hooks.h) */
	bool optional;
	bool available; /* the kernel has the function/tracepoint */
};

static int add_hook(struct hook_choice *hc, int n, struct bpf_program *prog, enum hook h,
		    enum hook_attach as, const char *suffix, bool available, bool optional)
{
	hc[n].prog = prog;
	hooks__label(hc[n].hook, sizeof(hc[n].hook), h, as, suffix);
	hc[n].available = available;
	hc[n].optional = optional;
	return n + 1;
}

/* A classic tracepoint outside the hook table (the syscall ones: no BTF typedef). */
static int add_tracefs_hook(struct hook_choice *hc, int n, struct bpf_program *prog,
			    const char *event, bool optional)
{
	char path[128];

	hc[n].prog = prog;
	snprintf(hc[n].hook, sizeof(hc[n].hook), "tracepoint %s", event);
	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s", event);
	for (char *c = path; *c; c++)
		if (*c == ':')
			*c = '/';
	hc[n].available = !access(path, F_OK);
	if (!hc[n].available) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/tracing/events/%s", event);
		for (char *c = path; *c; c++)
			if (*c == ':')
				*c = '/';
		hc[n].available = !access(path, F_OK);
	}
	hc[n].optional = optional;
	return n + 1;
}

/*
 * The programs a rung uses.  The reaper loop's start/finish/skip and the
 * process exit are tracepoints on every rung: no function sees more.  The
 * fentry and kprobe rungs hook the same functions, each with its own
 * programs.
 */
static int choose_hooks(struct oomreap *s, const struct kernel_features *kf, enum rung r,
			const struct attach_opts *o, bool blockers, struct hook_choice *hc)
{
	const bool *has = kf->in_btf;
	const bool fe = r == RUNG_FENTRY;
	const bool lp = kf->helper_loop; /* bpf_loop(): each program's twin without it (bpf/) */
	const enum hook_attach entry = fe ? HOOK_AS_FENTRY : HOOK_AS_KPROBE;
	int n = 0;

	switch (r) {
	case RUNG_FENTRY:
	case RUNG_KPROBE:
		n = add_hook(hc, n,
			     fe ? (lp ? s->progs.fentry_mark_oom_victim
				      : s->progs.fentry_mark_oom_victim_unrolled)
				: (lp ? s->progs.kprobe_mark_oom_victim
				      : s->progs.kprobe_mark_oom_victim_unrolled),
			     HOOK_MARK_OOM_VICTIM, entry, NULL, has[HOOK_MARK_OOM_VICTIM], false);
		n = add_hook(hc, n,
			     fe ? (lp ? s->progs.fentry_oom_kill_process
				      : s->progs.fentry_oom_kill_process_unrolled)
				: (lp ? s->progs.kprobe_oom_kill_process
				      : s->progs.kprobe_oom_kill_process_unrolled),
			     HOOK_OOM_KILL_PROCESS, entry, NULL, has[HOOK_OOM_KILL_PROCESS], true);
		n = add_hook(hc, n,
			     fe ? s->progs.fentry_queue_oom_reaper : s->progs.kprobe_queue_oom_reaper,
			     HOOK_QUEUE_OOM_REAPER, entry, NULL,
			     has[HOOK_QUEUE_OOM_REAPER] && kf->reaper_timer, true);
		if (has[HOOK_WAKE_OOM_REAPER]) {
			n = add_hook(hc, n,
				     fe ? s->progs.fentry_wake_oom_reaper
					: s->progs.kprobe_wake_oom_reaper,
				     HOOK_WAKE_OOM_REAPER, entry, NULL, true, false);
			/* a wake that program missed (bpf: tp_wake_reaper) */
			n = add_hook(hc, n,
				     lp ? s->progs.tp_wake_reaper : s->progs.tp_wake_reaper_unrolled,
				     HOOK_WAKE_REAPER, HOOK_AS_TRACEPOINT, "(backstop)",
				     kf->tp_reaper, true);
		} else
			n = add_hook(hc, n,
				     lp ? s->progs.tp_wake_reaper : s->progs.tp_wake_reaper_unrolled,
				     HOOK_WAKE_REAPER, HOOK_AS_TRACEPOINT, NULL, kf->tp_reaper, false);
		n = add_hook(hc, n,
			     fe ? s->progs.fexit_oom_reap_task_mm : s->progs.kretprobe_oom_reap_task_mm,
			     HOOK_OOM_REAP_TASK_MM, fe ? HOOK_AS_FEXIT : HOOK_AS_KRETPROBE, NULL,
			     has[HOOK_OOM_REAP_TASK_MM], true);
		break;
	default:
		if (kf->mark_victim_has_task)
			n = add_hook(hc, n,
				     lp ? s->progs.tp_mark_victim : s->progs.tp_mark_victim_unrolled,
				     HOOK_MARK_VICTIM, HOOK_AS_TRACEPOINT, "(task, uid)",
				     kf->tp_mark_victim, false);
		else {
			n = add_hook(hc, n,
				     lp ? s->progs.tp_mark_victim_pid
					: s->progs.tp_mark_victim_pid_unrolled,
				     HOOK_MARK_VICTIM,
				     HOOK_AS_TRACEPOINT, "(pid)", kf->tp_mark_victim, false);
			/* the victim's task, for a pid-only mark_victim */
			n = add_hook(hc, n, s->progs.tp_signal_generate, HOOK_SIGNAL_GENERATE,
				     HOOK_AS_TRACEPOINT, NULL, kf->tp_signal_generate, true);
		}
		n = add_hook(hc, n,
			     lp ? s->progs.tp_wake_reaper : s->progs.tp_wake_reaper_unrolled,
			     HOOK_WAKE_REAPER, HOOK_AS_TRACEPOINT, NULL, kf->tp_reaper, false);
		break;
	}
	/*
	 * Their twins, with the same kfunc as the pictures: a victim killed
	 * before tracing started found by pid, its reap's readings taken.
	 */
	n = add_hook(hc, n,
		     blockers ? s->progs.tp_start_task_reaping_blockers
			      : s->progs.tp_start_task_reaping,
		     HOOK_START_TASK_REAPING, HOOK_AS_TRACEPOINT,
		     blockers ? " (joined victims read)" : NULL, kf->tp_reaper, false);
	n = add_hook(hc, n,
		     blockers ? s->progs.tp_finish_task_reaping_blockers
			      : s->progs.tp_finish_task_reaping,
		     HOOK_FINISH_TASK_REAPING, HOOK_AS_TRACEPOINT,
		     blockers ? " (joined victims read)" : NULL, kf->tp_reaper, false);
	/* with blocker attribution, its twin that takes the pictures (bpf/blockers.bpf.c) */
	n = add_hook(hc, n,
		     blockers ? s->progs.tp_skip_task_reaping_blockers : s->progs.tp_skip_task_reaping,
		     HOOK_SKIP_TASK_REAPING, HOOK_AS_TRACEPOINT, blockers ? " (blocker attribution)" : NULL,
		     kf->tp_reaper, false);
	n = add_hook(hc, n,
		     lp ? s->progs.tp_sched_process_exit : s->progs.tp_sched_process_exit_unrolled,
		     HOOK_SCHED_PROCESS_EXIT, HOOK_AS_TRACEPOINT, NULL, kf->tp_sched_process_exit,
		     false);
	/*
	 * Userspace memory killers, on every rung: their signals (always),
	 * and with --mrelease their process_mrelease(2) calls through the
	 * syscall tracepoints (a machine-wide cost while attached: opt-in).
	 */
	n = add_hook(hc, n,
		     !kf->helper_task_pt_regs ? s->progs.tp_signal_killer
		     : lp			 ? s->progs.tp_signal_killer_regs
						 : s->progs.tp_signal_killer_regs_unrolled,
		     HOOK_SIGNAL_GENERATE, HOOK_AS_TRACEPOINT, " (memory killers)",
		     kf->tp_signal_generate, true);
	if (o->mrelease) {
		/* with blocker attribution, its twin pictures a busy lock at the call's entry */
		n = add_tracefs_hook(hc, n,
				     blockers ? s->progs.tp_mrelease_enter_blockers
					      : s->progs.tp_mrelease_enter,
				     "syscalls:sys_enter_process_mrelease", true);
		n = add_tracefs_hook(hc, n, s->progs.tp_mrelease_exit,
				     "syscalls:sys_exit_process_mrelease", true);
		/*
		 * Function rungs: the call's entry into __oom_reap_task_mm()
		 * ends its wait for the lock; the exit program above
		 * (fexit/kretprobe) stamps the end of its unmap.
		 */
		if (r == RUNG_FENTRY || r == RUNG_KPROBE)
			n = add_hook(hc, n,
				     fe ? s->progs.fentry_mrelease_locked
					: s->progs.kprobe_mrelease_locked,
				     HOOK_OOM_REAP_TASK_MM, entry, " (process_mrelease lock wait)",
				     has[HOOK_OOM_REAP_TASK_MM], true);
	}
	return n;
}

static const char *load_hint(int err, enum rung r)
{
	if (err == -EPERM && r == RUNG_FENTRY)
		return " (kernel lockdown?)";
	if (err == -EPERM)
		return " (missing CAP_BPF/CAP_PERFMON, or lockdown?)";
	if ((err == -ENOENT || err == -EOPNOTSUPP) && r == RUNG_KPROBE)
		return " (kernel without kprobes?)";
	return "";
}

/*
 * Rule a rung out cheaply when we can: each full attempt parses the whole
 * vmlinux BTF again and relocates and verifies every program, most of a
 * start-up.  fentry: load a two-instruction fentry
 * program on mark_oom_victim; a lockdown EPERM shows up right there.
 * kprobe: no kprobe PMU and no kprobe_events means no kprobes at all.
 * Returns 0 when the rung is still worth a real try.
 */
static int precheck_rung(const struct kernel_features *kf, enum rung r, bool user_btf,
			 char *why, size_t whylen)
{
	/* With --btf the ids in kf are the file's, not the kernel's. */
	if (r == RUNG_FENTRY && !user_btf && kf->mark_oom_victim_btf_id > 0) {
		const struct bpf_insn insns[] = {
			{ .code = 0xb7, .dst_reg = 0, .imm = 0 }, /* r0 = 0 */
			{ .code = 0x95 },                        /* exit */
		};
		LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
			    .attach_btf_id = (__u32)kf->mark_oom_victim_btf_id);
		int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "oomreap_probe", "GPL", insns, 2,
				       &opts);

		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (fd == -EPERM) {
			snprintf(why, whylen, "load refused (%s)%s", strerror(-fd),
				 load_hint(fd, r));
			return fd;
		}
		return 0; /* something else: let the real attempt say what */
	}
	if (r == RUNG_KPROBE && access("/sys/bus/event_source/devices/kprobe/type", F_OK) &&
	    access("/sys/kernel/tracing/kprobe_events", F_OK) &&
	    access("/sys/kernel/debug/tracing/kprobe_events", F_OK)) {
		snprintf(why, whylen, "no kprobe PMU and no kprobe_events: kernel without kprobes?");
		return -ENOENT;
	}
	return 0;
}

/*
 * Open the object and set it up for rung r: knobs, and autoload for the
 * rung's hooks (the skip hook's blocker twin when blockers).  NULL with why[]
 * filled when the rung cannot work here.
 */
static struct oomreap *open_for_rung(const struct kernel_features *kf, enum rung r,
				     const struct attach_opts *o, bool blockers,
				     struct hook_choice *hc, int *nhc, char *why, size_t whylen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = o->core_btf_path);
	struct bpf_program *prog;
	struct oomreap *s;
	int n, i;

	s = oomreap__open_opts(&opts);
	if (!s) {
		snprintf(why, whylen, "open failed: %s", strerror(errno));
		return NULL;
	}
	s->rodata->exit_tp_has_group_dead = kf->exit_tp_has_group_dead;
	s->rodata->wake_is_timer_callback = kf->reaper_timer;
	s->rodata->wake_tp_is_backstop = r != RUNG_TRACEPOINT && kf->in_btf[HOOK_WAKE_OOM_REAPER];
	s->rodata->wake_every_event = o->wake_every_event;
	if (o->ring_bytes) {
		int err = bpf_map__set_max_entries(s->maps.events, o->ring_bytes);

		if (err) {
			snprintf(why, whylen, "ring buffer of %u bytes: %s", o->ring_bytes,
				 strerror(-err));
			oomreap__destroy(s);
			errno = -err;
			return NULL;
		}
		s->rodata->ringbuf_wake_bytes = o->ring_bytes / 4;
	}
	s->rodata->rss_sum_cpus = kf->rss_sum_cpus;

	n = choose_hooks(s, kf, r, o, blockers, hc);
	for (i = 0; i < n; i++) {
		if (!hc[i].available && !hc[i].optional) {
			snprintf(why, whylen, "%s: not in this kernel's BTF", hc[i].hook);
			oomreap__destroy(s);
			errno = ENOENT;
			return NULL;
		}
	}
	bpf_object__for_each_program(prog, s->obj)
		bpf_program__set_autoload(prog, false);
	for (i = 0; i < n; i++)
		if (hc[i].available)
			bpf_program__set_autoload(hc[i].prog, true);
	*nhc = n;
	return s;
}

/*
 * Whether to load blocker attribution, and if not, why (plan->blockers_why).
 * Its kfuncs are weak: without them the program must stay unloaded.
 */
static bool blockers_possible(const struct kernel_features *kf, struct attach_plan *plan)
{
	if (!kf->tp_reaper) {
		snprintf(plan->blockers_why, sizeof(plan->blockers_why),
			 "no %s tracepoint", hooks__info(HOOK_SKIP_TASK_REAPING)->event);
		return false;
	}
	if (!kf->kfunc_task_from_pid) {
		snprintf(plan->blockers_why, sizeof(plan->blockers_why),
			 "needs the bpf_task_from_pid kfunc (6.2+)");
		return false;
	}
	/* decided from the BTF: a layout it cannot read would only be refused */
	if (kf->mmap_lock == MMAP_LOCK_UNKNOWN) {
		snprintf(plan->blockers_why, sizeof(plan->blockers_why),
			 "this kernel's mmap_lock is of no layout it reads: %s",
			 features__mmap_lock_name(kf->mmap_lock));
		return false;
	}
	return true;
}

/*
 * The blocker program's load log, kept only to say why the kernel refused
 * it.  libbpf asks for a log only when a load failed, so on success these
 * pages are never touched; the verifier keeps a log's tail (6.4+), where
 * its reason is.
 */
#define BLOCKERS_LOG_SIZE (2u << 20)

/*
 * Try one rung for real.  Blocker attribution rides in the same object
 * (one BTF parse), decided from the BTF beforehand (blockers_possible());
 * should this kernel refuse that one program anyway, the rung is loaded
 * again without it rather than lost, the verifier's reason is kept, and
 * *blockers_ok goes false so that no later rung pays for it again.  On
 * failure, fills why[] and leaves tr->skel NULL.
 */
static int try_rung(struct tracer *tr, const struct kernel_features *kf, enum rung r,
		    const struct attach_opts *o, bool *blockers_ok, char *why, size_t whylen)
{
	bool blockers = o->blockers && *blockers_ok;
	struct hook_choice hc[PLAN_MAX_HOOKS];
	struct attach_plan *plan = &tr->plan;
	char reason[160], *log = NULL;
	struct oomreap *s;
	struct bpf_link *link;
	int n = 0, i, err;

	err = precheck_rung(kf, r, o->user_btf, why, whylen);
	if (err)
		return err;
	if (*blockers_ok)
		plan->blockers_why[0] = 0;
	blockers = blockers && blockers_possible(kf, plan);
	s = open_for_rung(kf, r, o, blockers, hc, &n, why, whylen);
	if (!s)
		return -errno;
	if (blockers) {
		log = calloc(1, BLOCKERS_LOG_SIZE);
		if (log)
			bpf_program__set_log_buf(s->progs.tp_skip_task_reaping_blockers, log,
						 BLOCKERS_LOG_SIZE);
	}
	err = oomreap__load(s);
	if (err && blockers) {
		/*
		 * libbpf asks for a program's log only once its load failed: a
		 * log in this buffer means the kernel refused the blocker
		 * program itself, not another program of the rung.
		 */
		bool refused = log && log[0];

		loadlog__reason(log, reason, sizeof(reason));
		snprintf(plan->blockers_why, sizeof(plan->blockers_why), "load refused (%s)%s%s",
			 strerror(-err), reason[0] ? ": " : "", reason);
		if (refused)
			*blockers_ok = false;
		oomreap__destroy(s);
		blockers = false;
		s = open_for_rung(kf, r, o, false, hc, &n, why, whylen);
		if (!s) {
			free(log);
			return -errno;
		}
		err = oomreap__load(s);
	}
	free(log);
	if (err) {
		snprintf(why, whylen, "load refused (%s)%s", strerror(-err), load_hint(err, r));
		oomreap__destroy(s);
		return err;
	}
	plan->nhooks = 0;
	tr->nlinks = 0;
	tr->skel = s;
	for (i = 0; i < n; i++) {
		if (!hc[i].available)
			continue;
		link = bpf_program__attach(hc[i].prog);
		if (!link) {
			err = -errno;
			snprintf(why, whylen, "%s: attach failed (%s)%s", hc[i].hook, strerror(-err),
				 load_hint(err, r));
			attach__stop(tr);
			return err;
		}
		tr->link_progs[tr->nlinks] = hc[i].prog;
		tr->links[tr->nlinks++] = link;
		plan->hooks[plan->nhooks].program = bpf_program__name(hc[i].prog);
		memcpy(plan->hooks[plan->nhooks].hook, hc[i].hook, sizeof(hc[i].hook));
		plan->nhooks++;
	}
	plan->blockers = blockers;
	plan->rung = r;
	tr->kprobe_missed_counted = kf->kprobe_missed_counted;
	return 0;
}

void attach__opts(struct attach_opts *o, enum rung want, bool blockers, const char *btf_path,
		  const struct corebtf *core)
{
	const char *subset = corebtf__path(core);

	*o = (struct attach_opts){ .want = want,
				   .blockers = blockers,
				   .user_btf = btf_path != NULL,
				   .core_btf_path = subset ? subset : btf_path };
}

void attach__stop(struct tracer *tr)
{
	pin__adopted_free(tr->adopted);
	tr->adopted = NULL;
	while (tr->nlinks > 0) {
		/* pinned: destroying the link object must not detach the program */
		if (tr->pinned)
			bpf_link__disconnect(tr->links[tr->nlinks - 1]);
		bpf_link__destroy(tr->links[--tr->nlinks]);
	}
	oomreap__destroy(tr->skel);
	tr->skel = NULL;
}

int attach__start(struct tracer *tr, const struct kernel_features *kf,
		  const struct attach_opts *o)
{
	static const enum rung ladder[] = { RUNG_FENTRY, RUNG_KPROBE, RUNG_TRACEPOINT };
	struct attach_plan *plan = &tr->plan;
	bool blockers_ok = true;
	int err = -ENOENT;
	size_t i;

	memset(tr, 0, sizeof(*tr));
	for (i = 0; i < sizeof(ladder) / sizeof(ladder[0]); i++) {
		enum rung r = ladder[i];

		if (o->want != RUNG_AUTO && o->want != r)
			continue;
		err = try_rung(tr, kf, r, o, &blockers_ok, plan->rejected[r],
			       sizeof(plan->rejected[r]));
		if (!err)
			return 0;
		p_info("%s rung rejected: %s", rung__name(r), plan->rejected[r]);
	}
	return err;
}

void attach__print_plan(FILE *f, const struct attach_plan *plan)
{
	int i;

	fprintf(f, "attach rung:               %s\n", rung__name(plan->rung));
	for (i = 0; i < plan->nhooks; i++)
		fprintf(f, "  %-31s -> %s\n", plan->hooks[i].program, plan->hooks[i].hook);
	if (plan->blockers) {
		fprintf(f, "blocker attribution:       on\n");
	} else if (plan->blockers_why[0]) {
		fprintf(f, "blocker attribution:       off: %s\n", plan->blockers_why);
	}
	for (i = RUNG_FENTRY; i < RUNG_NR; i++)
		if (plan->rejected[i][0])
			fprintf(f, "rejected %-10s        %s\n", rung__name(i), plan->rejected[i]);
}

void attach__plan_text(char *buf, size_t len, const struct attach_plan *plan)
{
	size_t off = 0;
	int i, n;

	buf[0] = 0;
	for (i = 0; i < plan->nhooks && off < len; i++) {
		n = snprintf(buf + off, len - off, "%s %s\n", plan->hooks[i].program ?: "?",
			     plan->hooks[i].hook);
		if (n < 0 || (size_t)n >= len - off) {
			buf[off] = 0; /* drop a line that does not fit whole */
			break;
		}
		off += (size_t)n;
	}
}

uint64_t attach__dropped(const struct tracer *tr)
{
	if (tr->adopted)
		return pin__adopted_dropped(tr->adopted);
	return tr->skel ? tr->skel->bss->dropped_events + tr->skel->bss->blocker_dropped : 0;
}

/*
 * The kernel's struct bpf_link_info up to perf_event.kprobe.missed (6.7
 * uapi): the installed headers may predate it.  The kernel fills what it
 * knows and zeroes the rest.
 */
struct link_info_kprobe {
	__u32 type;            /* BPF_LINK_TYPE_* */
	__u32 id;
	__u32 prog_id;
	__u32 pad;
	__u32 perf_event_type; /* enum bpf_perf_event_type */
	__u32 pad2;
	__u64 func_name;
	__u32 name_len;
	__u32 offset;
	__u64 addr;
	__u64 missed;
};
_Static_assert(offsetof(struct link_info_kprobe, missed) == 48, "bpf_link_info layout");
#define LINK_TYPE_PERF_EVENT 7
#define PERF_EVENT_KPROBE 3
#define PERF_EVENT_KRETPROBE 4

/* The kprobe's own missed runs, of prog's links (one: its kprobe). */
static uint64_t kprobe_link_missed(const struct tracer *tr, const struct bpf_program *prog)
{
	uint64_t missed = 0;
	int i;

	for (i = 0; i < tr->nlinks; i++) {
		struct link_info_kprobe li;
		__u32 len = sizeof(li);
		int fd = tr->link_progs[i] == prog ? bpf_link__fd(tr->links[i]) : -1;

		memset(&li, 0, sizeof(li));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &li, &len))
			continue;
		if (li.type == LINK_TYPE_PERF_EVENT &&
		    (li.perf_event_type == PERF_EVENT_KPROBE ||
		     li.perf_event_type == PERF_EVENT_KRETPROBE))
			missed += li.missed;
	}
	return missed;
}

void attach__missed(const struct tracer *tr, struct runs_missed *out)
{
	struct bpf_program *prog;

	memset(out, 0, sizeof(*out));
	if (tr->adopted) {
		pin__adopted_missed(tr->adopted, tr->kprobe_missed_counted, out);
		return;
	}
	if (!tr->skel)
		return;
	bpf_object__for_each_program(prog, tr->skel->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);
		bool known;

		if (fd < 0)
			continue; /* not loaded on this rung */
		memset(&info, 0, sizeof(info));
		/* a kernel before 5.12 returns a shorter info, without the field */
		known = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
			len >= offsetof(struct bpf_prog_info, recursion_misses) +
				       sizeof(info.recursion_misses);
		if (known && bpf_program__type(prog) == BPF_PROG_TYPE_KPROBE) {
			known = tr->kprobe_missed_counted;
			info.recursion_misses += kprobe_link_missed(tr, prog);
		}
		missed__set(out, bpf_program__name(prog), known ? info.recursion_misses : 0, known);
	}
}

uint32_t attach__ring_bytes(const struct tracer *tr)
{
	if (tr->adopted)
		return pin__adopted_ring_bytes(tr->adopted);
	return bpf_map__max_entries(tr->skel->maps.events);
}

int attach__events_fd(const struct tracer *tr)
{
	if (tr->adopted)
		return pin__adopted_events_fd(tr->adopted);
	return bpf_map__fd(tr->skel->maps.events);
}

void attach__print_tags(FILE *f, const struct tracer *tr, const char *rung)
{
	struct bpf_program *prog;
	char label[40];

	if (rung)
		snprintf(label, sizeof(label), "program tag (%s):", rung);
	else
		snprintf(label, sizeof(label), "program tag:");

	if (tr->adopted) {
		pin__adopted_print_tags(f, tr->adopted);
		return;
	}
	bpf_object__for_each_program(prog, tr->skel->obj) {
		struct bpf_prog_info info = { 0 };
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog), i;

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		fprintf(f, "%-26s %s ", label, bpf_program__name(prog));
		for (i = 0; i < BPF_TAG_SIZE; i++)
			fprintf(f, "%02x", info.tag[i]);
		fprintf(f, "\n");
	}
}

int attach__add_killer(struct tracer *tr, const char *name, const char *path, uint32_t kdev,
		       uint64_t ino)
{
	struct {
		uint64_t ino;
		uint32_t dev;
		uint32_t pad;
	} key = { .ino = ino, .dev = kdev };
	struct {
		char name[OOMREAP_COMM_LEN];
		char exe[OOMREAP_KILLER_EXE_LEN];
	} val;

	if (!tr->skel)
		return -EINVAL;
	memset(&val, 0, sizeof(val));
	snprintf(val.name, sizeof(val.name), "%s", name);
	snprintf(val.exe, sizeof(val.exe), "%s", path);
	if (bpf_map__update_elem(tr->skel->maps.killer_exes, &key, sizeof(key), &val, sizeof(val),
				 BPF_ANY))
		return -errno;
	return 0;
}

struct oomreap_killer_cgroups *attach__killer_cgroups(const struct tracer *tr)
{
	if (tr->adopted)
		return pin__adopted_killer_cgroups(tr->adopted);
	return tr->skel && tr->skel->bss ? &tr->skel->bss->killer_cgroups : NULL;
}

bool attach__mrelease_traced(const struct tracer *tr)
{
	int i, n = 0;

	/* both syscall tracepoints (the function rungs' stamps are extras) */
	for (i = 0; i < tr->plan.nhooks; i++)
		if (!strcmp(tr->plan.hooks[i].hook, "tracepoint syscalls:sys_enter_process_mrelease") ||
		    !strcmp(tr->plan.hooks[i].hook, "tracepoint syscalls:sys_exit_process_mrelease"))
			n++;
	return n == 2;
}

void attach__set_rss_sum_table(struct tracer *tr, uint64_t per_cpu_offset)
{
	if (tr->adopted)
		pin__adopted_set_rss_sum_table(tr->adopted, per_cpu_offset);
	else if (tr->skel)
		tr->skel->bss->per_cpu_offset_addr = per_cpu_offset;
}
