/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Option-area test vectors: TCP option bytes and what a parser that follows
 * the rules in kmod/uapi/totem.h must make of them.  Every parser of totem
 * options (kmod/codec.c through tests/unit/test_codec.c, the BPF programs'
 * own parser through their tests) is checked against this one table.
 *
 * Plain C data: no test harness, no libc.  Expected values are in host
 * order, as struct totem_opt_info holds them; a vector whose .result is
 * TOTEM_CODEC_BAD_AREA expects every other field zero and malformed == 1.
 */
#ifndef _TOTEM_CODEC_VECTORS_H
#define _TOTEM_CODEC_VECTORS_H

#include "codec.h"

#define TOTEM_VEC_MAX_BYTES 48	/* > TOTEM_TCP_OPT_SPACE: oversized areas */

struct totem_codec_vector {
	const char *name;
	const char *rule;	/* the rule of uapi/totem.h it exercises */
	__u8 bytes[TOTEM_VEC_MAX_BYTES];
	unsigned int len;
	int result;		/* enum totem_codec_result */
	__u8 malformed;
	__u8 format;		/* enum totem_format */
	__u32 pid;
	__u32 host_id;
	__u32 seq;
	__u8 addr[16];		/* v1: IPv4 in [0..3]; v6: IID in [8..15] */
	__u8 toa_kind;
	__u8 toa_family;	/* 4 or 6 */
	__u16 toa_port;
	__u8 toa_addr[16];
};

/* clang-format off */

/* What Linux puts on a SYN: MSS, SACK-permitted + timestamps, NOP, wscale. */
#define VEC_SYN20 0x02, 0x04, 0x05, 0xb4, \
	0x04, 0x02, 0x08, 0x0a, 0x00, 0x01, 0x02, 0x03, 0x00, 0x00, 0x00, 0x00, \
	0x01, 0x03, 0x03, 0x07
#define VEC_NOP4 0x01, 0x01, 0x01, 0x01
#define VEC_NOP8 VEC_NOP4, VEC_NOP4
#define VEC_NOP20 VEC_NOP8, VEC_NOP8, VEC_NOP4

/* v1: pid 12345, IPv4 192.0.2.1, seq 0xa1b2c3d4 */
#define VEC_V1 0xfd, 0x10, 0xde, 0xe9, 0x00, 0x00, 0x30, 0x39, \
	0xc0, 0x00, 0x02, 0x01, 0xa1, 0xb2, 0xc3, 0xd4
#define VEC_V1_PID 12345
#define VEC_V1_ADDR { 192, 0, 2, 1 }
#define VEC_V1_SEQ 0xa1b2c3d4
/* v2: pid 65537, host id 0xcafebabe */
#define VEC_V2 0xfd, 0x0c, 0xde, 0xea, 0x00, 0x01, 0x00, 0x01, \
	0xca, 0xfe, 0xba, 0xbe
#define VEC_V2_PID 65537
#define VEC_V2_HOST 0xcafebabe
/* v6: pid 0x7fffffff, host id 0x01020304, IID 0211:22ff:fe33:4455 */
#define VEC_V6 0xfd, 0x14, 0xde, 0xeb, 0x7f, 0xff, 0xff, 0xff, \
	0x01, 0x02, 0x03, 0x04, \
	0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55
#define VEC_V6_PID 0x7fffffff
#define VEC_V6_HOST 0x01020304
#define VEC_V6_ADDR { 0, 0, 0, 0, 0, 0, 0, 0, \
	0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55 }
/* TOA: port 8080, 198.51.100.7; IPv6 TOA: port 443, 2001:db8::1 */
#define VEC_TOA4(kind) kind, 0x08, 0x1f, 0x90, 0xc6, 0x33, 0x64, 0x07
#define VEC_TOA4_ADDR { 198, 51, 100, 7 }
#define VEC_TOA6 0xfe, 0x14, 0x01, 0xbb, \
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
#define VEC_TOA6_ADDR { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, \
	0, 0, 0, 0, 0, 0, 0, 0x01 }

#define VEC_EXPECT_V1 .format = TOTEM_FMT_V1, .pid = VEC_V1_PID, \
	.addr = VEC_V1_ADDR, .seq = VEC_V1_SEQ
#define VEC_EXPECT_V2 .format = TOTEM_FMT_V2, .pid = VEC_V2_PID, \
	.host_id = VEC_V2_HOST
#define VEC_EXPECT_V6 .format = TOTEM_FMT_V6, .pid = VEC_V6_PID, \
	.host_id = VEC_V6_HOST, .addr = VEC_V6_ADDR
#define VEC_EXPECT_TOA4(kind) .toa_kind = kind, .toa_family = 4, \
	.toa_port = 8080, .toa_addr = VEC_TOA4_ADDR
