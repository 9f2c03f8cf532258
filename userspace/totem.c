// SPDX-License-Identifier: GPL-2.0
/*
 * totem: who owns each TCP socket of this network namespace, and who is on
 * the other end.  Like ip(8) and bpftool(8), one print path serves text and
 * JSON (-j, -p): every value goes through print_*() with a JSON key and a
 * text format; text-only decoration uses PRINT_FP, JSON-only keys
 * PRINT_JSON.  Errors in JSON mode are {"error": "..."} on stdout.
 *
 * Exit status: 0 success, 1 runtime failure (the message names the object
 * that failed), 2 usage error (usage on stderr).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/utsname.h>

#include "libtotem.h"
#include "topology.h"

#ifndef TOTEM_VERSION
#define TOTEM_VERSION "0.1"
#endif

#define EXIT_USAGE 2

/* ---- output: one print path for text and JSON ---- */

enum print_type { PRINT_FP = 1,
		  PRINT_JSON = 2,
		  PRINT_ANY = 3 };

static bool json;
static bool pretty;
static int jdepth;
static bool jfirst[32] = { true };

static void json_indent(void)
{
	int i;

	if (!pretty)
		return;
	putchar('\n');
	for (i = 0; i < jdepth; i++)
		fputs("    ", stdout);
}

static void json_escape(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Start a value: separator, indentation and the key when in an object. */
static void json_key(const char *key)
{
	if (!jfirst[jdepth])
		putchar(',');
	jfirst[jdepth] = false;
	if (jdepth)
		json_indent();
	if (key) {
		json_escape(key);
		fputs(pretty ? ": " : ":", stdout);
	}
}

static void json_open(const char *key, char c)
{
	json_key(key);
	putchar(c);
	jdepth++;
	jfirst[jdepth] = true;
}

static void json_close(char c)
{
	bool empty = jfirst[jdepth];

	jdepth--;
	if (!empty)
		json_indent();
	putchar(c);
	if (!jdepth)
		putchar('\n');
}

static void open_json_object(const char *key)
{
	if (json)
		json_open(key, '{');
}

static void close_json_object(void)
{
	if (json)
		json_close('}');
}

static void open_json_array(const char *key)
{
	if (json)
		json_open(key, '[');
}

static void close_json_array(void)
{
	if (json)
		json_close(']');
}

static void print_string(enum print_type t, const char *key, const char *fmt, const char *val)
{
	if (json && (t & PRINT_JSON)) {
		json_key(key);
		if (val)
			json_escape(val);
		else
			fputs("null", stdout);
	} else if (!json && (t & PRINT_FP) && fmt) {
		printf(fmt, val ? val : "-");
	}
}

static void print_u64(enum print_type t, const char *key, const char *fmt, unsigned long long v)
{
	if (json && (t & PRINT_JSON)) {
		json_key(key);
		printf("%llu", v);
	} else if (!json && (t & PRINT_FP) && fmt) {
		printf(fmt, v);
	}
}

static void print_null(enum print_type t, const char *key, const char *fmt, const char *text)
{
	if (json && (t & PRINT_JSON)) {
		json_key(key);
		fputs("null", stdout);
	} else if (!json && (t & PRINT_FP) && fmt) {
		printf(fmt, text);
	}
}

static void print_nl(void)
{
	if (!json)
		putchar('\n');
}

/* ---- errors ---- */

static const char *prog = "totem";

static void verror(const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (json) {
		/* a partial document is never left open: errors come first */
		jdepth = 0;
		jfirst[0] = true;
		json_open(NULL, '{');
		print_string(PRINT_JSON, "error", NULL, msg);
		json_close('}');
		fflush(stdout);
	} else {
		fprintf(stderr, "%s: %s\n", prog, msg);
	}
}

/* Runtime failure: message names the object, exit 1. */
static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
	return EXIT_FAILURE;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: totem [OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  sockets [--pid PID] [--port PORT]  every TCP socket with its owner and peer\n"
		"  lookup LOCAL REMOTE                one socket (ADDR:PORT or [ADDR6]:PORT)\n"
		"  status                             backend, kernel and totemd's choice\n"
		"  stats                              counters\n"
		"  config [KEY [VALUE]]               show all, show one, or set one key\n"
		"  monitor [--history [--no-follow]]  events from totemd as they happen; first\n"
		"                                     the connections it saw close recently\n"
		"  topology [-f text|dot|json] [-n NS]... [-e FILE]...\n"
		"                                     processes and who connects to whom\n"
		"\n"
		"Options:\n"
		"  -j, --json            JSON output\n"
		"  -p, --pretty          indented JSON (implies -j)\n"
		"  -b, --backend NAME    auto (default), bpf, kmod or proc; also $TOTEM_BACKEND\n"
		"  -h, --help            this help\n"
		"  -V, --version         version\n"
		"\n"
		"Config keys: enable (syn,synack,data | none), sample_bytes, format4 (v1|v2),\n"
		"  format6 (v6|v2), host_id (decimal or 0xHEX), parse (on|off).\n"
		"Reports on the network namespace totem runs in (ip netns exec NS totem ...).\n");
}

