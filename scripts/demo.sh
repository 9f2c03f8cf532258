#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The totem demo: a three-tier application (client -> web -> db) in three
# network namespaces, and what totem tells about it.  Run by `sudo make
# demo` after the build; by hand:
#
#   sudo scripts/demo.sh [--check] [--backend auto|bpf|kmod|proc]
#                        [--requests N] [--hold N]
#
#   --check      exit 1 unless the topology is exactly the expected one
#                (client -> web: N + HOLD connections, HOLD open;
#                 web -> db: 1 connection, open)
#   --backend    what totemd runs (default auto: the best this kernel has)
#
# Environment: TOTEM_BUILD (default ./build), DEMO_QUIET=1 (no prose).
# Everything it creates is named totem-demo-<pid>-* and removed on exit;
# the picture stays in $TOTEM_BUILD/demo/topology.png.
set -u

# poll, and the cleanup of PIDS, DAEMONS, NETNS and TMP at exit
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../tests/lib.sh"
POLL_INTERVAL=0.1
KEEP_TMP=${DEMO_KEEP_TMP:-}
DEMO=$OUT/demo

BACKEND=auto
REQUESTS=40
HOLD=3
CHECK=0
while [ $# -gt 0 ]; do
	case "$1" in
	--check) CHECK=1 ;;
	--backend) BACKEND=${2:-}; shift ;;
	--requests) REQUESTS=${2:-}; shift ;;
	--hold) HOLD=${2:-}; shift ;;
	-h|--help) sed -n '4,17s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "demo: unknown argument '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case "$REQUESTS$HOLD" in
*[!0-9]*|"") echo "demo: --requests and --hold take numbers" >&2; exit 2 ;;
esac

# ---- presentation ----
if [ -t 1 ]; then
	B=$(printf '\033[1m'); D=$(printf '\033[2m'); N=$(printf '\033[0m')
else
	B='' D='' N=''
