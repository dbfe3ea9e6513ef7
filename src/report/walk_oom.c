// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The walk (walk.c): one OOM rather than one victim.  The OOM context as
 * a row of the incident's facts, what filled the memory (the kernel's own
 * OOM report, read into its parts), and a memory.oom.group kill's event
 * section with all its victims on one time axis.
 */
#include <inttypes.h>
#include <string.h>

#include "core/event.h"
#include "core/oom_report.h"
#include "core/timefmt.h"
#include "report/markup.h"
#include "report/model.h"
#include "report/time.h"
#include "report/walk.h"


/*
 * One known field of the OOM context, in Markdown.  A switch without a
 * default on purpose: a field added to enum ctx_field that this does not
 * say is a compiler warning here and in render.c's text twin.
 */
static void oom_context_field(struct report_out *o, const struct oom_context *c,
			      enum ctx_field f)
{
	char num[32];

	switch (f) {
	case CTXF_CONSTRAINT:
		report__say(o, "constraint %s", constraint__name(c->constraint));
		break;
	case CTXF_DOMAIN:
		report__say(o, "domain ");
		if (c->global)
			report__say(o, "global (no memory cgroup)");
		else
			code(o, c->domain, sizeof(c->domain));
		break;
	case CTXF_GFP:
		snprintf(num, sizeof(num), "%#x", c->gfp_mask);
		report__say(o, "gfp_mask %s ", num);
		code(o, c->gfp_names, sizeof(c->gfp_names));
		break;
	case CTXF_ORDER:
		report__say(o, "order %d", c->order);
		break;
	case CTXF_TOTALPAGES:
		report__say(o, "%" PRIu64 " pages in the domain", c->totalpages);
		break;
	case CTXF_TRIGGER:
		report__say(o, "trigger ");
		code(o, c->trigger_comm, sizeof(c->trigger_comm));
		report__say(o, " (oom_score_adj %d)", c->trigger_oom_score_adj);
		break;
	case CTXF_NR:
		break;
	}
}

/*
 * The OOM context: each known field, where the fields came from
 * (oom_control, the kernel log), then each unknown one and why.  Kernel
 * strings (cgroup, gfp names, comm) go through code(); the rest is ours.
 */
void report__oom_context(struct report_out *o, const struct oom_context *c)
{
	const char *src = oom_context__source(c), *sep = "";
	bool missing = false;
	int i;

	for (i = 0; i < CTXF_NR; i++) {
		if (!c->src[i])
			continue;
		report__say(o, "%s", sep);
		oom_context_field(o, c, (enum ctx_field)i);
		sep = ", ";
	}
	if (src)
		report__say(o, " (from %s)", !strcmp(src, "kernel_log")    ? "the kernel log"
					     : !strcmp(src, "oom_control") ? "`oom_control`"
									   : "`oom_control` and the kernel log");
	/* the unknown ones, those missing for one reason together */
	for (i = 0; i < CTXF_NR; i++) {
		char names[128];

		if (!oom_context__unknown_group(c, i, names, sizeof(names)))
			continue;
		report__say(o, "%s%s unknown: %s", missing ? "; " : src ? ". " : "", names,
			    ctx_missing__reason(c->why[i]));
		missing = true;
	}
}

/* ------------------------------------------ walk: what filled the memory */

static void filled_words(void *arg, const char *s)
{
	struct report_out *o = arg;

	o->m->text(o->f, s, SIZE_MAX);
}

static void filled_name(void *arg, const char *name, size_t maxlen, bool first)
{
	struct report_out *o = arg;

	(void)first;
	code(o, name, maxlen);
}

static const struct report_column filled_parts_columns[] = {
	{ "Part (memory.stat)", false },
	{ "Size", true },
	{ "Share of usage", true },
	{ "", false },
};

