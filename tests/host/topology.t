#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: `totem topology` on real sockets, with the proc backend (owners from
# /proc, no totemd needed): a db, a web tier with one connection to it and
# a client holding 3 connections to the web tier, each in a namespace of
# its own; the topology across the three namespaces has exactly those
# edges; closed connections from an event file add to the count (once,
# however many times they are listed); text fits 80 columns, DOT renders
# with graphviz; usage errors exit 2, runtime errors 1 (JSON in -j mode).
# Needs root (network namespaces).
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

if [ -x "$OUT/totem" ] && "$OUT/totem" topology --help >/dev/null 2>&1; then
	TOPO=("$OUT/totem")
elif [ -x "$OUT/demo/totem-topology" ]; then
	TOPO=("$OUT/demo/totem-topology")
else
	skip_all "neither totem topology nor demo/totem-topology is built"
fi
[ -x "$OUT/demo/tier" ] || skip_all "$OUT/demo/tier not built (make demo-bins)"
need_root "network namespaces"

ID=$$
NS_C=totem-topo-$ID-c
NS_W=totem-topo-$ID-w
NS_D=totem-topo-$ID-d
tmpdir topo
export TOTEM_BACKEND=proc
# no totemd here: its history (of namespaces that may have had the
# inode numbers ours have now) stays out of these topologies
export TOTEM_RUNDIR=$TMP/run

topo() { "${TOPO[@]}" -b proc "$@"; }

netns_add "$NS_C" "$NS_W" "$NS_D"
ip link add "tt${ID}c" netns "$NS_C" type veth peer name "tt${ID}w" netns "$NS_W"
ip link add "tt${ID}v" netns "$NS_W" type veth peer name "tt${ID}d" netns "$NS_D"
ip -n "$NS_C" addr add 10.98.1.1/24 dev "tt${ID}c"
ip -n "$NS_W" addr add 10.98.1.2/24 dev "tt${ID}w"
ip -n "$NS_W" addr add 10.98.2.1/24 dev "tt${ID}v"
ip -n "$NS_D" addr add 10.98.2.2/24 dev "tt${ID}d"
ip -n "$NS_C" link set "tt${ID}c" up
ip -n "$NS_W" link set "tt${ID}w" up
ip -n "$NS_W" link set "tt${ID}v" up
ip -n "$NS_D" link set "tt${ID}d" up

ip netns exec "$NS_D" "$OUT/demo/tier" db 10.98.2.2:5432 >/dev/null &
PIDS="$PIDS $!"
DB=$!
poll 200 sh -c "ip netns exec $NS_D ss -Hltn 'sport = :5432' | grep -q ."
ip netns exec "$NS_W" "$OUT/demo/tier" web 10.98.1.2:8080 10.98.2.2:5432 >/dev/null &
PIDS="$PIDS $!"
WEB=$!
poll 200 sh -c "ip netns exec $NS_W ss -Hltn 'sport = :8080' | grep -q ."
ip netns exec "$NS_C" "$OUT/demo/tier" client 10.98.1.2:8080 2 3 >/dev/null &
PIDS="$PIDS $!"
CLI=$!
poll 200 sh -c "[ \$(ip netns exec $NS_C ss -Htn state established 'dport = :8080' | wc -l) = 3 ]"

# edges_are JSON-FILE "CLIENT SERVER CONNS OPEN PORT"...: exactly these edges
edges_are() {
	local f=$1

	shift
	"$PY" - "$f" "$@" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
pid = {x["id"]: x["pid"] for x in d["nodes"]}
got = sorted("%s %s %d %d %s" % (pid[e["from"]], pid[e["to"]], e["connections"],
                                 e["open"], e["port"]) for e in d["edges"])
want = sorted(sys.argv[2:])
if got != want:
    print("# got  %s\n# want %s" % (got, want))
    sys.exit(1)
EOF
}

