// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The Prometheus side without a kernel: the metric model (metrics.c), the
 * exposition text it writes, label escaping, and the atomic textfile
 * writer (textfile.c) on a temporary directory.  promtool and node_exporter
 * judge real files in tests/prom/; here the rules are checked one by one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/incident.h"
#include "core/summary.h"
#include "sinks/metrics.h"
#include "sinks/textfile.h"

#define SEC 1000000000ull
#define MS 1000000ull
#define PAGE 4096ull

static const struct metrics_info info = {
	.version = "9.9.9", .attach = "tracepoint", .kernel = "6.18.0-test", .start_time_s = 1234,
};

/* The exposition of m, as one NUL-terminated string the caller frees. */
static char *expose(const struct metrics *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	metrics__write(f, m, &info);
	assert_false(ferror(f));
	fclose(f);
	return buf;
}

/* The value of the sample line that starts with `series ` exactly. */
static const char *sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, series, n) && p[n] == ' ')
			return p + n + 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

static void assert_sample(const char *text, const char *series, const char *value)
{
	const char *v = sample(text, series);
	size_t n = strlen(value);

	if (!v)
		fail_msg("no sample %s", series);
	if (strncmp(v, value, n) || v[n] != '\n')
		fail_msg("%s = %.*s, want %s", series, (int)strcspn(v, "\n"), v, value);
}

static struct oomreap_incident reaped(uint64_t kill_s, uint64_t latency_ns, uint64_t dur_ns)
{
	struct oomreap_incident inc;

	memset(&inc, 0, sizeof(inc));
	inc.have_identity = true;
	strcpy(inc.cgroup_path, "/oomreap-test");
	inc.kill_ns = kill_s * SEC;
	inc.finish_ns = inc.kill_ns + latency_ns;
	inc.last_start_ns = inc.finish_ns - dur_ns;
	inc.first_attempt_ns = inc.last_start_ns;
	inc.attempts = 1;
	inc.outcome = OUTCOME_REAPED;
	inc.freed_pages[OOMREAP_RSS_ANON] = 25600;
	inc.freed_pages[OOMREAP_RSS_FILE] = 3;
	inc.last_reap_ret = -1;
	return inc;
}

/*
 * One aggregation: the exit summary and the metrics count the same kills,
 * outcomes and freed memory, whatever the tool saw of each incident: a
 * kill seen, a kill joined halfway from the kernel log (its reap unread),
 * and an incident whose kill is known to nobody (not counted as a kill).
 */
static void test_one_aggregation(void **state)
{
	struct oomreap_incident seen = reaped(100, 2 * SEC, 10 * MS), joined, unknown;
	struct metrics m;
	struct summary s;
	char *text, *sum = NULL;
	size_t sum_len = 0;
	FILE *f;
	struct render_ctx rc = { .page_size = 4096 };

	(void)state;
	joined = reaped(0, 0, 0);
	joined.kill_ns = 0;
	joined.have_identity = false;
	joined.identity_from_log = true;
	joined.kill_log_ns = 200 * SEC;
	joined.ctx.src[CTXF_CONSTRAINT] = CTX_SRC_KERNEL_LOG;
	joined.ctx.constraint = 3; /* memcg */
	joined.freed_unread = true;
	unknown = reaped(0, 0, 0);
	unknown.kill_ns = 0;
	unknown.have_identity = false;
	unknown.freed_pages[OOMREAP_RSS_ANON] = 100;
	unknown.freed_pages[OOMREAP_RSS_FILE] = 0;

	assert_int_equal(metrics__init(&m, 0), 0);
	memset(&s, 0, sizeof(s));
	metrics__add_incident(&m, &seen, 4096);
	metrics__add_incident(&m, &joined, 4096);
	metrics__add_incident(&m, &unknown, 4096);
	summary__add(&s, &seen);
	summary__add(&s, &joined);
	summary__add(&s, &unknown);

	text = expose(&m);
	assert_sample(text, "oomreap_kills_total{constraint=\"memcg\"}", "1");
	assert_sample(text, "oomreap_kills_total{constraint=\"unknown\"}", "1");
	assert_int_equal(s.kills_by_constraint[3], 1);
	assert_int_equal(s.kills_by_constraint[4], 1);
	assert_sample(text, "oomreap_incidents_total{outcome=\"reaped\"}", "3");
	assert_int_equal(s.incidents[OUTCOME_REAPED], 3);
	/* freed: the two read, never the unread one's zeros as a fact */
	assert_sample(text, "oomreap_reaper_freed_bytes_total{type=\"anon\"}", "105267200");
	assert_int_equal(s.freed_pages[OOMREAP_RSS_ANON], 25600 + 100);
	assert_sample(text, "oomreap_reaper_freed_unread_total", "1");
	assert_int_equal(s.freed_unread, 1);

	f = open_memstream(&sum, &sum_len);
	assert_non_null(f);
	summary__print(f, &s, &rc, 0, NULL, 0);
	fclose(f);
	assert_non_null(strstr(sum, "3 incidents, 3 reaped"));
	assert_non_null(strstr(sum, "(and by 1 reap not read)"));
	free(sum);
	free(text);
	metrics__free(&m);
}

