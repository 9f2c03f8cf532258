// SPDX-License-Identifier: GPL-2.0
/*
 * The client side of totemd's event service (userspace/events.h has the
 * protocol): connect to $TOTEM_RUNDIR/events.sock, optionally ask for the
 * history of closed connections, and hand out one JSON line per event.
 * Which path totemd runs does not show here: every path's events come as
 * the same lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "libtotem.h"

#define RUNDIR_DEFAULT "/run/totem"

struct totem_monitor {
	FILE *f;
	unsigned int flags;
	int in_history; /* 1 between history_begin and history_end */
	int done; /* no FOLLOW, history over */
	char *line;
	size_t cap;
};

const char *totem_rundir(void)
{
	const char *d = getenv("TOTEM_RUNDIR");

	return d && *d ? d : RUNDIR_DEFAULT;
}

int totem_monitor_open(struct totem_monitor **mp, unsigned int flags)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	static const char req[] = "history\n";
	struct totem_monitor *m;
	int fd, err;

	if (!(flags & (TOTEM_MONITOR_HISTORY | TOTEM_MONITOR_FOLLOW)) ||
	    flags & ~(TOTEM_MONITOR_HISTORY | TOTEM_MONITOR_FOLLOW))
		return -EINVAL;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/events.sock",
			     totem_rundir()) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->flags = flags;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		goto out_free;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		err = -errno;
		goto out_close;
	}
	if (flags & TOTEM_MONITOR_HISTORY &&
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != sizeof(req) - 1) {
		err = -errno ?: -EIO;
		goto out_close;
	}
	m->f = fdopen(fd, "r");
	if (!m->f) {
		err = -errno;
		goto out_close;
	}
	*mp = m;
	return 0;

out_close:
	close(fd);
out_free:
	free(m);
	return err;
}

static int is_event(const char *line, const char *name)
{
	char pat[48];

	snprintf(pat, sizeof(pat), "{\"event\":\"%s\"", name);
	return !strncmp(line, pat, strlen(pat));
}

int totem_monitor_next(struct totem_monitor *m, const char **line)
{
	ssize_t n;

	while (!m->done) {
		errno = 0;
		n = getline(&m->line, &m->cap, m->f);
		if (n <= 0)
			return ferror(m->f) ? -(errno ?: EIO) : 0;
		if (m->line[n - 1] != '\n')
			return 0; /* cut short: totemd went away mid-line */
		m->line[n - 1] = '\0';
		if (is_event(m->line, "history_begin")) {
			m->in_history = 1;
			continue;
		}
		if (is_event(m->line, "history_end")) {
			m->in_history = 0;
			if (!(m->flags & TOTEM_MONITOR_FOLLOW))
				m->done = 1;
			continue;
		}
		/* HISTORY only: live events around the history are not asked for */
		if (!(m->flags & TOTEM_MONITOR_FOLLOW) && !m->in_history)
			continue;
		*line = m->line;
		return 1;
	}
	return 0;
}

void totem_monitor_close(struct totem_monitor *m)
{
	if (!m)
		return;
	fclose(m->f);
	free(m->line);
	free(m);
}
