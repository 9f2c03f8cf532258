#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: one backend end to end.  e2e.sh BACKEND [PART]
#   bpf   `totemd --backend bpf` attached at the cgroup v2 root (the host,
#         and the QEMU guests through tests/host/bpf-e2e.t);
#   kmod  totem.ko ($TOTEM_KO; the QEMU guests, through tests/kmod/e2e.sh):
#         the module is loaded first, so the namespaces below are created
#         after insmod (the pernet hooks must reach them), and a `totemd
#         --backend kmod` in each namespace serves that namespace's events
#         (the module multicasts per namespace).
# Two network namespaces joined by a veth; tpeer client and server
# (tests/e2e/tpeer.c) that print their own PIDs; a capture on the veth
# decoded from raw bytes by tcpdump -x and tests/e2e/tcpopts.awk (not by
# totem's codec); tests/e2e/gsocheck reading gso_size of every packet;
# `totem -j sockets` inside each namespace.  Checked, packet by packet: the
# SYN names the connecting process, the SYN-ACK the listener, data from
# each side the process that sent it (after fork and fd passing too),
# option bytes (address, sequence, host id, IPv6 IID), IPv4 and IPv6,
# v1/v2/v6, sampling with GSO on, no segment above the MTU, payload hashes,
# both sides' records, config changes on new connections, counters, events
# (`totem -j monitor`), SIGTERM of totemd.  The eBPF path also: prefork's
# owner flags, SO_REUSEPORT, a dual-stack listener with an IPv4 client,
# syncookies, SIGKILL of totemd, sockets older than totemd.  docs/bpf.md
# and docs/kmod.md list them.
#
# PART: 1 = the IPv4 process cases, 2 = the IPv6, format, sampling and
# enable cases, all (default) = both; the counters and the stop are checked
# in each.  The VM suite runs the module path's halves as two tests to stay
# within VM_TEST_TIMEOUT under TCG.
#
# Needs only ip, tcpdump, awk and our binaries (the guest needs the
# tcp_diag module; about 6 minutes under TCG).  KEEP_TMP=1 keeps the
# captures and logs.  Skips without root, tcpdump, ip; for bpf without BTF
# or sockops header options, or when another totemd keeps owning
# /sys/fs/bpf/totem; for kmod without module support or TOTEM_KO.
set -u

BACKEND=${1:-}
PART=${2:-all}
USAGE='[all|1|2]'
# shellcheck source=tests/e2e/backend.sh
. "$(dirname "$0")/backend.sh"
TAG=${BACKEND/kmod/km}
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# this script counts its poll tries in 50 ms steps on both paths
POLL_INTERVAL=0.05
in_part() {
	[ "$PART" = all ] || [ "$PART" = "$1" ]
}
TPEER=$OUT/tests/e2e/tpeer
GSOCHECK=$OUT/tests/e2e/gsocheck
DECODE=$SRC/tests/e2e/tcpopts.awk

need_exec "$TOTEMD" "$TOTEM" "$TPEER" "$GSOCHECK"
if [ "$BACKEND" = bpf ]; then
	need_root "BPF, network namespaces"
	# sock_diag for TCP (the queries); a module on Debian kernels
	[ -e /proc/net/tcp ] && modprobe -q tcp_diag 2>/dev/null
	[ -r /sys/kernel/btf/vmlinux ] || skip_all "no BTF at /sys/kernel/btf/vmlinux"
else
	need_module
fi
need_cmd tcpdump ip
if [ "$BACKEND" = bpf ]; then
	bpf_lock
else
	load || skip_all "insmod $TOTEM_KO failed"
	at_exit unload
fi

ID=$$
NSA=totem-${TAG}a-$ID
NSB=totem-${TAG}b-$ID
VA=t${TAG:0:1}a$ID
VB=t${TAG:0:1}b$ID
A4=10.231.0.1
B4=10.231.0.2
A6=fd00:7e:1::1
B6=fd00:7e:1::2
MTU=1500
# Bytes per direction; smaller under QEMU TCG (TOTEM_VM=1), still several
# sampling intervals.
REQ=200000
RESP=400000
BULK=2000000
if [ -n "${TOTEM_VM:-}" ] && [ "$BACKEND" = bpf ]; then
	REQ=100000
	RESP=100000
	BULK=600000
elif [ -n "${TOTEM_VM:-}" ]; then
	REQ=40000
	RESP=40000
	BULK=200000
