// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "options.h"

const char *argp_program_version = "oomreap-trace " OOMREAP_VERSION;
const char *argp_program_bug_address = "the oomreap-trace issue tracker";

static const char doc[] =
	"Trace the Linux OOM killer and the OOM reaper: for each victim, how long "
	"the reaper took, how often its mmap_lock trylock failed, and how much "
	"memory it freed.\v"
	"COMMANDS\n"
	"  (none)   trace live until SIGINT/SIGTERM or --duration\n"
	"  probe    print the kernel features found and the attach plan\n\n"
	"EXAMPLES\n"
	"  oomreap-trace                      # one line per finished incident\n"
	"  oomreap-trace --json | jq .        # JSON Lines with full timelines\n"
	"  oomreap-trace --cgroup /kubepods   # only victims in that memcg subtree\n"
	"  oomreap-trace probe                # what this kernel allows\n\n"
	"Exit status: 0 ok, 1 runtime error, 2 usage, 3 missing privileges, "
	"4 kernel unsupported.";

static const char args_doc[] = "[probe]";

enum {
	OPT_ATTACH = 0x100,
	OPT_BTF,
	OPT_NO_SUMMARY,
	OPT_MAX_OPEN,
	OPT_NO_BLOCKERS,
};

static const struct argp_option opts[] = {
	{ "json", 'j', NULL, 0, "JSON Lines output, one object per incident", 0 },
	{ "verbose", 'v', NULL, 0, "print every raw event and libbpf's messages", 0 },
	{ "pid", 'p', "PID", 0, "only victims with this pid or tgid", 0 },
	{ "cgroup", 'c', "PATH", 0,
	  "only victims whose memory cgroup is PATH or below it (path relative to the "
	  "controller's mount, e.g. /system.slice)", 0 },
	{ "duration", 'd', "SEC", 0, "stop after SEC seconds", 0 },
	{ "attach", OPT_ATTACH, "RUNG", 0, "auto (default), fentry, kprobe or tracepoint", 0 },
	{ "btf", OPT_BTF, "FILE", 0, "kernel BTF to use instead of /sys/kernel/btf/vmlinux", 0 },
	{ "no-summary", OPT_NO_SUMMARY, NULL, 0, "no summary at exit", 0 },
	{ "no-blockers", OPT_NO_BLOCKERS, NULL, 0,
	  "do not name the mmap_lock holder and waiters at failed trylocks", 0 },
	{ "max-open", OPT_MAX_OPEN, "N", 0, "bound on incidents tracked at once (default 1024)",
	  0 },
	{},
};

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct env *env = state->input;
	uint64_t v;

	switch (key) {
	case 'j':
		env->json = true;
		break;
	case 'v':
		env->verbose = true;
		break;
	case 'p':
		if (parse_u64(arg, INT_MAX, &v) || v == 0)
			argp_error(state, "invalid pid '%s'", arg);
		env->pid = (uint32_t)v;
		break;
	case 'c':
		if (arg[0] != '/')
			argp_error(state, "cgroup path must start with '/': '%s'", arg);
		env->cgroup = arg;
		break;
	case 'd':
		if (parse_u64(arg, 365ull * 24 * 3600, &v) || v == 0)
			argp_error(state, "invalid duration '%s' (whole seconds > 0)", arg);
		env->duration_s = v;
		break;
	case OPT_ATTACH:
		if (rung__parse(arg, &env->attach))
			argp_error(state, "invalid --attach '%s': auto, fentry, kprobe or tracepoint",
				   arg);
		break;
	case OPT_BTF:
		env->btf_path = arg;
		break;
	case OPT_NO_SUMMARY:
		env->no_summary = true;
		break;
	case OPT_NO_BLOCKERS:
		env->no_blockers = true;
		break;
	case OPT_MAX_OPEN:
		/* ~6 KiB per slot, touched only when used: cap the worst case */
		if (parse_u64(arg, 65536, &v) || v == 0)
			argp_error(state, "invalid --max-open '%s'", arg);
		env->max_open = (uint32_t)v;
		break;
	case ARGP_KEY_ARG:
		if (state->arg_num == 0 && !strcmp(arg, "probe"))
			env->command = CMD_PROBE;
		else
			argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int options__parse(int argc, char **argv, struct env *env)
{
	static const struct argp argp = { opts, parse_arg, args_doc, doc, NULL, NULL, NULL };

	memset(env, 0, sizeof(*env));
	/* argp_error() exits with argp_err_exit_status. */
	argp_err_exit_status = EXIT_USAGE;
	return argp_parse(&argp, argc, argv, 0, NULL, env) ? EXIT_USAGE : 0;
}
