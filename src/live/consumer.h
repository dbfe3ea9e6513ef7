/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Consumer: drains the BPF ring buffer into the pipeline
 * (pipeline/session.h, through its functions only) when an event wakes it
 * (bpf/oomreap.bpf.h says which do) or its timer fires at the next
 * deadline (the tracker's, the sinks' next tick, --duration): idle, it
 * never wakes.  Stops on SIGINT/SIGTERM, --duration or a failed write.
 */
#ifndef OOMREAP_CONSUMER_H
#define OOMREAP_CONSUMER_H

#include <stdint.h>

#include "live/attach.h"
#include "live/killer_cgroups.h"
#include "pipeline/session.h"

struct ring_buffer;

struct consumer {
	struct session *session;
	const struct tracer *tracer;
	uint64_t duration_s;       /* 0 = until SIGINT/SIGTERM */
	struct ring_buffer *rb;
	int sfd;                   /* SIGINT, SIGTERM, SIGHUP, blocked since consumer__open */
	struct killer_cgroups *killer_cgroups; /* their watch, polled too; NULL: none */
};

/*
 * Map the ring buffer, before the privilege drop: ring_buffer__new() asks
 * the kernel about the map (BPF_OBJ_GET_INFO_BY_FD), which kernels before
 * 5.16 refuse without CAP_BPF when unprivileged BPF is disabled.
 * SIGINT, SIGTERM and SIGHUP are blocked from here on and read by
 * consumer__run: one sent once "ready" is said, before the run starts,
 * stops it there as it would later (a --pin state saved), instead of
 * killing the process.  Returns -errno.
 */
int consumer__open(struct consumer *c, struct session *s, const struct tracer *tr,
		   uint64_t duration_s);
/*
 * Trace until stopped, then drain what is left.  Returns an EXIT_*
 * status; a failed sink write stops it too, for session__close() to say.
 */
int consumer__run(struct consumer *c);
void consumer__close(struct consumer *c);

#endif /* OOMREAP_CONSUMER_H */
