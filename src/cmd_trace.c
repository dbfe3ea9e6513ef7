// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Live tracing (no command word): features -> attach ladder -> session
 * (tracker and sinks) -> privilege drop -> the consumer until stopped.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "commands.h"
#include "core/incident.h"
#include "core/missed.h"
#include "core/oom_context.h"
#include "core/timefmt.h"
#include "io/errors.h"
#include "live/attach.h"
#include "live/killer_cgroups.h"
#include "live/consumer.h"
#include "live/corebtf.h"
#include "live/features.h"
#include "live/percpu_offsets.h"
#include "live/pin.h"
#include "live/privdrop.h"
#include "live/sched_slice.h"
#include "rec/record.h"
#include "pipeline/session.h"

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
 * The memory killers whose signals are kills: the defaults where they are
 * installed, and every --killer (which must exist, and be no script).  A
 * killer is its executable's file, by device and inode: what a process
 * runs, never what it calls itself.
 */
static const char *const default_killers[] = {
	"earlyoom=/usr/bin/earlyoom",
	"systemd-oomd=/usr/lib/systemd/systemd-oomd",
	"oomd=/usr/bin/oomd",
};

/*
 * The file a killer runs, stat()ed through the fd it was opened as (a
 * symlink at the path leads to the file the kernel executes): 0, or
 * EINVAL (not a regular file), ENOEXEC (a script: the kernel runs its
 * interpreter, so its own file never matches a process's), or an errno.
 */
static int killer_file(const char *path, struct stat *st)
{
	char magic[2];
	int fd, err = 0;

	/* O_NONBLOCK: a FIFO put there is refused below, never waited on */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno;
	if (fstat(fd, st))
		err = errno;
	else if (!S_ISREG(st->st_mode))
		err = EINVAL;
	else if (read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) && magic[0] == '#' &&
		 magic[1] == '!')
		err = ENOEXEC;
	close(fd);
	return err;
}

/*
 * One killer into the signal program's map (tr), or, tr NULL, only into
 * *hash (FNV-1a of name, device, inode): what a pinned set must have been
 * loaded with to be adopted (live/pin.h, killers_hash).
 */
static int add_killer(struct tracer *tr, const char *spec, bool must_exist, uint64_t *hash)
{
	const char *eq = strchr(spec, '=');
	char name[16];
	struct stat st;
	uint32_t kdev;
	int err;

	if (!eq || (size_t)(eq - spec) >= sizeof(name))
		return EXIT_USAGE;
	memcpy(name, spec, (size_t)(eq - spec));
	name[eq - spec] = 0;
	err = killer_file(eq + 1, &st);
	if (err) {
		if (!must_exist)
			return EXIT_OK;
		p_err("--killer %s: %s", spec,
		      err == ENOEXEC ? "a script (#!): the kernel runs its interpreter, which is "
				       "what a process running it shows; name the interpreter only "
				       "if every process running that is a killer"
		      : err == EINVAL ? "not a regular file"
				      : strerror(err));
		return EXIT_USAGE;
	}
	/* the kernel's dev_t, as the inode's super_block holds it */
	kdev = (major(st.st_dev) << 20) | (minor(st.st_dev) & 0xfffff);
	if (!tr) {
		const unsigned char *parts[3] = { (const unsigned char *)name,
						  (const unsigned char *)&kdev,
						  (const unsigned char *)&st.st_ino };
		size_t lens[3] = { strlen(name) + 1, sizeof(kdev), sizeof(st.st_ino) };

		for (int p = 0; p < 3; p++)
			for (size_t b = 0; b < lens[p]; b++)
				*hash = (*hash ^ parts[p][b]) * 0x100000001b3ull;
		return EXIT_OK;
	}
	err = attach__add_killer(tr, name, eq + 1, kdev, st.st_ino);
	if (err) {
		p_err("--killer %s: %s", spec, strerror(-err));
		return EXIT_RUNTIME;
	}
	p_info("memory killer %s: %s (dev %u:%u inode %llu)", name, eq + 1, major(st.st_dev),
	       minor(st.st_dev), (unsigned long long)st.st_ino);
	return EXIT_OK;
}

static int add_killers(const struct env *env, struct tracer *tr, uint64_t *hash)
{
	size_t i;
	int err;

	if (hash)
		*hash = 0xcbf29ce484222325ull;
	for (i = 0; i < sizeof(default_killers) / sizeof(default_killers[0]); i++)
		add_killer(tr, default_killers[i], false, hash);
	for (i = 0; i < (size_t)env->nkillers; i++) {
		err = add_killer(tr, env->killers[i], true, hash);
		if (err)
			return err;
	}
	return EXIT_OK;
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
	/*
	 * The pinned ring buffer keeps its size: replacing it would lose what
	 * it queued while no process read, which is what adopting is for.
	 */
	if (env->ring_bytes && pin__adopted_ring_bytes(tr->adopted) != env->ring_bytes)
		p_note("%s: the pinned ring buffer holds %u KiB, not the %u KiB --ring-size asks: "
		       "kept (what it queued is read); --unpin DIR first to change it",
		       env->pin_dir, pin__adopted_ring_bytes(tr->adopted) >> 10,
		       env->ring_bytes >> 10);
	*adopted = true;
	return EXIT_OK;
}

