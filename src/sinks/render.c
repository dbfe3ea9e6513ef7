// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/container.h"
#include "core/event.h"
#include "core/ksyms.h"
#include "core/timefmt.h"
#include "sinks/render.h"

static void json_string(FILE *f, const char *s, size_t maxlen)
{
	fputc('"', f);
	incident__escape(f, ESCAPE_JSON, s, maxlen);
	fputc('"', f);
}

static void text_string(FILE *f, const char *s, size_t maxlen)
{
	incident__escape(f, ESCAPE_TEXT, s, maxlen);
}

/* comm, escaped for a terminal, into buf */
static void text_comm(char *buf, size_t len, const char *comm)
{
	incident__escape_buf(buf, len, ESCAPE_TEXT, comm, OOMREAP_COMM_LEN);
}

/*
 * The one-line verdict on who blocked the reaper ("" when there were no
 * failed trylocks with blocker data).
 */
static void blocker_verdict(char *buf, size_t len, const struct oomreap_incident *inc,
			     const struct render_ctx *rc)
{
	const struct blocker_snapshot *bs;
	/* where is made of recorded symbol names: escaped, as comm is (4 bytes a byte at worst) */
	char comm[OOMREAP_COMM_LEN * 4 + 1], raw[160], where[sizeof(raw) * 4], state[160];
	size_t used = 0;
	uint32_t i, readers;
	bool rt_taking;

	buf[0] = 0;
	if (!inc->nblockers)
		return;
	/* the picture seen most often speaks for the incident */
	bs = &inc->blockers[0];
	for (i = 1; i < inc->nblockers; i++)
		if (inc->blockers[i].count > bs->count)
			bs = &inc->blockers[i];
#define APPEND(...)                                                                      \
	do {                                                                             \
		if (used < len)                                                          \
			used += (size_t)snprintf(buf + used, len - used, __VA_ARGS__);   \
	} while (0)
	/* PREEMPT_RT: the rtmutex's owner may still wait for readers to leave */
	rt_taking = (bs->blk_flags & OOMREAP_BLK_RWBASE) &&
		    incident__rwbase_state(bs->lock_count, &readers) == RWBASE_WRITER_WAITING;
	if (inc->kind == INCIDENT_USERSPACE)
		APPEND("process_mrelease found the lock busy %ux:", inc->blocker_events);
	else
		APPEND("reaper blocked %ux:", inc->trylock_failures);
	for (i = 0; i < bs->ntasks; i++) {
		const struct oomreap_blocked_task *bt = &bs->tasks[i];

		text_comm(comm, sizeof(comm), bt->comm);
		incident__task_where(raw, sizeof(raw), bt, rc->ksyms);
		incident__escape_buf(where, sizeof(where), ESCAPE_TEXT, raw, sizeof(raw));
		if (incident__role_is_owner(bt->role) && rt_taking)
			APPEND(" mmap_lock being taken for write by %u (%s)%s%s", bt->pid, comm,
			       where[0] ? " in " : "", where);
		else if (incident__role_is_owner(bt->role))
			APPEND(" mmap_lock held for %s by %u (%s)%s%s%s", incident__role_mode(bt->role),
			       bt->pid, comm,
			       bt->role == OOMREAP_ROLE_OWNER_READER ? " [last reader: a hint]" : "",
			       where[0] ? " in " : "", where);
		else if (bt->role == OOMREAP_ROLE_WAITER_RT)
			APPEND("%s waiter %u (%s) [read or write: not recorded]%s%s", i ? ";" : "",
			       bt->pid, comm, where[0] ? " in " : "", where);
		else
			APPEND("%s %s waiter %u (%s)%s%s", i ? ";" : "", incident__role_mode(bt->role), bt->pid,
			       comm, where[0] ? " in " : "", where);
	}
	if (bs->blk_flags & OOMREAP_BLK_NO_OWNER)
		APPEND(" (owner unknown)");
	if (bs->blk_flags & OOMREAP_BLK_WAITERS_UNSEEN)
		APPEND(" (the lock had waiters the tool did not find)");
	incident__lock_state(state, sizeof(state), bs->blk_flags, bs->lock_count);
	if (state[0])
		APPEND("; mmap_lock: %s", state);
	if (inc->nblockers > 1)
		APPEND(" (%u other pictures)", inc->nblockers - 1);
#undef APPEND
}

void render__text_header(FILE *f)
{
	fprintf(f, "%-8s %-7s %-15s %-13s %8s %5s %8s %s\n", "TIME", "PID", "COMM", "OUTCOME",
		"DONE_IN", "FAILS", "FREED", "CGROUP");
}

void render__text_oom_event(FILE *f, const struct oomreap_incident *inc,
			    const struct render_ctx *rc)
{
	char when[16] = "-";

	if (inc->kill_ns)
		timefmt__hms(when, sizeof(when), (int64_t)inc->kill_ns + rc->mono_to_real_ns);
	fprintf(f, "%-8s OOM event %" PRIu64 ": memory.oom.group kill of ", when,
		inc->oom_event.id);
	if (inc->oom_event.group_cgroup_known)
		text_string(f, inc->oom_event.group_cgroup, sizeof(inc->oom_event.group_cgroup));
	else
		fputs("? (the victim's cgroup path was cut)", f);
	fputs(", its victims:\n", f);
}

