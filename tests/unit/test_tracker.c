// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Scenario tests for the per-victim state machine (src/core/tracker.c).
 *
 * Every scenario feeds wire events built exactly as the BPF side would emit
 * them and checks the incidents that come out of on_close.  Times follow the
 * kernel behaviour measured in docs/LAB.md (2 s reaper delay, 104 ms between
 * attempts, ...).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/event.h"
#include "core/incident.h"
#include "oomreap_abi.h"
#include "core/tracker.h"
#include "wire.h"

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull
#define T0 (1000 * SEC) /* an arbitrary, realistic CLOCK_MONOTONIC stamp */

#define NO_RSS WIRE_NO_RSS /* builder argument: no valid mm snapshot */

/* ---------------------------------------------------------------- builders */

static struct oomreap_mm_snapshot snap(int64_t anon, int64_t file)
{
	return wire__mm(anon, file, 7);
}

/* mark_victim(task, uid): full identity and an mm snapshot. */
static struct oomreap_kill_event ev_kill(uint64_t seq, uint32_t pid, uint32_t tgid, uint64_t ts,
					 int64_t anon, int64_t file)
{
	struct oomreap_kill_event k;
	char comm[OOMREAP_COMM_LEN], cgroup[64];

	snprintf(comm, sizeof(comm), "victim%u", pid);
	snprintf(cgroup, sizeof(cgroup), "/oomtest/case%llu", (unsigned long long)seq);
	k = wire__kill(seq, pid, tgid, ts, comm, cgroup);
	k.mm = snap(anon, file);
	k.total_vm_pages = 70000;
	k.pgtables_bytes = 266240;
	k.cgroup_id = 4000 + seq;
	k.uid = 1000;
	k.oom_score_adj = 500;
	k.trigger_pid = pid + 1;
	k.trigger_tgid = tgid;
	k.cgroup_hierarchy = 5;
	snprintf(k.trigger_comm, sizeof(k.trigger_comm), "trigger%u", pid + 1);
	return k;
}

/* mark_victim(int pid): only the pid, no task, no mm snapshot. */
static struct oomreap_kill_event ev_kill_pidonly(uint64_t seq, uint32_t pid, uint64_t ts)
{
	struct oomreap_kill_event k = wire__kill(seq, pid, 0, ts, "", "/stale");

	k.kill_flags = 0;
	k.trigger_pid = 9999;
	k.cgroup_hierarchy = 3; /* garbage the tracker must not trust, as the path */
	return k;
}

static struct oomreap_reap_event ev_reap(uint32_t type, uint64_t seq, uint32_t pid, uint64_t ts,
					 int64_t anon, int64_t file, uint32_t skip_reason)
{
	struct oomreap_reap_event r = wire__reap(type, seq, pid, ts);

	r.mm = snap(anon, file);
	r.skip_reason = skip_reason;
	return r;
}

static struct oomreap_reap_event ev_wake(uint64_t seq, uint32_t pid, uint64_t ts, int ignored)
{
	struct oomreap_reap_event r =
		ev_reap(OOMREAP_EV_REAPER_WAKE, seq, pid, ts, NO_RSS, 0, 0);

	r.wake_ignored = ignored;
	return r;
}

static struct oomreap_reap_event ev_skip(uint64_t seq, uint32_t pid, uint64_t ts, uint32_t reason)
{
	return ev_reap(OOMREAP_EV_REAP_SKIP, seq, pid, ts, NO_RSS, 0, reason);
}

static struct oomreap_reap_event ev_start(uint64_t seq, uint32_t pid, uint64_t ts, int64_t anon,
					  int64_t file)
{
	return ev_reap(OOMREAP_EV_REAP_START, seq, pid, ts, anon, file, 0);
}

static struct oomreap_reap_event ev_finish(uint64_t seq, uint32_t pid, uint64_t ts, int64_t anon,
					   int64_t file)
{
	return ev_reap(OOMREAP_EV_REAP_FINISH, seq, pid, ts, anon, file, 0);
}

static struct oomreap_reap_event ev_result(uint64_t seq, uint32_t pid, uint64_t ts, int32_t ret)
{
	struct oomreap_reap_event r =
		ev_reap(OOMREAP_EV_REAP_RESULT, seq, pid, ts, NO_RSS, 0, 0);

	r.hdr.source = OOMREAP_SRC_FENTRY; /* only fexit can see the return value */
	r.reap_ret = ret;
	return r;
}

static struct oomreap_exit_event ev_exit(uint64_t seq, uint32_t tgid, uint64_t ts,
					 uint32_t group_dead, uint32_t mm_released)
{
	return wire__exit(seq, tgid, ts, group_dead, mm_released);
}

static struct oomreap_oom_context_event ev_ctx(uint32_t trigger_pid, uint64_t ts)
{
	struct oomreap_oom_context_event c = wire__context(0, ts, trigger_pid, "trig", "/oomtest");

	c.chosen_points = 1200;
	c.domain_cgroup_id = 321;
	c.order = 2;
	return c;
}

/*
 * The blocked-task picture at a failed mmap_read_trylock().  Stack frames
 * are derived from `base` so two tasks built alike compare equal.
 */
static uint64_t frame_at(uint64_t base, int i)
{
	return base + (uint64_t)i * 0x1c3;
}

static struct oomreap_blocker_event ev_blocker(uint64_t seq, uint32_t pid, uint64_t ts)
{
	return wire__blocker(seq, pid, ts, 0x100 | 0x2); /* one reader, waiters queued */
}

static void blk_add(struct oomreap_blocker_event *b, uint32_t pid, uint32_t role,
		    const char *comm, int32_t stack_len, uint64_t base)
{
	struct oomreap_blocked_task *bt = wire__blocked(b, pid, role, comm, stack_len);
	int i;

	assert_non_null(bt);
	for (i = 0; i < stack_len; i++)
		bt->stack[i] = frame_at(base, i);
}

#define HOLDER_PID 1234
#define WAITER_PID 1240
#define HOLDER_STACK 0xffffffffc0001000ull /* holdlock_fn in the test module */
#define WAITER_STACK 0xffffffff81234000ull
#define HOLDER_FRAMES 6
#define WAITER_FRAMES 4

/* LAB C's blocker: a reader holds mmap_lock, a writer queues behind it. */
static struct oomreap_blocker_event ev_blocker_c(uint64_t seq, uint32_t pid, uint64_t ts,
						 uint32_t holder)
{
	struct oomreap_blocker_event b = ev_blocker(seq, pid, ts);

	blk_add(&b, holder, OOMREAP_ROLE_OWNER_READER, "holdlock", HOLDER_FRAMES,
		HOLDER_STACK + holder);
	blk_add(&b, WAITER_PID, OOMREAP_ROLE_WAITER_WRITE, "mmapper", WAITER_FRAMES,
		WAITER_STACK);
	return b;
}

static void assert_c_picture(const struct blocker_snapshot *bs, uint32_t holder)
{
	int i;

	assert_int_equal(bs->blk_flags, 0);
	assert_int_equal(bs->ntasks, 2);
	assert_int_equal(bs->tasks[0].pid, holder);
	assert_int_equal(bs->tasks[0].tgid, holder);
	assert_string_equal(bs->tasks[0].comm, "holdlock");
	assert_int_equal(bs->tasks[0].role, OOMREAP_ROLE_OWNER_READER);
	assert_int_equal(bs->tasks[0].stack_len, HOLDER_FRAMES);
	for (i = 0; i < HOLDER_FRAMES; i++)
		assert_int_equal(bs->tasks[0].stack[i], frame_at(HOLDER_STACK + holder, i));
	assert_int_equal(bs->tasks[1].pid, WAITER_PID);
	assert_string_equal(bs->tasks[1].comm, "mmapper");
	assert_int_equal(bs->tasks[1].role, OOMREAP_ROLE_WAITER_WRITE);
	assert_int_equal(bs->tasks[1].stack_len, WAITER_FRAMES);
	for (i = 0; i < WAITER_FRAMES; i++)
		assert_int_equal(bs->tasks[1].stack[i], frame_at(WAITER_STACK, i));
}

/* -------------------------------------------------------------- collector */

#define MAX_COLLECT 64

struct collector {
	struct oomreap_incident inc[MAX_COLLECT];
	int n;
};

static void collect(const struct oomreap_incident *inc, void *ctx)
{
	struct collector *c = ctx;

	assert_true(c->n < MAX_COLLECT);
	c->inc[c->n++] = *inc;
}

struct fx {
	struct tracker *t;
	struct collector c;
};

static int fx_setup_n(void **state, uint32_t max_open)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct tracker_opts o = { .max_open = max_open, .on_close = collect };

	if (!f)
		return -1;
	o.ctx = &f->c;
	f->t = tracker__new(&o);
	if (!f->t) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int fx_setup(void **state) { return fx_setup_n(state, 0); }
static int fx_setup2(void **state) { return fx_setup_n(state, 2); }

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	tracker__free(f->t);
	free(f);
	return 0;
}

#define FEED(f, ev)                                                                    \
	do {                                                                           \
		__typeof__(ev) _e = (ev);                                              \
		assert_int_equal(tracker__feed((f)->t, &_e, sizeof(_e)), 0);           \
	} while (0)

#define STATS(f) tracker__stats((f)->t)

static const struct oomreap_incident *only_incident(struct fx *f)
{
	assert_int_equal(f->c.n, 1);
	return &f->c.inc[0];
}

static const struct oomreap_incident *find_closed(struct fx *f, uint64_t seq)
{
	int i, hits = 0;
	const struct oomreap_incident *r = NULL;

	for (i = 0; i < f->c.n; i++)
		if (f->c.inc[i].victim_seq == seq) {
			r = &f->c.inc[i];
			hits++;
		}
	assert_int_equal(hits, 1); /* closed exactly once */
	return r;
}

static void assert_no_freed(const struct oomreap_incident *inc)
{
	int i;

	for (i = 0; i < OOMREAP_RSS_NR; i++)
		assert_int_equal(inc->freed_pages[i], 0);
}

/*
 * An incident waiting on its REAPER_SETTLE_NS window after the last attempt
 * (ended at last_ts) stays open until the window has fully passed, then
 * closes.  Returns the incident that closed.
 */
static const struct oomreap_incident *settle(struct fx *f, uint64_t last_ts)
{
	int n = f->c.n;
	uint32_t open = tracker__open_count(f->t);

	assert_true(open >= 1);
	tracker__advance(f->t, last_ts + REAPER_SETTLE_NS - 1);
	assert_int_equal(f->c.n, n);
	assert_int_equal(tracker__open_count(f->t), open);
	tracker__advance(f->t, last_ts + REAPER_SETTLE_NS);
	assert_int_equal(f->c.n, n + 1);
	assert_int_equal(tracker__open_count(f->t), open - 1);
	return &f->c.inc[n];
}


/* ------------------------------------------------- userspace killers */

#define US 1000ull

/* A cgroup.kill signal from killer thread 500 writing cgroup target (id 77 if known). */
static struct oomreap_ukill_event cgkill(uint64_t seq, uint32_t tgid, uint64_t ts, uint32_t killer,
					 uint64_t target, const char *path)
{
	struct oomreap_ukill_event u = wire__ukill(seq, tgid, ts, 9, killer, 100);

	u.method = OOMREAP_METHOD_CGROUP_KILL;
	u.syscall_nr = 1;
	u.group = 0;
	if (path) {
		u.ukill_flags |= OOMREAP_UKILL_TARGET;
		u.target_cgroup_id = target;
		snprintf(u.target_cgroup_path, sizeof(u.target_cgroup_path), "%s", path);
	}
	return u;
}

/*
 * One write to cgroup.kill, three victims: one kill event.  A write by
 * another thread, to another cgroup, or more than EVENT_MEMBER_GAP_NS
 * later is another event; a kill(2) belongs to none.
 */
static void test_uk_cgroup_kill_event(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	static const struct {
		uint64_t seq;
		uint64_t id;
		uint32_t victim;
	} want[] = { { 21, 21, 1 }, { 22, 21, 2 }, { 23, 21, 3 }, { 24, 24, 1 },
		     { 25, 25, 1 }, { 26, 26, 1 }, { 27, 0, 0 }, { 28, 28, 1 } };
	size_t i;

	FEED(f, cgkill(21, 421, T0, 500, 77, "/oomtest.slice/bloat.service"));
	FEED(f, cgkill(22, 422, T0 + 10 * US, 500, 77, "/oomtest.slice/bloat.service"));
	FEED(f, cgkill(23, 423, T0 + 20 * US, 500, 77, "/oomtest.slice/bloat.service"));
	FEED(f, cgkill(24, 424, T0 + 30 * US, 500, 78, "/other")); /* another cgroup */
	FEED(f, cgkill(25, 425, T0 + 40 * US, 501, 78, "/other")); /* another thread */
	FEED(f, cgkill(26, 426, T0 + 40 * US + EVENT_MEMBER_GAP_NS + 1, 501, 78, "/other"));
	FEED(f, wire__ukill(27, 427, T0 + 2 * EVENT_MEMBER_GAP_NS, 9, 501, 100)); /* kill(2) */
	FEED(f, cgkill(28, 428, T0 + 2 * EVENT_MEMBER_GAP_NS + US, 501, 0, NULL)); /* unread */
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		FEED(f, wire__exit(want[i].seq, 421 + (uint32_t)i, T0 + 3 * EVENT_MEMBER_GAP_NS, 1, 1));
	tracker__advance(f->t, T0 + 4 * EVENT_MEMBER_GAP_NS);
	assert_int_equal(f->c.n, 8);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		inc = find_closed(f, want[i].seq);
		assert_int_equal(inc->uk.write_id, want[i].id);
		assert_int_equal(inc->uk.write_victim, want[i].victim);
	}
	inc = find_closed(f, 22);
	assert_true(inc->uk.target_known);
	assert_int_equal(inc->uk.target_cgroup_id, 77);
	assert_string_equal(inc->uk.target_cgroup, "/oomtest.slice/bloat.service");
	assert_false(find_closed(f, 28)->uk.target_known);
	assert_false(find_closed(f, 27)->uk.target_known);
}

/* earlyoom's SIGKILL, its process_mrelease freeing most, then the exit. */
static void test_uk_mreleased(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	struct oomreap_exit_event x;

	FEED(f, wire__ukill(7, 400, T0, 9, 312, 1000));
	FEED(f, wire__mrelease(7, 400, T0 + 10 * US, T0 + 3 * MS, 0, 1000, 10));
	x = wire__exit(7, 400, T0 + 4 * MS, 1, 1);
	x.mm = wire__mm(10, 0, 0); /* 6.18+: the exit still sees the mm */
	FEED(f, x);
	/* the exit does not close it at once: a call may still be returning */
	assert_int_equal(f->c.n, 0);
	tracker__advance(f->t, T0 + 4 * MS + UK_SETTLE_NS - 1);
	assert_int_equal(f->c.n, 0);
	tracker__advance(f->t, T0 + 4 * MS + UK_SETTLE_NS);
	inc = only_incident(f);
	assert_int_equal(inc->kind, INCIDENT_USERSPACE);
	assert_string_equal(incident_kind__name(inc->kind), "userspace");
	assert_int_equal(inc->outcome, OUTCOME_MRELEASED);
	assert_string_equal(outcome__name(inc->outcome), "mreleased");
	assert_int_equal(inc->closed_ns, T0 + 4 * MS); /* stamped at the exit */
	assert_int_equal(inc->kill_ns, T0);
	assert_int_equal(inc->tgid, 400);
	assert_string_equal(inc->uk.killer_name, "earlyoom");
	assert_int_equal(inc->uk.killer_tgid, 312);
	assert_int_equal(inc->uk.method, OOMREAP_METHOD_KILL);
	assert_int_equal(inc->uk.first_sig, 9);
	assert_int_equal(inc->uk.signals, 1);
	assert_int_equal(inc->uk.ncalls, 1);
	assert_int_equal(inc->uk.calls_ok, 1);
	assert_true(inc->uk.calls[0].have_freed);
	assert_int_equal(inc->uk.calls[0].freed_pages[OOMREAP_RSS_ANON], 990);
	assert_int_equal(inc->uk.calls[0].enter_ns, T0 + 10 * US);
	assert_int_equal(inc->uk.calls[0].exit_ns, T0 + 3 * MS);
	assert_true(inc->have_rss_at_kill);
	assert_int_equal(inc->rss_at_kill_pages[OOMREAP_RSS_ANON], 1000);
	/* the memory was gone when the call returned, before the exit */
	assert_int_equal(incident__memory_gone_ns(inc), 3 * MS);
	assert_int_equal(incident__exit_latency_ns(inc), 4 * MS);
	assert_int_equal(inc->uk.mm_unstable_at_exit, 0); /* the exit's mm was read */
}

/* The exit event comes first, the call returns after: still one incident. */
static void test_uk_call_returns_after_exit(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	struct oomreap_mrelease_event m;
	struct oomreap_exit_event x;

	FEED(f, wire__ukill(8, 401, T0, 9, 312, 1000));
	x = wire__exit(8, 401, T0 + 2 * MS, 1, 1);
	x.mm = wire__mm(500, 0, 0);
	x.mm.mm_flags |= 1ull << 22; /* MMF_UNSTABLE: someone reaped the mm */
	FEED(f, x);
	m = wire__mrelease(8, 401, T0 + 20 * US, T0 + 5 * MS, 0, 1000, WIRE_NO_RSS);
	m.mrel_flags |= OOMREAP_MREL_MM_GONE;
	FEED(f, m);
	tracker__advance(f->t, T0 + 2 * MS + UK_SETTLE_NS);
	inc = only_incident(f);
	assert_int_equal(STATS(f)->orphan_events, 0);
	assert_int_equal(inc->uk.ncalls, 1);
	assert_false(inc->uk.calls[0].have_freed); /* not measured: null, not 0 */
	assert_true(inc->uk.calls[0].mm_gone);
	assert_int_equal(inc->uk.mm_unstable_at_exit, 1);
	assert_int_equal(inc->outcome, OUTCOME_MRELEASED);
	/* the exit came before exit_mm() (it saw the mm): the call's return bounds it */
	assert_int_equal(incident__memory_gone_ns(inc), 5 * MS);
}

/*
 * The exit says a call was under way (OOMREAP_EXIT_MRELEASE_BUSY): the
 * incident waits for it past UK_SETTLE_NS, and closes at the settle after
 * it returns (7.3 guest, THP off: a 192 MiB reap returned 1 s after the
 * exit).  A busy exit whose call never comes closes at the wait's end.
 */
