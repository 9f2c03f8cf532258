# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # variables for the scripts that source this
# Shared by the hardening tests (sourced, not run by prove):
# tests/host/harden-*.t and tests/e2e/harden-*.sh.  On top of tests/lib.sh
# (TAP, skips, poll, namespaces, cleanup, bpf_lock) and tests/e2e/lib.sh
# (netns_pair, T, cfg, stats, objects, jfield, jpeer), only what the
# hardening tests add: their names and addresses, starting `totemd
# --backend bpf`, counter deltas, and tc programs for what the kernel has
# no qdisc or classifier for.
#
# The caller sets NAME (short, unique per test) and may set BACKEND (bpf,
# the default, or kmod: then it has sourced tests/kmod/lib.sh first)
# before sourcing.
#
# totemd --backend bpf pins its maps at /sys/fs/bpf/totem and attaches at
# the cgroup v2 root, so only one can run on a host: the eBPF-path tests
# take bpf_lock (tests/lib.sh) and wait (up to HARDEN_WAIT seconds, default
# 300) for another totemd (bpf-e2e.t, a developer's) to go away, then skip.

HARDEN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# tests/kmod/lib.sh has sourced tests/lib.sh already on the module path
if ! declare -F tap >/dev/null; then
	# shellcheck source=tests/lib.sh
	. "$HARDEN_DIR/../lib.sh"
fi
# shellcheck source=tests/e2e/lib.sh
. "$HARDEN_DIR/../e2e/lib.sh"

BACKEND=${BACKEND:-bpf}
TPEER=$OUT/tests/e2e/tpeer
RAWTCP=$OUT/tests/e2e/rawtcp
GSOCHECK=$OUT/tests/e2e/gsocheck
DECODE=$SRC/tests/e2e/tcpopts.awk

ID=$$
NSA=totem-$NAME-a-$ID
NSB=totem-$NAME-b-$ID
VA=t${NAME:0:4}a$ID
VB=t${NAME:0:4}b$ID
A4=10.232.0.1
B4=10.232.0.2
A6=fd00:7e:2::1
B6=fd00:7e:2::2
tmpdir "$NAME"
DPID=

# Root, BINARY... built, and what the backend needs; skip_all otherwise.
harden_need() { # BINARY...
	need_exec "$@"
	command -v ip >/dev/null || skip_all "needs ip (iproute2)"
	if [ "$BACKEND" = kmod ]; then
		need_module
		return 0
	fi
	need_root "BPF, network namespaces"
	[ -r /sys/kernel/btf/vmlinux ] || skip_all "no BTF at /sys/kernel/btf/vmlinux"
	# sock_diag for TCP (the queries); a module on Debian kernels
	[ -e /proc/net/tcp ] && modprobe -q tcp_diag 2>/dev/null
	return 0
}

# totemd --backend bpf in the background; LOG is its output.  DPID is its
# PID, waited for at exit (DAEMONS).
harden_totemd() { # LOG
	local log=$1

	"$TOTEMD" --backend bpf --foreground --verbose >"$log" 2>&1 &
	DPID=$!
	DAEMONS="$DAEMONS $DPID"
	if ! poll 600 harden_ready "$log"; then
		grep -q "unavailable" "$log" &&
			skip_all "eBPF path unavailable: $(grep unavailable "$log" | tail -n1)"
		return 1
	fi
	return 0
}
harden_ready() {
	[ -e /sys/fs/bpf/totem/sock_record ] && grep -qs "backend bpf" "$1"
}
# totemd started, or "not ok" and exit: the test cannot go on without it.
harden_start() { # LOG
	harden_totemd "$1" && return 0
	tap 1 "totemd --backend bpf starts ($(tail -n1 "$1"))"
	done_testing
	exit 1
}

stat_delta() { # BEFORE AFTER NAME: a counter's change between two `stats` files
	echo $(($(stat_of "$2" "$3") - $(stat_of "$1" "$3")))
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
	# the test VM cannot autoload modules (no modprobe in the initramfs)
	modprobe -q cls_bpf 2>/dev/null
	modprobe -q sch_ingress 2>/dev/null
	modprobe -q sch_htb 2>/dev/null
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
	clang -O2 -g -target bpf -I"/usr/include/$(uname -m)-linux-gnu" \
		-DLOSS="${2:-0}" -DREORDER="${3:-0}" -DDUP="${4:-0}" \
		-c "$TMP/harden_tc.bpf.c" -o "$1" 2>"$TMP/harden_tc.err"
}

# Drop RSTs leaving NS through DEV (needs harden_tcbpf's object).
harden_norst() { # NS DEV OBJ
	tc -n "$1" qdisc add dev "$2" clsact &&
		tc -n "$1" filter add dev "$2" egress bpf da obj "$3" sec tc/norst
}

# tap: the path is still up: totemd runs (bpf) or the module answers (kmod)
harden_alive() {
	if [ "$BACKEND" = bpf ]; then
		kill -0 "$DPID" 2>/dev/null
		tap $? "totemd is still running"
	else
		T "$NSB" -j stats >/dev/null && loaded
		tap $? "the module is still loaded and answers"
	fi
}
