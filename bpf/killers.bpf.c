// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Userspace memory killers: their signals (on every rung) and their
 * process_mrelease(2) calls (opt-in, --mrelease).  Linked into the one
 * object with oomreap.bpf.c (maps.bpf.c says how); their victims' exits
 * are exit.bpf.c's.
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

/*
 * Userspace memory killers (earlyoom, systemd-oomd, oomd, ...).
 *
 * A kill counts when the sender's executable is one userspace configured
 * (its file's device and inode, taken with stat(2) at start): a process
 * cannot make itself run another file, whatever it names itself (comm).
 * The signal_generate program is always attached for this; its filter is
 * the signal number first (SIGKILL or SIGTERM), then a kernel-sent one
 * (SEND_SIG_PRIV: the OOM killer, a pid-namespace teardown) is left out,
 * then one hash lookup on the sender's executable and, when that misses
 * and --killer-cgroup gave any, a compare of its cgroup (cgroup v2's id,
 * bpf_get_current_cgroup_id()) with each killer cgroup's: a killer written
 * in a script language runs its interpreter, so only the cgroup of the
 * unit it runs in tells it (userspace admits only a cgroup that no
 * unprivileged process can join, and follows its id as the unit restarts).
 */
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

#define CGROUP2_SUPER_MAGIC 0x63677270

/*
 * The cgroup whose cgroup.kill the current task is writing to fd (the
 * first argument in its registers): the file must be on a cgroup2 mount
 * and its kernfs node (the inode's i_private) named "cgroup.kill"; the
 * node's parent directory holds the cgroup (priv).  NULL otherwise: a
 * write to anything else that sent a signal (a pipe's SIGPIPE is not
 * SIGKILL; a pseudo-file of a driver could be) names no cgroup.
 */
static __always_inline struct cgroup *cgroup_kill_target(long fd, __u64 *id)
{
	struct task_struct *cur = (void *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(cur, files, fdt);
	struct kernfs_node *kn, *dir;
	struct file **fds, *f = NULL;
	char name[12] = {};

	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd & 0xffffff]);
	if (!f || BPF_CORE_READ(f, f_inode, i_sb, s_magic) != CGROUP2_SUPER_MAGIC)
		return NULL;
	kn = BPF_CORE_READ(f, f_inode, i_private);
	if (!kn)
		return NULL;
	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(kn, name));
	if (name[0] != 'c' || name[1] != 'g' || name[2] != 'r' || name[3] != 'o' ||
	    name[4] != 'u' || name[5] != 'p' || name[6] != '.' || name[7] != 'k' ||
	    name[8] != 'i' || name[9] != 'l' || name[10] != 'l' || name[11])
		return NULL;
	dir = kernfs_parent(kn);
	if (!dir)
		return NULL;
	*id = BPF_CORE_READ(dir, id);
	return BPF_CORE_READ(dir, priv);
}

