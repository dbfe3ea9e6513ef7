// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Postmortem reports: the collector, the shared prose, and the Markdown
 * renderer (HTML: report_html.c).  Output is deterministic for a given
 * recording (UTC times, no generation date) so golden tests can compare
 * it byte for byte.
 *
 * Untrusted strings (comm, cgroup paths, kernel log lines) only ever reach
 * Markdown inside code spans or fenced code blocks, whose delimiters are
 * chosen longer than any backtick run in the string: nothing in them is
 * parsed as Markdown, HTML, entity or link.  Control characters and bytes
 * that are not UTF-8 are shown as \xNN.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "report.h"
#include "timefmt.h"

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

static uint64_t freed_bytes(const struct oomreap_incident *inc, uint64_t page_size)
{
	return (inc->freed_pages[OOMREAP_RSS_ANON] + inc->freed_pages[OOMREAP_RSS_FILE] +
		inc->freed_pages[OOMREAP_RSS_SHMEM]) *
	       page_size;
}

static uint64_t done_ns(const struct oomreap_incident *inc)
{
	if (!inc->kill_ns || !inc->closed_ns || inc->closed_ns < inc->kill_ns)
		return LATENCY_NONE;
	return inc->closed_ns - inc->kill_ns;
}

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
	row->done_ns = done_ns(inc);
	row->freed_bytes = freed_bytes(inc, r->rc.page_size);
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
 * Our own prose, with `code` marks: Markdown keeps them, HTML turns them
 * into <code>.  It never carries an untrusted string, only numbers.
 */
static void prose(FILE *f, bool html, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void prose(FILE *f, bool html, const char *fmt, ...)
{
	char buf[2048];
	bool in_code = false;
	va_list ap;
	const char *p;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!html) {
		fputs(buf, f);
		return;
	}
	for (p = buf; *p; p++) {
		switch (*p) {
		case '`':
			fputs(in_code ? "</code>" : "<code>", f);
			in_code = !in_code;
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*p, f);
		}
	}
}

static void para_open(FILE *f, bool html)
{
	fputs(html ? "<p>" : "", f);
}

static void para_close(FILE *f, bool html)
{
	fputs(html ? "</p>\n" : "\n\n", f);
}

static void dur(char *buf, size_t len, uint64_t ns)
{
	timefmt__duration(buf, len, ns);
}

static void explain_delay(FILE *f, const struct oomreap_incident *inc, bool html)
{
	uint64_t k2w = incident__kill_to_wake_ns(inc);
	char d[16];

	if (k2w == LATENCY_NONE)
		return;
	dur(d, sizeof(d), k2w);
	if (k2w >= 1900000000ull)
		prose(f, html,
		      " The reaper was woken %s after the kill: the 2 s `OOM_REAPER_DELAY` that "
		      "kernels since 5.18 (and stable backports) leave the victim to exit on its "
		      "own first.",
		      d);
	else if (k2w < 1000000000ull)
		prose(f, html,
		      " The reaper was woken %s after the kill, without the 2 s delay of "
		      "kernels since 5.18: this kernel wakes it at once.",
		      d);
	else
		prose(f, html, " The reaper was woken %s after the kill.", d);
}

static void explain_exit(FILE *f, const struct oomreap_incident *inc, bool html)
{
	char d[16];

	if (inc->exit_ns) {
		dur(d, sizeof(d), incident__exit_latency_ns(inc));
		prose(f, html, " The victim's last thread exited %s after the kill.", d);
	} else {
		prose(f, html, " The victim was not seen exiting while the recording ran.");
	}
}

