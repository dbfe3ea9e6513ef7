// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The OOM context from the kernel log (src/rec/kmsg.c): the "invoked
 * oom-killer" and "oom-kill:" parsers, and joining them to one kill by
 * victim pid, comm and a bounded time window, against hostile input: comms
 * and cgroup names that imitate the kernel's punctuation, lines cut short
 * or lost, two kills in one millisecond, reports the kernel ratelimited.
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

#include "core/oom_context.h"
#include "core/tracker.h"
#include "rec/kmsg.h"
#include "wire.h"

#define SEC 1000000000ull
#define MS 1000000ull
#define US 1000ull

static const char *const INVOKED =
	"memhog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0";

static void add(struct kmsg_log *l, uint64_t seq, uint64_t ts_us, const char *text)
{
	char buf[2048];
	int n = snprintf(buf, sizeof(buf), "6,%llu,%llu,-;%s\n", (unsigned long long)seq,
			 (unsigned long long)ts_us, text);

	assert_int_equal(kmsg_log__add_record(l, buf, (size_t)n), 0);
}

/* The three lines the kernel prints for one memcg kill, seq..seq+2, at ts_us. */
static void add_kill(struct kmsg_log *l, uint64_t seq, uint64_t ts_us, const char *trigger,
		     const char *memcg, const char *comm, uint32_t pid)
{
	char t[1024];

	snprintf(t, sizeof(t),
		 "%s invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=-17",
		 trigger);
	add(l, seq, ts_us, t);
	snprintf(t, sizeof(t),
		 "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
		 "oom_memcg=%s,task_memcg=%s,task=%s,pid=%u,uid=0",
		 memcg, memcg, comm, pid);
	add(l, seq + 1, ts_us + 100, t);
	snprintf(t, sizeof(t),
		 "Memory cgroup out of memory: Killed process %u (%s) total-vm:110800kB, "
		 "anon-rss:102400kB, file-rss:1200kB, shmem-rss:0kB, UID:0 pgtables:260kB "
		 "oom_score_adj:0",
		 pid, comm);
	add(l, seq + 2, ts_us + 150, t);
}

static void victim(struct oomreap_incident *inc, uint32_t pid, const char *comm,
		   const char *cgroup, uint64_t kill_ns)
{
	memset(inc, 0, sizeof(*inc));
	inc->have_identity = true;
	inc->pid = inc->tgid = pid;
	strncpy(inc->comm, comm, sizeof(inc->comm) - 1);
	strncpy(inc->cgroup_path, cgroup, sizeof(inc->cgroup_path) - 1);
	inc->kill_ns = kill_ns;
	inc->oom_event.index = 1;
	/* as the tracker leaves it for the tracepoint rung */
	oom_context__missing(&inc->ctx, CTX_WHY_LOG_NOT_READ);
}

static void assert_from_log(const struct oom_context *c, const char *domain)
{
	assert_int_equal(c->src[CTXF_CONSTRAINT], CTX_SRC_KERNEL_LOG);
	assert_int_equal(c->constraint, 3);
	assert_int_equal(c->src[CTXF_DOMAIN], CTX_SRC_KERNEL_LOG);
	assert_false(c->global);
	assert_string_equal(c->domain, domain);
	assert_int_equal(c->src[CTXF_GFP], CTX_SRC_KERNEL_LOG);
	assert_int_equal(c->gfp_mask, 0xcc0);
	assert_string_equal(c->gfp_names, "GFP_KERNEL");
	assert_int_equal(c->src[CTXF_ORDER], CTX_SRC_KERNEL_LOG);
	assert_int_equal(c->order, 0);
	assert_int_equal(c->src[CTXF_TRIGGER], CTX_SRC_KERNEL_LOG);
	assert_int_equal(c->trigger_oom_score_adj, -17);
	assert_int_equal(c->src[CTXF_TOTALPAGES], CTX_SRC_NONE);
	assert_int_equal(c->why[CTXF_TOTALPAGES], CTX_WHY_NOT_LOGGED);
}

