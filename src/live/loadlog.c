// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "live/loadlog.h"

/* The verifier's closing statistics and libbpf's framing: never the reason. */
static bool statistics(const char *line, size_t n)
{
	static const char *const prefixes[] = {
		"processed ", "verification time ", "stack depth ", "-- ",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (n >= strlen(prefixes[i]) && !strncmp(line, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* line[0..n) into buf, control characters as '?' (the log is the kernel's text). */
static void copy_line(char *buf, size_t len, const char *line, size_t n)
{
	size_t i;

	if (n >= len)
		n = len - 1;
	for (i = 0; i < n; i++)
		buf[i] = (line[i] < 0x20 || line[i] == 0x7f) ? '?' : line[i];
	buf[n] = 0;
}

/* The line around at, its trailing blanks cut: start and length. */
static size_t line_at(const char *log, const char *at, const char **start)
{
	const char *b = at, *e;
	size_t n;

	while (b > log && b[-1] != '\n')
		b--;
	e = strchr(at, '\n');
	n = e ? (size_t)(e - b) : strlen(b);
	while (n && (b[n - 1] == ' ' || b[n - 1] == '\r' || b[n - 1] == '\t'))
		n--;
	*start = b;
	return n;
}

void loadlog__reason(const char *log, char *buf, size_t len)
{
	const char *p, *eol, *line, *last = NULL;
	size_t n, last_n = 0;

	if (!len)
		return;
	buf[0] = 0;
	if (!log)
		return;
	/* libbpf's word on a CO-RE relocation it could not resolve comes first */
	p = strstr(log, "failed to resolve CO-RE relocation");
	if (p) {
		n = line_at(log, p, &line);
		copy_line(buf, len, line, n);
		return;
	}
	for (p = log; p && *p; p = eol ? eol + 1 : NULL) {
		eol = strchr(p, '\n');
		n = line_at(log, p, &line);
		if (n && !statistics(line, n)) {
			last = line;
			last_n = n;
		}
	}
	if (last)
		copy_line(buf, len, last, last_n);
}
