// SPDX-License-Identifier: GPL-2.0
/*
 * libtotem's eBPF backend: the per-socket records live in the sk_storage
 * map totemd pinned; sock_diag returns them next to each socket when the
 * dump request names that map (INET_DIAG_REQ_SK_BPF_STORAGES, Linux 5.7,
 * 085c20cacf2b "bpf: inet_diag: Dump bpf_sk_storages in inet_diag_dump()").
 * A sock_diag dump covers the caller's network namespace, which is what
 * libtotem promises.  Counters and config are the other two pinned maps.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "bpf_pins.h"
#include "record.h"

struct bpf_backend {
	int sock_fd; /* sk_storage maps: totem_sock_state */
	int toa_fd; /* ... totem_toa */
	int proc_fd; /* tgid -> totem_proc_info */
	int config_fd;
	int stats_fd;
	int lookup_fd; /* the lookup program, -1 if totemd has none */
	struct totem_bpf_map_ids ids;
	__u32 netns;
};

/*
 * The pin directory as this process sees it: /sys/fs/bpf/totem, or, under
 * `ip netns exec` (which mounts a fresh /sys), the same directory seen
 * through totemd's root.
 */
static int pin_dir(char *buf, size_t len)
{
	char path[256];
	FILE *f;
	int pid;

	snprintf(path, sizeof(path), "%s/%s", TOTEM_BPF_PIN_DIR,
		 TOTEM_BPF_SOCK_MAP);
	if (!access(path, F_OK)) {
		snprintf(buf, len, "%s", TOTEM_BPF_PIN_DIR);
		return 0;
	}
	if (errno == EACCES)	/* bpffs is root-only */
		return -EACCES;
	f = fopen(TOTEM_BPF_PIDFILE, "re");
	if (!f)
		return -ENOENT;
	if (fscanf(f, "%d", &pid) != 1 || pid <= 0) {
		fclose(f);
		return -ENOENT;
	}
	fclose(f);
	snprintf(buf, len, "/proc/%d/root%s", pid, TOTEM_BPF_PIN_DIR);
	snprintf(path, sizeof(path), "%s/%s", buf, TOTEM_BPF_SOCK_MAP);
	/* EACCES: an unprivileged caller may not look into totemd's root */
	return access(path, F_OK) ? -errno : 0;
}

static int pin_open(const char *dir, const char *name)
{
	char path[320];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

static int bpf_backend_probe(void)
{
	char dir[256];

	return pin_dir(dir, sizeof(dir));
}

static void backend_free(struct bpf_backend *b)
{
	if (b->sock_fd >= 0)
		close(b->sock_fd);
	if (b->toa_fd >= 0)
		close(b->toa_fd);
	if (b->proc_fd >= 0)
		close(b->proc_fd);
	if (b->config_fd >= 0)
		close(b->config_fd);
	if (b->stats_fd >= 0)
		close(b->stats_fd);
	if (b->lookup_fd >= 0)
		close(b->lookup_fd);
	free(b);
}

static int map_id(int fd, __u32 *id)
{
	struct bpf_map_info info = {};
	__u32 info_len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		return -errno;
	*id = info.id;
	return 0;
}

/* Every map totemd pins; libtotem needs them all. */
static int maps_open(struct bpf_backend *b, const char *dir)
{
	struct {
		const char *name;
		int *fd;
	} maps[] = {
		{ TOTEM_BPF_SOCK_MAP, &b->sock_fd },
		{ TOTEM_BPF_TOA_MAP, &b->toa_fd },
		{ TOTEM_BPF_PROC_MAP, &b->proc_fd },
		{ TOTEM_BPF_CONFIG_MAP, &b->config_fd },
		{ TOTEM_BPF_STATS_MAP, &b->stats_fd },
	};
	unsigned int i;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		*maps[i].fd = pin_open(dir, maps[i].name);
		if (*maps[i].fd < 0)
			return *maps[i].fd;
	}
	return 0;
}

static int bpf_backend_open(struct totem *t)
{
	struct bpf_backend *b;
	struct stat st;
	char dir[256];
	int err;

	err = pin_dir(dir, sizeof(dir));
	if (err)
		return err;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->sock_fd = b->toa_fd = b->proc_fd = b->config_fd = b->stats_fd = -1;
	b->lookup_fd = -1;
	err = maps_open(b, dir);
	if (err)
		goto out_free;
	/* optional: a kernel that refused it, or an older totemd */
	b->lookup_fd = pin_open(dir, TOTEM_BPF_LOOKUP_PROG);
	err = map_id(b->sock_fd, &b->ids.state);
	if (!err)
		err = map_id(b->toa_fd, &b->ids.toa);
	if (err)
		goto out_free;
	if (!stat("/proc/self/ns/net", &st))
		b->netns = st.st_ino;
	t->priv = b;
	return 0;

out_free:
	backend_free(b);
	return err;
}

