// SPDX-License-Identifier: GPL-2.0
/*
 * Owner tracking: catch the processes that own sockets while they are the
 * current task, never in softirq.
 *
 *   connect()   kprobe+kretprobe tcp_v4_connect / tcp_v6_connect: the
 *               caller owns the socket; a failed connect forgets it.  The
 *               SYN leaves inside this call, after the entry probe.
 *   listen()    kretprobe inet_listen: the listener's owner, for SYN-ACKs
 *               and for children until they are accepted.
 *   accept()    kretprobe inet_csk_accept: the child (return value) is owned
 *               by the acceptor.  Only the return value is read: the
 *               arguments changed in 4.11 and 6.10 (92ef0fd55ac8).
 *   send*()     kprobe tcp_sendmsg: the last process that sent owns it
 *               (fork, fd passing, SCM_RIGHTS).
 *   state       tracepoint sock:inet_sock_set_state (4.16+, 563e0bb0dc74,
 *               found with for_each_kernel_tracepoint() because it is not
 *               exported), else kprobe tcp_set_state: SYN_RECV ->
 *               ESTABLISHED creates the child's entry from the listener,
 *               TCP_CLOSE removes the entry.
 */
#include <linux/kprobes.h>
#include <linux/tracepoint.h>
#include <linux/ptrace.h>
#include <net/sock.h>
#include <net/tcp_states.h>
#include "probes.h"
#include "table.h"
#include "hookstats.h"

static bool totem_is_tcp(const struct sock *sk)
{
	return sk && (sk->sk_family == AF_INET || sk->sk_family == AF_INET6) &&
	       sk->sk_protocol == IPPROTO_TCP && sk->sk_type == SOCK_STREAM;
}

static struct sock *totem_arg_sk(struct pt_regs *regs, unsigned int n)
{
	return (struct sock *)regs_get_kernel_argument(regs, n);
}

/* ---- connect ---- */

struct totem_connect_data {
	struct sock *sk;
};

static int totem_connect_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct totem_connect_data *d = (void *)ri->data;
	struct sock *sk = totem_arg_sk(regs, 0);
	u64 t0 = totem_hook_enter();

	d->sk = NULL;
	if (totem_is_tcp(sk) && in_task()) {
		d->sk = sk;
		/* Before the SYN leaves; the event waits for the bound addresses. */
		totem_owner_record(sk, TOTEM_OWNER_F_CONNECT, false, false);
	}
	totem_hook_exit(TOTEM_HOOK_CONNECT, t0);
	return 0;
}

static int totem_connect_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct totem_connect_data *d = (void *)ri->data;
	u64 t0;

	if (!d->sk)
		return 0;
	t0 = totem_hook_enter();
	if (regs_return_value(regs))
		totem_owner_forget(d->sk);
	else
		totem_owner_announce(d->sk);
	totem_hook_exit(TOTEM_HOOK_CONNECT, t0);
	return 0;
}

static struct kretprobe totem_krp_connect4 = {
	.kp.symbol_name = "tcp_v4_connect",
	.entry_handler = totem_connect_entry,
	.handler = totem_connect_ret,
	.data_size = sizeof(struct totem_connect_data),
	.maxactive = 64,
};

static struct kretprobe totem_krp_connect6 = {
	.kp.symbol_name = "tcp_v6_connect",
	.entry_handler = totem_connect_entry,
	.handler = totem_connect_ret,
	.data_size = sizeof(struct totem_connect_data),
	.maxactive = 64,
};

/* ---- listen ---- */

static int totem_listen_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct socket *sock = (struct socket *)regs_get_kernel_argument(regs, 0);
	struct totem_connect_data *d = (void *)ri->data;

	d->sk = sock ? sock->sk : NULL;
	return 0;
}

static int totem_listen_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct totem_connect_data *d = (void *)ri->data;
	struct sock *sk = d->sk;
	u64 t0;

	if (regs_return_value(regs) || !totem_is_tcp(sk) || !in_task() ||
	    READ_ONCE(sk->sk_state) != TCP_LISTEN)
		return 0;
	t0 = totem_hook_enter();
	totem_owner_record(sk, TOTEM_OWNER_F_CREATOR, true, true);
	totem_hook_exit(TOTEM_HOOK_LISTEN, t0);
	return 0;
}

static struct kretprobe totem_krp_listen = {
	.kp.symbol_name = "inet_listen",
	.entry_handler = totem_listen_entry,
	.handler = totem_listen_ret,
	.data_size = sizeof(struct totem_connect_data),
	.maxactive = 32,
};

/* ---- accept ---- */

