// SPDX-License-Identifier: GPL-2.0
/*
 * churn: many short TCP connections, for totem's lifecycle tests.
 *
 *   churn server ADDR PORT PROCS
 *     listen, print "listen pid=P", then PROCS processes accept, read
 *     one byte, write it back and close, forever.
 *   churn client ADDR PORT COUNT PROCS
 *     PROCS processes make COUNT connections in all: connect, write a
 *     byte, read it back, close with SO_LINGER 0 (an RST: no TIME_WAIT
 *     to use up the ports).  Prints "done ok=N failed=M" and exits 0
 *     when every connection worked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int addr_parse(const char *a, const char *p, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(atoi(p));
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(atoi(p));
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

static int one_conn(const struct sockaddr_storage *ss, socklen_t len)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char c = 'x';
	int fd, ok = -1;

	fd = socket(ss->ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (!connect(fd, (const struct sockaddr *)ss, len) && write(fd, &c, 1) == 1 &&
	    read(fd, &c, 1) == 1)
		ok = 0;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
	return ok;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int i, procs;

	if (argc < 5 || addr_parse(argv[2], argv[3], &ss, &len)) {
		fputs("usage: churn server ADDR PORT PROCS | client ADDR PORT COUNT PROCS\n",
		      stderr);
		return 2;
	}
	if (!strcmp(argv[1], "server")) {
		int one = 1, fd = socket(ss.ss_family, SOCK_STREAM, 0);

		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 4096)) {
			perror("churn: listen");
			return 1;
		}
		printf("listen pid=%d\n", getpid());
		fflush(stdout);
		procs = atoi(argv[4]);
		for (i = 1; i < procs; i++) {
			if (fork() == 0) {
				/* go with the first, which the test kills */
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				break;
			}
		}
		for (;;) {
			int c = accept(fd, NULL, NULL);
			char b;

			if (c < 0)
				continue;
			if (read(c, &b, 1) == 1 && write(c, &b, 1) != 1)
				b = 0;
			close(c);
		}
	}
	if (!strcmp(argv[1], "client") && argc >= 6) {
		long count = atol(argv[4]), ok = 0, failed = 0;
		long *res;

		procs = atoi(argv[5]);
		if (procs < 1)
			procs = 1;
		res = mmap(NULL, sizeof(long) * 2 * procs, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (res == MAP_FAILED)
			return 1;
		for (i = 0; i < procs; i++) {
			if (fork() == 0) {
				long k, n = count / procs + (i < count % procs);

				for (k = 0; k < n; k++) {
					if (one_conn(&ss, len))
						res[2 * i + 1]++;
					else
						res[2 * i]++;
				}
				_exit(0);
			}
		}
		while (wait(NULL) > 0)
			;
		for (i = 0; i < procs; i++) {
			ok += res[2 * i];
			failed += res[2 * i + 1];
		}
		printf("done ok=%ld failed=%ld\n", ok, failed);
		return ok == count ? 0 : 1;
	}
	return 2;
}
