// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Guest side of `make bench-oomkill` (bench/vm_startup.py): start a tracer,
 * time it from its exec to the line that says it is attached, then weigh
 * it once it is idle, stop it with SIGINT.  Linked statically: the guest
 * has busybox and little else.
 *
 *   startwatch ARM PATTERN [TIMEOUT_S] -- CMD [ARGS...]
 *
 * The tracer's stdout and stderr are a pseudo-terminal, so that a tool
 * whose stdio buffers a pipe (libbpf-tools' oomkill prints its header with
 * printf after attaching) writes each line when it prints it, as on a
 * terminal; both tools run the same way.  The clock starts in the child
 * right before execve() (CLOCK_MONOTONIC, kept in a shared page); each
 * line is stamped when read.  PATTERN "" waits for the process to exit
 * instead (a command that does its work and ends, e.g. `probe`).
 *
 * Once attached: the tool is idle when every thread sleeps and its CPU
 * time stops moving (two reads 20 ms apart); then VmHWM (peak RSS) and
 * VmRSS (steady), and the BPF memory it holds: memlock of each map and
 * program it has an fd of (/proc/PID/fdinfo, each id once), and of the
 * maps those programs use that it holds no fd of.
 *
 * Prints, on stdout:
 *   @@SWLINE arm=ARM t_ms=T <the tool's line>
 *   @@SW arm=ARM ready_ms=T exec_mono_ms=T hwm_kib=N rss_kib=N map_kib=N prog_kib=N
 *        maps=N progs=N links=N perf_events=N exit=N
 * or @@SW arm=ARM error=WHAT
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>

static const char *arm;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int fail(const char *what)
{
	printf("@@SW arm=%s error=%s\n", arm, what);
	fflush(stdout);
	return 1;
}

/* A field of /proc/PID/status, in kB; -1 if absent. */
static long status_kib(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

/*
 * Whether every thread of pid sleeps; *cpu gets their utime+stime (ticks).
 * A thread that ended between the listing and the read is skipped.
 */
static int all_asleep(pid_t pid, unsigned long long *cpu)
{
	char path[320], buf[1024], *p;
	struct dirent *d;
	int asleep = 1;
	DIR *dir;

	*cpu = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		unsigned long long ut = 0, st = 0;
		char state = '?';
		ssize_t n;
		int fd;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, d->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				 &state, &ut, &st) != 3)
			continue;
		if (state != 'S')
			asleep = 0;
		*cpu += ut + st;
	}
	closedir(dir);
	return asleep;
}

struct ids {
	unsigned int v[512];
	int n;
};

/* Adds id; 0 if it was there already. */
static int ids_add(struct ids *s, unsigned int id)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] == id)
			return 0;
	if (s->n < (int)(sizeof(s->v) / sizeof(s->v[0])))
		s->v[s->n++] = id;
	return 1;
}

/* "key:\tvalue" of an fdinfo text; -1 if absent. */
static long long fdinfo_field(const char *text, const char *key)
{
	size_t n = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, n) && p[n] == ':')
			return strtoll(p + n + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

struct bpf_mem {
	long long map_bytes, prog_bytes;
	int maps, progs, links, perf_events;
};

static void add_map_by_id(struct bpf_mem *m, struct ids *maps, unsigned int id)
{
	union bpf_attr a;
	char path[64], text[1024];
	long long v;
	int fd;

	if (!ids_add(maps, id))
		return;
	memset(&a, 0, sizeof(a));
	a.map_id = id;
	fd = (int)sys_bpf(BPF_MAP_GET_FD_BY_ID, &a);
	if (fd < 0)
		return;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (!read_text(path, text, sizeof(text))) {
		v = fdinfo_field(text, "memlock");
		if (v > 0)
			m->map_bytes += v;
	}
	m->maps++;
	close(fd);
}

/* The maps a program uses, by id (BPF_OBJ_GET_INFO_BY_FD on its fd). */
static void add_prog_maps(struct bpf_mem *m, struct ids *maps, int prog_fd)
{
	unsigned int map_ids[64];
	struct bpf_prog_info info;
	union bpf_attr a;
	unsigned int i;

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 64;
	info.map_ids = (uint64_t)(uintptr_t)map_ids;
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (unsigned int)prog_fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a))
		return;
	for (i = 0; i < info.nr_map_ids && i < 64; i++)
		add_map_by_id(m, maps, map_ids[i]);
}

static void bpf_memory(pid_t pid, struct bpf_mem *m)
{
	static struct ids maps, progs;
	char dpath[64], path[352], target[128], text[1024];
	struct dirent *d;
	DIR *dir;

	memset(m, 0, sizeof(*m));
	maps.n = progs.n = 0;
	snprintf(dpath, sizeof(dpath), "/proc/%d/fd", (int)pid);
	dir = opendir(dpath);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		ssize_t n;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dpath, d->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (!strcmp(target, "anon_inode:bpf_link")) {
			m->links++;
			continue;
		}
		if (!strcmp(target, "anon_inode:[perf_event]")) {
			m->perf_events++;
			continue;
		}
		if (strcmp(target, "anon_inode:bpf-map") && strcmp(target, "anon_inode:bpf-prog"))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", (int)pid, d->d_name);
		if (read_text(path, text, sizeof(text)))
			continue;
		if (!strcmp(target, "anon_inode:bpf-map")) {
			long long id = fdinfo_field(text, "map_id");

			if (id > 0)
				add_map_by_id(m, &maps, (unsigned int)id);
		} else {
			long long id = fdinfo_field(text, "prog_id"), v;
			union bpf_attr a;
			int fd;

			if (id <= 0 || !ids_add(&progs, (unsigned int)id))
				continue;
			v = fdinfo_field(text, "memlock");
			if (v > 0)
				m->prog_bytes += v;
			m->progs++;
			memset(&a, 0, sizeof(a));
			a.prog_id = (unsigned int)id;
			fd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
			if (fd >= 0) {
				add_prog_maps(m, &maps, fd);
				close(fd);
			}
		}
	}
	closedir(dir);
}

