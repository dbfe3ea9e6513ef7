// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/incident.h"
#include "core/oom_context.h"
#include "core/oom_report.h"
#include "core/timefmt.h"

const char *oomr_part__name(enum oomr_part p)
{
	static const char *const names[OOMR_NR] = {
		[OOMR_DOMAIN] = "domain",
		[OOMR_MEMORY_STAT] = "memory_stat",
		[OOMR_TASKS] = "tasks",
		[OOMR_MEMINFO] = "meminfo",
		[OOMR_SLAB] = "slab",
	};

	return (unsigned)p < OOMR_NR ? names[p] : "?";
}

const char *oom_report__reason(const struct oom_report *r, enum oomr_part p)
{
	static const char *const why[OOMR_WHY_NR] = {
		[OOMR_WHY_NONE] = "",
		[OOMR_WHY_NOT_PRINTED] = "the kernel's OOM report has no such part",
		[OOMR_WHY_DUMP_TASKS_OFF] =
			"the kernel printed no task table (vm.oom_dump_tasks=0)",
		[OOMR_WHY_GLOBAL] = "a global OOM: no domain memcg, see meminfo",
		[OOMR_WHY_MEMCG] = "a memcg OOM: the kernel prints Mem-Info for a global OOM only",
		[OOMR_WHY_LINES_LOST] = "lines of the kernel's OOM report were lost",
		[OOMR_WHY_INTERLEAVED] =
			"two OOM reports are mixed in the kernel log: this part cannot be told apart",
		[OOMR_WHY_UNPARSED] = "this part of the kernel's OOM report is not in a known format",
		[OOMR_WHY_OTHER_DOMAIN] =
			"the memory.stat printed names another cgroup than the OOM domain",
		[OOMR_WHY_SLAB_SMALL] = "the kernel lists unreclaimable slab only when it "
					"exceeds user memory, and did not",
		[OOMR_WHY_SLAB_BUSY] = "the kernel could not list unreclaimable slab "
				       "(slab_mutex was held)",
	};
	uint8_t w;

	if ((unsigned)p >= OOMR_NR)
		return "";
	w = r->why[p];
	if (w == OOMR_WHY_NO_REPORT)
		return ctx_missing__reason(r->ctx_why);
	if (w == OOMR_WHY_MEMCG && p == OOMR_SLAB)
		return "a memcg OOM: the kernel lists unreclaimable slab for a global OOM only";
	return w < OOMR_WHY_NR && why[w] ? why[w] : "";
}

void oom_report__missing(struct oom_report *r, uint8_t ctx_why)
{
	int p;

	memset(r, 0, sizeof(*r));
	r->ctx_why = ctx_why;
	for (p = 0; p < OOMR_NR; p++)
		r->why[p] = OOMR_WHY_NO_REPORT;
}

static bool unknown_with(const struct oom_report *r, int p, const char *why)
{
	return !r->src[p] && r->why[p] != OOMR_WHY_GLOBAL && r->why[p] != OOMR_WHY_MEMCG &&
	       r->why[p] != OOMR_WHY_SLAB_SMALL &&
	       !strcmp(oom_report__reason(r, (enum oomr_part)p), why);
}

int oom_report__unknown_group(const struct oom_report *r, int i, char *names, size_t len)
{
	const char *why;
	size_t used = 0;
	int j, n = 0, last = -1;

	if (i < 0 || i >= OOMR_NR || !len)
		return 0;
	why = oom_report__reason(r, (enum oomr_part)i);
	if (!unknown_with(r, i, why))
		return 0;
	for (j = 0; j < i; j++)
		if (unknown_with(r, j, why))
			return 0; /* said with an earlier part */
	for (j = i; j < OOMR_NR; j++)
		if (unknown_with(r, j, why))
			last = j;
	names[0] = 0;
	for (j = i; j < OOMR_NR; j++) {
		if (!unknown_with(r, j, why))
			continue;
		if (used < len)
			used += (size_t)snprintf(names + used, len - used, "%s%s",
						 !n ? "" : j == last ? " and " : ", ",
						 oomr_part__name((enum oomr_part)j));
		n++;
	}
	return n;
}

/*
 * Keys as the kernel stated them, in order, NUL-terminated in one text
 * area, and their values.  struct oomr_kv (memory.stat) and struct
 * oomr_zkv (one node or zone line) differ only in their bounds: one
 * implementation over their fields.
 */
static const char *kv_key(const char *text, const uint16_t *key_off, unsigned n, unsigned i)
{
	return i < n ? text + key_off[i] : NULL;
}

