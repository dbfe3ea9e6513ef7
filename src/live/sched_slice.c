// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "live/sched_slice.h"

/*
 * The uapi struct sched_attr, first version (56 bytes, Linux 4.13+);
 * spelled here because libc has no wrapper before glibc 2.41.
 */
struct sched_attr_v1 {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

#define SCHED_FLAG_RESET_ON_FORK_BIT 0x01ull

static int get_attr(struct sched_attr_v1 *a)
{
	memset(a, 0, sizeof(*a));
	return (int)syscall(SYS_sched_getattr, 0, a, (unsigned)sizeof(*a), 0u);
}

enum slice_outcome sched_slice__request(uint64_t slice_ns, int *err)
{
	struct sched_attr_v1 a;

	*err = 0;
	if (get_attr(&a) < 0) {
		*err = errno;
		return SLICE_FAILED;
	}
	if (a.sched_policy != SCHED_OTHER)
		return SLICE_OTHER_POLICY;
	/* The same policy and nice: raising nothing needs no privilege. */
	a.size = sizeof(a);
	a.sched_flags &= SCHED_FLAG_RESET_ON_FORK_BIT;
	a.sched_runtime = slice_ns;
	a.sched_deadline = a.sched_period = 0;
	a.sched_util_min = a.sched_util_max = 0;
	if (syscall(SYS_sched_setattr, 0, &a, 0u) < 0) {
		*err = errno;
		return SLICE_FAILED;
	}
	/* 6.12+ reads the slice back; older kernels read 0 for SCHED_OTHER. */
	if (get_attr(&a) < 0 || a.sched_runtime != slice_ns)
		return SLICE_IGNORED;
	return SLICE_GRANTED;
}

const char *sched_slice__outcome_name(enum slice_outcome o)
{
	switch (o) {
	case SLICE_GRANTED:
		return "granted";
	case SLICE_IGNORED:
		return "ignored by this kernel (6.12+ honours it)";
	case SLICE_OTHER_POLICY:
		return "not asked: the scheduling policy is not SCHED_OTHER";
	case SLICE_FAILED:
		return "refused";
	}
	return "?";
}
