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

#include "core/errors.h"
#include "core/missed.h"
#include "core/timefmt.h"
#include "core/tracker.h"
#include "live/pin.h"
#include "oomreap.skel.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

#define PIN_MAGIC "oomreap-pin"
#define PIN_VERSION 2
#define STATE_MAGIC "oomreap-state"
#define STATE_VERSION 1
#define PIN_NAME_LEN 64

/* The identity map's one value.  Fixed-width: read back by other builds. */
struct pin_identity {
	char magic[16];
	uint32_t version;        /* PIN_VERSION: the layout of this struct */
	uint32_t abi;            /* OOMREAP_ABI_VERSION */
	uint64_t object_hash;    /* FNV-1a of the BPF object's bytes */
	uint32_t incident_size;  /* sizeof(struct oomreap_incident): the state's layout */
	uint32_t rung;           /* the rung in use */
	uint32_t want_rung;      /* --attach as given */
	uint8_t blockers_asked, blockers_on, wake_every_event, mrelease;
	uint32_t nlinks;
	char tool_version[32];
	struct {
		char program[PIN_NAME_LEN];
		char hook[PLAN_HOOK_LEN];
	} links[PLAN_MAX_HOOKS + 1];
	char blockers_why[256];
	uint64_t killers_hash;   /* the killers' executables the signal program knows */
};

enum state_mark {
	STATE_NONE = 0,  /* pinned, never saved into */
	STATE_RUNNING,   /* a process holds the set and has not saved */
	STATE_SAVED,     /* the last process saved its incidents and stopped */
};

/* Entry 0 of the state map; entries 1..count hold the incidents. */
struct pin_state_hdr {
	char magic[16];
	uint32_t version;
	uint32_t incident_size;
	uint32_t mark;           /* enum state_mark */
	uint32_t count;          /* incidents saved */
	uint32_t not_saved;      /* open incidents beyond PIN_STATE_MAX: closed as open */
	uint32_t pid;            /* the process that wrote it */
	uint64_t saved_ns;       /* CLOCK_MONOTONIC */
	uint64_t dropped_seen;   /* the BPF drop counter as that process had noted it */
	struct runs_missed missed_seen;
	struct tracker_carry carry;
};
_Static_assert(sizeof(struct pin_state_hdr) <= sizeof(struct oomreap_incident),
	       "the state header fits one entry");

struct pin_adopted {
	int events_fd, bss_fd, nprogs;
	struct oomreap__bss *bss;  /* the pinned .bss, mapped */
	size_t bss_len;
	int link_fds[PLAN_MAX_HOOKS + 1];
	int prog_fds[PLAN_MAX_HOOKS + 1];
	uint32_t prog_types[PLAN_MAX_HOOKS + 1];
	char names[PLAN_MAX_HOOKS + 1][PIN_NAME_LEN];
	uint64_t dropped_base;
	struct runs_missed missed_base;
	/* each CPU's kill count when adopted (bpf/oomreap.bpf.c, next_kill_seq()) */
	uint64_t *kills_at_adopt;
	int ncpus;
};


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
static void at(const struct pin_dir *pd, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d/%s", pd->fd, name);
}

static bool our_name(const char *n)
{
	return !strcmp(n, "identity") || !strcmp(n, "state") || !strncmp(n, "map_", 4) ||
	       !strncmp(n, "link_", 5) || !strncmp(n, "prog_", 5);
}

/* bpffs refuses '.' in names: ".bss" and the like become "_bss". */
static void pin_name(char *buf, size_t len, const char *prefix, const char *name)
{
	size_t i, n = (size_t)snprintf(buf, len, "%s%s", prefix, name);

	for (i = 0; i < n && i < len; i++)
		if (buf[i] == '.' || buf[i] == '/')
			buf[i] = '_';
}

static int obj_get(const struct pin_dir *pd, const char *name)
{
	char path[PIN_NAME_LEN + 64];

	at(pd, name, path, sizeof(path));
	return bpf_obj_get(path);
}

