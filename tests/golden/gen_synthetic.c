// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * SYNTHETIC recordings for the golden tests, until recordings captured on
 * real runs of the docs/LAB.md scenarios replace them.  Each is built with the
 * real writer (src/rec/writer.c) from wire events laid out as the BPF side
 * emits them on this machine's tracepoint rung (and one on the fentry rung
 * of the Debian guests), with the timings measured in docs/LAB.md and kernel log
 * lines in mm/oom_kill.c's formats.  Every file says "synthetic" in its
 * header (hostname, kernel release, boot id).
 *
 *   gen_synthetic DIR     writes DIR/synthetic-*.oomrec (replacing them)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oomreap_abi.h"
#include "rec/record.h"
#include "wire.h"

#define NO_RSS WIRE_NO_RSS /* no mm snapshot */
#define MS 1000000ull
#define SEC 1000000000ull
/* Like a machine up for about an hour. */
#define BOOT_T0 (3600 * SEC)
/* 2026-11-25 18:30:00 UTC at mono BOOT_T0 */
#define REAL_AT_T0 (1795631400ll * 1000000000ll)

struct gen {
	struct rec_writer *w;
	uint64_t seq;      /* kmsg sequence */
	uint64_t victim;   /* victim_seq */
	const char *name;
	int failed;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "gen_synthetic: %s: %s\n", what, strerror(-err));
	exit(1);
}

static struct oomreap_mm_snapshot snap(int64_t anon, int64_t file)
{
	return wire__mm(anon, file, 2);
}

static void put(struct gen *g, const void *ev, size_t len)
{
	int err = rec_writer__event(g->w, ev, len);

	if (err)
		die("write", err);
}

static void kill_ev(struct gen *g, uint64_t seq, uint32_t pid, uint64_t ts, const char *comm,
		    const char *cgroup, int64_t anon, int64_t file, uint32_t trigger,
		    const char *trigger_comm, uint16_t src)
{
	struct oomreap_kill_event k = wire__kill(seq, pid, pid, ts, comm, cgroup);

	k.hdr.source = src;
	k.mm = snap(anon, file);
	k.total_vm_pages = (uint64_t)(anon + file) + 1800;
	k.pgtables_bytes = 266240;
	k.cgroup_id = 4000 + seq;
	k.uid = 1000;
	k.trigger_pid = trigger;
	k.trigger_tgid = trigger;
	k.cgroup_hierarchy = 5; /* cgroup v1 memory controller, as on this machine */
	snprintf(k.trigger_comm, sizeof(k.trigger_comm), "%s", trigger_comm);
	put(g, &k, sizeof(k));
}

static void ctx_ev(struct gen *g, uint32_t pid, uint64_t ts, uint32_t trigger, const char *tcomm,
		   const char *domain)
{
	struct oomreap_oom_context_event c = wire__context(pid, ts, trigger, tcomm, domain);

	c.chosen_points = 26000;
	c.domain_cgroup_id = 3999;
	put(g, &c, sizeof(c));
}

static void reap_ev(struct gen *g, uint32_t type, uint64_t seq, uint32_t pid, uint64_t ts,
		    int64_t anon, int64_t file, uint32_t reason, int32_t ret, uint16_t src)
{
	struct oomreap_reap_event r = wire__reap(type, seq, pid, ts);

	r.hdr.source = src;
	r.mm = snap(anon, file);
	r.skip_reason = reason;
	r.reap_ret = ret;
	put(g, &r, sizeof(r));
}

static void exit_ev(struct gen *g, uint64_t seq, uint32_t pid, uint64_t ts, int released,
		    uint16_t src)
{
	struct oomreap_exit_event x = wire__exit(seq, pid, ts, 1, (uint32_t)released);

	x.hdr.source = src;
	x.mm = snap(released ? 0 : 25600, 300);
	put(g, &x, sizeof(x));
}

/* Who held mmap_lock at a failed trylock (docs/LAB.md recipe C2's picture). */
static void blocker_ev(struct gen *g, uint64_t seq, uint32_t pid, uint64_t ts,
		       const char *holder, const char *writer, const char *victim)
{
	static const uint64_t stack[] = { 0xffffffff81a1c2d0ull, 0xffffffff81a1b0f4ull,
					  0xffffffff8136e7a2ull };
	struct oomreap_blocker_event b = wire__blocker(seq, pid, ts, 0x103);
	struct oomreap_blocked_task *t;

	t = wire__blocked(&b, pid + 10, OOMREAP_ROLE_OWNER_READER, holder, 3);
	memcpy(t->stack, stack, sizeof(stack));
	/* -ENOENT: no stack */
	wire__blocked(&b, pid + 11, OOMREAP_ROLE_WAITER_WRITE, writer, -2);
	wire__blocked(&b, pid, OOMREAP_ROLE_WAITER_READ, victim, -2);
	put(g, &b, sizeof(b));
}

