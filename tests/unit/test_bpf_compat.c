// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The BPF object must load on the oldest kernel of the matrix, 5.10.  A
 * single instruction that 5.10 does not know makes it refuse the whole
 * object at load ("BPF_STX uses reserved fields" for a value-returning
 * __sync_fetch_and_add), and the kernel matrix would only say so minutes
 * later.  This test reads the built object itself and fails on anything
 * newer than 5.10 in a program that every rung may load:
 *
 *   - BPF atomics other than a plain add (fetch, xchg, cmpxchg, and/or/xor:
 *     5.12, 5c17c5d2d6fe "bpf: Add BPF_FETCH field / create atomic_fetch_add");
 *   - helpers past 5.10's last one, BPF_FUNC_redirect_peer = 155 (read off
 *     Debian 11's 5.10 BTF: enum bpf_func_id);
 *   - kfunc calls from tracing programs (5.13) and callbacks (BPF_PSEUDO_FUNC,
 *     5.13);
 *   - map types past BPF_MAP_TYPE_INODE_STORAGE = 28.
 *
 * Calls are followed into subprograms (.text), as the loader links them.
 * Programs that src/live/attach.c loads only where the kernel has what they need
 * are listed in gated[] with the reason; they may use newer features.
 * A second object, built from tests/unit/bpf_compat_bad.bpf.c, holds one of
 * each refused feature: the checker must find every one (it can fail).
 */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#ifndef OOMREAP_BPF_OBJ
#define OOMREAP_BPF_OBJ "build/bpf/oomreap.bpf.o"
#endif
#ifndef COMPAT_BAD_OBJ
#define COMPAT_BAD_OBJ "build/tests/bpf_compat_bad.bpf.o"
#endif

#define OLDEST_KERNEL "5.10"
#define OLDEST_MAX_HELPER 155   /* BPF_FUNC_redirect_peer */
#define OLDEST_MAX_MAP_TYPE 28  /* BPF_MAP_TYPE_INODE_STORAGE */

/* Loaded only where the kernel offers what they need (src/live/attach.c). */
static const struct {
	const char *prog;
	const char *why;
} gated[] = {
	{ "tp_skip_task_reaping_blockers",
	  "bpf_task_from_pid kfunc, 6.2+: blockers_possible() (tp_skip_task_reaping elsewhere)" },
	{ "tp_start_task_reaping_blockers",
	  "bpf_task_from_pid kfunc, 6.2+: blockers_possible() (tp_start_task_reaping elsewhere)" },
	{ "tp_finish_task_reaping_blockers",
	  "bpf_task_from_pid kfunc, 6.2+: blockers_possible() (tp_finish_task_reaping elsewhere)" },
	{ "tp_mrelease_enter_blockers",
	  "bpf_task_from_pid kfunc, 6.2+: blockers_possible() (tp_mrelease_enter elsewhere; "
	  "process_mrelease is 5.15+)" },
	/* the cgroup walk through a bpf_loop() callback (5.17+): each has an _unrolled twin */
	{ "tp_mark_victim", "bpf_loop, 5.17+: kf->helper_loop (tp_mark_victim_unrolled elsewhere)" },
	{ "tp_mark_victim_pid",
	  "bpf_loop, 5.17+: kf->helper_loop (tp_mark_victim_pid_unrolled elsewhere)" },
	{ "fentry_mark_oom_victim",
	  "bpf_loop, 5.17+: kf->helper_loop (fentry_mark_oom_victim_unrolled elsewhere)" },
	{ "kprobe_mark_oom_victim",
	  "bpf_loop, 5.17+: kf->helper_loop (kprobe_mark_oom_victim_unrolled elsewhere)" },
	{ "fentry_oom_kill_process",
	  "bpf_loop, 5.17+: kf->helper_loop (fentry_oom_kill_process_unrolled elsewhere)" },
	{ "kprobe_oom_kill_process",
	  "bpf_loop, 5.17+: kf->helper_loop (kprobe_oom_kill_process_unrolled elsewhere)" },
	/* the RSS sums' per-CPU loop through bpf_loop() (5.17+): an _unrolled twin each */
	{ "tp_wake_reaper", "bpf_loop, 5.17+: kf->helper_loop (tp_wake_reaper_unrolled elsewhere)" },
	{ "tp_sched_process_exit",
	  "bpf_loop, 5.17+: kf->helper_loop (tp_sched_process_exit_unrolled elsewhere)" },
	{ "tp_signal_killer_regs",
	  "bpf_get_current_task_btf, bpf_task_pt_regs, 5.15+: kf->helper_task_pt_regs; "
	  "bpf_loop, 5.17+: kf->helper_loop (tp_signal_killer elsewhere)" },
	{ "tp_signal_killer_regs_unrolled",
	  "bpf_get_current_task_btf, bpf_task_pt_regs, 5.15+: kf->helper_task_pt_regs "
	  "(tp_signal_killer elsewhere)" },
};

