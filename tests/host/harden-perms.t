#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: who may ask what, eBPF path.  As an unprivileged user (nobody, via
# setpriv: no capabilities): changing the config fails and changes nothing;
# the pinned maps cannot be opened or read (bpftool, the files); the events
# socket refuses the connection (totem monitor and a plain connect); a
# socket query fails without output.  As root: the pins are 0600 in a
# root-only directory, the socket 0600 (0660 with a "totem" group).  A
# query sees only the sockets of the caller's network namespace: in A only
# A's end of an A-B connection, in B only B's, in a third namespace C
# neither.
set -u
NAME=perm
# shellcheck source=tests/host/harden-lib.sh
. "$(dirname "$0")/harden-lib.sh"

NSC=totem-$NAME-c-$ID
harden_need "$TOTEMD" "$TOTEM" "$TPEER"
command -v setpriv >/dev/null || skip_all "needs setpriv (util-linux)"
need_cmd bpftool
[ -x "$PY" ] || skip_all "needs $PY"
id nobody >/dev/null 2>&1 || skip_all "needs a user nobody"
bpf_lock
netns_pair
netns_add "$NSC"
ip -n "$NSC" link set lo up

# totemd's run directory (status, events.sock) of our own, traversable
chmod 755 "$TMP"
export TOTEM_RUNDIR=$TMP/run
mkdir -m 755 "$TOTEM_RUNDIR"

harden_start "$TMP/totemd.log"
poll 200 [ -S "$TOTEM_RUNDIR/events.sock" ]
NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all"
$NOBODY true 2>/dev/null ||
	NOBODY="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups --inh-caps=-all --bounding-set=-all"
$NOBODY true || skip_all "setpriv cannot drop to nobody"

# ---- config ----
cfg sample_bytes 16384
ip netns exec "$NSA" $NOBODY "$TOTEM" -b bpf config sample_bytes 777 >"$TMP/c.out" 2>&1
rc=$?
[ "$rc" != 0 ] && grep -qi "permission denied\|not permitted\|needs root" "$TMP/c.out"
tap $? "nobody: 'totem config sample_bytes 777' fails for want of permission (exit $rc: $(head -n1 "$TMP/c.out"))"
is "$(T "$NSA" config sample_bytes)" 16384 "nobody: the config is unchanged"
cur=$(bpftool -j map lookup pinned /sys/fs/bpf/totem/config key 0 0 0 0 2>/dev/null |
	grep -o '"value":\[[^]]*\]' | cut -c1-40)
$NOBODY bpftool map update pinned /sys/fs/bpf/totem/config key 0 0 0 0 \
	value $(printf '0 %.0s' $(seq 1 24)) >/dev/null 2>&1
[ $? != 0 ] && [ -n "$cur" ]
tap $? "nobody: bpftool cannot write the pinned config map (root can read it: $cur)"
is "$(T "$NSA" config sample_bytes)" 16384 "nobody: the config is still unchanged"

# ---- pins ----
for m in sock_record sock_toa proc_info config stats; do
	$NOBODY bpftool map show pinned /sys/fs/bpf/totem/$m >/dev/null 2>&1
	[ $? != 0 ]
	tap $? "nobody: bpftool cannot open the pinned map $m"
	$NOBODY cat /sys/fs/bpf/totem/$m >/dev/null 2>&1
	[ $? != 0 ]
	tap $? "nobody: the pin file $m cannot be read"
	is "$(stat -c '%a %u' /sys/fs/bpf/totem/$m)" "600 0" "pin $m is mode 600, owned by root"
done
is "$(stat -c '%u' /sys/fs/bpf/totem)/$(($(stat -c '0%a' /sys/fs/bpf/totem) & 077))" "0/0" \
	"the pin directory is root's, with no group or other permission"

# ---- events ----
m=$(stat -c '%a %U' "$TOTEM_RUNDIR/events.sock")
case $m in
"600 root"|"660 root") tap 0 "events.sock is root's, mode ${m% *}" ;;
*) tap 1 "events.sock is root's, mode 600 or 660 (got $m)" ;;
esac
timeout 5 $NOBODY "$TOTEM" -b bpf -j monitor >"$TMP/m.out" 2>&1
rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ]
tap $? "nobody: 'totem monitor' is refused (exit $rc: $(head -n1 "$TMP/m.out"))"
$NOBODY "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
except PermissionError:
    sys.exit(0)
sys.exit(1)' "$TOTEM_RUNDIR/events.sock"
tap $? "nobody: connecting to events.sock gets EACCES"
timeout 5 "$TOTEM" -b bpf -j monitor >"$TMP/root-m.out" 2>&1 &
mp=$!
PIDS="$PIDS $mp"

# ---- queries ----
export TPEER_HOLD=$TMP/hold
ip netns exec "$NSB" "$TPEER" server $B4 7400 plain 1000 1000 >"$TMP/q.srv" 2>&1 &
sp=$!
poll 200 grep -qs "^listen" "$TMP/q.srv"
ip netns exec "$NSA" "$TPEER" client $B4 7400 plain 1000 1000 >"$TMP/q.cli" 2>&1 &
cp=$!
PIDS="$PIDS $sp $cp"
poll 400 grep -qs "^hold" "$TMP/q.cli"
poll 400 grep -qs "^hold" "$TMP/q.srv"
cport=$(sed -n 's/^connect .*local=[^ ]*:\([0-9]*\) .*/\1/p' "$TMP/q.cli")
T "$NSA" -j sockets | objects >"$TMP/qa"
T "$NSB" -j sockets | objects >"$TMP/qb"
T "$NSC" -j sockets | objects >"$TMP/qc"
ip netns exec "$NSA" $NOBODY "$TOTEM" -b bpf -j sockets >"$TMP/qn" 2>"$TMP/qn.err"
rc=$?
touch "$TMP/hold"
wait "$sp" "$cp"
unset TPEER_HOLD
is "$(grep -c "\"local\":\"$A4:$cport\"" "$TMP/qa")/$(grep -c "\"local\":\"$B4:" "$TMP/qa")" "1/0" \
	"namespace A sees its end of the connection and nothing of B's"
is "$(grep -c "\"remote\":\"$A4:$cport\"" "$TMP/qb")/$(grep -c "\"local\":\"$A4:" "$TMP/qb")" "1/0" \
	"namespace B sees its end of the connection and nothing of A's"
is "$(grep -c "$A4\|$B4" "$TMP/qc")" 0 "namespace C sees neither end"
[ "$rc" != 0 ] && ! grep -q "$A4" "$TMP/qn"
tap $? "nobody: a socket query fails without output (exit $rc: $(head -c 120 "$TMP/qn" "$TMP/qn.err" | tr '\n' ' '))"
wait "$mp" 2>/dev/null
grep -q '"event"' "$TMP/root-m.out"
tap $? "root: 'totem monitor' gets events ($(grep -c '"event"' "$TMP/root-m.out"))"
done_testing
