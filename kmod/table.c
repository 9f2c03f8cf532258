// SPDX-License-Identifier: GPL-2.0
/*
 * The socket table.
 *
 * Entries are keyed by struct sock * and hold a reference on the socket, so
 * the pointer cannot be freed and reused for another socket while an entry
 * names it (the "generation" problem of pointer-keyed tables cannot arise).
 * Every TCP socket passes through TCP_CLOSE before it is destroyed; that
 * transition (tracepoint or kprobe, see probes.c) removes the entry and so
 * drops the reference.  Entries are only created for sockets that are not
 * in TCP_CLOSE, and a creation that raced with the close is undone.
 *
 * The table is bounded (module parameter max_sockets): when full, the
 * oldest entry is evicted and table_evict counts it.  Its hash has a
 * bucket per allowed entry, so chains stay short even when it is full.
 *
 * What an entry stores is the eBPF path's per-socket state (table.h); the
 * owner's per-process details are in proc.c, a TOA in a small allocation
 * of its own on the rare socket that got one.
 *
 * Peer options seen on a SYN (or on the handshake ACK) arrive before the
 * socket they belong to exists; they wait in a small "pending" table keyed
 * by the 4-tuple until the child socket is established.
 *
 * /sys/kernel/debug/totem/table shows how many entries both tables hold,
 * so tests can check that they go back to empty once the connections
 * close and their namespaces go (tests/kmod/lifecycle-load.sh).
 */
#include <linux/debugfs.h>
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/vmalloc.h>
#include <net/inet_hashtables.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/tcp.h>
#include <net/tcp_states.h>
#include "table.h"
#include "config.h"
#include "netlink.h"
#include "proc.h"
#include "record.h"

#define TOTEM_PENDING_BITS 8
#define TOTEM_PENDING_MAX 4096
#define TOTEM_PENDING_TTL_NS (60ULL * NSEC_PER_SEC)

/* tx.flags */
#define TOTEM_TXF_TAGGED 1 /* a data segment was tagged already */

static struct hlist_head *totem_hash;
static unsigned int totem_hash_bits;
static struct kmem_cache *totem_entry_cache;
static LIST_HEAD(totem_lru);

/* The listening sockets' entries, for the owner of a SYN-ACK. */
struct totem_listener {
	struct list_head node; /* totem_listeners, RCU */
	struct totem_entry *e; /* freed after the same grace period */
	struct rcu_head rcu;
};
static LIST_HEAD(totem_listeners);
static DEFINE_SPINLOCK(totem_table_lock);
static unsigned int totem_nr_entries;

struct totem_tuple {
	u8 family;
	u8 laddr[16];
	u8 raddr[16];
	__be16 lport;
	__be16 rport;
};

struct totem_pending {
	struct hlist_node hnode;
	struct list_head fifo;
	const struct net *net; /* compared, never dereferenced */
	struct totem_tuple t;
	u64 born_ns;
	struct totem_peer_state peer;
	struct totem_toa toa;
};

static struct hlist_head totem_pending_hash[1 << TOTEM_PENDING_BITS];
static LIST_HEAD(totem_pending_fifo);
static DEFINE_SPINLOCK(totem_pending_lock);
static unsigned int totem_nr_pending;

/* The tuple of @family addresses (4 or 16 bytes) and ports. */
static void totem_tuple_fill(struct totem_tuple *t, u8 family, const u8 *laddr,
			     const u8 *raddr, __be16 lport, __be16 rport)
{
	unsigned int alen = family == AF_INET ? 4 : 16;

	memset(t, 0, sizeof(*t));
	t->family = family;
	memcpy(t->laddr, laddr, alen);
	memcpy(t->raddr, raddr, alen);
	t->lport = lport;
	t->rport = rport;
}

static bool totem_addr_any(const u8 *a, unsigned int len)
{
	while (len--)
		if (*a++)
			return false;
	return true;
}

/*
 * The addresses a v4-mapped IPv6 socket's packets carry: IPv4.  @t is
 * folded when its local address is ::ffff:a.b.c.d, or unbound (::) with
 * a v4-mapped remote one.
 */
static void totem_tuple_fold(struct totem_tuple *t)
{
	u8 laddr[4], raddr[4];

	if (t->family != AF_INET6 ||
	    !(totem_addr_v4mapped(t->laddr) ||
	      (totem_addr_any(t->laddr, 16) && totem_addr_v4mapped(t->raddr))))
		return;
	memcpy(laddr, t->laddr + 12, 4);
	memcpy(raddr, t->raddr + 12, 4);
	totem_tuple_fill(t, AF_INET, laddr, raddr, t->lport, t->rport);
}

