/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The BPF twin of totem_opt_build() (kmod/codec.c): same bytes for the same
 * inputs (tests/host/bpf-codec.t compares the two).  @buf must hold
 * TOTEM_OPT_MAX_LEN bytes; @addr is 16 bytes (IPv4 in [0..3], IPv6 whole).
 */
#ifndef _TOTEM_BUILD_BPF_H
#define _TOTEM_BUILD_BPF_H

#include "codec.h"

static __always_inline __u32 totem_bpf_opt_len(__u32 format)
{
	switch (format) {
	case TOTEM_FMT_V1:
		return TOTEM_OPT_V1_LEN;
	case TOTEM_FMT_V2:
		return TOTEM_OPT_V2_LEN;
	case TOTEM_FMT_V6:
		return TOTEM_OPT_V6_LEN;
	}
	return 0;
}

static __always_inline void totem_bpf_put32(__u8 *p, __u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static __always_inline __u32 totem_bpf_opt_build(__u8 *buf, __u32 format,
						 __u32 pid, __u32 host_id,
						 const __u8 *addr, __u32 seq)
{
	__u32 len = totem_bpf_opt_len(format), exid;
	int k;

	if (!len)
		return 0;
	buf[0] = TOTEM_OPT_KIND;
	buf[1] = len;
	totem_bpf_put32(buf + 4, pid);
	if (format == TOTEM_FMT_V1) {
		exid = TOTEM_EXID_V1;
		for (k = 0; k < 4; k++)
			buf[8 + k] = addr[k];
		totem_bpf_put32(buf + 12, seq);
	} else if (format == TOTEM_FMT_V2) {
		exid = TOTEM_EXID_V2;
		totem_bpf_put32(buf + 8, host_id);
	} else {
		exid = TOTEM_EXID_V6;
		totem_bpf_put32(buf + 8, host_id);
		for (k = 0; k < 8; k++)
			buf[12 + k] = addr[8 + k];
	}
	buf[2] = exid >> 8;
	buf[3] = exid;
	return len;
}

#endif /* _TOTEM_BUILD_BPF_H */
