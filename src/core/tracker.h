/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Tracker: wire events in, per-victim incidents out.  Pure state machine:
 * no I/O, no clock reads, no allocation after tracker__new().  Live tracing,
 * replay and the unit tests drive the very same code.
 *
 * An incident is keyed by the victim_seq that BPF stamps on every event of
 * one kill, so a recycled pid can never merge two victims.  Events with
 * victim_seq == 0 (a kill the BPF side did not see, e.g. the old
 * mark_victim(int pid) prototype) are matched by pid/tgid instead.
 */
#ifndef OOMREAP_TRACKER_H
#define OOMREAP_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oomreap_abi.h"
#include "core/missed.h"
#include "core/oom_context.h"
#include "core/oom_event.h"

/*
 * The reaper's design constants (mm/oom_kill.c, docs/KERNEL.md).  They are
 * not in BTF; the tracker uses them only to decide when an incident is
 * over.  What each waiting time below rests on, as measured: docs/LAB.md,
 * "The timings the tracker rests on".
 */
#define REAPER_MAX_ATTEMPTS 10            /* MAX_OOM_REAP_RETRIES */
#define REAPER_DELAY_NS 2000000000ull     /* OOM_REAPER_DELAY, 5.18+ */
/*
 * After a finish with an unknown __oom_reap_task_mm() result, wait this long
 * for a retry (the reaper sleeps HZ/10 between attempts) before calling the
 * reap complete.
 */
#define REAPER_RETRY_LINGER_NS 250000000ull
/*
 * A victim that exited while another process still shares its mm may yet
 * be reaped; wait this long after the kill for the reaper to show up.
 */
#define REAPER_WAIT_AFTER_KILL_NS (REAPER_DELAY_NS + 1000000000ull)
/* After the last attempt, wait this long for its blocker event. */
#define REAPER_SETTLE_NS 10000000ull
/*
 * ... or this long, when every earlier failed attempt had its blocker
 * event (attribution is on) and the last one's is still to come.  Live,
 * the picture is taken in the skip's own program run and is in the ring
 * right behind it, so this waits only for a picture the ring dropped
 * (counted).  Recordings of earlier versions, whose blocker program ran
 * after the skip's on the same tracepoint, have them up to 31 ms apart on
 * PREEMPT_RT (7.3.4-rt under TCG).  The blocker event ends the wait when
 * it comes.
 */
#define REAPER_BLOCKER_WAIT_NS REAPER_SILENCE_NS
/*
 * An incomplete incident (its kill or some of its events never seen, e.g.
 * tracing started mid-loop) cannot count to the 10th attempt.  The
 * reaper's attempts on one victim come HZ/10 apart without a break, so
 * this long after a failed attempt with none following, its loop is over.
 */
#define REAPER_SILENCE_NS 1000000000ull
/*
 * Before 6.18, sched_process_exit fires after exit_mm(): the reaper can
 * find the victim's mm gone (an MMF_OOM_SKIP skip) a few ms before the
 * victim's exit event arrives.  Wait this long for it before ending the
 * incident without one.
 */
#define EXIT_AFTER_MM_GONE_NS 1000000000ull
/*
 * An incident that lost events (ring buffer full, a run of ours the kernel
 * skipped) may never see its closing event.  It closes as incomplete, its
 * end unseen, once no event of it came for LOSS_SILENCE_NS and at least
 * LOSS_WAIT_AFTER_KILL_NS after it opened: past the reaper's 2 s delay and
 * ten attempts HZ/10 apart, with room for the victims queued before it
 * and for a long reap.  Any event of it re-arms the wait.
 */
#define LOSS_WAIT_AFTER_KILL_NS 10000000000ull
#define LOSS_SILENCE_NS 5000000000ull

/*
 * A userspace victim's exit event can come before the killer's
 * process_mrelease(2) call returns (both unmap at once): wait this long
 * after the exit for the call.
 */
