/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The option codec: walk a TCP option area, find TOT and TOA, build TOT.
 * Freestanding (fixed-width types only); compiled into the module, libtotem
 * and the fuzzer.  The rules it implements are in uapi/totem.h.
 */
#ifndef _TOTEM_CODEC_H
#define _TOTEM_CODEC_H

#include "uapi/totem.h"

/* What one option area said. */
struct totem_opt_info {
	__u8 tot_format;	/* enum totem_format, 0: no valid TOT */
	__u8 toa_kind;		/* 254 or 200, 0: no valid TOA */
	__u8 toa_family;	/* 4 or 6 */
	__u8 malformed;		/* malformed options found (saturating) */
	__u32 pid;
	__u32 host_id;
	__u32 seq;		/* v1 only */
	__u8 addr[16];		/* v1: IPv4 in [0..3]; v6: IID in [8..15] */
	__u8 toa_addr[16];	/* IPv4 in [0..3] */
	__u16 toa_port;		/* host order */
	__u16 __pad;
};

/* Return values of totem_opts_parse(). */
enum totem_codec_result {
	TOTEM_CODEC_OK = 0,		/* walked to the end (info may be empty) */
	TOTEM_CODEC_BAD_AREA = -1,	/* structure broken: nothing used */
};

/*
 * Parse @len bytes of TCP options at @opts (the bytes after the fixed
 * 20-byte header).  @len above TOTEM_TCP_OPT_SPACE is treated as malformed.
 * Fills @info (zeroed first).
 */
int totem_opts_parse(const __u8 *opts, unsigned int len,
		     struct totem_opt_info *info);

/* Length of the option for @format, 0 for an unknown format. */
unsigned int totem_opt_len(unsigned int format);

/*
 * Build the TOT option of @format into @buf (@room bytes).  @addr is the
 * IPv4 source (4 bytes) for v1, the IPv6 source (16 bytes) for v6, unused
 * for v2.  Returns the option length, or 0 if @format is unknown or the
 * option does not fit.
 */
unsigned int totem_opt_build(__u8 *buf, unsigned int room, unsigned int format,
			     __u32 pid, __u32 host_id, const __u8 *addr,
			     __u32 seq);

#endif /* _TOTEM_CODEC_H */