static void bpf_backend_close(struct totem *t)
{
	if (t->priv)
		backend_free(t->priv);
	t->priv = NULL;
}

struct dump_ctx {
	struct bpf_backend *b;
	totem_sock_cb cb;
	void *arg;
	int stop; /* the callback's non-zero return */
	int err;
	struct totem_proc_cache *procs;
};

/* The map id must be a whole u32, or nla_get_u32() reads past it. */
static struct nla_policy storage_policy[SK_DIAG_BPF_STORAGE_MAX + 1] = {
	[SK_DIAG_BPF_STORAGE_MAP_ID] = { .type = NLA_U32 },
};

/*
 * The value of sk_storage map @map_id in one INET_DIAG_SK_BPF_STORAGES
 * nest, if it is there and @len bytes long at least.
 */
static bool storage_find(__u32 map_id, struct nlattr *stgs, void *val,
			 size_t len)
{
	struct nlattr *stg, *tb[SK_DIAG_BPF_STORAGE_MAX + 1];
	int rem;

	nla_for_each_nested(stg, stgs, rem) {
		if (nla_type(stg) != SK_DIAG_BPF_STORAGE)
			continue;
		if (nla_parse_nested(tb, SK_DIAG_BPF_STORAGE_MAX, stg, storage_policy))
			continue;
		if (!tb[SK_DIAG_BPF_STORAGE_MAP_ID] ||
		    !tb[SK_DIAG_BPF_STORAGE_MAP_VALUE] ||
		    nla_get_u32(tb[SK_DIAG_BPF_STORAGE_MAP_ID]) != map_id ||
		    nla_len(tb[SK_DIAG_BPF_STORAGE_MAP_VALUE]) < (int)len)
			continue;
		memcpy(val, nla_data(tb[SK_DIAG_BPF_STORAGE_MAP_VALUE]), len);
		return true;
	}
	return false;
}

/* @tgid's details, through the cache @pc; NULL if not known. */
static const struct totem_proc_info *proc_get(struct totem_proc_cache *pc, __u32 tgid)
{
	/* Fibonacci hashing: the product's top bits pick the slot. */
	unsigned int i = (tgid * 2654435761u) >> (32 - TOTEM_PROC_CACHE_BITS);

	if (!pc || pc->fd < 0 || !tgid)
		return NULL;
	if (pc->slot[i].tgid != tgid) {
		pc->slot[i].tgid = tgid;
		pc->slot[i].found = !bpf_map_lookup_elem(pc->fd, &tgid, &pc->slot[i].info);
	}
	return pc->slot[i].found ? &pc->slot[i].info : NULL;
}

/*
 * One SOCK_DIAG_BY_FAMILY reply message into @s: the socket, and its record
 * if the message carries a state of map @ids->state (else s->rec stays
 * zero): with the TOA of map @ids->toa if there is one, and the owner's
 * details through @pc (NULL: none).  s->netns is left 0.  -EINVAL if it is
 * not such a message.
 */
int totem_bpf_diag_parse(struct nlmsghdr *nlh, const struct totem_bpf_map_ids *ids,
			 struct totem_proc_cache *pc, struct totem_sock *s)
{
	struct nlattr *tb[INET_DIAG_MAX + 1];
	struct totem_sock_state st;
	struct totem_toa toa;
	struct inet_diag_msg *r;
	bool has_toa;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    nlh->nlmsg_len < nlmsg_size(sizeof(*r)))
		return -EINVAL;
	r = nlmsg_data(nlh);
	if (nlmsg_parse(nlh, sizeof(*r), tb, INET_DIAG_MAX, NULL))
		return -EINVAL;

	memset(s, 0, sizeof(*s));
	s->family = r->idiag_family;
	s->state = r->idiag_state;
	s->sport = ntohs(r->id.idiag_sport);
	s->dport = ntohs(r->id.idiag_dport);
	memcpy(s->saddr, r->id.idiag_src, s->family == AF_INET ? 4 : 16);
	memcpy(s->daddr, r->id.idiag_dst, s->family == AF_INET ? 4 : 16);
	s->inode = r->idiag_inode;
	s->cookie = (__u64)r->id.idiag_cookie[1] << 32 | r->id.idiag_cookie[0];
	if (!tb[INET_DIAG_SK_BPF_STORAGES] ||
	    !storage_find(ids->state, tb[INET_DIAG_SK_BPF_STORAGES], &st, sizeof(st)))
		return 0;
	has_toa = storage_find(ids->toa, tb[INET_DIAG_SK_BPF_STORAGES], &toa, sizeof(toa));
	totem_record_assemble(&s->rec, &st, proc_get(pc, st.owner_tgid),
			      has_toa ? &toa : NULL,
			      totem_peer_prefix(s->family, s->daddr));
	return 0;
}

