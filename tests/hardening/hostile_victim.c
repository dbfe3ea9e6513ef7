// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hostile_victim: an OOM victim with a name chosen to break renderers.
 *
 *   hostile_victim -n HEX -c CGDIR MIB
 *
 * Sets its comm to the bytes HEX encodes (quotes, backslashes, newlines,
 * terminal escapes, HTML, bytes that are not UTF-8: anything but NUL, at
 * most 15 bytes) with prctl(PR_SET_NAME), joins the memory cgroup CGDIR,
 * prints "ready pid=N", waits for a line on stdin, then touches MIB MiB of
 * anonymous memory: in a smaller memcg it is OOM-killed in its own fault.
 * End of file on stdin before that: exits without allocating.
 */
#include <getopt.h>
#include <sys/prctl.h>

#include "fixture.h"

static int unhex(const char *hex, char *out, size_t len)
{
	size_t n = strlen(hex), i;

	if (n % 2 || n / 2 >= len)
		return -1;
	for (i = 0; i < n / 2; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1 || !b)
			return -1;
		out[i] = (char)b;
	}
	out[i] = 0;
	return 0;
}

int main(int argc, char **argv)
{
	const char *cg = NULL, *hex = NULL;
	char name[16], cmd[64];
	int opt;

	while ((opt = getopt(argc, argv, "n:c:")) != -1) {
		switch (opt) {
		case 'n': hex = optarg; break;
		case 'c': cg = optarg; break;
		default: goto usage;
		}
	}
	if (!hex || !cg || optind != argc - 1 || unhex(hex, name, sizeof(name)))
		goto usage;
	fx_join_cgroup(cg);
	fx_set_oom_score_adj(1000);
	if (prctl(PR_SET_NAME, name, 0, 0, 0))
		fx_die("prctl(PR_SET_NAME)");
	fx_say("ready pid=%d", getpid());
	if (!fx_read_cmd(cmd, sizeof(cmd)))
		return 0;
	fx_touch_anon(strtoul(argv[optind], NULL, 0));
	fx_say("done pid=%d", getpid());
	return 0;
usage:
	fprintf(stderr, "usage: hostile_victim -n HEX(1..15 non-NUL bytes) -c CGDIR MIB\n");
	return 2;
}
