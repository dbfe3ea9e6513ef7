/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Atomic replacement of a file that another process may read at any
 * moment (node_exporter's textfile collector; a report being shared): the
 * reader sees the old content or the new, never a mix, a truncated file,
 * or a file written somewhere a planted symlink pointed to.  One routine
 * and one policy for every such file (the Prometheus textfile, report -o):
 *
 *   - the new content goes to a new file beside path, ".<base>.tmp-<16
 *     hex>", created O_CREAT|O_EXCL|O_NOFOLLOW: never through a symlink,
 *     never into a file already there;
 *   - it is fsync'ed, renamed over path, then the directory is fsync'ed;
 *   - a symlink, directory or other non-regular file at path is refused
 *     (-ELOOP, -EISDIR, -EEXIST), never followed or replaced;
 *   - on any failure the temporary file is removed and path is left as
 *     it was.
 *
 * No printing, no globals: returns -errno and lets the caller decide what
 * to say.  Only libc, so the unit tests drive it on a temporary directory.
 */
#ifndef OOMREAP_TEXTFILE_H
#define OOMREAP_TEXTFILE_H

#include <stddef.h>
#include <stdio.h>

/* Longest base name accepted: room for the temporary name's suffix. */
#define TEXTFILE_BASE_MAX 200
/* A mode for textfile__create(): 0666 less the umask, as for any new file. */
#define TEXTFILE_MODE_UMASK (-1)

/* One replacement under way. */
struct textfile {
	int dfd;          /* the directory: create, rename and fsync act on it alone */
	int fd;           /* the temporary file */
	FILE *f;          /* textfile__stream(), once asked for */
	const char *base; /* into the path given */
	char tmp[TEXTFILE_BASE_MAX + 32];
};

/*
 * Check a path once, before use: a base name that is not empty, "." or
 * "..", not longer than TEXTFILE_BASE_MAX, and no trailing '/'.  Returns 0
 * or -EINVAL / -ENAMETOOLONG.
 */
int textfile__check_path(const char *path);

/*
 * Start replacing path: the temporary file is created with exactly mode
 * (whatever the umask), or as the umask allows with TEXTFILE_MODE_UMASK.
 * Write to t->fd or to textfile__stream(t), then textfile__commit() or
 * textfile__abort().  Returns 0 or -errno (nothing is left behind).
 */
int textfile__create(struct textfile *t, const char *path, int mode);
/* A stdio stream on the temporary file; NULL (errno set) if none can be made. */
FILE *textfile__stream(struct textfile *t);
/*
 * Flush, fsync and rename the temporary file over path, then fsync the
 * directory.  t is released either way.  Returns 0 or -errno (then path
 * is as it was).
 */
int textfile__commit(struct textfile *t);
/* Remove the temporary file and release t: path stays as it was. */
void textfile__abort(struct textfile *t);

/* The whole replacement of path by buf, mode exactly 0644.  Returns 0 or -errno. */
int textfile__write(const char *path, const void *buf, size_t len);

/*
 * Remove temporary files of path that a killed writer left behind (a
 * SIGKILL between create and rename).  Returns how many, or -errno.
 */
int textfile__remove_stale(const char *path);

#endif /* OOMREAP_TEXTFILE_H */
