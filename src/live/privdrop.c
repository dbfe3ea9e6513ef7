// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "io/errors.h"
#include "live/privdrop.h"

/* Older libc headers: these have been in the kernel since 4.3 / 3.5. */
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef PR_SET_NO_NEW_PRIVS
#define PR_SET_NO_NEW_PRIVS 38
#endif

/* One decimal id: no sign, no blank, below (uid_t)-1 (which means "unchanged"). */
static int parse_id(const char *s, size_t n, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (!n || n > 10)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v >= (unsigned long)(uid_t)-1)
		return -EINVAL;
	*out = v;
	return 0;
}

int privdrop__parse_ids(const char *user, uid_t *uid, gid_t *gid)
{
	const char *colon = strchr(user, ':');
	size_t n = colon ? (size_t)(colon - user) : strlen(user);
	unsigned long u, g;
	size_t i;

	for (i = 0; i < n; i++)
		if (user[i] < '0' || user[i] > '9')
			return colon ? -EINVAL : 1;   /* "a:b" is nothing; "abc" a name */
	if (parse_id(user, n, &u))
		return -EINVAL;
	if (colon && parse_id(colon + 1, strlen(colon + 1), &g))
		return -EINVAL;
	*uid = (uid_t)u;
	*gid = colon ? (gid_t)g : (gid_t)u;
	return 0;
}

int privdrop__lookup(const char *user, struct privdrop_target *t)
{
	struct passwd *pw;
	int err;

	memset(t, 0, sizeof(*t));
	/*
	 * Numbers are taken as they are, without NSS: the static build in a
	 * container image FROM scratch has no passwd database, and glibc
	 * cannot load NSS modules into a static binary anyway.
	 */
	err = privdrop__parse_ids(user, &t->uid, &t->gid);
	if (err < 0)
		return err;
	if (err > 0) {
		/* errno says little here (glibc leaves ENOENT from a missing nscd socket) */
		pw = getpwnam(user);
		if (!pw)
			return -ENOENT;
		t->uid = pw->pw_uid;
		t->gid = pw->pw_gid;
	}
	t->switch_user = true;
	snprintf(t->name, sizeof(t->name), "%s", user);
	return 0;
}

static int last_cap(void)
{
	char buf[16] = "";
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 63; /* PR_CAPBSET_DROP says EINVAL past the last one */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : 63;
}

static int capget_all(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };

	memset(data, 0, 2 * sizeof(*data));
	return syscall(SYS_capget, &hdr, data) ? -errno : 0;
}

static bool has_cap(const struct __user_cap_data_struct data[2], int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

/* Is cap in our effective set right now? */
static bool have_cap(int cap)
{
	struct __user_cap_data_struct data[2];

	return !capget_all(data) && has_cap(data, cap);
}

int privdrop__check(void)
{
	struct __user_cap_data_struct data[2];
	int err = capget_all(data);

	if (err) {
		p_err("cannot read own capabilities: %s", strerror(-err));
		return EXIT_PRIVILEGE;
	}
	if (has_cap(data, CAP_SYS_ADMIN) || (has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON)))
		return 0;
	p_err("missing capabilities CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN): run as root");
	return EXIT_PRIVILEGE;
}

int privdrop__drop(const struct privdrop_target *t, const char **what)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};
	int cap, last = last_cap(), err;

	/*
	 * Bounding set first: emptying it needs CAP_SETPCAP, which goes away
	 * with the rest below.  Without CAP_SETPCAP (started with only
	 * CAP_BPF + CAP_PERFMON, e.g. as a systemd service with ambient
	 * capabilities) it stays as given; no_new_privs then still keeps an
	 * exec from gaining anything beyond what we hold, which is nothing.
	 */
	*what = "empty the capability bounding set";
	if (have_cap(CAP_SETPCAP)) {
		for (cap = 0; cap <= last; cap++) {
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
				return -errno;
		}
	}
	*what = "clear the ambient capability set";
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -errno;

	if (t->switch_user) {
		/* Groups before uid: afterwards we may no longer change them. */
		*what = "drop supplementary groups";
		if (setgroups(1, &t->gid))
			return -errno;
		*what = "switch group";
		if (setresgid(t->gid, t->gid, t->gid))
			return -errno;
		*what = "switch user";
		if (setresuid(t->uid, t->uid, t->uid))
			return -errno;
	}

	/*
	 * setresuid() to a non-zero uid already cleared permitted/effective
	 * (no SECBIT_KEEP_CAPS); staying root it did not.  Clear all three
	 * sets either way.
	 */
	*what = "clear capabilities";
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	*what = "set no_new_privs";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	/*
	 * Not dumpable: another process of the same uid (as "nobody" there
	 * may be many) must not ptrace us or open /proc/<pid>/fd/N to get
	 * our BPF map and link fds.
	 */
	*what = "set non-dumpable";
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		return -errno;

	/* Trust, but verify (as OpenSSH does after its own drop). */
	*what = "verify the drop";
	err = capget_all(data);
	if (err)
		return err;
	if (data[0].effective | data[0].permitted | data[0].inheritable | data[1].effective |
	    data[1].permitted | data[1].inheritable)
		return -EPERM;
	if (t->switch_user && t->uid != 0 && (setuid(0) == 0 || geteuid() != t->uid))
		return -EPERM;
	*what = NULL;
	return 0;
}

/*
 * /proc/kallsyms decides whether to show addresses at open() time, from
 * the opener's credentials (kallsyms_open() caches kallsyms_show_value()).
 * Opened now, before the drop, one fd read later still shows them, while a
 * fresh open after the drop would read all zeros (perf_event_paranoid > 1
 * and no CAP_SYSLOG).  Returns the fd or -errno.
 */
int privdrop__open_kallsyms(void)
{
	int fd = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}
