/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The BPF twin of totem_opts_parse() (kmod/codec.c): the same rules, the
 * same struct totem_opt_info, written as one bounded loop the verifier can
 * walk.  BPF programs cannot call codec.c; tests/host/bpf-codec.t runs this
 * parser through a BPF_PROG_TYPE_SYSCALL program on the codec's vectors and
 * on random option areas and compares every field with codec.c.
 *
 * @opts is a TOTEM_PARSE_BUF-byte buffer whose first @len bytes are the
 * option area; every access is masked into the buffer, so the verifier
 * needs no per-byte bounds proof and a broken area can never read outside.
 */
#ifndef _TOTEM_PARSE_BPF_H
#define _TOTEM_PARSE_BPF_H

#include "codec.h"

#define TOTEM_PARSE_BUF 64 /* power of two, >= 40 + 20 */
#define TOTEM_PARSE_MASK (TOTEM_PARSE_BUF - 1)

#define TOTEM_TCPOPT_EOL 0
#define TOTEM_TCPOPT_NOP 1

/*
 * The option area, zero-padded to a power of two, and the walk's state.
 * The state lives here, in memory the global parser only sees through a
 * pointer, not on its stack: before 6.7 the verifier checked a bpf_loop()
 * callback for one call only and would prune the "second TOT option"
 * branches as dead (fixed by ab5cfac139ab "bpf: verify callbacks as if
 * they are called unknown number of times").
 */
struct totem_opt_area {
	__u8 b[TOTEM_PARSE_BUF];
	__u32 i;
	__u32 n_tot; /* 0, 1 or 2 ("more") */
	__u32 n_toa;
	__u32 bad;
};

/* Byte @k of the option that starts at @base. */
#define TOTEM_B(k) ((__u32)opts[(base + (k)) & TOTEM_PARSE_MASK])
#define TOTEM_B16(k) (TOTEM_B(k) << 8 | TOTEM_B((k) + 1))
#define TOTEM_B32(k) (TOTEM_B(k) << 24 | TOTEM_B((k) + 1) << 16 | \
		      TOTEM_B((k) + 2) << 8 | TOTEM_B((k) + 3))

static __always_inline __u32 totem_bpf_tot_len(__u32 exid)
{
	switch (exid) {
	case TOTEM_EXID_V1:
		return TOTEM_OPT_V1_LEN;
	case TOTEM_EXID_V2:
		return TOTEM_OPT_V2_LEN;
	case TOTEM_EXID_V6:
		return TOTEM_OPT_V6_LEN;
	}
	return 0;
}

static __always_inline void totem_bpf_malformed(struct totem_opt_info *info)
{
	if (info->malformed < 0xff)
		info->malformed++;
}

static __always_inline void totem_bpf_take_tot(const __u8 *opts, __u32 base,
					       struct totem_opt_info *info)
{
	__u32 exid = TOTEM_B16(2);
	int k;

	info->pid = TOTEM_B32(4);
	if (exid == TOTEM_EXID_V1) {
		info->tot_format = TOTEM_FMT_V1;
		for (k = 0; k < 4; k++)
			info->addr[k] = TOTEM_B(8 + k);
		info->seq = TOTEM_B32(12);
	} else if (exid == TOTEM_EXID_V2) {
		info->tot_format = TOTEM_FMT_V2;
		info->host_id = TOTEM_B32(8);
	} else {
		info->tot_format = TOTEM_FMT_V6;
		info->host_id = TOTEM_B32(8);
		for (k = 0; k < 8; k++)
			info->addr[8 + k] = TOTEM_B(12 + k);
	}
}

static __always_inline void totem_bpf_take_toa(const __u8 *opts, __u32 base,
					       __u32 olen,
					       struct totem_opt_info *info)
{
	int k;

	info->toa_kind = TOTEM_B(0);
	info->toa_port = TOTEM_B16(2);
	if (olen == TOTEM_TOA_V4_LEN) {
		info->toa_family = 4;
		for (k = 0; k < 4; k++)
			info->toa_addr[k] = TOTEM_B(4 + k);
	} else {
		info->toa_family = 6;
		for (k = 0; k < 16; k++)
			info->toa_addr[k] = TOTEM_B(4 + k);
	}
}

struct totem_parse_state {
	struct totem_opt_area *area;
	struct totem_opt_info *info;
	__u32 len;
};

