#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# tests/lib/tally.sh, the totals of tests/run-all.sh, on made-up layer
# outputs; .ci/run runs the README's test command with CI=true; then, as
# root, tests/run-all.sh itself on a root layer run as nobody (the e2e
# layer: it cannot run, so it skips): its skips in the total, and under
# CI=true a failure.  Last line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../.."
pass=0
fail=0
skip=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check() { # NAME WANT GOT
	if [ "$2" = "$3" ]; then
		echo "ok - $1"
		pass=$((pass + 1))
	else
		echo "not ok - $1: got '$3', want '$2'"
		fail=$((fail + 1))
	fi
}

# tally_of ROOT RC CI TEXT: "pass fail skip status" after that one layer
tally_of() {
	printf '%b' "$4" >"$work/log"
	(
		CI=$3
		. tests/lib/tally.sh
		tally "$1" "$2" "$work/log" >/dev/null
		echo "$total_pass $total_fail $total_skip $status"
	)
}

check "a closing line with skips" "3 1 2 1" \
	"$(tally_of no 1 false 'ok - a\n3 passed, 1 failed, 2 skipped\n')"
check "a closing line without skips: the # SKIP lines count" "1 0 2 0" \
	"$(tally_of no 0 false 'ok - a\nok - b # SKIP x\nok - c # SKIP y\n1 passed, 0 failed\n')"
check "the last closing line counts" "5 0 0 0" \
	"$(tally_of no 0 false '1 passed, 1 failed, 0 skipped\n5 passed, 0 failed, 0 skipped\n')"
check "no closing line: one failure" "0 1 0 1" \
	"$(tally_of no 0 false 'Traceback (most recent call last):\n')"
check "a non-zero exit fails the run, whatever it printed" "2 0 0 1" \
	"$(tally_of no 2 false '2 passed, 0 failed, 0 skipped\n')"
check "a root layer's skips outside CI: skips" "0 0 4 0" \
	"$(tally_of yes 0 false '0 passed, 0 failed, 4 skipped\n')"
check "a root layer's skips under CI=true: failures" "0 4 0 1" \
	"$(tally_of yes 0 true '0 passed, 0 failed, 4 skipped\n')"
check "another layer's skips under CI=true: skips" "1 0 1 0" \
	"$(tally_of no 0 true '1 passed, 0 failed, 1 skipped\n')"
check "the kernel matrix's n/a cells under CI=true: neither skips nor failures" "376 0 0 0" \
	"$(tally_of yes 0 true '376 passed, 0 failed, 0 skipped (73 cells n/a)\n')"

# CI runs the README's test command with CI=true exported (whatever its
# runner exports), so the rule above applies there.
readme_cmd=$(grep -oE '\$s make check$' README.md | head -n 1)
ci_tail=$(grep -vE '^\s*(#|$)' .ci/run | tail -n 2 | tr '\n' ';')
check "CI: .ci/run exports CI=true, then runs the README's test command" \
	"export CI=true;make check;|\$s make check" "$ci_tail|$readme_cmd"

# tests/run-all.sh itself, a root layer that cannot run (as nobody).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	# its scenarios, as its --help lists them (unwrapped: argparse wraps
	# at $COLUMNS, and a wrapped list once counted as none)
	n=$(COLUMNS=10000 python3 tests/e2e/run_e2e.py --help |
		sed -n 's/.*any of \(.*\) (default: all).*/\1/p' | tr ',' '\n' | grep -c .)
	[ "$n" -gt 0 ] || check "run_e2e.py --help lists its scenarios" "some" "none"
	as_nobody() {
		# a copy nobody can read: the worktree may be private to root
		setpriv --reuid=65534 --regid=65534 --clear-groups env -u OOMREAP_E2E_REQUIRE \
			HOME=/nonexistent "$@"
	}
	copy=$work/tree
	mkdir -p "$copy/tests" && cp -r tests/run-all.sh tests/lib tests/e2e "$copy/tests/" &&
		chmod -R a+rX "$work"
	out=$(as_nobody env -u CI "$copy/tests/run-all.sh" e2e 2>&1)
	rc=$?
	check "run-all.sh: a root layer not run is counted as skipped" \
		"0 passed, 0 failed, $n skipped rc=0" "$(echo "$out" | tail -n 1) rc=$rc"
	out=$(as_nobody env CI=true "$copy/tests/run-all.sh" e2e 2>&1)
	rc=$?
	check "run-all.sh: under CI=true it is a failure" \
		"0 passed, $n failed, 0 skipped rc=1" "$(echo "$out" | tail -n 1) rc=$rc"
else
	echo "ok - run-all.sh as nobody # SKIP not root (or no setpriv)"
	skip=$((skip + 1))
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
