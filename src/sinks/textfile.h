/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Atomic replacement of a small file that another process reads at any
 * moment (node_exporter's textfile collector): the reader sees the old
 * content or the new, never a mix, a truncated file, or a file written
 * somewhere a planted symlink pointed to.
 *
 * No printing, no globals: returns -errno and lets the caller decide what
 * to say.  Only libc, so the unit tests drive it on a temporary directory.
 */
#ifndef OOMREAP_TEXTFILE_H
#define OOMREAP_TEXTFILE_H

#include <stddef.h>

/* Longest base name accepted: room for the temporary name's suffix. */
#define TEXTFILE_BASE_MAX 200

/*
 * Check a path once, before use: a base name that is not empty, "." or
 * "..", not longer than TEXTFILE_BASE_MAX, and no trailing '/'.  Returns 0
 * or -EINVAL / -ENAMETOOLONG.
 */
int textfile__check_path(const char *path);

/*
 * Write buf to a new file beside path (".<base>.tmp-<16 hex>", created
 * with O_CREAT|O_EXCL|O_NOFOLLOW, mode exactly 0644), fsync it and rename
 * it over path; then fsync the directory.  A symlink, directory or other
 * non-regular file at path is refused (-ELOOP, -EISDIR, -EEXIST), never
 * followed or replaced.  On any failure the temporary file is removed and
 * path is left as it was.  Returns 0 or -errno.
 */
int textfile__write(const char *path, const void *buf, size_t len);

/*
 * Remove temporary files of path that a killed writer left behind (a
 * SIGKILL between create and rename).  Returns how many, or -errno.
 */
int textfile__remove_stale(const char *path);

#endif /* OOMREAP_TEXTFILE_H */