static void assert_all_missing(const struct oom_context *c, uint8_t why)
{
	int f;

	for (f = 0; f < CTXF_NR; f++) {
		assert_int_equal(c->src[f], CTX_SRC_NONE);
		if (f != CTXF_TOTALPAGES)
			assert_int_equal(c->why[f], why);
	}
}

static void test_parse_invoked(void **state)
{
	struct kmsg_invoked iv;
	/* a comm that is a whole kernel line itself: the right end is the kernel's */
	static const char hostile[] =
		"x invoked oom-killer: gfp_mask=0x1(X), order=9, oom_score_adj=5 invoked "
		"oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), "
		"order=3, oom_score_adj=-1000";
	size_t i, n = strlen(INVOKED);

	assert_int_equal(kmsg__parse_invoked(INVOKED, n, &iv), 0);
	assert_int_equal(iv.comm_len, 6);
	assert_memory_equal(iv.comm, "memhog", 6);
	assert_int_equal(iv.gfp_mask, 0xcc0);
	assert_int_equal(iv.gfp_names_len, 10);
	assert_int_equal(iv.order, 0);
	assert_int_equal(iv.oom_score_adj, 0);

	assert_int_equal(kmsg__parse_invoked(hostile, strlen(hostile), &iv), 0);
	assert_int_equal(iv.comm_len, strlen(hostile) - strlen(strstr(hostile, " invoked oom-killer: gfp_mask=0x140dca")));
	assert_int_equal(iv.gfp_mask, 0x140dca);
	assert_int_equal(iv.order, 3);
	assert_int_equal(iv.oom_score_adj, -1000);

	/* no flags at all: %#x prints "0" */
	{
		static const char none[] =
			"a invoked oom-killer: gfp_mask=0(), order=-1, oom_score_adj=0";

		assert_int_equal(kmsg__parse_invoked(none, strlen(none), &iv), 0);
	}
	assert_int_equal(iv.gfp_mask, 0);
	assert_int_equal(iv.order, -1);

	/* every cut of the line is refused, never read as a shorter one */
	for (i = 0; i < n; i++) {
		char *cut = malloc(i ? i : 1);

		memcpy(cut, INVOKED, i);
		assert_int_equal(kmsg__parse_invoked(cut, i, &iv), -EINVAL);
		free(cut);
	}
}

static void test_parse_summary(void **state)
{
	static const char ok[] = "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
				 "mems_allowed=0,oom_memcg=/x,task_memcg=/x,task=memhog,pid=42,uid=7";
	/* comms named like the kernel's own fields */
	static const char pidcomm[] = "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),"
				      "cpuset=/,mems_allowed=0,oom_memcg=/x,task_memcg=/x,"
				      "task=a,pid=999,,pid=42,uid=0";
	static const char tvcomm[] = "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),"
				     "cpuset=/,mems_allowed=0,global_oom,task_memcg=/x,"
				     "task=) total-vm:,pid=43,uid=0";
	struct kmsg_summary s;
	size_t i;

	assert_int_equal(kmsg__parse_summary(ok, strlen(ok), &s), 0);
	assert_int_equal(s.constraint, 3);
	assert_int_equal(s.pid, 42);
	assert_int_equal(s.uid, 7);
	assert_int_equal(s.head_len, strlen(ok) - strlen(",pid=42,uid=7"));

	assert_int_equal(kmsg__parse_summary(pidcomm, strlen(pidcomm), &s), 0);
	assert_int_equal(s.pid, 42);
	assert_int_equal(kmsg__parse_summary(tvcomm, strlen(tvcomm), &s), 0);
	assert_int_equal(s.pid, 43);
	assert_int_equal(s.constraint, 0);

	for (i = 0; i < strlen(ok); i++) {
		char *cut = malloc(i ? i : 1);
		int ret;

		memcpy(cut, ok, i);
		ret = kmsg__parse_summary(cut, i, &s);
		/* a cut that still ends in digits parses, but to a different (shorter) uid */
		if (ret == 0)
			assert_true(s.uid != 7 || s.pid != 42 || i == strlen(ok));
		free(cut);
	}
	assert_int_equal(kmsg__parse_summary("oom-kill:constraint=X", 21, &s), -EINVAL);
}

