#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module path's data-path benchmark, run inside a QEMU VM by
# tests/qemu/vm-suite.sh (bench.py --vm KVER starts it through
# tests/qemu/run-vm.sh).  Two network namespaces joined by veth; the same
# workloads as bench.py (tcpbench crr/rr, iperf3); variants baseline and
# kmod (insmod $TOTEM_KO before the round, rmmod after), in ABBA blocks.
# Under TCG absolute numbers mean nothing: bench.py reports ratios only.
#
# Prints TAP; each round as a TAP comment the host parses:
#   # BENCH round WORKLOAD VARIANT BLOCK VALUE SECONDS
# Knobs: VM_BENCH_PAIRS (blocks, default 10), VM_BENCH_TIME (seconds per
# crr/rr round, default 2; bulk rounds take the same, whole seconds),
# VM_BENCH_WORKLOADS (default "bulk4 bulk4r crr4 crr6 rr4 rr6").
set -u

SRC=${TOTEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${TOTEM_BUILD:-$SRC/build}
KO=${TOTEM_KO:-}
PAIRS=${VM_BENCH_PAIRS:-10}
TIME=${VM_BENCH_TIME:-2}
WORKLOADS=${VM_BENCH_WORKLOADS:-bulk4 bulk4r crr4 crr6 rr4 rr6}
TB=$OUT/bench/tcpbench
C=tbvm-$$-c
S=tbvm-$$-s

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 4
fi
if [ -z "$KO" ] || [ ! -f "$KO" ] || [ ! -e /proc/modules ]; then
	echo "1..0 # SKIP no module to load (TOTEM_KO=$KO)"
	exit 4
fi
if [ ! -x "$TB" ] || ! command -v iperf3 >/dev/null; then
	echo "1..0 # SKIP needs $TB and iperf3"
	exit 4
fi

SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	grep -q '^totem ' /proc/modules && rmmod totem
	ip netns del "$C" 2>/dev/null
	ip netns del "$S" 2>/dev/null
}
trap cleanup EXIT

n=0
failed=0
tap() { # STATUS(0=ok) DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

poll() { # COUNT CMD...: retry every 0.1 s until CMD succeeds
	local i=$1
	shift
	while [ "$i" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i - 1))
	done
	return 1
}

listening() { # PORT
	[ -n "$(ip netns exec "$S" ss -Hltn "sport = :$1")" ]
}

set_variant() { # baseline|kmod
	if [ "$1" = kmod ]; then
		insmod "$KO"
	elif grep -q '^totem ' /proc/modules; then
		rmmod totem
	fi
}

port=15000
# round WORKLOAD VARIANT BLOCK: one measurement, printed as a BENCH line
round() {
	local wl=$1 v=$2 b=$3 fam addr out val secs
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
		out=$(ip netns exec "$C" iperf3 -c "$addr" -p $port -J -t "${TIME%.*}" \
			$([ "${wl%r}" != "$wl" ] && echo -R)) || return 1
		read -r val secs < <(printf '%s' "$out" | /usr/bin/python3 -c 'import json, sys
s = json.load(sys.stdin)["end"]["sum_received"]
print(s["bits_per_second"] / 1e9, s["seconds"])')
		;;
	crr* | rr*)
		ip netns exec "$S" "$TB" serve "$addr" $port -w 2 \
			$([ "${wl#crr}" != "$wl" ] && echo -1) >/dev/null &
		SRV=$!
		poll 100 listening $port || return 1
		out=$(ip netns exec "$C" "$TB" "${wl%[46]}" "$addr" $port -t "$TIME" \
			-n $([ "${wl#crr}" != "$wl" ] && echo 2 || echo 1)) || return 1
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
}

ip netns add "$C" && ip netns add "$S" &&
	ip -n "$C" link add veth0 type veth peer name veth1 netns "$S" &&
	ip -n "$C" addr add 10.199.0.1/24 dev veth0 &&
	ip -n "$S" addr add 10.199.0.2/24 dev veth1 &&
	ip -n "$C" addr add fd00:7074::1/64 dev veth0 nodad &&
	ip -n "$S" addr add fd00:7074::2/64 dev veth1 nodad &&
	ip -n "$C" link set veth0 up && ip -n "$S" link set veth1 up &&
	ip -n "$C" link set lo up && ip -n "$S" link set lo up &&
	ip netns exec "$C" sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
rc=$?
set -- $WORKLOADS
echo "1..$(($# + 2))"
tap $rc "two namespaces joined by veth"

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
rmmod totem
sed -E 's/^\s*0x[0-9a-f]+:\s+//' /tmp/tbvm-syn.$$ | tr -d ' \n' | grep -qi 'fd10dee9'
tap $? "totem.ko writes the v1 option (253/16/0xDEE9) on a SYN"
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
[ $failed = 0 ]