static const char *signal_name(int32_t sig)
{
	return sig == 9 ? "SIGKILL" : sig == 15 ? "SIGTERM" : "other";
}

static const char *errno_name(int64_t ret)
{
	switch (-ret) {
	case 0: return NULL;
	case EINVAL: return "EINVAL";
	case ESRCH: return "ESRCH";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case EINTR: return "EINTR";
	case ENOSYS: return "ENOSYS";
	case EPERM: return "EPERM";
	default: return "other";
	}
}

/* "  killed by earlyoom (pid 312, exe /usr/bin/earlyoom) with SIGKILL via kill; ..." */
static void text_userspace(FILE *f, const struct oomreap_incident *inc,
			   const struct render_ctx *rc)
{
	const struct ukill_info *u = &inc->uk;
	char dur[16], freed[16];
	uint32_t i;

	fputs("  killed by ", f);
	text_string(f, u->killer_name, sizeof(u->killer_name));
	fprintf(f, " (pid %u, %s ", u->killer_tgid,
		u->recognised_by == OOMREAP_KILLER_BY_CGROUP ? "cgroup" : "exe");
	text_string(f, u->killer_exe, sizeof(u->killer_exe));
	fprintf(f, ") with %s via %s", signal_name(u->first_sig), method__name(u->method));
	if (u->write_id) {
		fputs(" of ", f);
		if (u->target_known)
			text_string(f, u->target_cgroup, sizeof(u->target_cgroup));
		else
			fputs("a cgroup not read", f);
		fprintf(f, " (event %" PRIu64 ", victim %u)", u->write_id, u->write_victim);
	}
	if (u->signals > 1)
		fprintf(f, ", %u signals, the last %s", u->signals, signal_name(u->last_sig));
	if (!rc->mrelease_traced) {
		fputs("; process_mrelease not traced", f);
	} else if (!u->ncalls) {
		fputs("; no process_mrelease", f);
	} else {
		for (i = 0; i < u->ncalls && i < MRELEASE_CALLS_MAX; i++) {
			const struct mrelease_call *c = &u->calls[i];

			timefmt__duration(dur, sizeof(dur), incident__mrelease_duration_ns(c));
			fprintf(f, "; process_mrelease %s in %s", c->ret ? errno_name(c->ret) : "ok",
				dur);
			if (incident__mrelease_lock_wait_ns(c) != LATENCY_NONE) {
				char w[16], um[16];

				timefmt__duration(w, sizeof(w), incident__mrelease_lock_wait_ns(c));
				timefmt__duration(um, sizeof(um), incident__mrelease_unmap_ns(c));
				fprintf(f, " (lock wait %s, unmap %s)", w, um);
			}
			if (c->have_freed) {
				timefmt__bytes(freed, sizeof(freed),
					       incident__freed_bytes(c->freed_pages, rc->page_size));
				fprintf(f, " freed %s", freed);
			} else if (c->mm_gone) {
				fputs(" (mm released during the call)", f);
			}
		}
	}
	fputc('\n', f);
}

void render__text_incident(FILE *f, const struct oomreap_incident *inc,
			   const struct render_ctx *rc)
{
	char when[16] = "-", dur[16], freed[16], comm[OOMREAP_COMM_LEN * 4 + 1];
	int pad;

	if (inc->kill_ns || inc->identity_from_log)
		timefmt__hms(when, sizeof(when),
			     timefmt__real_ns(inc->kill_ns ? inc->kill_ns : inc->kill_log_ns,
					      rc->mono_to_real_ns));
	timefmt__duration(dur, sizeof(dur), incident__done_ns(inc));
	if (inc->freed_unread)
		strcpy(freed, "?");
	else
		timefmt__bytes(freed, sizeof(freed),
			       incident__freed_bytes(inc->freed_pages, rc->page_size));
	if (inc->kind == INCIDENT_USERSPACE) {
		/* no reaper: what the process_mrelease calls measurably freed, else unknown */
		uint64_t pages[OOMREAP_RSS_NR] = { 0 };
		bool known = false;
		uint32_t i, j;

		for (i = 0; i < inc->uk.ncalls && i < MRELEASE_CALLS_MAX; i++)
			if (inc->uk.calls[i].have_freed)
				for (j = 0, known = true; j < OOMREAP_RSS_NR; j++)
					pages[j] += inc->uk.calls[i].freed_pages[j];
		if (known)
			timefmt__bytes(freed, sizeof(freed), incident__freed_bytes(pages, rc->page_size));
		else
			snprintf(freed, sizeof(freed), "?");
	}
	fprintf(f, "%-8s %-7u ", when, inc->pid);
	/* comm is escaped, so its printed width can exceed 15: pad by hand */
	text_comm(comm, sizeof(comm), incident__named(inc) ? inc->comm : "?");
	fputs(comm, f);
	pad = 15 - (int)strlen(comm);
	fprintf(f, "%*s ", pad > 0 ? pad : 0, "");
	fprintf(f, "%-13s %8s %5u %8s ", outcome__name(inc->outcome), dur, inc->trylock_failures,
		freed);
	if (inc->have_identity)
		text_string(f, inc->cgroup_path, sizeof(inc->cgroup_path));
	else
		fputs("?", f);
	if (inc->incomplete)
		fputs(inc->runs_missed ? " [incomplete: runs missed]" : " [incomplete]", f);
	if (inc->ended_unseen)
		fputs(inc->outcome_from_log ? " [end unseen: outcome from the kernel log]"
					    : " [end unseen]", f);
	if (inc->exit_unseen)
		fputs(" [exit unseen]", f);
	if (inc->evicted)
		fputs(" [evicted]", f);
	fputc('\n', f);
	if (inc->kind == INCIDENT_USERSPACE)
		text_userspace(f, inc, rc);
	if (inc->nblockers) {
		char verdict[1024];

		blocker_verdict(verdict, sizeof(verdict), inc, rc);
		fprintf(f, "  %s\n", verdict);
	}
	if (rc->verbose) {
		render__text_oom_context(f, &inc->ctx);
		render__text_oom_report(f, &inc->ctx, rc->page_size);
	}
}

