/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpmem layer 3, model: pure arithmetic on snapshots (bytes, orders,
 * per-socket object sets).
 */
#ifndef TCPMEM_MODEL_H
#define TCPMEM_MODEL_H

#include "tcpmem/walk.h"

/* ---- model: pure arithmetic on snapshots ------------------------------ */

/* bytes of one slab at the preferred order, and at the fallback order */
u64 tm_slab_bytes(const struct tm_cache_stat *c);
u64 tm_min_slab_bytes(const struct tm_cache_stat *c);
/* bytes of all slabs of a cache, or of one node of it, each at its order */
u64 tm_cache_bytes(const struct tm_cache_stat *c);
u64 tm_node_bytes(const struct tm_cache_stat *c, const struct tm_node_stat *n);
/* effective bytes per object (slab bytes / objects), in thousandths (rounded) */
u64 tm_eff_milli(const struct tm_cache_stat *c);
/* bytes lost at the end of a slab, averaged over the cache's slabs */
u64 tm_tail_waste(const struct tm_cache_stat *c);
/* used objects: active minus the free objects CPUs hold */
unsigned long tm_used_objs(const struct tm_cache_stat *c);
/* bytes of objects in use per bytes of slabs, in thousandths */
u64 tm_util_milli(const struct tm_cache_stat *c);
/* free blocks of at least @order in a zone */
unsigned long tm_blocks_ge(const struct tm_zone_stat *z, unsigned int order);
/* blocks of @order the free lists hold, splitting larger ones */
unsigned long tm_blocks_fit(const struct tm_zone_stat *z, unsigned int order);
/* free pages in a zone, summed from its buddy lists */
unsigned long tm_buddy_pages(const struct tm_zone_stat *z);
/* unusable free space index for @order, thousandths (extfrag/unusable_index) */
unsigned int tm_unusable_milli(const struct tm_zone_stat *z, unsigned int order);

/* the tracked types one socket of @family in @slot held as @holder owns */
int tm_objects_of(int family, int slot, enum tm_holder holder, enum tm_type *out);
/* effective slab bytes per socket for that set, thousandths */
u64 tm_set_milli(const struct tm_snapshot *snap, int family, int slot, enum tm_holder holder);
/* slab bytes of an accumulator, rounded */
u64 tm_acc_slab_bytes(const struct tm_snapshot *snap, int family, int slot,
		      const struct tm_state_acc *a);
/* the objcg vector's share of one object of a slab that has one, thousandths */
u64 tm_vec_milli(const struct tm_cache_stat *c);
/* what a memcg is charged for one object (obj_full_size()) */
u64 tm_charge_bytes(const struct tm_cache_stat *c);
u64 tm_acc_vec_bytes(const struct tm_snapshot *snap, const struct tm_state_acc *a);
u64 tm_acc_charged_bytes(const struct tm_snapshot *snap, const struct tm_state_acc *a);
unsigned long tm_acc_sockets(const struct tm_state_acc *a);
u64 tm_cg_slab_bytes(const struct tm_snapshot *snap, const struct tm_cg_rec *r);
u64 tm_acc_buffers(const struct tm_state_acc *a);
extern const char *const tm_holder_name[TM_NR_HOLDERS];
/* slab bytes of one netns's shared bind buckets: @table 0 bhash, 1 bhash2 */
u64 tm_bind_bytes(const struct tm_snapshot *snap, const struct tm_netns *ns, int table);

/*
 * Per-cgroup records grouped by creating cgroup and ranked by slab bytes,
 * once per read. Every array has snap->tcp.nr_cg entries, @slab zeroed.
 */
struct tm_cg_key {
	const char *path;
	u64 slab;
	int idx;
};

struct tm_cg_rank {
	int *lead;		/* per record: the first record of its cgroup */
	u64 *slab;		/* per first record: the slab bytes of its cgroup */
	int *order;		/* the first records, most slab bytes first */
	int nr;			/* cgroups (the overflow record is one) */
	struct tm_cg_key *key;	/* scratch */
};

void tm_cg_rank(const struct tm_snapshot *snap, struct tm_cg_rank *r);

#define TM_TOP	3
/* The answer first: what TCP holds in slab, and where most of it is. */
struct tm_headline {
	u64 sockets;		/* slab bytes of the sockets' objects, all states */
	u64 shared;		/* slab bytes of the bind buckets */
	u64 total;		/* the two */
	u64 reclaimable;	/* of @total, in SLAB_RECLAIM_ACCOUNT caches (SReclaimable) */
	u64 unreclaimable;	/* the rest: SUnreclaim's share */
	int nr_top;
	struct {
		int slot;	/* state slot, both families together */
		u64 bytes;
		unsigned long n;
	} top[TM_TOP];		/* states by slab bytes, most first */
};

void tm_headline(const struct tm_snapshot *snap, struct tm_headline *h);

#endif /* TCPMEM_MODEL_H */
