// SPDX-License-Identifier: GPL-2.0
/*
 * The option codec (kmod/codec.c), as the module, libtotem and the fuzzer
 * run it: every vector of codec_vectors.h through totem_opts_parse(), and
 * every format through totem_opt_build() and back.  Needs no privilege.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "codec.h"
#include "codec_vectors.h"

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define AREA TOTEM_TCP_OPT_SPACE

static bool info_matches(const struct totem_codec_vector *v,
			 const struct totem_opt_info *info)
{
	return v->malformed == info->malformed &&
	       v->format == info->tot_format && v->pid == info->pid &&
	       v->host_id == info->host_id && v->seq == info->seq &&
	       !memcmp(v->addr, info->addr, sizeof(info->addr)) &&
	       v->toa_kind == info->toa_kind &&
	       v->toa_family == info->toa_family &&
	       v->toa_port == info->toa_port &&
	       !memcmp(v->toa_addr, info->toa_addr, sizeof(info->toa_addr));
}

/* Compare what the parser said with what the vector expects. */
static void check_info(struct __test_metadata *_metadata,
		       const struct totem_codec_vector *v,
		       const struct totem_opt_info *info)
{
	EXPECT_EQ(v->malformed, info->malformed);
	EXPECT_EQ(v->format, info->tot_format);
	EXPECT_EQ(v->pid, info->pid);
	EXPECT_EQ(v->host_id, info->host_id);
	EXPECT_EQ(v->seq, info->seq);
	EXPECT_EQ(0, memcmp(v->addr, info->addr, sizeof(info->addr)));
	EXPECT_EQ(v->toa_kind, info->toa_kind);
	EXPECT_EQ(v->toa_family, info->toa_family);
	EXPECT_EQ(v->toa_port, info->toa_port);
	EXPECT_EQ(0,
		  memcmp(v->toa_addr, info->toa_addr, sizeof(info->toa_addr)));
}

/*
 * One variant per vector.  The variants are registered from the table at
 * start-up rather than spelled out with FIXTURE_VARIANT_ADD(), so that a
 * vector added to codec_vectors.h is tested without touching this file.
 */
FIXTURE(vec)
{
	__u8 *map;
	__u8 *guard;	/* first byte of an inaccessible page */
	size_t page;
};

FIXTURE_VARIANT(vec)
{
	const struct totem_codec_vector *v;
};

#ifdef KSELFTEST_PRIO_XFAIL
#define VEC_CTOR_PRIO (KSELFTEST_PRIO_XFAIL) /* after FIXTURE() registered */
#else
#define VEC_CTOR_PRIO /* older harness: constructors run in source order */
#endif

static void __attribute__((constructor VEC_CTOR_PRIO)) register_vectors(void)
{
	static struct _fixture_variant_vec data[TOTEM_CODEC_NVECTORS];
	static struct __fixture_variant_metadata meta[TOTEM_CODEC_NVECTORS];
	size_t i;

	for (i = 0; i < TOTEM_CODEC_NVECTORS; i++) {
		data[i].v = &totem_codec_vectors[i];
		meta[i].name = totem_codec_vectors[i].name;
		meta[i].data = &data[i];
		__register_fixture_variant(&_vec_fixture_object, &meta[i]);
	}
}

/*
 * Areas are copied to the end of a page that is followed by a PROT_NONE
 * page: reading one byte past the area kills the test with SIGSEGV.
 */
