// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tracker (tracker.h): userspace memory killers (lmkd, systemd-oomd,
 * earlyoom...).  Their signal opens an incident; process_mrelease(2)
 * calls and the victim's exit decide how it ends.
 */
#include <string.h>

#include "core/tracker.h"
#include "core/tracker_impl.h"

#define MMF_UNSTABLE_BIT 22 /* set by __oom_reap_task_mm(): someone reaped the mm */

/* How a userspace victim's incident ends, from what came so far. */
static enum oomreap_outcome uk_outcome(const struct oomreap_incident *inc)
{
	bool freed = inc->uk.mm_unstable_at_exit == 1;
	uint32_t i;

	for (i = 0; i < inc->uk.ncalls && i < MRELEASE_CALLS_MAX; i++)
		if (inc->uk.calls[i].ret == 0 && inc->uk.calls[i].have_freed &&
		    (inc->uk.calls[i].freed_pages[OOMREAP_RSS_ANON] ||
		     inc->uk.calls[i].freed_pages[OOMREAP_RSS_FILE] ||
		     inc->uk.calls[i].freed_pages[OOMREAP_RSS_SHMEM]))
			freed = true;
	if (freed)
		return OUTCOME_MRELEASED;
	/*
	 * No call succeeded, and one failed for a reason of its own: ESRCH
	 * only says the victim's mm was gone first (it exited by itself), and
	 * EINVAL before any SIGKILL that it was not dying yet.
	 */
	if (!inc->uk.calls_ok &&
	    inc->uk.calls_failed > inc->uk.calls_esrch + inc->uk.calls_einval_unkilled)
		return OUTCOME_MRELEASE_FAILED;
	return OUTCOME_VICTIM_EXITED;
}

/*
 * Exited: close UK_SETTLE_NS after base (the exit, or the return of the
 * call the exit said was under way), time for a call still returning; or,
 * while that call has not returned, once it has had UK_MRELEASE_WAIT_NS.
 */
static void uk_settle(struct tracker *t, struct oomreap_incident *inc, uint64_t base)
{
	uint64_t wait = inc->uk.mrelease_awaited ? UK_MRELEASE_WAIT_NS : UK_SETTLE_NS;

	trk__set_deadline(t, inc, base + wait, inc->exit_ns, uk_outcome(inc));
}

void trk__uk_exit(struct tracker *t, struct oomreap_incident *inc,
		  const struct oomreap_exit_event *x)
{
	if (x->mm.snap_flags & OOMREAP_SNAP_VALID)
		inc->uk.mm_unstable_at_exit = (x->mm.mm_flags >> MMF_UNSTABLE_BIT) & 1;
	inc->uk.mrelease_awaited = x->exit_flags & OOMREAP_EXIT_MRELEASE_BUSY;
	uk_settle(t, inc, inc->exit_ns);
}

/*
 * A cgroup.kill victim joins the last write's event when the same thread
 * sent its signal, to the same cgroup, within EVENT_MEMBER_GAP_NS of the
 * write's previous signal: cgroup_kill() signals each process of the
 * subtree in one loop of one write(2).  A second write by the same
 * thread to the same cgroup that soon finds only processes the first
 * one's SIGKILL has not finished: their signal is already pending and
 * not traced (result 2), so nothing merges two writes' victims wrongly.
 */
static void uk_write_assign(struct tracker *t, struct oomreap_incident *inc,
			    const struct oomreap_ukill_event *u)
{
	uint64_t target = (u->ukill_flags & OOMREAP_UKILL_TARGET) ? u->target_cgroup_id : 0;

	if (!(t->uk_write.id && t->uk_write.killer_pid == u->killer_pid &&
	      t->uk_write.target_id == target && u->hdr.ts_ns >= t->uk_write.last_ns &&
	      u->hdr.ts_ns - t->uk_write.last_ns <= EVENT_MEMBER_GAP_NS)) {
		t->uk_write.id = inc->victim_seq ? inc->victim_seq : 1;
		t->uk_write.victims = 0;
		t->uk_write.killer_pid = u->killer_pid;
		t->uk_write.target_id = target;
	}
	t->uk_write.last_ns = u->hdr.ts_ns;
	inc->uk.write_id = t->uk_write.id;
	inc->uk.write_victim = ++t->uk_write.victims;
	inc->uk.target_known = u->ukill_flags & OOMREAP_UKILL_TARGET;
	if (inc->uk.target_known) {
		inc->uk.target_truncated = u->ukill_flags & OOMREAP_UKILL_TARGET_TRUNC;
		inc->uk.target_cgroup_id = u->target_cgroup_id;
		memcpy(inc->uk.target_cgroup, u->target_cgroup_path, sizeof(inc->uk.target_cgroup));
		inc->uk.target_cgroup[sizeof(inc->uk.target_cgroup) - 1] = 0;
	}
}

