// SPDX-License-Identifier: GPL-2.0
/*
 * rawtcp: crafted TCP segments for totem's hardening tests, over raw IPv4
 * sockets (no Python needed, so it runs inside the QEMU guests too).
 *
 *   rawtcp listen ADDR PORT
 *     accept connections forever, read and discard what they send, keep
 *     them open; prints "listen pid=P" once listening.
 *   rawtcp conn SRC SPORT DST DPORT [-s HEX] [-S DOFF] [-P N]
 *               [-a HEX [-A DOFF] [-d N]]... [-w MS]
 *     send a SYN from SRC:SPORT whose option area is the bytes HEX (-s),
 *     padded with zeros (EOL) to a multiple of 4, with data offset DOFF
 *     words if -S is given (it may then disagree with the bytes: shorter
 *     makes an option run into the payload, longer than the packet makes
 *     the offset point past its end) and N payload bytes (-P); wait MS ms
 *     (default 2000) for the SYN-ACK and print "synack seq=S" (or
 *     "nosynack" and exit 3); answer with a plain ACK, then send one
 *     in-window ACK segment per -a with that option area (-A, -d as for
 *     the SYN), each followed by a 20 ms pause; print "done sent=N".
 *     Nothing is closed: the connection stays established on the peer.
 *
 * The local stack knows nothing of SPORT and answers the SYN-ACK with a
 * RST; the test drops outgoing RSTs on the sender's interface (tc).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_OPTS 60
#define MAX_PAYLOAD 1024
#define MAX_SEGS 16

struct seg_spec {
	uint8_t opts[MAX_OPTS];
	int optlen;	/* bytes written after the fixed header */
	int doff;	/* words; 0: derived from optlen */
	int payload;
};

static void die(const char *what)
{
	fprintf(stderr, "rawtcp: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fputs("usage: rawtcp listen ADDR PORT\n"
	      "       rawtcp conn SRC SPORT DST DPORT [-s HEX] [-S DOFF] [-P N]\n"
	      "              [-a HEX [-A DOFF] [-d N]]... [-w MS]\n",
	      stderr);
	exit(2);
}

static int hex_parse(const char *s, struct seg_spec *sp)
{
	int n = 0;

	if (!strcmp(s, "-"))
		s = "";
	while (s[0] && s[1]) {
		unsigned int b;

		if (n >= MAX_OPTS || sscanf(s, "%2x", &b) != 1)
			return -1;
		sp->opts[n++] = b;
		s += 2;
	}
	if (*s)
		return -1;
	/* pad to a multiple of 4 with EOL */
	while (n % 4 && n < MAX_OPTS)
		sp->opts[n++] = 0;
	sp->optlen = n;
	return 0;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (n & 1)
		sum += p[n - 1] << 8;
	return sum;
}

