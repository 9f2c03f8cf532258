/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The socket table: struct sock * -> owner, peer and sampler state.
 * Filled in process context (connect, listen, accept, sendmsg), read from
 * any context under RCU, cleaned when sockets close.
 */
#ifndef _TOTEM_TABLE_H
#define _TOTEM_TABLE_H

#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <net/sock.h>
#include "uapi/totem.h"
#include "codec.h"

/*
 * One per socket, from a slab cache of its own (no rounding up to a kmalloc
 * size class): the index (hash and eviction links, RCU head, the socket:
 * 56 bytes), the TOA pointer, the inode, the lock, and the 56 bytes of
 * totem state the eBPF path keeps in sk_storage (struct totem_sock_state).
 * The owner's uid/cgroup/comm are kept once per process (proc.h), a TOA
 * only by sockets that received one; kmod/record.h puts the record back
 * together.
 * Listeners, a few among many sockets, are also on a list of their own
 * through a separate struct totem_listener.
 */
struct totem_entry {
	struct hlist_node hnode; /* hash by sk, RCU */
	struct list_head lru; /* insertion order, for eviction */
	struct rcu_head rcu;
	struct sock *sk; /* holds a reference */
	struct totem_toa *toa; /* lock; NULL until a TOA arrives */
	u64 ino; /* socket inode, seen in process context */
	spinlock_t lock; /* st, toa */
	bool listener; /* on totem_listeners */
	bool linked;
	struct totem_sock_state st;
};

/* One socket as reported over netlink. */
struct totem_snap {
	u8 family;
	u8 state;
	__be16 sport;
	__be16 dport;
	u8 saddr[16];
	u8 daddr[16];
	u32 netns;
	u64 inode;
	u64 cookie;
	struct totem_sock_record rec;
};

int totem_table_init(void);
struct dentry;
/*
 * Add the "table" file (entries, pending, procs, buckets, the state's and
 * an entry's size, its slab object) to the debugfs directory @dir.
 */
void totem_table_debugfs(struct dentry *dir);
/* Drop every entry; call after hooks and probes are gone. */
void totem_table_exit(void);
void totem_table_net_exit(struct net *net);

/*
 * Process context: the current task owns @sk now (@flag: how).  An owner
 * event goes out if the owner changed and @notify is set.
 */
void totem_owner_record(struct sock *sk, u32 flag, bool listener, bool notify);
/* Send the owner event of @sk now (its addresses are known). */
void totem_owner_announce(const struct sock *sk);
/* A failed connect(): forget what its entry probe recorded. */
void totem_owner_forget(struct sock *sk);
/* @sk left SYN_RECV for ESTABLISHED: inherit the listener, take the SYN's peer. */
void totem_child_established(struct sock *sk);
/* @sk reached TCP_CLOSE. */
void totem_sock_closed(const struct sock *sk);

/*
 * Packet path, under rcu_read_lock().  The tgid that owns @sk (0: unknown),
 * setting *@flags to how it was found.
 */
u32 totem_owner_of(const struct sock *sk, u32 *flags);
/* The owner of the listener of @net/@family bound to @laddr:@lport. */
u32 totem_listener_owner(const struct net *net, u8 family, const u8 *laddr,
			 __be16 lport);

/*
 * The data sampler.  totem_tx_due() says whether a data segment of @payload
 * bytes on @sk should be tagged and who owns it; totem_tx_done() records
 * whether it was.  Both under rcu_read_lock().
 */
struct totem_entry *totem_tx_due(struct sock *sk, u32 sample_bytes,
				 unsigned int payload, bool *due, u32 *pid);
void totem_tx_done(struct totem_entry *e, bool tagged, unsigned int payload);

/* An option arrived on a @seg segment (enum totem_seg) for the full socket @sk. */
void totem_peer_learn(struct sock *sk, const struct totem_opt_info *info,
		      u8 seg);
/* An option arrived on a SYN/handshake segment of a not yet created socket. */
void totem_pending_learn(const struct net *net, u8 family, const u8 *laddr,
			 const u8 *raddr, __be16 lport, __be16 rport,
			 const struct totem_opt_info *info, u8 seg);

/*
 * Queries (process context).  totem_table_walk() calls @fn for every entry
 * of @net from position *@pos on; when @fn returns non-zero the walk stops
 * and *@pos is where to resume.  totem_table_find() finds one socket by
 * its addresses in O(1): the kernel's own established-socket lookup, then
 * the table's hash; a listener (@dport 0) on the list of listeners.
 */
int totem_table_walk(const struct net *net, unsigned long *pos,
		     int (*fn)(const struct totem_snap *s, void *arg),
		     void *arg);
int totem_table_find(struct net *net, u8 family, const u8 *saddr,
		     const u8 *daddr, __be16 sport, __be16 dport,
		     struct totem_snap *out);
/* Fill @s from @e (any context; the inode only if already known). */
void totem_entry_snap(struct totem_entry *e, struct totem_snap *s);

#endif /* _TOTEM_TABLE_H */