static int attach(const struct env *env, const struct kernel_features *kf,
		  const struct corebtf *core, struct tracer *tr, struct percpu_offsets *table,
		  struct pin_dir *pd, struct killer_cgroups *kcg)
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
	/* the killers first: a pinned set is adopted only if it knows the same ones */
	want.mrelease = env->mrelease;
	if ((status = add_killers(env, NULL, &want.killers_hash)))
		return status;
	if (killer_cgroups__parse(kcg, env->killer_cgroups, env->nkiller_cgroups, why,
				  sizeof(why))) {
		p_err("%s", why);
		return EXIT_USAGE;
	}
	killer_cgroups__hash(kcg, &want.killers_hash);
	if (env->pin_dir && (status = open_pins(env, kf, &want, pd, tr, &adopted)))
		return status;
	attach__opts(&o, env->attach, !env->no_blockers, env->btf_path, core);
	o.wake_every_event = env->verbose;
	o.mrelease = env->mrelease;
	o.ring_bytes = env->ring_bytes;
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
	/* an adopted set's map already holds them (the identity says the same ones) */
	status = adopted ? EXIT_OK : add_killers(env, tr, NULL);
	/* cgroups' ids are not: a unit's restart makes a new one */
	if (!status && killer_cgroups__start(kcg, attach__killer_cgroups(tr)))
		status = EXIT_RUNTIME;
	return status;
}

static int open_record(const struct env *env, struct session *s, const struct tracer *tr)
{
	char plan[OOMREC_PLAN_LEN];
	struct record_opts ro = { .path = env->record_path,
				  .max_bytes = env->record_max_bytes,
				  .kmsg = session__reads_kmsg(s),
				  .rung = (uint32_t)tr->plan.rung,
				  .plan = plan,
				  .tracker = session__tracker(s) };

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
		p_err("cannot set up the ring buffer's reader: %s", strerror(-err));
		return EXIT_RUNTIME;
	}
	if (tr->plan.blockers) {
		fd = privdrop__open_kallsyms();
		if (fd >= 0)
			session__give_kallsyms(s, fd); /* else: stacks print as addresses, as they would anyway */
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
		 struct pin_dir *pd, struct killer_cgroups *kcg)
{
	struct continued_ctx cc = { .env = env, .pd = pd };
	struct render_ctx rc = { .mono_to_real_ns = timefmt__mono_to_real_offset(),
				 .page_size = (uint64_t)sysconf(_SC_PAGESIZE),
				 .attach = rung__name(tr->plan.rung),
				 .mrelease_traced = attach__mrelease_traced(tr) };
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
		if (env->pin_dir && pin__restore(pd, session__tracker(&s)))
			tracker__set_restart_mark(session__tracker(&s), continued_here, &cc);
		if (env->pin_dir)
			session__took_over(&s);
		p_note("ready (attach=%s, kernel %s)", rc.attach, kf->release);
		c.killer_cgroups = kcg;
		status = consumer__run(&c);
		/* drained: what is still open goes to the next process, not out as open */
		if (env->pin_dir)
			pin__save(pd, session__tracker(&s));
		session__finish(&s, timefmt__mono_now(), attach__dropped(tr));
		if (attach__dropped(tr))
			p_err("%llu events lost: ring buffer full (%u KiB; --ring-size sets it)",
			      (unsigned long long)attach__dropped(tr), attach__ring_bytes(tr) >> 10);
		if (tracker__stats(session__tracker(&s))->continued_unsaved)
			p_err("%llu incident%s continued from a process that stopped without "
			      "saving: %s start was read by it and lost with it (joined halfway)",
			      (unsigned long long)tracker__stats(session__tracker(&s))->continued_unsaved,
			      tracker__stats(session__tracker(&s))->continued_unsaved == 1 ? "" : "s",
			      tracker__stats(session__tracker(&s))->continued_unsaved == 1 ? "its" : "their");
		if (missed__total(&tracker__stats(session__tracker(&s))->missed))
			p_err("%llu events lost: runs of the BPF programs the kernel skipped",
			      (unsigned long long)missed__total(&tracker__stats(session__tracker(&s))->missed));
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
	struct killer_cgroups kcg = { .root_fd = -1, .inotify_fd = -1 };
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
		status = attach(env, &kf, &core, &tr, &table, &pd, &kcg);
	corebtf__close(&core); /* read at load time only */
	if (status) {
		killer_cgroups__close(&kcg);
		pin__close(&pd);
		percpu_offsets__free(&table);
		return status;
	}
	status = trace(env, &kf, &tr, &pd, &kcg);
	killer_cgroups__close(&kcg);
	attach__stop(&tr);
	pin__close(&pd);
	percpu_offsets__free(&table);
	return status;
}
