// SPDX-License-Identifier: GPL-2.0
/*
 * Slab caches: find the cache each tracked object type really lives in (by
 * pointer), and read what /proc/slabinfo reads, the way the running kernel
 * computes it, plus per-node and per-CPU figures.
 */
#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/net.h>
#include <linux/nodemask.h>
#include <linux/percpu.h>
#include <linux/reciprocal_div.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/swab.h>
#include <linux/uaccess.h>
#include <net/inet_hashtables.h>
#include <net/sock.h>
#include <net/tcp.h>
#if IS_ENABLED(CONFIG_IPV6)
#include <net/transp_v6.h>
#endif

#include "tcpmem/compat.h"
#include "tcpmem/walk.h"

#define TM_OO_ORDER(x)		((x) >> 16)
#define TM_OO_OBJECTS(x)	((x) & 0xffff)
/* the kernel's MAX_PARTIAL_TO_SCAN (mm/slub.c, 6.10+) */
#define TM_MAX_PARTIAL_TO_SCAN	10000UL
#define TM_MAX_LINKS		1024

static const char *const tm_type_name[TM_NR_TYPES] = {
	[TM_T_TCP]		= "TCP",
	[TM_T_TCPV6]		= "TCPv6",
	[TM_T_TW_TCP]		= "tw_sock_TCP",
	[TM_T_TW_TCPV6]		= "tw_sock_TCPv6",
	[TM_T_REQ_TCP]		= "request_sock_TCP",
	[TM_T_REQ_TCPV6]	= "request_sock_TCPv6",
	[TM_T_SOCK_INODE]	= "sock_inode_cache",
	[TM_T_FILP]		= "filp",
	[TM_T_DENTRY]		= "dentry",
	[TM_T_KMALLOC64]	= "kmalloc-64",
	[TM_T_BIND]		= "tcp_bind_bucket",
	[TM_T_BIND2]		= "tcp_bind2_bucket",
	[TM_T_EPI]		= "eventpoll_epi",
	[TM_T_PWQ]		= "eventpoll_pwq",
	[TM_T_SKB]		= "skbuff_head_cache",
	[TM_T_LSM_SOCK]		= "lsm_sock",
	[TM_T_LSM_INODE]	= "lsm_inode",
	[TM_T_LSM_FILE]		= "lsm_file",
	[TM_T_EP_HEAD]		= "ep_head",
};

/* The cache each type lives in; NULL where the type does not exist. */
static const void *tm_type_cache[TM_NR_TYPES];

/* The cache a slab object belongs to, via its slab page; NULL if none. */
static const void *tm_obj_cache(const void *obj)
{
	struct page *page;

	if (!obj || !virt_addr_valid(obj))
		return NULL;
	page = virt_to_head_page(obj);
	if (!PageSlab(page))
		return NULL;
	return tm_rd_ptr(page, TM_SL_SLAB_CACHE);
}

/*
 * sock_inode_cache, filp and dentry have no exported pointer: find them
 * from the objects of a real socket with a file, made here and released.
 */
static int tm_probe_socket(void)
{
	struct socket *sock;
	struct file *file;
	int ret;

	ret = sock_create_kern(&init_net, PF_INET, SOCK_STREAM, IPPROTO_TCP, &sock);
	if (ret) {
		pr_err("probe socket: sock_create_kern failed (%d)\n", ret);
		return ret;
	}
	file = sock_alloc_file(sock, 0, NULL);	/* releases sock on failure */
	if (IS_ERR(file)) {
		pr_err("probe socket: sock_alloc_file failed (%ld)\n", PTR_ERR(file));
		return PTR_ERR(file);
	}
	ret = 0;
	if (tm_obj_cache(sock->sk) != tcp_prot.slab) {
		pr_err("probe socket: its sock is not in tcp_prot.slab: slab layout not trusted\n");
		ret = -EINVAL;
	}
	tm_type_cache[TM_T_SOCK_INODE] = tm_obj_cache(SOCK_INODE(sock));
	tm_type_cache[TM_T_FILP] = tm_obj_cache(file);
	tm_type_cache[TM_T_DENTRY] = tm_obj_cache(file->f_path.dentry);
#ifdef CONFIG_SECURITY
	/* blobs the active LSMs hang on the sock, inode and file, if any */
	tm_type_cache[TM_T_LSM_SOCK] = tm_obj_cache(sock->sk->sk_security);
	tm_type_cache[TM_T_LSM_INODE] = tm_obj_cache(SOCK_INODE(sock)->i_security);
	tm_type_cache[TM_T_LSM_FILE] = tm_obj_cache(file->f_security);
#endif
	fput(file);
	return ret;
}

