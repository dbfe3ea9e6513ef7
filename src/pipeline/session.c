// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ksyms.h"
#include "core/timefmt.h"
#include "io/errors.h"
#include "io/kallsyms.h"
#include "rec/replay.h"
#include "report/report.h"
#include "sinks/render.h"
#include "pipeline/session.h"
#include "sinks/sink_prom.h"

/* The first failed write to stdout stops live tracing; session__close says it. */
static void note_write(struct session *s, int err)
{
	if (err && !s->write_error) {
		s->write_error = -err;
		s->write_error_name = "stdout";
	}
}

/*
 * Symbols mean reading all of /proc/kallsyms and holding it: only once
 * stacks appear.  Live, read again when a stack holds a kernel address
 * the table does not name: a module loaded since the table was read (a
 * daemon runs for weeks; the kernel matrix saw its test module's frames
 * raw when a FUSE scenario had loaded the table first).  At most once per
 * KSYMS_RELOAD_NS of the events' clock, so an address no table names (a
 * trampoline) costs one reread per that interval, not one per event.
 */
#define KSYMS_RELOAD_NS (10ull * 1000000000ull)

static bool stack_unnamed(const struct ksyms *ks, const struct oomreap_blocker_event *b)
{
	uint64_t off;

	for (uint32_t i = 0; i < b->ntasks && i < 1 + OOMREAP_MAX_WAITERS; i++) {
		const struct oomreap_blocked_task *t = &b->tasks[i];

		for (int32_t j = 0; j < t->stack_len && j < OOMREAP_STACK_DEPTH; j++)
			if (t->stack[j] && !ksyms__lookup(ks, t->stack[j], &off))
				return true;
	}
	return false;
}

static void need_ksyms(struct session *s, const struct oomreap_blocker_event *b)
{
	struct ksyms *ks;

	if (s->ksyms_tried) {
		/* a given table (replay) is never s->ksyms: never reread */
		if (!s->ksyms || s->kallsyms_fd < 0 || !b ||
		    b->hdr.ts_ns < s->ksyms_read_ns + KSYMS_RELOAD_NS || !stack_unnamed(s->ksyms, b))
			return;
		s->ksyms_read_ns = b->hdr.ts_ns;
		ks = ksyms__load_fd(s->kallsyms_fd);
		if (!ks)
			return; /* keep the table there is */
		ksyms__free(s->ksyms);
		s->ksyms = ks;
		s->rc.ksyms = ks;
		return;
	}
	s->ksyms_tried = true;
	s->ksyms_read_ns = b ? b->hdr.ts_ns : 0;
	s->ksyms = s->kallsyms_fd >= 0 ? ksyms__load_fd(s->kallsyms_fd)
				       : ksyms__load("/proc/kallsyms");
	if (!s->ksyms)
		p_err("kernel symbols unavailable (%s): stacks shown as addresses",
		      strerror(errno));
	s->rc.ksyms = s->ksyms;
}

/*
 * The tracker's on_close: the selection, the summary, then every sink.
 * The symbols an incident's stacks need were loaded before the tracker
 * was called: at its first blocker event (session__observe), or when it
 * was handed over (session__took_over).
 */
static void on_incident(const struct oomreap_incident *inc, void *ctx)
{
	struct session *s = ctx;

	if (!incident__selected(inc, s->o.pid, s->o.cgroup))
		return;
	summary__add(&s->summary, inc);
	for (int i = 0; i < s->nsinks; i++) {
		int err = s->sinks[i].ops->incident(&s->sinks[i], inc);

		if (err && !s->write_error) {
			s->write_error = -err;
			s->write_error_name = s->sinks[i].name;
		}
	}
}

struct tracker *session__tracker(const struct session *s)
{
	return s->tracker;
}

bool session__reads_kmsg(const struct session *s)
{
	return s->kmsg_fd >= 0;
}

void session__give_kallsyms(struct session *s, int fd)
{
	if (s->kallsyms_fd >= 0)
		close(s->kallsyms_fd);
	s->kallsyms_fd = fd;
}