static int map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

/* The identity, when DIR has one that is an array of one entry; -ENOENT none. */
static int read_identity(const struct pin_dir *pd, struct pin_identity *id, char *why,
			 size_t whylen)
{
	struct bpf_map_info info;
	char *buf;
	int fd = obj_get(pd, "identity"), err;

	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	err = map_info(fd, &info);
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
	err = read_identity(pd, &id, idwhy, sizeof(idwhy));
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

/* One entry of the state map: the header (entry 0) or an incident. */
#define STATE_ENTRY ((sizeof(struct oomreap_incident) + 7) & ~(size_t)7)

static void *state_entry(const struct pin_dir *pd, uint32_t i)
{
	return (char *)pd->state + (size_t)i * STATE_ENTRY;
}

/*
 * The state is read and written through a mapping made now, while the
 * process may still use bpf(2): after the privilege drop, kernels before
 * 6.5 refuse every bpf(2) command to a process without CAP_BPF, and the
 * save at SIGTERM comes after it.
 */
static int map_state(struct pin_dir *pd)
{
	long page = sysconf(_SC_PAGESIZE);

	pd->state_len = (STATE_ENTRY * (1 + PIN_STATE_MAX) + (size_t)page - 1) &
			~((size_t)page - 1);
	pd->state = mmap(NULL, pd->state_len, PROT_READ | PROT_WRITE, MAP_SHARED, pd->state_fd, 0);
	if (pd->state == MAP_FAILED) {
		pd->state = NULL;
		return -errno;
	}
	return 0;
}

static void write_hdr(struct pin_dir *pd, const struct pin_state_hdr *hdr)
{
	memcpy(state_entry(pd, 0), hdr, sizeof(*hdr));
}

/* A map of the state's shape, created and pinned by the process that loads the set. */
static int create_state(struct pin_dir *pd)
{
	struct pin_state_hdr hdr = { .magic = STATE_MAGIC, .version = STATE_VERSION,
				     .incident_size = sizeof(struct oomreap_incident),
				     .mark = STATE_RUNNING, .pid = (uint32_t)getpid() };
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	char path[PIN_NAME_LEN + 64];
	int err;

	pd->state_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "oomreap_state", 4,
				      sizeof(struct oomreap_incident), 1 + PIN_STATE_MAX, &opts);
	if (pd->state_fd < 0)
		return -errno;
	err = map_state(pd);
	if (!err)
		write_hdr(pd, &hdr);
	at(pd, "state", path, sizeof(path));
	if (!err && bpf_obj_pin(pd->state_fd, path))
		err = -errno;
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
		at(pd, name, path, sizeof(path));
		what = name;
		err = bpf_link__pin(tr->links[i], path);
		/*
		 * The program too: the next process reads its run counts from
		 * it, and a program's fd by id (from the link) needs
		 * CAP_SYS_ADMIN, which the systemd unit does not grant.
		 */
		if (!err) {
			pin_name(name, sizeof(name), "prog_", prog);
			at(pd, name, path, sizeof(path));
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
		at(pd, name, path, sizeof(path));
		what = name;
		err = bpf_obj_pin(bpf_map__fd(map), path) ? -errno : 0;
	}
	if (!err) {
		what = "state";
		err = create_state(pd);
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
		at(pd, "identity", path, sizeof(path));
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

/* The BPF side's kill sequence: the CPU in the low bits, its count above. */
#define KILL_SEQ_CPU_BITS 12

bool pin__stamped_before(const struct pin_dir *pd, uint64_t seq)
{
	const struct pin_adopted *a = pd->adopted;
	uint64_t cpu = seq & ((1u << KILL_SEQ_CPU_BITS) - 1);

	/* its count is within what that CPU had counted then */
	return a && seq && cpu < (uint64_t)a->ncpus &&
	       (seq >> KILL_SEQ_CPU_BITS) <= a->kills_at_adopt[cpu];
}

/* Each CPU's kill count now, from the pinned kill_count map; 0 or -errno. */
static int read_kill_counts(struct pin_adopted *a, const struct pin_dir *pd)
{
	int fd = obj_get(pd, "map_kill_count"), n = libbpf_num_possible_cpus(), err = 0;

	if (fd < 0)
		return -errno;
	if (n <= 0) {
		close(fd);
		return n ? n : -EINVAL;
	}
	a->kills_at_adopt = calloc((size_t)n, sizeof(uint64_t));
	if (!a->kills_at_adopt)
		err = -ENOMEM;
	else if (bpf_map_lookup_elem(fd, &(__u32){ 0 }, a->kills_at_adopt))
		err = -errno;
	else
		a->ncpus = n;
	close(fd);
	return err;
}

static int adopt_link(struct pin_adopted *a, const struct pin_dir *pd, const char *prog)
{
	struct bpf_link_info li;
	struct bpf_prog_info pi;
	char name[PIN_NAME_LEN + 8];
	__u32 len = sizeof(li);
	int n = a->nprogs;

	pin_name(name, sizeof(name), "link_", prog);
	a->link_fds[n] = obj_get(pd, name);
	if (a->link_fds[n] < 0)
		return -errno;
	memset(&li, 0, sizeof(li));
	if (bpf_obj_get_info_by_fd(a->link_fds[n], &li, &len))
		return -errno;
	pin_name(name, sizeof(name), "prog_", prog);
	a->prog_fds[n] = obj_get(pd, name);
	if (a->prog_fds[n] < 0)
		return -errno;
	memset(&pi, 0, sizeof(pi));
	len = sizeof(pi);
	if (bpf_obj_get_info_by_fd(a->prog_fds[n], &pi, &len))
		return -errno;
	/* the program the link runs, not another of the same name */
	if (pi.id != li.prog_id)
		return -ESTALE;
	a->prog_types[n] = pi.type;
	snprintf(a->names[n], sizeof(a->names[n]), "%s", prog);
	a->nprogs++;
	return 0;
}

int pin__adopt(struct pin_dir *pd, struct tracer *tr, char *why, size_t whylen)
{
	struct pin_adopted *a = calloc(1, sizeof(*a));
	struct bpf_map_info info;
	struct pin_identity id;
	char idwhy[96];
	const char *what = "identity";
	uint32_t i;
	int err;

	memset(tr, 0, sizeof(*tr));
	if (!a)
		return -ENOMEM;
	a->events_fd = a->bss_fd = -1;
	for (i = 0; i <= PLAN_MAX_HOOKS; i++)
		a->link_fds[i] = a->prog_fds[i] = -1;
	err = read_identity(pd, &id, idwhy, sizeof(idwhy));
	if (!err) {
		what = "map_events";
		a->events_fd = obj_get(pd, "map_events");
		err = a->events_fd < 0 ? -errno : map_info(a->events_fd, &info);
		if (!err && info.type != BPF_MAP_TYPE_RINGBUF)
			err = -EINVAL;
	}
	if (!err) {
		what = "map_bss";
		a->bss_fd = obj_get(pd, "map_bss");
		err = a->bss_fd < 0 ? -errno : map_info(a->bss_fd, &info);
		if (!err && (info.value_size < sizeof(*a->bss) || !(info.map_flags & BPF_F_MMAPABLE)))
			err = -EINVAL;
	}
	if (!err) {
		long page = sysconf(_SC_PAGESIZE);

		a->bss_len = ((size_t)info.value_size + (size_t)page - 1) & ~((size_t)page - 1);
		a->bss = mmap(NULL, a->bss_len, PROT_READ | PROT_WRITE, MAP_SHARED, a->bss_fd, 0);
		if (a->bss == MAP_FAILED) {
			a->bss = NULL;
			err = -errno;
		}
	}
	if (!err) {
		what = "state";
		pd->state_fd = obj_get(pd, "state");
		err = pd->state_fd < 0 ? -errno : map_info(pd->state_fd, &info);
		if (!err && (info.type != BPF_MAP_TYPE_ARRAY ||
			     info.value_size != sizeof(struct oomreap_incident) ||
			     info.max_entries != 1 + PIN_STATE_MAX ||
			     !(info.map_flags & BPF_F_MMAPABLE)))
			err = -EINVAL;
		if (!err)
			err = map_state(pd);
	}
	if (!err) {
		what = "map_kill_count";
		err = read_kill_counts(a, pd);
	}
	for (i = 0; !err && i < id.nlinks && i <= PLAN_MAX_HOOKS; i++) {
		id.links[i].program[PIN_NAME_LEN - 1] = 0;
		id.links[i].hook[PLAN_HOOK_LEN - 1] = 0;
		what = id.links[i].program;
		err = adopt_link(a, pd, id.links[i].program);
	}
	if (err) {
		snprintf(why, whylen, "%s: cannot adopt %s: %s", pd->path, what, strerror(-err));
		pin__adopted_free(a);
		return err;
	}
	/* the plan, as the process that attached said it */
	tr->plan.rung = (enum rung)id.rung;
	for (i = 0; i < id.nlinks && i <= PLAN_MAX_HOOKS; i++) {
		if (!id.links[i].hook[0] || tr->plan.nhooks >= PLAN_MAX_HOOKS)
			continue; /* blocker attribution: said by plan.blockers */
		tr->plan.hooks[tr->plan.nhooks].program = a->names[i];
		memcpy(tr->plan.hooks[tr->plan.nhooks].hook, id.links[i].hook, PLAN_HOOK_LEN);
		tr->plan.nhooks++;
	}
	tr->plan.blockers = id.blockers_on;
	id.blockers_why[sizeof(id.blockers_why) - 1] = 0;
	snprintf(tr->plan.blockers_why, sizeof(tr->plan.blockers_why), "%s", id.blockers_why);
	tr->adopted = a;
	pd->adopted = a;
	return 0;
}

uint64_t pin__adopted_dropped(const struct pin_adopted *a)
{
	uint64_t n = a->bss->dropped_events + a->bss->blocker_dropped;

	return n > a->dropped_base ? n - a->dropped_base : 0;
}

static uint64_t missed_base(const struct pin_adopted *a, const char *name)
{
	uint32_t i;

	for (i = 0; i < a->missed_base.n && i < MISSED_MAX_PROGRAMS; i++)
		if (!strncmp(a->missed_base.p[i].name, name, MISSED_NAME_LEN))
			return a->missed_base.p[i].runs;
	return 0;
}

/* The kernel's struct bpf_link_info for a perf-event kprobe, up to missed (6.7 uapi). */
struct pin_link_kprobe {
	__u32 type, id, prog_id, pad, perf_event_type, pad2;
	__u64 func_name;
	__u32 name_len, offset;
	__u64 addr, missed;
};

void pin__adopted_missed(const struct pin_adopted *a, bool kprobe_counted, struct runs_missed *out)
{
	int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < a->nprogs; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		uint64_t runs, base;
		bool known;

		memset(&info, 0, sizeof(info));
		known = !bpf_obj_get_info_by_fd(a->prog_fds[i], &info, &len) &&
			len >= offsetof(struct bpf_prog_info, recursion_misses) +
				       sizeof(info.recursion_misses);
		runs = known ? info.recursion_misses : 0;
		if (known && a->prog_types[i] == BPF_PROG_TYPE_KPROBE) {
			known = kprobe_counted;
			struct pin_link_kprobe li;

			len = sizeof(li);
			memset(&li, 0, sizeof(li));
			if (!bpf_obj_get_info_by_fd(a->link_fds[i], &li, &len) && li.type == 7 &&
			    (li.perf_event_type == 3 || li.perf_event_type == 4))
				runs += li.missed;
		}
		base = missed_base(a, a->names[i]);
		missed__set(out, a->names[i], runs > base ? runs - base : 0, known);
	}
}

int pin__adopted_events_fd(const struct pin_adopted *a)
{
	return a->events_fd;
}

void pin__adopted_set_rss_sum_table(struct pin_adopted *a, uint64_t addr)
{
	a->bss->per_cpu_offset_addr = addr;
}

void pin__adopted_print_tags(FILE *f, const struct pin_adopted *a)
{
	int i, j;

	for (i = 0; i < a->nprogs; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(a->prog_fds[i], &info, &len))
			continue;
		fprintf(f, "program tag:               %s ", a->names[i]);
		for (j = 0; j < BPF_TAG_SIZE; j++)
			fprintf(f, "%02x", info.tag[j]);
		fprintf(f, "\n");
	}
}

