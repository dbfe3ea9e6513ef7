// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What filled the memory (core/oom_report.h, rec/oom_report_parse.c): the
 * kernel's OOM report read from the lines its kernels print (5.10's task
 * table and joined memory.stat, 6.x's split RSS columns, cgroup v1 and v2,
 * a global OOM's Mem-Info), and against hostile input: a task named like
 * a kernel line, a table cut by lost lines, two reports mixed, no table.
 * Never a wrong row; every gap counted or said.  Cases with the same checks
 * are rows of a table (a failed row names itself), a log a table of lines.
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

#include "core/incident.h"
#include "core/oom_context.h"
#include "core/tracker.h"
#include "rec/kmsg.h"
#include "rec/oom_report_parse.h"

#define SLAB_HDR "Name                      Used          Total"

/* In a table's loop: a mismatch names its case. */
#define CASE_EQ(what, a, b)                                                         \
	do {                                                                        \
		if ((uint64_t)(a) != (uint64_t)(b))                                 \
			fail_msg("%s: %s is %llu, not %llu", what, #a,              \
				 (unsigned long long)(a), (unsigned long long)(b)); \
	} while (0)

static const char HDR_NEW[] = "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file "
			      "rss_shmem pgtables_bytes swapents oom_score_adj name";
static const char HDR_OLD[] =
	"[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name";

struct logb {
	struct kmsg_log l;
	uint64_t seq, ts_us;
};

static void add(struct logb *b, const char *text)
{
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "6,%llu,%llu,-;%s\n", (unsigned long long)b->seq++,
			 (unsigned long long)b->ts_us, text);

	b->ts_us += 10;
	assert_int_equal(kmsg_log__add_record(&b->l, buf, (size_t)n), 0);
}

static void addf(struct logb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct logb *b, const char *fmt, ...)
{
	char t[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t, sizeof(t), fmt, ap);
	va_end(ap);
	add(b, t);
}

static void start(struct logb *b)
{
	kmsg_log__init(&b->l);
	b->seq = 100;
	b->ts_us = 50000000;
}

/* A row as dump_task() prints it (6.x, split RSS). */
static void row_new(struct logb *b, int pid, int tgid, unsigned long rss_anon, unsigned long rss_file,
		    short adj, const char *name)
{
	addf(b, "[%7d] %5d %5d %8lu %8lu %8lu %8lu %9lu %8ld %8lu         %5hd %s", pid, 0, tgid,
	     rss_anon + rss_file + 1000, rss_anon + rss_file, rss_anon, rss_file, 0ul, 65536l, 0ul,
	     adj, name);
}

static void head(struct logb *b, const char *trigger)
{
	addf(b, "%s invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
	     trigger);
	add(b, "CPU: 1 UID: 0 PID: 8647 Comm: memhog Not tainted 6.18.44 #1 PREEMPT(none) ");
	add(b, "Call Trace:");
	add(b, " dump_header+0x43/0x1c0");
}

/* A memcg's report up to its task table's header (6.x columns), the
 * domain at its limit: what most cases begin with. */
static void memcg_table(struct logb *b, const char *trigger, unsigned int kb)
{
	head(b, trigger);
	addf(b, "memory: usage %ukB, limit %ukB, failcnt 0", kb, kb);
	add(b, "Tasks state (memory values in pages):");
	add(b, HDR_NEW);
}

static void summary(struct logb *b, const char *memcg, const char *comm, int pid)
{
	if (memcg)
		addf(b, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
			"oom_memcg=%s,task_memcg=%s,task=%s,pid=%d,uid=0",
		     memcg, memcg, comm, pid);
	else
		addf(b, "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,"
			"global_oom,task_memcg=/x,task=%s,pid=%d,uid=0",
		     comm, pid);
	addf(b, "Memory cgroup out of memory: Killed process %d (%s) total-vm:1kB, anon-rss:1kB, "
		"file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0",
	     pid, comm);
}

/* A row of dump_unreclaimable_slab(). */
static void slab_row(struct logb *b, const char *name, unsigned long used_kb, unsigned long total_kb)
{
	addf(b, "%-17s %10luKB %10luKB", name, used_kb, total_kb);
}

/*
 * Log lines given as a table, NULL-terminated: each added as is, but for
 * four verbs: "@head TRIGGER" (head()), "@row PID RSS_ANON RSS_FILE NAME"
 * (row_new(), tgid = pid, adj 0), "@slab NAME USED TOTAL" (slab_row()) and
 * "@lost N" (N lines the reader never got).
 */
static void script(struct logb *b, const char *const *lines)
{
	char name[64];
	unsigned long x, y, z;
	int pid;

	for (; *lines; lines++) {
		const char *l = *lines;

		if (!strncmp(l, "@head ", 6))
			head(b, l + 6);
		else if (sscanf(l, "@row %d %lu %lu %63[^\n]", &pid, &x, &z, name) == 4)
			row_new(b, pid, pid, x, z, 0, name);
		else if (sscanf(l, "@slab %63s %lu %lu", name, &x, &y) == 3)
			slab_row(b, name, x, y);
		else if (sscanf(l, "@lost %lu", &x) == 1)
			b->seq += x;
		else if (l[0] == '@')
			fail_msg("script: %s", l);
		else
			add(b, l);
	}
}

/* The incident of the victim pid, its context joined from b's log. */
static void join(struct logb *b, struct oomreap_incident *inc, int pid, const char *comm,
		 const char *cgroup, int trigger)
{
	kmsg_log__sort(&b->l);
	memset(inc, 0, sizeof(*inc));
	inc->have_identity = true;
	inc->pid = inc->tgid = (uint32_t)pid;
	inc->trigger_tgid = (uint32_t)trigger;
	strncpy(inc->comm, comm, sizeof(inc->comm) - 1);
	strncpy(inc->cgroup_path, cgroup, sizeof(inc->cgroup_path) - 1);
	inc->kill_ns = b->ts_us * 1000;
	inc->oom_event.index = 1;
	oom_context__missing(&inc->ctx, CTX_WHY_LOG_NOT_READ);
	kmsg__incident_context(&b->l, 0, inc);
}

/* inc's sentence (text, 4 KiB pages) is want (whole), or holds it. */
static void sentence(const struct oomreap_incident *inc, bool whole, const char *want)
{
	char s[1024];

	oom_report__sentence(s, sizeof(s), &inc->ctx, 4096, ESCAPE_TEXT);
	if (whole ? strcmp(s, want) != 0 : !strstr(s, want))
		fail_msg("the sentence \"%s\" %s \"%s\"", s, whole ? "is not" : "lacks", want);
}

/* The end of a memcg OOM's report in /c: comm (pid) killed, and joined. */
static void memcg_end(struct logb *b, struct oomreap_incident *inc, const char *comm, int pid)
{
	summary(b, "/c", comm, pid);
	join(b, inc, pid, comm, "/c", 0);
}

static void test_counter(void **state)
{
	static const struct {
		const char *line;
		int kind;
		uint64_t usage_kb, limit_kb, failcnt;
		bool unlimited;
	} cases[] = {
		{ "memory: usage 65536kB, limit 65536kB, failcnt 37", OOMR_CTR_MEMORY, 65536, 65536, 37, false },
		{ "swap: usage 0kB, limit 0kB, failcnt 0", OOMR_CTR_SWAP, 0, 0, 0, false },
		{ "memory+swap: usage 1kB, limit 9007199254740988kB, failcnt 0", OOMR_CTR_MEMSW, 1, 9007199254740988ull, 0, true },
		{ "kmem: usage 144kB, limit 9007199254740988kB, failcnt 0", OOMR_CTR_KMEM, 144, 9007199254740988ull, 0, true },
	};
	const char *ok = cases[0].line;
	struct oomr_counter c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&c, 0, sizeof(c));
		assert_int_equal(oomr__parse_counter(cases[i].line, strlen(cases[i].line), &c),
				 cases[i].kind);
		assert_true(c.have);
		assert_int_equal(c.usage_kb, cases[i].usage_kb);
		assert_int_equal(c.limit_kb, cases[i].limit_kb);
		assert_int_equal(c.failcnt, cases[i].failcnt);
		assert_int_equal(oomr__unlimited(c.limit_kb), cases[i].unlimited);
	}
	/*
	 * Every cut is refused but inside the last number, which no format can
	 * tell (/dev/kmsg hands out whole records; only a file can be cut so)
	 */
	for (i = 0; i < strlen(ok); i++)
		if (oomr__parse_counter(ok, i, &c) != -EINVAL)
			assert_true(i > strlen(ok) - 2);
	assert_int_equal(oomr__parse_counter("memory: usage 1kB, limit 2kB, failcnt 3 x", 41, &c),
			 -EINVAL);
}

