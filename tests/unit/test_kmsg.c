// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel log parser and block finder (src/rec/kmsg.c): every format it
 * accepts, what it refuses, the OOM line classifier (including comms that
 * imitate the kernel's own punctuation), and matching a victim's block by
 * pid and time.  Inputs are heap copies of exactly the length under test.
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

#include "core/tracker.h"
#include "rec/kmsg.h"

static int parse_record_copy(const char *s, size_t n, struct kmsg_line *out, char **keep)
{
	char *copy = malloc(n ? n : 1);

	memcpy(copy, s, n);
	*keep = copy;
	return kmsg__parse_record(copy, n, out);
}

static int parse_line_copy(const char *s, size_t n, struct kmsg_line *out, char **keep)
{
	char *copy = malloc(n ? n : 1);

	memcpy(copy, s, n);
	*keep = copy;
	return kmsg__parse_line(copy, n, out);
}

static void assert_text(const struct kmsg_line *l, const char *want)
{
	assert_int_equal(l->text_len, strlen(want));
	assert_memory_equal(l->text, want, l->text_len);
}

static void test_parse_record(void **state)
{
	static const char rec[] = "6,1234,5678901,-;oom_reaper: reaped process 42 (x), now "
				  "anon-rss:0kB\n SUBSYSTEM=mem\n DEVICE=+x\n";
	struct kmsg_line l;
	char *keep;

	assert_int_equal(parse_record_copy(rec, strlen(rec), &l, &keep), 0);
	assert_int_equal(l.level, 6);
	assert_int_equal(l.seq, 1234);
	assert_int_equal(l.ts_us, 5678901);
	assert_false(l.cont);
	assert_text(&l, "oom_reaper: reaped process 42 (x), now anon-rss:0kB");
	free(keep);

	/* CONFIG_PRINTK_CALLER adds fields; facility in the high bits */
	assert_int_equal(parse_record_copy("30,7,100,c,caller=T12;hello", 27, &l, &keep), 0);
	assert_int_equal(l.level, 6);
	assert_true(l.cont);
	assert_text(&l, "hello");
	free(keep);
}

static void test_parse_record_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"no semicolon",
		"6,1,2;msg",                  /* no flags */
		"6,1,2,x;msg",                /* unknown flag */
		"6,1,2,-x;msg",               /* junk after the flag */
		"a,1,2,-;msg",
		"6,,2,-;msg",
		"6,1,99999999999999999999999,-;msg", /* overflow */
		"6,1,18446744073709552,-;msg",       /* us -> ns would overflow */
	};
	struct kmsg_line l;
	char *keep;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_record_copy(bad[i], strlen(bad[i]), &l, &keep), -EINVAL);
		free(keep);
	}
}

static void test_parse_line_formats(void **state)
{
	struct kmsg_line l;
	char *keep;
	const char *s;

	s = "[ 3620.001000] Memory cgroup out of memory: Killed process 4630 (x)";
	assert_int_equal(parse_line_copy(s, strlen(s), &l, &keep), 0);
	assert_int_equal(l.ts_us, 3620001000ull);
	assert_int_equal(l.level, -1);
	assert_text(&l, "Memory cgroup out of memory: Killed process 4630 (x)");
	free(keep);

	s = "<3>[   12.5] short fraction\r\n";
	assert_int_equal(parse_line_copy(s, strlen(s), &l, &keep), 0);
	assert_int_equal(l.ts_us, 12500000ull);
	assert_int_equal(l.level, 3);
	assert_text(&l, "short fraction");
	free(keep);

	s = "[ 3620.001000] lab-host kernel: oom_reaper: unable to reap pid:7 (y)";
	assert_int_equal(parse_line_copy(s, strlen(s), &l, &keep), 0);
	assert_text(&l, "oom_reaper: unable to reap pid:7 (y)");
	free(keep);

	s = "4,99,3620001000,-;a /dev/kmsg line";
	assert_int_equal(parse_line_copy(s, strlen(s), &l, &keep), 0);
	assert_int_equal(l.seq, 99);
	assert_text(&l, "a /dev/kmsg line");
	free(keep);

	/* dmesg -T: no kernel timestamp to match on */
	s = "[Tue Nov 25 18:30:20 2026] Killed process 1 (init)";
	assert_int_equal(parse_line_copy(s, strlen(s), &l, &keep), -EINVAL);
	free(keep);
	s = "[ 12.] x";
	assert_int_equal(parse_line_copy(s, strlen(s), &l, &keep), -EINVAL);
	free(keep);
	s = "<6 [1.0] x";
	assert_int_equal(parse_line_copy(s, strlen(s), &l, &keep), -EINVAL);
	free(keep);
}

