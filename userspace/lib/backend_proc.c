// SPDX-License-Identifier: GPL-2.0
/*
 * The /proc backend: no option is written or parsed, so peer and TOA are
 * always empty; the local owner comes from /proc.  Sockets are read from
 * /proc/net/tcp and /proc/net/tcp6 (the caller's network namespace), the
 * owning process from the socket:[inode] links under /proc/PID/fd.
 *
 * Owners are cached per handle (inode -> pid, fd).  A cached entry is
 * checked with one readlink of /proc/PID/fd/FD; only a miss triggers a walk
 * of /proc, at most once per query, and that walk rebuilds the cache.  A
 * socket held by several processes (fork, fd passing) is reported with
 * the lowest PID that holds it.
 *
 * The same owner lookup fills in, on the other paths, the sockets that
 * have no record there: those opened before totem started (core.c).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "internal.h"

#define OWNER_BUCKETS 1024

struct owner_ent {
	struct owner_ent *next;
	__u64 inode;
	__u32 pid;
	__u32 fd;
	int have_info; /* comm and cgroup_id read */
	char comm[16];
	__u64 cgroup_id;
};

struct totem_proc_owners {
	struct owner_ent *bucket[OWNER_BUCKETS];
	__u32 netns;
	char cgroot[64]; /* cgroup v2 mount, "" if none */
};

/* One line of /proc/net/tcp{,6}. */
struct proc_ent {
	struct totem_sock s;
	__u32 uid;
};

struct proc_table {
	struct proc_ent *ent;
	size_t n, cap;
};

static unsigned int owner_hash(__u64 inode)
{
	return (inode * 0x9E3779B97F4A7C15ULL) >> 54; /* top 10 bits */
}

static void owner_clear(struct totem_proc_owners *p)
{
	unsigned int i;

	for (i = 0; i < OWNER_BUCKETS; i++) {
		while (p->bucket[i]) {
			struct owner_ent *e = p->bucket[i];

			p->bucket[i] = e->next;
			free(e);
		}
	}
}

static struct owner_ent *owner_find(struct totem_proc_owners *p, __u64 inode)
{
	struct owner_ent *e;

	for (e = p->bucket[owner_hash(inode)]; e; e = e->next)
		if (e->inode == inode)
			return e;
	return NULL;
}

static int owner_add(struct totem_proc_owners *p, __u64 inode, __u32 pid, __u32 fd)
{
	struct owner_ent *e = owner_find(p, inode);

	if (e) {
		if (pid < e->pid) {
			e->pid = pid;
			e->fd = fd;
			e->have_info = 0;
		}
		return 0;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->inode = inode;
	e->pid = pid;
	e->fd = fd;
	e->next = p->bucket[owner_hash(inode)];
	p->bucket[owner_hash(inode)] = e;
	return 0;
}

/* "socket:[12345]" -> 12345, 0 if the link is not a socket. */
static __u64 socket_inode(const char *link)
{
	unsigned long long ino;
	int end = 0;

	if (sscanf(link, "socket:[%llu]%n", &ino, &end) != 1 || !end || link[end])
		return 0;
	return ino;
}

static int is_number(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Walk /proc/[0-9]+/fd and rebuild the inode -> owner cache. */
static int owner_rescan(struct totem_proc_owners *p)
{
	struct dirent *pd, *fdd;
	DIR *proc, *fds;
	char path[64], link[64];
	int err = 0;

	proc = opendir("/proc");
	if (!proc)
		return -errno;
	owner_clear(p);
	while ((pd = readdir(proc))) {
		__u32 pid;

		if (!is_number(pd->d_name))
			continue;
		pid = strtoul(pd->d_name, NULL, 10);
		snprintf(path, sizeof(path), "/proc/%u/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue; /* gone, or not ours to read */
		while ((fdd = readdir(fds))) {
			__u64 ino;
			ssize_t n;

			if (!is_number(fdd->d_name))
				continue;
			n = readlinkat(dirfd(fds), fdd->d_name, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			ino = socket_inode(link);
			if (!ino)
				continue;
			err = owner_add(p, ino, pid, strtoul(fdd->d_name, NULL, 10));
			if (err)
				break;
		}
		closedir(fds);
		if (err)
			break;
	}
	closedir(proc);
	return err;
}

/* Is the cached owner still holding the socket? */
static int owner_valid(const struct owner_ent *e)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/fd/%u", e->pid, e->fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	return socket_inode(link) == e->inode;
}

static void read_comm(__u32 pid, char comm[16])
{
	char path[64];
	ssize_t n;
	int fd;

	memset(comm, 0, 16);
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, comm, 15);
	close(fd);
	if (n > 0 && comm[n - 1] == '\n')
		comm[n - 1] = '\0';
}

/* cgroup v2 id of @pid: the inode of its cgroup directory (kernfs id). */
static __u64 read_cgroup_id(const struct totem_proc_owners *p, __u32 pid)
{
	char path[64], line[512], dir[600];
	struct stat st;
	__u64 id = 0;
	FILE *f;

	if (!p->cgroot[0])
		return 0;
	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "0::", 3))
			continue;
		snprintf(dir, sizeof(dir), "%s%s", p->cgroot, line + 3);
		if (!stat(dir, &st))
			id = st.st_ino;
		break;
	}
	fclose(f);
	return id;
}

