// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel log parsing (kmsg.h).  The formats are the kernel's:
 * devkmsg_read() in kernel/printk/printk.c writes "%u,%llu,%llu,%c%s;"
 * (priority, sequence, microseconds, flag, optional ",caller=..." on
 * CONFIG_PRINTK_CALLER) then the message with non-printables as \xNN, then
 * dictionary lines starting with a space; dmesg prints "[%5lu.%06lu] ".
 * The OOM lines come from mm/oom_kill.c (dump_header, __oom_kill_process,
 * oom_reap_task_mm, oom_reap_task).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/oom_context.h"
#include "core/tracker.h"
#include "core/errors.h"
#include "rec/kmsg.h"
#include "rec/oom_report_parse.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A line's stamp in us, bounded like every stamp of a recording (2^62 ns,
 * docs/RECORD-FORMAT.md): matching adds windows to it, which must not wrap.
 */
#define KMSG_TS_US_MAX ((UINT64_C(1) << 62) / 1000)

/* Decimal at *p (advancing it); false on no digits or overflow. */
static bool parse_u64(const char **p, const char *end, uint64_t *out)
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

int kmsg__parse_record(const char *buf, size_t len, struct kmsg_line *out)
{
	const char *p = buf, *end = buf + len, *semi, *nl;
	uint64_t pri, seq, ts;

	if (!buf)
		return -EINVAL;
	semi = memchr(buf, ';', len);
	if (!semi)
		return -EINVAL;
	if (!parse_u64(&p, semi, &pri) || p >= semi || *p++ != ',')
		return -EINVAL;
	if (!parse_u64(&p, semi, &seq) || p >= semi || *p++ != ',')
		return -EINVAL;
	if (!parse_u64(&p, semi, &ts) || p >= semi || *p++ != ',')
		return -EINVAL;
	if (p >= semi || (*p != '-' && *p != 'c' && *p != '+'))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->cont = *p == 'c';
	p++;
	/* Later kernels may append ",key=value" fields before ';'. */
	if (p != semi && *p != ',')
		return -EINVAL;
	if (ts > KMSG_TS_US_MAX)
		return -EINVAL;
	out->level = (int)(pri & 7);
	out->seq = seq;
	out->ts_us = ts;
	out->text = semi + 1;
	nl = memchr(semi + 1, '\n', (size_t)(end - (semi + 1)));
	out->text_len = (size_t)((nl ? nl : end) - (semi + 1));
	return 0;
}

/* "[  123.456789]" at *p; advances past ']'. */
static bool parse_bracket_ts(const char **p, const char *end, uint64_t *ts_us)
{
	const char *s = *p, *frac;
	uint64_t sec, us = 0;
	int digits = 0;

	if (s >= end || *s != '[')
		return false;
	s++;
	while (s < end && *s == ' ')
		s++;
	if (!parse_u64(&s, end, &sec) || s >= end || *s != '.')
		return false;
	frac = ++s;
	while (s < end && is_digit(*s)) {
		if (digits < 6) {
			us = us * 10 + (uint64_t)(*s - '0');
			digits++;
		}
		s++;
	}
	if (s == frac || s >= end || *s != ']')
		return false;
	while (digits++ < 6)
		us *= 10;
	if (sec > UINT64_MAX / 1000000000ull)
		return false;
	*ts_us = sec * 1000000 + us;
	*p = s + 1;
	return true;
}

int kmsg__parse_line(const char *buf, size_t len, struct kmsg_line *out)
{
	const char *p = buf, *end, *nl;
	uint64_t ts, pri = 6;
	bool have_pri = false;

	if (!buf)
		return -EINVAL;
	nl = memchr(buf, '\n', len);
	end = nl ? nl : buf + len;
	if (end > buf && end[-1] == '\r')
		end--;
	if (p < end && is_digit(*p))
		return kmsg__parse_record(buf, (size_t)(end - buf), out);
	if (p < end && *p == '<') {
		p++;
		if (!parse_u64(&p, end, &pri) || p >= end || *p != '>')
			return -EINVAL;
		p++;
		have_pri = true;
	}
	if (!parse_bracket_ts(&p, end, &ts) || ts > KMSG_TS_US_MAX)
		return -EINVAL;
	if (p < end && *p == ' ')
		p++;
	/* journalctl -o short-monotonic: "HOST kernel: " before the message */
	{
		const char *q = p;

		while (q < end && *q != ' ' && *q != ':')
			q++;
		if (q > p && (size_t)(end - q) >= 9 && !memcmp(q, " kernel: ", 9))
			p = q + 9;
	}
	memset(out, 0, sizeof(*out));
	out->level = have_pri ? (int)(pri & 7) : -1;
	out->ts_us = ts;
	out->text = p;
	out->text_len = (size_t)(end - p);
	return 0;
}

static const char *find(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle));
}

/* Digits right after needle's end, as a pid. */
static bool pid_after(const char *s, size_t n, const char *at, size_t skip, uint32_t *pid)
{
	const char *p = at + skip, *end = s + n;
	uint64_t v;

	if (!parse_u64(&p, end, &v) || v == 0 || v > 0x3fffffff) /* PID_MAX_LIMIT */
		return false;
	*pid = (uint32_t)v;
	return true;
}

