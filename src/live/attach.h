/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The attach ladder: fentry/fexit -> kprobe/kretprobe -> tracepoints.
 * One function decides, tries each rung for real (open, load, attach), and
 * records why a rung was rejected.
 */
#ifndef OOMREAP_ATTACH_H
#define OOMREAP_ATTACH_H

#include <stdint.h>
#include <stdio.h>

#include "live/features.h"
#include "live/hooks.h"

enum rung {
	RUNG_AUTO = 0,
	RUNG_FENTRY,
	RUNG_KPROBE,
	RUNG_TRACEPOINT,
	RUNG_NR
};

#define PLAN_MAX_HOOKS 16
#define PLAN_HOOK_LEN 64

struct attach_plan {
	enum rung rung;                  /* the rung in use */
	int nhooks;
	struct {
		const char *program;
		char hook[PLAN_HOOK_LEN]; /* "tracepoint oom:mark_victim(task, uid)" */
	} hooks[PLAN_MAX_HOOKS];
	char rejected[RUNG_NR][192];    /* why each rung was not used ("" = not tried) */
	bool blockers;                  /* blocker attribution attached */
	char blockers_why[256];         /* why not, when it is not */
};

struct oomreap;
struct bpf_link;
struct bpf_program;
struct pin_adopted;

/* A loaded, attached tracer. */
struct tracer {
	struct oomreap *skel;
	struct bpf_link *links[PLAN_MAX_HOOKS + 1];
	int nlinks;
	struct attach_plan plan;
	bool kprobe_missed_counted; /* kernel_features: kprobe runs skipped are counted */
	const struct bpf_program *link_progs[PLAN_MAX_HOOKS + 1]; /* links[i]'s program */
	bool pinned;                    /* --pin: its links outlive this process */
	struct pin_adopted *adopted;    /* --pin: a pinned set taken over, nothing loaded */
};

const char *rung__name(enum rung r);
int rung__parse(const char *s, enum rung *r);

struct attach_opts {
	enum rung want;            /* RUNG_AUTO: the best that works */
	bool blockers;             /* also attach blocker attribution where possible */
	bool user_btf;             /* --btf: feature ids are the file's, not the kernel's */
	const char *core_btf_path; /* CO-RE target BTF; NULL: the kernel's own */
	bool wake_every_event;     /* -v: each event wakes the reader (bpf/oomreap.bpf.h) */
	bool mrelease;             /* --mrelease: the process_mrelease syscall tracepoints */
	uint32_t ring_bytes;       /* --ring-size: the events map's size; 0: as built */
};

struct corebtf;

/*
 * The options for rung want: CO-RE relocation against core's subset when
 * it was built, else against btf_path (--btf) or the kernel's own BTF.
 */
void attach__opts(struct attach_opts *o, enum rung want, bool blockers, const char *btf_path,
		  const struct corebtf *core);

/*
 * Open, configure, load and attach the BPF object on the best rung (or on
 * o->want only).  On success tr is attached and tr->plan says how.
 * Returns -errno; tr->plan.rejected says why each rung failed.  Blocker
 * attribution, when asked for and the kernel does not allow it, is left
 * out: tr->plan.blockers_why says why and tracing goes on.
 */
int attach__start(struct tracer *tr, const struct kernel_features *kf,
		  const struct attach_opts *o);
void attach__stop(struct tracer *tr);
void attach__print_plan(FILE *f, const struct attach_plan *plan);
/*
 * The plan as a recording's header keeps it: "program hook\n" per attached
 * program; a line that does not fit whole is left out.
 */
void attach__plan_text(char *buf, size_t len, const struct attach_plan *plan);
/* Ring-buffer reserve failures counted by the BPF side so far. */
uint64_t attach__dropped(const struct tracer *tr);
struct runs_missed;
/*
 * Runs of each loaded program the kernel skipped since it was loaded
 * (core/missed.h): bpf_prog_info.recursion_misses (5.12+), and on a
 * kprobe, also the kprobe's own missed count from its link (6.7+).  A
 * program whose count this kernel does not keep, or that cannot be asked
 * (before 5.16 not without CAP_BPF), is unknown.  Syscalls only: called
 * when the reader wakes anyway, and at exit.
 */
void attach__missed(const struct tracer *tr, struct runs_missed *out);
int attach__events_fd(const struct tracer *tr);
/* The ring buffer's size: as loaded (--ring-size), or the adopted set's. */
uint32_t attach__ring_bytes(const struct tracer *tr);
/*
 * The kernel's __per_cpu_offset[] table (features__per_cpu_offset_table()),
 * from which the loaded programs add the RSS counters' per-CPU remainders;
 * 0 keeps them off.
 */
void attach__set_rss_sum_table(struct tracer *tr, uint64_t per_cpu_offset);
/*
 * A memory killer: signals sent by a process running the file of kernel
 * device kdev (MAJOR << 20 | MINOR) and inode ino are its kills.  0 or -errno.
 */
int attach__add_killer(struct tracer *tr, const char *name, const char *path, uint32_t kdev,
		       uint64_t ino);
/* Both process_mrelease syscall tracepoints are attached (--mrelease). */
/* --killer-cgroup's slots in the loaded or adopted object's .bss, mapped; NULL: none. */
struct oomreap_killer_cgroups *attach__killer_cgroups(const struct tracer *tr);
bool attach__mrelease_traced(const struct tracer *tr);

/*
 * Each loaded program's tag, one "program tag:" line each ("program tag
 * (RUNG):" with rung): equal tags, byte-identical relocated programs.
 */
void attach__print_tags(FILE *f, const struct tracer *tr, const char *rung);

#endif /* OOMREAP_ATTACH_H */
