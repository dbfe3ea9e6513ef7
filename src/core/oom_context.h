/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The OOM context of one kill (constraint, OOM domain memcg, gfp mask,
 * order, the trigger), each field with where it came from: oom_control
 * (the function rungs' OOM_CONTEXT event) or the kernel's own log (the
 * "invoked oom-killer" and "oom-kill:" lines, rec/kmsg.h), or neither,
 * and then why.  A missing field is never filled with a guess.
 */
#ifndef OOMREAP_OOM_CONTEXT_H
#define OOMREAP_OOM_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oomreap_abi.h"
#include "core/oom_report.h"

enum ctx_field {
	CTXF_CONSTRAINT = 0,
	CTXF_DOMAIN,        /* the OOM domain memcg (none for a global OOM) */
	CTXF_GFP,           /* gfp_mask, and its flag names as the kernel printed them */
	CTXF_ORDER,
	CTXF_TOTALPAGES,
	CTXF_TRIGGER,       /* the task that invoked the OOM killer: comm, oom_score_adj */
	CTXF_NR
};

enum ctx_source {
	CTX_SRC_NONE = 0,
	CTX_SRC_OOM_CONTROL,
	CTX_SRC_KERNEL_LOG,
};

/* Why a field is null. */
enum ctx_missing {
	CTX_WHY_NONE = 0,
	CTX_WHY_LOG_NOT_READ,     /* no kernel log: --no-kmsg, or a recording without one */
	CTX_WHY_LOG_UNREADABLE,   /* /dev/kmsg could not be opened (dmesg_restrict, container) */
	CTX_WHY_RATELIMITED,      /* the kill is there, its OOM report is not */
	CTX_WHY_OVERRUN,          /* kernel log lines around the kill were lost */
	CTX_WHY_NO_INVOKED,       /* a report without its "invoked oom-killer" line */
	CTX_WHY_UNPARSED,         /* the line is there but cannot be split exactly */
	CTX_WHY_NO_TASK,          /* the kill's task was not read: nothing to match by */
	CTX_WHY_GROUP_MEMBER,     /* memory.oom.group member: the report names the chosen victim */
	CTX_WHY_NOT_LOGGED,       /* the kernel log never states this field */
	CTX_WHY_LOG_NOT_COVERING, /* report --kmsg FILE: its lines do not reach the kill */
	CTX_WHY_NR
};

#define OOM_CTX_GFP_NAMES_LEN 160
#define OOM_CTX_COMM_LEN 64

struct oom_context {
	uint8_t src[CTXF_NR];       /* enum ctx_source */
	uint8_t why[CTXF_NR];       /* enum ctx_missing, for a field with no source */
	uint32_t constraint;        /* enum oom_constraint, as constraint__name() */
	bool global;                /* CTXF_DOMAIN: no domain memcg (a global OOM) */
	char domain[OOMREAP_CGROUP_PATH_LEN];
	uint32_t gfp_mask;
	char gfp_names[OOM_CTX_GFP_NAMES_LEN];
	int32_t order;
	uint64_t totalpages;
	char trigger_comm[OOM_CTX_COMM_LEN];
	int32_t trigger_oom_score_adj;
	/* what filled the memory: the rest of the kernel's report (core/oom_report.h) */
	struct oom_report report;
};

const char *ctx_field__name(enum ctx_field f);    /* "constraint", "domain_cgroup", ... */
const char *ctx_source__name(uint8_t s);          /* "oom_control", "kernel_log", NULL */
const char *ctx_missing__reason(uint8_t why);     /* a sentence fragment, "" for none */

/* Every field missing, for this reason (totalpages: never in the log). */
void oom_context__missing(struct oom_context *c, enum ctx_missing why);
/*
 * The fields oom_control gives (constraint, domain, order, totalpages),
 * over whatever the log said: the function rungs' own reading wins.
 */
void oom_context__from_control(struct oom_context *c, uint32_t constraint, int32_t order,
			       uint64_t totalpages, uint64_t domain_cgroup_id,
			       const char *domain_path);
/*
 * For saying what is unknown, fields missing for one reason together:
 * when field i is the first missing field with its reason (totalpages
 * aside: it is only ever oom_control's), write "a, b and c" into names
 * and return how many; else 0.
 */
int oom_context__unknown_group(const struct oom_context *c, int i, char *names, size_t len);
/*
 * A group kill's other victims: every field dst has no source for, as the
 * event's chosen victim has it (its value, source, or reason); the
 * report's parts likewise, when dst has none of them.
 */
void oom_context__inherit(struct oom_context *dst, const struct oom_context *chosen);
/* The constraint when known, else -1 (Prometheus: "unknown"). */
static inline int oom_context__constraint(const struct oom_context *c)
{
	return c->src[CTXF_CONSTRAINT] ? (int)c->constraint : -1;
}
/* "oom_control", "kernel_log", "oom_control+kernel_log" or NULL: where the fields came from. */
const char *oom_context__source(const struct oom_context *c);

#endif /* OOMREAP_OOM_CONTEXT_H */