static void test_rows(void **state)
{
	struct oomr_task t;
	bool split;
	char line[256];
	size_t i;
	static const char old_row[] =
		"[    241]     0   241     2314     2226    53248        0             0 1 2 3 4 x";
	static const char new_row[] = "[   8647]     0  8647    66155    16669    16320      349         0   176128        0           100 memhog";

	/* out of range: oom_score_adj past 1000, pid 0, a negative page table; beside each its twin in range */
	static const struct {
		const char *row;
		bool split;
		int ret;
	} bounds[] = {
		{ "[      1]     0     1        1        1        1        0         0     4096        0          1001 x", true, -EINVAL },
		{ "[      1]     0     1        1        1        1        0         0     4096        0          1000 x", true, 0 },
		{ "[      0]     0     1        1        1     4096        0             0 x", false, -EINVAL },
		{ "[      1]     0     1        1        1     4096        0             0 x", false, 0 },
		{ "[      1]     0     1        1        1    -4096        0             0 x", false, -EINVAL },
	};

	(void)state;
	assert_int_equal(oomr__parse_task_header(HDR_NEW, strlen(HDR_NEW), &split), 0);
	assert_true(split);
	assert_int_equal(oomr__parse_task_header(HDR_OLD, strlen(HDR_OLD), &split), 0);
	assert_false(split);
	assert_int_equal(oomr__parse_task_header(HDR_OLD, strlen(HDR_OLD) - 1, &split), -EINVAL);

	assert_int_equal(oomr__parse_task_row(new_row, strlen(new_row), true, &t), 0);
	assert_int_equal(t.pid, 8647);
	assert_int_equal(t.tgid, 8647);
	assert_int_equal(t.total_vm, 66155);
	assert_int_equal(t.rss, 16669);
	assert_int_equal(t.rss_anon, 16320);
	assert_int_equal(t.rss_file, 349);
	assert_int_equal(t.rss_shmem, 0);
	assert_int_equal(t.pgtables_bytes, 176128);
	assert_int_equal(t.swapents, 0);
	assert_int_equal(t.oom_score_adj, 100);
	assert_string_equal(t.name, "memhog");

	/* a name of numbers: counted by the header's format, the rest is the name */
	assert_int_equal(oomr__parse_task_row(old_row, strlen(old_row), false, &t), 0);
	assert_int_equal(t.rss, 2226);
	assert_int_equal(t.pgtables_bytes, 53248);
	assert_int_equal(t.oom_score_adj, 0);
	assert_string_equal(t.name, "1 2 3 4 x");
	/* the same line read in the other format gives other numbers: the header says which */
	assert_int_equal(oomr__parse_task_row(old_row, strlen(old_row), true, &t), 0);
	assert_int_equal(t.oom_score_adj, 3);

	/* a name like a kernel line */
	snprintf(line, sizeof(line), "[%7d] %5d %5d %8lu %8lu %8lu %8lu %9lu %8ld %8lu         %5hd %s",
		 9, 0, 9, 1ul, 1ul, 1ul, 0ul, 0ul, 4096l, 0ul, (short)-1000, "oom-kill:constr");
	assert_int_equal(oomr__parse_task_row(line, strlen(line), true, &t), 0);
	assert_string_equal(t.name, "oom-kill:constr");
	assert_int_equal(t.oom_score_adj, -1000);
	/* every cut before oom_score_adj is refused (the rest: as for the counters) */
	for (i = 0; i < strlen(new_row) - strlen("100 memhog"); i++)
		assert_int_equal(oomr__parse_task_row(new_row, i, true, &t), -EINVAL);
	for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++)
		assert_int_equal(oomr__parse_task_row(bounds[i].row, strlen(bounds[i].row), bounds[i].split,
						      &t),
				 bounds[i].ret);
}

static void test_meminfo_and_stat(void **state)
{
	struct oomr_kv kv;
	const char *k;
	size_t kl;
	uint64_t v;
	static const char joined[] =
		"active_anon:1 inactive_anon:25000 isolated_anon:0\\x0a active_file:10 "
		"inactive_file:20 isolated_file:0\\x0a unevictable:0 dirty:0 writeback:0\\x0a "
		"slab_reclaimable:300 slab_unreclaimable:400\\x0a mapped:5 shmem:6 pagetables:70\\x0a "
		"sec_pagetables:0 bounce:0\\x0a kernel_misc_reclaimable:0\\x0a free:1234 free_pcp:5 "
		"free_cma:0";

	(void)state;
	memset(&kv, 0, sizeof(kv));
	assert_int_equal(oomr__parse_meminfo(joined, strlen(joined), &kv), 20);
	assert_true(oomr_kv__get(&kv, "free", &v));
	assert_int_equal(v, 1234);
	assert_true(oomr_kv__get(&kv, "slab_unreclaimable", &v));
	assert_int_equal(v, 400);
	assert_true(oomr_kv__get(&kv, "pagetables", &v));
	assert_int_equal(v, 70);
	assert_false(oomr_kv__get(&kv, "Node", &v));
	memset(&kv, 0, sizeof(kv));
	assert_int_equal(oomr__parse_meminfo("active_anon:1 x", 15, &kv), -EINVAL);

	assert_int_equal(oomr__parse_stat("anon 66748416", 13, &k, &kl, &v), 0);
	assert_int_equal(kl, 4);
	assert_int_equal(v, 66748416);
	assert_int_equal(oomr__parse_stat("anon 66748416 ", 14, &k, &kl, &v), -EINVAL);
	assert_int_equal(oomr__parse_stat("Tasks state", 11, &k, &kl, &v), -EINVAL);
	assert_int_equal(oomr__parse_stat("anon -1", 7, &k, &kl, &v), -EINVAL);
}

/* cgroup v1, 6.18: the lines this project's machine prints, as its kmsg has them */
static void test_v1_host(void **state)
{
	static const char *const lines[] = {
		"@head memhog", "memory: usage 65536kB, limit 65536kB, failcnt 0",
		"memory+swap: usage 65536kB, limit 65536kB, failcnt 0",
		"kmem: usage 144kB, limit 9007199254740988kB, failcnt 0", "Memory cgroup stats for /t/a:",
		"cache 0", "rss 66961408", "shmem 0", "total_cache 4096", "total_rss 66961408", "total_shmem 0",
		"Tasks state (memory values in pages):", HDR_NEW,
		"[   8647]     0  8647    66155    16669    16320      349         0   176128        0           100 memhog",
		NULL
	};
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;
	uint64_t v;

	(void)state;
	start(&b);
	script(&b, lines);
	summary(&b, "/t/a", "memhog", 8647);
	join(&b, &inc, 8647, "memhog", "/t/a", 8647);

	assert_int_equal(r->src[OOMR_DOMAIN], CTX_SRC_KERNEL_LOG);
	assert_int_equal(r->memory.usage_kb, 65536);
	assert_true(r->memsw.have);
	assert_true(r->kmem.have);
	assert_false(r->swap.have);
	assert_int_equal(r->src[OOMR_MEMORY_STAT], CTX_SRC_KERNEL_LOG);
	assert_int_equal(r->stat.n, 6);
	assert_true(oomr_kv__get(&r->stat, "total_rss", &v));
	assert_int_equal(v, 66961408);
	assert_int_equal(r->src[OOMR_TASKS], CTX_SRC_KERNEL_LOG);
	assert_int_equal(r->ntasks, 1);
	assert_int_equal(r->tasks[0].flags, OOMR_TASK_VICTIM | OOMR_TASK_TRIGGER);
	assert_true(r->victim_listed);
	assert_int_equal(r->src[OOMR_MEMINFO], CTX_SRC_NONE);
	assert_int_equal(r->why[OOMR_MEMINFO], OOMR_WHY_MEMCG);
	assert_int_equal(r->lines_lost, 0);
	sentence(&inc, true, "The memcg was at its 64.0MiB limit; memhog (the victim) held 63.8MiB "
			     "of anonymous memory.");
	kmsg_log__free(&b.l);
}

