// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>

#include "core/errors.h"

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

void p_err(const char *fmt, ...)
{
	va_list ap;

	fputs("oomreap-trace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	if (!verbose_enabled)
		return;
	fputs("oomreap-trace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
