#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: hostile input from the wire, eBPF path.  totemd --backend bpf
# attached; a listener (rawtcp listen) in namespace B; from namespace A,
# tests/e2e/rawtcp crafts whole TCP connections over raw sockets (the RST
# A's own stack would send is dropped by a tc program) and puts crafted
# option areas
#   - on the SYN: totem parses the saved SYN when the handshake completes;
#   - on an in-window data segment of an established connection: totem's
#     PARSE_HDR callback (the kernel calls it only for option areas its own
#     parser walked to the end and found an unknown kind in);
# carrying kind 253 with lengths 0, 1, 2, 3, 39, 40, 255, a wrong ExID, a
# truncated option, an option running past the data offset, two TOT options,
# TOA options of bad length, and a data offset beyond the packet.
# Checked for each: the server socket's record has no peer and no TOA (and
# the socket exists with its owner), rx_malformed moves exactly when the
# rules of kmod/uapi/totem.h call the area or option malformed; a valid
# option sent the same way IS recorded (the channel works); afterwards a
# normal connection works and is attributed, totemd is alive and the
# kernel log has no new warning.
set -u
NAME=wire
. "$(dirname "$0")/harden-lib.sh"

harden_need "$TOTEMD" "$TOTEM" "$RAWTCP" "$TPEER"
harden_lock
harden_net
harden_tcbpf "$TMP/tc.o" 0 0 0 || skip "cannot build a tc program: $(head -n1 "$TMP/harden_tc.err" 2>/dev/null)"
harden_norst "$NSA" "$VA" "$TMP/tc.o" || skip "cannot attach a cls_bpf filter (tc)"

KLOG=0
dmesg >/dev/null 2>&1 && KLOG=1
warns() {
	dmesg 2>/dev/null | grep -cE "WARNING:|BUG:|Oops|general protection|UBSAN|KASAN"
}
[ "$KLOG" = 1 ] && W0=$(warns)

PORT=7070
listener() { # PORT OUT: a listener in B; sets LP
	ip netns exec "$NSB" "$RAWTCP" listen $B4 "$1" >"$2" 2>&1 &
	PIDS="$PIDS $!"
	poll 200 grep -qs "^listen" "$2"
	LP=$(sed -n 's/^listen pid=\([0-9]*\).*/\1/p' "$2")
}

# A v1 option claiming PID 4242 (0x1092), IPv4 10.232.0.1, seq 0x01020304.
V1=fd10dee9000010920ae8000101020304
V2A=fd0cdeea000010920000abcd
V2B=fd0cdeea000010930000abcd
pad() { # N: N zero-free filler bytes (0x01 = NOP would be legal; use 0x11)
	printf '11%.0s' $(seq 1 "$1")
}

# name | option hex | doff words (0: from the bytes) | payload | malformed
# by totem's rules (1/0) | the kernel's own parser reaches the end (1/0) |
# the kernel answers such a SYN (1/0: a data offset past the packet; and
# from 6.7 tcp_inbound_hash() drops segments whose option walk breaks
# once 18 bytes or more are left, MD5's length)
CASES="
len0|fd00|0|0|1|0|1
len1|fd01|0|0|1|0|1
len2|fd02|0|0|0|1|1
len3|fd03de|0|0|0|1|1
len39|fd27dee9$(pad 35)|0|0|1|1|1
len40|fd28dee9$(pad 36)|0|0|1|1|1
len255|fdffdee9$(pad 12)|0|0|1|0|1
wrong-exid|fd10dee8000010920ae8000101020304|0|0|0|1|1
truncated|fd10dee900001092|0|0|1|0|1
past-doff|fd10dee9|6|12|1|0|1
two-tot|$V2A$V2B|0|0|1|1|1
two-tot-v1v2|$V1$V2A|0|0|1|1|1
bad-then-valid|fd01$V1|0|0|1|0|0
toa254-len10|fe0a123400000000aaaa|0|0|1|1|1
toa200-len6|c8060050aaaa|0|0|1|1|1
doff-beyond|-|15|0|0|0|0
"

