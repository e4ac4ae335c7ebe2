/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpmem layer 1, resolve: kernel symbols, the private sysfs mount, and the
 * private struct layouts read from BTF and validated at load; the module
 * parameters.
 */
#ifndef TCPMEM_RESOLVE_H
#define TCPMEM_RESOLVE_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/types.h>

#include "tcpmem/btf.h"
#include "tcpmem/compat.h"

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
	TM_SL_OBJV,		/* the objcg vector: TM_OBJV_MEMBER (compat.h) */
	TM_SL_STRIDE,		/* 7.0+: a stride for vectors kept in the objects */
	TM_SOE_OBJCG,		/* 6.10+: struct slabobj_ext objcg */
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
	u32 soe_size;			/* sizeof(struct slabobj_ext), from BTF */
	bool memcg;			/* the memcg charge of an object can be read */
	const char *memcg_why;		/* if not, why */
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

/* ---- parameters ------------------------------------------------------- */

extern const char *tm_extra[TM_MAX_EXTRA];
extern int tm_nr_extra;
int tm_params_init(void);
void tm_params_exit(void);

#endif /* TCPMEM_RESOLVE_H */
