#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Command-line contract: bad input gets one clear line and the documented
# exit status, never a crash or a libbpf dump.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${OOMREAP_TRACE:-build/oomreap-trace}
pass=0
fail=0
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# expect NAME STATUS STDERR_REGEX -- command...
expect() {
	local name=$1 want=$2 pattern=$3
	shift 4
	"$@" >"$out" 2>"$err"
	local rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "not ok - $name: exit $rc, want $want; stderr: $(head -c 300 "$err")"
		fail=$((fail + 1))
		return
	fi
	if ! grep -Eq -- "$pattern" "$err" "$out"; then
		echo "not ok - $name: output does not match /$pattern/; stderr: $(head -c 300 "$err")"
		fail=$((fail + 1))
		return
	fi
	if grep -q '^libbpf:' "$err"; then
		echo "not ok - $name: libbpf dump on stderr without -v"
		fail=$((fail + 1))
		return
	fi
	echo "ok - $name"
	pass=$((pass + 1))
}

expect "unknown option gives usage" 2 "unrecognized option|Usage" -- "$BIN" --bogus
expect "bad pid" 2 "invalid pid" -- "$BIN" --pid 12abc
expect "zero duration" 2 "invalid duration" -- "$BIN" --duration 0
expect "bad rung" 2 "invalid --attach" -- "$BIN" --attach=uprobe
expect "relative cgroup" 2 "must start with '/'" -- "$BIN" --cgroup foo
expect "stray argument" 2 "unexpected argument" -- "$BIN" trace-all
expect "help" 0 "Usage: oomreap-trace" -- "$BIN" --help
# --user: a name, UID or UID:GID; anything else is a usage error at once
for bad in "" "65534:" ":65534" "1:2:3" "nobody:nogroup" "4294967295" "65534:4294967295" \
	"99999999999"; do
	expect "--user '$bad' refused" 2 "invalid --user '$bad' \(a name, UID or UID:GID\)" -- \
		"$BIN" --user "$bad" --duration 1
done
expect "--help names UID:GID for --user" 0 "UID\[:GID\]" -- "$BIN" --help
expect "missing BTF file" 4 "cannot read BTF from /nonexistent" -- "$BIN" --btf /nonexistent/vmlinux
expect "garbage BTF file" 4 "cannot read BTF from" -- "$BIN" --btf /etc/hostname
if [ -f build/tests/no_oom_btf.o ]; then
	expect "kernel without oom tracepoints" 4 "no oom:mark_victim" -- \
		"$BIN" --btf build/tests/no_oom_btf.o
else
	echo "not ok - kernel without oom tracepoints: build/tests/no_oom_btf.o not built"
	fail=$((fail + 1))
fi

if [ "$(id -u)" -eq 0 ]; then
	# Below, a tracer of the whole machine must report "Summary: 0
	# incidents": no other run may make OOM kills meanwhile.  Those runs
	# hold this lock (tests/lib/oomlab.py: exclusive()); so do we, till exit.
	lockdir=/run/lock
	[ -d "$lockdir" ] || lockdir=/tmp
	exec 9>"$lockdir/oomreap-e2e.lock"
	if ! flock -n 9; then
		echo "# waiting for another OOM-making run to finish ($lockdir/oomreap-e2e.lock)"
		flock -w 900 9 || echo "# warning: lock not taken in 900 s; going on"
	fi
	# Drop every capability: the tool must name what it misses.
	expect "unprivileged" 3 "missing capabilities CAP_BPF and CAP_PERFMON" -- \
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all "$BIN" --duration 1
	# Numbers are used as given, without a passwd lookup (no entry needed)
	expect "--user UID:GID without NSS" 0 "running as uid 4000000 gid 4000001, no capabilities" -- \
		"$BIN" --user 4000000:4000001 --duration 1 -v
	expect "--user UID: GID = UID" 0 "running as uid 65534 gid 65534, no capabilities" -- \
		"$BIN" --user 65534 --duration 1 -v
	expect "probe lists rungs" 0 "rung tracepoint +usable" -- "$BIN" probe
	if "$BIN" probe 2>/dev/null | grep -q 'rung fentry .*rejected'; then
		expect "forced fentry rung on a kernel that refuses it" 4 \
			"cannot attach on fentry rung" -- "$BIN" --attach=fentry --duration 1
	else
		expect "forced fentry rung" 0 "ready \(attach=fentry" -- \
			"$BIN" --attach=fentry --duration 1
	fi
	# A non-interactive shell starts background jobs with SIGINT ignored;
	# `kill -INT` must stop the tracer all the same, with its summary (it
	# does: a blocked signal is queued for the signalfd even when ignored).
	"$BIN" >"$out" 2>"$err" &
	bg=$!
	for _ in $(seq 100); do grep -q ready "$err" && break; sleep 0.05; done
	kill -INT "$bg"
	for _ in $(seq 100); do kill -0 "$bg" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$bg" 2>/dev/null; then
		kill -TERM "$bg"
		echo "not ok - SIGINT stops a background tracer: still running after 5 s"
		fail=$((fail + 1))
	elif wait "$bg" && grep -q "Summary: 0 incidents" "$out"; then
		echo "ok - SIGINT stops a background tracer"
		pass=$((pass + 1))
	else
		echo "not ok - SIGINT stops a background tracer: bad exit or no summary"
		fail=$((fail + 1))
	fi
	expect "duration ends tracing with a summary" 0 "Summary: 0 incidents" -- \
		"$BIN" --duration 1 --attach=tracepoint
else
	echo "# not root: privileged CLI checks skipped"
	if [ "${OOMREAP_E2E_REQUIRE:-}" = "1" ]; then
		echo "not ok - privileged CLI checks: not root but OOMREAP_E2E_REQUIRE=1"
		fail=$((fail + 1))
	fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
