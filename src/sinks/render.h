/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Renderers: pure functions from an incident (or event) to a FILE *.
 * Text for people, JSON Lines for machines; every string that came from
 * the kernel goes through the escapers of core/incident.h.
 */
#ifndef OOMREAP_RENDER_H
#define OOMREAP_RENDER_H

#include <stdio.h>

#include "core/incident.h"

void render__text_header(FILE *f);
/*
 * The line that opens a group kill's victims in text output ("OOM event
 * N: memory.oom.group kill of CGROUP"), printed before the first of them.
 */
void render__text_oom_event(FILE *f, const struct oomreap_incident *inc,
			    const struct render_ctx *rc);
void render__text_incident(FILE *f, const struct oomreap_incident *inc,
			   const struct render_ctx *rc);
void render__json_incident(FILE *f, const struct oomreap_incident *inc,
			   const struct render_ctx *rc);
/*
 * -v: the OOM context under an incident's line, and where it came from;
 * then what is unknown and why (totalpages, which only oom_control gives,
 * is left out).
 */
void render__text_oom_context(FILE *f, const struct oom_context *c);
/* The kernel's OOM report's parts in "oom" (sinks/render_oom_report.c). */
void render__json_oom_report(FILE *f, const struct oom_report *r);
/* -v: what filled the memory, then its parts, and what is unknown and why. */
void render__text_oom_report(FILE *f, const struct oom_context *c, uint64_t page_size);
/* One line per raw event, for -v. */
void render__text_event(FILE *f, const void *event, const struct render_ctx *rc);

#endif /* OOMREAP_RENDER_H */