void trk__on_ukill(struct tracker *t, const struct oomreap_ukill_event *u)
{
	struct oomreap_incident *inc = trk__find_by_seq(t, u->hdr.victim_seq);
	uint32_t i;

	if (inc && inc->kill_ns) {
		/* a later signal to the same victim (SIGTERM, then SIGKILL) */
		inc->uk.signals++;
		inc->uk.last_sig = u->sig;
		inc->uk.last_sig_ns = u->hdr.ts_ns;
		trk__timeline_add(inc, &u->hdr, &u->mm, u->rss_sum, 0, u->sig);
		if (!inc->exited) {
			trk__set_deadline(t, inc, u->hdr.ts_ns + UK_OPEN_NS, u->hdr.ts_ns, OUTCOME_OPEN);
			inc->deadline_guess = true;
		}
		return;
	}
	if (!inc && trk__recently_closed(t, u->hdr.victim_seq)) {
		t->stats.orphan_events++;
		return;
	}
	if (!inc)
		inc = trk__new_incident(t, &u->hdr);
	inc->kind = INCIDENT_USERSPACE;
	inc->pid = u->hdr.pid;
	inc->tgid = u->hdr.tgid;
	inc->source = u->hdr.source;
	inc->kill_ns = u->hdr.ts_ns;
	inc->have_identity = true;
	memcpy(inc->comm, u->comm, sizeof(inc->comm));
	inc->uid = u->uid;
	inc->trigger_pid = u->killer_pid;
	inc->trigger_tgid = u->killer_tgid;
	memcpy(inc->trigger_comm, u->killer_comm, sizeof(inc->trigger_comm));
	inc->cgroup_id = u->cgroup_id;
	inc->cgroup_hierarchy = u->cgroup_hierarchy;
	inc->cgroup_truncated = u->ukill_flags & OOMREAP_UKILL_CGROUP_TRUNC;
	memcpy(inc->cgroup_path, u->cgroup_path, sizeof(inc->cgroup_path));
	if (u->mm.snap_flags & OOMREAP_SNAP_VALID) {
		inc->have_rss_at_kill = true;
		for (i = 0; i < OOMREAP_RSS_NR; i++)
			inc->rss_at_kill_pages[i] = rss__clamp(u->mm.rss_pages[i]);
		inc->have_rss_sum_at_kill = rss__has_sum(&u->mm);
		for (i = 0; i < OOMREAP_RSS_NR; i++)
			inc->rss_sum_at_kill_pages[i] =
				inc->have_rss_sum_at_kill ? rss__clamp(u->rss_sum[i]) : 0;
		inc->total_vm_pages = u->total_vm_pages;
		inc->pgtables_bytes = u->pgtables_bytes;
	}
	/* no OOM report: the kernel's log says nothing of a userspace kill */
	oom_context__missing(&inc->ctx, CTX_WHY_NOT_LOGGED);
	memcpy(inc->uk.killer_name, u->killer_name, sizeof(inc->uk.killer_name));
	memcpy(inc->uk.killer_comm, u->killer_comm, sizeof(inc->uk.killer_comm));
	memcpy(inc->uk.killer_exe, u->killer_exe, sizeof(inc->uk.killer_exe));
	inc->uk.killer_pid = u->killer_pid;
	inc->uk.killer_tgid = u->killer_tgid;
	inc->uk.recognised_by = u->recognised_by;
	inc->uk.method = u->method;
	inc->uk.syscall_nr = u->syscall_nr;
	inc->uk.first_sig = inc->uk.last_sig = u->sig;
	inc->uk.last_sig_ns = u->hdr.ts_ns;
	inc->uk.signals = 1;
	inc->uk.mm_unstable_at_exit = -1;
	if (u->method == OOMREAP_METHOD_CGROUP_KILL)
		uk_write_assign(t, inc, u);
	trk__timeline_add(inc, &u->hdr, &u->mm, u->rss_sum, 0, u->sig);
	trk__set_deadline(t, inc, u->hdr.ts_ns + UK_OPEN_NS, u->hdr.ts_ns, OUTCOME_OPEN);
	inc->deadline_guess = true;

	/* its exit, seen on another CPU just before */
	for (i = 0; i < ORPHAN_EXITS; i++) {
		const struct oomreap_exit_event *x = &t->orphans[i];

		if (!t->orphan_used[i] || x->hdr.victim_seq != inc->victim_seq || !inc->victim_seq)
			continue;
		t->orphan_used[i] = false;
		t->stats.orphan_events--;
		trk__apply_exit(t, inc, x);
		return;
	}
}

