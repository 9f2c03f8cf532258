// SPDX-License-Identifier: GPL-2.0
/*
 * Process topology from constructed sockets: which end is the client, one
 * connection seen from both ends (or live and closed) counted once, v1
 * peers named by address resolved to hosts, v2 peers by host id, unknown
 * peers as addresses, loopback kept per host, dual-stack listeners, the
 * three output formats and totemd's event lines.  Pure library code.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kselftest_harness.h"

#include "topology.h"

#define HOST_A 0x0a0a0a0a
#define HOST_B 0x0b0b0b0b
#define NS_CLIENT 4026530001u
#define NS_WEB 4026530002u
#define NS_DB 4026530003u

/* A socket of @netns, local "a.b.c.d:port" (or "[v6]:port") to remote. */
static struct totem_sock sk(__u32 netns, int state, const char *local, const char *remote)
{
	struct totem_sock s = { .state = state, .netns = netns };
	__u8 fam2;

	if (totem_endpoint_parse(local, &s.family, s.saddr, &s.sport) ||
	    totem_endpoint_parse(remote, &fam2, s.daddr, &s.dport) || fam2 != s.family)
		abort();
	return s;
}

static void owner(struct totem_sock *s, __u32 pid, const char *comm, __u32 flags)
{
	s->rec.owner.tgid = pid;
	s->rec.owner.flags = flags;
	strncpy(s->rec.owner.comm, comm, sizeof(s->rec.owner.comm) - 1);
}

/* v1: the peer names itself by PID and IPv4 address. */
static void peer_v1(struct totem_sock *s, __u32 pid, const char *addr, __u8 seen)
{
	s->rec.peer.pid = pid;
	s->rec.peer.format = TOTEM_FMT_V1;
	s->rec.peer.flags = TOTEM_PEER_F_ADDR | TOTEM_PEER_F_SEQ;
	s->rec.peer.family = AF_INET;
	s->rec.peer.seen = seen;
	if (inet_pton(AF_INET, addr, s->rec.peer.addr) != 1)
		abort();
}

/* v2: PID and host id. */
static void peer_v2(struct totem_sock *s, __u32 pid, __u32 host, __u8 seen)
{
	s->rec.peer.pid = pid;
	s->rec.peer.host_id = host;
	s->rec.peer.format = TOTEM_FMT_V2;
	s->rec.peer.flags = TOTEM_PEER_F_HOST;
	s->rec.peer.seen = seen;
}

/* The node with this (host, pid); -1 if none. */
static int node_of(struct totem_topo *tp, int has_host, __u32 host, __u32 pid)
{
	const struct totem_topo_node *n;
	int i, cnt = totem_topo_nodes(tp, &n);

	for (i = 0; i < cnt; i++)
		if (n[i].pid == pid && n[i].has_host == has_host &&
		    (!has_host || n[i].host_id == host))
			return i;
	return -1;
}

/* The edge from -> to; NULL if none. */
static const struct totem_topo_edge *edge_of(struct totem_topo *tp, int from, int to)
{
	const struct totem_topo_edge *e;
	int i, cnt = totem_topo_edges(tp, &e);

	for (i = 0; i < cnt; i++)
		if ((int)e[i].from == from && (int)e[i].to == to)
			return &e[i];
	return NULL;
}