/* The addresses @sk's packets carry (v4-mapped IPv6 folded to IPv4). */
static void totem_sk_tuple(const struct sock *sk, struct totem_tuple *t)
{
	__be16 lport = inet_sk(sk)->inet_sport;

#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		totem_tuple_fill(t, AF_INET6, sk->sk_v6_rcv_saddr.s6_addr,
				 sk->sk_v6_daddr.s6_addr, lport, sk->sk_dport);
		totem_tuple_fold(t);
		return;
	}
#endif
	totem_tuple_fill(t, AF_INET, (const u8 *)&sk->sk_rcv_saddr,
			 (const u8 *)&sk->sk_daddr, lport, sk->sk_dport);
}

static unsigned int totem_sk_hash(const struct sock *sk)
{
	return hash_ptr(sk, totem_hash_bits);
}

/* Under rcu_read_lock(). */
static struct totem_entry *totem_lookup(const struct sock *sk)
{
	struct totem_entry *e;

	hlist_for_each_entry_rcu(e, &totem_hash[totem_sk_hash(sk)], hnode)
		if (e->sk == sk)
			return e;
	return NULL;
}

static void totem_entry_free_rcu(struct rcu_head *head)
{
	struct totem_entry *e = container_of(head, struct totem_entry, rcu);

	sock_put(e->sk);
	kfree(e->toa);
	kmem_cache_free(totem_entry_cache, e);
}

/* totem_table_lock held. */
static void totem_listener_del(struct totem_entry *e)
{
	struct totem_listener *l;

	list_for_each_entry(l, &totem_listeners, node)
		if (l->e == e) {
			list_del_rcu(&l->node);
			kfree_rcu(l, rcu);
			return;
		}
}

/* totem_table_lock held. */
static void totem_unlink(struct totem_entry *e)
{
	hlist_del_rcu(&e->hnode);
	list_del(&e->lru);
	if (e->listener)
		totem_listener_del(e);
	e->linked = false;
	totem_nr_entries--;
	call_rcu(&e->rcu, totem_entry_free_rcu);
}

static void totem_remove(struct totem_entry *e)
{
	unsigned long flags;

	spin_lock_irqsave(&totem_table_lock, flags);
	if (e->linked)
		totem_unlink(e);
	spin_unlock_irqrestore(&totem_table_lock, flags);
}

/*
 * Under rcu_read_lock(); any context.  A socket in TCP_CLOSE gets an entry
 * only for connect() (@connecting), whose failure path removes it again.
 */
static struct totem_entry *totem_get_or_create(struct sock *sk, bool connecting,
					       bool *created)
{
	struct totem_entry *e, *old;
	unsigned long flags;

	*created = false;
	e = totem_lookup(sk);
	if (e)
		return e;
	if (!connecting && READ_ONCE(sk->sk_state) == TCP_CLOSE)
		return NULL;

	e = kmem_cache_zalloc(totem_entry_cache, GFP_ATOMIC);
	if (!e) {
		totem_count(TOTEM_CTR_ERR_STATE);
		return NULL;
	}
	if (!totem_compat_sock_hold_live(sk)) {
		kmem_cache_free(totem_entry_cache, e);
		return NULL;
	}
	e->sk = sk;
	spin_lock_init(&e->lock);

	spin_lock_irqsave(&totem_table_lock, flags);
	old = totem_lookup(sk);
	if (old) {
		spin_unlock_irqrestore(&totem_table_lock, flags);
		sock_put(sk);
		kmem_cache_free(totem_entry_cache, e);
		return old;
	}
	if (totem_nr_entries >= READ_ONCE(totem_max_sockets) &&
	    !list_empty(&totem_lru)) {
		totem_unlink(list_first_entry(&totem_lru, struct totem_entry, lru));
		totem_count(TOTEM_CTR_TABLE_EVICT);
	}
	hlist_add_head_rcu(&e->hnode, &totem_hash[totem_sk_hash(sk)]);
	list_add_tail(&e->lru, &totem_lru);
	e->linked = true;
	totem_nr_entries++;
	spin_unlock_irqrestore(&totem_table_lock, flags);

	/*
	 * The close transition removes entries after storing TCP_CLOSE; if it
	 * ran before our insertion, this load sees TCP_CLOSE and we undo.
	 */
	if (!connecting && READ_ONCE(sk->sk_state) == TCP_CLOSE) {
		totem_remove(e);
		return NULL;
	}
	*created = true;
	return e;
}

