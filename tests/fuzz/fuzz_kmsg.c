// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness: arbitrary bytes as a kernel log (a --kmsg file) and as
 * one raw /dev/kmsg record (a recording's KMSG record): parse, classify,
 * sort, find each victim's block, and quote it in both report formats; the
 * OOM context parsers on every line, and the join for each pid named.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/oom_context.h"
#include "rec/kmsg.h"
#include "report/model.h" /* the harness switches the format of one report */
#include "core/tracker.h"

/* The OOM report's parts: bounded, terminated, and their sums whole. */
static void check_report(const struct oom_report *r)
{
	uint64_t kept = 0;
	uint32_t j;

	if (r->ntasks > OOMR_TASKS_MAX || r->ntasks > r->tasks_listed ||
	    r->stat.n > OOMR_KV_MAX || r->meminfo.n > OOMR_KV_MAX ||
	    r->stat.text_len > OOMR_KV_TEXT || r->meminfo.text_len > OOMR_KV_TEXT)
		__builtin_trap();
	for (j = 0; j < r->ntasks; j++) {
		if (r->tasks[j].name[OOMR_NAME_LEN - 1] ||
		    (j && r->tasks[j - 1].rss < r->tasks[j].rss))
			__builtin_trap();
		kept += r->tasks[j].rss;
	}
	if (kept + r->rest_rss != r->listed_rss)
		__builtin_trap();
	/* Mem-Info's nodes and zones, and the slab table: bounded, terminated, summed */
	if (r->nnodes > OOMR_NODES_MAX || r->nzones > OOMR_ZONES_MAX || r->nslab > OOMR_SLAB_MAX ||
	    r->nslab > r->slab_listed)
		__builtin_trap();
	for (j = 0; j < r->nnodes; j++)
		if (r->nodes[j].kb.n > OOMR_ZKV_MAX || r->nodes[j].kb.text_len > OOMR_ZKV_TEXT)
			__builtin_trap();
	for (j = 0; j < r->nzones; j++)
		if (r->zones[j].kb.n > OOMR_ZKV_MAX || r->zones[j].kb.text_len > OOMR_ZKV_TEXT ||
		    r->zones[j].name[OOMR_ZONE_NAME - 1] || r->zones[j].nlowmem > OOMR_LOWMEM_MAX)
			__builtin_trap();
	for (kept = 0, j = 0; j < r->nslab; j++) {
		if (r->slab[j].name[OOMR_SLAB_NAME - 1] ||
		    (j && r->slab[j - 1].used_kb < r->slab[j].used_kb))
			__builtin_trap();
		kept += r->slab[j].used_kb;
	}
	if (kept + r->slab_rest_kb != r->slab_listed_kb)
		__builtin_trap();
	for (j = 0; j < OOMR_NR; j++)
		if (!r->src[j] && !oom_report__reason(r, (enum oomr_part)j)[0])
			__builtin_trap(); /* null, and no reason said */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quote(const struct kmsg_log *k, uint32_t pid, uint64_t ts)
{
	struct oomrec_header h;
	struct report_opts ro = { .format = REPORT_MD, .detail_max = 1 };
	struct report_source src = { .hdr = &h, .name = "fuzz", .kmsg_name = "fuzz" };
	struct oomreap_incident inc;
	struct report *r;
	FILE *devnull;

	memset(&h, 0, sizeof(h));
	h.page_size = 4096;
	memset(&inc, 0, sizeof(inc));
	inc.pid = inc.tgid = pid;
	inc.kill_ns = ts ? ts : 1;
	inc.closed_ns = inc.kill_ns;
	inc.outcome = OUTCOME_GAVE_UP;
	r = report__new(&ro, &h);
	devnull = fopen("/dev/null", "w");
	if (r && devnull) {
		report__on_incident(&inc, r);
		report__write(r, devnull, &src, k);
		r->opts.format = REPORT_HTML;
		report__write(r, devnull, &src, k);
	}
	if (devnull)
		fclose(devnull);
	report__free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmsg_log k;
	struct kmsg_line line;
	struct kmsg_block b;
	uint64_t kb[3];
	uint32_t pid;
	size_t i, n = 0;

	if (kmsg__parse_record((const char *)data, size, &line) == 0) {
		if (line.text < (const char *)data || line.text + line.text_len > (const char *)data + size)
			__builtin_trap();
		kmsg__classify(line.text, line.text_len, &pid);
	}
	kmsg_log__init(&k);
	kmsg_log__add_text(&k, (const char *)data, size);
	kmsg_log__add_record(&k, (const char *)data, size);
	kmsg_log__sort(&k);
	for (i = 0; i < k.n; i++) {
		const char *t = kmsg_log__text(&k, &k.v[i]);
		struct kmsg_invoked iv;
		struct kmsg_summary sm;

		if (kmsg__parse_invoked(t, k.v[i].text_len, &iv) == 0 &&
		    (iv.comm + iv.comm_len > t + k.v[i].text_len ||
		     iv.gfp_names + iv.gfp_names_len > t + k.v[i].text_len))
			__builtin_trap();
		if (kmsg__parse_summary(t, k.v[i].text_len, &sm) == 0 &&
		    sm.head_len > k.v[i].text_len)
			__builtin_trap();
		kmsg__parse_killed_rss(t, k.v[i].text_len, kb);
		{
			struct kmsg_killed kl;

			/* a whole "Killed process" line: its comm always ends within TASK_COMM_LEN */
			if (kmsg__parse_killed(t, k.v[i].text_len, &kl) == 0 &&
			    (kl.comm[sizeof(kl.comm) - 1] || !kl.pid))
				__builtin_trap();
		}
	}
	for (i = 0; i < k.n && n < 4; i++) {
		struct oomreap_incident inc;
		const char *t = kmsg_log__text(&k, &k.v[i]);
		struct kmsg_summary sm;

		if (!k.v[i].pid)
			continue;
		n++;
		/* the join, for the victim this line names (its comm from the summary's tail) */
		memset(&inc, 0, sizeof(inc));
		inc.have_identity = true;
		inc.pid = inc.tgid = k.v[i].pid;
		inc.kill_ns = k.v[i].ts_ns;
		inc.oom_event.index = 1 + (k.v[i].seq & 1);
		if (kmsg__parse_summary(t, k.v[i].text_len, &sm) == 0 && sm.head_len > 6) {
			size_t cl = sm.head_len > 15 ? 15 : sm.head_len;

			memcpy(inc.comm, sm.head + sm.head_len - cl, cl);
			memcpy(inc.cgroup_path, t, k.v[i].text_len < 32 ? k.v[i].text_len : 32);
		}
		oom_context__missing(&inc.ctx, CTX_WHY_LOG_NOT_READ);
		kmsg__incident_context(&k, 0, &inc);
		check_report(&inc.ctx.report);
		/* the kill's RSS figures: found only with the three of them */
		if (kmsg__incident_kill_rss(&k, &inc) != inc.have_kill_log_rss)
			__builtin_trap();
		if (inc.ctx.domain[sizeof(inc.ctx.domain) - 1] || inc.ctx.gfp_names[sizeof(inc.ctx.gfp_names) - 1] ||
		    inc.ctx.trigger_comm[sizeof(inc.ctx.trigger_comm) - 1])
			__builtin_trap();
		/* joined halfway: the line's pid first seen a little later, no kill seen */
		memset(&inc, 0, sizeof(inc));
		inc.pid = k.v[i].pid;
		inc.opened_ns = k.v[i].ts_ns + 2000000000ull;
		if (kmsg__incident_join(&k, 0, &inc, 4096) != inc.identity_from_log ||
		    inc.comm[sizeof(inc.comm) - 1] || inc.ctx.domain[sizeof(inc.ctx.domain) - 1] ||
		    (inc.identity_from_log && inc.kill_log_ns > inc.opened_ns + 50000000ull))
			__builtin_trap();
		kmsg_log__find_block(&k, k.v[i].pid, k.v[i].pid, k.v[i].ts_ns, &b);
		if (b.last >= b.first && (b.last >= k.n || b.first >= k.n))
			__builtin_trap();
		quote(&k, k.v[i].pid, k.v[i].ts_ns);
	}
	kmsg_log__free(&k);
	return 0;
}
