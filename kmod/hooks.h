/* SPDX-License-Identifier: GPL-2.0 */
/* Netfilter: write the option at LOCAL_OUT, read peers' options at LOCAL_IN. */
#ifndef _TOTEM_HOOKS_H
#define _TOTEM_HOOKS_H

struct net;

/* Called from the pernet operations, for every namespace. */
int totem_hooks_net_init(struct net *net);
void totem_hooks_net_exit(struct net *net);

#endif /* _TOTEM_HOOKS_H */
