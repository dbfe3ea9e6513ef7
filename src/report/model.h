/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The report model: what the collector (collect.c) keeps of each incident
 * and the walk (walk.c) reads.  Inside report/ only (and its tests).
 */
#ifndef OOMREAP_REPORT_MODEL_H
#define OOMREAP_REPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/incident.h"
#include "core/summary.h"
#include "report/report.h"

/* One incident's row: enough for tables, summary and ordering. */
struct report_row {
	uint64_t sort_ns;          /* incident__start_ns() */
	uint64_t ordinal;          /* close order: ties break the same way every run */
	uint64_t done_ns;          /* kill -> incident over; LATENCY_NONE */
	uint64_t freed_bytes;
	uint32_t pid, tgid;
	uint32_t attempts, trylock_failures;
	uint32_t cgroup;           /* index into report.strings; UINT32_MAX none */
	uint32_t killer;           /* a userspace killer's name, in report.strings;
				    * UINT32_MAX: the kernel's OOM killer */
	uint8_t outcome;
	bool have_comm;            /* the kill event, or the kernel log, named it */
	bool freed_unread;         /* freed_bytes unknown */
	bool incomplete, evicted, ended_unseen;
	char comm[OOMREAP_COMM_LEN];
};

struct report_detail {
	uint64_t sort_ns, ordinal;
	struct oomreap_incident inc;
};

struct report {
	struct report_opts opts;
	struct oomrec_header hdr;
	struct render_ctx rc;
	struct summary sum;
	struct report_row *rows;
	size_t nrows, cap_rows;
	struct report_detail *details;  /* max-heap on (sort_ns, ordinal) while collecting */
	size_t ndetails;
	char **strings;                 /* interned cgroup paths */
	uint32_t nstrings, cap_strings;
	uint32_t *str_hash;             /* open addressing: index + 1, 0 empty */
	uint32_t hash_cap;
	uint64_t ordinal;
	uint64_t filtered;              /* outside --since/--until */
	uint64_t unselected;            /* not the --pid/--cgroup victims */
	int error;
};

/* Rows and details in time order, for the walk (once, before writing). */
void report__sort(struct report *r);

#endif /* OOMREAP_REPORT_MODEL_H */
