// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/errors.h"
#include "rec/record.h"
#include "core/ksyms.h"
#include "sinks/sink_record.h"
#include "core/timefmt.h"

struct record_state {
	struct rec_writer *w;
	const struct tracker *tracker;
	bool kmsg;                   /* the session hands us /dev/kmsg records */
	int failing;                 /* errno of the first failed write, said once */
	bool rotate_reported;
	char *path;
	struct ksyms *written_syms;  /* symbols already stored, by start address */
};

static const char *failure_hint(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT:
		return " (the file system is full)";
	case EROFS:
		return " (read-only file system)";
	case EFBIG:
		return " (file size limit: use --record-max-size)";
	default:
		return "";
	}
}

/* Say a failure once, and its end once: never a line per event. */
static void check_writer(struct record_state *st, int err)
{
	const struct rec_writer_stats *ws = rec_writer__stats(st->w);

	if (ws->rotate_error && !st->rotate_reported) {
		st->rotate_reported = true;
		p_err("cannot start the next segment after %s: %s: recording goes on in it past "
		      "--record-max-size",
		      rec_writer__path(st->w), strerror(ws->rotate_error));
	}
	/*
	 * Once per session: a nearly full disk makes writes fail and succeed in
	 * turn, and a line each time would flood the terminal.  Close says how
	 * much is missing in all.
	 */
	if (err && !st->failing) {
		st->failing = -err;
		p_err("cannot write recording %s: %s%s: tracing goes on, what cannot be written "
		      "is counted",
		      rec_writer__path(st->w), strerror(-err), failure_hint(-err));
	}
}

/* The session's one reader of /dev/kmsg hands each record here. */
static int record_kmsg(struct sink *s, uint64_t now_ns, const char *rec, size_t len)
{
	struct record_state *st = s->state;
	int err;

	if (!st->kmsg)
		return 0;
	err = rec_writer__kmsg(st->w, now_ns, rec, len);
	check_writer(st, err);
	return err;
}

/*
 * Store the kernel symbols of a blocker event's stacks, each once, ahead
 * of the event: a recording names its frames wherever it is replayed.
 */
static int record_symbols(struct record_state *st, const struct oomreap_blocker_event *b,
			  const struct ksyms *ks)
{
	uint32_t i;
	int j, err;

	if (!ks)
		return 0;
	if (!st->written_syms && !(st->written_syms = ksyms__new()))
		return -ENOMEM;
	for (i = 0; i < b->ntasks && i < 1 + OOMREAP_MAX_WAITERS; i++) {
		const struct oomreap_blocked_task *bt = &b->tasks[i];

		for (j = 0; j < bt->stack_len && j < OOMREAP_STACK_DEPTH; j++) {
			uint64_t off, start;
			const char *name = ksyms__lookup(ks, bt->stack[j], &off);

			if (!name)
				continue;
			start = bt->stack[j] - off;
			if (ksyms__lookup(st->written_syms, start, &off) && off == 0)
				continue;
			err = rec_writer__symbol(st->w, start, name);
			if (err)
				return err;
			err = ksyms__add(st->written_syms, start, name);
			if (err)
				return err;
		}
	}
	return 0;
}

static int record_event(struct sink *s, const void *event, size_t size)
{
	struct record_state *st = s->state;
	int err = 0;

	if (((const struct oomreap_event_header *)event)->type == OOMREAP_EV_BLOCKER)
		err = record_symbols(st, event, s->rc->ksyms);
	if (!err)
		err = rec_writer__event(st->w, event, size);

	check_writer(st, err);
	return err;
}

/*
 * No clock of its own: events and kernel log lines reach it only in a
 * drain, and a tick follows every drain, which writes them out.
 */
static uint64_t record_next_tick(struct sink *s)
{
	(void)s;
	return UINT64_MAX;
}

static int record_tick(struct sink *s, uint64_t now_ns)
{
	struct record_state *st = s->state;
	int err;

	err = rec_writer__lost(st->w, now_ns, tracker__stats(st->tracker)->lost_events);
	if (!err)
		err = rec_writer__missed(st->w, now_ns, &tracker__stats(st->tracker)->missed);
	if (!err)
		err = rec_writer__flush(st->w, now_ns);
	check_writer(st, err);
	return err;
}

