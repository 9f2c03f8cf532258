// SPDX-License-Identifier: GPL-2.0
/*
 * libtotem's text forms: config keys (parse and format round trip, every
 * rejection), endpoints ("1.2.3.4:80", "[::1]:80"), addresses folded as
 * packets carry them (::ffff:a.b.c.d is a.b.c.d), backend names and
 * counter names.  Pure library code: needs no privilege and no backend.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "kselftest_harness.h"

#include "libtotem.h"
#include "lib/internal.h"

static void cfg_fill(struct totem_config *c)
{
	totem_config_default(c);
}

TEST(defaults)
{
	struct totem_config c;
	char buf[64];

	cfg_fill(&c);
	EXPECT_EQ(TOTEM_SEG_ALL, c.enable);
	EXPECT_EQ(TOTEM_DEFAULT_SAMPLE_BYTES, c.sample_bytes);
	EXPECT_EQ(TOTEM_FMT_V1, c.format4);
	EXPECT_EQ(TOTEM_FMT_V6, c.format6);
	EXPECT_EQ(1, c.parse);
	ASSERT_EQ(0, totem_config_format_kv(&c, "enable", buf, sizeof(buf)));
	EXPECT_STREQ("syn,synack,data", buf);
	ASSERT_EQ(0, totem_config_format_kv(&c, "parse", buf, sizeof(buf)));
	EXPECT_STREQ("on", buf);
}

/* The default host id is the XOR fold of /etc/machine-id's four words. */
TEST(host_id_from_machine_id)
{
	struct totem_config c;
	unsigned int w[4];
	char id[64];
	FILE *f;
	__u32 want;

	f = fopen("/etc/machine-id", "r");
	if (!f)
		SKIP(return, "no /etc/machine-id");
	ASSERT_NE(NULL, fgets(id, sizeof(id), f));
	fclose(f);
	ASSERT_EQ(4, sscanf(id, "%8x%8x%8x%8x", &w[0], &w[1], &w[2], &w[3]));
	want = w[0] ^ w[1] ^ w[2] ^ w[3];
	if (!want)
		want = 1;
	cfg_fill(&c);
	EXPECT_EQ(want, c.host_id);
	/* host_id 0 asks for the default again */
	c.host_id = 7;
	ASSERT_EQ(0, totem_config_parse_kv(&c, "host_id", "0"));
	EXPECT_EQ(want, c.host_id);
}

struct kv_case {
	const char *key, *value;
	const char *formatted; /* NULL: must be rejected */
};

static const struct kv_case kv_cases[] = {
	{ "enable", "syn", "syn" },
	{ "enable", "synack,syn", "syn,synack" },
	{ "enable", "data", "data" },
	{ "enable", "syn,synack,data", "syn,synack,data" },
	{ "enable", "all", "syn,synack,data" },
	{ "enable", "none", "none" },
	{ "enable", "", NULL },
	{ "enable", "syn,", NULL },
	{ "enable", ",syn", NULL },
	{ "enable", "syn,,data", NULL },
	{ "enable", "SYN", NULL },
	{ "enable", "syn data", NULL },
	{ "enable", "fin", NULL },
	{ "sample_bytes", "0", "0" },
	{ "sample_bytes", "16384", "16384" },
	{ "sample_bytes", "0x4000", "16384" },
	{ "sample_bytes", "4294967295", "4294967295" },
	{ "sample_bytes", "4294967296", NULL },
	{ "sample_bytes", "-1", NULL },
	{ "sample_bytes", " 1", NULL },
	{ "sample_bytes", "+1", NULL },
	{ "sample_bytes", "1k", NULL },
	{ "sample_bytes", "0x", NULL },
	{ "sample_bytes", "", NULL },
	{ "format4", "v1", "v1" },
	{ "format4", "v2", "v2" },
	{ "format4", "v6", NULL },
	{ "format4", "1", NULL },
	{ "format6", "v6", "v6" },
	{ "format6", "v2", "v2" },
	{ "format6", "v1", NULL },
	{ "host_id", "42", "0x0000002a" },
	{ "host_id", "0xdeadBEEF", "0xdeadbeef" },
	{ "host_id", "0xffffffff", "0xffffffff" },
	{ "host_id", "0x100000000", NULL },
	{ "host_id", "host", NULL },
	{ "parse", "on", "on" },
	{ "parse", "off", "off" },
	{ "parse", "1", NULL },
	{ "parse", "yes", NULL },
	{ "nosuchkey", "1", NULL },
	{ "Enable", "syn", NULL },
};

