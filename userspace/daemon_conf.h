/* SPDX-License-Identifier: GPL-2.0 */
/*
 * totemd's configuration file: "key = value" lines, '#' starts a comment,
 * blank lines ignored.  Keys: the library's config keys
 * (totem_config_keys: enable, sample_bytes, ...) and the daemon's own:
 *   backend = auto|bpf|kmod|proc
 *   cgroup  = /absolute/path       (bpf: cgroup v2 directory to attach to)
 *   history = N                    (closed connections kept, 0..65536)
 */
#ifndef _TOTEM_DAEMON_CONF_H
#define _TOTEM_DAEMON_CONF_H

#include <stdbool.h>
#include <stdio.h>
#include "libtotem.h"

#define TOTEMD_HISTORY_DEFAULT 4096
#define TOTEMD_HISTORY_MAX 65536 /* a history answer is queued whole */
#define TOTEMD_CONF_LINE_MAX 4096 /* bytes, newline included */

struct daemon_conf {
	struct totem_config cfg;
	enum totem_backend backend;
	unsigned int history; /* closed connections remembered */
	char cgroup[4096];
};

/* Defaults: totem_config_default(), backend auto, history 4096. */
void totemd_conf_default(struct daemon_conf *dc);

/*
 * Parse the lines of @f (named @name in messages) on top of @dc.  On error
 * @dc is unchanged, @err gets "NAME:LINE: message" and the return is
 * -EINVAL (bad content) or -EIO (read error).
 */
int totemd_conf_parse(FILE *f, const char *name, struct daemon_conf *dc, char *err,
		      size_t len);

/*
 * totemd_conf_parse() of the file @path.  A missing file is not an error
 * unless @must_exist; other open failures return -errno with @err set.
 */
int totemd_conf_load(const char *path, bool must_exist, struct daemon_conf *dc, char *err,
		     size_t len);

#endif /* _TOTEM_DAEMON_CONF_H */