rec_of() { # SPORT: the server's record of the connection from A4:SPORT
	T "$NSB" -j sockets | objects | grep "\"remote\":\"$A4:$1\""
}
has_rec() {
	[ -n "$(rec_of "$1")" ]
}

check_case() { # WHERE NAME SPORT MALFORMED REACHES ANSWERED DELTA OUTFILE
	local where=$1 name=$2 sport=$3 mal=$4 reach=$5 ans=$6 d=$7 out=$8 obj

	obj=$(rec_of "$sport")
	if [ "$ans" = 0 ] && [ "$where" = syn ]; then
		grep -q "^nosynack" "$out"
		tap $? "$where $name: the SYN is dropped, as without totem ($(head -n1 "$out"))"
		is "$obj" "" "$where $name: no socket"
		is "$d" 0 "$where $name: rx_malformed did not move (never reached totem)"
		return
	fi
	grep -q "^synack" "$out" && grep -q "^done" "$out"
	tap $? "$where $name: handshake done ($(tr '\n' ' ' <"$out"))"
	is "$(jfield "$obj" pid)" "$LP" "$where $name: the server socket has its record (owner)"
	echo "$obj" | grep -q '"peer":null'
	tap $? "$where $name: no peer recorded (peer $(jpeer "$obj" pid))"
	echo "$obj" | grep -q '"toa":null'
	tap $? "$where $name: no TOA recorded"
	if [ "$mal" = 1 ] && { [ "$where" = syn ] || [ "$reach" = 1 ]; }; then
		[ "$d" -ge 1 ]
		tap $? "$where $name: rx_malformed moved ($d)"
	elif [ "$mal" = 1 ]; then
		is "$d" 0 "$where $name: rx_malformed still (the kernel's parser stops first, totem is not called)"
	elif [ "$reach" = 0 ]; then
		is "$d" 0 "$where $name: rx_malformed still (the kernel drops the segment)"
	else
		is "$d" 0 "$where $name: not malformed by the rules, rx_malformed did not move"
	fi
}

i=0
echo "$CASES" | grep . >"$TMP/cases"

# The SYNs the kernel itself drops, before totemd runs: so that a missing
# SYN-ACK below is the kernel's doing, not totem's.
listener $((PORT + 10)) "$TMP/listen0.out"
while IFS='|' read -r name hex doff pay mal reach ans; do
	[ "$ans" = 0 ] || continue
	args=(-s "$hex")
	[ "$doff" != 0 ] && args+=(-S "$doff")
	ip netns exec "$NSA" "$RAWTCP" conn $A4 29999 $B4 $((PORT + 10)) "${args[@]}" -w 500 \
		>"$TMP/pre-$name.out" 2>&1
	grep -q "^nosynack" "$TMP/pre-$name.out"
	tap $? "without totem, the kernel drops the SYN of case $name"
done <"$TMP/cases"

if ! harden_totemd "$TMP/totemd.log"; then
	tap 1 "totemd --backend bpf starts ($(tail -n1 "$TMP/totemd.log"))"
	done_testing
	exit 1
fi
cfg enable syn,synack,data
cfg sample_bytes 16384
cfg format4 v1
cfg parse on

# (a listener older than totemd gets no callbacks: start it now)
listener $PORT "$TMP/listen.out"

