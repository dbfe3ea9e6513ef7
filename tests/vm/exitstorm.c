// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * exitstorm: guest fixture of the kernel matrix's scenario R (tests/vm/).
 * Makes the kernel skip runs of the tracer's sched_process_exit program,
 * for real, on a kernel whose tracepoint programs run preemptible (7.0+:
 * SRCU-protected tracepoints; Debian's 7.x kernels are PREEMPT_LAZY, the
 * -rt flavour fully preemptible).
 *
 * How (kernel/trace/bpf_trace.c __bpf_trace_run, include/linux/bpf.h): a
 * program's run takes a per-CPU "active" count; a second run of the same
 * program on that CPU while the first has not finished is skipped and
 * counted in the program's recursion_misses.  So, on every CPU:
 *   - NFORK normal processes fork children that exit at once, in a loop:
 *     the CPU is almost always in do_exit, often inside the program;
 *   - one SCHED_FIFO process starts threads that sleep PERIOD_US on a
 *     timer and exit: the timer's wake-up preempts whatever runs there
 *     (immediately: an RT task over a normal one), possibly a child
 *     inside the program, and the woken thread's own exit then runs the
 *     program on the same CPU while that run is still active.
 * Each process is pinned to its CPU so the preempted run and the
 * re-entry share it.
 *
 *   exitstorm SECONDS [NFORK [PERIOD_US]]   the storm; exit 0 when it ran
 *   exitstorm hog [THREADS]                 allocate and touch until killed,
 *                                           with THREADS sleeping threads
 *
 * The storm lasts SECONDS, and goes on (up to 3 x SECONDS) until the
 * kernel has skipped a run of a BPF program: whether a run is preempted
 * at the right instant is chance, and fewer exits happen when the host is
 * busy, so a fixed length sometimes made no skip at all.  The kernel's own
 * count is read from every loaded program's bpf_prog_info
 * (recursion_misses, 5.12+): in the guest only the tracer's are loaded.
 *
 * Prints "exitstorm: N exits in S s on C CPUs, F helpers failed, M runs
 * skipped (kernel)" at the end (M: the programs' recursion_misses grown
 * during the storm, "unknown" when they cannot be read).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("exitstorm: sched_setaffinity");
		exit(2);
	}
}

/* Set by the parent when the storm is over; shared with every helper. */
static volatile int *stop;

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* The sum of every loaded program's recursion_misses; -1 if unreadable. */
static long long kernel_misses(void)
{
	long long sum = 0;
	__u32 id = 0;
	int seen = 0;

	for (;;) {
		union bpf_attr a;
		struct bpf_prog_info info;
		int fd;

		memset(&a, 0, sizeof(a));
		a.start_id = id;
		if (sys_bpf(BPF_PROG_GET_NEXT_ID, &a))
			break; /* ENOENT: the last one */
		id = a.next_id;
		memset(&a, 0, sizeof(a));
		a.prog_id = id;
		fd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
		if (fd < 0)
			continue; /* unloaded meanwhile */
		memset(&info, 0, sizeof(info));
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = (__u32)fd;
		a.info.info_len = sizeof(info);
		a.info.info = (__u64)(unsigned long)&info;
		if (!sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a)) {
			sum += (long long)info.recursion_misses;
			seen++;
		}
		close(fd);
	}
	return seen ? sum : -1;
}

/* Normal priority: fork children that exit at once, until the storm ends. */
static void forker(int cpu, int fd)
{
	unsigned long n = 0;

	pin(cpu);
	while (!*stop) {
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		if (p > 0) {
			waitpid(p, NULL, 0);
			n++;
		}
	}
	if (write(fd, &n, sizeof(n)) != sizeof(n))
		_exit(2);
	_exit(0);
}

static long period_ns;

static void *rt_thread(void *arg)
{
	struct timespec ts = { 0, period_ns };

	(void)arg;
	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	return NULL; /* the thread's exit: the program runs again on this CPU */
}

