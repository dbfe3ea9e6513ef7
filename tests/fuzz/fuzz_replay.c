// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness: an arbitrary file as a recording, end to end through
 * the commands' own path: replay__open and replay__run on a real file
 * descriptor (a memfd), into
 *   - a replay session with --json and -v (the JSON sink, the raw event
 *     lines, the summary), as `oomreap-trace replay --json -v` runs it,
 *     and the text sink for odd-sized inputs;
 *   - a report in Markdown and in HTML, as `oomreap-trace report` runs it.
 * Every message replay gives must be one line.  Run with
 * -close_fd_mask=3 (tests/fuzz/run_fuzz.sh): the outputs go to stdout and
 * stderr, which libFuzzer's own reports do not need.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/tracker.h"
#include "rec/kmsg.h"
#include "rec/replay.h"
#include "report/model.h" /* the harness switches the format of one report */
#include "pipeline/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(const char *msg)
{
	if (strchr(msg, '\n'))
		__builtin_trap();
}

static void replay_session(const char *const *paths, bool json)
{
	struct session_opts so = { .json = json, .verbose = true, .max_open = 8, .replay = true };
	struct render_ctx rc = { 0 };
	const struct oomrec_header *h;
	struct replay *rp;
	struct session s;

	if (replay__open(&rp, paths, 1)) {
		if (rp)
			one_line(replay__error(rp));
		replay__free(rp);
		return;
	}
	h = replay__header(rp);
	rc.mono_to_real_ns = h->mono_to_real_ns;
	rc.page_size = h->page_size;
	rc.attach = "tracepoint";
	so.kernel = h->kernel_release;
	if (session__open(&s, &so, &rc)) {
		replay__free(rp);
		return;
	}
	if (!session__open_outputs(&s)) {
		session__set_symbols(&s, replay__symbols(rp));
		if (replay__run(rp, s.tracker, NULL, session__observe, &s))
			one_line(replay__error(rp));
		else
			one_line(replay__note(rp));
		session__finish(&s, replay__stats(rp)->last_ts_ns,
				replay__stats(rp)->ringbuf_lost);
	}
	session__close(&s, 0);
	replay__free(rp);
}

static void report_both(const char *const *paths)
{
	struct report_opts ro = { .format = REPORT_MD, .detail_max = 4 };
	struct tracker_opts to = { .max_open = 8, .on_close = report__on_incident };
	struct report_source src = { .name = "fuzz" };
	const struct replay_stats *st;
	struct replay *rp;
	struct tracker *t = NULL;
	struct report *rep = NULL;
	struct kmsg_log k;
	FILE *devnull;
	int rerr;

	kmsg_log__init(&k);
	if (replay__open(&rp, paths, 1))
		goto out;
	rep = report__new(&ro, replay__header(rp));
	if (!rep)
		goto out;
	report__set_symbols(rep, replay__symbols(rp));
	to.ctx = rep;
	t = tracker__new(&to);
	if (!t)
		goto out;
	rerr = replay__run(rp, t, &k, NULL, NULL);
	st = replay__stats(rp);
	src.hdr = replay__header(rp);
	src.first_ts_ns = st->first_ts_ns;
	src.last_ts_ns = st->last_ts_ns;
	src.events = st->events;
	src.ringbuf_lost = st->ringbuf_lost;
	src.unrecorded = st->unrecorded;
	src.problem = rerr ? replay__error(rp) : NULL;
	src.partial = !rerr && *replay__note(rp) ? replay__note(rp) : NULL;
	src.kmsg_name = "fuzz";
	src.kmsg_lines = k.n;
	devnull = fopen("/dev/null", "w");
	if (devnull) {
		report__write(rep, devnull, &src, &k);
		rep->opts.format = REPORT_HTML;
		report__write(rep, devnull, &src, &k);
		fclose(devnull);
	}
out:
	kmsg_log__free(&k);
	tracker__free(t);
	report__free(rep);
	replay__free(rp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	const char *paths[1] = { path };
	int fd = memfd_create("fuzz-recording", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	replay_session(paths, true);
	if (size & 1)
		replay_session(paths, false);
	report_both(paths);
	close(fd);
	return 0;
}