static bool tm_on_list(const void *want);

/* Caches found only through a static variable of the file that made them. */
struct tm_sym_cache {
	enum tm_type type;
	const char *sym;
	enum tm_held held;	/* the struct the cache was created for */
	bool opt;		/* a kernel without the symbol lacks the type */
};

static const struct tm_sym_cache tm_sym_caches[] = {
	{ TM_T_EPI, "epi_cache", TM_HS_EPITEM, false },
	{ TM_T_PWQ, "pwq_cache", TM_HS_EPPOLL_ENTRY, false },
	{ TM_T_EP_HEAD, "ephead_cache", TM_HS_EPITEMS_HEAD, true },	/* 6.1+ */
#ifndef TM_HAVE_NET_HOTDATA
	{ TM_T_SKB, "skbuff_head_cache", TM_HS_SK_BUFF, false },
#endif
};

/* Types whose symbol could not be validated: shown unavailable. */
static bool tm_type_unvalidated[TM_NR_TYPES];

/*
 * Does the variable at @addr point to a cache made for a struct of @sz
 * bytes? kmem_cache_create(name, sizeof(T), ...) sets object_size to
 * sizeof(T). A cache merged into another has the larger object_size of
 * the two, and the merge (mm/slab_common.c find_mergeable()) only takes a
 * cache whose stride is less than a pointer more than sizeof(T) aligned
 * (at most to a cache line, SLAB_HWCACHE_ALIGN). Under slab_mutex.
 */
static const void *tm_sym_cache_check(unsigned long addr, u32 sz)
{
	u32 osz, max = ALIGN(sz, max_t(u32, cache_line_size(), sizeof(void *))) + sizeof(void *);
	const void *s;

	if (copy_from_kernel_nofault(&s, (const void *)addr, sizeof(s)) || !s || !tm_on_list(s))
		return NULL;
	osz = tm_rd(s, TM_KC_OBJECT_SIZE);
	if (osz < sz || osz >= max)
		return NULL;
	return s;
}

/*
 * Each symbol-found cache: every vmlinux data symbol of that name is a
 * candidate (kallsyms can hold two: pwq_cache is in fs/eventpoll.c and in
 * kernel/workqueue.c), and exactly one candidate must point to a cache on
 * the slab list whose object size is that of the struct from BTF. None, or
 * more than one, is never guessed: the type is shown unavailable and dmesg
 * says why. The load goes on.
 */
static void tm_sym_caches_init(void)
{
	struct tm_ksym_find f[ARRAY_SIZE(tm_sym_caches)];
	int i, k;

	for (i = 0; i < ARRAY_SIZE(tm_sym_caches); i++)
		f[i].name = tm_sym_caches[i].sym;
	tm_ksym_find_data(f, ARRAY_SIZE(f));
	mutex_lock(tm_slab_mutex);
	for (i = 0; i < ARRAY_SIZE(tm_sym_caches); i++) {
		const struct tm_sym_cache *d = &tm_sym_caches[i];
		u32 sz = tm_layout.held_size[d->held];
		const void *found = NULL, *s;
		int valid = 0;

		if (!f[i].n && d->opt)
			continue;	/* this kernel has no such type */
		for (k = 0; k < f[i].n && sz; k++) {
			s = tm_sym_cache_check(f[i].addr[k], sz);
			if (s) {
				found = s;
				valid++;
			}
		}
		if (valid == 1) {
			tm_type_cache[d->type] = found;
			continue;
		}
		tm_type_unvalidated[d->type] = true;
		if (!sz)
			pr_warn("%s: no unique struct %s in BTF to check symbol %s against: shown unavailable\n",
				tm_type_name[d->type], tm_held_name[d->held], d->sym);
		else
			pr_warn("%s: %d data symbol(s) %s, %d pointing to a cache of struct %s (%u bytes): shown unavailable\n",
				tm_type_name[d->type], f[i].n, d->sym, valid,
				tm_held_name[d->held], sz);
	}
	mutex_unlock(tm_slab_mutex);
}

