// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "live/consumer.h"
#include "core/errors.h"
#include "core/event.h"
#include "core/ksyms.h"
#include "sinks/sink_prom.h"
#include "core/timefmt.h"

#define POLL_INTERVAL_MS 100
/*
 * Deadlines are judged against the clock only after this much slack, so an
 * event still in flight in the ring buffer is never overtaken.
 */
#define ADVANCE_SLACK_NS 50000000ull

/* Symbols cost ~100 ms and memory: load them only once stacks appear. */
static void session_need_ksyms(struct session *s)
{
	if (s->ksyms_tried)
		return;
	s->ksyms_tried = true;
	s->ksyms = s->kallsyms_open ? ksyms__load_fd(s->kallsyms_fd)
				    : ksyms__load("/proc/kallsyms");
	if (!s->ksyms)
		p_err("kernel symbols unavailable (%s): stacks shown as addresses",
		      strerror(errno));
	s->rc.ksyms = s->ksyms;
}

void session__on_incident(const struct oomreap_incident *inc, void *ctx)
{
	struct session *s = ctx;

	if (!incident__selected(inc, s->env->pid, s->env->cgroup))
		return;
	if (inc->nblockers)
		session_need_ksyms(s);
	summary__add(&s->summary, inc);
	for (int i = 0; i < s->nsinks; i++) {
		int err = s->sinks[i].ops->incident(&s->sinks[i], inc);

		if (err && !s->write_error)
			s->write_error = -err;
	}
}

static void tick_sinks(struct session *s, uint64_t now)
{
	for (int i = 0; i < s->nsinks; i++)
		if (s->sinks[i].ops->tick)
			s->sinks[i].ops->tick(&s->sinks[i], now);
}

static void reopen_sinks(struct session *s)
{
	for (int i = 0; i < s->nsinks; i++)
		if (s->sinks[i].ops->reopen)
			s->sinks[i].ops->reopen(&s->sinks[i]);
}

int session__open_outputs(struct session *s, const char *kernel_release)
{
	const struct env *env = s->env;
	int err;

	err = sink_stream__open(&s->sinks[s->nsinks], stdout, env->json, &s->rc);
	if (err) {
		p_err("cannot set up output: %s", strerror(-err));
		return err;
	}
	s->nsinks++;
	if (env->prom_textfile) {
		struct prom_opts po = { .path = env->prom_textfile,
					.interval_s = env->interval_s,
					.cgroup_cap = env->prom_cgroup_cap,
					.tracker = s->tracker,
					.kernel = kernel_release };

		err = sink_prom__open(&s->sinks[s->nsinks], &po, &s->rc);
		if (err) {
			p_err("cannot set up metrics: %s", strerror(-err));
			return err;
		}
		s->nsinks++;
	}
	return 0;
}

int session__close_sinks(struct session *s)
{
	int first = 0;

	ksyms__free(s->ksyms);
	s->ksyms = NULL;
	if (s->kallsyms_open)
		close(s->kallsyms_fd);
	s->kallsyms_open = false;
	s->rc.ksyms = NULL;
	while (s->nsinks > 0) {
		struct sink *k = &s->sinks[--s->nsinks];
		int err = k->ops->close(k);

		if (err && !first)
			first = err;
	}
	return first;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;

	if (event__validate(data, size) < 0) {
		p_info("dropping malformed event (%zu bytes)", size);
		return 0;
	}
	if (s->env->verbose)
		render__text_event(s->env->json ? stderr : stdout, data, &s->rc);
	/* the record sink stores the symbols of a stack before the stack */
	if (((const struct oomreap_event_header *)data)->type == OOMREAP_EV_BLOCKER)
		session_need_ksyms(s);
	for (int i = 0; i < s->nsinks; i++)
		if (s->sinks[i].ops->event)
			s->sinks[i].ops->event(&s->sinks[i], data, size);
	tracker__feed_checked(s->tracker, data); /* checked above */
	return 0;
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

/*
 * Before the privilege drop: ring_buffer__new() asks the kernel about the
 * map (BPF_OBJ_GET_INFO_BY_FD), which kernels before 5.16 refuse without
 * CAP_BPF when unprivileged BPF is disabled.
 */
int consumer__open_ring(struct session *s)
{
	s->rb = ring_buffer__new(tracer__events_fd(&s->tracer), handle_event, s, NULL);
	return s->rb ? 0 : -errno;
}

int consumer__run(struct session *s)
{
	struct epoll_event ev = { .events = EPOLLIN }, got[4];
	struct ring_buffer *rb = NULL;
	uint64_t stop_at = 0;
	int ep = -1, sfd = -1, status = EXIT_OK, err;
	bool stop = false;

	rb = s->rb ? s->rb : ring_buffer__new(tracer__events_fd(&s->tracer), handle_event, s, NULL);
	s->rb = NULL; /* ours now: freed below */
	if (!rb) {
		p_err("cannot open the ring buffer: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	sfd = open_signalfd();
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || ep < 0) {
		p_err("cannot set up event polling: %s", strerror(errno));
		status = EXIT_RUNTIME;
		goto cleanup;
	}
	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = ring_buffer__epoll_fd(rb);
	epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	if (s->env->duration_s)
		stop_at = timefmt__mono_now() + s->env->duration_s * 1000000000ull;

	while (!stop) {
		int n = epoll_wait(ep, got, 4, POLL_INTERVAL_MS), i;
		uint64_t now;

		if (n < 0 && errno != EINTR) {
			p_err("polling failed: %s", strerror(errno));
			status = EXIT_RUNTIME;
			break;
		}
		for (i = 0; i < n; i++) {
			if (got[i].data.fd == sfd) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP)
						reopen_sinks(s);
					else
						stop = true;
				}
			}
		}
		err = ring_buffer__consume(rb);
		if (err < 0) {
			p_err("reading the ring buffer failed: %s", strerror(-err));
			status = EXIT_RUNTIME;
			break;
		}
		tracker__note_lost(s->tracker, tracer__dropped(&s->tracer));
		now = timefmt__mono_now();
		if (now > ADVANCE_SLACK_NS)
			tracker__advance(s->tracker, now - ADVANCE_SLACK_NS);
		tick_sinks(s, now);
		if (stop_at && now >= stop_at)
			stop = true;
		if (s->write_error) {
			p_err("cannot write output: %s", strerror(s->write_error));
			status = EXIT_RUNTIME;
			break;
		}
	}

	/* Drain what is left, then report what never finished. */
	ring_buffer__consume(rb);
	tracker__note_lost(s->tracker, tracer__dropped(&s->tracer));
	tracker__flush(s->tracker);
	/* one last tick: sinks see the final statistics while the tracker lives */
	tick_sinks(s, timefmt__mono_now());
	if (s->write_error && status == EXIT_OK) {
		p_err("cannot write output: %s", strerror(s->write_error));
		status = EXIT_RUNTIME;
	}
cleanup:
	if (ep >= 0)
		close(ep);
	if (sfd >= 0)
		close(sfd);
	ring_buffer__free(rb);
	return status;
}
