// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * OOM events (oom_event.h): the grouping rule, on kill events only.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/oom_event.h"

/* Components in a "/"-rooted cgroup path: "/" 0, "/a" 1, "/a/b" 2. */
static unsigned path_depth(const char *p)
{
	unsigned n = 0;

	for (; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			n++;
	return n;
}

/* p without its last `up` components ("/a/b/c", 1 -> "/a/b"). */
static void path_up(const char *p, unsigned up, char *out, size_t out_size)
{
	size_t len = strnlen(p, out_size - 1);

	while (up-- && len > 1) {
		while (len > 1 && p[len - 1] != '/')
			len--;
		if (len > 1)
			len--; /* the '/' before the removed component */
	}
	memcpy(out, p, len);
	out[len] = 0;
	if (!len || (len == 1 && p[0] != '/'))
		strcpy(out, "/");
}

enum oom_group_kill oom_event__group_of(const struct oomreap_kill_event *k,
					const char *domain_path, char *out, size_t out_size)
{
	unsigned depth, max_up, level, up = 0;
	uint32_t mask = k->oom_group_levels;

	out[0] = 0;
	if (!(k->kill_flags & OOMREAP_KILL_HAVE_TASK) || !(k->kill_flags & OOMREAP_KILL_GROUP_READ))
		return GROUP_KILL_UNKNOWN;
	depth = path_depth(k->cgroup_path);
	max_up = 31;
	/*
	 * The kernel stops at the OOM domain.  A truncated path has no known
	 * depth, so the domain cannot clip there: every flag counts.
	 */
	if (domain_path && domain_path[0] && !(k->kill_flags & OOMREAP_KILL_CGROUP_TRUNC)) {
		unsigned dd = path_depth(domain_path);

		max_up = depth >= dd ? depth - dd : 0;
	}
	for (level = 0; level < 32 && level <= max_up; level++)
		if (mask & (1u << level))
			up = level + 1;
	if (!up)
		return GROUP_KILL_NO;
	if (!(k->kill_flags & OOMREAP_KILL_CGROUP_TRUNC))
		path_up(k->cgroup_path, up - 1, out, out_size);
	return GROUP_KILL_YES;
}

void oom_events__assign(struct oom_events *s, const struct oomreap_kill_event *k,
			const char *domain_path, uint64_t ctx_gen, struct oom_event_info *out)
{
	struct oom_event_info mine = { 0 };
	bool may_continue = s->open && s->cur.group_kill == GROUP_KILL_YES &&
			    k->trigger_pid == s->trigger_pid && ctx_gen == s->ctx_gen &&
			    k->hdr.ts_ns >= s->last_kill_ns &&
			    k->hdr.ts_ns - s->last_kill_ns <= EVENT_MEMBER_GAP_NS;

	/* the kernel reports the chosen victim only: a member's domain is its event's */
	if (!domain_path && may_continue && s->domain[0])
		domain_path = s->domain;
	mine.group_kill = (uint8_t)oom_event__group_of(k, domain_path, mine.group_cgroup,
							 sizeof(mine.group_cgroup));
	mine.group_cgroup_known = mine.group_kill == GROUP_KILL_YES && mine.group_cgroup[0];
	if (may_continue && mine.group_kill == GROUP_KILL_YES &&
	    mine.group_cgroup_known == s->cur.group_cgroup_known &&
	    strcmp(mine.group_cgroup, s->cur.group_cgroup) == 0) {
		s->cur.index++;
		s->last_kill_ns = k->hdr.ts_ns;
		*out = s->cur;
		return;
	}
	mine.id = k->hdr.victim_seq;
	mine.index = 1;
	s->open = true;
	s->cur = mine;
	s->trigger_pid = k->trigger_pid;
	s->last_kill_ns = k->hdr.ts_ns;
	s->ctx_gen = ctx_gen;
	snprintf(s->domain, sizeof(s->domain), "%s", domain_path ? domain_path : "");
	*out = mine;
}

const char *group_kill__name(uint8_t g)
{
	return g == GROUP_KILL_YES ? "true" : g == GROUP_KILL_NO ? "false" : "unknown";
}
