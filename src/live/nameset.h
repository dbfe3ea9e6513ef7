/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small fixed-size hash set of names, each with an int value: what lets
 * one pass over the kernel's BTF types (over a hundred thousand) answer
 * many "is this a name we want?" questions (btf__find_by_name_kind()
 * scans every type per call).
 * Names are not copied: they must outlive the set.
 */
#ifndef OOMREAP_NAMESET_H
#define OOMREAP_NAMESET_H

#include <stdbool.h>
#include <stddef.h>

struct nameset {
	const char **names;
	size_t *lens;
	int *vals;
	size_t cap; /* a power of two, at least twice the names added */
	/*
	 * A first sieve: the lengths (below 64) and first bytes of the names
	 * added.  Most kernel names fail it without being hashed.
	 */
	unsigned long long lens_seen;
	unsigned long long firsts_seen[4];
	bool long_seen;   /* a name of 64 bytes or more was added */
};

/* Room for up to n names.  0 or -ENOMEM. */
int nameset__init(struct nameset *s, size_t n);
void nameset__free(struct nameset *s);
/* Add name[0..len) with value val; a name already there keeps its value. */
void nameset__add(struct nameset *s, const char *name, size_t len, int val);
/* The value of name[0..len), or -1. */
int nameset__find(const struct nameset *s, const char *name, size_t len);
/* The same for a NUL-terminated name. */
int nameset__find_str(const struct nameset *s, const char *name);

#endif /* OOMREAP_NAMESET_H */
