// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The CO-RE target subset of the kernel's BTF.
 *
 * libbpf 1.1 resolves each CO-RE relocation by scanning every type of the
 * target BTF (130,000 in a 6.18 vmlinux) once per distinct local type: 18
 * scans, 14 ms of a 44 ms start-up here.  Given instead (btf_custom_path) a
 * BTF holding only the kernel types whose names our object uses, with
 * every type they embed, the scans cover a few thousand types.  CO-RE's
 * answers do not change: members, offsets, sizes, enum values and type
 * existence are copied as they are.  Only pointers are cut (to void *):
 * CO-RE never looks behind a pointer within one relocation, each
 * dereference is a relocation of its own on the pointed-to type, which is
 * in the subset by name.
 *
 * Attaching (tp_btf, fentry, kfuncs) still uses the kernel's own BTF.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "corebtf.h"
#include "nameset.h"

/* Types CO-RE matches by name: the kinds of a relocation's root type. */
static bool named_root_kind(const struct btf_type *t)
{
	return t->name_off && (btf_is_composite(t) || btf_is_any_enum(t) || btf_is_typedef(t) ||
			       btf_is_fwd(t));
}

/* CO-RE's "essential" name: "task_struct___old" is matched as "task_struct". */
static size_t essential_len(const char *name)
{
	const char *flavor = strstr(name, "___");

	return flavor ? (size_t)(flavor - name) : strlen(name);
}

/* The essential names of every named root type in the local object. */
static int local_names(struct nameset *set, const struct btf *local)
{
	__u32 i, n = btf__type_cnt(local);
	int err = nameset__init(set, n);

	if (err)
		return err;
	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(local, i);
		const char *name;

		if (!named_root_kind(t))
			continue;
		name = btf__name_by_offset(local, t->name_off);
		nameset__add(set, name, essential_len(name), 1);
	}
	return 0;
}

/*
 * Call fn on every type id t refers to that CO-RE may look into.  Pointer
 * targets are left out on purpose (see the top of this file).
 */
static void for_each_ref(struct btf_type *t, void (*fn)(__u32 *id, void *ctx), void *ctx)
{
	struct btf_member *m;
	struct btf_param *p;
	__u16 i;

	switch (btf_kind(t)) {
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		fn(&t->type, ctx);
		break;
	case BTF_KIND_ARRAY:
		fn(&btf_array(t)->type, ctx);
		fn(&btf_array(t)->index_type, ctx);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		for (i = 0, m = btf_members(t); i < btf_vlen(t); i++, m++)
			fn(&m->type, ctx);
		break;
	case BTF_KIND_FUNC_PROTO: /* only through a typedef: pointers are cut */
		fn(&t->type, ctx);
		for (i = 0, p = btf_params(t); i < btf_vlen(t); i++, p++)
			fn(&p->type, ctx);
		break;
	default: /* INT, FLOAT, ENUM, ENUM64, FWD: leaves; PTR: cut */
		break;
	}
}

struct closure {
	__u32 *new_id;  /* kernel id -> subset id, 0 = not in the subset */
	__u32 *order;   /* kernel ids in subset order */
	__u32 n;
};

static void closure_add(__u32 *id, void *ctx)
{
	struct closure *c = ctx;

	if (*id && !c->new_id[*id]) {
		c->order[c->n++] = *id;
		c->new_id[*id] = c->n;
	}
}

static void remap(__u32 *id, void *ctx)
{
	const struct closure *c = ctx;

	*id = *id ? c->new_id[*id] : 0;
}

/* Build the subset as a new BTF object.  NULL with errno set on failure. */
static struct btf *subset_of(const struct btf *kernel, const struct nameset *names)
{
	__u32 i, n = btf__type_cnt(kernel);
	struct closure c = { 0 };
	struct btf *out = NULL;
	int err = 0;

	c.new_id = calloc(n, sizeof(*c.new_id));
	c.order = calloc(n, sizeof(*c.order));
	if (!c.new_id || !c.order) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(kernel, i);
		const char *name;

		if (!named_root_kind(t))
			continue;
		name = btf__name_by_offset(kernel, t->name_off);
		if (nameset__find_str(names, name) >= 0)
			closure_add(&i, &c);
	}
	/* Breadth first: c.order grows while we walk it. */
	for (i = 0; i < c.n; i++)
		for_each_ref((struct btf_type *)btf__type_by_id(kernel, c.order[i]), closure_add,
			     &c);

	out = btf__new_empty();
	if (!out) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < c.n; i++) {
		struct btf_type *t;
		int id = btf__add_type(out, kernel, btf__type_by_id(kernel, c.order[i]));

		if (id < 0) {
			err = id;
			goto out;
		}
		/*
		 * btf__add_type() copies ids as they are: point them at the
		 * subset's ids.  The copy is ours and writable (libbpf's own
		 * btf__add_*() helpers write types in place the same way).
		 */
		t = (struct btf_type *)btf__type_by_id(out, id);
		if (btf_is_ptr(t))
			t->type = 0;
		else
			for_each_ref(t, remap, &c);
	}
out:
	free(c.new_id);
	free(c.order);
	if (err) {
		btf__free(out);
		errno = -err;
		return NULL;
	}
	return out;
}

int corebtf__write(const struct btf *kernel, const struct btf *local, char *path,
		   size_t pathlen)
{
	struct nameset names = { 0 };
	const void *raw;
	struct btf *sub = NULL;
	__u32 size;
	int fd = -1, err;

	err = local_names(&names, local);
	if (err)
		goto out;
	sub = subset_of(kernel, &names);
	if (!sub) {
		err = -errno;
		goto out;
	}
	raw = btf__raw_data(sub, &size);
	if (!raw) {
		err = -errno;
		goto out;
	}
	/* Private to this process; libbpf opens it by name at load time. */
	fd = memfd_create("oomreap-core-btf", MFD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	if (write(fd, raw, size) != (ssize_t)size) {
		err = errno ? -errno : -EIO;
		goto out;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
out:
	nameset__free(&names);
	btf__free(sub);
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}
