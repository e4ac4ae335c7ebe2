// SPDX-License-Identifier: GPL-2.0
/*
 * Rendering of snapshots: fixed-width tables for /proc/tcpmem, key=value
 * records with exact integers for debugfs. No kernel state is read here.
 */
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "tcpmem/view.h"

static bool tm_merged(const struct tm_cache_stat *c)
{
	return c->nr_aliases > 0 || (!c->label && strcmp(c->type, c->cache));
}

void tm_show_caches(struct seq_file *m, const struct tm_snapshot *snap)
{
	int i;

	seq_puts(m, "\ncaches: the slab cache each tracked object type lives in\n");
	seq_printf(m, "%-19s %-28s %7s %9s %5s %9s %10s %9s %9s %7s %6s\n", "type",
		   "lives in", "objsize", "objs/slab", "pages", "eff_B", "waste/slab",
		   "active", "used", "slabs", "util");
	for (i = 0; i < snap->nr_caches; i++) {
		const struct tm_cache_stat *c = &snap->cache[i];
		char where[TM_NAME_LEN + 16], used[24];
		u64 eff = tm_eff_milli(c), util = tm_util_milli(c);

		if (!c->present) {
			seq_printf(m, "%-19s %-28s\n", c->type, c->unavailable ?
				   "- (unavailable: cache not validated, see dmesg)" :
				   "- (not on this kernel)");
			continue;
		}
		if (!tm_merged(c))
			strscpy(where, c->cache, sizeof(where));
		else
			snprintf(where, sizeof(where), "%s (merged)", c->cache);
		if (c->cpu_free_ok)
			snprintf(used, sizeof(used), "%lu", tm_used_objs(c));
		else
			strscpy(used, "-", sizeof(used));
		seq_printf(m, "%-19s %-28s %7u %9u %5u %7llu.%llu %10llu %8lu%c %9s %7lu %3llu.%llu%%\n",
			   c->type, where, c->size, c->objperslab, 1U << c->order,
			   (eff + 50) / 1000, (eff + 50) / 100 % 10, tm_tail_waste(c),
			   c->active_objs, c->approx ? '~' : ' ', used, c->num_slabs,
			   util / 10, util % 10);
	}
	for (i = 0; i < snap->nr_caches; i++) {
		const struct tm_cache_stat *c = &snap->cache[i];

		if (c->present && c->slabs_lo)
			seq_printf(m, "fallback: %s: %lu of %lu slabs at order %u (%u objs/slab), not %u%s\n",
				   c->type, c->slabs_lo, c->num_slabs, c->min_order,
				   c->min_objperslab, c->order,
				   c->orders_exact ? "" : " (counters moving: approximate)");
	}
	seq_puts(m, "# objsize: bytes per object with metadata and padding (slabinfo <objsize>)\n"
		    "# eff_B: bytes of the cache's slabs / its objects, what one object really costs\n"
		    "# waste/slab: slab bytes - objs/slab x objsize, lost at the end of a slab (average)\n"
		    "# fallback: slabs allocated at the cache's minimum order, counted at that order\n"
		    "# active: slabinfo <active_objs> (~: above 10000 partial slabs on a node, the\n"
		    "#   6.10 rule's scaled sample: /proc/slabinfo's own figure on 6.10+, exact there before)\n"
		    "# used: active minus free objects held by CPUs (-: not countable here)\n"
		    "# util: used x object_size / (slabs x slab bytes)\n");
}

/* free objects on the partial lists counted one by one, or "na" above the bound */
static void tm_put_exact(struct seq_file *m, unsigned long v, bool ok)
{
	if (ok)
		seq_printf(m, " partial_free_exact=%lu", v);
	else
		seq_puts(m, " partial_free_exact=na");
}

void tm_dbg_caches(struct seq_file *m, const struct tm_snapshot *snap)
{
	int i;

	for (i = 0; i < snap->nr_caches; i++) {
		const struct tm_cache_stat *c = &snap->cache[i];
		u64 eff = tm_eff_milli(c);

		if (!c->present) {
			seq_printf(m, "type=%s present=0%s\n", c->type,
				   c->unavailable ? " unavailable=1" : "");
			continue;
		}
		seq_printf(m, "type=%s cache=%s present=1 active_objs=%lu num_objs=%lu objsize=%u object_size=%u align=%u objperslab=%u pagesperslab=%u active_slabs=%lu num_slabs=%lu",
			   c->type, c->cache, c->active_objs, c->num_objs, c->size,
			   c->object_size, c->align, c->objperslab, 1U << c->order,
			   c->num_slabs, c->num_slabs);
		seq_printf(m, " min_objperslab=%u min_pagesperslab=%u slab_bytes=%llu eff_bytes=%llu.%03llu tail_waste=%llu padding=%u",
			   c->min_objperslab, 1U << c->min_order, tm_slab_bytes(c),
			   eff / 1000, eff % 1000, tm_tail_waste(c), c->size - c->object_size);
		seq_printf(m, " slabs_hi=%lu slabs_lo=%lu orders_exact=%d min_slab_bytes=%llu bytes=%llu",
			   c->slabs_hi, c->slabs_lo, c->orders_exact, tm_min_slab_bytes(c),
			   tm_cache_bytes(c));
		seq_printf(m, " partial_free=%lu", c->partial_free);
		tm_put_exact(m, c->partial_free_exact, c->exact);
		seq_printf(m, " approx=%d", c->approx);
		if (c->cpu_free_ok)
			seq_printf(m, " cpu_free=%lu cpu_slabs=%lu cpu_partial_slabs=%lu barn_free=%lu used_objs=%lu util_permille=%llu",
				   c->cpu_free, c->cpu_slabs, c->cpu_partial_slabs,
				   c->barn_free, tm_used_objs(c), tm_util_milli(c));
		else
			seq_puts(m, " cpu_free=na used_objs=na");
		seq_printf(m, " refcount=%d label=%d merged=%d aliases=%s\n", c->refcount,
			   c->label, tm_merged(c),
			   !c->aliases_ok ? "na" : c->nr_aliases ? c->aliases : "-");
	}
}