/*
 * One known field of the OOM context, as text.  A switch without a
 * default on purpose: a field added to enum ctx_field that this does not
 * say is a compiler warning here and in the report's Markdown twin
 * (report/walk_oom.c).
 */
static void text_oom_context_field(FILE *f, const struct oom_context *c, enum ctx_field field)
{
	switch (field) {
	case CTXF_CONSTRAINT:
		fprintf(f, "constraint %s", constraint__name(c->constraint));
		break;
	case CTXF_DOMAIN:
		fputs("domain ", f);
		if (c->global)
			fputs("global", f);
		else
			text_string(f, c->domain, sizeof(c->domain));
		break;
	case CTXF_GFP:
		fprintf(f, "gfp_mask %#x(", c->gfp_mask);
		text_string(f, c->gfp_names, sizeof(c->gfp_names));
		fputc(')', f);
		break;
	case CTXF_ORDER:
		fprintf(f, "order %d", c->order);
		break;
	case CTXF_TOTALPAGES:
		fprintf(f, "%" PRIu64 " pages in the domain", c->totalpages);
		break;
	case CTXF_TRIGGER:
		fputs("trigger ", f);
		text_string(f, c->trigger_comm, sizeof(c->trigger_comm));
		fprintf(f, " (oom_score_adj %d)", c->trigger_oom_score_adj);
		break;
	case CTXF_NR:
		break;
	}
}

void render__text_oom_context(FILE *f, const struct oom_context *c)
{
	const char *src = oom_context__source(c), *sep = " ";
	bool missing = false;
	int i;

	fputs("  OOM context:", f);
	for (i = 0; i < CTXF_NR; i++) {
		if (!c->src[i])
			continue;
		fputs(sep, f);
		text_oom_context_field(f, c, (enum ctx_field)i);
		sep = ", ";
	}
	if (src)
		fprintf(f, " [from %s]\n", src);
	else
		fputs(" none\n", f);
	for (i = 0; i < CTXF_NR; i++) {
		char names[128];

		if (!oom_context__unknown_group(c, i, names, sizeof(names)))
			continue;
		fprintf(f, "%s%s: %s", missing ? "; " : "    unknown ", names,
			ctx_missing__reason(c->why[i]));
		missing = true;
	}
	if (missing)
		fputc('\n', f);
}

/* An id or sequence the kernel never gives as 0: 0 is "not seen", null. */
static void json_count_or_null(FILE *f, uint64_t v)
{
	if (v)
		fprintf(f, "%" PRIu64, v);
	else
		fputs("null", f);
}

static void json_u64_or_null(FILE *f, const char *key, uint64_t v, bool comma)
{
	if (v == UINT64_MAX || (v == 0 && strstr(key, "_ts_ns")))
		fprintf(f, "\"%s\":null", key);
	else
		fprintf(f, "\"%s\":%" PRIu64, key, v);
	if (comma)
		fputc(',', f);
}

/* no_swap: a reading without swap (the kernel log's), swap shown null */
static void json_bytes_obj(FILE *f, const char *key, const uint64_t pages[OOMREAP_RSS_NR],
			   uint64_t page_size, bool no_swap)
{
	fprintf(f, "\"%s\":{\"anon\":%" PRIu64 ",\"file\":%" PRIu64 ",\"shmem\":%" PRIu64
		   ",\"swap\":",
		key, incident__bytes(pages[OOMREAP_RSS_ANON], page_size),
		incident__bytes(pages[OOMREAP_RSS_FILE], page_size),
		incident__bytes(pages[OOMREAP_RSS_SHMEM], page_size));
	if (no_swap)
		fputs("null}", f);
	else
		fprintf(f, "%" PRIu64 "}", incident__bytes(pages[OOMREAP_RSS_SWAP], page_size));
}

