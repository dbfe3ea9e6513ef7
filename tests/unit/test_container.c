// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * container__parse() on cgroup path shapes as runtimes and kubelets write
 * them (cgroupfs and systemd drivers; docker, containerd, cri-o, podman),
 * table-driven, plus the shapes that must not be mistaken for containers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/container.h"

#define ID1 "4b3f0c2d9a8e7f6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b"
#define ID2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "0f8e8b4e-4f6a-4c8b-9a7f-2b0e4b8d3c21"
#define UID_ "0f8e8b4e_4f6a_4c8b_9a7f_2b0e4b8d3c21"
#define STATIC_UID "6b4f2b1d0e8a4f3c9d7e5a1b2c3d4e5f"

struct shape {
	const char *what;
	const char *path;
	bool found;
	enum container_runtime runtime;
	const char *id;
	const char *pod_uid;
	enum pod_qos qos;
};

static const struct shape shapes[] = {
	/* plain runtimes */
	{ "docker, cgroupfs", "/docker/" ID1, true, RUNTIME_DOCKER, ID1, "", QOS_NONE },
	{ "docker, systemd", "/system.slice/docker-" ID1 ".scope", true, RUNTIME_DOCKER, ID1, "",
	  QOS_NONE },
	{ "docker in docker: innermost", "/docker/" ID1 "/docker/" ID2, true, RUNTIME_DOCKER, ID2,
	  "", QOS_NONE },
	{ "containerd namespace, cgroupfs", "/default/" ID1, true, RUNTIME_UNKNOWN, ID1, "",
	  QOS_NONE },
	{ "nerdctl, systemd", "/system.slice/nerdctl-" ID1 ".scope", true, RUNTIME_CONTAINERD, ID1,
	  "", QOS_NONE },
	{ "podman, systemd", "/machine.slice/libpod-" ID1 ".scope", true, RUNTIME_PODMAN, ID1, "",
	  QOS_NONE },
	{ "podman, cgroupfs", "/libpod_parent/libpod-" ID1, true, RUNTIME_PODMAN, ID1, "",
	  QOS_NONE },
	{ "podman conmon is not the container", "/machine.slice/libpod-conmon-" ID1 ".scope", false,
	  RUNTIME_NONE, "", "", QOS_NONE },
	/* as this project's podman/runc on cgroup v1 makes them (tests/deploy) */
	{ "podman cgroupfs conmon is not the container", "/libpod_parent/conmon", false,
	  RUNTIME_NONE, "", "", QOS_NONE },
	{ "podman cgroupfs custom parent", "/oomreap-deploy/libpod-" ID2, true, RUNTIME_PODMAN,
	  ID2, "", QOS_NONE },

	/* Kubernetes, cgroupfs driver */
	{ "k8s cgroupfs burstable (containerd)", "/kubepods/burstable/pod" UID "/" ID1, true,
	  RUNTIME_UNKNOWN, ID1, UID, QOS_BURSTABLE },
	{ "k8s cgroupfs besteffort cri-o", "/kubepods/besteffort/pod" UID "/crio-" ID1, true,
	  RUNTIME_CRIO, ID1, UID, QOS_BESTEFFORT },
	{ "k8s cgroupfs guaranteed", "/kubepods/pod" UID "/" ID1, true, RUNTIME_UNKNOWN, ID1, UID,
	  QOS_GUARANTEED },
	{ "k8s cgroupfs pod level only", "/kubepods/burstable/pod" UID, true, RUNTIME_NONE, "", UID,
	  QOS_BURSTABLE },
	{ "k8s cgroupfs static pod", "/kubepods/burstable/pod" STATIC_UID "/" ID1, true,
	  RUNTIME_UNKNOWN, ID1, STATIC_UID, QOS_BURSTABLE },
	{ "kind cgroupfs under /kubelet", "/kubelet/kubepods/besteffort/pod" UID "/" ID2, true,
	  RUNTIME_UNKNOWN, ID2, UID, QOS_BESTEFFORT },

	/* Kubernetes, systemd driver */
	{ "k8s systemd containerd besteffort",
	  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/cri-containerd-" ID1 ".scope",
	  true, RUNTIME_CONTAINERD, ID1, UID, QOS_BESTEFFORT },
	{ "k8s systemd cri-o guaranteed",
	  "/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" ID1 ".scope", true, RUNTIME_CRIO, ID1,
	  UID, QOS_GUARANTEED },
	{ "k8s systemd cri-o, nested container dir",
	  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/crio-" ID1
	  ".scope/container",
	  true, RUNTIME_CRIO, ID1, UID, QOS_BURSTABLE },
	{ "k8s systemd cri-o conmon: pod, no container",
	  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/crio-conmon-" ID1 ".scope",
	  true, RUNTIME_NONE, "", UID, QOS_BURSTABLE },
	{ "k8s systemd dockershim",
	  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/docker-" ID2
	  ".scope",
	  true, RUNTIME_DOCKER, ID2, UID, QOS_BURSTABLE },
	{ "kind systemd",
	  "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
	  "kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" ID1 ".scope",
	  true, RUNTIME_CONTAINERD, ID1, UID, QOS_BESTEFFORT },

	/* not containers */
	{ "root", "/", false, RUNTIME_NONE, "", "", QOS_NONE },
	{ "empty", "", false, RUNTIME_NONE, "", "", QOS_NONE },
	{ "a service", "/system.slice/sshd.service", false, RUNTIME_NONE, "", "", QOS_NONE },
	{ "a login session", "/user.slice/user-1000.slice/session-2.scope", false, RUNTIME_NONE, "",
	  "", QOS_NONE },
	{ "pod-like name outside kubepods", "/pod" UID "/x", false, RUNTIME_NONE, "", "", QOS_NONE },
	{ "63 hex digits", "/docker/" "123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	  false, RUNTIME_NONE, "", "", QOS_NONE },
	{ "upper-case hex", "/docker/4B3F0C2D9A8E7F6B5C4D3E2F1A0B9C8D7E6F5A4B3C2D1E0F9A8B7C6D5E4F3A2B",
	  false, RUNTIME_NONE, "", "", QOS_NONE },
	{ "bad pod uid", "/kubepods/burstable/pod0f8e8b4e-4f6a-4c8b-9a7f-2b0e4b8d3cXX/" ID1, true,
	  RUNTIME_UNKNOWN, ID1, "", QOS_NONE },
	{ "hostile name", "/oomreap-\"q\\b}\n{x", false, RUNTIME_NONE, "", "", QOS_NONE },
};

static void test_shapes(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *t = &shapes[i];
		struct container_info ci;
		bool found;

		memset(&ci, 0xa5, sizeof(ci));
		found = container__parse(t->path, 4096, &ci);
		print_message("  %s\n", t->what);
		assert_int_equal(found, t->found);
		assert_int_equal(ci.runtime, t->runtime);
		assert_string_equal(ci.id, t->id);
		assert_string_equal(ci.pod_uid, t->pod_uid);
		assert_int_equal(ci.qos, t->qos);
	}
}