static void test_join_basic(void **state)
{
	struct oomreap_incident inc;
	struct kmsg_log l;

	kmsg_log__init(&l);
	add(&l, 10, 99000000, "unrelated");
	add_kill(&l, 11, 100000000, "memhog", "/x", "memhog", 4242);
	kmsg_log__sort(&l);
	/* the event's stamp is just after the summary: mark_victim follows it */
	victim(&inc, 4242, "memhog", "/x", 100000000 * US + 120 * US);
	assert_true(kmsg__incident_context(&l, 0, &inc));
	assert_from_log(&inc.ctx, "/x");
	assert_string_equal(inc.ctx.trigger_comm, "memhog");
	assert_string_equal(oom_context__source(&inc.ctx), "kernel_log");
	kmsg_log__free(&l);
}

/*
 * The "Killed process" line's RSS figures, read from the right: a comm
 * that imitates them changes nothing; a line cut inside them is no line.
 */
static void test_parse_killed_rss(void **state)
{
	static const char line[] =
		"Memory cgroup out of memory: Killed process 4242 (x anon-rss:1kB, file-rss:2kB, "
		"shmem-rss:3kB) total-vm:110800kB, anon-rss:50232kB, file-rss:1412kB, "
		"shmem-rss:0kB, UID:0 pgtables:260kB oom_score_adj:0";
	uint64_t kb[3] = { 0 };
	size_t cut = strstr(line, ", UID") - line;

	(void)state;
	assert_int_equal(kmsg__parse_killed_rss(line, strlen(line), kb), 0);
	assert_int_equal(kb[0], 50232);
	assert_int_equal(kb[1], 1412);
	assert_int_equal(kb[2], 0);
	/* the figures end the line as well as before ", UID" */
	assert_int_equal(kmsg__parse_killed_rss(line, cut, kb), 0);
	/* cut anywhere inside the kernel's figures: refused, never half-read */
	for (size_t i = strstr(line, ", anon-rss") - line + 2; i < cut; i++)
		assert_int_equal(kmsg__parse_killed_rss(line, i, kb), -EINVAL);
	/* anything but ", UID" after them is not the kernel's format */
	assert_int_equal(kmsg__parse_killed_rss(" anon-rss:1kB, file-rss:1kB, shmem-rss:1kB0", 43,
						kb),
			 -EINVAL);
	assert_int_equal(kmsg__parse_killed_rss("anon-rss:1kB", 12, kb), -EINVAL);
	assert_int_equal(kmsg__parse_killed_rss(" anon-rss:99999999999999999999kB, file-rss:1kB, "
						"shmem-rss:1kB", 61, kb), -EINVAL);
}

/* The kill's own line, by pid, into the incident (tracker_opts.on_kill). */
static void test_incident_kill_rss(void **state)
{
	struct oomreap_incident inc, other, ghost;
	struct kmsg_log l;

	(void)state;
	kmsg_log__init(&l);
	add_kill(&l, 1, 5000000, "hog", "/a", "memhog", 4242);
	add_kill(&l, 4, 9000000, "hog", "/a", "memhog", 4343);
	kmsg_log__sort(&l);
	victim(&inc, 4242, "memhog", "/a", 5000120 * US);
	assert_true(kmsg__incident_kill_rss(&l, &inc));
	assert_true(inc.have_kill_log_rss);
	assert_int_equal(inc.kill_log_rss_kb[0], 102400);
	assert_int_equal(inc.kill_log_rss_kb[1], 1200);
	assert_int_equal(inc.kill_log_rss_kb[2], 0);
	victim(&other, 4343, "memhog", "/a", 9000120 * US);
	assert_true(kmsg__incident_kill_rss(&l, &other));
	/* no line for this pid, no log, no identity */
	victim(&ghost, 4444, "memhog", "/a", 9000120 * US);
	assert_false(kmsg__incident_kill_rss(&l, &ghost));
	assert_false(ghost.have_kill_log_rss);
	assert_false(kmsg__incident_kill_rss(NULL, &inc));
	ghost.pid = ghost.tgid = 4242;
	ghost.have_identity = false;
	assert_false(kmsg__incident_kill_rss(&l, &ghost));
	kmsg_log__free(&l);
}

