// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/errors.h"
#include "io/fdio.h"
#include "live/privdrop.h"
#include "options.h"
#include "report/time.h"
#include "pipeline/session.h"
#include "sinks/textfile.h"

const char *argp_program_version = "oomreap-trace " OOMREAP_VERSION;
const char *argp_program_bug_address = "the oomreap-trace issue tracker";

static const char doc[] =
	"Trace the Linux OOM killer and the OOM reaper: for each victim, how long "
	"the reaper took, how often its mmap_lock trylock failed, and the memory "
	"it freed.\v"
	"COMMANDS\n"
	"  (none)   trace live until SIGINT/SIGTERM or --duration\n"
	"  probe    print the kernel features found and the attach plan\n"
	"  replay FILE...  run a recording (--record) through the tracker again\n"
	"  report FILE...  write a postmortem of a recording (Markdown or HTML)\n\n"
	"EXAMPLES\n"
	"  oomreap-trace                      # one line per finished incident\n"
	"  oomreap-trace --json | jq .        # JSON Lines with full timelines\n"
	"  oomreap-trace --cgroup /kubepods   # only victims in that memcg subtree\n"
	"  oomreap-trace probe                # what this kernel allows\n"
	"  oomreap-trace --prom-textfile /var/lib/prometheus/node-exporter/oomreap.prom\n"
	"                                     # for node_exporter; SIGHUP rewrites\n"
	"  oomreap-trace --record /var/tmp/oom.oomrec   # keep the events for later\n"
	"  oomreap-trace replay /var/tmp/oom.oomrec --json\n"
	"  oomreap-trace report /var/tmp/oom.oomrec --format html -o oom.html\n\n"
	"Exit status: 0 ok, 1 runtime error, 2 usage, 3 missing privileges,\n"
	"4 kernel unsupported.";

static const char args_doc[] = "[probe]\nreplay FILE...\nreport FILE...";