static const struct report_column filled_tasks_columns[] = {
	{ "PID", true },
	{ "Name", false },
	{ "Role", false },
	{ "RSS", true },
	{ "anon", true },
	{ "file", true },
	{ "shmem", true },
	{ "Page tables", true },
	{ "Swap", true },
	{ "oom_score_adj", true },
};
#define NFILLED_TASK_COLUMNS (sizeof(filled_tasks_columns) / sizeof(filled_tasks_columns[0]))

static const struct report_column filled_zones_columns[] = {
	{ "Node", true },
	{ "Zone", false },
	{ "Free", true },
	{ "Min", true },
	{ "Low", true },
	{ "High", true },
	{ "Managed", true },
	{ "Free (buddy lists)", true },
	{ "", false },
};
#define NFILLED_ZONE_COLUMNS (sizeof(filled_zones_columns) / sizeof(filled_zones_columns[0]))

static const struct report_column filled_slab_columns[] = {
	{ "Cache", false },
	{ "Used", true },
	{ "Total", true },
};

static void counter_row(struct report_out *o, const char *key, const struct oomr_counter *c)
{
	char u[24], l[24];

	if (!c->have)
		return;
	timefmt__bytes(u, sizeof(u), c->usage_kb * 1024);
	timefmt__bytes(l, sizeof(l), c->limit_kb * 1024);
	if (oomr__unlimited(c->limit_kb))
		kvf(o, false, key, "%s, no limit; failcnt %" PRIu64, u, c->failcnt);
	else
		kvf(o, false, key, "%s of %s (%.0f%%); failcnt %" PRIu64, u, l,
		    c->limit_kb ? 100.0 * (double)c->usage_kb / (double)c->limit_kb : 0.0, c->failcnt);
}

static void pages_cell(struct report_out *o, uint64_t pages, uint64_t ps, bool known)
{
	char b[24];

	if (!known) {
		cellf(o, true, "-");
		return;
	}
	timefmt__bytes(b, sizeof(b), pages * ps);
	cellf(o, true, "%s", b);
}

static void kb_cell(struct report_out *o, const struct oomr_zkv *kv, const char *key)
{
	uint64_t v;
	char b[24];

	if (!oomr_zkv__get(kv, key, &v)) {
		cellf(o, true, "-");
		return;
	}
	timefmt__bytes(b, sizeof(b), v * 1024);
	cellf(o, true, "%s", b);
}

/* Mem-Info's zone lines: free against the watermarks, as the kernel printed them. */
static void filled_zones(struct report_out *o, const struct oom_report *r)
{
	char b[24];
	int i;

	para(o, "The kernel's Mem-Info, zone by zone (free memory against the watermarks; "
		"below min, only atomic and reclaim allocations may take more)%s:",
	     r->cut[OOMR_MEMINFO] ? "; lines of it were lost, it is not whole" : "");
	table_open(o, "zones", filled_zones_columns, NFILLED_ZONE_COLUMNS);
	for (i = 0; i < r->nzones; i++) {
		const struct oomr_zone *z = &r->zones[i];
		uint64_t fr, mn;

		report__put(o, o->m->row_open);
		if (z->node >= 0)
			cellf(o, true, "%d", z->node);
		else
			cellf(o, true, "-");
		cell_code(o, z->name, sizeof(z->name));
		kb_cell(o, &z->kb, "free");
		kb_cell(o, &z->kb, "min");
		kb_cell(o, &z->kb, "low");
		kb_cell(o, &z->kb, "high");
		kb_cell(o, &z->kb, "managed");
		if (z->have_buddy) {
			timefmt__bytes(b, sizeof(b), z->buddy_free_kb * 1024);
			cellf(o, true, "%s", b);
		} else {
			cellf(o, true, "-");
		}
		cellf(o, false, "%s",
		      oomr_zkv__get(&z->kb, "free", &fr) && oomr_zkv__get(&z->kb, "min", &mn) &&
				      fr < mn
			      ? "below min"
			      : "");
		report__put(o, o->m->row_close);
	}
	table_close(o);
	if (r->zones_dropped || r->meminfo_unread || r->zone_lines_orphan)
		para(o, "%u more zone%s not shown; %u line%s inside Mem-Info not read.",
		     r->zones_dropped, r->zones_dropped == 1 ? "" : "s",
		     r->meminfo_unread + r->zone_lines_orphan,
		     r->meminfo_unread + r->zone_lines_orphan == 1 ? "" : "s");
}

