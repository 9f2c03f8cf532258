// SPDX-License-Identifier: GPL-2.0
/*
 * libtotem core: pick a backend, dispatch to it, and the text forms shared
 * by every user of the library (counter names, config keys, endpoints).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "internal.h"
#include "record.h" /* totem_addr_v4mapped() */

#define TOTEM_CTR_NAME(id, name, desc) [TOTEM_CTR_##id] = name,
static const char *const counter_names[TOTEM_CTR_MAX] = {
	TOTEM_COUNTERS(TOTEM_CTR_NAME)
};
#undef TOTEM_CTR_NAME

#define TOTEM_CTR_DESC(id, name, desc) [TOTEM_CTR_##id] = desc,
static const char *const counter_descs[TOTEM_CTR_MAX] = {
	TOTEM_COUNTERS(TOTEM_CTR_DESC)
};
#undef TOTEM_CTR_DESC

const char *totem_counter_name(unsigned int idx)
{
	return idx < TOTEM_CTR_MAX ? counter_names[idx] : NULL;
}

const char *totem_counter_desc(unsigned int idx)
{
	return idx < TOTEM_CTR_MAX ? counter_descs[idx] : NULL;
}

static const char *const backend_names[] = {
	[TOTEM_BACKEND_AUTO] = "auto",
	[TOTEM_BACKEND_BPF] = "bpf",
	[TOTEM_BACKEND_KMOD] = "kmod",
	[TOTEM_BACKEND_PROC] = "proc",
};

const char *totem_backend_name(enum totem_backend backend)
{
	if ((unsigned int)backend >= sizeof(backend_names) / sizeof(backend_names[0]))
		return "unknown";
	return backend_names[backend];
}

int totem_backend_parse(const char *name, enum totem_backend *backend)
{
	unsigned int i;

	for (i = 0; i < sizeof(backend_names) / sizeof(backend_names[0]); i++) {
		if (!strcmp(name, backend_names[i])) {
			*backend = i;
			return 0;
		}
	}
	return -EINVAL;
}

enum totem_backend totem_backend(const struct totem *t)
{
	return t->backend;
}

/* Is the module's generic netlink family registered in our netns? */
static int genl_family_present(void)
{
	struct nl_sock *sk;
	int id;

	sk = nl_socket_alloc();
	if (!sk)
		return 0;
	if (genl_connect(sk)) {
		nl_socket_free(sk);
		return 0;
	}
	id = genl_ctrl_resolve(sk, TOTEM_GENL_NAME);
	nl_socket_free(sk);
	return id >= 0;
}

/*
 * What runs here: totemd's pinned sk_storage map means the eBPF path, a
 * registered "totem" family means the module, anything else falls back to
 * /proc.  $TOTEM_BACKEND (auto|bpf|kmod|proc) overrides the probe: tests
 * and operators use it to force a path.
 */
static enum totem_backend auto_backend(void)
{
	const char *env = secure_getenv("TOTEM_BACKEND");
	enum totem_backend b;
	int bpf_hidden, err;

	if (env && *env && !totem_backend_parse(env, &b) && b != TOTEM_BACKEND_AUTO)
		return b;
	/*
	 * The bpf backend finds its pins also where `ip netns exec` hid
	 * /sys/fs/bpf behind a fresh /sys (through totemd's /proc/PID/root).
	 */
	err = totem_bpf_ops.probe();
	if (!err)
		return TOTEM_BACKEND_BPF;
	/* bpffs is root-only: an unprivileged caller cannot tell */
	bpf_hidden = err == -EACCES;
	if (genl_family_present())
		return TOTEM_BACKEND_KMOD;
	/* ... so let the bpf open say "permission denied" rather than
	 * silently answer from /proc */
	if (bpf_hidden)
		return TOTEM_BACKEND_BPF;
	return TOTEM_BACKEND_PROC;
}

static const struct totem_backend_ops *backend_ops(enum totem_backend b)
{
	switch (b) {
	case TOTEM_BACKEND_BPF:
		return &totem_bpf_ops;
	case TOTEM_BACKEND_KMOD:
		return &totem_kmod_ops;
	case TOTEM_BACKEND_PROC:
		return &totem_proc_ops;
	default:
		return NULL;
	}
}

