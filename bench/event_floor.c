// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loads bench/event_floor.bpf.c, says "ready" on stderr once attached and
 * waits for SIGINT/SIGTERM; bench/run_bench.py reads its programs' costs
 * (bpf_stats) beside oomreap-trace's.  It never reads the ring buffer:
 * when it is full, reserves fail early, so the bench's short runs stay far
 * below its 1 MiB.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "event_floor.skel.h"

int main(void)
{
	struct event_floor *skel;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	skel = event_floor__open_and_load();
	if (!skel || event_floor__attach(skel)) {
		fprintf(stderr, "event_floor: cannot load or attach\n");
		event_floor__destroy(skel);
		return 1;
	}
	fprintf(stderr, "ready\n");
	sigwait(&set, &sig);
	event_floor__destroy(skel);
	return 0;
}
