// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "totem" (the protocol is documented in
 * uapi/totem.h and docs/netlink/totem.yaml).
 *
 * resv_start_op is left at 0, so on 6.1+ every command gets the strict
 * treatment (reserved header byte zero, no unknown attributes, commands
 * without a policy reject every attribute).  Each command has its own
 * policy; CONFIG_SET needs CAP_NET_ADMIN.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>
#include "netlink.h"
#include "config.h"
#include "table.h"

#define TOTEM_EV_QUEUE_MAX 4096

static const struct nla_policy totem_sock_policy[TOTEM_A_SOCK_MAX + 1] = {
	[TOTEM_A_SOCK_FAMILY] = { .type = NLA_U8 },
	[TOTEM_A_SOCK_SADDR] = { .type = NLA_BINARY, .len = 16 },
	[TOTEM_A_SOCK_DADDR] = { .type = NLA_BINARY, .len = 16 },
	[TOTEM_A_SOCK_SPORT] = { .type = NLA_U16 },
	[TOTEM_A_SOCK_DPORT] = { .type = NLA_U16 },
	[TOTEM_A_SOCK_OWNER_PID] = { .type = NLA_U32 },
};

static const struct nla_policy totem_config_policy[TOTEM_A_CONFIG_MAX + 1] = {
	[TOTEM_A_CONFIG_ENABLE] = { .type = NLA_U32 },
	[TOTEM_A_CONFIG_SAMPLE_BYTES] = { .type = NLA_U32 },
	[TOTEM_A_CONFIG_FORMAT4] = { .type = NLA_U32 },
	[TOTEM_A_CONFIG_FORMAT6] = { .type = NLA_U32 },
	[TOTEM_A_CONFIG_HOST_ID] = { .type = NLA_U32 },
	[TOTEM_A_CONFIG_PARSE] = { .type = NLA_U32 },
};

static const struct nla_policy totem_sock_get_policy[TOTEM_A_MAX + 1] = {
	[TOTEM_A_SOCK] = NLA_POLICY_NESTED(totem_sock_policy),
};

static const struct nla_policy totem_config_set_policy[TOTEM_A_MAX + 1] = {
	[TOTEM_A_CONFIG] = NLA_POLICY_NESTED(totem_config_policy),
};

#ifdef TOTEM_COMPAT_FAMILY_POLICY
/* 5.2-5.9 validate against one policy per family: the union. */
static const struct nla_policy totem_family_policy[TOTEM_A_MAX + 1] = {
	[TOTEM_A_SOCK] = NLA_POLICY_NESTED(totem_sock_policy),
	[TOTEM_A_CONFIG] = NLA_POLICY_NESTED(totem_config_policy),
};
#endif

static struct genl_family totem_genl_family;