/*
 * Each type's object stride in its cache (kmem_cache.size) and its
 * reciprocal, as the kernel's obj_to_index() divides: set at load with the
 * caches, which live as long as the kernel (a cache's size never changes).
 */
static struct {
	u32 size;
	struct reciprocal_value rcp;
} tm_type_geo[TM_NR_TYPES];

static void tm_type_geo_init(void)
{
	int t;

	for (t = 0; t < TM_NR_TYPES; t++) {
		u32 size = tm_type_cache[t] ? tm_rd(tm_type_cache[t], TM_KC_SIZE) : 0;

		tm_type_geo[t].size = size;
		if (size)
			tm_type_geo[t].rcp = reciprocal_value(size);
	}
}

int tm_slab_init(void)
{
	const struct inet_hashinfo *h = init_net.ipv4.tcp_death_row.hashinfo;
	int ret;

	tm_type_cache[TM_T_TCP] = tcp_prot.slab;
	tm_type_cache[TM_T_TW_TCP] = tcp_prot.twsk_prot->twsk_slab;
	tm_type_cache[TM_T_REQ_TCP] = tcp_prot.rsk_prot->slab;
#if IS_ENABLED(CONFIG_IPV6)
	tm_type_cache[TM_T_TCPV6] = tcpv6_prot.slab;
	tm_type_cache[TM_T_TW_TCPV6] = tcpv6_prot.twsk_prot->twsk_slab;
	tm_type_cache[TM_T_REQ_TCPV6] = tcpv6_prot.rsk_prot->slab;
#endif
	tm_type_cache[TM_T_KMALLOC64] = kmalloc_caches[KMALLOC_NORMAL][kmalloc_index(64)];
	tm_type_cache[TM_T_BIND] = h->bind_bucket_cachep;
	if (tm_layout.have[TM_HI_BIND2_CACHEP] &&	/* 6.1+ */
	    tm_layout.m[TM_HI_BIND2_CACHEP].size == sizeof(void *))
		tm_type_cache[TM_T_BIND2] = tm_rd_ptr(h, TM_HI_BIND2_CACHEP);
#ifdef TM_HAVE_NET_HOTDATA
	tm_type_cache[TM_T_SKB] = net_hotdata.skbuff_cache;
#endif
	tm_sym_caches_init();
	ret = tm_probe_socket();
	tm_type_geo_init();
	return ret;
}

/*
 * The memcg object @obj of type @t is charged to, from its slab's vector
 * (compat.h: which member, which flag, which element), as the kernel's
 * mem_cgroup_from_slab_obj() reads it: vector = member & ~mask when the
 * flag is set, entry (obj - slab address) / s->size, its objcg, the
 * objcg's memcg. 7.0+: the entries are the slab's stride apart, the
 * element size, or the object size where they are kept inside the objects
 * (mm/slub.c alloc_slab_obj_exts_early()). Every step is checked: the head
 * page is a slab of the type's own cache, the index is below the slab's
 * objects, a vector not inside the slab's own pages is a kmalloc object
 * large enough for it, the stride is one of those two and the last entry
 * ends inside the slab.
 * Per object it reads the slab's struct page, the vector's (a vector
 * apart: is it a kmalloc object; else it is inside this slab) and the
 * entry: the compound order (a second struct page) only for a vector
 * inside, the division by the size as obj_to_index() does it. Without
 * @memcg (a file with no cgroup records) it stops at ch->vec: the entry,
 * its objcg and memcg are not read, ch->state stays TM_CH_NA.
 * Under rcu_read_lock(): objcgs and memcgs are freed after a grace period.
 */