enum {
	OPT_ATTACH = 0x100,
	OPT_BTF,
	OPT_NO_SUMMARY,
	OPT_MAX_OPEN,
	OPT_NO_BLOCKERS,
	OPT_USER,
	OPT_PROM_TEXTFILE,
	OPT_INTERVAL,
	OPT_PROM_CGROUP_LABELS,
	OPT_RECORD,
	OPT_RECORD_MAX_SIZE,
	OPT_NO_KMSG,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_FORMAT,
	OPT_KMSG,
	OPT_KILLER,
	OPT_KILLER_CGROUP,
	OPT_MRELEASE,
	OPT_PIN,
	OPT_UNPIN,
	OPT_RING_SIZE,
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
	{ "user", OPT_USER, "USER", 0,
	  "once attached, run as USER instead of root: a name, or UID[:GID] taken as is "
	  "without a passwd lookup (the only form a static build, as in the container "
	  "image, can use); every capability is dropped in any case", 0 },
	{ "killer", OPT_KILLER, "NAME=PATH", 0,
	  "also a memory killer: signals sent by a process running the file at PATH (its "
	  "device and inode, taken at start) are its kills; repeatable, beside the defaults "
	  "(earlyoom, systemd-oomd, oomd at their Debian paths)", 0 },
	{ "killer-cgroup", OPT_KILLER_CGROUP, "NAME=CGROUP", 0,
	  "also a memory killer: signals sent by a process in the cgroup (v2) CGROUP, as "
	  "/proc/PID/cgroup's \"0::\" line names it (/hostcritical.slice/nohang.service, Debian's), are its "
	  "kills; for a killer written in a script language, whose processes run its "
	  "interpreter; only a cgroup no unprivileged process can join; followed as its unit "
	  "restarts; repeatable", 0 },
	{ "ring-size", OPT_RING_SIZE, "SIZE", 0,
	  "the BPF ring buffer's size (default 1M; K, M, G suffixes; a power of two, at least "
	  "a page): what a storm or a restart's gap can queue before events are lost "
	  "(counted)", 0 },
	{ "mrelease", OPT_MRELEASE, NULL, 0,
	  "time process_mrelease(2) calls through the syscall tracepoints (slows every "
	  "system call of the machine a little while attached)", 0 },
	{ NULL, 0, NULL, 0, "Prometheus (node_exporter textfile collector):", 1 },
	{ "prom-textfile", OPT_PROM_TEXTFILE, "PATH", 0,
	  "keep metrics in PATH (atomic rename; a symlink at PATH is refused, not followed)",
	  1 },
	{ "interval", OPT_INTERVAL, "SEC", 0, "rewrite PATH every SEC seconds (default 15)", 1 },
	{ "prom-cgroup-labels", OPT_PROM_CGROUP_LABELS, "MAX", OPTION_ARG_OPTIONAL,
	  "also count per victim cgroup (labels cgroup, container_id, pod_uid), at most MAX "
	  "distinct cgroups (default 64), the rest as cgroup=\"other\"", 1 },
	{ NULL, 0, NULL, 0, "Recording (see replay and report):", 2 },
	{ "record", OPT_RECORD, "FILE", 0,
	  "also store every event in FILE (created, never overwritten or followed if a "
	  "symlink; mode 0600)", 2 },
	{ "record-max-size", OPT_RECORD_MAX_SIZE, "SIZE", 0,
	  "go on in FILE.1, FILE.2, ... when a file would pass SIZE bytes (K, M, G suffixes)",
	  2 },
	{ "pin", OPT_PIN, "DIR", 0,
	  "keep the programs attached and their maps pinned in DIR (on bpffs) across restarts; "
	  "the next start with DIR adopts them and the incidents in flight (root)", 1 },
	{ "unpin", OPT_UNPIN, "DIR", 0, "remove what --pin DIR pinned, and exit", 1 },
	{ "no-kmsg", OPT_NO_KMSG, NULL, 0,
	  "do not read /dev/kmsg: no kernel log in the recording, and no OOM context from it", 2 },
	{ NULL, 0, NULL, 0, "report:", 3 },
	{ "format", OPT_FORMAT, "md|html", 0, "Markdown (default) or a self-contained HTML page", 3 },
	{ "output", 'o', "FILE", 0,
	  "write to FILE (replaced atomically; a symlink is refused) instead of stdout", 3 },
	{ "since", OPT_SINCE, "TIME", 0,
	  "only kills from TIME: " REPORT_TIME_FORMS, 3 },
	{ "until", OPT_UNTIL, "TIME", 0, "only kills up to TIME (same forms)", 3 },
	{ "kmsg", OPT_KMSG, "FILE", 0,
	  "quote the kernel log from FILE (dmesg, journalctl -k -o short-monotonic, or a "
	  "/dev/kmsg dump) instead of the recorded one", 3 },
	{},
};

/*
 * Which commands each option does something in.  Any other use is refused
 * with the usage error: an option silently ignored reads as if it had
 * been honoured (report --json, replay --duration).
 */
#define IN_TRACE (1u << CMD_TRACE)
#define IN_PROBE (1u << CMD_PROBE)
#define IN_REPLAY (1u << CMD_REPLAY)
#define IN_REPORT (1u << CMD_REPORT)

static const struct {
	int key;
	unsigned in;
} scope[] = {
	{ 'j', IN_TRACE | IN_REPLAY },
	{ 'v', IN_TRACE | IN_PROBE | IN_REPLAY },
	{ 'p', IN_TRACE | IN_REPLAY | IN_REPORT },
	{ 'c', IN_TRACE | IN_REPLAY | IN_REPORT },
	{ 'd', IN_TRACE },
	{ OPT_ATTACH, IN_TRACE | IN_PROBE },
	{ OPT_BTF, IN_TRACE | IN_PROBE },
	{ OPT_NO_SUMMARY, IN_TRACE | IN_REPLAY },
	{ OPT_NO_BLOCKERS, IN_TRACE | IN_PROBE }, /* replay shows what was recorded */
	{ OPT_MAX_OPEN, IN_TRACE | IN_REPLAY | IN_REPORT },
	{ OPT_USER, IN_TRACE },
	{ OPT_PROM_TEXTFILE, IN_TRACE | IN_REPLAY },
	{ OPT_INTERVAL, IN_TRACE }, /* replay writes its metrics once */
	{ OPT_PROM_CGROUP_LABELS, IN_TRACE | IN_REPLAY },
	{ OPT_RECORD, IN_TRACE },
	{ OPT_RECORD_MAX_SIZE, IN_TRACE },
	{ OPT_NO_KMSG, IN_TRACE },
	{ OPT_PIN, IN_TRACE },
	{ OPT_UNPIN, IN_TRACE },
	{ OPT_RING_SIZE, IN_TRACE },
	{ OPT_FORMAT, IN_REPORT },
	{ 'o', IN_REPORT },
	{ OPT_SINCE, IN_REPORT },
	{ OPT_UNTIL, IN_REPORT },
	{ OPT_KMSG, IN_REPORT },
	{ OPT_KILLER, IN_TRACE },
	{ OPT_KILLER_CGROUP, IN_TRACE },
	{ OPT_MRELEASE, IN_TRACE },
};
_Static_assert(sizeof(scope) / sizeof(scope[0]) <= 64, "env.opts_given has 64 bits");

