// SPDX-License-Identifier: GPL-2.0
/*
 * Private struct layouts of the running kernel, from its BTF, validated
 * against what the kernel exports before anything else reads through them.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/tcp.h>
#if IS_ENABLED(CONFIG_IPV6)
#include <net/transp_v6.h>
#endif

#include "tcpmem/resolve.h"

struct tm_layout tm_layout;
struct list_head *tm_slab_caches;
struct mutex *tm_slab_mutex;		/* the kernel's slab_mutex: guards slab_caches */

#define TM_OPT	1	/* optional: absence is a missing feature, not an error */

const char *const tm_held_name[TM_NR_HELD] = {
	[TM_HS_EPITEM]		= "epitem",
	[TM_HS_EPPOLL_ENTRY]	= "eppoll_entry",
	[TM_HS_EPITEMS_HEAD]	= "epitems_head",
	[TM_HS_SK_BUFF]		= "sk_buff",
};

struct tm_field_def {
	const char *sname;
	const char *alt;	/* struct to try when @sname does not exist */
	const char *mname;
	unsigned int flags;
	const char *malt;	/* member to try when @mname does not exist */
};

static const struct tm_field_def tm_fields[TM_NR_FIELDS] = {
	[TM_KC_NAME]		= { "kmem_cache", NULL, "name" },
	[TM_KC_SIZE]		= { "kmem_cache", NULL, "size" },
	[TM_KC_OBJECT_SIZE]	= { "kmem_cache", NULL, "object_size" },
	[TM_KC_OO]		= { "kmem_cache", NULL, "oo" },
	[TM_KC_MIN]		= { "kmem_cache", NULL, "min" },
	[TM_KC_FLAGS]		= { "kmem_cache", NULL, "flags" },
	[TM_KC_REFCOUNT]	= { "kmem_cache", NULL, "refcount" },
	[TM_KC_ALIGN]		= { "kmem_cache", NULL, "align" },
	[TM_KC_INUSE]		= { "kmem_cache", NULL, "inuse" },
	[TM_KC_LIST]		= { "kmem_cache", NULL, "list" },
	[TM_KC_CTOR]		= { "kmem_cache", NULL, "ctor" },
	[TM_KC_NODE]		= { "kmem_cache", NULL, "node", TM_OPT },
	[TM_KC_PER_NODE]	= { "kmem_cache", NULL, "per_node", TM_OPT },
	[TM_PNP_NODE]		= { "kmem_cache_per_node_ptrs", NULL, "node", TM_OPT },
	[TM_KC_CPU_SLAB]	= { "kmem_cache", NULL, "cpu_slab", TM_OPT },
	[TM_KC_CPU_SHEAVES]	= { "kmem_cache", NULL, "cpu_sheaves", TM_OPT },
	[TM_KC_OFFSET]		= { "kmem_cache", NULL, "offset" },
	[TM_KC_RANDOM]		= { "kmem_cache", NULL, "random", TM_OPT },
	[TM_KCC_FREELIST]	= { "kmem_cache_cpu", NULL, "freelist", TM_OPT },
	[TM_KCC_TID]		= { "kmem_cache_cpu", NULL, "tid", TM_OPT },
	[TM_KCC_SLAB]		= { "kmem_cache_cpu", NULL, "slab", TM_OPT, "page" },
	[TM_KCC_PARTIAL]	= { "kmem_cache_cpu", NULL, "partial", TM_OPT },
	[TM_KC_SHEAF_CAPACITY]	= { "kmem_cache", NULL, "sheaf_capacity", TM_OPT },
	[TM_PCS_MAIN]		= { "slub_percpu_sheaves", NULL, "main", TM_OPT },
	[TM_PCS_SPARE]		= { "slub_percpu_sheaves", NULL, "spare", TM_OPT },
	[TM_SHEAF_CACHE]	= { "slab_sheaf", NULL, "cache", TM_OPT },
	[TM_SHEAF_SIZE]		= { "slab_sheaf", NULL, "size", TM_OPT },
	[TM_PNP_BARN]		= { "kmem_cache_per_node_ptrs", NULL, "barn", TM_OPT },
	[TM_BARN_NR_FULL]	= { "node_barn", NULL, "nr_full", TM_OPT },
	[TM_KN_LIST_LOCK]	= { "kmem_cache_node", NULL, "list_lock" },
	[TM_KN_NR_PARTIAL]	= { "kmem_cache_node", NULL, "nr_partial" },
	[TM_KN_PARTIAL]		= { "kmem_cache_node", NULL, "partial" },
	[TM_KN_NR_SLABS]	= { "kmem_cache_node", NULL, "nr_slabs" },
	[TM_KN_TOTAL_OBJECTS]	= { "kmem_cache_node", NULL, "total_objects" },
	[TM_SL_SLAB_LIST]	= { "slab", "page", "slab_list" },
	[TM_SL_SLAB_CACHE]	= { "slab", "page", "slab_cache" },
	[TM_SL_INUSE]		= { "slab", "page", "inuse" },
	[TM_SL_OBJECTS]		= { "slab", "page", "objects" },
	[TM_SL_FROZEN]		= { "slab", "page", "frozen" },
	[TM_SL_NEXT]		= { "slab", "page", "next", TM_OPT },
	[TM_SL_OBJV]		= { "slab", "page", TM_OBJV_MEMBER, TM_OPT },
	[TM_SL_STRIDE]		= { "slab", "page", "stride", TM_OPT },
	[TM_SOE_OBJCG]		= { "slabobj_ext", NULL, "objcg", TM_OPT },
	[TM_HI_BIND2_CACHEP]	= { "inet_hashinfo", NULL, "bind2_bucket_cachep", TM_OPT },
	[TM_SOCKET_WQ]		= { "socket", NULL, "wq" },
};

