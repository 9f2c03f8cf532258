// SPDX-License-Identifier: GPL-2.0
/*
 * totem.ko: write the sending process's identity into a TCP option and
 * read the peers' (see uapi/totem.h for the wire format and the netlink
 * protocol).
 *
 *   config.c   module parameters, runtime configuration, counters
 *   table.c    socket -> owner/peer/sampler table
 *   proc.c     the owners' per-process details
 *   probes.c   process-context owner tracking (kprobes, tracepoint)
 *   hooks.c    netfilter LOCAL_OUT (write) and LOCAL_IN (read)
 *   netlink.c  generic netlink family "totem"
 *   codec.c    the option codec shared with userspace and the fuzzer
 *   hookstats.c  time spent in the hooks (hook_stats parameter)
 */
#include <linux/module.h>
#include <linux/debugfs.h>
#include <net/net_namespace.h>
#include "config.h"
#include "table.h"
#include "proc.h"
#include "probes.h"
#include "hooks.h"
#include "netlink.h"
#include "hookstats.h"

/* /sys/kernel/debug/totem: debugging and benchmark aids, optional. */
static struct dentry *totem_debugfs;

static int __net_init totem_net_init(struct net *net)
{
	return totem_hooks_net_init(net);
}

static void __net_exit totem_net_exit(struct net *net)
{
	totem_hooks_net_exit(net);
	totem_table_net_exit(net);
}

static struct pernet_operations totem_net_ops = {
	.init = totem_net_init,
	.exit = totem_net_exit,
};

static int __init totem_init(void)
{
	int err;

	err = totem_config_init();
	if (err)
		return err;
	err = totem_table_init();
	if (err)
		return err;
	/* Like any debugfs user, load without it if need be. */
	totem_debugfs = debugfs_create_dir("totem", NULL);
	totem_table_debugfs(totem_debugfs);
	totem_hookstats_init(totem_debugfs);
	err = totem_netlink_init();
	if (err)
		goto out_table;
	err = totem_probes_init();
	if (err)
		goto out_netlink;
	/* Runs totem_net_init() for every namespace, now and later. */
	err = register_pernet_subsys(&totem_net_ops);
	if (err)
		goto out_probes;
	pr_info("totem: loaded\n");
	return 0;

out_probes:
	totem_probes_exit();
out_netlink:
	totem_netlink_exit();
out_table:
	debugfs_remove_recursive(totem_debugfs);
	totem_table_exit();
	totem_proc_exit();
	return err;
}

static void __exit totem_exit(void)
{
	unregister_pernet_subsys(&totem_net_ops);
	totem_probes_exit();
	totem_netlink_exit();
	debugfs_remove_recursive(totem_debugfs);
	totem_table_exit();
	totem_proc_exit();
	pr_info("totem: unloaded\n");
}

module_init(totem_init);
module_exit(totem_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TCP Option Tracing: process identity in a TCP option");
MODULE_AUTHOR("The totem authors");
MODULE_VERSION("0.1");
MODULE_ALIAS_GENL_FAMILY(TOTEM_GENL_NAME);
