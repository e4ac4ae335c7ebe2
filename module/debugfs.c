// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/tcpmem/: the same figures for scripts, one record per
 * line, key=value fields, exact integers.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/seq_file.h>

#include "tcpmem/view.h"

static struct dentry *tm_dir;

static int layout_show(struct seq_file *m, void *v)
{
	return tm_layout_show(m);
}
DEFINE_SHOW_ATTRIBUTE(layout);

/* what the last snapshot cost: copied out, then printed, no lock held */
static int walk_show(struct seq_file *m, void *v)
{
	struct tm_walk_time wt;
	u64 seq = tm_walk_time_last(&wt);

	tm_dbg_walk(m, &wt, seq);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(walk);

/* Snapshot-backed files: the snapshot is taken at open, freed at release. */
#define TM_SNAPSHOT_FOPS(name)							\
static const struct file_operations name##_fops = {			\
	.owner		= THIS_MODULE,					\
	.open		= name##_open,					\
	.read		= seq_read,					\
	.llseek		= seq_lseek,					\
	.release	= tm_snapshot_release,				\
}

/* files rendered by one show() */
#define TM_SNAPSHOT_FILE(name, what)						\
static int name##_show(struct seq_file *m, void *v)			\
{									\
	tm_dbg_##name(m, m->private);					\
	return 0;							\
}									\
static int name##_open(struct inode *inode, struct file *file)		\
{									\
	return tm_snapshot_open(file, name##_show, what);			\
}									\
TM_SNAPSHOT_FOPS(name)

/* files of one item per netns or cgroup record: a seq_file iterator over them */
#define TM_SNAPSHOT_ITEMS(name, nr, what)					\
static int name##_open(struct inode *inode, struct file *file)		\
{									\
	return tm_snapshot_open_items(file, nr, tm_dbg_##name, what);	\
}									\
TM_SNAPSHOT_FOPS(name)

TM_SNAPSHOT_FILE(caches, TM_SNAP_CACHES);
TM_SNAPSHOT_FILE(caches_nodes, TM_SNAP_CACHES);
TM_SNAPSHOT_FILE(zones, TM_SNAP_ZONES);
TM_SNAPSHOT_FILE(buddy, TM_SNAP_ZONES);
TM_SNAPSHOT_FILE(pagetypes, TM_SNAP_PAGETYPES);
TM_SNAPSHOT_FILE(orders, TM_SNAP_CACHES | TM_SNAP_ZONES);
TM_SNAPSHOT_FILE(nodes, TM_SNAP_CACHES | TM_SNAP_ZONES);
TM_SNAPSHOT_ITEMS(states, tm_nr_netns,
		  TM_SNAP_CACHES | TM_SNAP_ZONES | TM_SNAP_TCP | TM_SNAP_SOCKETS);
TM_SNAPSHOT_FILE(objects, TM_SNAP_CACHES);
/* the bind buckets: no socket walked */
TM_SNAPSHOT_ITEMS(shared, tm_nr_netns, TM_SNAP_CACHES | TM_SNAP_TCP);
TM_SNAPSHOT_FILE(totals, TM_SNAP_CACHES | TM_SNAP_ZONES | TM_SNAP_TCP | TM_SNAP_SOCKETS);
TM_SNAPSHOT_ITEMS(cgroups, tm_nr_cg,
		  TM_SNAP_CACHES | TM_SNAP_TCP | TM_SNAP_SOCKETS | TM_SNAP_CGROUPS);

int tm_debugfs_init(void)
{
	/*
	 * debugfs is optional: with debugfs=off (-EPERM) or without
	 * CONFIG_DEBUG_FS (-ENODEV) the module runs with /proc/tcpmem alone.
	 */
	tm_dir = debugfs_create_dir("tcpmem", NULL);
	if (IS_ERR_OR_NULL(tm_dir)) {
		pr_notice("debugfs unavailable (%ld): only /proc/tcpmem\n",
			  tm_dir ? PTR_ERR(tm_dir) : -ENOMEM);
		tm_dir = NULL;
		return 0;
	}
	debugfs_create_file("layout", 0400, tm_dir, NULL, &layout_fops);
	debugfs_create_file("caches", 0400, tm_dir, NULL, &caches_fops);
	debugfs_create_file("caches_nodes", 0400, tm_dir, NULL, &caches_nodes_fops);
	debugfs_create_file("zones", 0400, tm_dir, NULL, &zones_fops);
	debugfs_create_file("buddy", 0400, tm_dir, NULL, &buddy_fops);
	debugfs_create_file("pagetypes", 0400, tm_dir, NULL, &pagetypes_fops);
	debugfs_create_file("orders", 0400, tm_dir, NULL, &orders_fops);
	debugfs_create_file("nodes", 0400, tm_dir, NULL, &nodes_fops);
	debugfs_create_file("states", 0400, tm_dir, NULL, &states_fops);
	debugfs_create_file("objects", 0400, tm_dir, NULL, &objects_fops);
	debugfs_create_file("shared", 0400, tm_dir, NULL, &shared_fops);
	debugfs_create_file("totals", 0400, tm_dir, NULL, &totals_fops);
	debugfs_create_file("cgroups", 0400, tm_dir, NULL, &cgroups_fops);
	debugfs_create_file("walk", 0400, tm_dir, NULL, &walk_fops);
	return 0;
}

void tm_debugfs_exit(void)
{
	debugfs_remove_recursive(tm_dir);
	tm_dir = NULL;
}
