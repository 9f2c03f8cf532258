/* SPDX-License-Identifier: GPL-2.0 */
/* Runtime configuration (module parameters, CONFIG_SET) and counters. */
#ifndef _TOTEM_CONFIG_H
#define _TOTEM_CONFIG_H

#include <linux/percpu.h>
#include "uapi/totem.h"

struct netlink_ext_ack;

/* Per-CPU counters, summed on STATS_GET. */
struct totem_counters {
	u64 ctr[TOTEM_CTR_MAX];
};
DECLARE_PER_CPU(struct totem_counters, totem_pcpu_counters);

static inline void totem_count(enum totem_counter c)
{
	this_cpu_inc(totem_pcpu_counters.ctr[c]);
}

void totem_counters_sum(u64 out[TOTEM_CTR_MAX]);

/* The current configuration: lockless readers, one writer at a time. */
void totem_config_get(struct totem_config *cfg);
/* Readers of single keys on the packet path. */
u32 totem_config_enable(void);
u32 totem_config_sample_bytes(void);
u32 totem_config_format(bool inet6);
u32 totem_config_host_id(void);
bool totem_config_parse(void);

/* Check @cfg: 0, or the TOTEM_A_CONFIG_* attribute of the first bad key. */
int totem_config_check(const struct totem_config *cfg);
void totem_config_set(const struct totem_config *cfg);

/* Module parameters -> initial configuration. */
int totem_config_init(void);

/* Owner table size (module parameter). */
extern unsigned int totem_max_sockets;
extern unsigned int totem_max_procs;

#endif /* _TOTEM_CONFIG_H */
