// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ksyms.h"

struct ksym {
	uint64_t addr;
	uint32_t name_off;
	uint32_t max_off; /* past this offset an address is not this symbol's */
};

/*
 * kallsyms lists a few pseudo-symbols for text the kernel allocated at run
 * time, in pseudo-modules named "[__builtin__...]": an ftrace trampoline
 * ("ftrace_trampoline [__builtin__ftrace]"), a kprobe instruction slot page
 * ("kprobe_insn_page [__builtin__kprobes]").  Each marks one page; what lies
 * past it is some other allocation (a module kallsyms does not list), which
 * must be shown raw, not as "ftrace_trampoline+0x2054".
 */
#define PSEUDO_MODULE "[__builtin__"
#define PSEUDO_SYMBOL_MAX_OFFSET 4095u

/*
 * A recording keeps a symbol's start and name, not its module: in replay the
 * pseudo-symbols are known by the names the kernel gives them
 * (kernel/trace/ftrace.c, kernel/kprobes.c), so that an address live showed
 * raw is not named after one of them either.
 */
static uint32_t max_off_of(const char *name, const char *module)
{
	static const char *const pseudo[] = {
		"ftrace_trampoline", "kprobe_insn_page", "kprobe_optinsn_page",
	};
	size_t i;

	if (module)
		return strncmp(module, PSEUDO_MODULE, strlen(PSEUDO_MODULE))
			       ? KSYMS_MAX_OFFSET
			       : PSEUDO_SYMBOL_MAX_OFFSET;
	for (i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
		if (!strcmp(name, pseudo[i]))
			return PSEUDO_SYMBOL_MAX_OFFSET;
	return KSYMS_MAX_OFFSET;
}

struct ksyms {
	struct ksym *syms;
	size_t nsyms, cap;
	char *names;
	size_t names_len, names_cap;
};

static int add_sym(struct ksyms *ks, uint64_t addr, const char *name, uint32_t max_off)
{
	size_t n = strlen(name) + 1;

	if (ks->nsyms == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 4096;
		struct ksym *p = realloc(ks->syms, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		ks->syms = p;
		ks->cap = cap;
	}
	if (ks->names_len + n > ks->names_cap) {
		size_t cap = ks->names_cap ? ks->names_cap * 2 : 1 << 20;
		char *p;

		while (cap < ks->names_len + n)
			cap *= 2;
		p = realloc(ks->names, cap);
		if (!p)
			return -ENOMEM;
		ks->names = p;
		ks->names_cap = cap;
	}
	memcpy(ks->names + ks->names_len, name, n);
	ks->syms[ks->nsyms].addr = addr;
	ks->syms[ks->nsyms].name_off = (uint32_t)ks->names_len;
	ks->syms[ks->nsyms].max_off = max_off;
	ks->nsyms++;
	ks->names_len += n;
	return 0;
}

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int ksyms__add_line(struct ksyms *ks, const char *line)
{
	char name[256], module[64], type;
	uint64_t addr;
	int n;

	module[0] = '\0';
	n = sscanf(line, "%" SCNx64 " %c %255s %63s", &addr, &type, name, module);
	if (n < 3)
		return 0;
	/* text symbols only: stacks hold return addresses */
	if (type != 't' && type != 'T' && type != 'w' && type != 'W')
		return 0;
	if (add_sym(ks, addr, name, max_off_of(name, module)))
		return -ENOMEM;
	return addr != 0;
}

void ksyms__sort(struct ksyms *ks)
{
	qsort(ks->syms, ks->nsyms, sizeof(*ks->syms), cmp_ksym);
}

struct ksyms *ksyms__new(void)
{
	return calloc(1, sizeof(struct ksyms));
}

int ksyms__add(struct ksyms *ks, uint64_t start, const char *name)
{
	struct ksym tmp;
	size_t lo = 0, hi = ks->nsyms;
	int err;

	while (lo < hi) { /* first symbol with addr >= start */
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ks->nsyms && ks->syms[lo].addr == start)
		return 0;
	err = add_sym(ks, start, name, max_off_of(name, NULL)); /* appended last: move it into place */
	if (err)
		return err;
	tmp = ks->syms[ks->nsyms - 1];
	memmove(&ks->syms[lo + 1], &ks->syms[lo], (ks->nsyms - 1 - lo) * sizeof(tmp));
	ks->syms[lo] = tmp;
	return 0;
}

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->names);
	free(ks);
}

const char *ksyms__lookup(const struct ksyms *ks, uint64_t addr, uint64_t *off)
{
	size_t lo = 0, hi;

	if (!ks || !ks->nsyms || addr < ks->syms[0].addr)
		return NULL;
	hi = ks->nsyms;
	/* last symbol with start <= addr */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/*
	 * kallsyms gives starts, not sizes: an address past the end of the
	 * last function before it (an unlisted module, a freed BPF program)
	 * would be named after whatever symbol precedes it, gigabytes away.
	 * No kernel function is anywhere near this long: beyond, it is unknown.
	 * A pseudo-symbol's page is shorter still (max_off).
	 */
	if (addr - ks->syms[lo].addr > ks->syms[lo].max_off)
		return NULL;
	*off = addr - ks->syms[lo].addr;
	return ks->names + ks->syms[lo].name_off;
}

void ksyms__format(const struct ksyms *ks, uint64_t addr, char *buf, size_t len)
{
	uint64_t off = 0;
	const char *name = ksyms__lookup(ks, addr, &off);

	if (name)
		snprintf(buf, len, "%s+0x%" PRIx64, name, off);
	else
		snprintf(buf, len, "0x%" PRIx64, addr);
}