void tm_obj_charge(const void *obj, enum tm_type t, struct tm_charge *ch, bool memcg)
{
#if TM_HAVE_MEMCG
	unsigned long v, base, vec, off;
	struct obj_cgroup *objcg;
	struct mem_cgroup *mc;
	struct page *page, *vpage;
	u32 size = tm_type_geo[t].size, idx, objects, stride = TM_OBJV_ELEM;

	ch->state = TM_CH_NA;
	ch->vec = false;
	ch->memcg = NULL;
	if (!tm_layout.memcg || !obj || !size || !virt_addr_valid(obj))
		return;
	page = virt_to_head_page(obj);
	if (!PageSlab(page) || tm_rd_ptr(page, TM_SL_SLAB_CACHE) != tm_type_cache[t])
		return;
	objects = tm_rd(page, TM_SL_OBJECTS);
	base = (unsigned long)page_address(page);
	off = (unsigned long)obj - base;
	/* the objects fit the slab: an offset below objects x size is a u32 */
	if ((unsigned long)obj < base || off >= (u64)objects * size)
		return;
	v = READ_ONCE(*(unsigned long *)tm_at(page, TM_SL_OBJV));
	vec = v & ~TM_OBJV_MASK;
	if (!v || ((v & TM_OBJV_FLAG) && !vec)) {	/* none, or its allocation failed */
		if (memcg)
			ch->state = TM_CH_NONE;
		return;
	}
	if (!(v & TM_OBJV_FLAG) || !virt_addr_valid((void *)vec))
		return;
	if (tm_layout.have[TM_SL_STRIDE])
		stride = READ_ONCE(*(u32 *)tm_at(page, TM_SL_STRIDE));
	vpage = virt_to_head_page((void *)vec);
	if (vpage != page) {
		const void *vs;

		/* apart: a kmalloc object of at least objects x element bytes */
		if (!PageSlab(vpage))
			return;
		vs = tm_rd_ptr(vpage, TM_SL_SLAB_CACHE);
		if (stride != TM_OBJV_ELEM || !vs ||
		    tm_rd(vs, TM_KC_OBJECT_SIZE) < (u64)objects * TM_OBJV_ELEM)
			return;
		ch->vec = true;
	} else if ((stride != TM_OBJV_ELEM && stride != size) ||
		   vec + (u64)(objects - 1) * stride + TM_OBJV_ELEM > base + page_size(page)) {
		return;
	}
	if (!memcg)
		return;
	idx = reciprocal_divide(off, tm_type_geo[t].rcp);
	objcg = READ_ONCE(*(struct obj_cgroup **)(vec + (u64)idx * stride + TM_OBJV_OBJCG_OFF));
	if (!objcg) {
		ch->state = TM_CH_NONE;
		return;
	}
	if (!virt_addr_valid(objcg))
		return;
	mc = READ_ONCE(objcg->memcg);	/* obj_cgroup_memcg(), without its lockdep assert */
	if (!mc || !virt_addr_valid(mc))
		return;
	ch->state = TM_CH_MEMCG;
	ch->memcg = mc;
#else
	ch->state = TM_CH_NA;
	ch->vec = false;
	ch->memcg = NULL;
#endif
}

/* Is @slab a struct page/slab of cache @s? Safe on any pointer value. */
static bool tm_slab_of(const void *slab, const void *s)
{
	struct page *page = (struct page *)slab;
	unsigned long pfn;

	if (!slab)
		return false;
	pfn = page_to_pfn(page);
	if (!pfn_valid(pfn) || pfn_to_page(pfn) != page || PageTail(page) ||
	    !PageSlab(page))
		return false;
	return tm_rd_ptr(slab, TM_SL_SLAB_CACHE) == s;
}

/* Length of a CPU freelist inside @slab, or -1 if it does not add up. */
static long tm_freelist_len(const void *s, const void *slab, const void *fl)
{
	u32 size = tm_rd(s, TM_KC_SIZE), off = tm_rd(s, TM_KC_OFFSET);
	unsigned long objects = tm_rd(slab, TM_SL_OBJECTS);
	unsigned long base = (unsigned long)page_address((struct page *)slab);
	unsigned long end = base + objects * size;
	unsigned long p = (unsigned long)fl, v;
	long n = 0;

	while (p) {
		if (p < base || p >= end || (p - base) % size || n >= objects)
			return -1;
		if (copy_from_kernel_nofault(&v, (void *)(p + off), sizeof(v)))
			return -1;
		if (IS_ENABLED(CONFIG_SLAB_FREELIST_HARDENED))
			v ^= tm_rd(s, TM_KC_RANDOM) ^ swab(p + off);
		p = v;
		n++;
	}
	return n;
}

/*
 * Free objects the CPUs hold for @s: on the cpu slab (its lockless freelist
 * plus objects freed to it remotely) and on cpu-partial slabs. Read without
 * stopping the CPUs: a CPU that moved (tid changed) is read again.
 */
