#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: the kernel module path end to end (run in the test VMs; the host
# cannot load modules).  Adapted from tests/host/bpf-e2e.t: the same checks
# against totem.ko.  The module is loaded first, so the namespaces below are
# created after insmod (the pernet hooks must reach them); a `totemd
# --backend kmod` in each namespace serves that namespace's events (the
# module multicasts per namespace); two network namespaces joined by a veth; tpeer client
# and server (tests/e2e/tpeer.c) that print their own PIDs; a capture on
# the veth decoded from raw bytes by tcpdump -x and tests/e2e/tcpopts.awk
# (not by totem's codec); tests/e2e/gsocheck reading gso_size of every
# packet; `totem -j sockets` inside each namespace.  Checked, packet by
# packet: the SYN names the connecting process, the SYN-ACK the listener,
# data from each side the process that sent it (after fork and fd passing
# too), option bytes (address, sequence, host id, IPv6 IID), IPv4 and
# IPv6, v1/v2/v6, sampling with GSO on, no segment above the MTU, payload
# hashes, both sides' records, config changes on new connections, counters.
#
# Skips without root, module support, TOTEM_KO or tcpdump.
set -u

# e2e.sh [1|2]: only the IPv4 process cases (1) or the IPv6, format,
# sampling and enable cases (2); both by default.  The VM suite runs the
# halves as two tests to stay within VM_TEST_TIMEOUT under TCG.
PART=${1:-all}
in_part() {
	[ "$PART" = all ] || [ "$PART" = "$1" ]
}

SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${TOTEM_BUILD:-$SRC/build}
TOTEMD=$OUT/totemd
TOTEM=$OUT/totem
TPEER=$OUT/tests/e2e/tpeer
GSOCHECK=$OUT/tests/e2e/gsocheck
DECODE=$SRC/tests/e2e/tcpopts.awk

skip() {
	echo "1..0 # SKIP $*"
	exit 4
}

for b in "$TOTEMD" "$TOTEM" "$TPEER" "$GSOCHECK"; do
	[ -x "$b" ] || skip "$b not built (make userspace tests)"
done
[ "$(id -u)" = 0 ] || skip "needs root (modules, network namespaces)"
[ -e /proc/modules ] || skip "kernel without module support"
[ -n "${TOTEM_KO:-}" ] && [ -f "$TOTEM_KO" ] || skip "no totem.ko (TOTEM_KO)"
command -v tcpdump >/dev/null || skip "needs tcpdump"
command -v ip >/dev/null || skip "needs ip (iproute2)"
grep -q '^totem ' /proc/modules && rmmod totem
insmod "$TOTEM_KO" || skip "insmod $TOTEM_KO failed"

ID=$$
NSA=totem-kma-$ID
NSB=totem-kmb-$ID
VA=tka$ID
VB=tkb$ID
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
if [ -n "${TOTEM_VM:-}" ]; then
	REQ=40000
	RESP=40000
	BULK=200000
fi
TMP=$(mktemp -d /tmp/totem-kmod-e2e.XXXXXX)
DPID=
DPID2=
PIDS=

