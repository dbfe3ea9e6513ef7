/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Consumer: drains the BPF ring buffer into the tracker, feeds finished
 * incidents to the sinks, and stops on SIGINT/SIGTERM or --duration.
 */
#ifndef OOMREAP_CONSUMER_H
#define OOMREAP_CONSUMER_H

#include <stdio.h>

#include "live/attach.h"
#include "options.h"
#include "core/summary.h"
#include "sinks/render.h"
#include "sinks/sink.h"
#include "core/tracker.h"

/* Everything one live tracing session needs, passed explicitly. */
struct ring_buffer;

struct session {
	const struct env *env;
	struct tracer tracer;
	struct tracker *tracker;
	struct render_ctx rc;
	struct summary summary;
	struct sink sinks[MAX_SINKS];
	int nsinks;
	int write_error;   /* errno of the first failed sink write */
	struct ksyms *ksyms; /* loaded on the first incident with stacks */
	bool ksyms_tried;
	/* /proc/kallsyms opened before the privilege drop (src/live/privdrop.c) */
	bool kallsyms_open;
	int kallsyms_fd;
	struct ring_buffer *rb; /* set up by consumer__open_ring(), or by run */
};

/* Called by the tracker for each finished incident: filters, then sinks. */
void session__on_incident(const struct oomreap_incident *inc, void *ctx);
/*
 * The outputs live tracing and replay share: text or JSON on stdout, and
 * the Prometheus textfile when asked.  On error (said on stderr) the sinks
 * opened so far stay in s for session__close_sinks().
 */
int session__open_outputs(struct session *s, const char *kernel_release);
/* Close every sink; returns the first error (-errno) or 0. */
int session__close_sinks(struct session *s);
/* Trace until stopped.  Returns an EXIT_* status. */
int consumer__run(struct session *s);
/* Optional, before consumer__run(): map the ring buffer now.  Returns -errno. */
int consumer__open_ring(struct session *s);

#endif /* OOMREAP_CONSUMER_H */
