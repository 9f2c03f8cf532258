# SPDX-License-Identifier: GPL-2.0
# Shared by tests/host/harden-*.t (sourced, not run by prove): TAP helpers,
# two network namespaces joined by a veth, `totemd --backend bpf` and the
# `totem -b bpf` queries.  The caller sets NAME (short, unique per test)
# before sourcing and may define cleanup_extra.
#
# totemd pins its maps at /sys/fs/bpf/totem and attaches at the cgroup v2
# root, so only one can run on a host: the harden tests take
# /run/lock/totem-bpf-test.lock and wait (up to HARDEN_WAIT seconds,
# default 300) for another totemd (bpf-e2e.t, a developer's) to go away,
# then skip.

SRC=${TOTEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${TOTEM_BUILD:-$SRC/build}
TOTEMD=$OUT/totemd
TOTEM=$OUT/totem
TPEER=$OUT/tests/e2e/tpeer
RAWTCP=$OUT/tests/e2e/rawtcp
GSOCHECK=$OUT/tests/e2e/gsocheck
DECODE=$SRC/tests/e2e/tcpopts.awk
PY=/usr/bin/python3

skip() {
	echo "1..0 # SKIP $*"
	exit 0
}

n=0
failed=0
tap() { # STATUS(0=ok) DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
tap_skip() {
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}
is() { # GOT WANT DESCRIPTION
	[ "$1" = "$2" ]
	tap $? "$3 (got '$1', want '$2')"
}
poll() { # COUNT CMD...: retry every 0.05 s until CMD succeeds
	local i=$1

	shift
	while [ "$i" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		i=$((i - 1))
	done
	return 1
}
done_testing() {
	echo "1..$n"
	[ "$failed" = 0 ]
}

harden_need() { # BINARY...
	local b

	for b in "$@"; do
		[ -x "$b" ] || skip "$b not built (make userspace tests)"
	done
	[ "$(id -u)" = 0 ] || skip "needs root (BPF, network namespaces)"
	[ -r /sys/kernel/btf/vmlinux ] || skip "no BTF at /sys/kernel/btf/vmlinux"
	command -v ip >/dev/null || skip "needs ip (iproute2)"
	[ -e /proc/net/tcp ] && modprobe -q tcp_diag 2>/dev/null
	return 0
}

ID=$$
NSA=totem-$NAME-a-$ID
NSB=totem-$NAME-b-$ID
VA=t${NAME:0:4}a$ID
VB=t${NAME:0:4}b$ID
A4=10.232.0.1
B4=10.232.0.2
A6=fd00:7e:2::1
B6=fd00:7e:2::2
TMP=$(mktemp -d "/tmp/totem-$NAME.XXXXXX")
DPID=
PIDS=
LOCK=/run/lock/totem-bpf-test.lock

cleanup() {
	local p

	type cleanup_extra >/dev/null 2>&1 && cleanup_extra
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	if [ -n "$DPID" ]; then
		kill -TERM "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	wait 2>/dev/null
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "# kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT

# One totemd at a time: our lock, then no pins of anyone else's.
harden_lock() {
	local w=${HARDEN_WAIT:-300}

	mkdir -p "$(dirname "$LOCK")"
	exec 9>"$LOCK"
	flock -w "$w" 9 || skip "$LOCK held for ${w}s by another test"
	# gone for 3 s in a row: not merely between two runs of someone's loop.
	# A totemd in another mount namespace has its pins out of sight: look
	# for totem programs attached at the cgroup2 root as well.
	local quiet=0 i=$((w * 20))
	local cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)

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
	[ "$quiet" -ge 60 ] || skip "another totemd owns /sys/fs/bpf/totem (waited ${w}s)"
}

# Namespaces A (client side) and B (server side), veth VA <-> VB.
harden_net() { # [MTU]
	local mtu=${1:-1500} ns

	ip netns add "$NSA" && ip netns add "$NSB" || skip "cannot create network namespaces"
	ip link add "$VA" netns "$NSA" type veth peer name "$VB" netns "$NSB" ||
		skip "cannot create a veth pair"
	for ns in "$NSA" "$NSB"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$NSA" addr add $A4/24 dev "$VA"
	ip -n "$NSB" addr add $B4/24 dev "$VB"
	ip -n "$NSA" addr add $A6/64 dev "$VA" nodad
	ip -n "$NSB" addr add $B6/64 dev "$VB" nodad
	ip -n "$NSA" link set "$VA" mtu "$mtu" up
	ip -n "$NSB" link set "$VB" mtu "$mtu" up
}

# totemd --backend bpf in the background; LOG is its output.
harden_totemd() { # LOG
	local log=$1

	"$TOTEMD" --backend bpf --foreground --verbose >"$log" 2>&1 &
	DPID=$!
	if ! poll 600 harden_ready "$log"; then
		grep -q "unavailable" "$log" &&
			skip "eBPF path unavailable: $(grep unavailable "$log" | tail -n1)"
		return 1
	fi
	return 0
}
harden_ready() {
	[ -e /sys/fs/bpf/totem/sock_record ] && grep -qs "backend bpf" "$1"
}

T() { # NS ARGS...: totem in a namespace, eBPF backend
	local ns=$1

	shift
	ip netns exec "$ns" "$TOTEM" -b bpf "$@"
}
cfg() { # KEY VALUE
	T "$NSA" config "$1" "$2" >/dev/null
}
stats() { # FILE: "name value" lines
	T "$NSA" -j stats | tr -d '{}"' | tr ',' '\n' | tr ':' ' ' >"$1"
}
stat_of() { # FILE NAME
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}
stat_delta() { # BEFORE AFTER NAME
	echo $(($(stat_of "$2" "$3") - $(stat_of "$1" "$3")))
}

# One JSON object per line, from `totem -j sockets`.
objects() {
	awk 'BEGIN { RS = "\001" } {
		d = 0; s = ""
		for (i = 1; i <= length($0); i++) {
			c = substr($0, i, 1)
			if (c == "{") d++
			if (d > 0) s = s c
			if (c == "}") { d--; if (d == 0) { print s; s = "" } }
		}
	}'
}
jfield() { # OBJECT KEY: a number or string value at the top level
	echo "$1" | sed 's/"peer":{[^}]*}//' |
		sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}
jpeer() { # OBJECT KEY: a value inside "peer"
	echo "$1" | sed -n 's/.*"peer":{\([^}]*\)}.*/\1/p' |
		sed -n "s/.*\"$2\":\(\[[^]]*\]\|\"[^\"]*\"\|[^,]*\).*/\1/p" | tr -d '"'
}

# tc programs (cls_bpf, direct action) for what this kernel has no qdisc or
# classifier for (no netem, no flower, no gact here): compiled from the
# source below with clang at test time.  Sections:
#   tc/norst   egress: drop TCP RSTs (rawtcp's handshakes own no socket)
#   tc/netem   egress under an htb root: drop LOSS per mille, send REORDER
#              per mille through the slow class 1:2 (they arrive late); or
#              on ingress, loss only (on a clsact egress hook a drop is
#              reported to TCP, which sends the segment again: no loss)
#   tc/dup     ingress: deliver DUP per mille twice (clone, marked so the
#              copy is not copied again)
harden_tcbpf() { # OUT.o LOSS REORDER DUP
	command -v clang >/dev/null || return 1
	cat >"$TMP/harden_tc.bpf.c" <<'EOC'
// SPDX-License-Identifier: GPL-2.0
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define DUP_MARK 0x7e7e

/* TCP flags byte of an Ethernet frame, or -1 if not TCP */
static __always_inline int tcp_flags(struct __sk_buff *skb)
{
	__u8 proto, ihl, fl;
	__u32 off;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, ETH_HLEN + 9, &proto, 1) ||
		    bpf_skb_load_bytes(skb, ETH_HLEN, &ihl, 1))
			return -1;
		off = ETH_HLEN + (ihl & 0xf) * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		if (bpf_skb_load_bytes(skb, ETH_HLEN + 6, &proto, 1))
			return -1;
		off = ETH_HLEN + 40;
	} else {
		return -1;
	}
	if (proto != IPPROTO_TCP || bpf_skb_load_bytes(skb, off + 13, &fl, 1))
		return -1;
	return fl;
}