static void test_uk_busy_exit_waits_for_the_call(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	struct oomreap_mrelease_event m;
	struct oomreap_exit_event x;

	FEED(f, wire__ukill(12, 405, T0, 15, 312, 1000));
	x = wire__exit(12, 405, T0 + 7 * MS, 1, 1);
	x.mm = wire__mm(1000, 0, 0);
	x.mm.mm_flags |= 1ull << 22;
	x.exit_flags |= OOMREAP_EXIT_MRELEASE_BUSY;
	FEED(f, x);
	tracker__advance(f->t, T0 + 7 * MS + UK_SETTLE_NS);
	assert_int_equal(f->c.n, 0); /* still waiting for the call */
	m = wire__mrelease(12, 405, T0 + 5 * MS, T0 + 1018 * MS, 0, 1000, 0);
	FEED(f, m);
	assert_int_equal(f->c.n, 0);
	tracker__advance(f->t, T0 + 1018 * MS + UK_SETTLE_NS - 1);
	assert_int_equal(f->c.n, 0);
	tracker__advance(f->t, T0 + 1018 * MS + UK_SETTLE_NS);
	inc = only_incident(f);
	assert_int_equal(STATS(f)->orphan_events, 0);
	assert_int_equal(STATS(f)->mrelease_unmatched, 0);
	assert_int_equal(inc->uk.ncalls, 1);
	assert_int_equal(inc->uk.calls[0].freed_pages[OOMREAP_RSS_ANON], 1000);
	assert_int_equal(inc->outcome, OUTCOME_MRELEASED);
	assert_false(inc->uk.mrelease_awaited);

	/* the awaited call's event never comes: closed at the wait's end */
	FEED(f, wire__ukill(13, 406, T0 + 2000 * MS, 15, 312, 1000));
	x = wire__exit(13, 406, T0 + 2010 * MS, 1, 1);
	x.mm = wire__mm(1000, 0, 0);
	x.exit_flags |= OOMREAP_EXIT_MRELEASE_BUSY;
	FEED(f, x);
	tracker__advance(f->t, T0 + 2010 * MS + UK_MRELEASE_WAIT_NS - 1);
	assert_int_equal(f->c.n, 1);
	tracker__advance(f->t, T0 + 2010 * MS + UK_MRELEASE_WAIT_NS);
	assert_int_equal(f->c.n, 2);
	assert_int_equal(f->c.inc[1].outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(f->c.inc[1].uk.ncalls, 0);
}

/* Without MMF_UNSTABLE and without a measured release: the victim's own exit. */
static void test_uk_exit_without_reap(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	struct oomreap_exit_event x;

	FEED(f, wire__ukill(9, 402, T0, 9, 312, 1000));
	x = wire__exit(9, 402, T0 + 2 * MS, 1, 1);
	x.mm = wire__mm(WIRE_NO_RSS, 0, 0); /* before 6.18 the exit has no mm */
	FEED(f, x);
	FEED(f, wire__mrelease(9, 402, T0 + 3 * MS, T0 + 3 * MS + 5 * US, -3, WIRE_NO_RSS,
			       WIRE_NO_RSS));
	tracker__advance(f->t, T0 + 2 * MS + UK_SETTLE_NS);
	inc = only_incident(f);
	assert_int_equal(inc->uk.mm_unstable_at_exit, -1);
	/* ESRCH: the victim exited first; no failure of the call */
	assert_int_equal(inc->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(inc->uk.calls_failed, 1);
}

/* SIGTERM handled: EINVAL, then SIGKILL and a release that works. */
static void test_uk_term_einval_then_kill(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, wire__ukill(10, 403, T0, 15, 312, 1000));
	FEED(f, wire__mrelease(10, 403, T0 + 5 * US, T0 + 9 * US, -22, 1000, 1000));
	FEED(f, wire__ukill(10, 403, T0 + 500 * MS, 9, 312, 1200));
	FEED(f, wire__mrelease(10, 403, T0 + 500 * MS, T0 + 504 * MS, 0, 1200, 0));
	FEED(f, wire__exit(10, 403, T0 + 505 * MS, 1, 1));
	tracker__advance(f->t, T0 + 505 * MS + UK_SETTLE_NS);
	inc = only_incident(f);
	assert_int_equal(inc->uk.signals, 2);
	assert_int_equal(inc->uk.first_sig, 15);
	assert_int_equal(inc->uk.last_sig, 9);
	assert_int_equal(inc->uk.last_sig_ns, T0 + 500 * MS);
	assert_int_equal(inc->kill_ns, T0); /* the first signal */
	assert_int_equal(inc->rss_at_kill_pages[OOMREAP_RSS_ANON], 1000);
	assert_int_equal(inc->uk.ncalls, 2);
	assert_int_equal(inc->uk.calls[0].ret, -22);
	assert_int_equal(inc->uk.calls_failed, 1);
	assert_int_equal(inc->uk.calls_failed_by[MREL_ERR_EINVAL], 1);
	assert_int_equal(inc->uk.calls_ok, 1);
	assert_int_equal(inc->uk.calls[1].freed_pages[OOMREAP_RSS_ANON], 1200);
	assert_int_equal(inc->outcome, OUTCOME_MRELEASED);
}

/* Every call failed (not ESRCH): mrelease_failed, the exit still ends it. */
static void test_uk_mrelease_failed(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, wire__ukill(11, 404, T0, 9, 312, 1000));
	FEED(f, wire__mrelease(11, 404, T0 + 5 * US, T0 + 2 * MS, -11, 1000, 1000));
	FEED(f, wire__exit(11, 404, T0 + 3 * MS, 1, 1));
	tracker__advance(f->t, T0 + 3 * MS + UK_SETTLE_NS);
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_MRELEASE_FAILED);
	assert_string_equal(outcome__name(inc->outcome), "mrelease_failed");
	assert_int_equal(inc->uk.calls_failed_by[MREL_ERR_EAGAIN], 1);
	assert_int_equal(incident__memory_gone_ns(inc), 3 * MS);
}

/*
 * earlyoom's SIGTERM handled: EINVAL (not dying yet), then SIGKILL, and the
 * victim gone before the next call (ESRCH): it exited, nothing failed.  An
 * EINVAL after the SIGKILL is a failure (its mm shared, a core dump).
 */
static void test_uk_einval_before_kill_is_routine(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, wire__ukill(14, 407, T0, 15, 312, 1000));
	FEED(f, wire__mrelease(14, 407, T0 + 5 * US, T0 + 33 * MS, -EINVAL, 1000, 1000));
	FEED(f, wire__ukill(14, 407, T0 + 360 * MS, 9, 312, 1000));
	FEED(f, wire__exit(14, 407, T0 + 365 * MS, 1, 1));
	FEED(f, wire__mrelease(14, 407, T0 + 366 * MS, T0 + 367 * MS, -ESRCH, WIRE_NO_RSS,
			       WIRE_NO_RSS));
	tracker__advance(f->t, T0 + 367 * MS + UK_SETTLE_NS);
	inc = only_incident(f);
	assert_int_equal(inc->uk.calls_failed, 2);
	assert_int_equal(inc->uk.calls_esrch, 1);
	assert_int_equal(inc->uk.calls_einval_unkilled, 1);
	assert_int_equal(inc->uk.calls_failed_by[MREL_ERR_EINVAL], 1);
	assert_int_equal(inc->outcome, OUTCOME_VICTIM_EXITED);

	f->c.n = 0;
	FEED(f, wire__ukill(15, 408, T0, 9, 312, 1000));
	FEED(f, wire__mrelease(15, 408, T0 + 5 * US, T0 + 1 * MS, -EINVAL, 1000, 1000));
	FEED(f, wire__exit(15, 408, T0 + 365 * MS, 1, 1));
	tracker__advance(f->t, T0 + 365 * MS + UK_SETTLE_NS);
	inc = only_incident(f);
	assert_int_equal(inc->uk.calls_einval_unkilled, 0);
	assert_int_equal(inc->outcome, OUTCOME_MRELEASE_FAILED);
}

/* The errno classes the metrics and the alert use; ESRCH is none of them. */
static void test_mrelease_err_classes(void **state)
{
	static const struct {
		int64_t ret;
		unsigned cls;
		const char *name;
	} cases[] = {
		{ -EINVAL, MREL_ERR_EINVAL, "EINVAL" }, { -EAGAIN, MREL_ERR_EAGAIN, "EAGAIN" },
		{ -EINTR, MREL_ERR_EINTR, "EINTR" },    { -EBADF, MREL_ERR_EBADF, "EBADF" },
		{ -ENOMEM, MREL_ERR_OTHER, "other" },   { -ESRCH, MREL_ERR_NR, "unknown" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(mrelease_err__of(cases[i].ret), cases[i].cls);
		assert_string_equal(mrelease_err__name(mrelease_err__of(cases[i].ret)),
				    cases[i].name);
	}
}

/* lmkd's process_mrelease(-1, 0) probe, a call on no known victim: no incident. */
static void test_uk_unmatched_mrelease(void **state)
{
	struct fx *f = *state;

	FEED(f, wire__mrelease(0, 0, T0, T0 + 1 * US, -9, WIRE_NO_RSS, WIRE_NO_RSS));
	FEED(f, wire__mrelease(0, 777, T0, T0 + 1 * US, 0, 10, 0));
	tracker__flush(f->t);
	assert_int_equal(f->c.n, 0);
	assert_int_equal(STATS(f)->mrelease_unmatched, 2);
}

/* A victim that never dies of the signal closes as open, UK_OPEN_NS later. */
static void test_uk_never_dies(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, wire__ukill(12, 405, T0, 15, 312, 1000));
	tracker__advance(f->t, T0 + UK_OPEN_NS - 1);
	assert_int_equal(f->c.n, 0);
	tracker__advance(f->t, T0 + UK_OPEN_NS);
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_OPEN);
	assert_false(inc->exited);
}

/*
 * A userspace victim's exit run skipped by the kernel (two victims of one
 * cgroup.kill exiting at once on one CPU, 7.x: seen in the systemd-oomd
 * guest): its incident closes at the loss deadline, its end unseen, not
 * at the 30 s wait for a death as a plain "open".  The other victim,
 * whose exit came, closes by its own rule.
 */
static struct runs_missed missed_of(uint64_t exit_runs, bool known);

static void test_uk_exit_run_missed(void **state)
{
	struct fx *f = *state;
	struct runs_missed m;
	const struct oomreap_incident *inc;

	FEED(f, wire__ukill(31, 431, T0, 9, 312, 1000));
	FEED(f, wire__ukill(32, 432, T0 + 10 * US, 9, 312, 1000));
	FEED(f, wire__exit(31, 431, T0 + 3 * MS, 1, 1));
	m = missed_of(1, true);
	tracker__note_missed(f->t, &m, 0);
	tracker__advance(f->t, T0 + 3 * MS + UK_SETTLE_NS);
	inc = find_closed(f, 31);
	assert_int_equal(inc->outcome, OUTCOME_VICTIM_EXITED);
	assert_true(inc->incomplete);
	assert_false(inc->ended_unseen);
	tracker__advance(f->t, T0 + LOSS_WAIT_AFTER_KILL_NS - 1);
	assert_int_equal(f->c.n, 1);
	tracker__advance(f->t, T0 + LOSS_WAIT_AFTER_KILL_NS + 10 * US);
	inc = find_closed(f, 32);
	assert_int_equal(inc->outcome, OUTCOME_OPEN);
	assert_true(inc->ended_unseen);
	assert_true(inc->incomplete && inc->runs_missed);
	assert_int_equal(tracker__open_count(f->t), 0);
}

/* Its exit, on another CPU, came before the signal's event: still its own. */
static void test_uk_exit_before_kill(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, wire__exit(13, 406, T0 - 1 * US, 1, 1));
	FEED(f, wire__ukill(13, 406, T0, 9, 312, 1000));
	tracker__advance(f->t, T0 + UK_SETTLE_NS);
	inc = only_incident(f);
	assert_int_equal(inc->kind, INCIDENT_USERSPACE);
	assert_true(inc->exited);
	assert_int_equal(inc->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(STATS(f)->orphan_events, 0);
}

/* ------------------------------------------------------------ LAB A */

static void test_lab_a_exit_closes_at_once(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, ev_kill(1, 4242, 4242, T0, 65536, 353));
	/* a non-last thread dying changes nothing */
	FEED(f, ev_exit(1, 4242, T0 + 3 * MS, 0, 0));
	assert_int_equal(f->c.n, 0);
	assert_int_equal(tracker__open_count(f->t), 1);

	FEED(f, ev_exit(1, 4242, T0 + 5 * MS, 1, 1));
	inc = only_incident(f);
	assert_int_equal(tracker__open_count(f->t), 0);

	assert_int_equal(inc->outcome, OUTCOME_VICTIM_EXITED);
	assert_string_equal(outcome__name(inc->outcome), "victim_exited");
	assert_int_equal(inc->victim_seq, 1);
	assert_int_equal(inc->pid, 4242);
	assert_int_equal(inc->tgid, 4242);
	assert_int_equal(inc->kill_ns, T0);
	assert_int_equal(inc->exit_ns, T0 + 5 * MS);
	assert_int_equal(inc->closed_ns, T0 + 5 * MS);
	assert_int_equal(incident__exit_latency_ns(inc), 5 * MS);
	assert_true(inc->exited);
	assert_true(inc->mm_released_by_exit);
	/* no reaper phase at all */
	assert_int_equal(inc->wake_ns, 0);
	assert_int_equal(inc->queue_ns, 0);
	assert_int_equal(incident__kill_to_wake_ns(inc), LATENCY_NONE);
	assert_int_equal(incident__wake_to_first_attempt_ns(inc), LATENCY_NONE);
	assert_int_equal(incident__reap_latency_ns(inc), LATENCY_NONE);
	assert_int_equal(inc->attempts, 0);
	assert_int_equal(inc->trylock_failures, 0);
	assert_int_equal(inc->partial_reaps, 0);
	assert_no_freed(inc);
	assert_false(inc->incomplete);
	assert_false(inc->evicted);
	assert_false(inc->wake_ignored);
	/* identity from the kill event */
	assert_true(inc->have_identity);
	assert_string_equal(inc->comm, "victim4242");
	assert_string_equal(inc->trigger_comm, "trigger4243");
	assert_int_equal(inc->trigger_pid, 4243);
	assert_string_equal(inc->cgroup_path, "/oomtest/case1");
	assert_int_equal(inc->cgroup_id, 4001);
	assert_int_equal(inc->cgroup_hierarchy, 5);
	assert_int_equal(inc->uid, 1000);
	assert_int_equal(inc->oom_score_adj, 500);
	assert_true(inc->have_rss_at_kill);
	assert_int_equal(inc->rss_at_kill_pages[OOMREAP_RSS_ANON], 65536);
	assert_int_equal(inc->rss_at_kill_pages[OOMREAP_RSS_FILE], 353);
	assert_int_equal(inc->rss_at_kill_pages[OOMREAP_RSS_SHMEM], 7);
	assert_int_equal(inc->total_vm_pages, 70000);
	assert_int_equal(inc->pgtables_bytes, 266240);
	assert_false(inc->have_context);
	assert_int_equal(inc->constraint, OOMREAP_CONSTRAINT_UNKNOWN);
	/* timeline: kill, thread exit, group exit */
	assert_int_equal(inc->timeline_len, 3);
	assert_int_equal(inc->timeline[0].type, OOMREAP_EV_KILL);
	assert_int_equal(inc->timeline[0].rss_pages[OOMREAP_RSS_ANON], 65536);
	assert_int_equal(inc->timeline[2].type, OOMREAP_EV_VICTIM_EXIT);
	assert_int_equal(inc->timeline[2].ts_ns, T0 + 5 * MS);
	assert_int_equal(inc->timeline[2].rss_pages[OOMREAP_RSS_ANON], -1); /* not read */

	assert_int_equal(STATS(f)->events, 3);
	assert_int_equal(STATS(f)->incidents_opened, 1);
	assert_int_equal(STATS(f)->incidents_closed[OUTCOME_VICTIM_EXITED], 1);
	assert_int_equal(STATS(f)->orphan_events, 0);
}

/* ------------------------------------------------------------ LAB B */

#define B_WAKE (T0 + 2006 * MS)
#define B_START (B_WAKE + 2 * MS)
#define B_FINISH (B_START + 8 * MS)

static void test_lab_b_reaped_after_linger(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, ev_kill(2, 5000, 5000, T0, 25600, 353));
	FEED(f, ev_reap(OOMREAP_EV_REAPER_QUEUE, 2, 5000, T0 + 20 * US, 25600, 353, 0));
	FEED(f, ev_wake(2, 5000, B_WAKE, 0));
	FEED(f, ev_start(2, 5000, B_START, 25600, 353));
	FEED(f, ev_finish(2, 5000, B_FINISH, 0, 353));
	/* a retry could still come: the incident lingers */
	assert_int_equal(f->c.n, 0);
	tracker__advance(f->t, B_FINISH + REAPER_RETRY_LINGER_NS - 1);
	assert_int_equal(f->c.n, 0);
	assert_int_equal(tracker__open_count(f->t), 1);

	tracker__advance(f->t, B_FINISH + REAPER_RETRY_LINGER_NS);
	inc = only_incident(f);
	assert_int_equal(tracker__open_count(f->t), 0);
	assert_int_equal(inc->outcome, OUTCOME_REAPED);
	/* stamped at the finish that ended it, not when the linger ran out */
	assert_int_equal(inc->closed_ns, B_FINISH);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_ANON], 25600);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_FILE], 0);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_SHMEM], 0);
	assert_int_equal(inc->queue_ns, T0 + 20 * US);
	assert_int_equal(inc->wake_ns, B_WAKE);
	assert_int_equal(inc->first_attempt_ns, B_START);
	assert_int_equal(inc->last_start_ns, B_START);
	assert_int_equal(inc->finish_ns, B_FINISH);
	assert_int_equal(incident__kill_to_wake_ns(inc), 2006 * MS);
	assert_int_equal(incident__wake_to_first_attempt_ns(inc), 2 * MS);
	assert_int_equal(incident__reap_duration_ns(inc), 8 * MS);
	assert_int_equal(incident__reap_latency_ns(inc), 2016 * MS);
	assert_int_equal(incident__exit_latency_ns(inc), LATENCY_NONE);
	assert_int_equal(inc->attempts, 1);
	assert_int_equal(inc->partial_reaps, 0);
	assert_int_equal(inc->trylock_failures, 0);
	assert_int_equal(inc->last_reap_ret, -1);
	assert_false(inc->exited);
	assert_int_equal(inc->timeline_len, 5);
	assert_int_equal(inc->timeline[4].type, OOMREAP_EV_REAP_FINISH);
	assert_int_equal(inc->timeline[4].rss_pages[OOMREAP_RSS_ANON], 0);
	assert_int_equal(STATS(f)->incidents_closed[OUTCOME_REAPED], 1);
}

static void test_lab_b_result_closes_at_finish(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, ev_kill(2, 5000, 5000, T0, 25600, 353));
	FEED(f, ev_wake(2, 5000, B_WAKE, 0));
	FEED(f, ev_start(2, 5000, B_START, 25600, 353));
	FEED(f, ev_result(2, 5000, B_FINISH - 1 * US, 1));
	assert_int_equal(f->c.n, 0);
	FEED(f, ev_finish(2, 5000, B_FINISH, 0, 353));
	inc = only_incident(f); /* no linger */
	assert_int_equal(inc->outcome, OUTCOME_REAPED);
	assert_int_equal(inc->closed_ns, B_FINISH);
	assert_int_equal(inc->last_reap_ret, 1);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_ANON], 25600);
	assert_int_equal(incident__reap_latency_ns(inc), 2016 * MS);
	assert_int_equal(inc->attempts, 1);
	assert_int_equal(inc->partial_reaps, 0);
	assert_int_equal(inc->timeline_len, 5);
	assert_int_equal(inc->timeline[3].type, OOMREAP_EV_REAP_RESULT);
	assert_int_equal(inc->timeline[3].reap_ret, 1);
	assert_int_equal(tracker__open_count(f->t), 0);
}

static void test_lab_b_negative_rss_is_clamped(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	/* the real B2 run: finish read anon=-19, file=-13 from percpu counters */
	FEED(f, ev_kill(2, 5000, 5000, T0, 25600, 353));
	FEED(f, ev_wake(2, 5000, B_WAKE, 0));
	FEED(f, ev_start(2, 5000, B_START, 25600, 353));
	FEED(f, ev_finish(2, 5000, B_FINISH, -19, -13));
	tracker__advance(f->t, B_FINISH + REAPER_RETRY_LINGER_NS);
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_REAPED);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_ANON], 25600); /* not 25619 */
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_FILE], 353);   /* not 366 */
	assert_int_equal(inc->timeline[3].rss_pages[OOMREAP_RSS_ANON], 0);
	assert_int_equal(inc->timeline[3].rss_pages[OOMREAP_RSS_FILE], 0);
	assert_int_equal(rss__clamp(-19), 0);
	assert_int_equal(rss__clamp(25600), 25600);
}

/* ------------------------------------------------------ exact RSS sums */

/*
 * An 8-CPU victim's counters: the plain counts lag the exact sums by the
 * per-CPU remainders (anon 180 pages here, file 3).  Pages of 4 KiB.
 */
#define SUM_PAGE 4096
#define KILL_ANON_COUNT 12378
#define KILL_ANON_SUM 12558
#define KILL_FILE_COUNT 350
#define KILL_FILE_SUM 353

static void with_sum(struct oomreap_mm_snapshot *mm, __s64 sum[OOMREAP_RSS_NR], int64_t anon,
		     int64_t file)
{
	mm->snap_flags |= OOMREAP_SNAP_RSS_SUM;
	sum[OOMREAP_RSS_ANON] = anon;
	sum[OOMREAP_RSS_FILE] = file;
	sum[OOMREAP_RSS_SHMEM] = mm->rss_pages[OOMREAP_RSS_SHMEM];
	sum[OOMREAP_RSS_SWAP] = 0;
}

/* What the kernel's "Killed process" line says, handed in by on_kill. */
struct log_fx {
	struct tracker *t;
	struct collector c;
	bool have_line[8];          /* by victim_seq */
	bool line_late[8];          /* read only after the kill was applied */
	uint64_t line_kb[8][3];
	int before_close_calls;
};

static void give_line(struct log_fx *f, struct oomreap_incident *inc)
{
	if (inc->victim_seq < 8 && f->have_line[inc->victim_seq]) {
		inc->have_kill_log_rss = true;
		memcpy(inc->kill_log_rss_kb, f->line_kb[inc->victim_seq], sizeof(inc->kill_log_rss_kb));
	}
}

static void log_on_kill(struct oomreap_incident *inc, void *ctx)
{
	struct log_fx *f = ctx;

	if (inc->victim_seq < 8 && !f->line_late[inc->victim_seq])
		give_line(f, inc);
}

static void log_before_close(struct oomreap_incident *inc, void *ctx)
{
	struct log_fx *f = ctx;

	f->before_close_calls++;
	give_line(f, inc);
}

