/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Runs of our BPF programs that the kernel skipped and counted, by
 * program: a lost event the ring buffer never saw.  From 7.0 tracepoint
 * programs run preemptible (fentry programs always did): a program
 * preempted on a CPU makes the next run of that program on that CPU skip,
 * counted only in its bpf_prog_info.recursion_misses (5.12+).  On the
 * kprobe rung the kernel also drops a run when another BPF program is
 * already running on the CPU, or the kprobe itself misses (reentry, a
 * kretprobe out of instances); it counts those from 6.7.  Where the
 * kernel does not count, the count is unknown, never 0.
 *
 * Pure: live/attach.c reads the counters, the tracker keeps them, every
 * output and the record file show them.
 */
#ifndef OOMREAP_MISSED_H
#define OOMREAP_MISSED_H

#include <stdbool.h>
#include <stdint.h>

#define MISSED_MAX_PROGRAMS 16
#define MISSED_NAME_LEN 32

struct missed_program {
	char name[MISSED_NAME_LEN]; /* the program's name, NUL-terminated */
	uint64_t runs;              /* runs skipped since attach */
	bool known;                 /* false: this kernel does not count them */
};

struct runs_missed {
	uint32_t n;                 /* 0: nothing known (a recording made without) */
	struct missed_program p[MISSED_MAX_PROGRAMS];
};

/* Runs missed by the programs whose count is known (saturating). */
uint64_t missed__total(const struct runs_missed *m);
/* Programs whose count the kernel does not keep. */
uint32_t missed__unknown(const struct runs_missed *m);
/*
 * Set program name's count; a new name takes the next free entry (past
 * MISSED_MAX_PROGRAMS it is left out: the object has fewer programs).
 */
void missed__set(struct runs_missed *m, const char *name, uint64_t runs, bool known);

#endif /* OOMREAP_MISSED_H */
