/* SPDX-License-Identifier: GPL-2.0 */
/* The generic netlink family "totem" and its "events" multicast group. */
#ifndef _TOTEM_NETLINK_H
#define _TOTEM_NETLINK_H

#include <linux/types.h>

struct totem_entry;

int totem_netlink_init(void);
void totem_netlink_exit(void);

/*
 * Queue a TOTEM_CMD_EVENT_* message about @e for the "events" group of its
 * namespace (any context; sent from a work item).  @state overrides the
 * socket state reported, -1 reads it.
 */
void totem_notify(u32 type, struct totem_entry *e, int state);

#endif /* _TOTEM_NETLINK_H */
