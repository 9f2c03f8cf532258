// SPDX-License-Identifier: GPL-2.0
/*
 * Process-level topology from per-socket records (see topology.h).
 *
 * Everything added is kept as an observation; totem_topo_build() resolves
 * them in passes, so the order sockets arrive in does not matter:
 *   1. LISTEN sockets, per (host, netns, port): a socket whose local port
 *      is a listener's port is the server end of its connection;
 *   2. local addresses, per host: a v1 peer names itself by IPv4 address,
 *      which becomes a host when some observed socket has that address;
 *   3. every other socket becomes one end pair (client, server) of one
 *      connection, keyed by the client and server endpoints; the same
 *      connection seen from both sides or twice (live and closed) merges,
 *      each end taken from the most direct evidence (a local owner beats a
 *      peer's option, which beats a bare address);
 *   4. nodes are the distinct process identities the merged connections
 *      name, edges the distinct (client, server) pairs with their counts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"
#include "topology.h"

enum {
	TOPO_BY_HOST,
	TOPO_BY_ADDR,
};

/* How directly an end was identified; the merge keeps the strongest. */
enum {
	CONF_ADDR = 1,
	CONF_PEER = 2,
	CONF_OWNER = 3,
};

struct topo_obs {
	struct totem_sock s;
	__u32 host_id;
	unsigned int flags;
};

struct topo_listener {
	__u32 host_id;
	__u32 netns;
	__u16 port;
	__u8 family;
	__u8 any; /* bound to the wildcard address */
	__u8 addr[16];
};

struct topo_addr {
	__u8 addr[16];
	__u8 family;
	__u8 ambiguous; /* seen on two hosts: does not name one */
	__u16 __pad;
	__u32 host_id;
};

/* A process identity; no padding, so memcmp() compares it. */
struct topo_key {
	__u8 kind; /* TOPO_BY_HOST or TOPO_BY_ADDR */
	__u8 family;
	__u16 port;
	__u32 host_id;
	__u32 pid;
	__u8 addr[16];
};

struct topo_end {
	struct topo_key key;
	int conf;
	int closed; /* from a closed record: show a live one's address */
	char comm[16];
	__u8 family; /* the address to show for it */
	__u8 addr[16];
};

/* A connection: client and server endpoints; no padding. */
struct topo_conn_key {
	__u8 family;
	__u8 __pad[3];
	__u32 scope_host; /* loopback only: the host and netns it is in */
	__u32 scope_netns;
	__u16 cport;
	__u16 sport;
	__u8 caddr[16];
	__u8 saddr[16];
};

struct topo_conn {
	struct topo_conn_key key;
	struct topo_end client;
	struct topo_end server;
	bool open;
	unsigned int from, to; /* node indexes once resolved */
};

struct totem_topo {
	struct topo_obs *obs;
	size_t nobs, cap;
	bool built;
	/* results of totem_topo_build() */
	struct topo_listener *lis;
	size_t nlis;
	struct topo_addr *addrs;
	size_t naddrs;
	struct totem_topo_node *nodes;
	size_t nnodes;
	struct totem_topo_edge *edges;
	size_t nedges;
};

int totem_topo_new(struct totem_topo **tp)
{
	*tp = calloc(1, sizeof(**tp));
	return *tp ? 0 : -ENOMEM;
}

static void topo_reset(struct totem_topo *tp)
{
	free(tp->lis);
	free(tp->addrs);
	free(tp->nodes);
	free(tp->edges);
	tp->lis = NULL;
	tp->addrs = NULL;
	tp->nodes = NULL;
	tp->edges = NULL;
	tp->nlis = tp->naddrs = tp->nnodes = tp->nedges = 0;
	tp->built = false;
}

void totem_topo_free(struct totem_topo *tp)
{
	if (!tp)
		return;
	topo_reset(tp);
	free(tp->obs);
	free(tp);
}

static bool addr_is_any(const __u8 *a)
{
	static const __u8 zero[16];

	return !memcmp(a, zero, 16);
}

static bool addr_is_loopback(__u8 family, const __u8 *a)
{
	static const __u8 lo6[16] = { [15] = 1 };

	if (family == AF_INET)
		return a[0] == 127;
	return !memcmp(a, lo6, 16);
}