/* Closing the fds detaches nothing: the pins hold the links. */
void pin__adopted_free(struct pin_adopted *a)
{
	int i;

	if (!a)
		return;
	if (a->bss)
		munmap(a->bss, a->bss_len);
	free(a->kills_at_adopt);
	for (i = 0; i <= PLAN_MAX_HOOKS; i++) {
		if (a->link_fds[i] >= 0)
			close(a->link_fds[i]);
		if (a->prog_fds[i] >= 0)
			close(a->prog_fds[i]);
	}
	if (a->events_fd >= 0)
		close(a->events_fd);
	if (a->bss_fd >= 0)
		close(a->bss_fd);
	free(a);
}

/* A saved incident, before the tracker takes it: bounds a damaged state cannot break. */
static bool sane(struct oomreap_incident *inc)
{
	uint32_t i;

	if (!inc->in_use || inc->outcome != OUTCOME_OPEN || inc->timeline_len > TIMELINE_MAX ||
	    inc->nblockers > BLOCKER_SNAPSHOTS)
		return false;
	for (i = 0; i < inc->nblockers; i++)
		if (inc->blockers[i].ntasks > 1 + OOMREAP_MAX_WAITERS)
			return false;
	inc->comm[sizeof(inc->comm) - 1] = 0;
	inc->trigger_comm[sizeof(inc->trigger_comm) - 1] = 0;
	inc->cgroup_path[sizeof(inc->cgroup_path) - 1] = 0;
	inc->domain_cgroup_path[sizeof(inc->domain_cgroup_path) - 1] = 0;
	inc->oom_event.group_cgroup[sizeof(inc->oom_event.group_cgroup) - 1] = 0;
	return true;
}

