// SPDX-License-Identifier: GPL-2.0
/*
 * gen_netlink genl|sock_diag DIR: write the seed corpus of fuzz_genl or
 * fuzz_sock_diag to DIR (`make fuzz-corpus`).  Each seed is one datagram as
 * the kernel sends it: replies of the "totem" family laid out as
 * kmod/netlink.c lays them out, or sock_diag replies with the storage nest
 * as inet_diag and bpf_sk_storage lay them out (nlbuild.h); dumps are
 * several messages and an NLMSG_DONE in one datagram.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/netlink.h>

#include "nlbuild.h"

struct dgram {
	unsigned char buf[65536];
	size_t len;
};

static int add(struct dgram *d, struct nl_msg *msg)
{
	struct nlmsghdr *nlh;
	size_t n;

	if (!msg)
		return -1;
	nlh = nlmsg_hdr(msg);
	n = NLMSG_ALIGN(nlh->nlmsg_len);
	if (d->len + n > sizeof(d->buf)) {
		nlmsg_free(msg);
		return -1;
	}
	memset(d->buf + d->len, 0, n);
	memcpy(d->buf + d->len, nlh, nlh->nlmsg_len);
	d->len += n;
	nlmsg_free(msg);
	return 0;
}

static int add_done(struct dgram *d, int seq)
{
	struct nl_msg *msg = nlmsg_alloc_simple(NLMSG_DONE, NLM_F_MULTI);
	int zero = 0;

	if (!msg)
		return -1;
	nlmsg_hdr(msg)->nlmsg_seq = seq;
	nlmsg_hdr(msg)->nlmsg_pid = 1;
	if (nlmsg_append(msg, &zero, sizeof(zero), NLMSG_ALIGNTO)) {
		nlmsg_free(msg);
		return -1;
	}
	return add(d, msg);
}

static int save(const char *dir, const char *name, struct dgram *d)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fwrite(d->buf, 1, d->len, f) != d->len || fclose(f)) {
		fprintf(stderr, "%s: write failed\n", path);
		return -1;
	}
	d->len = 0;
	return 0;
}

static struct nl_msg *sock_msg(int cmd, const struct totem_sock *s)
{
	struct nl_msg *msg = nlb_genl(cmd, cmd == TOTEM_CMD_SOCK_GET ? 7 : 0);

	if (msg && nlb_put_sock(msg, s, false)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Sockets as the module reports them. */
static void sockets(struct totem_sock *s4, struct totem_sock *s6, struct totem_sock *l)
{
	static const __u8 a6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const __u8 b6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	struct totem_sock_record *r;

	memset(s4, 0, sizeof(*s4));
	s4->family = AF_INET;
	s4->state = 1; /* ESTABLISHED */
	inet_pton(AF_INET, "10.0.0.1", s4->saddr);
	inet_pton(AF_INET, "10.0.0.2", s4->daddr);
	s4->sport = 43210;
	s4->dport = 80;
	s4->netns = 4026531840u;
	s4->inode = 123456;
	s4->cookie = 0x100000002ull;
	r = &s4->rec;
	r->owner.tgid = 4242;
	r->owner.uid = 1000;
	r->owner.cgroup_id = 0x1234;
	snprintf(r->owner.comm, sizeof(r->owner.comm), "curl");
	r->owner.flags = TOTEM_OWNER_F_CREATOR | TOTEM_OWNER_F_CONNECT;
	r->peer.pid = 777;
	r->peer.format = TOTEM_FMT_V1;
	r->peer.family = AF_INET;
	memcpy(r->peer.addr, s4->daddr, 4);
	r->peer.seq = 0xdeadbeef;
	r->peer.seen = TOTEM_SEG_SYNACK | TOTEM_SEG_DATA;
	r->peer.flags = TOTEM_PEER_F_ADDR | TOTEM_PEER_F_SEQ;
	r->peer.first_ns = 1000000000ull;
	r->peer.last_ns = 2000000000ull;
	r->toa.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.9", r->toa.addr);
	r->toa.port = htons(5555);
	r->toa.kind = TOTEM_OPT_EXP_KIND;

	memset(s6, 0, sizeof(*s6));
	s6->family = AF_INET6;
	s6->state = 1;
	memcpy(s6->saddr, a6, 16);
	memcpy(s6->daddr, b6, 16);
	s6->sport = 8080;
	s6->dport = 51000;
	s6->netns = 4026531840u;
	s6->inode = 654321;
	s6->cookie = 77;
	r = &s6->rec;
	r->owner.tgid = 31337;
	snprintf(r->owner.comm, sizeof(r->owner.comm), "nginx: worker p");
	r->owner.flags = TOTEM_OWNER_F_LISTENER | TOTEM_OWNER_F_ACCEPT | TOTEM_OWNER_F_REUSEPORT;
	r->peer.pid = 99;
	r->peer.host_id = 0xc0ffee01;
	r->peer.format = TOTEM_FMT_V6;
	r->peer.family = AF_INET6;
	memcpy(r->peer.addr, b6, 16);
	r->peer.seen = TOTEM_SEG_SYN;
	r->peer.flags = TOTEM_PEER_F_HOST | TOTEM_PEER_F_ADDR;
	r->peer.first_ns = 5;
	r->peer.last_ns = 5;
	r->toa.family = AF_INET6;
	memcpy(r->toa.addr, a6, 16);
	r->toa.port = htons(443);
	r->toa.kind = TOTEM_OPT_EXP_KIND;

	memset(l, 0, sizeof(*l));
	l->family = AF_INET;
	l->state = 10; /* LISTEN */
	l->sport = 80;
	l->netns = 4026531840u;
	l->inode = 42;
	l->rec.owner.tgid = 1;
	snprintf(l->rec.owner.comm, sizeof(l->rec.owner.comm), "systemd");
	l->rec.owner.flags = TOTEM_OWNER_F_CREATOR;
	l->rec.peer.format = TOTEM_FMT_V2;
	l->rec.peer.pid = 5;
	l->rec.peer.host_id = 0x01020304;
	l->rec.peer.flags = TOTEM_PEER_F_HOST;
	l->rec.peer.seen = TOTEM_SEG_SYN;
}

