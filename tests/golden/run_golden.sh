#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Golden tests of `replay` and `report`: every tests/golden/NAME.oomrec
# (with its rotated segments NAME.oomrec.1, .2, ...) is replayed and
# reported, and each output is compared byte for byte with the committed
# expectation beside it:
#
#   NAME.replay.txt   replay (text)            NAME.report.md    report (Markdown)
#   NAME.replay.json  replay --json            NAME.report.html  report --format html
#   NAME.replay.prom  replay --prom-textfile (oomreap_start_time_seconds masked)
#   NAME.status       exit status and stderr of all of the above
#   NAME.EXTRA        for each line "EXTRA ARGS..." of NAME.args (more runs)
#
# The recordings are whatever is committed: synthetic ones (gen_synthetic.c)
# until real docs/LAB.md captures are added; drop a capture in and run with
# UPDATE=1 to write its expectations, then review them.  Then a few command
# line checks on bad files.  Last line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${OOMREAP_TRACE:-build/oomreap-trace}
DIR=tests/golden
# Text output prints local times; reports are UTC anyway.
export TZ=UTC LC_ALL=C
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() {
	echo "ok - $1"
	pass=$((pass + 1))
}

not_ok() {
	echo "not ok - $1"
	fail=$((fail + 1))
}

# compare NAME EXPECTED ACTUAL
compare() {
	local name=$1 want=$2 got=$3
	if [ "${UPDATE:-}" = "1" ]; then
		if [ -f "$want" ] && cmp -s "$want" "$got"; then
			ok "$name (unchanged)"
		else
			cp "$got" "$want"
			ok "$name (expectation written)"
		fi
		return
	fi
	if [ ! -f "$want" ]; then
		not_ok "$name: no expectation $want (run with UPDATE=1, then review)"
	elif cmp -s "$want" "$got"; then
		ok "$name"
	else
		not_ok "$name: differs from $want"
		diff -u "$want" "$got" | head -n 40
	fi
}

if [ ! -x "$BIN" ]; then
	echo "golden: $BIN not built (make)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

