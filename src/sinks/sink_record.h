/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The record sink (--record FILE): every wire event as it arrives, the
 * drop counters, and (unless --no-kmsg) the kernel log lines of the same
 * window, into a record file (record.h) that `replay` and `report` read.
 * Written every tick (100 ms) and synced at most once a second, so a crash
 * loses at most the last second.  A write error never stops tracing: it is
 * said once, the events not written are counted (and marked in the file),
 * writing resumes when it can, and close says what is missing (exit 1).
 */
#ifndef OOMREAP_SINK_RECORD_H
#define OOMREAP_SINK_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "sinks/sink.h"

struct record_opts {
	const char *path;
	uint64_t max_bytes;             /* rotate to PATH.1, PATH.2, ...; 0 = never */
	bool kmsg;                      /* store the records session__drain_kmsg() reads */
	uint32_t rung;                  /* the attach rung (1..3), stored in the header */
	const char *plan;               /* "program hook\n" per attached program, likewise */
	/* drop counter read at each tick; the last is session__finish's, while it lives */
	const struct tracker *tracker;
};

/* Creates PATH (never overwriting, never through a symlink).  Prints why on failure. */
int sink_record__open(struct sink *s, const struct record_opts *o, const struct render_ctx *rc);

#endif /* OOMREAP_SINK_RECORD_H */
