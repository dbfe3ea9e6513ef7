// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/ksyms.h"
#include "rec/replay.h"

struct replay {
	const char *const *paths;
	int npaths;
	int cur;                   /* index of the open file */
	struct rec_reader *r;
	struct oomrec_header first;
	struct replay_stats st;
	struct ksyms *symbols;     /* recorded with the blocker stacks */
	char err[512];
	char note[1600];
};

static int open_error(struct replay *rp, const char *path, int err)
{
	if (err == -ENOENT)
		snprintf(rp->err, sizeof(rp->err), "%s: no such file", path);
	else if (err == -EINVAL)
		snprintf(rp->err, sizeof(rp->err),
			 "%s: not a regular file (a FIFO, device or socket is never read)", path);
	else
		snprintf(rp->err, sizeof(rp->err), "%s: cannot open: %s", path, strerror(-err));
	return err;
}

/* Open paths[i] and read its header; the reader's message on failure. */
static int open_file(struct replay *rp, int i)
{
	const char *path = rp->paths[i];
	int err;

	rec_reader__free(rp->r);
	rp->r = NULL;
	err = rec_reader__open(&rp->r, path);
	if (err)
		return open_error(rp, path, err);
	rp->cur = i;
	rp->st.files++;
	err = rec_reader__start(rp->r);
	if (err) {
		snprintf(rp->err, sizeof(rp->err), "%s: %s", path, rec_reader__error(rp->r));
		return err;
	}
	return 0;
}

int replay__open(struct replay **out, const char *const *paths, int npaths)
{
	struct replay *rp = calloc(1, sizeof(*rp));
	int err;

	*out = rp;
	if (!rp)
		return -ENOMEM;
	/* created now so a render context can hold the pointer from the start */
	rp->symbols = ksyms__new();
	if (!rp->symbols)
		return -ENOMEM;
	rp->paths = paths;
	rp->npaths = npaths;
	if (npaths < 1) {
		snprintf(rp->err, sizeof(rp->err), "no recording given");
		return -EINVAL;
	}
	err = open_file(rp, 0);
	if (err)
		return err;
	rp->first = *rec_reader__header(rp->r);
	return 0;
}

const struct oomrec_header *replay__header(const struct replay *rp)
{
	return &rp->first;
}

const struct replay_stats *replay__stats(const struct replay *rp)
{
	return &rp->st;
}

const char *replay__error(const struct replay *rp)
{
	return rp->err;
}

/*
 * The recording's own name (FILE) from the name of its segment n (FILE.n),
 * into buf; NULL when the name does not end in ".n" (renamed by hand).
 */
static const char *base_name_of(const char *path, uint32_t segment, char *buf, size_t len)
{
	char suffix[16];
	size_t pl = strlen(path), sl;

	if (!segment)
		return path;
	sl = (size_t)snprintf(suffix, sizeof(suffix), ".%u", segment);
	if (pl <= sl || strcmp(path + pl - sl, suffix) || pl - sl >= len)
		return NULL;
	memcpy(buf, path, pl - sl);
	buf[pl - sl] = 0;
	return buf;
}