fi
tmpdir "$BACKEND-e2e"
DPID=
DPID2=

# ---- network ----
netns_pair $MTU

# ---- totemd: one at the cgroup root (bpf), or one per namespace (kmod) ----
if [ "$BACKEND" = bpf ]; then
	"$TOTEMD" --backend bpf --foreground --verbose >"$TMP/totemd.log" 2>&1 &
	DPID=$!
	ready() {
		[ -e /sys/fs/bpf/totem/sock_record ] && grep -qs "backend bpf" "$TMP/totemd.log"
	}
else
	mkdir -p "$TMP/ra" "$TMP/rb"
	ip netns exec "$NSB" env TOTEM_RUNDIR="$TMP/rb" "$TOTEMD" --backend kmod --foreground \
		--verbose >"$TMP/totemd.log" 2>&1 &
	DPID=$!
	ip netns exec "$NSA" env TOTEM_RUNDIR="$TMP/ra" "$TOTEMD" --backend kmod --foreground \
		--verbose >"$TMP/totemd2.log" 2>&1 &
	DPID2=$!
	ready() {
		grep -q "config:" "$TMP/totemd.log" && grep -q "config:" "$TMP/totemd2.log" &&
			[ -S "$TMP/ra/events.sock" ] && [ -S "$TMP/rb/events.sock" ]
	}
fi
DAEMONS="$DPID $DPID2"
if ! poll 600 ready; then
	[ "$BACKEND" = bpf ] && grep -q "unavailable" "$TMP/totemd.log" &&
		skip_all "eBPF path unavailable: $(grep unavailable "$TMP/totemd.log" | tail -n1)"
	echo "1..1"
	tap 1 "totemd --backend $BACKEND starts ($(tail -n1 "$TMP/totemd.log"))"
	exit 1
fi
HOST_ID=$(printf '%08x' "$(T "$NSA" config host_id)")
# Which hooks this kernel got: without a sender hook the owner of an
# accepted socket stays the listener's process.  The module has its sendmsg
# and accept probes on every kernel (docs/kmod.md); the eBPF path says what
# it attached (docs/bpf.md).
SENDER=1
ACCEPT=1
if [ "$BACKEND" = bpf ]; then
	grep -q "sendmsg hook none" "$TMP/totemd.log" && SENDER=0
	grep -q "accept hook none" "$TMP/totemd.log" && ACCEPT=0
	echo "# $(grep '^totem bpf:' "$TMP/totemd.log")"
fi
stats >"$TMP/stats.before"

hex4() { # dotted quad -> 8 hex digits
	# shellcheck disable=SC2046,SC2183 # four words from one address
	printf '%02x%02x%02x%02x' $(echo "$1" | tr '.' ' ')
}
# 32 hex digits of an IPv6 address written as x:x:...::x
hex6() {
	echo "$1" | awk -F: '{
		n = NF; out = ""
		for (i = 1; i <= n; i++) {
			if ($i == "" && i > 1 && i < n) {
				for (k = 0; k < 8 - (n - 1); k++) out = out "0000"
				continue
			}
			if ($i == "") { $i = "0" }
			out = out sprintf("%4s", $i)
		}
		gsub(/ /, "0", out); print out
	}'
}

fins() { # PCAP: both FINs written out
	[ "$(tcpdump -r "$1" -nn 2>/dev/null | grep -c 'Flags \[[^]]*F')" -ge 2 ]
}

