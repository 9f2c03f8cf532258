// SPDX-License-Identifier: GPL-2.0
/*
 * tcpbench: the connection-rate and request/response loads of the totem
 * benchmarks (docs/performance.md), in the spirit of netperf's TCP_CRR and
 * TCP_RR but small enough to read in one sitting.
 *
 *   tcpbench serve ADDR PORT [-w WORKERS] [-1] [-r REQ] [-s RESP]
 *     listen on ADDR:PORT, fork WORKERS (default 4) processes that accept
 *     on the one socket; per connection read REQ bytes and answer RESP
 *     bytes, until EOF (or, with -1, once, then close: the server closes
 *     first, so TIME_WAIT stays on the server and the client can reuse
 *     its ports at any rate).  Prints "listening" when ready; stops on
 *     SIGTERM.
 *   tcpbench crr ADDR PORT [-n PROCS] [-t SECONDS] [-r REQ] [-s RESP]
 *     PROCS client processes (default 4) each loop until the deadline:
 *     connect, send REQ bytes, read RESP bytes, read EOF, close.
 *   tcpbench rr ADDR PORT [-n PROCS] [-t SECONDS] [-r REQ] [-s RESP]
 *     PROCS client processes (default 1), each with one long-lived
 *     connection (TCP_NODELAY), send REQ bytes and read RESP bytes in a
 *     loop until the deadline.
 *
 * The clients print one line, "crr|rr rate=R count=N seconds=S procs=P
 * errors=E": R is operations (connections or transactions) per second
 * over the time the processes ran, started together from one pipe.
 * Defaults: REQ 64, RESP 64 bytes.  Exit 1 if any process failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 256
#define MAX_MSG (1 << 20)

struct opts {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int procs;
	double seconds;
	size_t req;
	size_t resp;
	bool once;
};

/* What each client process reports to the parent through its pipe. */
struct result {
	uint64_t count;
	uint64_t errors;
	int64_t start_ns;
	int64_t end_ns;
};

static char buf[MAX_MSG];
static volatile sig_atomic_t stop;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tcpbench serve ADDR PORT [-w WORKERS] [-1] [-r REQ] [-s RESP]\n"
		"       tcpbench crr ADDR PORT [-n PROCS] [-t SECONDS] [-r REQ] [-s RESP]\n"
		"       tcpbench rr ADDR PORT [-n PROCS] [-t SECONDS] [-r REQ] [-s RESP]\n");
}

static int addr_parse(const char *addr, const char *port, struct opts *o)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&o->addr;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&o->addr;
	char *end;
	long p = strtol(port, &end, 10);

	if (*end || p <= 0 || p > 65535)
		return -EINVAL;
	memset(&o->addr, 0, sizeof(o->addr));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(p);
		o->addrlen = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(p);
		o->addrlen = sizeof(*s6);
		return 0;
	}
	return -EINVAL;
}

/* Read exactly @n bytes; 0 on success, 1 on EOF before any byte, -1 on error. */
static int read_full(int fd, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf, n - got);

		if (r < 0 && errno == EINTR && !stop)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return got ? -1 : 1;
		got += r;
	}
	return 0;
}

static int write_full(int fd, size_t n)
{
	size_t put = 0;

	while (put < n) {
		ssize_t w = write(fd, buf + put, n - put);

		if (w < 0 && errno == EINTR && !stop)
			continue;
		if (w < 0)
			return -1;
		put += w;
	}
	return 0;
}

/* ---- server ---- */

static void on_term(int sig)
{
	stop = 1;
}

static void serve_conn(int fd, const struct opts *o)
{
	for (;;) {
		if (read_full(fd, o->req))
			break;
		if (write_full(fd, o->resp))
			break;
		if (o->once)
			break;
	}
	close(fd);
}

static void worker(int lfd, const struct opts *o)
{
	struct sigaction sa = { .sa_handler = on_term };

	/* no SA_RESTART: SIGTERM must break a blocking accept() */
	sigaction(SIGTERM, &sa, NULL);
	while (!stop) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			continue;
		serve_conn(fd, o);
	}
	_exit(0);
}