/*
 * `ip netns exec` mounts a fresh /sys without cgroups: fall back to the
 * initial mount namespace's view through /proc/1/root.
 */
static void find_cgroot(struct totem_proc_owners *p)
{
	static const char *const cand[] = {
		"/sys/fs/cgroup/unified",
		"/sys/fs/cgroup",
		"/proc/1/root/sys/fs/cgroup/unified",
		"/proc/1/root/sys/fs/cgroup",
	};
	struct statfs sf;
	unsigned int i;

	for (i = 0; i < sizeof(cand) / sizeof(cand[0]); i++) {
		if (!statfs(cand[i], &sf) && sf.f_type == CGROUP2_SUPER_MAGIC) {
			snprintf(p->cgroot, sizeof(p->cgroot), "%s", cand[i]);
			return;
		}
	}
}

/* /proc/net/tcp prints each 32-bit address word in host byte order. */
static int parse_addr(const char *hex, __u8 *addr, int words)
{
	int i;

	if ((int)strlen(hex) != 8 * words)
		return -EINVAL;
	for (i = 0; i < words; i++) {
		char w[9];
		__u32 v;

		memcpy(w, hex + 8 * i, 8);
		w[8] = '\0';
		v = strtoul(w, NULL, 16);
		memcpy(addr + 4 * i, &v, 4);
	}
	return 0;
}

static int table_read(struct proc_table *tab, const char *file, int family,
		      __u32 netns)
{
	char line[512];
	FILE *f;
	int words = family == AF_INET ? 1 : 4;

	f = fopen(file, "re");
	if (!f)
		return errno == ENOENT && family == AF_INET6 ? 0 : -errno; /* no IPv6 */
	/* big reads: fewer resume points in the kernel, fewer duplicates */
	setvbuf(f, NULL, _IOFBF, 256 * 1024);
	if (!fgets(line, sizeof(line), f)) { /* header */
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		char la[33], ra[33];
		unsigned int lp, rp, st, uid;
		unsigned long long ino;
		struct proc_ent *e;

		if (sscanf(line, " %*d: %32[0-9A-Fa-f]:%x %32[0-9A-Fa-f]:%x %x %*x:%*x %*x:%*x %*x %u %*d %llu",
			   la, &lp, ra, &rp, &st, &uid, &ino) != 7)
			continue;
		if (tab->n == tab->cap) {
			size_t cap = tab->cap ? tab->cap * 2 : 64;
			struct proc_ent *ne = realloc(tab->ent, cap * sizeof(*ne));

			if (!ne) {
				fclose(f);
				return -ENOMEM;
			}
			tab->ent = ne;
			tab->cap = cap;
		}
		e = &tab->ent[tab->n];
		memset(e, 0, sizeof(*e));
		if (parse_addr(la, e->s.saddr, words) || parse_addr(ra, e->s.daddr, words))
			continue;
		e->s.family = family;
		e->s.state = st;
		e->s.sport = lp;
		e->s.dport = rp;
		e->s.netns = netns;
		e->s.inode = ino;
		e->uid = uid;
		tab->n++;
	}
	fclose(f);
	return 0;
}

