/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * The eBPF path's record, put back together: what a socket's sk_storage
 * holds (struct totem_sock_state), its owner's per-process details, its
 * TOA and its remote address, as the struct totem_sock_record every path
 * reports.  Freestanding; used by the eBPF programs (events, the lookup
 * program) and by libtotem (sock_diag dumps), so the two cannot disagree.
 * uapi/totem.h says why the record is stored in pieces.
 */
#ifndef _TOTEM_BPF_RECORD_H
#define _TOTEM_BPF_RECORD_H

#include "uapi/totem.h"

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

#endif /* _TOTEM_BPF_RECORD_H */
