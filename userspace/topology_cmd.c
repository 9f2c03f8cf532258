// SPDX-License-Identifier: GPL-2.0
/*
 * `totem topology`: which process talks to which.
 *
 *   totem [-j] [-b BACKEND] topology [--format text|dot|json]
 *         [-n|--netns NAME]... [-e|--events FILE]... [--no-history]
 *
 * The sockets of each named network namespace (default: the caller's),
 * the closed connections totemd remembers (its history, when totemd runs)
 * and those recorded in FILE (lines of `totem -j monitor`, i.e. totemd's
 * event stream) go into one topology; closed connections count only for
 * the namespaces looked at.  All sockets are taken as seen on this host: its host
 * id is the one the backend's config reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "topology.h"

#define EXIT_USAGE 2
#define MAX_NETNS 64
#define MAX_EVENTS_FILES 16

static void topology_usage(FILE *f)
{
	fprintf(f,
		"Usage: totem [-j] [-b BACKEND] topology [OPTIONS]\n"
		"\n"
		"Process-level topology: nodes are processes, edges go from the client\n"
		"process to the server process with the number of connections.\n"
		"\n"
		"  -f, --format FMT   text (default; json with -j), dot (graphviz) or json\n"
		"  -n, --netns NAME   sockets of network namespace NAME (/run/netns/NAME,\n"
		"                     or a path); repeatable; default: this namespace\n"
		"  -e, --events FILE  closed connections from FILE, as written by\n"
		"                     `totem -j monitor`; repeatable; '-' is stdin\n"
		"      --no-history   leave out the closed connections totemd remembers\n"
		"                     (by default included when totemd runs)\n"
		"  -h, --help         this help\n"
		"\n"
		"  totem topology --format dot | dot -Tpng -o topology.png\n");
}

static int topo_fail(bool json, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (json) {
		char *c;

		for (c = msg; *c; c++)
			if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
				*c = '\'';
		printf("{\"error\":\"%s\"}\n", msg);
	} else {
		fprintf(stderr, "totem: %s\n", msg);
	}
	return 1;
}

static int topo_usage_error(const char *fmt, const char *arg)
{
	fputs("totem: topology: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n\n", stderr);
	topology_usage(stderr);
	return EXIT_USAGE;
}

struct dump_ctx {
	struct totem_topo *tp;
	__u32 host_id;
	int err;
};

static int add_one(const struct totem_sock *s, void *arg)
{
	struct dump_ctx *d = arg;

	d->err = totem_topo_add(d->tp, d->host_id, s, 0);
	return d->err;
}

/*
 * Dump the namespace we are in into @tp.  @host_id is set from the
 * backend's config; @netns gets the namespace's inode.
 */
static int dump_here(enum totem_backend b, struct totem_topo *tp, __u32 *host_id,
		     __u32 *netns, char *what, size_t len)
{
	struct dump_ctx d = { .tp = tp };
	struct totem_config cfg;
	struct totem *t;
	struct stat st;
	int err;

	if (stat("/proc/self/ns/net", &st)) {
		snprintf(what, len, "/proc/self/ns/net");
		return -errno;
	}
	*netns = st.st_ino;
	err = totem_open(&t, b);
	if (err) {
		snprintf(what, len, "open %s backend",
			 b == TOTEM_BACKEND_AUTO ? "auto" : totem_backend_name(b));
		return err;
	}
	/* host_id 0 in a config means "derived from /etc/machine-id" */
	if (totem_config_get(t, &cfg) || !cfg.host_id)
		totem_config_default(&cfg);
	*host_id = d.host_id = cfg.host_id;
	err = totem_sock_dump(t, add_one, &d);
	if (!err)
		err = d.err;
	if (err)
		snprintf(what, len, "socket dump (%s backend)",
			 totem_backend_name(totem_backend(t)));
	totem_close(t);
	return err;
}

static int netns_open(const char *name)
{
	char path[4096];

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static bool netns_wanted(const __u32 *ns, unsigned int n, __u32 netns)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ns[i] == netns)
			return true;
	return false;
}

/* One line of totemd's event stream: a close event counts. */
static int add_event_line(struct totem_topo *tp, const char *line, __u32 host_id,
			  const __u32 *ns, unsigned int nns)
{
	struct totem_sock s;

	/* a line cut short by a monitor killed mid-write is skipped */
	if (totem_topo_event_parse(line, &s) != 1)
		return 0;
	if (!netns_wanted(ns, nns, s.netns))
		return 0;
	return totem_topo_add(tp, host_id, &s, TOTEM_TOPO_CLOSED);
}

/*
 * The closed connections totemd remembers.  No totemd (no socket, or
 * nobody listening) means no history: not an error.
 */