static int totem_accept_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct sock *sk = (struct sock *)regs_return_value(regs);
	u64 t0;

	if (IS_ERR_OR_NULL(sk) || !totem_is_tcp(sk) || !in_task())
		return 0;
	t0 = totem_hook_enter();
	totem_owner_record(sk, TOTEM_OWNER_F_ACCEPT, false, true);
	totem_hook_exit(TOTEM_HOOK_ACCEPT, t0);
	return 0;
}

static struct kretprobe totem_krp_accept = {
	.kp.symbol_name = "inet_csk_accept",
	.handler = totem_accept_ret,
	.maxactive = 64,
};

/* ---- sendmsg ---- */

static int totem_sendmsg_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *sk = totem_arg_sk(regs, TOTEM_COMPAT_SENDMSG_SK_ARG);
	u64 t0 = totem_hook_enter();

	if (totem_is_tcp(sk) && in_task() &&
	    READ_ONCE(sk->sk_state) != TCP_LISTEN)
		totem_owner_record(sk, TOTEM_OWNER_F_SENDER, false, true);
	totem_hook_exit(TOTEM_HOOK_SENDMSG, t0);
	return 0;
}

static struct kprobe totem_kp_sendmsg = {
	.symbol_name = "tcp_sendmsg",
	.pre_handler = totem_sendmsg_pre,
};

/* ---- state changes ---- */

static void totem_state_change(struct sock *sk, int oldstate, int newstate)
{
	u64 t0;

	if (!totem_is_tcp(sk))
		return;
	t0 = totem_hook_enter();
	if (newstate == TCP_CLOSE)
		totem_sock_closed(sk);
	else if (oldstate == TCP_SYN_RECV && newstate == TCP_ESTABLISHED)
		totem_child_established(sk);
	totem_hook_exit(TOTEM_HOOK_STATE, t0);
}

#ifdef HAVE_INET_SOCK_SET_STATE
static struct tracepoint *totem_tp_state;

static void totem_tp_state_probe(void *data, const struct sock *sk,
				 const int oldstate, const int newstate)
{
	totem_state_change((struct sock *)sk, oldstate, newstate);
}

static void totem_tp_find(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "inet_sock_set_state"))
		totem_tp_state = tp;
}

static int totem_state_init(void)
{
	for_each_kernel_tracepoint(totem_tp_find, NULL);
	if (!totem_tp_state) {
		pr_err("totem: tracepoint inet_sock_set_state not found\n");
		return -ENOENT;
	}
	return tracepoint_probe_register(totem_tp_state, totem_tp_state_probe, NULL);
}

static void totem_state_exit(void)
{
	tracepoint_probe_unregister(totem_tp_state, totem_tp_state_probe, NULL);
	tracepoint_synchronize_unregister();
}
#else
/* Before 4.16 (and RHEL 7): tcp_set_state(sk, state), old state still in sk. */
static int totem_set_state_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct sock *sk = totem_arg_sk(regs, 0);

	totem_state_change(sk, sk->sk_state, (int)regs_get_kernel_argument(regs, 1));
	return 0;
}

static struct kprobe totem_kp_set_state = {
	.symbol_name = "tcp_set_state",
	.pre_handler = totem_set_state_pre,
};

static int totem_state_init(void)
{
	return register_kprobe(&totem_kp_set_state);
}

static void totem_state_exit(void)
{
	unregister_kprobe(&totem_kp_set_state);
}
#endif

static struct kretprobe *totem_kretprobes[] = {
	&totem_krp_connect4,
	&totem_krp_connect6,
	&totem_krp_listen,
	&totem_krp_accept,
};

int totem_probes_init(void)
{
	struct kprobe *kps[] = { &totem_kp_sendmsg };
	int err;

	/* The close path first: nothing may be recorded that is never removed. */
	err = totem_state_init();
	if (err)
		return err;
	err = register_kretprobes(totem_kretprobes, ARRAY_SIZE(totem_kretprobes));
	if (err) {
		pr_err("totem: kretprobes: %d\n", err);
		goto out_state;
	}
	err = register_kprobes(kps, ARRAY_SIZE(kps));
	if (err) {
		pr_err("totem: kprobe tcp_sendmsg: %d\n", err);
		goto out_kretprobes;
	}
	return 0;

out_kretprobes:
	unregister_kretprobes(totem_kretprobes, ARRAY_SIZE(totem_kretprobes));
out_state:
	totem_state_exit();
	return err;
}

void totem_probes_exit(void)
{
	struct kprobe *kps[] = { &totem_kp_sendmsg };

	unregister_kprobes(kps, ARRAY_SIZE(kps));
	unregister_kretprobes(totem_kretprobes, ARRAY_SIZE(totem_kretprobes));
	totem_state_exit();
}