static void log_collect(const struct oomreap_incident *inc, void *ctx)
{
	collect(inc, &((struct log_fx *)ctx)->c);
}

static int log_fx_setup(void **state)
{
	struct log_fx *f = calloc(1, sizeof(*f));
	struct tracker_opts o = { .on_close = log_collect, .on_kill = log_on_kill,
				  .before_close = log_before_close, .page_size = SUM_PAGE };

	if (!f)
		return -1;
	o.ctx = f;
	f->t = tracker__new(&o);
	if (!f->t) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int log_fx_teardown(void **state)
{
	struct log_fx *f = *state;

	tracker__free(f->t);
	free(f);
	return 0;
}

static void log_line(struct log_fx *f, uint64_t seq, uint64_t anon_pages, uint64_t file_pages)
{
	f->have_line[seq] = true;
	f->line_kb[seq][0] = anon_pages * (SUM_PAGE / 1024);
	f->line_kb[seq][1] = file_pages * (SUM_PAGE / 1024);
	f->line_kb[seq][2] = 7 * (SUM_PAGE / 1024); /* shmem: snap() sets 7, no remainder */
}

/*
 * One reaped victim, both readings in every event: the kill, the reap's
 * start (as at the kill) and its finish (the counts below zero, clamped:
 * the remainders went negative as the reaper unmapped on another CPU).
 */
static void feed_reaped_with_sums(struct log_fx *f, uint64_t seq, uint32_t pid, uint64_t t0,
				  bool finish_sum)
{
	struct oomreap_kill_event k = ev_kill(seq, pid, pid, t0, KILL_ANON_COUNT, KILL_FILE_COUNT);
	struct oomreap_reap_event st, fin, res;

	with_sum(&k.mm, k.rss_sum, KILL_ANON_SUM, KILL_FILE_SUM);
	assert_int_equal(tracker__feed(f->t, &k, sizeof(k)), 0);
	st = ev_start(seq, pid, t0 + 2010 * MS, KILL_ANON_COUNT, KILL_FILE_COUNT);
	with_sum(&st.mm, st.rss_sum, KILL_ANON_SUM, KILL_FILE_SUM);
	assert_int_equal(tracker__feed(f->t, &st, sizeof(st)), 0);
	res = ev_result(seq, pid, t0 + 2017 * MS, 1);
	assert_int_equal(tracker__feed(f->t, &res, sizeof(res)), 0);
	fin = ev_finish(seq, pid, t0 + 2018 * MS, -171, 345);
	if (finish_sum)
		with_sum(&fin.mm, fin.rss_sum, 9, 349);
	assert_int_equal(tracker__feed(f->t, &fin, sizeof(fin)), 0);
}

static void assert_sum_figures(const struct oomreap_incident *inc)
{
	assert_int_equal(inc->rss_basis, RSS_BASIS_SUM);
	assert_int_equal(inc->rss_at_kill_pages[OOMREAP_RSS_ANON], KILL_ANON_SUM);
	assert_int_equal(inc->rss_at_kill_pages[OOMREAP_RSS_FILE], KILL_FILE_SUM);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_ANON], KILL_ANON_SUM - 9);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_FILE], KILL_FILE_SUM - 349);
	/* the timeline in the same reading: kill, start, result (none), finish */
	assert_int_equal(inc->timeline[0].rss_pages[OOMREAP_RSS_ANON], KILL_ANON_SUM);
	assert_int_equal(inc->timeline[3].rss_pages[OOMREAP_RSS_ANON], 9);
	assert_int_equal(inc->timeline[2].rss_pages[OOMREAP_RSS_ANON], -1);
}

static void assert_count_figures(const struct oomreap_incident *inc)
{
	assert_int_equal(inc->rss_basis, RSS_BASIS_COUNT);
	assert_int_equal(inc->rss_at_kill_pages[OOMREAP_RSS_ANON], KILL_ANON_COUNT);
	assert_int_equal(inc->rss_at_kill_pages[OOMREAP_RSS_FILE], KILL_FILE_COUNT);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_ANON], KILL_ANON_COUNT); /* finish: -171 -> 0 */
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_FILE], KILL_FILE_COUNT - 345);
	assert_int_equal(inc->timeline[0].rss_pages[OOMREAP_RSS_ANON], KILL_ANON_COUNT);
	assert_int_equal(inc->timeline[3].rss_pages[OOMREAP_RSS_ANON], 0);
}

static void test_rss_basis_judge(void **state)
{
	uint64_t count[OOMREAP_RSS_NR] = { [OOMREAP_RSS_ANON] = 100, [OOMREAP_RSS_FILE] = 5,
					   [OOMREAP_RSS_SHMEM] = 1 };
	uint64_t sum[OOMREAP_RSS_NR] = { [OOMREAP_RSS_ANON] = 130, [OOMREAP_RSS_FILE] = 5,
					 [OOMREAP_RSS_SHMEM] = 1 };
	uint64_t kb[3] = { 400, 20, 4 };

	(void)state;
	assert_int_equal(rss_basis__judge(count, sum, kb, 4096), RSS_BASIS_COUNT);
	kb[0] = 520;
	assert_int_equal(rss_basis__judge(count, sum, kb, 4096), RSS_BASIS_SUM);
	/* every figure must agree: anon alone does not decide */
	kb[1] = 24;
	assert_int_equal(rss_basis__judge(count, sum, kb, 4096), -1);
	kb[1] = 20;
	/* neither, and both (no remainders: the line cannot tell) */
	kb[0] = 524;
	assert_int_equal(rss_basis__judge(count, sum, kb, 4096), -1);
	kb[0] = 520;
	assert_int_equal(rss_basis__judge(sum, sum, kb, 4096), -1);
	/* 64 KiB pages; a page size below 1 KiB is no page size */
	assert_int_equal(rss_basis__judge(count, sum, (uint64_t[3]){ 8320, 320, 64 }, 65536),
			 RSS_BASIS_SUM);
	assert_int_equal(rss_basis__judge(count, sum, kb, 0), -1);
	assert_string_equal(rss_basis__name(RSS_BASIS_SUM), "sum");
	assert_string_equal(rss_basis__name(RSS_BASIS_COUNT), "count");
	assert_string_equal(rss_basis_src__name(RSS_SRC_KERNEL_LOG), "kernel_log");
	assert_string_equal(rss_basis_src__name(200), "unknown");
}

/* 7.0+: the kernel's line prints the sums, so the incident shows them. */
static void test_rss_sum_where_the_log_prints_sums(void **state)
{
	struct log_fx *f = *state;
	const struct oomreap_incident *inc;

	log_line(f, 1, KILL_ANON_SUM, KILL_FILE_SUM);
	feed_reaped_with_sums(f, 1, 6000, T0, true);
	assert_int_equal(f->c.n, 1);
	inc = &f->c.inc[0];
	assert_int_equal(inc->rss_basis_src, RSS_SRC_KERNEL_LOG);
	assert_sum_figures(inc);
	assert_int_equal(f->before_close_calls, 0); /* found at the kill: no second look */
}

/*
 * The line printed after the kill was applied (a reader woken at once):
 * read as the incident closes, and it still decides, here for the counts.
 */
static void test_rss_line_read_at_close(void **state)
{
	struct log_fx *f = *state;
	const struct oomreap_incident *inc;

	log_line(f, 1, KILL_ANON_COUNT, KILL_FILE_COUNT);
	f->line_late[1] = true;
	feed_reaped_with_sums(f, 1, 6000, T0, true);
	assert_int_equal(f->c.n, 1);
	inc = &f->c.inc[0];
	assert_int_equal(f->before_close_calls, 1);
	assert_int_equal(inc->rss_basis_src, RSS_SRC_KERNEL_LOG);
	assert_count_figures(inc);
}

/*
 * Up to 6.19: the line prints the counts, and so does the incident; the
 * next victim, whose line was not found, follows the earlier one.
 */
static void test_rss_count_where_the_log_prints_counts(void **state)
{
	struct log_fx *f = *state;
	const struct oomreap_incident *inc;

	log_line(f, 1, KILL_ANON_COUNT, KILL_FILE_COUNT);
	feed_reaped_with_sums(f, 1, 6000, T0, true);
	feed_reaped_with_sums(f, 2, 6001, T0 + 10 * SEC, true);
	assert_int_equal(f->c.n, 2);
	inc = &f->c.inc[0];
	assert_int_equal(inc->rss_basis_src, RSS_SRC_KERNEL_LOG);
	assert_count_figures(inc);
	inc = &f->c.inc[1];
	assert_int_equal(inc->rss_basis_src, RSS_SRC_EARLIER_LOG);
	assert_count_figures(inc);
}

/* No line decides (no log read, or a line equal to both): the sums. */
static void test_rss_sum_by_default(void **state)
{
	struct log_fx *f = *state;
	const struct oomreap_incident *inc;

	log_line(f, 2, 4 * KILL_ANON_SUM, KILL_FILE_SUM); /* neither reading */
	feed_reaped_with_sums(f, 1, 6000, T0, true);
	feed_reaped_with_sums(f, 2, 6001, T0 + 10 * SEC, true);
	assert_int_equal(f->c.n, 2);
	for (int i = 0; i < 2; i++) {
		inc = &f->c.inc[i];
		assert_int_equal(inc->rss_basis_src, RSS_SRC_DEFAULT);
		assert_int_equal(inc->log_basis, -1);
		assert_sum_figures(inc);
	}
}

/* The same tracker, told the traced kernel's release. */
static void log_fx_release(struct log_fx *f, const char *release)
{
	struct tracker_opts o = { .on_close = log_collect, .on_kill = log_on_kill,
				  .before_close = log_before_close, .page_size = SUM_PAGE,
				  .ctx = f, .kernel_release = release };

	tracker__free(f->t);
	f->t = tracker__new(&o);
	assert_non_null(f->t);
}

/*
 * No line readable (a container without /dev/kmsg): what the release's
 * "Killed process" line prints, the counts before 7.0 and the sums from
 * it; a line that decides still wins over the release.
 */
static void test_rss_basis_from_the_release(void **state)
{
	struct log_fx *f = *state;
	const struct oomreap_incident *inc;

	assert_int_equal(rss_basis__of_release("6.18.44-fc-v1272"), RSS_BASIS_COUNT);
	assert_int_equal(rss_basis__of_release("7.0.13+deb13-amd64"), RSS_BASIS_SUM);
	assert_int_equal(rss_basis__of_release("5.10.0-32-amd64"), RSS_BASIS_COUNT);
	assert_int_equal(rss_basis__of_release("garbage"), -1);
	assert_int_equal(rss_basis__of_release(NULL), -1);
	assert_string_equal(rss_basis_src__name(RSS_SRC_KERNEL_RELEASE), "kernel_release");

	log_fx_release(f, "6.18.44-fc-v1272");
	feed_reaped_with_sums(f, 1, 6000, T0, true);
	assert_int_equal(f->c.n, 1);
	inc = &f->c.inc[0];
	assert_int_equal(inc->rss_basis_src, RSS_SRC_KERNEL_RELEASE);
	assert_count_figures(inc);

	log_fx_release(f, "7.3.4+deb13-amd64");
	feed_reaped_with_sums(f, 2, 6001, T0 + 10 * SEC, true);
	assert_int_equal(f->c.n, 2);
	inc = &f->c.inc[1];
	assert_int_equal(inc->rss_basis_src, RSS_SRC_KERNEL_RELEASE);
	assert_sum_figures(inc);

	/* a release before 7.0, but this victim's own line printed the sums */
	log_fx_release(f, "6.18.44-fc-v1272");
	log_line(f, 3, KILL_ANON_SUM, KILL_FILE_SUM);
	feed_reaped_with_sums(f, 3, 6002, T0 + 20 * SEC, true);
	assert_int_equal(f->c.n, 3);
	inc = &f->c.inc[2];
	assert_int_equal(inc->rss_basis_src, RSS_SRC_KERNEL_LOG);
	assert_sum_figures(inc);
}

/*
 * Never a mix: a finish read without its sums (a failed per-CPU read)
 * leaves the whole incident in counts, whatever the log says; so does a
 * recording made before sums (ABI 1).
 */
static void test_rss_count_when_a_sum_is_missing(void **state)
{
	struct log_fx *f = *state;
	const struct oomreap_incident *inc;

	log_line(f, 1, KILL_ANON_SUM, KILL_FILE_SUM);
	feed_reaped_with_sums(f, 1, 6000, T0, false);
	assert_int_equal(f->c.n, 1);
	inc = &f->c.inc[0];
	assert_int_equal(inc->rss_basis_src, RSS_SRC_NO_SUM);
	assert_count_figures(inc);

	/* no sums at all: the counts, as every recording before them showed */
	log_line(f, 2, KILL_ANON_SUM, KILL_FILE_SUM);
	FEED(f, ev_kill(2, 6001, 6001, T0 + 10 * SEC, KILL_ANON_COUNT, KILL_FILE_COUNT));
	FEED(f, ev_exit(2, 6001, T0 + 10 * SEC + MS, 1, 1));
	assert_int_equal(f->c.n, 2);
	inc = &f->c.inc[1];
	assert_int_equal(inc->rss_basis, RSS_BASIS_COUNT);
	assert_int_equal(inc->rss_basis_src, RSS_SRC_NO_SUM);
	assert_int_equal(inc->rss_at_kill_pages[OOMREAP_RSS_ANON], KILL_ANON_COUNT);
}

static void test_lab_b_negative_rss_at_kill_is_clamped(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, ev_kill(2, 5000, 5000, T0, -4, 10));
	FEED(f, ev_exit(2, 5000, T0 + 4 * MS, 1, 1));
	inc = only_incident(f);
	assert_true(inc->have_rss_at_kill);
	assert_int_equal(inc->rss_at_kill_pages[OOMREAP_RSS_ANON], 0);
	assert_int_equal(inc->rss_at_kill_pages[OOMREAP_RSS_FILE], 10);
}

/* ------------------------------------------------------------ LAB C */

#define C_WAKE (T0 + 2006 * MS)
#define C_SKIP(i) (C_WAKE + 500 * US + (uint64_t)(i) * 104 * MS)

static void test_lab_c_gave_up(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	int i;

	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(f, ev_wake(3, 6000, C_WAKE, 0));
	for (i = 0; i < 9; i++)
		FEED(f, ev_skip(3, 6000, C_SKIP(i), OOMREAP_SKIP_TRYLOCK_FAILED));
	/* 104 ms gaps are not a reason to close */
	assert_int_equal(f->c.n, 0);
	tracker__advance(f->t, C_SKIP(8) + 104 * MS);
	assert_int_equal(f->c.n, 0);

	FEED(f, ev_skip(3, 6000, C_SKIP(9), OOMREAP_SKIP_TRYLOCK_FAILED));
	/* the loop is over, but its last blocker event may still be on its way */
	assert_int_equal(f->c.n, 0);
	assert_int_equal(tracker__open_count(f->t), 1);
	inc = settle(f, C_SKIP(9));
	assert_int_equal(inc, only_incident(f));
	assert_int_equal(inc->outcome, OUTCOME_GAVE_UP);
	assert_int_equal(inc->closed_ns, C_SKIP(9));
	assert_int_equal(inc->closed_ns - inc->kill_ns, 2006 * MS + 500 * US + 936 * MS);
	assert_int_equal(inc->trylock_failures, 10);
	assert_int_equal(inc->attempts, 10);
	assert_int_equal(inc->unknown_skips, 0);
	assert_int_equal(inc->partial_reaps, 0);
	assert_int_equal(inc->first_attempt_ns, C_SKIP(0));
	assert_int_equal(incident__wake_to_first_attempt_ns(inc), 500 * US);
	assert_int_equal(incident__reap_latency_ns(inc), LATENCY_NONE);
	assert_int_equal(incident__reap_duration_ns(inc), LATENCY_NONE);
	assert_no_freed(inc);
	assert_int_equal(inc->timeline_len, 12);
	assert_int_equal(inc->timeline[11].skip_reason, OOMREAP_SKIP_TRYLOCK_FAILED);
	assert_int_equal(STATS(f)->incidents_closed[OUTCOME_GAVE_UP], 1);
	assert_int_equal(tracker__open_count(f->t), 0);
}

/* ------------------------------------------------------------- restarts */

struct handed {
	struct oomreap_incident inc[4];
	int n;
	int room;
};

static bool hand_to(const struct oomreap_incident *inc, void *ctx)
{
	struct handed *h = ctx;

	if (h->n >= h->room)
		return false;
	h->inc[h->n++] = *inc;
	return true;
}

/*
 * A process stopped during the reaper's failed attempts hands its open
 * incident to the next (live/pin.h): the second tracker closes it exactly
 * as one tracker fed every event does, and the first closes nothing.
 */
