// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What filled the memory (core/oom_report.h, rec/oom_report_parse.c): the
 * kernel's OOM report read from the lines its kernels print (5.10's task
 * table and joined memory.stat, 6.x's split RSS columns, cgroup v1 and v2,
 * a global OOM's Mem-Info), and against hostile input: a task named like
 * a kernel line, a table cut by lost lines, two reports mixed, no table.
 * Never a wrong row; every gap counted or said.
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

#define SEC 1000000000ull

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

static void test_counter(void **state)
{
	static const char ok[] = "memory: usage 65536kB, limit 65536kB, failcnt 37";
	struct oomr_counter c;
	size_t i;

	(void)state;
	assert_int_equal(oomr__parse_counter(ok, strlen(ok), &c), OOMR_CTR_MEMORY);
	assert_true(c.have);
	assert_int_equal(c.usage_kb, 65536);
	assert_int_equal(c.limit_kb, 65536);
	assert_int_equal(c.failcnt, 37);
	assert_int_equal(oomr__parse_counter("swap: usage 0kB, limit 0kB, failcnt 0", 37, &c),
			 OOMR_CTR_SWAP);
	assert_int_equal(oomr__parse_counter("memory+swap: usage 1kB, limit 9007199254740988kB, failcnt 0",
					     59, &c),
			 OOMR_CTR_MEMSW);
	assert_true(oomr__unlimited(c.limit_kb));
	assert_int_equal(oomr__parse_counter("kmem: usage 144kB, limit 9007199254740988kB, failcnt 0",
					     54, &c),
			 OOMR_CTR_KMEM);
	assert_int_equal(c.usage_kb, 144);
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
	/* out of range: oom_score_adj, pid 0, a negative page table */
	assert_int_equal(oomr__parse_task_row("[      1]     0     1        1        1        1        0         0     4096        0          1001 x",
					      104, true, &t),
			 -EINVAL);
	assert_int_equal(oomr__parse_task_row("[      0]     0     1        1        1     4096        0             0 x",
					      72, false, &t),
			 -EINVAL);
	assert_int_equal(oomr__parse_task_row("[      1]     0     1        1        1    -4096        0             0 x",
					      72, false, &t),
			 -EINVAL);
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
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;
	char s[512];
	uint64_t v;

	(void)state;
	start(&b);
	head(&b, "memhog");
	add(&b, "memory: usage 65536kB, limit 65536kB, failcnt 0");
	add(&b, "memory+swap: usage 65536kB, limit 65536kB, failcnt 0");
	add(&b, "kmem: usage 144kB, limit 9007199254740988kB, failcnt 0");
	add(&b, "Memory cgroup stats for /t/a:");
	add(&b, "cache 0");
	add(&b, "rss 66961408");
	add(&b, "shmem 0");
	add(&b, "total_cache 4096");
	add(&b, "total_rss 66961408");
	add(&b, "total_shmem 0");
	add(&b, "Tasks state (memory values in pages):");
	add(&b, HDR_NEW);
	add(&b, "[   8647]     0  8647    66155    16669    16320      349         0   176128        0           100 memhog");
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
	oom_report__sentence(s, sizeof(s), &inc.ctx, 4096, ESCAPE_TEXT);
	assert_string_equal(s, "The memcg was at its 64.0MiB limit; memhog (the victim) held 63.8MiB "
			       "of anonymous memory.");
	kmsg_log__free(&b.l);
}

