// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Replay and report throughput, on one core.  Figures, not a test: it
 * prints numbers and never fails on them.
 *
 *   bench_replay [INCIDENTS]    (default 100000)
 *
 * Writes a synthetic recording of INCIDENTS incidents (the docs/LAB.md shapes
 * in turn: exit before reap, reaped, 10 trylock failures) to a temporary
 * file with the real writer, then times, each on the whole file:
 *   read      reader only: framing, CRC-32C, event validation
 *   replay    reader + tracker (what `replay` does before its sinks)
 *   +json     ... + the JSON renderer of every incident to /dev/null
 *   report md / report html: replay + collect + write the postmortem
 * Goals: replay >= 5 M events/s, report of 100,000
 * incidents < 2 s.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rec/record.h"
#include "sinks/render.h"
#include "rec/replay.h"
#include "report/report.h"
#include "core/tracker.h"
#include "wire.h"

#define MS 1000000ull
#define SEC 1000000000ull

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_replay: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void put(struct rec_writer *w, const void *ev, size_t len)
{
	int err = rec_writer__event(w, ev, len);

	if (err)
		die("write", err);
}

static void reap(struct rec_writer *w, uint32_t type, uint64_t seq, uint32_t pid, uint64_t ts,
		 int64_t anon, uint32_t reason)
{
	struct oomreap_reap_event r = wire__reap(type, seq, pid, ts);

	r.mm = wire__mm(anon, 0, 0);
	r.skip_reason = reason;
	put(w, &r, sizeof(r));
}

/* Returns the number of events written. */
static uint64_t make_recording(const char *path, uint32_t n)
{
	struct oomrec_header h;
	struct rec_writer *w;
	uint64_t t = 100 * SEC, events = 0;
	uint32_t i, j;
	int err;

	memset(&h, 0, sizeof(h));
	strcpy(h.tool_version, "bench");
	strcpy(h.hostname, "bench");
	h.page_size = 4096;
	h.start_mono_ns = t;
	h.rung = 3;
	err = rec_writer__open(&w, path, &h, 0);
	if (err)
		die(path, err);
	for (i = 0; i < n; i++, t += 50 * MS) {
		uint64_t seq = i + 1;
		uint32_t pid = 1000 + i % 30000;
		char comm[OOMREAP_COMM_LEN], cgroup[64];
		struct oomreap_kill_event k;
		struct oomreap_exit_event x;

		snprintf(comm, sizeof(comm), "worker-%u", i % 97);
		snprintf(cgroup, sizeof(cgroup), "/kubepods/burstable/pod%u/c", i % 50);
		k = wire__kill(seq, pid, pid, t, comm, cgroup);
		k.mm = wire__mm(25600, 0, 0);
		put(w, &k, sizeof(k));
		events++;
		switch (i % 3) {
		case 0: /* A: exits at once */
			break;
		case 1: /* B: reaped after the 2 s delay */
			reap(w, OOMREAP_EV_REAPER_WAKE, seq, pid, t + 2006 * MS, 0, 0);
			reap(w, OOMREAP_EV_REAP_START, seq, pid, t + 2007 * MS, 25600, 0);
			reap(w, OOMREAP_EV_REAP_FINISH, seq, pid, t + 2011 * MS, 0, 0);
			events += 3;
			break;
		case 2: /* C: 10 trylock failures */
			reap(w, OOMREAP_EV_REAPER_WAKE, seq, pid, t + 2006 * MS, 0, 0);
			for (j = 0; j < 10; j++)
				reap(w, OOMREAP_EV_REAP_SKIP, seq, pid, t + (2006 + 104 * j) * MS, 0,
				     OOMREAP_SKIP_TRYLOCK_FAILED);
			events += 11;
			break;
		}
		x = wire__exit(seq, pid, t + (i % 3 == 0 ? 5 * MS : 3100 * MS), 1, 1);
		put(w, &x, sizeof(x));
		events++;
	}
	err = rec_writer__close(w, t);
	if (err)
		die("close", err);
	return events;
}

struct sink_ctx {
	FILE *out;
	struct render_ctx rc;
	uint64_t incidents;
};

static void count_only(const struct oomreap_incident *inc, void *ctx)
{
	((struct sink_ctx *)ctx)->incidents++;
}

static void to_json(const struct oomreap_incident *inc, void *ctx)
{
	struct sink_ctx *c = ctx;

	c->incidents++;
	render__json_incident(c->out, inc, &c->rc);
}

