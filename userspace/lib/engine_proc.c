// SPDX-License-Identifier: GPL-2.0
/*
 * The /proc path as totemd runs it: nothing is loaded into the kernel and
 * nothing is written on the wire, so start and stop have nothing to set up
 * or undo.  Queries read /proc directly (backend_proc.c).
 *
 * Events: with no kernel hook to report them, a timer rescans the
 * namespace's sockets (every $TOTEM_PROC_INTERVAL_MS, default 1000) and
 * compares with the last scan: a new connection with a known owner, or a
 * new owner of one, is an owner event; a connection that left (or entered TIME_WAIT) is a
 * close event carrying its last record.  Listeners are not reported.
 * Connections that open and close between two scans are missed: the
 * other paths report them from the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/timerfd.h>

#include "engine.h"

#define DEFAULT_INTERVAL_MS 1000

struct snap {
	struct totem_sock *v;
	size_t n, cap;
};

struct proc_engine {
	struct totem_config cfg;
	struct totem *t;
	int tfd;
	struct snap prev;
};

/* What identifies a connection across scans. */
static int sock_cmp(const void *a, const void *b)
{
	const struct totem_sock *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	if (x->sport != y->sport)
		return x->sport - y->sport;
	if (x->dport != y->dport)
		return x->dport - y->dport;
	return memcmp(x->saddr, y->saddr, 16) ?: memcmp(x->daddr, y->daddr, 16);
}

static int snap_add(const struct totem_sock *s, void *arg)
{
	struct snap *sn = arg;

	if (s->state == TCP_LISTEN || s->state == TCP_TIME_WAIT || s->state == TCP_CLOSE)
		return 0;
	if (sn->n == sn->cap) {
		size_t cap = sn->cap ? 2 * sn->cap : 256;
		struct totem_sock *v = realloc(sn->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		sn->v = v;
		sn->cap = cap;
	}
	sn->v[sn->n++] = *s;
	return 0;
}

static int snap_take(struct totem *t, struct snap *sn)
{
	int err;

	memset(sn, 0, sizeof(*sn));
	err = totem_sock_dump(t, snap_add, sn);
	if (err) {
		free(sn->v);
		memset(sn, 0, sizeof(*sn));
		return err;
	}
	if (sn->n)
		qsort(sn->v, sn->n, sizeof(*sn->v), sock_cmp);
	return 0;
}

static void emit(__u32 type, const struct totem_sock *s,
		 void (*cb)(const struct totem_event *ev, void *arg), void *arg)
{
	struct totem_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.netns = s->netns;
	ev.cookie = s->cookie;
	ev.family = s->family;
	ev.state = type == TOTEM_CMD_EVENT_CLOSE ? TCP_CLOSE : s->state;
	ev.sport = htons(s->sport);
	ev.dport = htons(s->dport);
	memcpy(ev.saddr, s->saddr, 16);
	memcpy(ev.daddr, s->daddr, 16);
	ev.rec = s->rec;
	cb(&ev, arg);
}

static int proc_engine_start(struct totem_engine *e, const struct totem_engine_opts *o,
			     char *why, size_t len)
{
	const char *env = getenv("TOTEM_PROC_INTERVAL_MS");
	long ms = env ? strtol(env, NULL, 10) : DEFAULT_INTERVAL_MS;
	struct itimerspec its = {};
	struct proc_engine *pe;
	int err;

	if (ms <= 0 || ms > 3600 * 1000)
		ms = DEFAULT_INTERVAL_MS;
	pe = calloc(1, sizeof(*pe));
	if (!pe)
		return -ENOMEM;
	if (o && o->config)
		pe->cfg = *o->config;
	else
		totem_config_default(&pe->cfg);
	err = totem_open(&pe->t, TOTEM_BACKEND_PROC);
	if (err) {
		snprintf(why, len, "/proc/net/tcp: %s", strerror(-err));
		goto out_free;
	}
	/* sockets that exist now are the baseline, not events */
	err = snap_take(pe->t, &pe->prev);
	if (err) {
		snprintf(why, len, "scan /proc: %s", strerror(-err));
		goto out_close;
	}
	pe->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (pe->tfd < 0) {
		err = -errno;
		snprintf(why, len, "timerfd: %s", strerror(-err));
		goto out_snap;
	}
	its.it_interval.tv_sec = ms / 1000;
	its.it_interval.tv_nsec = (ms % 1000) * 1000000;
	its.it_value = its.it_interval;
	if (timerfd_settime(pe->tfd, 0, &its, NULL)) {
		err = -errno;
		snprintf(why, len, "timerfd_settime: %s", strerror(-err));
		goto out_tfd;
	}
	e->priv = pe;
	return 0;

out_tfd:
	close(pe->tfd);
out_snap:
	free(pe->prev.v);
out_close:
	totem_close(pe->t);
out_free:
	free(pe);
	return err;
}

static int proc_engine_set_config(struct totem_engine *e, const struct totem_config *cfg)
{
	struct proc_engine *pe = e->priv;

	pe->cfg = *cfg;
	return 0;
}

static int proc_engine_event_fd(struct totem_engine *e)
{
	struct proc_engine *pe = e->priv;

	return pe->tfd;
}

static int proc_engine_event_poll(struct totem_engine *e,
				  void (*cb)(const struct totem_event *ev, void *arg), void *arg)
{
	struct proc_engine *pe = e->priv;
	struct snap cur;
	__u64 ticks;
	size_t i = 0, j = 0;
	int err;

	if (read(pe->tfd, &ticks, sizeof(ticks)) != sizeof(ticks))
		return errno == EAGAIN ? 0 : -errno;
	err = snap_take(pe->t, &cur);
	if (err)
		return err;
	/* both sorted: one merge pass */
	while (i < pe->prev.n || j < cur.n) {
		int c = i == pe->prev.n ? 1 : j == cur.n ? -1 :
							   sock_cmp(&pe->prev.v[i], &cur.v[j]);

		if (c < 0) {
			emit(TOTEM_CMD_EVENT_CLOSE, &pe->prev.v[i++], cb, arg);
		} else if (c > 0) {
			/* an owner event is about an owner: none while unknown */
			if (cur.v[j].rec.owner.tgid)
				emit(TOTEM_CMD_EVENT_OWNER, &cur.v[j], cb, arg);
			j++;
		} else {
			if (cur.v[j].rec.owner.tgid &&
			    pe->prev.v[i].rec.owner.tgid != cur.v[j].rec.owner.tgid)
				emit(TOTEM_CMD_EVENT_OWNER, &cur.v[j], cb, arg);
			i++;
			j++;
		}
	}
	free(pe->prev.v);
	pe->prev = cur;
	return 0;
}

static void proc_engine_stop(struct totem_engine *e)
{
	struct proc_engine *pe = e->priv;

	if (!pe)
		return;
	close(pe->tfd);
	free(pe->prev.v);
	totem_close(pe->t);
	free(pe);
	e->priv = NULL;
}

const struct totem_engine_ops totem_proc_engine_ops = {
	.start = proc_engine_start,
	.set_config = proc_engine_set_config,
	.event_fd = proc_engine_event_fd,
	.event_poll = proc_engine_event_poll,
	.stop = proc_engine_stop,
};