int totem_topo_add(struct totem_topo *tp, __u32 host_id, const struct totem_sock *s,
		   unsigned int flags)
{
	if (!tp || !s || (s->family != AF_INET && s->family != AF_INET6))
		return -EINVAL;
	if (tp->nobs == tp->cap) {
		size_t cap = tp->cap ? 2 * tp->cap : 64;
		struct topo_obs *o = realloc(tp->obs, cap * sizeof(*o));

		if (!o)
			return -ENOMEM;
		tp->obs = o;
		tp->cap = cap;
	}
	tp->obs[tp->nobs].s = *s;
	tp->obs[tp->nobs].host_id = host_id;
	tp->obs[tp->nobs].flags = flags;
	tp->nobs++;
	tp->built = false;
	return 0;
}

/* ---- pass 1: listeners ---- */

static int lis_cmp(const void *a, const void *b)
{
	const struct topo_listener *x = a, *y = b;

	if (x->host_id != y->host_id)
		return x->host_id < y->host_id ? -1 : 1;
	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	return (int)x->port - (int)y->port;
}

static bool is_server_by_listener(const struct totem_topo *tp, const struct topo_obs *o)
{
	struct topo_listener key = {
		.host_id = o->host_id,
		.netns = o->s.netns,
		.port = o->s.sport,
	};
	struct topo_listener *l;
	__u8 fam, a[16];
	size_t lo = 0, hi = tp->nlis, i;

	/* first listener with this (host, netns, port) */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (lis_cmp(&tp->lis[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	fam = totem_addr_norm(o->s.family, o->s.saddr, a);
	for (i = lo; i < tp->nlis && !lis_cmp(&tp->lis[i], &key); i++) {
		l = &tp->lis[i];
		if (l->any || (l->family == fam && !memcmp(l->addr, a, 16)))
			return true;
	}
	return false;
}

/*
 * Which end of its connection is this socket?  The listener table decides
 * when the listener was seen; a closed record or a socket whose listener
 * is gone falls back on how its owner got it, then on which segment
 * carried the peer's option (a SYN comes from the client), then on ports.
 */
static bool is_server(const struct totem_topo *tp, const struct topo_obs *o)
{
	const struct totem_sock_record *r = &o->s.rec;

	if (is_server_by_listener(tp, o))
		return true;
	if (r->owner.flags & TOTEM_OWNER_F_CONNECT)
		return false;
	if (r->owner.flags & (TOTEM_OWNER_F_LISTENER | TOTEM_OWNER_F_ACCEPT))
		return true;
	if (r->peer.seen & TOTEM_SEG_SYN)
		return true;
	if (r->peer.seen & TOTEM_SEG_SYNACK)
		return false;
	return o->s.sport < o->s.dport;
}

/* ---- pass 2: which host an address belongs to ---- */

static int addr_cmp(const void *a, const void *b)
{
	const struct topo_addr *x = a, *y = b;

	if (x->family != y->family)
		return (int)x->family - (int)y->family;
	return memcmp(x->addr, y->addr, 16);
}

static int addr_cmp_host(const void *a, const void *b)
{
	const struct topo_addr *x = a, *y = b;
	int c = addr_cmp(a, b);

	if (c)
		return c;
	return x->host_id < y->host_id ? -1 : x->host_id > y->host_id;
}

static const struct topo_addr *addr_host(const struct totem_topo *tp, __u8 family,
					 const __u8 *addr)
{
	struct topo_addr key = { .family = family };
	const struct topo_addr *a;

	memcpy(key.addr, addr, 16);
	a = bsearch(&key, tp->addrs, tp->naddrs, sizeof(key), addr_cmp);
	return a && !a->ambiguous ? a : NULL;
}

static int build_tables(struct totem_topo *tp)
{
	size_t i, n;

	tp->lis = calloc(tp->nobs ? tp->nobs : 1, sizeof(*tp->lis));
	tp->addrs = calloc(tp->nobs ? tp->nobs : 1, sizeof(*tp->addrs));
	if (!tp->lis || !tp->addrs)
		return -ENOMEM;
	for (i = 0; i < tp->nobs; i++) {
		const struct topo_obs *o = &tp->obs[i];

		if (o->s.state == TCP_LISTEN) {
			struct topo_listener *l = &tp->lis[tp->nlis++];

			l->host_id = o->host_id;
			l->netns = o->s.netns;
			l->port = o->s.sport;
			l->family = totem_addr_norm(o->s.family, o->s.saddr, l->addr);
			l->any = addr_is_any(l->addr);
		} else {
			struct topo_addr *a = &tp->addrs[tp->naddrs];

			a->family = totem_addr_norm(o->s.family, o->s.saddr, a->addr);
			if (addr_is_any(a->addr))
				continue;
			a->host_id = o->host_id;
			tp->naddrs++;
		}
	}
	qsort(tp->lis, tp->nlis, sizeof(*tp->lis), lis_cmp);

	/* one entry per address; two hosts claiming one make it ambiguous */
	qsort(tp->addrs, tp->naddrs, sizeof(*tp->addrs), addr_cmp_host);
	for (i = 0, n = 0; i < tp->naddrs; i++) {
		if (n && !addr_cmp(&tp->addrs[n - 1], &tp->addrs[i])) {
			if (tp->addrs[n - 1].host_id != tp->addrs[i].host_id)
				tp->addrs[n - 1].ambiguous = 1;
			continue;
		}
		tp->addrs[n++] = tp->addrs[i];
	}
	tp->naddrs = n;
	return 0;
}

/* ---- pass 3: connections ---- */

static void end_local(struct topo_end *e, const struct topo_obs *o, bool server)
{
	const struct totem_owner *ow = &o->s.rec.owner;

	memset(e, 0, sizeof(*e));
	e->family = totem_addr_norm(o->s.family, o->s.saddr, e->addr);
	if (ow->tgid) {
		e->key.kind = TOPO_BY_HOST;
		e->key.host_id = o->host_id;
		e->key.pid = ow->tgid;
		memcpy(e->comm, ow->comm, sizeof(e->comm) - 1);
		e->conf = CONF_OWNER;
	} else {
		e->key.kind = TOPO_BY_ADDR;
		e->key.family = e->family;
		memcpy(e->key.addr, e->addr, 16);
		e->key.port = server ? o->s.sport : 0;
		e->conf = CONF_ADDR;
	}
}

static void end_remote(const struct totem_topo *tp, struct topo_end *e, const struct topo_obs *o,
		       bool server)
{
	const struct totem_peer *p = &o->s.rec.peer;

	memset(e, 0, sizeof(*e));
	e->family = totem_addr_norm(o->s.family, o->s.daddr, e->addr);
	if (!p->format) {
		/* no option from the peer: an address (and a service port) */
		e->key.kind = TOPO_BY_ADDR;
		e->key.family = e->family;
		memcpy(e->key.addr, e->addr, 16);
		e->key.port = server ? o->s.dport : 0;
		e->conf = CONF_ADDR;
		return;
	}
	e->conf = CONF_PEER;
	e->key.pid = p->pid;
	if (p->flags & TOTEM_PEER_F_HOST) {
		e->key.kind = TOPO_BY_HOST;
		e->key.host_id = p->host_id;
		return;
	}
	if ((p->flags & TOTEM_PEER_F_ADDR) && p->family) {
		__u8 fam, a[16];
		const struct topo_addr *h;

		/* v1: the sender's own IPv4 address; a host if we saw it */
		fam = totem_addr_norm(p->family, p->addr, a);
		h = addr_host(tp, fam, a);
		if (h) {
			e->key.kind = TOPO_BY_HOST;
			e->key.host_id = h->host_id;
			return;
		}
		e->family = fam;
		memcpy(e->addr, a, 16);
	}
	e->key.kind = TOPO_BY_ADDR;
	e->key.family = e->family;
	memcpy(e->key.addr, e->addr, 16);
}

static int conn_cmp(const void *a, const void *b)
{
	const struct topo_conn *x = a, *y = b;

	return memcmp(&x->key, &y->key, sizeof(x->key));
}

static void conn_from_obs(const struct totem_topo *tp, const struct topo_obs *o,
			  struct topo_conn *c)
{
	bool server = is_server(tp, o);
	__u8 fam, la[16], ra[16];

	memset(c, 0, sizeof(*c));
	fam = totem_addr_norm(o->s.family, o->s.saddr, la);
	fam = totem_addr_norm(o->s.family, o->s.daddr, ra);
	c->key.family = fam;
	if (server) {
		end_local(&c->server, o, true);
		end_remote(tp, &c->client, o, false);
		memcpy(c->key.caddr, ra, 16);
		memcpy(c->key.saddr, la, 16);
		c->key.cport = o->s.dport;
		c->key.sport = o->s.sport;
	} else {
		end_local(&c->client, o, false);
		end_remote(tp, &c->server, o, true);
		memcpy(c->key.caddr, la, 16);
		memcpy(c->key.saddr, ra, 16);
		c->key.cport = o->s.sport;
		c->key.sport = o->s.dport;
	}
	/* 127.0.0.1:80 on two hosts are two servers */
	if (addr_is_loopback(fam, la)) {
		c->key.scope_host = o->host_id;
		c->key.scope_netns = o->s.netns;
	}
	c->open = !(o->flags & TOTEM_TOPO_CLOSED) && o->s.state != TCP_TIME_WAIT &&
		  o->s.state != TCP_CLOSE;
	c->client.closed = c->server.closed = !!(o->flags & TOTEM_TOPO_CLOSED);
}

static size_t merge_conns(struct topo_conn *c, size_t n)
{
	size_t i, m = 0;

	qsort(c, n, sizeof(*c), conn_cmp);
	for (i = 0; i < n; i++) {
		if (m && !conn_cmp(&c[m - 1], &c[i])) {
			struct topo_conn *d = &c[m - 1];

			if (c[i].client.conf > d->client.conf)
				d->client = c[i].client;
			if (c[i].server.conf > d->server.conf)
				d->server = c[i].server;
			d->open |= c[i].open;
			continue;
		}
		c[m++] = c[i];
	}
	return m;
}

/* ---- pass 4: nodes and edges ---- */

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct topo_key));
}

