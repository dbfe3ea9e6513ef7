// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/missed.h"
#include "core/timefmt.h"
#include "core/tracker.h"
#include "io/errors.h"
#include "live/pin.h"
#include "live/pin_impl.h"
#include "oomreap.skel.h"

static uint64_t object_hash(void)
{
	size_t sz = 0, i;
	const unsigned char *b = oomreap__elf_bytes(&sz);
	uint64_t h = 0xcbf29ce484222325ull;

	for (i = 0; i < sz; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* The path of name inside DIR, through its locked fd: no lookup of DIR's path again. */
void pin_at(const struct pin_dir *pd, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d/%s", pd->fd, name);
}

static bool our_name(const char *n)
{
	return !strcmp(n, "identity") || !strcmp(n, "state") || !strncmp(n, "map_", 4) ||
	       !strncmp(n, "link_", 5) || !strncmp(n, "prog_", 5);
}

/* bpffs refuses '.' in names: ".bss" and the like become "_bss". */
void pin_name(char *buf, size_t len, const char *prefix, const char *name)
{
	size_t i, n = (size_t)snprintf(buf, len, "%s%s", prefix, name);

	for (i = 0; i < n && i < len; i++)
		if (buf[i] == '.' || buf[i] == '/')
			buf[i] = '_';
}

int pin_obj_get(const struct pin_dir *pd, const char *name)
{
	char path[PIN_NAME_LEN + 64];

	pin_at(pd, name, path, sizeof(path));
	return bpf_obj_get(path);
}

int pin_map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

/* The identity, when DIR has one that is an array of one entry; -ENOENT none. */
int pin_read_identity(const struct pin_dir *pd, struct pin_identity *id, char *why,
		      size_t whylen)
{
	struct bpf_map_info info;
	char *buf;
	int fd = pin_obj_get(pd, "identity"), err;

	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	err = pin_map_info(fd, &info);
	if (err || info.type != BPF_MAP_TYPE_ARRAY || info.key_size != 4 ||
	    info.max_entries != 1 || info.value_size < sizeof(id->magic) + 8 ||
	    info.value_size > 1u << 20) {
		close(fd);
		snprintf(why, whylen, "its \"identity\" is not this tool's");
		return -EINVAL;
	}
	buf = calloc(1, info.value_size);
	if (!buf || bpf_map_lookup_elem(fd, &(__u32){ 0 }, buf)) {
		free(buf);
		close(fd);
		snprintf(why, whylen, "its \"identity\" cannot be read");
		return -EIO;
	}
	close(fd);
	memset(id, 0, sizeof(*id));
	memcpy(id, buf, info.value_size < sizeof(*id) ? info.value_size : sizeof(*id));
	free(buf);
	if (memcmp(id->magic, PIN_MAGIC, sizeof(PIN_MAGIC))) {
		snprintf(why, whylen, "its \"identity\" is not this tool's");
		return -EINVAL;
	}
	/* another layout of the identity itself: another build, replaced */
	if (info.value_size != sizeof(*id) || id->version != PIN_VERSION)
		id->version = 0;
	return 0;
}

static void compare(const struct pin_identity *id, const struct pin_want *w, char *why,
		    size_t whylen)
{
	char v[sizeof(id->tool_version) + 1] = "";

	why[0] = 0;
	memcpy(v, id->tool_version, sizeof(id->tool_version));
	if (!id->version)
		snprintf(why, whylen, "pinned by a build with another pin layout");
	else if (id->abi != OOMREAP_ABI_VERSION)
		snprintf(why, whylen, "pinned with wire ABI %u (this build: %u)", id->abi,
			 OOMREAP_ABI_VERSION);
	else if (id->object_hash != object_hash())
		snprintf(why, whylen, "pinned by another build's BPF object (oomreap-trace %s)", v);
	else if (id->incident_size != sizeof(struct oomreap_incident))
		snprintf(why, whylen, "pinned by a build with another incident layout");
	/*
	 * The same --attach, or a rung named that the set runs on (it chose
	 * it under auto).  Not --attach auto on a set forced to a rung: auto
	 * would choose afresh (the best rung the kernel allows).
	 */
	else if ((uint32_t)w->rung != id->want_rung &&
		 (w->rung == RUNG_AUTO || (uint32_t)w->rung != id->rung))
		snprintf(why, whylen, "pinned on the %s rung (--attach %s), --attach %s asked",
			 rung__name((enum rung)id->rung), rung__name((enum rung)id->want_rung),
			 rung__name(w->rung));
	else if (id->blockers_asked != w->blockers)
		snprintf(why, whylen, "pinned %s blocker attribution",
			 id->blockers_asked ? "with" : "without");
	else if (id->wake_every_event != w->wake_every_event)
		snprintf(why, whylen, "pinned %s -v", id->wake_every_event ? "with" : "without");
	else if (id->mrelease != w->mrelease)
		snprintf(why, whylen, "pinned %s --mrelease", id->mrelease ? "with" : "without");
	else if (id->killers_hash != w->killers_hash)
		snprintf(why, whylen,
			 "pinned with other memory killers (a --killer changed, or a killer's "
			 "executable was replaced)");
}

/* Every entry of DIR is one of ours (0), or the first that is not (-EEXIST). */
static int scan(const struct pin_dir *pd, int *n, char *bad, size_t badlen)
{
	int fd = openat(pd->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	*n = 0;
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		/* a symlink (bpffs has them) would lead an adoption elsewhere */
		if (!our_name(de->d_name) || de->d_type == DT_DIR || de->d_type == DT_LNK) {
			snprintf(bad, badlen, "%s%.64s\"", de->d_type == DT_LNK ? "a symlink \"" : "\"",
				 de->d_name);
			/* the error stays one line of text, whatever the name holds */
			for (char *c = bad; *c; c++)
				if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
					*c = '?';
			closedir(d);
			return -EEXIST;
		}
		(*n)++;
	}
	closedir(d);
	return 0;
}

/* The pins an adoptable set cannot do without; the first missing, or NULL. */
static const char *missing_pin(const struct pin_dir *pd, const struct pin_identity *id)
{
	static char name[PIN_NAME_LEN + 8];
	struct stat st;
	uint32_t i;

	if (fstatat(pd->fd, "state", &st, AT_SYMLINK_NOFOLLOW))
		return "state";
	if (fstatat(pd->fd, "map_events", &st, AT_SYMLINK_NOFOLLOW))
		return "map_events";
	if (fstatat(pd->fd, "map_bss", &st, AT_SYMLINK_NOFOLLOW))
		return "map_bss";
	if (!id->nlinks || id->nlinks > PLAN_MAX_HOOKS + 1)
		return "its links";
	for (i = 0; i < id->nlinks; i++) {
		pin_name(name, sizeof(name), "link_", id->links[i].program);
		if (fstatat(pd->fd, name, &st, AT_SYMLINK_NOFOLLOW))
			return name;
		pin_name(name, sizeof(name), "prog_", id->links[i].program);
		if (fstatat(pd->fd, name, &st, AT_SYMLINK_NOFOLLOW))
			return name;
	}
	return NULL;
}

static int open_dir(struct pin_dir *pd, const char *path, bool create, char *why, size_t whylen)
{
	struct statfs sfs;
	struct stat st;

	memset(pd, 0, sizeof(*pd));
	pd->fd = pd->state_fd = -1;
	pd->path = path;
	if (geteuid() != 0) {
		snprintf(why, whylen, "%s: pinning needs root", path);
		return -EPERM;
	}
	pd->fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (pd->fd < 0 && errno == ENOENT && create) {
		char parent[4096];
		char *slash;

		/* created only inside bpffs: a mistyped DIR leaves nothing behind */
		snprintf(parent, sizeof(parent), "%s", path);
		slash = strrchr(parent, '/');
		if (slash == parent)
			slash[1] = 0;
		else if (slash)
			*slash = 0;
		else
			snprintf(parent, sizeof(parent), ".");
		if (statfs(parent, &sfs) || (unsigned long)sfs.f_type != BPF_FS_MAGIC) {
			snprintf(why, whylen,
				 "%s: not on a bpffs mount (mount -t bpf bpf /sys/fs/bpf)", path);
			return -EXDEV;
		}
		/* mkdir does not follow a symlink at path: it fails with EEXIST */
		if (mkdir(path, 0700) && errno != EEXIST) {
			snprintf(why, whylen, "%s: cannot create it: %s", path, strerror(errno));
			return -errno;
		}
		pd->fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (pd->fd < 0) {
		int err = errno;

		snprintf(why, whylen, "%s: %s", path,
			 err == ELOOP || err == ENOTDIR ? "not a directory (a symlink is refused)"
							: strerror(err));
		return -err;
	}
	if (fstatfs(pd->fd, &sfs) || (unsigned long)sfs.f_type != BPF_FS_MAGIC) {
		snprintf(why, whylen, "%s: not on a bpffs mount (mount -t bpf bpf /sys/fs/bpf)",
			 path);
		return -EXDEV;
	}
	if (fstat(pd->fd, &st) || st.st_uid != 0 || (st.st_mode & 022)) {
		snprintf(why, whylen, "%s: not root's, or writable by others: refused", path);
		return -EPERM;
	}
	if (flock(pd->fd, LOCK_EX | LOCK_NB)) {
		snprintf(why, whylen, "%s: in use by another oomreap-trace", path);
		return -EBUSY;
	}
	return 0;
}

int pin__open(struct pin_dir *pd, const char *path, const struct pin_want *want, char *why,
	      size_t whylen)
{
	struct pin_identity id;
	char bad[256], idwhy[96];
	const char *miss;
	int err, n;

	err = open_dir(pd, path, true, why, whylen);
	if (err)
		goto fail;
	err = scan(pd, &n, bad, sizeof(bad));
	if (err) {
		snprintf(why, whylen, "%s: not an oomreap-trace pin directory (it holds %s)",
			 path, err == -EEXIST ? bad : strerror(-err));
		err = err == -EEXIST ? -ENOTEMPTY : err;
		goto fail;
	}
	if (!n) {
		pd->found = PIN_EMPTY;
		return 0;
	}
	err = pin_read_identity(pd, &id, idwhy, sizeof(idwhy));
	if (err == -ENOENT) {
		snprintf(why, whylen,
			 "%s: damaged: pins without an identity (a start cut short?); "
			 "oomreap-trace --unpin %s removes them",
			 path, path);
		goto fail;
	}
	if (err) {
		snprintf(why, whylen, "%s: %s", path, idwhy);
		goto fail;
	}
	compare(&id, want, pd->other_why, sizeof(pd->other_why));
	if (pd->other_why[0]) {
		pd->found = PIN_OTHER;
		return 0;
	}
	miss = missing_pin(pd, &id);
	if (miss) {
		snprintf(why, whylen, "%s: damaged: %s is missing; oomreap-trace --unpin %s removes it",
			 path, miss, path);
		err = -ENOENT;
		goto fail;
	}
	pd->found = PIN_SAME;
	return 0;
fail:
	pin__close(pd);
	return err ? err : -EINVAL;
}

void pin__close(struct pin_dir *pd)
{
	if (pd->state)
		munmap(pd->state, pd->state_len);
	pd->state = NULL;
	if (pd->fd >= 0)
		close(pd->fd); /* and its lock */
	if (pd->state_fd >= 0)
		close(pd->state_fd);
	pd->fd = pd->state_fd = -1;
}

int pin__clear(struct pin_dir *pd, char *why, size_t whylen)
{
	int fd = openat(pd->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;
	struct dirent *de;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		snprintf(why, whylen, "%s: %s", pd->path, strerror(-err));
		return err;
	}
	/* the identity first: a set cut short by a failure here reads as damaged */
	if (unlinkat(pd->fd, "identity", 0) && errno != ENOENT)
		err = -errno;
	while (!err && (de = readdir(d))) {
		if (!our_name(de->d_name) || de->d_type == DT_DIR)
			continue; /* pin__open() refused a DIR holding any */
		if (unlinkat(pd->fd, de->d_name, 0) && errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	if (err)
		snprintf(why, whylen, "%s: cannot unpin: %s", pd->path, strerror(-err));
	return err;
}

int pin__unpin(const char *path, char *why, size_t whylen)
{
	struct pin_dir pd;
	char bad[256];
	int err, n;

	err = open_dir(&pd, path, false, why, whylen);
	if (err) {
		pin__close(&pd);
		return err;
	}
	err = scan(&pd, &n, bad, sizeof(bad));
	if (err) {
		snprintf(why, whylen, "%s: not an oomreap-trace pin directory (it holds %s)",
			 path, err == -EEXIST ? bad : strerror(-err));
		pin__close(&pd);
		return err == -EEXIST ? -ENOTEMPTY : err;
	}
	err = pin__clear(&pd, why, whylen);
	pin__close(&pd);
	if (!err && rmdir(path) && errno != EBUSY) {
		/* a mount point stays (EBUSY); anything else is said */
		snprintf(why, whylen, "%s: unpinned, but not removed: %s", path, strerror(errno));
		return -errno;
	}
	return err;
}

int pin__publish(struct pin_dir *pd, struct tracer *tr, const struct pin_want *want, char *why,
		 size_t whylen)
{
	struct pin_identity id = { .magic = PIN_MAGIC, .version = PIN_VERSION,
				   .abi = OOMREAP_ABI_VERSION, .object_hash = object_hash(),
				   .incident_size = sizeof(struct oomreap_incident),
				   .rung = (uint32_t)tr->plan.rung, .want_rung = (uint32_t)want->rung,
				   .blockers_asked = want->blockers, .blockers_on = tr->plan.blockers,
				   .wake_every_event = want->wake_every_event,
				   .mrelease = want->mrelease, .killers_hash = want->killers_hash };
	char name[PIN_NAME_LEN + 8], path[PIN_NAME_LEN + 80];
	const char *what = "";
	struct bpf_map *map;
	int i, fd, err = 0;

	snprintf(id.tool_version, sizeof(id.tool_version), "%s", OOMREAP_VERSION);
	snprintf(id.blockers_why, sizeof(id.blockers_why), "%s", tr->plan.blockers_why);
	for (i = 0; i < tr->nlinks && !err; i++) {
		const char *prog = bpf_program__name(tr->link_progs[i]);
		int h;

		pin_name(name, sizeof(name), "link_", prog);
		pin_at(pd, name, path, sizeof(path));
		what = name;
		err = bpf_link__pin(tr->links[i], path);
		/*
		 * The program too: the next process reads its run counts from
		 * it, and a program's fd by id (from the link) needs
		 * CAP_SYS_ADMIN, which the systemd unit does not grant.
		 */
		if (!err) {
			pin_name(name, sizeof(name), "prog_", prog);
			pin_at(pd, name, path, sizeof(path));
			what = name;
			err = bpf_obj_pin(bpf_program__fd(tr->link_progs[i]), path) ? -errno : 0;
		}
		snprintf(id.links[i].program, sizeof(id.links[i].program), "%s", prog);
		for (h = 0; h < tr->plan.nhooks; h++)
			if (tr->plan.hooks[h].program && !strcmp(tr->plan.hooks[h].program, prog))
				snprintf(id.links[i].hook, sizeof(id.links[i].hook), "%s",
					 tr->plan.hooks[h].hook);
	}
	id.nlinks = (uint32_t)tr->nlinks;
	bpf_object__for_each_map(map, tr->skel->obj) {
		if (err || bpf_map__fd(map) < 0)
			continue;
		if (map == tr->skel->maps.bss)
			snprintf(name, sizeof(name), "map_bss");
		else
			pin_name(name, sizeof(name), "map_", bpf_map__name(map));
		pin_at(pd, name, path, sizeof(path));
		what = name;
		err = bpf_obj_pin(bpf_map__fd(map), path) ? -errno : 0;
	}
	if (!err) {
		what = "state";
		err = pin_create_state(pd);
	}
	if (!err) {
		what = "identity";
		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "oomreap_pin_id", 4, sizeof(id), 1, NULL);
		err = fd < 0 ? -errno : 0;
		if (!err && bpf_map_update_elem(fd, &(__u32){ 0 }, &id, BPF_ANY))
			err = -errno;
		/* read-only from now on: a new identity is a new set */
		if (!err && bpf_map_freeze(fd))
			err = -errno;
		pin_at(pd, "identity", path, sizeof(path));
		if (!err && bpf_obj_pin(fd, path))
			err = -errno;
		if (fd >= 0)
			close(fd);
	}
	if (err && !strncmp(what, "link_", 5) &&
	    (err == -EINVAL || err == -EBADF || err == -EOPNOTSUPP || err == -524 /* ENOTSUPP */)) {
		/*
		 * Before 5.15 a tracepoint (and a kprobe) is attached through
		 * its perf event, not a BPF link: nothing to pin.  The kernel's
		 * limit, not the directory's: the caller traces without.
		 */
		snprintf(why, whylen,
			 "%s: this kernel cannot pin %s (attached through a perf event, not a BPF "
			 "link: Linux 5.15+)", pd->path, what);
		pin__clear(pd, why + strlen(why), 0);
		return -EOPNOTSUPP;
	}
	if (err) {
		snprintf(why, whylen, "%s: cannot pin %s: %s", pd->path, what, strerror(-err));
		pin__clear(pd, why + strlen(why), 0);
		return err;
	}
	tr->pinned = true;
	return 0;
}
