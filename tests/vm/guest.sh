#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs inside a qemu guest (tests/vm/init) -- or on the host, for the host's
# row of the matrix (vmtest.py sets BIN, CGROOT, ... in the environment):
# `oomreap-trace probe`, then for each attach rung one tracing session
# through which the scenarios run.
# The guest does not judge: it prints, between markers, the tool's JSON,
# the kernel's own log lines and the tracefs oom:* / mmap_lock events of
# each scenario; tests/vm/vmtest.py parses and asserts on the host.
#
#   @@PROBE <line>                       `oomreap-trace probe` output
#   @@CORETAGS rung=R n=N same|differ     program tags relocated against the
#                                        CO-RE subset BTF vs the whole BTF
#   @@SLICE <line>                       what the tool said of its scheduler
#                                        slice request (-v)
#   @@RUNG BEGIN rung=R | @@RUNG END rung=R rc=N
#   @@SCEN BEGIN rung=R scen=S victim=PID [key=value...]
#   @@KMSG <dmesg line>                 lines logged during the scenario
#   @@TRACE <trace line>                tracefs instance, trace_clock=mono
#   @@SCEN END rung=R scen=S
#   @@RKMSG rung=R <dmesg line>          every kill logged while the rung's
#                                        tool ran (scenario windows leave gaps)
#   @@OOMKILLS rung=R cg=PATH n=N         a test memcg's own OOM kill count,
#                                        read just before it is removed
#   @@JSON rung=R <incident>             the tool's --json output
#   @@TOOLERR rung=R <line>              the tool's stderr
#   @@STEP ...                           progress (for a hung guest's tail)
#   @@INFO key=value                     facts: ncpu, trylock_truth, ...
#   @@STORM rung=R <line>                M-storm: what exitstorm said it did
#
# Config (env or /vmtest/config): RUNGS, SCENARIOS, BIN, VMFIX, MODULE, FX,
# TOOL_ARGS (extra options for the tool, e.g. -v for its raw events).
# Safety: every OOM happens in a memory cgroup made here; everything is
# thawed, killed and removed again.
# shellcheck disable=SC2016 # eval '...' expands later, on purpose

# shellcheck source=/dev/null
[ -f /vmtest/config ] && . /vmtest/config
: "${RUNGS:=fentry kprobe tracepoint auto}"
: "${SCENARIOS:=A B-frz B-fuse C-mod-reap C-mod-unable C-fuse C-fuse-partial G O-global}"
: "${BIN:=/vmtest/oomreap-trace}"
: "${VMFIX:=/vmtest/vmfix}"
: "${MODULE:=/vmtest/oomhold.ko}"
: "${FX:=/vmtest/fx}"
: "${STORM:=/vmtest/exitstorm}"
: "${STORM_SECS:=20}"
: "${WORK:=/tmp/vmtest.$$}"
: "${CGROOT:=/sys/fs/cgroup}"
: "${FREEZER:=/freezer}"
TRACEFS=/sys/kernel/tracing
INST=$TRACEFS/instances/oomreap_vmtest
mkdir -p "$WORK"
# Every file a background process writes and we then poll is removed
# first, by us: the parent polls right after forking, before the child's ">"
# has truncated what an earlier scenario or rung left there.

# kernel_at_least MAJOR MINOR: this kernel's release is that or newer
kernel_at_least() {
	_v=$(uname -r | sed 's/^\([0-9]*\)\.\([0-9]*\).*/\1 \2/')
	set -- "$1" "$2" $_v
	[ "$3" -gt "$1" ] || { [ "$3" -eq "$1" ] && [ "$4" -ge "$2" ]; }
}
step() { echo "@@STEP t=$(cut -d' ' -f1 /proc/uptime) $*"; }

# alive PID: exists and is not a zombie.
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	! sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^Z'
}