struct reader {
	int fd;
	char buf[4096];
	size_t len;
	int eof;
};

/*
 * Reads what the tool wrote within wait_ms; prints each whole line with
 * its stamp (from *t0, the exec).  Returns the stamp of the first line holding pattern (once),
 * else -1.
 */
static double pump(struct reader *r, int wait_ms, const char *pattern, const double *t0)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	double found = -1;
	ssize_t n;
	char *nl;

	if (r->eof || poll(&p, 1, wait_ms) <= 0)
		return -1;
	n = read(r->fd, r->buf + r->len, sizeof(r->buf) - 1 - r->len);
	if (n <= 0) {
		r->eof = 1; /* EIO on a pty once the last writer is gone */
		return -1;
	}
	double t = now_ms();

	r->len += (size_t)n;
	r->buf[r->len] = 0;
	while ((nl = strchr(r->buf, '\n')) || r->len == sizeof(r->buf) - 1) {
		size_t l = nl ? (size_t)(nl - r->buf) : r->len;

		r->buf[l] = 0;
		if (l && r->buf[l - 1] == '\r')
			r->buf[l - 1] = 0;
		printf("@@SWLINE arm=%s t_ms=%.1f %s\n", arm, t - *t0, r->buf);
		if (found < 0 && pattern[0] && strstr(r->buf, pattern))
			found = t;
		l = nl ? l + 1 : l;
		memmove(r->buf, r->buf + l, r->len - l + 1);
		r->len -= l;
	}
	fflush(stdout);
	return found;
}

int main(int argc, char **argv)
{
	double *t_exec, t_ready = -1, deadline;
	const char *pattern;
	int master, timeout_s = 60, status = 0, i, asleep = 0;
	unsigned long long cpu = 0, last_cpu = ~0ULL;
	struct reader r = { 0 };
	struct bpf_mem mem;
	char *slave;
	pid_t pid;

	if (argc < 5)
		return fprintf(stderr, "usage: startwatch ARM PATTERN [TIMEOUT_S] -- CMD...\n"), 2;
	arm = argv[1];
	pattern = argv[2];
	i = 3;
	if (strcmp(argv[i], "--"))
		timeout_s = atoi(argv[i++]);
	if (strcmp(argv[i], "--") || i + 1 >= argc)
		return fprintf(stderr, "startwatch: -- CMD expected\n"), 2;
	i++;

	t_exec = mmap(NULL, sizeof(*t_exec), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (t_exec == MAP_FAILED)
		return fail("mmap");
	*t_exec = -1;
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master) || !(slave = ptsname(master)))
		return fail("no-pty");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid == 0) {
		int s = open(slave, O_RDWR);

		if (s < 0)
			_exit(126);
		setsid();
		dup2(s, 0);
		dup2(s, 1);
		dup2(s, 2);
		if (s > 2)
			close(s);
		close(master);
		*t_exec = now_ms();
		execv(argv[i], argv + i);
		_exit(127);
	}
	r.fd = master;
	deadline = now_ms() + timeout_s * 1e3;
	while (t_ready < 0 && now_ms() < deadline) {
		double t = pump(&r, 50, pattern, t_exec);

		if (t >= 0)
			t_ready = t;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			for (int k = 0; k < 100 && !r.eof; k++)
				pump(&r, 20, "", t_exec);
			if (!pattern[0]) {
				printf("@@SW arm=%s ready_ms=%.1f exit=%d\n", arm,
				       now_ms() - *t_exec, WIFEXITED(status) ? WEXITSTATUS(status)
									   : 128 + WTERMSIG(status));
				fflush(stdout);
				return 0;
			}
			return fail("exited-before-ready");
		}
	}
	if (t_ready < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return fail("timeout");
	}
	/* idle: every thread asleep and no CPU time spent over 20 ms, twice */
	for (i = 0; i < 2 && now_ms() < deadline;) {
		pump(&r, 20, "", t_exec);
		asleep = all_asleep(pid, &cpu);
		i = asleep && cpu == last_cpu ? i + 1 : 0;
		last_cpu = cpu;
	}
	if (i < 2) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return fail("never-idle");
	}
	long hwm = status_kib(pid, "VmHWM"), rss = status_kib(pid, "VmRSS");

	bpf_memory(pid, &mem);
	kill(pid, SIGINT);
	deadline = now_ms() + 10e3;
	while (waitpid(pid, &status, WNOHANG) != pid) {
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		pump(&r, 20, "", t_exec);
	}
	for (i = 0; i < 100 && !r.eof; i++)
		pump(&r, 20, "", t_exec);
	printf("@@SW arm=%s ready_ms=%.1f exec_mono_ms=%.3f hwm_kib=%ld rss_kib=%ld map_kib=%.1f "
	       "prog_kib=%.1f maps=%d progs=%d links=%d perf_events=%d exit=%d\n",
	       arm, t_ready - *t_exec, *t_exec, hwm, rss, mem.map_bytes / 1024.0, mem.prog_bytes / 1024.0,
	       mem.maps, mem.progs, mem.links, mem.perf_events,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	fflush(stdout);
	return 0;
}
