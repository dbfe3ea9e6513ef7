/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Command line: argp fills one struct env; nothing else parses argv. */
#ifndef OOMREAP_OPTIONS_H
#define OOMREAP_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "attach.h"

enum command {
	CMD_TRACE = 0,
	CMD_PROBE,
};

struct env {
	enum command command;
	bool json;
	bool verbose;
	bool no_summary;
	bool no_blockers;     /* skip blocker attribution */
	enum rung attach;
	const char *btf_path;
	const char *cgroup;   /* only incidents in this memory cgroup (or below) */
	uint32_t pid;         /* only this victim pid or tgid; 0 = all */
	uint64_t duration_s;  /* 0 = until SIGINT/SIGTERM */
	uint32_t max_open;
};

/* Returns 0, or an exit status (EXIT_USAGE) after printing why. */
int options__parse(int argc, char **argv, struct env *env);

#endif /* OOMREAP_OPTIONS_H */
