/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The reader asks the scheduler for a short time slice, so that the
 * wake-up at the end of an incident runs it promptly.
 *
 * Why: the event that most often ends an incident is the victim's exit,
 * and the wake-up comes from the victim's own CPU, where it goes on to
 * tear its memory down in the kernel for milliseconds.  Since Linux 6.6
 * (EEVDF, RUN_TO_PARITY) a woken task of equal weight does not preempt
 * the running one before that one's slice is used up, so a reader placed
 * behind the victim waited for the next tick: a few milliseconds late,
 * a few incidents in a hundred.  From 6.12 a task may ask for a slice
 * shorter than the default (sched_attr.sched_runtime of a SCHED_OTHER
 * task); one that does preempts a task with a longer slice when it wakes.
 * It needs no privilege and changes no share of the CPU: only when the
 * reader runs, not how much.  Older kernels ignore the request.
 *
 * Left alone: any other policy than SCHED_OTHER (someone chose it), the
 * nice value and the reset-on-fork flag (kept as they are).
 */
#ifndef OOMREAP_SCHED_SLICE_H
#define OOMREAP_SCHED_SLICE_H

#include <stdint.h>

/*
 * Longer than the reader's work for one wake-up (an incident's lines),
 * shorter than the kernel's default slice on any number of CPUs.
 */
#define READER_SLICE_NS 500000ull

enum slice_outcome {
	SLICE_GRANTED,       /* the kernel now runs us with this slice */
	SLICE_IGNORED,       /* accepted, not honoured: a kernel before 6.12 */
	SLICE_OTHER_POLICY,  /* not SCHED_OTHER: left as it is */
	SLICE_FAILED,        /* the call failed (errno in *err), e.g. a seccomp filter */
};

/* Ask for slice_ns for the calling thread.  *err: errno on SLICE_FAILED. */
enum slice_outcome sched_slice__request(uint64_t slice_ns, int *err);
const char *sched_slice__outcome_name(enum slice_outcome o);

#endif /* OOMREAP_SCHED_SLICE_H */