/* Usage error: message, usage on stderr, exit 2. */
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
	if (!json)
		usage(stderr);
	else
		fprintf(stderr, "Try 'totem --help'.\n");
	return EXIT_USAGE;
}

/* ---- formatting of one socket ---- */

static void addr_str(int family, const __u8 *addr, char *buf, size_t len)
{
	if (!inet_ntop(family, addr, buf, len))
		snprintf(buf, len, "?");
}

static void endpoint_str(int family, const __u8 *addr, unsigned int port, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	addr_str(family, addr, a, sizeof(a));
	if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
}

static const char *format_name(unsigned int f)
{
	switch (f) {
	case TOTEM_FMT_V1:
		return "v1";
	case TOTEM_FMT_V2:
		return "v2";
	case TOTEM_FMT_V6:
		return "v6";
	default:
		return NULL;
	}
}

static void seen_str(unsigned int seen, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", seen & TOTEM_SEG_SYN ? "syn" : "",
		 (seen & TOTEM_SEG_SYN) && (seen & (TOTEM_SEG_SYNACK | TOTEM_SEG_DATA)) ? "," : "",
		 seen & TOTEM_SEG_SYNACK ? "synack" : "",
		 (seen & TOTEM_SEG_SYNACK) && (seen & TOTEM_SEG_DATA) ? "," : "",
		 seen & TOTEM_SEG_DATA ? "data" : "");
}

static const struct {
	unsigned int bit;
	const char *name;
} owner_flags[] = {
	{ TOTEM_OWNER_F_CREATOR, "creator" },
	{ TOTEM_OWNER_F_CONNECT, "connect" },
	{ TOTEM_OWNER_F_LISTENER, "listener" },
	{ TOTEM_OWNER_F_ACCEPT, "accept" },
	{ TOTEM_OWNER_F_SENDER, "sender" },
	{ TOTEM_OWNER_F_REUSEPORT, "reuseport" },
	{ TOTEM_OWNER_F_PROC, "proc" },
};

static bool peer_known(const struct totem_peer *p)
{
	return p->format || p->seen;
}

