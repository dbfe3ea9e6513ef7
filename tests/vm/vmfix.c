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
 *   vmfix spread MIB FILE READYFILE
 *       touch MIB MiB from every online CPU: one thread pinned to each CPU
 *       touches its share, and checks it ran there, plus 16 to 31 pages
 *       more: a whole number of MiB is a multiple of the counters' batch
 *       (32 pages up to 16 CPUs), which would leave nothing unfolded.
 *       Each CPU then holds its own part of the mm's RSS counters (6.2+),
 *       hundreds of KiB in all at 8 CPUs.  Then a
 *       thread pread()s FILE, a file on the fuse_hold mount, and stays in
 *       the held READ: after SIGKILL it keeps the mm alive until the READ
 *       is answered, so the oom_reaper reaps it (scenario R-allcpu).
 *       Writes "PID READER_TID NCPU" to READYFILE and sleeps until killed.
 *   vmfix slab MIB READYFILE
 *       fill MIB MiB of unreclaimable slab: System V messages of ~4 KiB
 *       (each one kmalloc()), in one queue (the shell raises
 *       kernel.msgmnb first); write "PID" to READYFILE and sleep; SIGTERM
 *       removes the queue and exits.  A global OOM then finds more
 *       unreclaimable slab than user memory and the kernel lists its
 *       caches (dump_unreclaimable_slab(), scenario O-slab).
 *   vmfix mono
 *       print CLOCK_MONOTONIC in ns (to line up with trace_clock=mono).
 *
 * The shell does the rest (cgroup membership, oom_score_adj) before exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <termios.h>

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

struct spread_part {
	int cpu;
	size_t mib, pages;
	int err;	/* 0, or why this CPU's share was not touched there */
};

static void *spread_touch(void *arg)
{
	struct spread_part *sp = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(sp->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		sp->err = errno;
		return NULL;
	}
	touch(sp->mib);
	if (sp->pages) {
		size_t pg = (size_t)sysconf(_SC_PAGESIZE);
		char *p = mmap(NULL, sp->pages * pg, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			sp->err = errno;
			return NULL;
		}
		for (size_t i = 0; i < sp->pages; i++)
			p[i * pg] = 1;
	}
	if (sched_getcpu() != sp->cpu)
		sp->err = EXDEV;
	return NULL;
}

static int read_fd = -1;
static pid_t reader_tid;
static pthread_mutex_t reader_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reader_cond = PTHREAD_COND_INITIALIZER;

static void *spread_reader(void *arg)
{
	char buf[4096];

	(void)arg;
	pthread_mutex_lock(&reader_lock);
	reader_tid = (pid_t)syscall(SYS_gettid);
	pthread_cond_signal(&reader_cond);
	pthread_mutex_unlock(&reader_lock);
	/* Blocks in the FUSE daemon; after SIGKILL we never return. */
	(void)!pread(read_fd, buf, sizeof(buf), 0);
	return NULL;
}

static void spread(size_t mib, const char *file, const char *ready)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	struct spread_part part[256];
	pthread_t th[256], rd;
	char tmp[256];
	FILE *f;

	if (n < 1 || n > 256) {
		fprintf(stderr, "vmfix: %ld CPUs\n", n);
		exit(1);
	}
	for (long i = 0; i < n; i++) {
		/* the remainder goes to CPU 0: every MiB is touched */
		part[i] = (struct spread_part){ .cpu = (int)i,
			.mib = mib / (size_t)n + (i ? 0 : mib % (size_t)n),
			.pages = 31 - (size_t)(i % 16) };
		if (pthread_create(&th[i], NULL, spread_touch, &part[i]))
			die("pthread_create");
	}
	for (long i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		if (part[i].err) {
			errno = part[i].err;
			die("touching from its own CPU");
		}
	}
	read_fd = open(file, O_RDONLY | O_CLOEXEC);
	if (read_fd < 0)
		die(file);
	pthread_mutex_lock(&reader_lock);
	if (pthread_create(&rd, NULL, spread_reader, NULL))
		die("pthread_create");
	while (!reader_tid)
		pthread_cond_wait(&reader_cond, &reader_lock);
	pthread_mutex_unlock(&reader_lock);
	snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
	f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	fprintf(f, "%d %d %ld\n", getpid(), reader_tid, n);
	if (fclose(f) || rename(tmp, ready))
		die(ready);
	for (;;)
		pause();
}

static int slab_q = -1;

static void slab_term(int sig)
{
	(void)sig;
	msgctl(slab_q, IPC_RMID, NULL);
	_exit(0);
}

static void slab(size_t mib, const char *ready)
{
	struct {
		long mtype;
		char text[4000]; /* with struct msg_msg's header, one 4 KiB kmalloc */
	} m;
	size_t n = mib * 1024 * 1024 / sizeof(m.text), i;
	char tmp[256];
	FILE *f;

	signal(SIGTERM, slab_term);
	slab_q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (slab_q < 0)
		die("msgget");
	memset(&m, 0x5a, sizeof(m));
	m.mtype = 1;
	for (i = 0; i < n; i++)
		if (msgsnd(slab_q, &m, sizeof(m.text), IPC_NOWAIT)) {
			msgctl(slab_q, IPC_RMID, NULL);
			die("msgsnd");
		}
	snprintf(tmp, sizeof(tmp), "%s.tmp", ready);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f) || rename(tmp, ready)) {
		msgctl(slab_q, IPC_RMID, NULL);
		die(ready);
	}
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "slab"))
		slab(strtoul(argv[2], NULL, 0), argv[3]);
	if (argc == 5 && !strcmp(argv[1], "spread"))
		spread(strtoul(argv[2], NULL, 0), argv[3], argv[4]);
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
	if (argc == 2 && !strcmp(argv[1], "drain")) {
		/*
		 * The init's last line must leave the serial port before the
		 * power goes: poweroff -f does not wait for the tty's buffer,
		 * and the kernel's own "Power down" overtook it once (RT).
		 */
		return tcdrain(STDOUT_FILENO) ? 1 : 0;
	}
	fprintf(stderr, "usage: vmfix hog MIB | victim MIB NTHREADS READYFILE | "
		"spread MIB FILE READYFILE | slab MIB READYFILE | mono | drain\n");
	return 2;
}
