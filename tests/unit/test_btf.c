// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The start-up path's own BTF code: the name set, the read-only kernel BTF
 * view (src/live/kbtf.c) and the CO-RE target subset (src/live/corebtf.c), on small
 * BTF built here with libbpf's writer.  (That the subset relocates our real
 * object exactly as the whole kernel BTF does is checked on real kernels by
 * the kernel matrix: tests/vm, program tags.)
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

#include "live/corebtf.h"
#include "live/kbtf.h"
#include "live/nameset.h"

static void nameset_finds_what_was_added(void **state)
{
	/* Same length, same first and last 8 bytes: the same hash. */
	const char *a = "abcdefgh1ijklmnop", *b = "abcdefgh2ijklmnop";
	struct nameset s;

	(void)state;
	assert_int_equal(nameset__init(&s, 4), 0);
	nameset__add(&s, a, strlen(a), 1);
	nameset__add(&s, b, strlen(b), 2);
	nameset__add(&s, "x", 1, 3);
	nameset__add(&s, "x", 1, 4); /* already there: keeps 3 */
	assert_int_equal(nameset__find_str(&s, a), 1);
	assert_int_equal(nameset__find_str(&s, b), 2);
	assert_int_equal(nameset__find_str(&s, "x"), 3);
	assert_int_equal(nameset__find_str(&s, "abcdefgh3ijklmnop"), -1);
	assert_int_equal(nameset__find_str(&s, ""), -1);
	assert_int_equal(nameset__find(&s, "xy", 1), 3); /* a prefix, by length */
	assert_int_equal(nameset__find_str(&s, "y"), -1); /* length seen, first byte not */
	nameset__free(&s);

	/* Names of 64 bytes and more go past the length sieve. */
	char long_a[80], long_b[80];

	memset(long_a, 'a', 70);
	long_a[70] = 0;
	memcpy(long_b, long_a, sizeof(long_a));
	long_b[35] = 'b';
	assert_int_equal(nameset__init(&s, 2), 0);
	assert_int_equal(nameset__find_str(&s, long_a), -1);
	nameset__add(&s, long_a, strlen(long_a), 7);
	assert_int_equal(nameset__find_str(&s, long_a), 7);
	assert_int_equal(nameset__find_str(&s, long_b), -1);
	nameset__free(&s);
}

/*
 * A "kernel": struct a { int x; struct b y; struct c *p; int arr[4]; },
 * struct b { int v; }, struct c { int w; }, struct d { int z; } (named by
 * nobody), typedef struct a a_t, enum e { E1 = 1 }, and a function.
 */
static struct btf *fake_kernel(void)
{
	struct btf *btf = btf__new_empty();
	int i32, b, c, pc, arr, a, d, e, proto;

	assert_non_null(btf);
	i32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	b = btf__add_struct(btf, "b", 4);
	btf__add_field(btf, "v", i32, 0, 0);
	c = btf__add_struct(btf, "c", 4);
	btf__add_field(btf, "w", i32, 0, 0);
	pc = btf__add_ptr(btf, c);
	arr = btf__add_array(btf, i32, i32, 4);
	a = btf__add_struct(btf, "a", 32);
	btf__add_field(btf, "x", i32, 0, 0);
	btf__add_field(btf, "y", b, 32, 0);
	btf__add_field(btf, "p", pc, 64, 0);
	btf__add_field(btf, "arr", arr, 128, 0);
	btf__add_typedef(btf, "a_t", a);
	d = btf__add_struct(btf, "d", 4);
	btf__add_field(btf, "z", i32, 0, 0);
	e = btf__add_enum(btf, "e", 4);
	btf__add_enum_value(btf, "E1", 1);
	proto = btf__add_func_proto(btf, i32);
	btf__add_func_param(btf, "arg", pc);
	btf__add_func(btf, "f", BTF_FUNC_GLOBAL, proto);
	assert_true(i32 > 0 && d > 0 && e > 0 && proto > 0);
	return btf;
}

/* The raw bytes of btf, copied (kbtf__index keeps pointers into them). */
static char *raw_copy(const struct btf *btf, size_t *size)
{
	__u32 n;
	const void *raw = btf__raw_data(btf, &n);
	char *copy = malloc(n);

	assert_non_null(raw);
	assert_non_null(copy);
	memcpy(copy, raw, n);
	*size = n;
	return copy;
}

static int find(const struct kbtf *k, const char *name, int kind)
{
	__u32 i;

	for (i = 1; i < k->nr; i++) {
		const struct btf_type *t = kbtf__type(k, i);

		if (btf_kind(t) == kind && !strcmp(kbtf__str(k, t->name_off), name))
			return (int)i;
	}
	return -1;
}

