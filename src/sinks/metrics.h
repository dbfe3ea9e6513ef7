/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Prometheus metric model and its text exposition (format 0.0.4, as
 * node_exporter's textfile collector reads it).  Pure: incidents and
 * counters in, text out to a FILE *; the file handling lives in
 * sink_prom.c.  All memory is allocated by metrics__init(), so a
 * long-running daemon stays bounded whatever the victims are called.
 *
 * Labels stay low-cardinality: constraint, outcome and memory type have
 * fixed value sets, and every one of their series is written from the
 * start (at 0), so rate() and absent() work before the first OOM.  The
 * opt-in per-cgroup families hold at most `cgroup_cap` distinct cgroups;
 * later ones are folded into cgroup="other".
 */
#ifndef OOMREAP_METRICS_H
#define OOMREAP_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "core/container.h"
#include "core/incident.h"
#include "core/missed.h"
#include "core/summary.h"

/*
 * Histogram bounds, shared by the three latency histograms so they can be
 * compared bucket by bucket: ms steps for the reap itself (start->finish
 * is milliseconds), then fine steps just above the reaper's designed 2 s
 * delay (OOM_REAPER_DELAY) so "on time" and "late" fall in different
 * buckets, then the ~1 s of ten HZ/10 retries and beyond.
 */
#define METRICS_NBUCKETS 22

/* Constraint index: constraint__name() values, then "unknown". */
#define METRICS_CONSTRAINT_UNKNOWN 4
#define METRICS_NCONSTRAINT 5

/* A cgroup label value: the path, valid UTF-8 (3 bytes per bad byte). */
#define METRICS_LABEL_MAX (OOMREAP_CGROUP_PATH_LEN * 3 + 1)

struct metrics_hist {
	uint64_t buckets[METRICS_NBUCKETS]; /* not cumulative; +Inf is count */
	uint64_t count;
	uint64_t sum_ns;
};

struct metrics_cgroup {
	char label[METRICS_LABEL_MAX]; /* sanitised, not yet escaped */
	char container_id[CONTAINER_ID_LEN + 1];
	char pod_uid[POD_UID_LEN + 1];
	uint64_t incidents[OUTCOME_NR];
	uint64_t trylock_failures;
	uint64_t freed_bytes;          /* anon + file + shmem */
};


struct metrics {
	/*
	 * The counters over incidents, by the one aggregation the exit
	 * summary and the report use (core/summary.h): kills, outcomes,
	 * incomplete and ended-unseen incidents, OOM events and their victims
	 * by group kill, attempts, trylock failures, freed pages, userspace
	 * killers' kills and process_mrelease failures.
	 */
	struct summary sum;
	uint64_t page_size;            /* of the freed pages, for their bytes */
	struct metrics_hist reap_latency;   /* kill -> finish */
	struct metrics_hist reap_duration;  /* (last) start -> finish */
	struct metrics_hist exit_latency;   /* kill -> victim exit */
	/* userspace killers: each process_mrelease call's time (entry seen), kill -> memory gone */
	struct metrics_hist mrelease_duration;
	struct metrics_hist memory_gone;

	/* set by the owner, not derived from incidents */
	uint64_t events_lost;          /* the BPF side's ring-buffer drops */
	struct runs_missed missed;     /* runs the kernel skipped, by program (n 0: unknown) */
	uint64_t evictions;            /* tracker closed incidents early */
	uint64_t open_incidents;       /* gauge */
	uint64_t write_failures;       /* textfile writes that failed */
	bool have_stdout;              /* live: stdout may drop lines (outbuf.h) */
	uint64_t stdout_dropped;       /* lines stdout's reader did not take */

	/* opt-in per-cgroup families; cgroup_cap == 0: off */
	uint32_t cgroup_cap;
	uint32_t ncgroups;
	struct metrics_cgroup *cgroups;
	struct metrics_cgroup other;   /* overflow bucket, label "other" */
	uint64_t cgroup_overflows;     /* incidents counted in "other" */
};

/* What the info metric says about this process. */
struct metrics_info {
	const char *version;
	const char *attach;            /* rung name */
	const char *kernel;            /* uname release */
	uint64_t start_time_s;         /* wall clock, seconds since the epoch */
};

/* cgroup_cap 0 disables the per-cgroup families.  Returns 0 or -ENOMEM. */
int metrics__init(struct metrics *m, uint32_t cgroup_cap);
void metrics__free(struct metrics *m);
void metrics__add_incident(struct metrics *m, const struct oomreap_incident *inc,
			   uint64_t page_size);
/* The whole exposition.  Check ferror(f) afterwards. */
void metrics__write(FILE *f, const struct metrics *m, const struct metrics_info *info);

/* Upper bounds in ns and as the `le` label spells them. */
extern const uint64_t metrics_bucket_ns[METRICS_NBUCKETS];
extern const char *const metrics_bucket_le[METRICS_NBUCKETS];

#endif /* OOMREAP_METRICS_H */
