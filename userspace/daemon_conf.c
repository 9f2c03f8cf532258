// SPDX-License-Identifier: GPL-2.0
/*
 * totemd's configuration file (format in daemon_conf.h and totemd(8)).
 * Kept apart from the daemon so that the fuzzer links the same parser.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon_conf.h"

void totemd_conf_default(struct daemon_conf *dc)
{
	memset(dc, 0, sizeof(*dc));
	totem_config_default(&dc->cfg);
	dc->backend = TOTEM_BACKEND_AUTO;
	dc->history = TOTEMD_HISTORY_DEFAULT;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* decimal, no sign, no trailing junk, at most @max */
static int parse_uint(const char *s, unsigned long max, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* One "key = value" into @dc; a message for @err on failure. */
static int parse_kv(struct daemon_conf *dc, const char *key, const char *val, char *msg,
		    size_t len)
{
	if (!strcmp(key, "backend")) {
		if (totem_backend_parse(val, &dc->backend))
			goto bad;
		return 0;
	}
	if (!strcmp(key, "cgroup")) {
		if (val[0] != '/' || strlen(val) >= sizeof(dc->cgroup))
			goto bad;
		snprintf(dc->cgroup, sizeof(dc->cgroup), "%s", val);
		return 0;
	}
	if (!strcmp(key, "history")) {
		if (parse_uint(val, TOTEMD_HISTORY_MAX, &dc->history))
			goto bad;
		return 0;
	}
	if (!totem_config_key_known(key)) {
		snprintf(msg, len, "unknown key '%s'", key);
		return -EINVAL;
	}
	if (totem_config_parse_kv(&dc->cfg, key, val))
		goto bad;
	return 0;
bad:
	if (!strcmp(key, "backend"))
		snprintf(msg, len, "invalid value '%s' for backend (auto, bpf, kmod, proc)", val);
	else if (!strcmp(key, "cgroup"))
		snprintf(msg, len, "invalid value '%s' for cgroup (absolute path)", val);
	else if (!strcmp(key, "history"))
		snprintf(msg, len, "invalid value '%s' for history (0..%u)", val,
			 TOTEMD_HISTORY_MAX);
	else
		snprintf(msg, len, "invalid value '%s' for %s", val, key);
	return -EINVAL;
}

int totemd_conf_parse(FILE *f, const char *name, struct daemon_conf *dc, char *err,
		      size_t len)
{
	struct daemon_conf tmp = *dc;
	unsigned int lineno = 0;
	char *line = NULL, msg[512];
	size_t cap = 0;
	ssize_t n;
	int ret = 0;

	while ((n = getline(&line, &cap, f)) > 0) {
		char *key, *val, *eq;

		lineno++;
		if (n > TOTEMD_CONF_LINE_MAX) {
			snprintf(err, len, "%s:%u: line too long", name, lineno);
			ret = -EINVAL;
			goto out;
		}
		/* a NUL byte would hide the rest of the line */
		if (memchr(line, '\0', n)) {
			snprintf(err, len, "%s:%u: NUL byte in line", name, lineno);
			ret = -EINVAL;
			goto out;
		}
		line[strcspn(line, "#")] = '\0';
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			snprintf(err, len, "%s:%u: expected 'key = value'", name, lineno);
			ret = -EINVAL;
			goto out;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		if (!*key || !*val) {
			snprintf(err, len, "%s:%u: expected 'key = value'", name, lineno);
			ret = -EINVAL;
			goto out;
		}
		ret = parse_kv(&tmp, key, val, msg, sizeof(msg));
		if (ret) {
			snprintf(err, len, "%s:%u: %s", name, lineno, msg);
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, len, "%s: read error", name);
		ret = -EIO;
		goto out;
	}
	*dc = tmp;
out:
	free(line);
	return ret;
}

int totemd_conf_load(const char *path, bool must_exist, struct daemon_conf *dc, char *err,
		     size_t len)
{
	FILE *f = fopen(path, "re");
	int ret;

	if (!f) {
		ret = -errno;
		if (ret == -ENOENT && !must_exist)
			return 0;
		snprintf(err, len, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = totemd_conf_parse(f, path, dc, err, len);
	fclose(f);
	return ret;
}
