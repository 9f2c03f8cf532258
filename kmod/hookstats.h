/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time spent in the module's hooks, the module path's counterpart of the
 * kernel's BPF run-time accounting (kernel.bpf_stats_enabled): off unless
 * the hook_stats parameter is 1; per hook, calls and nanoseconds
 * (local_clock()) in /sys/kernel/debug/totem/hooks.  The probes' own trap
 * and trampoline cost is outside what a handler can time.
 */
#ifndef _TOTEM_HOOKSTATS_H
#define _TOTEM_HOOKSTATS_H

#include <linux/types.h>

enum totem_hook_id {
	TOTEM_HOOK_OUT4,	/* netfilter LOCAL_OUT, IPv4: write */
	TOTEM_HOOK_OUT6,
	TOTEM_HOOK_IN4,		/* netfilter LOCAL_IN, IPv4: parse */
	TOTEM_HOOK_IN6,
	TOTEM_HOOK_CONNECT,	/* kretprobe tcp_v{4,6}_connect, entry + return */
	TOTEM_HOOK_LISTEN,
	TOTEM_HOOK_ACCEPT,
	TOTEM_HOOK_SENDMSG,	/* kprobe tcp_sendmsg */
	TOTEM_HOOK_STATE,	/* inet_sock_set_state (or kprobe tcp_set_state) */
	TOTEM_HOOK_MAX
};

extern bool totem_hook_stats;

u64 totem_hook_clock(void);
void totem_hook_account(enum totem_hook_id id, u64 t0);

/* 0 when accounting is off: then totem_hook_exit() does nothing. */
static inline u64 totem_hook_enter(void)
{
	return unlikely(READ_ONCE(totem_hook_stats)) ? totem_hook_clock() : 0;
}

static inline void totem_hook_exit(enum totem_hook_id id, u64 t0)
{
	if (unlikely(t0))
		totem_hook_account(id, t0);
}

struct dentry;
/* Add the "hooks" file to the debugfs directory @dir (may be NULL). */
void totem_hookstats_init(struct dentry *dir);

#endif /* _TOTEM_HOOKSTATS_H */
