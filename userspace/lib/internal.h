/* SPDX-License-Identifier: GPL-2.0 */
/* libtotem internals: the backend interface. */
#ifndef _TOTEM_INTERNAL_H
#define _TOTEM_INTERNAL_H

#include "libtotem.h"

struct totem_backend_ops {
	const char *name;
	/* Cheap check: is this backend running on this host right now? */
	int (*probe)(void);
	int (*open)(struct totem *t);
	void (*close)(struct totem *t);
	int (*lookup)(struct totem *t, const struct totem_sock *key,
		      struct totem_sock *out);
	int (*dump)(struct totem *t, totem_sock_cb cb, void *arg);
	int (*stats)(struct totem *t, __u64 *counters);
	int (*config_get)(struct totem *t, struct totem_config *cfg);
	int (*config_set)(struct totem *t, const struct totem_config *cfg);
};

struct totem {
	enum totem_backend backend;
	const struct totem_backend_ops *ops;
	void *priv;		/* the backend's state */
	struct totem_proc_owners *owners; /* bpf, kmod: owners from /proc */
};

/*
 * backend_proc.c's owner lookup (socket inode -> the process holding it,
 * from /proc/PID/fd), for the paths whose kernel side was not there when a
 * socket was opened.  totem_proc_owner_fill(): 0 (@o filled, or left alone
 * when no process holds @inode) or -errno; *rescanned: at most one walk of
 * /proc per query, start it at 0.
 */
struct totem_proc_owners;
struct totem_owner;
int totem_proc_owners_open(struct totem_proc_owners **po);
void totem_proc_owners_close(struct totem_proc_owners *po);
int totem_proc_owner_fill(struct totem_proc_owners *po, __u64 inode, struct totem_owner *o,
			  int *rescanned);

/*
 * The parse steps of the netlink backends, apart from their sockets so that
 * tests/fuzz/ feeds them any bytes.  Each takes one message (or nest) whose
 * length its caller checked against the datagram (nlmsg_ok()).
 */
struct nlattr;
struct nlmsghdr;
/* kmod: a message of the "totem" family, its attributes into @tb. */
int totem_kmod_msg_parse(struct nlmsghdr *nlh, struct nlattr **tb);
/* kmod: one TOTEM_A_SOCK nest (reply or event) into a totem_sock. */
int totem_kmod_sock_parse(struct nlattr *nest, struct totem_sock *s);
/* kmod: a TOTEM_A_STATS nest into TOTEM_CTR_MAX counters. */
int totem_kmod_stats_parse(struct nlattr *nest, __u64 *counters);
/* kmod: a TOTEM_A_CONFIG nest into the fields of @cfg it carries. */
int totem_kmod_config_parse(struct nlattr *nest, struct totem_config *cfg);
/*
 * @addr (of @family) as the socket's packets carry it, into @out (16
 * bytes, zero after the address): ::ffff:a.b.c.d is a.b.c.d, the way a
 * dual-stack socket talks to an IPv4 peer.  Returns the family.
 */
__u8 totem_addr_norm(__u8 family, const __u8 *addr, __u8 out[16]);
/* @a (of @fa) and @b (of @fb) are one address, folded as above. */
int totem_addr_same(__u8 fa, const __u8 *a, __u8 fb, const __u8 *b);
/*
 * @s is the socket @k names: the same ports and addresses, folded as above
 * (a dual-stack socket's IPv4 connection matches asked either way).
 */
int totem_sock_matches(const struct totem_sock *s, const struct totem_sock *k);

/* bpf: the ids of the sk_storage maps a sock_diag reply carries */
struct totem_bpf_map_ids {
	__u32 state; /* struct totem_sock_state */
	__u32 toa; /* struct totem_toa */
};

/*
 * bpf: the owners' details of one dump, read from the proc_info map @fd
 * (-1: none) once per process rather than once per socket.  A dump lasts
 * well under a second; what a process's details were when it started is
 * what its sockets report.
 */
#define TOTEM_PROC_CACHE_BITS 8
#define TOTEM_PROC_CACHE_SLOTS (1u << TOTEM_PROC_CACHE_BITS)
struct totem_proc_cache {
	int fd;
	struct {
		__u32 tgid; /* 0: empty */
		int found; /* 0: not in the map */
		struct totem_proc_info info;
	} slot[TOTEM_PROC_CACHE_SLOTS];
};

/*
 * bpf: one sock_diag reply, with the record of those maps; the owner's
 * details through @pc (NULL: none).
 */
int totem_bpf_diag_parse(struct nlmsghdr *nlh, const struct totem_bpf_map_ids *ids,
			 struct totem_proc_cache *pc, struct totem_sock *s);

extern const struct totem_backend_ops totem_bpf_ops;
extern const struct totem_backend_ops totem_kmod_ops;
extern const struct totem_backend_ops totem_proc_ops;

#endif /* _TOTEM_INTERNAL_H */