static void print_peer(const struct totem_peer *p, bool detail)
{
	char buf[INET6_ADDRSTRLEN + 16];
	static const struct {
		unsigned int bit;
		const char *name;
	} segs[] = {
		{ TOTEM_SEG_SYN, "syn" },
		{ TOTEM_SEG_SYNACK, "synack" },
		{ TOTEM_SEG_DATA, "data" },
	};
	unsigned int i;

	if (!peer_known(p)) {
		print_null(PRINT_ANY, "peer", detail ? "\tpeer %s\n" : "%s", "-");
		return;
	}
	open_json_object("peer");
	if (detail) {
		print_u64(PRINT_ANY, "pid", "\tpeer pid %llu", p->pid);
	} else {
		/* the table's Peer column: PID@ADDR or PID@#HOST */
		if (p->flags & TOTEM_PEER_F_ADDR && p->family) {
			char a[INET6_ADDRSTRLEN];

			addr_str(p->family, p->addr, a, sizeof(a));
			snprintf(buf, sizeof(buf), "%u@%s", p->pid, a);
		} else if (p->flags & TOTEM_PEER_F_HOST) {
			snprintf(buf, sizeof(buf), "%u@#%08x", p->pid, p->host_id);
		} else {
			snprintf(buf, sizeof(buf), "%u", p->pid);
		}
		print_string(PRINT_FP, NULL, "%s", buf);
		print_u64(PRINT_JSON, "pid", NULL, p->pid);
	}
	if (p->flags & TOTEM_PEER_F_HOST)
		print_u64(PRINT_ANY, "host", detail ? " host 0x%08llx" : NULL, p->host_id);
	else
		print_null(PRINT_JSON, "host", NULL, NULL);
	if (p->flags & TOTEM_PEER_F_ADDR && p->family) {
		addr_str(p->family, p->addr, buf, sizeof(buf));
		print_string(PRINT_ANY, "addr", detail ? " addr %s" : NULL, buf);
	} else {
		print_null(PRINT_JSON, "addr", NULL, NULL);
	}
	print_string(PRINT_ANY, "format", detail ? " format %s" : NULL, format_name(p->format));
	if (p->flags & TOTEM_PEER_F_SEQ)
		print_u64(PRINT_JSON, "seq", NULL, p->seq);
	else
		print_null(PRINT_JSON, "seq", NULL, NULL);
	open_json_array("seen");
	for (i = 0; i < 3; i++)
		if (p->seen & segs[i].bit)
			print_string(PRINT_JSON, NULL, NULL, segs[i].name);
	close_json_array();
	seen_str(p->seen, buf, sizeof(buf));
	print_string(PRINT_FP, NULL, detail ? " seen %s\n" : NULL, buf);
	close_json_object();
}

static void print_toa(const struct totem_toa *a, bool detail)
{
	char buf[INET6_ADDRSTRLEN];

	if (!a->family) {
		print_null(PRINT_ANY, "toa", detail ? "\ttoa %s\n" : NULL, "-");
		return;
	}
	open_json_object("toa");
	addr_str(a->family, a->addr, buf, sizeof(buf));
	print_string(PRINT_ANY, "addr", detail ? "\ttoa %s" : NULL, buf);
	print_u64(PRINT_ANY, "port", detail ? " port %llu" : NULL, ntohs(a->port));
	print_u64(PRINT_ANY, "kind", detail ? " kind %llu\n" : NULL, a->kind);
	close_json_object();
}

/*
 * One socket.  detail=false: a row of the sockets table (80 columns for
 * IPv4; IPv6 addresses widen their column, as in ss); detail=true: the
 * block `lookup` prints.  JSON: the same object either way.
 */
static void print_sock(const struct totem_sock *s, bool detail)
{
	const struct totem_owner *o = &s->rec.owner;
	char local[INET6_ADDRSTRLEN + 8], remote[INET6_ADDRSTRLEN + 8];
	char proc[40], comm[17];
	unsigned int i;

	endpoint_str(s->family, s->saddr, s->sport, local, sizeof(local));
	endpoint_str(s->family, s->daddr, s->dport, remote, sizeof(remote));
	memcpy(comm, o->comm, 16);
	comm[16] = '\0';

	open_json_object(NULL);
	print_string(PRINT_JSON, "family", NULL, s->family == AF_INET6 ? "inet6" : "inet");
	print_string(PRINT_ANY, "state", detail ? "%s" : "%-11s ",
		     totem_tcp_state_name(s->state));
	print_string(PRINT_ANY, "local", detail ? " %s" : "%-21s ", local);
	print_string(PRINT_ANY, "remote", detail ? " -> %s" : "%-21s ", remote);
	print_u64(PRINT_ANY, "netns", detail ? " netns %llu\n" : NULL, s->netns);
	print_u64(PRINT_JSON, "inode", NULL, s->inode);
	print_u64(PRINT_JSON, "cookie", NULL, s->cookie);
	if (o->tgid) {
		print_u64(PRINT_ANY, "pid", detail ? "\towner pid %llu" : NULL, o->tgid);
		print_string(PRINT_ANY, "comm", detail ? " comm %s" : NULL, comm);
		snprintf(proc, sizeof(proc), "%u/%s", o->tgid, comm);
	} else {
		print_null(PRINT_ANY, "pid", detail ? "\towner %s" : NULL, "unknown");
		print_null(PRINT_JSON, "comm", NULL, NULL);
		snprintf(proc, sizeof(proc), "-");
	}
	print_string(PRINT_FP, NULL, detail ? NULL : "%-15s ", proc);
	print_u64(PRINT_ANY, "uid", detail ? " uid %llu" : NULL, o->uid);
	print_u64(PRINT_ANY, "cgroup", detail ? " cgroup %llu" : NULL, o->cgroup_id);
	open_json_array("owner_flags");
	for (i = 0; i < sizeof(owner_flags) / sizeof(owner_flags[0]); i++) {
		if (!(o->flags & owner_flags[i].bit))
			continue;
		print_string(PRINT_JSON, NULL, NULL, owner_flags[i].name);
		print_string(PRINT_FP, NULL, detail ? " %s" : NULL, owner_flags[i].name);
	}
	close_json_array();
	if (detail)
		print_nl();
	print_peer(&s->rec.peer, detail);
	print_toa(&s->rec.toa, detail);
	close_json_object();
	if (!detail)
		print_nl();
}

