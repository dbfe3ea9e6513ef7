// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "live/nameset.h"

/*
 * Hash of a name's length and its first and last 8 bytes: a pass over the
 * kernel's BTF hashes 100,000 names, and byte-at-a-time hashing of all of
 * them was most of the pass.  Names that share both ends and the length
 * only cost a memcmp more.
 */
static uint64_t load8(const char *s, size_t n)
{
	uint64_t v = 0;

	memcpy(&v, s, n < 8 ? n : 8);
	return v;
}

static uint32_t name_hash(const char *s, size_t n)
{
	uint64_t h = load8(s, n) * 0x9e3779b97f4a7c15ull;

	if (n > 8)
		h ^= load8(s + n - 8, 8) * 0xc2b2ae3d27d4eb4full;
	h ^= n;
	return (uint32_t)(h ^ (h >> 29) ^ (h >> 47));
}

int nameset__init(struct nameset *s, size_t n)
{
	memset(s, 0, sizeof(*s));
	for (s->cap = 16; s->cap < 2 * n; s->cap *= 2)
		;
	s->names = calloc(s->cap, sizeof(*s->names));
	s->lens = calloc(s->cap, sizeof(*s->lens));
	s->vals = calloc(s->cap, sizeof(*s->vals));
	if (!s->names || !s->lens || !s->vals) {
		nameset__free(s);
		return -ENOMEM;
	}
	return 0;
}

void nameset__free(struct nameset *s)
{
	free(s->names);
	free(s->lens);
	free(s->vals);
	s->names = NULL;
	s->lens = NULL;
	s->vals = NULL;
}

/* The slot holding name, or the empty slot where it would go. */
static size_t slot_of(const struct nameset *s, const char *name, size_t len, uint32_t h)
{
	size_t i = h & (s->cap - 1);

	while (s->names[i] && !(s->lens[i] == len && !memcmp(s->names[i], name, len)))
		i = (i + 1) & (s->cap - 1);
	return i;
}

void nameset__add(struct nameset *s, const char *name, size_t len, int val)
{
	size_t i = slot_of(s, name, len, name_hash(name, len));

	if (s->names[i])
		return;
	s->names[i] = name;
	s->lens[i] = len;
	s->vals[i] = val;
	if (len < 64)
		s->lens_seen |= 1ull << len;
	else
		s->long_seen = true;
	if (len)
		s->firsts_seen[(unsigned char)name[0] >> 6] |= 1ull << ((unsigned char)name[0] & 63);
}

/* False when no name of this length and first byte was added. */
static bool may_hold(const struct nameset *s, const char *name, size_t len)
{
	if (len < 64 ? !(s->lens_seen & (1ull << len)) : !s->long_seen)
		return false;
	return !len || (s->firsts_seen[(unsigned char)name[0] >> 6] &
			(1ull << ((unsigned char)name[0] & 63)));
}

int nameset__find(const struct nameset *s, const char *name, size_t len)
{
	size_t i;

	if (!may_hold(s, name, len))
		return -1;
	i = slot_of(s, name, len, name_hash(name, len));

	return s->names[i] ? s->vals[i] : -1;
}

int nameset__find_str(const struct nameset *s, const char *name)
{
	return nameset__find(s, name, strlen(name));
}
