/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The pipeline (a session): one tracker and the sinks its incidents go
 * to, with the one lifecycle live tracing, replay and report share.
 * Events come from the ring buffer (live/consumer.c) or a recording
 * (rec/replay.c, through session__replay); everything after that is here,
 * in one order:
 *
 *   session__open -> [session__open_record] -> session__open_outputs
 *                    (report: session__open_report, its one sink)
 *   -> events (session__feed, or session__replay), ticks, SIGHUP reopens
 *   -> session__finish (close what is open, one last tick, the summary)
 *   -> session__close (sinks, then the tracker; the write-error epilogue)
 *
 * The tracker does no I/O: what its callbacks look up (the kernel log,
 * kallsyms) is read here before it is called.  A source calls these
 * functions, never the fields below.
 */
#ifndef OOMREAP_SESSION_H
#define OOMREAP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/incident.h"
#include "rec/kmsg.h"
#include "core/summary.h"
#include "sinks/outbuf.h"
#include "sinks/sink.h"
#include "sinks/sink_record.h"

struct ksyms;

struct session_opts {
	uint32_t pid;              /* --pid: 0 = every victim */
	const char *cgroup;        /* --cgroup: NULL = every victim */
	uint32_t max_open;         /* the tracker's bound; 0 = its default */
	bool json;                 /* JSON Lines on stdout; -v and the summary go to stderr */
	bool verbose;              /* every event, as it comes */
	bool no_summary;
	const char *prom_textfile; /* NULL: no Prometheus sink */
	uint32_t interval_s;
	uint32_t prom_cgroup_cap;
	const char *kernel;        /* release, for oomreap_info */
	/*
	 * The Prometheus file is written once (prom_opts.once), and stdout
	 * may block (no ring buffer waits on it: outbuf.h)
	 */
	bool replay;
};

struct session {
	struct session_opts o;
	struct tracker *tracker;
	struct render_ctx rc;
	struct summary summary;
	struct sink sinks[MAX_SINKS];
	int nsinks;
	struct outbuf out;         /* stdout: every sink and line that goes there */
	bool out_open;
	uint64_t last_tick_ns;
	int write_error;           /* errno of the first failed sink write */
	const char *write_error_name; /* and the sink's name (struct sink) */
	/*
	 * Kernel symbols for blocker stacks: given (replay: the recording's
	 * own), or loaded from kallsyms_fd (opened before the privilege drop,
	 * -1 for none) or /proc/kallsyms once the first stack appears.
	 */
	struct ksyms *ksyms;       /* loaded here, freed by session__close */
	bool ksyms_tried;
	uint64_t ksyms_read_ns;    /* the event clock at the last read (need_ksyms) */
	int kallsyms_fd;

	/*
	 * The kernel log (pipeline/session_kmsg.c): the OOM context of each kill
	 * is looked up in kmsg when the kill is applied.  Live, one reader of
	 * /dev/kmsg (kmsg_fd) feeds both kmsg_live and the record sink.
	 */
	int kmsg_fd;               /* -1: not reading /dev/kmsg */
	char *kmsg_buf;
	struct kmsg_log kmsg_live;
	const struct kmsg_log *kmsg; /* the log to look in; NULL: none */
	uint8_t kmsg_why;          /* enum ctx_missing, when kmsg is NULL */
	uint64_t kmsg_overruns;    /* EPIPE: lines overwritten before we read them */
	uint64_t kmsg_since_ns;    /* live: older records are skipped (KMSG_BACKLOG_NS) */
};

/* The tracker, with rc as the way to show its incidents.  0 or -ENOMEM (said). */
int session__open(struct session *s, const struct session_opts *o, const struct render_ctx *rc);
/* The session's tracker, for what the command does around it (--pin). */
struct tracker *session__tracker(const struct session *s);
/* Live: it reads /dev/kmsg (session__open_kmsg succeeded). */
bool session__reads_kmsg(const struct session *s);
/*
 * /proc/kallsyms, opened before the privilege drop: the session reads the
 * blocker stacks' symbols from it at the first stack, and closes it.
 */
void session__give_kallsyms(struct session *s, int fd);
/*
 * The record sink, before the outputs, so a refused FILE fails before
 * anything is printed.  0 or -errno (said).
 */
int session__open_record(struct session *s, const struct record_opts *ro);
/* Text or JSON on stdout, and the Prometheus textfile when asked.  0 or -errno (said). */
int session__open_outputs(struct session *s);
/*
 * `report`: the report's collector as the one sink (no stdout, no
 * metrics).  It selects by itself (--pid/--cgroup, --since/--until),
 * counting what it leaves out, so the session's own opts select nothing
 * away.  0 or -ENOSPC.
 */
struct report;
int session__open_report(struct session *s, struct report *r);
/* Name stacks from these symbols only (a recording's), never from this machine. */
void session__set_symbols(struct session *s, const struct ksyms *ks);

/*
 * One event, already checked (event__validate), before the tracker sees
 * it: -v prints it, the record sink stores it (with its stack symbols
 * first).  ctx is the session: replay_event_fn.
 */
