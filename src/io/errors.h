/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One error sink.  Functions return -errno; the place that understands a
 * failure prints one lowercase line, with a hint where there is one.
 * Every line goes through the terminal escaper (core/incident.h): what a
 * message quotes from a file cannot break it or drive the terminal.
 */
#ifndef OOMREAP_ERRORS_H
#define OOMREAP_ERRORS_H

#include <stdbool.h>

/* Exit statuses, documented in man/oomreap-trace.8. */
#define EXIT_OK 0
#define EXIT_RUNTIME 1     /* tracing failed after start-up */
#define EXIT_USAGE 2       /* bad command line */
#define EXIT_PRIVILEGE 3   /* missing capabilities */
#define EXIT_UNSUPPORTED 4 /* kernel lacks BTF, tracepoints or every attach rung */

void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Always printed, not a failure: banners such as "replaying ...". */
void p_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Printed with -v only. */
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void errors__set_verbose(bool verbose);
bool errors__verbose(void);
/*
 * --json: the errors of a run that fails are also given to the program
 * reading stdout, as its last line, {"error":{...}} (man page, JSON
 * OUTPUT).  stderr keeps its lines for people and journals.  Set after the
 * command line is parsed; errors__json_finish() is called once, at exit,
 * when nothing else writes to stdout any more.
 */
void errors__set_json(bool json);
void errors__json_finish(const char *command, int status);

#endif /* OOMREAP_ERRORS_H */
