/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Process-level topology: from the sockets of one or more hosts or network
 * namespaces (and the closed connections totemd remembers), which process
 * talks to which, and how often.
 *
 * Nodes are processes: a host (host id, or an address when the host is not
 * known) and a PID, with the command name when a local socket named it.
 * Edges go from the client process (the side that connected) to the server
 * process, with the number of connections seen.  A connection seen from
 * both ends (two namespaces, or a live socket and its closed record) counts
 * once.
 *
 *   struct totem_topo *tp;
 *   totem_topo_new(&tp);
 *   totem_topo_add(tp, host_id, sock, 0);      // for every socket
 *   totem_topo_add(tp, host_id, rec, TOTEM_TOPO_CLOSED);
 *   totem_topo_print(tp, TOTEM_TOPO_DOT, stdout);
 *   totem_topo_free(tp);
 */
#ifndef _TOTEM_TOPOLOGY_H
#define _TOTEM_TOPOLOGY_H

#include <stdio.h>
#include "libtotem.h"

struct totem_topo;

enum totem_topo_format {
	TOTEM_TOPO_TEXT, /* two tables, 80 columns */
	TOTEM_TOPO_DOT, /* graphviz: dot -Tpng */
	TOTEM_TOPO_JSON, /* {"nodes":[...],"edges":[...]} */
};

/* totem_topo_add() flags */
#define TOTEM_TOPO_CLOSED 0x1 /* a record of a connection now closed */

struct totem_topo_node {
	__u32 pid; /* 0: process unknown (peer sent no option) */
	__u32 host_id; /* valid if has_host */
	__u8 has_host;
	__u8 family; /* of addr: AF_INET, AF_INET6; 0: none */
	__u16 port; /* unknown server process: its port */
	__u8 addr[16]; /* an address of the process (IPv4 in [0..3]) */
	char comm[16]; /* "" when no local socket named it */
};

struct totem_topo_edge {
	unsigned int from; /* node index: the client process */
	unsigned int to; /* node index: the server process */
	unsigned int connections;
	unsigned int open; /* of which still open */
	__u16 port; /* the server's port; 0 if several */
};

int totem_topo_new(struct totem_topo **tp);
void totem_topo_free(struct totem_topo *tp);

/*
 * Add one socket as seen on the host @host_id (the local owner's host).
 * LISTEN sockets tell which side of the other sockets is the server.  A
 * socket with neither a known owner nor a peer option is ignored: there is
 * no process to draw.
 */
int totem_topo_add(struct totem_topo *tp, __u32 host_id, const struct totem_sock *s,
		   unsigned int flags);

/* Resolve what was added (done by the accessors and print if needed). */
int totem_topo_build(struct totem_topo *tp);
int totem_topo_nodes(struct totem_topo *tp, const struct totem_topo_node **nodes);
int totem_topo_edges(struct totem_topo *tp, const struct totem_topo_edge **edges);

int totem_topo_print(struct totem_topo *tp, enum totem_topo_format fmt, FILE *f);
/* "text", "dot", "json"; -EINVAL otherwise. */
int totem_topo_format_parse(const char *name, enum totem_topo_format *fmt);

/*
 * Parse one line of `totem -j monitor` (totemd's event stream).  Returns 1
 * and fills @s for a "close" event (the record of a closed connection), 0
 * for any other event, -EINVAL for a line that is not such an event.
 */
int totem_topo_event_parse(const char *line, struct totem_sock *s);

/*
 * `totem topology`: argv[0] is "topology".  @json: the global -j.  Returns
 * the exit status (0, 1 runtime failure, 2 usage error).
 */
int totem_cmd_topology(enum totem_backend backend, int argc, char **argv, int json);

#endif /* _TOTEM_TOPOLOGY_H */
