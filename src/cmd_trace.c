// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Live tracing (no command word): features -> attach ladder -> session
 * (tracker and sinks) -> privilege drop -> the consumer until stopped.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "core/errors.h"
#include "core/incident.h"
#include "core/missed.h"
#include "core/oom_context.h"
#include "core/timefmt.h"
#include "live/attach.h"
#include "live/consumer.h"
#include "live/corebtf.h"
#include "live/features.h"
#include "live/percpu_offsets.h"
#include "live/pin.h"
#include "live/privdrop.h"
#include "live/sched_slice.h"
#include "rec/record.h"
#include "sinks/session.h"

static void print_rejections(const struct attach_plan *plan)
{
	int r;

	for (r = RUNG_FENTRY; r < RUNG_NR; r++)
		if (plan->rejected[r][0])
			p_err("%s: %s", rung__name(r), plan->rejected[r]);
}

struct per_cpu_job {
	struct percpu_offsets *t;
	int ncpus;
	long pptrs_off;
};

static void *find_per_cpu_table(void *arg)
{
	struct per_cpu_job *j = arg;

	percpu_offsets__find(j->t, j->ncpus, j->pptrs_off);
	return NULL;
}

/*
 * --pin DIR: adopt the set pinned there when it is this build's with these
 * options (nothing loaded, the links never detached), else replace it, said.
 * Returns 0 or an EXIT_* status, said; *adopted tells which.
 */
static int open_pins(const struct env *env, const struct kernel_features *kf,
		     const struct pin_want *want, struct pin_dir *pd, struct tracer *tr,
		     bool *adopted)
{
	char why[320];

	*adopted = false;
	if (pin__open(pd, env->pin_dir, want, why, sizeof(why))) {
		p_err("--pin %s", why);
		return EXIT_USAGE;
	}
	if (pd->found == PIN_OTHER) {
		p_note("%s: replacing the pinned set (%s): its programs detach", env->pin_dir,
		       pd->other_why);
		if (pin__clear(pd, why, sizeof(why))) {
			p_err("--pin %s", why);
			return EXIT_RUNTIME;
		}
	}
	if (pd->found != PIN_SAME)
		return EXIT_OK;
	if (pin__adopt(pd, tr, why, sizeof(why))) {
		p_err("--pin %s", why);
		return EXIT_RUNTIME;
	}
	tr->kprobe_missed_counted = kf->kprobe_missed_counted;
	*adopted = true;
	return EXIT_OK;
}

static int attach(const struct env *env, const struct kernel_features *kf,
		  const struct corebtf *core, struct tracer *tr, struct percpu_offsets *table,
		  struct pin_dir *pd)
{
	struct per_cpu_job job = { .t = table, .ncpus = (int)kf->rss_sum_cpus,
				   .pptrs_off = kf->bpf_array_pptrs_off };
	struct pin_want want = { .rung = env->attach, .blockers = !env->no_blockers,
				 .wake_every_event = env->verbose };
	struct attach_opts o;
	int status = privdrop__check(), failed;
	pthread_t th;
	bool looking, adopted = false;
	char why[320];

	if (status)
		return status;
	memset(tr, 0, sizeof(*tr));
	if (env->pin_dir && (status = open_pins(env, kf, &want, pd, tr, &adopted)))
		return status;
	attach__opts(&o, env->attach, !env->no_blockers, env->btf_path, core);
	o.wake_every_event = env->verbose;
	/*
	 * The RSS sums' per-CPU offsets (a BPF probe of each CPU, else a read
	 * of all of /proc/kallsyms): on another CPU, while the kernel verifies
	 * the programs, not after.
	 */
	looking = kf->rss_sum_cpus && !pthread_create(&th, NULL, find_per_cpu_table, &job);
	failed = adopted ? 0 : attach__start(tr, kf, &o);
	if (!failed && env->pin_dir && !adopted &&
	    (status = pin__publish(pd, tr, &want, why, sizeof(why)))) {
		if (status == -EOPNOTSUPP) {
			/* the kernel's limit: trace anyway, as without --pin, and say so */
			p_err("--pin %s: tracing without; a restart loses what happens meanwhile",
			      why);
			pin__close(pd);
		} else {
			p_err("--pin %s", why);
			if (looking)
				pthread_join(th, NULL);
			attach__stop(tr);
			return EXIT_RUNTIME;
		}
	}
	if (looking)
		pthread_join(th, NULL);
	if (!failed && kf->rss_sum_cpus) {
		if (!table->addr)
			p_info("RSS exact sums off: %s", table->why);
		else
			attach__set_rss_sum_table(tr, table->addr);
	}
	if (failed) {
		p_err("cannot attach on %s rung%s", rung__name(env->attach),
		      env->attach == RUNG_AUTO ? "s" : "");
		print_rejections(&tr->plan);
		/* privileges were checked above: a refusal now is the kernel's policy */
		return EXIT_UNSUPPORTED;
	}
	if (!env->no_blockers && !tr->plan.blockers)
		p_err("blocker attribution off: %s", tr->plan.blockers_why);
	return EXIT_OK;
}

