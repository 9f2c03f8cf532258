// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family of totem.ko, spoken directly (libnl-genl, no
 * libtotem), as a foreign agent would: resolve the family, read and write
 * the config (privileged, unprivileged, malformed), read the counters, look
 * up and dump sockets of a loopback connection this process owns, check
 * namespace isolation and the "events" multicast group.
 *
 * Needs totem.ko loaded (tests/kmod/genl.sh does it) and root; skips
 * otherwise.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "kselftest_harness.h"
#include "totem.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* What one request got back. */
struct reply {
	int err; /* errno of the NLMSG_ERROR, 0 if none */
	char extack[256]; /* the extack message, if any */
	int nmsgs; /* data messages seen */
	struct nlattr *attrs[TOTEM_A_MAX + 1];
	struct nl_msg *last; /* the last data message (held) */
	/* SOCK_GET dumps: how many sockets matched what we look for */
	__u16 want_port;
	__u32 want_pid;
	int n_match, n_other_pid;
	bool done; /* ACK, error or end of dump seen */
};

static int on_err(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct reply *r = arg;
	unsigned int off;
	struct nlattr *a;
	int rem;

	r->err = -e->error;
	r->done = true;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	a = (struct nlattr *)((char *)e + NLMSG_ALIGN(off));
	rem = nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(off);
	for (; nla_ok(a, rem); a = nla_next(a, &rem))
		if (nla_type(a) == NLMSGERR_ATTR_MSG)
			snprintf(r->extack, sizeof(r->extack), "%s",
				 (char *)nla_data(a));
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	((struct reply *)arg)->done = true;
	return NL_STOP;
}

static void sock_match(struct reply *r, struct nlattr *sock)
{
	struct nlattr *tb[TOTEM_A_SOCK_MAX + 1];
	__u16 sp, dp;

	if (nla_parse_nested(tb, TOTEM_A_SOCK_MAX, sock, NULL) ||
	    !tb[TOTEM_A_SOCK_SPORT] || !tb[TOTEM_A_SOCK_OWNER_PID])
		return;
	sp = ntohs(nla_get_u16(tb[TOTEM_A_SOCK_SPORT]));
	dp = ntohs(nla_get_u16(tb[TOTEM_A_SOCK_DPORT]));
	if (r->want_pid && nla_get_u32(tb[TOTEM_A_SOCK_OWNER_PID]) != r->want_pid)
		r->n_other_pid++;
	if (sp == r->want_port || dp == r->want_port)
		r->n_match++;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct reply *r = arg;
	struct nlattr *tb[TOTEM_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, TOTEM_A_MAX, NULL))
		return NL_SKIP;
	r->nmsgs++;
	if (tb[TOTEM_A_SOCK])
		sock_match(r, tb[TOTEM_A_SOCK]);
	if (r->last)
		nlmsg_free(r->last);
	nlmsg_get(msg);
	r->last = msg;
	genlmsg_parse(nlmsg_hdr(msg), 0, r->attrs, TOTEM_A_MAX, NULL);
	return NL_OK;
}

static void reply_free(struct reply *r)
{
	if (r->last)
		nlmsg_free(r->last);
	memset(r, 0, sizeof(*r));
}

static struct nl_sock *nl_open(int *family)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	if (!sk)
		return NULL;
	if (genl_connect(sk)) {
		nl_socket_free(sk);
		return NULL;
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	*family = genl_ctrl_resolve(sk, TOTEM_GENL_NAME);
	if (*family < 0) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

/* Send @msg, collect everything until the ACK/error/DONE into @r. */
static int transact(struct nl_sock *sk, struct nl_msg *msg, struct reply *r)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int err;

	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_ack, r);
	nl_cb_err(cb, NL_CB_CUSTOM, on_err, r);
	err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	/* A reply and its ACK may come in separate reads. */
	while (err >= 0 && !r->done)
		err = nl_recvmsgs(sk, cb);
	nl_cb_put(cb);
	return err;
}

static struct nl_msg *req(int family, int cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	/* Dumps end with NLMSG_DONE; everything else is ACKed. */
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
		    (flags & NLM_F_DUMP ? 0 : NLM_F_ACK) | flags, cmd,
		    TOTEM_GENL_VERSION);
	return msg;
}

