// SPDX-License-Identifier: GPL-2.0
/*
 * totem's eBPF path: record who owns each TCP socket (process context
 * only), write the TOT option on SYN, SYN-ACK and sampled data segments
 * from that record, and parse what peers send.  Why each hook, and which
 * kernel gets which, is in docs/bpf.md.
 *
 * Every sockops invocation returns 1: the kernel discards a reservation or
 * a written option when the program returns anything else.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "uapi/totem.h"
#include "parse.bpf.h"
#include "build.bpf.h"
#include "record.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define IPPROTO_TCP 6
#define SOL_TCP 6
#define TCP_SAVE_SYN 27
#define TCP_BPF_SYN 1005
#define TCP_BPF_SYN_IP 1006
#define TCPHDR_SYN 0x02
#define TCPHDR_ACK 0x10
#define ENOSPC 28
#define ENOENT 2

/* tx_flags: the sampler's state, see data_len() */
#define TX_MSS_RESERVED (1U << 0) /* the MSS in use leaves room */
#define TX_ARMED (1U << 1) /* room reserved on this skb */

/* Set by totemd after probing the running kernel (docs/bpf.md). */
const volatile bool have_sockops_pid; /* eb166e522c77, 6.10 */
const volatile bool have_sockops_netns_cookie;
/*
 * No fentry/tcp_sendmsg here (no trampolines): follow the sender from
 * sockops instead, when a task holds the socket lock (needs
 * have_sockops_pid, docs/bpf.md).
 */
const volatile bool sockops_sender;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct totem_config);
} totem_cfg SEC(".maps"); /* pinned as TOTEM_BPF_CONFIG_MAP */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TOTEM_CTR_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct listen_key {
	__u64 netns; /* netns cookie, 0 if the kernel has none */
	__u8 addr[16]; /* v4 as ::ffff:a.b.c.d, wildcard all zero */
	__u16 port; /* host order */
	__u16 __pad[3];
};

struct listen_val {
	__u32 tgid; /* the listener's owner */
	__u32 flags;
	__u32 nr; /* listeners on this key (SO_REUSEPORT) */
	__u32 __pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct listen_key);
	__type(value, struct listen_val);
} listen_owner SEC(".maps");

#define EVENTS_RING_BYTES (1024 * 1024)
/*
 * totemd reads the ring on a timer (userspace/lib/engine_bpf.c); a submit
 * wakes it only once this much waits, so that a connection's few events
 * cost no wakeup (irq_work) each.
 */
#define EVENTS_WAKE_BYTES (EVENTS_RING_BYTES / 4)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EVENTS_RING_BYTES);
} events SEC(".maps");

/* Fields that exist only on some kernels (CO-RE flavors). */
struct tcp_sock___md5 {
	void *md5sig_info; /* CONFIG_TCP_MD5SIG */
} __attribute__((preserve_access_index));

struct tcp_sock___ao {
	void *ao_info; /* CONFIG_TCP_AO, 6.7 */
} __attribute__((preserve_access_index));

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += 1;
}

static __always_inline void count_n(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += n;
}

static __always_inline struct totem_config *config_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&totem_cfg, &zero);
}

static __always_inline bool proc_info_same(const struct totem_proc_info *a,
					   const struct totem_proc_info *b)
{
	const __u64 *ca = (const __u64 *)a->comm, *cb = (const __u64 *)b->comm;

	return a->uid == b->uid && a->cgroup_id == b->cgroup_id &&
	       ca[0] == cb[0] && ca[1] == cb[1];
}

/* The calling task owns @st now; in process context only. */
static __always_inline void owner_set_current(struct totem_sock_state *st,
					      __u32 flags)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct totem_proc_info pi = {}, *old;

	st->owner_tgid = tgid;
	st->owner_flags = flags;
	pi.uid = (__u32)bpf_get_current_uid_gid();
	pi.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(pi.comm, sizeof(pi.comm));
	old = bpf_map_lookup_elem(&proc_info, &tgid);
	if (old && proc_info_same(old, &pi))
		return; /* the common case: no update, no LRU churn */
	bpf_map_update_elem(&proc_info, &tgid, &pi, BPF_ANY);
}

/* ---- events ---- */