static void test_two_kills_one_ms(void **state)
{
	struct oomreap_incident a, b;
	struct kmsg_log l;

	kmsg_log__init(&l);
	add_kill(&l, 1, 5000000, "hogA", "/a", "victim", 500);
	add_kill(&l, 4, 5000300, "hogB", "/b", "victim", 501);
	kmsg_log__sort(&l);
	victim(&a, 500, "victim", "/a", 5000120 * US);
	victim(&b, 501, "victim", "/b", 5000420 * US);
	assert_true(kmsg__incident_context(&l, 0, &b));
	assert_true(kmsg__incident_context(&l, 0, &a));
	assert_from_log(&a.ctx, "/a");
	assert_from_log(&b.ctx, "/b");
	assert_string_equal(a.ctx.trigger_comm, "hogA");
	assert_string_equal(b.ctx.trigger_comm, "hogB");
	kmsg_log__free(&l);
}

static void test_ratelimited_second(void **state)
{
	struct oomreap_incident a, b, c;
	struct kmsg_log l;

	kmsg_log__init(&l);
	add_kill(&l, 1, 5000000, "hog", "/a", "v1", 600);
	/* the second kill: only its "Killed process" line, as after the ratelimit */
	add(&l, 4, 5002000,
	    "Memory cgroup out of memory: Killed process 601 (v2) total-vm:1kB, anon-rss:1kB, "
	    "file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0");
	kmsg_log__sort(&l);
	victim(&a, 600, "v1", "/a", 5000120 * US);
	victim(&b, 601, "v2", "/a", 5001990 * US);
	assert_true(kmsg__incident_context(&l, 0, &a));
	assert_from_log(&a.ctx, "/a");
	assert_false(kmsg__incident_context(&l, 0, &b));
	assert_all_missing(&b.ctx, CTX_WHY_RATELIMITED);
	/* a kill no line names at all */
	victim(&c, 777, "other", "/a", 5001000 * US);
	assert_false(kmsg__incident_context(&l, 0, &c));
	assert_all_missing(&c.ctx, CTX_WHY_RATELIMITED);
	kmsg_log__free(&l);
}

static void test_summary_pid_matches_no_kill(void **state)
{
	struct oomreap_incident inc;
	struct kmsg_log l;

	kmsg_log__init(&l);
	add_kill(&l, 1, 5000000, "hog", "/a", "v", 900);
	kmsg_log__sort(&l);
	/* the same comm, another pid: never borrowed */
	victim(&inc, 901, "v", "/a", 5000120 * US);
	assert_false(kmsg__incident_context(&l, 0, &inc));
	assert_all_missing(&inc.ctx, CTX_WHY_RATELIMITED);
	/* the same pid, another comm: a recycled pid's older report, not this kill's */
	victim(&inc, 900, "w", "/a", 5000120 * US);
	add(&l, 9, 5000200, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
			    "mems_allowed=0,oom_memcg=/a,task_memcg=/a,task=v,task=x,pid=900,uid=0");
	kmsg_log__sort(&l);
	assert_false(kmsg__incident_context(&l, 0, &inc));
	kmsg_log__free(&l);
}

