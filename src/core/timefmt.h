/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Clock conversion and human formatting of times and sizes. */
#ifndef OOMREAP_TIMEFMT_H
#define OOMREAP_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_REALTIME - CLOCK_MONOTONIC, in ns, sampled now. */
int64_t timefmt__mono_to_real_offset(void);
uint64_t timefmt__mono_now(void);
/*
 * CLOCK_REALTIME ns of a CLOCK_MONOTONIC stamp given the offset between
 * them.  Both may come from a file: the sum saturates at +-(2^62 - 1) ns
 * (years 1823 and 2116), never wraps, so every output shows one time.
 */
int64_t timefmt__real_ns(uint64_t mono_ns, int64_t mono_to_real_ns);
/* "2026-11-25T18:30:01.123Z" from a CLOCK_REALTIME ns value. */
void timefmt__iso8601(char *buf, size_t len, int64_t real_ns);
/* "2026-11-25 18:30:01.123 UTC", as reports write it ("?" past what gmtime takes). */
void timefmt__utc(char *buf, size_t len, int64_t real_ns);
/* "18:30:01" local time. */
void timefmt__hms(char *buf, size_t len, int64_t real_ns);
/* "2.006s", "8.12ms", "312us", "-" for UINT64_MAX. */
void timefmt__duration(char *buf, size_t len, uint64_t ns);
/* "+2.006 s": to as an offset from from (a report's "after the kill"). */
void timefmt__offset(char *buf, size_t len, uint64_t from, uint64_t to);
/* "100.0MiB", "12.0KiB", "0B". */
void timefmt__bytes(char *buf, size_t len, uint64_t bytes);

#endif /* OOMREAP_TIMEFMT_H */
