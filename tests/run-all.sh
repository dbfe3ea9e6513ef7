#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs every test layer and ends with one line CI can read:
#   N passed, N failed
# Each layer prints its own "N passed, N failed" last; this sums them.
set -uo pipefail
cd "$(dirname "$0")/.."

# In CI (root) a skipped end-to-end test is a failure, never a silent pass.
if [ "${CI:-}" = "true" ]; then
	export OOMREAP_E2E_REQUIRE=1
fi

total_pass=0
total_fail=0
status=0

run_layer() {
	local name=$1
	shift
	local log
	log=$(mktemp)
	echo "=== $name"
	"$@" 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "=== $name: no result line (exit $rc): counted as 1 failure"
		total_fail=$((total_fail + 1))
		status=1
		return
	fi
	local p f
	p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
		status=1
	fi
}

run_layer "layers (the include rule of src/)" tests/layers/check_layers.py
run_layer "unit" tests/run-unit.sh $(find build/tests -maxdepth 1 -name "test_*" -type f -executable ! -name "*.d" | sort)
run_layer "cli" tests/cli/run_cli.sh
run_layer "golden (replay and report of committed recordings)" tests/golden/run_golden.sh
run_layer "report in headless chromium" tests/golden/check_html.sh
run_layer "fuzz (record reader, replay --json and report end to end, kmsg parser; ${FUZZ_TIME:-15} s each, ASan+UBSan)" \
	env FUZZ_TIME="${FUZZ_TIME:-15}" tests/fuzz/run_fuzz.sh
run_layer "end-to-end (root, real kernel)" python3 tests/e2e/run_e2e.py
run_layer "kernel matrix (Debian 11's 5.10 x2, 12's 6.1 and 6.12, 6.17, 7.0, 7.x and 7.x-rt under qemu, every rung)" \
	make -s --no-print-directory vmtest
run_layer "prometheus (root, node_exporter, promtool)" python3 tests/prom/run_prom.py
run_layer "deployment (root: make image, podman+runc, Prometheus, Alertmanager)" \
	python3 tests/deploy/run_deploy.py
run_layer "debian package (make deb, lintian; root: installed, traced, purged in Debian 12 and 13 roots)" \
	python3 tests/package/run_package.py
run_layer "hardening (root, real kernel)" python3 tests/hardening/run_hardening.py
run_layer "sanitizers (ASan+UBSan)" make -s --no-print-directory asan

echo
echo "$total_pass passed, $total_fail failed"
exit $status
