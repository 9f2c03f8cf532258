#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: lifecycle under load, eBPF path.
#   - SIGKILL of totemd while a bulk transfer runs: every program, link and
#     cgroup attachment it had (by id, from bpftool's pids) goes away, the
#     transfer completes intact; a new totemd starts over the stale pins and
#     attributes the next connection;
#   - per-socket state is freed with its socket: CHURN short connections
#     (default 100,000, spread over several processes; tests/e2e/churn)
#     and the number of elements in the sock_record sk_storage map, counted
#     by a bpf_sk_storage_map iterator (bpftool iter), stays bounded, as do
#     the listen_owner hash and the records left in the namespaces.
set -u
NAME=life
# shellcheck source=tests/host/harden-lib.sh
. "$(dirname "$0")/harden-lib.sh"

CHURN_PROCS=8
CHURN=$OUT/tests/e2e/churn
NCONN=${HARDEN_CHURN:-100000}

harden_need "$TOTEMD" "$TOTEM" "$TPEER" "$CHURN"
need_cmd bpftool
[ -x "$PY" ] || skip_all "needs $PY"
bpf_lock
netns_pair

ITER_PIN=/sys/fs/bpf/totem-harden-iter-$ID
at_exit 'rm -f "$ITER_PIN"'

# bpftool JSON (stdin) filtered by a Python expression over each object o
jsel() { # EXPR [ARG]: prints o["id"] of each match; A is ARG
	"$PY" -c '
import json, sys
t = sys.stdin.read().strip()
A = sys.argv[2] if len(sys.argv) > 2 else ""
for o in (json.loads(t) if t else []):
    if eval(sys.argv[1]):
        print(o["id"])' "$@"
}
CG=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
# Only one totemd runs (the lock, the pins): the totem_* programs attached
# at the cgroup2 root are its own.
our_progs() {
	bpftool cgroup show "$CG" -j 2>/dev/null | jsel 'o["name"].startswith("totem_")'
}
our_links() { # PROG-IDS
	bpftool link show -j 2>/dev/null | jsel 'str(o.get("prog_id")) in A.split()' "$1"
}
alive() { # KIND ID...: the ids still present
	local k=$1 i

	shift
	for i in "$@"; do
		bpftool "$k" show id "$i" >/dev/null 2>&1 && echo "$i"
	done
}
none_alive() { # KIND ID...
	[ -z "$(alive "$@")" ]
}
# ---- SIGKILL under traffic ----
harden_start "$TMP/totemd1.log"
progs=$(our_progs | tr '\n' ' ')
links=$(our_links "$progs" | tr '\n' ' ')
set -- $progs
[ $# -ge 4 ] && [ -n "$links" ]
tap $? "totemd attached programs at $CG ($progs) through links ($links)"

ip netns exec "$NSB" "$TPEER" server $B4 7300 plain 300000000 300000000 >"$TMP/k.srv" 2>&1 &
sp=$!
poll 200 grep -qs "^listen" "$TMP/k.srv"
ip netns exec "$NSA" "$TPEER" client $B4 7300 plain 300000000 300000000 >"$TMP/k.cli" 2>&1 &
cp=$!
PIDS="$PIDS $sp $cp"
poll 200 grep -qs "^connect" "$TMP/k.cli"
exec 3>&2 2>/dev/null	# no "Killed" job message from bash
kill -KILL "$DPID"
wait "$DPID"
exec 2>&3 3>&-
DPID=
DAEMONS=
poll 200 none_alive link $links
tap $? "after SIGKILL no link is left (still: $(alive link $links | tr '\n' ' '))"
poll 200 none_alive prog $progs
tap $? "after SIGKILL no program is left (still: $(alive prog $progs | tr '\n' ' '))"
is "$(our_progs | tr '\n' ' ')" "" "after SIGKILL no totem program is attached at $CG"
wait "$sp" "$cp"
rx=$(sed -n 's/^rx .*hash=\([^ ]*\).*/\1/p' "$TMP/k.srv")
tx=$(sed -n 's/^tx .*hash=\([^ ]*\).*/\1/p' "$TMP/k.cli")
[ -n "$rx" ] && [ "$rx" = "$tx" ]
tap $? "the transfer running across the SIGKILL completed intact ($rx)"

harden_start "$TMP/totemd2.log"
tap 0 "a new totemd starts over the stale pins"
export TPEER_HOLD=$TMP/hold
ip netns exec "$NSB" "$TPEER" server $B4 7301 plain 1000 1000 >"$TMP/r.srv" 2>&1 &
sp=$!
poll 200 grep -qs "^listen" "$TMP/r.srv"
ip netns exec "$NSA" "$TPEER" client $B4 7301 plain 1000 1000 >"$TMP/r.cli" 2>&1 &
cp=$!
PIDS="$PIDS $sp $cp"
poll 400 grep -qs "^hold" "$TMP/r.cli"
poll 400 grep -qs "^hold" "$TMP/r.srv"
cport=$(sed -n 's/^connect .*local=[^ ]*:\([0-9]*\) .*/\1/p' "$TMP/r.cli")
obj=$(T "$NSB" -j sockets | objects | grep "\"remote\":\"$A4:$cport\"")
touch "$TMP/hold"
wait "$sp" "$cp"
unset TPEER_HOLD
is "$(jpeer "$obj" pid)" "$(sed -n 's/^connect pid=\([0-9]*\).*/\1/p' "$TMP/r.cli")" \
	"after the restart a new connection is attributed"

# ---- per-socket state across many short connections ----
VMLINUX=$OUT/bpf/vmlinux.h
if [ ! -r "$VMLINUX" ]; then
	VMLINUX=$TMP/vmlinux.h
	bpftool btf dump file /sys/kernel/btf/vmlinux format c >"$VMLINUX" 2>/dev/null
fi
cat >"$TMP/count.bpf.c" <<'EOC'
// SPDX-License-Identifier: GPL-2.0
/* one byte per element of an sk_storage map */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("iter/bpf_sk_storage_map")
int count_elems(struct bpf_iter__bpf_sk_storage_map *ctx)
{
	char c = 'x';

	if (ctx->sk && ctx->value)
		bpf_seq_write(ctx->meta->seq, &c, 1);
	return 0;
}

char _license[] SEC("license") = "GPL";
EOC
elems() { # count of sock_record elements, via a pinned iterator
	cat "$ITER_PIN" 2>/dev/null | wc -c
}
if clang -O2 -g -target bpf -I"$(dirname "$VMLINUX")" -c "$TMP/count.bpf.c" \
	-o "$TMP/count.o" 2>"$TMP/count.err" &&
	bpftool iter pin "$TMP/count.o" "$ITER_PIN" map pinned /sys/fs/bpf/totem/sock_record \
		2>"$TMP/iter.err"; then
	ITER=1
else
	ITER=0
fi
lo=
for m in $(bpftool prog show name totem_sockops -j 2>/dev/null |
	"$PY" -c 'import json,sys; o=json.load(sys.stdin); o=o[0] if isinstance(o, list) else o; print(*o.get("map_ids", []))'); do
	bpftool map show id "$m" 2>/dev/null | grep -q " name listen_owner " && lo=$m
done
lo_count() {
	bpftool map dump id "$lo" -j 2>/dev/null | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
ip netns exec "$NSB" "$CHURN" server $B4 7302 4 >"$TMP/c.srv" 2>&1 &
PIDS="$PIDS $!"
poll 200 grep -qs "^listen" "$TMP/c.srv"
stats >"$TMP/st0"
[ "$ITER" = 1 ] && e0=$(elems)
l0=$(lo_count)
t0=$(date +%s)
ip netns exec "$NSA" "$CHURN" client $B4 7302 "$NCONN" $CHURN_PROCS >"$TMP/c.cli" 2>&1
tap $? "$NCONN short connections in $(($(date +%s) - t0)) s ($(cat "$TMP/c.cli"))"
stats >"$TMP/st1"
d=$(stat_delta "$TMP/st0" "$TMP/st1" inject_syn)
[ "$d" -ge "$NCONN" ]
tap $? "totem wrote on every SYN meanwhile (inject_syn moved by $d)"
if [ "$ITER" = 1 ]; then
	# freed in an RCU callback after the socket: poll
	bounded() {
		e1=$(elems)
		[ "$e1" -le $((e0 + 1000)) ]
	}
	poll 400 bounded
	tap $? "sock_record elements: $e0 before, $e1 after $NCONN connections (bound +1000)"
else
	tap_skip "cannot count sk_storage elements: $(head -n1 "$TMP/count.err" "$TMP/iter.err" 2>/dev/null | tr '\n' ' ')"
fi
if [ -n "$lo" ]; then
	l1=$(lo_count)
	[ "$l1" -le $((l0 + 5)) ]
	tap $? "listen_owner entries: $l0 before, $l1 after"
else
	tap_skip "listen_owner map not found among totemd's maps"
fi
recs=$(T "$NSB" -j sockets | objects | grep -c "\"local\":\"$B4:7302\".*\"remote\"")
[ "$recs" -le $((CHURN_PROCS + 4)) ]
tap $? "sockets of the churn port left in the server namespace: $recs"
kill -0 "$DPID" 2>/dev/null
tap $? "totemd is still running"
done_testing
