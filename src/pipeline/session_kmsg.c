// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The session's kernel log: one reader of /dev/kmsg for the OOM context
 * and the record sink, and the lookup of each kill's context lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/oom_context.h"
#include "core/timefmt.h"
#include "io/errors.h"
#include "pipeline/session.h"

/* /dev/kmsg hands out one record per read(); CONSOLE_LOG_MAX is 1 KiB plus dictionary. */
#define KMSG_READ_MAX 8192
/* Per drain: a printk flood must not starve the ring buffer. */
#define KMSG_RECORDS_PER_DRAIN 4096
/*
 * Lines kept live.  A kill's lines are looked up when it is applied, right
 * after they were read, so only the last moments matter; the bound keeps a
 * daemon's memory flat however long it runs.  Half go at a time; a kill
 * whose window reaches into them is told its lines were lost (kmsg.h).
 */
#define KMSG_LIVE_MAX 8192
/*
 * What the log held before the start that is still read: an incident
 * joined halfway (its kill before the start, its reap after) finds its
 * kill's lines here.  The reaper's verdict comes about 3 s after a kill;
 * more than that, and its OOM report, are kept, no older line.
 */
#define KMSG_BACKLOG_NS (30ull * 1000000000)

int session__open_kmsg(struct session *s)
{
	int err;

	s->kmsg_buf = malloc(KMSG_READ_MAX);
	s->kmsg_fd = s->kmsg_buf ? open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC) : -1;
	if (s->kmsg_fd < 0) {
		err = s->kmsg_buf ? errno : ENOMEM;
		free(s->kmsg_buf);
		s->kmsg_buf = NULL;
		s->kmsg = NULL;
		s->kmsg_why = CTX_WHY_LOG_UNREADABLE;
		p_err("cannot read /dev/kmsg (%s): the OOM context only the kernel log states is "
		      "unknown, and a recording gets no kernel log",
		      strerror(err));
		return -err;
	}
	/*
	 * The window starts KMSG_BACKLOG_NS before now: older lines are not
	 * this session's.  From the start of the buffer, each record before
	 * the window skipped (a kernel without SEEK_SET on /dev/kmsg: now).
	 */
	if (lseek(s->kmsg_fd, 0, SEEK_SET) < 0)
		lseek(s->kmsg_fd, 0, SEEK_END);
	{
		uint64_t now = timefmt__mono_now();

		s->kmsg_since_ns = now > KMSG_BACKLOG_NS ? now - KMSG_BACKLOG_NS : 0;
	}
	s->kmsg = &s->kmsg_live;
	return 0;
}

void session__use_kmsg(struct session *s, const struct kmsg_log *log, uint8_t why)
{
	s->kmsg = log;
	s->kmsg_why = why;
}

bool session__records_kmsg(const struct session *s)
{
	int i;

	for (i = 0; i < s->nsinks; i++)
		if (s->sinks[i].ops->kmsg)
			return true;
	return false;
}

int session__kmsg_wake_fd(const struct session *s)
{
	return s->kmsg_fd >= 0 && session__records_kmsg(s) ? s->kmsg_fd : -1;
}

void session__drain_kmsg(struct session *s, uint64_t now_ns)
{
	bool added = false;
	int i, j;

	for (i = 0; s->kmsg_fd >= 0 && i < KMSG_RECORDS_PER_DRAIN; i++) {
		ssize_t n = read(s->kmsg_fd, s->kmsg_buf, KMSG_READ_MAX);

		if (n > 0) {
			struct kmsg_line line;
			int bad = kmsg__parse_record(s->kmsg_buf, (size_t)n, &line);

			/* before the backlog window: not this session's */
			if (s->kmsg_since_ns && !bad && line.ts_us * 1000 < s->kmsg_since_ns)
				continue;
			/* a record that is not one is still the recording's to keep */
			if (kmsg_log__add_parsed(&s->kmsg_live, bad, &line) == 0)
				added = true;
			for (j = 0; j < s->nsinks; j++)
				if (s->sinks[j].ops->kmsg)
					s->sinks[j].ops->kmsg(&s->sinks[j], now_ns, s->kmsg_buf,
							      (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE) {
			/* Lines overwritten before we read them: the sequence gap says where. */
			s->kmsg_overruns++;
			continue;
		}
		if (n < 0 && errno != EAGAIN) {
			p_err("reading /dev/kmsg failed: %s: going on without the kernel log",
			      strerror(errno));
			close(s->kmsg_fd);
			s->kmsg_fd = -1;
		}
		break;
	}
	if (added) {
		kmsg_log__sort(&s->kmsg_live);
		if (s->kmsg_live.n > KMSG_LIVE_MAX)
			kmsg_log__keep_newest(&s->kmsg_live, KMSG_LIVE_MAX / 2);
	}
}

/*
 * The tracker's three callbacks below only look the kernel log up, in
 * memory: it was read by the pipeline before the tracker was called
 * (session__feed, session__advance, session__finish), so the lines
 * printed before a kill event was read, and the "Killed process" line
 * printed right after it, are there when the tracker asks.
 */
void session__kill_context(struct oomreap_incident *inc, void *ctx)
{
	struct session *s = ctx;

	kmsg__incident_kill_rss(s->kmsg, inc); /* else again at its close */
	kmsg__incident_context(s->kmsg, s->kmsg_why, inc);
}

void session__kill_rss(struct oomreap_incident *inc, void *ctx)
{
	struct session *s = ctx;

	kmsg__incident_kill_rss(s->kmsg, inc);
}

void session__join(struct oomreap_incident *inc, void *ctx)
{
	struct session *s = ctx;

	kmsg__incident_join(s->kmsg, s->kmsg_why, inc, s->rc.page_size);
}

enum oomreap_outcome session__reaper_verdict(const struct oomreap_incident *inc, void *ctx,
					     uint64_t *at)
{
	struct session *s = ctx;

	switch (kmsg__reaper_verdict(s->kmsg, inc, at)) {
	case KMSG_UNABLE:
		return OUTCOME_GAVE_UP;
	case KMSG_REAPED:
		return OUTCOME_REAPED;
	default:
		return OUTCOME_OPEN;
	}
}