/*
 * Userspace killers' failed process_mrelease calls: by errno in the family
 * the alert reads (every errno written, 0 before any), by killer in the
 * other; ESRCH in neither; the summary says the same.
 */
static void test_mrelease_failures(void **state)
{
	struct oomreap_incident a = reaped(0, 0, 0), b;
	struct render_ctx rc = { .page_size = 4096 };
	struct metrics m;
	char *text, *sum = NULL;
	size_t sum_len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(metrics__init(&m, 0), 0);
	text = expose(&m);
	assert_sample(text, "oomreap_mrelease_failures_total{errno=\"EINVAL\"}", "0");
	assert_sample(text, "oomreap_mrelease_failures_total{errno=\"other\"}", "0");
	free(text);

	a.kind = INCIDENT_USERSPACE;
	a.outcome = OUTCOME_MRELEASED;
	strcpy(a.uk.killer_name, "earlyoom");
	a.uk.method = OOMREAP_METHOD_KILL;
	/* SIGTERM handled: EINVAL; then a call that worked; one on a dead victim */
	a.uk.calls_ok = 1;
	a.uk.calls_failed = 2;
	a.uk.calls_esrch = 1;
	a.uk.calls_failed_by[MREL_ERR_EINVAL] = 1;
	b = a;
	b.outcome = OUTCOME_MRELEASE_FAILED;
	b.uk.calls_ok = 0;
	b.uk.calls_failed = 2;
	b.uk.calls_esrch = 0;
	b.uk.calls_failed_by[MREL_ERR_EINVAL] = 0;
	b.uk.calls_failed_by[MREL_ERR_EAGAIN] = 1;
	b.uk.calls_failed_by[MREL_ERR_EINTR] = 1;
	metrics__add_incident(&m, &a, PAGE);
	metrics__add_incident(&m, &b, PAGE);
	text = expose(&m);
	assert_sample(text, "oomreap_mrelease_failures_total{errno=\"EINVAL\"}", "1");
	assert_sample(text, "oomreap_mrelease_failures_total{errno=\"EAGAIN\"}", "1");
	assert_sample(text, "oomreap_mrelease_failures_total{errno=\"EINTR\"}", "1");
	assert_sample(text, "oomreap_mrelease_failures_total{errno=\"EBADF\"}", "0");
	assert_sample(text, "oomreap_mrelease_failures_total{errno=\"other\"}", "0");
	assert_sample(text, "oomreap_userspace_mrelease_failures_total{killer=\"earlyoom\","
			    "method=\"kill\"}", "3");
	assert_sample(text, "oomreap_userspace_kills_total{killer=\"earlyoom\",method=\"kill\"}",
		      "2");

	f = open_memstream(&sum, &sum_len);
	assert_non_null(f);
	summary__print(f, &m.sum, &rc, 0, NULL, 0);
	fclose(f);
	assert_non_null(strstr(sum, "process_mrelease failed (userspace killers): EINVAL 1, "
				    "EAGAIN 1, EINTR 1\n"));
	free(sum);
	free(text);
	metrics__free(&m);
}