# ---- one connection, captured ----
CASE=
run_case() { # NAME FAMILY SMODE CMODE REQ RESP PORT
	local name=$1 fam=$2 smode=$3 cmode=$4 req=$5 resp=$6 port=$7
	local sip bip tp gp sp cp

	CASE=$TMP/$name
	bip=
	case $fam in
	4) sip=$B4 ;;
	6) sip=$B6 ;;
	m) sip=$B4; bip=:: ;;	# dual-stack listener, IPv4 client
	esac
	ip netns exec "$NSB" tcpdump -i "$VB" -s 200 -U -nn -w "$CASE.pcap" \
		tcp port "$port" 2>"$CASE.tcpdump" &
	tp=$!
	ip netns exec "$NSB" "$GSOCHECK" "$VB" $MTU "$CASE.stop" >"$CASE.gso" &
	gp=$!
	PIDS="$PIDS $tp $gp"
	poll 200 grep -qs "listening on" "$CASE.tcpdump"
	poll 200 grep -qs ready "$CASE.gso"
	export TPEER_HOLD=$CASE.hold
	ip netns exec "$NSB" "$TPEER" server "${bip:-$sip}" "$port" "$smode" "$req" "$resp" \
		>"$CASE.srv" 2>&1 &
	sp=$!
	poll 200 grep -qs "^listen" "$CASE.srv"
	[ "$smode" = reuseport ] && poll 200 grep -qs "^listen2" "$CASE.srv"
	ip netns exec "$NSA" "$TPEER" client "$sip" "$port" "$cmode" "$req" "$resp" \
		>"$CASE.cli" 2>&1 &
	cp=$!
	PIDS="$PIDS $sp $cp"
	poll 400 grep -qs "^hold" "$CASE.srv"
	poll 400 grep -qs "^hold" "$CASE.cli"
	T "$NSB" -j sockets | objects >"$CASE.srvj"
	T "$NSA" -j sockets | objects >"$CASE.clij"
	touch "$CASE.hold"
	wait "$sp" "$cp"
	touch "$CASE.stop"
	wait "$gp"
	poll 100 fins "$CASE.pcap"
	kill -INT "$tp" 2>/dev/null
	wait "$tp"
	tcpdump -tt -nn -x -r "$CASE.pcap" 2>/dev/null | awk -f "$DECODE" >"$CASE.pk"
	unset TPEER_HOLD
}

val() { # FILE KEY: value of "KEY pid=N" or the first KEY=V on a "TAG" line
	sed -n "s/^$2 pid=\([0-9]*\).*/\1/p" "$1" | head -n1
}
kv() { # FILE TAG KEY
	sed -n "s/^$2 .*$3=\([^ ]*\).*/\1/p" "$1" | head -n1
}