static __u32 config_key(struct reply *r, int key)
{
	struct nlattr *tb[TOTEM_A_CONFIG_MAX + 1];

	if (!r->attrs[TOTEM_A_CONFIG] ||
	    nla_parse_nested(tb, TOTEM_A_CONFIG_MAX, r->attrs[TOTEM_A_CONFIG], NULL) ||
	    !tb[key])
		return 0xdeadbeef;
	return nla_get_u32(tb[key]);
}

static int config_set(struct nl_sock *sk, int family, int key, __u32 val,
		      struct reply *r)
{
	struct nl_msg *msg = req(family, TOTEM_CMD_CONFIG_SET, 0);
	struct nlattr *nest = nla_nest_start(msg, TOTEM_A_CONFIG | NLA_F_NESTED);

	nla_put_u32(msg, key, val);
	nla_nest_end(msg, nest);
	return transact(sk, msg, r);
}

/*
 * A loopback connection owned by this process, to a listener on 127.0.0.1
 * (@lfamily AF_INET) or a dual-stack one on [::] (AF_INET6), from a client
 * of @cfamily: an IPv4 client of the dual-stack listener gets an accepted
 * socket that is IPv6 with v4-mapped addresses.  l: the listener's address,
 * c and a: the client's and the accepted socket's own.
 */
union sa {
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
	struct sockaddr_storage ss;
};

struct conn {
	int lfd, cfd, afd;
	union sa l, c, a;
};

static __u16 sa_port(const union sa *s)
{
	return s->ss.ss_family == AF_INET6 ? s->v6.sin6_port : s->v4.sin_port;
}

static int conn_open_to(struct conn *k, int lfamily, int cfamily)
{
	socklen_t len = sizeof(k->l);
	union sa to = {};
	int off = 0;

	memset(&k->l, 0, sizeof(k->l));
	k->lfd = socket(lfamily, SOCK_STREAM, 0);
	if (lfamily == AF_INET6) {
		k->l.v6.sin6_family = AF_INET6;
		k->l.v6.sin6_addr = in6addr_any;
		if (setsockopt(k->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)))
			return -1;
	} else {
		k->l.v4.sin_family = AF_INET;
		k->l.v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	if (bind(k->lfd, (void *)&k->l, len) || listen(k->lfd, 8) ||
	    getsockname(k->lfd, (void *)&k->l, &len))
		return -1;
	if (cfamily == AF_INET6) {
		to.v6.sin6_family = AF_INET6;
		to.v6.sin6_addr = in6addr_loopback;
		to.v6.sin6_port = sa_port(&k->l);
	} else {
		to.v4.sin_family = AF_INET;
		to.v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		to.v4.sin_port = sa_port(&k->l);
	}
	k->cfd = socket(cfamily, SOCK_STREAM, 0);
	if (connect(k->cfd, (void *)&to, sizeof(to)))
		return -1;
	k->afd = accept(k->lfd, NULL, NULL);
	len = sizeof(k->c);
	if (k->afd < 0 || getsockname(k->cfd, (void *)&k->c, &len))
		return -1;
	len = sizeof(k->a);
	if (getsockname(k->afd, (void *)&k->a, &len))
		return -1;
	/* Data both ways: the first data segment carries the option. */
	if (write(k->cfd, "ping", 4) != 4 || write(k->afd, "pong", 4) != 4)
		return -1;
	return 0;
}

static int conn_open(struct conn *k)
{
	return conn_open_to(k, AF_INET, AF_INET);
}

static void conn_close(struct conn *k)
{
	close(k->cfd);
	close(k->afd);
	close(k->lfd);
}

/* SOCK_GET do for @af addresses (@alen bytes each), ports in network order. */
static struct nl_msg *sock_req_addr(int family, __u8 af, const void *saddr,
				    const void *daddr, __u16 sport, __u16 dport)
{
	struct nl_msg *msg = req(family, TOTEM_CMD_SOCK_GET, 0);
	struct nlattr *nest = nla_nest_start(msg, TOTEM_A_SOCK | NLA_F_NESTED);
	int alen = af == AF_INET ? 4 : 16;

	nla_put_u8(msg, TOTEM_A_SOCK_FAMILY, af);
	nla_put(msg, TOTEM_A_SOCK_SADDR, alen, saddr);
	nla_put(msg, TOTEM_A_SOCK_DADDR, alen, daddr);
	nla_put_u16(msg, TOTEM_A_SOCK_SPORT, sport);
	nla_put_u16(msg, TOTEM_A_SOCK_DPORT, dport);
	nla_nest_end(msg, nest);
	return msg;
}