static void test_hand_over_mid_loop_is_whole(void **state)
{
	struct fx *f = *state, *g;
	struct tracker_carry carry;
	static struct handed h = { .room = 1 };
	const struct oomreap_incident *whole, *split;
	void *gs;
	int i;

	/* uninterrupted, for comparison */
	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(f, ev_wake(3, 6000, C_WAKE, 0));
	for (i = 0; i < 10; i++)
		FEED(f, ev_skip(3, 6000, C_SKIP(i), OOMREAP_SKIP_TRYLOCK_FAILED));
	whole = settle(f, C_SKIP(9));

	/* the same victim, the process stopped after the 4th attempt */
	assert_int_equal(fx_setup(&gs), 0);
	g = gs;
	FEED(g, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(g, ev_wake(3, 6000, C_WAKE, 0));
	for (i = 0; i < 4; i++)
		FEED(g, ev_skip(3, 6000, C_SKIP(i), OOMREAP_SKIP_TRYLOCK_FAILED));
	tracker__carry_get(g->t, &carry);
	h.n = 0;
	assert_int_equal(tracker__hand_over(g->t, hand_to, &h), 1);
	assert_int_equal(tracker__open_count(g->t), 0);
	tracker__flush(g->t);
	assert_int_equal(g->c.n, 0); /* handed over: not closed, not counted */
	assert_int_equal(STATS(g)->incidents_closed[OUTCOME_OPEN], 0);
	fx_teardown(&gs);

	/* the next process: taken over before any event */
	assert_int_equal(fx_setup(&gs), 0);
	g = gs;
	tracker__carry_set(g->t, &carry);
	assert_int_equal(tracker__take_over(g->t, &h.inc[0]), 0);
	assert_int_equal(tracker__take_over(g->t, &h.inc[0]), -EEXIST);
	for (i = 4; i < 10; i++)
		FEED(g, ev_skip(3, 6000, C_SKIP(i), OOMREAP_SKIP_TRYLOCK_FAILED));
	split = settle(g, C_SKIP(9));
	assert_int_equal(split->outcome, whole->outcome);
	assert_int_equal(split->attempts, whole->attempts);
	assert_int_equal(split->trylock_failures, whole->trylock_failures);
	assert_int_equal(split->kill_ns, whole->kill_ns);
	assert_int_equal(split->closed_ns, whole->closed_ns);
	assert_int_equal(split->timeline_len, whole->timeline_len);
	assert_true(split->have_identity);
	assert_false(split->incomplete);
	assert_memory_equal(split->freed_pages, whole->freed_pages, sizeof(whole->freed_pages));
	assert_int_equal(STATS(g)->orphan_events, 0);
	fx_teardown(&gs);
}

/* A late event of a victim the previous process closed opens nothing here. */
static void test_carry_keeps_recently_closed(void **state)
{
	struct fx *f = *state, *g;
	struct tracker_carry carry;
	void *gs;

	FEED(f, ev_kill(5, 7000, 7000, T0, 30000, 400));
	FEED(f, ev_exit(5, 7000, T0 + 3 * MS, 1, 1));
	tracker__advance(f->t, T0 + 10 * SEC);
	assert_int_equal(f->c.n, 1);
	tracker__carry_get(f->t, &carry);

	assert_int_equal(fx_setup(&gs), 0);
	g = gs;
	tracker__carry_set(g->t, &carry);
	/* the reaper's timer, late: without the carry it would open one */
	FEED(g, ev_wake(5, 7000, T0 + 2 * SEC, 0));
	tracker__flush(g->t);
	assert_int_equal(g->c.n, 0);
	assert_int_equal(STATS(g)->incidents_opened, 0);
	assert_int_equal(STATS(g)->orphan_events, 1);
	fx_teardown(&gs);
}

static bool before_nine(const struct oomreap_incident *inc, void *ctx)
{
	(void)ctx;
	return inc->victim_seq <= 9;
}

/*
 * After a restart without a saved state: an incident closing without its
 * kill, stamped before the takeover, is counted continued; one whose kill
 * was seen here, or stamped after, is not.
 */
static void test_restart_mark_counts_continued(void **state)
{
	struct fx *f = *state;

	tracker__set_restart_mark(f->t, before_nine, NULL);
	FEED(f, ev_wake(9, 6000, T0, 0)); /* its kill read by the previous process */
	FEED(f, ev_kill(8, 6100, 6100, T0, 30000, 400)); /* its kill seen here */
	FEED(f, ev_wake(12, 6200, T0, 0)); /* stamped after: lost, not continued */
	tracker__flush(f->t);
	assert_int_equal(f->c.n, 3);
	assert_int_equal(STATS(f)->continued_unsaved, 1);
}

static void test_lab_c_unknown_skips_also_exhaust(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	int i;

	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(f, ev_wake(3, 6000, C_WAKE, 0));
	for (i = 0; i < 10; i++)
		FEED(f, ev_skip(3, 6000, C_SKIP(i),
				i % 2 ? OOMREAP_SKIP_UNKNOWN : OOMREAP_SKIP_TRYLOCK_FAILED));
	assert_int_equal(f->c.n, 0);
	assert_int_equal(tracker__open_count(f->t), 1);
	inc = settle(f, C_SKIP(9));
	assert_int_equal(inc->outcome, OUTCOME_GAVE_UP);
	assert_int_equal(inc->closed_ns, C_SKIP(9));
	assert_int_equal(inc->trylock_failures, 5);
	assert_int_equal(inc->unknown_skips, 5);
	assert_int_equal(inc->attempts, 10);
}

static void test_lab_c_partial_contention(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	int i;

	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(f, ev_wake(3, 6000, C_WAKE, 0));
	for (i = 0; i < 4; i++)
		FEED(f, ev_skip(3, 6000, C_SKIP(i), OOMREAP_SKIP_TRYLOCK_FAILED));
	/* the lock is released, the victim exits; the reaper is still in its loop */
	FEED(f, ev_exit(3, 6000, C_SKIP(3) + 50 * MS, 1, 1));
	assert_int_equal(f->c.n, 0);
	FEED(f, ev_skip(3, 6000, C_SKIP(4), OOMREAP_SKIP_MM_GONE));
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(inc->trylock_failures, 4); /* not 5 */
	assert_int_equal(inc->attempts, 5);
	assert_int_equal(inc->unknown_skips, 0);
	assert_int_equal(inc->closed_ns, C_SKIP(4));
	assert_true(inc->exited);
	assert_int_equal(incident__exit_latency_ns(inc), C_SKIP(3) + 50 * MS - T0);
	assert_int_equal(inc->timeline[inc->timeline_len - 1].skip_reason, OOMREAP_SKIP_MM_GONE);
}

/*
 * Before 6.18 sched_process_exit fires after exit_mm(): the reaper's
 * mm-gone skip can come first, and the exit a few ms later still belongs
 * to the incident (seen on 6.12 in the kernel matrix, C-fuse-partial).
 */
static void test_lab_c_partial_mm_gone_before_exit(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	uint64_t exit_ts = C_SKIP(4) + 4 * MS;
	int i;

	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(f, ev_wake(3, 6000, C_WAKE, 0));
	for (i = 0; i < 4; i++)
		FEED(f, ev_skip(3, 6000, C_SKIP(i), OOMREAP_SKIP_TRYLOCK_FAILED));
	FEED(f, ev_skip(3, 6000, C_SKIP(4), OOMREAP_SKIP_MM_GONE));
	assert_int_equal(f->c.n, 0); /* its exit is still to come */
	tracker__advance(f->t, exit_ts);
	assert_int_equal(f->c.n, 0);
	FEED(f, ev_exit(3, 6000, exit_ts, 1, 1));
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(inc->trylock_failures, 4);
	assert_int_equal(inc->attempts, 5);
	assert_int_equal(inc->closed_ns, exit_ts); /* the later of the two */
	assert_true(inc->exited);
	assert_int_equal(incident__exit_latency_ns(inc), exit_ts - T0);
}

/* The exit after an mm-gone skip is never seen: the incident still ends. */
static void test_mm_gone_without_exit_ends_at_deadline(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(f, ev_wake(3, 6000, C_WAKE, 0));
	FEED(f, ev_skip(3, 6000, C_SKIP(0), OOMREAP_SKIP_TRYLOCK_FAILED));
	FEED(f, ev_skip(3, 6000, C_SKIP(1), OOMREAP_SKIP_MM_GONE));
	tracker__advance(f->t, C_SKIP(1) + EXIT_AFTER_MM_GONE_NS - 1);
	assert_int_equal(f->c.n, 0);
	tracker__advance(f->t, C_SKIP(1) + EXIT_AFTER_MM_GONE_NS);
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(inc->closed_ns, C_SKIP(1)); /* stamped at the skip */
	assert_false(inc->exited);
	assert_int_equal(inc->trylock_failures, 1);
}

/* ------------------------------------------------------- partial reaps */

static void test_partial_retry_then_reaped(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	uint64_t s1 = B_START, f1 = s1 + 6 * MS, s2 = f1 + 104 * MS, f2 = s2 + 3 * MS;

	FEED(f, ev_kill(4, 7000, 7000, T0, 25600, 353));
	FEED(f, ev_wake(4, 7000, B_WAKE, 0));
	FEED(f, ev_start(4, 7000, s1, 25600, 353));
	FEED(f, ev_finish(4, 7000, f1, 10000, 353));
	FEED(f, ev_start(4, 7000, s2, 10000, 353)); /* a retry: the first pass was partial */
	assert_int_equal(f->c.n, 0);
	FEED(f, ev_finish(4, 7000, f2, 0, 300));
	assert_int_equal(f->c.n, 0);
	tracker__advance(f->t, f2 + REAPER_RETRY_LINGER_NS);
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_REAPED);
	assert_int_equal(inc->partial_reaps, 1);
	assert_int_equal(inc->attempts, 2);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_ANON], 25600); /* 15600 + 10000 */
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_FILE], 53);
	assert_int_equal(inc->first_attempt_ns, s1);
	assert_int_equal(inc->last_start_ns, s2);
	assert_int_equal(inc->finish_ns, f2);
	assert_int_equal(incident__reap_duration_ns(inc), 3 * MS);
	assert_int_equal(incident__reap_latency_ns(inc), f2 - T0);
	assert_int_equal(inc->closed_ns, f2);
}

static void test_partial_result_zero_then_one(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	uint64_t s1 = B_START, f1 = s1 + 6 * MS, s2 = f1 + 104 * MS, f2 = s2 + 3 * MS;

	FEED(f, ev_kill(4, 7000, 7000, T0, 25600, 353));
	FEED(f, ev_wake(4, 7000, B_WAKE, 0));
	FEED(f, ev_start(4, 7000, s1, 25600, 353));
	FEED(f, ev_result(4, 7000, f1 - US, 0));
	FEED(f, ev_finish(4, 7000, f1, 10000, 353));
	/* ret 0: the kernel will retry; no linger deadline, nothing closes */
	tracker__advance(f->t, f1 + 10 * SEC);
	assert_int_equal(f->c.n, 0);
	assert_int_equal(tracker__open_count(f->t), 1);
	FEED(f, ev_start(4, 7000, s2, 10000, 353));
	FEED(f, ev_result(4, 7000, f2 - US, 1));
	FEED(f, ev_finish(4, 7000, f2, 0, 353));
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_REAPED);
	assert_int_equal(inc->partial_reaps, 1); /* counted once, not again at the retry */
	assert_int_equal(inc->attempts, 2);
	assert_int_equal(inc->last_reap_ret, 1);
	assert_int_equal(inc->closed_ns, f2);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_ANON], 25600);
}

static void test_partial_ten_attempts_result_zero(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	uint64_t s = B_START, last_finish = B_START + 9 * 110 * MS + 6 * MS;
	int i;

	FEED(f, ev_kill(4, 7000, 7000, T0, 25600, 353));
	FEED(f, ev_wake(4, 7000, B_WAKE, 0));
	for (i = 0; i < 10; i++, s += 110 * MS) {
		assert_int_equal(f->c.n, 0);
		FEED(f, ev_start(4, 7000, s, 25600 - 1000 * i, 353));
		FEED(f, ev_result(4, 7000, s + 5 * MS, 0));
		FEED(f, ev_finish(4, 7000, s + 6 * MS, 25600 - 1000 * (i + 1), 353));
	}
	assert_int_equal(f->c.n, 0);
	assert_int_equal(tracker__open_count(f->t), 1);
	inc = settle(f, last_finish);
	assert_int_equal(inc, only_incident(f));
	assert_int_equal(inc->outcome, OUTCOME_PARTIAL);
	assert_int_equal(inc->partial_reaps, 10);
	assert_int_equal(inc->attempts, 10);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_ANON], 10000);
	assert_int_equal(inc->finish_ns, last_finish);
	assert_int_equal(inc->closed_ns, last_finish);
	/* 2 + 30 events: the timeline keeps the first TIMELINE_MAX */
	assert_int_equal(inc->timeline_len, TIMELINE_MAX);
	assert_int_equal(inc->timeline_dropped, 32 - TIMELINE_MAX);
	assert_int_equal(STATS(f)->incidents_closed[OUTCOME_PARTIAL], 1);
}

static void test_partial_then_trylock_failures(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	uint64_t f1 = B_START + 6 * MS;
	int i;

	FEED(f, ev_kill(4, 7000, 7000, T0, 25600, 353));
	FEED(f, ev_wake(4, 7000, B_WAKE, 0));
	FEED(f, ev_start(4, 7000, B_START, 25600, 353));
	FEED(f, ev_finish(4, 7000, f1, 20000, 353));
	for (i = 1; i <= 9; i++)
		FEED(f, ev_skip(4, 7000, f1 + (uint64_t)i * 104 * MS, OOMREAP_SKIP_TRYLOCK_FAILED));
	assert_int_equal(f->c.n, 0);
	assert_int_equal(tracker__open_count(f->t), 1);
	inc = settle(f, f1 + 9 * 104 * MS);
	assert_int_equal(inc, only_incident(f));
	assert_int_equal(inc->outcome, OUTCOME_PARTIAL);
	assert_int_equal(inc->partial_reaps, 1);
	assert_int_equal(inc->trylock_failures, 9);
	assert_int_equal(inc->attempts, 10);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_ANON], 5600);
	assert_int_equal(inc->closed_ns, f1 + 9 * 104 * MS);
}

static void test_ten_finishes_without_result(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	uint64_t s = B_START;
	int i;

	/* Without fexit the 10th finish is the last possible pass: called reaped. */
	FEED(f, ev_kill(4, 7000, 7000, T0, 25600, 353));
	FEED(f, ev_wake(4, 7000, B_WAKE, 0));
	for (i = 0; i < 10; i++, s += 110 * MS) {
		FEED(f, ev_start(4, 7000, s, 25600 - 100 * i, 353));
		FEED(f, ev_finish(4, 7000, s + 6 * MS, 25600 - 100 * (i + 1), 353));
	}
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_REAPED);
	assert_int_equal(inc->partial_reaps, 9);
	assert_int_equal(inc->attempts, 10);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_ANON], 1000);
	assert_int_equal(inc->closed_ns, B_START + 9 * 110 * MS + 6 * MS);
}

/* ------------------------------------------------------------ lost events */

static void test_lost_marks_open_only(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *a, *b, *c;

	FEED(f, ev_kill(1, 100, 100, T0, 1000, 10));
	FEED(f, ev_kill(2, 200, 200, T0 + MS, 1000, 10));
	tracker__note_lost(f->t, 3, 0);
	assert_int_equal(STATS(f)->lost_events, 3);
	FEED(f, ev_kill(3, 300, 300, T0 + 2 * MS, 1000, 10));
	tracker__note_lost(f->t, 3, 0); /* no increase: nothing new is marked */
	tracker__note_lost(f->t, 2, 0); /* a smaller total is ignored */
	assert_int_equal(STATS(f)->lost_events, 3);
	FEED(f, ev_exit(1, 100, T0 + 5 * MS, 1, 1));
	FEED(f, ev_exit(2, 200, T0 + 6 * MS, 1, 1));
	FEED(f, ev_exit(3, 300, T0 + 7 * MS, 1, 1));
	assert_int_equal(f->c.n, 3);
	a = find_closed(f, 1);
	b = find_closed(f, 2);
	c = find_closed(f, 3);
	assert_true(a->incomplete);
	assert_true(b->incomplete);
	assert_false(c->incomplete);
	assert_int_equal(c->outcome, OUTCOME_VICTIM_EXITED);

	/* a further increase marks what is open now */
	FEED(f, ev_kill(4, 400, 400, T0 + 8 * MS, 1000, 10));
	tracker__note_lost(f->t, 4, 0);
	assert_int_equal(STATS(f)->lost_events, 4);
	tracker__flush(f->t);
	assert_true(find_closed(f, 4)->incomplete);
}

/* Runs of one program skipped: the table, as attach__missed() fills it. */
static struct runs_missed missed_of(uint64_t exit_runs, bool known)
{
	struct runs_missed m = { 0 };

	missed__set(&m, "tp_mark_victim", 0, known);
	missed__set(&m, "tp_sched_process_exit", exit_runs, known);
	return m;
}

static void test_missed_runs_mark_open_only(void **state)
{
	struct fx *f = *state;
	struct runs_missed m = missed_of(0, true);
	const struct oomreap_incident *a, *b;

	tracker__note_missed(f->t, &m, 0);
	assert_int_equal(STATS(f)->missed.n, 2);
	assert_int_equal(missed__total(&STATS(f)->missed), 0);
	FEED(f, ev_kill(1, 100, 100, T0, 1000, 10));
	m = missed_of(0, true);
	tracker__note_missed(f->t, &m, 0); /* no increase: nothing marked */
	FEED(f, ev_exit(1, 100, T0 + 5 * MS, 1, 1));
	a = find_closed(f, 1);
	assert_false(a->incomplete);
	assert_false(a->runs_missed);

	FEED(f, ev_kill(2, 200, 200, T0 + SEC, 1000, 10));
	m = missed_of(3, true);
	tracker__note_missed(f->t, &m, 0);
	assert_int_equal(missed__total(&STATS(f)->missed), 3);
	assert_int_equal(STATS(f)->missed.p[1].runs, 3);
	assert_string_equal(STATS(f)->missed.p[1].name, "tp_sched_process_exit");
	/* the ring buffer lost nothing: the loss is the missed runs alone */
	assert_int_equal(STATS(f)->lost_events, 0);
	FEED(f, ev_exit(2, 200, T0 + SEC + 5 * MS, 1, 1));
	b = find_closed(f, 2);
	assert_true(b->incomplete);
	assert_true(b->runs_missed);
	assert_false(b->ended_unseen); /* its exit came: it ended as usual */
	assert_int_equal(b->outcome, OUTCOME_VICTIM_EXITED);
}

/* A kernel that does not count: unknown, and nothing is marked. */
static void test_missed_runs_unknown(void **state)
{
	struct fx *f = *state;
	struct runs_missed m = missed_of(0, false);

	FEED(f, ev_kill(1, 100, 100, T0, 1000, 10));
	tracker__note_missed(f->t, &m, 0);
	assert_int_equal(missed__unknown(&STATS(f)->missed), 2);
	assert_int_equal(missed__total(&STATS(f)->missed), 0);
	FEED(f, ev_exit(1, 100, T0 + 5 * MS, 1, 1));
	assert_false(find_closed(f, 1)->incomplete);
}

/*
 * The victim's exit was a skipped run: nothing else will ever come for it
 * (it exited before the reaper's timer, which then finds MMF_OOM_SKIP and
 * stays silent).  It closes at its loss deadline, its end unseen, stamped
 * at its last event; an incident whose events keep coming is not cut.
 */
static void test_missed_exit_closes_at_deadline(void **state)
{
	struct fx *f = *state;
	struct runs_missed m;
	const struct oomreap_incident *inc;
	uint64_t deadline = T0 + LOSS_WAIT_AFTER_KILL_NS;

	FEED(f, ev_kill(1, 100, 100, T0, 1000, 10));
	FEED(f, ev_kill(2, 200, 200, T0 + 2 * MS, 1000, 10));
	m = missed_of(1, true);
	tracker__note_missed(f->t, &m, 0);
	/* no event: the reader sleeps until the deadline, no longer */
	assert_int_equal(tracker__next_deadline(f->t), deadline);
	/* victim 2 is being reaped: its events re-arm its own wait */
	FEED(f, ev_wake(2, 200, T0 + 2 * SEC, 0));
	FEED(f, ev_start(2, 200, T0 + 2 * SEC + MS, 1000, 10));
	FEED(f, ev_result(2, 200, T0 + 2 * SEC + 9 * MS, 1));
	FEED(f, ev_finish(2, 200, T0 + 2 * SEC + 9 * MS, 0, 10));
	assert_true(find_closed(f, 2)->incomplete);
	assert_int_equal(find_closed(f, 2)->outcome, OUTCOME_REAPED);

	tracker__advance(f->t, deadline - 1);
	assert_int_equal(tracker__open_count(f->t), 1);
	tracker__advance(f->t, deadline);
	assert_int_equal(tracker__open_count(f->t), 0);
	inc = find_closed(f, 1);
	assert_true(inc->incomplete);
	assert_true(inc->runs_missed);
	assert_true(inc->ended_unseen);
	assert_int_equal(inc->outcome, OUTCOME_OPEN);
	assert_int_equal(inc->closed_ns, T0); /* its last event: the kill */
	assert_false(find_closed(f, 2)->ended_unseen);
}

/*
 * The count was read before the event that opens the incident: its kill
 * was reserved before the skipped exit, but reached the reader a batch
 * later (an event still being written holds back those behind it; a 7.x
 * guest's systemd-oomd kill did this).  Stamped no later than the time by
 * which the count was read, it was open when the run was skipped: marked,
 * and it closes at its loss deadline.  One stamped after is not marked.
 */
static void test_missed_before_its_kill_was_read(void **state)
{
	struct fx *f = *state;
	struct runs_missed m = missed_of(1, true);
	const struct oomreap_incident *a, *b;

	tracker__note_missed(f->t, &m, T0 + 10 * MS); /* nothing open yet */
	FEED(f, ev_kill(1, 100, 100, T0, 1000, 10));
	FEED(f, ev_kill(2, 200, 200, T0 + 20 * MS, 1000, 10));
	FEED(f, ev_exit(2, 200, T0 + 30 * MS, 1, 1));
	b = find_closed(f, 2);
	assert_false(b->runs_missed);
	assert_false(b->incomplete);
	tracker__advance(f->t, T0 + LOSS_WAIT_AFTER_KILL_NS);
	a = find_closed(f, 1);
	assert_true(a->runs_missed);
	assert_true(a->incomplete);
	assert_true(a->ended_unseen);
	assert_int_equal(a->outcome, OUTCOME_OPEN);
}

/* The same for a ring-buffer drop: incomplete, its loss not a missed run. */
static void test_lost_before_its_kill_was_read(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *a;

	tracker__note_lost(f->t, 1, T0 + 10 * MS);
	FEED(f, ev_kill(1, 100, 100, T0, 1000, 10));
	FEED(f, ev_exit(1, 100, T0 + 5 * MS, 1, 1));
	a = find_closed(f, 1);
	assert_true(a->incomplete);
	assert_false(a->runs_missed);
	assert_int_equal(a->outcome, OUTCOME_VICTIM_EXITED);
}

/* Events after the loss push the deadline: LOSS_SILENCE_NS after the last one. */
static void test_loss_deadline_follows_events(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	uint64_t last = T0 + 9 * SEC;

	FEED(f, ev_kill(1, 100, 100, T0, 1000, 10));
	tracker__note_lost(f->t, 1, 0); /* a ring-buffer drop works the same way */
	FEED(f, ev_exit(1, 100, last, 0, 0)); /* a thread, not the group: no end */
	/* never later than the real deadline (tracker.h), here an earlier one */
	assert_true(tracker__next_deadline(f->t) <= last + LOSS_SILENCE_NS);
	tracker__advance(f->t, T0 + LOSS_WAIT_AFTER_KILL_NS);
	assert_int_equal(tracker__open_count(f->t), 1);
	assert_int_equal(tracker__next_deadline(f->t), last + LOSS_SILENCE_NS);
	tracker__advance(f->t, last + LOSS_SILENCE_NS - 1);
	assert_int_equal(tracker__open_count(f->t), 1);
	tracker__advance(f->t, last + LOSS_SILENCE_NS);
	inc = only_incident(f);
	assert_true(inc->ended_unseen);
	assert_false(inc->runs_missed); /* the ring buffer's, not a missed run */
	assert_int_equal(inc->closed_ns, last);
}