/* Every prefix of every sample line: accepted or refused, never an overread. */
static void test_every_prefix(void **state)
{
	static const char *const samples[] = {
		"6,1234,5678901,-;oom_reaper: reaped process 42 (x)\n KEY=v\n",
		"<4>[ 3620.001000] h kernel: oom-kill:constraint=X,task=a,pid=5,uid=0",
		"[    0.000000] Linux version 6.18.0",
	};
	struct kmsg_line l;
	char *keep;
	size_t i, n;
	uint32_t pid;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		for (n = 0; n <= strlen(samples[i]); n++) {
			if (parse_line_copy(samples[i], n, &l, &keep) == 0) {
				assert_true(l.text >= keep && l.text + l.text_len <= keep + n);
				kmsg__classify(l.text, l.text_len, &pid);
			}
			free(keep);
		}
	}
}

static void test_classify(void **state)
{
	static const struct {
		const char *text;
		enum kmsg_kind kind;
		uint32_t pid;
	} cases[] = {
		{ "memhog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0", KMSG_OOM_INVOKED, 0 },
		{ "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),task=a,pid=4630,uid=1000",
		  KMSG_OOM_SUMMARY, 4630 },
		/* a comm that contains ",pid=1": the last one is the kernel's */
		{ "oom-kill:constraint=CONSTRAINT_NONE,task=x,pid=1,pid=77,uid=0", KMSG_OOM_SUMMARY, 77 },
		{ "Memory cgroup out of memory: Killed process 4630 (stuck) total-vm:1kB", KMSG_KILLED,
		  4630 },
		{ "Out of memory: Killed process 12 (a) total-vm:1kB", KMSG_KILLED, 12 },
		{ "oom_reaper: reaped process 4519 (fuse-victim), now anon-rss:0kB", KMSG_REAPED, 4519 },
		{ "oom_reaper: unable to reap pid:4630 (stuck-victim)", KMSG_UNABLE, 4630 },
		{ "Killed process (no pid)", KMSG_OTHER, 0 },
		{ "Killed process 0 (swapper)", KMSG_OTHER, 0 },
		{ "Killed process 99999999999 (too big)", KMSG_OTHER, 0 },
		{ "Mem-Info:", KMSG_OTHER, 0 },
	};
	size_t i;
	uint32_t pid;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(kmsg__classify(cases[i].text, strlen(cases[i].text), &pid),
				 cases[i].kind);
		assert_int_equal(pid, cases[i].pid);
	}
}

static const char LOG[] =
	"[ 100.000000] boot noise\n"
	"[ 119.997000] memhog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0\n"
	"[ 119.997000] Call Trace:\n"
	"[ 119.999000] oom-kill:constraint=CONSTRAINT_MEMCG,task=stuck,pid=4630,uid=1000\n"
	"[ 120.001000] Memory cgroup out of memory: Killed process 4630 (stuck) total-vm:1kB\n"
	"[ 120.500000] unrelated line\n"
	"[ 122.943000] oom_reaper: unable to reap pid:4630 (stuck)\n"
	"[ 122.999000] memhog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0\n"
	"[ 123.001000] Memory cgroup out of memory: Killed process 4635 (memhog) total-vm:1kB\n"
	"garbage line\n"
	"6,5,500000000,-;Out of memory: Killed process 4630 (reused) total-vm:1kB\n"
	" SUBSYSTEM=ignored\n";

