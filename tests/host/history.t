#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: totemd's history of closed connections (userspace/events.h), on the
# proc backend in a network namespace of our own (the history is totemd's,
# the same on every path).  With `history = 6`, eight connections open and
# close one after another: `totem monitor --history --no-follow` prints
# the last six close events, oldest first, and nothing live; a live
# subscriber does not see the history another one asked for; SIGHUP with
# a larger history keeps what is there; `totem topology` counts the closed
# connections from the history (and not with --no-history); a bad request
# ends that subscription only; bad history values are config errors.
# Needs root (network namespaces).
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

need_exec "$TOTEM" "$TOTEMD"
need_root "network namespaces"

NS=totem-hist-$$
tmpdir history
export TOTEM_RUNDIR=$TMP/run
export TOTEM_PROC_INTERVAL_MS=50
T() { ip netns exec "$NS" "$TOTEM" -b proc "$@"; }

# config errors first: no daemon needed
for v in -1 65537 12x ""; do
	printf 'history = %s\n' "$v" >"$TMP/bad.conf"
	"$TOTEMD" -t --config "$TMP/bad.conf" >/dev/null 2>"$TMP/err"
	rc=$?
	[ $rc = 2 ] && grep -q "bad.conf:1: " "$TMP/err"
	tap $? "history = '$v' is a config error at line 1 (exit $rc: $(head -c 90 "$TMP/err"))"
done

netns_add "$NS"
ip netns exec "$NS" ip link set lo up
echo "history = 6" >"$TMP/totemd.conf"
ip netns exec "$NS" "$TOTEMD" -f -v --backend proc --config "$TMP/totemd.conf" \
	2>"$TMP/d.log" &
DPID=$!
DAEMONS="$DAEMONS $DPID"
poll 200 test -S "$TOTEM_RUNDIR/events.sock"
tap $? "totemd serves $TOTEM_RUNDIR/events.sock"
grep -q "config: history=6" "$TMP/d.log"
tap $? "totemd logs history=6 from the file"

"$TOTEM" -j monitor >"$TMP/live" &
LIVE=$!
PIDS="$PIDS $LIVE"
poll 200 sh -c "[ \$(grep -c 'subscriber .* connected' '$TMP/d.log') -ge 1 ]"

# CONN short connections to port 7400, one at a time, each held long
# enough for two scans; prints the client ports in order.
conns() { # COUNT
	ip netns exec "$NS" "$PY" - "$1" <<'PYEOF'
import socket, sys, time
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 7400))
l.listen(8)
for i in range(int(sys.argv[1])):
    c = socket.create_connection(("127.0.0.1", 7400))
    s = l.accept()[0]
    print(c.getsockname()[1], flush=True)
    time.sleep(0.25)
    c.close()
    s.close()
    time.sleep(0.25)
PYEOF
}
conns 8 >"$TMP/ports"
# 8 connections, two ends each: 16 close events, the last 6 kept
poll 200 sh -c "[ \$(grep -c '\"event\":\"close\".*:7400\"' '$TMP/live') -ge 16 ]"
tap $? "the live subscriber saw 16 close events (8 connections, 2 ends)"

"$TOTEM" -j monitor --history --no-follow >"$TMP/h1"
tap $? "totem monitor --history --no-follow ends by itself"
is "$(wc -l <"$TMP/h1")" 6 "the history holds the last 6 close events"
grep -vc '"event":"close"' "$TMP/h1" >"$TMP/nonclose"
is "$(cat "$TMP/nonclose")" 0 "only close events, no markers"
# the last 3 connections, oldest first: each client port appears twice
# (client end local, server end remote)
want=$(tail -n 3 "$TMP/ports" | tr '\n' ' ')
got=$("$PY" - "$TMP/h1" <<'PYEOF'
import json, sys
seen = []
for l in open(sys.argv[1]):
    e = json.loads(l)
    for k in ("local", "remote"):
        if not e[k].endswith(":7400"):
            p = int(e[k].rsplit(":", 1)[1])
            if p not in seen:
                seen.append(p)
print(" ".join(map(str, seen)), end=" ")
PYEOF
)
is "$got" "$want" "the history is the last 3 connections, oldest first"
grep -c '"event":"close"' "$TMP/live" >"$TMP/livecount"
sleep 0.3
is "$(grep -c '"event":"close"' "$TMP/live")" "$(cat "$TMP/livecount")" \
	"the live subscriber got no history lines"

# text mode
"$TOTEM" monitor --history --no-follow >"$TMP/ht"
is "$(grep -c '^close CLOSE .*:7400 ' "$TMP/ht")" 6 "text: six close lines"

# topology: the history's closed connections count; --no-history leaves them out
T -j topology >"$TMP/topo.json"
tap $? "topology with the history runs"
"$PY" - "$TMP/topo.json" <<'PYEOF'
import json, sys
t = json.load(open(sys.argv[1]))
e = [x for x in t["edges"] if x.get("port") == 7400]
assert len(e) == 1 and e[0]["connections"] == 3 and e[0]["open"] == 0, t
PYEOF
tap $? "topology: one edge to port 7400 with the 3 remembered connections, none open"
T -j topology --no-history >"$TMP/topo2.json"
"$PY" - "$TMP/topo2.json" <<'PYEOF'
import json, sys
t = json.load(open(sys.argv[1]))
assert not [x for x in t["edges"] if x.get("port") == 7400], t
PYEOF
tap $? "topology --no-history: no edge to port 7400"

# SIGHUP: a larger history keeps the 6 and takes more
echo "history = 100" >"$TMP/totemd.conf"
kill -HUP $DPID
poll 200 grep -q "config: history=100" "$TMP/d.log"
tap $? "SIGHUP applies history = 100"
conns 2 >/dev/null
poll 200 sh -c "[ \$(grep -c '\"event\":\"close\".*:7400\"' '$TMP/live') -ge 20 ]"
"$TOTEM" -j monitor --history --no-follow >"$TMP/h2"
is "$(wc -l <"$TMP/h2")" 10 "after the reload: the 6 kept plus 4 new"
is "$(head -n 6 "$TMP/h2" | md5sum)" "$(md5sum <"$TMP/h1")" "the 6 kept come first, unchanged"

# a bad request ends that subscription, nothing else
"$PY" - "$TOTEM_RUNDIR/events.sock" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"gimme everything\n")
s.settimeout(5)
assert s.recv(100) == b"", "not closed"
PYEOF
tap $? "a bad request: totemd closes that subscriber"
kill -0 $DPID && kill -0 $LIVE
tap $? "totemd and the live subscriber are still there"
"$TOTEM" monitor --no-follow >/dev/null 2>"$TMP/err"
is "$?" 2 "--no-follow without --history is a usage error"

kill -TERM $DPID
wait $DPID
is "$?" 0 "totemd exits 0"
DAEMONS=
done_testing
