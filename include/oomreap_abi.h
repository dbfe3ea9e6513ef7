/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one wire ABI between the BPF programs and userspace.
 *
 * The same bytes travel through the BPF ring buffer and are stored, as they
 * arrived, in record files.  Hence: fixed-width fields only (no long, bool or
 * enum members), explicit padding, the type tag first, and a size assertion
 * on every struct.  Changing a layout means bumping OOMREAP_ABI_VERSION.
 */
#ifndef OOMREAP_ABI_H
#define OOMREAP_ABI_H

#ifdef __bpf__
/* vmlinux.h already provides the __u* types for BPF programs. */
#else
#include <linux/types.h>
#endif

#define OOMREAP_ABI_VERSION 4
/*
 * Version 4 appended to the userspace kill event the cgroup whose
 * cgroup.kill was written (target_cgroup_id, target_cgroup_path), and to
 * the process_mrelease event the end of its lock wait and of its unmap
 * (locked_ns, unmapped_ns): a version 3 event of either is its prefix,
 * and readers extend it (OOMREAP_UKILL_TARGET, OOMREAP_MREL_LOCKED clear).
 *
 * Version 3 added the userspace-killer events (OOMREAP_EV_UKILL,
 * OOMREAP_EV_MRELEASE), gave the exit event's spare field a meaning
 * (exit_flags, OOMREAP_EXIT_UNMARKED) and the kill event
 * OOMREAP_KILL_EXIT_BEGUN: version 2's events keep their layout and read as
 * version 3's without those flags.  An older reader would take an unmarked
 * exit for a victim's: it refuses version 3.
 *
 * Version 1 (recordings made before 0.2) had the kill, reap and exit events
 * without their trailing rss_sum[]: each is a prefix of its version 2
 * layout, and readers extend it (rss_sum absent, OOMREAP_SNAP_RSS_SUM
 * clear).  The sizes of version 1, for them:
 */
#define OOMREAP_ABI_V1_KILL_SIZE 424
#define OOMREAP_ABI_V1_REAP_SIZE 104
#define OOMREAP_ABI_V1_EXIT_SIZE 104
#define OOMREAP_ABI_V3_UKILL_SIZE 576
#define OOMREAP_ABI_V3_MRELEASE_SIZE 192

#define OOMREAP_COMM_LEN 16
#define OOMREAP_CGROUP_PATH_LEN 256

/* Event type tags: first field of every event. */
#define OOMREAP_EV_KILL 1          /* a task was marked as OOM victim */
#define OOMREAP_EV_OOM_CONTEXT 2   /* oom_kill_process(): domain, constraint */
#define OOMREAP_EV_REAPER_QUEUE 3  /* queue_oom_reaper(): reaper timer armed */
#define OOMREAP_EV_REAPER_WAKE 4   /* reaper woken for this victim */
#define OOMREAP_EV_REAP_START 5    /* lock taken, unmapping begins */
#define OOMREAP_EV_REAP_FINISH 6   /* unmapping pass done */
#define OOMREAP_EV_REAP_SKIP 7     /* attempt did not reap (see skip_reason) */
#define OOMREAP_EV_REAP_RESULT 8   /* __oom_reap_task_mm() return value */
#define OOMREAP_EV_VICTIM_EXIT 9   /* a victim thread reached do_exit() */
#define OOMREAP_EV_BLOCKER 10      /* who held/waited on mmap_lock at a failed trylock */
#define OOMREAP_EV_UKILL 11        /* a recognised memory killer signalled a process */
#define OOMREAP_EV_MRELEASE 12     /* a process_mrelease(2) call returned */
#define OOMREAP_EV_MAX 12

/* Which kind of program produced an event (the attach rung). */
#define OOMREAP_SRC_TRACEPOINT 1
#define OOMREAP_SRC_FENTRY 2
#define OOMREAP_SRC_KPROBE 3

/* Why a reap attempt was skipped. */
#define OOMREAP_SKIP_UNKNOWN 0
#define OOMREAP_SKIP_TRYLOCK_FAILED 1 /* mmap_read_trylock() failed */
#define OOMREAP_SKIP_MM_GONE 2        /* MMF_OOM_SKIP already set: mm torn down */

