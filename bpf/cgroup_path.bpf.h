/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A cgroup's path, walked in BPF at the kill (the OOM killer's victims,
 * oomreap.bpf.c, and the userspace killers', killers.bpf.c), and the
 * task's memory cgroup.  Its scratch area is declared in oomreap.bpf.h.
 */
#ifndef OOMREAP_CGROUP_PATH_BPF_H
#define OOMREAP_CGROUP_PATH_BPF_H

#include "oomreap.bpf.h"

/*
 * One level of the walk: kn's name put in front of what scratch->build
 * holds from *start on.  Returns false when the walk ends there: kn is
 * the hierarchy's root (no name in the path), its name cannot be read, or
 * it does not fit (*truncated: outer levels missing).  Shared by both
 * walks below, inlined into each: the masks and barriers are what the
 * verifier needs to bound the writes.
 */
static __always_inline bool cgroup_path_prepend(struct cgroup_path_scratch *scratch,
						struct kernfs_node *kn,
						struct kernfs_node *parent, __u32 *startp,
						bool *truncated)
{
	__u32 len, start = *startp;
	long n;

	if (!parent)
		return false;
	n = bpf_probe_read_kernel_str(scratch->name, sizeof(scratch->name),
				      BPF_CORE_READ(kn, name));
	if (n <= 0)
		return false;
	len = n - 1; /* n counts the NUL */
	if (len + 1 > start) {
		*truncated = true; /* over 510 bytes: outer levels missing */
		return false;
	}
	start -= len;
	/*
	 * barrier_var: the compiler can prove the masks below are
	 * no-ops and would drop them; the verifier needs them.
	 */
	barrier_var(start);
	barrier_var(len);
	bpf_probe_read_kernel(&scratch->build[start & CGROUP_BUILD_END],
			      len & (CGROUP_NAME_MAX - 1), scratch->name);
	start--;
	barrier_var(start);
	scratch->build[start & CGROUP_BUILD_END] = '/';
	*startp = start;
	return true;
}

/*
 * The start of both walks: buf says "/" (the root, or nothing known), and
 * the scratch area, its path empty; NULL when there is no cgroup.
 */
static __always_inline struct cgroup_path_scratch *cgroup_path_begin(struct cgroup *cg, char *buf)
{
	struct cgroup_path_scratch *scratch;
	__u32 zero = 0;

	buf[0] = '/';
	buf[1] = 0;
	scratch = bpf_map_lookup_elem(&cgroup_path_scratch, &zero);
	if (!cg || !scratch)
		return NULL;
	scratch->build[CGROUP_BUILD_END] = 0;
	return scratch;
}

/*
 * The end of both walks: the path built from start on, copied into buf.
 * Only the path's bytes: the scratch area holds older paths past this
 * one's end, and events must not carry them.  Returns truncated, set too
 * when the path is longer than buf (its tail cut).
 */
static __always_inline bool cgroup_path_copy_out(struct cgroup_path_scratch *scratch,
						 __u32 start, bool truncated, char *buf)
{
	__u32 len;

	if (start == CGROUP_BUILD_END)
		return truncated; /* the root cgroup: "/" */
	len = CGROUP_BUILD_END - start;
	if (len >= OOMREAP_CGROUP_PATH_LEN) {
		truncated = true;
		len = OOMREAP_CGROUP_PATH_LEN - 1;
	}
	barrier_var(start);
	barrier_var(len);
	bpf_probe_read_kernel(buf, len & (OOMREAP_CGROUP_PATH_LEN - 1),
			      &scratch->build[start & CGROUP_BUILD_END]);
	barrier_var(len);
	buf[len & (OOMREAP_CGROUP_PATH_LEN - 1)] = 0;
	return truncated;
}

/*
 * Write the cgroup's path ("/a/b/c", relative to its hierarchy's root) into
 * buf by walking kernfs parents.  Done here, not in userspace, because a
 * test or an orchestrator may remove the cgroup right after the kill.
 * Returns true when the path had to be truncated (more than
 * CGROUP_MAX_DEPTH levels: outer ones missing; longer than buf: tail cut).
 *
 * One loop whose early exits all leave it: only one path goes on to the
 * next iteration, so the verifier's work stays linear in the depth.  (A
 * version that collected the chain first and then wrote it outermost first
 * was verified once per possible depth, a large share of start-up.)
 */
static __noinline bool cgroup_path_fill(struct cgroup *cg, char *buf)
{
	struct cgroup_path_scratch *scratch = cgroup_path_begin(cg, buf);
	struct kernfs_node *kn, *parent;
	__u32 start = CGROUP_BUILD_END;
	bool truncated = false;
	int i;

	if (!scratch)
		return false;
	kn = BPF_CORE_READ(cg, kn);
	for (i = 0; i < CGROUP_MAX_DEPTH; i++) {
		parent = kn ? kernfs_parent(kn) : NULL;
		if (!cgroup_path_prepend(scratch, kn, parent, &start, &truncated))
			break;
		kn = parent;
	}
	if (i == CGROUP_MAX_DEPTH && kn && kernfs_parent(kn))
		truncated = true;
	return cgroup_path_copy_out(scratch, start, truncated, buf);
}

/*
 * The same walk through bpf_loop() (5.17+): the verifier checks the step
 * once or a few times until its states converge, not once per level, and
 * the copy after it once instead of once per level it could end at.
 *
 * A global function (cgroup_path.bpf.c), unlike the walk above: checked
 * once in each program that calls it, not once at each call site (the
 * userspace killers' program walks two cgroups, the function rung's kill
 * program two).  Its arguments are therefore plain: the cgroup as an
 * address, read only with probe reads, and the output as memory of its
 * size.  Returns non-zero when the path was truncated.
 */
struct cgroup_path_out {
	char s[OOMREAP_CGROUP_PATH_LEN];
};

int cgroup_path_walk_loop(__u64 cg_addr, struct cgroup_path_out *out);

static __always_inline bool cgroup_path_fill_loop(struct cgroup *cg, char *buf)
{
	return cgroup_path_walk_loop((__u64)cg, (struct cgroup_path_out *)buf);
}

/* The task's memory controller css (v1 or v2), NULL when it has none. */
static __always_inline struct cgroup_subsys_state *task_memory_css(struct task_struct *task)
{
	struct css_set *cset = BPF_CORE_READ(task, cgroups);
	struct cgroup_subsys_state *css = NULL;

	if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id)) {
		int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);

		bpf_core_read(&css, sizeof(css), &cset->subsys[id & 15]);
	}
	return css;
}

/* The task's cgroup in that hierarchy, else its default (cgroup2) one. */
static __always_inline struct cgroup *task_memcg(struct task_struct *task,
						 struct cgroup_subsys_state *css)
{
	return css ? BPF_CORE_READ(css, cgroup) : BPF_CORE_READ(task, cgroups, dfl_cgrp);
}

#endif /* OOMREAP_CGROUP_PATH_BPF_H */