static void kmsg(struct gen *g, uint64_t ts, int level, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void kmsg(struct gen *g, uint64_t ts, int level, const char *fmt, ...)
{
	char text[1024], rec[1200];
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	n = snprintf(rec, sizeof(rec), "%d,%llu,%llu,-;%s\n", level, (unsigned long long)g->seq++,
		     (unsigned long long)(ts / 1000), text);
	err = rec_writer__kmsg(g->w, ts + 40 * MS, rec, (size_t)n);
	if (err)
		die("kmsg", err);
}

/* The lines dump_header() and __oom_kill_process() print for a memcg OOM. */
static void kmsg_kill(struct gen *g, uint64_t ts, uint32_t pid, const char *comm,
		      const char *cgroup, uint32_t trigger, const char *tcomm, uint64_t anon_kb)
{
	kmsg(g, ts - 3 * MS, 4, "%s invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, "
				"oom_score_adj=0", tcomm);
	kmsg(g, ts - 3 * MS, 4, "CPU: 1 PID: %u Comm: %s Not tainted 6.18.0-synthetic #1", trigger,
	     tcomm);
	kmsg(g, ts - 3 * MS, 4, "Call Trace:");
	kmsg(g, ts - 3 * MS, 4, " <TASK>");
	kmsg(g, ts - 3 * MS, 4, " dump_stack_lvl+0x5d/0x80");
	kmsg(g, ts - 3 * MS, 4, " dump_header+0x43/0x1b0");
	kmsg(g, ts - 3 * MS, 4, " oom_kill_process+0x10d/0x1c0");
	kmsg(g, ts - 3 * MS, 4, " </TASK>");
	kmsg(g, ts - 2 * MS, 6, "memory: usage 131072kB, limit 131072kB, failcnt 42");
	kmsg(g, ts - 2 * MS, 6, "Tasks state (memory values in pages):");
	kmsg(g, ts - 2 * MS, 6, "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file "
				"rss_shmem pgtables_bytes swapents oom_score_adj name");
	kmsg(g, ts - 2 * MS, 6, "[%7u]  1000 %5u    27700    25902    25600      300        2"
				"   266240        0             0 %s", pid, pid, comm);
	kmsg(g, ts - 1 * MS, 6, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
				"mems_allowed=0,oom_memcg=%s,task_memcg=%s,task=%s,pid=%u,uid=1000",
	     cgroup, cgroup, comm, pid);
	kmsg(g, ts + 1 * MS, 3, "Memory cgroup out of memory: Killed process %u (%s) "
				"total-vm:110800kB, anon-rss:%llukB, file-rss:1200kB, "
				"shmem-rss:8kB, UID:1000 pgtables:260kB oom_score_adj:0",
	     pid, comm, (unsigned long long)anon_kb);
}

static void open_gen(struct gen *g, const char *dir, const char *name, uint64_t max_bytes,
		     uint32_t rung, bool with_kmsg)
{
	struct oomrec_header h;
	char path[4096];
	int err, i;

	memset(&h, 0, sizeof(h));
	memset(g, 0, sizeof(*g));
	g->seq = 51000;
	g->name = name;
	snprintf(h.tool_version, sizeof(h.tool_version), "0.1.0");
	snprintf(h.kernel_release, sizeof(h.kernel_release), "6.18.0-synthetic");
	snprintf(h.hostname, sizeof(h.hostname), "lab-synthetic");
	snprintf(h.boot_id, sizeof(h.boot_id), "00000000-0000-4000-8000-5y47h371c000");
	snprintf(h.machine, sizeof(h.machine), "x86_64");
	h.page_size = 4096;
	h.mono_to_real_ns = REAL_AT_T0 - (int64_t)BOOT_T0;
	h.start_mono_ns = BOOT_T0;
	h.rung = rung;
	h.flags = with_kmsg ? OOMREC_F_KMSG : 0;
	if (rung == 1)
		snprintf(h.attach_plan, sizeof(h.attach_plan),
			 "fentry_oom_kill_process oom_kill_process\nfexit_reap __oom_reap_task_mm\n"
			 "tp_btf_mark_victim mark_victim\n");
	else
		snprintf(h.attach_plan, sizeof(h.attach_plan),
			 "tp_btf_mark_victim mark_victim\ntp_btf_wake_reaper wake_reaper\n"
			 "tp_btf_start start_task_reaping\ntp_btf_finish finish_task_reaping\n"
			 "tp_btf_skip skip_task_reaping\ntp_btf_exit sched_process_exit\n");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	for (i = 1; i < 100; i++) {
		char seg[4200];

		snprintf(seg, sizeof(seg), "%s.%d", path, i);
		if (unlink(seg) && errno == ENOENT)
			break;
	}
	err = rec_writer__open(&g->w, path, &h, max_bytes);
	if (err)
		die(path, err);
}

static void close_gen(struct gen *g, uint64_t end)
{
	int err = rec_writer__close(g->w, end);

	if (err)
		die("close", err);
	printf("wrote %s\n", g->name);
}

static const uint16_t TP = OOMREAP_SRC_TRACEPOINT;

/* A: the victim exits 5 ms after the kill; nothing from the reaper. */
static void lab_a(const char *dir)
{
	struct gen g;
	uint64_t t = BOOT_T0 + 3 * SEC;

	open_gen(&g, dir, "synthetic-lab-a.oomrec", 0, 3, true);
	kmsg_kill(&g, t, 4412, "memhog", "/oomtest/a", 4412, "memhog", 65536);
	kill_ev(&g, 1, 4412, t, "memhog", "/oomtest/a", 16384, 300, 4412, "memhog", TP);
	exit_ev(&g, 1, 4412, t + 4 * MS + 512000, 1, TP);
	rec_writer__flush(g.w, t + 100 * MS);
	close_gen(&g, t + 5 * SEC);
}

/* B2: a FUSE-stalled thread pins the mm; the reaper reaps it after 2 s. */
static void lab_b(const char *dir)
{
	struct gen g;
	uint64_t t = BOOT_T0 + 10 * SEC;

	open_gen(&g, dir, "synthetic-lab-b.oomrec", 0, 3, true);
	kmsg_kill(&g, t, 4519, "fuse-victim", "/oomtest/b", 4523, "memhog", 102400);
	kill_ev(&g, 1, 4519, t, "fuse-victim", "/oomtest/b", 25600, 353, 4523, "memhog", TP);
	reap_ev(&g, OOMREAP_EV_REAPER_WAKE, 1, 4519, t + 2006 * MS + 120000, NO_RSS, 0, 0, 0, TP);
	reap_ev(&g, OOMREAP_EV_REAP_START, 1, 4519, t + 2007 * MS, 25600, 353, 0, 0, TP);
	kmsg(&g, t + 2013 * MS, 6,
	     "oom_reaper: reaped process 4519 (fuse-victim), now anon-rss:0kB, file-rss:0kB, "
	     "shmem-rss:0kB");
	reap_ev(&g, OOMREAP_EV_REAP_FINISH, 1, 4519, t + 2013 * MS + 600000, -19, -13, 0, 0, TP);
	exit_ev(&g, 1, 4519, t + 2900 * MS, 1, TP);
	close_gen(&g, t + 6 * SEC);
}

/* C: 10 trylock failures 104 ms apart, "unable to reap"; the trigger is killed next. */
static void lab_c(const char *dir)
{
	struct gen g;
	uint64_t t = BOOT_T0 + 20 * SEC, ts = 0;
	int i;

	open_gen(&g, dir, "synthetic-lab-c.oomrec", 0, 3, true);
	kmsg_kill(&g, t, 4630, "stuck-victim", "/oomtest/c", 4635, "memhog", 102400);
	kill_ev(&g, 1, 4630, t, "stuck-victim", "/oomtest/c", 25600, 353, 4635, "memhog", TP);
	reap_ev(&g, OOMREAP_EV_REAPER_WAKE, 1, 4630, t + 2006 * MS, NO_RSS, 0, 0, 0, TP);
	for (i = 0; i < 10; i++) {
		ts = t + 2006 * MS + 300000 + (uint64_t)i * 104 * MS;
		reap_ev(&g, OOMREAP_EV_REAP_SKIP, 1, 4630, ts, NO_RSS, 0, OOMREAP_SKIP_TRYLOCK_FAILED, 0,
			TP);
		blocker_ev(&g, 1, 4630, ts + 20000, "procpoke", "clear-refs", "stuck-victim");
	}
	kmsg(&g, ts + 1 * MS, 6, "oom_reaper: unable to reap pid:4630 (stuck-victim)");
	kmsg(&g, ts + 1 * MS, 4, "1 lock held by stuck-victim/4630:");
	kmsg(&g, ts + 1 * MS, 4, " #0: ffff8881045c2a18 (&mm->mmap_lock){++++}-{3:3}, at: "
				 "do_exit+0x24e/0xaf0");
	/* MMF_OOM_SKIP is set: the next OOM in the memcg takes the trigger. */
	kmsg_kill(&g, ts + 60 * MS, 4635, "memhog", "/oomtest/c", 4635, "memhog", 65536);
	kill_ev(&g, 2, 4635, ts + 60 * MS, "memhog", "/oomtest/c", 16384, 300, 4635, "memhog", TP);
	exit_ev(&g, 2, 4635, ts + 65 * MS, 1, TP);
	close_gen(&g, t + 8 * SEC);
}

/* C, partial contention: 4 trylock failures, then the victim exits meanwhile. */
static void lab_c_partial(const char *dir)
{
	struct gen g;
	uint64_t t = BOOT_T0 + 30 * SEC, ts = 0;
	int i;

	open_gen(&g, dir, "synthetic-lab-c-partial.oomrec", 0, 3, true);
	kmsg_kill(&g, t, 4701, "stuck-victim", "/oomtest/c", 4705, "memhog", 102400);
	kill_ev(&g, 1, 4701, t, "stuck-victim", "/oomtest/c", 25600, 353, 4705, "memhog", TP);
	reap_ev(&g, OOMREAP_EV_REAPER_WAKE, 1, 4701, t + 2006 * MS, NO_RSS, 0, 0, 0, TP);
	for (i = 0; i < 4; i++) {
		ts = t + 2006 * MS + 300000 + (uint64_t)i * 104 * MS;
		reap_ev(&g, OOMREAP_EV_REAP_SKIP, 1, 4701, ts, NO_RSS, 0, OOMREAP_SKIP_TRYLOCK_FAILED, 0,
			TP);
	}
	exit_ev(&g, 1, 4701, ts + 60 * MS, 1, TP);
	reap_ev(&g, OOMREAP_EV_REAP_SKIP, 1, 4701, ts + 104 * MS, NO_RSS, 0, OOMREAP_SKIP_MM_GONE, 0,
		TP);
	close_gen(&g, t + 6 * SEC);
}

/* The fentry rung of the Debian guests: OOM context, queue, fexit results. */
static void lab_b_fentry(const char *dir)
{
	const uint16_t FE = OOMREAP_SRC_FENTRY;
	struct gen g;
	uint64_t t = BOOT_T0 + 40 * SEC;

	open_gen(&g, dir, "synthetic-lab-b-fentry.oomrec", 0, 1, false);
	ctx_ev(&g, 812, t - 200000, 815, "memhog", "/oomtest");
	kill_ev(&g, 1, 812, t, "oom_victim", "/oomtest/b1c", 25600, 353, 815, "memhog", FE);
	reap_ev(&g, OOMREAP_EV_REAPER_QUEUE, 1, 812, t + 100000, 25600, 353, 0, 0, FE);
	reap_ev(&g, OOMREAP_EV_REAPER_WAKE, 1, 812, t + 2012 * MS, 25600, 353, 0, 0, FE);
	/* a first pass that could not reap everything, then a complete one */
	reap_ev(&g, OOMREAP_EV_REAP_START, 1, 812, t + 2013 * MS, 25600, 353, 0, 0, FE);
	reap_ev(&g, OOMREAP_EV_REAP_RESULT, 1, 812, t + 2016 * MS, 9000, 353, 0, 0, FE);
	reap_ev(&g, OOMREAP_EV_REAP_FINISH, 1, 812, t + 2016 * MS + 10000, 9000, 353, 0, 0, FE);
	reap_ev(&g, OOMREAP_EV_REAP_START, 1, 812, t + 2120 * MS, 9000, 353, 0, 0, FE);
	reap_ev(&g, OOMREAP_EV_REAP_RESULT, 1, 812, t + 2123 * MS, 0, 0, 0, 1, FE);
	reap_ev(&g, OOMREAP_EV_REAP_FINISH, 1, 812, t + 2123 * MS + 10000, 0, 0, 0, 0, FE);
	close_gen(&g, t + 5 * SEC);
}

/*
 * Hostile strings everywhere a victim chooses them (comm via prctl, cgroup
 * names via mkdir), ring-buffer drops, and a cut: the tracer died, so
 * there is no END record.
 */
static void hostile(const char *dir)
{
	struct gen g;
	uint64_t t = BOOT_T0 + 50 * SEC;
	int err;

	open_gen(&g, dir, "synthetic-hostile-cut.oomrec", 0, 3, true);
	kmsg_kill(&g, t, 6661, "<script>alert(1", "/x/<img src=x onerror=alert(2)>", 6661,
		  "<script>alert(1", 65536);
	kill_ev(&g, 1, 6661, t, "<script>alert(1", "/x/<img src=x onerror=alert(2)>", 16384, 300,
		6661, "<script>alert(1", TP);
	exit_ev(&g, 1, 6661, t + 5 * MS, 1, TP);
	kill_ev(&g, 2, 6670, t + 1 * SEC, "a|b`c``d*_e_\n\x1b[31m", "/x/`code` | cell &amp; **bold**",
		16384, 300, 6670, "\xff\xfe bad utf8", TP);
	kmsg(&g, t + 1 * SEC + 1 * MS, 3,
	     "Memory cgroup out of memory: Killed process 6670 (a|b`c``d*_e_\\x0a\\x1b[31m) "
	     "total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB "
	     "oom_score_adj:0 ```</pre><script>alert(3)</script>");
	err = rec_writer__lost(g.w, t + 1 * SEC + 50 * MS, 3);
	if (err)
		die("lost", err);
	reap_ev(&g, OOMREAP_EV_REAPER_WAKE, 2, 6670, t + 3006 * MS, NO_RSS, 0, 0, 0, TP);
	reap_ev(&g, OOMREAP_EV_REAP_SKIP, 2, 6670, t + 3006 * MS + 300000, NO_RSS, 0,
		OOMREAP_SKIP_TRYLOCK_FAILED, 0, TP);
	blocker_ev(&g, 2, 6670, t + 3006 * MS + 320000, "<b>|`holder`", "</td><script>", "a|b");
	reap_ev(&g, OOMREAP_EV_REAP_START, 2, 6670, t + 3110 * MS, 16384, 300, 0, 0, TP);
	err = rec_writer__flush(g.w, t + 4 * SEC);
	if (err)
		die("flush", err);
	/* The tracer was killed here: no END.  Free the writer without closing the file. */
	printf("wrote %s (cut)\n", g.name);
	{
		/* rec_writer__close would add END; simulate SIGKILL by truncating it off. */
		char path[4096];
		FILE *f;
		long size;

		rec_writer__close(g.w, t + 4 * SEC);
		snprintf(path, sizeof(path), "%s/%s", dir, g.name);
		f = fopen(path, "r+");
		if (!f || fseek(f, 0, SEEK_END))
			die("reopen", -errno);
		size = ftell(f);
		fclose(f);
		/* END = 16-byte frame + 48-byte payload */
		if (truncate(path, size - 64))
			die("truncate", -errno);
	}
}

/* A storm of 40 quick kills, rotated into several files by --record-max-size. */
static void storm_rotated(const char *dir)
{
	struct gen g;
	uint64_t t = BOOT_T0 + 60 * SEC;
	char comm[16], cg[64];
	uint32_t i;

	open_gen(&g, dir, "synthetic-storm-rotated.oomrec", 6000, 3, false);
	for (i = 0; i < 40; i++) {
		uint64_t k = t + i * 37 * MS;

		snprintf(comm, sizeof(comm), "worker-%u", i);
		snprintf(cg, sizeof(cg), "/kubepods/pod%u", i % 4);
		kill_ev(&g, 10 + i, 7000 + i, k, comm, cg, 4096 + i * 10, 100, 7000 + i, comm, TP);
		exit_ev(&g, 10 + i, 7000 + i, k + (2 + i % 7) * MS, 1, TP);
	}
	close_gen(&g, t + 3 * SEC);
}

/*
 * A Kubernetes container OOM with memory.oom.group set (cgroup v2), as the
 * kernel matrix's scenario G saw it on 6.12: the container's hog is chosen
 * and killed, then every task of the container, the hog again among them
 * (two "Killed process" lines for it, one mark).  90 ms later a plain OOM
 * in a service's memcg, an OOM event of its own.
 */
#define GK_POD "/kubepods.slice/kubepods-burstable.slice/" \
	       "kubepods-burstable-pod1b2c3d4e_5f60_4a7b_8c9d_0e1f2a3b4c5d.slice"
#define GK_CTR GK_POD "/cri-containerd-" \
	       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope"

static void group_kill_ev(struct gen *g, uint64_t seq, uint32_t pid, uint64_t ts, const char *comm,
			  const char *cgroup, int64_t anon, uint32_t trigger, uint32_t levels)
{
	struct oomreap_kill_event k = wire__kill(seq, pid, pid, ts, comm, cgroup);

	k.mm = snap(anon, 0);
	k.total_vm_pages = (uint64_t)anon + 2300;
	k.pgtables_bytes = 118784;
	k.cgroup_id = 9000 + seq;
	k.uid = 0;
	k.trigger_pid = k.trigger_tgid = trigger;
	snprintf(k.trigger_comm, sizeof(k.trigger_comm), "java");
	k.cgroup_hierarchy = 0; /* cgroup2 */
	k.kill_flags |= OOMREAP_KILL_GROUP_READ;
	k.oom_group_levels = levels;
	put(g, &k, sizeof(k));
}

static void gk_killed(struct gen *g, uint64_t ts, uint32_t pid, const char *comm, uint64_t anon_kb)
{
	kmsg(g, ts, 3, "Memory cgroup out of memory: Killed process %u (%s) total-vm:%llukB, "
		       "anon-rss:%llukB, file-rss:0kB, shmem-rss:568kB, UID:0 pgtables:116kB "
		       "oom_score_adj:0",
	     pid, comm, (unsigned long long)anon_kb + 1600, (unsigned long long)anon_kb);
}

static void group_kill(const char *dir)
{
	static const struct {
		uint32_t pid;
		const char *comm;
		int64_t anon;
	} members[] = { { 237, "sidecar", 2048 }, { 239, "worker", 2048 }, { 241, "worker", 2016 } };
	struct gen g;
	uint64_t t = BOOT_T0 + 19 * SEC, k;
	unsigned i;

	open_gen(&g, dir, "synthetic-group-kill.oomrec", 0, 3, true);
	kmsg(&g, t - 4 * MS, 4, "java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, "
				"oom_score_adj=0");
	kmsg(&g, t - 1 * MS, 6, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
				"mems_allowed=0,oom_memcg=%s,task_memcg=%s,task=java,pid=250,uid=0",
	     GK_CTR, GK_CTR);
	gk_killed(&g, t + 1 * MS, 250, "java", 40448);
	group_kill_ev(&g, 1, 250, t, "java", GK_CTR, 10112, 250, 1);
	kmsg(&g, t + 1 * MS, 6, "Tasks in %s are going to be killed due to memory.oom.group set",
	     GK_CTR);
	for (i = 0; i < 3; i++) {
		k = t + 1 * MS + (i + 1) * 300000;
		gk_killed(&g, k, members[i].pid, members[i].comm, (uint64_t)members[i].anon * 4);
		group_kill_ev(&g, 2 + i, members[i].pid, k, members[i].comm, GK_CTR,
			      members[i].anon, 250, 1);
	}
	gk_killed(&g, t + 2 * MS + 100000, 250, "java", 40448);
	exit_ev(&g, 2, 237, t + 3 * MS, 1, TP);
	exit_ev(&g, 3, 239, t + 3 * MS + 200000, 1, TP);
	exit_ev(&g, 4, 241, t + 3 * MS + 400000, 1, TP);
	exit_ev(&g, 1, 250, t + 9 * MS, 1, TP);
	/* the plain OOM */
	k = t + 90 * MS;
	kmsg(&g, k - 2 * MS, 4, "backup invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, "
				"oom_score_adj=0");
	kmsg(&g, k - 1 * MS, 6, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
				"mems_allowed=0,oom_memcg=/system.slice/backup.service,"
				"task_memcg=/system.slice/backup.service,task=backup,pid=251,uid=0");
	kmsg(&g, k + 1 * MS, 3, "Memory cgroup out of memory: Killed process 251 (backup) "
				"total-vm:66600kB, anon-rss:65152kB, file-rss:0kB, shmem-rss:568kB, "
				"UID:0 pgtables:164kB oom_score_adj:0");
	group_kill_ev(&g, 5, 251, k, "backup", "/system.slice/backup.service", 16288, 251, 0);
	exit_ev(&g, 5, 251, k + 6 * MS, 1, TP);
	rec_writer__flush(g.w, k + 100 * MS);
	close_gen(&g, k + 3 * SEC);
}

/* The loaded programs of the tracepoint rung, each with runs skipped so far. */
static void missed(struct gen *g, uint64_t ts, uint64_t exit_runs)
{
	static const char *const progs[] = { "tp_mark_victim",        "tp_wake_reaper",
					     "tp_start_task_reaping", "tp_finish_task_reaping",
					     "tp_skip_task_reaping",  "tp_sched_process_exit" };
	struct runs_missed m = { 0 };
	size_t i;
	int err;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		missed__set(&m, progs[i], strcmp(progs[i], "tp_sched_process_exit") ? 0 : exit_runs,
			    true);
	err = rec_writer__missed(g->w, ts, &m);
	if (err)
		die("missed", err);
}

/*
 * R: exits on a preemptible kernel (7.0+), where a run of the exit
 * program preempted on a CPU makes the next one there skip.  Victim 1
 * exits before any skip; 2 and 3 are open when the kernel counts two
 * skipped runs: 2's exit still comes (incomplete, runs missed), 3's was
 * one of the two and never comes, so 3 closes at its loss deadline, its
 * end unseen, when victim 4's kill (15 s later) moves time past it; 5's
 * exit is a third, and the recording's end closes it the same way.
 */
static void missed_runs(const char *dir)
{
	struct gen g;
	uint64_t t = BOOT_T0 + 20 * SEC, t4 = t + 15 * SEC;

	open_gen(&g, dir, "synthetic-missed-runs.oomrec", 0, 3, true);
	missed(&g, t - SEC, 0);
	kmsg_kill(&g, t, 5101, "storm-1", "/oomtest/r", 5101, "storm-1", 65536);
	kill_ev(&g, 1, 5101, t, "storm-1", "/oomtest/r", 16384, 300, 5101, "storm-1", TP);
	exit_ev(&g, 1, 5101, t + 4 * MS, 1, TP);
	kmsg_kill(&g, t + 50 * MS, 5102, "storm-2", "/oomtest/r", 5102, "storm-2", 65536);
	kill_ev(&g, 2, 5102, t + 50 * MS, "storm-2", "/oomtest/r", 16384, 300, 5102, "storm-2", TP);
	kmsg_kill(&g, t + 60 * MS, 5103, "storm-3", "/oomtest/r", 5103, "storm-3", 65536);
	kill_ev(&g, 3, 5103, t + 60 * MS, "storm-3", "/oomtest/r", 16384, 300, 5103, "storm-3", TP);
	missed(&g, t + 100 * MS, 2);
	rec_writer__flush(g.w, t + 100 * MS);
	exit_ev(&g, 2, 5102, t + 150 * MS, 1, TP);
	kmsg_kill(&g, t4, 5104, "storm-4", "/oomtest/r", 5104, "storm-4", 65536);
	kill_ev(&g, 4, 5104, t4, "storm-4", "/oomtest/r", 16384, 300, 5104, "storm-4", TP);
	exit_ev(&g, 4, 5104, t4 + 5 * MS, 1, TP);
	/* 5's exit is skipped too, and nothing comes after: the recording's
	 * end, 12 s on, closes it at its loss deadline as the tracer did live */
	kmsg_kill(&g, t4 + 100 * MS, 5105, "storm-5", "/oomtest/r", 5105, "storm-5", 65536);
	kill_ev(&g, 5, 5105, t4 + 100 * MS, "storm-5", "/oomtest/r", 16384, 300, 5105, "storm-5",
		TP);
	missed(&g, t4 + 200 * MS, 3);
	close_gen(&g, t4 + 12 * SEC);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/golden";

	lab_a(dir);
	lab_b(dir);
	lab_c(dir);
	lab_c_partial(dir);
	lab_b_fentry(dir);
	hostile(dir);
	storm_rotated(dir);
	group_kill(dir);
	missed_runs(dir);
	return 0;
}
