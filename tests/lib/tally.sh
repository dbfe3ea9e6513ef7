# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by tests/run-all.sh (and tests/harness/): one layer's output read
# into the totals, by the rules every layer's closing line follows
# ("N passed, N failed, N skipped", tests/lib/harness.py):
#
#   tally ROOT RC LOG   adds the layer's counts to total_pass, total_fail,
#                       total_skip; sets status=1 when it failed
#
# A layer's skips are what its last line says (", N skipped"), else its
# "ok - ... # SKIP" lines.  No closing line (a crash, a missing tool) is one
# failure.  ROOT=yes: a root layer; under CI=true (a root machine with every
# package) its skips are failures: a root layer that did not run is never a
# silent pass.  A layer that exits non-zero failed, whatever it printed.

total_pass=0
total_fail=0
total_skip=0
status=0

tally() {
	local root=$1 rc=$2 log=$3 line marked p f s
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	marked=$(grep -cE '^ok - .* # SKIP' "$log")
	if [ -z "$line" ]; then
		echo "=== no result line (exit $rc): counted as 1 failure"
		total_fail=$((total_fail + 1))
		status=1
		return
	fi
	p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
	if echo "$line" | grep -qE ', [0-9]+ skipped'; then
		s=$(echo "$line" | sed -E 's/.*, ([0-9]+) skipped.*/\1/')
	else
		s=$marked
	fi
	if [ "$root" = yes ] && [ "${CI:-}" = "true" ] && [ "$s" -gt 0 ]; then
		echo "=== $s skipped in a root layer under CI=true: counted as failures"
		f=$((f + s))
		s=0
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
		status=1
	fi
}