/* SCHED_FIFO: threads woken by a timer that exit at once, until the storm ends. */
static void rt_waker(int cpu, int fd)
{
	struct sched_param sp = { .sched_priority = 50 };
	unsigned long n = 0;

	pin(cpu);
	if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
		perror("exitstorm: SCHED_FIFO");
		_exit(2);
	}
	while (!*stop) {
		pthread_t t;

		/* threads inherit the policy and the CPU */
		if (pthread_create(&t, NULL, rt_thread, NULL))
			continue;
		pthread_join(t, NULL);
		n++;
	}
	if (write(fd, &n, sizeof(n)) != sizeof(n))
		_exit(2);
	_exit(0);
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/*
 * The OOM victim: threads that only sleep, so that when it is killed its
 * exit is many exits at once, each a run of the exit program among the
 * storm's (the incident stays open until the last), then memory until
 * killed.
 */
static int __attribute__((noreturn)) hog(int threads)
{
	pthread_t t;
	int i;

	for (i = 0; i < threads; i++)
		if (pthread_create(&t, NULL, sleeper, NULL))
			break;
	for (;;) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p == MAP_FAILED)
			continue;
		memset(p, 1, 1 << 20);
	}
}

int main(int argc, char **argv)
{
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN), nfork, cpu, i, fds[2], status, bad = 0;
	unsigned long exits = 0, v;
	long long m0, m1 = -1;
	double secs, start, elapsed;
	char skipped[32];

	if (argc >= 2 && argc <= 3 && !strcmp(argv[1], "hog"))
		hog(argc == 3 ? atoi(argv[2]) : 0);
	if (argc < 2 || argc > 4 || (secs = atof(argv[1])) <= 0) {
		fprintf(stderr, "usage: exitstorm SECONDS [NFORK [PERIOD_US]] | exitstorm hog [THREADS]\n");
		return 2;
	}
	nfork = argc > 2 ? atoi(argv[2]) : 2;
	period_ns = (argc > 3 ? atol(argv[3]) : 200) * 1000;
	if (nfork < 1 || period_ns < 1000 || ncpu < 1) {
		fprintf(stderr, "exitstorm: bad arguments\n");
		return 2;
	}
	stop = mmap(NULL, sizeof(*stop), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stop == MAP_FAILED) {
		perror("exitstorm: mmap");
		return 2;
	}
	*stop = 0;
	/* each helper writes how many exits it made */
	if (pipe(fds)) {
		perror("exitstorm: pipe");
		return 2;
	}
	m0 = kernel_misses();
	start = now_s();
	for (cpu = 0; cpu < ncpu; cpu++) {
		for (i = 0; i < nfork; i++)
			if (fork() == 0) {
				close(fds[0]);
				forker(cpu, fds[1]);
			}
		if (fork() == 0) {
			close(fds[0]);
			rt_waker(cpu, fds[1]);
		}
	}
	close(fds[1]);
	/* SECONDS, then on until the kernel skipped a run, at most 3 x SECONDS */
	for (;;) {
		struct timespec tick = { 0, 200 * 1000 * 1000 };
		double t = now_s() - start;

		if (t >= 3 * secs)
			break;
		if (t >= secs) {
			m1 = kernel_misses();
			if (m0 < 0 || m1 < 0 || m1 > m0)
				break;
		}
		nanosleep(&tick, NULL);
	}
	*stop = 1;
	elapsed = now_s() - start;
	while (read(fds[0], &v, sizeof(v)) == sizeof(v))
		exits += v;
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
	m1 = kernel_misses();
	if (m0 < 0 || m1 < 0)
		snprintf(skipped, sizeof(skipped), "unknown");
	else
		snprintf(skipped, sizeof(skipped), "%lld", m1 - m0);
	printf("exitstorm: %lu exits in %.1f s on %d CPUs, %d helpers failed, %s runs skipped (kernel)\n",
	       exits, elapsed, ncpu, bad, skipped);
	return bad ? 1 : 0;
}