/* Listeners first, then by local and remote end. */
static int ent_cmp(const void *a, const void *b)
{
	const struct proc_ent *x = a, *y = b;
	int xl = x->s.state == TCP_LISTEN, yl = y->s.state == TCP_LISTEN;

	if (x->s.family != y->s.family)
		return x->s.family - y->s.family;
	if (xl != yl)
		return yl - xl;
	if (x->s.sport != y->s.sport)
		return x->s.sport - y->s.sport;
	if (x->s.dport != y->s.dport)
		return x->s.dport - y->s.dport;
	return memcmp(x->s.saddr, y->s.saddr, 16) ?: memcmp(x->s.daddr, y->s.daddr, 16);
}

/*
 * /proc/net/tcp is produced in read()-sized pieces; sockets added while
 * it is read shift the kernel's resume point, and one socket can be
 * listed several times.  Sort and keep one line per tuple (the one with
 * a file, if any).
 */
static void table_unique(struct proc_table *tab)
{
	size_t i, o = 0;

	if (!tab->n)
		return;
	qsort(tab->ent, tab->n, sizeof(*tab->ent), ent_cmp);
	for (i = 1; i < tab->n; i++) {
		if (!ent_cmp(&tab->ent[o], &tab->ent[i])) {
			if (!tab->ent[o].s.inode)
				tab->ent[o] = tab->ent[i];
			continue;
		}
		tab->ent[++o] = tab->ent[i];
	}
	tab->n = o + 1;
}

static int tables_read(struct totem_proc_owners *p, struct proc_table *tab)
{
	int err;

	memset(tab, 0, sizeof(*tab));
	err = table_read(tab, "/proc/net/tcp", AF_INET, p->netns);
	if (!err)
		err = table_read(tab, "/proc/net/tcp6", AF_INET6, p->netns);
	if (err) {
		free(tab->ent);
		tab->ent = NULL;
		return err;
	}
	table_unique(tab);
	return 0;
}

/*
 * The process holding socket @inode into @o (tgid, comm, cgroup id; flag
 * TOTEM_OWNER_F_PROC); @o is left alone if none is found.  *rescanned
 * limits the /proc walk to one per query.
 */
int totem_proc_owner_fill(struct totem_proc_owners *p, __u64 inode, struct totem_owner *o,
			  int *rescanned)
{
	struct owner_ent *oe;
	int err;

	oe = owner_find(p, inode);
	if (oe && !owner_valid(oe))
		oe = NULL;
	if (!oe && !*rescanned) {
		err = owner_rescan(p);
		if (err)
			return err;
		*rescanned = 1;
		oe = owner_find(p, inode);
	}
	if (!oe)
		return 0;
	/* the same pid holding the same inode: the same process, read once */
	if (!oe->have_info) {
		read_comm(oe->pid, oe->comm);
		oe->cgroup_id = read_cgroup_id(p, oe->pid);
		oe->have_info = 1;
	}
	o->tgid = oe->pid;
	o->flags = TOTEM_OWNER_F_PROC;
	memcpy(o->comm, oe->comm, sizeof(o->comm));
	o->cgroup_id = oe->cgroup_id;
	return 0;
}

/* Does listener @l take connections for local address @e? */
static int listener_covers(const struct proc_ent *l, const struct proc_ent *e)
{
	static const __u8 any[16];
	int alen = l->s.family == AF_INET ? 4 : 16;

	if (l->s.state != TCP_LISTEN || l->s.sport != e->s.sport || l->s.family != e->s.family)
		return 0;
	if (!memcmp(l->s.saddr, any, alen) || !memcmp(l->s.saddr, e->s.saddr, alen))
		return 1;
	return 0;
}

/*
 * A connection still in the listener's accept queue has no file (inode
 * 0) yet: until accept(), its owner is the listener's, as on the other
 * paths.  TIME_WAIT and orphans, also without inode, stay unowned.
 */
static int fill_owner_listener(struct totem_proc_owners *p, struct proc_table *tab,
			       struct proc_ent *e, int *rescanned)
{
	size_t i;
	int err;