/* 5.10: the old table, memory.stat in one record joined by \x0a */
static void test_v2_510_joined(void **state)
{
	static const char *const lines[] = {
		"@head stress", "memory: usage 131072kB, limit 131072kB, failcnt 12",
		"swap: usage 0kB, limit 9007199254740988kB, failcnt 0", "Memory cgroup stats for /w:",
		"anon 100000000\\x0afile 30000000\\x0akernel_stack 16384\\x0apercpu 0\\x0asock 0\\x0ashmem 4096\\x0a",
		"Tasks state (memory values in pages):", HDR_OLD, NULL
	};
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;
	uint64_t v;

	(void)state;
	start(&b);
	script(&b, lines);
	addf(&b, "[%7d] %5d %5d %8lu %8lu %8ld %8lu         %5hd %s", 300, 1000, 300, 30000ul,
	     24414ul, 262144l, 0ul, (short)0, "oom_victim");
	addf(&b, "[%7d] %5d %5d %8lu %8lu %8ld %8lu         %5hd %s", 301, 0, 301, 9000ul, 7000ul,
	     65536l, 0ul, (short)0, "stress");
	summary(&b, "/w", "oom_victim", 300);
	join(&b, &inc, 300, "oom_victim", "/w", 301);

	assert_int_equal(r->src[OOMR_DOMAIN], CTX_SRC_KERNEL_LOG);
	assert_true(r->swap.have);
	assert_false(r->memsw.have);
	assert_int_equal(r->src[OOMR_MEMORY_STAT], CTX_SRC_KERNEL_LOG);
	assert_int_equal(r->stat.n, 6);
	assert_true(oomr_kv__get(&r->stat, "shmem", &v));
	assert_int_equal(v, 4096);
	assert_false(r->tasks_split);
	assert_int_equal(r->ntasks, 2);
	assert_int_equal(r->tasks[0].tgid, 300);
	assert_int_equal(r->tasks[0].flags, OOMR_TASK_VICTIM);
	assert_int_equal(r->tasks[1].flags, OOMR_TASK_TRIGGER);
	assert_int_equal(r->tasks[0].uid, 1000);
	sentence(&inc, true, "The memcg was at its 128.0MiB limit; oom_victim (the victim) held "
			     "95.4MiB of RSS, stress (the trigger) 27.3MiB.");
	{
		const char *names[8];
		uint64_t bytes[8];
		int n = oom_report__breakdown(r, names, bytes, 8);

		assert_int_equal(n, 5);
		assert_string_equal(names[0], "anon");
		assert_int_equal(bytes[1], 30000000 - 4096); /* file without shmem */
		assert_int_equal(bytes[3], 16384);           /* kernel: its parts summed before 5.18 */
	}
	kmsg_log__free(&b.l);
}

/* The kernel cut a joined record at its record size: the cut key is not read. */
static void test_joined_cut(void **state)
{
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;
	char rec[1300];
	size_t n = 0;
	int i;
	uint64_t v;

	(void)state;
	for (i = 0; n < 1200; i++)
		n += (size_t)snprintf(rec + n, sizeof(rec) - n, "key_%02d 123456789\\x0a", i);
	/* 992 bytes in the kernel (5.10's LOG_LINE_MAX): "key_58 1", cut mid-value */
	rec[58 * 20 + 8] = 0;
	start(&b);
	head(&b, "a");
	add(&b, "memory: usage 1kB, limit 1kB, failcnt 0");
	add(&b, "Memory cgroup stats for /z:");
	add(&b, rec);
	summary(&b, "/z", "a", 7);
	join(&b, &inc, 7, "a", "/z", 0);
	assert_int_equal(r->src[OOMR_MEMORY_STAT], CTX_SRC_KERNEL_LOG);
	assert_int_equal(r->stat.dropped, 1);
	for (i = 0; i < r->stat.n; i++)
		assert_int_equal(r->stat.val[i], 123456789);
	assert_int_equal(r->stat.n, 58);
	assert_false(oomr_kv__get(&r->stat, "key_58", &v));
	kmsg_log__free(&b.l);
}

