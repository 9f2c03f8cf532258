// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for totem_topo_event_parse() (userspace/lib/topology.c),
 * which reads the JSON lines of totemd's event socket (`totem -j monitor`)
 * for `totem topology --events`.  The input is one line (a NUL-terminated
 * copy of exactly its size, so ASan sees a read past the end).  Checked:
 *  - the result is 1 (a close event), 0 (another event) or -EINVAL;
 *  - a close event has both ends, of one family (AF_INET or AF_INET6; an
 *    IPv4 address leaves the rest of its 16 bytes zero), a comm that is a
 *    string of at most 15 bytes, a peer format of the ABI, a peer address
 *    family that matches its flag and no address without it, seen bits of
 *    the ABI;
 *  - the socket printed back as an event line parses to the same socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <netinet/in.h>

#include "libtotem.h"
#include "topology.h"
#include "fuzz.h"

static void put_endpoint(FILE *f, const char *key, __u8 fam, const __u8 *addr, __u16 port)
{
	char host[INET6_ADDRSTRLEN];

	CHECK(inet_ntop(fam, addr, host, sizeof(host)));
	fprintf(f, fam == AF_INET ? ",\"%s\":\"%s:%u\"" : ",\"%s\":\"[%s]:%u\"", key, host,
		port);
}

/* JSON string: escape what JSON requires, the rest as it is. */
static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/*
 * @s parsed: printed back, it parses the same.  A key given twice keeps the
 * last value, but not all of it: a shorter "comm" over a longer one leaves
 * bytes after its NUL, and an IPv4 peer "addr" over an IPv6 one leaves the
 * IPv6 address's last 12 bytes (j_peer() does not clear the address; totemd
 * never repeats a key).  Only the bytes that count are compared.
 */
static void round_trip(struct totem_sock *s)
{
	const struct totem_peer *p = &s->rec.peer;
	struct totem_sock again;
	char *line = NULL;
	size_t len = 0, n;
	FILE *f = open_memstream(&line, &len);

	CHECK(f);
	fprintf(f, "{\"event\":\"close\",\"state\":\"%s\"", totem_tcp_state_name(s->state));
	put_endpoint(f, "local", s->family, s->saddr, s->sport);
	put_endpoint(f, "remote", s->family, s->daddr, s->dport);
	fprintf(f, ",\"netns\":%u,\"cookie\":%llu,\"pid\":%u,\"uid\":%u,\"comm\":", s->netns,
		(unsigned long long)s->cookie, s->rec.owner.tgid, s->rec.owner.uid);
	put_string(f, s->rec.owner.comm);
	fprintf(f, ",\"peer\":{\"pid\":%u,\"format\":\"v%u\",\"seen\":[", p->pid, p->format);
	fprintf(f, "%s%s%s", p->seen & TOTEM_SEG_SYN ? "\"syn\"," : "",
		p->seen & TOTEM_SEG_SYNACK ? "\"synack\"," : "",
		p->seen & TOTEM_SEG_DATA ? "\"data\"," : "");
	fprintf(f, "\"unknown\"]");
	if (p->flags & TOTEM_PEER_F_HOST)
		fprintf(f, ",\"host\":%u", p->host_id);
	else
		fprintf(f, ",\"host\":null");
	if (p->flags & TOTEM_PEER_F_ADDR) {
		char host[INET6_ADDRSTRLEN];

		CHECK(inet_ntop(p->family, p->addr, host, sizeof(host)));
		fprintf(f, ",\"addr\":\"%s\"", host);
	}
	fprintf(f, "}}");
	CHECK(!fclose(f));
	n = strlen(s->rec.owner.comm);
	memset(s->rec.owner.comm + n, 0, sizeof(s->rec.owner.comm) - n);
	if (p->family == AF_INET)
		memset(s->rec.peer.addr + 4, 0, 12);
	if (totem_topo_event_parse(line, &again) != 1 || memcmp(s, &again, sizeof(again))) {
		fprintf(stderr, "printed back: %s\n", line);
		CHECK(!"round trip");
	}
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct totem_peer *p;
	struct totem_sock s;
	char *line;
	int ret;

	line = malloc(size + 1);
	CHECK(line);
	memcpy(line, data, size);
	line[size] = '\0';
	ret = totem_topo_event_parse(line, &s);
	CHECK(ret == 1 || ret == 0 || ret == -EINVAL);
	if (ret != 1)
		goto out;

	p = &s.rec.peer;
	CHECK(s.family == AF_INET || s.family == AF_INET6);
	CHECK(s.family == AF_INET6 ||
	      (fuzz_all_zero(s.saddr + 4, 12) && fuzz_all_zero(s.daddr + 4, 12)));
	CHECK(strnlen(s.rec.owner.comm, sizeof(s.rec.owner.comm)) < sizeof(s.rec.owner.comm));
	CHECK(p->format == TOTEM_FMT_NONE || p->format == TOTEM_FMT_V1 ||
	      p->format == TOTEM_FMT_V2 || p->format == TOTEM_FMT_V6);
	CHECK(!(p->seen & ~TOTEM_SEG_ALL));
	CHECK(!(p->flags & ~(TOTEM_PEER_F_HOST | TOTEM_PEER_F_ADDR)));
	CHECK(!!(p->flags & TOTEM_PEER_F_ADDR) == !!p->family);
	CHECK(p->family == 0 || p->family == AF_INET || p->family == AF_INET6);
	CHECK(p->family || fuzz_all_zero(p->addr, 16));
	CHECK(p->flags & TOTEM_PEER_F_HOST || !p->host_id);
	round_trip(&s);
out:
	free(line);
	return 0;
}
