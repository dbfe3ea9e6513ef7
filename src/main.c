// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * oomreap-trace: the OOM killer's victims and what the OOM reaper did with
 * them.  main() only wires the stages together: options -> features ->
 * attach ladder -> consumer (ring buffer -> tracker -> sinks).
 */
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "live/attach.h"
#include "live/consumer.h"
#include "core/errors.h"
#include "live/kbtf.h"
#include "live/kfeatures.h"
#include "options.h"
#include "live/privdrop.h"
#include "replay_cmd.h"
#include "rec/record.h"
#include "sinks/sink_record.h"
#include "core/timefmt.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's own dump is for -v; errors reach the user as one line of ours */
	if (!errors__verbose() || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static bool has_cap(const struct __user_cap_data_struct data[2], int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

/* Loading and attaching needs CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN. */
static int check_privileges(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data)) {
		p_err("cannot read own capabilities: %s", strerror(errno));
		return EXIT_PRIVILEGE;
	}
	if (has_cap(data, CAP_SYS_ADMIN) || (has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON)))
		return 0;
	p_err("missing capabilities CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN): run as root");
	return EXIT_PRIVILEGE;
}

/*
 * The CO-RE target subset of the BTF the features were read from
 * (src/live/corebtf.c): built while that BTF is parsed anyway, so that loading
 * the object does not scan the whole kernel BTF per relocated type.
 * OOMREAP_FULL_CORE_BTF=1 relocates against the whole BTF instead (the
 * tests compare the two).
 */
struct core_btf {
	int fd;         /* memfd, -1 when not built */
	char path[32];  /* "/proc/self/fd/N" */
};

static void core_btf__build(struct core_btf *core, const struct kbtf *btf)
{
	const char *full = getenv("OOMREAP_FULL_CORE_BTF");

	core->fd = -1;
	if (full && !strcmp(full, "1"))
		return;
	core->fd = attach__core_btf(btf, core->path, sizeof(core->path));
	if (core->fd < 0)
		p_info("CO-RE subset BTF not built (%s): relocating against the whole BTF",
		       strerror(-core->fd));
}

static void core_btf__close(struct core_btf *core)
{
	if (core->fd >= 0)
		close(core->fd);
	core->fd = -1;
}

static struct attach_opts attach_opts_of(const struct env *env, const struct core_btf *core,
					 enum rung want)
{
	struct attach_opts o = { .want = want,
				 .blockers = !env->no_blockers,
				 .user_btf = env->btf_path != NULL,
				 .core_btf_path = core->fd >= 0 ? core->path : env->btf_path };

	return o;
}

static int probe_features(const struct env *env, struct kernel_features *kf,
			  struct core_btf *core)
{
	struct kbtf btf;
	int err = kbtf__open(&btf, env->btf_path);

	if (err) {
		if (env->btf_path)
			p_err("cannot read BTF from %s: %s", env->btf_path, strerror(-err));
		else
			p_err("kernel BTF not available (%s): this kernel needs "
			      "CONFIG_DEBUG_INFO_BTF=y, or pass --btf FILE",
			      strerror(-err));
		return EXIT_UNSUPPORTED;
	}
	err = features__probe(kf, &btf);
	if (!err && kf->tp_mark_victim && kf->tp_reaper)
		core_btf__build(core, &btf);
	kbtf__close(&btf);
	if (err) {
		p_err("cannot read kernel features from BTF: %s", strerror(-err));
		return EXIT_UNSUPPORTED;
	}
	if (!kf->tp_mark_victim || !kf->tp_reaper) {
		p_err("kernel has no oom:mark_victim / oom reaper tracepoints (needs 4.13+)");
		return EXIT_UNSUPPORTED;
	}
	return 0;
}

/* `probe`: features, then each rung tried for real, then the auto plan. */
static int cmd_probe(const struct env *env, const struct kernel_features *kf,
		     const struct core_btf *core)
{
	struct attach_opts o;
	struct tracer tr;
	int r, status;

	features__print(stdout, kf);
	status = check_privileges();
	if (status)
		return status;
	printf("\n");
	for (r = RUNG_FENTRY; r < RUNG_NR; r++) {
		o = attach_opts_of(env, core, r);
		if (attach__start(&tr, kf, &o) == 0) {
			printf("rung %-10s usable\n", rung__name(r));
			attach__stop(&tr);
		} else {
			printf("rung %-10s rejected: %s\n", rung__name(r), tr.plan.rejected[r]);
		}
	}
	printf("\nplan (--attach=%s):\n", rung__name(env->attach));
	o = attach_opts_of(env, core, env->attach);
	if (attach__start(&tr, kf, &o)) {
		printf("no usable rung\n");
		return EXIT_UNSUPPORTED;
	}
	attach__print_plan(stdout, &tr.plan);
	if (env->verbose)
		attach__print_tags(stdout, &tr);
	attach__stop(&tr);
	return EXIT_OK;
}

