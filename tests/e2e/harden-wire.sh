#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: hostile input from the wire, one body for both paths.
#   harden-wire.sh BACKEND [FAMILY]
#   bpf   `totemd --backend bpf` attached (the host: tests/host/harden-wire.t);
#   kmod  totem.ko ($TOTEM_KO; the QEMU guests, tests/qemu/vm-tests.list);
#   FAMILY 4, 6 or all (default): IPv4 and/or IPv6 segments.
# A listener (rawtcp listen) in namespace B; from namespace A,
# tests/e2e/rawtcp crafts whole TCP connections over raw sockets (the RST
# A's own stack would send is dropped by a tc program) and puts crafted
# option areas on the SYN and on an in-window data segment of an
# established connection: kind 253 with lengths 0, 1, 2, 3, 39, 40, 255, a
# wrong ExID, an ExID with the length of another format, a truncated
# option, an option running past the data offset, two TOT options, a
# broken area followed by a valid option, TOA options of bad length (kind
# 254 of 10 and, over IPv6, 18; kind 200 of 6), and a data offset beyond
# the packet.  IPv6 uses the v6 form (253/20/0xDEEB) where IPv4 uses v1.
#
# Where each path reads the options (docs/bpf.md, docs/kmod.md):
#   bpf   the saved SYN when the handshake completes, and data segments
#         through the PARSE_HDR callback, which the kernel calls only for
#         option areas its own parser walked to the end and found an
#         unknown kind in: a broken area on data never reaches totem;
#   kmod  every segment at LOCAL_IN (kmod/hooks.c), before TCP looks at
#         it: each malformed area moves rx_malformed once, also on a
#         segment TCP then drops; a data offset past the packet is not
#         read at all (the header cannot be pulled) and TCP drops it.
# Checked for each case: the server socket exists with its owner and has
# no peer and no TOA; rx_malformed moves exactly when the rules of
# kmod/uapi/totem.h call the area or option malformed (and the path reads
# it); a SYN the kernel drops without totem is dropped with totem too (and
# a SYN it answers is answered).  Controls: a valid TOT option and a valid
# TOA sent the same way ARE recorded (the channel works) and move no
# malformed counter.  Afterwards a normal connection works and is
# attributed, totemd (bpf) is alive or the module (kmod) still answers,
# and the kernel log has no new warning.
set -u

BACKEND=${1:-}
FAMS=${2:-all}
USAGE='[4|6|all]'
# shellcheck source=tests/e2e/backend.sh
. "$(dirname "$0")/backend.sh"
case $FAMS in
all) FAMS="4 6" ;;
4 | 6) ;;
*)
	echo "usage: $0 bpf|kmod [4|6|all]" >&2
	exit 2
	;;
esac
NAME=wire
# shellcheck source=tests/host/harden-lib.sh
. "$(dirname "$0")/../host/harden-lib.sh"
# this script counts its poll tries in 50 ms steps on both paths
POLL_INTERVAL=0.05
# rawtcp's wait for a SYN-ACK; longer under TCG
WAIT=1000
[ -n "${TOTEM_VM:-}" ] && WAIT=1200

harden_need "$TOTEMD" "$TOTEM" "$RAWTCP" "$TPEER"
need_cmd tc
[ "$BACKEND" = bpf ] && bpf_lock
netns_pair 1500
harden_tcbpf "$TMP/tc.o" 0 0 0 ||
	skip_all "cannot build a tc program: $(head -n1 "$TMP/harden_tc.err" 2>/dev/null)"
harden_norst "$NSA" "$VA" "$TMP/tc.o" || skip_all "cannot attach a cls_bpf filter (tc)"
echo "# set up in $SECONDS s"

KLOG=0
dmesg >/dev/null 2>&1 && KLOG=1
warns() {
	dmesg 2>/dev/null | grep -cE "WARNING:|BUG:|Oops|general protection|UBSAN|KASAN"
}
[ "$KLOG" = 1 ] && W0=$(warns)

PORT=7070
listener() { # ADDR PORT OUT: a listener in B; sets LP
	ip netns exec "$NSB" "$RAWTCP" listen "$1" "$2" >"$3" 2>&1 &
	PIDS="$PIDS $!"
	poll 200 grep -qs "^listen" "$3"
	LP=$(sed -n 's/^listen pid=\([0-9]*\).*/\1/p' "$3")
}

