// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Postmortem reports (src/report/): time arguments, ordering and bounds of
 * the collector, the window filter, and above all
 * escaping: a victim chooses its comm and cgroup names, and the kernel log
 * quotes them, so none of it may become Markdown or HTML markup.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rec/kmsg.h"
#include "report/report.h"
#include "report/time.h"
#include "core/incident.h"
#include "core/timefmt.h"
#include "core/tracker.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define T0 (1000 * SEC)
#define REAL0 (1795631400ll * 1000000000ll) /* 2026-11-25 18:30:00 UTC */

static void header(struct oomrec_header *h)
{
	memset(h, 0, sizeof(*h));
	strcpy(h->tool_version, "test");
	strcpy(h->kernel_release, "6.18.0");
	strcpy(h->hostname, "host<b>");
	strcpy(h->boot_id, "b");
	strcpy(h->machine, "x86_64");
	h->page_size = 4096;
	h->mono_to_real_ns = REAL0 - (int64_t)T0;
	h->start_mono_ns = T0;
	h->rung = 3;
}

static struct oomreap_incident incident(uint32_t pid, uint64_t kill, enum oomreap_outcome o,
					const char *comm, const char *cgroup)
{
	struct oomreap_incident inc;

	memset(&inc, 0, sizeof(inc));
	inc.victim_seq = pid;
	inc.pid = inc.tgid = pid;
	inc.have_identity = true;
	snprintf(inc.comm, sizeof(inc.comm), "%s", comm);
	snprintf(inc.cgroup_path, sizeof(inc.cgroup_path), "%s", cgroup);
	inc.kill_ns = kill;
	inc.closed_ns = kill + 5 * MS;
	inc.exit_ns = kill + 5 * MS;
	inc.outcome = o;
	inc.cgroup_hierarchy = 0;
	inc.timeline_len = 2;
	inc.timeline[0].ts_ns = kill;
	inc.timeline[0].type = OOMREAP_EV_KILL;
	inc.timeline[1].ts_ns = kill + 5 * MS;
	inc.timeline[1].type = OOMREAP_EV_VICTIM_EXIT;
	for (int i = 0; i < OOMREAP_RSS_NR; i++)
		inc.timeline[0].rss_pages[i] = inc.timeline[1].rss_pages[i] = -1;
	return inc;
}