void report__explain(FILE *f, const struct oomreap_incident *inc, const struct render_ctx *rc,
		     bool html)
{
	char freed[16], t1[16], t2[16];

	timefmt__bytes(freed, sizeof(freed), freed_bytes(inc, rc->page_size));
	para_open(f, html);
	switch (inc->outcome) {
	case OUTCOME_REAPED:
		prose(f, html,
		      "The victim did not release its memory by itself in time: something kept "
		      "its address space alive (typically a thread stuck in an uninterruptible "
		      "sleep, such as a FUSE or NFS request, or another process sharing the mm).");
		explain_delay(f, inc, html);
		dur(t1, sizeof(t1), incident__reap_duration_ns(inc));
		dur(t2, sizeof(t2), incident__reap_latency_ns(inc));
		prose(f, html,
		      " The kernel's `oom_reaper` thread took the victim's `mmap_lock` with "
		      "`mmap_read_trylock()` on attempt %u of at most 10 and unmapped its "
		      "anonymous and private memory without waiting for it to exit: %s freed in "
		      "%s, %s after the kill.",
		      inc->attempts ? inc->attempts : 1, freed, t1, t2);
		if (inc->trylock_failures)
			prose(f, html,
			      " Before that, %u attempt%s failed because another task held the "
			      "lock.",
			      inc->trylock_failures, inc->trylock_failures == 1 ? "" : "s");
		explain_exit(f, inc, html);
		break;
	case OUTCOME_GAVE_UP:
		prose(f, html,
		      "The victim could not exit and free its memory by itself.");
		explain_delay(f, inc, html);
		prose(f, html,
		      " The reaper then tried the victim's `mmap_lock` %u times "
		      "(`MAX_OOM_REAP_RETRIES` is 10), sleeping about 100 ms (`HZ/10`) after "
		      "each failure; %u of the attempts failed in `mmap_read_trylock()`.",
		      inc->attempts, inc->trylock_failures);
		prose(f, html,
		      " A trylock fails while another task holds the lock for writing, or while a "
		      "writer is queued behind a reader: typically a thread that holds the lock "
		      "for reading while it sleeps in a page fault (on FUSE or NFS) or in a "
		      "`/proc/PID/mem` access, with an `mmap()`, `munmap()` or `mprotect()` "
		      "waiting behind it.");
		prose(f, html,
		      " After the last attempt the kernel logged \"oom_reaper: unable to reap "
		      "pid:%u\" and set `MMF_OOM_SKIP` on the mm anyway. That means the OOM "
		      "killer stops waiting for this victim and may kill another task if memory "
		      "is still short, while this victim's memory stays allocated until whatever "
		      "holds the lock lets go: one stuck victim can cost a second kill.",
		      inc->pid);
		if (inc->unknown_skips)
			prose(f, html,
			      " %u attempt%s could not be classified on this attach rung.",
			      inc->unknown_skips, inc->unknown_skips == 1 ? "" : "s");
		explain_exit(f, inc, html);
		break;
	case OUTCOME_VICTIM_EXITED:
		if (!inc->attempts) {
			dur(t1, sizeof(t1), incident__exit_latency_ns(inc));
			prose(f, html,
			      "The victim released its memory itself: it exited %s after the kill, "
			      "before the reaper's 2 s delay was up. This is the common case since "
			      "5.18; the reaper had nothing to do.",
			      t1);
			if (inc->wake_ignored)
				prose(f, html,
				      " When the reaper's timer fired it found `MMF_OOM_SKIP` already "
				      "set and returned without a word.");
		} else {
			prose(f, html, "The reaper came for this victim but it tore down its own "
				       "address space first.");
			explain_delay(f, inc, html);
			prose(f, html,
			      " Of %u attempt%s, %u failed in `mmap_read_trylock()` (another task "
			      "held the lock); then the victim's own exit set `MMF_OOM_SKIP` and "
			      "the reaper stopped: the victim's exit, not the reaper, freed the "
			      "memory.",
			      inc->attempts, inc->attempts == 1 ? "" : "s", inc->trylock_failures);
			explain_exit(f, inc, html);
		}
		break;
	case OUTCOME_PARTIAL:
		prose(f, html,
		      "The reaper got the lock and unmapped part of the address space, but "
		      "`__oom_reap_task_mm()` reported that some of it could not be reaped yet "
		      "(for example a range whose MMU notifier could not be invalidated without "
		      "blocking), so it tried again, %u times in all, %u partial pass%s, and then "
		      "gave up as in \"unable to reap\": `MMF_OOM_SKIP` is set and the OOM killer "
		      "may pick another victim. It freed %s.",
		      inc->attempts, inc->partial_reaps, inc->partial_reaps == 1 ? "" : "es",
		      freed);
		explain_delay(f, inc, html);
		explain_exit(f, inc, html);
		break;
	default:
		prose(f, html,
		      "The recording ended while this incident was still in progress: this is "
		      "what had happened up to then.");
		if (inc->evicted)
			prose(f, html,
			      " It was closed early because too many incidents were open at once "
			      "(`--max-open`).");
		break;
	}
	para_close(f, html);
	if (!inc->have_identity || inc->incomplete) {
		para_open(f, html);
		if (!inc->have_identity)
			prose(f, html,
			      "The kill itself was not seen (tracing started after it, or its event "
			      "was lost): the victim's name and cgroup are unknown.%s",
			      inc->incomplete ? " " : "");
		if (inc->incomplete)
			prose(f, html,
			      "Events were lost while this incident was open (the ring buffer was "
			      "full, or the recorder could not write): steps may be missing.");
		para_close(f, html);
	}
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

const char *report__role_title(uint32_t role)
{
	switch (role) {
	case OOMREAP_ROLE_OWNER_WRITER:
		return "holding it for write";
	case OOMREAP_ROLE_OWNER_READER:
		return "holding it for read (the last reader: a strong hint, not proof)";
	case OOMREAP_ROLE_WAITER_WRITE:
		return "queued for write";
	case OOMREAP_ROLE_WAITER_READ:
		return "queued for read";
	default:
		return "unknown role";
	}
}


/* ------------------------------------------------------------- markdown */

/* Untrusted bytes as code-span-safe text: \xNN for controls and non-UTF-8. */
static size_t md_safe(char *out, size_t cap, const char *str, size_t maxlen, bool in_table)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strnlen(str, maxlen), i = 0, o = 0;

	while (i < n && o + 8 < cap) {
		size_t l = s[i] < 0x20 || s[i] == 0x7f ? 0 : render__utf8_len(s + i, n - i);

		if (!l) {
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", s[i]);
			i++;
		} else if (in_table && s[i] == '|') {
			/* GFM splits cells on | even inside code spans, unless escaped */
			out[o++] = '\\';
			out[o++] = '|';
			i++;
		} else {
			memcpy(out + o, s + i, l);
			o += l;
			i += l;
		}
	}
	out[o] = 0;
	return o;
}