while IFS='|' read -r name hex doff pay mal reach ans; do
	i=$((i + 1))
	# on the SYN
	sport=$((30000 + i))
	args=(-s "$hex")
	[ "$doff" != 0 ] && args+=(-S "$doff")
	[ "$pay" != 0 ] && args+=(-P "$pay")
	stats "$TMP/s.before"
	ip netns exec "$NSA" "$RAWTCP" conn $A4 $sport $B4 $PORT "${args[@]}" -w 1000 \
		>"$TMP/syn-$name.out" 2>&1
	[ "$ans" = 0 ] || poll 100 has_rec $sport
	stats "$TMP/s.after"
	check_case syn "$name" $sport "$mal" "$reach" "$ans" \
		"$(stat_delta "$TMP/s.before" "$TMP/s.after" rx_malformed)" "$TMP/syn-$name.out"

	# on a data segment of an established connection
	sport=$((31000 + i))
	args=(-a "$hex")
	[ "$doff" != 0 ] && args+=(-A "$doff")
	if [ "$pay" != 0 ]; then
		args+=(-d "$pay")
	elif [ "$name" != doff-beyond ]; then
		args+=(-d 100)
	fi
	# a fresh connection per case: handshake, 10 plain bytes, then the case
	stats "$TMP/s.before"
	ip netns exec "$NSA" "$RAWTCP" conn $A4 $((sport + 500)) $B4 $PORT -a - -d 10 \
		"${args[@]}" -w 1000 >"$TMP/est-$name.out" 2>&1
	poll 100 has_rec $((sport + 500))
	stats "$TMP/s.after"
	check_case data "$name" $((sport + 500)) "$mal" "$reach" 1 \
		"$(stat_delta "$TMP/s.before" "$TMP/s.after" rx_malformed)" "$TMP/est-$name.out"
done <"$TMP/cases"

# The same channel with a valid option: recorded, so "no peer" above means
# the input was refused, not that nothing was parsed.
stats "$TMP/s.before"
ip netns exec "$NSA" "$RAWTCP" conn $A4 32001 $B4 $PORT -s $V1 -w 1000 >"$TMP/valid-syn.out" 2>&1
poll 100 has_rec 32001
obj=$(rec_of 32001)
is "$(jpeer "$obj" pid)/$(jpeer "$obj" addr)/$(jpeer "$obj" seen)" "4242/10.232.0.1/[syn]" \
	"control: a valid v1 on the SYN is recorded as the claim"
ip netns exec "$NSA" "$RAWTCP" conn $A4 32002 $B4 $PORT -a - -d 10 -a $V1 -d 100 -w 1000 \
	>"$TMP/valid-data.out" 2>&1
poll 100 has_rec 32002
obj=$(rec_of 32002)
is "$(jpeer "$obj" pid)/$(jpeer "$obj" seen)" "4242/[data]" \
	"control: a valid v1 on a data segment is recorded"
stats "$TMP/s.after"
is "$(stat_delta "$TMP/s.before" "$TMP/s.after" rx_malformed)" 0 \
	"control: valid options do not move rx_malformed"

# A normal connection right after: works, both sides attributed.
export TPEER_HOLD=$TMP/hold
ip netns exec "$NSB" "$TPEER" server $B4 7071 plain 100000 100000 >"$TMP/n.srv" 2>&1 &
sp=$!
PIDS="$PIDS $sp"
poll 200 grep -qs "^listen" "$TMP/n.srv"
ip netns exec "$NSA" "$TPEER" client $B4 7071 plain 100000 100000 >"$TMP/n.cli" 2>&1 &
cp=$!
PIDS="$PIDS $cp"
poll 400 grep -qs "^hold" "$TMP/n.srv"
poll 400 grep -qs "^hold" "$TMP/n.cli"
cport=$(sed -n 's/^connect .*local=[^ ]*:\([0-9]*\).*/\1/p' "$TMP/n.cli")
cpid=$(sed -n 's/^connect pid=\([0-9]*\).*/\1/p' "$TMP/n.cli")
obj=$(T "$NSB" -j sockets | objects | grep "\"remote\":\"$A4:$cport\"")
touch "$TMP/hold"
wait "$sp" "$cp"
unset TPEER_HOLD
h1=$(sed -n 's/^rx .*hash=\([^ ]*\).*/\1/p' "$TMP/n.srv")
h2=$(sed -n 's/^tx .*hash=\([^ ]*\).*/\1/p' "$TMP/n.cli")
[ -n "$h1" ] && [ "$h1" = "$h2" ]
tap $? "normal connection afterwards: payload hash matches ($h1)"
is "$(jpeer "$obj" pid)" "$cpid" "normal connection afterwards: the server names the client process"

kill -0 "$DPID" 2>/dev/null
tap $? "totemd is still running"
if [ "$KLOG" = 1 ]; then
	is "$(warns)" "$W0" "no new WARNING/BUG/Oops in the kernel log"
else
	tap_skip "kernel log not readable"
fi
done_testing
