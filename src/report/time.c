// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <time.h>

#include "core/timefmt.h"
#include "rec/record.h"
#include "report/time.h"

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

/* Days in a month of the proleptic Gregorian calendar: 2026-02-30 is no date. */
static int month_days(int year, int mon)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return mon == 2 && leap ? 29 : days[mon - 1];
}

#define NS_PER_SEC 1000000000ll
/* Up to year ~2262 in int64 ns. */
#define MAX_EPOCH_S 9000000000ll

/* "+SEC[.frac][s|ms|m|min|h]" after the '+': ns after the recording's start. */
static int parse_relative(const char *p, int64_t *ns)
{
	uint64_t v, mult;
	int64_t frac;

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
	return 0;
}

/* "@EPOCH[.frac]" after the '@'. */
static int parse_epoch(const char *p, int64_t *ns)
{
	uint64_t v;
	int64_t frac;

	if (!parse_uint(&p, &v, NULL) || v > MAX_EPOCH_S || !parse_frac(&p, &frac) || *p)
		return -EINVAL;
	*ns = (int64_t)v * NS_PER_SEC + frac;
	return 0;
}

/* "[THH:MM[:SS[.frac]]][Z|+HH:MM]" after the date; *p moved past it. */
static bool parse_clock(const char **pp, int *hh, int *mm, int *ss, int64_t *frac,
			int64_t *off_s)
{
	const char *p = *pp;
	int zh, zm;

	if (*p != 'T' && *p != ' ')
		return true; /* a date alone: midnight UTC */
	p++;
	if (!fixed_digits(&p, 2, hh) || *p++ != ':' || !fixed_digits(&p, 2, mm))
		return false;
	if (*p == ':') {
		p++;
		if (!fixed_digits(&p, 2, ss) || !parse_frac(&p, frac))
			return false;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;

		if (!fixed_digits(&p, 2, &zh))
			return false;
		if (*p == ':')
			p++;
		if (!fixed_digits(&p, 2, &zm) || zh > 23 || zm > 59)
			return false;
		*off_s = sign * (zh * 3600 + zm * 60);
	}
	*pp = p;
	return true;
}

/* "YYYY-MM-DD[THH:MM[:SS[.frac]]][Z|+HH:MM]": a calendar time, UTC if no zone. */
static int parse_date(const char *p, int64_t *ns)
{
	struct tm tm;
	int year, mon, day, hh = 0, mm = 0, ss = 0;
	int64_t off_s = 0, frac = 0;
	time_t t;

	if (!fixed_digits(&p, 4, &year) || *p++ != '-' || !fixed_digits(&p, 2, &mon) ||
	    *p++ != '-' || !fixed_digits(&p, 2, &day) ||
	    !parse_clock(&p, &hh, &mm, &ss, &frac, &off_s))
		return -EINVAL;
	/* ss 60: a leap second, as ISO 8601 writes it (timegm takes it as :00 next) */
	if (*p || mon < 1 || mon > 12 || day < 1 || hh > 23 || mm > 59 || ss > 60 || year < 1970 ||
	    day > month_days(year, mon))
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
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

int report__parse_time(const char *s, int64_t *ns, bool *relative)
{
	if (!s || !*s)
		return -EINVAL;
	*relative = *s == '+';
	if (*s == '+')
		return parse_relative(s + 1, ns);
	if (*s == '@')
		return parse_epoch(s + 1, ns);
	return parse_date(s, ns);
}

/* The live tool's own conversion (core/timefmt.h): one time in every output. */
int64_t report__real_ns(uint64_t mono_ns, int64_t mono_to_real_ns)
{
	return timefmt__real_ns(mono_ns, mono_to_real_ns);
}

int report__resolve_time(const char *s, const struct oomrec_header *h, int64_t *real_ns)
{
	bool rel;
	int64_t ns;

	if (report__parse_time(s, &ns, &rel))
		return -EINVAL;
	if (!rel)
		*real_ns = ns;
	else if (__builtin_add_overflow(report__real_ns(h->start_mono_ns, h->mono_to_real_ns), ns,
					real_ns))
		*real_ns = INT64_MAX;
	return 0;
}
