/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Between the parts of the walk: walk.c (the recording, the summary, the
 * order of the document), walk_incident.c (one victim) and walk_oom.c
 * (one OOM: its context, what filled the memory, a group kill's event).
 * The building blocks below write through the markup (markup.h), so each
 * part says a heading, a row or a cell the same way.  Inside report/ only.
 */
#ifndef OOMREAP_REPORT_WALK_H
#define OOMREAP_REPORT_WALK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/incident.h"
#include "report/markup.h"
#include "report/model.h"

static inline void heading(struct report_out *o, int level, const char *title)
{
	o->m->heading_open(o->f, level);
	o->m->prose(o->f, title);
	o->m->heading_close(o->f, level);
}

/* A paragraph of prose, as say() writes it. */
static inline void para(struct report_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void para(struct report_out *o, const char *fmt, ...)
{
	va_list ap;

	report__put(o, o->m->para_open);
	va_start(ap, fmt);
	report__vsay(o, fmt, ap);
	va_end(ap);
	report__put(o, o->m->para_close);
}

static inline void item(struct report_out *o, const char *s)
{
	report__put(o, o->m->item_open);
	o->m->prose(o->f, s);
	report__put(o, o->m->item_close);
}

static inline void code(struct report_out *o, const char *s, size_t maxlen)
{
	o->m->code(o->f, s, maxlen, o->in_table);
}

static inline void table_open(struct report_out *o, const char *cls, const struct report_column *cols,
		       size_t ncols)
{
	o->m->table_open(o->f, cls, cols, ncols);
	o->in_table = true;
}

static inline void table_close(struct report_out *o)
{
	report__put(o, o->m->table_close);
	o->in_table = false;
}

/* A key/value row: the key, then the caller writes the value and calls row_end. */
static inline void row_key(struct report_out *o, const char *key, bool numeric)
{
	report__put(o, o->m->row_open);
	report__put(o, o->m->key_open);
	o->m->prose(o->f, key);
	report__put(o, o->m->key_close);
	report__put(o, numeric ? o->m->num_cell_open : o->m->cell_open);
}

static inline void row_end(struct report_out *o)
{
	report__put(o, o->m->cell_close);
	report__put(o, o->m->row_close);
}

/* A key/value row whose value is printf output: numbers, times, our own words. */
static inline void kvf(struct report_out *o, bool numeric, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline void kvf(struct report_out *o, bool numeric, const char *key, const char *fmt, ...)
{
	va_list ap;

	row_key(o, key, numeric);
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	row_end(o);
}

/* A cell the caller fills, then closes with cell_end. */
static inline void cell(struct report_out *o, bool numeric)
{
	report__put(o, numeric ? o->m->num_cell_open : o->m->cell_open);
}

static inline void cell_end(struct report_out *o)
{
	report__put(o, o->m->cell_close);
}

/* A cell of printf output. */
static inline void cellf(struct report_out *o, bool numeric, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void cellf(struct report_out *o, bool numeric, const char *fmt, ...)
{
	va_list ap;

	cell(o, numeric);
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	cell_end(o);
}

/* A cell with an untrusted string as code, or "?" when it is not known. */
static inline void cell_code(struct report_out *o, const char *s, size_t maxlen)
{
	cell(o, false);
	if (s)
		code(o, s, maxlen);
	else
		report__put(o, "?");
	cell_end(o);
}

static inline void empty_cells(struct report_out *o, size_t n)
{
	while (n--)
		report__put(o, o->m->empty_cell);
}

/* "N more ... not kept" where the incident's bounds dropped some: in column 2 of ncols. */
static inline void not_kept_row(struct report_out *o, size_t ncols, const char *what, uint32_t n)
{
	report__put(o, o->m->row_open);
	empty_cells(o, 1);
	cellf(o, false, "%u more %s not kept", n, what);
	empty_cells(o, ncols - 2);
	report__put(o, o->m->row_close);
}

/* walk_oom.c: the OOM context as one row's value (its sources, its unknowns). */
void report__oom_context(struct report_out *o, const struct oom_context *c);
/* walk_oom.c: the kernel's OOM report read into its parts. */
void report__what_filled(struct report_out *o, const struct oom_context *c,
			 const struct render_ctx *rc);
/* walk_oom.c: a memory.oom.group kill, before its victims' own sections. */
void report__oom_event(struct report_out *o, const struct report *r, size_t first);
/* walk_incident.c: one victim's section. */
void report__incident(struct report_out *o, const struct report *r, size_t num,
		      const struct oomreap_incident *inc, const struct kmsg_log *k);

#endif /* OOMREAP_REPORT_WALK_H */
