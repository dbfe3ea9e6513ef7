// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Blocker attribution on PREEMPT_RT (OOMREAP_BLK_RWBASE): the mmap_lock
 * is an rwbase_rt, whose readers word is all the kernel keeps of its
 * readers.  Decoding that word, keeping pictures apart by it in the
 * tracker, and what each output says of it: the writer named, taking or
 * holding the lock; the readers a count, said to be no more than that;
 * the waiters' mode not recorded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/incident.h"
#include "core/tracker.h"
#include "rec/record.h"
#include "report/report.h"
#include "sinks/render.h"
#include "wire.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define T0 (1000 * SEC)

#define READER_BIAS 0x80000000u
#define WRITER_BIAS 0x40000000u

#define VICTIM 6000
#define WRITER 6100
#define WAITER 6200

static void test_readers_word(void **state)
{
	uint32_t readers = 99;

	(void)state;
	assert_int_equal(incident__rwbase_state(READER_BIAS, &readers), RWBASE_NO_WRITER);
	assert_int_equal(readers, 0);
	assert_int_equal(incident__rwbase_state(READER_BIAS + 3, &readers), RWBASE_NO_WRITER);
	assert_int_equal(readers, 3);
	/* a writer took the rtmutex and removed the bias: the rest are readers still in */
	assert_int_equal(incident__rwbase_state(0, &readers), RWBASE_WRITER_WAITING);
	assert_int_equal(readers, 0);
	assert_int_equal(incident__rwbase_state(2, &readers), RWBASE_WRITER_WAITING);
	assert_int_equal(readers, 2);
	assert_int_equal(incident__rwbase_state(WRITER_BIAS, &readers), RWBASE_WRITE_LOCKED);
	assert_int_equal(readers, 0);
	/* WRITER_BIAS is only ever set alone */
	assert_int_equal(incident__rwbase_state(WRITER_BIAS + 1, &readers), RWBASE_INVALID);
	assert_int_equal(incident__rwbase_state(0x7fffffffu, &readers), RWBASE_INVALID);
	/* only the 32-bit word counts (lock_count is a u64 on the wire) */
	assert_int_equal(incident__rwbase_state(0xffffffff00000000ull | WRITER_BIAS, &readers),
			 RWBASE_WRITE_LOCKED);
}

static void test_lock_state_words(void **state)
{
	char buf[160];

	(void)state;
	incident__lock_state(buf, sizeof(buf), 0, WRITER_BIAS);
	assert_string_equal(buf, ""); /* not RT: nothing to say */
	incident__lock_state(buf, sizeof(buf), OOMREAP_BLK_RWBASE, WRITER_BIAS);
	assert_string_equal(buf, "write-locked, no reader in");
	incident__lock_state(buf, sizeof(buf), OOMREAP_BLK_RWBASE, 1);
	assert_string_equal(buf, "the writer waits for 1 reader to leave (PREEMPT_RT counts "
				 "readers, it does not record who they are)");
	incident__lock_state(buf, sizeof(buf), OOMREAP_BLK_RWBASE, READER_BIAS + 2);
	assert_non_null(strstr(buf, "no writer any more, 2 readers in"));
	incident__lock_state(buf, sizeof(buf), OOMREAP_BLK_RWBASE, WRITER_BIAS + 5);
	assert_string_equal(buf, "readers word 0x40000005: no state of the lock");
}

/* An RT picture: the rtmutex's owner and one waiter, the readers word as given. */
static struct oomreap_blocker_event rt_blocker(uint64_t ts, uint32_t readers_word)
{
	struct oomreap_blocker_event b = wire__blocker(1, VICTIM, ts, readers_word);

	b.blk_flags = OOMREAP_BLK_RWBASE;
	assert_non_null(wire__blocked(&b, WRITER, OOMREAP_ROLE_OWNER_WRITER, "writer", -3));
	assert_non_null(wire__blocked(&b, WAITER, OOMREAP_ROLE_WAITER_RT, "waiter", -3));
	return b;
}

struct collected {
	struct oomreap_incident inc;
	int n;
};

static void collect(const struct oomreap_incident *inc, void *ctx)
{
	struct collected *c = ctx;

	c->inc = *inc;
	c->n++;
}

#define FEED(t, ev)                                                                    \
	do {                                                                           \
		__typeof__(ev) _e = (ev);                                              \
		assert_int_equal(tracker__feed((t), &_e, sizeof(_e)), 0);              \
	} while (0)

/*
 * Ten failed trylocks: the writer first waits for one reader, then holds
 * the lock.  The two states are two pictures; the same state again is
 * counted, not kept twice.
 */
static void rt_incident(struct oomreap_incident *out)
{
	static struct collected c;
	struct tracker_opts o = { .on_close = collect, .ctx = &c };
	struct tracker *t = tracker__new(&o);
	uint64_t ts = T0 + 2 * SEC;
	int i;

	assert_non_null(t);
	memset(&c, 0, sizeof(c));
	FEED(t, wire__kill(1, VICTIM, VICTIM, T0, "victim", "/rt"));
	FEED(t, wire__reap(OOMREAP_EV_REAPER_WAKE, 1, VICTIM, ts));
	for (i = 0; i < 10; i++) {
		struct oomreap_reap_event skip = wire__reap(OOMREAP_EV_REAP_SKIP, 1, VICTIM, ts);

		skip.skip_reason = OOMREAP_SKIP_TRYLOCK_FAILED;
		FEED(t, skip);
		FEED(t, rt_blocker(ts + MS, i < 3 ? 1 : WRITER_BIAS));
		ts += 104 * MS;
	}
	tracker__flush(t);
	assert_int_equal(c.n, 1);
	*out = c.inc;
	tracker__free(t);
}