void tm_dbg_caches_nodes(struct seq_file *m, const struct tm_snapshot *snap)
{
	int i, nid;

	for (i = 0; i < snap->nr_caches; i++) {
		const struct tm_cache_stat *c = &snap->cache[i];

		if (!c->present)
			continue;
		seq_printf(m, "type=%s cache=%s node=all slabs=%lu objs=%lu partial_free=%lu",
			   c->type, c->cache, c->num_slabs, c->num_objs, c->partial_free);
		tm_put_exact(m, c->partial_free_exact, c->exact);
		seq_printf(m, " approx=%d slabs_hi=%lu slabs_lo=%lu bytes=%llu\n",
			   c->approx, c->slabs_hi, c->slabs_lo, tm_cache_bytes(c));
		for (nid = 0; nid < nr_node_ids; nid++) {
			const struct tm_node_stat *n = &c->node[nid];

			if (!n->present)
				continue;
			seq_printf(m, "type=%s cache=%s node=%d slabs=%lu objs=%lu partial_slabs=%lu partial_free=%lu",
				   c->type, c->cache, nid, n->slabs, n->objs, n->partial,
				   n->partial_free);
			tm_put_exact(m, n->partial_free_exact, n->exact);
			seq_printf(m, " approx=%d slabs_hi=%lu slabs_lo=%lu bytes=%llu\n",
				   n->approx, n->slabs_hi, n->slabs_lo, tm_node_bytes(c, n));
		}
	}
}

/* "1.5M"-style size for people; exact figures are in debugfs */
static void tm_human(char *buf, size_t len, u64 bytes)
{
	static const char units[] = "BKMGTP";
	u64 v = bytes * 10;
	int u = 0;

	while (v >= 10240 && u < 5) {
		v >>= 10;
		u++;
	}
	if (!u)
		snprintf(buf, len, "%lluB", bytes);
	else
		snprintf(buf, len, "%llu.%llu%c", v / 10, v % 10, units[u]);
}

/* Is cache @i the first of the tracked types living in its cache? */
static bool tm_first_of_cache(const struct tm_snapshot *snap, int i)
{
	int k;

	for (k = 0; k < i; k++)
		if (snap->cache[k].present && !strcmp(snap->cache[k].cache, snap->cache[i].cache))
			return false;
	return true;
}

/* slab bytes of the tracked caches (each cache once) on node @nid */
static u64 tm_node_slab_bytes(const struct tm_snapshot *snap, int nid)
{
	u64 bytes = 0;
	int i;

	for (i = 0; i < snap->nr_caches; i++) {
		const struct tm_cache_stat *c = &snap->cache[i];

		if (c->present && tm_first_of_cache(snap, i) && c->node[nid].present)
			bytes += tm_node_bytes(c, &c->node[nid]);
	}
	return bytes;
}

static void tm_node_totals(const struct tm_snapshot *snap, int nid, u64 *managed, u64 *free)
{
	int i;

	*managed = 0;
	*free = 0;
	for (i = 0; i < snap->nr_zones; i++) {
		if (snap->zones[i].nid != nid)
			continue;
		*managed += (u64)snap->zones[i].managed * PAGE_SIZE;
		*free += (u64)snap->zones[i].free * PAGE_SIZE;
	}
}

void tm_show_zones(struct seq_file *m, const struct tm_snapshot *snap)
{
	int i, o, nid;

	seq_puts(m, "\nzones: pages per zone; buddy: free blocks of order 0, 1, 2, ...\n");
	seq_printf(m, "%-4s %-8s %9s %9s %9s %7s  %s\n", "node", "zone", "present",
		   "managed", "free", "min", "buddy");
	for (i = 0; i < snap->nr_zones; i++) {
		const struct tm_zone_stat *z = &snap->zones[i];

		seq_printf(m, "%-4d %-8s %9lu %9lu %9lu %7lu ", z->nid, z->name, z->present,
			   z->managed, z->free, z->min);
		for (o = 0; o < TM_NR_ORDERS; o++)
			seq_printf(m, " %lu", z->nr_free[o]);
		seq_putc(m, '\n');
	}
	for_each_online_node(nid) {
		char a[32], b[32], c[32];
		u64 managed, free;

		tm_node_totals(snap, nid, &managed, &free);
		tm_human(a, sizeof(a), managed);
		tm_human(b, sizeof(b), free);
		tm_human(c, sizeof(c), tm_node_slab_bytes(snap, nid));
		seq_printf(m, "node %d: managed %s, free %s, slabs of the tracked caches %s\n",
			   nid, a, b, c);
	}
	for (i = 0; i < snap->nr_caches; i++) {
		const struct tm_cache_stat *c = &snap->cache[i];
		int k;

		if (!c->present || (i != TM_T_TCP && i != TM_T_TCPV6))
			continue;
		seq_printf(m, "%s slabs are order %u (fallback %u):", c->type, c->order,
			   c->min_order);
		for (k = 0; k < snap->nr_zones; k++) {
			const struct tm_zone_stat *z = &snap->zones[k];
			unsigned int u = tm_unusable_milli(z, c->order);

			seq_printf(m, " node %d %s %s (%lu blocks, unusable %u.%03u);", z->nid,
				   z->name, tm_blocks_ge(z, c->order) ? "fits" : "no fit",
				   tm_blocks_ge(z, c->order), u / 1000, u % 1000);
		}
		seq_putc(m, '\n');
	}
	seq_puts(m, "# fits: the zone's buddy lists hold a free block of the slab's order or larger\n");
}

