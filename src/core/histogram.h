/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A log2 histogram, printed the way bcc/libbpf-tools print theirs. */
#ifndef OOMREAP_HISTOGRAM_H
#define OOMREAP_HISTOGRAM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define LOG2_SLOTS 64

struct log2_hist {
	uint64_t slots[LOG2_SLOTS];
	uint64_t count;
	uint64_t max;
};

/* Slot i counts values in [2^(i-1), 2^i), slot 0 counts 0. */
void histogram__add(struct log2_hist *h, uint64_t value);
void histogram__print(FILE *f, const struct log2_hist *h, const char *unit);
/*
 * The occupied slots, first..last, and the largest slot count: what any
 * drawing of h needs.  False (nothing set) when h has no sample.
 */
bool histogram__range(const struct log2_hist *h, int *first, int *last, uint64_t *peak);

#endif /* OOMREAP_HISTOGRAM_H */
