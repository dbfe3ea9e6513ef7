// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hook_loader [--rss-sum TABLE_OBJ] OBJECT PROGRAM...: loads only the named
 * programs of the tool's own BPF object, attaches them, says "ready" on
 * stderr and drains their ring buffer until SIGINT/SIGTERM.
 *
 * For programs the tool attaches only on kernels unlike this one
 * (tp_signal_generate: only where oom:mark_victim is pid-only), and for
 * reads the tool makes only where the kernel allows them (--rss-sum: the
 * exact RSS sums, which need the kernel's per-CPU offsets; where
 * /proc/kallsyms does not list them, TABLE_OBJ, bpf/percpu_offsets.bpf.c,
 * builds an equivalent table, as the tool does), so that bench/run_bench.py can measure
 * what they cost here, in the same run as the tool's own programs
 * (bpf_stats).  With --rss-sum the first line on stderr says how the table
 * was found: "rss-sum: N CPUs, table from kallsyms|a BPF probe of each CPU".
 */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * Where a global variable of the object's data section sec is: before
 * load its initial value, after load (.bss) the map's memory itself, as a
 * skeleton sees it.  NULL when it is not there or not size bytes.
 */
static void *var_ptr(struct bpf_object *obj, const char *sec, const char *name, size_t size)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *t;
	struct bpf_map *map;
	size_t msize, k = strlen(sec);
	char *data;
	int id, i;

	bpf_object__for_each_map(map, obj) {
		const char *mn = bpf_map__name(map);
		size_t n = strlen(mn);

		/* libbpf names it "<object name prefix>.<section name without its dot>" */
		if (n >= k && !strcmp(mn + n - (k - 1), sec + 1))
			break;
	}
	if (!map || !btf)
		return NULL;
	id = btf__find_by_name_kind(btf, sec, BTF_KIND_DATASEC);
	if (id < 0)
		return NULL;
	t = btf__type_by_id(btf, id);
	/* libbpf's buffer for the section: writable, as a skeleton writes it */
	data = (char *)(uintptr_t)bpf_map__initial_value(map, &msize);
	if (!data)
		return NULL;
	for (i = 0, vs = btf_var_secinfos(t); i < btf_vlen(t); i++, vs++) {
		const struct btf_type *v = btf__type_by_id(btf, vs->type);

		if (!strcmp(btf__name_by_offset(btf, v->name_off), name))
			return vs->size == size && vs->offset + size <= msize ? data + vs->offset
									    : NULL;
	}
	return NULL;
}

/* Before load: the variable's initial value. */
static int set_var(struct bpf_object *obj, const char *sec, const char *name, const void *val,
		   size_t size)
{
	void *p = var_ptr(obj, sec, name, size);

	if (!p)
		return -ENOENT;
	memcpy(p, val, size);
	return 0;
}

/*
 * After load, in the kernel's copy of the section: libbpf (1.1) maps it
 * into memory for skeletons only, so through the map's one element.
 */
static int live_var(struct bpf_object *obj, const char *sec, const char *name, void *val,
		    size_t size, bool write)
{
	const char *p = var_ptr(obj, sec, name, size), *init;
	size_t k = strlen(sec), msize;
	struct bpf_map *map;
	char buf[8192];
	__u32 zero = 0;
	int fd;

	if (!p)
		return -ENOENT;
	bpf_object__for_each_map(map, obj) {
		const char *mn = bpf_map__name(map);
		size_t n = strlen(mn);

		if (n < k || strcmp(mn + n - (k - 1), sec + 1))
			continue;
		/* the variable's offset: where var_ptr() found it in libbpf's copy */
		init = bpf_map__initial_value(map, &msize);
		fd = bpf_map__fd(map);
		if (msize > sizeof(buf) || fd < 0 || bpf_map_lookup_elem(fd, &zero, buf))
			return -EIO;
		if (!write) {
			memcpy(val, buf + (p - init), size);
			return 0;
		}
		memcpy(buf + (p - init), val, size);
		return bpf_map_update_elem(fd, &zero, buf, BPF_ANY) ? -errno : 0;
	}
	return -ENOENT;
}

/* The kernel's __per_cpu_offset[], or 0. */
static uint64_t kallsyms_table(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512], name[256], type;
	unsigned long long addr;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 &&
		    !strcmp(name, "__per_cpu_offset")) {
			fclose(f);
			return addr;
		}
	if (f)
		fclose(f);
	return 0;
}

/* Byte offset of name in composite id, anonymous members looked into; -1 when absent. */
static long member_offset(const struct btf *btf, __u32 id, const char *name, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;
	int i;

	if (!t || !btf_is_composite(t) || depth > 4)
		return -1;
	for (i = 0, m = btf_members(t); i < btf_vlen(t); i++, m++) {
		const char *n = btf__name_by_offset(btf, m->name_off);
		long off = (long)(btf_member_bit_offset(t, i) / 8), in;

		if (n && !strcmp(n, name))
			return off;
		if ((!n || !*n) && (in = member_offset(btf, m->type, name, depth + 1)) >= 0)
			return off + in;
	}
	return -1;
}