/*
 * A cgroup.kill write of three victims is one kill event and three kills;
 * the calls' freed memory by type and their durations (entry seen) are
 * summed by killer and method; the memory-gone histogram counts victims.
 */
static void test_userspace_events_and_freed(void **state)
{
	struct oomreap_incident v[3];
	struct metrics m;
	char *text;
	int i;

	(void)state;
	assert_int_equal(metrics__init(&m, 0), 0);
	for (i = 0; i < 3; i++) {
		v[i] = reaped(0, 0, 0);
		v[i].kind = INCIDENT_USERSPACE;
		v[i].outcome = OUTCOME_MRELEASED;
		strcpy(v[i].uk.killer_name, "oomd");
		v[i].uk.method = OOMREAP_METHOD_CGROUP_KILL;
		v[i].uk.write_id = 40;
		v[i].uk.write_victim = (uint32_t)i + 1;
		v[i].uk.ncalls = 1;
		v[i].uk.calls_ok = 1;
		v[i].uk.calls[0].enter_ns = 1000000;
		v[i].uk.calls[0].exit_ns = 1000000 + 3000000 * (uint64_t)(i + 1); /* 3, 6, 9 ms */
		v[i].uk.calls[0].have_freed = i != 2; /* the third: its mm gone during the call */
		v[i].uk.calls[0].freed_pages[OOMREAP_RSS_ANON] = 10;
		v[i].uk.calls[0].freed_pages[OOMREAP_RSS_SHMEM] = 1;
		metrics__add_incident(&m, &v[i], PAGE);
	}
	text = expose(&m);
	assert_sample(text, "oomreap_userspace_kills_total{killer=\"oomd\",method=\"cgroup.kill\"}",
		      "3");
	assert_sample(text,
		      "oomreap_userspace_kill_events_total{killer=\"oomd\",method=\"cgroup.kill\"}",
		      "1");
	assert_sample(text, "oomreap_userspace_freed_bytes_total{killer=\"oomd\","
			    "method=\"cgroup.kill\",type=\"anon\"}", "81920");
	assert_sample(text, "oomreap_userspace_freed_bytes_total{killer=\"oomd\","
			    "method=\"cgroup.kill\",type=\"shmem\"}", "8192");
	assert_sample(text, "oomreap_mrelease_duration_seconds_bucket{le=\"0.005\"}", "1");
	assert_sample(text, "oomreap_mrelease_duration_seconds_bucket{le=\"0.01\"}", "3");
	assert_sample(text, "oomreap_mrelease_duration_seconds_count", "3");
	assert_sample(text, "oomreap_mrelease_duration_seconds_sum", "0.018000000");
	free(text);
	metrics__free(&m);
}

static void test_escape_label(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	incident__escape(f, ESCAPE_PROM_LABEL, "a\"b\\c\nd}{=,\t\xc3\xa9\xff" "end", 64);
	fclose(f);
	/* the three escapes of the format; U+FFFD for the TAB and the invalid byte */
	assert_string_equal(buf, "a\\\"b\\\\c\\nd}{=,\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd" "end");
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	incident__escape(f, ESCAPE_PROM_LABEL, "abcdef", 3); /* maxlen honoured */
	fclose(f);
	assert_string_equal(buf, "abc");
	free(buf);
}

static void test_sanitize_utf8(void **state)
{
	char out[16];

	incident__escape_buf(out, sizeof(out), ESCAPE_PROM_UTF8, "/a\xff\xfe", 64);
	assert_string_equal(out, "/a\xef\xbf\xbd\xef\xbf\xbd");
	/* a truncated multibyte sequence at the end is invalid too */
	incident__escape_buf(out, sizeof(out), ESCAPE_PROM_UTF8, "/\xe2\x82", 64);
	assert_string_equal(out, "/\xef\xbf\xbd\xef\xbf\xbd");
	/* never overruns: cut at a character boundary */
	incident__escape_buf(out, 6, ESCAPE_PROM_UTF8, "/\xff\xff", 64);
	assert_string_equal(out, "/\xef\xbf\xbd");
}

