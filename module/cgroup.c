// SPDX-License-Identifier: GPL-2.0
/*
 * Sockets per cgroup: while tcp.c walks the socket tables, each socket is
 * folded into a record keyed by (creating cgroup, memcg its sock object is
 * charged to, netns, family, slot, holder), in a table allocated before
 * the walk (GFP_KERNEL_ACCOUNT: charged to the reader) and bounded:
 * TM_CG_MAX records, then one overflow record. Under a bucket lock a new
 * record only takes a reference on its cgroup and memcg
 * (css_get/css_tryget: no allocation, no sleeping); the
 * paths are resolved after the walk, outside every lock, as the opener's
 * cgroup namespace shows them (cgroup_path_ns(), as /proc/PID/cgroup),
 * and the references dropped then.
 */
#include <linux/cgroup.h>
#include <linux/hash.h>
#include <linux/limits.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "tcpmem/compat.h"
#include "tcpmem/walk.h"

#define TM_CG_HASH	(2 * TM_CG_MAX)	/* open addressing, a power of two */

struct tm_cg_table {
	struct tm_cg_rec *rec;		/* TM_CG_MAX records + the overflow record */
	int nr;
	s16 slot[TM_CG_HASH];		/* record index, -1: free */
};

void tm_acc_add(struct tm_state_acc *to, const struct tm_state_acc *a)
{
	int i;

	for (i = 0; i < TM_NR_HOLDERS; i++)
		to->n[i] += a->n[i];
	to->rmem += a->rmem;
	to->wmem_queued += a->wmem_queued;
	to->fwd_alloc += a->fwd_alloc;
	for (i = 0; i < TM_NR_TYPES; i++) {
		to->vec[i] += a->vec[i];
		to->charged[i] += a->charged[i];
	}
}

/* the object of type @t one socket holds, and its charge */
void tm_sock_obj(struct tm_sock_info *si, enum tm_type t, bool vec, bool charged)
{
	if (WARN_ON_ONCE(si->nr_objs == TM_SOCK_OBJS))
		return;
	si->type[si->nr_objs] = t;
	si->vec[si->nr_objs] = vec;
	si->charged[si->nr_objs++] = charged;
}

/* one socket (or bind bucket): what tm_acc_add() of its own accumulator adds */
void tm_acc_add_sock(struct tm_state_acc *to, const struct tm_sock_info *si)
{
	int i;

	to->n[si->holder]++;
	to->rmem += si->rmem;
	to->wmem_queued += si->wmem_queued;
	to->fwd_alloc += si->fwd_alloc;
	for (i = 0; i < si->nr_objs; i++) {
		to->vec[si->type[i]] += si->vec[i];
		to->charged[si->type[i]] += si->charged[i];
	}
}

int tm_cg_begin(struct tm_tcp *t)
{
	struct tm_cg_table *g;

	g = kvzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		return -ENOMEM;
	g->rec = kvcalloc(TM_CG_MAX + 1, sizeof(*g->rec), GFP_KERNEL_ACCOUNT);
	if (!g->rec) {
		kvfree(g);
		return -ENOMEM;
	}
	memset(g->slot, 0xff, sizeof(g->slot));
	g->rec[TM_CG_MAX].overflow = true;
	g->rec[TM_CG_MAX].mstate = TM_CH_NA;
	t->cgt = g;
	return 0;
}

static bool tm_cg_same(const struct tm_cg_rec *r, unsigned int netns,
		       const struct tm_sock_info *si, const struct tm_charge *own)
{
	return r->cgrp == si->cgrp && r->memcg == own->memcg && r->mstate == own->state &&
	       r->netns == netns && r->family == si->family && r->slot == si->slot &&
	       r->holder == si->holder;
}

/* the record of this key: found, or made (with its references), or NULL */
static struct tm_cg_rec *tm_cg_find(struct tm_cg_table *g, unsigned int netns,
				    const struct tm_sock_info *si, const struct tm_charge *own,
				    bool make)
{
	u64 key = (unsigned long)si->cgrp ^ ((unsigned long)own->memcg << 1) ^
		  ((u64)netns << 32) ^ (own->state << 24) ^ (si->family << 16) ^
		  (si->slot << 8) ^ si->holder;
	u32 h = hash_64(key, ilog2(TM_CG_HASH));
	int i;

	for (i = 0; i < TM_CG_HASH; i++, h = (h + 1) & (TM_CG_HASH - 1)) {
		struct tm_cg_rec *r;

		if (g->slot[h] < 0)
			break;
		r = &g->rec[g->slot[h]];
		if (tm_cg_same(r, netns, si, own))
			return r;
	}
	if (!make || g->nr >= TM_CG_MAX || i == TM_CG_HASH)
		return NULL;
	g->slot[h] = g->nr;
	return &g->rec[g->nr++];
}

