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

struct stream_state {
	struct outbuf *out;
	bool json;
};

static int stream_incident(struct sink *s, const struct oomreap_incident *inc)
{
	struct stream_state *st = s->state;
	FILE *f = outbuf__begin(st->out);

	if (!f)
		return -ENOMEM;
	if (st->json)
		render__json_incident(f, inc, s->rc);
	else
		render__text_incident(f, inc, s->rc);
	return outbuf__commit(st->out, f);
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