static char *print_to_string(struct totem_topo *tp, enum totem_topo_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (totem_topo_print(tp, fmt, f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

/*
 * The demo application on one host, three namespaces, every socket seen:
 * client(100) -> web(200) -> db(300).  3 held client connections, 5
 * short-lived ones known from both ends' closed records, and one
 * long-lived web -> db connection.
 */
static int add_three_tier(struct totem_topo *tp, int with_closed)
{
	struct totem_sock s;
	char l[32], r[32];
	int i;

	s = sk(NS_DB, TCP_LISTEN, "0.0.0.0:5432", "0.0.0.0:0");
	owner(&s, 300, "db", TOTEM_OWNER_F_CREATOR);
	if (totem_topo_add(tp, HOST_A, &s, 0))
		return -1;
	s = sk(NS_WEB, TCP_LISTEN, "10.1.0.2:8080", "0.0.0.0:0");
	owner(&s, 200, "web", TOTEM_OWNER_F_CREATOR);
	if (totem_topo_add(tp, HOST_A, &s, 0))
		return -1;

	/* web -> db, from both ends; owner flags deliberately not set */
	s = sk(NS_WEB, TCP_ESTABLISHED, "10.2.0.1:40000", "10.2.0.2:5432");
	owner(&s, 200, "web", 0);
	peer_v1(&s, 300, "10.2.0.2", TOTEM_SEG_SYNACK | TOTEM_SEG_DATA);
	if (totem_topo_add(tp, HOST_A, &s, 0))
		return -1;
	s = sk(NS_DB, TCP_ESTABLISHED, "10.2.0.2:5432", "10.2.0.1:40000");
	owner(&s, 300, "db", 0);
	peer_v1(&s, 200, "10.2.0.1", TOTEM_SEG_SYN | TOTEM_SEG_DATA);
	if (totem_topo_add(tp, HOST_A, &s, 0))
		return -1;

	for (i = 0; i < 3 + (with_closed ? 5 : 0); i++) {
		int closed = i >= 3;

		snprintf(l, sizeof(l), "10.1.0.1:%d", 50000 + i);
		snprintf(r, sizeof(r), "10.1.0.2:8080");
		s = sk(NS_CLIENT, closed ? TCP_CLOSE : TCP_ESTABLISHED, l, r);
		owner(&s, 100, "client", 0);
		peer_v1(&s, 200, "10.1.0.2", TOTEM_SEG_SYNACK);
		if (totem_topo_add(tp, HOST_A, &s, closed ? TOTEM_TOPO_CLOSED : 0))
			return -1;
		s = sk(NS_WEB, closed ? TCP_CLOSE : TCP_ESTABLISHED, r, l);
		owner(&s, 200, "web", 0);
		peer_v1(&s, 100, "10.1.0.1", TOTEM_SEG_SYN);
		if (totem_topo_add(tp, HOST_A, &s, closed ? TOTEM_TOPO_CLOSED : 0))
			return -1;
	}
	return 0;
}

TEST(three_tier_every_socket)
{
	const struct totem_topo_node *n;
	const struct totem_topo_edge *e;
	struct totem_topo *tp;
	int client, web, db;

	ASSERT_EQ(0, totem_topo_new(&tp));
	ASSERT_EQ(0, add_three_tier(tp, 1));
	ASSERT_EQ(3, totem_topo_nodes(tp, &n));
	ASSERT_EQ(2, totem_topo_edges(tp, &e));
	client = node_of(tp, 1, HOST_A, 100);
	web = node_of(tp, 1, HOST_A, 200);
	db = node_of(tp, 1, HOST_A, 300);
	ASSERT_GE(client, 0);
	ASSERT_GE(web, 0);
	ASSERT_GE(db, 0);
	EXPECT_STREQ("client", n[client].comm);
	EXPECT_STREQ("web", n[web].comm);
	EXPECT_STREQ("db", n[db].comm);

	e = edge_of(tp, client, web);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(8, e->connections); /* 3 held + 5 closed, each once */
	EXPECT_EQ(3, e->open);
	EXPECT_EQ(8080, e->port);
	e = edge_of(tp, web, db);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(1, e->connections);
	EXPECT_EQ(1, e->open);
	EXPECT_EQ(5432, e->port);
	/* nothing backwards */
	EXPECT_EQ(NULL, edge_of(tp, web, client));
	EXPECT_EQ(NULL, edge_of(tp, db, web));
	totem_topo_free(tp);
}

/* Adding the same sockets twice (two dumps) changes no count. */
TEST(same_sockets_twice)
{
	const struct totem_topo_edge *e;
	struct totem_topo *tp;

	ASSERT_EQ(0, totem_topo_new(&tp));
	ASSERT_EQ(0, add_three_tier(tp, 1));
	ASSERT_EQ(0, add_three_tier(tp, 1));
	ASSERT_EQ(2, totem_topo_edges(tp, &e));
	e = edge_of(tp, node_of(tp, 1, HOST_A, 100), node_of(tp, 1, HOST_A, 200));
	ASSERT_NE(NULL, e);
	EXPECT_EQ(8, e->connections);
	totem_topo_free(tp);
}

/*
 * Only the client's namespace: the web tier is known from its v1 option
 * alone (an address and a PID, no command name, no host).
 */
TEST(one_side_only)
{
	const struct totem_topo_node *n;
	const struct totem_topo_edge *e;
	struct totem_topo *tp;
	struct totem_sock s;
	int i, client, web;

	ASSERT_EQ(0, totem_topo_new(&tp));
	for (i = 0; i < 4; i++) {
		char l[32];

		snprintf(l, sizeof(l), "10.1.0.1:%d", 50000 + i);
		s = sk(NS_CLIENT, TCP_ESTABLISHED, l, "10.1.0.2:8080");
		owner(&s, 100, "client", TOTEM_OWNER_F_CONNECT);
		peer_v1(&s, 200, "10.1.0.2", TOTEM_SEG_SYNACK);
		ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, 0));
	}
	ASSERT_EQ(2, totem_topo_nodes(tp, &n));
	client = node_of(tp, 1, HOST_A, 100);
	web = node_of(tp, 0, 0, 200);
	ASSERT_GE(client, 0);
	ASSERT_GE(web, 0);
	EXPECT_STREQ("", n[web].comm);
	EXPECT_EQ(AF_INET, n[web].family);
	EXPECT_EQ(0, memcmp(n[web].addr, "\x0a\x01\x00\x02", 4));
	ASSERT_EQ(1, totem_topo_edges(tp, &e));
	EXPECT_EQ(4, edge_of(tp, client, web)->connections);
	totem_topo_free(tp);
}

/*
 * Closed records only (no listener to go by): the owner flags, then the
 * segment the peer's option came on, say which end is the client.
 */
TEST(closed_records_without_listener)
{
	const struct totem_topo_edge *e;
	struct totem_topo *tp;
	struct totem_sock s;

	ASSERT_EQ(0, totem_topo_new(&tp));
	/* by owner flags: the server end has the lower port, on purpose not */
	s = sk(NS_WEB, TCP_CLOSE, "10.1.0.2:60000", "10.1.0.1:1000");
	owner(&s, 200, "web", TOTEM_OWNER_F_ACCEPT);
	peer_v1(&s, 100, "10.1.0.1", 0);
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, TOTEM_TOPO_CLOSED));
	s = sk(NS_CLIENT, TCP_CLOSE, "10.1.0.1:1000", "10.1.0.2:60000");
	owner(&s, 100, "client", TOTEM_OWNER_F_CONNECT);
	peer_v1(&s, 200, "10.1.0.2", 0);
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, TOTEM_TOPO_CLOSED));
	/* by the segment: a SYN came from the peer, so the peer is the client */
	s = sk(NS_WEB, TCP_CLOSE, "10.1.0.2:60000", "10.1.0.1:1001");
	owner(&s, 200, "web", 0);
	peer_v1(&s, 100, "10.1.0.1", TOTEM_SEG_SYN);
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, TOTEM_TOPO_CLOSED));

	ASSERT_EQ(1, totem_topo_edges(tp, &e));
	e = edge_of(tp, node_of(tp, 1, HOST_A, 100), node_of(tp, 1, HOST_A, 200));
	ASSERT_NE(NULL, e);
	EXPECT_EQ(2, e->connections);
	EXPECT_EQ(0, e->open);
	EXPECT_EQ(60000, e->port);
	totem_topo_free(tp);
}

