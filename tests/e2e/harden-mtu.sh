#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: small MTUs, every data segment tagged (sample_bytes 0), one body for
# both paths:
#   harden-mtu.sh BACKEND
#   bpf   `totemd --backend bpf` attached (the host: tests/host/harden-mtu.t);
#   kmod  totem.ko ($TOTEM_KO; the QEMU guests, tests/qemu/vm-tests.list),
#         which moves the headers into the headroom and cuts a full-sized
#         segment through GSO (kmod/hooks.c, totem_insert()).
# IPv4 over MTU 576 and IPv6 over MTU 1280, each with TSO/GSO on and off
# (ethtool -K on both veth ends); tpeer moves data both ways.  Checked on
# the server's veth: no segment above the MTU (tests/e2e/gsocheck judges
# GSO packets by gso_size; without GSO every captured datagram's length),
# no IPv4 fragment or IPv6 fragment header, no ICMP "fragmentation needed" /
# ICMPv6 "packet too big", no drop on either veth; the data segments carry
# the option; payload hashes match; no option store error; no TCP checksum
# error in either namespace.
# HARDEN_MTU_BYTES each way (3 MB; 150 kB under TCG in the QEMU guests);
# HARDEN_MTU_RUNS picks runs (below).
set -u

BACKEND=${1:-}
# shellcheck source=tests/e2e/backend.sh
. "$(dirname "$0")/backend.sh"
NAME=mtu
# shellcheck source=tests/host/harden-lib.sh
. "$(dirname "$0")/../host/harden-lib.sh"
# this script counts its poll tries in 50 ms steps on both paths
POLL_INTERVAL=0.05

BYTES=${HARDEN_MTU_BYTES:-3000000}
[ -n "${TOTEM_VM:-}" ] && BYTES=${HARDEN_MTU_BYTES:-150000}

harden_need "$TOTEMD" "$TOTEM" "$TPEER" "$GSOCHECK"
need_cmd tcpdump ethtool nstat
[ "$BACKEND" = bpf ] && bpf_lock
netns_pair 1500

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

drops() { # total rx/tx drops of both veth ends
	{
		ip -n "$NSA" -s link show dev "$VA"
		ip -n "$NSB" -s link show dev "$VB"
	} | awk '/RX:|TX:/ { getline; s += $4 } END { print s + 0 }'
}

# TCP counters of both namespaces together: "CSUMERRORS RETRANS TIMEOUTS"
tcpctr() {
	local ns r=0 c=0 t=0 k v

	for ns in "$NSA" "$NSB"; do
		while read -r k v _; do
			case $k in
			TcpInCsumErrors) c=$((c + v)) ;;
			TcpRetransSegs) r=$((r + v)) ;;
			TcpExtTCPTimeouts) t=$((t + v)) ;;
			esac
		done < <(ip netns exec "$ns" nstat -az TcpInCsumErrors TcpRetransSegs \
			TcpExtTCPTimeouts 2>/dev/null)
	done
	echo "$c $r $t"
}

has6() {
	ip -n "$NSB" -6 addr show dev "$VB" | grep -q "$B6" &&
		ip -n "$NSA" -6 addr show dev "$VA" | grep -q "$A6"
}