# Check one captured connection.  FMT: expected format (v1, v2, v6).
check_case() { # NAME FAMILY FMT
	local name=$1 fam=$2 fmt=$3 f=$TMP/$1
	local lpid cpid spid iopid cport sip cip want_c want_s exid olen
	local syn synack bad zero cdata sdata wrong obj

	lpid=$(val "$f.srv" listen)
	iopid=$(val "$f.srv" io)
	cpid=$(val "$f.cli" connect)
	spid=$(val "$f.cli" sender)
	[ -n "$spid" ] || spid=$cpid
	cport=$(kv "$f.cli" connect local | sed 's/.*://')
	if [ "$fam" = 4 ]; then sip=$B4; cip=$A4; else sip=$B6; cip=$A6; fi
	case $fmt in
	v1) exid=dee9; olen=16 ;;
	v2) exid=deea; olen=12 ;;
	v6) exid=deeb; olen=20 ;;
	esac
	want_c=$spid
	want_s=$iopid
	if [ "$SENDER" = 0 ]; then
		want_s=$lpid
		[ "$ACCEPT" = 1 ] && want_s=$(val "$f.srv" accept)
	fi

	is "$(kv "$f.srv" rx hash)" "$(kv "$f.cli" tx hash)" "$name: request payload hash"
	is "$(kv "$f.cli" rx hash)" "$(kv "$f.srv" tx hash)" "$name: response payload hash"

	# packet lines: VER SRC DST SPORT DPORT FLAGS SEQ PAYLEN IPLEN TOT
	syn=$(awk -v p="$cport" '$4 == p && $6 == "S"' "$f.pk" | head -n1)
	synack=$(awk -v p="$cport" '$5 == p && $6 == "SA"' "$f.pk" | head -n1)
	is "$(echo "$syn" | awk '{ split($10, t, "/"); print t[1] "/" t[2] "/" t[3] }')" \
		"$olen/$exid/$cpid" "$name: SYN carries $fmt with the connecting PID"
	is "$(echo "$synack" | awk '{ split($10, t, "/"); print t[1] "/" t[2] "/" t[3] }')" \
		"$olen/$exid/$lpid" "$name: SYN-ACK carries the listener's PID"
	case $fmt in
	v1)
		is "$(echo "$syn" | awk '{ split($10, t, "/"); print t[4] }')" \
			"$(hex4 "$cip")$(echo "$syn" | awk '{ print $7 }')" \
			"$name: SYN v1 bytes are the client IPv4 and the SYN's seq"
		is "$(echo "$synack" | awk '{ split($10, t, "/"); print t[4] }')" \
			"$(hex4 "$sip")$(echo "$synack" | awk '{ print $7 }')" \
			"$name: SYN-ACK v1 bytes are the server IPv4 and its seq"
		;;
	v2)
		is "$(echo "$syn" | awk '{ split($10, t, "/"); print t[4] }')" \
			"$HOST_ID" "$name: SYN v2 carries the configured host id"
		;;
	v6)
		is "$(echo "$syn" | awk '{ split($10, t, "/"); print t[4] }')" \
			"$HOST_ID$(hex6 "$cip" | cut -c17-32)" \
			"$name: SYN v6 carries host id and the client's interface id"
		;;
	esac

	cdata=$(awk -v p="$cport" '$4 == p && $8 > 0 && $10 != "-"' "$f.pk" | wc -l)
	sdata=$(awk -v p="$cport" '$5 == p && $8 > 0 && $10 != "-"' "$f.pk" | wc -l)
	[ "$cdata" -gt 0 ]
	tap $? "$name: client data segments tagged ($cdata)"
	[ "$sdata" -gt 0 ]
	tap $? "$name: server data segments tagged ($sdata)"
	wrong=$(awk -v p="$cport" -v w="$want_c" '$4 == p && $8 > 0 && $10 != "-" {
		split($10, t, "/"); if (t[3] != w) print t[3] }' "$f.pk" | sort -u | tr '\n' ' ')
	is "$wrong" "" "$name: every tagged client data segment names PID $want_c"
	wrong=$(awk -v p="$cport" -v w="$want_s" '$5 == p && $8 > 0 && $10 != "-" {
		split($10, t, "/"); if (t[3] != w) print t[3] }' "$f.pk" | sort -u | tr '\n' ' ')
	is "$wrong" "" "$name: every tagged server data segment names PID $want_s"
	if [ "$fmt" = v1 ]; then
		wrong=$(awk '$8 > 0 && $10 != "-" { split($10, t, "/");
			if (substr(t[4], 9, 8) != $7) print $7 }' "$f.pk" | wc -l)
		is "$wrong" 0 "$name: v1 seq field equals each data segment's seq"
	fi
	bad=$(awk '$10 == "BAD" || $10 ~ /^[0-9]+\/dee[9ab]\/0\//' "$f.pk" | wc -l)
	is "$bad" 0 "$name: no malformed option area, no PID 0 on the wire"
	zero=$(awk -v p="$cport" '($4 == p || $5 == p) && $10 != "-" {
		split($10, t, "/"); if (t[2] != "'$exid'" || t[1] != '$olen') print }' "$f.pk" | wc -l)
	is "$zero" 0 "$name: every option is $fmt ($olen bytes)"
	is "$(sed -n 's/.*over_mtu=\([0-9]*\).*/\1/p' "$f.gso")" 0 \
		"$name: no segment above MTU $MTU ($(cat "$f.gso" | tail -n1))"

	# both sides' records
	if [ "$fam" = 4 ]; then
		obj=$(grep "\"local\":\"$sip:" "$f.srvj" | grep "\"remote\":\"$cip:$cport\"")
	else
		obj=$(grep "\"local\":\"\[$sip\]:" "$f.srvj" | grep "\"remote\":\"\[$cip\]:$cport\"")
	fi
	is "$(jfield "$obj" pid)" "$want_s" "$name: server record owner"
	is "$(jpeer "$obj" pid)" "$want_c" "$name: server record's peer is the client process"
	case $fmt in
	v1) is "$(jpeer "$obj" addr)" "$cip" "$name: server record's peer address" ;;
	v6) is "$(jpeer "$obj" addr)" "$cip" "$name: server record's peer address (/64 + IID)" ;;
	v2) is "$(jpeer "$obj" host)" "$((16#$HOST_ID))" "$name: server record's peer host id" ;;
	esac
	echo "$(jpeer "$obj" seen)" | grep -q syn
	tap $? "$name: server saw the peer's option on the SYN ($(jpeer "$obj" seen))"
	echo "$(jpeer "$obj" seen)" | grep -q data
	tap $? "$name: server saw the peer's option on data"
	if [ "$fam" = 4 ]; then
		obj=$(grep "\"local\":\"$cip:$cport\"" "$f.clij")
	else
		obj=$(grep "\"local\":\"\[$cip\]:$cport\"" "$f.clij")
	fi
	is "$(jfield "$obj" pid)" "$want_c" "$name: client record owner"
	is "$(jpeer "$obj" pid)" "$want_s" "$name: client record's peer is the server's last sender"
	echo "$(jpeer "$obj" seen)" | grep -q synack
	tap $? "$name: client saw the peer's option on the SYN-ACK ($(jpeer "$obj" seen))"
}