# wait_for SECONDS CMD...: poll CMD every 0.1 s; 1 on timeout.
wait_for() {
	_n=$(($1 * 10))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

reaper_pid() {
	for d in /proc/[0-9]*; do
		[ "$(cat "$d/comm" 2>/dev/null)" = oom_reaper ] && { echo "${d#/proc/}"; return; }
	done
	echo 0
}

setup_trace() {
	[ -d "$INST" ] || mkdir "$INST" || return 1
	echo 0 >"$INST/tracing_on"
	echo mono >"$INST/trace_clock"
	echo 2048 >"$INST/buffer_size_kb"
	for e in mark_victim wake_reaper start_task_reaping finish_task_reaping skip_task_reaping; do
		echo 1 >"$INST/events/oom/$e/enable"
	done
	# The fixtures' exits (G checks every victim's against the tool's) and
	# every SIGKILL: on PREEMPT_RT a victim can exit between the OOM
	# killer's SIGKILL and its mark_victim, and this shows it.
	if [ -d "$INST/events/sched/sched_process_exit" ]; then
		echo 'comm == "vmfix"' >"$INST/events/sched/sched_process_exit/filter"
		echo 1 >"$INST/events/sched/sched_process_exit/enable"
	fi
	if [ -d "$INST/events/signal/signal_generate" ]; then
		echo 'sig == 9' >"$INST/events/signal/signal_generate/filter"
		echo 1 >"$INST/events/signal/signal_generate/enable"
	fi
	# Ground truth for trylock failures: the reaper kthread's failed
	# mmap_read_trylock().  A hot path: only in this instance, filtered.
	RP=$(reaper_pid)
	if [ -d "$INST/events/mmap_lock/mmap_lock_acquire_returned" ]; then
		echo "common_pid == $RP && success == 0" \
			>"$INST/events/mmap_lock/mmap_lock_acquire_returned/filter"
		echo 1 >"$INST/events/mmap_lock/mmap_lock_acquire_returned/enable" &&
			echo "@@INFO trylock_truth=mmap_lock"
	elif [ -f "$TRACEFS/kprobe_events" ]; then
		# No mmap_lock tracepoints before 5.11: the same truth from a
		# kretprobe on down_read_trylock (what mmap_read_trylock() calls),
		# the reaper's failed ones only.
		echo 'r:oomreap_vmtest/trylock down_read_trylock ret=$retval' \
			>>"$TRACEFS/kprobe_events" &&
			echo "common_pid == $RP && ret == 0" \
				>"$INST/events/oomreap_vmtest/trylock/filter" &&
			echo 1 >"$INST/events/oomreap_vmtest/trylock/enable" &&
			echo "@@INFO trylock_truth=kretprobe" ||
			echo "@@WARN no trylock ground truth (kretprobe)"
	fi
	echo 1 >"$INST/tracing_on"
	echo "@@INFO oom_reaper_pid=$RP"
}

teardown_trace() {
	[ -d "$INST" ] || return 0
	echo 0 >"$INST/tracing_on"
	echo 0 >"$INST/events/enable"
	rmdir "$INST" 2>/dev/null
	if grep -q oomreap_vmtest/trylock "$TRACEFS/kprobe_events" 2>/dev/null; then
		# a kretprobe can miss (nested in another kprobe): then it is no truth
		awk '$1 ~ /trylock$/ { print "@@INFO trylock_truth_missed=" $3 }' \
			"$TRACEFS/kprobe_profile"
		echo '-:oomreap_vmtest/trylock' >>"$TRACEFS/kprobe_events"
	fi
}

# trigger_done LOG PID: the trigger got its memory, or was killed too.
trigger_done() { grep -q 'done' "$1" || ! alive "$2"; }
module_done() { kmsg_since "$KMSG_T0" | grep -q "oomhold: done pid=$1"; }

# The kernel log by timestamp, not by line count: on a host the ring
# buffer may wrap while we run (and we never clear it).
kmsg_now() {
	_t=$(dmesg | tail -n 1 | sed -n 's/^\[ *\([0-9]*\.[0-9]*\)\].*/\1/p')
	echo "${_t:-0}"
}
kmsg_since() {
	dmesg | awk -v t0="$1" '{ s = $0; if (sub(/^\[ */, "", s) == 0) next;
		split(s, a, "]"); if (a[1] + 0 > t0 + 0) print }'
}

# scen_begin NAME: clear the trace, remember where the kernel log stands.
scen_begin() {
	SCEN=$1
	step "rung=$RUNG scen=$SCEN start"
	echo >"$INST/trace"
	KMSG_T0=$(kmsg_now)
}

# scen_end VICTIM [key=value...]: print everything the host needs.
scen_end() {
	_v=$1
	shift
	echo "@@SCEN BEGIN rung=$RUNG scen=$SCEN victim=$_v $*"
	# and every OOM report whole, "invoked oom-killer" to its summary: what
	# the tool's oom.domain, oom.memory_stat and oom.tasks must equal
	kmsg_since "$KMSG_T0" |
		awk '/ invoked oom-killer: / { r = 1 }
		     r || /Killed process|oom_reaper:|oomhold:|oom-kill:|Out of memory|memory.oom.group|already exiting|BUG|WARNING|Call Trace/
		     /oom-kill:/ { r = 0 }' |
		sed 's/^/@@KMSG /'
	grep -v '^#' "$INST/trace" | sed 's/^/@@TRACE /'
	echo "@@SCEN END rung=$RUNG scen=$SCEN"
}

# new_memcg NAME LIMIT: a cgroup with a memory limit, v2 or (host) v1.
new_memcg() {
	if [ -f "$CGROOT/cgroup.controllers" ]; then
		grep -qw memory "$CGROOT/cgroup.subtree_control" ||
			echo +memory >"$CGROOT/cgroup.subtree_control"
		mkdir "$CGROOT/$1" && echo "$2" >"$CGROOT/$1/memory.max" || return 1
		[ -f "$CGROOT/$1/memory.swap.max" ] && echo 0 >"$CGROOT/$1/memory.swap.max"
	else
		mkdir "$CGROOT/$1" && echo "$2" >"$CGROOT/$1/memory.limit_in_bytes" || return 1
		[ -f "$CGROOT/$1/memory.memsw.limit_in_bytes" ] &&
			echo "$2" >"$CGROOT/$1/memory.memsw.limit_in_bytes"
	fi
	echo "$CGROOT/$1"
}

# kill_wait PID...: SIGKILL and reap (our children only).
kill_wait() {
	for p in "$@"; do kill -9 "$p" 2>/dev/null; done
	for p in "$@"; do wait "$p" 2>/dev/null; done
}

# oom_kills CG: the memory cgroup's own count of OOM kills in it (v2
# memory.events, v1 memory.oom_control): unlike the kernel's "oom-kill:"
# log line it is not ratelimited, so other OOMs on a host cannot hide one.
oom_kills() {
	for _f in "$1/memory.events" "$1/memory.oom_control"; do
		[ -f "$_f" ] && { sed -n 's/^oom_kill //p' "$_f"; return; }
	done
}

# rm_cgroup CG: report a memory cgroup's kill count (its processes are all
# gone by now), then remove it.
rm_cgroup() {
	[ -d "$1" ] || return 0
	_k=$(oom_kills "$1")
	[ -n "$_k" ] && echo "@@OOMKILLS rung=$RUNG cg=${1#"$CGROOT"} n=$_k"
	wait_for 5 rmdir "$1" 2>/dev/null || echo "@@WARN cannot remove $1"
}

# A: the hog alone in 64 MiB is killed in its own page fault and exits
# before the reaper's timer fires.
scen_A() {
	cg=$(new_memcg "vmt_A_$RUNG" 64M) || return 1
	scen_begin A
	rm -f "$WORK/hogA"
	sh -c "echo \$\$ >$cg/cgroup.procs; exec $VMFIX hog 256" >"$WORK/hogA" 2>&1 &
	hp=$!
	wait "$hp"
	rc=$?
	# Let the 2 s reaper timer fire (silently: the mm is gone).
	sleep 2.4
	scen_end "$hp" "exit=$rc"
	rm_cgroup "$cg"
}