static bool kv_get(const char *text, const uint16_t *key_off, const uint64_t *vals, unsigned n,
		   const char *key, uint64_t *val)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (!strcmp(text + key_off[i], key)) {
			*val = vals[i];
			return true;
		}
	return false;
}

static bool kv_add(char *text, size_t text_size, uint16_t *text_len, uint16_t *key_off,
		   uint64_t *vals, uint16_t *n, unsigned max, uint32_t *dropped, const char *key,
		   size_t klen, uint64_t val)
{
	if (*n >= max || (size_t)*text_len + klen + 1 > text_size) {
		(*dropped)++;
		return false;
	}
	key_off[*n] = *text_len;
	memcpy(text + *text_len, key, klen);
	text[*text_len + klen] = 0;
	*text_len = (uint16_t)(*text_len + klen + 1);
	vals[(*n)++] = val;
	return true;
}

const char *oomr_kv__key(const struct oomr_kv *kv, unsigned i)
{
	return kv_key(kv->text, kv->key_off, kv->n, i);
}

bool oomr_kv__get(const struct oomr_kv *kv, const char *key, uint64_t *val)
{
	return kv_get(kv->text, kv->key_off, kv->val, kv->n, key, val);
}

bool oomr_kv__add(struct oomr_kv *kv, const char *key, size_t klen, uint64_t val)
{
	return kv_add(kv->text, sizeof(kv->text), &kv->text_len, kv->key_off, kv->val, &kv->n,
		      OOMR_KV_MAX, &kv->dropped, key, klen, val);
}

/* The same for the smaller key sets of one node or zone line. */
const char *oomr_zkv__key(const struct oomr_zkv *kv, unsigned i)
{
	return kv_key(kv->text, kv->key_off, kv->n, i);
}

bool oomr_zkv__get(const struct oomr_zkv *kv, const char *key, uint64_t *val)
{
	return kv_get(kv->text, kv->key_off, kv->val, kv->n, key, val);
}

bool oomr_zkv__add(struct oomr_zkv *kv, const char *key, size_t klen, uint64_t val)
{
	return kv_add(kv->text, sizeof(kv->text), &kv->text_len, kv->key_off, kv->val, &kv->n,
		      OOMR_ZKV_MAX, &kv->dropped, key, klen, val);
}

void oom_report__add_slab(struct oom_report *r, const struct oomr_slab *s)
{
	uint32_t at;

	r->slab_listed++;
	r->slab_listed_kb += s->used_kb;
	if (r->nslab == OOMR_SLAB_MAX) {
		if (s->used_kb <= r->slab[OOMR_SLAB_MAX - 1].used_kb) {
			r->slab_rest_kb += s->used_kb;
			return;
		}
		r->slab_rest_kb += r->slab[OOMR_SLAB_MAX - 1].used_kb;
		r->nslab--;
	}
	for (at = 0; at < r->nslab && r->slab[at].used_kb >= s->used_kb; at++)
		;
	memmove(&r->slab[at + 1], &r->slab[at], (r->nslab - at) * sizeof(r->slab[0]));
	r->slab[at] = *s;
	r->nslab++;
}

int oom_report__zones_below_min(const struct oom_report *r, int *below, int max, int *nbelow)
{
	int i, read = 0;

	*nbelow = 0;
	if (!r->src[OOMR_MEMINFO])
		return 0;
	for (i = 0; i < r->nzones; i++) {
		uint64_t free_kb, min_kb;

		if (!oomr_zkv__get(&r->zones[i].kb, "free", &free_kb) ||
		    !oomr_zkv__get(&r->zones[i].kb, "min", &min_kb))
			continue;
		read++;
		if (free_kb < min_kb && *nbelow < max)
			below[(*nbelow)++] = i;
	}
	return read;
}

/* Is a (kept) a better row to keep than b: marked first, then larger RSS. */
static bool keep_before(const struct oomr_task *a, const struct oomr_task *b)
{
	if (!!a->flags != !!b->flags)
		return a->flags;
	return a->rss > b->rss;
}

void oom_report__add_task(struct oom_report *r, const struct oomr_task *t)
{
	uint32_t i, at;

	r->tasks_listed++;
	r->listed_rss += t->rss;
	if (t->flags & OOMR_TASK_VICTIM)
		r->victim_listed = true;
	if (r->ntasks == OOMR_TASKS_MAX) {
		/* the weakest kept row: the last unmarked one (rows are kept in order) */
		uint32_t w = OOMR_TASKS_MAX;

		for (i = OOMR_TASKS_MAX; i-- > 0;)
			if (!r->tasks[i].flags) {
				w = i;
				break;
			}
		if (w == OOMR_TASKS_MAX || !keep_before(t, &r->tasks[w])) {
			r->rest_rss += t->rss;
			return;
		}
		r->rest_rss += r->tasks[w].rss;
		memmove(&r->tasks[w], &r->tasks[w + 1],
			(OOMR_TASKS_MAX - 1 - w) * sizeof(r->tasks[0]));
		r->ntasks--;
	}
	/* largest RSS first; marked rows compete on RSS like the others here */
	for (at = 0; at < r->ntasks && r->tasks[at].rss >= t->rss; at++)
		;
	memmove(&r->tasks[at + 1], &r->tasks[at], (r->ntasks - at) * sizeof(r->tasks[0]));
	r->tasks[at] = *t;
	r->ntasks++;
}

