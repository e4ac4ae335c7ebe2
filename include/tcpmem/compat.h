/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels of the matrix that public headers expose,
 * as feature-named macros probed from the headers themselves (here, or by
 * Kbuild for what the preprocessor cannot see). Logic files test these,
 * never a version. Differences in private structs are found at load time
 * from BTF instead (layout.c).
 */
#ifndef TCPMEM_COMPAT_H
#define TCPMEM_COMPAT_H

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/mmzone.h>
#include <linux/slab.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/sock.h>

/*
 * 6.9+: skbuff_cache lives in the exported net_hotdata. TM_HAVE_NET_HOTDATA
 * is probed by Kbuild: sparse (bookworm's 0.6.4) has no __has_include.
 */
#ifdef TM_HAVE_NET_HOTDATA
#include <net/hotdata.h>
#endif

/* 6.1+: filldir_t returns bool (true = go on) instead of int (0 = go on) */
#ifdef TM_FILLDIR_BOOL
#define TM_FILLDIR_RET		bool
#define TM_FILLDIR_GO_ON	true
#define TM_FILLDIR_STOP		false
#else
#define TM_FILLDIR_RET		int
#define TM_FILLDIR_GO_ON	0
#define TM_FILLDIR_STOP		(-ENOSPC)
#endif

/* 6.1+: bhash2, a bind hash keyed by (port, address), with its own cache */
#ifdef TM_HAVE_BHASH2
static inline void tm_bhash2_owners_walk(struct inet_bind2_bucket *tb2,
					 void (*fn)(struct sock *sk, void *arg), void *arg)
{
	struct sock *sk;

#ifdef TM_HAVE_SK_BIND2_NODE
	/* 6.1: sockets through sk_bind2_node (timewait socks are on deathrow) */
	hlist_for_each_entry(sk, &tb2->owners, sk_bind2_node)
		fn(sk, arg);
#else
	/* 6.12+: sockets and timewait socks through skc_bind_node */
	sk_for_each_bound(sk, &tb2->owners)
		fn(sk, arg);
#endif
}
#endif

/* 6.12+: the inet_diag pseudo-state for bound, inactive sockets */
#ifdef TM_HAVE_BOUND_INACTIVE
#define TM_STATE_BOUND_INACTIVE	TCP_BOUND_INACTIVE
#else
#define TM_STATE_BOUND_INACTIVE	TCP_CLOSE
#endif

/*
 * The listening hash: 6.1+ chains listeners on lhash2 buckets through
 * sk_nulls_node; 5.10 also has listening_hash[] and chains lhash2 through
 * icsk_listen_portaddr_node.
 */
static inline void tm_lhash_bucket_walk(struct inet_listen_hashbucket *ilb,
					void (*fn)(struct sock *sk, void *arg), void *arg)
{
#ifdef TM_HAVE_LISTENING_HASH
	struct inet_connection_sock *icsk;

	hlist_for_each_entry(icsk, &ilb->head, icsk_listen_portaddr_node)
		fn((struct sock *)icsk, arg);
#else
	struct hlist_nulls_node *node;
	struct sock *sk;

	sk_nulls_for_each(sk, node, &ilb->nulls_head)
		fn(sk, arg);
#endif
}

/* no listener on the bucket: a lockless check, as inet_diag makes it */
static inline bool tm_lhash_bucket_empty(struct inet_listen_hashbucket *ilb)
{
#ifdef TM_HAVE_LISTENING_HASH
	return hlist_empty(&ilb->head);
#else
	return hlist_nulls_empty(&ilb->nulls_head);
#endif
}

/* Is a file watched by epoll? 6.1+: f_ep points to its epitems head. */
static inline bool tm_file_watched(struct file *file)
{
#ifdef TM_HAVE_F_EP_HEAD
	return READ_ONCE(file->f_ep);
#else
	return !list_empty_careful(&file->f_ep_links);
#endif
}