/*
 * A peer that sent no option is an address (with its port when it is the
 * server); a socket with neither owner nor option is left out.
 */
TEST(unknown_peer_and_empty_socket)
{
	const struct totem_topo_node *n;
	const struct totem_topo_edge *e;
	struct totem_topo *tp;
	struct totem_sock s;
	int cnt, i, srv = -1;

	ASSERT_EQ(0, totem_topo_new(&tp));
	s = sk(NS_CLIENT, TCP_ESTABLISHED, "10.1.0.1:41000", "192.0.2.9:443");
	owner(&s, 100, "curl", TOTEM_OWNER_F_CONNECT);
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, 0));
	s = sk(NS_CLIENT, TCP_ESTABLISHED, "10.1.0.1:41001", "192.0.2.9:443");
	owner(&s, 100, "curl", TOTEM_OWNER_F_CONNECT);
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, 0));
	/* a TIME_WAIT remnant: nothing known */
	s = sk(NS_CLIENT, TCP_TIME_WAIT, "10.1.0.1:41002", "192.0.2.10:80");
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, 0));

	cnt = totem_topo_nodes(tp, &n);
	ASSERT_EQ(2, cnt);
	for (i = 0; i < cnt; i++)
		if (!n[i].pid)
			srv = i;
	ASSERT_GE(srv, 0);
	EXPECT_EQ(0, n[srv].has_host);
	EXPECT_EQ(443, n[srv].port);
	EXPECT_EQ(0, memcmp(n[srv].addr, "\xc0\x00\x02\x09", 4));
	ASSERT_EQ(1, totem_topo_edges(tp, &e));
	e = edge_of(tp, node_of(tp, 1, HOST_A, 100), srv);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(2, e->connections);
	EXPECT_EQ(2, e->open);
	totem_topo_free(tp);
}

