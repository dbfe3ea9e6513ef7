// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * oomreap-trace BPF side: timestamp, identify, read the victim mm, emit.
 * Everything else (matching, outcomes, latencies) happens in userspace.
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

#define SIGKILL 9

/* Knobs set by userspace between open and load. */
const volatile bool exit_tp_has_group_dead = false; /* sched_process_exit(p, group_dead) */
const volatile bool wake_is_timer_callback = true;  /* wake_oom_reaper(timer) since 5.18 */
const volatile bool wake_tp_is_backstop = false;    /* function rung: see tp_wake_reaper */

/* Reported by userspace at exit and as a metric: a lost OOM must be visible. */
__u64 dropped_events = 0;
/* The victim the oom_reaper kthread is working on (it is a single thread). */
__u32 reaper_current_pid = 0;


static __always_inline void *reserve(__u32 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e)
		__sync_fetch_and_add(&dropped_events, 1);
	return e;
}

/*
 * Kill sequence numbers: unique and never 0, so that a recycled pid can
 * never merge two victims.  Not a global __sync_fetch_and_add(): BPF
 * atomics that return a value arrived in 5.12, and 5.10 refuses the whole
 * object for one of them ("BPF_STX uses reserved fields").  Each CPU
 * counts its own kills instead (no program nests on one CPU) and the CPU
 * goes into the low bits: unique without any atomic.  Userspace treats the
 * number as opaque.
 */
#define KILL_SEQ_CPU_BITS 12

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} kill_count SEC(".maps");

static __always_inline __u64 next_kill_seq(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&kill_count, &zero);

	if (!n)
		return 0; /* cannot happen for an array; 0 = "not a known victim" */
	*n += 1;
	return (*n << KILL_SEQ_CPU_BITS) |
	       (bpf_get_smp_processor_id() & ((1 << KILL_SEQ_CPU_BITS) - 1));
}

static __always_inline void fill_header(struct oomreap_event_header *h, __u32 type,
					__u32 size, __u16 source)
{
	h->type = type;
	h->size = size;
	h->ts_ns = bpf_ktime_get_ns();
	h->cpu = bpf_get_smp_processor_id();
	h->source = source;
}

/* mark_oom_victim() keeps the victim's mm in signal->oom_mm (mmgrab'ed). */
static __always_inline struct mm_struct *victim_mm(struct task_struct *task)
{
	struct mm_struct *mm = BPF_CORE_READ(task, signal, oom_mm);

	return mm ? mm : BPF_CORE_READ(task, mm);
}

#define CGROUP_MAX_DEPTH 16
#define CGROUP_NAME_MAX 256 /* kernfs names are at most NAME_MAX (255) bytes */
#define CGROUP_BUILD_END 511 /* the path is built leftwards from here */

/*
 * Where the path is assembled, leaf first, right to left: the path ends at
 * build[CGROUP_BUILD_END] and grows leftwards a component at a time.  The
 * sizes let every copy use an offset masked to 511 and a length masked to
 * 255, which the verifier can bound without knowing the depth.  Per CPU:
 * these programs do not nest on one CPU.
 */
struct cgroup_path_scratch {
	char build[CGROUP_BUILD_END + 1 + OOMREAP_CGROUP_PATH_LEN];
	char name[CGROUP_NAME_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cgroup_path_scratch);
} cgroup_path_scratch SEC(".maps");

/*
 * One level of the walk: kn's name put in front of what scratch->build
 * holds from *start on.  Returns false when the walk ends there: kn is
 * the hierarchy's root (no name in the path), its name cannot be read, or
 * it does not fit (*truncated: outer levels missing).  Shared by both
 * walks below, inlined into each: the masks and barriers are what the
 * verifier needs to bound the writes.
 */
static __always_inline bool cgroup_path_prepend(struct cgroup_path_scratch *scratch,
						struct kernfs_node *kn,
						struct kernfs_node *parent, __u32 *startp,
						bool *truncated)
{
	__u32 len, start = *startp;
	long n;

	if (!parent)
		return false;
	n = bpf_probe_read_kernel_str(scratch->name, sizeof(scratch->name),
				      BPF_CORE_READ(kn, name));
	if (n <= 0)
		return false;
	len = n - 1; /* n counts the NUL */
	if (len + 1 > start) {
		*truncated = true; /* over 510 bytes: outer levels missing */
		return false;
	}
	start -= len;
	/*
	 * barrier_var: the compiler can prove the masks below are
	 * no-ops and would drop them; the verifier needs them.
	 */
	barrier_var(start);
	barrier_var(len);
	bpf_probe_read_kernel(&scratch->build[start & CGROUP_BUILD_END],
			      len & (CGROUP_NAME_MAX - 1), scratch->name);
	start--;
	barrier_var(start);
	scratch->build[start & CGROUP_BUILD_END] = '/';
	*startp = start;
	return true;
}