# rec_start TAG [OPTION] / rec_stop TAG VICTIM NAME: with RECORD_G, on the
# tracepoint rung, a second tool records the scenario (with OPTION, such as
# --mrelease); once the tool has reported the victim, the recording leaves
# as real-<release>-NAME.oomrec (a golden's source).
rec_start() {
	_recp=
	_rect=$1 # not $1 inside the eval: wait_for's own arguments are there
	if [ -n "${RECORD_G:-}" ] && [ "$RUNG" = tracepoint ]; then
		rm -f "$WORK/$_rect.oomrec"
		: >"$WORK/${_rect}rec.err" # there before the first look for "ready"
		# shellcheck disable=SC2086 # ${2:-}: one option or none
		"$BIN" --json --attach=tracepoint --no-summary ${2:-} --record "$WORK/$_rect.oomrec" \
			>/dev/null 2>"$WORK/${_rect}rec.err" &
		_recp=$!
		wait_for 120 eval 'grep -q "oomreap-trace: ready" "$WORK/${_rect}rec.err" || ! alive $_recp'
	fi
}

rec_stop() {
	[ -n "$_recp" ] || return 0
	wait_for 20 grep -q "^{\"victim_seq\":[0-9]*,\"pid\":$2," "$WORK/tool.json" ||
		echo "@@WARN the tool has not reported $2"
	kill -INT "$_recp"
	wait "$_recp"
	echo "@@FILE real-$(uname -r | cut -d+ -f1 | cut -d- -f1)-$3.oomrec $(base64 -w 0 "$WORK/$1.oomrec")"
	_recp=
}

# O-global: a global OOM, no memcg limit: the hog (oom_score_adj 1000, the
# OOM killer's choice) fills the guest's memory; the kernel's report has
# Mem-Info and every task of the guest instead of a memcg's counters.
scen_O() {
	# never on the host's row: a global OOM of the machine itself
	if [ ! -f /vmtest/guest.sh ]; then
		echo "@@SCEN SKIP rung=$RUNG scen=O-global not in a guest"
		return 0
	fi
	scen_begin O-global
	rec_start o
	rm -f "$WORK/hogO"
	sh -c "echo 1000 >/proc/self/oom_score_adj; exec $VMFIX hog 4096" >"$WORK/hogO" 2>&1 &
	hp=$!
	wait "$hp"
	rc=$?
	sleep 2.4
	rec_stop o "$hp" global-oom
	scen_end "$hp" "exit=$rc"
}

# O-slab: a global OOM with more unreclaimable slab than user memory (560
# MiB of System V messages, vmfix slab): the kernel's report lists the
# unreclaimable slab caches after Mem-Info.  The hog is the OOM killer's
# choice; the messages are removed afterwards.
scen_O_slab() {
	if [ ! -f /vmtest/guest.sh ]; then
		echo "@@SCEN SKIP rung=$RUNG scen=O-slab not in a guest"
		return 0
	fi
	echo 2147483647 >/proc/sys/kernel/msgmnb || return 1
	rm -f "$WORK/readyS"
	$VMFIX slab 560 "$WORK/readyS" &
	sp=$!
	wait_for 120 test -f "$WORK/readyS" || { echo "@@WARN slab fill not ready"; kill_wait "$sp"; return 1; }
	scen_begin O-slab
	rec_start s
	rm -f "$WORK/hogS"
	sh -c "echo 1000 >/proc/self/oom_score_adj; exec $VMFIX hog 4096" >"$WORK/hogS" 2>&1 &
	hp=$!
	wait "$hp"
	rc=$?
	sleep 2.4
	rec_stop s "$hp" slab-oom
	scen_end "$hp" "exit=$rc"
	kill -TERM "$sp"
	wait "$sp"
}

# B: a two-thread victim in a frozen v1 freezer cgroup; the OOM killer
# thaws only the chosen thread, the frozen one keeps the mm: reaped at +2 s.
scen_B() {
	if [ ! -f "$FREEZER/freezer.state" ] && [ ! -d "$FREEZER" ]; then
		echo "@@SCEN SKIP rung=$RUNG scen=B-frz no v1 freezer"
		return 0
	fi
	cg=$(new_memcg "vmt_B_$RUNG" 128M) || return 1
	fz=$FREEZER/vmt_B_$RUNG
	mkdir "$fz" || return 1
	rm -f "$WORK/readyB"
	sh -c "echo \$\$ >$cg/cgroup.procs; echo 1000 >/proc/self/oom_score_adj; exec $VMFIX victim 100 2 $WORK/readyB" &
	vp=$!
	wait_for 60 test -f "$WORK/readyB" || echo "@@WARN victim not ready"
	echo "$vp" >"$fz/cgroup.procs"
	echo FROZEN >"$fz/freezer.state"
	wait_for 10 grep -q '^FROZEN' "$fz/freezer.state" || echo "@@WARN freezer: $(cat "$fz/freezer.state")"
	frozen=$(thread_states "$vp")
	scen_begin B-frz
	rm -f "$WORK/hogB"
	sh -c "echo \$\$ >$cg/cgroup.procs; exec $VMFIX hog 64" >"$WORK/hogB" 2>&1 &
	hp=$!
	wait_for 20 trigger_done "$WORK/hogB" "$hp" || echo "@@WARN trigger did not finish"
	sleep 0.3
	scen_end "$vp" "trigger=$hp frozen=$frozen after=$(thread_states "$vp")"
	echo THAWED >"$fz/freezer.state"
	kill_wait "$vp" "$hp"
	rm_cgroup "$fz"
	rm_cgroup "$cg"
}

