// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The start-up floor of a libbpf tool that attaches through the kernel's
 * BTF (tp_btf, fentry, kfuncs) or relocates with CO-RE: bpf_object__load()
 * parses the whole vmlinux BTF once with btf__load_vmlinux_btf().  This
 * does only that, says "ready" on stderr and waits for a signal, so that
 * bench/run_bench.py can time and weigh it beside oomreap-trace and
 * bpftrace.  No BPF program is loaded: the real floor is higher.
 */
#include <stdio.h>
#include <unistd.h>

#include <bpf/btf.h>

int main(void)
{
	struct btf *btf = btf__load_vmlinux_btf();

	if (!btf) {
		fprintf(stderr, "btf_floor: cannot load the kernel's BTF\n");
		return 1;
	}
	btf__free(btf);
	fprintf(stderr, "ready\n");
	pause();
	return 0;
}
