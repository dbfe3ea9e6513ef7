// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>

#include "core/checked.h"
#include "core/missed.h"

uint64_t missed__total(const struct runs_missed *m)
{
	uint64_t total = 0;
	uint32_t i;

	for (i = 0; i < m->n && i < MISSED_MAX_PROGRAMS; i++)
		if (m->p[i].known)
			total = sat_add_u64(total, m->p[i].runs);
	return total;
}

uint32_t missed__unknown(const struct runs_missed *m)
{
	uint32_t i, n = 0;

	for (i = 0; i < m->n && i < MISSED_MAX_PROGRAMS; i++)
		n += !m->p[i].known;
	return n;
}

void missed__set(struct runs_missed *m, const char *name, uint64_t runs, bool known)
{
	uint32_t i;

	for (i = 0; i < m->n; i++)
		if (!strncmp(m->p[i].name, name, MISSED_NAME_LEN - 1))
			break;
	if (i == m->n) {
		if (m->n >= MISSED_MAX_PROGRAMS)
			return;
		memset(&m->p[i], 0, sizeof(m->p[i]));
		strncpy(m->p[i].name, name, MISSED_NAME_LEN - 1);
		m->n++;
	}
	m->p[i].runs = runs;
	m->p[i].known = known;
}
