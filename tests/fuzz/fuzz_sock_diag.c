// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for what libtotem's eBPF backend reads from the kernel:
 * sock_diag replies (SOCK_DIAG_BY_FAMILY: struct inet_diag_msg, then
 * attributes, among them the INET_DIAG_SK_BPF_STORAGES nest with the
 * sk_storage values), parsed by totem_bpf_diag_parse()
 * (userspace/lib/backend_bpf.c) for the map ids NLB_MAP_ID (the socket's
 * state) and NLB_TOA_MAP_ID (its TOA), with no proc_info map.
 *
 * The input is a datagram, walked as libnl does; each message is copied to
 * end at an inaccessible page (fuzz.h).  Checked, for a message accepted:
 *  - it is a SOCK_DIAG_BY_FAMILY message, the family is the message's, an
 *    IPv4 socket leaves the rest of its 16-byte addresses zero, netns is
 *    left to the caller (0);
 *  - the record is all zero, or the id NLB_MAP_ID and the state it was
 *    made of are in the input (the owner's tgid, and the peer's times,
 *    which the state keeps side by side, as the record does); its TOA and
 *    NLB_TOA_MAP_ID too if it has one; a v6 peer address's /64 is the
 *    socket's remote address's, if that is IPv6; the owner's per-process
 *    details (uid, cgroup, comm) are zero, as there is no proc_info map to
 *    take them from; asked for other map ids, the same message yields no
 *    record unless those ids are in it too;
 *  - the socket, rebuilt as a kernel reply (nlbuild.h), parses back the same.
 */
#include <errno.h>
#include <stdint.h>
#include <netlink/msg.h>

#include "internal.h"
#include "fuzz.h"
#include "nlbuild.h"
#include "record.h"

static void check_sock(const void *in, size_t size, const struct nlmsghdr *nlh,
		       const struct totem_sock *s)
{
	static const struct totem_bpf_map_ids ids = { NLB_MAP_ID, NLB_TOA_MAP_ID };
	static const struct totem_toa no_toa;
	const struct inet_diag_msg *r = nlmsg_data(nlh);
	struct totem_bpf_map_ids other = { NLB_MAP_ID + 2, NLB_MAP_ID + 3 };
	struct totem_sock_state st;
	struct nlb_storage stg[2];
	struct totem_sock again;
	struct nl_msg *msg;
	int n;

	CHECK(nlh->nlmsg_type == SOCK_DIAG_BY_FAMILY);
	CHECK(s->family == r->idiag_family);
	CHECK(s->family != AF_INET ||
	      (fuzz_all_zero(s->saddr + 4, 12) && fuzz_all_zero(s->daddr + 4, 12)));
	CHECK(!s->netns);
	CHECK(!s->rec.owner.uid && !s->rec.owner.cgroup_id &&
	      fuzz_all_zero(s->rec.owner.comm, sizeof(s->rec.owner.comm)));
	if (!fuzz_all_zero(&s->rec, sizeof(s->rec))) {
		CHECK(fuzz_contains(in, size, &ids.state, sizeof(ids.state)));
		CHECK(fuzz_contains(in, size, &s->rec.owner.tgid, sizeof(s->rec.owner.tgid)));
		CHECK(fuzz_contains(in, size, &s->rec.peer.first_ns, 16));
	}
	if (s->rec.peer.format == TOTEM_FMT_V6 && !totem_peer_prefix(s->family, s->daddr))
		CHECK(fuzz_all_zero(s->rec.peer.addr, 8));
	else if (s->rec.peer.format == TOTEM_FMT_V6)
		CHECK(!memcmp(s->rec.peer.addr, s->daddr, 8));
	if (memcmp(&s->rec.toa, &no_toa, sizeof(no_toa))) {
		CHECK(fuzz_contains(in, size, &s->rec.toa, sizeof(s->rec.toa)));
		CHECK(fuzz_contains(in, size, &ids.toa, sizeof(ids.toa)));
	}

	CHECK(!totem_bpf_diag_parse((struct nlmsghdr *)nlh, &other, NULL, &again));
	CHECK(fuzz_all_zero(&again.rec, sizeof(again.rec)) ||
	      fuzz_contains(in, size, &other.state, sizeof(other.state)));

	n = nlb_storages(s, &st, stg);
	msg = nlb_diag(s, 1, stg, n);
	CHECK(msg);
	CHECK(!totem_bpf_diag_parse(nlmsg_hdr(msg), &ids, NULL, &again));
	CHECK(!memcmp(s, &again, sizeof(*s)));
	nlmsg_free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct totem_bpf_map_ids ids = { NLB_MAP_ID, NLB_TOA_MAP_ID };
	struct nlmsghdr *nlh;
	struct totem_sock s;
	uint8_t *buf;
	int rem = size;

	if (size > FUZZ_GUARDED_MAX)
		return 0;
	buf = malloc(size ? size : 1);
	CHECK(buf);
	memcpy(buf, data, size);
	for (nlh = (struct nlmsghdr *)buf; nlmsg_ok(nlh, rem); nlh = nlmsg_next(nlh, &rem)) {
		struct nlmsghdr *g;
		int ret;

		if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
			continue;
		g = fuzz_guarded(nlh, nlh->nlmsg_len);
		ret = totem_bpf_diag_parse(g, &ids, NULL, &s);
		CHECK(ret == 0 || ret == -EINVAL);
		if (!ret)
			check_sock(buf, size, g, &s);
	}
	free(buf);
	return 0;
}
