// SPDX-License-Identifier: GPL-2.0
/*
 * Test harness for the BPF twins of the codec (parse.bpf.h, build.bpf.h):
 * BPF_PROG_TYPE_SYSCALL programs run with bpf_prog_test_run_opts() by
 * tests/e2e/bpf_codec.c, which compares each answer with kmod/codec.c.
 * Not loaded by totemd.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "uapi/totem.h"
#include "parse.bpf.h"
#include "build.bpf.h"
#include "codec_test.h"

char LICENSE[] SEC("license") = "GPL";

SEC("syscall")
int codec_parse(struct totem_codec_test *t)
{
	struct totem_opt_area area = {};
	struct totem_opt_info info;

	__builtin_memcpy(area.b, t->area, sizeof(t->area));
	t->ret = totem_bpf_opts_parse(&area, t->len, &info);
	__builtin_memcpy(&t->info, &info, sizeof(info));
	return 0;
}

SEC("syscall")
int codec_build(struct totem_codec_test *t)
{
	__u8 buf[TOTEM_OPT_MAX_LEN] = {};
	__u8 addr[16];

	__builtin_memcpy(addr, t->addr, sizeof(addr));
	t->built_len = totem_bpf_opt_build(buf, t->format, t->pid, t->host_id,
					   addr, t->seq);
	__builtin_memcpy(t->built, buf, sizeof(buf));
	return 0;
}
