/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A read-only view of the kernel's BTF, for the feature probe and the
 * CO-RE subset.  libbpf's btf__new()/btf__parse() copy the whole blob
 * (megabytes) and index it, a large share of start-up (README,
 * Performance, d.); this maps it where the kernel allows (6.16+), indexes
 * it in one pass and copies nothing.
 * libbpf's static inline accessors (btf_kind, btf_members, ...) work on
 * the types it hands out.
 */
#ifndef OOMREAP_KBTF_H
#define OOMREAP_KBTF_H

#include <stddef.h>
#include <linux/btf.h>
#include <linux/types.h>

struct btf;

struct kbtf {
	const char *types;  /* type section */
	const char *strs;   /* string section, NUL-terminated */
	__u32 strs_len;
	__u32 *offs;        /* offs[id]: type id's offset in types; id 0 is void */
	__u32 nr;           /* type ids are 1..nr-1 */
	/* what to release */
	void *map;
	size_t map_len;
	void *buf;
	struct btf *parsed;
};

/*
 * The running kernel's BTF (path NULL), or the BTF in path (raw or ELF,
 * through libbpf, which checks it).  0 or -errno.
 */
int kbtf__open(struct kbtf *k, const char *path);
void kbtf__close(struct kbtf *k);
/*
 * Index a raw BTF blob that outlives k (kbtf__open's second half; the
 * unit tests feed it broken blobs).  Bounds are checked: a blob that lies
 * about its sizes is refused (-EPROTO), never read past.  k must be zeroed
 * first; kbtf__close() releases the index.
 */
int kbtf__index(struct kbtf *k, const char *data, size_t size);
/* Type id, or NULL for void and ids out of range. */
const struct btf_type *kbtf__type(const struct kbtf *k, __u32 id);
/* The string at off ("" when out of range). */
const char *kbtf__str(const struct kbtf *k, __u32 off);
/* Bytes a type takes in the type section, with its trailing records. */
size_t kbtf__type_size(const struct btf_type *t);

#endif /* OOMREAP_KBTF_H */
