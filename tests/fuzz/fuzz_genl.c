// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for what libtotem reads from the kernel module: the
 * replies and events of the "totem" generic netlink family
 * (userspace/lib/backend_kmod.c, also used by engine_kmod.c for events).
 *
 * The input is a datagram as recvmsg() returns it.  It is walked message by
 * message as libnl does (nlmsg_ok/nlmsg_next; netlink's own types below
 * NLMSG_MIN_TYPE are libnl's business), each message copied to end at an
 * inaccessible page (fuzz.h), and given to totem_kmod_msg_parse() and then
 * to every nest parser the backend has (socket, stats, config), whatever
 * the command: the backend hands every data message of a request to its
 * parser too.  Checked:
 *  - a socket's comm is a string of at most 15 bytes that is in the input;
 *    peer and TOA families are 0, AF_INET or AF_INET6, and an IPv4 address
 *    leaves the rest of its 16 bytes zero; no TOA family, no TOA at all;
 *    the transmit state (not on the wire) stays zero;
 *  - every counter and config value is 0 or its 8 or 4 bytes are in the
 *    input; config fields the message does not carry are left as they were;
 *  - what was parsed, rebuilt as the module would send it (nlbuild.h),
 *    parses back to the same thing.
 */
#include <errno.h>
#include <stdint.h>
#include <netlink/msg.h>

#include "internal.h"
#include "fuzz.h"
#include "nlbuild.h"

#define UNSET 0xa5a5a5a5u

static void check_sock(const void *in, size_t size, const struct totem_sock *s)
{
	const struct totem_sock_record *r = &s->rec;
	struct nlattr *tb[TOTEM_A_MAX + 1];
	struct totem_sock again;
	struct nl_msg *msg;
	size_t n = strnlen(r->owner.comm, sizeof(r->owner.comm));

	CHECK(n < sizeof(r->owner.comm));
	CHECK(fuzz_contains(in, size, r->owner.comm, n));
	CHECK(r->peer.family == 0 || r->peer.family == AF_INET || r->peer.family == AF_INET6);
	CHECK(r->peer.family != AF_INET || fuzz_all_zero(r->peer.addr + 4, 12));
	CHECK(r->peer.family || fuzz_all_zero(r->peer.addr, 16));
	CHECK(r->toa.family == 0 || r->toa.family == AF_INET || r->toa.family == AF_INET6);
	CHECK(r->toa.family != AF_INET || fuzz_all_zero(r->toa.addr + 4, 12));
	CHECK(r->toa.family || fuzz_all_zero(&r->toa, sizeof(r->toa)));
	CHECK(fuzz_all_zero(&r->tx, sizeof(r->tx)));

	msg = nlb_genl(TOTEM_CMD_SOCK_GET, 1);
	CHECK(msg && !nlb_put_sock(msg, s, true));
	CHECK(!totem_kmod_msg_parse(nlmsg_hdr(msg), tb));
	CHECK(!totem_kmod_sock_parse(tb[TOTEM_A_SOCK], &again));
	CHECK(!memcmp(s, &again, sizeof(*s)));
	nlmsg_free(msg);
}

static void check_stats(const void *in, size_t size, const __u64 *ctr)
{
	struct nlattr *tb[TOTEM_A_MAX + 1];
	__u64 again[TOTEM_CTR_MAX];
	struct nl_msg *msg;
	int i;

	for (i = 0; i < TOTEM_CTR_MAX; i++)
		CHECK(!ctr[i] || fuzz_contains(in, size, &ctr[i], sizeof(ctr[i])));
	msg = nlb_genl(TOTEM_CMD_STATS_GET, 1);
	CHECK(msg && !nlb_put_stats(msg, ctr));
	CHECK(!totem_kmod_msg_parse(nlmsg_hdr(msg), tb));
	CHECK(!totem_kmod_stats_parse(tb[TOTEM_A_STATS], again));
	CHECK(!memcmp(ctr, again, sizeof(again)));
	nlmsg_free(msg);
}

static void check_config(const void *in, size_t size, const struct totem_config *c)
{
	const __u32 *v = (const __u32 *)c;
	struct nlattr *tb[TOTEM_A_MAX + 1];
	struct totem_config again;
	struct nl_msg *msg;
	size_t i;

	for (i = 0; i < sizeof(*c) / sizeof(*v); i++)
		CHECK(v[i] == UNSET || !v[i] || fuzz_contains(in, size, &v[i], sizeof(v[i])));
	msg = nlb_genl(TOTEM_CMD_CONFIG_GET, 1);
	CHECK(msg && !nlb_put_config(msg, c));
	CHECK(!totem_kmod_msg_parse(nlmsg_hdr(msg), tb));
	memset(&again, 0, sizeof(again));
	CHECK(!totem_kmod_config_parse(tb[TOTEM_A_CONFIG], &again));
	CHECK(!memcmp(c, &again, sizeof(again)));
	nlmsg_free(msg);
}

static void one_message(const struct nlmsghdr *orig, const void *in, size_t size)
{
	struct nlmsghdr *nlh = fuzz_guarded(orig, orig->nlmsg_len);
	struct nlattr *tb[TOTEM_A_MAX + 1];
	__u64 ctr[TOTEM_CTR_MAX];
	struct totem_config cfg;
	struct totem_sock s;
	int ret;

	if (totem_kmod_msg_parse(nlh, tb))
		return;

	ret = totem_kmod_sock_parse(tb[TOTEM_A_SOCK], &s);
	CHECK(ret == 0 || ret == -EINVAL);
	if (!ret)
		check_sock(in, size, &s);
	else
		CHECK(fuzz_all_zero(&s, sizeof(s)));

	memset(ctr, 0xa5, sizeof(ctr));
	ret = totem_kmod_stats_parse(tb[TOTEM_A_STATS], ctr);
	CHECK(ret == 0 || ret == -EPROTO);
	if (!ret)
		check_stats(in, size, ctr);

	memset(&cfg, 0xa5, sizeof(cfg));
	ret = totem_kmod_config_parse(tb[TOTEM_A_CONFIG], &cfg);
	CHECK(ret == 0 || ret == -EPROTO);
	if (!ret)
		check_config(in, size, &cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr *nlh;
	uint8_t *buf;
	int rem = size;

	if (size > FUZZ_GUARDED_MAX)
		return 0;
	/* a copy of our own: 4-aligned, as a receive buffer is */
	buf = malloc(size ? size : 1);
	CHECK(buf);
	memcpy(buf, data, size);
	for (nlh = (struct nlmsghdr *)buf; nlmsg_ok(nlh, rem); nlh = nlmsg_next(nlh, &rem))
		if (nlh->nlmsg_type >= NLMSG_MIN_TYPE)
			one_message(nlh, buf, size);
	free(buf);
	return 0;
}
