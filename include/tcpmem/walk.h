/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpmem layer 2, walk: snapshots of slab caches, zones and TCP sockets,
 * taken under the kernel's own locks in bounded batches.
 */
#ifndef TCPMEM_WALK_H
#define TCPMEM_WALK_H

#include <linux/ktime.h>
#include <linux/mmzone.h>
#include <linux/sched/clock.h>
#include <net/tcp_states.h>

#include "tcpmem/resolve.h"

/* ---- walk: slab caches ----------------------------------------------- */

/* Tracked object types, in report order. */
enum tm_type {
	TM_T_TCP,
	TM_T_TCPV6,
	TM_T_TW_TCP,
	TM_T_TW_TCPV6,
	TM_T_REQ_TCP,
	TM_T_REQ_TCPV6,
	TM_T_SOCK_INODE,
	TM_T_FILP,
	TM_T_DENTRY,
	TM_T_KMALLOC64,
	TM_T_BIND,
	TM_T_BIND2,
	TM_T_EPI,
	TM_T_PWQ,
	TM_T_SKB,
	TM_T_LSM_SOCK,		/* LSM blobs, where an LSM allocates them */
	TM_T_LSM_INODE,
	TM_T_LSM_FILE,
	TM_T_EP_HEAD,		/* 6.1+: the head of a watched file's epitems */
	TM_NR_TYPES
};

#define TM_ALIASES_LEN	512

struct tm_node_stat {
	bool present;			/* the cache has a kmem_cache_node here */
	unsigned long slabs;		/* nr_slabs */
	unsigned long objs;		/* total_objects */
	unsigned long slabs_hi;		/* of slabs: at the preferred order (oo) */
	unsigned long slabs_lo;		/* of slabs: at the fallback order (min) */
	bool orders_exact;		/* slabs and objs split into whole hi/lo */
	unsigned long partial;		/* nr_partial: slabs on the partial list */
	unsigned long partial_free;	/* free objects there, by the kernel's rule */
	unsigned long partial_free_exact;	/* valid when @exact */
	bool approx;			/* above MAX_PARTIAL_TO_SCAN: scaled sample */
	bool exact;			/* every partial slab was counted */
};

/* One tracked type and the cache it lives in, as /proc/slabinfo sees it. */
struct tm_cache_stat {
	const char *type;		/* tracked type, e.g. "tcp_bind_bucket" */
	bool label;			/* @type names a use (lsm_sock), not a cache */
	bool present;			/* the type exists on this kernel */
	bool unavailable;		/* it may, but its cache was not validated */
	char cache[TM_NAME_LEN];	/* name of the cache holding it */
	u32 size;			/* s->size: objsize in /proc/slabinfo */
	u32 object_size;
	u32 align;
	u32 objperslab;
	u32 order;			/* pagesperslab = 1 << order */
	u32 min_objperslab;		/* fallback geometry when order fails */
	u32 min_order;
	u32 flags;
	int refcount;
	unsigned long num_objs;
	unsigned long num_slabs;
	unsigned long slabs_hi;		/* slabs at the preferred order */
	unsigned long slabs_lo;		/* slabs at the fallback (min) order */
	bool orders_exact;		/* every node's split came out whole */
	unsigned long active_objs;	/* num_objs - partial_free (kernel's rule) */
	unsigned long partial_free;
	unsigned long partial_free_exact;	/* valid when @exact */
	bool approx;
	bool exact;			/* every node's partial free objects counted */
	bool cpu_free_ok;
	unsigned long cpu_free;		/* free objects held by CPUs (and barns) */
	unsigned long cpu_slabs;	/* slabs held as cpu slab */
	unsigned long cpu_partial_slabs;
	unsigned long barn_free;	/* 7.2: of cpu_free, in full sheaves in barns */
	u32 vec_bytes;			/* kmalloc size of a slab's objcg vector */
	bool aliases_ok;
	int nr_aliases;
	char aliases[TM_ALIASES_LEN];	/* comma-separated, sorted */
	struct tm_node_stat *node;	/* nr_node_ids entries */
};