bool pin__restore(struct pin_dir *pd, struct tracker *t)
{
	bool unsaved = false;
	struct oomreap_incident *e = calloc(1, sizeof(*e));
	struct pin_state_hdr hdr;
	uint32_t i, restored = 0, refused = 0;

	if (!e || !pd->state || !pd->adopted)
		goto out;
	memcpy(&hdr, state_entry(pd, 0), sizeof(hdr));
	if (memcmp(hdr.magic, STATE_MAGIC, sizeof(STATE_MAGIC)) || hdr.version != STATE_VERSION ||
	    hdr.incident_size != sizeof(*e)) {
		p_err("%s: the saved state is not this build's: incidents in flight, if any, "
		      "continue joined halfway", pd->path);
		memset(&hdr, 0, sizeof(hdr));
	} else if (hdr.mark == STATE_SAVED) {
		pd->adopted->dropped_base = hdr.dropped_seen;
		hdr.missed_seen.n = hdr.missed_seen.n > MISSED_MAX_PROGRAMS ? MISSED_MAX_PROGRAMS
									  : hdr.missed_seen.n;
		pd->adopted->missed_base = hdr.missed_seen;
		tracker__carry_set(t, &hdr.carry);
		for (i = 1; i <= hdr.count && i <= PIN_STATE_MAX; i++) {
			memcpy(e, state_entry(pd, i), sizeof(*e));
			if (!sane(e) || tracker__take_over(t, e))
				refused++;
			else
				restored++;
		}
		p_note("adopted the pinned set in %s: %u incident%s in flight restored%s", pd->path,
		       restored, restored == 1 ? "" : "s",
		       hdr.not_saved ? ", more closed as open by the previous process" : "");
		/* counted again as the reader first notes its losses: said here for the gap */
		if (pin__adopted_dropped(pd->adopted))
			p_err("%llu events lost while no process read them (ring buffer full)",
			      (unsigned long long)pin__adopted_dropped(pd->adopted));
		if (refused)
			p_err("%u saved incident%s could not be restored (damaged state)", refused,
			      refused == 1 ? "" : "s");
		if (hdr.not_saved)
			p_err("%u incident%s in flight were not saved (more than %u open): shown "
			      "open by the previous process, their rest joined halfway here",
			      hdr.not_saved, hdr.not_saved == 1 ? "" : "s", PIN_STATE_MAX);
	} else {
		/*
		 * The previous process died without saving (SIGKILL, a crash):
		 * what it had read of its open incidents is gone; their later
		 * events, queued here, open them again joined halfway, and the
		 * kernel log names them.  The BPF side's loss counters since
		 * the programs were loaded are all counted here: some may have
		 * been counted by that process too.
		 */
		p_note("adopted the pinned set in %s", pd->path);
		if (hdr.mark == STATE_RUNNING) {
			p_err("the previous process (pid %u) stopped without saving: its incidents "
			      "in flight continue joined halfway from the kernel log",
			      hdr.pid);
			unsaved = true;
		}
	}
out:
	if (pd->state) {
		struct pin_state_hdr run = { .magic = STATE_MAGIC, .version = STATE_VERSION,
					     .incident_size = sizeof(struct oomreap_incident),
					     .mark = STATE_RUNNING, .pid = (uint32_t)getpid() };

		write_hdr(pd, &run);
	}
	free(e);
	return unsaved;
}

