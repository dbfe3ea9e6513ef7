// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The stdout sink: text lines for people, JSON Lines for jq. */
#include <errno.h>
#include <stdlib.h>

#include "sinks/sink.h"

/*
 * Group kills whose event line is out.  Victims of one event close within
 * seconds of each other, and group kills are rare: a few suffice.
 */
#define ANNOUNCED_EVENTS 8

struct stream_state {
	FILE *f;
	bool json;
	int err;  /* -errno of the first failed write, kept */
	uint64_t announced[ANNOUNCED_EVENTS];
	unsigned announced_next;
};

/* A group kill's first victim to close brings its event line (text only). */
static void announce_event(struct stream_state *st, const struct oomreap_incident *inc,
			   const struct render_ctx *rc)
{
	unsigned i;

	if (inc->oom_event.group_kill != GROUP_KILL_YES || !inc->oom_event.id)
		return;
	for (i = 0; i < ANNOUNCED_EVENTS; i++)
		if (st->announced[i] == inc->oom_event.id)
			return;
	st->announced[st->announced_next] = inc->oom_event.id;
	st->announced_next = (st->announced_next + 1) % ANNOUNCED_EVENTS;
	render__text_oom_event(st->f, inc, rc);
}

/*
 * Flush, and keep the first failure's errno.  stdout is line-buffered, so
 * the failing write(2) is usually inside the render call, not here: the
 * caller zeroes errno before it, and errno still says what failed
 * (ENOSPC, EFBIG, EPIPE) when the stream's error flag is found set.
 * Later failures may carry a stale errno: only the first is kept.
 */
static int stream_flush(struct stream_state *st)
{
	if ((fflush(st->f) || ferror(st->f)) && !st->err)
		st->err = -(errno ? errno : EIO);
	return st->err;
}

static int stream_incident(struct sink *s, const struct oomreap_incident *inc)
{
	struct stream_state *st = s->state;

	errno = 0;
	if (st->json)
		render__json_incident(st->f, inc, s->rc);
	else {
		announce_event(st, inc, s->rc);
		render__text_incident(st->f, inc, s->rc);
	}
	return stream_flush(st);
}

static int stream_close(struct sink *s)
{
	struct stream_state *st = s->state;
	int err;

	errno = 0;
	err = stream_flush(st);

	free(st);
	s->state = NULL;
	return err;
}

static const struct sink_ops stream_ops = {
	.incident = stream_incident,
	.close = stream_close,
};

int sink_stream__open(struct sink *s, FILE *f, bool json, const struct render_ctx *rc)
{
	struct stream_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	st->f = f;
	st->json = json;
	s->ops = &stream_ops;
	s->rc = rc;
	s->state = st;
	s->name = "stdout";
	if (!json) {
		errno = 0;
		render__text_header(f);
		stream_flush(st);
	}
	return 0;
}
