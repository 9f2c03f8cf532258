#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module path's benchmark, run inside a QEMU VM by
# tests/qemu/vm-suite.sh (bench.py --vm KVER starts it through
# tests/qemu/run-vm.sh).  Data path: two network namespaces joined by veth;
# the same workloads as bench.py (tcpbench crr/rr, iperf3); variants
# baseline and kmod (insmod $TOTEM_KO before the round, rmmod after), in
# ABBA blocks.  Query path, after the rounds: the module loaded, N
# established sockets in a namespace of their own (sockfarm), then qlookup
# on libtotem's kmod backend and `ss -tnp` with a filter for the same
# 4-tuple, as bench.py's query path does on the host.  Under TCG absolute
# numbers mean nothing: bench.py reports ratios, and the query path's
# speed-up over ss measured in the same VM.
#
# Prints TAP; each round as a TAP comment the host parses:
#   # BENCH round WORKLOAD VARIANT BLOCK VALUE SECONDS
# and, for module rounds, the time spent in its hooks while the client ran
# (the module's hook_stats accounting, kmod/hookstats.h), per hook:
#   # BENCH hooks WORKLOAD BLOCK SECONDS NAME:CALLS:NS ...
# and what one socket costs the module (its totem state, its table entry,
# the object of the entries' slab cache) and the hash's fixed buckets:
#   # BENCH memory STATE_SIZE ENTRY_SIZE ENTRY_ALLOC BUCKETS
# and for the query path, per socket count N: sockfarm's ready line (and
# the module's table entries then), qlookup's JSON object, and ss's wall
# times in microseconds with how many of its runs named the owner:
#   # BENCH query N sockets=.. procs=.. local=.. remote=.. pid=.. max_sockets=..
#     [entries=..] memavail_kb=..
#   # BENCH qlookup N kmod {JSON}
#   # BENCH ss N FOUND RUNS US...
# Knobs: VM_BENCH_PAIRS (blocks, default 10), VM_BENCH_TIME (seconds per
# crr/rr round, default 2; bulk rounds take the same, whole seconds),
# VM_BENCH_WORKLOADS (default "bulk4 bulk4r crr4 crr6 rr4 rr6"; empty: no
# data-path rounds), VM_BENCH_HOOK_STATS (1, the default: account hook
# time, which costs two clock reads per hook call; 0: ratios without it),
# VM_BENCH_SOCKETS (query path socket counts, default "10000"; empty: no
# query path), VM_BENCH_LOOKUPS (2000), VM_BENCH_DUMPS (5),
# VM_BENCH_SS_RUNS (10).
set -u

SRC=${TOTEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${TOTEM_BUILD:-$SRC/build}
KO=${TOTEM_KO:-}
PAIRS=${VM_BENCH_PAIRS:-10}
TIME=${VM_BENCH_TIME:-2}
WORKLOADS=${VM_BENCH_WORKLOADS-bulk4 bulk4r crr4 crr6 rr4 rr6}
HOOK_STATS=${VM_BENCH_HOOK_STATS:-1}
SOCKETS=${VM_BENCH_SOCKETS-10000}
LOOKUPS=${VM_BENCH_LOOKUPS:-2000}
DUMPS=${VM_BENCH_DUMPS:-5}
SS_RUNS=${VM_BENCH_SS_RUNS:-10}
HOOKS=/sys/kernel/debug/totem/hooks
TABLE=/sys/kernel/debug/totem/table
TB=$OUT/bench/tcpbench
FARM=$OUT/bench/sockfarm
QL=$OUT/bench/qlookup
C=tbvm-$$-c
S=tbvm-$$-s
Q=tbvm-$$-q
# shellcheck source=tests/lib.sh
. "$SRC/tests/lib.sh"
POLL_INTERVAL=0.1

need_root "loads the module"
[ -n "$KO" ] && [ -f "$KO" ] && [ -e /proc/modules ] ||
	skip_all "no module to load (TOTEM_KO=$KO)"
need_exec "$TB"
[ -z "$SOCKETS" ] || need_exec "$FARM" "$QL"
need_cmd iperf3

SRV=
at_exit '[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null'
at_exit "grep -q '^totem ' /proc/modules && rmmod totem"

listening() { # PORT
	[ -n "$(ip netns exec "$S" ss -Hltn "sport = :$1")" ]
}

set_variant() { # baseline|kmod
	if [ "$1" = kmod ]; then
		insmod "$KO" hook_stats="$HOOK_STATS"
	elif grep -q '^totem ' /proc/modules; then
		rmmod totem
	fi
}

# hooks_read: the module's hook times as NAME:CALLS:NS words, if it has them
hooks_read() {
	[ "$HOOK_STATS" = 1 ] && [ -r "$HOOKS" ] || return 0
	awk '!/^#/ { printf "%s:%s:%s ", $1, $2, $3 }' "$HOOKS"
}

# hooks_delta BEFORE AFTER: AFTER - BEFORE, word by word
hooks_delta() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		n = split(a, x, " "); split(b, y, " ")
		for (i = 1; i <= n; i++) {
			split(x[i], p, ":"); split(y[i], q, ":")
			printf "%s:%d:%d ", q[1], q[2] - p[2], q[3] - p[3]
		}
	}'
}