static void tm_read_cpu_free(const void *s, struct tm_cache_stat *c)
{
	void __percpu *pcpu = tm_rd_percpu(s, TM_KC_CPU_SLAB);
	int cpu;

	c->cpu_free_ok = true;
	for_each_possible_cpu(cpu) {
		const void *kc = per_cpu_ptr(pcpu, cpu);
		int tries;

		for (tries = 0; tries < 5; tries++) {
			unsigned long tid = tm_rd(kc, TM_KCC_TID);
			const void *slab = tm_rd_ptr(kc, TM_KCC_SLAB);
			const void *fl = tm_rd_ptr(kc, TM_KCC_FREELIST);
			const void *p = tm_rd_ptr(kc, TM_KCC_PARTIAL);
			unsigned long nfree = 0, ncpu = 0, npart = 0;
			bool ok = true;
			long len;

			if (slab) {
				if (!tm_slab_of(slab, s))
					continue;
				len = tm_freelist_len(s, slab, fl);
				if (len < 0)
					continue;
				nfree += len + tm_rd(slab, TM_SL_OBJECTS) -
					 tm_rd(slab, TM_SL_INUSE);
				ncpu = 1;
			}
			for (; p; p = tm_rd_ptr(p, TM_SL_NEXT)) {
				if (!tm_slab_of(p, s) || ++npart > 100000) {
					ok = false;
					break;
				}
				nfree += tm_rd(p, TM_SL_OBJECTS) - tm_rd(p, TM_SL_INUSE);
			}
			smp_rmb();	/* all reads above before the second tid read */
			if (!ok || tm_rd(kc, TM_KCC_TID) != tid)
				continue;
			c->cpu_free += nfree;
			c->cpu_slabs += ncpu;
			c->cpu_partial_slabs += npart;
			break;
		}
		if (tries == 5)
			c->cpu_free_ok = false;
	}
}

/* Objects in a sheaf of @s, or 0 if @sheaf is not a sheaf of @s. */
static unsigned long tm_sheaf_objs(const void *s, const void *sheaf, u32 capacity)
{
	const void *cache;
	u32 size;

	if (!sheaf || !virt_addr_valid(sheaf))
		return 0;
	if (copy_from_kernel_nofault(&cache, tm_at(sheaf, TM_SHEAF_CACHE), sizeof(cache)) ||
	    copy_from_kernel_nofault(&size, tm_at(sheaf, TM_SHEAF_SIZE), sizeof(size)))
		return 0;
	return cache == s && size <= capacity ? size : 0;
}

/*
 * 7.2: free objects wait in each CPU's main and spare sheaf, and in full
 * sheaves kept in each node's barn. Sheaves are read without the CPUs'
 * locks: every sheaf is checked to belong to @s before it is counted.
 */
static void tm_read_sheaves(const void *s, struct tm_cache_stat *c)
{
	void __percpu *pcpu = tm_rd_percpu(s, TM_KC_CPU_SHEAVES);
	u32 capacity = tm_rd(s, TM_KC_SHEAF_CAPACITY);
	int cpu, nid;

	c->cpu_free_ok = true;
	if (!pcpu || !capacity)
		return;		/* a cache without sheaves */
	for_each_possible_cpu(cpu) {
		const void *pcs = per_cpu_ptr(pcpu, cpu);

		c->cpu_free += tm_sheaf_objs(s, tm_rd_ptr(pcs, TM_PCS_MAIN), capacity);
		c->cpu_free += tm_sheaf_objs(s, tm_rd_ptr(pcs, TM_PCS_SPARE), capacity);
	}
	for (nid = 0; nid < nr_node_ids; nid++) {
		const char *slot = (const char *)tm_at(s, TM_KC_PER_NODE) +
				   nid * tm_layout.node_stride;
		const void *barn = tm_rd_ptr(slot, TM_PNP_BARN);

		if (barn && virt_addr_valid(barn))
			c->barn_free += (unsigned long)tm_rd(barn, TM_BARN_NR_FULL) * capacity;
	}
	c->cpu_free += c->barn_free;
}

/*
 * Free objects on one node's partial list, as /proc/slabinfo counts them on
 * 6.10+ (count_partial_free_approx): up to MAX_PARTIAL_TO_SCAN slabs, every
 * one (then the figure is exact); above, the first and the last half of
 * that many, scaled to the list. Every kernel gets the bounded rule: the
 * list is walked with list_lock held and IRQs off, and the whole walk that
 * /proc/slabinfo still does before 6.10 is what made a node with a million
 * partial slabs fire the NMI watchdog there. So before 6.10 a node above
 * the threshold is approximate here and exact in /proc/slabinfo.
 */