/* A dmesg file in syslog's form: a joined record's lines one by one, one stamp. */
static void test_syslog_file(void **state)
{
	static const char head_lines[] =
		"[   35.207627] a invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
		"[   35.210000] memory: usage 1024kB, limit 1024kB, failcnt 0\n"
		"[   35.210001] swap: usage 0kB, limit 0kB, failcnt 0\n"
		"[   35.210002] Memory cgroup stats for /s:\n";
	static const char tail_lines[] =
		"[   35.230000] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
		"mems_allowed=0,oom_memcg=/s,task_memcg=/s,task=a,pid=7,uid=0\n"
		"[   35.230100] Memory cgroup out of memory: Killed process 7 (a) total-vm:1kB, "
		"anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0\n";
	char buf[8192];
	size_t n;
	int i;
	struct kmsg_log l;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;
	uint64_t v;

	(void)state;
	/* 60 lines of one record, as syslog cut it: the last value may be short */
	n = (size_t)snprintf(buf, sizeof(buf), "%s", head_lines);
	for (i = 0; i < 60; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "[   35.219668] key_%02d 12345\n", i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s", tail_lines);
	kmsg_log__init(&l);
	assert_int_equal(kmsg_log__add_text(&l, buf, n), 0);
	kmsg_log__sort(&l);
	memset(&inc, 0, sizeof(inc));
	inc.have_identity = true;
	inc.pid = inc.tgid = 7;
	strcpy(inc.comm, "a");
	strcpy(inc.cgroup_path, "/s");
	inc.kill_ns = 35230100ull * 1000;
	inc.oom_event.index = 1;
	oom_context__missing(&inc.ctx, CTX_WHY_LOG_NOT_READ);
	kmsg__incident_context(&l, 0, &inc);
	assert_int_equal(r->src[OOMR_MEMORY_STAT], CTX_SRC_KERNEL_LOG);
	assert_int_equal(r->stat.n, 59);
	assert_int_equal(r->stat.dropped, 1);
	assert_false(oomr_kv__get(&r->stat, "key_59", &v));
	assert_true(oomr_kv__get(&r->stat, "key_58", &v));
	assert_int_equal(r->swap.usage_kb, 0);
	assert_true(r->swap.have);
	kmsg_log__free(&l);

	/* Mem-Info's summary, its lines one by one; then the node lines */
	n = (size_t)snprintf(buf, sizeof(buf),
			     "[   40.000000] h invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
			     "[   40.000001] Mem-Info:\n"
			     "[   40.000002] active_anon:1 inactive_anon:2 isolated_anon:0\n"
			     "[   40.000002]  active_file:3 inactive_file:4 isolated_file:0\n"
			     "[   40.000002]  free:555 free_pcp:6 free_cma:0\n"
			     "[   40.000003] Node 0 active_anon:4kB inactive_anon:8kB all_unreclaimable? no\n"
			     "[   40.100000] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,"
			     "mems_allowed=0,global_oom,task_memcg=/,task=h,pid=9,uid=0\n");
	kmsg_log__init(&l);
	assert_int_equal(kmsg_log__add_text(&l, buf, n), 0);
	kmsg_log__sort(&l);
	inc.pid = inc.tgid = 9;
	strcpy(inc.comm, "h");
	strcpy(inc.cgroup_path, "/");
	inc.kill_ns = 40100000ull * 1000;
	oom_context__missing(&inc.ctx, CTX_WHY_LOG_NOT_READ);
	kmsg__incident_context(&l, 0, &inc);
	assert_int_equal(r->src[OOMR_MEMINFO], CTX_SRC_KERNEL_LOG);
	assert_int_equal(r->meminfo.n, 9);
	assert_true(oomr_kv__get(&r->meminfo, "free", &v));
	assert_int_equal(v, 555);
	kmsg_log__free(&l);
}

static void test_global(void **state)
{
	static const char *const lines[] = {
		"@head hog", "Mem-Info:",
		"active_anon:1 inactive_anon:250000 isolated_anon:0\\x0a active_file:10 "
		"inactive_file:20 isolated_file:0\\x0a free:2560 free_pcp:5 free_cma:0",
		"Node 0 active_anon:4kB inactive_anon:1000000kB all_unreclaimable? yes",
		"Tasks state (memory values in pages):", HDR_NEW, "@row 10 240000 100 hog",
		"@row 1 1000 2000 systemd", NULL
	};
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;
	uint64_t v;

	(void)state;
	start(&b);
	script(&b, lines);
	summary(&b, NULL, "hog", 10);
	join(&b, &inc, 10, "hog", "/x", 10);
	assert_true(inc.ctx.global);
	assert_int_equal(r->src[OOMR_MEMINFO], CTX_SRC_KERNEL_LOG);
	assert_true(oomr_kv__get(&r->meminfo, "free", &v));
	assert_int_equal(v, 2560);
	assert_int_equal(r->src[OOMR_DOMAIN], CTX_SRC_NONE);
	assert_int_equal(r->why[OOMR_DOMAIN], OOMR_WHY_GLOBAL);
	assert_int_equal(r->why[OOMR_MEMORY_STAT], OOMR_WHY_GLOBAL);
	assert_int_equal(r->ntasks, 2);
	sentence(&inc, true, "The system was out of memory (10.0MiB free); hog (the victim) held "
			     "937.5MiB of anonymous memory, systemd 3.9MiB.");
	kmsg_log__free(&b.l);
}

/* More rows than kept: the largest, the victim even when smallest, the rest summed. */
static void test_cap(void **state)
{
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;
	uint64_t sum = 0, kept = 0;
	uint32_t i;
	char name[16];

	(void)state;
	start(&b);
	memcg_table(&b, "w", 1024);
	for (i = 1; i <= 40; i++) {
		snprintf(name, sizeof(name), "w%u", i);
		row_new(&b, (int)(1000 + i), (int)(1000 + i), i == 3 ? 1 : 100 * i, 0, 0, name);
		sum += i == 3 ? 1 : 100 * i;
	}
	summary(&b, "/c", "w3", 1003);
	join(&b, &inc, 1003, "w3", "/c", 1040);
	assert_int_equal(r->tasks_listed, 40);
	assert_int_equal(r->ntasks, OOMR_TASKS_MAX);
	assert_int_equal(r->listed_rss, sum);
	for (i = 0; i < r->ntasks; i++) {
		kept += r->tasks[i].rss;
		if (i)
			assert_true(r->tasks[i - 1].rss >= r->tasks[i].rss);
	}
	assert_int_equal(kept + r->rest_rss, sum);
	assert_int_equal(r->tasks[0].tgid, 1040);
	assert_int_equal(r->tasks[0].flags, OOMR_TASK_TRIGGER);
	assert_int_equal(r->tasks[r->ntasks - 1].tgid, 1003);
	assert_int_equal(r->tasks[r->ntasks - 1].flags, OOMR_TASK_VICTIM);
	assert_int_equal(r->tasks[r->ntasks - 2].tgid, 1030);
	kmsg_log__free(&b.l);
}

/* A table cut by lost lines: the rows read are right, the gap is counted. */
static void test_cut_table(void **state)
{
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;

	(void)state;
	start(&b);
	memcg_table(&b, "a", 1024);
	script(&b, (const char *const[]){ "@row 5 100 0 a", "@lost 3", "@row 9 50 0 b", NULL }); /* 3 rows never read */
	memcg_end(&b, &inc, "a", 5);
	assert_int_equal(r->src[OOMR_TASKS], CTX_SRC_KERNEL_LOG);
	assert_true(r->cut[OOMR_TASKS]);
	assert_false(r->cut[OOMR_DOMAIN]);
	assert_int_equal(r->lines_lost, 3);
	assert_int_equal(r->tasks_listed, 2);
	kmsg_log__free(&b.l);

	/* lost before any part began: the parts not seen may have been in the hole */
	start(&b);
	head(&b, "a");
	b.seq += 30;
	memcg_end(&b, &inc, "a", 5);
	assert_int_equal(r->src[OOMR_TASKS], CTX_SRC_NONE);
	assert_int_equal(r->why[OOMR_TASKS], OOMR_WHY_LINES_LOST);
	assert_int_equal(r->why[OOMR_DOMAIN], OOMR_WHY_LINES_LOST);
	assert_int_equal(r->lines_lost, 30);
	kmsg_log__free(&b.l);
}

/* vm.oom_dump_tasks=0, and a report the kernel ratelimited */
static void test_not_printed(void **state)
{
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;

	(void)state;
	start(&b);
	head(&b, "a");
	add(&b, "memory: usage 1024kB, limit 1024kB, failcnt 0");
	memcg_end(&b, &inc, "a", 5);
	assert_int_equal(r->src[OOMR_DOMAIN], CTX_SRC_KERNEL_LOG);
	assert_int_equal(r->why[OOMR_TASKS], OOMR_WHY_DUMP_TASKS_OFF);
	assert_int_equal(r->why[OOMR_MEMORY_STAT], OOMR_WHY_NOT_PRINTED);
	assert_string_equal(oom_report__reason(r, OOMR_TASKS),
			    "the kernel printed no task table (vm.oom_dump_tasks=0)");
	kmsg_log__free(&b.l);

	start(&b);
	addf(&b, "Memory cgroup out of memory: Killed process 5 (a) total-vm:1kB, anon-rss:1kB, "
		 "file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0");
	join(&b, &inc, 5, "a", "/c", 0);
	assert_int_equal(r->why[OOMR_TASKS], OOMR_WHY_NO_REPORT);
	assert_int_equal(r->ctx_why, CTX_WHY_RATELIMITED);
	assert_string_equal(oom_report__reason(r, OOMR_DOMAIN), ctx_missing__reason(CTX_WHY_RATELIMITED));
	kmsg_log__free(&b.l);

	/* no log at all */
	memset(&inc, 0, sizeof(inc));
	inc.have_identity = true;
	oom_context__missing(&inc.ctx, CTX_WHY_LOG_NOT_READ);
	kmsg__incident_context(NULL, CTX_WHY_LOG_UNREADABLE, &inc);
	assert_int_equal(r->why[OOMR_MEMINFO], OOMR_WHY_NO_REPORT);
	assert_int_equal(r->ctx_why, CTX_WHY_LOG_UNREADABLE);
}

/*
 * Two reports mixed (a merged or forged log): the part they mix is not
 * read, no row and no key is given to either; b (pid 6) is the victim.
 */
static void test_interleaved(void **state)
{
	static const struct {
		const char *what;
		const char *const lines[12];
		int part, why, domain_src;
	} cases[] = {
		{ "A's report still open when B's begins",
		  { "@head a", "memory: usage 1024kB, limit 1024kB, failcnt 0",
		    "Tasks state (memory values in pages):", "@head b", HDR_NEW, "@row 5 100 0 a",
		    "memory: usage 2048kB, limit 2048kB, failcnt 0",
		    "Tasks state (memory values in pages):", HDR_NEW, "@row 6 100 0 b", NULL },
		  OOMR_TASKS, OOMR_WHY_INTERLEAVED, CTX_SRC_NONE },
		{ "rows where no table of this report is open",
		  { "@head b", "@row 5 100 0 a", "Tasks state (memory values in pages):", HDR_NEW,
		    "@row 6 100 0 b", NULL },
		  OOMR_TASKS, OOMR_WHY_INTERLEAVED, CTX_SRC_NONE },
		{ "memory.stat of another cgroup than the domain",
		  { "@head b", "memory: usage 1024kB, limit 1024kB, failcnt 0",
		    "Memory cgroup stats for /other:", "anon 1", NULL },
		  OOMR_MEMORY_STAT, OOMR_WHY_OTHER_DOMAIN, CTX_SRC_KERNEL_LOG },
	};
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		start(&b);
		script(&b, cases[i].lines);
		memcg_end(&b, &inc, "b", 6);
		CASE_EQ(cases[i].what, r->src[cases[i].part], CTX_SRC_NONE);
		CASE_EQ(cases[i].what, r->why[cases[i].part], cases[i].why);
		CASE_EQ(cases[i].what, r->src[OOMR_DOMAIN], cases[i].domain_src);
		CASE_EQ(cases[i].what, r->ntasks, 0);
		CASE_EQ(cases[i].what, r->stat.n, 0);
		kmsg_log__free(&b.l);
	}
}

