// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Bounded memory: a long-running tracer must not grow with the number of
 * OOM kills it has seen, nor with what one victim does.  A million
 * synthetic incidents go through the tracker API (src/core/tracker.c) and the
 * heap (mallinfo2) and the peak RSS (VmHWM) must not move once the
 * incident slots are warm; what could not be kept is counted instead
 * (evictions, dropped timeline entries, dropped blocker pictures,
 * orphans).
 */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/event.h"
#include "oomreap_abi.h"
#include "core/tracker.h"
#include "wire.h"

#define MS 1000000ull
#define T0 (1000ull * 1000 * MS)
#define MILLION 1000000u
/* Growth allowed once warm: the tracker itself allocates nothing after new. */
#define HEAP_SLACK_BYTES 0
#define HWM_SLACK_KIB 1024 /* stdio, cmocka, page-granular accounting */

struct counts {
	uint64_t closed, evicted, open_outcome, incomplete, ended_unseen;
	uint64_t last_evicted_kill_ns;
	bool evicted_in_order;
	uint32_t max_timeline, max_blockers;
	uint64_t timeline_dropped, blockers_dropped;
};

static void count(const struct oomreap_incident *inc, void *ctx)
{
	struct counts *c = ctx;

	c->closed++;
	if (inc->evicted) {
		/* the oldest open incident goes first */
		if (inc->kill_ns < c->last_evicted_kill_ns)
			c->evicted_in_order = false;
		c->last_evicted_kill_ns = inc->kill_ns;
		c->evicted++;
	}
	if (inc->outcome == OUTCOME_OPEN)
		c->open_outcome++;
	if (inc->incomplete)
		c->incomplete++;
	if (inc->ended_unseen)
		c->ended_unseen++;
	if (inc->timeline_len > c->max_timeline)
		c->max_timeline = inc->timeline_len;
	if (inc->nblockers > c->max_blockers)
		c->max_blockers = inc->nblockers;
	c->timeline_dropped += inc->timeline_dropped;
	c->blockers_dropped += inc->blockers_dropped;
}

