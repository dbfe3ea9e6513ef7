#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs the test layers and ends with one line CI can read:
#   N passed, N failed, N skipped
# Each layer prints its own "N passed, N failed" last; this sums them.  A
# layer's skips are what its last line says (", N skipped"), else its
# "ok - ... # SKIP" lines: a layer that could not run (not root, a missing
# tool) shows in the total, never as a silent pass.
#
#   tests/run-all.sh               every layer (what `make check` runs)
#   tests/run-all.sh unit cli e2e  only those layers (in the order above)
#   tests/run-all.sh --list        the layers' names
set -uo pipefail
cd "$(dirname "$0")/.."

# In CI (root) a skipped end-to-end test is a failure, never a silent pass.
if [ "${CI:-}" = "true" ]; then
	export OOMREAP_E2E_REQUIRE=1
fi

# name | title | command (words; run with bash -c)
LAYERS=(
	"layers|the include rule of src/|tests/layers/check_layers.py"
	"unit|unit|tests/run-unit.sh \$(find build/tests -maxdepth 1 -name 'test_*' -type f -executable ! -name '*.d' | sort)"
	"cli|cli|tests/cli/run_cli.sh"
	"golden|golden (replay and report of committed recordings)|tests/golden/run_golden.sh"
	"html|report in headless chromium|tests/golden/check_html.sh"
	"fuzz|fuzz (record reader, replay --json and report end to end, kmsg parser; \${FUZZ_TIME:-15} s each, ASan+UBSan)|env FUZZ_TIME=\${FUZZ_TIME:-15} tests/fuzz/run_fuzz.sh"
	"e2e|end-to-end (root, real kernel)|python3 tests/e2e/run_e2e.py"
	"restart|restarts with --pin (root, real kernel, bpffs)|python3 tests/restart/run_restart.py"
	"vm|kernel matrix (Debian 11's 5.10 x2, 12's 6.1 and 6.12, 6.17, 7.0, 7.x and 7.x-rt under qemu, every rung)|make -s --no-print-directory vmtest"
	"prom|prometheus (root, node_exporter, promtool)|python3 tests/prom/run_prom.py"
	"deploy|deployment (root: make image, podman+runc, Prometheus, Alertmanager)|python3 tests/deploy/run_deploy.py"
	"package|debian package (make deb, lintian; root: installed, traced, purged in Debian 12 and 13 roots)|python3 tests/package/run_package.py"
	"hardening|hardening (root, real kernel)|python3 tests/hardening/run_hardening.py"
	"asan|sanitizers (ASan+UBSan)|make -s --no-print-directory asan"
)

names() { for l in "${LAYERS[@]}"; do echo "${l%%|*}"; done; }

if [ "${1:-}" = "--list" ]; then
	names
	exit 0
fi
for want in "$@"; do
	if ! names | grep -qx -- "$want"; then
		echo "run-all.sh: no layer '$want'; layers: $(names | tr '\n' ' ')" >&2
		exit 2
	fi
done

total_pass=0
total_fail=0
total_skip=0
status=0

run_layer() {
	local title=$1 cmd=$2
	local log
	log=$(mktemp)
	echo "=== $title"
	bash -c "$cmd" 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	local marked
	marked=$(grep -cE '^ok - .* # SKIP' "$log")
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "=== $title: no result line (exit $rc): counted as 1 failure"
		total_fail=$((total_fail + 1))
		status=1
		return
	fi
	local p f s
	p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
	if echo "$line" | grep -qE ', [0-9]+ skipped'; then
		s=$(echo "$line" | sed -E 's/.*, ([0-9]+) skipped.*/\1/')
	else
		s=$marked
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
		status=1
	fi
}

for l in "${LAYERS[@]}"; do
	name=${l%%|*}
	rest=${l#*|}
	title=${rest%%|*}
	cmd=${rest#*|}
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@" | grep -qx -- "$name" || continue
	fi
	run_layer "$(eval "echo \"$title\"")" "$cmd"
done

echo
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
exit $status