static int totem_nl_put_sock(struct sk_buff *skb, const struct totem_snap *s)
{
	const struct totem_sock_record *r = &s->rec;
	unsigned int alen = s->family == AF_INET ? 4 : 16;
	struct nlattr *nest;

	nest = nla_nest_start(skb, TOTEM_A_SOCK);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, TOTEM_A_SOCK_FAMILY, s->family) ||
	    nla_put_u8(skb, TOTEM_A_SOCK_STATE, s->state) ||
	    nla_put(skb, TOTEM_A_SOCK_SADDR, alen, s->saddr) ||
	    nla_put(skb, TOTEM_A_SOCK_DADDR, alen, s->daddr) ||
	    nla_put_be16(skb, TOTEM_A_SOCK_SPORT, s->sport) ||
	    nla_put_be16(skb, TOTEM_A_SOCK_DPORT, s->dport) ||
	    nla_put_u32(skb, TOTEM_A_SOCK_NETNS, s->netns) ||
	    nla_put_u64_64bit(skb, TOTEM_A_SOCK_INODE, s->inode, TOTEM_A_SOCK_PAD) ||
	    nla_put_u64_64bit(skb, TOTEM_A_SOCK_COOKIE, s->cookie, TOTEM_A_SOCK_PAD) ||
	    nla_put_u32(skb, TOTEM_A_SOCK_OWNER_PID, r->owner.tgid) ||
	    nla_put_u32(skb, TOTEM_A_SOCK_OWNER_UID, r->owner.uid) ||
	    nla_put_u64_64bit(skb, TOTEM_A_SOCK_OWNER_CGROUP, r->owner.cgroup_id,
			      TOTEM_A_SOCK_PAD) ||
	    nla_put_u32(skb, TOTEM_A_SOCK_OWNER_FLAGS, r->owner.flags))
		goto cancel;
	if (r->owner.comm[0] &&
	    nla_put(skb, TOTEM_A_SOCK_OWNER_COMM,
		    strnlen(r->owner.comm, sizeof(r->owner.comm) - 1) + 1,
		    r->owner.comm))
		goto cancel;
	if (r->peer.format) {
		if (nla_put_u32(skb, TOTEM_A_SOCK_PEER_PID, r->peer.pid) ||
		    nla_put_u8(skb, TOTEM_A_SOCK_PEER_FORMAT, r->peer.format) ||
		    nla_put_u8(skb, TOTEM_A_SOCK_PEER_SEEN, r->peer.seen) ||
		    nla_put_u8(skb, TOTEM_A_SOCK_PEER_FLAGS, r->peer.flags) ||
		    nla_put_u64_64bit(skb, TOTEM_A_SOCK_PEER_FIRST_NS,
				      r->peer.first_ns, TOTEM_A_SOCK_PAD) ||
		    nla_put_u64_64bit(skb, TOTEM_A_SOCK_PEER_LAST_NS,
				      r->peer.last_ns, TOTEM_A_SOCK_PAD))
			goto cancel;
		if ((r->peer.flags & TOTEM_PEER_F_HOST) &&
		    nla_put_u32(skb, TOTEM_A_SOCK_PEER_HOST, r->peer.host_id))
			goto cancel;
		if ((r->peer.flags & TOTEM_PEER_F_ADDR) &&
		    nla_put(skb, TOTEM_A_SOCK_PEER_ADDR,
			    r->peer.family == AF_INET ? 4 : 16, r->peer.addr))
			goto cancel;
		if ((r->peer.flags & TOTEM_PEER_F_SEQ) &&
		    nla_put_u32(skb, TOTEM_A_SOCK_PEER_SEQ, r->peer.seq))
			goto cancel;
	}
	if (r->toa.family &&
	    (nla_put(skb, TOTEM_A_SOCK_TOA_ADDR, r->toa.family == AF_INET ? 4 : 16,
		     r->toa.addr) ||
	     nla_put_be16(skb, TOTEM_A_SOCK_TOA_PORT, r->toa.port) ||
	     nla_put_u8(skb, TOTEM_A_SOCK_TOA_KIND, r->toa.kind)))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int totem_nl_sock_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = totem_compat_extack(info);
	struct nlattr *tb[TOTEM_A_SOCK_MAX + 1];
	static const int need[] = {
		TOTEM_A_SOCK_FAMILY,
		TOTEM_A_SOCK_SADDR,
		TOTEM_A_SOCK_DADDR,
		TOTEM_A_SOCK_SPORT,
		TOTEM_A_SOCK_DPORT,
	};
	unsigned int alen, i;
	struct totem_snap *s;
	struct sk_buff *msg;
	void *hdr;
	u8 family;
	int err;

	if (!info->attrs[TOTEM_A_SOCK]) {
		NL_SET_ERR_MSG(extack, "missing the sock nest (family, saddr, daddr, sport, dport)");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, TOTEM_A_SOCK_MAX, info->attrs[TOTEM_A_SOCK],
			       totem_sock_policy, extack);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(need); i++) {
		if (!tb[need[i]]) {
			NL_SET_ERR_MSG_ATTR(extack, info->attrs[TOTEM_A_SOCK],
					    "family, saddr, daddr, sport and dport are all required");
			return -EINVAL;
		}
	}
	if (tb[TOTEM_A_SOCK_OWNER_PID]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TOTEM_A_SOCK_OWNER_PID],
				    "owner-pid is a dump filter");
		return -EINVAL;
	}
	family = nla_get_u8(tb[TOTEM_A_SOCK_FAMILY]);
	if (family != AF_INET && family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TOTEM_A_SOCK_FAMILY],
				    "family must be AF_INET (2) or AF_INET6 (10)");
		return -EINVAL;
	}
	alen = family == AF_INET ? 4 : 16;
	if (nla_len(tb[TOTEM_A_SOCK_SADDR]) != alen) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TOTEM_A_SOCK_SADDR],
				    "saddr length does not match the family (4 or 16)");
		return -EINVAL;
	}
	if (nla_len(tb[TOTEM_A_SOCK_DADDR]) != alen) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TOTEM_A_SOCK_DADDR],
				    "daddr length does not match the family (4 or 16)");
		return -EINVAL;
	}

	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	err = totem_table_find(genl_info_net(info), family,
			       nla_data(tb[TOTEM_A_SOCK_SADDR]),
			       nla_data(tb[TOTEM_A_SOCK_DADDR]),
			       nla_get_be16(tb[TOTEM_A_SOCK_SPORT]),
			       nla_get_be16(tb[TOTEM_A_SOCK_DPORT]), s);
	if (err) {
		NL_SET_ERR_MSG(extack, "no tracked socket with this address in this namespace");
		goto out_free;
	}
	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		goto out_free;
	hdr = genlmsg_put_reply(msg, info, &totem_genl_family, 0, TOTEM_CMD_SOCK_GET);
	if (!hdr || totem_nl_put_sock(msg, s)) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
		goto out_free;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
