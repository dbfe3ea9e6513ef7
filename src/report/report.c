// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Postmortem reports: time arguments, the collector, and the one walk that
 * writes both formats.  What a report shows, in which order, in which words
 * and with which numbers is decided here once; the Markdown (report_md.c)
 * and HTML (report_html.c) markups only mark it up and escape it.  Output
 * is deterministic for a given recording (UTC times, no generation date)
 * so golden tests can compare it byte for byte.
 *
 * Untrusted strings (comm, cgroup paths, kernel log lines, file names)
 * only ever reach the markup's code() and text(), which escape them for
 * their format; our own sentences go through prose().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/event.h"
#include "report/report.h"
#include "core/timefmt.h"

/* ---------------------------------------------------------------- times */

static bool parse_uint(const char **p, uint64_t *v, int *ndigits)
{
	const char *s = *p;
	uint64_t x = 0;
	int n = 0;

	while (*s >= '0' && *s <= '9') {
		if (x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
		s++;
		n++;
	}
	if (!n)
		return false;
	*p = s;
	*v = x;
	if (ndigits)
		*ndigits = n;
	return true;
}

/* ".123456789" -> ns; no fraction -> 0. */
static bool parse_frac(const char **p, int64_t *ns)
{
	const char *s = *p;
	int64_t v = 0, scale = 100000000;

	*ns = 0;
	if (*s != '.')
		return true;
	s++;
	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		v += (*s - '0') * scale;
		scale /= 10;
		s++;
	}
	*ns = v;
	*p = s;
	return true;
}

