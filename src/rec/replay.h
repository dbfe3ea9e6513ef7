/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Replay: a recording (one file, or the segments of a rotated one, in
 * order) fed through the very tracker that live tracing uses.  The caller
 * owns the tracker and its on_close; replay only reads and feeds, so
 * `replay` and `report` differ only in where incidents go.
 */
#ifndef OOMREAP_REPLAY_H
#define OOMREAP_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "rec/kmsg.h"
#include "rec/record.h"
#include "core/tracker.h"

struct replay_stats {
	uint64_t events;
	uint64_t kmsg_records;
	uint64_t ringbuf_lost;     /* ring-buffer drops recorded live */
	uint64_t unrecorded;       /* events the recorder failed to write */
	struct runs_missed missed; /* the last MISSED record's runs (n 0: none recorded) */
	uint64_t first_ts_ns;      /* first event, 0 if none */
	uint64_t last_ts_ns;       /* last event, or the END time if later */
	uint32_t files;            /* files read (completely or not) */
	bool clean_end;            /* ended on an END record that names no next segment */
	uint32_t next_segment;     /* the last END said: continues in FILE.n (not given) */
};

struct replay;

/* Per raw event, before the tracker sees it (for -v).  May be NULL. */
typedef void (*replay_event_fn)(const void *event, size_t size, void *ctx);

/*
 * Open the first file and read its header.  On failure returns -errno and
 * *out holds a replay whose replay__error() says why (free it).
 */
int replay__open(struct replay **out, const char *const *paths, int npaths);
const struct oomrec_header *replay__header(const struct replay *rp);
/*
 * Feed every event of every file to t (tracker__note_lost for drop
 * records), collect kernel log records into kmsg (if not NULL), and
 * tracker__flush() at the end, also after an error, so every incident
 * read so far reaches on_close.  0 or -errno (see replay__error()).
 */
int replay__run(struct replay *rp, struct tracker *t, struct kmsg_log *kmsg,
		replay_event_fn on_event, void *ctx);
/*
 * Every kernel log record of the recording (all its files) into kmsg,
 * sorted, before the run: a kill's context lines are written at the tick
 * after its event, and are looked up when the kill is applied.  Read
 * errors are replay__run()'s to say.  Returns whether the recording
 * captured /dev/kmsg at all; -ENOMEM.
 */
int replay__load_kmsg(struct replay *rp, struct kmsg_log *kmsg);
const struct replay_stats *replay__stats(const struct replay *rp);
/* "PATH: what is wrong, and what was read", or "" */
const char *replay__error(const struct replay *rp);
/*
 * After a clean run: "" or, when the set of segments given is not the
 * whole recording (its first file is not segment 0, or the last END names
 * a segment that was not given), the line that says what that means for
 * the output.
 */
const char *replay__note(struct replay *rp);
struct ksyms;
/*
 * Kernel symbols the recorder stored for its blocker stacks: filled as the
 * file is read, always before the events that need them (empty until
 * then, never NULL after replay__open succeeded).  Replay names frames only from these, never from this
 * machine's kallsyms, so output does not depend on where it is replayed.
 */
const struct ksyms *replay__symbols(const struct replay *rp);
void replay__free(struct replay *rp);

#endif /* OOMREAP_REPLAY_H */