static void test_find_block(void **state)
{
	struct kmsg_log k;
	struct kmsg_block b;

	kmsg_log__init(&k);
	assert_int_equal(kmsg_log__add_text(&k, LOG, strlen(LOG)), 0);
	kmsg_log__sort(&k);
	assert_int_equal(k.n, 10);
	assert_int_equal(k.rejected, 1);

	/* victim 4630, killed at mono 120.000 s: invoked .. Killed, then "unable" */
	assert_true(kmsg_log__find_block(&k, 4630, 4630, 120000000000ull, &b));
	assert_int_equal(b.first, 1);
	assert_int_equal(b.last, 4);
	assert_int_equal(b.nextra, 1);
	assert_int_equal(k.v[b.extra[0]].kind, KMSG_UNABLE);

	/* victim 4635: its block starts at its own dump, not the first one */
	assert_true(kmsg_log__find_block(&k, 4635, 4635, 123000000000ull, &b));
	assert_int_equal(b.first, 7);
	assert_int_equal(b.last, 8);
	assert_int_equal(b.nextra, 0);

	/* pid 4630 reused at 500 s: the nearest kill in time wins */
	assert_true(kmsg_log__find_block(&k, 4630, 0, 500000000000ull, &b));
	assert_int_equal(b.first, b.last);
	assert_non_null(strstr(kmsg_log__text(&k, &k.v[b.last]), "(reused)"));

	/* outside every window, or an unknown pid: nothing */
	assert_false(kmsg_log__find_block(&k, 4630, 4630, 300000000000ull, &b));
	assert_false(kmsg_log__find_block(&k, 1, 1, 120000000000ull, &b));
	assert_false(kmsg_log__find_block(&k, 0, 0, 120000000000ull, &b));
	kmsg_log__free(&k);
}

static int parse_killed_copy(const char *s, struct kmsg_killed *k)
{
	size_t n = strlen(s);
	char *copy = malloc(n ? n : 1);
	int err;

	memcpy(copy, s, n);
	err = kmsg__parse_killed(copy, n, k);
	free(copy);
	return err;
}

static void test_parse_killed(void **state)
{
	struct kmsg_killed k;

	(void)state;
	assert_int_equal(parse_killed_copy("Memory cgroup out of memory: Killed process 26362 "
					   "(rlvictim) total-vm:104512kB, anon-rss:102400kB, "
					   "file-rss:1420kB, shmem-rss:704kB, UID:1000 "
					   "pgtables:236kB oom_score_adj:-17",
					   &k),
			 0);
	assert_int_equal(k.pid, 26362);
	assert_string_equal(k.comm, "rlvictim");
	assert_int_equal(k.total_vm_kb, 104512);
	assert_int_equal(k.rss_kb[0], 102400);
	assert_int_equal(k.rss_kb[1], 1420);
	assert_int_equal(k.rss_kb[2], 704);
	assert_int_equal(k.uid, 1000);
	assert_int_equal(k.pgtables_kb, 236);
	assert_int_equal(k.oom_score_adj, -17);
	/* a comm that imitates the kernel's own words: the last ") total-vm:" is the kernel's */
	assert_int_equal(parse_killed_copy("Out of memory: Killed process 7 (a) total-vm:1kB) "
					   "total-vm:8kB, anon-rss:4kB, file-rss:0kB, "
					   "shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:1000",
					   &k),
			 0);
	assert_string_equal(k.comm, "a) total-vm:1kB");
	assert_int_equal(k.total_vm_kb, 8);
	assert_int_equal(k.oom_score_adj, 1000);
	/* cut short, an old shape, out of range: refused, never half read */
	assert_int_equal(parse_killed_copy("Out of memory: Killed process 7 (a) total-vm:8kB, "
					   "anon-rss:4kB, file-rss:0kB, shmem-rss:0kB, UID:0",
					   &k),
			 -EINVAL);
	assert_int_equal(parse_killed_copy("Killed process 7 (a) total-vm:1kB", &k), -EINVAL);
	assert_int_equal(parse_killed_copy("Out of memory: Killed process 7 (a) total-vm:8kB, "
					   "anon-rss:4kB, file-rss:0kB, shmem-rss:0kB, UID:0 "
					   "pgtables:4kB oom_score_adj:1001",
					   &k),
			 -EINVAL);
	assert_int_equal(parse_killed_copy("Out of memory: Killed process 7 (a very long name "
					   "here) total-vm:8kB, anon-rss:4kB, file-rss:0kB, "
					   "shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0",
					   &k),
			 -EINVAL);
}

