// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF twins of the option codec (bpf/parse.bpf.h, bpf/build.bpf.h)
 * against kmod/codec.c: every vector of tests/unit/codec_vectors.h, then
 * random option areas and random build inputs, compared field by field.
 * Runs the BPF code through BPF_PROG_TYPE_SYSCALL programs
 * (bpf/codec_test.bpf.c, bpf_prog_test_run_opts()).  Needs root.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "codec.h"
#include "codec_vectors.h"
#include "../../bpf/codec_test.h"
#include "codec_test.skel.h"

#define NR_RANDOM 20000

/* The programs, or NULL after a SKIP with the reason. */
static struct codec_test_bpf *load(struct __test_metadata *_metadata)
{
	struct codec_test_bpf *skel;

	if (geteuid()) {
		SKIP(return NULL, "needs root to load BPF programs");
	}
	skel = codec_test_bpf__open_and_load();
	if (!skel)
		SKIP(return NULL, "cannot load BPF_PROG_TYPE_SYSCALL programs: %s",
		     strerror(errno));
	return skel;
}

static int run(struct bpf_program *prog, struct totem_codec_test *t)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = t, .ctx_size_in = sizeof(*t));

	return bpf_prog_test_run_opts(bpf_program__fd(prog), &o);
}

/* BPF parse of @bytes; 0 and both answers filled, or -errno. */
static int parse_both(struct codec_test_bpf *skel, const __u8 *bytes,
		      unsigned int len, struct totem_codec_test *t,
		      struct totem_opt_info *ref, int *ref_ret)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->area, bytes, len < sizeof(t->area) ? len : sizeof(t->area));
	t->len = len;
	*ref_ret = totem_opts_parse(bytes, len, ref);
	return run(skel->progs.codec_parse, t);
}

TEST(vectors)
{
	struct codec_test_bpf *skel = load(_metadata);
	unsigned int i;

	if (!skel)
		return;

	for (i = 0; i < sizeof(totem_codec_vectors) / sizeof(totem_codec_vectors[0]); i++) {
		const struct totem_codec_vector *v = &totem_codec_vectors[i];
		struct totem_opt_info ref;
		struct totem_codec_test t;
		int ref_ret;

		ASSERT_EQ(0, parse_both(skel, v->bytes, v->len, &t, &ref, &ref_ret));
		if (ref_ret != t.ret || memcmp(&ref, &t.info, sizeof(ref)))
			TH_LOG("vector %s differs from codec.c", v->name);
		EXPECT_EQ(v->result, t.ret);
		EXPECT_EQ(v->malformed, t.info.malformed);
		EXPECT_EQ(v->format, t.info.tot_format);
		EXPECT_EQ(v->pid, t.info.pid);
		EXPECT_EQ(v->host_id, t.info.host_id);
		EXPECT_EQ(v->seq, t.info.seq);
		EXPECT_EQ(0, memcmp(v->addr, t.info.addr, 16));
		EXPECT_EQ(v->toa_kind, t.info.toa_kind);
		EXPECT_EQ(v->toa_family, t.info.toa_family);
		EXPECT_EQ(v->toa_port, t.info.toa_port);
		EXPECT_EQ(0, memcmp(v->toa_addr, t.info.toa_addr, 16));
		/* and exactly what codec.c says */
		EXPECT_EQ(ref_ret, t.ret);
		EXPECT_EQ(0, memcmp(&ref, &t.info, sizeof(ref)));
	}
	codec_test_bpf__destroy(skel);
}

/* Areas made of plausible options, so the deep rules get exercised. */
static unsigned int random_area(__u8 *b)
{
	static const __u8 kinds[] = { 0, 1, 1, 2, 3, 8, 253, 253, 254, 254, 200 };
	static const __u8 lens[] = { 2, 3, 4, 8, 10, 12, 16, 20, 0, 41 };
	static const __u16 exids[] = { 0xdee9, 0xdeea, 0xdeeb, 0xf989, 0x1234 };
	unsigned int len = rand() % 44, i = 0, k;

	for (k = 0; k < 48; k++)
		b[k] = rand();
	while (i + 4 < len && rand() % 8) {
		b[i] = kinds[rand() % sizeof(kinds)];
		if (b[i] <= 1) {
			i++;
			continue;
		}
		b[i + 1] = rand() % 4 ? lens[rand() % sizeof(lens)] : rand();
		if (rand() % 4) {
			__u16 e = exids[rand() % 5];

			b[i + 2] = e >> 8;
			b[i + 3] = e;
		}
		i += b[i + 1] ? b[i + 1] : 1;
	}
	return len;
}

TEST(random_areas)
{
	struct codec_test_bpf *skel = load(_metadata);
	unsigned int n, bad = 0, tot = 0;
	__u8 bytes[48];

	if (!skel)
		return;

	srand(20261126);
	for (n = 0; n < NR_RANDOM; n++) {
		unsigned int len = random_area(bytes);
		struct totem_opt_info ref;
		struct totem_codec_test t;
		int ref_ret;

		ASSERT_EQ(0, parse_both(skel, bytes, len, &t, &ref, &ref_ret));
		bad += ref_ret != TOTEM_CODEC_OK;
		tot += ref.tot_format != 0;
		ASSERT_EQ(ref_ret, t.ret);
		ASSERT_EQ(0, memcmp(&ref, &t.info, sizeof(ref)))
		TH_LOG("area %u (len %u) differs", n, len);
	}
	/* the generator must reach both broken areas and valid options */
	EXPECT_LT(0, bad);
	EXPECT_LT(0, tot);
	codec_test_bpf__destroy(skel);
}

TEST(build)
{
	struct codec_test_bpf *skel = load(_metadata);
	static const unsigned int formats[] = { TOTEM_FMT_V1, TOTEM_FMT_V2,
						TOTEM_FMT_V6, 0, 3 };
	unsigned int n, k;

	if (!skel)
		return;
	srand(4242);
	for (n = 0; n < 2000; n++) {
		struct totem_codec_test t = {};
		__u8 ref[TOTEM_OPT_MAX_LEN] = {};
		unsigned int ref_len;

		t.format = formats[n % 5];
		t.pid = rand() ^ (unsigned int)rand() << 16;
		t.host_id = rand() ^ (unsigned int)rand() << 16;
		t.seq = rand() ^ (unsigned int)rand() << 16;
		for (k = 0; k < 16; k++)
			t.addr[k] = rand();
		ref_len = totem_opt_build(ref, sizeof(ref), t.format, t.pid, t.host_id,
					  t.addr, t.seq);
		ASSERT_EQ(0, run(skel->progs.codec_build, &t));
		ASSERT_EQ(ref_len, t.built_len);
		ASSERT_EQ(0, memcmp(ref, t.built, ref_len));
	}
	codec_test_bpf__destroy(skel);
}

TEST_HARNESS_MAIN