void totem_owner_record(struct sock *sk, u32 flag, bool listener, bool notify)
{
	struct totem_entry *e;
	unsigned long flags;
	bool created, changed = true;
	struct socket *sock;
	u32 tgid;

	/*
	 * Every send comes here: when the sender owns the socket already
	 * (nearly always), one lookup says so, without the owner's details
	 * (the task lock for its comm) or the entry's lock.
	 */
	if (flag == TOTEM_OWNER_F_SENDER) {
		bool same;

		tgid = task_tgid_nr(current);
		rcu_read_lock();
		e = totem_lookup(sk);
		same = e && READ_ONCE(e->st.owner_tgid) == tgid;
		rcu_read_unlock();
		if (same)
			return;
	}
	tgid = totem_proc_note_current();
	rcu_read_lock();
	e = totem_get_or_create(sk, flag == TOTEM_OWNER_F_CONNECT, &created);
	if (!e)
		goto out;
	/* Process context: the caller holds the file, sk_socket is stable. */
	sock = READ_ONCE(sk->sk_socket);
	if (!READ_ONCE(e->ino) && sock)
		WRITE_ONCE(e->ino, SOCK_INODE(sock)->i_ino);

	spin_lock_irqsave(&e->lock, flags);
	if (e->st.owner_tgid == tgid &&
	    (flag == TOTEM_OWNER_F_SENDER || e->st.owner_flags == flag)) {
		changed = false; /* same process: keep how we know it */
	} else {
		e->st.owner_tgid = tgid;
		e->st.owner_flags = flag;
	}
	spin_unlock_irqrestore(&e->lock, flags);

	if (listener && !READ_ONCE(e->listener)) {
		struct totem_listener *l = kmalloc(sizeof(*l), GFP_ATOMIC);

		if (!l)
			totem_count(TOTEM_CTR_ERR_STATE);
		spin_lock_irqsave(&totem_table_lock, flags);
		if (l && e->linked && !e->listener) {
			l->e = e;
			e->listener = true;
			list_add_rcu(&l->node, &totem_listeners);
			l = NULL;
		}
		spin_unlock_irqrestore(&totem_table_lock, flags);
		kfree(l); /* unused: a listener already, or removed */
	}
	if (changed && notify)
		totem_notify(TOTEM_CMD_EVENT_OWNER, e, -1);
out:
	rcu_read_unlock();
}

void totem_owner_announce(const struct sock *sk)
{
	struct totem_entry *e;

	rcu_read_lock();
	e = totem_lookup(sk);
	if (e)
		totem_notify(TOTEM_CMD_EVENT_OWNER, e, -1);
	rcu_read_unlock();
}

void totem_owner_forget(struct sock *sk)
{
	struct totem_entry *e;

	rcu_read_lock();
	e = totem_lookup(sk);
	if (e && READ_ONCE(sk->sk_state) == TCP_CLOSE)
		totem_remove(e);
	rcu_read_unlock();
}

void totem_sock_closed(const struct sock *sk)
{
	struct totem_entry *e;

	rcu_read_lock();
	e = totem_lookup(sk);
	if (e) {
		totem_notify(TOTEM_CMD_EVENT_CLOSE, e, TCP_CLOSE);
		totem_remove(e);
	}
	rcu_read_unlock();
}

