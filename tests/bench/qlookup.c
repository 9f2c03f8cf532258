// SPDX-License-Identifier: GPL-2.0
/*
 * qlookup: how fast libtotem answers, for the query-path benchmark
 * (docs/performance.md).
 *
 *   qlookup [-b BACKEND] [-p PID] [-n MAX] [-T SECONDS] [-d DUMPS] LOCAL REMOTE
 *
 * Opens one handle on BACKEND (auto, bpf, kmod, proc), then times
 * totem_sock_lookup() of the socket LOCAL -> REMOTE (ADDR:PORT or
 * [ADDR6]:PORT) up to MAX times (default 1000) or until SECONDS (default
 * 5) have passed, at least 5 times; then DUMPS (default 0) full
 * totem_sock_dump() walks.  With -p, a lookup or dumped socket counts as
 * attributed only when its owner is PID.  Prints one JSON object:
 *   {"backend":..,"open_us":..,"lookups":N,"found":N,"attributed":N,
 *    "from_proc":N,"lookup_us":{"median":..,"p99":..,"min":..,"max":..},
 *    "dumps":N,"dump_s":{"median":..,"max":..},"dump_sockets":N,
 *    "dump_owned":N,"dump_attributed":N,"dump_from_proc":N}
 * dump_owned counts sockets with any owner, the last dump's figures.
 * from_proc and dump_from_proc count the answers whose owner libtotem took
 * from /proc (TOTEM_OWNER_F_PROC) rather than from the kernel side: on the
 * bpf and kmod backends, sockets older than the path or that it missed.
 * Exit 1 when a lookup or dump fails with an error other than ENOENT.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libtotem.h"

struct dump_count {
	unsigned long sockets;
	unsigned long owned;
	unsigned long attributed;
	unsigned long from_proc;
	__u32 pid;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted @v. */
static double pct(const double *v, unsigned long n, double p)
{
	unsigned long i = (unsigned long)(p / 100.0 * n + 0.999999);

	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return v[i - 1];
}

static int count_cb(const struct totem_sock *s, void *arg)
{
	struct dump_count *c = arg;

	c->sockets++;
	if (s->rec.owner.tgid)
		c->owned++;
	if (s->rec.owner.flags & TOTEM_OWNER_F_PROC)
		c->from_proc++;
	if (c->pid && s->rec.owner.tgid == c->pid)
		c->attributed++;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: qlookup [-b BACKEND] [-p PID] [-n MAX] [-T SECONDS] [-d DUMPS] "
		   "LOCAL REMOTE\n");
}

int main(int argc, char **argv)
{
	enum totem_backend backend = TOTEM_BACKEND_AUTO;
	unsigned long max = 1000, dumps = 0, n = 0, found = 0, attributed = 0, i;
	unsigned long from_proc = 0;
	struct dump_count dc = {};
	struct totem_sock key = {}, out;
	double budget = 5, t0, t1, open_us, *lat, *dlat = NULL;
	struct totem *t;
	__u8 fam2;
	int c, err, rc = 0;

	while ((c = getopt(argc, argv, "b:p:n:T:d:h")) != -1) {
		switch (c) {
		case 'b':
			if (totem_backend_parse(optarg, &backend))
				goto usage_err;
			break;
		case 'p':
			dc.pid = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			max = strtoul(optarg, NULL, 10);
			break;
		case 'T':
			budget = strtod(optarg, NULL);
			break;
		case 'd':
			dumps = strtoul(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto usage_err;
		}
	}
	if (argc - optind != 2 || !max)
		goto usage_err;
	if (totem_endpoint_parse(argv[optind], &key.family, key.saddr, &key.sport) ||
	    totem_endpoint_parse(argv[optind + 1], &fam2, key.daddr, &key.dport) ||
	    fam2 != key.family) {
		fprintf(stderr, "qlookup: invalid endpoints '%s' '%s'\n", argv[optind],
			argv[optind + 1]);
		return 2;
	}
	lat = calloc(max, sizeof(*lat));
	if (dumps)
		dlat = calloc(dumps, sizeof(*dlat));
	if (!lat || (dumps && !dlat)) {
		fprintf(stderr, "qlookup: out of memory\n");
		return 1;
	}

	t0 = now_us();
	err = totem_open(&t, backend);
	open_us = now_us() - t0;
	if (err) {
		fprintf(stderr, "qlookup: open %s backend: %s\n", totem_backend_name(backend),
			strerror(-err));
		return 1;
	}

	t0 = now_us();
	while (n < max && (n < 5 || now_us() - t0 < budget * 1e6)) {
		t1 = now_us();
		err = totem_sock_lookup(t, &key, &out);
		lat[n++] = now_us() - t1;
		if (!err) {
			found++;
			if (dc.pid && out.rec.owner.tgid == dc.pid)
				attributed++;
			if (out.rec.owner.flags & TOTEM_OWNER_F_PROC)
				from_proc++;
		} else if (err != -ENOENT) {
			fprintf(stderr, "qlookup: lookup %s %s: %s\n", argv[optind],
				argv[optind + 1], strerror(-err));
			rc = 1;
			break;
		}
	}
	for (i = 0; i < dumps && !rc; i++) {
		dc.sockets = dc.owned = dc.attributed = dc.from_proc = 0;
		t1 = now_us();
		err = totem_sock_dump(t, count_cb, &dc);
		dlat[i] = (now_us() - t1) / 1e6;
		if (err) {
			fprintf(stderr, "qlookup: dump: %s\n", strerror(-err));
			rc = 1;
		}
	}
	backend = totem_backend(t);
	totem_close(t);
	if (rc)
		return rc;

	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("{\"backend\":\"%s\",\"open_us\":%.1f,\"lookups\":%lu,\"found\":%lu,"
	       "\"attributed\":%lu,\"from_proc\":%lu,\"lookup_us\":{\"median\":%.2f,"
	       "\"p99\":%.2f,\"min\":%.2f,\"max\":%.2f}",
	       totem_backend_name(backend), open_us, n, found, attributed, from_proc,
	       pct(lat, n, 50), pct(lat, n, 99), lat[0], lat[n - 1]);
	if (dumps) {
		qsort(dlat, dumps, sizeof(*dlat), cmp_double);
		printf(",\"dumps\":%lu,\"dump_s\":{\"median\":%.4f,\"max\":%.4f},"
		       "\"dump_sockets\":%lu,\"dump_owned\":%lu,\"dump_attributed\":%lu,"
		       "\"dump_from_proc\":%lu",
		       dumps, pct(dlat, dumps, 50), dlat[dumps - 1], dc.sockets, dc.owned,
		       dc.attributed, dc.from_proc);
	}
	printf("}\n");
	free(lat);
	free(dlat);
	return 0;

usage_err:
	usage(stderr);
	return 2;
}
