// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/errors.h"
#include "sinks/metrics.h"
#include "sinks/sink_prom.h"
#include "sinks/textfile.h"

struct prom_state {
	char *path;
	uint64_t interval_ns;
	const struct tracker *tracker;
	const uint64_t *stdout_dropped;
	struct metrics m;
	struct metrics_info info;
	char kernel[65];
	uint64_t next_due_ns;           /* 0: at the next tick */
	int failing;                    /* errno of the failure being retried; 0 = fine */
	bool said;                      /* this failure was reported on stderr */
	bool once;                      /* prom_opts.once */
	uint64_t episode_failures;      /* failed writes since the last good one */
};

static const char *failure_hint(int err)
{
	switch (err) {
	case EROFS:
		return " (read-only file system: under systemd, is the directory in "
		       "ReadWritePaths=?)";
	case ENOSPC:
	case EDQUOT:
		return " (the file system is full)";
	case ENOENT:
		return " (does the directory exist?)";
	case EACCES:
	case EPERM:
		return " (no permission to create files in the directory)";
	case ELOOP:
		return " (it is a symlink: it is not followed; remove it)";
	case EISDIR:
	case EEXIST:
		return " (something that is not a regular file is in the way)";
	default:
		return "";
	}
}

/* Render the whole file in memory, then replace PATH in one rename. */
static int prom_write(struct prom_state *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err;

	if (!f)
		return -ENOMEM;
	metrics__write(f, &st->m, &st->info);
	err = ferror(f) ? -ENOMEM : 0;
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (!err)
		err = textfile__write(st->path, buf, len);
	free(buf);
	return err;
}

static void prom_flush(struct prom_state *st)
{
	int err = prom_write(st);

	if (!err) {
		if (st->failing)
			p_err("metrics written to %s again, after %llu failed attempts", st->path,
			      (unsigned long long)st->episode_failures);
		st->failing = 0;
		st->said = false;
		st->episode_failures = 0;
		return;
	}
	st->m.write_failures++;
	st->episode_failures++;
	st->failing = -err;
	if (st->once) /* nothing retries: prom_close returns it, the session says it */
		return;
	/* Said once per episode: a full disk must not also fill the journal. */
	if (!st->said)
		p_err("cannot write metrics to %s: %s%s; tracing goes on, retrying every %llu s",
		      st->path, strerror(-err), failure_hint(-err),
		      (unsigned long long)(st->interval_ns / 1000000000ull));
	st->said = true;
}

static void prom_snapshot(struct prom_state *st)
{
	const struct tracker_stats *ts;

	if (!st->tracker)
		return;
	ts = tracker__stats(st->tracker);
	st->m.events_lost = ts->lost_events;
	st->m.missed = ts->missed;
	st->m.evictions = ts->evictions;
	st->m.open_incidents = tracker__open_count(st->tracker);
	if (st->stdout_dropped) {
		st->m.have_stdout = true;
		st->m.stdout_dropped = *st->stdout_dropped;
	}
}

static int prom_incident(struct sink *s, const struct oomreap_incident *inc)
{
	struct prom_state *st = s->state;

	metrics__add_incident(&st->m, inc, s->rc->page_size);
	return 0;
}

/* The reader sleeps until the file is due: one wake-up per interval. */
static uint64_t prom_next_tick(struct sink *s)
{
	const struct prom_state *st = s->state;

	return st->next_due_ns;
}

static int prom_tick(struct sink *s, uint64_t now_ns)
{
	struct prom_state *st = s->state;

	prom_snapshot(st);
	if (st->next_due_ns && now_ns < st->next_due_ns)
		return 0;
	prom_flush(st);
	st->next_due_ns = now_ns + st->interval_ns;
	return 0;
}

/*
 * Nothing stays open between writes (the directory is resolved anew each
 * time), so reopening means: clear what a killed predecessor left, write
 * now, and say again if it still fails.
 */
static int prom_reopen(struct sink *s)
{
	struct prom_state *st = s->state;

	textfile__remove_stale(st->path);
	st->said = false;
	st->next_due_ns = 0;
	return 0;
}

/*
 * The final write.  Live, its failure was already said and counted, so not
 * fatal; in replay (once) it is the command's failure.
 */
static int prom_close(struct sink *s)
{
	struct prom_state *st = s->state;
	int err;

	prom_snapshot(st); /* the session's last counts (stdout closes just before) */
	prom_flush(st);
	err = st->once ? -st->failing : 0;
	metrics__free(&st->m);
	free(st->path);
	free(st);
	s->state = NULL;
	return err;
}

static const struct sink_ops prom_ops = {
	.incident = prom_incident,
	.tick = prom_tick,
	.next_tick = prom_next_tick,
	.reopen = prom_reopen,
	.close = prom_close,
};

int sink_prom__open(struct sink *s, const struct prom_opts *o, const struct render_ctx *rc)
{
	struct prom_state *st = calloc(1, sizeof(*st));
	size_t len;
	int err;

	if (!st)
		return -ENOMEM;
	err = metrics__init(&st->m, o->cgroup_cap);
	st->path = strdup(o->path);
	if (err || !st->path) {
		metrics__free(&st->m);
		free(st->path);
		free(st);
		return -ENOMEM;
	}
	st->interval_ns = (uint64_t)o->interval_s * 1000000000ull;
	st->tracker = o->tracker;
	st->once = o->once;
	st->stdout_dropped = o->stdout_dropped;
	st->info.version = OOMREAP_VERSION;
	st->info.attach = rc->attach ? rc->attach : "unknown";
	snprintf(st->kernel, sizeof(st->kernel), "%s", o->kernel ? o->kernel : "");
	st->info.kernel = st->kernel;
	st->info.start_time_s = (uint64_t)time(NULL);
	len = strlen(o->path);
	if (len < 5 || strcmp(o->path + len - 5, ".prom"))
		p_err("note: node_exporter's textfile collector reads only files named *.prom");
	/* a SIGKILL between create and rename leaves a temporary file: clear it */
	textfile__remove_stale(st->path);
	s->ops = &prom_ops;
	s->rc = rc;
	s->state = st;
	s->name = o->once ? o->path : NULL;
	return 0;
}
