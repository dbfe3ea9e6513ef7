// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loads bench/event_floor.bpf.c, says "ready" on stderr once attached and
 * waits, like oomreap-trace's reader, in epoll_wait on the ring buffer
 * until SIGINT/SIGTERM; bench/run_bench.py reads its programs' costs
 * (bpf_stats) beside oomreap-trace's.  The reader matters to the floor: a
 * wake-up (BPF_RB_FORCE_WAKEUP) with nobody waiting is an irq_work that
 * finds an empty wait queue, and one with a waiter wakes a task on another
 * CPU from inside the program, as ours does.  It consumes what arrives and
 * does nothing with it.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "event_floor.skel.h"

static int ignore_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

int main(void)
{
	struct epoll_event ev = { .events = EPOLLIN }, got;
	struct ring_buffer *rb = NULL;
	struct event_floor *skel;
	int ep = -1, sfd = -1, status = 1;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	skel = event_floor__open_and_load();
	if (!skel || event_floor__attach(skel)) {
		fprintf(stderr, "event_floor: cannot load or attach\n");
		goto out;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.floor_events), ignore_event, NULL, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!rb || sfd < 0 || ep < 0) {
		fprintf(stderr, "event_floor: cannot set up its reader\n");
		goto out;
	}
	ev.data.fd = ring_buffer__epoll_fd(rb);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev))
		goto out;
	ev.data.fd = sfd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev))
		goto out;
	fprintf(stderr, "ready\n");
	for (;;) {
		if (epoll_wait(ep, &got, 1, -1) < 1)
			continue;
		if (got.data.fd == sfd)
			break;
		ring_buffer__consume(rb);
	}
	status = 0;
out:
	if (ep >= 0)
		close(ep);
	if (sfd >= 0)
		close(sfd);
	ring_buffer__free(rb);
	event_floor__destroy(skel);
	return status;
}
