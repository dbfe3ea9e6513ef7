/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The parts of --pin (pin.h): pin.c (the directory, its identity, opening,
 * clearing, publishing a fresh set), pin_adopt.c (taking over a pinned
 * set), pin_state.c (the incidents in flight, saved and restored).  The
 * layouts below are read back by other builds.  Inside live/ only.
 */
#ifndef OOMREAP_PIN_IMPL_H
#define OOMREAP_PIN_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bpf/libbpf.h>

#include "core/missed.h"
#include "core/tracker.h"
#include "live/pin.h"
#include "oomreap.skel.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

#define PIN_MAGIC "oomreap-pin"
#define PIN_VERSION 2
#define STATE_MAGIC "oomreap-state"
#define STATE_VERSION 1
#define PIN_NAME_LEN 64

/* The identity map's one value.  Fixed-width: read back by other builds. */
struct pin_identity {
	char magic[16];
	uint32_t version;        /* PIN_VERSION: the layout of this struct */
	uint32_t abi;            /* OOMREAP_ABI_VERSION */
	uint64_t object_hash;    /* FNV-1a of the BPF object's bytes */
	uint32_t incident_size;  /* sizeof(struct oomreap_incident): the state's layout */
	uint32_t rung;           /* the rung in use */
	uint32_t want_rung;      /* --attach as given */
	uint8_t blockers_asked, blockers_on, wake_every_event, mrelease;
	uint32_t nlinks;
	char tool_version[32];
	struct {
		char program[PIN_NAME_LEN];
		char hook[PLAN_HOOK_LEN];
	} links[PLAN_MAX_HOOKS + 1];
	char blockers_why[256];
	uint64_t killers_hash;   /* the killers' executables the signal program knows */
};

enum state_mark {
	STATE_NONE = 0,  /* pinned, never saved into */
	STATE_RUNNING,   /* a process holds the set and has not saved */
	STATE_SAVED,     /* the last process saved its incidents and stopped */
};

/* Entry 0 of the state map; entries 1..count hold the incidents. */
struct pin_state_hdr {
	char magic[16];
	uint32_t version;
	uint32_t incident_size;
	uint32_t mark;           /* enum state_mark */
	uint32_t count;          /* incidents saved */
	uint32_t not_saved;      /* open incidents beyond PIN_STATE_MAX: closed as open */
	uint32_t pid;            /* the process that wrote it */
	uint64_t saved_ns;       /* CLOCK_MONOTONIC */
	uint64_t dropped_seen;   /* the BPF drop counter as that process had noted it */
	struct runs_missed missed_seen;
	struct tracker_carry carry;
};
_Static_assert(sizeof(struct pin_state_hdr) <= sizeof(struct oomreap_incident),
	       "the state header fits one entry");

struct pin_adopted {
	int events_fd, bss_fd, nprogs;
	uint32_t ring_bytes;       /* the pinned ring buffer's size: it stays */
	struct oomreap__bss *bss;  /* the pinned .bss, mapped */
	size_t bss_len;
	int link_fds[PLAN_MAX_HOOKS + 1];
	int prog_fds[PLAN_MAX_HOOKS + 1];
	uint32_t prog_types[PLAN_MAX_HOOKS + 1];
	char names[PLAN_MAX_HOOKS + 1][PIN_NAME_LEN];
	uint64_t dropped_base;
	struct runs_missed missed_base;
	/* each CPU's kill count when adopted (bpf/oomreap.bpf.h, next_kill_seq()) */
	uint64_t *kills_at_adopt;
	int ncpus;
};

/* One entry of the state map: the header (entry 0) or an incident. */
#define STATE_ENTRY ((sizeof(struct oomreap_incident) + 7) & ~(size_t)7)

/* pin.c: the path of name inside DIR, through its locked fd: no lookup of DIR's path again. */
void pin_at(const struct pin_dir *pd, const char *name, char *buf, size_t len);
/* pin.c: bpffs refuses '.' in names: ".bss" and the like become "_bss". */
void pin_name(char *buf, size_t len, const char *prefix, const char *name);
/* pin.c: a pinned object of DIR, by name: an fd or -1 (errno). */
int pin_obj_get(const struct pin_dir *pd, const char *name);
int pin_map_info(int fd, struct bpf_map_info *info);
/* pin.c: the identity, when DIR has one that is an array of one entry; -ENOENT none. */
int pin_read_identity(const struct pin_dir *pd, struct pin_identity *id, char *why,
		      size_t whylen);

/* pin_adopt.c: the adopted set's count of skipped runs of this program when adopted. */
uint64_t pin_missed_base(const struct pin_adopted *a, const char *name);

/* pin_state.c: the state map mapped (pd->state), while bpf(2) is still allowed. */
int pin_map_state(struct pin_dir *pd);
/* pin_state.c: a map of the state's shape, created and pinned by the process that loads the set. */
int pin_create_state(struct pin_dir *pd);

#endif /* OOMREAP_PIN_IMPL_H */
