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

#include "core/fdio.h"
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
static int create_temp(int dfd, const char *base, char *tmp, size_t tmpsz)
{
	int i, fd;

	for (i = 0; i < CREATE_TRIES; i++) {
		snprintf(tmp, tmpsz, ".%s" TMP_TAG "%016llx", base,
			 (unsigned long long)random_u64());
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

int textfile__write(const char *path, const void *buf, size_t len)
{
	char dir[PATH_MAX], tmp[TEXTFILE_BASE_MAX + 32];
	const char *base;
	struct stat st;
	int dfd, fd, err;

	err = split_path(path, dir, sizeof(dir), &base);
	if (err)
		return err;
	/* One directory fd for the whole sequence: create, rename and fsync
	 * all act on the same directory even if its path is swapped meanwhile. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	/*
	 * rename(2) would replace a symlink rather than follow it, but a link
	 * at PATH means someone other than us put it there: refuse and let the
	 * operator look, rather than silently delete it.
	 */
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			err = -ELOOP;
		else if (S_ISDIR(st.st_mode))
			err = -EISDIR;
		else if (!S_ISREG(st.st_mode))
			err = -EEXIST;
	} else if (errno != ENOENT) {
		err = -errno;
	}
	if (err)
		goto out;

	fd = create_temp(dfd, base, tmp, sizeof(tmp));
	if (fd < 0) {
		err = fd;
		goto out;
	}
	/* exactly 0644 whatever the umask: node_exporter runs as another user */
	if (fchmod(fd, 0644) || (err = fdio__write_all(fd, buf, len)) || fsync(fd)) {
		err = err ? err : -errno;
		close(fd);
		goto unlink;
	}
	if (close(fd)) {
		err = -errno;
		goto unlink;
	}
	if (renameat(dfd, tmp, dfd, base)) {
		err = -errno;
		goto unlink;
	}
	/*
	 * Make the rename itself durable.  Its failure is not reported: the
	 * new file is already in place and complete for every reader.
	 */
	(void)fsync(dfd);
	goto out;
unlink:
	unlinkat(dfd, tmp, 0);
out:
	close(dfd);
	return err;
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