static bool stat_of(const struct oomr_kv *kv, const char *v2, const char *v1, uint64_t *val)
{
	return oomr_kv__get(kv, v2, val) || (v1 && oomr_kv__get(kv, v1, val));
}

int oom_report__breakdown(const struct oom_report *r, const char **names, uint64_t *bytes,
			  int max)
{
	const struct oomr_kv *kv = &r->stat;
	uint64_t anon, file, shmem = 0, v;
	int n = 0;

	if (!r->src[OOMR_MEMORY_STAT] || max < 5)
		return 0;
	if (oomr_kv__get(kv, "anon", &anon) && oomr_kv__get(kv, "file", &file)) {
		/* cgroup v2: shmem is inside file; kernel (5.18+) holds slab, stacks, page tables */
		oomr_kv__get(kv, "shmem", &shmem);
		names[n] = "anon", bytes[n++] = anon;
		names[n] = "file", bytes[n++] = file > shmem ? file - shmem : 0;
		names[n] = "shmem", bytes[n++] = shmem;
		if (oomr_kv__get(kv, "kernel", &v)) {
			names[n] = "kernel", bytes[n++] = v;
		} else {
			uint64_t k = 0, x;
			static const char *const parts[] = { "kernel_stack", "pagetables", "percpu",
							     "slab", "vmalloc" };
			unsigned i;

			for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
				if (oomr_kv__get(kv, parts[i], &x))
					k += x;
			names[n] = "kernel", bytes[n++] = k;
		}
		if (oomr_kv__get(kv, "sock", &v))
			names[n] = "sock", bytes[n++] = v;
		return n;
	}
	/* cgroup v1: the hierarchy's totals (the domain's usage is hierarchical) */
	if (stat_of(kv, "total_rss", "rss", &anon) && stat_of(kv, "total_cache", "cache", &file)) {
		stat_of(kv, "total_shmem", "shmem", &shmem);
		names[n] = "anon", bytes[n++] = anon;
		names[n] = "file", bytes[n++] = file > shmem ? file - shmem : 0;
		names[n] = "shmem", bytes[n++] = shmem;
		if (r->kmem.have)
			names[n] = "kernel", bytes[n++] = r->kmem.usage_kb * 1024;
		return n;
	}
	return 0;
}

__attribute__((format(printf, 2, 3))) static void say(const struct oomr_say *o,
							  const char *fmt, ...)
{
	char w[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w, sizeof(w), fmt, ap);
	va_end(ap);
	o->words(o->arg, w);
}

static void zone_label(const struct oomr_zone *z, char *buf, size_t len)
{
	if (z->node >= 0)
		snprintf(buf, len, "%s (node %d)", z->name, z->node);
	else
		snprintf(buf, len, "%s", z->name);
}

/* Which zones were below their min watermark, by the kernel's own figures. */
static void tell_zones(const struct oom_report *r, const struct oomr_say *o, bool after)
{
	int below[OOMR_ZONES_MAX], nbelow, i;
	char zl[48], a[32], b[32];
	uint64_t fr = 0, mn = 0;

	if (!oom_report__zones_below_min(r, below, OOMR_ZONES_MAX, &nbelow))
		return;
	if (after)
		say(o, " ");
	if (!nbelow) {
		say(o, "No zone was below its min watermark.");
		return;
	}
	for (i = 0; i < nbelow; i++) {
		const struct oomr_zone *z = &r->zones[below[i]];

		oomr_zkv__get(&z->kb, "free", &fr);
		oomr_zkv__get(&z->kb, "min", &mn);
		zone_label(z, zl, sizeof(zl));
		timefmt__bytes(a, sizeof(a), fr * 1024);
		timefmt__bytes(b, sizeof(b), mn * 1024);
		say(o, "%s%s%s had %s free, below its min watermark of %s",
		    i == 0 ? "Zone " : i == nbelow - 1 ? " and " : ", ", i ? "zone " : "", zl, a, b);
	}
	say(o, ".");
}