/*
 * A capability check with the credentials a file was opened with, leaving
 * no audit record when denied (a denial is the normal case). No kernel of
 * the matrix exports a non-auditing check that takes a cred
 * (security_capable() is not exported); while the file is being opened its
 * f_cred is the opener's current_cred(), and ns_capable_noaudit() checks
 * those. Any other time: file_ns_capable(), which audits.
 */
static inline bool tm_file_ns_capable_noaudit(const struct file *file,
					      struct user_namespace *ns, int cap)
{
	if (file->f_cred == current_cred())
		return ns_capable_noaudit(ns, cap);
	return file_ns_capable(file, ns, cap);
}

/* vfs_path_lookup() is exported on every kernel; 5.10 declares it in fs/internal.h only */
#ifndef TM_HAVE_VFS_PATH_LOOKUP_DECL
int vfs_path_lookup(struct dentry *dentry, struct vfsmount *mnt, const char *name,
		    unsigned int flags, struct path *path);
#endif

/* buddy orders: MAX_ORDER (exclusive) up to 6.1, NR_PAGE_ORDERS from 6.8 */
#ifdef NR_PAGE_ORDERS
#define TM_NR_ORDERS	NR_PAGE_ORDERS
#else
#define TM_NR_ORDERS	MAX_ORDER
#endif

/*
 * 6.10+: /proc/slabinfo approximates the free objects of a node with more
 * than MAX_PARTIAL_TO_SCAN partial slabs (count_partial_free_approx() in
 * mm/slub.c, built with CONFIG_SLUB_DEBUG). That is a static function of
 * mm/slub.c: no header shows it, and its BTF entry vanishes when the
 * compiler inlines it. The kernel version the module is built against
 * cannot vanish, so it decides (Kbuild: TM_KERNEL_6_10 from the kernel
 * Makefile's VERSION and PATCHLEVEL); layout.c cross-checks it with BTF,
 * where a function of that name proves the approximation on an older
 * version (a backport) and its absence proves nothing.
 */
#if defined(TM_KERNEL_6_10) && IS_ENABLED(CONFIG_SLUB_DEBUG)
#define TM_SLABINFO_APPROX	1
#else
#define TM_SLABINFO_APPROX	0
#endif

/*
 * The memcg a slab object is charged to: its slab carries a vector with one
 * entry per object, in an unsigned long whose low bits are flags (masked
 * with the kernel's own mask, never by hand):
 * - 6.10+: struct slab obj_exts, MEMCG_DATA_OBJEXTS, OBJEXTS_FLAGS_MASK, a
 *   vector of struct slabobj_ext whose objcg member the header shows;
 * - 5.11-6.9 (6.1): struct slab memcg_data, MEMCG_DATA_OBJCGS,
 *   MEMCG_DATA_FLAGS_MASK, a vector of struct obj_cgroup pointers;
 * - 5.10: struct page obj_cgroups, a vector of obj_cgroup pointers tagged
 *   with bit 0 (page_obj_cgroups() in 5.10's mm/slab.h; no header has a
 *   name for that bit).
 * The member's offset comes from BTF (layout.c); TM_OBJV_MEMBER names it.
 * What the memcg is charged per object is obj_full_size() of mm/slab.h on
 * every one of these: s->size + sizeof(struct obj_cgroup *).
 */
