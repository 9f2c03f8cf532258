// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel module backend: totem.ko's generic netlink family "totem"
 * (kmod/uapi/totem.h, docs/netlink/totem.yaml) through libnl-genl-3.
 *
 *   lookup  SOCK_GET do with the 4-tuple
 *   dump    SOCK_GET dump: the sockets the module tracks in the caller's
 *           network namespace (every socket that connected, listened,
 *           accepted, sent or received an option since the module loaded)
 *   stats   STATS_GET, config CONFIG_GET / CONFIG_SET
 *
 * Errors are the kernel's (negative errno).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "internal.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct kmod_backend {
	struct nl_sock *sk;
	int family;
};

/* One request in flight. */
struct kmod_req {
	int err; /* -errno from the kernel, 0 */
	bool done; /* ACK, error or NLMSG_DONE seen */
	bool stop; /* the dump callback asked to stop */
	int (*fn)(struct nlattr **tb, void *arg); /* per data message */
	void *arg;
	int fn_err;
};

static int kmod_backend_probe(void)
{
	return access("/sys/module/totem", F_OK) ? -ENOENT : 0;
}

static int kmod_backend_open(struct totem *t)
{
	struct kmod_backend *b;
	int one = 1, err;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->sk = nl_socket_alloc();
	if (!b->sk) {
		err = -ENOMEM;
		goto out_free;
	}
	if (genl_connect(b->sk)) {
		err = -ENOTCONN;
		goto out_sock;
	}
	setsockopt(nl_socket_get_fd(b->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	b->family = genl_ctrl_resolve(b->sk, TOTEM_GENL_NAME);
	if (b->family < 0) {
		err = -ENOENT; /* module not loaded */
		goto out_sock;
	}
	t->priv = b;
	return 0;

out_sock:
	nl_socket_free(b->sk);
out_free:
	free(b);
	return err;
}

static void kmod_backend_close(struct totem *t)
{
	struct kmod_backend *b = t->priv;

	if (!b)
		return;
	nl_socket_free(b->sk);
	free(b);
	t->priv = NULL;
}

/*
 * Attribute policies: an attribute shorter than its type is refused with the
 * whole nest, so no nla_get_*() below reads past the end of its attribute.
 * Lengths are the ones kmod/netlink.c puts.
 */
static struct nla_policy msg_policy[TOTEM_A_MAX + 1] = {
	[TOTEM_A_SOCK] = { .type = NLA_NESTED },
	[TOTEM_A_CONFIG] = { .type = NLA_NESTED },
	[TOTEM_A_STATS] = { .type = NLA_NESTED },
};

static struct nla_policy sock_policy[TOTEM_A_SOCK_MAX + 1] = {
	[TOTEM_A_SOCK_FAMILY] = { .type = NLA_U8 },
	[TOTEM_A_SOCK_STATE] = { .type = NLA_U8 },
	[TOTEM_A_SOCK_SADDR] = { .maxlen = 16 },
	[TOTEM_A_SOCK_DADDR] = { .maxlen = 16 },
	[TOTEM_A_SOCK_SPORT] = { .type = NLA_U16 },
	[TOTEM_A_SOCK_DPORT] = { .type = NLA_U16 },
	[TOTEM_A_SOCK_NETNS] = { .type = NLA_U32 },
	[TOTEM_A_SOCK_INODE] = { .type = NLA_U64 },
	[TOTEM_A_SOCK_COOKIE] = { .type = NLA_U64 },
	[TOTEM_A_SOCK_OWNER_PID] = { .type = NLA_U32 },
	[TOTEM_A_SOCK_OWNER_UID] = { .type = NLA_U32 },
	[TOTEM_A_SOCK_OWNER_CGROUP] = { .type = NLA_U64 },
	[TOTEM_A_SOCK_OWNER_FLAGS] = { .type = NLA_U32 },
	[TOTEM_A_SOCK_PEER_PID] = { .type = NLA_U32 },
	[TOTEM_A_SOCK_PEER_HOST] = { .type = NLA_U32 },
	[TOTEM_A_SOCK_PEER_SEQ] = { .type = NLA_U32 },
	[TOTEM_A_SOCK_PEER_FORMAT] = { .type = NLA_U8 },
	[TOTEM_A_SOCK_PEER_SEEN] = { .type = NLA_U8 },
	[TOTEM_A_SOCK_PEER_FLAGS] = { .type = NLA_U8 },
	[TOTEM_A_SOCK_PEER_FIRST_NS] = { .type = NLA_U64 },
	[TOTEM_A_SOCK_PEER_LAST_NS] = { .type = NLA_U64 },
	[TOTEM_A_SOCK_TOA_PORT] = { .type = NLA_U16 },
	[TOTEM_A_SOCK_TOA_KIND] = { .type = NLA_U8 },
};

static struct nla_policy config_policy[TOTEM_A_CONFIG_MAX + 1] = {
	[TOTEM_A_CONFIG_ENABLE] = { .type = NLA_U32 },
	[TOTEM_A_CONFIG_SAMPLE_BYTES] = { .type = NLA_U32 },
	[TOTEM_A_CONFIG_FORMAT4] = { .type = NLA_U32 },
	[TOTEM_A_CONFIG_FORMAT6] = { .type = NLA_U32 },
	[TOTEM_A_CONFIG_HOST_ID] = { .type = NLA_U32 },
	[TOTEM_A_CONFIG_PARSE] = { .type = NLA_U32 },
};

/* Counter i is attribute i + 1, a u64; type 0 is the module's padding. */
static struct nla_policy stats_policy[TOTEM_CTR_MAX + 1] = {
	[1 ... TOTEM_CTR_MAX] = { .type = NLA_U64 },
};

/* A message of the family (reply or event): its top-level attributes. */
int totem_kmod_msg_parse(struct nlmsghdr *nlh, struct nlattr **tb)
{
	return genlmsg_parse(nlh, 0, tb, TOTEM_A_MAX, msg_policy) ? -EINVAL : 0;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[TOTEM_A_MAX + 1];
	struct kmod_req *r = arg;
	int ret;

	if (r->stop || !r->fn)
		return NL_OK;
	if (totem_kmod_msg_parse(nlmsg_hdr(msg), tb))
		return NL_SKIP;
	ret = r->fn(tb, r->arg);
	if (ret < 0)
		r->fn_err = ret;
	if (ret)
		r->stop = true; /* keep reading: the dump must be drained */
	return NL_OK;
}

static int on_err(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct kmod_req *r = arg;

	r->err = e->error;
	r->done = true;
	return NL_STOP;
}

static int on_done(struct nl_msg *msg, void *arg)
{
	((struct kmod_req *)arg)->done = true;
	return NL_STOP;
}

static struct nl_msg *kmod_msg(struct kmod_backend *b, int cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	/* Dumps end with NLMSG_DONE, everything else is ACKed. */
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, b->family, 0,
			 (flags & NLM_F_DUMP ? 0 : NLM_F_ACK) | flags, cmd,
			 TOTEM_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Send @msg (consumed) and read until its ACK, error or end of dump. */
static int kmod_transact(struct kmod_backend *b, struct nl_msg *msg,
			 struct kmod_req *r)
{
	struct nl_cb *cb;
	int err;

	if (!msg)
		return -ENOMEM;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, r);
	nl_cb_err(cb, NL_CB_CUSTOM, on_err, r);
	err = nl_send_auto(b->sk, msg);
	nlmsg_free(msg);
	while (err >= 0 && !r->done)
		err = nl_recvmsgs(b->sk, cb);
	nl_cb_put(cb);
	if (r->err)
		return r->err;
	if (err < 0)
		return -EIO;
	return r->fn_err;
}

/* TOTEM_A_SOCK nest -> struct totem_sock (engine_kmod.c uses it too). */
int totem_kmod_sock_parse(struct nlattr *nest, struct totem_sock *s)
{
	struct nlattr *tb[TOTEM_A_SOCK_MAX + 1];
	struct totem_sock_record *r = &s->rec;
	struct nlattr *a;

	memset(s, 0, sizeof(*s));
	if (!nest || nla_parse_nested(tb, TOTEM_A_SOCK_MAX, nest, sock_policy) ||
	    !tb[TOTEM_A_SOCK_FAMILY])
		return -EINVAL;
	s->family = nla_get_u8(tb[TOTEM_A_SOCK_FAMILY]);
	if (tb[TOTEM_A_SOCK_STATE])
		s->state = nla_get_u8(tb[TOTEM_A_SOCK_STATE]);
	if ((a = tb[TOTEM_A_SOCK_SADDR]) && nla_len(a) <= 16)
		memcpy(s->saddr, nla_data(a), nla_len(a));
	if ((a = tb[TOTEM_A_SOCK_DADDR]) && nla_len(a) <= 16)
		memcpy(s->daddr, nla_data(a), nla_len(a));
	if (tb[TOTEM_A_SOCK_SPORT])
		s->sport = ntohs(nla_get_u16(tb[TOTEM_A_SOCK_SPORT]));
	if (tb[TOTEM_A_SOCK_DPORT])
		s->dport = ntohs(nla_get_u16(tb[TOTEM_A_SOCK_DPORT]));
	if (tb[TOTEM_A_SOCK_NETNS])
		s->netns = nla_get_u32(tb[TOTEM_A_SOCK_NETNS]);
	if (tb[TOTEM_A_SOCK_INODE])
		s->inode = nla_get_u64(tb[TOTEM_A_SOCK_INODE]);
	if (tb[TOTEM_A_SOCK_COOKIE])
		s->cookie = nla_get_u64(tb[TOTEM_A_SOCK_COOKIE]);

	if (tb[TOTEM_A_SOCK_OWNER_PID])
		r->owner.tgid = nla_get_u32(tb[TOTEM_A_SOCK_OWNER_PID]);
	if (tb[TOTEM_A_SOCK_OWNER_UID])
		r->owner.uid = nla_get_u32(tb[TOTEM_A_SOCK_OWNER_UID]);
	if (tb[TOTEM_A_SOCK_OWNER_CGROUP])
		r->owner.cgroup_id = nla_get_u64(tb[TOTEM_A_SOCK_OWNER_CGROUP]);
	if (tb[TOTEM_A_SOCK_OWNER_COMM])
		snprintf(r->owner.comm, sizeof(r->owner.comm), "%.*s",
			 nla_len(tb[TOTEM_A_SOCK_OWNER_COMM]),
			 (char *)nla_data(tb[TOTEM_A_SOCK_OWNER_COMM]));
	if (tb[TOTEM_A_SOCK_OWNER_FLAGS])
		r->owner.flags = nla_get_u32(tb[TOTEM_A_SOCK_OWNER_FLAGS]);

	if (tb[TOTEM_A_SOCK_PEER_FORMAT]) {
		r->peer.format = nla_get_u8(tb[TOTEM_A_SOCK_PEER_FORMAT]);
		if (tb[TOTEM_A_SOCK_PEER_PID])
			r->peer.pid = nla_get_u32(tb[TOTEM_A_SOCK_PEER_PID]);
		if (tb[TOTEM_A_SOCK_PEER_HOST])
			r->peer.host_id = nla_get_u32(tb[TOTEM_A_SOCK_PEER_HOST]);
		if ((a = tb[TOTEM_A_SOCK_PEER_ADDR]) &&
		    (nla_len(a) == 4 || nla_len(a) == 16)) {
			memcpy(r->peer.addr, nla_data(a), nla_len(a));
			r->peer.family = nla_len(a) == 4 ? AF_INET : AF_INET6;
		}
		if (tb[TOTEM_A_SOCK_PEER_SEQ])
			r->peer.seq = nla_get_u32(tb[TOTEM_A_SOCK_PEER_SEQ]);
		if (tb[TOTEM_A_SOCK_PEER_SEEN])
			r->peer.seen = nla_get_u8(tb[TOTEM_A_SOCK_PEER_SEEN]);
		if (tb[TOTEM_A_SOCK_PEER_FLAGS])
			r->peer.flags = nla_get_u8(tb[TOTEM_A_SOCK_PEER_FLAGS]);
		if (tb[TOTEM_A_SOCK_PEER_FIRST_NS])
			r->peer.first_ns = nla_get_u64(tb[TOTEM_A_SOCK_PEER_FIRST_NS]);
		if (tb[TOTEM_A_SOCK_PEER_LAST_NS])
			r->peer.last_ns = nla_get_u64(tb[TOTEM_A_SOCK_PEER_LAST_NS]);
	}
	if ((a = tb[TOTEM_A_SOCK_TOA_ADDR]) && (nla_len(a) == 4 || nla_len(a) == 16)) {
		memcpy(r->toa.addr, nla_data(a), nla_len(a));
		r->toa.family = nla_len(a) == 4 ? AF_INET : AF_INET6;
		if (tb[TOTEM_A_SOCK_TOA_PORT])
			r->toa.port = nla_get_u16(tb[TOTEM_A_SOCK_TOA_PORT]);
		if (tb[TOTEM_A_SOCK_TOA_KIND])
			r->toa.kind = nla_get_u8(tb[TOTEM_A_SOCK_TOA_KIND]);
	}
	return 0;
}

struct dump_arg {
	totem_sock_cb cb;
	void *arg;
	struct totem_sock *out;
};

static int dump_one(struct nlattr **tb, void *arg)
{
	struct dump_arg *d = arg;
	struct totem_sock s;

	if (totem_kmod_sock_parse(tb[TOTEM_A_SOCK], &s))
		return 0;
	if (d->out) {
		*d->out = s;
		return 0;
	}
	return d->cb(&s, d->arg);
}

static int kmod_backend_dump(struct totem *t, totem_sock_cb cb, void *arg)
{
	struct kmod_backend *b = t->priv;
	struct dump_arg d = { .cb = cb, .arg = arg };
	struct kmod_req r = { .fn = dump_one, .arg = &d };
	int err;

	err = kmod_transact(b, kmod_msg(b, TOTEM_CMD_SOCK_GET, NLM_F_DUMP), &r);
	return err > 0 ? 0 : err;
}

static int kmod_backend_lookup(struct totem *t, const struct totem_sock *key,
			       struct totem_sock *out)
{
	struct kmod_backend *b = t->priv;
	struct dump_arg d = { .out = out };
	struct kmod_req r = { .fn = dump_one, .arg = &d };
	unsigned int alen = key->family == AF_INET ? 4 : 16;
	struct nl_msg *msg = kmod_msg(b, TOTEM_CMD_SOCK_GET, 0);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, TOTEM_A_SOCK | NLA_F_NESTED);
	if (!nest || nla_put_u8(msg, TOTEM_A_SOCK_FAMILY, key->family) ||
	    nla_put(msg, TOTEM_A_SOCK_SADDR, alen, key->saddr) ||
	    nla_put(msg, TOTEM_A_SOCK_DADDR, alen, key->daddr) ||
	    nla_put_u16(msg, TOTEM_A_SOCK_SPORT, htons(key->sport)) ||
	    nla_put_u16(msg, TOTEM_A_SOCK_DPORT, htons(key->dport))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	memset(out, 0, sizeof(*out));
	return kmod_transact(b, msg, &r);
}

/* TOTEM_A_STATS nest -> TOTEM_CTR_MAX counters (0 for those missing). */
int totem_kmod_stats_parse(struct nlattr *nest, __u64 *counters)
{
	struct nlattr *st[TOTEM_CTR_MAX + 1];
	int i;

	if (!nest || nla_parse_nested(st, TOTEM_CTR_MAX, nest, stats_policy))
		return -EPROTO;
	for (i = 0; i < TOTEM_CTR_MAX; i++)
		counters[i] = st[i + 1] ? nla_get_u64(st[i + 1]) : 0;
	return 0;
}

static int stats_one(struct nlattr **tb, void *arg)
{
	return totem_kmod_stats_parse(tb[TOTEM_A_STATS], arg);
}

static int kmod_backend_stats(struct totem *t, __u64 *counters)
{
	struct kmod_backend *b = t->priv;
	struct kmod_req r = { .fn = stats_one, .arg = counters };

	memset(counters, 0, sizeof(__u64) * TOTEM_CTR_MAX);
	return kmod_transact(b, kmod_msg(b, TOTEM_CMD_STATS_GET, 0), &r);
}

/* TOTEM_A_CONFIG nest -> the fields of @cfg it carries. */
int totem_kmod_config_parse(struct nlattr *nest, struct totem_config *cfg)
{
	struct nlattr *c[TOTEM_A_CONFIG_MAX + 1];

	if (!nest || nla_parse_nested(c, TOTEM_A_CONFIG_MAX, nest, config_policy))
		return -EPROTO;
#define GET(attr, field)                                   \
	do {                                               \
		if (c[attr])                               \
			cfg->field = nla_get_u32(c[attr]); \
	} while (0)
	GET(TOTEM_A_CONFIG_ENABLE, enable);
	GET(TOTEM_A_CONFIG_SAMPLE_BYTES, sample_bytes);
	GET(TOTEM_A_CONFIG_FORMAT4, format4);
	GET(TOTEM_A_CONFIG_FORMAT6, format6);
	GET(TOTEM_A_CONFIG_HOST_ID, host_id);
	GET(TOTEM_A_CONFIG_PARSE, parse);
#undef GET
	return 0;
}

static int config_one(struct nlattr **tb, void *arg)
{
	return totem_kmod_config_parse(tb[TOTEM_A_CONFIG], arg);
}

static int kmod_backend_config_get(struct totem *t, struct totem_config *cfg)
{
	struct kmod_backend *b = t->priv;
	struct kmod_req r = { .fn = config_one, .arg = cfg };

	memset(cfg, 0, sizeof(*cfg));
	return kmod_transact(b, kmod_msg(b, TOTEM_CMD_CONFIG_GET, 0), &r);
}

static int kmod_backend_config_set(struct totem *t, const struct totem_config *cfg)
{
	struct kmod_backend *b = t->priv;
	struct totem_config now;
	struct kmod_req r = { .fn = config_one, .arg = &now };
	struct nl_msg *msg = kmod_msg(b, TOTEM_CMD_CONFIG_SET, 0);
	struct nlattr *nest;

	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, TOTEM_A_CONFIG | NLA_F_NESTED);
	if (!nest ||
	    nla_put_u32(msg, TOTEM_A_CONFIG_ENABLE, cfg->enable) ||
	    nla_put_u32(msg, TOTEM_A_CONFIG_SAMPLE_BYTES, cfg->sample_bytes) ||
	    nla_put_u32(msg, TOTEM_A_CONFIG_FORMAT4, cfg->format4) ||
	    nla_put_u32(msg, TOTEM_A_CONFIG_FORMAT6, cfg->format6) ||
	    nla_put_u32(msg, TOTEM_A_CONFIG_HOST_ID, cfg->host_id) ||
	    nla_put_u32(msg, TOTEM_A_CONFIG_PARSE, cfg->parse)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return kmod_transact(b, msg, &r);
}

const struct totem_backend_ops totem_kmod_ops = {
	.name = "kmod",
	.probe = kmod_backend_probe,
	.open = kmod_backend_open,
	.close = kmod_backend_close,
	.lookup = kmod_backend_lookup,
	.dump = kmod_backend_dump,
	.stats = kmod_backend_stats,
	.config_get = kmod_backend_config_get,
	.config_set = kmod_backend_config_set,
};