/*
 * @sk is a BTF pointer here (a tracing argument, or bpf_skc_to_tcp_sock()'s
 * result): plain loads, which the verifier turns into fault-safe ones,
 * instead of a bpf_probe_read_kernel() call per field.
 */
static __always_inline void event_fill_sk(struct totem_event *ev,
					  struct sock *sk)
{
	struct sock_common *c = &sk->__sk_common;

	ev->family = c->skc_family;
	ev->state = c->skc_state;
	ev->sport = bpf_htons(c->skc_num);
	ev->dport = c->skc_dport;
	ev->netns = c->skc_net.net->ns.inum;
	if (ev->family == AF_INET) {
		__builtin_memcpy(ev->saddr, &c->skc_rcv_saddr, 4);
		__builtin_memcpy(ev->daddr, &c->skc_daddr, 4);
	} else {
		__builtin_memcpy(ev->saddr, &c->skc_v6_rcv_saddr, 16);
		__builtin_memcpy(ev->daddr, &c->skc_v6_daddr, 16);
	}
}

/* @toa: the socket's, NULL if it has none. */
static __always_inline void emit(__u32 type, struct sock *sk, __u64 cookie,
				 const struct totem_sock_state *st,
				 const struct totem_toa *toa)
{
	const struct totem_proc_info *proc = NULL;
	struct totem_event *ev;
	__u32 tgid = st->owner_tgid;
	bool wake;

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count(TOTEM_CTR_EVENTS_LOST);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->cookie = cookie;
	if (sk)
		event_fill_sk(ev, sk);
	if (tgid)
		proc = bpf_map_lookup_elem(&proc_info, &tgid);
	totem_record_assemble(&ev->rec, st, proc, toa,
			      totem_peer_prefix(ev->family, ev->daddr));
	wake = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > EVENTS_WAKE_BYTES;
	bpf_ringbuf_submit(ev, wake ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

static __always_inline void emit_skops(__u32 type, struct bpf_sock_ops *skops,
				       const struct totem_sock_state *st)
{
	struct bpf_sock *bsk = skops->sk;
	struct totem_toa *toa = NULL;
	struct sock *sk = NULL;

	if (bsk) {
		sk = (struct sock *)bpf_skc_to_tcp_sock(bsk);
		toa = bpf_sk_storage_get(&sock_toa, bsk, 0, 0);
	}
	emit(type, sk, bpf_get_socket_cookie(skops), st, toa);
}

/* ---- owner: process context ---- */

SEC("cgroup/sock_create")
int totem_sock_create(struct bpf_sock *ctx)
{
	struct totem_sock_state *st;

	if (ctx->type != SOCK_STREAM || ctx->protocol != IPPROTO_TCP ||
	    (ctx->family != AF_INET && ctx->family != AF_INET6))
		return 1;
	st = bpf_sk_storage_get(&sock_record, ctx, 0,
				 BPF_SK_STORAGE_GET_F_CREATE);
	if (!st) {
		count(TOTEM_CTR_ERR_STATE);
		return 1;
	}
	owner_set_current(st, TOTEM_OWNER_F_CREATOR);
	return 1;
}

static __always_inline int on_connect(struct bpf_sock_addr *ctx)
{
	struct totem_sock_state *st;
	struct bpf_sock *sk = ctx->sk;

	if (!sk || ctx->type != SOCK_STREAM || ctx->protocol != IPPROTO_TCP)
		return 1;
	st = bpf_sk_storage_get(&sock_record, sk, 0,
				 BPF_SK_STORAGE_GET_F_CREATE);
	if (!st) {
		count(TOTEM_CTR_ERR_STATE);
		return 1;
	}
	owner_set_current(st, TOTEM_OWNER_F_CONNECT);
	return 1;
}

SEC("cgroup/connect4")
int totem_connect4(struct bpf_sock_addr *ctx)
{
	return on_connect(ctx);
}

SEC("cgroup/connect6")
int totem_connect6(struct bpf_sock_addr *ctx)
{
	return on_connect(ctx);
}

static __always_inline void on_accept(struct sock *child)
{
	struct totem_sock_state *st;
	__u32 keep;

	if (!child)
		return;
	st = bpf_sk_storage_get(&sock_record, child, 0,
				 BPF_SK_STORAGE_GET_F_CREATE);
	if (!st) {
		count(TOTEM_CTR_ERR_STATE);
		return;
	}
	keep = st->owner_flags & TOTEM_OWNER_F_REUSEPORT;
	owner_set_current(st, TOTEM_OWNER_F_ACCEPT | keep);
	emit(TOTEM_CMD_EVENT_OWNER, child, bpf_get_socket_cookie(child), st,
	     bpf_sk_storage_get(&sock_toa, child, 0, 0));
}

/*
 * The acceptor.  inet_csk_accept() changed its arguments in 6.10
 * (92ef0fd55ac8, "net: change proto and proto_ops accept type"); fexit
 * sees the return value after the arguments, so there is one program per
 * prototype and totemd loads the one matching the kernel's BTF.
 */
SEC("fexit/inet_csk_accept")
int BPF_PROG(totem_accept, struct sock *sk, void *arg, struct sock *ret)
{
	on_accept(ret);
	return 0;
}

SEC("fexit/inet_csk_accept")
int BPF_PROG(totem_accept_old, struct sock *sk, int flags, int *err,
	     bool kern, struct sock *ret)
{
	on_accept(ret);
	return 0;
}

/* The last sender: after fork() or fd passing the sender is the owner. */
SEC("fentry/tcp_sendmsg")
int BPF_PROG(totem_sendmsg, struct sock *sk)
{
	struct totem_sock_state *st;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	st = bpf_sk_storage_get(&sock_record, sk, 0,
				 BPF_SK_STORAGE_GET_F_CREATE);
	if (!st) {
		count(TOTEM_CTR_ERR_STATE);
		return 0;
	}
	if (st->owner_tgid == tgid)
		return 0;
	owner_set_current(st, TOTEM_OWNER_F_SENDER);
	emit(TOTEM_CMD_EVENT_OWNER, sk, bpf_get_socket_cookie(sk), st,
	     bpf_sk_storage_get(&sock_toa, sk, 0, 0));
	return 0;
}

/* ---- sockops helpers ---- */

static __always_inline __u64 skops_netns(struct bpf_sock_ops *skops)
{
	if (have_sockops_netns_cookie)
		return bpf_get_netns_cookie(skops);
	return 0;
}

static __always_inline bool v4mapped(const __u32 *a)
{
	return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0xffff);
}

/*
 * The local address of a full socket as 16 bytes (v4 as ::ffff:a.b.c.d);
 * returns true when the segments it sends are IPv4.
 */
static __noinline bool skops_local(struct bpf_sock_ops *skops,
				   __u32 a[4])
{
	if (skops->family == AF_INET) {
		a[0] = 0;
		a[1] = 0;
		a[2] = bpf_htonl(0xffff);
		a[3] = skops->local_ip4;
		return true;
	}
	a[0] = skops->local_ip6[0];
	a[1] = skops->local_ip6[1];
	a[2] = skops->local_ip6[2];
	a[3] = skops->local_ip6[3];
	return v4mapped(a);
}

/*
 * The format follows the socket's family: IPv4 sockets v1/v2, IPv6 and
 * v4-mapped sockets (and dual-stack listeners' SYN-ACKs) v6/v2.
 */
static __noinline bool skops_inet4(struct bpf_sock_ops *skops)
{
	return skops->family == AF_INET;
}

static __always_inline struct totem_sock_state *
skops_record(struct bpf_sock_ops *skops)
{
	struct bpf_sock *sk = skops->sk;
	struct totem_sock_state *st;

	if (!sk)
		return NULL;
	st = bpf_sk_storage_get(&sock_record, sk, 0,
				 BPF_SK_STORAGE_GET_F_CREATE);
	if (!st)
		count(TOTEM_CTR_ERR_STATE);
	return st;
}

static __always_inline void listen_key_fill(struct listen_key *k,
					    struct bpf_sock_ops *skops,
					    const __u32 a[4])
{
	__builtin_memset(k, 0, sizeof(*k));
	k->netns = skops_netns(skops);
	__builtin_memcpy(k->addr, a, 16);
	k->port = skops->local_port;
}

/* The listener's local address, with the v4 wildcard folded to zero. */
static __always_inline void listen_addr(struct bpf_sock_ops *skops,
					__u32 a[4])
{
	if (skops_local(skops, a) && a[3] == 0)
		a[2] = 0;
}

static __always_inline void set_cb_flags(struct bpf_sock_ops *skops)
{
	bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags |
						 BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG |
						 BPF_SOCK_OPS_PARSE_UNKNOWN_HDR_OPT_CB_FLAG |
						 BPF_SOCK_OPS_STATE_CB_FLAG);
}