/* One option per call; 1 stops the walk. */
static long totem_bpf_parse_step(__u32 n, void *ctx)
{
	struct totem_parse_state *ps = ctx;
	struct totem_opt_area *st = ps->area;
	struct totem_opt_info *info = ps->info;
	__u32 len = ps->len, i, base, olen, kind, exid, want;
	const __u8 *opts;

	if (!st || !info)
		return 1;
	opts = st->b;
	i = st->i;

	if (i >= len)
		return 1;
	base = i;
	kind = TOTEM_B(0);
	if (kind == TOTEM_TCPOPT_EOL)
		return 1;
	if (kind == TOTEM_TCPOPT_NOP) {
		st->i = i + 1;
		return 0;
	}
	if (len - i < 2) {
		st->bad = 1;
		return 1;
	}
	olen = TOTEM_B(1);
	if (olen < 2 || olen > len - i) {
		st->bad = 1;
		return 1;
	}
	st->i = i + olen;

	if (kind == TOTEM_OPT_KIND || kind == TOTEM_OPT_EXP_KIND) {
		exid = olen >= 4 ? TOTEM_B16(2) : 0;
		want = olen >= 4 ? totem_bpf_tot_len(exid) : 0;
		if (want) {
			if (olen != want)
				totem_bpf_malformed(info);
			else if (st->n_tot++ == 0)
				totem_bpf_take_tot(opts, base, info);
			else
				st->n_tot = 2;
			return 0;
		}
		if (kind == TOTEM_OPT_KIND)
			return 0; /* someone else's experiment */
		/* Experimental TFO (RFC 7413 4.1.1), 8 or 20 long: not TOA. */
		if (olen >= 4 && exid == TOTEM_EXID_TFO)
			return 0;
		if (olen == TOTEM_TOA_V4_LEN || olen == TOTEM_TOA_V6_LEN) {
			if (st->n_toa++ == 0)
				totem_bpf_take_toa(opts, base, olen, info);
			else
				st->n_toa = 2;
		} else {
			totem_bpf_malformed(info);
		}
	} else if (kind == TOTEM_OPT_IPVS_KIND) {
		if (olen != TOTEM_TOA_V4_LEN)
			totem_bpf_malformed(info);
		else if (st->n_toa++ == 0)
			totem_bpf_take_toa(opts, base, olen, info);
		else
			st->n_toa = 2;
	}
	return 0;
}

/*
 * Returns TOTEM_CODEC_OK or TOTEM_CODEC_BAD_AREA, like totem_opts_parse().
 * A global function (checked once, not once per caller) driving
 * bpf_loop() (5.17, e6f2dd0f8067): every turn consumes at least one byte,
 * so 40 turns walk any area, and the verifier checks one turn.
 */
__noinline int totem_bpf_opts_parse(struct totem_opt_area *area, __u32 len,
				    struct totem_opt_info *info)
{
	struct totem_parse_state ps = {};

	if (!area || !info)
		return TOTEM_CODEC_BAD_AREA;
	__builtin_memset(info, 0, sizeof(*info));
	if (len > TOTEM_TCP_OPT_SPACE)
		goto bad_area;
	area->i = 0;
	area->n_tot = 0;
	area->n_toa = 0;
	area->bad = 0;
	ps.area = area;
	ps.info = info;
	ps.len = len;
	bpf_loop(TOTEM_TCP_OPT_SPACE, totem_bpf_parse_step, &ps, 0);
	if (area->bad)
		goto bad_area;

	if (area->n_tot > 1) {
		totem_bpf_malformed(info);
		info->tot_format = 0;
		info->pid = 0;
		info->host_id = 0;
		info->seq = 0;
		__builtin_memset(info->addr, 0, sizeof(info->addr));
	}
	if (area->n_toa > 1) {
		totem_bpf_malformed(info);
		info->toa_kind = 0;
		info->toa_family = 0;
		info->toa_port = 0;
		__builtin_memset(info->toa_addr, 0, sizeof(info->toa_addr));
	}
	return TOTEM_CODEC_OK;

bad_area:
	__builtin_memset(info, 0, sizeof(*info));
	info->malformed = 1;
	return TOTEM_CODEC_BAD_AREA;
}

#undef TOTEM_B
#undef TOTEM_B16
#undef TOTEM_B32

#endif /* _TOTEM_PARSE_BPF_H */
