/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the two halves of the kernel log reader share: kmsg.c (records,
 * lines, the store) and kmsg_oom.c (the OOM killer's lines, joined to an
 * incident).  Inside rec/ only.
 */
#ifndef OOMREAP_REC_KMSG_TEXT_H
#define OOMREAP_REC_KMSG_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rec/kmsg.h"

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Decimal at *p (advancing it); false on no digits or overflow. */
static inline bool parse_u64(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (s >= end || !is_digit(*s))
		return false;
	while (s < end && is_digit(*s)) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		s++;
	}
	*p = s;
	*out = v;
	return true;
}

static inline const char *find(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle));
}

/* First index with ts_ns >= t. */
static inline size_t lower_bound(const struct kmsg_log *l, uint64_t t)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid].ts_ns < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static inline uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

#endif /* OOMREAP_REC_KMSG_TEXT_H */