/* Kernel RSS counter indices (enum MM_*PAGES, stable since 4.x). */
#define OOMREAP_RSS_FILE 0
#define OOMREAP_RSS_ANON 1
#define OOMREAP_RSS_SWAP 2
#define OOMREAP_RSS_SHMEM 3
#define OOMREAP_RSS_NR 4

/* Flags in oomreap_kill_event.kill_flags. */
#define OOMREAP_KILL_HAVE_TASK 0x1      /* victim task was readable */
#define OOMREAP_KILL_CGROUP_TRUNC 0x2   /* cgroup_path was truncated */
#define OOMREAP_KILL_SELF 0x4           /* trigger == victim (exiting task) */
#define OOMREAP_KILL_GROUP_READ 0x8     /* oom_group_levels was read (see there) */
/*
 * At the kill, the victim's last thread had already begun its exit
 * (signal->live was 0): its exit event may be in the buffer before this
 * one, flagged OOMREAP_EXIT_UNMARKED (ABI 2 recordings may lack the flag).
 */
#define OOMREAP_KILL_EXIT_BEGUN 0x10

/* Flags in oomreap_exit_event.exit_flags. */
/*
 * The process was not an OOM victim yet at its exit (signal->oom_mm not
 * set) but was dying of SIGKILL: the OOM killer sends it before it marks
 * the victim, and on PREEMPT_RT the victim can exit in between.  Held by
 * the reader for a kill that may follow; any other SIGKILLed exit too.
 */
#define OOMREAP_EXIT_UNMARKED 0x1
/*
 * A userspace killer's victim: a process_mrelease(2) call on it had
 * entered and not returned when it exited.  Both unmap at once and the
 * call returns when its reap is done, up to seconds later for a large
 * victim: the call's event comes after this one (the call counts itself
 * out before it reserves its event, the exit reads the count after it
 * reserved its own).  Also set while any call's entry is still being
 * counted (bpf/oomreap.bpf.h, mrel_entering): it may be this victim's.
 */
#define OOMREAP_EXIT_MRELEASE_BUSY 0x2

/* Flags in oomreap_mm_snapshot.snap_flags. */
#define OOMREAP_SNAP_VALID 0x1          /* an mm was found and read */
#define OOMREAP_SNAP_RSS_APPROX 0x2     /* percpu_counter read (>= 6.2) */
/*
 * The event's rss_sum[] holds exact sums: each percpu_counter's count plus
 * every possible CPU's unfolded remainder, what percpu_counter_sum() and
 * the kernel's 7.0+ "Killed process" and "reaped process" lines read.
 * Clear: not summed (counters not per-CPU, no per-CPU offsets in BTF, or a
 * read failed) and rss_sum[] is 0.
 */
#define OOMREAP_SNAP_RSS_SUM 0x4

/* Constraint values mirror enum oom_constraint. */
#define OOMREAP_CONSTRAINT_UNKNOWN 0xffffffffu

struct oomreap_event_header {
	__u32 type;       /* OOMREAP_EV_* */
	__u32 size;       /* total size of this event in bytes */
	__u64 ts_ns;      /* CLOCK_MONOTONIC, bpf_ktime_get_ns() */
	__u64 victim_seq; /* kill sequence number, 0 = not a known victim */
	__u32 pid;        /* victim thread id, as the oom tracepoints report */
	__u32 tgid;       /* victim process id, 0 if unknown */
	__u16 cpu;
	__u16 source;     /* OOMREAP_SRC_* */
	__u32 pad0;
};
_Static_assert(sizeof(struct oomreap_event_header) == 40, "header ABI");

/* The victim mm as one program saw it. */
struct oomreap_mm_snapshot {
	__s64 rss_pages[OOMREAP_RSS_NR]; /* raw: percpu reads can be < 0 */
	__u64 mm_flags;                  /* mm->flags word 0 */
	__u32 mm_users;
	__u32 snap_flags;                /* OOMREAP_SNAP_* */
};
_Static_assert(sizeof(struct oomreap_mm_snapshot) == 48, "snapshot ABI");

