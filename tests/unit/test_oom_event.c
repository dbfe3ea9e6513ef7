// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * OOM events (src/core/oom_event.c) through the tracker: which victims
 * share one OOM-killer invocation, and when memory.oom.group killed them.
 * Kills are built as the BPF side emits them (tests/lib/wire.c), with the
 * memory.oom.group bits it reads from the victim's memcg chain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/tracker.h"
#include "wire.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define T0 (1000 * SEC)

#define CTR "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-ab.scope"
#define POD "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice"

#define MAX_CLOSED 32
static struct oomreap_incident closed[MAX_CLOSED];
static unsigned nclosed;

static void on_close(const struct oomreap_incident *inc, void *ctx)
{
	(void)ctx;
	if (nclosed < MAX_CLOSED)
		closed[nclosed++] = *inc;
}

static struct tracker *new_tracker(void)
{
	struct tracker_opts o = { .on_close = on_close };

	nclosed = 0;
	return tracker__new(&o);
}

/* A victim in cgroup, killed by thread trigger; levels as BPF read them. */
static struct oomreap_kill_event kill(uint64_t seq, uint32_t pid, uint64_t ts, uint32_t trigger,
				      const char *cgroup, uint32_t levels)
{
	struct oomreap_kill_event k = wire__kill(seq, pid, pid, ts, "task", cgroup);

	k.kill_flags |= OOMREAP_KILL_GROUP_READ;
	k.oom_group_levels = levels;
	k.trigger_pid = k.trigger_tgid = trigger;
	k.cgroup_hierarchy = 0;
	return k;
}

static void feed(struct tracker *t, const void *ev, size_t size)
{
	assert_int_equal(tracker__feed(t, ev, size), 0);
}
#define FEED(t, ev) feed(t, &(ev), sizeof(ev))

/* OOM events among the closed incidents: each has one first victim. */
static unsigned events(bool group_only)
{
	unsigned i, n = 0;

	for (i = 0; i < nclosed; i++)
		if (closed[i].oom_event.index == 1 &&
		    (!group_only || closed[i].oom_event.group_kill == GROUP_KILL_YES))
			n++;
	return n;
}

static const struct oomreap_incident *by_pid(uint32_t pid)
{
	unsigned i;

	for (i = 0; i < nclosed; i++)
		if (closed[i].pid == pid)
			return &closed[i];
	fail_msg("no incident for pid %u", pid);
	return NULL;
}

/* The kubepods shape: the hog is chosen, its three siblings die with it. */
static void test_group_kill_one_event(void **state)
{
	struct tracker *t = new_tracker();
	struct oomreap_kill_event k;
	uint32_t pid;

	(void)state;
	k = kill(10, 100, T0, 100, CTR, 1);
	FEED(t, k);
	for (pid = 101; pid <= 103; pid++) {
		k = kill(10 + pid - 100, pid, T0 + (pid - 100) * MS, 100, CTR, 1);
		FEED(t, k);
	}
	tracker__flush(t);
	assert_int_equal(nclosed, 4);
	for (pid = 100; pid <= 103; pid++) {
		const struct oomreap_incident *inc = by_pid(pid);

		assert_int_equal(inc->oom_event.id, 10);
		assert_int_equal(inc->oom_event.index, pid - 99);
		assert_int_equal(inc->oom_event.group_kill, GROUP_KILL_YES);
		assert_true(inc->oom_event.group_cgroup_known);
		assert_string_equal(inc->oom_event.group_cgroup, CTR);
	}
	assert_int_equal(events(false), 1);
	assert_int_equal(events(true), 1);
	tracker__free(t);
}

/*
 * A plain OOM in another memcg right after (oom_lock orders them): its
 * own event.  Then a second OOM in the group's memcg a moment later, by a
 * new task of the container: a new event, not more members.
 */