/*
 * The end of both walks: the path built from start on, copied into buf.
 * Only the path's bytes: the scratch area holds older paths past this
 * one's end, and events must not carry them.  Returns truncated, set too
 * when the path is longer than buf (its tail cut).
 */
static __always_inline bool cgroup_path_copy_out(struct cgroup_path_scratch *scratch,
						 __u32 start, bool truncated, char *buf)
{
	__u32 len;

	if (start == CGROUP_BUILD_END)
		return truncated; /* the root cgroup: "/" */
	len = CGROUP_BUILD_END - start;
	if (len >= OOMREAP_CGROUP_PATH_LEN) {
		truncated = true;
		len = OOMREAP_CGROUP_PATH_LEN - 1;
	}
	barrier_var(start);
	barrier_var(len);
	bpf_probe_read_kernel(buf, len & (OOMREAP_CGROUP_PATH_LEN - 1),
			      &scratch->build[start & CGROUP_BUILD_END]);
	barrier_var(len);
	buf[len & (OOMREAP_CGROUP_PATH_LEN - 1)] = 0;
	return truncated;
}

/*
 * Write the cgroup's path ("/a/b/c", relative to its hierarchy's root) into
 * buf by walking kernfs parents.  Done here, not in userspace, because a
 * test or an orchestrator may remove the cgroup right after the kill.
 * Returns true when the path had to be truncated (more than
 * CGROUP_MAX_DEPTH levels: outer ones missing; longer than buf: tail cut).
 *
 * One loop whose early exits all leave it: only one path goes on to the
 * next iteration, so the verifier's work stays linear in the depth.  (A
 * version that collected the chain first and then wrote it outermost first
 * was verified once per possible depth, a large share of start-up.)
 */
static __noinline bool cgroup_path_fill(struct cgroup *cg, char *buf)
{
	struct cgroup_path_scratch *scratch;
	struct kernfs_node *kn, *parent;
	__u32 start = CGROUP_BUILD_END, zero = 0;
	bool truncated = false;
	int i;

	buf[0] = '/';
	buf[1] = 0;
	scratch = bpf_map_lookup_elem(&cgroup_path_scratch, &zero);
	if (!cg || !scratch)
		return false;
	scratch->build[CGROUP_BUILD_END] = 0;
	kn = BPF_CORE_READ(cg, kn);
	for (i = 0; i < CGROUP_MAX_DEPTH; i++) {
		parent = kn ? kernfs_parent(kn) : NULL;
		if (!cgroup_path_prepend(scratch, kn, parent, &start, &truncated))
			break;
		kn = parent;
	}
	if (i == CGROUP_MAX_DEPTH && kn && kernfs_parent(kn))
		truncated = true;
	return cgroup_path_copy_out(scratch, start, truncated, buf);
}

/*
 * The same walk through bpf_loop() (5.17+): the verifier checks the step
 * once or a few times until its states converge, not once per level, and
 * the copy after it once instead of once per level it could end at.
 */
struct cgroup_path_walk {
	struct kernfs_node *kn;
	__u32 start;
	bool truncated;
	bool ended; /* stopped before CGROUP_MAX_DEPTH steps */
};

static long cgroup_path_step(__u32 i, void *arg)
{
	struct cgroup_path_walk *w = arg;
	struct cgroup_path_scratch *scratch;
	struct kernfs_node *kn = w->kn, *parent;
	__u32 zero = 0;

	scratch = bpf_map_lookup_elem(&cgroup_path_scratch, &zero);
	parent = kn ? kernfs_parent(kn) : NULL;
	if (!scratch || !cgroup_path_prepend(scratch, kn, parent, &w->start, &w->truncated)) {
		w->ended = true;
		return 1;
	}
	w->kn = parent;
	return 0;
}