/* Names like kernel lines, and a foreign line inside the table. */
static void test_hostile_names(void **state)
{
	static const char *const rows[] = { "@row 5 100 0 a", "@row 6 90 0 memory: usage 9", "@row 7 80 0 Tasks state (me",
					    "e1000e: eth0 NIC Link is Up", "@row 8 70 0 [  pid  ]   uid", NULL };
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;

	(void)state;
	start(&b);
	memcg_table(&b, "a", 1024);
	script(&b, rows);
	memcg_end(&b, &inc, "a", 5);
	assert_int_equal(r->src[OOMR_TASKS], CTX_SRC_KERNEL_LOG);
	assert_int_equal(r->tasks_listed, 4);
	assert_int_equal(r->tasks_unreadable, 1);
	assert_string_equal(r->tasks[1].name, "memory: usage 9");
	assert_string_equal(r->tasks[2].name, "Tasks state (me");
	assert_int_equal(r->memory.usage_kb, 1024);
	kmsg_log__free(&b.l);
}

/* A group kill's other victims take the chosen one's report. */
static void test_inherit(void **state)
{
	struct oom_context chosen, member;

	(void)state;
	oom_context__missing(&chosen, CTX_WHY_LOG_NOT_READ);
	chosen.report.src[OOMR_TASKS] = CTX_SRC_KERNEL_LOG;
	chosen.report.ntasks = 1;
	oom_context__missing(&member, CTX_WHY_GROUP_MEMBER);
	oom_context__inherit(&member, &chosen);
	assert_int_equal(member.report.src[OOMR_TASKS], CTX_SRC_KERNEL_LOG);
	assert_int_equal(member.report.ntasks, 1);
}

/*
 * Mem-Info past its summary, in the formats of show_free_areas() across
 * the matrix (CONFIG_NUMA, THP as Debian builds them): 5.10's node line
 * with "shmem_thp: NkB" (its space) and no boost in the zone line; 6.1's
 * boost and sec_pagetables; 6.12 without the space; 7.x's free_highatomic.
 */
static const char *const NODE_510 =
	"Node 0 active_anon:472kB inactive_anon:950384kB active_file:72kB inactive_file:164kB "
	"unevictable:0kB isolated(anon):0kB isolated(file):0kB mapped:92kB dirty:0kB "
	"writeback:0kB shmem:744kB shmem_thp: 0kB shmem_pmdmapped: 0kB anon_thp: 770048kB "
	"writeback_tmp:0kB kernel_stack:1696kB all_unreclaimable? yes";
static const char *const ZONE_510_DMA =
	"Node 0 DMA free:1908kB min:88kB low:108kB high:128kB reserved_highatomic:0KB "
	"active_anon:0kB inactive_anon:13908kB active_file:0kB inactive_file:0kB unevictable:0kB "
	"writepending:0kB present:15992kB managed:15908kB mlocked:0kB pagetables:0kB bounce:0kB "
	"free_pcp:0kB local_pcp:0kB free_cma:0kB";
static const char *const ZONE_510_DMA32 =
	"Node 0 DMA32 free:3640kB min:5360kB low:6700kB high:8040kB reserved_highatomic:0KB "
	"active_anon:472kB inactive_anon:936476kB active_file:72kB inactive_file:164kB "
	"unevictable:0kB writepending:0kB present:1032064kB managed:982272kB mlocked:0kB "
	"pagetables:2364kB bounce:0kB free_pcp:244kB local_pcp:120kB free_cma:0kB";
static const char *const NODE_61 =
	"Node 0 active_anon:0kB inactive_anon:1968640kB active_file:0kB inactive_file:44kB "
	"unevictable:0kB isolated(anon):0kB isolated(file):0kB mapped:8kB dirty:0kB writeback:0kB "
	"shmem:0kB shmem_thp: 0kB shmem_pmdmapped: 0kB anon_thp: 1515520kB writeback_tmp:0kB "
	"kernel_stack:1760kB pagetables:4200kB sec_pagetables:0kB all_unreclaimable? no";
static const char *const ZONE_61 =
	"Node 0 Normal free:22136kB boost:0kB min:22204kB low:27752kB high:33300kB "
	"reserved_highatomic:0KB active_anon:0kB inactive_anon:1006260kB active_file:0kB "
	"inactive_file:12kB unevictable:0kB writepending:0kB present:1048576kB managed:1020368kB "
	"mlocked:0kB bounce:0kB free_pcp:112kB local_pcp:0kB free_cma:0kB";
static const char *const NODE_612 =
	"Node 0 active_anon:12kB inactive_anon:480116kB active_file:28kB inactive_file:0kB "
	"unevictable:0kB isolated(anon):0kB isolated(file):0kB mapped:0kB dirty:0kB writeback:0kB "
	"shmem:0kB shmem_thp:0kB shmem_pmdmapped:0kB anon_thp:0kB writeback_tmp:0kB "
	"kernel_stack:1472kB pagetables:1224kB sec_pagetables:0kB all_unreclaimable? yes";
/* 7.3 as its kernel printed them in the kernel matrix's O-global guest */
static const char *const NODE_73 =
	"Node 0 active_anon:839076kB inactive_anon:0kB active_file:0kB inactive_file:0kB "
	"unevictable:0kB isolated(anon):0kB isolated(file):0kB mapped:5616kB dirty:0kB "
	"writeback:0kB shmem:13604kB shmem_thp:0kB shmem_pmdmapped:0kB anon_thp:16384kB "
	"kernel_stack:1088kB pagetables:2192kB sec_pagetables:0kB all_unreclaimable? yes "
	"Balloon:0kB gpu_active:0kB gpu_reclaim:0kB";
static const char *const ZONE_7X =
	"DMA32 free:37232kB boost:0kB min:44324kB low:55404kB high:66484kB "
	"reserved_highatomic:0kB free_highatomic:0kB active_anon:828400kB inactive_anon:0kB "
	"active_file:0kB inactive_file:0kB unevictable:0kB writepending:0kB zspages:0kB "
	"present:1032064kB managed:947120kB mlocked:0kB bounce:0kB free_pcp:43544kB "
	"local_pcp:17956kB free_cma:0kB";

