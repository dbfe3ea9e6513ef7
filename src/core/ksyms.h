/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Kernel symbolizer: /proc/kallsyms loaded once, binary search. */
#ifndef OOMREAP_KSYMS_H
#define OOMREAP_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksyms;

/*
 * Load text symbols (module symbols included) from a kallsyms-format file.
 * Returns NULL and sets errno: EPERM when every address reads as zero
 * (kptr_restrict without CAP_SYSLOG).
 */
struct ksyms *ksyms__load(const char *path);
/*
 * The same from an open fd (rewound, not closed): /proc/kallsyms opened
 * while privileged keeps showing addresses after capabilities are dropped.
 */
struct ksyms *ksyms__load_fd(int fd);
void ksyms__free(struct ksyms *ks);
/*
 * An empty table filled one symbol at a time (recorded symbols, in replay).
 * ksyms__add keeps it sorted; adding a known start again is a no-op.
 */
struct ksyms *ksyms__new(void);
int ksyms__add(struct ksyms *ks, uint64_t start, const char *name);
/* Past this offset from the symbol below it, an address has no known symbol. */
#define KSYMS_MAX_OFFSET (256u << 10)
/* Symbol containing addr, or NULL; *off = addr - symbol start. */
const char *ksyms__lookup(const struct ksyms *ks, uint64_t addr, uint64_t *off);
/* "name+0xoff" (or "0xaddr" when unknown) into buf. */
void ksyms__format(const struct ksyms *ks, uint64_t addr, char *buf, size_t len);

/*
 * The address of one symbol, of any type, of the kernel proper (not a
 * module's), from a kallsyms-format file, without keeping the table.
 * Returns 0, -ENOENT when it is not listed (data symbols need
 * CONFIG_KALLSYMS_ALL), -EPERM when it reads as zero (kptr_restrict), or
 * -errno when the file cannot be read.
 */
int ksyms__find(const char *path, const char *name, uint64_t *addr);

#endif /* OOMREAP_KSYMS_H */