static size_t longest_backticks(const char *s)
{
	size_t best = 0, run = 0;

	for (; *s; s++) {
		run = *s == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

/* A code span around an untrusted string; "(none)" for an empty one. */
static void md_code(FILE *f, const char *str, size_t maxlen, bool in_table)
{
	char buf[4200];
	size_t n = md_safe(buf, sizeof(buf), str, maxlen, in_table), ticks, i;
	bool pad;

	if (!n) {
		fputs("(none)", f);
		return;
	}
	ticks = longest_backticks(buf) + 1;
	pad = buf[0] == '`' || buf[n - 1] == '`' || buf[0] == ' ';
	for (i = 0; i < ticks; i++)
		fputc('`', f);
	fputs(pad ? " " : "", f);
	fputs(buf, f);
	fputs(pad ? " " : "", f);
	for (i = 0; i < ticks; i++)
		fputc('`', f);
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

static void md_source(FILE *f, const struct report *r, const struct report_source *src)
{
	const struct oomrec_header *h = &r->hdr;
	char a[48], b[48], d[16];

	fputs("# OOM postmortem: ", f);
	md_code(f, h->hostname, sizeof(h->hostname), false);
	fputs("\n\n| | |\n|---|---|\n| Recording | ", f);
	md_code(f, src->name, 4096, true);
	fputs(" |\n| Host | ", f);
	md_code(f, h->hostname, sizeof(h->hostname), true);
	fputs(" (", f);
	md_code(f, h->machine, sizeof(h->machine), true);
	fputs("), kernel ", f);
	md_code(f, h->kernel_release, sizeof(h->kernel_release), true);
	fputs(" |\n| Boot id | ", f);
	md_code(f, h->boot_id, sizeof(h->boot_id), true);
	fputs(" |\n", f);
	if (src->first_ts_ns) {
		report__utc(a, sizeof(a), report__real_ns(src->first_ts_ns, h->mono_to_real_ns));
		report__utc(b, sizeof(b), report__real_ns(src->last_ts_ns, h->mono_to_real_ns));
		dur(d, sizeof(d), src->last_ts_ns - src->first_ts_ns);
		fprintf(f, "| Events | %" PRIu64 ", from %s to %s (%s) |\n", src->events, a, b, d);
	} else {
		fprintf(f, "| Events | none |\n");
	}
	report__utc(a, sizeof(a), report__real_ns(h->start_mono_ns, h->mono_to_real_ns));
	fprintf(f, "| Recording started | %s |\n", a);
	fprintf(f, "| Attach rung | %s |\n| Recorded by | oomreap-trace ", rung_title(h->rung));
	md_code(f, h->tool_version, sizeof(h->tool_version), true);
	fputs(" |\n| Kernel log | ", f);
	if (src->kmsg_name) {
		md_code(f, src->kmsg_name, 4096, true);
		fprintf(f, ", %" PRIu64 " lines", src->kmsg_lines);
	} else {
		fputs("none (record with /dev/kmsg capture, or pass `--kmsg FILE`)", f);
	}
	fputs(" |\n", f);
	if (r->opts.have_since || r->opts.have_until) {
		fputs("| Window | kills ", f);
		if (r->opts.have_since) {
			report__utc(a, sizeof(a), r->opts.since_real_ns);
			fprintf(f, "from %s ", a);
		}
		if (r->opts.have_until) {
			report__utc(a, sizeof(a), r->opts.until_real_ns);
			fprintf(f, "until %s ", a);
		}
		fprintf(f, "(%" PRIu64 " incidents outside) |\n", r->filtered);
	}
	fputc('\n', f);
	if (src->problem) {
		fputs("> **Warning: the recording is not whole.** ", f);
		md_code(f, src->problem, 1024, false);
		fputs("\n> Everything up to that point is in this report.\n\n", f);
	}
	if (src->ringbuf_lost || src->unrecorded)
		fprintf(f,
			"> **Warning: events were lost** (%" PRIu64 " in the ring buffer, %" PRIu64
			" not written to the recording): incidents open at the time are marked "
			"incomplete.\n\n",
			src->ringbuf_lost, src->unrecorded);
}

static void md_hist(FILE *f, const char *title, const struct log2_hist *h)
{
	if (!h->count)
		return;
	fprintf(f, "%s\n\n```text\n", title);
	hist__print(f, h, "msecs");
	fputs("```\n\n", f);
}

static size_t *worst_rows(const struct report *r, size_t *n)
{
	size_t *idx = malloc((r->nrows ? r->nrows : 1) * sizeof(*idx)), i, k = 0, j;

	*n = 0;
	if (!idx)
		return NULL;
	/* Partial selection: REPORT_WORST is small, rows may be 100k. */
	for (i = 0; i < r->nrows; i++) {
		uint64_t v = r->rows[i].done_ns;

		if (v == LATENCY_NONE)
			continue;
		if (k < REPORT_WORST) {
			idx[k++] = i;
		} else if (v > r->rows[idx[k - 1]].done_ns) {
			idx[k - 1] = i;
		} else {
			continue;
		}
		for (j = k - 1; j > 0 && r->rows[idx[j]].done_ns > r->rows[idx[j - 1]].done_ns;
		     j--) {
			size_t t = idx[j];

			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	}
	*n = k;
	return idx;
}

static void md_row_cells(FILE *f, const struct report *r, const struct report_row *row)
{
	char when[48], d[16], fr[16];

	report__utc(when, sizeof(when), report__real_ns(row->sort_ns, r->rc.mono_to_real_ns));
	dur(d, sizeof(d), row->done_ns);
	timefmt__bytes(fr, sizeof(fr), row->freed_bytes);
	fprintf(f, "%s | %u | ", when, row->pid);
	if (row->have_identity)
		md_code(f, row->comm, sizeof(row->comm), true);
	else
		fputs("?", f);
	fputs(" | ", f);
	if (row->cgroup != UINT32_MAX)
		md_code(f, r->strings[row->cgroup], OOMREAP_CGROUP_PATH_LEN, true);
	else
		fputs("?", f);
	fprintf(f, " | %s%s | %s | %u | %s |", outcome__name((enum oomreap_outcome)row->outcome),
		row->incomplete ? " (incomplete)" : "", d, row->trylock_failures, fr);
}

static void md_summary(FILE *f, const struct report *r)
{
	const struct summary *s = &r->sum;
	char fr[16];
	size_t *idx, n, i;

	timefmt__bytes(fr, sizeof(fr),
		       (s->freed_pages[OOMREAP_RSS_ANON] + s->freed_pages[OOMREAP_RSS_FILE] +
			s->freed_pages[OOMREAP_RSS_SHMEM]) *
			       r->rc.page_size);
	fputs("## Summary\n\n| | |\n|---|---|\n", f);
	fprintf(f, "| OOM kills (incidents) | %zu |\n", r->nrows);
	fprintf(f, "| Reaped by the oom_reaper | %" PRIu64 " |\n", s->incidents[OUTCOME_REAPED]);
	fprintf(f, "| Reaper gave up (\"unable to reap\") | %" PRIu64 " |\n",
		s->incidents[OUTCOME_GAVE_UP]);
	fprintf(f, "| Partly reaped, then gave up | %" PRIu64 " |\n", s->incidents[OUTCOME_PARTIAL]);
	fprintf(f, "| Victim exited on its own | %" PRIu64 " |\n",
		s->incidents[OUTCOME_VICTIM_EXITED]);
	fprintf(f, "| Still open at the end | %" PRIu64 " |\n", s->incidents[OUTCOME_OPEN]);
	fprintf(f, "| Memory freed by the reaper | %s |\n", fr);
	fprintf(f, "| Reaper trylock failures | %" PRIu64 " |\n", s->trylock_failures);
	if (s->incomplete)
		fprintf(f, "| Incomplete incidents (events lost) | %" PRIu64 " |\n", s->incomplete);
	fputc('\n', f);

	idx = worst_rows(r, &n);
	if (n) {
		fputs("### Worst latencies (kill until the incident was over)\n\n"
		      "| Killed | PID | Comm | Cgroup | Outcome | Done in | Trylock fails | Freed |\n"
		      "|---|---:|---|---|---|---:|---:|---:|\n",
		      f);
		for (i = 0; i < n; i++) {
			fputs("| ", f);
			md_row_cells(f, r, &r->rows[idx[i]]);
			fputc('\n', f);
		}
		fputc('\n', f);
	}
	free(idx);
	md_hist(f, "### Reap latency (kill until the reaper finished)", &s->reap_latency_ms);
	md_hist(f, "### Exit latency (kill until the victim exited)", &s->exit_latency_ms);
}

static void md_design(FILE *f)
{
	fputs("## How the OOM reaper works\n\n"
	      "When memory runs out, the OOM killer picks a victim, sends it SIGKILL and marks "
	      "it as an OOM victim. A killed task frees its memory only when it exits, and it "
	      "may not exit soon: a thread can be stuck in an uninterruptible sleep, or another "
	      "process may share its address space. The kernel's `oom_reaper` thread exists for "
	      "that case: it unmaps the victim's anonymous and private memory without waiting "
	      "for the victim.\n\n"
	      "- Since 5.18 (and in stable backports) the reaper waits 2 s (`OOM_REAPER_DELAY`) "
	      "after the kill, so that a victim exiting anyway does it by itself; most victims "
	      "do, and the reaper then does nothing.\n"
	      "- It needs the victim's `mmap_lock` for reading and only *tries* it "
	      "(`mmap_read_trylock()`), up to 10 times (`MAX_OOM_REAP_RETRIES`), sleeping about "
	      "100 ms (`HZ/10`) after each failure. The trylock fails while another task holds "
	      "the lock for writing, or while a writer waits behind a reader, e.g. a thread "
	      "blocked in a page fault or in `/proc/PID/mem` with `mmap()`/`munmap()` queued "
	      "behind it.\n"
	      "- After 10 failures the kernel logs \"oom_reaper: unable to reap pid:N\" and sets "
	      "`MMF_OOM_SKIP`: the OOM killer stops waiting for this victim and may kill "
	      "another task, while the stuck victim's memory stays in use.\n\n",
	      f);
}

static void md_kmsg_line(FILE *f, const struct kmsg_log *k, size_t i)
{
	const struct kmsg_entry *e = &k->v[i];
	char buf[KMSG_LINE_MAX * 4 + 16];

	md_safe(buf, sizeof(buf), kmsg_log__text(k, e), e->text_len, false);
	fprintf(f, "[%5" PRIu64 ".%06" PRIu64 "] %s\n", e->ts_ns / UINT64_C(1000000000),
		e->ts_ns / 1000 % 1000000, buf);
}

/* Fence longer than any backtick run in the block's lines. */
static size_t kmsg_fence(const struct kmsg_log *k, const struct kmsg_block *b)
{
	size_t ticks = 3, i, t;

	for (i = b->first; i <= b->last && b->last >= b->first; i++) {
		t = longest_backticks(kmsg_log__text(k, &k->v[i])) + 1;
		if (t > ticks)
			ticks = t;
	}
	for (i = 0; i < (size_t)b->nextra; i++) {
		t = longest_backticks(kmsg_log__text(k, &k->v[b->extra[i]])) + 1;
		if (t > ticks)
			ticks = t;
	}
	return ticks;
}

static void md_kmsg(FILE *f, const struct kmsg_log *k, const struct oomreap_incident *inc)
{
	struct kmsg_block b;
	size_t i, n, ticks;

	if (!k)
		return;
	fputs("#### Kernel log\n\n", f);
	if (!kmsg_log__find_block(k, inc->pid, inc->tgid, inc->kill_ns ? inc->kill_ns : sort_ns(inc),
				  &b)) {
		fprintf(f, "The kernel log has no lines about pid %u around this kill.\n\n", inc->pid);
		return;
	}
	ticks = kmsg_fence(k, &b);
	for (i = 0; i < ticks; i++)
		fputc('`', f);
	fputs("text\n", f);
	if (b.last >= b.first) {
		n = b.last - b.first + 1;
		for (i = b.first; i <= b.last; i++) {
			if (n > REPORT_KMSG_HEAD + REPORT_KMSG_TAIL && i == b.first + REPORT_KMSG_HEAD) {
				fprintf(f, "[... %zu lines omitted ...]\n",
					n - REPORT_KMSG_HEAD - REPORT_KMSG_TAIL);
				i = b.last - REPORT_KMSG_TAIL;
				continue;
			}
			md_kmsg_line(f, k, i);
		}
	}
	for (i = 0; i < (size_t)b.nextra; i++)
		md_kmsg_line(f, k, b.extra[i]);
	for (i = 0; i < ticks; i++)
		fputc('`', f);
	fputs("\n\n", f);
}

static void md_bytes4(FILE *f, const uint64_t pages[OOMREAP_RSS_NR], uint64_t ps)
{
	char a[16], b[16], c[16], d[16];

	timefmt__bytes(a, sizeof(a), pages[OOMREAP_RSS_ANON] * ps);
	timefmt__bytes(b, sizeof(b), pages[OOMREAP_RSS_FILE] * ps);
	timefmt__bytes(c, sizeof(c), pages[OOMREAP_RSS_SHMEM] * ps);
	timefmt__bytes(d, sizeof(d), pages[OOMREAP_RSS_SWAP] * ps);
	fprintf(f, "anon %s, file %s, shmem %s, swap %s", a, b, c, d);
}

static void md_blockers(FILE *f, const struct oomreap_incident *inc,
			const struct render_ctx *rc)
{
	char where[160];
	uint32_t i, j;

	if (!inc->nblockers)
		return;
	fputs("### Who held the lock\n\n"
	      "At each failed trylock the victim's `mmap_lock` was read: its owner and the "
	      "tasks queued on it. A writer queued behind a reader makes every new reader "
	      "wait, the reaper's trylock included.\n\n"
	      "| Failed attempts | Task | PID | TGID | Comm | Where (kernel stack) |\n"
	      "|---|---|---:|---:|---|---|\n",
	      f);
	for (i = 0; i < inc->nblockers; i++) {
		const struct blocker_snapshot *bs = &inc->blockers[i];
		uint32_t n = bs->ntasks < 1 + OOMREAP_MAX_WAITERS ? bs->ntasks : 1 + OOMREAP_MAX_WAITERS;

		for (j = 0; j < n; j++) {
			const struct oomreap_blocked_task *bt = &bs->tasks[j];

			if (j == 0)
				fprintf(f, "| %u to %u (%u) | ", bs->first_attempt, bs->last_attempt,
					bs->count);
			else
				fputs("| | ", f);
			fprintf(f, "%s | %u | %u | ", report__role_title(bt->role), bt->pid, bt->tgid);
			md_code(f, bt->comm, sizeof(bt->comm), true);
			fputs(" | ", f);
			render__task_where(where, sizeof(where), bt, rc->ksyms);
			if (where[0])
				md_code(f, where, sizeof(where), true);
			fputs(" |\n", f);
		}
		if (!n)
			fprintf(f, "| %u to %u (%u) | owner unknown | | | | |\n", bs->first_attempt,
				bs->last_attempt, bs->count);
	}
	if (inc->blockers_dropped)
		fprintf(f, "| | %u more pictures not kept | | | | |\n", inc->blockers_dropped);
	fputs("\nKernel stacks of these tasks are in `oomreap-trace replay --json` "
	      "(`blockers`).\n\n",
	      f);
}

static void md_incident(FILE *f, const struct report *r, size_t num,
			const struct oomreap_incident *inc, const struct kmsg_log *k)
{
	const struct render_ctx *rc = &r->rc;
	char when[48], buf[128], det[128], off[32], tv[16], pt[16];
	uint32_t i, attempt = 0;
	uint64_t base = inc->kill_ns ? inc->kill_ns : sort_ns(inc);

	fprintf(f, "## Incident %zu: ", num);
	if (inc->have_identity)
		md_code(f, inc->comm, sizeof(inc->comm), false);
	else
		fputs("unknown victim", f);
	fprintf(f, " (pid %u): %s\n\n", inc->pid, report__outcome_title((uint8_t)inc->outcome));

	fputs("| | |\n|---|---|\n", f);
	report__utc(when, sizeof(when), report__real_ns(base, rc->mono_to_real_ns));
	fprintf(f, "| %s | %s (monotonic %" PRIu64 ".%09" PRIu64 " s) |\n",
		inc->kill_ns ? "Killed at" : "First seen", when, base / UINT64_C(1000000000),
		base % UINT64_C(1000000000));
	fprintf(f, "| Victim | pid %u, tgid %u", inc->pid, inc->tgid);
	if (inc->have_identity) {
		fputs(", comm ", f);
		md_code(f, inc->comm, sizeof(inc->comm), true);
		fprintf(f, ", uid %u, oom_score_adj %d", inc->uid, inc->oom_score_adj);
	}
	fputs(" |\n| Memory cgroup | ", f);
	if (inc->have_identity) {
		md_code(f, inc->cgroup_path, sizeof(inc->cgroup_path), true);
		fprintf(f, " (cgroup v%d, id %" PRIu64 "%s)", inc->cgroup_hierarchy == 0 ? 2 : 1,
			inc->cgroup_id, inc->cgroup_truncated ? ", path truncated" : "");
	} else {
		fputs("unknown", f);
	}
	fputs(" |\n", f);
	if (inc->trigger_pid) {
		fprintf(f, "| Triggered by | pid %u, comm ", inc->trigger_pid);
		md_code(f, inc->trigger_comm, sizeof(inc->trigger_comm), true);
		fputs(" |\n", f);
	}
	if (inc->have_context) {
		fprintf(f, "| OOM | constraint %s, order %d, %" PRIu64 " pages in the domain",
			constraint__name(inc->constraint), inc->order, inc->totalpages);
		if (inc->domain_cgroup_path[0]) {
			fputs(", domain ", f);
			md_code(f, inc->domain_cgroup_path, sizeof(inc->domain_cgroup_path), true);
		}
		fputs(" |\n", f);
	} else {
		fputs("| OOM | constraint unknown (the tracepoint rung cannot see `oom_control`) |\n",
		      f);
	}
	if (inc->have_rss_at_kill) {
		timefmt__bytes(tv, sizeof(tv), inc->total_vm_pages * rc->page_size);
		timefmt__bytes(pt, sizeof(pt), inc->pgtables_bytes);
		fputs("| Memory at the kill | ", f);
		md_bytes4(f, inc->rss_at_kill_pages, rc->page_size);
		fprintf(f, "; total-vm %s, page tables %s |\n", tv, pt);
	}
	fputs("| Freed by the reaper | ", f);
	md_bytes4(f, inc->freed_pages, rc->page_size);
	fprintf(f, " |\n| Reaper attempts | %u (%u trylock failures", inc->attempts,
		inc->trylock_failures);
	if (inc->unknown_skips)
		fprintf(f, ", %u unclassified skips", inc->unknown_skips);
	fputs(") |\n", f);
	dur(det, sizeof(det), done_ns(inc));
	fprintf(f, "| Over after | %s |\n\n", det);

	fputs("### What happened\n\n", f);
	report__explain(f, inc, rc, false);
	md_blockers(f, inc, rc);

	fputs("### Timeline\n\n| After the kill | Event | Details |\n|---:|---|---|\n", f);
	for (i = 0; i < inc->timeline_len; i++) {
		const struct timeline_entry *te = &inc->timeline[i];
		const char *label = report__event_label(te, &attempt, buf, sizeof(buf));

		report__offset(off, sizeof(off), base, te->ts_ns);
		report__event_detail(inc, i, rc, det, sizeof(det));
		fprintf(f, "| %s | %s | %s |\n", off, label, det);
	}
	if (inc->timeline_dropped)
		fprintf(f, "| | %u more events not kept | |\n", inc->timeline_dropped);
	if (inc->closed_ns && inc->outcome != OUTCOME_OPEN) {
		report__offset(off, sizeof(off), base, inc->closed_ns);
		fprintf(f, "| %s | over: %s | |\n", off, outcome__name(inc->outcome));
	}
	fputc('\n', f);
	md_kmsg(f, k, inc);
}

static int write_md(struct report *r, FILE *f, const struct report_source *src,
		    const struct kmsg_log *kmsg)
{
	size_t i;

	md_source(f, r, src);
	md_summary(f, r);
	md_design(f);
	if (r->nrows) {
		fputs("## All incidents\n\n"
		      "| # | Killed | PID | Comm | Cgroup | Outcome | Done in | Trylock fails | "
		      "Freed |\n|---:|---|---:|---|---|---|---:|---:|---:|\n",
		      f);
		for (i = 0; i < r->nrows; i++) {
			fprintf(f, "| %zu | ", i + 1);
			md_row_cells(f, r, &r->rows[i]);
			fputc('\n', f);
		}
		fputc('\n', f);
	} else {
		fputs("No OOM kill in this recording", f);
		fputs(r->filtered ? " within the window.\n\n" : ".\n\n", f);
	}
	if (r->nrows > r->ndetails)
		fprintf(f,
			"Details follow for the first %zu of %zu incidents; narrow the window with "
			"`--since` and `--until` for the others.\n\n",
			r->ndetails, r->nrows);
	for (i = 0; i < r->ndetails; i++)
		md_incident(f, r, i + 1, &r->details[i].inc, kmsg);
	return 0;
}

int report__write(struct report *r, FILE *f, const struct report_source *src,
		  const struct kmsg_log *kmsg)
{
	int err;

	finalize(r);
	if (r->opts.format == REPORT_HTML)
		err = report__write_html(r, f, src, kmsg);
	else
		err = write_md(r, f, src, kmsg);
	if (!err && fflush(f))
		err = -errno;
	if (!err && ferror(f))
		err = -EIO;
	return err;
}
