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
#include <linux/mmzone.h>
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

#endif /* TCPMEM_COMPAT_H */
