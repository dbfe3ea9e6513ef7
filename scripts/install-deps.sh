#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Installs everything oomreap-trace needs to build and to run all its tests,
# from the distribution's archive (Debian/Ubuntu).  Idempotent.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
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
)

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}"