/* By identity, then strongest evidence, live before closed, lowest address. */
static int end_cmp(const void *a, const void *b)
{
	const struct topo_end *x = a, *y = b;
	int c = key_cmp(&x->key, &y->key);

	if (c)
		return c;
	if (x->conf != y->conf)
		return y->conf - x->conf;
	if (x->closed != y->closed)
		return x->closed - y->closed;
	if (x->family != y->family)
		return (int)x->family - (int)y->family;
	return memcmp(x->addr, y->addr, 16);
}

static int edge_cmp(const void *a, const void *b)
{
	const struct totem_topo_edge *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return (int)x->port - (int)y->port;
}

static bool has_process(const struct topo_obs *o)
{
	return o->s.rec.owner.tgid || o->s.rec.peer.format;
}

int totem_topo_build(struct totem_topo *tp)
{
	struct topo_conn *conns = NULL;
	struct topo_end *ends = NULL;
	size_t nconn = 0, nends = 0, i, j, n;
	unsigned int *index = NULL;
	int err = -ENOMEM;

	if (!tp)
		return -EINVAL;
	if (tp->built)
		return 0;
	topo_reset(tp);
	err = build_tables(tp);
	if (err)
		goto out;
	err = -ENOMEM;
	conns = calloc(tp->nobs ? tp->nobs : 1, sizeof(*conns));
	if (!conns)
		goto out;

	/* every end as observed, for the names; then the merged connections */
	for (i = 0; i < tp->nobs; i++) {
		const struct topo_obs *o = &tp->obs[i];

		if (o->s.state == TCP_LISTEN || !has_process(o))
			continue;
		conn_from_obs(tp, o, &conns[nconn++]);
	}
	ends = calloc(2 * nconn + 1, sizeof(*ends));
	if (!ends)
		goto out;
	for (i = 0; i < nconn; i++) {
		ends[nends++] = conns[i].client;
		ends[nends++] = conns[i].server;
	}
	nconn = merge_conns(conns, nconn);

	/* distinct identities; the first of each group is the one to show */
	qsort(ends, nends, sizeof(*ends), end_cmp);
	for (i = 0, n = 0; i < nends; i++) {
		if (n && !key_cmp(&ends[n - 1].key, &ends[i].key)) {
			if (!ends[n - 1].comm[0] && ends[i].comm[0])
				memcpy(ends[n - 1].comm, ends[i].comm, sizeof(ends[i].comm));
			continue;
		}
		ends[n++] = ends[i];
	}
	nends = n;

	/* keep the identities some merged connection still names */
	index = calloc(nends + 1, sizeof(*index));
	if (!index)
		goto out;
	for (i = 0; i < nconn; i++) {
		struct topo_end *c = bsearch(&conns[i].client.key, ends, nends, sizeof(*ends),
					     key_cmp);
		struct topo_end *s = bsearch(&conns[i].server.key, ends, nends, sizeof(*ends),
					     key_cmp);

		/* both are there: every merged end came from ends[] */
		conns[i].from = c - ends;
		conns[i].to = s - ends;
		index[conns[i].from] = index[conns[i].to] = 1;
	}
	tp->nodes = calloc(nends + 1, sizeof(*tp->nodes));
	tp->edges = calloc(nconn + 1, sizeof(*tp->edges));
	if (!tp->nodes || !tp->edges)
		goto out;
	for (i = 0; i < nends; i++) {
		struct totem_topo_node *nd;
		const struct topo_end *e = &ends[i];

		if (!index[i])
			continue;
		index[i] = tp->nnodes;
		nd = &tp->nodes[tp->nnodes++];
		nd->pid = e->key.pid;
		nd->has_host = e->key.kind == TOPO_BY_HOST;
		nd->host_id = e->key.host_id;
		nd->port = e->key.port;
		nd->family = e->family;
		memcpy(nd->addr, e->addr, 16);
		memcpy(nd->comm, e->comm, sizeof(nd->comm));
		nd->comm[sizeof(nd->comm) - 1] = '\0';
	}

	for (i = 0; i < nconn; i++) {
		struct totem_topo_edge *ed = &tp->edges[i];

		ed->from = index[conns[i].from];
		ed->to = index[conns[i].to];
		ed->connections = 1;
		ed->open = conns[i].open;
		ed->port = conns[i].key.sport;
	}
	qsort(tp->edges, nconn, sizeof(*tp->edges), edge_cmp);
	for (i = 0, j = 0; i < nconn; i++) {
		struct totem_topo_edge *ed = &tp->edges[i];

		if (j && tp->edges[j - 1].from == ed->from && tp->edges[j - 1].to == ed->to) {
			tp->edges[j - 1].connections++;
			tp->edges[j - 1].open += ed->open;
			if (tp->edges[j - 1].port != ed->port)
				tp->edges[j - 1].port = 0;
			continue;
		}
		tp->edges[j++] = *ed;
	}
	tp->nedges = j;
	tp->built = true;
	err = 0;
out:
	free(index);
	free(ends);
	free(conns);
	if (err)
		topo_reset(tp);
	return err;
}

