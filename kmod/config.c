// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration and counters.  The configuration is global (one host id,
 * one sampling rate, like the eBPF path's config map); each key is read on
 * its own with READ_ONCE() on the packet path, CONFIG_SET validates the
 * whole request first and then writes the keys under a mutex.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include "config.h"

DEFINE_PER_CPU(struct totem_counters, totem_pcpu_counters);

static struct totem_config totem_cfg;
static DEFINE_MUTEX(totem_cfg_lock);

static unsigned int enable = TOTEM_SEG_ALL;
module_param(enable, uint, 0444);
MODULE_PARM_DESC(enable, "Segments to write the option on: bit 0 SYN, 1 SYN-ACK, 2 data (default 7)");

static unsigned int sample_bytes = TOTEM_DEFAULT_SAMPLE_BYTES;
module_param(sample_bytes, uint, 0444);
MODULE_PARM_DESC(sample_bytes, "Tag the first data segment after every N payload bytes, 0: every segment (default 16384)");

static unsigned int format4 = TOTEM_FMT_V1;
module_param(format4, uint, 0444);
MODULE_PARM_DESC(format4, "Option format for IPv4 sockets: 1 (v1, default) or 2 (v2)");

static unsigned int format6 = TOTEM_FMT_V6;
module_param(format6, uint, 0444);
MODULE_PARM_DESC(format6, "Option format for IPv6 sockets: 6 (v6, default) or 2 (v2)");

static unsigned int host_id;
module_param(host_id, uint, 0444);
MODULE_PARM_DESC(host_id, "Host id written in v2/v6 options (default 0: totemd sets it from /etc/machine-id)");

static bool parse = true;
module_param(parse, bool, 0444);
MODULE_PARM_DESC(parse, "Parse the peers' options (default 1)");

unsigned int totem_max_sockets = 65536;
module_param_named(max_sockets, totem_max_sockets, uint, 0444);
MODULE_PARM_DESC(max_sockets, "Size of the socket table; the oldest entry is evicted when full (default 65536)");

unsigned int totem_max_procs = TOTEM_PROC_MAX;
module_param_named(max_procs, totem_max_procs, uint, 0444);
MODULE_PARM_DESC(max_procs, "Owners whose uid, cgroup and comm are kept; the least recently seen is forgotten when full (default 16384)");

void totem_counters_sum(u64 out[TOTEM_CTR_MAX])
{
	int cpu, i;

	memset(out, 0, sizeof(u64) * TOTEM_CTR_MAX);
	for_each_possible_cpu(cpu) {
		const struct totem_counters *c = per_cpu_ptr(&totem_pcpu_counters, cpu);

		for (i = 0; i < TOTEM_CTR_MAX; i++)
			out[i] += READ_ONCE(c->ctr[i]);
	}
}

void totem_config_get(struct totem_config *cfg)
{
	cfg->enable = READ_ONCE(totem_cfg.enable);
	cfg->sample_bytes = READ_ONCE(totem_cfg.sample_bytes);
	cfg->format4 = READ_ONCE(totem_cfg.format4);
	cfg->format6 = READ_ONCE(totem_cfg.format6);
	cfg->host_id = READ_ONCE(totem_cfg.host_id);
	cfg->parse = READ_ONCE(totem_cfg.parse);
}

u32 totem_config_enable(void)
{
	return READ_ONCE(totem_cfg.enable);
}

u32 totem_config_sample_bytes(void)
{
	return READ_ONCE(totem_cfg.sample_bytes);
}

u32 totem_config_format(bool inet6)
{
	return inet6 ? READ_ONCE(totem_cfg.format6) : READ_ONCE(totem_cfg.format4);
}

u32 totem_config_host_id(void)
{
	return READ_ONCE(totem_cfg.host_id);
}

bool totem_config_parse(void)
{
	return READ_ONCE(totem_cfg.parse);
}

int totem_config_check(const struct totem_config *cfg)
{
	if (cfg->enable & ~TOTEM_SEG_ALL)
		return TOTEM_A_CONFIG_ENABLE;
	if (cfg->format4 != TOTEM_FMT_V1 && cfg->format4 != TOTEM_FMT_V2)
		return TOTEM_A_CONFIG_FORMAT4;
	if (cfg->format6 != TOTEM_FMT_V6 && cfg->format6 != TOTEM_FMT_V2)
		return TOTEM_A_CONFIG_FORMAT6;
	if (cfg->parse > 1)
		return TOTEM_A_CONFIG_PARSE;
	return 0;
}

void totem_config_set(const struct totem_config *cfg)
{
	mutex_lock(&totem_cfg_lock);
	WRITE_ONCE(totem_cfg.enable, cfg->enable);
	WRITE_ONCE(totem_cfg.sample_bytes, cfg->sample_bytes);
	WRITE_ONCE(totem_cfg.format4, cfg->format4);
	WRITE_ONCE(totem_cfg.format6, cfg->format6);
	WRITE_ONCE(totem_cfg.host_id, cfg->host_id);
	WRITE_ONCE(totem_cfg.parse, cfg->parse);
	mutex_unlock(&totem_cfg_lock);
}

int totem_config_init(void)
{
	struct totem_config cfg = {
		.enable = enable,
		.sample_bytes = sample_bytes,
		.format4 = format4,
		.format6 = format6,
		.host_id = host_id,
		.parse = parse,
	};
	static const char *const names[] = {
		[TOTEM_A_CONFIG_ENABLE] = "enable (bits 0-2 only)",
		[TOTEM_A_CONFIG_FORMAT4] = "format4 (1 or 2)",
		[TOTEM_A_CONFIG_FORMAT6] = "format6 (6 or 2)",
		[TOTEM_A_CONFIG_PARSE] = "parse (0 or 1)",
	};
	int bad;

	bad = totem_config_check(&cfg);
	if (bad) {
		pr_err("totem: bad module parameter %s\n", names[bad]);
		return -EINVAL;
	}
	if (!totem_max_procs) {
		pr_err("totem: max_procs must be at least 1\n");
		return -EINVAL;
	}
	if (!totem_max_sockets) {
		pr_err("totem: max_sockets must be at least 1\n");
		return -EINVAL;
	}
	totem_config_set(&cfg);
	return 0;
}