#define UK_SETTLE_NS 200000000ull
/*
 * ... unless the exit event says a call was under way at the exit
 * (OOMREAP_EXIT_MRELEASE_BUSY): that call returns when its reap is done,
 * 1 s after the exit for a 192 MiB victim of 4 KiB pages in a TCG guest;
 * then wait for it this long at most.  A call whose event was lost marks
 * the incident incomplete (drops and skipped runs are counted) and it
 * closes here.
 */
#define UK_MRELEASE_WAIT_NS 30000000000ull
/*
 * A userspace victim that never dies of the signal (it handled SIGTERM,
 * then exited by itself or not at all): closed as open this long after
 * its last signal.
 */
#define UK_OPEN_NS 30000000000ull
#define MRELEASE_CALLS_MAX 4

#define TIMELINE_MAX 24
/* Distinct blocker pictures kept per incident; identical ones are counted. */
#define BLOCKER_SNAPSHOTS 4

enum oomreap_outcome {
	OUTCOME_OPEN = 0,       /* still running when tracing stopped/evicted */
	OUTCOME_REAPED,         /* the reaper unmapped the victim's memory */
	OUTCOME_GAVE_UP,        /* 10 failed attempts: "unable to reap" */
	OUTCOME_VICTIM_EXITED,  /* the victim released its mm itself */
	OUTCOME_PARTIAL,        /* 10 attempts, some memory unmapped, not all */
	/* userspace killers' victims (incident kind INCIDENT_USERSPACE) */
	OUTCOME_MRELEASED,      /* process_mrelease(2) unmapped the victim's memory */
	OUTCOME_MRELEASE_FAILED, /* every process_mrelease(2) call failed; the victim exited */
	OUTCOME_NR
};

struct timeline_entry {
	uint64_t ts_ns;
	uint16_t type;          /* OOMREAP_EV_* */
	uint16_t skip_reason;   /* REAP_SKIP */
	int32_t reap_ret;       /* REAP_RESULT */
	int64_t rss_pages[OOMREAP_RSS_NR]; /* clamped >= 0; -1 = not read */
	int64_t rss_sum[OOMREAP_RSS_NR];   /* exact sums, clamped; -1 = not summed */
};

/*
 * Which reading of the kernel's per-CPU RSS counters (6.2+) an incident
 * shows: the counter's plain count (approximate: per-CPU remainders not
 * folded in), what the kernel's own "Killed process" and "reaped process"
 * lines print up to 6.19; or the exact sum (count plus every CPU's
 * remainder), what they print from 7.0 on (get_mm_counter_sum()).  The
 * count is shown where no sum was read (older recordings, a kernel whose
 * per-CPU offsets the tool could not find) and where the counters are not
 * per-CPU (before 6.2: exact either way).
 */
enum rss_basis {
	RSS_BASIS_COUNT = 0,
	RSS_BASIS_SUM,
};

/* Why an incident shows the reading it shows. */
enum rss_basis_src {
	RSS_SRC_NO_SUM = 0,    /* no exact sum was read: the count is all there is */
	RSS_SRC_KERNEL_LOG,    /* this victim's "Killed process"/"reaped" line agrees with it */
	RSS_SRC_EARLIER_LOG,   /* undecided here; an earlier victim's line in this session */
	RSS_SRC_DEFAULT,       /* no log line decides, nor the release: the exact sum */
	RSS_SRC_KERNEL_RELEASE, /* no log line decides (none readable): what the release prints */
};

const char *rss_basis__name(uint8_t basis);    /* "count", "sum" */
const char *rss_basis_src__name(uint8_t src);  /* "no_sum", "kernel_log", ... */
/*
 * What one kernel log line's figures (anon, file, shmem in kB) say about
 * the readings beside it (pages, OOMREAP_RSS_* order): RSS_BASIS_COUNT or
 * RSS_BASIS_SUM when exactly one of them equals the line in all three,
 * -1 when both do or neither does.
 */
int rss_basis__judge(const uint64_t count_pages[OOMREAP_RSS_NR],
		     const uint64_t sum_pages[OOMREAP_RSS_NR], const uint64_t log_kb[3],
		     uint64_t page_size);
