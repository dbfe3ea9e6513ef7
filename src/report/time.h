/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Time arguments (--since, --until) and the clock conversion they and the
 * report rest on.  Only libc: the option parser checks the syntax with it.
 */
#ifndef OOMREAP_REPORT_TIME_H
#define OOMREAP_REPORT_TIME_H

#include <stdbool.h>
#include <stdint.h>

struct oomrec_header;

/*
 * "+90s" / "+5m" (after the recording's start), "@1732559400" (epoch s),
 * "2026-11-25T18:30:00Z", "2026-11-25 18:30:00.5+01:00", "2026-11-25"
 * (no zone: UTC, the zone every report uses).  0 or -EINVAL.
 */
int report__parse_time(const char *s, int64_t *ns, bool *relative);
/*
 * The forms report__parse_time() takes, said once: --help and the error for
 * a time it refuses print this same text.
 */
#define REPORT_TIME_FORMS                                                        \
	"+SEC[.frac][s|ms|m|min|h] after the recording's start, @EPOCH[.frac], or " \
	"YYYY-MM-DD[THH:MM[:SS[.frac]]][Z|+HH:MM] (UTC if no zone)"
/* The same, resolved to CLOCK_REALTIME ns against a recording's start.  0 or -EINVAL. */
int report__resolve_time(const char *s, const struct oomrec_header *h, int64_t *real_ns);
/*
 * CLOCK_REALTIME of a CLOCK_MONOTONIC stamp.  Saturates: a hostile file's
 * stamps and offset must not overflow (undefined behaviour in C).
 */
int64_t report__real_ns(uint64_t mono_ns, int64_t mono_to_real_ns);

#endif /* OOMREAP_REPORT_TIME_H */