cfg_default() {
	cfg enable syn,synack,data
	cfg sample_bytes 16384
	cfg format4 v1
	cfg format6 v6
}

if in_part 1; then
# 1. IPv4, v1, one process each side; events from totemd's ring buffer
#    (bpf) or from the totemd of each namespace (kmod)
cfg_default
if [ "$BACKEND" = bpf ]; then
	"$TOTEM" -b bpf -j monitor >"$TMP/events" 2>&1 &
	MPID=$!
	PIDS="$PIDS $MPID"
else
	# both append (O_APPEND): one opened without it writes at its own
	# offset, over the lines the other one appended
	: >"$TMP/events"
	ip netns exec "$NSA" env TOTEM_RUNDIR="$TMP/ra" "$TOTEM" -j monitor >>"$TMP/events" 2>&1 &
	PIDS="$PIDS $!"
	ip netns exec "$NSB" env TOTEM_RUNDIR="$TMP/rb" "$TOTEM" -j monitor >>"$TMP/events" 2>&1 &
	MPID=$!
	PIDS="$PIDS $MPID"
	subscribed() {
		grep -q "subscriber" "$TMP/totemd.log" && grep -q "subscriber" "$TMP/totemd2.log"
	}
	poll 200 subscribed
fi
run_case v4-plain 4 plain plain $REQ $RESP 20101
check_case v4-plain 4 v1
f=$TMP/v4-plain
cport=$(kv "$f.cli" connect local | sed 's/.*://')
ev() { # TYPE LOCAL REMOTE: event lines of one socket
	grep "\"event\":\"$1\"" "$TMP/events" | grep "\"local\":\"$2\"" |
		grep "\"remote\":\"$3\""
}
poll 100 ev close $B4:20101 $A4:$cport >/dev/null
kill "$MPID" 2>/dev/null
ev owner $A4:$cport $B4:20101 | grep -q "\"pid\":$(val "$f.cli" connect)"
tap $? "event: owner of the client socket, with the connecting PID"
ev peer $B4:20101 $A4:$cport | grep -q "\"pid\":$(val "$f.cli" connect)"
tap $? "event: peer learned on the server socket"
ev close $B4:20101 $A4:$cport | grep -q .
tap $? "event: close of the server socket"
ev close $A4:$cport $B4:20101 | grep -q .
tap $? "event: close of the client socket"

# 1a. syncookies always (tcp_syncookies=2): the SYN-ACK is written for the
#     cookie (no request sock kept, no saved SYN); the server learns the
#     peer from its data instead.  Not checked on the module path yet.
if [ "$BACKEND" = bpf ]; then
	if ip netns exec "$NSB" sh -c 'echo 2 >/proc/sys/net/ipv4/tcp_syncookies'; then
		run_case cookie 4 plain plain $REQ $RESP 20109
		f=$TMP/cookie
		cport=$(kv "$f.cli" connect local | sed 's/.*://')
		lp=$(val "$f.srv" listen)
		cp=$(val "$f.cli" connect)
		is "$(awk -v p="$cport" '$5 == p && $6 == "SA" { print $10 }' "$f.pk" | cut -d/ -f1-3)" \
			"16/dee9/$lp" "syncookie: SYN-ACK carries the listener's PID"
		obj=$(grep "\"remote\":\"$A4:$cport\"" "$f.srvj")
		is "$(jfield "$obj" pid)/$(jpeer "$obj" pid)" "$lp/$cp" \
			"syncookie: server record (owner, peer PID from data)"
		ip netns exec "$NSB" sh -c 'echo 1 >/proc/sys/net/ipv4/tcp_syncookies'
	else
		tap_skip "syncookie: cannot set net.ipv4.tcp_syncookies in the namespace"
	fi
fi

# 1b. the listener's child accepts: SYN-ACK names the listener, the
#     accepted socket's segments the acceptor
if [ "$SENDER" = 1 ] || [ "$ACCEPT" = 1 ]; then
	run_case v4-prefork 4 prefork plain $REQ $RESP 20107
	check_case v4-prefork 4 v1
	lp=$(val "$TMP/v4-prefork.srv" listen)
	ap=$(val "$TMP/v4-prefork.srv" accept)
	[ -n "$ap" ] && [ "$ap" != "$lp" ]
	tap $? "prefork: acceptor $ap is not the listener $lp"
	if [ "$BACKEND" = bpf ] && [ "$ACCEPT" = 1 ]; then
		obj=$(grep "\"local\":\"$B4:20107\"" "$TMP/v4-prefork.srvj")
		echo "$obj" | grep -q '"owner_flags":\[[^]]*"accept"'
		tap $? "prefork: the server record says the owner accepted it"
	fi
