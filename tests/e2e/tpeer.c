// SPDX-License-Identifier: GPL-2.0
/*
 * tpeer: the client and server of totem's end-to-end tests.  Each prints
 * what it did as key=value lines (its PIDs, addresses, payload hashes), so
 * the test can hold every TCP option on the wire against a process.
 *
 *   tpeer server ADDR PORT plain|fork|pass|prefork|reuseport REQ RESP
 *     listen, print "listen pid=P", accept one connection, then do the I/O
 *     in this process (plain), in a child forked after accept (fork), in
 *     a worker started before accept that receives the socket over
 *     SCM_RIGHTS (pass), or accept and serve in a child forked after
 *     listen (prefork, "accept pid=CHILD"), or in whichever of two
 *     SO_REUSEPORT listeners gets it (reuseport: "listen2 pid=P" is the
 *     second): print "io pid=P local=.. remote=..", read
 *     REQ_BYTES ("rx bytes=N hash=H"), send RESP_BYTES ("tx ...").
 *   tpeer client ADDR PORT plain|fork REQ_BYTES RESP_BYTES
 *     connect, print "connect pid=P ...", send REQ_BYTES (from a forked
 *     child, "sender pid=P", when fork), read RESP_BYTES.
 * With TPEER_HOLD=PATH in the environment both keep the connection open
 * (printing "hold") until PATH exists, so the test can query totem.  With
 * TPEER_LISTEN_WAIT=PATH the server prints "bound" after bind() and calls
 * listen() once PATH exists.
 * Payload: byte i of a stream is (i * 7 + i / 251) & 0xff; hash: FNV-1a 64.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "tpeer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ULL

static int sockaddr_parse(const char *addr, const char *port,
			  struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(atoi(port));
		*len = sizeof(*s4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(atoi(port));
		*len = sizeof(*s6);
		return AF_INET6;
	}
	fprintf(stderr, "tpeer: bad address %s\n", addr);
	exit(2);
}

static const char *ep(const struct sockaddr_storage *ss, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		snprintf(buf, n, "%s:%u", a, ntohs(s->sin_port));
	} else {
		const struct sockaddr_in6 *s = (const void *)ss;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		snprintf(buf, n, "[%s]:%u", a, ntohs(s->sin6_port));
	}
	return buf;
}

static void print_ends(const char *tag, int fd)
{
	struct sockaddr_storage l, r;
	socklen_t ll = sizeof(l), rl = sizeof(r);
	char lb[80], rb[80];

	if (getsockname(fd, (void *)&l, &ll) || getpeername(fd, (void *)&r, &rl))
		die("getsockname");
	printf("%s pid=%d local=%s remote=%s\n", tag, (int)getpid(),
	       ep(&l, lb, sizeof(lb)), ep(&r, rb, sizeof(rb)));
	fflush(stdout);
}

static void send_stream(int fd, unsigned long n, const char *tag)
{
	unsigned char buf[65536];
	uint64_t h = FNV_INIT;
	unsigned long i = 0;

	while (i < n) {
		size_t k, chunk = n - i < sizeof(buf) ? n - i : sizeof(buf);
		ssize_t w;

		for (k = 0; k < chunk; k++)
			buf[k] = ((i + k) * 7 + (i + k) / 251) & 0xff;
		w = write(fd, buf, chunk);
		if (w < 0)
			die("write");
		h = fnv(h, buf, w);
		i += w;
	}
	printf("%s bytes=%lu hash=%016llx\n", tag, n, (unsigned long long)h);
	fflush(stdout);
}

static void recv_stream(int fd, unsigned long want, const char *tag)
{
	unsigned char buf[65536];
	uint64_t h = FNV_INIT;
	unsigned long n = 0;
	ssize_t r = 1;

	while (n < want) {
		size_t chunk = want - n < sizeof(buf) ? want - n : sizeof(buf);

		r = read(fd, buf, chunk);
		if (r <= 0)
			break;
		h = fnv(h, buf, r);
		n += r;
	}
	if (r < 0)
		die("read");
	printf("%s bytes=%lu hash=%016llx\n", tag, n, (unsigned long long)h);
	fflush(stdout);
}

/* With $ENV=PATH set, print TAG and wait until PATH exists. */
static void wait_for(const char *env, const char *tag)
{
	const char *path = getenv(env);

	if (!path)
		return;
	printf("%s\n", tag);
	fflush(stdout);
	while (access(path, F_OK))
		usleep(10000);
}

static void hold(void)
{
	wait_for("TPEER_HOLD", "hold");
}

static void serve(int fd, unsigned long req, unsigned long resp)
{
	print_ends("io", fd);
	recv_stream(fd, req, "rx");
	send_stream(fd, resp, "tx");
	hold();
	close(fd);
}

static int recv_fd(int us)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = { 0 };
	struct cmsghdr *cm;
	int fd;

	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	if (recvmsg(us, &m, 0) <= 0)
		die("recvmsg");
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		die("no SCM_RIGHTS");
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

static void send_fd(int us, int fd)
{
	char c = 0, cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { &c, 1 };
	struct msghdr m = { 0 };
	struct cmsghdr *cm;

	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = cbuf;
	m.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	if (sendmsg(us, &m, 0) != 1)
		die("sendmsg");
}

