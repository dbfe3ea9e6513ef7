// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Markdown markup of the postmortem (what it says: the walk in
 * walk.c).  GitHub-flavoured: pipe tables, fenced code.
 *
 * Untrusted strings (comm, cgroup paths, kernel log lines) only ever reach
 * Markdown inside code spans or fenced code blocks, whose delimiters are
 * chosen longer than any backtick run in the string: nothing in them is
 * parsed as Markdown, HTML, entity or link.  Control characters and bytes
 * that are not UTF-8 are shown as \xNN.
 */
#include <stdint.h>
#include <string.h>

#include "core/event.h"
#include "report/markup.h"

/* The longest run of backticks in s (n bytes at most, up to its NUL). */
static size_t longest_backticks(const char *s, size_t n)
{
	size_t best = 0, run = 0;

	for (; n && *s; s++, n--) {
		run = *s == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

static void backticks(FILE *f, size_t n)
{
	while (n--)
		fputc('`', f);
}

/*
 * A code span around an untrusted string; "(none)" for an empty one.  The
 * escaper passes backticks and spaces through as they are and writes
 * nothing else that is one, so the fence and the padding can be read off
 * the string itself.
 */
static void md_code(FILE *f, const char *str, size_t maxlen, bool in_table)
{
	size_t n = strnlen(str, maxlen), ticks;
	bool pad;

	if (!n) {
		fputs("(none)", f);
		return;
	}
	ticks = longest_backticks(str, n) + 1;
	pad = str[0] == '`' || str[n - 1] == '`' || str[0] == ' ';
	backticks(f, ticks);
	fputs(pad ? " " : "", f);
	incident__escape(f, in_table ? ESCAPE_MARKDOWN_CELL : ESCAPE_MARKDOWN, str, n);
	fputs(pad ? " " : "", f);
	backticks(f, ticks);
}

/* Only ever inside a fence (kernel log) or our own words (event labels). */
static void md_text(FILE *f, const char *s, size_t maxlen)
{
	incident__escape(f, ESCAPE_MARKDOWN, s, maxlen);
}

/* Our prose is written in Markdown already. */
static void md_prose(FILE *f, const char *s)
{
	fputs(s, f);
}

static void md_heading_open(FILE *f, int level)
{
	while (level--)
		fputc('#', f);
	fputc(' ', f);
}

static void md_heading_close(FILE *f, int level)
{
	fputs("\n\n", f);
}

/* A header row and its alignment row; a key/value table has empty headers. */
static void md_table_open(FILE *f, const char *cls, const struct report_column *cols,
			  size_t ncols)
{
	size_t i;

	if (!cols) {
		fputs("| | |\n|---|---|\n", f);
		return;
	}
	fputc('|', f);
	for (i = 0; i < ncols; i++)
		fprintf(f, " %s |", cols[i].title);
	fputs("\n|", f);
	for (i = 0; i < ncols; i++)
		fputs(cols[i].numeric ? "---:|" : "---|", f);
	fputc('\n', f);
}

static void md_outcome(FILE *f, uint8_t outcome)
{
	fputs(outcome__name((enum oomreap_outcome)outcome), f);
}

static void md_incident_number(FILE *f, size_t num, bool linked)
{
	fprintf(f, "%zu", num);
}

static void md_histogram(FILE *f, const char *title, const char *cls, const struct log2_hist *h)
{
	fputs("```text\n", f);
	histogram__print(f, h, "msecs");
	fputs("```\n\n", f);
}

/* Fence longer than any backtick run in the block's lines. */
static size_t kmsg_fence(const struct kmsg_log *k, const struct kmsg_block *b)
{
	size_t ticks = 3, i, t;

	for (i = b->first; i <= b->last && b->last >= b->first; i++) {
		t = longest_backticks(kmsg_log__text(k, &k->v[i]), SIZE_MAX) + 1;
		if (t > ticks)
			ticks = t;
	}
	for (i = 0; i < (size_t)b->nextra; i++) {
		t = longest_backticks(kmsg_log__text(k, &k->v[b->extra[i]]), SIZE_MAX) + 1;
		if (t > ticks)
			ticks = t;
	}
	return ticks;
}

static void md_kmsg_open(FILE *f, const struct kmsg_log *k, const struct kmsg_block *b)
{
	backticks(f, kmsg_fence(k, b));
	fputs("text\n", f);
}

static void md_kmsg_close(FILE *f, const struct kmsg_log *k, const struct kmsg_block *b)
{
	backticks(f, kmsg_fence(k, b));
	fputs("\n\n", f);
}

const struct report_markup report__markdown = {
	.para_open = "",
	.para_close = "\n\n",
	.list_open = "",
	.item_open = "- ",
	.item_close = "\n",
	.list_close = "\n",
	.warn_open = "> ",
	.warn_break = "\n> ",
	.warn_close = "\n\n",
	/* "| a | b |": each cell closes with its own " |" */
	.row_open = "|",
	.row_close = "\n",
	.key_open = " ",
	.key_close = " |",
	.cell_open = " ",
	.num_cell_open = " ",
	.cell_close = " |",
	.empty_cell = " |",
	.table_close = "\n",

	.kmsg_heading_level = 4,
	.outcome_row = false,
	.incidents_heading_always = false,

	.heading_open = md_heading_open,
	.heading_close = md_heading_close,
	.table_open = md_table_open,
	.prose = md_prose,
	.text = md_text,
	.code = md_code,
	.outcome = md_outcome,
	.incident_number = md_incident_number,
	.histogram = md_histogram,
	.kmsg_open = md_kmsg_open,
	.kmsg_close = md_kmsg_close,
};