/* The tracker's path buffer may be full and unterminated: honour maxlen. */
static void test_maxlen(void **state)
{
	char buf[8 + 64];
	struct container_info ci;

	memcpy(buf, "/docker/", 8);
	memcpy(buf + 8, ID1, 64);  /* no NUL anywhere */
	assert_true(container__parse(buf, sizeof(buf), &ci));
	assert_string_equal(ci.id, ID1);
	/* a truncated id is no id */
	assert_false(container__parse(buf, sizeof(buf) - 1, &ci));
	assert_string_equal(ci.id, "");
}

static void test_names(void **state)
{
	assert_string_equal(container__runtime_name(RUNTIME_DOCKER), "docker");
	assert_string_equal(container__runtime_name(RUNTIME_CONTAINERD), "containerd");
	assert_string_equal(container__runtime_name(RUNTIME_CRIO), "cri-o");
	assert_string_equal(container__runtime_name(RUNTIME_PODMAN), "podman");
	assert_string_equal(container__runtime_name(RUNTIME_UNKNOWN), "unknown");
	assert_string_equal(container__runtime_name((enum container_runtime)99), "none");
	assert_string_equal(pod_qos__name(QOS_GUARANTEED), "guaranteed");
	assert_string_equal(pod_qos__name(QOS_BURSTABLE), "burstable");
	assert_string_equal(pod_qos__name(QOS_BESTEFFORT), "besteffort");
	assert_string_equal(pod_qos__name(QOS_NONE), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_maxlen),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