/* ---- commands ---- */

static struct totem *open_totem(enum totem_backend b, int *rc)
{
	struct totem *t;
	int err = totem_open(&t, b);

	if (err) {
		const char *env = getenv("TOTEM_BACKEND");
		enum totem_backend eb;
		const char *name = totem_backend_name(b);
		const char *hint = "";

		/* say which backend failed, even when auto or $TOTEM_BACKEND chose it */
		if (b == TOTEM_BACKEND_AUTO && env && !totem_backend_parse(env, &eb))
			name = totem_backend_name(eb);
		if (err == -EACCES || err == -EPERM)
			hint = " (needs root)";
		else if (err == -ENOENT && !strcmp(name, "bpf"))
			hint = " (no maps pinned in " TOTEM_BPF_PIN_DIR ": is totemd running?)";
		else if (err == -ENOENT && !strcmp(name, "kmod"))
			hint = " (no \"" TOTEM_GENL_NAME "\" netlink family: module not loaded?)";
		*rc = fail("open %s backend: %s%s", name, strerror(-err), hint);
		return NULL;
	}
	return t;
}

struct sock_list {
	struct totem_sock *v;
	size_t n, cap;
	long pid; /* filter, -1: none */
	long port;
};

static int collect(const struct totem_sock *s, void *arg)
{
	struct sock_list *l = arg;

	if (l->pid >= 0 && s->rec.owner.tgid != l->pid)
		return 0;
	if (l->port >= 0 && s->sport != l->port && s->dport != l->port)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 128;
		struct totem_sock *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *s;
	return 0;
}