/* Buckets: strictly increasing, le strings equal to the ns bounds. */
static void test_buckets(void **state)
{
	int i;

	for (i = 0; i < METRICS_NBUCKETS; i++) {
		double le = strtod(metrics_bucket_le[i], NULL);

		assert_true((uint64_t)(le * 1e9 + 0.5) == metrics_bucket_ns[i]);
		if (i)
			assert_true(metrics_bucket_ns[i] > metrics_bucket_ns[i - 1]);
	}
	/* resolves ms reaps and the 2 s reaper delay */
	assert_int_equal(metrics_bucket_ns[0], 500 * 1000);
	for (i = 0; i < METRICS_NBUCKETS && metrics_bucket_ns[i] != 2 * SEC; i++)
		;
	assert_true(i < METRICS_NBUCKETS - 1);
	assert_true(metrics_bucket_ns[i + 1] - metrics_bucket_ns[i] <= 50 * MS);
}

/* Before any OOM every fixed series is there, at 0, with HELP and TYPE. */
static void test_empty(void **state)
{
	struct metrics m;
	char *t;

	assert_int_equal(metrics__init(&m, 0), 0);
	t = expose(&m);
	assert_sample(t, "oomreap_info{version=\"9.9.9\",attach=\"tracepoint\",kernel=\"6.18.0-test\"}",
		      "1");
	assert_sample(t, "oomreap_start_time_seconds", "1234");
	assert_sample(t, "oomreap_kills_total{constraint=\"unknown\"}", "0");
	assert_sample(t, "oomreap_kills_total{constraint=\"memcg\"}", "0");
	assert_sample(t, "oomreap_kills_total{constraint=\"none\"}", "0");
	assert_sample(t, "oomreap_incidents_total{outcome=\"gave_up\"}", "0");
	assert_sample(t, "oomreap_incidents_total{outcome=\"reaped\"}", "0");
	assert_sample(t, "oomreap_incidents_total{outcome=\"victim_exited\"}", "0");
	assert_sample(t, "oomreap_incidents_total{outcome=\"partial\"}", "0");
	assert_sample(t, "oomreap_incidents_total{outcome=\"open\"}", "0");
	assert_sample(t, "oomreap_reaper_trylock_failures_total", "0");
	assert_sample(t, "oomreap_reaper_freed_bytes_total{type=\"anon\"}", "0");
	assert_sample(t, "oomreap_reaper_freed_bytes_total{type=\"swap\"}", "0");
	assert_sample(t, "oomreap_reap_latency_seconds_bucket{le=\"+Inf\"}", "0");
	assert_sample(t, "oomreap_reap_latency_seconds_sum", "0.000000000");
	assert_sample(t, "oomreap_victim_exit_latency_seconds_count", "0");
	assert_sample(t, "oomreap_events_lost_total", "0");
	assert_sample(t, "oomreap_textfile_write_failures_total", "0");
	assert_null(strstr(t, "oomreap_cgroup_"));
	assert_non_null(strstr(t, "# TYPE oomreap_reap_duration_seconds histogram\n"));
	assert_non_null(strstr(t, "# TYPE oomreap_kills_total counter\n"));
	assert_non_null(strstr(t, "# HELP oomreap_kills_total "));
	free(t);
	metrics__free(&m);
}

/*
 * Every sample line belongs to the family of the last TYPE line, no
 * series appears twice, no line is empty, and the text ends in a newline.
 */
static void assert_well_formed(const char *t)
{
	char family[128] = "", *copy = strdup(t), *line, *save = NULL;
	char **seen = calloc(4096, sizeof(*seen));
	size_t nseen = 0, i;

	assert_true(t[strlen(t) - 1] == '\n');
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp;

		assert_true(line[0] != 0);
		if (!strncmp(line, "# TYPE ", 7)) {
			sscanf(line + 7, "%127s", family);
			continue;
		}
		if (line[0] == '#')
			continue;
		assert_true(family[0]);
		assert_int_equal(strncmp(line, family, strlen(family)), 0);
		sp = strrchr(line, ' ');
		assert_non_null(sp);
		*sp = 0;
		for (i = 0; i < nseen; i++)
			if (!strcmp(seen[i], line))
				fail_msg("duplicate series %s", line);
		seen[nseen++] = line;
	}
	free(seen);
	free(copy);
}

