// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "core/event.h"
#include "core/missed.h"
#include "core/timefmt.h"
#include "io/errors.h"
#include "live/consumer.h"

/*
 * Deadlines are judged against the clock only after this much slack, so an
 * event still in flight in the ring buffer is never overtaken.
 */
#define ADVANCE_SLACK_NS 50000000ull
/*
 * While an incident is open the reader still looks at least this often,
 * the fixed tick it had before: the events that end an incident wake it
 * (bpf/oomreap.bpf.h), and this makes sure none is ever later than then.
 */
#define OPEN_BACKSTOP_NS 100000000ull
/* Retrying stdout when it cannot be polled (it then never blocks anyway). */
#define STDOUT_RETRY_NS 100000000ull

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

static int open_signalfd(void);

int consumer__open(struct consumer *c, struct session *s, const struct tracer *tr,
		   uint64_t duration_s)
{
	memset(c, 0, sizeof(*c));
	c->session = s;
	c->tracer = tr;
	c->duration_s = duration_s;
	c->sfd = open_signalfd();
	if (c->sfd < 0)
		return c->sfd == -1 ? -errno : c->sfd;
	c->rb = ring_buffer__new(attach__events_fd(tr), handle_event, c, NULL);
	return c->rb ? 0 : -errno;
}

void consumer__close(struct consumer *c)
{
	ring_buffer__free(c->rb);
	c->rb = NULL;
	if (c->sfd >= 0)
		close(c->sfd);
	c->sfd = -1;
}

/*
 * Both ways the kernel loses an event of ours, read at each wake-up (the
 * reader is awake anyway: no wake-up of its own) and at the end: read
 * *before* the drain, given to the tracker after it.  A loss touches an
 * incident whose kill came before it, so every such kill is then in the
 * tracker.  Read after the drain, a loss that happened meanwhile was
 * pinned on the incidents open at the read only, not on those whose kills
 * still waited in the buffer: seen on PREEMPT_RT, a group kill's members
 * whose exits the kernel skipped left open, nothing counted against them.
 */
struct losses {
	uint64_t dropped;
	struct runs_missed missed;
	uint64_t by_ns; /* read by then (CLOCK_MONOTONIC, the events' clock) */
};

static void read_losses(const struct consumer *c, struct losses *l)
{
	l->dropped = attach__dropped(c->tracer);
	attach__missed(c->tracer, &l->missed);
	/* after the counters: every loss they count had happened by then */
	l->by_ns = timefmt__mono_now();
}