static int open_record(const struct env *env, struct session *s, const struct tracer *tr)
{
	char plan[OOMREC_PLAN_LEN];
	struct record_opts ro = { .path = env->record_path,
				  .max_bytes = env->record_max_bytes,
				  .kmsg = s->kmsg_fd >= 0,
				  .rung = (uint32_t)tr->plan.rung,
				  .plan = plan,
				  .tracker = s->tracker };

	attach__plan_text(plan, sizeof(plan), &tr->plan);
	return session__open_record(s, &ro);
}

/*
 * Between "attached" and "ready": keep what later needs privilege (the
 * ring buffer's mapping; the kallsyms fd when blocker stacks may come),
 * resolve --user, drop.  Returns 0 or an EXIT_* status, said.
 */
static int drop_privileges(const struct env *env, struct session *s, struct consumer *c,
			   const struct tracer *tr)
{
	struct privdrop_target t = { .switch_user = false };
	const char *what = NULL;
	int err, fd;

	err = consumer__open(c, s, tr, env->duration_s);
	if (err) {
		p_err("cannot open the ring buffer: %s", strerror(-err));
		return EXIT_RUNTIME;
	}
	if (tr->plan.blockers) {
		fd = privdrop__open_kallsyms();
		if (fd >= 0)
			s->kallsyms_fd = fd; /* else: stacks print as addresses, as they would anyway */
	}
	if (env->user) {
		err = privdrop__lookup(env->user, &t);
		if (err) {
			p_err("--user %s: %s", env->user,
			      err == -ENOENT ? "no such user (names need a passwd database; "
					       "without one, as in the container image, "
					       "give UID[:GID])"
					     : strerror(-err));
			return EXIT_USAGE;
		}
	}
	err = privdrop__drop(&t, &what);
	if (err) {
		p_err("cannot drop privileges: %s failed: %s", what, strerror(-err));
		return EXIT_PRIVILEGE;
	}
	if (t.switch_user)
		p_info("running as uid %u gid %u, no capabilities", (unsigned)t.uid,
		       (unsigned)t.gid);
	else
		p_info("no capabilities left");
	return EXIT_OK;
}

/*
 * So that the wake-up at an incident's end runs the reader at once, even
 * behind a victim tearing its memory down on the same CPU (live/sched_slice.h).
 * A kernel that refuses or ignores it costs the line a few milliseconds at
 * worst: said with -v, not an error.
 */
static void ask_for_short_slice(void)
{
	enum slice_outcome o;
	int err;

	o = sched_slice__request(READER_SLICE_NS, &err);
	if (o == SLICE_FAILED)
		p_info("scheduler slice of %llu us: %s (%s)", READER_SLICE_NS / 1000,
		       sched_slice__outcome_name(o), strerror(err));
	else
		p_info("scheduler slice of %llu us: %s", READER_SLICE_NS / 1000,
		       sched_slice__outcome_name(o));
}

/* tracker__set_restart_mark(): an incident of the selection, its kill stamped before */
struct continued_ctx {
	const struct env *env;
	const struct pin_dir *pd;
};

static bool continued_here(const struct oomreap_incident *inc, void *arg)
{
	const struct continued_ctx *c = arg;

	return pin__stamped_before(c->pd, inc->victim_seq) &&
	       incident__selected(inc, c->env->pid, c->env->cgroup);
}

