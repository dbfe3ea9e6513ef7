// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The HTML markup of the postmortem (what it says: the walk in walk.c),
 * and its SVG figures: one file, no network, no script.  A Content
 * Security Policy forbids scripts and remote loads outright, so even an
 * escaping bug could not turn a hostile comm into running code; the
 * escaping below is still complete (text and attribute contexts alike:
 * & < > " ' all become entities, control bytes and non-UTF-8 become
 * visible \xNN).
 */
#include <inttypes.h>
#include <string.h>

#include "core/event.h"
#include "report/markup.h"
#include "core/timefmt.h"

static void html_text(FILE *f, const char *s, size_t maxlen)
{
	incident__escape(f, ESCAPE_HTML, s, maxlen);
}

static void html_code(FILE *f, const char *s, size_t maxlen)
{
	fputs("<code>", f);
	if (!*s)
		fputs("(none)", f);
	else
		html_text(f, s, maxlen);
	fputs("</code>", f);
}

static const char style[] =
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d232a;"
	"max-width:1000px;margin:2em auto;padding:0 1em}"
	"h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #d0d5da}"
	"table{border-collapse:collapse;margin:.5em 0 1em}"
	"td,th{border:1px solid #d0d5da;padding:.25em .6em;text-align:left;vertical-align:top}"
	"th{background:#f1f3f5}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"code{background:#f1f3f5;padding:0 .2em;border-radius:3px}td code{overflow-wrap:anywhere}"
	"pre.kmsg{background:#1d232a;color:#e6e6e6;padding:.8em;overflow-x:auto;font-size:12px}"
	".warn{border-left:4px solid #c0392b;background:#fdecea;padding:.5em 1em}"
	".o{padding:0 .4em;border-radius:3px;color:#fff;white-space:nowrap}"
	".o-reaped{background:#2e8b57}.o-gave_up{background:#c0392b}"
	".o-victim_exited{background:#2c7fb8}.o-partial{background:#d35400}"
	".o-open{background:#7f8c8d}"
	"svg{display:block;max-width:100%;height:auto}"
	"section.incident{margin-top:2.5em}";

static const char *outcome_class(uint8_t o)
{
	return outcome__name((enum oomreap_outcome)o);
}

static void badge(FILE *f, uint8_t outcome)
{
	fprintf(f, "<span class=\"o o-%s\">%s</span>", outcome_class(outcome),
		outcome__name((enum oomreap_outcome)outcome));
}

/* Everything before the report's first heading: one file, styles inline, CSP on. */
static void html_doc_open(FILE *f, const struct oomrec_header *h)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>OOM postmortem: ",
	      f);
	html_text(f, h->hostname, sizeof(h->hostname));
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n", style);
}

static void html_doc_close(FILE *f)
{
	fputs("</body>\n</html>\n", f);
}

/* Each incident is a section its row in the incident table links to. */
static void html_incident_open(FILE *f, size_t num)
{
	fprintf(f, "<section class=\"incident\" id=\"incident-%zu\">\n", num);
}

static void html_incident_close(FILE *f)
{
	fputs("</section>\n", f);
}

static void html_incident_number(FILE *f, size_t num, bool linked)
{
	if (linked)
		fprintf(f, "<a href=\"#incident-%zu\">%zu</a>", num, num);
	else
		fprintf(f, "%zu", num);
}

/* --------------------------------------------------------------- svg */

#define SVG_W 760
#define SVG_X0 24
#define SVG_PW (SVG_W - 2 * SVG_X0)

/* A tick step of 1, 2 or 5 times a power of ten, about span/5. */
static uint64_t nice_step(uint64_t span)
{
	uint64_t raw = span / 5 ? span / 5 : 1, p = 1;

	while (p <= raw / 10)
		p *= 10;
	if (raw <= p)
		return p;
	if (raw <= 2 * p)
		return 2 * p;
	if (raw <= 5 * p)
		return 5 * p;
	return 10 * p;
}

static double xpos(uint64_t base, uint64_t span, uint64_t t)
{
	double rel = t > base ? (double)(t - base) / (double)span : 0.0;

	if (rel > 1.0)
		rel = 1.0;
	return SVG_X0 + rel * SVG_PW;
}

