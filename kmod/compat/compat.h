/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Force-included into every file of the module (see Kbuild).  The main
 * sources are written against the newest kernel API; this header makes that
 * API available on older kernels, keyed on the HAVE_* switches that
 * compat/Kbuild.include finds by grepping the target tree, and on
 * RHEL_RELEASE_CODE where the version number lies (RHEL 7 says 3.10.0).
 *
 * Where no shim can hide a difference (a member access, a hook that does
 * not exist), a small totem_compat_*() helper lives here instead.
 */
#ifndef _TOTEM_COMPAT_H
#define _TOTEM_COMPAT_H

#include <linux/version.h>
#include <linux/kconfig.h>

#ifdef RHEL_MAJOR
#if RHEL_MAJOR == 7
#define ISRHEL7
#endif
#endif
#ifndef RHEL_RELEASE_CODE
#define RHEL_RELEASE_CODE 0
#endif
#ifndef RHEL_RELEASE_VERSION
#define RHEL_RELEASE_VERSION(a, b) (((a) << 8) + (b))
#endif

/*
 * Keep in sync with BUILD_EXCLUSIVE_KERNEL in dkms/dkms.conf.  The
 * (priv, skb, state) hook prototype is the 4.4 marker (06198b34a3e0).
 */
#if !defined(HAVE_NF_HOOKFN_PRIV) && !defined(ISRHEL7)
#error "totem needs Linux 4.4 or newer, or RHEL/CentOS 7 (3.10.0-*.el7)"
#endif

#include <linux/kprobes.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <linux/ktime.h>
#include <linux/cgroup.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/inet_hashtables.h>
#include <net/net_namespace.h>

/* ---- netfilter ---- */

/*
 * Hook prototype.  The main sources define hooks as
 *   unsigned int fn(void *priv, struct sk_buff *skb,
 *                   const struct nf_hook_state *state)
 * and never read @state (it lacks ->net/->sk on RHEL 7), then name them
 * TOTEM_NF_HOOK(fn) in struct nf_hook_ops after TOTEM_NF_HOOK_DEFINE(fn).
 */
#ifdef HAVE_NF_HOOKFN_PRIV
#define TOTEM_NF_HOOK(fn) fn
#define TOTEM_NF_HOOK_DEFINE(fn)
#elif defined(ISRHEL7) && RHEL_RELEASE_CODE >= RHEL_RELEASE_VERSION(7, 2)
/* RHEL >= 7.2 backported nf_hook_state (238e54c9cb93) into the 5-arg hook. */
#define TOTEM_NF_HOOK(fn) fn##_compat
#define TOTEM_NF_HOOK_DEFINE(fn)                                           \
	static unsigned int fn##_compat(const struct nf_hook_ops *ops,     \
					struct sk_buff *skb,               \
					const struct net_device *in,       \
					const struct net_device *out,      \
					const struct nf_hook_state *state) \
	{                                                                  \
		return fn(NULL, skb, NULL);                                \
	}
#elif defined(ISRHEL7)
/* RHEL 7.0/7.1: the 3.13 prototype with okfn. */
#define TOTEM_NF_HOOK(fn) fn##_compat
#define TOTEM_NF_HOOK_DEFINE(fn)                                       \
	static unsigned int fn##_compat(const struct nf_hook_ops *ops, \
					struct sk_buff *skb,           \
					const struct net_device *in,   \
					const struct net_device *out,  \
					int (*okfn)(struct sk_buff *)) \
	{                                                              \
		return fn(NULL, skb, NULL);                            \
	}
#else
#error "unknown netfilter hook prototype"
#endif

/*
 * Before 4.3 hooks were global: they see every namespace, existing and
 * future.  Register them once, when the pernet init runs for init_net.
 */
#ifndef HAVE_NF_REGISTER_NET_HOOKS
static inline int nf_register_net_hooks(struct net *net,
					const struct nf_hook_ops *ops,
					unsigned int n)
{
	if (!net_eq(net, &init_net))
		return 0;
	return nf_register_hooks((struct nf_hook_ops *)ops, n);
}

static inline void nf_unregister_net_hooks(struct net *net,
					   const struct nf_hook_ops *ops,
					   unsigned int n)
{
	if (net_eq(net, &init_net))
		nf_unregister_hooks((struct nf_hook_ops *)ops, n);
}
#endif

/* ---- sockets ---- */

#ifndef HAVE_SK_TO_FULL_SK
/* Before ca6fb0651883 a SYN-ACK is charged to the listener itself. */
#define sk_to_full_sk(sk) (sk)
#define sk_fullsock(sk) (1)
#endif

#ifndef HAVE_SOCK_GEN_PUT
#define sock_gen_put(sk) sock_put(sk)
#endif

/* Take a reference unless the socket is already being freed. */
static inline bool totem_compat_sock_hold_live(struct sock *sk)
{
#ifdef HAVE_SK_REFCOUNT_T
	return refcount_inc_not_zero(&sk->sk_refcnt);
#else
	return atomic_inc_not_zero(&sk->sk_refcnt);
#endif
}

/* Charge @delta more bytes of write memory to @sk. */
static inline void totem_compat_wmem_charge(struct sock *sk, int delta)
{
#ifdef HAVE_SK_WMEM_REFCOUNT
	refcount_add(delta, &sk->sk_wmem_alloc);
#else
	atomic_add(delta, &sk->sk_wmem_alloc);
#endif
}

/* The socket cookie if one was generated, else 0 (never generates one). */
static inline u64 totem_compat_sk_cookie(const struct sock *sk)
{
#ifdef HAVE_SK_COOKIE
	return atomic64_read(&sk->sk_cookie);
#else
	return 0;
#endif
}