/*
 * Two hosts speaking v2 (host ids): the same PID on two hosts is two
 * processes, and the connection seen from both hosts counts once.
 */
TEST(two_hosts_v2)
{
	const struct totem_topo_node *n;
	const struct totem_topo_edge *e;
	struct totem_topo *tp;
	struct totem_sock s;
	int a, b;

	ASSERT_EQ(0, totem_topo_new(&tp));
	s = sk(1, TCP_LISTEN, "0.0.0.0:9000", "0.0.0.0:0");
	owner(&s, 77, "api", 0);
	ASSERT_EQ(0, totem_topo_add(tp, HOST_B, &s, 0));
	s = sk(1, TCP_ESTABLISHED, "198.51.100.1:33000", "198.51.100.2:9000");
	owner(&s, 77, "worker", 0);
	peer_v2(&s, 77, HOST_B, TOTEM_SEG_SYNACK);
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, 0));
	s = sk(1, TCP_ESTABLISHED, "198.51.100.2:9000", "198.51.100.1:33000");
	owner(&s, 77, "api", 0);
	peer_v2(&s, 77, HOST_A, TOTEM_SEG_SYN);
	ASSERT_EQ(0, totem_topo_add(tp, HOST_B, &s, 0));

	ASSERT_EQ(2, totem_topo_nodes(tp, &n));
	a = node_of(tp, 1, HOST_A, 77);
	b = node_of(tp, 1, HOST_B, 77);
	ASSERT_GE(a, 0);
	ASSERT_GE(b, 0);
	EXPECT_STREQ("worker", n[a].comm);
	EXPECT_STREQ("api", n[b].comm);
	ASSERT_EQ(1, totem_topo_edges(tp, &e));
	EXPECT_EQ(1, edge_of(tp, a, b)->connections);
	totem_topo_free(tp);
}