static void json_timeline(FILE *f, const struct oomreap_incident *inc, uint64_t page_size)
{
	uint32_t i;
	int j;

	fputs("\"timeline\":[", f);
	for (i = 0; i < inc->timeline_len; i++) {
		const struct timeline_entry *te = &inc->timeline[i];

		fprintf(f, "%s{\"event\":\"%s\",\"ts_ns\":%" PRIu64, i ? "," : "",
			event__type_name(te->type), te->ts_ns);
		if (inc->kill_ns)
			fprintf(f, ",\"t_ns\":%" PRId64, (int64_t)(te->ts_ns - inc->kill_ns));
		if (te->type == OOMREAP_EV_REAP_SKIP)
			fprintf(f, ",\"reason\":\"%s\"", skip_reason__name(te->skip_reason));
		if (te->type == OOMREAP_EV_REAP_RESULT)
			fprintf(f, ",\"complete\":%s", te->reap_ret ? "true" : "false");
		if (te->rss_pages[0] >= 0) {
			uint64_t pages[OOMREAP_RSS_NR];

			for (j = 0; j < OOMREAP_RSS_NR; j++)
				pages[j] = (uint64_t)te->rss_pages[j];
			fputc(',', f);
			json_bytes_obj(f, "rss_bytes", pages, page_size, false);
		}
		fputc('}', f);
	}
	fputs("]", f);
	if (inc->timeline_dropped)
		fprintf(f, ",\"timeline_dropped\":%u", inc->timeline_dropped);
}

static void json_blocked_task(FILE *f, const struct oomreap_blocked_task *bt,
			      const struct render_ctx *rc)
{
	char frame[160];
	int i;

	fprintf(f, "{\"pid\":%u,\"tgid\":%u,\"comm\":", bt->pid, bt->tgid);
	json_string(f, bt->comm, sizeof(bt->comm));
	fprintf(f, ",\"mode\":\"%s\"", incident__role_mode(bt->role));
	if (incident__role_is_owner(bt->role))
		fprintf(f, ",\"hint\":%s", bt->role == OOMREAP_ROLE_OWNER_READER ? "true" : "false");
	if (bt->stack_len < 0) {
		fprintf(f, ",\"stack\":null,\"stack_error\":%d}", -bt->stack_len);
		return;
	}
	fputs(",\"stack\":[", f);
	for (i = 0; i < bt->stack_len && i < OOMREAP_STACK_DEPTH; i++) {
		ksyms__format(rc->ksyms, bt->stack[i], frame, sizeof(frame));
		fprintf(f, "%s", i ? "," : "");
		json_string(f, frame, sizeof(frame));
	}
	fputs("]}", f);
}

/*
 * PREEMPT_RT's lock: its kind, the readers it counts (null when its word
 * is no state of the lock) and where the writer is.
 */
static void json_rwbase(FILE *f, uint64_t lock_count)
{
	static const char *const writer[] = {
		[RWBASE_NO_WRITER] = "none",
		[RWBASE_WRITER_WAITING] = "waiting_for_readers",
		[RWBASE_WRITE_LOCKED] = "holding",
	};
	uint32_t readers;
	enum rwbase_state st = incident__rwbase_state(lock_count, &readers);

	fputs(",\"lock\":\"rwbase_rt\",\"readers_recorded\":false", f);
	if (st == RWBASE_INVALID)
		fputs(",\"readers\":null,\"writer\":null", f);
	else
		fprintf(f, ",\"readers\":%u,\"writer\":\"%s\"", readers, writer[st]);
}

static void json_blockers(FILE *f, const struct oomreap_incident *inc,
			  const struct render_ctx *rc)
{
	uint32_t i, j;
	char verdict[1024];

	fputs("\"blockers\":[", f);
	for (i = 0; i < inc->nblockers; i++) {
		const struct blocker_snapshot *bs = &inc->blockers[i];
		bool holder = bs->ntasks && incident__role_is_owner(bs->tasks[0].role);

		fprintf(f, "%s{\"count\":%u,\"first_attempt\":%u,\"last_attempt\":%u,"
			   "\"waiters_truncated\":%s,%s\"holder\":",
			i ? "," : "", bs->count, bs->first_attempt, bs->last_attempt,
			(bs->blk_flags & OOMREAP_BLK_WAITERS_TRUNC) ? "true" : "false",
			(bs->blk_flags & OOMREAP_BLK_WAITERS_UNSEEN) ? "\"waiters_unseen\":true," : "");
		if (holder)
			json_blocked_task(f, &bs->tasks[0], rc);
		else
			fputs("null", f);
		if (bs->blk_flags & OOMREAP_BLK_RWBASE)
			json_rwbase(f, bs->lock_count);
		fputs(",\"waiters\":[", f);
		for (j = holder ? 1 : 0; j < bs->ntasks; j++) {
			if (j > (holder ? 1u : 0u))
				fputc(',', f);
			json_blocked_task(f, &bs->tasks[j], rc);
		}
		fputs("]}", f);
	}
	fprintf(f, "],\"blocker_events\":%u,\"blockers_dropped\":%u,\"blocker_verdict\":",
		inc->blocker_events, inc->blockers_dropped);
	blocker_verdict(verdict, sizeof(verdict), inc, rc);
	if (verdict[0])
		json_string(f, verdict, sizeof(verdict));
	else
		fputs("null", f);
	fputc(',', f);
}

/* "container": runtime, id, pod and QoS from the cgroup path, or null. */
static void json_container(FILE *f, const struct oomreap_incident *inc)
{
	struct container_info ci;

	if (!inc->have_identity ||
	    !container__parse(inc->cgroup_path, sizeof(inc->cgroup_path), &ci)) {
		fputs(",\"container\":null", f);
		return;
	}
	fputs(",\"container\":{\"runtime\":", f);
	if (ci.id[0])
		fprintf(f, "\"%s\",\"id\":\"%s\"", container__runtime_name(ci.runtime), ci.id);
	else
		fputs("null,\"id\":null", f);
	if (ci.pod_uid[0])
		fprintf(f, ",\"pod_uid\":\"%s\",\"qos\":\"%s\"}", ci.pod_uid, pod_qos__name(ci.qos));
	else
		fputs(",\"pod_uid\":null,\"qos\":null}", f);
}

