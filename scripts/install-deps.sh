#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Installs everything oomreap-trace needs to build and to run all its tests,
# from the distribution's archive (Debian/Ubuntu).  Idempotent.
set -euo pipefail
# --list: print the package names only (for .ci/run), install nothing.

if [ "${1:-}" != "--list" ] && [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (apt-get needs it)" >&2
	exit 1
fi

packages=(
	# build: BPF side and frontend
	make gcc clang pkg-config libbpf-dev libelf-dev zlib1g-dev bpftool
	# unit tests
	libcmocka-dev
	# end-to-end fixtures and harness
	libfuse3-dev fuse3 python3 jq
	# man page check
	groff-base man-db
	# Prometheus layer: promtool (check metrics, test rules) and a real
	# node_exporter; the tests start their own, on loopback
	prometheus prometheus-node-exporter
	# kernel matrix (make vmtest): qemu guests, their initramfs, and the
	# test module built against Debian headers (6.12's kbuild runs pahole)
	qemu-system-x86 busybox-static cpio gcc-12 pahole
	# hardening (valgrind on replays and a live run, capsh for a start with
	# ambient capabilities only) and make bench (the bpftrace baseline;
	# libasan/libubsan come with gcc)
	valgrind libcap2-bin bpftrace
	# the HTML report opened in a real browser (tests/golden/check_html.sh)
	chromium
	# make image and the deployment layer (tests/deploy): podman builds and
	# runs the images with runc (crun refuses hybrid cgroup layouts; naming
	# runc here also keeps apt from choosing crun for podman), a real
	# Alertmanager beside the Prometheus server above, and python3-yaml: the
	# layer reads the DaemonSet's manifest to run the image as it says
	podman runc prometheus-alertmanager python3-yaml
	# the Debian package (make deb) and its layer (tests/package): the
	# package build, lintian, and mmdebstrap for the clean Debian roots
	# the package is installed into
	debhelper dpkg-dev lintian mmdebstrap
)

if [ "${1:-}" = "--list" ]; then
	printf '%s\n' "${packages[@]}"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# No package may start a service here (prometheus, node_exporter): the
# tests start what they need.  policy-rc.d, honoured by invoke-rc.d and
# deb-systemd-invoke, says no for the length of the install; an existing
# one (containers ship one) is left alone.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -qq --no-install-recommends "${packages[@]}"
