// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/incident.h"
#include "io/errors.h"
#include "io/fdio.h"

/* Set once from the command line before anything runs; read-only after. */
static bool verbose_enabled;
static bool json_enabled;

/*
 * --json: the first errors of the run, kept for errors__json_finish().  The
 * first is the cause; what follows is mostly its consequences, so a few
 * are kept and the rest counted.
 */
#define JSON_ERRORS_KEPT 4
static char json_errors[JSON_ERRORS_KEPT][1024];
static unsigned int json_errors_n;
static uint64_t json_errors_dropped;

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
static void say(bool error, const char *fmt, va_list ap)
{
	char line[4096];
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (error && json_enabled) {
		if (json_errors_n >= JSON_ERRORS_KEPT)
			json_errors_dropped++;
		else
			incident__escape_buf(json_errors[json_errors_n++], sizeof(json_errors[0]),
					     ESCAPE_JSON, n < 0 ? "(message lost: bad format)" : line,
					     sizeof(line));
	}
	/*
	 * One write per line: stderr is unbuffered, and escaping straight to
	 * it wrote a byte at a time (a few milliseconds of system calls per
	 * line under emulation, on the start-up path), and let another
	 * thread's line land inside this one.
	 */
	static const char prefix[] = "oomreap-trace: ";
	char out[sizeof(prefix) + 4 * sizeof(line) + 2];
	size_t len = sizeof(prefix) - 1;

	memcpy(out, prefix, len);
	if (n < 0)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s",
					"(message lost: bad format)");
	else
		len += incident__escape_buf(out + len, sizeof(out) - len - 1, ESCAPE_TEXT, line,
					    sizeof(line));
	out[len++] = '\n';
	fwrite(out, 1, len, stderr);
}

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(true, fmt, ap);
	va_end(ap);
}

void p_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(false, fmt, ap);
	va_end(ap);
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	if (!verbose_enabled)
		return;
	va_start(ap, fmt);
	say(false, fmt, ap);
	va_end(ap);
}

void errors__set_json(bool json)
{
	json_enabled = json;
}

/*
 * The last line of a failed --json run.  stdout may be a pipe nobody reads
 * any more: the line is written only if it fits now (one second's wait),
 * never blocking the exit, and a closed pipe (EPIPE, SIGPIPE ignored) is
 * nothing more to say.
 */
void errors__json_finish(const char *command, int status)
{
	char line[sizeof(json_errors) + 256];
	struct pollfd pfd = { .fd = STDOUT_FILENO, .events = POLLOUT };
	size_t len = 0;
	unsigned int i;

	if (!json_enabled || status == EXIT_OK)
		return;
	fflush(stdout);
	len += (size_t)snprintf(line + len, sizeof(line) - len,
				"{\"error\":{\"command\":\"%s\",\"exit_status\":%d,\"messages\":[",
				command, status);
	for (i = 0; i < json_errors_n && len < sizeof(line); i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s\"%s\"", i ? "," : "",
					json_errors[i]);
	if (len < sizeof(line))
		len += (size_t)snprintf(line + len, sizeof(line) - len,
					"],\"messages_dropped\":%" PRIu64 "}}\n", json_errors_dropped);
	if (len >= sizeof(line))
		return; /* cannot happen: the buffer holds every kept message */
	if (poll(&pfd, 1, 1000) != 1 || !(pfd.revents & POLLOUT))
		return;
	(void)fdio__write_all(STDOUT_FILENO, line, len); /* a failure here has no one to tell */
}
