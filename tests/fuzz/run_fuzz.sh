#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Run each libFuzzer harness for FUZZ_TIME seconds (default 30) on a corpus
# seeded from tests/golden and tests/fuzz/seeds; a harness passes if it ran
# the whole time without a crash, leak, sanitizer report or timeout.
# Builds the harnesses first if needed.  Last line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../.."
FUZZ_TIME=${FUZZ_TIME:-30}
FUZZ_OUT=${FUZZ_OUT:-build/fuzz}
pass=0
fail=0

if ! command -v "${FUZZ_CC:-clang}" >/dev/null 2>&1; then
	echo "not ok - clang not installed (scripts/install-deps.sh installs it)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
if ! make --no-print-directory -s fuzzers >"$FUZZ_OUT.build.log" 2>&1; then
	echo "not ok - building the fuzzers failed:"
	tail -n 20 "$FUZZ_OUT.build.log"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

for h in record replay kmsg; do
	bin="$FUZZ_OUT/fuzz_$h"
	corpus="$FUZZ_OUT/corpus-$h"
	mkdir -p "$corpus" "$FUZZ_OUT/artifacts"
	extra=()
	if [ "$h" = record ] || [ "$h" = replay ]; then
		cp tests/golden/*.oomrec* "$corpus/" 2>/dev/null
	else
		cp tests/fuzz/seeds/kmsg/* "$corpus/" 2>/dev/null
	fi
	# replay prints every incident: libFuzzer keeps its own reports, the rest is dropped
	[ "$h" = replay ] && extra=(-close_fd_mask=3)
	log="$FUZZ_OUT/fuzz_$h.log"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" -max_total_time="$FUZZ_TIME" -timeout=10 -rss_limit_mb=2048 \
		-max_len=65536 -print_final_stats=1 "${extra[@]}" \
		-artifact_prefix="$FUZZ_OUT/artifacts/$h-" "$corpus" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "ok - fuzz_$h: ${runs:-?} inputs in ${FUZZ_TIME}s, no finding"
		pass=$((pass + 1))
	else
		echo "not ok - fuzz_$h: exit $rc; see $log and $FUZZ_OUT/artifacts/"
		grep -E "ERROR|runtime error|SUMMARY" "$log" | head -n 10
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
