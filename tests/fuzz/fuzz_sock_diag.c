// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for what libtotem's eBPF backend reads from the kernel:
 * sock_diag replies (SOCK_DIAG_BY_FAMILY: struct inet_diag_msg, then
 * attributes, among them the INET_DIAG_SK_BPF_STORAGES nest with the
 * sk_storage values), parsed by totem_bpf_diag_parse()
 * (userspace/lib/backend_bpf.c) for the map id NLB_MAP_ID.
 *
 * The input is a datagram, walked as libnl does; each message is copied to
 * end at an inaccessible page (fuzz.h).  Checked, for a message accepted:
 *  - it is a SOCK_DIAG_BY_FAMILY message, the family is the message's, an
 *    IPv4 socket leaves the rest of its 16-byte addresses zero, netns is
 *    left to the caller (0);
 *  - the record is all zero, or its 120 bytes are in the input, after the
 *    id NLB_MAP_ID; asked for another map id, the same message yields no
 *    record unless that map's id is in it too;
 *  - the socket, rebuilt as a kernel reply (nlbuild.h), parses back the same.
 */
#include <errno.h>
#include <stdint.h>
#include <netlink/msg.h>

#include "internal.h"
#include "fuzz.h"
#include "nlbuild.h"

static void check_sock(const void *in, size_t size, const struct nlmsghdr *nlh,
		       const struct totem_sock *s)
{
	const struct inet_diag_msg *r = nlmsg_data(nlh);
	struct nlb_storage stg = { NLB_MAP_ID, &s->rec, sizeof(s->rec) };
	__u32 other = NLB_MAP_ID + 1;
	struct totem_sock again;
	struct nl_msg *msg;

	CHECK(nlh->nlmsg_type == SOCK_DIAG_BY_FAMILY);
	CHECK(s->family == r->idiag_family);
	CHECK(s->family != AF_INET ||
	      (fuzz_all_zero(s->saddr + 4, 12) && fuzz_all_zero(s->daddr + 4, 12)));
	CHECK(!s->netns);
	if (!fuzz_all_zero(&s->rec, sizeof(s->rec))) {
		__u32 id = NLB_MAP_ID;

		CHECK(fuzz_contains(in, size, &s->rec, sizeof(s->rec)));
		CHECK(fuzz_contains(in, size, &id, sizeof(id)));
	}

	CHECK(!totem_bpf_diag_parse((struct nlmsghdr *)nlh, other, &again));
	CHECK(fuzz_all_zero(&again.rec, sizeof(again.rec)) ||
	      fuzz_contains(in, size, &other, sizeof(other)));

	msg = nlb_diag(s, 1, &stg, 1);
	CHECK(msg);
	CHECK(!totem_bpf_diag_parse(nlmsg_hdr(msg), NLB_MAP_ID, &again));
	CHECK(!memcmp(s, &again, sizeof(*s)));
	nlmsg_free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
		ret = totem_bpf_diag_parse(g, NLB_MAP_ID, &s);
		CHECK(ret == 0 || ret == -EINVAL);
		if (!ret)
			check_sock(buf, size, g, &s);
	}
	free(buf);
	return 0;
}
