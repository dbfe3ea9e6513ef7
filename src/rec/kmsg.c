// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel log parsing (kmsg.h).  The formats are the kernel's:
 * devkmsg_read() in kernel/printk/printk.c writes "%u,%llu,%llu,%c%s;"
 * (priority, sequence, microseconds, flag, optional ",caller=..." on
 * CONFIG_PRINTK_CALLER) then the message with non-printables as \xNN, then
 * dictionary lines starting with a space; dmesg prints "[%5lu.%06lu] ".
 * The OOM lines classified here come from mm/oom_kill.c (dump_header,
 * __oom_kill_process, oom_reap_task_mm, oom_reap_task); their fields, and
 * their joins to an incident, are read in kmsg_oom.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io/errors.h"
#include "rec/kmsg.h"
#include "rec/kmsg_text.h"

/*
 * A line's stamp in us, bounded like every stamp of a recording (2^62 ns,
 * docs/RECORD-FORMAT.md): matching adds windows to it, which must not wrap.
 */
#define KMSG_TS_US_MAX ((UINT64_C(1) << 62) / 1000)

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
	out->not_kernel = (pri >> 3) != 0; /* LOG_KERN is facility 0 */
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
	out->not_kernel = have_pri && (pri >> 3) != 0;
	out->ts_us = ts;
	out->text = p;
	out->text_len = (size_t)(end - p);
	return 0;
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
	/*
	 * A process that may write /dev/kmsg (root, or who printk.devkmsg lets)
	 * could print "Killed process" or "unable to reap" lines of its own:
	 * they are tagged with its facility, and only the kernel's count.
	 */
	e->kind = ln->not_kernel ? (uint8_t)KMSG_OTHER
				 : (uint8_t)kmsg__classify(ln->text, tlen, &e->pid);
	if (ln->not_kernel)
		e->pid = 0;
	return 0;
}

int kmsg_log__add_parsed(struct kmsg_log *l, int err, const struct kmsg_line *ln)
{
	if (err) {
		l->rejected++;
		return -EINVAL;
	}
	return add_line(l, ln);
}

int kmsg_log__add_record(struct kmsg_log *l, const char *buf, size_t len)
{
	struct kmsg_line ln;

	return kmsg_log__add_parsed(l, kmsg__parse_record(buf, len, &ln), &ln);
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
