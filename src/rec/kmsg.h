/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel's own log, as ground truth beside our events: a parser for
 * /dev/kmsg records and dmesg-style lines, a classifier for the OOM
 * killer's and the reaper's lines, and a store that finds the log block of
 * one victim.  Everything here reads untrusted text (a recording, a file
 * given with --kmsg) and is fuzzed (tests/fuzz/fuzz_kmsg.c).
 */
#ifndef OOMREAP_KMSG_H
#define OOMREAP_KMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kmsg_line {
	uint64_t seq;        /* /dev/kmsg sequence number; 0 if the format has none */
	uint64_t ts_us;      /* printk time: local_clock() in us since boot */
	int level;           /* 0..7, -1 unknown */
	bool cont;           /* a continuation fragment ('c' flag) */
	/*
	 * Its facility is not the kernel's (a write to /dev/kmsg by a
	 * process): kept, never taken for one of the kernel's own lines.
	 */
	bool not_kernel;
	const char *text;    /* the message, not NUL-terminated */
	size_t text_len;
};

/*
 * One record as read(2) from /dev/kmsg:
 *   "PRI,SEQ,TS_US,FLAGS[,MORE...];MESSAGE\n[ KEY=VALUE\n]..."
 * Returns 0, or -EINVAL if it is not one.
 */
int kmsg__parse_record(const char *buf, size_t len, struct kmsg_line *out);
/*
 * One line of a log file, any of:
 *   the /dev/kmsg form above (e.g. `cat /dev/kmsg > FILE`),
 *   "[  123.456789] MESSAGE" (dmesg), "<6>[  123.456789] MESSAGE" (dmesg -r),
 *   "[  123.456789] HOST kernel: MESSAGE" (journalctl -k -o short-monotonic).
 * Returns 0, or -EINVAL (no kernel timestamp: dmesg -T output is not usable).
 */
int kmsg__parse_line(const char *buf, size_t len, struct kmsg_line *out);

enum kmsg_kind {
	KMSG_OTHER = 0,
	KMSG_OOM_INVOKED,  /* "COMM invoked oom-killer: gfp_mask=..." */
	KMSG_OOM_SUMMARY,  /* "oom-kill:constraint=...,task=COMM,pid=N,uid=N" */
	KMSG_KILLED,       /* "...: Killed process N (COMM) total-vm:..." */
	KMSG_REAPED,       /* "oom_reaper: reaped process N (COMM), now anon-rss:..." */
	KMSG_UNABLE,       /* "oom_reaper: unable to reap pid:N (COMM)" */
};

/* What kind of OOM line this is; *pid gets the victim pid where it names one. */
enum kmsg_kind kmsg__classify(const char *text, size_t len, uint32_t *pid);

struct kmsg_entry {
	uint64_t ts_ns;      /* ts_us * 1000 */
	uint64_t seq;
	uint32_t pid;        /* from kmsg__classify, 0 if none */
	uint8_t kind;        /* enum kmsg_kind */
	int8_t level;
	uint32_t text_off;   /* into kmsg_log.text */
	uint32_t text_len;
};

struct kmsg_log {
	struct kmsg_entry *v;
	size_t n, cap;
	char *text;
	size_t text_len, text_cap;
	uint64_t rejected;   /* lines that were not kernel log lines */
	/*
	 * Lines this log itself let go, as lines lost: up to this printk time
	 * (kmsg_log__keep_newest), and every line after the last when it was
	 * full (KMSG_LOG_MAX_LINES).
	 */
	uint64_t dropped_until_ns;
	bool full;
	/*
	 * A log given by hand (report --kmsg FILE), not read beside the events:
	 * it may not reach a kill at all, and then says so instead of "ratelimited".
	 */
	bool given;
};

/* Bounds: a hostile file must not make us hold gigabytes. */
#define KMSG_LOG_MAX_LINES (4u << 20)
#define KMSG_LINE_MAX 4096

void kmsg_log__init(struct kmsg_log *l);
void kmsg_log__free(struct kmsg_log *l);
/*
 * One line on stderr when the log stopped at KMSG_LOG_MAX_LINES: the
 * lines after it were not kept (their kills' context says "lost").
 */