static void svg_title(FILE *f, const char *label, uint64_t base, uint64_t t)
{
	char off[32];

	timefmt__offset(off, sizeof(off), base, t);
	fprintf(f, "<title>%s ", off);
	html_text(f, label, 256);
	fputs("</title>", f);
}

static void svg_timeline(FILE *f, const struct oomreap_incident *inc, const struct render_ctx *rc,
			 size_t num)
{
	uint64_t base = incident__start_ns(inc), end = base, span,
		 step, t, start_ts = 0;
	uint32_t i, attempt = 0;
	const int track = 58, axis = 92;
	char buf[128];

	for (i = 0; i < inc->timeline_len; i++)
		if (inc->timeline[i].ts_ns > end)
			end = inc->timeline[i].ts_ns;
	if (inc->closed_ns > end)
		end = inc->closed_ns;
	span = end - base;
	if (span < 1000000)
		span = 1000000;
	span += span / 20; /* room for the last marker */
	fprintf(f,
		"<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d 118\" "
		"width=\"%d\" height=\"118\" role=\"img\" aria-label=\"Timeline of incident %zu\" "
		"font-family=\"system-ui,sans-serif\" font-size=\"11\">\n",
		SVG_W, SVG_W, num);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"118\" fill=\"#fbfcfd\"/>\n", SVG_W);
	/* legend: a userspace killer's victim has no reaper, its calls instead */
	if (inc->kind == INCIDENT_USERSPACE)
		fputs("<g font-size=\"10\" fill=\"#444\">"
		      "<circle cx=\"30\" cy=\"14\" r=\"4\" fill=\"#c0392b\"/>"
		      "<text x=\"38\" y=\"17\">killer's signal</text>"
		      "<rect x=\"120\" y=\"9\" width=\"14\" height=\"10\" fill=\"#2e8b57\"/>"
		      "<text x=\"138\" y=\"17\">process_mrelease</text>"
		      "<path d=\"M236 10 L244 18 M244 10 L236 18\" stroke=\"#8e1b10\" "
		      "stroke-width=\"2\"/><text x=\"248\" y=\"17\">call failed</text>"
		      "<path d=\"M320 14 L325 9 L330 14 L325 19 Z\" fill=\"#2c7fb8\"/>"
		      "<text x=\"334\" y=\"17\">exit</text></g>\n",
		      f);
	else
		fputs("<g font-size=\"10\" fill=\"#444\">"
		      "<circle cx=\"30\" cy=\"14\" r=\"4\" fill=\"#c0392b\"/><text x=\"38\" y=\"17\">kill</text>"
		      "<rect x=\"70\" y=\"9\" width=\"14\" height=\"10\" fill=\"#fde9c8\"/>"
		      "<text x=\"88\" y=\"17\">reaper delay</text>"
		      "<path d=\"M166 19 L171 9 L176 19 Z\" fill=\"#e67e22\"/>"
		      "<text x=\"180\" y=\"17\">reaper woken</text>"
		      "<path d=\"M256 10 L264 18 M264 10 L256 18\" stroke=\"#8e1b10\" stroke-width=\"2\"/>"
		      "<text x=\"268\" y=\"17\">trylock failed</text>"
		      "<path d=\"M346 10 L354 18 M354 10 L346 18\" stroke=\"#95a5a6\" stroke-width=\"2\"/>"
		      "<text x=\"358\" y=\"17\">skipped (mm gone)</text>"
		      "<rect x=\"458\" y=\"9\" width=\"14\" height=\"10\" fill=\"#2e8b57\"/>"
		      "<text x=\"476\" y=\"17\">reaping</text>"
		      "<path d=\"M530 14 L535 9 L540 14 L535 19 Z\" fill=\"#2c7fb8\"/>"
		      "<text x=\"544\" y=\"17\">exit</text></g>\n",
		      f);
	/* the reaper's delay, kill -> wake */
	if (inc->wake_ns && inc->kill_ns && inc->wake_ns > inc->kill_ns) {
		double x0 = xpos(base, span, inc->kill_ns), x1 = xpos(base, span, inc->wake_ns);

		fprintf(f,
			"<rect class=\"delay\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"24\" "
			"fill=\"#fde9c8\"><title>reaper delay ",
			x0, track - 12, x1 - x0);
		timefmt__duration(buf, sizeof(buf), inc->wake_ns - inc->kill_ns);
		fprintf(f, "%s</title></rect>\n", buf);
		if (x1 - x0 > 110)
			fprintf(f,
				"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#8a6d3b\">"
				"reaper delay %s</text>\n",
				(x0 + x1) / 2, track + 4, buf);
	}
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\"/>\n", SVG_X0,
		axis, SVG_X0 + SVG_PW, axis);
	step = nice_step(span);
	for (t = 0; t <= span; t += step) {
		double x = SVG_X0 + (double)t / (double)span * SVG_PW;

		if (t)
			timefmt__duration(buf, sizeof(buf), t);
		else
			snprintf(buf, sizeof(buf), "0");
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#555\"/>"
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">%s</text>\n",
			x, axis, x, axis + 4, x, axis + 16, buf);
	}
	/* reaping passes: start .. finish */
	for (i = 0; i < inc->timeline_len; i++) {
		const struct timeline_entry *te = &inc->timeline[i];

		if (te->type == OOMREAP_EV_REAP_START) {
			start_ts = te->ts_ns;
		} else if (te->type == OOMREAP_EV_REAP_FINISH && start_ts) {
			double x0 = xpos(base, span, start_ts), x1 = xpos(base, span, te->ts_ns);

			timefmt__duration(buf, sizeof(buf), te->ts_ns - start_ts);
			fprintf(f,
				"<rect class=\"reap\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" "
				"fill=\"#2e8b57\"><title>reaping pass, %s</title></rect>\n",
				x0, track - 8, x1 - x0 < 2 ? 2.0 : x1 - x0, buf);
			start_ts = 0;
		}
	}
	for (i = 0; i < inc->timeline_len; i++) {
		const struct timeline_entry *te = &inc->timeline[i];
		const char *label = report__event_label(te, &attempt, buf, sizeof(buf));
		double x = xpos(base, span, te->ts_ns);

		fputs("<g>", f);
		svg_title(f, label, base, te->ts_ns);
		switch (te->type) {
		case OOMREAP_EV_KILL:
		case OOMREAP_EV_UKILL:
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%d\" r=\"6\" fill=\"#c0392b\"/>", x, track);
			break;
		case OOMREAP_EV_MRELEASE: {
			/* the call, from its entry (when seen) to this return */
			const struct mrelease_call *c = NULL;
			uint32_t k;

			for (k = 0; k < inc->uk.ncalls && k < MRELEASE_CALLS_MAX; k++)
				if (inc->uk.calls[k].exit_ns == te->ts_ns)
					c = &inc->uk.calls[k];
			if (c && c->ret == 0) {
				double x0 = c->enter_ns && c->enter_ns >= base
						    ? xpos(base, span, c->enter_ns) : x;

				fprintf(f,
					"<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"10\" "
					"fill=\"#2e8b57\"/>",
					x0, track - 19, x - x0 > 2 ? x - x0 : 2);
			} else {
				fprintf(f,
					"<path d=\"M%.1f %d L%.1f %d M%.1f %d L%.1f %d\" stroke=\"%s\" "
					"stroke-width=\"2\"/>",
					x - 4, track - 18, x + 4, track - 10, x + 4, track - 18, x - 4,
					track - 10,
					/* grey: ESRCH, the memory gone first (no failure) */
					c && mrelease_err__of(c->ret) == MREL_ERR_NR ? "#95a5a6" : "#8e1b10");
			}
			break;
		}
		case OOMREAP_EV_REAPER_WAKE:
			fprintf(f,
				"<path d=\"M%.1f %d L%.1f %d L%.1f %d Z\" fill=\"%s\"/>", x - 6,
				track + 6, x, track - 6, x + 6, track + 6,
				inc->wake_ignored && te->ts_ns != inc->wake_ns ? "#bbb" : "#e67e22");
			break;
		case OOMREAP_EV_REAP_SKIP:
			fprintf(f,
				"<path d=\"M%.1f %d L%.1f %d M%.1f %d L%.1f %d\" stroke=\"%s\" "
				"stroke-width=\"2\"/>",
				x - 4, track - 4 - 14, x + 4, track + 4 - 14, x + 4, track - 4 - 14,
				x - 4, track + 4 - 14,
				te->skip_reason == OOMREAP_SKIP_TRYLOCK_FAILED ? "#8e1b10" : "#95a5a6");
			break;
		case OOMREAP_EV_VICTIM_EXIT:
			fprintf(f, "<path d=\"M%.1f %d L%.1f %d L%.1f %d L%.1f %d Z\" fill=\"#2c7fb8\"/>",
				x - 6, track + 14, x, track + 8, x + 6, track + 14, x, track + 20);
			break;
		default:
			fprintf(f,
				"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#555\" "
				"stroke-width=\"1\"/>",
				x, track - 10, x, track + 10);
			break;
		}
		fputs("</g>\n", f);
	}
	fputs("</svg>\n", f);
}

