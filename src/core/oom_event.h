/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * OOM events: which victims one OOM-killer invocation killed.
 *
 * One out_of_memory() call kills one chosen victim and, when
 * memory.oom.group is set on its memcg (cgroup v2), every other task of
 * that group as well.  The kernel gives no tracepoint at the start of an
 * invocation, so the grouping is decided from what every kill event
 * carries (the rule, and its limits, are in the man page, "OOM events"):
 *
 *   - all kills are made under the kernel's global oom_lock, so the kills
 *     of one invocation are never interleaved with another's;
 *   - a kill opens a new event, unless the current event is a group kill,
 *     this kill was made by the same thread, its victim's memory.oom.group
 *     memcg is the event's group, it comes within EVENT_MEMBER_GAP_NS of
 *     the event's previous kill, and (function rungs) no oom_kill_process()
 *     call was seen since the event began: that call starts every
 *     invocation that kills.
 *
 * Pure: no I/O, no clock; the tracker calls it once per kill event.
 */
#ifndef OOMREAP_OOM_EVENT_H
#define OOMREAP_OOM_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "oomreap_abi.h"

/*
 * A group's members are killed one after another in a single loop; what
 * separates two kills is a SIGKILL and a printk.  A slow console makes
 * the printk slow, hence a generous bound: any later kill is a new OOM.
 */
#define EVENT_MEMBER_GAP_NS 1000000000ull

enum oom_group_kill {
	GROUP_KILL_UNKNOWN = 0, /* not readable: pid-only kill, older recording */
	GROUP_KILL_NO,
	GROUP_KILL_YES,
};

/* What an incident knows of its OOM event. */
struct oom_event_info {
	uint64_t id;              /* the event's first kill's victim_seq; 0 = none */
	uint32_t index;           /* 1 = the chosen victim, 2.. = group members */
	uint8_t group_kill;       /* enum oom_group_kill */
	bool group_cgroup_known;  /* false when the victim's path was cut */
	char group_cgroup[OOMREAP_CGROUP_PATH_LEN]; /* the memcg memory.oom.group killed */
};

struct oom_events {
	bool open;                /* an event is current */
	struct oom_event_info cur;
	uint32_t trigger_pid;
	uint64_t last_kill_ns;
	uint64_t ctx_gen;         /* oom_kill_process() calls seen when it began */
	/* the OOM domain its first kill knew ("": none), for the members (whose own is not said) */
	char domain[OOMREAP_CGROUP_PATH_LEN];
};

/*
 * The memcg that memory.oom.group makes the kernel kill for this victim:
 * the outermost memcg with the flag between the victim's own and the OOM
 * domain (domain_path, or NULL when not known or a global OOM), as
 * mem_cgroup_get_oom_group() decides.  Writes its path into out (empty
 * when the victim's path was truncated).  GROUP_KILL_* .
 */
enum oom_group_kill oom_event__group_of(const struct oomreap_kill_event *k,
					const char *domain_path, char *out, size_t out_size);

/*
 * Assign the kill to an event: a new one, or the current group kill.
 * ctx_gen counts oom_kill_process() calls (OOM_CONTEXT events) so far.
 */
void oom_events__assign(struct oom_events *s, const struct oomreap_kill_event *k,
			const char *domain_path, uint64_t ctx_gen, struct oom_event_info *out);

const char *group_kill__name(uint8_t g); /* "true", "false", "unknown" */

#endif /* OOMREAP_OOM_EVENT_H */