static int parse_ulong(const char *s, unsigned long max, long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int cmd_sockets(enum totem_backend b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'P' },
		{ "port", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct sock_list l = { .pid = -1, .port = -1 };
	struct totem *t;
	int c, err, rc = 0;
	size_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			if (parse_ulong(optarg, 0x7fffffff, &l.pid))
				return usage_error("sockets: invalid PID '%s'", optarg);
			break;
		case 'o':
			if (parse_ulong(optarg, 65535, &l.port))
				return usage_error("sockets: invalid port '%s'", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			return usage_error("sockets: option '%s' needs an argument",
					   argv[optind - 1]);
		default:
			return usage_error("sockets: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("sockets: unexpected argument '%s'", argv[optind]);

	t = open_totem(b, &rc);
	if (!t)
		return rc;
	err = totem_sock_dump(t, collect, &l);
	if (err) {
		rc = fail("sockets (%s backend): %s", totem_backend_name(totem_backend(t)),
			  strerror(-err));
		goto out;
	}
	open_json_array(NULL);
	if (!json)
		printf("%-11s %-21s %-21s %-15s %s\n", "State", "Local", "Remote", "Process",
		       "Peer");
	for (i = 0; i < l.n; i++)
		print_sock(&l.v[i], false);
	close_json_array();
out:
	free(l.v);
	totem_close(t);
	return rc;
}

static int cmd_lookup(enum totem_backend b, int argc, char **argv)
{
	struct totem_sock key = {}, out;
	__u8 fam2;
	struct totem *t;
	int err, rc = 0;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc != 3)
		return usage_error("lookup: need LOCAL and REMOTE");
	if (totem_endpoint_parse(argv[1], &key.family, key.saddr, &key.sport))
		return usage_error("lookup: invalid endpoint '%s' (ADDR:PORT or [ADDR6]:PORT)",
				   argv[1]);
	if (totem_endpoint_parse(argv[2], &fam2, key.daddr, &key.dport))
		return usage_error("lookup: invalid endpoint '%s' (ADDR:PORT or [ADDR6]:PORT)",
				   argv[2]);
	if (fam2 != key.family)
		return usage_error("lookup: '%s' and '%s' are not the same address family",
				   argv[1], argv[2]);

	t = open_totem(b, &rc);
	if (!t)
		return rc;
	err = totem_sock_lookup(t, &key, &out);
	if (err == -ENOENT)
		rc = fail("lookup %s %s: not found", argv[1], argv[2]);
	else if (err)
		rc = fail("lookup %s %s: %s", argv[1], argv[2], strerror(-err));
	else
		print_sock(&out, true);
	totem_close(t);
	return rc;
}

/* totemd's status file: key=value lines, see totemd.c. */
struct daemon_status {
	long pid;
	char backend[16];
	char reason[512];
	char started[64];
	char config[256];
};

static int read_daemon_status(struct daemon_status *d)
{
	char path[512], line[768];
	FILE *f;

	memset(d, 0, sizeof(*d));
	snprintf(path, sizeof(path), "%s/status", totem_rundir());
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, '=');

		if (!v)
			continue;
		*v++ = '\0';
		v[strcspn(v, "\n")] = '\0';
		if (!strcmp(line, "pid"))
			d->pid = strtol(v, NULL, 10);
		else if (!strcmp(line, "backend"))
			snprintf(d->backend, sizeof(d->backend), "%s", v);
		else if (!strcmp(line, "reason"))
			snprintf(d->reason, sizeof(d->reason), "%s", v);
		else if (!strcmp(line, "started"))
			snprintf(d->started, sizeof(d->started), "%s", v);
		else if (!strcmp(line, "config"))
			snprintf(d->config, sizeof(d->config), "%s", v);
	}
	fclose(f);
	/* a status file left by a totemd that died is not a running daemon */
	if (d->pid <= 0 || (kill(d->pid, 0) && errno == ESRCH))
		return -ESRCH;
	return 0;
}

static int cmd_status(enum totem_backend b, int argc, char **argv)
{
	struct daemon_status d;
	struct utsname u;
	struct totem *t;
	const char *env = getenv("TOTEM_BACKEND");
	const char *reason;
	int rc = 0;
	bool have_d;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc > 1)
		return usage_error("status: unexpected argument '%s'", argv[1]);
	t = open_totem(b, &rc);
	if (!t)
		return rc;
	uname(&u);
	have_d = !read_daemon_status(&d);

	if (b != TOTEM_BACKEND_AUTO)
		reason = "forced by --backend";
	else if (env && *env && strcmp(env, "auto"))
		reason = "forced by $TOTEM_BACKEND";
	else if (have_d && !strcmp(d.backend, totem_backend_name(totem_backend(t))))
		reason = d.reason;
	else if (totem_backend(t) == TOTEM_BACKEND_BPF)
		reason = "pinned map " TOTEM_BPF_PIN_DIR "/" TOTEM_BPF_SOCK_MAP " present";
	else if (totem_backend(t) == TOTEM_BACKEND_KMOD)
		reason = "generic netlink family " TOTEM_GENL_NAME " registered";
	else
		reason = "no pinned eBPF map and no totem netlink family: /proc only";

	open_json_object(NULL);
	print_string(PRINT_ANY, "backend", "backend  %s\n", totem_backend_name(totem_backend(t)));
	print_string(PRINT_ANY, "reason", "reason   %s\n", reason);
	print_string(PRINT_ANY, "kernel", "kernel   %s\n", u.release);
	if (have_d) {
		open_json_object("daemon");
		print_u64(PRINT_ANY, "pid", "totemd   pid %llu", d.pid);
		print_string(PRINT_ANY, "backend", " backend %s", d.backend);
		print_string(PRINT_ANY, "started", " since %s\n", d.started);
		print_string(PRINT_ANY, "reason", "         %s\n", d.reason);
		print_string(PRINT_ANY, "config", "config   %s\n", d.config[0] ? d.config : NULL);
		close_json_object();
	} else {
		print_null(PRINT_ANY, "daemon", "totemd   %s\n", "not running");
	}
	close_json_object();
	totem_close(t);
	return 0;
}

