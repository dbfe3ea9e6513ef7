// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * oomreap-trace: the OOM killer's victims and what the OOM reaper did with
 * them.  main() parses the command line, sets up what every command
 * shares, and runs the command from the table below (bpftool style: one
 * file per command, cmd_<name>.c).
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "commands.h"
#include "io/errors.h"
#include "options.h"

static int (*const commands[])(const struct env *env) = {
	[CMD_TRACE] = do_trace,
	[CMD_PROBE] = do_probe,
	[CMD_REPLAY] = do_replay,
	[CMD_REPORT] = do_report,
};

/* As the command line names them, for the --json error line. */
static const char *const command_words[] = {
	[CMD_TRACE] = "trace",
	[CMD_PROBE] = "probe",
	[CMD_REPLAY] = "replay",
	[CMD_REPORT] = "report",
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's own dump is for -v; errors reach the user as one line of ours */
	if (!errors__verbose() || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	struct env env;
	int status;

	status = options__parse(argc, argv, &env);
	if (status)
		return status;
	errors__set_verbose(env.verbose);
	errors__set_json(env.json);
	libbpf_set_print(libbpf_print);
	/* A closed pipe must surface as a write error, not kill us silently. */
	signal(SIGPIPE, SIG_IGN);
	/* Nor a file past `ulimit -f`: then write(2) fails with EFBIG, which is said. */
	signal(SIGXFSZ, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	status = commands[env.command](&env);
	errors__json_finish(command_words[env.command], status);
	options__free(&env);
	return status;
}