port=15000
# round WORKLOAD VARIANT BLOCK: one measurement, printed as a BENCH line
round() {
	local wl=$1 v=$2 b=$3 fam addr out val secs h0 h1
	port=$((port + 1))
	case $wl in
	*6*) fam=6 addr=fd00:7074::2 ;;
	*) fam=4 addr=10.199.0.2 ;;
	esac
	set_variant "$v" || return 1
	case $wl in
	bulk*)
		ip netns exec "$S" iperf3 -s -1 -B "$addr" -p $port >/dev/null 2>&1 &
		SRV=$!
		poll 100 listening $port || return 1
		h0=$(hooks_read)
		out=$(ip netns exec "$C" iperf3 -c "$addr" -p $port -J -t "${TIME%.*}" \
			$([ "${wl%r}" != "$wl" ] && echo -R)) || return 1
		h1=$(hooks_read)
		read -r val secs < <(printf '%s' "$out" | /usr/bin/python3 -c 'import json, sys
s = json.load(sys.stdin)["end"]["sum_received"]
print(s["bits_per_second"] / 1e9, s["seconds"])')
		;;
	crr* | rr*)
		ip netns exec "$S" "$TB" serve "$addr" $port -w 2 \
			$([ "${wl#crr}" != "$wl" ] && echo -1) >/dev/null &
		SRV=$!
		poll 100 listening $port || return 1
		h0=$(hooks_read)
		out=$(ip netns exec "$C" "$TB" "${wl%[46]}" "$addr" $port -t "$TIME" \
			-n $([ "${wl#crr}" != "$wl" ] && echo 2 || echo 1)) || return 1
		h1=$(hooks_read)
		val=$(printf '%s' "$out" | sed -n 's/.* rate=\([0-9.]*\) .*/\1/p')
		secs=$(printf '%s' "$out" | sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p')
		;;
	esac
	kill "$SRV" 2>/dev/null
	wait "$SRV" 2>/dev/null
	SRV=
	set_variant baseline || return 1
	[ -n "$val" ] || return 1
	echo "# BENCH round $wl $v $b $val $secs"
	[ -n "$h1" ] && echo "# BENCH hooks $wl $b $secs $(hooks_delta "$h0" "$h1")"
	return 0
}

# ss_once LOCAL REMOTE PID: one `ss -tnp` for the 4-tuple, timed as
# bench.py times it on the host (the whole `ip netns exec` command):
# "MICROSECONDS FOUND", FOUND 1 when its answer names the owner PID
ss_once() {
	local t0 t1 out

	t0=${EPOCHREALTIME/./}
	out=$(ip netns exec "$Q" ss -Htnp state established src "$1" dst "$2")
	t1=${EPOCHREALTIME/./}
	case $out in
	*":${1##*:} "*":${2##*:} "*"pid=$3,"*) echo "$((t1 - t0)) 1" ;;
	*) echo "$((t1 - t0)) 0" ;;
	esac
}

farm_ready() {
	grep -q '^ready ' "$FARM_OUT" || ! kill -0 "$FARM_PID" 2>/dev/null
}