static double run_read(const char *path, uint64_t *events)
{
	struct rec_reader *r;
	struct rec_item it;
	double t0 = now_s();
	int ret;

	*events = 0;
	if (rec_reader__open(&r, path) || rec_reader__start(r))
		die("read", EINVAL);
	while ((ret = rec_reader__next(r, &it)) > 0)
		*events += it.type == REC_ITEM_EVENT;
	if (ret < 0)
		die(rec_reader__error(r), EINVAL);
	rec_reader__free(r);
	return now_s() - t0;
}

static double run_replay(const char *path, incident_fn fn, struct sink_ctx *c)
{
	const char *paths[1] = { path };
	struct tracker_opts to = { .on_close = fn, .ctx = c };
	struct tracker *t;
	struct replay *rp;
	double t0 = now_s();

	t = tracker__new(&to);
	if (!t || replay__open(&rp, paths, 1) || replay__run(rp, t, NULL, NULL, NULL))
		die("replay", EINVAL);
	replay__free(rp);
	tracker__free(t);
	return now_s() - t0;
}

static double run_report(const char *path, enum report_format fmt, FILE *out, uint64_t *n)
{
	const char *paths[1] = { path };
	struct report_opts ro = { .format = fmt };
	struct tracker_opts to = { .on_close = report__on_incident };
	struct report_source src = { .name = "bench" };
	struct tracker *t;
	struct replay *rp;
	struct report *r;
	double t0 = now_s();

	if (replay__open(&rp, paths, 1))
		die("report", EINVAL);
	r = report__new(&ro, replay__header(rp));
	to.ctx = r;
	t = tracker__new(&to);
	if (!r || !t || replay__run(rp, t, NULL, NULL, NULL))
		die("report", EINVAL);
	src.hdr = replay__header(rp);
	src.events = replay__stats(rp)->events;
	src.first_ts_ns = replay__stats(rp)->first_ts_ns;
	src.last_ts_ns = replay__stats(rp)->last_ts_ns;
	if (report__write(r, out, &src, NULL))
		die("report write", EIO);
	*n = report__count(r);
	tracker__free(t);
	report__free(r);
	replay__free(rp);
	return now_s() - t0;
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 100000;
	char path[] = "/tmp/oomreap-bench.XXXXXX";
	struct sink_ctx c = { 0 };
	struct rusage ru;
	struct stat sb;
	uint64_t events, read_events, reported;
	double t, best;
	cpu_set_t one;
	int fd, i;

	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		fprintf(stderr, "bench_replay: not pinned to one CPU: %s\n", strerror(errno));
	fd = mkstemp(path);
	if (fd < 0)
		die("mkstemp", errno);
	close(fd);
	unlink(path);
	events = make_recording(path, n);
	stat(path, &sb);
	c.out = fopen("/dev/null", "w");
	c.rc.page_size = 4096;
	printf("recording: %u incidents, %llu events, %.1f MiB (one core, best of 3)\n", n,
	       (unsigned long long)events, (double)sb.st_size / (1 << 20));

	for (best = 1e9, i = 0; i < 3; i++)
		if ((t = run_read(path, &read_events)) < best)
			best = t;
	printf("  read            %8.3f s  %6.2f M events/s\n", best, read_events / best / 1e6);
	for (best = 1e9, i = 0; i < 3; i++)
		if ((t = run_replay(path, count_only, &c)) < best)
			best = t;
	printf("  replay          %8.3f s  %6.2f M events/s  (goal >= 5)\n", best,
	       events / best / 1e6);
	for (best = 1e9, i = 0; i < 3; i++)
		if ((t = run_replay(path, to_json, &c)) < best)
			best = t;
	printf("  replay + json   %8.3f s  %6.2f M events/s\n", best, events / best / 1e6);
	for (best = 1e9, i = 0; i < 3; i++)
		if ((t = run_report(path, REPORT_MD, c.out, &reported)) < best)
			best = t;
	printf("  report md       %8.3f s  for %llu incidents  (goal < 2 s)\n", best,
	       (unsigned long long)reported);
	for (best = 1e9, i = 0; i < 3; i++)
		if ((t = run_report(path, REPORT_HTML, c.out, &reported)) < best)
			best = t;
	printf("  report html     %8.3f s  for %llu incidents  (goal < 2 s)\n", best,
	       (unsigned long long)reported);
	getrusage(RUSAGE_SELF, &ru);
	printf("  peak RSS        %8.1f MiB\n", ru.ru_maxrss / 1024.0);
	fclose(c.out);
	unlink(path);
	return 0;
}