struct oomreap_kill_event {
	struct oomreap_event_header hdr;
	struct oomreap_mm_snapshot mm;
	__u64 total_vm_pages;
	__u64 pgtables_bytes;
	__u64 cgroup_id;       /* kernfs id of the victim's memory cgroup */
	__u32 uid;
	__s16 oom_score_adj;
	__u16 kill_flags;      /* OOMREAP_KILL_* */
	__u32 trigger_pid;     /* task that ran the OOM killer */
	__u32 trigger_tgid;
	__s32 cgroup_hierarchy; /* cgroup_root.hierarchy_id: 0 = cgroup2 */
	/*
	 * memory.oom.group on the victim's memcg and its ancestors, as
	 * mem_cgroup_get_oom_group() will read them at the kill: bit N set =
	 * the memcg N levels above the victim's (bit 0: its own) has it set.
	 * Meaningful only with OOMREAP_KILL_GROUP_READ (recordings made
	 * before it have 0 here and no flag).
	 */
	__u32 oom_group_levels;
	char comm[OOMREAP_COMM_LEN];
	char trigger_comm[OOMREAP_COMM_LEN];
	char cgroup_path[OOMREAP_CGROUP_PATH_LEN]; /* victim's memcg, "/"-rooted */
	__s64 rss_sum[OOMREAP_RSS_NR]; /* exact sums, with OOMREAP_SNAP_RSS_SUM (ABI 2) */
};
_Static_assert(sizeof(struct oomreap_kill_event) == OOMREAP_ABI_V1_KILL_SIZE + 32, "kill ABI");

struct oomreap_oom_context_event {
	struct oomreap_event_header hdr; /* pid/tgid: the chosen task */
	__u64 totalpages;
	__s64 chosen_points;
	__u64 domain_cgroup_id;        /* oc->memcg, 0 for a global OOM */
	__u32 constraint;              /* enum oom_constraint */
	__s32 order;
	__u32 trigger_pid;
	__u32 trigger_tgid;
	char trigger_comm[OOMREAP_COMM_LEN];
	char domain_cgroup_path[OOMREAP_CGROUP_PATH_LEN];
};
_Static_assert(sizeof(struct oomreap_oom_context_event) == 352, "ctx ABI");

/* Reaper queue/wake/start/finish/skip/result all share this layout. */
struct oomreap_reap_event {
	struct oomreap_event_header hdr;
	struct oomreap_mm_snapshot mm;
	__u32 skip_reason;   /* OOMREAP_SKIP_*, REAP_SKIP only */
	__s32 reap_ret;      /* REAP_RESULT: 1 = fully reaped, 0 = retry */
	__u32 actor_pid;     /* current: the oom_reaper kthread, or timer ctx */
	__u32 wake_ignored;  /* REAPER_WAKE: victim was already gone (>= 5.18) */
	__s64 rss_sum[OOMREAP_RSS_NR]; /* exact sums, with OOMREAP_SNAP_RSS_SUM (ABI 2) */
};
_Static_assert(sizeof(struct oomreap_reap_event) == OOMREAP_ABI_V1_REAP_SIZE + 32, "reap ABI");

struct oomreap_exit_event {
	struct oomreap_event_header hdr;
	struct oomreap_mm_snapshot mm;
	__u32 exiting_tid;
	__u32 group_dead;    /* last thread of the victim process */
	__u32 mm_released;   /* this exit drops the last mm user */
	__u32 exit_flags;    /* OOMREAP_EXIT_* (0 in recordings made before them) */
	__s64 rss_sum[OOMREAP_RSS_NR]; /* exact sums, with OOMREAP_SNAP_RSS_SUM (ABI 2) */
};
_Static_assert(sizeof(struct oomreap_exit_event) == OOMREAP_ABI_V1_EXIT_SIZE + 32, "exit ABI");

#define OOMREAP_STACK_DEPTH 20
#define OOMREAP_MAX_WAITERS 4

/* Roles in oomreap_blocked_task.role. */
#define OOMREAP_ROLE_OWNER_WRITER 1  /* rwsem owner word: the writer */
#define OOMREAP_ROLE_OWNER_READER 2  /* owner word: the LAST reader (a hint) */
#define OOMREAP_ROLE_WAITER_WRITE 3  /* queued on wait_list for write */
#define OOMREAP_ROLE_WAITER_READ 4   /* queued on wait_list for read */
#define OOMREAP_ROLE_WAITER_RT 5     /* PREEMPT_RT: blocked on the lock's rtmutex,
				      * for read or write: the kernel does not say */

