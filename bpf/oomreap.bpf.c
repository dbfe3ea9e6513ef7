// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * oomreap-trace BPF side: timestamp, identify, read the victim mm, emit.
 * Everything else (matching, outcomes, latencies) happens in userspace.
 * This file: the kernel's OOM kill and its reaper.  The userspace killers
 * are killers.bpf.c's, every victim's exit exit.bpf.c's, who blocks the
 * reaper blockers.bpf.c's; maps.bpf.c links them into one object.
 *
 * Three rungs feed the same event types (include/oomreap_abi.h):
 *   fentry/fexit  -> kprobe/kretprobe -> tp_btf tracepoints
 * Userspace (src/live/attach.c) picks one rung and sets autoload accordingly.
 * The reaper's start/finish/skip tracepoints and the process-exit
 * tracepoint are used on every rung: nothing else sees those moments.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "core_fixes.bpf.h"
#include "oomreap.bpf.h"
#include "oomreap_abi.h"
#include "oomreap_hooks.h"
#include "cgroup_path.bpf.h"

/* Knobs set by userspace between open and load. */
const volatile bool wake_is_timer_callback = true;  /* wake_oom_reaper(timer) since 5.18 */
const volatile bool wake_tp_is_backstop = false;    /* function rung: see tp_wake_reaper */

/* The victim the oom_reaper kthread is working on (it is a single thread). */
__u32 reaper_current_pid = 0;

/*
 * Under the victim's thread id (the reaper's tracepoints name it so) and,
 * when that is not the process id, under the process id too (process
 * exit looks it up so).  One map, usually one update: an LRU hash update
 * is most of what this program costs (README, Performance, a.).
 */
static __always_inline void remember_victim(__u32 pid, __u32 tgid, __u64 seq,
					    struct mm_struct *mm, struct task_struct *task)
{
	struct victim v = { .seq = seq, .mm = (__u64)mm, .task = (__u64)task,
			    .tgid = tgid, .pid = pid };

	bpf_map_update_elem(&victims, &pid, &v, BPF_ANY);
	if (tgid && tgid != pid)
		bpf_map_update_elem(&victims, &tgid, &v, BPF_ANY);
}

static __always_inline void fill_trigger(struct oomreap_kill_event *e)
{
	__u64 id = bpf_get_current_pid_tgid();

	e->trigger_pid = (__u32)id;
	e->trigger_tgid = id >> 32;
	bpf_get_current_comm(e->trigger_comm, sizeof(e->trigger_comm));
}

/*
 * memory.oom.group on a memory css and up, for oom_group_levels (see
 * the ABI).  mem_cgroup_get_oom_group() walks the same chain at the kill and
 * stops at the OOM domain, which only the function rungs see here:
 * userspace clips the answer to the domain where it knows it.  cgroup v1
 * has no memory.oom.group file, so the flags there are all false.
 */
#define MEMCG_MAX_DEPTH 16

static __always_inline __u32 memcg_oom_group_levels(struct cgroup_subsys_state *css)
{
	__u32 levels = 0;
	int i;

	for (i = 0; i < MEMCG_MAX_DEPTH && css; i++) {
		/* css is the first member of struct mem_cgroup */
		if (BPF_CORE_READ((struct mem_cgroup *)css, oom_group))
			levels |= 1u << i;
		css = BPF_CORE_READ(css, parent);
	}
	return levels;
}

/*
 * One victim process, one kill event.  The kernel can mark a process more
 * than once: a memory.oom.group kill calls __oom_kill_process() for the
 * chosen victim again, as a member of its group (the function rungs see
 * mark_oom_victim() called twice for the same thread: the kernel's
 * TIF_MEMDIE test that stops the second is inside the function; a
 * tracepoint fires again when the thread marked second is another one),
 * and an exiting thread of a victim can be marked by a later OOM.  Those
 * are not new kills: the process already had its oom_mm set, and we hold
 * it under its process id with that same mm.  Its new thread is
 * remembered under the victim's kill sequence, so the reaper's events for
 * that thread find the one incident.
 */