/* dump_unreclaimable_slab()'s table: the largest caches, the rest summed. */
static void filled_slab(struct report_out *o, const struct oom_report *r)
{
	char b[24], t[24];
	uint32_t i;

	timefmt__bytes(b, sizeof(b), r->slab_listed_kb * 1024);
	para(o, "Unreclaimable slab (the kernel lists it when it exceeds user memory): %u "
		"cache%s, %s used%s:",
	     r->slab_listed, r->slab_listed == 1 ? "" : "s", b,
	     r->cut[OOMR_SLAB] ? "; lines of the table were lost, it is not whole" : "");
	table_open(o, "slab", filled_slab_columns, 3);
	for (i = 0; i < r->nslab; i++) {
		report__put(o, o->m->row_open);
		cell_code(o, r->slab[i].name, sizeof(r->slab[i].name));
		timefmt__bytes(b, sizeof(b), r->slab[i].used_kb * 1024);
		timefmt__bytes(t, sizeof(t), r->slab[i].total_kb * 1024);
		cellf(o, true, "%s", b);
		cellf(o, true, "%s", t);
		report__put(o, o->m->row_close);
	}
	if (r->slab_listed > r->nslab) {
		report__put(o, o->m->row_open);
		cellf(o, false, "%u other caches", r->slab_listed - r->nslab);
		timefmt__bytes(b, sizeof(b), r->slab_rest_kb * 1024);
		cellf(o, true, "%s", b);
		empty_cells(o, 1);
		report__put(o, o->m->row_close);
	}
	table_close(o);
	if (r->slab_unreadable)
		para(o, "%u line%s inside the table %s not rows of it and were left out.",
		     r->slab_unreadable, r->slab_unreadable == 1 ? "" : "s",
		     r->slab_unreadable == 1 ? "was" : "were");
}

/*
 * The kernel's own OOM report for one OOM event, read into its parts
 * (core/oom_report.h): the domain's usage against its limit, memory.stat's
 * breakdown as a bar, the largest tasks of the table, one sentence.
 */