# Claims of PID 4242 (0x1092): v1 from IPv4 10.232.0.1 (A4), seq
# 0x01020304; v6 with host id 0xabcd and the IID ::1 of A6; v2 (no address).
V1=fd10dee9000010920ae8000101020304
V6=fd14deeb000010920000abcd0000000000000001
V2A=fd0cdeea000010920000abcd
V2B=fd0cdeea000010930000abcd
# TOA: port 0x1234 (4660) and 10.232.0.99 / fd00:7e:2::99
TOA4=fe0812340ae80063
TOA6=fe141234fd00007e000200000000000000000099
pad() { # N: N filler bytes (0x01 = NOP would be legal; use 0x11)
	printf '11%.0s' $(seq 1 "$1")
}

# The cases of one family, one per line:
# name | option hex | doff words (0: from the bytes) | payload | malformed
# by totem's rules (1/0) | the kernel's own parser reaches the end (1/0:
# the bpf path's PARSE_HDR is called) | the kernel answers such a SYN (1,
# 0: a data offset past the packet, k: it depends on the kernel: from 6.7
# tcp_inbound_hash() drops segments whose option walk breaks once 18 bytes
# or more are left, MD5's length; the run without totem decides)
cases() { # FAMILY
	local tot exid olen tlen wrong trunc

	if [ "$1" = 4 ]; then
		tot=$V1 exid=dee9 olen=10 tlen=16 wrong=fd14dee9$(pad 16)
	else
		tot=$V6 exid=deeb olen=14 tlen=20 wrong=fd10deeb$(pad 12)
	fi
	# all but the last 4 bytes
	trunc=${tot:0:$(((tlen - 4) * 2))}
	cat <<EOF
len0|fd00|0|0|1|0|1
len1|fd01|0|0|1|0|1
len2|fd02|0|0|0|1|1
len3|fd03de|0|0|0|1|1
len39|fd27$exid$(pad 35)|0|0|1|1|1
len40|fd28$exid$(pad 36)|0|0|1|1|1
len255|fdff$exid$(pad 12)|0|0|1|0|1
wrong-exid|fd${olen}dee8${tot:8}|0|0|0|1|1
exid-len|$wrong|0|0|1|1|1
truncated|$trunc|0|0|1|0|1
past-doff|fd$olen$exid|6|$tlen|1|0|1
two-tot|$V2A$V2B|0|0|1|1|1
two-tot-mixed|$tot$V2A|0|0|1|1|1
bad-then-valid|fd01$tot|0|0|1|0|k
toa254-len10|fe0a123400000000aaaa|0|0|1|1|1
toa200-len6|c8060050aaaa|0|0|1|1|1
EOF
	[ "$1" = 6 ] && echo "toa254-len18|fe121234$(pad 14)|0|0|1|1|1"
	echo "doff-beyond|-|15|0|0|0|0"
}

