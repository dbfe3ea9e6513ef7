#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Run cmocka unit-test binaries and aggregate their results.
#
#   tests/run-unit.sh build/tests/test_tracker build/tests/test_event ...
#
# Each binary's own output is shown as it runs.  The last line is always
# exactly "N passed, N failed, N skipped" (test cases across all binaries;
# a case that called cmocka's skip() is skipped, never passed).  Exit status
# is non-zero if any test failed, or a binary crashed, hung, or was missing.
# UNIT_TIMEOUT (seconds, default 300) bounds each binary.
set -u

export CMOCKA_MESSAGE_OUTPUT=stdout
timeout_s=${UNIT_TIMEOUT:-300}
total_pass=0
total_fail=0
total_skip=0
bad=0

if [ $# -eq 0 ]; then
	echo "usage: $0 TEST_BINARY..." >&2
	echo "0 passed, 0 failed, 0 skipped"
	exit 2
fi

for bin in "$@"; do
	name=$(basename -- "$bin")
	if [ ! -x "$bin" ]; then
		echo "run-unit: $name: missing or not executable" >&2
		total_fail=$((total_fail + 1))
		bad=1
		continue
	fi

	out=$(mktemp)
	if command -v timeout >/dev/null 2>&1; then
		timeout --kill-after=10 "$timeout_s" "$bin" >"$out" 2>&1
	else
		"$bin" >"$out" 2>&1
	fi
	rc=$?
	cat -- "$out"

	running=$(sed -n 's/^\[==========\] .*Running \([0-9][0-9]*\) test(s)\..*/\1/p' "$out" | tail -n1)
	passed=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*/\1/p' "$out" | tail -n1)
	failed=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s).*/\1/p' "$out" | tail -n1)
	skipped=$(sed -n 's/^\[  SKIPPED \] \([0-9][0-9]*\) test(s).*/\1/p' "$out" | tail -n1)
	skipped=${skipped:-0}
	ok_lines=$(grep -c '^\[       OK \]' "$out")
	rm -f -- "$out"

	if [ -n "$passed" ]; then
		# cmocka finished and printed its summary.
		failed=${failed:-0}
		if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
			# Summary says all passed but the process failed afterwards
			# (e.g. a sanitizer report at exit): count one failure.
			echo "run-unit: $name: exit status $rc after a clean summary" >&2
			failed=1
		fi
	else
		# No summary: the binary crashed, hung or is not a cmocka test.
		passed=$ok_lines
		if [ -n "$running" ] && [ "$running" -gt "$ok_lines" ]; then
			failed=$((running - ok_lines))
		else
			failed=1
		fi
		echo "run-unit: $name: no cmocka summary (exit status $rc): crashed or hung" >&2
		bad=1
	fi

	total_pass=$((total_pass + passed))
	total_fail=$((total_fail + failed))
	total_skip=$((total_skip + skipped))
	echo "run-unit: $name: $passed passed, $failed failed, $skipped skipped"
done

echo "$total_pass passed, $total_fail failed, $total_skip skipped"
if [ "$total_fail" -ne 0 ] || [ "$bad" -ne 0 ]; then
	exit 1
fi
exit 0
