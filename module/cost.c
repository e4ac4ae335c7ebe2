// SPDX-License-Identifier: GPL-2.0
/*
 * The cost model: pure arithmetic on snapshots, no kernel state, no locks.
 * Documentation/tcpmem.rst states each formula.
 */
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "tcpmem/model.h"

/* S = PAGE_SIZE << order: one slab at the preferred order */
u64 tm_slab_bytes(const struct tm_cache_stat *c)
{
	return (u64)PAGE_SIZE << c->order;
}

/* Smin = PAGE_SIZE << min_order: one slab at the fallback order */
u64 tm_min_slab_bytes(const struct tm_cache_stat *c)
{
	return (u64)PAGE_SIZE << c->min_order;
}

/* B = hi x S + lo x Smin */
u64 tm_cache_bytes(const struct tm_cache_stat *c)
{
	return c->slabs_hi * tm_slab_bytes(c) + c->slabs_lo * tm_min_slab_bytes(c);
}

u64 tm_node_bytes(const struct tm_cache_stat *c, const struct tm_node_stat *n)
{
	return n->slabs_hi * tm_slab_bytes(c) + n->slabs_lo * tm_min_slab_bytes(c);
}

/*
 * E = B / num_objs, in thousandths, rounded to nearest: what an object
 * costs in the slabs the cache has now; S / objperslab while it has none.
 */
u64 tm_eff_milli(const struct tm_cache_stat *c)
{
	if (c->num_objs)
		return div64_u64(tm_cache_bytes(c) * 1000 + c->num_objs / 2, c->num_objs);
	if (!c->objperslab)
		return 0;
	return div_u64(tm_slab_bytes(c) * 1000 + c->objperslab / 2, c->objperslab);
}

/*
 * Tail waste: S - objperslab x size per preferred slab, Smin -
 * min_objperslab x size per fallback slab; averaged over the slabs
 * (rounded), the preferred slab's while there are none.
 */
u64 tm_tail_waste(const struct tm_cache_stat *c)
{
	u64 w = tm_slab_bytes(c) - (u64)c->objperslab * c->size;
	u64 wmin = tm_min_slab_bytes(c) - (u64)c->min_objperslab * c->size;
	unsigned long n = c->slabs_hi + c->slabs_lo;

	if (!n)
		return w;
	return div64_u64(c->slabs_hi * w + c->slabs_lo * wmin + n / 2, n);
}

unsigned long tm_used_objs(const struct tm_cache_stat *c)
{
	/* above MAX_PARTIAL_TO_SCAN partial slabs, the scaled sample */
	unsigned long used = c->num_objs - (c->exact ? c->partial_free_exact : c->partial_free);

	return c->cpu_free_ok && c->cpu_free <= used ? used - c->cpu_free : used;
}

/* used objects * object_size / B, in thousandths */
u64 tm_util_milli(const struct tm_cache_stat *c)
{
	u64 bytes = tm_cache_bytes(c);

	if (!bytes)
		return 0;
	return div64_u64((u64)tm_used_objs(c) * c->object_size * 1000, bytes);
}

unsigned long tm_blocks_ge(const struct tm_zone_stat *z, unsigned int order)
{
	unsigned long n = 0;
	unsigned int o;

	for (o = order; o < TM_NR_ORDERS; o++)
		n += z->nr_free[o];
	return n;
}

unsigned long tm_blocks_fit(const struct tm_zone_stat *z, unsigned int order)
{
	unsigned long n = 0;
	unsigned int o;

	for (o = order; o < TM_NR_ORDERS; o++)
		n += z->nr_free[o] << (o - order);
	return n;
}

unsigned long tm_buddy_pages(const struct tm_zone_stat *z)
{
	return tm_blocks_fit(z, 0);
}

/*
 * As mm/vmstat.c unusable_free_index(): the share of free pages that sit
 * in blocks too small for @order; 1000 when nothing is free.
 */
unsigned int tm_unusable_milli(const struct tm_zone_stat *z, unsigned int order)
{
	unsigned long free = tm_buddy_pages(z);

	if (!free)
		return 1000;
	return div64_u64((u64)(free - (tm_blocks_fit(z, order) << order)) * 1000, free);
}

const char *const tm_holder_name[TM_NR_HOLDERS] = {
	[TM_H_FILE]	= "file",
	[TM_H_FILE_EPOLL] = "file+epoll",
	[TM_H_KERNEL]	= "kernel",
	[TM_H_ORPHAN]	= "orphan",
	[TM_H_QUEUED]	= "queued",
	[TM_H_MINI]	= "mini",
};

