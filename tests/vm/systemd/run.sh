#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The systemd-oomd guest's test (tests/vm/oomd_guest.py), run by
# oomtest-run.service once systemd, PID 1, has the system up (and, as
# "run.sh swap", by oomtest-swap.service before systemd-oomd starts).  It
# does not judge: it prints what happened as "@@" lines on the guest's own
# serial port (ttyS1), and the host checks them.
#
#   @@OOMD BEGIN release=R            @@OOMD END rc=N
#   @@INFO key=value                  versions, pids, states
#   @@STEP t=UPTIME what              progress (a hung guest's tail)
#   @@NEG cgroup=P pids=A,B killer=K  the negative case: the unit's pids and
#                                     the shell that wrote its cgroup.kill
#   @@BLOAT cgroup=P pids=A,B,... cgroup_id=N
#                                     the victim unit's pids, read before the
#                                     kill, and its cgroup's id
#   @@MBLOAT cgroup=P pids=A,B,... cgroup_id=N
#                                     the same for Meta oomd's victim unit
#   @@NBLOAT cgroup=P pids=A cgroup_id=N
#                                     the same for nohang's victim unit
#   @@OOMCTL <line>                   oomctl's view while pressure builds
#   @@XATTR <line>                    what ExecStopPost= read on the unit's cgroup
#   @@JOURNAL <line>                  systemd-oomd's, oomd's, nohang's and
#                                     PID 1's lines of the units
#   @@TRACE <line>                    tracefs instance: every SIGKILL's and
#                                     SIGTERM's signal_generate with the
#                                     kernel's stack
#                                     (how it was sent), systemd-oomd's
#                                     write(2) calls, every process_mrelease
#                                     call, the fixtures' exits
#   @@JSON <line>, @@TOOLERR <line>   oomreap-trace's stdout (--json), stderr
#
# Config (/vmtest/config): ZRAM_MB (swap on zram, 0: none), MODULES (the
# .ko files under /vmtest/modules to load first, in order), TOOL_ARGS,
# KILL_TIMEOUT (seconds each killer gets to act).
# shellcheck disable=SC2016 # eval '...' expands later, on purpose

exec </dev/null >/dev/ttyS1 2>&1
# shellcheck source=/dev/null
[ -f /vmtest/config ] && . /vmtest/config
: "${ZRAM_MB:=0}" "${TOOL_ARGS:=-v}" "${KILL_TIMEOUT:=120}" "${MODULES:=}"
FIX=/vmtest/oomdfix
BIN=/vmtest/oomreap-trace
W=/run/oomtest
CG=/sys/fs/cgroup
TRACEFS=/sys/kernel/tracing
INST=$TRACEFS/instances/oomtest
BLOAT=oomtest-bloat.service
BLOAT_CG=/oomtest.slice/$BLOAT
NEG=oomtest-neg.service
NEG_CG=/system.slice/$NEG
MBLOAT=metaoomd-bloat.service
MBLOAT_CG=/metaoomd.slice/$MBLOAT
NBLOAT=nohang-bloat.service
NBLOAT_CG=/nohangtest.slice/$NBLOAT
mkdir -p $W

step() { echo "@@STEP t=$(cut -d' ' -f1 /proc/uptime) $*"; }

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

state() { systemctl show -P ActiveState "$1"; }
# the unit is up, or on its way up or down
running() { case $(state "$1") in active | activating | deactivating | reloading) return 0 ;; esac; return 1; }
# the pids of a cgroup, comma-separated
pids_of() { paste -sd, "$CG$1/cgroup.procs" 2>/dev/null; }
# (0 once the cgroup is gone)
nprocs() { { wc -l <"$CG$1/cgroup.procs"; } 2>/dev/null || echo 0; }
# every process of the cgroup runs the fixture (exec done), and there are $2
all_fixture() {
	[ "$(nprocs "$1")" -ge "$2" ] || return 1
	while read -r _p; do
		[ "$(cat "/proc/$_p/comm" 2>/dev/null)" = oomdfix ] || return 1
	done <"$CG$1/cgroup.procs"
}
tool_has() { grep -q "\"tgid\":$1," $W/tool.json; }
all_reported() {
	for _p in $(echo "$1" | tr , ' '); do tool_has "$_p" || return 1; done
}

setup_swap() {
	[ "$ZRAM_MB" -gt 0 ] || return 0
	for m in $MODULES; do
		$FIX insmod "/vmtest/modules/$m" || echo "@@WARN insmod $m failed"
	done
	wait_for 10 test -e /sys/block/zram0/disksize || { echo "@@WARN no zram0"; return 1; }
	echo "${ZRAM_MB}M" >/sys/block/zram0/disksize &&
		mkswap /dev/zram0 >/dev/null && swapon /dev/zram0 ||
		echo "@@WARN zram swap failed"
}