u64 tm_rd(const void *obj, enum tm_fid f)
{
	const struct tm_member *m = &tm_layout.m[f];
	const void *p = tm_at(obj, f);
	u64 v;

	switch (m->size) {
	case 1:
		v = READ_ONCE(*(const u8 *)p);
		break;
	case 2:
		v = READ_ONCE(*(const u16 *)p);
		break;
	case 4:
		v = READ_ONCE(*(const u32 *)p);
		break;
	default:
		v = READ_ONCE(*(const u64 *)p);
		break;
	}
	if (m->bits)
		v = (v >> m->bit_offset) & GENMASK_ULL(m->bits - 1, 0);
	return v;
}

void *tm_kc_node(const void *s, int nid)
{
	const char *slot;

	if (nid < 0 || nid >= tm_layout.node_slots)
		return NULL;
	if (tm_layout.have[TM_KC_PER_NODE]) {
		slot = (const char *)tm_at(s, TM_KC_PER_NODE) + nid * tm_layout.node_stride;
		return tm_rd_ptr(slot, TM_PNP_NODE);
	}
	slot = (const char *)tm_at(s, TM_KC_NODE) + nid * tm_layout.node_stride;
	return *(void * const *)slot;
}

/* Resolve every member in tm_fields[] from the running kernel's BTF. */
static int tm_layout_resolve(struct tm_btf *btf)
{
	struct tm_layout *l = &tm_layout;
	int i, ret;

	for (i = 0; i < TM_NR_FIELDS; i++) {
		const struct tm_field_def *d = &tm_fields[i];
		const char *sname = d->sname;
		const char *mname = d->mname;
		u32 id, size;

		ret = tm_btf_struct(btf, sname, &id, &size);
		if (ret == -ENOENT && d->alt) {
			sname = d->alt;
			ret = tm_btf_struct(btf, sname, &id, &size);
		}
		if (!ret) {
			ret = tm_btf_member(btf, id, mname, &l->m[i]);
			if (ret == -ENOENT && d->malt) {
				mname = d->malt;
				ret = tm_btf_member(btf, id, mname, &l->m[i]);
			}
		}
		if (ret == -ENOENT && (d->flags & TM_OPT))
			continue;
		if (ret) {
			pr_err("BTF: struct %s member %s: %s (%d); refusing to load\n",
			       sname, mname, ret == -ENOENT ? "not found" :
			       ret == -ENOTUNIQ ? "ambiguous" : "malformed", ret);
			return ret;
		}
		if (!l->m[i].bits && l->m[i].offset + l->m[i].size > size) {
			pr_err("BTF: struct %s member %s lies outside the struct\n",
			       sname, mname);
			return -EINVAL;
		}
		l->sname[i] = sname;
		l->mname[i] = mname;
		l->have[i] = true;
		if (!strcmp(sname, "kmem_cache"))
			l->kc_size = size;
		if (!strcmp(sname, "kmem_cache_per_node_ptrs"))
			l->pnp_size = size;
		if (!strcmp(sname, "slabobj_ext"))
			l->soe_size = size;
	}
	return 0;
}