/* Under the caller's bucket lock and rcu_read_lock(): bounded, no allocation. */
void tm_cg_add(struct tm_tcp *t, unsigned int netns, const struct tm_sock_info *si)
{
	struct tm_cg_table *g = t->cgt;
	struct tm_charge own = si->own;
	struct tm_cg_rec *r;

	if (own.state != TM_CH_MEMCG)
		own.memcg = NULL;
	r = tm_cg_find(g, netns, si, &own, false);
	if (!r && g->nr < TM_CG_MAX) {
		/* a memcg being freed can no longer be named: na */
		if (own.memcg && !tm_memcg_tryget(own.memcg)) {
			own.memcg = NULL;
			own.state = TM_CH_NA;
			r = tm_cg_find(g, netns, si, &own, false);
		}
		if (!r) {
			r = tm_cg_find(g, netns, si, &own, true);
			if (r) {
				r->cgrp = si->cgrp;
				if (r->cgrp)
					tm_cgroup_get(r->cgrp);	/* the socket holds one: alive */
				r->memcg = own.memcg;		/* the reference taken above */
				r->mstate = own.state;
				r->netns = netns;
				r->family = si->family;
				r->slot = si->slot;
				r->holder = si->holder;
			} else if (own.memcg) {
				tm_memcg_put(own.memcg);
			}
		}
	}
	if (!r) {
		r = &g->rec[TM_CG_MAX];
		t->cg_overflow++;
	}
	tm_acc_add_sock(&r->acc, si);
}

/*
 * A shared bind bucket, charged to the memcg of the task whose bind() or
 * connect() made it: a record with no cgroup and no socket, keyed by that
 * memcg, so a memcg's charges add up.
 */
void tm_cg_add_bucket(struct tm_tcp *t, unsigned int netns, const struct tm_charge *ch,
		      bool bind2)
{
	enum tm_type type = bind2 ? TM_T_BIND2 : TM_T_BIND;
	struct tm_sock_info si = {
		.family = TM_INET,
		.slot = bind2 ? TM_CG_SLOT_BIND2 : TM_CG_SLOT_BIND,
		.holder = TM_H_MINI,
		.own = *ch,
	};

	tm_sock_obj(&si, type, si.own.vec, si.own.state == TM_CH_MEMCG);
	tm_cg_add(t, netns, &si);
}

static char *tm_cg_path(struct cgroup *cgrp, char *buf)
{
	int n = tm_cgroup_path(cgrp, buf, PATH_MAX);

	if (n < 0 || n >= PATH_MAX)
		return NULL;
	return kstrdup(buf, GFP_KERNEL_ACCOUNT);
}

static int tm_cg_cmp(const void *a, const void *b)
{
	const struct tm_cg_rec *x = a, *y = b;
	int c;

	if (x->overflow != y->overflow)
		return x->overflow ? 1 : -1;
	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	c = strcmp(x->cg_path ?: "-", y->cg_path ?: "-");
	if (c)
		return c;
	if (x->mstate != y->mstate)
		return x->mstate < y->mstate ? -1 : 1;
	c = strcmp(x->memcg_path ?: "", y->memcg_path ?: "");
	if (c)
		return c;
	if (x->family != y->family)
		return x->family - y->family;
	if (x->slot != y->slot)
		return x->slot - y->slot;
	return x->holder - y->holder;
}

/* After the walk, outside every lock: paths, references dropped, sorted. */
int tm_cg_end(struct tm_tcp *t)
{
	struct tm_cg_table *g = t->cgt;
	char *buf = kmalloc(PATH_MAX, GFP_KERNEL_ACCOUNT);
	int i, n, ret = buf ? 0 : -ENOMEM;

	for (i = 0; i < g->nr; i++) {
		struct tm_cg_rec *r = &g->rec[i];

		if (r->cgrp) {
			if (buf && !ret) {
				r->cg_path = tm_cg_path(r->cgrp, buf);
				if (!r->cg_path)
					ret = -ENOMEM;
			}
			tm_cgroup_put(r->cgrp);
			r->cgrp = NULL;
		}
		if (r->memcg) {
			if (buf && !ret) {
				r->memcg_path = tm_cg_path(tm_memcg_cgroup(r->memcg), buf);
				if (!r->memcg_path)
					ret = -ENOMEM;
			}
			tm_memcg_put(r->memcg);
			r->memcg = NULL;
		}
	}
	kfree(buf);
	n = g->nr;
	if (t->cg_overflow)
		g->rec[n++] = g->rec[TM_CG_MAX];
	/* kept until the file is closed: the records made, not the whole table */
	t->cg = kvmalloc_array(max(n, 1), sizeof(*t->cg), GFP_KERNEL_ACCOUNT);
	if (t->cg) {
		memcpy(t->cg, g->rec, n * sizeof(*t->cg));
		kvfree(g->rec);
	} else {
		t->cg = g->rec;
	}
	t->nr_cg = n;
	t->cgt = NULL;
	kvfree(g);
	if (!ret)
		sort(t->cg, t->nr_cg, sizeof(*t->cg), tm_cg_cmp, NULL);
	return ret;
}

void tm_cg_free(struct tm_tcp *t)
{
	int i;

	/* a table the walk never reached (a read failed before it): no references */
	if (t->cgt) {
		kvfree(t->cgt->rec);
		kvfree(t->cgt);
		t->cgt = NULL;
	}
	for (i = 0; i < t->nr_cg; i++) {
		kfree(t->cg[i].cg_path);
		kfree(t->cg[i].memcg_path);
	}
	kvfree(t->cg);
	t->cg = NULL;
	t->nr_cg = 0;
}
