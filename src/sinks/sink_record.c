// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"
#include "rec/record.h"
#include "core/ksyms.h"
#include "sinks/sink_record.h"
#include "core/timefmt.h"

/* /dev/kmsg hands out one record per read(); CONSOLE_LOG_MAX is 1 KiB plus dictionary. */
#define KMSG_READ_MAX 8192
/* Per tick: a printk flood must not starve the ring buffer. */
#define KMSG_RECORDS_PER_TICK 4096

struct record_state {
	struct rec_writer *w;
	const struct tracker *tracker;
	int kmsg_fd;                 /* -1: not capturing */
	char *kbuf;
	uint64_t kmsg_overruns;      /* EPIPE: the kernel's buffer wrapped before we read */
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

static void read_kmsg(struct record_state *st, uint64_t now)
{
	int i;

	for (i = 0; st->kmsg_fd >= 0 && i < KMSG_RECORDS_PER_TICK; i++) {
		ssize_t n = read(st->kmsg_fd, st->kbuf, KMSG_READ_MAX);

		if (n > 0) {
			check_writer(st, rec_writer__kmsg(st->w, now, st->kbuf, (size_t)n));
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE) {
			/* Lines overwritten before we read them; the next read goes on. */
			st->kmsg_overruns++;
			continue;
		}
		if (n < 0 && errno != EAGAIN) {
			p_err("reading /dev/kmsg failed: %s: recording goes on without the kernel log",
			      strerror(errno));
			close(st->kmsg_fd);
			st->kmsg_fd = -1;
		}
		break;
	}
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

static int record_tick(struct sink *s, uint64_t now_ns)
{
	struct record_state *st = s->state;
	int err;

	read_kmsg(st, now_ns);
	err = rec_writer__lost(st->w, now_ns, tracker__stats(st->tracker)->lost_events);
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

	read_kmsg(st, now);
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
	if (st->kmsg_overruns)
		p_info("/dev/kmsg overran %llu times: some kernel log lines are not in the recording",
		       (unsigned long long)st->kmsg_overruns);
	p_info("recorded %llu events in %u file%s", (unsigned long long)events, segments,
	       segments == 1 ? "" : "s");
	if (st->kmsg_fd >= 0)
		close(st->kmsg_fd);
	free(st->kbuf);
	free(st->path);
	free(st);
	s->state = NULL;
	return err;
}

static const struct sink_ops record_ops = {
	.incident = record_incident,
	.event = record_event,
	.tick = record_tick,
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
	st->kmsg_fd = -1;
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
	if (o->kmsg) {
		st->kbuf = malloc(KMSG_READ_MAX);
		st->kmsg_fd = st->kbuf ? open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC) : -1;
		if (st->kmsg_fd < 0) {
			p_err("cannot read /dev/kmsg (%s): recording without the kernel log",
			      strerror(st->kbuf ? errno : ENOMEM));
		} else {
			/* The window starts now: older lines are not this session's. */
			lseek(st->kmsg_fd, 0, SEEK_END);
			hdr.flags |= OOMREC_F_KMSG;
		}
	}
	err = rec_writer__open(&st->w, o->path, &hdr, o->max_bytes);
	if (err) {
		open_error(o->path, err);
		if (st->kmsg_fd >= 0)
			close(st->kmsg_fd);
		free(st->kbuf);
		free(st->path);
		free(st);
		return err;
	}
	s->ops = &record_ops;
	s->rc = rc;
	s->state = st;
	return 0;
}
