/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * kallsyms read from a file (/proc/kallsyms, or a copy): the symbol table of
 * core/ksyms.h loaded from it, or one symbol's address looked up in it.
 */
#ifndef OOMREAP_KALLSYMS_H
#define OOMREAP_KALLSYMS_H

#include <stdint.h>

#include "core/ksyms.h"

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

/*
 * The address of one symbol, of any type, of the kernel proper (not a
 * module's), from a kallsyms-format file, without keeping the table.
 * Returns 0, -ENOENT when it is not listed (data symbols need
 * CONFIG_KALLSYMS_ALL), -EPERM when it reads as zero (kptr_restrict), or
 * -errno when the file cannot be read.
 */
int ksyms__find(const char *path, const char *name, uint64_t *addr);

#endif /* OOMREAP_KALLSYMS_H */
