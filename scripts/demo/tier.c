// SPDX-License-Identifier: GPL-2.0
/*
 * One tier of the demo application: a tiny line-oriented service.
 *
 *   tier db     LISTEN                       answers "row N" to each line
 *   tier web    LISTEN UPSTREAM              answers each request by asking
 *                                            the db over ONE long-lived
 *                                            connection
 *   tier client SERVER COUNT [HOLD]          COUNT short-lived requests; then
 *                                            HOLD more connections kept open
 *
 * Each tier prints its PID so the demo can show that the attribution table
 * names the right process.  Addresses are "a.b.c.d:port".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse_addr(const char *s, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (!colon || colon - s >= (long)sizeof(host))
		return -1;
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(atoi(colon + 1));
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

static int listen_on(const char *addr)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	if (parse_addr(addr, &sin))
		return -1;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 128)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_to(const char *addr)
{
	struct sockaddr_in sin;
	int fd, tries;

	if (parse_addr(addr, &sin))
		return -1;
	for (tries = 0; tries < 100; tries++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			return -1;
		if (!connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
			return fd;
		close(fd);
		usleep(50000);	/* the upstream may still be starting */
	}
	return -1;
}

/* Read one line (without the newline); returns its length or -1 at EOF. */
static int read_line(int fd, char *buf, int size)
{
	int n = 0;

	while (n < size - 1) {
		ssize_t r = read(fd, buf + n, 1);

		if (r <= 0)
			return n ? n : -1;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return n;
}

static int write_line(int fd, const char *line)
{
	char buf[256];
	int len = snprintf(buf, sizeof(buf), "%s\n", line);

	return write(fd, buf, len) == len ? 0 : -1;
}

static int ask(int fd, const char *q, char *answer, int size)
{
	if (write_line(fd, q) || read_line(fd, answer, size) < 0)
		return -1;
	return 0;
}

#define MAX_CONN 64

/* One request line in, one answer line out; @upstream >= 0: web tier. */
static int answer_one(int c, int upstream, unsigned long *rows)
{
	char line[128], answer[100];

	if (read_line(c, line, sizeof(line)) < 0)
		return -1;
	if (upstream >= 0) {
		if (ask(upstream, "SELECT", answer, sizeof(answer)))
			return -1;
		snprintf(line, sizeof(line), "page(%s)", answer);
	} else {
		snprintf(line, sizeof(line), "row %lu", ++*rows);
	}
	return write_line(c, line);
}

/* Serve up to MAX_CONN connections at once with poll(). */
static int serve(int lfd, int upstream)
{
	struct pollfd pfd[MAX_CONN + 1] = { { .fd = lfd, .events = POLLIN } };
	unsigned long rows = 0;
	int n = 1, i;

	for (;;) {
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		for (i = n - 1; i >= 1; i--) {
			if (!pfd[i].revents)
				continue;
			if (answer_one(pfd[i].fd, upstream, &rows)) {
				close(pfd[i].fd);
				pfd[i] = pfd[--n];
			}
		}
		if ((pfd[0].revents & POLLIN) && n <= MAX_CONN) {
			int c = accept(lfd, NULL, NULL);

			if (c >= 0)
				pfd[n++] = (struct pollfd){ .fd = c, .events = POLLIN };
		}
	}
}

int main(int argc, char **argv)
{
	char answer[256];

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "db")) {
		int lfd = listen_on(argv[2]);

		if (lfd < 0) {
			perror(argv[2]);
			return 1;
		}
		printf("db pid %d listening on %s\n", getpid(), argv[2]);
		return serve(lfd, -1);
	}
	if (argc == 4 && !strcmp(argv[1], "web")) {
		int lfd = listen_on(argv[2]), up;

		if (lfd < 0) {
			perror(argv[2]);
			return 1;
		}
		up = connect_to(argv[3]);
		if (up < 0) {
			perror(argv[3]);
			return 1;
		}
		printf("web pid %d listening on %s, db connection to %s\n",
		       getpid(), argv[2], argv[3]);
		return serve(lfd, up);
	}
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "client")) {
		int count = atoi(argv[3]), hold = argc == 5 ? atoi(argv[4]) : 0;
		int i, fd;

		printf("client pid %d: %d requests to %s\n", getpid(), count,
		       argv[2]);
		for (i = 0; i < count + hold; i++) {
			fd = connect_to(argv[2]);
			if (fd < 0 || ask(fd, "GET /", answer, sizeof(answer))) {
				perror(argv[2]);
				return 1;
			}
			if (i < count)
				close(fd);	/* short-lived */
		}
		if (hold)
			pause();	/* keep the held connections open */
		return 0;
	}
	fprintf(stderr,
		"usage: %s db LISTEN | web LISTEN UPSTREAM | client SERVER COUNT [HOLD]\n",
		argv[0]);
	return 2;
}
