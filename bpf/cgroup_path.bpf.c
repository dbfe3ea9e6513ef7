// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The bpf_loop() walk of a cgroup's path (cgroup_path.bpf.h says why it is
 * a global function, and what the walk does), defined once for the linked
 * object (maps.bpf.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "cgroup_path.bpf.h"

struct cgroup_path_walk {
	struct kernfs_node *kn;
	__u32 start;
	bool truncated;
	bool ended; /* stopped before CGROUP_MAX_DEPTH steps */
};

static long cgroup_path_step(__u32 i, void *arg)
{
	struct cgroup_path_walk *w = arg;
	struct cgroup_path_scratch *scratch;
	struct kernfs_node *kn = w->kn, *parent;
	__u32 zero = 0;

	scratch = bpf_map_lookup_elem(&cgroup_path_scratch, &zero);
	parent = kn ? kernfs_parent(kn) : NULL;
	if (!scratch || !cgroup_path_prepend(scratch, kn, parent, &w->start, &w->truncated)) {
		w->ended = true;
		return 1;
	}
	w->kn = parent;
	return 0;
}

__noinline int cgroup_path_walk_loop(__u64 cg_addr, struct cgroup_path_out *out)
{
	struct cgroup *cg = (struct cgroup *)cg_addr;
	struct cgroup_path_scratch *scratch;
	struct cgroup_path_walk w;
	bool truncated;

	if (!out)
		return 0;
	scratch = cgroup_path_begin(cg, out->s);
	if (!scratch)
		return 0;
	/*
	 * Field by field: an initializer would be a constant the compiler
	 * keeps in .rodata.cst16, one more map to create at every start.
	 */
	w.start = CGROUP_BUILD_END;
	w.truncated = false;
	w.ended = false;
	w.kn = BPF_CORE_READ(cg, kn);
	bpf_loop(CGROUP_MAX_DEPTH, cgroup_path_step, &w, 0);
	truncated = w.truncated;
	if (!w.ended && w.kn && kernfs_parent(w.kn))
		truncated = true;
	return cgroup_path_copy_out(scratch, w.start, truncated, out->s);
}
