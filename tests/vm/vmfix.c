// SPDX-License-Identifier: GPL-2.0
/*
 * vmfix: the guest-side fixture of the qemu kernel matrix (tests/vm/).
 * Linked statically into the initramfs next to busybox.
 *
 *   vmfix hog MIB
 *       allocate and touch MIB MiB of anonymous memory, 1 MiB at a time,
 *       then print "hog done" and sleep until killed.  In a small memcg it
 *       is OOM-killed in its own page fault (scenario A), or it is the
 *       trigger that pushes the memcg over its limit (B, C).
 *   vmfix victim MIB NTHREADS READYFILE
 *       touch MIB MiB, start NTHREADS-1 more threads that only sleep, write
 *       "PID" to READYFILE (atomically: rename) and sleep until killed.
 *       With NTHREADS=2 in a frozen v1 freezer cgroup the thread the OOM
 *       killer thaws exits while the other one, still frozen, keeps the mm
 *       alive: the reaper reaps (scenario B, docs/LAB.md).
 *   vmfix mono
 *       print CLOCK_MONOTONIC in ns (to line up with trace_clock=mono).
 *
 * The shell does the rest (cgroup membership, oom_score_adj) before exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "vmfix: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void touch(size_t mib)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	for (size_t i = 0; i < mib; i++) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			die("mmap");
		for (size_t off = 0; off < (1 << 20); off += pg)
			p[off] = 1;
	}
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "hog")) {
		touch(strtoul(argv[2], NULL, 0));
		printf("hog done\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	if (argc == 5 && !strcmp(argv[1], "victim")) {
		int n = atoi(argv[3]);
		char tmp[256];
		FILE *f;

		touch(strtoul(argv[2], NULL, 0));
		for (int i = 1; i < n; i++) {
			pthread_t th;

			if (pthread_create(&th, NULL, sleeper, NULL))
				die("pthread_create");
		}
		snprintf(tmp, sizeof(tmp), "%s.tmp", argv[4]);
		f = fopen(tmp, "w");
		if (!f)
			die(tmp);
		fprintf(f, "%d\n", getpid());
		if (fclose(f) || rename(tmp, argv[4]))
			die(argv[4]);
		for (;;)
			pause();
	}
	if (argc == 2 && !strcmp(argv[1], "mono")) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		return 0;
	}
	fprintf(stderr, "usage: vmfix hog MIB | victim MIB NTHREADS READYFILE | mono\n");
	return 2;
}