/* Build and send one segment; returns the payload length sent. */
static int send_seg(int fd, struct in_addr src, struct in_addr dst, uint16_t sport,
		    uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
		    const struct seg_spec *sp)
{
	uint8_t pkt[20 + 20 + MAX_OPTS + MAX_PAYLOAD], pseudo[12];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct tcphdr *th = (struct tcphdr *)(pkt + 20);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = dst };
	size_t tcplen = 20 + sp->optlen + sp->payload;
	uint32_t sum;
	int doff = sp->doff ? sp->doff : (20 + sp->optlen) / 4;
	int i;

	memset(pkt, 0, sizeof(pkt));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->tot_len = htons(20 + tcplen);
	ip->frag_off = htons(IP_DF);
	ip->saddr = src.s_addr;
	ip->daddr = dst.s_addr;
	th->source = htons(sport);
	th->dest = htons(dport);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff = doff;
	((uint8_t *)th)[13] = flags;
	th->window = htons(65535);
	memcpy(pkt + 40, sp->opts, sp->optlen);
	/* payload: a recognisable pattern that is not an option area */
	for (i = 0; i < sp->payload; i++)
		pkt[40 + sp->optlen + i] = 'a' + i % 26;
	memcpy(pseudo, &ip->saddr, 4);
	memcpy(pseudo + 4, &ip->daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = tcplen >> 8;
	pseudo[11] = tcplen & 0xff;
	sum = csum_add(0, pseudo, sizeof(pseudo));
	sum = csum_add(sum, (uint8_t *)th, tcplen);
	th->check = htons(csum_fold(sum));
	if (sendto(fd, pkt, 20 + tcplen, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		die("sendto");
	return sp->payload;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for the SYN-ACK of our SYN; 0 and its seq, or -1 on timeout. */
static int wait_synack(int rfd, struct in_addr peer, uint16_t sport, uint16_t dport,
		       uint32_t isn, int ms, uint32_t *seq)
{
	long end = now_ms() + ms;
	uint8_t buf[2048];

	for (;;) {
		struct pollfd p = { .fd = rfd, .events = POLLIN };
		long left = end - now_ms();
		struct iphdr *ip = (struct iphdr *)buf;
		struct tcphdr *th;
		ssize_t n;

		if (left <= 0)
			return -1;
		if (poll(&p, 1, left) <= 0)
			continue;
		n = recv(rfd, buf, sizeof(buf), 0);
		if (n < (ssize_t)sizeof(*ip) || n < ip->ihl * 4 + 20)
			continue;
		th = (struct tcphdr *)(buf + ip->ihl * 4);
		if (ip->saddr != peer.s_addr || ntohs(th->source) != dport ||
		    ntohs(th->dest) != sport || !th->syn || !th->ack ||
		    ntohl(th->ack_seq) != isn + 1)
			continue;
		*seq = ntohl(th->seq);
		return 0;
	}
}

static int do_listen(const char *addr, const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1, fd, c;
	char buf[4096];

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		usage();
	sa.sin_port = htons(atoi(port));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 128))
		die("bind/listen");
	printf("listen pid=%d\n", getpid());
	fflush(stdout);
	/* accept and drain; the connections are never closed by us */
	for (;;) {
		struct pollfd p[256];
		int i, n = 1;

		p[0].fd = fd;
		p[0].events = POLLIN;
		for (;;) {
			if (poll(p, n, -1) < 0)
				die("poll");
			if (p[0].revents & POLLIN) {
				c = accept(fd, NULL, NULL);
				if (c >= 0 && n < 256) {
					p[n].fd = c;
					p[n++].events = POLLIN;
				}
			}
			for (i = 1; i < n; i++) {
				if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				if (read(p[i].fd, buf, sizeof(buf)) <= 0)
					p[i].fd = -p[i].fd - 1;	/* ignore from now on */
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct seg_spec syn = {}, segs[MAX_SEGS] = {};
	int nsegs = 0, wait = 2000, sfd, rfd, opt, sent = 0, i;
	struct in_addr src, dst;
	uint16_t sport, dport;
	uint32_t isn, seq, srv;

	if (argc >= 4 && !strcmp(argv[1], "listen"))
		return do_listen(argv[2], argv[3]);
	if (argc < 6 || strcmp(argv[1], "conn"))
		usage();
	if (inet_pton(AF_INET, argv[2], &src) != 1 || inet_pton(AF_INET, argv[4], &dst) != 1)
		usage();
	sport = atoi(argv[3]);
	dport = atoi(argv[5]);
	optind = 6;
	while ((opt = getopt(argc, argv, "s:S:P:a:A:d:w:")) != -1) {
		struct seg_spec *cur = nsegs ? &segs[nsegs - 1] : NULL;

		switch (opt) {
		case 's':
			if (hex_parse(optarg, &syn))
				usage();
			break;
		case 'S':
			syn.doff = atoi(optarg);
			break;
		case 'P':
			syn.payload = atoi(optarg);
			break;
		case 'a':
			if (nsegs == MAX_SEGS || hex_parse(optarg, &segs[nsegs]))
				usage();
			nsegs++;
			break;
		case 'A':
			if (!cur)
				usage();
			cur->doff = atoi(optarg);
			break;
		case 'd':
			if (!cur)
				usage();
			cur->payload = atoi(optarg);
			break;
		case 'w':
			wait = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (syn.payload > MAX_PAYLOAD || syn.doff > 15)
		usage();
	for (i = 0; i < nsegs; i++)
		if (segs[i].payload > MAX_PAYLOAD || segs[i].doff > 15)
			usage();

	sfd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	rfd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);
	if (sfd < 0 || rfd < 0)
		die("raw socket");
	srand(getpid() ^ now_ms());
	isn = (uint32_t)rand() << 1;
	send_seg(sfd, src, dst, sport, dport, isn, 0, TH_SYN, &syn);
	if (wait_synack(rfd, dst, sport, dport, isn, wait, &srv)) {
		puts("nosynack");
		return 3;
	}
	printf("synack seq=%u\n", srv);
	fflush(stdout);
	seq = isn + 1;
	{
		struct seg_spec plain = {};

		send_seg(sfd, src, dst, sport, dport, seq, srv + 1, TH_ACK, &plain);
	}
	for (i = 0; i < nsegs; i++) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		uint8_t fl = TH_ACK | (segs[i].payload ? TH_PUSH : 0);

		seq += send_seg(sfd, src, dst, sport, dport, seq, srv + 1, fl, &segs[i]);
		sent++;
		nanosleep(&ts, NULL);
	}
	printf("done sent=%d\n", sent);
	return 0;
}