/* ---- walk: TCP sockets ------------------------------------------------ */

enum { TM_INET, TM_INET6, TM_NR_FAMILIES };

/*
 * Slots: full sockets by sk_state (1 .. TCP_MAX_STATES - 1), then the two
 * kinds of minisock: timewait (by tw_substate) and request socks.
 */
enum {
	TM_SLOT_TW = TCP_MAX_STATES,	/* timewait minisock, substate TIME_WAIT */
	TM_SLOT_TW_FW2,			/* timewait minisock, substate FIN_WAIT2 */
	TM_SLOT_REQ,			/* request sock (TCP_NEW_SYN_RECV) */
	TM_NR_SLOTS
};

/* What one socket holds, beyond its own object, decides its cost. */
enum tm_holder {
	TM_H_FILE,		/* a user file: socket + file + dentry */
	TM_H_FILE_EPOLL,	/* the same, watched by epoll */
	TM_H_KERNEL,		/* a struct socket but no file (kernel socket) */
	TM_H_ORPHAN,		/* closed, still in the state machine */
	TM_H_QUEUED,		/* a child in an accept queue: its request sock too */
	TM_H_MINI,		/* a minisock: its object only */
	TM_NR_HOLDERS
};

struct tm_state_acc {
	unsigned long n[TM_NR_HOLDERS];
	u64 rmem;		/* sk_rmem_alloc */
	u64 wmem_queued;	/* sk_wmem_queued */
	u64 fwd_alloc;		/* sk_forward_alloc */
	/* of the objects the sockets hold, per type: */
	u32 vec[TM_NR_TYPES];		/* in a slab with an objcg vector of its own */
	u32 charged[TM_NR_TYPES];	/* charged to a memcg */
};

/* ---- walk: the memcg a slab object is charged to ----------------------- */

enum tm_charge_state {
	TM_CH_NA,		/* cannot be read (layout, or the read did not check out) */
	TM_CH_NONE,		/* uncharged: no vector, or no objcg in it */
	TM_CH_MEMCG,		/* charged to @memcg */
};

struct mem_cgroup;

struct tm_charge {
	u8 state;
	bool vec;		/* the slab has a vector allocated apart (kmalloc) */
	struct mem_cgroup *memcg;
};

/* under rcu_read_lock(); @obj is an object of tracked type @t (or not: NA) */
void tm_obj_charge(const void *obj, enum tm_type t, struct tm_charge *ch, bool memcg);

/* ---- walk: sockets per cgroup and memcg (cgroup.c) --------------------- */

/*
 * One record per (creating cgroup, memcg of the sock object, netns,
 * family, slot, holder). At most TM_CG_MAX records: sockets that find the
 * table full are counted in one overflow record instead.
 */
#define TM_CG_MAX	1024
/* slots of the records of shared bind buckets (no socket, no cgroup) */
#define TM_CG_SLOT_BIND		TM_NR_SLOTS
#define TM_CG_SLOT_BIND2	(TM_NR_SLOTS + 1)

struct tm_cg_rec {
	struct cgroup *cgrp;		/* walk only: NULL for minisocks */
	struct mem_cgroup *memcg;	/* walk only: with mstate TM_CH_MEMCG */
	u8 mstate;
	u8 family;
	u8 slot;
	u8 holder;
	bool overflow;			/* the overflow record */
	unsigned int netns;		/* inode number */
	struct tm_state_acc acc;	/* its sockets, all in acc.n[holder] */
	char *cg_path;			/* after the walk; NULL: "-" */
	char *memcg_path;		/* after the walk; NULL: "-" or "na" by mstate */
};

struct tm_cg_table;