/*
 * The OOM event's keys, first in "oom": event_id and event_victim (1 =
 * the chosen victim, 2.. = group members in kill order), group_kill
 * (true, false, or null when the kill could not be read for it) and the
 * group's memcg.
 */
static void json_oom_event(FILE *f, const struct oom_event_info *ev)
{
	if (ev->id)
		fprintf(f, "\"event_id\":%" PRIu64 ",\"event_victim\":%u", ev->id, ev->index);
	else
		fputs("\"event_id\":null,\"event_victim\":null", f);
	fprintf(f, ",\"group_kill\":%s,\"group_cgroup\":",
		ev->group_kill == GROUP_KILL_YES  ? "true"
		: ev->group_kill == GROUP_KILL_NO ? "false"
						  : "null");
	if (ev->group_cgroup_known)
		json_string(f, ev->group_cgroup, sizeof(ev->group_cgroup));
	else
		fputs("null", f);
}

/*
 * The OOM context's keys in "oom", after the event's: each value from
 * inc->ctx whatever its source (oom_control or the kernel log), null when
 * missing; then where each came from, and why each null one is.
 */
static void json_oom_context(FILE *f, const struct oom_context *c)
{
	int i;
	bool first = true;

	fputs(",\"constraint\":", f);
	if (c->src[CTXF_CONSTRAINT])
		fprintf(f, "\"%s\"", constraint__name(c->constraint));
	else
		fputs("null", f);
	fputs(",\"order\":", f);
	if (c->src[CTXF_ORDER])
		fprintf(f, "%d", c->order);
	else
		fputs("null", f);
	fputs(",\"totalpages\":", f);
	if (c->src[CTXF_TOTALPAGES])
		fprintf(f, "%" PRIu64, c->totalpages);
	else
		fputs("null", f);
	fputs(",\"domain_cgroup\":", f);
	if (c->src[CTXF_DOMAIN] && !c->global) /* null for a global OOM: no domain memcg */
		json_string(f, c->domain, sizeof(c->domain));
	else
		fputs("null", f);
	if (c->src[CTXF_GFP]) {
		fprintf(f, ",\"gfp_mask\":\"%#x\",\"gfp_flags\":", c->gfp_mask);
		json_string(f, c->gfp_names, sizeof(c->gfp_names));
	} else {
		fputs(",\"gfp_mask\":null,\"gfp_flags\":null", f);
	}
	if (c->src[CTXF_TRIGGER]) {
		fputs(",\"trigger_comm\":", f);
		json_string(f, c->trigger_comm, sizeof(c->trigger_comm));
		fprintf(f, ",\"trigger_oom_score_adj\":%d", c->trigger_oom_score_adj);
	} else {
		fputs(",\"trigger_comm\":null,\"trigger_oom_score_adj\":null", f);
	}
	fputs(",\"context_source\":{", f);
	for (i = 0; i < CTXF_NR; i++) {
		const char *src = ctx_source__name(c->src[i]);

		fprintf(f, "%s\"%s\":", i ? "," : "", ctx_field__name(i));
		if (src)
			fprintf(f, "\"%s\"", src);
		else
			fputs("null", f);
	}
	fputs("},\"context_missing\":{", f);
	for (i = 0; i < CTXF_NR; i++) {
		if (c->src[i])
			continue;
		fprintf(f, "%s\"%s\":\"%s\"", first ? "" : ",", ctx_field__name(i),
			ctx_missing__reason(c->why[i]));
		first = false;
	}
	fputc('}', f);
}

