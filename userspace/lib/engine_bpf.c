// SPDX-License-Identifier: GPL-2.0
/*
 * totemd's eBPF path: probe the kernel, choose programs, load, pin the maps
 * queries need, attach through bpf_links, apply config, drain events.
 *
 * Lifecycle (libbpf-bootstrap): open -> set rodata from probes, choose
 * autoload -> load -> write config -> pin -> attach.  The links are not
 * pinned: when totemd exits, even by SIGKILL, the kernel detaches the
 * programs and no stale injection remains.  Pins left by a killed totemd
 * are removed at the next start.  docs/bpf.md says which kernel gets which
 * hook and why.
 */
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "engine.h"
#include "bpf_pins.h"
#include "totem.skel.h"
#include "lookup.skel.h"

#define BPF_FS_ROOT "/sys/fs/bpf"

struct bpf_engine {
	struct totem_bpf *skel;
	struct lookup_bpf *lookup; /* NULL: lookups use sock_diag */
	struct bpf_link *links[8];
	unsigned int nr_links;
	int cgroup_fd;
	struct ring_buffer *rb;
	int tfd; /* the ring's read timer, in the ring's epoll set */
	void (*cb)(const struct totem_event *ev, void *arg);
	void *cb_arg;
	bool pinned;
	int verbose;
};

static void why_set(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

static int quiet_print(enum libbpf_print_level level, const char *fmt,
		       va_list ap)
{
	return 0;
}

static int verbose_print(enum libbpf_print_level level, const char *fmt,
			 va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* 1 if @helper is callable from @type programs on this kernel. */
static bool have_helper(enum bpf_prog_type type, enum bpf_func_id helper)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet_print);
	int r = libbpf_probe_bpf_helper(type, helper, NULL);

	libbpf_set_print(old);
	return r == 1;
}

/*
 * Number of arguments of a kernel function per BTF, or -errno.  Used for
 * inet_csk_accept(): 4 before 6.10, 2 since 92ef0fd55ac8.
 */
static int kfunc_nr_args(const char *name)
{
	const struct btf_type *t;
	struct btf *btf;
	int id, n;

	btf = btf__load_vmlinux_btf();
	if (!btf)
		return -errno;
	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	if (id < 0) {
		btf__free(btf);
		return id;
	}
	t = btf__type_by_id(btf, id);
	t = t ? btf__type_by_id(btf, t->type) : NULL;
	n = t ? btf_vlen(t) : -ENOENT;
	btf__free(btf);
	return n;
}