#ifdef CONFIG_MEMCG
#include <linux/memcontrol.h>
#define TM_HAVE_MEMCG		1
#ifdef TM_HAVE_OBJEXTS
#define TM_OBJV_MEMBER		"obj_exts"
#define TM_OBJV_FLAG		MEMCG_DATA_OBJEXTS
#define TM_OBJV_MASK		OBJEXTS_FLAGS_MASK
#define TM_OBJV_ELEM		sizeof(struct slabobj_ext)
#define TM_OBJV_OBJCG_OFF	offsetof(struct slabobj_ext, objcg)
#define TM_OBJV_ELEM_STRUCT	"slabobj_ext"
#elif defined(TM_HAVE_MEMCG_DATA_OBJCGS)
#define TM_OBJV_MEMBER		"memcg_data"
#define TM_OBJV_FLAG		MEMCG_DATA_OBJCGS
#define TM_OBJV_MASK		MEMCG_DATA_FLAGS_MASK
#define TM_OBJV_ELEM		sizeof(struct obj_cgroup *)
#define TM_OBJV_OBJCG_OFF	0
#define TM_OBJV_ELEM_STRUCT	NULL
#else
#define TM_OBJV_MEMBER		"obj_cgroups"
#define TM_OBJV_FLAG		0x1UL
#define TM_OBJV_MASK		0x1UL
#define TM_OBJV_ELEM		sizeof(struct obj_cgroup *)
#define TM_OBJV_OBJCG_OFF	0
#define TM_OBJV_ELEM_STRUCT	NULL
#endif
#else
#define TM_HAVE_MEMCG		0
#define TM_OBJV_MEMBER		"obj_exts"
#define TM_OBJV_OBJCG_OFF	0
#define TM_OBJV_ELEM		8
#define TM_OBJV_ELEM_STRUCT	NULL
#endif

/* SLAB_ACCOUNT as the u32 a snapshot keeps a cache's flags in */
#define TM_SLAB_ACCOUNT	((__force u32)SLAB_ACCOUNT)
/* a cache whose pages count as SReclaimable (cache_vmstat_idx(), mm/slab.h) */
#define TM_SLAB_RECLAIM	((__force u32)SLAB_RECLAIM_ACCOUNT)

/* the kmalloc size class a request of @n bytes gets (6.1+: the kernel's) */
static inline size_t tm_kmalloc_roundup(size_t n)
{
#ifdef TM_HAVE_KMALLOC_SIZE_ROUNDUP
	return kmalloc_size_roundup(n);
#else
	/* 5.10 x86: kmalloc-8 .. kmalloc-8k, powers of two plus 96 and 192 */
	if (n <= 8)
		return 8;
	if (n > 64 && n <= 96)
		return 96;
	if (n > 128 && n <= 192)
		return 192;
	return roundup_pow_of_two(n);
#endif
}

/*
 * A socket's creating cgroup (sk_cgrp_data, CONFIG_SOCK_CGROUP_DATA), and
 * references on cgroups and memcgs. A kernel built without CONFIG_CGROUPS
 * (the sanitizer kernel) has none: every socket's cgroup is then "-"; one
 * without CONFIG_MEMCG (TM_HAVE_MEMCG 0) never reads a memcg (memcg=na).
 */
struct cgroup;
struct mem_cgroup;
#ifdef CONFIG_SOCK_CGROUP_DATA
#define tm_sock_cgroup(sk)	sock_cgroup_ptr(&(sk)->sk_cgrp_data)
#else
struct sock;
static inline struct cgroup *tm_sock_cgroup(const struct sock *sk)
{
	return NULL;
}
#endif
#ifdef CONFIG_CGROUPS
#define tm_cgroup_get(c)	cgroup_get(c)
#define tm_cgroup_put(c)	cgroup_put(c)
/* as /proc/PID/cgroup prints it: in the reader's cgroup namespace */
#define tm_cgroup_path(c, buf, len) \
	cgroup_path_ns(c, buf, len, current->nsproxy->cgroup_ns)
#else
static inline void tm_cgroup_get(struct cgroup *c) { }
static inline void tm_cgroup_put(struct cgroup *c) { }
static inline int tm_cgroup_path(struct cgroup *c, char *buf, size_t len)
{
	return -EOPNOTSUPP;
}
#endif
#if TM_HAVE_MEMCG
#define tm_memcg_tryget(m)	css_tryget(&(m)->css)
#define tm_memcg_put(m)		css_put(&(m)->css)
#define tm_memcg_cgroup(m)	((m)->css.cgroup)
#else
static inline bool tm_memcg_tryget(struct mem_cgroup *m)
{
	return false;
}

static inline void tm_memcg_put(struct mem_cgroup *m) { }
static inline struct cgroup *tm_memcg_cgroup(struct mem_cgroup *m)
{
	return NULL;
}
#endif

#endif /* TCPMEM_COMPAT_H */
