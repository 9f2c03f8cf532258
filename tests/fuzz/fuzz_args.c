// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the library functions that parse the `totem` and
 * `totemd` command-line arguments (and the same values in the config file
 * and the environment).  The first input byte picks the parser, the rest is
 * the argument (a NUL-terminated copy of exactly that size, so ASan sees a
 * read past its end):
 *   'e' totem_endpoint_parse()   "addr:port", "[addr6]:port" (totem lookup)
 *   'b' totem_backend_parse()    -b/--backend, TOTEM_BACKEND, backend =
 *   's' totem_tcp_state_parse()  state names (totem sockets, event lines)
 *   'k' totem_config_parse_kv()  "key=value" (totem config KEY VALUE)
 *   'f' totem_topo_format_parse() totem topology -f
 * (any other byte picks one of them by its value).  Checked: the result is
 * 0 or -EINVAL; a failed parse leaves its output alone (the config); what
 * was accepted is printed back (inet_ntop, totem_backend_name,
 * totem_tcp_state_name, totem_config_format_kv into buffers of every size,
 * exactly as large as they claim) and parses to the same value.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <netinet/in.h>

#include "libtotem.h"
#include "topology.h"
#include "fuzz.h"

static void endpoint(const char *text)
{
	__u8 fam = 0, fam2 = 0, addr[16], addr2[16];
	char host[INET6_ADDRSTRLEN], back[INET6_ADDRSTRLEN + 16];
	__u16 port = 0, port2 = 0;
	const char *colon;
	int ret;

	ret = totem_endpoint_parse(text, &fam, addr, &port);
	CHECK(ret == 0 || ret == -EINVAL);
	if (ret)
		return;
	CHECK(fam == AF_INET || fam == AF_INET6);
	CHECK(fam == AF_INET6 || fuzz_all_zero(addr + 4, 12));
	colon = strrchr(text, ':');
	CHECK(colon && strtoul(colon + 1, NULL, 10) == port);
	CHECK(inet_ntop(fam, addr, host, sizeof(host)));
	snprintf(back, sizeof(back), fam == AF_INET ? "%s:%u" : "[%s]:%u", host, port);
	CHECK(!totem_endpoint_parse(back, &fam2, addr2, &port2));
	CHECK(fam2 == fam && port2 == port && !memcmp(addr, addr2, 16));
}

static void backend(const char *text)
{
	enum totem_backend b = 99, b2;
	int ret = totem_backend_parse(text, &b);

	CHECK(ret == 0 || ret == -EINVAL);
	if (ret) {
		CHECK(b == 99);
		return;
	}
	CHECK(b <= TOTEM_BACKEND_PROC);
	CHECK(!strcmp(totem_backend_name(b), text));
	CHECK(!totem_backend_parse(totem_backend_name(b), &b2) && b2 == b);
}

static void state(const char *text)
{
	unsigned int st = totem_tcp_state_parse(text), i;

	if (st) {
		CHECK(!strcmp(totem_tcp_state_name(st), text));
		return;
	}
	/* no state of that name: not one the printer uses either */
	for (i = 0; i < 256; i++)
		CHECK(!strcmp(totem_tcp_state_name(i), "UNKNOWN") ||
		      strcmp(totem_tcp_state_name(i), text));
}

/* Print @key into buffers of every size: never past the size, and -ENOSPC
 * exactly when the text does not fit. */
static void format_sizes(const struct totem_config *c, const char *key, const char *full)
{
	size_t need = strlen(full) + 1, n;

	for (n = 1; n <= need; n++) {
		char *buf = malloc(n);
		int ret;

		CHECK(buf);
		ret = totem_config_format_kv(c, key, buf, n);
		CHECK(ret == (n < need ? -ENOSPC : 0));
		if (!ret)
			CHECK(!strcmp(buf, full));
		free(buf);
	}
}

static void config_kv(char *text)
{
	static struct totem_config defaults;
	static int have_defaults;
	struct totem_config c, again;
	char *value = strchr(text, '='), out[128];
	int ret;

	if (!have_defaults) {
		totem_config_default(&defaults);
		have_defaults = 1;
	}
	if (value)
		*value++ = '\0';
	else
		value = "";
	c = defaults;
	ret = totem_config_parse_kv(&c, text, value);
	CHECK(ret == 0 || ret == -EINVAL);
	if (ret) {
		CHECK(!memcmp(&c, &defaults, sizeof(c)));
		return;
	}
	CHECK(!(c.enable & ~TOTEM_SEG_ALL));
	CHECK(c.format4 == TOTEM_FMT_V1 || c.format4 == TOTEM_FMT_V2);
	CHECK(c.format6 == TOTEM_FMT_V6 || c.format6 == TOTEM_FMT_V2);
	CHECK(c.parse <= 1);
	CHECK(!totem_config_format_kv(&c, text, out, sizeof(out)));
	format_sizes(&c, text, out);
	again = defaults;
	CHECK(!totem_config_parse_kv(&again, text, out));
	CHECK(!memcmp(&c, &again, sizeof(c)));
}

static void topo_format(const char *text)
{
	enum totem_topo_format f = 99;
	int ret = totem_topo_format_parse(text, &f);

	CHECK(ret == 0 || ret == -EINVAL);
	CHECK(ret || !strcmp(text, "text") || !strcmp(text, "dot") || !strcmp(text, "json"));
	CHECK(!ret || f == 99);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sel[] = "ebskf";
	const char *pick;
	char *text;
	uint8_t which;

	if (!size)
		return 0;
	which = data[0];
	pick = memchr(sel, which, 5);
	if (!pick)
		pick = sel + which % 5;
	text = malloc(size);
	CHECK(text);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (*pick) {
	case 'e':
		endpoint(text);
		break;
	case 'b':
		backend(text);
		break;
	case 's':
		state(text);
		break;
	case 'k':
		config_kv(text);
		break;
	case 'f':
		topo_format(text);
		break;
	}
	free(text);
	return 0;
}
