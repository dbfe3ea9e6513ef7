// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/ksyms.h"
#include "live/percpu_offsets.h"
#include "percpu_offsets.skel.h"

/* bpf/percpu_offsets.bpf.c, TABLE_CPUS */
#define TABLE_CPUS 1024

static int build(struct percpu_offsets *t, int ncpus)
{
	struct percpu_offsets_bpf *s;
	int cpu, err, fd;

	if (ncpus > TABLE_CPUS) {
		snprintf(t->why + strlen(t->why), sizeof(t->why) - strlen(t->why),
			 "; %d CPUs, over the probe's %d", ncpus, TABLE_CPUS);
		return -E2BIG;
	}
	s = percpu_offsets_bpf__open_and_load();
	if (!s) {
		err = -errno;
		snprintf(t->why + strlen(t->why), sizeof(t->why) - strlen(t->why),
			 "; the per-CPU probe did not load (%s)", strerror(-err));
		return err;
	}
	fd = bpf_program__fd(s->progs.fill);
	for (cpu = 0; cpu < ncpus; cpu++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = (__u32)cpu);

		/* an offline CPU (ENXIO) has an offset nobody can read here: no sums */
		err = bpf_prog_test_run_opts(fd, &o) ? -errno : o.retval ? -EFAULT : 0;
		if (err) {
			snprintf(t->why + strlen(t->why), sizeof(t->why) - strlen(t->why),
				 "; the per-CPU probe failed on CPU %d (%s)", cpu, strerror(-err));
			percpu_offsets_bpf__destroy(s);
			return err;
		}
	}
	if (s->bss->cpus_done != (__u32)ncpus || !s->bss->table_addr) {
		snprintf(t->why + strlen(t->why), sizeof(t->why) - strlen(t->why),
			 "; the per-CPU probe ran on %u of %d CPUs", s->bss->cpus_done, ncpus);
		percpu_offsets_bpf__destroy(s);
		return -EIO;
	}
	t->skel = s;
	t->addr = s->bss->table_addr;
	t->from = "a BPF probe of each CPU";
	return 0;
}

int percpu_offsets__find(struct percpu_offsets *t, int ncpus)
{
	int err;

	memset(t, 0, sizeof(*t));
	err = ksyms__find("/proc/kallsyms", "__per_cpu_offset", &t->addr);
	if (!err) {
		t->from = "kallsyms";
		return 0;
	}
	snprintf(t->why, sizeof(t->why), "%s",
		 err == -ENOENT ? "__per_cpu_offset not in /proc/kallsyms (CONFIG_KALLSYMS_ALL off)"
		 : err == -EPERM ? "/proc/kallsyms shows no addresses (kptr_restrict)"
				 : "/proc/kallsyms unreadable");
	t->addr = 0;
	return build(t, ncpus);
}

void percpu_offsets__free(struct percpu_offsets *t)
{
	percpu_offsets_bpf__destroy(t->skel);
	t->skel = NULL;
	t->addr = 0;
}
