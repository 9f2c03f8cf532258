#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: the proc backend answers `totem sockets` and `totem lookup` in a
# network namespace of our own: a listening nc, a connection to it over
# IPv4 and IPv6, each socket attributed to the process that holds it
# (pid, comm, uid), netns inode, empty peer and TOA, --pid/--port filters,
# and an IPv4 lookup that finds a dual-stack (v4-mapped) socket.
# Needs root (network namespaces); skips otherwise.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

need_exec "$TOTEM"
need_root "network namespaces"
if ! command -v nc >/dev/null || ! nc -h 2>&1 | grep -q OpenBSD; then
	skip_all "needs OpenBSD netcat (netcat-openbsd)"
fi

NS=totem-proc-$$
tmpdir proc
export TOTEM_BACKEND=proc

nsrun() {
	ip netns exec "$NS" "$@"
}

# totem_json ARGS...: run totem -j in the netns into $TMP/j, rc in $rc
totem_json() {
	nsrun "$TOTEM" -j "$@" >"$TMP/j" 2>"$TMP/jerr"
	rc=$?
}

# check PYTHON-EXPR DESCRIPTION: d = $TMP/j parsed; helpers:
#   one(local, remote) -> the unique socket with that local/remote
check() {
	"$PY" - "$TMP/j" "$1" <<'EOF' 2>"$TMP/pyerr"
import json, sys
d = json.load(open(sys.argv[1]))
def one(local, remote):
    m = [s for s in d if s["local"] == local and s["remote"] == remote]
    assert len(m) == 1, "%d matches for %s %s" % (len(m), local, remote)
    return m[0]
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
	local s=$?
	[ $s = 0 ] || echo "# failed: $1: $(cat "$TMP/pyerr") $(head -c 2000 "$TMP/j")"
	tap $s "$2"
}

# listening_on PORT: the netns has a TCP listener on PORT
listening_on() {
	nsrun ss -Htln "sport = :$1" | grep -q .
}

# established PORT: a connection to PORT is established on both ends
established() {
	[ "$(nsrun ss -Htn state established "( sport = :$1 or dport = :$1 )" | wc -l)" = 2 ]
}

netns_add "$NS"
nsrun ip link set lo up
NETNS=$(stat -L -c %i "/run/netns/$NS")

# IPv4: server nc (as uid 0), client nc as nobody.  ip netns exec and
# setpriv exec (no shell function in between), so $! is nc's own pid.
mkfifo "$TMP/in4" "$TMP/in6"
exec 3<>"$TMP/in4" 4<>"$TMP/in6"
ip netns exec "$NS" nc -4 -l -k 127.0.0.1 7001 </dev/null >/dev/null 2>&1 &
SRV4=$!
PIDS="$PIDS $SRV4"
poll 200 listening_on 7001
tap $? "IPv4 listener is up"
ip netns exec "$NS" setpriv --reuid 65534 --regid 65534 --clear-groups nc -4 -p 7101 127.0.0.1 7001 \
	<"$TMP/in4" >/dev/null 2>&1 &
CLI4=$!
PIDS="$PIDS $CLI4"
poll 200 established 7001
tap $? "IPv4 connection is established"

# IPv6 on a dual-stack listener: an IPv6 client, then an IPv4 client whose
# server side is an IPv4-mapped inet6 socket.  nc -k serves one connection
# at a time, so the second stays in the accept queue: no file yet.
ip netns exec "$NS" nc -6 -l -k :: 7002 </dev/null >/dev/null 2>&1 &
SRV6=$!
PIDS="$PIDS $SRV6"
poll 200 listening_on 7002
ip netns exec "$NS" nc -6 -p 7102 ::1 7002 <"$TMP/in6" >/dev/null 2>&1 &
CLI6=$!
PIDS="$PIDS $CLI6"
poll 200 sh -c "[ \$(ip netns exec $NS ss -Htn state established '( dport = :7002 )' | wc -l) = 1 ]"
tap $? "IPv6 connection is established"
ip netns exec "$NS" nc -4 -p 7103 127.0.0.1 7002 <"$TMP/in6" >/dev/null 2>&1 &
CLIM=$!
PIDS="$PIDS $CLIM"
poll 200 sh -c "[ \$(ip netns exec $NS ss -Htn state established '( dport = :7002 )' | wc -l) = 2 ]"
tap $? "IPv4 connection to the dual-stack listener is established"

totem_json sockets
[ "$rc" = 0 ]
tap $? "totem -j sockets in the netns: exit 0"
check "len(d) == 8" "eight sockets: 2 listeners and 6 connection ends (ss: $(nsrun ss -Htan | wc -l))"
check "all(s['netns'] == $NETNS for s in d)" "every socket carries the netns inode $NETNS"
check "all(s['peer'] is None and s['toa'] is None for s in d)" "proc backend: peer and toa are null"
check "all(s['owner_flags'] == ['proc'] for s in d if s['inode'])" "every socket with a file: owner found by the /proc scan"