	if (e->s.state != TCP_ESTABLISHED && e->s.state != TCP_SYN_RECV)
		return 0;
	for (i = 0; i < tab->n; i++) {
		struct proc_ent *l = &tab->ent[i];

		if (!l->s.inode || !listener_covers(l, e))
			continue;
		if (!l->s.rec.owner.tgid) {
			err = totem_proc_owner_fill(p, l->s.inode, &l->s.rec.owner, rescanned);
			if (err)
				return err;
		}
		if (!l->s.rec.owner.tgid)
			continue;
		e->s.rec.owner = l->s.rec.owner;
		e->s.rec.owner.uid = e->uid;
		e->s.rec.owner.flags |= TOTEM_OWNER_F_LISTENER;
		return 0;
	}
	return 0;
}

static int fill_owner(struct totem_proc_owners *p, struct proc_table *tab, struct proc_ent *e,
		      int *rescanned)
{
	e->s.rec.owner.uid = e->uid;
	if (e->s.inode)
		return totem_proc_owner_fill(p, e->s.inode, &e->s.rec.owner, rescanned);
	return fill_owner_listener(p, tab, e, rescanned);
}

static int proc_probe(void)
{
	return access("/proc/net/tcp", R_OK) ? -errno : 0;
}

int totem_proc_owners_open(struct totem_proc_owners **po)
{
	struct totem_proc_owners *p;
	struct stat st;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (!stat("/proc/self/ns/net", &st))
		p->netns = st.st_ino;
	find_cgroot(p);
	*po = p;
	return 0;
}

void totem_proc_owners_close(struct totem_proc_owners *p)
{
	if (!p)
		return;
	owner_clear(p);
	free(p);
}

static int proc_open(struct totem *t)
{
	if (access("/proc/net/tcp", R_OK))
		return -errno;
	return totem_proc_owners_open((struct totem_proc_owners **)&t->priv);
}

static void proc_close(struct totem *t)
{
	totem_proc_owners_close(t->priv);
	t->priv = NULL;
}

static int proc_lookup(struct totem *t, const struct totem_sock *key,
		       struct totem_sock *out)
{
	struct totem_proc_owners *p = t->priv;
	struct proc_table tab;
	int rescanned = 0;
	int err;
	size_t i;

	err = tables_read(p, &tab);
	if (err)
		return err;
	err = -ENOENT;
	for (i = 0; i < tab.n; i++) {
		/* listeners match only as themselves (remote *:0) */
		if (!totem_sock_matches(&tab.ent[i].s, key))
			continue;
		err = fill_owner(p, &tab, &tab.ent[i], &rescanned);
		if (!err)
			*out = tab.ent[i].s;
		break;
	}
	free(tab.ent);
	return err;
}

static int proc_dump(struct totem *t, totem_sock_cb cb, void *arg)
{
	struct totem_proc_owners *p = t->priv;
	struct proc_table tab;
	int rescanned = 0;
	int err;
	size_t i;

	err = tables_read(p, &tab);
	if (err)
		return err;
	for (i = 0; i < tab.n; i++) {
		err = fill_owner(p, &tab, &tab.ent[i], &rescanned);
		if (err)
			break;
		if (cb(&tab.ent[i].s, arg))
			break;
	}
	free(tab.ent);
	return err;
}

/* The /proc path writes and parses no option: every counter is zero. */
static int proc_stats(struct totem *t, __u64 *counters)
{
	memset(counters, 0, sizeof(*counters) * TOTEM_CTR_MAX);
	return 0;
}

/* Nothing to configure: no path that writes options is running. */
static int proc_config_get(struct totem *t, struct totem_config *cfg)
{
	return -EOPNOTSUPP;
}

static int proc_config_set(struct totem *t, const struct totem_config *cfg)
{
	return -EOPNOTSUPP;
}

const struct totem_backend_ops totem_proc_ops = {
	.name = "proc",
	.probe = proc_probe,
	.open = proc_open,
	.close = proc_close,
	.lookup = proc_lookup,
	.dump = proc_dump,
	.stats = proc_stats,
	.config_get = proc_config_get,
	.config_set = proc_config_set,
};