/* Tracing stops before the deadline: still open, not "ended unseen". */
static void test_loss_deadline_flush(void **state)
{
	struct fx *f = *state;
	struct runs_missed m = missed_of(2, true);
	const struct oomreap_incident *inc;

	FEED(f, ev_kill(1, 100, 100, T0, 1000, 10));
	tracker__note_missed(f->t, &m, 0);
	tracker__flush(f->t);
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_OPEN);
	assert_true(inc->incomplete);
	assert_false(inc->ended_unseen);
}

/*
 * The kernel log's verdict on an incident whose end was lost: a C2 gap
 * where the ring buffer refused the last attempts.  Closed at its loss
 * deadline, it takes "unable to reap" as gave_up (at the line's stamp);
 * without a line, it stays open; a whole incident never asks.
 */
struct verdict_fx {
	struct collector c;
	enum oomreap_outcome says;
	uint64_t at;
	int asked;
};

static void verdict_collect(const struct oomreap_incident *inc, void *ctx)
{
	collect(inc, &((struct verdict_fx *)ctx)->c);
}

static enum oomreap_outcome verdict_of(const struct oomreap_incident *inc, void *ctx,
				       uint64_t *at)
{
	struct verdict_fx *v = ctx;

	(void)inc;
	v->asked++;
	*at = v->at;
	return v->says;
}

static void test_loss_verdict_from_log(void **state)
{
	static const enum oomreap_outcome says[] = { OUTCOME_GAVE_UP, OUTCOME_REAPED,
						     OUTCOME_OPEN };
	struct verdict_fx *v = calloc(1, sizeof(*v));
	struct tracker_opts o = { .on_close = verdict_collect, .reaper_verdict = verdict_of };
	uint64_t skip0 = T0 + 2 * SEC, last = skip0 + 6 * 100 * MS;
	struct fx f = { 0 };
	const struct oomreap_incident *inc;
	size_t k;
	int i;

	(void)state;
	assert_non_null(v);
	o.ctx = v;
	for (k = 0; k < sizeof(says) / sizeof(says[0]); k++) {
		memset(v, 0, sizeof(*v));
		v->says = says[k];
		v->at = skip0 + 9 * 100 * MS + 42;
		f.t = tracker__new(&o);
		assert_non_null(f.t);
		FEED(&f, ev_kill(1, 100, 100, T0, 1000, 10));
		for (i = 0; i < 7; i++)
			FEED(&f, ev_skip(1, 100, skip0 + (uint64_t)i * 100 * MS,
					 OOMREAP_SKIP_TRYLOCK_FAILED));
		tracker__note_lost(f.t, 6, 0); /* the last three attempts, their pictures */
		tracker__advance(f.t, T0 + LOSS_WAIT_AFTER_KILL_NS + last + LOSS_SILENCE_NS);
		assert_int_equal(v->c.n, 1);
		inc = &v->c.inc[0];
		assert_int_equal(v->asked, 1);
		assert_true(inc->incomplete);
		assert_int_equal(inc->attempts, 7);
		if (says[k] == OUTCOME_OPEN) {
			assert_int_equal(inc->outcome, OUTCOME_OPEN);
			assert_false(inc->outcome_from_log);
		} else {
			assert_int_equal(inc->outcome, says[k]);
			assert_true(inc->outcome_from_log);
			assert_int_equal(inc->closed_ns, v->at);
			/* a reap whose finish was lost freed what nobody read */
			assert_int_equal(inc->freed_unread, says[k] == OUTCOME_REAPED);
		}
		tracker__free(f.t);
	}

	/* whole: its own events end it, the log is not asked */
	memset(v, 0, sizeof(*v));
	v->says = OUTCOME_REAPED;
	f.t = tracker__new(&o);
	assert_non_null(f.t);
	FEED(&f, ev_kill(1, 100, 100, T0, 1000, 10));
	for (i = 0; i < 10; i++)
		FEED(&f, ev_skip(1, 100, skip0 + (uint64_t)i * 100 * MS, OOMREAP_SKIP_TRYLOCK_FAILED));
	tracker__advance(f.t, skip0 + 10 * SEC);
	assert_int_equal(v->c.n, 1);
	assert_int_equal(v->c.inc[0].outcome, OUTCOME_GAVE_UP);
	assert_false(v->c.inc[0].outcome_from_log);
	assert_int_equal(v->asked, 0);
	tracker__free(f.t);
	free(v);
}

/*
 * Joined halfway: tracing started after the kill and before the reaper's
 * wake, so the programs never put the victim in their map: no sequence, no
 * tgid, no mm read at the reap's start or finish.  What it freed is unknown
 * (null), not 0; the session is asked once, at the close, what the kernel
 * log says of the pid (on_join).
 */
struct join_fx {
	struct collector c;
	int joins;
};

static void join_collect(const struct oomreap_incident *inc, void *ctx)
{
	collect(inc, &((struct join_fx *)ctx)->c);
}

static void join_from_log(struct oomreap_incident *inc, void *ctx)
{
	struct join_fx *j = ctx;

	j->joins++;
	inc->identity_from_log = true;
	inc->kill_log_ns = inc->opened_ns - 2 * SEC;
	strcpy(inc->comm, "rlvictim");
}

static void test_joined_halfway(void **state)
{
	struct join_fx *j = calloc(1, sizeof(*j));
	struct tracker_opts o = { .on_close = join_collect, .on_join = join_from_log };
	struct fx f = { 0 };
	const struct oomreap_incident *inc;

	(void)state;
	assert_non_null(j);
	o.ctx = j;
	f.t = tracker__new(&o);
	assert_non_null(f.t);
	FEED(&f, ev_wake(0, 5150, T0, 0));
	FEED(&f, ev_start(0, 5150, T0 + MS, NO_RSS, 0));
	FEED(&f, ev_result(0, 5150, T0 + 11 * MS, 1));
	FEED(&f, ev_finish(0, 5150, T0 + 12 * MS, NO_RSS, 0));
	tracker__advance(f.t, T0 + 12 * MS + REAPER_RETRY_LINGER_NS);
	assert_int_equal(j->c.n, 1);
	inc = &j->c.inc[0];
	assert_int_equal(j->joins, 1);
	assert_int_equal(inc->first_seen, OOMREAP_EV_REAPER_WAKE);
	assert_int_equal(inc->outcome, OUTCOME_REAPED);
	assert_true(inc->freed_unread);
	assert_true(inc->identity_from_log);
	assert_true(incident__kill_known(inc));
	assert_int_equal(inc->victim_seq, 0);
	assert_int_equal(inc->tgid, 0);
	tracker__free(f.t);

	/* a kill seen by its event is never joined from the log; its reaps are read */
	memset(j, 0, sizeof(*j));
	f.t = tracker__new(&o);
	assert_non_null(f.t);
	FEED(&f, ev_kill(3, 600, 600, T0, 5000, 20));
	FEED(&f, ev_start(3, 600, T0 + 2 * SEC, 5000, 20));
	FEED(&f, ev_result(3, 600, T0 + 2 * SEC + 5 * MS, 1));
	FEED(&f, ev_finish(3, 600, T0 + 2 * SEC + 6 * MS, 0, 20));
	tracker__advance(f.t, T0 + 3 * SEC + REAPER_RETRY_LINGER_NS);
	assert_int_equal(j->c.n, 1);
	assert_int_equal(j->joins, 0);
	assert_false(j->c.inc[0].freed_unread);
	assert_int_equal(j->c.inc[0].first_seen, OOMREAP_EV_KILL);
	assert_int_equal(j->c.inc[0].freed_pages[OOMREAP_RSS_ANON], 5000);
	tracker__free(f.t);

	/* a finish whose start was not seen: freed unknown too */
	memset(j, 0, sizeof(*j));
	f.t = tracker__new(&o);
	assert_non_null(f.t);
	FEED(&f, ev_finish(0, 700, T0, 0, 20));
	tracker__flush(f.t);
	assert_int_equal(j->c.n, 1);
	assert_true(j->c.inc[0].freed_unread);
	assert_int_equal(j->c.inc[0].first_seen, OOMREAP_EV_REAP_FINISH);
	tracker__free(f.t);
	free(j);
}

static void test_reaper_events_without_kill(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	/* kill seq 9 never seen (lost, or tracing started after it) */
	FEED(f, ev_start(9, 900, T0, 5000, 20));
	assert_int_equal(tracker__open_count(f->t), 1);
	FEED(f, ev_finish(9, 900, T0 + 4 * MS, 0, 20));
	tracker__advance(f->t, T0 + 4 * MS + REAPER_RETRY_LINGER_NS);
	inc = only_incident(f);
	assert_true(inc->incomplete);
	assert_int_equal(inc->victim_seq, 9);
	assert_int_equal(inc->pid, 900);
	assert_false(inc->have_identity);
	assert_false(inc->have_rss_at_kill);
	assert_int_equal(inc->kill_ns, 0);
	assert_int_equal(inc->outcome, OUTCOME_REAPED);
	assert_int_equal(inc->attempts, 1);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_ANON], 5000);
	assert_int_equal(incident__reap_latency_ns(inc), LATENCY_NONE);
	assert_int_equal(incident__kill_to_wake_ns(inc), LATENCY_NONE);
	assert_int_equal(incident__reap_duration_ns(inc), 4 * MS);
	assert_int_equal(STATS(f)->incidents_opened, 1);

	/* a lone result or an ignored wake opens nothing */
	FEED(f, ev_result(10, 1000, T0 + SEC, 1));
	FEED(f, ev_wake(11, 1100, T0 + SEC, 1));
	assert_int_equal(tracker__open_count(f->t), 0);
	assert_int_equal(STATS(f)->incidents_opened, 1);
	assert_int_equal(STATS(f)->orphan_events, 2);

	/* a skip for an unknown victim does open one */
	FEED(f, ev_skip(12, 1200, T0 + 2 * SEC, OOMREAP_SKIP_TRYLOCK_FAILED));
	assert_int_equal(tracker__open_count(f->t), 1);
	tracker__flush(f->t);
	assert_int_equal(f->c.n, 2);
	assert_true(f->c.inc[1].incomplete);
	assert_int_equal(f->c.inc[1].outcome, OUTCOME_OPEN);
	assert_int_equal(f->c.inc[1].trylock_failures, 1);
}

/*
 * Tracing started in the middle of a reaper loop that then gives up: the
 * incident cannot count to the 10th attempt, so it ends when the reaper
 * falls silent (REAPER_SILENCE_NS after its last failed attempt).
 */
static void test_mid_loop_incident_ends_when_the_reaper_falls_silent(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	uint64_t last = T0 + 3 * 100 * MS;
	int i;

	for (i = 0; i < 4; i++) /* attempts 7..10 of the kernel's loop */
		FEED(f, ev_skip(21, 2100, T0 + (uint64_t)i * 100 * MS,
				OOMREAP_SKIP_TRYLOCK_FAILED));
	tracker__advance(f->t, last + REAPER_SILENCE_NS - 1);
	assert_int_equal(f->c.n, 0); /* still within the silence */
	tracker__advance(f->t, last + REAPER_SILENCE_NS);
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_GAVE_UP);
	assert_true(inc->incomplete); /* 4 is what we saw, not what happened */
	assert_int_equal(inc->trylock_failures, 4);
	assert_int_equal(inc->closed_ns, last);

	/* a reap that starts within the silence decides by its own finish */
	FEED(f, ev_skip(22, 2200, T0 + 2 * SEC, OOMREAP_SKIP_TRYLOCK_FAILED));
	FEED(f, ev_start(22, 2200, T0 + 2 * SEC + 100 * MS, 5000, 20));
	tracker__advance(f->t, T0 + 2 * SEC + 100 * MS + 2 * REAPER_SILENCE_NS);
	assert_int_equal(f->c.n, 1); /* a long reap is not silence */
	FEED(f, ev_finish(22, 2200, T0 + 4 * SEC, 0, 20));
	tracker__advance(f->t, T0 + 4 * SEC + REAPER_RETRY_LINGER_NS);
	assert_int_equal(f->c.n, 2);
	assert_int_equal(f->c.inc[1].outcome, OUTCOME_REAPED);

	/* stopping within the silence: the outcome is not known, so open */
	FEED(f, ev_skip(23, 2300, T0 + 6 * SEC, OOMREAP_SKIP_TRYLOCK_FAILED));
	tracker__flush(f->t);
	assert_int_equal(f->c.n, 3);
	assert_int_equal(f->c.inc[2].outcome, OUTCOME_OPEN);
}

/* ------------------------------------------------------------ pid reuse */

static void test_pid_reuse_never_merges(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *a, *b;

	FEED(f, ev_kill(1, 500, 500, T0, 25600, 100));
	FEED(f, ev_kill(2, 500, 500, T0 + SEC, 8000, 50)); /* same pid, a new victim */
	assert_int_equal(tracker__open_count(f->t), 2);
	FEED(f, ev_wake(1, 500, T0 + 2006 * MS, 0));
	FEED(f, ev_start(1, 500, T0 + 2008 * MS, 25600, 100));
	FEED(f, ev_result(1, 500, T0 + 2015 * MS, 1));
	FEED(f, ev_finish(1, 500, T0 + 2016 * MS, 0, 100));
	assert_int_equal(f->c.n, 1);
	FEED(f, ev_exit(2, 500, T0 + SEC + 5 * MS, 1, 1));
	assert_int_equal(f->c.n, 2);

	a = find_closed(f, 1);
	b = find_closed(f, 2);
	assert_int_equal(a->outcome, OUTCOME_REAPED);
	assert_int_equal(a->attempts, 1);
	assert_int_equal(a->freed_pages[OOMREAP_RSS_ANON], 25600);
	assert_int_equal(a->exit_ns, 0);
	assert_false(a->exited);
	assert_int_equal(a->kill_ns, T0);
	assert_int_equal(a->timeline_len, 5);
	assert_int_equal(a->cgroup_id, 4001);

	assert_int_equal(b->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(b->attempts, 0);
	assert_int_equal(b->wake_ns, 0);
	assert_no_freed(b);
	assert_int_equal(b->kill_ns, T0 + SEC);
	assert_int_equal(incident__exit_latency_ns(b), 5 * MS);
	assert_int_equal(b->rss_at_kill_pages[OOMREAP_RSS_ANON], 8000);
	assert_int_equal(b->timeline_len, 2);
	assert_int_equal(b->cgroup_id, 4002);
	assert_int_equal(STATS(f)->incidents_opened, 2);
}

static void test_pid_reuse_exit_before_its_kill(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *a, *b;

	/*
	 * Victim 1 (pid 500) exited while a CLONE_VM sibling pins its mm: it stays
	 * open.  pid 500 is recycled and the new process is killed too; its exit
	 * (seq 2) reaches userspace a few µs before its kill.  It must wait for
	 * kill 2, never land on victim 1 because the tgid matches.
	 */
	FEED(f, ev_kill(1, 500, 500, T0, 25600, 100));
	FEED(f, ev_exit(1, 500, T0 + 5 * MS, 1, 0));
	FEED(f, ev_exit(2, 500, T0 + 800 * MS - 3 * US, 1, 1));
	assert_int_equal(f->c.n, 0);
	FEED(f, ev_kill(2, 500, 500, T0 + 800 * MS, 8000, 50));
	assert_int_equal(f->c.n, 1);
	b = find_closed(f, 2);
	assert_int_equal(b->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(b->exit_ns, T0 + 800 * MS - 3 * US);
	assert_true(b->mm_released_by_exit);

	tracker__advance(f->t, T0 + REAPER_WAIT_AFTER_KILL_NS - 1);
	assert_int_equal(f->c.n, 1);
	tracker__advance(f->t, T0 + REAPER_WAIT_AFTER_KILL_NS);
	assert_int_equal(f->c.n, 2);
	a = find_closed(f, 1);
	assert_int_equal(a->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(a->exit_ns, T0 + 5 * MS);
	assert_false(a->mm_released_by_exit);
	/* stamped at its exit, not when the wait for the reaper ran out */
	assert_int_equal(a->closed_ns, T0 + 5 * MS);
}

static void test_seq0_events_match_by_pid(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	/* old mark_victim(int pid): BPF could not stamp a seq on later events */
	FEED(f, ev_kill_pidonly(0, 800, T0));
	FEED(f, ev_wake(0, 800, B_WAKE, 0));
	FEED(f, ev_start(0, 800, B_START, 25600, 0));
	FEED(f, ev_result(0, 800, B_FINISH - US, 1));
	FEED(f, ev_finish(0, 800, B_FINISH, 0, 0));
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_REAPED);
	assert_false(inc->incomplete);
	assert_int_equal(inc->attempts, 1);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_ANON], 25600);
	assert_int_equal(incident__kill_to_wake_ns(inc), 2006 * MS);
	assert_int_equal(STATS(f)->incidents_opened, 1);
}

/* ------------------------------------------------------------ interleaved */

static void test_two_victims_interleaved(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *a, *b;
	uint64_t w = T0 + 2006 * MS;

	FEED(f, ev_kill(1, 100, 100, T0, 30000, 10));
	FEED(f, ev_kill(2, 200, 200, T0 + 1 * MS, 20000, 20));
	FEED(f, ev_wake(1, 100, w, 0));
	FEED(f, ev_wake(2, 200, w + 1 * MS, 0));
	FEED(f, ev_skip(1, 100, w + 2 * MS, OOMREAP_SKIP_TRYLOCK_FAILED));
	FEED(f, ev_start(2, 200, w + 3 * MS, 20000, 20));
	FEED(f, ev_skip(1, 100, w + 106 * MS, OOMREAP_SKIP_TRYLOCK_FAILED));
	FEED(f, ev_result(2, 200, w + 107 * MS, 1));
	FEED(f, ev_finish(2, 200, w + 108 * MS, 0, 20));
	assert_int_equal(f->c.n, 1);
	FEED(f, ev_exit(1, 100, w + 150 * MS, 1, 1));
	FEED(f, ev_skip(1, 100, w + 210 * MS, OOMREAP_SKIP_MM_GONE));
	assert_int_equal(f->c.n, 2);
	assert_int_equal(tracker__open_count(f->t), 0);

	b = &f->c.inc[0];
	a = &f->c.inc[1];
	assert_int_equal(b->victim_seq, 2);
	assert_int_equal(b->outcome, OUTCOME_REAPED);
	assert_int_equal(b->attempts, 1);
	assert_int_equal(b->trylock_failures, 0);
	assert_int_equal(b->freed_pages[OOMREAP_RSS_ANON], 20000);
	assert_int_equal(incident__kill_to_wake_ns(b), 2006 * MS);
	assert_int_equal(incident__reap_latency_ns(b), 2006 * MS + 108 * MS - 1 * MS);
	assert_int_equal(b->closed_ns, w + 108 * MS);
	assert_int_equal(b->timeline_len, 5);

	assert_int_equal(a->victim_seq, 1);
	assert_int_equal(a->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(a->attempts, 3);
	assert_int_equal(a->trylock_failures, 2);
	assert_no_freed(a);
	assert_int_equal(incident__exit_latency_ns(a), 2006 * MS + 150 * MS);
	assert_int_equal(incident__wake_to_first_attempt_ns(a), 2 * MS);
	assert_int_equal(a->closed_ns, w + 210 * MS);
	assert_int_equal(a->timeline_len, 6);
}

/* ----------------------------------------------------- mark_victim forms */

static void test_pid_only_kill(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	int i;

	FEED(f, ev_kill_pidonly(5, 5555, T0));
	FEED(f, ev_wake(5, 5555, B_WAKE, 0));
	FEED(f, ev_start(5, 5555, B_START, 12345, 99));
	FEED(f, ev_finish(5, 5555, B_FINISH, 45, 99));
	tracker__advance(f->t, B_FINISH + REAPER_RETRY_LINGER_NS);
	inc = only_incident(f);
	assert_false(inc->have_identity);
	assert_false(inc->have_rss_at_kill);
	for (i = 0; i < OOMREAP_RSS_NR; i++)
		assert_int_equal(inc->rss_at_kill_pages[i], 0);
	assert_int_equal(inc->total_vm_pages, 0);
	assert_string_equal(inc->cgroup_path, "");
	assert_int_equal(inc->cgroup_hierarchy, -1);
	assert_string_equal(inc->comm, "");
	assert_int_equal(inc->pid, 5555);
	assert_int_equal(inc->tgid, 0);
	assert_false(inc->incomplete);
	assert_int_equal(inc->timeline[0].type, OOMREAP_EV_KILL);
	assert_int_equal(inc->timeline[0].rss_pages[OOMREAP_RSS_ANON], -1);
	/* the reaper part works as usual */
	assert_int_equal(inc->outcome, OUTCOME_REAPED);
	assert_int_equal(inc->attempts, 1);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_ANON], 12300);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_FILE], 0);
	assert_int_equal(incident__reap_latency_ns(inc), 2016 * MS);
}

