// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Decoder: the wire structs are already in host form (same machine), so
 * decoding is validation.  Everything that reads untrusted bytes (record
 * files, fuzzers) goes through event__validate() before the tracker.
 */
#include <errno.h>
#include <string.h>

#include "core/event.h"

static const struct {
	const char *name;
	size_t size;
} event_types[OOMREAP_EV_MAX + 1] = {
	[OOMREAP_EV_KILL] = { "kill", sizeof(struct oomreap_kill_event) },
	[OOMREAP_EV_OOM_CONTEXT] = { "oom", sizeof(struct oomreap_oom_context_event) },
	[OOMREAP_EV_REAPER_QUEUE] = { "queue", sizeof(struct oomreap_reap_event) },
	[OOMREAP_EV_REAPER_WAKE] = { "wake", sizeof(struct oomreap_reap_event) },
	[OOMREAP_EV_REAP_START] = { "start", sizeof(struct oomreap_reap_event) },
	[OOMREAP_EV_REAP_FINISH] = { "finish", sizeof(struct oomreap_reap_event) },
	[OOMREAP_EV_REAP_SKIP] = { "skip", sizeof(struct oomreap_reap_event) },
	[OOMREAP_EV_REAP_RESULT] = { "result", sizeof(struct oomreap_reap_event) },
	[OOMREAP_EV_VICTIM_EXIT] = { "exit", sizeof(struct oomreap_exit_event) },
	[OOMREAP_EV_BLOCKER] = { "blocker", sizeof(struct oomreap_blocker_event) },
	[OOMREAP_EV_UKILL] = { "ukill", sizeof(struct oomreap_ukill_event) },
	[OOMREAP_EV_MRELEASE] = { "mrelease", sizeof(struct oomreap_mrelease_event) },
};

const char *event__type_name(uint32_t type)
{
	if (type == 0 || type > OOMREAP_EV_MAX)
		return "unknown";
	return event_types[type].name;
}

size_t event__type_size(uint32_t type)
{
	if (type == 0 || type > OOMREAP_EV_MAX)
		return 0;
	return event_types[type].size;
}

size_t event__from_v1(void *buf, size_t len, size_t cap)
{
	struct oomreap_event_header h;
	size_t v1;

	if (!buf || len < sizeof(h))
		return len;
	memcpy(&h, buf, sizeof(h));
	switch (h.type) {
	case OOMREAP_EV_KILL:
		v1 = OOMREAP_ABI_V1_KILL_SIZE;
		break;
	case OOMREAP_EV_REAPER_QUEUE:
	case OOMREAP_EV_REAPER_WAKE:
	case OOMREAP_EV_REAP_START:
	case OOMREAP_EV_REAP_FINISH:
	case OOMREAP_EV_REAP_SKIP:
	case OOMREAP_EV_REAP_RESULT:
		v1 = OOMREAP_ABI_V1_REAP_SIZE;
		break;
	case OOMREAP_EV_VICTIM_EXIT:
		v1 = OOMREAP_ABI_V1_EXIT_SIZE;
		break;
	default:
		return len;
	}
	if (h.size != v1 || len != v1 || event_types[h.type].size > cap)
		return len;
	memset((char *)buf + v1, 0, event_types[h.type].size - v1);
	h.size = (uint32_t)event_types[h.type].size;
	memcpy(buf, &h, sizeof(h));
	return h.size;
}

size_t event__from_v3(void *buf, size_t len, size_t cap)
{
	struct oomreap_event_header h;
	size_t v3, now;

	if (!buf || len < sizeof(h))
		return len;
	memcpy(&h, buf, sizeof(h));
	if (h.type == OOMREAP_EV_UKILL) {
		v3 = OOMREAP_ABI_V3_UKILL_SIZE; /* no target: OOMREAP_UKILL_TARGET clear */
		now = sizeof(struct oomreap_ukill_event);
	} else if (h.type == OOMREAP_EV_MRELEASE) {
		v3 = OOMREAP_ABI_V3_MRELEASE_SIZE; /* no stamps: OOMREAP_MREL_LOCKED clear */
		now = sizeof(struct oomreap_mrelease_event);
	} else {
		return len;
	}
	if (h.size != v3 || len != v3 || now > cap)
		return len;
	memset((char *)buf + v3, 0, now - v3);
	h.size = (uint32_t)now;
	memcpy(buf, &h, sizeof(h));
	return now;
}

static bool nul_terminated(const char *s, size_t n)
{
	return memchr(s, 0, n) != NULL;
}