/*
 * The slab objects that exist because of one socket (DESIGN.md section 4):
 * its sock (or minisock), and for a full socket the LSM sock blob; with a
 * struct socket, the socket inode (sock_inode_cache) and its LSM blob;
 * with a file, the file and its dentry and LSM blob; a child waiting in an
 * accept queue still has its request sock; a file watched by epoll has an
 * epitem, a poll wait entry and (6.1+) an epitems head, for one epoll
 * registration. Shared bind buckets are counted apart. Types absent on this
 * kernel drop out.
 */
int tm_objects_of(int family, int slot, enum tm_holder holder, enum tm_type *out)
{
	bool v6 = family == TM_INET6;
	int n = 0;

	if (slot == TM_SLOT_TW || slot == TM_SLOT_TW_FW2) {
		out[n++] = v6 ? TM_T_TW_TCPV6 : TM_T_TW_TCP;
		return n;
	}
	if (slot == TM_SLOT_REQ) {
		out[n++] = v6 ? TM_T_REQ_TCPV6 : TM_T_REQ_TCP;
		return n;
	}
	out[n++] = v6 ? TM_T_TCPV6 : TM_T_TCP;
	out[n++] = TM_T_LSM_SOCK;
	if (holder == TM_H_QUEUED)
		out[n++] = v6 ? TM_T_REQ_TCPV6 : TM_T_REQ_TCP;
	if (holder == TM_H_FILE || holder == TM_H_FILE_EPOLL || holder == TM_H_KERNEL) {
		out[n++] = TM_T_SOCK_INODE;
		out[n++] = TM_T_LSM_INODE;
	}
	if (holder == TM_H_FILE || holder == TM_H_FILE_EPOLL) {
		out[n++] = TM_T_FILP;
		out[n++] = TM_T_DENTRY;
		out[n++] = TM_T_LSM_FILE;
	}
	if (holder == TM_H_FILE_EPOLL) {
		out[n++] = TM_T_EPI;
		out[n++] = TM_T_PWQ;
		out[n++] = TM_T_EP_HEAD;
	}
	return n;
}

static u64 tm_set_milli_of(const struct tm_snapshot *snap, int family, int slot,
			   enum tm_holder holder, bool reclaim_only)
{
	enum tm_type set[TM_NR_TYPES];
	u64 sum = 0;
	int i, n;

	n = tm_objects_of(family, slot, holder, set);
	for (i = 0; i < n; i++) {
		const struct tm_cache_stat *c = &snap->cache[set[i]];

		if (c->present && (!reclaim_only || (c->flags & TM_SLAB_RECLAIM)))
			sum += tm_eff_milli(c);
	}
	return sum;
}

u64 tm_set_milli(const struct tm_snapshot *snap, int family, int slot, enum tm_holder holder)
{
	return tm_set_milli_of(snap, family, slot, holder, false);
}

unsigned long tm_acc_sockets(const struct tm_state_acc *a)
{
	unsigned long n = 0;
	int h;

	for (h = 0; h < TM_NR_HOLDERS; h++)
		n += a->n[h];
	return n;
}

/*
 * The extension vector's share of one object: a slab with charged objects
 * carries kcalloc(objperslab, element) from a plain kmalloc cache
 * (alloc_slab_obj_exts(), mm/slub.c), V = that kmalloc size class; per
 * object of such a slab V / objperslab, in thousandths (rounded). Objects
 * whose vector lies inside their own slab (7.0+) cost nothing more: the
 * walk counts only vectors allocated apart.
 */
u64 tm_vec_milli(const struct tm_cache_stat *c)
{
	if (!c->objperslab)
		return 0;
	return div_u64((u64)c->vec_bytes * 1000 + c->objperslab / 2, c->objperslab);
}

/*
 * What the memcg is charged for one object: obj_full_size() of mm/slab.h,
 * s->size + sizeof(struct obj_cgroup *) (the memcg's own allowance for
 * the vector entry); the slab's tail and the kmalloc rounding of the
 * vector are charged to nobody.
 */
u64 tm_charge_bytes(const struct tm_cache_stat *c)
{
	return (u64)c->size + sizeof(void *);
}

/* the vectors' share of an accumulator's objects, thousandths */
static u64 tm_acc_vec_milli(const struct tm_snapshot *snap, const struct tm_state_acc *a)
{
	u64 milli = 0;
	int t;

	for (t = 0; t < TM_NR_TYPES; t++)
		if (a->vec[t] && snap->cache[t].present)
			milli += a->vec[t] * tm_vec_milli(&snap->cache[t]);
	return milli;
}