static void test_full_identity_kill_with_context(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	struct oomreap_kill_event k = ev_kill(6, 6600, 6600, T0, 100, 1);

	k.kill_flags |= OOMREAP_KILL_CGROUP_TRUNC;
	k.hdr.source = OOMREAP_SRC_FENTRY;
	FEED(f, ev_ctx(6601, T0 - 2 * MS)); /* same trigger, just before */
	FEED(f, k);
	FEED(f, ev_exit(6, 6600, T0 + 4 * MS, 1, 1));
	inc = only_incident(f);
	assert_true(inc->have_identity);
	assert_true(inc->cgroup_truncated);
	assert_int_equal(inc->source, OOMREAP_SRC_FENTRY);
	assert_true(inc->have_context);
	assert_int_equal(inc->constraint, 3);
	assert_int_equal(inc->order, 2);
	assert_int_equal(inc->totalpages, 32768);
	assert_int_equal(inc->domain_cgroup_id, 321);
	assert_string_equal(inc->domain_cgroup_path, "/oomtest");

	/* a context from another trigger, or too old, is not applied */
	FEED(f, ev_ctx(1, T0 + 10 * MS));
	FEED(f, ev_kill(7, 7700, 7700, T0 + 11 * MS, 100, 1));
	FEED(f, ev_ctx(7801, T0 + 20 * MS));
	FEED(f, ev_kill(8, 7800, 7800, T0 + 20 * MS + 1 * SEC, 100, 1));
	tracker__flush(f->t);
	assert_false(find_closed(f, 7)->have_context);
	assert_false(find_closed(f, 8)->have_context);
	assert_int_equal(find_closed(f, 8)->constraint, OOMREAP_CONSTRAINT_UNKNOWN);
}

/* ------------------------------------------------------ cross-CPU order */

static void test_exit_before_kill_is_held(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	/* exit emitted on CPU 1 3 µs before mark_victim's event on CPU 0 */
	FEED(f, ev_exit(0, 700, T0 - 3 * US, 1, 1));
	assert_int_equal(f->c.n, 0);
	assert_int_equal(tracker__open_count(f->t), 0);
	FEED(f, ev_kill(1, 700, 700, T0, 25600, 353));
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(inc->exit_ns, T0 - 3 * US);
	assert_int_equal(incident__exit_latency_ns(inc), 0); /* clamped, not 2^64-3000 */
	assert_true(inc->mm_released_by_exit);
	assert_int_equal(inc->timeline_len, 2);
	assert_int_equal(STATS(f)->incidents_opened, 1);
	/* it found its incident: not an orphan in the end */
	assert_int_equal(STATS(f)->orphan_events, 0);
}

static void test_exit_after_kill_with_earlier_ts(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, ev_kill(1, 700, 700, T0, 25600, 353));
	FEED(f, ev_exit(1, 700, T0 - 2 * US, 1, 1));
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(inc->exit_ns, T0 - 2 * US);
	assert_int_equal(incident__exit_latency_ns(inc), 0);
}

static void test_orphan_exit_outside_window(void **state)
{
	struct fx *f = *state;

	/* an exit of the same tgid long before the kill is unrelated */
	FEED(f, ev_exit(0, 700, T0 - 200 * MS, 1, 1));
	FEED(f, ev_kill(1, 700, 700, T0, 25600, 353));
	assert_int_equal(f->c.n, 0);
	assert_int_equal(tracker__open_count(f->t), 1);
	assert_int_equal(STATS(f)->orphan_events, 1);
	tracker__flush(f->t);
	assert_int_equal(only_incident(f)->outcome, OUTCOME_OPEN);
	assert_false(f->c.inc[0].exited);
}

/* -------------------------------- exits before the mark (PREEMPT_RT) */

/*
 * __oom_kill_process() sends SIGKILL, then marks the victim: a victim that
 * runs in between exits while oom_mm is still unset.  The exit filter lets
 * such a SIGKILLed exit through, unmarked and without a victim_seq, and
 * the kill that follows says its victim's exit had begun.
 */
/* tracker.c's UNMARKED_WINDOW_NS: how long an unmarked exit and its kill may be apart */
#define UNMARKED_WINDOW_TEST SEC

static struct oomreap_exit_event ev_exit_unmarked(uint64_t seq, uint32_t tgid, uint64_t ts)
{
	struct oomreap_exit_event x = ev_exit(seq, tgid, ts, 1, 1);

	x.exit_flags = OOMREAP_EXIT_UNMARKED;
	return x;
}

static struct oomreap_kill_event ev_kill_exit_begun(uint64_t seq, uint32_t tgid, uint64_t ts)
{
	struct oomreap_kill_event k = ev_kill(seq, tgid, tgid, ts, 2048, 1);

	k.kill_flags |= OOMREAP_KILL_EXIT_BEGUN;
	return k;
}

static void test_unmarked_exit_paired_with_its_kill(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	/* a kill -9 elsewhere, then the victim, 0.3 ms before its mark */
	FEED(f, ev_exit_unmarked(0, 900, T0 - 20 * MS));
	FEED(f, ev_exit_unmarked(0, 700, T0 - 300 * US));
	assert_int_equal(f->c.n, 0);
	assert_int_equal(tracker__open_count(f->t), 0);
	/* held apart: neither is an orphan event, nor keeps the reader up */
	assert_int_equal(STATS(f)->orphan_events, 0);
	assert_int_equal(tracker__next_deadline(f->t), UINT64_MAX);
	FEED(f, ev_kill_exit_begun(1, 700, T0));
	inc = only_incident(f);
	assert_int_equal(inc->tgid, 700);
	assert_int_equal(inc->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(inc->exit_ns, T0 - 300 * US);
	assert_int_equal(inc->closed_ns, T0); /* ended at its kill, never before it */
	assert_int_equal(incident__exit_latency_ns(inc), 0);
	assert_true(inc->exited);
	assert_true(inc->mm_released_by_exit);
	assert_false(inc->incomplete);
	assert_false(inc->exit_unseen);
	assert_int_equal(STATS(f)->exits_before_kill, 1);
	assert_int_equal(STATS(f)->exits_unseen, 0);
	assert_int_equal(STATS(f)->orphan_events, 0);
	/* the other one is nobody's: its own kill never came */
	FEED(f, ev_kill(2, 900, 900, T0 + 10 * MS, 2048, 1));
	tracker__flush(f->t);
	assert_false(find_closed(f, 2)->exited);
}

/* A kill that does not say its victim was exiting takes no unmarked exit. */
static void test_unmarked_exit_needs_exit_begun(void **state)
{
	struct fx *f = *state;

	FEED(f, ev_exit_unmarked(0, 700, T0 - 300 * US));
	FEED(f, ev_kill(1, 700, 700, T0, 2048, 1));
	assert_int_equal(f->c.n, 0);
	tracker__flush(f->t);
	assert_int_equal(only_incident(f)->outcome, OUTCOME_OPEN);
	assert_false(only_incident(f)->exited);
	assert_false(only_incident(f)->exit_unseen);
	assert_int_equal(STATS(f)->exits_before_kill, 0);
}

/* On the function rungs the kill may come first: the exit carries its seq. */
static void test_unmarked_exit_after_its_kill(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, ev_kill(1, 700, 700, T0, 2048, 1));
	FEED(f, ev_exit_unmarked(1, 700, T0 + 40 * US));
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(inc->exit_ns, T0 + 40 * US);
	assert_false(inc->incomplete);
}

/*
 * The kill program (at mark_oom_victim()'s entry) was preempted before it
 * stored the victim: the exit program, on another CPU, found no victim,
 * and its unmarked exit comes after the kill in the buffer, without a seq.
 */
static void test_unmarked_exit_after_its_begun_kill(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, ev_kill_exit_begun(1, 283, T0));
	FEED(f, ev_kill_exit_begun(2, 284, T0 + 10 * US));
	/* another process's unmarked exit is not this one's */
	FEED(f, ev_exit_unmarked(0, 900, T0 + 2 * MS));
	assert_int_equal(tracker__open_count(f->t), 2);
	FEED(f, ev_exit_unmarked(0, 283, T0 + 3 * MS));
	inc = find_closed(f, 1);
	assert_non_null(inc);
	assert_int_equal(inc->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(inc->exit_ns, T0 + 3 * MS);
	assert_false(inc->incomplete);
	assert_false(inc->exit_unseen);
	assert_int_equal(tracker__open_count(f->t), 1);
	assert_int_equal(STATS(f)->exits_before_kill, 1);
	/* one past the window is not it: 284 stays open, its exit unseen */
	FEED(f, ev_exit_unmarked(0, 284, T0 + 10 * US + UNMARKED_WINDOW_TEST + MS));
	tracker__advance(f->t, T0 + 2 * SEC + LOSS_WAIT_AFTER_KILL_NS);
	assert_true(find_closed(f, 2)->exit_unseen);
	assert_int_equal(STATS(f)->exits_unseen, 1);
}

/* The same when the kill ran before the victim's last thread began exiting. */
static void test_unmarked_exit_after_its_kill_no_seq(void **state)
{
	struct fx *f = *state;

	FEED(f, ev_kill(1, 283, 283, T0, 2048, 1));
	FEED(f, ev_exit_unmarked(0, 283, T0 + 4 * MS));
	assert_int_equal(only_incident(f)->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(only_incident(f)->exit_ns, T0 + 4 * MS);
	assert_false(only_incident(f)->incomplete);
}

/*
 * The kill says the exit had begun and no exit is held: it may still come
 * (before 6.18 the exit event fires after exit_mm()) ...
 */
static void test_exit_begun_then_its_exit(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, ev_kill_exit_begun(1, 700, T0));
	assert_int_equal(tracker__open_count(f->t), 1);
	/* meanwhile, incomplete: the loss deadline is armed */
	assert_int_equal(tracker__next_deadline(f->t), T0 + LOSS_WAIT_AFTER_KILL_NS);
	FEED(f, ev_exit(1, 700, T0 + 3 * MS, 1, 1));
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(inc->closed_ns, T0 + 3 * MS);
	assert_false(inc->incomplete);
	assert_false(inc->ended_unseen);
	assert_false(inc->exit_unseen);
	assert_int_equal(STATS(f)->exits_unseen, 0);
}

/*
 * A victim already in do_exit(), blocked there on the mmap_lock (e2e C2):
 * the reaper's loop ends the incident before the exit comes.  Nothing
 * was lost: not incomplete, no exit unseen; the exit comes late.
 */
static void test_exit_begun_closed_by_its_loop(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	uint32_t i;

	FEED(f, ev_kill_exit_begun(1, 700, T0));
	FEED(f, ev_wake(1, 700, T0 + 2 * SEC, 0));
	for (i = 0; i < 10; i++)
		FEED(f, ev_skip(1, 700, T0 + 2 * SEC + i * 104 * MS, OOMREAP_SKIP_TRYLOCK_FAILED));
	tracker__advance(f->t, T0 + 3 * SEC);
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_GAVE_UP);
	assert_false(inc->incomplete);
	assert_false(inc->ended_unseen);
	assert_false(inc->exit_unseen);
	assert_int_equal(STATS(f)->exits_unseen, 0);
	FEED(f, ev_exit(1, 700, T0 + 3100 * MS, 1, 1));
	assert_int_equal(STATS(f)->orphan_events, 1); /* late news of a closed incident */
}

/* ... or it never comes: the incident ends at its loss deadline, saying so. */
static void test_exit_begun_never_seen(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	uint64_t deadline = T0 + LOSS_WAIT_AFTER_KILL_NS;

	/* an unmarked exit of that tgid, but 2 s before: not this victim's */
	FEED(f, ev_exit_unmarked(0, 700, T0 - 2 * SEC));
	FEED(f, ev_kill_exit_begun(1, 700, T0));
	/* the timer finds the mm gone: no reaper, nothing else will come */
	FEED(f, ev_wake(1, 700, T0 + 2 * SEC, 1));
	tracker__advance(f->t, deadline - 1);
	assert_int_equal(tracker__open_count(f->t), 1);
	tracker__advance(f->t, deadline);
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_OPEN);
	assert_true(inc->incomplete);
	assert_true(inc->ended_unseen);
	assert_true(inc->exit_unseen);
	assert_false(inc->runs_missed);
	assert_false(inc->exited);
	assert_int_equal(STATS(f)->exits_unseen, 1);
	assert_int_equal(STATS(f)->exits_before_kill, 0);
}

/*
 * Many kill -9s at once: the held exits are a ring of 64, oldest reused
 * first, an expired one before any.  The victim's exit pushed out by 64
 * newer ones is an exit unseen, said as one.
 */
static void test_unmarked_exits_ring(void **state)
{
	struct fx *f = *state;
	uint32_t i;

	/* expired ones do not crowd out the victim's */
	for (i = 0; i < 64; i++)
		FEED(f, ev_exit_unmarked(0, 2000 + i, T0 - 5 * SEC + i * US));
	FEED(f, ev_exit_unmarked(0, 700, T0 - MS));
	for (i = 0; i < 63; i++)
		FEED(f, ev_exit_unmarked(0, 3000 + i, T0 - MS + (i + 1) * US));
	FEED(f, ev_kill_exit_begun(1, 700, T0));
	assert_int_equal(only_incident(f)->outcome, OUTCOME_VICTIM_EXITED);
	assert_false(only_incident(f)->exit_unseen);

	/* 64 newer ones after the next victim's: it is gone */
	FEED(f, ev_exit_unmarked(0, 701, T0 + 10 * MS));
	for (i = 0; i < 64; i++)
		FEED(f, ev_exit_unmarked(0, 4000 + i, T0 + 10 * MS + (i + 1) * US));
	FEED(f, ev_kill_exit_begun(2, 701, T0 + 11 * MS));
	assert_int_equal(tracker__open_count(f->t), 1);
	tracker__advance(f->t, T0 + 11 * MS + LOSS_WAIT_AFTER_KILL_NS);
	assert_true(find_closed(f, 2)->exit_unseen);
	assert_true(find_closed(f, 2)->ended_unseen);
	assert_int_equal(STATS(f)->exits_unseen, 1);
	assert_int_equal(STATS(f)->orphan_events, 0);
}

/* ------------------------------------------------------------ eviction */

static void test_eviction_and_flush(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *a;

	FEED(f, ev_kill(1, 100, 100, T0, 1000, 1));
	FEED(f, ev_kill(2, 200, 200, T0 + 1 * MS, 1000, 1));
	assert_int_equal(f->c.n, 0);
	FEED(f, ev_kill(3, 300, 300, T0 + 2 * MS, 1000, 1));
	a = only_incident(f);
	assert_int_equal(a->victim_seq, 1); /* the oldest */
	assert_true(a->evicted);
	assert_int_equal(a->outcome, OUTCOME_OPEN);
	assert_int_equal(a->closed_ns, T0 + 2 * MS);
	assert_int_equal(STATS(f)->evictions, 1);
	assert_int_equal(tracker__open_count(f->t), 2);

	/* news about the evicted victim does not reopen it */
	FEED(f, ev_wake(1, 100, T0 + 2006 * MS, 0));
	assert_int_equal(STATS(f)->incidents_opened, 3);
	assert_int_equal(STATS(f)->orphan_events, 1);

	tracker__flush(f->t);
	assert_int_equal(f->c.n, 3);
	assert_int_equal(tracker__open_count(f->t), 0);
	assert_int_equal(find_closed(f, 2)->outcome, OUTCOME_OPEN);
	assert_int_equal(find_closed(f, 3)->outcome, OUTCOME_OPEN);
	assert_false(find_closed(f, 2)->evicted);
	assert_false(find_closed(f, 3)->evicted);
	assert_int_equal(STATS(f)->incidents_closed[OUTCOME_OPEN], 3);
	assert_int_equal(STATS(f)->evictions, 1);
	tracker__flush(f->t); /* idempotent */
	assert_int_equal(f->c.n, 3);
}

static void test_eviction_keeps_a_pending_outcome(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *a;

	/* victim 1 reaped, waiting out the linger when the tracker fills up */
	FEED(f, ev_kill(1, 100, 100, T0, 1000, 1));
	FEED(f, ev_wake(1, 100, T0 + 2006 * MS, 0));
	FEED(f, ev_start(1, 100, T0 + 2007 * MS, 1000, 1));
	FEED(f, ev_finish(1, 100, T0 + 2015 * MS, 0, 0));
	FEED(f, ev_kill(2, 200, 200, T0 + 2016 * MS, 1000, 1));
	assert_int_equal(f->c.n, 0);
	FEED(f, ev_kill(3, 300, 300, T0 + 2017 * MS, 1000, 1));
	a = only_incident(f);
	assert_int_equal(a->victim_seq, 1);
	assert_true(a->evicted);
	assert_int_equal(a->outcome, OUTCOME_REAPED);
	assert_int_equal(a->closed_ns, T0 + 2015 * MS);
	assert_int_equal(a->freed_pages[OOMREAP_RSS_ANON], 1000);
	assert_int_equal(STATS(f)->evictions, 1);
}

static void test_flush_with_pending_linger(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	/* end of stream inside the linger window: the finish is taken as final */
	FEED(f, ev_kill(2, 5000, 5000, T0, 25600, 353));
	FEED(f, ev_wake(2, 5000, B_WAKE, 0));
	FEED(f, ev_start(2, 5000, B_START, 25600, 353));
	FEED(f, ev_finish(2, 5000, B_FINISH, 0, 353));
	tracker__flush(f->t);
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_REAPED);
	assert_int_equal(inc->closed_ns, B_FINISH);
	assert_int_equal(inc->finish_ns, B_FINISH);
	assert_int_equal(STATS(f)->incidents_closed[OUTCOME_REAPED], 1);
	assert_int_equal(STATS(f)->incidents_closed[OUTCOME_OPEN], 0);
}

/* ---------------------------------------------- exit keeping the mm alive */

static void test_exit_mm_kept_then_reaped(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, ev_kill(1, 900, 900, T0, 25600, 353));
	FEED(f, ev_exit(1, 900, T0 + 5 * MS, 1, 0)); /* CLONE_VM sibling holds the mm */
	assert_int_equal(f->c.n, 0);
	assert_int_equal(tracker__open_count(f->t), 1);
	FEED(f, ev_wake(1, 900, B_WAKE, 0));
	FEED(f, ev_start(1, 900, B_START, 25600, 353));
	FEED(f, ev_finish(1, 900, B_FINISH, 0, 353));
	tracker__advance(f->t, B_FINISH + REAPER_RETRY_LINGER_NS);
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_REAPED);
	assert_true(inc->exited);
	assert_false(inc->mm_released_by_exit);
	assert_int_equal(incident__exit_latency_ns(inc), 5 * MS);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_ANON], 25600);
	assert_int_equal(inc->attempts, 1);
	assert_int_equal(inc->closed_ns, B_FINISH);
}

static void test_exit_mm_kept_nothing_follows(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, ev_kill(1, 900, 900, T0, 25600, 353));
	FEED(f, ev_exit(1, 900, T0 + 5 * MS, 1, 0));
	tracker__advance(f->t, T0 + REAPER_WAIT_AFTER_KILL_NS - 1);
	assert_int_equal(f->c.n, 0);
	tracker__advance(f->t, T0 + REAPER_WAIT_AFTER_KILL_NS);
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(inc->exit_ns, T0 + 5 * MS);
	assert_int_equal(inc->closed_ns, T0 + 5 * MS);
	assert_false(inc->mm_released_by_exit);
	assert_int_equal(inc->attempts, 0);
	assert_no_freed(inc);
}

static void test_exit_mm_kept_long_reap_not_cut_short(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	uint64_t finish = T0 + 3200 * MS; /* a big mm: the pass ends after kill+3 s */

	FEED(f, ev_kill(1, 900, 900, T0, 2500000, 353));
	FEED(f, ev_exit(1, 900, T0 + 5 * MS, 1, 0));
	FEED(f, ev_wake(1, 900, B_WAKE, 0));
	FEED(f, ev_start(1, 900, B_START, 2500000, 353));
	FEED(f, ev_result(1, 900, finish - US, 1));
	FEED(f, ev_finish(1, 900, finish, 0, 353));
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_REAPED);
	assert_int_equal(inc->freed_pages[OOMREAP_RSS_ANON], 2500000);
	assert_int_equal(inc->closed_ns, finish);
	assert_int_equal(STATS(f)->orphan_events, 0);
}

static void test_exit_mm_kept_slow_trylock_loop(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	uint64_t w = T0 + 2100 * MS; /* a late timer on a loaded machine */
	int i;

	FEED(f, ev_kill(1, 900, 900, T0, 25600, 353));
	FEED(f, ev_exit(1, 900, T0 + 5 * MS, 1, 0));
	FEED(f, ev_wake(1, 900, w, 0));
	for (i = 0; i < 10; i++)
		FEED(f, ev_skip(1, 900, w + (uint64_t)i * 104 * MS, OOMREAP_SKIP_TRYLOCK_FAILED));
	/* neither the exit's wait (T0 + 3 s, cancelled by the wake) nor the loop closes it yet */
	assert_int_equal(f->c.n, 0);
	assert_int_equal(tracker__open_count(f->t), 1);
	inc = settle(f, w + 936 * MS);
	assert_int_equal(inc, only_incident(f));
	assert_int_equal(inc->outcome, OUTCOME_GAVE_UP);
	assert_int_equal(inc->trylock_failures, 10);
	assert_int_equal(inc->closed_ns, w + 936 * MS);
}