static const char JOIN_LOG[] =
	"[ 199.990000] memhog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, "
	"oom_score_adj=0\n"
	"[ 199.995000] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
	"mems_allowed=0,oom_memcg=/lab,task_memcg=/lab,task=rlvictim,pid=5150,uid=1000\n"
	"[ 200.000000] Memory cgroup out of memory: Killed process 5150 (rlvictim) "
	"total-vm:104512kB, anon-rss:102400kB, file-rss:1420kB, shmem-rss:704kB, UID:1000 "
	"pgtables:236kB oom_score_adj:0\n"
	"[ 202.020000] oom_reaper: reaped process 5150 (rlvictim), now anon-rss:0kB, "
	"file-rss:12kB, shmem-rss:0kB\n"
	"[ 300.000000] Memory cgroup out of memory: Killed process 5151 (later) "
	"total-vm:8kB, anon-rss:4kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB "
	"oom_score_adj:0\n";

static void test_incident_join(void **state)
{
	struct oomreap_incident *inc = calloc(1, sizeof(*inc));
	struct kmsg_log k;

	(void)state;
	kmsg_log__init(&k);
	assert_int_equal(kmsg_log__add_text(&k, JOIN_LOG, strlen(JOIN_LOG)), 0);
	kmsg_log__sort(&k);

	/* first seen at the reaper's wake, 2 s after the kill line */
	inc->pid = 5150;
	inc->opened_ns = 202000000000ull;
	oom_context__missing(&inc->ctx, CTX_WHY_NO_TASK);
	assert_true(kmsg__incident_join(&k, 0, inc, 4096));
	assert_true(inc->identity_from_log);
	assert_false(inc->have_identity);
	assert_int_equal(inc->kill_log_ns, 200000000000ull);
	assert_string_equal(inc->comm, "rlvictim");
	assert_int_equal(inc->uid, 1000);
	assert_true(inc->have_rss_at_kill);
	assert_int_equal(inc->rss_at_kill_pages[OOMREAP_RSS_ANON], 102400 / 4);
	assert_int_equal(inc->rss_at_kill_pages[OOMREAP_RSS_FILE], 1420 * 1024 / 4096);
	assert_int_equal(inc->pgtables_bytes, 236 * 1024);
	assert_int_equal(inc->total_vm_pages, 104512 / 4);
	/* the oom-kill line's context, said to be the log's */
	assert_int_equal(inc->ctx.src[CTXF_CONSTRAINT], CTX_SRC_KERNEL_LOG);
	assert_int_equal(inc->ctx.src[CTXF_DOMAIN], CTX_SRC_KERNEL_LOG);
	assert_string_equal(inc->ctx.domain, "/lab");
	assert_int_equal(inc->ctx.src[CTXF_TRIGGER], CTX_SRC_KERNEL_LOG);
	/* joined once: a second call changes nothing */
	assert_false(kmsg__incident_join(&k, 0, inc, 4096));

	/* a kill line after the first event is another victim's (a reused pid) */
	memset(inc, 0, sizeof(*inc));
	inc->pid = 5151;
	inc->opened_ns = 299000000000ull;
	assert_false(kmsg__incident_join(&k, 0, inc, 4096));
	assert_false(inc->identity_from_log);
	/* nor does a kill seen by its event join again */
	memset(inc, 0, sizeof(*inc));
	inc->pid = 5150;
	inc->opened_ns = 202000000000ull;
	inc->have_identity = true;
	assert_false(kmsg__incident_join(&k, 0, inc, 4096));
	/* no log: nothing joined, the context says why */
	memset(inc, 0, sizeof(*inc));
	inc->pid = 5150;
	inc->opened_ns = 202000000000ull;
	assert_false(kmsg__incident_join(NULL, CTX_WHY_LOG_NOT_READ, inc, 4096));
	assert_int_equal(inc->ctx.why[CTXF_CONSTRAINT], CTX_WHY_LOG_NOT_READ);
	kmsg_log__free(&k);
	free(inc);
}

static void test_add_record_and_bounds(void **state)
{
	struct kmsg_log k;
	char big[KMSG_LINE_MAX * 2 + 32];

	kmsg_log__init(&k);
	assert_int_equal(kmsg_log__add_record(&k, "nope", 4), -EINVAL);
	assert_int_equal(k.rejected, 1);
	memset(big, 'x', sizeof(big));
	memcpy(big, "6,1,1,-;", 8);
	assert_int_equal(kmsg_log__add_record(&k, big, sizeof(big)), 0);
	assert_int_equal(k.v[0].text_len, KMSG_LINE_MAX); /* clipped, not refused */
	assert_int_equal(kmsg_log__text(&k, &k.v[0])[KMSG_LINE_MAX], 0);
	kmsg_log__free(&k);
}

