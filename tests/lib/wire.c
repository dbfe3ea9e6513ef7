// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>

#include "wire.h"

static void header(struct oomreap_event_header *h, uint32_t type, uint32_t size, uint64_t seq,
		   uint32_t pid, uint32_t tgid, uint64_t ts)
{
	h->type = type;
	h->size = size;
	h->ts_ns = ts;
	h->victim_seq = seq;
	h->pid = pid;
	h->tgid = tgid;
	h->cpu = 1;
	h->source = OOMREAP_SRC_TRACEPOINT;
}

struct oomreap_mm_snapshot wire__mm(int64_t anon, int64_t file, int64_t shmem)
{
	struct oomreap_mm_snapshot mm;

	memset(&mm, 0, sizeof(mm));
	if (anon == WIRE_NO_RSS)
		return mm;
	mm.rss_pages[OOMREAP_RSS_ANON] = anon;
	mm.rss_pages[OOMREAP_RSS_FILE] = file;
	mm.rss_pages[OOMREAP_RSS_SHMEM] = shmem;
	mm.mm_flags = 0x800000cdull;
	mm.mm_users = 1;
	mm.snap_flags = OOMREAP_SNAP_VALID | OOMREAP_SNAP_RSS_APPROX;
	return mm;
}

struct oomreap_kill_event wire__kill(uint64_t seq, uint32_t pid, uint32_t tgid, uint64_t ts,
				     const char *comm, const char *cgroup)
{
	struct oomreap_kill_event k;

	memset(&k, 0, sizeof(k));
	header(&k.hdr, OOMREAP_EV_KILL, sizeof(k), seq, pid, tgid, ts);
	k.kill_flags = OOMREAP_KILL_HAVE_TASK;
	snprintf(k.comm, sizeof(k.comm), "%s", comm);
	snprintf(k.cgroup_path, sizeof(k.cgroup_path), "%s", cgroup);
	return k;
}

struct oomreap_oom_context_event wire__context(uint32_t pid, uint64_t ts, uint32_t trigger,
					       const char *trigger_comm, const char *domain)
{
	struct oomreap_oom_context_event c;

	memset(&c, 0, sizeof(c));
	header(&c.hdr, OOMREAP_EV_OOM_CONTEXT, sizeof(c), 0, pid, pid, ts);
	c.hdr.source = OOMREAP_SRC_FENTRY;
	c.totalpages = 32768;
	c.constraint = 3; /* CONSTRAINT_MEMCG */
	c.trigger_pid = trigger;
	c.trigger_tgid = trigger;
	snprintf(c.trigger_comm, sizeof(c.trigger_comm), "%s", trigger_comm);
	snprintf(c.domain_cgroup_path, sizeof(c.domain_cgroup_path), "%s", domain);
	return c;
}

struct oomreap_reap_event wire__reap(uint32_t type, uint64_t seq, uint32_t pid, uint64_t ts)
{
	struct oomreap_reap_event r;

	memset(&r, 0, sizeof(r));
	/* the reaper's tracepoints name the thread only */
	header(&r.hdr, type, sizeof(r), seq, pid, 0, ts);
	r.actor_pid = WIRE_REAPER_PID;
	return r;
}

struct oomreap_exit_event wire__exit(uint64_t seq, uint32_t tgid, uint64_t ts, uint32_t group_dead,
				     uint32_t mm_released)
{
	struct oomreap_exit_event x;

	memset(&x, 0, sizeof(x));
	header(&x.hdr, OOMREAP_EV_VICTIM_EXIT, sizeof(x), seq, tgid, tgid, ts);
	x.exiting_tid = tgid;
	x.group_dead = group_dead;
	x.mm_released = mm_released;
	return x;
}

struct oomreap_blocker_event wire__blocker(uint64_t seq, uint32_t pid, uint64_t ts,
					   uint64_t lock_count)
{
	struct oomreap_blocker_event b;

	memset(&b, 0, sizeof(b));
	header(&b.hdr, OOMREAP_EV_BLOCKER, sizeof(b), seq, pid, 0, ts);
	b.lock_count = lock_count;
	return b;
}

struct oomreap_blocked_task *wire__blocked(struct oomreap_blocker_event *b, uint32_t pid,
					   uint32_t role, const char *comm, int32_t stack_len)
{
	struct oomreap_blocked_task *bt;

	if (b->ntasks >= 1 + OOMREAP_MAX_WAITERS)
		return NULL;
	bt = &b->tasks[b->ntasks++];
	bt->pid = pid;
	bt->tgid = pid;
	snprintf(bt->comm, sizeof(bt->comm), "%s", comm);
	bt->role = role;
	bt->stack_len = stack_len;
	return bt;
}

struct oomreap_ukill_event wire__ukill(uint64_t seq, uint32_t tgid, uint64_t ts, int32_t sig,
				       uint32_t killer_pid, int64_t anon)
{
	struct oomreap_ukill_event u;

	memset(&u, 0, sizeof(u));
	header(&u.hdr, OOMREAP_EV_UKILL, sizeof(u), seq, tgid, tgid, ts);
	u.mm = wire__mm(anon, 0, 0);
	u.sig = sig;
	u.group = 1;
	u.killer_pid = u.killer_tgid = killer_pid;
	u.method = OOMREAP_METHOD_KILL;
	u.syscall_nr = 62;
	u.recognised_by = OOMREAP_KILLER_BY_EXE;
	u.cgroup_hierarchy = 0;
	snprintf(u.comm, sizeof(u.comm), "uhog");
	snprintf(u.killer_comm, sizeof(u.killer_comm), "earlyoom");
	snprintf(u.killer_name, sizeof(u.killer_name), "earlyoom");
	snprintf(u.killer_exe, sizeof(u.killer_exe), "/usr/bin/earlyoom");
	snprintf(u.cgroup_path, sizeof(u.cgroup_path), "/");
	return u;
}

struct oomreap_mrelease_event wire__mrelease(uint64_t seq, uint32_t tgid, uint64_t enter,
					     uint64_t ts, int64_t ret, int64_t anon_before,
					     int64_t anon_after)
{
	struct oomreap_mrelease_event m;

	memset(&m, 0, sizeof(m));
	header(&m.hdr, OOMREAP_EV_MRELEASE, sizeof(m), seq, tgid, tgid, ts);
	m.enter_ns = enter;
	m.ret = ret;
	m.caller_pid = m.caller_tgid = 312;
	snprintf(m.caller_comm, sizeof(m.caller_comm), "earlyoom");
	if (enter)
		m.mrel_flags |= OOMREAP_MREL_ENTER_SEEN;
	if (!tgid)
		m.mrel_flags |= OOMREAP_MREL_UNRESOLVED;
	m.before = wire__mm(anon_before, 0, 0);
	m.after = wire__mm(anon_after, 0, 0);
	return m;
}