TEST(parse_and_format)
{
	unsigned int i;

	for (i = 0; i < sizeof(kv_cases) / sizeof(kv_cases[0]); i++) {
		const struct kv_case *k = &kv_cases[i];
		struct totem_config c, before;
		char buf[64];
		int err;

		cfg_fill(&c);
		before = c;
		err = totem_config_parse_kv(&c, k->key, k->value);
		if (!k->formatted) {
			EXPECT_EQ(-EINVAL, err)
			TH_LOG("%s = '%s' was accepted", k->key, k->value);
			/* a rejected value leaves the config as it was */
			EXPECT_EQ(0, memcmp(&before, &c, sizeof(c)))
			TH_LOG("%s = '%s' changed the config", k->key, k->value);
			continue;
		}
		EXPECT_EQ(0, err)
		TH_LOG("%s = '%s' rejected", k->key, k->value);
		ASSERT_EQ(0, totem_config_format_kv(&c, k->key, buf, sizeof(buf)));
		EXPECT_STREQ(k->formatted, buf)
		TH_LOG("%s = '%s'", k->key, k->value);
		/* what format prints, parse takes back to the same config */
		before = c;
		ASSERT_EQ(0, totem_config_parse_kv(&c, k->key, buf));
		EXPECT_EQ(0, memcmp(&before, &c, sizeof(c)))
		TH_LOG("%s round trip", k->key);
	}
}

TEST(values_land_in_the_struct)
{
	struct totem_config c;

	cfg_fill(&c);
	ASSERT_EQ(0, totem_config_parse_kv(&c, "enable", "syn,data"));
	EXPECT_EQ(TOTEM_SEG_SYN | TOTEM_SEG_DATA, c.enable);
	ASSERT_EQ(0, totem_config_parse_kv(&c, "enable", "none"));
	EXPECT_EQ(0, c.enable);
	ASSERT_EQ(0, totem_config_parse_kv(&c, "format4", "v2"));
	EXPECT_EQ(TOTEM_FMT_V2, c.format4);
	ASSERT_EQ(0, totem_config_parse_kv(&c, "format6", "v2"));
	EXPECT_EQ(TOTEM_FMT_V2, c.format6);
	ASSERT_EQ(0, totem_config_parse_kv(&c, "sample_bytes", "0x10"));
	EXPECT_EQ(16, c.sample_bytes);
	ASSERT_EQ(0, totem_config_parse_kv(&c, "parse", "off"));
	EXPECT_EQ(0, c.parse);
	ASSERT_EQ(0, totem_config_parse_kv(&c, "host_id", "3735928559"));
	EXPECT_EQ(0xdeadbeef, c.host_id);
}

TEST(every_key_formats)
{
	struct totem_config c;
	char buf[64], tiny[2];
	unsigned int i;

	cfg_fill(&c);
	for (i = 0; totem_config_keys[i]; i++) {
		EXPECT_EQ(0, totem_config_format_kv(&c, totem_config_keys[i], buf, sizeof(buf)));
		EXPECT_NE(0, strlen(buf));
		/* too small a buffer is reported, not truncated silently */
		EXPECT_EQ(-ENOSPC, totem_config_format_kv(&c, totem_config_keys[i], tiny,
							  sizeof(tiny)));
	}
	EXPECT_EQ(6, i);
	EXPECT_EQ(-EINVAL, totem_config_format_kv(&c, "nosuchkey", buf, sizeof(buf)));
}

struct ep_case {
	const char *text;
	int family; /* 0: must be rejected */
	const char *addr;
	unsigned int port;
};

static const struct ep_case ep_cases[] = {
	{ "1.2.3.4:80", AF_INET, "1.2.3.4", 80 },
	{ "0.0.0.0:0", AF_INET, "0.0.0.0", 0 },
	{ "255.255.255.255:65535", AF_INET, "255.255.255.255", 65535 },
	{ "[::1]:80", AF_INET6, "::1", 80 },
	{ "[fd00::1:2]:8080", AF_INET6, "fd00::1:2", 8080 },
	{ "[::ffff:10.0.0.1]:443", AF_INET6, "::ffff:10.0.0.1", 443 },
	{ .text = "1.2.3.4:65536" },
	{ .text = "1.2.3.4:" },
	{ .text = "1.2.3.4" },
	{ .text = ":80" },
	{ .text = "1.2.3:80" },
	{ .text = "1.2.3.4:-1" },
	{ .text = "1.2.3.4:0x50" },
	{ .text = "1.2.3.4:80x" },
	{ .text = "::1:80" },
	{ .text = "[::1]80" },
	{ .text = "[::1]:" },
	{ .text = "[]:80" },
	{ .text = "[1.2.3.4]:80" },
	{ .text = "host:80" },
	{ .text = "" },
};