int session__open(struct session *s, const struct session_opts *o, const struct render_ctx *rc)
{
	struct tracker_opts topts = { .max_open = o->max_open,
				      .on_close = on_incident,
				      .on_kill = session__kill_context,
				      .before_close = session__kill_rss,
				      .on_join = session__join,
				      .reaper_verdict = session__reaper_verdict,
				      .ctx = s,
				      .page_size = rc->page_size,
				      .kernel_release = o->kernel };

	memset(s, 0, sizeof(*s));
	s->o = *o;
	s->rc = *rc;
	s->kallsyms_fd = -1;
	s->kmsg_fd = -1;
	kmsg_log__init(&s->kmsg_live);
	s->rc.verbose = o->verbose;
	s->tracker = tracker__new(&topts);
	if (!s->tracker) {
		p_err("out of memory");
		return -ENOMEM;
	}
	return 0;
}

int session__open_record(struct session *s, const struct record_opts *ro)
{
	int err = sink_record__open(&s->sinks[s->nsinks], ro, &s->rc);

	if (!err)
		s->nsinks++;
	return err;
}

int session__open_outputs(struct session *s)
{
	int err;

	/* live: stdout's reader is never waited for (outbuf.h) */
	outbuf__open(&s->out, STDOUT_FILENO, !s->o.replay, 0);
	s->out_open = true;
	err = sink_stream__open(&s->sinks[s->nsinks], &s->out, s->o.json, &s->rc);
	if (err) {
		p_err("cannot set up output: %s", strerror(-err));
		return err;
	}
	s->nsinks++;
	if (s->o.prom_textfile) {
		struct prom_opts po = { .path = s->o.prom_textfile,
					.interval_s = s->o.interval_s,
					.cgroup_cap = s->o.prom_cgroup_cap,
					.tracker = s->tracker,
					.kernel = s->o.kernel,
					.once = s->o.replay,
					.stdout_dropped = s->o.replay ? NULL
								      : &s->out.dropped_lines };

		err = sink_prom__open(&s->sinks[s->nsinks], &po, &s->rc);
		if (err) {
			p_err("cannot set up metrics: %s", strerror(-err));
			return err;
		}
		s->nsinks++;
	}
	return 0;
}

/* The report's collector as a sink: it keeps what it selects; report__error() says a loss. */
static int report_incident(struct sink *k, const struct oomreap_incident *inc)
{
	report__on_incident(inc, k->state);
	return 0;
}

static int report_close(struct sink *k)
{
	(void)k;
	return 0;
}

static const struct sink_ops report_ops = {
	.incident = report_incident,
	.close = report_close,
};

int session__open_report(struct session *s, struct report *r)
{
	if (s->nsinks >= MAX_SINKS)
		return -ENOSPC;
	s->sinks[s->nsinks++] = (struct sink){ .ops = &report_ops, .rc = &s->rc, .state = r,
					       .name = "report" };
	return 0;
}

void session__set_symbols(struct session *s, const struct ksyms *ks)
{
	s->ksyms_tried = true;
	s->rc.ksyms = ks;
}

void session__observe(const void *event, size_t size, void *ctx)
{
	struct session *s = ctx;

	if (s->o.verbose && s->o.json) {
		render__text_event(stderr, event, &s->rc);
	} else if (s->o.verbose && s->out_open) {
		FILE *f = outbuf__begin(&s->out);

		if (f) {
			render__text_event(f, event, &s->rc);
			note_write(s, outbuf__commit(&s->out, f));
		}
	}
	/* the record sink stores the symbols of a stack before the stack */
	if (((const struct oomreap_event_header *)event)->type == OOMREAP_EV_BLOCKER &&
	    size >= sizeof(struct oomreap_blocker_event))
		need_ksyms(s, event);
	for (int i = 0; i < s->nsinks; i++)
		if (s->sinks[i].ops->event)
			s->sinks[i].ops->event(&s->sinks[i], event, size);
}

void session__feed(struct session *s, const void *event, size_t size)
{
	session__observe(event, size, s);
	/* what the tracker's callbacks look up, read now: none of them reads */
	session__drain_kmsg(s, timefmt__mono_now());
	tracker__feed_checked(s->tracker, event);
}

void session__took_over(struct session *s)
{
	if (tracker__open_blockers(s->tracker))
		need_ksyms(s, NULL);
}

int session__replay(struct session *s, struct replay *rp)
{
	return replay__run(rp, s->tracker, NULL, session__observe, s);
}

void session__tick(struct session *s, uint64_t now_ns)
{
	s->last_tick_ns = now_ns;
	for (int i = 0; i < s->nsinks; i++)
		if (s->sinks[i].ops->tick)
			s->sinks[i].ops->tick(&s->sinks[i], now_ns);
}

