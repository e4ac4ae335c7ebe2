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

#include "tcpmem/tcpmem.h"

struct tm_snapshot *tm_snapshot_take(void)
{
	struct tm_snapshot *snap;
	int ret;

	snap = kvzalloc(sizeof(*snap), GFP_KERNEL);
	if (!snap)
		return ERR_PTR(-ENOMEM);
	ret = tm_snapshot_caches(snap);
	if (!ret)
		ret = tm_snapshot_zones(snap);
	if (!ret)
		ret = tm_snapshot_tcp(snap);
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
	kvfree(snap);
}

/* seq_file open/release for files whose show() renders one snapshot */
int tm_snapshot_open(struct file *file, int (*show)(struct seq_file *, void *))
{
	struct tm_snapshot *snap = tm_snapshot_take();
	int ret;

	if (IS_ERR(snap))
		return PTR_ERR(snap);
	ret = single_open_size(file, show, snap, 16384);
	if (ret)
		tm_snapshot_put(snap);
	return ret;
}

int tm_snapshot_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;

	tm_snapshot_put(m->private);
	return single_release(inode, file);
}