static void test_events_never_merge(void **state)
{
	struct tracker *t = new_tracker();
	struct oomreap_kill_event k;

	(void)state;
	k = kill(1, 100, T0, 100, CTR, 1);
	FEED(t, k);
	k = kill(2, 101, T0 + 100000, 100, CTR, 1);
	FEED(t, k);
	k = kill(3, 200, T0 + 200000, 201, "/plain", 0);
	FEED(t, k);
	k = kill(4, 300, T0 + 5 * MS, 300, CTR, 1);
	FEED(t, k);
	k = kill(5, 301, T0 + 6 * MS, 300, CTR, 1);
	FEED(t, k);
	tracker__flush(t);
	assert_int_equal(by_pid(101)->oom_event.id, 1);
	assert_int_equal(by_pid(200)->oom_event.id, 3);
	assert_int_equal(by_pid(200)->oom_event.index, 1);
	assert_int_equal(by_pid(200)->oom_event.group_kill, GROUP_KILL_NO);
	assert_false(by_pid(200)->oom_event.group_cgroup_known);
	assert_int_equal(by_pid(300)->oom_event.id, 4);
	assert_int_equal(by_pid(301)->oom_event.id, 4);
	assert_int_equal(by_pid(301)->oom_event.index, 2);
	assert_int_equal(events(false), 3);
	assert_int_equal(events(true), 2);
	tracker__free(t);
}

/* Plain kills by one thread, back to back: one event each. */
static void test_plain_kills_one_each(void **state)
{
	struct tracker *t = new_tracker();
	struct oomreap_kill_event k;

	(void)state;
	k = kill(1, 100, T0, 50, "/x", 0);
	FEED(t, k);
	k = kill(2, 101, T0 + 1000, 50, "/x", 0);
	FEED(t, k);
	tracker__flush(t);
	assert_int_equal(by_pid(100)->oom_event.id, 1);
	assert_int_equal(by_pid(101)->oom_event.id, 2);
	assert_int_equal(by_pid(101)->oom_event.index, 1);
	tracker__free(t);
}

/*
 * The same thread killing in the same group again: a new event after
 * EVENT_MEMBER_GAP_NS, or at once when oom_kill_process() was seen in
 * between (the function rungs).
 */
static void test_same_trigger_new_invocation(void **state)
{
	struct tracker *t = new_tracker();
	struct oomreap_oom_context_event c;
	struct oomreap_kill_event k;

	(void)state;
	k = kill(1, 100, T0, 50, CTR, 1);
	FEED(t, k);
	k = kill(2, 101, T0 + EVENT_MEMBER_GAP_NS + 1, 50, CTR, 1);
	FEED(t, k);
	c = wire__context(102, T0 + EVENT_MEMBER_GAP_NS + 2 * MS, 50, "trigger", CTR);
	FEED(t, c);
	k = kill(3, 102, T0 + EVENT_MEMBER_GAP_NS + 3 * MS, 50, CTR, 1);
	FEED(t, k);
	k = kill(4, 103, T0 + EVENT_MEMBER_GAP_NS + 4 * MS, 50, CTR, 1);
	FEED(t, k);
	tracker__flush(t);
	assert_int_equal(by_pid(101)->oom_event.id, 2);
	assert_int_equal(by_pid(102)->oom_event.id, 3);
	assert_int_equal(by_pid(103)->oom_event.id, 3);
	assert_int_equal(by_pid(103)->oom_event.index, 2);
	tracker__free(t);
}

/*
 * The outermost memcg with the flag is the group, as in the kernel; but
 * never above the OOM domain, where the kernel stops looking.
 */
