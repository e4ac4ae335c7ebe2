/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpmem internal interfaces. Data flows one way:
 * resolve (ksym.c, sysfs.c, btf.c, layout.c) -> walk (slab.c) -> model (cost.c)
 * -> view (procfs.c, debugfs.c).
 */
#ifndef TCPMEM_H
#define TCPMEM_H

#include <linux/list.h>
#include <linux/seq_file.h>
#include <net/tcp_states.h>
#include <linux/types.h>

#include <linux/mmzone.h>

#include "tcpmem/btf.h"
#include "tcpmem/compat.h"

#define TM_FORMAT_VERSION	1
#define TM_MAX_EXTRA		16
#define TM_NAME_LEN		64

/* ---- resolve: private struct members, from BTF ------------------------ */

enum tm_fid {
	/* struct kmem_cache */
	TM_KC_NAME,
	TM_KC_SIZE,
	TM_KC_OBJECT_SIZE,
	TM_KC_OO,
	TM_KC_MIN,
	TM_KC_FLAGS,
	TM_KC_REFCOUNT,
	TM_KC_ALIGN,
	TM_KC_INUSE,
	TM_KC_LIST,
	TM_KC_CTOR,
	TM_KC_NODE,		/* 5.10-6.12: struct kmem_cache_node *node[] */
	TM_KC_PER_NODE,		/* 7.2: struct kmem_cache_per_node_ptrs per_node[] */
	TM_PNP_NODE,		/* 7.2: kmem_cache_per_node_ptrs.node */
	TM_KC_CPU_SLAB,		/* 5.10-6.12 */
	TM_KC_CPU_SHEAVES,	/* 7.2 */
	TM_KC_OFFSET,		/* free pointer offset */
	TM_KC_RANDOM,		/* CONFIG_SLAB_FREELIST_HARDENED */
	/* struct kmem_cache_cpu (5.10-6.12) */
	TM_KCC_FREELIST,
	TM_KCC_TID,
	TM_KCC_SLAB,		/* "slab" (6.1+) or "page" (5.10) */
	TM_KCC_PARTIAL,
	/* 7.2 sheaves: per-CPU arrays of free objects, and per-node barns */
	TM_KC_SHEAF_CAPACITY,
	TM_PCS_MAIN,
	TM_PCS_SPARE,
	TM_SHEAF_CACHE,
	TM_SHEAF_SIZE,
	TM_PNP_BARN,
	TM_BARN_NR_FULL,
	/* struct kmem_cache_node */
	TM_KN_LIST_LOCK,
	TM_KN_NR_PARTIAL,
	TM_KN_PARTIAL,
	TM_KN_NR_SLABS,
	TM_KN_TOTAL_OBJECTS,
	/* struct slab (6.1+) or struct page (5.10) */
	TM_SL_SLAB_LIST,
	TM_SL_SLAB_CACHE,
	TM_SL_INUSE,
	TM_SL_OBJECTS,
	TM_SL_FROZEN,
	TM_SL_NEXT,		/* cpu-partial chain */
	/* struct inet_hashinfo (public, but bhash2 only exists from 6.1) */
	TM_HI_BIND2_CACHEP,
	/* struct socket: wq embedded (64 bytes) or a pointer to a kmalloc-64 */
	TM_SOCKET_WQ,
	TM_NR_FIELDS
};

/* Structs the caches found through a data symbol hold (their sizes check them). */
enum tm_held {
	TM_HS_EPITEM,
	TM_HS_EPPOLL_ENTRY,
	TM_HS_EPITEMS_HEAD,	/* 6.1+ */
	TM_HS_SK_BUFF,
	TM_NR_HELD
};

struct tm_layout {
	struct tm_member m[TM_NR_FIELDS];
	u32 held_size[TM_NR_HELD];	/* sizeof, from BTF; 0: not unique there */
	const char *sname[TM_NR_FIELDS];	/* struct the member was found in */
	const char *mname[TM_NR_FIELDS];	/* member name found */
	bool have[TM_NR_FIELDS];
	u32 kc_size;			/* sizeof(struct kmem_cache) */
	u32 node_stride;		/* bytes per node[] / per_node[] element */
	u32 node_slots;			/* elements in that array */
	u32 pnp_size;			/* sizeof(struct kmem_cache_per_node_ptrs) */
	bool slabinfo_approx;		/* /proc/slabinfo approximates (6.10+) */
	bool approx_btf;		/* count_partial_free_approx() is in BTF */
	bool cpu_free;			/* per-CPU free objects can be counted */
	bool sheaves;			/* 7.2: ... and they are in sheaves */
};

extern struct tm_layout tm_layout;
extern const char *const tm_held_name[TM_NR_HELD];

/* Read a resolved integer member (any size, bitfields extracted). */
u64 tm_rd(const void *obj, enum tm_fid f);
/* Address of a resolved member inside @obj. */
static inline void *tm_at(const void *obj, enum tm_fid f)
{
	return (void *)((const char *)obj + tm_layout.m[f].offset);
}

/* marked: other CPUs change what is read (cpu slabs, freelists, sheaves) */
static inline void *tm_rd_ptr(const void *obj, enum tm_fid f)
{
	return READ_ONCE(*(void * const *)tm_at(obj, f));
}