static const char *const command_names[] = {
	[CMD_TRACE] = "live tracing",
	[CMD_PROBE] = "probe",
	[CMD_REPLAY] = "replay",
	[CMD_REPORT] = "report",
};

static int scope_index(int key)
{
	for (size_t i = 0; i < sizeof(scope) / sizeof(scope[0]); i++)
		if (scope[i].key == key)
			return (int)i;
	return -1;
}

/* "--json" for 'j': the name the user most likely typed. */
static const char *option_name(int key, char *buf, size_t len)
{
	for (const struct argp_option *o = opts; o->name || o->key || o->doc; o++)
		if (o->name && o->key == key) {
			snprintf(buf, len, "--%s", o->name);
			return buf;
		}
	snprintf(buf, len, "-%c", key);
	return buf;
}

/* Each option given where it does nothing: the usage error, naming where it does. */
static void refuse_out_of_scope(struct argp_state *state)
{
	const struct env *env = state->input;

	for (size_t i = 0; i < sizeof(scope) / sizeof(scope[0]); i++) {
		char name[40], where[80] = "";
		unsigned c;

		if (!(env->opts_given & (UINT64_C(1) << i)) || (scope[i].in & (1u << env->command)))
			continue;
		for (c = 0; c < sizeof(command_names) / sizeof(command_names[0]); c++)
			if (scope[i].in & (1u << c))
				snprintf(where + strlen(where), sizeof(where) - strlen(where), "%s%s",
					 where[0] ? ", " : "", command_names[c]);
		argp_error(state, "%s does nothing in %s: it is for %s",
			   option_name(scope[i].key, name, sizeof(name)), command_names[env->command],
			   where);
	}
}

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

/* "64M" -> 67108864: K, M, G are powers of 1024. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	else if (*end)
		return -EINVAL;
	if (*end && end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
		return -EINVAL;
	if (v > (UINT64_MAX >> 1) >> shift)
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static void check_time(struct argp_state *state, const char *opt, const char *arg)
{
	int64_t ns;
	bool rel;

	if (report__parse_time(arg, &ns, &rel))
		argp_error(state,
			   "invalid %s '%s': want " REPORT_TIME_FORMS, opt, arg);
}

/*
 * A window that ends before it starts selects nothing: a mistake, said as
 * one.  Two times of the same kind compare here; a relative and an
 * absolute one only against the recording's start (cmd_report.c).
 */
static void check_window(struct argp_state *state, const char *since, const char *until)
{
	int64_t s_ns, u_ns;
	bool s_rel, u_rel;

	if (!since || !until || report__parse_time(since, &s_ns, &s_rel) ||
	    report__parse_time(until, &u_ns, &u_rel) || s_rel != u_rel)
		return;
	if (s_ns > u_ns)
		argp_error(state, "--since '%s' is after --until '%s'", since, until);
}

/*
 * An output that is an input would replace the recording (or the kernel
 * log) it is made from: refused before anything is read or written.
 */
