# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # variables for the scripts that source this
# Shared by the TAP test scripts (sourced, not run by prove): tests/host/*.t,
# tests/kmod/*.sh (through tests/kmod/lib.sh), tests/e2e/e2e.sh.
#
#   tap RC DESCRIPTION       "ok N - ..." when RC is 0, else "not ok N - ..."
#   is GOT WANT DESCRIPTION  tap on string equality, both values in the line
#   tap_skip REASON          "ok N # SKIP REASON"
#   done_testing             plan "1..N" at the end; status 1 if any failed
#   skip_all REASON          "1..0 # SKIP REASON" and exit: 0, or 4
#                            (KSFT_SKIP) in the test VM (TOTEM_VM=1)
#   need_root WHY / need_exec FILE... / need_cmd CMD...   skip_all unless
#   poll COUNT CMD...        retry CMD every POLL_INTERVAL s (0.05) COUNT times
#   tmpdir NAME              TMP=/tmp/totem-NAME.XXXXXX, removed at exit
#                            (KEEP_TMP=1 keeps it)
#   netns_add NS...          new network namespaces, deleted at exit;
#                            skip_all when they cannot be created
#   veth_pair NSA VA NSB VB  a veth between two namespaces, lo up in both
#   at_exit CMD              run CMD (eval) at exit, after the processes in
#                            PIDS and DAEMONS are gone and the namespaces
#                            deleted
#   hold_conn NS PORT        a process in NS with a listener on
#                            127.0.0.1:PORT and both ends of one connection
#                            to it, kept until exit; sets HELD_PID and
#                            HELD_PORT (the client end's port)
#   bpf_lock                 one eBPF-path totemd per host: take
#                            /run/lock/totem-bpf-test.lock and wait for
#                            anyone else's pins to go away, else skip_all
#
# Processes started in the background go into PIDS (SIGTERM, not waited
# for one by one) or DAEMONS (SIGTERM, then waited for, so that a totemd
# detaches before the namespaces go).  The EXIT trap is set here; a script
# that needs its own trap calls tap_cleanup from it.

SRC=${TOTEM_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
OUT=${TOTEM_BUILD:-$SRC/build}
TOTEMD=$OUT/totemd
TOTEM=$OUT/totem
PY=/usr/bin/python3

n=0
failed=0
PIDS=
DAEMONS=
NETNS=
TMP=
EXIT_HOOKS=()

tap() { # STATUS(0=ok) DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
tap_skip() { # REASON
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}
is() { # GOT WANT DESCRIPTION
	[ "$1" = "$2" ]
	tap $? "$3 (got '$1', want '$2')"
}
done_testing() {
	echo "1..$n"
	[ "$failed" = 0 ]
}

skip_all() { # REASON
	echo "1..0 # SKIP $*"
	[ -n "${TOTEM_VM:-}" ] && exit 4
	exit 0
}
need_root() { # WHY
	[ "$(id -u)" = 0 ] || skip_all "needs root ($1)"
}
need_exec() { # FILE...
	local f

	for f in "$@"; do
		[ -x "$f" ] || skip_all "$f not built (make userspace tests)"
	done
}
need_cmd() { # CMD...
	local c

	for c in "$@"; do
		command -v "$c" >/dev/null || skip_all "needs $c"
	done
}

poll() { # COUNT CMD...: retry every POLL_INTERVAL s until CMD succeeds
	local i=$1

	shift
	while [ "$i" -gt 0 ]; do
		"$@" && return 0
		sleep "${POLL_INTERVAL:-0.05}"
		i=$((i - 1))
	done
	return 1
}

tmpdir() { # NAME
	TMP=$(mktemp -d "/tmp/totem-$1.XXXXXX")
}

netns_add() { # NS...
	local ns

	for ns in "$@"; do
		ip netns add "$ns" || skip_all "cannot create network namespace $ns"
		NETNS="$NETNS $ns"
	done
}
veth_pair() { # NSA VA NSB VB
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" ||
		skip_all "cannot create a veth pair"
	ip -n "$1" link set lo up
	ip -n "$3" link set lo up
}

at_exit() { # CMD
	EXIT_HOOKS+=("$*")
}

tap_cleanup() {
	local p h

	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $DAEMONS; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for p in $NETNS; do
		ip netns del "$p" 2>/dev/null
	done
	for h in "${EXIT_HOOKS[@]}"; do
		eval "$h"
	done
	if [ -n "$TMP" ] && [ -n "${KEEP_TMP:-}" ]; then
		echo "# kept $TMP" >&2
	elif [ -n "$TMP" ]; then
		rm -rf "$TMP"
	fi
}
trap tap_cleanup EXIT

hold_conn() { # NS PORT
	local f

	f=$(mktemp "/tmp/totem-held.XXXXXX") && rm -f "$f"
	# (not on our stdout: prove would wait for it)
	ip netns exec "$1" "$PY" - "$2" "$f" <<'PYEOF' >/dev/null &
import os, socket, sys, time
port = int(sys.argv[1])
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", port))
l.listen(1)
c = socket.create_connection(("127.0.0.1", port))
s = l.accept()[0]
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write("%d %d\n" % (os.getpid(), c.getsockname()[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
time.sleep(3600)
PYEOF
	PIDS="$PIDS $!"
	HELD_PID=
	HELD_PORT=
	poll 200 test -s "$f" && read -r HELD_PID HELD_PORT <"$f" && PIDS="$PIDS $HELD_PID"
	rm -f "$f"
	[ -n "$HELD_PID" ]
}

# totemd --backend bpf pins its maps at /sys/fs/bpf/totem and attaches at
# the cgroup v2 root, so only one runs per host (tests/host/harden-lib.sh
# takes the same lock).
BPF_LOCK=/run/lock/totem-bpf-test.lock
bpf_lock() {
	local w=${HARDEN_WAIT:-300} quiet=0 i cg

	mkdir -p "$(dirname "$BPF_LOCK")"
	exec 9>"$BPF_LOCK"
	flock -w "$w" 9 || skip_all "$BPF_LOCK held for ${w}s by another test"
	# the test VM runs its tests one after another
	[ -n "${TOTEM_VM:-}" ] && [ ! -e /sys/fs/bpf/totem/sock_record ] && return 0
	# gone for 3 s in a row: not merely between two runs of someone's loop.
	# A totemd in another mount namespace has its pins out of sight: look
	# for totem programs attached at the cgroup2 root as well.
	cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	i=$((w * 20))
	while [ "$i" -gt 0 ] && [ "$quiet" -lt 60 ]; do
		if [ -e /sys/fs/bpf/totem/sock_record ] ||
		   { [ -n "$cg" ] && bpftool cgroup show "$cg" 2>/dev/null | grep -q " totem_"; }; then
			quiet=0
		else
			quiet=$((quiet + 1))
		fi
		sleep 0.05
		i=$((i - 1))
	done
	[ "$quiet" -ge 60 ] || skip_all "another totemd owns /sys/fs/bpf/totem (waited ${w}s)"
}
