// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hooks, registered in every network namespace (pernet
 * operations, so namespaces created after load get them too).
 *
 * LOCAL_OUT writes the option.  The segment TCP hands us is a clone whose
 * payload (linear or paged) is shared with the copy kept on the write queue
 * for retransmission, so the payload is never touched: the IP and fixed TCP
 * headers are moved back into the headroom by the option length
 * (skb_cow_head() makes the header area ours) and the option goes into the
 * gap, in front of the existing options.  The checksum is updated
 * incrementally (only the pseudo-header length under CHECKSUM_PARTIAL, so
 * offload keeps working).  A GSO segment gets a private skb_shared_info and
 * a gso_size reduced by the option length, so no wire segment exceeds the
 * MTU; a full-sized non-GSO data segment is turned into a two-segment GSO
 * skb for the same reason.
 *
 * LOCAL_IN reads the peers' options with the shared codec and stores them
 * in the socket's record; options on a SYN wait in the pending table until
 * the child socket exists.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/checksum.h>
#include <net/dst.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/tcp.h>
#include "hooks.h"
#include "config.h"
#include "table.h"
#include "codec.h"
#include "hookstats.h"

#define TOTEM_TCPOPT_MD5 19 /* RFC 2385 */
#define TOTEM_TCPOPT_AO 29 /* RFC 5925 */

struct totem_pkt {
	bool v6;
	u8 seg; /* enum totem_seg */
	unsigned int thoff; /* TCP header offset from the network header */
	unsigned int thlen;
	unsigned int payload;
	__be16 sport;
	__be16 dport;
	u8 saddr[16]; /* IPv4 in [0..3] */
	u8 daddr[16];
};

/* IP/IPv6 + TCP header checks shared by both directions. */
static bool totem_l3(struct sk_buff *skb, bool v6, struct totem_pkt *p)
{
	unsigned int nhoff = skb_network_offset(skb);

	memset(p, 0, sizeof(*p));
	p->v6 = v6;
	if (!v6) {
		const struct iphdr *iph;

		if (!pskb_network_may_pull(skb, sizeof(*iph)))
			return false;
		iph = ip_hdr(skb);
		if (iph->version != 4 || iph->ihl < 5 || iph->protocol != IPPROTO_TCP)
			return false;
		if (ip_is_fragment(iph))
			return false;
		p->thoff = iph->ihl * 4;
		memcpy(p->saddr, &iph->saddr, 4);
		memcpy(p->daddr, &iph->daddr, 4);
		return true;
	}
#if IS_ENABLED(CONFIG_IPV6)
	{
		const struct ipv6hdr *ip6h;
		__be16 frag_off = 0;
		u8 nexthdr;
		int off;

		if (!pskb_network_may_pull(skb, sizeof(*ip6h)))
			return false;
		ip6h = ipv6_hdr(skb);
		nexthdr = ip6h->nexthdr;
		off = ipv6_skip_exthdr(skb, nhoff + sizeof(*ip6h), &nexthdr, &frag_off);
		if (off < 0 || nexthdr != IPPROTO_TCP || frag_off)
			return false;
		p->thoff = off - nhoff;
		memcpy(p->saddr, &ip6h->saddr, 16);
		memcpy(p->daddr, &ip6h->daddr, 16);
		return true;
	}
#else
	return false;
#endif
}

