// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <string.h>

#include "core/container.h"
#include "core/event.h"
#include "core/ksyms.h"
#include "sinks/render.h"
#include "core/timefmt.h"

/* Length of a valid UTF-8 sequence at s (max n bytes), 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

size_t render__utf8_len(const unsigned char *s, size_t n)
{
	return utf8_seq_len(s, n);
}

/*
 * JSON string with every control character escaped.  Bytes that are not
 * valid UTF-8 are written as the code point of the same value (\u00XX), so
 * the output stays valid JSON and the byte is still recoverable.
 */
void render__json_string(FILE *f, const char *str, size_t maxlen)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strnlen(str, maxlen), i = 0;

	fputc('"', f);
	while (i < n) {
		unsigned char c = s[i];
		size_t len;

		switch (c) {
		case '"':
			fputs("\\\"", f);
			i++;
			continue;
		case '\\':
			fputs("\\\\", f);
			i++;
			continue;
		case '\n':
			fputs("\\n", f);
			i++;
			continue;
		case '\r':
			fputs("\\r", f);
			i++;
			continue;
		case '\t':
			fputs("\\t", f);
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
			continue;
		}
		len = utf8_seq_len(s + i, n - i);
		if (!len) {
			fprintf(f, "\\u%04x", c);
			i++;
			continue;
		}
		fwrite(s + i, 1, len, f);
		i += len;
	}
	fputc('"', f);
}

/* Terminal-safe: printable ASCII as is, everything else as \xNN. */
void render__text_string(FILE *f, const char *str, size_t maxlen)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strnlen(str, maxlen), i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\')
			fputs("\\\\", f);
		else if (s[i] >= 0x20 && s[i] < 0x7f)
			fputc(s[i], f);
		else
			fprintf(f, "\\x%02x", s[i]);
	}
}

static uint64_t freed_total(const struct oomreap_incident *inc)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < OOMREAP_RSS_NR; i++)
		if (i != OOMREAP_RSS_SWAP)
			sum += inc->freed_pages[i];
	return sum;
}

/* How long the incident took to end, whatever ended it. */
static uint64_t done_in_ns(const struct oomreap_incident *inc)
{
	if (!inc->kill_ns || !inc->closed_ns || inc->closed_ns < inc->kill_ns)
		return UINT64_MAX;
	return inc->closed_ns - inc->kill_ns;
}

static const char *role_mode(uint32_t role)
{
	switch (role) {
	case OOMREAP_ROLE_OWNER_WRITER:
	case OOMREAP_ROLE_WAITER_WRITE:
		return "write";
	case OOMREAP_ROLE_OWNER_READER:
	case OOMREAP_ROLE_WAITER_READ:
		return "read";
	default:
		return "unknown";
	}
}

static bool role_is_owner(uint32_t role)
{
	return role == OOMREAP_ROLE_OWNER_WRITER || role == OOMREAP_ROLE_OWNER_READER;
}

