/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every output says about an incident, computed in one place: the
 * derived figures (latencies, bytes freed, how long until it was over),
 * the names of a blocked task's role, where a blocked task waits, and the
 * escapers that make untrusted strings safe in each output.  Text, JSON,
 * Prometheus, Markdown and HTML call these; none derives them again.
 */
#ifndef OOMREAP_INCIDENT_H
#define OOMREAP_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/tracker.h"

struct ksyms;

/* How incidents of one session (live, or a recording) are shown. */
struct render_ctx {
	int64_t mono_to_real_ns; /* add to a CLOCK_MONOTONIC stamp for wall time */
	uint64_t page_size;
	const char *attach;      /* the rung in use, for JSON "attach" */
	const struct ksyms *ksyms; /* kernel symbols for stacks; NULL: raw addresses */
	bool verbose;            /* -v: text output adds each incident's OOM context */
	/*
	 * Whether process_mrelease(2) calls were traced (--mrelease): 1 yes,
	 * 0 no (a userspace incident's calls are then null, not none).
	 */
	int8_t mrelease_traced;
};

/* Derived figures in ns; LATENCY_NONE when not applicable. */
#define LATENCY_NONE UINT64_MAX
uint64_t incident__kill_to_wake_ns(const struct oomreap_incident *inc);
uint64_t incident__wake_to_first_attempt_ns(const struct oomreap_incident *inc);
uint64_t incident__reap_duration_ns(const struct oomreap_incident *inc);
uint64_t incident__reap_latency_ns(const struct oomreap_incident *inc);
uint64_t incident__exit_latency_ns(const struct oomreap_incident *inc);
/*
 * A userspace victim: from the kill until its memory was seen gone, the
 * earliest of: the return of a process_mrelease(2) call that freed it, or
 * that found or saw it released (ESRCH, mm_gone: an upper bound); the
 * victim's exit where that event comes after exit_mm() (before 6.18).
 * LATENCY_NONE when none was seen.
 */
uint64_t incident__memory_gone_ns(const struct oomreap_incident *inc);
/*
 * A process_mrelease(2) call's two parts (function rungs): from its entry
 * until it had the victim's mmap_lock (in __oom_reap_task_mm()), and from
 * then until the unmap returned; LATENCY_NONE when not seen.
 */
uint64_t incident__mrelease_lock_wait_ns(const struct mrelease_call *c);
/* The whole call, entry to return; LATENCY_NONE when either end was not seen. */
uint64_t incident__mrelease_duration_ns(const struct mrelease_call *c);
uint64_t incident__mrelease_unmap_ns(const struct mrelease_call *c);
/*
 * The kill is known: its event was seen, or (joined halfway) the kernel's
 * "Killed process" line for it was read.  What counts as a kill in the
 * summary, the metrics and the report.
 */
bool incident__kill_known(const struct oomreap_incident *inc);
/*
 * When it began: the kill, else (joined halfway) its kernel log line's
 * time, else the first event seen (else when it closed).
 */
uint64_t incident__start_ns(const struct oomreap_incident *inc);
/* From the kill until the incident was over, whatever ended it ("done in"). */
uint64_t incident__done_ns(const struct oomreap_incident *inc);
/*
 * Memory the reaper unmapped, in bytes: anon + file + shmem pages (swap
 * entries are not memory).  Of an incident's freed_pages, or of a sum.
 * Saturates at UINT64_MAX, never wraps.
 */
uint64_t incident__freed_bytes(const uint64_t freed_pages[OOMREAP_RSS_NR], uint64_t page_size);
/* pages * page_size in bytes; both may come from a file: saturates at UINT64_MAX. */
uint64_t incident__bytes(uint64_t pages, uint64_t page_size);

/*
 * Is the victim named (comm, uid, oom_score_adj)?  By its kill event, or,
 * the kill unseen, by the kernel's "Killed process" line.
 */
static inline bool incident__named(const struct oomreap_incident *inc)
{
	return inc->have_identity || inc->identity_from_log;
}