/* Does the option area carry a TCP-MD5 or TCP-AO signature? */
static bool totem_opts_signed(const u8 *opt, unsigned int len)
{
	unsigned int i = 0;

	while (i < len) {
		if (opt[i] == TCPOPT_EOL)
			break;
		if (opt[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2)
			break;
		if (opt[i] == TOTEM_TCPOPT_MD5 || opt[i] == TOTEM_TCPOPT_AO)
			return true;
		i += opt[i + 1];
	}
	return false;
}

/*
 * pskb_expand_head() leaves truesize alone for socket-owned skbs (their
 * write memory was charged with the old size), but a receiver that
 * coalesces checks truesize against the head size.  Charge the new head to
 * the socket as skb_expand_head() does; the destructor gives it back.
 */
static void totem_charge_head(struct sk_buff *skb, unsigned int osize)
{
	int delta = skb_end_offset(skb) - osize;
	struct sock *sk = skb->sk;

	if (delta <= 0 || !sk || !sk_fullsock(sk) || !skb->destructor ||
	    skb->destructor == sock_edemux)
		return;
	totem_compat_wmem_charge(sk, delta);
	skb->truesize += delta;
}

/*
 * Move the network and fixed TCP headers back by @len and put @opt in the
 * gap.  Returns 0 or the counter that says why not.
 */
static int totem_insert(struct sk_buff *skb, const struct totem_pkt *p,
			const u8 *opt, unsigned int len)
{
	unsigned int mtu, hdrs, gso_size = 0, old_tcplen, osize;
	struct tcphdr *th;
	__be16 old_word, new_word;
	bool make_gso = false;
	unsigned int i;

	if (!skb_dst(skb))
		return TOTEM_CTR_SKIP_OTHER;
	mtu = dst_mtu(skb_dst(skb));
	hdrs = p->thoff + p->thlen + len;
	if (hdrs >= mtu)
		return TOTEM_CTR_SKIP_MSS;
	if (skb_is_gso(skb)) {
		gso_size = min_t(unsigned int, skb_shinfo(skb)->gso_size, mtu - hdrs);
	} else if (skb->len + len > mtu) {
		/* A full-sized data segment: let GSO cut it in two. */
		if (p->seg != TOTEM_SEG_DATA || skb->ip_summed != CHECKSUM_PARTIAL)
			return TOTEM_CTR_SKIP_MSS;
		gso_size = mtu - hdrs;
		make_gso = true;
	}

	/* skb_shared_info is shared with the write-queue original: unshare. */
	osize = skb_end_offset(skb);
	if (gso_size && skb_cloned(skb) &&
	    pskb_expand_head(skb, SKB_DATA_ALIGN(len), 0, GFP_ATOMIC))
		return TOTEM_CTR_ERR_STORE;
	if (skb_cow_head(skb, len)) {
		totem_charge_head(skb, osize);
		return TOTEM_CTR_ERR_STORE;
	}
	totem_charge_head(skb, osize);

	old_tcplen = skb->len - p->thoff;
	__skb_push(skb, len);
	memmove(skb->data, skb->data + len, p->thoff + sizeof(struct tcphdr));
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, p->thoff);
	th = tcp_hdr(skb);
	memcpy(th + 1, opt, len);

	old_word = ((__be16 *)th)[6];
	th->doff += len / 4;
	new_word = ((__be16 *)th)[6];
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		/* The device sums from csum_start: options and doff included. */
		skb->csum_start = skb_transport_header(skb) - skb->head;
	} else {
		inet_proto_csum_replace2(&th->check, skb, old_word, new_word, false);
		for (i = 0; i < len; i += 4) {
			__be32 w;

			memcpy(&w, opt + i, 4);
			inet_proto_csum_replace4(&th->check, skb, 0, w, false);
		}
	}
	/* The pseudo-header carries the TCP length (16 bits v4, 32 bits v6). */
	inet_proto_csum_replace4(&th->check, skb, htonl(old_tcplen),
				 htonl(old_tcplen + len), true);

	if (!p->v6) {
		struct iphdr *iph = ip_hdr(skb);

		iph->tot_len = htons(ntohs(iph->tot_len) + len);
		ip_send_check(iph);
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		ip6h->payload_len = htons(ntohs(ip6h->payload_len) + len);
	}

	if (gso_size) {
		struct skb_shared_info *shinfo = skb_shinfo(skb);

		if (make_gso)
			shinfo->gso_type = p->v6 ? SKB_GSO_TCPV6 : SKB_GSO_TCPV4;
		shinfo->gso_size = gso_size;
		shinfo->gso_segs = DIV_ROUND_UP(p->payload, gso_size);
	}
	return 0;
}

/*
 * Who sends this segment.  Returns false to leave it alone; *@full is the
 * full socket for data segments (NULL for SYN-ACKs sent for a listener).
 */
static bool totem_out_owner(struct sk_buff *skb, struct totem_pkt *p,
			    struct net *net, u32 *pid, bool *inet6,
			    struct sock **full)
{
	struct sock *sk = skb->sk;
	u32 how;

	*full = NULL;
	*inet6 = p->v6;
	if (!sk) {
		/*
		 * Syncookie SYN-ACKs are not attached to any socket (see
		 * tcp_make_synack()): find the listener by address.
		 */
		if (p->seg != TOTEM_SEG_SYNACK)
			return false;
		*pid = totem_listener_owner(net, p->v6 ? AF_INET6 : AF_INET,
					    p->saddr, p->sport);
		return true;
	}
	/* A SYN-ACK carries the request sock (ca6fb0651883): its listener. */
	sk = sk_to_full_sk(sk);
	if (!sk || !sk_fullsock(sk) || sk->sk_protocol != IPPROTO_TCP ||
	    sk->sk_type != SOCK_STREAM)
		return false; /* timewait, raw sockets, ... */
	*inet6 = sk->sk_family == AF_INET6;
	*pid = totem_owner_of(sk, &how);
	if (sk->sk_state == TCP_LISTEN)
		return true;
	*full = sk;
	if (!*pid && p->seg == TOTEM_SEG_SYNACK) /* Fast Open child */
		*pid = totem_listener_owner(net, p->v6 ? AF_INET6 : AF_INET,
					    p->saddr, p->sport);
	return true;
}