# C-mod-reap / C-mod-unable: the test module (module/oomhold.c) holds the
# victim's mmap_lock for write from the kill on: trylock failures, then a
# reap (held 2.5 s, mm kept 1 s more) or 10 failures and "unable to reap"
# (held 3.4 s).
scen_C() {
	name=$1 hold=$2 linger=$3
	if [ ! -f "$MODULE" ]; then
		echo "@@SCEN SKIP rung=$RUNG scen=$name no module"
		return 0
	fi
	cg=$(new_memcg "vmt_${name}_$RUNG" 128M) || return 1
	rm -f "$WORK/ready$name"
	sh -c "echo \$\$ >$cg/cgroup.procs; echo 1000 >/proc/self/oom_score_adj; exec $VMFIX victim 100 1 $WORK/ready$name" &
	vp=$!
	wait_for 60 test -f "$WORK/ready$name" || echo "@@WARN victim not ready"
	scen_begin "$name"
	insmod "$MODULE" pid="$vp" hold_ms="$hold" linger_ms="$linger" timeout_ms=20000 ||
		echo "@@WARN insmod failed"
	rm -f "$WORK/hog$name"
	sh -c "echo \$\$ >$cg/cgroup.procs; exec $VMFIX hog 64" >"$WORK/hog$name" 2>&1 &
	hp=$!
	wait_for 30 module_done "$vp" || echo "@@WARN module not done"
	wait_for 10 trigger_done "$WORK/hog$name" "$hp" || echo "@@WARN trigger still running"
	sleep 0.3
	scen_end "$vp" "trigger=$hp hold_ms=$hold linger_ms=$linger"
	# The tool names the module's frames from kallsyms, which it reads
	# when the first stack arrives; under TCG one read of it takes about a
	# second.  Unload the module only once the tool has reported the
	# victim, not while it may still be reading the module's symbols.
	wait_for 20 grep -q "\"pid\":$vp," "$WORK/tool.json" ||
		echo "@@WARN the tool has not reported $vp"
	rmmod oomhold || echo "@@WARN rmmod failed"
	kill_wait "$vp" "$hp"
	rm_cgroup "$cg"
}

# G: a memory.oom.group kill in a Kubernetes-shaped container cgroup
# (kubelet sets memory.oom.group=1 on every container since 1.28): three
# 8 MiB tasks and a hog in 64 MiB.  The kernel kills the hog and then every
# task of the group, the hog again among them.  At the same moment a
# plain OOM in a memcg of its own: the tool must keep the two OOMs apart.
G_POD=kubepods-burstable-pod1b2c3d4e_5f60_4a7b_8c9d_0e1f2a3b4c5d.slice
G_CTR=cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope
scen_G() {
	if [ ! -f "$CGROOT/cgroup.controllers" ]; then
		echo "@@SCEN SKIP rung=$RUNG scen=G no cgroup v2 (memory.oom.group)"
		return 0
	fi
	top=$CGROOT/vmt_G_$RUNG
	g_rel=vmt_G_$RUNG/kubepods.slice/kubepods-burstable.slice/$G_POD/$G_CTR
	# every level passes the memory controller down
	_d=$CGROOT
	for _c in vmt_G_$RUNG kubepods.slice kubepods-burstable.slice "$G_POD"; do
		grep -qw memory "$_d/cgroup.subtree_control" || echo +memory >"$_d/cgroup.subtree_control"
		_d=$_d/$_c
		mkdir "$_d" || return 1
	done
	grep -qw memory "$_d/cgroup.subtree_control" || echo +memory >"$_d/cgroup.subtree_control"
	gc=$(new_memcg "$g_rel" 64M) || return 1
	echo 1 >"$gc/memory.oom.group" || { echo "@@WARN cannot set memory.oom.group"; return 1; }
	pc=$(new_memcg "vmt_Gp_$RUNG" 64M) || return 1
	members=
	for i in 1 2 3; do
		rm -f "$WORK/readyG$i"
		sh -c "echo \$\$ >$gc/cgroup.procs; exec $VMFIX victim 8 1 $WORK/readyG$i" &
		members="$members $!"
	done
	for i in 1 2 3; do
		wait_for 60 test -f "$WORK/readyG$i" || echo "@@WARN member $i not ready"
	done
	scen_begin G
	# RECORD_G: a second tool records the scenario (tracepoint rung only)
	grp=
	if [ -n "${RECORD_G:-}" ] && [ "$RUNG" = tracepoint ]; then
		rm -f "$WORK/g.oomrec" "$WORK/grec.err"
		"$BIN" --json --attach=tracepoint --no-summary --record "$WORK/g.oomrec" \
			>/dev/null 2>"$WORK/grec.err" &
		grp=$!
		wait_for 120 eval 'grep -q "oomreap-trace: ready" "$WORK/grec.err" || ! alive $grp'
	fi
	rm -f "$WORK/hogG" "$WORK/hogGp"
	sh -c "echo \$\$ >$gc/cgroup.procs; exec $VMFIX hog 256" >"$WORK/hogG" 2>&1 &
	gh=$!
	sh -c "echo \$\$ >$pc/cgroup.procs; exec $VMFIX hog 256" >"$WORK/hogGp" 2>&1 &
	ph=$!
	wait "$gh"
	wait "$ph"
	for m in $members; do
		wait_for 20 eval '! alive $m' || echo "@@WARN group member $m survived"
	done
	# the tool has reported every victim: then its lines are all in.  Its
	# own line: the chosen hog is every member's trigger, "tgid":N is in
	# theirs too (an incident closing at its loss deadline comes ~10 s on)
	for p in $gh $ph $members; do
		wait_for 20 grep -q "^{\"victim_seq\":[0-9]*,\"pid\":[0-9]*,\"tgid\":$p," \
			"$WORK/tool.json" ||
			echo "@@WARN the tool has not reported $p"
	done
	if [ -n "$grp" ]; then
		kill -INT "$grp"
		wait "$grp"
		echo "@@FILE real-$(uname -r | cut -d+ -f1 | cut -d- -f1)-group-kill.oomrec $(base64 -w 0 "$WORK/g.oomrec")"
	fi
	scen_end "$gh" "plain=$ph members=$(echo $members | tr ' ' ,) group=/$g_rel plaincg=/vmt_Gp_$RUNG"
	kill_wait $members "$gh" "$ph"
	rm_cgroup "$gc"
	rm_cgroup "$pc"
	# the levels above count their descendants' kills: removed, not reported
	_d=$(dirname "$gc")
	while [ "$_d" != "$CGROOT" ]; do
		wait_for 5 rmdir "$_d" 2>/dev/null || echo "@@WARN cannot remove $_d"
		_d=$(dirname "$_d")
	done
}

