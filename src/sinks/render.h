/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Renderers: pure functions from an incident (or event) to a FILE *.
 * Text for people, JSON Lines for machines; both escape every string that
 * came from the kernel (comm and cgroup names are chosen by whoever runs
 * the victim).
 */
#ifndef OOMREAP_RENDER_H
#define OOMREAP_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "core/histogram.h"
#include "core/tracker.h"

struct ksyms;

struct render_ctx {
	int64_t mono_to_real_ns; /* add to a CLOCK_MONOTONIC stamp for wall time */
	uint64_t page_size;
	const char *attach;      /* the rung in use, for JSON "attach" */
	const struct ksyms *ksyms; /* kernel symbols for stacks; NULL: raw addresses */
};

/* Counters and histograms over every finished incident. */
struct summary {
	uint64_t incidents[OUTCOME_NR];
	uint64_t trylock_failures;
	uint64_t freed_pages[OOMREAP_RSS_NR];
	uint64_t incomplete;
	struct log2_hist reap_latency_ms;
	struct log2_hist exit_latency_ms;
};

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
size_t render__utf8_len(const unsigned char *s, size_t n);
void render__json_string(FILE *f, const char *s, size_t maxlen);
void render__text_string(FILE *f, const char *s, size_t maxlen);

void render__text_header(FILE *f);
void render__text_incident(FILE *f, const struct oomreap_incident *inc,
			   const struct render_ctx *rc);
void render__json_incident(FILE *f, const struct oomreap_incident *inc,
			   const struct render_ctx *rc);
/*
 * The one-line verdict on who blocked the reaper ("" when there were no
 * failed trylocks with blocker data).
 */
void render__blocker_verdict(char *buf, size_t len, const struct oomreap_incident *inc,
			     const struct render_ctx *rc);
/*
 * Where a blocked task waits, from its kernel stack: "pread64 -> ... ->
 * request_wait_answer" (syscall, then the first frame that is not
 * scheduling or lock waiting); "" without a stack or symbols.
 */
void render__task_where(char *buf, size_t len, const struct oomreap_blocked_task *bt,
			const struct ksyms *ks);
/* One line per raw event, for -v. */
void render__text_event(FILE *f, const void *event, const struct render_ctx *rc);

void summary__add(struct summary *s, const struct oomreap_incident *inc);
void summary__print(FILE *f, const struct summary *s, const struct render_ctx *rc,
		    uint64_t lost_events);

#endif /* OOMREAP_RENDER_H */