enum kmsg_kind kmsg__classify(const char *text, size_t len, uint32_t *pid)
{
	const char *at;

	*pid = 0;
	if ((at = find(text, len, "oom_reaper: reaped process ")))
		return pid_after(text, len, at, 27, pid) ? KMSG_REAPED : KMSG_OTHER;
	if ((at = find(text, len, "oom_reaper: unable to reap pid:")))
		return pid_after(text, len, at, 31, pid) ? KMSG_UNABLE : KMSG_OTHER;
	if ((at = find(text, len, "Killed process ")))
		return pid_after(text, len, at, 15, pid) ? KMSG_KILLED : KMSG_OTHER;
	if (len >= 9 && !memcmp(text, "oom-kill:", 9)) {
		/* ",task=COMM,pid=N,": COMM may hold ",pid=" itself: take the last */
		const char *p = text, *last = NULL;

		while ((at = find(p, len - (size_t)(p - text), ",pid="))) {
			last = at;
			p = at + 5;
		}
		if (last)
			pid_after(text, len, last, 5, pid);
		return KMSG_OOM_SUMMARY;
	}
	if (find(text, len, " invoked oom-killer: "))
		return KMSG_OOM_INVOKED;
	return KMSG_OTHER;
}

void kmsg_log__init(struct kmsg_log *l)
{
	memset(l, 0, sizeof(*l));
}

void kmsg_log__free(struct kmsg_log *l)
{
	free(l->v);
	free(l->text);
	kmsg_log__init(l);
}

void kmsg_log__say_if_full(const struct kmsg_log *l)
{
	if (l->full)
		p_info("the kernel log holds more than %u lines: only the first %u are used "
		       "(the OOM context of later kills says their lines were lost)",
		       KMSG_LOG_MAX_LINES, KMSG_LOG_MAX_LINES);
}

static int add_line(struct kmsg_log *l, const struct kmsg_line *ln)
{
	size_t tlen = ln->text_len < KMSG_LINE_MAX ? ln->text_len : KMSG_LINE_MAX;
	struct kmsg_entry *e;

	if (l->n >= KMSG_LOG_MAX_LINES) {
		l->full = true;
		return -E2BIG;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct kmsg_entry *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (l->text_len + tlen + 1 > l->text_cap) {
		size_t cap = l->text_cap ? l->text_cap : 16384;
		char *t;

		while (cap < l->text_len + tlen + 1)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -E2BIG;
		t = realloc(l->text, cap);
		if (!t)
			return -ENOMEM;
		l->text = t;
		l->text_cap = cap;
	}
	e = &l->v[l->n++];
	e->ts_ns = ln->ts_us * 1000;
	e->seq = ln->seq;
	e->level = (int8_t)ln->level;
	e->text_off = (uint32_t)l->text_len;
	e->text_len = (uint32_t)tlen;
	memcpy(l->text + l->text_len, ln->text, tlen);
	l->text[l->text_len + tlen] = 0;
	l->text_len += tlen + 1;
	e->kind = (uint8_t)kmsg__classify(ln->text, tlen, &e->pid);
	return 0;
}

int kmsg_log__add_record(struct kmsg_log *l, const char *buf, size_t len)
{
	struct kmsg_line ln;

	if (kmsg__parse_record(buf, len, &ln)) {
		l->rejected++;
		return -EINVAL;
	}
	return add_line(l, &ln);
}

int kmsg_log__add_text(struct kmsg_log *l, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		struct kmsg_line ln;
		int err;

		/* /dev/kmsg dictionary lines (" KEY=VALUE") belong to the record above. */
		if (n && *p != ' ') {
			if (kmsg__parse_line(p, n, &ln) == 0) {
				err = add_line(l, &ln);
				if (err)
					return err;
			} else {
				l->rejected++;
			}
		}
		p += n + (nl ? 1 : 0);
	}
	return 0;
}

void kmsg_log__keep_newest(struct kmsg_log *l, size_t keep)
{
	size_t drop, i, off = 0;

	if (l->n <= keep)
		return;
	drop = l->n - keep;
	if (l->v[drop - 1].ts_ns > l->dropped_until_ns)
		l->dropped_until_ns = l->v[drop - 1].ts_ns;
	memmove(l->v, l->v + drop, keep * sizeof(*l->v));
	l->n = keep;
	/* text in entry order is not text order once sorted: copy through a fresh buffer */
	{
		char *t = malloc(l->text_cap);

		if (!t) { /* keep the old text: it is all still valid, only larger */
			return;
		}
		for (i = 0; i < l->n; i++) {
			memcpy(t + off, l->text + l->v[i].text_off, l->v[i].text_len + 1);
			l->v[i].text_off = (uint32_t)off;
			off += l->v[i].text_len + 1;
		}
		free(l->text);
		l->text = t;
		l->text_len = off;
	}
}