/* 5.10: the old table, memory.stat in one record joined by \x0a */
static void test_v2_510_joined(void **state)
{
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;
	uint64_t v;
	char s[512];

	(void)state;
	start(&b);
	head(&b, "stress");
	add(&b, "memory: usage 131072kB, limit 131072kB, failcnt 12");
	add(&b, "swap: usage 0kB, limit 9007199254740988kB, failcnt 0");
	add(&b, "Memory cgroup stats for /w:");
	add(&b, "anon 100000000\\x0afile 30000000\\x0akernel_stack 16384\\x0apercpu 0\\x0asock 0\\x0a"
		"shmem 4096\\x0a");
	add(&b, "Tasks state (memory values in pages):");
	add(&b, HDR_OLD);
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
	oom_report__sentence(s, sizeof(s), &inc.ctx, 4096, ESCAPE_TEXT);
	assert_string_equal(s, "The memcg was at its 128.0MiB limit; oom_victim (the victim) held "
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
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;
	uint64_t v;
	char s[512];

	(void)state;
	start(&b);
	head(&b, "hog");
	add(&b, "Mem-Info:");
	add(&b, "active_anon:1 inactive_anon:250000 isolated_anon:0\\x0a active_file:10 "
		"inactive_file:20 isolated_file:0\\x0a free:2560 free_pcp:5 free_cma:0");
	add(&b, "Node 0 active_anon:4kB inactive_anon:1000000kB all_unreclaimable? yes");
	add(&b, "Tasks state (memory values in pages):");
	add(&b, HDR_NEW);
	row_new(&b, 10, 10, 240000, 100, 0, "hog");
	row_new(&b, 1, 1, 1000, 2000, 0, "systemd");
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
	oom_report__sentence(s, sizeof(s), &inc.ctx, 4096, ESCAPE_TEXT);
	assert_string_equal(s, "The system was out of memory (10.0MiB free); hog (the victim) held "
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
	row_new(&b, 5, 5, 100, 0, 0, "a");
	b.seq += 3; /* three rows the reader never got */
	row_new(&b, 9, 9, 50, 0, 0, "b");
	summary(&b, "/c", "a", 5);
	join(&b, &inc, 5, "a", "/c", 0);
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
	summary(&b, "/c", "a", 5);
	join(&b, &inc, 5, "a", "/c", 0);
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
	summary(&b, "/c", "a", 5);
	join(&b, &inc, 5, "a", "/c", 0);
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

/* Two reports mixed (a merged or forged log): no row is given to either. */
static void test_interleaved(void **state)
{
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;

	(void)state;
	/* A's report still open when B's begins */
	start(&b);
	head(&b, "a");
	add(&b, "memory: usage 1024kB, limit 1024kB, failcnt 0");
	add(&b, "Tasks state (memory values in pages):");
	head(&b, "b");
	add(&b, HDR_NEW);
	row_new(&b, 5, 5, 100, 0, 0, "a");
	add(&b, "memory: usage 2048kB, limit 2048kB, failcnt 0");
	add(&b, "Tasks state (memory values in pages):");
	add(&b, HDR_NEW);
	row_new(&b, 6, 6, 100, 0, 0, "b");
	summary(&b, "/c", "b", 6);
	join(&b, &inc, 6, "b", "/c", 0);
	assert_int_equal(r->src[OOMR_TASKS], CTX_SRC_NONE);
	assert_int_equal(r->why[OOMR_TASKS], OOMR_WHY_INTERLEAVED);
	assert_int_equal(r->src[OOMR_DOMAIN], CTX_SRC_NONE);
	assert_int_equal(r->ntasks, 0);
	kmsg_log__free(&b.l);

	/* rows where no table of this report is open */
	start(&b);
	head(&b, "b");
	row_new(&b, 5, 5, 100, 0, 0, "a");
	add(&b, "Tasks state (memory values in pages):");
	add(&b, HDR_NEW);
	row_new(&b, 6, 6, 100, 0, 0, "b");
	summary(&b, "/c", "b", 6);
	join(&b, &inc, 6, "b", "/c", 0);
	assert_int_equal(r->why[OOMR_TASKS], OOMR_WHY_INTERLEAVED);
	kmsg_log__free(&b.l);

	/* memory.stat of another cgroup than the domain */
	start(&b);
	head(&b, "b");
	add(&b, "memory: usage 1024kB, limit 1024kB, failcnt 0");
	add(&b, "Memory cgroup stats for /other:");
	add(&b, "anon 1");
	summary(&b, "/c", "b", 6);
	join(&b, &inc, 6, "b", "/c", 0);
	assert_int_equal(r->why[OOMR_MEMORY_STAT], OOMR_WHY_OTHER_DOMAIN);
	assert_int_equal(r->stat.n, 0);
	kmsg_log__free(&b.l);
}

/* Names like kernel lines, and a foreign line inside the table. */
static void test_hostile_names(void **state)
{
	struct logb b;
	struct oomreap_incident inc;
	const struct oom_report *r = &inc.ctx.report;

	(void)state;
	start(&b);
	memcg_table(&b, "a", 1024);
	row_new(&b, 5, 5, 100, 0, 0, "a");
	row_new(&b, 6, 6, 90, 0, 0, "memory: usage 9");
	row_new(&b, 7, 7, 80, 0, 0, "Tasks state (me");
	add(&b, "e1000e: eth0 NIC Link is Up");
	row_new(&b, 8, 8, 70, 0, 0, "[  pid  ]   uid");
	summary(&b, "/c", "a", 5);
	join(&b, &inc, 5, "a", "/c", 0);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
