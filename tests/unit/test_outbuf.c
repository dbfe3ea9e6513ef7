// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stdout as live tracing writes it (src/sinks/outbuf.c): a reader that
 * stops reading must never make a write wait (the ring buffer would fill
 * behind it), what waits is bounded, and what cannot wait is dropped in
 * whole records, counted in lines, never cut mid-line.  Replay's stdout
 * (unbounded) writes everything.  And the text sink on top of it: a group
 * kill's event line dropped with its first victim comes with the next.
 */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/incident.h"
#include "core/timefmt.h"
#include "core/tracker.h"
#include "sinks/outbuf.h"
#include "sinks/sink.h"

#define RECORDS 2000
#define LIMIT 8192

/* One record of two lines, numbered, as an incident with a blocker line is. */
static int put(struct outbuf *o, int i)
{
	FILE *f = outbuf__begin(o);

	assert_non_null(f);
	fprintf(f, "record %04d first line ......................................\n", i);
	fprintf(f, "record %04d second line\n", i);
	return outbuf__commit(o, f);
}

/*
 * What the reader gets, parsed: whole records, in order, each numbered
 * higher than the last (a drop skips numbers, never cuts a record).  A
 * record may arrive in two reads (the pipe took part of a write): the
 * rest waits in `carry` for the next call.  Returns the records completed.
 */
static char carry[1 << 20];
static size_t carried;

static int read_back(int rfd, int *last)
{
	ssize_t n;
	int records = 0, a, b;
	char *p, *q, *r;

	while ((n = read(rfd, carry + carried, sizeof(carry) - 1 - carried)) > 0)
		carried += (size_t)n;
	carry[carried] = 0;
	for (p = carry; (q = strchr(p, '\n')) && (r = strchr(q + 1, '\n')); p = r + 1) {
		assert_int_equal(sscanf(p, "record %d first", &a), 1);
		assert_int_equal(sscanf(q + 1, "record %d second", &b), 1);
		assert_int_equal(a, b);
		assert_true(a > *last);
		*last = a;
		records++;
	}
	carried -= (size_t)(p - carry);
	memmove(carry, p, carried);
	return records;
}

static void check_stalled_reader(int wfd, int rfd)
{
	struct outbuf o;
	uint64_t t0;
	int i, got, last = -1;

	carried = 0;
	outbuf__open(&o, wfd, true, LIMIT);
	assert_true(o.bounded);
	t0 = timefmt__mono_now();
	for (i = 0; i < RECORDS; i++)
		assert_int_equal(put(&o, i), 0);
	/* nothing waited for the reader: 2000 records in well under a second */
	assert_true(timefmt__mono_now() - t0 < 1000000000ull);
	assert_true(o.len - o.off <= LIMIT);
	assert_true(o.dropped_lines > 0);
	assert_int_equal(o.dropped_lines % 2, 0); /* whole records only */

	/* the reader comes back: what waited arrives whole, then what follows */
	got = read_back(rfd, &last);
	while (outbuf__pending(&o)) {
		assert_int_equal(outbuf__flush(&o), 0);
		got += read_back(rfd, &last);
	}
	assert_int_equal(got + (int)(o.dropped_lines / 2), RECORDS);
	assert_int_equal(put(&o, RECORDS), 0);
	got += read_back(rfd, &last);
	assert_int_equal(last, RECORDS);

	/* at the end, what the reader does not take in time is counted too */
	for (i = 0; i < RECORDS; i++)
		put(&o, RECORDS + 1 + i);
	assert_int_equal(outbuf__close(&o, 10), 0);
	assert_int_equal(got + (int)(o.dropped_lines / 2) + read_back(rfd, &last),
			 2 * RECORDS + 1);
	/*
	 * The one record a write had begun when the reader stopped for good
	 * may stay cut (what the pipe took cannot be taken back); it is
	 * counted with the dropped ones, and nothing else is cut.
	 */
	assert_true(carried < 100);
}

static void test_pipe_reader_stops(void **state)
{
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	fcntl(p[0], F_SETPIPE_SZ, 4096);
	fcntl(p[0], F_SETFL, O_NONBLOCK); /* the test's own end: read what is there */
	check_stalled_reader(p[1], p[0]);
	/* the writer's end was reopened: its own description is left blocking */
	assert_false(fcntl(p[1], F_GETFL) & O_NONBLOCK);
	close(p[0]);
	close(p[1]);
}

