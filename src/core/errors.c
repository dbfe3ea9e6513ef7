// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>

#include "core/errors.h"
#include "core/incident.h"

/* Set once from the command line before anything runs; read-only after. */
static bool verbose_enabled;

void errors__set_verbose(bool verbose)
{
	verbose_enabled = verbose;
}

bool errors__verbose(void)
{
	return verbose_enabled;
}

/*
 * Messages quote file names, and strings read from recordings and kernel
 * logs (a hostname, a kernel release, a reader's complaint about a field):
 * the whole line goes through the terminal escaper, so that no ESC
 * sequence or newline from a file reaches the terminal and every message
 * stays one line.  Our own text is printable ASCII and passes unchanged.
 */
static void say(const char *fmt, va_list ap)
{
	char line[4096];
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	fputs("oomreap-trace: ", stderr);
	if (n < 0)
		fputs("(message lost: bad format)", stderr);
	else
		incident__escape(stderr, ESCAPE_TEXT, line, sizeof(line));
	fputc('\n', stderr);
}

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

void p_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	if (!verbose_enabled)
		return;
	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}