# ---- FUSE recipes (docs/LAB.md B2 and C2), with tests/fixtures/ built statically

fuse_start() {
	FMNT=$WORK/fuse
	mkdir -p "$FMNT"
	rm -f "$WORK/fh.in" "$WORK/fh.out"
	mkfifo "$WORK/fh.in"
	exec 7<>"$WORK/fh.in"
	"$FX/fuse_hold" -s 16 "$FMNT" <"$WORK/fh.in" >"$WORK/fh.out" 2>&1 &
	FHP=$!
	wait_for 10 grep -q '^ready' "$WORK/fh.out" || { echo "@@WARN fuse_hold not ready: $(cat "$WORK/fh.out")"; return 1; }
}

fuse_stop() {
	echo quit >&7
	wait_for 5 eval '! alive $FHP' || kill -9 "$FHP" 2>/dev/null
	wait "$FHP" 2>/dev/null
	exec 7>&-
	umount "$FMNT" 2>/dev/null
}

# victim_fuse CG ARGS...: oom_victim with a stdin that stays open; sets VP, VOUT.
victim_fuse() {
	_cg=$1
	shift
	rm -f "$WORK/ov.in" "$WORK/ov.out"
	mkfifo "$WORK/ov.in"
	exec 8<>"$WORK/ov.in"
	"$FX/oom_victim" -c "$_cg" -o 1000 -m 100 "$@" <"$WORK/ov.in" >"$WORK/ov.out" 2>&1 7>&- &
	VP=$!
	VOUT=$WORK/ov.out
	wait_for 60 grep -q '^ready' "$VOUT" || { echo "@@WARN oom_victim not ready: $(cat "$VOUT")"; return 1; }
}

# thread_states PID: "tid:state,..." (from /proc/PID/task/*/stat; never
# cmdline: that blocks on a stuck victim's mmap_lock).
thread_states() {
	for t in /proc/"$1"/task/*; do
		[ -r "$t/stat" ] && printf '%s:%s,' "${t##*/}" "$(sed 's/.*) //; s/ .*//' "$t/stat" 2>/dev/null)"
	done
	echo
}

held_by() { grep -q "^held .*pid=$1 " "$WORK/fh.out"; }
in_state() { alive "$1" && sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | grep -q "^$2"; }

# B-fuse: a victim thread blocked in a held FUSE READ pins the mm.
scen_Bfuse() {
	cg=$(new_memcg "vmt_Bf_$RUNG" 128M) || return 1
	fuse_start || return 1
	victim_fuse "$cg" -r "$FMNT/data" || { fuse_stop; return 1; }
	vp=$VP
	reader=$(sed -n 's/.*reader_tid=\([0-9]*\).*/\1/p' "$VOUT")
	wait_for 10 held_by "$reader" || echo "@@WARN reader $reader not held"
	scen_begin B-fuse
	rm -f "$WORK/hogBf"
	sh -c "echo \$\$ >$cg/cgroup.procs; exec $VMFIX hog 64" >"$WORK/hogBf" 2>&1 7>&- 8>&- &
	hp=$!
	wait_for 20 trigger_done "$WORK/hogBf" "$hp" || echo "@@WARN trigger did not finish"
	sleep 0.3
	scen_end "$vp" "trigger=$hp reader=$reader"
	echo release >&7
	wait_for 10 eval '! alive $vp' || echo "@@WARN victim still alive after release"
	kill_wait "$vp" "$hp"
	exec 8>&-
	fuse_stop
	rm_cgroup "$cg"
}

# R-allcpu: B-fuse's recipe with a victim whose memory was touched from
# every CPU (vmfix spread: one pinned thread per CPU), so that its RSS
# counters' per-CPU parts are spread over all of them: the tool's RSS at the
# kill and its freed pages against the kernel's lines, on a many-CPU guest.
scen_R() {
	cg=$(new_memcg "vmt_R_$RUNG" 128M) || return 1
	fuse_start || return 1
	rm -f "$WORK/readyR"
	sh -c "echo \$\$ >$cg/cgroup.procs; echo 1000 >/proc/self/oom_score_adj; exec $VMFIX spread 96 $FMNT/data $WORK/readyR" 7>&- &
	vp=$!
	wait_for 60 test -f "$WORK/readyR" || echo "@@WARN spread victim not ready"
	reader=$(cut -d' ' -f2 "$WORK/readyR" 2>/dev/null)
	cpus=$(cut -d' ' -f3 "$WORK/readyR" 2>/dev/null)
	wait_for 10 held_by "$reader" || echo "@@WARN reader $reader not held"
	scen_begin R-allcpu
	rm -f "$WORK/hogR"
	sh -c "echo \$\$ >$cg/cgroup.procs; exec $VMFIX hog 64" >"$WORK/hogR" 2>&1 7>&- &
	hp=$!
	wait_for 20 trigger_done "$WORK/hogR" "$hp" || echo "@@WARN trigger did not finish"
	sleep 0.3
	scen_end "$vp" "trigger=$hp reader=$reader cpus=$cpus"
	echo release >&7
	wait_for 10 eval '! alive $vp' || echo "@@WARN victim still alive after release"
	kill_wait "$vp" "$hp"
	fuse_stop
	rm_cgroup "$cg"
}

