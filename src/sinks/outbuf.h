/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * stdout, as the session writes it: whole records (an incident's lines, a
 * -v event, the summary) rendered in memory, then written at once, so a
 * log shipper or jq sees each as soon as it is made, whatever stdout is.
 *
 * Live tracing must never wait for stdout's reader: the BPF ring buffer
 * fills while it waits and events are lost.  There the writes do not
 * block: what the reader has not taken yet waits here, up to a bound; a
 * record that does not fit is dropped whole, counted in lines, and said
 * once on stderr.  Replay has no ring buffer to protect: it blocks, and
 * drops nothing.
 */
#ifndef OOMREAP_OUTBUF_H
#define OOMREAP_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What may wait for stdout's reader: some hundreds of incidents' lines. */
#define OUTBUF_DEFAULT_LIMIT (1u << 20)

struct outbuf {
	int fd;             /* where it goes (1) */
	int wfd;            /* what is written to: fd, or a non-blocking reopening of it */
	bool bounded;       /* never block: drop what does not fit */
	bool use_send;      /* a socket: send(MSG_DONTWAIT), its own flags untouched */
	int restore_fl;     /* -1, or fd's file status flags to put back at close */
	char *buf;          /* pending bytes: buf[off, len) */
	size_t off, len, cap, limit;
	uint64_t dropped_lines;
	bool said;          /* the first drop was said on stderr */
	int err;            /* -errno of the first failed write, kept */
	char *mbuf;         /* the record being rendered (open_memstream) */
	size_t msize;
};

/*
 * Write to fd; bounded: without ever blocking, at most limit bytes
 * waiting (0: OUTBUF_DEFAULT_LIMIT).  Pipes and terminals are reopened
 * non-blocking (/proc/self/fd: a description of our own, so the shell's
 * terminal or a shared pipe keeps its flags); sockets are sent to with
 * MSG_DONTWAIT; regular files never wait for a reader and are written as
 * they are.  Call before the privilege drop.  Never fails: at worst the
 * shared description is made non-blocking and restored at close.
 */
void outbuf__open(struct outbuf *o, int fd, bool bounded, size_t limit);
/* A stream to render one record into; NULL (errno) when out of memory. */
FILE *outbuf__begin(struct outbuf *o);
/* The record rendered into f, queued and written what can be.  0 or -errno. */
int outbuf__commit(struct outbuf *o, FILE *f);
/* Write what is pending, as far as the reader takes it.  0 or -errno. */
int outbuf__flush(struct outbuf *o);
static inline bool outbuf__pending(const struct outbuf *o) { return o->len > o->off; }
/* The descriptor to wait on for POLLOUT while something is pending. */
static inline int outbuf__poll_fd(const struct outbuf *o) { return o->wfd; }
/*
 * The end: wait at most wait_ms for the reader to take what is pending,
 * count what it did not as dropped, close.  (A record the pipe took only
 * part of stays cut: it is counted too.)  Returns the kept -errno or 0.
 */
int outbuf__close(struct outbuf *o, int wait_ms);

#endif /* OOMREAP_OUTBUF_H */
