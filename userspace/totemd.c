// SPDX-License-Identifier: GPL-2.0
/*
 * totemd: pick the path that can run on this kernel, start it, keep its
 * config, and tear it down on exit.
 *
 *   totemd [--backend auto|bpf|kmod|proc] [--cgroup PATH] [--config FILE]
 *          [-f|--foreground] [-t|--test-config] [-v]
 *
 * Config: /etc/totem/totemd.conf (or --config FILE), "key = value" lines,
 * '#' starts a comment.  Keys: the library's config keys (enable,
 * sample_bytes, format4, format6, host_id, parse) and the daemon's own
 * (backend, cgroup).  Command-line flags override the file.  An unknown
 * key or a bad value is reported as FILE:LINE and totemd exits 2 (a
 * configuration error, like a usage error); runtime failures exit 1.
 *
 * Signals: SIGTERM/SIGINT stop the engine (nothing left attached) and exit
 * 0; SIGHUP re-reads the file and applies the totem keys to the running
 * engine (backend and cgroup need a restart; a bad file keeps the running
 * config).  totemd records what it runs and why in $TOTEM_RUNDIR/status
 * (default /run/totem/status) for `totem status`, and serves events as
 * JSON lines on $TOTEM_RUNDIR/events.sock.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "libtotem.h"
#include "lib/engine.h"

#ifndef TOTEM_VERSION
#define TOTEM_VERSION "0.1"
#endif

#define EXIT_CONFIG 2
#define DEFAULT_CONFIG "/etc/totem/totemd.conf"
#define TOTEM_RUNDIR_DEFAULT "/run/totem"
#define MAX_SUBSCRIBERS 64

struct daemon_conf {
	struct totem_config cfg;
	enum totem_backend backend;
	char cgroup[4096];
};

static bool use_syslog;
static int verbose;

static void logmsg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !verbose)
		return;
	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		fputs("totemd: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: totemd [OPTIONS]\n"
		"\n"
		"  -b, --backend NAME   auto (default), bpf, kmod or proc\n"
		"  -c, --cgroup PATH    bpf: cgroup v2 directory to attach to (default: root)\n"
		"  -C, --config FILE    config file (default " DEFAULT_CONFIG ")\n"
		"  -f, --foreground     stay in the foreground, log to stderr\n"
		"  -t, --test-config    check the config file and exit\n"
		"  -v, --verbose        log more (events, probes)\n"
		"  -h, --help           this help\n"
		"  -V, --version        version\n"
		"\n"
		"Config keys: enable, sample_bytes, format4, format6, host_id, parse,\n"
		"  backend, cgroup (see totemd(8)).  SIGHUP re-reads the file.\n");
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * Parse @path into @dc (on top of what it holds).  On error, @err gets
 * "FILE:LINE: message" and the return is -EINVAL (bad content) or -errno
 * (cannot read).  A missing default file is not an error.
 */
static int conf_load(const char *path, bool must_exist, struct daemon_conf *dc,
		     char *err, size_t len)
{
	struct daemon_conf tmp = *dc;
	char line[4096];
	unsigned int lineno = 0;
	FILE *f;
	int ret = 0;

	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		if (ret == -ENOENT && !must_exist)
			return 0;
		snprintf(err, len, "%s: %s", path, strerror(-ret));
		return ret;
	}
	while (fgets(line, sizeof(line), f)) {
		char *key, *val, *eq;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, len, "%s:%u: line too long", path, lineno);
			ret = -EINVAL;
			break;
		}
		line[strcspn(line, "#")] = '\0';
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			snprintf(err, len, "%s:%u: expected 'key = value'", path, lineno);
			ret = -EINVAL;
			break;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		if (!*key || !*val) {
			snprintf(err, len, "%s:%u: expected 'key = value'", path, lineno);
			ret = -EINVAL;
			break;
		}
		if (!strcmp(key, "backend")) {
			if (totem_backend_parse(val, &tmp.backend)) {
				snprintf(err, len,
					 "%s:%u: invalid value '%s' for backend (auto, bpf, kmod, proc)",
					 path, lineno, val);
				ret = -EINVAL;
				break;
			}
		} else if (!strcmp(key, "cgroup")) {
			if (val[0] != '/' || strlen(val) >= sizeof(tmp.cgroup)) {
				snprintf(err, len, "%s:%u: invalid value '%s' for cgroup (absolute path)",
					 path, lineno, val);
				ret = -EINVAL;
				break;
			}
			snprintf(tmp.cgroup, sizeof(tmp.cgroup), "%s", val);
		} else {
			unsigned int i;
			bool known = false;

			for (i = 0; totem_config_keys[i]; i++)
				if (!strcmp(key, totem_config_keys[i]))
					known = true;
			if (!known) {
				snprintf(err, len, "%s:%u: unknown key '%s'", path, lineno, key);
				ret = -EINVAL;
				break;
			}
			if (totem_config_parse_kv(&tmp.cfg, key, val)) {
				snprintf(err, len, "%s:%u: invalid value '%s' for %s", path, lineno,
					 val, key);
				ret = -EINVAL;
				break;
			}
		}
	}
	if (!ret && ferror(f)) {
		snprintf(err, len, "%s: read error", path);
		ret = -EIO;
	}
	fclose(f);
	if (!ret)
		*dc = tmp;
	return ret;
}

