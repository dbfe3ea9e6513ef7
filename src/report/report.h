/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Postmortem reports: incidents from a replayed recording (plus the
 * kernel's log of the same window) -> Markdown, or one self-contained HTML
 * page with an SVG timeline per incident.  Pure: the caller replays, this
 * module collects (collect.c) and writes (walk.c, in the words of
 * explain.c, marked up by markdown.c or html.c) to a FILE *.
 *
 * Memory stays bounded whatever the recording holds: each incident leaves
 * one small row (for the summary, the incident table and the worst
 * latencies), and only the first REPORT_DETAIL_MAX incidents in time order
 * are kept whole for their detailed sections.
 */
#ifndef OOMREAP_REPORT_H
#define OOMREAP_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/incident.h"
#include "rec/kmsg.h"
#include "rec/record.h"

enum report_format {
	REPORT_MD = 0,
	REPORT_HTML,
};

#define REPORT_DETAIL_MAX 1000

/* Where the incidents came from, for the report's header and warnings. */
struct report_source {
	const struct oomrec_header *hdr;
	const char *name;          /* the recording's file name(s), as to show them */
	uint64_t first_ts_ns, last_ts_ns; /* CLOCK_MONOTONIC span of the events */
	uint64_t events;
	uint64_t ringbuf_lost, unrecorded;
	struct runs_missed missed; /* runs our programs missed (n 0: not recorded) */
	const char *problem;       /* the reader's error line; NULL: read whole */
	const char *partial;       /* not the whole set of segments (replay__note); NULL: whole */
	const char *kmsg_name;     /* "/dev/kmsg (recorded)", a --kmsg file, or NULL */
	uint64_t kmsg_lines;
};

struct report_opts {
	enum report_format format;
	bool have_since, have_until;
	int64_t since_real_ns, until_real_ns; /* CLOCK_REALTIME bounds on the kill time */
	uint32_t detail_max;       /* 0 = REPORT_DETAIL_MAX */
	uint32_t pid;              /* --pid: 0 = every victim */
	const char *cgroup;        /* --cgroup: NULL = every victim */
};

/* The report being collected (report/model.h). */
struct report;
struct ksyms;

struct report *report__new(const struct report_opts *opts, const struct oomrec_header *hdr);
/* Kernel symbols for blocker stacks (the recording's own); may stay unset. */
void report__set_symbols(struct report *r, const struct ksyms *ks);
/* tracker on_close callback (ctx = struct report *): filter, count, keep. */
void report__on_incident(const struct oomreap_incident *inc, void *ctx);
/* 0, or -ENOMEM if an incident could not be kept (it is counted regardless). */
int report__error(const struct report *r);
/* Incidents collected (selected, within the window). */
uint64_t report__count(const struct report *r);
/* Write the whole report.  0 or -errno (write error). */
int report__write(struct report *r, FILE *f, const struct report_source *src,
		  const struct kmsg_log *kmsg);
void report__free(struct report *r);

/* Plain-language sentences on what happened to one victim; html: else Markdown. */
void report__explain(FILE *f, const struct oomreap_incident *inc, const struct render_ctx *rc,
		     bool html);

#endif /* OOMREAP_REPORT_H */