static int add_history(struct totem_topo *tp, __u32 host_id, const __u32 *ns,
		       unsigned int nns)
{
	struct totem_monitor *m;
	const char *line;
	int err;

	err = totem_monitor_open(&m, TOTEM_MONITOR_HISTORY);
	if (err == -ENOENT || err == -ECONNREFUSED)
		return 0;
	if (err)
		return err;
	while ((err = totem_monitor_next(m, &line)) > 0) {
		err = add_event_line(tp, line, host_id, ns, nns);
		if (err)
			break;
	}
	totem_monitor_close(m);
	return err;
}

/* Closed connections from a `totem -j monitor` file. */
static int add_events(struct totem_topo *tp, const char *path, __u32 host_id,
		      const __u32 *ns, unsigned int nns)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char *line = NULL;
	size_t cap = 0;
	int err = 0;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		err = add_event_line(tp, line, host_id, ns, nns);
		if (err)
			break;
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	if (f != stdin)
		fclose(f);
	return err;
}

int totem_cmd_topology(enum totem_backend backend, int argc, char **argv, int json)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "netns", required_argument, NULL, 'n' },
		{ "events", required_argument, NULL, 'e' },
		{ "no-history", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	enum totem_topo_format fmt = json ? TOTEM_TOPO_JSON : TOTEM_TOPO_TEXT;
	const char *netns[MAX_NETNS], *events[MAX_EVENTS_FILES];
	unsigned int nnetns = 0, nevents = 0, nns = 0, i;
	__u32 ns_ino[MAX_NETNS + 1], host_id = 0;
	struct totem_topo *tp = NULL;
	char what[256];
	int c, err, rc = 1, home = -1;
	bool history = true;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:f:n:e:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (totem_topo_format_parse(optarg, &fmt))
				return topo_usage_error("unknown format '%s' (text, dot, json)",
							optarg);
			break;
		case 'n':
			if (nnetns == MAX_NETNS)
				return topo_usage_error("too many namespaces at '%s'", optarg);
			netns[nnetns++] = optarg;
			break;
		case 'e':
			if (nevents == MAX_EVENTS_FILES)
				return topo_usage_error("too many event files at '%s'", optarg);
			events[nevents++] = optarg;
			break;
		case 'N':
			history = false;
			break;
		case 'h':
			topology_usage(stdout);
			return 0;
		case ':':
			return topo_usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			return topo_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return topo_usage_error("unexpected argument '%s'", argv[optind]);
	json = fmt == TOTEM_TOPO_JSON;

	err = totem_topo_new(&tp);
	if (err)
		return topo_fail(json, "topology: %s", strerror(-err));
	if (!nnetns) {
		err = dump_here(backend, tp, &host_id, &ns_ino[nns++], what, sizeof(what));
		if (err) {
			topo_fail(json, "%s: %s", what, strerror(-err));
			goto out;
		}
	} else {
		home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (home < 0) {
			topo_fail(json, "/proc/self/ns/net: %s", strerror(errno));
			goto out;
		}
	}
	for (i = 0; i < nnetns; i++) {
		int fd = netns_open(netns[i]);

		if (fd < 0) {
			topo_fail(json, "netns %s: %s", netns[i], strerror(errno));
			goto out;
		}
		if (setns(fd, CLONE_NEWNET)) {
			topo_fail(json, "netns %s: setns: %s", netns[i], strerror(errno));
			close(fd);
			goto out;
		}
		close(fd);
		err = dump_here(backend, tp, &host_id, &ns_ino[nns++], what, sizeof(what));
		if (setns(home, CLONE_NEWNET)) {
			topo_fail(json, "back to our netns: setns: %s", strerror(errno));
			goto out;
		}
		if (err) {
			topo_fail(json, "netns %s: %s: %s", netns[i], what, strerror(-err));
			goto out;
		}
	}
	if (history) {
		err = add_history(tp, host_id, ns_ino, nns);
		if (err == -EACCES || err == -EPERM) {
			/* root and the totem group only: the live sockets still tell a lot */
			fprintf(stderr, "totem: topology: %s/events.sock: %s; closed connections "
					"left out\n",
				totem_rundir(), strerror(-err));
			err = 0;
		}
		if (err) {
			topo_fail(json, "totemd's history (%s/events.sock): %s", totem_rundir(),
				  strerror(-err));
			goto out;
		}
	}
	for (i = 0; i < nevents; i++) {
		err = add_events(tp, events[i], host_id, ns_ino, nns);
		if (err) {
			topo_fail(json, "events %s: %s", events[i], strerror(-err));
			goto out;
		}
	}
	err = totem_topo_print(tp, fmt, stdout);
	if (err) {
		topo_fail(json, "topology: %s", strerror(-err));
		goto out;
	}
	if (fflush(stdout)) {
		topo_fail(false, "stdout: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (home >= 0)
		close(home);
	totem_topo_free(tp);
	return rc;
}