struct tm_netns {
	unsigned int inum;	/* netns inode number, as ls -l /proc/PID/ns/net */
	/* its sockets' accumulators in tm_tcp.pool: 1 + index; 0: none */
	u32 acc[TM_NR_FAMILIES][TM_NR_SLOTS];
	unsigned long bind_buckets;
	unsigned long bind2_buckets;
	unsigned long bind_vec;		/* of those, in a slab with an objcg vector */
	unsigned long bind2_vec;
};

/*
 * The state accumulators, one per (netns, family, slot) that has sockets,
 * made when the walk meets the first: most netns have sockets in a few
 * states, and a dense array would cost every netns all 34. In page-sized
 * chunks, so that one more can be had under a bucket lock if the chunk
 * reserved before it runs out.
 */
#define TM_ACC_PER_CHUNK	(PAGE_SIZE / sizeof(struct tm_state_acc))
static_assert(sizeof(struct tm_state_acc) <= PAGE_SIZE);

struct tm_acc_pool {
	struct tm_state_acc **chunk;	/* max_chunks pointers */
	unsigned int nr_chunks;
	unsigned int max_chunks;	/* enough for every slot of every netns */
	unsigned int used;		/* accumulators handed out */
};

struct tm_tcp {
	bool all_netns;			/* the reader sees every netns there is */
	int nr_netns;
	struct tm_netns *netns;		/* in the order of their struct net's address */
	struct tm_acc_pool pool;	/* their accumulators */
	int own;			/* the reader's in @netns, or -1 */
	unsigned long allocated;	/* tcp_prot.sockets_allocated */
	unsigned long hashed_full;	/* full sockets found in the tables */
	long tcp_mem_pages[3];		/* net.ipv4.tcp_mem */
	long tcp_mem_allocated;		/* pages */
	int max_tw_buckets;		/* of the reader's netns */
	unsigned int own_inum;		/* the reader's netns */
	struct tm_cg_table *cgt;	/* walk only: the records being made */
	struct tm_cg_rec *cg;		/* per-cgroup records, sorted */
	int nr_cg;
	unsigned long cg_overflow;	/* sockets in the overflow record */
};

/* the accumulator of @ns's sockets of @family in @slot; NULL: it has none */
static inline const struct tm_state_acc *
tm_netns_acc(const struct tm_tcp *t, const struct tm_netns *ns, int family, int slot)
{
	u32 k = ns->acc[family][slot];

	if (!k--)
		return NULL;
	return &t->pool.chunk[k / TM_ACC_PER_CHUNK][k % TM_ACC_PER_CHUNK];
}

/* One populated zone, as /proc/zoneinfo, buddyinfo and pagetypeinfo see it. */
struct tm_zone_stat {
	int nid;
	const char *name;		/* the kernel's zone name */
	unsigned long present;		/* pages */
	unsigned long spanned;
	unsigned long managed;
	unsigned long free;		/* NR_FREE_PAGES */
	unsigned long min;		/* watermarks as zoneinfo prints them */
	unsigned long low;
	unsigned long high;
	unsigned long nr_free[TM_NR_ORDERS];	/* free blocks per order */
	unsigned long mt_free[MIGRATE_TYPES][TM_NR_ORDERS];
	bool mt_overflow[MIGRATE_TYPES][TM_NR_ORDERS];
};

extern const char *const tm_mt_name[MIGRATE_TYPES];

/* The machine's slab and memory totals, as /proc/meminfo prints them. */
struct tm_meminfo {
	u64 total;		/* MemTotal, bytes */
	u64 sreclaimable;	/* SReclaimable */
	u64 sunreclaim;		/* SUnreclaim; Slab: is the sum of the two */
};

/* ---- walk: what one snapshot cost (debugfs walk) ---------------------- */