/* The TCP established hash of @net (per-netns ehash since 6.1). */
static inline struct inet_hashinfo *totem_compat_tcp_hashinfo(struct net *net)
{
#ifdef HAVE_NETNS_TCP_HASHINFO
	return net->ipv4.tcp_death_row.hashinfo;
#else
	return &tcp_hashinfo;
#endif
}

#if IS_ENABLED(CONFIG_IPV6)
#include <net/inet6_hashtables.h>
static inline struct sock *
totem_compat_inet6_lookup_established(struct net *net,
				      struct inet_hashinfo *hashinfo,
				      const struct in6_addr *saddr, __be16 sport,
				      const struct in6_addr *daddr, u16 hnum,
				      int dif)
{
#ifdef HAVE_INET6_LOOKUP_SDIF
	return __inet6_lookup_established(net, hashinfo, saddr, sport, daddr,
					  hnum, dif, 0);
#else
	return __inet6_lookup_established(net, hashinfo, saddr, sport, daddr,
					  hnum, dif);
#endif
}
#endif

static inline unsigned int totem_compat_net_inum(const struct net *net)
{
#ifdef HAVE_NET_NS_COMMON
	return net->ns.inum;
#else
	return net->proc_inum;
#endif
}

/* cgroup v2 id of the current task, 0 where it cannot be had. */
static inline u64 totem_compat_current_cgroup_id(void)
{
#if defined(HAVE_CGROUP_ID) && defined(CONFIG_CGROUPS)
	u64 id;

	rcu_read_lock();
	id = cgroup_id(task_dfl_cgroup(current));
	rcu_read_unlock();
	return id;
#else
	return 0;
#endif
}

/* ---- probes ---- */

#if !defined(HAVE_REGS_GET_KERNEL_ARGUMENT) && defined(CONFIG_X86_64)
static inline unsigned long regs_get_kernel_argument(struct pt_regs *regs,
						     unsigned int n)
{
	switch (n) {
	case 0:
		return regs->di;
	case 1:
		return regs->si;
	case 2:
		return regs->dx;
	}
	return 0;
}
#endif

#ifndef in_task
#define in_task() (!in_interrupt())
#endif

/* Which argument of tcp_sendmsg() is the socket (the kiocb went in 4.1). */
#ifdef HAVE_TCP_SENDMSG_SK_FIRST
#define TOTEM_COMPAT_SENDMSG_SK_ARG 0
#else
#define TOTEM_COMPAT_SENDMSG_SK_ARG 1
#endif

/* ---- time ---- */

#ifndef HAVE_KTIME_GET_BOOTTIME_NS
static inline u64 ktime_get_boottime_ns(void)
{
	return ktime_to_ns(ktime_get_boottime());
}
#endif

/* ---- debugfs ---- */

/*
 * Before 4.16: a read-only seq_file of one NAME_show() function, as
 * NAME_fops (expanded after <linux/seq_file.h>, where it is used).
 */
#ifndef HAVE_DEFINE_SHOW_ATTRIBUTE
#define DEFINE_SHOW_ATTRIBUTE(name)                                         \
	static int name##_open(struct inode *inode, struct file *file)      \
	{                                                                   \
		return single_open(file, name##_show, inode->i_private);    \
	}                                                                   \
	static const struct file_operations name##_fops = {                 \
		.owner = THIS_MODULE,                                       \
		.open = name##_open,                                        \
		.read = seq_read,                                           \
		.llseek = seq_lseek,                                        \
		.release = single_release,                                  \
	}
#endif

/* ---- generic netlink ---- */

#ifndef HAVE_GENL_UNS_ADMIN_PERM
#define GENL_UNS_ADMIN_PERM GENL_ADMIN_PERM
#endif

#ifndef NLA_POLICY_NESTED
#define NLA_POLICY_NESTED(policy)  \
	{                          \
		.type = NLA_NESTED \
	}
#endif

#ifndef HAVE_NLA_PUT_U64_64BIT
#define nla_put_u64_64bit(skb, type, value, pad) nla_put_u64(skb, type, value)
#endif

#ifndef HAVE_GENL_HAS_LISTENERS
#define genl_has_listeners(family, net, group) (1)
#endif

#ifdef HAVE_GENL_EXTACK
#define totem_compat_extack(info) ((info)->extack)
#else
struct netlink_ext_ack;
#define totem_compat_extack(info) ((struct netlink_ext_ack *)NULL)
#define NL_SET_ERR_MSG(extack, msg) ((void)(extack))
#define NL_SET_ERR_MSG_ATTR(extack, attr, msg) ((void)(attr))
#define nlmsg_parse(nlh, hdrlen, tb, max, pol, extack) \
	nlmsg_parse(nlh, hdrlen, tb, max, pol)
#define nla_parse_nested(tb, max, nla, pol, extack) \
	nla_parse_nested(tb, max, nla, pol)
#endif

/*
 * Attribute policies: per operation (with maxattr) since 5.10, only per
 * family in 5.2-5.9, per operation without maxattr before 5.2.
 */
#ifdef HAVE_GENL_OPS_POLICY
#define TOTEM_COMPAT_OP_POLICY(pol, max) .policy = (pol), .maxattr = (max)
#elif defined(HAVE_GENL_STRICT_VALIDATION)
#define TOTEM_COMPAT_FAMILY_POLICY
#define TOTEM_COMPAT_OP_POLICY(pol, max)
#else
#define TOTEM_COMPAT_OP_POLICY(pol, max) .policy = (pol)
#endif

#endif /* _TOTEM_COMPAT_H */
