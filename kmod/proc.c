// SPDX-License-Identifier: GPL-2.0
/*
 * The owners' per-process details: a hash by tgid, bounded by the
 * max_procs parameter (TOTEM_PROC_MAX, as on the eBPF path, by default),
 * the least recently noted evicted first.
 *
 * Readers (any context) walk a bucket under RCU and copy the details out.
 * Writers (process context only: the owner probes) take totem_proc_lock,
 * which no other context takes, so without disabling interrupts; details
 * that changed (exec, setuid, a cgroup move) get a new node that replaces
 * the old one, which is freed after a grace period, so a reader never sees
 * half of an update.  Noting a known process with unchanged details takes
 * no lock; its place in the eviction order is refreshed at most once a
 * second (TOTEM_PROC_TOUCH), so a process that keeps making sockets is
 * never the oldest.
 */
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/cred.h>
#include <linux/uidgid.h>
#include "proc.h"
#include "config.h"

#define TOTEM_PROC_BITS 12
#define TOTEM_PROC_TOUCH HZ

struct totem_proc {
	struct hlist_node hnode; /* by tgid, RCU */
	struct list_head lru; /* oldest first; totem_proc_lock */
	struct rcu_head rcu;
	unsigned long touched; /* jiffies */
	u32 tgid;
	struct totem_proc_info info;
};

static struct hlist_head totem_proc_hash[1 << TOTEM_PROC_BITS];
static LIST_HEAD(totem_proc_lru);
static DEFINE_SPINLOCK(totem_proc_lock);
static unsigned int totem_nr_procs;

static struct hlist_head *totem_proc_bucket(u32 tgid)
{
	return &totem_proc_hash[hash_32(tgid, TOTEM_PROC_BITS)];
}

/* Under rcu_read_lock() or totem_proc_lock. */
static struct totem_proc *totem_proc_find(u32 tgid)
{
	struct totem_proc *p;

	hlist_for_each_entry_rcu(p, totem_proc_bucket(tgid), hnode)
		if (p->tgid == tgid)
			return p;
	return NULL;
}

static void totem_proc_current(struct totem_proc_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->uid = from_kuid_munged(&init_user_ns, current_uid());
	pi->cgroup_id = totem_compat_current_cgroup_id();
	get_task_comm(pi->comm, current);
}

/* totem_proc_lock held. */
static void totem_proc_unlink(struct totem_proc *p)
{
	hlist_del_rcu(&p->hnode);
	list_del(&p->lru);
	totem_nr_procs--;
	kfree_rcu(p, rcu);
}

u32 totem_proc_note_current(void)
{
	u32 tgid = task_tgid_nr(current);
	struct totem_proc_info pi;
	struct totem_proc *p, *n;
	bool fresh;

	totem_proc_current(&pi);
	rcu_read_lock();
	p = totem_proc_find(tgid);
	fresh = p && !memcmp(&p->info, &pi, sizeof(pi)) &&
		time_before(jiffies, READ_ONCE(p->touched) + TOTEM_PROC_TOUCH);
	rcu_read_unlock();
	if (fresh)
		return tgid;

	spin_lock(&totem_proc_lock);
	p = totem_proc_find(tgid);
	if (p && !memcmp(&p->info, &pi, sizeof(pi))) {
		WRITE_ONCE(p->touched, jiffies);
		list_move_tail(&p->lru, &totem_proc_lru);
		goto out;
	}
	/* Atomic: the probes that get here may run with preemption off. */
	n = kmalloc(sizeof(*n), GFP_ATOMIC);
	if (!n) {
		totem_count(TOTEM_CTR_ERR_STATE);
		goto out;
	}
	n->tgid = tgid;
	n->info = pi;
	n->touched = jiffies;
	if (p) {
		hlist_replace_rcu(&p->hnode, &n->hnode);
		list_del(&p->lru);
		kfree_rcu(p, rcu);
	} else {
		if (totem_nr_procs >= READ_ONCE(totem_max_procs))
			totem_proc_unlink(list_first_entry(&totem_proc_lru,
							   struct totem_proc, lru));
		hlist_add_head_rcu(&n->hnode, totem_proc_bucket(tgid));
		totem_nr_procs++;
	}
	list_add_tail(&n->lru, &totem_proc_lru);
out:
	spin_unlock(&totem_proc_lock);
	return tgid;
}

bool totem_proc_get(u32 tgid, struct totem_proc_info *out)
{
	struct totem_proc *p;
	bool found = false;

	rcu_read_lock();
	p = totem_proc_find(tgid);
	if (p) {
		*out = p->info;
		found = true;
	}
	rcu_read_unlock();
	return found;
}

unsigned int totem_proc_count(void)
{
	return READ_ONCE(totem_nr_procs);
}

void totem_proc_exit(void)
{
	struct totem_proc *p, *t;

	spin_lock(&totem_proc_lock);
	list_for_each_entry_safe(p, t, &totem_proc_lru, lru)
		totem_proc_unlink(p);
	spin_unlock(&totem_proc_lock);
}
