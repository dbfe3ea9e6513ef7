// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "core/histogram.h"

static unsigned int log2_slot(uint64_t v)
{
	unsigned int s = 0;

	while (v && s < LOG2_SLOTS - 1) {
		v >>= 1;
		s++;
	}
	return s;
}

void histogram__add(struct log2_hist *h, uint64_t value)
{
	h->slots[log2_slot(value)]++;
	h->count++;
	if (value > h->max)
		h->max = value;
}

#define BAR_WIDTH 40

bool histogram__range(const struct log2_hist *h, int *first, int *last, uint64_t *peak)
{
	int i;

	*first = *last = -1;
	*peak = 0;
	for (i = 0; i < LOG2_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		if (*first < 0)
			*first = i;
		*last = i;
		if (h->slots[i] > *peak)
			*peak = h->slots[i];
	}
	return *first >= 0;
}

void histogram__print(FILE *f, const struct log2_hist *h, const char *unit)
{
	uint64_t peak;
	int first, last, i;

	if (!histogram__range(h, &first, &last, &peak)) {
		fprintf(f, "  (no samples)\n");
		return;
	}
	fprintf(f, "%24s : %-8s |%-*s|\n", unit, "count", BAR_WIDTH, "distribution");
	for (i = first; i <= last; i++) {
		uint64_t lo = i ? 1ull << (i - 1) : 0;
		uint64_t hi = i ? (1ull << i) - 1 : 0;
		int bar = (int)(h->slots[i] * BAR_WIDTH / peak);

		fprintf(f, "%10llu -> %-10llu : %-8llu |%.*s%*s|\n", (unsigned long long)lo,
			(unsigned long long)hi, (unsigned long long)h->slots[i], bar,
			"****************************************", BAR_WIDTH - bar, "");
	}
}