u64 tm_acc_slab_bytes(const struct tm_snapshot *snap, int family, int slot,
		      const struct tm_state_acc *a)
{
	u64 milli = 0;
	int h;

	for (h = 0; h < TM_NR_HOLDERS; h++)
		if (a->n[h])
			milli += a->n[h] * tm_set_milli(snap, family, slot, h);
	return div_u64(milli + tm_acc_vec_milli(snap, a) + 500, 1000);
}

/* of tm_acc_slab_bytes(): the objcg vectors' share, rounded */
u64 tm_acc_vec_bytes(const struct tm_snapshot *snap, const struct tm_state_acc *a)
{
	return div_u64(tm_acc_vec_milli(snap, a) + 500, 1000);
}

/* bytes the memcgs are charged for the accumulator's objects */
u64 tm_acc_charged_bytes(const struct tm_snapshot *snap, const struct tm_state_acc *a)
{
	u64 bytes = 0;
	int t;

	for (t = 0; t < TM_NR_TYPES; t++)
		if (a->charged[t] && snap->cache[t].present)
			bytes += a->charged[t] * tm_charge_bytes(&snap->cache[t]);
	return bytes;
}

u64 tm_acc_buffers(const struct tm_state_acc *a)
{
	return a->rmem + a->wmem_queued + a->fwd_alloc;
}

u64 tm_bind_bytes(const struct tm_snapshot *snap, const struct tm_netns *ns, int table)
{
	const struct tm_cache_stat *c = &snap->cache[table ? TM_T_BIND2 : TM_T_BIND];
	unsigned long n = table ? ns->bind2_buckets : ns->bind_buckets;
	unsigned long vec = table ? ns->bind2_vec : ns->bind_vec;

	if (!c->present)
		return 0;
	/* each bucket at its effective bytes, plus its vector's share where it has one */
	return div_u64(n * tm_eff_milli(c) + vec * tm_vec_milli(c) + 500, 1000);
}

/*
 * Per state (both families, every visible netns) the slab bytes, their sum
 * with the bind buckets, and the TM_TOP largest. Summed from one record per
 * netns, family and state, each rounded as debugfs states prints it, so the
 * total is exactly the sum of that file's slab_bytes and shared's bytes.
 */
/* tm_acc_slab_bytes() of many accumulators of one family and slot: each set once */
struct tm_slot_milli {
	const struct tm_snapshot *snap;
	int family;
	int slot;
	unsigned int have;		/* bit h: set[h] and rec[h] are computed */
	u64 set[TM_NR_HOLDERS];		/* tm_set_milli() per holder */
	u64 rec[TM_NR_HOLDERS];		/* of it, in SLAB_RECLAIM_ACCOUNT caches */
	const u64 *vec;			/* tm_vec_milli() per type, 0 where absent */
};

/* tm_acc_slab_bytes(); its reclaimable part added to *@rec_milli */
static u64 tm_acc_slab_bytes_sm(struct tm_slot_milli *sm, const struct tm_state_acc *a,
				u64 *rec_milli)
{
	u64 milli = 0;
	int h, t;

	for (h = 0; h < TM_NR_HOLDERS; h++) {
		if (!a->n[h])
			continue;
		if (!(sm->have & BIT(h))) {
			sm->set[h] = tm_set_milli(sm->snap, sm->family, sm->slot, h);
			sm->rec[h] = tm_set_milli_of(sm->snap, sm->family, sm->slot, h, true);
			sm->have |= BIT(h);
		}
		milli += a->n[h] * sm->set[h];
		/* the vectors are plain kmalloc: never reclaimable */
		*rec_milli += a->n[h] * sm->rec[h];
	}
	for (t = 0; t < TM_NR_TYPES; t++)
		milli += a->vec[t] * sm->vec[t];
	return div_u64(milli + 500, 1000);
}

