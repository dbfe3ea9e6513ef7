// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel symbolizer (src/core/ksyms.c, loaded by src/io/kallsyms.c) on
 * small kallsyms-format files written to a private temporary directory:
 * which symbol types are kept, lookups at, inside, before and between
 * symbols, module symbols, formatting, and the two ways loading fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/ksyms.h"
#include "io/kallsyms.h"

struct dir {
	char path[256];
	char files[16][300];
	int nfiles;
};

static const char *write_file(struct dir *d, const char *name, const char *text)
{
	char path[sizeof(d->files[0])];
	char *p;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/%s", d->path, name);
	for (i = 0; i < d->nfiles; i++)
		if (!strcmp(d->files[i], path))
			break;
	assert_true(i < (int)(sizeof(d->files) / sizeof(d->files[0])));
	p = d->files[i];
	if (i == d->nfiles)
		d->nfiles++;
	memcpy(p, path, sizeof(path));
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return p;
}

static int dir_setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));
	const char *tmp = getenv("TMPDIR");

	if (!d)
		return -1;
	snprintf(d->path, sizeof(d->path), "%s/test_ksyms.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(d->path)) {
		free(d);
		return -1;
	}
	*state = d;
	return 0;
}

static int dir_teardown(void **state)
{
	struct dir *d = *state;
	int i;

	for (i = 0; i < d->nfiles; i++)
		unlink(d->files[i]);
	rmdir(d->path);
	free(d);
	return 0;
}

/*
 * As /proc/kallsyms prints it, in its order: kernel text and data, then
 * module symbols with their module in brackets.  A few lines are shuffled
 * so the loader must sort, and a few are not symbols at all.
 */
static const char kallsyms[] =
	"0000000000000000 A fixed_percpu_data\n"
	"ffffffff81000000 T _stext\n"
	"ffffffff81000100 t early_helper\n"
	"ffffffff81001800 W weak_fn\n"
	"ffffffff81001000 T rwsem_down_read_slowpath\n"
	"ffffffff81001400 D some_global\n"
	"ffffffff81002000 d local_data\n"
	"ffffffff81002800 r some_rodata\n"
	"ffffffff81003000 T __x64_sys_mmap\n"
	"ffffffff81003100 w weak_undef_fn\n"
	"\n"
	"not a symbol line\n"
	"ffffffff81004000 B some_bss\n"
	"ffffffffc0001000 t holdlock_fn\t[oomreap_holdlock]\n"
	"ffffffffc0001200 T holdlock_init\t[oomreap_holdlock]\n"
	"ffffffffc0002000 d holdlock_data\t[oomreap_holdlock]\n"
	"ffffffffc0100000 t ftrace_trampoline\t[__builtin__ftrace]\n"
	"ffffffffc0200000 t kprobe_insn_page\t[__builtin__kprobes]\n";

#define KS_FIRST 0xffffffff81000000ull

static struct ksyms *load_sample(struct dir *d)
{
	struct ksyms *ks = ksyms__load(write_file(d, "kallsyms", kallsyms));

	assert_non_null(ks);
	return ks;
}

static void expect_sym(const struct ksyms *ks, uint64_t addr, const char *name, uint64_t off)
{
	uint64_t got = ~0ull;
	const char *s = ksyms__lookup(ks, addr, &got);

	assert_non_null(s);
	assert_string_equal(s, name);
	assert_int_equal(got, off);
}

static void test_lookup_at_start_and_inside(void **state)
{
	struct ksyms *ks = load_sample(*state);

	expect_sym(ks, KS_FIRST, "_stext", 0);
	expect_sym(ks, KS_FIRST + 0xff, "_stext", 0xff);
	expect_sym(ks, 0xffffffff81000100ull, "early_helper", 0);           /* t */
	expect_sym(ks, 0xffffffff81001000ull, "rwsem_down_read_slowpath", 0); /* T */
	expect_sym(ks, 0xffffffff81001010ull, "rwsem_down_read_slowpath", 0x10);
	expect_sym(ks, 0xffffffff81001800ull, "weak_fn", 0);                  /* W */
	expect_sym(ks, 0xffffffff81001801ull, "weak_fn", 1);
	expect_sym(ks, 0xffffffff81003000ull, "__x64_sys_mmap", 0);
	expect_sym(ks, 0xffffffff81003100ull, "weak_undef_fn", 0);            /* w */
	ksyms__free(ks);
}