static int trace(const struct env *env, const struct kernel_features *kf, const struct tracer *tr,
		 struct pin_dir *pd)
{
	struct continued_ctx cc = { .env = env, .pd = pd };
	struct render_ctx rc = { .mono_to_real_ns = timefmt__mono_to_real_offset(),
				 .page_size = (uint64_t)sysconf(_SC_PAGESIZE),
				 .attach = rung__name(tr->plan.rung) };
	struct session_opts so;
	struct consumer c = { 0 };
	struct session s;
	int status;

	options__session(env, kf->release, &so);
	if (session__open(&s, &so, &rc))
		return EXIT_RUNTIME;
	if (env->verbose)
		attach__print_plan(stderr, &tr->plan);
	/*
	 * One reader of the kernel log, opened now (under dmesg_restrict it
	 * needs CAP_SYSLOG, gone after the drop), on every rung: for the OOM
	 * context oom_control does not give (the gfp mask and the trigger's
	 * line everywhere; all of it on the tracepoint rung), and for a
	 * recording.
	 */
	if (!env->no_kmsg)
		session__open_kmsg(&s);
	else
		session__use_kmsg(&s, NULL, CTX_WHY_LOG_NOT_READ);
	if ((env->record_path && open_record(env, &s, tr)) || session__open_outputs(&s))
		return session__close(&s, EXIT_RUNTIME);
	if (env->prom_textfile)
		p_note("metrics to %s every %u s", env->prom_textfile, env->interval_s);
	/* Attached and every output open: nothing below needs privilege. */
	status = drop_privileges(env, &s, &c, tr);
	if (!status) {
		ask_for_short_slice();
		/* before any event: the incidents the previous process handed over */
		if (env->pin_dir && pin__restore(pd, s.tracker))
			tracker__set_restart_mark(s.tracker, continued_here, &cc);
		p_note("ready (attach=%s, kernel %s)", rc.attach, kf->release);
		status = consumer__run(&c);
		/* drained: what is still open goes to the next process, not out as open */
		if (env->pin_dir)
			pin__save(pd, s.tracker);
		session__finish(&s, timefmt__mono_now(), attach__dropped(tr));
		if (attach__dropped(tr))
			p_err("%llu events lost: ring buffer full",
			      (unsigned long long)attach__dropped(tr));
		if (tracker__stats(s.tracker)->continued_unsaved)
			p_err("%llu incident%s continued from a process that stopped without "
			      "saving: %s start was read by it and lost with it (joined halfway)",
			      (unsigned long long)tracker__stats(s.tracker)->continued_unsaved,
			      tracker__stats(s.tracker)->continued_unsaved == 1 ? "" : "s",
			      tracker__stats(s.tracker)->continued_unsaved == 1 ? "its" : "their");
		if (missed__total(&tracker__stats(s.tracker)->missed))
			p_err("%llu events lost: runs of the BPF programs the kernel skipped",
			      (unsigned long long)missed__total(&tracker__stats(s.tracker)->missed));
	}
	consumer__close(&c);
	return session__close(&s, status);
}

int do_trace(const struct env *env)
{
	struct percpu_offsets table = { 0 }; /* the RSS sums' per-CPU offsets, while tracing */
	struct kernel_features kf;
	struct corebtf core;
	struct pin_dir pd = { .fd = -1, .state_fd = -1 };
	struct tracer tr;
	char why[320];
	int status;

	if (env->unpin_dir) {
		if (pin__unpin(env->unpin_dir, why, sizeof(why))) {
			p_err("--unpin %s", why);
			return EXIT_USAGE;
		}
		p_note("unpinned %s: its programs detached", env->unpin_dir);
		return EXIT_OK;
	}
	status = features__load(&kf, &core, env->btf_path, NULL);
	if (!status)
		status = attach(env, &kf, &core, &tr, &table, &pd);
	corebtf__close(&core); /* read at load time only */
	if (status) {
		pin__close(&pd);
		percpu_offsets__free(&table);
		return status;
	}
	status = trace(env, &kf, &tr, &pd);
	attach__stop(&tr);
	pin__close(&pd);
	percpu_offsets__free(&table);
	return status;
}