/* A userspace killer's incident: who killed, how, and its process_mrelease calls. */
static void json_userspace(FILE *f, const struct oomreap_incident *inc,
			   const struct render_ctx *rc)
{
	const struct ukill_info *u = &inc->uk;
	uint32_t i;

	fputs(",\"kind\":\"userspace\",\"killer\":{\"name\":", f);
	json_string(f, u->killer_name, sizeof(u->killer_name));
	fprintf(f, ",\"pid\":%u,\"tgid\":%u,\"comm\":", u->killer_pid, u->killer_tgid);
	json_string(f, u->killer_comm, sizeof(u->killer_comm));
	/* the configured path it matched: the one its recognised_by names, the other null */
	fputs(",\"exe\":", f);
	if (u->recognised_by == OOMREAP_KILLER_BY_EXE)
		json_string(f, u->killer_exe, sizeof(u->killer_exe));
	else
		fputs("null", f);
	fputs(",\"cgroup\":", f);
	if (u->recognised_by == OOMREAP_KILLER_BY_CGROUP)
		json_string(f, u->killer_exe, sizeof(u->killer_exe));
	else
		fputs("null", f);
	fprintf(f, ",\"recognised_by\":\"%s\",\"method\":\"%s\",\"syscall_nr\":",
		killer_by_name(u->recognised_by), method__name(u->method));
	if (u->syscall_nr < 0)
		fputs("null", f);
	else
		fprintf(f, "%d", u->syscall_nr);
	fprintf(f, ",\"signal\":\"%s\",\"signals\":%u,\"last_signal\":\"%s\","
		   "\"last_signal_ts_ns\":%" PRIu64 ",\"cgroup_kill\":",
		signal_name(u->first_sig), u->signals, signal_name(u->last_sig), u->last_sig_ns);
	/* the write that killed it, with the cgroup written (null: unread) */
	if (!u->write_id) {
		fputs("null", f);
	} else {
		fputs("{\"cgroup\":", f);
		if (u->target_known)
			json_string(f, u->target_cgroup, sizeof(u->target_cgroup));
		else
			fputs("null", f);
		fputs(",\"cgroup_id\":", f);
		if (u->target_known)
			fprintf(f, "%" PRIu64, u->target_cgroup_id);
		else
			fputs("null", f);
		fprintf(f, ",\"cgroup_truncated\":%s,\"event_id\":%" PRIu64 ",\"event_victim\":%u}",
			u->target_known ? (u->target_truncated ? "true" : "false") : "null",
			u->write_id, u->write_victim);
	}
	fputc('}', f);
	fputs(",\"mrelease\":", f);
	if (!rc->mrelease_traced) {
		fputs("null", f); /* not traced: the calls were not seen */
	} else {
		fprintf(f, "{\"calls\":%u,\"ok\":%u,\"failed\":%u,\"list\":[", u->ncalls,
			u->calls_ok, u->calls_failed);
		for (i = 0; i < u->ncalls && i < MRELEASE_CALLS_MAX; i++) {
			const struct mrelease_call *c = &u->calls[i];
			const char *en = errno_name(c->ret);

			fprintf(f, "%s{", i ? "," : "");
			json_u64_or_null(f, "enter_ts_ns", c->enter_ns, true);
			json_u64_or_null(f, "exit_ts_ns", c->exit_ns, true);
			json_u64_or_null(f, "duration_ns", incident__mrelease_duration_ns(c), true);
			json_u64_or_null(f, "lock_wait_ns", incident__mrelease_lock_wait_ns(c), true);
			json_u64_or_null(f, "unmap_ns", incident__mrelease_unmap_ns(c), true);
			fprintf(f, "\"reap_partial\":%s,",
				!c->unmapped_ns ? "null" : c->partial ? "true" : "false");
			fprintf(f, "\"ret\":%lld,\"errno\":", (long long)c->ret);
			if (en)
				fprintf(f, "\"%s\"", en);
			else
				fputs("null", f);
			fprintf(f, ",\"caller\":{\"pid\":%u,\"tgid\":%u,\"comm\":", c->caller_pid,
				c->caller_tgid);
			json_string(f, c->caller_comm, sizeof(c->caller_comm));
			fputs("},", f);
			if (c->have_freed)
				json_bytes_obj(f, "freed_bytes", c->freed_pages, rc->page_size, false);
			else
				fputs("\"freed_bytes\":null", f);
			fprintf(f, ",\"mm_gone_during_call\":%s}", c->mm_gone ? "true" : "false");
		}
		fputs("]}", f);
	}
	fputs(",\"mm_unstable_at_exit\":", f);
	fputs(u->mm_unstable_at_exit < 0 ? "null" : u->mm_unstable_at_exit ? "true" : "false", f);
	fputc(',', f);
	json_u64_or_null(f, "memory_gone_ns", incident__memory_gone_ns(inc), false);
}