static int entry_cmp(const void *a, const void *b)
{
	const struct kmsg_entry *x = a, *y = b;

	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	/* text_off grows with insertion: keeps file order for equal stamps */
	return x->text_off < y->text_off ? -1 : x->text_off > y->text_off;
}

void kmsg_log__sort(struct kmsg_log *l)
{
	size_t i;

	for (i = 1; i < l->n; i++)
		if (entry_cmp(&l->v[i - 1], &l->v[i]) > 0)
			break;
	if (i < l->n) /* usually already in order */
		qsort(l->v, l->n, sizeof(*l->v), entry_cmp);
}

/* First index with ts_ns >= t. */
static size_t lower_bound(const struct kmsg_log *l, uint64_t t)
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

static uint64_t absdiff(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

static bool pid_is(const struct kmsg_entry *e, uint32_t pid, uint32_t tgid)
{
	return e->pid && (e->pid == pid || e->pid == tgid);
}

/* dump_header() runs first; "invoked oom-killer" opens the block. */
#define BLOCK_LOOKBACK_NS (5ull * 1000000000)

bool kmsg_log__find_block(const struct kmsg_log *l, uint32_t pid, uint32_t tgid,
			  uint64_t kill_ns, struct kmsg_block *b)
{
	uint64_t lo_t = kill_ns > KMSG_MATCH_WINDOW_NS ? kill_ns - KMSG_MATCH_WINDOW_NS : 0;
	size_t i, lo = lower_bound(l, lo_t), best = SIZE_MAX, summary = SIZE_MAX;
	uint64_t kill_ts, until;

	memset(b, 0, sizeof(*b));
	b->first = 1;
	b->last = 0;
	if (!pid && !tgid)
		return false;
	for (i = lo; i < l->n && l->v[i].ts_ns <= kill_ns + KMSG_MATCH_WINDOW_NS; i++) {
		const struct kmsg_entry *e = &l->v[i];

		if (!pid_is(e, pid, tgid))
			continue;
		if (e->kind == KMSG_KILLED &&
		    (best == SIZE_MAX ||
		     absdiff(e->ts_ns, kill_ns) < absdiff(l->v[best].ts_ns, kill_ns)))
			best = i;
		if (e->kind == KMSG_OOM_SUMMARY &&
		    (summary == SIZE_MAX ||
		     absdiff(e->ts_ns, kill_ns) < absdiff(l->v[summary].ts_ns, kill_ns)))
			summary = i;
	}
	if (best == SIZE_MAX)
		best = summary;
	kill_ts = best != SIZE_MAX ? l->v[best].ts_ns : kill_ns;
	if (best != SIZE_MAX) {
		b->first = b->last = best;
		for (i = best; i-- > 0;) {
			const struct kmsg_entry *e = &l->v[i];

			if (e->ts_ns + BLOCK_LOOKBACK_NS < kill_ts || e->kind == KMSG_KILLED ||
			    e->kind == KMSG_REAPED || e->kind == KMSG_UNABLE)
				break; /* too early, or the end of an earlier block */
			if (e->kind == KMSG_OOM_INVOKED) {
				b->first = i;
				break;
			}
			if (e->kind == KMSG_OOM_SUMMARY && b->first == best)
				b->first = i; /* no dump header: start at the summary */
		}
	}
	/* The reaper's own verdict on this pid, after the kill. */
	until = kill_ts + KMSG_AFTER_KILL_NS;
	for (i = best != SIZE_MAX ? best + 1 : lower_bound(l, lo_t);
	     i < l->n && l->v[i].ts_ns <= until && b->nextra < KMSG_BLOCK_EXTRA; i++) {
		const struct kmsg_entry *e = &l->v[i];

		if ((e->kind == KMSG_REAPED || e->kind == KMSG_UNABLE) && pid_is(e, pid, tgid))
			b->extra[b->nextra++] = i;
		else if (e->kind == KMSG_KILLED && pid_is(e, pid, tgid) && i != best)
			break; /* the same pid killed again: a later victim */
	}
	return best != SIZE_MAX || b->nextra > 0;
}

/* The last occurrence of needle in s[0, n). */
static const char *find_last(const char *s, size_t n, const char *needle)
{
	const char *p = s, *at, *last = NULL;
	size_t nl = strlen(needle);

	while ((at = memmem(p, n - (size_t)(p - s), needle, nl))) {
		last = at;
		p = at + 1;
	}
	return last;
}

static size_t count_of(const char *s, size_t n, const char *needle)
{
	const char *p = s, *at;
	size_t nl = strlen(needle), c = 0;

	while ((at = memmem(p, n - (size_t)(p - s), needle, nl))) {
		c++;
		p = at + 1;
	}
	return c;
}

static bool ends_with(const char *s, size_t n, const char *a, size_t alen, const char *b,
		      size_t blen)
{
	return n >= alen + blen && !memcmp(s + n - alen - blen, a, alen) &&
	       !memcmp(s + n - blen, b, blen);
}

/* "-?DIGITS" at *p, in [lo, hi]; advances *p. */
static bool parse_s32(const char **p, const char *end, int64_t lo, int64_t hi, int32_t *out)
{
	const char *s = *p;
	bool neg = false;
	uint64_t v;

	if (s < end && *s == '-') {
		neg = true;
		s++;
	}
	if (!parse_u64(&s, end, &v) || v > (uint64_t)1 << 31)
		return false;
	if ((neg ? -(int64_t)v : (int64_t)v) < lo || (neg ? -(int64_t)v : (int64_t)v) > hi)
		return false;
	*out = (int32_t)(neg ? -(int64_t)v : (int64_t)v);
	*p = s;
	return true;
}

static bool lit(const char **p, const char *end, const char *l)
{
	size_t n = strlen(l);

	if ((size_t)(end - *p) < n || memcmp(*p, l, n))
		return false;
	*p += n;
	return true;
}

#define INVOKED_NEEDLE " invoked oom-killer: gfp_mask="

int kmsg__parse_invoked(const char *text, size_t len, struct kmsg_invoked *out)
{
	/* gfp names and numbers are the kernel's: the last needle is the real one */
	const char *at = find_last(text, len, INVOKED_NEEDLE), *end = text + len, *p, *close;
	uint64_t gfp = 0;

	if (!at)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->comm = text;
	out->comm_len = (size_t)(at - text);
	p = at + strlen(INVOKED_NEEDLE);
	/* %#x: "0" for no flags, else "0x..." */
	if (lit(&p, end, "0x")) {
		int digits = 0;

		while (p < end && digits < 9 &&
		       ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) {
			gfp = gfp * 16 + (uint64_t)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
			p++;
			digits++;
		}
		if (!digits || digits > 8)
			return -EINVAL;
	} else if (!lit(&p, end, "0")) {
		return -EINVAL;
	}
	if (!lit(&p, end, "("))
		return -EINVAL;
	close = memchr(p, ')', (size_t)(end - p));
	if (!close)
		return -EINVAL;
	out->gfp_mask = (uint32_t)gfp;
	out->gfp_names = p;
	out->gfp_names_len = (size_t)(close - p);
	p = close + 1;
	if (!lit(&p, end, ", order=") || !parse_s32(&p, end, -1, 64, &out->order) ||
	    !lit(&p, end, ", oom_score_adj=") ||
	    !parse_s32(&p, end, -1000, 1000, &out->oom_score_adj) || p != end)
		return -EINVAL; /* cut short, or not the kernel's line */
	return 0;
}

#define SUMMARY_PREFIX "oom-kill:constraint="

int kmsg__parse_summary(const char *text, size_t len, struct kmsg_summary *out)
{
	static const char *const names[] = { "CONSTRAINT_NONE", "CONSTRAINT_CPUSET",
					     "CONSTRAINT_MEMORY_POLICY", "CONSTRAINT_MEMCG" };
	const char *end = text + len, *p, *comma, *uid_at, *q;
	uint64_t v;
	size_t i, n;

	if (len < sizeof(SUMMARY_PREFIX) - 1 || memcmp(text, SUMMARY_PREFIX, sizeof(SUMMARY_PREFIX) - 1))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	p = text + sizeof(SUMMARY_PREFIX) - 1;
	comma = memchr(p, ',', (size_t)(end - p));
	if (!comma)
		return -EINVAL;
	n = (size_t)(comma - p);
	out->constraint = -1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && !memcmp(p, names[i], n))
			out->constraint = (int32_t)i;
	/* the right end: ",pid=N,uid=N" and nothing after */
	uid_at = find_last(text, len, ",uid=");
	if (!uid_at || uid_at < comma)
		return -EINVAL;
	q = uid_at + 5;
	if (!parse_u64(&q, end, &v) || q != end || v > UINT32_MAX)
		return -EINVAL;
	out->uid = (uint32_t)v;
	q = uid_at;
	while (q > comma && is_digit(q[-1]))
		q--;
	if (q == uid_at || (size_t)(q - comma) < 5 || memcmp(q - 5, ",pid=", 5))
		return -EINVAL;
	{
		const char *d = q;

		if (!parse_u64(&d, uid_at, &v) || d != uid_at || v == 0 || v > 0x3fffffff)
			return -EINVAL;
	}
	out->pid = (uint32_t)v;
	out->head = text;
	out->head_len = (size_t)(q - 5 - text);
	return 0;
}