/* Node array shape: node[] of pointers, or per_node[] of {barn, node}. */
static int tm_layout_nodes(void)
{
	struct tm_layout *l = &tm_layout;

	if (l->have[TM_KC_PER_NODE] && l->have[TM_PNP_NODE] && l->pnp_size) {
		l->have[TM_KC_NODE] = false;
		l->node_stride = l->pnp_size;
		l->node_slots = l->m[TM_KC_PER_NODE].size / l->pnp_size;
	} else if (l->have[TM_KC_NODE]) {
		l->have[TM_KC_PER_NODE] = false;
		l->have[TM_PNP_NODE] = false;
		l->node_stride = sizeof(void *);
		l->node_slots = l->m[TM_KC_NODE].size / sizeof(void *);
	} else {
		pr_err("BTF: struct kmem_cache has neither node[] nor per_node[]; refusing to load\n");
		return -ENOENT;
	}
	if (l->node_slots < nr_node_ids) {
		pr_err("BTF: kmem_cache node array has %u slots < nr_node_ids %u\n",
		       l->node_slots, nr_node_ids);
		return -EINVAL;
	}
	if (l->m[TM_KN_LIST_LOCK].size != sizeof(spinlock_t) ||
	    l->m[TM_KN_PARTIAL].size != sizeof(struct list_head) ||
	    l->m[TM_SL_SLAB_LIST].size < sizeof(struct list_head) ||
	    l->m[TM_KC_LIST].size != sizeof(struct list_head) ||
	    l->m[TM_KC_NAME].size != sizeof(char *) ||
	    l->m[TM_KC_OO].size != sizeof(u32) ||
	    l->m[TM_SL_SLAB_CACHE].size != sizeof(void *)) {
		pr_err("BTF: kmem_cache/kmem_cache_node/slab member sizes differ from this build's types\n");
		return -EINVAL;
	}
	/* per-CPU free objects: only where every member is there and sane */
	l->cpu_free = l->have[TM_KC_CPU_SLAB] && l->have[TM_KCC_FREELIST] &&
		      l->have[TM_KCC_TID] && l->have[TM_KCC_SLAB] &&
		      l->have[TM_KCC_PARTIAL] && l->have[TM_SL_NEXT] &&
		      l->m[TM_KCC_FREELIST].size == sizeof(void *) &&
		      l->m[TM_KCC_SLAB].size == sizeof(void *) &&
		      l->m[TM_KCC_PARTIAL].size == sizeof(void *) &&
		      l->m[TM_SL_NEXT].size == sizeof(void *) &&
		      l->m[TM_KC_OFFSET].size == sizeof(u32) &&
		      (!IS_ENABLED(CONFIG_SLAB_FREELIST_HARDENED) ||
		       (l->have[TM_KC_RANDOM] &&
			l->m[TM_KC_RANDOM].size == sizeof(unsigned long)));
	/* 7.2: no cpu slabs; free objects wait in per-CPU sheaves and barns */
	l->sheaves = !l->cpu_free && l->have[TM_KC_CPU_SHEAVES] &&
		     l->have[TM_KC_SHEAF_CAPACITY] && l->have[TM_PCS_MAIN] &&
		     l->have[TM_PCS_SPARE] && l->have[TM_SHEAF_CACHE] &&
		     l->have[TM_SHEAF_SIZE] && l->have[TM_PNP_BARN] &&
		     l->have[TM_BARN_NR_FULL] && l->have[TM_KC_PER_NODE] &&
		     l->m[TM_PCS_MAIN].size == sizeof(void *) &&
		     l->m[TM_PCS_SPARE].size == sizeof(void *) &&
		     l->m[TM_SHEAF_CACHE].size == sizeof(void *) &&
		     l->m[TM_SHEAF_SIZE].size == sizeof(u32) &&
		     l->m[TM_PNP_BARN].size == sizeof(void *) &&
		     l->m[TM_BARN_NR_FULL].size == sizeof(u32);
	return 0;
}

