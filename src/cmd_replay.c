// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `replay FILE...`: a recording through the live tool's own tracker and
 * sinks (pipeline/session.h), as if it were happening now.  Needs neither
 * BTF nor privileges.  A bad file: one line saying what was read, exit 1.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "core/checked.h"
#include "core/oom_context.h"
#include "core/timefmt.h"
#include "io/errors.h"
#include "live/attach.h"
#include "rec/replay.h"
#include "report/time.h"
#include "pipeline/session.h"

static const char *rung_name_of(uint32_t rung)
{
	return rung > RUNG_AUTO && rung < RUNG_NR ? rung__name((enum rung)rung) : "unknown";
}

static void announce(const struct env *env, const struct oomrec_header *h)
{
	char when[40];

	timefmt__iso8601(when, sizeof(when), report__real_ns(h->start_mono_ns, h->mono_to_real_ns));
	/* hostname and kernel release are the recording's: p_note escapes them */
	p_note("replaying %s%s (host %.*s, kernel %.*s, recorded %s, attach=%s)", env->files[0],
	       env->nfiles > 1 ? " ..." : "", (int)sizeof(h->hostname), h->hostname,
	       (int)sizeof(h->kernel_release), h->kernel_release, when, rung_name_of(h->rung));
}

int do_replay(const struct env *env)
{
	const struct oomrec_header *h;
	const struct replay_stats *st;
	struct render_ctx rc = { 0 };
	struct session_opts so;
	struct replay *rp;
	struct kmsg_log klog;
	struct session s;
	bool s_open = false;
	int status = EXIT_RUNTIME, err, have_kmsg;

	kmsg_log__init(&klog);
	err = replay__open(&rp, env->files, env->nfiles);
	if (err) {
		p_err("%s", rp ? replay__error(rp) : strerror(-err));
		goto out;
	}
	h = replay__header(rp);
	rc.mono_to_real_ns = h->mono_to_real_ns;
	rc.page_size = h->page_size;
	rc.attach = rung_name_of(h->rung);
	/* the recording's attach plan says whether process_mrelease was traced */
	rc.mrelease_traced = memmem(h->attach_plan, strnlen(h->attach_plan, sizeof(h->attach_plan)),
				    "sys_exit_process_mrelease", 25) != NULL;
	options__session(env, h->kernel_release, &so);
	/* with --prom-textfile: the metrics a live run would have left at its end */
	if (session__open(&s, &so, &rc))
		goto out;
	s_open = true;
	if (session__open_outputs(&s))
		goto out;
	/*
	 * Blocker stacks are named from the symbols stored in the recording,
	 * never from this machine's kallsyms: the output is the same wherever
	 * and whenever it is replayed (KASLR and modules move addresses).
	 */
	session__set_symbols(&s, replay__symbols(rp));
	/* the OOM context from the recorded kernel log, as live tracing found it */
	have_kmsg = replay__load_kmsg(rp, &klog);
	if (have_kmsg < 0) {
		p_err("out of memory");
		goto out;
	}
	session__use_kmsg(&s, have_kmsg ? &klog : NULL, CTX_WHY_LOG_NOT_READ);
	announce(env, h);
	kmsg_log__say_if_full(&klog);

	err = session__replay(&s, rp);
	st = replay__stats(rp);
	/* The recording's end is when live tracing stopped. */
	session__finish(&s, st->last_ts_ns, sat_add_u64(st->ringbuf_lost, st->unrecorded));
	if (err) {
		p_err("%s", replay__error(rp));
	} else {
		status = EXIT_OK;
		if (*replay__note(rp))
			p_err("%s", replay__note(rp));
	}
out:
	/* the sinks close first: they may still read the log and the recording's symbols */
	if (s_open)
		status = session__close(&s, status);
	replay__free(rp);
	kmsg_log__free(&klog);
	return status;
}