static int cmd_stats(enum totem_backend b, int argc, char **argv)
{
	__u64 ctr[TOTEM_CTR_MAX];
	struct totem *t;
	unsigned int i;
	int err, rc = 0;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc > 1)
		return usage_error("stats: unexpected argument '%s'", argv[1]);
	t = open_totem(b, &rc);
	if (!t)
		return rc;
	err = totem_stats_get(t, ctr);
	if (err) {
		rc = fail("stats (%s backend): %s", totem_backend_name(totem_backend(t)),
			  strerror(-err));
		goto out;
	}
	open_json_object(NULL);
	for (i = 0; i < TOTEM_CTR_MAX; i++) {
		print_string(PRINT_FP, NULL, "%-16s", totem_counter_name(i));
		print_u64(PRINT_ANY, totem_counter_name(i), " %12llu", ctr[i]);
		print_string(PRINT_FP, NULL, "  %s\n", totem_counter_desc(i));
	}
	close_json_object();
out:
	totem_close(t);
	return rc;
}

static void print_config_kv(const struct totem_config *cfg, const char *key, bool bare)
{
	char buf[64];

	totem_config_format_kv(cfg, key, buf, sizeof(buf));
	if (!json) {
		if (bare)
			printf("%s\n", buf);
		else
			printf("%s = %s\n", key, buf);
	} else if (!strcmp(key, "sample_bytes")) {
		print_u64(PRINT_JSON, key, NULL, cfg->sample_bytes);
	} else if (!strcmp(key, "host_id")) {
		print_u64(PRINT_JSON, key, NULL, cfg->host_id);
	} else {
		print_string(PRINT_JSON, key, NULL, buf);
	}
}

static int config_error(struct totem *t, const char *what, int err)
{
	const char *bn = totem_backend_name(totem_backend(t));

	if (err == -EPERM || err == -EACCES)
		return fail("%s: permission denied: setting the config needs CAP_NET_ADMIN",
			    what);
	if (err == -EOPNOTSUPP)
		return fail("%s: the %s backend has no config (nothing writes options)",
			    what, bn);
	return fail("%s (%s backend): %s", what, bn, strerror(-err));
}

static int cmd_config(enum totem_backend b, int argc, char **argv)
{
	struct totem_config cfg;
	struct totem *t;
	unsigned int i;
	int err, rc = 0;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc > 3)
		return usage_error("config: too many arguments");
	if (argc > 1 && !totem_config_key_known(argv[1]))
		return usage_error("config: unknown key '%s'", argv[1]);
	if (argc == 3) {
		/* check the value before touching the running config */
		totem_config_default(&cfg);
		if (totem_config_parse_kv(&cfg, argv[1], argv[2]))
			return usage_error("config: invalid value '%s' for %s", argv[2], argv[1]);
	}

	t = open_totem(b, &rc);
	if (!t)
		return rc;
	err = totem_config_get(t, &cfg);
	if (err) {
		rc = config_error(t, "config", err);
		goto out;
	}
	if (argc == 3) {
		totem_config_parse_kv(&cfg, argv[1], argv[2]);
		err = totem_config_set(t, &cfg);
		if (err) {
			char what[128];

			snprintf(what, sizeof(what), "config %s %s", argv[1], argv[2]);
			rc = config_error(t, what, err);
			goto out;
		}
	}
	open_json_object(NULL);
	if (argc >= 2) {
		print_config_kv(&cfg, argv[1], true);
	} else {
		for (i = 0; totem_config_keys[i]; i++)
			print_config_kv(&cfg, totem_config_keys[i], false);
	}
	close_json_object();