static void test_lookup_before_first(void **state)
{
	struct ksyms *ks = load_sample(*state);
	uint64_t off = 12345;

	/* the A symbol at 0 is not text: nothing lies below _stext */
	assert_null(ksyms__lookup(ks, KS_FIRST - 1, &off));
	assert_null(ksyms__lookup(ks, 0, &off));
	assert_null(ksyms__lookup(ks, 0x1000, &off));
	assert_int_equal(off, 12345); /* untouched when not found */
	ksyms__free(ks);
}

static void test_lookup_between_skips_data(void **state)
{
	struct ksyms *ks = load_sample(*state);

	/* D, d, r and B symbols are not kept: the text symbol below covers them */
	expect_sym(ks, 0xffffffff81001400ull, "rwsem_down_read_slowpath", 0x400);
	expect_sym(ks, 0xffffffff810017ffull, "rwsem_down_read_slowpath", 0x7ff);
	expect_sym(ks, 0xffffffff81002000ull, "weak_fn", 0x800);
	expect_sym(ks, 0xffffffff81002900ull, "weak_fn", 0x1100);
	expect_sym(ks, 0xffffffff81002fffull, "weak_fn", 0x17ff);
	expect_sym(ks, 0xffffffff81004000ull, "weak_undef_fn", 0xf00);
	/*
	 * Between the kernel image and the first module symbol: no symbol,
	 * not weak_undef_fn+3GiB; up to KSYMS_MAX_OFFSET past one, still it.
	 */
	assert_null(ksyms__lookup(ks, 0xffffffffc0000fffull, &(uint64_t){ 0 }));
	expect_sym(ks, 0xffffffff81003100ull + KSYMS_MAX_OFFSET, "weak_undef_fn", KSYMS_MAX_OFFSET);
	assert_null(ksyms__lookup(ks, 0xffffffff81003100ull + KSYMS_MAX_OFFSET + 1, &(uint64_t){ 0 }));
	ksyms__free(ks);
}

/*
 * A pseudo-symbol marks the one page the kernel allocated: an address past
 * it (a module kallsyms does not list) is raw, never "ftrace_trampoline+0x2054";
 * the same in replay, where only its name is known.
 */
static void test_pseudo_symbols_span_one_page(void **state)
{
	struct ksyms *ks = load_sample(*state), *rec = ksyms__new();
	uint64_t off;
	char buf[64];

	expect_sym(ks, 0xffffffffc0100000ull, "ftrace_trampoline", 0);
	expect_sym(ks, 0xffffffffc0100fffull, "ftrace_trampoline", 0xfff);
	assert_null(ksyms__lookup(ks, 0xffffffffc0101000ull, &off));
	ksyms__format(ks, 0xffffffffc0102054ull, buf, sizeof(buf));
	assert_string_equal(buf, "0xffffffffc0102054");
	expect_sym(ks, 0xffffffffc0200010ull, "kprobe_insn_page", 0x10);
	assert_null(ksyms__lookup(ks, 0xffffffffc0202054ull, &off));
	/* a module's own function keeps the long bound */
	expect_sym(ks, 0xffffffffc0003000ull, "holdlock_init", 0x1e00);

	assert_non_null(rec);
	assert_int_equal(ksyms__add(rec, 0xffffffffc0100000ull, "ftrace_trampoline"), 0);
	assert_int_equal(ksyms__add(rec, 0xffffffffc0001200ull, "holdlock_init"), 0);
	expect_sym(rec, 0xffffffffc0100010ull, "ftrace_trampoline", 0x10);
	assert_null(ksyms__lookup(rec, 0xffffffffc0102054ull, &off));
	expect_sym(rec, 0xffffffffc0003000ull, "holdlock_init", 0x1e00);
	ksyms__free(rec);
	ksyms__free(ks);
}