int totem_topo_nodes(struct totem_topo *tp, const struct totem_topo_node **nodes)
{
	int err = totem_topo_build(tp);

	if (err)
		return err;
	*nodes = tp->nodes;
	return tp->nnodes;
}

int totem_topo_edges(struct totem_topo *tp, const struct totem_topo_edge **edges)
{
	int err = totem_topo_build(tp);

	if (err)
		return err;
	*edges = tp->edges;
	return tp->nedges;
}

/* ---- output ---- */

int totem_topo_format_parse(const char *name, enum totem_topo_format *fmt)
{
	if (!name)
		return -EINVAL;
	if (!strcmp(name, "text"))
		*fmt = TOTEM_TOPO_TEXT;
	else if (!strcmp(name, "dot"))
		*fmt = TOTEM_TOPO_DOT;
	else if (!strcmp(name, "json"))
		*fmt = TOTEM_TOPO_JSON;
	else
		return -EINVAL;
	return 0;
}

/* comm with anything a label or a JSON string cannot hold replaced. */
static void safe_comm(const struct totem_topo_node *n, char *buf)
{
	size_t i;

	for (i = 0; i < 15 && n->comm[i]; i++) {
		unsigned char c = n->comm[i];

		buf[i] = c < 0x20 || c >= 0x7f || c == '"' || c == '\\' ? '?' : c;
	}
	buf[i] = '\0';
}