static __always_inline bool marked_before(struct task_struct *task, struct mm_struct *mm)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct victim *v;

	if (!mm || !BPF_CORE_READ(task, signal, oom_mm))
		return false;
	v = bpf_map_lookup_elem(&victims, &tgid);
	if (!v || v->tgid != tgid || v->mm != (__u64)mm)
		return false;
	remember_victim(BPF_CORE_READ(task, pid), tgid, v->seq, mm, task);
	return true;
}

/*
 * A task was marked as OOM victim; identify it and its memory.  walk_loop:
 * the cgroup path through bpf_loop() (5.17+), a constant per program.
 */
static __always_inline int on_mark_victim_walk(struct task_struct *task, __u16 source,
					       bool walk_loop)
{
	struct cgroup_subsys_state *css;
	struct oomreap_kill_event *e;
	struct mm_struct *mm;
	struct cgroup *cg;

	mm = victim_mm(task);
	if (marked_before(task, mm))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, OOMREAP_EV_KILL, sizeof(*e), source);
	e->hdr.pid = BPF_CORE_READ(task, pid);
	e->hdr.tgid = BPF_CORE_READ(task, tgid);
	e->hdr.victim_seq = next_kill_seq();
	fill_trigger(e);
	if (e->trigger_tgid == e->hdr.tgid)
		e->kill_flags |= OOMREAP_KILL_SELF;
	e->kill_flags |= OOMREAP_KILL_HAVE_TASK;
	BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
	e->uid = BPF_CORE_READ(task, real_cred, uid.val);
	e->oom_score_adj = BPF_CORE_READ(task, signal, oom_score_adj);

	read_mm(mm, &e->mm);
	read_rss_sum_l(mm, &e->mm, e->rss_sum, walk_loop);
	if (mm) {
		e->total_vm_pages = BPF_CORE_READ(mm, total_vm);
		e->pgtables_bytes = BPF_CORE_READ(mm, pgtables_bytes.counter);
	}
	css = task_memory_css(task);
	cg = task_memcg(task, css);
	if (cg) {
		e->cgroup_id = BPF_CORE_READ(cg, kn, id);
		e->cgroup_hierarchy = BPF_CORE_READ(cg, root, hierarchy_id);
	}
	if (walk_loop ? cgroup_path_fill_loop(cg, e->cgroup_path)
		      : cgroup_path_fill(cg, e->cgroup_path))
		e->kill_flags |= OOMREAP_KILL_CGROUP_TRUNC;
	if (css) {
		e->oom_group_levels = memcg_oom_group_levels(css);
		e->kill_flags |= OOMREAP_KILL_GROUP_READ;
	}
	/*
	 * Its last thread is already in do_exit() (past the decrement of
	 * live): its exit may have gone out before this kill, unmarked (see
	 * tp_sched_process_exit), and waits in the buffer for it.
	 */
	if (BPF_CORE_READ(task, signal, live.counter) == 0)
		e->kill_flags |= OOMREAP_KILL_EXIT_BEGUN;

	remember_victim(e->hdr.pid, e->hdr.tgid, e->hdr.victim_seq, mm, task);
	bpf_ringbuf_submit(e, wake_flags(e->kill_flags & OOMREAP_KILL_EXIT_BEGUN));
	return 0;
}

static __always_inline int on_mark_victim(struct task_struct *task, __u16 source)
{
	return on_mark_victim_walk(task, source, false);
}

/*
 * Each program that walks the cgroup path comes twice: with bpf_loop()
 * under its plain name, and _unrolled for kernels before 5.17, which
 * refuse a program holding a bpf_loop() callback even where it is never
 * called (src/live/attach.c picks by kf->helper_loop).
 */
SEC("fentry/" OOMREAP_HOOK_MARK_OOM_VICTIM)
int BPF_PROG(fentry_mark_oom_victim, struct task_struct *task)
{
	return on_mark_victim_walk(task, OOMREAP_SRC_FENTRY, true);
}