out_free:
	kfree(s);
	return err;
}

struct totem_dump_ctx {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

/* cb->args: [0], [1] walk position; [2] pid filter + 1; [3] port + 1; [4] parsed */
static int totem_nl_dump_one(const struct totem_snap *s, void *arg)
{
	struct totem_dump_ctx *ctx = arg;
	struct netlink_callback *cb = ctx->cb;
	void *hdr;

	if (cb->args[2] && s->rec.owner.tgid != (u32)(cb->args[2] - 1))
		return 0;
	if (cb->args[3] && ntohs(s->sport) != cb->args[3] - 1 &&
	    ntohs(s->dport) != cb->args[3] - 1)
		return 0;
	hdr = genlmsg_put(ctx->skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &totem_genl_family, NLM_F_MULTI, TOTEM_CMD_SOCK_GET);
	if (!hdr)
		return 1;
	if (totem_nl_put_sock(ctx->skb, s)) {
		genlmsg_cancel(ctx->skb, hdr);
		return 1;
	}
	genlmsg_end(ctx->skb, hdr);
	return 0;
}

static int totem_nl_dump_filters(struct netlink_callback *cb)
{
	struct nlattr *tb[TOTEM_A_MAX + 1], *stb[TOTEM_A_SOCK_MAX + 1];
	int err, i;

	err = nlmsg_parse(cb->nlh, GENL_HDRLEN, tb, TOTEM_A_MAX,
			  totem_sock_get_policy, NULL);
	if (err)
		return err;
	if (!tb[TOTEM_A_SOCK])
		return 0;
	err = nla_parse_nested(stb, TOTEM_A_SOCK_MAX, tb[TOTEM_A_SOCK],
			       totem_sock_policy, NULL);
	if (err)
		return err;
	for (i = 0; i <= TOTEM_A_SOCK_MAX; i++)
		if (stb[i] && i != TOTEM_A_SOCK_OWNER_PID && i != TOTEM_A_SOCK_SPORT)
			return -EINVAL; /* dumps filter by owner-pid and sport only */
	if (stb[TOTEM_A_SOCK_OWNER_PID])
		cb->args[2] = (long)nla_get_u32(stb[TOTEM_A_SOCK_OWNER_PID]) + 1;
	if (stb[TOTEM_A_SOCK_SPORT])
		cb->args[3] = (long)ntohs(nla_get_be16(stb[TOTEM_A_SOCK_SPORT])) + 1;
	return 0;
}

static int totem_nl_sock_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct totem_dump_ctx ctx = { .skb = skb, .cb = cb };
	int err;

	if (!cb->args[4]) {
		err = totem_nl_dump_filters(cb);
		if (err)
			return err;
		cb->args[4] = 1;
	}
	err = totem_table_walk(sock_net(skb->sk), (unsigned long *)&cb->args[0],
			       totem_nl_dump_one, &ctx);
	if (err < 0)
		return err;
	return skb->len;
}