static void node_addr(const struct totem_topo_node *n, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "";

	if (n->family)
		inet_ntop(n->family, n->addr, a, sizeof(a));
	if (n->port)
		snprintf(buf, len, n->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, n->port);
	else
		snprintf(buf, len, "%s", a);
}

/* "web[1240]", "pid 1240" (no local socket named it), "?" (unknown). */
static void node_name(const struct totem_topo_node *n, char *buf, size_t len)
{
	char comm[16];

	safe_comm(n, comm);
	if (n->pid && comm[0])
		snprintf(buf, len, "%s[%u]", comm, n->pid);
	else if (n->pid)
		snprintf(buf, len, "pid %u", n->pid);
	else
		snprintf(buf, len, "?");
}

static void print_text(const struct totem_topo *tp, FILE *f)
{
	char name[48], addr[64], host[16], from[64], to[64], port[8];
	size_t i;

	fprintf(f, "%-4s %-24s %-10s %s\n", "Node", "Process", "Host", "Address");
	for (i = 0; i < tp->nnodes; i++) {
		const struct totem_topo_node *n = &tp->nodes[i];

		node_name(n, name, sizeof(name));
		node_addr(n, addr, sizeof(addr));
		if (n->has_host)
			snprintf(host, sizeof(host), "%08x", n->host_id);
		else
			snprintf(host, sizeof(host), "-");
		fprintf(f, "%-4zu %-24s %-10s %s\n", i, name, host, addr);
	}
	fprintf(f, "\n%-28s %-28s %5s %6s %5s\n", "Client", "Server", "Port", "Conns", "Open");
	for (i = 0; i < tp->nedges; i++) {
		const struct totem_topo_edge *e = &tp->edges[i];

		node_name(&tp->nodes[e->from], name, sizeof(name));
		snprintf(from, sizeof(from), "%zu:%s", (size_t)e->from, name);
		node_name(&tp->nodes[e->to], name, sizeof(name));
		snprintf(to, sizeof(to), "%zu:%s", (size_t)e->to, name);
		if (e->port)
			snprintf(port, sizeof(port), "%u", e->port);
		else
			snprintf(port, sizeof(port), "*");
		fprintf(f, "%-28s %-28s %5s %6u %5u\n", from, to, port, e->connections, e->open);
	}
}

