// SPDX-License-Identifier: GPL-2.0
/*
 * rawtcp: crafted TCP segments for totem's hardening tests, over raw IPv4
 * or IPv6 sockets (no Python needed, so it runs inside the QEMU guests too).
 * The family is the one of the addresses given (both the same).
 *
 *   rawtcp listen ADDR PORT
 *     accept connections forever, read and discard what they send, keep
 *     them open; prints "listen pid=P" once listening.
 *   rawtcp conn SRC SPORT DST DPORT [-s HEX] [-S DOFF] [-P N]
 *               [-a HEX [-A DOFF] [-d N]]... [-w MS] [-n NETNS]
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
 *     -n: work in the network namespace NETNS (a name under /run/netns
 *     or a path), as `ip netns exec` would, without its process and mount
 *     namespace (many connections are crafted in the QEMU guests, where
 *     every process start costs).
 *
 * The local stack knows nothing of SPORT and answers the SYN-ACK with a
 * RST; the test drops outgoing RSTs on the sender's interface (tc).
 *
 * Segments go out whole through an IPPROTO_RAW socket (IP header included:
 * IP_HDRINCL is implied for IPv4 and IPv6 alike); the SYN-ACK is read from
 * an IPPROTO_TCP raw socket, which hands IPv4 packets over with their IP
 * header and IPv6 packets without it (the source comes from recvfrom).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
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

/* one address of either family */
struct addr {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

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
	      "              [-a HEX [-A DOFF] [-d N]]... [-w MS] [-n NETNS]\n",
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

static int addr_parse(const char *s, struct addr *a)
{
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->v6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

/* Build and send one segment; returns the payload length sent. */
static int send_seg(int fd, const struct addr *src, const struct addr *dst, uint16_t sport,
		    uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
		    const struct seg_spec *sp)
{
	uint8_t pkt[40 + 20 + MAX_OPTS + MAX_PAYLOAD], pseudo[40];
	bool v6 = src->family == AF_INET6;
	unsigned int iplen = v6 ? 40 : 20, plen;
	struct tcphdr *th = (struct tcphdr *)(pkt + iplen);
	size_t tcplen = 20 + sp->optlen + sp->payload;
	struct sockaddr_in to4 = { .sin_family = AF_INET, .sin_addr = dst->v4 };
	struct sockaddr_in6 to6 = { .sin6_family = AF_INET6, .sin6_addr = dst->v6 };
	uint32_t sum;
	int doff = sp->doff ? sp->doff : (20 + sp->optlen) / 4;
	int i, ret;

	memset(pkt, 0, sizeof(pkt));
	memset(pseudo, 0, sizeof(pseudo));
	if (!v6) {
		struct iphdr *ip = (struct iphdr *)pkt;

		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_TCP;
		ip->tot_len = htons(20 + tcplen);
		ip->frag_off = htons(IP_DF);
		ip->saddr = src->v4.s_addr;
		ip->daddr = dst->v4.s_addr;
		memcpy(pseudo, &ip->saddr, 4);
		memcpy(pseudo + 4, &ip->daddr, 4);
		pseudo[9] = IPPROTO_TCP;
		pseudo[10] = tcplen >> 8;
		pseudo[11] = tcplen & 0xff;
		plen = 12;
	} else {
		struct ip6_hdr *ip6 = (struct ip6_hdr *)pkt;

		ip6->ip6_flow = htonl(6 << 28);
		ip6->ip6_plen = htons(tcplen);
		ip6->ip6_nxt = IPPROTO_TCP;
		ip6->ip6_hlim = 64;
		ip6->ip6_src = src->v6;
		ip6->ip6_dst = dst->v6;
		/* RFC 8200 sec. 8.1: addresses, 32-bit length, zeros, next header */
		memcpy(pseudo, &ip6->ip6_src, 16);
		memcpy(pseudo + 16, &ip6->ip6_dst, 16);
		pseudo[34] = tcplen >> 8;
		pseudo[35] = tcplen & 0xff;
		pseudo[39] = IPPROTO_TCP;
		plen = 40;
	}
	th->source = htons(sport);
	th->dest = htons(dport);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff = doff;
	((uint8_t *)th)[13] = flags;
	th->window = htons(65535);
	memcpy(th + 1, sp->opts, sp->optlen);
	/* payload: a recognisable pattern that is not an option area */
	for (i = 0; i < sp->payload; i++)
		((uint8_t *)(th + 1))[sp->optlen + i] = 'a' + i % 26;
	sum = csum_add(0, pseudo, plen);
	sum = csum_add(sum, (uint8_t *)th, tcplen);
	th->check = htons(csum_fold(sum));
	if (v6)
		ret = sendto(fd, pkt, iplen + tcplen, 0, (struct sockaddr *)&to6, sizeof(to6));
	else
		ret = sendto(fd, pkt, iplen + tcplen, 0, (struct sockaddr *)&to4, sizeof(to4));
	if (ret < 0)
		die("sendto");
	return sp->payload;
}

/* Enter network namespace NS: a name under /run/netns, or a path. */
static void enter_netns(const char *ns)
{
	char path[256];
	int fd;

	if (strchr(ns, '/'))
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		die(path);
	close(fd);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for the SYN-ACK of our SYN; 0 and its seq, or -1 on timeout. */
static int wait_synack(int rfd, const struct addr *peer, uint16_t sport, uint16_t dport,
		       uint32_t isn, int ms, uint32_t *seq)
{
	long end = now_ms() + ms;
	uint8_t buf[2048];

	for (;;) {
		struct pollfd p = { .fd = rfd, .events = POLLIN };
		long left = end - now_ms();
		struct sockaddr_in6 from;
		socklen_t fl = sizeof(from);
		struct tcphdr *th;
		ssize_t n;

		if (left <= 0)
			return -1;
		if (poll(&p, 1, left) <= 0)
			continue;
		n = recvfrom(rfd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (peer->family == AF_INET) {
			struct iphdr *ip = (struct iphdr *)buf;

			if (n < (ssize_t)sizeof(*ip) || n < ip->ihl * 4 + 20 ||
			    ip->saddr != peer->v4.s_addr)
				continue;
			th = (struct tcphdr *)(buf + ip->ihl * 4);
		} else {
			if (n < 20 || memcmp(&from.sin6_addr, &peer->v6, 16))
				continue;
			th = (struct tcphdr *)buf;
		}
		if (ntohs(th->source) != dport || ntohs(th->dest) != sport || !th->syn ||
		    !th->ack || ntohl(th->ack_seq) != isn + 1)
			continue;
		*seq = ntohl(th->seq);
		return 0;
	}
}

static int do_listen(const char *addr, const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6 };
	int one = 1, fd, c, err;
	char buf[4096];
	struct addr a;

	if (addr_parse(addr, &a))
		usage();
	sa.sin_addr = a.v4;
	sa.sin_port = htons(atoi(port));
	sa6.sin6_addr = a.v6;
	sa6.sin6_port = sa.sin_port;
	fd = socket(a.family, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a.family == AF_INET)
		err = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	else
		err = bind(fd, (struct sockaddr *)&sa6, sizeof(sa6));
	if (err || listen(fd, 128))
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
	struct addr src, dst;
	uint16_t sport, dport;
	uint32_t isn, seq, srv;

	if (argc >= 4 && !strcmp(argv[1], "listen"))
		return do_listen(argv[2], argv[3]);
	if (argc < 6 || strcmp(argv[1], "conn"))
		usage();
	if (addr_parse(argv[2], &src) || addr_parse(argv[4], &dst) || src.family != dst.family)
		usage();
	sport = atoi(argv[3]);
	dport = atoi(argv[5]);
	optind = 6;
	while ((opt = getopt(argc, argv, "s:S:P:a:A:d:w:n:")) != -1) {
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
		case 'n':
			enter_netns(optarg);
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

	sfd = socket(src.family, SOCK_RAW, IPPROTO_RAW);
	rfd = socket(src.family, SOCK_RAW, IPPROTO_TCP);
	if (sfd < 0 || rfd < 0)
		die("raw socket");
	srand(getpid() ^ now_ms());
	isn = (uint32_t)rand() << 1;
	send_seg(sfd, &src, &dst, sport, dport, isn, 0, TH_SYN, &syn);
	if (wait_synack(rfd, &dst, sport, dport, isn, wait, &srv)) {
		puts("nosynack");
		return 3;
	}
	printf("synack seq=%u\n", srv);
	fflush(stdout);
	seq = isn + 1;
	{
		struct seg_spec plain = {};

		send_seg(sfd, &src, &dst, sport, dport, seq, srv + 1, TH_ACK, &plain);
	}
	for (i = 0; i < nsegs; i++) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		uint8_t fl = TH_ACK | (segs[i].payload ? TH_PUSH : 0);

		seq += send_seg(sfd, &src, &dst, sport, dport, seq, srv + 1, fl, &segs[i]);
		sent++;
		nanosleep(&ts, NULL);
	}
	printf("done sent=%d\n", sent);
	return 0;
}