/*
 * What a kernel release's "Killed process" line prints when no line can be
 * read to tell (a container without /dev/kmsg, --no-kmsg): mainline prints
 * the exact sums from 7.0 (RSS_BASIS_SUM), the counts before
 * (RSS_BASIS_COUNT); -1 for a release that does not parse.  A stable
 * kernel that took the change back prints sums before 7.0: wherever the
 * log is readable, its own line decides first.
 */
int rss_basis__of_release(const char *release);

/* Who held and who waited on mmap_lock at one or more failed trylocks. */
struct blocker_snapshot {
	uint32_t count;          /* failed attempts that looked exactly like this */
	uint32_t first_attempt;  /* 1-based attempt numbers */
	uint32_t last_attempt;
	uint32_t blk_flags;      /* OOMREAP_BLK_* */
	uint32_t ntasks;         /* owner first when known, then waiters in order */
	uint64_t lock_count;     /* the lock word (OOMREAP_BLK_RWBASE: its readers) */
	struct oomreap_blocked_task tasks[1 + OOMREAP_MAX_WAITERS];
};

enum incident_kind {
	INCIDENT_KERNEL_OOM = 0, /* the kernel's OOM killer */
	INCIDENT_USERSPACE,      /* a userspace memory killer (earlyoom, systemd-oomd, ...) */
};

const char *incident_kind__name(uint8_t kind); /* "kernel_oom", "userspace" */

/*
 * How a process_mrelease(2) call failed (ESRCH, the victim's memory gone
 * first, is not a failure and is counted apart).  EINVAL is routine: the
 * victim is not dying, as after a SIGTERM it handles (earlyoom sends one
 * first); the others say the killer or the kernel is in trouble.
 */
enum mrelease_err {
	MREL_ERR_EINVAL,
	MREL_ERR_EAGAIN,   /* the reap left memory (a range it may not block on), as partial */
	MREL_ERR_EINTR,    /* a fatal signal to the killer while it waited for the mmap_lock */
	MREL_ERR_EBADF,    /* not a pidfd (a killer's bug) */
	MREL_ERR_OTHER,
	MREL_ERR_NR
};

/* "EINVAL", ..., "other"; the class of a call's -errno (ESRCH: MREL_ERR_NR) */
const char *mrelease_err__name(unsigned e);
unsigned mrelease_err__of(int64_t ret);

/* One process_mrelease(2) call on a userspace victim. */
struct mrelease_call {
	uint64_t enter_ns;       /* 0: its entry not seen */
	uint64_t exit_ns;
	int64_t ret;             /* 0 or -errno */
	uint32_t caller_pid, caller_tgid;
	char caller_comm[OOMREAP_COMM_LEN];
	bool have_freed;         /* RSS read at entry and at return, same mm */
	bool mm_gone;            /* the mm was released during the call */
	uint64_t freed_pages[OOMREAP_RSS_NR];
	/*
	 * Function rungs: when it entered __oom_reap_task_mm() with the lock
	 * (its wait over) and when that returned (its unmap over); 0 unseen.
	 * partial: that returned false, memory left mapped (the call's EAGAIN).
	 */
	uint64_t locked_ns, unmapped_ns;
	bool partial;
};