int totem_open(struct totem **tp, enum totem_backend backend)
{
	struct totem *t;
	int err;

	if (backend == TOTEM_BACKEND_AUTO)
		backend = auto_backend();
	if (!backend_ops(backend))
		return -EINVAL;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->backend = backend;
	t->ops = backend_ops(backend);
	err = t->ops->open(t);
	if (err) {
		free(t);
		return err;
	}
	*tp = t;
	return 0;
}

void totem_close(struct totem *t)
{
	if (!t)
		return;
	if (t->ops->close)
		t->ops->close(t);
	totem_proc_owners_close(t->owners);
	free(t);
}

/*
 * A socket the bpf or kmod path has no owner for was opened before that
 * path was running (or by the kernel itself): its owner, if a process
 * holds it, comes from /proc, flagged TOTEM_OWNER_F_PROC, as on the proc
 * path.  Sockets without a file (accept queue, TIME_WAIT) have none.
 * The bpf path lists every socket (sock_diag), records or not; the
 * module lists only those its table has, so on the kmod path the sockets
 * it never saw come from the proc path's listing (kmod_rest()).
 */
/* A socket a process may hold whose owner the kernel side does not know. */
static bool owner_missing(const struct totem_sock *s)
{
	return !s->rec.owner.tgid && s->inode && s->state != TCP_TIME_WAIT;
}

/* @t's /proc owner cache, opened on first use. */
static int owners_open(struct totem *t)
{
	return t->owners ? 0 : totem_proc_owners_open(&t->owners);
}

static int owner_fill(struct totem *t, struct totem_sock *s, int *rescanned)
{
	struct totem_owner *o = &s->rec.owner;
	char path[32];
	struct stat st;
	int err;

	if (t->backend == TOTEM_BACKEND_PROC || !owner_missing(s))
		return 0;
	err = owners_open(t);
	if (err)
		return err;
	err = totem_proc_owner_fill(t->owners, s->inode, o, rescanned);
	if (err || !o->tgid)
		return err;
	/* the process's uid, as /proc shows it (no socket uid here) */
	snprintf(path, sizeof(path), "/proc/%u", o->tgid);
	if (!stat(path, &st))
		o->uid = st.st_uid;
	return 0;
}

/* The proc path's queries, on @t's owner cache. */
static int proc_view(struct totem *t, struct totem *pt)
{
	int err = owners_open(t);

	if (err)
		return err;
	memset(pt, 0, sizeof(*pt));
	pt->backend = TOTEM_BACKEND_PROC;
	pt->ops = &totem_proc_ops;
	pt->priv = t->owners;
	return 0;
}

int totem_sock_lookup(struct totem *t, const struct totem_sock *key,
		      struct totem_sock *out)
{
	int err, rescanned = 0;

	if (key->family != AF_INET && key->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!t->ops->lookup)
		return -EOPNOTSUPP;
	err = t->ops->lookup(t, key, out);
	if (err == -ENOENT && t->backend == TOTEM_BACKEND_KMOD) {
		struct totem pt;

		err = proc_view(t, &pt);
		return err ?: totem_proc_ops.lookup(&pt, key, out);
	}
	return err ?: owner_fill(t, out, &rescanned);
}

/* The connections a dump has passed on: (family, ends) hashed. */
struct seen_set {
	__u64 *h; /* 0: empty slot */
	size_t n, cap; /* cap: a power of two */
};