struct save_ctx {
	struct pin_dir *pd;
	uint32_t n;
};

static bool save_one(const struct oomreap_incident *inc, void *arg)
{
	struct save_ctx *c = arg;

	if (c->n >= PIN_STATE_MAX)
		return false;
	memcpy(state_entry(c->pd, c->n + 1), inc, sizeof(*inc));
	c->n++;
	return true;
}

void pin__save(struct pin_dir *pd, struct tracker *t)
{
	const struct tracker_stats *st = tracker__stats(t);
	struct pin_state_hdr hdr = { .magic = STATE_MAGIC, .version = STATE_VERSION,
				     .incident_size = sizeof(struct oomreap_incident),
				     .mark = STATE_SAVED, .pid = (uint32_t)getpid() };
	struct save_ctx c = { .pd = pd };
	uint32_t left;

	if (!pd->state)
		return;
	tracker__carry_get(t, &hdr.carry);
	tracker__hand_over(t, save_one, &c);
	left = tracker__open_count(t);
	hdr.count = c.n;
	hdr.not_saved = left;
	hdr.saved_ns = timefmt__mono_now();
	/* raw kernel totals: what the next process subtracts (the base plus what we saw) */
	hdr.dropped_seen = st->lost_events + (pd->adopted ? pd->adopted->dropped_base : 0);
	hdr.missed_seen = st->missed;
	if (pd->adopted)
		for (uint32_t i = 0; i < hdr.missed_seen.n && i < MISSED_MAX_PROGRAMS; i++)
			hdr.missed_seen.p[i].runs +=
				missed_base(pd->adopted, hdr.missed_seen.p[i].name);
	/* the header last: a process killed before this line saved nothing */
	write_hdr(pd, &hdr);
	p_note("%u incident%s in flight saved in %s for the next start%s", c.n,
	       c.n == 1 ? "" : "s", pd->path, left ? "; the rest close as open" : "");
}