check "one('127.0.0.1:7001', '0.0.0.0:0') == dict(one('127.0.0.1:7001', '0.0.0.0:0'), family='inet', state='LISTEN', pid=$SRV4, comm='nc', uid=0)" \
	"IPv4 listener: inet, LISTEN, pid $SRV4, comm nc, uid 0"
check "one('127.0.0.1:7101', '127.0.0.1:7001') == dict(one('127.0.0.1:7101', '127.0.0.1:7001'), state='ESTABLISHED', pid=$CLI4, comm='nc', uid=65534)" \
	"IPv4 client end: pid $CLI4, uid 65534 (from /proc/net/tcp)"
check "one('127.0.0.1:7001', '127.0.0.1:7101') == dict(one('127.0.0.1:7001', '127.0.0.1:7101'), state='ESTABLISHED', pid=$SRV4, uid=0)" \
	"IPv4 server end: the accepting process, pid $SRV4"
check "one('[::]:7002', '[::]:0') == dict(one('[::]:7002', '[::]:0'), family='inet6', state='LISTEN', pid=$SRV6)" \
	"IPv6 listener: inet6, [::]:7002, pid $SRV6"
check "one('[::1]:7102', '[::1]:7002') == dict(one('[::1]:7102', '[::1]:7002'), family='inet6', pid=$CLI6)" \
	"IPv6 client end: [addr]:port form, pid $CLI6"
check "one('[::1]:7002', '[::1]:7102')['pid'] == $SRV6" "IPv6 server end: pid $SRV6"
check "one('[::ffff:127.0.0.1]:7002', '[::ffff:127.0.0.1]:7103')['inode'] == 0" \
	"v4-mapped server end, not yet accepted, has no inode"
check "one('[::ffff:127.0.0.1]:7002', '[::ffff:127.0.0.1]:7103')['pid'] == $SRV6 and one('[::ffff:127.0.0.1]:7002', '[::ffff:127.0.0.1]:7103')['owner_flags'] == ['listener', 'proc']" \
	"... and belongs to the listener's process $SRV6 (flags listener, proc)"
check "one('127.0.0.1:7103', '127.0.0.1:7002')['pid'] == $CLIM" "its IPv4 client end: pid $CLIM"

# filters
totem_json sockets --pid "$CLI4"
check "len(d) == 1 and d[0]['pid'] == $CLI4" "sockets --pid $CLI4: only its socket"
totem_json sockets --port 7001
check "len(d) == 3 and all(s['local'].endswith(':7001') or s['remote'].endswith(':7001') for s in d)" \
	"sockets --port 7001: the listener and both ends"

# lookup: same object as in the dump
totem_json sockets
cp "$TMP/j" "$TMP/all"
totem_json lookup 127.0.0.1:7101 127.0.0.1:7001
[ "$rc" = 0 ]
tap $? "lookup 127.0.0.1:7101 127.0.0.1:7001: exit 0"
check "d == [s for s in json.load(open('$TMP/all')) if s['local'] == '127.0.0.1:7101'][0]" \
	"lookup returns the same object as sockets"
totem_json lookup '[::1]:7002' '[::1]:7102'
check "d['pid'] == $SRV6 and d['family'] == 'inet6'" "IPv6 lookup: pid $SRV6"
totem_json lookup 127.0.0.1:7002 127.0.0.1:7103
check "d['pid'] == $SRV6 and d['local'] == '[::ffff:127.0.0.1]:7002'" \
	"IPv4 lookup finds the v4-mapped socket"
totem_json lookup 127.0.0.1:7001 127.0.0.1:7999
[ "$rc" = 1 ] && grep -q 'not found' "$TMP/j"
tap $? "lookup of a tuple not in this netns: exit 1, JSON error says not found"

# text: one row per socket, IPv4 rows within 80 columns
nsrun "$TOTEM" sockets >"$TMP/t"
[ "$(wc -l <"$TMP/t")" = 9 ] && grep -q "^ESTABLISHED 127.0.0.1:7101 .*127.0.0.1:7001 .*$CLI4/nc " "$TMP/t"
tap $? "sockets (text): header + 8 rows, the client row names $CLI4/nc"
! grep -v '\[' "$TMP/t" | awk 'length > 80 { bad = 1 } END { exit !bad }'
tap $? "sockets (text): IPv4 rows fit 80 columns"
nsrun "$TOTEM" lookup 127.0.0.1:7101 127.0.0.1:7001 >"$TMP/t"
grep -q "owner pid $CLI4 comm nc uid 65534" "$TMP/t"
tap $? "lookup (text) names the owner"

# When the client exits, its end lingers in TIME_WAIT, held by no process.
kill "$CLI4"
wait "$CLI4" 2>/dev/null
poll 200 sh -c "ip netns exec $NS ss -Htn state time-wait '( sport = :7101 )' | grep -q ."
tap $? "the closed client end is in TIME_WAIT"
totem_json lookup 127.0.0.1:7101 127.0.0.1:7001
check "d['state'] == 'TIME_WAIT' and d['pid'] is None and d['comm'] is None" \
	"TIME_WAIT end: no owner (pid and comm null)"

done_testing