static void test_module_symbols(void **state)
{
	struct ksyms *ks = load_sample(*state);

	/* the module name is not part of the symbol name */
	expect_sym(ks, 0xffffffffc0001000ull, "holdlock_fn", 0);
	expect_sym(ks, 0xffffffffc0001034ull, "holdlock_fn", 0x34);
	expect_sym(ks, 0xffffffffc00011ffull, "holdlock_fn", 0x1ff);
	expect_sym(ks, 0xffffffffc0001200ull, "holdlock_init", 0);
	/* the module's data symbol is skipped too */
	expect_sym(ks, 0xffffffffc0002000ull, "holdlock_init", 0xe00);
	ksyms__free(ks);
}

static void test_format(void **state)
{
	struct ksyms *ks = load_sample(*state);
	char buf[128];

	ksyms__format(ks, 0xffffffff81001010ull, buf, sizeof(buf));
	assert_string_equal(buf, "rwsem_down_read_slowpath+0x10");
	ksyms__format(ks, 0xffffffffc0001034ull, buf, sizeof(buf));
	assert_string_equal(buf, "holdlock_fn+0x34");
	ksyms__format(ks, KS_FIRST, buf, sizeof(buf));
	assert_string_equal(buf, "_stext+0x0");
	/* unknown: the raw address */
	ksyms__format(ks, KS_FIRST - 1, buf, sizeof(buf));
	assert_string_equal(buf, "0xffffffff80ffffff");
	ksyms__format(ks, 0, buf, sizeof(buf));
	assert_string_equal(buf, "0x0");
	/* a short buffer truncates, NUL-terminated */
	memset(buf, 'X', sizeof(buf));
	ksyms__format(ks, 0xffffffff81001010ull, buf, 9);
	assert_string_equal(buf, "rwsem_do");
	assert_int_equal(buf[9], 'X');
	ksyms__free(ks);

	/* no symbols loaded (kallsyms unreadable): raw addresses */
	ksyms__format(NULL, 0xffffffffc0001034ull, buf, sizeof(buf));
	assert_string_equal(buf, "0xffffffffc0001034");
	assert_null(ksyms__lookup(NULL, 0xffffffffc0001034ull, &(uint64_t){ 0 }));
}

static void test_restricted_all_zero(void **state)
{
	struct dir *d = *state;
	const char *p = write_file(d, "kallsyms_restricted",
				   "0000000000000000 A fixed_percpu_data\n"
				   "0000000000000000 T _stext\n"
				   "0000000000000000 t early_helper\n"
				   "0000000000000000 D some_global\n"
				   "0000000000000000 t holdlock_fn\t[oomreap_holdlock]\n");

	/* kptr_restrict without CAP_SYSLOG: every address reads as zero */
	errno = 0;
	assert_null(ksyms__load(p));
	assert_int_equal(errno, EPERM);
}

static void test_missing_file(void **state)
{
	struct dir *d = *state;
	char p[300];

	snprintf(p, sizeof(p), "%s/no-such-kallsyms", d->path);
	errno = 0;
	assert_null(ksyms__load(p));
	assert_int_equal(errno, ENOENT);
	ksyms__free(NULL); /* harmless */
}

/*
 * One symbol of any type, found by its exact name: a data symbol (the
 * per-CPU offsets' table), never a longer name or a module's.
 */
static void test_find(void **state)
{
	struct dir *d = *state;
	const char *path = write_file(d, "kallsyms", kallsyms);
	const char *restricted = write_file(d, "kallsyms-zero",
					    "0000000000000000 T _stext\n"
					    "0000000000000000 D __per_cpu_offset\n");
	uint64_t addr = 1;

	assert_int_equal(ksyms__find(path, "some_global", &addr), 0);
	assert_int_equal(addr, 0xffffffff81001400ull);
	assert_int_equal(ksyms__find(path, "some_bss", &addr), 0);
	assert_int_equal(addr, 0xffffffff81004000ull);
	/* a prefix of a listed name is not that name */
	assert_int_equal(ksyms__find(path, "some_glob", &addr), -ENOENT);
	assert_int_equal(addr, 0);
	/* a module's symbol is not the kernel's */
	assert_int_equal(ksyms__find(path, "holdlock_data", &addr), -ENOENT);
	assert_int_equal(ksyms__find(path, "__per_cpu_offset", &addr), -ENOENT);
	assert_int_equal(ksyms__find(restricted, "__per_cpu_offset", &addr), -EPERM);
	assert_int_equal(addr, 0);
	assert_int_equal(ksyms__find("/nonexistent/kallsyms", "_stext", &addr), -ENOENT);
}