static int cmd_serve(struct opts *o, int workers)
{
	pid_t pids[MAX_PROCS];
	int lfd, one = 1, i, n = 0;
	sigset_t mask;

	lfd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		perror("tcpbench: socket");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&o->addr, o->addrlen) || listen(lfd, 4096)) {
		perror("tcpbench: bind/listen");
		close(lfd);
		return 1;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	for (i = 0; i < workers; i++) {
		pid_t p = fork();

		if (p < 0) {
			perror("tcpbench: fork");
			break;
		}
		if (!p) {
			sigprocmask(SIG_UNBLOCK, &mask, NULL);
			worker(lfd, o);
		}
		pids[n++] = p;
	}
	close(lfd);
	if (n == workers) {
		printf("listening pid=%d workers=%d\n", (int)getpid(), n);
		fflush(stdout);
		sigwait(&mask, &i);
	}
	for (i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	for (i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
	return n == workers ? 0 : 1;
}

/* ---- clients ---- */

static int connect_one(const struct opts *o, bool nodelay)
{
	int fd, one = 1;

	fd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (nodelay)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&o->addr, o->addrlen)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void run_crr(const struct opts *o, int64_t deadline, struct result *r)
{
	while (now_ns() < deadline) {
		int fd = connect_one(o, true);

		if (fd < 0) {
			r->errors++;
			continue;
		}
		/* request, response, then the server's FIN */
		if (write_full(fd, o->req) || read_full(fd, o->resp) || read_full(fd, 1) != 1)
			r->errors++;
		else
			r->count++;
		close(fd);
	}
}

static void run_rr(const struct opts *o, int64_t deadline, struct result *r)
{
	int fd = connect_one(o, true);
	unsigned int i = 0;

	if (fd < 0) {
		r->errors++;
		return;
	}
	for (;;) {
		/* one clock read per 64 transactions keeps it off the profile */
		if (!(++i & 63) && now_ns() >= deadline)
			break;
		if (write_full(fd, o->req) || read_full(fd, o->resp)) {
			r->errors++;
			break;
		}
		r->count++;
	}
	close(fd);
}

static int cmd_client(const char *mode, struct opts *o)
{
	void (*run)(const struct opts *, int64_t, struct result *) =
		strcmp(mode, "crr") ? run_rr : run_crr;
	int go[2], res[MAX_PROCS], i, n = 0, failed = 0;
	pid_t pids[MAX_PROCS];
	struct result total = {}, r;
	int64_t first = INT64_MAX, last = 0;
	double secs;

	if (pipe(go)) {
		perror("tcpbench: pipe");
		return 1;
	}
	for (i = 0; i < o->procs; i++) {
		int p[2];
		pid_t pid;

		if (pipe(p)) {
			perror("tcpbench: pipe");
			break;
		}
		pid = fork();
		if (pid < 0) {
			perror("tcpbench: fork");
			close(p[0]);
			close(p[1]);
			break;
		}
		if (!pid) {
			char c;

			close(p[0]);
			close(go[1]);
			/* all start when the parent closes the pipe */
			while (read(go[0], &c, 1) < 0 && errno == EINTR)
				;
			memset(&r, 0, sizeof(r));
			r.start_ns = now_ns();
			run(o, r.start_ns + (int64_t)(o->seconds * 1e9), &r);
			r.end_ns = now_ns();
			if (write(p[1], &r, sizeof(r)) != sizeof(r))
				_exit(1);
			_exit(0);
		}
		close(p[1]);
		res[n] = p[0];
		pids[n++] = pid;
	}
	close(go[0]);
	close(go[1]);
	for (i = 0; i < n; i++) {
		int st;

		if (read(res[i], &r, sizeof(r)) != sizeof(r)) {
			failed++;
		} else {
			total.count += r.count;
			total.errors += r.errors;
			first = r.start_ns < first ? r.start_ns : first;
			last = r.end_ns > last ? r.end_ns : last;
		}
		close(res[i]);
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			failed++;
	}
	if (n < o->procs || failed || last <= first) {
		fprintf(stderr, "tcpbench: %d of %d client processes failed\n",
			o->procs - n + failed, o->procs);
		return 1;
	}
	secs = (last - first) / 1e9;
	printf("%s rate=%.1f count=%llu seconds=%.3f procs=%d errors=%llu\n", mode,
	       total.count / secs, (unsigned long long)total.count, secs, n,
	       (unsigned long long)total.errors);
	/* a run where most attempts failed measured nothing */
	return total.errors > total.count ? 1 : 0;
}

static int num_arg(const char *s, double min, double max, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return *end || end == s || *v < min || *v > max ? -EINVAL : 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .req = 64, .resp = 64, .seconds = 2 };
	const char *mode;
	int c, workers = 4;
	double v;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 4)
		goto usage_err;
	mode = argv[1];
	if (strcmp(mode, "serve") && strcmp(mode, "crr") && strcmp(mode, "rr"))
		goto usage_err;
	if (addr_parse(argv[2], argv[3], &o)) {
		fprintf(stderr, "tcpbench: invalid address '%s' port '%s'\n", argv[2], argv[3]);
		return 2;
	}
	o.procs = strcmp(mode, "rr") ? 4 : 1;
	optind = 4;
	while ((c = getopt(argc, argv, "w:n:t:r:s:1")) != -1) {
		switch (c) {
		case 'w':
		case 'n':
			if (num_arg(optarg, 1, MAX_PROCS, &v))
				goto usage_err;
			if (c == 'w')
				workers = v;
			else
				o.procs = v;
			break;
		case 't':
			if (num_arg(optarg, 0.01, 3600, &o.seconds))
				goto usage_err;
			break;
		case 'r':
		case 's':
			if (num_arg(optarg, 1, MAX_MSG, &v))
				goto usage_err;
			if (c == 'r')
				o.req = v;
			else
				o.resp = v;
			break;
		case '1':
			o.once = true;
			break;
		default:
			goto usage_err;
		}
	}
	if (optind != argc)
		goto usage_err;
	/* a server that went away must fail a write, not kill the client */
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(mode, "serve"))
		return cmd_serve(&o, workers);
	return cmd_client(mode, &o);

usage_err:
	usage(stderr);
	return 2;
}
