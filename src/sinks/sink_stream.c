// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The stdout sink: text lines for people, JSON Lines for jq. */
#include <errno.h>
#include <stdlib.h>

#include "sinks/sink.h"

struct stream_state {
	FILE *f;
	bool json;
};

static int stream_incident(struct sink *s, const struct oomreap_incident *inc)
{
	struct stream_state *st = s->state;

	if (st->json)
		render__json_incident(st->f, inc, s->rc);
	else
		render__text_incident(st->f, inc, s->rc);
	return fflush(st->f) ? -(errno ? errno : EIO) : 0;
}

static int stream_close(struct sink *s)
{
	struct stream_state *st = s->state;
	int err = fflush(st->f) ? -(errno ? errno : EIO) : 0;

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
	if (!json) {
		render__text_header(f);
		fflush(f);
	}
	return 0;
}