static void note_losses(struct consumer *c, const struct losses *l)
{
	session__note_losses(c->session, l->dropped, &l->missed, l->by_ns);
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

/*
 * When to look again with no event to wake us: the tracker's next
 * deadline (plus the slack), the sinks' next tick (the Prometheus
 * interval), --duration, the backstop while incidents are open, stdout
 * when it is waiting and cannot be polled.  UINT64_MAX: only an event or a
 * signal; idle, the reader never wakes.
 */
static uint64_t next_wake(const struct consumer *c, uint64_t now, uint64_t stop_at,
			  bool out_unpollable)
{
	const struct session *s = c->session;
	uint64_t at = session__next_tick(s), d = session__next_deadline(s);

	if (d != UINT64_MAX && d + ADVANCE_SLACK_NS < at)
		at = d + ADVANCE_SLACK_NS;
	if (stop_at && stop_at < at)
		at = stop_at;
	if (session__open_count(s) && now + OPEN_BACKSTOP_NS < at)
		at = now + OPEN_BACKSTOP_NS;
	if (out_unpollable && session__stdout_pending(s) && now + STDOUT_RETRY_NS < at)
		at = now + STDOUT_RETRY_NS;
	return at;
}

/* Arm the timer for `at` (CLOCK_MONOTONIC, absolute), or disarm it. */
static void arm(int tfd, uint64_t at, uint64_t *armed)
{
	struct itimerspec its = { 0 };

	if (at == *armed)
		return;
	*armed = at;
	if (at != UINT64_MAX) {
		if (!at)
			at = 1; /* 0 would disarm it: "now" is any time already past */
		its.it_value.tv_sec = (time_t)(at / 1000000000ull);
		its.it_value.tv_nsec = (long)(at % 1000000000ull);
	}
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

int consumer__run(struct consumer *c)
{
	struct epoll_event ev = { .events = EPOLLIN }, got[4];
	struct session *s = c->session;
	uint64_t stop_at = 0, armed = UINT64_MAX, expirations;
	int ep = -1, sfd = c->sfd, tfd = -1, status = EXIT_OK, err, out_fd, kmsg_fd, kcg_fd;
	bool stop = false, out_polled = false, out_unpollable = false;
	struct losses losses;

	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (sfd < 0 || ep < 0 || tfd < 0) {
		p_err("cannot set up event polling: %s", strerror(errno));
		status = EXIT_RUNTIME;
		goto cleanup;
	}
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = tfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	ev.data.fd = ring_buffer__epoll_fd(c->rb);
	epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	/*
	 * A recording keeps the whole kernel log: a new line wakes the reader
	 * (rare on a quiet kernel), so none waits for an OOM to be read and
	 * none is overwritten while nothing else happens.  Without one, the
	 * log is only read before each batch of events, for their context.
	 */
	kmsg_fd = session__kmsg_wake_fd(s);
	if (kmsg_fd >= 0) {
		ev.data.fd = kmsg_fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, kmsg_fd, &ev);
	}
	/* a --killer-cgroup's unit restarting: its cgroup's new id into the map */
	kcg_fd = c->killer_cgroups ? killer_cgroups__fd(c->killer_cgroups) : -1;
	if (kcg_fd >= 0) {
		ev.data.fd = kcg_fd;
		epoll_ctl(ep, EPOLL_CTL_ADD, kcg_fd, &ev);
	}
	out_fd = session__stdout_poll_fd(s);
	if (c->duration_s)
		stop_at = timefmt__mono_now() + c->duration_s * 1000000000ull;

	while (!stop && !session__failed(s)) {
		uint64_t now;
		int n, i;

		/* stdout's reader is waited for only while something is pending */
		if (out_fd >= 0 && !out_unpollable && session__stdout_pending(s) != out_polled) {
			struct epoll_event oev = { .events = EPOLLOUT, .data.fd = out_fd };

			if (!epoll_ctl(ep, out_polled ? EPOLL_CTL_DEL : EPOLL_CTL_ADD, out_fd, &oev))
				out_polled = !out_polled;
			else
				out_unpollable = true;
		}
		arm(tfd, next_wake(c, timefmt__mono_now(), stop_at, out_unpollable), &armed);
		n = epoll_wait(ep, got, 4, -1);
		if (n < 0 && errno != EINTR) {
			p_err("polling failed: %s", strerror(errno));
			status = EXIT_RUNTIME;
			break;
		}
		for (i = 0; i < n; i++) {
			if (got[i].data.fd == sfd && read_signals(c, sfd))
				stop = true;
			else if (got[i].data.fd == kcg_fd)
				killer_cgroups__refresh(c->killer_cgroups);
			else if (got[i].data.fd == tfd) {
				if (read(tfd, &expirations, sizeof(expirations)) > 0)
					armed = UINT64_MAX; /* fired: arm anew */
			}
		}
		/*
		 * The kernel log first (the lines printed before a kill precede
		 * its event), then what was queued without a wake-up, then the
		 * deadlines.
		 */
		session__drain_kmsg(s, timefmt__mono_now());
		read_losses(c, &losses);
		err = ring_buffer__consume(c->rb);
		if (err < 0) {
			p_err("reading the ring buffer failed: %s", strerror(-err));
			status = EXIT_RUNTIME;
			break;
		}
		note_losses(c, &losses);
		now = timefmt__mono_now();
		if (now > ADVANCE_SLACK_NS)
			session__advance(s, now - ADVANCE_SLACK_NS);
		session__tick(s, now);
		session__flush_stdout(s);
		if (stop_at && now >= stop_at)
			stop = true;
	}

	/* Drain what is left; session__finish() reports what never finished. */
	session__drain_kmsg(s, timefmt__mono_now());
	read_losses(c, &losses);
	ring_buffer__consume(c->rb);
	note_losses(c, &losses);
	read_losses(c, &losses); /* the totals the summary gives: the latest */
	note_losses(c, &losses);
cleanup:
	if (ep >= 0)
		close(ep);
	if (tfd >= 0)
		close(tfd);
	return status;
}
