// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The tracker (tracker.h): which RSS reading an incident shows, the
 * kernel's counters or their exact per-CPU sums, decided as the kernel's
 * own "Killed process" line printed them.
 */
#include <stdio.h>
#include <string.h>

#include "core/tracker.h"
#include "core/tracker_impl.h"

const char *rss_basis__name(uint8_t basis)
{
	return basis == RSS_BASIS_SUM ? "sum" : "count";
}

const char *rss_basis_src__name(uint8_t src)
{
	static const char *const names[] = {
		[RSS_SRC_NO_SUM] = "no_sum",
		[RSS_SRC_KERNEL_LOG] = "kernel_log",
		[RSS_SRC_EARLIER_LOG] = "earlier_kernel_log",
		[RSS_SRC_DEFAULT] = "default",
		[RSS_SRC_KERNEL_RELEASE] = "kernel_release",
	};

	return src < sizeof(names) / sizeof(names[0]) ? names[src] : "unknown";
}

int rss_basis__judge(const uint64_t count_pages[OOMREAP_RSS_NR],
		     const uint64_t sum_pages[OOMREAP_RSS_NR], const uint64_t log_kb[3],
		     uint64_t page_size)
{
	/* the kernel's order: anon-rss, file-rss, shmem-rss */
	static const int idx[3] = { OOMREAP_RSS_ANON, OOMREAP_RSS_FILE, OOMREAP_RSS_SHMEM };
	uint64_t kb = page_size / 1024;
	bool count = true, sum = true;
	int i;

	if (!kb)
		return -1;
	for (i = 0; i < 3; i++) {
		/* K(x) = x << (PAGE_SHIFT - 10): no overflow for any real figure */
		count = count && count_pages[idx[i]] <= UINT64_MAX / kb &&
			count_pages[idx[i]] * kb == log_kb[i];
		sum = sum && sum_pages[idx[i]] <= UINT64_MAX / kb &&
		      sum_pages[idx[i]] * kb == log_kb[i];
	}
	if (count == sum)
		return -1;
	return count ? RSS_BASIS_COUNT : RSS_BASIS_SUM;
}

int rss_basis__of_release(const char *release)
{
	unsigned major, minor;

	if (!release || sscanf(release, "%u.%u", &major, &minor) != 2)
		return -1;
	return major >= 7 ? RSS_BASIS_SUM : RSS_BASIS_COUNT;
}

/*
 * Which reading the incident shows (enum rss_basis): the exact sums only
 * where every reading it shows has one (the kill's, and each reap's start
 * and finish), else the counts throughout, never a mix.  The sums where the
 * kernel's own line for this victim printed them, or, undecided, where an
 * earlier victim's did; the counts where it printed those; when no line
 * decides, what the kernel's release prints (rss_basis__of_release), and
 * the sums when even that is unknown.
 */
void trk__apply_rss_basis(struct tracker *t, struct oomreap_incident *inc)
{
	uint32_t i, j;

	inc->rss_basis = RSS_BASIS_COUNT;
	inc->rss_basis_src = RSS_SRC_NO_SUM;
	if (!inc->have_rss_sum_at_kill || inc->freed_sum_missing)
		return;
	/*
	 * The "Killed process" line comes right after the kill event, maybe
	 * after the kill was applied (a reader woken at once, -v): a last look.
	 */
	if (!inc->have_kill_log_rss && inc->have_identity && t->opts.before_close)
		t->opts.before_close(inc, t->opts.ctx);
	if (inc->have_kill_log_rss)
		inc->log_basis = (int8_t)rss_basis__judge(inc->rss_at_kill_pages,
							  inc->rss_sum_at_kill_pages,
							  inc->kill_log_rss_kb, t->opts.page_size);
	if (inc->log_basis >= 0) {
		inc->rss_basis = (uint8_t)inc->log_basis;
		inc->rss_basis_src = RSS_SRC_KERNEL_LOG;
		t->learned_basis = inc->log_basis;
	} else if (t->learned_basis >= 0) {
		inc->rss_basis = (uint8_t)t->learned_basis;
		inc->rss_basis_src = RSS_SRC_EARLIER_LOG;
	} else if (t->release_basis >= 0) {
		inc->rss_basis = (uint8_t)t->release_basis;
		inc->rss_basis_src = RSS_SRC_KERNEL_RELEASE;
	} else {
		inc->rss_basis = RSS_BASIS_SUM;
		inc->rss_basis_src = RSS_SRC_DEFAULT;
	}
	if (inc->rss_basis != RSS_BASIS_SUM)
		return;
	memcpy(inc->rss_at_kill_pages, inc->rss_sum_at_kill_pages, sizeof(inc->rss_at_kill_pages));
	memcpy(inc->freed_pages, inc->freed_sum_pages, sizeof(inc->freed_pages));
	for (i = 0; i < inc->timeline_len; i++)
		for (j = 0; j < OOMREAP_RSS_NR; j++)
			if (inc->timeline[i].rss_sum[j] >= 0)
				inc->timeline[i].rss_pages[j] = inc->timeline[i].rss_sum[j];
}
