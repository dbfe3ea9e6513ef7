// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What filled the memory (core/oom_report.h) in JSON and, under -v, in
 * text: the same parts, each with its source or why it is null.
 */
#include <inttypes.h>
#include <string.h>

#include "core/oom_context.h"
#include "core/timefmt.h"
#include "sinks/render.h"

static void json_str(FILE *f, const char *s, size_t maxlen)
{
	fputc('"', f);
	incident__escape(f, ESCAPE_JSON, s, maxlen);
	fputc('"', f);
}

static void json_counter(FILE *f, const char *key, const struct oomr_counter *c)
{
	fprintf(f, "\"%s\":", key);
	if (!c->have) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"usage_bytes\":%" PRIu64 ",\"limit_bytes\":%" PRIu64 ",\"failcnt\":%" PRIu64 "}",
		c->usage_kb * 1024, c->limit_kb * 1024, c->failcnt);
}

static void json_kv(FILE *f, const struct oomr_kv *kv)
{
	unsigned i;

	fputc('{', f);
	for (i = 0; i < kv->n; i++) {
		if (i)
			fputc(',', f);
		json_str(f, oomr_kv__key(kv, i), OOMR_KV_TEXT);
		fprintf(f, ":%" PRIu64, kv->val[i]);
	}
	fprintf(f, "},\"keys_dropped\":%u", kv->dropped);
}

static void json_zkv(FILE *f, const struct oomr_zkv *kv)
{
	unsigned i;

	fputs("\"kB\":{", f);
	for (i = 0; i < kv->n; i++) {
		if (i)
			fputc(',', f);
		json_str(f, oomr_zkv__key(kv, i), OOMR_ZKV_TEXT);
		fprintf(f, ":%" PRIu64, kv->val[i]);
	}
	fprintf(f, "},\"keys_dropped\":%u", kv->dropped);
}

static void json_node_id(FILE *f, int32_t node)
{
	if (node < 0)
		fputs("\"node\":null", f);
	else
		fprintf(f, "\"node\":%d", node);
}

/* Mem-Info's node and zone lines; null with why when none was read. */
static void json_nodes_zones(FILE *f, const struct oom_report *r)
{
	const char *why = r->cut[OOMR_MEMINFO] ? "lines of the kernel's OOM report were lost"
					       : "the kernel's Mem-Info has no such lines";
	int i, j;

	fputs(",\"nodes\":", f);
	if (!r->nnodes) {
		fprintf(f, "null,\"nodes_missing\":\"%s\"", why);
	} else {
		fputc('[', f);
		for (i = 0; i < r->nnodes; i++) {
			const struct oomr_node *nd = &r->nodes[i];

			fputs(i ? ",{" : "{", f);
			json_node_id(f, nd->node);
			fputc(',', f);
			json_zkv(f, &nd->kb);
			fprintf(f, ",\"all_unreclaimable\":%s}",
				nd->all_unreclaimable < 0 ? "null"
				: nd->all_unreclaimable	  ? "true"
							  : "false");
		}
		fprintf(f, "],\"nodes_dropped\":%u", r->nodes_dropped);
	}
	fputs(",\"zones\":", f);
	if (!r->nzones) {
		fprintf(f, "null,\"zones_missing\":\"%s\"", why);
	} else {
		fputc('[', f);
		for (i = 0; i < r->nzones; i++) {
			const struct oomr_zone *z = &r->zones[i];
			uint64_t fr, mn;

			fputs(i ? ",{" : "{", f);
			json_node_id(f, z->node);
			fputs(",\"zone\":", f);
			json_str(f, z->name, sizeof(z->name));
			fputc(',', f);
			json_zkv(f, &z->kb);
			fputs(",\"below_min\":", f);
			if (oomr_zkv__get(&z->kb, "free", &fr) && oomr_zkv__get(&z->kb, "min", &mn))
				fputs(fr < mn ? "true" : "false", f);
			else
				fputs("null", f);
			fputs(",\"lowmem_reserve_pages\":", f);
			if (!z->nlowmem) {
				fputs("null", f);
			} else {
				for (j = 0; j < z->nlowmem; j++)
					fprintf(f, "%c%" PRId64, j ? ',' : '[', z->lowmem_reserve[j]);
				fputc(']', f);
			}
			if (z->have_buddy)
				fprintf(f, ",\"buddy_free_kB\":%" PRIu64 "}", z->buddy_free_kb);
			else
				fputs(",\"buddy_free_kB\":null}", f);
		}
		fprintf(f, "],\"zones_dropped\":%u", r->zones_dropped);
	}
	fprintf(f, ",\"zone_lines_orphan\":%u,\"other_lines\":%u,\"unreadable_lines\":%u",
		r->zone_lines_orphan, r->meminfo_other, r->meminfo_unread);
}

