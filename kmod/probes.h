/* SPDX-License-Identifier: GPL-2.0 */
/* Where process context is caught: kprobes, kretprobes, the close tracepoint. */
#ifndef _TOTEM_PROBES_H
#define _TOTEM_PROBES_H

int totem_probes_init(void);
void totem_probes_exit(void);

#endif /* _TOTEM_PROBES_H */