out:
	totem_close(t);
	return rc;
}

/*
 * Value of top-level @key in one of totemd's event lines (flat strings and
 * numbers; totemd writes the owner's fields before the nested peer).
 */
static void event_field(const char *line, const char *key, char *out, size_t len)
{
	char pat[32];
	const char *p;
	size_t n;

	snprintf(out, len, "-");
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	if (!p)
		return;
	p += strlen(pat);
	if (*p == '"') {
		p++;
		n = strcspn(p, "\"");
	} else {
		n = strcspn(p, ",}");
	}
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	if (!strcmp(out, "null"))
		snprintf(out, len, "-");
}

/*
 * monitor: totemd's events (libtotem's totem_monitor_*), -j passes its
 * JSON lines through (one object per line, like ip -j monitor), text
 * shows one line per event.  --history first prints the connections
 * totemd saw close recently; --no-follow stops after them.
 */
static int cmd_monitor(enum totem_backend b, int argc, char **argv)
{
	unsigned int flags = TOTEM_MONITOR_FOLLOW;
	struct totem_monitor *m;
	const char *line;
	int i, err;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--history") || !strcmp(argv[i], "-H"))
			flags |= TOTEM_MONITOR_HISTORY;
		else if (!strcmp(argv[i], "--no-follow"))
			flags &= ~TOTEM_MONITOR_FOLLOW;
		else
			return usage_error("monitor: unexpected argument '%s'", argv[i]);
	}
	if (!flags)
		return usage_error("monitor: %s", "--no-follow needs --history");
	err = totem_monitor_open(&m, flags);
	if (err)
		return fail("%s/events.sock: %s (is totemd running?)", totem_rundir(),
			    strerror(-err));
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((err = totem_monitor_next(m, &line)) > 0) {
		char ev[16], st[16], local[64], remote[64], pid[16], comm[32], peer[16];
		const char *pp;

		if (json) {
			puts(line);
			continue;
		}
		event_field(line, "event", ev, sizeof(ev));
		event_field(line, "state", st, sizeof(st));
		event_field(line, "local", local, sizeof(local));
		event_field(line, "remote", remote, sizeof(remote));
		event_field(line, "pid", pid, sizeof(pid));
		event_field(line, "comm", comm, sizeof(comm));
		pp = strstr(line, "\"peer\":{");
		if (pp)
			event_field(pp + 7, "pid", peer, sizeof(peer));
		else
			snprintf(peer, sizeof(peer), "-");
		printf("%-5s %-11s %-21s %-21s %s/%s peer %s\n", ev, st, local, remote, pid, comm,
		       peer);
	}
	totem_monitor_close(m);
	if (err < 0)
		return fail("events: %s", strerror(-err));
	return 0;
}

/* topology_cmd.c: nodes are processes, edges client -> server. */
static int cmd_topology(enum totem_backend b, int argc, char **argv)
{
	return totem_cmd_topology(b, argc, argv, json);
}

static const struct {
	const char *name;
	int (*fn)(enum totem_backend b, int argc, char **argv);
} cmds[] = {
	{ "sockets", cmd_sockets },
	{ "lookup", cmd_lookup },
	{ "status", cmd_status },
	{ "stats", cmd_stats },
	{ "config", cmd_config },
	{ "monitor", cmd_monitor },
	{ "topology", cmd_topology },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "backend", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	enum totem_backend backend = TOTEM_BACKEND_AUTO;
	const char *bname = NULL;
	unsigned int i;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:jpb:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			json = pretty = true;
			break;
		case 'b':
			bname = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("totem %s\n", TOTEM_VERSION);
			return 0;
		case ':':
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (bname && totem_backend_parse(bname, &backend))
		return usage_error("unknown backend '%s' (auto, bpf, kmod, proc)", bname);
	if (optind >= argc)
		return usage_error("no command");
	if (!strcmp(argv[optind], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(argv[optind], cmds[i].name)) {
			opterr = 0;
			return cmds[i].fn(backend, argc - optind, argv + optind);
		}
	}
	return usage_error("unknown command '%s'", argv[optind]);
}