static __noinline bool cgroup_path_fill_loop(struct cgroup *cg, char *buf)
{
	struct cgroup_path_walk w;
	struct cgroup_path_scratch *scratch;
	__u32 zero = 0;
	bool truncated;

	buf[0] = '/';
	buf[1] = 0;
	scratch = bpf_map_lookup_elem(&cgroup_path_scratch, &zero);
	if (!cg || !scratch)
		return false;
	scratch->build[CGROUP_BUILD_END] = 0;
	/*
	 * Field by field: an initializer would be a constant the compiler
	 * keeps in .rodata.cst16, one more map to create at every start.
	 */
	w.start = CGROUP_BUILD_END;
	w.truncated = false;
	w.ended = false;
	w.kn = BPF_CORE_READ(cg, kn);
	bpf_loop(CGROUP_MAX_DEPTH, cgroup_path_step, &w, 0);
	truncated = w.truncated;
	if (!w.ended && w.kn && kernfs_parent(w.kn))
		truncated = true;
	return cgroup_path_copy_out(scratch, w.start, truncated, buf);
}

/* The task's memory controller css (v1 or v2), NULL when it has none. */
static __always_inline struct cgroup_subsys_state *task_memory_css(struct task_struct *task)
{
	struct css_set *cset = BPF_CORE_READ(task, cgroups);
	struct cgroup_subsys_state *css = NULL;

	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id)) {
		int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);

		bpf_core_read(&css, sizeof(css), &cset->subsys[id & 15]);
	}
	return css;
}

/* The task's cgroup in that hierarchy, else its default (cgroup2) one. */
static __always_inline struct cgroup *task_memcg(struct task_struct *task,
						 struct cgroup_subsys_state *css)
{
	return css ? BPF_CORE_READ(css, cgroup) : BPF_CORE_READ(task, cgroups, dfl_cgrp);
}

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
	read_rss_sum(mm, &e->mm, e->rss_sum);
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
#define SEND_SIG_PRIV ((struct kernel_siginfo *)1)

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
 * remembered at the kill: the tracepoints carry only the pid.
 */
static __always_inline struct oomreap_reap_event *reap_event_v(__u32 type, __u32 pid,
								__u16 source, struct victim **vp)
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
		read_rss_sum((struct mm_struct *)v->mm, &e->mm, e->rss_sum);
	}
	*vp = v;
	return e;
}

static __always_inline struct oomreap_reap_event *reap_event(__u32 type, __u32 pid,
							     __u16 source)
{
	struct victim *v;

	return reap_event_v(type, pid, source, &v);
}

static __always_inline int emit_reap_flags(__u32 type, __u32 pid, __u16 source, bool wake)
{
	struct oomreap_reap_event *e = reap_event(type, pid, source);

	if (e)
		bpf_ringbuf_submit(e, wake_flags(wake));
	return 0;
}