static void print_dot(const struct totem_topo *tp, FILE *f)
{
	char comm[16], addr[64];
	size_t i;

	fprintf(f, "digraph totem {\n"
		   "\trankdir=LR;\n"
		   "\tnode [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", "
		   "fontname=\"Helvetica\"];\n"
		   "\tedge [fontname=\"Helvetica\", fontsize=10];\n");
	for (i = 0; i < tp->nnodes; i++) {
		const struct totem_topo_node *n = &tp->nodes[i];

		safe_comm(n, comm);
		node_addr(n, addr, sizeof(addr));
		fprintf(f, "\tn%zu [label=\"", i);
		if (n->pid)
			fprintf(f, "%s\\npid %u", comm[0] ? comm : "process", n->pid);
		else
			fprintf(f, "unknown process");
		if (n->has_host)
			fprintf(f, "\\nhost %08x", n->host_id);
		if (addr[0])
			fprintf(f, "\\n%s", addr);
		fprintf(f, "\"%s];\n", n->pid ? "" : ", style=dashed");
	}
	for (i = 0; i < tp->nedges; i++) {
		const struct totem_topo_edge *e = &tp->edges[i];
		unsigned int w = 1, c;

		for (c = e->connections; c >= 10 && w < 5; c /= 10)
			w++;
		fprintf(f, "\tn%u -> n%u [label=\"", e->from, e->to);
		if (e->port)
			fprintf(f, "port %u\\n", e->port);
		fprintf(f, "%u connection%s", e->connections, e->connections == 1 ? "" : "s");
		if (e->open)
			fprintf(f, "\\n%u open", e->open);
		fprintf(f, "\", penwidth=%u];\n", w);
	}
	fprintf(f, "}\n");
}

static void print_json(const struct totem_topo *tp, FILE *f)
{
	char comm[16], a[INET6_ADDRSTRLEN];
	size_t i;

	fprintf(f, "{\"nodes\":[");
	for (i = 0; i < tp->nnodes; i++) {
		const struct totem_topo_node *n = &tp->nodes[i];

		safe_comm(n, comm);
		fprintf(f, "%s{\"id\":%zu,\"pid\":", i ? "," : "", i);
		if (n->pid)
			fprintf(f, "%u", n->pid);
		else
			fprintf(f, "null");
		if (comm[0])
			fprintf(f, ",\"comm\":\"%s\"", comm);
		else
			fprintf(f, ",\"comm\":null");
		if (n->has_host)
			fprintf(f, ",\"host\":%u", n->host_id);
		else
			fprintf(f, ",\"host\":null");
		if (n->family && inet_ntop(n->family, n->addr, a, sizeof(a)))
			fprintf(f, ",\"addr\":\"%s\"", a);
		else
			fprintf(f, ",\"addr\":null");
		if (n->port)
			fprintf(f, ",\"port\":%u", n->port);
		fprintf(f, "}");
	}
	fprintf(f, "],\"edges\":[");
	for (i = 0; i < tp->nedges; i++) {
		const struct totem_topo_edge *e = &tp->edges[i];

		fprintf(f, "%s{\"from\":%u,\"to\":%u,\"connections\":%u,\"open\":%u,\"port\":",
			i ? "," : "", e->from, e->to, e->connections, e->open);
		if (e->port)
			fprintf(f, "%u}", e->port);
		else
			fprintf(f, "null}");
	}
	fprintf(f, "]}\n");
}

int totem_topo_print(struct totem_topo *tp, enum totem_topo_format fmt, FILE *f)
{
	int err = totem_topo_build(tp);

	if (err)
		return err;
	switch (fmt) {
	case TOTEM_TOPO_TEXT:
		print_text(tp, f);
		break;
	case TOTEM_TOPO_DOT:
		print_dot(tp, f);
		break;
	case TOTEM_TOPO_JSON:
		print_json(tp, f);
		break;
	default:
		return -EINVAL;
	}
	return ferror(f) ? -EIO : 0;
}