/* Flags in oomreap_blocker_event.blk_flags. */
#define OOMREAP_BLK_WAITERS_TRUNC 0x1 /* more waiters than reported */
#define OOMREAP_BLK_NO_OWNER 0x2      /* owner word empty or unreadable */
#define OOMREAP_BLK_RWBASE 0x4        /* PREEMPT_RT rwbase_rt: lock_count is its
				       * 32-bit readers word, the readers a count */
#define OOMREAP_BLK_WAITERS_UNSEEN 0x8 /* the lock says it has waiters, the walk
					* found none (it changed under the walk) */

struct oomreap_blocked_task {
	__u32 pid;
	__u32 tgid;
	char comm[OOMREAP_COMM_LEN];
	__u32 role;       /* OOMREAP_ROLE_* */
	__s32 stack_len;  /* frames in stack[]; < 0: -errno, no stack */
	__u64 stack[OOMREAP_STACK_DEPTH]; /* kernel return addresses */
};
_Static_assert(sizeof(struct oomreap_blocked_task) == 192, "blocked task ABI");

struct oomreap_blocker_event {
	struct oomreap_event_header hdr;
	__u64 lock_count;   /* mmap_lock rwsem count word at the failure
			     * (OOMREAP_BLK_RWBASE: rwbase_rt.readers) */
	__u32 ntasks;       /* valid entries in tasks[]: owner first if known */
	__u32 blk_flags;    /* OOMREAP_BLK_* */
	struct oomreap_blocked_task tasks[1 + OOMREAP_MAX_WAITERS];
};
_Static_assert(sizeof(struct oomreap_blocker_event) == 1016, "blocker ABI");

/*
 * Userspace memory killers (docs/KILLERS.md).  How the signal was sent:
 * the killer's system call, read from its registers (5.15+: before, only
 * the siginfo's code and group tell, METHOD_SIGNAL).
 */
#define OOMREAP_METHOD_SIGNAL 0      /* kill(2) or pidfd_send_signal(2): not told apart */
#define OOMREAP_METHOD_KILL 1        /* kill(2) */
#define OOMREAP_METHOD_PIDFD 2       /* pidfd_send_signal(2) */
#define OOMREAP_METHOD_TGKILL 3      /* tkill(2)/tgkill(2) */
#define OOMREAP_METHOD_CGROUP_KILL 4 /* a write(2) to cgroup.kill */
#define OOMREAP_METHOD_OTHER 5       /* another system call */

/* How the killer was recognised (oomreap_ukill_event.recognised_by). */
#define OOMREAP_KILLER_BY_EXE 1      /* its executable's device and inode */
#define OOMREAP_KILLER_BY_CGROUP 2   /* its cgroup (v2), for a killer a script runs */

#define OOMREAP_KILLER_EXE_LEN 64

/*
 * --killer-cgroup: the killers told by their cgroup (v2), in the object's
 * .bss, which userspace writes through its mapping: a unit's restart
 * gives its cgroup a new id while the tool runs without privileges, and
 * before 6.5 an unprivileged bpf() system call (a map update) is refused
 * where unprivileged BPF is disabled; a store to the mapping is not a
 * system call.  Slots below n; id 0: none now (the cgroup is not there,
 * or it is refused).
 */
#define OOMREAP_KILLER_CGROUPS_MAX 16

struct oomreap_killer_cgroups {
	__u32 n;
	__u32 pad;
	__u64 id[OOMREAP_KILLER_CGROUPS_MAX];
	char name[OOMREAP_KILLER_CGROUPS_MAX][OOMREAP_COMM_LEN];
	char path[OOMREAP_KILLER_CGROUPS_MAX][OOMREAP_KILLER_EXE_LEN];
};

