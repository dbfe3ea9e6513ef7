/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel hooks of include/oomreap_hooks.h, where each name is written
 * once, as userspace needs them: an id per hook, the name the feature
 * probe looks for in BTF, and the label the attach plan shows.
 */
#ifndef OOMREAP_LIVE_HOOKS_H
#define OOMREAP_LIVE_HOOKS_H

#include <stddef.h>

#include "oomreap_hooks.h"

enum hook_kind {
	HOOK_TRACEPOINT,
	HOOK_FUNCTION,
};

enum hook {
#define HOOK_ID(id, kind, subsystem) HOOK_##id,
	OOMREAP_HOOKS(HOOK_ID)
#undef HOOK_ID
	HOOK_NR
};

struct hook_info {
	enum hook_kind kind;
	const char *name;     /* "mark_victim", "__oom_reap_task_mm" */
	const char *event;    /* a tracepoint's "oom:mark_victim"; a function's name */
	const char *btf_name; /* "btf_trace_mark_victim" (a typedef), or the function's name */
};

const struct hook_info *hooks__info(enum hook h);

/* How a program attaches to its hook: the plan's first word. */
enum hook_attach {
	HOOK_AS_TRACEPOINT,
	HOOK_AS_FENTRY,
	HOOK_AS_FEXIT,
	HOOK_AS_KPROBE,
	HOOK_AS_KRETPROBE,
};

/* "tracepoint oom:mark_victim" then suffix, "fentry mark_oom_victim", ... into buf. */
void hooks__label(char *buf, size_t len, enum hook h, enum hook_attach how, const char *suffix);

#endif /* OOMREAP_LIVE_HOOKS_H */
