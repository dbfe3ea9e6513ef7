// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "io/kallsyms.h"
#include "live/percpu_offsets.h"
#include "percpu_offsets.skel.h"

/* bpf/percpu_offsets.bpf.c, TABLE_CPUS */
#define TABLE_CPUS 1024

/* What went wrong, after what t->why says already ("; " between). */
__attribute__((format(printf, 2, 3))) static void why(struct percpu_offsets *t, const char *fmt,
						      ...)
{
	size_t n = strlen(t->why);
	va_list ap;

	if (n && n + 2 < sizeof(t->why)) {
		memcpy(t->why + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(t->why + n, sizeof(t->why) - n, fmt, ap);
	va_end(ap);
}

static int build(struct percpu_offsets *t, int ncpus, long pptrs_off)
{
	struct percpu_offsets_bpf *s;
	int cpu, err, fd;

	if (pptrs_off < 0) {
		why(t, "no bpf_array.pptrs in BTF for the per-CPU probe");
		return -ENOENT;
	}
	if (ncpus > TABLE_CPUS) {
		why(t, "%d CPUs, over the per-CPU probe's %d", ncpus, TABLE_CPUS);
		return -E2BIG;
	}
	s = percpu_offsets_bpf__open();
	if (!s) {
		why(t, "the per-CPU probe did not open (%s)", strerror(errno));
		return -ENOENT;
	}
	s->rodata->pptrs_offset = (__u64)pptrs_off;
	if (percpu_offsets_bpf__load(s)) {
		err = -errno;
		why(t, "the per-CPU probe did not load (%s)", strerror(-err));
		percpu_offsets_bpf__destroy(s);
		return err;
	}
	fd = bpf_program__fd(s->progs.fill);
	for (cpu = 0; cpu < ncpus; cpu++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = (__u32)cpu);

		/* an offline CPU (ENXIO) cannot run it: kallsyms may still know its offset */
		err = bpf_prog_test_run_opts(fd, &o) ? -errno : o.retval ? -EFAULT : 0;
		if (err) {
			why(t, "the per-CPU probe failed on CPU %d (%s)", cpu, strerror(-err));
			percpu_offsets_bpf__destroy(s);
			return err;
		}
	}
	if (s->bss->cpus_done != (__u32)ncpus || !s->bss->table_addr) {
		why(t, "the per-CPU probe ran on %u CPUs of %d", s->bss->cpus_done, ncpus);
		percpu_offsets_bpf__destroy(s);
		return -EIO;
	}
	t->skel = s;
	t->addr = s->bss->table_addr;
	t->from = "a BPF probe of each CPU";
	return 0;
}

int percpu_offsets__find(struct percpu_offsets *t, int ncpus, long pptrs_off)
{
	int err;

	memset(t, 0, sizeof(*t));
	if (!build(t, ncpus, pptrs_off))
		return 0;
	err = ksyms__find("/proc/kallsyms", "__per_cpu_offset", &t->addr);
	if (!err) {
		t->from = "kallsyms";
		return 0;
	}
	why(t, "%s",
	    err == -ENOENT ? "__per_cpu_offset not in /proc/kallsyms (CONFIG_KALLSYMS_ALL off)"
	    : err == -EPERM ? "/proc/kallsyms shows no addresses (kptr_restrict)"
			    : "/proc/kallsyms unreadable");
	t->addr = 0;
	return err;
}

void percpu_offsets__free(struct percpu_offsets *t)
{
	percpu_offsets_bpf__destroy(t->skel);
	t->skel = NULL;
	t->addr = 0;
}