void kmsg_log__say_if_full(const struct kmsg_log *l);
/* Add one raw /dev/kmsg record (from a recording).  0, -EINVAL, -ENOMEM, -E2BIG. */
int kmsg_log__add_record(struct kmsg_log *l, const char *buf, size_t len);
/*
 * The same for a record the caller has parsed already: err is what
 * kmsg__parse_record() returned (not 0: counted as rejected, -EINVAL).
 */
int kmsg_log__add_parsed(struct kmsg_log *l, int err, const struct kmsg_line *ln);
/* Add every line of a log file's contents; unparseable lines are counted. */
int kmsg_log__add_text(struct kmsg_log *l, const char *buf, size_t len);
/*
 * Keep only the newest keep lines (by position; call after sorting): a
 * live log must not grow for as long as tracing runs.
 */
void kmsg_log__keep_newest(struct kmsg_log *l, size_t keep);
/* Order by time (then sequence); call once after adding. */
void kmsg_log__sort(struct kmsg_log *l);
static inline const char *kmsg_log__text(const struct kmsg_log *l, const struct kmsg_entry *e)
{
	return l->text + e->text_off;
}

/* How far printk time and our CLOCK_MONOTONIC stamps may disagree. */
#define KMSG_MATCH_WINDOW_NS (10ull * 1000000000)
/* The reaper's verdict comes at most ~3 s after the kill; allow for slack. */
#define KMSG_AFTER_KILL_NS (30ull * 1000000000)
#define KMSG_BLOCK_EXTRA 8

/*
 * The log block of one victim: lines [first, last] (from "invoked
 * oom-killer" to "Killed process PID"), plus the reaper's later lines
 * about that pid.  Returns false if the log has nothing on this victim.
 */
struct kmsg_block {
	size_t first, last;          /* last < first: no kill block */
	size_t extra[KMSG_BLOCK_EXTRA];
	int nextra;
};
bool kmsg_log__find_block(const struct kmsg_log *l, uint32_t pid, uint32_t tgid,
			  uint64_t kill_ns, struct kmsg_block *b);

/*
 * The OOM killer's context lines, from dump_header() and dump_oom_victim()
 * in mm/oom_kill.c (both under one ratelimit, printed before the victim is
 * marked).  COMM in either is anyone's choice of name, and cgroup names may
 * hold anything: both are parsed from the kernel-formatted right end.
 *
 * "COMM invoked oom-killer: gfp_mask=0xHEX(NAMES), order=N, oom_score_adj=N"
 */
struct kmsg_invoked {
	const char *comm;        /* into the text, not NUL-terminated */
	size_t comm_len;
	uint32_t gfp_mask;
	const char *gfp_names;   /* "GFP_KERNEL|__GFP_NOWARN", as printed (%pGg) */
	size_t gfp_names_len;
	int32_t order;
	int32_t oom_score_adj;
};
int kmsg__parse_invoked(const char *text, size_t len, struct kmsg_invoked *out);

/*
 * "oom-kill:constraint=CONSTRAINT_X,nodemask=...,cpuset=...,mems_allowed=...,
 *  (oom_memcg=PATH|global_oom),task_memcg=PATH,task=COMM,pid=N,uid=N"
 * head is everything before ",pid=": it ends with ",task=COMM", which only
 * the victim's comm (known from the kill event) can split exactly.
 */
struct kmsg_summary {
	int32_t constraint;      /* constraint__name() index, -1 for a name we do not know */
	uint32_t pid, uid;
	const char *head;
	size_t head_len;
};
int kmsg__parse_summary(const char *text, size_t len, struct kmsg_summary *out);

/* The victim one kill event named, for kmsg_log__oom_context(). */
struct kmsg_ctx_query {
	uint32_t pid, tgid;
	uint64_t kill_ns;        /* CLOCK_MONOTONIC */
	const char *comm;        /* NUL-terminated, as the kill event read it */
	const char *cgroup;      /* the victim's memcg path; NULL when not known whole */
	uint32_t trigger_tgid;   /* who invoked the OOM killer, to mark in its task table; 0 unknown */
};

