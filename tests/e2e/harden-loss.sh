#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: loss, reordering and duplication, on either path.
#   harden-loss.sh bpf    the host (tests/host/harden-loss.t) and the VMs
#   harden-loss.sh kmod   the VMs (tests/qemu/vm-tests.list)
# No netem is needed: a tc program does it (tests/host/harden-lib.sh,
# harden_tcbpf): on egress of both veth ends under an htb root, LOSS per
# mille dropped and REORDER per mille sent through a slow htb class (they
# arrive behind later segments); on ingress of both ends DUP per mille
# delivered twice.  totem tags every data segment (sample_bytes 0).  For
# IPv4 (v1) and IPv6 (v6), tpeer moves BYTES (50 MiB) each way: checked,
# the payload hashes on both ends, completion within LIMIT seconds (no
# stall), the impairments really happened (retransmissions, out-of-order
# queueing, duplicate segments seen by the receiver: nstat), every client
# data segment in a capture of the first packets carries the option, both
# records name the other process, no option store error.
set -u

BACKEND=${1:-}
# shellcheck source=tests/e2e/backend.sh
. "$(dirname "$0")/backend.sh"
NAME=loss
# shellcheck source=tests/host/harden-lib.sh
. "$(dirname "$0")/../host/harden-lib.sh"
# this script counts its poll tries in 50 ms steps on both paths
POLL_INTERVAL=0.05

BYTES=${HARDEN_LOSS_BYTES:-52428800}	# 50 MiB each way
LIMIT=${HARDEN_LOSS_LIMIT:-240}
[ -n "${TOTEM_VM:-}" ] && LIMIT=${HARDEN_LOSS_LIMIT:-600}	# TCG
LOSS=5		# per mille
REORDER=20
DUP=10

harden_need "$TOTEMD" "$TOTEM" "$TPEER"
need_cmd tcpdump nstat tc clang
[ "$BACKEND" = bpf ] && bpf_lock
netns_pair
harden_tcbpf "$TMP/tc.o" $LOSS $REORDER $DUP ||
	skip_all "cannot build a tc program: $(head -n1 "$TMP/harden_tc.err" 2>/dev/null)"
impair() { # NS DEV
	tc -n "$1" qdisc add dev "$2" root handle 1: htb default 1 &&
		tc -n "$1" class add dev "$2" parent 1: classid 1:1 htb rate 10gbit quantum 60000 &&
		tc -n "$1" class add dev "$2" parent 1: classid 1:2 htb rate 50mbit ceil 50mbit quantum 60000 &&
		tc -n "$1" filter add dev "$2" parent 1: bpf da obj "$TMP/tc.o" sec tc/netem &&
		tc -n "$1" qdisc add dev "$2" clsact &&
		tc -n "$1" filter add dev "$2" ingress bpf da obj "$TMP/tc.o" sec tc/dup
}
impair "$NSA" "$VA" && impair "$NSB" "$VB" ||
	skip_all "cannot set up htb and cls_bpf on the veth (tc)"

if [ "$BACKEND" = bpf ]; then
	harden_start "$TMP/totemd.log"
else
	load || skip_all "insmod $TOTEM_KO failed"
	at_exit unload
fi
cfg enable syn,synack,data
cfg sample_bytes 0
cfg format4 v1
cfg format6 v6

nst() { # NS FILE: absolute counters
	ip netns exec "$1" nstat -az >"$2" 2>/dev/null
}
nval() { # FILE NAME
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}
ndelta() { # BEFORE AFTER NAME
	echo $(($(nval "$2" "$3") - $(nval "$1" "$3")))
}