/* MD5 and TCP-AO sign the header before the bpf option is written. */
static __always_inline bool signed_segments(struct bpf_sock_ops *skops)
{
	struct bpf_sock *bsk = skops->sk;
	struct tcp_sock *tp;

	if (!bsk)
		return false;
	tp = bpf_skc_to_tcp_sock(bsk);
	if (!tp)
		return false;
	/* BTF pointer: plain loads, no bpf_probe_read_kernel() per segment */
	if (bpf_core_field_exists(struct tcp_sock___md5, md5sig_info) &&
	    ((struct tcp_sock___md5 *)tp)->md5sig_info)
		return true;
	if (bpf_core_field_exists(struct tcp_sock___ao, ao_info) &&
	    ((struct tcp_sock___ao *)tp)->ao_info)
		return true;
	return false;
}

/* ---- listen / connect / close ---- */

static __noinline void on_listen(struct bpf_sock_ops *skops)
{
	struct totem_sock_state *st = skops_record(skops);
	struct listen_val val = {}, *old;
	struct listen_key key;
	int one = 1;
	__u32 a[4];

	if (!st)
		return;
	/* listen() runs in the caller's context; 6.10+ lets us see it. */
	if (have_sockops_pid) {
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;

		if (tgid && tgid != st->owner_tgid) {
			st->owner_tgid = tgid;
			st->owner_flags = 0;
		}
	}
	/* The SYN's options are read when the child is established. */
	bpf_setsockopt(skops, SOL_TCP, TCP_SAVE_SYN, &one, sizeof(one));
	set_cb_flags(skops);

	listen_addr(skops, a);
	listen_key_fill(&key, skops, a);
	old = bpf_map_lookup_elem(&listen_owner, &key);
	if (old) {
		old->nr++;
		if (old->nr > 1) {
			old->flags |= TOTEM_OWNER_F_REUSEPORT;
			st->owner_flags |= TOTEM_OWNER_F_REUSEPORT;
		}
		return;
	}
	val.tgid = st->owner_tgid;
	val.flags = st->owner_flags;
	val.nr = 1;
	if (bpf_map_update_elem(&listen_owner, &key, &val, BPF_NOEXIST))
		count(TOTEM_CTR_TABLE_EVICT);
}