const char *replay__note(struct replay *rp)
{
	char base[512];
	const char *b;
	size_t used = 0;

	rp->note[0] = 0;
	if (rp->first.segment) {
		b = base_name_of(rp->paths[0], rp->first.segment, base, sizeof(base));
		if (rp->first.segment == 1)
			used += (size_t)snprintf(rp->note, sizeof(rp->note),
						 "the set is incomplete: %s is segment 1, and segment 0 "
						 "(%s) is not given",
						 rp->paths[0], b ? b : "the first file");
		else
			used += (size_t)snprintf(rp->note, sizeof(rp->note),
						 "the set is incomplete: %s is segment %u, and segments "
						 "0 to %u (%s, ...) are not given",
						 rp->paths[0], rp->first.segment, rp->first.segment - 1,
						 b ? b : "the first file");
		if (used < sizeof(rp->note))
			used += (size_t)snprintf(rp->note + used, sizeof(rp->note) - used,
						 ": incidents that began before it are missing or "
						 "incomplete");
	}
	if (rp->st.next_segment && used < sizeof(rp->note)) {
		const char *last = rp->paths[rp->npaths - 1];
		uint32_t seg = rp->r ? rec_reader__header(rp->r)->segment : 0;

		b = base_name_of(last, seg, base, sizeof(base));
		if (b)
			snprintf(rp->note + used, sizeof(rp->note) - used,
				 "%sthe recording goes on in %s.%u, not given: incidents still open "
				 "at the end of %s are reported as open",
				 used ? "; " : "the set is incomplete: ", b, rp->st.next_segment, last);
		else
			snprintf(rp->note + used, sizeof(rp->note) - used,
				 "%sthe recording goes on in its segment %u, not given: incidents "
				 "still open at the end of %s are reported as open",
				 used ? "; " : "the set is incomplete: ", rp->st.next_segment, last);
	}
	return rp->note;
}

void replay__free(struct replay *rp)
{
	if (!rp)
		return;
	rec_reader__free(rp->r);
	ksyms__free(rp->symbols);
	free(rp);
}

const struct ksyms *replay__symbols(const struct replay *rp)
{
	return rp->symbols;
}

/* Segments must be one recording, in order: mono stamps only compare within a boot. */
static int check_continuation(struct replay *rp, const struct oomrec_header *prev)
{
	const struct oomrec_header *h = rec_reader__header(rp->r);
	const char *path = rp->paths[rp->cur];

	if (strcmp(h->boot_id, prev->boot_id) || strcmp(h->hostname, prev->hostname)) {
		snprintf(rp->err, sizeof(rp->err),
			 "%s: recorded on another boot or host than %s: replay them separately",
			 path, rp->paths[rp->cur - 1]);
		return -EINVAL;
	}
	if (h->segment != prev->segment + 1) {
		snprintf(rp->err, sizeof(rp->err),
			 "%s: is segment %u, but segment %u should follow %s: give the segments "
			 "in order, none missing",
			 path, h->segment, prev->segment + 1, rp->paths[rp->cur - 1]);
		return -EINVAL;
	}
	return 0;
}

static void note_time(struct replay_stats *st, uint64_t ts)
{
	if (!st->first_ts_ns || ts < st->first_ts_ns)
		st->first_ts_ns = ts;
	if (ts > st->last_ts_ns)
		st->last_ts_ns = ts;
}

/* A failure of ours, not of the file (the reader's message is empty then). */
static int run_failed(struct replay *rp, int err)
{
	const struct rec_reader_stats *rs = rec_reader__stats(rp->r);

	snprintf(rp->err, sizeof(rp->err),
		 "%s: %s at byte %llu: %llu events and %llu kernel log lines read before it",
		 rp->paths[rp->cur], err == -ENOMEM ? "out of memory" : strerror(-err),
		 (unsigned long long)rs->offset, (unsigned long long)rs->events,
		 (unsigned long long)rs->kmsg_records);
	return err;
}

/* The live reader's slack (live/consumer.c ADVANCE_SLACK_NS): the tracker lags the clock by it. */
#define REPLAY_END_SLACK_NS 50000000ull

