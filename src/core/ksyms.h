/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel symbolizer: a table of symbol starts, binary search.  Filled from
 * kallsyms-format text (read from a file by io/kallsyms.h) or one recorded
 * symbol at a time (replay); no I/O here.
 */
#ifndef OOMREAP_KSYMS_H
#define OOMREAP_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksyms;

/* An empty table; ksyms__free(NULL) does nothing. */
struct ksyms *ksyms__new(void);
void ksyms__free(struct ksyms *ks);
/*
 * One symbol at a time (recorded symbols, in replay): ksyms__add keeps the
 * table sorted; adding a known start again is a no-op.
 */
int ksyms__add(struct ksyms *ks, uint64_t start, const char *name);
/*
 * kallsyms-format text, a line at a time ("ADDR TYPE NAME[ [MODULE]]"), in
 * any order; ksyms__sort() once after the last, before any lookup.  Text
 * symbols only (stacks hold return addresses).  Returns 1 when the line
 * added a symbol at a non-zero address, 0 when it added one at zero
 * (kptr_restrict) or was not a text symbol, -ENOMEM.
 */
int ksyms__add_line(struct ksyms *ks, const char *line);
void ksyms__sort(struct ksyms *ks);
/* Past this offset from the symbol below it, an address has no known symbol. */
#define KSYMS_MAX_OFFSET (256u << 10)
/* Symbol containing addr, or NULL; *off = addr - symbol start. */
const char *ksyms__lookup(const struct ksyms *ks, uint64_t addr, uint64_t *off);
/* "name+0xoff" (or "0xaddr" when unknown) into buf. */
void ksyms__format(const struct ksyms *ks, uint64_t addr, char *buf, size_t len);

#endif /* OOMREAP_KSYMS_H */
