// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>

#include "core/container.h"

/* One path component: not NUL-terminated. */
struct comp {
	const char *s;
	size_t n;
};

static bool is_lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool comp_eq(struct comp c, const char *lit)
{
	return c.n == strlen(lit) && !memcmp(c.s, lit, c.n);
}

static bool comp_strip_prefix(struct comp *c, const char *prefix)
{
	size_t n = strlen(prefix);

	if (c->n < n || memcmp(c->s, prefix, n))
		return false;
	c->s += n;
	c->n -= n;
	return true;
}

static bool comp_strip_suffix(struct comp *c, const char *suffix)
{
	size_t n = strlen(suffix);

	if (c->n < n || memcmp(c->s + c->n - n, suffix, n))
		return false;
	c->n -= n;
	return true;
}

/*
 * A pod UID as the kubelet writes it into cgroup names: a UUID (systemd
 * slices spell its dashes as underscores, '-' being the slice separator),
 * or the 32-hex hash of a static pod's manifest.  Normalised to dashes.
 */
static bool parse_pod_uid(struct comp c, char out[POD_UID_LEN + 1])
{
	char uid[POD_UID_LEN + 1];
	size_t i;

	if (c.n == 32) {
		if (!is_lower_hex(c.s, c.n))
			return false;
		memcpy(out, c.s, c.n);
		out[c.n] = 0;
		return true;
	}
	if (c.n != 36)
		return false;
	for (i = 0; i < 36; i++) {
		char ch = c.s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (ch != '-' && ch != '_')
				return false;
			uid[i] = '-';
		} else if (is_lower_hex(&ch, 1)) {
			uid[i] = ch;
		} else {
			return false;
		}
	}
	uid[36] = 0;
	memcpy(out, uid, sizeof(uid));
	return true;
}

static enum pod_qos qos_from(struct comp c)
{
	if (comp_eq(c, "burstable"))
		return QOS_BURSTABLE;
	if (comp_eq(c, "besteffort"))
		return QOS_BESTEFFORT;
	return QOS_NONE;
}

/*
 * systemd driver: "<prefix>kubepods[-<qos>]-pod<uid>.slice"; the prefix is
 * empty on plain kubelets and "kubelet-" on kind and similar nested nodes.
 */
static bool parse_pod_slice(struct comp c, struct container_info *ci)
{
	struct comp last, prev = { NULL, 0 };
	const char *dash;
	size_t i;

	if (!comp_strip_suffix(&c, ".slice"))
		return false;
	for (dash = NULL, i = 0; i < c.n; i++)
		if (c.s[i] == '-')
			dash = c.s + i;
	if (!dash)
		return false;
	last.s = dash + 1;
	last.n = (size_t)(c.s + c.n - last.s);
	if (!comp_strip_prefix(&last, "pod") || !parse_pod_uid(last, ci->pod_uid))
		return false;
	/* the segment before "pod...": a QoS class, or "kubepods" itself */
	for (i = (size_t)(dash - c.s); i > 0 && c.s[i - 1] != '-'; i--)
		;
	prev.s = c.s + i;
	prev.n = (size_t)(dash - prev.s);
	ci->qos = qos_from(prev);
	if (ci->qos == QOS_NONE)
		ci->qos = QOS_GUARANTEED;
	return true;
}

/* A container scope or directory; the innermost match wins. */
static bool parse_container(struct comp c, struct comp parent, struct container_info *ci)
{
	static const struct {
		const char *prefix;
		enum container_runtime runtime;
	} kinds[] = {
		{ "docker-", RUNTIME_DOCKER },
		{ "cri-containerd-", RUNTIME_CONTAINERD },
		{ "crio-", RUNTIME_CRIO },
		{ "libpod-", RUNTIME_PODMAN },
		{ "nerdctl-", RUNTIME_CONTAINERD },
	};
	enum container_runtime rt = RUNTIME_NONE;
	size_t k;

	comp_strip_suffix(&c, ".scope");
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		if (comp_strip_prefix(&c, kinds[k].prefix)) {
			rt = kinds[k].runtime;
			break;
		}
	}
	/* "crio-conmon-<id>" and "libpod-conmon-<id>" fail here: not hex */
	if (c.n != CONTAINER_ID_LEN || !is_lower_hex(c.s, c.n))
		return false;
	if (rt == RUNTIME_NONE)
		rt = comp_eq(parent, "docker") ? RUNTIME_DOCKER : RUNTIME_UNKNOWN;
	ci->runtime = rt;
	memcpy(ci->id, c.s, c.n);
	ci->id[c.n] = 0;
	return true;
}

bool container__parse(const char *path, size_t maxlen, struct container_info *ci)
{
	size_t len = strnlen(path, maxlen), i = 0;
	struct comp parent = { "", 0 };
	bool under_kubepods = false;
	enum pod_qos cgroupfs_qos = QOS_NONE;

	memset(ci, 0, sizeof(*ci));
	while (i < len) {
		struct comp c;

		while (i < len && path[i] == '/')
			i++;
		if (i >= len)
			break;
		c.s = path + i;
		while (i < len && path[i] != '/')
			i++;
		c.n = (size_t)(path + i - c.s);

		if (comp_eq(c, "kubepods") || comp_eq(c, "kubepods.slice") ||
		    comp_eq(c, "kubelet-kubepods.slice")) {
			under_kubepods = true;
		} else if (under_kubepods && !ci->pod_uid[0]) {
			struct comp p = c;

			if (cgroupfs_qos == QOS_NONE && qos_from(c) != QOS_NONE) {
				cgroupfs_qos = qos_from(c);
			} else if (comp_strip_prefix(&p, "pod") && parse_pod_uid(p, ci->pod_uid)) {
				ci->qos = cgroupfs_qos == QOS_NONE ? QOS_GUARANTEED : cgroupfs_qos;
			} else if (!parse_pod_slice(c, ci)) {
				parse_container(c, parent, ci);
			}
		} else {
			parse_container(c, parent, ci);
		}
		parent = c;
	}
	return ci->id[0] || ci->pod_uid[0];
}

const char *container__runtime_name(enum container_runtime r)
{
	switch (r) {
	case RUNTIME_UNKNOWN:
		return "unknown";
	case RUNTIME_DOCKER:
		return "docker";
	case RUNTIME_CONTAINERD:
		return "containerd";
	case RUNTIME_CRIO:
		return "cri-o";
	case RUNTIME_PODMAN:
		return "podman";
	default:
		return "none";
	}
}

const char *pod_qos__name(enum pod_qos q)
{
	switch (q) {
	case QOS_GUARANTEED:
		return "guaranteed";
	case QOS_BURSTABLE:
		return "burstable";
	case QOS_BESTEFFORT:
		return "besteffort";
	default:
		return "none";
	}
}