static int dump_valid(struct nl_msg *msg, void *arg)
{
	struct dump_ctx *d = arg;
	struct totem_sock s;

	if (totem_bpf_diag_parse(nlmsg_hdr(msg), &d->b->ids, d->procs, &s))
		return NL_SKIP;
	s.netns = d->b->netns;
	d->stop = d->cb(&s, d->arg);
	return d->stop ? NL_STOP : NL_OK;
}

static int dump_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct dump_ctx *d = arg;

	d->err = e->error < 0 ? e->error : -e->error;
	return NL_STOP;
}

/*
 * Dump one family.  Non-zero @sport/@dport (host order) make the kernel skip
 * every other socket while it walks its hash tables (inet_diag_dump_icsk()
 * honours the request's ports in a dump), so a lookup does not copy and
 * parse every socket of the namespace.  An exact (non-dump) request would
 * be cheaper still, but it does not carry INET_DIAG_REQ_SK_BPF_STORAGES.
 */
static int dump_family(struct bpf_backend *b, int family, __u16 sport,
		       __u16 dport, struct dump_ctx *d)
{
	struct inet_diag_req_v2 req = {
		.sdiag_family = family,
		.sdiag_protocol = IPPROTO_TCP,
		/* every state but NEW_SYN_RECV: request socks have no record */
		.idiag_states = 0xfff,
		.id.idiag_sport = htons(sport),
		.id.idiag_dport = htons(dport),
	};
	struct nl_sock *sk;
	struct nl_msg *msg;
	struct nlattr *nest;
	int err;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	err = nl_connect(sk, NETLINK_SOCK_DIAG);
	if (err) {
		err = -ENOTCONN;
		goto out_sock;
	}
	msg = nlmsg_alloc_simple(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP);
	if (!msg) {
		err = -ENOMEM;
		goto out_sock;
	}
	err = -EMSGSIZE;
	if (nlmsg_append(msg, &req, sizeof(req), NLMSG_ALIGNTO) < 0)
		goto out_msg;
	nest = nla_nest_start(msg, INET_DIAG_REQ_SK_BPF_STORAGES | NLA_F_NESTED);
	if (!nest || nla_put_u32(msg, SK_DIAG_BPF_STORAGE_REQ_MAP_FD, b->sock_fd) ||
	    nla_put_u32(msg, SK_DIAG_BPF_STORAGE_REQ_MAP_FD, b->toa_fd))
		goto out_msg;
	nla_nest_end(msg, nest);

	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, dump_valid, d);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, dump_error, d);
	err = nl_send_auto(sk, msg);
	if (err < 0) {
		err = -EIO;
		goto out_msg;
	}
	err = nl_recvmsgs_default(sk);
	if (d->err)
		err = d->err;
	else if (d->stop)
		err = 0;
	else if (err < 0)
		err = -EIO;
	else
		err = 0;
out_msg:
	nlmsg_free(msg);
out_sock:
	nl_socket_free(sk);
	return err;
}

static int dump_ports(struct totem *t, __u16 sport, __u16 dport,
		      totem_sock_cb cb, void *arg)
{
	struct dump_ctx d = { .b = t->priv, .cb = cb, .arg = arg };
	int err;

	d.procs = calloc(1, sizeof(*d.procs));
	if (!d.procs)
		return -ENOMEM;
	d.procs->fd = d.b->proc_fd;
	err = dump_family(d.b, AF_INET, sport, dport, &d);
	if (!err && !d.stop)
		err = dump_family(d.b, AF_INET6, sport, dport, &d);
	free(d.procs);
	return err;
}

static int bpf_backend_dump(struct totem *t, totem_sock_cb cb, void *arg)
{
	return dump_ports(t, 0, 0, cb, arg);
}

struct lookup_ctx {
	const struct totem_sock *key;
	struct totem_sock *out;
	bool found;
};

static int lookup_cb(const struct totem_sock *s, void *arg)
{
	struct lookup_ctx *l = arg;

	if (!totem_sock_matches(s, l->key))
		return 0;
	*l->out = *s;
	l->found = true;
	return 1;
}

/*
 * The socket with @key's tuple through totemd's lookup program (struct
 * totem_bpf_lookup): one hash lookup in the kernel.  0 and @out filled,
 * or -ENOENT when the program found no full socket with exactly that
 * tuple, or -errno when it cannot run.
 */
