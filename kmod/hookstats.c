// SPDX-License-Identifier: GPL-2.0
/*
 * Hook time accounting (hookstats.h).  docs/performance.md turns the
 * figures into nanoseconds per call and a share of one CPU.
 */
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#ifdef HAVE_SCHED_CLOCK_H
#include <linux/sched/clock.h>
#else
#include <linux/sched.h>
#endif
#include "hookstats.h"

bool totem_hook_stats;
module_param_named(hook_stats, totem_hook_stats, bool, 0644);
MODULE_PARM_DESC(hook_stats, "account time spent in the hooks (debugfs totem/hooks), default 0");

struct totem_hook_time {
	u64 calls;
	u64 ns;
};

static DEFINE_PER_CPU(struct totem_hook_time, totem_hook_times[TOTEM_HOOK_MAX]);

static const char *const totem_hook_names[TOTEM_HOOK_MAX] = {
	[TOTEM_HOOK_OUT4] = "nf_local_out4",
	[TOTEM_HOOK_OUT6] = "nf_local_out6",
	[TOTEM_HOOK_IN4] = "nf_local_in4",
	[TOTEM_HOOK_IN6] = "nf_local_in6",
	[TOTEM_HOOK_CONNECT] = "connect",
	[TOTEM_HOOK_LISTEN] = "listen",
	[TOTEM_HOOK_ACCEPT] = "accept",
	[TOTEM_HOOK_SENDMSG] = "sendmsg",
	[TOTEM_HOOK_STATE] = "set_state",
};

u64 totem_hook_clock(void)
{
	/* never 0, which means "off" to totem_hook_exit() */
	return local_clock() | 1;
}

void totem_hook_account(enum totem_hook_id id, u64 t0)
{
	u64 t1 = local_clock();

	this_cpu_inc(totem_hook_times[id].calls);
	/* another CPU's clock after a migration may be behind */
	if (t1 > t0)
		this_cpu_add(totem_hook_times[id].ns, t1 - t0);
}

static int totem_hooks_show(struct seq_file *m, void *v)
{
	int id, cpu;

	seq_printf(m, "# hook calls ns (hook_stats=%d)\n", READ_ONCE(totem_hook_stats));
	for (id = 0; id < TOTEM_HOOK_MAX; id++) {
		u64 calls = 0, ns = 0;

		for_each_possible_cpu(cpu) {
			const struct totem_hook_time *t = per_cpu_ptr(&totem_hook_times[id], cpu);

			calls += READ_ONCE(t->calls);
			ns += READ_ONCE(t->ns);
		}
		seq_printf(m, "%s %llu %llu\n", totem_hook_names[id],
			   (unsigned long long)calls, (unsigned long long)ns);
	}
	return 0;
}

DEFINE_SHOW_ATTRIBUTE(totem_hooks);

void totem_hookstats_init(struct dentry *dir)
{
	if (!IS_ERR_OR_NULL(dir))
		debugfs_create_file("hooks", 0444, dir, NULL, &totem_hooks_fops);
}
