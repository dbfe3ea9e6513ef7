// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The maps more than one program family uses (declared in oomreap.bpf.h),
 * defined once, and the object's licence.  `bpftool gen object` links this
 * file, oomreap.bpf.c and blockers.bpf.c into the one object userspace
 * loads: one skeleton, one parse of the kernel's BTF.  A map that one
 * family alone uses is defined beside its programs.
 */
#include "oomreap.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct events_map events SEC(".maps");
struct victims_map victims SEC(".maps");
/* Both families submit events; -v wants every one at once (oomreap.bpf.h). */
const volatile bool wake_every_event = false;
