// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * privdrop_check: src/live/privdrop.c on its own, as root.  Drops to USER the
 * way the tool does, then checks from the inside that nothing is left:
 * no capability in any set, no way back to uid 0, no new BPF objects, and
 * that /proc/kallsyms opened before the drop still shows addresses while
 * a fresh open does not.  Prints "ok - ..." / "not ok - ..." lines.
 *
 *   privdrop_check USER
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "io/kallsyms.h"
#include "live/privdrop.h"

static int failed;

static void check(int cond, const char *what, const char *detail)
{
	printf("%s - %s%s%s\n", cond ? "ok" : "not ok", what, detail ? ": " : "",
	       detail ? detail : "");
	if (!cond)
		failed++;
}

static unsigned long long status_hex(const char *key)
{
	char line[256];
	unsigned long long v = ~0ull;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtoull(line + n + 1, NULL, 16);
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	struct privdrop_target t;
	union bpf_attr attr;
	const char *what = NULL;
	struct ksyms *ks;
	char detail[128];
	int fd, err, paranoid = 2;

	if (argc != 2 || geteuid() != 0) {
		fprintf(stderr, "usage (as root): privdrop_check USER\n");
		return 2;
	}
	fd = open("/proc/sys/kernel/perf_event_paranoid", O_RDONLY);
	if (fd >= 0) {
		char b[16] = "";

		if (read(fd, b, sizeof(b) - 1) > 0)
			paranoid = atoi(b);
		close(fd);
	}
	fd = privdrop__open_kallsyms();
	check(fd >= 0, "open /proc/kallsyms before the drop", NULL);
	err = privdrop__lookup(argv[1], &t);
	check(!err, "look up the user", err ? strerror(-err) : NULL);
	if (err)
		return 1;
	err = privdrop__drop(&t, &what);
	snprintf(detail, sizeof(detail), "%s: %s", what ? what : "-", strerror(-err));
	check(!err, "drop", err ? detail : NULL);
	if (err)
		return 1;

	check(getuid() == t.uid && geteuid() == t.uid && getgid() == t.gid, "uid and gid switched",
	      NULL);
	check(status_hex("CapEff") == 0 && status_hex("CapPrm") == 0 && status_hex("CapInh") == 0,
	      "CapEff, CapPrm, CapInh all zero", NULL);
	check(status_hex("CapBnd") == 0, "CapBnd zero: an exec cannot regain anything", NULL);
	check(status_hex("CapAmb") == 0, "CapAmb zero", NULL);
	check(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, "no_new_privs set", NULL);
	check(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0, "not dumpable (no ptrace, no fd theft)",
	      NULL);
	check(setuid(0) < 0 && errno == EPERM, "setuid(0) refused", NULL);

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	err = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	check(err < 0 && errno == EPERM, "bpf(BPF_MAP_CREATE) refused", NULL);
	if (err >= 0)
		close(err);

	ks = ksyms__load("/proc/kallsyms");
	if (paranoid > 1)
		check(!ks && errno == EPERM, "fresh open of /proc/kallsyms shows no addresses",
		      NULL);
	else
		printf("ok - fresh open of /proc/kallsyms # SKIP perf_event_paranoid=%d shows "
		       "addresses to everyone\n", paranoid);
	ksyms__free(ks);
	ks = fd >= 0 ? ksyms__load_fd(fd) : NULL;
	check(ks != NULL, "the fd opened before the drop still shows addresses", NULL);
	if (ks) {
		/* again: the fd is rewound, not used up */
		struct ksyms *again = ksyms__load_fd(fd);

		check(again != NULL, "the kallsyms fd can be read twice", NULL);
		ksyms__free(again);
	}
	ksyms__free(ks);
	if (fd >= 0)
		close(fd);
	return failed ? 1 : 0;
}