#define TM_OO_ORDER(x)		((x) >> 16)
#define TM_OO_OBJECTS(x)	((x) & 0xffff)

/* The cache geometry must be self-consistent: objects * size fit the slab. */
static bool tm_geometry_ok(const void *s)
{
	u32 size = tm_rd(s, TM_KC_SIZE), osize = tm_rd(s, TM_KC_OBJECT_SIZE);
	u32 oo = tm_rd(s, TM_KC_OO), min = tm_rd(s, TM_KC_MIN);
	u64 bytes = PAGE_SIZE << TM_OO_ORDER(oo);

	if (size < osize || !TM_OO_OBJECTS(oo) || TM_OO_ORDER(oo) > 10 ||
	    !TM_OO_OBJECTS(min) || TM_OO_ORDER(min) > TM_OO_ORDER(oo))
		return false;
	return (u64)TM_OO_OBJECTS(oo) * size <= bytes &&
	       (u64)(TM_OO_OBJECTS(oo) + 1) * size > bytes;
}

static bool tm_name_is(const void *s, const char *want)
{
	const char *name = tm_rd_ptr(s, TM_KC_NAME);

	return name && virt_addr_valid(name) && !strncmp(name, want, 64);
}

/*
 * Per-node counters must be consistent with the geometry. nr_slabs and
 * total_objects are updated one after the other, so a busy cache may be
 * caught between the two: retry a few times before calling it broken.
 */
static bool tm_node_ok(const void *s, const void *n)
{
	u32 oo = tm_rd(s, TM_KC_OO), min = tm_rd(s, TM_KC_MIN);
	int tries;

	for (tries = 0; tries < 5; tries++) {
		long slabs = atomic_long_read((atomic_long_t *)tm_at(n, TM_KN_NR_SLABS));
		long objs = atomic_long_read((atomic_long_t *)tm_at(n, TM_KN_TOTAL_OBJECTS));

		if (slabs >= 0 && objs >= slabs * TM_OO_OBJECTS(min) &&
		    objs <= slabs * TM_OO_OBJECTS(oo) &&
		    tm_rd(n, TM_KN_NR_PARTIAL) <= slabs)
			return true;
		cpu_relax();
	}
	return false;
}

static bool tm_nodes_ok(const void *s)
{
	int nid;

	for (nid = 0; nid < nr_node_ids; nid++) {
		void *n = tm_kc_node(s, nid);

		if (!n) {
			if (node_state(nid, N_NORMAL_MEMORY))
				return false;
			continue;
		}
		if (!virt_addr_valid(n) || !tm_node_ok(s, n))
			return false;
	}
	return true;
}

/*
 * Slabs on a partial list must point back at their cache and carry sane
 * counters: this validates slab_list, slab_cache, inuse, objects, frozen.
 * Returns the number of slabs checked, or -EINVAL.
 */
static int tm_partial_ok(const void *s)
{
	u32 oo = tm_rd(s, TM_KC_OO);
	int nid, checked = 0;

	for (nid = 0; nid < nr_node_ids && checked < 16; nid++) {
		void *n = tm_kc_node(s, nid);
		struct list_head *head, *pos;
		unsigned long flags;
		bool bad = false;

		if (!n || !tm_rd(n, TM_KN_NR_PARTIAL))
			continue;
		head = tm_at(n, TM_KN_PARTIAL);
		spin_lock_irqsave((spinlock_t *)tm_at(n, TM_KN_LIST_LOCK), flags);
		list_for_each(pos, head) {
			void *slab = (char *)pos - tm_layout.m[TM_SL_SLAB_LIST].offset;

			if (tm_rd_ptr(slab, TM_SL_SLAB_CACHE) != s ||
			    tm_rd(slab, TM_SL_OBJECTS) > TM_OO_OBJECTS(oo) ||
			    !tm_rd(slab, TM_SL_OBJECTS) ||
			    tm_rd(slab, TM_SL_INUSE) > tm_rd(slab, TM_SL_OBJECTS) ||
			    tm_rd(slab, TM_SL_FROZEN)) {
				bad = true;
				break;
			}
			if (++checked >= 16)
				break;
		}
		spin_unlock_irqrestore((spinlock_t *)tm_at(n, TM_KN_LIST_LOCK), flags);
		if (bad)
			return -EINVAL;
	}
	return checked;
}

