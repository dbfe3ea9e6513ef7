// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * oomstorm: many memory cgroups OOM-killing at once, for a fixed time.
 *
 *   oomstorm -n COMM -m MIB -d MS CGDIR...
 *
 * One lane per CGDIR (a memory cgroup the caller made, with a limit below
 * MIB): a child joins it, names itself COMM (so a tracefs filter can count
 * exactly our kills), touches MIB MiB and is OOM-killed in its own fault;
 * the lane forks the next one at once, until MS milliseconds have passed.
 * Children die with us (PR_SET_PDEATHSIG) and only ever allocate inside
 * their memcg.  Prints "oomstorm lanes=L kills=K other=O elapsed_ns=T".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_LANES 256

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void child(const char *cg, const char *comm, size_t mib, pid_t parent)
{
	char path[4096], pid[32];
	size_t len = mib << 20, off;
	int fd;
	char *p;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(3);
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, pid, strlen(pid)) < 0)
		_exit(4); /* never allocate outside the memcg */
	close(fd);
	prctl(PR_SET_NAME, comm);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(5);
	for (off = 0; off < len; off += 4096)
		p[off] = 1;
	_exit(0); /* not killed: the limit was too high */
}

int main(int argc, char **argv)
{
	pid_t lanes[MAX_LANES] = { 0 }, self = getpid();
	const char *comm = "oomstorm";
	unsigned long long t0, deadline;
	long kills = 0, other = 0;
	size_t mib = 32;
	int opt, n, i, running = 0;
	long ms = 1000;

	while ((opt = getopt(argc, argv, "n:m:d:")) != -1) {
		switch (opt) {
		case 'n': comm = optarg; break;
		case 'm': mib = strtoul(optarg, NULL, 0); break;
		case 'd': ms = atol(optarg); break;
		default: goto usage;
		}
	}
	n = argc - optind;
	if (n <= 0 || n > MAX_LANES || !mib || ms <= 0)
		goto usage;
	t0 = now_ns();
	deadline = t0 + ms * 1000000ull;
	for (;;) {
		int st;
		pid_t p;

		for (i = 0; i < n && now_ns() < deadline; i++) {
			if (lanes[i])
				continue;
			p = fork();
			if (p < 0) {
				perror("fork");
				break;
			}
			if (p == 0)
				child(argv[optind + i], comm, mib, self);
			lanes[i] = p;
			running++;
		}
		if (!running)
			break;
		p = wait(&st);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			perror("wait");
			return 1;
		}
		for (i = 0; i < n; i++)
			if (lanes[i] == p)
				lanes[i] = 0;
		running--;
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			kills++;
		else
			other++;
	}
	printf("oomstorm lanes=%d kills=%ld other=%ld elapsed_ns=%llu\n", n, kills, other,
	       now_ns() - t0);
	return 0;
usage:
	fprintf(stderr, "usage: oomstorm -n COMM -m MIB -d MS CGDIR... (at most %d)\n", MAX_LANES);
	return 2;
}