/*
 * Runs the kernel skipped: a series per program it counts, none for one it
 * does not (unknown is not 0), and which ones are counted; nothing at all
 * when nothing is known (a recording made without).
 */
static void test_runs_missed(void **state)
{
	struct metrics m;
	char *t;

	(void)state;
	assert_int_equal(metrics__init(&m, 0), 0);
	t = expose(&m);
	assert_null(strstr(t, "oomreap_bpf_runs_missed"));
	free(t);
	missed__set(&m.missed, "tp_sched_process_exit", 7, true);
	missed__set(&m.missed, "tp_mark_victim", 0, true);
	missed__set(&m.missed, "kprobe_mark_oom_victim", 0, false);
	t = expose(&m);
	assert_sample(t, "oomreap_bpf_runs_missed_total{program=\"tp_sched_process_exit\"}", "7");
	assert_sample(t, "oomreap_bpf_runs_missed_total{program=\"tp_mark_victim\"}", "0");
	assert_null(strstr(t, "oomreap_bpf_runs_missed_total{program=\"kprobe_mark_oom_victim\"}"));
	assert_sample(t, "oomreap_bpf_runs_missed_counted{program=\"tp_sched_process_exit\"}", "1");
	assert_sample(t, "oomreap_bpf_runs_missed_counted{program=\"kprobe_mark_oom_victim\"}", "0");
	assert_non_null(strstr(t, "# TYPE oomreap_bpf_runs_missed_total counter\n"));
	assert_non_null(strstr(t, "# TYPE oomreap_bpf_runs_missed_counted gauge\n"));
	free(t);
	metrics__free(&m);
}

static void test_incidents(void **state)
{
	struct metrics m;
	struct oomreap_incident a = reaped(100, 2 * SEC + 30 * MS, 3 * MS);
	struct oomreap_incident b = reaped(200, 2 * SEC, 500 * 1000);
	struct oomreap_incident c;
	char *t;

	assert_int_equal(metrics__init(&m, 0), 0);
	/* a gave-up incident with context (fentry/kprobe rungs) */
	memset(&c, 0, sizeof(c));
	c.have_identity = true;
	c.have_context = true;
	c.constraint = 3; /* memcg */
	/* what the tracker makes of it: the metrics read the resolved context */
	oom_context__from_control(&c.ctx, 3, 0, 0, 0, NULL);
	c.kill_ns = 300 * SEC;
	c.exit_ns = c.kill_ns + 3 * SEC + 100 * MS;
	c.attempts = 10;
	c.trylock_failures = 10;
	c.outcome = OUTCOME_GAVE_UP;
	c.incomplete = true;
	metrics__add_incident(&m, &a, PAGE);
	metrics__add_incident(&m, &b, PAGE);
	metrics__add_incident(&m, &c, PAGE);
	m.events_lost = 7;
	m.write_failures = 2;
	m.open_incidents = 1;
	t = expose(&m);
	assert_well_formed(t);

	assert_sample(t, "oomreap_kills_total{constraint=\"unknown\"}", "2");
	assert_sample(t, "oomreap_kills_total{constraint=\"memcg\"}", "1");
	assert_sample(t, "oomreap_incidents_total{outcome=\"reaped\"}", "2");
	assert_sample(t, "oomreap_incidents_total{outcome=\"gave_up\"}", "1");
	assert_sample(t, "oomreap_incidents_incomplete_total", "1");
	assert_sample(t, "oomreap_open_incidents", "1");
	assert_sample(t, "oomreap_reaper_attempts_total", "12");
	assert_sample(t, "oomreap_reaper_trylock_failures_total", "10");
	assert_sample(t, "oomreap_reaper_freed_bytes_total{type=\"anon\"}", "209715200");
	assert_sample(t, "oomreap_reaper_freed_bytes_total{type=\"file\"}", "24576");
	assert_sample(t, "oomreap_reaper_freed_bytes_total{type=\"shmem\"}", "0");
	/* 2.000 s lands in le="2", 2.030 s in le="2.05": the delay is resolved */
	assert_sample(t, "oomreap_reap_latency_seconds_bucket{le=\"1\"}", "0");
	assert_sample(t, "oomreap_reap_latency_seconds_bucket{le=\"2\"}", "1");
	assert_sample(t, "oomreap_reap_latency_seconds_bucket{le=\"2.05\"}", "2");
	assert_sample(t, "oomreap_reap_latency_seconds_bucket{le=\"+Inf\"}", "2");
	assert_sample(t, "oomreap_reap_latency_seconds_sum", "4.030000000");
	assert_sample(t, "oomreap_reap_latency_seconds_count", "2");
	/* 0.5 ms and 3 ms reaps in different buckets */
	assert_sample(t, "oomreap_reap_duration_seconds_bucket{le=\"0.0005\"}", "1");
	assert_sample(t, "oomreap_reap_duration_seconds_bucket{le=\"0.0025\"}", "1");
	assert_sample(t, "oomreap_reap_duration_seconds_bucket{le=\"0.005\"}", "2");
	assert_sample(t, "oomreap_reap_duration_seconds_sum", "0.003500000");
	/* only c exited in view */
	assert_sample(t, "oomreap_victim_exit_latency_seconds_bucket{le=\"3\"}", "0");
	assert_sample(t, "oomreap_victim_exit_latency_seconds_bucket{le=\"4\"}", "1");
	assert_sample(t, "oomreap_victim_exit_latency_seconds_count", "1");
	assert_sample(t, "oomreap_events_lost_total", "7");
	assert_sample(t, "oomreap_textfile_write_failures_total", "2");
	free(t);
	metrics__free(&m);
}