/* ---- totemd's event lines (`totem -j monitor`) ---- */

struct jscan {
	const char *p;
};

static void j_ws(struct jscan *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

static bool j_eat(struct jscan *j, char c)
{
	j_ws(j);
	if (*j->p != c)
		return false;
	j->p++;
	return true;
}

/* A string into buf (\uXXXX beyond ASCII becomes '?'); -EINVAL if bad. */
static int j_string(struct jscan *j, char *buf, size_t len)
{
	size_t n = 0;

	if (!j_eat(j, '"'))
		return -EINVAL;
	while (*j->p != '"') {
		char c = *j->p++;

		if (!c || (unsigned char)c < 0x20)
			return -EINVAL;
		if (c == '\\') {
			c = *j->p++;
			switch (c) {
			case '"':
			case '\\':
			case '/':
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'u': {
				unsigned int v = 0, k;

				for (k = 0; k < 4; k++) {
					char h = *j->p++;

					v <<= 4;
					if (h >= '0' && h <= '9')
						v |= h - '0';
					else if (h >= 'a' && h <= 'f')
						v |= h - 'a' + 10;
					else if (h >= 'A' && h <= 'F')
						v |= h - 'A' + 10;
					else
						return -EINVAL;
				}
				c = v < 0x80 && v ? (char)v : '?';
				break;
			}
			default:
				return -EINVAL;
			}
		}
		if (n + 1 < len)
			buf[n++] = c;
	}
	j->p++;
	if (len)
		buf[n] = '\0';
	return 0;
}

static int j_uint(struct jscan *j, unsigned long long *v)
{
	char *end;

	j_ws(j);
	if (*j->p < '0' || *j->p > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(j->p, &end, 10);
	if (errno)
		return -EINVAL;
	j->p = end;
	return 0;
}

static bool j_null(struct jscan *j)
{
	j_ws(j);
	if (strncmp(j->p, "null", 4))
		return false;
	j->p += 4;
	return true;
}

/* Skip any value. */
static int j_skip(struct jscan *j, int depth)
{
	unsigned long long v;
	char c;

	if (depth > 16)
		return -EINVAL;
	j_ws(j);
	c = *j->p;
	if (c == '"')
		return j_string(j, NULL, 0);
	if (c == '{' || c == '[') {
		char close = c == '{' ? '}' : ']';

		j->p++;
		if (j_eat(j, close))
			return 0;
		do {
			if (c == '{' && (j_string(j, NULL, 0) || !j_eat(j, ':')))
				return -EINVAL;
			if (j_skip(j, depth + 1))
				return -EINVAL;
		} while (j_eat(j, ','));
		return j_eat(j, close) ? 0 : -EINVAL;
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		j->p += c == '-';
		if (j_uint(j, &v))
			return -EINVAL;
		/* fractions and exponents are not ours; step over them */
		while (strchr(".eE+-0123456789", *j->p) && *j->p)
			j->p++;
		return 0;
	}
	if (j_null(j))
		return 0;
	if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "false", 5)) {
		j->p += *j->p == 't' ? 4 : 5;
		return 0;
	}
	return -EINVAL;
}