static bool fixed_digits(const char **p, int n, int *out)
{
	int v = 0;

	while (n--) {
		if (**p < '0' || **p > '9')
			return false;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return true;
}

#define NS_PER_SEC 1000000000ll
/* Up to year ~2262 in int64 ns. */
#define MAX_EPOCH_S 9000000000ll

int report__parse_time(const char *s, int64_t *ns, bool *relative)
{
	const char *p = s;
	uint64_t v;
	int64_t frac;

	if (!s || !*s)
		return -EINVAL;
	*relative = false;
	if (*p == '+') {
		uint64_t mult = NS_PER_SEC;

		p++;
		if (!parse_uint(&p, &v, NULL) || !parse_frac(&p, &frac))
			return -EINVAL;
		if (!strcmp(p, "") || !strcmp(p, "s"))
			mult = NS_PER_SEC;
		else if (!strcmp(p, "ms"))
			mult = 1000000;
		else if (!strcmp(p, "m") || !strcmp(p, "min"))
			mult = 60 * NS_PER_SEC;
		else if (!strcmp(p, "h"))
			mult = 3600 * NS_PER_SEC;
		else
			return -EINVAL;
		if (v > (uint64_t)MAX_EPOCH_S * NS_PER_SEC / mult)
			return -EINVAL;
		*ns = (int64_t)(v * mult) + (int64_t)((double)frac / NS_PER_SEC * (double)mult);
		*relative = true;
		return 0;
	}
	if (*p == '@') {
		p++;
		if (!parse_uint(&p, &v, NULL) || v > MAX_EPOCH_S || !parse_frac(&p, &frac) || *p)
			return -EINVAL;
		*ns = (int64_t)v * NS_PER_SEC + frac;
		return 0;
	}
	{
		struct tm tm;
		int year, mon, day, hh = 0, mm = 0, ss = 0, zh, zm;
		int64_t off_s = 0;
		time_t t;

		memset(&tm, 0, sizeof(tm));
		frac = 0;
		if (!fixed_digits(&p, 4, &year) || *p++ != '-' || !fixed_digits(&p, 2, &mon) ||
		    *p++ != '-' || !fixed_digits(&p, 2, &day))
			return -EINVAL;
		if (*p == 'T' || *p == ' ') {
			p++;
			if (!fixed_digits(&p, 2, &hh) || *p++ != ':' || !fixed_digits(&p, 2, &mm))
				return -EINVAL;
			if (*p == ':') {
				p++;
				if (!fixed_digits(&p, 2, &ss) || !parse_frac(&p, &frac))
					return -EINVAL;
			}
			if (*p == 'Z') {
				p++;
			} else if (*p == '+' || *p == '-') {
				int sign = *p++ == '-' ? -1 : 1;

				if (!fixed_digits(&p, 2, &zh))
					return -EINVAL;
				if (*p == ':')
					p++;
				if (!fixed_digits(&p, 2, &zm) || zh > 23 || zm > 59)
					return -EINVAL;
				off_s = sign * (zh * 3600 + zm * 60);
			}
		}
		if (*p || mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 ||
		    ss > 60 || year < 1970)
			return -EINVAL;
		tm.tm_year = year - 1900;
		tm.tm_mon = mon - 1;
		tm.tm_mday = day;
		tm.tm_hour = hh;
		tm.tm_min = mm;
		tm.tm_sec = ss;
		t = timegm(&tm);
		if (t == (time_t)-1 || t - off_s > MAX_EPOCH_S)
			return -EINVAL;
		*ns = ((int64_t)t - off_s) * NS_PER_SEC + frac;
		return 0;
	}
}

#define REAL_MAX (INT64_MAX / 2) /* far beyond any date strftime prints */

int64_t report__real_ns(uint64_t mono_ns, int64_t mono_to_real_ns)
{
	int64_t sum;

	if (mono_ns > (uint64_t)REAL_MAX)
		mono_ns = (uint64_t)REAL_MAX;
	if (__builtin_add_overflow((int64_t)mono_ns, mono_to_real_ns, &sum))
		return mono_to_real_ns > 0 ? REAL_MAX : -REAL_MAX;
	return sum > REAL_MAX ? REAL_MAX : sum < -REAL_MAX ? -REAL_MAX : sum;
}

void report__utc(char *buf, size_t len, int64_t real_ns)
{
	time_t sec = (time_t)(real_ns / NS_PER_SEC);
	long ms = (long)((real_ns % NS_PER_SEC) / 1000000);
	struct tm tm;
	char tmp[32];

	if (ms < 0) {
		ms += 1000;
		sec--;
	}
	if (!gmtime_r(&sec, &tm)) {
		snprintf(buf, len, "?");
		return;
	}
	strftime(tmp, sizeof(tmp), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ld UTC", tmp, ms);
}

void report__offset(char *buf, size_t len, uint64_t from, uint64_t to)
{
	uint64_t d = to >= from ? to - from : from - to;

	snprintf(buf, len, "%c%" PRIu64 ".%03" PRIu64 " s", to >= from ? '+' : '-',
		 d / UINT64_C(1000000000), d / UINT64_C(1000000) % 1000);
}

/* -------------------------------------------------------------- collect */

static uint64_t sort_ns(const struct oomreap_incident *inc)
{
	if (inc->kill_ns)
		return inc->kill_ns;
	return inc->timeline_len ? inc->timeline[0].ts_ns : inc->closed_ns;
}

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
	uint64_t key = sort_ns(inc), ord = r->ordinal++;
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
	row->have_identity = inc->have_identity;
	row->incomplete = inc->incomplete;
	row->evicted = inc->evicted;
	memcpy(row->comm, inc->comm, sizeof(row->comm));
	row->comm[sizeof(row->comm) - 1] = 0;
	row->cgroup = inc->have_identity ? intern(r, inc->cgroup_path) : UINT32_MAX;
	if (inc->have_identity && row->cgroup == UINT32_MAX)
		r->error = -ENOMEM;
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

static void finalize(struct report *r)
{
	if (r->nrows) /* rows is NULL until the first incident */
		qsort(r->rows, r->nrows, sizeof(*r->rows), row_cmp);
	if (r->ndetails)
		qsort(r->details, r->ndetails, sizeof(*r->details), detail_cmp);
}
/* ---------------------------------------------------------------- prose */

const char *report__outcome_title(uint8_t outcome)
{
	switch (outcome) {
	case OUTCOME_REAPED:
		return "reaped by the oom_reaper";
	case OUTCOME_GAVE_UP:
		return "the reaper gave up (unable to reap)";
	case OUTCOME_VICTIM_EXITED:
		return "the victim exited on its own";
	case OUTCOME_PARTIAL:
		return "partly reaped, then the reaper gave up";
	default:
		return "still open when the recording ended";
	}
}

/*
 * One report being written: where, in which markup, and whether inside a
 * table (Markdown must escape | there, even in code spans).
 */
struct out {
	FILE *f;
	const struct report_markup *m;
	bool in_table;
};

static void put(struct out *o, const char *s)
{
	fputs(s, o->f);
}

/*
 * Our own prose, with Markdown's `code` and *emphasis* marks that the
 * markup keeps or turns into tags.  It never carries an untrusted string,
 * only numbers and our own words.
 */
static void vsay(struct out *o, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void vsay(struct out *o, const char *fmt, va_list ap)
{
	char buf[2048];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	o->m->prose(o->f, buf);
}

static void say(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(o, fmt, ap);
	va_end(ap);
}

static void dur(char *buf, size_t len, uint64_t ns)
{
	timefmt__duration(buf, len, ns);
}

static void explain_delay(struct out *o, const struct oomreap_incident *inc)
{
	uint64_t k2w = incident__kill_to_wake_ns(inc);
	char d[16];

	if (k2w == LATENCY_NONE)
		return;
	dur(d, sizeof(d), k2w);
	if (k2w >= 1900000000ull)
		say(o,
		      " The reaper was woken %s after the kill: the 2 s `OOM_REAPER_DELAY` that "
		      "kernels since 5.18 (and stable backports) leave the victim to exit on its "
		      "own first.",
		      d);
	else if (k2w < 1000000000ull)
		say(o,
		      " The reaper was woken %s after the kill, without the 2 s delay of "
		      "kernels since 5.18: this kernel wakes it at once.",
		      d);
	else
		say(o, " The reaper was woken %s after the kill.", d);
}

static void explain_exit(struct out *o, const struct oomreap_incident *inc)
{
	char d[16];

	if (inc->exit_ns) {
		dur(d, sizeof(d), incident__exit_latency_ns(inc));
		say(o, " The victim's last thread exited %s after the kill.", d);
	} else {
		say(o, " The victim was not seen exiting while the recording ran.");
	}
}

/* Plain-language paragraphs on what happened to one victim. */
static void explain(struct out *o, const struct oomreap_incident *inc, const struct render_ctx *rc)
{
	char freed[16], t1[16], t2[16];

	timefmt__bytes(freed, sizeof(freed), incident__freed_bytes(inc->freed_pages, rc->page_size));
	put(o, o->m->para_open);
	switch (inc->outcome) {
	case OUTCOME_REAPED:
		say(o,
		      "The victim did not release its memory by itself in time: something kept "
		      "its address space alive (typically a thread stuck in an uninterruptible "
		      "sleep, such as a FUSE or NFS request, or another process sharing the mm).");
		explain_delay(o, inc);
		dur(t1, sizeof(t1), incident__reap_duration_ns(inc));
		dur(t2, sizeof(t2), incident__reap_latency_ns(inc));
		say(o,
		      " The kernel's `oom_reaper` thread took the victim's `mmap_lock` with "
		      "`mmap_read_trylock()` on attempt %u of at most 10 and unmapped its "
		      "anonymous and private memory without waiting for it to exit: %s freed in "
		      "%s, %s after the kill.",
		      inc->attempts ? inc->attempts : 1, freed, t1, t2);
		if (inc->trylock_failures)
			say(o,
			      " Before that, %u attempt%s failed because another task held the "
			      "lock.",
			      inc->trylock_failures, inc->trylock_failures == 1 ? "" : "s");
		explain_exit(o, inc);
		break;
	case OUTCOME_GAVE_UP:
		say(o,
		      "The victim could not exit and free its memory by itself.");
		explain_delay(o, inc);
		say(o,
		      " The reaper then tried the victim's `mmap_lock` %u times "
		      "(`MAX_OOM_REAP_RETRIES` is 10), sleeping about 100 ms (`HZ/10`) after "
		      "each failure; %u of the attempts failed in `mmap_read_trylock()`.",
		      inc->attempts, inc->trylock_failures);
		say(o,
		      " A trylock fails while another task holds the lock for writing, or while a "
		      "writer is queued behind a reader: typically a thread that holds the lock "
		      "for reading while it sleeps in a page fault (on FUSE or NFS) or in a "
		      "`/proc/PID/mem` access, with an `mmap()`, `munmap()` or `mprotect()` "
		      "waiting behind it.");
		say(o,
		      " After the last attempt the kernel logged \"oom_reaper: unable to reap "
		      "pid:%u\" and set `MMF_OOM_SKIP` on the mm anyway. That means the OOM "
		      "killer stops waiting for this victim and may kill another task if memory "
		      "is still short, while this victim's memory stays allocated until whatever "
		      "holds the lock lets go: one stuck victim can cost a second kill.",
		      inc->pid);
		if (inc->unknown_skips)
			say(o,
			      " %u attempt%s could not be classified on this attach rung.",
			      inc->unknown_skips, inc->unknown_skips == 1 ? "" : "s");
		explain_exit(o, inc);
		break;
	case OUTCOME_VICTIM_EXITED:
		if (!inc->attempts) {
			dur(t1, sizeof(t1), incident__exit_latency_ns(inc));
			say(o,
			      "The victim released its memory itself: it exited %s after the kill, "
			      "before the reaper's 2 s delay was up. This is the common case since "
			      "5.18; the reaper had nothing to do.",
			      t1);
			if (inc->wake_ignored)
				say(o,
				      " When the reaper's timer fired it found `MMF_OOM_SKIP` already "
				      "set and returned without a word.");
		} else {
			say(o, "The reaper came for this victim but it tore down its own "
				       "address space first.");
			explain_delay(o, inc);
			say(o,
			      " Of %u attempt%s, %u failed in `mmap_read_trylock()` (another task "
			      "held the lock); then the victim's own exit set `MMF_OOM_SKIP` and "
			      "the reaper stopped: the victim's exit, not the reaper, freed the "
			      "memory.",
			      inc->attempts, inc->attempts == 1 ? "" : "s", inc->trylock_failures);
			explain_exit(o, inc);
		}
		break;
	case OUTCOME_PARTIAL:
		say(o,
		      "The reaper got the lock and unmapped part of the address space, but "
		      "`__oom_reap_task_mm()` reported that some of it could not be reaped yet "
		      "(for example a range whose MMU notifier could not be invalidated without "
		      "blocking), so it tried again, %u times in all, %u partial pass%s, and then "
		      "gave up as in \"unable to reap\": `MMF_OOM_SKIP` is set and the OOM killer "
		      "may pick another victim. It freed %s.",
		      inc->attempts, inc->partial_reaps, inc->partial_reaps == 1 ? "" : "es",
		      freed);
		explain_delay(o, inc);
		explain_exit(o, inc);
		break;
	default:
		say(o,
		      "The recording ended while this incident was still in progress: this is "
		      "what had happened up to then.");
		if (inc->evicted)
			say(o,
			      " It was closed early because too many incidents were open at once "
			      "(`--max-open`).");
		break;
	}
	put(o, o->m->para_close);
	if (!inc->have_identity || inc->incomplete) {
		put(o, o->m->para_open);
		if (!inc->have_identity)
			say(o,
			      "The kill itself was not seen (tracing started after it, or its event "
			      "was lost): the victim's name and cgroup are unknown.%s",
			      inc->incomplete ? " " : "");
		if (inc->incomplete)
			say(o,
			      "Events were lost while this incident was open (the ring buffer was "
			      "full, or the recorder could not write): steps may be missing.");
		put(o, o->m->para_close);
	}
}

void report__explain(FILE *f, const struct oomreap_incident *inc, const struct render_ctx *rc,
		     bool html)
{
	struct out o = { .f = f, .m = html ? &report__html : &report__markdown };

	explain(&o, inc, rc);
}

const char *report__event_label(const struct timeline_entry *te, uint32_t *attempt, char *buf,
				size_t len)
{
	switch (te->type) {
	case OOMREAP_EV_KILL:
		return "killed: SIGKILL sent, marked OOM victim";
	case OOMREAP_EV_REAPER_QUEUE:
		return "reaper timer armed (2 s delay)";
	case OOMREAP_EV_REAPER_WAKE:
		return "reaper woken";
	case OOMREAP_EV_REAP_START:
		snprintf(buf, len, "attempt %u: lock taken, unmapping", ++*attempt);
		return buf;
	case OOMREAP_EV_REAP_FINISH:
		return "unmapping pass done";
	case OOMREAP_EV_REAP_SKIP:
		++*attempt;
		if (te->skip_reason == OOMREAP_SKIP_TRYLOCK_FAILED)
			snprintf(buf, len, "attempt %u: mmap_read_trylock failed", *attempt);
		else if (te->skip_reason == OOMREAP_SKIP_MM_GONE)
			snprintf(buf, len, "attempt %u: skipped, mm already torn down (MMF_OOM_SKIP)",
				 *attempt);
		else
			snprintf(buf, len, "attempt %u: skipped (reason unknown on this rung)",
				 *attempt);
		return buf;
	case OOMREAP_EV_REAP_RESULT:
		return te->reap_ret ? "pass reported complete" : "pass reported incomplete: retry";
	case OOMREAP_EV_VICTIM_EXIT:
		return "victim thread exited";
	default:
		return event__type_name(te->type);
	}
}

void report__event_detail(const struct oomreap_incident *inc, uint32_t i,
			  const struct render_ctx *rc, char *buf, size_t len)
{
	const struct timeline_entry *te = &inc->timeline[i];
	char a[16], fl[16];

	buf[0] = 0;
	if (te->type == OOMREAP_EV_REAPER_WAKE && inc->wake_ignored && te->ts_ns != inc->wake_ns) {
		snprintf(buf, len, "victim already gone: nothing to do");
		return;
	}
	if (te->rss_pages[0] < 0)
		return;
	timefmt__bytes(a, sizeof(a), (uint64_t)te->rss_pages[OOMREAP_RSS_ANON] * rc->page_size);
	timefmt__bytes(fl, sizeof(fl), (uint64_t)te->rss_pages[OOMREAP_RSS_FILE] * rc->page_size);
	snprintf(buf, len, "%s anon %s, file %s",
		 te->type == OOMREAP_EV_REAP_FINISH ? "left:" : "rss:", a, fl);
}

/* ----------------------------------------------------------------- walk */

/*
 * One walk over the report model writes both formats: what is shown, in
 * which order and in which words lives here; o->m supplies the markup.
 */

static void heading(struct out *o, int level, const char *title)
{
	o->m->heading_open(o->f, level);
	o->m->prose(o->f, title);
	o->m->heading_close(o->f, level);
}

/* A paragraph of prose, as say() writes it. */
static void para(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void para(struct out *o, const char *fmt, ...)
{
	va_list ap;

	put(o, o->m->para_open);
	va_start(ap, fmt);
	vsay(o, fmt, ap);
	va_end(ap);
	put(o, o->m->para_close);
}

static void item(struct out *o, const char *s)
{
	put(o, o->m->item_open);
	o->m->prose(o->f, s);
	put(o, o->m->item_close);
}

static void code(struct out *o, const char *s, size_t maxlen)
{
	o->m->code(o->f, s, maxlen, o->in_table);
}

static void table_open(struct out *o, const char *cls, const struct report_column *cols,
		       size_t ncols)
{
	o->m->table_open(o->f, cls, cols, ncols);
	o->in_table = true;
}

static void table_close(struct out *o)
{
	put(o, o->m->table_close);
	o->in_table = false;
}

/* A key/value row: the key, then the caller writes the value and calls row_end. */
static void row_key(struct out *o, const char *key, bool numeric)
{
	put(o, o->m->row_open);
	put(o, o->m->key_open);
	o->m->prose(o->f, key);
	put(o, o->m->key_close);
	put(o, numeric ? o->m->num_cell_open : o->m->cell_open);
}

static void row_end(struct out *o)
{
	put(o, o->m->cell_close);
	put(o, o->m->row_close);
}

/* A key/value row whose value is printf output: numbers, times, our own words. */
static void kvf(struct out *o, bool numeric, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void kvf(struct out *o, bool numeric, const char *key, const char *fmt, ...)
{
	va_list ap;

	row_key(o, key, numeric);
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	row_end(o);
}

/* A cell the caller fills, then closes with cell_end. */
static void cell(struct out *o, bool numeric)
{
	put(o, numeric ? o->m->num_cell_open : o->m->cell_open);
}

static void cell_end(struct out *o)
{
	put(o, o->m->cell_close);
}

/* A cell of printf output. */
static void cellf(struct out *o, bool numeric, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cellf(struct out *o, bool numeric, const char *fmt, ...)
{
	va_list ap;

	cell(o, numeric);
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	cell_end(o);
}

/* A cell with an untrusted string as code, or "?" when it is not known. */
static void cell_code(struct out *o, const char *s, size_t maxlen)
{
	cell(o, false);
	if (s)
		code(o, s, maxlen);
	else
		put(o, "?");
	cell_end(o);
}

static void empty_cells(struct out *o, size_t n)
{
	while (n--)
		put(o, o->m->empty_cell);
}

/* "N more ... not kept" where the incident's bounds dropped some: in column 2 of ncols. */
static void not_kept_row(struct out *o, size_t ncols, const char *what, uint32_t n)
{
	put(o, o->m->row_open);
	empty_cells(o, 1);
	cellf(o, false, "%u more %s not kept", n, what);
	empty_cells(o, ncols - 2);
	put(o, o->m->row_close);
}

static const char *rung_title(uint32_t rung)
{
	switch (rung) {
	case 1:
		return "fentry/fexit";
	case 2:
		return "kprobe";
	case 3:
		return "tracepoint";
	default:
		return "unknown";
	}
}

/* ------------------------------------------------------ walk: the source */

static void source(struct out *o, const struct report *r, const struct report_source *src)
{
	const struct oomrec_header *h = &r->hdr;
	char a[48], b[48], d[16];

	if (o->m->doc_open)
		o->m->doc_open(o->f, h);
	o->m->heading_open(o->f, 1);
	put(o, "OOM postmortem: ");
	code(o, h->hostname, sizeof(h->hostname));
	o->m->heading_close(o->f, 1);

	table_open(o, "meta", NULL, 0);
	row_key(o, "Recording", false);
	code(o, src->name, 4096);
	row_end(o);
	row_key(o, "Host", false);
	code(o, h->hostname, sizeof(h->hostname));
	put(o, " (");
	code(o, h->machine, sizeof(h->machine));
	put(o, "), kernel ");
	code(o, h->kernel_release, sizeof(h->kernel_release));
	row_end(o);
	row_key(o, "Boot id", false);
	code(o, h->boot_id, sizeof(h->boot_id));
	row_end(o);
	row_key(o, "Events", false);
	if (src->first_ts_ns) {
		report__utc(a, sizeof(a), report__real_ns(src->first_ts_ns, h->mono_to_real_ns));
		report__utc(b, sizeof(b), report__real_ns(src->last_ts_ns, h->mono_to_real_ns));
		dur(d, sizeof(d), src->last_ts_ns - src->first_ts_ns);
		fprintf(o->f, "%" PRIu64 ", from %s to %s (%s)", src->events, a, b, d);
	} else {
		put(o, "none");
	}
	row_end(o);
	report__utc(a, sizeof(a), report__real_ns(h->start_mono_ns, h->mono_to_real_ns));
	kvf(o, false, "Recording started", "%s", a);
	kvf(o, false, "Attach rung", "%s", rung_title(h->rung));
	row_key(o, "Recorded by", false);
	put(o, "oomreap-trace ");
	code(o, h->tool_version, sizeof(h->tool_version));
	row_end(o);
	row_key(o, "Kernel log", false);
	if (src->kmsg_name) {
		code(o, src->kmsg_name, 4096);
		fprintf(o->f, ", %" PRIu64 " lines", src->kmsg_lines);
	} else {
		say(o, "none (record with /dev/kmsg capture, or pass `--kmsg FILE`)");
	}
	row_end(o);
	if (r->opts.have_since || r->opts.have_until) {
		row_key(o, "Window", false);
		put(o, "kills ");
		if (r->opts.have_since) {
			report__utc(a, sizeof(a), r->opts.since_real_ns);
			fprintf(o->f, "from %s ", a);
		}
		if (r->opts.have_until) {
			report__utc(a, sizeof(a), r->opts.until_real_ns);
			fprintf(o->f, "until %s ", a);
		}
		fprintf(o->f, "(%" PRIu64 " incidents outside)", r->filtered);
		row_end(o);
	}
	if (r->opts.pid || r->opts.cgroup) {
		row_key(o, "Selection", false);
		put(o, "victims ");
		if (r->opts.pid)
			fprintf(o->f, "with pid or tgid %" PRIu32 " ", r->opts.pid);
		if (r->opts.cgroup) {
			put(o, "in memory cgroup ");
			code(o, r->opts.cgroup, 4096);
			put(o, " or below it ");
		}
		fprintf(o->f, "(%" PRIu64 " incidents not selected)", r->unselected);
		row_end(o);
	}
	table_close(o);

	if (src->problem) {
		put(o, o->m->warn_open);
		say(o, "**Warning: the recording is not whole.** ");
		code(o, src->problem, 1024);
		put(o, o->m->warn_break);
		say(o, "Everything up to that point is in this report.");
		put(o, o->m->warn_close);
	}
	if (src->ringbuf_lost || src->unrecorded) {
		put(o, o->m->warn_open);
		say(o,
		    "**Warning: events were lost** (%" PRIu64 " in the ring buffer, %" PRIu64
		    " not written to the recording): incidents open at the time are marked "
		    "incomplete.",
		    src->ringbuf_lost, src->unrecorded);
		put(o, o->m->warn_close);
	}
}

/* ----------------------------------------------------- walk: the summary */

/* The incident table's columns; the worst latencies leave out "#". */
static const struct report_column incident_columns[] = {
	{ "#", true },
	{ "Killed", false },
	{ "PID", true },
	{ "Comm", false },
	{ "Cgroup", false },
	{ "Outcome", false },
	{ "Done in", true },
	{ "Trylock fails", true },
	{ "Freed", true },
};
#define ROW_COLUMNS (incident_columns + 1)
#define NROW_COLUMNS (sizeof(incident_columns) / sizeof(incident_columns[0]) - 1)

static void row_cells(struct out *o, const struct report *r, const struct report_row *row)
{
	char when[48], d[16], fr[16];

	report__utc(when, sizeof(when), report__real_ns(row->sort_ns, r->rc.mono_to_real_ns));
	dur(d, sizeof(d), row->done_ns);
	timefmt__bytes(fr, sizeof(fr), row->freed_bytes);
	cellf(o, false, "%s", when);
	cellf(o, true, "%u", row->pid);
	cell_code(o, row->have_identity ? row->comm : NULL, sizeof(row->comm));
	cell_code(o, row->cgroup != UINT32_MAX ? r->strings[row->cgroup] : NULL,
		  OOMREAP_CGROUP_PATH_LEN);
	cell(o, false);
	o->m->outcome(o->f, row->outcome);
	put(o, row->incomplete ? " (incomplete)" : "");
	cell_end(o);
	cellf(o, true, "%s", d);
	cellf(o, true, "%u", row->trylock_failures);
	cellf(o, true, "%s", fr);
}

/* The REPORT_WORST longest kill-to-over latencies, worst first; rows may be 100k. */
static size_t worst_rows(const struct report *r, size_t idx[REPORT_WORST])
{
	size_t i, k = 0, j;

	for (i = 0; i < r->nrows; i++) {
		uint64_t v = r->rows[i].done_ns;

		if (v == LATENCY_NONE)
			continue;
		if (k < REPORT_WORST)
			idx[k++] = i;
		else if (v > r->rows[idx[k - 1]].done_ns)
			idx[k - 1] = i;
		else
			continue;
		for (j = k - 1; j > 0 && r->rows[idx[j]].done_ns > r->rows[idx[j - 1]].done_ns;
		     j--) {
			size_t t = idx[j];

			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	}
	return k;
}

static void histogram(struct out *o, const char *title, const char *cls,
		      const struct log2_hist *h)
{
	if (!h->count)
		return;
	heading(o, 3, title);
	o->m->histogram(o->f, title, cls, h);
}

static void summary(struct out *o, const struct report *r)
{
	const struct summary *s = &r->sum;
	size_t idx[REPORT_WORST], n, i;
	char fr[16];

	timefmt__bytes(fr, sizeof(fr), incident__freed_bytes(s->freed_pages, r->rc.page_size));
	heading(o, 2, "Summary");
	table_open(o, NULL, NULL, 0);
	kvf(o, true, "OOM kills (incidents)", "%zu", r->nrows);
	kvf(o, true, "Reaped by the oom_reaper", "%" PRIu64, s->incidents[OUTCOME_REAPED]);
	kvf(o, true, "Reaper gave up (\"unable to reap\")", "%" PRIu64,
	    s->incidents[OUTCOME_GAVE_UP]);
	kvf(o, true, "Partly reaped, then gave up", "%" PRIu64, s->incidents[OUTCOME_PARTIAL]);
	kvf(o, true, "Victim exited on its own", "%" PRIu64, s->incidents[OUTCOME_VICTIM_EXITED]);
	kvf(o, true, "Still open at the end", "%" PRIu64, s->incidents[OUTCOME_OPEN]);
	kvf(o, true, "Memory freed by the reaper", "%s", fr);
	kvf(o, true, "Reaper trylock failures", "%" PRIu64, s->trylock_failures);
	if (s->incomplete)
		kvf(o, true, "Incomplete incidents (events lost)", "%" PRIu64, s->incomplete);
	table_close(o);

	n = worst_rows(r, idx);
	if (n) {
		heading(o, 3, "Worst latencies (kill until the incident was over)");
		table_open(o, NULL, ROW_COLUMNS, NROW_COLUMNS);
		for (i = 0; i < n; i++) {
			put(o, o->m->row_open);
			row_cells(o, r, &r->rows[idx[i]]);
			put(o, o->m->row_close);
		}
		table_close(o);
	}
	histogram(o, "Reap latency (kill until the reaper finished)", "reap", &s->reap_latency_ms);
	histogram(o, "Exit latency (kill until the victim exited)", "exit", &s->exit_latency_ms);
}

/* What every reader of a postmortem needs before the incidents make sense. */
static void design(struct out *o)
{
	heading(o, 2, "How the OOM reaper works");
	para(o, "When memory runs out, the OOM killer picks a victim, sends it SIGKILL and marks "
		"it as an OOM victim. A killed task frees its memory only when it exits, and it "
		"may not exit soon: a thread can be stuck in an uninterruptible sleep, or another "
		"process may share its address space. The kernel's `oom_reaper` thread exists for "
		"that case: it unmaps the victim's anonymous and private memory without waiting "
		"for the victim.");
	put(o, o->m->list_open);
	item(o, "Since 5.18 (and in stable backports) the reaper waits 2 s (`OOM_REAPER_DELAY`) "
	        "after the kill, so that a victim exiting anyway does it by itself; most victims "
	        "do, and the reaper then does nothing.");
	item(o, "It needs the victim's `mmap_lock` for reading and only *tries* it "
	        "(`mmap_read_trylock()`), up to 10 times (`MAX_OOM_REAP_RETRIES`), sleeping about "
	        "100 ms (`HZ/10`) after each failure. The trylock fails while another task holds "
	        "the lock for writing, or while a writer waits behind a reader, e.g. a thread "
	        "blocked in a page fault or in `/proc/PID/mem` with `mmap()`/`munmap()` queued "
	        "behind it.");
	item(o, "After 10 failures the kernel logs \"oom_reaper: unable to reap pid:N\" and sets "
	        "`MMF_OOM_SKIP`: the OOM killer stops waiting for this victim and may kill "
	        "another task, while the stuck victim's memory stays in use.");
	put(o, o->m->list_close);
}

/* --------------------------------------------------- walk: one incident */

static void kmsg_line(struct out *o, const struct kmsg_log *k, size_t i)
{
	const struct kmsg_entry *e = &k->v[i];

	fprintf(o->f, "[%5" PRIu64 ".%06" PRIu64 "] ", e->ts_ns / UINT64_C(1000000000),
		e->ts_ns / 1000 % 1000000);
	o->m->text(o->f, kmsg_log__text(k, e), e->text_len);
	fputc('\n', o->f);
}

/* The kernel's own lines about this victim: head and tail of a long block. */
static void kmsg(struct out *o, const struct kmsg_log *k, const struct oomreap_incident *inc,
		 uint64_t base)
{
	struct kmsg_block b;
	size_t i, n;

	if (!k)
		return;
	heading(o, o->m->kmsg_heading_level, "Kernel log");
	if (!kmsg_log__find_block(k, inc->pid, inc->tgid, base, &b)) {
		para(o, "The kernel log has no lines about pid %u around this kill.", inc->pid);
		return;
	}
	o->m->kmsg_open(o->f, k, &b);
	if (b.last >= b.first) {
		n = b.last - b.first + 1;
		for (i = b.first; i <= b.last; i++) {
			if (n > REPORT_KMSG_HEAD + REPORT_KMSG_TAIL && i == b.first + REPORT_KMSG_HEAD) {
				fprintf(o->f, "[... %zu lines omitted ...]\n",
					n - REPORT_KMSG_HEAD - REPORT_KMSG_TAIL);
				i = b.last - REPORT_KMSG_TAIL;
				continue;
			}
			kmsg_line(o, k, i);
		}
	}
	for (i = 0; i < (size_t)b.nextra; i++)
		kmsg_line(o, k, b.extra[i]);
	o->m->kmsg_close(o->f, k, &b);
}

static void bytes4(struct out *o, const uint64_t pages[OOMREAP_RSS_NR], uint64_t ps)
{
	char a[16], b[16], c[16], d[16];

	timefmt__bytes(a, sizeof(a), pages[OOMREAP_RSS_ANON] * ps);
	timefmt__bytes(b, sizeof(b), pages[OOMREAP_RSS_FILE] * ps);
	timefmt__bytes(c, sizeof(c), pages[OOMREAP_RSS_SHMEM] * ps);
	timefmt__bytes(d, sizeof(d), pages[OOMREAP_RSS_SWAP] * ps);
	fprintf(o->f, "anon %s, file %s, shmem %s, swap %s", a, b, c, d);
}

static const struct report_column blocker_columns[] = {
	{ "Failed attempts", false },
	{ "Task", false },
	{ "PID", true },
	{ "TGID", true },
	{ "Comm", false },
	{ "Where (kernel stack)", false },
};
#define NBLOCKER_COLUMNS (sizeof(blocker_columns) / sizeof(blocker_columns[0]))

/* Who held the victim's mmap_lock at the failed trylocks. */
static void blockers(struct out *o, const struct oomreap_incident *inc,
		     const struct render_ctx *rc)
{
	char where[160];
	uint32_t i, j;

	if (!inc->nblockers)
		return;
	heading(o, 3, "Who held the lock");
	para(o, "At each failed trylock the victim's `mmap_lock` was read: its owner and the "
		"tasks queued on it. A writer queued behind a reader makes every new reader "
		"wait, the reaper's trylock included.");
	table_open(o, "blockers", blocker_columns, NBLOCKER_COLUMNS);
	for (i = 0; i < inc->nblockers; i++) {
		const struct blocker_snapshot *bs = &inc->blockers[i];
		uint32_t n = bs->ntasks < 1 + OOMREAP_MAX_WAITERS ? bs->ntasks : 1 + OOMREAP_MAX_WAITERS;

		for (j = 0; j < n; j++) {
			const struct oomreap_blocked_task *bt = &bs->tasks[j];

			put(o, o->m->row_open);
			if (j == 0) /* the attempts once, for the snapshot's first task */
				cellf(o, false, "%u to %u (%u)", bs->first_attempt,
				      bs->last_attempt, bs->count);
			else
				empty_cells(o, 1);
			cellf(o, false, "%s", incident__role_title(bt->role));
			cellf(o, true, "%u", bt->pid);
			cellf(o, true, "%u", bt->tgid);
			cell_code(o, bt->comm, sizeof(bt->comm));
			cell(o, false);
			incident__task_where(where, sizeof(where), bt, rc->ksyms);
			if (where[0])
				code(o, where, sizeof(where));
			cell_end(o);
			put(o, o->m->row_close);
		}
		if (!n) {
			put(o, o->m->row_open);
			cellf(o, false, "%u to %u (%u)", bs->first_attempt, bs->last_attempt,
			      bs->count);
			cellf(o, false, "owner unknown");
			empty_cells(o, 4);
			put(o, o->m->row_close);
		}
	}
	if (inc->blockers_dropped)
		not_kept_row(o, NBLOCKER_COLUMNS, "pictures", inc->blockers_dropped);
	table_close(o);
	para(o, "Kernel stacks of these tasks are in `oomreap-trace replay --json` "
		"(`blockers`).");
}

static const struct report_column timeline_columns[] = {
	{ "After the kill", true },
	{ "Event", false },
	{ "Details", false },
};
#define NTIMELINE_COLUMNS (sizeof(timeline_columns) / sizeof(timeline_columns[0]))

/* Every event kept, as offsets from the kill. */
static void timeline(struct out *o, const struct oomreap_incident *inc,
		     const struct render_ctx *rc, uint64_t base)
{
	char buf[128], det[128], off[32];
	uint32_t i, attempt = 0;

	heading(o, 3, "Timeline");
	table_open(o, "events", timeline_columns, NTIMELINE_COLUMNS);
	for (i = 0; i < inc->timeline_len; i++) {
		const struct timeline_entry *te = &inc->timeline[i];
		const char *label = report__event_label(te, &attempt, buf, sizeof(buf));

		report__offset(off, sizeof(off), base, te->ts_ns);
		report__event_detail(inc, i, rc, det, sizeof(det));
		put(o, o->m->row_open);
		cellf(o, true, "%s", off);
		cell(o, false);
		o->m->text(o->f, label, sizeof(buf));
		cell_end(o);
		cell(o, false);
		o->m->text(o->f, det, sizeof(det));
		cell_end(o);
		put(o, o->m->row_close);
	}
	if (inc->timeline_dropped)
		not_kept_row(o, NTIMELINE_COLUMNS, "events", inc->timeline_dropped);
	if (inc->closed_ns && inc->outcome != OUTCOME_OPEN) {
		report__offset(off, sizeof(off), base, inc->closed_ns);
		put(o, o->m->row_open);
		cellf(o, true, "%s", off);
		cellf(o, false, "over: %s", outcome__name(inc->outcome));
		empty_cells(o, 1);
		put(o, o->m->row_close);
	}
	table_close(o);
}

/* Who the victim was and what the OOM killer and the reaper did, as facts. */
static void incident_facts(struct out *o, const struct oomreap_incident *inc,
			   const struct render_ctx *rc, uint64_t base)
{
	char when[48], d[16], tv[16], pt[16];

	table_open(o, "meta", NULL, 0);
	report__utc(when, sizeof(when), report__real_ns(base, rc->mono_to_real_ns));
	kvf(o, false, inc->kill_ns ? "Killed at" : "First seen",
	    "%s (monotonic %" PRIu64 ".%09" PRIu64 " s)", when, base / UINT64_C(1000000000),
	    base % UINT64_C(1000000000));
	if (o->m->outcome_row) {
		row_key(o, "Outcome", false);
		o->m->outcome(o->f, (uint8_t)inc->outcome);
		fprintf(o->f, "%s%s", inc->incomplete ? " (incomplete)" : "",
			inc->evicted ? " (evicted)" : "");
		row_end(o);
	}
	row_key(o, "Victim", false);
	fprintf(o->f, "pid %u, tgid %u", inc->pid, inc->tgid);
	if (inc->have_identity) {
		put(o, ", comm ");
		code(o, inc->comm, sizeof(inc->comm));
		fprintf(o->f, ", uid %u, oom_score_adj %d", inc->uid, inc->oom_score_adj);
	}
	row_end(o);
	row_key(o, "Memory cgroup", false);
	if (inc->have_identity) {
		code(o, inc->cgroup_path, sizeof(inc->cgroup_path));
		fprintf(o->f, " (cgroup v%d, id %" PRIu64 "%s)", inc->cgroup_hierarchy == 0 ? 2 : 1,
			inc->cgroup_id, inc->cgroup_truncated ? ", path truncated" : "");
	} else {
		put(o, "unknown");
	}
	row_end(o);
	if (inc->trigger_pid) {
		row_key(o, "Triggered by", false);
		fprintf(o->f, "pid %u, comm ", inc->trigger_pid);
		code(o, inc->trigger_comm, sizeof(inc->trigger_comm));
		row_end(o);
	}
	row_key(o, "OOM", false);
	if (inc->have_context) {
		fprintf(o->f, "constraint %s, order %d, %" PRIu64 " pages in the domain",
			constraint__name(inc->constraint), inc->order, inc->totalpages);
		if (inc->domain_cgroup_path[0]) {
			put(o, ", domain ");
			code(o, inc->domain_cgroup_path, sizeof(inc->domain_cgroup_path));
		}
	} else {
		say(o, "constraint unknown (the tracepoint rung cannot see `oom_control`)");
	}
	row_end(o);
	if (inc->have_rss_at_kill) {
		timefmt__bytes(tv, sizeof(tv), inc->total_vm_pages * rc->page_size);
		timefmt__bytes(pt, sizeof(pt), inc->pgtables_bytes);
		row_key(o, "Memory at the kill", false);
		bytes4(o, inc->rss_at_kill_pages, rc->page_size);
		fprintf(o->f, "; total-vm %s, page tables %s", tv, pt);
		row_end(o);
	}
	row_key(o, "Freed by the reaper", false);
	bytes4(o, inc->freed_pages, rc->page_size);
	row_end(o);
	row_key(o, "Reaper attempts", false);
	fprintf(o->f, "%u (%u trylock failures", inc->attempts, inc->trylock_failures);
	if (inc->unknown_skips)
		fprintf(o->f, ", %u unclassified skips", inc->unknown_skips);
	put(o, ")");
	row_end(o);
	dur(d, sizeof(d), incident__done_ns(inc));
	kvf(o, false, "Over after", "%s", d);
	table_close(o);
}

static void incident(struct out *o, const struct report *r, size_t num,
		     const struct oomreap_incident *inc, const struct kmsg_log *k)
{
	const struct render_ctx *rc = &r->rc;
	uint64_t base = sort_ns(inc); /* the kill, else the first thing seen */

	if (o->m->incident_open)
		o->m->incident_open(o->f, num);
	o->m->heading_open(o->f, 2);
	fprintf(o->f, "Incident %zu: ", num);
	if (inc->have_identity)
		code(o, inc->comm, sizeof(inc->comm));
	else
		put(o, "unknown victim");
	fprintf(o->f, " (pid %u): %s", inc->pid, report__outcome_title((uint8_t)inc->outcome));
	o->m->heading_close(o->f, 2);

	incident_facts(o, inc, rc, base);
	if (o->m->timeline && inc->timeline_len)
		o->m->timeline(o->f, inc, rc, num);
	heading(o, 3, "What happened");
	explain(o, inc, rc);
	blockers(o, inc, rc);
	timeline(o, inc, rc, base);
	kmsg(o, k, inc, base);
	if (o->m->incident_close)
		o->m->incident_close(o->f);
}

/* ------------------------------------------------------ walk: the report */

static void write_report(struct out *o, const struct report *r, const struct report_source *src,
			 const struct kmsg_log *kmsg)
{
	size_t i;

	source(o, r, src);
	summary(o, r);
	design(o);
	if (r->nrows || o->m->incidents_heading_always)
		heading(o, 2, "All incidents");
	if (r->nrows) {
		table_open(o, "incidents", incident_columns, NROW_COLUMNS + 1);
		for (i = 0; i < r->nrows; i++) {
			put(o, o->m->row_open);
			cell(o, true);
			o->m->incident_number(o->f, i + 1, i < r->ndetails);
			cell_end(o);
			row_cells(o, r, &r->rows[i]);
			put(o, o->m->row_close);
		}
		table_close(o);
	} else {
		para(o, "No OOM kill in this recording%s%s.",
		     r->unselected ? " among the selected victims" : "",
		     r->filtered ? " within the window" : "");
	}
	if (r->nrows > r->ndetails)
		para(o,
		     "Details follow for the first %zu of %zu incidents; narrow the window with "
		     "`--since` and `--until` for the others.",
		     r->ndetails, r->nrows);
	for (i = 0; i < r->ndetails; i++)
		incident(o, r, i + 1, &r->details[i].inc, kmsg);
	if (o->m->doc_close)
		o->m->doc_close(o->f);
}

int report__write(struct report *r, FILE *f, const struct report_source *src,
		  const struct kmsg_log *kmsg)
{
	struct out o = {
		.f = f,
		.m = r->opts.format == REPORT_HTML ? &report__html : &report__markdown,
	};
	int err = 0;

	finalize(r);
	write_report(&o, r, src, kmsg);
	if (fflush(f))
		err = -errno;
	if (!err && ferror(f))
		err = -EIO;
	return err;
}