SEC("tc/norst")
int norst(struct __sk_buff *skb)
{
	int fl = tcp_flags(skb);

	return fl >= 0 && (fl & 0x04) ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc/netem")
int netem(struct __sk_buff *skb)
{
	__u32 r = bpf_get_prandom_u32() % 1000;

	if (tcp_flags(skb) < 0)
		return TC_ACT_OK;
	if (r < LOSS)
		return TC_ACT_SHOT;
	if (r < LOSS + REORDER)
		skb->tc_classid = 0x10002;
	return TC_ACT_OK;
}

SEC("tc/dup")
int dup(struct __sk_buff *skb)
{
	if (skb->mark == DUP_MARK || tcp_flags(skb) < 0)
		return TC_ACT_OK;
	if (bpf_get_prandom_u32() % 1000 < DUP) {
		skb->mark = DUP_MARK;
		bpf_clone_redirect(skb, skb->ifindex, BPF_F_INGRESS);
		skb->mark = 0;
	}
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
EOC
	clang -O2 -g -target bpf -I/usr/include/$(uname -m)-linux-gnu \
		-DLOSS="${2:-0}" -DREORDER="${3:-0}" -DDUP="${4:-0}" \
		-c "$TMP/harden_tc.bpf.c" -o "$1" 2>"$TMP/harden_tc.err"
}

# Drop RSTs leaving NS through DEV (needs harden_tcbpf's object).
harden_norst() { # NS DEV OBJ
	tc -n "$1" qdisc add dev "$2" clsact &&
		tc -n "$1" filter add dev "$2" egress bpf da obj "$3" sec tc/norst
}