static void test_group_is_outermost_within_domain(void **state)
{
	struct tracker *t = new_tracker();
	struct oomreap_oom_context_event c;
	struct oomreap_kill_event k;

	(void)state;
	k = kill(1, 100, T0, 50, CTR, 0x3); /* container and pod */
	FEED(t, k);
	c = wire__context(200, T0 + 5 * SEC, 60, "trigger", CTR);
	c.domain_cgroup_id = 77; /* a memcg OOM: oc->memcg is set */
	FEED(t, c);
	k = kill(2, 200, T0 + 5 * SEC + 1000, 60, CTR, 0x2); /* only the pod, above the domain */
	FEED(t, k);
	tracker__flush(t);
	assert_int_equal(by_pid(100)->oom_event.group_kill, GROUP_KILL_YES);
	assert_string_equal(by_pid(100)->oom_event.group_cgroup, POD);
	assert_int_equal(by_pid(200)->oom_event.group_kill, GROUP_KILL_NO);
	tracker__free(t);
}

/*
 * The kernel log reports the chosen victim only: its OOM domain clips the
 * group for the members too, or a flag above the domain would split them
 * off into an event of their own.
 */
static void test_members_take_the_events_domain(void **state)
{
	struct oom_events ev = { 0 };
	struct oom_event_info a, b;
	struct oomreap_kill_event k;

	(void)state;
	k = kill(1, 100, T0, 50, CTR, 0x3);
	oom_events__assign(&ev, &k, CTR, 0, &a);
	k = kill(2, 101, T0 + 1000, 50, CTR, 0x3);
	oom_events__assign(&ev, &k, NULL, 0, &b);
	assert_string_equal(a.group_cgroup, CTR);
	assert_int_equal(b.id, 1);
	assert_int_equal(b.index, 2);
	assert_string_equal(b.group_cgroup, CTR);
}

/* What cannot be read is unknown, never "no"; a cut path names no group. */
static void test_unknown_and_truncated(void **state)
{
	struct tracker *t = new_tracker();
	struct oomreap_kill_event k;

	(void)state;
	k = kill(1, 100, T0, 50, "/old", 0);
	k.kill_flags &= ~OOMREAP_KILL_GROUP_READ; /* a recording from before */
	FEED(t, k);
	k = kill(2, 200, T0 + SEC, 60, "/cut/at/the/end", 1);
	k.kill_flags |= OOMREAP_KILL_CGROUP_TRUNC;
	FEED(t, k);
	k = kill(3, 201, T0 + SEC + MS, 60, "/cut/at/the/end", 1);
	k.kill_flags |= OOMREAP_KILL_CGROUP_TRUNC;
	FEED(t, k);
	tracker__flush(t);
	assert_int_equal(by_pid(100)->oom_event.group_kill, GROUP_KILL_UNKNOWN);
	assert_int_equal(by_pid(100)->oom_event.id, 1);
	assert_int_equal(by_pid(200)->oom_event.group_kill, GROUP_KILL_YES);
	assert_false(by_pid(200)->oom_event.group_cgroup_known);
	assert_int_equal(by_pid(201)->oom_event.id, 2);
	tracker__free(t);
}

/* A second kill event for one victim (one seq) is not a second victim. */
static void test_duplicate_kill_is_one_incident(void **state)
{
	struct tracker *t = new_tracker();
	struct oomreap_kill_event k;

	(void)state;
	k = kill(7, 100, T0, 50, CTR, 1);
	FEED(t, k);
	k.hdr.ts_ns += MS;
	FEED(t, k);
	tracker__flush(t);
	assert_int_equal(nclosed, 1);
	assert_int_equal(tracker__stats(t)->orphan_events, 1); /* the second kill event */
	tracker__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_kill_one_event),
		cmocka_unit_test(test_events_never_merge),
		cmocka_unit_test(test_plain_kills_one_each),
		cmocka_unit_test(test_same_trigger_new_invocation),
		cmocka_unit_test(test_group_is_outermost_within_domain),
		cmocka_unit_test(test_members_take_the_events_domain),
		cmocka_unit_test(test_unknown_and_truncated),
		cmocka_unit_test(test_duplicate_kill_is_one_incident),
	};

	return cmocka_run_group_tests_name("oom_event", tests, NULL, NULL);
}
