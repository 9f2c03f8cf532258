#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's life cycle under traffic, in two namespaces created after
# insmod (pernet operations must reach them):
#   - a connection made in those namespaces carries the option;
#   - rmmod while a transfer is running: rmmod succeeds, the transfer ends
#     with the right payload hash, and segments sent after rmmod carry no
#     option;
#   - 20 insmod/rmmod cycles while connections keep coming and going.
# vm-suite.sh fails the test on any WARNING/BUG/Oops in the kernel log.
# shellcheck source=tests/kmod/lib.sh
. "$(dirname "$0")/lib.sh"
need_module
TPEER=$BUILD/tests/e2e/tpeer
DECODE=$SRC/tests/e2e/tcpopts.awk
need_exec "$TPEER"
need_cmd tcpdump tc

ID=$$
NSA=totem-lca-$ID
NSB=totem-lcb-$ID
A4=10.232.0.1
B4=10.232.0.2
tmpdir kmod-lc
NETNS="$NSA $NSB"	# deleted at exit (tests/lib.sh)
at_exit unload

echo "1..9"
load
ok $? "insmod before the namespaces exist"

ip netns add "$NSA" && ip netns add "$NSB" &&
	ip link add va$ID netns "$NSA" type veth peer name vb$ID netns "$NSB" &&
	ip -n "$NSA" addr add $A4/24 dev va$ID && ip -n "$NSB" addr add $B4/24 dev vb$ID &&
	ip -n "$NSA" link set va$ID up && ip -n "$NSB" link set vb$ID up &&
	ip -n "$NSA" link set lo up && ip -n "$NSB" link set lo up
ok $? "two namespaces and a veth, created after insmod"
# Slow the client's side down so that a transfer outlives rmmod.
tc -n "$NSA" qdisc add dev va$ID root netem rate 8mbit

capture() { # NAME
	ip netns exec "$NSB" tcpdump -i vb$ID -s 200 -U -nn -w "$TMP/$1.pcap" tcp \
		2>"$TMP/$1.err" &
	CAP=$!
	PIDS="$PIDS $CAP"
	poll 100 grep -qs "listening on" "$TMP/$1.err"
}
fins() { # PCAP: both FINs captured
	[ "$(tcpdump -r "$1" -nn 'tcp[tcpflags] & tcp-fin != 0' 2>/dev/null | wc -l)" -ge 2 ]
}
decode() { # NAME
	poll 100 fins "$TMP/$1.pcap"
	kill -INT "$CAP" 2>/dev/null
	wait "$CAP" 2>/dev/null
	tcpdump -tt -nn -x -r "$TMP/$1.pcap" 2>/dev/null | awk -f "$DECODE" >"$TMP/$1.pk"
}
transfer() { # PORT REQ RESP NAME: one connection, server in B, client in A
	ip netns exec "$NSB" "$TPEER" server $B4 "$1" plain "$2" "$3" >"$TMP/$4.srv" 2>&1 &
	local sp=$!
	poll 100 grep -qs "^listen" "$TMP/$4.srv"
	ip netns exec "$NSA" "$TPEER" client $B4 "$1" plain "$2" "$3" >"$TMP/$4.cli" 2>&1 &
	local cp=$!
	PIDS="$PIDS $sp $cp"
	LAST="$sp $cp"
}
hash_of() { # FILE TAG
	sed -n "s/^$2 .*hash=\([^ ]*\).*/\1/p" "$1" | head -n1
}

# 1. injection in a namespace born after insmod
capture new
transfer 21001 1000 1000 new
wait $LAST
decode new
syn=$(awk '$6 == "S"' "$TMP/new.pk" | head -n1 | awk '{ print $10 }')
cpid=$(sed -n 's/^connect pid=\([0-9]*\).*/\1/p' "$TMP/new.cli")
[ "${syn%%/*}" = 16 ] && [ "$(echo "$syn" | cut -d/ -f3)" = "$cpid" ]
ok $? "SYN in the new namespace carries v1 with PID $cpid ($syn)"

# 2. rmmod in the middle of a 2 MB transfer (about 2 s at 8 Mbit/s)
capture live
transfer 21002 2000000 1000 live
poll 100 grep -qs "^connect" "$TMP/live.cli"
sleep 0.5
rmmod totem
ok $? "rmmod with a transfer in flight"
wait $LAST
[ -n "$(hash_of "$TMP/live.srv" rx)" ] &&
	[ "$(hash_of "$TMP/live.srv" rx)" = "$(hash_of "$TMP/live.cli" tx)" ]
ok $? "the transfer completed with the right payload hash after rmmod"
decode live
before=$(awk '$10 != "-"' "$TMP/live.pk" | wc -l)
last_tag=$(awk '$10 != "-" { l = NR } END { print l + 0 }' "$TMP/live.pk")
total=$(wc -l <"$TMP/live.pk")
[ "$before" -gt 0 ] && [ "$last_tag" -lt "$total" ]
ok $? "tagged segments before rmmod ($before), untagged after (last tag at $last_tag of $total)"

capture after
transfer 21003 1000 1000 after
wait $LAST
decode after
[ "$(awk '$10 != "-"' "$TMP/after.pk" | wc -l)" = 0 ] && [ -s "$TMP/after.pk" ]
ok $? "a connection made after rmmod carries no option"

# 3. load/unload cycles while connections keep running
tc -n "$NSA" qdisc del dev va$ID root
(
	port=22000
	good=0
	tries=0
	while [ ! -e "$TMP/stop" ]; do
		port=$((port + 1))
		tries=$((tries + 1))
		ip netns exec "$NSB" timeout 30 "$TPEER" server $B4 $port plain 20000 20000 \
			>"$TMP/loop.srv" 2>&1 &
		s=$!
		poll 100 grep -qs "^listen" "$TMP/loop.srv"
		ip netns exec "$NSA" timeout 30 "$TPEER" client $B4 $port plain 20000 20000 \
			>/dev/null 2>&1 && good=$((good + 1))
		kill $s 2>/dev/null
		wait $s
		echo "$good $tries" >"$TMP/conns"
	done
) &
LOOP=$!
PIDS="$PIDS $LOOP"
fail=0
for _ in $(seq 20); do
	insmod "$KO" || { fail=$((fail + 1)); continue; }
	sleep 0.2
	rmmod totem || fail=$((fail + 1))
	sleep 0.1
done
touch "$TMP/stop"
wait $LOOP
read -r good tries <"$TMP/conns"
[ "$fail" = 0 ] && [ "${tries:-0}" -gt 0 ] && [ "$good" = "$tries" ]
ok $? "20 insmod/rmmod cycles under traffic ($fail insmod/rmmod failures, $good of $tries connections complete)"
! loaded
ok $? "module gone at the end"
finish