static int run_file(struct replay *rp, struct tracker *t, struct kmsg_log *kmsg,
		    replay_event_fn on_event, void *ctx)
{
	struct rec_item it;
	int ret;

	while ((ret = rec_reader__next(rp->r, &it)) > 0) {
		switch (it.type) {
		case REC_ITEM_EVENT: {
			const struct oomreap_event_header *h = it.data;

			rp->st.events++;
			note_time(&rp->st, h->ts_ns);
			if (on_event)
				on_event(it.data, it.len, ctx);
			tracker__feed_checked(t, it.data); /* the reader checked it */
			break;
		}
		case REC_ITEM_LOST:
			rp->st.ringbuf_lost = it.lost.ringbuf_lost;
			rp->st.unrecorded = it.lost.unrecorded;
			/* Events the recorder could not store are as lost as ring-buffer drops. */
			tracker__note_lost(t, sat_add_u64(it.lost.ringbuf_lost, it.lost.unrecorded),
					   it.lost.mono_ns);
			break;
		case REC_ITEM_MISSED:
			rp->st.missed = it.missed;
			/* written at the recorder's tick, just after the live count was read */
			tracker__note_missed(t, &it.missed, it.kmsg_mono_ns);
			break;
		case REC_ITEM_KMSG:
			rp->st.kmsg_records++;
			if (kmsg && kmsg_log__add_record(kmsg, it.data, it.len) == -ENOMEM)
				return run_failed(rp, -ENOMEM);
			break;
		case REC_ITEM_SYMBOL:
			if (ksyms__add(rp->symbols, it.sym_start, it.data))
				return run_failed(rp, -ENOMEM);
			break;
		case REC_ITEM_END:
			if (it.end.end_mono_ns > rp->st.last_ts_ns && rp->st.first_ts_ns)
				rp->st.last_ts_ns = it.end.end_mono_ns;
			rp->st.next_segment = it.end.next_segment;
			if (sat_add_u64(it.end.ringbuf_lost, it.end.unrecorded) >
			    sat_add_u64(rp->st.ringbuf_lost, rp->st.unrecorded)) {
				rp->st.ringbuf_lost = it.end.ringbuf_lost;
				rp->st.unrecorded = it.end.unrecorded;
				tracker__note_lost(t, sat_add_u64(it.end.ringbuf_lost, it.end.unrecorded),
						   it.end.end_mono_ns);
			}
			/*
			 * Live, the reader had advanced the tracker to within its
			 * slack of the stop: what passed its deadline by then (an
			 * incident whose end was lost, at its loss deadline) had
			 * closed, and closes here too, not at the flush.
			 */
			if (it.end.end_mono_ns > REPLAY_END_SLACK_NS)
				tracker__advance(t, it.end.end_mono_ns - REPLAY_END_SLACK_NS);
			break;
		}
	}
	if (ret < 0)
		snprintf(rp->err, sizeof(rp->err), "%s: %s", rp->paths[rp->cur],
			 rec_reader__error(rp->r));
	return ret;
}


int replay__run(struct replay *rp, struct tracker *t, struct kmsg_log *kmsg,
		replay_event_fn on_event, void *ctx)
{
	struct oomrec_header prev;
	int err = 0, i;

	if (!rp->r) {
		err = -EINVAL;
		goto out;
	}
	for (i = 0; i < rp->npaths; i++) {
		if (i > 0) {
			prev = *rec_reader__header(rp->r);
			err = open_file(rp, i);
			if (!err)
				err = check_continuation(rp, &prev);
			if (err)
				break;
		}
		err = run_file(rp, t, kmsg, on_event, ctx);
		if (err)
			break;
	}
	if (!err)
		rp->st.clean_end = rp->st.next_segment == 0;
out:
	/* Whatever was read still becomes incidents: the postmortem needs them. */
	tracker__flush(t);
	if (kmsg)
		kmsg_log__sort(kmsg);
	return err;
}

int replay__load_kmsg(struct replay *rp, struct kmsg_log *kmsg)
{
	struct rec_reader *r = NULL;
	struct rec_item it;
	int i, ret = 0;

	for (i = 0; i < rp->npaths && ret >= 0; i++) {
		if (rec_reader__open(&r, rp->paths[i]) || rec_reader__start(r)) {
			rec_reader__free(r);
			r = NULL;
			break;
		}
		while ((ret = rec_reader__next(r, &it)) > 0)
			if (it.type == REC_ITEM_KMSG &&
			    kmsg_log__add_record(kmsg, it.data, it.len) == -ENOMEM) {
				ret = -ENOMEM;
				break;
			}
		rec_reader__free(r);
		r = NULL;
	}
	kmsg_log__sort(kmsg);
	if (ret == -ENOMEM)
		return -ENOMEM;
	return (rp->first.flags & OOMREC_F_KMSG) != 0;
}