/*
 * The --pid/--cgroup selection, the same for live tracing, replay and
 * report: pid 0 and cgroup NULL select everything; a pid matches the
 * victim's thread or process id; a cgroup ("/a/b") matches itself and what
 * is below it, never a sibling that shares a prefix ("/a/bc").
 */
bool incident__selected(const struct oomreap_incident *inc, uint32_t pid, const char *cgroup);

/* A blocked task's role (oomreap_blocked_task.role, OOMREAP_ROLE_*). */
bool incident__role_is_owner(uint32_t role);
/* "write", "read" or "unknown": how it holds or waits for mmap_lock. */
const char *incident__role_mode(uint32_t role);
/* "queued for write", "holding it for read (...)", ...: for people. */
const char *incident__role_title(uint32_t role);

/*
 * A PREEMPT_RT mmap_lock (OOMREAP_BLK_RWBASE), from its readers word
 * (oomreap_blocker_event.lock_count): whether a writer is in or coming,
 * and *readers, the readers the kernel counts (it never records who they
 * are).  RWBASE_INVALID: a word no state of the lock can have.
 */
enum rwbase_state {
	RWBASE_NO_WRITER,      /* *readers readers, no writer */
	RWBASE_WRITER_WAITING, /* a writer owns the rtmutex, waits for *readers to leave */
	RWBASE_WRITE_LOCKED,   /* the writer holds it; no reader */
	RWBASE_INVALID,
};
enum rwbase_state incident__rwbase_state(uint64_t word, uint32_t *readers);
/*
 * The lock's state for people: "the writer holds it", "the writer waits
 * for 2 readers to leave (PREEMPT_RT counts readers, it does not record
 * who they are)", ...; "" unless OOMREAP_BLK_RWBASE.
 */
void incident__lock_state(char *buf, size_t len, uint32_t blk_flags, uint64_t lock_count);
/*
 * Where a blocked task waits, from its kernel stack: "pread64 -> ... ->
 * request_wait_answer" (syscall, then the first frame that is not
 * scheduling or lock waiting); "" without a stack or symbols.
 */
void incident__task_where(char *buf, size_t len, const struct oomreap_blocked_task *bt,
			  const struct ksyms *ks);

/*
 * The escapers.  Comm and cgroup names are chosen by whoever runs the
 * victim, kernel log lines and file names come from files: each output
 * gets them through one of these, whose one walk reads them unit by unit:
 * a byte the format reserves (its own escape), a valid UTF-8 sequence
 * (as it is), or a control byte or one that is not UTF-8 (shown the way
 * the format can show it).  At most maxlen bytes of s are read.
 */
enum escape_format {
	ESCAPE_TEXT = 0,      /* a terminal: printable ASCII only, the rest \xNN, \ as \\ */
	ESCAPE_JSON,          /* inside a JSON string: \" \\ \n \r \t, the rest \u00XX */
	ESCAPE_PROM_LABEL,    /* a Prometheus label value: \\ \" \n, the rest U+FFFD */
	ESCAPE_PROM_UTF8,     /* only the UTF-8 repair: control bytes but \n become U+FFFD */
	ESCAPE_HTML,          /* HTML text and attributes: & < > " ' as entities, the rest \xNN */
	ESCAPE_MARKDOWN,      /* inside a code span or fence: controls and non-UTF-8 as \xNN */
	ESCAPE_MARKDOWN_CELL, /* the same in a table cell, where | must be \| even in code */
	ESCAPE_NR
};

void incident__escape(FILE *f, enum escape_format how, const char *s, size_t maxlen);
/*
 * The same into buf (NUL-terminated, units that do not fit whole are left
 * out).  Returns the length written.
 */
size_t incident__escape_buf(char *buf, size_t size, enum escape_format how, const char *s,
			    size_t maxlen);
/* The HTML entity of a character HTML would read as markup, or NULL. */
const char *incident__html_entity(char c);

#endif /* OOMREAP_INCIDENT_H */