static __always_inline void listen_gone(struct bpf_sock_ops *skops)
{
	struct listen_key key;
	struct listen_val *v;
	__u32 a[4];

	listen_addr(skops, a);
	listen_key_fill(&key, skops, a);
	v = bpf_map_lookup_elem(&listen_owner, &key);
	if (!v)
		return;
	if (v->nr > 1)
		v->nr--;
	else
		bpf_map_delete_elem(&listen_owner, &key);
}

static __noinline void on_state(struct bpf_sock_ops *skops)
{
	struct totem_sock_state *st;
	struct bpf_sock *sk = skops->sk;

	if (skops->args[1] != BPF_TCP_CLOSE || !sk)
		return;
	if (skops->args[0] == BPF_TCP_LISTEN)
		listen_gone(skops);
	st = bpf_sk_storage_get(&sock_record, sk, 0, 0);
	if (st)
		emit_skops(TOTEM_CMD_EVENT_CLOSE, skops, st);
}

/* ---- parsing ---- */

/* Copy the option area of the TCP header at skb_data into @opts. */
static __always_inline int skb_opts(struct bpf_sock_ops *skops,
				    struct totem_opt_area *area)
{
	__u8 *opts = area->b;
	void *data = (void *)(long)skops->skb_data;
	void *end = (void *)(long)skops->skb_data_end;
	struct tcphdr *th = data;
	__u8 *p = data + sizeof(*th);
	int len, k;

	if ((void *)(th + 1) > end)
		return -1;
	len = th->doff * 4 - (int)sizeof(*th);
	if (len < 0)
		return -1;
	if (len > TOTEM_TCP_OPT_SPACE)
		len = TOTEM_TCP_OPT_SPACE;
	for (k = 0; k < TOTEM_TCP_OPT_SPACE; k++) {
		if (k >= len || (void *)(p + k + 1) > end)
			break;
		opts[k] = p[k];
	}
	return k;
}