static bool totem_listener_match(const struct sock *lsk, u8 family,
				 const u8 *laddr, bool *exact)
{
	*exact = false;
	if (lsk->sk_family == AF_INET) {
		if (family != AF_INET)
			return false;
		if (!lsk->sk_rcv_saddr)
			return true;
		*exact = !memcmp(&lsk->sk_rcv_saddr, laddr, 4);
		return *exact;
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (lsk->sk_family == AF_INET6) {
		const struct in6_addr *a = &lsk->sk_v6_rcv_saddr;

		if (ipv6_addr_any(a))
			return family == AF_INET6 || !ipv6_only_sock(lsk);
		if (family == AF_INET6)
			*exact = !memcmp(a, laddr, 16);
		else
			*exact = ipv6_addr_v4mapped(a) &&
				 !memcmp(&a->s6_addr32[3], laddr, 4);
		return *exact;
	}
#endif
	return false;
}

/* Under rcu_read_lock(): the listener entry for a local endpoint. */
static struct totem_entry *totem_listener_find(const struct net *net, u8 family,
					       const u8 *laddr, __be16 lport,
					       bool *several)
{
	struct totem_entry *e, *best = NULL;
	struct totem_listener *l;
	bool best_exact = false, exact;

	*several = false;
	list_for_each_entry_rcu(l, &totem_listeners, node) {
		const struct sock *lsk;

		e = l->e;
		lsk = e->sk;

		if (!net_eq(sock_net(lsk), net) ||
		    READ_ONCE(lsk->sk_state) != TCP_LISTEN ||
		    inet_sk(lsk)->inet_sport != lport ||
		    !totem_listener_match(lsk, family, laddr, &exact))
			continue;
		if (best)
			*several = true;
		if (!best || (exact && !best_exact)) {
			best = e;
			best_exact = exact;
		}
	}
	return best;
}

u32 totem_listener_owner(const struct net *net, u8 family, const u8 *laddr,
			 __be16 lport)
{
	struct totem_entry *e;
	bool several;

	e = totem_listener_find(net, family, laddr, lport, &several);
	return e ? READ_ONCE(e->st.owner_tgid) : 0;
}

u32 totem_owner_of(const struct sock *sk, u32 *flags)
{
	struct totem_entry *e = totem_lookup(sk);

	if (!e) {
		*flags = 0;
		return 0;
	}
	*flags = READ_ONCE(e->st.owner_flags);
	return READ_ONCE(e->st.owner_tgid);
}

static u32 totem_sat_add(u32 a, u32 b)
{
	return a > U32_MAX - b ? U32_MAX : a + b;
}

struct totem_entry *totem_tx_due(struct sock *sk, u32 sample_bytes,
				 unsigned int payload, bool *due, u32 *pid)
{
	struct totem_entry *e;
	unsigned long flags;
	bool created;

	e = totem_get_or_create(sk, false, &created);
	if (!e)
		return NULL;
	spin_lock_irqsave(&e->lock, flags);
	/* The first data segment is tagged, then one after every N bytes. */
	*due = !sample_bytes || !(e->st.tx_flags & TOTEM_TXF_TAGGED) ||
	       e->st.tx_unsampled >= sample_bytes;
	*pid = e->st.owner_tgid;
	spin_unlock_irqrestore(&e->lock, flags);
	return e;
}

void totem_tx_done(struct totem_entry *e, bool tagged, unsigned int payload)
{
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	if (tagged) {
		e->st.tx_unsampled = 0;
		e->st.tx_flags |= TOTEM_TXF_TAGGED;
	} else {
		/* Not tagged (not due, or no room): the debt carries over. */
		e->st.tx_unsampled = totem_sat_add(e->st.tx_unsampled, payload);
	}
	spin_unlock_irqrestore(&e->lock, flags);
}

/*
 * e->lock held: store the TOA @n in @e, in @spare (a zeroed struct
 * totem_toa the caller allocated, NULL if it could not) when @e has none
 * yet, which then belongs to @e (*@spare set to NULL).  True if it changed.
 */
static bool totem_entry_toa(struct totem_entry *e, const struct totem_toa *n,
			    struct totem_toa **spare)
{
	if (!e->toa) {
		if (!*spare) {
			totem_count(TOTEM_CTR_ERR_STATE);
			return false;
		}
		e->toa = *spare;
		*spare = NULL;
	}
	if (!memcmp(e->toa, n, sizeof(*n)))
		return false;
	*e->toa = *n;
	return true;
}

/* What a TOA to be stored in @e needs: a struct of its own if it has none. */
static struct totem_toa *totem_toa_spare(const struct totem_entry *e)
{
	if (READ_ONCE(e->toa))
		return NULL;
	return kzalloc(sizeof(struct totem_toa), GFP_ATOMIC);
}

void totem_peer_learn(struct sock *sk, const struct totem_opt_info *info,
		      u8 seg)
{
	struct totem_toa toa, *spare = NULL;
	struct totem_entry *e;
	unsigned long flags;
	bool created, changed, has_toa;

	rcu_read_lock();
	e = totem_get_or_create(sk, false, &created);
	if (!e)
		goto out;
	has_toa = totem_toa_from(&toa, info);
	if (has_toa)
		spare = totem_toa_spare(e);
	spin_lock_irqsave(&e->lock, flags);
	changed = totem_peer_fold(&e->st.peer, info, seg,
				  ktime_get_boottime_ns());
	if (has_toa && totem_entry_toa(e, &toa, &spare))
		changed = true;
	spin_unlock_irqrestore(&e->lock, flags);
	kfree(spare);
	if (changed)
		totem_notify(TOTEM_CMD_EVENT_PEER, e, -1);
out:
	rcu_read_unlock();
}

static unsigned int totem_pending_hash_of(const struct net *net,
					  const struct totem_tuple *t)
{
	return jhash(t, sizeof(*t), (u32)(unsigned long)net) &
	       ((1 << TOTEM_PENDING_BITS) - 1);
}

/* totem_pending_lock held. */
static struct totem_pending *totem_pending_find(const struct net *net,
						const struct totem_tuple *t)
{
	struct totem_pending *p;

	hlist_for_each_entry(p, &totem_pending_hash[totem_pending_hash_of(net, t)],
			     hnode)
		if (p->net == net && !memcmp(&p->t, t, sizeof(*t)))
			return p;
	return NULL;
}

static void totem_pending_free(struct totem_pending *p)
{
	hlist_del(&p->hnode);
	list_del(&p->fifo);
	totem_nr_pending--;
	kfree(p);
}

void totem_pending_learn(const struct net *net, u8 family, const u8 *laddr,
			 const u8 *raddr, __be16 lport, __be16 rport,
			 const struct totem_opt_info *info, u8 seg)
{
	u64 now = ktime_get_boottime_ns();
	struct totem_pending *p, *tmp;
	struct totem_tuple t;
	unsigned long flags;

	totem_tuple_fill(&t, family, laddr, raddr, lport, rport);

	spin_lock_irqsave(&totem_pending_lock, flags);
	p = totem_pending_find(net, &t);
	if (!p) {
		list_for_each_entry_safe(p, tmp, &totem_pending_fifo, fifo) {
			if (totem_nr_pending < TOTEM_PENDING_MAX &&
			    p->born_ns + TOTEM_PENDING_TTL_NS > now)
				break;
			totem_pending_free(p);
		}
		p = kzalloc(sizeof(*p), GFP_ATOMIC);
		if (!p) {
			totem_count(TOTEM_CTR_ERR_STATE);
			goto out;
		}
		p->net = net;
		p->t = t;
		p->born_ns = now;
		hlist_add_head(&p->hnode,
			       &totem_pending_hash[totem_pending_hash_of(net, &t)]);
		list_add_tail(&p->fifo, &totem_pending_fifo);
		totem_nr_pending++;
	}
	totem_peer_fold(&p->peer, info, seg, now);
	totem_toa_from(&p->toa, info);
out:
	spin_unlock_irqrestore(&totem_pending_lock, flags);
}

/* Move what the handshake said about @t out; true if there was any. */
static bool totem_pending_take(const struct net *net, const struct totem_tuple *t,
			       struct totem_peer_state *peer,
			       struct totem_toa *toa)
{
	struct totem_pending *p;
	unsigned long flags;
	bool found = false;

	spin_lock_irqsave(&totem_pending_lock, flags);
	p = totem_pending_find(net, t);
	if (p) {
		*peer = p->peer;
		*toa = p->toa;
		totem_pending_free(p);
		found = true;
	}
	spin_unlock_irqrestore(&totem_pending_lock, flags);
	return found;
}

void totem_child_established(struct sock *sk)
{
	struct totem_toa toa, *spare = NULL;
	struct totem_peer_state peer;
	struct totem_entry *e, *l;
	struct totem_tuple t;
	unsigned long flags;
	u32 lo_tgid = 0;
	u16 lo_flags = TOTEM_OWNER_F_LISTENER;
	bool created, several, have_peer, inherit = false;

	totem_sk_tuple(sk, &t);
	have_peer = totem_pending_take(sock_net(sk), &t, &peer, &toa);

	rcu_read_lock();
	l = totem_listener_find(sock_net(sk), t.family, t.laddr, t.lport,
				&several);
	if (l) {
		lo_tgid = READ_ONCE(l->st.owner_tgid);
		if (several || l->sk->sk_reuseport)
			lo_flags |= TOTEM_OWNER_F_REUSEPORT;
		inherit = lo_tgid != 0;
	}
	if (!inherit && !have_peer)
		goto out;
	e = totem_get_or_create(sk, false, &created);
	if (!e)
		goto out;
	if (have_peer && toa.family)
		spare = totem_toa_spare(e);
	spin_lock_irqsave(&e->lock, flags);
	if (inherit && !e->st.owner_tgid) {
		e->st.owner_tgid = lo_tgid;
		e->st.owner_flags = lo_flags;
	} else {
		inherit = false;
	}
	if (have_peer) {
		if (peer.format) {
			peer.seen |= e->st.peer.seen;
			e->st.peer = peer;
		}
		if (toa.family)
			totem_entry_toa(e, &toa, &spare);
	}
	spin_unlock_irqrestore(&e->lock, flags);
	kfree(spare);
	if (inherit)
		totem_notify(TOTEM_CMD_EVENT_OWNER, e, -1);
	if (have_peer)
		totem_notify(TOTEM_CMD_EVENT_PEER, e, -1);
out:
	rcu_read_unlock();
}

void totem_entry_snap(struct totem_entry *e, struct totem_snap *s)
{
	const struct sock *sk = e->sk;
	struct totem_sock_state st;
	struct totem_proc_info proc;
	struct totem_toa toa;
	unsigned long flags;
	bool has_toa, has_proc;

	memset(s, 0, sizeof(*s));
	s->family = sk->sk_family;
	s->state = READ_ONCE(sk->sk_state);
	s->sport = inet_sk(sk)->inet_sport;
	s->dport = sk->sk_dport;
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		memcpy(s->saddr, &sk->sk_v6_rcv_saddr, 16);
		memcpy(s->daddr, &sk->sk_v6_daddr, 16);
	} else
#endif
	{
		memcpy(s->saddr, &sk->sk_rcv_saddr, 4);
		memcpy(s->daddr, &sk->sk_daddr, 4);
	}
	s->netns = totem_compat_net_inum(sock_net(sk));
	s->inode = READ_ONCE(e->ino);
	s->cookie = totem_compat_sk_cookie(sk);
	spin_lock_irqsave(&e->lock, flags);
	st = e->st;
	has_toa = e->toa;
	if (has_toa)
		toa = *e->toa;
	spin_unlock_irqrestore(&e->lock, flags);
	has_proc = st.owner_tgid && totem_proc_get(st.owner_tgid, &proc);
	totem_record_assemble(&s->rec, &st, has_proc ? &proc : NULL,
			      has_toa ? &toa : NULL,
			      totem_peer_prefix(s->family, s->daddr));
}