# M-storm (the preemptible 7.x rows): the kernel skips runs of the tool's
# exit program for real (tests/vm/exitstorm.c: exits on every CPU, and
# SCHED_FIFO threads woken by a timer that exit as well, preempting a run
# and re-entering it on its CPU), while hogs are OOM-killed one after
# another in a test memcg, each with 64 sleeping threads (its exit is 64
# runs of the program among the storm's, the incident open until the
# last).  Every kill must still end in the tool's output: its end seen, or
# closed at its loss deadline (ended_unseen).
scen_M() {
	cg=$(new_memcg "vmt_M_$RUNG" 24M) || return 1
	scen_begin M-storm
	rm -f "$WORK/storm.done"
	(while [ ! -f "$WORK/storm.done" ]; do
		sh -c "echo \$\$ >$cg/cgroup.procs; exec $STORM hog 64" 7>&- 8>&-
	done) &
	lp=$!
	echo "@@STORM rung=$RUNG $("$STORM" "$STORM_SECS" 2 200 2>&1 7>&- 8>&-)"
	touch "$WORK/storm.done"
	wait "$lp"
	# each incident is printed when it ends; one whose end was a skipped
	# run closes at its loss deadline (at most 10 s after the kill, 5 s
	# after its last event)
	wait_for 40 storm_reported || echo "@@WARN not every kill of the storm was reported"
	scen_end 0 "memcg=${cg#"$CGROOT"}"
	rm_cgroup "$cg"
}

# storm_reported: every kill logged since the scenario began is an incident
# the tool has printed.
storm_reported() {
	for _p in $(kmsg_since "$KMSG_T0" | sed -n 's/.*Killed process \([0-9]*\) .*/\1/p'); do
		grep -q "^{\"victim_seq\":[0-9]*,\"pid\":$_p," "$WORK/tool.json" || return 1
	done
}

# skips_of PID: the reaper's skip_task_reaping events for PID so far.
skips_of() { grep -c "skip_task_reaping: pid=$1\$" "$INST/trace"; }
# lock_fails: the reaper's failed trylocks so far (the ground truth above).
lock_fails() {
	grep -cE 'mmap_lock_acquire_returned: .*success=false|trylock: .*ret=0x0' "$INST/trace"
}
# loop_over PID: the reaper is done with PID: a skip that was no failed
# trylock (mm gone), a finish, or the 10th attempt.
loop_over() {
	_s=$(skips_of "$1")
	[ "$_s" -ge 10 ] || [ "$_s" -gt "$(lock_fails)" ] ||
		grep -q "finish_task_reaping: pid=$1\$" "$INST/trace"
}

# C-fuse: /proc/PID/mem reader stuck in a held FUSE READ with the victim's
# mmap_lock, clear_refs writer queued behind it: 10 failures, unable to reap.
# C-fuse-partial: the same, released after the 4th failed attempt: the
# victim exits while the reaper retries (on 4.17-5.19 its own exit_mmap()
# unmaps the memory first), and the reaper's next attempt finds
# MMF_OOM_SKIP: failures, then "mm gone", no "unable to reap".
#
# Nothing but the scenario takes the victim's mmap_lock in the window
# between the reader's lock and the writer's queueing: a reader of
# /proc/PID/maps or cmdline would block behind the writer, and khugepaged,
# whose scan trylocks every registered mm, sleeps in the guests
# (tests/vm/init; 6.12, CI, 2026-12: its name was left in the owner word,
# the "last reader" the tool reports as a hint).  On the host, THP
# "madvise" keeps the victim out of its list.
scen_Cfuse() {
	name=$1
	cg=$(new_memcg "vmt_Cf${name#C-fuse}_$RUNG" 128M) || return 1
	fuse_start || return 1
	victim_fuse "$cg" -p "$FMNT/data" || { fuse_stop; return 1; }
	vp=$VP
	map=$(sed -n 's/.*map=\(0x[0-9a-f]*\).*/\1/p' "$VOUT")
	addr=$(printf '0x%x' $((map + 65536)))
	rm -f "$WORK/pm.out"
	"$FX/procpoke" mem "$vp" "$addr" >"$WORK/pm.out" 2>&1 </dev/null 7>&- 8>&- &
	rp=$!
	wait_for 10 held_by "$rp" || echo "@@WARN /proc/mem reader $rp not held"
	rm -f "$WORK/pc.out"
	"$FX/procpoke" clear_refs "$vp" >"$WORK/pc.out" 2>&1 </dev/null 7>&- 8>&- &
	wp=$!
	wait_for 10 in_state "$wp" D || echo "@@WARN clear_refs writer $wp not blocked"
	scen_begin "$name"
	rm -f "$WORK/hogCf"
	sh -c "echo \$\$ >$cg/cgroup.procs; exec $VMFIX hog 64" >"$WORK/hogCf" 2>&1 7>&- 8>&- &
	hp=$!
	if [ "$name" = C-fuse ]; then
		wait_for 20 eval 'kmsg_since "$KMSG_T0" | grep -q "unable to reap pid:$vp "' ||
			echo "@@WARN no unable to reap"
	else
		wait_for 20 eval '[ "$(skips_of $vp)" -ge 4 ]' || echo "@@WARN no 4th skip"
		echo release >&7
		wait_for 10 eval '! alive $vp' || echo "@@WARN victim still alive after release"
		# its mm is gone now: the reaper's next attempt ends the loop
		wait_for 5 loop_over "$vp" || echo "@@WARN reap loop still going"
	fi
	wait_for 10 trigger_done "$WORK/hogCf" "$hp" || echo "@@WARN trigger still running"
	sleep 0.3
	scen_end "$vp" "trigger=$hp reader=$rp writer=$wp"
	echo release >&7
	wait_for 10 eval '! alive $vp' || echo "@@WARN victim still alive after release"
	kill_wait "$vp" "$hp" "$rp" "$wp"
	exec 8>&-
	fuse_stop
	rm_cgroup "$cg"
}