# query N: the module loaded, N established sockets in $Q, qlookup on the
# kmod backend and ss for one of them; printed as BENCH lines (not "n":
# tests/lib.sh counts TAP results in it)
FARM_PORT=20000
FARM_OUT=/tmp/tbvm-farm.$$
query() {
	local count=$1 line kv loc='' rem='' pid='' procs=1 ent mem json us f i found=0 times='' rc=0
	local max=65536

	# a table big enough for the farm (and its listeners): otherwise the
	# module evicts the oldest entries and libtotem finds their owners in /proc
	[ $((count + 1024)) -gt $max ] && max=$((count + 1024))
	insmod "$KO" max_sockets=$max || return 1
	ip netns exec "$Q" "$FARM" 127.0.0.1 "$FARM_PORT" "$count" >"$FARM_OUT" 2>&1 &
	FARM_PID=$!
	PIDS="$PIDS $FARM_PID"
	# TCG: 100,000 sockets take minutes
	POLL_INTERVAL=0.5 poll 2400 farm_ready
	line=$(grep -m1 '^ready ' "$FARM_OUT")
	[ -n "$line" ] || sed 's/^/# sockfarm: /' "$FARM_OUT"
	[ -n "$line" ]
	tap $? "query path, $count sockets: sockfarm ready with totem.ko loaded"
	[ -n "$line" ] || { rmmod totem; return 1; }
	for kv in ${line#ready }; do
		case $kv in
		local=*) loc=${kv#*=} ;;
		remote=*) rem=${kv#*=} ;;
		pid=*) pid=${kv#*=} ;;
		procs=*) procs=${kv#*=} ;;
		esac
	done
	FARM_PORT=$((FARM_PORT + procs + 1))
	ent=$(awk '$1 == "entries" { print "entries=" $2 }' "$TABLE" 2>/dev/null)
	mem=$(awk '$1 == "MemAvailable:" { print "memavail_kb=" $2 }' /proc/meminfo)
	echo "# BENCH query $count ${line#ready } max_sockets=$max $ent $mem"

	json=$(ip netns exec "$Q" "$QL" -b kmod -p "$pid" -n "$LOOKUPS" -T 5 -d "$DUMPS" \
		"$loc" "$rem")
	tap $? "$count sockets: qlookup on libtotem's kmod backend"
	if [ -n "$json" ]; then
		echo "# BENCH qlookup $count kmod $json"
		printf '%s' "$json" | "$PY" -c 'import json, sys
d = json.load(sys.stdin)
sys.exit(0 if d["backend"] == "kmod" and d["found"] == d["lookups"] > 0 and
         d["attributed"] == d["found"] and d["from_proc"] == 0 else 1)'
		tap $? "$count sockets: every lookup found the socket, owned by $pid, from the module"
		printf '%s' "$json" | "$PY" -c 'import json, sys
d = json.load(sys.stdin)
sys.exit(0 if d["dump_sockets"] >= int(sys.argv[1]) else 1)' "$count"
		tap $? "$count sockets: the dump listed every socket"
	fi

	for i in $(seq "$SS_RUNS"); do
		read -r us f < <(ss_once "$loc" "$rem" "$pid")
		times="$times $us"
		found=$((found + f))
	done
	echo "# BENCH ss $count $found $SS_RUNS$times"
	is "$found" "$SS_RUNS" "$count sockets: ss -tnp named the owner in every run"

	kill "$FARM_PID" 2>/dev/null
	wait "$FARM_PID" || rc=1
	FARM_PID=
	rm -f "$FARM_OUT"
	rmmod totem || rc=1
	return $rc
}

netns_add "$C" "$S"
veth_pair "$C" veth0 "$S" veth1
ip -n "$C" addr add 10.199.0.1/24 dev veth0 &&
	ip -n "$S" addr add 10.199.0.2/24 dev veth1 &&
	ip -n "$C" addr add fd00:7074::1/64 dev veth0 nodad &&
	ip -n "$S" addr add fd00:7074::2/64 dev veth1 nodad &&
	ip -n "$C" link set veth0 up && ip -n "$S" link set veth1 up &&
	ip netns exec "$C" sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
tap $? "two namespaces joined by veth"
[ -d /sys/kernel/debug/totem ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null

# The module must really write options here, or the rounds compare nothing.
insmod "$KO"
ip netns exec "$S" "$TB" serve 10.199.0.2 14999 -w 1 >/dev/null &
SRV=$!
poll 100 listening 14999
ip netns exec "$S" timeout 10 tcpdump -i veth1 -c 1 -nn -x \
	'tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0' \
	>/tmp/tbvm-syn.$$ 2>/tmp/tbvm-syn-err.$$ &
dump=$!
poll 100 grep -q listening /tmp/tbvm-syn-err.$$
ip netns exec "$C" "$TB" rr 10.199.0.2 14999 -t 0.2 >/dev/null
wait $dump
kill "$SRV" 2>/dev/null
wait "$SRV" 2>/dev/null
SRV=
h=$(HOOK_STATS=1 hooks_read)
mem=$(awk '{ v[$1] = $2 } END { if (v["state_size"] && v["entry_size"] &&
	v["entry_alloc"] && v["buckets"]) print v["state_size"], v["entry_size"],
	v["entry_alloc"], v["buckets"] }' "$TABLE" 2>/dev/null)
rmmod totem
sed -E 's/^\s*0x[0-9a-f]+:\s+//' /tmp/tbvm-syn.$$ | tr -d ' \n' | grep -qi 'fd10dee9'
tap $? "totem.ko writes the v1 option (253/16/0xDEE9) on a SYN"
# hook_stats was off: the hooks file is there, and nothing was accounted
[ -n "$h" ] && ! printf '%s' "$h" | grep -qE ':[1-9][0-9]*:'
tap $? "hook time accounting is off unless asked for ($h)"
[ -n "$mem" ] && echo "# BENCH memory $mem"
rm -f /tmp/tbvm-syn.$$ /tmp/tbvm-syn-err.$$

for wl in $WORKLOADS; do
	ok=0
	for b in $(seq 0 $((PAIRS - 1))); do
		if [ $((b % 2)) = 0 ]; then order="baseline kmod"; else order="kmod baseline"; fi
		for v in $order; do
			round "$wl" "$v" "$b" || { ok=1; echo "# round $wl $v $b failed"; }
		done
	done
	tap $ok "$wl: $PAIRS blocks of baseline and kmod rounds"
done

if [ -n "$SOCKETS" ]; then
	netns_add "$Q"
	ip -n "$Q" link set lo up
	for sockets in $SOCKETS; do
		query "$sockets"
		tap $? "query path, $sockets sockets: farm and module gone"
	done
fi
done_testing
