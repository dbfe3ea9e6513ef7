// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Blocker attribution must load on each mmap_lock layout it claims to
 * read (bpf/core_fixes.bpf.h), and on no other: the rwsem with a
 * wait_list (this machine's own), the rwsem with first_waiter (7.1+),
 * PREEMPT_RT's rwbase_rt.  Booting a 7.3 or an RT kernel takes a qemu
 * guest (make vmtest); this test gets the same answer in a second: it
 * rewrites struct rw_semaphore in this kernel's own BTF into each shape,
 * gives that BTF to libbpf as the CO-RE target, and loads the programs
 * that read the lock (tp_skip_task_reaping_blockers: classify_skip and
 * blocker_picture; tp_skip_task_reaping: classify_skip) into the running kernel, whose verifier checks the
 * branch each layout selects.  Every other type stays this kernel's, so
 * the test does not go stale as the programs grow.
 *
 * A layout it does not know must be refused, and the reason must be the
 * load log's own line (src/live/loadlog.c): that is what userspace says.
 *
 * Needs root (BPF loads) and the kernel's BTF: skipped without, which
 * fails under CI=true.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "live/loadlog.h"

#ifndef OOMREAP_BPF_OBJ
#define OOMREAP_BPF_OBJ "build/bpf/oomreap.bpf.o"
#endif

enum layout { HOST, FIRST_WAITER, RWBASE_RT, UNKNOWN };

static const char *const layout_name[] = { "host", "first_waiter", "rwbase_rt", "unknown" };

static char log_buf[4 << 20];

static void need_root(void)
{
	const char *ci = getenv("CI");

	if (geteuid() == 0 && !access("/sys/kernel/btf/vmlinux", R_OK))
		return;
	if (ci && !strcmp(ci, "true"))
		fail_msg("needs root and /sys/kernel/btf/vmlinux, and CI=true: a skip is a failure");
	skip();
}

static struct btf_member *member(struct btf *btf, __u32 id, const char *name)
{
	struct btf_type *t = (struct btf_type *)btf__type_by_id(btf, id);
	struct btf_member *m = btf_members(t);
	int i;

	for (i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
			return m;
	return NULL;
}

static __u32 find(struct btf *btf, const char *name, __u32 kind)
{
	int id = btf__find_by_name_kind(btf, name, kind);

	assert_true(id > 0);
	return (__u32)id;
}

/*
 * This kernel's BTF with struct rw_semaphore in the given shape, written
 * to path.  Members are renamed in place (CO-RE matches them by name);
 * offsets and sizes do not matter to a probe read.
 */
static void write_btf(enum layout l, const char *path)
{
	struct btf *btf = btf__load_vmlinux_btf();
	__u32 sem, waiter, atomic, rtm;
	int ptr = 0, rwbase = 0, s_first = 0, s_rwbase = 0, s_pad[3] = { 0 };
	const void *raw;
	__u32 size;
	FILE *f;

	assert_non_null(btf);
	sem = find(btf, "rw_semaphore", BTF_KIND_STRUCT);
	/* this machine's own layout, which the others are made from */
	assert_non_null(member(btf, sem, "wait_list"));
	assert_non_null(member(btf, sem, "count"));
	if (l == FIRST_WAITER) {
		waiter = find(btf, "rwsem_waiter", BTF_KIND_STRUCT);
		ptr = btf__add_ptr(btf, (int)waiter);
		s_first = btf__add_str(btf, "first_waiter");
		assert_true(ptr > 0 && s_first > 0);
		member(btf, sem, "wait_list")->name_off = s_first;
		member(btf, sem, "first_waiter")->type = ptr;
	} else if (l == RWBASE_RT) {
		atomic = find(btf, "atomic_t", BTF_KIND_TYPEDEF);
		rtm = find(btf, "rt_mutex_base", BTF_KIND_STRUCT);
		rwbase = btf__add_struct(btf, "rwbase_rt", 8 + btf__resolve_size(btf, rtm));
		assert_true(rwbase > 0);
		assert_int_equal(btf__add_field(btf, "readers", (int)atomic, 0, 0), 0);
		assert_int_equal(btf__add_field(btf, "rtmutex", (int)rtm, 64, 0), 0);
		s_rwbase = btf__add_str(btf, "rwbase");
		s_pad[0] = btf__add_str(btf, "__rt_pad0");
		s_pad[1] = btf__add_str(btf, "__rt_pad1");
		s_pad[2] = btf__add_str(btf, "__rt_pad2");
		member(btf, sem, "count")->type = rwbase;
		member(btf, sem, "count")->name_off = s_rwbase;
		/* an RT rw_semaphore has no owner word, no wait_list */
		member(btf, sem, "owner")->name_off = s_pad[0];
		member(btf, sem, "wait_list")->name_off = s_pad[1];
		member(btf, sem, "wait_lock")->name_off = s_pad[2];
	} else if (l == UNKNOWN) {
		s_pad[0] = btf__add_str(btf, "__no_wait_list");
		member(btf, sem, "wait_list")->name_off = s_pad[0];
	}
	raw = btf__raw_data(btf, &size);
	assert_non_null(raw);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(raw, 1, size, f), size);
	assert_int_equal(fclose(f), 0);
	btf__free(btf);
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

/*
 * Load the programs that read the lock, relocated against layout l.
 * Returns the load's error (0: loaded); why[] the log's reason.
 */
static int load(enum layout l, char *why, size_t whylen)
{
	char path[] = "/tmp/oomreap-layout-XXXXXX";
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = path);
	struct bpf_object *obj;
	struct bpf_program *p, *blockers;
	int fd, err;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_btf(l, path);
	obj = bpf_object__open_file(OOMREAP_BPF_OBJ, &opts);
	assert_non_null(obj);
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p),
						     "tp_skip_task_reaping_blockers") ||
						     !strcmp(bpf_program__name(p), "tp_skip_task_reaping"));
	blockers = bpf_object__find_program_by_name(obj, "tp_skip_task_reaping_blockers");
	assert_non_null(blockers);
	log_buf[0] = 0;
	bpf_program__set_log_buf(blockers, log_buf, sizeof(log_buf));
	err = bpf_object__load(obj);
	loadlog__reason(log_buf, why, whylen);
	print_message("%s layout: load %d%s%s\n", layout_name[l], err, why[0] ? ": " : "", why);
	bpf_object__close(obj);
	unlink(path);
	return err;
}

static void test_each_known_layout_loads(void **state)
{
	enum layout l;
	char why[256];

	(void)state;
	need_root();
	for (l = HOST; l <= RWBASE_RT; l++)
		assert_int_equal(load(l, why, sizeof(why)), 0);
}

static void test_unknown_layout_is_refused_with_its_reason(void **state)
{
	char why[256];

	(void)state;
	need_root();
	/* neither wait_list, first_waiter nor rwbase: userspace does not even try */
	assert_int_not_equal(load(UNKNOWN, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "failed to resolve CO-RE relocation"));
	assert_non_null(strstr(why, "first_waiter"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_known_layout_loads),
		cmocka_unit_test(test_unknown_layout_is_refused_with_its_reason),
	};

	libbpf_set_print(quiet);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
