/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The maps that hold the per-socket record (uapi/totem.h, "what is
 * stored"): defined once, for totem.bpf.c, which creates and pins them,
 * and for lookup.bpf.c, which totemd loads on the same maps
 * (bpf_map__reuse_fd()).
 */
#ifndef _TOTEM_MAPS_BPF_H
#define _TOTEM_MAPS_BPF_H

#include "uapi/totem.h"

/* The socket's state; a child starts as a copy of its listener's. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct totem_sock_state);
} sock_record SEC(".maps");

/* Only on sockets that received a TOA: most never do. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct totem_toa);
} sock_toa SEC(".maps");

/*
 * The owners' uid, cgroup and comm, once per process rather than once per
 * socket.  LRU: a process that exits keeps its entry (its sockets' close
 * events still name it) until newer owners push it out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TOTEM_PROC_MAX);
	__type(key, __u32);
	__type(value, struct totem_proc_info);
} proc_info SEC(".maps");

#endif /* _TOTEM_MAPS_BPF_H */