run() { # NAME SERVER-ADDR PORT
	local name=$1 sip=$2 port=$3 f=$TMP/$1 sp cp tp t0 t1 cport cpid spid obj
	local u tagged rs

	stats >"$f.st0"
	nst "$NSA" "$f.na0"
	nst "$NSB" "$f.nb0"
	ip netns exec "$NSB" tcpdump -i "$VB" -s 160 -c 4000 -U -nn -w "$f.pcap" \
		tcp port "$port" 2>"$f.tcpdump" &
	tp=$!
	PIDS="$PIDS $tp"
	poll 200 grep -qs "listening on" "$f.tcpdump"
	export TPEER_HOLD=$f.hold
	ip netns exec "$NSB" "$TPEER" server "$sip" "$port" plain $BYTES $BYTES \
		>"$f.srv" 2>&1 &
	sp=$!
	poll 200 grep -qs "^listen" "$f.srv"
	t0=$(date +%s)
	ip netns exec "$NSA" timeout "$LIMIT" "$TPEER" client "$sip" "$port" plain \
		$BYTES $BYTES >"$f.cli" 2>&1 &
	cp=$!
	PIDS="$PIDS $sp $cp"
	poll $((LIMIT * 20)) grep -qs "^hold" "$f.cli"
	poll 200 grep -qs "^hold" "$f.srv"
	t1=$(date +%s)
	T "$NSB" -j sockets | objects >"$f.srvj"
	T "$NSA" -j sockets | objects >"$f.clij"
	touch "$f.hold"
	wait "$sp" "$cp"
	unset TPEER_HOLD
	kill -INT "$tp" 2>/dev/null
	wait "$tp" 2>/dev/null
	stats >"$f.st1"
	nst "$NSA" "$f.na1"
	nst "$NSB" "$f.nb1"

	grep -qs "^hold" "$f.cli"
	tap $? "$name: $BYTES bytes each way done in $((t1 - t0)) s (limit $LIMIT s)"
	rs=$(sed -n 's/^rx .*hash=\([^ ]*\).*/\1/p' "$f.srv")
	is "$rs/$(sed -n 's/^rx bytes=\([0-9]*\).*/\1/p' "$f.srv")" \
		"$(sed -n 's/^tx .*hash=\([^ ]*\).*/\1/p' "$f.cli")/$BYTES" \
		"$name: request hash and length at the server"
	is "$(sed -n 's/^rx .*hash=\([^ ]*\).*/\1/p' "$f.cli")/$(sed -n 's/^rx bytes=\([0-9]*\).*/\1/p' "$f.cli")" \
		"$(sed -n 's/^tx .*hash=\([^ ]*\).*/\1/p' "$f.srv")/$BYTES" \
		"$name: response hash and length at the client"
	u=$(($(ndelta "$f.na0" "$f.na1" TcpRetransSegs) + $(ndelta "$f.nb0" "$f.nb1" TcpRetransSegs)))
	[ "$u" -gt 0 ]
	tap $? "$name: losses happened (retransmitted segments: $u)"
	u=$(($(ndelta "$f.na0" "$f.na1" TcpExtTCPOFOQueue) + $(ndelta "$f.nb0" "$f.nb1" TcpExtTCPOFOQueue)))
	[ "$u" -gt 0 ]
	tap $? "$name: reordering happened (segments queued out of order: $u)"
	u=$(($(ndelta "$f.na0" "$f.na1" TcpExtTCPDSACKOldSent) + $(ndelta "$f.nb0" "$f.nb1" TcpExtTCPDSACKOldSent)))
	[ "$u" -gt 0 ]
	tap $? "$name: duplicates arrived (D-SACKs sent for old data: $u)"

	cpid=$(sed -n 's/^connect pid=\([0-9]*\).*/\1/p' "$f.cli")
	spid=$(sed -n 's/^io pid=\([0-9]*\).*/\1/p' "$f.srv")
	cport=$(sed -n 's/^connect .*local=.*:\([0-9]*\) .*/\1/p' "$f.cli")
	tcpdump -tt -nn -x -r "$f.pcap" 2>/dev/null | awk -f "$DECODE" >"$f.pk"
	tagged=$(awk -v p="$cport" '$4 == p && $8 > 0 && $10 != "-"' "$f.pk" | wc -l)
	u=$(awk -v p="$cport" '$4 == p && $8 > 0 && $10 == "-"' "$f.pk" | wc -l)
	[ "$tagged" -gt 100 ] && [ "$u" = 0 ]
	tap $? "$name: every captured client data segment tagged ($tagged tagged, $u not)"
	u=$(awk -v p="$cport" -v w="$cpid" '$4 == p && $8 > 0 && $10 != "-" {
		split($10, t, "/"); if (t[3] != w) print t[3] }' "$f.pk" | sort -u | tr '\n' ' ')
	is "$u" "" "$name: each names the client process $cpid"
	obj=$(grep "\"remote\":\"[^\"]*:$cport\"" "$f.srvj")
	is "$(jpeer "$obj" pid)" "$cpid" "$name: the server's record names the client"
	obj=$(grep "\"local\":\"[^\"]*:$cport\"" "$f.clij")
	is "$(jpeer "$obj" pid)" "$spid" "$name: the client's record names the server"
	u=$(stat_delta "$f.st0" "$f.st1" inject_data)
	[ "$u" -gt 0 ]
	tap $? "$name: inject_data moved ($u)"
	is "$(stat_delta "$f.st0" "$f.st1" err_store)/$(stat_delta "$f.st0" "$f.st1" err_reserve)" \
		"0/0" "$name: no option store or reservation error"
}

run v4 $B4 7100
run v6 $B6 7101
harden_alive
done_testing