static __always_inline int emit_reap(__u32 type, __u32 pid, __u16 source)
{
	return emit_reap_flags(type, pid, source, false);
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

	e = reap_event_v(OOMREAP_EV_REAP_SKIP, pid, OOMREAP_SRC_TRACEPOINT, &v);
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

SEC("tp_btf/" OOMREAP_HOOK_START_TASK_REAPING)
int BPF_PROG(tp_start_task_reaping, int pid)
{
	struct oomreap_reap_event *e;
	struct victim *v;

	reaper_current_pid = pid;
	e = reap_event_v(OOMREAP_EV_REAP_START, pid, OOMREAP_SRC_TRACEPOINT, &v);
	if (!e)
		return 0;
	if (v)
		v->attempts++;
	/* its finish says how it went, and wakes the reader */
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

SEC("tp_btf/" OOMREAP_HOOK_FINISH_TASK_REAPING)
int BPF_PROG(tp_finish_task_reaping, int pid)
{
	/* a finish can end the incident: wake the reader */
	return emit_reap_flags(OOMREAP_EV_REAP_FINISH, pid, OOMREAP_SRC_TRACEPOINT, true);
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
SEC("tp_btf/" OOMREAP_HOOK_WAKE_REAPER)
int BPF_PROG(tp_wake_reaper, int pid)
{
	struct victim *v;

	if (wake_tp_is_backstop) {
		v = bpf_map_lookup_elem(&victims, &(__u32){ pid });
		if (!v || v->woken)
			return 0;
	}
	return emit_reap(OOMREAP_EV_REAPER_WAKE, pid, OOMREAP_SRC_TRACEPOINT);
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
static __always_inline int on_reap_result(long ret, __u16 source)
{
	struct task_struct *cur = (void *)bpf_get_current_task();
	struct oomreap_reap_event *e;
	__u32 pid = reaper_current_pid;

	if (!(BPF_CORE_READ(cur, flags) & 0x00200000 /* PF_KTHREAD */) || !pid)
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
	return on_reap_result(ret, OOMREAP_SRC_FENTRY);
}

SEC("kretprobe/" OOMREAP_HOOK_OOM_REAP_TASK_MM)
int BPF_KRETPROBE(kretprobe_oom_reap_task_mm, long ret)
{
	return on_reap_result(ret & 0xff, OOMREAP_SRC_KPROBE);
}

/*
 * Userspace memory killers (earlyoom, systemd-oomd, oomd, ...).
 *
 * A kill counts when the sender's executable is one userspace configured
 * (its file's device and inode, taken with stat(2) at start): a process
 * cannot make itself run another file, whatever it names itself (comm).
 * The signal_generate program is always attached for this; its filter is
 * the signal number first (SIGKILL or SIGTERM), then a kernel-sent one
 * (SEND_SIG_PRIV: the OOM killer, a pid-namespace teardown) is left out,
 * then one hash lookup on the sender's executable.
 */
#define SIGTERM 15
#define SEND_SIG_NOINFO ((struct kernel_siginfo *)0)
#define SI_USER 0
#define SI_TKILL (-6)

struct killer_key {
	__u64 ino;
	__u32 dev; /* kernel dev_t */
	__u32 pad;
};

struct killer_val {
	char name[OOMREAP_COMM_LEN];
	char exe[OOMREAP_KILLER_EXE_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__type(key, struct killer_key);
	__type(value, struct killer_val);
} killer_exes SEC(".maps");

/* A process a recognised killer signalled, until its last thread exits. */
struct uvictim {
	__u64 seq;
	__u64 task; /* never leaves BPF: tells a recycled tgid */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* tgid */
	__type(value, struct uvictim);
} uk_victims SEC(".maps");

/*
 * Entries put in uk_victims, less those deleted at their exit: while 0 (no
 * memory kill pending, nearly always) the exit filter skips the lookup.  An
 * entry the LRU evicts is never subtracted: the count can only stay too
 * high, which costs lookups, never a missed exit.
 */
__u64 uk_pending = 0;
#define PID_FS_MAGIC 0x50494446

/* x86-64 system call numbers of the ways to send a signal. */
static __always_inline __u32 method_of(long nr, __s32 code, int group)
{
	switch (nr) {
	case 62:
		return OOMREAP_METHOD_KILL;
	case 424:
		return OOMREAP_METHOD_PIDFD;
	case 200: /* tkill */
	case 234: /* tgkill */
		return OOMREAP_METHOD_TGKILL;
	case 1:  /* write */
	case 18: /* pwrite64 */
	case 20: /* writev */
		/* cgroup.kill sends send_sig(SIGKILL, task, 0): SI_USER, to the thread */
		return code == SI_USER && !group ? OOMREAP_METHOD_CGROUP_KILL
						 : OOMREAP_METHOD_OTHER;
	case -1:
		if (code == SI_TKILL)
			return OOMREAP_METHOD_TGKILL;
		return code == SI_USER && group ? OOMREAP_METHOD_SIGNAL : OOMREAP_METHOD_OTHER;
	default:
		return OOMREAP_METHOD_OTHER;
	}
}

static __always_inline int on_user_signal(int sig, struct kernel_siginfo *info,
					  struct task_struct *task, int group, int result,
					  bool regs, bool walk_loop)
{
	struct task_struct *cur = (void *)bpf_get_current_task();
	struct killer_key key = {};
	struct killer_val *kv;
	struct oomreap_ukill_event *e;
	struct uvictim *uv, nv = {};
	struct mm_struct *mm;
	struct cgroup *cg;
	struct file *exe;
	__u32 tgid;
	long nr = -1;

	if (regs) {
		/*
		 * 5.15+: the BTF-typed task, read with plain loads (no helper
		 * call each).  Its mm loaded once: from 6.3 the verifier checks
		 * each pointer loaded from a trusted one by name against its
		 * lists of trusted fields, scans of the kernel's whole BTF
		 * (about a millisecond of start-up for the second load).
		 */
		struct task_struct *ct = bpf_get_current_task_btf();
		struct mm_struct *cmm = ct->mm;

		exe = cmm ? cmm->exe_file : NULL;
		if (!exe)
			return 0; /* a kernel thread */
		key.ino = exe->f_inode->i_ino;
		key.dev = exe->f_inode->i_sb->s_dev;
	} else {
		exe = BPF_CORE_READ(cur, mm, exe_file);
		if (!exe)
			return 0; /* a kernel thread */
		key.ino = BPF_CORE_READ(exe, f_inode, i_ino);
		key.dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
	}
	kv = bpf_map_lookup_elem(&killer_exes, &key);
	if (!kv)
		return 0; /* no memory killer: a person's kill -9, a service stop, ... */
	tgid = BPF_CORE_READ(task, tgid);
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, OOMREAP_EV_UKILL, sizeof(*e), OOMREAP_SRC_TRACEPOINT);
	e->hdr.pid = BPF_CORE_READ(task, pid);
	e->hdr.tgid = tgid;
	uv = bpf_map_lookup_elem(&uk_victims, &tgid);
	if (uv && uv->task == (__u64)task) {
		e->hdr.victim_seq = uv->seq;
		e->ukill_flags |= OOMREAP_UKILL_AGAIN;
	} else {
		nv.seq = next_kill_seq();
		nv.task = (__u64)task;
		if (!uv)
			__sync_fetch_and_add(&uk_pending, 1);
		bpf_map_update_elem(&uk_victims, &tgid, &nv, BPF_ANY);
		e->hdr.victim_seq = nv.seq;
	}
	e->sig = sig;
	e->si_code = info == SEND_SIG_NOINFO ? SI_USER : BPF_CORE_READ(info, si_code);
	e->group = group;
	e->result = result;
	e->recognised_by = OOMREAP_KILLER_BY_EXE;
	e->killer_exe_ino = key.ino;
	e->killer_exe_dev = key.dev;
	bpf_probe_read_kernel(e->killer_name, sizeof(e->killer_name), kv->name);
	bpf_probe_read_kernel(e->killer_exe, sizeof(e->killer_exe), kv->exe);
	e->killer_pid = (__u32)bpf_get_current_pid_tgid();
	e->killer_tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->killer_comm, sizeof(e->killer_comm));
	/* which system call sent it: the killer's registers (5.15+) */
	if (regs) {
		struct pt_regs *regs = (void *)bpf_task_pt_regs(bpf_get_current_task_btf());

		nr = BPF_CORE_READ(regs, orig_ax);
	}
	e->syscall_nr = (__s32)nr;
	e->method = method_of(nr, e->si_code, group);
	BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
	e->uid = BPF_CORE_READ(task, real_cred, uid.val);
	mm = BPF_CORE_READ(task, mm);
	read_mm(mm, &e->mm);
	read_rss_sum(mm, &e->mm, e->rss_sum);
	if (mm) {
		e->total_vm_pages = BPF_CORE_READ(mm, total_vm);
		e->pgtables_bytes = BPF_CORE_READ(mm, pgtables_bytes.counter);
	}
	cg = task_memcg(task, task_memory_css(task));
	e->cgroup_hierarchy = -1;
	if (cg) {
		e->cgroup_id = BPF_CORE_READ(cg, kn, id);
		e->cgroup_hierarchy = BPF_CORE_READ(cg, root, hierarchy_id);
	}
	if (walk_loop ? cgroup_path_fill_loop(cg, e->cgroup_path)
		      : cgroup_path_fill(cg, e->cgroup_path))
		e->ukill_flags |= OOMREAP_UKILL_CGROUP_TRUNC;
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

/*
 * One of the two is always attached (the victim's task for a pid-only
 * mark_victim is tp_signal_generate's job, attached only where needed):
 * _regs where the kernel has bpf_task_pt_regs (5.15+), to tell kill(2)
 * from pidfd_send_signal(2) and a write to cgroup.kill.
 */
SEC("tp_btf/" OOMREAP_HOOK_SIGNAL_GENERATE)
int BPF_PROG(tp_signal_killer, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	if (sig != SIGKILL && sig != SIGTERM)
		return 0;
	/* delivered only; the kernel's own SIGKILLs are the OOM killer's business */
	if (result != 0 || info == SEND_SIG_PRIV)
		return 0;
	return on_user_signal(sig, info, task, group, result, false, false);
}

SEC("tp_btf/" OOMREAP_HOOK_SIGNAL_GENERATE)
int BPF_PROG(tp_signal_killer_regs, int sig, struct kernel_siginfo *info,
	     struct task_struct *task, int group, int result)
{
	if (sig != SIGKILL && sig != SIGTERM)
		return 0;
	if (result != 0 || info == SEND_SIG_PRIV)
		return 0;
	return on_user_signal(sig, info, task, group, result, true, true);
}

/* 5.15 and 5.16: bpf_task_pt_regs() but no bpf_loop() */
SEC("tp_btf/" OOMREAP_HOOK_SIGNAL_GENERATE)
int BPF_PROG(tp_signal_killer_regs_unrolled, int sig, struct kernel_siginfo *info,
	     struct task_struct *task, int group, int result)
{
	if (sig != SIGKILL && sig != SIGTERM)
		return 0;
	if (result != 0 || info == SEND_SIG_PRIV)
		return 0;
	return on_user_signal(sig, info, task, group, result, true, false);
}

/*
 * A userspace victim's last thread exits.  Called from the exit program
 * for a task that is no OOM victim: the filter is one more load (the
 * process died of SIGKILL or SIGTERM: signal->group_exit_code, set by
 * complete_signal() for a fatal signal, holds an exit(2) status << 8
 * otherwise), then one lookup.  Returns 1 when the task is such a
 * victim's (its group's end reported here), 0 when it is none.
 */
static __always_inline int user_victim_exit(unsigned long long *ctx, struct task_struct *task,
					    struct signal_struct *sig)
{
	struct oomreap_exit_event *e;
	int code = sig->group_exit_code;
	struct uvictim *uv;
	struct mm_struct *mm;
	bool group_dead;
	__u32 tgid;

	if (code != SIGKILL && code != SIGTERM)
		return 0;
	if (!uk_pending)
		return 0;
	tgid = task->tgid;
	uv = bpf_map_lookup_elem(&uk_victims, &tgid);
	if (!uv)
		return 0;
	if (exit_tp_has_group_dead)
		group_dead = (bool)ctx[1];
	else
		group_dead = BPF_CORE_READ(task, signal, live.counter) == 0;
	if (!group_dead)
		return 1;
	e = reserve(sizeof(*e));
	if (!e)
		return 1;
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, OOMREAP_EV_VICTIM_EXIT, sizeof(*e), OOMREAP_SRC_TRACEPOINT);
	e->hdr.tgid = tgid;
	e->hdr.pid = tgid;
	e->hdr.victim_seq = uv->seq;
	e->exiting_tid = BPF_CORE_READ(task, pid);
	e->group_dead = 1;
	/* 6.18 fires before exit_mm(): the mm still there; older kernels after it */
	mm = BPF_CORE_READ(task, mm);
	read_mm(mm, &e->mm);
	read_rss_sum(mm, &e->mm, e->rss_sum);
	if (mm)
		e->mm_released = e->mm.mm_users == 1;
	if (!bpf_map_delete_elem(&uk_victims, &tgid))
		__sync_fetch_and_sub(&uk_pending, 1);
	bpf_ringbuf_submit(e, wake_flags(true));
	return 1;
}

/*
 * process_mrelease(2), through the syscall tracepoints: attached only with
 * --mrelease, as any syscall tracepoint puts every thread of the machine
 * on the slow system-call path while attached (docs/KILLERS.md, cost).
 */
struct mrel_call {
	__u64 enter_ns;
	__u64 mm;
	__s32 pidfd;
	__u32 flags;
	__u32 tgid;
	__u32 pad;
	struct oomreap_mm_snapshot before;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u32); /* the calling thread */
	__type(value, struct mrel_call);
} mrel_calls SEC(".maps");

/* The process a pidfd of the current task names (its thread-group leader), or NULL. */
static __always_inline struct task_struct *pidfd_task(int fd)
{
	struct task_struct *cur = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(cur, files, fdt);
	struct file **fds, *f = NULL;
	struct hlist_node *first;
	struct pid *pid = NULL;
	char name[8] = {};
	int tgid_type;

	if (!fdt || fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd & 0xffffff]);
	if (!f)
		return NULL;
	/*
	 * 6.9+: a pidfs file, the struct pid its inode's i_private; before,
	 * an anonymous inode named "[pidfd]" with the pid in private_data
	 * (what /proc/PID/fd shows as anon_inode:[pidfd]).
	 */
	if (BPF_CORE_READ(f, f_inode, i_sb, s_magic) == PID_FS_MAGIC) {
		pid = BPF_CORE_READ(f, f_inode, i_private);
	} else {
		bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(f, f_path.dentry, d_name.name));
		if (name[0] == '[' && name[1] == 'p' && name[2] == 'i' && name[3] == 'd' &&
		    name[4] == 'f' && name[5] == 'd' && name[6] == ']' && !name[7])
			pid = BPF_CORE_READ(f, private_data);
	}
	if (!pid)
		return NULL;
	tgid_type = bpf_core_enum_value(enum pid_type, PIDTYPE_TGID);
	first = BPF_CORE_READ(pid, tasks[tgid_type & 3].first);
	if (!first)
		return NULL;
	return (void *)((char *)first - bpf_core_field_offset(struct task_struct, pid_links) -
			(tgid_type & 3) * sizeof(struct hlist_node));
}

