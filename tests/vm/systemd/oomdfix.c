// SPDX-License-Identifier: GPL-2.0
/*
 * oomdfix: the static fixture of the systemd-oomd guest (tests/vm/oomd_guest.py,
 * tests/vm/systemd/).  Its processes all have the comm "oomdfix", which the
 * guest's tracefs filters on.
 *
 *   oomdfix hog NPROC STEP_MIB MAX_MIB
 *       NPROC processes (this one and NPROC-1 children), each growing its
 *       anonymous memory by STEP_MIB every 50 ms up to MAX_MIB and touching
 *       every page it has at each step: under a unit's MemoryHigh= they are
 *       throttled and reclaimed together, which is the memory pressure
 *       systemd-oomd acts on.  Never exits by itself.
 *   oomdfix avail PERCENT STEP_MIB
 *       one process growing its anonymous memory by STEP_MIB every 50 ms
 *       (each page touched once) until the machine's MemAvailable is at
 *       or below PERCENT % of MemTotal, then holding it: a steady low
 *       memory a killer watching MemAvailable (nohang) acts on, with no
 *       reclaim and no pressure for the kernel or systemd-oomd.  It
 *       prints "holding ..." once there, and "SIGTERM ignored" on each
 *       SIGTERM, which it handles and survives: only a SIGKILL ends it.
 *   oomdfix sleepers NPROC
 *       NPROC processes that only wait to be killed.
 *   oomdfix xattr OUT NAME...
 *       appends to OUT one line "cgroup=PATH NAME=VALUE ..." for the cgroup
 *       this process is in (from /proc/self/cgroup): each extended attribute
 *       of the cgroup's directory, or NAME=-ERRNO when it cannot be read.
 *       Run as a unit's ExecStopPost=, it reads what systemd-oomd wrote on
 *       the unit's cgroup while the cgroup still exists.
 *   oomdfix insmod MODULE.ko
 *       loads a kernel module (finit_module): the guest's root has no kmod.
 *   oomdfix drain TTY
 *       waits until what was written to TTY has left it (tcdrain).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: oomdfix hog NPROC STEP_MIB MAX_MIB | avail PERCENT STEP_MIB |\n"
			"       oomdfix sleepers NPROC |\n"
			"       oomdfix xattr OUT NAME... | insmod MODULE.ko | drain TTY\n");
	return 2;
}

/* NPROC-1 children; returns in each process (0 in the parent). */
static int fork_n(long n)
{
	for (long i = 1; i < n; i++) {
		pid_t p = fork();

		if (p < 0) {
			perror("fork");
			exit(2);
		}
		if (p == 0)
			return (int)i;
	}
	return 0;
}

static int hog(long nproc, size_t step, size_t max)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	char **chunks = calloc(max / (step ? step : 1) + 1, sizeof(*chunks));
	size_t have = 0, n = 0;
	int idx;

	if (!chunks || !step)
		return 2;
	idx = fork_n(nproc);
	printf("ready pid=%d index=%d\n", (int)getpid(), idx);
	fflush(stdout);
	for (;;) {
		if (have + step <= max) {
			char *p = mmap(NULL, step << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED) {
				perror("mmap");
				return 2;
			}
			chunks[n++] = p;
			have += step;
		}
		/* every page again: what was reclaimed comes back (a refault) */
		for (size_t c = 0; c < n; c++)
			for (size_t off = 0; off < step << 20; off += 4096)
				chunks[c][off] = (char)(off >> 12);
		nanosleep(&ts, NULL);
	}
}

/* a field of /proc/meminfo, in KiB; -1 if absent */
static long meminfo_kib(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static void on_term(int sig)
{
	static const char msg[] = "SIGTERM ignored\n";

	(void)sig;
	/* write(2): async-signal-safe; the line is the journal's */
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		return;
}

static int avail(long percent, size_t step)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	long total = meminfo_kib("MemTotal"), target, now;
	size_t have = 0;

	if (total <= 0 || !step || percent <= 0 || percent >= 100)
		return 2;
	target = total / 100 * percent;
	signal(SIGTERM, on_term);
	printf("ready pid=%d memtotal_kib=%ld target_kib=%ld avail_kib=%ld\n", (int)getpid(),
	       total, target, meminfo_kib("MemAvailable"));
	fflush(stdout);
	while ((now = meminfo_kib("MemAvailable")) > target) {
		char *p = mmap(NULL, step << 20, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("mmap");
			return 2;
		}
		for (size_t off = 0; off < step << 20; off += 4096)
			p[off] = 1;
		have += step;
		nanosleep(&ts, NULL);
	}
	printf("holding pid=%d mib=%zu avail_kib=%ld target_kib=%ld\n", (int)getpid(), have, now,
	       target);
	fflush(stdout);
	for (;;)
		pause();
}

static int sleepers(long nproc)
{
	int idx = fork_n(nproc);

	printf("ready pid=%d index=%d\n", (int)getpid(), idx);
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}

static int xattrs(const char *out, char **names, int n)
{
	char line[4096], path[4096 + 32] = "", val[256];
	FILE *f = fopen("/proc/self/cgroup", "re");
	FILE *o;

	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s", line + 3);
		}
	}
	fclose(f);
	o = fopen(out, "ae");
	if (!o)
		return 1;
	fprintf(o, "cgroup=%s", path[0] ? path + strlen("/sys/fs/cgroup") : "?");
	for (int i = 0; i < n; i++) {
		ssize_t len = -1;

		/*
		 * systemd-oomd sets user.oomd_kill just after its signals, and
		 * PID 1 may start ExecStopPost= before that: wait up to 2 s for it.
		 */
		for (int t = 0; path[0] && t < 20; t++) {
			len = getxattr(path, names[i], val, sizeof(val) - 1);
			if (len >= 0 || errno != ENODATA)
				break;
			nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
		}

		if (len < 0)
			fprintf(o, " %s=-%d", names[i], path[0] ? errno : ENOENT);
		else {
			val[len] = 0;
			fprintf(o, " %s=%s", names[i], val);
		}
	}
	fprintf(o, "\n");
	return fclose(o) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "hog"))
		return hog(strtol(argv[2], NULL, 0), strtoul(argv[3], NULL, 0),
			   strtoul(argv[4], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "avail"))
		return avail(strtol(argv[2], NULL, 0), strtoul(argv[3], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "sleepers"))
		return sleepers(strtol(argv[2], NULL, 0));
	if (argc >= 4 && !strcmp(argv[1], "xattr"))
		return xattrs(argv[2], argv + 3, argc - 3);
	if (argc == 3 && !strcmp(argv[1], "insmod")) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0)) {
			perror(argv[2]);
			return 1;
		}
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "drain")) {
		int fd = open(argv[2], O_WRONLY | O_NOCTTY | O_CLOEXEC);

		return fd < 0 || tcdrain(fd) ? 1 : 0;
	}
	return usage();
}