uint64_t session__next_tick(const struct session *s)
{
	uint64_t next = UINT64_MAX, t;

	for (int i = 0; i < s->nsinks; i++) {
		const struct sink *k = &s->sinks[i];

		if (k->ops->next_tick)
			t = k->ops->next_tick((struct sink *)k);
		else if (k->ops->tick)
			t = s->last_tick_ns + SINK_TICK_NS;
		else
			continue;
		if (t < next)
			next = t;
	}
	return next;
}

void session__note_losses(struct session *s, uint64_t dropped, const struct runs_missed *missed,
			  uint64_t by_ns)
{
	tracker__note_lost(s->tracker, dropped, by_ns);
	tracker__note_missed(s->tracker, missed, by_ns);
}

void session__advance(struct session *s, uint64_t now_ns)
{
	session__drain_kmsg(s, timefmt__mono_now());
	tracker__advance(s->tracker, now_ns);
}

uint64_t session__next_deadline(const struct session *s)
{
	return tracker__next_deadline(s->tracker);
}

uint32_t session__open_count(const struct session *s)
{
	return tracker__open_count(s->tracker);
}

int session__stdout_poll_fd(const struct session *s)
{
	return s->out_open ? outbuf__poll_fd(&s->out) : -1;
}

bool session__stdout_pending(const struct session *s)
{
	return s->out_open && outbuf__pending(&s->out);
}

void session__flush_stdout(struct session *s)
{
	/* EPIPE: stop, as a failed incident write does */
	if (session__stdout_pending(s) && outbuf__flush(&s->out))
		note_write(s, s->out.err);
}

void session__reopen(struct session *s)
{
	for (int i = 0; i < s->nsinks; i++)
		if (s->sinks[i].ops->reopen)
			s->sinks[i].ops->reopen(&s->sinks[i]);
}

void session__finish(struct session *s, uint64_t now_ns, uint64_t lost_events)
{
	session__drain_kmsg(s, now_ns);
	if (s->kmsg_overruns)
		p_info("/dev/kmsg overran %llu times: some kernel log lines were lost (to the OOM "
		       "context, and to a recording)",
		       (unsigned long long)s->kmsg_overruns);
	tracker__flush(s->tracker);
	session__tick(s, now_ns);
	if (s->o.no_summary)
		return;
	if (s->o.json || !s->out_open) {
		summary__print(stderr, &s->summary, &s->rc, lost_events,
			       &tracker__stats(s->tracker)->missed, session__stdout_dropped(s));
	} else {
		FILE *f = outbuf__begin(&s->out);

		if (f) {
			summary__print(f, &s->summary, &s->rc, lost_events,
				       &tracker__stats(s->tracker)->missed,
				       session__stdout_dropped(s));
			note_write(s, outbuf__commit(&s->out, f));
		}
	}
}

int session__close(struct session *s, int status)
{
	int err = 0;

	const char *name = s->write_error_name;

	/* A failed write is said once, with its file and errno, however it ended. */
	err = -s->write_error;
	if (s->out_open) {
		/*
		 * What the reader has not taken yet gets a second to go; tracing
		 * is over, but a reader that never reads must not hold the exit.
		 * Before the sinks close: the last metrics count what it dropped.
		 */
		int e = outbuf__close(&s->out, 1000);

		s->out_open = false;
		if (e && !err) {
			err = e;
			name = "stdout";
		}
		if (s->out.dropped_lines)
			p_err("%llu lines were not written to stdout: its reader was not reading",
			      (unsigned long long)s->out.dropped_lines);
	}
	while (s->nsinks > 0) {
		struct sink *k = &s->sinks[--s->nsinks];
		const char *kname = k->name;
		int e = k->ops->close(k);

		if (e && !err) {
			err = e;
			name = kname;
		}
	}
	if (err) {
		p_err("cannot write %s: %s", name ? name : "output", strerror(-err));
		if (status == EXIT_OK)
			status = EXIT_RUNTIME;
	}
	tracker__free(s->tracker);
	s->tracker = NULL;
	ksyms__free(s->ksyms);
	s->ksyms = NULL;
	s->rc.ksyms = NULL;
	if (s->kallsyms_fd >= 0)
		close(s->kallsyms_fd);
	s->kallsyms_fd = -1;
	if (s->kmsg_fd >= 0)
		close(s->kmsg_fd);
	s->kmsg_fd = -1;
	free(s->kmsg_buf);
	s->kmsg_buf = NULL;
	kmsg_log__free(&s->kmsg_live);
	s->kmsg = NULL;
	return status;
}