static void tm_read_partial(const void *n, struct tm_node_stat *ns, struct tm_walk_time *wt)
{
	spinlock_t *lock = tm_at(n, TM_KN_LIST_LOCK);
	struct list_head *head = tm_at(n, TM_KN_PARTIAL), *pos;
	u32 loff = tm_layout.m[TM_SL_SLAB_LIST].offset;
	unsigned long flags, x = 0, scanned = 0;
	u64 t0 = tm_hold_clock(), t1;

	spin_lock_irqsave(lock, flags);
	t1 = tm_hold_clock();
	/* nr_partial changes with the list, under list_lock */
	ns->partial = tm_rd(n, TM_KN_NR_PARTIAL);
	list_for_each(pos, head) {
		const void *slab = (const char *)pos - loff;

		x += tm_rd(slab, TM_SL_OBJECTS) - tm_rd(slab, TM_SL_INUSE);
		if (++scanned == (ns->partial > TM_MAX_PARTIAL_TO_SCAN ?
				  TM_MAX_PARTIAL_TO_SCAN / 2 : TM_MAX_PARTIAL_TO_SCAN))
			break;
	}
	if (ns->partial > TM_MAX_PARTIAL_TO_SCAN) {
		list_for_each_prev(pos, head) {
			const void *slab = (const char *)pos - loff;

			x += tm_rd(slab, TM_SL_OBJECTS) - tm_rd(slab, TM_SL_INUSE);
			if (++scanned == TM_MAX_PARTIAL_TO_SCAN)
				break;
		}
		x = mult_frac(x, ns->partial, scanned);
		x = min_t(unsigned long, x, atomic_long_read(tm_at(n, TM_KN_TOTAL_OBJECTS)));
		ns->approx = true;
	}
	tm_hold_end(wt, TM_HOLD_LIST, t1);
	spin_unlock_irqrestore(lock, flags);
	tm_hold_end(wt, TM_HOLD_IRQS_OFF, t0);
	ns->partial_free = x;
	ns->exact = !ns->approx;
	ns->partial_free_exact = ns->exact ? x : 0;
}

/*
 * A slab holds oo objects at the preferred order, or min objects at the
 * fallback order (when no block of the preferred order was free), so a
 * node's slabs and objects split exactly:
 *	hi = (objs - slabs x min) / (oo - min), lo = slabs - hi.
 * The two counters move one after the other when a slab comes or goes:
 * they are read until the slab count held still around the objects, and a
 * split that does not come out whole is clamped and flagged.
 */
static void tm_read_orders(const void *n, u32 oo_objs, u32 min_objs, struct tm_node_stat *ns)
{
	unsigned long extra, hi;
	int tries;

	for (tries = 0; tries < 5; tries++) {
		ns->slabs = atomic_long_read(tm_at(n, TM_KN_NR_SLABS));
		/* the kernel adds slabs first, then objects: read in that order */
		smp_rmb();
		ns->objs = atomic_long_read(tm_at(n, TM_KN_TOTAL_OBJECTS));
		/* objects before the second read of slabs */
		smp_rmb();
		if (atomic_long_read(tm_at(n, TM_KN_NR_SLABS)) == ns->slabs)
			break;
	}
	if (oo_objs <= min_objs) {	/* one geometry: every slab is "hi" */
		ns->slabs_hi = ns->slabs;
		ns->slabs_lo = 0;
		ns->orders_exact = ns->objs == (u64)ns->slabs * oo_objs;
		return;
	}
	if (ns->objs < ns->slabs * min_objs) {
		hi = 0;
		ns->orders_exact = false;
	} else {
		extra = ns->objs - ns->slabs * min_objs;
		hi = extra / (oo_objs - min_objs);
		ns->orders_exact = !(extra % (oo_objs - min_objs)) && hi <= ns->slabs;
		hi = min(hi, ns->slabs);
	}
	ns->slabs_hi = hi;
	ns->slabs_lo = ns->slabs - hi;
}