/* 127.0.0.1:6379 on two hosts: two connections, not one. */
TEST(loopback_per_host)
{
	const struct totem_topo_edge *e;
	struct totem_topo *tp;
	struct totem_sock s;
	__u32 hosts[2] = { HOST_A, HOST_B };
	int i, cnt;

	ASSERT_EQ(0, totem_topo_new(&tp));
	for (i = 0; i < 2; i++) {
		s = sk(1, TCP_LISTEN, "127.0.0.1:6379", "0.0.0.0:0");
		owner(&s, 10, "redis", 0);
		ASSERT_EQ(0, totem_topo_add(tp, hosts[i], &s, 0));
		s = sk(1, TCP_ESTABLISHED, "127.0.0.1:45000", "127.0.0.1:6379");
		owner(&s, 20, "app", 0);
		peer_v1(&s, 10, "127.0.0.1", TOTEM_SEG_SYNACK);
		ASSERT_EQ(0, totem_topo_add(tp, hosts[i], &s, 0));
		s = sk(1, TCP_ESTABLISHED, "127.0.0.1:6379", "127.0.0.1:45000");
		owner(&s, 10, "redis", 0);
		peer_v1(&s, 20, "127.0.0.1", TOTEM_SEG_SYN);
		ASSERT_EQ(0, totem_topo_add(tp, hosts[i], &s, 0));
	}
	cnt = totem_topo_edges(tp, &e);
	/* 127.0.0.1 names no single host, but each end has its local owner */
	ASSERT_EQ(2, cnt);
	for (i = 0; i < 2; i++) {
		int app = node_of(tp, 1, hosts[i], 20), redis = node_of(tp, 1, hosts[i], 10);

		ASSERT_GE(app, 0);
		ASSERT_GE(redis, 0);
		e = edge_of(tp, app, redis);
		ASSERT_NE(NULL, e);
		EXPECT_EQ(1, e->connections);
	}
	totem_topo_free(tp);
}

/* A dual-stack [::]:80 listener: its IPv4 clients appear as ::ffff:a.b.c.d. */
TEST(dual_stack_listener)
{
	const struct totem_topo_edge *e;
	struct totem_topo *tp;
	struct totem_sock s;

	ASSERT_EQ(0, totem_topo_new(&tp));
	s = sk(NS_WEB, TCP_LISTEN, "[::]:80", "[::]:0");
	owner(&s, 200, "nginx", 0);
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, 0));
	s = sk(NS_WEB, TCP_ESTABLISHED, "[::ffff:10.1.0.2]:80", "[::ffff:10.1.0.1]:33333");
	owner(&s, 200, "nginx", 0);
	peer_v1(&s, 100, "10.1.0.1", 0);
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, 0));
	s = sk(NS_CLIENT, TCP_ESTABLISHED, "10.1.0.1:33333", "10.1.0.2:80");
	owner(&s, 100, "curl", 0);
	peer_v1(&s, 200, "10.1.0.2", 0);
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, 0));

	ASSERT_EQ(1, totem_topo_edges(tp, &e));
	e = edge_of(tp, node_of(tp, 1, HOST_A, 100), node_of(tp, 1, HOST_A, 200));
	ASSERT_NE(NULL, e);
	EXPECT_EQ(1, e->connections);
	EXPECT_EQ(80, e->port);
	totem_topo_free(tp);
}

/* A server that listens on two ports: one edge, port "several" (0). */
TEST(two_ports_one_edge)
{
	const struct totem_topo_edge *e;
	struct totem_topo *tp;
	struct totem_sock s;

	ASSERT_EQ(0, totem_topo_new(&tp));
	s = sk(NS_CLIENT, TCP_ESTABLISHED, "10.1.0.1:50000", "10.1.0.2:80");
	owner(&s, 100, "client", TOTEM_OWNER_F_CONNECT);
	peer_v2(&s, 200, HOST_A, TOTEM_SEG_SYNACK);
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, 0));
	s = sk(NS_CLIENT, TCP_ESTABLISHED, "10.1.0.1:50001", "10.1.0.2:443");
	owner(&s, 100, "client", TOTEM_OWNER_F_CONNECT);
	peer_v2(&s, 200, HOST_A, TOTEM_SEG_SYNACK);
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, 0));
	ASSERT_EQ(1, totem_topo_edges(tp, &e));
	EXPECT_EQ(2, e[0].connections);
	EXPECT_EQ(0, e[0].port);
	totem_topo_free(tp);
}

