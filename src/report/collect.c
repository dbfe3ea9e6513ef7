// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The collector: the tracker's incidents (report__on_incident) into the
 * report model (model.h): a row per selected incident, cgroup paths kept
 * once each, and the earliest REPORT_DETAIL_MAX incidents kept whole.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report/model.h"
#include "report/time.h"

void report__set_symbols(struct report *r, const struct ksyms *ks)
{
	r->rc.ksyms = ks;
}

struct report *report__new(const struct report_opts *opts, const struct oomrec_header *hdr)
{
	struct report *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->opts = *opts;
	if (!r->opts.detail_max)
		r->opts.detail_max = REPORT_DETAIL_MAX;
	r->hdr = *hdr;
	r->rc.mono_to_real_ns = hdr->mono_to_real_ns;
	r->rc.page_size = hdr->page_size;
	r->rc.attach = "recorded";
	/* whether process_mrelease was traced: the recording's attach plan says */
	r->rc.mrelease_traced = memmem(hdr->attach_plan,
				       strnlen(hdr->attach_plan, sizeof(hdr->attach_plan)),
				       "sys_exit_process_mrelease", 25) != NULL;
	r->details = calloc(r->opts.detail_max, sizeof(*r->details));
	if (!r->details) {
		free(r);
		return NULL;
	}
	return r;
}

void report__free(struct report *r)
{
	uint32_t i;

	if (!r)
		return;
	for (i = 0; i < r->nstrings; i++)
		free(r->strings[i]);
	free(r->strings);
	free(r->str_hash);
	free(r->rows);
	free(r->details);
	free(r);
}

int report__error(const struct report *r)
{
	return r->error;
}

uint64_t report__count(const struct report *r)
{
	return r->nrows;
}

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int rehash(struct report *r, uint32_t cap)
{
	uint32_t *t = calloc(cap, sizeof(*t)), i;

	if (!t)
		return -ENOMEM;
	for (i = 0; i < r->nstrings; i++) {
		uint32_t h = hash_str(r->strings[i]) & (cap - 1);

		while (t[h])
			h = (h + 1) & (cap - 1);
		t[h] = i + 1;
	}
	free(r->str_hash);
	r->str_hash = t;
	r->hash_cap = cap;
	return 0;
}

/* Cgroup paths repeat across a storm: keep each once. */
static uint32_t intern(struct report *r, const char *s)
{
	uint32_t h;
	char *copy;

	if ((r->nstrings + 1) * 2 > r->hash_cap && rehash(r, r->hash_cap ? r->hash_cap * 2 : 64))
		return UINT32_MAX;
	h = hash_str(s) & (r->hash_cap - 1);
	while (r->str_hash[h]) {
		if (!strcmp(r->strings[r->str_hash[h] - 1], s))
			return r->str_hash[h] - 1;
		h = (h + 1) & (r->hash_cap - 1);
	}
	if (r->nstrings == r->cap_strings) {
		uint32_t cap = r->cap_strings ? r->cap_strings * 2 : 16;
		char **v = realloc(r->strings, cap * sizeof(*v));

		if (!v)
			return UINT32_MAX;
		r->strings = v;
		r->cap_strings = cap;
	}
	copy = strdup(s);
	if (!copy)
		return UINT32_MAX;
	r->strings[r->nstrings] = copy;
	r->str_hash[h] = r->nstrings + 1;
	return r->nstrings++;
}

static bool before(uint64_t a_ns, uint64_t a_ord, uint64_t b_ns, uint64_t b_ord)
{
	return a_ns < b_ns || (a_ns == b_ns && a_ord < b_ord);
}

static void heap_sift_down(struct report_detail *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, big = i;
		struct report_detail tmp;

		if (l < n && before(h[big].sort_ns, h[big].ordinal, h[l].sort_ns, h[l].ordinal))
			big = l;
		if (l + 1 < n &&
		    before(h[big].sort_ns, h[big].ordinal, h[l + 1].sort_ns, h[l + 1].ordinal))
			big = l + 1;
		if (big == i)
			return;
		tmp = h[i];
		h[i] = h[big];
		h[big] = tmp;
		i = big;
	}
}

static void heap_sift_up(struct report_detail *h, size_t i)
{
	while (i) {
		size_t p = (i - 1) / 2;
		struct report_detail tmp;

		if (!before(h[p].sort_ns, h[p].ordinal, h[i].sort_ns, h[i].ordinal))
			return;
		tmp = h[i];
		h[i] = h[p];
		h[p] = tmp;
		i = p;
	}
}

