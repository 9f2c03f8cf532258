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
 * oldest entry is evicted and table_evict counts it.
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
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/cred.h>
#include <linux/uidgid.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/tcp_states.h>
#include "table.h"
#include "config.h"
#include "netlink.h"

#define TOTEM_HASH_BITS 12
#define TOTEM_PENDING_BITS 8
#define TOTEM_PENDING_MAX 4096
#define TOTEM_PENDING_TTL_NS (60ULL * NSEC_PER_SEC)

/* tx.flags */
#define TOTEM_TXF_TAGGED 1 /* a data segment was tagged already */

static struct hlist_head totem_hash[1 << TOTEM_HASH_BITS];
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
	struct totem_peer peer;
	struct totem_toa toa;
};

static struct hlist_head totem_pending_hash[1 << TOTEM_PENDING_BITS];
static LIST_HEAD(totem_pending_fifo);
static DEFINE_SPINLOCK(totem_pending_lock);
static unsigned int totem_nr_pending;

/* The addresses @sk's packets carry: v4-mapped IPv6 is folded to IPv4. */
static void totem_sk_tuple(const struct sock *sk, struct totem_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->lport = inet_sk(sk)->inet_sport;
	t->rport = sk->sk_dport;
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		if (ipv6_addr_v4mapped(&sk->sk_v6_rcv_saddr) ||
		    (ipv6_addr_any(&sk->sk_v6_rcv_saddr) &&
		     ipv6_addr_v4mapped(&sk->sk_v6_daddr))) {
			t->family = AF_INET;
			memcpy(t->laddr, &sk->sk_v6_rcv_saddr.s6_addr32[3], 4);
			memcpy(t->raddr, &sk->sk_v6_daddr.s6_addr32[3], 4);
			return;
		}
		t->family = AF_INET6;
		memcpy(t->laddr, &sk->sk_v6_rcv_saddr, 16);
		memcpy(t->raddr, &sk->sk_v6_daddr, 16);
		return;
	}
#endif
	t->family = AF_INET;
	memcpy(t->laddr, &sk->sk_rcv_saddr, 4);
	memcpy(t->raddr, &sk->sk_daddr, 4);
}

