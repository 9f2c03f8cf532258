// SPDX-License-Identifier: GPL-2.0
/*
 * gsocheck IFACE MTU STOPFILE: would any TCP segment on IFACE exceed MTU
 * once GSO cuts it?  veth hands whole GSO packets to packet sockets, so
 * their length says nothing; PACKET_VNET_HDR gives each packet's gso_size,
 * and a segment is then the headers plus at most gso_size of payload.
 * Runs until STOPFILE exists, then prints
 *   packets=N gso=G max_segment=M over_mtu=K
 * (M and the check in bytes of IP datagram), exit 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned long packets = 0, gso = 0, over = 0, max_seg = 0;
	static unsigned char buf[70000];
	struct sockaddr_ll sll = { 0 };
	unsigned int mtu;
	int fd, one = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: gsocheck IFACE MTU STOPFILE\n");
		return 2;
	}
	mtu = strtoul(argv[2], NULL, 0);
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one))) {
		perror("gsocheck: packet socket");
		return 1;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = if_nametoindex(argv[1]);
	if (!sll.sll_ifindex || bind(fd, (void *)&sll, sizeof(sll))) {
		perror("gsocheck: bind");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct virtio_net_hdr *vh = (void *)buf;
		unsigned char *eth = buf + sizeof(*vh), *ip, *th;
		unsigned int iplen, hl, seg, proto;
		ssize_t n;

		if (poll(&p, 1, 50) <= 0) {
			if (!access(argv[3], F_OK))
				break;
			continue;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < (ssize_t)(sizeof(*vh) + 14 + 40))
			continue;
		ip = eth + 14;
		if (eth[12] == 0x08 && eth[13] == 0x00 && (ip[0] >> 4) == 4) {
			hl = (ip[0] & 15) * 4;
			iplen = ip[2] << 8 | ip[3];
			proto = ip[9];
		} else if (eth[12] == 0x86 && eth[13] == 0xdd && (ip[0] >> 4) == 6) {
			hl = 40;
			iplen = 40 + (ip[4] << 8 | ip[5]);
			proto = ip[6];
		} else {
			continue;
		}
		if (proto != 6 || (ssize_t)(sizeof(*vh) + 14 + hl + 20) > n)
			continue;
		th = ip + hl;
		hl += (th[12] >> 4) * 4;
		packets++;
		seg = iplen;
		if (vh->gso_size && iplen > hl) {
			gso++;
			if (iplen - hl > vh->gso_size)
				seg = hl + vh->gso_size;
		}
		if (seg > max_seg)
			max_seg = seg;
		if (seg > mtu)
			over++;
	}
	printf("packets=%lu gso=%lu max_segment=%lu over_mtu=%lu\n", packets, gso,
	       max_seg, over);
	return 0;
}
