/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Postmortem reports: incidents from a replayed recording (plus the
 * kernel's log of the same window) -> Markdown, or one self-contained HTML
 * page with an SVG timeline per incident.  Pure: the caller replays, this
 * module collects and renders to a FILE *.
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

#include "core/histogram.h"
#include "core/incident.h"
#include "core/summary.h"
#include "rec/kmsg.h"
#include "rec/record.h"

enum report_format {
	REPORT_MD = 0,
	REPORT_HTML,
};

#define REPORT_DETAIL_MAX 1000
#define REPORT_WORST 10
/* Kernel log lines quoted per incident: head and tail around an omission. */
#define REPORT_KMSG_HEAD 12
#define REPORT_KMSG_TAIL 40

/* Where the incidents came from, for the report's header and warnings. */
struct report_source {
	const struct oomrec_header *hdr;
	const char *name;          /* the recording's file name(s), as to show them */
	uint64_t first_ts_ns, last_ts_ns; /* CLOCK_MONOTONIC span of the events */
	uint64_t events;
	uint64_t ringbuf_lost, unrecorded;
	const char *problem;       /* the reader's error line; NULL: read whole */
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

/*
 * "+90s" / "+5m" (after the recording's start), "@1732559400" (epoch s),
 * "2026-11-25T18:30:00Z", "2026-11-25 18:30:00.5+01:00", "2026-11-25"
 * (no zone: UTC, the zone every report uses).  0 or -EINVAL.
 */
int report__parse_time(const char *s, int64_t *ns, bool *relative);

struct report;

struct report *report__new(const struct report_opts *opts, const struct oomrec_header *hdr);
struct ksyms;
/* Kernel symbols for blocker stacks (the recording's own); may stay unset. */
void report__set_symbols(struct report *r, const struct ksyms *ks);
/* tracker on_close callback (ctx = struct report *): filter, count, keep. */
void report__on_incident(const struct oomreap_incident *inc, void *ctx);
/* 0, or -ENOMEM if an incident could not be kept (it is counted regardless). */
int report__error(const struct report *r);
uint64_t report__count(const struct report *r);
/* Write the whole report.  0 or -errno (write error). */
int report__write(struct report *r, FILE *f, const struct report_source *src,
		  const struct kmsg_log *kmsg);
void report__free(struct report *r);

/* --------------------------------------------------- renderer internals */

/* One incident's row: enough for tables, summary and ordering. */
struct report_row {
	uint64_t sort_ns;          /* the kill, else the first event we saw */
	uint64_t ordinal;          /* close order: ties break the same way every run */
	uint64_t done_ns;          /* kill -> incident over; LATENCY_NONE */
	uint64_t freed_bytes;
	uint32_t pid, tgid;
	uint32_t attempts, trylock_failures;
	uint32_t cgroup;           /* index into report.strings; UINT32_MAX none */
	uint8_t outcome;
	bool have_identity, incomplete, evicted;
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

/* Shared by the walk (report.c) and the formats' figures. */
const char *report__outcome_title(uint8_t outcome);
/* Plain-language sentences on what happened to one victim; html: else Markdown. */
void report__explain(FILE *f, const struct oomreap_incident *inc, const struct render_ctx *rc,
		     bool html);
/*
 * CLOCK_REALTIME of a CLOCK_MONOTONIC stamp.  Saturates: a hostile file's
 * stamps and offset must not overflow (undefined behaviour in C).
 */
int64_t report__real_ns(uint64_t mono_ns, int64_t mono_to_real_ns);
/* "+2.006 s" style offset from the kill. */
void report__offset(char *buf, size_t len, uint64_t from, uint64_t to);
void report__utc(char *buf, size_t len, int64_t real_ns);
/* Label for one timeline entry; *attempt counts attempts as they pass. */
const char *report__event_label(const struct timeline_entry *te, uint32_t *attempt, char *buf,
				size_t len);
void report__event_detail(const struct oomreap_incident *inc, uint32_t i,
			  const struct render_ctx *rc, char *buf, size_t len);

/* ------------------------------------------------------------- markup */

/*
 * Both formats say the same things in the same order: the walk in report.c
 * decides what is shown, in which words and with which numbers.  A markup
 * supplies only how one format marks that up and escapes it.
 */
struct report_column {
	const char *title;
	bool numeric;              /* right-aligned */
};

struct report_markup {
	/* Fixed pieces around blocks, rows and cells. */
	const char *para_open, *para_close;
	const char *list_open, *item_open, *item_close, *list_close;
	const char *warn_open, *warn_break, *warn_close; /* warn_break: a new line inside */
	const char *row_open, *row_close;
	const char *key_open, *key_close;                /* the key of a key/value row */
	const char *cell_open, *num_cell_open, *cell_close, *empty_cell;
	const char *table_close;

	/* Where the two layouts have always differed; kept so old reports still compare. */
	int kmsg_heading_level;          /* Markdown nests it one level deeper */
	bool outcome_row;                /* HTML repeats the outcome as a coloured badge */
	bool incidents_heading_always;   /* HTML keeps "All incidents" with none to list */

	/* Around the document and each incident: NULL writes nothing. */
	void (*doc_open)(FILE *f, const struct oomrec_header *h);
	void (*doc_close)(FILE *f);
	void (*incident_open)(FILE *f, size_t num);
	void (*incident_close)(FILE *f);

	void (*heading_open)(FILE *f, int level);
	void (*heading_close)(FILE *f, int level);
	/* cols NULL: a key/value table.  cls: a class name for HTML's styles, or NULL. */
	void (*table_open)(FILE *f, const char *cls, const struct report_column *cols,
			   size_t ncols);

	/*
	 * Our own sentences, marked up as Markdown: `code`, *emphasis* and
	 * **strong**.  They carry numbers, never an untrusted string.
	 */
	void (*prose)(FILE *f, const char *s);
	/* Words without markup: our event labels, kernel log lines (untrusted). */
	void (*text)(FILE *f, const char *s, size_t maxlen);
	/* An untrusted string (comm, cgroup path, file name) as code; "(none)" if empty. */
	void (*code)(FILE *f, const char *s, size_t maxlen, bool in_table);
	void (*outcome)(FILE *f, uint8_t outcome);
	/* The "#" cell of the incident table; linked: a detailed section follows. */
	void (*incident_number)(FILE *f, size_t num, bool linked);

	/* Figures: timeline may be NULL (Markdown has its table only). */
	void (*timeline)(FILE *f, const struct oomreap_incident *inc, const struct render_ctx *rc,
			 size_t num);
	void (*histogram)(FILE *f, const char *title, const char *cls, const struct log2_hist *h);
	/* Around the quoted kernel log lines (a code fence, a <pre>). */
	void (*kmsg_open)(FILE *f, const struct kmsg_log *k, const struct kmsg_block *b);
	void (*kmsg_close)(FILE *f, const struct kmsg_log *k, const struct kmsg_block *b);
};

extern const struct report_markup report__markdown; /* report_md.c */
extern const struct report_markup report__html;     /* report_html.c */

#endif /* OOMREAP_REPORT_H */