/* Read a resolved member that holds a per-CPU pointer. */
static inline void __percpu *tm_rd_percpu(const void *obj, enum tm_fid f)
{
	return *(void __percpu * const *)tm_at(obj, f);
}

int tm_ksym_data(const char *name, unsigned long *addr);

#define TM_KSYM_MAX	4
/* every vmlinux data symbol of one name */
struct tm_ksym_find {
	const char *name;
	int n;
	unsigned long addr[TM_KSYM_MAX];
};

int tm_ksym_find_data(struct tm_ksym_find *f, int nr);
/* sysfs.c: the module's private sysfs mount (names relative to its root) */
struct path;
int tm_sysfs_init(void);
void tm_sysfs_exit(void);
int tm_sysfs_path(const char *name, struct path *path);
struct file *tm_sysfs_open(const char *name, int flags);

int tm_layout_init(void);
int tm_layout_show(struct seq_file *m);

/* kmem_cache_node of @s on @nid, or NULL */
void *tm_kc_node(const void *s, int nid);

extern struct list_head *tm_slab_caches;
extern struct mutex *tm_slab_mutex;

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
	unsigned long partial_free_exact;
	bool approx;			/* the kernel's rule approximated here */
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
	unsigned long partial_free_exact;
	bool approx;
	bool cpu_free_ok;
	unsigned long cpu_free;		/* free objects held by CPUs (and barns) */
	unsigned long cpu_slabs;	/* slabs held as cpu slab */
	unsigned long cpu_partial_slabs;
	unsigned long barn_free;	/* 7.2: of cpu_free, in full sheaves in barns */
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
};

struct tm_netns {
	unsigned int inum;	/* netns inode number, as ls -l /proc/PID/ns/net */
	unsigned long bind_buckets;
	unsigned long bind2_buckets;
	struct tm_state_acc acc[TM_NR_FAMILIES][TM_NR_SLOTS];
};

struct tm_tcp {
	bool all_netns;			/* the reader sees every netns there is */
	int nr_netns;
	struct tm_netns *netns;		/* sorted by inum */
	unsigned long allocated;	/* tcp_prot.sockets_allocated */
	unsigned long hashed_full;	/* full sockets found in the tables */
	long tcp_mem_pages[3];		/* net.ipv4.tcp_mem */
	long tcp_mem_allocated;		/* pages */
	int max_tw_buckets;		/* of the reader's netns */
	unsigned int own_inum;		/* the reader's netns */
};

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

struct tm_snapshot {
	struct tm_node_stat *nodes;	/* nr_caches x nr_node_ids */
	int nr_caches;
	struct tm_cache_stat cache[TM_NR_TYPES + TM_MAX_EXTRA];
	struct tm_zone_stat *zones;	/* populated zones of online nodes */
	int nr_zones;
	struct tm_tcp tcp;
};

int tm_snapshot_tcp(struct tm_snapshot *snap, const struct file *file);
void tm_snapshot_free_tcp(struct tm_snapshot *snap);
const char *tm_slot_name(int slot);

int tm_snapshot_zones(struct tm_snapshot *snap);
void tm_snapshot_free_zones(struct tm_snapshot *snap);

int tm_slab_init(void);
int tm_snapshot_caches(struct tm_snapshot *snap);
void tm_snapshot_free_caches(struct tm_snapshot *snap);

/* Sections a snapshot holds: a debugfs file takes only what it shows. */
#define TM_SNAP_CACHES	0x1
#define TM_SNAP_ZONES	0x2
#define TM_SNAP_TCP	0x4
#define TM_SNAP_ALL	(TM_SNAP_CACHES | TM_SNAP_ZONES | TM_SNAP_TCP)

/* One consistent snapshot of @what; ERR_PTR on failure. */
struct tm_snapshot *tm_snapshot_take(const struct file *file, unsigned int what);
void tm_snapshot_put(struct tm_snapshot *snap);
struct file;
struct inode;
int tm_snapshot_open(struct file *file, int (*show)(struct seq_file *, void *),
		     unsigned int what);
int tm_snapshot_release(struct inode *inode, struct file *file);

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
unsigned long tm_acc_sockets(const struct tm_state_acc *a);
u64 tm_acc_buffers(const struct tm_state_acc *a);
extern const char *const tm_holder_name[TM_NR_HOLDERS];

/* ---- parameters ------------------------------------------------------- */

extern const char *tm_extra[TM_MAX_EXTRA];
extern int tm_nr_extra;
int tm_params_init(void);
void tm_params_exit(void);

/* ---- views ------------------------------------------------------------ */

void tm_show_caches(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_caches(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_caches_nodes(struct seq_file *m, const struct tm_snapshot *snap);
void tm_show_zones(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_zones(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_buddy(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_pagetypes(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_orders(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_nodes(struct seq_file *m, const struct tm_snapshot *snap);
void tm_show_states(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_states(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_objects(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_shared(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_totals(struct seq_file *m, const struct tm_snapshot *snap);
void tm_show_netns_visible(struct seq_file *m, const struct tm_tcp *t);
int tm_procfs_init(void);
void tm_procfs_exit(void);
int tm_debugfs_init(void);
void tm_debugfs_exit(void);

#endif /* TCPMEM_H */