void tm_dbg_zones(struct seq_file *m, const struct tm_snapshot *snap)
{
	int i;

	for (i = 0; i < snap->nr_zones; i++) {
		const struct tm_zone_stat *z = &snap->zones[i];

		seq_printf(m, "node=%d zone=%s present=%lu spanned=%lu managed=%lu free=%lu min=%lu low=%lu high=%lu\n",
			   z->nid, z->name, z->present, z->spanned, z->managed, z->free,
			   z->min, z->low, z->high);
	}
}

void tm_dbg_buddy(struct seq_file *m, const struct tm_snapshot *snap)
{
	int i, o;

	for (i = 0; i < snap->nr_zones; i++) {
		const struct tm_zone_stat *z = &snap->zones[i];

		seq_printf(m, "node=%d zone=%s free=", z->nid, z->name);
		for (o = 0; o < TM_NR_ORDERS; o++)
			seq_printf(m, "%s%lu", o ? "," : "", z->nr_free[o]);
		seq_putc(m, '\n');
	}
}

void tm_dbg_pagetypes(struct seq_file *m, const struct tm_snapshot *snap)
{
	int i, o, mt;

	for (i = 0; i < snap->nr_zones; i++) {
		const struct tm_zone_stat *z = &snap->zones[i];

		for (mt = 0; mt < MIGRATE_TYPES; mt++) {
			seq_printf(m, "node=%d zone=%s migratetype=%s free=", z->nid, z->name,
				   tm_mt_name[mt]);
			for (o = 0; o < TM_NR_ORDERS; o++)
				seq_printf(m, "%s%s%lu", o ? "," : "",
					   z->mt_overflow[mt][o] ? ">" : "", z->mt_free[mt][o]);
			seq_putc(m, '\n');
		}
	}
}

void tm_dbg_orders(struct seq_file *m, const struct tm_snapshot *snap)
{
	int i, k;

	for (i = 0; i < snap->nr_caches; i++) {
		const struct tm_cache_stat *c = &snap->cache[i];

		if (!c->present)
			continue;
		for (k = 0; k < snap->nr_zones; k++) {
			const struct tm_zone_stat *z = &snap->zones[k];

			seq_printf(m, "type=%s cache=%s order=%u min_order=%u node=%d zone=%s blocks_ge_order=%lu blocks_fit_order=%lu blocks_ge_min_order=%lu unusable_permille=%u\n",
				   c->type, c->cache, c->order, c->min_order, z->nid, z->name,
				   tm_blocks_ge(z, c->order), tm_blocks_fit(z, c->order),
				   tm_blocks_ge(z, c->min_order), tm_unusable_milli(z, c->order));
		}
	}
}

void tm_dbg_nodes(struct seq_file *m, const struct tm_snapshot *snap)
{
	int nid;

	for_each_online_node(nid) {
		u64 managed, free;

		tm_node_totals(snap, nid, &managed, &free);
		seq_printf(m, "node=%d managed_bytes=%llu free_bytes=%llu tracked_slab_bytes=%llu\n",
			   nid, managed, free, tm_node_slab_bytes(snap, nid));
	}
}

/* ---- TCP states ---------------------------------------------------------- */

static const char *const tm_family_name[TM_NR_FAMILIES] = { "inet", "inet6" };

static const char *tm_kind(int slot)
{
	if (slot == TM_SLOT_TW || slot == TM_SLOT_TW_FW2)
		return "timewait";
	return slot == TM_SLOT_REQ ? "request" : "full";
}

/* free bytes above the high watermarks: what can be allocated without reclaim */
static u64 tm_free_above_high(const struct tm_snapshot *snap)
{
	u64 bytes = 0;
	int i;

	for (i = 0; i < snap->nr_zones; i++)
		if (snap->zones[i].free > snap->zones[i].high)
			bytes += (u64)(snap->zones[i].free - snap->zones[i].high) * PAGE_SIZE;
	return bytes;
}