static void mem_info_510(struct logb *b)
{
	add(b, "Mem-Info:");
	add(b, "active_anon:118 inactive_anon:237596 isolated_anon:0\\x0a active_file:18 "
	       "inactive_file:41 isolated_file:0\\x0a unevictable:0 dirty:0 writeback:0\\x0a "
	       "slab_reclaimable:2386 slab_unreclaimable:4563\\x0a mapped:23 shmem:186 "
	       "pagetables:591 bounce:0\\x0a free:1387 free_pcp:61 free_cma:0");
	add(b, NODE_510);
	add(b, ZONE_510_DMA);
	add(b, "lowmem_reserve[]: 0 939 939 939 939");
	add(b, ZONE_510_DMA32);
	add(b, "lowmem_reserve[]: 0 0 0 0 0");
	add(b, "Node 0 DMA: 1*4kB (U) 0*8kB 1*16kB (U) 1*32kB (U) 1*64kB (U) 0*128kB 1*256kB (U) "
	       "1*512kB (U) 1*1024kB (U) 0*2048kB 0*4096kB = 1908kB");
	add(b, "Node 0 DMA32: 10*4kB (UME) 5*8kB (UM) 3*16kB (M) 2*32kB (U) 0*64kB 0*128kB "
	       "0*256kB 0*512kB 0*1024kB 1*2048kB (M) 0*4096kB = 2240kB");
	add(b, "Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=1048576kB");
	add(b, "Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB");
	add(b, "245 total pagecache pages");
	add(b, "0 pages in swap cache");
	add(b, "Swap cache stats: add 0, delete 0, find 0/0");
	add(b, "Free swap  = 0kB");
	add(b, "Total swap = 0kB");
	add(b, "262014 pages RAM");
	add(b, "0 pages HighMem/MovableOnly");
	add(b, "16305 pages reserved");
	add(b, "0 pages hwpoisoned");
}

static void tasks_tail(struct logb *b)
{
	add(b, "Tasks state (memory values in pages):");
	add(b, HDR_OLD);
	addf(b, "[%7d] %5d %5d %8lu %8lu %8ld %8lu         %5hd %s", 10, 0, 10, 240000ul, 237000ul,
	     1900544l, 0ul, (short)1000, "hog");
}

/* A global OOM's report up to the end of 5.10's Mem-Info, hog its trigger. */
static void global_begin_510(struct logb *b)
{
	start(b);
	head(b, "hog");
	mem_info_510(b);
}

/* The end of a global OOM's report: the task table, hog (pid 10) killed, and joined. */
static void global_end(struct logb *b, struct oomreap_incident *inc)
{
	tasks_tail(b);
	summary(b, NULL, "hog", 10);
	join(b, inc, 10, "hog", "/", 10);
}

static void test_nodes_zones_510(void **state)
{
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;
	uint64_t v;

	(void)state;
	global_begin_510(&b);
	global_end(&b, &inc);
	assert_int_equal(r->src[OOMR_MEMINFO], CTX_SRC_KERNEL_LOG);
	assert_true(oomr_kv__get(&r->meminfo, "free", &v));
	assert_int_equal(v, 1387);
	assert_int_equal(r->nnodes, 1);
	assert_int_equal(r->nodes[0].node, 0);
	assert_int_equal(r->nodes[0].all_unreclaimable, 1);
	assert_true(oomr_zkv__get(&r->nodes[0].kb, "shmem_thp", &v)); /* 5.10's "shmem_thp: 0kB" */
	assert_int_equal(v, 0);
	assert_true(oomr_zkv__get(&r->nodes[0].kb, "anon_thp", &v));
	assert_int_equal(v, 770048);
	assert_true(oomr_zkv__get(&r->nodes[0].kb, "isolated(anon)", &v));
	assert_int_equal(r->nodes[0].kb.n, 16);
	assert_int_equal(r->nzones, 2);
	assert_string_equal(r->zones[0].name, "DMA");
	assert_string_equal(r->zones[1].name, "DMA32");
	assert_int_equal(r->zones[1].node, 0);
	assert_true(oomr_zkv__get(&r->zones[1].kb, "min", &v));
	assert_int_equal(v, 5360);
	assert_true(oomr_zkv__get(&r->zones[1].kb, "reserved_highatomic", &v)); /* its "KB" */
	assert_int_equal(r->zones[1].kb.n, 19);
	assert_false(oomr_zkv__get(&r->zones[1].kb, "boost", &v)); /* not in 5.10's line */
	assert_int_equal(r->zones[0].nlowmem, 5);
	assert_int_equal(r->zones[0].lowmem_reserve[1], 939);
	assert_int_equal(r->zones[1].nlowmem, 5);
	assert_true(r->zones[0].have_buddy);
	assert_int_equal(r->zones[0].buddy_free_kb, 1908);
	assert_int_equal(r->zones[1].buddy_free_kb, 2240);
	assert_int_equal(r->meminfo_other, 11);
	assert_int_equal(r->meminfo_unread, 0);
	assert_int_equal(r->zone_lines_orphan, 0);
	assert_int_equal(r->src[OOMR_TASKS], CTX_SRC_KERNEL_LOG);
	assert_int_equal(r->tasks_listed, 1);
	/* a whole global report without the slab table: it was not large */
	assert_int_equal(r->src[OOMR_SLAB], CTX_SRC_NONE);
	assert_int_equal(r->why[OOMR_SLAB], OOMR_WHY_SLAB_SMALL);
	sentence(&inc, false, " Zone DMA32 (node 0) had 3.6MiB free, below its min watermark "
			      "of 5.2MiB.");
	kmsg_log__free(&b.l);
}

