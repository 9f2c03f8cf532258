// SPDX-License-Identifier: GPL-2.0
/*
 * sockfarm: hold many established TCP sockets for the query-path benchmark
 * (docs/performance.md).
 *
 *   sockfarm ADDR BASEPORT SOCKETS
 *
 * Makes SOCKETS / 2 connections to ADDR (both ends stay open, so SOCKETS
 * sockets are ESTABLISHED), spread over as many processes as the open-files
 * hard limit needs: process k listens on BASEPORT + k and connects to
 * itself.  When all are up it prints one line
 *   ready sockets=N procs=P pids=PID,PID,... local=ADDR:PORT remote=ADDR:PORT pid=PID
 * naming one client socket (local and remote end) in the middle of the last
 * batch of the middle process and that process's PID, then holds
 * everything until SIGTERM or SIGINT.  Exit 1 if any process failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define BATCH 1000
#define MAX_PROCS 128
#define SPARE_FDS 32

struct sample {
	char local[64];
	char remote[64];
	int ok;
};

static void endpoint(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	const struct sockaddr_in *s4 = (const void *)ss;
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s4->sin_port));
	}
}

/* One process: listen on @sa, make @conns connections to itself. */
static int farm(const struct sockaddr_storage *sa, socklen_t salen, long conns,
		struct sample *smp)
{
	struct sockaddr_storage local;
	socklen_t len;
	int lfd, fd, one = 1;
	long done = 0, i, n;

	lfd = socket(sa->ss_family, SOCK_STREAM, 0);
	if (lfd < 0)
		return -errno;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (const struct sockaddr *)sa, salen) || listen(lfd, 4096))
		return -errno;
	while (done < conns) {
		n = conns - done < BATCH ? conns - done : BATCH;
		/* a loopback connect completes into the accept queue */
		for (i = 0; i < n; i++) {
			fd = socket(sa->ss_family, SOCK_STREAM, 0);
			if (fd < 0 || connect(fd, (const struct sockaddr *)sa, salen))
				return -errno;
			if (i == n / 2) {
				len = sizeof(local);
				getsockname(fd, (struct sockaddr *)&local, &len);
				endpoint(&local, smp->local, sizeof(smp->local));
				endpoint(sa, smp->remote, sizeof(smp->remote));
			}
		}
		for (i = 0; i < n; i++)
			if (accept(lfd, NULL, NULL) < 0)
				return -errno;
		done += n;
	}
	smp->ok = 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage sa = {};
	struct sockaddr_in6 *s6 = (void *)&sa;
	struct sockaddr_in *s4 = (void *)&sa;
	pid_t pids[MAX_PROCS];
	int res[MAX_PROCS];
	struct sample smp, mid = {};
	struct rlimit rl;
	long sockets, conns, per, left;
	int base, procs, i, sig, failed = 0;
	socklen_t salen;
	sigset_t mask;

	if (argc != 4) {
		fprintf(stderr, "Usage: sockfarm ADDR BASEPORT SOCKETS\n");
		return 2;
	}
	base = atoi(argv[2]);
	sockets = atol(argv[3]);
	if (inet_pton(AF_INET, argv[1], &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		salen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, argv[1], &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		salen = sizeof(*s6);
	} else {
		fprintf(stderr, "sockfarm: invalid address '%s'\n", argv[1]);
		return 2;
	}
	if (base <= 0 || sockets < 2) {
		fprintf(stderr, "sockfarm: invalid port or socket count\n");
		return 2;
	}
	/* every connection costs two descriptors in its process */
	if (getrlimit(RLIMIT_NOFILE, &rl)) {
		perror("sockfarm: getrlimit");
		return 1;
	}
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		perror("sockfarm: setrlimit");
		return 1;
	}
	conns = sockets / 2;
	per = ((long)rl.rlim_cur - SPARE_FDS) / 2;
	procs = (conns + per - 1) / per;
	if (procs > MAX_PROCS || base + procs > 65535) {
		fprintf(stderr, "sockfarm: %ld sockets need %d processes\n", sockets, procs);
		return 1;
	}
	per = (conns + procs - 1) / procs;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	left = conns;
	for (i = 0; i < procs; i++) {
		long mine = left < per ? left : per;
		int p[2], err;

		left -= mine;
		if (pipe(p)) {
			perror("sockfarm: pipe");
			return 1;
		}
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("sockfarm: fork");
			return 1;
		}
		if (!pids[i]) {
			close(p[0]);
			if (sa.ss_family == AF_INET6)
				s6->sin6_port = htons(base + i);
			else
				s4->sin_port = htons(base + i);
			memset(&smp, 0, sizeof(smp));
			err = farm(&sa, salen, mine, &smp);
			if (err)
				fprintf(stderr, "sockfarm: process %d: %s\n", i, strerror(-err));
			if (write(p[1], &smp, sizeof(smp)) != sizeof(smp))
				_exit(1);
			/* hold the sockets until the parent says stop */
			sigwait(&mask, &sig);
			_exit(err ? 1 : 0);
		}
		close(p[1]);
		res[i] = p[0];
	}
	for (i = 0; i < procs; i++) {
		if (read(res[i], &smp, sizeof(smp)) != sizeof(smp) || !smp.ok)
			failed++;
		else if (i == procs / 2)
			mid = smp;
		close(res[i]);
	}
	if (!failed) {
		printf("ready sockets=%ld procs=%d pids=", conns * 2, procs);
		for (i = 0; i < procs; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf(" local=%s remote=%s pid=%d\n", mid.local, mid.remote,
		       (int)pids[procs / 2]);
		fflush(stdout);
		sigwait(&mask, &sig);
	}
	for (i = 0; i < procs; i++)
		kill(pids[i], SIGTERM);
	for (i = 0; i < procs; i++) {
		int st;

		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			failed++;
	}
	return failed ? 1 : 0;
}