void render__json_incident(FILE *f, const struct oomreap_incident *inc,
			   const struct render_ctx *rc)
{
	char iso[40];

	bool named = incident__named(inc);

	/* what was not seen is null: no sequence (no kill stamped one), no tgid read */
	fputs("{\"victim_seq\":", f);
	json_count_or_null(f, inc->victim_seq);
	fprintf(f, ",\"pid\":%u,\"tgid\":", inc->pid);
	json_count_or_null(f, inc->tgid);
	fputs(",\"comm\":", f);
	if (named)
		json_string(f, inc->comm, sizeof(inc->comm));
	else
		fputs("null", f);
	if (named)
		fprintf(f, ",\"uid\":%u,\"oom_score_adj\":%d,\"cgroup\":", inc->uid,
			inc->oom_score_adj);
	else
		fputs(",\"uid\":null,\"oom_score_adj\":null,\"cgroup\":", f);
	if (inc->have_identity)
		json_string(f, inc->cgroup_path, sizeof(inc->cgroup_path));
	else
		fputs("null", f);
	/* where comm, uid, oom_score_adj, the RSS at the kill and its time come from */
	fprintf(f, ",\"identity_source\":%s,\"first_seen\":\"%s\"",
		inc->have_identity	   ? "\"kill_event\""
		: inc->identity_from_log ? "\"kernel_log\""
					   : "null",
		event__type_name(inc->first_seen));
	fputs(",\"cgroup_id\":", f);
	json_count_or_null(f, inc->have_identity ? inc->cgroup_id : 0);
	fputs(",\"cgroup_version\":", f);
	if (inc->cgroup_hierarchy < 0)
		fputs("null", f);
	else
		fputs(inc->cgroup_hierarchy == 0 ? "2" : "1", f);
	fprintf(f, ",\"cgroup_truncated\":%s", inc->cgroup_truncated ? "true" : "false");
	json_container(f, inc);
	/* kernel OOM incidents keep their form: no "kind" means kernel_oom */
	if (inc->kind == INCIDENT_USERSPACE)
		json_userspace(f, inc, rc);

	/* the task whose allocation invoked the OOM killer: the kill event's only */
	if (inc->trigger_pid) {
		fprintf(f, ",\"trigger\":{\"pid\":%u,\"tgid\":%u,\"comm\":", inc->trigger_pid,
			inc->trigger_tgid);
		json_string(f, inc->trigger_comm, sizeof(inc->trigger_comm));
		fputc('}', f);
	} else {
		fputs(",\"trigger\":null", f);
	}
	fputs(",\"oom\":", f);
	if (inc->kind == INCIDENT_USERSPACE) {
		fputs("null", f); /* no OOM-killer invocation: nothing of it to say */
	} else {
		fputc('{', f);
		json_oom_event(f, &inc->oom_event);
		json_oom_context(f, &inc->ctx);
		render__json_oom_report(f, &inc->ctx.report);
		fputc('}', f);
	}

	/* outcome_source: the tool's own events, or (its end lost) the kernel's line */
	fprintf(f, ",\"outcome\":\"%s\",\"outcome_source\":\"%s\",\"incomplete\":%s,"
		   "\"runs_missed\":%s,\"ended_unseen\":%s,\"exit_unseen\":%s,\"evicted\":%s,"
		   "\"attach\":\"%s\"",
		outcome__name(inc->outcome), inc->outcome_from_log ? "kernel_log" : "events",
		inc->incomplete ? "true" : "false",
		inc->runs_missed ? "true" : "false", inc->ended_unseen ? "true" : "false",
		inc->exit_unseen ? "true" : "false", inc->evicted ? "true" : "false",
		rc->attach ? rc->attach : source__name(inc->source));
	fprintf(f, ",\"attempts\":%u,\"trylock_failures\":%u,\"partial_reaps\":%u,"
		   "\"unknown_skips\":%u,\"wake_ignored\":%s,",
		inc->attempts, inc->trylock_failures, inc->partial_reaps, inc->unknown_skips,
		inc->wake_ignored ? "true" : "false");
	if (inc->have_rss_at_kill) {
		json_bytes_obj(f, "rss_at_kill_bytes", inc->rss_at_kill_pages, rc->page_size,
			       inc->identity_from_log); /* the log prints no swap */
		fprintf(f, ",\"total_vm_bytes\":%" PRIu64 ",\"pgtables_bytes\":%" PRIu64 ",",
			incident__bytes(inc->total_vm_pages, rc->page_size), inc->pgtables_bytes);
	} else {
		fputs("\"rss_at_kill_bytes\":null,\"total_vm_bytes\":null,\"pgtables_bytes\":null,",
		      f);
	}
	if (inc->freed_unread)
		fputs("\"freed_bytes\":null", f); /* a reap the tool could not read */
	else
		json_bytes_obj(f, "freed_bytes", inc->freed_pages, rc->page_size, false);
	fputc(',', f);
	/* where exact sums were read: which reading the figures above are, and why */
	if (inc->rss_basis_src != RSS_SRC_NO_SUM)
		fprintf(f, "\"rss_reading\":\"%s\",\"rss_reading_from\":\"%s\",",
			rss_basis__name(inc->rss_basis), rss_basis_src__name(inc->rss_basis_src));

	fputs("\"kill_time\":", f);
	if (inc->kill_ns || inc->identity_from_log) {
		timefmt__iso8601(iso, sizeof(iso),
				 timefmt__real_ns(inc->kill_ns ? inc->kill_ns : inc->kill_log_ns,
						  rc->mono_to_real_ns));
		fprintf(f, "\"%s\",", iso);
	} else {
		fputs("null,", f);
	}
	json_u64_or_null(f, "kill_ts_ns", inc->kill_ns, true);
	json_u64_or_null(f, "queue_ts_ns", inc->queue_ns, true);
	json_u64_or_null(f, "wake_ts_ns", inc->wake_ns, true);
	json_u64_or_null(f, "first_attempt_ts_ns", inc->first_attempt_ns, true);
	json_u64_or_null(f, "finish_ts_ns", inc->finish_ns, true);
	json_u64_or_null(f, "exit_ts_ns", inc->exit_ns, true);
	json_u64_or_null(f, "kill_to_wake_ns", incident__kill_to_wake_ns(inc), true);
	json_u64_or_null(f, "wake_to_first_attempt_ns", incident__wake_to_first_attempt_ns(inc),
			 true);
	json_u64_or_null(f, "reap_duration_ns", incident__reap_duration_ns(inc), true);
	json_u64_or_null(f, "reap_latency_ns", incident__reap_latency_ns(inc), true);
	json_u64_or_null(f, "exit_latency_ns", incident__exit_latency_ns(inc), true);
	fprintf(f, "\"mm_released_by_exit\":%s,", inc->mm_released_by_exit ? "true" : "false");
	json_blockers(f, inc, rc);
	json_timeline(f, inc, rc->page_size);
	fputs("}\n", f);
}