/* Process context: the inode if the entry does not know it yet. */
static void totem_snap_inode(struct totem_entry *e, struct totem_snap *s)
{
	if (!s->inode) {
		s->inode = sock_i_ino(e->sk);
		if (s->inode)
			WRITE_ONCE(e->ino, s->inode);
	}
}

int totem_table_walk(const struct net *net, unsigned long *pos,
		     int (*fn)(const struct totem_snap *s, void *arg),
		     void *arg)
{
	struct totem_snap *s;
	struct totem_entry *e;
	int ret = 0;

	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	rcu_read_lock();
	for (; pos[0] < (1UL << totem_hash_bits); pos[0]++, pos[1] = 0) {
		unsigned long i = 0;

		hlist_for_each_entry_rcu(e, &totem_hash[pos[0]], hnode) {
			if (i++ < pos[1])
				continue;
			if (net_eq(sock_net(e->sk), net)) {
				totem_entry_snap(e, s);
				totem_snap_inode(e, s);
				ret = fn(s, arg);
				if (ret)
					goto out;
			}
			pos[1] = i;
		}
	}
out:
	rcu_read_unlock();
	kfree(s);
	return ret;
}

/*
 * The socket of @net whose packets carry the addresses of @t, with a
 * reference (a full, timewait or request socket: only a full one can have
 * an entry); NULL if there is none.  Asked as the receive path asks, with
 * no device: a socket bound to one (SO_BINDTODEVICE) is not found.
 */