/* --------------------------------------------------------- late events */

static void test_late_events_after_close(void **state)
{
	struct fx *f = *state;

	FEED(f, ev_kill(1, 4242, 4242, T0, 65536, 353));
	FEED(f, ev_exit(1, 4242, T0 + 5 * MS, 1, 1));
	assert_int_equal(f->c.n, 1);
	/* the 2 s timer fires, finds MMF_OOM_SKIP, returns silently */
	FEED(f, ev_wake(1, 4242, T0 + 2006 * MS, 1));
	/* the same, from a kernel that cannot stamp the seq */
	FEED(f, ev_wake(0, 4242, T0 + 2007 * MS, 1));
	/* a duplicate exit of the closed victim */
	FEED(f, ev_exit(1, 4242, T0 + 2008 * MS, 1, 1));
	/* a non-ignored wake for the closed seq (recently closed) */
	FEED(f, ev_wake(1, 4242, T0 + 2009 * MS, 0));
	assert_int_equal(f->c.n, 1);
	assert_int_equal(tracker__open_count(f->t), 0);
	assert_int_equal(STATS(f)->incidents_opened, 1);
	assert_int_equal(STATS(f)->orphan_events, 4);
	assert_int_equal(STATS(f)->events, 6);
}

static void test_duplicate_kill_ignored(void **state)
{
	struct fx *f = *state;

	FEED(f, ev_kill(1, 4242, 4242, T0, 65536, 353));
	FEED(f, ev_kill(1, 4242, 4242, T0 + 1 * US, 65536, 353));
	assert_int_equal(tracker__open_count(f->t), 1);
	assert_int_equal(STATS(f)->incidents_opened, 1);
	assert_int_equal(STATS(f)->orphan_events, 1);
	FEED(f, ev_exit(1, 4242, T0 + 5 * MS, 1, 1));
	assert_int_equal(only_incident(f)->kill_ns, T0);
	assert_int_equal(f->c.inc[0].timeline_len, 2);
}

static void test_invalid_event_rejected(void **state)
{
	struct fx *f = *state;
	struct oomreap_kill_event k = ev_kill(1, 1, 1, T0, 1, 1);

	assert_int_equal(tracker__feed(f->t, &k, sizeof(k) - 1), -EINVAL);
	k.comm[OOMREAP_COMM_LEN - 1] = 'x';
	memset(k.comm, 'x', sizeof(k.comm));
	assert_int_equal(tracker__feed(f->t, &k, sizeof(k)), -EINVAL);
	assert_int_equal(STATS(f)->invalid_events, 2);
	assert_int_equal(STATS(f)->events, 0);
	assert_int_equal(tracker__open_count(f->t), 0);
}


/* ------------------------------------------------- deadline close stamps */

static void test_gave_up_flushed_in_settle_window(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	int i;

	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(f, ev_wake(3, 6000, C_WAKE, 0));
	for (i = 0; i < 10; i++)
		FEED(f, ev_skip(3, 6000, C_SKIP(i), OOMREAP_SKIP_TRYLOCK_FAILED));
	tracker__advance(f->t, C_SKIP(9) + REAPER_SETTLE_NS - 1);
	assert_int_equal(f->c.n, 0);
	/* end of stream inside the settle window: the loop's outcome stands */
	tracker__flush(f->t);
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_GAVE_UP);
	assert_int_equal(inc->closed_ns, C_SKIP(9));
	assert_int_equal(inc->attempts, 10);
	assert_int_equal(STATS(f)->incidents_closed[OUTCOME_GAVE_UP], 1);
	assert_int_equal(STATS(f)->incidents_closed[OUTCOME_OPEN], 0);
	assert_int_equal(tracker__open_count(f->t), 0);
}

static void test_deadlines_passed_by_later_events(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *a, *b, *c;
	uint64_t t2 = T0 + 10 * SEC, t3 = T0 + 20 * SEC;
	int i;

	/* a gave-up loop, then another victim's kill exactly at the settle deadline */
	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(f, ev_wake(3, 6000, C_WAKE, 0));
	for (i = 0; i < 10; i++)
		FEED(f, ev_skip(3, 6000, C_SKIP(i), OOMREAP_SKIP_TRYLOCK_FAILED));
	FEED(f, ev_kill(4, 7000, 7000, C_SKIP(9) + REAPER_SETTLE_NS - 1, 100, 1));
	assert_int_equal(f->c.n, 0);
	FEED(f, ev_kill(5, 7100, 7100, C_SKIP(9) + REAPER_SETTLE_NS, 100, 1));
	assert_int_equal(f->c.n, 1);
	a = find_closed(f, 3);
	assert_int_equal(a->outcome, OUTCOME_GAVE_UP);
	assert_int_equal(a->closed_ns, C_SKIP(9));

	/* a lingering finish, closed by victim 4's exit after the linger */
	FEED(f, ev_wake(4, 7000, t2, 0));
	FEED(f, ev_start(4, 7000, t2 + 2 * MS, 100, 1));
	FEED(f, ev_finish(4, 7000, t2 + 5 * MS, 0, 1));
	FEED(f, ev_exit(5, 7100, t2 + 5 * MS + REAPER_RETRY_LINGER_NS, 1, 1));
	assert_int_equal(f->c.n, 3);
	b = find_closed(f, 4);
	assert_int_equal(b->outcome, OUTCOME_REAPED);
	assert_int_equal(b->closed_ns, t2 + 5 * MS);
	assert_int_equal(find_closed(f, 5)->closed_ns, t2 + 5 * MS + REAPER_RETRY_LINGER_NS);

	/* an exit that left the mm to a sibling, closed by an unrelated event */
	FEED(f, ev_kill(6, 7200, 7200, t3, 100, 1));
	FEED(f, ev_exit(6, 7200, t3 + 7 * MS, 1, 0));
	FEED(f, ev_kill(7, 7300, 7300, t3 + REAPER_WAIT_AFTER_KILL_NS, 100, 1));
	assert_int_equal(f->c.n, 4);
	c = find_closed(f, 6);
	assert_int_equal(c->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(c->closed_ns, t3 + 7 * MS);
	assert_int_equal(tracker__open_count(f->t), 1); /* victim 7 */
}

static void test_no_attempt_beyond_max_in_settle_window(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	int i;

	/*
	 * The kernel never makes an 11th attempt (MMF_OOM_SKIP is set), but a
	 * stray skip (reordered or mismatched stream) can land in the settle
	 * window.  The invariants of the randomised test must still hold.
	 */
	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(f, ev_wake(3, 6000, C_WAKE, 0));
	for (i = 0; i < 10; i++)
		FEED(f, ev_skip(3, 6000, C_SKIP(i), OOMREAP_SKIP_TRYLOCK_FAILED));
	FEED(f, ev_skip(3, 6000, C_SKIP(9) + 1 * MS, OOMREAP_SKIP_TRYLOCK_FAILED));
	tracker__flush(f->t);
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_GAVE_UP);
	assert_true(inc->attempts <= REAPER_MAX_ATTEMPTS);
	assert_true(inc->trylock_failures + inc->unknown_skips <= inc->attempts);
}

/* --------------------------------------------------- blocker attribution */

static void test_blocker_lab_c_identical_collapsed(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	const struct blocker_snapshot *bs;
	int i;

	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(f, ev_wake(3, 6000, C_WAKE, 0));
	for (i = 0; i < 10; i++) {
		FEED(f, ev_skip(3, 6000, C_SKIP(i), OOMREAP_SKIP_TRYLOCK_FAILED));
		/* emitted just after its skip; the 10th lands in the settle window */
		assert_int_equal(f->c.n, 0);
		FEED(f, ev_blocker_c(3, 6000, C_SKIP(i) + 50 * US, HOLDER_PID));
	}
	assert_int_equal(f->c.n, 0);
	inc = settle(f, C_SKIP(9));
	assert_int_equal(inc, only_incident(f));
	assert_int_equal(inc->outcome, OUTCOME_GAVE_UP);
	assert_int_equal(inc->closed_ns, C_SKIP(9));
	assert_int_equal(inc->attempts, 10);
	assert_int_equal(inc->trylock_failures, 10);

	assert_int_equal(inc->blocker_events, 10);
	assert_int_equal(inc->nblockers, 1);
	assert_int_equal(inc->blockers_dropped, 0);
	bs = &inc->blockers[0];
	assert_int_equal(bs->count, 10);
	assert_int_equal(bs->first_attempt, 1);
	assert_int_equal(bs->last_attempt, 10);
	assert_c_picture(bs, HOLDER_PID);
	/* blocker events are not timeline entries: kill, wake, 10 skips */
	assert_int_equal(inc->timeline_len, 12);
	assert_int_equal(inc->timeline_dropped, 0);
	assert_int_equal(STATS(f)->events, 22);
	assert_int_equal(STATS(f)->orphan_events, 0);
	assert_int_equal(STATS(f)->incidents_opened, 1);
}

static void test_blocker_pictures_differ(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	int i;

	/* the reader holding the lock changes for attempts 4-6, then comes back */
	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(f, ev_wake(3, 6000, C_WAKE, 0));
	for (i = 0; i < 10; i++) {
		uint32_t holder = (i >= 3 && i <= 5) ? 1250 : HOLDER_PID;

		FEED(f, ev_skip(3, 6000, C_SKIP(i), OOMREAP_SKIP_TRYLOCK_FAILED));
		FEED(f, ev_blocker_c(3, 6000, C_SKIP(i) + 50 * US, holder));
	}
	inc = settle(f, C_SKIP(9));
	assert_int_equal(inc->outcome, OUTCOME_GAVE_UP);
	assert_int_equal(inc->blocker_events, 10);
	assert_int_equal(inc->nblockers, 2);
	assert_int_equal(inc->blockers_dropped, 0);
	/* first seen first */
	assert_int_equal(inc->blockers[0].count, 7);
	assert_int_equal(inc->blockers[0].first_attempt, 1);
	assert_int_equal(inc->blockers[0].last_attempt, 10);
	assert_c_picture(&inc->blockers[0], HOLDER_PID);
	assert_int_equal(inc->blockers[1].count, 3);
	assert_int_equal(inc->blockers[1].first_attempt, 4);
	assert_int_equal(inc->blockers[1].last_attempt, 6);
	assert_c_picture(&inc->blockers[1], 1250);
}

static void test_blocker_what_counts_as_identical(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *a, *b;
	struct oomreap_blocker_event e;
	uint64_t w2 = T0 + 10 * SEC;
	int i;

	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(f, ev_wake(3, 6000, C_WAKE, 0));
	/* attempt 1: the LAB C picture */
	FEED(f, ev_skip(3, 6000, C_SKIP(0), OOMREAP_SKIP_TRYLOCK_FAILED));
	FEED(f, ev_blocker_c(3, 6000, C_SKIP(0) + 50 * US, HOLDER_PID));
	/* attempt 2: same picture; lock word, tgid, comm, frames past stack_len
	 * and unused task slots differ, none of which is compared */
	FEED(f, ev_skip(3, 6000, C_SKIP(1), OOMREAP_SKIP_TRYLOCK_FAILED));
	e = ev_blocker_c(3, 6000, C_SKIP(1) + 50 * US, HOLDER_PID);
	e.lock_count = 0x300 | 0x2;
	e.tasks[0].tgid = 1233;
	strcpy(e.tasks[0].comm, "holdlock-2");
	e.tasks[0].stack[HOLDER_FRAMES] = 0xdeadbeef;
	e.tasks[2].pid = 77;
	FEED(f, e);
	/* attempt 3: one frame of the holder's stack differs */
	FEED(f, ev_skip(3, 6000, C_SKIP(2), OOMREAP_SKIP_TRYLOCK_FAILED));
	e = ev_blocker_c(3, 6000, C_SKIP(2) + 50 * US, HOLDER_PID);
	e.tasks[0].stack[HOLDER_FRAMES - 1] += 8;
	FEED(f, e);
	/* attempt 4: the waiter queued for read instead of write */
	FEED(f, ev_skip(3, 6000, C_SKIP(3), OOMREAP_SKIP_TRYLOCK_FAILED));
	e = ev_blocker_c(3, 6000, C_SKIP(3) + 50 * US, HOLDER_PID);
	e.tasks[1].role = OOMREAP_ROLE_WAITER_READ;
	FEED(f, e);
	/* attempt 5: more waiters than reported */
	FEED(f, ev_skip(3, 6000, C_SKIP(4), OOMREAP_SKIP_TRYLOCK_FAILED));
	e = ev_blocker_c(3, 6000, C_SKIP(4) + 50 * US, HOLDER_PID);
	e.blk_flags = OOMREAP_BLK_WAITERS_TRUNC;
	FEED(f, e);
	/* attempt 6: the waiter is gone (ntasks 1): no room left for it */
	FEED(f, ev_skip(3, 6000, C_SKIP(5), OOMREAP_SKIP_TRYLOCK_FAILED));
	e = ev_blocker_c(3, 6000, C_SKIP(5) + 50 * US, HOLDER_PID);
	e.ntasks = 1;
	FEED(f, e);
	/* attempt 7: the holder's stack is one frame shorter */
	FEED(f, ev_skip(3, 6000, C_SKIP(6), OOMREAP_SKIP_TRYLOCK_FAILED));
	e = ev_blocker_c(3, 6000, C_SKIP(6) + 50 * US, HOLDER_PID);
	e.tasks[0].stack_len = HOLDER_FRAMES - 1;
	FEED(f, e);
	FEED(f, ev_exit(3, 6000, C_SKIP(6) + 30 * MS, 1, 1));
	FEED(f, ev_skip(3, 6000, C_SKIP(7), OOMREAP_SKIP_MM_GONE));
	a = only_incident(f);
	assert_int_equal(a->outcome, OUTCOME_VICTIM_EXITED);
	assert_int_equal(a->attempts, 8);
	assert_int_equal(a->blocker_events, 7);
	assert_int_equal(a->nblockers, BLOCKER_SNAPSHOTS);
	assert_int_equal(a->blockers_dropped, 2);
	assert_int_equal(a->blockers[0].count, 2);
	assert_int_equal(a->blockers[0].first_attempt, 1);
	assert_int_equal(a->blockers[0].last_attempt, 2);
	assert_c_picture(&a->blockers[0], HOLDER_PID); /* the first one's details kept */
	assert_int_equal(a->blockers[1].count, 1);
	assert_int_equal(a->blockers[1].first_attempt, 3);
	assert_int_equal(a->blockers[1].tasks[0].stack[HOLDER_FRAMES - 1],
			 frame_at(HOLDER_STACK + HOLDER_PID, HOLDER_FRAMES - 1) + 8);
	assert_int_equal(a->blockers[2].first_attempt, 4);
	assert_int_equal(a->blockers[2].tasks[1].role, OOMREAP_ROLE_WAITER_READ);
	assert_int_equal(a->blockers[3].first_attempt, 5);
	assert_int_equal(a->blockers[3].blk_flags, OOMREAP_BLK_WAITERS_TRUNC);

	/* no stack (stack_len < 0): the frame words are not compared, the error is */
	FEED(f, ev_kill(4, 6100, 6100, w2 - 2006 * MS, 30000, 400));
	FEED(f, ev_wake(4, 6100, w2, 0));
	for (i = 0; i < 3; i++) {
		FEED(f, ev_skip(4, 6100, w2 + (uint64_t)i * 104 * MS, OOMREAP_SKIP_TRYLOCK_FAILED));
		e = ev_blocker(4, 6100, w2 + (uint64_t)i * 104 * MS + 50 * US);
		e.blk_flags = OOMREAP_BLK_NO_OWNER;
		blk_add(&e, WAITER_PID, OOMREAP_ROLE_WAITER_WRITE, "mmapper", 0, 0);
		e.tasks[0].stack_len = i < 2 ? -EFAULT : -ENOENT;
		e.tasks[0].stack[0] = 0x1111 * (uint64_t)(i + 1); /* garbage */
		FEED(f, e);
	}
	tracker__flush(f->t);
	b = find_closed(f, 4);
	assert_int_equal(b->outcome, OUTCOME_OPEN);
	assert_int_equal(b->blocker_events, 3);
	assert_int_equal(b->nblockers, 2);
	assert_int_equal(b->blockers_dropped, 0);
	assert_int_equal(b->blockers[0].count, 2);
	assert_int_equal(b->blockers[0].first_attempt, 1);
	assert_int_equal(b->blockers[0].last_attempt, 2);
	assert_int_equal(b->blockers[0].blk_flags, OOMREAP_BLK_NO_OWNER);
	assert_int_equal(b->blockers[0].ntasks, 1);
	assert_int_equal(b->blockers[0].tasks[0].stack_len, -EFAULT);
	assert_int_equal(b->blockers[1].count, 1);
	assert_int_equal(b->blockers[1].first_attempt, 3);
	assert_int_equal(b->blockers[1].tasks[0].stack_len, -ENOENT);
}

static void test_blocker_more_than_kept(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	/* holder per attempt: 6 distinct pictures, then repeats of kept and dropped ones */
	static const uint32_t holder[10] = { 2001, 2002, 2003, 2004, 2005,
					     2006, 2001, 2005, 2002, 2002 };
	uint32_t kept = 0;
	int i;

	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(f, ev_wake(3, 6000, C_WAKE, 0));
	for (i = 0; i < 10; i++) {
		FEED(f, ev_skip(3, 6000, C_SKIP(i), OOMREAP_SKIP_TRYLOCK_FAILED));
		FEED(f, ev_blocker_c(3, 6000, C_SKIP(i) + 50 * US, holder[i]));
	}
	inc = settle(f, C_SKIP(9));
	assert_int_equal(inc->blocker_events, 10);
	assert_int_equal(inc->nblockers, BLOCKER_SNAPSHOTS);
	/* 2005, 2006 and 2005 again found no room */
	assert_int_equal(inc->blockers_dropped, 3);
	assert_c_picture(&inc->blockers[0], 2001);
	assert_int_equal(inc->blockers[0].count, 2);
	assert_int_equal(inc->blockers[0].first_attempt, 1);
	assert_int_equal(inc->blockers[0].last_attempt, 7);
	assert_c_picture(&inc->blockers[1], 2002);
	assert_int_equal(inc->blockers[1].count, 3);
	assert_int_equal(inc->blockers[1].first_attempt, 2);
	assert_int_equal(inc->blockers[1].last_attempt, 10);
	assert_c_picture(&inc->blockers[2], 2003);
	assert_int_equal(inc->blockers[2].count, 1);
	assert_int_equal(inc->blockers[2].first_attempt, 3);
	assert_int_equal(inc->blockers[2].last_attempt, 3);
	assert_c_picture(&inc->blockers[3], 2004);
	assert_int_equal(inc->blockers[3].count, 1);
	assert_int_equal(inc->blockers[3].first_attempt, 4);
	assert_int_equal(inc->blockers[3].last_attempt, 4);
	for (i = 0; i < (int)inc->nblockers; i++)
		kept += inc->blockers[i].count;
	assert_int_equal(kept + inc->blockers_dropped, inc->blocker_events);
}

static void test_blocker_attempt_numbers(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	uint64_t f1 = B_START + 6 * MS, s2 = f1 + 104 * MS;

	FEED(f, ev_kill(4, 7000, 7000, T0, 25600, 353));
	FEED(f, ev_wake(4, 7000, B_WAKE, 0));
	/* a blocker seen (on another CPU) before the first attempt's skip: attempt 1 */
	FEED(f, ev_blocker_c(4, 7000, B_START - 1 * US, HOLDER_PID));
	FEED(f, ev_start(4, 7000, B_START, 25600, 353));
	FEED(f, ev_finish(4, 7000, f1, 20000, 353));
	/* attempt 2 is a retry that could not take the lock: a start counts too */
	FEED(f, ev_skip(4, 7000, s2, OOMREAP_SKIP_TRYLOCK_FAILED));
	FEED(f, ev_blocker_c(4, 7000, s2 + 50 * US, 1250));
	FEED(f, ev_skip(4, 7000, s2 + 104 * MS, OOMREAP_SKIP_TRYLOCK_FAILED));
	FEED(f, ev_blocker_c(4, 7000, s2 + 104 * MS + 50 * US, HOLDER_PID));
	tracker__flush(f->t);
	inc = only_incident(f);
	assert_int_equal(inc->attempts, 3);
	assert_int_equal(inc->partial_reaps, 1);
	assert_int_equal(inc->blocker_events, 3);
	assert_int_equal(inc->nblockers, 2);
	assert_int_equal(inc->blockers[0].count, 2);
	assert_int_equal(inc->blockers[0].first_attempt, 1);
	assert_int_equal(inc->blockers[0].last_attempt, 3);
	assert_int_equal(inc->blockers[1].count, 1);
	assert_int_equal(inc->blockers[1].first_attempt, 2);
	assert_int_equal(inc->blockers[1].last_attempt, 2);
}

