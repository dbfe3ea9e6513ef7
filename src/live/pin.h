/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Restarts that lose nothing (--pin DIR): the programs' links, their maps
 * (the ring buffer, the victims, the counters in .bss) pinned in a bpffs
 * directory, so that the programs stay attached while no process runs and
 * the next process started with the same DIR adopts them: it loads
 * nothing, drains what the kernel queued in the ring buffer meanwhile, and
 * continues the incidents in flight, which the previous process saved at
 * SIGTERM/SIGINT into a pinned map beside the others ("state").
 *
 * DIR holds only what this file pins, with these names (bpffs refuses a
 * '.' in a name): "identity" (a frozen one-entry array: the BPF object's
 * hash, the wire ABI, the incident layout, the rung and options the
 * programs were loaded with, each link's program and hook), "state",
 * "map_<name>", "link_<program>" and "prog_<program>".  The identity is pinned last: a
 * directory with pins and no identity is a start cut short (damaged).
 *
 * Adopting needs an identity equal to what this build would load; any
 * difference (another build, ABI, -v, --attach, --no-blockers) replaces
 * the set: unpinned (the old links detach as their last reference goes),
 * then loaded, attached and pinned anew, and said.  A DIR not on bpffs,
 * not root's, writable by others, holding anything else, or damaged is
 * refused with one line.  One process at a time holds DIR (flock).
 */
#ifndef OOMREAP_PIN_H
#define OOMREAP_PIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "live/attach.h"

struct tracker;
struct runs_missed;

/* Incidents in flight the state map holds at most; the rest close as open. */
#define PIN_STATE_MAX 128

enum pin_found {
	PIN_EMPTY = 0,   /* nothing pinned: load and pin */
	PIN_SAME,        /* our set, this build and these options: adopt it */
	PIN_OTHER,       /* our set, another build or other options: replace it */
};

struct pin_dir {
	int fd;                   /* DIR, locked; -1 closed */
	const char *path;         /* as given, for messages */
	enum pin_found found;
	char other_why[160];      /* PIN_OTHER: what differs */
	int state_fd;             /* the "state" map */
	void *state;              /* ... mapped, kept after the privilege drop */
	size_t state_len;
	struct pin_adopted *adopted; /* the tracer's, when this process adopted the set */
};

/* What this process would load: compared with a pinned set's identity. */
struct pin_want {
	enum rung rung;           /* --attach (RUNG_AUTO: any) */
	bool blockers;            /* blocker attribution asked for */
	bool wake_every_event;    /* -v */
	bool mrelease;            /* --mrelease: the syscall tracepoints attached */
	/* the memory killers recognised (name, device, inode of each): see cmd_trace.c */
	uint64_t killers_hash;
};

/*
 * Open and lock DIR (created, mode 0700, when its parent is on bpffs),
 * check it, and say what it holds (pd->found).  Root only.  Returns 0, or
 * -errno with a one-line reason in why[].
 */
int pin__open(struct pin_dir *pd, const char *path, const struct pin_want *want, char *why,
	      size_t whylen);
void pin__close(struct pin_dir *pd);
/* Unpin everything in an open DIR (ours: checked by pin__open). */
int pin__clear(struct pin_dir *pd, char *why, size_t whylen);
/* --unpin DIR: remove the set and DIR.  0 or -errno, why[] said. */
int pin__unpin(const char *path, char *why, size_t whylen);

/* Take over the pinned set (PIN_SAME) as tr: no load, no attach. */
int pin__adopt(struct pin_dir *pd, struct tracer *tr, char *why, size_t whylen);
/*
 * Pin a freshly attached tr into DIR (PIN_EMPTY, or after pin__clear()).
 * -EOPNOTSUPP: this kernel attached the programs through perf events
 * (before 5.15), which cannot be pinned; nothing left pinned.
 */
int pin__publish(struct pin_dir *pd, struct tracer *tr, const struct pin_want *want, char *why,
		 size_t whylen);

/*
 * The incidents a previous process saved: into t, before any event is
 * read.  Says what it restored, and what it could not (a process that died
 * without saving: returns true then).  The state is then marked taken, so
 * that a later crash does not restore it twice.
 */
bool pin__restore(struct pin_dir *pd, struct tracker *t);
/*
 * After pin__restore() returned true (the previous process stopped
 * without saving): a kill the programs stamped before this process took
 * over.  Decodes the BPF side's sequence (bpf/oomreap.bpf.h,
 * next_kill_seq(): the CPU in the low 12 bits, its count above).
 */
bool pin__stamped_before(const struct pin_dir *pd, uint64_t seq);
/*
 * At SIGTERM/SIGINT, after the last drain: hand the tracker's open
 * incidents to the state map (at most PIN_STATE_MAX; the rest stay, to
 * close as open) with the loss counters as this process last noted them.
 */
void pin__save(struct pin_dir *pd, struct tracker *t);

/* For attach.c, on an adopted tracer (tr->adopted). */
struct pin_adopted;
uint64_t pin__adopted_dropped(const struct pin_adopted *a);
void pin__adopted_missed(const struct pin_adopted *a, bool kprobe_counted,
			  struct runs_missed *out);
int pin__adopted_events_fd(const struct pin_adopted *a);
struct oomreap_killer_cgroups *pin__adopted_killer_cgroups(struct pin_adopted *a);
uint32_t pin__adopted_ring_bytes(const struct pin_adopted *a);
void pin__adopted_set_rss_sum_table(struct pin_adopted *a, uint64_t addr);
void pin__adopted_print_tags(FILE *f, const struct pin_adopted *a);
void pin__adopted_free(struct pin_adopted *a);

#endif /* OOMREAP_PIN_H */