void report__what_filled(struct report_out *o, const struct oom_context *c,
			const struct render_ctx *rc)
{
	const struct oom_report *r = &c->report;
	struct oomr_say say = { filled_words, filled_name, o };
	const char *names[8];
	uint64_t bytes[8], usage = 0, sum = 0;
	bool any = false, missing = false;
	char b[24];
	int i, n;

	for (i = 0; i < OOMR_NR; i++)
		any |= r->src[i] != 0;
	heading(o, 3, "What filled the memory");
	if (any) {
		report__put(o, o->m->para_open);
		oom_report__tell(c, rc->page_size, &say);
		report__say(o, " (From the kernel's OOM report in its log.)");
		report__put(o, o->m->para_close);
	}
	if (r->src[OOMR_DOMAIN]) {
		table_open(o, "domain", NULL, 0);
		counter_row(o, "Memory usage", &r->memory);
		counter_row(o, "Swap (cgroup v2)", &r->swap);
		counter_row(o, "Memory+swap (cgroup v1)", &r->memsw);
		counter_row(o, "Kernel memory (cgroup v1 kmem)", &r->kmem);
		table_close(o);
		usage = r->memory.usage_kb * 1024;
	}
	n = oom_report__breakdown(r, names, bytes, 8);
	for (i = 0; i < n; i++)
		sum += bytes[i];
	if (n) {
		uint64_t whole = usage > sum ? usage : sum;

		if (o->m->bar)
			o->m->bar(o->f, names, bytes, n, whole);
		table_open(o, "breakdown", filled_parts_columns, 4);
		for (i = 0; i <= n; i++) {
			uint64_t v = i < n ? bytes[i] : whole - sum;
			int w = whole ? (int)((v * 20 + whole / 2) / whole) : 0;

			if (i == n && !v)
				break;
			report__put(o, o->m->row_open);
			cellf(o, false, "%s", i < n ? names[i] : "other (usage not in these parts)");
			timefmt__bytes(b, sizeof(b), v);
			cellf(o, true, "%s", b);
			cellf(o, true, "%.1f%%", whole ? 100.0 * (double)v / (double)whole : 0.0);
			cell(o, false);
			while (w-- > 0)
				report__put(o, "\xe2\x96\x88"); /* a full block, U+2588 */
			cell_end(o);
			report__put(o, o->m->row_close);
		}
		table_close(o);
	}
	if (r->src[OOMR_TASKS]) {
		uint32_t t;

		para(o, "The kernel listed %u task%s in the domain (memory values as its task table "
			"has them%s):",
		     r->tasks_listed, r->tasks_listed == 1 ? "" : "s",
		     r->cut[OOMR_TASKS] ? "; lines of the table were lost, it is not whole" : "");
		table_open(o, "tasks", filled_tasks_columns, NFILLED_TASK_COLUMNS);
		for (t = 0; t < r->ntasks; t++) {
			const struct oomr_task *k = &r->tasks[t];

			report__put(o, o->m->row_open);
			cellf(o, true, "%u", k->tgid);
			cell_code(o, k->name, sizeof(k->name));
			cellf(o, false, "%s%s%s", k->flags & OOMR_TASK_VICTIM ? "victim" : "",
			      k->flags == (OOMR_TASK_VICTIM | OOMR_TASK_TRIGGER) ? ", " : "",
			      k->flags & OOMR_TASK_TRIGGER ? "trigger" : "");
			pages_cell(o, k->rss, rc->page_size, true);
			pages_cell(o, k->rss_anon, rc->page_size, r->tasks_split);
			pages_cell(o, k->rss_file, rc->page_size, r->tasks_split);
			pages_cell(o, k->rss_shmem, rc->page_size, r->tasks_split);
			timefmt__bytes(b, sizeof(b), k->pgtables_bytes);
			cellf(o, true, "%s", b);
			pages_cell(o, k->swapents, rc->page_size, true);
			cellf(o, true, "%d", k->oom_score_adj);
			report__put(o, o->m->row_close);
		}
		if (r->tasks_listed > r->ntasks) {
			report__put(o, o->m->row_open);
			empty_cells(o, 1);
			cellf(o, false, "%u other tasks", r->tasks_listed - r->ntasks);
			empty_cells(o, 1);
			pages_cell(o, r->rest_rss, rc->page_size, true);
			empty_cells(o, NFILLED_TASK_COLUMNS - 4);
			report__put(o, o->m->row_close);
		}
		table_close(o);
		if (r->tasks_unreadable)
			para(o, "%u line%s inside the table %s not rows of it and were left out.",
			     r->tasks_unreadable, r->tasks_unreadable == 1 ? "" : "s",
			     r->tasks_unreadable == 1 ? "was" : "were");
	}
	if (r->src[OOMR_MEMINFO] && r->nzones)
		filled_zones(o, r);
	if (r->src[OOMR_SLAB])
		filled_slab(o, r);
	for (i = 0; i < OOMR_NR; i++) {
		char parts[64];
		int k = oom_report__unknown_group(r, i, parts, sizeof(parts));

		if (!k)
			continue;
		if (!missing)
			report__put(o, o->m->para_open);
		report__say(o, "%s%s %s: %s", missing ? "; " : "", parts,
			    k == 1 ? "is not known" : "are not known",
			    oom_report__reason(r, (enum oomr_part)i));
		missing = true;
	}
	if (missing) {
		report__say(o, ".");
		report__put(o, o->m->para_close);
	}
	if (r->lines_lost)
		para(o, "%u line%s of the kernel's report %s lost.", r->lines_lost,
		     r->lines_lost == 1 ? "" : "s", r->lines_lost == 1 ? "was" : "were");
}

