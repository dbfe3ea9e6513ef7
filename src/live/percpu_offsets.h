/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where the kernel's per-CPU offsets are, for the exact RSS sums
 * (bpf/core_fixes.bpf.h, mm_rss_sum()): the kernel's own __per_cpu_offset[]
 * when /proc/kallsyms lists it, else a table of the same layout built by
 * bpf/percpu_offsets.bpf.c run on each CPU, kept loaded while tracing.
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
 * Find or build the table for ncpus possible CPUs (0 and t->addr set, or
 * -errno and t->why).  Reads all of /proc/kallsyms (tens of milliseconds):
 * the caller overlaps it with the tracer's load.
 */
int percpu_offsets__find(struct percpu_offsets *t, int ncpus);
void percpu_offsets__free(struct percpu_offsets *t);

#endif /* OOMREAP_PERCPU_OFFSETS_H */