#define MAX_FUNCS 256
#define MAX_RELOS 4096
#define MAX_FINDINGS 64

struct func {
	char name[64];
	size_t shndx;
	uint64_t start, end; /* instruction indexes in the section */
	bool is_prog;        /* in a program section, not .text */
	bool visited;
};

struct relo {
	size_t shndx;          /* section the instruction is in */
	uint64_t insn;         /* its index */
	char sym[64];
	bool sym_undef;        /* an extern: a kfunc */
	size_t sym_shndx;
	uint64_t sym_value;
};

struct scan {
	Elf *elf;
	int fd;
	size_t text_shndx;
	struct func funcs[MAX_FUNCS];
	int nfuncs;
	struct relo relos[MAX_RELOS];
	int nrelos;
	char findings[MAX_FINDINGS][160];
	int nfindings;
};

static void finding(struct scan *s, const char *fmt, ...)
{
	va_list ap;

	if (s->nfindings >= MAX_FINDINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(s->findings[s->nfindings++], sizeof(s->findings[0]), fmt, ap);
	va_end(ap);
}

static const struct bpf_insn *section_insns(struct scan *s, size_t shndx, size_t *n)
{
	Elf_Scn *scn = elf_getscn(s->elf, shndx);
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;

	*n = d ? d->d_size / sizeof(struct bpf_insn) : 0;
	return d ? d->d_buf : NULL;
}

static const struct relo *relo_at(const struct scan *s, size_t shndx, uint64_t insn)
{
	for (int i = 0; i < s->nrelos; i++)
		if (s->relos[i].shndx == shndx && s->relos[i].insn == insn)
			return &s->relos[i];
	return NULL;
}

static struct func *func_at(struct scan *s, size_t shndx, uint64_t insn)
{
	for (int i = 0; i < s->nfuncs; i++)
		if (s->funcs[i].shndx == shndx && insn >= s->funcs[i].start &&
		    insn < s->funcs[i].end)
			return &s->funcs[i];
	return NULL;
}

static int read_elf(struct scan *s, const char *path)
{
	Elf_Scn *scn = NULL, *symscn = NULL;
	GElf_Shdr sh, symsh = { 0 };
	size_t shstrndx;
	Elf_Data *syms;

	memset(s, 0, sizeof(*s));
	elf_version(EV_CURRENT);
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return -1;
	s->elf = elf_begin(s->fd, ELF_C_READ, NULL);
	if (!s->elf || elf_getshdrstrndx(s->elf, &shstrndx))
		return -1;
	while ((scn = elf_nextscn(s->elf, scn))) {
		gelf_getshdr(scn, &sh);
		if (sh.sh_type == SHT_SYMTAB) {
			symscn = scn;
			symsh = sh;
		}
		if (!strcmp(elf_strptr(s->elf, shstrndx, sh.sh_name), ".text"))
			s->text_shndx = elf_ndxscn(scn);
	}
	if (!symscn)
		return -1;
	syms = elf_getdata(symscn, NULL);
	for (size_t i = 0; i < symsh.sh_size / symsh.sh_entsize; i++) {
		GElf_Sym sym;
		Elf_Scn *fs;
		GElf_Shdr fsh;

		gelf_getsym(syms, i, &sym);
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || s->nfuncs >= MAX_FUNCS)
			continue;
		fs = elf_getscn(s->elf, sym.st_shndx);
		if (!fs || !gelf_getshdr(fs, &fsh) || !(fsh.sh_flags & SHF_EXECINSTR))
			continue;
		struct func *f = &s->funcs[s->nfuncs++];

		snprintf(f->name, sizeof(f->name), "%s", elf_strptr(s->elf, symsh.sh_link, sym.st_name));
		f->shndx = sym.st_shndx;
		f->start = sym.st_value / sizeof(struct bpf_insn);
		f->end = (sym.st_value + sym.st_size) / sizeof(struct bpf_insn);
		f->is_prog = sym.st_shndx != s->text_shndx;
	}
	scn = NULL;
	while ((scn = elf_nextscn(s->elf, scn))) {
		Elf_Data *d;

		gelf_getshdr(scn, &sh);
		if (sh.sh_type != SHT_REL)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize && s->nrelos < MAX_RELOS; i++) {
			GElf_Rel rel;
			GElf_Sym sym;
			struct relo *r = &s->relos[s->nrelos++];

			gelf_getrel(d, i, &rel);
			gelf_getsym(syms, GELF_R_SYM(rel.r_info), &sym);
			r->shndx = sh.sh_info;
			r->insn = rel.r_offset / sizeof(struct bpf_insn);
			snprintf(r->sym, sizeof(r->sym), "%s",
				 sym.st_name ? elf_strptr(s->elf, symsh.sh_link, sym.st_name) : ".text");
			r->sym_undef = sym.st_shndx == SHN_UNDEF;
			r->sym_shndx = sym.st_shndx;
			r->sym_value = sym.st_value;
		}
	}
	return 0;
}

