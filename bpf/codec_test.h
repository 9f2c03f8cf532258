/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/* The context of bpf/codec_test.bpf.c's programs, shared with the test. */
#ifndef _TOTEM_CODEC_TEST_H
#define _TOTEM_CODEC_TEST_H

#include "codec.h"

struct totem_codec_test {
	/* parse: in */
	__u8 area[64];
	__u32 len;
	/* parse: out */
	__s32 ret;
	struct totem_opt_info info;
	/* build: in */
	__u32 format;
	__u32 pid;
	__u32 host_id;
	__u32 seq;
	__u8 addr[16];
	/* build: out */
	__u8 built[TOTEM_OPT_MAX_LEN];
	__u32 built_len;
};

#endif /* _TOTEM_CODEC_TEST_H */