SEC("tracepoint/syscalls/sys_enter_process_mrelease")
int tp_mrelease_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mrel_call c = {};
	struct task_struct *t;

	c.enter_ns = bpf_ktime_get_ns();
	c.pidfd = (int)BPF_CORE_READ(ctx, args[0]);
	c.flags = (__u32)BPF_CORE_READ(ctx, args[1]);
	t = pidfd_task(c.pidfd);
	if (t) {
		c.tgid = BPF_CORE_READ(t, tgid);
		c.mm = (__u64)BPF_CORE_READ(t, mm);
		read_mm((struct mm_struct *)c.mm, &c.before);
	}
	bpf_map_update_elem(&mrel_calls, &tid, &c, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_process_mrelease")
int tp_mrelease_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct oomreap_mrelease_event *e;
	struct mrel_call *c;
	struct uvictim *uv;
	struct task_struct *t;
	struct mm_struct *mm;

	c = bpf_map_lookup_elem(&mrel_calls, &tid);
	e = reserve(sizeof(*e));
	if (!e) {
		if (c)
			bpf_map_delete_elem(&mrel_calls, &tid);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, OOMREAP_EV_MRELEASE, sizeof(*e), OOMREAP_SRC_TRACEPOINT);
	e->ret = BPF_CORE_READ(ctx, ret);
	e->caller_pid = tid;
	e->caller_tgid = id >> 32;
	bpf_get_current_comm(e->caller_comm, sizeof(e->caller_comm));
	if (c) {
		e->mrel_flags |= OOMREAP_MREL_ENTER_SEEN;
		e->enter_ns = c->enter_ns;
		e->pidfd = c->pidfd;
		e->flags = c->flags;
		e->before = c->before;
		e->hdr.tgid = e->hdr.pid = c->tgid;
		t = pidfd_task(c->pidfd);
		mm = t ? BPF_CORE_READ(t, mm) : NULL;
		if (c->mm && mm == (struct mm_struct *)c->mm)
			read_mm(mm, &e->after);
		else if (c->mm)
			e->mrel_flags |= OOMREAP_MREL_MM_GONE;
		if (!c->tgid)
			e->mrel_flags |= OOMREAP_MREL_UNRESOLVED;
		bpf_map_delete_elem(&mrel_calls, &tid);
	} else {
		e->mrel_flags |= OOMREAP_MREL_UNRESOLVED;
	}
	if (e->hdr.tgid) {
		__u32 tgid = e->hdr.tgid;

		uv = bpf_map_lookup_elem(&uk_victims, &tgid);
		if (uv)
			e->hdr.victim_seq = uv->seq;
	}
	bpf_ringbuf_submit(e, wake_flags(true));
	return 0;
}