static void test_lost_lines(void **state)
{
	struct oomreap_incident inc;
	struct kmsg_log l;

	kmsg_log__init(&l);
	add(&l, 100, 5000000, "before");
	/* seq 101..120 never read (overrun): the report may have been among them */
	add(&l, 121, 5000200,
	    "Memory cgroup out of memory: Killed process 700 (v) total-vm:1kB, anon-rss:1kB, "
	    "file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0");
	kmsg_log__sort(&l);
	victim(&inc, 700, "v", "/a", 5000150 * US);
	assert_false(kmsg__incident_context(&l, 0, &inc));
	assert_all_missing(&inc.ctx, CTX_WHY_OVERRUN);

	/* the summary survived, its "invoked" line was lost */
	kmsg_log__free(&l);
	kmsg_log__init(&l);
	add(&l, 100, 5000000, "before");
	add(&l, 105, 5000100, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
			      "mems_allowed=0,oom_memcg=/a,task_memcg=/a,task=v,pid=700,uid=0");
	kmsg_log__sort(&l);
	assert_true(kmsg__incident_context(&l, 0, &inc));
	assert_int_equal(inc.ctx.src[CTXF_CONSTRAINT], CTX_SRC_KERNEL_LOG);
	assert_string_equal(inc.ctx.domain, "/a");
	assert_int_equal(inc.ctx.src[CTXF_GFP], CTX_SRC_NONE);
	assert_int_equal(inc.ctx.why[CTXF_GFP], CTX_WHY_OVERRUN);
	assert_int_equal(inc.ctx.why[CTXF_TRIGGER], CTX_WHY_OVERRUN);

	/* no hole: the "invoked" line is simply not there (or cut into another record) */
	kmsg_log__free(&l);
	kmsg_log__init(&l);
	add(&l, 100, 5000000, "memhog invoked oom-killer: gfp_mask=0xcc0(GFP_KER");
	add(&l, 101, 5000100, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
			      "mems_allowed=0,oom_memcg=/a,task_memcg=/a,task=v,pid=700,uid=0");
	kmsg_log__sort(&l);
	victim(&inc, 700, "v", "/a", 5000150 * US);
	assert_true(kmsg__incident_context(&l, 0, &inc));
	assert_int_equal(inc.ctx.why[CTXF_GFP], CTX_WHY_UNPARSED);
	kmsg_log__free(&l);
	kmsg_log__init(&l);
	add(&l, 101, 5000100, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
			      "mems_allowed=0,oom_memcg=/a,task_memcg=/a,task=v,pid=700,uid=0");
	kmsg_log__sort(&l);
	victim(&inc, 700, "v", "/a", 5000150 * US);
	assert_true(kmsg__incident_context(&l, 0, &inc));
	assert_int_equal(inc.ctx.why[CTXF_ORDER], CTX_WHY_NO_INVOKED);
	/* a summary cut short is no summary */
	kmsg_log__free(&l);
	kmsg_log__init(&l);
	add(&l, 101, 5000100, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
			      "mems_allowed=0,oom_memcg=/a,task_memcg=/a,task=v,pid=70");
	kmsg_log__sort(&l);
	assert_false(kmsg__incident_context(&l, 0, &inc));
	kmsg_log__free(&l);
}

static void test_window(void **state)
{
	struct oomreap_incident inc;
	struct kmsg_log l;

	kmsg_log__init(&l);
	add_kill(&l, 1, 100000000, "hog", "/a", "v", 800);
	kmsg_log__sort(&l);
	/* printk time and CLOCK_MONOTONIC may drift apart: within the window, joined */
	victim(&inc, 800, "v", "/a", 100000000 * US + KMSG_MATCH_WINDOW_NS - 1 * MS);
	assert_true(kmsg__incident_context(&l, 0, &inc));
	victim(&inc, 800, "v", "/a", 100000000 * US - KMSG_MATCH_WINDOW_NS + 1 * MS);
	assert_true(kmsg__incident_context(&l, 0, &inc));
	/* beyond it, never */
	victim(&inc, 800, "v", "/a", 100000000 * US + KMSG_MATCH_WINDOW_NS + 1 * SEC);
	assert_false(kmsg__incident_context(&l, 0, &inc));
	victim(&inc, 800, "v", "/a", 100000000 * US - KMSG_MATCH_WINDOW_NS - 1 * SEC);
	assert_false(kmsg__incident_context(&l, 0, &inc));
	/* the same pid killed twice in the window: each kill its nearest report */
	add_kill(&l, 10, 103000000, "hog2", "/a", "v", 800);
	kmsg_log__sort(&l);
	victim(&inc, 800, "v", "/a", 103000000 * US + 120 * US);
	assert_true(kmsg__incident_context(&l, 0, &inc));
	assert_string_equal(inc.ctx.trigger_comm, "hog2");
	victim(&inc, 800, "v", "/a", 100000000 * US + 120 * US);
	assert_true(kmsg__incident_context(&l, 0, &inc));
	assert_string_equal(inc.ctx.trigger_comm, "hog");
	kmsg_log__free(&l);
}