static int gen_genl(const char *dir)
{
	struct totem_sock s4, s6, l, bare;
	struct totem_config cfg = {
		.enable = TOTEM_SEG_ALL,
		.sample_bytes = TOTEM_DEFAULT_SAMPLE_BYTES,
		.format4 = TOTEM_FMT_V1,
		.format6 = TOTEM_FMT_V6,
		.host_id = 0x3d1219c7,
		.parse = 1,
	};
	__u64 ctr[TOTEM_CTR_MAX];
	static struct dgram d;
	struct nlattr *nest;
	struct nl_msg *msg;
	int i, err = 0;

	sockets(&s4, &s6, &l);
	memset(&bare, 0, sizeof(bare));
	bare.family = AF_INET;
	bare.state = 7; /* CLOSE */
	for (i = 0; i < TOTEM_CTR_MAX; i++)
		ctr[i] = i % 3 ? (__u64)i * 1000 + 7 : 0;

	err |= add(&d, sock_msg(TOTEM_CMD_SOCK_GET, &s4)) || save(dir, "sock_get_v4", &d);
	err |= add(&d, sock_msg(TOTEM_CMD_SOCK_GET, &s6)) || save(dir, "sock_get_v6", &d);
	err |= add(&d, sock_msg(TOTEM_CMD_SOCK_GET, &l)) || save(dir, "sock_get_listen_v2", &d);
	err |= add(&d, sock_msg(TOTEM_CMD_SOCK_GET, &bare)) || save(dir, "sock_get_bare", &d);
	err |= add(&d, sock_msg(TOTEM_CMD_SOCK_GET, &s4)) ||
	       add(&d, sock_msg(TOTEM_CMD_SOCK_GET, &s6)) ||
	       add(&d, sock_msg(TOTEM_CMD_SOCK_GET, &l)) || add_done(&d, 7) ||
	       save(dir, "sock_dump", &d);
	err |= add(&d, sock_msg(TOTEM_CMD_EVENT_OWNER, &s4)) || save(dir, "event_owner", &d);
	err |= add(&d, sock_msg(TOTEM_CMD_EVENT_PEER, &s6)) || save(dir, "event_peer", &d);
	err |= add(&d, sock_msg(TOTEM_CMD_EVENT_CLOSE, &s4)) || save(dir, "event_close", &d);

	/*
	 * Regression: an attribute shorter than its type, last in the message.
	 * Without a policy, nla_get_u32() read past the message (the guarded
	 * buffer of fuzz.h turns that into a fault).
	 */
	msg = nlb_genl(TOTEM_CMD_SOCK_GET, 7);
	nest = msg ? nla_nest_start(msg, TOTEM_A_SOCK) : NULL;
	if (!nest || nla_put_u8(msg, TOTEM_A_SOCK_FAMILY, AF_INET) ||
	    nla_put(msg, TOTEM_A_SOCK_OWNER_PID, 0, NULL) || nla_nest_end(msg, nest))
		return -1;
	err |= add(&d, msg) || save(dir, "short_owner_pid", &d);

	msg = nlb_genl(TOTEM_CMD_STATS_GET, 8);
	if (!msg || nlb_put_stats(msg, ctr))
		return -1;
	err |= add(&d, msg) || save(dir, "stats_get", &d);
	msg = nlb_genl(TOTEM_CMD_CONFIG_GET, 9);
	if (!msg || nlb_put_config(msg, &cfg))
		return -1;
	err |= add(&d, msg) || save(dir, "config_get", &d);
	return err ? -1 : 11;
}