SEC("fentry/" OOMREAP_HOOK_MARK_OOM_VICTIM)
int BPF_PROG(fentry_mark_oom_victim_unrolled, struct task_struct *task)
{
	return on_mark_victim(task, OOMREAP_SRC_FENTRY);
}

SEC("kprobe/" OOMREAP_HOOK_MARK_OOM_VICTIM)
int BPF_KPROBE(kprobe_mark_oom_victim, struct task_struct *task)
{
	return on_mark_victim_walk(task, OOMREAP_SRC_KPROBE, true);
}

SEC("kprobe/" OOMREAP_HOOK_MARK_OOM_VICTIM)
int BPF_KPROBE(kprobe_mark_oom_victim_unrolled, struct task_struct *task)
{
	return on_mark_victim(task, OOMREAP_SRC_KPROBE);
}

/* 6.9+ and stable backports: TP_PROTO(struct task_struct *task, uid_t uid). */
SEC("tp_btf/" OOMREAP_HOOK_MARK_VICTIM)
int BPF_PROG(tp_mark_victim, struct task_struct *task, uid_t uid)
{
	return on_mark_victim_walk(task, OOMREAP_SRC_TRACEPOINT, true);
}

/*
 * The same for a kernel with this mark_victim (a backport) but without
 * bpf_loop(): the walk unrolled, verified once per level (kf->helper_loop).
 */
SEC("tp_btf/" OOMREAP_HOOK_MARK_VICTIM)
int BPF_PROG(tp_mark_victim_unrolled, struct task_struct *task, uid_t uid)
{
	return on_mark_victim(task, OOMREAP_SRC_TRACEPOINT);
}

/*
 * Before 6.9 (and on kernels without the backport, such as Debian 11's
 * 5.10.223) mark_victim is TP_PROTO(int pid): no task.  Without kfuncs
 * (bpf_task_from_pid is 6.2+) and without fentry or kprobes (a locked-down
 * kernel), a tracepoint must hand us the task: __oom_kill_process() sends
 * the victim SIGKILL (do_send_sig_info(SIGKILL, SEND_SIG_PRIV, victim, ...))
 * right before mark_oom_victim(victim), in the same thread, so
 * signal:signal_generate sees the victim's task_struct a moment before
 * mark_victim sees its pid.  The task is remembered under the sending
 * thread's id; mark_victim takes it back if the pid matches.
 *
 * Attached only where mark_victim is pid-only: signal_generate fires for
 * every signal in the system (SIGCHLD at every exit), so the filter is
 * the first thing and costs one compare (make bench measures it).
 */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256); /* kernel-sent SIGKILLs not followed by a mark */
	__type(key, __u32);       /* the sending thread */
	__type(value, __u64);     /* the receiving task_struct */
} sigkill_sent SEC(".maps");

SEC("tp_btf/" OOMREAP_HOOK_SIGNAL_GENERATE)
int BPF_PROG(tp_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task)
{
	__u32 tid;
	__u64 t;

	if (sig != SIGKILL || info != SEND_SIG_PRIV)
		return 0;
	tid = (__u32)bpf_get_current_pid_tgid();
	t = (__u64)task;
	bpf_map_update_elem(&sigkill_sent, &tid, &t, BPF_ANY);
	return 0;
}

static __always_inline int mark_victim_pid(int pid, bool walk_loop)
{
	struct oomreap_kill_event *e;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct task_struct *task;
	__u64 *sent;

	sent = bpf_map_lookup_elem(&sigkill_sent, &tid);
	if (sent) {
		task = (struct task_struct *)*sent;
		bpf_map_delete_elem(&sigkill_sent, &tid);
		if (BPF_CORE_READ(task, pid) == pid)
			return on_mark_victim_walk(task, OOMREAP_SRC_TRACEPOINT, walk_loop);
	}
	/* out_of_memory() marks an exiting current without a signal */
	if (tid == (__u32)pid)
		return on_mark_victim_walk((struct task_struct *)bpf_get_current_task(),
					   OOMREAP_SRC_TRACEPOINT, walk_loop);

	/* Only the pid is known; the incident says so (no OOMREAP_KILL_HAVE_TASK). */
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, OOMREAP_EV_KILL, sizeof(*e), OOMREAP_SRC_TRACEPOINT);
	e->hdr.pid = pid;
	e->hdr.victim_seq = next_kill_seq();
	e->cgroup_hierarchy = -1;
	fill_trigger(e);
	remember_victim(pid, 0, e->hdr.victim_seq, NULL, NULL);
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

