// SPDX-License-Identifier: GPL-2.0
/*
 * NUMA nodes, zones and the buddy allocator's free lists: what the slabs
 * stand on. Read the way mm/vmstat.c reads them for /proc/buddyinfo,
 * /proc/pagetypeinfo and /proc/zoneinfo: online nodes in order, each
 * populated zone, zone->lock only around the counting itself.
 */
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/nodemask.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include "tcpmem/compat.h"
#include "tcpmem/walk.h"

/* the kernel's names, in enum migratetype order (mm/page_alloc.c) */
const char *const tm_mt_name[MIGRATE_TYPES] = {
	[MIGRATE_UNMOVABLE]	= "Unmovable",
	[MIGRATE_MOVABLE]	= "Movable",
	[MIGRATE_RECLAIMABLE]	= "Reclaimable",
	[MIGRATE_HIGHATOMIC]	= "HighAtomic",
#ifdef CONFIG_CMA
	[MIGRATE_CMA]		= "CMA",
#endif
#ifdef CONFIG_MEMORY_ISOLATION
	[MIGRATE_ISOLATE]	= "Isolate",
#endif
};

/* /proc/pagetypeinfo stops counting a list here and prints ">" */
#define TM_PAGETYPE_CAP	100000UL

static void tm_read_zone(int nid, struct zone *zone, struct tm_zone_stat *z, bool pagetypes,
			 struct tm_walk_time *wt)
{
	unsigned long flags;
	u64 t0, t1;
	int o, mt;

	z->nid = nid;
	z->name = zone->name;
	/* unlocked, as zoneinfo_show_print() reads them */
	z->present = READ_ONCE(zone->present_pages);	/* memory hotplug */
	z->spanned = READ_ONCE(zone->spanned_pages);
	z->managed = zone_managed_pages(zone);
	z->free = zone_page_state(zone, NR_FREE_PAGES);
	z->min = data_race(min_wmark_pages(zone));	/* + watermark_boost */
	z->low = data_race(low_wmark_pages(zone));	/* + watermark_boost */
	z->high = data_race(high_wmark_pages(zone));	/* + watermark_boost */

	/* buddyinfo: all orders in one hold, as frag_show_print() */
	t0 = tm_hold_clock();
	spin_lock_irqsave(&zone->lock, flags);
	t1 = tm_hold_clock();
	for (o = 0; o < TM_NR_ORDERS; o++)
		/* under zone->lock; data_race() as 7.2's frag_show_print() */
		z->nr_free[o] = data_race(zone->free_area[o].nr_free);
	tm_hold_end(wt, TM_HOLD_ZONE, t1);
	spin_unlock_irqrestore(&zone->lock, flags);
	tm_hold_end(wt, TM_HOLD_IRQS_OFF, t0);

	if (!pagetypes)
		return;
	/* pagetypeinfo: one hold per list, capped, as the kernel does */
	for (mt = 0; mt < MIGRATE_TYPES; mt++) {
		for (o = 0; o < TM_NR_ORDERS; o++) {
			struct list_head *pos;
			unsigned long n = 0;

			t0 = tm_hold_clock();
			spin_lock_irqsave(&zone->lock, flags);
			t1 = tm_hold_clock();
			list_for_each(pos, &zone->free_area[o].free_list[mt]) {
				if (++n >= TM_PAGETYPE_CAP) {
					z->mt_overflow[mt][o] = true;
					break;
				}
			}
			tm_hold_end(wt, TM_HOLD_ZONE, t1);
			spin_unlock_irqrestore(&zone->lock, flags);
			tm_hold_end(wt, TM_HOLD_IRQS_OFF, t0);
			z->mt_free[mt][o] = n;
			cond_resched();
		}
	}
}

int tm_snapshot_zones(struct tm_snapshot *snap, bool pagetypes)
{
	u64 t0 = ktime_get_ns();
	int nid, i;

	/* vmalloc, as the snapshot itself: see tm_snapshot_take() */
	snap->zones = __vmalloc(array_size(num_online_nodes() * MAX_NR_ZONES,
					   sizeof(*snap->zones)), GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!snap->zones)
		return -ENOMEM;
	for_each_online_node(nid) {
		pg_data_t *pgdat = NODE_DATA(nid);

		for (i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *zone = &pgdat->node_zones[i];

			if (!populated_zone(zone))
				continue;
			if (snap->nr_zones == num_online_nodes() * MAX_NR_ZONES)
				goto out;	/* a node came online meanwhile */
			tm_read_zone(nid, zone, &snap->zones[snap->nr_zones++], pagetypes,
				     &snap->time);
		}
	}
out:
	snap->time.phase_ns[TM_PH_ZONES] = ktime_get_ns() - t0;
	return 0;
}

/* as meminfo_proc_show(): node page counters, in bytes */
void tm_snapshot_meminfo(struct tm_meminfo *mem)
{
	mem->total = (u64)totalram_pages() << PAGE_SHIFT;
	mem->sreclaimable = (u64)global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B) << PAGE_SHIFT;
	mem->sunreclaim = (u64)global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) << PAGE_SHIFT;
}

void tm_snapshot_free_zones(struct tm_snapshot *snap)
{
	vfree(snap->zones);
	snap->zones = NULL;
}