setup_trace() {
	mountpoint -q $TRACEFS || mount -t tracefs tracefs $TRACEFS || return 1
	mkdir -p $INST || return 1
	echo 0 >$INST/tracing_on
	echo mono >$INST/trace_clock
	echo 4096 >$INST/buffer_size_kb
	e=$INST/events/signal/signal_generate
	# SIGKILLs, and SIGTERMs: nohang's soft action
	echo 'sig == 9 || sig == 15' >$e/filter
	# how each was sent: the kernel's stack at the event
	echo 'stacktrace if sig == 9 || sig == 15' >$e/trigger
	echo 1 >$e/enable
	e=$INST/events/sched/sched_process_exit
	echo 'comm == "oomdfix"' >$e/filter
	echo 1 >$e/enable
	# systemd-oomd's write(2) calls: which one sent which SIGKILLs
	for e in $INST/events/syscalls/sys_enter_write $INST/events/syscalls/sys_exit_write; do
		[ -d "$e" ] || continue
		echo "common_pid == $1" >"$e/filter"
		echo 1 >"$e/enable"
	done
	# anyone's process_mrelease(2) (Meta oomd 0.5.0 should make none)
	e=$INST/events/syscalls/sys_enter_process_mrelease
	[ -d "$e" ] && echo 1 >"$e/enable"
	echo 1 >$INST/tracing_on
}

info() {
	echo "@@INFO pid1=$(cat /proc/1/comm) $(readlink /proc/1/exe)"
	echo "@@INFO systemd=$(systemctl --version | head -n 1)"
	echo "@@INFO systemd_oomd=$(/usr/lib/systemd/systemd-oomd --version | head -n 1)"
	echo "@@INFO metaoomd=$(/usr/bin/oomd --version 2>&1 | head -n 1)"
	echo "@@INFO nohang=$(/usr/sbin/nohang --version 2>&1 | head -n 1)"
	echo "@@INFO packages=$(dpkg-query -W -f '${Package}=${Version} ' systemd systemd-oomd dbus oomd nohang)"
	echo "@@INFO cmdline=$(cat /proc/cmdline)"
	echo "@@INFO psi=$(cd /proc/pressure 2>/dev/null && echo *)"
	echo "@@INFO cgroupfs=$(stat -f -c %T $CG)"
	echo "@@INFO ncpu=$(nproc)"
}

# the negative case: a plain shell kills a unit's processes through its
# cgroup.kill: SIGKILLs from a write(2), from no memory killer
neg_case() {
	step neg
	systemctl start $NEG || { echo "@@WARN $NEG did not start"; return 1; }
	wait_for 30 all_fixture $NEG_CG 3 || echo "@@WARN $NEG: $(nprocs $NEG_CG) processes"
	pids=$(pids_of $NEG_CG)
	rm -f $W/negkiller
	sh -c 'echo $$ >'$W'/negkiller; echo 1 >'"$CG$NEG_CG/cgroup.kill"
	wait_for 30 eval '! running $NEG' || echo "@@WARN $NEG still $(state $NEG)"
	echo "@@NEG cgroup=$NEG_CG pids=$pids killer=$(cat $W/negkiller) state=$(state $NEG)"
	systemctl reset-failed $NEG 2>/dev/null
}

oomctl_view() {
	oomctl 2>&1 | grep -E 'Path:|Pressure|Pgscan|Memory Usage|Swap:|Memory:' |
		sed "s/^/@@OOMCTL t=$(cut -d' ' -f1 /proc/uptime) /"
}

bloat_case() {
	step bloat
	rm -f $W/xattr
	systemctl start $BLOAT || { echo "@@WARN $BLOAT did not start"; return 1; }
	if ! wait_for 60 all_fixture $BLOAT_CG 4; then
		echo "@@WARN $BLOAT: $(nprocs $BLOAT_CG) processes, state $(state $BLOAT)"
	fi
	pids=$(pids_of $BLOAT_CG)
	# the cgroup's id: its directory's inode number (kernfs)
	echo "@@BLOAT cgroup=$BLOAT_CG pids=$pids cgroup_id=$(stat -c %i "$CG$BLOAT_CG")"
	wait_for 30 eval 'oomctl | grep -q "Path: /oomtest.slice"' ||
		echo "@@WARN systemd-oomd does not monitor /oomtest.slice"
	step "bloat monitored"
	# until systemd-oomd acts (the unit stops), its view every 5 s
	_i=0
	while running $BLOAT && [ $_i -lt "$KILL_TIMEOUT" ]; do
		[ $((_i % 5)) -eq 0 ] && oomctl_view
		sleep 1
		_i=$((_i + 1))
	done
	step "bloat $(state $BLOAT)"
	echo "@@INFO bloat_state=$(state $BLOAT) result=$(systemctl show -P Result $BLOAT)"
	if running $BLOAT; then
		# its processes, at their size, now only spin over their memory and
		# take the guest's CPUs: stopped here, no more waits
		echo "@@WARN systemd-oomd did not kill $BLOAT in $KILL_TIMEOUT s"
		systemctl kill --signal=SIGKILL $BLOAT
		wait_for 30 eval '! running $BLOAT'
		return 1
	fi
	wait_for 30 eval 'journalctl -b -u $BLOAT -o cat | grep -q "systemd-oomd killed"' ||
		echo "@@WARN PID 1 logged no systemd-oomd kill"
	wait_for 10 test -s $W/xattr || echo "@@WARN ExecStopPost wrote no xattr line"
	# each victim's incident closes 200 ms after its exit
	wait_for 60 all_reported "$pids" || echo "@@WARN the tool has not reported every victim"
}

