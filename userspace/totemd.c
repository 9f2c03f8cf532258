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
 * (backend, cgroup, history; daemon_conf.h).  Command-line flags override
 * the file.  An unknown key or a bad value is reported as FILE:LINE and
 * totemd exits 2 (a configuration error, like a usage error); runtime
 * failures exit 1.
 *
 * Signals: SIGTERM/SIGINT stop the engine (nothing left attached) and exit
 * 0; SIGHUP re-reads the file and applies the totem keys to the running
 * engine (backend and cgroup need a restart; a bad file keeps the running
 * config).  totemd records what it runs and why in $TOTEM_RUNDIR/status
 * (default /run/totem/status) for `totem status`, and serves events as
 * JSON lines on $TOTEM_RUNDIR/events.sock with a history of closed
 * connections (events.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
#include <sys/signalfd.h>
#include <sys/stat.h>

#include "libtotem.h"
#include "lib/engine.h"
#include "daemon_conf.h"
#include "events.h"

#ifndef TOTEM_VERSION
#define TOTEM_VERSION "0.1"
#endif

#define EXIT_CONFIG 2
#define DEFAULT_CONFIG "/etc/totem/totemd.conf"

static bool use_syslog;
int totemd_verbose;

void totemd_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !totemd_verbose)
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
		"  backend, cgroup, history (see totemd(8)).  SIGHUP re-reads the file.\n");
}

/* ---- status file for `totem status` ---- */

static int status_write(enum totem_backend b, const char *reason, const char *config)
{
	char path[512], tmp[520], when[64];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	if (mkdir(totem_rundir(), 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/status", totem_rundir());
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

	snprintf(path, sizeof(path), "%s/status", totem_rundir());
	unlink(path);
}

static void on_event(const struct totem_event *e, void *arg)
{
	struct totemd_events *ev = arg;

	if (ev)
		totemd_events_publish(ev, e);
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
	totemd_log(LOG_INFO, "config: %s", line);
}

/*
 * SIGHUP: re-read the file; apply the option keys to the running engine.
 * A bad file changes nothing.  backend and cgroup need a restart.
 */
static void reload(struct totem_engine *engine, struct totemd_events *ev,
		   enum totem_backend backend, const char *path, bool must_exist,
		   struct daemon_conf *file_conf, struct daemon_conf *dc)
{
	struct daemon_conf nc;
	char err[1024];
	int ret;

	totemd_conf_default(&nc);
	ret = totemd_conf_load(path, must_exist, &nc, err, sizeof(err));
	if (ret) {
		totemd_log(LOG_ERR, "reload: %s; keeping the running config", err);
		return;
	}
	if (nc.backend != file_conf->backend || strcmp(nc.cgroup, file_conf->cgroup))
		totemd_log(LOG_WARNING, "reload: backend and cgroup changes need a restart");
	ret = totem_engine_set_config(engine, &nc.cfg);
	if (ret) {
		totemd_log(LOG_ERR, "reload: apply config to %s backend: %s",
			   totem_backend_name(backend), strerror(-ret));
		return;
	}
	dc->cfg = nc.cfg;
	if (ev && nc.history != dc->history) {
		ret = totemd_events_set_history(ev, nc.history);
		if (ret)
			totemd_log(LOG_ERR, "reload: history = %u: %s; keeping %u", nc.history,
				   strerror(-ret), dc->history);
		else
			dc->history = nc.history;
	}
	totemd_log(LOG_INFO, "reload: %s applied", path);
	log_config(&dc->cfg);
	totemd_log(LOG_INFO, "config: history=%u", dc->history);
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
			totemd_log(LOG_ERR, "backend %s unavailable: %s", totem_backend_name(want),
				   why);
			return err;
		}
		snprintf(reason, len, "forced: %s", why);
		why[0] = '\0';
		err = totem_engine_start(e, want, o, why, sizeof(why));
		if (err) {
			/* the path's message may already end with strerror */
			if (strstr(why, strerror(-err)))
				totemd_log(LOG_ERR, "start %s backend: %s",
					   totem_backend_name(want), why);
			else
				totemd_log(LOG_ERR, "start %s backend: %s%s%s",
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
		totemd_log(LOG_DEBUG, "backend %s not used: %s", totem_backend_name(b), why);
	}
	totemd_log(LOG_ERR, "no backend can run here: %s", skipped);
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
	struct totemd_events *ev = NULL;
	enum totem_backend backend;
	struct daemon_conf dc, file_conf;
	char err[1024], reason[2048];
	struct pollfd pfd[3 + TOTEMD_MAX_SUBSCRIBERS];
	char evpath[512];
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
			totemd_verbose++;
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

	totemd_conf_default(&dc);
	ret = totemd_conf_load(config_path, config_given, &dc, err, sizeof(err));
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
	eo.verbose = totemd_verbose;
	ret = engine_start(&engine, dc.backend, &eo, &backend, reason, sizeof(reason));
	if (ret)
		goto out_close_sfd;
	totemd_log(LOG_INFO, "backend %s (%s)", totem_backend_name(backend), reason);
	log_config(&dc.cfg);
	totemd_log(LOG_INFO, "config: history=%u", dc.history);

	snprintf(evpath, sizeof(evpath), "%s/events.sock", totem_rundir());
	ret = mkdir(totem_rundir(), 0755) && errno != EEXIST ? -errno : 0;
	if (!ret)
		ret = totemd_events_open(&ev, evpath, dc.history);
	if (ret)
		totemd_log(LOG_WARNING, "events: %s: %s; no event subscribers", evpath,
			   strerror(-ret));

	if (!foreground) {
		/* errors so far went to the terminal; from here on, syslog */
		if (daemon(0, 0)) {
			totemd_log(LOG_ERR, "daemon: %s", strerror(errno));
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
		totemd_log(LOG_WARNING, "%s/status: %s", totem_rundir(), strerror(-ret));

	efd = totem_engine_event_fd(engine);
	for (;;) {
		int n = 0;

		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = efd, .events = POLLIN }; /* -1: ignored */
		if (ev)
			n += totemd_events_pollfds(ev, pfd + n);
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			totemd_log(LOG_ERR, "poll: %s", strerror(errno));
			goto out_stop;
		}
		if (ev)
			totemd_events_revents(ev, pfd + 2, n - 2);
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					reload(engine, ev, backend, config_path, config_given,
					       &file_conf, &dc);
				} else {
					totemd_log(LOG_INFO, "signal %d: stopping", si.ssi_signo);
					rc = EXIT_SUCCESS;
					goto out_stop;
				}
			}
		}
		if (efd >= 0 && pfd[1].revents) {
			ret = totem_engine_event_poll(engine, on_event, ev);
			if (ret < 0 && ret != -EAGAIN && ret != -EINTR)
				totemd_log(LOG_WARNING, "events: %s", strerror(-ret));
		}
	}

out_stop:
	totemd_events_close(ev);
	totem_engine_stop(engine);
	status_remove();
	totemd_log(LOG_INFO, "stopped");
out_close_sfd:
	close(sfd);
	return rc;
}
