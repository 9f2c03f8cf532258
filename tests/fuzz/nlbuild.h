/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink messages as the kernel sends them to libtotem, built with libnl:
 * the "totem" family's replies and events (the attribute layout of
 * kmod/netlink.c: totem_nl_put_sock(), totem_nl_put_config(), the STATS_GET
 * reply) and sock_diag replies carrying an INET_DIAG_SK_BPF_STORAGES nest
 * (the layout of net/ipv4/inet_diag.c and net/core/bpf_sk_storage.c).
 * gen_netlink.c writes the seed corpora with them; fuzz_genl.c and
 * fuzz_sock_diag.c rebuild what they parsed, to check it parses back the same.
 */
#ifndef _TOTEM_FUZZ_NLBUILD_H
#define _TOTEM_FUZZ_NLBUILD_H

#include <stdbool.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "libtotem.h"

/* The id the kernel gave the "totem" family, and the sk_storage map's id. */
#define NLB_GENL_FAMILY 0x1c
#define NLB_MAP_ID 42		/* sock_record: struct totem_sock_state */
#define NLB_TOA_MAP_ID 43	/* sock_toa: struct totem_toa */
#define NLB_MSG_SIZE 8192

static inline struct nl_msg *nlb_genl(int cmd, int seq)
{
	struct nl_msg *msg = nlmsg_alloc_size(NLB_MSG_SIZE);

	if (msg && !genlmsg_put(msg, 1, seq, NLB_GENL_FAMILY, 0, NLM_F_MULTI, cmd,
				TOTEM_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/*
 * A TOTEM_A_SOCK nest for @s.  !@full: what the module puts (addresses of
 * the socket's family, the peer block only with a format, host/addr/seq as
 * its flags say).  @full: every field the parser reads, so that any socket
 * it returned is rebuilt whole.
 */
static inline int nlb_put_sock(struct nl_msg *msg, const struct totem_sock *s, bool full)
{
	const struct totem_sock_record *r = &s->rec;
	int alen = full || s->family != AF_INET ? 16 : 4;
	struct nlattr *nest = nla_nest_start(msg, TOTEM_A_SOCK);

	if (!nest ||
	    nla_put_u8(msg, TOTEM_A_SOCK_FAMILY, s->family) ||
	    nla_put_u8(msg, TOTEM_A_SOCK_STATE, s->state) ||
	    nla_put(msg, TOTEM_A_SOCK_SADDR, alen, s->saddr) ||
	    nla_put(msg, TOTEM_A_SOCK_DADDR, alen, s->daddr) ||
	    nla_put_u16(msg, TOTEM_A_SOCK_SPORT, htons(s->sport)) ||
	    nla_put_u16(msg, TOTEM_A_SOCK_DPORT, htons(s->dport)) ||
	    nla_put_u32(msg, TOTEM_A_SOCK_NETNS, s->netns) ||
	    nla_put_u64(msg, TOTEM_A_SOCK_INODE, s->inode) ||
	    nla_put_u64(msg, TOTEM_A_SOCK_COOKIE, s->cookie) ||
	    nla_put_u32(msg, TOTEM_A_SOCK_OWNER_PID, r->owner.tgid) ||
	    nla_put_u32(msg, TOTEM_A_SOCK_OWNER_UID, r->owner.uid) ||
	    nla_put_u64(msg, TOTEM_A_SOCK_OWNER_CGROUP, r->owner.cgroup_id) ||
	    nla_put_u32(msg, TOTEM_A_SOCK_OWNER_FLAGS, r->owner.flags))
		return -1;
	if (r->owner.comm[0] &&
	    nla_put(msg, TOTEM_A_SOCK_OWNER_COMM,
		    strnlen(r->owner.comm, sizeof(r->owner.comm) - 1) + 1, r->owner.comm))
		return -1;
	if (full || r->peer.format) {
		if (nla_put_u32(msg, TOTEM_A_SOCK_PEER_PID, r->peer.pid) ||
		    nla_put_u8(msg, TOTEM_A_SOCK_PEER_FORMAT, r->peer.format) ||
		    nla_put_u8(msg, TOTEM_A_SOCK_PEER_SEEN, r->peer.seen) ||
		    nla_put_u8(msg, TOTEM_A_SOCK_PEER_FLAGS, r->peer.flags) ||
		    nla_put_u64(msg, TOTEM_A_SOCK_PEER_FIRST_NS, r->peer.first_ns) ||
		    nla_put_u64(msg, TOTEM_A_SOCK_PEER_LAST_NS, r->peer.last_ns))
			return -1;
		if ((full || (r->peer.flags & TOTEM_PEER_F_HOST)) &&
		    nla_put_u32(msg, TOTEM_A_SOCK_PEER_HOST, r->peer.host_id))
			return -1;
		if (r->peer.family &&
		    nla_put(msg, TOTEM_A_SOCK_PEER_ADDR,
			    r->peer.family == AF_INET ? 4 : 16, r->peer.addr))
			return -1;
		if ((full || (r->peer.flags & TOTEM_PEER_F_SEQ)) &&
		    nla_put_u32(msg, TOTEM_A_SOCK_PEER_SEQ, r->peer.seq))
			return -1;
	}
	if (r->toa.family &&
	    (nla_put(msg, TOTEM_A_SOCK_TOA_ADDR, r->toa.family == AF_INET ? 4 : 16,
		     r->toa.addr) ||
	     nla_put_u16(msg, TOTEM_A_SOCK_TOA_PORT, r->toa.port) ||
	     nla_put_u8(msg, TOTEM_A_SOCK_TOA_KIND, r->toa.kind)))
		return -1;
	return nla_nest_end(msg, nest);
}

/* TOTEM_A_STATS: counter i as attribute i + 1. */
static inline int nlb_put_stats(struct nl_msg *msg, const __u64 *ctr)
{
	struct nlattr *nest = nla_nest_start(msg, TOTEM_A_STATS);
	int i;

	if (!nest)
		return -1;
	for (i = 0; i < TOTEM_CTR_MAX; i++)
		if (nla_put_u64(msg, i + 1, ctr[i]))
			return -1;
	return nla_nest_end(msg, nest);
}

static inline int nlb_put_config(struct nl_msg *msg, const struct totem_config *c)
{
	struct nlattr *nest = nla_nest_start(msg, TOTEM_A_CONFIG);

	if (!nest ||
	    nla_put_u32(msg, TOTEM_A_CONFIG_ENABLE, c->enable) ||
	    nla_put_u32(msg, TOTEM_A_CONFIG_SAMPLE_BYTES, c->sample_bytes) ||
	    nla_put_u32(msg, TOTEM_A_CONFIG_FORMAT4, c->format4) ||
	    nla_put_u32(msg, TOTEM_A_CONFIG_FORMAT6, c->format6) ||
	    nla_put_u32(msg, TOTEM_A_CONFIG_HOST_ID, c->host_id) ||
	    nla_put_u32(msg, TOTEM_A_CONFIG_PARSE, c->parse))
		return -1;
	return nla_nest_end(msg, nest);
}

/* One storage of an INET_DIAG_SK_BPF_STORAGES nest: map id and value. */
struct nlb_storage {
	__u32 map_id;
	const void *value;
	int len;
};

/*
 * A SOCK_DIAG_BY_FAMILY reply for @s with the attributes a 6.x kernel puts
 * unasked (INET_DIAG_SHUTDOWN, _SKV6ONLY for IPv6, _CGROUP_ID, _SOCKOPT) and,
 * if @n, the storages @stg (the value after a 64-bit alignment pad, as
 * nla_reserve_64bit() lays it out).
 */
static inline struct nl_msg *nlb_diag(const struct totem_sock *s, int seq,
				      const struct nlb_storage *stg, int n)
{
	struct nl_msg *msg = nlmsg_alloc_size(NLB_MSG_SIZE);
	struct inet_diag_sockopt opt = { 0 };
	struct inet_diag_msg r = {
		.idiag_family = s->family,
		.idiag_state = s->state,
		.id.idiag_sport = htons(s->sport),
		.id.idiag_dport = htons(s->dport),
		.id.idiag_if = 0,
		.id.idiag_cookie = { (__u32)s->cookie, (__u32)(s->cookie >> 32) },
		.idiag_inode = s->inode,
	};
	struct nlattr *nest, *one;
	int i;

	if (!msg)
		return NULL;
	memcpy(r.id.idiag_src, s->saddr, 16);
	memcpy(r.id.idiag_dst, s->daddr, 16);
	if (!nlmsg_put(msg, 1, seq, SOCK_DIAG_BY_FAMILY, 0, NLM_F_MULTI) ||
	    nlmsg_append(msg, &r, sizeof(r), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u8(msg, INET_DIAG_SHUTDOWN, 0) ||
	    (s->family == AF_INET6 && nla_put_u8(msg, INET_DIAG_SKV6ONLY, 0)) ||
	    nla_put_u64(msg, INET_DIAG_CGROUP_ID, s->rec.owner.cgroup_id) ||
	    nla_put(msg, INET_DIAG_SOCKOPT, sizeof(opt), &opt))
		goto fail;
	if (n) {
		nest = nla_nest_start(msg, INET_DIAG_SK_BPF_STORAGES);
		if (!nest)
			goto fail;
		for (i = 0; i < n; i++) {
			one = nla_nest_start(msg, SK_DIAG_BPF_STORAGE);
			if (!one || nla_put_u32(msg, SK_DIAG_BPF_STORAGE_MAP_ID, stg[i].map_id) ||
			    nla_put(msg, SK_DIAG_BPF_STORAGE_PAD, 0, NULL) ||
			    nla_put(msg, SK_DIAG_BPF_STORAGE_MAP_VALUE, stg[i].len, stg[i].value) ||
			    nla_nest_end(msg, one))
				goto fail;
		}
		if (nla_nest_end(msg, nest))
			goto fail;
	}
	return msg;
fail:
	nlmsg_free(msg);
	return NULL;
}

/* What the eBPF path stores for @r (the inverse of totem_record_assemble()). */
static inline void nlb_state_of(const struct totem_sock_record *r,
				struct totem_sock_state *st)
{
	const struct totem_peer *p = &r->peer;
	struct totem_peer_state *ps = &st->peer;

	memset(st, 0, sizeof(*st));
	st->owner_tgid = r->owner.tgid;
	st->owner_flags = r->owner.flags;
	st->tx_flags = r->tx.flags;
	st->tx_unsampled = r->tx.unsampled;
	ps->pid = p->pid;
	ps->host_id = p->host_id;
	ps->seq = p->seq;
	ps->family = p->family;
	ps->format = p->format;
	ps->seen = p->seen;
	ps->flags = p->flags;
	ps->first_ns = p->first_ns;
	ps->last_ns = p->last_ns;
	if (p->format == TOTEM_FMT_V1)
		memcpy(ps->addr, p->addr, 4);
	else if (p->format == TOTEM_FMT_V6)
		memcpy(ps->addr, p->addr + 8, 8);
}

/*
 * The storages the kernel would send for @s: its state in NLB_MAP_ID and,
 * if it has one, its TOA in NLB_TOA_MAP_ID.  Returns how many (@stg[2],
 * pointing into @st and @s).
 */
static inline int nlb_storages(const struct totem_sock *s, struct totem_sock_state *st,
			       struct nlb_storage *stg)
{
	static const struct totem_toa none;

	nlb_state_of(&s->rec, st);
	stg[0] = (struct nlb_storage){ NLB_MAP_ID, st, sizeof(*st) };
	stg[1] = (struct nlb_storage){ NLB_TOA_MAP_ID, &s->rec.toa, sizeof(s->rec.toa) };
	return memcmp(&s->rec.toa, &none, sizeof(none)) ? 2 : 1;
}

#endif /* _TOTEM_FUZZ_NLBUILD_H */