struct syn_hdr {
	__u8 th[20];
	struct totem_opt_area opts;
};

/* Options of the saved SYN (TCP_SAVE_SYN on the listener). */
static __always_inline int syn_opts(struct bpf_sock_ops *skops,
				    struct syn_hdr *hdr)
{
	int ret, len;

	ret = bpf_getsockopt(skops, SOL_TCP, TCP_BPF_SYN, hdr, sizeof(*hdr));
	if (ret < 0)
		return ret;
	len = (hdr->th[12] >> 4) * 4 - 20;
	if (len < 0 || len > TOTEM_TCP_OPT_SPACE)
		return -1;
	return len;
}

static __noinline void apply_peer(struct bpf_sock_ops *skops,
				  struct totem_sock_state *st,
				  const struct totem_opt_info *info,
				  __u32 seg)
{
	count_n(TOTEM_CTR_RX_MALFORMED, info->malformed);
	if (info->toa_kind) {
		struct bpf_sock *bsk = skops->sk;
		struct totem_toa *toa = NULL;

		count(TOTEM_CTR_RX_TOA);
		if (bsk)
			toa = bpf_sk_storage_get(&sock_toa, bsk, 0,
						 BPF_SK_STORAGE_GET_F_CREATE);
		if (toa)
			totem_toa_from(toa, info);
		else
			count(TOTEM_CTR_ERR_STATE);
	}
	if (!info->tot_format)
		return;
	count(TOTEM_CTR_RX_TOT);
	if (totem_peer_fold(&st->peer, info, seg, bpf_ktime_get_boot_ns()))
		emit_skops(TOTEM_CMD_EVENT_PEER, skops, st);
}

static __noinline void parse_into(struct bpf_sock_ops *skops,
				  struct totem_sock_state *st,
				  struct totem_opt_area *opts, int len,
				  __u32 seg)
{
	struct totem_opt_info info;

	if (len <= 0)
		return;
	if (totem_bpf_opts_parse(opts, len, &info) != TOTEM_CODEC_OK) {
		count(TOTEM_CTR_RX_MALFORMED);
		return;
	}
	apply_peer(skops, st, &info, seg);
}

static __noinline void on_active_established(struct bpf_sock_ops *skops,
					     struct totem_config *cfg)
{
	struct totem_sock_state *st = skops_record(skops);
	struct totem_opt_area opts = {};
	int len;

	if (!st)
		return;
	emit_skops(TOTEM_CMD_EVENT_OWNER, skops, st);
	if (!cfg->parse)
		return;
	len = skb_opts(skops, &opts); /* skb: the SYN-ACK */
	parse_into(skops, st, &opts, len, TOTEM_SEG_SYNACK);
}

static __noinline void on_passive_established(struct bpf_sock_ops *skops,
					      struct totem_config *cfg)
{
	struct totem_sock_state *st = skops_record(skops);
	struct syn_hdr hdr = {};
	struct totem_opt_area opts = {};
	struct listen_key key;
	struct listen_val *lv;
	__u32 a[4];
	int len;

	if (!st)
		return;
	/*
	 * BPF_F_CLONE copied the listener's state: keep only the owner
	 * (sock_toa is not cloned).
	 */
	__builtin_memset(&st->peer, 0, sizeof(st->peer));
	st->tx_flags = 0;
	st->tx_unsampled = 0;
	if (!(st->owner_flags & TOTEM_OWNER_F_ACCEPT)) {
		st->owner_flags = TOTEM_OWNER_F_LISTENER;
		listen_addr(skops, a);
		listen_key_fill(&key, skops, a);
		lv = bpf_map_lookup_elem(&listen_owner, &key);
		if (!lv) {
			__builtin_memset(key.addr, 0, sizeof(key.addr));
			lv = bpf_map_lookup_elem(&listen_owner, &key);
		}
		if (lv && lv->nr > 1)
			st->owner_flags |= TOTEM_OWNER_F_REUSEPORT;
	}
	if (!cfg->parse)
		return;
	len = syn_opts(skops, &hdr);
	if (len >= 0) {
		parse_into(skops, st, &hdr.opts, len, TOTEM_SEG_SYN);
		return;
	}
	if (len == -ENOENT) {
		/* Syncookie mode: no SYN was saved; the ACK is all we have. */
		len = skb_opts(skops, &opts);
		parse_into(skops, st, &opts, len, TOTEM_SEG_DATA);
	}
}