static void test_tracker_keeps_rt_states_apart(void **state)
{
	struct oomreap_incident inc;

	(void)state;
	rt_incident(&inc);
	assert_int_equal(inc.trylock_failures, 10);
	assert_int_equal(inc.blocker_events, 10);
	assert_int_equal(inc.nblockers, 2);
	assert_int_equal(inc.blockers[0].count, 3);
	assert_int_equal(inc.blockers[0].lock_count, 1);
	assert_int_equal(inc.blockers[0].first_attempt, 1);
	assert_int_equal(inc.blockers[0].last_attempt, 3);
	assert_int_equal(inc.blockers[1].count, 7);
	assert_int_equal(inc.blockers[1].lock_count, WRITER_BIAS);
	assert_int_equal(inc.blockers[1].first_attempt, 4);
	assert_int_equal(inc.blockers[1].tasks[1].role, OOMREAP_ROLE_WAITER_RT);
}

static char *text_of(const struct oomreap_incident *inc, bool json)
{
	struct render_ctx rc = { .page_size = 4096 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (json)
		render__json_incident(f, inc, &rc);
	else
		render__text_incident(f, inc, &rc);
	fclose(f);
	return buf;
}

static void test_text_and_json(void **state)
{
	struct oomreap_incident inc;
	char *s;

	(void)state;
	rt_incident(&inc);
	s = text_of(&inc, false);
	/* the picture seen most often speaks: the writer holds the lock */
	assert_non_null(strstr(s, "reaper blocked 10x: mmap_lock held for write by 6100 (writer); "
				  "waiter 6200 (waiter) [read or write: not recorded]; "
				  "mmap_lock: write-locked, no reader in (1 other pictures)"));
	free(s);

	inc.blockers[0].count = 8; /* now the writer still waiting for its reader */
	s = text_of(&inc, false);
	assert_non_null(strstr(s, "mmap_lock being taken for write by 6100 (writer);"));
	assert_non_null(strstr(s, "mmap_lock: the writer waits for 1 reader to leave (PREEMPT_RT "
				  "counts readers, it does not record who they are)"));
	free(s);

	s = text_of(&inc, true);
	assert_non_null(strstr(s, "\"lock\":\"rwbase_rt\",\"readers_recorded\":false,"
				  "\"readers\":1,\"writer\":\"waiting_for_readers\""));
	assert_non_null(strstr(s, "\"readers\":0,\"writer\":\"holding\""));
	assert_non_null(strstr(s, "\"pid\":6200,\"tgid\":6200,\"comm\":\"waiter\","
				  "\"mode\":\"unrecorded\""));
	free(s);

	/* a word no state of the lock has: its readers are not known, null */
	inc.blockers[0].lock_count = WRITER_BIAS + 1;
	s = text_of(&inc, true);
	assert_non_null(strstr(s, "\"readers\":null,\"writer\":null"));
	free(s);
}

/* The lock said it had waiters and the walk found none: said, not hidden. */
static void test_waiters_unseen(void **state)
{
	struct oomreap_incident inc;
	char *s;

	(void)state;
	rt_incident(&inc);
	inc.nblockers = 1;
	inc.blockers[0].ntasks = 1; /* the writer only */
	inc.blockers[0].blk_flags |= OOMREAP_BLK_WAITERS_UNSEEN;
	s = text_of(&inc, false);
	assert_non_null(strstr(s, "(the lock had waiters the tool did not find)"));
	free(s);
	s = text_of(&inc, true);
	assert_non_null(strstr(s, "\"waiters_truncated\":false,\"waiters_unseen\":true,\"holder\":"));
	free(s);
	inc.blockers[0].blk_flags &= ~OOMREAP_BLK_WAITERS_UNSEEN;
	s = text_of(&inc, true);
	assert_null(strstr(s, "waiters_unseen"));
	free(s);
}

static void test_report_says_it(void **state)
{
	struct report_opts o = { .format = REPORT_MD };
	struct oomrec_header h;
	struct report_source src = { .hdr = &h, .name = "rt.oomrec" };
	struct oomreap_incident inc;
	struct report *r;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	memset(&h, 0, sizeof(h));
	strcpy(h.tool_version, "test");
	strcpy(h.kernel_release, "7.3.4+deb13-rt-amd64");
	h.page_size = 4096;
	h.start_mono_ns = T0;
	h.rung = 3;
	rt_incident(&inc);
	r = report__new(&o, &h);
	assert_non_null(r);
	report__on_incident(&inc, r);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(report__write(r, f, &src, NULL), 0);
	fclose(f);
	assert_non_null(strstr(buf, "Attempts 1 to 3, the PREEMPT_RT `mmap_lock`: the writer "
				    "waits for 1 reader to leave"));
	assert_non_null(strstr(buf, "Attempts 4 to 10, the PREEMPT_RT `mmap_lock`: "
				    "write-locked, no reader in."));
	assert_non_null(strstr(buf, "queued (for read or write: PREEMPT_RT does not record which)"));
	free(buf);
	report__free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readers_word),
		cmocka_unit_test(test_lock_state_words),
		cmocka_unit_test(test_tracker_keeps_rt_states_apart),
		cmocka_unit_test(test_text_and_json),
		cmocka_unit_test(test_waiters_unseen),
		cmocka_unit_test(test_report_says_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
