/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Command line: argp fills one struct env; nothing else parses argv. */
#ifndef OOMREAP_OPTIONS_H
#define OOMREAP_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "live/attach.h" /* enum rung */

enum command {
	CMD_TRACE = 0,
	CMD_PROBE,
	CMD_REPLAY,     /* replay FILE...: recorded events through tracker and sinks */
	CMD_REPORT,     /* report FILE...: a postmortem in Markdown or HTML */
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
	const char *user;     /* --user: switch to it after attach; NULL = stay */
	const char *prom_textfile; /* node_exporter textfile to keep up to date */
	uint32_t interval_s;       /* how often it is rewritten */
	uint32_t prom_cgroup_cap;  /* per-cgroup label values at most; 0 = off */
	const char *record_path;   /* --record: store the wire events here */
	uint64_t record_max_bytes; /* rotate to PATH.1, PATH.2, ...; 0 = never */
	bool no_kmsg;              /* do not capture /dev/kmsg while recording */
	const char *pin_dir;       /* --pin: the pinned set's bpffs directory (live/pin.h) */
	const char *unpin_dir;     /* --unpin: remove that set and exit */
	/* replay/report: the recording's files, as many as the command line holds
	 * (the recorder rotates without limit); options__free() releases them */
	const char **files;
	int nfiles;
	const char *since, *until; /* report: window on kill times (report/time.h syntax) */
	bool report_html;          /* report: --format html */
	const char *output;        /* report: -o FILE instead of stdout */
	const char *kmsg_path;     /* report: kernel log file instead of the recorded one */
	uint64_t opts_given;       /* options.c: which options the command line had */
	const char *killers[16];   /* --killer NAME=PATH, as given */
	int nkillers;
	const char *killer_cgroups[16]; /* --killer-cgroup NAME=CGROUP, as given */
	int nkiller_cgroups;
	bool mrelease;             /* --mrelease: the process_mrelease syscall tracepoints */
	uint32_t ring_bytes;       /* --ring-size; 0: the object's own (RING_SIZE_DEFAULT) */
};

#define ENV_MAX_KILLERS 16
#define PROM_INTERVAL_DEFAULT_S 15
#define PROM_CGROUP_CAP_DEFAULT 64
/* The BPF ring buffer (bpf/maps.bpf.c's events map as built, and the most --ring-size takes) */
#define RING_SIZE_DEFAULT (1u << 20)
#define RING_SIZE_MAX (1u << 30)

/* Returns 0, or an exit status (EXIT_USAGE) after printing why. */
int options__parse(int argc, char **argv, struct env *env);
/* What options__parse() allocated. */
void options__free(struct env *env);

struct session_opts;
/* What the command line asks of a session (pipeline/session.h), for live tracing and replay. */
void options__session(const struct env *env, const char *kernel, struct session_opts *so);

#endif /* OOMREAP_OPTIONS_H */