static struct sock *totem_sk_established(struct net *net,
					 const struct totem_tuple *t)
{
	struct inet_hashinfo *hashinfo = totem_compat_tcp_hashinfo(net);

	if (t->family == AF_INET) {
		__be32 laddr, raddr;

		memcpy(&laddr, t->laddr, 4);
		memcpy(&raddr, t->raddr, 4);
		return inet_lookup_established(net, hashinfo, raddr, t->rport,
					       laddr, t->lport, 0);
	}
#if IS_ENABLED(CONFIG_IPV6)
	{
		struct in6_addr laddr, raddr;

		memcpy(&laddr, t->laddr, 16);
		memcpy(&raddr, t->raddr, 16);
		return totem_compat_inet6_lookup_established(net, hashinfo,
							     &raddr, t->rport,
							     &laddr,
							     ntohs(t->lport), 0);
	}
#else
	return NULL;
#endif
}

int totem_table_find(struct net *net, u8 family, const u8 *saddr,
		     const u8 *daddr, __be16 sport, __be16 dport,
		     struct totem_snap *out)
{
	struct totem_entry *e = NULL;
	struct totem_listener *l;
	struct totem_tuple q, t;
	struct sock *sk;
	int ret = -ENOENT;

	/* Asked as the socket says it or as its packets do: fold both ways. */
	totem_tuple_fill(&q, family, saddr, daddr, sport, dport);
	totem_tuple_fold(&q);