topo -j topology -n "$NS_C" -n "$NS_W" -n "$NS_D" >"$TMP/all.json" 2>"$TMP/err"
tap $? "topology over three namespaces runs"
edges_are "$TMP/all.json" "$CLI $WEB 3 3 8080" "$WEB $DB 1 1 5432"
tap $? "edges: client -> web 3 open, web -> db 1 open"
"$PY" -c "import json,sys
d = json.load(open(sys.argv[1]))
n = {x['pid']: x['comm'] for x in d['nodes']}
sys.exit(0 if n == {$CLI: 'tier', $WEB: 'tier', $DB: 'tier'} else 1)" "$TMP/all.json"
tap $? "nodes: exactly the three processes, named"

# the client's namespace alone: the web tier is only an address and a port
topo topology --format json -n "$NS_C" >"$TMP/c.json"
edges_are "$TMP/c.json" "$CLI None 3 3 8080"
tap $? "client namespace alone: 3 connections to an unknown server process"

# closed connections: the same record twice and its other end count once
cat >"$TMP/events.jsonl" <<EOF
{"event":"owner","local":"10.98.1.1:40001","remote":"10.98.1.2:8080","netns":0,"pid":$CLI}
EOF
for ns in "$NS_C" "$NS_W"; do
	ino=$(ip netns exec "$ns" stat -L -c %i /proc/self/ns/net)
	if [ "$ns" = "$NS_C" ]; then
		l=10.98.1.1:40001 r=10.98.1.2:8080 p=$CLI q=$WEB a=10.98.1.2 s=synack
	else
		l=10.98.1.2:8080 r=10.98.1.1:40001 p=$WEB q=$CLI a=10.98.1.1 s=syn
	fi
	line="{\"event\":\"close\",\"state\":\"CLOSE\",\"local\":\"$l\",\"remote\":\"$r\",\"netns\":$ino,\"pid\":$p,\"comm\":\"tier\",\"peer\":{\"pid\":$q,\"host\":null,\"addr\":\"$a\",\"format\":\"v1\",\"seen\":[\"$s\"]}}"
	echo "$line" >>"$TMP/events.jsonl"
	echo "$line" >>"$TMP/events.jsonl"
done
# a namespace not looked at: ignored
echo '{"event":"close","local":"10.98.1.1:40002","remote":"10.98.1.2:8080","netns":1,"pid":1,"comm":"x","peer":null}' >>"$TMP/events.jsonl"
echo '{"event":"close","local":"10.98.1.1:4' >>"$TMP/events.jsonl"	# cut short
topo -j topology -n "$NS_C" -n "$NS_W" -n "$NS_D" -e "$TMP/events.jsonl" >"$TMP/ev.json"
edges_are "$TMP/ev.json" "$CLI $WEB 4 3 8080" "$WEB $DB 1 1 5432"
tap $? "a closed connection from the event file counts once"

topo topology -n "$NS_C" -n "$NS_W" -n "$NS_D" -e "$TMP/events.jsonl" >"$TMP/text"
wide=$(awk 'length > 80' "$TMP/text")
grep -q "tier\[$CLI\].*tier\[$WEB\] *8080 *4 *3$" "$TMP/text" && [ -z "$wide" ]
tap $? "text: the client -> web row, nothing wider than 80 columns"

topo topology --format dot -n "$NS_C" -n "$NS_W" -n "$NS_D" >"$TMP/t.dot"
if command -v dot >/dev/null; then
	dot -Tpng -o "$TMP/t.png" "$TMP/t.dot" && [ "$(head -c 4 "$TMP/t.png" | tail -c 3)" = PNG ]
	tap $? "DOT renders to PNG with graphviz"
else
	n=$((n + 1))
	echo "ok $n # SKIP graphviz not installed"
fi

topo topology --format svg >/dev/null 2>"$TMP/err"
[ $? = 2 ] && grep -q "Usage:" "$TMP/err"
tap $? "unknown format: exit 2 with usage on stderr"
topo topology --help >"$TMP/out" 2>/dev/null
[ $? = 0 ] && grep -q "Usage:" "$TMP/out"
tap $? "--help: usage on stdout, exit 0"
out=$(topo -j topology -n "totem-topo-$ID-none" 2>/dev/null)
[ $? = 1 ] && "$PY" -c "import json,sys; d = json.loads(sys.argv[1]); \
sys.exit(0 if 'totem-topo-$ID-none' in d['error'] else 1)" "$out"
tap $? "missing namespace: exit 1, JSON error naming it"

done_testing
