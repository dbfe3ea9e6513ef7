/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Sinks: where finished incidents go.  Each sink is a small module with
 * the same entry points (struct sink_ops: incident and close always; tick,
 * next_tick, reopen, event and kmsg where the sink needs them), fed from
 * one pass over each incident, so live tracing and replay drive every
 * output the same way.
 */
#ifndef OOMREAP_SINK_H
#define OOMREAP_SINK_H

#include <stdint.h>

#include "sinks/render.h"
#include "core/tracker.h"

struct sink;

struct sink_ops {
	/* One finished incident.  Returns 0 or -errno (the sink keeps going). */
	int (*incident)(struct sink *s, const struct oomreap_incident *inc);
	/*
	 * Called with CLOCK_MONOTONIC now after each drain of events, and at
	 * the time next_tick asks for; may be NULL.
	 */
	int (*tick)(struct sink *s, uint64_t now_ns);
	/*
	 * When the sink next wants a tick (CLOCK_MONOTONIC ns; 0: now;
	 * UINT64_MAX: never): the reader sleeps until then.  NULL with a tick:
	 * every 100 ms (SINK_TICK_NS).
	 */
	uint64_t (*next_tick)(struct sink *s);
	/* SIGHUP: reopen files (after log rotation, a remount, ...); may be NULL. */
	int (*reopen)(struct sink *s);
	/*
	 * Each validated wire event as it arrives, before the tracker (the
	 * record sink stores them); may be NULL.  Errors are the sink's to report.
	 */
	int (*event)(struct sink *s, const void *event, size_t size);
	/*
	 * One raw /dev/kmsg record, as the session read it at now_ns (the
	 * record sink stores it); may be NULL.
	 */
	int (*kmsg)(struct sink *s, uint64_t now_ns, const char *rec, size_t len);
	/* Final flush and free.  Returns 0 or -errno. */
	int (*close)(struct sink *s);
};

struct sink {
	const struct sink_ops *ops;
	const struct render_ctx *rc;
	void *state;
	/* what it writes, for the write-error line ("stdout"); outlives close; NULL: "output" */
	const char *name;
};

#define MAX_SINKS 4
/* The tick of a sink that does not say when it wants one (next_tick NULL). */
#define SINK_TICK_NS 100000000ull

struct outbuf;

/* Text (one line per incident) or JSON Lines to stdout as the session writes it. */
int sink_stream__open(struct sink *s, struct outbuf *out, bool json, const struct render_ctx *rc);

#endif /* OOMREAP_SINK_H */