/* Everything /proc/slabinfo shows for @s, and more. Under slab_mutex. */
static void tm_read_cache(const void *s, struct tm_cache_stat *c, struct tm_walk_time *wt)
{
	u32 oo = tm_rd(s, TM_KC_OO), min = tm_rd(s, TM_KC_MIN);
	int nid;

	strscpy(c->cache, tm_rd_ptr(s, TM_KC_NAME), sizeof(c->cache));
	c->size = tm_rd(s, TM_KC_SIZE);
	c->object_size = tm_rd(s, TM_KC_OBJECT_SIZE);
	c->align = tm_rd(s, TM_KC_ALIGN);
	c->objperslab = TM_OO_OBJECTS(oo);
	c->order = TM_OO_ORDER(oo);
	c->min_objperslab = TM_OO_OBJECTS(min);
	c->min_order = TM_OO_ORDER(min);
	c->flags = tm_rd(s, TM_KC_FLAGS);
	c->refcount = (int)tm_rd(s, TM_KC_REFCOUNT);
	c->orders_exact = true;
	c->exact = true;
	for (nid = 0; nid < nr_node_ids; nid++) {
		const void *n = tm_kc_node(s, nid);
		struct tm_node_stat *ns = &c->node[nid];

		if (!n)
			continue;
		ns->present = true;
		tm_read_orders(n, c->objperslab, c->min_objperslab, ns);
		tm_read_partial(n, ns, wt);
		c->num_slabs += ns->slabs;
		c->num_objs += ns->objs;
		c->slabs_hi += ns->slabs_hi;
		c->slabs_lo += ns->slabs_lo;
		c->orders_exact &= ns->orders_exact;
		c->partial_free += ns->partial_free;
		c->partial_free_exact += ns->partial_free_exact;
		c->approx |= ns->approx;
		c->exact &= ns->exact;
		cond_resched();		/* slab_mutex is a mutex */
	}
	c->active_objs = c->num_objs - c->partial_free;
	/* alloc_slab_obj_exts(): kcalloc(objects, element), a plain kmalloc */
	c->vec_bytes = tm_kmalloc_roundup((size_t)c->objperslab * TM_OBJV_ELEM);
	if (tm_layout.cpu_free)
		tm_read_cpu_free(s, c);
	else if (tm_layout.sheaves)
		tm_read_sheaves(s, c);
}

static const void *tm_find_by_name(const char *name)
{
	struct list_head *pos;

	list_for_each(pos, tm_slab_caches) {
		const void *s = (const char *)pos - tm_layout.m[TM_KC_LIST].offset;

		if (!strcmp(tm_rd_ptr(s, TM_KC_NAME), name))
			return s;
	}
	return NULL;
}

static bool tm_on_list(const void *want)
{
	struct list_head *pos;

	list_for_each(pos, tm_slab_caches)
		if ((const char *)pos - tm_layout.m[TM_KC_LIST].offset == want)
			return true;
	return false;
}

/* ---- aliases, as /sys/kernel/slab shows them ----------------------------- */

struct tm_links {
	struct dir_context ctx;
	char (*name)[TM_NAME_LEN];
	int n;
};

static TM_FILLDIR_RET tm_filldir(struct dir_context *ctx, const char *name, int len,
				 loff_t off, u64 ino, unsigned int type)
{
	struct tm_links *l = container_of(ctx, struct tm_links, ctx);

	if (type != DT_LNK || len >= TM_NAME_LEN)
		return TM_FILLDIR_GO_ON;
	if (l->n == TM_MAX_LINKS)
		return TM_FILLDIR_STOP;
	memcpy(l->name[l->n], name, len);
	l->name[l->n][len] = '\0';
	l->n++;
	return TM_FILLDIR_GO_ON;
}

static int tm_cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * What /sys/kernel/slab/<name> stands for: the last component of its link
 * target for a merged name, the name itself for a cache's own directory.
 * Links are read, never followed.
 */
static int tm_slab_target(const char *name, char *out, size_t len)
{
	char buf[TM_NAME_LEN + 32];
	DEFINE_DELAYED_CALL(done);
	const char *t;
	struct path p;
	int ret;

	snprintf(buf, sizeof(buf), "kernel/slab/%s", name);
	ret = tm_sysfs_path(buf, &p);
	if (ret)
		return ret;
	if (d_is_symlink(p.dentry)) {
		t = vfs_get_link(p.dentry, &done);
		if (IS_ERR(t))
			ret = PTR_ERR(t);
		else
			strscpy(out, kbasename(t), len);
		do_delayed_call(&done);
	} else {
		strscpy(out, name, len);
	}
	path_put(&p);
	return ret;
}

