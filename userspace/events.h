/* SPDX-License-Identifier: GPL-2.0 */
/*
 * totemd's event service: the engine's events, as JSON lines, to every
 * subscriber of $TOTEM_RUNDIR/events.sock, and a bounded history of the
 * connections that closed recently.
 *
 * Protocol (a Unix stream socket, root and the "totem" group only):
 * totemd writes one JSON object per line, an event as `totem -j monitor`
 * prints it.  A subscriber may write one request line:
 *   "history\n"  totemd answers {"event":"history_begin",...}, a "close"
 *                line for each remembered connection, oldest first, then
 *                {"event":"history_end","count":N,"forgotten":F}, and goes
 *                on with live events.  Nothing else comes between begin
 *                and end.
 * Anything else (or more than one request) ends the subscription.
 */
#ifndef _TOTEMD_EVENTS_H
#define _TOTEMD_EVENTS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include "libtotem.h"

#define TOTEMD_MAX_SUBSCRIBERS 64

struct totemd_events;

/* Listen on @path (created 0660 root:totem, or 0600 without that group). */
int totemd_events_open(struct totemd_events **evp, const char *path, unsigned int history);
void totemd_events_close(struct totemd_events *ev);
/* Keep at most @n closed connections from now on (the oldest go first). */
int totemd_events_set_history(struct totemd_events *ev, unsigned int n);

/* The fds to poll (at most 1 + TOTEMD_MAX_SUBSCRIBERS), then their revents. */
int totemd_events_pollfds(struct totemd_events *ev, struct pollfd *pfd);
void totemd_events_revents(struct totemd_events *ev, const struct pollfd *pfd, int n);

/* One engine event: to every subscriber; a close also into the history. */
void totemd_events_publish(struct totemd_events *ev, const struct totem_event *e);

/* @e as one JSON line (with its newline); the length, as snprintf. */
int totemd_event_json(const struct totem_event *e, char *buf, size_t len);

/* totemd.c */
void totemd_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
extern int totemd_verbose; /* LOG_DEBUG lines are logged */

#endif /* _TOTEMD_EVENTS_H */