/* A node shows an address a live socket has, before one of a closed record. */
TEST(address_from_live_socket)
{
	const struct totem_topo_node *n;
	struct totem_topo *tp;
	struct totem_sock s;
	int client;

	ASSERT_EQ(0, totem_topo_new(&tp));
	s = sk(NS_CLIENT, TCP_CLOSE, "10.0.0.5:50000", "10.1.0.2:8080");
	owner(&s, 100, "client", TOTEM_OWNER_F_CONNECT);
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, TOTEM_TOPO_CLOSED));
	s = sk(NS_CLIENT, TCP_ESTABLISHED, "10.1.0.1:50001", "10.1.0.2:8080");
	owner(&s, 100, "client", TOTEM_OWNER_F_CONNECT);
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, 0));
	ASSERT_EQ(2, totem_topo_nodes(tp, &n));
	client = node_of(tp, 1, HOST_A, 100);
	ASSERT_GE(client, 0);
	EXPECT_EQ(0, memcmp(n[client].addr, "\x0a\x01\x00\x01", 4));
	totem_topo_free(tp);
}

TEST(json_exact)
{
	struct totem_topo *tp;
	struct totem_sock s;
	char *out;

	ASSERT_EQ(0, totem_topo_new(&tp));
	s = sk(NS_CLIENT, TCP_ESTABLISHED, "10.1.0.1:50000", "10.1.0.2:8080");
	owner(&s, 100, "cli\"ent", TOTEM_OWNER_F_CONNECT);
	peer_v2(&s, 200, HOST_B, TOTEM_SEG_SYNACK);
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, 0));
	out = print_to_string(tp, TOTEM_TOPO_JSON);
	ASSERT_NE(NULL, out);
	EXPECT_STREQ("{\"nodes\":["
		     "{\"id\":0,\"pid\":100,\"comm\":\"cli?ent\",\"host\":168430090,"
		     "\"addr\":\"10.1.0.1\"},"
		     "{\"id\":1,\"pid\":200,\"comm\":null,\"host\":185273099,"
		     "\"addr\":\"10.1.0.2\"}],"
		     "\"edges\":[{\"from\":0,\"to\":1,\"connections\":1,\"open\":1,"
		     "\"port\":8080}]}\n",
		     out);
	free(out);
	totem_topo_free(tp);
}

TEST(text_and_dot)
{
	struct totem_topo *tp;
	char *out, *line, *save;

	ASSERT_EQ(0, totem_topo_new(&tp));
	ASSERT_EQ(0, add_three_tier(tp, 1));
	out = print_to_string(tp, TOTEM_TOPO_TEXT);
	ASSERT_NE(NULL, out);
	EXPECT_NE(NULL, strstr(out, "client[100]"));
	EXPECT_NE(NULL, strstr(out, "web[200]"));
	EXPECT_NE(NULL, strstr(out, "db[300]"));
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		EXPECT_LE(strlen(line), 80)
		{
			TH_LOG("too wide: %s", line);
		}
		/* the client -> web row: 8 connections, 3 open */
		if (strstr(line, "client[100]") && strstr(line, "web[200]")) {
			unsigned int port, conns, open;

			ASSERT_EQ(3, sscanf(line + 57, "%u %u %u", &port, &conns, &open));
			EXPECT_EQ(8080, port);
			EXPECT_EQ(8, conns);
			EXPECT_EQ(3, open);
		}
	}
	free(out);

	out = print_to_string(tp, TOTEM_TOPO_DOT);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, strncmp(out, "digraph totem {", 15));
	EXPECT_NE(NULL, strstr(out, "8 connections\\n3 open"));
	EXPECT_NE(NULL, strstr(out, "1 connection\\n1 open"));
	EXPECT_EQ('}', out[strlen(out) - 2]);
	free(out);
	totem_topo_free(tp);
}