static const struct report_column event_columns[] = {
	{ "#", true },
	{ "Victim", true },
	{ "PID", true },
	{ "Comm", false },
	{ "Killed", true },
	{ "Exited", true },
	{ "Reaper done", true },
	{ "Over", true },
	{ "Outcome", false },
};
#define NEVENT_COLUMNS (sizeof(event_columns) / sizeof(event_columns[0]))

/* A group's victims die within microseconds of each other: us, ms or s. */
static void offset_cell(struct report_out *o, uint64_t base, uint64_t ts)
{
	char d[16];

	if (!ts || ts < base) {
		cellf(o, true, "-");
		return;
	}
	timefmt__duration(d, sizeof(d), ts - base);
	cellf(o, true, "+%s", d);
}

/*
 * A memory.oom.group kill: one section before its victims' own, with every
 * victim on one time axis (from the event's first kill), so that one can
 * see at a glance who died when and who took longest.
 */
void report__oom_event(struct report_out *o, const struct report *r, size_t first)
{
	const struct oomreap_incident *lead = &r->details[first].inc, *chosen = lead;
	uint64_t id = lead->oom_event.id, base = UINT64_MAX;
	size_t i, n = 0;
	char when[48];

	for (i = first; i < r->ndetails; i++) {
		const struct oomreap_incident *inc = &r->details[i].inc;

		if (inc->oom_event.id != id)
			continue;
		n++;
		if (inc->kill_ns && inc->kill_ns < base)
			base = inc->kill_ns;
	}
	if (base == UINT64_MAX)
		base = incident__start_ns(lead);
	o->m->heading_open(o->f, 2);
	fprintf(o->f, "OOM event %" PRIu64 ": memory.oom.group killed %zu task%s", id, n,
		n == 1 ? "" : "s");
	o->m->heading_close(o->f, 2);
	timefmt__utc(when, sizeof(when), report__real_ns(base, r->rc.mono_to_real_ns));
	report__put(o, o->m->para_open);
	fprintf(o->f, "At %s the OOM killer chose one victim and, because memory.oom.group "
		      "is set on ", when);
	if (lead->oom_event.group_cgroup_known)
		code(o, lead->oom_event.group_cgroup, sizeof(lead->oom_event.group_cgroup));
	else
		report__put(o, "its memory cgroup (path cut)");
	report__say(o, ", killed every task of that cgroup with it. Times are from the first "
		       "kill.");
	report__put(o, o->m->para_close);
	table_open(o, "oomevent", event_columns, NEVENT_COLUMNS);
	for (i = first; i < r->ndetails; i++) {
		const struct oomreap_incident *inc = &r->details[i].inc;

		if (inc->oom_event.id != id)
			continue;
		report__put(o, o->m->row_open);
		cell(o, true);
		o->m->incident_number(o->f, i + 1, true);
		cell_end(o);
		cellf(o, true, "%u%s", inc->oom_event.index,
		      inc->oom_event.index == 1 ? " (chosen)" : "");
		cellf(o, true, "%u", inc->pid);
		cell_code(o, incident__named(inc) ? inc->comm : NULL, sizeof(inc->comm));
		offset_cell(o, base, inc->kill_ns);
		offset_cell(o, base, inc->exit_ns);
		offset_cell(o, base, inc->finish_ns);
		offset_cell(o, base, inc->outcome != OUTCOME_OPEN ? inc->closed_ns : 0);
		cell(o, false);
		o->m->outcome(o->f, (uint8_t)inc->outcome);
		cell_end(o);
		report__put(o, o->m->row_close);
		if (inc->oom_event.index == 1)
			chosen = inc;
	}
	table_close(o);
	report__what_filled(o, &chosen->ctx, &r->rc);
}