/* Frames that say only "this task is waiting": skipped in verdicts. */
static bool boring_frame(const char *name)
{
	static const char *const prefixes[] = {
		"__schedule", "schedule", "io_schedule", "rwsem_down_", "down_read",
		"down_write", "__down_", "mmap_read_lock", "mmap_write_lock", "__mmap_lock",
		"wait_for_completion", "__wait_", "preempt_schedule", "__cond_resched",
		"msleep", "usleep_range", "do_nanosleep", "hrtimer_nanosleep",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* The syscall the task entered by, from its outermost frames. */
static const char *stack_syscall(const struct oomreap_blocked_task *bt, const struct ksyms *ks)
{
	static const char *const prefixes[] = { "__x64_sys_", "__arm64_sys_", "__do_sys_",
						"__se_sys_", "ksys_" };
	int i;
	size_t j;

	for (i = bt->stack_len - 1; i >= 0; i--) {
		uint64_t off;
		const char *name = ksyms__lookup(ks, bt->stack[i], &off);

		for (j = 0; name && j < sizeof(prefixes) / sizeof(prefixes[0]); j++)
			if (!strncmp(name, prefixes[j], strlen(prefixes[j])))
				return name + strlen(prefixes[j]);
	}
	return NULL;
}

/* "pread64 -> ... -> request_wait_answer": how the task got where it waits. */
void render__task_where(char *buf, size_t len, const struct oomreap_blocked_task *bt,
			const struct ksyms *ks)
{
	const char *sys = NULL, *top = NULL;
	int i;

	buf[0] = 0;
	if (bt->stack_len <= 0 || !ks)
		return;
	for (i = 0; i < bt->stack_len && !top; i++) {
		uint64_t off;
		const char *name = ksyms__lookup(ks, bt->stack[i], &off);

		if (name && !boring_frame(name))
			top = name;
	}
	sys = stack_syscall(bt, ks);
	if (sys && top && strcmp(sys, top))
		snprintf(buf, len, "%s -> ... -> %s", sys, top);
	else if (top)
		snprintf(buf, len, "%s", top);
}

/* comm, escaped for a terminal, into buf */
static void text_comm(char *buf, size_t len, const char *comm)
{
	FILE *m = fmemopen(buf, len, "w");

	buf[0] = 0;
	if (!m)
		return;
	render__text_string(m, comm, OOMREAP_COMM_LEN);
	fclose(m);
}

void render__blocker_verdict(char *buf, size_t len, const struct oomreap_incident *inc,
			     const struct render_ctx *rc)
{
	const struct blocker_snapshot *bs;
	char comm[OOMREAP_COMM_LEN * 4 + 1], where[160];
	size_t used = 0;
	uint32_t i;

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
	APPEND("reaper blocked %ux:", inc->trylock_failures);
	for (i = 0; i < bs->ntasks; i++) {
		const struct oomreap_blocked_task *bt = &bs->tasks[i];

		text_comm(comm, sizeof(comm), bt->comm);
		render__task_where(where, sizeof(where), bt, rc->ksyms);
		if (role_is_owner(bt->role))
			APPEND(" mmap_lock held for %s by %u (%s)%s%s%s", role_mode(bt->role),
			       bt->pid, comm,
			       bt->role == OOMREAP_ROLE_OWNER_READER ? " [last reader: a hint]" : "",
			       where[0] ? " in " : "", where);
		else
			APPEND("%s %s waiter %u (%s)%s%s", i ? ";" : "", role_mode(bt->role), bt->pid,
			       comm, where[0] ? " in " : "", where);
	}
	if (bs->blk_flags & OOMREAP_BLK_NO_OWNER)
		APPEND(" (owner unknown)");
	if (inc->nblockers > 1)
		APPEND(" (%u other pictures)", inc->nblockers - 1);
#undef APPEND
}

void render__text_header(FILE *f)
{
	fprintf(f, "%-8s %-7s %-15s %-13s %8s %5s %8s %s\n", "TIME", "PID", "COMM", "OUTCOME",
		"DONE_IN", "FAILS", "FREED", "CGROUP");
}

void render__text_incident(FILE *f, const struct oomreap_incident *inc,
			   const struct render_ctx *rc)
{
	char when[16] = "-", dur[16], freed[16];
	int pad;

	if (inc->kill_ns)
		timefmt__hms(when, sizeof(when), (int64_t)inc->kill_ns + rc->mono_to_real_ns);
	timefmt__duration(dur, sizeof(dur), done_in_ns(inc));
	timefmt__bytes(freed, sizeof(freed), freed_total(inc) * rc->page_size);
	fprintf(f, "%-8s %-7u ", when, inc->pid);
	/* comm is escaped, so its printed width can exceed 15: pad by hand */
	{
		char buf[OOMREAP_COMM_LEN * 4 + 1];
		FILE *m = fmemopen(buf, sizeof(buf), "w");

		buf[0] = 0;
		if (m) {
			render__text_string(m, inc->have_identity ? inc->comm : "?", OOMREAP_COMM_LEN);
			fclose(m);
		}
		fputs(buf, f);
		pad = 15 - (int)strlen(buf);
		fprintf(f, "%*s ", pad > 0 ? pad : 0, "");
	}
	fprintf(f, "%-13s %8s %5u %8s ", outcome__name(inc->outcome), dur, inc->trylock_failures,
		freed);
	if (inc->have_identity)
		render__text_string(f, inc->cgroup_path, sizeof(inc->cgroup_path));
	else
		fputs("?", f);
	if (inc->incomplete)
		fputs(" [incomplete]", f);
	if (inc->evicted)
		fputs(" [evicted]", f);
	fputc('\n', f);
	if (inc->nblockers) {
		char verdict[1024];

		render__blocker_verdict(verdict, sizeof(verdict), inc, rc);
		fprintf(f, "  %s\n", verdict);
	}
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

static void json_bytes_obj(FILE *f, const char *key, const uint64_t pages[OOMREAP_RSS_NR],
			   uint64_t page_size)
{
	fprintf(f, "\"%s\":{\"anon\":%" PRIu64 ",\"file\":%" PRIu64 ",\"shmem\":%" PRIu64
		   ",\"swap\":%" PRIu64 "}",
		key, pages[OOMREAP_RSS_ANON] * page_size, pages[OOMREAP_RSS_FILE] * page_size,
		pages[OOMREAP_RSS_SHMEM] * page_size, pages[OOMREAP_RSS_SWAP] * page_size);
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
			json_bytes_obj(f, "rss_bytes", pages, page_size);
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
	render__json_string(f, bt->comm, sizeof(bt->comm));
	fprintf(f, ",\"mode\":\"%s\"", role_mode(bt->role));
	if (role_is_owner(bt->role))
		fprintf(f, ",\"hint\":%s", bt->role == OOMREAP_ROLE_OWNER_READER ? "true" : "false");
	if (bt->stack_len < 0) {
		fprintf(f, ",\"stack\":null,\"stack_error\":%d}", -bt->stack_len);
		return;
	}
	fputs(",\"stack\":[", f);
	for (i = 0; i < bt->stack_len && i < OOMREAP_STACK_DEPTH; i++) {
		ksyms__format(rc->ksyms, bt->stack[i], frame, sizeof(frame));
		fprintf(f, "%s", i ? "," : "");
		render__json_string(f, frame, sizeof(frame));
	}
	fputs("]}", f);
}

static void json_blockers(FILE *f, const struct oomreap_incident *inc,
			  const struct render_ctx *rc)
{
	uint32_t i, j;
	char verdict[1024];

	fputs("\"blockers\":[", f);
	for (i = 0; i < inc->nblockers; i++) {
		const struct blocker_snapshot *bs = &inc->blockers[i];
		bool holder = bs->ntasks && role_is_owner(bs->tasks[0].role);

		fprintf(f, "%s{\"count\":%u,\"first_attempt\":%u,\"last_attempt\":%u,"
			   "\"waiters_truncated\":%s,\"holder\":",
			i ? "," : "", bs->count, bs->first_attempt, bs->last_attempt,
			(bs->blk_flags & OOMREAP_BLK_WAITERS_TRUNC) ? "true" : "false");
		if (holder)
			json_blocked_task(f, &bs->tasks[0], rc);
		else
			fputs("null", f);
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
	render__blocker_verdict(verdict, sizeof(verdict), inc, rc);
	if (verdict[0])
		render__json_string(f, verdict, sizeof(verdict));
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

void render__json_incident(FILE *f, const struct oomreap_incident *inc,
			   const struct render_ctx *rc)
{
	char iso[40];

	fprintf(f, "{\"victim_seq\":%" PRIu64 ",\"pid\":%u,\"tgid\":%u,\"comm\":", inc->victim_seq,
		inc->pid, inc->tgid);
	if (inc->have_identity)
		render__json_string(f, inc->comm, sizeof(inc->comm));
	else
		fputs("null", f);
	if (inc->have_identity)
		fprintf(f, ",\"uid\":%u,\"oom_score_adj\":%d,\"cgroup\":", inc->uid,
			inc->oom_score_adj);
	else
		fputs(",\"uid\":null,\"oom_score_adj\":null,\"cgroup\":", f);
	if (inc->have_identity)
		render__json_string(f, inc->cgroup_path, sizeof(inc->cgroup_path));
	else
		fputs("null", f);
	fprintf(f, ",\"cgroup_id\":%" PRIu64 ",\"cgroup_version\":", inc->cgroup_id);
	if (inc->cgroup_hierarchy < 0)
		fputs("null", f);
	else
		fputs(inc->cgroup_hierarchy == 0 ? "2" : "1", f);
	fprintf(f, ",\"cgroup_truncated\":%s", inc->cgroup_truncated ? "true" : "false");
	json_container(f, inc);

	fprintf(f, ",\"trigger\":{\"pid\":%u,\"tgid\":%u,\"comm\":", inc->trigger_pid,
		inc->trigger_tgid);
	render__json_string(f, inc->trigger_comm, sizeof(inc->trigger_comm));
	fputs("},\"oom\":", f);
	if (inc->have_context) {
		fprintf(f, "{\"constraint\":\"%s\",\"order\":%d,\"totalpages\":%" PRIu64
			   ",\"domain_cgroup\":",
			constraint__name(inc->constraint), inc->order, inc->totalpages);
		if (inc->domain_cgroup_id) /* oc->memcg is NULL for a global OOM */
			render__json_string(f, inc->domain_cgroup_path,
					    sizeof(inc->domain_cgroup_path));
		else
			fputs("null", f);
		fputc('}', f);
	} else {
		fputs("{\"constraint\":\"unknown\",\"order\":null,\"totalpages\":null,"
		      "\"domain_cgroup\":null}",
		      f);
	}

	fprintf(f, ",\"outcome\":\"%s\",\"incomplete\":%s,\"evicted\":%s,\"attach\":\"%s\"",
		outcome__name(inc->outcome), inc->incomplete ? "true" : "false",
		inc->evicted ? "true" : "false",
		rc->attach ? rc->attach : source__name(inc->source));
	fprintf(f, ",\"attempts\":%u,\"trylock_failures\":%u,\"partial_reaps\":%u,"
		   "\"unknown_skips\":%u,\"wake_ignored\":%s,",
		inc->attempts, inc->trylock_failures, inc->partial_reaps, inc->unknown_skips,
		inc->wake_ignored ? "true" : "false");
	if (inc->have_rss_at_kill) {
		json_bytes_obj(f, "rss_at_kill_bytes", inc->rss_at_kill_pages, rc->page_size);
		fprintf(f, ",\"total_vm_bytes\":%" PRIu64 ",\"pgtables_bytes\":%" PRIu64 ",",
			inc->total_vm_pages * rc->page_size, inc->pgtables_bytes);
	} else {
		fputs("\"rss_at_kill_bytes\":null,\"total_vm_bytes\":null,\"pgtables_bytes\":null,",
		      f);
	}
	json_bytes_obj(f, "freed_bytes", inc->freed_pages, rc->page_size);
	fputc(',', f);

	fputs("\"kill_time\":", f);
	if (inc->kill_ns) {
		timefmt__iso8601(iso, sizeof(iso), (int64_t)inc->kill_ns + rc->mono_to_real_ns);
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
	char when[16];

	timefmt__hms(when, sizeof(when), (int64_t)h->ts_ns + rc->mono_to_real_ns);
	fprintf(f, "%s.%06llu %-6s seq=%llu pid=%u tgid=%u cpu=%u src=%s", when,
		(unsigned long long)((h->ts_ns + (uint64_t)rc->mono_to_real_ns) % 1000000000ull / 1000),
		event__type_name(h->type), (unsigned long long)h->victim_seq, h->pid, h->tgid,
		h->cpu, source__name(h->source));
	switch (h->type) {
	case OOMREAP_EV_KILL: {
		const struct oomreap_kill_event *k = event;

		fputs(" comm=", f);
		render__text_string(f, k->comm, sizeof(k->comm));
		fprintf(f, " anon=%lld file=%lld shmem=%lld cgroup=",
			(long long)k->mm.rss_pages[OOMREAP_RSS_ANON],
			(long long)k->mm.rss_pages[OOMREAP_RSS_FILE],
			(long long)k->mm.rss_pages[OOMREAP_RSS_SHMEM]);
		render__text_string(f, k->cgroup_path, sizeof(k->cgroup_path));
		break;
	}
	case OOMREAP_EV_OOM_CONTEXT: {
		const struct oomreap_oom_context_event *c = event;

		fprintf(f, " constraint=%s order=%d", constraint__name(c->constraint), c->order);
		break;
	}
	case OOMREAP_EV_VICTIM_EXIT: {
		const struct oomreap_exit_event *x = event;

		fprintf(f, " tid=%u group_dead=%u mm_released=%u", x->exiting_tid, x->group_dead,
			x->mm_released);
		break;
	}
	default: {
		const struct oomreap_reap_event *r = event;

		fprintf(f, " anon=%lld file=%lld flags=%#llx",
			(long long)r->mm.rss_pages[OOMREAP_RSS_ANON],
			(long long)r->mm.rss_pages[OOMREAP_RSS_FILE], (unsigned long long)r->mm.mm_flags);
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

void summary__add(struct summary *s, const struct oomreap_incident *inc)
{
	uint64_t v;
	int i;

	s->incidents[inc->outcome]++;
	s->trylock_failures += inc->trylock_failures;
	for (i = 0; i < OOMREAP_RSS_NR; i++)
		s->freed_pages[i] += inc->freed_pages[i];
	if (inc->incomplete)
		s->incomplete++;
	v = incident__reap_latency_ns(inc);
	if (v != LATENCY_NONE)
		hist__add(&s->reap_latency_ms, v / 1000000);
	v = incident__exit_latency_ns(inc);
	if (v != LATENCY_NONE)
		hist__add(&s->exit_latency_ms, v / 1000000);
}

void summary__print(FILE *f, const struct summary *s, const struct render_ctx *rc,
		    uint64_t lost_events)
{
	uint64_t total = 0;
	char freed[16];
	int i;

	for (i = 0; i < OUTCOME_NR; i++)
		total += s->incidents[i];
	timefmt__bytes(freed, sizeof(freed),
		       (s->freed_pages[OOMREAP_RSS_ANON] + s->freed_pages[OOMREAP_RSS_FILE] +
			s->freed_pages[OOMREAP_RSS_SHMEM]) *
			       rc->page_size);
	fprintf(f, "\nSummary: %llu incidents", (unsigned long long)total);
	for (i = 0; i < OUTCOME_NR; i++)
		if (s->incidents[i])
			fprintf(f, ", %llu %s", (unsigned long long)s->incidents[i],
				outcome__name(i));
	fprintf(f, "\n  trylock failures: %llu, freed by the reaper: %s, events lost: %llu",
		(unsigned long long)s->trylock_failures, freed, (unsigned long long)lost_events);
	if (s->incomplete)
		fprintf(f, ", incomplete incidents: %llu", (unsigned long long)s->incomplete);
	fputc('\n', f);
	if (s->reap_latency_ms.count) {
		fprintf(f, "\nReap latency (kill -> reaper finished):\n");
		hist__print(f, &s->reap_latency_ms, "msecs");
	}
	if (s->exit_latency_ms.count) {
		fprintf(f, "\nExit latency (kill -> victim exited):\n");
		hist__print(f, &s->exit_latency_ms, "msecs");
	}
}