static void test_hostile_names(void **state)
{
	struct oomreap_incident inc;
	struct kmsg_log l;

	kmsg_log__init(&l);
	/* a victim named like the summary's tail, a trigger named like the invoked line */
	add_kill(&l, 1, 5000000, "x invoked oom-killer: gfp_mask=0x0(), order=7, oom_score_adj=9",
		 "/a,oom_memcg=/a", "b,pid=999,", 1000);
	kmsg_log__sort(&l);
	victim(&inc, 1000, "b,pid=999,", "/a,oom_memcg=/a", 5000120 * US);
	assert_true(kmsg__incident_context(&l, 0, &inc));
	assert_from_log(&inc.ctx, "/a,oom_memcg=/a");
	assert_string_equal(inc.ctx.trigger_comm,
			    "x invoked oom-killer: gfp_mask=0x0(), order=7, oom_score_adj=9");

	/* a comm holding ",task=": split at the victim's own comm */
	add_kill(&l, 10, 6000000, "hog", "/c", "a,task=b", 1001);
	kmsg_log__sort(&l);
	victim(&inc, 1001, "a,task=b", "/c", 6000120 * US);
	assert_true(kmsg__incident_context(&l, 0, &inc));
	assert_from_log(&inc.ctx, "/c");

	/* the kernel marked another thread than the leader the summary names */
	add(&l, 15, 6500000, INVOKED);
	add(&l, 16, 6500100, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
			     "mems_allowed=0,oom_memcg=/c,task_memcg=/c,task=main,pid=1100,uid=0");
	kmsg_log__sort(&l);
	victim(&inc, 1101, "worker", "/c", 6500120 * US);
	inc.tgid = 1100;
	assert_true(kmsg__incident_context(&l, 0, &inc));
	assert_string_equal(inc.ctx.domain, "/c");

	/* a domain above the victim's memcg, the victim's path unknown (cut) */
	add(&l, 20, 7000000, INVOKED);
	add(&l, 21, 7000100, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
			     "mems_allowed=0,oom_memcg=/p,task_memcg=/p/c,task=v,pid=1002,uid=0");
	kmsg_log__sort(&l);
	victim(&inc, 1002, "v", "/p/c", 7000120 * US);
	assert_true(kmsg__incident_context(&l, 0, &inc));
	assert_string_equal(inc.ctx.domain, "/p");
	inc.cgroup_truncated = true;
	oom_context__missing(&inc.ctx, CTX_WHY_LOG_NOT_READ);
	assert_true(kmsg__incident_context(&l, 0, &inc));
	assert_string_equal(inc.ctx.domain, "/p");

	/* path unknown and two readings possible: no guess */
	add(&l, 30, 8000000, INVOKED);
	add(&l, 31, 8000100, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
			     "mems_allowed=0,oom_memcg=/p,oom_memcg=/q,task_memcg=/p,oom_memcg=/q,"
			     "task=v,pid=1003,uid=0");
	kmsg_log__sort(&l);
	victim(&inc, 1003, "v", "/x", 8000120 * US);
	inc.cgroup_truncated = true;
	assert_true(kmsg__incident_context(&l, 0, &inc));
	assert_int_equal(inc.ctx.src[CTXF_CONSTRAINT], CTX_SRC_KERNEL_LOG);
	assert_int_equal(inc.ctx.src[CTXF_DOMAIN], CTX_SRC_NONE);
	assert_int_equal(inc.ctx.why[CTXF_DOMAIN], CTX_WHY_UNPARSED);
	kmsg_log__free(&l);
}