struct oomreap_ukill_event {
	struct oomreap_event_header hdr; /* pid/tgid: the victim */
	struct oomreap_mm_snapshot mm;   /* the victim's mm as the signal was sent */
	__s64 rss_sum[OOMREAP_RSS_NR];
	__u64 cgroup_id;                 /* the victim's memory cgroup */
	union {
		__u64 killer_exe_ino;    /* BY_EXE: the file's inode */
		__u64 killer_cgroup_id;  /* BY_CGROUP: the sender's cgroup (v2) */
	};
	__u32 killer_exe_dev;            /* BY_EXE: kernel dev_t (MAJOR << 20 | MINOR); else 0 */
	__u32 uid;                       /* the victim's real uid */
	__u32 killer_pid;                /* the sending thread */
	__u32 killer_tgid;
	__s32 sig;
	__s32 si_code;                   /* SI_USER 0, SI_TKILL -6, ... */
	__u32 group;                     /* signal_generate's group: to the process */
	__u32 result;                    /* 0 delivered, 2 already pending */
	__u32 method;                    /* OOMREAP_METHOD_* */
	__s32 syscall_nr;                /* the killer's orig_ax, -1 unread */
	__u32 recognised_by;             /* OOMREAP_KILLER_BY_* */
	__s32 cgroup_hierarchy;          /* 0 = cgroup2, -1 unknown */
	__u32 ukill_flags;               /* OOMREAP_UKILL_* */
	__u32 pad0;
	__u64 total_vm_pages;            /* the victim's mm, with its RSS */
	__u64 pgtables_bytes;
	char comm[OOMREAP_COMM_LEN];
	char killer_comm[OOMREAP_COMM_LEN];
	char killer_name[OOMREAP_COMM_LEN];         /* the name it was configured as */
	/* the configured path it matched: the file's (BY_EXE) or the cgroup's (BY_CGROUP) */
	char killer_exe[OOMREAP_KILLER_EXE_LEN];
	char cgroup_path[OOMREAP_CGROUP_PATH_LEN];
	/*
	 * A write to cgroup.kill (OOMREAP_METHOD_CGROUP_KILL): the cgroup whose
	 * file was written, read from the killer's fd table in the same
	 * program (OOMREAP_UKILL_TARGET); the victim is in its subtree.
	 */
	__u64 target_cgroup_id;
	char target_cgroup_path[OOMREAP_CGROUP_PATH_LEN];
};
_Static_assert(sizeof(struct oomreap_ukill_event) == 840, "ukill ABI");

#define OOMREAP_UKILL_CGROUP_TRUNC 0x1  /* cgroup_path was truncated */
#define OOMREAP_UKILL_AGAIN 0x2         /* a later signal to a victim already signalled */
#define OOMREAP_UKILL_TARGET 0x4        /* target_cgroup_* were read */
#define OOMREAP_UKILL_TARGET_TRUNC 0x8  /* target_cgroup_path was truncated */

/* Flags in oomreap_mrelease_event.mrel_flags. */
#define OOMREAP_MREL_ENTER_SEEN 0x1   /* its entry was seen: enter_ns, before are set */
#define OOMREAP_MREL_UNRESOLVED 0x2   /* the pidfd named no process we could read */
#define OOMREAP_MREL_MM_GONE 0x4      /* the victim's mm was released during the call */
#define OOMREAP_MREL_LOCKED 0x8       /* function rungs: __oom_reap_task_mm entered, locked_ns */
#define OOMREAP_MREL_UNMAPPED 0x10    /* ... and returned, unmapped_ns */
#define OOMREAP_MREL_PARTIAL 0x20     /* ... returning false: memory left mapped (EAGAIN) */

/* One process_mrelease(2) call, emitted as it returns. */
struct oomreap_mrelease_event {
	struct oomreap_event_header hdr; /* pid/tgid: the victim, 0 unresolved */
	struct oomreap_mm_snapshot before; /* the victim's mm at entry */
	struct oomreap_mm_snapshot after;  /* ... and at return (not VALID: gone) */
	__u64 enter_ns;
	__s64 ret;                         /* 0 or -errno */
	__u32 caller_pid;
	__u32 caller_tgid;
	__s32 pidfd;
	__u32 flags;                       /* the call's flags argument */
	__u32 mrel_flags;                  /* OOMREAP_MREL_* */
	__u32 pad0;
	char caller_comm[OOMREAP_COMM_LEN];
	/*
	 * Function rungs: when the call, holding the victim's mmap_lock at
	 * last, entered __oom_reap_task_mm() (the wait for the lock ends), and
	 * when that returned (the unmap ends); 0 unseen.
	 */
	__u64 locked_ns;
	__u64 unmapped_ns;
};
_Static_assert(sizeof(struct oomreap_mrelease_event) == 208, "mrelease ABI");

/* Largest event, for buffers that must hold any of them. */
#define OOMREAP_EVENT_MAX_SIZE sizeof(struct oomreap_blocker_event)

#endif /* OOMREAP_ABI_H */
