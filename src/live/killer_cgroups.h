/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --killer-cgroup NAME=CGROUP: a memory killer told by the cgroup (v2) it
 * runs in, for a killer no executable tells (a script runs its
 * interpreter: nohang is Python).  The signal program compares the
 * sender's cgroup id with the slots of the object's .bss
 * (struct oomreap_killer_cgroups, bpf/killers.bpf.c); this keeps those
 * slots' ids equal to the ids the configured cgroups have now, through the
 * .bss's mapping (no system call: it runs without privileges).
 *
 * A cgroup counts only while no unprivileged process can join it: its
 * directory and its cgroup.procs owned by root, cgroup.procs writable by
 * its owner only (moving a process in needs a write there).  A delegated
 * cgroup (systemd's Delegate=, a user's own) is refused: anyone it was
 * delegated to could put a process in it and have its kills reported as
 * the killer's.
 *
 * A unit's restart removes its cgroup and makes a new one with a new id:
 * an inotify watch on the parent directory (mkdir and rmdir there; on the
 * deepest ancestor that exists while the parent does not) makes the
 * reader resolve the paths again, checks included; idle, nothing is
 * polled.
 */
#ifndef OOMREAP_KILLER_CGROUPS_H
#define OOMREAP_KILLER_CGROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oomreap_abi.h"

#define KILLER_CGROUPS_MAX 16

struct killer_cgroup {
	char name[OOMREAP_COMM_LEN];
	char path[OOMREAP_KILLER_EXE_LEN]; /* as given: /hostcritical.slice/nohang.service */
	uint64_t id;                       /* in the map now; 0: none (absent or refused) */
	char refused[160];                 /* why it is not in the map, said once per change */
};

struct killer_cgroups {
	int n;
	struct killer_cgroup k[KILLER_CGROUPS_MAX];
	char mount[256]; /* the cgroup2 mount, from /proc/self/mountinfo */
	int root_fd;     /* that mount's root directory */
	int inotify_fd;  /* -1: none configured */
	struct oomreap_killer_cgroups *slots; /* the object's, mapped (not owned) */
};

/*
 * Checks each spec (NAME=CGROUP, CGROUP absolute, no "." or ".." parts, not
 * the root) and finds the cgroup2 mount.  No map yet.  0, or -errno with
 * a line in why.
 */
int killer_cgroups__parse(struct killer_cgroups *kc, const char *const *specs, int n,
			  char *why, size_t whylen);
/* FNV-1a of each name and path into *hash: a pinned set's killers (live/pin.h). */
void killer_cgroups__hash(const struct killer_cgroups *kc, uint64_t *hash);
/*
 * The slots (the loaded or adopted object's .bss): every one written anew
 * (an adopted pinned set's are a former process's), each configured cgroup
 * put in as it resolves now, and the parents watched.  0 or -errno (said).
 */
int killer_cgroups__start(struct killer_cgroups *kc, struct oomreap_killer_cgroups *slots);
/* The inotify fd the reader polls, -1 when none is configured. */
int killer_cgroups__fd(const struct killer_cgroups *kc);
/* The fd was readable: drain it, resolve every path again, the map updated. */
void killer_cgroups__refresh(struct killer_cgroups *kc);
void killer_cgroups__close(struct killer_cgroups *kc);

#endif /* OOMREAP_KILLER_CGROUPS_H */