static void test_global_oom(void **state)
{
	struct oomreap_incident inc;
	struct kmsg_log l;

	kmsg_log__init(&l);
	add(&l, 1, 5000000, "hog invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|"
			    "__GFP_COMP), order=0, oom_score_adj=0");
	add(&l, 2, 5000100, "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,"
			    "mems_allowed=0,global_oom,task_memcg=/user.slice,task=v,pid=5,uid=0");
	kmsg_log__sort(&l);
	victim(&inc, 5, "v", "/user.slice", 5000120 * US);
	assert_true(kmsg__incident_context(&l, 0, &inc));
	assert_int_equal(inc.ctx.constraint, 0);
	assert_int_equal(inc.ctx.src[CTXF_DOMAIN], CTX_SRC_KERNEL_LOG);
	assert_true(inc.ctx.global);
	assert_string_equal(inc.ctx.gfp_names, "GFP_HIGHUSER_MOVABLE|__GFP_COMP");
	kmsg_log__free(&l);
}

static void test_reasons_without_log(void **state)
{
	struct oomreap_incident inc;

	victim(&inc, 5, "v", "/a", SEC);
	assert_false(kmsg__incident_context(NULL, CTX_WHY_LOG_UNREADABLE, &inc));
	assert_all_missing(&inc.ctx, CTX_WHY_LOG_UNREADABLE);
	assert_false(kmsg__incident_context(NULL, 0, &inc));
	assert_all_missing(&inc.ctx, CTX_WHY_LOG_NOT_READ);
	assert_string_equal(ctx_missing__reason(CTX_WHY_RATELIMITED),
			    "no OOM report for this kill in the kernel log: the kernel ratelimits it");
	assert_null(oom_context__source(&inc.ctx));
}

static void test_given_log(void **state)
{
	struct oomreap_incident inc;
	struct kmsg_log l;

	kmsg_log__init(&l);
	l.given = true;
	add(&l, 1, 1000000, "long before");
	add(&l, 2, 2000000, "still before");
	kmsg_log__sort(&l);
	/* a dmesg file that ends before the kill cannot say it was ratelimited */
	victim(&inc, 5, "v", "/a", 50 * SEC);
	assert_false(kmsg__incident_context(&l, 0, &inc));
	assert_all_missing(&inc.ctx, CTX_WHY_LOG_NOT_COVERING);
	/* one that goes past it can */
	add(&l, 3, 60000000, "after");
	kmsg_log__sort(&l);
	assert_false(kmsg__incident_context(&l, 0, &inc));
	assert_all_missing(&inc.ctx, CTX_WHY_RATELIMITED);
	kmsg_log__free(&l);
}

static void test_group_member(void **state)
{
	struct oomreap_incident inc;
	struct kmsg_log l;

	kmsg_log__init(&l);
	add_kill(&l, 1, 5000000, "hog", "/g", "chosen", 10);
	kmsg_log__sort(&l);
	victim(&inc, 11, "member", "/g", 5000200 * US);
	inc.oom_event.index = 2;
	assert_false(kmsg__incident_context(&l, 0, &inc));
	assert_all_missing(&inc.ctx, CTX_WHY_GROUP_MEMBER);
	kmsg_log__free(&l);
}

static void test_oom_control_wins(void **state)
{
	struct oomreap_incident inc;
	struct kmsg_log l;

	kmsg_log__init(&l);
	add_kill(&l, 1, 5000000, "hog", "/a", "v", 20);
	kmsg_log__sort(&l);
	victim(&inc, 20, "v", "/a", 5000120 * US);
	/* a function rung: oom_control said it, the log adds the gfp mask and the trigger */
	oom_context__from_control(&inc.ctx, 3, 2, 4096, 77, "/a/from-bpf");
	assert_true(kmsg__incident_context(&l, 0, &inc));
	assert_int_equal(inc.ctx.src[CTXF_CONSTRAINT], CTX_SRC_OOM_CONTROL);
	assert_int_equal(inc.ctx.src[CTXF_ORDER], CTX_SRC_OOM_CONTROL);
	assert_int_equal(inc.ctx.order, 2);
	assert_string_equal(inc.ctx.domain, "/a/from-bpf");
	assert_int_equal(inc.ctx.src[CTXF_TOTALPAGES], CTX_SRC_OOM_CONTROL);
	assert_int_equal(inc.ctx.src[CTXF_GFP], CTX_SRC_KERNEL_LOG);
	assert_int_equal(inc.ctx.src[CTXF_TRIGGER], CTX_SRC_KERNEL_LOG);
	assert_string_equal(oom_context__source(&inc.ctx), "oom_control+kernel_log");
	kmsg_log__free(&l);
}