else
	tap_skip "prefork: this kernel has no accept or sender hook (see docs/$BACKEND.md)"
fi

# 1c. dual-stack listener, IPv4 client: the client's IPv4 socket sends
#     v1, the server's v4-mapped sockets the IPv6 form (uapi/totem.h).
#     1c and 1d: not checked on the module path yet.
if [ "$BACKEND" = bpf ]; then
	run_case mapped m plain plain $REQ $RESP 20108
	f=$TMP/mapped
	cport=$(kv "$f.cli" connect local | sed 's/.*://')
	lp=$(val "$f.srv" listen)
	cp=$(val "$f.cli" connect)
	is "$(kv "$f.cli" rx hash)" "$(kv "$f.srv" tx hash)" "mapped: response payload hash"
	is "$(awk -v p="$cport" '$4 == p && $6 == "S" { print $10 }' "$f.pk" | cut -d/ -f1-3)" \
		"16/dee9/$cp" "mapped: SYN from the IPv4 client is v1 with its PID"
	is "$(awk -v p="$cport" '$5 == p && $6 == "SA" { print $10 }' "$f.pk")" \
		"20/deeb/$lp/${HOST_ID}0000ffff$(hex4 $B4)" \
		"mapped: SYN-ACK of the dual-stack listener is v6, IID ::ffff:$B4"
	is "$(awk -v p="$cport" '$5 == p && $8 > 0 && $10 != "-" { split($10, t, "/");
		print t[1] "/" t[2] "/" t[3] }' "$f.pk" | sort -u)" "20/deeb/$lp" \
		"mapped: server data from the v4-mapped socket is v6 with the server PID"
	obj=$(grep "\"remote\":\"\[::ffff:$A4\]:$cport\"" "$f.srvj")
	is "$(jfield "$obj" pid)/$(jpeer "$obj" pid)/$(jpeer "$obj" addr)" "$lp/$cp/$A4" \
		"mapped: server record (owner, peer PID, peer IPv4)"
	obj=$(grep "\"local\":\"$A4:$cport\"" "$f.clij")
	is "$(jfield "$obj" pid)/$(jpeer "$obj" pid)/$(jpeer "$obj" addr)" "$cp/$lp/::ffff:$B4" \
		"mapped: client record (owner, peer PID, peer address from the IID)"
fi

# 1d. SO_REUSEPORT: two listening processes on one port; the SYN-ACK names
#     one of them and the record says so
if [ "$BACKEND" = bpf ]; then
	if [ "$SENDER" = 1 ] || [ "$ACCEPT" = 1 ]; then
		run_case reuseport 4 reuseport plain $REQ $RESP 20140
		f=$TMP/reuseport
		cport=$(kv "$f.cli" connect local | sed 's/.*://')
		l1=$(val "$f.srv" listen)
		l2=$(val "$f.srv" listen2)
		ap=$(val "$f.srv" accept)
		sa=$(awk -v p="$cport" '$5 == p && $6 == "SA" { split($10, t, "/"); print t[3] }' "$f.pk")
		[ -n "$sa" ] && { [ "$sa" = "$l1" ] || [ "$sa" = "$l2" ]; }
		tap $? "reuseport: SYN-ACK names one of the listeners ($sa of $l1, $l2)"
		wrong=$(awk -v p="$cport" -v w="$ap" '$5 == p && $8 > 0 && $10 != "-" {
			split($10, t, "/"); if (t[3] != w) print t[3] }' "$f.pk" | sort -u | tr '\n' ' ')
		is "$wrong" "" "reuseport: server data names the acceptor $ap"
		obj=$(grep "\"remote\":\"$A4:$cport\"" "$f.srvj")
		is "$(jfield "$obj" pid)" "$ap" "reuseport: server record owner is the acceptor"
		echo "$obj" | grep -q '"owner_flags":\[[^]]*"reuseport"'
		tap $? "reuseport: the record says the listener was one of several"
	else
		tap_skip "reuseport: this kernel has no accept or sender hook (see docs/bpf.md)"
	fi
fi

