// SPDX-License-Identifier: GPL-2.0
/*
 * totemd's side of the paths: can a path run here, and dispatch of
 * start/config/events/stop to the path that runs.
 *
 * The probe checks the prerequisites every path shares with the kernel it
 * runs on, then asks the path itself for anything more it needs:
 *   bpf:  BTF at /sys/kernel/btf/vmlinux (CO-RE) and bpf_reserve_hdr_opt()
 *         callable from sockops programs (the header-option callbacks,
 *         Linux 5.10, commit 0813a841566f "bpf: tcp: Allow bpf prog to
 *         write and parse TCP header option");
 *   kmod: the totem module loaded (/sys/module/totem) or loadable
 *         (`modprobe -n -q totem` succeeds);
 *   proc: /proc/net/tcp readable.
 * AUTO takes the first that passes, in that order.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "engine.h"

#define BTF_VMLINUX "/sys/kernel/btf/vmlinux"

extern char **environ;

static void why_set(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

static const struct totem_engine_ops *engine_ops(enum totem_backend b)
{
	switch (b) {
	case TOTEM_BACKEND_BPF:
		return &totem_bpf_engine_ops;
	case TOTEM_BACKEND_KMOD:
		return &totem_kmod_engine_ops;
	case TOTEM_BACKEND_PROC:
		return &totem_proc_engine_ops;
	default:
		return NULL;
	}
}

/* libbpf's probes print warnings on old kernels; we report ourselves. */
static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static int probe_bpf(char *why, size_t len)
{
	libbpf_print_fn_t old;
	int r;

	if (access(BTF_VMLINUX, R_OK)) {
		why_set(why, len, "no BTF at %s (kernel built without CONFIG_DEBUG_INFO_BTF)",
			BTF_VMLINUX);
		return -ENOENT;
	}
	old = libbpf_set_print(silent_print);
	r = libbpf_probe_bpf_helper(BPF_PROG_TYPE_SOCK_OPS, BPF_FUNC_reserve_hdr_opt, NULL);
	libbpf_set_print(old);
	if (r < 0) {
		why_set(why, len, "cannot probe sockops helpers: %s", strerror(-r));
		return r;
	}
	if (r == 0) {
		why_set(why, len, "sockops helper bpf_reserve_hdr_opt unavailable (needs Linux 5.10+)");
		return -EOPNOTSUPP;
	}
	why_set(why, len, "BTF present and sockops header-option helpers available");
	return 0;
}

/* Exit status of `modprobe -n -q totem`, or -errno if it cannot run. */
static int modprobe_dry_run(void)
{
	char *const argv[] = { "modprobe", "-n", "-q", "totem", NULL };
	posix_spawn_file_actions_t fa;
	int status, err;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	err = posix_spawnp(&pid, "modprobe", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return -err;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}

static int probe_kmod(char *why, size_t len)
{
	const char *kmod_path;
	int r;

	if (!access("/sys/module/totem", F_OK)) {
		why_set(why, len, "module totem is loaded");
		return 0;
	}
	if (access("/proc/modules", F_OK)) {
		why_set(why, len, "module totem not loaded and kernel has no module support");
		return -ENOSYS;
	}
	/* a module file named by the operator (engine_kmod.c loads it) */
	kmod_path = secure_getenv("TOTEM_KMOD_PATH");
	if (kmod_path && *kmod_path && !access(kmod_path, R_OK)) {
		why_set(why, len, "module file %s is readable", kmod_path);
		return 0;
	}
	r = modprobe_dry_run();
	if (r < 0) {
		why_set(why, len, "module totem not loaded and modprobe cannot run: %s",
			strerror(-r));
		return r;
	}
	if (r) {
		why_set(why, len, "module totem neither loaded nor installed (modprobe -n totem failed)");
		return -ENOENT;
	}
	why_set(why, len, "module totem is installed (modprobe -n totem)");
	return 0;
}

static int probe_proc(char *why, size_t len)
{
	if (access("/proc/net/tcp", R_OK)) {
		int err = -errno;

		why_set(why, len, "/proc/net/tcp: %s", strerror(-err));
		return err;
	}
	why_set(why, len, "/proc/net/tcp readable (owners only, no options)");
	return 0;
}

static int probe_one(enum totem_backend b, char *why, size_t len)
{
	const struct totem_engine_ops *ops = engine_ops(b);
	int err;

	switch (b) {
	case TOTEM_BACKEND_BPF:
		err = probe_bpf(why, len);
		break;
	case TOTEM_BACKEND_KMOD:
		err = probe_kmod(why, len);
		break;
	case TOTEM_BACKEND_PROC:
		err = probe_proc(why, len);
		break;
	default:
		why_set(why, len, "unknown backend");
		return -EINVAL;
	}
	/* the path's own, more specific requirements */
	if (!err && ops && ops->probe) {
		char more[256] = "";

		err = ops->probe(more, sizeof(more));
		if (err)
			why_set(why, len, "%s", more[0] ? more : strerror(-err));
	}
	return err;
}

/*
 * For AUTO, @why receives "NAME: reason" of the path chosen, preceded by
 * why each earlier path was passed over ("bpf: no BTF ...; kmod: ...").
 */
int totem_engine_probe(enum totem_backend backend, char *why, size_t len)
{
	static const enum totem_backend order[] = {
		TOTEM_BACKEND_BPF,
		TOTEM_BACKEND_KMOD,
		TOTEM_BACKEND_PROC,
	};
	char acc[1024] = "", one[256];
	unsigned int i;
	int err = -ENOENT;

	if (backend != TOTEM_BACKEND_AUTO)
		return probe_one(backend, why, len);
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		size_t n = strlen(acc);

		one[0] = '\0';
		err = probe_one(order[i], one, sizeof(one));
		snprintf(acc + n, sizeof(acc) - n, "%s%s: %s", n ? "; " : "",
			 totem_backend_name(order[i]), one);
		if (!err)
			break;
	}
	why_set(why, len, "%s", acc);
	return err;
}

int totem_engine_start(struct totem_engine **ep, enum totem_backend backend,
		       const struct totem_engine_opts *opts, char *why, size_t len)
{
	const struct totem_engine_ops *ops = engine_ops(backend);
	struct totem_engine *e;
	int err;

	if (!ops) {
		why_set(why, len, "no such backend");
		return -EINVAL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->backend = backend;
	e->ops = ops;
	err = ops->start(e, opts, why, len);
	if (err) {
		free(e);
		return err;
	}
	*ep = e;
	return 0;
}

int totem_engine_set_config(struct totem_engine *e, const struct totem_config *cfg)
{
	return e->ops->set_config ? e->ops->set_config(e, cfg) : -EOPNOTSUPP;
}

int totem_engine_event_fd(struct totem_engine *e)
{
	return e->ops->event_fd ? e->ops->event_fd(e) : -1;
}

int totem_engine_event_poll(struct totem_engine *e,
			    void (*cb)(const struct totem_event *ev, void *arg),
			    void *arg)
{
	return e->ops->event_poll ? e->ops->event_poll(e, cb, arg) : 0;
}

void totem_engine_stop(struct totem_engine *e)
{
	if (!e)
		return;
	if (e->ops->stop)
		e->ops->stop(e);
	free(e);
}