/*
 * A process that writes /dev/kmsg gets its own facility (LOG_USER, 1, by
 * default): its "Killed process" or "unable to reap" lines are kept as
 * text and never taken for the kernel's.
 */
static void test_forged_lines(void **state)
{
	static const char *lines[] = {
		"6,10,120001000,-;Memory cgroup out of memory: Killed process 4630 (a) total-vm:1kB",
		"14,11,120002000,-;Memory cgroup out of memory: Killed process 4631 (b) total-vm:1kB",
		"12,12,122943000,-;oom_reaper: unable to reap pid:4630 (a)",
		"3,13,122944000,-;oom_reaper: reaped process 4630 (a), now anon-rss:0kB",
	};
	static const char text[] = "<14>[ 122.945000] oom_reaper: unable to reap pid:4630 (a)\n"
				   "<6>[ 122.946000] oom_reaper: unable to reap pid:4630 (a)\n";
	struct kmsg_line ln;
	struct kmsg_log k;
	struct kmsg_block b;
	size_t i;

	(void)state;
	assert_int_equal(kmsg__parse_record(lines[1], strlen(lines[1]), &ln), 0);
	assert_true(ln.not_kernel);
	assert_int_equal(ln.level, 6);
	assert_int_equal(kmsg__parse_record(lines[0], strlen(lines[0]), &ln), 0);
	assert_false(ln.not_kernel);
	kmsg_log__init(&k);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(kmsg_log__add_record(&k, lines[i], strlen(lines[i])), 0);
	assert_int_equal(kmsg_log__add_text(&k, text, strlen(text)), 0);
	kmsg_log__sort(&k);
	assert_int_equal(k.n, 6);
	assert_int_equal(k.v[0].kind, KMSG_KILLED);
	assert_int_equal(k.v[1].kind, KMSG_OTHER); /* user.info */
	assert_int_equal(k.v[1].pid, 0);
	assert_int_equal(k.v[2].kind, KMSG_OTHER); /* user.warning */
	assert_int_equal(k.v[3].kind, KMSG_REAPED); /* kern.err */
	assert_int_equal(k.v[4].kind, KMSG_OTHER); /* <14> in a dmesg -r dump */
	assert_int_equal(k.v[5].kind, KMSG_UNABLE);
	/* the forged kill is not found; the real one's verdicts are the kernel's two */
	assert_false(kmsg_log__find_block(&k, 4631, 4631, 120002000000ull, &b));
	assert_true(kmsg_log__find_block(&k, 4630, 4630, 120001000000ull, &b));
	assert_int_equal(b.nextra, 2);
	assert_int_equal(k.v[b.extra[0]].kind, KMSG_REAPED);
	assert_int_equal(k.v[b.extra[1]].kind, KMSG_UNABLE);
	kmsg_log__free(&k);
}

/* A line's stamp has the bound of every recorded stamp (2^62 ns), in every format. */
static void test_stamp_bound(void **state)
{
	static const char at[] = "6,1,4611686018427387,-;at the bound";
	static const char past[] = "6,1,4611686018427388,-;past it";
	static const char dmesg_past[] = "[4611686018427.388000] past it";
	struct kmsg_line ln;

	(void)state;
	assert_int_equal(kmsg__parse_record(at, sizeof(at) - 1, &ln), 0);
	assert_int_equal(kmsg__parse_record(past, sizeof(past) - 1, &ln), -EINVAL);
	assert_int_equal(kmsg__parse_line(dmesg_past, sizeof(dmesg_past) - 1, &ln), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_record),
		cmocka_unit_test(test_parse_record_rejects),
		cmocka_unit_test(test_parse_line_formats),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_find_block),
		cmocka_unit_test(test_parse_killed),
		cmocka_unit_test(test_incident_join),
		cmocka_unit_test(test_add_record_and_bounds),
		cmocka_unit_test(test_stamp_bound),
		cmocka_unit_test(test_forged_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