/* What a userspace killer's incident adds (kind INCIDENT_USERSPACE). */
struct ukill_info {
	char killer_name[OOMREAP_COMM_LEN]; /* as configured */
	char killer_comm[OOMREAP_COMM_LEN];
	char killer_exe[OOMREAP_KILLER_EXE_LEN];
	uint32_t killer_pid, killer_tgid;
	uint32_t recognised_by;  /* OOMREAP_KILLER_BY_* */
	uint32_t method;         /* OOMREAP_METHOD_* of the first signal */
	int32_t syscall_nr;      /* -1 unread */
	int32_t first_sig, last_sig;
	uint64_t last_sig_ns;
	uint32_t signals;        /* signals the killer sent it */
	uint32_t ncalls;         /* process_mrelease calls seen */
	uint32_t calls_ok, calls_failed, calls_esrch;
	uint32_t calls_failed_by[MREL_ERR_NR]; /* the failures but ESRCH, by errno */
	/*
	 * EINVAL before any SIGKILL: a victim not dying yet (it handles the
	 * SIGTERM earlyoom sends first).  Routine: not a failure of the
	 * outcome.  After a SIGKILL, EINVAL is one (its mm shared with a
	 * process not dying, or a core dump under way).
	 */
	uint32_t calls_einval_unkilled;
	struct mrelease_call calls[MRELEASE_CALLS_MAX]; /* the first ones */
	int8_t mm_unstable_at_exit; /* MMF_UNSTABLE in the mm at exit: 1, 0, -1 unread */
	bool mrelease_awaited;   /* a call was under way at its exit, not yet returned */
	/*
	 * A cgroup.kill write (method OOMREAP_METHOD_CGROUP_KILL) kills every
	 * process of a cgroup's subtree in one system call: one kill event.
	 * Its victims share write_id (the first one's victim_seq) and are
	 * numbered in signal order (write_victim 1..); target_* is the cgroup
	 * written, when the signal's program could read it.
	 */
	uint64_t write_id;       /* 0: not a cgroup.kill */
	uint32_t write_victim;
	bool target_known, target_truncated;
	uint64_t target_cgroup_id;
	char target_cgroup[OOMREAP_CGROUP_PATH_LEN];
};

struct oomreap_incident {
	uint8_t kind;           /* enum incident_kind */
	struct ukill_info uk;   /* INCIDENT_USERSPACE only */
	/* identity */
	uint64_t victim_seq;
	uint32_t pid, tgid;
	char comm[OOMREAP_COMM_LEN];
	bool have_identity;     /* a kill event with a task was seen */
	/*
	 * Joined halfway (its kill unseen: lost, or before the tool started):
	 * comm, uid, oom_score_adj, the RSS at the kill (anon, file, shmem; no
	 * swap), total_vm, pgtables and the kill's time are the kernel log's
	 * "Killed process" line's (tracker_opts.on_join), and say so.
	 */
	bool identity_from_log;
	uint64_t kill_log_ns;       /* that line's time stamp */
	/*
	 * Its outcome is the kernel log's verdict on its pid ("unable to
	 * reap", "reaped process"), its own end having been lost
	 * (tracker_opts.reaper_verdict); closed_ns is that line's stamp.
	 */
	bool outcome_from_log;
	uint32_t first_seen;        /* OOMREAP_EV_* of the event that opened it */
	uint32_t uid;
	int16_t oom_score_adj;
	uint32_t trigger_pid, trigger_tgid;
	char trigger_comm[OOMREAP_COMM_LEN];
	uint64_t cgroup_id;
	int32_t cgroup_hierarchy; /* 0 = cgroup2, > 0 = v1 hierarchy, -1 unknown */
	bool cgroup_truncated;
	char cgroup_path[OOMREAP_CGROUP_PATH_LEN];
	uint16_t source;        /* OOMREAP_SRC_* of the kill event */

	/* OOM context: only the fentry/kprobe rungs can know it */
	bool have_context;
	uint32_t constraint;
	int32_t order;
	uint64_t totalpages;
	uint64_t domain_cgroup_id;
	char domain_cgroup_path[OOMREAP_CGROUP_PATH_LEN];

	/* the OOM-killer invocation this victim died in (core/oom_event.h) */
	struct oom_event_info oom_event;

	/*
	 * The OOM context on every rung, each field with its source: from
	 * oom_control (the block above) where the rung read it, else from the
	 * kernel log through tracker_opts.on_kill; null with a reason otherwise.
	 */
	struct oom_context ctx;