# 2. IPv4: server works in a child forked after accept, client sends from
#    a forked child: data names the last sender
if [ "$SENDER" = 1 ]; then
	run_case v4-fork 4 fork fork $REQ $RESP 20102
	check_case v4-fork 4 v1
	# 3. fd passing to a worker process
	run_case v4-pass 4 pass plain $REQ $RESP 20103
	check_case v4-pass 4 v1
else
	tap_skip "fork / fd passing: this kernel has no sender hook (see docs/$BACKEND.md)"
fi
fi

if in_part 2; then

# 4. IPv6, v6
run_case v6-plain 6 plain plain $REQ $RESP 20104
check_case v6-plain 6 v6

# 5. config change on new connections: v2 for both families
cfg format4 v2
cfg format6 v2
run_case v4-v2 4 plain plain $REQ $RESP 20105
check_case v4-v2 4 v2
run_case v6-v2 6 plain plain $REQ $RESP 20106
check_case v6-v2 6 v2
cfg_default

# 6. sampling: every N payload bytes, with GSO on
for S in 65536 0; do
	cfg sample_bytes $S
	run_case sample-$S 4 plain plain $BULK 1000 $((20110 + ${S:0:1}))
	f=$TMP/sample-$S
	cport=$(kv "$f.cli" connect local | sed 's/.*://')
	gaps=$(awk -v p="$cport" -v s=$S '$4 == p && $8 > 0 {
		if ($10 != "-") { if (seen && un < s) bad++; seen = 1; un = 0; tags++ }
		else un += $8 } END { print tags + 0, bad + 0, NR }' "$f.pk")
	set -- $gaps
	[ "$1" -gt 0 ] && [ "$2" = 0 ]
	tap $? "sample_bytes=$S: $1 tagged client segments, each after >= $S untagged bytes"
	if [ "$S" = 0 ]; then
		untagged=$(awk -v p="$cport" '$4 == p && $8 > 0 && $10 == "-"' "$f.pk" | wc -l)
		is "$untagged" 0 "sample_bytes=0: every client data segment tagged"
	else
		maxtags=$((BULK / S + 1))
		[ "$1" -le "$maxtags" ]
		tap $? "sample_bytes=$S: at most $maxtags tags over $BULK bytes ($1)"
	fi
	gso=$(sed -n 's/.*gso=\([0-9]*\).*/\1/p' "$f.gso")
	[ "${gso:-0}" -gt 0 ]
	tap $? "sample_bytes=$S: GSO packets seen ($gso), none above MTU: $(tail -n1 "$f.gso")"
done
cfg_default

# 7. enable=syn only: nothing on SYN-ACK or data
cfg enable syn
run_case syn-only 4 plain plain 100000 100000 20120
f=$TMP/syn-only
cport=$(kv "$f.cli" connect local | sed 's/.*://')
is "$(awk -v p="$cport" '$6 == "S" && $10 != "-"' "$f.pk" | wc -l)" 1 "enable=syn: the SYN is tagged"
is "$(awk -v p="$cport" '$6 != "S" && $10 != "-"' "$f.pk" | wc -l)" 0 \
	"enable=syn: nothing else is"
cfg_default
fi

