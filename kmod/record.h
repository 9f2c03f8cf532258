/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The per-socket record as both kernel paths store it, in pieces (what a
 * socket keeps, struct totem_sock_state; its owner's per-process details;
 * its TOA, if it got one; its remote address), and as every path reports
 * it (struct totem_sock_record): how a peer's option is folded into the
 * stored state, and how the pieces are put back together.  Freestanding;
 * used by the module, the eBPF programs (events, the lookup program) and
 * libtotem (sock_diag dumps), so none of them can disagree.  uapi/totem.h
 * says why the record is stored in pieces.
 */
#ifndef _TOTEM_RECORD_H
#define _TOTEM_RECORD_H

#include "uapi/totem.h"
#include "codec.h"

#define TOTEM_AF_INET 2
#define TOTEM_AF_INET6 10

_Static_assert(sizeof(struct totem_sock_state) == 56, "one kmalloc-128 element");
_Static_assert(sizeof(struct totem_sock_record) == 120, "the reported record");

/* Is the 16-byte address @a ::ffff:a.b.c.d? */
static inline int totem_addr_v4mapped(const __u8 *a)
{
	int i;

	for (i = 0; i < 10; i++)
		if (a[i])
			return 0;
	return a[10] == 0xff && a[11] == 0xff;
}

/*
 * The /64 a v6 option's IID goes with: that of the socket's remote address
 * @daddr (16 bytes) when the socket is IPv6 and not v4-mapped; else NULL
 * (the option came over IPv4, there is no prefix to give).
 */
static inline const __u8 *totem_peer_prefix(__u8 family, const __u8 *daddr)
{
	if (family != TOTEM_AF_INET6 || totem_addr_v4mapped(daddr))
		return (const __u8 *)0;
	return daddr;
}

/* @proc, @toa and @prefix (8 bytes) may be NULL: not known, none. */
static inline void totem_record_assemble(struct totem_sock_record *r,
					 const struct totem_sock_state *st,
					 const struct totem_proc_info *proc,
					 const struct totem_toa *toa,
					 const __u8 *prefix)
{
	const struct totem_peer_state *ps = &st->peer;

	__builtin_memset(r, 0, sizeof(*r));
	r->owner.tgid = st->owner_tgid;
	r->owner.flags = st->owner_flags;
	if (proc && st->owner_tgid) {
		r->owner.uid = proc->uid;
		r->owner.cgroup_id = proc->cgroup_id;
		__builtin_memcpy(r->owner.comm, proc->comm, sizeof(r->owner.comm));
	}
	r->peer.pid = ps->pid;
	r->peer.host_id = ps->host_id;
	r->peer.seq = ps->seq;
	r->peer.family = ps->family;
	r->peer.format = ps->format;
	r->peer.seen = ps->seen;
	r->peer.flags = ps->flags;
	r->peer.first_ns = ps->first_ns;
	r->peer.last_ns = ps->last_ns;
	if (ps->format == TOTEM_FMT_V1) {
		__builtin_memcpy(r->peer.addr, ps->addr, 4);
	} else if (ps->format == TOTEM_FMT_V6) {
		if (prefix)
			__builtin_memcpy(r->peer.addr, prefix, 8);
		__builtin_memcpy(r->peer.addr + 8, ps->addr, 8);
	}
	if (toa)
		r->toa = *toa;
	r->tx.unsampled = st->tx_unsampled;
	r->tx.flags = st->tx_flags;
}

/*
 * Fold the TOT option of @info, seen on a @seg segment (enum totem_seg) at
 * @now (boot time, ns), into @p.  1 if it named another peer than @p did
 * (process, format, host or address: the peer events' rule); 0 otherwise,
 * also when only the kind of segment is new (seen is updated, an event
 * would tell nobody anything new: a connection's first data segment would
 * double its peer events), and if @info has no TOT.  A v6 option's IID is
 * kept, not its /64 (totem_record_assemble() takes that from the socket).
 */
static inline int totem_peer_fold(struct totem_peer_state *p,
				  const struct totem_opt_info *info, __u8 seg,
				  __u64 now)
{
	__u8 family = 0, flags, addr[8] = { 0 };
	__u32 host_id = 0, seq = 0;
	int news, i;

	switch (info->tot_format) {
	case TOTEM_FMT_V1:
		family = TOTEM_AF_INET;
		flags = TOTEM_PEER_F_ADDR | TOTEM_PEER_F_SEQ;
		seq = info->seq;
		__builtin_memcpy(addr, info->addr, 4);
		break;
	case TOTEM_FMT_V2:
		flags = TOTEM_PEER_F_HOST;
		host_id = info->host_id;
		break;
	case TOTEM_FMT_V6:
		family = TOTEM_AF_INET6;
		flags = TOTEM_PEER_F_HOST | TOTEM_PEER_F_ADDR;
		host_id = info->host_id;
		__builtin_memcpy(addr, info->addr + 8, 8);
		break;
	default:
		return 0;
	}
	news = p->pid != info->pid || p->format != info->tot_format ||
	       p->host_id != host_id;
	for (i = 0; i < 8; i++) {
		news |= p->addr[i] != addr[i];
		p->addr[i] = addr[i];
	}
	p->pid = info->pid;
	p->format = info->tot_format;
	p->seen |= seg;
	p->family = family;
	p->flags = flags;
	p->host_id = host_id;
	p->seq = seq;
	if (!p->first_ns)
		p->first_ns = now;
	p->last_ns = now;
	return news;
}

/* @info's TOA into @t: 1, or 0 if @info has none (@t untouched). */
static inline int totem_toa_from(struct totem_toa *t,
				 const struct totem_opt_info *info)
{
	__u8 *port = (__u8 *)&t->port; /* network order */

	if (!info->toa_kind)
		return 0;
	__builtin_memset(t, 0, sizeof(*t));
	__builtin_memcpy(t->addr, info->toa_addr, 16);
	port[0] = info->toa_port >> 8;
	port[1] = info->toa_port & 0xff;
	t->family = info->toa_family == 4 ? TOTEM_AF_INET : TOTEM_AF_INET6;
	t->kind = info->toa_kind;
	return 1;
}

#endif /* _TOTEM_RECORD_H */