TEST(endpoints)
{
	unsigned int i;

	for (i = 0; i < sizeof(ep_cases) / sizeof(ep_cases[0]); i++) {
		const struct ep_case *e = &ep_cases[i];
		__u8 fam = 0, addr[16], want[16] = {};
		__u16 port = 0;
		int err = totem_endpoint_parse(e->text, &fam, addr, &port);

		if (!e->family) {
			EXPECT_EQ(-EINVAL, err)
			TH_LOG("'%s' was accepted", e->text);
			continue;
		}
		ASSERT_EQ(0, err)
		TH_LOG("'%s' rejected", e->text);
		EXPECT_EQ(e->family, fam);
		EXPECT_EQ(e->port, port);
		ASSERT_EQ(1, inet_pton(e->family, e->addr, want));
		EXPECT_EQ(0, memcmp(want, addr, 16))
		TH_LOG("'%s' address", e->text);
	}
}

TEST(address_folding)
{
	__u8 v4[16] = {}, mapped[16], v6[16], out[16], want[16] = {};

	inet_pton(AF_INET, "10.1.2.3", v4);
	inet_pton(AF_INET6, "::ffff:10.1.2.3", mapped);
	inet_pton(AF_INET6, "fd00::1", v6);
	memcpy(want, v4, 4);
	memset(out, 0xaa, sizeof(out));
	EXPECT_EQ(AF_INET, totem_addr_norm(AF_INET6, mapped, out));
	EXPECT_EQ(0, memcmp(out, want, 16));
	memset(out, 0xaa, sizeof(out));
	EXPECT_EQ(AF_INET, totem_addr_norm(AF_INET, v4, out));
	EXPECT_EQ(0, memcmp(out, want, 16));
	EXPECT_EQ(AF_INET6, totem_addr_norm(AF_INET6, v6, out));
	EXPECT_EQ(0, memcmp(out, v6, 16));

	EXPECT_TRUE(totem_addr_same(AF_INET, v4, AF_INET6, mapped));
	EXPECT_TRUE(totem_addr_same(AF_INET6, mapped, AF_INET, v4));
	EXPECT_TRUE(totem_addr_same(AF_INET6, v6, AF_INET6, v6));
	EXPECT_FALSE(totem_addr_same(AF_INET6, v6, AF_INET, v4));
	v4[3] = 4;
	EXPECT_FALSE(totem_addr_same(AF_INET, v4, AF_INET6, mapped));
}

TEST(backend_names)
{
	static const char *const names[] = { "auto", "bpf", "kmod", "proc" };
	enum totem_backend b;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, totem_backend_parse(names[i], &b));
		EXPECT_STREQ(names[i], totem_backend_name(b));
	}
	EXPECT_EQ(-EINVAL, totem_backend_parse("ebpf", &b));
	EXPECT_EQ(-EINVAL, totem_backend_parse("", &b));
}

/* Names come from the X-macro in the uapi header, one per counter. */
TEST(counter_names)
{
#define NAME(id, name, desc) name,
	static const char *const want[] = { TOTEM_COUNTERS(NAME) };
#undef NAME
	unsigned int i, j;

	ASSERT_EQ(TOTEM_CTR_MAX, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < TOTEM_CTR_MAX; i++) {
		EXPECT_STREQ(want[i], totem_counter_name(i));
		ASSERT_NE(NULL, totem_counter_desc(i));
		for (j = 0; j < i; j++)
			EXPECT_NE(0, strcmp(totem_counter_name(i), totem_counter_name(j)));
	}
	EXPECT_EQ(NULL, totem_counter_name(TOTEM_CTR_MAX));
	EXPECT_STREQ("inject_syn", totem_counter_name(TOTEM_CTR_INJECT_SYN));
}

TEST_HARNESS_MAIN