TEST(format_names)
{
	enum totem_topo_format f;

	ASSERT_EQ(0, totem_topo_format_parse("dot", &f));
	EXPECT_EQ(TOTEM_TOPO_DOT, f);
	ASSERT_EQ(0, totem_topo_format_parse("json", &f));
	EXPECT_EQ(TOTEM_TOPO_JSON, f);
	ASSERT_EQ(0, totem_topo_format_parse("text", &f));
	EXPECT_EQ(TOTEM_TOPO_TEXT, f);
	EXPECT_EQ(-EINVAL, totem_topo_format_parse("png", &f));
	EXPECT_EQ(-EINVAL, totem_topo_format_parse(NULL, &f));
}

/* A close event of 1.2.3.4:5 -> 5.6.7.8:9 with more fields. */
#define CLOSE4(more) \
	"{\"event\":\"close\",\"local\":\"1.2.3.4:5\",\"remote\":\"5.6.7.8:9\"" more "}"

/* Lines as totemd writes them on its event socket. */
TEST(event_lines)
{
	struct totem_sock s;
	const char *line;

	ASSERT_EQ(1, totem_topo_event_parse(
			     "{\"event\":\"close\",\"family\":\"inet\",\"state\":\"CLOSE\","
			     "\"local\":\"10.1.0.2:8080\",\"remote\":\"10.1.0.1:50001\","
			     "\"netns\":4026532001,\"cookie\":18446744073709551615,\"pid\":200,"
			     "\"comm\":\"web\",\"uid\":0,\"peer\":{\"pid\":100,\"host\":null,"
			     "\"addr\":\"10.1.0.1\",\"format\":\"v1\",\"seen\":[\"syn\",\"data\"]}}\n",
			     &s));
	EXPECT_EQ(AF_INET, s.family);
	EXPECT_EQ(TCP_CLOSE, s.state);
	EXPECT_EQ(8080, s.sport);
	EXPECT_EQ(50001, s.dport);
	EXPECT_EQ(0, memcmp(s.saddr, "\x0a\x01\x00\x02", 4));
	EXPECT_EQ(4026532001u, s.netns);
	EXPECT_EQ(18446744073709551615ull, s.cookie);
	EXPECT_EQ(200, s.rec.owner.tgid);
	EXPECT_STREQ("web", s.rec.owner.comm);
	EXPECT_EQ(100, s.rec.peer.pid);
	EXPECT_EQ(TOTEM_FMT_V1, s.rec.peer.format);
	EXPECT_EQ(TOTEM_SEG_SYN | TOTEM_SEG_DATA, s.rec.peer.seen);
	EXPECT_EQ(TOTEM_PEER_F_ADDR, s.rec.peer.flags);
	EXPECT_EQ(0, memcmp(s.rec.peer.addr, "\x0a\x01\x00\x01", 4));

	/* v2 peer, IPv6, unknown keys skipped */
	line = "{\"event\":\"close\",\"x\":[1,{\"y\":true},-2.5e3],\"local\":\"[::1]:5\","
	       "\"remote\":\"[::1]:6\",\"pid\":0,\"peer\":{\"pid\":9,\"host\":4242,"
	       "\"addr\":null,\"format\":\"v2\",\"seen\":[]}}";
	ASSERT_EQ(1, totem_topo_event_parse(line, &s));
	EXPECT_EQ(AF_INET6, s.family);
	EXPECT_EQ(4242, s.rec.peer.host_id);
	EXPECT_EQ(TOTEM_PEER_F_HOST, s.rec.peer.flags);
	ASSERT_EQ(1, totem_topo_event_parse(CLOSE4(",\"peer\":null"), &s));
	EXPECT_EQ(0, s.rec.peer.format);
	/* no known owner: totemd writes null for pid and comm */
	line = CLOSE4(",\"pid\":null,\"comm\":null,\"peer\":{\"pid\":7,\"format\":\"v2\"}");
	ASSERT_EQ(1, totem_topo_event_parse(line, &s));
	EXPECT_EQ(0, s.rec.owner.tgid);
	EXPECT_EQ(0, s.rec.owner.comm[0]);
	EXPECT_EQ(7, s.rec.peer.pid);
	/* a repeated key leaves nothing of the first value */
	line = CLOSE4(",\"comm\":\"longername\",\"comm\":\"ab\",\"peer\":{\"addr\":\"fd00::1:2:3\","
		      "\"addr\":\"10.0.0.1\"}");
	ASSERT_EQ(1, totem_topo_event_parse(line, &s));
	EXPECT_EQ(0, memcmp(s.rec.owner.comm, "ab\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16));
	EXPECT_EQ(AF_INET, s.rec.peer.family);
	EXPECT_EQ(0, memcmp(s.rec.peer.addr, "\x0a\0\0\x01\0\0\0\0\0\0\0\0\0\0\0\0", 16));

	/* other events are not closed connections */
	line = "{\"event\":\"owner\",\"local\":\"1.2.3.4:5\",\"remote\":\"5.6.7.8:9\"}";
	EXPECT_EQ(0, totem_topo_event_parse(line, &s));
	/* not events */
	EXPECT_EQ(-EINVAL, totem_topo_event_parse("", &s));
	EXPECT_EQ(-EINVAL, totem_topo_event_parse("{\"event\":\"close\"", &s));
	EXPECT_EQ(-EINVAL, totem_topo_event_parse("{\"event\":\"close\"} x", &s));
	line = "{\"event\":\"close\",\"local\":\"1.2.3.4:5\"}";
	EXPECT_EQ(-EINVAL, totem_topo_event_parse(line, &s));
	line = "{\"event\":\"close\",\"local\":\"1.2.3.4:5\",\"remote\":\"[::1]:5\"}";
	EXPECT_EQ(-EINVAL, totem_topo_event_parse(line, &s));
	EXPECT_EQ(-EINVAL, totem_topo_event_parse(CLOSE4(",\"pid\":4294967296"), &s));
	EXPECT_EQ(-EINVAL, totem_topo_event_parse(CLOSE4(",\"peer\":{\"format\":\"v3\"}"), &s));
	EXPECT_EQ(-EINVAL, totem_topo_event_parse("{\"pid\":1}", &s));
}

/* A closed record fed through the event parser lands on the same edge. */
TEST(events_into_topology)
{
	const struct totem_topo_edge *e;
	struct totem_topo *tp;
	struct totem_sock s;

	ASSERT_EQ(0, totem_topo_new(&tp));
	ASSERT_EQ(0, add_three_tier(tp, 0));
	ASSERT_EQ(1, totem_topo_event_parse(
			     "{\"event\":\"close\",\"state\":\"CLOSE\",\"local\":\"10.1.0.1:50100\","
			     "\"remote\":\"10.1.0.2:8080\",\"netns\":4026530001,\"pid\":100,"
			     "\"comm\":\"client\",\"peer\":{\"pid\":200,\"host\":null,"
			     "\"addr\":\"10.1.0.2\",\"format\":\"v1\",\"seen\":[\"synack\"]}}",
			     &s));
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, TOTEM_TOPO_CLOSED));
	ASSERT_EQ(1, totem_topo_event_parse(
			     "{\"event\":\"close\",\"state\":\"CLOSE\",\"local\":\"10.1.0.2:8080\","
			     "\"remote\":\"10.1.0.1:50100\",\"netns\":4026530002,\"pid\":200,"
			     "\"comm\":\"web\",\"peer\":{\"pid\":100,\"host\":null,"
			     "\"addr\":\"10.1.0.1\",\"format\":\"v1\",\"seen\":[\"syn\"]}}",
			     &s));
	ASSERT_EQ(0, totem_topo_add(tp, HOST_A, &s, TOTEM_TOPO_CLOSED));
	e = edge_of(tp, node_of(tp, 1, HOST_A, 100), node_of(tp, 1, HOST_A, 200));
	ASSERT_NE(NULL, e);
	EXPECT_EQ(4, e->connections);
	EXPECT_EQ(3, e->open);
	totem_topo_free(tp);
}

TEST_HARNESS_MAIN