static void kbtf_indexes_every_type(void **state)
{
	struct btf *btf = fake_kernel();
	struct kbtf k = { 0 };
	size_t size;
	char *raw = raw_copy(btf, &size);
	const struct btf_type *a;

	(void)state;
	assert_int_equal(kbtf__index(&k, raw, size), 0);
	assert_int_equal(k.nr, btf__type_cnt(btf));
	a = kbtf__type(&k, find(&k, "a", BTF_KIND_STRUCT));
	assert_non_null(a);
	assert_int_equal(btf_vlen(a), 4);
	assert_string_equal(kbtf__str(&k, btf_members(a)[3].name_off), "arr");
	assert_null(kbtf__type(&k, 0));      /* void */
	assert_null(kbtf__type(&k, k.nr));   /* out of range */
	assert_string_equal(kbtf__str(&k, 1u << 30), "");
	kbtf__close(&k);
	free(raw);
	btf__free(btf);
}

static void kbtf_refuses_blobs_that_lie(void **state)
{
	struct btf *btf = fake_kernel();
	struct kbtf k = { 0 };
	struct btf_header *h;
	size_t size;
	char *raw = raw_copy(btf, &size);

	(void)state;
	h = (struct btf_header *)raw;
	assert_int_equal(kbtf__index(&k, raw, sizeof(*h) - 1), -EPROTO); /* cut header */
	memset(&k, 0, sizeof(k));
	assert_int_equal(kbtf__index(&k, raw, size - 1), -EPROTO);       /* cut strings */
	kbtf__close(&k);
	h->type_len -= 4;                                               /* a type cut */
	assert_int_equal(kbtf__index(&k, raw, size), -EPROTO);
	kbtf__close(&k);
	h->type_len += 4;
	raw[size - 1] = 'x';                                            /* no final NUL */
	assert_int_equal(kbtf__index(&k, raw, size), -EPROTO);
	kbtf__close(&k);
	raw[size - 1] = 0;
	h->magic = 0x1234;
	assert_int_equal(kbtf__index(&k, raw, size), -EPROTO);
	kbtf__close(&k);
	free(raw);
	btf__free(btf);
}

static void subset_holds_named_and_embedded_types_only(void **state)
{
	/* Our object names a (as a flavour), c and e; never b or d. */
	static const char *const names[] = { "a___old", "c", "e" };
	struct btf *kernel = fake_kernel(), *sub;
	struct kbtf k = { 0 };
	const struct btf_type *a, *p, *y;
	char path[64], *raw;
	size_t size;
	int fd, id;

	(void)state;
	raw = raw_copy(kernel, &size);
	assert_int_equal(kbtf__index(&k, raw, size), 0);
	fd = corebtf__write(&k, names, 3, path, sizeof(path));
	assert_true(fd >= 0);
	sub = btf__parse(path, NULL); /* libbpf checks what we wrote */
	assert_non_null(sub);

	id = btf__find_by_name_kind(sub, "a", BTF_KIND_STRUCT);
	assert_true(id > 0);
	a = btf__type_by_id(sub, id);
	assert_int_equal(btf_vlen(a), 4);
	assert_int_equal(a->size, 32);
	/* embedded b comes along, with its member and offset */
	y = btf__type_by_id(sub, btf_members(a)[1].type);
	assert_true(btf_is_struct(y));
	assert_string_equal(btf__name_by_offset(sub, y->name_off), "b");
	assert_int_equal(btf_members(a)[1].offset, 32);
	/* the pointer is cut to void * */
	p = btf__type_by_id(sub, btf_members(a)[2].type);
	assert_true(btf_is_ptr(p));
	assert_int_equal(p->type, 0);
	assert_true(btf_is_array(btf__type_by_id(sub, btf_members(a)[3].type)));
	/* named by the object: c, e; named by nobody: d, the typedef, the function */
	assert_true(btf__find_by_name_kind(sub, "c", BTF_KIND_STRUCT) > 0);
	assert_true(btf__find_by_name_kind(sub, "e", BTF_KIND_ENUM) > 0);
	assert_true(btf__find_by_name_kind(sub, "d", BTF_KIND_STRUCT) < 0);
	assert_true(btf__find_by_name_kind(sub, "a_t", BTF_KIND_TYPEDEF) < 0);
	assert_true(btf__find_by_name_kind(sub, "f", BTF_KIND_FUNC) < 0);

	btf__free(sub);
	close(fd);
	kbtf__close(&k);
	free(raw);
	btf__free(kernel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nameset_finds_what_was_added),
		cmocka_unit_test(kbtf_indexes_every_type),
		cmocka_unit_test(kbtf_refuses_blobs_that_lie),
		cmocka_unit_test(subset_holds_named_and_embedded_types_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