static struct oomreap_incident in_cgroup(const char *path, enum oomreap_outcome o)
{
	struct oomreap_incident inc = reaped(1, 2 * SEC, MS);

	snprintf(inc.cgroup_path, sizeof(inc.cgroup_path), "%s", path);
	inc.outcome = o;
	return inc;
}

static void test_cgroup_labels(void **state)
{
	struct metrics m;
	struct oomreap_incident inc;
	char *t;

	assert_int_equal(metrics__init(&m, 3), 0);
	inc = in_cgroup("/kubepods/burstable/pod0f8e8b4e-4f6a-4c8b-9a7f-2b0e4b8d3c21/"
			"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			OUTCOME_REAPED);
	metrics__add_incident(&m, &inc, PAGE);
	inc = in_cgroup("/evil\"q\\b}\n{x", OUTCOME_GAVE_UP);
	inc.trylock_failures = 10;
	metrics__add_incident(&m, &inc, PAGE);
	metrics__add_incident(&m, &inc, PAGE);
	/* two raw names that sanitise alike share one series */
	inc = in_cgroup("/bad\xff", OUTCOME_REAPED);
	metrics__add_incident(&m, &inc, PAGE);
	inc = in_cgroup("/bad\xfe", OUTCOME_VICTIM_EXITED);
	metrics__add_incident(&m, &inc, PAGE);
	/* the cap is 3: these two go to "other" */
	inc = in_cgroup("/fourth", OUTCOME_REAPED);
	metrics__add_incident(&m, &inc, PAGE);
	inc = in_cgroup("/fifth", OUTCOME_REAPED);
	metrics__add_incident(&m, &inc, PAGE);
	t = expose(&m);
	assert_well_formed(t);

	assert_sample(t, "oomreap_cgroup_incidents_total{cgroup=\"/kubepods/burstable/"
			 "pod0f8e8b4e-4f6a-4c8b-9a7f-2b0e4b8d3c21/0123456789abcdef0123456789abcdef"
			 "0123456789abcdef0123456789abcdef\",container_id=\"0123456789abcdef0123456789"
			 "abcdef0123456789abcdef0123456789abcdef\",pod_uid=\"0f8e8b4e-4f6a-4c8b-9a7f-"
			 "2b0e4b8d3c21\",outcome=\"reaped\"}",
		      "1");
	assert_sample(t, "oomreap_cgroup_incidents_total{cgroup=\"/evil\\\"q\\\\b}\\n{x\","
			 "container_id=\"\",pod_uid=\"\",outcome=\"gave_up\"}",
		      "2");
	assert_sample(t, "oomreap_cgroup_reaper_trylock_failures_total{cgroup=\"/evil\\\"q\\\\b}"
			 "\\n{x\",container_id=\"\",pod_uid=\"\"}",
		      "20");
	assert_sample(t, "oomreap_cgroup_incidents_total{cgroup=\"/bad\xef\xbf\xbd\","
			 "container_id=\"\",pod_uid=\"\",outcome=\"reaped\"}",
		      "1");
	assert_sample(t, "oomreap_cgroup_incidents_total{cgroup=\"/bad\xef\xbf\xbd\","
			 "container_id=\"\",pod_uid=\"\",outcome=\"victim_exited\"}",
		      "1");
	assert_sample(t, "oomreap_cgroup_incidents_total{cgroup=\"other\",container_id=\"\","
			 "pod_uid=\"\",outcome=\"reaped\"}",
		      "2");
	assert_sample(t, "oomreap_cgroup_reaper_freed_bytes_total{cgroup=\"other\","
			 "container_id=\"\",pod_uid=\"\"}",
		      "209739776");
	assert_sample(t, "oomreap_cgroup_label_overflows_total", "2");
	assert_sample(t, "oomreap_cgroup_labels", "3");
	assert_sample(t, "oomreap_cgroup_labels_max", "3");
	/* outcomes never seen for a cgroup are not written */
	assert_null(strstr(t, "pod_uid=\"\",outcome=\"partial\"}"));
	/* the hostile name never leaks a raw newline or quote into the text */
	assert_null(strstr(t, "/evil\"q"));
	assert_null(strstr(t, "\n{x"));
	free(t);
	metrics__free(&m);
}

/* No cgroup families without samples; an incident without identity is "unknown". */
static void test_cgroup_unknown(void **state)
{
	struct metrics m;
	struct oomreap_incident inc;
	char *t;

	assert_int_equal(metrics__init(&m, 1), 0);
	t = expose(&m);
	assert_null(strstr(t, "oomreap_cgroup_incidents_total"));
	assert_sample(t, "oomreap_cgroup_label_overflows_total", "0");
	free(t);
	memset(&inc, 0, sizeof(inc));
	inc.outcome = OUTCOME_OPEN;
	metrics__add_incident(&m, &inc, PAGE);
	t = expose(&m);
	assert_well_formed(t);
	assert_sample(t, "oomreap_cgroup_incidents_total{cgroup=\"unknown\",container_id=\"\","
			 "pod_uid=\"\",outcome=\"open\"}",
		      "1");
	free(t);
	metrics__free(&m);
}

/* ---- textfile.c on a temporary directory */

struct tdir {
	char dir[64];
	char path[128];
};

static int tdir_setup(void **state)
{
	struct tdir *d = calloc(1, sizeof(*d));

	strcpy(d->dir, "/tmp/oomreap-test-prom-XXXXXX");
	if (!mkdtemp(d->dir))
		return -1;
	snprintf(d->path, sizeof(d->path), "%s/oomreap.prom", d->dir);
	*state = d;
	return 0;
}

static int tdir_teardown(void **state)
{
	struct tdir *d = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
	if (system(cmd))
		return -1;
	free(d);
	return 0;
}

static int count_entries(const char *dir)
{
	char cmd[128];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	if (p && fscanf(p, "%d", &n) != 1)
		n = -1;
	if (p)
		pclose(p);
	return n;
}

static void read_all(const char *path, char *buf, size_t sz)
{
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sz - 1, f);
	buf[n] = 0;
	fclose(f);
}