/*
 * Can the memcg an object is charged to be read here? The vector member
 * must be there with the size of an unsigned long; 6.10+: struct
 * slabobj_ext must have the size and objcg offset this build's header
 * gives it; 7.0+: struct slab's stride (the vector's entries may be kept
 * inside the objects, one object size apart) must be a u32. No means
 * memcg=na in the reports, never a guess.
 */
static void tm_layout_memcg(void)
{
	struct tm_layout *l = &tm_layout;

	l->memcg = false;
	if (!TM_HAVE_MEMCG)
		l->memcg_why = "kernel_without_memcg";
	else if (!l->have[TM_SL_OBJV])
		l->memcg_why = "no_vector_member";
	else if (l->m[TM_SL_OBJV].size != sizeof(unsigned long) || l->m[TM_SL_OBJV].bits)
		l->memcg_why = "vector_member_size";
	else if (l->have[TM_SL_STRIDE] &&
		 (l->m[TM_SL_STRIDE].size != sizeof(u32) || l->m[TM_SL_STRIDE].bits))
		l->memcg_why = "slab_stride_size";
	else if (TM_OBJV_ELEM_STRUCT &&
		 (!l->have[TM_SOE_OBJCG] || l->soe_size != TM_OBJV_ELEM ||
		  l->m[TM_SOE_OBJCG].offset != TM_OBJV_OBJCG_OFF ||
		  l->m[TM_SOE_OBJCG].size != sizeof(void *)))
		l->memcg_why = "slabobj_ext_layout";
	else
		l->memcg = true;
	if (!l->memcg)
		pr_notice("memcg charges not readable (%s): memcg=na\n", l->memcg_why);
}

static int tm_layout_validate(void)
{
	void *tcp = tcp_prot.slab;
	void *tcp6 = NULL;
	bool found_tcp = false, found_tcp6 = false;
	struct list_head *pos;
	int n = 0, slabs_checked = 0, ret = 0;

#if IS_ENABLED(CONFIG_IPV6)
	tcp6 = tcpv6_prot.slab;
#endif
	if (tm_slab_caches->next->prev != tm_slab_caches) {
		pr_err("validate: slab_caches is not a list head; refusing to load\n");
		return -EINVAL;
	}
	mutex_lock(tm_slab_mutex);
	list_for_each(pos, tm_slab_caches) {
		void *s = (char *)pos - tm_layout.m[TM_KC_LIST].offset;

		if (++n > 100000 || !virt_addr_valid(pos) || pos->next->prev != pos) {
			pr_err("validate: slab_caches walk broken after %d entries\n", n);
			ret = -EINVAL;
			goto out;
		}
		found_tcp |= s == tcp;
		found_tcp6 |= s == tcp6;
	}
	if (!found_tcp || (tcp6 && !found_tcp6)) {
		pr_err("validate: tcp_prot.slab not on slab_caches via kmem_cache.list (offset %u)\n",
		       tm_layout.m[TM_KC_LIST].offset);
		ret = -EINVAL;
		goto out;
	}
	if (!tm_name_is(tcp, tcp_prot.name) || (tcp6 && !tm_name_is(tcp6, "TCPv6"))) {
		pr_err("validate: kmem_cache.name (offset %u) does not read back \"TCP\"\n",
		       tm_layout.m[TM_KC_NAME].offset);
		ret = -EINVAL;
		goto out;
	}
	if (tm_rd(tcp, TM_KC_OBJECT_SIZE) != kmem_cache_size(tcp_prot.slab)) {
		pr_err("validate: kmem_cache.object_size disagrees with kmem_cache_size()\n");
		ret = -EINVAL;
		goto out;
	}
	/* every cache: geometry and node counters; some: partial slabs */
	list_for_each(pos, tm_slab_caches) {
		void *s = (char *)pos - tm_layout.m[TM_KC_LIST].offset;
		int k;

		if (!tm_geometry_ok(s) || !tm_nodes_ok(s)) {
			pr_err("validate: kmem_cache size/oo/min or node counters inconsistent\n");
			ret = -EINVAL;
			goto out;
		}
		if (slabs_checked < 64) {
			k = tm_partial_ok(s);
			if (k < 0) {
				pr_err("validate: slab on a partial list does not point back at its cache\n");
				ret = -EINVAL;
				goto out;
			}
			slabs_checked += k;
		}
	}
	if (!slabs_checked) {
		pr_err("validate: no partial slab found to check the slab layout against\n");
		ret = -EINVAL;
	}
out:
	mutex_unlock(tm_slab_mutex);
	return ret;
}

