/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Container and pod attribution from a victim's memory cgroup path.  Pure
 * string parsing: no /proc, no runtime API, so it works in replay and on
 * paths from another machine.
 *
 * Shapes understood (cgroup v1 and v2 alike; the path is relative to the
 * controller's mount):
 *   cgroupfs driver   /docker/<id>
 *                     /kubepods/<qos>/pod<uid>/<id>       (containerd, docker)
 *                     /kubepods/pod<uid>/crio-<id>        (guaranteed, cri-o)
 *                     /libpod_parent/libpod-<id>          (podman)
 *   systemd driver    /system.slice/docker-<id>.scope
 *                     /kubepods.slice/kubepods-<qos>.slice/
 *                       kubepods-<qos>-pod<uid_with_underscores>.slice/
 *                       {cri-containerd,crio,docker}-<id>.scope
 *                     /machine.slice/libpod-<id>.scope    (podman)
 * <id> is 64 lowercase hex digits; <uid> a UUID, or the 32-hex config hash
 * the kubelet gives static pods.  Monitor scopes (crio-conmon-, libpod-
 * conmon-) are not containers.  When containers nest (docker in docker),
 * the innermost one wins.
 */
#ifndef OOMREAP_CONTAINER_H
#define OOMREAP_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

#define CONTAINER_ID_LEN 64
#define POD_UID_LEN 36

enum container_runtime {
	RUNTIME_NONE = 0,
	RUNTIME_UNKNOWN,    /* a bare container id: kubelet cgroupfs, containerd */
	RUNTIME_DOCKER,
	RUNTIME_CONTAINERD,
	RUNTIME_CRIO,
	RUNTIME_PODMAN,
};

enum pod_qos {
	QOS_NONE = 0,       /* not a Kubernetes pod */
	QOS_GUARANTEED,
	QOS_BURSTABLE,
	QOS_BESTEFFORT,
};

struct container_info {
	enum container_runtime runtime;
	enum pod_qos qos;
	char id[CONTAINER_ID_LEN + 1];   /* "" when no container */
	char pod_uid[POD_UID_LEN + 1];   /* "" when no pod; dashes, lowercase */
};

/*
 * Parse a cgroup path (at most maxlen bytes are read).  Returns true when
 * a container or a pod was found; ci is always filled.
 */
bool container__parse(const char *path, size_t maxlen, struct container_info *ci);
const char *container__runtime_name(enum container_runtime r);
const char *pod_qos__name(enum pod_qos q);

#endif /* OOMREAP_CONTAINER_H */
