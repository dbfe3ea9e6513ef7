// SPDX-License-Identifier: GPL-2.0
/*
 * uhog: the victim of the userspace-killer scenarios (guest.sh scen_U):
 * grows its anonymous memory by STEP MiB every 50 ms, touched, until it is
 * killed, so that a memory killer polling the guest's free memory (earlyoom)
 * acts on it before the kernel's OOM killer would.  With -H it handles
 * SIGTERM (and goes on growing): process_mrelease after a SIGTERM then
 * fails with EINVAL, and the killer escalates to SIGKILL.  With -N its
 * memory is in 4 KiB pages (MADV_NOHUGEPAGE): a reap of it takes about a
 * second under TCG, so the killer's process_mrelease call is still under
 * way when the victim's exit is traced (on kernels that trace the exit
 * before exit_mm()).
 *
 *   uhog [-H] [-N] STEP_MIB MAX_MIB
 *
 * Prints "ready pid=N" once, then "at N MiB" at each 64 MiB; at MAX_MIB it
 * stops growing and waits to be killed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static void on_term(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	size_t step, max, have = 0;
	int a = 1, small_pages = 0;

	for (; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "-H"))
			signal(SIGTERM, on_term);
		else if (!strcmp(argv[a], "-N"))
			small_pages = 1;
		else
			break;
	}
	if (argc != a + 2) {
		fprintf(stderr, "usage: uhog [-H] [-N] STEP_MIB MAX_MIB\n");
		return 2;
	}
	step = strtoul(argv[a], NULL, 0);
	max = strtoul(argv[a + 1], NULL, 0);
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	for (;;) {
		if (have + step <= max) {
			char *p = mmap(NULL, step << 20, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED) {
				perror("mmap");
				return 2;
			}
			if (small_pages && madvise(p, step << 20, MADV_NOHUGEPAGE)) {
				perror("madvise");
				return 2;
			}
			memset(p, 0x5a, step << 20);
			have += step;
			if (have % 64 < step) {
				printf("at %zu MiB\n", have);
				fflush(stdout);
			}
		}
		nanosleep(&ts, NULL);
	}
}
