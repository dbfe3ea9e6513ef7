// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sigload: loads for the userspace-killer programs' cost (bench/killers.py).
 *
 *   sigload kill N      fork N children, SIGKILL each (this process is no
 *                       memory killer: the signal_generate program's exe
 *                       lookup path, and the exit filter's pending-victims
 *                       lookup, run for nothing), wait for each
 *   sigload syscall N   N getppid() system calls: the cost of one system
 *                       call, with or without the syscall tracepoints
 *
 * Prints "sigload MODE n=N ns_per_op=X cpu_ns_per_op=Y" (CPU time of this
 * process and its children: less disturbed by other work than wall time).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static unsigned long long cpu_ns(void)
{
	struct rusage a, b;

	getrusage(RUSAGE_SELF, &a);
	getrusage(RUSAGE_CHILDREN, &b);
	return (a.ru_utime.tv_sec + a.ru_stime.tv_sec + b.ru_utime.tv_sec + b.ru_stime.tv_sec) *
		       1000000000ull +
	       (a.ru_utime.tv_usec + a.ru_stime.tv_usec + b.ru_utime.tv_usec + b.ru_stime.tv_usec) *
		       1000ull;
}

int main(int argc, char **argv)
{
	unsigned long long t0, c0, t1, c1;
	long i, n;

	if (argc != 3 || (strcmp(argv[1], "kill") && strcmp(argv[1], "syscall")) ||
	    (n = strtol(argv[2], NULL, 0)) <= 0) {
		fprintf(stderr, "usage: sigload kill|syscall N\n");
		return 2;
	}
	t0 = now_ns();
	c0 = cpu_ns();
	if (!strcmp(argv[1], "kill")) {
		for (i = 0; i < n; i++) {
			pid_t p = fork();

			if (p < 0) {
				perror("fork");
				return 1;
			}
			if (p == 0) {
				for (;;)
					pause();
			}
			kill(p, SIGKILL);
			waitpid(p, NULL, 0);
		}
	} else {
		for (i = 0; i < n; i++)
			syscall(SYS_getppid);
	}
	t1 = now_ns();
	c1 = cpu_ns();
	printf("sigload %s n=%ld ns_per_op=%llu cpu_ns_per_op=%llu\n", argv[1], n, (t1 - t0) / n,
	       (c1 - c0) / n);
	return 0;
}