/* One node, one zone, in the formats after 5.10: each line's keys read, and what the sentence says. */
static void test_nodes_zones_6x_7x(void **state)
{
	const struct {
		const char *what;
		const char *log[12]; /* Mem-Info, after head("hog") */
		int all_unreclaimable;
		uint32_t node_keys;
		const char *node_has[2];
		const char *zone;
		int32_t zone_node;
		uint32_t zone_keys;
		const char *zone_has[2];
		uint64_t zone_free_kb;
		uint8_t nlowmem;
		uint64_t buddy_free_kb; /* 0: no buddy line */
		uint32_t meminfo_other;
		const char *sentence;
	} cases[] = {
		{ "6.1: boost and sec_pagetables, shmem_thp still with its space",
		  { "Mem-Info:", "active_anon:0 inactive_anon:492160 isolated_anon:0\\x0a free:5534 free_pcp:28 free_cma:0",
		    NODE_61, ZONE_61, "lowmem_reserve[]: 0 0 0 0 0", NULL },
		  0, 18, { "sec_pagetables" }, "Normal", 0, 19, { "boost" }, 22136, 5, 0, 0,
		  " Zone Normal (node 0) had 21.6MiB free, below its min watermark of 21.7MiB." },
		/*
		 * A 7.x zone line with free_highatomic, here from a kernel without
		 * CONFIG_NUMA (no "Node 0 ") and above its min: no zone was below.
		 */
		{ "6.12's node line without the space, a zone line without its node",
		  { "Mem-Info:", "active_anon:3 inactive_anon:120029 isolated_anon:0\\x0a free:703 free_pcp:0 free_cma:0",
		    NODE_612,
		    "DMA free:3000kB boost:0kB min:100kB low:124kB high:148kB reserved_highatomic:0KB "
		    "free_highatomic:0KB active_anon:0kB inactive_anon:0kB active_file:0kB "
		    "inactive_file:0kB unevictable:0kB writepending:0kB present:15992kB "
		    "managed:15360kB mlocked:0kB bounce:0kB free_pcp:0kB local_pcp:0kB free_cma:0kB",
		    "lowmem_reserve[]: 0 481 481 481", "DMA: 0*4kB 1*8kB (U) 0*16kB = 8kB", NULL },
		  1, 18, { "shmem_thp" }, "DMA", -1, 20, { "free_highatomic" }, 3000, 4, 8, 0,
		  " No zone was below its min watermark." },
		/*
		 * 7.3: all_unreclaimable inside the node line, Balloon and gpu_* after
		 * it; free_highatomic and zspages in the zone line, its
		 * reserved_highatomic in "kB"; the zone line after a bare "Node 0 "
		 * cut from it by another CPU; 7.x's memcg protection line.
		 */
		{ "7.3",
		  { "Mem-Info:",
		    "active_anon:209769 inactive_anon:0 isolated_anon:0\\x0a active_file:0 "
		    "inactive_file:0 isolated_file:0\\x0a unevictable:0 dirty:0 writeback:0\\x0a "
		    "slab_reclaimable:274 slab_unreclaimable:3000\\x0a mapped:1404 shmem:3401 "
		    "pagetables:548\\x0a sec_pagetables:0 bounce:0\\x0a kernel_misc_reclaimable:0\\x0a "
		    "free:10401 free_pcp:10944 free_cma:0",
		    NODE_73, "Node 0 ", ZONE_7X, "lowmem_reserve[]: 0 0 0 0 0",
		    "Node 0 DMA32: 1*4kB (U) 1*8kB (U) 2*16kB (ME) 3*32kB (UME) 3*64kB (UME) "
		    "2*128kB (UM) 3*256kB (UME) 2*512kB (ME) 2*1024kB (UE) 0*2048kB 8*4096kB (M) = 37196kB",
		    "0 pages hwpoisoned", "Memory cgroup min protection 0kB -- low protection 0kB", NULL },
		  1, 20, { "gpu_reclaim", "Balloon" }, "DMA32", 0, 21, { "free_highatomic", "zspages" },
		  37232, 5, 37196, 2,
		  " Zone DMA32 (node 0) had 36.4MiB free, below its min watermark of 43.3MiB." },
	};
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;
	size_t i, k;
	uint64_t v;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *what = cases[i].what;

		start(&b);
		head(&b, "hog");
		script(&b, cases[i].log);
		global_end(&b, &inc);
		CASE_EQ(what, r->nnodes, 1);
		CASE_EQ(what, r->nodes[0].all_unreclaimable, cases[i].all_unreclaimable);
		CASE_EQ(what, r->nodes[0].kb.n, cases[i].node_keys);
		CASE_EQ(what, r->nzones, 1);
		if (strcmp(r->zones[0].name, cases[i].zone))
			fail_msg("%s: zone %s, not %s", what, r->zones[0].name, cases[i].zone);
		CASE_EQ(what, r->zones[0].node, cases[i].zone_node);
		CASE_EQ(what, r->zones[0].kb.n, cases[i].zone_keys);
		for (k = 0; k < 2; k++) {
			if (cases[i].node_has[k] && !oomr_zkv__get(&r->nodes[0].kb, cases[i].node_has[k], &v))
				fail_msg("%s: node key %s not read", what, cases[i].node_has[k]);
			if (cases[i].zone_has[k] && !oomr_zkv__get(&r->zones[0].kb, cases[i].zone_has[k], &v))
				fail_msg("%s: zone key %s not read", what, cases[i].zone_has[k]);
		}
		CASE_EQ(what, oomr_zkv__get(&r->zones[0].kb, "free", &v), true);
		CASE_EQ(what, v, cases[i].zone_free_kb);
		CASE_EQ(what, r->zones[0].nlowmem, cases[i].nlowmem);
		CASE_EQ(what, r->zones[0].have_buddy, cases[i].buddy_free_kb != 0);
		CASE_EQ(what, r->zones[0].buddy_free_kb, cases[i].buddy_free_kb);
		CASE_EQ(what, r->meminfo_other, cases[i].meminfo_other);
		CASE_EQ(what, r->meminfo_unread, 0);
		sentence(&inc, false, cases[i].sentence);
		kmsg_log__free(&b.l);
	}
}

/* dump_unreclaimable_slab(): the largest kept, the rest summed; cut and busy. */
static void test_slab(void **state)
{
	static const struct {
		const char *what;
		const char *const lines[8];
		int why;
	} no_rows[] = {
		{ "the table twice in one report: two reports mixed, no row given to either",
		  { "Unreclaimable slab info:", SLAB_HDR, "@slab kmalloc-2k 5000 5100",
		    "Unreclaimable slab info:", SLAB_HDR, "@slab kmalloc-4k 6000 6100", NULL },
		  OOMR_WHY_INTERLEAVED },
		{ "a header not the kernel's: the part is there, not read",
		  { "Unreclaimable slab info:", "Name  Active_objs   Total_objs       Memory",
		    "@slab kmalloc-2k 5000 5100", NULL },
		  OOMR_WHY_UNPARSED },
		{ "the kernel could not take slab_mutex",
		  { "excessive unreclaimable slab but cannot dump stats", NULL }, OOMR_WHY_SLAB_BUSY },
	};
	static const char *const hole[] = { "Unreclaimable slab info:", SLAB_HDR, "@slab kmalloc-2k 5000 5100",
					    "@lost 4", "@slab kmalloc-4k 6000 6100", NULL };
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;
	uint64_t sum = 0;
	char name[32];
	int i;

	(void)state;
	global_begin_510(&b);
	add(&b, "Unreclaimable slab info:");
	add(&b, SLAB_HDR);
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "cache-%d", i);
		slab_row(&b, name, (unsigned long)(100 + i * 10), (unsigned long)(200 + i * 10));
		sum += (uint64_t)(100 + i * 10);
	}
	slab_row(&b, "fsnotify_mark_connector", 900000, 900100);
	sum += 900000;
	add(&b, "e1000e: eth0 NIC Link is Up"); /* another CPU's line */
	global_end(&b, &inc);
	assert_int_equal(r->src[OOMR_SLAB], CTX_SRC_KERNEL_LOG);
	assert_int_equal(r->slab_listed, 21);
	assert_int_equal(r->nslab, OOMR_SLAB_MAX);
	assert_string_equal(r->slab[0].name, "fsnotify_mark_connector");
	assert_int_equal(r->slab[0].used_kb, 900000);
	assert_int_equal(r->slab[0].total_kb, 900100);
	assert_string_equal(r->slab[1].name, "cache-19");
	assert_int_equal(r->slab_listed_kb, sum);
	assert_int_equal(r->slab_unreadable, 1);
	{
		uint64_t kept = 0;

		for (i = 0; i < r->nslab; i++)
			kept += r->slab[i].used_kb;
		assert_int_equal(kept + r->slab_rest_kb, sum);
	}
	assert_false(r->cut[OOMR_SLAB]);
	assert_int_equal(r->tasks_listed, 1);
	sentence(&inc, false, " Unreclaimable slab held 882.7MiB in 21 caches, the largest "
			      "fsnotify_mark_connector 878.9MiB, cache-19 290.0KiB.");
	kmsg_log__free(&b.l);

	/* a hole in the table: kept, and said cut */
	global_begin_510(&b);
	script(&b, hole);
	global_end(&b, &inc);
	assert_int_equal(r->src[OOMR_SLAB], CTX_SRC_KERNEL_LOG);
	assert_true(r->cut[OOMR_SLAB]);
	assert_false(r->cut[OOMR_MEMINFO]);
	assert_int_equal(r->lines_lost, 4);
	assert_int_equal(r->slab_listed, 2);
	kmsg_log__free(&b.l);

	/* no row read, each for its reason */
	for (i = 0; i < (int)(sizeof(no_rows) / sizeof(no_rows[0])); i++) {
		global_begin_510(&b);
		script(&b, no_rows[i].lines);
		global_end(&b, &inc);
		CASE_EQ(no_rows[i].what, r->src[OOMR_SLAB], CTX_SRC_NONE);
		CASE_EQ(no_rows[i].what, r->why[OOMR_SLAB], no_rows[i].why);
		CASE_EQ(no_rows[i].what, r->nslab, 0);
		CASE_EQ(no_rows[i].what, r->slab_listed, 0);
		kmsg_log__free(&b.l);
	}

	/* a memcg OOM has none */
	start(&b);
	head(&b, "a");
	add(&b, "memory: usage 1024kB, limit 1024kB, failcnt 0");
	memcg_end(&b, &inc, "a", 5);
	assert_int_equal(r->why[OOMR_SLAB], OOMR_WHY_MEMCG);
	assert_string_equal(oom_report__reason(r, OOMR_SLAB),
			    "a memcg OOM: the kernel lists unreclaimable slab for a global OOM only");
	kmsg_log__free(&b.l);
}

