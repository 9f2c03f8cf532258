// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/record.h, as the module, the sockops program and libtotem run it:
 * a parsed option folded into the stored per-socket state (what is news,
 * what is kept), a TOA into its stored form, and the reported record put
 * back together from the state, the owner's per-process details, the TOA
 * and the socket's remote address.  Needs no privilege.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "kselftest_harness.h"

#include "record.h"

static struct totem_opt_info tot(__u8 format, __u32 pid, __u32 host_id,
				 __u32 seq)
{
	struct totem_opt_info i;

	memset(&i, 0, sizeof(i));
	i.tot_format = format;
	i.pid = pid;
	i.host_id = host_id;
	i.seq = seq;
	return i;
}

TEST(fold_v1)
{
	struct totem_opt_info i = tot(TOTEM_FMT_V1, 42, 0, 7);
	struct totem_peer_state p = {};
	static const __u8 a4[4] = { 10, 1, 2, 3 };

	memcpy(i.addr, a4, 4);
	EXPECT_EQ(1, totem_peer_fold(&p, &i, TOTEM_SEG_SYN, 100));
	EXPECT_EQ(42, p.pid);
	EXPECT_EQ(TOTEM_FMT_V1, p.format);
	EXPECT_EQ(AF_INET, p.family);
	EXPECT_EQ(TOTEM_PEER_F_ADDR | TOTEM_PEER_F_SEQ, p.flags);
	EXPECT_EQ(7, p.seq);
	EXPECT_EQ(0, p.host_id);
	EXPECT_EQ(0, memcmp(p.addr, a4, 4));
	EXPECT_EQ(TOTEM_SEG_SYN, p.seen);
	EXPECT_EQ(100, p.first_ns);
	EXPECT_EQ(100, p.last_ns);

	/* The same again on the same kind of segment: not news, but seen. */
	i.seq = 8;
	EXPECT_EQ(0, totem_peer_fold(&p, &i, TOTEM_SEG_SYN, 200));
	EXPECT_EQ(100, p.first_ns);
	EXPECT_EQ(200, p.last_ns);
	EXPECT_EQ(8, p.seq);
	/* Only the kind of segment is new: seen, but the same peer. */
	EXPECT_EQ(0, totem_peer_fold(&p, &i, TOTEM_SEG_DATA, 300));
	EXPECT_EQ(TOTEM_SEG_SYN | TOTEM_SEG_DATA, p.seen);
	/* So is another process, or another address. */
	i.pid = 43;
	EXPECT_EQ(1, totem_peer_fold(&p, &i, TOTEM_SEG_DATA, 400));
	i.addr[3] = 4;
	EXPECT_EQ(1, totem_peer_fold(&p, &i, TOTEM_SEG_DATA, 500));
	EXPECT_EQ(4, p.addr[3]);
}

TEST(fold_v6_keeps_the_iid)
{
	struct totem_opt_info i = tot(TOTEM_FMT_V6, 9, 0xabcd, 0);
	struct totem_peer_state p = {};
	__u8 a6[16];

	inet_pton(AF_INET6, "fd00:1:2:3:a:b:c:d", a6);
	memcpy(i.addr, a6, 16);
	EXPECT_EQ(1, totem_peer_fold(&p, &i, TOTEM_SEG_SYNACK, 1));
	EXPECT_EQ(AF_INET6, p.family);
	EXPECT_EQ(TOTEM_PEER_F_HOST | TOTEM_PEER_F_ADDR, p.flags);
	EXPECT_EQ(0xabcd, p.host_id);
	EXPECT_EQ(0, p.seq);
	EXPECT_EQ(0, memcmp(p.addr, a6 + 8, 8));
	/* Another host id is news. */
	i.host_id = 0xabce;
	EXPECT_EQ(1, totem_peer_fold(&p, &i, TOTEM_SEG_SYNACK, 2));
}

TEST(fold_v2_after_v1_clears_the_address)
{
	struct totem_opt_info i = tot(TOTEM_FMT_V1, 5, 0, 1);
	struct totem_peer_state p = {};
	static const __u8 zero[8];

	memset(i.addr, 0x77, 4);
	totem_peer_fold(&p, &i, TOTEM_SEG_SYN, 1);
	i = tot(TOTEM_FMT_V2, 5, 0x1234, 0);
	EXPECT_EQ(1, totem_peer_fold(&p, &i, TOTEM_SEG_SYN, 2));
	EXPECT_EQ(TOTEM_FMT_V2, p.format);
	EXPECT_EQ(0, p.family);
	EXPECT_EQ(TOTEM_PEER_F_HOST, p.flags);
	EXPECT_EQ(0x1234, p.host_id);
	EXPECT_EQ(0, p.seq);
	EXPECT_EQ(0, memcmp(p.addr, zero, 8));
}