static void close_elf(struct scan *s)
{
	if (s->elf)
		elf_end(s->elf);
	if (s->fd >= 0)
		close(s->fd);
}

/* Scan f and what it calls; findings are named after prog. */
static void scan_func(struct scan *s, struct func *f, const char *prog)
{
	const struct bpf_insn *insns;
	size_t n;

	if (f->visited)
		return;
	f->visited = true;
	insns = section_insns(s, f->shndx, &n);
	for (uint64_t i = f->start; i < f->end && i < n; i++) {
		const struct bpf_insn *in = &insns[i];
		const struct relo *r = relo_at(s, f->shndx, i);

		if (in->code == (BPF_STX | BPF_ATOMIC | BPF_W) ||
		    in->code == (BPF_STX | BPF_ATOMIC | BPF_DW)) {
			if (in->imm != BPF_ADD)
				finding(s, "%s: atomic op 0x%x at %s+%llu (5.12+; only a plain add "
					   "whose value is unused loads on " OLDEST_KERNEL ")",
					prog, in->imm, f->name, (unsigned long long)(i - f->start));
		} else if (in->code == (BPF_JMP | BPF_CALL)) {
			if (r && r->sym_undef) {
				finding(s, "%s: kfunc call %s (5.13+)", prog, r->sym);
			} else if (in->src_reg == BPF_PSEUDO_CALL) {
				uint64_t target;
				size_t shndx;
				struct func *callee;

				if (r) { /* as libbpf: symbol offset + imm + 1 */
					shndx = r->sym_shndx;
					target = r->sym_value / sizeof(struct bpf_insn) + in->imm + 1;
				} else { /* a call within the same section */
					shndx = f->shndx;
					target = i + in->imm + 1;
				}
				callee = func_at(s, shndx, target);
				if (callee)
					scan_func(s, callee, prog);
				else
					finding(s, "%s: call to an unknown subprogram", prog);
			} else if (in->imm > OLDEST_MAX_HELPER) {
				finding(s, "%s: helper %d (newer than " OLDEST_KERNEL ")", prog, in->imm);
			}
		} else if (in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
			   in->src_reg == BPF_PSEUDO_FUNC) {
			finding(s, "%s: callback (BPF_PSEUDO_FUNC, 5.13+)", prog);
		}
	}
}