/* Keep the detail_max earliest incidents: a max-heap whose root is the latest kept. */
static void keep_detail(struct report *r, const struct oomreap_incident *inc, uint64_t key,
			uint64_t ord)
{
	struct report_detail *d;

	if (r->ndetails < r->opts.detail_max) {
		d = &r->details[r->ndetails];
		d->sort_ns = key;
		d->ordinal = ord;
		d->inc = *inc;
		heap_sift_up(r->details, r->ndetails++);
		return;
	}
	if (!before(key, ord, r->details[0].sort_ns, r->details[0].ordinal))
		return;
	d = &r->details[0];
	d->sort_ns = key;
	d->ordinal = ord;
	d->inc = *inc;
	heap_sift_down(r->details, r->ndetails, 0);
}

void report__on_incident(const struct oomreap_incident *inc, void *ctx)
{
	struct report *r = ctx;
	uint64_t key = incident__start_ns(inc), ord = r->ordinal++;
	int64_t real = report__real_ns(key, r->rc.mono_to_real_ns);
	struct report_row *row;

	if (!incident__selected(inc, r->opts.pid, r->opts.cgroup)) {
		r->unselected++;
		return;
	}
	if ((r->opts.have_since && real < r->opts.since_real_ns) ||
	    (r->opts.have_until && real > r->opts.until_real_ns)) {
		r->filtered++;
		return;
	}
	summary__add(&r->sum, inc);
	if (r->nrows == r->cap_rows) {
		size_t cap = r->cap_rows ? r->cap_rows * 2 : 256;
		struct report_row *v = realloc(r->rows, cap * sizeof(*v));

		if (!v) {
			r->error = -ENOMEM;
			return;
		}
		r->rows = v;
		r->cap_rows = cap;
	}
	row = &r->rows[r->nrows++];
	memset(row, 0, sizeof(*row));
	row->sort_ns = key;
	row->ordinal = ord;
	row->done_ns = incident__done_ns(inc);
	row->freed_bytes = incident__freed_bytes(inc->freed_pages, r->rc.page_size);
	row->pid = inc->pid;
	row->tgid = inc->tgid;
	row->attempts = inc->attempts;
	row->trylock_failures = inc->trylock_failures;
	row->outcome = (uint8_t)inc->outcome;
	row->have_comm = incident__named(inc);
	row->freed_unread = inc->freed_unread;
	row->incomplete = inc->incomplete;
	row->evicted = inc->evicted;
	row->ended_unseen = inc->ended_unseen;
	memcpy(row->comm, inc->comm, sizeof(row->comm));
	row->comm[sizeof(row->comm) - 1] = 0;
	row->cgroup = inc->have_identity ? intern(r, inc->cgroup_path) : UINT32_MAX;
	if (inc->have_identity && row->cgroup == UINT32_MAX)
		r->error = -ENOMEM;
	row->killer = UINT32_MAX;
	if (inc->kind == INCIDENT_USERSPACE) {
		char name[OOMREAP_COMM_LEN];

		memcpy(name, inc->uk.killer_name, sizeof(name));
		name[sizeof(name) - 1] = 0;
		row->killer = intern(r, name);
		if (row->killer == UINT32_MAX)
			r->error = -ENOMEM;
	}
	keep_detail(r, inc, key, ord);
}

static int row_cmp(const void *a, const void *b)
{
	const struct report_row *x = a, *y = b;

	if (before(x->sort_ns, x->ordinal, y->sort_ns, y->ordinal))
		return -1;
	return before(y->sort_ns, y->ordinal, x->sort_ns, x->ordinal);
}

static int detail_cmp(const void *a, const void *b)
{
	const struct report_detail *x = a, *y = b;

	if (before(x->sort_ns, x->ordinal, y->sort_ns, y->ordinal))
		return -1;
	return before(y->sort_ns, y->ordinal, x->sort_ns, x->ordinal);
}

void report__sort(struct report *r)
{
	if (r->nrows) /* rows is NULL until the first incident */
		qsort(r->rows, r->nrows, sizeof(*r->rows), row_cmp);
	if (r->ndetails)
		qsort(r->details, r->ndetails, sizeof(*r->details), detail_cmp);
}
