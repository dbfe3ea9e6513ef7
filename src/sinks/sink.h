/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Sinks: where finished incidents go.  Each sink is a small module with
 * the same three entry points, fed from one pass over each incident, so
 * live tracing and replay drive every output the same way.
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
	/* Called about every 100 ms with CLOCK_MONOTONIC now; may be NULL. */
	int (*tick)(struct sink *s, uint64_t now_ns);
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

/* Text (one line per incident) or JSON Lines to a stream. */
int sink_stream__open(struct sink *s, FILE *f, bool json, const struct render_ctx *rc);

#endif /* OOMREAP_SINK_H */
