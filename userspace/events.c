// SPDX-License-Identifier: GPL-2.0
/*
 * totemd's event service (protocol in events.h).
 *
 * Writes never block totemd: what a subscriber's socket cannot take waits
 * in its own queue, flushed on POLLOUT; a subscriber whose queue of live
 * events would grow past SUB_QUEUE_MAX is too slow and is disconnected
 * (and counted), so it stalls neither totemd nor the other subscribers.
 * A history answer is queued whole, so the queue may exceed that bound
 * once by the size of the history, which the configuration bounds.
 *
 * The history is a ring of the last N close events (the engine's record
 * of each connection as it closed), so that a topology drawn after
 * short-lived connections are gone still counts them.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "events.h"

#define SUB_QUEUE_MAX (1024 * 1024)
#define SUB_REQUEST_MAX 64

struct subscriber {
	int fd; /* -1: free slot */
	char *q; /* bytes not yet written */
	size_t qlen;
	char req[SUB_REQUEST_MAX]; /* request line read so far */
	size_t reqlen;
	bool asked; /* has made its one request */
};

struct totemd_events {
	int lfd;
	struct subscriber sub[TOTEMD_MAX_SUBSCRIBERS];
	unsigned long long dropped; /* subscribers dropped for being slow */
	char path[108];
	/* history: ring of hcap entries, hlen used, the oldest at hstart */
	struct totem_event *hist;
	unsigned int hcap, hlen, hstart;
	unsigned long long forgotten; /* closes pushed out of the ring */
};

static void sub_close(struct subscriber *s)
{
	close(s->fd);
	free(s->q);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

int totemd_events_set_history(struct totemd_events *ev, unsigned int n)
{
	struct totem_event *h = NULL;
	unsigned int keep, i;

	if (n == ev->hcap)
		return 0;
	if (n) {
		h = calloc(n, sizeof(*h));
		if (!h)
			return -ENOMEM;
	}
	/* the newest min(n, hlen) survive, still oldest first */
	keep = ev->hlen < n ? ev->hlen : n;
	for (i = 0; i < keep; i++)
		h[i] = ev->hist[(ev->hstart + ev->hlen - keep + i) % ev->hcap];
	ev->forgotten += ev->hlen - keep;
	free(ev->hist);
	ev->hist = h;
	ev->hcap = n;
	ev->hlen = keep;
	ev->hstart = 0;
	return 0;
}

int totemd_events_open(struct totemd_events **evp, const char *path, unsigned int history)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct totemd_events *ev;
	struct group *gr;
	mode_t old_mask;
	int i, fd, err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	ev->lfd = -1;
	for (i = 0; i < TOTEMD_MAX_SUBSCRIBERS; i++)
		ev->sub[i].fd = -1;
	err = totemd_events_set_history(ev, history);
	if (err)
		goto out_free;
	snprintf(ev->path, sizeof(ev->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		goto out_free;
	}
	unlink(path); /* a socket left by a killed totemd */
	/* created root-only, opened to the group below: no window */
	old_mask = umask(077);
	err = bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 16) ? -errno : 0;
	umask(old_mask);
	if (err) {
		close(fd);
		goto out_free;
	}
	/* root and the "totem" group only */
	gr = getgrnam("totem");
	if (gr && chown(path, 0, gr->gr_gid))
		totemd_log(LOG_WARNING, "%s: chown: %s", path, strerror(errno));
	chmod(path, gr ? 0660 : 0600);
	ev->lfd = fd;
	*evp = ev;
	return 0;

out_free:
	free(ev->hist);
	free(ev);
	return err;
}

void totemd_events_close(struct totemd_events *ev)
{
	int i;

	if (!ev)
		return;
	for (i = 0; i < TOTEMD_MAX_SUBSCRIBERS; i++)
		if (ev->sub[i].fd >= 0)
			sub_close(&ev->sub[i]);
	close(ev->lfd);
	unlink(ev->path);
	free(ev->hist);
	free(ev);
}

