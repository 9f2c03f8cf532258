/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * totem: TCP Option Tracing -- the one definition of the wire and the ABI.
 *
 * This header is shared verbatim by the kernel module (kmod/), the eBPF
 * programs (bpf/) and userspace (userspace/, tests/).  It is the protocol
 * documentation: if a layout here and a comment elsewhere disagree, this
 * file is right.
 *
 * 1. Options written on the wire (all multi-byte fields big-endian)
 * ===============================================================
 *
 * All TOT options use kind 253 (RFC 6994 shared experimental option) with a
 * 16-bit ExID right after kind and length.  totem never emits kind 254 and
 * never emits an 8-byte kind 253 option: an 8-byte kind 253 is read as an
 * Akamai-style TOA (port + IPv4) by ucloud-toa and would rewrite the peer's
 * getpeername().
 *
 * v1, ExID 0xDEE9, length 16 (byte-compatible with deepflowio/
 * tcp-option-tracing and the DeepFlow v1 parser, which accepts length 16 only):
 *
 *   0      1      2      3      4                 8                12        16
 *   +------+------+------+------+-----------------+-----------------+---------+
 *   | 253  |  16  |  0xDE  0xE9 |   PID (tgid)    |  IPv4 source    | TCP seq |
 *   +------+------+------+------+-----------------+-----------------+---------+
 *
 * v2, ExID 0xDEEA, length 12 (the format current DeepFlow agents parse; the
 * field order follows DeepFlow's published description of "TOT v2": PID at
 * offset 4, agent/host id at offset 8):
 *
 *   0      1      2      3      4                 8                12
 *   +------+------+------+------+-----------------+-----------------+
 *   | 253  |  12  |  0xDE  0xEA |   PID (tgid)    |     host id     |
 *   +------+------+------+------+-----------------+-----------------+
 *
 * v6, ExID 0xDEEB, length 20 (totem's IPv6 form):
 *
 *   0      1      2      3      4          8          12                    20
 *   +------+------+------+------+----------+----------+---------------------+
 *   | 253  |  20  |  0xDE  0xEB |   PID    | host id  | IPv6 source, low 64 |
 *   +------+------+------+------+----------+----------+---------------------+
 *
 *   A Linux SYN already carries 20 bytes of options (MSS 4, SACK-permitted
 *   and timestamps 12, window scale 4), which leaves 20: a full 16-byte IPv6
 *   address cannot ride with the PID.  v6 therefore carries the host id and
 *   the low 64 bits of the source address (the interface identifier, which
 *   survives prefix translation); the receiver combines it with the /64 it
 *   sees on the packet.  A v1-only parser (length 16 only) and the DeepFlow
 *   v2 parser (length 12, ExID 0xDEEA) skip it as an unknown option.
 *
 * 2. Options parsed on receive (never emitted)
 * ============================================
 *
 *   TOA, kind 254 or 200, length 8:   | kind | 8  | port (2) | IPv4 (4)  |
 *   TOA IPv6, kind 254, length 20:    | 254  | 20 | port (2) | IPv6 (16) |
 *
 * Parsing rules (kmod/codec.c is the reference implementation):
 *   - EOL ends the area, NOP is skipped; any other kind needs a length byte
 *     >= 2 that does not run past the area, or the whole area is malformed
 *     and nothing in it is used;
 *   - kind 253/254 with ExID 0xDEE9/0xDEEA/0xDEEB must have length 16/12/20;
 *     any other length is a malformed TOT option and is ignored;
 *   - kind 254 of length 8 or 20 is TOA; kind 254 with the TCP Fast Open ExID
 *     (0xF989) is not ours; any other kind 254 is a malformed TOA;
 *   - kind 200 of length 8 is TOA, any other length is a malformed TOA;
 *   - two TOT options in one segment (or two TOA options) make all of that
 *     kind malformed: a segment that claims two identities claims none.
 *
 * 3. The per-socket record
 * ========================
 *
 * struct totem_sock_record is what every path reports for a socket: the
 * layout of libtotem's answers and of events, and the fields the module
 * sends as generic netlink attributes.  Fixed sizes, explicit padding,
 * natural alignment: the same bytes on every architecture and compiler.
 *
 * Both kernel paths store less per socket (56 bytes, struct
 * totem_sock_state: in sk_storage, or in the module's table entry) and
 * keep the rest where it is shared or rare: the owner's uid, cgroup and
 * comm once per process (struct totem_proc_info, keyed by tgid), a TOA
 * only on sockets that got one (a second sk_storage, or a small
 * allocation of the entry's).  kmod/record.h folds options into the state
 * and puts the record back together, in the module, the eBPF programs and
 * libtotem alike.
 *
 * 4. Generic netlink family "totem" (module path)
 * ===============================================
 *
 * Family TOTEM_GENL_NAME, version TOTEM_GENL_VERSION, no user header.  The
 * YNL specification is docs/netlink/totem.yaml.  Socket attributes
 * (TOTEM_A_SOCK_*) always travel inside a TOTEM_A_SOCK nest, config
 * attributes inside TOTEM_A_CONFIG.
 *
 * TOTEM_CMD_SOCK_GET
 *   do:   request  TOTEM_A_SOCK_FAMILY, _SADDR, _DADDR, _SPORT, _DPORT
 *                  (the local and remote address of one socket, ports in
 *                  network byte order);
 *         reply    one TOTEM_CMD_SOCK_GET message with the TOTEM_A_SOCK_*
 *                  attributes of that socket; ENOENT if it is not tracked.
 *   dump: request  optional TOTEM_A_SOCK_OWNER_PID and/or TOTEM_A_SOCK_SPORT
 *                  (matches local or remote port) filters;
 *         reply    one message per tracked socket of the caller's network
 *                  namespace.
 * TOTEM_CMD_CONFIG_GET
 *   do:   reply    every TOTEM_A_CONFIG_* attribute.
 * TOTEM_CMD_CONFIG_SET  (CAP_NET_ADMIN in the caller's user namespace)
 *   do:   request  any subset of TOTEM_A_CONFIG_*; all are validated
 *                  before any is applied; reply as CONFIG_GET.
 * TOTEM_CMD_STATS_GET
 *   do:   reply    TOTEM_A_STATS, a nest with one u64 attribute per
 *                  counter, attribute type = counter index + 1 (see
 *                  TOTEM_COUNTERS below for the names).
 * Multicast group TOTEM_GENL_MCGRP_EVENTS, notifications:
 *   TOTEM_CMD_EVENT_OWNER  an owner was recorded for a socket;
 *   TOTEM_CMD_EVENT_PEER   a peer identity was learned from an option (again
 *                          only when it changes);
 *   TOTEM_CMD_EVENT_CLOSE  a tracked socket closed (its last record).
 *   Each carries the TOTEM_A_SOCK_* attributes of the socket.
 */
#ifndef _UAPI_LINUX_TOTEM_H
#define _UAPI_LINUX_TOTEM_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* ---- wire ---- */
#define TOTEM_OPT_KIND		253	/* RFC 6994 experimental, shared */
#define TOTEM_OPT_EXP_KIND	254	/* RFC 6994 experimental; TOA uses it */
#define TOTEM_OPT_IPVS_KIND	200	/* TOA as sent by IPVS (ip_vs_ca) */

#define TOTEM_EXID_V1		0xDEE9
#define TOTEM_EXID_V2		0xDEEA
#define TOTEM_EXID_V6		0xDEEB
#define TOTEM_EXID_TFO		0xF989	/* RFC 7413 TCP Fast Open, not ours */

#define TOTEM_OPT_V1_LEN	16
#define TOTEM_OPT_V2_LEN	12
#define TOTEM_OPT_V6_LEN	20
#define TOTEM_OPT_MAX_LEN	20
#define TOTEM_TOA_V4_LEN	8
#define TOTEM_TOA_V6_LEN	20
#define TOTEM_TCP_OPT_SPACE	40	/* 60-byte header minus 20 fixed */

enum totem_format {
	TOTEM_FMT_NONE = 0,
	TOTEM_FMT_V1 = 1,
	TOTEM_FMT_V2 = 2,
	TOTEM_FMT_V6 = 6,
};

/* Which segments an option was seen on / may be written on. */
enum totem_seg {
	TOTEM_SEG_SYN = 1 << 0,
	TOTEM_SEG_SYNACK = 1 << 1,
	TOTEM_SEG_DATA = 1 << 2,
	TOTEM_SEG_ALL = TOTEM_SEG_SYN | TOTEM_SEG_SYNACK | TOTEM_SEG_DATA,
};

/* ---- per-socket record ---- */

/* owner.flags */
enum totem_owner_flag {
	TOTEM_OWNER_F_CREATOR = 1 << 0,	  /* the process that created it */
	TOTEM_OWNER_F_CONNECT = 1 << 1,	  /* ... that called connect() */
	TOTEM_OWNER_F_LISTENER = 1 << 2,  /* inherited from the listener */
	TOTEM_OWNER_F_ACCEPT = 1 << 3,	  /* ... that accepted it */
	TOTEM_OWNER_F_SENDER = 1 << 4,	  /* ... that last sent on it */
	TOTEM_OWNER_F_REUSEPORT = 1 << 5, /* one of several listeners */
	TOTEM_OWNER_F_PROC = 1 << 6,	  /* found by a /proc scan */
};

struct totem_owner {
	__u32 tgid;		/* 0: unknown */
	__u32 uid;
	__u64 cgroup_id;	/* cgroup v2 id, 0 if unknown */
	char comm[16];
	__u32 flags;		/* enum totem_owner_flag */
	__u32 __pad;
};

/* peer.flags */
enum totem_peer_flag {
	TOTEM_PEER_F_HOST = 1 << 0,	/* host_id is valid (v2, v6) */
	TOTEM_PEER_F_ADDR = 1 << 1,	/* addr is valid (v1: IPv4, v6: IID) */
	TOTEM_PEER_F_SEQ = 1 << 2,	/* seq is valid (v1) */
};

struct totem_peer {
	__u32 pid;		/* as claimed by the peer */
	__u32 host_id;
	__u8 addr[16];		/* IPv4 in addr[0..3]; v6: full address */
	__u32 seq;		/* v1: TCP sequence number it was sent with */
	__u8 family;		/* AF_INET/AF_INET6 of addr, 0 if none */
	__u8 format;		/* enum totem_format last seen, 0: none */
	__u8 seen;		/* enum totem_seg, segments seen on */
	__u8 flags;		/* enum totem_peer_flag */
	__u64 first_ns;		/* CLOCK_BOOTTIME of first/last option */
	__u64 last_ns;
};

struct totem_toa {
	__u8 addr[16];		/* IPv4 in addr[0..3] */
	__be16 port;
	__u8 family;		/* 0: no TOA seen */
	__u8 kind;		/* 254 or 200 */
	__u32 __pad;
};

/*
 * Transmit-side sampler state.  Internal to the path that writes options;
 * reported for debugging only.
 */
struct totem_tx {
	__u32 unsampled;	/* payload bytes sent since the last tag */
	__u32 flags;		/* path-private */
};

struct totem_sock_record {
	struct totem_owner owner;	/*  0: 40 bytes */
	struct totem_peer peer;		/* 40: 48 bytes */
	struct totem_toa toa;		/* 88: 24 bytes */
	struct totem_tx tx;		/* 112: 8 bytes */
};					/* 120 bytes */

/*
 * ---- what the kernel paths store per socket ----
 * The sk_storage value (TOTEM_BPF_SOCK_MAP), and the state in the module's
 * table entry: the record without the owner's per-process details, without
 * the TOA, and without the half of a v6 peer address that the socket
 * itself has (the /64 of its remote address).  56 bytes: with the kernel's
 * 72-byte element header, one kmalloc-128 object.
 */
struct totem_peer_state {
	__u32 pid;		/* record.peer.pid */
	__u32 host_id;
	__u32 seq;
	__u8 family;
	__u8 format;
	__u8 seen;
	__u8 flags;
	__u8 addr[8];		/* v1: the IPv4 address in [0..3]; v6: the IID */
	__u64 first_ns;
	__u64 last_ns;
};				/* 40 bytes */

struct totem_sock_state {
	__u32 owner_tgid;	/* record.owner.tgid */
	__u16 owner_flags;	/* record.owner.flags */
	__u8 tx_flags;		/* record.tx.flags */
	__u8 __pad;
	__u32 tx_unsampled;	/* record.tx.unsampled */
	__u32 __pad2;
	struct totem_peer_state peer;	/* 16: 40 bytes */
};				/* 56 bytes */

/*
 * The value of TOTEM_BPF_PROC_MAP, key: the tgid (__u32); the module keeps
 * the same per process.  At most TOTEM_PROC_MAX processes are remembered
 * (on the module path by default: its max_procs parameter).
 */
#define TOTEM_PROC_MAX 16384

struct totem_proc_info {
	__u32 uid;
	__u32 __pad;
	__u64 cgroup_id;
	char comm[16];
};				/* 32 bytes */

/* ---- runtime configuration (same keys on every path) ---- */
struct totem_config {
	__u32 enable;		/* enum totem_seg: where to write */
	__u32 sample_bytes;	/* tag data every N payload bytes, 0: all */
	__u32 format4;		/* TOTEM_FMT_V1 (default) or _V2 */
	__u32 format6;		/* TOTEM_FMT_V6 (default) or _V2 */
	__u32 host_id;		/* 0: derive from /etc/machine-id */
	__u32 parse;		/* 1: parse peers' options (default) */
};

#define TOTEM_DEFAULT_SAMPLE_BYTES 16384

/*
 * ---- counters ----
 * X(index name, "text name", description). Same names on every path.
 */
#define TOTEM_COUNTERS(X)						\
	X(INJECT_SYN, "inject_syn", "options written on SYN")		\
	X(INJECT_SYNACK, "inject_synack", "options written on SYN-ACK")	\
	X(INJECT_DATA, "inject_data", "options written on data")	\
	X(SKIP_NOSPACE, "skip_nospace", "not written: option space full") \
	X(SKIP_MSS, "skip_mss", "not written: segment would exceed MSS") \
	X(SKIP_MD5, "skip_md5", "not written: MD5/TCP-AO segment")	\
	X(SKIP_OTHER, "skip_other", "not written: unsupported segment")	\
	X(OWNER_UNKNOWN, "owner_unknown", "written with PID 0: owner unknown") \
	X(RX_TOT, "rx_tot", "TOT options parsed")			\
	X(RX_TOA, "rx_toa", "TOA options parsed")			\
	X(RX_MALFORMED, "rx_malformed", "malformed options ignored")	\
	X(ERR_RESERVE, "err_reserve", "option space reservation failed") \
	X(ERR_STORE, "err_store", "option store failed")		\
	X(ERR_STATE, "err_state", "per-socket state unavailable")	\
	X(TABLE_EVICT, "table_evict", "owner table entries evicted")	\
	X(EVENTS_LOST, "events_lost", "events dropped")

#define TOTEM_CTR_ENUM(id, name, desc) TOTEM_CTR_##id,
enum totem_counter {
	TOTEM_COUNTERS(TOTEM_CTR_ENUM) /* TOTEM_CTR_<id>, ... */
	TOTEM_CTR_MAX
};
#undef TOTEM_CTR_ENUM

/* ---- generic netlink ---- */
#define TOTEM_GENL_NAME		"totem"
#define TOTEM_GENL_VERSION	1
#define TOTEM_GENL_MCGRP_EVENTS	"events"

enum totem_cmd {
	TOTEM_CMD_UNSPEC,
	TOTEM_CMD_SOCK_GET,
	TOTEM_CMD_CONFIG_GET,
	TOTEM_CMD_CONFIG_SET,
	TOTEM_CMD_STATS_GET,
	TOTEM_CMD_EVENT_OWNER,
	TOTEM_CMD_EVENT_PEER,
	TOTEM_CMD_EVENT_CLOSE,
	__TOTEM_CMD_MAX
};
#define TOTEM_CMD_MAX (__TOTEM_CMD_MAX - 1)

/* Top-level attributes. */
enum totem_attr {
	TOTEM_A_UNSPEC,
	TOTEM_A_PAD,
	TOTEM_A_SOCK,		/* nest: enum totem_sock_attr */
	TOTEM_A_CONFIG,		/* nest: enum totem_config_attr */
	TOTEM_A_STATS,		/* nest: u64 per counter, type = index + 1 */
	__TOTEM_A_MAX
};
#define TOTEM_A_MAX (__TOTEM_A_MAX - 1)

enum totem_sock_attr {
	TOTEM_A_SOCK_UNSPEC,
	TOTEM_A_SOCK_PAD,
	TOTEM_A_SOCK_FAMILY,		/* u8: AF_INET, AF_INET6 */
	TOTEM_A_SOCK_STATE,		/* u8: TCP state */
	TOTEM_A_SOCK_SADDR,		/* binary: 4 or 16 bytes */
	TOTEM_A_SOCK_DADDR,		/* binary: 4 or 16 bytes */
	TOTEM_A_SOCK_SPORT,		/* u16, network order */
	TOTEM_A_SOCK_DPORT,		/* u16, network order */
	TOTEM_A_SOCK_NETNS,		/* u32: netns inode */
	TOTEM_A_SOCK_INODE,		/* u64: socket inode, 0 if none */
	TOTEM_A_SOCK_COOKIE,		/* u64: socket cookie */
	TOTEM_A_SOCK_OWNER_PID,		/* u32: tgid; dump filter too */
	TOTEM_A_SOCK_OWNER_UID,		/* u32 */
	TOTEM_A_SOCK_OWNER_CGROUP,	/* u64 */
	TOTEM_A_SOCK_OWNER_COMM,	/* string */
	TOTEM_A_SOCK_OWNER_FLAGS,	/* u32: enum totem_owner_flag */
	TOTEM_A_SOCK_PEER_PID,		/* u32 */
	TOTEM_A_SOCK_PEER_HOST,		/* u32 */
	TOTEM_A_SOCK_PEER_ADDR,		/* binary: 4 or 16 bytes */
	TOTEM_A_SOCK_PEER_SEQ,		/* u32 */
	TOTEM_A_SOCK_PEER_FORMAT,	/* u8: enum totem_format */
	TOTEM_A_SOCK_PEER_SEEN,		/* u8: enum totem_seg */
	TOTEM_A_SOCK_PEER_FLAGS,	/* u8: enum totem_peer_flag */
	TOTEM_A_SOCK_PEER_FIRST_NS,	/* u64 */
	TOTEM_A_SOCK_PEER_LAST_NS,	/* u64 */
	TOTEM_A_SOCK_TOA_ADDR,		/* binary: 4 or 16 bytes */
	TOTEM_A_SOCK_TOA_PORT,		/* u16, network order */
	TOTEM_A_SOCK_TOA_KIND,		/* u8 */
	__TOTEM_A_SOCK_MAX
};
#define TOTEM_A_SOCK_MAX (__TOTEM_A_SOCK_MAX - 1)

enum totem_config_attr {
	TOTEM_A_CONFIG_UNSPEC,
	TOTEM_A_CONFIG_ENABLE,		/* u32: enum totem_seg mask */
	TOTEM_A_CONFIG_SAMPLE_BYTES,	/* u32 */
	TOTEM_A_CONFIG_FORMAT4,		/* u32: 1 or 2 */
	TOTEM_A_CONFIG_FORMAT6,		/* u32: 6 or 2 */
	TOTEM_A_CONFIG_HOST_ID,		/* u32 */
	TOTEM_A_CONFIG_PARSE,		/* u32: 0 or 1 */
	__TOTEM_A_CONFIG_MAX
};
#define TOTEM_A_CONFIG_MAX (__TOTEM_A_CONFIG_MAX - 1)

/*
 * ---- events ----
 * The eBPF path's ring buffer carries struct totem_event; the module's
 * multicast group carries the same fields as netlink attributes.
 */
struct totem_event {
	__u32 type;		/* TOTEM_CMD_EVENT_* */
	__u32 netns;		/* netns inode */
	__u64 cookie;		/* socket cookie */
	__u8 family;		/* AF_INET, AF_INET6 */
	__u8 state;		/* TCP state */
	__be16 sport;
	__be16 dport;
	__u16 __pad;
	__u8 saddr[16];
	__u8 daddr[16];
	struct totem_sock_record rec;
};

/* ---- eBPF path: where totemd pins what queries need ---- */
#define TOTEM_BPF_PIN_DIR	"/sys/fs/bpf/totem"
#define TOTEM_BPF_SOCK_MAP	"sock_record"	/* sk_storage, totem_sock_state */
#define TOTEM_BPF_TOA_MAP	"sock_toa"	/* sk_storage, totem_toa */
#define TOTEM_BPF_PROC_MAP	"proc_info"	/* LRU hash tgid -> totem_proc_info */
#define TOTEM_BPF_CONFIG_MAP	"config"	/* array[1] of totem_config */
#define TOTEM_BPF_STATS_MAP	"stats"		/* percpu array of u64 */
#define TOTEM_BPF_LOOKUP_PROG	"lookup"	/* tc program, run, never attached */

/*
 * One socket looked up by its 4-tuple in O(1): libtotem runs the pinned
 * "lookup" program (bpf/lookup.bpf.c) with BPF_PROG_TEST_RUN on a frame of
 * TOTEM_BPF_LOOKUP_ETH_HLEN bytes of Ethernet header (ethertype
 * TOTEM_BPF_LOOKUP_ETHERTYPE) followed by this struct, filled in up to
 * daddr; the program finds the full socket with bpf_sk_lookup_tcp() in
 * the caller's network namespace and writes back the rest and the
 * socket's own family and addresses (a dual-stack socket's are IPv6).
 * found == 0: no full socket has that tuple (TIME_WAIT, none), or only a
 * listener does while the tuple names a remote port.
 */
#define TOTEM_BPF_LOOKUP_ETH_HLEN	14
#define TOTEM_BPF_LOOKUP_ETHERTYPE	0x88b5	/* IEEE local experimental */

struct totem_bpf_lookup {
	__u8 family;		/* in: AF_INET, AF_INET6; out: the socket's */
	__u8 found;		/* out: 1 if the socket was found */
	__u8 state;		/* out: TCP state */
	__u8 __pad;
	__be16 sport;		/* in: local port */
	__be16 dport;		/* in: remote port, 0 for a listener */
	__u8 saddr[16];		/* in, out: local address (IPv4 in [0..3]) */
	__u8 daddr[16];		/* in, out: remote address */
	__u32 netns;		/* out: netns inode */
	__u32 __pad2;
	__u64 inode;		/* out: socket inode, 0 if none */
	__u64 cookie;		/* out: socket cookie, 0 if never assigned */
	struct totem_sock_record rec;	/* out: zero if it has none */
};

#endif /* _UAPI_LINUX_TOTEM_H */
