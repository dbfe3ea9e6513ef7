#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs the test layers and ends with one line CI can read:
#   N passed, N failed, N skipped
# Each layer prints its own "N passed, N failed, N skipped" last; this sums
# them (tests/lib/tally.sh).  A layer that could not run (not root, a
# missing tool) shows in the total, never as a silent pass; under CI=true
# a skip of a root layer is a failure.
#
#   tests/run-all.sh               every layer (what `make check` runs)
#   tests/run-all.sh unit cli e2e  only those layers (in the order above)
#   tests/run-all.sh --list        the layers' names
set -uo pipefail
cd "$(dirname "$0")/.."

# In CI (root) a skipped end-to-end test is a failure, never a silent pass:
# each layer says so itself (tests/lib/harness.py), and tally() again.
if [ "${CI:-}" = "true" ]; then
	export OOMREAP_E2E_REQUIRE=1
fi
. tests/lib/tally.sh

# name | root (yes: needs root to run at all) | title | command (words; run with bash -c)
LAYERS=(
	"layers|no|the include rule of src/|tests/layers/check_layers.py"
	"harness|no|the test harness's own rules (skips, totals)|tests/harness/run_harness.sh"
	"unit|no|unit|tests/run-unit.sh \$(find build/tests -maxdepth 1 -name 'test_*' -type f -executable ! -name '*.d' | sort)"
	"cli|no|cli|tests/cli/run_cli.sh"
	"golden|no|golden (replay and report of committed recordings)|tests/golden/run_golden.sh"
	"html|no|report in headless chromium|tests/golden/check_html.sh"
	"fuzz|no|fuzz (record reader, replay --json and report end to end, kmsg parser; \${FUZZ_TIME:-15} s each, ASan+UBSan)|env FUZZ_TIME=\${FUZZ_TIME:-15} tests/fuzz/run_fuzz.sh"
	"e2e|yes|end-to-end (root, real kernel)|python3 tests/e2e/run_e2e.py"
	"restart|yes|restarts with --pin (root, real kernel, bpffs)|python3 tests/restart/run_restart.py"
	"vm|yes|kernel matrix (Debian 11's 5.10 x2, 12's 6.1 and 6.12, 6.17, 7.0, 7.x and 7.x-rt under qemu, every rung)|make -s --no-print-directory vmtest"
	"systemd|yes|systemd-oomd and Meta oomd under systemd as PID 1 (root, a Debian sid guest under qemu, 7.x)|make -s --no-print-directory vmtest-oomd"
	"prom|yes|prometheus (root, node_exporter, promtool)|python3 tests/prom/run_prom.py"
	"deploy|yes|deployment (root: make image, podman+runc, Prometheus, Alertmanager)|python3 tests/deploy/run_deploy.py"
	"package|yes|debian package (make deb, lintian; root: installed, traced, purged in Debian 12 and 13 roots)|python3 tests/package/run_package.py"
	"hardening|yes|hardening (root, real kernel)|python3 tests/hardening/run_hardening.py"
	"asan|no|sanitizers (ASan+UBSan)|make -s --no-print-directory asan"
)

names() { for l in "${LAYERS[@]}"; do echo "${l%%|*}"; done; }

if [ "${1:-}" = "--list" ]; then
	names
	exit 0
fi
for want in "$@"; do
	# grep without -q: it reads all its input (with -q, pipefail may see the
	# writer killed by SIGPIPE once grep has its match)
	if ! names | grep -x -- "$want" >/dev/null; then
		echo "run-all.sh: no layer '$want'; layers: $(names | tr '\n' ' ')" >&2
		exit 2
	fi
done

run_layer() {
	local root=$1 title=$2 cmd=$3
	local log
	log=$(mktemp)
	echo "=== $title"
	bash -c "$cmd" 2>&1 | tee "$log"
	tally "$root" "${PIPESTATUS[0]}" "$log"
	rm -f "$log"
}

for l in "${LAYERS[@]}"; do
	name=${l%%|*}
	rest=${l#*|}
	root=${rest%%|*}
	rest=${rest#*|}
	title=${rest%%|*}
	cmd=${rest#*|}
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@" | grep -x -- "$name" >/dev/null || continue
	fi
	run_layer "$root" "$(eval "echo \"$title\"")" "$cmd"
done

echo
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
exit $status