static int j_peer(struct jscan *j, struct totem_peer *p)
{
	unsigned long long v;
	char key[16], str[64];

	if (j_null(j))
		return 0;
	if (!j_eat(j, '{'))
		return -EINVAL;
	if (j_eat(j, '}'))
		return 0;
	do {
		if (j_string(j, key, sizeof(key)) || !j_eat(j, ':'))
			return -EINVAL;
		if (!strcmp(key, "pid")) {
			if (j_uint(j, &v) || v > 0xffffffffULL)
				return -EINVAL;
			p->pid = v;
		} else if (!strcmp(key, "host")) {
			if (j_null(j))
				continue;
			if (j_uint(j, &v) || v > 0xffffffffULL)
				return -EINVAL;
			p->host_id = v;
			p->flags |= TOTEM_PEER_F_HOST;
		} else if (!strcmp(key, "addr")) {
			if (j_null(j))
				continue;
			if (j_string(j, str, sizeof(str)))
				return -EINVAL;
			/* a repeated key: nothing of the earlier value stays */
			memset(p->addr, 0, sizeof(p->addr));
			if (inet_pton(AF_INET, str, p->addr) == 1)
				p->family = AF_INET;
			else if (inet_pton(AF_INET6, str, p->addr) == 1)
				p->family = AF_INET6;
			else
				return -EINVAL;
			p->flags |= TOTEM_PEER_F_ADDR;
		} else if (!strcmp(key, "format")) {
			if (j_string(j, str, sizeof(str)) || str[0] != 'v')
				return -EINVAL;
			p->format = atoi(str + 1);
			if (p->format != TOTEM_FMT_NONE && p->format != TOTEM_FMT_V1 &&
			    p->format != TOTEM_FMT_V2 && p->format != TOTEM_FMT_V6)
				return -EINVAL;
		} else if (!strcmp(key, "seen")) {
			if (!j_eat(j, '['))
				return -EINVAL;
			if (j_eat(j, ']'))
				continue;
			do {
				if (j_string(j, str, sizeof(str)))
					return -EINVAL;
				if (!strcmp(str, "syn"))
					p->seen |= TOTEM_SEG_SYN;
				else if (!strcmp(str, "synack"))
					p->seen |= TOTEM_SEG_SYNACK;
				else if (!strcmp(str, "data"))
					p->seen |= TOTEM_SEG_DATA;
			} while (j_eat(j, ','));
			if (!j_eat(j, ']'))
				return -EINVAL;
		} else if (j_skip(j, 1)) {
			return -EINVAL;
		}
	} while (j_eat(j, ','));
	return j_eat(j, '}') ? 0 : -EINVAL;
}

#define HAVE_LOCAL 0x1
#define HAVE_REMOTE 0x2

/* One "key": value of an event into @s; unknown keys are skipped. */
static int j_event_field(struct jscan *j, const char *key, struct totem_sock *s, char *event,
			 size_t event_len, unsigned int *have)
{
	unsigned long long v;
	char str[80];
	__u8 fam;

	if (!strcmp(key, "event"))
		return j_string(j, event, event_len);
	if (!strcmp(key, "state")) {
		if (j_string(j, str, sizeof(str)))
			return -EINVAL;
		s->state = totem_tcp_state_parse(str);
		return 0;
	}
	if (!strcmp(key, "local") || !strcmp(key, "remote")) {
		bool local = key[0] == 'l';

		if (j_string(j, str, sizeof(str)) ||
		    totem_endpoint_parse(str, &fam, local ? s->saddr : s->daddr,
					 local ? &s->sport : &s->dport))
			return -EINVAL;
		/* both ends of one socket are of one family */
		if (*have && fam != s->family)
			return -EINVAL;
		s->family = fam;
		*have |= local ? HAVE_LOCAL : HAVE_REMOTE;
		return 0;
	}
	if (!strcmp(key, "netns") || !strcmp(key, "pid") || !strcmp(key, "uid")) {
		/* the owner of a socket nobody was known to hold: null */
		if (key[0] == 'p' && j_null(j)) {
			s->rec.owner.tgid = 0;
			return 0;
		}
		if (j_uint(j, &v) || v > 0xffffffffULL)
			return -EINVAL;
		if (key[0] == 'n')
			s->netns = v;
		else if (key[0] == 'p')
			s->rec.owner.tgid = v;
		else
			s->rec.owner.uid = v;
		return 0;
	}
	if (!strcmp(key, "cookie")) {
		if (j_uint(j, &v))
			return -EINVAL;
		s->cookie = v;
		return 0;
	}
	if (!strcmp(key, "comm")) {
		memset(s->rec.owner.comm, 0, sizeof(s->rec.owner.comm));
		if (j_null(j))
			return 0;
		return j_string(j, s->rec.owner.comm, sizeof(s->rec.owner.comm));
	}
	if (!strcmp(key, "peer"))
		return j_peer(j, &s->rec.peer);
	return j_skip(j, 1);
}

int totem_topo_event_parse(const char *line, struct totem_sock *s)
{
	struct jscan j = { .p = line };
	char key[16], event[16] = "";
	unsigned int have = 0;

	if (!line || !s)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	if (!j_eat(&j, '{'))
		return -EINVAL;
	if (!j_eat(&j, '}')) {
		do {
			if (j_string(&j, key, sizeof(key)) || !j_eat(&j, ':') ||
			    j_event_field(&j, key, s, event, sizeof(event), &have))
				return -EINVAL;
		} while (j_eat(&j, ','));
		if (!j_eat(&j, '}'))
			return -EINVAL;
	}
	j_ws(&j);
	if (*j.p || !event[0])
		return -EINVAL;
	if (strcmp(event, "close"))
		return 0;
	if (have != (HAVE_LOCAL | HAVE_REMOTE))
		return -EINVAL;
	return 1;
}