static int sock_attrs(struct reply *r, struct nlattr **tb)
{
	if (!r->attrs[TOTEM_A_SOCK])
		return -1;
	return nla_parse_nested(tb, TOTEM_A_SOCK_MAX, r->attrs[TOTEM_A_SOCK], NULL);
}

/*
 * SOCK_GET do, asked again until the answer has a peer (the peer's option
 * lands in softirq, after connect() returned): 0 and its attributes in
 * @tb, or the error.  @r holds the reply for the caller to free.
 */
static int sock_get_peer(struct nl_sock *sk, int family, __u8 af,
			 const void *saddr, const void *daddr, __u16 sport,
			 __u16 dport, struct reply *r, struct nlattr **tb)
{
	int i, err;

	for (i = 0; i < 100; i++) {
		reply_free(r);
		err = transact(sk, sock_req_addr(family, af, saddr, daddr, sport, dport), r);
		if (err || r->err)
			return err ? err : -r->err;
		if (sock_attrs(r, tb))
			return -EBADMSG;
		if (tb[TOTEM_A_SOCK_PEER_PID])
			return 0;
		usleep(20000);
	}
	return 0;
}

FIXTURE(genl)
{
	struct nl_sock *sk;
	int family;
	struct totem_config saved;
};

FIXTURE_SETUP(genl)
{
	struct reply r = {};

	if (geteuid())
		SKIP(return, "needs root");
	self->sk = nl_open(&self->family);
	if (!self->sk)
		SKIP(return, "generic netlink family \"totem\" not found (module not loaded)");
	ASSERT_EQ(0, transact(self->sk, req(self->family, TOTEM_CMD_CONFIG_GET, 0), &r));
	self->saved.enable = config_key(&r, TOTEM_A_CONFIG_ENABLE);
	self->saved.sample_bytes = config_key(&r, TOTEM_A_CONFIG_SAMPLE_BYTES);
	self->saved.format4 = config_key(&r, TOTEM_A_CONFIG_FORMAT4);
	reply_free(&r);
}

FIXTURE_TEARDOWN(genl)
{
	struct reply r = {};

	if (!self->sk)
		return;
	config_set(self->sk, self->family, TOTEM_A_CONFIG_ENABLE, self->saved.enable, &r);
	reply_free(&r);
	config_set(self->sk, self->family, TOTEM_A_CONFIG_SAMPLE_BYTES,
		   self->saved.sample_bytes, &r);
	reply_free(&r);
	config_set(self->sk, self->family, TOTEM_A_CONFIG_FORMAT4, self->saved.format4, &r);
	reply_free(&r);
	nl_socket_free(self->sk);
}

TEST_F(genl, config_get_has_every_key)
{
	struct reply r = {};
	int k;

	ASSERT_EQ(0, transact(self->sk, req(self->family, TOTEM_CMD_CONFIG_GET, 0), &r));
	ASSERT_EQ(0, r.err);
	for (k = 1; k <= TOTEM_A_CONFIG_MAX; k++)
		EXPECT_NE(0xdeadbeef, config_key(&r, k))
		TH_LOG("config key %d missing", k);
	EXPECT_NE(0, config_key(&r, TOTEM_A_CONFIG_FORMAT4));
	reply_free(&r);
}

TEST_F(genl, config_set_roundtrip)
{
	struct reply r = {};

	ASSERT_EQ(0, config_set(self->sk, self->family, TOTEM_A_CONFIG_SAMPLE_BYTES, 4242, &r));
	ASSERT_EQ(0, r.err);
	/* The reply is the whole new configuration. */
	EXPECT_EQ(4242, config_key(&r, TOTEM_A_CONFIG_SAMPLE_BYTES));
	EXPECT_EQ(self->saved.enable, config_key(&r, TOTEM_A_CONFIG_ENABLE));
	reply_free(&r);
	ASSERT_EQ(0, transact(self->sk, req(self->family, TOTEM_CMD_CONFIG_GET, 0), &r));
	EXPECT_EQ(4242, config_key(&r, TOTEM_A_CONFIG_SAMPLE_BYTES));
	reply_free(&r);
}