static void events_accept(struct totemd_events *ev)
{
	int fd, i;

	while ((fd = accept4(ev->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < TOTEMD_MAX_SUBSCRIBERS && ev->sub[i].fd >= 0; i++)
			;
		if (i == TOTEMD_MAX_SUBSCRIBERS) {
			totemd_log(LOG_WARNING, "events: too many subscribers, refusing one");
			close(fd);
			continue;
		}
		ev->sub[i].fd = fd;
		totemd_log(LOG_DEBUG, "events: subscriber %d connected", fd);
	}
}

/* Write what the socket takes now; 0, or -errno if the subscriber is gone. */
static int sub_flush(struct subscriber *s)
{
	while (s->qlen) {
		ssize_t n = send(s->fd, s->q, s->qlen, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		memmove(s->q, s->q + n, s->qlen - n);
		s->qlen -= n;
	}
	return 0;
}

static void sub_drop_slow(struct totemd_events *ev, struct subscriber *s)
{
	ev->dropped++;
	totemd_log(LOG_WARNING, "events: subscriber %d too slow, dropped (%llu so far)", s->fd,
		   ev->dropped);
	sub_close(s);
}

static int sub_queue(struct subscriber *s, const char *line, size_t len)
{
	char *q = realloc(s->q, s->qlen + len);

	if (!q)
		return -ENOMEM;
	s->q = q;
	memcpy(s->q + s->qlen, line, len);
	s->qlen += len;
	return 0;
}

static void events_send(struct totemd_events *ev, const char *line, size_t len)
{
	int i;

	for (i = 0; i < TOTEMD_MAX_SUBSCRIBERS; i++) {
		struct subscriber *s = &ev->sub[i];

		if (s->fd < 0)
			continue;
		if (s->qlen + len > SUB_QUEUE_MAX || sub_queue(s, line, len)) {
			sub_drop_slow(ev, s);
			continue;
		}
		if (sub_flush(s)) {
			totemd_log(LOG_DEBUG, "events: subscriber %d gone", s->fd);
			sub_close(s);
		}
	}
}

/* The history, whole, between its markers, into one subscriber's queue. */
static int sub_history(struct totemd_events *ev, struct subscriber *s)
{
	char line[1024];
	unsigned int i;
	int n, err;

	n = snprintf(line, sizeof(line), "{\"event\":\"history_begin\",\"count\":%u,\"capacity\":%u}\n",
		     ev->hlen, ev->hcap);
	err = sub_queue(s, line, n);
	for (i = 0; !err && i < ev->hlen; i++) {
		n = totemd_event_json(&ev->hist[(ev->hstart + i) % ev->hcap], line, sizeof(line));
		if (n > 0 && (size_t)n < sizeof(line))
			err = sub_queue(s, line, n);
	}
	if (err)
		return err;
	n = snprintf(line, sizeof(line), "{\"event\":\"history_end\",\"count\":%u,\"forgotten\":%llu}\n",
		     ev->hlen, ev->forgotten);
	return sub_queue(s, line, n);
}

/*
 * Input from a subscriber: its request, EOF, or junk.  0 to keep it,
 * non-zero to drop it.
 */
static int sub_input(struct totemd_events *ev, struct subscriber *s)
{
	ssize_t n = recv(s->fd, s->req + s->reqlen, sizeof(s->req) - s->reqlen, MSG_DONTWAIT);
	char *nl;

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET; /* left */
	s->reqlen += n;
	nl = memchr(s->req, '\n', s->reqlen);
	if (!nl)
		return s->reqlen == sizeof(s->req) ? -EINVAL : 0;
	*nl = '\0';
	if (s->asked || strcmp(s->req, "history") || nl + 1 != s->req + s->reqlen) {
		totemd_log(LOG_DEBUG, "events: subscriber %d: bad request", s->fd);
		return -EINVAL;
	}
	s->asked = true;
	s->reqlen = 0;
	if (sub_history(ev, s))
		return -ENOMEM;
	totemd_log(LOG_DEBUG, "events: subscriber %d: history of %u", s->fd, ev->hlen);
	return sub_flush(s);
}

int totemd_events_pollfds(struct totemd_events *ev, struct pollfd *pfd)
{
	int i, n = 0;

	pfd[n++] = (struct pollfd){ .fd = ev->lfd, .events = POLLIN };
	for (i = 0; i < TOTEMD_MAX_SUBSCRIBERS; i++) {
		if (ev->sub[i].fd < 0)
			continue;
		pfd[n].fd = ev->sub[i].fd;
		pfd[n].events = POLLIN | (ev->sub[i].qlen ? POLLOUT : 0);
		pfd[n++].revents = 0;
	}
	return n;
}

void totemd_events_revents(struct totemd_events *ev, const struct pollfd *pfd, int n)
{
	int i, j;

	for (j = 1; j < n; j++) {
		struct subscriber *sub = NULL;

		if (!pfd[j].revents)
			continue;
		for (i = 0; i < TOTEMD_MAX_SUBSCRIBERS; i++)
			if (ev->sub[i].fd == pfd[j].fd)
				sub = &ev->sub[i];
		if (!sub)
			continue;
		if (pfd[j].revents & (POLLERR | POLLNVAL) ||
		    (pfd[j].revents & (POLLIN | POLLHUP) && sub_input(ev, sub)) ||
		    (pfd[j].revents & POLLOUT && sub_flush(sub))) {
			totemd_log(LOG_DEBUG, "events: subscriber %d left", sub->fd);
			sub_close(sub);
		}
	}
	if (n > 0 && pfd[0].revents & POLLIN)
		events_accept(ev);
}

static const char *event_type(__u32 t)
{
	switch (t) {
	case TOTEM_CMD_EVENT_OWNER:
		return "owner";
	case TOTEM_CMD_EVENT_PEER:
		return "peer";
	case TOTEM_CMD_EVENT_CLOSE:
		return "close";
	default:
		return "unknown";
	}
}

static void endpoint(int family, const __u8 *a, unsigned int port, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family, a, s, sizeof(s));
	snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", s, port);
}
/* One event as one JSON line, with the field names `totem -j sockets` uses. */
int totemd_event_json(const struct totem_event *e, char *buf, size_t len)
{
	const struct totem_sock_record *r = &e->rec;
	char local[64], remote[64], comm[17], peer[256] = "null", paddr[64] = "null";
	char pid[16] = "null", qcomm[24] = "null";

	endpoint(e->family, e->saddr, ntohs(e->sport), local, sizeof(local));
	endpoint(e->family, e->daddr, ntohs(e->dport), remote, sizeof(remote));
	memcpy(comm, r->owner.comm, 16);
	comm[16] = '\0';
	for (char *c = comm; *c; c++)
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
			*c = '?';
	if (r->peer.format || r->peer.seen) {
		char host[16] = "null", a[INET6_ADDRSTRLEN];

		if (r->peer.flags & TOTEM_PEER_F_HOST)
			snprintf(host, sizeof(host), "%u", r->peer.host_id);
		if (r->peer.flags & TOTEM_PEER_F_ADDR && r->peer.family &&
		    inet_ntop(r->peer.family, r->peer.addr, a, sizeof(a)))
			snprintf(paddr, sizeof(paddr), "\"%s\"", a);
		snprintf(peer, sizeof(peer),
			 "{\"pid\":%u,\"host\":%s,\"addr\":%s,\"format\":\"v%u\",\"seen\":[%s%s%s%s%s]}",
			 r->peer.pid, host, paddr, r->peer.format,
			 r->peer.seen & TOTEM_SEG_SYN ? "\"syn\"" : "",
			 (r->peer.seen & TOTEM_SEG_SYN) && (r->peer.seen & 6) ? "," : "",
			 r->peer.seen & TOTEM_SEG_SYNACK ? "\"synack\"" : "",
			 (r->peer.seen & TOTEM_SEG_SYNACK) && (r->peer.seen & 4) ? "," : "",
			 r->peer.seen & TOTEM_SEG_DATA ? "\"data\"" : "");
	}
	/* unknown owner: null, as in `totem -j sockets` */
	if (r->owner.tgid) {
		snprintf(pid, sizeof(pid), "%u", r->owner.tgid);
		snprintf(qcomm, sizeof(qcomm), "\"%s\"", comm);
	}
	return snprintf(buf, len,
			"{\"event\":\"%s\",\"family\":\"%s\",\"state\":\"%s\",\"local\":\"%s\","
			"\"remote\":\"%s\",\"netns\":%u,\"cookie\":%llu,\"pid\":%s,"
			"\"comm\":%s,\"uid\":%u,\"peer\":%s}\n",
			event_type(e->type), e->family == AF_INET6 ? "inet6" : "inet",
			totem_tcp_state_name(e->state), local, remote, e->netns,
			(unsigned long long)e->cookie, pid, qcomm, r->owner.uid, peer);
}

void totemd_events_publish(struct totemd_events *ev, const struct totem_event *e)
{
	char line[1024];
	int i, n;

	if (e->type == TOTEM_CMD_EVENT_CLOSE && ev->hcap) {
		if (ev->hlen == ev->hcap) {
			ev->hstart = (ev->hstart + 1) % ev->hcap;
			ev->hlen--;
			ev->forgotten++;
		}
		ev->hist[(ev->hstart + ev->hlen++) % ev->hcap] = *e;
	}
	/* formatting is most of the cost: only for someone to read it */
	for (i = 0; i < TOTEMD_MAX_SUBSCRIBERS && ev->sub[i].fd < 0; i++)
		;
	if (i == TOTEMD_MAX_SUBSCRIBERS && !totemd_verbose)
		return;
	n = totemd_event_json(e, line, sizeof(line));
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	totemd_log(LOG_DEBUG, "event %.*s", n - 1, line);
	events_send(ev, line, n);
}
