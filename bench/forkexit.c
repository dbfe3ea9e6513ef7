// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * forkexit: the cost of fork + exit + wait, the path on which the only
 * oomreap-trace program that runs outside OOM kills fires
 * (sched:sched_process_exit, filtered on signal->oom_mm).
 *
 *   forkexit N        prints "forkexit n=N ns_per_op=X cpu_ns_per_op=Y"
 *   forkexit N kill   the same, each child killed by SIGKILL instead of
 *                     exiting: the exit filter's second test passes for those
 *                     (a process a SIGKILL takes down may be an OOM victim
 *                     not marked yet), so this is its slow path's cost
 *
 * cpu_ns_per_op is user + system time of this process and its children:
 * the exit probe runs in the exiting child's context, and CPU time is far
 * less disturbed than wall time by other work on a small shared machine.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static unsigned long long cpu_ns(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ull +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000, i;
	int kill9 = argc > 2 && !strcmp(argv[2], "kill");
	unsigned long long t0, c0;

	if (n <= 0 || (argc > 2 && !kill9)) {
		fprintf(stderr, "usage: forkexit N [kill]\n");
		return 2;
	}
	c0 = cpu_ns(RUSAGE_SELF) + cpu_ns(RUSAGE_CHILDREN);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		pid_t p = fork();
		int st;

		if (p < 0) {
			perror("fork");
			return 1;
		}
		if (p == 0) {
			if (kill9)
				for (;;)
					pause();
			_exit(0);
		}
		if (kill9 && kill(p, SIGKILL)) {
			perror("kill");
			return 1;
		}
		if (waitpid(p, &st, 0) != p) {
			perror("waitpid");
			return 1;
		}
	}
	t0 = now_ns() - t0;
	c0 = cpu_ns(RUSAGE_SELF) + cpu_ns(RUSAGE_CHILDREN) - c0;
	printf("forkexit n=%ld ns_per_op=%.1f cpu_ns_per_op=%.1f\n", n, (double)t0 / n,
	       (double)c0 / n);
	return 0;
}