void session__observe(const void *event, size_t size, void *ctx);
/*
 * The same, then into the tracker (live tracing), the kernel log read
 * first: the tracker's callbacks only look it up.
 */
void session__feed(struct session *s, const void *event, size_t size);
/*
 * Incidents were handed to the tracker from outside (a --pin restore):
 * the kernel's symbols, if one holds stacks, loaded now rather than from
 * inside the tracker's callbacks at its close.
 */
void session__took_over(struct session *s);
/*
 * A recording through the pipeline: each event observed, then fed to the
 * tracker by the replay, which alone knows the recorded losses
 * (rec/replay.h).  replay__run()'s return.
 */
struct replay;
int session__replay(struct session *s, struct replay *rp);
/* After each drain of events, at session__next_tick(), and once at the end (session__finish). */
void session__tick(struct session *s, uint64_t now_ns);
/*
 * When the sinks next want a tick (CLOCK_MONOTONIC ns; UINT64_MAX: no
 * sink does; the Prometheus file at its interval, the record sink every
 * 100 ms).
 */
uint64_t session__next_tick(const struct session *s);
/* Lines stdout's reader did not take (live tracing: outbuf.h). */
static inline uint64_t session__stdout_dropped(const struct session *s)
{
	return s->out.dropped_lines;
}

/*
 * What a live source (live/consumer.c) asks of the pipeline, through
 * these calls only.
 *
 * The kernel's losses, read before a drain and noted after it (the
 * tracker marks the incidents they touch): dropped is the ring buffer's
 * running total, missed the programs' skipped runs.
 */
void session__note_losses(struct session *s, uint64_t dropped, const struct runs_missed *missed,
			  uint64_t by_ns);
/* Close what is due by now_ns (the tracker's deadlines). */
void session__advance(struct session *s, uint64_t now_ns);
/* The tracker's next deadline (UINT64_MAX: none), and how many incidents are open. */
uint64_t session__next_deadline(const struct session *s);
uint32_t session__open_count(const struct session *s);
/*
 * stdout: the fd to poll for room (-1: not open), whether lines wait, and
 * writing what waits (a failure stops live tracing as a failed incident
 * write does: session__failed).
 */
int session__stdout_poll_fd(const struct session *s);
bool session__stdout_pending(const struct session *s);
void session__flush_stdout(struct session *s);
/* A sink write failed: tracing stops, session__close says which and why. */
static inline bool session__failed(const struct session *s)
{
	return s->write_error != 0;
}
/*
 * The /dev/kmsg fd to wake on when a sink keeps the whole kernel log (a
 * recording: no line may wait for an OOM to be read); -1 otherwise.
 */
int session__kmsg_wake_fd(const struct session *s);
/* SIGHUP: every sink reopens its files. */
void session__reopen(struct session *s);

/*
 * The end of the events: the tracker closes what is still open, every sink
 * gets one last tick at now_ns (the final statistics, while the tracker
 * lives), and the summary is printed with lost_events.
 */
void session__finish(struct session *s, uint64_t now_ns, uint64_t lost_events);
/*
 * Close every sink, then free the tracker they read.  A failed sink write
 * or close turns EXIT_OK into EXIT_RUNTIME, said once.  Returns the
 * status to exit with.
 */
int session__close(struct session *s, int status);

/*
 * The kernel log (pipeline/session_kmsg.c).  Live: open /dev/kmsg before the
 * privilege drop (it needs CAP_SYSLOG under dmesg_restrict), from its end;
 * a failure is said once and the log-only context fields are null with
 * that reason.  0 or -errno.
 */
int session__open_kmsg(struct session *s);
/* Does a sink keep the kernel log (the record sink)? */
bool session__records_kmsg(const struct session *s);
/*
 * Read what /dev/kmsg has now, into the log and the record sink: before
 * the tracker is fed a batch of events, so the lines printed before a
 * kill are there when it is applied.
 */
void session__drain_kmsg(struct session *s, uint64_t now_ns);
/* Replay: look kills up in this log (a recording's, whole); NULL: none, for why. */
void session__use_kmsg(struct session *s, const struct kmsg_log *log, uint8_t why);
/*
 * The tracker's callbacks (tracker_opts): lookups in the log the pipeline
 * read before it called the tracker; none reads.
 *
 * on_kill: the kernel log's OOM context for inc.
 */
void session__kill_context(struct oomreap_incident *inc, void *ctx);
/* The tracker's before_close: the kill's "Killed process" line, if on_kill missed it. */
void session__kill_rss(struct oomreap_incident *inc, void *ctx);
/* The tracker's on_join: an incident whose kill went unseen, from the kernel log. */
void session__join(struct oomreap_incident *inc, void *ctx);
/* The tracker's reaper_verdict: how the kernel log says the reaper's loop ended. */
enum oomreap_outcome session__reaper_verdict(const struct oomreap_incident *inc, void *ctx,
					     uint64_t *at);

#endif /* OOMREAP_SESSION_H */