/* The cgroup v2 mount point (hybrid hosts: /sys/fs/cgroup/unified). */
static int cgroup2_root(char *buf, size_t len)
{
	struct mntent *m;
	FILE *f;
	int err = -ENOENT;

	f = setmntent("/proc/self/mounts", "r");
	if (!f)
		return -errno;
	while ((m = getmntent(f))) {
		if (strcmp(m->mnt_type, "cgroup2"))
			continue;
		snprintf(buf, len, "%s", m->mnt_dir);
		err = 0;
		break;
	}
	endmntent(f);
	return err;
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

static int bpffs_ensure(void)
{
	if (is_bpffs(BPF_FS_ROOT))
		return 0;
	if (mkdir(BPF_FS_ROOT, 0700) && errno != EEXIST)
		return -errno;
	if (mount("bpf", BPF_FS_ROOT, "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

static const char *const pin_names[] = {
	TOTEM_BPF_SOCK_MAP,
	TOTEM_BPF_TOA_MAP,
	TOTEM_BPF_PROC_MAP,
	TOTEM_BPF_CONFIG_MAP,
	TOTEM_BPF_STATS_MAP,
	TOTEM_BPF_LOOKUP_PROG,
};

/* Remove our pins (stale ones from a killed totemd, or our own). */
static void pins_remove(void)
{
	char path[256];
	unsigned int i;

	for (i = 0; i < sizeof(pin_names) / sizeof(pin_names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", TOTEM_BPF_PIN_DIR,
			 pin_names[i]);
		unlink(path);
	}
	rmdir(TOTEM_BPF_PIN_DIR);
	unlink(TOTEM_BPF_PIDFILE);
}

/* The pid of a live totemd that owns the pins, 0 if none (they are stale). */
static int pins_owner(void)
{
	char path[64], comm[32] = "";
	FILE *f;
	int pid;

	f = fopen(TOTEM_BPF_PIDFILE, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 0 || pid == getpid())
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return strncmp(comm, "totemd", 6) ? 0 : pid;
}

static int pin_one(struct bpf_map *map, const char *name)
{
	char path[256];
	int err;

	snprintf(path, sizeof(path), "%s/%s", TOTEM_BPF_PIN_DIR, name);
	err = bpf_map__pin(map, path);
	if (err)
		return err;
	return chmod(path, 0600) ? -errno : 0;
}

/*
 * The O(1) lookup program (bpf/lookup.bpf.c), on our three record maps,
 * pinned for libtotem.  Optional: without it lookups walk sock_diag.
 */
static void lookup_load(struct bpf_engine *be)
{
	char path[256];
	int err;

	be->lookup = lookup_bpf__open();
	if (!be->lookup)
		return;
	err = bpf_map__reuse_fd(be->lookup->maps.sock_record,
				bpf_map__fd(be->skel->maps.sock_record));
	if (!err)
		err = bpf_map__reuse_fd(be->lookup->maps.sock_toa,
					bpf_map__fd(be->skel->maps.sock_toa));
	if (!err)
		err = bpf_map__reuse_fd(be->lookup->maps.proc_info,
					bpf_map__fd(be->skel->maps.proc_info));
	if (!err)
		err = lookup_bpf__load(be->lookup);
	snprintf(path, sizeof(path), "%s/%s", TOTEM_BPF_PIN_DIR, TOTEM_BPF_LOOKUP_PROG);
	if (!err)
		err = bpf_program__pin(be->lookup->progs.totem_lookup, path);
	if (!err && chmod(path, 0600))
		err = -errno;
	if (err) {
		if (be->verbose)
			fprintf(stderr, "totem bpf: no lookup program (%s): lookups use sock_diag\n",
				strerror(-err));
		unlink(path);
		lookup_bpf__destroy(be->lookup);
		be->lookup = NULL;
	}
}

static int pins_create(struct totem_bpf *skel)
{
	int err;

	if (mkdir(TOTEM_BPF_PIN_DIR, 0700) && errno != EEXIST)
		return -errno;
	if (chmod(TOTEM_BPF_PIN_DIR, 0700))
		return -errno;
	err = pin_one(skel->maps.sock_record, TOTEM_BPF_SOCK_MAP);
	if (!err)
		err = pin_one(skel->maps.sock_toa, TOTEM_BPF_TOA_MAP);
	if (!err)
		err = pin_one(skel->maps.proc_info, TOTEM_BPF_PROC_MAP);
	if (!err)
		err = pin_one(skel->maps.totem_cfg, TOTEM_BPF_CONFIG_MAP);
	if (!err)
		err = pin_one(skel->maps.stats, TOTEM_BPF_STATS_MAP);
	return err;
}

/*
 * `ip netns exec` mounts a fresh /sys, hiding /sys/fs/bpf from the
 * queries it runs; they find the pins through /proc/PID/root of this
 * process instead (userspace/lib/backend_bpf.c).
 */
static void pidfile_write(void)
{
	FILE *f;

	mkdir(TOTEM_BPF_RUNDIR, 0755);
	f = fopen(TOTEM_BPF_PIDFILE, "we");
	if (!f)
		return;
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
}

static int config_check(const struct totem_config *c)
{
	if (c->enable & ~TOTEM_SEG_ALL)
		return -EINVAL;
	if (c->format4 != TOTEM_FMT_V1 && c->format4 != TOTEM_FMT_V2)
		return -EINVAL;
	if (c->format6 != TOTEM_FMT_V6 && c->format6 != TOTEM_FMT_V2)
		return -EINVAL;
	if (c->parse > 1)
		return -EINVAL;
	return 0;
}

static int config_write(struct bpf_engine *be, const struct totem_config *c)
{
	struct totem_config cfg = *c;
	__u32 zero = 0;
	int err;

	if (!cfg.host_id) {
		struct totem_config def;

		totem_config_default(&def);
		cfg.host_id = def.host_id;
	}
	err = config_check(&cfg);
	if (err)
		return err;
	err = bpf_map_update_elem(bpf_map__fd(be->skel->maps.totem_cfg), &zero,
				  &cfg, BPF_ANY);
	return err ? -errno : 0;
}

static int bpf_probe(char *why, size_t len)
{
	char cg[256];

	if (geteuid()) {
		why_set(why, len, "needs root (CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON)");
		return -EPERM;
	}
	if (cgroup2_root(cg, sizeof(cg))) {
		why_set(why, len, "no cgroup v2 mount in /proc/self/mounts");
		return -ENOENT;
	}
	if (!have_helper(BPF_PROG_TYPE_SOCK_OPS, BPF_FUNC_reserve_hdr_opt)) {
		why_set(why, len, "no sockops header options (Linux 5.10+)");
		return -EOPNOTSUPP;
	}
	why_set(why, len, "cgroup v2 at %s", cg);
	return 0;
}

/* Which optional programs this kernel can run (docs/bpf.md). */
struct bpf_choice {
	bool sockops_pid;
	bool sockops_netns;
	int accept_args; /* 2, 4, or < 0: no fexit on accept */
	bool tracing;
};

static void choose(struct bpf_choice *c, bool tracing)
{
	c->sockops_pid = have_helper(BPF_PROG_TYPE_SOCK_OPS,
				     BPF_FUNC_get_current_pid_tgid);
	c->sockops_netns = have_helper(BPF_PROG_TYPE_SOCK_OPS,
				       BPF_FUNC_get_netns_cookie);
	c->accept_args = kfunc_nr_args("inet_csk_accept");
	c->tracing = tracing && c->accept_args > 0;
}

static int open_load(struct bpf_engine *be, struct bpf_choice *c)
{
	struct totem_bpf *skel;
	int err;

	skel = totem_bpf__open();
	if (!skel)
		return -errno;
	skel->rodata->have_sockops_pid = c->sockops_pid;
	skel->rodata->have_sockops_netns_cookie = c->sockops_netns;
	skel->rodata->sockops_sender = !c->tracing && c->sockops_pid;
	bpf_program__set_autoload(skel->progs.totem_accept,
				  c->tracing && c->accept_args == 2);
	bpf_program__set_autoload(skel->progs.totem_accept_old,
				  c->tracing && c->accept_args == 4);
	bpf_program__set_autoload(skel->progs.totem_sendmsg, c->tracing);
	err = totem_bpf__load(skel);
	if (err) {
		totem_bpf__destroy(skel);
		return err;
	}
	be->skel = skel;
	return 0;
}

static int link_add(struct bpf_engine *be, struct bpf_link *l)
{
	if (!l)
		return -errno;
	be->links[be->nr_links++] = l;
	return 0;
}

static int attach_all(struct bpf_engine *be, bool tracing)
{
	struct totem_bpf *s = be->skel;
	int err;

	err = link_add(be, bpf_program__attach_cgroup(s->progs.totem_sock_create,
						      be->cgroup_fd));
	if (!err)
		err = link_add(be, bpf_program__attach_cgroup(s->progs.totem_connect4,
							      be->cgroup_fd));
	if (!err)
		err = link_add(be, bpf_program__attach_cgroup(s->progs.totem_connect6,
							      be->cgroup_fd));
	if (!err && tracing) {
		if (bpf_program__autoload(s->progs.totem_accept))
			err = link_add(be, bpf_program__attach(s->progs.totem_accept));
		if (!err && bpf_program__autoload(s->progs.totem_accept_old))
			err = link_add(be, bpf_program__attach(s->progs.totem_accept_old));
		if (!err)
			err = link_add(be, bpf_program__attach(s->progs.totem_sendmsg));
	}
	/* sockops last: by now every owner hook is in place. */
	if (!err)
		err = link_add(be, bpf_program__attach_cgroup(s->progs.totem_sockops,
							      be->cgroup_fd));
	return err;
}

static int event_handler(void *ctx, void *data, size_t size)
{
	struct bpf_engine *be = ctx;

	if (size >= sizeof(struct totem_event) && be->cb)
		be->cb(data, be->cb_arg);
	return 0;
}

/*
 * The programs submit events without waking us (bpf/totem.bpf.c) until a
 * quarter of the ring waits: a timer in the ring's epoll set makes its fd
 * readable every EVENTS_READ_MS, so events arrive within that time.
 */
#define EVENTS_READ_MS 50

static int ring_timer(struct bpf_engine *be)
{
	struct itimerspec its = {
		.it_interval.tv_nsec = EVENTS_READ_MS * 1000000L,
		.it_value.tv_nsec = EVENTS_READ_MS * 1000000L,
	};
	struct epoll_event ee = { .events = EPOLLIN };

	be->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (be->tfd < 0)
		return -errno;
	ee.data.fd = be->tfd;
	if (timerfd_settime(be->tfd, 0, &its, NULL) ||
	    epoll_ctl(ring_buffer__epoll_fd(be->rb), EPOLL_CTL_ADD, be->tfd, &ee))
		return -errno;
	return 0;
}

static void teardown(struct bpf_engine *be)
{
	while (be->nr_links)
		bpf_link__destroy(be->links[--be->nr_links]);
	ring_buffer__free(be->rb);
	be->rb = NULL;
	if (be->tfd >= 0)
		close(be->tfd);
	be->tfd = -1;
	if (be->pinned)
		pins_remove();
	be->pinned = false;
	if (be->cgroup_fd >= 0)
		close(be->cgroup_fd);
	be->cgroup_fd = -1;
	lookup_bpf__destroy(be->lookup);
	be->lookup = NULL;
	totem_bpf__destroy(be->skel);
	be->skel = NULL;
}

/*
 * Another totemd, whose pins this one cannot see (another mount namespace
 * or bpffs), may already write options from this cgroup: two writers put
 * two TOT options on a segment, which receivers reject.  Returns the id of
 * such a sockops program, 0 if there is none.
 */
static __u32 foreign_attached(int cgroup_fd)
{
	__u32 ids[64], cnt = 64, i;

	if (bpf_prog_query(cgroup_fd, BPF_CGROUP_SOCK_OPS, 0, NULL, ids, &cnt))
		return 0;
	for (i = 0; i < cnt; i++) {
		struct bpf_prog_info info = {};
		__u32 info_len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(ids[i]);
		int ours;

		if (fd < 0)
			continue;
		ours = !bpf_obj_get_info_by_fd(fd, &info, &info_len) &&
		       !strncmp(info.name, "totem", 5);
		close(fd);
		if (ours)
			return ids[i];
	}
	return 0;
}

static int bpf_start(struct totem_engine *e, const struct totem_engine_opts *o,
		     char *why, size_t len)
{
	struct totem_config def;
	struct bpf_choice c;
	struct bpf_engine *be;
	char cg[256];
	__u32 other;
	int err;

	be = calloc(1, sizeof(*be));
	if (!be)
		return -ENOMEM;
	be->cgroup_fd = -1;
	be->tfd = -1;
	be->verbose = o ? o->verbose : 0;
	libbpf_set_print(be->verbose ? verbose_print : quiet_print);

	if (o && o->cgroup) {
		snprintf(cg, sizeof(cg), "%s", o->cgroup);
	} else if (cgroup2_root(cg, sizeof(cg))) {
		why_set(why, len, "no cgroup v2 mount in /proc/self/mounts");
		err = -ENOENT;
		goto out_free;
	}
	be->cgroup_fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (be->cgroup_fd < 0) {
		err = -errno;
		why_set(why, len, "open cgroup %s: %s", cg, strerror(-err));
		goto out_free;
	}
	err = bpffs_ensure();
	if (err) {
		why_set(why, len, "mount bpffs at %s: %s", BPF_FS_ROOT, strerror(-err));
		goto out_teardown;
	}
	if (pins_owner()) {
		why_set(why, len, "totemd pid %d already runs the eBPF path (%s)",
			pins_owner(), TOTEM_BPF_PIDFILE);
		err = -EBUSY;
		goto out_teardown;
	}
	other = foreign_attached(be->cgroup_fd);
	if (other) {
		why_set(why, len, "totem's sockops program (id %u) is already attached to %s",
			other, cg);
		err = -EBUSY;
		goto out_teardown;
	}
	pins_remove();

	choose(&c, true);
	err = open_load(be, &c);
	if (err && c.tracing) {
		/* No trampolines here: run with the cgroup hooks alone. */
		c.tracing = false;
		err = open_load(be, &c);
	}
	if (err) {
		why_set(why, len, "load BPF programs: %s (run with -v for the verifier log)",
			strerror(-err));
		goto out_teardown;
	}
	if (be->verbose)
		fprintf(stderr,
			"totem bpf: sockops pid_tgid %s, sockops netns cookie %s, accept hook %s, sendmsg hook %s\n",
			c.sockops_pid ? "yes" : "no", c.sockops_netns ? "yes" : "no",
			!c.tracing ? "none" : c.accept_args == 2 ? "fexit/inet_csk_accept (6.10+)" :
								   "fexit/inet_csk_accept (<6.10)",
			c.tracing     ? "fentry/tcp_sendmsg" :
			c.sockops_pid ? "sockops (socket lock owner)" :
					"none");

	if (o && o->config) {
		err = config_write(be, o->config);
	} else {
		totem_config_default(&def);
		err = config_write(be, &def);
	}
	if (err) {
		why_set(why, len, "invalid configuration: %s", strerror(-err));
		goto out_teardown;
	}
	err = pins_create(be->skel);
	be->pinned = true;
	if (err) {
		why_set(why, len, "pin maps under %s: %s", TOTEM_BPF_PIN_DIR,
			strerror(-err));
		goto out_teardown;
	}
	pidfile_write();
	lookup_load(be);
	err = attach_all(be, c.tracing);
	if (err) {
		why_set(why, len, "attach to cgroup %s: %s", cg, strerror(-err));
		goto out_teardown;
	}
	be->rb = ring_buffer__new(bpf_map__fd(be->skel->maps.events),
				  event_handler, be, NULL);
	if (!be->rb) {
		err = -errno;
		why_set(why, len, "ring buffer: %s", strerror(-err));
		goto out_teardown;
	}
	err = ring_timer(be);
	if (err) {
		why_set(why, len, "ring buffer timer: %s", strerror(-err));
		goto out_teardown;
	}
	why_set(why, len, "attached to %s", cg);
	e->priv = be;
	return 0;

out_teardown:
	teardown(be);
out_free:
	if (be->cgroup_fd >= 0)
		close(be->cgroup_fd);
	free(be);
	return err;
}

static int bpf_set_config(struct totem_engine *e, const struct totem_config *cfg)
{
	return config_write(e->priv, cfg);
}

static int bpf_event_fd(struct totem_engine *e)
{
	struct bpf_engine *be = e->priv;

	return be->rb ? ring_buffer__epoll_fd(be->rb) : -1;
}

static int bpf_event_poll(struct totem_engine *e,
			  void (*cb)(const struct totem_event *ev, void *arg),
			  void *arg)
{
	struct bpf_engine *be = e->priv;
	__u64 ticks;
	int n;

	if (!be->rb)
		return 0;
	be->cb = cb;
	be->cb_arg = arg;
	if (read(be->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return -errno;
	n = ring_buffer__consume(be->rb);
	be->cb = NULL;
	return n < 0 ? n : 0;
}

static void bpf_stop(struct totem_engine *e)
{
	struct bpf_engine *be = e->priv;

	if (!be)
		return;
	teardown(be);
	free(be);
	e->priv = NULL;
}

const struct totem_engine_ops totem_bpf_engine_ops = {
	.probe = bpf_probe,
	.start = bpf_start,
	.set_config = bpf_set_config,
	.event_fd = bpf_event_fd,
	.event_poll = bpf_event_poll,
	.stop = bpf_stop,
};