SEC("tp_btf/" OOMREAP_HOOK_MARK_VICTIM)
int BPF_PROG(tp_mark_victim_pid, int pid)
{
	return mark_victim_pid(pid, true);
}

SEC("tp_btf/" OOMREAP_HOOK_MARK_VICTIM)
int BPF_PROG(tp_mark_victim_pid_unrolled, int pid)
{
	return mark_victim_pid(pid, false);
}

/* oom_kill_process(): what only the function rungs can know. */
static __always_inline int on_oom_kill_process(struct oom_control *oc, __u16 source,
					       bool walk_loop)
{
	struct oomreap_oom_context_event *e;
	struct task_struct *chosen;
	struct mem_cgroup *memcg;
	__u64 id;

	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, OOMREAP_EV_OOM_CONTEXT, sizeof(*e), source);
	chosen = BPF_CORE_READ(oc, chosen);
	e->hdr.pid = BPF_CORE_READ(chosen, pid);
	e->hdr.tgid = BPF_CORE_READ(chosen, tgid);
	e->totalpages = BPF_CORE_READ(oc, totalpages);
	e->chosen_points = BPF_CORE_READ(oc, chosen_points);
	e->constraint = BPF_CORE_READ(oc, constraint);
	e->order = BPF_CORE_READ(oc, order);
	id = bpf_get_current_pid_tgid();
	e->trigger_pid = (__u32)id;
	e->trigger_tgid = id >> 32;
	bpf_get_current_comm(e->trigger_comm, sizeof(e->trigger_comm));
	memcg = BPF_CORE_READ(oc, memcg);
	if (memcg) {
		struct cgroup *cg = BPF_CORE_READ(memcg, css.cgroup);

		e->domain_cgroup_id = BPF_CORE_READ(cg, kn, id);
		if (walk_loop)
			cgroup_path_fill_loop(cg, e->domain_cgroup_path);
		else
			cgroup_path_fill(cg, e->domain_cgroup_path);
	}
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

SEC("fentry/" OOMREAP_HOOK_OOM_KILL_PROCESS)
int BPF_PROG(fentry_oom_kill_process, struct oom_control *oc)
{
	return on_oom_kill_process(oc, OOMREAP_SRC_FENTRY, true);
}

SEC("fentry/" OOMREAP_HOOK_OOM_KILL_PROCESS)
int BPF_PROG(fentry_oom_kill_process_unrolled, struct oom_control *oc)
{
	return on_oom_kill_process(oc, OOMREAP_SRC_FENTRY, false);
}

SEC("kprobe/" OOMREAP_HOOK_OOM_KILL_PROCESS)
int BPF_KPROBE(kprobe_oom_kill_process, struct oom_control *oc)
{
	return on_oom_kill_process(oc, OOMREAP_SRC_KPROBE, true);
}

SEC("kprobe/" OOMREAP_HOOK_OOM_KILL_PROCESS)
int BPF_KPROBE(kprobe_oom_kill_process_unrolled, struct oom_control *oc)
{
	return on_oom_kill_process(oc, OOMREAP_SRC_KPROBE, false);
}

/*
 * A reaper-side event about the victim known by thread id.  Reads the mm
 * remembered at the kill: the tracepoints carry only the pid.  loop: the
 * RSS sums through bpf_loop() (a program loaded on 5.17+ only).
 */
