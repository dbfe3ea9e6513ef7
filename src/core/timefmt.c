// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "core/timefmt.h"

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint64_t timefmt__mono_now(void)
{
	return (uint64_t)clock_ns(CLOCK_MONOTONIC);
}

int64_t timefmt__mono_to_real_offset(void)
{
	/* Bracket the realtime read so the offset error is at most half the gap. */
	int64_t m1 = clock_ns(CLOCK_MONOTONIC);
	int64_t r = clock_ns(CLOCK_REALTIME);
	int64_t m2 = clock_ns(CLOCK_MONOTONIC);

	return r - (m1 + (m2 - m1) / 2);
}

#define REAL_MAX (INT64_MAX / 2) /* far beyond any date strftime prints */

int64_t timefmt__real_ns(uint64_t mono_ns, int64_t mono_to_real_ns)
{
	int64_t sum;

	if (mono_ns > (uint64_t)REAL_MAX)
		mono_ns = (uint64_t)REAL_MAX;
	if (__builtin_add_overflow((int64_t)mono_ns, mono_to_real_ns, &sum))
		return mono_to_real_ns > 0 ? REAL_MAX : -REAL_MAX;
	return sum > REAL_MAX ? REAL_MAX : sum < -REAL_MAX ? -REAL_MAX : sum;
}

static void split(int64_t real_ns, time_t *sec, long *ms)
{
	*sec = (time_t)(real_ns / 1000000000);
	*ms = (long)((real_ns % 1000000000) / 1000000);
	if (*ms < 0) {
		*ms += 1000;
		(*sec)--;
	}
}

/* A UTC time, "date<sep>time.mmm<suffix>"; "?" past what gmtime takes. */
static void utc(char *buf, size_t len, int64_t real_ns, char sep, const char *suffix)
{
	struct tm tm;
	time_t sec;
	long ms;
	char tmp[32];

	split(real_ns, &sec, &ms);
	if (!gmtime_r(&sec, &tm)) {
		snprintf(buf, len, "?");
		return;
	}
	strftime(tmp, sizeof(tmp), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, len, "%.10s%c%s.%03ld%s", tmp, sep, tmp + 11, ms, suffix);
}

void timefmt__iso8601(char *buf, size_t len, int64_t real_ns)
{
	utc(buf, len, real_ns, 'T', "Z");
}

void timefmt__utc(char *buf, size_t len, int64_t real_ns)
{
	utc(buf, len, real_ns, ' ', " UTC");
}

void timefmt__offset(char *buf, size_t len, uint64_t from, uint64_t to)
{
	uint64_t d = to >= from ? to - from : from - to;

	snprintf(buf, len, "%c%" PRIu64 ".%03" PRIu64 " s", to >= from ? '+' : '-',
		 d / UINT64_C(1000000000), d / UINT64_C(1000000) % 1000);
}

void timefmt__hms(char *buf, size_t len, int64_t real_ns)
{
	struct tm tm;
	time_t sec;
	long ms;

	split(real_ns, &sec, &ms);
	localtime_r(&sec, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

void timefmt__duration(char *buf, size_t len, uint64_t ns)
{
	if (ns == UINT64_MAX)
		snprintf(buf, len, "-");
	else if (ns >= 1000000000ull)
		snprintf(buf, len, "%.3fs", ns / 1e9);
	else if (ns >= 1000000ull)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%lluus", (unsigned long long)(ns / 1000));
}

void timefmt__bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	unsigned int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lluB", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f%s", v, units[u]);
}