/* Phases of a snapshot, in the order they run. */
enum tm_phase {
	TM_PH_CACHES,		/* slab caches, under slab_mutex */
	TM_PH_ZONES,		/* zones and free lists */
	TM_PH_NETNS,		/* netns collected under net_rwsem, sorted, deduped */
	TM_PH_EHASH,		/* established hashes, per-socket charge reads included */
	TM_PH_LHASH2,		/* listening hash */
	TM_PH_BHASH,		/* bind buckets */
	TM_PH_BHASH2,		/* bind2 buckets and their bound-only sockets */
	TM_PH_CGROUPS,		/* cgroup paths, references dropped, records sorted */
	TM_PH_RENDER,		/* the file's show(), every call of it */
	TM_NR_PHASES
};

/* Critical sections whose longest hold is kept. */
enum tm_hold {
	TM_HOLD_BUCKET,		/* a hash bucket's lock (ehash, lhash2, bhash, bhash2) */
	TM_HOLD_LIST,		/* a kmem_cache_node's list_lock */
	TM_HOLD_ZONE,		/* zone->lock */
	TM_HOLD_IRQS_OFF,	/* IRQs disabled (list_lock and zone->lock sections) */
	TM_NR_HOLDS
};

/*
 * What one socket of the established hash costs, step by step, timed on
 * the sockets of one bucket in TM_STEP_EVERY (a clock read per step of
 * every socket would cost more than the steps): its netns and state; the
 * fields that give its holder, buffers and cgroup; the charge reads of the
 * objects it holds; its accumulator and cgroup record.
 */
#define TM_STEP_EVERY	16
enum tm_step {
	TM_ST_NETNS,
	TM_ST_SOCK,
	TM_ST_CHARGE,
	TM_ST_ACCOUNT,
	TM_NR_STEPS
};

struct tm_walk_time {
	u64 phase_ns[TM_NR_PHASES];
	u64 hold_max_ns[TM_NR_HOLDS];
	u64 step_ns[TM_NR_STEPS];	/* the sampled sockets' steps, summed */
	u64 step_sockets;		/* sockets sampled */
	u64 take_ns;			/* the whole snapshot, phases and the rest */
	u64 ehash_sockets;		/* entries found in the established hashes */
	bool owners_walked;		/* bhash2 owners: some socket was in no lookup table */
	u32 render_calls;		/* show() calls: a retry with a bigger buffer counts */
	u32 what;			/* TM_SNAP_* sections taken */
	char file[16];			/* the file opened: tcpmem, states, ... */
};

/*
 * The clock around critical sections: local_clock(), the TSC where there
 * is one, as the irqsoff tracer's. Not ktime_get_ns(): with the hpet
 * clocksource (a VM whose TSCs are unsynchronized) each read is an MMIO
 * access, and two per bucket made /proc/tcpmem 12x the count-only walk.
 */
static inline u64 tm_hold_clock(void)
{
	return local_clock();
}

/*
 * the clock around one critical section begun at @t0: keep the longest.
 * Signed: @t0 may come from another CPU (taken before the lock, where the
 * task could still move; on PREEMPT_RT inside it too), whose local_clock()
 * need not agree with this one's.
 */
static inline void tm_hold_end(struct tm_walk_time *wt, enum tm_hold h, u64 t0)
{
	s64 d = (s64)(tm_hold_clock() - t0);

	if (d > 0 && (u64)d > wt->hold_max_ns[h])
		wt->hold_max_ns[h] = d;
}

/* the walk time of the last snapshot released, and how many there were */
u64 tm_walk_time_last(struct tm_walk_time *out);

struct seq_file;

struct tm_snapshot {
	struct tm_walk_time time;
	int (*show)(struct seq_file *m, void *v);	/* the file's renderer, */
	/* or, for a file of one record per netns or cgroup, its records' */
	int (*nr_items)(const struct tm_snapshot *snap);
	void (*show_item)(struct seq_file *m, const struct tm_snapshot *snap, int i);
	struct tm_node_stat *nodes;	/* nr_caches x nr_node_ids */
	int nr_caches;
	bool read;			/* an iterator file's start() ran */
	struct tm_cache_stat cache[TM_NR_TYPES + TM_MAX_EXTRA];
	struct tm_zone_stat *zones;	/* populated zones of online nodes */
	int nr_zones;
	struct tm_tcp tcp;
	struct tm_meminfo mem;		/* read with the sockets (TM_SNAP_TCP) */
};