# killed_by KILLER VICTIM KEY STEP: wait for the killer's unit to end the
# victim's; its state as @@INFO KEY_state; 1 (both stopped) when it did not
killed_by() {
	wait_for "$KILL_TIMEOUT" eval "! running $2"
	step "$4 bloat $(state "$2")"
	echo "@@INFO $3_state=$(state "$2") result=$(systemctl show -P Result "$2")"
	running "$2" || return 0
	echo "@@WARN $1 did not kill $2 in $KILL_TIMEOUT s"
	systemctl stop "$1"
	systemctl kill --signal=SIGKILL "$2"
	wait_for 30 eval "! running $2"
	return 1
}

# Meta's oomd (Debian's oomd.service, the test's configuration): started
# once systemd-oomd's case is over and its victim's pids are read, it kills
# the unit in metaoomd.slice, over 64 MiB for 2 s
metaoomd_case() {
	step metaoomd
	running oomd.service && echo "@@WARN oomd.service already $(state oomd.service)"
	systemctl start $MBLOAT || { echo "@@WARN $MBLOAT did not start"; return 1; }
	wait_for 60 all_fixture $MBLOAT_CG 4 ||
		echo "@@WARN $MBLOAT: $(nprocs $MBLOAT_CG) processes, state $(state $MBLOAT)"
	pids=$(pids_of $MBLOAT_CG)
	echo "@@MBLOAT cgroup=$MBLOAT_CG pids=$pids cgroup_id=$(stat -c %i "$CG$MBLOAT_CG")"
	systemctl start oomd.service || echo "@@WARN oomd.service did not start"
	echo "@@INFO metaoomd_pid=$(systemctl show -P MainPID oomd.service) state=$(state oomd.service)"
	step "metaoomd started"
	killed_by oomd.service $MBLOAT mbloat metaoomd || return 1
	# oomd logs "Killed N: pid(comm) ..." after each round of kill(2) calls
	# on the cgroup, and runs one more round while the last one killed any
	# (a process still exiting counts: kill(2) answers it with 0), 1 s apart
	# from the third; then it writes trusted.oomd_kill (logged only if the
	# cgroup is still there) and its action returns: "returned STOP", the
	# end of its kill. Stopping it once the cgroup was empty came before
	# that in a CI run.
	wait_for 30 eval 'journalctl -b -u oomd.service -o cat | grep -q "Action=kill_by_memory_size_or_growth returned"' ||
		echo "@@WARN oomd logged no end of its kill (Action=... returned)"
	# each round's pids are read from cgroup.procs: until it is empty
	wait_for 30 eval '[ "$(nprocs $MBLOAT_CG)" -eq 0 ]' ||
		echo "@@WARN $MBLOAT_CG still has $(nprocs $MBLOAT_CG) processes"
	wait_for 60 all_reported "$pids" || echo "@@WARN the tool has not reported every oomd victim"
	systemctl stop oomd.service
	echo "@@INFO metaoomd_stopped=$(state oomd.service)"
}

# a field of /proc/meminfo, in KiB
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