static void test_textfile_write(void **state)
{
	struct tdir *d = *state;
	char buf[64];
	struct stat st;
	mode_t old = umask(077);

	assert_int_equal(textfile__write(d->path, "one\n", 4), 0);
	assert_int_equal(textfile__write(d->path, "two\n", 4), 0);
	umask(old);
	read_all(d->path, buf, sizeof(buf));
	assert_string_equal(buf, "two\n");
	assert_int_equal(stat(d->path, &st), 0);
	/* 0644 whatever the umask: node_exporter reads as another user */
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(count_entries(d->dir), 1);
}

static void test_textfile_symlink(void **state)
{
	struct tdir *d = *state;
	char target[160], buf[64], link[PATH_MAX];
	ssize_t n;
	FILE *f;

	snprintf(target, sizeof(target), "%s/victim", d->dir);
	f = fopen(target, "w");
	fputs("precious\n", f);
	fclose(f);
	assert_int_equal(symlink(target, d->path), 0);
	assert_int_equal(textfile__write(d->path, "metrics\n", 8), -ELOOP);
	/* the target is untouched, the link is still the link, no temp left */
	read_all(target, buf, sizeof(buf));
	assert_string_equal(buf, "precious\n");
	n = readlink(d->path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = 0;
	assert_string_equal(link, target);
	assert_int_equal(count_entries(d->dir), 2);
	/* a dangling link is refused too */
	unlink(target);
	assert_int_equal(textfile__write(d->path, "metrics\n", 8), -ELOOP);
	assert_int_equal(access(target, F_OK), -1);
	assert_int_equal(count_entries(d->dir), 1);
}

static void test_textfile_not_regular(void **state)
{
	struct tdir *d = *state;
	char missing[160];

	assert_int_equal(mkdir(d->path, 0755), 0);
	assert_int_equal(textfile__write(d->path, "x\n", 2), -EISDIR);
	rmdir(d->path);
	assert_int_equal(mkfifo(d->path, 0644), 0);
	assert_int_equal(textfile__write(d->path, "x\n", 2), -EEXIST);
	unlink(d->path);
	snprintf(missing, sizeof(missing), "%s/nope/oomreap.prom", d->dir);
	assert_int_equal(textfile__write(missing, "x\n", 2), -ENOENT);
	assert_int_equal(count_entries(d->dir), 0);
}

static void test_textfile_stale(void **state)
{
	struct tdir *d = *state;
	const char *names[] = {
		".oomreap.prom.tmp-0123456789abcdef",  /* ours: removed */
		".oomreap.prom.tmp-fedcba9876543210",  /* ours: removed */
		".oomreap.prom.tmp-0123456789abcdeg",  /* not hex: kept */
		".oomreap.prom.tmp-0123456789abcdef0", /* too long: kept */
		".other.prom.tmp-0123456789abcdef",    /* another file's: kept */
		"node.prom",                           /* kept */
	};
	char p[200];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", d->dir, names[i]);
		fclose(fopen(p, "w"));
	}
	assert_int_equal(textfile__remove_stale(d->path), 2);
	assert_int_equal(count_entries(d->dir), 4);
}

static void test_textfile_check_path(void **state)
{
	char longname[300];

	assert_int_equal(textfile__check_path("/var/lib/x/oomreap.prom"), 0);
	assert_int_equal(textfile__check_path("oomreap.prom"), 0);
	assert_int_equal(textfile__check_path(""), -EINVAL);
	assert_int_equal(textfile__check_path("/var/lib/x/"), -EINVAL);
	assert_int_equal(textfile__check_path("/var/lib/x/."), -EINVAL);
	assert_int_equal(textfile__check_path(".."), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	assert_int_equal(textfile__check_path(longname), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mrelease_failures),
		cmocka_unit_test(test_userspace_events_and_freed),
		cmocka_unit_test(test_escape_label),
		cmocka_unit_test(test_sanitize_utf8),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_incidents),
		cmocka_unit_test(test_one_aggregation),
		cmocka_unit_test(test_runs_missed),
		cmocka_unit_test(test_cgroup_labels),
		cmocka_unit_test(test_cgroup_unknown),
		cmocka_unit_test_setup_teardown(test_textfile_write, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_textfile_symlink, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_textfile_not_regular, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_textfile_stale, tdir_setup, tdir_teardown),
		cmocka_unit_test(test_textfile_check_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
