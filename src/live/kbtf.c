// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "live/kbtf.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

size_t kbtf__type_size(const struct btf_type *t)
{
	size_t base = sizeof(*t), n = btf_vlen(t);

	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return base + sizeof(__u32);
	case BTF_KIND_ARRAY:
		return base + sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return base + n * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return base + n * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return base + n * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO:
		return base + n * sizeof(struct btf_param);
	case BTF_KIND_VAR:
		return base + sizeof(struct btf_var);
	case BTF_KIND_DATASEC:
		return base + n * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG:
		return base + sizeof(struct btf_decl_tag);
	default: /* PTR, FWD, TYPEDEF, modifiers, FUNC, FLOAT, TYPE_TAG */
		return base;
	}
}

/* Check the header, find the sections, index every type.  0 or -errno. */
int kbtf__index(struct kbtf *k, const char *data, size_t size)
{
	const struct btf_header *h = (const void *)data;
	size_t off, cap = 1 << 16;
	__u32 *offs;

	if (size < sizeof(*h) || h->magic != BTF_MAGIC || h->version != BTF_VERSION ||
	    h->hdr_len < sizeof(*h) || h->hdr_len > size ||
	    (size_t)h->type_off + h->type_len > size - h->hdr_len ||
	    (size_t)h->str_off + h->str_len > size - h->hdr_len || h->str_len == 0 ||
	    data[h->hdr_len + h->str_off + h->str_len - 1] != '\0')
		return -EPROTO;
	k->types = data + h->hdr_len + h->type_off;
	k->strs = data + h->hdr_len + h->str_off;
	k->strs_len = h->str_len;
	k->offs = malloc(cap * sizeof(*k->offs));
	if (!k->offs)
		return -ENOMEM;
	k->nr = 1; /* id 0: void */
	for (off = 0; off < h->type_len;) {
		const struct btf_type *t = (const void *)(k->types + off);
		size_t sz;

		if (h->type_len - off < sizeof(*t) ||
		    (sz = kbtf__type_size(t)) > h->type_len - off)
			return -EPROTO;
		if (k->nr == cap) {
			offs = realloc(k->offs, 2 * cap * sizeof(*k->offs));
			if (!offs)
				return -ENOMEM;
			k->offs = offs;
			cap *= 2;
		}
		k->offs[k->nr++] = off;
		off += sz;
	}
	return 0;
}

/* The kernel's BTF, mapped (6.16+) or read into one buffer. */
static int load_kernel(struct kbtf *k, const char **data, size_t *size)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, err = 0;

	fd = open(VMLINUX_BTF, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size <= 0) {
		err = -EPROTO;
		goto out;
	}
	k->map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (k->map != MAP_FAILED) {
		k->map_len = st.st_size;
		*data = k->map;
		*size = st.st_size;
		goto out;
	}
	k->map = NULL;
	k->buf = malloc(st.st_size);
	if (!k->buf) {
		err = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size && (n = read(fd, (char *)k->buf + got,
						     st.st_size - got)) > 0)
		got += n;
	if (got != (size_t)st.st_size) {
		err = -EIO;
		goto out;
	}
	*data = k->buf;
	*size = got;
out:
	close(fd);
	return err;
}

int kbtf__open(struct kbtf *k, const char *path)
{
	const char *data = NULL;
	size_t size = 0;
	__u32 raw_size;
	int err;

	memset(k, 0, sizeof(*k));
	if (path) {
		k->parsed = btf__parse(path, NULL);
		if (!k->parsed)
			return -errno;
		data = btf__raw_data(k->parsed, &raw_size);
		if (!data) {
			err = -errno;
			goto fail;
		}
		size = raw_size;
	} else {
		err = load_kernel(k, &data, &size);
		if (err)
			goto fail;
	}
	err = kbtf__index(k, data, size);
	if (err)
		goto fail;
	return 0;
fail:
	kbtf__close(k);
	return err;
}

void kbtf__close(struct kbtf *k)
{
	if (k->map)
		munmap(k->map, k->map_len);
	free(k->buf);
	free(k->offs);
	btf__free(k->parsed);
	memset(k, 0, sizeof(*k));
}

const struct btf_type *kbtf__type(const struct kbtf *k, __u32 id)
{
	return id && id < k->nr ? (const void *)(k->types + k->offs[id]) : NULL;
}

const char *kbtf__str(const struct kbtf *k, __u32 off)
{
	return off < k->strs_len ? k->strs + off : "";
}