/* ---- status file for `totem status` ---- */

static const char *rundir(void)
{
	const char *d = getenv("TOTEM_RUNDIR");

	return d && *d ? d : TOTEM_RUNDIR_DEFAULT;
}

static int status_write(enum totem_backend b, const char *reason, const char *config)
{
	char path[512], tmp[520], when[64];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	if (mkdir(rundir(), 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/status", rundir());
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "pid=%d\nbackend=%s\nreason=%s\nstarted=%s\nconfig=%s\n", getpid(),
		totem_backend_name(b), reason, when, config);
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}

static void status_remove(void)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/status", rundir());
	unlink(path);
}

/* ---- event subscribers: JSON lines on a Unix stream socket ---- */

/*
 * Writes never block totemd: what a subscriber's socket cannot take waits
 * in its own queue, flushed on POLLOUT; a subscriber whose queue would grow
 * past SUB_QUEUE_MAX is too slow and is disconnected (and counted), so it
 * stalls neither totemd nor the other subscribers.
 */
#define SUB_QUEUE_MAX (1024 * 1024)

struct subscriber {
	int fd; /* -1: free slot */
	char *q; /* bytes not yet written */
	size_t qlen;
};

struct events {
	int lfd; /* listening socket, -1 if none */
	struct subscriber sub[MAX_SUBSCRIBERS];
	unsigned long long dropped; /* subscribers dropped for being slow */
	char path[108];
};

static void sub_close(struct subscriber *s)
{
	close(s->fd);
	free(s->q);
	s->fd = -1;
	s->q = NULL;
	s->qlen = 0;
}

static int events_listen(struct events *ev)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct group *gr;
	mode_t old_mask;
	int i, fd, err;

	ev->lfd = -1;
	for (i = 0; i < MAX_SUBSCRIBERS; i++)
		ev->sub[i].fd = -1;
	snprintf(ev->path, sizeof(ev->path), "%s/events.sock", rundir());
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", ev->path);
	if (mkdir(rundir(), 0755) && errno != EEXIST)
		return -errno;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(ev->path); /* a socket left by a killed totemd */
	/* created root-only, opened to the group below: no window */
	old_mask = umask(077);
	err = bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 16) ? -errno : 0;
	umask(old_mask);
	if (err) {
		close(fd);
		return err;
	}
	/* root and the "totem" group only */
	gr = getgrnam("totem");
	if (gr && chown(ev->path, 0, gr->gr_gid))
		logmsg(LOG_WARNING, "%s: chown: %s", ev->path, strerror(errno));
	chmod(ev->path, gr ? 0660 : 0600);
	ev->lfd = fd;
	return 0;
}