fi
step() { printf '\n%s== %s ==%s\n' "$B" "$*" "$N"; }
say() { [ "${DEMO_QUIET:-0}" = 1 ] || printf '%s\n' "$@" | fold -s -w 76 | sed -e 's/ *$//' -e '/./s/^/  /'; }
run() { printf '%s$ %s%s\n' "$D" "$*" "$N"; "$@"; }
die() { echo "demo: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root to create network namespaces: sudo make demo"
for f in "$TOTEM" "$TOTEMD" "$DEMO/tier" "$DEMO/demo-client"; do
	[ -x "$f" ] || die "$f is missing: run 'make all demo-bins' first"
done
command -v ip >/dev/null || die "ip (iproute2) is missing: run scripts/deps.sh"

# `totem topology`, or the same code as a program of its own
if "$TOTEM" topology --help >/dev/null 2>&1; then
	TOPOLOGY=("$TOTEM" topology)
else
	TOPOLOGY=("$DEMO/totem-topology" topology)
fi

# ---- names, and the cleanup that removes them ----
ID=$$
NS_C=totem-demo-$ID-client
NS_W=totem-demo-$ID-web
NS_D=totem-demo-$ID-db
tmpdir demo
DAEMON_PID=
trap 'exit 130' INT TERM

cat <<EOF
${B}totem demo: which process is on the other end of a TCP connection?${N}
EOF
say "A TCP connection is normally known by two addresses and two ports.\
 That tells you which machines talk, not which programs. totem adds a\
 small note to the connection's own packets (in the TCP header's\
 'options' area, which every TCP packet has room for): the sender's\
 process ID and where it runs. The receiving side reads the note, so\
 each end knows both its own process and the process at the other end."

# ---- 1. totemd ----
step "1. Start totemd, which adds and reads those notes"
say "totemd picks the best way this kernel offers: eBPF programs on modern\
 kernels, a kernel module on old ones, or (reading only) /proc."
existing=
if "$TOTEM" status 2>/dev/null | grep -q '^totemd *pid'; then
	existing=$("$TOTEM" status | sed -n 's/^totemd *pid \([0-9]*\).*/\1/p')
fi
if [ -n "$existing" ] && kill -0 "$existing" 2>/dev/null; then
	say "A totemd is already running (pid $existing); the demo uses it."
else
	# its status file and event socket in a directory of its own, so no
	# other totemd's exit can take them away
	export TOTEM_RUNDIR=$TMP/run
	printf '%s$ %s%s\n' "$D" "$TOTEMD --foreground --backend $BACKEND &" "$N"
	"$TOTEMD" --foreground --backend "$BACKEND" 2>"$TMP/totemd.log" &
	DAEMON_PID=$!
	DAEMONS=$DAEMON_PID
	if ! poll 100 sh -c "'$TOTEM' status 2>/dev/null | grep -q '^totemd *pid $DAEMON_PID'"; then
		cat "$TMP/totemd.log" >&2
		die "totemd did not come up (log above)"
	fi
fi
run "$TOTEM" status

# ---- 2. the network ----
step "2. Build a small network: three namespaces, two cables"
say "Each tier gets a network namespace of its own (a private network\
 stack, as a container would have), linked by virtual cables:"
say "  client 10.99.1.1 --- 10.99.1.2 web 10.99.2.1 --- 10.99.2.2 db"
for ns in "$NS_C" "$NS_W" "$NS_D"; do
	ip netns add "$ns" || die "cannot create network namespace $ns"
	NETNS="$NETNS $ns"
done
ip link add "td${ID}c" netns "$NS_C" type veth peer name "td${ID}w" netns "$NS_W" &&
ip link add "td${ID}v" netns "$NS_W" type veth peer name "td${ID}d" netns "$NS_D" ||
	die "cannot create veth links"
ip -n "$NS_C" addr add 10.99.1.1/24 dev "td${ID}c"
ip -n "$NS_W" addr add 10.99.1.2/24 dev "td${ID}w"
ip -n "$NS_W" addr add 10.99.2.1/24 dev "td${ID}v"
ip -n "$NS_D" addr add 10.99.2.2/24 dev "td${ID}d"
for ns in "$NS_C" "$NS_W" "$NS_D"; do
	ip -n "$ns" link set lo up
done
ip -n "$NS_C" link set "td${ID}c" up
ip -n "$NS_W" link set "td${ID}w" up
ip -n "$NS_W" link set "td${ID}v" up
ip -n "$NS_D" link set "td${ID}d" up
echo "  namespaces: $NS_C, $NS_W, $NS_D"

# ---- 3. closed connections ----
step "3. Closed connections are remembered"
say "Most connections are over in milliseconds. totemd keeps the last few\
 thousand that closed (\"history\" in totemd.conf), each with both\
 processes, so that they still count when we draw the map at the end:\
 \"totem monitor --history\" shows them."
closed() { # closed connection ends of the client <-> web link in totemd's history
	"$TOTEM" -j monitor --history --no-follow 2>/dev/null | grep -c '"event":"close".*10\.99\.1\.'
}

# ---- 4. the application ----
step "4. Start the application"
say "One small program plays each tier: the database answers lines, the\
 web tier answers each request by asking the database over ONE\
 connection it keeps open, the client sends requests."
ip netns exec "$NS_D" "$DEMO/demo-db" db 10.99.2.2:5432 >"$TMP/db.out" &
PIDS="$PIDS $!"
DB_PID=$!
poll 100 sh -c "ip netns exec '$NS_D' ss -Hltn 'sport = :5432' | grep -q ." ||
	die "the db tier did not start listening"
ip netns exec "$NS_W" "$DEMO/demo-web" web 10.99.1.2:8080 10.99.2.2:5432 >"$TMP/web.out" &
PIDS="$PIDS $!"
WEB_PID=$!
poll 100 sh -c "ip netns exec '$NS_W' ss -Htn state established 'dport = :5432' | grep -q ." ||
	die "the web tier did not connect to the db"
poll 100 sh -c "ip netns exec '$NS_W' ss -Hltn 'sport = :8080' | grep -q ." ||
	die "the web tier did not start listening"
echo "  db   pid $DB_PID  (demo-db, listening on 10.99.2.2:5432)"
echo "  web  pid $WEB_PID  (demo-web, listening on 10.99.1.2:8080, one connection to db)"

say "" "Now the client makes $REQUESTS short requests (a new connection each\
 time, closed right after the answer), then opens $HOLD more and keeps them."
ip netns exec "$NS_C" "$DEMO/demo-client" client 10.99.1.2:8080 "$REQUESTS" "$HOLD" \
	>"$TMP/client.out" 2>&1 &
PIDS="$PIDS $!"
CLIENT_PID=$!
echo "  client pid $CLIENT_PID  (demo-client)"
poll 300 sh -c "[ \$(ip netns exec '$NS_C' ss -Htn state established 'dport = :8080' |
	wc -l) -ge $HOLD ]" || die "the client did not finish its requests: $(cat "$TMP/client.out")"
# the close events of the last short connections may still be on their way
want=$((2 * REQUESTS))
n=0
for _ in $(seq 50); do
	n=$(closed)
	[ "$n" -ge "$want" ] && break
	sleep 0.1