/* A log2 histogram as bars, same buckets as the text summary (the walk wrote its heading). */
static void svg_hist(FILE *f, const char *title, const char *cls, const struct log2_hist *h)
{
	int first, last, i, n;
	uint64_t peak;
	double bw;

	if (!h->count || !histogram__range(h, &first, &last, &peak))
		return;
	n = last - first + 1;
	bw = (double)SVG_PW / n;
	if (bw > 64)
		bw = 64; /* a lone bucket is a bar, not a wall */
	fprintf(f,
		"<svg class=\"histogram %s\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d 190\" "
		"width=\"%d\" height=\"190\" role=\"img\" aria-label=\"%s\" "
		"font-family=\"system-ui,sans-serif\" font-size=\"10\">\n",
		cls, SVG_W, SVG_W, title);
	fprintf(f, "<line x1=\"%d\" y1=\"150\" x2=\"%d\" y2=\"150\" stroke=\"#555\"/>\n", SVG_X0,
		SVG_X0 + SVG_PW);
	for (i = first; i <= last; i++) {
		uint64_t lo = i ? 1ull << (i - 1) : 0;
		double x = SVG_X0 + (i - first) * bw, hgt = (double)h->slots[i] * 120.0 / (double)peak;

		if (h->slots[i] && hgt < 1)
			hgt = 1;
		fprintf(f,
			"<g><title>%" PRIu64 " ms and more: %" PRIu64 "</title>"
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#2c7fb8\"/>",
			(uint64_t)lo, (uint64_t)h->slots[i], x + 1, 150 - hgt, bw - 2, hgt);
		if (h->slots[i])
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%" PRIu64 "</text>",
				x + bw / 2, 146 - hgt, (uint64_t)h->slots[i]);
		fprintf(f, "<text x=\"%.1f\" y=\"164\" text-anchor=\"middle\" fill=\"#555\">%" PRIu64
			   "</text></g>\n",
			x + bw / 2, (uint64_t)lo);
	}
	fprintf(f,
		"<text x=\"%d\" y=\"182\" text-anchor=\"middle\" fill=\"#555\">milliseconds after the "
		"kill (bucket lower bound, powers of two)</text>\n</svg>\n",
		SVG_W / 2);
}