void render__text_event(FILE *f, const void *event, const struct render_ctx *rc)
{
	const struct oomreap_event_header *h = event;
	int64_t real = timefmt__real_ns(h->ts_ns, rc->mono_to_real_ns);
	char when[16];

	timefmt__hms(when, sizeof(when), real);
	/* microseconds within the second, also before 1970 (a negative real) */
	fprintf(f, "%s.%06llu %-6s seq=%llu pid=%u tgid=%u cpu=%u src=%s", when,
		(unsigned long long)((real % 1000000000 + 1000000000) % 1000000000 / 1000),
		event__type_name(h->type), (unsigned long long)h->victim_seq, h->pid, h->tgid,
		h->cpu, source__name(h->source));
	switch (h->type) {
	case OOMREAP_EV_KILL: {
		const struct oomreap_kill_event *k = event;

		fputs(" comm=", f);
		text_string(f, k->comm, sizeof(k->comm));
		fprintf(f, " anon=%lld file=%lld shmem=%lld",
			(long long)k->mm.rss_pages[OOMREAP_RSS_ANON],
			(long long)k->mm.rss_pages[OOMREAP_RSS_FILE],
			(long long)k->mm.rss_pages[OOMREAP_RSS_SHMEM]);
		/* the exact sums beside the counts, where they were read */
		if (k->mm.snap_flags & OOMREAP_SNAP_RSS_SUM)
			fprintf(f, " sum_anon=%lld sum_file=%lld sum_shmem=%lld",
				(long long)k->rss_sum[OOMREAP_RSS_ANON],
				(long long)k->rss_sum[OOMREAP_RSS_FILE],
				(long long)k->rss_sum[OOMREAP_RSS_SHMEM]);
		fputs(" cgroup=", f);
		text_string(f, k->cgroup_path, sizeof(k->cgroup_path));
		fprintf(f, " trigger=%u", k->trigger_pid);
		if (k->kill_flags & OOMREAP_KILL_GROUP_READ)
			fprintf(f, " oom_group_levels=%#x", k->oom_group_levels);
		if (k->kill_flags & OOMREAP_KILL_EXIT_BEGUN)
			fputs(" exit_begun", f);
		break;
	}
	case OOMREAP_EV_BLOCKER: {
		/* not a reap event: its own fields (the tasks are in the incident) */
		const struct oomreap_blocker_event *b = event;

		fprintf(f, " lock_count=%#llx tasks=%u flags=%#x", (unsigned long long)b->lock_count,
			b->ntasks, b->blk_flags);
		break;
	}
	case OOMREAP_EV_OOM_CONTEXT: {
		const struct oomreap_oom_context_event *c = event;

		fprintf(f, " constraint=%s order=%d", constraint__name(c->constraint), c->order);
		break;
	}
	case OOMREAP_EV_UKILL: {
		const struct oomreap_ukill_event *u = event;

		fputs(" comm=", f);
		text_string(f, u->comm, sizeof(u->comm));
		fprintf(f, " sig=%d code=%d group=%u method=%s nr=%d killer=", u->sig, u->si_code,
			u->group, method__name(u->method), u->syscall_nr);
		text_string(f, u->killer_name, sizeof(u->killer_name));
		fprintf(f, " killer_pid=%u anon=%lld", u->killer_pid,
			(long long)u->mm.rss_pages[OOMREAP_RSS_ANON]);
		if (u->ukill_flags & OOMREAP_UKILL_TARGET) {
			fputs(" target=", f);
			text_string(f, u->target_cgroup_path, sizeof(u->target_cgroup_path));
		}
		break;
	}
	case OOMREAP_EV_MRELEASE: {
		const struct oomreap_mrelease_event *m = event;

		fprintf(f, " ret=%lld pidfd=%d caller=%u flags=%#x anon_before=%lld anon_after=%lld",
			(long long)m->ret, m->pidfd, m->caller_pid, m->mrel_flags,
			(long long)m->before.rss_pages[OOMREAP_RSS_ANON],
			(long long)m->after.rss_pages[OOMREAP_RSS_ANON]);
		break;
	}
	case OOMREAP_EV_VICTIM_EXIT: {
		const struct oomreap_exit_event *x = event;

		fprintf(f, " tid=%u group_dead=%u mm_released=%u", x->exiting_tid, x->group_dead,
			x->mm_released);
		if (x->exit_flags & OOMREAP_EXIT_UNMARKED)
			fputs(" unmarked", f);
		if (x->exit_flags & OOMREAP_EXIT_MRELEASE_BUSY)
			fputs(" mrelease_busy", f);
		break;
	}
	default: {
		const struct oomreap_reap_event *r = event;

		fprintf(f, " anon=%lld file=%lld flags=%#llx",
			(long long)r->mm.rss_pages[OOMREAP_RSS_ANON],
			(long long)r->mm.rss_pages[OOMREAP_RSS_FILE], (unsigned long long)r->mm.mm_flags);
		if (r->mm.snap_flags & OOMREAP_SNAP_RSS_SUM)
			fprintf(f, " sum_anon=%lld sum_file=%lld", (long long)r->rss_sum[OOMREAP_RSS_ANON],
				(long long)r->rss_sum[OOMREAP_RSS_FILE]);
		if (h->type == OOMREAP_EV_REAP_SKIP)
			fprintf(f, " reason=%s", skip_reason__name(r->skip_reason));
		if (h->type == OOMREAP_EV_REAP_RESULT)
			fprintf(f, " ret=%d", r->reap_ret);
		if (r->wake_ignored)
			fputs(" ignored=1", f);
		break;
	}
	}
	fputc('\n', f);
}