run() { # NAME FAMILY MTU GSO(on|off) PORT
	local name=$1 fam=$2 mtu=$3 gso=$4 port=$5 f=$TMP/$1 sip tp gp sp d0 r0 t0
	local big frag icmp cport cpid untag tag

	for x in "$NSA $VA" "$NSB $VB"; do
		set -- $x
		ip -n "$1" link set "$2" mtu "$mtu"
		ip netns exec "$1" ethtool -K "$2" tso "$gso" gso "$gso" >/dev/null 2>&1
	done
	if [ "$fam" = 4 ]; then
		sip=$B4
	else
		sip=$B6
		# an MTU below 1280 removed the IPv6 addresses: put them back
		ip -n "$NSA" addr replace $A6/64 dev "$VA" nodad
		ip -n "$NSB" addr replace $B6/64 dev "$VB" nodad
		poll 200 has6
	fi
	d0=$(drops)
	r0=$(tcpctr)
	t0=$SECONDS
	stats >"$f.st0"
	ip netns exec "$NSB" tcpdump -i "$VB" -s 128 -U -nn -w "$f.pcap" \
		"tcp port $port or icmp or icmp6 or (ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] == 44)" \
		2>"$f.tcpdump" &
	tp=$!
	ip netns exec "$NSB" "$GSOCHECK" "$VB" "$mtu" "$f.stop" >"$f.gso" &
	gp=$!
	PIDS="$PIDS $tp $gp"
	poll 200 grep -qs "listening on" "$f.tcpdump"
	poll 200 grep -qs ready "$f.gso"
	ip netns exec "$NSB" "$TPEER" server "$sip" "$port" plain $BYTES $BYTES >"$f.srv" 2>&1 &
	sp=$!
	PIDS="$PIDS $sp"
	poll 200 grep -qs "^listen" "$f.srv"
	ip netns exec "$NSA" timeout 120 "$TPEER" client "$sip" "$port" plain $BYTES $BYTES \
		>"$f.cli" 2>&1
	wait "$sp"
	touch "$f.stop"
	wait "$gp"
	poll 100 [ "$(tcpdump -r "$f.pcap" -nn 2>/dev/null | grep -c 'Flags \[[^]]*F')" -ge 2 ]
	kill -INT "$tp" 2>/dev/null
	wait "$tp" 2>/dev/null
	stats >"$f.st1"
	tcpdump -tt -nn -x -r "$f.pcap" 2>/dev/null | awk -f "$DECODE" >"$f.pk"

	is "$(sed -n 's/^rx .*hash=\([^ ]*\).*/\1/p' "$f.srv")" \
		"$(sed -n 's/^tx .*hash=\([^ ]*\).*/\1/p' "$f.cli")" "$name: request payload hash"
	is "$(sed -n 's/^rx .*hash=\([^ ]*\).*/\1/p' "$f.cli")" \
		"$(sed -n 's/^tx .*hash=\([^ ]*\).*/\1/p' "$f.srv")" "$name: response payload hash"
	is "$(sed -n 's/.*over_mtu=\([0-9]*\).*/\1/p' "$f.gso")" 0 \
		"$name: no segment above MTU $mtu, by gso_size ($(tail -n1 "$f.gso"))"
	if [ "$gso" = off ]; then
		big=$(awk -v m="$mtu" '$9 > m' "$f.pk" | wc -l)
		is "$big" 0 "$name: no captured datagram above $mtu bytes ($(wc -l <"$f.pk") packets)"
	fi
	frag=$(tcpdump -nn -r "$f.pcap" '(ip[6:2] & 0x3fff != 0) or (ip6 and ip6[6] == 44)' \
		2>/dev/null | wc -l)
	is "$frag" 0 "$name: no fragments"
	icmp=$(tcpdump -nn -r "$f.pcap" \
		'(icmp and icmp[0] == 3 and icmp[1] == 4) or (icmp6 and ip6[40] == 2)' \
		2>/dev/null | wc -l)
	is "$icmp" 0 "$name: no ICMP fragmentation needed / packet too big"
	is "$(drops)" "$d0" "$name: no packet dropped by either veth"
	# no segment refused for its checksum in either namespace (the
	# retransmissions and timeouts are for information: tail loss probes
	# count as retransmissions on a clean link too)
	# shellcheck disable=SC2046,SC2086 # three numbers each
	set -- $r0 $(tcpctr)
	is "$(($4 - $1))" 0 "$name: no TCP checksum error (InCsumErrors)"
	echo "# $name: $((SECONDS - t0)) s, retransmitted $(($5 - $2)), RTO timeouts $(($6 - $3))"
	cport=$(sed -n 's/^connect .*local=.*:\([0-9]*\) .*/\1/p' "$f.cli")
	cpid=$(sed -n 's/^connect pid=\([0-9]*\).*/\1/p' "$f.cli")
	tag=$(awk -v p="$cport" '$4 == p && $8 > 0 && $10 != "-"' "$f.pk" | wc -l)
	untag=$(awk -v p="$cport" '$4 == p && $8 > 0 && $10 == "-"' "$f.pk" | wc -l)
	[ "$tag" -gt 0 ] && [ "$untag" = 0 ]
	tap $? "$name: every client data segment tagged ($tag, untagged $untag)"
	is "$(awk -v p="$cport" '$4 == p && $10 != "-" { split($10, t, "/"); print t[3] }' \
		"$f.pk" | sort -u)" "$cpid" "$name: the options name the client process"
	is "$(stat_delta "$f.st0" "$f.st1" err_store)" 0 "$name: no option store error"
}

# HARDEN_MTU_RUNS: a subset of the runs below, by name (default all four;
# about 20 s each under TCG in the QEMU guests).
runs=${HARDEN_MTU_RUNS:-v4-576-gso v4-576-nogso v6-1280-gso v6-1280-nogso}
want() {
	[[ " $runs " == *" $1 "* ]]
}
want v4-576-gso && run v4-576-gso 4 576 on 7500
want v4-576-nogso && run v4-576-nogso 4 576 off 7501
want v6-1280-gso && run v6-1280-gso 6 1280 on 7502
want v6-1280-nogso && run v6-1280-nogso 6 1280 off 7503
harden_alive
done_testing