TEST_F(genl, config_set_bad_value_einval_extack)
{
	struct reply r = {};

	config_set(self->sk, self->family, TOTEM_A_CONFIG_FORMAT4, 3, &r);
	EXPECT_EQ(EINVAL, r.err);
	EXPECT_NE(NULL, strstr(r.extack, "format4"))
	TH_LOG("extack: '%s'", r.extack);
	reply_free(&r);
	/* Nothing was applied. */
	ASSERT_EQ(0, transact(self->sk, req(self->family, TOTEM_CMD_CONFIG_GET, 0), &r));
	EXPECT_EQ(self->saved.format4, config_key(&r, TOTEM_A_CONFIG_FORMAT4));
	reply_free(&r);
}

TEST_F(genl, strict_policy_rejects_unknown_attribute)
{
	struct nl_msg *msg = req(self->family, TOTEM_CMD_CONFIG_SET, 0);
	struct reply r = {};
	struct nlattr *nest = nla_nest_start(msg, TOTEM_A_CONFIG | NLA_F_NESTED);

	nla_put_u32(msg, TOTEM_A_CONFIG_MAX + 1, 1);
	nla_nest_end(msg, nest);
	transact(self->sk, msg, &r);
	EXPECT_EQ(EINVAL, r.err);
	EXPECT_NE(0, r.extack[0])
	TH_LOG("no extack message");
	reply_free(&r);

	/* CONFIG_GET takes no attributes at all. */
	msg = req(self->family, TOTEM_CMD_CONFIG_GET, 0);
	nla_put_u32(msg, TOTEM_A_SOCK, 1);
	transact(self->sk, msg, &r);
	EXPECT_EQ(EINVAL, r.err);
	reply_free(&r);
}