# The userspace-killer scenarios: Debian's earlyoom 1.9 (the sid .deb's
# own binary, run with the guest's copy of the host's C library) polls the
# whole guest's free memory and kills uhog, which grows until it does.
# Guest only: vmtest.py writes /vmtest/earlyoom-ok into guests, never on
# the host (earlyoom would act on the host's memory).  Ground truth:
# earlyoom's own log (@@EOOM) and tracefs: signal_generate (SIGKILL and
# SIGTERM), sched_process_exit of uhog, the process_mrelease syscalls.
#   scen_U NAME MEM_PERCENTS [uhog -H or -N]
EARLYOOM=/usr/bin/earlyoom
killer_trace() {
	for _e in signal/signal_generate sched/sched_process_exit \
		syscalls/sys_enter_process_mrelease syscalls/sys_exit_process_mrelease; do
		[ -d "$INST/events/$_e" ] || continue
		case $_e in
		signal/*) echo "$2" >"$INST/events/$_e/filter" ;;
		sched/*) echo 'comm == "uhog"' >"$INST/events/$_e/filter" ;;
		esac
		echo "$1" >"$INST/events/$_e/enable"
	done
}
scen_U() {
	name=$1 mem=$2 hogopt=$3
	if [ ! -f /vmtest/earlyoom-ok ] || [ ! -x "$EARLYOOM" ] || [ ! -x /vmtest/uhog ]; then
		echo "@@SCEN SKIP rung=$RUNG scen=$name why=no earlyoom in this guest"
		return
	fi
	killer_trace 1 'sig == 9 || sig == 15'
	rec_start u "$_mrel"
	scen_begin "$name"
	rm -f "$WORK/eo.log" "$WORK/hog.out"
	"$EARLYOOM" -m "$mem" -r 0 --prefer '^uhog$' \
		--avoid '^(oomreap-trace|init|sh|earlyoom|busybox)$' >"$WORK/eo.log" 2>&1 &
	ep=$!
	wait_for 20 grep -q 'SIGKILL when mem avail' "$WORK/eo.log"
	# shellcheck disable=SC2086 # hogopt: -H, -N or nothing
	/vmtest/uhog $hogopt 8 4096 >"$WORK/hog.out" 2>&1 &
	hp=$!
	wait_for 20 grep -q ready "$WORK/hog.out"
	wait_for 120 eval '! alive $hp'
	wait_for 20 grep -q "process $hp exited after" "$WORK/eo.log"
	kill_wait "$hp"
	kill -TERM "$ep" 2>/dev/null
	wait "$ep" 2>/dev/null
	killer_trace 0 0
	# the incident closes once the victim's exit and earlyoom's calls are
	# in (a settle window after them): wait for the tool's line of it
	wait_for 40 grep -q "^{\"victim_seq\":[0-9]*,\"pid\":[0-9]*,\"tgid\":$hp," \
		"$WORK/tool.json" || echo "@@WARN the tool has not reported $hp"
	# U-term-handled -> real-REL-earlyoom-term-handled.oomrec
	rec_stop u "$hp" "earlyoom${name#U}"
	echo "@@SCEN BEGIN rung=$RUNG scen=$SCEN victim=$hp earlyoom=$ep"
	sed 's/^/@@EOOM /' "$WORK/eo.log"
	kmsg_since "$KMSG_T0" | grep -E 'Killed process|oom-kill:|BUG|WARNING|Call Trace' |
		sed 's/^/@@KMSG /'
	grep -v '^#' "$INST/trace" | sed 's/^/@@TRACE /'
	echo "@@SCEN END rung=$RUNG scen=$SCEN"
}

# U-neg: kills that are no memory kills: a person's kill -9, and a program
# that calls itself earlyoom (a copy of the ukiller fixture named so, not
# the earlyoom file) killing its child the way earlyoom does.
scen_Uneg() {
	scen_begin U-neg
	sleep 1000 &
	sp=$!
	kill -9 "$sp"
	wait "$sp" 2>/dev/null
	mkdir -p "$WORK/fake" && cp "$FX/ukiller" "$WORK/fake/earlyoom"
	"$WORK/fake/earlyoom" -s 8 >"$WORK/fake.out" 2>&1
	fp=$(sed -n 's/^victim //p' "$WORK/fake.out")
	sleep 0.5
	scen_end "${fp:-0}" "sleeper=$sp fake=${fp:-0}"
}

run_rung() {
	RUNG=$1
	echo "@@RUNG BEGIN rung=$RUNG"
	rm -f "$WORK/tool.json" "$WORK/tool.err"
	# the userspace killers' scenarios: on the rungs of KILLER_RUNGS (all
	# when empty), with their process_mrelease calls timed (--mrelease:
	# syscall tracepoints, opt-in), that rung's tool only
	_mrel=
	_ukill=
	case " ${KILLER_RUNGS:-$RUNG} " in *" $RUNG "*) _ukill=1 ;; esac
	case " $SCENARIOS " in *" U-"*) [ -n "$_ukill" ] && _mrel=--mrelease ;; esac
	# shellcheck disable=SC2086 # TOOL_ARGS: words on purpose
	"$BIN" --json --attach="$RUNG" $_mrel $TOOL_ARGS >"$WORK/tool.json" 2>"$WORK/tool.err" &
	tp=$!
	wait_for 120 eval 'grep -q "oomreap-trace: ready" "$WORK/tool.err" || ! alive $tp'
	if ! grep -q 'oomreap-trace: ready' "$WORK/tool.err"; then
		kill -9 "$tp" 2>/dev/null
		wait "$tp"
		sed "s/^/@@TOOLERR rung=$RUNG /" "$WORK/tool.err"
		echo "@@RUNG END rung=$RUNG rc=start-failed"
		return 1
	fi
	step "rung=$RUNG phase=ready"
	RUNG_KMSG_T0=$(kmsg_now)
	for s in $SCENARIOS; do
		# and O-slab, added on those rows: one rung is enough (KILLER_RUNGS)
		case $s in U-* | O-slab) [ -n "$_ukill" ] || continue ;; esac
		# M-storm: on STORM_RUNG alone (vmtest.py says why)
		case $s in M-storm) [ "$RUNG" = "${STORM_RUNG:-$RUNG}" ] || continue ;; esac
		# auto loading another rung's very programs: A and the one-rung ones
		if [ "$RUNG" = auto ] && [ -n "${AUTO_SAME:-}" ] && [ -z "${AUTO_FULL:-}" ]; then
			case $s in A | U-* | O-slab) ;; *) continue ;; esac
		fi
		case $s in
		A) scen_A ;;
		B-frz) scen_B ;;
		B-fuse) scen_Bfuse ;;
		C-mod-reap) scen_C C-mod-reap 2500 1000 ;;
		C-mod-unable) scen_C C-mod-unable 3400 500 ;;
		C-fuse | C-fuse-partial) scen_Cfuse "$s" ;;
		G) scen_G ;;
		O-global) scen_O ;;
		O-slab) scen_O_slab ;;
		R-allcpu) scen_R ;;
		M-storm) scen_M ;;
		U-earlyoom) scen_U U-earlyoom 10,10 ;;
		# 4 KiB pages where the exit is traced before exit_mm() (6.18+):
		# earlyoom's process_mrelease then outlasts the exit event
		U-term) scen_U U-term 10,5 "$(kernel_at_least 6 18 && echo -N)" ;;
		U-term-handled) scen_U U-term-handled 10,5 -H ;;
		U-neg) scen_Uneg ;;
		*) echo "@@WARN unknown scenario $s" ;;
		esac
	done
	kill -INT "$tp"
	wait "$tp"
	rc=$?
	# Every kill of the session, gaps between scenarios included: a
	# scenario's trigger may itself be killed after its window closed.
	kmsg_since "$RUNG_KMSG_T0" | grep -E 'Killed process|oom-kill:' |
		sed "s/^/@@RKMSG rung=$RUNG /"
	sed "s/^/@@JSON rung=$RUNG /" "$WORK/tool.json"
	sed "s/^/@@TOOLERR rung=$RUNG /" "$WORK/tool.err"
	echo "@@RUNG END rung=$RUNG rc=$rc"
}

# The CO-RE subset BTF (src/live/corebtf.c) must relocate every program of a
# rung exactly as the whole BTF does: same program tags.  `probe -v` loads
# each rung once and prints its tags ("program tag (RUNG):"): the subset's
# are in $WORK/probe already (main), one more probe gives the whole BTF's.
core_tags() {
	OOMREAP_FULL_CORE_BTF=1 "$BIN" probe -v >"$WORK/probe.full" 2>/dev/null
	for _r in fentry kprobe tracepoint; do
		grep "^program tag ($_r):" "$WORK/probe" >"$WORK/tags.sub"
		grep "^program tag ($_r):" "$WORK/probe.full" >"$WORK/tags.full"
		_n=$(wc -l <"$WORK/tags.sub")
		if [ "$_n" -gt 0 ] && cmp -s "$WORK/tags.sub" "$WORK/tags.full"; then
			echo "@@CORETAGS rung=$_r n=$_n same"
		else
			echo "@@CORETAGS rung=$_r n=$_n differ"
		fi
	done
}

# The auto rung's plan (probe's "plan" with its tags) loads the programs of
# one of the other rungs, tag for tag: its cells would repeat that rung's.
# Then, unless AUTO_FULL, the auto rung runs A (the automatic choice at
# work) and the one-rung scenarios only (vmtest.py checks the claim from
# the @@PROBE lines and marks the rest n/a).
auto_same() {
	AUTO_SAME=
	_p=$(sed -n 's/^attach rung: *\([a-z]*\).*/\1/p' "$WORK/probe" | tail -1)
	[ -n "$_p" ] || return 0
	sed -n 's/^program tag: *//p' "$WORK/probe" | sort >"$WORK/tags.plan"
	sed -n "s/^program tag ($_p): *//p" "$WORK/probe" | sort >"$WORK/tags.rung"
	if [ -s "$WORK/tags.plan" ] && cmp -s "$WORK/tags.plan" "$WORK/tags.rung"; then
		AUTO_SAME=$_p
		echo "@@INFO auto_same_as=$_p"
	fi
}

main() {
	# the CPUs the kernel brought up: the RSS tolerance where the kernel's
	# log reads the approximate counters depends on it
	echo "@@INFO ncpu=$(grep -c '^processor' /proc/cpuinfo)"
	# where a guest's time goes (the matrix's wall time): @@STEP t= marks
	step "phase=probe"
	# stdout and stderr apart: a buffered stdout and an unbuffered stderr
	# in one file can interleave inside a line
	"$BIN" probe -v >"$WORK/probe" 2>"$WORK/probe.err"
	echo "@@PROBE rc=$?"
	cat "$WORK/probe" "$WORK/probe.err" | sed 's/^/@@PROBE /'
	step "phase=coretags"
	core_tags
	auto_same
	step "phase=slice"
	# The reader's scheduler slice request, as this kernel answers it
	# (granted from 6.12, ignored before): said with -v.
	"$BIN" -v --duration 1 --attach=tracepoint --no-kmsg 2>&1 |
		grep 'scheduler slice' | sed 's/^/@@SLICE /'
	setup_trace || echo "@@WARN no tracefs instance"
	for r in $RUNGS; do
		step "phase=rung rung=$r"
		run_rung "$r"
	done
	teardown_trace
	step "phase=end"
}

main