static void test_blocker_orphans(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	int i;

	/* no incident for this seq: it opens none */
	FEED(f, ev_blocker_c(77, 7700, T0 - 1 * SEC, HOLDER_PID));
	assert_int_equal(STATS(f)->orphan_events, 1);
	assert_int_equal(STATS(f)->incidents_opened, 0);
	assert_int_equal(tracker__open_count(f->t), 0);
	/* nor for seq 0 with a pid no open incident has */
	FEED(f, ev_blocker_c(0, 7701, T0 - 1 * SEC + 1 * MS, HOLDER_PID));
	assert_int_equal(STATS(f)->orphan_events, 2);
	assert_int_equal(STATS(f)->incidents_opened, 0);

	/*
	 * the 10th blocker arriving once even the longer wait for it is over
	 * (attribution on: the nine before came) is late news
	 */
	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(f, ev_wake(3, 6000, C_WAKE, 0));
	for (i = 0; i < 10; i++) {
		FEED(f, ev_skip(3, 6000, C_SKIP(i), OOMREAP_SKIP_TRYLOCK_FAILED));
		FEED(f, ev_blocker_c(3, 6000,
				     C_SKIP(i) + (i < 9 ? 50 * US : REAPER_BLOCKER_WAIT_NS),
				     HOLDER_PID));
	}
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_GAVE_UP);
	assert_int_equal(inc->closed_ns, C_SKIP(9));
	assert_int_equal(inc->blocker_events, 9);
	assert_int_equal(inc->blockers[0].count, 9);
	assert_int_equal(inc->blockers[0].last_attempt, 9);
	assert_int_equal(STATS(f)->orphan_events, 3);
	assert_int_equal(STATS(f)->incidents_opened, 1);
	assert_int_equal(tracker__open_count(f->t), 0);
}

/* Ten failed trylocks, a picture for each of the first nine only (so far). */
static void nine_pictures_then_last_skip(struct fx *f)
{
	int i;

	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(f, ev_wake(3, 6000, C_WAKE, 0));
	for (i = 0; i < 9; i++) {
		FEED(f, ev_skip(3, 6000, C_SKIP(i), OOMREAP_SKIP_TRYLOCK_FAILED));
		FEED(f, ev_blocker_c(3, 6000, C_SKIP(i) + 50 * US, HOLDER_PID));
	}
	FEED(f, ev_skip(3, 6000, C_SKIP(9), OOMREAP_SKIP_TRYLOCK_FAILED));
}

/*
 * PREEMPT_RT runs the two programs on the skip tracepoint preemptibly: the
 * 10th blocker event came 31 ms after its skip (7.3.4-rt under TCG), past
 * REAPER_SETTLE_NS.  With every earlier picture in, the incident waits for
 * it, and closes once it is in, still stamped at the last skip.
 */
static void test_blocker_late_last_picture_awaited(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	nine_pictures_then_last_skip(f);
	/* the consumer's clock passes the short window: still open */
	tracker__advance(f->t, C_SKIP(9) + 30 * MS);
	assert_int_equal(f->c.n, 0);
	FEED(f, ev_blocker_c(3, 6000, C_SKIP(9) + 31 * MS, HOLDER_PID));
	assert_int_equal(f->c.n, 0);
	tracker__advance(f->t, C_SKIP(9) + 31 * MS);
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_GAVE_UP);
	assert_int_equal(inc->closed_ns, C_SKIP(9));
	assert_int_equal(inc->trylock_failures, 10);
	assert_int_equal(inc->blocker_events, 10);
	assert_int_equal(inc->blockers[0].count, 10);
	assert_int_equal(inc->blockers[0].last_attempt, 10);
	assert_int_equal(STATS(f)->orphan_events, 0);
}

/* Its picture lost (the ring buffer was full): the wait ends, gave_up still. */
static void test_blocker_last_picture_lost(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	nine_pictures_then_last_skip(f);
	tracker__advance(f->t, C_SKIP(9) + REAPER_BLOCKER_WAIT_NS - 1);
	assert_int_equal(f->c.n, 0);
	tracker__advance(f->t, C_SKIP(9) + REAPER_BLOCKER_WAIT_NS);
	inc = only_incident(f);
	assert_int_equal(inc->outcome, OUTCOME_GAVE_UP);
	assert_int_equal(inc->closed_ns, C_SKIP(9));
	assert_int_equal(inc->blocker_events, 9);
}

static void test_blocker_at_end_of_settle_window(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;
	int i;

	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	FEED(f, ev_wake(3, 6000, C_WAKE, 0));
	for (i = 0; i < 10; i++)
		FEED(f, ev_skip(3, 6000, C_SKIP(i), OOMREAP_SKIP_TRYLOCK_FAILED));
	FEED(f, ev_blocker_c(3, 6000, C_SKIP(9) + REAPER_SETTLE_NS - 1, HOLDER_PID));
	assert_int_equal(f->c.n, 0);
	inc = settle(f, C_SKIP(9));
	assert_int_equal(inc->outcome, OUTCOME_GAVE_UP);
	assert_int_equal(inc->closed_ns, C_SKIP(9));
	assert_int_equal(inc->blocker_events, 1);
	assert_int_equal(inc->nblockers, 1);
	assert_int_equal(inc->blockers[0].count, 1);
	assert_int_equal(inc->blockers[0].first_attempt, 10);
	assert_int_equal(inc->blockers[0].last_attempt, 10);
	assert_int_equal(STATS(f)->orphan_events, 0);
}

static void test_blocker_seq0_matched_by_pid(void **state)
{
	struct fx *f = *state;
	const struct oomreap_incident *inc;

	FEED(f, ev_kill_pidonly(0, 800, T0));
	FEED(f, ev_wake(0, 800, C_WAKE, 0));
	FEED(f, ev_skip(0, 800, C_SKIP(0), OOMREAP_SKIP_TRYLOCK_FAILED));
	FEED(f, ev_blocker_c(0, 800, C_SKIP(0) + 50 * US, HOLDER_PID));
	tracker__flush(f->t);
	inc = only_incident(f);
	assert_int_equal(inc->pid, 800);
	assert_int_equal(inc->blocker_events, 1);
	assert_int_equal(inc->nblockers, 1);
	assert_c_picture(&inc->blockers[0], HOLDER_PID);
	assert_int_equal(STATS(f)->orphan_events, 0);
}

static void test_blocker_invalid_rejected(void **state)
{
	struct fx *f = *state;
	struct oomreap_blocker_event e;

	FEED(f, ev_kill(3, 6000, 6000, T0, 30000, 400));
	e = ev_blocker_c(3, 6000, T0 + 1 * MS, HOLDER_PID);
	e.ntasks = 2 + OOMREAP_MAX_WAITERS;
	assert_int_equal(tracker__feed(f->t, &e, sizeof(e)), -EINVAL);
	e = ev_blocker_c(3, 6000, T0 + 1 * MS, HOLDER_PID);
	e.tasks[1].stack_len = OOMREAP_STACK_DEPTH + 1;
	assert_int_equal(tracker__feed(f->t, &e, sizeof(e)), -EINVAL);
	assert_int_equal(STATS(f)->invalid_events, 2);
	assert_int_equal(STATS(f)->events, 1);
	tracker__flush(f->t);
	assert_int_equal(only_incident(f)->blocker_events, 0);
	assert_int_equal(f->c.inc[0].nblockers, 0);
}

/* -------------------------------------------------- randomised invariants */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static void test_random_streams_invariants(void **state)
{
	int round;

	(void)state;
	for (round = 0; round < 200; round++) {
		struct collector *c = calloc(1, sizeof(*c));
		struct tracker_opts o = { .max_open = 1 + rnd(4), .on_close = collect, .ctx = c };
		struct tracker *t = tracker__new(&o);
		uint64_t ts = T0;
		const struct tracker_stats *st;
		uint64_t closed = 0;
		int i, k;

		assert_non_null(c);
		assert_non_null(t);
		for (i = 0; i < 400; i++) {
			uint64_t seq = rnd(6); /* 0 exercises the pid/tgid fallback */
			uint32_t pid = 100 + rnd(4);
			int64_t anon = (int64_t)rnd(3000) - 20;

			ts += rnd(120) * MS;
			if (rnd(8) == 0 && ts > 10 * US)
				ts -= rnd(10) * US; /* cross-CPU skew */
			switch (rnd(10)) {
			case 0: {
				struct oomreap_kill_event e =
					rnd(2) ? ev_kill(seq, pid, pid, ts, anon, 1)
					       : ev_kill_pidonly(seq, pid, ts);
				assert_int_equal(tracker__feed(t, &e, sizeof(e)), 0);
				break;
			}
			case 1: {
				struct oomreap_exit_event e = ev_exit(seq, pid, ts, rnd(2), rnd(2));
				assert_int_equal(tracker__feed(t, &e, sizeof(e)), 0);
				break;
			}
			case 2: {
				struct oomreap_reap_event e = ev_wake(seq, pid, ts, rnd(2));
				assert_int_equal(tracker__feed(t, &e, sizeof(e)), 0);
				break;
			}
			case 3: {
				struct oomreap_reap_event e = ev_result(seq, pid, ts, (int)rnd(2));
				assert_int_equal(tracker__feed(t, &e, sizeof(e)), 0);
				break;
			}
			case 4: {
				struct oomreap_reap_event e = ev_skip(seq, pid, ts, rnd(3));
				assert_int_equal(tracker__feed(t, &e, sizeof(e)), 0);
				break;
			}
			case 5: {
				struct oomreap_reap_event e =
					ev_start(seq, pid, ts, rnd(4) ? anon : NO_RSS, 1);
				assert_int_equal(tracker__feed(t, &e, sizeof(e)), 0);
				break;
			}
			case 6: {
				struct oomreap_reap_event e =
					ev_finish(seq, pid, ts, rnd(4) ? anon : NO_RSS, 1);
				assert_int_equal(tracker__feed(t, &e, sizeof(e)), 0);
				break;
			}
			case 7:
				if (rnd(4) == 0)
					tracker__note_lost(t, rnd(50), 0);
				else
					tracker__advance(t, ts + rnd(4) * SEC);
				break;
			case 8: {
				struct oomreap_blocker_event e =
					ev_blocker_c(seq, pid, ts, HOLDER_PID + rnd(6));

				e.ntasks = rnd(3);
				assert_int_equal(tracker__feed(t, &e, sizeof(e)), 0);
				break;
			}
			default: {
				struct oomreap_oom_context_event e = ev_ctx(pid + 1, ts);
				assert_int_equal(tracker__feed(t, &e, sizeof(e)), 0);
				break;
			}
			}
			assert_true(tracker__open_count(t) <= o.max_open);
			if (c->n > MAX_COLLECT - 8)
				c->n = 0; /* keep room; the checks below run on what is kept */
			for (k = 0; k < c->n; k++) {
				const struct oomreap_incident *inc = &c->inc[k];
				uint32_t b, kept = 0;

				assert_true(inc->attempts <= REAPER_MAX_ATTEMPTS);
				assert_true(inc->trylock_failures + inc->unknown_skips <=
					    inc->attempts);
				assert_true(inc->timeline_len <= TIMELINE_MAX);
				assert_true(inc->outcome < OUTCOME_NR);
				/* evicted: open, unless only a deadline was pending */
				assert_true(!inc->evicted || inc->outcome == OUTCOME_OPEN ||
					    inc->closed_ns == inc->deadline_stamp_ns);
				assert_true(incident__exit_latency_ns(inc) < 1000 * SEC ||
					    incident__exit_latency_ns(inc) == LATENCY_NONE);
				assert_true(inc->nblockers <= BLOCKER_SNAPSHOTS);
				for (b = 0; b < inc->nblockers; b++) {
					const struct blocker_snapshot *bs = &inc->blockers[b];

					assert_true(bs->count >= 1);
					assert_true(bs->first_attempt >= 1);
					assert_true(bs->first_attempt <= bs->last_attempt);
					assert_true(bs->last_attempt <= REAPER_MAX_ATTEMPTS);
					assert_true(bs->last_attempt <= inc->attempts ||
						    bs->last_attempt == 1);
					kept += bs->count;
				}
				assert_int_equal(kept + inc->blockers_dropped, inc->blocker_events);
			}
		}
		tracker__flush(t);
		st = tracker__stats(t);
		assert_int_equal(tracker__open_count(t), 0);
		for (k = 0; k < OUTCOME_NR; k++)
			closed += st->incidents_closed[k];
		assert_int_equal(closed, st->incidents_opened);
		assert_true(st->evictions <= closed);
		tracker__free(t);
		free(c);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(outcome__name(OUTCOME_OPEN), "open");
	assert_string_equal(outcome__name(OUTCOME_REAPED), "reaped");
	assert_string_equal(outcome__name(OUTCOME_GAVE_UP), "gave_up");
	assert_string_equal(outcome__name(OUTCOME_VICTIM_EXITED), "victim_exited");
	assert_string_equal(outcome__name(OUTCOME_PARTIAL), "partial");
	assert_string_equal(outcome__name(OUTCOME_NR), "unknown");
	assert_string_equal(outcome__name((enum oomreap_outcome)-1), "unknown");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
#define T2(fn) cmocka_unit_test_setup_teardown(fn, fx_setup2, fx_teardown)

/* The --pid/--cgroup selection shared by live tracing, replay and report. */
static void test_selection(void **state)
{
	struct oomreap_incident inc;

	(void)state;
	memset(&inc, 0, sizeof(inc));
	inc.pid = 4242;
	inc.tgid = 4240;
	inc.have_identity = true;
	snprintf(inc.cgroup_path, sizeof(inc.cgroup_path), "/kubepods/pod1/ctr");

	assert_true(incident__selected(&inc, 0, NULL));
	assert_true(incident__selected(&inc, 4242, NULL));   /* thread id */
	assert_true(incident__selected(&inc, 4240, NULL));   /* process id */
	assert_false(incident__selected(&inc, 4241, NULL));
	assert_true(incident__selected(&inc, 0, "/"));
	assert_true(incident__selected(&inc, 0, "/kubepods"));
	assert_true(incident__selected(&inc, 0, "/kubepods/pod1/"));
	assert_true(incident__selected(&inc, 0, "/kubepods/pod1/ctr"));
	assert_false(incident__selected(&inc, 0, "/kubepods/pod")); /* a sibling's prefix */
	assert_false(incident__selected(&inc, 0, "/kubepods/pod1/ctr/x"));
	/* a run of slashes is one separator, as in any path */
	assert_true(incident__selected(&inc, 0, "//"));
	assert_true(incident__selected(&inc, 0, "/kubepods//pod1"));
	assert_true(incident__selected(&inc, 0, "//kubepods///pod1//ctr//"));
	assert_false(incident__selected(&inc, 0, "/kubepods//pod"));
	assert_false(incident__selected(&inc, 0, "/kubepods//pod1//ctr//x"));
	assert_false(incident__selected(&inc, 4241, "/kubepods"));
	/* pid-only incidents (old mark_victim) have no cgroup to match */
	inc.have_identity = false;
	assert_false(incident__selected(&inc, 0, "/kubepods"));
	assert_true(incident__selected(&inc, 4242, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_lab_a_exit_closes_at_once),
		T(test_lab_b_reaped_after_linger),
		T(test_lab_b_result_closes_at_finish),
		T(test_lab_b_negative_rss_is_clamped),
		cmocka_unit_test(test_rss_basis_judge),
		cmocka_unit_test_setup_teardown(test_rss_sum_where_the_log_prints_sums, log_fx_setup,
						log_fx_teardown),
		cmocka_unit_test_setup_teardown(test_rss_line_read_at_close, log_fx_setup,
						log_fx_teardown),
		cmocka_unit_test_setup_teardown(test_rss_count_where_the_log_prints_counts,
						log_fx_setup, log_fx_teardown),
		cmocka_unit_test_setup_teardown(test_rss_sum_by_default, log_fx_setup,
						log_fx_teardown),
		cmocka_unit_test_setup_teardown(test_rss_basis_from_the_release, log_fx_setup,
						log_fx_teardown),
		cmocka_unit_test_setup_teardown(test_rss_count_when_a_sum_is_missing, log_fx_setup,
						log_fx_teardown),
		T(test_lab_b_negative_rss_at_kill_is_clamped),
		T(test_lab_c_gave_up),
		T(test_hand_over_mid_loop_is_whole),
		T(test_carry_keeps_recently_closed),
		T(test_restart_mark_counts_continued),
		T(test_lab_c_unknown_skips_also_exhaust),
		T(test_lab_c_partial_contention),
		T(test_lab_c_partial_mm_gone_before_exit),
		T(test_mm_gone_without_exit_ends_at_deadline),
		T(test_partial_retry_then_reaped),
		T(test_partial_result_zero_then_one),
		T(test_partial_ten_attempts_result_zero),
		T(test_partial_then_trylock_failures),
		T(test_ten_finishes_without_result),
		T(test_lost_marks_open_only),
		T(test_missed_runs_mark_open_only),
		T(test_missed_runs_unknown),
		T(test_missed_exit_closes_at_deadline),
		T(test_missed_before_its_kill_was_read),
		T(test_lost_before_its_kill_was_read),
		T(test_loss_deadline_follows_events),
		T(test_loss_deadline_flush),
		cmocka_unit_test(test_loss_verdict_from_log),
		cmocka_unit_test(test_mrelease_err_classes),
		T(test_uk_einval_before_kill_is_routine),
		T(test_reaper_events_without_kill),
		cmocka_unit_test(test_joined_halfway),
		T(test_mid_loop_incident_ends_when_the_reaper_falls_silent),
		T(test_pid_reuse_never_merges),
		T(test_pid_reuse_exit_before_its_kill),
		T(test_seq0_events_match_by_pid),
		T(test_two_victims_interleaved),
		T(test_pid_only_kill),
		T(test_full_identity_kill_with_context),
		T(test_exit_before_kill_is_held),
		T(test_exit_after_kill_with_earlier_ts),
		T(test_orphan_exit_outside_window),
		T(test_unmarked_exit_paired_with_its_kill),
		T(test_unmarked_exit_needs_exit_begun),
		T(test_unmarked_exit_after_its_kill),
		T(test_unmarked_exit_after_its_begun_kill),
		T(test_unmarked_exit_after_its_kill_no_seq),
		T(test_exit_begun_then_its_exit),
		T(test_exit_begun_never_seen),
		T(test_exit_begun_closed_by_its_loop),
		T(test_unmarked_exits_ring),
		T2(test_eviction_and_flush),
		T2(test_eviction_keeps_a_pending_outcome),
		T(test_flush_with_pending_linger),
		T(test_exit_mm_kept_then_reaped),
		T(test_exit_mm_kept_nothing_follows),
		T(test_exit_mm_kept_long_reap_not_cut_short),
		T(test_exit_mm_kept_slow_trylock_loop),
		T(test_late_events_after_close),
		T(test_duplicate_kill_ignored),
		T(test_invalid_event_rejected),
		T(test_gave_up_flushed_in_settle_window),
		T(test_deadlines_passed_by_later_events),
		T(test_no_attempt_beyond_max_in_settle_window),
		T(test_blocker_lab_c_identical_collapsed),
		T(test_blocker_pictures_differ),
		T(test_blocker_what_counts_as_identical),
		T(test_blocker_more_than_kept),
		T(test_blocker_attempt_numbers),
		T(test_blocker_orphans),
		T(test_blocker_late_last_picture_awaited),
		T(test_blocker_last_picture_lost),
		T(test_blocker_at_end_of_settle_window),
		T(test_blocker_seq0_matched_by_pid),
		T(test_blocker_invalid_rejected),
		T(test_uk_mreleased),
		T(test_uk_call_returns_after_exit),
		T(test_uk_busy_exit_waits_for_the_call),
		T(test_uk_exit_without_reap),
		T(test_uk_term_einval_then_kill),
		T(test_uk_mrelease_failed),
		T(test_uk_unmatched_mrelease),
		T(test_uk_never_dies),
		T(test_uk_exit_before_kill),
		T(test_uk_cgroup_kill_event),
		T(test_uk_exit_run_missed),
		cmocka_unit_test(test_random_streams_invariants),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_selection),

	};

	return cmocka_run_group_tests_name("tracker", tests, NULL, NULL);
}
