/* SPDX-License-Identifier: GPL-2.0 */
/* Where the eBPF path leaves what queries need (engine_bpf.c, backend_bpf.c). */
#ifndef _TOTEM_BPF_PINS_H
#define _TOTEM_BPF_PINS_H

#include "totem.h"

/*
 * totemd's pid, for queries run under `ip netns exec`, which mounts a fresh
 * /sys and so hides the pins: they open /proc/PID/root/sys/fs/bpf/totem.
 */
#define TOTEM_BPF_RUNDIR "/run/totem"
#define TOTEM_BPF_PIDFILE TOTEM_BPF_RUNDIR "/bpf.pid"

#endif /* _TOTEM_BPF_PINS_H */