/* How many more sockets like these fit: free memory, tcp_mem, tw buckets. */
static u64 tm_room(const struct tm_snapshot *snap, int slot, const struct tm_state_acc *a,
		   u64 slab, unsigned long tw_now, bool *tcp_mem_bound)
{
	unsigned long n = tm_acc_sockets(a);
	u64 per = div64_u64(slab + tm_acc_buffers(a) + n - 1, n);
	u64 room = per ? div64_u64(tm_free_above_high(snap), per) : 0;
	u64 buf = div64_u64(a->rmem + a->wmem_queued, n);
	long left = snap->tcp.tcp_mem_pages[2] - snap->tcp.tcp_mem_allocated;

	*tcp_mem_bound = false;
	if (buf) {
		u64 r = left > 0 ? div64_u64((u64)left * PAGE_SIZE, buf) : 0;

		if (r < room) {
			room = r;
			*tcp_mem_bound = true;
		}
	}
	if (slot == TM_SLOT_TW || slot == TM_SLOT_TW_FW2) {
		u64 r = snap->tcp.max_tw_buckets > tw_now ? snap->tcp.max_tw_buckets - tw_now : 0;

		room = min(room, r);
	}
	return room;
}

/* the TIME_WAIT minisocks of the reader's netns (tcp_max_tw_buckets is per netns) */
static unsigned long tm_tw_total(const struct tm_snapshot *snap)
{
	const struct tm_tcp *t = &snap->tcp;
	unsigned long n = 0;
	int f;

	if (t->own < 0)
		return 0;
	for (f = 0; f < TM_NR_FAMILIES; f++) {
		const struct tm_state_acc *tw = tm_netns_acc(t, &t->netns[t->own], f, TM_SLOT_TW);
		const struct tm_state_acc *fw2 = tm_netns_acc(t, &t->netns[t->own], f,
							      TM_SLOT_TW_FW2);

		n += (tw ? tm_acc_sockets(tw) : 0) + (fw2 ? tm_acc_sockets(fw2) : 0);
	}
	return n;
}

static const char *tm_type_label(const struct tm_snapshot *snap, enum tm_type t)
{
	return snap->cache[t].type;
}

/* a state as /proc/tcpmem names it: minisocks marked (tw) and (req) */
static const char *tm_slot_label(int slot)
{
	switch (slot) {
	case TM_SLOT_REQ:
		return "SYN_RECV(req)";
	case TM_SLOT_TW:
		return "TIME_WAIT(tw)";
	case TM_SLOT_TW_FW2:
		return "FIN_WAIT2(tw)";
	default:
		return tm_slot_name(slot);
	}
}

/* @part of @whole in per cent, one decimal */
static void tm_share(char *buf, size_t len, u64 part, u64 whole)
{
	u64 pm = whole ? div64_u64(part * 1000 + whole / 2, whole) : 0;

	snprintf(buf, len, "%llu.%llu%%", pm / 10, pm % 10);
}

/*
 * A path as one field: bytes that would split or end the field (space and
 * every control character, DEL, backslash, double quote) and bytes above
 * 0x7e as a backslash and three octal digits, as seq_escape() does with
 * ESCAPE_OCTAL; NULL as "-".
 */
static void tm_seq_path(struct seq_file *m, const char *s)
{
	if (!s) {
		seq_putc(m, '-');
		return;
	}
	for (; *s; s++) {
		unsigned char c = *s;

		if (c <= ' ' || c >= 0x7f || c == '\\' || c == '"')
			seq_printf(m, "\\%03o", c);
		else
			seq_putc(m, c);
	}
}

void tm_cg_rank_free(struct tm_cg_rank *r)
{
	kvfree(r->lead);
	kvfree(r->slab);
	kvfree(r->order);
	kvfree(r->key);
	memset(r, 0, sizeof(*r));
}

/* the cgroups ranked once per read; @r->lead NULL when out of memory */
void tm_cg_rank_get(const struct tm_snapshot *snap, struct tm_cg_rank *r)
{
	int n = snap->tcp.nr_cg;

	memset(r, 0, sizeof(*r));
	if (!n)
		return;
	r->lead = kvcalloc(n, sizeof(*r->lead), GFP_KERNEL_ACCOUNT);
	r->slab = kvcalloc(n, sizeof(*r->slab), GFP_KERNEL_ACCOUNT);
	r->order = kvcalloc(n, sizeof(*r->order), GFP_KERNEL_ACCOUNT);
	r->key = kvcalloc(n, sizeof(*r->key), GFP_KERNEL_ACCOUNT);
	if (!r->lead || !r->slab || !r->order || !r->key) {
		tm_cg_rank_free(r);
		return;
	}
	tm_cg_rank(snap, r);
}

/* the TM_TOP creating cgroups whose sockets hold the most slab bytes */
static void tm_show_top_cgroups(struct seq_file *m, const struct tm_snapshot *snap,
				const struct tm_cg_rank *r)
{
	const struct tm_tcp *t = &snap->tcp;
	int k, best;
	char b[32];

	if (!t->nr_cg)
		return;		/* no records: no sockets, or no cgroups in this file */
	seq_puts(m, "top cgroups:");
	if (!r->lead) {
		seq_puts(m, " (unavailable: out of memory)\n");
		return;
	}
	for (k = 0; k < TM_TOP && k < r->nr; k++) {
		best = r->order[k];
		seq_puts(m, k ? ", " : " ");
		if (t->cg[best].overflow)
			seq_puts(m, "overflow");
		else
			tm_seq_path(m, t->cg[best].cg_path);
		tm_human(b, sizeof(b), r->slab[best]);
		seq_printf(m, " %s", b);
	}
	seq_putc(m, '\n');
}