static char *render(struct report *r, const struct kmsg_log *k)
{
	struct oomrec_header h;
	struct report_source src = { .hdr = &h, .name = "rec`|<i>.oomrec" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	header(&h);
	if (k) {
		src.kmsg_name = "k.log";
		src.kmsg_lines = k->n;
	}
	assert_non_null(f);
	assert_int_equal(report__write(r, f, &src, k), 0);
	fclose(f);
	return buf;
}

static void test_parse_time(void **state)
{
	int64_t ns;
	bool rel;

	assert_int_equal(report__parse_time("+90", &ns, &rel), 0);
	assert_true(rel);
	assert_int_equal(ns, 90 * (int64_t)SEC);
	assert_int_equal(report__parse_time("+1.5m", &ns, &rel), 0);
	assert_int_equal(ns, 90 * (int64_t)SEC);
	assert_int_equal(report__parse_time("+250ms", &ns, &rel), 0);
	assert_int_equal(ns, 250 * (int64_t)MS);
	assert_int_equal(report__parse_time("@1795631400.5", &ns, &rel), 0);
	assert_false(rel);
	assert_int_equal(ns, REAL0 + 500 * (int64_t)MS);
	assert_int_equal(report__parse_time("2026-11-25T18:30:00Z", &ns, &rel), 0);
	assert_int_equal(ns, REAL0);
	assert_int_equal(report__parse_time("2026-11-25 19:30:00+01:00", &ns, &rel), 0);
	assert_int_equal(ns, REAL0);
	assert_int_equal(report__parse_time("2026-11-25T18:30", &ns, &rel), 0);
	assert_int_equal(ns, REAL0);
	assert_int_equal(report__parse_time("2026-11-25", &ns, &rel), 0);
	assert_int_equal(ns, REAL0 - (18 * 3600 + 30 * 60) * (int64_t)SEC);
	/* leap days exist where the calendar has them, and only there */
	assert_int_equal(report__parse_time("2028-02-29", &ns, &rel), 0);
	assert_int_equal(report__parse_time("2000-02-29", &ns, &rel), 0);
	assert_int_equal(report__parse_time("2026-01-31T23:59:59Z", &ns, &rel), 0);

	static const char *const bad[] = { "", "+", "+5x", "@", "@12a", "2026-13-01", "2026-11-25T",
					   "2026-11-25T18", "yesterday", "2026-11-25T18:30:00+25:00",
					   "+99999999999999999999", "2026-02-29", "2026-02-30",
					   "2026-04-31", "2026-06-31T00:00Z", "2100-02-29",
					   "2026-11-25T24:00", "2026-11-25T18:60" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(report__parse_time(bad[i], &ns, &rel), -EINVAL);
}

/* Numbers from a file saturate, never wrap (docs/RECORD-FORMAT.md, Bounds). */
static void test_saturation(void **state)
{
	uint64_t big[OOMREAP_RSS_NR] = { 0 }, small[OOMREAP_RSS_NR] = { 0 };
	const int64_t bound = INT64_C(1) << 62;

	(void)state;
	big[OOMREAP_RSS_ANON] = big[OOMREAP_RSS_FILE] = big[OOMREAP_RSS_SHMEM] = INT64_MAX;
	small[OOMREAP_RSS_ANON] = 1;
	small[OOMREAP_RSS_FILE] = 2;
	small[OOMREAP_RSS_SHMEM] = 3;
	small[OOMREAP_RSS_SWAP] = 100; /* swap entries are not memory */
	assert_true(incident__freed_bytes(big, 4096) == UINT64_MAX);
	assert_true(incident__freed_bytes(small, 4096) == 6 * 4096);
	assert_true(incident__bytes(UINT64_MAX / 2, 4096) == UINT64_MAX);
	/* stamp and offset both at their bound: one saturated time, also in the report */
	assert_true(timefmt__real_ns((uint64_t)bound, bound) == INT64_MAX / 2);
	assert_true(report__real_ns((uint64_t)bound, bound) == timefmt__real_ns((uint64_t)bound, bound));
	assert_true(timefmt__real_ns(0, -bound) == -(INT64_MAX / 2));
	assert_true(timefmt__real_ns(5, 7) == 12);
}

static void test_order_and_detail_cap(void **state)
{
	struct oomrec_header h;
	struct report_opts o = { .format = REPORT_MD, .detail_max = 2 };
	struct report *r;
	struct oomreap_incident inc;
	char *md, *p1, *p2, *p3;

	header(&h);
	r = report__new(&o, &h);
	/* closed out of kill order, as a 3 s give-up and quick exits would */
	inc = incident(300, T0 + 3 * SEC, OUTCOME_VICTIM_EXITED, "third", "/c");
	report__on_incident(&inc, r);
	inc = incident(100, T0 + 1 * SEC, OUTCOME_GAVE_UP, "first", "/a");
	inc.closed_ns = T0 + 4 * SEC;
	inc.attempts = inc.trylock_failures = 10;
	report__on_incident(&inc, r);
	inc = incident(200, T0 + 2 * SEC, OUTCOME_VICTIM_EXITED, "second", "/a");
	report__on_incident(&inc, r);
	inc = incident(50, T0 + 5 * SEC, OUTCOME_OPEN, "fifth", "/a");
	report__on_incident(&inc, r);
	assert_int_equal(report__count(r), 4);
	md = render(r, NULL);
	p1 = strstr(md, "## Incident 1: `first`");
	p2 = strstr(md, "## Incident 2: `second`");
	assert_non_null(p1);
	assert_non_null(p2);
	assert_true(p1 < p2);
	assert_null(strstr(md, "## Incident 3"));
	assert_non_null(strstr(md, "Details follow for the first 2 of 4 incidents"));
	/* the table lists all, in kill order */
	p1 = strstr(md, "| 1 | 2026-11-25 18:30:01.000 UTC | the kernel | 100 |");
	p3 = strstr(md, "| 3 | 2026-11-25 18:30:03.000 UTC | the kernel | 300 |");
	assert_non_null(p1);
	assert_non_null(p3);
	/* summary */
	assert_non_null(strstr(md, "| Incidents | 4 |"));
	assert_non_null(strstr(md, "| OOM kills (the kernel's, seen or read in its log) | 4 |"));
	assert_non_null(strstr(md, "| Reaper gave up (\"unable to reap\") | 1 |"));
	assert_non_null(strstr(md, "| Reaper trylock failures | 10 |"));
	/* worst first: the 3 s give-up */
	p1 = strstr(md, "### Worst latencies");
	assert_non_null(p1);
	assert_non_null(strstr(p1, "| 2026-11-25 18:30:01.000 UTC | the kernel | 100 | `first`"));
	assert_true(strstr(p1, "`first`") < strstr(p1, "`second`"));
	assert_non_null(strstr(md, "unable to reap pid:100"));
	free(md);
	report__free(r);
}

/*
 * One aggregation: the report's summary counts kills and freed memory as
 * the exit summary and the metrics do (core/summary.c): a kill joined
 * halfway from the kernel log counts, an incident whose kill nobody knows
 * does not, and a reap not read is said, never shown as 0 freed.
 */
static void test_summary_counts_as_the_summary(void **state)
{
	struct oomrec_header h;
	struct report_opts o = { .format = REPORT_MD, .detail_max = 4 };
	struct report *r;
	struct oomreap_incident inc;
	char *md;

	(void)state;
	header(&h);
	r = report__new(&o, &h);
	inc = incident(100, T0 + 1 * SEC, OUTCOME_REAPED, "seen", "/a");
	inc.freed_pages[OOMREAP_RSS_ANON] = 256;
	report__on_incident(&inc, r);
	inc = incident(200, 0, OUTCOME_REAPED, "joined", "/a");
	inc.have_identity = false;
	inc.identity_from_log = true;
	inc.kill_log_ns = T0 + 2 * SEC;
	inc.freed_unread = true;
	report__on_incident(&inc, r);
	inc = incident(300, 0, OUTCOME_GAVE_UP, "unknown", "/a");
	inc.have_identity = false;
	report__on_incident(&inc, r);
	md = render(r, NULL);
	assert_non_null(strstr(md, "| Incidents | 3 |"));
	assert_non_null(strstr(md, "| OOM kills (the kernel's, seen or read in its log) | 2 |"));
	assert_non_null(strstr(md, "| Memory freed by the reaper | 1.0MiB, and by 1 reap not read |"));
	free(md);
	report__free(r);
}

/*
 * The kernel's kills and the daemons' on one time axis, and a section per
 * killer: its kills, what became of its victims' memory, its
 * process_mrelease calls by how they failed.  A killer's name is the
 * operator's (--killer NAME=PATH): escaped like any other string.
 */
static struct oomreap_incident killed_by(uint32_t pid, uint64_t kill, enum oomreap_outcome o,
					 const char *killer, uint32_t method)
{
	struct oomreap_incident inc = incident(pid, kill, o, "uhog", "/u");

	inc.kind = INCIDENT_USERSPACE;
	snprintf(inc.uk.killer_name, sizeof(inc.uk.killer_name), "%s", killer);
	inc.uk.method = method;
	return inc;
}

static void test_userspace_killers(void **state)
{
	struct oomrec_header h;
	struct report_opts o = { .format = REPORT_MD, .detail_max = 8 };
	struct report *r;
	struct oomreap_incident inc;
	char *md;

	(void)state;
	header(&h);
	r = report__new(&o, &h);
	report__on_incident(&(struct oomreap_incident){ 0 }, r); /* nothing: no identity */
	inc = incident(100, T0 + 1 * SEC, OUTCOME_REAPED, "memhog", "/a");
	report__on_incident(&inc, r);
	inc = killed_by(200, T0 + 2 * SEC, OUTCOME_MRELEASED, "earlyoom", OOMREAP_METHOD_KILL);
	inc.uk.calls_ok = 1;
	inc.uk.calls_failed = 1;
	inc.uk.calls_failed_by[MREL_ERR_EINVAL] = 1;
	report__on_incident(&inc, r);
	inc = killed_by(300, T0 + 3 * SEC, OUTCOME_MRELEASE_FAILED, "earlyoom",
			OOMREAP_METHOD_KILL);
	inc.uk.calls_failed = 2;
	inc.uk.calls_failed_by[MREL_ERR_EAGAIN] = 2;
	report__on_incident(&inc, r);
	inc = killed_by(400, T0 + 4 * SEC, OUTCOME_VICTIM_EXITED, "my|`killer",
			OOMREAP_METHOD_CGROUP_KILL);
	report__on_incident(&inc, r);
	md = render(r, NULL);
	assert_non_null(strstr(md, "| Kills by userspace memory killers (below) | 3 |"));
	assert_non_null(strstr(md, "## Userspace memory killers\n"));
	assert_non_null(strstr(md, "| `earlyoom` | kill | 2 | 1 | 1 EINVAL, 2 EAGAIN | 0 | 0 |"));
	assert_non_null(strstr(md, "| ``my\\|`killer`` | cgroup.kill | 1 | 0 | none | 1 | 0 |"));
	/* one time axis: the kernel's kill, then earlyoom's */
	assert_non_null(strstr(md, "| 1 | 2026-"));
	assert_non_null(strstr(md, "UTC | the kernel | 100 |"));
	assert_non_null(strstr(md, "UTC | `earlyoom` | 200 |"));
	assert_true(strstr(md, "| the kernel | 100 |") < strstr(md, "| `earlyoom` | 200 |"));
	free(md);
	report__free(r);

	/* no userspace kill: no section */
	header(&h);
	r = report__new(&o, &h);
	inc = incident(100, T0 + 1 * SEC, OUTCOME_REAPED, "memhog", "/a");
	report__on_incident(&inc, r);
	md = render(r, NULL);
	assert_null(strstr(md, "Userspace memory killers"));
	assert_null(strstr(md, "Kills by userspace"));
	free(md);
	report__free(r);
}

static void test_window(void **state)
{
	struct oomrec_header h;
	struct report_opts o = { .format = REPORT_MD,
				 .have_since = true,
				 .since_real_ns = REAL0 + 2 * (int64_t)SEC,
				 .have_until = true,
				 .until_real_ns = REAL0 + 3 * (int64_t)SEC };
	struct report *r;
	struct oomreap_incident inc;
	char *md;
	uint32_t i;

	header(&h);
	r = report__new(&o, &h);
	for (i = 1; i <= 5; i++) {
		inc = incident(i, T0 + i * SEC, OUTCOME_VICTIM_EXITED, "v", "/");
		report__on_incident(&inc, r);
	}
	assert_int_equal(report__count(r), 2);
	md = render(r, NULL);
	assert_non_null(strstr(md, "(3 incidents outside)"));
	free(md);
	report__free(r);
}

static const char HOSTILE_COMM[] = "<script>a`|*\x1b";
static const char HOSTILE_CG[] = "/x/<img src=x onerror=alert(1)>/``|'\"&amp;\xff";

static struct report *hostile_report(enum report_format fmt)
{
	struct oomrec_header h;
	struct report_opts o = { .format = fmt };
	struct report *r;
	struct oomreap_incident inc;

	header(&h);
	r = report__new(&o, &h);
	inc = incident(6661, T0 + SEC, OUTCOME_VICTIM_EXITED, HOSTILE_COMM, HOSTILE_CG);
	snprintf(inc.trigger_comm, sizeof(inc.trigger_comm), "</code><b>");
	inc.trigger_pid = 1;
	report__on_incident(&inc, r);
	return r;
}

static void hostile_kmsg(struct kmsg_log *k)
{
	static const char log[] =
		"[ 1000.990000] <script>a`|* invoked oom-killer: gfp_mask=0x0\n"
		"[ 1001.001000] Memory cgroup out of memory: Killed process 6661 (<script>a) "
		"```</pre><script>alert(2)</script>\n";

	kmsg_log__init(k);
	assert_int_equal(kmsg_log__add_text(k, log, strlen(log)), 0);
	kmsg_log__sort(k);
}

static void test_markdown_escaping(void **state)
{
	struct report *r = hostile_report(REPORT_MD);
	struct kmsg_log k;
	char *md, *line, *save;

	hostile_kmsg(&k);
	md = render(r, &k);
	/* comm inside a code span longer than its backtick runs; pipe escaped in tables */
	assert_non_null(strstr(md, "## Incident 1: ``<script>a`|*\\x1b``"));
	assert_non_null(strstr(md, "| Victim | pid 6661, tgid 6661, comm ``<script>a`\\|*\\x1b``"));
	assert_non_null(strstr(md, "```/x/<img src=x onerror=alert(1)>/``\\|'\"&amp;\\xff```"));
	/* the kernel log fence is longer than the ``` inside the log */
	assert_non_null(strstr(md, "\n````text\n"));
	assert_non_null(strstr(md, "```</pre><script>alert(2)</script>\n````\n"));
	/* no raw control byte or invalid UTF-8 anywhere */
	assert_null(strchr(md, '\x1b'));
	assert_null(strchr(md, '\xff'));
	/* every line outside code is ours: no line starts with an untrusted '<' */
	for (line = strtok_r(md, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (line[0] == '<')
			fail_msg("raw HTML line in Markdown: %s", line);
	free(md);
	kmsg_log__free(&k);
	report__free(r);
}

static void test_html_escaping(void **state)
{
	struct report *r = hostile_report(REPORT_HTML);
	struct kmsg_log k;
	char *html;

	hostile_kmsg(&k);
	html = render(r, &k);
	assert_non_null(strstr(html, "<!DOCTYPE html>"));
	assert_non_null(strstr(html, "Content-Security-Policy"));
	/* no script element, no injected tag, whatever the input */
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "<img"));
	assert_null(strstr(html, "<b>"));
	assert_null(strstr(html, "</pre><"));
	assert_non_null(strstr(html, "<code>&lt;script&gt;a`|*\\x1b</code>"));
	assert_non_null(
		strstr(html, "/x/&lt;img src=x onerror=alert(1)&gt;/``|&#39;&quot;&amp;amp;\\xff"));
	assert_non_null(strstr(html, "&lt;/code&gt;&lt;b&gt;"));
	assert_non_null(strstr(html, "```&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
	assert_null(strchr(html, '\x1b'));
	assert_null(strchr(html, '\xff'));
	/* the host name is escaped in <title> and <h1> too */
	assert_non_null(strstr(html, "<title>OOM postmortem: host&lt;b&gt;</title>"));
	/* a timeline per detailed incident, well-formed enough to count */
	assert_non_null(strstr(html, "<svg class=\"timeline\""));
	assert_non_null(strstr(html, "<svg class=\"histogram exit\""));
	assert_non_null(strstr(html, "</svg>"));
	assert_non_null(strstr(html, "</html>\n"));
	free(html);
	kmsg_log__free(&k);
	report__free(r);
}

static void test_utf8_kept(void **state)
{
	struct oomrec_header h;
	struct report_opts o = { .format = REPORT_HTML };
	struct report *r;
	struct oomreap_incident inc;
	char *html;

	header(&h);
	r = report__new(&o, &h);
	/* valid UTF-8 passes; an overlong '/' (0xc0 0xaf) does not */
	inc = incident(7, T0, OUTCOME_VICTIM_EXITED, "caf\xc3\xa9", "/\xc0\xaf");
	report__on_incident(&inc, r);
	html = render(r, NULL);
	assert_non_null(strstr(html, "<code>caf\xc3\xa9</code>"));
	assert_non_null(strstr(html, "<code>/\\xc0\\xaf</code>"));
	free(html);
	report__free(r);
}

static void test_explain_outcomes(void **state)
{
	struct render_ctx rc = { .page_size = 4096 };
	struct oomreap_incident inc = incident(9, T0, OUTCOME_REAPED, "v", "/");
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	inc.wake_ns = T0 + 2006 * MS;
	inc.first_attempt_ns = inc.last_start_ns = T0 + 2007 * MS;
	inc.finish_ns = T0 + 2013 * MS;
	inc.attempts = 1;
	inc.freed_pages[OOMREAP_RSS_ANON] = 25600;
	f = open_memstream(&buf, &len);
	report__explain(f, &inc, &rc, false);
	inc.outcome = OUTCOME_VICTIM_EXITED;
	inc.attempts = 5;
	inc.trylock_failures = 4;
	report__explain(f, &inc, &rc, true);
	inc.wake_ns = T0 + 1 * MS; /* a kernel without the delay */
	inc.outcome = OUTCOME_PARTIAL;
	inc.incomplete = true;
	report__explain(f, &inc, &rc, true);
	fclose(f);
	assert_non_null(strstr(buf, "2 s `OOM_REAPER_DELAY`"));
	assert_non_null(strstr(buf, "100.0MiB freed"));
	assert_non_null(strstr(buf, "on attempt 1 of at most 10"));
	assert_non_null(strstr(buf, "Of 5 attempts, 4 failed in <code>mmap_read_trylock()</code>"));
	assert_non_null(strstr(buf, "without the 2 s delay"));
	assert_non_null(strstr(buf, "Events were lost"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_order_and_detail_cap),
		cmocka_unit_test(test_userspace_killers),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_summary_counts_as_the_summary),
		cmocka_unit_test(test_markdown_escaping),
		cmocka_unit_test(test_html_escaping),
		cmocka_unit_test(test_utf8_kept),
		cmocka_unit_test(test_explain_outcomes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