static unsigned int totem_sk_hash(const struct sock *sk)
{
	return hash_ptr(sk, TOTEM_HASH_BITS);
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
	kfree(e);
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

	e = kzalloc(sizeof(*e), GFP_ATOMIC);
	if (!e) {
		totem_count(TOTEM_CTR_ERR_STATE);
		return NULL;
	}
	if (!totem_compat_sock_hold_live(sk)) {
		kfree(e);
		return NULL;
	}
	e->sk = sk;
	spin_lock_init(&e->lock);

	spin_lock_irqsave(&totem_table_lock, flags);
	old = totem_lookup(sk);
	if (old) {
		spin_unlock_irqrestore(&totem_table_lock, flags);
		sock_put(sk);
		kfree(e);
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

static void totem_owner_current(struct totem_owner *o, u32 flag)
{
	memset(o, 0, sizeof(*o));
	o->tgid = task_tgid_nr(current);
	o->uid = from_kuid_munged(&init_user_ns, current_uid());
	o->cgroup_id = totem_compat_current_cgroup_id();
	get_task_comm(o->comm, current);
	o->flags = flag;
}

void totem_owner_record(struct sock *sk, u32 flag, bool listener, bool notify)
{
	struct totem_owner o;
	struct totem_entry *e;
	unsigned long flags;
	bool created, changed = true;
	struct socket *sock;

	/*
	 * Every send comes here: when the sender owns the socket already
	 * (nearly always), one lookup says so, without the owner's details
	 * (the task lock for its comm) or the entry's lock.
	 */
	if (flag == TOTEM_OWNER_F_SENDER) {
		u32 tgid = task_tgid_nr(current);
		bool same;

		rcu_read_lock();
		e = totem_lookup(sk);
		same = e && READ_ONCE(e->rec.owner.tgid) == tgid;
		rcu_read_unlock();
		if (same)
			return;
	}
	totem_owner_current(&o, flag);
	rcu_read_lock();
	e = totem_get_or_create(sk, flag == TOTEM_OWNER_F_CONNECT, &created);
	if (!e)
		goto out;
	/* Process context: the caller holds the file, sk_socket is stable. */
	sock = READ_ONCE(sk->sk_socket);
	if (!READ_ONCE(e->ino) && sock)
		WRITE_ONCE(e->ino, SOCK_INODE(sock)->i_ino);

	spin_lock_irqsave(&e->lock, flags);
	if (e->rec.owner.tgid == o.tgid &&
	    (flag == TOTEM_OWNER_F_SENDER || e->rec.owner.flags == o.flags))
		changed = false; /* same process: keep how we know it */
	else
		e->rec.owner = o;
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
	return e ? READ_ONCE(e->rec.owner.tgid) : 0;
}

u32 totem_owner_of(const struct sock *sk, u32 *flags)
{
	struct totem_entry *e = totem_lookup(sk);

	if (!e) {
		*flags = 0;
		return 0;
	}
	*flags = READ_ONCE(e->rec.owner.flags);
	return READ_ONCE(e->rec.owner.tgid);
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
	*due = !sample_bytes || !(e->rec.tx.flags & TOTEM_TXF_TAGGED) ||
	       e->rec.tx.unsampled >= sample_bytes;
	*pid = e->rec.owner.tgid;
	spin_unlock_irqrestore(&e->lock, flags);
	return e;
}

void totem_tx_done(struct totem_entry *e, bool tagged, unsigned int payload)
{
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	if (tagged) {
		e->rec.tx.unsampled = 0;
		e->rec.tx.flags |= TOTEM_TXF_TAGGED;
	} else {
		/* Not tagged (not due, or no room): the debt carries over. */
		e->rec.tx.unsampled = totem_sat_add(e->rec.tx.unsampled, payload);
	}
	spin_unlock_irqrestore(&e->lock, flags);
}

/* Fold what one segment said into a record; true if anything new. */
static bool totem_learn(struct totem_peer *p, struct totem_toa *toa,
			const struct totem_opt_info *info, u8 seg,
			u8 pkt_family, const u8 *pkt_saddr)
{
	bool changed = false;

	if (info->tot_format) {
		struct totem_peer n = *p;

		n.pid = info->pid;
		n.format = info->tot_format;
		n.seen |= seg;
		n.seq = 0;
		n.host_id = 0;
		n.family = 0;
		memset(n.addr, 0, sizeof(n.addr));
		switch (info->tot_format) {
		case TOTEM_FMT_V1:
			n.family = AF_INET;
			memcpy(n.addr, info->addr, 4);
			n.seq = info->seq;
			n.flags = TOTEM_PEER_F_ADDR | TOTEM_PEER_F_SEQ;
			break;
		case TOTEM_FMT_V2:
			n.host_id = info->host_id;
			n.flags = TOTEM_PEER_F_HOST;
			break;
		case TOTEM_FMT_V6:
			/* The /64 from the packet, the interface id from the option. */
			n.host_id = info->host_id;
			n.family = AF_INET6;
			if (pkt_family == AF_INET6)
				memcpy(n.addr, pkt_saddr, 8);
			memcpy(n.addr + 8, info->addr + 8, 8);
			n.flags = TOTEM_PEER_F_HOST | TOTEM_PEER_F_ADDR;
			break;
		}
		n.last_ns = ktime_get_boottime_ns();
		if (!n.first_ns)
			n.first_ns = n.last_ns;
		changed = n.pid != p->pid || n.format != p->format ||
			  n.seen != p->seen || n.host_id != p->host_id ||
			  memcmp(n.addr, p->addr, sizeof(n.addr));
		*p = n;
	}
	if (info->toa_kind) {
		struct totem_toa n;

		memset(&n, 0, sizeof(n));
		n.kind = info->toa_kind;
		n.port = htons(info->toa_port);
		n.family = info->toa_family == 4 ? AF_INET : AF_INET6;
		memcpy(n.addr, info->toa_addr, n.family == AF_INET ? 4 : 16);
		if (memcmp(&n, toa, sizeof(n))) {
			*toa = n;
			changed = true;
		}
	}
	return changed;
}

void totem_peer_learn(struct sock *sk, const struct totem_opt_info *info,
		      u8 seg, u8 pkt_family, const u8 *pkt_saddr)
{
	struct totem_entry *e;
	unsigned long flags;
	bool created, changed;

	rcu_read_lock();
	e = totem_get_or_create(sk, false, &created);
	if (!e)
		goto out;
	spin_lock_irqsave(&e->lock, flags);
	changed = totem_learn(&e->rec.peer, &e->rec.toa, info, seg, pkt_family,
			      pkt_saddr);
	spin_unlock_irqrestore(&e->lock, flags);
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
			 const struct totem_opt_info *info, u8 seg,
			 const u8 *pkt_saddr)
{
	unsigned int alen = family == AF_INET ? 4 : 16;
	u64 now = ktime_get_boottime_ns();
	struct totem_pending *p, *tmp;
	struct totem_tuple t;
	unsigned long flags;

	memset(&t, 0, sizeof(t));
	t.family = family;
	memcpy(t.laddr, laddr, alen);
	memcpy(t.raddr, raddr, alen);
	t.lport = lport;
	t.rport = rport;

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
	totem_learn(&p->peer, &p->toa, info, seg, family, pkt_saddr);
out:
	spin_unlock_irqrestore(&totem_pending_lock, flags);
}

/* Move what the handshake said about @t into @rec; true if there was any. */
static bool totem_pending_take(const struct net *net, const struct totem_tuple *t,
			       struct totem_peer *peer, struct totem_toa *toa)
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
	struct totem_entry *e, *l;
	struct totem_owner lo;
	struct totem_tuple t;
	struct totem_peer peer;
	struct totem_toa toa;
	unsigned long flags;
	bool created, several, have_peer, inherit = false;

	totem_sk_tuple(sk, &t);
	have_peer = totem_pending_take(sock_net(sk), &t, &peer, &toa);

	rcu_read_lock();
	l = totem_listener_find(sock_net(sk), t.family, t.laddr, t.lport,
				&several);
	if (l) {
		spin_lock_irqsave(&l->lock, flags);
		lo = l->rec.owner;
		spin_unlock_irqrestore(&l->lock, flags);
		lo.flags = TOTEM_OWNER_F_LISTENER;
		if (several || l->sk->sk_reuseport)
			lo.flags |= TOTEM_OWNER_F_REUSEPORT;
		inherit = lo.tgid != 0;
	}
	if (!inherit && !have_peer)
		goto out;
	e = totem_get_or_create(sk, false, &created);
	if (!e)
		goto out;
	spin_lock_irqsave(&e->lock, flags);
	if (inherit && !e->rec.owner.tgid)
		e->rec.owner = lo;
	else
		inherit = false;
	if (have_peer) {
		if (peer.format) {
			peer.seen |= e->rec.peer.seen;
			e->rec.peer = peer;
		}
		if (toa.family)
			e->rec.toa = toa;
	}
	spin_unlock_irqrestore(&e->lock, flags);
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
	unsigned long flags;

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
	s->rec = e->rec;
	spin_unlock_irqrestore(&e->lock, flags);
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
	for (; pos[0] < ARRAY_SIZE(totem_hash); pos[0]++, pos[1] = 0) {
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

int totem_table_find(const struct net *net, u8 family, const u8 *saddr,
		     const u8 *daddr, __be16 sport, __be16 dport,
		     struct totem_snap *out)
{
	unsigned int alen = family == AF_INET ? 4 : 16;
	struct totem_entry *e;
	struct totem_tuple t;
	unsigned int b;
	int ret = -ENOENT;

	rcu_read_lock();
	for (b = 0; b < ARRAY_SIZE(totem_hash) && ret; b++) {
		hlist_for_each_entry_rcu(e, &totem_hash[b], hnode) {
			if (!net_eq(sock_net(e->sk), net))
				continue;
			totem_entry_snap(e, out);
			totem_sk_tuple(e->sk, &t);
			if (out->sport != sport || out->dport != dport)
				continue;
			/* As the socket says it, or as its packets say it. */
			if (!(out->family == family &&
			      !memcmp(out->saddr, saddr, alen) &&
			      !memcmp(out->daddr, daddr, alen)) &&
			    !(t.family == family && !memcmp(t.laddr, saddr, alen) &&
			      !memcmp(t.raddr, daddr, alen)))
				continue;
			totem_snap_inode(e, out);
			ret = 0;
			break;
		}
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

/* What one entry costs: its size, and the slab object kzalloc() gives it. */
static size_t totem_entry_alloc;

static int totem_table_show(struct seq_file *m, void *v)
{
	seq_printf(m, "entries %u\npending %u\nentry_size %zu\nentry_alloc %zu\n",
		   READ_ONCE(totem_nr_entries), READ_ONCE(totem_nr_pending),
		   sizeof(struct totem_entry), totem_entry_alloc);
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
	void *e = kzalloc(sizeof(struct totem_entry), GFP_KERNEL);

	if (!e)
		return -ENOMEM;
	totem_entry_alloc = ksize(e);
	kfree(e);
	return 0;
}

void totem_table_exit(void)
{
	totem_purge(NULL);
	/* Wait for the callbacks that drop the socket references. */
	rcu_barrier();
}