static void print_rejections(const struct attach_plan *plan)
{
	int r;

	for (r = RUNG_FENTRY; r < RUNG_NR; r++)
		if (plan->rejected[r][0])
			p_err("%s: %s", rung__name(r), plan->rejected[r]);
}

static int cmd_trace(const struct env *env, const struct kernel_features *kf,
		     struct core_btf *core)
{
	struct attach_opts o = attach_opts_of(env, core, env->attach);
	struct session s = { .env = env };
	struct tracker_opts topts = { .max_open = env->max_open,
				      .on_close = session__on_incident,
				      .ctx = &s };
	int status, err;

	status = check_privileges();
	if (status)
		return status;
	err = attach__start(&s.tracer, kf, &o);
	core_btf__close(core); /* read at load time only */
	if (err) {
		p_err("cannot attach on %s rung%s", rung__name(env->attach),
		      env->attach == RUNG_AUTO ? "s" : "");
		print_rejections(&s.tracer.plan);
		/* privileges were checked above: a refusal now is the kernel's policy */
		return EXIT_UNSUPPORTED;
	}
	if (!env->no_blockers && !s.tracer.plan.blockers)
		p_err("blocker attribution off: %s", s.tracer.plan.blockers_why);
	s.tracker = tracker__new(&topts);
	if (!s.tracker) {
		p_err("out of memory");
		attach__stop(&s.tracer);
		return EXIT_RUNTIME;
	}
	s.rc.mono_to_real_ns = timefmt__mono_to_real_offset();
	s.rc.page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	s.rc.attach = rung__name(s.tracer.plan.rung);
	if (env->verbose)
		attach__print_plan(stderr, &s.tracer.plan);
	if (env->record_path) {
		char plan[OOMREC_PLAN_LEN];
		struct record_opts ro = { .path = env->record_path,
					  .max_bytes = env->record_max_bytes,
					  .kmsg = !env->no_kmsg,
					  .rung = (uint32_t)s.tracer.plan.rung,
					  .plan = plan,
					  .tracker = s.tracker };

		attach__plan_text(plan, sizeof(plan), &s.tracer.plan);
		/* First, so a refused FILE fails before anything is printed. */
		if (sink_record__open(&s.sinks[s.nsinks], &ro, &s.rc)) {
			tracker__free(s.tracker);
			attach__stop(&s.tracer);
			return EXIT_RUNTIME;
		}
		s.nsinks++;
	}
	if (session__open_outputs(&s, kf->release)) {
		session__close_sinks(&s);
		tracker__free(s.tracker);
		attach__stop(&s.tracer);
		return EXIT_RUNTIME;
	}
	if (env->prom_textfile)
		fprintf(stderr, "oomreap-trace: metrics to %s every %u s\n", env->prom_textfile,
			env->interval_s);
	/* Attached and every output open: nothing below needs privilege. */
	status = privdrop__session(&s);
	if (status) {
		session__close_sinks(&s);
		tracker__free(s.tracker);
		attach__stop(&s.tracer);
		return status;
	}
	fprintf(stderr, "oomreap-trace: ready (attach=%s, kernel %s)\n", s.rc.attach,
		kf->release);

	status = consumer__run(&s);

	if (!env->no_summary)
		summary__print(env->json ? stderr : stdout, &s.summary, &s.rc,
			       tracer__dropped(&s.tracer));
	if (tracer__dropped(&s.tracer))
		p_err("%llu events lost: ring buffer full",
		      (unsigned long long)tracer__dropped(&s.tracer));
	tracker__free(s.tracker);
	attach__stop(&s.tracer);
	err = session__close_sinks(&s);
	if (err && status == EXIT_OK) {
		p_err("cannot write output: %s", strerror(-err));
		status = EXIT_RUNTIME;
	}
	return status;
}

int main(int argc, char **argv)
{
	struct core_btf core = { .fd = -1 };
	struct kernel_features kf;
	struct env env;
	int status;

	status = options__parse(argc, argv, &env);
	if (status)
		return status;
	errors__set_verbose(env.verbose);
	libbpf_set_print(libbpf_print);
	/* A closed pipe must surface as a write error, not kill us silently. */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* Recordings need neither BTF nor privileges. */
	if (env.command == CMD_REPLAY)
		return cmd_replay(&env);
	if (env.command == CMD_REPORT)
		return cmd_report(&env);
	status = probe_features(&env, &kf, &core);
	if (status)
		return status;
	if (env.command == CMD_PROBE)
		status = cmd_probe(&env, &kf, &core);
	else
		status = cmd_trace(&env, &kf, &core);
	core_btf__close(&core);
	return status;
}