/*
 * Process exit fires for every thread in the system, so the filter comes
 * first and costs three loads: signal->oom_mm is set only for OOM victims,
 * and signal->group_exit_code is SIGKILL only for a process a SIGKILL is
 * taking down.
 *
 * Why the second: __oom_kill_process() sends the victim SIGKILL before
 * mark_oom_victim() sets oom_mm, both under the victim's task_lock.  On
 * PREEMPT_RT that lock sleeps, and the woken victim can preempt the
 * killer in between and run its exit to this tracepoint before it is a
 * victim (6.18 fires it at the start of do_exit(); older kernels after
 * exit_mm(), which waits for that lock).  Seen in the kernel matrix:
 * SIGKILL, sched_process_exit, then mark_victim, on one CPU.  Such an
 * exit goes out flagged OOMREAP_EXIT_UNMARKED and the reader holds it for
 * the kill that follows; complete_signal() sets group_exit_code to the
 * fatal signal, exit_group(n) to n << 8: never 9.
 */
SEC("tp_btf/" OOMREAP_HOOK_SCHED_PROCESS_EXIT)
int BPF_PROG(tp_sched_process_exit, struct task_struct *task)
{
	struct oomreap_exit_event *e;
	__s64 sum[OOMREAP_RSS_NR] = {};
	struct signal_struct *sig;
	struct mm_struct *oom_mm;
	struct victim *v;
	__u32 tgid, tid;
	bool group_dead, have_sum, unmarked = false;

	/*
	 * Direct (BTF-typed) loads, not bpf_probe_read_kernel(): this is the
	 * only program that runs outside OOMs, once per exiting thread.  But
	 * only this one off the task itself: from 6.3 the verifier checks each
	 * pointer loaded from a trusted pointer (the tracepoint's task) against
	 * its lists of trusted fields, by name, each a scan of the kernel's
	 * whole BTF: a millisecond of start-up per load.  So the signal is
	 * handed down, not loaded again, and the rare paths read with helpers.
	 */
	sig = task->signal;
	oom_mm = sig->oom_mm;
	if (!oom_mm) {
		/* a userspace killer's victim: its own event, and done */
		if (user_victim_exit(ctx, task, sig))
			return 0;
		if (sig->group_exit_code != SIGKILL)
			return 0;
		unmarked = true;
	}
	/*
	 * Opaque to the compiler, which would otherwise recompute it from
	 * oom_mm with bit operations on a pointer: the verifier refuses those.
	 */
	barrier_var(unmarked);

	tid = BPF_CORE_READ(task, pid);
	tgid = BPF_CORE_READ(task, tgid);
	if (exit_tp_has_group_dead)
		group_dead = (bool)ctx[1];
	else /* older kernels fire after signal->live was decremented */
		group_dead = BPF_CORE_READ(task, signal, live.counter) == 0;
	v = bpf_map_lookup_elem(&victims, &tgid);
	if (unmarked) {
		/* only the group's end can matter to a kill still to come */
		if (!group_dead)
			return 0;
		oom_mm = BPF_CORE_READ(task, mm); /* NULL after exit_mm() */
		/* on the function rungs the kill event may be out already */
		if (v && (!oom_mm || v->mm != (__u64)oom_mm))
			v = NULL;
	}
	/* Threads other than the chosen one matter only when they end the group. */
	if (!group_dead && (!v || v->pid != tid))
		return 0;
	/*
	 * Summed here, before the event's fields branch on v: the verifier
	 * walks the per-CPU loop once, not once per path (start-up,
	 * docs/KERNEL.md).  Not for an unmarked exit: most are plain kill -9s
	 * and a loop over every CPU each would be their largest cost; the
	 * exit's own RSS is not one of the figures held to the kernel's.
	 */
	have_sum = !unmarked && mm_rss_sum(oom_mm, sum);

	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	fill_header(&e->hdr, OOMREAP_EV_VICTIM_EXIT, sizeof(*e), OOMREAP_SRC_TRACEPOINT);
	e->hdr.tgid = tgid;
	e->exiting_tid = tid;
	e->group_dead = group_dead;
	if (unmarked)
		e->exit_flags = OOMREAP_EXIT_UNMARKED;
	if (v) {
		e->hdr.victim_seq = v->seq;
		e->hdr.pid = v->pid;
	}
	read_mm(oom_mm, &e->mm);
	if (have_sum) {
		e->mm.snap_flags |= OOMREAP_SNAP_RSS_SUM;
		__builtin_memcpy(e->rss_sum, sum, sizeof(e->rss_sum));
	}
	/*
	 * Does the mm die with this exit?  6.18 fires before exit_mm() (the
	 * task still holds its mm_users reference), older kernels after it.
	 */
	if (group_dead) {
		if (BPF_CORE_READ(task, mm))
			e->mm_released = e->mm.mm_users == 1;
		else /* an unmarked exit after exit_mm() read no mm: not known */
			e->mm_released = !unmarked && e->mm.mm_users == 0;
	}
	/*
	 * The last thread's exit can end the incident, unless the reaper has
	 * begun its loop: then its own last attempt does (and wakes the
	 * reader), except when a skip already found the mm gone and the
	 * incident waits for this exit.  One wake-up per incident, not two.
	 */
	bpf_ringbuf_submit(e, wake_flags(group_dead && (!unmarked || v) &&
					 (!v || !v->attempts || v->mm_gone)));
	return 0;
}