done
echo "  done: $n closed connection ends in totemd's history (a connection has two)"

# ---- 5. per-socket attribution ----
step "5. Ask each tier: who owns each socket, and who is on the other end?"
say "\"Process\" is the local program that owns the socket; \"Peer\" is the\
 program at the other end, as its own packets said. Compare the PIDs\
 with the ones printed above."
for t in "client $NS_C" "web $NS_W" "db $NS_D"; do
	set -- $t
	printf '\n%s-- %s tier --%s\n' "$B" "$1" "$N"
	printf '%s$ %s%s\n' "$D" "ip netns exec $2 totem sockets" "$N"
	ip netns exec "$2" "$TOTEM" sockets >"$TMP/sockets" || die "totem sockets failed in $2"
	grep -v '^TIME_WAIT' "$TMP/sockets"
	tw=$(grep -c '^TIME_WAIT' "$TMP/sockets")
	[ "$tw" = 0 ] || echo "(and $tw TIME_WAIT sockets not shown: what the kernel keeps of" \
		"closed"$'\n'" connections for a minute; no process owns them)"
done

# ---- 6. the topology ----
step "6. The application's map, from the sockets of all three tiers"
say "Each line is a pair of processes: the client side, the server side,\
 the server's port, how many connections were seen (including closed\
 ones), and how many are open now."
TOPO_ARGS=(-n "$NS_C" -n "$NS_W" -n "$NS_D")
printf '%s$ %s%s\n' "$D" "totem topology -n $NS_C -n $NS_W -n $NS_D" "$N"
"${TOPOLOGY[@]}" "${TOPO_ARGS[@]}" || die "topology failed"
"${TOPOLOGY[@]}" --format json "${TOPO_ARGS[@]}" >"$TMP/topology.json" ||
	die "topology --format json failed"
"${TOPOLOGY[@]}" --format dot "${TOPO_ARGS[@]}" >"$DEMO/topology.dot" ||
	die "topology --format dot failed"
if [ -x /usr/bin/python3 ]; then
	echo
	say "In words:"
	/usr/bin/python3 - "$TMP/topology.json" <<'EOF' | fold -s -w 76 | sed -e 's/ *$//' -e 's/^/    /'
import json, sys
d = json.load(open(sys.argv[1]))
nodes = {n["id"]: n for n in d["nodes"]}
def name(n):
    if n["pid"] is None:
        return "an unknown process at %s" % n["addr"]
    return "%s (pid %d)" % (n["comm"] or "a process", n["pid"])
for e in d["edges"]:
    print("%s connected to %s%s %d time%s; %d still open." % (
        name(nodes[e["from"]]), name(nodes[e["to"]]),
        " on port %d" % e["port"] if e["port"] else "",
        e["connections"], "" if e["connections"] == 1 else "s", e["open"]))
EOF
fi
if command -v dot >/dev/null; then
	dot -Tpng -o "$DEMO/topology.png" "$DEMO/topology.dot" &&
		echo && echo "  picture: $DEMO/topology.png (graphviz source: $DEMO/topology.dot)"
else
	echo && echo "  graphviz source: $DEMO/topology.dot (install graphviz to render it)"
fi

# ---- 7. check ----
status=0
if [ "$CHECK" = 1 ]; then
	step "7. Check: exactly the edges the application makes"
	if /usr/bin/python3 - "$TMP/topology.json" "$CLIENT_PID" "$WEB_PID" "$DB_PID" \
		"$REQUESTS" "$HOLD" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
client, web, db, req, hold = map(int, sys.argv[2:7])
pid = {n["id"]: n["pid"] for n in d["nodes"]}
got = sorted((pid[e["from"]], pid[e["to"]], e["connections"], e["open"], e["port"])
             for e in d["edges"])
want = sorted([(client, web, req + hold, hold, 8080), (web, db, 1, 1, 5432)])
for g in got:
    print("  got  %s -> %s: %d connections, %d open, port %s" % g)
if got != want:
    for w in want:
        print("  want %s -> %s: %d connections, %d open, port %s" % w)
    sys.exit(1)
EOF
	then
		echo "  OK: client -> web $((REQUESTS + HOLD)) connections ($HOLD open), web -> db 1"
	else
		echo "  MISMATCH"
		status=1
	fi
fi

step "Cleaning up"
say "Stopping the tiers$([ -n "$DAEMON_PID" ] && echo " and totemd"), removing the namespaces."
exit $status