static unsigned int totem_out(struct sk_buff *skb, bool v6)
{
	u32 enable = totem_config_enable(), pid = 0, fmt;
	struct totem_entry *e = NULL;
	u8 opt[TOTEM_OPT_MAX_LEN], addr[16];
	const struct tcphdr *th;
	struct totem_pkt p;
	struct sock *full;
	unsigned int len;
	struct net *net;
	bool inet6, due;
	int err;

	if (!enable || skb_network_offset(skb) || !totem_l3(skb, v6, &p))
		return NF_ACCEPT;
	if (skb_headlen(skb) < p.thoff + sizeof(*th))
		goto other;
	th = (const struct tcphdr *)(skb->data + p.thoff);
	p.thlen = th->doff * 4;
	if (p.thlen < sizeof(*th) || skb_headlen(skb) < p.thoff + p.thlen)
		goto other;
	p.payload = skb->len - p.thoff - p.thlen;
	p.sport = th->source;
	p.dport = th->dest;
	if (th->rst)
		return NF_ACCEPT;
	if (th->syn)
		p.seg = th->ack ? TOTEM_SEG_SYNACK : TOTEM_SEG_SYN;
	else if (p.payload)
		p.seg = TOTEM_SEG_DATA;
	else
		return NF_ACCEPT; /* pure ACK or FIN */
	if (!(enable & p.seg) || !skb_dst(skb))
		return NF_ACCEPT;
	net = dev_net(skb_dst(skb)->dev);

	rcu_read_lock();
	if (!totem_out_owner(skb, &p, net, &pid, &inet6, &full))
		goto out;
	if (p.seg == TOTEM_SEG_DATA) {
		if (!full)
			goto out;
		e = totem_tx_due(full, totem_config_sample_bytes(), p.payload,
				 &due, &pid);
		if (!e) {
			totem_count(TOTEM_CTR_ERR_STATE);
			goto out;
		}
		if (!due) {
			totem_tx_done(e, false, p.payload);
			goto out;
		}
	}

	err = TOTEM_CTR_SKIP_MD5;
	if (totem_opts_signed((const u8 *)(th + 1), p.thlen - sizeof(*th)))
		goto skip;
	fmt = totem_config_format(inet6);
	len = totem_opt_len(fmt);
	err = TOTEM_CTR_SKIP_NOSPACE;
	if (p.thlen - sizeof(*th) + len > TOTEM_TCP_OPT_SPACE)
		goto skip;
	if (p.v6) {
		memcpy(addr, p.saddr, 16);
	} else if (fmt == TOTEM_FMT_V6) {
		/* A v4-mapped IPv6 socket: ::ffff:a.b.c.d. */
		memset(addr, 0, 10);
		addr[10] = 0xff;
		addr[11] = 0xff;
		memcpy(addr + 12, p.saddr, 4);
	} else {
		memcpy(addr, p.saddr, 4);
	}
	err = TOTEM_CTR_ERR_STORE;
	if (totem_opt_build(opt, sizeof(opt), fmt, pid, totem_config_host_id(),
			    addr, ntohl(th->seq)) != len)
		goto skip;
	err = totem_insert(skb, &p, opt, len);
	if (err)
		goto skip;

	if (e)
		totem_tx_done(e, true, p.payload);
	totem_count(p.seg == TOTEM_SEG_SYN    ? TOTEM_CTR_INJECT_SYN :
		    p.seg == TOTEM_SEG_SYNACK ? TOTEM_CTR_INJECT_SYNACK :
						TOTEM_CTR_INJECT_DATA);
	if (!pid)
		totem_count(TOTEM_CTR_OWNER_UNKNOWN);
	goto out;

skip:
	if (e)
		totem_tx_done(e, false, p.payload);
	totem_count(err);
out:
	rcu_read_unlock();
	return NF_ACCEPT;
other:
	totem_count(TOTEM_CTR_SKIP_OTHER);
	return NF_ACCEPT;
}

