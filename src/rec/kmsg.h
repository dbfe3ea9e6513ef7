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
};

/* Bounds: a hostile file must not make us hold gigabytes. */
#define KMSG_LOG_MAX_LINES (4u << 20)
#define KMSG_LINE_MAX 4096

void kmsg_log__init(struct kmsg_log *l);
void kmsg_log__free(struct kmsg_log *l);
/* Add one raw /dev/kmsg record (from a recording).  0, -EINVAL, -ENOMEM, -E2BIG. */
int kmsg_log__add_record(struct kmsg_log *l, const char *buf, size_t len);
/* Add every line of a log file's contents; unparseable lines are counted. */
int kmsg_log__add_text(struct kmsg_log *l, const char *buf, size_t len);
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

#endif /* OOMREAP_KMSG_H */