shopt -s nullglob
recs=("$DIR"/*.oomrec)
if [ ${#recs[@]} -eq 0 ]; then
	not_ok "no recordings in $DIR"
fi

for rec in "${recs[@]}"; do
	base=${rec%.oomrec}
	name=$(basename "$base")
	files=("$rec")
	i=1
	while [ -f "$rec.$i" ]; do
		files+=("$rec.$i")
		i=$((i + 1))
	done
	status="$tmp/$name.status"
	: >"$status"
	runs=("replay.txt replay" "replay.json replay --json" "report.md report"
	      "report.html report --format html" "replay.prom replay --no-summary")
	if [ -f "$base.args" ]; then
		while IFS= read -r line; do
			case "$line" in '' | '#'*) continue ;; esac
			runs+=("$line")
		done <"$base.args"
	fi
	for run in "${runs[@]}"; do
		read -r -a words <<<"$run"
		out=${words[0]}
		cmd=${words[1]}
		args=("${words[@]:2}")
		if [[ "$out" == *.prom ]]; then
			# The metrics file replay leaves (--prom-textfile), start time masked.
			rm -f "$tmp/out.prom"
			"$BIN" "$cmd" "${files[@]}" "${args[@]}" --prom-textfile "$tmp/out.prom" \
				>/dev/null 2>"$tmp/err"
			rc=$?
			sed -E 's/^(oomreap_start_time_seconds) [0-9.e+]+$/\1 (masked)/' \
				"$tmp/out.prom" >"$tmp/$name.$out" 2>/dev/null
		else
			"$BIN" "$cmd" "${files[@]}" "${args[@]}" >"$tmp/$name.$out" 2>"$tmp/err"
			rc=$?
		fi
		if [ "$rc" -ge 128 ]; then
			not_ok "$name.$out: killed by signal $((rc - 128))"
		fi
		{
			echo "# $cmd${args[*]:+ ${args[*]}}: exit $rc"
			cat "$tmp/err"
		} >>"$status"
		compare "$name.$out" "$base.$out" "$tmp/$name.$out"
	done
	compare "$name.status" "$base.status" "$status"
done

# ------------------------------------------------------------ bad files
# expect_bad NAME REGEX -- command...: exit 1, last stderr line one clear line
expect_bad() {
	local name=$1 pattern=$2
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	local last
	last=$(tail -n 1 "$tmp/err")
	if [ "$rc" -ne 1 ]; then
		not_ok "$name: exit $rc, want 1; stderr: $(head -c 300 "$tmp/err")"
	elif ! grep -Eq -- "$pattern" <<<"$last"; then
		not_ok "$name: last stderr line does not match /$pattern/: $last"
	elif [[ "$last" != "oomreap-trace: "* ]]; then
		not_ok "$name: not one of our error lines: $last"
	else
		ok "$name"
	fi
}

good="$DIR/synthetic-lab-b.oomrec"
if [ -f "$good" ]; then
	size=$(stat -c %s "$good")
	: >"$tmp/empty.oomrec"
	printf 'hello, world\n' >"$tmp/text.oomrec"
	head -c $((size / 2)) "$good" >"$tmp/half.oomrec"
	cp "$good" "$tmp/future.oomrec"
	printf '\x09' | dd of="$tmp/future.oomrec" bs=1 seek=8 conv=notrunc status=none
	cp "$good" "$tmp/flipped.oomrec"
	printf '\xa5\x5a\xa5\x5a' | dd of="$tmp/flipped.oomrec" bs=1 seek=$((size / 2 + 3)) \
		conv=notrunc status=none
	for cmd in replay report; do
		expect_bad "$cmd: empty file" "empty file" -- "$BIN" "$cmd" "$tmp/empty.oomrec"
		expect_bad "$cmd: not a recording" "not an oomreap-trace recording" -- \
			"$BIN" "$cmd" "$tmp/text.oomrec"
		expect_bad "$cmd: truncated" "truncated at byte [0-9]+ of [0-9]+.*read before it" -- \
			"$BIN" "$cmd" "$tmp/half.oomrec"
		expect_bad "$cmd: future version" "format version 9 is newer" -- \
			"$BIN" "$cmd" "$tmp/future.oomrec"
		expect_bad "$cmd: corrupted" "corrupted" -- "$BIN" "$cmd" "$tmp/flipped.oomrec"
		expect_bad "$cmd: missing" "no such file" -- "$BIN" "$cmd" "$tmp/none.oomrec"
		expect_bad "$cmd: directory" "Is a directory" -- "$BIN" "$cmd" "$tmp"
	done

	# -o: written whole, atomically, equal to stdout; a symlink is refused.
	"$BIN" report "$good" >"$tmp/stdout.md" 2>/dev/null
	if "$BIN" report "$good" -o "$tmp/out.md" 2>"$tmp/err" && cmp -s "$tmp/stdout.md" \
		"$tmp/out.md" && [ -z "$(ls "$tmp" | grep '\.tmp')" ]; then
		ok "report -o writes the report"
	else
		not_ok "report -o: $(cat "$tmp/err")"
	fi
	echo precious >"$tmp/target"
	ln -s "$tmp/target" "$tmp/link.md"
	expect_bad "report -o refuses a symlink" "symbolic link" -- \
		"$BIN" report "$good" -o "$tmp/link.md"
	if [ "$(cat "$tmp/target")" = precious ]; then
		ok "report -o left the symlink's target alone"
	else
		not_ok "report -o wrote through a symlink"
	fi
	expect_bad "report --kmsg with no timestamps" "no line with a kernel timestamp" -- \
		"$BIN" report "$good" --kmsg "$tmp/text.oomrec"
else
	not_ok "bad-file checks: $good missing"
fi

echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
