#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: `totemd --backend auto` picks the path this kernel has, says why,
# and the path it picked answers a lookup.  Run on the host (tests/host/
# auto.t) and in the VMs (tests/qemu/vm-tests.list).  "eBPF unavailable"
# is made real, not simulated: in a mount namespace of its own, totemd
# sees an empty /sys/kernel/btf (a kernel without BTF, so no CO-RE); "no
# module" likewise hides /lib/modules/$(uname -r) (modprobe finds nothing)
# with the module not loaded.
#   - as is: bpf where the kernel has BTF and the sockops header-option
#     helpers;
#   - BTF hidden, the module loaded (VMs): kmod;
#   - BTF hidden, no module loaded or loadable: proc.
# Each time: the log line and `totem status` name the choice and the
# reason, and `totem lookup` (auto, like any agent) names the owner of a
# connection made for it.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

need_exec "$TOTEMD" "$TOTEM"
need_root "mount and network namespaces"
need_cmd unshare ip
KO=${TOTEM_KO:-}

# one eBPF-path totemd per host, and the CLI's auto choice sees anyone's
bpf_lock
NS=totem-auto-$$
tmpdir auto
export TOTEM_RUNDIR=$TMP/run
netns_add "$NS"
ip netns exec "$NS" ip link set lo up

mod_loaded() { grep -q '^totem ' /proc/modules 2>/dev/null; }
# totemd --backend auto, in its own mount namespace with HIDE... hidden
totemd_auto() { # LOG HIDE...
	local log=$1

	shift
	unshare -m --propagation private sh -c '
		bin=$1
		shift
		for d in "$@"; do
			[ -d "$d" ] && { mount -t tmpfs totem-hidden "$d" || exit 99; }
		done
		exec "$bin" --backend auto --foreground --config /dev/null
	' sh "$TOTEMD" "$@" >"$log" 2>&1 &
	DPID=$!
	DAEMONS="$DAEMONS $DPID"
}
stop_totemd() {
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DAEMONS=
}

PORT=7600

# one case: start, check the choice, look up a connection, stop
check() { # WANT LABEL HIDE...
	local want=$1 label=$2 log=$TMP/$1.log st pid

	shift 2
	totemd_auto "$log" "$@"
	poll 600 grep -qs "backend [a-z]* (" "$log"
	grep -q "backend $want (auto: " "$log"
	tap $? "$label: totemd picks $want: $(grep -m1 'backend [a-z]* (' "$log" | cut -c1-150)"
	poll 100 test -s "$TOTEM_RUNDIR/status"
	st=$("$TOTEM" -j status 2>/dev/null)
	echo "$st" | grep -q "\"daemon\":{\"pid\":$DPID,\"backend\":\"$want\""
	tap $? "$label: totem status names totemd's choice ($(echo "$st" | cut -c1-160))"
	PORT=$((PORT + 1))
	hold_conn "$NS" "$PORT"
	HPID=$HELD_PID
	HPORT=$HELD_PORT
	# the kernel side may need a moment to have the new connection's record
	poll 100 sh -c "ip netns exec '$NS' '$TOTEM' -j lookup 127.0.0.1:$HPORT 127.0.0.1:$PORT \
		>'$TMP/$want.lookup' 2>&1 && grep -q '\"pid\":$HPID,' '$TMP/$want.lookup'"
	tap $? "$label: totem lookup (auto) names the owner, pid $HPID ($(head -c 160 "$TMP/$want.lookup"))"
	pid=$(ip netns exec "$NS" "$TOTEM" status | sed -n 's/^backend *//p')
	is "$pid" "$want" "$label: the CLI's own auto choice"
	stop_totemd
}

BTF=/sys/kernel/btf
MODS=/lib/modules/$(uname -r)

if [ -r $BTF/vmlinux ] && ! mod_loaded; then
	check bpf "as is"
else
	tap_skip "as is: no BTF here, or the module is loaded"
fi
if [ -n "${TOTEM_VM:-}" ] && [ -n "$KO" ] && [ -f "$KO" ]; then
	mod_loaded || insmod "$KO" || tap 1 "insmod $KO"
	at_exit 'grep -q "^totem " /proc/modules && rmmod totem'
	check kmod "BTF hidden, module loaded" $BTF
	rmmod totem
	tap $? "rmmod totem"
else
	tap_skip "BTF hidden, module loaded: only in the test VMs (no module support here)"
fi
if mod_loaded; then
	tap_skip "BTF hidden, no module: a totem module is loaded here"
else
	check proc "BTF and modules hidden" $BTF "$MODS"
	grep -q "bpf: no BTF" "$TMP/proc.log" && grep -q "kmod: module totem" "$TMP/proc.log"
	tap $? "the proc choice says why not bpf and not kmod"
fi

done_testing