	/* memory at the kill, and freed: in the reading rss_basis says */
	bool have_rss_at_kill;
	uint64_t rss_at_kill_pages[OOMREAP_RSS_NR];
	uint8_t rss_basis;          /* enum rss_basis, set as the incident closes */
	uint8_t rss_basis_src;      /* enum rss_basis_src */
	/* the exact sums (OOMREAP_SNAP_RSS_SUM) beside the counts, until then */
	bool have_rss_sum_at_kill;
	uint64_t rss_sum_at_kill_pages[OOMREAP_RSS_NR];
	uint64_t freed_sum_pages[OOMREAP_RSS_NR];
	bool freed_sum_missing;     /* a start or finish without sums: no exact freed */
	int8_t log_basis;           /* the kernel log's verdict (rss_basis__judge), -1 none */
	/* "Killed process" line's anon-rss, file-rss, shmem-rss (kB), set by on_kill */
	bool have_kill_log_rss;
	uint64_t kill_log_rss_kb[3];
	uint64_t total_vm_pages;
	uint64_t pgtables_bytes;

	/* times, CLOCK_MONOTONIC ns; 0 = did not happen */
	uint64_t kill_ns, queue_ns, wake_ns, first_attempt_ns;
	uint64_t last_start_ns, finish_ns, exit_ns, closed_ns;

	/* the reap loop */
	uint32_t attempts;          /* start + skip events */
	uint32_t trylock_failures;  /* skips with mmap_read_trylock() failed */
	uint32_t partial_reaps;     /* finishes followed by a retry / ret 0 */
	uint32_t unknown_skips;     /* skips the BPF side could not classify */
	bool wake_ignored;          /* timer fired after the victim was gone */
	bool exited;                /* last victim thread reached do_exit */
	bool mm_gone;               /* the reaper found the mm torn down */
	bool mm_released_by_exit;
	uint64_t freed_pages[OOMREAP_RSS_NR];
	/* a reap's start or finish the tool could not read: freed unknown (null) */
	bool freed_unread;
	int last_reap_ret;          /* -1 unknown, 0 partial, 1 complete */

	/* blocker attribution, one per failed trylock (collapsed if identical) */
	struct blocker_snapshot blockers[BLOCKER_SNAPSHOTS];
	uint32_t nblockers;
	uint32_t blocker_events;    /* failed trylocks with blocker data */
	bool last_skip_trylock;     /* the latest attempt failed its trylock */
	bool settling;              /* loop over: waiting for its last blocker event */
	uint32_t blockers_dropped;  /* blocker events that found no free snapshot */

	enum oomreap_outcome outcome;
	bool incomplete;            /* events were lost while it was open */
	bool runs_missed;           /* ... among them runs of ours the kernel skipped */
	bool ended_unseen;          /* closed at its loss deadline: its end never came */
	/*
	 * Its kill found its last thread already exiting
	 * (OOMREAP_KILL_EXIT_BEGUN), its exit never reached us and nothing
	 * else ended it: closed at its loss deadline (ended_unseen), and
	 * incomplete.  Counted in tracker_stats.exits_unseen.
	 */
	bool exit_unseen;
	bool evicted;               /* closed early: tracker was full */

	struct timeline_entry timeline[TIMELINE_MAX];
	uint32_t timeline_len;
	uint32_t timeline_dropped;

	/* tracker-private bookkeeping */
	int64_t reap_start_rss[OOMREAP_RSS_NR];
	int64_t reap_start_sum[OOMREAP_RSS_NR]; /* -1: not summed */
	bool reaping;               /* between start and finish */
	uint64_t deadline_ns;       /* close at this time unless more comes */
	uint64_t deadline_stamp_ns; /* ... stamped as ended at this time */
	enum oomreap_outcome deadline_outcome;
	bool deadline_guess;        /* the outcome holds only if the deadline passes */
	bool saw_loss;              /* tracker__note_lost() while open */
	bool exit_begun_unseen;     /* OOMREAP_KILL_EXIT_BEGUN, its exit not seen (yet) */
	bool loss_wait;             /* deadline_ns is the loss deadline (LOSS_SILENCE_NS) */
	uint64_t opened_ns;         /* the event that opened it */
	uint64_t last_event_ns;     /* its latest event */
	uint32_t open_pos;          /* index in the tracker's open list */
	bool in_use;
};

const char *outcome__name(enum oomreap_outcome o);

typedef void (*incident_fn)(const struct oomreap_incident *inc, void *ctx);