TEST_F(genl, config_set_unprivileged_eperm)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct reply r = {};
		struct nl_sock *sk;
		int family;

		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		sk = nl_open(&family);
		if (!sk)
			_exit(11);
		config_set(sk, family, TOTEM_A_CONFIG_SAMPLE_BYTES, 1, &r);
		_exit(r.err == EPERM ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(genl, stats_has_every_counter)
{
	struct nlattr *tb[TOTEM_CTR_MAX + 1];
	struct reply r = {};
	int i;

	ASSERT_EQ(0, transact(self->sk, req(self->family, TOTEM_CMD_STATS_GET, 0), &r));
	ASSERT_NE(NULL, r.attrs[TOTEM_A_STATS]);
	ASSERT_EQ(0, nla_parse_nested(tb, TOTEM_CTR_MAX, r.attrs[TOTEM_A_STATS], NULL));
	for (i = 1; i <= TOTEM_CTR_MAX; i++)
		EXPECT_NE(NULL, tb[i])
		TH_LOG("counter %d missing", i - 1);
	reply_free(&r);
}

TEST_F(genl, sock_get_do_and_dump)
{
	struct nlattr *tb[TOTEM_A_SOCK_MAX + 1];
	struct reply r = {};
	struct nl_msg *msg;
	struct nlattr *nest;
	struct conn k;
	__u32 me = getpid();

	ASSERT_EQ(0, conn_open(&k));
	/* The client socket: local = c, remote = l. */
	ASSERT_EQ(0, sock_get_peer(self->sk, self->family, AF_INET, &k.c.v4.sin_addr,
				   &k.l.v4.sin_addr, k.c.v4.sin_port, k.l.v4.sin_port, &r, tb))
	TH_LOG("lookup: %s (%s)", strerror(r.err), r.extack);
	EXPECT_EQ(me, nla_get_u32(tb[TOTEM_A_SOCK_OWNER_PID]));
	EXPECT_EQ(TOTEM_OWNER_F_CONNECT | 0,
		  nla_get_u32(tb[TOTEM_A_SOCK_OWNER_FLAGS]) & ~TOTEM_OWNER_F_SENDER);
	/* Over loopback the peer is this process too (accepted socket). */
	ASSERT_NE(NULL, tb[TOTEM_A_SOCK_PEER_PID]);
	EXPECT_EQ(me, nla_get_u32(tb[TOTEM_A_SOCK_PEER_PID]));
	EXPECT_EQ(TOTEM_FMT_V1, nla_get_u8(tb[TOTEM_A_SOCK_PEER_FORMAT]));
	EXPECT_TRUE(nla_get_u8(tb[TOTEM_A_SOCK_PEER_SEEN]) & TOTEM_SEG_SYNACK);
	EXPECT_EQ(1 /* TCP_ESTABLISHED */, nla_get_u8(tb[TOTEM_A_SOCK_STATE]));
	reply_free(&r);

	/* Unknown 4-tuple: ENOENT with a message. */
	k.l.v4.sin_port = htons(ntohs(k.l.v4.sin_port) ^ 0x4000);
	transact(self->sk,
		 sock_req_addr(self->family, AF_INET, &k.c.v4.sin_addr, &k.l.v4.sin_addr,
			       k.c.v4.sin_port, k.l.v4.sin_port),
		 &r);
	EXPECT_EQ(ENOENT, r.err);
	EXPECT_NE(0, r.extack[0]);
	reply_free(&r);
	k.l.v4.sin_port = htons(ntohs(k.l.v4.sin_port) ^ 0x4000);

	/* Dump filtered by our PID: listener, client and accepted socket. */
	msg = req(self->family, TOTEM_CMD_SOCK_GET, NLM_F_DUMP);
	nest = nla_nest_start(msg, TOTEM_A_SOCK | NLA_F_NESTED);
	nla_put_u32(msg, TOTEM_A_SOCK_OWNER_PID, me);
	nla_nest_end(msg, nest);
	r.want_port = ntohs(k.l.v4.sin_port);
	r.want_pid = me;
	ASSERT_LE(0, transact(self->sk, msg, &r));
	EXPECT_EQ(0, r.err);
	EXPECT_EQ(3, r.n_match);
	EXPECT_EQ(0, r.n_other_pid);
	reply_free(&r);

	/* Dump filtered by port: the same three, whoever owns them. */
	msg = req(self->family, TOTEM_CMD_SOCK_GET, NLM_F_DUMP);
	nest = nla_nest_start(msg, TOTEM_A_SOCK | NLA_F_NESTED);
	nla_put_u16(msg, TOTEM_A_SOCK_SPORT, k.l.v4.sin_port);
	nla_nest_end(msg, nest);
	r.want_port = ntohs(k.l.v4.sin_port);
	ASSERT_LE(0, transact(self->sk, msg, &r));
	EXPECT_EQ(3, r.nmsgs);
	EXPECT_EQ(3, r.n_match);
	reply_free(&r);

	/* A bad family is EINVAL with a message. */
	msg = req(self->family, TOTEM_CMD_SOCK_GET, 0);
	nest = nla_nest_start(msg, TOTEM_A_SOCK | NLA_F_NESTED);
	nla_put_u8(msg, TOTEM_A_SOCK_FAMILY, 7);
	nla_put(msg, TOTEM_A_SOCK_SADDR, 4, &k.c.v4.sin_addr);
	nla_put(msg, TOTEM_A_SOCK_DADDR, 4, &k.l.v4.sin_addr);
	nla_put_u16(msg, TOTEM_A_SOCK_SPORT, k.c.v4.sin_port);
	nla_put_u16(msg, TOTEM_A_SOCK_DPORT, k.l.v4.sin_port);
	nla_nest_end(msg, nest);
	transact(self->sk, msg, &r);
	EXPECT_EQ(EINVAL, r.err);
	EXPECT_NE(NULL, strstr(r.extack, "family"))
	TH_LOG("extack: '%s'", r.extack);
	reply_free(&r);
	conn_close(&k);
}

/* This process's comm, as the kernel has it. */
static void self_comm(char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/comm", "r");

	buf[0] = 0;
	if (f) {
		if (fgets(buf, size, f))
			buf[strcspn(buf, "\n")] = 0;
		fclose(f);
	}
}

/*
 * Lookups by every form of address the module answers: IPv6 (the peer's
 * address put back together from the socket's /64 and the option's IID),
 * a v4-mapped socket asked as IPv4 and as ::ffff:a.b.c.d, and a listener
 * (remote port 0).  The owner's uid and comm come with each answer.
 */
TEST_F(genl, sock_get_v6_mapped_listener)
{
	struct nlattr *tb[TOTEM_A_SOCK_MAX + 1];
	struct in6_addr any = in6addr_any, lo6 = in6addr_loopback, m_l, m_r;
	struct reply r = {};
	struct conn k;
	__u32 me = getpid();
	struct stat st;
	char comm[32];

	self_comm(comm, sizeof(comm));
	ASSERT_EQ(0, conn_open_to(&k, AF_INET6, AF_INET6));
	ASSERT_EQ(0, sock_get_peer(self->sk, self->family, AF_INET6, &lo6, &lo6,
				   k.c.v6.sin6_port, k.l.v6.sin6_port, &r, tb))
	TH_LOG("v6 lookup: %s (%s)", strerror(r.err), r.extack);
	EXPECT_EQ(AF_INET6, nla_get_u8(tb[TOTEM_A_SOCK_FAMILY]));
	EXPECT_EQ(me, nla_get_u32(tb[TOTEM_A_SOCK_OWNER_PID]));
	ASSERT_NE(NULL, tb[TOTEM_A_SOCK_OWNER_UID]);
	EXPECT_EQ(getuid(), nla_get_u32(tb[TOTEM_A_SOCK_OWNER_UID]));
	ASSERT_NE(NULL, tb[TOTEM_A_SOCK_OWNER_COMM]);
	EXPECT_STREQ(comm, nla_get_string(tb[TOTEM_A_SOCK_OWNER_COMM]));
	ASSERT_NE(NULL, tb[TOTEM_A_SOCK_PEER_PID]);
	EXPECT_EQ(me, nla_get_u32(tb[TOTEM_A_SOCK_PEER_PID]));
	EXPECT_EQ(TOTEM_FMT_V6, nla_get_u8(tb[TOTEM_A_SOCK_PEER_FORMAT]));
	ASSERT_NE(NULL, tb[TOTEM_A_SOCK_PEER_ADDR]);
	ASSERT_EQ(16, nla_len(tb[TOTEM_A_SOCK_PEER_ADDR]));
	EXPECT_EQ(0, memcmp(&lo6, nla_data(tb[TOTEM_A_SOCK_PEER_ADDR]), 16));
	reply_free(&r);

	/* The listener: remote address any, remote port 0. */
	ASSERT_EQ(0, transact(self->sk,
			      sock_req_addr(self->family, AF_INET6, &any, &any,
					    k.l.v6.sin6_port, 0),
			      &r));
	ASSERT_EQ(0, r.err)
	TH_LOG("listener lookup: %s (%s)", strerror(r.err), r.extack);
	ASSERT_EQ(0, sock_attrs(&r, tb));
	EXPECT_EQ(10 /* TCP_LISTEN */, nla_get_u8(tb[TOTEM_A_SOCK_STATE]));
	EXPECT_EQ(me, nla_get_u32(tb[TOTEM_A_SOCK_OWNER_PID]));
	reply_free(&r);

	/* No listener on the port next to it. */
	transact(self->sk,
		 sock_req_addr(self->family, AF_INET6, &any, &any,
			       htons(ntohs(k.l.v6.sin6_port) ^ 0x4000), 0),
		 &r);
	EXPECT_EQ(ENOENT, r.err);
	reply_free(&r);
	conn_close(&k);

	/* An IPv4 client: the accepted socket is IPv6, v4-mapped. */
	ASSERT_EQ(0, conn_open_to(&k, AF_INET6, AF_INET));
	ASSERT_EQ(AF_INET6, k.a.v6.sin6_family);
	ASSERT_EQ(0, transact(self->sk,
			      sock_req_addr(self->family, AF_INET, &k.c.v4.sin_addr,
					    &k.c.v4.sin_addr, k.a.v6.sin6_port,
					    k.c.v4.sin_port),
			      &r));
	ASSERT_EQ(0, r.err)
	TH_LOG("v4 lookup of a v4-mapped socket: %s (%s)", strerror(r.err), r.extack);
	ASSERT_EQ(0, sock_attrs(&r, tb));
	EXPECT_EQ(AF_INET6, nla_get_u8(tb[TOTEM_A_SOCK_FAMILY]));
	EXPECT_EQ(me, nla_get_u32(tb[TOTEM_A_SOCK_OWNER_PID]));
	ASSERT_EQ(0, fstat(k.afd, &st));
	ASSERT_NE(NULL, tb[TOTEM_A_SOCK_INODE]);
	EXPECT_EQ((__u64)st.st_ino, nla_get_u64(tb[TOTEM_A_SOCK_INODE]));
	reply_free(&r);
	/* ... and as the socket says it: ::ffff:127.0.0.1 both ends. */
	m_l = k.a.v6.sin6_addr;
	m_r = k.a.v6.sin6_addr;
	ASSERT_EQ(0, transact(self->sk,
			      sock_req_addr(self->family, AF_INET6, &m_l, &m_r,
					    k.a.v6.sin6_port, k.c.v4.sin_port),
			      &r));
	ASSERT_EQ(0, r.err)
	TH_LOG("v4-mapped lookup: %s (%s)", strerror(r.err), r.extack);
	ASSERT_EQ(0, sock_attrs(&r, tb));
	EXPECT_EQ((__u64)st.st_ino, nla_get_u64(tb[TOTEM_A_SOCK_INODE]));
	reply_free(&r);
	conn_close(&k);
}

TEST_F(genl, dump_sees_only_own_netns)
{
	struct conn k;
	int status;
	pid_t pid;

	ASSERT_EQ(0, conn_open(&k));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct reply r = {};
		struct nl_sock *sk;
		struct nl_msg *msg;
		int family;

		if (unshare(CLONE_NEWNET))
			_exit(10);
		sk = nl_open(&family);
		if (!sk)
			_exit(11); /* netnsok: the family must be visible */
		msg = req(family, TOTEM_CMD_SOCK_GET, NLM_F_DUMP);
		r.want_port = ntohs(k.l.v4.sin_port);
		if (transact(sk, msg, &r) < 0)
			_exit(12);
		_exit(r.n_match == 0 ? 0 : 13);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	conn_close(&k);
}

/* Events for one short-lived connection: owner, peer, close. */
static int on_event(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[TOTEM_A_MAX + 1], *st[TOTEM_A_SOCK_MAX + 1];
	int *seen = arg; /* [0] port, then counts per cmd */

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, TOTEM_A_MAX, NULL) || !tb[TOTEM_A_SOCK] ||
	    nla_parse_nested(st, TOTEM_A_SOCK_MAX, tb[TOTEM_A_SOCK], NULL) ||
	    !st[TOTEM_A_SOCK_SPORT] || !st[TOTEM_A_SOCK_DPORT])
		return NL_SKIP;
	if (ntohs(nla_get_u16(st[TOTEM_A_SOCK_DPORT])) != seen[0] &&
	    ntohs(nla_get_u16(st[TOTEM_A_SOCK_SPORT])) != seen[0])
		return NL_SKIP;
	if (g->cmd <= TOTEM_CMD_MAX)
		seen[g->cmd]++;
	return NL_OK;
}

