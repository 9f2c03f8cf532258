/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * libtotem: ask "who owns this TCP socket, and who is on the other end",
 * whichever path (eBPF, kernel module, /proc) answers on this host.
 *
 * All functions return 0 or a negative errno.  Handles are opaque.
 * Queries report on the network namespace the caller runs in.
 */
#ifndef _LIBTOTEM_H
#define _LIBTOTEM_H

#include <stdint.h>
#include <linux/types.h>
#include "totem.h"	/* the ABI: record, config, counters */

#ifdef __cplusplus
extern "C" {
#endif

enum totem_backend {
	TOTEM_BACKEND_AUTO = 0,	/* whatever is running on this host */
	TOTEM_BACKEND_BPF,
	TOTEM_BACKEND_KMOD,
	TOTEM_BACKEND_PROC,
};

struct totem;

/* One socket and what totem knows about it. */
struct totem_sock {
	__u8 family;		/* AF_INET or AF_INET6 */
	__u8 state;		/* TCP state (TCP_ESTABLISHED, ...) */
	__u16 sport;		/* host order */
	__u16 dport;
	__u16 __pad;
	__u8 saddr[16];		/* IPv4 in [0..3] */
	__u8 daddr[16];
	__u32 netns;		/* netns inode */
	__u32 __pad2;
	__u64 inode;		/* socket inode, 0 if unknown */
	__u64 cookie;		/* socket cookie, 0 if unknown */
	struct totem_sock_record rec;
};

typedef int (*totem_sock_cb)(const struct totem_sock *s, void *arg);

/* Open a query handle on @backend (AUTO: probe what runs here). */
int totem_open(struct totem **t, enum totem_backend backend);
void totem_close(struct totem *t);

/* "bpf", "kmod" or "proc". */
const char *totem_backend_name(enum totem_backend backend);
enum totem_backend totem_backend(const struct totem *t);
/* Parse "auto", "bpf", "kmod", "proc"; -EINVAL otherwise. */
int totem_backend_parse(const char *name, enum totem_backend *backend);

/*
 * Find the socket whose local end is key->saddr:sport and remote end
 * key->daddr:dport (key->family set).  -ENOENT if there is none.
 */
int totem_sock_lookup(struct totem *t, const struct totem_sock *key,
		      struct totem_sock *out);
/* Call @cb for every TCP socket; a non-zero return stops the walk. */
int totem_sock_dump(struct totem *t, totem_sock_cb cb, void *arg);

int totem_stats_get(struct totem *t, __u64 counters[TOTEM_CTR_MAX]);
const char *totem_counter_name(unsigned int idx);
const char *totem_counter_desc(unsigned int idx);

int totem_config_get(struct totem *t, struct totem_config *cfg);
int totem_config_set(struct totem *t, const struct totem_config *cfg);
/* Set one key ("enable", "sample_bytes", "format4", "format6", "host_id",
 * "parse") from text; -EINVAL for an unknown key or bad value. */
int totem_config_parse_kv(struct totem_config *cfg, const char *key,
			  const char *value);
/* Print one key's value as text into buf; -EINVAL for an unknown key. */
int totem_config_format_kv(const struct totem_config *cfg, const char *key,
			   char *buf, unsigned long len);
extern const char *const totem_config_keys[];	/* NULL-terminated */
/* 1 if @key is one of totem_config_keys, else 0. */
int totem_config_key_known(const char *key);
void totem_config_default(struct totem_config *cfg);

/* "ESTABLISHED", "LISTEN", ... for a TCP state; "UNKNOWN" otherwise. */
const char *totem_tcp_state_name(unsigned int state);
/* The TCP state named @name, 0 if there is none. */
unsigned int totem_tcp_state_parse(const char *name);

/*
 * Events from totemd: its socket $TOTEM_RUNDIR/events.sock (default
 * /run/totem; root and the "totem" group) carries one JSON object per
 * line, as `totem -j monitor` prints them: "owner", "peer" and "close"
 * events, the same whichever path totemd runs.
 *   TOTEM_MONITOR_HISTORY: first the connections totemd saw close recently
 *     (a bounded history, oldest first, as "close" events);
 *   TOTEM_MONITOR_FOLLOW: live events, until totemd stops.
 * With HISTORY alone the stream ends after the history.
 */
struct totem_monitor;
#define TOTEM_MONITOR_HISTORY	0x1
#define TOTEM_MONITOR_FOLLOW	0x2
int totem_monitor_open(struct totem_monitor **m, unsigned int flags);
/* The next event line, without its newline, valid until the next call:
 * 1; 0 at the end of the stream; -errno. */
int totem_monitor_next(struct totem_monitor *m, const char **line);
void totem_monitor_close(struct totem_monitor *m);
/* Where totemd keeps its status file and sockets: $TOTEM_RUNDIR or /run/totem. */
const char *totem_rundir(void);

/* Parse "addr:port" / "[addr6]:port" into s (family, addr, port). */
int totem_endpoint_parse(const char *text, __u8 *family, __u8 addr[16],
			 __u16 *port);

#ifdef __cplusplus
}
#endif

#endif /* _LIBTOTEM_H */