void trk__on_mrelease(struct tracker *t, const struct oomreap_mrelease_event *m)
{
	static const __s64 no_sum[OOMREAP_RSS_NR]; /* the call's snapshots carry no sums */
	struct oomreap_incident *inc = trk__find_by_seq(t, m->hdr.victim_seq);
	struct mrelease_call *c;
	uint32_t i;

	if (!inc && !m->hdr.victim_seq && m->hdr.tgid)
		inc = trk__find_by_id(t, 0, m->hdr.tgid);
	if (!inc || inc->kind != INCIDENT_USERSPACE) {
		/* lmkd's process_mrelease(-1, 0) probe, or a victim no killer we know signalled */
		t->stats.mrelease_unmatched++;
		t->stats.orphan_events++;
		return;
	}
	trk__timeline_add(inc, &m->hdr, &m->after, no_sum, 0, (int32_t)m->ret);
	if (m->ret == 0) {
		inc->uk.calls_ok++;
	} else {
		unsigned cls = mrelease_err__of(m->ret);

		inc->uk.calls_failed++;
		if (cls == MREL_ERR_NR)
			inc->uk.calls_esrch++;
		else
			inc->uk.calls_failed_by[cls]++;
		/* no SIGKILL among the killer's signals so far (they come in time order) */
		if (cls == MREL_ERR_EINVAL && inc->uk.first_sig != 9 && inc->uk.last_sig != 9)
			inc->uk.calls_einval_unkilled++;
	}
	if (inc->uk.ncalls++ >= MRELEASE_CALLS_MAX)
		return;
	c = &inc->uk.calls[inc->uk.ncalls - 1];
	c->enter_ns = (m->mrel_flags & OOMREAP_MREL_ENTER_SEEN) ? m->enter_ns : 0;
	c->exit_ns = m->hdr.ts_ns;
	c->ret = m->ret;
	c->caller_pid = m->caller_pid;
	c->caller_tgid = m->caller_tgid;
	memcpy(c->caller_comm, m->caller_comm, sizeof(c->caller_comm));
	c->mm_gone = m->mrel_flags & OOMREAP_MREL_MM_GONE;
	c->locked_ns = (m->mrel_flags & OOMREAP_MREL_LOCKED) ? m->locked_ns : 0;
	c->unmapped_ns = (m->mrel_flags & OOMREAP_MREL_UNMAPPED) ? m->unmapped_ns : 0;
	c->partial = m->mrel_flags & OOMREAP_MREL_PARTIAL;
	c->have_freed = (m->before.snap_flags & OOMREAP_SNAP_VALID) &&
			(m->after.snap_flags & OOMREAP_SNAP_VALID);
	for (i = 0; c->have_freed && i < OOMREAP_RSS_NR; i++) {
		uint64_t b = rss__clamp(m->before.rss_pages[i]), a = rss__clamp(m->after.rss_pages[i]);

		c->freed_pages[i] = b > a ? b - a : 0;
	}
	if (inc->exited) {
		uint64_t base = inc->exit_ns;

		/* the first return after such an exit is the call it waited for */
		if (inc->uk.mrelease_awaited && m->hdr.ts_ns > base)
			base = m->hdr.ts_ns;
		inc->uk.mrelease_awaited = false;
		uk_settle(t, inc, base);
	}
}