static void json_task(FILE *f, const struct oomr_task *t, bool split)
{
	fprintf(f, "{\"pid\":%u,\"tgid\":%u,\"uid\":%u,\"name\":", t->pid, t->tgid, t->uid);
	json_str(f, t->name, sizeof(t->name));
	fprintf(f, ",\"total_vm_pages\":%" PRIu64 ",\"rss_pages\":%" PRIu64, t->total_vm, t->rss);
	if (split)
		fprintf(f, ",\"rss_anon_pages\":%" PRIu64 ",\"rss_file_pages\":%" PRIu64
			   ",\"rss_shmem_pages\":%" PRIu64,
			t->rss_anon, t->rss_file, t->rss_shmem);
	else
		fputs(",\"rss_anon_pages\":null,\"rss_file_pages\":null,\"rss_shmem_pages\":null", f);
	fprintf(f, ",\"pgtables_bytes\":%" PRIu64 ",\"swapents\":%" PRIu64
		   ",\"oom_score_adj\":%d,\"victim\":%s,\"trigger\":%s}",
		t->pgtables_bytes, t->swapents, t->oom_score_adj,
		t->flags & OOMR_TASK_VICTIM ? "true" : "false",
		t->flags & OOMR_TASK_TRIGGER ? "true" : "false");
}

static void json_tail(FILE *f, const struct oom_report *r, enum oomr_part p)
{
	fprintf(f, ",\"cut\":%s,\"source\":\"%s\"}", r->cut[p] ? "true" : "false",
		ctx_source__name(r->src[p]));
}