static int diag(struct dgram *d, const struct totem_sock *s, const struct nlb_storage *stg,
		int n)
{
	return add(d, nlb_diag(s, 3, stg, n));
}

static int gen_sock_diag(const char *dir)
{
	static const __u8 mapped[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 3 };
	struct totem_sock s4, s6, l, m;
	struct totem_sock_state st4, st6, stm;
	struct nlb_storage ours4[2], ours6[2], oursm[2];
	__u64 other_value = 0x1122334455667788ull;
	struct nlb_storage two[2] = {
		{ NLB_MAP_ID + 7, &other_value, sizeof(other_value) },
		{ NLB_MAP_ID, &st6, sizeof(st6) },
	};
	struct nlb_storage shorter = { NLB_MAP_ID, &st4, sizeof(st4) - 8 };
	int n4, n6, nm;
	static struct dgram d;
	struct nlattr *nest, *one;
	struct nl_msg *msg;
	int err = 0;

	sockets(&s4, &s6, &l);
	s4.netns = s6.netns = l.netns = 0; /* not in a sock_diag reply */
	memset(&m, 0, sizeof(m));
	m.family = AF_INET6;
	m.state = 2; /* SYN_SENT */
	memcpy(m.saddr, mapped, 16);
	memcpy(m.daddr, mapped, 16);
	m.daddr[15] = 4;
	m.sport = 40000;
	m.dport = 22;
	m.rec.owner.tgid = 1234;
	n4 = nlb_storages(&s4, &st4, ours4);
	n6 = nlb_storages(&s6, &st6, ours6);
	nm = nlb_storages(&m, &stm, oursm);

	err |= diag(&d, &s4, ours4, n4) || save(dir, "v4_record", &d);
	err |= diag(&d, &s6, ours6, n6) || save(dir, "v6_record", &d);
	err |= diag(&d, &s6, two, 2) || save(dir, "v6_two_maps", &d);
	err |= diag(&d, &m, oursm, nm) || save(dir, "v4mapped_record", &d);
	err |= diag(&d, &l, NULL, 0) || save(dir, "v4_no_storage", &d);
	err |= diag(&d, &s4, &shorter, 1) || save(dir, "v4_short_value", &d);
	/* Regression: a map id of no bytes, last in the message (see gen_genl). */
	msg = nlb_diag(&s4, 3, NULL, 0);
	nest = msg ? nla_nest_start(msg, INET_DIAG_SK_BPF_STORAGES) : NULL;
	one = nest ? nla_nest_start(msg, SK_DIAG_BPF_STORAGE) : NULL;
	if (!one || nla_put(msg, SK_DIAG_BPF_STORAGE_MAP_VALUE, sizeof(st4), &st4) ||
	    nla_put(msg, SK_DIAG_BPF_STORAGE_MAP_ID, 0, NULL) || nla_nest_end(msg, one) ||
	    nla_nest_end(msg, nest))
		return -1;
	err |= add(&d, msg) || save(dir, "short_map_id", &d);
	err |= diag(&d, &s4, ours4, n4) || diag(&d, &l, NULL, 0) || diag(&d, &s6, two, 2) ||
	       add_done(&d, 3) || save(dir, "dump", &d);
	return err ? -1 : 8;
}

int main(int argc, char **argv)
{
	int n;

	if (argc != 3 || (strcmp(argv[1], "genl") && strcmp(argv[1], "sock_diag"))) {
		fprintf(stderr, "usage: %s genl|sock_diag DIR\n", argv[0]);
		return 2;
	}
	n = !strcmp(argv[1], "genl") ? gen_genl(argv[2]) : gen_sock_diag(argv[2]);
	if (n < 0) {
		fprintf(stderr, "%s: building the seeds failed\n", argv[1]);
		return 1;
	}
	printf("%d seeds written to %s\n", n, argv[2]);
	return 0;
}