# 8. counters moved at least as much as the wire shows
stats >"$TMP/stats.after"
delta() {
	echo $(($(stat_of "$TMP/stats.after" "$1") - $(stat_of "$TMP/stats.before" "$1")))
}
wire() { # AWK-CONDITION over every capture
	cat "$TMP"/*.pk | awk "$1" | wc -l
}
d=$(delta inject_syn); w=$(wire '$6 == "S" && $10 != "-"')
[ "$d" -ge "$w" ]
tap $? "inject_syn moved by $d >= $w SYNs tagged on the wire"
d=$(delta inject_synack); w=$(wire '$6 == "SA" && $10 != "-"')
[ "$d" -ge "$w" ]
tap $? "inject_synack moved by $d >= $w SYN-ACKs tagged on the wire"
d=$(delta inject_data); w=$(wire '$6 !~ /S/ && $8 > 0 && $10 != "-"')
[ "$d" -ge "$w" ]
tap $? "inject_data moved by $d >= $w data packets tagged on the wire"
d=$(delta rx_tot)
[ "$d" -ge "$w" ]
tap $? "rx_tot moved by $d"
is "$(delta err_store)" 0 "err_store did not move"

# 9. clean stop: SIGTERM; the eBPF path detaches and unpins, the module,
#    loaded before totemd, stays
kill -TERM $DAEMONS
wait "$DPID"
tap $? "totemd exits 0 on SIGTERM"
[ -n "$DPID2" ] && wait "$DPID2"
DAEMONS=
if [ "$BACKEND" = kmod ]; then
	loaded
	tap $? "a module totemd did not load is left loaded"
	done_testing
	exit
fi
[ ! -e /sys/fs/bpf/totem/sock_record ]
tap $? "pins removed on exit"
# 10. SIGKILL: the links die with the process (nothing tags any more), the
#     stale pins stay and the next totemd removes them
"$TOTEMD" --backend bpf --foreground >"$TMP/totemd2.log" 2>&1 &
DPID=$!
DAEMONS=$DPID
poll 600 [ -e /sys/fs/bpf/totem/sock_record ]
tap $? "totemd starts again"
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
DAEMONS=
run_case after-kill 4 plain plain 50000 50000 20130
is "$(awk '$10 != "-"' "$TMP/after-kill.pk" | wc -l)" 0 \
	"after SIGKILL no segment carries an option"
# a listener older than totemd gets no callbacks: its SYN-ACKs carry no
# option (rather than a wrong PID); a socket created before totemd but
# listening after has no creator: its owner is the caller of listen() where
# sockops can see it (6.10+), else unknown (PID 0, owner_unknown moves)
export TPEER_HOLD=$TMP/old.hold
ip netns exec "$NSB" "$TPEER" server $B4 20131 plain 1000 1000 >"$TMP/old.srv" 2>&1 &
sp=$!
PIDS="$PIDS $sp"
poll 200 grep -qs "^listen" "$TMP/old.srv"
export TPEER_LISTEN_WAIT=$TMP/late.listen
ip netns exec "$NSB" "$TPEER" server $B4 20132 plain 1000 1000 >"$TMP/late.srv" 2>&1 &
sp2=$!
PIDS="$PIDS $sp2"
unset TPEER_LISTEN_WAIT
poll 200 grep -qs "^bound" "$TMP/late.srv"
"$TOTEMD" --backend bpf --foreground >"$TMP/totemd3.log" 2>&1 &
DPID=$!
DAEMONS=$DPID
poll 600 grep -qs "backend bpf" "$TMP/totemd3.log"
tap $? "a new totemd replaces the stale pins ($(tail -n1 "$TMP/totemd3.log"))"
touch "$TMP/late.listen"
poll 200 grep -qs "^listen" "$TMP/late.srv"
stats >"$TMP/stats.before3"
ip netns exec "$NSB" tcpdump -i "$VB" -s 200 -U -nn -w "$TMP/old.pcap" \
	'tcp port 20131 or tcp port 20132' 2>"$TMP/old.tcpdump" &
tp=$!
PIDS="$PIDS $tp"
poll 200 grep -qs "listening on" "$TMP/old.tcpdump"
for port in 20131 20132; do
	ip netns exec "$NSA" "$TPEER" client $B4 $port plain 1000 1000 \
		>"$TMP/old-$port.cli" 2>&1 &
	cp=$!
	poll 400 grep -qs "^hold" "$TMP/old-$port.cli"
done
touch "$TMP/old.hold"
wait "$sp" "$sp2" "$cp"
poll 100 fins "$TMP/old.pcap"
kill -INT "$tp"
wait "$tp"
unset TPEER_HOLD
stats >"$TMP/stats.after3"
tcpdump -tt -nn -x -r "$TMP/old.pcap" 2>/dev/null | awk -f "$DECODE" >"$TMP/old.pk"
is "$(awk '$4 == 20131 && $6 == "SA" { print $10 }' "$TMP/old.pk")" "-" \
	"a listener from before totemd: SYN-ACK without option"
late=$(awk '$4 == 20132 && $6 == "SA" { split($10, t, "/"); print t[3] }' "$TMP/old.pk")
d=$(($(stat_of "$TMP/stats.after3" owner_unknown) - $(stat_of "$TMP/stats.before3" owner_unknown)))
if grep -q "sockops pid_tgid yes" "$TMP/totemd.log"; then
	is "$late" "$(val "$TMP/late.srv" listen)" \
		"socket from before totemd, listen() after: SYN-ACK names the caller of listen()"
else
	is "$late" 0 "socket from before totemd, listen() after: SYN-ACK carries PID 0"
	[ "$d" -ge 1 ]
	tap $? "owner_unknown moved ($d)"
fi
kill -TERM "$DPID"
wait "$DPID"
DAEMONS=
done_testing