#define VEC_BAD_AREA .result = TOTEM_CODEC_BAD_AREA, .malformed = 1

static const struct totem_codec_vector totem_codec_vectors[] = {
	/* ---- well-formed TOT ---- */
	{ .name = "v1_alone", .rule = "v1: 253/16/0xDEE9 pid,ipv4,seq",
	  .bytes = { VEC_V1 }, .len = 16, VEC_EXPECT_V1 },
	{ .name = "v2_alone", .rule = "v2: 253/12/0xDEEA pid,host",
	  .bytes = { VEC_V2 }, .len = 12, VEC_EXPECT_V2 },
	{ .name = "v6_alone", .rule = "v6: 253/20/0xDEEB pid,host,iid",
	  .bytes = { VEC_V6 }, .len = 20, VEC_EXPECT_V6 },
	{ .name = "syn_then_v1", .rule = "after a Linux SYN's options",
	  .bytes = { VEC_SYN20, VEC_V1 }, .len = 36, VEC_EXPECT_V1 },
	{ .name = "syn_then_v6_full_area", .rule = "option ends at byte 40",
	  .bytes = { VEC_SYN20, VEC_V6 }, .len = 40, VEC_EXPECT_V6 },
	{ .name = "syn_nop_v2_nop_full_area", .rule = "NOP is skipped",
	  .bytes = { VEC_SYN20, 0x01, 0x01, VEC_V2, VEC_NOP4, 0x01, 0x01 },
	  .len = 40, VEC_EXPECT_V2 },
	{ .name = "nops_v1_nop_eol_tail", .rule = "EOL ends the area",
	  .bytes = { 0x01, 0x01, 0x01, VEC_V1, 0x01, 0x00, 0x00, 0x00, 0x00 },
	  .len = 24, VEC_EXPECT_V1 },
	{ .name = "v2_after_28_nops", .rule = "option ends at byte 40",
	  .bytes = { VEC_NOP20, VEC_NOP8, VEC_V2 }, .len = 40, VEC_EXPECT_V2 },
	{ .name = "v2_in_kind_254", .rule = "kind 253/254 with our ExID",
	  .bytes = { 0xfe, 0x0c, 0xde, 0xea, 0x00, 0x01, 0x00, 0x01,
		     0xca, 0xfe, 0xba, 0xbe }, .len = 12, VEC_EXPECT_V2 },
	{ .name = "md5_then_v2", .rule = "unknown kinds are skipped",
	  .bytes = { 0x13, 0x12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
		     15, 16, VEC_V2, 0x01, 0x01 }, .len = 32, VEC_EXPECT_V2 },
	{ .name = "pid_zero_v2", .rule = "pid 0 (unknown owner) is valid",
	  .bytes = { 0xfd, 0x0c, 0xde, 0xea, 0, 0, 0, 0, 0, 0, 0, 0 },
	  .len = 12, .format = TOTEM_FMT_V2 },

	/* ---- well-formed TOA ---- */
	{ .name = "toa4_kind254", .rule = "254/8 is TOA",
	  .bytes = { VEC_TOA4(0xfe) }, .len = 8, VEC_EXPECT_TOA4(254) },
	{ .name = "toa4_kind200", .rule = "200/8 is TOA",
	  .bytes = { VEC_TOA4(0xc8) }, .len = 8, VEC_EXPECT_TOA4(200) },
	{ .name = "toa6_kind254", .rule = "254/20 is IPv6 TOA",
	  .bytes = { VEC_TOA6 }, .len = 20, .toa_kind = 254, .toa_family = 6,
	  .toa_port = 443, .toa_addr = VEC_TOA6_ADDR },
	{ .name = "v2_and_toa4", .rule = "one TOT and one TOA together",
	  .bytes = { VEC_V2, VEC_TOA4(0xfe) }, .len = 20, VEC_EXPECT_V2,
	  VEC_EXPECT_TOA4(254) },

	/* ---- nothing there ---- */
	{ .name = "empty", .rule = "no options", .len = 0 },
	{ .name = "nops_40", .rule = "40 NOPs: nothing, not malformed",
	  .bytes = { VEC_NOP20, VEC_NOP20 }, .len = 40 },
	{ .name = "eol_hides_v2", .rule = "nothing after EOL is read",
	  .bytes = { 0x00, VEC_V2 }, .len = 13 },
	{ .name = "eol_hides_broken", .rule = "nothing after EOL is read",
	  .bytes = { 0x01, 0x00, 0x02, 0x00 }, .len = 4 },
	{ .name = "syn_only", .rule = "a plain SYN has no TOT",
	  .bytes = { VEC_SYN20 }, .len = 20 },

	/* ---- broken structure: the whole area is malformed ---- */
	{ .name = "len0_kind2", .rule = "length byte < 2",
	  .bytes = { 0x02, 0x00, 0x05, 0xb4 }, .len = 4, VEC_BAD_AREA },
	{ .name = "len1_kind8", .rule = "length byte < 2",
	  .bytes = { 0x08, 0x01, VEC_NOP8 }, .len = 10, VEC_BAD_AREA },
	{ .name = "len0_kind253", .rule = "length byte < 2",
	  .bytes = { 0xfd, 0x00, 0xde, 0xea }, .len = 4, VEC_BAD_AREA },
	{ .name = "v2_then_len0", .rule = "malformed area: nothing used",
	  .bytes = { VEC_V2, 0x03, 0x00, 0x01, 0x01 }, .len = 16,
	  VEC_BAD_AREA },
	{ .name = "toa_then_len1", .rule = "malformed area: nothing used",
	  .bytes = { VEC_TOA4(0xfe), 0x05, 0x01 }, .len = 10, VEC_BAD_AREA },
	{ .name = "v1_past_end", .rule = "length runs past the area",
	  .bytes = { VEC_V1 }, .len = 10, VEC_BAD_AREA },
	{ .name = "syn_v6_past_end_by_one", .rule = "length runs past the area",
	  .bytes = { VEC_SYN20, VEC_V6 }, .len = 39, VEC_BAD_AREA },
	{ .name = "kind_without_length", .rule = "truncated option",
	  .bytes = { 0x01, 0x01, 0x01, 0xfd }, .len = 4, VEC_BAD_AREA },
	{ .name = "v2_then_kind_without_length", .rule = "truncated option",
	  .bytes = { VEC_V2, 0x02 }, .len = 13, VEC_BAD_AREA },
	{ .name = "area_41_nops", .rule = "area > 40 bytes",
	  .bytes = { VEC_NOP20, VEC_NOP20, 0x01 }, .len = 41, VEC_BAD_AREA },
	{ .name = "area_44_syn_v1_toa", .rule = "area > 40 bytes",
	  .bytes = { VEC_SYN20, VEC_V1, VEC_TOA4(0xfe) }, .len = 44,
	  VEC_BAD_AREA },

	/* ---- malformed TOT: ignored and counted ---- */
	{ .name = "v1_exid_len4", .rule = "our ExID, wrong length",
	  .bytes = { 0xfd, 0x04, 0xde, 0xe9 }, .len = 4, .malformed = 1 },
	{ .name = "v1_exid_len8_pid_only", .rule = "our ExID, wrong length",
	  .bytes = { 0xfd, 0x08, 0xde, 0xe9, 0x00, 0x00, 0x30, 0x39 },
	  .len = 8, .malformed = 1 },
	{ .name = "v1_exid_len12", .rule = "our ExID, wrong length",
	  .bytes = { 0xfd, 0x0c, 0xde, 0xe9, 0x00, 0x00, 0x30, 0x39,
		     0xc0, 0x00, 0x02, 0x01 }, .len = 12, .malformed = 1 },
	{ .name = "v2_exid_len16", .rule = "our ExID, wrong length",
	  .bytes = { 0xfd, 0x10, 0xde, 0xea, 0x00, 0x01, 0x00, 0x01,
		     0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0 }, .len = 16,
	  .malformed = 1 },
	{ .name = "v6_exid_len12", .rule = "our ExID, wrong length",
	  .bytes = { 0xfd, 0x0c, 0xde, 0xeb, 0x00, 0x01, 0x00, 0x01,
		     0xca, 0xfe, 0xba, 0xbe }, .len = 12, .malformed = 1 },
	{ .name = "v1_exid_in_254_len8", .rule = "254 with our ExID, wrong length",
	  .bytes = { 0xfe, 0x08, 0xde, 0xe9, 0xc6, 0x33, 0x64, 0x07 },
	  .len = 8, .malformed = 1 },
	{ .name = "v2_and_bad_length_v2", .rule = "a malformed TOT is ignored",
	  .bytes = { VEC_V2, 0xfd, 0x10, 0xde, 0xea, 0, 0, 0, 1, 0, 0, 0, 2,
		     0, 0, 0, 3 }, .len = 28, .malformed = 1, VEC_EXPECT_V2 },
	{ .name = "two_v2", .rule = "two TOT: all TOT rejected",
	  .bytes = { VEC_V2, VEC_V2 }, .len = 24, .malformed = 1 },
	{ .name = "v1_and_v2", .rule = "two TOT: all TOT rejected",
	  .bytes = { VEC_V1, VEC_V2 }, .len = 28, .malformed = 1 },
	{ .name = "v6_and_v2", .rule = "two TOT: all TOT rejected",
	  .bytes = { VEC_V6, VEC_V2 }, .len = 32, .malformed = 1 },
	{ .name = "two_v2_and_toa4", .rule = "two TOT: TOA still used",
	  .bytes = { VEC_V2, VEC_TOA4(0xc8), VEC_V2 }, .len = 32,
	  .malformed = 1, VEC_EXPECT_TOA4(200) },

	/* ---- malformed TOA: ignored and counted ---- */
	{ .name = "len2_kind254", .rule = "kind 254 of another length",
	  .bytes = { 0xfe, 0x02 }, .len = 2, .malformed = 1 },
	{ .name = "len3_kind254", .rule = "kind 254 of another length",
	  .bytes = { 0xfe, 0x03, 0x00, 0x01 }, .len = 4, .malformed = 1 },
	{ .name = "toa_len10_kind254", .rule = "kind 254 of another length",
	  .bytes = { 0xfe, 0x0a, 0x1f, 0x90, 0xc6, 0x33, 0x64, 0x07, 0, 0 },
	  .len = 10, .malformed = 1 },
	{ .name = "toa_len10_kind200", .rule = "kind 200 of another length",
	  .bytes = { 0xc8, 0x0a, 0x1f, 0x90, 0xc6, 0x33, 0x64, 0x07, 0, 0 },
	  .len = 10, .malformed = 1 },
	{ .name = "toa_len20_kind200", .rule = "kind 200 is IPv4 only",
	  .bytes = { 0xc8, 0x14, 0x01, 0xbb, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,
		     0, 0, 0, 0, 0, 0, 0, 0, 0x01 }, .len = 20,
	  .malformed = 1 },
	{ .name = "two_toa", .rule = "two TOA: all TOA rejected",
	  .bytes = { VEC_TOA4(0xfe), VEC_TOA4(0xc8) }, .len = 16,
	  .malformed = 1 },
	{ .name = "two_toa_and_v1", .rule = "two TOA: TOT still used",
	  .bytes = { VEC_TOA4(0xfe), VEC_V1, VEC_TOA4(0xc8) }, .len = 32,
	  .malformed = 1, VEC_EXPECT_V1 },
	{ .name = "twenty_bad_toa", .rule = "each malformed option counts",
	  .bytes = { 0xfe, 2, 0xfe, 2, 0xfe, 2, 0xfe, 2, 0xfe, 2, 0xfe, 2,
		     0xfe, 2, 0xfe, 2, 0xfe, 2, 0xfe, 2, 0xfe, 2, 0xfe, 2,
		     0xfe, 2, 0xfe, 2, 0xfe, 2, 0xfe, 2, 0xfe, 2, 0xfe, 2,
		     0xfe, 2, 0xfe, 2 }, .len = 40, .malformed = 20 },

	/* ---- someone else's options: neither taken nor counted ---- */
	{ .name = "len2_kind253", .rule = "kind 253 without our ExID",
	  .bytes = { 0xfd, 0x02 }, .len = 2 },
	{ .name = "wrong_exid_len16", .rule = "kind 253 without our ExID",
	  .bytes = { 0xfd, 0x10, 0xde, 0xe8, 0x00, 0x00, 0x30, 0x39,
		     0xc0, 0x00, 0x02, 0x01, 0xa1, 0xb2, 0xc3, 0xd4 },
	  .len = 16 },
	{ .name = "akamai_253_len8", .rule = "kind 253/8 is not taken as TOA",
	  .bytes = { VEC_TOA4(0xfd) }, .len = 8 },
	{ .name = "tfo_exp_request", .rule = "254 with the TFO ExID",
	  .bytes = { 0xfe, 0x04, 0xf9, 0x89 }, .len = 4 },
	{ .name = "tfo_exp_cookie4", .rule = "254 with the TFO ExID, len 8",
	  .bytes = { 0xfe, 0x08, 0xf9, 0x89, 1, 2, 3, 4 }, .len = 8 },
	{ .name = "tfo_exp_cookie8", .rule = "254 with the TFO ExID",
	  .bytes = { 0xfe, 0x0c, 0xf9, 0x89, 1, 2, 3, 4, 5, 6, 7, 8 },
	  .len = 12 },
	{ .name = "tfo_exp_cookie16", .rule = "254 with the TFO ExID, len 20",
	  .bytes = { 0xfe, 0x14, 0xf9, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
		     11, 12, 13, 14, 15, 16 }, .len = 20 },
	{ .name = "tfo_cookie8_and_v2", .rule = "a TFO SYN with a TOT",
	  .bytes = { 0xfe, 0x0c, 0xf9, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, VEC_V2 },
	  .len = 24, VEC_EXPECT_V2 },
};

/* clang-format on */

#define TOTEM_CODEC_NVECTORS \
	(sizeof(totem_codec_vectors) / sizeof(totem_codec_vectors[0]))

#endif /* _TOTEM_CODEC_VECTORS_H */