static __u64 fnv(__u64 h, const void *p, size_t n)
{
	const __u8 *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

/* Not the state: the same connection may have moved on between the two. */
static __u64 sock_key(const struct totem_sock *s)
{
	size_t alen = s->family == AF_INET ? 4 : 16;
	__u64 h = 0xcbf29ce484222325ULL;

	h = fnv(h, &s->family, 1);
	h = fnv(h, &s->sport, 2);
	h = fnv(h, &s->dport, 2);
	h = fnv(h, s->saddr, alen);
	h = fnv(h, s->daddr, alen);
	return h ?: 1;
}

static int seen_add(struct seen_set *ss, __u64 k)
{
	size_t i;

	if (2 * (ss->n + 1) > ss->cap) {
		struct seen_set big = { .cap = ss->cap ? 2 * ss->cap : 1024 };

		big.h = calloc(big.cap, sizeof(*big.h));
		if (!big.h)
			return -ENOMEM;
		for (i = 0; i < ss->cap; i++)
			if (ss->h[i])
				seen_add(&big, ss->h[i]);
		free(ss->h);
		*ss = big;
	}
	for (i = k & (ss->cap - 1); ss->h[i]; i = (i + 1) & (ss->cap - 1))
		if (ss->h[i] == k)
			return 0;
	ss->h[i] = k;
	ss->n++;
	return 0;
}

static bool seen_has(const struct seen_set *ss, __u64 k)
{
	size_t i;

	if (!ss->cap)
		return false;
	for (i = k & (ss->cap - 1); ss->h[i]; i = (i + 1) & (ss->cap - 1))
		if (ss->h[i] == k)
			return true;
	return false;
}

struct fill_ctx {
	struct totem *t;
	totem_sock_cb cb;
	void *arg;
	int rescanned;
	int err;
	bool stopped;
	struct seen_set seen; /* kmod: what the module listed */
};

static int dump_fill(const struct totem_sock *s, void *arg)
{
	struct fill_ctx *f = arg;
	struct totem_sock c;

	if (f->t->backend == TOTEM_BACKEND_KMOD) {
		f->err = seen_add(&f->seen, sock_key(s));
		if (f->err)
			return f->err;
	}
	if (!owner_missing(s)) {
		f->stopped = f->cb(s, f->arg);
		return f->stopped;
	}
	c = *s;
	f->err = owner_fill(f->t, &c, &f->rescanned);
	if (f->err)
		return f->err;
	f->stopped = f->cb(&c, f->arg);
	return f->stopped;
}

/* kmod: the sockets of this namespace the module has no entry for. */
static int kmod_rest(const struct totem_sock *s, void *arg)
{
	struct fill_ctx *f = arg;

	if (seen_has(&f->seen, sock_key(s)))
		return 0;
	f->stopped = f->cb(s, f->arg);
	return f->stopped;
}

int totem_sock_dump(struct totem *t, totem_sock_cb cb, void *arg)
{
	struct fill_ctx f = { .t = t, .cb = cb, .arg = arg };
	int err;

	if (!t->ops->dump)
		return -EOPNOTSUPP;
	if (t->backend == TOTEM_BACKEND_PROC)
		return t->ops->dump(t, cb, arg);
	err = t->ops->dump(t, dump_fill, &f);
	if (!err)
		err = f.err;
	if (!err && !f.stopped && t->backend == TOTEM_BACKEND_KMOD) {
		struct totem pt;

		err = proc_view(t, &pt);
		if (!err)
			err = totem_proc_ops.dump(&pt, kmod_rest, &f);
	}
	free(f.seen.h);
	return err;
}

int totem_stats_get(struct totem *t, __u64 counters[TOTEM_CTR_MAX])
{
	memset(counters, 0, sizeof(__u64) * TOTEM_CTR_MAX);
	return t->ops->stats ? t->ops->stats(t, counters) : -EOPNOTSUPP;
}

int totem_config_get(struct totem *t, struct totem_config *cfg)
{
	return t->ops->config_get ? t->ops->config_get(t, cfg) : -EOPNOTSUPP;
}

static int config_check(const struct totem_config *cfg)
{
	if (cfg->enable & ~TOTEM_SEG_ALL)
		return -EINVAL;
	if (cfg->format4 != TOTEM_FMT_V1 && cfg->format4 != TOTEM_FMT_V2)
		return -EINVAL;
	if (cfg->format6 != TOTEM_FMT_V6 && cfg->format6 != TOTEM_FMT_V2)
		return -EINVAL;
	if (cfg->parse > 1)
		return -EINVAL;
	return 0;
}

int totem_config_set(struct totem *t, const struct totem_config *cfg)
{
	int err = config_check(cfg);

	if (err)
		return err;
	return t->ops->config_set ? t->ops->config_set(t, cfg) : -EOPNOTSUPP;
}

/* ---- configuration keys ---- */

const char *const totem_config_keys[] = {
	"enable",
	"sample_bytes",
	"format4",
	"format6",
	"host_id",
	"parse",
	NULL,
};

int totem_config_key_known(const char *key)
{
	unsigned int i;

	for (i = 0; totem_config_keys[i]; i++)
		if (!strcmp(key, totem_config_keys[i]))
			return 1;
	return 0;
}

/*
 * The default host id: /etc/machine-id is 128 random bits in hex; fold its
 * four 32-bit words with XOR.  0 means "unset" in struct totem_config, so
 * a fold that lands on 0 becomes 1.  No machine-id: 0 (the path decides).
 */
static __u32 machine_host_id(void)
{
	char buf[64];
	__u32 id = 0;
	size_t n;
	FILE *f;
	int i;

	f = fopen("/etc/machine-id", "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n < 32)
		return 0;
	for (i = 0; i < 4; i++) {
		char word[9];
		char *end;
		unsigned long w;

		memcpy(word, buf + 8 * i, 8);
		word[8] = '\0';
		w = strtoul(word, &end, 16);
		if (*end)
			return 0;
		id ^= (__u32)w;
	}
	return id ? id : 1;
}

void totem_config_default(struct totem_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->enable = TOTEM_SEG_ALL;
	cfg->sample_bytes = TOTEM_DEFAULT_SAMPLE_BYTES;
	cfg->format4 = TOTEM_FMT_V1;
	cfg->format6 = TOTEM_FMT_V6;
	cfg->host_id = machine_host_id();
	cfg->parse = 1;
}

static const struct {
	const char *name;
	__u32 bit;
} seg_names[] = {
	{ "syn", TOTEM_SEG_SYN },
	{ "synack", TOTEM_SEG_SYNACK },
	{ "data", TOTEM_SEG_DATA },
};

/* Strict unsigned 32-bit number: decimal or 0x hex, nothing else. */
static int parse_u32(const char *s, __u32 *out)
{
	unsigned long long v;
	char *end;
	int base = 10;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	/* strtoull accepts leading space and signs: refuse them */
	if (!*s || !(base == 16 ? isxdigit((unsigned char)*s) : isdigit((unsigned char)*s)))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > 0xffffffffULL)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_enable(const char *s, __u32 *out)
{
	__u32 mask = 0;
	const char *p = s;
	unsigned int i;

	if (!strcmp(s, "none")) {
		*out = 0;
		return 0;
	}
	if (!strcmp(s, "all")) {
		*out = TOTEM_SEG_ALL;
		return 0;
	}
	while (*p) {
		size_t n = strcspn(p, ",");
		int found = 0;

		for (i = 0; i < sizeof(seg_names) / sizeof(seg_names[0]); i++) {
			if (strlen(seg_names[i].name) == n &&
			    !strncmp(p, seg_names[i].name, n)) {
				mask |= seg_names[i].bit;
				found = 1;
			}
		}
		if (!found)
			return -EINVAL;
		p += n;
		if (*p == ',') {
			p++;
			if (!*p)
				return -EINVAL; /* trailing comma */
		}
	}
	if (!mask)
		return -EINVAL;
	*out = mask;
	return 0;
}

int totem_config_parse_kv(struct totem_config *cfg, const char *key,
			  const char *value)
{
	__u32 v;

	if (!key || !value)
		return -EINVAL;
	if (!strcmp(key, "enable"))
		return parse_enable(value, &cfg->enable);
	if (!strcmp(key, "sample_bytes")) {
		if (parse_u32(value, &v))
			return -EINVAL;
		cfg->sample_bytes = v;
		return 0;
	}
	if (!strcmp(key, "format4")) {
		if (!strcmp(value, "v1"))
			cfg->format4 = TOTEM_FMT_V1;
		else if (!strcmp(value, "v2"))
			cfg->format4 = TOTEM_FMT_V2;
		else
			return -EINVAL;
		return 0;
	}
	if (!strcmp(key, "format6")) {
		if (!strcmp(value, "v6"))
			cfg->format6 = TOTEM_FMT_V6;
		else if (!strcmp(value, "v2"))
			cfg->format6 = TOTEM_FMT_V2;
		else
			return -EINVAL;
		return 0;
	}
	if (!strcmp(key, "host_id")) {
		if (parse_u32(value, &v))
			return -EINVAL;
		/* 0 asks for the default again: the machine-id fold */
		cfg->host_id = v ? v : machine_host_id();
		return 0;
	}
	if (!strcmp(key, "parse")) {
		if (!strcmp(value, "on"))
			cfg->parse = 1;
		else if (!strcmp(value, "off"))
			cfg->parse = 0;
		else
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

static const char *format_name(__u32 f)
{
	switch (f) {
	case TOTEM_FMT_V1:
		return "v1";
	case TOTEM_FMT_V2:
		return "v2";
	case TOTEM_FMT_V6:
		return "v6";
	default:
		return "none";
	}
}

int totem_config_format_kv(const struct totem_config *cfg, const char *key,
			   char *buf, unsigned long len)
{
	int n;

	if (!key || !len)
		return -EINVAL;
	if (!strcmp(key, "enable")) {
		unsigned int i;
		size_t off = 0;

		buf[0] = '\0';
		if (!(cfg->enable & TOTEM_SEG_ALL)) {
			n = snprintf(buf, len, "none");
			goto out;
		}
		for (i = 0; i < sizeof(seg_names) / sizeof(seg_names[0]); i++) {
			if (!(cfg->enable & seg_names[i].bit))
				continue;
			n = snprintf(buf + off, len > off ? len - off : 0, "%s%s",
				     off ? "," : "", seg_names[i].name);
			off += n;
		}
		n = off;
	} else if (!strcmp(key, "sample_bytes")) {
		n = snprintf(buf, len, "%u", cfg->sample_bytes);
	} else if (!strcmp(key, "format4")) {
		n = snprintf(buf, len, "%s", format_name(cfg->format4));
	} else if (!strcmp(key, "format6")) {
		n = snprintf(buf, len, "%s", format_name(cfg->format6));
	} else if (!strcmp(key, "host_id")) {
		n = snprintf(buf, len, "0x%08x", cfg->host_id);
	} else if (!strcmp(key, "parse")) {
		n = snprintf(buf, len, "%s", cfg->parse ? "on" : "off");
	} else {
		return -EINVAL;
	}
out:
	return (unsigned long)n < len ? 0 : -ENOSPC;
}

/* ---- endpoints ---- */

__u8 totem_addr_norm(__u8 family, const __u8 *addr, __u8 out[16])
{
	memset(out, 0, 16);
	if (family == AF_INET6 && totem_addr_v4mapped(addr)) {
		memcpy(out, addr + 12, 4);
		return AF_INET;
	}
	memcpy(out, addr, family == AF_INET ? 4 : 16);
	return family;
}

int totem_addr_same(__u8 fa, const __u8 *a, __u8 fb, const __u8 *b)
{
	__u8 na[16], nb[16];

	return totem_addr_norm(fa, a, na) == totem_addr_norm(fb, b, nb) &&
	       !memcmp(na, nb, 16);
}

int totem_sock_matches(const struct totem_sock *s, const struct totem_sock *k)
{
	return s->sport == k->sport && s->dport == k->dport &&
	       totem_addr_same(s->family, s->saddr, k->family, k->saddr) &&
	       totem_addr_same(s->family, s->daddr, k->family, k->daddr);
}

static int parse_port(const char *s, __u16 *port)
{
	__u32 v;

	if (!*s || (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return -EINVAL;
	if (parse_u32(s, &v) || v > 65535)
		return -EINVAL;
	*port = v;
	return 0;
}

int totem_endpoint_parse(const char *text, __u8 *family, __u8 addr[16],
			 __u16 *port)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon;
	size_t n;

	if (!text)
		return -EINVAL;
	memset(addr, 0, 16);
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		n = close - text - 1;
		if (n == 0 || n >= sizeof(host))
			return -EINVAL;
		memcpy(host, text + 1, n);
		host[n] = '\0';
		if (inet_pton(AF_INET6, host, addr) != 1)
			return -EINVAL;
		*family = AF_INET6;
		return parse_port(close + 2, port);
	}
	colon = strrchr(text, ':');
	if (!colon)
		return -EINVAL;
	n = colon - text;
	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, addr) != 1)
		return -EINVAL;
	*family = AF_INET;
	return parse_port(colon + 1, port);
}

static const char *const tcp_state_names[] = {
	[1] = "ESTABLISHED",
	[2] = "SYN_SENT",
	[3] = "SYN_RECV",
	[4] = "FIN_WAIT1",
	[5] = "FIN_WAIT2",
	[6] = "TIME_WAIT",
	[7] = "CLOSE",
	[8] = "CLOSE_WAIT",
	[9] = "LAST_ACK",
	[10] = "LISTEN",
	[11] = "CLOSING",
	[12] = "NEW_SYN_RECV",
};

#define N_TCP_STATES (sizeof(tcp_state_names) / sizeof(tcp_state_names[0]))

const char *totem_tcp_state_name(unsigned int state)
{
	if (state < N_TCP_STATES && tcp_state_names[state])
		return tcp_state_names[state];
	return "UNKNOWN";
}

unsigned int totem_tcp_state_parse(const char *name)
{
	unsigned int i;

	for (i = 1; i < N_TCP_STATES; i++)
		if (!strcmp(name, tcp_state_names[i]))
			return i;
	return 0;
}
