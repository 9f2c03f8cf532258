// SPDX-License-Identifier: GPL-2.0
/*
 * One socket's record by its 4-tuple, in O(1): the query side of the eBPF
 * path (kmod/uapi/totem.h, struct totem_bpf_lookup).  A sock_diag dump
 * filtered by ports walks the whole established hash (milliseconds at
 * 100k sockets); an exact sock_diag request does not return sk_storage
 * (inet_diag_cmd_exact() passes no storage request to the fill).  So
 * libtotem runs this tc program with BPF_PROG_TEST_RUN: the test skb lives
 * in the caller's network namespace (its loopback device), so
 * bpf_sk_lookup_tcp() searches there, as a query should.  Never attached:
 * it costs nothing on the data path.  Loaded by totemd beside
 * totem.bpf.c, sharing its sock_record map; if this kernel refuses it,
 * lookups fall back to sock_diag.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "uapi/totem.h"
#include "record.h"
#include "maps.bpf.h" /* totem.bpf.c's, reused by fd */

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define BPF_F_CURRENT_NETNS_ (-1L)

SEC("tc")
int totem_lookup(struct __sk_buff *skb)
{
	struct totem_bpf_lookup q;
	struct bpf_sock_tuple t = {};
	const struct totem_proc_info *proc = NULL;
	struct totem_sock_state *st;
	struct bpf_sock *sk;
	struct tcp_sock *tp;
	struct sock *s;
	__u32 tlen;

	if (bpf_skb_load_bytes(skb, TOTEM_BPF_LOOKUP_ETH_HLEN, &q, sizeof(q)))
		return 1;
	/* the tuple as a packet would carry it: from the remote end to us */
	if (q.family == AF_INET) {
		__builtin_memcpy(&t.ipv4.saddr, q.daddr, 4);
		__builtin_memcpy(&t.ipv4.daddr, q.saddr, 4);
		t.ipv4.sport = q.dport;
		t.ipv4.dport = q.sport;
		tlen = sizeof(t.ipv4);
	} else {
		__builtin_memcpy(t.ipv6.saddr, q.daddr, 16);
		__builtin_memcpy(t.ipv6.daddr, q.saddr, 16);
		t.ipv6.sport = q.dport;
		t.ipv6.dport = q.sport;
		tlen = sizeof(t.ipv6);
	}
	sk = bpf_sk_lookup_tcp(skb, &t, tlen, BPF_F_CURRENT_NETNS_, 0);
	if (!sk)
		return 1;
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp)
		goto out;
	s = (struct sock *)tp;
	/*
	 * no established socket has the tuple and the lookup fell back to a
	 * listener; libtotem checks the addresses (a wildcard listener)
	 */
	if (BPF_CORE_READ(s, __sk_common.skc_dport) != q.dport)
		goto out;
	/* the socket's own view: a dual-stack socket answers in IPv6 */
	q.found = 1;
	q.family = BPF_CORE_READ(s, __sk_common.skc_family);
	if (q.family == AF_INET) {
		BPF_CORE_READ_INTO(&q.saddr, s, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO(&q.daddr, s, __sk_common.skc_daddr);
	} else {
		BPF_CORE_READ_INTO(&q.saddr, s, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&q.daddr, s, __sk_common.skc_v6_daddr);
	}
	q.state = BPF_CORE_READ(s, __sk_common.skc_state);
	q.netns = BPF_CORE_READ(s, __sk_common.skc_net.net, ns.inum);
	q.inode = BPF_CORE_READ(s, sk_socket, file, f_inode, i_ino);
	q.cookie = BPF_CORE_READ(s, __sk_common.skc_cookie.counter);
	st = bpf_sk_storage_get(&sock_record, sk, 0, 0);
	if (st) {
		__u32 tgid = st->owner_tgid;

		if (tgid)
			proc = bpf_map_lookup_elem(&proc_info, &tgid);
		totem_record_assemble(&q.rec, st, proc,
				      bpf_sk_storage_get(&sock_toa, sk, 0, 0),
				      totem_peer_prefix(q.family, q.daddr));
	}
	bpf_skb_store_bytes(skb, TOTEM_BPF_LOOKUP_ETH_HLEN, &q, sizeof(q), 0);
out:
	bpf_sk_release(sk);
	return 1;
}
