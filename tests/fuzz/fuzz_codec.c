// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the option codec (kmod/codec.c), built with ASan and
 * UBSan.  Each input is used twice:
 *
 *  1. as a TCP option area for totem_opts_parse(), checking what the rules
 *     of uapi/totem.h imply whatever the bytes: areas over 40 bytes and
 *     broken areas yield nothing; a TOT or TOA reported is literally in the
 *     area; fields a format does not carry stay zero; NOPs in front and
 *     anything after an EOL change nothing;
 *  2. as the parameters of totem_opt_build() (format, pid, host id, seq,
 *     address, offset), whose option, built into a NOP area followed by an
 *     EOL and the rest of the input, must parse back to the same values.
 *
 * Any violation aborts, which libFuzzer reports as a crash with the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "fuzz.h"

#define AREA TOTEM_TCP_OPT_SPACE
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1

static int contains(const uint8_t *hay, size_t n, const uint8_t *needle,
		    size_t m)
{
	size_t i;

	for (i = 0; i + m <= n; i++)
		if (!memcmp(hay + i, needle, m))
			return 1;
	return 0;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Things that hold for any area. */
static void check_parse(const uint8_t *data, size_t size)
{
	struct totem_opt_info info, again;
	uint8_t opt[TOTEM_OPT_MAX_LEN];
	int ret;

	memset(&info, 0xa5, sizeof(info));
	ret = totem_opts_parse(data, size, &info);
	CHECK(ret == TOTEM_CODEC_OK || ret == TOTEM_CODEC_BAD_AREA);
	if (size > AREA)
		CHECK(ret == TOTEM_CODEC_BAD_AREA);

	if (ret == TOTEM_CODEC_BAD_AREA) {
		/* nothing in a broken area is used */
		CHECK(info.malformed == 1);
		info.malformed = 0;
		CHECK(fuzz_all_zero(&info, sizeof(info)));
		return;
	}
	CHECK(size == 0 || data[0] != TCPOPT_EOL || fuzz_all_zero(&info, sizeof(info)));
	CHECK(info.malformed <= size / 2);

	switch (info.tot_format) {
	case TOTEM_FMT_NONE:
		CHECK(!info.pid && !info.host_id && !info.seq);
		CHECK(fuzz_all_zero(info.addr, sizeof(info.addr)));
		break;
	case TOTEM_FMT_V1:
		CHECK(!info.host_id);
		CHECK(fuzz_all_zero(info.addr + 4, 12));
		break;
	case TOTEM_FMT_V2:
		CHECK(!info.seq);
		CHECK(fuzz_all_zero(info.addr, sizeof(info.addr)));
		break;
	case TOTEM_FMT_V6:
		CHECK(!info.seq);
		CHECK(fuzz_all_zero(info.addr, 8));
		break;
	default:
		CHECK(!"unknown format");
	}
	if (info.tot_format) {
		/* the option reported is in the area, as kind 253 or 254 */
		unsigned int n = totem_opt_build(opt, sizeof(opt),
						 info.tot_format, info.pid,
						 info.host_id, info.addr,
						 info.seq);

		CHECK(n == totem_opt_len(info.tot_format));
		if (!contains(data, size, opt, n)) {
			opt[0] = TOTEM_OPT_EXP_KIND;
			CHECK(contains(data, size, opt, n));
		}
	}

	switch (info.toa_kind) {
	case 0:
		CHECK(!info.toa_family && !info.toa_port);
		CHECK(fuzz_all_zero(info.toa_addr, sizeof(info.toa_addr)));
		break;
	case TOTEM_OPT_IPVS_KIND:
	case TOTEM_OPT_EXP_KIND: {
		unsigned int alen = info.toa_family == 4 ? 4 : 16;

		CHECK(info.toa_family == 4 ||
		      (info.toa_family == 6 &&
		       info.toa_kind == TOTEM_OPT_EXP_KIND));
		CHECK(fuzz_all_zero(info.toa_addr + alen, 16 - alen));
		opt[0] = info.toa_kind;
		opt[1] = 4 + alen;
		opt[2] = info.toa_port >> 8;
		opt[3] = info.toa_port;
		memcpy(opt + 4, info.toa_addr, alen);
		CHECK(contains(data, size, opt, 4 + alen));
		break;
	}
	default:
		CHECK(!"unknown TOA kind");
	}

	/* Deterministic, and blind to NOPs in front. */
	CHECK(totem_opts_parse(data, size, &again) == ret);
	CHECK(!memcmp(&info, &again, sizeof(info)));
	if (size < AREA) {
		uint8_t area[AREA];

		area[0] = TCPOPT_NOP;
		memcpy(area + 1, data, size);
		CHECK(totem_opts_parse(area, size + 1, &again) == ret);
		CHECK(!memcmp(&info, &again, sizeof(info)));
	}
}

/* An option built from the input parses back to what it was built from. */
static void check_round_trip(const uint8_t *data, size_t size)
{
	static const unsigned int formats[] = { TOTEM_FMT_V1, TOTEM_FMT_V2,
						TOTEM_FMT_V6 };
	uint8_t p[1 + 4 + 4 + 4 + 16 + 1] = { 0 };
	uint8_t area[AREA];
	struct totem_opt_info info;
	unsigned int format, len, off, tail;
	uint32_t pid, host, seq;
	const uint8_t *addr;

	memcpy(p, data, size < sizeof(p) ? size : sizeof(p));
	format = formats[p[0] % 3];
	pid = get32(p + 1);
	host = get32(p + 5);
	seq = get32(p + 9);
	addr = p + 13;
	len = totem_opt_len(format);
	off = p[29] % (AREA - len + 1);

	memset(area, TCPOPT_NOP, sizeof(area));
	CHECK(totem_opt_build(area + off, AREA - off, format, pid, host, addr,
			      seq) == len);
	CHECK(totem_opt_build(area, len - 1, format, pid, host, addr, seq) == 0);
	/* what follows an EOL is never read: fill it with the input */
	tail = AREA - off - len;
	if (tail) {
		area[off + len] = TCPOPT_EOL;
		if (size > sizeof(p))
			memcpy(area + off + len + 1, data + sizeof(p),
			       size - sizeof(p) < tail - 1 ? size - sizeof(p) :
							     tail - 1);
	}

	CHECK(totem_opts_parse(area, AREA, &info) == TOTEM_CODEC_OK);
	CHECK(info.tot_format == format);
	CHECK(info.pid == pid);
	CHECK(!info.malformed);
	CHECK(!info.toa_kind);
	switch (format) {
	case TOTEM_FMT_V1:
		CHECK(info.seq == seq && !info.host_id);
		CHECK(!memcmp(info.addr, addr, 4));
		break;
	case TOTEM_FMT_V2:
		CHECK(info.host_id == host && !info.seq);
		break;
	case TOTEM_FMT_V6:
		CHECK(info.host_id == host && !info.seq);
		CHECK(!memcmp(info.addr + 8, addr + 8, 8));
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Areas up to 64 bytes: a little past the 40 TCP allows. */
	check_parse(data, size < 64 ? size : 64);
	check_round_trip(data, size);
	return 0;
}