static void events_accept(struct events *ev)
{
	int fd, i;

	while ((fd = accept4(ev->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < MAX_SUBSCRIBERS && ev->sub[i].fd >= 0; i++)
			;
		if (i == MAX_SUBSCRIBERS) {
			logmsg(LOG_WARNING, "events: too many subscribers, refusing one");
			close(fd);
			continue;
		}
		ev->sub[i].fd = fd;
		logmsg(LOG_DEBUG, "events: subscriber %d connected", fd);
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

static void sub_drop_slow(struct events *ev, struct subscriber *s)
{
	ev->dropped++;
	logmsg(LOG_WARNING, "events: subscriber %d too slow, dropped (%llu so far)", s->fd,
	       ev->dropped);
	sub_close(s);
}

static void events_send(struct events *ev, const char *line, size_t len)
{
	int i;

	for (i = 0; i < MAX_SUBSCRIBERS; i++) {
		struct subscriber *s = &ev->sub[i];
		char *q;

		if (s->fd < 0)
			continue;
		if (s->qlen + len > SUB_QUEUE_MAX) {
			sub_drop_slow(ev, s);
			continue;
		}
		q = realloc(s->q, s->qlen + len);
		if (!q) {
			sub_drop_slow(ev, s);
			continue;
		}
		s->q = q;
		memcpy(s->q + s->qlen, line, len);
		s->qlen += len;
		if (sub_flush(s)) {
			logmsg(LOG_DEBUG, "events: subscriber %d gone", s->fd);
			sub_close(s);
		}
	}
}

static void events_close(struct events *ev)
{
	int i;

	for (i = 0; i < MAX_SUBSCRIBERS; i++)
		if (ev->sub[i].fd >= 0)
			sub_close(&ev->sub[i]);
	if (ev->lfd >= 0) {
		close(ev->lfd);
		unlink(ev->path);
	}
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
static int event_json(const struct totem_event *e, char *buf, size_t len)
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

static void on_event(const struct totem_event *e, void *arg)
{
	struct events *ev = arg;
	char line[1024];
	int n = event_json(e, line, sizeof(line));

	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	logmsg(LOG_DEBUG, "event %.*s", n - 1, line);
	events_send(ev, line, n);
}

/* Subscribers to poll: always for input (EOF), for output when queued. */
static int events_pollfds(struct events *ev, struct pollfd *pfd)
{
	int i, n = 0;

	for (i = 0; i < MAX_SUBSCRIBERS; i++) {
		if (ev->sub[i].fd < 0)
			continue;
		pfd[n].fd = ev->sub[i].fd;
		pfd[n].events = POLLIN | (ev->sub[i].qlen ? POLLOUT : 0);
		pfd[n++].revents = 0;
	}
	return n;
}

/* Subscribers never send: readable means EOF or junk, drop them. */
static void events_revents(struct events *ev, const struct pollfd *pfd, int n)
{
	int i, j;

	for (j = 0; j < n; j++) {
		struct subscriber *sub = NULL;

		if (!pfd[j].revents)
			continue;
		for (i = 0; i < MAX_SUBSCRIBERS; i++)
			if (ev->sub[i].fd == pfd[j].fd)
				sub = &ev->sub[i];
		if (!sub)
			continue;
		if (pfd[j].revents & (POLLIN | POLLERR | POLLHUP)) {
			logmsg(LOG_DEBUG, "events: subscriber %d left", sub->fd);
			sub_close(sub);
		} else if (pfd[j].revents & POLLOUT && sub_flush(sub)) {
			sub_close(sub);
		}
	}
}

/* One log line with every key, as `totem config` would print it. */
static void log_config(const struct totem_config *cfg)
{
	char line[512] = "", v[64];
	unsigned int i;
	size_t n = 0;

	for (i = 0; totem_config_keys[i]; i++) {
		totem_config_format_kv(cfg, totem_config_keys[i], v, sizeof(v));
		n += snprintf(line + n, sizeof(line) - n, "%s%s=%s", i ? " " : "",
			      totem_config_keys[i], v);
		if (n >= sizeof(line))
			break;
	}
	logmsg(LOG_INFO, "config: %s", line);
}

/*
 * SIGHUP: re-read the file; apply the option keys to the running engine.
 * A bad file changes nothing.  backend and cgroup need a restart.
 */
static void reload(struct totem_engine *engine, enum totem_backend backend,
		   const char *path, bool must_exist, struct daemon_conf *file_conf,
		   struct daemon_conf *dc)
{
	struct daemon_conf nc;
	char err[1024];
	int ret;

	memset(&nc, 0, sizeof(nc));
	totem_config_default(&nc.cfg);
	nc.backend = TOTEM_BACKEND_AUTO;
	ret = conf_load(path, must_exist, &nc, err, sizeof(err));
	if (ret) {
		logmsg(LOG_ERR, "reload: %s; keeping the running config", err);
		return;
	}
	if (nc.backend != file_conf->backend || strcmp(nc.cgroup, file_conf->cgroup))
		logmsg(LOG_WARNING, "reload: backend and cgroup changes need a restart");
	ret = totem_engine_set_config(engine, &nc.cfg);
	if (ret) {
		logmsg(LOG_ERR, "reload: apply config to %s backend: %s",
		       totem_backend_name(backend), strerror(-ret));
		return;
	}
	dc->cfg = nc.cfg;
	logmsg(LOG_INFO, "reload: %s applied", path);
	log_config(&dc->cfg);
}

/* ---- main ---- */

static const enum totem_backend probe_order[] = {
	TOTEM_BACKEND_BPF,
	TOTEM_BACKEND_KMOD,
	TOTEM_BACKEND_PROC,
};

/*
 * Start the engine.  AUTO: the first path whose probe passes and that
 * starts; @reason says why it was chosen and why the others were not.
 */
static int engine_start(struct totem_engine **e, enum totem_backend want,
			const struct totem_engine_opts *o, enum totem_backend *got,
			char *reason, size_t len)
{
	char why[512], skipped[1024] = "";
	unsigned int i;
	int err = -ENOENT;

	if (want != TOTEM_BACKEND_AUTO) {
		err = totem_engine_probe(want, why, sizeof(why));
		if (err) {
			logmsg(LOG_ERR, "backend %s unavailable: %s", totem_backend_name(want),
			       why);
			return err;
		}
		snprintf(reason, len, "forced: %s", why);
		why[0] = '\0';
		err = totem_engine_start(e, want, o, why, sizeof(why));
		if (err) {
			/* the path's message may already end with strerror */
			if (strstr(why, strerror(-err)))
				logmsg(LOG_ERR, "start %s backend: %s",
				       totem_backend_name(want), why);
			else
				logmsg(LOG_ERR, "start %s backend: %s%s%s",
				       totem_backend_name(want), why, why[0] ? ": " : "",
				       strerror(-err));
			return err;
		}
		*got = want;
		return 0;
	}
	for (i = 0; i < sizeof(probe_order) / sizeof(probe_order[0]); i++) {
		enum totem_backend b = probe_order[i];
		size_t n = strlen(skipped);

		why[0] = '\0';
		err = totem_engine_probe(b, why, sizeof(why));
		if (!err) {
			char swhy[512] = "";

			snprintf(reason, len, "auto: %s%s%s", why, n ? "; passed over " : "",
				 skipped);
			err = totem_engine_start(e, b, o, swhy, sizeof(swhy));
			if (!err) {
				*got = b;
				return 0;
			}
			snprintf(why, sizeof(why), "start failed: %s: %s", swhy, strerror(-err));
		}
		snprintf(skipped + n, sizeof(skipped) - n, "%s%s: %s", n ? "; " : "",
			 totem_backend_name(b), why);
		logmsg(LOG_DEBUG, "backend %s not used: %s", totem_backend_name(b), why);
	}
	logmsg(LOG_ERR, "no backend can run here: %s", skipped);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "config", required_argument, NULL, 'C' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "test-config", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	const char *config_path = DEFAULT_CONFIG, *opt_backend = NULL, *opt_cgroup = NULL;
	bool foreground = false, test_only = false, config_given = false;
	struct totem_engine_opts eo = {};
	struct totem_engine *engine = NULL;
	struct events ev = { .lfd = -1 };
	enum totem_backend backend;
	struct daemon_conf dc, file_conf;
	char err[1024], reason[2048];
	struct pollfd pfd[3 + MAX_SUBSCRIBERS];
	sigset_t mask;
	int c, sfd, efd, rc = EXIT_FAILURE, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:c:C:ftvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			opt_backend = optarg;
			break;
		case 'c':
			opt_cgroup = optarg;
			break;
		case 'C':
			config_path = optarg;
			config_given = true;
			break;
		case 'f':
			foreground = true;
			break;
		case 't':
			test_only = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("totemd %s\n", TOTEM_VERSION);
			return 0;
		case ':':
			fprintf(stderr, "totemd: option '%s' needs an argument\n",
				argv[optind - 1]);
			usage(stderr);
			return EXIT_CONFIG;
		default:
			fprintf(stderr, "totemd: unknown option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return EXIT_CONFIG;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "totemd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_CONFIG;
	}

	memset(&dc, 0, sizeof(dc));
	totem_config_default(&dc.cfg);
	dc.backend = TOTEM_BACKEND_AUTO;
	ret = conf_load(config_path, config_given, &dc, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "totemd: %s\n", err);
		return ret == -EINVAL ? EXIT_CONFIG : EXIT_FAILURE;
	}
	file_conf = dc; /* what the file said, before the flags */
	if (opt_backend && totem_backend_parse(opt_backend, &dc.backend)) {
		fprintf(stderr, "totemd: unknown backend '%s' (auto, bpf, kmod, proc)\n",
			opt_backend);
		usage(stderr);
		return EXIT_CONFIG;
	}
	if (opt_cgroup)
		snprintf(dc.cgroup, sizeof(dc.cgroup), "%s", opt_cgroup);
	if (test_only) {
		printf("%s: ok\n", config_path);
		return 0;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	/* blocked and read from signalfd; an inherited SIG_IGN would drop them */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		fprintf(stderr, "totemd: signalfd: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}

	eo.cgroup = dc.cgroup[0] ? dc.cgroup : NULL;
	eo.config = &dc.cfg;
	eo.verbose = verbose;
	ret = engine_start(&engine, dc.backend, &eo, &backend, reason, sizeof(reason));
	if (ret)
		goto out_close_sfd;
	logmsg(LOG_INFO, "backend %s (%s)", totem_backend_name(backend), reason);
	log_config(&dc.cfg);

	ret = events_listen(&ev);
	if (ret)
		logmsg(LOG_WARNING, "events: %s/events.sock: %s; no event subscribers",
		       rundir(), strerror(-ret));

	if (!foreground) {
		/* errors so far went to the terminal; from here on, syslog */
		if (daemon(0, 0)) {
			logmsg(LOG_ERR, "daemon: %s", strerror(errno));
			goto out_stop;
		}
		openlog("totemd", LOG_PID, LOG_DAEMON);
		use_syslog = true;
	}
	{
		char *abs = realpath(config_path, NULL);

		ret = status_write(backend, reason, abs ? abs : config_path);
		free(abs);
	}
	if (ret)
		logmsg(LOG_WARNING, "%s/status: %s", rundir(), strerror(-ret));

	efd = totem_engine_event_fd(engine);
	for (;;) {
		int n = 0;

		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = efd, .events = POLLIN }; /* -1: ignored */
		pfd[n++] = (struct pollfd){ .fd = ev.lfd, .events = POLLIN };
		n += events_pollfds(&ev, pfd + n);
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			logmsg(LOG_ERR, "poll: %s", strerror(errno));
			goto out_stop;
		}
		events_revents(&ev, pfd + 3, n - 3);
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					reload(engine, backend, config_path, config_given,
					       &file_conf, &dc);
				} else {
					logmsg(LOG_INFO, "signal %d: stopping", si.ssi_signo);
					rc = EXIT_SUCCESS;
					goto out_stop;
				}
			}
		}
		if (efd >= 0 && pfd[1].revents) {
			ret = totem_engine_event_poll(engine, on_event, &ev);
			if (ret < 0 && ret != -EAGAIN && ret != -EINTR)
				logmsg(LOG_WARNING, "events: %s", strerror(-ret));
		}
		if (ev.lfd >= 0 && pfd[2].revents & POLLIN)
			events_accept(&ev);
	}

out_stop:
	events_close(&ev);
	totem_engine_stop(engine);
	status_remove();
	logmsg(LOG_INFO, "stopped");
out_close_sfd:
	close(sfd);
	return rc;
}
