// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The stdout sink: text lines for people, JSON Lines for jq.  Each
 * incident is rendered whole, then handed to the session's stdout
 * (outbuf.h): written at once, and in live tracing never waited for.
 */
#include <errno.h>
#include <stdlib.h>

#include "sinks/outbuf.h"
#include "sinks/sink.h"

/*
 * Group kills whose event line is out.  Victims of one event close within
 * seconds of each other, and group kills are rare: a few suffice.
 */
#define ANNOUNCED_EVENTS 8

struct stream_state {
	struct outbuf *out;
	bool json;
	uint64_t announced[ANNOUNCED_EVENTS];
	unsigned announced_next;
};

/*
 * A group kill's first victim to close brings its event line (text only).
 * Returns the slot that now holds the event, or -1 when no line was added.
 */
static int announce_event(struct stream_state *st, FILE *f, const struct oomreap_incident *inc,
			  const struct render_ctx *rc)
{
	unsigned i, slot;

	if (inc->oom_event.group_kill != GROUP_KILL_YES || !inc->oom_event.id)
		return -1;
	for (i = 0; i < ANNOUNCED_EVENTS; i++)
		if (st->announced[i] == inc->oom_event.id)
			return -1;
	slot = st->announced_next;
	st->announced[slot] = inc->oom_event.id;
	st->announced_next = (st->announced_next + 1) % ANNOUNCED_EVENTS;
	render__text_oom_event(f, inc, rc);
	return (int)slot;
}

static int stream_incident(struct sink *s, const struct oomreap_incident *inc)
{
	struct stream_state *st = s->state;
	uint64_t dropped = st->out->dropped_lines;
	FILE *f = outbuf__begin(st->out);
	int slot = -1, err;

	if (!f)
		return -ENOMEM;
	if (st->json)
		render__json_incident(f, inc, s->rc);
	else {
		/* one record: the event's line goes, or is dropped, with its victim's */
		slot = announce_event(st, f, inc, s->rc);
		render__text_incident(f, inc, s->rc);
	}
	err = outbuf__commit(st->out, f);
	/* dropped with its victim: the event's next victim to close brings it */
	if (slot >= 0 && (err || st->out->dropped_lines != dropped))
		st->announced[slot] = 0;
	return err;
}

/* The session closes stdout itself, after the summary (session__close). */
static int stream_close(struct sink *s)
{
	struct stream_state *st = s->state;
	int err = outbuf__flush(st->out);

	free(st);
	s->state = NULL;
	return err;
}

static const struct sink_ops stream_ops = {
	.incident = stream_incident,
	.close = stream_close,
};

int sink_stream__open(struct sink *s, struct outbuf *out, bool json, const struct render_ctx *rc)
{
	struct stream_state *st = calloc(1, sizeof(*st));
	FILE *f;

	if (!st)
		return -ENOMEM;
	st->out = out;
	st->json = json;
	s->ops = &stream_ops;
	s->rc = rc;
	s->state = st;
	s->name = "stdout";
	if (!json) {
		f = outbuf__begin(out);
		if (!f)
			return -ENOMEM;
		render__text_header(f);
		outbuf__commit(out, f); /* a failure is kept, and the first incident returns it */
	}
	return 0;
}
