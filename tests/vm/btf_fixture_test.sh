#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The old mark_victim(int pid) prototype cannot be booted here (Debian's 6.1
# carries the (task, uid) backport): prove its detection with BTF fixtures
# compiled from tests/vm/btf_old_kernel.c and fed to the same detection code
# with `oomreap-trace --btf FILE probe`.  Run by `make vmtest`, or alone.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
BIN=${OOMREAP_TRACE:-build/oomreap-trace}
OUTDIR=${BTF_FIXTURE_OUT:-build/vmtest/btf}
CLANG=${CLANG:-clang}
pass=0
fail=0
mkdir -p "$OUTDIR"

ok() { echo "ok - $1"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $1"; fail=$((fail + 1)); }

# expect_line NAME FILE REGEX
expect_line() {
	if grep -Eq -- "$3" "$2"; then ok "$1"; else not_ok "$1: no line matching /$3/ in: $(head -c 600 "$2")"; fi
}

old=$OUTDIR/old_kernel.o
new=$OUTDIR/new_mark_victim.o
if ! "$CLANG" -g -target bpf -c tests/vm/btf_old_kernel.c -o "$old" ||
	! "$CLANG" -g -target bpf -DNEW_MARK_VICTIM -c tests/vm/btf_old_kernel.c -o "$new"; then
	not_ok "compile BTF fixtures with $CLANG -g -target bpf"
	echo "$pass passed, $fail failed"
	exit 1
fi

out=$OUTDIR/old_kernel.probe
# Loading needs a kernel that matches the BTF: the rungs are expected to be
# refused (exit 4); only the detection, printed first, is checked.
"$BIN" -v --btf "$old" probe >"$out" 2>&1
expect_line "old BTF: mark_victim detected as (int pid)" "$out" \
	'^tracepoint oom:mark_victim: +yes \(int pid\)$'
expect_line "old BTF: reaper tracepoints found" "$out" '^reaper tracepoints: +yes$'
expect_line "old BTF: no reaper timer (pre-5.18 shape)" "$out" '^reaper delay timer: +no '
expect_line "old BTF: rss_stat as atomic_long_t[] (pre-6.2 shape)" "$out" '^rss_stat: +atomic_long_t\[\]'
# no bpf_loop() before 5.17: the twin with the cgroup walk unrolled
expect_line "old BTF: tracepoint rung plans the (int pid) program, unrolled" "$out" \
	"prog 'tp_mark_victim_pid_unrolled'"
if grep -Eq "prog 'tp_mark_victim(_unrolled)?'" "$out"; then
	not_ok "old BTF: the (task, uid) program must not be planned"
else
	ok "old BTF: the (task, uid) program is not planned"
fi

out=$OUTDIR/new_mark_victim.probe
"$BIN" -v --btf "$new" probe >"$out" 2>&1
expect_line "control: (task, uid) prototype detected" "$out" \
	'^tracepoint oom:mark_victim: +yes \(task, uid'
expect_line "control: tracepoint rung plans the (task, uid) program, with bpf_loop()" "$out" \
	"prog 'tp_mark_victim'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