static int record_incident(struct sink *s, const struct oomreap_incident *inc)
{
	return 0; /* the events are the record; incidents are rebuilt on replay */
}

static int record_close(struct sink *s)
{
	struct record_state *st = s->state;
	const struct rec_writer_stats *ws = rec_writer__stats(st->w);
	uint64_t now = timefmt__mono_now(), unrecorded, kmsg_unrecorded, write_errors, events;
	uint32_t segments;
	int err;

	unrecorded = ws->unrecorded;
	kmsg_unrecorded = ws->kmsg_unrecorded;
	write_errors = ws->write_errors;
	events = ws->events;
	segments = ws->segments;
	err = rec_writer__close(st->w, now);
	ksyms__free(st->written_syms);
	st->written_syms = NULL;
	if (err)
		p_err("cannot finish recording %s: %s%s", st->path, strerror(-err),
		      failure_hint(-err));
	if (write_errors) {
		p_err("recording %s is missing %llu events and %llu kernel log lines (%llu failed "
		      "writes)",
		      st->path, (unsigned long long)unrecorded, (unsigned long long)kmsg_unrecorded,
		      (unsigned long long)write_errors);
		if (!err) /* the exit status says the recording is not whole */
			err = st->failing ? -st->failing : -EIO;
	}
	p_info("recorded %llu events in %u file%s", (unsigned long long)events, segments,
	       segments == 1 ? "" : "s");
	free(st->path);
	free(st);
	s->state = NULL;
	return err;
}

static const struct sink_ops record_ops = {
	.incident = record_incident,
	.event = record_event,
	.kmsg = record_kmsg,
	.tick = record_tick,
	.next_tick = record_next_tick,
	.close = record_close,
};

static void open_error(const char *path, int err)
{
	struct stat sb;

	if (err == -EEXIST && !lstat(path, &sb) && S_ISLNK(sb.st_mode))
		p_err("cannot record to %s: it is a symbolic link, which is never followed", path);
	else if (err == -EEXIST)
		p_err("cannot record to %s: it exists, and a recording is never overwritten "
		      "(pick a new name)",
		      path);
	else if (err == -ENOENT)
		p_err("cannot record to %s: the directory does not exist", path);
	else
		p_err("cannot record to %s: %s%s", path, strerror(-err), failure_hint(-err));
}

int sink_record__open(struct sink *s, const struct record_opts *o, const struct render_ctx *rc)
{
	struct record_state *st = calloc(1, sizeof(*st));
	struct oomrec_header hdr;
	int err;

	if (!st) {
		p_err("out of memory");
		return -ENOMEM;
	}
	st->tracker = o->tracker;
	st->path = strdup(o->path);
	if (!st->path) {
		free(st);
		p_err("out of memory");
		return -ENOMEM;
	}
	memset(&hdr, 0, sizeof(hdr));
	snprintf(hdr.tool_version, sizeof(hdr.tool_version), "%s", OOMREAP_VERSION);
	record__header_from_host(&hdr);
	hdr.page_size = (uint32_t)rc->page_size;
	hdr.mono_to_real_ns = rc->mono_to_real_ns;
	hdr.start_mono_ns = timefmt__mono_now();
	hdr.rung = o->rung;
	snprintf(hdr.attach_plan, sizeof(hdr.attach_plan), "%s", o->plan ? o->plan : "");
	/* the session's reader opened /dev/kmsg from its end: the window starts now */
	if (o->kmsg) {
		st->kmsg = true;
		hdr.flags |= OOMREC_F_KMSG;
	}
	err = rec_writer__open(&st->w, o->path, &hdr, o->max_bytes);
	if (err) {
		open_error(o->path, err);
		free(st->path);
		free(st);
		return err;
	}
	s->ops = &record_ops;
	s->rc = rc;
	s->state = st;
	return 0;
}