static void test_socket_reader_stops(void **state)
{
	int sv[2], sz = 4096;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	check_stalled_reader(sv[0], sv[1]);
	assert_false(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
	close(sv[0]);
	close(sv[1]);
}

/* Replay: everything is written, in order, nothing dropped. */
static void test_unbounded_writes_all(void **state)
{
	char path[] = "/tmp/oomreap-outbuf-XXXXXX";
	int fd = mkstemp(path), rfd, i, last = -1;
	struct outbuf o;

	assert_true(fd >= 0);
	unlink(path);
	outbuf__open(&o, fd, false, LIMIT);
	for (i = 0; i < RECORDS; i++)
		assert_int_equal(put(&o, i), 0);
	assert_false(outbuf__pending(&o));
	assert_int_equal(outbuf__close(&o, 0), 0);
	assert_int_equal(o.dropped_lines, 0);
	rfd = dup(fd);
	lseek(rfd, 0, SEEK_SET);
	carried = 0;
	assert_int_equal(read_back(rfd, &last), RECORDS);
	close(rfd);
	close(fd);
}

/* A full disk is an error to report, not lines to drop. */
/* Everything the reader has: drained from a non-blocking pipe, NUL-ended. */
static size_t drain(int rfd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len - 1 && (n = read(rfd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = 0;
	return got;
}

/*
 * A group kill's event line goes out with its first victim's line, as one
 * record.  When stdout's reader stalls and that record is dropped, the
 * event's next victim to close must bring the line, or the text output
 * shows victims under no event at all.
 */
static void test_group_event_line_survives_a_drop(void **state)
{
	struct render_ctx rc = { .page_size = 4096 };
	struct oomreap_incident inc;
	static char got[1 << 20];
	struct sink s = { 0 };
	struct outbuf o;
	uint64_t dropped;
	int p[2], i;

	(void)state;
	memset(&inc, 0, sizeof(inc));
	inc.pid = 4242;
	inc.oom_event.id = 7;
	inc.oom_event.group_kill = GROUP_KILL_YES;
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	outbuf__open(&o, p[1], true, LIMIT);
	assert_int_equal(sink_stream__open(&s, &o, false, &rc), 0);
	/* the reader stops: the pipe and then the bound fill up */
	for (i = 0; o.dropped_lines == 0; i++)
		put(&o, i);
	dropped = o.dropped_lines;
	assert_int_equal(s.ops->incident(&s, &inc), 0);
	assert_true(o.dropped_lines > dropped); /* the first victim's record is gone */

	/* the reader is back: the next victim of the same event closes */
	while (outbuf__pending(&o)) {
		drain(p[0], got, sizeof(got));
		assert_int_equal(outbuf__flush(&o), 0);
	}
	drain(p[0], got, sizeof(got));
	inc.pid = 4343;
	assert_int_equal(s.ops->incident(&s, &inc), 0);
	drain(p[0], got, sizeof(got));
	assert_non_null(strstr(got, "OOM event 7: memory.oom.group kill of"));
	assert_non_null(strstr(got, "4343"));

	/* once out, it is not repeated for the event's third victim */
	inc.pid = 4444;
	assert_int_equal(s.ops->incident(&s, &inc), 0);
	drain(p[0], got, sizeof(got));
	assert_null(strstr(got, "OOM event 7"));
	assert_non_null(strstr(got, "4444"));

	assert_int_equal(s.ops->close(&s), 0);
	outbuf__close(&o, 0);
	close(p[0]);
}

static void test_write_error_kept(void **state)
{
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	struct outbuf o;

	if (fd < 0)
		skip();
	outbuf__open(&o, fd, true, LIMIT);
	assert_int_equal(put(&o, 0), -ENOSPC);
	assert_int_equal(put(&o, 1), -ENOSPC);
	assert_int_equal(outbuf__close(&o, 0), -ENOSPC);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe_reader_stops),
		cmocka_unit_test(test_socket_reader_stops),
		cmocka_unit_test(test_unbounded_writes_all),
		cmocka_unit_test(test_write_error_kept),
		cmocka_unit_test(test_group_event_line_survives_a_drop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
