// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/ksyms.h"
#include "io/kallsyms.h"

/* Reads f to its end and closes it. */
static struct ksyms *load_file(FILE *f)
{
	struct ksyms *ks = ksyms__new();
	char line[512];
	bool nonzero = false;
	int n;

	if (!ks) {
		fclose(f);
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		n = ksyms__add_line(ks, line);
		if (n < 0) {
			fclose(f);
			ksyms__free(ks);
			errno = ENOMEM;
			return NULL;
		}
		if (n)
			nonzero = true;
	}
	fclose(f);
	if (!nonzero) {
		ksyms__free(ks);
		errno = EPERM;
		return NULL;
	}
	ksyms__sort(ks);
	return ks;
}

struct ksyms *ksyms__load(const char *path)
{
	FILE *f = fopen(path, "re");

	return f ? load_file(f) : NULL;
}

struct ksyms *ksyms__load_fd(int fd)
{
	int dfd = dup(fd);
	FILE *f;

	if (dfd < 0)
		return NULL;
	/* the same open file, rewound: kallsyms keeps its open-time view */
	if (lseek(dfd, 0, SEEK_SET) < 0 || !(f = fdopen(dfd, "r"))) {
		close(dfd);
		return NULL;
	}
	return load_file(f);
}

int ksyms__find(const char *path, const char *name, uint64_t *addr)
{
	FILE *f = fopen(path, "re");
	size_t nlen = strlen(name);
	char line[512];
	int ret = -ENOENT;

	*addr = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* "ADDR T NAME[\t[MODULE]]\n": the name is the third field */
		char *p = strchr(line, ' ');

		if (!p || !p[1] || p[2] != ' ')
			continue;
		p += 3;
		if (strncmp(p, name, nlen) || (p[nlen] != '\n' && p[nlen] != 0))
			continue; /* another name, or a module's (a tab, then [module]) */
		if (sscanf(line, "%" SCNx64, addr) != 1)
			continue;
		ret = *addr ? 0 : -EPERM;
		break;
	}
	fclose(f);
	return ret;
}