static __noinline void on_parse(struct bpf_sock_ops *skops,
				struct totem_config *cfg)
{
	struct totem_sock_state *st;
	struct totem_opt_area opts = {};
	int len;

	if (!cfg->parse)
		return;
	st = skops_record(skops);
	if (!st)
		return;
	len = skb_opts(skops, &opts);
	parse_into(skops, st, &opts, len, TOTEM_SEG_DATA);
}

/* ---- writing ---- */

static __always_inline __u32 format_for(struct totem_config *cfg, bool v4)
{
	__u32 f = v4 ? cfg->format4 : cfg->format6;

	if (v4 && f != TOTEM_FMT_V1 && f != TOTEM_FMT_V2)
		f = TOTEM_FMT_V1;
	if (!v4 && f != TOTEM_FMT_V6 && f != TOTEM_FMT_V2)
		f = TOTEM_FMT_V6;
	return f;
}

/* Length of the option this socket's segments carry (skops_inet4()). */
static __always_inline __u32 own_opt_len(struct bpf_sock_ops *skops,
					 struct totem_config *cfg)
{
	return totem_bpf_opt_len(format_for(cfg, skops_inet4(skops)));
}

static __always_inline int reserve(struct bpf_sock_ops *skops, __u32 len)
{
	int err = bpf_reserve_hdr_opt(skops, len, 0);

	if (err == -ENOSPC)
		count(TOTEM_CTR_SKIP_NOSPACE);
	else if (err)
		count(TOTEM_CTR_ERR_RESERVE);
	return err;
}

/* Build and store the option; the header (and its seq) exists now. */
static __noinline int store(struct bpf_sock_ops *skops, __u32 format,
			    __u32 pid, __u32 host_id, const __u32 *a)
{
	void *data = (void *)(long)skops->skb_data;
	void *end = (void *)(long)skops->skb_data_end;
	struct tcphdr *th = data;
	__u8 opt[TOTEM_OPT_MAX_LEN] = {};
	const __u8 *addr;
	__u32 len;
	int err;

	if ((void *)(th + 1) > end)
		return -1;
	/* v1 carries the IPv4 address: the last 4 bytes of ::ffff:a.b.c.d */
	addr = format == TOTEM_FMT_V1 ? (const __u8 *)&a[3] : (const __u8 *)a;
	len = totem_bpf_opt_build(opt, format, pid, host_id, addr,
				  bpf_ntohl(th->seq));
	if (!len || len > sizeof(opt))
		return -1;
	err = bpf_store_hdr_opt(skops, opt, len, 0);
	/* -ENOSPC: our reservation failed at LEN time, counted there */
	if (err && err != -ENOSPC)
		count(TOTEM_CTR_ERR_STORE);
	else if (!pid)
		count(TOTEM_CTR_OWNER_UNKNOWN);
	return err;
}

/*
 * SYN-ACK: skops->sk is NULL (the request sock is not a full socket), so
 * there is no record: the owner comes from listen_owner, filled at
 * listen() time.  The SYN's IP header says which family the packet is (a
 * dual-stack listener answers IPv4 SYNs with a request sock of family
 * AF_INET6) and which local address it was sent to.
 */
static __always_inline bool synack_local(struct bpf_sock_ops *skops,
					 __u32 a[4])
{
	__u8 ip[40] = {};
	int ret;

	ret = bpf_getsockopt(skops, SOL_TCP, TCP_BPF_SYN_IP, ip, sizeof(ip));
	if (ret < 0 && ret != -ENOSPC) {
		/* No SYN at hand: trust the request sock's family. */
		return skops_local(skops, a);
	}
	if ((ip[0] >> 4) == 4) {
		a[0] = 0;
		a[1] = 0;
		a[2] = bpf_htonl(0xffff);
		__builtin_memcpy(&a[3], ip + 16, 4);
		return true;
	}
	__builtin_memcpy(a, ip + 24, 16);
	return false;
}