/* The answer first: what TCP holds in slab, its share, where most of it is. */
void tm_show_headline(struct seq_file *m, const struct tm_snapshot *snap,
		      const struct tm_cg_rank *rank)
{
	const struct tm_meminfo *mem = &snap->mem;
	u64 slab = mem->sreclaimable + mem->sunreclaim;
	char to[32], so[32], sh[32], sl[32], su[32], un[32], p1[48], p2[48], b[32];
	struct tm_headline h;
	int k;

	tm_headline(snap, &h);
	tm_human(to, sizeof(to), h.total);
	tm_human(so, sizeof(so), h.sockets);
	tm_human(sh, sizeof(sh), h.shared);
	tm_human(sl, sizeof(sl), slab);
	tm_human(su, sizeof(su), mem->sunreclaim);
	tm_share(p1, sizeof(p1), h.total, slab);
	tm_human(un, sizeof(un), h.unreclaimable);
	tm_share(p2, sizeof(p2), h.unreclaimable, mem->sunreclaim);
	seq_printf(m, "TCP holds %s of slab (sockets %s + bind buckets %s): %s of Slab: %s; unreclaimable %s of it, %s of SUnreclaim %s\n",
		   to, so, sh, p1, sl, un, p2, su);
	seq_puts(m, "top states:");
	for (k = 0; k < h.nr_top; k++) {
		tm_human(b, sizeof(b), h.top[k].bytes);
		seq_printf(m, "%s %s %s (%lu sockets)", k ? "," : "",
			   tm_slot_label(h.top[k].slot), b, h.top[k].n);
	}
	seq_puts(m, h.nr_top ? "\n" : " none\n");
	tm_show_top_cgroups(m, snap, rank);
}

void tm_show_states(struct seq_file *m, const struct tm_snapshot *snap)
{
	const struct tm_tcp *t = &snap->tcp;
	unsigned long tw = tm_tw_total(snap), bind = 0, bind2 = 0;
	int slot, f, i, h;

	seq_printf(m, "%-14s %-6s %8s %10s %9s %9s %9s %9s  %s\n", "state", "family",
		   "sockets", "bytes/sock", "slab", "buffers", "total", "room", "held per socket");
	for (slot = 1; slot < TM_NR_SLOTS; slot++) {
		for (f = 0; f < TM_NR_FAMILIES; f++) {
			struct tm_state_acc a = {};
			char sl[32], bu[32], to[32], ro[32];
			enum tm_type set[TM_NR_TYPES];
			unsigned long n;
			int best = 0, k, cnt;
			const char *sep;
			bool tcpmem;
			u64 vec;
			u64 slab;

			for (i = 0; i < t->nr_netns; i++) {
				const struct tm_state_acc *na;

				na = tm_netns_acc(t, &t->netns[i], f, slot);
				if (na)
					tm_acc_add(&a, na);
			}
			n = tm_acc_sockets(&a);
			if (!n)
				continue;
			slab = tm_acc_slab_bytes(snap, f, slot, &a);
			tm_human(sl, sizeof(sl), slab);
			tm_human(bu, sizeof(bu), tm_acc_buffers(&a));
			tm_human(to, sizeof(to), slab + tm_acc_buffers(&a));
			snprintf(ro, sizeof(ro), "%llu",
				 tm_room(snap, slot, &a, slab, tw, &tcpmem));
			seq_printf(m, "%-14s %-6s %8lu %10llu %9s %9s %9s %9s%s ",
				   tm_slot_label(slot), tm_family_name[f], n,
				   div64_u64(slab + n / 2, n), sl, bu, to,
				   ro, tcpmem ? "*" : " ");
			for (h = 1; h < TM_NR_HOLDERS; h++)
				if (a.n[h] > a.n[best])
					best = h;
			/* where bytes/sock come from: each object's effective bytes */
			cnt = tm_objects_of(f, slot, best, set);
			sep = "";
			for (k = 0; k < cnt; k++) {
				u64 e = tm_eff_milli(&snap->cache[set[k]]);

				if (!snap->cache[set[k]].present)
					continue;
				seq_printf(m, "%s %s %llu.%llu", sep, tm_type_label(snap, set[k]),
					   (e + 50) / 1000, (e + 50) / 100 % 10);
				sep = " +";
			}
			/* the objcg vectors of charged slabs: per socket, on average */
			vec = tm_acc_vec_bytes(snap, &a);
			if (vec) {
				vec = div64_u64(vec * 10 + n / 2, n);
				seq_printf(m, " + objcg_vectors %llu.%llu", vec / 10, vec % 10);
			}
			for (h = 0; h < TM_NR_HOLDERS; h++)
				if (h != best && a.n[h])
					seq_printf(m, " (+%lu %s)", a.n[h], tm_holder_name[h]);
			seq_putc(m, '\n');
		}
	}
	for (i = 0; i < t->nr_netns; i++) {
		bind += t->netns[i].bind_buckets;
		bind2 += t->netns[i].bind2_buckets;
	}
	seq_printf(m, "shared: %lu tcp_bind_bucket (one per bound port)", bind);
	if (snap->cache[TM_T_BIND2].present)
		seq_printf(m, ", %lu tcp_bind2_bucket (one per bound port and address)", bind2);
	seq_puts(m, ", not in bytes/sock\n");
	if (t->all_netns)
		seq_printf(m, "in no table (created, never bound; from sockets_allocated %lu - %lu found): ~%ld\n",
			   t->allocated, t->hashed_full, (long)t->allocated - (long)t->hashed_full);
	if (tm_layout.m[TM_SOCKET_WQ].size != sizeof(void *))
		seq_puts(m, "kmalloc-64: no per-socket object: socket_wq is embedded in struct socket here\n");
	seq_puts(m, "# bytes/sock: slab bytes of the objects one socket holds (effective bytes, below)\n"
		    "# buffers: sk_rmem_alloc + sk_wmem_queued + sk_forward_alloc\n"
		    "# held per socket: the objects one socket of the most common kind holds, each\n"
		    "#   with its effective bytes, and objcg_vectors: the share of the memcg vectors\n"
		    "#   of charged slabs (they sum to bytes/sock when every socket of the row is of\n"
		    "#   that kind); sockets of other kinds counted in (+N kind)\n"
		    "# room: how many more fit in free memory above the high watermarks\n"
		    "#   (*: limited by tcp_mem first; TIME_WAIT also by tcp_max_tw_buckets)\n"
		    "# (tw): timewait minisocks, by substate; (req): request socks\n");
}

