#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: sockets older than totem's kernel side.  older.sh BACKEND
#   bpf   the host and the VMs (tests/host/older.t): a process holds a
#         listener and both ends of a connection, then totemd --backend bpf
#         starts;
#   kmod  the VMs (tests/qemu/vm-tests.list): the same process, then
#         insmod totem.ko (no totemd: the queries go to the module).
# Neither kernel side saw those sockets being made, so it has no owner for
# them (the module not even an entry): libtotem takes their owner from
# /proc, flagged "proc", as the proc path would (userspace/lib/core.c).
# Checked: a lookup of each end names the process; the dump lists each of
# the three sockets exactly once, with that owner; a connection made after
# the start has its owner from the kernel side (no "proc" flag).
set -u

BACKEND=${1:-}
# shellcheck source=tests/e2e/backend.sh
. "$(dirname "$0")/backend.sh"
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

need_exec "$TOTEMD" "$TOTEM"
if [ "$BACKEND" = bpf ]; then
	need_root "BPF, network namespaces"
	[ -e /proc/net/tcp ] && modprobe -q tcp_diag 2>/dev/null
	[ -r /sys/kernel/btf/vmlinux ] || skip_all "no BTF at /sys/kernel/btf/vmlinux"
	bpf_lock
else
	need_module
	unload || skip_all "a loaded totem module cannot be removed"
	at_exit unload
fi

NS=totem-old-$BACKEND-$$
tmpdir "old-$BACKEND"
netns_add "$NS"
ip netns exec "$NS" ip link set lo up
Q() { ip netns exec "$NS" "$TOTEM" -b "$BACKEND" "$@"; }

# the old process: listener on 7500, one connection to it, both ends its own
hold_conn "$NS" 7500
OLD=$HELD_PID
OPORT=$HELD_PORT

if [ "$BACKEND" = bpf ]; then
	"$TOTEMD" --backend bpf --foreground >"$TMP/totemd.log" 2>&1 &
	DPID=$!
	DAEMONS="$DAEMONS $DPID"
	poll 600 sh -c "[ -e /sys/fs/bpf/totem/sock_record ] && grep -qs 'backend bpf' '$TMP/totemd.log'"
	tap $? "totemd --backend bpf started after the process ($(tail -n1 "$TMP/totemd.log"))"
else
	load
	tap $? "insmod totem.ko after the process"
fi

# owner pid and flags of one socket, as "PID FLAGS"
owner_of() { # LOCAL REMOTE
	Q -j lookup "$1" "$2" | objects | head -n1 >"$TMP/one"
	echo "$(jfield "$(cat "$TMP/one")" pid) $(sed -n 's/.*"owner_flags":\[\([^]]*\)\].*/\1/p' "$TMP/one" | tr -d '"')"
}
for ends in "127.0.0.1:$OPORT 127.0.0.1:7500 client" "127.0.0.1:7500 127.0.0.1:$OPORT server"; do
	set -- $ends
	got=$(owner_of "$1" "$2")
	[ "${got%% *}" = "$OLD" ] && echo "$got" | grep -qw proc
	tap $? "lookup of the older $3 end: pid $OLD, from /proc (got '$got')"
done

Q -j sockets >"$TMP/all.json"
tap $? "totem -j sockets"
"$PY" - "$TMP/all.json" "$OLD" "$OPORT" <<'PYEOF'
import json, sys
socks, pid, port = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
if isinstance(socks, dict):
    socks = socks.get("sockets", [])
want = {("127.0.0.1:7500", "0.0.0.0:0"), ("127.0.0.1:%d" % port, "127.0.0.1:7500"),
        ("127.0.0.1:7500", "127.0.0.1:%d" % port)}
got = [(s["local"], s["remote"]) for s in socks if (s["local"], s["remote"]) in want]
assert sorted(got) == sorted(want), ("each exactly once", got)
for s in socks:
    if (s["local"], s["remote"]) in want:
        assert s["pid"] == pid and "proc" in s["owner_flags"], s
PYEOF
tap $? "the dump lists the 3 older sockets once each, owned by $OLD from /proc"

# a connection made now: its owner comes from the kernel side
hold_conn "$NS" 7501
NEW=$HELD_PID
NPORT=$HELD_PORT
got=$(owner_of "127.0.0.1:$NPORT" "127.0.0.1:7501")
[ "${got%% *}" = "$NEW" ] && ! echo "$got" | grep -qw proc
tap $? "a connection made after the start: pid $NEW from the kernel side (got '$got')"

done_testing