void render__json_oom_report(FILE *f, const struct oom_report *r)
{
	bool first = true;
	uint32_t i;
	int p;

	fputs(",\"domain\":", f);
	if (r->src[OOMR_DOMAIN]) {
		fputc('{', f);
		json_counter(f, "memory", &r->memory);
		fputc(',', f);
		json_counter(f, "swap", &r->swap);
		fputc(',', f);
		json_counter(f, "memory_swap", &r->memsw);
		fputc(',', f);
		json_counter(f, "kmem", &r->kmem);
		json_tail(f, r, OOMR_DOMAIN);
	} else {
		fputs("null", f);
	}
	fputs(",\"memory_stat\":", f);
	if (r->src[OOMR_MEMORY_STAT]) {
		fputs("{\"stats\":", f);
		json_kv(f, &r->stat);
		json_tail(f, r, OOMR_MEMORY_STAT);
	} else {
		fputs("null", f);
	}
	fputs(",\"tasks\":", f);
	if (r->src[OOMR_TASKS]) {
		fputs("{\"rows\":[", f);
		for (i = 0; i < r->ntasks; i++) {
			if (i)
				fputc(',', f);
			json_task(f, &r->tasks[i], r->tasks_split);
		}
		fprintf(f, "],\"listed\":%u,\"shown\":%u,\"listed_rss_pages\":%" PRIu64
			   ",\"rest_rss_pages\":%" PRIu64 ",\"unreadable_lines\":%u,\"victim_listed\":%s",
			r->tasks_listed, r->ntasks, r->listed_rss, r->rest_rss, r->tasks_unreadable,
			r->victim_listed ? "true" : "false");
		json_tail(f, r, OOMR_TASKS);
	} else {
		fputs("null", f);
	}
	fputs(",\"meminfo\":", f);
	if (r->src[OOMR_MEMINFO]) {
		fputs("{\"pages\":", f);
		json_kv(f, &r->meminfo);
		json_nodes_zones(f, r);
		json_tail(f, r, OOMR_MEMINFO);
	} else {
		fputs("null", f);
	}
	fputs(",\"slab\":", f);
	if (r->src[OOMR_SLAB]) {
		fputs("{\"rows\":[", f);
		for (i = 0; i < r->nslab; i++) {
			fputs(i ? ",{\"name\":" : "{\"name\":", f);
			json_str(f, r->slab[i].name, sizeof(r->slab[i].name));
			fprintf(f, ",\"used_kB\":%" PRIu64 ",\"total_kB\":%" PRIu64 "}",
				r->slab[i].used_kb, r->slab[i].total_kb);
		}
		fprintf(f, "],\"listed\":%u,\"shown\":%u,\"listed_used_kB\":%" PRIu64
			   ",\"rest_used_kB\":%" PRIu64 ",\"unreadable_lines\":%u",
			r->slab_listed, r->nslab, r->slab_listed_kb, r->slab_rest_kb,
			r->slab_unreadable);
		json_tail(f, r, OOMR_SLAB);
	} else {
		fputs("null", f);
	}
	fprintf(f, ",\"report_lines_lost\":%u,\"report_missing\":{", r->lines_lost);
	for (p = 0; p < OOMR_NR; p++) {
		if (r->src[p])
			continue;
		fprintf(f, "%s\"%s\":\"%s\"", first ? "" : ",", oomr_part__name((enum oomr_part)p),
			oom_report__reason(r, (enum oomr_part)p));
		first = false;
	}
	fputc('}', f);
}

static void text_counter(FILE *f, const char *name, const struct oomr_counter *c,
			 const char **sep)
{
	char u[24], l[24];

	if (!c->have)
		return;
	timefmt__bytes(u, sizeof(u), c->usage_kb * 1024);
	timefmt__bytes(l, sizeof(l), c->limit_kb * 1024);
	if (oomr__unlimited(c->limit_kb))
		fprintf(f, "%s%s %s (no limit), failcnt %" PRIu64, *sep, name, u, c->failcnt);
	else
		fprintf(f, "%s%s %s of %s, failcnt %" PRIu64, *sep, name, u, l, c->failcnt);
	*sep = "; ";
}