static __always_inline __u32 synack_owner(struct bpf_sock_ops *skops,
					  const __u32 a[4])
{
	struct listen_key key;
	struct listen_val *lv;

	listen_key_fill(&key, skops, a);
	lv = bpf_map_lookup_elem(&listen_owner, &key);
	if (!lv) {
		__builtin_memset(key.addr, 0, sizeof(key.addr));
		lv = bpf_map_lookup_elem(&listen_owner, &key);
	}
	return lv ? lv->tgid : 0;
}

static __always_inline void synack_len(struct bpf_sock_ops *skops,
				       struct totem_config *cfg)
{
	if (cfg->enable & TOTEM_SEG_SYNACK)
		reserve(skops, own_opt_len(skops, cfg));
}

static __always_inline void synack_write(struct bpf_sock_ops *skops,
					 struct totem_config *cfg)
{
	__u32 a[4];

	if (!(cfg->enable & TOTEM_SEG_SYNACK))
		return;
	synack_local(skops, a);
	if (!store(skops, format_for(cfg, skops_inet4(skops)),
		   synack_owner(skops, a), cfg->host_id, a))
		count(TOTEM_CTR_INJECT_SYNACK);
}

/* Write this full socket's option, naming @tgid. */
static __always_inline int own_store(struct bpf_sock_ops *skops,
				     struct totem_config *cfg, __u32 tgid)
{
	__u32 a[4];

	skops_local(skops, a);
	return store(skops, format_for(cfg, skops_inet4(skops)), tgid,
		     cfg->host_id, a);
}

static __always_inline void syn_len(struct bpf_sock_ops *skops,
				    struct totem_config *cfg)
{
	if (!(cfg->enable & TOTEM_SEG_SYN))
		return;
	if (signed_segments(skops)) {
		count(TOTEM_CTR_SKIP_MD5);
		return;
	}
	reserve(skops, own_opt_len(skops, cfg));
}

static __always_inline void syn_write(struct bpf_sock_ops *skops,
				      struct totem_config *cfg)
{
	struct totem_sock_state *st = skops_record(skops);

	if (!st || !(cfg->enable & TOTEM_SEG_SYN))
		return;
	if (!own_store(skops, cfg, st->owner_tgid))
		count(TOTEM_CTR_INJECT_SYN);
}

/*
 * A task holds the socket lock: we run in its syscall (sendmsg, or the
 * backlog it processes in release_sock()), so current is a process using
 * this socket.  Softirq and timers only transmit when no task owns it.
 */
static __always_inline bool owned_by_task(struct bpf_sock_ops *skops)
{
	struct bpf_sock *bsk = skops->sk;
	struct tcp_sock *tp;

	if (!bsk)
		return false;
	tp = bpf_skc_to_tcp_sock(bsk);
	if (!tp)
		return false;
	return tp->inet_conn.icsk_inet.sk.sk_lock.owned;
}

/* The sender of a data segment, when it is sent from process context. */
static __always_inline void sender_update(struct bpf_sock_ops *skops,
					  struct totem_sock_state *st)
{
	struct task_struct *task;
	__u32 tgid;

	if (!owned_by_task(skops))
		return;
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (!tgid || tgid == st->owner_tgid)
		return;
	st->owner_tgid = tgid;
	st->owner_flags = TOTEM_OWNER_F_SENDER;
	/* no uid/comm helpers in sockops: read them from the task */
	if (!bpf_map_lookup_elem(&proc_info, &tgid)) {
		struct totem_proc_info pi = {};

		task = bpf_get_current_task_btf();
		pi.uid = task->cred->uid.val;
		__builtin_memcpy(pi.comm, task->comm, sizeof(pi.comm));
		bpf_map_update_elem(&proc_info, &tgid, &pi, BPF_NOEXIST);
	}
	emit_skops(TOTEM_CMD_EVENT_OWNER, skops, st);
}

static __always_inline bool sample_due(struct totem_sock_state *st,
				       struct totem_config *cfg)
{
	return !cfg->sample_bytes || st->tx_unsampled >= cfg->sample_bytes;
}

/*
 * tcp_current_mss(): the kernel sizes the next segments (and gso_size)
 * from what is reserved here, so reserve exactly when the next data
 * segment will be tagged; nothing then exceeds the MTU (see the
 * "prevent bpf_reserve_hdr_opt() from growing skb larger than MTU"
 * discussion in docs/bpf.md).
 */
static __always_inline void mss_len(struct bpf_sock_ops *skops,
				    struct totem_config *cfg)
{
	struct totem_sock_state *st = skops_record(skops);

