/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Counters and latency histograms over every finished incident: the
 * summary live tracing and replay print at the end, the one a postmortem
 * opens with, and the Prometheus counters (sinks/metrics.c keeps one):
 * one aggregation, so the three cannot disagree on what was counted.
 */
#ifndef OOMREAP_SUMMARY_H
#define OOMREAP_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "core/histogram.h"
#include "core/incident.h"
#include "core/missed.h"

/* Userspace kills by (killer, method): distinct pairs kept, the rest as "other". */
#define SUMMARY_UKILL_PAIRS 16

struct summary_ukill {
	char killer[OOMREAP_COMM_LEN];  /* as configured; the last slot: "other" */
	uint32_t method;                /* OOMREAP_METHOD_* */
	uint64_t kills;
	uint64_t outcomes[OUTCOME_NR];
	uint64_t calls_ok, calls_esrch; /* process_mrelease calls (--mrelease) */
	uint64_t calls_failed_by[MREL_ERR_NR];
	struct log2_hist memory_gone_ms; /* kill -> the victim's memory gone */
	/* what its process_mrelease calls measurably freed (the first four of each victim) */
	uint64_t freed_pages[OOMREAP_RSS_NR];
	uint64_t kill_events;           /* cgroup.kill writes (their first victims), else kills */
};

struct summary {
	uint64_t incidents[OUTCOME_NR];
	uint64_t attempts;            /* reap attempts (start or skip) */
	uint64_t trylock_failures;
	/* freed by the reaper, over the incidents whose reaps were read */
	uint64_t freed_pages[OOMREAP_RSS_NR];
	uint64_t freed_unread;        /* incidents with a reap the tool could not read */
	uint64_t incomplete;
	uint64_t ended_unseen;        /* closed at their loss deadline (outcome open) */
	uint64_t exits_unseen;        /* their exit began before the kill, never seen */
	/* OOM events, each counted once, at its first victim's close */
	uint64_t oom_events;
	uint64_t group_events;        /* ... of which memory.oom.group killed a group */
	uint64_t group_victims;       /* victims of those */
	/* ... and by group_kill (enum oom_group_kill): events, and their victims */
	uint64_t oom_events_by_group[3];
	uint64_t victims_by_group[3];
	/*
	 * kills by OOM constraint, as oom_context__constraint(); [4]: unknown.
	 * A kill counts when it is known: its event seen, or its "Killed
	 * process" line read (joined halfway); never an incident with neither.
	 */
	uint64_t kills_by_constraint[5];
	/* userspace killers' kills, by (killer, method); [SUMMARY_UKILL_PAIRS]: the rest */
	struct summary_ukill ukills[SUMMARY_UKILL_PAIRS + 1];
	uint32_t nukills;
	struct log2_hist reap_latency_ms;
	struct log2_hist exit_latency_ms;
};

void summary__add(struct summary *s, const struct oomreap_incident *inc);
/* Userspace killers' process_mrelease calls that failed with errno class e, all killers. */
uint64_t summary__mrelease_failed(const struct summary *s, unsigned e);
/* The text summary, for people, after the incident lines. */
/* stdout_dropped: lines stdout's reader did not take (said only when some were). */
/* missed: runs our programs missed (NULL or none listed: nothing said, e.g. an older recording). */
void summary__print(FILE *f, const struct summary *s, const struct render_ctx *rc,
		    uint64_t lost_events, const struct runs_missed *missed,
		    uint64_t stdout_dropped);
/*
 * "3", "unknown" (the kernel counts none of them), or "3 (2 programs
 * uncounted)": what the outputs say of the runs missed.
 */
void summary__missed_text(char *buf, size_t len, const struct runs_missed *m);

#endif /* OOMREAP_SUMMARY_H */