/* What filled the memory: one stacked bar, each part of whole with its share. */
static void svg_bar(FILE *f, const char *const *names, const uint64_t *bytes, int n,
		    uint64_t whole)
{
	static const char *const colors[] = { "#c0392b", "#2c7fb8", "#8e44ad", "#d35400",
					      "#16a085", "#7f8c8d", "#2e8b57", "#f1c40f" };
	double x = SVG_X0, w;
	uint64_t sum = 0;
	char b[24];
	int i;

	if (!whole)
		return;
	fprintf(f,
		"<svg class=\"filled\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d 56\" "
		"width=\"%d\" height=\"56\" role=\"img\" aria-label=\"what filled the memory\" "
		"font-family=\"system-ui,sans-serif\" font-size=\"11\">\n",
		SVG_W, SVG_W);
	for (i = 0; i <= n; i++) {
		uint64_t v = i < n ? bytes[i] : whole > sum ? whole - sum : 0;
		const char *name = i < n ? names[i] : "other";

		if (i < n)
			sum += v;
		if (!v)
			continue;
		w = (double)SVG_PW * (double)v / (double)whole;
		timefmt__bytes(b, sizeof(b), v);
		/* our part names and figures only: nothing here is the kernel's text */
		fprintf(f,
			"<g><title>%s %s (%.1f%%)</title><rect x=\"%.1f\" y=\"4\" width=\"%.1f\" "
			"height=\"24\" fill=\"%s\"/>",
			name, b, 100.0 * (double)v / (double)whole, x, w, colors[i % 8]);
		if (w > 60)
			fprintf(f, "<text x=\"%.1f\" y=\"20\" fill=\"#fff\">%s %s</text>", x + 4, name, b);
		fputs("</g>\n", f);
		x += w;
	}
	fprintf(f, "<text x=\"%d\" y=\"46\" fill=\"#555\">memory.stat as the kernel printed it, "
		   "as a share of the domain's usage</text>\n</svg>\n", SVG_X0);
}

