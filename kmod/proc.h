/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The owners' per-process details (uid, cgroup, comm), kept once per
 * process rather than once per socket: the module's counterpart of the eBPF
 * path's proc_info map, with the same bound and the same rule (a process
 * that exits keeps its details, so its sockets' close events still name it,
 * until newer owners push them out).
 */
#ifndef _TOTEM_PROC_H
#define _TOTEM_PROC_H

#include <linux/types.h>
#include "uapi/totem.h"

/* Forget every process; call when nothing can note or look up any more. */
void totem_proc_exit(void);
/*
 * Process context: remember the current task's details; returns its tgid.
 * Cheap when they are known already (no lock, no allocation).
 */
u32 totem_proc_note_current(void);
/* Any context: @tgid's details into @out; false if not known. */
bool totem_proc_get(u32 tgid, struct totem_proc_info *out);
/* How many processes are known (debugfs). */
unsigned int totem_proc_count(void);

#endif /* _TOTEM_PROC_H */
