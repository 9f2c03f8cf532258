// SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT
/*
 * The option codec.  No libc, no kernel API: byte loads and stores only, so
 * that the module, libtotem and the fuzzer run the very same code.
 */
#include "codec.h"

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u32 get32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(__u8 *p, __u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void copy(__u8 *dst, const __u8 *src, unsigned int n)
{
	while (n--)
		*dst++ = *src++;
}

static void zero(void *p, unsigned int n)
{
	__u8 *b = p;

	while (n--)
		*b++ = 0;
}

static void count_malformed(struct totem_opt_info *info)
{
	if (info->malformed < 0xff)
		info->malformed++;
}

/* Expected length of a TOT option with @exid, 0 if @exid is not ours. */
static unsigned int tot_len(__u16 exid)
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

/* One well-formed TOT option; only the first of a segment is kept. */
static void take_tot(const __u8 *o, struct totem_opt_info *info, int *n_tot)
{
	__u16 exid = get16(o + 2);

	if (++*n_tot > 1)
		return;
	info->pid = get32(o + 4);
	switch (exid) {
	case TOTEM_EXID_V1:
		info->tot_format = TOTEM_FMT_V1;
		copy(info->addr, o + 8, 4);
		info->seq = get32(o + 12);
		break;
	case TOTEM_EXID_V2:
		info->tot_format = TOTEM_FMT_V2;
		info->host_id = get32(o + 8);
		break;
	default:
		info->tot_format = TOTEM_FMT_V6;
		info->host_id = get32(o + 8);
		copy(info->addr + 8, o + 12, 8);
		break;
	}
}

static void take_toa(const __u8 *o, unsigned int olen,
		     struct totem_opt_info *info, int *n_toa)
{
	if (++*n_toa > 1)
		return;
	info->toa_kind = o[0];
	info->toa_port = get16(o + 2);
	if (olen == TOTEM_TOA_V4_LEN) {
		info->toa_family = 4;
		copy(info->toa_addr, o + 4, 4);
	} else {
		info->toa_family = 6;
		copy(info->toa_addr, o + 4, 16);
	}
}

int totem_opts_parse(const __u8 *opts, unsigned int len,
		     struct totem_opt_info *info)
{
	unsigned int i = 0;
	int n_tot = 0, n_toa = 0;

	zero(info, sizeof(*info));
	if (len > TOTEM_TCP_OPT_SPACE)
		goto bad_area;

	while (i < len) {
		const __u8 *o = opts + i;
		unsigned int olen;

		if (o[0] == TCPOPT_EOL)
			break;
		if (o[0] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2)
			goto bad_area;
		olen = o[1];
		if (olen < 2 || olen > len - i)
			goto bad_area;
		i += olen;

		switch (o[0]) {
		case TOTEM_OPT_KIND:
		case TOTEM_OPT_EXP_KIND:
			if (olen >= 4 && tot_len(get16(o + 2))) {
				if (olen == tot_len(get16(o + 2)))
					take_tot(o, info, &n_tot);
				else
					count_malformed(info);
				break;
			}
			if (o[0] == TOTEM_OPT_KIND)
				break;	/* someone else's experiment */
			/*
			 * Experimental TFO (RFC 7413 sec. 4.1.1) is 8 or 20
			 * long with a 4- or 16-byte cookie: not a TOA.
			 */
			if (olen >= 4 && get16(o + 2) == TOTEM_EXID_TFO)
				break;
			if (olen == TOTEM_TOA_V4_LEN ||
			    olen == TOTEM_TOA_V6_LEN)
				take_toa(o, olen, info, &n_toa);
			else
				count_malformed(info);
			break;
		case TOTEM_OPT_IPVS_KIND:
			if (olen == TOTEM_TOA_V4_LEN)
				take_toa(o, olen, info, &n_toa);
			else
				count_malformed(info);
			break;
		}
	}

	if (n_tot > 1) {
		count_malformed(info);
		info->tot_format = 0;
		info->pid = 0;
		info->host_id = 0;
		info->seq = 0;
		zero(info->addr, sizeof(info->addr));
	}
	if (n_toa > 1) {
		count_malformed(info);
		info->toa_kind = 0;
		info->toa_family = 0;
		info->toa_port = 0;
		zero(info->toa_addr, sizeof(info->toa_addr));
	}
	return TOTEM_CODEC_OK;

bad_area:
	zero(info, sizeof(*info));
	info->malformed = 1;
	return TOTEM_CODEC_BAD_AREA;
}

unsigned int totem_opt_len(unsigned int format)
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

unsigned int totem_opt_build(__u8 *buf, unsigned int room, unsigned int format,
			     __u32 pid, __u32 host_id, const __u8 *addr,
			     __u32 seq)
{
	unsigned int len = totem_opt_len(format);

	if (!len || len > room)
		return 0;
	buf[0] = TOTEM_OPT_KIND;
	buf[1] = len;
	put32(buf + 4, pid);
	switch (format) {
	case TOTEM_FMT_V1:
		put16(buf + 2, TOTEM_EXID_V1);
		copy(buf + 8, addr, 4);
		put32(buf + 12, seq);
		break;
	case TOTEM_FMT_V2:
		put16(buf + 2, TOTEM_EXID_V2);
		put32(buf + 8, host_id);
		break;
	case TOTEM_FMT_V6:
		put16(buf + 2, TOTEM_EXID_V6);
		put32(buf + 8, host_id);
		copy(buf + 12, addr + 8, 8);
		break;
	}
	return len;
}