int tm_nr_netns(const struct tm_snapshot *snap)
{
	return snap->tcp.nr_netns;
}

/* debugfs states: the records of netns @i */
void tm_dbg_states(struct seq_file *m, const struct tm_snapshot *snap, int i)
{
	const struct tm_netns *ns = &snap->tcp.netns[i];
	unsigned long tw = tm_tw_total(snap);
	int f, slot;

	for (f = 0; f < TM_NR_FAMILIES; f++) {
		for (slot = 1; slot < TM_NR_SLOTS; slot++) {
			const struct tm_state_acc *a = tm_netns_acc(&snap->tcp, ns, f, slot);
			unsigned long n = a ? tm_acc_sockets(a) : 0;
			bool tcpmem;
			u64 slab;

			if (!n)
				continue;
			slab = tm_acc_slab_bytes(snap, f, slot, a);
			seq_printf(m, "netns=%u family=%s state=%s kind=%s sockets=%lu with_file=%lu epoll=%lu kernel=%lu orphans=%lu queued=%lu",
				   ns->inum, tm_family_name[f], tm_slot_name(slot),
				   tm_kind(slot), n,
				   a->n[TM_H_FILE] + a->n[TM_H_FILE_EPOLL],
				   a->n[TM_H_FILE_EPOLL], a->n[TM_H_KERNEL],
				   a->n[TM_H_ORPHAN], a->n[TM_H_QUEUED]);
			seq_printf(m, " slab_bytes=%llu buffer_bytes=%llu rmem=%llu wmem_queued=%llu fwd_alloc=%llu bytes_per_socket=%llu room=%llu vector_bytes=%llu\n",
				   slab, tm_acc_buffers(a), a->rmem, a->wmem_queued,
				   a->fwd_alloc, div64_u64(slab + n / 2, n),
				   tm_room(snap, slot, a, slab, tw, &tcpmem),
				   tm_acc_vec_bytes(snap, a));
		}
	}
}

void tm_dbg_objects(struct seq_file *m, const struct tm_snapshot *snap)
{
	static const int slots[] = { TCP_ESTABLISHED, TM_SLOT_TW, TM_SLOT_REQ };
	int f, s, h, k, n;

	for (f = 0; f < TM_NR_FAMILIES; f++) {
		for (s = 0; s < ARRAY_SIZE(slots); s++) {
			for (h = 0; h < TM_NR_HOLDERS; h++) {
				enum tm_type set[TM_NR_TYPES];

				bool mini = slots[s] >= TCP_MAX_STATES;
				bool mini_holder = h == TM_H_MINI;

				if (mini != mini_holder)	/* minisocks hold no more */
					continue;
				n = tm_objects_of(f, slots[s], h, set);
				for (k = 0; k < n; k++) {
					const struct tm_cache_stat *c = &snap->cache[set[k]];
					u64 e = tm_eff_milli(c);

					if (!c->present)
						continue;
					seq_printf(m, "family=%s kind=%s holder=%s type=%s cache=%s eff_bytes=%llu.%03llu\n",
						   tm_family_name[f], tm_kind(slots[s]),
						   tm_holder_name[h], c->type, c->cache,
						   e / 1000, e % 1000);
					if (!tm_layout.memcg || !(c->flags & TM_SLAB_ACCOUNT))
						continue;
					e = tm_vec_milli(c);
					seq_printf(m, "family=%s kind=%s holder=%s type=objcg_vector of=%s vector_bytes=%u eff_bytes=%llu.%03llu when=slab_has_vector charge_bytes=%llu\n",
						   tm_family_name[f], tm_kind(slots[s]),
						   tm_holder_name[h], c->type, c->vec_bytes,
						   e / 1000, e % 1000, tm_charge_bytes(c));
				}
			}
		}
	}
	seq_printf(m, "family=all kind=full holder=file type=kmalloc-64 count=0 reason=%s\n",
		   tm_layout.m[TM_SOCKET_WQ].size != sizeof(void *) ?
		   "socket_wq_embedded_in_struct_socket" : "socket_wq_pointer");
}

