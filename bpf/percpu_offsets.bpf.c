// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A table of this kernel's per-CPU offsets, laid out as the kernel's own
 * __per_cpu_offset[] (one u64 per CPU), for the exact RSS sums
 * (core_fixes.bpf.h, mm_rss_sum()) where /proc/kallsyms does not list that
 * table (CONFIG_KALLSYMS_ALL off).  A separate object: nothing here is
 * loaded with the tracer, and a kernel that refuses it only goes without
 * the sums (src/live/percpu_offsets.c).
 *
 * Run once on each CPU (BPF_PROG_TEST_RUN with BPF_F_TEST_RUN_ON_CPU,
 * 5.10+): a per-CPU array's element on this CPU lies at the array's
 * per-CPU pointer (bpf_array.pptrs[0]) plus this CPU's offset, the number
 * per_cpu_ptr() adds.  The addresses are read as numbers by copying the
 * pointers through the stack (bpf_probe_read_kernel), which a program
 * loaded with CAP_PERFMON may do.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TABLE_CPUS 1024

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} probe SEC(".maps");

struct table {
	__u64 off[TABLE_CPUS];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct table);
} table SEC(".maps");

/*
 * offsetof(struct bpf_array, pptrs), from the kernel's BTF by userspace,
 * which has it parsed already: no CO-RE here, so loading this object
 * costs no second parse of the kernel's BTF.
 */
const volatile __u64 pptrs_offset = 0;
__u64 table_addr = 0; /* the kernel address of table's value: the tool's per_cpu_offset_addr */
__u32 cpus_done = 0;

SEC("raw_tp")
int fill(void *ctx)
{
	__u32 zero = 0, cpu = bpf_get_smp_processor_id();
	void *mine = bpf_map_lookup_elem(&probe, &zero), *m = &probe;
	struct table *t = bpf_map_lookup_elem(&table, &zero);
	__u64 mine_addr, map_addr, pptr, t_addr;

	if (!mine || !t || cpu >= TABLE_CPUS || !pptrs_offset)
		return 1;
	if (bpf_probe_read_kernel(&map_addr, sizeof(map_addr), &m) ||
	    bpf_probe_read_kernel(&mine_addr, sizeof(mine_addr), &mine) ||
	    bpf_probe_read_kernel(&t_addr, sizeof(t_addr), &t) ||
	    bpf_probe_read_kernel(&pptr, sizeof(pptr),
				  (void *)(map_addr + pptrs_offset)))
		return 1;
	t->off[cpu] = mine_addr - pptr;
	table_addr = t_addr;
	cpus_done++;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