int event__validate(const void *buf, size_t len)
{
	struct oomreap_event_header h;

	if (!buf || len < sizeof(h))
		return -EINVAL;
	memcpy(&h, buf, sizeof(h));
	if (h.type == 0 || h.type > OOMREAP_EV_MAX)
		return -EINVAL;
	if (h.size != event_types[h.type].size || len != h.size)
		return -EINVAL;
	if (h.source < OOMREAP_SRC_TRACEPOINT || h.source > OOMREAP_SRC_KPROBE)
		return -EINVAL;
	/* Strings are C strings on the wire; reject rather than overread. */
	if (h.type == OOMREAP_EV_KILL) {
		const struct oomreap_kill_event *k = buf;

		if (!nul_terminated(k->comm, sizeof(k->comm)) ||
		    !nul_terminated(k->trigger_comm, sizeof(k->trigger_comm)) ||
		    !nul_terminated(k->cgroup_path, sizeof(k->cgroup_path)))
			return -EINVAL;
	} else if (h.type == OOMREAP_EV_BLOCKER) {
		const struct oomreap_blocker_event *b = buf;
		uint32_t i;

		if (b->ntasks > 1 + OOMREAP_MAX_WAITERS)
			return -EINVAL;
		for (i = 0; i < b->ntasks; i++)
			if (!nul_terminated(b->tasks[i].comm, sizeof(b->tasks[i].comm)) ||
			    b->tasks[i].stack_len > OOMREAP_STACK_DEPTH)
				return -EINVAL;
	} else if (h.type == OOMREAP_EV_UKILL) {
		const struct oomreap_ukill_event *u = buf;

		if (!nul_terminated(u->comm, sizeof(u->comm)) ||
		    !nul_terminated(u->killer_comm, sizeof(u->killer_comm)) ||
		    !nul_terminated(u->killer_name, sizeof(u->killer_name)) ||
		    !nul_terminated(u->killer_exe, sizeof(u->killer_exe)) ||
		    !nul_terminated(u->cgroup_path, sizeof(u->cgroup_path)) ||
		    !nul_terminated(u->target_cgroup_path, sizeof(u->target_cgroup_path)))
			return -EINVAL;
	} else if (h.type == OOMREAP_EV_MRELEASE) {
		const struct oomreap_mrelease_event *m = buf;

		if (!nul_terminated(m->caller_comm, sizeof(m->caller_comm)))
			return -EINVAL;
	} else if (h.type == OOMREAP_EV_OOM_CONTEXT) {
		const struct oomreap_oom_context_event *c = buf;

		if (!nul_terminated(c->trigger_comm, sizeof(c->trigger_comm)) ||
		    !nul_terminated(c->domain_cgroup_path, sizeof(c->domain_cgroup_path)))
			return -EINVAL;
	}
	return (int)h.type;
}

const char *skip_reason__name(uint32_t reason)
{
	switch (reason) {
	case OOMREAP_SKIP_TRYLOCK_FAILED:
		return "trylock_failed";
	case OOMREAP_SKIP_MM_GONE:
		return "mm_gone";
	default:
		return "unknown";
	}
}

const char *source__name(uint32_t source)
{
	switch (source) {
	case OOMREAP_SRC_TRACEPOINT:
		return "tracepoint";
	case OOMREAP_SRC_FENTRY:
		return "fentry";
	case OOMREAP_SRC_KPROBE:
		return "kprobe";
	default:
		return "unknown";
	}
}

const char *method__name(uint32_t method)
{
	static const char *const names[] = {
		[OOMREAP_METHOD_SIGNAL] = "signal",
		[OOMREAP_METHOD_KILL] = "kill",
		[OOMREAP_METHOD_PIDFD] = "pidfd_send_signal",
		[OOMREAP_METHOD_TGKILL] = "tgkill",
		[OOMREAP_METHOD_CGROUP_KILL] = "cgroup.kill",
		[OOMREAP_METHOD_OTHER] = "other",
	};

	if (method < sizeof(names) / sizeof(names[0]))
		return names[method];
	return "unknown";
}

const char *killer_by_name(uint32_t by)
{
	return by == OOMREAP_KILLER_BY_EXE ? "exe" : by == OOMREAP_KILLER_BY_CGROUP ? "cgroup"
										      : "unknown";
}

const char *constraint__name(uint32_t constraint)
{
	static const char *const names[] = { "none", "cpuset", "memory_policy", "memcg" };

	if (constraint < sizeof(names) / sizeof(names[0]))
		return names[constraint];
	return "unknown";
}