/* debugfs shared: the bind buckets of netns @i */
void tm_dbg_shared(struct seq_file *m, const struct tm_snapshot *snap, int i)
{
	const struct tm_netns *ns = &snap->tcp.netns[i];

	/* each bucket at its effective bytes, plus its vector's share where it has one */
	seq_printf(m, "netns=%u bind_buckets=%lu bind_bytes=%llu", ns->inum,
		   ns->bind_buckets, tm_bind_bytes(snap, ns, 0));
	if (snap->cache[TM_T_BIND2].present)
		seq_printf(m, " bind2_buckets=%lu bind2_bytes=%llu\n",
			   ns->bind2_buckets, tm_bind_bytes(snap, ns, 1));
	else	/* no bhash2 before 6.1 */
		seq_puts(m, " bind2_buckets=na bind2_bytes=na\n");
}

/*
 * Which netns the reader sees: "all", its own netns's inode number, or that
 * number + how many more netns it administers (CAP_NET_ADMIN over their
 * owning user namespace).
 */
void tm_show_netns_visible(struct seq_file *m, const struct tm_tcp *t)
{
	if (t->all_netns)
		seq_puts(m, "all");
	else if (t->nr_netns > 1)
		seq_printf(m, "%u+%d", t->own_inum, t->nr_netns - 1);
	else
		seq_printf(m, "%u", t->own_inum);
}

void tm_dbg_totals(struct seq_file *m, const struct tm_snapshot *snap)
{
	const struct tm_tcp *t = &snap->tcp;
	struct tm_headline h;

	seq_puts(m, "netns_visible=");
	tm_show_netns_visible(m, t);
	seq_printf(m, " own_netns=%u sockets_allocated=%lu found_full=%lu", t->own_inum,
		   t->allocated, t->hashed_full);
	if (t->all_netns)
		seq_printf(m, " unhashed_estimate=%ld", (long)t->allocated - (long)t->hashed_full);
	seq_printf(m, " tcp_mem_min=%ld tcp_mem_pressure=%ld tcp_mem_max=%ld tcp_mem_allocated=%ld max_tw_buckets=%d free_above_high_bytes=%llu",
		   t->tcp_mem_pages[0], t->tcp_mem_pages[1], t->tcp_mem_pages[2],
		   t->tcp_mem_allocated, t->max_tw_buckets, tm_free_above_high(snap));
	tm_headline(snap, &h);
	seq_printf(m, " tcp_slab_bytes=%llu sockets_slab_bytes=%llu shared_slab_bytes=%llu tcp_unreclaimable_slab_bytes=%llu sreclaimable_bytes=%llu sunreclaim_bytes=%llu memtotal_bytes=%llu\n",
		   h.total, h.sockets, h.shared, h.unreclaimable, snap->mem.sreclaimable,
		   snap->mem.sunreclaim, snap->mem.total);
}

/* ---- cgroups --------------------------------------------------------- */

static void tm_seq_memcg(struct seq_file *m, const struct tm_cg_rec *r)
{
	if (r->mstate == TM_CH_MEMCG && r->memcg_path)
		tm_seq_path(m, r->memcg_path);
	else
		seq_puts(m, r->mstate == TM_CH_NONE ? "-" : "na");
}

int tm_nr_cg(const struct tm_snapshot *snap)
{
	return snap->tcp.nr_cg;
}

/* debugfs cgroups: record @i */
void tm_dbg_cgroups(struct seq_file *m, const struct tm_snapshot *snap, int i)
{
	const struct tm_cg_rec *r = &snap->tcp.cg[i];

	seq_puts(m, "cgroup=");
	if (r->overflow)
		seq_puts(m, "overflow");
	else
		tm_seq_path(m, r->cg_path);
	seq_puts(m, " memcg=");
	tm_seq_memcg(m, r);
	if (r->overflow)
		seq_puts(m, " netns=0 family=- state=- kind=-");
	else if (r->slot >= TM_NR_SLOTS)
		seq_printf(m, " netns=%u family=%s state=- kind=%s", r->netns,
			   tm_family_name[r->family],
			   r->slot == TM_CG_SLOT_BIND ? "bind_bucket" : "bind2_bucket");
	else
		seq_printf(m, " netns=%u family=%s state=%s kind=%s", r->netns,
			   tm_family_name[r->family], tm_slot_name(r->slot),
			   tm_holder_name[r->holder]);
	seq_printf(m, " sockets=%lu slab_bytes=%llu charged_bytes=%llu buffer_bytes=%llu\n",
		   r->slot >= TM_NR_SLOTS ? 0 : tm_acc_sockets(&r->acc),
		   r->overflow ? 0 : tm_cg_slab_bytes(snap, r),
		   tm_acc_charged_bytes(snap, &r->acc), tm_acc_buffers(&r->acc));
}

#define TM_TOP_CGROUPS	20