/* The table from kallsyms lines alone, no file (core/ksyms.c): what each line adds, sorted once. */
static void test_add_line(void **state)
{
	static const struct {
		const char *line;
		int ret;
	} lines[] = {
		{ "ffffffff81200000 T later_fn\n", 1 },
		{ "ffffffff81100000 t earlier_fn\n", 1 },  /* before the one above: sorted at the end */
		{ "ffffffff81300000 D some_data\n", 0 },   /* not text */
		{ "0000000000000000 T hidden\n", 0 },      /* added, at zero (kptr_restrict) */
		{ "not a kallsyms line\n", 0 },
		{ "ffffffffc0100000 t ftrace_trampoline\t[__builtin__ftrace]\n", 1 },
	};
	struct ksyms *ks = ksyms__new();
	uint64_t off = 0;
	size_t i;

	(void)state;
	assert_non_null(ks);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(ksyms__add_line(ks, lines[i].line), lines[i].ret);
	ksyms__sort(ks);
	assert_string_equal(ksyms__lookup(ks, 0xffffffff81100010ull, &off), "earlier_fn");
	assert_int_equal(off, 0x10);
	assert_string_equal(ksyms__lookup(ks, 0xffffffff81200004ull, &off), "later_fn");
	assert_int_equal(off, 4);
	/* the data symbol was not added: its address has no name (1 MiB past later_fn) */
	assert_null(ksyms__lookup(ks, 0xffffffff81300000ull, &off));
	/* the pseudo-module marks a one-page symbol */
	assert_string_equal(ksyms__lookup(ks, 0xffffffffc0100fffull, &off), "ftrace_trampoline");
	assert_null(ksyms__lookup(ks, 0xffffffffc0101000ull, &off));
	ksyms__free(ks);
}

static void test_load_fd(void **state)
{
	struct dir *d = *state;
	const char *p = write_file(d, "kallsyms", kallsyms);
	struct ksyms *ks;
	char buf[64];
	int fd = open(p, O_RDONLY | O_CLOEXEC), pfd[2];

	assert_true(fd >= 0);
	/* the caller's offset does not matter: the file is read from the start */
	assert_int_equal(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	ks = ksyms__load_fd(fd);
	assert_non_null(ks);
	expect_sym(ks, KS_FIRST, "_stext", 0);
	expect_sym(ks, 0xffffffffc0001034ull, "holdlock_fn", 0x34);
	ksyms__free(ks);
	/* ... and the fd stays open, usable again */
	assert_true(fcntl(fd, F_GETFD) >= 0);
	ks = ksyms__load_fd(fd);
	assert_non_null(ks);
	expect_sym(ks, 0xffffffff81001010ull, "rwsem_down_read_slowpath", 0x10);
	ksyms__free(ks);
	assert_int_equal(close(fd), 0);

	/* a closed fd, and one that cannot be rewound */
	assert_null(ksyms__load_fd(fd));
	assert_null(ksyms__load_fd(-1));
	assert_int_equal(pipe(pfd), 0);
	assert_null(ksyms__load_fd(pfd[0]));
	assert_true(fcntl(pfd[0], F_GETFD) >= 0);
	close(pfd[0]);
	close(pfd[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_at_start_and_inside),
		cmocka_unit_test(test_lookup_before_first),
		cmocka_unit_test(test_lookup_between_skips_data),
		cmocka_unit_test(test_module_symbols),
		cmocka_unit_test(test_pseudo_symbols_span_one_page),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_restricted_all_zero),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_load_fd),
		cmocka_unit_test(test_add_line),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests_name("ksyms", tests, dir_setup, dir_teardown);
}