/* The largest unreclaimable slab caches, when the kernel listed them. */
static void tell_slab(const struct oom_report *r, const struct oomr_say *o)
{
	char a[32];
	uint32_t i;

	if (!r->src[OOMR_SLAB] || !r->nslab)
		return;
	timefmt__bytes(a, sizeof(a), r->slab_listed_kb * 1024);
	say(o, " Unreclaimable slab held %s in %u caches, the largest ", a, r->slab_listed);
	for (i = 0; i < r->nslab && i < 2; i++) {
		if (i)
			say(o, ", ");
		o->name(o->arg, r->slab[i].name, sizeof(r->slab[i].name), false);
		timefmt__bytes(a, sizeof(a), r->slab[i].used_kb * 1024);
		say(o, " %s", a);
	}
	say(o, ".");
}

void oom_report__tell(const struct oom_context *c, uint64_t page_size, const struct oomr_say *o)
{
	const struct oom_report *r = &c->report;
	char a[32], b[32];
	bool any = false;
	uint32_t i, shown = 0;
	uint64_t other = 0, nother = 0;

	if (r->src[OOMR_DOMAIN] && r->memory.have) {
		timefmt__bytes(a, sizeof(a), r->memory.usage_kb * 1024);
		timefmt__bytes(b, sizeof(b), r->memory.limit_kb * 1024);
		if (oomr__unlimited(r->memory.limit_kb))
			say(o, "The memcg held %s, with no memory limit of its own", a);
		else if (r->memory.usage_kb >= r->memory.limit_kb)
			say(o, "The memcg was at its %s limit", b);
		else
			say(o, "The memcg held %s of its %s limit", a, b);
		any = true;
	} else if (r->src[OOMR_MEMINFO]) {
		uint64_t free_pages;

		if (oomr_kv__get(&r->meminfo, "free", &free_pages)) {
			timefmt__bytes(a, sizeof(a), free_pages * page_size);
			say(o, "The system was out of memory (%s free)", a);
		} else {
			say(o, "The system was out of memory");
		}
		any = true;
	}
	if (r->src[OOMR_TASKS] && r->ntasks) {
		for (i = 0; i < r->ntasks; i++) {
			const struct oomr_task *t = &r->tasks[i];

			if (shown == 3 && !(t->flags & OOMR_TASK_VICTIM)) {
				other += t->rss;
				nother++;
				continue;
			}
			if (shown)
				say(o, ", ");
			else if (any)
				say(o, "; ");
			o->name(o->arg, t->name, sizeof(t->name), !any && !shown);
			/* where the kernel splits RSS, the anonymous part: what a memcg is full of */
			timefmt__bytes(a, sizeof(a), (r->tasks_split ? t->rss_anon : t->rss) * page_size);
			say(o, "%s%s %s%s",
			    t->flags & OOMR_TASK_VICTIM	   ? " (the victim)"
			    : t->flags & OOMR_TASK_TRIGGER ? " (the trigger)"
							   : "",
			    shown ? "" : " held", a,
			    shown ? "" : r->tasks_split ? " of anonymous memory" : " of RSS");
			shown++;
			any = true;
		}
		other += r->rest_rss;
		nother += r->tasks_listed - r->ntasks;
		if (nother) {
			timefmt__bytes(a, sizeof(a), other * page_size);
			say(o, ", %llu other task%s %s of RSS", (unsigned long long)nother,
			    nother == 1 ? "" : "s", a);
		}
	}
	if (any)
		say(o, ".");
	tell_zones(r, o, any);
	tell_slab(r, o);
}

struct sentence_buf {
	char *buf;
	size_t len, at;
	enum escape_format how;
};

static void buf_words(void *arg, const char *s)
{
	struct sentence_buf *sb = arg;
	size_t n = strlen(s);

	if (sb->at + 1 >= sb->len)
		return;
	if (n > sb->len - 1 - sb->at)
		n = sb->len - 1 - sb->at;
	memcpy(sb->buf + sb->at, s, n);
	sb->at += n;
	sb->buf[sb->at] = 0;
}

static void buf_name(void *arg, const char *name, size_t maxlen, bool first)
{
	struct sentence_buf *sb = arg;

	(void)first;
	if (sb->at + 1 < sb->len)
		sb->at += incident__escape_buf(sb->buf + sb->at, sb->len - sb->at, sb->how, name,
					       maxlen);
}

size_t oom_report__sentence(char *buf, size_t len, const struct oom_context *c,
			    uint64_t page_size, int how)
{
	struct sentence_buf sb = { buf, len, 0, (enum escape_format)how };
	struct oomr_say o = { buf_words, buf_name, &sb };

	if (!len)
		return 0;
	buf[0] = 0;
	oom_report__tell(c, page_size, &o);
	return sb.at;
}