static bool is_gated(const char *prog)
{
	for (size_t i = 0; i < sizeof(gated) / sizeof(gated[0]); i++)
		if (!strcmp(gated[i].prog, prog))
			return true;
	return false;
}

/* Every finding of the object at path, in programs that are not gated. */
static int scan_object(struct scan *s, const char *path, bool honour_gates)
{
	struct bpf_object *obj;
	struct bpf_map *map;
	int nprogs = 0;

	if (read_elf(s, path)) {
		close_elf(s);
		fail_msg("cannot read %s (build it first: make)", path);
	}
	for (int i = 0; i < s->nfuncs; i++) {
		if (!s->funcs[i].is_prog || (honour_gates && is_gated(s->funcs[i].name)))
			continue;
		for (int j = 0; j < s->nfuncs; j++)
			s->funcs[j].visited = false;
		scan_func(s, &s->funcs[i], s->funcs[i].name);
		nprogs++;
	}
	obj = bpf_object__open_file(path, NULL);
	assert_non_null(obj);
	bpf_object__for_each_map(map, obj)
		if ((int)bpf_map__type(map) > OLDEST_MAX_MAP_TYPE)
			finding(s, "map %s: type %d (newer than " OLDEST_KERNEL ")",
				bpf_map__name(map), bpf_map__type(map));
	bpf_object__close(obj);
	close_elf(s);
	return nprogs;
}

static void object_loads_on_oldest_kernel(void **state)
{
	static struct scan s;
	int nprogs;

	(void)state;
	nprogs = scan_object(&s, OOMREAP_BPF_OBJ, true);
	for (int i = 0; i < s.nfindings; i++)
		print_message("refused on " OLDEST_KERNEL ": %s\n", s.findings[i]);
	/* the scan saw the programs: the rung programs and the exit filter */
	assert_true(nprogs >= 10);
	assert_int_equal(s.nfindings, 0);
}

static void gated_programs_exist(void **state)
{
	static struct scan s;
	bool found;

	(void)state;
	/* a stale entry in gated[] would exempt nothing, or a renamed program */
	assert_int_equal(read_elf(&s, OOMREAP_BPF_OBJ), 0);
	for (size_t g = 0; g < sizeof(gated) / sizeof(gated[0]); g++) {
		found = false;
		for (int i = 0; i < s.nfuncs; i++)
			found |= s.funcs[i].is_prog && !strcmp(s.funcs[i].name, gated[g].prog);
		if (!found)
			fail_msg("gated[] names %s, which the object does not have", gated[g].prog);
	}
	close_elf(&s);
}

static bool found(const struct scan *s, const char *needle)
{
	for (int i = 0; i < s->nfindings; i++)
		if (strstr(s->findings[i], needle))
			return true;
	return false;
}

/* The checker itself: each refused feature, once, in its own program. */
static void checker_finds_each_newer_feature(void **state)
{
	static struct scan s;

	(void)state;
	scan_object(&s, COMPAT_BAD_OBJ, false);
	for (int i = 0; i < s.nfindings; i++)
		print_message("found: %s\n", s.findings[i]);
	assert_true(found(&s, "fetch_add: atomic op 0x1"));   /* BPF_ADD | BPF_FETCH */
	assert_true(found(&s, "cmpxchg: atomic op 0xf1"));    /* BPF_CMPXCHG */
	assert_true(found(&s, "via_subprog: helper 158"));    /* get_current_task_btf, 5.11 */
	assert_true(found(&s, "kfunc: kfunc call bpf_task_from_pid"));
	assert_true(found(&s, "map task_store: type 29"));    /* TASK_STORAGE, 5.11 */
	assert_false(found(&s, "plain_add"));                  /* XADD is 5.10-safe */
	assert_int_equal(s.nfindings, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(object_loads_on_oldest_kernel),
		cmocka_unit_test(gated_programs_exist),
		cmocka_unit_test(checker_finds_each_newer_feature),
	};

	libbpf_set_print(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