/* ------------------------------------------------------------ markup */

/*
 * Our own sentences, written with Markdown's marks: `code`, *emphasis* and
 * **strong** become tags.  They never carry an untrusted string, nor go
 * into an attribute, so their apostrophes stay as they are; & < > and "
 * still become entities.
 */
static void html_prose(FILE *f, const char *s)
{
	bool code = false, em = false, strong = false;
	const char *ent;

	for (; *s; s++) {
		if (*s == '`') {
			fputs(code ? "</code>" : "<code>", f);
			code = !code;
		} else if (*s == '*' && !code && s[1] == '*') {
			fputs(strong ? "</strong>" : "<strong>", f);
			strong = !strong;
			s++;
		} else if (*s == '*' && !code) {
			fputs(em ? "</em>" : "<em>", f);
			em = !em;
		} else if (*s != '\'' && (ent = incident__html_entity(*s))) {
			fputs(ent, f);
		} else {
			fputc(*s, f);
		}
	}
}

/* Only Markdown tables need anything more of a code span. */
static void html_code_cell(FILE *f, const char *s, size_t maxlen, bool in_table)
{
	html_code(f, s, maxlen);
}

static void html_heading_open(FILE *f, int level)
{
	fprintf(f, "<h%d>", level);
}

static void html_heading_close(FILE *f, int level)
{
	fprintf(f, "</h%d>\n", level);
}

static void html_table_open(FILE *f, const char *cls, const struct report_column *cols,
			    size_t ncols)
{
	size_t i;

	if (cls)
		fprintf(f, "<table class=\"%s\">\n", cls);
	else
		fputs("<table>\n", f);
	if (!cols)
		return;
	fputs("<tr>", f);
	for (i = 0; i < ncols; i++)
		fprintf(f, "<th>%s</th>", cols[i].title);
	fputs("</tr>\n", f);
}

static void html_kmsg_open(FILE *f, const struct kmsg_log *k, const struct kmsg_block *b)
{
	fputs("<pre class=\"kmsg\">", f);
}

static void html_kmsg_close(FILE *f, const struct kmsg_log *k, const struct kmsg_block *b)
{
	fputs("</pre>\n", f);
}

const struct report_markup report__html = {
	.para_open = "<p>",
	.para_close = "</p>\n",
	.list_open = "<ul>\n",
	.item_open = "<li>",
	.item_close = "</li>\n",
	.list_close = "</ul>\n",
	.warn_open = "<p class=\"warn\">",
	.warn_break = " ",
	.warn_close = "</p>\n",
	.row_open = "<tr>",
	.row_close = "</tr>\n",
	.key_open = "<th>",
	.key_close = "</th>",
	.cell_open = "<td>",
	.num_cell_open = "<td class=\"n\">",
	.cell_close = "</td>",
	.empty_cell = "<td></td>",
	.table_close = "</table>\n",

	.kmsg_heading_level = 3,
	.outcome_row = true,
	.incidents_heading_always = true,

	.doc_open = html_doc_open,
	.doc_close = html_doc_close,
	.incident_open = html_incident_open,
	.incident_close = html_incident_close,
	.heading_open = html_heading_open,
	.heading_close = html_heading_close,
	.table_open = html_table_open,
	.prose = html_prose,
	.text = html_text,
	.code = html_code_cell,
	.outcome = badge,
	.incident_number = html_incident_number,
	.timeline = svg_timeline,
	.histogram = svg_hist,
	.bar = svg_bar,
	.kmsg_open = html_kmsg_open,
	.kmsg_close = html_kmsg_close,
};
