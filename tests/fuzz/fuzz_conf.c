// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for totemd's configuration file: the input is the file,
 * read through fmemopen() by totemd_conf_parse() (userspace/daemon_conf.c),
 * which calls the library's totem_config_parse_kv() and
 * totem_backend_parse() for the values.  Checked:
 *  - the result is 0 or -EINVAL (a memory stream has no read error);
 *  - on error the configuration is untouched and the message is
 *    "fuzz.conf:N: reason" where N is the line at fault: the lines before
 *    it parse, and those lines plus line N fail with the same message;
 *  - on success every value is one the daemon accepts (backend, history
 *    bound, absolute cgroup, config fields of the ABI), and the
 *    configuration written back as a file (totem_config_format_kv() for the
 *    library's keys) parses to the same configuration.
 */
#include <errno.h>
#include <stdint.h>

#include "daemon_conf.h"
#include "fuzz.h"

#define NAME "fuzz.conf"

static struct daemon_conf defaults;

static int parse(const char *buf, size_t len, struct daemon_conf *dc, char *err,
		 size_t errlen)
{
	/* fmemopen() of 0 bytes fails: an empty file is an empty stream */
	static char empty[1];
	FILE *f = fmemopen(len ? (void *)buf : empty, len ? len : 1, "r");
	int ret;

	CHECK(f);
	if (!len)
		CHECK(fgetc(f) == 0); /* skip the placeholder byte */
	ret = totemd_conf_parse(f, NAME, dc, err, errlen);
	fclose(f);
	return ret;
}

/* Length of the first @lines lines of @buf (the last may lack its '\n'). */
static size_t prefix(const char *buf, size_t len, unsigned int lines)
{
	size_t off = 0;

	while (lines-- && off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);

		off = nl ? (size_t)(nl - buf) + 1 : len;
	}
	return off;
}

static void check_error(const char *buf, size_t len, const char *err)
{
	char err2[1024], head[64];
	struct daemon_conf dc = defaults;
	unsigned int line;
	int off = 0;

	CHECK(sscanf(err, NAME ":%u: %n", &line, &off) == 1 && off > 0);
	CHECK(err[off]);
	CHECK(line >= 1);
	snprintf(head, sizeof(head), NAME ":%u: ", line);
	CHECK(!strncmp(err, head, strlen(head)));
	/* the lines before N are fine ... */
	CHECK(parse(buf, prefix(buf, len, line - 1), &dc, err2, sizeof(err2)) == 0);
	/* ... and line N is where it fails, for the same reason */
	dc = defaults;
	CHECK(parse(buf, prefix(buf, len, line), &dc, err2, sizeof(err2)) == -EINVAL);
	CHECK(!strcmp(err, err2));
	CHECK(!memcmp(&dc, &defaults, sizeof(dc)));
}

static void check_ok(const struct daemon_conf *dc)
{
	const struct totem_config *c = &dc->cfg;
	struct daemon_conf again = defaults;
	char *out = NULL, val[64], err[1024];
	size_t outlen = 0;
	unsigned int i;
	FILE *f;

	CHECK(dc->backend <= TOTEM_BACKEND_PROC);
	CHECK(dc->history <= TOTEMD_HISTORY_MAX);
	CHECK(strnlen(dc->cgroup, sizeof(dc->cgroup)) < sizeof(dc->cgroup));
	CHECK(!dc->cgroup[0] || dc->cgroup[0] == '/');
	CHECK(!(c->enable & ~TOTEM_SEG_ALL));
	CHECK(c->format4 == TOTEM_FMT_V1 || c->format4 == TOTEM_FMT_V2);
	CHECK(c->format6 == TOTEM_FMT_V6 || c->format6 == TOTEM_FMT_V2);
	CHECK(c->parse <= 1);

	f = open_memstream(&out, &outlen);
	CHECK(f);
	fprintf(f, "# written back\nbackend = %s\nhistory = %u\n",
		totem_backend_name(dc->backend), dc->history);
	if (dc->cgroup[0])
		fprintf(f, "cgroup = %s\n", dc->cgroup);
	for (i = 0; totem_config_keys[i]; i++) {
		/* host_id 0 means "the default" to the parser */
		if (!strcmp(totem_config_keys[i], "host_id") && !c->host_id)
			continue;
		CHECK(!totem_config_format_kv(c, totem_config_keys[i], val, sizeof(val)));
		fprintf(f, "%s = %s\n", totem_config_keys[i], val);
	}
	CHECK(!fclose(f));
	CHECK(parse(out, outlen, &again, err, sizeof(err)) == 0);
	/* cgroup as a string: a shorter path over a longer one leaves bytes after its NUL */
	CHECK(!memcmp(&again.cfg, &dc->cfg, sizeof(again.cfg)));
	CHECK(again.backend == dc->backend && again.history == dc->history);
	CHECK(!strcmp(again.cgroup, dc->cgroup));
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct daemon_conf dc;
	char err[1024] = "";
	char *buf;
	int ret;

	if (!defaults.history)
		totemd_conf_default(&defaults);
	/* a copy of exactly @size bytes: ASan sees any read past it */
	buf = malloc(size ? size : 1);
	CHECK(buf);
	memcpy(buf, data, size);
	dc = defaults;
	ret = parse(buf, size, &dc, err, sizeof(err));
	CHECK(ret == 0 || ret == -EINVAL);
	if (ret) {
		CHECK(!memcmp(&dc, &defaults, sizeof(dc)));
		check_error(buf, size, err);
	} else {
		check_ok(&dc);
	}
	free(buf);
	return 0;
}
