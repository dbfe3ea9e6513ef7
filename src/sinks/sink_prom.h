/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Prometheus textfile sink: keeps the metric model (metrics.h) up to
 * date from incidents and tracker statistics, and rewrites PATH atomically
 * (textfile.h) every interval, on SIGHUP, and once more at exit.  A failed
 * write never stops tracing: it is said once on stderr, counted in
 * oomreap_textfile_write_failures_total, and retried next interval.
 */
#ifndef OOMREAP_SINK_PROM_H
#define OOMREAP_SINK_PROM_H

#include <stdint.h>

#include "sinks/sink.h"

struct prom_opts {
	const char *path;
	uint32_t interval_s;
	uint32_t cgroup_cap;            /* 0: no per-cgroup label families */
	/* statistics read at each tick; the last is session__finish's, while it lives */
	const struct tracker *tracker;
	const char *kernel;             /* release, for oomreap_info */
	/*
	 * replay: the file is written once, at the end, and a failure is the
	 * command's (said by the session with the path, exit 1), not a retry.
	 * path must then outlive the sink (it names the failure after close).
	 */
	bool once;
	/*
	 * Live: stdout lines its reader did not take, read at each write
	 * (oomreap_stdout_dropped_lines_total); NULL in replay, which drops none.
	 */
	const uint64_t *stdout_dropped;
};

int sink_prom__open(struct sink *s, const struct prom_opts *o, const struct render_ctx *rc);

#endif /* OOMREAP_SINK_PROM_H */
