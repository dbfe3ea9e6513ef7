// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>

#include "core/oom_context.h"

const char *ctx_field__name(enum ctx_field f)
{
	static const char *const names[CTXF_NR] = {
		[CTXF_CONSTRAINT] = "constraint", [CTXF_DOMAIN] = "domain_cgroup",
		[CTXF_GFP] = "gfp_mask",          [CTXF_ORDER] = "order",
		[CTXF_TOTALPAGES] = "totalpages", [CTXF_TRIGGER] = "trigger",
	};

	return (unsigned)f < CTXF_NR ? names[f] : "?";
}

const char *ctx_source__name(uint8_t s)
{
	switch (s) {
	case CTX_SRC_OOM_CONTROL:
		return "oom_control";
	case CTX_SRC_KERNEL_LOG:
		return "kernel_log";
	default:
		return NULL;
	}
}

/* Plain text, no quotes or backslashes: printed into JSON strings as is. */
const char *ctx_missing__reason(uint8_t why)
{
	static const char *const r[CTX_WHY_NR] = {
		[CTX_WHY_NONE] = "",
		[CTX_WHY_LOG_NOT_READ] = "kernel log not read",
		[CTX_WHY_LOG_UNREADABLE] = "kernel log not readable (/dev/kmsg could not be opened)",
		[CTX_WHY_RATELIMITED] =
			"no OOM report for this kill in the kernel log: the kernel ratelimits it",
		[CTX_WHY_OVERRUN] = "kernel log lines were lost (overrun)",
		[CTX_WHY_NO_INVOKED] =
			"no 'invoked oom-killer' line pairs with this kill's report in the kernel log",
		[CTX_WHY_UNPARSED] = "this kill's kernel log line cannot be split exactly",
		[CTX_WHY_NO_TASK] = "the kill's task was not read: nothing to match the kernel log by",
		[CTX_WHY_GROUP_MEMBER] = "a memory.oom.group member: the kernel's OOM report names "
					 "only the chosen victim",
		[CTX_WHY_NOT_LOGGED] = "the kernel log does not state it; only oom_control has it",
		[CTX_WHY_LOG_NOT_COVERING] = "the kernel log given does not reach this kill",
	};

	return why < CTX_WHY_NR && r[why] ? r[why] : "";
}

void oom_context__missing(struct oom_context *c, enum ctx_missing why)
{
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < CTXF_NR; i++)
		c->why[i] = (uint8_t)why;
	oom_report__missing(&c->report, (uint8_t)why);
	/* what no log line can give, whatever else happened */
	if (why != CTX_WHY_NO_TASK)
		c->why[CTXF_TOTALPAGES] = CTX_WHY_NOT_LOGGED;
}

void oom_context__from_control(struct oom_context *c, uint32_t constraint, int32_t order,
			       uint64_t totalpages, uint64_t domain_cgroup_id,
			       const char *domain_path)
{
	c->src[CTXF_CONSTRAINT] = c->src[CTXF_DOMAIN] = CTX_SRC_OOM_CONTROL;
	c->src[CTXF_ORDER] = c->src[CTXF_TOTALPAGES] = CTX_SRC_OOM_CONTROL;
	c->why[CTXF_CONSTRAINT] = c->why[CTXF_DOMAIN] = CTX_WHY_NONE;
	c->why[CTXF_ORDER] = c->why[CTXF_TOTALPAGES] = CTX_WHY_NONE;
	c->constraint = constraint;
	c->order = order;
	c->totalpages = totalpages;
	c->global = !domain_cgroup_id; /* oc->memcg is NULL for a global OOM */
	c->domain[0] = 0;
	if (domain_cgroup_id && domain_path) {
		strncpy(c->domain, domain_path, sizeof(c->domain) - 1);
		c->domain[sizeof(c->domain) - 1] = 0;
	}
}

const char *oom_context__source(const struct oom_context *c)
{
	bool ctl = false, log = false;
	int i;

	for (i = 0; i < CTXF_NR; i++) {
		ctl |= c->src[i] == CTX_SRC_OOM_CONTROL;
		log |= c->src[i] == CTX_SRC_KERNEL_LOG;
	}
	return ctl && log ? "oom_control+kernel_log" : ctl ? "oom_control" : log ? "kernel_log" : NULL;
}

static bool unknown_with(const struct oom_context *c, int j, uint8_t why)
{
	return !c->src[j] && j != CTXF_TOTALPAGES && c->why[j] == why;
}

int oom_context__unknown_group(const struct oom_context *c, int i, char *names, size_t len)
{
	size_t used = 0;
	int j, n = 0, last = -1;

	if (!unknown_with(c, i, c->why[i]))
		return 0;
	for (j = 0; j < i; j++)
		if (unknown_with(c, j, c->why[i]))
			return 0; /* said with an earlier field */
	for (j = i; j < CTXF_NR; j++)
		if (unknown_with(c, j, c->why[i]))
			last = j;
	names[0] = 0;
	for (j = i; j < CTXF_NR; j++) {
		if (!unknown_with(c, j, c->why[i]))
			continue;
		if (used < len)
			used += (size_t)snprintf(names + used, len - used, "%s%s",
						 !n ? "" : j == last ? " and " : ", ",
						 ctx_field__name((enum ctx_field)j));
		n++;
	}
	return n;
}

void oom_context__inherit(struct oom_context *dst, const struct oom_context *chosen)
{
	int f;

	for (f = 0; f < OOMR_NR && !dst->report.src[f]; f++)
		;
	if (f == OOMR_NR)
		dst->report = chosen->report;

	for (f = 0; f < CTXF_NR; f++) {
		if (dst->src[f])
			continue;
		dst->src[f] = chosen->src[f];
		dst->why[f] = chosen->why[f];
		switch (f) {
		case CTXF_CONSTRAINT:
			dst->constraint = chosen->constraint;
			break;
		case CTXF_DOMAIN:
			dst->global = chosen->global;
			memcpy(dst->domain, chosen->domain, sizeof(dst->domain));
			break;
		case CTXF_GFP:
			dst->gfp_mask = chosen->gfp_mask;
			memcpy(dst->gfp_names, chosen->gfp_names, sizeof(dst->gfp_names));
			break;
		case CTXF_ORDER:
			dst->order = chosen->order;
			break;
		case CTXF_TOTALPAGES:
			dst->totalpages = chosen->totalpages;
			break;
		case CTXF_TRIGGER:
			memcpy(dst->trigger_comm, chosen->trigger_comm, sizeof(dst->trigger_comm));
			dst->trigger_oom_score_adj = chosen->trigger_oom_score_adj;
			break;
		}
	}
}
