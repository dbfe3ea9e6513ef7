/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where the kernel's per-CPU offsets are, for the exact RSS sums
 * (bpf/core_fixes.bpf.h, mm_rss_sum()): a table laid out as the kernel's
 * __per_cpu_offset[], built by bpf/percpu_offsets.bpf.c run on each CPU
 * and kept loaded while tracing (a millisecond or two); where that cannot
 * be (a possible CPU offline, the probe refused), the kernel's own
 * __per_cpu_offset[] when /proc/kallsyms lists it (a read of all of it:
 * tens of milliseconds).
 */
#ifndef OOMREAP_PERCPU_OFFSETS_H
#define OOMREAP_PERCPU_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

struct percpu_offsets_bpf;

struct percpu_offsets {
	uint64_t addr;                   /* the table's kernel address; 0: none */
	const char *from;                /* "kallsyms", "a BPF probe of each CPU" */
	struct percpu_offsets_bpf *skel; /* the built table's object, while in use */
	char why[160];                   /* with addr 0: why there is none */
};

/*
 * Build or find the table for ncpus possible CPUs (0 and t->addr set, or
 * -errno and t->why); pptrs_off: offsetof(struct bpf_array, pptrs) in this
 * kernel (features.h), -1 unknown.  The caller overlaps it with the
 * tracer's load.
 */
int percpu_offsets__find(struct percpu_offsets *t, int ncpus, long pptrs_off);
void percpu_offsets__free(struct percpu_offsets *t);

#endif /* OOMREAP_PERCPU_OFFSETS_H */