void render__text_oom_report(FILE *f, const struct oom_context *c, uint64_t page_size)
{
	const struct oom_report *r = &c->report;
	char line[1024], b[24];
	const char *names[8], *sep = " ";
	uint64_t bytes[8];
	bool missing = false;
	int i, n;

	if (oom_report__sentence(line, sizeof(line), c, page_size, ESCAPE_TEXT))
		fprintf(f, "  what filled the memory: %s\n", line);
	if (r->src[OOMR_DOMAIN]) {
		fputs("  OOM domain:", f);
		text_counter(f, "memory", &r->memory, &sep);
		text_counter(f, "swap", &r->swap, &sep);
		text_counter(f, "memory+swap", &r->memsw, &sep);
		text_counter(f, "kmem", &r->kmem, &sep);
		fprintf(f, "%s\n", r->cut[OOMR_DOMAIN] ? " [cut]" : "");
	}
	n = oom_report__breakdown(r, names, bytes, 8);
	if (n) {
		fputs("  memory.stat:", f);
		for (i = 0; i < n; i++) {
			timefmt__bytes(b, sizeof(b), bytes[i]);
			fprintf(f, "%s%s %s", i ? ", " : " ", names[i], b);
		}
		fprintf(f, " (%u keys%s)\n", r->stat.n, r->cut[OOMR_MEMORY_STAT] ? ", cut" : "");
	}
	if (r->src[OOMR_TASKS]) {
		fprintf(f, "  tasks: %u listed%s, by RSS:", r->tasks_listed,
			r->cut[OOMR_TASKS] ? " (table cut: lines lost)" : "");
		for (i = 0; i < (int)r->ntasks; i++) {
			const struct oomr_task *t = &r->tasks[i];

			timefmt__bytes(b, sizeof(b), t->rss * page_size);
			fprintf(f, "%s", i ? ", " : " ");
			incident__escape(f, ESCAPE_TEXT, t->name, sizeof(t->name));
			fprintf(f, " (%u)%s%s %s", t->tgid, t->flags & OOMR_TASK_VICTIM ? " [victim]" : "",
				t->flags & OOMR_TASK_TRIGGER ? " [trigger]" : "", b);
		}
		if (r->tasks_listed > r->ntasks) {
			timefmt__bytes(b, sizeof(b), r->rest_rss * page_size);
			fprintf(f, ", %u more %s", r->tasks_listed - r->ntasks, b);
		}
		if (r->tasks_unreadable)
			fprintf(f, "; %u lines in the table not read", r->tasks_unreadable);
		fputc('\n', f);
	}
	if (r->src[OOMR_MEMINFO] && (r->nnodes || r->nzones)) {
		fputs("  Mem-Info:", f);
		for (i = 0; i < r->nnodes; i++)
			if (r->nodes[i].all_unreclaimable >= 0)
				fprintf(f, " node %d all_unreclaimable %s;", r->nodes[i].node,
					r->nodes[i].all_unreclaimable ? "yes" : "no");
		for (i = 0; i < r->nzones; i++) {
			const struct oomr_zone *z = &r->zones[i];
			uint64_t fr, mn;
			char m[24];

			if (z->node >= 0)
				fprintf(f, "%s%d/", i ? ", " : " ", z->node);
			else
				fputs(i ? ", " : " ", f);
			incident__escape(f, ESCAPE_TEXT, z->name, sizeof(z->name));
			if (oomr_zkv__get(&z->kb, "free", &fr) && oomr_zkv__get(&z->kb, "min", &mn)) {
				timefmt__bytes(b, sizeof(b), fr * 1024);
				timefmt__bytes(m, sizeof(m), mn * 1024);
				fprintf(f, " free %s min %s%s", b, m, fr < mn ? " [below min]" : "");
			}
		}
		if (r->nodes_dropped || r->zones_dropped)
			fprintf(f, "; %u nodes, %u zones more", r->nodes_dropped, r->zones_dropped);
		if (r->meminfo_unread || r->zone_lines_orphan)
			fprintf(f, "; %u lines not read", r->meminfo_unread + r->zone_lines_orphan);
		fprintf(f, "%s\n", r->cut[OOMR_MEMINFO] ? " [cut]" : "");
	}
	if (r->src[OOMR_SLAB]) {
		fprintf(f, "  unreclaimable slab: %u caches listed%s", r->slab_listed,
			r->cut[OOMR_SLAB] ? " (table cut: lines lost)" : "");
		for (i = 0; i < (int)r->nslab; i++) {
			timefmt__bytes(b, sizeof(b), r->slab[i].used_kb * 1024);
			fputs(i ? ", " : ", by use: ", f);
			incident__escape(f, ESCAPE_TEXT, r->slab[i].name, sizeof(r->slab[i].name));
			fprintf(f, " %s", b);
		}
		if (r->slab_listed > r->nslab) {
			timefmt__bytes(b, sizeof(b), r->slab_rest_kb * 1024);
			fprintf(f, ", %u more %s", r->slab_listed - r->nslab, b);
		}
		if (r->slab_unreadable)
			fprintf(f, "; %u lines in the table not read", r->slab_unreadable);
		fputc('\n', f);
	}
	for (i = 0; i < OOMR_NR; i++) {
		char parts[64];

		if (!oom_report__unknown_group(r, i, parts, sizeof(parts)))
			continue;
		fprintf(f, "%s%s: %s", missing ? "; " : "    unknown ", parts,
			oom_report__reason(r, (enum oomr_part)i));
		missing = true;
	}
	if (missing)
		fputc('\n', f);
}