static int no_seq_check(struct nl_msg *msg, void *arg)
{
	return NL_OK; /* notifications carry sequence number 0 */
}

TEST_F(genl, events_for_short_connection)
{
	struct nl_sock *ev = nl_socket_alloc();
	int seen[TOTEM_CMD_MAX + 1] = {};
	struct nl_cb *cb;
	struct conn k;
	int grp, i;

	ASSERT_EQ(0, genl_connect(ev));
	grp = genl_ctrl_resolve_grp(ev, TOTEM_GENL_NAME, TOTEM_GENL_MCGRP_EVENTS);
	ASSERT_LE(0, grp);
	ASSERT_EQ(0, nl_socket_add_membership(ev, grp));
	nl_socket_disable_seq_check(ev);
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_event, seen);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);

	ASSERT_EQ(0, conn_open(&k));
	seen[0] = ntohs(k.l.v4.sin_port);
	conn_close(&k);

	for (i = 0; i < 50 && !(seen[TOTEM_CMD_EVENT_OWNER] && seen[TOTEM_CMD_EVENT_PEER] &&
				seen[TOTEM_CMD_EVENT_CLOSE] >= 3);
	     i++) {
		struct pollfd p = { .fd = nl_socket_get_fd(ev), .events = POLLIN };

		if (poll(&p, 1, 100) > 0)
			nl_recvmsgs(ev, cb);
	}
	EXPECT_LE(1, seen[TOTEM_CMD_EVENT_OWNER]);
	EXPECT_LE(1, seen[TOTEM_CMD_EVENT_PEER]);
	/* listener, client and accepted socket all closed */
	EXPECT_EQ(3, seen[TOTEM_CMD_EVENT_CLOSE]);
	nl_cb_put(cb);
	nl_socket_free(ev);
}

TEST_HARNESS_MAIN