cleanup() {
	local p

	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $DPID $DPID2; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	wait 2>/dev/null
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	grep -q '^totem ' /proc/modules && rmmod totem
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "# kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT

n=0
tap() { # STATUS(0=ok) DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
	fi
}
tap_skip() {
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}
is() { # GOT WANT DESCRIPTION
	[ "$1" = "$2" ]
	tap $? "$3 (got '$1', want '$2')"
}

poll() { # COUNT CMD...: retry every 0.05 s until CMD succeeds
	local i=$1

	shift
	while [ "$i" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		i=$((i - 1))
	done
	return 1
}

# ---- network ----
ip netns add "$NSA" && ip netns add "$NSB" || skip "cannot create network namespaces"
ip link add "$VA" netns "$NSA" type veth peer name "$VB" netns "$NSB" ||
	skip "cannot create a veth pair"
for ns in "$NSA" "$NSB"; do
	ip -n "$ns" link set lo up
done
ip -n "$NSA" addr add $A4/24 dev "$VA"
ip -n "$NSB" addr add $B4/24 dev "$VB"
ip -n "$NSA" addr add $A6/64 dev "$VA" nodad
ip -n "$NSB" addr add $B6/64 dev "$VB" nodad
ip -n "$NSA" link set "$VA" mtu $MTU up
ip -n "$NSB" link set "$VB" mtu $MTU up

# ---- totemd, one per namespace ----
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
if ! poll 600 ready; then
	echo "1..1"
	tap 1 "totemd --backend kmod starts ($(tail -n1 "$TMP/totemd.log"))"
	exit 1
fi
T() { # NS ARGS...: totem in a namespace, module backend
	local ns=$1

	shift
	ip netns exec "$ns" "$TOTEM" -b kmod "$@"
}
HOST_ID=$(printf '%08x' "$(T "$NSA" config host_id)")
# The module has its sendmsg and accept probes on every kernel (docs/kmod.md).
SENDER=1
ACCEPT=1

stats() { # print "name value" lines
	T "$NSA" -j stats | tr -d '{}"' | tr ',' '\n' | tr ':' ' '
}
stat_of() { # FILE NAME
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}
stats >"$TMP/stats.before"

# One JSON object per line, from `totem -j sockets`.
objects() {
	awk 'BEGIN { RS = "\001" } {
		d = 0; s = ""
		for (i = 1; i <= length($0); i++) {
			c = substr($0, i, 1)
			if (c == "{") d++
			if (d > 0) s = s c
			if (c == "}") { d--; if (d == 0) { print s; s = "" } }
		}
	}'
}
jfield() { # OBJECT KEY: a number or string value at the top level
	echo "$1" | sed 's/"peer":{[^}]*}//' |
		sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}
jpeer() { # OBJECT KEY: a value inside "peer"
	echo "$1" | sed -n 's/.*"peer":{\([^}]*\)}.*/\1/p' |
		sed -n "s/.*\"$2\":\(\[[^]]*\]\|\"[^\"]*\"\|[^,]*\).*/\1/p" | tr -d '"'
}

hex4() { # dotted quad -> 8 hex digits
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
	[ "$(tcpdump -r "$1" -nn 'tcp[tcpflags] & tcp-fin != 0' 2>/dev/null | wc -l)" -ge 2 ]
}

# ---- one connection, captured ----
CASE=
run_case() { # NAME FAMILY SMODE CMODE REQ RESP PORT
	local name=$1 fam=$2 smode=$3 cmode=$4 req=$5 resp=$6 port=$7
	local sip cip tp gp sp cp

	CASE=$TMP/$name
	if [ "$fam" = 4 ]; then sip=$B4; cip=$A4; else sip=$B6; cip=$A6; fi
	ip netns exec "$NSB" tcpdump -i "$VB" -s 200 -U -nn -w "$CASE.pcap" \
		tcp port "$port" 2>"$CASE.tcpdump" &
	tp=$!
	ip netns exec "$NSB" "$GSOCHECK" "$VB" $MTU "$CASE.stop" >"$CASE.gso" &
	gp=$!
	PIDS="$PIDS $tp $gp"
	poll 200 grep -qs "listening on" "$CASE.tcpdump"
	poll 200 grep -qs ready "$CASE.gso"
	export TPEER_HOLD=$CASE.hold
	ip netns exec "$NSB" "$TPEER" server "$sip" "$port" "$smode" "$req" "$resp" \
		>"$CASE.srv" 2>&1 &
	sp=$!
	poll 200 grep -qs "^listen" "$CASE.srv"
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
	local syn synack bad zero cdata sdata wrong line obj

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

cfg() { # KEY VALUE
	T "$NSA" config "$1" "$2" >/dev/null
}
cfg_default() {
	cfg enable syn,synack,data
	cfg sample_bytes 16384
	cfg format4 v1
	cfg format6 v6
}

if in_part 1; then
# 1. IPv4, v1, one process each side; events from the totemds
cfg_default
ip netns exec "$NSA" env TOTEM_RUNDIR="$TMP/ra" "$TOTEM" -j monitor >"$TMP/events" 2>&1 &
PIDS="$PIDS $!"
ip netns exec "$NSB" env TOTEM_RUNDIR="$TMP/rb" "$TOTEM" -j monitor >>"$TMP/events" 2>&1 &
MPID=$!
PIDS="$PIDS $MPID"
subscribed() {
	grep -q "subscriber" "$TMP/totemd.log" && grep -q "subscriber" "$TMP/totemd2.log"
}
poll 200 subscribed
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

# 1b. the listener's child accepts: SYN-ACK names the listener, the
#     accepted socket's segments the acceptor
if [ "$SENDER" = 1 ] || [ "$ACCEPT" = 1 ]; then
	run_case v4-prefork 4 prefork plain $REQ $RESP 20107
	check_case v4-prefork 4 v1
	lp=$(val "$TMP/v4-prefork.srv" listen)
	ap=$(val "$TMP/v4-prefork.srv" accept)
	[ -n "$ap" ] && [ "$ap" != "$lp" ]
	tap $? "prefork: acceptor $ap is not the listener $lp"
else
	tap_skip "prefork: this kernel has no accept or sender hook (see docs/kmod.md)"
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
	tap_skip "fork / fd passing: this kernel has no sender hook (see docs/kmod.md)"
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

# 9. clean stop: SIGTERM; the module, loaded before totemd, stays
kill -TERM "$DPID" "$DPID2"
wait "$DPID"
tap $? "totemd exits 0 on SIGTERM"
wait "$DPID2"
DPID=
DPID2=
grep -q '^totem ' /proc/modules
tap $? "a module totemd did not load is left loaded"
echo "1..$n"
