#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The test harness's own rules: the shared Python runner and parsers
# (test_harness.py), the totals of tests/run-all.sh (test_tally.sh).
# Last line: "N passed, N failed, N skipped", their sums.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tally.sh
for t in "python3 tests/harness/test_harness.py" tests/harness/test_tally.sh; do
	log=$(mktemp)
	$t 2>&1 | tee "$log"
	tally no "${PIPESTATUS[0]}" "$log" >/dev/null
	rm -f "$log"
done
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
exit $status