/* /proc/tcpmem: the cgroups whose sockets hold the most slab bytes */
void tm_show_cgroups(struct seq_file *m, const struct tm_snapshot *snap,
		     const struct tm_cg_rank *rank)
{
	const struct tm_tcp *t = &snap->tcp;
	int i, j, k;

	seq_printf(m, "\ncgroups: the %d cgroups whose sockets hold the most slab bytes\n",
		   TM_TOP_CGROUPS);
	if (!t->nr_cg) {
		seq_puts(m, "(no sockets)\n");
		return;
	}
	if (!rank->lead) {
		seq_puts(m, "(unavailable: out of memory)\n");
		return;
	}
	seq_printf(m, "%9s %9s %9s %8s  %-40s %s\n", "slab", "charged", "buffers", "sockets",
		   "cgroup", "sockets per state");
	for (k = 0; k < TM_TOP_CGROUPS && k < rank->nr; k++) {
		unsigned long per[TM_NR_SLOTS] = {}, n = 0;
		u64 charged = 0, buf = 0;
		char a[32], b[32], c[32];
		int best = rank->order[k];

		for (i = 0; i < t->nr_cg; i++) {
			const struct tm_cg_rec *r = &t->cg[i];

			if (rank->lead[i] != best)
				continue;
			if (r->slot < TM_NR_SLOTS) {
				per[r->slot] += tm_acc_sockets(&r->acc);
				n += tm_acc_sockets(&r->acc);
			}
			charged += tm_acc_charged_bytes(snap, &r->acc);
			buf += tm_acc_buffers(&r->acc);
		}
		tm_human(a, sizeof(a), rank->slab[best]);
		tm_human(b, sizeof(b), charged);
		tm_human(c, sizeof(c), buf);
		seq_printf(m, "%9s %9s %9s %8lu  ", a, b, c, n);
		if (t->cg[best].overflow)
			seq_puts(m, "(overflow: more records than the table holds)");
		else
			tm_seq_path(m, t->cg[best].cg_path);
		for (j = 1; j < TM_NR_SLOTS; j++)
			if (per[j])
				seq_printf(m, " %s%s=%lu", tm_slot_name(j),
					   j == TM_SLOT_TW || j == TM_SLOT_TW_FW2 ? "(tw)" :
					   j == TM_SLOT_REQ ? "(req)" : "", per[j]);
		seq_putc(m, '\n');
	}
	if (t->cg_overflow)
		seq_printf(m, "overflow: %lu sockets found the %d-record table full\n",
			   t->cg_overflow, TM_CG_MAX);
	seq_puts(m, "# slab: slab bytes of the objects the cgroup's sockets hold (as in the states above)\n"
		    "# charged: of those, what memcgs are charged (s->size + 8 per charged object)\n"
		    "# cgroup: the creating cgroup (sk_cgrp_data); - for timewait and request socks\n");
}

/* ---- what the last snapshot cost ----------------------------------------- */

static const char *const tm_phase_name[TM_NR_PHASES] = {
	[TM_PH_CACHES]	= "caches",
	[TM_PH_ZONES]	= "zones",
	[TM_PH_NETNS]	= "netns",
	[TM_PH_EHASH]	= "ehash",
	[TM_PH_LHASH2]	= "lhash2",
	[TM_PH_BHASH]	= "bhash",
	[TM_PH_BHASH2]	= "bhash2",
	[TM_PH_CGROUPS]	= "cgroups",
	[TM_PH_RENDER]	= "render",
};

static const char *const tm_hold_name[TM_NR_HOLDS] = {
	[TM_HOLD_BUCKET]	= "bucket_lock",
	[TM_HOLD_LIST]		= "list_lock",
	[TM_HOLD_ZONE]		= "zone_lock",
	[TM_HOLD_IRQS_OFF]	= "irqs_off",
};

static const char *const tm_step_name[TM_NR_STEPS] = {
	[TM_ST_NETNS]	= "netns",
	[TM_ST_SOCK]	= "sock",
	[TM_ST_CHARGE]	= "charge",
	[TM_ST_ACCOUNT]	= "account",
};

void tm_dbg_walk(struct seq_file *m, const struct tm_walk_time *wt, u64 seq)
{
	static const struct {
		unsigned int bit;
		const char *name;
	} sect[] = {
		{ TM_SNAP_CACHES, "caches" }, { TM_SNAP_ZONES, "zones" },
		{ TM_SNAP_TCP, "tcp" }, { TM_SNAP_SOCKETS, "sockets" },
		{ TM_SNAP_CGROUPS, "cgroups" },
		{ TM_SNAP_PAGETYPES, "pagetypes" },
	};
	const char *sep = "";
	int i;

	seq_printf(m, "snapshots=%llu file=%s sections=", seq, seq ? wt->file : "-");
	for (i = 0; i < ARRAY_SIZE(sect); i++) {
		if (wt->what & sect[i].bit) {
			seq_printf(m, "%s%s", sep, sect[i].name);
			sep = ",";
		}
	}
	seq_printf(m, "%s take_ns=%llu render_calls=%u ehash_sockets=%llu owners_walked=%d\n",
		   *sep ? "" : "-", wt->take_ns, wt->render_calls, wt->ehash_sockets,
		   wt->owners_walked);
	for (i = 0; i < TM_NR_PHASES; i++)
		seq_printf(m, "phase=%s ns=%llu\n", tm_phase_name[i], wt->phase_ns[i]);
	for (i = 0; i < TM_NR_HOLDS; i++)
		seq_printf(m, "hold=%s max_ns=%llu\n", tm_hold_name[i], wt->hold_max_ns[i]);
	for (i = 0; i < TM_NR_STEPS; i++)
		seq_printf(m, "step=%s ns=%llu sockets=%llu\n", tm_step_name[i], wt->step_ns[i],
			   wt->step_sockets);
}
