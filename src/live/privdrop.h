/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Least privilege.  CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN) are needed to
 * load and attach, and for nothing after: the ring buffer and the .bss drop
 * counter are memory mappings of fds we already hold, and every output file
 * is open.  So once attached the tool gives up every capability, for good
 * (bounding set included), and can also become an unprivileged user.
 * What it keeps are the fds: BPF maps/links and open files.
 */
#ifndef OOMREAP_PRIVDROP_H
#define OOMREAP_PRIVDROP_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Loading and attaching needs CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN.
 * Returns 0, or EXIT_PRIVILEGE after saying what is missing.
 */
int privdrop__check(void);

struct privdrop_target {
	bool switch_user;   /* false: stay this uid/gid, only lose capabilities */
	uid_t uid;
	gid_t gid;
	char name[64];      /* for messages */
};

/*
 * USER as numbers: "UID" (the gid is then UID too) or "UID:GID", decimal.
 * Returns 0 with *uid and *gid set, 1 when USER is a name (no ':', not all
 * digits), -EINVAL when it is neither (an id out of range, "1:", "a:b").
 */
int privdrop__parse_ids(const char *user, uid_t *uid, gid_t *gid);
/*
 * Resolve USER before anything is attached, so a typo fails fast: numbers
 * as privdrop__parse_ids() reads them, without any lookup; a name through
 * the passwd database (NSS), its primary group becoming the gid.  No
 * supplementary groups are kept.  Returns 0, -ENOENT (no such user) or
 * -errno.
 */
int privdrop__lookup(const char *user, struct privdrop_target *t);
/*
 * Drop: bounding and ambient sets emptied, uid/gid switched if asked,
 * permitted/effective/inheritable cleared, no_new_privs and non-dumpable
 * set; then verified (capget reads all zero, setuid(0) fails).  Irreversible.
 * Returns 0 or -errno; *what names the step that failed.
 */
int privdrop__drop(const struct privdrop_target *t, const char **what);
/* Open /proc/kallsyms while we may still see its addresses (see .c). */
int privdrop__open_kallsyms(void);

#endif /* OOMREAP_PRIVDROP_H */
