/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Writing a whole buffer to a file descriptor, through short writes and EINTR. */
#ifndef OOMREAP_FDIO_H
#define OOMREAP_FDIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* All len bytes at the file offset (write(2)).  0 or -errno (-EIO: no progress). */
int fdio__write_all(int fd, const void *buf, size_t len);
/* All len bytes at offset off (pwrite(2)).  0 or -errno (-EIO: no progress). */
int fdio__pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
/*
 * a and b are one file, however named (symlinks, hard links, "./"
 * spellings): the same st_dev and st_ino.  False when either is missing.
 */
bool fdio__same_file(const char *a, const char *b);

#endif /* OOMREAP_FDIO_H */
