// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/fdio.h"
#include "sinks/textfile.h"

#define TMP_TAG ".tmp-"
#define TMP_HEX 16
#define CREATE_TRIES 8

int textfile__check_path(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;

	if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
		return -EINVAL;
	if (strlen(base) > TEXTFILE_BASE_MAX || strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* dir gets the directory part ("." or "/" at the edges); *base points into path. */
static int split_path(const char *path, char *dir, size_t dirsz, const char **base)
{
	const char *slash = strrchr(path, '/');
	int err = textfile__check_path(path);

	if (err)
		return err;
	if (!slash) {
		snprintf(dir, dirsz, ".");
		*base = path;
	} else if (slash == path) {
		snprintf(dir, dirsz, "/");
		*base = slash + 1;
	} else {
		snprintf(dir, dirsz, "%.*s", (int)(slash - path), path);
		*base = slash + 1;
	}
	return 0;
}

static uint64_t random_u64(void)
{
	uint64_t v;
	struct timespec ts;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	/* no entropy yet (early boot): unique enough with O_EXCL retrying */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40);
}

/*
 * A fresh temporary file in the same directory (rename(2) is atomic only
 * within one file system).  O_EXCL refuses anything already there, a
 * symlink included; O_NOFOLLOW says so twice.
 */
static int create_temp(int dfd, const char *base, char *tmp, size_t tmpsz, mode_t mode)
{
	int i, fd;

	for (i = 0; i < CREATE_TRIES; i++) {
		snprintf(tmp, tmpsz, ".%s" TMP_TAG "%016llx", base,
			 (unsigned long long)random_u64());
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

/*
 * rename(2) would replace a symlink rather than follow it, but a link at
 * path means someone other than us put it there: refuse and let the
 * operator look, rather than silently delete it.
 */
static int check_target(int dfd, const char *base)
{
	struct stat st;

	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EEXIST;
	return 0;
}

static void release(struct textfile *t)
{
	close(t->dfd);
	t->dfd = t->fd = -1;
	t->f = NULL;
}

int textfile__create(struct textfile *t, const char *path, int mode)
{
	char dir[PATH_MAX];
	int err;

	memset(t, 0, sizeof(*t));
	t->dfd = t->fd = -1;
	err = split_path(path, dir, sizeof(dir), &t->base);
	if (err)
		return err;
	t->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dfd < 0)
		return -errno;
	err = check_target(t->dfd, t->base);
	if (!err) {
		t->fd = create_temp(t->dfd, t->base, t->tmp, sizeof(t->tmp),
				    mode == TEXTFILE_MODE_UMASK ? 0666 : (mode_t)mode);
		if (t->fd < 0)
			err = t->fd;
	}
	/* an exact mode whatever the umask: node_exporter runs as another user */
	if (!err && mode != TEXTFILE_MODE_UMASK && fchmod(t->fd, (mode_t)mode)) {
		err = -errno;
		textfile__abort(t);
		return err;
	}
	if (err)
		release(t);
	return err;
}

FILE *textfile__stream(struct textfile *t)
{
	if (!t->f)
		t->f = fdopen(t->fd, "w");
	return t->f;
}

/* Close the temporary file, its stream first if it has one. */
static int close_temp(struct textfile *t)
{
	int err = 0;

	if (t->f) {
		if (fflush(t->f))
			err = -errno;
		else if (ferror(t->f))
			err = -EIO;
		if (!err && fsync(t->fd))
			err = -errno;
		if (fclose(t->f) && !err)
			err = -errno;
	} else {
		if (fsync(t->fd))
			err = -errno;
		if (close(t->fd) && !err)
			err = -errno;
	}
	t->f = NULL;
	t->fd = -1;
	return err;
}

int textfile__commit(struct textfile *t)
{
	int err = close_temp(t);

	if (!err && renameat(t->dfd, t->tmp, t->dfd, t->base))
		err = -errno;
	if (err) {
		unlinkat(t->dfd, t->tmp, 0);
	} else {
		/*
		 * Make the rename itself durable.  Its failure is not reported:
		 * the new file is already in place and complete for every reader.
		 */
		(void)fsync(t->dfd);
	}
	release(t);
	return err;
}

void textfile__abort(struct textfile *t)
{
	if (t->f)
		fclose(t->f);
	else if (t->fd >= 0)
		close(t->fd);
	unlinkat(t->dfd, t->tmp, 0);
	release(t);
}

int textfile__write(const char *path, const void *buf, size_t len)
{
	struct textfile t;
	int err = textfile__create(&t, path, 0644);

	if (err)
		return err;
	err = fdio__write_all(t.fd, buf, len);
	if (err) {
		textfile__abort(&t);
		return err;
	}
	return textfile__commit(&t);
}

static bool is_stale_temp(const char *name, const char *base)
{
	size_t blen = strlen(base), tlen = strlen(TMP_TAG), i;

	if (name[0] != '.' || strncmp(name + 1, base, blen) || strncmp(name + 1 + blen, TMP_TAG, tlen))
		return false;
	name += 1 + blen + tlen;
	for (i = 0; i < TMP_HEX; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return name[TMP_HEX] == 0;
}

int textfile__remove_stale(const char *path)
{
	char dir[PATH_MAX];
	const char *base;
	struct dirent *de;
	int dfd, n = 0, err;
	DIR *d;

	err = split_path(path, dir, sizeof(dir), &base);
	if (err)
		return err;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	d = fdopendir(dfd);
	if (!d) {
		err = -errno;
		close(dfd);
		return err;
	}
	while ((de = readdir(d)))
		if (is_stale_temp(de->d_name, base) && unlinkat(dfd, de->d_name, 0) == 0)
			n++;
	closedir(d);
	return n;
}