static __always_inline struct oomreap_reap_event *reap_event_v(__u32 type, __u32 pid,
								__u16 source, struct victim **vp,
								bool loop)
{
	struct oomreap_reap_event *e;
	struct victim *v;

	*vp = NULL;
	e = reserve(sizeof(*e));
	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, type, sizeof(*e), source);
	e->hdr.pid = pid;
	e->actor_pid = (__u32)bpf_get_current_pid_tgid();
	v = bpf_map_lookup_elem(&victims, &pid);
	if (v) {
		e->hdr.victim_seq = v->seq;
		e->hdr.tgid = v->tgid;
		read_mm((struct mm_struct *)v->mm, &e->mm);
		read_rss_sum_l((struct mm_struct *)v->mm, &e->mm, e->rss_sum, loop);
	}
	*vp = v;
	return e;
}

static __always_inline struct oomreap_reap_event *reap_event(__u32 type, __u32 pid,
							     __u16 source)
{
	struct victim *v;

	return reap_event_v(type, pid, source, &v, false);
}

static __always_inline int emit_reap_l(__u32 type, __u32 pid, __u16 source, bool loop)
{
	struct victim *v;
	struct oomreap_reap_event *e = reap_event_v(type, pid, source, &v, loop);

	if (e)
		bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

static __always_inline int emit_reap(__u32 type, __u32 pid, __u16 source)
{
	return emit_reap_l(type, pid, source, false);
}

/*
 * A skip may end the reaper's loop: the mm is gone, or it is the 10th
 * failed attempt (or later: an attempt we could not count, of a victim we
 * do not know, may be too), so the reader is woken for it.
 *
 * With blocker attribution (the twin below) a failed trylock's picture is
 * taken here, in this run, from the lock the classification just read,
 * before the skip is submitted: its record follows the skip's in the ring
 * and is committed when the wake-up comes.
 */
static __always_inline int skip_task_reaping(int pid, bool pictured)
{
	struct oomreap_reap_event *e;
	struct victim *v;
	bool wake;

	/* the pictures' twin is loaded on 6.2+ only: bpf_loop() there */
	e = reap_event_v(OOMREAP_EV_REAP_SKIP, pid, OOMREAP_SRC_TRACEPOINT, &v, pictured);
	if (!e)
		return 0;
	e->skip_reason = classify_skip(&e->mm, v ? (struct mm_struct *)v->mm : NULL);
	if (v) {
		v->attempts++;
		if (e->skip_reason == OOMREAP_SKIP_MM_GONE)
			v->mm_gone = 1;
		if (pictured && e->skip_reason == OOMREAP_SKIP_TRYLOCK_FAILED)
			blocker_picture(v->mm, pid, v->tgid, v->seq);
	}
	wake = !v || v->attempts >= REAPER_MAX_ATTEMPTS ||
	       e->skip_reason == OOMREAP_SKIP_MM_GONE;
	bpf_ringbuf_submit(e, wake_flags(wake));
	return 0;
}

SEC("tp_btf/" OOMREAP_HOOK_SKIP_TASK_REAPING)
int BPF_PROG(tp_skip_task_reaping, int pid)
{
	return skip_task_reaping(pid, false);
}

/* Loaded instead where blocker attribution is on (bpf_task_from_pid, 6.2+). */
SEC("tp_btf/" OOMREAP_HOOK_SKIP_TASK_REAPING)
int BPF_PROG(tp_skip_task_reaping_blockers, int pid)
{
	return skip_task_reaping(pid, true);
}

/*
 * A reap of a victim the programs never saw killed: with joined (the twins
 * below, where bpf_task_from_pid exists) its mm is found by pid and read,
 * so that the start and finish readings say what the reap freed.
 */
static __always_inline void read_joined(struct oomreap_reap_event *e, __u32 pid, bool joined)
{
	struct mm_struct *mm;

	if (!joined)
		return;
	mm = (struct mm_struct *)joined_victim_mm(pid);
	if (!mm)
		return;
	read_mm(mm, &e->mm);
	read_rss_sum_l(mm, &e->mm, e->rss_sum, true); /* the twins: 6.2+ */
}

static __always_inline int start_task_reaping(int pid, bool joined)
{
	struct oomreap_reap_event *e;
	struct victim *v;

	reaper_current_pid = pid;
	e = reap_event_v(OOMREAP_EV_REAP_START, pid, OOMREAP_SRC_TRACEPOINT, &v, joined);
	if (!e)
		return 0;
	if (v)
		v->attempts++;
	else
		read_joined(e, pid, joined);
	/* its finish says how it went, and wakes the reader */
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

static __always_inline int finish_task_reaping(int pid, bool joined)
{
	struct oomreap_reap_event *e;
	struct victim *v;

	e = reap_event_v(OOMREAP_EV_REAP_FINISH, pid, OOMREAP_SRC_TRACEPOINT, &v, joined);
	if (!e)
		return 0;
	if (!v)
		read_joined(e, pid, joined);
	/* a finish can end the incident: wake the reader */
	bpf_ringbuf_submit(e, wake_flags(true));
	return 0;
}

SEC("tp_btf/" OOMREAP_HOOK_START_TASK_REAPING)
int BPF_PROG(tp_start_task_reaping, int pid)
{
	return start_task_reaping(pid, false);
}

/* Loaded instead where blocker attribution is on (bpf_task_from_pid, 6.2+). */
SEC("tp_btf/" OOMREAP_HOOK_START_TASK_REAPING)
int BPF_PROG(tp_start_task_reaping_blockers, int pid)
{
	return start_task_reaping(pid, true);
}

SEC("tp_btf/" OOMREAP_HOOK_FINISH_TASK_REAPING)
int BPF_PROG(tp_finish_task_reaping, int pid)
{
	return finish_task_reaping(pid, false);
}

/* Loaded instead where blocker attribution is on (bpf_task_from_pid, 6.2+). */
SEC("tp_btf/" OOMREAP_HOOK_FINISH_TASK_REAPING)
int BPF_PROG(tp_finish_task_reaping_blockers, int pid)
{
	return finish_task_reaping(pid, true);
}

/*
 * On the function rungs this tracepoint is a backstop: a kprobe is missed
 * when it fires while another kprobe's handler runs on the same CPU (the
 * kernel counts it in nmissed and moves on), and wake_oom_reaper() runs in
 * the timer softirq, which can interrupt any kprobe handler: seen in the
 * kernel matrix with a kretprobe on a hot function beside us.  The
 * tracepoint fires inside wake_oom_reaper(), after its function program:
 * it reports the wake only when that program did not.
 */
static __always_inline int wake_reaper_tp(int pid, bool loop)
{
	struct victim *v;

	if (wake_tp_is_backstop) {
		v = bpf_map_lookup_elem(&victims, &(__u32){ pid });
		if (!v || v->woken)
			return 0;
	}
	return emit_reap_l(OOMREAP_EV_REAPER_WAKE, pid, OOMREAP_SRC_TRACEPOINT, loop);
}

SEC("tp_btf/" OOMREAP_HOOK_WAKE_REAPER)
int BPF_PROG(tp_wake_reaper, int pid)
{
	return wake_reaper_tp(pid, true);
}

/* Kernels before 5.17: the RSS sums' loop without bpf_loop() (core_fixes.bpf.h). */
SEC("tp_btf/" OOMREAP_HOOK_WAKE_REAPER)
int BPF_PROG(tp_wake_reaper_unrolled, int pid)
{
	return wake_reaper_tp(pid, false);
}

/*
 * queue_oom_reaper(tsk) (5.18+): the 2 s timer is armed.  The tracepoint
 * rung cannot see this moment.
 */
static __always_inline int on_queue(struct task_struct *task, __u16 source)
{
	return emit_reap(OOMREAP_EV_REAPER_QUEUE, BPF_CORE_READ(task, pid), source);
}

SEC("fentry/" OOMREAP_HOOK_QUEUE_OOM_REAPER)
int BPF_PROG(fentry_queue_oom_reaper, struct task_struct *task)
{
	return on_queue(task, OOMREAP_SRC_FENTRY);
}

SEC("kprobe/" OOMREAP_HOOK_QUEUE_OOM_REAPER)
int BPF_KPROBE(kprobe_queue_oom_reaper, struct task_struct *task)
{
	return on_queue(task, OOMREAP_SRC_KPROBE);
}

/*
 * wake_oom_reaper(): a timer callback since 5.18 (and backports), a direct
 * call with the task before.  Unlike the wake_reaper tracepoint, the
 * function also sees the silent case: the victim's mm is already gone
 * (MMF_OOM_SKIP) and the reaper is not woken at all.
 */
static __always_inline int on_wake(void *arg, __u16 source)
{
	struct oomreap_reap_event *e;
	struct task_struct *task = arg;
	struct victim *v;
	__u32 pid;

	if (wake_is_timer_callback)
		task = (void *)((char *)arg -
				bpf_core_field_offset(struct task_struct, oom_reaper_timer));
	e = reap_event(OOMREAP_EV_REAPER_WAKE, BPF_CORE_READ(task, pid), source);
	if (!e)
		return 0;
	/*
	 * A kill from before tracing started: no remembered mm, but the task
	 * still says which one it was, so a silent timer is still seen as one.
	 */
	if (!e->hdr.victim_seq) {
		struct mm_struct *mm = victim_mm(task);

		read_mm(mm, &e->mm);
		read_rss_sum(mm, &e->mm, e->rss_sum);
	}
	if (wake_is_timer_callback && (e->mm.mm_flags & (1ull << MMF_OOM_SKIP_BIT)))
		e->wake_ignored = 1;
	/* the key on the stack: 5.10 takes no ring-buffer memory as a map key */
	pid = e->hdr.pid;
	v = bpf_map_lookup_elem(&victims, &pid);
	if (v)
		v->woken = 1; /* the tracepoint need not report this wake */
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

SEC("fentry/" OOMREAP_HOOK_WAKE_OOM_REAPER)
int BPF_PROG(fentry_wake_oom_reaper, void *arg)
{
	return on_wake(arg, OOMREAP_SRC_FENTRY);
}

SEC("kprobe/" OOMREAP_HOOK_WAKE_OOM_REAPER)
int BPF_KPROBE(kprobe_wake_oom_reaper, void *arg)
{
	return on_wake(arg, OOMREAP_SRC_KPROBE);
}

/*
 * __oom_reap_task_mm()'s bool: false = part of the address space could not
 * be unmapped and the reaper will try again.  Until 5.19 exit_mmap() also
 * called it in the victim's own context, and process_mrelease(2) does: keep
 * only the oom_reaper kthread's calls.
 */
static __always_inline int on_reap_result(struct mm_struct *mm, long ret, __u16 source)
{
	struct task_struct *cur = (void *)bpf_get_current_task();
	struct oomreap_reap_event *e;
	__u32 pid = reaper_current_pid;

	if (!(BPF_CORE_READ(cur, flags) & 0x00200000 /* PF_KTHREAD */)) {
		mrel_reap_stamp(mm, false, ret); /* a process_mrelease call's unmap is over */
		return 0;
	}
	if (!pid)
		return 0;
	e = reap_event(OOMREAP_EV_REAP_RESULT, pid, source);
	if (!e)
		return 0;
	e->reap_ret = ret ? 1 : 0;
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

SEC("fexit/" OOMREAP_HOOK_OOM_REAP_TASK_MM)
int BPF_PROG(fexit_oom_reap_task_mm, struct mm_struct *mm, bool ret)
{
	return on_reap_result(mm, ret, OOMREAP_SRC_FENTRY);
}

/*
 * A kretprobe has no arguments: the mm is the one its call's entry saw,
 * which is what the process_mrelease entry recorded (mrel_reap_stamp()
 * compares them); for the reaper's calls the mm is not used.
 */
SEC("kretprobe/" OOMREAP_HOOK_OOM_REAP_TASK_MM)
int BPF_KRETPROBE(kretprobe_oom_reap_task_mm, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mrel_call *c = bpf_map_lookup_elem(&mrel_calls, &tid);

	return on_reap_result(c ? (struct mm_struct *)c->mm : NULL, ret & 0xff, OOMREAP_SRC_KPROBE);
}