static void test_keep_newest(void **state)
{
	struct oomreap_incident inc;
	struct kmsg_log l;
	uint64_t i;

	kmsg_log__init(&l);
	for (i = 0; i < 100; i++)
		add(&l, i + 1, 1000 + i, "noise");
	add_kill(&l, 101, 5000000, "hog", "/a", "v", 30);
	kmsg_log__sort(&l);
	kmsg_log__keep_newest(&l, 5);
	assert_int_equal(l.n, 5);
	victim(&inc, 30, "v", "/a", 5000120 * US);
	assert_true(kmsg__incident_context(&l, 0, &inc));
	assert_from_log(&inc.ctx, "/a");
	/* a kill whose lines the bound let go: lost, never "ratelimited" */
	kmsg_log__keep_newest(&l, 1);
	victim(&inc, 30, "v", "/a", 5000120 * US);
	assert_false(kmsg__incident_context(&l, 0, &inc));
	assert_all_missing(&inc.ctx, CTX_WHY_OVERRUN);
	kmsg_log__free(&l);
}

static struct oomreap_incident closed[8];
static unsigned nclosed;

static void keep(const struct oomreap_incident *inc, void *ctx)
{
	if (nclosed < 8)
		closed[nclosed++] = *inc;
}

static void look_up(struct oomreap_incident *inc, void *ctx)
{
	kmsg__incident_context(ctx, 0, inc);
}

/* Through the tracker: a group kill's other victims share the chosen one's report. */
static void test_group_inherits(void **state)
{
	static const char ctr[] = "/kubepods.slice/pod1.slice/cri-containerd-ab.scope";
	struct kmsg_log l;
	struct tracker_opts o = { .on_close = keep, .on_kill = look_up, .ctx = &l };
	struct tracker *t;
	uint32_t pid;
	unsigned i;

	kmsg_log__init(&l);
	add_kill(&l, 1, 1000000000, "task", ctr, "task", 100);
	kmsg_log__sort(&l);
	nclosed = 0;
	t = tracker__new(&o);
	for (pid = 100; pid <= 102; pid++) {
		struct oomreap_kill_event k =
			wire__kill(10 + pid, pid, pid, 1000 * SEC + 200 * US + (pid - 100) * MS, "task", ctr);

		k.kill_flags |= OOMREAP_KILL_GROUP_READ;
		k.oom_group_levels = 1;
		k.trigger_pid = k.trigger_tgid = 100;
		k.cgroup_hierarchy = 0;
		assert_int_equal(tracker__feed(t, &k, sizeof(k)), 0);
	}
	tracker__flush(t);
	assert_int_equal(nclosed, 3);
	for (i = 0; i < nclosed; i++) {
		assert_int_equal(closed[i].oom_event.id, 110);
		assert_from_log(&closed[i].ctx, ctr);
	}
	tracker__free(t);
	kmsg_log__free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_invoked),
		cmocka_unit_test(test_parse_summary),
		cmocka_unit_test(test_join_basic),
		cmocka_unit_test(test_parse_killed_rss),
		cmocka_unit_test(test_incident_kill_rss),
		cmocka_unit_test(test_two_kills_one_ms),
		cmocka_unit_test(test_ratelimited_second),
		cmocka_unit_test(test_summary_pid_matches_no_kill),
		cmocka_unit_test(test_lost_lines),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_global_oom),
		cmocka_unit_test(test_reasons_without_log),
		cmocka_unit_test(test_given_log),
		cmocka_unit_test(test_group_member),
		cmocka_unit_test(test_group_inherits),
		cmocka_unit_test(test_oom_control_wins),
		cmocka_unit_test(test_keep_newest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
