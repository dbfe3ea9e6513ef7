// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The HTML postmortem: one file, no network, no script.  A Content
 * Security Policy forbids scripts and remote loads outright, so even an
 * escaping bug could not turn a hostile comm into running code; the
 * escaping below is still complete (text and attribute contexts alike:
 * & < > " ' all become entities, control bytes and non-UTF-8 become
 * visible \xNN).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "event.h"
#include "report.h"
#include "timefmt.h"

static void html_text(FILE *f, const char *str, size_t maxlen)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strnlen(str, maxlen), i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t l;

		switch (c) {
		case '&':
			fputs("&amp;", f);
			i++;
			continue;
		case '<':
			fputs("&lt;", f);
			i++;
			continue;
		case '>':
			fputs("&gt;", f);
			i++;
			continue;
		case '"':
			fputs("&quot;", f);
			i++;
			continue;
		case '\'':
			fputs("&#39;", f);
			i++;
			continue;
		}
		l = c < 0x20 || c == 0x7f ? 0 : render__utf8_len(s + i, n - i);
		if (!l) {
			fprintf(f, "\\x%02x", c);
			i++;
			continue;
		}
		fwrite(s + i, 1, l, f);
		i += l;
	}
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

static const char *rung_title(uint32_t rung)
{
	static const char *const names[] = { "unknown", "fentry/fexit", "kprobe", "tracepoint" };

	return rung < 4 ? names[rung] : names[0];
}

static void head(FILE *f, const struct report *r, const struct report_source *src)
{
	const struct oomrec_header *h = &r->hdr;
	char a[48], b[48], d[16];

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>OOM postmortem: ",
	      f);
	html_text(f, h->hostname, sizeof(h->hostname));
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>OOM postmortem: ", style);
	html_code(f, h->hostname, sizeof(h->hostname));
	fputs("</h1>\n<table class=\"meta\">\n<tr><th>Recording</th><td>", f);
	html_code(f, src->name, 4096);
	fputs("</td></tr>\n<tr><th>Host</th><td>", f);
	html_code(f, h->hostname, sizeof(h->hostname));
	fputs(" (", f);
	html_code(f, h->machine, sizeof(h->machine));
	fputs("), kernel ", f);
	html_code(f, h->kernel_release, sizeof(h->kernel_release));
	fputs("</td></tr>\n<tr><th>Boot id</th><td>", f);
	html_code(f, h->boot_id, sizeof(h->boot_id));
	fputs("</td></tr>\n", f);
	if (src->first_ts_ns) {
		report__utc(a, sizeof(a), report__real_ns(src->first_ts_ns, h->mono_to_real_ns));
		report__utc(b, sizeof(b), report__real_ns(src->last_ts_ns, h->mono_to_real_ns));
		timefmt__duration(d, sizeof(d), src->last_ts_ns - src->first_ts_ns);
		fprintf(f, "<tr><th>Events</th><td>%" PRIu64 ", from %s to %s (%s)</td></tr>\n",
			src->events, a, b, d);
	} else {
		fputs("<tr><th>Events</th><td>none</td></tr>\n", f);
	}
	report__utc(a, sizeof(a), report__real_ns(h->start_mono_ns, h->mono_to_real_ns));
	fprintf(f, "<tr><th>Recording started</th><td>%s</td></tr>\n", a);
	fprintf(f, "<tr><th>Attach rung</th><td>%s</td></tr>\n", rung_title(h->rung));
	fputs("<tr><th>Recorded by</th><td>oomreap-trace ", f);
	html_code(f, h->tool_version, sizeof(h->tool_version));
	fputs("</td></tr>\n<tr><th>Kernel log</th><td>", f);
	if (src->kmsg_name) {
		html_code(f, src->kmsg_name, 4096);
		fprintf(f, ", %" PRIu64 " lines", src->kmsg_lines);
	} else {
		fputs("none (record with /dev/kmsg capture, or pass <code>--kmsg FILE</code>)", f);
	}
	fputs("</td></tr>\n", f);
	if (r->opts.have_since || r->opts.have_until) {
		fputs("<tr><th>Window</th><td>kills ", f);
		if (r->opts.have_since) {
			report__utc(a, sizeof(a), r->opts.since_real_ns);
			fprintf(f, "from %s ", a);
		}
		if (r->opts.have_until) {
			report__utc(a, sizeof(a), r->opts.until_real_ns);
			fprintf(f, "until %s ", a);
		}
		fprintf(f, "(%" PRIu64 " incidents outside)</td></tr>\n", r->filtered);
	}
	fputs("</table>\n", f);
	if (src->problem) {
		fputs("<p class=\"warn\"><strong>Warning: the recording is not whole.</strong> ", f);
		html_code(f, src->problem, 1024);
		fputs(" Everything up to that point is in this report.</p>\n", f);
	}
	if (src->ringbuf_lost || src->unrecorded)
		fprintf(f,
			"<p class=\"warn\"><strong>Warning: events were lost</strong> (%" PRIu64
			" in the ring buffer, %" PRIu64
			" not written to the recording): incidents open at the time are marked "
			"incomplete.</p>\n",
			src->ringbuf_lost, src->unrecorded);
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

	report__offset(off, sizeof(off), base, t);
	fprintf(f, "<title>%s ", off);
	html_text(f, label, 256);
	fputs("</title>", f);
}