static __always_inline int on_user_signal(int sig, struct kernel_siginfo *info,
					  struct task_struct *task, int group, int result,
					  bool regs, bool walk_loop)
{
	struct task_struct *cur = (void *)bpf_get_current_task();
	struct killer_key key = {};
	struct killer_val *kv;
	const char *name, *path;
	__u32 by;
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
	if (kv) {
		name = kv->name;
		path = kv->exe;
		by = OOMREAP_KILLER_BY_EXE;
	} else {
		__u32 n = killer_cgroups.n;
		__u64 cg;
		int i;

		if (!n)
			return 0; /* no memory killer: a person's kill -9, a service stop, ... */
		cg = bpf_get_current_cgroup_id();
		for (i = 0; i < OOMREAP_KILLER_CGROUPS_MAX; i++) {
			if (i >= n)
				return 0;
			if (cg && *(volatile __u64 *)&killer_cgroups.id[i] == cg)
				break;
		}
		if (i >= OOMREAP_KILLER_CGROUPS_MAX)
			return 0;
		name = killer_cgroups.name[i];
		path = killer_cgroups.path[i];
		by = OOMREAP_KILLER_BY_CGROUP;
		key.ino = cg;
		key.dev = 0;
	}
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
	e->recognised_by = by;
	e->killer_exe_ino = key.ino;
	e->killer_exe_dev = key.dev;
	bpf_probe_read_kernel(e->killer_name, sizeof(e->killer_name), name);
	bpf_probe_read_kernel(e->killer_exe, sizeof(e->killer_exe), path);
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
	if (regs && e->method == OOMREAP_METHOD_CGROUP_KILL) {
		struct pt_regs *regs = (void *)bpf_task_pt_regs(bpf_get_current_task_btf());
		struct cgroup *target = cgroup_kill_target(BPF_CORE_READ(regs, di),
							   &e->target_cgroup_id);

		if (target) {
			e->ukill_flags |= OOMREAP_UKILL_TARGET;
			if (walk_loop ? cgroup_path_fill_loop(target, e->target_cgroup_path)
				      : cgroup_path_fill(target, e->target_cgroup_path))
				e->ukill_flags |= OOMREAP_UKILL_TARGET_TRUNC;
		} else {
			e->target_cgroup_id = 0;
		}
	}
	BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
	e->uid = BPF_CORE_READ(task, real_cred, uid.val);
	mm = BPF_CORE_READ(task, mm);
	read_mm(mm, &e->mm);
	read_rss_sum_l(mm, &e->mm, e->rss_sum, walk_loop);
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
 * process_mrelease(2), through the syscall tracepoints: attached only with
 * --mrelease, as any syscall tracepoint puts every thread of the machine
 * on the slow system-call path while attached (docs/KILLERS.md, cost).
 */
/* the calls under way: mrel_calls (oomreap.bpf.h), one per calling thread */

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

/* A call counted in its victim's mrel_busy counts itself out (if still there). */
static __always_inline void mrel_uncount(const struct mrel_call *c)
{
	__u32 tgid = c->tgid;
	struct uvictim *uv;

	if (!c->victim_task)
		return;
	uv = bpf_map_lookup_elem(&uk_victims, &tgid);
	if (uv && uv->task == c->victim_task)
		__sync_fetch_and_sub(&uv->mrel_busy, 1);
}

/*
 * Is the mm's mmap_lock taken or waited for right now, so that the call's
 * mmap_read_lock_killable() will likely wait?  rwsem: any count (a writer,
 * readers, waiters); PREEMPT_RT's rwbase_rt: readers other than
 * READER_BIAS (a reader in, or a writer in or on its way).  A reader that
 * holds it with no writer queued lets the call in at once: its picture
 * then shows a holder the call did not wait for; the call's lock wait
 * (function rungs) says which.
 */
#define RWBASE_READER_BIAS ((__s32)(1u << 31))

static __always_inline bool mm_lock_busy(struct mm_struct *mm)
{
	__s32 readers;

	if (mm_lock_rwbase_readers(mm, &readers))
		return readers != RWBASE_READER_BIAS;
	return BPF_CORE_READ(mm, mmap_lock.count.counter) != 0;
}

static __always_inline int mrelease_enter(struct trace_event_raw_sys_enter *ctx, bool pictures)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct mrel_call c = {};
	struct task_struct *t;

	__sync_fetch_and_add(&mrel_entering, 1);
	c.enter_ns = bpf_ktime_get_ns();
	c.pidfd = (int)BPF_CORE_READ(ctx, args[0]);
	c.flags = (__u32)BPF_CORE_READ(ctx, args[1]);
	t = pidfd_task(c.pidfd);
	if (t) {
		__u32 tgid = BPF_CORE_READ(t, tgid);
		struct uvictim *uv;

		c.tgid = tgid;
		c.mm = (__u64)BPF_CORE_READ(t, mm);
		read_mm((struct mm_struct *)c.mm, &c.before);
		uv = bpf_map_lookup_elem(&uk_victims, &tgid);
		if (uv && uv->task == (__u64)t) {
			__sync_fetch_and_add(&uv->mrel_busy, 1);
			c.victim_task = (__u64)t;
			/* a memory killer's victim whose lock is busy: who holds it, who waits */
			if (pictures && c.mm && mm_lock_busy((struct mm_struct *)c.mm))
				blocker_picture(c.mm, tgid, tgid, uv->seq);
		}
	}
	if (bpf_map_update_elem(&mrel_calls, &tid, &c, BPF_ANY))
		mrel_uncount(&c);
	__sync_fetch_and_sub(&mrel_entering, 1);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_process_mrelease")
int tp_mrelease_enter(struct trace_event_raw_sys_enter *ctx)
{
	return mrelease_enter(ctx, false);
}

/* Loaded instead where blocker attribution is on (blocker_picture's kfuncs, 6.2+). */
SEC("tracepoint/syscalls/sys_enter_process_mrelease")
int tp_mrelease_enter_blockers(struct trace_event_raw_sys_enter *ctx)
{
	return mrelease_enter(ctx, true);
}

/*
 * Function rungs: __oom_reap_task_mm() entered by a process_mrelease call
 * (which has its lock by then): its wait is over.  Its return is stamped
 * by the reaper's own exit programs on that function (oomreap.bpf.c).
 */
SEC("fentry/" OOMREAP_HOOK_OOM_REAP_TASK_MM)
int BPF_PROG(fentry_mrelease_locked, struct mm_struct *mm)
{
	mrel_reap_stamp(mm, true, false);
	return 0;
}

SEC("kprobe/" OOMREAP_HOOK_OOM_REAP_TASK_MM)
int BPF_KPROBE(kprobe_mrelease_locked, struct mm_struct *mm)
{
	mrel_reap_stamp(mm, true, false);
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
	/* out of the count before the reserve: see OOMREAP_EXIT_MRELEASE_BUSY */
	if (c)
		mrel_uncount(c);
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
		e->mrel_flags |= c->reap_flags;
		e->locked_ns = c->locked_ns;
		e->unmapped_ns = c->unmapped_ns;
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