FIXTURE_SETUP(vec)
{
	self->page = sysconf(_SC_PAGESIZE);
	self->map = mmap(NULL, 2 * self->page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	self->guard = self->map + self->page;
	ASSERT_EQ(0, mprotect(self->guard, self->page, PROT_NONE));
}

FIXTURE_TEARDOWN(vec)
{
	munmap(self->map, 2 * self->page);
}

/*
 * Each vector three ways, every area ending right at the guard page:
 *  - as it is;
 *  - behind every number of NOPs that fits in 40 bytes (nothing changes,
 *    good or broken), or, for a full area, behind one NOP (now too long);
 *  - if it parsed and leaves room, followed by an EOL and bytes that would
 *    break the area if they were read.
 */
TEST_F(vec, parse)
{
	static const struct totem_codec_vector too_long = { .malformed = 1 };
	const struct totem_codec_vector *v = variant->v;
	struct totem_opt_info info;
	unsigned int pad, i;
	__u8 *area;

	area = self->guard - v->len;
	memcpy(area, v->bytes, v->len);
	memset(&info, 0xa5, sizeof(info));	/* stale data must go */
	ASSERT_EQ(v->result, totem_opts_parse(area, v->len, &info))
		TH_LOG("%s (%u bytes): %s", v->name, v->len, v->rule);
	check_info(_metadata, v, &info);
	/* The parser only reads. */
	EXPECT_EQ(0, memcmp(area, v->bytes, v->len));

	if (v->len >= AREA) {
		area = self->guard - v->len - 1;
		area[0] = TCPOPT_NOP;
		memcpy(area + 1, v->bytes, v->len);
		ASSERT_EQ(TOTEM_CODEC_BAD_AREA,
			  totem_opts_parse(area, v->len + 1, &info))
			TH_LOG("%s with a NOP in front", v->name);
		check_info(_metadata, &too_long, &info);
		return;
	}

	for (pad = 1; pad + v->len <= AREA; pad++) {
		area = self->guard - pad - v->len;
		memset(area, TCPOPT_NOP, pad);
		memcpy(area + pad, v->bytes, v->len);
		ASSERT_EQ(v->result, totem_opts_parse(area, pad + v->len, &info))
			TH_LOG("%s with %u NOPs in front", v->name, pad);
		if (!info_matches(v, &info)) {
			TH_LOG("%s with %u NOPs in front", v->name, pad);
			check_info(_metadata, v, &info);
			return;
		}
	}

	/* An option running past a broken area would swallow the EOL. */
	if (v->result != TOTEM_CODEC_OK)
		return;
	area = self->guard - AREA;
	memcpy(area, v->bytes, v->len);
	area[v->len] = TCPOPT_EOL;
	/* 253 with a zero length right after the EOL: broken if read. */
	for (i = v->len + 1; i < AREA; i++)
		area[i] = (i - v->len) & 1 ? 0xfd : 0x00;
	ASSERT_EQ(v->result, totem_opts_parse(area, AREA, &info))
		TH_LOG("%s followed by EOL and garbage", v->name);
	if (!info_matches(v, &info)) {
		TH_LOG("%s followed by EOL and garbage", v->name);
		check_info(_metadata, v, &info);
	}
}

/* ---- building ---- */

FIXTURE(build)
{
	__u8 buf[AREA + 8];
};

FIXTURE_VARIANT(build)
{
	unsigned int format;
	unsigned int len;
	__u32 pid;
	__u32 host_id;
	__u32 seq;
	__u8 src[16];		/* what the caller passes as addr */
	__u8 wire[TOTEM_OPT_MAX_LEN];
	struct totem_codec_vector expect;
};

/* clang-format off */
FIXTURE_VARIANT_ADD(build, v1)
{
	.format = TOTEM_FMT_V1, .len = TOTEM_OPT_V1_LEN,
	.pid = VEC_V1_PID, .seq = VEC_V1_SEQ, .host_id = 0x11111111,
	.src = VEC_V1_ADDR, .wire = { VEC_V1 },
	.expect = { VEC_EXPECT_V1 },
};

FIXTURE_VARIANT_ADD(build, v2)
{
	.format = TOTEM_FMT_V2, .len = TOTEM_OPT_V2_LEN,
	.pid = VEC_V2_PID, .host_id = VEC_V2_HOST, .seq = 0x22222222,
	.src = { 10, 0, 0, 1 }, .wire = { VEC_V2 },
	.expect = { VEC_EXPECT_V2 },
};

/* The high 64 bits of the source never go on the wire. */
FIXTURE_VARIANT_ADD(build, v6)
{
	.format = TOTEM_FMT_V6, .len = TOTEM_OPT_V6_LEN,
	.pid = VEC_V6_PID, .host_id = VEC_V6_HOST, .seq = 0x33333333,
	.src = { 0x20, 0x01, 0x0d, 0xb8, 0xaa, 0xbb, 0xcc, 0xdd,
		 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55 },
	.wire = { VEC_V6 },
	.expect = { VEC_EXPECT_V6 },
};
/* clang-format on */

FIXTURE_SETUP(build)
{
	memset(self->buf, 0x5a, sizeof(self->buf));
}

FIXTURE_TEARDOWN(build)
{
}

static unsigned int build_v(FIXTURE_DATA(build) * self,
			    const FIXTURE_VARIANT(build) * variant,
			    unsigned int off, unsigned int room)
{
	return totem_opt_build(self->buf + off, room, variant->format,
			       variant->pid, variant->host_id, variant->src,
			       variant->seq);
}

TEST_F(build, length)
{
	EXPECT_EQ(variant->len, totem_opt_len(variant->format));
	EXPECT_GE(TOTEM_OPT_MAX_LEN, totem_opt_len(variant->format));
}

/* Byte for byte what uapi/totem.h draws; nothing around it touched. */
TEST_F(build, wire_bytes)
{
	unsigned int i;

	ASSERT_EQ(variant->len, build_v(self, variant, 4, AREA));
	EXPECT_EQ(0, memcmp(self->buf + 4, variant->wire, variant->len));
	for (i = 0; i < sizeof(self->buf); i++)
		if (i < 4 || i >= 4 + variant->len)
			EXPECT_EQ(0x5a, self->buf[i])
				TH_LOG("byte %u", i);
}

TEST_F(build, exact_room)
{
	ASSERT_EQ(variant->len, build_v(self, variant, 0, variant->len));
	EXPECT_EQ(0, memcmp(self->buf, variant->wire, variant->len));
}

TEST_F(build, no_room)
{
	unsigned int room, i;

	for (room = 0; room < variant->len; room++) {
		EXPECT_EQ(0, build_v(self, variant, 0, room));
		for (i = 0; i < sizeof(self->buf); i++)
			ASSERT_EQ(0x5a, self->buf[i])
				TH_LOG("room %u", room);
	}
}

/* Built at every offset of a NOP-filled area, parsed back exactly. */
TEST_F(build, round_trip_every_offset)
{
	struct totem_opt_info info;
	unsigned int off;

	for (off = 0; off + variant->len <= AREA; off++) {
		memset(self->buf, TCPOPT_NOP, AREA);
		ASSERT_EQ(variant->len,
			  build_v(self, variant, off, AREA - off));
		ASSERT_EQ(TOTEM_CODEC_OK,
			  totem_opts_parse(self->buf, AREA, &info))
			TH_LOG("offset %u", off);
		if (!info_matches(&variant->expect, &info)) {
			TH_LOG("offset %u", off);
			check_info(_metadata, &variant->expect, &info);
			break;
		}
	}
}

/* After what Linux puts on a SYN, padded to the end of the area. */
TEST_F(build, round_trip_after_syn)
{
	static const __u8 syn[] = { VEC_SYN20 };
	struct totem_opt_info info;

	memset(self->buf, TCPOPT_NOP, AREA);
	memcpy(self->buf, syn, sizeof(syn));
	ASSERT_EQ(variant->len, build_v(self, variant, AREA - variant->len,
					variant->len));
	ASSERT_EQ(TOTEM_CODEC_OK, totem_opts_parse(self->buf, AREA, &info));
	check_info(_metadata, &variant->expect, &info);
}

/* Next to a TOA: both come back. */
TEST_F(build, round_trip_with_toa)
{
	static const __u8 toa[] = { VEC_TOA4(0xc8) };
	struct totem_codec_vector expect = variant->expect;
	struct totem_opt_info info;

	memcpy(self->buf, toa, sizeof(toa));
	ASSERT_EQ(variant->len, build_v(self, variant, sizeof(toa),
					AREA - sizeof(toa)));
	ASSERT_EQ(TOTEM_CODEC_OK,
		  totem_opts_parse(self->buf, sizeof(toa) + variant->len,
				   &info));
	expect.toa_kind = 200;
	expect.toa_family = 4;
	expect.toa_port = 8080;
	memcpy(expect.toa_addr, (__u8[4])VEC_TOA4_ADDR, 4);
	check_info(_metadata, &expect, &info);
}

/* A segment carrying the option twice claims no identity. */
TEST_F(build, twice_is_rejected)
{
	static const struct totem_codec_vector none = { .malformed = 1 };
	struct totem_opt_info info;
	unsigned int n = variant->len;

	if (2 * n > AREA)
		SKIP(return, "two options of %u bytes do not fit", n);
	ASSERT_EQ(n, build_v(self, variant, 0, AREA));
	ASSERT_EQ(n, build_v(self, variant, n, AREA - n));
	ASSERT_EQ(TOTEM_CODEC_OK, totem_opts_parse(self->buf, 2 * n, &info));
	check_info(_metadata, &none, &info);
}

/* Extreme field values survive; v2 never dereferences addr. */
TEST_F(build, field_extremes)
{
	static const __u32 vals[] = { 0, 1, 0x7fffffff, 0x80000000,
				      0xfffffffe, 0xffffffff };
	struct totem_opt_info info;
	__u8 src[16];
	unsigned int i;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		const __u8 *addr = variant->format == TOTEM_FMT_V2 ? NULL : src;
		__u32 v = vals[i];

		memset(src, v & 0xff, sizeof(src));
		ASSERT_EQ(variant->len,
			  totem_opt_build(self->buf, AREA, variant->format, v,
					  ~v, addr, v ^ 0x5a5a5a5a));
		ASSERT_EQ(TOTEM_CODEC_OK,
			  totem_opts_parse(self->buf, variant->len, &info));
		EXPECT_EQ(variant->format, info.tot_format);
		EXPECT_EQ(v, info.pid);
		EXPECT_EQ(0, info.malformed);
		switch (variant->format) {
		case TOTEM_FMT_V1:
			EXPECT_EQ(0, info.host_id);
			EXPECT_EQ(v ^ 0x5a5a5a5a, info.seq);
			EXPECT_EQ(0, memcmp(info.addr, src, 4));
			break;
		case TOTEM_FMT_V2:
			EXPECT_EQ(~v, info.host_id);
			EXPECT_EQ(0, info.seq);
			break;
		case TOTEM_FMT_V6:
			EXPECT_EQ(~v, info.host_id);
			EXPECT_EQ(0, info.seq);
			EXPECT_EQ(0, memcmp(info.addr + 8, src + 8, 8));
			break;
		}
	}
}