# The checks below start no process (bash only): the QEMU guests start
# processes slowly under TCG, and there are some 70 connections per family.
slurp() { # VAR FILE: the whole file
	IFS= read -r -d '' "$1" <"$2"
}
# The counters, as `totem -j stats` prints them, in FILE (they are
# global on both paths: no namespace needed)
snap() { # FILE
	"$TOTEM" -b "$BACKEND" -j stats >"$1"
}
ctr() { # FILE NAME: R = the counter's value
	local j

	slurp j "$1"
	R=
	[[ $j =~ \"$2\":([0-9]+) ]] && R=${BASH_REMATCH[1]}
}
ctr_delta() { # BEFORE AFTER NAME: R = its change
	local x

	ctr "$1" "$3"
	x=$R
	ctr "$2" "$3"
	R=$((R - x))
}
# The server's sockets, one JSON object per line, in DUMP and DUMPL.
dump() {
	T "$NSB" -j sockets | objects >"$DUMP"
	mapfile -t DUMPL <"$DUMP"
}
rec_of() { # FAMILY SPORT: REC = the server's record of A:SPORT, or empty
	local a=$A4 l

	[ "$1" = 6 ] && a="[$A6]"
	REC=
	for l in "${DUMPL[@]}"; do
		[[ $l == *"\"remote\":\"$a:$2\""* ]] && REC=$l
	done
	[ -n "$REC" ]
}
# a fresh DUMP in which every FAMILY:SPORT given has its record
dump_has() { # FAMILY:SPORT...
	local fs

	dump
	for fs in "$@"; do
		rec_of "${fs%:*}" "${fs#*:}" || return 1
	done
}
# R = a value (quotes removed) at the top level of OBJECT or inside its
# "peer" or "toa" object
jget() { # OBJECT [peer|toa] KEY
	local o=$1 re

	R=
	if [ $# = 3 ]; then
		re="\"$2\":\\{([^}]*)\\}"
		[[ $o =~ $re ]] || return 0
		o=${BASH_REMATCH[1]}
		shift
	else
		o=${o%%\"peer\":*}
	fi
	re="\"$2\":(\\[[^]]*\\]|\"[^\"]*\"|[^,}]*)"
	[[ $o =~ $re ]] && R=${BASH_REMATCH[1]//\"/}
	return 0
}

# One crafted connection from A (rawtcp enters the namespace itself: one
# process start less per connection).  RAWTCP-ARGS: the case's options.
craft() { # FAMILY SPORT OUT RAWTCP-ARGS...
	local fam=$1 sport=$2 out=$3 src=$A4 dst=$B4

	shift 3
	[ "$fam" = 6 ] && src=$A6 dst=$B6
	"$RAWTCP" conn "$src" "$sport" "$dst" "$PORT" "$@" -w "$WAIT" -n "$NSA" >"$out" 2>&1
}

# Is rx_malformed expected to move for this case on this path?
moves() { # WHERE MALFORMED REACHES
	[ "$2" = 1 ] || return 1
	[ "$BACKEND" = kmod ] || [ "$1" = syn ] || [ "$3" = 1 ]
}

check_case() { # TAG WHERE NAME FAMILY SPORT MALFORMED REACHES ANSWERED DELTA OUTFILE
	local tag=$1 where=$2 name=$3 fam=$4 sport=$5 mal=$6 reach=$7 ans=$8 d=$9 out=${10}
	local obj want=0 why txt

	rec_of "$fam" "$sport"
	obj=$REC
	slurp txt "$out"
	txt=${txt%$'\n'}
	moves "$where" "$mal" "$reach" && want=1
	if [ "$mal" = 0 ]; then
		why="not malformed by the rules"
	elif [ "$want" = 1 ]; then
		why="malformed"
	else
		why="malformed, but the kernel's parser stops first: totem is not called"
	fi
	if [ "$ans" = 0 ] && [ "$where" = syn ]; then
		[[ $txt == nosynack* ]]
		tap $? "$tag $where $name: the SYN is dropped, as without totem (${txt//$'\n'/ })"
		is "$obj" "" "$tag $where $name: no socket"
		if [ "$BACKEND" = bpf ]; then
			is "$d" 0 "$tag $where $name: rx_malformed did not move (never reached totem)"
		else
			is "$d" "$want" "$tag $where $name: rx_malformed moved by $want ($why; read before TCP drops it)"
		fi
		return
	fi
	[[ $txt == synack* && $txt == *$'\n'done* ]]
	tap $? "$tag $where $name: handshake done (${txt//$'\n'/ })"
	jget "$obj" pid
	is "$R" "$LP" "$tag $where $name: the server socket has its record (owner)"
	jget "$obj" peer pid
	[[ $obj == *'"peer":null'* ]]
	tap $? "$tag $where $name: no peer recorded (peer $R)"
	[[ $obj == *'"toa":null'* ]]
	tap $? "$tag $where $name: no TOA recorded"
	if [ "$BACKEND" = kmod ]; then
		# one parse per segment at LOCAL_IN: exactly one count
		is "$d" "$want" "$tag $where $name: rx_malformed moved by $want ($why)"
	elif [ "$want" = 1 ]; then
		[ "$d" -ge 1 ]
		tap $? "$tag $where $name: rx_malformed moved ($d; $why)"
	else
		is "$d" 0 "$tag $where $name: rx_malformed still ($why)"
	fi
}

# The SYNs the kernel may drop, before totem runs: so that a missing
# SYN-ACK below is the kernel's doing, not totem's.  ANS_<fam>_<name>.
precheck() { # FAMILY
	local fam=$1 name hex doff pay mal reach ans a args sport=29000

	while IFS='|' read -r name hex doff pay mal reach ans; do
		[ "$ans" = 1 ] && continue
		sport=$((sport + 1))
		args=(-s "$hex")
		[ "$doff" != 0 ] && args+=(-S "$doff")
		craft "$fam" $((sport + fam * 100)) "$TMP/pre$fam-$name.out" "${args[@]}"
		a=1
		grep -q "^nosynack" "$TMP/pre$fam-$name.out" && a=0
		if [ "$ans" = 0 ]; then
			is "$a" 0 "IPv$fam: without totem, the kernel drops the SYN of case $name"
		else
			echo "# IPv$fam: without totem, the kernel answers the SYN of case $name: $a"
		fi
		printf -v "ANS_${fam}_${name//-/_}" %s "$a"
	done < <(cases "$fam")
}
PORT=$((7070 + 10))
# without totem: no module left loaded by an earlier test either
[ "$BACKEND" = kmod ] && unload
listener $B4 $PORT "$TMP/listen0.out"
for fam in $FAMS; do
	[ "$fam" = 6 ] && listener $B6 $PORT "$TMP/listen0-6.out"
	precheck "$fam"
done

# ---- totem on ----
if [ "$BACKEND" = bpf ]; then
	harden_start "$TMP/totemd.log"
else
	load
	tap $? "insmod $TOTEM_KO"
	at_exit unload
fi
cfg enable syn,synack,data
cfg sample_bytes 16384
cfg format4 v1
cfg format6 v6
cfg parse on

PORT=7070
run_family() { # FAMILY
	local fam=$1 tag=IPv$1 i=0 k=0 base=$((30000 + $1 * 1000)) name hex doff pay mal reach ans
	local sport args var tot=$V1 toa=$TOA4 addr=10.232.0.1 toaaddr=10.232.0.99 fmt=v1
	local want=() list=() c got key

	[ "$fam" = 6 ] && tot=$V6 toa=$TOA6 addr=$A6 toaaddr=fd00:7e:2::99 fmt=v6
	# (a listener older than totemd gets no callbacks: start it now)
	if [ "$fam" = 4 ]; then
		listener $B4 $PORT "$TMP/listen.out"
	else
		listener $B6 $PORT "$TMP/listen6.out"
	fi
	# Every connection first, the counters read after each (few process
	# starts: the QEMU guests run them under TCG), then one socket dump.
	snap "$TMP/st$fam.0"
	while IFS='|' read -r name hex doff pay mal reach ans; do
		i=$((i + 1))
		if [ "$ans" = k ]; then
			var=ANS_${fam}_${name//-/_}
			ans=${!var}
		fi
		# on the SYN
		sport=$((base + i))
		args=(-s "$hex")
		[ "$doff" != 0 ] && args+=(-S "$doff")
		[ "$pay" != 0 ] && args+=(-P "$pay")
		craft "$fam" $sport "$TMP/syn$fam-$name.out" "${args[@]}"
		k=$((k + 1))
		snap "$TMP/st$fam.$k"
		list+=("syn|$name|$sport|$mal|$reach|$ans|$k")
		[ "$ans" = 0 ] || want+=("$fam:$sport")

		# on a data segment of an established connection: a fresh
		# connection per case, handshake, 10 plain bytes, then the case
		sport=$((base + 500 + i))
		args=(-a "$hex")
		[ "$doff" != 0 ] && args+=(-A "$doff")
		if [ "$pay" != 0 ]; then
			args+=(-d "$pay")
		elif [ "$name" != doff-beyond ]; then
			args+=(-d 100)
		fi
		craft "$fam" $sport "$TMP/data$fam-$name.out" -a - -d 10 "${args[@]}"
		k=$((k + 1))
		snap "$TMP/st$fam.$k"
		list+=("data|$name|$sport|$mal|$reach|1|$k")
		want+=("$fam:$sport")
	done < <(cases "$fam")
	DUMP=$TMP/dump$fam
	poll 100 dump_has "${want[@]}"
	for c in "${list[@]}"; do
		IFS='|' read -r where name sport mal reach ans k <<<"$c"
		ctr_delta "$TMP/st$fam.$((k - 1))" "$TMP/st$fam.$k" rx_malformed
		check_case "$tag" "$where" "$name" "$fam" "$sport" "$mal" "$reach" "$ans" "$R" \
			"$TMP/$where$fam-$name.out"
	done

	# The same channel with valid options: recorded, so "no peer" above
	# means the input was refused, not that nothing was parsed.
	snap "$TMP/s.before"
	craft "$fam" $((base + 900)) "$TMP/valid$fam-syn.out" -s "$tot$toa"
	craft "$fam" $((base + 901)) "$TMP/valid$fam-data.out" -a - -d 10 -a "$tot" -d 100
	snap "$TMP/s.after"
	DUMP=$TMP/dump$fam-valid
	poll 100 dump_has "$fam:$((base + 900))" "$fam:$((base + 901))"
	rec_of "$fam" $((base + 900))
	got=
	for key in pid addr format seen; do
		jget "$REC" peer $key
		got=$got/$R
	done
	is "$got" "/4242/$addr/$fmt/[syn]" \
		"$tag control: a valid $fmt on the SYN is recorded as the claim"
	got=
	for key in addr port kind; do
		jget "$REC" toa $key
		got=$got/$R
	done
	is "$got" "/$toaaddr/4660/254" "$tag control: a valid TOA (254/${toa:2:2}) on the SYN is recorded"
	rec_of "$fam" $((base + 901))
	got=
	for key in pid format seen; do
		jget "$REC" peer $key
		got=$got/$R
	done
	is "$got" "/4242/$fmt/[data]" "$tag control: a valid $fmt on a data segment is recorded"
	ctr_delta "$TMP/s.before" "$TMP/s.after" rx_malformed
	is "$R" 0 "$tag control: valid options do not move rx_malformed"
	ctr_delta "$TMP/s.before" "$TMP/s.after" rx_toa
	[ "$R" -ge 1 ]
	tap $? "$tag control: rx_toa moved ($R)"
}
for fam in $FAMS; do
	run_family "$fam"
	echo "# IPv$fam cases done at $SECONDS s"
done

# A normal connection right after: works, the server names the client.
normal() { # FAMILY PORT
	local fam=$1 port=$2 sip=$B4 sp cp cport cpid obj h1 h2

	[ "$fam" = 6 ] && sip=$B6
	export TPEER_HOLD=$TMP/hold$fam
	ip netns exec "$NSB" "$TPEER" server "$sip" "$port" plain 100000 100000 \
		>"$TMP/n$fam.srv" 2>&1 &
	sp=$!
	PIDS="$PIDS $sp"
	poll 200 grep -qs "^listen" "$TMP/n$fam.srv"
	ip netns exec "$NSA" "$TPEER" client "$sip" "$port" plain 100000 100000 \
		>"$TMP/n$fam.cli" 2>&1 &
	cp=$!
	PIDS="$PIDS $cp"
	poll 1200 grep -qs "^hold" "$TMP/n$fam.srv"
	poll 1200 grep -qs "^hold" "$TMP/n$fam.cli"
	cport=$(sed -n 's/^connect .*local=.*:\([0-9]*\) .*/\1/p' "$TMP/n$fam.cli")
	cpid=$(sed -n 's/^connect pid=\([0-9]*\).*/\1/p' "$TMP/n$fam.cli")
	DUMP=$TMP/dump$fam-normal
	dump
	rec_of "$fam" "$cport"
	jget "$REC" peer pid
	obj=$R
	touch "$TMP/hold$fam"
	wait "$sp" "$cp"
	unset TPEER_HOLD
	h1=$(sed -n 's/^rx .*hash=\([^ ]*\).*/\1/p' "$TMP/n$fam.srv")
	h2=$(sed -n 's/^tx .*hash=\([^ ]*\).*/\1/p' "$TMP/n$fam.cli")
	[ -n "$h1" ] && [ "$h1" = "$h2" ]
	tap $? "IPv$fam normal connection afterwards: payload hash matches ($h1)"
	is "$obj" "$cpid" \
		"IPv$fam normal connection afterwards: the server names the client process"
}
for fam in $FAMS; do
	normal "$fam" $((7170 + fam))
done

harden_alive
if [ "$KLOG" = 1 ]; then
	is "$(warns)" "$W0" "no new WARNING/BUG/Oops in the kernel log"
else
	tap_skip "kernel log not readable"
fi
done_testing
