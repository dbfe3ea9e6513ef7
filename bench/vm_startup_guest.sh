#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Guest side of `make bench-oomkill` (bench/vm_startup.py): runs as
# /vmtest/guest.sh under tests/vm/init.  Starts each arm (oomreap-trace on
# one rung, libbpf-tools' oomkill, ...) under bench/startwatch ROUNDS times,
# in an order that rotates every round, after one warm-up round (round 0,
# not counted: the first exec of each binary reads it into the page cache).
# Prints what startwatch prints (@@SW, @@SWLINE) between @@ROUND markers;
# the host computes and prints.  Nothing here makes an OOM kill.
#
# Config (/vmtest/config): ROUNDS, ARMS, TRACE_ARMS (one traced start each,
# after the rounds).

# shellcheck source=/dev/null
[ -f /vmtest/config ] && . /vmtest/config
: "${ROUNDS:=7}"
: "${ARMS:=oomkill ort-auto}"
SW=/vmtest/startwatch

# the tools' stdio is a pseudo-terminal (startwatch.c says why)
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts 2>/dev/null

echo "@@INFO ncpu=$(grep -c ^processor /proc/cpuinfo)"
echo "@@INFO oomkill=$(cat /vmtest/oomkill.version 2>/dev/null)"

# trace ARM: one more start of ARM, with its system calls that take time
# (bpf, perf_event_open, openat, read) in a private tracefs instance
# (trace_clock mono, the clock startwatch stamps with): where its start-up
# goes.  Not counted with the others: tracing slows it.
TI=/sys/kernel/tracing/instances/oomreap_bench_startup
trace_arm() {
	rmdir "$TI" 2>/dev/null
	mkdir "$TI" || { echo "@@SW arm=trace-$1 error=no-tracefs-instance"; return; }
	echo mono >"$TI/trace_clock"
	echo 16384 >"$TI/buffer_size_kb"
	for e in bpf perf_event_open openat read; do
		for d in enter exit; do
			f="$TI/events/syscalls/sys_${d}_$e"
			[ -d "$f" ] || continue
			echo 'comm == "oomreap-trace" || comm == "oomkill" || comm == "btf_floor"' \
				>"$f/filter"
			echo 1 >"$f/enable"
		done
	done
	# which file each open names (the syscall event has only its pointer)
	if echo 'p:oomreap_bench/open do_sys_openat2 name=+0(%si):ustring' \
		>>/sys/kernel/tracing/kprobe_events 2>/dev/null; then
		echo 'comm == "oomreap-trace" || comm == "oomkill" || comm == "btf_floor"' \
			>"$TI/events/oomreap_bench/open/filter"
		echo 1 >"$TI/events/oomreap_bench/open/enable"
	fi
	echo 1 >"$TI/tracing_on"
	run_arm "$1" | sed "s/arm=$1 /arm=trace-$1 /"
	echo 0 >"$TI/tracing_on"
	sed -n 's/^ *[^#]/@@TRACE &/p' "$TI/trace"
	echo 0 >"$TI/events/enable"
	rmdir "$TI"
	echo '-:oomreap_bench/open' >>/sys/kernel/tracing/kprobe_events 2>/dev/null
}

run_arm() {
	case $1 in
	oomkill) "$SW" oomkill "Tracing OOM kills" 60 -- /vmtest/oomkill ;;
	btf-floor) "$SW" btf-floor ready 60 -- /vmtest/btf_floor ;;
	probe) "$SW" probe "" 60 -- /vmtest/oomreap-trace probe ;;
	ort-*) "$SW" "$1" "ready (attach=" 60 -- /vmtest/oomreap-trace \
		--attach="${1#ort-}" --no-summary ;;
	# the CO-RE relocations against the whole kernel BTF, not the tool's
	# subset of it (src/live/corebtf.c): what the subset saves, same run
	fullcore-*) OOMREAP_FULL_CORE_BTF=1 "$SW" "$1" "ready (attach=" 60 -- \
		/vmtest/oomreap-trace --attach="${1#fullcore-}" --no-summary ;;
	base-*) "$SW" "$1" "ready (attach=" 60 -- /vmtest/oomreap-trace.base \
		--attach="${1#base-}" --no-summary ;;
	*) echo "@@SW arm=$1 error=unknown-arm" ;;
	esac
}

r=0
while [ "$r" -le "$ROUNDS" ]; do
	echo "@@ROUND $r"
	# rotate: round r starts with the (r mod n)th arm
	# shellcheck disable=SC2086 # a list of words, split on purpose
	set -- $ARMS
	i=0
	while [ "$i" -lt $((r % $#)) ]; do
		a=$1
		shift
		set -- "$@" "$a"
		i=$((i + 1))
	done
	for a in "$@"; do
		run_arm "$a"
	done
	r=$((r + 1))
done
for a in $TRACE_ARMS; do
	echo "@@ROUND trace"
	trace_arm "$a"
done
echo "@@BENCH DONE"