/* Only v1, v2 and v6 exist: anything else builds nothing. */
TEST(unknown_formats)
{
	__u8 buf[AREA], src[16] = { 0 };
	unsigned int f, i;

	memset(buf, 0x5a, sizeof(buf));
	for (f = 0; f < 1024; f++) {
		if (f == TOTEM_FMT_V1 || f == TOTEM_FMT_V2 || f == TOTEM_FMT_V6)
			continue;
		EXPECT_EQ(0, totem_opt_len(f))
			TH_LOG("format %u", f);
		EXPECT_EQ(0, totem_opt_build(buf, sizeof(buf), f, 1, 2, src, 3))
			TH_LOG("format %u", f);
	}
	for (i = 0; i < sizeof(buf); i++)
		ASSERT_EQ(0x5a, buf[i]);
}

/* The vectors themselves: unique names, lengths inside their buffers. */
TEST(vector_table)
{
	size_t i, j;

	ASSERT_LT(40, TOTEM_CODEC_NVECTORS);
	for (i = 0; i < TOTEM_CODEC_NVECTORS; i++) {
		const struct totem_codec_vector *v = &totem_codec_vectors[i];

		ASSERT_NE(NULL, v->name);
		ASSERT_NE(NULL, v->rule);
		ASSERT_GE(TOTEM_VEC_MAX_BYTES, v->len)
			TH_LOG("%s", v->name);
		for (j = 0; j < i; j++)
			ASSERT_NE(0, strcmp(v->name, totem_codec_vectors[j].name))
				TH_LOG("duplicate vector %s", v->name);
	}
}

TEST_HARNESS_MAIN
