// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The maps and globals more than one program family uses (declared in
 * oomreap.bpf.h), defined once, and the object's licence.  `bpftool gen
 * object` links this file, oomreap.bpf.c (the kernel's kill and its
 * reaper), killers.bpf.c (the userspace killers), exit.bpf.c (every
 * victim's exit), blockers.bpf.c and cgroup_path.bpf.c into the one
 * object userspace loads: one skeleton, one parse of the kernel's BTF.  A
 * map that one family alone uses is defined beside its programs.
 */
#include "oomreap.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct events_map events SEC(".maps");
struct victims_map victims SEC(".maps");
struct kill_count_map kill_count SEC(".maps");
struct cgroup_path_scratch_map cgroup_path_scratch SEC(".maps");
struct uk_victims_map uk_victims SEC(".maps");
struct mrel_calls_map mrel_calls SEC(".maps");
__u64 dropped_events = 0;
__u64 uk_pending = 0;
__u64 mrel_entering = 0;
struct oomreap_killer_cgroups killer_cgroups = {};
/* Both families submit events; -v wants every one at once (oomreap.bpf.h). */
const volatile bool wake_every_event = false;
/* a quarter of the ring buffer: the events map's own size, or --ring-size's */
const volatile __u32 ringbuf_wake_bytes = (1 << 20) / 4;
/*
 * Possible CPUs whose RSS remainders mm_rss_sum() adds (core_fixes.bpf.h),
 * 0: do not sum, set before load; and the kernel's __per_cpu_offset[]
 * table, set by userspace once it has read /proc/kallsyms (0: not yet, or
 * not listed).
 */
const volatile __u32 rss_sum_cpus = 0;
__u64 per_cpu_offset_addr = 0;
