// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The CO-RE target subset of the kernel's BTF.
 *
 * libbpf 1.1 resolves each CO-RE relocation by scanning every type of the
 * target BTF (over a hundred thousand in a recent vmlinux) once per
 * distinct local type, a good part of start-up (README, Performance, d.).
 * Given instead (btf_custom_path) a BTF holding only the kernel types
 * whose names our object uses, with every type they embed, the scans cover
 * a few thousand types.  CO-RE's answers do not change: members, offsets,
 * sizes, enum values and type existence are copied as they are.  Only
 * pointers are cut (to void *): CO-RE never looks behind a pointer within
 * one relocation, each dereference is a relocation of its own on the
 * pointed-to type, which is in the subset by name.
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

#include "io/errors.h"
#include "io/fdio.h"
#include "live/corebtf.h"
#include "live/kbtf.h"
#include "live/nameset.h"
#include "oomreap.core_names.h"

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

/* The set of essential names (a name's flavour suffix does not count). */
static int name_set_of(struct nameset *set, const char *const *names, size_t n)
{
	int err = nameset__init(set, n);
	size_t i;

	for (i = 0; !err && i < n; i++)
		nameset__add(set, names[i], essential_len(names[i]), 1);
	return err;
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
	size_t nstrs;   /* an upper bound on the names the subset holds */
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

/* The kernel types named in `names`, and every type they embed. */
static int closure_of(struct closure *c, const struct kbtf *kernel, const struct nameset *names)
{
	__u32 i;

	c->new_id = calloc(kernel->nr, sizeof(*c->new_id));
	c->order = calloc(kernel->nr, sizeof(*c->order));
	if (!c->new_id || !c->order)
		return -ENOMEM;
	for (i = 1; i < kernel->nr; i++) {
		const struct btf_type *t = kbtf__type(kernel, i);

		if (named_root_kind(t) && nameset__find_str(names, kbtf__str(kernel, t->name_off)) >= 0)
			closure_add(&i, c);
	}
	/* Breadth first: c->order grows while we walk it. */
	for (i = 0; i < c->n; i++) {
		struct btf_type *t = (struct btf_type *)kbtf__type(kernel, c->order[i]);

		/* for_each_ref only reads here: the mapping is read-only */
		for_each_ref(t, closure_add, c);
		c->nstrs += 1 + btf_vlen(t);
	}
	return 0;
}

/* The subset being written: raw BTF, type section then string section. */
struct writer {
	char *types, *strs;
	size_t types_len, types_cap, strs_len, strs_cap;
	struct nameset seen; /* kernel string -> its offset in strs */
};

static int grow(char **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 4096;
	char *p;

	while (n < need)
		n *= 2;
	if (n == *cap)
		return 0;
	p = realloc(*buf, n);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = n;
	return 0;
}

/* Offset of s in the subset's strings, adding it the first time. */
static int add_str(struct writer *w, const char *s, __u32 *off)
{
	size_t len = strlen(s);
	int at;

	if (!len) {
		*off = 0;
		return 0;
	}
	at = nameset__find(&w->seen, s, len);
	if (at < 0) {
		if (grow(&w->strs, &w->strs_cap, w->strs_len + len + 1))
			return -ENOMEM;
		at = (int)w->strs_len;
		memcpy(w->strs + at, s, len + 1);
		w->strs_len += len + 1;
		nameset__add(&w->seen, s, len, at);
	}
	*off = at;
	return 0;
}

/* Size of t's trailing records that carry a name, or 0 when they carry none. */
static size_t named_record_size(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO:
		return sizeof(struct btf_param);
	default:
		return 0;
	}
}

/* Copy kernel type t into the subset, its ids and names translated. */
static int add_type(struct writer *w, const struct kbtf *kernel, const struct btf_type *t,
		    const struct closure *c)
{
	size_t sz = kbtf__type_size(t);
	struct btf_type *nt;
	__u16 i, n = btf_vlen(t);
	size_t stride;
	int err = 0;

	if (grow(&w->types, &w->types_cap, w->types_len + sz))
		return -ENOMEM;
	nt = (struct btf_type *)(w->types + w->types_len);
	memcpy(nt, t, sz);
	w->types_len += sz;

	err = add_str(w, kbtf__str(kernel, t->name_off), &nt->name_off);
	/* Members, enum values and parameters each begin with their name_off. */
	stride = named_record_size(t);
	for (i = 0; i < n && stride && !err; i++) {
		const __u32 *from = (const void *)((const char *)(t + 1) + i * stride);
		__u32 *to = (void *)((char *)(nt + 1) + i * stride);

		err = add_str(w, kbtf__str(kernel, *from), to);
	}
	if (btf_is_ptr(nt))
		nt->type = 0;
	else
		for_each_ref(nt, remap, (void *)c);
	return err;
}

int corebtf__write(const struct kbtf *kernel, const char *const *names, size_t nnames,
		   char *path, size_t pathlen)
{
	struct nameset wanted = { 0 };
	struct closure c = { 0 };
	struct writer w = { 0 };
	struct btf_header h = { .magic = BTF_MAGIC, .version = BTF_VERSION,
				.hdr_len = sizeof(h) };
	__u32 i;
	int fd = -1, err;

	err = name_set_of(&wanted, names, nnames);
	if (!err)
		err = closure_of(&c, kernel, &wanted);
	if (!err)
		err = nameset__init(&w.seen, c.nstrs);
	if (!err)
		err = grow(&w.strs, &w.strs_cap, 1);
	if (err)
		goto out;
	w.strs[w.strs_len++] = '\0'; /* offset 0: the empty name */
	for (i = 0; i < c.n && !err; i++)
		err = add_type(&w, kernel, kbtf__type(kernel, c.order[i]), &c);
	if (err)
		goto out;
	h.type_len = w.types_len;
	h.str_off = w.types_len;
	h.str_len = w.strs_len;
	/* Private to this process; libbpf opens it by name at load time. */
	fd = memfd_create("oomreap-core-btf", MFD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = fdio__write_all(fd, &h, sizeof(h));
	if (!err)
		err = fdio__write_all(fd, w.types, w.types_len);
	if (!err)
		err = fdio__write_all(fd, w.strs, w.strs_len);
	if (!err)
		snprintf(path, pathlen, "/proc/self/fd/%d", fd);
out:
	nameset__free(&wanted);
	nameset__free(&w.seen);
	free(c.new_id);
	free(c.order);
	free(w.types);
	free(w.strs);
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

void corebtf__init(struct corebtf *c)
{
	c->fd = -1;
	c->path[0] = 0;
}

void corebtf__open(struct corebtf *c, const struct kbtf *kernel)
{
	const char *full = getenv("OOMREAP_FULL_CORE_BTF");

	corebtf__init(c);
	if (full && !strcmp(full, "1"))
		return;
	c->fd = corebtf__write(kernel, oomreap_core_names,
			       sizeof(oomreap_core_names) / sizeof(oomreap_core_names[0]), c->path,
			       sizeof(c->path));
	if (c->fd < 0)
		p_info("CO-RE subset BTF not built (%s): relocating against the whole BTF",
		       strerror(-c->fd));
}

const char *corebtf__path(const struct corebtf *c)
{
	return c->fd >= 0 ? c->path : NULL;
}

void corebtf__close(struct corebtf *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