	rcu_read_lock();
	if (dport) {
		sk = totem_sk_established(net, &q);
		if (sk) {
			e = totem_lookup(sk);
			sock_gen_put(sk);
		}
	} else {
		/* Not in the established hash: a listener. */
		list_for_each_entry_rcu(l, &totem_listeners, node) {
			if (!net_eq(sock_net(l->e->sk), net))
				continue;
			totem_sk_tuple(l->e->sk, &t);
			if (!memcmp(&t, &q, sizeof(t))) {
				e = l->e;
				break;
			}
		}
	}
	if (e) {
		totem_entry_snap(e, out);
		totem_snap_inode(e, out);
		ret = 0;
	}
	rcu_read_unlock();
	return ret;
}

static void totem_purge(const struct net *net)
{
	struct totem_entry *e, *te;
	struct totem_pending *p, *tp;
	unsigned long flags;

	spin_lock_irqsave(&totem_table_lock, flags);
	list_for_each_entry_safe(e, te, &totem_lru, lru)
		if (!net || net_eq(sock_net(e->sk), net))
			totem_unlink(e);
	spin_unlock_irqrestore(&totem_table_lock, flags);

	spin_lock_irqsave(&totem_pending_lock, flags);
	list_for_each_entry_safe(p, tp, &totem_pending_fifo, fifo)
		if (!net || p->net == net)
			totem_pending_free(p);
	spin_unlock_irqrestore(&totem_pending_lock, flags);
}

void totem_table_net_exit(struct net *net)
{
	totem_purge(net);
}

static int totem_table_show(struct seq_file *m, void *v)
{
	seq_printf(m, "entries %u\npending %u\nprocs %u\nbuckets %lu\n",
		   READ_ONCE(totem_nr_entries), READ_ONCE(totem_nr_pending),
		   totem_proc_count(), 1UL << totem_hash_bits);
	/* What one socket costs: its state, its entry, the slab object. */
	seq_printf(m, "state_size %zu\nentry_size %zu\nentry_alloc %u\n",
		   sizeof(struct totem_sock_state), sizeof(struct totem_entry),
		   kmem_cache_size(totem_entry_cache));
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(totem_table);

void totem_table_debugfs(struct dentry *dir)
{
	if (!IS_ERR_OR_NULL(dir))
		debugfs_create_file("table", 0444, dir, NULL, &totem_table_fops);
}

int totem_table_init(void)
{
	unsigned int want = READ_ONCE(totem_max_sockets);

	/* A bucket per entry, 2^8 to 2^20 of them (8 MiB on 64-bit). */
	totem_hash_bits = clamp_t(unsigned int, order_base_2(want), 8, 20);
	totem_hash = vzalloc(sizeof(*totem_hash) << totem_hash_bits);
	if (!totem_hash)
		return -ENOMEM;
	/* No SLAB_HWCACHE_ALIGN: it would round the object up to 192 bytes. */
	totem_entry_cache = kmem_cache_create("totem_entry",
					      sizeof(struct totem_entry), 0, 0,
					      NULL);
	if (!totem_entry_cache) {
		vfree(totem_hash);
		return -ENOMEM;
	}
	return 0;
}

void totem_table_exit(void)
{
	totem_purge(NULL);
	/* Wait for the callbacks that drop the socket references. */
	rcu_barrier();
	kmem_cache_destroy(totem_entry_cache);
	vfree(totem_hash);
}
