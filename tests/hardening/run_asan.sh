#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The sanitizer layer: the unit tests and (when present) the golden replay
# and report tests, run against the ASan + UBSan build that `make asan`
# made in ASAN_OUT.  Any sanitizer report fails the test that caused it
# (halt_on_error, and a non-zero exit after a clean cmocka summary counts
# as a failure in run-unit.sh).  Last line: "N passed, N failed".
#
#   tests/hardening/run_asan.sh ASAN_OUT
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: run_asan.sh ASAN_OUT}
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:exitcode=86
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
pass=0
fail=0

# run NAME COMMAND...: add its "N passed, N failed" line to the totals
run() {
	local name=$1 log line
	shift
	log=$(mktemp)
	echo "--- $name"
	"$@" 2>&1 | tee "$log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "--- $name: no result line: counted as 1 failure"
		fail=$((fail + 1))
		return
	fi
	pass=$((pass + $(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')))
	fail=$((fail + $(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')))
}

run "unit tests (ASan+UBSan)" tests/run-unit.sh $(find "$out/tests" -maxdepth 1 -name 'test_*' \
	-type f -executable | sort)
if [ -x tests/golden/run_golden.sh ] && [ -x "$out/oomreap-trace" ]; then
	run "golden replays (ASan+UBSan)" env OOMREAP_TRACE="$out/oomreap-trace" \
		tests/golden/run_golden.sh
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