	if (!st)
		return;
	st->tx_flags &= ~TX_MSS_RESERVED;
	if (!(cfg->enable & TOTEM_SEG_DATA) || !sample_due(st, cfg))
		return;
	if (signed_segments(skops))
		return;
	if (!bpf_reserve_hdr_opt(skops, own_opt_len(skops, cfg), 0))
		st->tx_flags |= TX_MSS_RESERVED;
}

/*
 * A data skb is about to get its header.  skb_data is the payload here,
 * not a header (the bug of the DeepFlow injectors): decide from the
 * per-socket sampler only.
 */
static __always_inline void data_len(struct bpf_sock_ops *skops,
				     struct totem_config *cfg)
{
	struct totem_sock_state *st = skops_record(skops);

	if (!st)
		return;
	if (sockops_sender)
		sender_update(skops, st);
	st->tx_flags &= ~TX_ARMED;
	if (!(cfg->enable & TOTEM_SEG_DATA)) {
		st->tx_unsampled = 0;
		return;
	}
	if (sample_due(st, cfg)) {
		if (!(st->tx_flags & TX_MSS_RESERVED)) {
			count(TOTEM_CTR_SKIP_MSS);
		} else if (signed_segments(skops)) {
			count(TOTEM_CTR_SKIP_MD5);
		} else if (!reserve(skops, own_opt_len(skops, cfg))) {
			st->tx_flags |= TX_ARMED;
			return;
		}
	}
	st->tx_unsampled += skops->skb_len;
}

static __always_inline void data_write(struct bpf_sock_ops *skops,
				       struct totem_config *cfg)
{
	struct totem_sock_state *st = skops_record(skops);

	if (!st || !(st->tx_flags & TX_ARMED))
		return;
	if (!own_store(skops, cfg, st->owner_tgid))
		count(TOTEM_CTR_INJECT_DATA);
	st->tx_unsampled = 0;
	st->tx_flags &= ~TX_ARMED; /* the MSS in use still leaves room */
}

static __noinline void on_hdr_opt_len(struct bpf_sock_ops *skops,
				      struct totem_config *cfg)
{
	__u8 flags = skops->skb_tcp_flags;

	if (!skops->is_fullsock) {
		synack_len(skops, cfg);
		return;
	}
	if (skops->args[0] == BPF_WRITE_HDR_TCP_CURRENT_MSS) {
		mss_len(skops, cfg);
		return;
	}
	if (flags & TCPHDR_SYN) {
		if (!(flags & TCPHDR_ACK))
			syn_len(skops, cfg);
		return;
	}
	if (skops->skb_len > 0)
		data_len(skops, cfg);
}

static __noinline void on_write_hdr_opt(struct bpf_sock_ops *skops,
					struct totem_config *cfg)
{
	__u8 flags = skops->skb_tcp_flags;

	if (!skops->is_fullsock) {
		synack_write(skops, cfg);
		return;
	}
	if (flags & TCPHDR_SYN) {
		if (!(flags & TCPHDR_ACK))
			syn_write(skops, cfg);
		return;
	}
	data_write(skops, cfg);
}

SEC("sockops")
int totem_sockops(struct bpf_sock_ops *skops)
{
	struct totem_sock_state *st;
	struct totem_config *cfg;

	if (skops->family != AF_INET && skops->family != AF_INET6)
		return 1;
	cfg = config_get();
	if (!cfg)
		return 1;

	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		st = skops_record(skops);
		if (st)
			set_cb_flags(skops);
		break;
	case BPF_SOCK_OPS_TCP_LISTEN_CB:
		on_listen(skops);
		break;
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		on_active_established(skops, cfg);
		break;
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		on_passive_established(skops, cfg);
		break;
	case BPF_SOCK_OPS_PARSE_HDR_OPT_CB:
		on_parse(skops, cfg);
		break;
	case BPF_SOCK_OPS_HDR_OPT_LEN_CB:
		on_hdr_opt_len(skops, cfg);
		break;
	case BPF_SOCK_OPS_WRITE_HDR_OPT_CB:
		on_write_hdr_opt(skops, cfg);
		break;
	case BPF_SOCK_OPS_STATE_CB:
		on_state(skops);
		break;
	}
	return 1;
}
