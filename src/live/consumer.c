// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "core/errors.h"
#include "core/event.h"
#include "core/timefmt.h"
#include "live/consumer.h"

#define POLL_INTERVAL_MS 100
/*
 * Deadlines are judged against the clock only after this much slack, so an
 * event still in flight in the ring buffer is never overtaken.
 */
#define ADVANCE_SLACK_NS 50000000ull

/* Each event is checked here, once: the session and the tracker trust it. */
static int handle_event(void *ctx, void *data, size_t size)
{
	struct consumer *c = ctx;

	if (event__validate(data, size) < 0) {
		p_info("dropping malformed event (%zu bytes)", size);
		return 0;
	}
	session__feed(c->session, data, size);
	return 0;
}

int consumer__open(struct consumer *c, struct session *s, const struct tracer *tr,
		   uint64_t duration_s)
{
	memset(c, 0, sizeof(*c));
	c->session = s;
	c->tracer = tr;
	c->duration_s = duration_s;
	c->rb = ring_buffer__new(attach__events_fd(tr), handle_event, c, NULL);
	return c->rb ? 0 : -errno;
}

void consumer__close(struct consumer *c)
{
	ring_buffer__free(c->rb);
	c->rb = NULL;
}

/* SIGINT/SIGTERM arrive on a signalfd: no handler, no global flag. */
static int open_signalfd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);   /* reopen outputs, as daemons do */
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* The signals that came: SIGHUP reopens the outputs; true when one says stop. */
static bool read_signals(struct consumer *c, int sfd)
{
	struct signalfd_siginfo si;
	bool stop = false;

	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			session__reopen(c->session);
		else
			stop = true;
	}
	return stop;
}

int consumer__run(struct consumer *c)
{
	struct epoll_event ev = { .events = EPOLLIN }, got[4];
	struct session *s = c->session;
	uint64_t stop_at = 0;
	int ep = -1, sfd = -1, status = EXIT_OK, err;
	bool stop = false;

	sfd = open_signalfd();
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || ep < 0) {
		p_err("cannot set up event polling: %s", strerror(errno));
		status = EXIT_RUNTIME;
		goto cleanup;
	}
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = ring_buffer__epoll_fd(c->rb);
	epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	if (c->duration_s)
		stop_at = timefmt__mono_now() + c->duration_s * 1000000000ull;

	while (!stop && !s->write_error) {
		int n = epoll_wait(ep, got, 4, POLL_INTERVAL_MS), i;
		uint64_t now;

		if (n < 0 && errno != EINTR) {
			p_err("polling failed: %s", strerror(errno));
			status = EXIT_RUNTIME;
			break;
		}
		for (i = 0; i < n; i++)
			if (got[i].data.fd == sfd && read_signals(c, sfd))
				stop = true;
		/* the kernel log first: the lines printed before a kill precede its event */
		session__drain_kmsg(s, timefmt__mono_now());
		err = ring_buffer__consume(c->rb);
		if (err < 0) {
			p_err("reading the ring buffer failed: %s", strerror(-err));
			status = EXIT_RUNTIME;
			break;
		}
		tracker__note_lost(s->tracker, attach__dropped(c->tracer));
		now = timefmt__mono_now();
		if (now > ADVANCE_SLACK_NS)
			tracker__advance(s->tracker, now - ADVANCE_SLACK_NS);
		session__tick(s, now);
		if (stop_at && now >= stop_at)
			stop = true;
	}

	/* Drain what is left; session__finish() reports what never finished. */
	session__drain_kmsg(s, timefmt__mono_now());
	ring_buffer__consume(c->rb);
	tracker__note_lost(s->tracker, attach__dropped(c->tracer));
cleanup:
	if (ep >= 0)
		close(ep);
	if (sfd >= 0)
		close(sfd);
	return status;
}