/* bpf/percpu_offsets.bpf.c run on every CPU; its object stays loaded (the table lives in it). */
static uint64_t built_table(const char *path, int ncpus, struct bpf_object **out)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *prog;
	uint64_t addr = 0;
	__u32 done = 0;
	int cpu;

	struct btf *vmlinux = btf__load_vmlinux_btf();
	long off = -1;
	int id;

	*out = obj;
	if (vmlinux && (id = btf__find_by_name_kind(vmlinux, "bpf_array", BTF_KIND_STRUCT)) > 0)
		off = member_offset(vmlinux, (__u32)id, "pptrs", 0);
	btf__free(vmlinux);
	if (!obj || off < 0 || set_var(obj, ".rodata", "pptrs_offset", &(__u64){ (__u64)off }, 8) ||
	    bpf_object__load(obj))
		return 0;
	prog = bpf_object__find_program_by_name(obj, "fill");
	for (cpu = 0; prog && cpu < ncpus; cpu++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = cpu);

		if (bpf_prog_test_run_opts(bpf_program__fd(prog), &o) || o.retval) {
			fprintf(stderr, "hook_loader: per-CPU probe on CPU %d: %s\n", cpu,
				o.retval ? "failed" : strerror(errno));
			return 0;
		}
	}
	if (live_var(obj, ".bss", "table_addr", &addr, sizeof(addr), false) ||
	    live_var(obj, ".bss", "cpus_done", &done, sizeof(done), false))
		return 0;
	return (int)done == ncpus ? addr : 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj, *table_obj = NULL;
	struct bpf_program *prog;
	struct bpf_link *links[16];
	struct ring_buffer *rb = NULL;
	const char *table_path = NULL;
	uint64_t table = 0;
	int nlinks = 0, i, rc = 1, first = 1, ncpus = 0;
	struct sigaction sa = { .sa_handler = on_signal };

	if (argc > 2 && !strcmp(argv[1], "--rss-sum")) {
		table_path = argv[2];
		first = 3;
	}
	if (argc - first < 2 || argc - first - 1 > (int)(sizeof(links) / sizeof(links[0]))) {
		fprintf(stderr, "usage: hook_loader [--rss-sum TABLE_OBJ] OBJECT PROGRAM...\n");
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	obj = bpf_object__open_file(argv[first], NULL);
	if (!obj) {
		fprintf(stderr, "hook_loader: cannot open %s\n", argv[first]);
		return 1;
	}
	if (table_path) {
		__u32 n;

		ncpus = libbpf_num_possible_cpus();
		n = (__u32)ncpus;
		/*
		 * RSS_SUM_CPUS=N: verify the sums' loop for N possible CPUs (a
		 * many-CPU machine's start-up, measured here); the table has
		 * this machine's entries only, so leave it loaded, not run.
		 */
		if (getenv("RSS_SUM_CPUS"))
			n = (__u32)strtoul(getenv("RSS_SUM_CPUS"), NULL, 0);
		/* as the tool finds it (src/live/percpu_offsets.c) */
		table = built_table(table_path, ncpus, &table_obj);
		if (table)
			fprintf(stderr, "rss-sum: %d CPUs, table from a BPF probe of each CPU\n", ncpus);
		else if ((table = kallsyms_table()))
			fprintf(stderr, "rss-sum: %d CPUs, table from kallsyms\n", ncpus);
		if (!table || set_var(obj, ".rodata", "rss_sum_cpus", &n, sizeof(n))) {
			fprintf(stderr, "hook_loader: no per-CPU offset table\n");
			goto out;
		}
	}
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, false);
	for (i = first + 1; i < argc; i++) {
		prog = bpf_object__find_program_by_name(obj, argv[i]);
		if (!prog) {
			fprintf(stderr, "hook_loader: no program %s in %s\n", argv[i], argv[first]);
			goto out;
		}
		bpf_program__set_autoload(prog, true);
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "hook_loader: load failed\n");
		goto out;
	}
	if (table && live_var(obj, ".bss", "per_cpu_offset_addr", &table, sizeof(table), true)) {
		fprintf(stderr, "hook_loader: cannot set per_cpu_offset_addr\n");
		goto out;
	}
	for (i = first + 1; i < argc; i++) {
		links[nlinks] = bpf_program__attach(bpf_object__find_program_by_name(obj, argv[i]));
		if (!links[nlinks]) {
			fprintf(stderr, "hook_loader: cannot attach %s\n", argv[i]);
			goto out;
		}
		nlinks++;
	}
	/* drained, so that a full buffer never makes the programs cheaper than the tool's */
	rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(obj, "events")), on_event,
			      NULL, NULL);
	fprintf(stderr, "ready\n");
	while (!stop)
		if (rb)
			ring_buffer__poll(rb, 200);
		else
			pause();
	rc = 0;
out:
	ring_buffer__free(rb);
	while (nlinks > 0)
		bpf_link__destroy(links[--nlinks]);
	bpf_object__close(obj);
	bpf_object__close(table_obj);
	return rc;
}
