// SPDX-License-Identifier: GPL-2.0
/*
 * The module path as totemd runs it.
 *
 * start: load totem.ko unless it is loaded already (from $TOTEM_KMOD_PATH
 *        with finit_module(2) when set, which tests use for a module that is
 *        not installed; else `modprobe totem`), apply the configuration with
 *        CONFIG_SET and join the family's "events" multicast group.
 * events: the module's TOTEM_CMD_EVENT_* notifications for the network
 *        namespace totemd runs in, turned into struct totem_event.
 * stop:  leave the group; unload the module only if start loaded it (a
 *        module loaded by someone else stays, as it was).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "engine.h"
#include "internal.h"

/* backend_kmod.c */

extern char **environ;

struct kmod_engine {
	struct totem *t; /* queries and CONFIG_SET */
	struct nl_sock *ev; /* the "events" group */
	struct nl_cb *cb;
	bool loaded_by_us;
	void (*user_cb)(const struct totem_event *ev, void *arg);
	void *user_arg;
};

static bool module_loaded(void)
{
	return !access("/sys/module/totem", F_OK);
}

static int run_modprobe(char *why, size_t len)
{
	char *const argv[] = { "modprobe", "totem", NULL };
	int status, err;
	pid_t pid;

	err = posix_spawnp(&pid, "modprobe", NULL, NULL, argv, environ);
	if (err) {
		snprintf(why, len, "cannot run modprobe: %s", strerror(err));
		return -err;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		snprintf(why, len, "modprobe totem failed (is the module installed? make dkms-install)");
		return -ENOENT;
	}
	return 0;
}

static int load_module(char *why, size_t len)
{
	const char *path = getenv("TOTEM_KMOD_PATH");
	int fd, err;

	if (!path || !*path)
		return run_modprobe(why, len);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(why, len, "%s: %s", path, strerror(-err));
		return err;
	}
	err = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	if (err && err != -EEXIST) {
		snprintf(why, len, "finit_module %s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

static int event_valid(struct nl_msg *msg, void *arg)
{
	struct kmod_engine *ke = arg;
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[TOTEM_A_MAX + 1];
	struct totem_event ev;
	struct totem_sock s;

	if (g->cmd < TOTEM_CMD_EVENT_OWNER || g->cmd > TOTEM_CMD_EVENT_CLOSE ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, TOTEM_A_MAX, NULL) ||
	    totem_kmod_sock_parse(tb[TOTEM_A_SOCK], &s))
		return NL_SKIP;
	memset(&ev, 0, sizeof(ev));
	ev.type = g->cmd;
	ev.netns = s.netns;
	ev.cookie = s.cookie;
	ev.family = s.family;
	ev.state = s.state;
	ev.sport = htons(s.sport);
	ev.dport = htons(s.dport);
	memcpy(ev.saddr, s.saddr, sizeof(ev.saddr));
	memcpy(ev.daddr, s.daddr, sizeof(ev.daddr));
	ev.rec = s.rec;
	if (ke->user_cb)
		ke->user_cb(&ev, ke->user_arg);
	return NL_OK;
}

static int no_seq_check(struct nl_msg *msg, void *arg)
{
	return NL_OK; /* notifications carry sequence number 0 */
}

static int kmod_engine_start(struct totem_engine *e, const struct totem_engine_opts *o,
			     char *why, size_t len)
{
	struct totem_config cfg;
	struct kmod_engine *ke;
	int err, grp, i;

	ke = calloc(1, sizeof(*ke));
	if (!ke)
		return -ENOMEM;
	if (!module_loaded()) {
		err = load_module(why, len);
		if (err)
			goto out_free;
		ke->loaded_by_us = true;
	}
	/* The family appears when the module's init has registered it. */
	for (i = 0; i < 100; i++) {
		err = totem_open(&ke->t, TOTEM_BACKEND_KMOD);
		if (err != -ENOENT)
			break;
		usleep(20000);
	}
	if (err) {
		snprintf(why, len, "generic netlink family \"%s\": %s", TOTEM_GENL_NAME,
			 strerror(-err));
		goto out_unload;
	}
	if (o && o->config)
		cfg = *o->config;
	else
		totem_config_default(&cfg);
	err = totem_config_set(ke->t, &cfg);
	if (err) {
		snprintf(why, len, "CONFIG_SET: %s", strerror(-err));
		goto out_close;
	}

	err = -ENOMEM;
	ke->ev = nl_socket_alloc();
	ke->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!ke->ev || !ke->cb)
		goto out_sock;
	if (genl_connect(ke->ev)) {
		err = -ENOTCONN;
		snprintf(why, len, "generic netlink socket");
		goto out_sock;
	}
	grp = genl_ctrl_resolve_grp(ke->ev, TOTEM_GENL_NAME, TOTEM_GENL_MCGRP_EVENTS);
	if (grp < 0 || nl_socket_add_membership(ke->ev, grp)) {
		err = -ENOENT;
		snprintf(why, len, "multicast group \"%s\"", TOTEM_GENL_MCGRP_EVENTS);
		goto out_sock;
	}
	nl_socket_set_nonblocking(ke->ev);
	nl_cb_set(ke->cb, NL_CB_VALID, NL_CB_CUSTOM, event_valid, ke);
	nl_cb_set(ke->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	e->priv = ke;
	return 0;

out_sock:
	if (ke->cb)
		nl_cb_put(ke->cb);
	if (ke->ev)
		nl_socket_free(ke->ev);
out_close:
	totem_close(ke->t);
out_unload:
	if (ke->loaded_by_us)
		syscall(SYS_delete_module, "totem", O_NONBLOCK);
out_free:
	free(ke);
	return err;
}

static int kmod_engine_set_config(struct totem_engine *e, const struct totem_config *cfg)
{
	struct kmod_engine *ke = e->priv;

	return totem_config_set(ke->t, cfg);
}

static int kmod_engine_event_fd(struct totem_engine *e)
{
	struct kmod_engine *ke = e->priv;

	return nl_socket_get_fd(ke->ev);
}

static int kmod_engine_event_poll(struct totem_engine *e,
				  void (*cb)(const struct totem_event *ev, void *arg),
				  void *arg)
{
	struct kmod_engine *ke = e->priv;
	int err;

	ke->user_cb = cb;
	ke->user_arg = arg;
	err = nl_recvmsgs(ke->ev, ke->cb);
	ke->user_cb = NULL;
	if (err == -NLE_AGAIN)
		return 0;
	if (err == -NLE_NOMEM)
		return -ENOBUFS; /* the socket overran: events were lost */
	return err < 0 ? -EIO : 0;
}

static void kmod_engine_stop(struct totem_engine *e)
{
	struct kmod_engine *ke = e->priv;

	if (!ke)
		return;
	nl_cb_put(ke->cb);
	nl_socket_free(ke->ev);
	totem_close(ke->t);
	if (ke->loaded_by_us && syscall(SYS_delete_module, "totem", O_NONBLOCK))
		fprintf(stderr, "totemd: rmmod totem: %s\n", strerror(errno));
	free(ke);
	e->priv = NULL;
}

const struct totem_engine_ops totem_kmod_engine_ops = {
	.start = kmod_engine_start,
	.set_config = kmod_engine_set_config,
	.event_fd = kmod_engine_event_fd,
	.event_poll = kmod_engine_event_poll,
	.stop = kmod_engine_stop,
};