/*
 * Were lines lost between these times?  /dev/kmsg numbers its records
 * without a hole, so a hole in the sequence numbers of the lines here is
 * lines we never got (an overrun, or a recording that could not write
 * them).  Lines without a sequence number (a dmesg file) cannot tell.
 */
static bool lost_between(const struct kmsg_log *l, uint64_t lo_t, uint64_t hi_t)
{
	uint64_t lo = UINT64_MAX, hi = 0, cnt = 0;
	size_t i = lower_bound(l, lo_t);

	/* what we let go ourselves is as lost as what the kernel overwrote */
	if (l->dropped_until_ns && lo_t <= l->dropped_until_ns)
		return true;
	if (l->full && (!l->n || hi_t >= l->v[l->n - 1].ts_ns))
		return true;

	/* the line before the window too: a hole right at its start counts */
	if (i > 0)
		i--;
	for (; i < l->n && l->v[i].ts_ns <= hi_t; i++) {
		if (!l->v[i].seq)
			continue;
		lo = l->v[i].seq < lo ? l->v[i].seq : lo;
		hi = l->v[i].seq > hi ? l->v[i].seq : hi;
		cnt++;
	}
	/* the line after the window, likewise */
	if (i < l->n && l->v[i].seq) {
		lo = l->v[i].seq < lo ? l->v[i].seq : lo;
		hi = l->v[i].seq > hi ? l->v[i].seq : hi;
		cnt++;
	}
	return cnt && hi - lo + 1 > cnt;
}