/*
 * How far before its kill an OOM report may be printed: dump_header()
 * lists every task (dump_tasks) between the "invoked" line and the
 * summary, which on a big machine with a slow console takes a while.
 */
#define KMSG_REPORT_SPAN_NS (10ull * 1000000000)

struct oom_context;
/*
 * Fill the fields of c that have no source yet from this kill's lines in
 * l (sorted): the summary whose pid= is the victim's tgid (or pid) within
 * KMSG_MATCH_WINDOW_NS of kill_ns and whose ",task=COMM" is the victim's,
 * and the "invoked oom-killer" line right before it.  A field it cannot
 * fill exactly gets a reason: lines lost (a /dev/kmsg sequence gap near
 * the kill), no report (ratelimited), a report cut short.  Returns true
 * when the summary was found.
 */
bool kmsg_log__oom_context(const struct kmsg_log *l, const struct kmsg_ctx_query *q,
			   struct oom_context *c);

struct oomreap_incident;
/*
 * The kernel log's part of inc->ctx, as tracker_opts.on_kill wants it: l
 * is the log to look in, or NULL, and then why (CTX_WHY_*) says what the
 * log-only fields are missing for.  Returns true when this kill's report
 * was found.
 */
bool kmsg__incident_context(const struct kmsg_log *l, uint8_t why, struct oomreap_incident *inc);

/*
 * "...: Killed process N (COMM) total-vm:NkB, anon-rss:NkB, file-rss:NkB,
 * shmem-rss:NkB, ...": the three RSS figures in kB (anon, file, shmem),
 * read from the kernel-formatted right end (COMM may hold anything).
 * Returns 0, or -EINVAL.
 */
int kmsg__parse_killed_rss(const char *text, size_t len, uint64_t kb[3]);
/*
 * This kill's "Killed process" line's RSS figures into inc->kill_log_rss_kb
 * (tracker_opts.on_kill: the tracker then judges which reading the kernel
 * printed, core/tracker.h, enum rss_basis).  Returns true when found.
 */
bool kmsg__incident_kill_rss(const struct kmsg_log *l, struct oomreap_incident *inc);

/* A "Killed process" line, whole: what the kernel states of its victim. */
struct kmsg_killed {
	uint32_t pid;
	char comm[16];          /* TASK_COMM_LEN, as printed */
	uint64_t total_vm_kb;
	uint64_t rss_kb[3];     /* anon, file, shmem */
	uint32_t uid;
	uint64_t pgtables_kb;
	int32_t oom_score_adj;
};
/*
 * "...Killed process PID (COMM) total-vm:NkB, anon-rss:NkB, file-rss:NkB,
 * shmem-rss:NkB, UID:N pgtables:NkB oom_score_adj:N" (5.10 to 7.3): COMM
 * is what lies between "(" and the last ") total-vm:", the rest is read
 * from the kernel-formatted right end.  Returns 0, or -EINVAL for any
 * other shape (a line cut short included).
 */
int kmsg__parse_killed(const char *text, size_t len, struct kmsg_killed *k);
/*
 * The reaper's verdict on inc's pid after its kill, from the kernel's own
 * line: KMSG_UNABLE ("unable to reap pid:N"), KMSG_REAPED ("reaped process
 * N"), else KMSG_OTHER (none); *at: the line's stamp.
 */
enum kmsg_kind kmsg__reaper_verdict(const struct kmsg_log *l, const struct oomreap_incident *inc,
				    uint64_t *at);
/*
 * An incident whose kill was never seen (tracker_opts.on_join): the "Killed
 * process" line of its pid at most KMSG_MATCH_WINDOW_NS before the event
 * that opened it (never after it, beyond the log's clock slack) gives its
 * comm, uid, oom_score_adj, RSS at the kill (no swap), total_vm, pgtables
 * and kill time (identity_from_log), and the oom-kill line its context.
 * l NULL: the log was not read; why says so in the context.  Returns true
 * when the line was found.
 */
bool kmsg__incident_join(const struct kmsg_log *l, uint8_t why, struct oomreap_incident *inc,
			 uint64_t page_size);

#endif /* OOMREAP_KMSG_H */
