// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>

#include "live/hooks.h"

static const struct hook_info table[HOOK_NR] = {
#define HOOK_INFO(id, kind, subsystem)                                                    \
	[HOOK_##id] = { HOOK_##kind, OOMREAP_HOOK_##id,                                   \
			HOOK_##kind == HOOK_TRACEPOINT ? subsystem ":" OOMREAP_HOOK_##id         \
						       : OOMREAP_HOOK_##id,                     \
			HOOK_##kind == HOOK_TRACEPOINT ? "btf_trace_" OOMREAP_HOOK_##id          \
						       : OOMREAP_HOOK_##id },
	OOMREAP_HOOKS(HOOK_INFO)
#undef HOOK_INFO
};

const struct hook_info *hooks__info(enum hook h)
{
	return &table[h];
}

void hooks__label(char *buf, size_t len, enum hook h, enum hook_attach how, const char *suffix)
{
	static const char *const as[] = {
		[HOOK_AS_TRACEPOINT] = "tracepoint", [HOOK_AS_FENTRY] = "fentry",
		[HOOK_AS_FEXIT] = "fexit",           [HOOK_AS_KPROBE] = "kprobe",
		[HOOK_AS_KRETPROBE] = "kretprobe",
	};

	snprintf(buf, len, "%s %s%s", as[how], table[h].event, suffix ? suffix : "");
}
