// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Markdown markup of the postmortem (what it says: the walk in
 * report.c).  GitHub-flavoured: pipe tables, fenced code.
 *
 * Untrusted strings (comm, cgroup paths, kernel log lines) only ever reach
 * Markdown inside code spans or fenced code blocks, whose delimiters are
 * chosen longer than any backtick run in the string: nothing in them is
 * parsed as Markdown, HTML, entity or link.  Control characters and bytes
 * that are not UTF-8 are shown as \xNN.
 */
#include <string.h>

#include "core/event.h"
#include "report/report.h"

/* Untrusted bytes as code-span-safe text: \xNN for controls and non-UTF-8. */
static size_t md_safe(char *out, size_t cap, const char *str, size_t maxlen, bool in_table)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strnlen(str, maxlen), i = 0, o = 0;

	while (i < n && o + 8 < cap) {
		size_t l = s[i] < 0x20 || s[i] == 0x7f ? 0 : render__utf8_len(s + i, n - i);

		if (!l) {
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", s[i]);
			i++;
		} else if (in_table && s[i] == '|') {
			/* GFM splits cells on | even inside code spans, unless escaped */
			out[o++] = '\\';
			out[o++] = '|';
			i++;
		} else {
			memcpy(out + o, s + i, l);
			o += l;
			i += l;
		}
	}
	out[o] = 0;
	return o;
}

static size_t longest_backticks(const char *s)
{
	size_t best = 0, run = 0;

	for (; *s; s++) {
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

/* A code span around an untrusted string; "(none)" for an empty one. */
static void md_code(FILE *f, const char *str, size_t maxlen, bool in_table)
{
	char buf[4200];
	size_t n = md_safe(buf, sizeof(buf), str, maxlen, in_table), ticks;
	bool pad;

	if (!n) {
		fputs("(none)", f);
		return;
	}
	ticks = longest_backticks(buf) + 1;
	pad = buf[0] == '`' || buf[n - 1] == '`' || buf[0] == ' ';
	backticks(f, ticks);
	fputs(pad ? " " : "", f);
	fputs(buf, f);
	fputs(pad ? " " : "", f);
	backticks(f, ticks);
}

/* Only ever inside a fence (kernel log) or our own words (event labels). */
static void md_text(FILE *f, const char *s, size_t maxlen)
{
	char buf[KMSG_LINE_MAX * 4 + 16];

	md_safe(buf, sizeof(buf), s, maxlen, false);
	fputs(buf, f);
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
	hist__print(f, h, "msecs");
	fputs("```\n\n", f);
}

/* Fence longer than any backtick run in the block's lines. */
static size_t kmsg_fence(const struct kmsg_log *k, const struct kmsg_block *b)
{
	size_t ticks = 3, i, t;

	for (i = b->first; i <= b->last && b->last >= b->first; i++) {
		t = longest_backticks(kmsg_log__text(k, &k->v[i])) + 1;
		if (t > ticks)
			ticks = t;
	}
	for (i = 0; i < (size_t)b->nextra; i++) {
		t = longest_backticks(kmsg_log__text(k, &k->v[b->extra[i]])) + 1;
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