static int totem_nl_put_config(struct sk_buff *skb, const struct totem_config *c)
{
	struct nlattr *nest = nla_nest_start(skb, TOTEM_A_CONFIG);

	if (!nest ||
	    nla_put_u32(skb, TOTEM_A_CONFIG_ENABLE, c->enable) ||
	    nla_put_u32(skb, TOTEM_A_CONFIG_SAMPLE_BYTES, c->sample_bytes) ||
	    nla_put_u32(skb, TOTEM_A_CONFIG_FORMAT4, c->format4) ||
	    nla_put_u32(skb, TOTEM_A_CONFIG_FORMAT6, c->format6) ||
	    nla_put_u32(skb, TOTEM_A_CONFIG_HOST_ID, c->host_id) ||
	    nla_put_u32(skb, TOTEM_A_CONFIG_PARSE, c->parse))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int totem_nl_config_reply(struct genl_info *info, u8 cmd)
{
	struct totem_config cfg;
	struct sk_buff *msg;
	void *hdr;

	totem_config_get(&cfg);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &totem_genl_family, 0, cmd);
	if (!hdr || totem_nl_put_config(msg, &cfg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int totem_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return totem_nl_config_reply(info, TOTEM_CMD_CONFIG_GET);
}

static int totem_nl_config_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = totem_compat_extack(info);
	struct nlattr *tb[TOTEM_A_CONFIG_MAX + 1];
	struct totem_config cfg;
	int err, bad;

	/*
	 * GENL_UNS_ADMIN_PERM let in CAP_NET_ADMIN over the caller's netns;
	 * the configuration is global, so also require it in init_user_ns.
	 */
	if (!netlink_capable(skb, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG(extack, "the configuration is global: CAP_NET_ADMIN in the initial user namespace is needed");
		return -EPERM;
	}
	if (!info->attrs[TOTEM_A_CONFIG]) {
		NL_SET_ERR_MSG(extack, "missing the config nest");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, TOTEM_A_CONFIG_MAX, info->attrs[TOTEM_A_CONFIG],
			       totem_config_policy, extack);
	if (err)
		return err;

	/* Serialized by genl_mutex (no parallel_ops): read, modify, write. */
	totem_config_get(&cfg);
	if (tb[TOTEM_A_CONFIG_ENABLE])
		cfg.enable = nla_get_u32(tb[TOTEM_A_CONFIG_ENABLE]);
	if (tb[TOTEM_A_CONFIG_SAMPLE_BYTES])
		cfg.sample_bytes = nla_get_u32(tb[TOTEM_A_CONFIG_SAMPLE_BYTES]);
	if (tb[TOTEM_A_CONFIG_FORMAT4])
		cfg.format4 = nla_get_u32(tb[TOTEM_A_CONFIG_FORMAT4]);
	if (tb[TOTEM_A_CONFIG_FORMAT6])
		cfg.format6 = nla_get_u32(tb[TOTEM_A_CONFIG_FORMAT6]);
	if (tb[TOTEM_A_CONFIG_HOST_ID])
		cfg.host_id = nla_get_u32(tb[TOTEM_A_CONFIG_HOST_ID]);
	if (tb[TOTEM_A_CONFIG_PARSE])
		cfg.parse = nla_get_u32(tb[TOTEM_A_CONFIG_PARSE]);

	bad = totem_config_check(&cfg);
	switch (bad) {
	case 0:
		break;
	case TOTEM_A_CONFIG_ENABLE:
		NL_SET_ERR_MSG_ATTR(extack, tb[bad], "enable: only bits 0-2 (SYN, SYN-ACK, data) exist");
		return -EINVAL;
	case TOTEM_A_CONFIG_FORMAT4:
		NL_SET_ERR_MSG_ATTR(extack, tb[bad], "format4 must be 1 (v1) or 2 (v2)");
		return -EINVAL;
	case TOTEM_A_CONFIG_FORMAT6:
		NL_SET_ERR_MSG_ATTR(extack, tb[bad], "format6 must be 6 (v6) or 2 (v2)");
		return -EINVAL;
	default:
		NL_SET_ERR_MSG_ATTR(extack, tb[bad], "parse must be 0 or 1");
		return -EINVAL;
	}
	totem_config_set(&cfg);
	return totem_nl_config_reply(info, TOTEM_CMD_CONFIG_SET);
}

static int totem_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	u64 ctr[TOTEM_CTR_MAX];
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;
	int i;

	totem_counters_sum(ctr);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &totem_genl_family, 0, TOTEM_CMD_STATS_GET);
	if (!hdr)
		goto nospace;
	nest = nla_nest_start(msg, TOTEM_A_STATS);
	if (!nest)
		goto nospace;
	/* Type = counter index + 1; type 0 is the padding attribute. */
	for (i = 0; i < TOTEM_CTR_MAX; i++)
		if (nla_put_u64_64bit(msg, i + 1, ctr[i], 0))
			goto nospace;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct genl_ops totem_genl_ops[] = {
	{ .cmd = TOTEM_CMD_SOCK_GET,
	  .doit = totem_nl_sock_get_doit,
	  .dumpit = totem_nl_sock_dumpit,
	  TOTEM_COMPAT_OP_POLICY(totem_sock_get_policy, TOTEM_A_MAX) },
	{
		.cmd = TOTEM_CMD_CONFIG_GET,
		.doit = totem_nl_config_get_doit,
	},
	{ .cmd = TOTEM_CMD_CONFIG_SET,
	  .doit = totem_nl_config_set_doit,
	  .flags = GENL_UNS_ADMIN_PERM,
	  TOTEM_COMPAT_OP_POLICY(totem_config_set_policy, TOTEM_A_MAX) },
	{
		.cmd = TOTEM_CMD_STATS_GET,
		.doit = totem_nl_stats_get_doit,
	},
};

static const struct genl_multicast_group totem_genl_mcgrps[] = {
	{ .name = TOTEM_GENL_MCGRP_EVENTS },
};

static struct genl_family totem_genl_family __ro_after_init = {
	.name = TOTEM_GENL_NAME,
	.version = TOTEM_GENL_VERSION,
	.maxattr = TOTEM_A_MAX,
#ifdef TOTEM_COMPAT_FAMILY_POLICY
	.policy = totem_family_policy,
#endif
	.netnsok = true,
	.module = THIS_MODULE,
	.ops = totem_genl_ops,
	.n_ops = ARRAY_SIZE(totem_genl_ops),
	.mcgrps = totem_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(totem_genl_mcgrps),
};

/* ---- events ---- */

struct totem_ev {
	struct list_head list;
	u32 type;
	struct net *net;
	struct totem_snap s;
};

static LIST_HEAD(totem_ev_queue);
static DEFINE_SPINLOCK(totem_ev_lock);
static unsigned int totem_ev_len;
static bool totem_ev_on;

static void totem_ev_send(struct totem_ev *ev)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		goto lost;
	hdr = genlmsg_put(msg, 0, 0, &totem_genl_family, 0, ev->type);
	if (!hdr || totem_nl_put_sock(msg, &ev->s)) {
		nlmsg_free(msg);
		goto lost;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_multicast_netns(&totem_genl_family, ev->net, msg, 0, 0,
				      GFP_KERNEL);
	if (err && err != -ESRCH)
		goto lost;
	return;
lost:
	totem_count(TOTEM_CTR_EVENTS_LOST);
}

static void totem_ev_work_fn(struct work_struct *work)
{
	struct totem_ev *ev, *tmp;
	unsigned long flags;
	LIST_HEAD(batch);

	spin_lock_irqsave(&totem_ev_lock, flags);
	list_splice_init(&totem_ev_queue, &batch);
	totem_ev_len = 0;
	spin_unlock_irqrestore(&totem_ev_lock, flags);

	list_for_each_entry_safe(ev, tmp, &batch, list) {
		totem_ev_send(ev);
		put_net(ev->net);
		kfree(ev);
	}
}

static DECLARE_WORK(totem_ev_work, totem_ev_work_fn);

void totem_notify(u32 type, struct totem_entry *e, int state)
{
	struct net *net = sock_net(e->sk);
	struct totem_ev *ev;
	unsigned long flags;

	if (!READ_ONCE(totem_ev_on) ||
	    !genl_has_listeners(&totem_genl_family, net, 0))
		return;
	ev = kmalloc(sizeof(*ev), GFP_ATOMIC);
	if (!ev)
		goto lost;
	ev->net = maybe_get_net(net);
	if (!ev->net) {
		kfree(ev);
		return;
	}
	ev->type = type;
	totem_entry_snap(e, &ev->s);
	if (state >= 0)
		ev->s.state = state;

	spin_lock_irqsave(&totem_ev_lock, flags);
	if (totem_ev_len >= TOTEM_EV_QUEUE_MAX) {
		spin_unlock_irqrestore(&totem_ev_lock, flags);
		put_net(ev->net);
		kfree(ev);
		goto lost;
	}
	list_add_tail(&ev->list, &totem_ev_queue);
	totem_ev_len++;
	spin_unlock_irqrestore(&totem_ev_lock, flags);
	schedule_work(&totem_ev_work);
	return;
lost:
	totem_count(TOTEM_CTR_EVENTS_LOST);
}

int totem_netlink_init(void)
{
	int err;

	err = genl_register_family(&totem_genl_family);
	if (err)
		return err;
	WRITE_ONCE(totem_ev_on, true);
	return 0;
}

void totem_netlink_exit(void)
{
	WRITE_ONCE(totem_ev_on, false);
	/* Nothing queues any more (hooks and probes are gone); drain. */
	flush_work(&totem_ev_work);
	totem_ev_work_fn(&totem_ev_work);
	genl_unregister_family(&totem_genl_family);
}