static void copy_text(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

static void set_why(struct oom_context *c, int f, uint8_t why)
{
	if (!c->src[f])
		c->why[f] = why;
}

/* Is d the victim's memcg or an ancestor of it: a possible OOM domain? */
static bool domain_of(const char *d, size_t dn, const char *cg)
{
	size_t cn = strlen(cg);

	if (dn == 1 && d[0] == '/')
		return true;
	return dn <= cn && !memcmp(d, cg, dn) && (cn == dn || cg[dn] == '/');
}

/*
 * The domain from head (the summary before ",task=COMM"): the part
 * between ",oom_memcg=" and ",task_memcg=VICTIM", or ",global_oom".
 * Cgroup names may hold either string: split only where exactly one
 * reading fits, else leave it unparsed.
 */
static void parse_domain(const char *h, size_t n, int32_t constraint, const char *cg,
			 struct oom_context *c)
{
	static const char tm[] = ",task_memcg=", om[] = ",oom_memcg=", go[] = ",global_oom";
	const char *at, *end;
	size_t m;

	if (c->src[CTXF_DOMAIN])
		return;
	if (cg && ends_with(h, n, tm, sizeof(tm) - 1, cg, strlen(cg))) {
		m = n - strlen(cg) - (sizeof(tm) - 1);
	} else {
		if (count_of(h, n, tm) != 1) {
			c->why[CTXF_DOMAIN] = CTX_WHY_UNPARSED;
			return;
		}
		m = (size_t)(find_last(h, n, tm) - h);
	}
	if (constraint != 3 /* CONSTRAINT_MEMCG */) { /* no oc->memcg: "global_oom" */
		if (m >= sizeof(go) - 1 && !memcmp(h + m - (sizeof(go) - 1), go, sizeof(go) - 1)) {
			c->src[CTXF_DOMAIN] = CTX_SRC_KERNEL_LOG;
			c->why[CTXF_DOMAIN] = CTX_WHY_NONE;
			c->global = true;
			c->domain[0] = 0;
		} else {
			c->why[CTXF_DOMAIN] = CTX_WHY_UNPARSED;
		}
		return;
	}
	end = h + m;
	/*
	 * Rightmost first: the first that reads as the victim's memcg or one
	 * above it.  Without the victim's path, only a line with one
	 * ",oom_memcg=" splits exactly.
	 */
	if (!cg && count_of(h, m, om) != 1) {
		c->why[CTXF_DOMAIN] = CTX_WHY_UNPARSED;
		return;
	}
	for (at = find_last(h, m, om); at;
	     at = find_last(h, (size_t)(at - h) + sizeof(om) - 2, om)) {
		const char *d = at + sizeof(om) - 1;
		size_t dn = (size_t)(end - d);

		if (!cg || domain_of(d, dn, cg)) {
			if (dn >= sizeof(c->domain))
				break; /* longer than we hold: never a cut path */
			c->src[CTXF_DOMAIN] = CTX_SRC_KERNEL_LOG;
			c->why[CTXF_DOMAIN] = CTX_WHY_NONE;
			c->global = false;
			copy_text(c->domain, sizeof(c->domain), d, dn);
			return;
		}
		if (at == h)
			break;
	}
	c->why[CTXF_DOMAIN] = CTX_WHY_UNPARSED;
}

/* Does this summary name the victim: its pid, and ",task=COMM" its comm? */
static bool summary_is(const struct kmsg_summary *s, const struct kmsg_ctx_query *q,
		       size_t *head_len)
{
	static const char task[] = ",task=";
	size_t cn = strlen(q->comm);

	if (s->pid != q->tgid && s->pid != q->pid)
		return false;
	if (cn && ends_with(s->head, s->head_len, task, sizeof(task) - 1, q->comm, cn)) {
		*head_len = s->head_len - cn - (sizeof(task) - 1);
		return true;
	}
	/*
	 * The summary names the chosen task, the thread group's leader; the
	 * kill event names the thread the kernel marked (find_lock_task_mm()),
	 * which may be another, named otherwise.  Only then, split where there
	 * is one ",task=" only.  The same thread under another name is another
	 * task that had this pid.
	 */
	if (s->pid != q->pid && count_of(s->head, s->head_len, task) == 1) {
		*head_len = (size_t)(find_last(s->head, s->head_len, task) - s->head);
		return true;
	}
	return false;
}

static void fill_invoked(const struct kmsg_invoked *iv, struct oom_context *c)
{
	if (!c->src[CTXF_GFP]) {
		c->src[CTXF_GFP] = CTX_SRC_KERNEL_LOG;
		c->why[CTXF_GFP] = CTX_WHY_NONE;
		c->gfp_mask = iv->gfp_mask;
		copy_text(c->gfp_names, sizeof(c->gfp_names), iv->gfp_names, iv->gfp_names_len);
	}
	if (!c->src[CTXF_ORDER]) {
		c->src[CTXF_ORDER] = CTX_SRC_KERNEL_LOG;
		c->why[CTXF_ORDER] = CTX_WHY_NONE;
		c->order = iv->order;
	}
	if (!c->src[CTXF_TRIGGER]) {
		c->src[CTXF_TRIGGER] = CTX_SRC_KERNEL_LOG;
		c->why[CTXF_TRIGGER] = CTX_WHY_NONE;
		copy_text(c->trigger_comm, sizeof(c->trigger_comm), iv->comm, iv->comm_len);
		c->trigger_oom_score_adj = iv->oom_score_adj;
	}
}

static void invoked_missing(struct oom_context *c, uint8_t why)
{
	set_why(c, CTXF_GFP, why);
	set_why(c, CTXF_ORDER, why);
	set_why(c, CTXF_TRIGGER, why);
}

/*
 * The "invoked oom-killer" line of the report whose summary is l->v[si]:
 * its index, SIZE_MAX when there is none.
 */
static size_t pair_invoked(const struct kmsg_log *l, size_t si, struct oom_context *c)
{
	uint64_t sts = l->v[si].ts_ns;
	size_t j;

	for (j = si; j-- > 0;) {
		const struct kmsg_entry *e = &l->v[j];
		struct kmsg_invoked iv;

		if (e->ts_ns + KMSG_REPORT_SPAN_NS < sts)
			break;
		if (e->kind == KMSG_OOM_SUMMARY || e->kind == KMSG_KILLED)
			break; /* an earlier OOM's lines: under oom_lock, reports never interleave */
		if (e->kind != KMSG_OOM_INVOKED)
			continue;
		if (kmsg__parse_invoked(kmsg_log__text(l, e), e->text_len, &iv)) {
			invoked_missing(c, CTX_WHY_UNPARSED);
			return j;
		}
		fill_invoked(&iv, c);
		return j;
	}
	invoked_missing(c, lost_between(l, sts > KMSG_REPORT_SPAN_NS ? sts - KMSG_REPORT_SPAN_NS : 0, sts)
				   ? CTX_WHY_OVERRUN
				   : CTX_WHY_NO_INVOKED);
	return SIZE_MAX;
}

bool kmsg_log__oom_context(const struct kmsg_log *l, const struct kmsg_ctx_query *q,
			   struct oom_context *c)
{
	uint64_t lo_t = q->kill_ns > KMSG_MATCH_WINDOW_NS ? q->kill_ns - KMSG_MATCH_WINDOW_NS : 0;
	uint64_t hi_t = q->kill_ns + KMSG_MATCH_WINDOW_NS, best_d = UINT64_MAX;
	size_t i, best = SIZE_MAX, best_head = 0, first;
	struct kmsg_summary s, bs = { 0 };
	int f;

	/* what was not found for want of the log becomes "not found in it" below */
	for (f = 0; f < CTXF_NR; f++)
		if (!c->src[f] && f != CTXF_TOTALPAGES)
			c->why[f] = CTX_WHY_NONE;
	for (i = lower_bound(l, lo_t); i < l->n && l->v[i].ts_ns <= hi_t; i++) {
		const struct kmsg_entry *e = &l->v[i];
		uint64_t d = absdiff(e->ts_ns, q->kill_ns);
		size_t hl;

		if (e->kind != KMSG_OOM_SUMMARY || d >= best_d ||
		    kmsg__parse_summary(kmsg_log__text(l, e), e->text_len, &s) ||
		    !summary_is(&s, q, &hl))
			continue;
		best = i;
		best_d = d;
		best_head = hl;
		bs = s;
	}
	if (best == SIZE_MAX) {
		uint8_t why = lost_between(l, lo_t, hi_t) ? CTX_WHY_OVERRUN : CTX_WHY_RATELIMITED;

		if (l->given && (!l->n || l->v[0].ts_ns > q->kill_ns || l->v[l->n - 1].ts_ns < q->kill_ns))
			why = CTX_WHY_LOG_NOT_COVERING;

		for (f = 0; f < CTXF_NR; f++)
			if (f != CTXF_TOTALPAGES)
				set_why(c, f, why);
		oom_report__missing(&c->report, why);
		return false;
	}
	if (!c->src[CTXF_CONSTRAINT]) {
		if (bs.constraint >= 0) {
			c->src[CTXF_CONSTRAINT] = CTX_SRC_KERNEL_LOG;
			c->why[CTXF_CONSTRAINT] = CTX_WHY_NONE;
			c->constraint = (uint32_t)bs.constraint;
		} else {
			c->why[CTXF_CONSTRAINT] = CTX_WHY_UNPARSED;
		}
	}
	if (bs.constraint >= 0)
		parse_domain(bs.head, best_head, bs.constraint, q->cgroup, c);
	else
		set_why(c, CTXF_DOMAIN, CTX_WHY_UNPARSED);
	first = pair_invoked(l, best, c);
	if (first == SIZE_MAX) {
		/* where the report starts is not known: none of its lines is taken */
		oom_report__missing(&c->report, c->why[CTXF_TRIGGER]);
	} else {
		struct oomr_query rq = {
			.victim_tgid = q->tgid ? q->tgid : q->pid,
			.trigger_tgid = q->trigger_tgid,
			/* no oc->memcg: the kernel printed Mem-Info, not a memcg's counters */
			.global = bs.constraint >= 0 && bs.constraint != 3 /* CONSTRAINT_MEMCG */,
			/* a path that fills its buffer may be cut: not one to compare with */
			.domain = c->src[CTXF_DOMAIN] && !c->global &&
						  strnlen(c->domain, sizeof(c->domain)) < sizeof(c->domain) - 1
					  ? c->domain
					  : NULL,
		};

		kmsg_log__oom_report(l, first, best, &rq, &c->report);
	}
	return true;
}

bool kmsg__incident_context(const struct kmsg_log *l, uint8_t why, struct oomreap_incident *inc)
{
	char comm[OOMREAP_COMM_LEN + 1];
	struct kmsg_ctx_query q;
	int f;

	if (!inc->have_identity)
		return false; /* the tracker said why: nothing to match by */
	if (!l) {
		for (f = 0; f < CTXF_NR; f++)
			if (!inc->ctx.src[f] && f != CTXF_TOTALPAGES)
				inc->ctx.why[f] = why ? why : CTX_WHY_LOG_NOT_READ;
		oom_report__missing(&inc->ctx.report, why ? why : CTX_WHY_LOG_NOT_READ);
		return false;
	}
	memcpy(comm, inc->comm, OOMREAP_COMM_LEN);
	comm[OOMREAP_COMM_LEN] = 0;
	q = (struct kmsg_ctx_query){ .pid = inc->pid,
				     .tgid = inc->tgid,
				     .kill_ns = inc->kill_ns,
				     .comm = comm,
				     .trigger_tgid = inc->trigger_tgid,
				     .cgroup = inc->cgroup_truncated || !inc->cgroup_path[0]
						       ? NULL
						       : inc->cgroup_path };
	if (kmsg_log__oom_context(l, &q, &inc->ctx))
		return true;
	/* a group's other victims: the kernel reports the chosen one only */
	if (inc->oom_event.index > 1) {
		for (f = 0; f < CTXF_NR; f++)
			if (!inc->ctx.src[f] && f != CTXF_TOTALPAGES)
				inc->ctx.why[f] = CTX_WHY_GROUP_MEMBER;
		oom_report__missing(&inc->ctx.report, CTX_WHY_GROUP_MEMBER);
	}
	return false;
}

/* "NAME:<digits>kB" at p (within end): the number, p moved past "kB". */
static bool kb_field(const char **p, const char *end, const char *name, uint64_t *v)
{
	size_t nl = strlen(name);
	const char *q = *p;
	uint64_t x = 0;
	int digits = 0;

	if ((size_t)(end - q) < nl || memcmp(q, name, nl))
		return false;
	for (q += nl; q < end && *q >= '0' && *q <= '9'; q++, digits++) {
		if (x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*q - '0');
	}
	if (!digits || end - q < 2 || q[0] != 'k' || q[1] != 'B')
		return false;
	*p = q + 2;
	*v = x;
	return true;
}

int kmsg__parse_killed_rss(const char *text, size_t len, uint64_t kb[3])
{
	const char *end = text + len, *p = find_last(text, len, " anon-rss:");

	if (!p)
		return -EINVAL;
	p++;
	if (!kb_field(&p, end, "anon-rss:", &kb[0]) || !kb_field(&p, end, ", file-rss:", &kb[1]) ||
	    !kb_field(&p, end, ", shmem-rss:", &kb[2]))
		return -EINVAL;
	/* the line goes on with ", UID:N pgtables:..." (or was cut right here) */
	if (p != end && ((size_t)(end - p) < 6 || memcmp(p, ", UID:", 6)))
		return -EINVAL;
	return 0;
}

bool kmsg__incident_kill_rss(const struct kmsg_log *l, struct oomreap_incident *inc)
{
	struct kmsg_block b;
	const struct kmsg_entry *e;

	if (!l || !inc->have_identity ||
	    !kmsg_log__find_block(l, inc->pid, inc->tgid, inc->kill_ns, &b) || b.last < b.first)
		return false;
	e = &l->v[b.last];
	if (e->kind != KMSG_KILLED ||
	    kmsg__parse_killed_rss(kmsg_log__text(l, e), e->text_len, inc->kill_log_rss_kb))
		return false;
	inc->have_kill_log_rss = true;
	return true;
}

/* A decimal at *p (optionally signed), within end: p moved past it. */
static bool dec_field(const char **p, const char *end, bool sign, int64_t *v)
{
	const char *q = *p;
	bool neg = false;
	uint64_t x;

	if (sign && q < end && *q == '-') {
		neg = true;
		q++;
	}
	if (!parse_u64(&q, end, &x) || x > INT64_MAX)
		return false;
	*v = neg ? -(int64_t)x : (int64_t)x;
	*p = q;
	return true;
}

int kmsg__parse_killed(const char *text, size_t len, struct kmsg_killed *k)
{
	const char *end = text + len, *at = find(text, len, "Killed process "), *p, *close;
	uint64_t v;
	int64_t x;

	memset(k, 0, sizeof(*k));
	if (!at)
		return -EINVAL;
	p = at + 15;
	if (!parse_u64(&p, end, &v) || v == 0 || v > 0x3fffffff || !lit(&p, end, " ("))
		return -EINVAL;
	k->pid = (uint32_t)v;
	close = find_last(p, (size_t)(end - p), ") total-vm:");
	if (!close || (size_t)(close - p) >= sizeof(k->comm))
		return -EINVAL;
	copy_text(k->comm, sizeof(k->comm), p, (size_t)(close - p));
	p = close + 2;
	if (!kb_field(&p, end, "total-vm:", &k->total_vm_kb) || !lit(&p, end, ", ") ||
	    !kb_field(&p, end, "anon-rss:", &k->rss_kb[0]) ||
	    !kb_field(&p, end, ", file-rss:", &k->rss_kb[1]) ||
	    !kb_field(&p, end, ", shmem-rss:", &k->rss_kb[2]) || !lit(&p, end, ", UID:") ||
	    !dec_field(&p, end, false, &x) || x > UINT32_MAX)
		return -EINVAL;
	k->uid = (uint32_t)x;
	if (!kb_field(&p, end, " pgtables:", &k->pgtables_kb) || !lit(&p, end, " oom_score_adj:") ||
	    !dec_field(&p, end, true, &x) || x < -1000 || x > 1000 || p != end)
		return -EINVAL;
	k->oom_score_adj = (int32_t)x;
	return 0;
}

/* The kernel log's clock and the tool's may differ by this much. */
#define JOIN_CLOCK_SLACK_NS (50ull * 1000000)

bool kmsg__incident_join(const struct kmsg_log *l, uint8_t why, struct oomreap_incident *inc,
			 uint64_t page_size)
{
	struct kmsg_ctx_query q;
	struct kmsg_killed k;
	struct kmsg_block b;
	const struct kmsg_entry *e;
	int i;

	if (inc->have_identity || inc->kill_ns || inc->identity_from_log)
		return false;
	if (!l) {
		oom_context__missing(&inc->ctx, why);
		return false;
	}
	if (!kmsg_log__find_block(l, inc->pid, inc->tgid, inc->opened_ns, &b) || b.last < b.first)
		return false;
	e = &l->v[b.last];
	if (e->kind != KMSG_KILLED || e->ts_ns > inc->opened_ns + JOIN_CLOCK_SLACK_NS ||
	    kmsg__parse_killed(kmsg_log__text(l, e), e->text_len, &k) || k.pid != inc->pid)
		return false;
	inc->identity_from_log = true;
	inc->kill_log_ns = e->ts_ns;
	memcpy(inc->comm, k.comm, sizeof(k.comm) < sizeof(inc->comm) ? sizeof(k.comm)
								     : sizeof(inc->comm));
	inc->comm[sizeof(inc->comm) - 1] = 0;
	inc->uid = k.uid;
	inc->oom_score_adj = (int16_t)k.oom_score_adj;
	inc->have_kill_log_rss = true;
	memcpy(inc->kill_log_rss_kb, k.rss_kb, sizeof(k.rss_kb));
	if (page_size) {
		static const int type[3] = { OOMREAP_RSS_ANON, OOMREAP_RSS_FILE, OOMREAP_RSS_SHMEM };

		inc->have_rss_at_kill = true;
		for (i = 0; i < 3; i++)
			inc->rss_at_kill_pages[type[i]] = k.rss_kb[i] * 1024 / page_size;
		inc->rss_at_kill_pages[OOMREAP_RSS_SWAP] = 0; /* not printed: shown null */
		inc->total_vm_pages = k.total_vm_kb * 1024 / page_size;
	}
	inc->pgtables_bytes = k.pgtables_kb * 1024;
	/* the context: the oom-kill line of this kill */
	q = (struct kmsg_ctx_query){ .pid = inc->pid, .tgid = inc->tgid, .kill_ns = e->ts_ns,
				     .comm = inc->comm, .cgroup = NULL };
	kmsg_log__oom_context(l, &q, &inc->ctx);
	return true;
}
