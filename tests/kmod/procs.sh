#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's per-process owner details (kmod/proc.c), loaded with
# max_procs=4:
#   - six processes that each own a listener: four processes' details
#     are kept (debugfs "procs"), yet every listener still names
#     its owner's pid (the per-socket state keeps the tgid);
#   - a process that renames itself (PR_SET_NAME) between two listeners:
#     both report the new comm from the module (not from /proc), since the
#     details are kept once per process and replaced when they change.
# shellcheck source=tests/kmod/lib.sh
. "$(dirname "$0")/lib.sh"
need_module
need_exec "$PY" "$OUT/totem"
need_cmd ip

MAX=4
N=6
NS=totem-procs-$$
DBG=/sys/kernel/debug/totem/table
PIDS=
tmpdir kmod-procs
at_exit unload
# shellcheck disable=SC2016 # expanded when the test exits
at_exit 'for p in $PIDS; do kill "$p" 2>/dev/null; done; wait 2>/dev/null'

table() { # FIELD
	awk -v f="$1" '$1 == f { print $2 }' "$DBG" 2>/dev/null
}

# A process in $NS owning a listener on 127.0.0.1:PORT (and, with NAME, a
# second one on PORT+1 after renaming itself NAME); its pid in OWNER.
owner() { # PORT [NAME]
	ip netns exec "$NS" "$PY" -c '
import ctypes, socket, sys, time
a = socket.socket()
a.bind(("127.0.0.1", int(sys.argv[1])))
a.listen()
if len(sys.argv) > 2:
    ctypes.CDLL(None).prctl(15, sys.argv[2].encode(), 0, 0, 0)  # PR_SET_NAME
    b = socket.socket()
    b.bind(("127.0.0.1", int(sys.argv[1]) + 1))
    b.listen()
print("ready", flush=True)
time.sleep(600)
' "$@" >"$TMP/owner.$1" 2>&1 &
	OWNER=$!
	PIDS="$PIDS $OWNER"
	poll 100 grep -qs '^ready' "$TMP/owner.$1"
}

# One listener's record from the module: "PID COMM FLAGS".
record() { # PORT
	ip netns exec "$NS" "$OUT/totem" -j -b kmod sockets --port "$1" |
		"$PY" -c '
import json, sys
for s in json.load(sys.stdin):
    if s["state"] == "LISTEN":
        print(s["pid"], s["comm"] or "-", ",".join(s["owner_flags"]))' 2>&1
}

echo "1..6"
load max_procs=$MAX
ok $? "insmod max_procs=$MAX"
[ -r "$DBG" ] || skip_all "cannot read $DBG (no debugfs)"
netns_add "$NS"
ip -n "$NS" link set lo up

owners=
for i in $(seq 1 $N); do
	owner $((7100 + i)) || break
	owners="$owners $OWNER"
done
procs=$(table procs)
[ "$procs" = $MAX ]
ok $? "$N owner processes, the details of $MAX kept (procs $procs)"

bad=
i=0
for p in $owners; do
	i=$((i + 1))
	got=$(record $((7100 + i)))
	[ "${got%% *}" = "$p" ] || bad="$bad $((7100 + i)):'$got'!=$p"
done
[ -n "$owners" ] && [ -z "$bad" ]
ok $? "every listener still names its owner's pid ($N of them)${bad:+:$bad}"

owner 7200 totem-renamed
ok $? "a process renamed itself between two listeners"
a=$(record 7200)
b=$(record 7201)
want="$OWNER totem-renamed"
case $a in "$want "*) [ "${a#*proc}" = "$a" ] ;; *) false ;; esac
ok $? "the listener made before the rename reports the new comm, from the module ($a)"
[ "$b" = "$a" ]
ok $? "so does the one made after it ($b)"
finish