static long status_kib(const char *key)
{
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

static size_t heap_in_use(void)
{
	return mallinfo2().uordblks;
}

static void feed_kill(struct tracker *t, uint64_t seq, uint32_t pid, uint64_t ts)
{
	char comm[OOMREAP_COMM_LEN], cgroup[64];
	struct oomreap_kill_event k;

	snprintf(comm, sizeof(comm), "victim%u", pid % 100000);
	snprintf(cgroup, sizeof(cgroup), "/kubepods/pod-%llu", (unsigned long long)seq);
	k = wire__kill(seq, pid, pid, ts, comm, cgroup);
	k.mm = wire__mm(25600, 0, 0);
	assert_int_equal(tracker__feed(t, &k, sizeof(k)), 0);
}

static void feed_exit(struct tracker *t, uint64_t seq, uint32_t pid, uint64_t ts)
{
	struct oomreap_exit_event x = wire__exit(seq, pid, ts, 1, 1);

	assert_int_equal(tracker__feed(t, &x, sizeof(x)), 0);
}

static void feed_reap(struct tracker *t, uint32_t type, uint64_t seq, uint32_t pid, uint64_t ts)
{
	struct oomreap_reap_event r = wire__reap(type, seq, pid, ts);

	r.hdr.tgid = pid;
	assert_int_equal(tracker__feed(t, &r, sizeof(r)), 0);
}

/*
 * A million kills with recycled pids: three in four exit at once (the
 * common case, docs/LAB.md A), one in four is never heard of again (events
 * lost, or a victim stuck for good).  Only max_open can be held: the
 * rest must be evicted, oldest first, counted, and reported.
 */
static void test_million_incidents(void **state)
{
	const uint32_t max_open = 256;
	struct counts c = { .evicted_in_order = true };
	struct tracker_opts o = { .max_open = max_open, .on_close = count, .ctx = &c };
	struct tracker *t = tracker__new(&o);
	size_t heap_warm = 0, heap_end;
	long hwm_warm = 0, hwm_end, rss_end;
	uint64_t stuck = 0, ts = T0;
	uint32_t i;

	(void)state;
	assert_non_null(t);
	for (i = 1; i <= MILLION; i++) {
		uint32_t pid = 300 + i % 32000; /* pid_max-like reuse */

		ts += MS;
		feed_kill(t, i, pid, ts);
		if (i % 4)
			feed_exit(t, i, pid, ts + MS / 2);
		else
			stuck++;
		if (i % 1000 == 0)
			tracker__advance(t, ts);
		if (i == 4 * max_open + 10000) { /* every slot used at least once */
			hwm_warm = status_kib("VmHWM");
			heap_warm = heap_in_use(); /* after stdio's own buffers */
		}
		assert_true(tracker__open_count(t) <= max_open);
	}
	heap_end = heap_in_use();
	hwm_end = status_kib("VmHWM");
	rss_end = status_kib("VmRSS");
	print_message("      sizeof(incident) %zu B, %u slots = %zu KiB; heap in use %zu -> %zu B; "
		      "VmHWM %ld -> %ld KiB, VmRSS %ld KiB\n",
		      sizeof(struct oomreap_incident), max_open,
		      max_open * sizeof(struct oomreap_incident) / 1024, heap_warm, heap_end,
		      hwm_warm, hwm_end, rss_end);
	assert_true(heap_end <= heap_warm + HEAP_SLACK_BYTES);
	assert_true(hwm_end - hwm_warm <= HWM_SLACK_KIB);

	assert_int_equal(tracker__stats(t)->incidents_opened, MILLION);
	assert_int_equal(tracker__stats(t)->evictions, stuck - max_open);
	assert_int_equal(c.evicted, stuck - max_open);
	assert_true(c.evicted_in_order);
	assert_int_equal(tracker__stats(t)->incidents_closed[OUTCOME_VICTIM_EXITED],
			 MILLION - stuck);
	tracker__flush(t);
	/* every incident reported exactly once; the stuck ones as "open" */
	assert_int_equal(c.closed, MILLION);
	assert_int_equal(c.open_outcome, stuck);
	assert_int_equal(tracker__open_count(t), 0);
	tracker__free(t);
}

/*
 * The same with the default bound and reaper events for kills that were
 * never seen (lost): each opens an incomplete incident; the bound holds.
 */
static void test_million_orphan_reaper_events(void **state)
{
	struct counts c = { .evicted_in_order = true };
	struct tracker_opts o = { .on_close = count, .ctx = &c };
	struct tracker *t = tracker__new(&o);
	size_t heap_warm = 0;
	uint64_t ts = T0;
	uint32_t i;

	(void)state;
	assert_non_null(t);
	for (i = 1; i <= MILLION; i++) {
		ts += MS;
		feed_reap(t, OOMREAP_EV_REAPER_WAKE, i, 1000 + i % 30000, ts);
		if (i == 20000)
			heap_warm = heap_in_use();
	}
	assert_true(heap_in_use() <= heap_warm + HEAP_SLACK_BYTES);
	assert_true(tracker__open_count(t) <= 1024); /* the documented default */
	/*
	 * Each is incomplete (its kill lost) and waits at most for its loss
	 * deadline (LOSS_WAIT_AFTER_KILL_NS): those the bound did not evict
	 * first close there, their end unseen.
	 */
	assert_true(c.ended_unseen > 0);
	assert_int_equal(tracker__stats(t)->evictions + c.ended_unseen,
			 MILLION - tracker__open_count(t));
	tracker__flush(t);
	assert_int_equal(c.closed, MILLION);
	assert_int_equal(c.incomplete, MILLION);
	tracker__free(t);
}

/* A million exits that match no kill: a fixed ring holds a few, the rest are counted. */
static void test_million_orphan_exits(void **state)
{
	struct counts c = { 0 };
	struct tracker_opts o = { .max_open = 16, .on_close = count, .ctx = &c };
	struct tracker *t = tracker__new(&o);
	size_t heap_warm = 0;
	uint64_t ts = T0;
	uint32_t i;

	(void)state;
	assert_non_null(t);
	for (i = 1; i <= MILLION; i++) {
		ts += MS;
		feed_exit(t, 0, 1000 + i % 30000, ts);
		if (i == 1000)
			heap_warm = heap_in_use();
	}
	assert_true(heap_in_use() <= heap_warm + HEAP_SLACK_BYTES);
	assert_int_equal(tracker__stats(t)->orphan_events, MILLION);
	assert_int_equal(tracker__open_count(t), 0);
	tracker__free(t);
}

/*
 * One victim, a million events about it (a timer storm, a blocker that
 * changes every time): the incident keeps TIMELINE_MAX entries and
 * BLOCKER_SNAPSHOTS pictures and counts the rest.
 */
static void test_one_incident_million_events(void **state)
{
	struct counts c = { 0 };
	struct tracker_opts o = { .max_open = 4, .on_close = count, .ctx = &c };
	struct tracker *t = tracker__new(&o);
	struct oomreap_blocker_event b;
	uint64_t ts = T0;
	uint32_t i;

	(void)state;
	assert_non_null(t);
	feed_kill(t, 1, 4242, ts);
	for (i = 0; i < MILLION / 2; i++) {
		ts += 1000;
		feed_reap(t, OOMREAP_EV_REAPER_WAKE, 1, 4242, ts);
	}
	for (i = 0; i < MILLION / 2; i++) {
		ts += 1000;
		b = wire__blocker(1, 4242, ts, 0);
		/* a new holder every time: a new picture */
		wire__blocked(&b, 5000 + i, OOMREAP_ROLE_OWNER_READER, "", -3);
		assert_int_equal(tracker__feed(t, &b, sizeof(b)), 0);
	}
	tracker__flush(t);
	assert_int_equal(c.closed, 1);
	assert_int_equal(c.max_timeline, TIMELINE_MAX);
	assert_int_equal(c.timeline_dropped, MILLION / 2 + 1 - TIMELINE_MAX);
	assert_int_equal(c.max_blockers, BLOCKER_SNAPSHOTS);
	assert_int_equal(c.blockers_dropped, MILLION / 2 - BLOCKER_SNAPSHOTS);
	tracker__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_million_incidents),
		cmocka_unit_test(test_million_orphan_reaper_events),
		cmocka_unit_test(test_million_orphan_exits),
		cmocka_unit_test(test_one_incident_million_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