static void svg_timeline(FILE *f, const struct oomreap_incident *inc, const struct render_ctx *rc,
			 size_t num)
{
	uint64_t base = inc->kill_ns ? inc->kill_ns : inc->timeline[0].ts_ns, end = base, span,
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
	/* legend */
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
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%d\" r=\"6\" fill=\"#c0392b\"/>", x, track);
			break;
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

/* A log2 histogram as bars, same buckets as the text summary. */
static void svg_hist(FILE *f, const char *title, const char *cls, const struct log2_hist *h)
{
	int first = -1, last = -1, i, n;
	uint64_t peak = 0;
	double bw;

	if (!h->count)
		return;
	for (i = 0; i < LOG2_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (h->slots[i] > peak)
			peak = h->slots[i];
	}
	n = last - first + 1;
	bw = (double)SVG_PW / n;
	if (bw > 64)
		bw = 64; /* a lone bucket is a bar, not a wall */
	fprintf(f, "<h3>%s</h3>\n", title);
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

static void row_cells(FILE *f, const struct report *r, const struct report_row *row)
{
	char when[48], d[16], fr[16];

	report__utc(when, sizeof(when), report__real_ns(row->sort_ns, r->rc.mono_to_real_ns));
	timefmt__duration(d, sizeof(d), row->done_ns);
	timefmt__bytes(fr, sizeof(fr), row->freed_bytes);
	fprintf(f, "<td>%s</td><td class=\"n\">%u</td><td>", when, row->pid);
	if (row->have_identity)
		html_code(f, row->comm, sizeof(row->comm));
	else
		fputs("?", f);
	fputs("</td><td>", f);
	if (row->cgroup != UINT32_MAX)
		html_code(f, r->strings[row->cgroup], OOMREAP_CGROUP_PATH_LEN);
	else
		fputs("?", f);
	fputs("</td><td>", f);
	badge(f, row->outcome);
	fprintf(f, "%s</td><td class=\"n\">%s</td><td class=\"n\">%u</td><td class=\"n\">%s</td>",
		row->incomplete ? " (incomplete)" : "", d, row->trylock_failures, fr);
}

static void summary(FILE *f, const struct report *r)
{
	const struct summary *s = &r->sum;
	size_t idx[REPORT_WORST], n = 0, i, j;
	char fr[16];

	timefmt__bytes(fr, sizeof(fr),
		       (s->freed_pages[OOMREAP_RSS_ANON] + s->freed_pages[OOMREAP_RSS_FILE] +
			s->freed_pages[OOMREAP_RSS_SHMEM]) *
			       r->rc.page_size);
	fputs("<h2>Summary</h2>\n<table>\n", f);
	fprintf(f, "<tr><th>OOM kills (incidents)</th><td class=\"n\">%zu</td></tr>\n", r->nrows);
	fprintf(f, "<tr><th>Reaped by the oom_reaper</th><td class=\"n\">%" PRIu64 "</td></tr>\n",
		s->incidents[OUTCOME_REAPED]);
	fprintf(f,
		"<tr><th>Reaper gave up (&quot;unable to reap&quot;)</th><td class=\"n\">%" PRIu64
		"</td></tr>\n",
		s->incidents[OUTCOME_GAVE_UP]);
	fprintf(f, "<tr><th>Partly reaped, then gave up</th><td class=\"n\">%" PRIu64 "</td></tr>\n",
		s->incidents[OUTCOME_PARTIAL]);
	fprintf(f, "<tr><th>Victim exited on its own</th><td class=\"n\">%" PRIu64 "</td></tr>\n",
		s->incidents[OUTCOME_VICTIM_EXITED]);
	fprintf(f, "<tr><th>Still open at the end</th><td class=\"n\">%" PRIu64 "</td></tr>\n",
		s->incidents[OUTCOME_OPEN]);
	fprintf(f, "<tr><th>Memory freed by the reaper</th><td class=\"n\">%s</td></tr>\n", fr);
	fprintf(f, "<tr><th>Reaper trylock failures</th><td class=\"n\">%" PRIu64 "</td></tr>\n",
		s->trylock_failures);
	if (s->incomplete)
		fprintf(f,
			"<tr><th>Incomplete incidents (events lost)</th><td class=\"n\">%" PRIu64
			"</td></tr>\n",
			s->incomplete);
	fputs("</table>\n", f);

	/* The same worst-first selection as the Markdown renderer. */
	for (i = 0; i < r->nrows; i++) {
		uint64_t v = r->rows[i].done_ns;

		if (v == LATENCY_NONE)
			continue;
		if (n < REPORT_WORST)
			idx[n++] = i;
		else if (v > r->rows[idx[n - 1]].done_ns)
			idx[n - 1] = i;
		else
			continue;
		for (j = n - 1; j > 0 && r->rows[idx[j]].done_ns > r->rows[idx[j - 1]].done_ns; j--) {
			size_t t = idx[j];

			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	}
	if (n) {
		fputs("<h3>Worst latencies (kill until the incident was over)</h3>\n<table>\n"
		      "<tr><th>Killed</th><th>PID</th><th>Comm</th><th>Cgroup</th><th>Outcome</th>"
		      "<th>Done in</th><th>Trylock fails</th><th>Freed</th></tr>\n",
		      f);
		for (i = 0; i < n; i++) {
			fputs("<tr>", f);
			row_cells(f, r, &r->rows[idx[i]]);
			fputs("</tr>\n", f);
		}
		fputs("</table>\n", f);
	}
	svg_hist(f, "Reap latency (kill until the reaper finished)", "reap", &s->reap_latency_ms);
	svg_hist(f, "Exit latency (kill until the victim exited)", "exit", &s->exit_latency_ms);
}

static void design(FILE *f)
{
	fputs("<h2>How the OOM reaper works</h2>\n"
	      "<p>When memory runs out, the OOM killer picks a victim, sends it SIGKILL and marks "
	      "it as an OOM victim. A killed task frees its memory only when it exits, and it "
	      "may not exit soon: a thread can be stuck in an uninterruptible sleep, or another "
	      "process may share its address space. The kernel's <code>oom_reaper</code> thread "
	      "exists for that case: it unmaps the victim's anonymous and private memory without "
	      "waiting for the victim.</p>\n<ul>\n"
	      "<li>Since 5.18 (and in stable backports) the reaper waits 2 s "
	      "(<code>OOM_REAPER_DELAY</code>) after the kill, so that a victim exiting anyway "
	      "does it by itself; most victims do, and the reaper then does nothing.</li>\n"
	      "<li>It needs the victim's <code>mmap_lock</code> for reading and only "
	      "<em>tries</em> it (<code>mmap_read_trylock()</code>), up to 10 times "
	      "(<code>MAX_OOM_REAP_RETRIES</code>), sleeping about 100 ms (<code>HZ/10</code>) "
	      "after each failure. The trylock fails while another task holds the lock for "
	      "writing, or while a writer waits behind a reader, e.g. a thread blocked in a page "
	      "fault or in <code>/proc/PID/mem</code> with <code>mmap()</code>/<code>munmap()"
	      "</code> queued behind it.</li>\n"
	      "<li>After 10 failures the kernel logs &quot;oom_reaper: unable to reap pid:N&quot; "
	      "and sets <code>MMF_OOM_SKIP</code>: the OOM killer stops waiting for this victim "
	      "and may kill another task, while the stuck victim's memory stays in use.</li>\n"
	      "</ul>\n",
	      f);
}

static void kmsg_line(FILE *f, const struct kmsg_log *k, size_t i)
{
	const struct kmsg_entry *e = &k->v[i];

	fprintf(f, "[%5" PRIu64 ".%06" PRIu64 "] ", e->ts_ns / UINT64_C(1000000000),
		e->ts_ns / 1000 % 1000000);
	html_text(f, kmsg_log__text(k, e), e->text_len);
	fputc('\n', f);
}

static void kmsg_block(FILE *f, const struct kmsg_log *k, const struct oomreap_incident *inc,
		       uint64_t base)
{
	struct kmsg_block b;
	size_t i, n;

	if (!k)
		return;
	fputs("<h3>Kernel log</h3>\n", f);
	if (!kmsg_log__find_block(k, inc->pid, inc->tgid, base, &b)) {
		fprintf(f, "<p>The kernel log has no lines about pid %u around this kill.</p>\n",
			inc->pid);
		return;
	}
	fputs("<pre class=\"kmsg\">", f);
	if (b.last >= b.first) {
		n = b.last - b.first + 1;
		for (i = b.first; i <= b.last; i++) {
			if (n > REPORT_KMSG_HEAD + REPORT_KMSG_TAIL && i == b.first + REPORT_KMSG_HEAD) {
				fprintf(f, "[... %zu lines omitted ...]\n",
					n - REPORT_KMSG_HEAD - REPORT_KMSG_TAIL);
				i = b.last - REPORT_KMSG_TAIL;
				continue;
			}
			kmsg_line(f, k, i);
		}
	}
	for (i = 0; i < (size_t)b.nextra; i++)
		kmsg_line(f, k, b.extra[i]);
	fputs("</pre>\n", f);
}

static void bytes4(FILE *f, const uint64_t pages[OOMREAP_RSS_NR], uint64_t ps)
{
	char a[16], b[16], c[16], d[16];

	timefmt__bytes(a, sizeof(a), pages[OOMREAP_RSS_ANON] * ps);
	timefmt__bytes(b, sizeof(b), pages[OOMREAP_RSS_FILE] * ps);
	timefmt__bytes(c, sizeof(c), pages[OOMREAP_RSS_SHMEM] * ps);
	timefmt__bytes(d, sizeof(d), pages[OOMREAP_RSS_SWAP] * ps);
	fprintf(f, "anon %s, file %s, shmem %s, swap %s", a, b, c, d);
}

static void blockers(FILE *f, const struct oomreap_incident *inc, const struct render_ctx *rc)
{
	char where[160];
	uint32_t i, j;

	if (!inc->nblockers)
		return;
	fputs("<h3>Who held the lock</h3>\n<p>At each failed trylock the victim's "
	      "<code>mmap_lock</code> was read: its owner and the tasks queued on it. A writer "
	      "queued behind a reader makes every new reader wait, the reaper's trylock "
	      "included.</p>\n<table class=\"blockers\">\n<tr><th>Failed attempts</th><th>Task"
	      "</th><th>PID</th><th>TGID</th><th>Comm</th><th>Where (kernel stack)</th></tr>\n",
	      f);
	for (i = 0; i < inc->nblockers; i++) {
		const struct blocker_snapshot *bs = &inc->blockers[i];
		uint32_t n = bs->ntasks < 1 + OOMREAP_MAX_WAITERS ? bs->ntasks : 1 + OOMREAP_MAX_WAITERS;

		for (j = 0; j < n; j++) {
			const struct oomreap_blocked_task *bt = &bs->tasks[j];

			if (j == 0)
				fprintf(f, "<tr><td>%u to %u (%u)</td>", bs->first_attempt,
					bs->last_attempt, bs->count);
			else
				fputs("<tr><td></td>", f);
			fprintf(f, "<td>%s</td><td class=\"n\">%u</td><td class=\"n\">%u</td><td>",
				report__role_title(bt->role), bt->pid, bt->tgid);
			html_code(f, bt->comm, sizeof(bt->comm));
			fputs("</td><td>", f);
			render__task_where(where, sizeof(where), bt, rc->ksyms);
			if (where[0])
				html_code(f, where, sizeof(where));
			fputs("</td></tr>\n", f);
		}
		if (!n)
			fprintf(f, "<tr><td>%u to %u (%u)</td><td>owner unknown</td><td></td><td></td>"
				   "<td></td><td></td></tr>\n",
				bs->first_attempt, bs->last_attempt, bs->count);
	}
	if (inc->blockers_dropped)
		fprintf(f, "<tr><td></td><td>%u more pictures not kept</td><td></td><td></td><td>"
			   "</td><td></td></tr>\n",
			inc->blockers_dropped);
	fputs("</table>\n<p>Kernel stacks of these tasks are in <code>oomreap-trace replay "
	      "--json</code> (<code>blockers</code>).</p>\n",
	      f);
}

static void incident(FILE *f, const struct report *r, size_t num,
		     const struct oomreap_incident *inc, const struct kmsg_log *k)
{
	const struct render_ctx *rc = &r->rc;
	uint64_t base = inc->kill_ns ? inc->kill_ns : inc->timeline[0].ts_ns;
	char when[48], buf[128], det[128], off[32], tv[16], pt[16];
	uint32_t i, attempt = 0;

	if (!inc->kill_ns && !inc->timeline_len)
		base = inc->closed_ns;
	fprintf(f, "<section class=\"incident\" id=\"incident-%zu\">\n<h2>Incident %zu: ", num, num);
	if (inc->have_identity)
		html_code(f, inc->comm, sizeof(inc->comm));
	else
		fputs("unknown victim", f);
	fprintf(f, " (pid %u): %s</h2>\n<table class=\"meta\">\n", inc->pid,
		report__outcome_title((uint8_t)inc->outcome));
	report__utc(when, sizeof(when), report__real_ns(base, rc->mono_to_real_ns));
	fprintf(f, "<tr><th>%s</th><td>%s (monotonic %" PRIu64 ".%09" PRIu64 " s)</td></tr>\n",
		inc->kill_ns ? "Killed at" : "First seen", when, base / UINT64_C(1000000000),
		base % UINT64_C(1000000000));
	fputs("<tr><th>Outcome</th><td>", f);
	badge(f, (uint8_t)inc->outcome);
	fprintf(f, "%s%s</td></tr>\n", inc->incomplete ? " (incomplete)" : "",
		inc->evicted ? " (evicted)" : "");
	fprintf(f, "<tr><th>Victim</th><td>pid %u, tgid %u", inc->pid, inc->tgid);
	if (inc->have_identity) {
		fputs(", comm ", f);
		html_code(f, inc->comm, sizeof(inc->comm));
		fprintf(f, ", uid %u, oom_score_adj %d", inc->uid, inc->oom_score_adj);
	}
	fputs("</td></tr>\n<tr><th>Memory cgroup</th><td>", f);
	if (inc->have_identity) {
		html_code(f, inc->cgroup_path, sizeof(inc->cgroup_path));
		fprintf(f, " (cgroup v%d, id %" PRIu64 "%s)", inc->cgroup_hierarchy == 0 ? 2 : 1,
			inc->cgroup_id, inc->cgroup_truncated ? ", path truncated" : "");
	} else {
		fputs("unknown", f);
	}
	fputs("</td></tr>\n", f);
	if (inc->trigger_pid) {
		fprintf(f, "<tr><th>Triggered by</th><td>pid %u, comm ", inc->trigger_pid);
		html_code(f, inc->trigger_comm, sizeof(inc->trigger_comm));
		fputs("</td></tr>\n", f);
	}
	if (inc->have_context) {
		fprintf(f,
			"<tr><th>OOM</th><td>constraint %s, order %d, %" PRIu64 " pages in the domain",
			constraint__name(inc->constraint), inc->order, inc->totalpages);
		if (inc->domain_cgroup_path[0]) {
			fputs(", domain ", f);
			html_code(f, inc->domain_cgroup_path, sizeof(inc->domain_cgroup_path));
		}
		fputs("</td></tr>\n", f);
	} else {
		fputs("<tr><th>OOM</th><td>constraint unknown (the tracepoint rung cannot see "
		      "<code>oom_control</code>)</td></tr>\n",
		      f);
	}
	if (inc->have_rss_at_kill) {
		timefmt__bytes(tv, sizeof(tv), inc->total_vm_pages * rc->page_size);
		timefmt__bytes(pt, sizeof(pt), inc->pgtables_bytes);
		fputs("<tr><th>Memory at the kill</th><td>", f);
		bytes4(f, inc->rss_at_kill_pages, rc->page_size);
		fprintf(f, "; total-vm %s, page tables %s</td></tr>\n", tv, pt);
	}
	fputs("<tr><th>Freed by the reaper</th><td>", f);
	bytes4(f, inc->freed_pages, rc->page_size);
	fprintf(f, "</td></tr>\n<tr><th>Reaper attempts</th><td>%u (%u trylock failures",
		inc->attempts, inc->trylock_failures);
	if (inc->unknown_skips)
		fprintf(f, ", %u unclassified skips", inc->unknown_skips);
	fputs(")</td></tr>\n", f);
	timefmt__duration(det, sizeof(det),
			  inc->kill_ns && inc->closed_ns >= inc->kill_ns ? inc->closed_ns - inc->kill_ns
									 : LATENCY_NONE);
	fprintf(f, "<tr><th>Over after</th><td>%s</td></tr>\n</table>\n", det);

	if (inc->timeline_len)
		svg_timeline(f, inc, rc, num);
	fputs("<h3>What happened</h3>\n", f);
	report__explain(f, inc, rc, true);
	blockers(f, inc, rc);

	fputs("<h3>Timeline</h3>\n<table class=\"events\">\n<tr><th>After the kill</th><th>Event</th>"
	      "<th>Details</th></tr>\n",
	      f);
	for (i = 0; i < inc->timeline_len; i++) {
		const struct timeline_entry *te = &inc->timeline[i];
		const char *label = report__event_label(te, &attempt, buf, sizeof(buf));

		report__offset(off, sizeof(off), base, te->ts_ns);
		report__event_detail(inc, i, rc, det, sizeof(det));
		fprintf(f, "<tr><td class=\"n\">%s</td><td>", off);
		html_text(f, label, sizeof(buf));
		fputs("</td><td>", f);
		html_text(f, det, sizeof(det));
		fputs("</td></tr>\n", f);
	}
	if (inc->timeline_dropped)
		fprintf(f, "<tr><td></td><td>%u more events not kept</td><td></td></tr>\n",
			inc->timeline_dropped);
	if (inc->closed_ns && inc->outcome != OUTCOME_OPEN) {
		report__offset(off, sizeof(off), base, inc->closed_ns);
		fprintf(f, "<tr><td class=\"n\">%s</td><td>over: %s</td><td></td></tr>\n", off,
			outcome__name(inc->outcome));
	}
	fputs("</table>\n", f);
	kmsg_block(f, k, inc, base);
	fputs("</section>\n", f);
}

int report__write_html(struct report *r, FILE *f, const struct report_source *src,
		       const struct kmsg_log *kmsg)
{
	size_t i;

	head(f, r, src);
	summary(f, r);
	design(f);
	fputs("<h2>All incidents</h2>\n", f);
	if (r->nrows) {
		fputs("<table class=\"incidents\">\n<tr><th>#</th><th>Killed</th><th>PID</th>"
		      "<th>Comm</th><th>Cgroup</th><th>Outcome</th><th>Done in</th>"
		      "<th>Trylock fails</th><th>Freed</th></tr>\n",
		      f);
		for (i = 0; i < r->nrows; i++) {
			if (i < r->ndetails)
				fprintf(f, "<tr><td class=\"n\"><a href=\"#incident-%zu\">%zu</a></td>",
					i + 1, i + 1);
			else
				fprintf(f, "<tr><td class=\"n\">%zu</td>", i + 1);
			row_cells(f, r, &r->rows[i]);
			fputs("</tr>\n", f);
		}
		fputs("</table>\n", f);
	} else {
		fprintf(f, "<p>No OOM kill in this recording%s</p>\n",
			r->filtered ? " within the window." : ".");
	}
	if (r->nrows > r->ndetails)
		fprintf(f,
			"<p>Details follow for the first %zu of %zu incidents; narrow the window with "
			"<code>--since</code> and <code>--until</code> for the others.</p>\n",
			r->ndetails, r->nrows);
	for (i = 0; i < r->ndetails; i++)
		incident(f, r, i + 1, &r->details[i].inc, kmsg);
	fputs("</body>\n</html>\n", f);
	return 0;
}
