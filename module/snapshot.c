// SPDX-License-Identifier: GPL-2.0
/*
 * A snapshot is taken when a report file is opened and freed when it is
 * released: every section of one read comes from the same moment, and no
 * lock is held while user space reads slowly.
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "tcpmem/walk.h"

/* FILE: the report file being opened; its opener decides the netns shown */
struct tm_snapshot *tm_snapshot_take(const struct file *file, unsigned int what)
{
	struct tm_snapshot *snap;
	int ret = 0;

	/*
	 * vmalloc: order-0 pages from the per-CPU lists. A multi-page kmalloc
	 * could split a buddy block while the zones are read, and the report
	 * would show its own footprint. Charged to the reader's memcg, as
	 * every allocation a read makes.
	 */
	snap = __vmalloc(sizeof(*snap), GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!snap)
		return ERR_PTR(-ENOMEM);
	/*
	 * Slab: before the walks allocate: their tables are kmalloc'd and
	 * would count in SUnreclaim until the file is closed (7.2: 48 KiB).
	 */
	if (what & TM_SNAP_TCP)
		tm_snapshot_meminfo(&snap->mem);
	/* the cost model needs the caches wherever sockets are costed */
	if (what & (TM_SNAP_CACHES | TM_SNAP_TCP))
		ret = tm_snapshot_caches(snap);
	if (!ret && (what & (TM_SNAP_ZONES | TM_SNAP_PAGETYPES)))
		ret = tm_snapshot_zones(snap, what & TM_SNAP_PAGETYPES);
	if (!ret && (what & TM_SNAP_TCP))
		ret = tm_snapshot_tcp(snap, file, what);
	if (ret) {
		tm_snapshot_put(snap);
		return ERR_PTR(ret);
	}
	return snap;
}

void tm_snapshot_put(struct tm_snapshot *snap)
{
	if (IS_ERR_OR_NULL(snap))
		return;
	tm_snapshot_free_tcp(snap);
	tm_snapshot_free_zones(snap);
	tm_snapshot_free_caches(snap);
	vfree(snap);
}

/* the walk time of the last snapshot rendered and released (debugfs walk) */
static DEFINE_SPINLOCK(tm_time_lock);
static struct tm_walk_time tm_time_last;
static u64 tm_time_seq;

u64 tm_walk_time_last(struct tm_walk_time *out)
{
	u64 seq;

	spin_lock(&tm_time_lock);
	*out = tm_time_last;
	seq = tm_time_seq;
	spin_unlock(&tm_time_lock);
	return seq;
}

/* the file's show(), timed: seq_file calls it again with a bigger buffer */
static int tm_snapshot_show(struct seq_file *m, void *v)
{
	struct tm_snapshot *snap = m->private;
	u64 t0 = ktime_get_ns();
	int ret = snap->show(m, v);

	snap->time.phase_ns[TM_PH_RENDER] += ktime_get_ns() - t0;
	snap->time.render_calls++;
	return ret;
}

/*
 * Files that print one record per netns or per cgroup record: a seq_file
 * iterator over the items, so the buffer holds what one item prints (a
 * page, doubled while one item does not fit) whatever the number of netns.
 * *pos is the item's index, the iterator value that index plus one.
 */
static void *tm_items_start(struct seq_file *m, loff_t *pos)
{
	struct tm_snapshot *snap = m->private;

	/* read: released as the last snapshot even with no item to show */
	snap->read = true;
	if (*pos >= snap->nr_items(snap))
		return NULL;
	return (void *)(unsigned long)(*pos + 1);
}

static void *tm_items_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return tm_items_start(m, pos);
}

static void tm_items_stop(struct seq_file *m, void *v)
{
}

static int tm_items_show(struct seq_file *m, void *v)
{
	struct tm_snapshot *snap = m->private;
	u64 t0 = ktime_get_ns();

	snap->show_item(m, snap, (unsigned long)v - 1);
	snap->time.phase_ns[TM_PH_RENDER] += ktime_get_ns() - t0;
	snap->time.render_calls++;
	return 0;
}

static const struct seq_operations tm_items_ops = {
	.start	= tm_items_start,
	.next	= tm_items_next,
	.stop	= tm_items_stop,
	.show	= tm_items_show,
};

static struct tm_snapshot *tm_snapshot_take_timed(struct file *file, unsigned int what)
{
	u64 t0 = ktime_get_ns();
	struct tm_snapshot *snap = tm_snapshot_take(file, what);

	if (IS_ERR(snap))
		return snap;
	snap->time.take_ns = ktime_get_ns() - t0;
	snap->time.what = what;
	/* a proc or debugfs file: its dentry is pinned by the open file, never renamed */
	strscpy(snap->time.file, file->f_path.dentry->d_name.name, sizeof(snap->time.file));
	return snap;
}

/* seq_file open for files whose show() renders one snapshot */
int tm_snapshot_open(struct file *file, int (*show)(struct seq_file *, void *),
		     unsigned int what)
{
	struct tm_snapshot *snap = tm_snapshot_take_timed(file, what);
	int ret;

	if (IS_ERR(snap))
		return PTR_ERR(snap);
	snap->show = show;
	ret = single_open_size(file, tm_snapshot_show, snap, 16384);
	if (ret)
		tm_snapshot_put(snap);
	return ret;
}

/* seq_file open for files of @nr_items records, each printed by @show_item */
int tm_snapshot_open_items(struct file *file, int (*nr_items)(const struct tm_snapshot *),
			   void (*show_item)(struct seq_file *, const struct tm_snapshot *, int),
			   unsigned int what)
{
	struct tm_snapshot *snap = tm_snapshot_take_timed(file, what);
	int ret;

	if (IS_ERR(snap))
		return PTR_ERR(snap);
	snap->nr_items = nr_items;
	snap->show_item = show_item;
	ret = seq_open(file, &tm_items_ops);
	if (ret) {
		tm_snapshot_put(snap);
		return ret;
	}
	((struct seq_file *)file->private_data)->private = snap;
	return 0;
}

int tm_snapshot_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct tm_snapshot *snap = m->private;
	bool items = m->op == &tm_items_ops;

	/* a snapshot that was rendered (or read, if it has no items) is the last one */
	if (snap->time.render_calls || snap->read) {
		spin_lock(&tm_time_lock);
		tm_time_last = snap->time;
		tm_time_seq++;
		spin_unlock(&tm_time_lock);
	}
	tm_snapshot_put(snap);
	return items ? seq_release(inode, file) : single_release(inode, file);
}
