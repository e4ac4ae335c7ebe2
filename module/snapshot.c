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

/* seq_file open/release for files whose show() renders one snapshot */
int tm_snapshot_open(struct file *file, int (*show)(struct seq_file *, void *),
		     unsigned int what)
{
	u64 t0 = ktime_get_ns();
	struct tm_snapshot *snap = tm_snapshot_take(file, what);
	int ret;

	if (IS_ERR(snap))
		return PTR_ERR(snap);
	snap->time.take_ns = ktime_get_ns() - t0;
	snap->time.what = what;
	/* a proc or debugfs file: its dentry is pinned by the open file, never renamed */
	strscpy(snap->time.file, file->f_path.dentry->d_name.name, sizeof(snap->time.file));
	snap->show = show;
	ret = single_open_size(file, tm_snapshot_show, snap, 16384);
	if (ret)
		tm_snapshot_put(snap);
	return ret;
}

int tm_snapshot_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct tm_snapshot *snap = m->private;

	/* a snapshot that was rendered is the last completed one */
	if (snap->time.render_calls) {
		spin_lock(&tm_time_lock);
		tm_time_last = snap->time;
		tm_time_seq++;
		spin_unlock(&tm_time_lock);
	}
	tm_snapshot_put(snap);
	return single_release(inode, file);
}
