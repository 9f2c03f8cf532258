/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's side of each path: set it up, apply config, tear it down.
 * Used by totemd only; queries go through libtotem.h.
 */
#ifndef _TOTEM_ENGINE_H
#define _TOTEM_ENGINE_H

#include <stddef.h>
#include "libtotem.h"

struct totem_engine;

struct totem_engine_opts {
	const char *cgroup;		/* bpf: cgroup v2 dir, NULL: the root */
	const struct totem_config *config;
	int verbose;
};

/*
 * Can this path run here?  0 if yes, else a negative errno and a
 * human-readable reason in @why (e.g. "no BTF at /sys/kernel/btf/vmlinux").
 */
int totem_engine_probe(enum totem_backend backend, char *why, size_t len);

/* Start @backend (not AUTO); on error @why says what is missing. */
int totem_engine_start(struct totem_engine **e, enum totem_backend backend,
		       const struct totem_engine_opts *opts, char *why,
		       size_t len);
int totem_engine_set_config(struct totem_engine *e,
			    const struct totem_config *cfg);
/* A descriptor to poll for events (-1 if none) and a function to drain it. */
int totem_engine_event_fd(struct totem_engine *e);
int totem_engine_event_poll(struct totem_engine *e,
			    void (*cb)(const struct totem_event *ev, void *arg),
			    void *arg);
/* Undo everything start did: no program, hook or pin left behind. */
void totem_engine_stop(struct totem_engine *e);

/* Per-path halves, dispatched by engine.c. */
struct totem_engine_ops {
	int (*probe)(char *why, size_t len);
	int (*start)(struct totem_engine *e, const struct totem_engine_opts *o,
		     char *why, size_t len);
	int (*set_config)(struct totem_engine *e,
			  const struct totem_config *cfg);
	int (*event_fd)(struct totem_engine *e);
	int (*event_poll)(struct totem_engine *e,
			  void (*cb)(const struct totem_event *ev, void *arg),
			  void *arg);
	void (*stop)(struct totem_engine *e);
};

struct totem_engine {
	enum totem_backend backend;
	const struct totem_engine_ops *ops;
	void *priv;
};

extern const struct totem_engine_ops totem_bpf_engine_ops;
extern const struct totem_engine_ops totem_kmod_engine_ops;
extern const struct totem_engine_ops totem_proc_engine_ops;

#endif /* _TOTEM_ENGINE_H */