static void refuse_input_as_output(struct argp_state *state, const char *out)
{
	struct env *env = state->input;

	if (!out || !strcmp(out, "-"))
		return;
	for (int i = 0; i < env->nfiles; i++)
		if (fdio__same_file(out, env->files[i]))
			argp_error(state, "%s is the input %s: writing it would destroy the recording",
				   out, env->files[i]);
	if (env->kmsg_path && fdio__same_file(out, env->kmsg_path))
		argp_error(state, "%s is the input %s: writing it would destroy the kernel log", out,
			   env->kmsg_path);
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct env *env = state->input;
	int given = scope_index(key);
	uint64_t v;

	if (given >= 0)
		env->opts_given |= UINT64_C(1) << given;
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
	case OPT_KILLER: {
		const char *eq = strchr(arg, '=');

		if (!eq || eq == arg || (size_t)(eq - arg) >= 16 || eq[1] != '/')
			argp_error(state, "invalid --killer '%s' (NAME=/ABSOLUTE/PATH, NAME at most "
					  "15 bytes)", arg);
		if (env->nkillers >= ENV_MAX_KILLERS)
			argp_error(state, "too many --killer (at most %d)", ENV_MAX_KILLERS);
		env->killers[env->nkillers++] = arg;
		break;
	}
	case OPT_KILLER_CGROUP:
		/* checked whole by live/killer_cgroups.c, with the line that says why */
		if (env->nkiller_cgroups >= ENV_MAX_KILLERS)
			argp_error(state, "too many --killer-cgroup (at most %d)", ENV_MAX_KILLERS);
		env->killer_cgroups[env->nkiller_cgroups++] = arg;
		break;
	case OPT_MRELEASE:
		env->mrelease = true;
		break;
	case OPT_MAX_OPEN:
		/* a whole incident per slot, touched only when used: cap the worst case */
		if (parse_u64(arg, 65536, &v) || v == 0)
			argp_error(state, "invalid --max-open '%s'", arg);
		env->max_open = (uint32_t)v;
		break;
	case OPT_USER: {
		uid_t uid;
		gid_t gid;

		if (!*arg || privdrop__parse_ids(arg, &uid, &gid) < 0)
			argp_error(state, "invalid --user '%s' (a name, UID or UID:GID)", arg);
		env->user = arg;
		break;
	}
	case OPT_PROM_TEXTFILE:
		if (textfile__check_path(arg))
			argp_error(state, "invalid --prom-textfile '%s': a file name is needed", arg);
		env->prom_textfile = arg;
		break;
	case OPT_INTERVAL:
		if (parse_u64(arg, 86400, &v) || v == 0)
			argp_error(state, "invalid --interval '%s' (whole seconds, 1 to 86400)", arg);
		env->interval_s = (uint32_t)v;
		break;
	case OPT_PROM_CGROUP_LABELS:
		v = PROM_CGROUP_CAP_DEFAULT;
		if (arg && (parse_u64(arg, 10000, &v) || v == 0))
			argp_error(state, "invalid --prom-cgroup-labels '%s' (1 to 10000)", arg);
		env->prom_cgroup_cap = (uint32_t)v;
		break;
	case OPT_RECORD:
		if (!*arg)
			argp_error(state, "invalid --record '': a file name is needed");
		env->record_path = arg;
		break;
	case OPT_RECORD_MAX_SIZE:
		v = 0;
		if (parse_size(arg, &v) || v < 65536)
			argp_error(state, "invalid --record-max-size '%s' (at least 64K)", arg);
		env->record_max_bytes = v;
		break;
	case OPT_NO_KMSG:
		env->no_kmsg = true;
		break;
	case OPT_RING_SIZE: {
		/* the kernel's rule for a BPF ring buffer: a power of two, page-aligned */
		uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

		v = 0;
		if (parse_size(arg, &v) || v < page || v > RING_SIZE_MAX || (v & (v - 1)))
			argp_error(state, "invalid --ring-size '%s' (a power of two from %lluK to 1G)",
				   arg, (unsigned long long)page >> 10);
		env->ring_bytes = (uint32_t)v;
		break;
	}
	case OPT_PIN:
	case OPT_UNPIN:
		if (!arg[0])
			argp_error(state, "%s: an empty directory name", key == OPT_PIN ? "--pin" : "--unpin");
		if (key == OPT_PIN)
			env->pin_dir = arg;
		else
			env->unpin_dir = arg;
		if (env->pin_dir && env->unpin_dir)
			argp_error(state, "--pin and --unpin together: one or the other");
		break;
	case OPT_FORMAT:
		if (!strcmp(arg, "html"))
			env->report_html = true;
		else if (strcmp(arg, "md") && strcmp(arg, "markdown"))
			argp_error(state, "invalid --format '%s': md or html", arg);
		break;
	case 'o':
		if (!*arg)
			argp_error(state, "invalid --output ''");
		env->output = arg;
		break;
	case OPT_SINCE:
		check_time(state, "--since", arg);
		env->since = arg;
		break;
	case OPT_UNTIL:
		check_time(state, "--until", arg);
		env->until = arg;
		break;
	case OPT_KMSG:
		env->kmsg_path = arg;
		break;
	case ARGP_KEY_END:
		if ((env->command == CMD_REPLAY || env->command == CMD_REPORT) && !env->nfiles)
			argp_error(state, "%s needs a recording: %s FILE...",
				   env->command == CMD_REPLAY ? "replay" : "report",
				   env->command == CMD_REPLAY ? "replay" : "report");
		refuse_out_of_scope(state);
		if (!env->record_path && env->record_max_bytes)
			argp_error(state, "--record-max-size needs --record");
		check_window(state, env->since, env->until);
		if (!env->prom_textfile && (env->interval_s || env->prom_cgroup_cap))
			argp_error(state, "--interval and --prom-cgroup-labels need --prom-textfile");
		if (!env->interval_s)
			env->interval_s = PROM_INTERVAL_DEFAULT_S;
		refuse_input_as_output(state, env->output);
		refuse_input_as_output(state, env->prom_textfile);
		break;
	case ARGP_KEY_ARG:
		if (state->arg_num == 0 && !strcmp(arg, "probe"))
			env->command = CMD_PROBE;
		else if (state->arg_num == 0 && !strcmp(arg, "replay"))
			env->command = CMD_REPLAY;
		else if (state->arg_num == 0 && !strcmp(arg, "report"))
			env->command = CMD_REPORT;
		else if (state->arg_num > 0 &&
			 (env->command == CMD_REPLAY || env->command == CMD_REPORT)) {
			const char **files = realloc(env->files, (size_t)(env->nfiles + 1) *
									sizeof(*files));

			if (!files)
				argp_failure(state, EXIT_RUNTIME, ENOMEM, "too many files");
			env->files = files;
			env->files[env->nfiles++] = arg;
		} else
			argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

void options__session(const struct env *env, const char *kernel, struct session_opts *so)
{
	*so = (struct session_opts){ .pid = env->pid,
				     .cgroup = env->cgroup,
				     .max_open = env->max_open,
				     .json = env->json,
				     .verbose = env->verbose,
				     .no_summary = env->no_summary,
				     .prom_textfile = env->prom_textfile,
				     .interval_s = env->interval_s,
				     .prom_cgroup_cap = env->prom_cgroup_cap,
				     .kernel = kernel,
				     .replay = env->command == CMD_REPLAY };
}

void options__free(struct env *env)
{
	free(env->files);
	env->files = NULL;
	env->nfiles = 0;
}

int options__parse(int argc, char **argv, struct env *env)
{
	static const struct argp argp = { opts, parse_arg, args_doc, doc, NULL, NULL, NULL };

	memset(env, 0, sizeof(*env));
	/*
	 * getopt, under argp, names the program by argv[0] in its errors
	 * ("/usr/local/sbin/oomreap-trace: unrecognized option"): the basename,
	 * as every other message has it.
	 */
	if (argc > 0 && argv[0] && strrchr(argv[0], '/') && strrchr(argv[0], '/')[1])
		argv[0] = strrchr(argv[0], '/') + 1;
	/* argp_error() exits with argp_err_exit_status. */
	argp_err_exit_status = EXIT_USAGE;
	return argp_parse(&argp, argc, argv, 0, NULL, env) ? EXIT_USAGE : 0;
}