/*
 * A merged cache has a sysfs directory with a unique id and one symlink per
 * name that was merged into it; every link to the directory of the cache,
 * other than its own name, is an alias.
 */
static void tm_read_aliases(struct tm_snapshot *snap)
{
	char (*own)[TM_NAME_LEN];
	char target[TM_NAME_LEN];
	struct tm_links *l;
	struct file *dir;
	int i, k;

	l = kzalloc(sizeof(*l), GFP_KERNEL_ACCOUNT);
	own = kcalloc(snap->nr_caches, TM_NAME_LEN, GFP_KERNEL_ACCOUNT);
	if (!l || !own)
		goto out_free;
	l->name = kvmalloc_array(TM_MAX_LINKS, TM_NAME_LEN, GFP_KERNEL_ACCOUNT);
	if (!l->name)
		goto out_free;
	dir = tm_sysfs_open("kernel/slab", O_RDONLY | O_DIRECTORY);
	if (IS_ERR(dir))
		goto out_free;
	l->ctx.actor = tm_filldir;
	k = iterate_dir(dir, &l->ctx);
	filp_close(dir, NULL);
	if (k || l->n == TM_MAX_LINKS)
		goto out_free;
	sort(l->name, l->n, TM_NAME_LEN, tm_cmp_name, NULL);

	for (i = 0; i < snap->nr_caches; i++) {
		struct tm_cache_stat *c = &snap->cache[i];

		c->aliases_ok = c->present && !tm_slab_target(c->cache, own[i], TM_NAME_LEN);
	}
	for (k = 0; k < l->n; k++) {
		if (tm_slab_target(l->name[k], target, sizeof(target)))
			continue;
		for (i = 0; i < snap->nr_caches; i++) {
			struct tm_cache_stat *c = &snap->cache[i];
			size_t len = strlen(c->aliases);

			if (!c->aliases_ok || strcmp(own[i], target) ||
			    !strcmp(l->name[k], c->cache))
				continue;
			if (len + strlen(l->name[k]) + 2 > sizeof(c->aliases)) {
				c->aliases_ok = false;	/* never show a cut list */
				continue;
			}
			snprintf(c->aliases + len, sizeof(c->aliases) - len, "%s%s",
				 len ? "," : "", l->name[k]);
			c->nr_aliases++;
		}
	}
out_free:
	if (l)
		kvfree(l->name);
	kfree(l);
	kfree(own);
}

int tm_snapshot_caches(struct tm_snapshot *snap)
{
	u64 t0 = ktime_get_ns();
	int i;

	snap->nr_caches = TM_NR_TYPES + tm_nr_extra;
	snap->nodes = kvcalloc(snap->nr_caches * nr_node_ids, sizeof(*snap->nodes),
			       GFP_KERNEL_ACCOUNT);
	if (!snap->nodes)
		return -ENOMEM;
	for (i = 0; i < snap->nr_caches; i++) {
		snap->cache[i].type = i < TM_NR_TYPES ? tm_type_name[i] : tm_extra[i - TM_NR_TYPES];
		snap->cache[i].node = snap->nodes + i * nr_node_ids;
		snap->cache[i].label = i >= TM_T_LSM_SOCK && i <= TM_T_LSM_FILE;
		snap->cache[i].unavailable = i < TM_NR_TYPES && tm_type_unvalidated[i];
	}
	mutex_lock(tm_slab_mutex);
	for (i = 0; i < snap->nr_caches; i++) {
		struct tm_cache_stat *c = &snap->cache[i];
		const void *s;

		if (i < TM_NR_TYPES) {
			s = tm_type_cache[i];
			if (s && !tm_on_list(s))
				s = NULL;
		} else {
			s = tm_find_by_name(c->type);
		}
		if (!s)
			continue;
		c->present = true;
		tm_read_cache(s, c, &snap->time);
	}
	mutex_unlock(tm_slab_mutex);
	tm_read_aliases(snap);
	snap->time.phase_ns[TM_PH_CACHES] = ktime_get_ns() - t0;
	return 0;
}

void tm_snapshot_free_caches(struct tm_snapshot *snap)
{
	kvfree(snap->nodes);
	snap->nodes = NULL;
}