/* Accept one connection on @lfd once it is readable, or 0 if @quit is. */
static int accept_or_quit(int lfd, int quit)
{
	struct pollfd p[2] = { { .fd = lfd, .events = POLLIN },
			       { .fd = quit, .events = POLLIN } };
	int fd;

	for (;;) {
		if (poll(p, quit >= 0 ? 2 : 1, 50) < 0 && errno != EINTR)
			die("poll");
		if (p[0].revents & POLLIN)
			break;
		if (quit >= 0 && p[1].revents)
			return 0;
		if (quit < 0 && getppid() == 1)
			exit(0);	/* the other listener served and left */
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	printf("accept pid=%d\n", (int)getpid());
	fflush(stdout);
	return fd;
}

/*
 * Two processes listen on the port with SO_REUSEPORT (this one and a
 * child with its own socket, "listen2 pid=P"); whichever the kernel gives
 * the connection accepts and serves, the other leaves.
 */
static int reuseport(int fam, struct sockaddr_storage *ss, socklen_t len,
		     int lfd, unsigned long req, unsigned long resp)
{
	int one = 1, done[2], cfd;
	pid_t child;

	if (pipe(done))
		die("pipe");
	child = fork();
	if (child < 0)
		die("fork");
	if (!child) {
		close(done[0]);
		close(lfd);
		lfd = socket(fam, SOCK_STREAM, 0);
		if (lfd < 0)
			die("socket");
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		if (bind(lfd, (void *)ss, len) || listen(lfd, 16))
			die("bind/listen (second listener)");
		printf("listen2 pid=%d\n", (int)getpid());
		fflush(stdout);
		cfd = accept_or_quit(lfd, -1);
		close(lfd);
		serve(cfd, req, resp);
		_exit(0);	/* closes done[1]: the parent leaves */
	}
	close(done[1]);
	cfd = accept_or_quit(lfd, done[0]);
	close(lfd);
	if (cfd) {
		serve(cfd, req, resp);
		kill(child, SIGTERM);
	}
	waitpid(child, NULL, 0);
	return 0;
}

static int server(char **argv)
{
	const char *mode = argv[4];
	unsigned long req = strtoul(argv[5], NULL, 0);
	unsigned long resp = strtoul(argv[6], NULL, 0);
	struct sockaddr_storage ss;
	int fam, lfd, cfd, one = 1, us[2] = { -1, -1 };
	socklen_t len;
	pid_t worker = 0, child;

	fam = sockaddr_parse(argv[2], argv[3], &ss, &len);
	if (!strcmp(mode, "pass")) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, us))
			die("socketpair");
		worker = fork();
		if (worker < 0)
			die("fork");
		if (!worker) {
			close(us[0]);
			printf("worker pid=%d\n", (int)getpid());
			fflush(stdout);
			serve(recv_fd(us[1]), req, resp);
			_exit(0);
		}
		close(us[1]);
	}
	lfd = socket(fam, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!strcmp(mode, "reuseport"))
		setsockopt(lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(lfd, (void *)&ss, len))
		die("bind");
	wait_for("TPEER_LISTEN_WAIT", "bound");
	if (listen(lfd, 16))
		die("listen");
	printf("listen pid=%d\n", (int)getpid());
	fflush(stdout);
	if (!strcmp(mode, "reuseport"))
		return reuseport(fam, &ss, len, lfd, req, resp);
	if (!strcmp(mode, "prefork")) {
		/* the listener's child accepts and serves */
		child = fork();
		if (child < 0)
			die("fork");
		if (child) {
			close(lfd);
			waitpid(child, NULL, 0);
			return 0;
		}
	}
	cfd = accept(lfd, NULL, NULL);
	if (cfd < 0)
		die("accept");
	printf("accept pid=%d\n", (int)getpid());
	fflush(stdout);
	close(lfd);
	if (!strcmp(mode, "fork")) {
		child = fork();
		if (child < 0)
			die("fork");
		if (!child) {
			serve(cfd, req, resp);
			_exit(0);
		}
		close(cfd);
		waitpid(child, NULL, 0);
	} else if (!strcmp(mode, "pass")) {
		send_fd(us[0], cfd);
		close(cfd);
		waitpid(worker, NULL, 0);
	} else {
		serve(cfd, req, resp);
	}
	return 0;
}

static int client(char **argv)
{
	const char *mode = argv[4];
	unsigned long req = strtoul(argv[5], NULL, 0);
	unsigned long resp = strtoul(argv[6], NULL, 0);
	struct sockaddr_storage ss;
	socklen_t len;
	int fam, fd;
	pid_t child;

	fam = sockaddr_parse(argv[2], argv[3], &ss, &len);
	fd = socket(fam, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (void *)&ss, len))
		die("connect");
	print_ends("connect", fd);
	if (!strcmp(mode, "fork")) {
		child = fork();
		if (child < 0)
			die("fork");
		if (!child) {
			printf("sender pid=%d\n", (int)getpid());
			send_stream(fd, req, "tx");
			_exit(0);
		}
		waitpid(child, NULL, 0);
	} else {
		send_stream(fd, req, "tx");
	}
	recv_stream(fd, resp, "rx");
	hold();
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 7) {
		fprintf(stderr,
			"usage: tpeer server|client ADDR PORT MODE REQ_BYTES RESP_BYTES\n");
		return 2;
	}
	if (!strcmp(argv[1], "server"))
		return server(argv);
	if (!strcmp(argv[1], "client"))
		return client(argv);
	fprintf(stderr, "tpeer: unknown role %s\n", argv[1]);
	return 2;
}
