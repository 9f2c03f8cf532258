#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: totemd's event stream on the proc backend, in a network namespace
# of our own.  Two `totem -j monitor` subscribers and one that never reads;
# a burst of connections (both ends of each) must reach both readers in
# full, as owner events with the right pids, then close events when the
# connections go; the stalled subscriber is dropped without stalling
# totemd or the others.  Needs root (network namespaces); skips otherwise.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
CONNS=2500

need_exec "$TOTEM" "$TOTEMD"
need_root "network namespaces"

NS=totem-events-$$
tmpdir events
export TOTEM_RUNDIR=$TMP/run
export TOTEM_PROC_INTERVAL_MS=100

netns_add "$NS"
ip netns exec "$NS" ip link set lo up

ip netns exec "$NS" "$TOTEMD" -f -v --backend proc --config /dev/null 2>"$TMP/d.log" &
DPID=$!
PIDS="$PIDS $DPID"
poll 200 test -S "$TOTEM_RUNDIR/events.sock"
tap $? "totemd (proc backend) serves $TOTEM_RUNDIR/events.sock"
[ "$(stat -c %a "$TOTEM_RUNDIR/events.sock")" = 660 ] ||
	{ ! getent group totem >/dev/null && [ "$(stat -c %a "$TOTEM_RUNDIR/events.sock")" = 600 ]; }
tap $? "events socket is 0660 (group totem) or 0600 without that group"

"$TOTEM" -j monitor >"$TMP/m1" &
M1=$!
"$TOTEM" -j monitor >"$TMP/m2" &
M2=$!
PIDS="$PIDS $M1 $M2"
# The stalled subscriber: connects, never reads, says when it is connected.
"$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
open(sys.argv[2], "w").close()
time.sleep(600)
' "$TOTEM_RUNDIR/events.sock" "$TMP/stalled.ready" &
STALL=$!
PIDS="$PIDS $STALL"
poll 200 test -f "$TMP/stalled.ready"
poll 200 sh -c "[ \$(grep -c 'subscriber .* connected' '$TMP/d.log') -ge 3 ]"
tap $? "three subscribers connected"

# CONNS connections in one process: server and client ends both belong
# to it.  They open in batches of 100, 50 ms apart, so that a subscriber
# that reads keeps up; the one that never reads falls behind by more than
# totemd queues for it (1 MiB) over the whole run.  The process prints its
# pid when all are accepted, holds them until the file named by its second
# argument exists, then closes them in batches too.
ip netns exec "$NS" "$PY" -c '
import os, socket, sys, time
n = int(sys.argv[1])
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 7300))
l.listen(n)
cs, ss = [], []
for i in range(n):
    c = socket.socket()
    c.connect(("127.0.0.1", 7300))
    cs.append(c)
    ss.append(l.accept()[0])
    if i % 100 == 99:
        time.sleep(0.05)
print(os.getpid(), flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
for i in range(n):
    cs[i].close()
    ss[i].close()
    if i % 100 == 99:
        time.sleep(0.05)
' "$CONNS" "$TMP/release" >"$TMP/conn.pid" &
CPID=$!
PIDS="$PIDS $CPID"
poll 400 test -s "$TMP/conn.pid"
tap $? "$CONNS connections open"
[ "$(cat "$TMP/conn.pid")" = "$CPID" ]
tap $? "the connection holder's pid is $CPID"

count() { # FILE EVENT: lines of that event for port 7300 owned by CPID
	grep "\"event\":\"$2\"" "$1" | grep -c '127.0.0.1:7300"'
}
want=$((2 * CONNS))
poll 400 sh -c "[ \$(grep -c '\"event\":\"owner\"' '$TMP/m1') -ge $want ] && \
	[ \$(grep -c '\"event\":\"owner\"' '$TMP/m2') -ge $want ]"
tap $? "both readers got $want owner events"
for m in m1 m2; do
	"$PY" - "$TMP/$m" "$CPID" "$CONNS" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
pid, n = int(sys.argv[2]), int(sys.argv[3])
own = [e for e in ev if e["event"] == "owner"]
srv = {e["remote"] for e in own if e["local"] == "127.0.0.1:7300"}
cli = {e["local"] for e in own if e["remote"] == "127.0.0.1:7300"}
assert len(srv) == n and srv == cli, (len(srv), len(cli))
bad = [e for e in own if e["pid"] != pid or not e["comm"].startswith("python")]
assert not bad, bad[:3]
# A scan can catch an end mid-handshake, its owner already known: a client
# end whose SYN is still queued on loopback (softirq deferred under load)
# in SYN_SENT, a server end not yet accepted in SYN_RECV (owned by the
# listener's process until accept(), as on the other paths).
bad = [e for e in own if e["family"] != "inet" or not (
    e["state"] == "ESTABLISHED" or
    (e["state"] == "SYN_SENT" and e["remote"] == "127.0.0.1:7300") or
    (e["state"] == "SYN_RECV" and e["local"] == "127.0.0.1:7300"))]
assert not bad, bad[:3]
EOF
	tap $? "$m: one owner event per end, each naming pid $CPID"
done


# close them all: both readers see one close event per end
touch "$TMP/release"
wait $CPID
poll 400 sh -c "[ \$(grep -c '\"event\":\"close\"' '$TMP/m1') -ge $want ] && \
	[ \$(grep -c '\"event\":\"close\"' '$TMP/m2') -ge $want ]"
tap $? "both readers got $want close events"
[ "$(count "$TMP/m1" close)" = "$want" ] && [ "$(count "$TMP/m2" close)" = "$want" ]
tap $? "exactly one close event per end"
poll 200 grep -q 'too slow, dropped (1 so far)' "$TMP/d.log"
tap $? "the subscriber that never reads is dropped and counted"
kill -0 $M1 && kill -0 $M2
tap $? "the two readers are still connected"

# text mode of the same stream
"$TOTEM" monitor >"$TMP/mt" &
MT=$!
PIDS="$PIDS $MT"
poll 200 sh -c "[ \$(grep -c 'subscriber .* connected' '$TMP/d.log') -ge 4 ]"
ip netns exec "$NS" "$PY" -c '
import socket, time
l = socket.socket(); l.bind(("127.0.0.1", 7301)); l.listen(1)
c = socket.create_connection(("127.0.0.1", 7301)); s = l.accept()[0]
time.sleep(600)
' &
TPID=$!
PIDS="$PIDS $TPID"
poll 200 grep -q "^owner ESTABLISHED 127.0.0.1:7301 .*$TPID/python" "$TMP/mt"
tap $? "totem monitor (text): one line per event with state, ends and pid/comm"

kill -TERM $DPID
wait $DPID
[ $? = 0 ]
tap $? "totemd exits 0 on SIGTERM with subscribers connected"
wait $M1
m1rc=$?
wait $M2
m2rc=$?
[ $m1rc = 0 ] && [ $m2rc = 0 ]
tap $? "the monitors end with exit 0 when totemd stops"
[ ! -e "$TOTEM_RUNDIR/events.sock" ]
tap $? "events socket removed"

done_testing