static int fast_lookup(struct bpf_backend *b, const struct totem_sock *key,
		       struct totem_sock *out)
{
	__u8 in[TOTEM_BPF_LOOKUP_ETH_HLEN + sizeof(struct totem_bpf_lookup)] = {};
	__u8 res[sizeof(in)];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = sizeof(in),
		    .data_out = res, .data_size_out = sizeof(res), .repeat = 1);
	struct totem_bpf_lookup query = {}, reply, *q = &reply;
	struct totem_sock s = {};
	int alen = key->family == AF_INET ? 4 : 16;

	in[12] = TOTEM_BPF_LOOKUP_ETHERTYPE >> 8;
	in[13] = TOTEM_BPF_LOOKUP_ETHERTYPE & 0xff;
	query.family = key->family;
	query.sport = htons(key->sport);
	query.dport = htons(key->dport);
	memcpy(query.saddr, key->saddr, alen);
	memcpy(query.daddr, key->daddr, alen);
	memcpy(in + TOTEM_BPF_LOOKUP_ETH_HLEN, &query, sizeof(query));
	if (bpf_prog_test_run_opts(b->lookup_fd, &opts))
		return -errno;
	if (opts.data_size_out < sizeof(res))
		return -ENOENT;
	memcpy(&reply, res + TOTEM_BPF_LOOKUP_ETH_HLEN, sizeof(reply));
	if (!q->found || (q->family != AF_INET && q->family != AF_INET6))
		return -ENOENT;
	s.family = q->family;
	s.state = q->state;
	s.sport = ntohs(q->sport);
	s.dport = ntohs(q->dport);
	memcpy(s.saddr, q->saddr, 16);
	memcpy(s.daddr, q->daddr, 16);
	/* a listener is found for any remote end: only as itself (remote *:0) */
	if (!totem_sock_matches(&s, key))
		return -ENOENT;
	s.netns = q->netns;
	s.inode = q->inode;
	s.cookie = q->cookie;
	s.rec = q->rec;
	*out = s;
	return 0;
}

static int bpf_backend_lookup(struct totem *t, const struct totem_sock *key,
			      struct totem_sock *out)
{
	struct lookup_ctx l = { .key = key, .out = out };
	struct bpf_backend *b = t->priv;
	int err;

	/* TIME_WAIT, or an IPv4 tuple on a dual-stack socket: the walk below */
	if (b->lookup_fd >= 0 && !fast_lookup(b, key, out))
		return 0;

	/* both families: an IPv4 key may name a v4-mapped IPv6 socket */
	err = dump_ports(t, key->sport, key->dport, lookup_cb, &l);
	if (err)
		return err;
	return l.found ? 0 : -ENOENT;
}

static int bpf_backend_stats(struct totem *t, __u64 *counters)
{
	struct bpf_backend *b = t->priv;
	int ncpu = libbpf_num_possible_cpus();
	__u64 *v;
	__u32 i;
	int c;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < TOTEM_CTR_MAX; i++) {
		counters[i] = 0;
		if (bpf_map_lookup_elem(b->stats_fd, &i, v)) {
			int err = -errno;

			free(v);
			return err;
		}
		for (c = 0; c < ncpu; c++)
			counters[i] += v[c];
	}
	free(v);
	return 0;
}

static int bpf_backend_config_get(struct totem *t, struct totem_config *cfg)
{
	struct bpf_backend *b = t->priv;
	__u32 zero = 0;

	return bpf_map_lookup_elem(b->config_fd, &zero, cfg) ? -errno : 0;
}

static int bpf_backend_config_set(struct totem *t, const struct totem_config *cfg)
{
	struct bpf_backend *b = t->priv;
	__u32 zero = 0;

	if ((cfg->enable & ~TOTEM_SEG_ALL) ||
	    (cfg->format4 != TOTEM_FMT_V1 && cfg->format4 != TOTEM_FMT_V2) ||
	    (cfg->format6 != TOTEM_FMT_V6 && cfg->format6 != TOTEM_FMT_V2) ||
	    cfg->parse > 1)
		return -EINVAL;
	return bpf_map_update_elem(b->config_fd, &zero, cfg, BPF_ANY) ? -errno : 0;
}

const struct totem_backend_ops totem_bpf_ops = {
	.name = "bpf",
	.probe = bpf_backend_probe,
	.open = bpf_backend_open,
	.close = bpf_backend_close,
	.lookup = bpf_backend_lookup,
	.dump = bpf_backend_dump,
	.stats = bpf_backend_stats,
	.config_get = bpf_backend_config_get,
	.config_set = bpf_backend_config_set,
};