struct tracker_opts {
	uint32_t max_open;          /* bound on open incidents; 0 = default */
	incident_fn on_close;       /* called once per finished incident */
	/*
	 * The callbacks below add what only the kernel log can tell.  They are
	 * called from inside tracker__feed*, __advance and __flush, and do no
	 * I/O either: the caller (pipeline/session.h) reads the log before it
	 * calls the tracker, and they look it up.
	 *
	 * Called once per incident when its kill is applied (identity and
	 * oom_control context set, inc->ctx filled from oom_control or marked
	 * "kernel log not read"): the kernel log's OOM context.  May be NULL.
	 */
	void (*on_kill)(struct oomreap_incident *inc, void *ctx);
	/*
	 * Called as an incident with exact RSS sums closes, when on_kill found
	 * no "Killed process" line for it: another look (have_kill_log_rss,
	 * kill_log_rss_kb), the line being printed after the kill.  May be NULL.
	 */
	void (*before_close)(struct oomreap_incident *inc, void *ctx);
	/*
	 * Called as an incident whose kill was never seen closes: what the
	 * kernel log states about its pid (identity_from_log, and inc->ctx
	 * from the oom-kill line).  May be NULL.
	 */
	void (*on_join)(struct oomreap_incident *inc, void *ctx);
	/*
	 * Called as a kernel OOM incident that lost events would close with
	 * outcome open (its end among them): the kernel log's verdict on its
	 * pid after its kill, OUTCOME_GAVE_UP for "unable to reap pid:N",
	 * OUTCOME_REAPED for "reaped process N", else OUTCOME_OPEN; *at: the
	 * line's stamp.  May be NULL.
	 */
	enum oomreap_outcome (*reaper_verdict)(const struct oomreap_incident *inc, void *ctx,
					       uint64_t *at);
	void *ctx;
	/* the RSS counters' page size, to compare them with the log's kB; 0 unknown */
	uint64_t page_size;
	/* the traced kernel's release (uname -r), for rss_basis__of_release; NULL unknown */
	const char *kernel_release;
};

struct tracker_stats {
	uint64_t events;
	uint64_t incidents_opened;
	uint64_t incidents_closed[OUTCOME_NR];
	uint64_t evictions;         /* closed early because max_open was hit */
	uint64_t orphan_events;     /* matched no incident and opened none */
	uint64_t mrelease_unmatched; /* process_mrelease calls on no known victim */
	uint64_t invalid_events;    /* refused by tracker__feed() */
	uint64_t lost_events;       /* last value given to tracker__note_lost */
	/*
	 * Closed without their kill seen, a kill the BPF side stamped before
	 * this process took over from one that stopped without saving
	 * (tracker__set_restart_mark): their start was read by that process
	 * and lost with it.
	 */
	uint64_t continued_unsaved;
	/* victims whose exit came unmarked (OOMREAP_EXIT_UNMARKED) and was paired */
	uint64_t exits_before_kill;
	/* victims closed with exit_unseen (a skipped run or a drop may count it too) */
	uint64_t exits_unseen;
	struct runs_missed missed;  /* last value given to tracker__note_missed */
};

struct tracker;

struct tracker *tracker__new(const struct tracker_opts *opts);
void tracker__free(struct tracker *t);
/*
 * Feed one wire event that event__validate() (core/event.h) accepted, as
 * the consumer and the record reader do: each event is checked once, by
 * whoever first holds its bytes.  Events should come in time order; small
 * reorderings across CPUs are tolerated.
 */
void tracker__feed_checked(struct tracker *t, const void *event);
/*
 * The same for bytes nobody checked yet (tests, tools): validated here,
 * and refused (-EINVAL, counted in invalid_events) when they are not one
 * wire event.  0 or -EINVAL.
 */
int tracker__feed(struct tracker *t, const void *event, size_t size);
/* Time passes with no events: close incidents whose deadline is <= now. */
void tracker__advance(struct tracker *t, uint64_t now_ns);
/*
 * The earliest time (the events' clock) at which tracker__advance() may
 * change something, UINT64_MAX when nothing waits: the reader sleeps until
 * then.  Never later than a real deadline; it may be earlier (a deadline
 * since dropped), and tracker__advance() then finds the next one.  An
 * exit held for its kill (still in flight from another CPU) counts until
 * the window in which the kill can come has passed.
 */