# nohang (Debian's nohang.service, the test's configuration): started once
# Meta oomd's case is over and its victim holds MemAvailable below the soft
# threshold; SIGTERMs the victim (which survives it), then SIGKILLs it once
# max_soft_exit_time is past
nohang_case() {
	step nohang
	running nohang.service && echo "@@WARN nohang.service already $(state nohang.service)"
	echo "@@INFO nohang_memavailable_kib=$(meminfo MemAvailable) of $(meminfo MemTotal)"
	systemctl start $NBLOAT || { echo "@@WARN $NBLOAT did not start"; return 1; }
	wait_for 120 eval 'journalctl -b -u $NBLOAT -o cat | grep -q "^holding "' ||
		echo "@@WARN $NBLOAT: not holding, state $(state $NBLOAT)"
	pids=$(pids_of $NBLOAT_CG)
	echo "@@NBLOAT cgroup=$NBLOAT_CG pids=$pids cgroup_id=$(stat -c %i "$CG$NBLOAT_CG")"
	echo "@@INFO nohang_held_memavailable_kib=$(meminfo MemAvailable)"
	systemctl start nohang.service || echo "@@WARN nohang.service did not start"
	np=$(systemctl show -P MainPID nohang.service)
	# Type=simple: started is forked, maybe not yet exec'd (comm "(nohang)")
	wait_for 30 eval 'case $(cat "/proc/$np/comm" 2>/dev/null) in "("* | "") false ;; esac' ||
		echo "@@WARN nohang.service's MainPID $np: comm $(cat "/proc/$np/comm" 2>/dev/null)"
	# the cgroup its signals come from, as /proc/PID/cgroup says it
	echo "@@INFO nohang_pid=$np state=$(state nohang.service) comm=$(cat "/proc/$np/comm")" \
		"cgroup=$(sed -n 's/^0:://p' "/proc/$np/cgroup")"
	step "nohang started"
	killed_by nohang.service $NBLOAT nbloat nohang || return 1
	# after its signal nohang waits for the victim's end and logs it, then
	# the memory it sees: the end of its action
	wait_for 30 eval 'journalctl -b -u nohang.service -o cat | grep -q "^Memory status after implementing a corrective action"' ||
		echo "@@WARN nohang logged no end of its action"
	# the tool knows nohang only by its cgroup (--killer-cgroup)
	case " $TOOL_ARGS " in
	*" --killer-cgroup nohang="*)
		wait_for 60 all_reported "$pids" || echo "@@WARN the tool has not reported every nohang victim" ;;
	esac
	systemctl stop nohang.service
	echo "@@INFO nohang_stopped=$(state nohang.service)"
}

main() {
	echo "@@OOMD BEGIN release=$(uname -r)"
	info
	echo "@@INFO swap=$(tail -n +2 /proc/swaps | tr -s ' \t' ' ')"
	wait_for 60 eval '[ "$(state systemd-oomd.service)" = active ]' ||
		systemctl status systemd-oomd.service --no-pager 2>&1 | sed 's/^/@@WARN /'
	echo "@@INFO oomd_pid=$(systemctl show -P MainPID systemd-oomd.service) state=$(state systemd-oomd.service)"
	setup_trace "$(systemctl show -P MainPID systemd-oomd.service)" ||
		echo "@@WARN no tracefs instance"
	# the slice of Debian's nohang.service (hostcritical.slice, no unit
	# file: systemd makes it when a unit in it starts) is not there while
	# the tool starts, as on a machine where it starts first: the tool
	# must find nohang's cgroup once systemd makes both
	_ns=$(systemctl show -P Slice nohang.service)
	echo "@@INFO nohang_slice=$_ns state=$(state "$_ns") at the tool's start"
	step tool
	# shellcheck disable=SC2086 # TOOL_ARGS: words on purpose
	# recorded too: the recording is a golden's source (tests/golden/README.md)
	"$BIN" --json $TOOL_ARGS --record $W/oomd.oomrec >$W/tool.json 2>$W/tool.err &
	tp=$!
	wait_for 180 eval 'grep -q "oomreap-trace: ready" $W/tool.err || ! kill -0 $tp 2>/dev/null'
	if ! grep -q 'oomreap-trace: ready' $W/tool.err; then
		echo "@@WARN the tool did not start"
		sed 's/^/@@TOOLERR /' $W/tool.err
		return 1
	fi
	step "tool ready"
	neg_case
	bloat_case
	metaoomd_case
	nohang_case
	kill -INT $tp
	wait $tp
	echo "@@INFO tool_rc=$?"
	echo 0 >$INST/tracing_on
	step dump
	sed 's/^/@@XATTR /' $W/xattr 2>/dev/null
	journalctl -b -o short-monotonic --no-pager -u systemd-oomd.service -u $BLOAT -u $NEG \
		-u oomtest.slice -u oomd.service -u $MBLOAT -u metaoomd.slice \
		-u nohang.service -u $NBLOAT -u nohangtest.slice | sed 's/^/@@JOURNAL /'
	grep -v '^#' $INST/trace | sed 's/^/@@TRACE /'
	sed 's/^/@@JSON /' $W/tool.json
	sed 's/^/@@TOOLERR /' $W/tool.err
	[ -s $W/oomd.oomrec ] &&
		echo "@@FILE real-$(uname -r | cut -d. -f1,2)-systemd-oomd-unit-kill.oomrec" \
			"$(base64 -w 0 $W/oomd.oomrec)"
}

if [ "${1:-}" = swap ]; then
	setup_swap
	exit 0
fi
main
rc=$?
echo "@@OOMD END rc=$rc"
# the last line out of the serial port before the power goes
$FIX drain /dev/ttyS1
systemctl poweroff -ff