int tm_layout_init(void)
{
	unsigned long a;
	struct tm_btf *btf;
	int ret, i;

	ret = tm_ksym_data("slab_caches", &a);
	if (ret) {
		pr_err("symbol slab_caches: not resolved as data (%d); refusing to load\n", ret);
		return ret;
	}
	tm_slab_caches = (struct list_head *)a;
	ret = tm_ksym_data("slab_mutex", &a);
	if (ret) {
		pr_err("symbol slab_mutex: not resolved as data (%d); refusing to load\n", ret);
		return ret;
	}
	tm_slab_mutex = (struct mutex *)a;

	ret = tm_btf_load(&btf);
	if (ret) {
		pr_err("BTF: cannot read /sys/kernel/btf/vmlinux (%d); refusing to load\n", ret);
		return ret;
	}
	ret = tm_layout_resolve(btf);
	for (i = 0; i < TM_NR_HELD; i++) {
		u32 id;

		if (tm_btf_struct(btf, tm_held_name[i], &id, &tm_layout.held_size[i]))
			tm_layout.held_size[i] = 0;
	}
	tm_layout.approx_btf = tm_btf_has_func(btf, "count_partial_free_approx");
	tm_btf_free(btf);
	/* compat.h: the version decides; a BTF entry proves it on any version */
	tm_layout.slabinfo_approx = TM_SLABINFO_APPROX || tm_layout.approx_btf;
	if (!TM_SLABINFO_APPROX && tm_layout.approx_btf)
		pr_info("count_partial_free_approx() is in BTF before 6.10: /proc/slabinfo approximates here\n");
	if (ret)
		return ret;
	ret = tm_layout_nodes();
	if (ret)
		return ret;
	tm_layout_memcg();
	return tm_layout_validate();
}

int tm_layout_show(struct seq_file *m)
{
	const struct tm_layout *l = &tm_layout;
	int i;

	seq_printf(m, "struct=kmem_cache size=%u\n", l->kc_size);
	if (l->pnp_size)
		seq_printf(m, "struct=kmem_cache_per_node_ptrs size=%u\n", l->pnp_size);
	for (i = 0; i < TM_NR_FIELDS; i++) {
		const struct tm_member *f = &l->m[i];

		if (!l->have[i])
			continue;
		seq_printf(m, "struct=%s member=%s offset=%u size=%u", l->sname[i],
			   l->mname[i], f->offset, f->size);
		if (f->bits)
			seq_printf(m, " bit_offset=%u bits=%u", f->bit_offset, f->bits);
		seq_putc(m, '\n');
	}
	for (i = 0; i < TM_NR_FIELDS; i++)
		if (!l->have[i])
			seq_printf(m, "struct=%s member=%s absent\n", tm_fields[i].sname,
				   tm_fields[i].mname);
	for (i = 0; i < TM_NR_HELD; i++) {
		if (l->held_size[i])
			seq_printf(m, "struct=%s size=%u\n", tm_held_name[i], l->held_size[i]);
		else
			seq_printf(m, "struct=%s absent\n", tm_held_name[i]);
	}
	if (l->soe_size)
		seq_printf(m, "struct=slabobj_ext size=%u\n", l->soe_size);
	seq_printf(m, "memcg=%d reason=%s vector_elem=%zu\n", l->memcg,
		   l->memcg ? "-" : l->memcg_why, (size_t)TM_OBJV_ELEM);
	seq_printf(m, "func=count_partial_free_approx present=%d\n", l->approx_btf);
	seq_printf(m, "slabinfo_approx=%d by_version=%d by_btf=%d\n", l->slabinfo_approx,
		   TM_SLABINFO_APPROX, l->approx_btf);
	return 0;
}