uint64_t tracker__next_deadline(const struct tracker *t);
/*
 * The BPF side's drop counter; any increase marks open incidents
 * incomplete.  by_ns: a time (the events' clock) by which every drop
 * counted had happened, 0 unknown.  An incident opened later by an event
 * stamped no later than that was open when the drop could have happened
 * (its event reached us after the count did: an event is read after the
 * counters, and one still being written holds back those behind it): it
 * is marked as if it had been open.
 */
void tracker__note_lost(struct tracker *t, uint64_t lost_total, uint64_t by_ns);
/*
 * Runs of our programs the kernel skipped, by program, since attach
 * (core/missed.h): kept for the outputs; any increase of the known total
 * marks open incidents incomplete, for missed runs, and, as for drops,
 * those opened later by an event stamped no later than by_ns.
 */
void tracker__note_missed(struct tracker *t, const struct runs_missed *m, uint64_t by_ns);
/*
 * End of stream: close everything still open.  An incident waiting on a
 * deadline takes that deadline's outcome (a finish no retry followed is a
 * completed reap); the rest close as OUTCOME_OPEN.
 */
void tracker__flush(struct tracker *t);

/*
 * Restarts (live/pin.h): an incident in flight handed from one process to
 * the next, whole, in the same boot (the events' clock goes on).  What the
 * tracker keeps besides its open incidents and must carry too: the
 * victims it closed last (a late event of one must not open another) and
 * the reading the kernel's lines were learnt to use.
 */
#define TRACKER_RECENTLY_CLOSED 64
struct tracker_carry {
	uint64_t closed_seqs[TRACKER_RECENTLY_CLOSED];
	uint32_t closed_next;
	int8_t learned_basis;
};
/*
 * Hand each open incident to fn and forget it, neither closed nor counted
 * closed: the next process closes it.  fn returns false to keep one (no
 * room to save it): it stays open, for tracker__flush().  Returns how many
 * were handed over.
 */
uint32_t tracker__hand_over(struct tracker *t,
			    bool (*fn)(const struct oomreap_incident *inc, void *ctx), void *ctx);
/*
 * Take one incident a previous process handed over.  0, -EEXIST (its
 * victim is open already), -ENOSPC (no free slot), -EINVAL (not open).
 */
int tracker__take_over(struct tracker *t, const struct oomreap_incident *inc);
void tracker__carry_get(const struct tracker *t, struct tracker_carry *c);
/*
 * After an adoption without a saved state: continued(inc) tells an
 * incident, closing without its kill seen, whose kill was stamped before
 * this process took over (and that the caller counts: its selection):
 * continued_unsaved.
 */
void tracker__set_restart_mark(struct tracker *t,
			       bool (*continued)(const struct oomreap_incident *inc, void *ctx),
			       void *ctx);
void tracker__carry_set(struct tracker *t, const struct tracker_carry *c);

const struct tracker_stats *tracker__stats(const struct tracker *t);
uint32_t tracker__open_count(const struct tracker *t);
/* Open incidents holding a blocker snapshot (stacks to name at their close). */
uint32_t tracker__open_blockers(const struct tracker *t);

/* Clamp a raw RSS counter read like percpu_counter_read_positive(). */
static inline uint64_t rss__clamp(int64_t pages) { return pages < 0 ? 0 : (uint64_t)pages; }
/* The snapshot's event carries exact sums (rss_sum[]). */
static inline bool rss__has_sum(const struct oomreap_mm_snapshot *mm)
{
	return (mm->snap_flags & (OOMREAP_SNAP_VALID | OOMREAP_SNAP_RSS_SUM)) ==
	       (OOMREAP_SNAP_VALID | OOMREAP_SNAP_RSS_SUM);
}

#endif /* OOMREAP_TRACKER_H */