static unsigned int totem_in(struct sk_buff *skb, bool v6)
{
	u8 optbuf[TOTEM_TCP_OPT_SPACE];
	struct totem_opt_info info;
	struct tcphdr _th;
	const struct tcphdr *th;
	unsigned int nhoff = skb_network_offset(skb), optlen;
	struct totem_pkt p;
	struct sock *sk;
	struct net *net;
	const u8 *opts;
	u8 family;

	if (!totem_config_parse() || !skb->dev || !totem_l3(skb, v6, &p))
		return NF_ACCEPT;
	th = skb_header_pointer(skb, nhoff + p.thoff, sizeof(_th), &_th);
	if (!th || th->doff <= 5)
		return NF_ACCEPT;
	optlen = th->doff * 4 - sizeof(_th);
	opts = skb_header_pointer(skb, nhoff + p.thoff + sizeof(_th), optlen, optbuf);
	if (!opts)
		return NF_ACCEPT;
	totem_opts_parse(opts, optlen, &info);
	if (info.malformed)
		this_cpu_add(totem_pcpu_counters.ctr[TOTEM_CTR_RX_MALFORMED], info.malformed);
	if (!info.tot_format && !info.toa_kind)
		return NF_ACCEPT;
	if (info.tot_format)
		totem_count(TOTEM_CTR_RX_TOT);
	if (info.toa_kind)
		totem_count(TOTEM_CTR_RX_TOA);

	p.seg = th->syn ? (th->ack ? TOTEM_SEG_SYNACK : TOTEM_SEG_SYN) : TOTEM_SEG_DATA;
	family = v6 ? AF_INET6 : AF_INET;
	net = dev_net(skb->dev);
	if (!v6) {
		sk = inet_lookup_established(net, totem_compat_tcp_hashinfo(net),
					     ip_hdr(skb)->saddr, th->source,
					     ip_hdr(skb)->daddr, th->dest,
					     inet_iif(skb));
	} else {
#if IS_ENABLED(CONFIG_IPV6)
		sk = totem_compat_inet6_lookup_established(net,
							   totem_compat_tcp_hashinfo(net),
							   &ipv6_hdr(skb)->saddr, th->source,
							   &ipv6_hdr(skb)->daddr, ntohs(th->dest),
							   inet6_iif(skb));
#else
		sk = NULL;
#endif
	}

	if (!sk) {
		if (p.seg == TOTEM_SEG_SYN)
			totem_pending_learn(net, family, p.daddr, p.saddr, th->dest,
					    th->source, &info, p.seg);
		return NF_ACCEPT;
	}
	if (sk->sk_state == TCP_NEW_SYN_RECV)
		totem_pending_learn(net, family, p.daddr, p.saddr, th->dest,
				    th->source, &info, p.seg);
	else if (sk_fullsock(sk))
		totem_peer_learn(sk, &info, p.seg);
	sock_gen_put(sk);
	return NF_ACCEPT;
}

static unsigned int totem_nf_out4(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	u64 t0 = totem_hook_enter();
	unsigned int ret = totem_out(skb, false);

	totem_hook_exit(TOTEM_HOOK_OUT4, t0);
	return ret;
}

static unsigned int totem_nf_out6(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	u64 t0 = totem_hook_enter();
	unsigned int ret = totem_out(skb, true);

	totem_hook_exit(TOTEM_HOOK_OUT6, t0);
	return ret;
}

static unsigned int totem_nf_in4(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	u64 t0 = totem_hook_enter();
	unsigned int ret = totem_in(skb, false);

	totem_hook_exit(TOTEM_HOOK_IN4, t0);
	return ret;
}

static unsigned int totem_nf_in6(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	u64 t0 = totem_hook_enter();
	unsigned int ret = totem_in(skb, true);

	totem_hook_exit(TOTEM_HOOK_IN6, t0);
	return ret;
}

TOTEM_NF_HOOK_DEFINE(totem_nf_out4)
TOTEM_NF_HOOK_DEFINE(totem_nf_out6)
TOTEM_NF_HOOK_DEFINE(totem_nf_in4)
TOTEM_NF_HOOK_DEFINE(totem_nf_in6)

/*
 * Last at LOCAL_OUT, after mangle/TCPMSS changed the options; at LOCAL_IN
 * after the filter table decided to keep the packet.
 */
static const struct nf_hook_ops totem_nf_ops[] = {
	{
		.hook = TOTEM_NF_HOOK(totem_nf_out4),
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_LAST - 1,
	},
	{
		.hook = TOTEM_NF_HOOK(totem_nf_in4),
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = NF_IP_PRI_LAST - 1,
	},
#if IS_ENABLED(CONFIG_IPV6)
	{
		.hook = TOTEM_NF_HOOK(totem_nf_out6),
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP6_PRI_LAST - 1,
	},
	{
		.hook = TOTEM_NF_HOOK(totem_nf_in6),
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = NF_IP6_PRI_LAST - 1,
	},
#endif
};

int totem_hooks_net_init(struct net *net)
{
	return nf_register_net_hooks(net, totem_nf_ops, ARRAY_SIZE(totem_nf_ops));
}

void totem_hooks_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, totem_nf_ops, ARRAY_SIZE(totem_nf_ops));
}
