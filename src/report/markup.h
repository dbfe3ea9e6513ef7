/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Between the walk (walk.c), its words (explain.c) and the two markups
 * (markdown.c, html.c).  Inside report/ only.
 */
#ifndef OOMREAP_REPORT_MARKUP_H
#define OOMREAP_REPORT_MARKUP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/histogram.h"
#include "core/incident.h"
#include "rec/kmsg.h"
#include "rec/record.h"

/*
 * Both formats say the same things in the same order: the walk in walk.c
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
	/*
	 * What filled the memory: parts of whole (bytes) as one bar; NULL:
	 * the table that follows it says the same.
	 */
	void (*bar)(FILE *f, const char *const *names, const uint64_t *bytes, int n, uint64_t whole);
	/* Around the quoted kernel log lines (a code fence, a <pre>). */
	void (*kmsg_open)(FILE *f, const struct kmsg_log *k, const struct kmsg_block *b);
	void (*kmsg_close)(FILE *f, const struct kmsg_log *k, const struct kmsg_block *b);
};

extern const struct report_markup report__markdown; /* markdown.c */
extern const struct report_markup report__html;     /* html.c */


/*
 * One report being written: where, in which markup, and whether inside a
 * table (Markdown must escape | there, even in code spans).
 */
struct report_out {
	FILE *f;
	const struct report_markup *m;
	bool in_table;
};

/* A fixed piece of markup. */
static inline void report__put(struct report_out *o, const char *s)
{
	fputs(s, o->f);
}

/*
 * Our own prose, with Markdown's `code` and *emphasis* marks that the
 * markup keeps or turns into tags.  It never carries an untrusted string,
 * only numbers and our own words.
 */
void report__vsay(struct report_out *o, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void report__say(struct report_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* What happened to one victim, in paragraphs. */
void report__explain_to(struct report_out *o, const struct oomreap_incident *inc,
			const struct render_ctx *rc);
/* Label for one timeline entry; *attempt counts attempts as they pass. */
const char *report__event_label(const struct timeline_entry *te, uint32_t *attempt, char *buf,
				size_t len);

#endif /* OOMREAP_REPORT_MARKUP_H */