void tm_headline(const struct tm_snapshot *snap, struct tm_headline *h)
{
	const struct tm_tcp *t = &snap->tcp;
	u64 vec[TM_NR_TYPES], rec_milli = 0;
	int slot, f, i, k, b;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < TM_NR_TYPES; i++)
		vec[i] = snap->cache[i].present ? tm_vec_milli(&snap->cache[i]) : 0;
	for (i = 0; i < t->nr_netns; i++) {
		for (b = 0; b < 2; b++) {
			u64 bytes = tm_bind_bytes(snap, &t->netns[i], b);

			h->shared += bytes;
			if (snap->cache[b ? TM_T_BIND2 : TM_T_BIND].flags & TM_SLAB_RECLAIM)
				rec_milli += bytes * 1000;
		}
	}
	for (slot = 1; slot < TM_NR_SLOTS; slot++) {
		unsigned long n = 0;
		u64 bytes = 0;

		for (f = 0; f < TM_NR_FAMILIES; f++) {
			struct tm_slot_milli sm = {
				.snap = snap, .family = f, .slot = slot, .vec = vec,
			};

			for (i = 0; i < t->nr_netns; i++) {
				const struct tm_state_acc *a;

				a = tm_netns_acc(t, &t->netns[i], f, slot);
				if (!a)
					continue;
				n += tm_acc_sockets(a);
				bytes += tm_acc_slab_bytes_sm(&sm, a, &rec_milli);
			}
		}
		h->sockets += bytes;
		if (!n)
			continue;
		/* insert into the top list, largest first */
		for (k = h->nr_top; k > 0 && h->top[k - 1].bytes < bytes; k--)
			if (k < TM_TOP)
				h->top[k] = h->top[k - 1];
		if (k < TM_TOP) {
			h->top[k].slot = slot;
			h->top[k].bytes = bytes;
			h->top[k].n = n;
			h->nr_top = min(h->nr_top + 1, TM_TOP);
		}
	}
	h->total = h->sockets + h->shared;
	h->reclaimable = min(div_u64(rec_milli + 500, 1000), h->total);
	h->unreclaimable = h->total - h->reclaimable;
}

/* slab bytes of a per-cgroup record: its sockets, or its bind buckets */
u64 tm_cg_slab_bytes(const struct tm_snapshot *snap, const struct tm_cg_rec *r)
{
	enum tm_type t = r->slot == TM_CG_SLOT_BIND2 ? TM_T_BIND2 : TM_T_BIND;
	const struct tm_cache_stat *c = &snap->cache[t];

	if (r->overflow)
		return 0;
	if (r->slot < TM_NR_SLOTS)
		return tm_acc_slab_bytes(snap, r->family, r->slot, &r->acc);
	if (!c->present)
		return 0;
	return div_u64(tm_acc_sockets(&r->acc) * tm_eff_milli(c) +
		       r->acc.vec[t] * tm_vec_milli(c) + 500, 1000);
}

static int tm_cg_by_path(const void *a, const void *b)
{
	const struct tm_cg_key *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : x->idx - y->idx;
}

static int tm_cg_by_slab(const void *a, const void *b)
{
	const struct tm_cg_key *x = a, *y = b;

	if (x->slab != y->slab)
		return x->slab > y->slab ? -1 : 1;
	return x->idx - y->idx;
}

/*
 * Group the per-cgroup records by creating cgroup (the path, "-" for none;
 * records are sorted by netns first, so one cgroup's records are apart):
 * sorted by path, each record's group is the first record of its run; the
 * overflow record is a group of its own. Then the groups by slab bytes,
 * most first, the first record first among equals. O(n log n).
 */
void tm_cg_rank(const struct tm_snapshot *snap, struct tm_cg_rank *r)
{
	const struct tm_tcp *t = &snap->tcp;
	int i, n = 0;

	for (i = 0; i < t->nr_cg; i++) {
		r->lead[i] = i;
		if (t->cg[i].overflow)
			continue;
		r->key[n].path = t->cg[i].cg_path ?: "-";
		r->key[n++].idx = i;
	}
	sort(r->key, n, sizeof(*r->key), tm_cg_by_path, NULL);
	for (i = 1; i < n; i++)
		if (!strcmp(r->key[i].path, r->key[i - 1].path))
			r->lead[r->key[i].idx] = r->lead[r->key[i - 1].idx];
	for (i = 0; i < t->nr_cg; i++)
		if (!t->cg[i].overflow)
			r->slab[r->lead[i]] += tm_cg_slab_bytes(snap, &t->cg[i]);
	n = 0;
	for (i = 0; i < t->nr_cg; i++) {
		if (r->lead[i] != i)
			continue;
		r->key[n].slab = r->slab[i];
		r->key[n++].idx = i;
	}
	sort(r->key, n, sizeof(*r->key), tm_cg_by_slab, NULL);
	for (i = 0; i < n; i++)
		r->order[i] = r->key[i].idx;
	r->nr = n;
}