TEST(fold_without_tot_changes_nothing)
{
	struct totem_opt_info i = tot(TOTEM_FMT_V1, 5, 0, 1);
	struct totem_peer_state p = {}, before;

	totem_peer_fold(&p, &i, TOTEM_SEG_SYN, 1);
	before = p;
	i = tot(0, 0, 0, 0);
	i.toa_kind = 254;
	EXPECT_EQ(0, totem_peer_fold(&p, &i, TOTEM_SEG_DATA, 2));
	EXPECT_EQ(0, memcmp(&p, &before, sizeof(p)));
}

TEST(toa)
{
	struct totem_opt_info i = tot(0, 0, 0, 0);
	struct totem_toa t;
	const __u8 *port = (const __u8 *)&t.port;

	memset(&t, 0x55, sizeof(t));
	EXPECT_EQ(0, totem_toa_from(&t, &i));
	EXPECT_EQ(0x55, t.kind); /* untouched */

	i.toa_kind = 254;
	i.toa_family = 4;
	i.toa_port = 0x1f90; /* 8080, host order */
	memcpy(i.toa_addr, "\xc0\x00\x02\x01", 4);
	EXPECT_EQ(1, totem_toa_from(&t, &i));
	EXPECT_EQ(254, t.kind);
	EXPECT_EQ(AF_INET, t.family);
	EXPECT_EQ(htons(8080), t.port);
	EXPECT_EQ(0x1f, port[0]);
	EXPECT_EQ(0x90, port[1]);
	EXPECT_EQ(0, memcmp(t.addr, "\xc0\x00\x02\x01\0\0\0\0\0\0\0\0\0\0\0\0", 16));
	EXPECT_EQ(0, t.__pad);

	i.toa_kind = 200;
	i.toa_family = 6;
	EXPECT_EQ(1, totem_toa_from(&t, &i));
	EXPECT_EQ(AF_INET6, t.family);
	EXPECT_EQ(200, t.kind);
}

TEST(peer_prefix)
{
	__u8 v6[16], mapped[16];

	inet_pton(AF_INET6, "fd00:1:2:3::9", v6);
	inet_pton(AF_INET6, "::ffff:10.0.0.1", mapped);
	EXPECT_EQ(NULL, totem_peer_prefix(AF_INET, v6));
	EXPECT_EQ(NULL, totem_peer_prefix(AF_INET6, mapped));
	EXPECT_EQ((const __u8 *)v6, totem_peer_prefix(AF_INET6, v6));
	EXPECT_TRUE(totem_addr_v4mapped(mapped));
	EXPECT_FALSE(totem_addr_v4mapped(v6));
}

TEST(assemble)
{
	struct totem_opt_info i = tot(TOTEM_FMT_V6, 77, 0x99, 0);
	struct totem_proc_info proc = { .uid = 1000, .cgroup_id = 4242 };
	struct totem_sock_state st = {};
	struct totem_sock_record r;
	struct totem_toa toa = { .family = AF_INET, .kind = 254 };
	__u8 daddr[16], want[16];

	strcpy(proc.comm, "nginx");
	inet_pton(AF_INET6, "fd00:1:2:3::", daddr);
	inet_pton(AF_INET6, "fd00:1:2:3:a:b:c:d", want);
	inet_pton(AF_INET6, "::a:b:c:d", i.addr);
	st.owner_tgid = 1234;
	st.owner_flags = TOTEM_OWNER_F_ACCEPT;
	st.tx_unsampled = 300;
	st.tx_flags = 1;
	totem_peer_fold(&st.peer, &i, TOTEM_SEG_SYN, 10);

	totem_record_assemble(&r, &st, &proc, &toa, totem_peer_prefix(AF_INET6, daddr));
	EXPECT_EQ(1234, r.owner.tgid);
	EXPECT_EQ(TOTEM_OWNER_F_ACCEPT, r.owner.flags);
	EXPECT_EQ(1000, r.owner.uid);
	EXPECT_EQ(4242, r.owner.cgroup_id);
	EXPECT_STREQ("nginx", r.owner.comm);
	EXPECT_EQ(77, r.peer.pid);
	EXPECT_EQ(0x99, r.peer.host_id);
	EXPECT_EQ(TOTEM_FMT_V6, r.peer.format);
	EXPECT_EQ(0, memcmp(r.peer.addr, want, 16));
	EXPECT_EQ(10, r.peer.first_ns);
	EXPECT_EQ(0, memcmp(&r.toa, &toa, sizeof(toa)));
	EXPECT_EQ(300, r.tx.unsampled);
	EXPECT_EQ(1, r.tx.flags);

	/* No prefix (the option came over IPv4): the IID alone. */
	totem_record_assemble(&r, &st, NULL, NULL, NULL);
	memset(want, 0, 8);
	EXPECT_EQ(0, memcmp(r.peer.addr, want, 16));
	EXPECT_EQ(0, r.owner.uid);
	EXPECT_EQ(0, r.toa.family);

	/* No owner: its details are not taken even when given. */
	st.owner_tgid = 0;
	totem_record_assemble(&r, &st, &proc, NULL, NULL);
	EXPECT_EQ(0, r.owner.uid);
	EXPECT_STREQ("", r.owner.comm);
}

TEST_HARNESS_MAIN
