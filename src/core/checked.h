/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Saturating arithmetic for numbers read from recordings and the kernel:
 * a hostile or corrupt file can put any value in a counter, and a sum or
 * product of such values must end at the type's bound, never wrap (a
 * wrapped byte count or drop counter reads as a small, plausible lie) and
 * never overflow a signed type (undefined behaviour).  Which fields
 * saturate and which are refused: docs/RECORD-FORMAT.md, "Bounds".
 */
#ifndef OOMREAP_CHECKED_H
#define OOMREAP_CHECKED_H

#include <stdint.h>

static inline uint64_t sat_add_u64(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static inline uint64_t sat_mul_u64(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

#endif /* OOMREAP_CHECKED_H */
