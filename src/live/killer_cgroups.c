// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* --killer-cgroup: live/killer_cgroups.h says what and why. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "io/errors.h"
#include "live/killer_cgroups.h"

#define CGROUP2_SUPER_MAGIC 0x63677270

/* "/a/b" with no empty, "." or ".." part, not "/" itself */
static bool clean_path(const char *p)
{
	const char *s = p;

	if (*s != '/' || !s[1])
		return false;
	while (*s == '/') {
		const char *e = strchr(s + 1, '/');
		size_t len = e ? (size_t)(e - s - 1) : strlen(s + 1);

		if (!len || (len == 1 && s[1] == '.') || (len == 2 && s[1] == '.' && s[2] == '.'))
			return false;
		if (!e)
			break;
		s = e;
	}
	return true;
}

/*
 * The first cgroup2 mount of this mount namespace (mountinfo's fifth field,
 * after " - cgroup2 "): /sys/fs/cgroup on a unified system,
 * /sys/fs/cgroup/unified on a hybrid one.  Octal escapes (\040) are left
 * as they are: such a mount point is refused by the open that follows.
 */
static int find_mount(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - "), *mp, *sp;

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		/* id parent major:minor root mountpoint ... */
		mp = line;
		for (int i = 0; i < 4 && mp; i++) {
			mp = strchr(mp, ' ');
			if (mp)
				mp++;
		}
		if (!mp)
			continue;
		sp = strchr(mp, ' ');
		if (!sp || (size_t)(sp - mp) >= len)
			continue;
		memcpy(out, mp, (size_t)(sp - mp));
		out[sp - mp] = 0;
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

int killer_cgroups__parse(struct killer_cgroups *kc, const char *const *specs, int n,
			  char *why, size_t whylen)
{
	int i, err;

	memset(kc, 0, sizeof(*kc));
	kc->root_fd = kc->inotify_fd = -1;
	for (i = 0; i < n && i < KILLER_CGROUPS_MAX; i++) {
		const char *eq = strchr(specs[i], '=');
		struct killer_cgroup *k = &kc->k[kc->n];

		if (!eq || eq == specs[i] || (size_t)(eq - specs[i]) >= sizeof(k->name)) {
			snprintf(why, whylen, "--killer-cgroup %s: NAME=CGROUP, NAME 1 to %zu bytes",
				 specs[i], sizeof(k->name) - 1);
			return -EINVAL;
		}
		if (!clean_path(eq + 1) || strlen(eq + 1) >= sizeof(k->path)) {
			snprintf(why, whylen,
				 "--killer-cgroup %s: CGROUP is a cgroup's path as /proc/PID/cgroup's "
				 "\"0::\" line gives it (/system.slice/UNIT), not the root, no \".\" "
				 "or \"..\", at most %zu bytes",
				 specs[i], sizeof(k->path) - 1);
			return -EINVAL;
		}
		memcpy(k->name, specs[i], (size_t)(eq - specs[i]));
		snprintf(k->path, sizeof(k->path), "%s", eq + 1);
		kc->n++;
	}
	if (!kc->n)
		return 0;
	err = find_mount(kc->mount, sizeof(kc->mount));
	if (err) {
		snprintf(why, whylen,
			 "--killer-cgroup: %s", err == -ENOENT ? "no cgroup2 file system mounted "
								 "(a cgroup v1-only machine): a "
								 "killer's cgroup cannot be told"
							       : strerror(-err));
		return err;
	}
	kc->root_fd = open(kc->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (kc->root_fd < 0) {
		err = -errno;
		snprintf(why, whylen, "--killer-cgroup: the cgroup2 mount %s: %s", kc->mount,
			 strerror(errno));
		return err;
	}
	return 0;
}

void killer_cgroups__hash(const struct killer_cgroups *kc, uint64_t *hash)
{
	for (int i = 0; i < kc->n; i++) {
		const char *parts[3] = { "cgroup", kc->k[i].name, kc->k[i].path };

		for (int p = 0; p < 3; p++)
			for (size_t b = 0; b <= strlen(parts[p]); b++)
				*hash = (*hash ^ (unsigned char)parts[p][b]) * 0x100000001b3ull;
	}
}

/*
 * The id k's path has now, 0 when it has none we accept (why in *why, ""
 * for a cgroup that is not there: a unit not running).
 */
static uint64_t resolve(const struct killer_cgroups *kc, const struct killer_cgroup *k,
			char *why, size_t whylen)
{
	struct statfs sfs;
	struct stat dir, procs;
	uint64_t id = 0;
	int fd;

	*why = 0;
	/* cgroupfs has no symlinks: O_NOFOLLOW is for anything mounted over it */
	fd = openat(kc->root_fd, k->path + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			snprintf(why, whylen, "%s", strerror(errno));
		return 0;
	}
	if (fstatfs(fd, &sfs) || fstat(fd, &dir) ||
	    fstatat(fd, "cgroup.procs", &procs, AT_SYMLINK_NOFOLLOW))
		snprintf(why, whylen, "%s", strerror(errno));
	else if (sfs.f_type != CGROUP2_SUPER_MAGIC)
		snprintf(why, whylen, "not on the cgroup2 file system");
	else if (dir.st_uid != 0 || procs.st_uid != 0)
		snprintf(why, whylen, "owned by uid %u: delegated, so a process of that user could "
			 "join it and pass for the killer", dir.st_uid ? dir.st_uid : procs.st_uid);
	else if (procs.st_mode & (S_IWGRP | S_IWOTH))
		snprintf(why, whylen, "its cgroup.procs is writable by %s: a process of theirs "
			 "could join it and pass for the killer",
			 procs.st_mode & S_IWOTH ? "anyone" : "its group");
	else
		id = (uint64_t)dir.st_ino; /* cgroup v2: the inode number is the cgroup's id */
	close(fd);
	return id;
}

/* The path of k's directory, under the cgroup2 mount. */
static void full_path(const struct killer_cgroups *kc, const struct killer_cgroup *k, char *buf,
		      size_t len)
{
	snprintf(buf, len, "%s%s", kc->mount, k->path);
}

/*
 * Watch the deepest directory of k's path that exists now for mkdir and
 * rmdir in it: the cgroup's parent, or the ancestor a slice not made yet
 * leaves last (Debian's nohang.service runs in hostcritical.slice, which
 * systemd makes only as it starts the unit).  Each level that appears
 * wakes the reader, which comes here again and watches the next.  Watching
 * a directory twice is one watch.
 */
static void watch_ancestor(const struct killer_cgroups *kc, const struct killer_cgroup *k)
{
	char dir[sizeof(kc->mount) + OOMREAP_KILLER_EXE_LEN];
	size_t mlen = strlen(kc->mount);
	char *slash;

	full_path(kc, k, dir, sizeof(dir));
	while ((slash = strrchr(dir + mlen, '/'))) {
		*slash = 0;
		if (inotify_add_watch(kc->inotify_fd, dir[0] ? dir : "/",
				      IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
					      IN_ONLYDIR | IN_DONT_FOLLOW) >= 0)
			return;
	}
}

/*
 * Resolve k again; its slot follows, and each change is said once: with -v
 * at start, always later (a unit restarted, stopped, or was delegated).
 */
static void sync_one(struct killer_cgroups *kc, int i, bool first)
{
	struct killer_cgroup *k = &kc->k[i];
	char why[sizeof(k->refused)];
	uint64_t id;

	/* watched first, then looked at: a mkdir in between is seen by one or the other */
	watch_ancestor(kc, k);
	id = resolve(kc, k, why, sizeof(why));

	if (!first && id == k->id && !strcmp(why, k->refused))
		return;
	if (id) {
		char dir[sizeof(kc->mount) + OOMREAP_KILLER_EXE_LEN];

		/*
		 * Its own attributes and its files' (a chown or chmod of
		 * cgroup.procs delegating it): watched while it exists; the
		 * kernel drops the watch with the directory.
		 */
		full_path(kc, k, dir, sizeof(dir));
		inotify_add_watch(kc->inotify_fd, dir, IN_ATTRIB | IN_ONLYDIR | IN_DONT_FOLLOW);
	}
	/* one aligned 8-byte store: the program sees the old id or the new */
	__atomic_store_n(&kc->slots->id[i], id, __ATOMIC_RELEASE);
	k->id = id;
	if (k->id && first)
		p_info("memory killer %s: cgroup %s (id %llu)", k->name, k->path,
		       (unsigned long long)k->id);
	else if (k->id)
		p_note("memory killer %s: cgroup %s is id %llu now", k->name, k->path,
		       (unsigned long long)k->id);
	else if (why[0])
		p_err("--killer-cgroup %s=%s: %s; its kills are not told", k->name, k->path, why);
	else
		p_note("memory killer %s: no cgroup %s now; told once it is there", k->name,
		       k->path);
	snprintf(k->refused, sizeof(k->refused), "%s", why);
}

int killer_cgroups__start(struct killer_cgroups *kc, struct oomreap_killer_cgroups *slots)
{
	int i, err;

	kc->slots = slots;
	if (!slots)
		return kc->n ? -EINVAL : 0;
	/* a pinned set's slots are a former process's: each is written anew */
	__atomic_store_n(&slots->n, 0, __ATOMIC_RELEASE);
	for (i = 0; i < OOMREAP_KILLER_CGROUPS_MAX; i++) {
		__atomic_store_n(&slots->id[i], 0, __ATOMIC_RELEASE);
		if (i < kc->n) {
			memcpy(slots->name[i], kc->k[i].name, sizeof(slots->name[i]));
			memcpy(slots->path[i], kc->k[i].path, sizeof(slots->path[i]));
		}
	}
	if (!kc->n)
		return 0;
	__atomic_store_n(&slots->n, (uint32_t)kc->n, __ATOMIC_RELEASE);
	kc->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (kc->inotify_fd < 0) {
		err = -errno;
		p_err("--killer-cgroup: inotify: %s", strerror(errno));
		return err;
	}
	for (i = 0; i < kc->n; i++) {
		sync_one(kc, i, true);
	}
	return 0;
}

int killer_cgroups__fd(const struct killer_cgroups *kc)
{
	return kc->inotify_fd;
}

void killer_cgroups__refresh(struct killer_cgroups *kc)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	/* what changed does not matter: every path is resolved again */
	while (read(kc->inotify_fd, buf, sizeof(buf)) > 0)
		;
	for (int i = 0; i < kc->n; i++)
		sync_one(kc, i, false);
}

void killer_cgroups__close(struct killer_cgroups *kc)
{
	if (kc->inotify_fd >= 0)
		close(kc->inotify_fd);
	if (kc->root_fd >= 0)
		close(kc->root_fd);
	kc->inotify_fd = kc->root_fd = -1;
}