int tm_snapshot_tcp(struct tm_snapshot *snap, const struct file *file, unsigned int what);

/* cgroup.c: records per cgroup, made while tcp.c walks */
struct sock;
#define TM_SOCK_OBJS	8	/* objects one socket brings: sock, inode, dentry, file, epoll */

/* one socket, added to an accumulator by tm_acc_add_sock(): only what it has */
struct tm_sock_info {
	int family;
	int slot;
	enum tm_holder holder;
	struct cgroup *cgrp;		/* NULL for minisocks */
	struct tm_charge own;		/* the sock object's own charge */
	u64 rmem;
	u64 wmem_queued;
	u64 fwd_alloc;
	int nr_objs;			/* objects whose charge was read */
	u8 type[TM_SOCK_OBJS];		/* enum tm_type of each */
	u8 vec[TM_SOCK_OBJS];		/* 1: in a slab with an objcg vector of its own */
	u8 charged[TM_SOCK_OBJS];	/* 1: charged to a memcg */
};

int tm_cg_begin(struct tm_tcp *t);
void tm_cg_add(struct tm_tcp *t, unsigned int netns, const struct tm_sock_info *si);
void tm_cg_add_bucket(struct tm_tcp *t, unsigned int netns, const struct tm_charge *ch,
		      bool bind2);
int tm_cg_end(struct tm_tcp *t);
void tm_cg_free(struct tm_tcp *t);
void tm_acc_add(struct tm_state_acc *to, const struct tm_state_acc *a);
void tm_acc_add_sock(struct tm_state_acc *to, const struct tm_sock_info *si);
void tm_sock_obj(struct tm_sock_info *si, enum tm_type t, bool vec, bool charged);
void tm_snapshot_free_tcp(struct tm_snapshot *snap);
const char *tm_slot_name(int slot);

/* @pagetypes: also count every migratetype free list (debugfs pagetypes only) */
int tm_snapshot_zones(struct tm_snapshot *snap, bool pagetypes);
void tm_snapshot_free_zones(struct tm_snapshot *snap);
void tm_snapshot_meminfo(struct tm_meminfo *mem);

int tm_slab_init(void);
int tm_snapshot_caches(struct tm_snapshot *snap);
void tm_snapshot_free_caches(struct tm_snapshot *snap);

/* Sections a snapshot holds: a debugfs file takes only what it shows. */
#define TM_SNAP_CACHES	0x1
#define TM_SNAP_ZONES	0x2
#define TM_SNAP_TCP	0x4
#define TM_SNAP_CGROUPS	0x8	/* with TM_SNAP_TCP: the per-cgroup records */
/* with TM_SNAP_TCP: the sockets in the tables; without, the bind buckets only */
#define TM_SNAP_SOCKETS	0x20
#define TM_SNAP_ALL	(TM_SNAP_CACHES | TM_SNAP_ZONES | TM_SNAP_TCP | TM_SNAP_SOCKETS | \
			 TM_SNAP_CGROUPS)
/* free lists per migratetype: walked under zone->lock, only for the file printing them */
#define TM_SNAP_PAGETYPES	0x10

/* One consistent snapshot of @what; ERR_PTR on failure. */
struct tm_snapshot *tm_snapshot_take(const struct file *file, unsigned int what);
void tm_snapshot_put(struct tm_snapshot *snap);
struct file;
struct inode;
int tm_snapshot_open(struct file *file, int (*show)(struct seq_file *, void *),
		     unsigned int what);
int tm_snapshot_open_items(struct file *file, int (*nr_items)(const struct tm_snapshot *),
			   void (*show_item)(struct seq_file *, const struct tm_snapshot *, int),
			   unsigned int what);
int tm_snapshot_release(struct inode *inode, struct file *file);

#endif /* TCPMEM_WALK_H */