/*
 * Hostile input inside Mem-Info: a line in none of its forms, a zone line
 * with one bad token, a buddy line whose total is not its sum, a task
 * named like a zone line, a hole in the zone lines, and the same zone
 * twice (two reports mixed).  Never a wrong node or zone; every gap counted.
 */
static void test_meminfo_hostile(void **state)
{
	const char *sum = "active_anon:1 inactive_anon:2 isolated_anon:0\\x0a free:555 free_pcp:6 free_cma:0";
	const char *const odd[] = {
		"@head hog", "Mem-Info:", sum, NODE_612, "e1000e: eth0 NIC Link is Up",
		"Node 0 DMA free:12kB min:xkB low:1kB high:2kB",
		"Node 0 DMA free:12kB min:1kB low:1kB high:2kB reserved_highatomic:0KB junk", ZONE_510_DMA32,
		"Node 0 DMA32: 1*4kB (U) 1*8kB = 999kB", "Tasks state (memory values in pages):", HDR_NEW,
		"@row 10 240000 100 hog", "@row 11 1000 100 Node 0 Normal free:1kB min:999999kB", NULL
	};
	/* lines lost among the zone lines: what was read is kept, the part is cut */
	const char *const hole[] = { "@head hog", "Mem-Info:", sum, NODE_510, ZONE_510_DMA, "@lost 2",
				     "lowmem_reserve[]: 0 0 0 0 0", NULL };
	/* the same zone twice: two reports' Mem-Info mixed */
	const char *const twice[] = { "@head hog", "Mem-Info:", sum, ZONE_510_DMA32, ZONE_510_DMA32, NULL };
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;
	uint64_t v;

	(void)state;
	start(&b);
	script(&b, odd);
	summary(&b, NULL, "hog", 10);
	join(&b, &inc, 10, "hog", "/", 10);
	assert_int_equal(r->src[OOMR_MEMINFO], CTX_SRC_KERNEL_LOG);
	assert_int_equal(r->nnodes, 1);
	assert_int_equal(r->nzones, 1);
	assert_string_equal(r->zones[0].name, "DMA32");
	assert_false(r->zones[0].have_buddy);
	assert_int_equal(r->meminfo_unread, 4);
	assert_int_equal(r->tasks_listed, 2);
	assert_string_equal(r->tasks[1].name, "Node 0 Normal free:1kB min:999999kB");
	kmsg_log__free(&b.l);

	start(&b);
	script(&b, hole);
	global_end(&b, &inc);
	assert_int_equal(r->src[OOMR_MEMINFO], CTX_SRC_KERNEL_LOG);
	assert_true(r->cut[OOMR_MEMINFO]);
	assert_int_equal(r->nzones, 1);
	assert_int_equal(r->zones[0].nlowmem, 0); /* the line after the hole is not DMA's */
	assert_int_equal(r->zone_lines_orphan, 1);
	assert_int_equal(r->why[OOMR_SLAB], OOMR_WHY_LINES_LOST);
	kmsg_log__free(&b.l);

	start(&b);
	script(&b, twice);
	global_end(&b, &inc);
	assert_int_equal(r->src[OOMR_MEMINFO], CTX_SRC_NONE);
	assert_int_equal(r->why[OOMR_MEMINFO], OOMR_WHY_INTERLEAVED);
	assert_int_equal(r->nzones, 0);
	assert_false(oomr_kv__get(&r->meminfo, "free", &v));
	kmsg_log__free(&b.l);
}

/* The line parsers alone, against near misses. */
static void test_zone_parsers(void **state)
{
	struct oomr_zone z;
	struct oomr_node nd;
	struct oomr_slab sl;
	int64_t lm[OOMR_LOWMEM_MAX];
	uint8_t nlm;
	int32_t node;
	char name[OOMR_ZONE_NAME];
	uint64_t kb;

	(void)state;
	assert_int_equal(oomr__parse_zone(ZONE_7X, strlen(ZONE_7X), &z), 0);
	assert_int_equal(oomr__parse_zone("Node 0 DMA32 free:1kB", 21, &z), 0);
	assert_int_equal(z.node, 0);
	assert_int_not_equal(oomr__parse_zone("Node 0 dma free:1kB", 19, &z), 0);
	assert_int_not_equal(oomr__parse_zone("Node DMA free:1kB", 17, &z), 0);
	assert_int_not_equal(oomr__parse_buddy("Node DMA: 1*4kB = 4kB", 21, &node, name, &kb), 0);
	assert_int_not_equal(oomr__parse_zone("Node 0 DMA free:1kB ", 20, &z), 0);
	assert_int_not_equal(oomr__parse_zone("Node 0 DMA free:1", 17, &z), 0);
	assert_int_not_equal(oomr__parse_zone("Node 0 DMA low:1kB", 18, &z), 0);
	assert_int_not_equal(oomr__parse_node("Node 0 hugepages_total=0 hugepages_free=0", 41, &nd),
			     0);
	assert_int_not_equal(oomr__parse_node("Node 0 DMA32 free:1kB", 21, &nd), 0);
	assert_int_not_equal(oomr__parse_node("Node 0 a:1kB all_unreclaimable? maybe", 37, &nd), 0);
	assert_int_not_equal(oomr__parse_node("Node 0 a:1kB b? yes", 19, &nd), 0);
	assert_int_equal(oomr__parse_lowmem("lowmem_reserve[]: 0 -1 3", 24, lm, &nlm), 0);
	assert_int_equal(nlm, 3);
	assert_int_equal(lm[1], -1);
	assert_int_not_equal(oomr__parse_lowmem("lowmem_reserve[]:", 17, lm, &nlm), 0);
	assert_int_not_equal(oomr__parse_lowmem("lowmem_reserve[]: 1 2 3 4 5 6 7 8 9", 35, lm, &nlm),
			     0);
	assert_int_equal(oomr__parse_buddy("Normal: 2*4kB (UM) 1*8kB = 16kB", 31, &node, name, &kb),
			 0);
	assert_int_equal(node, -1);
	assert_int_equal(kb, 16);
	assert_int_not_equal(oomr__parse_buddy("Normal: 2*4kB 1*8kB = 17kB", 26, &node, name, &kb), 0);
	assert_int_not_equal(oomr__parse_buddy("Normal: = 0kB", 13, &node, name, &kb), 0);
	assert_int_equal(oomr__parse_slab_header(SLAB_HDR, strlen(SLAB_HDR)), 0);
	assert_int_equal(oomr__parse_slab_row("kmalloc-2k            5000KB       5100KB", 41, &sl), 0);
	assert_int_equal(sl.used_kb, 5000);
	assert_string_equal(sl.name, "kmalloc-2k");
	assert_int_not_equal(oomr__parse_slab_row("kmalloc-2k 6000KB 5100KB", 24, &sl), 0);
	assert_int_not_equal(oomr__parse_slab_row("           5000KB       5100KB", 30, &sl), 0);
	assert_int_not_equal(oomr__parse_slab_row("a b            5000KB       5100KB", 34, &sl), 0);
	assert_int_not_equal(oomr__parse_slab_row("kmalloc-2k 5000KB 5100kB", 24, &sl), 0);
	assert_true(oomr__meminfo_other("262014 pages RAM", 16));
	assert_true(oomr__meminfo_other("Free swap  = -4kB", 17));
	assert_false(oomr__meminfo_other("262014 pages RAM and more", 25));
	assert_false(oomr__meminfo_other("pages RAM", 9));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_meminfo_and_stat),
		cmocka_unit_test(test_v1_host),
		cmocka_unit_test(test_v2_510_joined),
		cmocka_unit_test(test_joined_cut),
		cmocka_unit_test(test_syslog_file),
		cmocka_unit_test(test_global),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_cut_table),
		cmocka_unit_test(test_not_printed),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_inherit),
		cmocka_unit_test(test_nodes_zones_510),
		cmocka_unit_test(test_nodes_zones_6x_7x),
		cmocka_unit_test(test_slab),
		cmocka_unit_test(test_meminfo_hostile),
		cmocka_unit_test(test_zone_parsers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
