// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/tcpmem: the report for people. One read is one snapshot, taken
 * when the file is opened and freed when it is released.
 */
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/utsname.h>

#include "tcpmem/view.h"

static struct proc_dir_entry *tm_proc;

static int tm_proc_show(struct seq_file *m, void *v)
{
	const struct tm_snapshot *snap = m->private;
	struct tm_cg_rank rank;

	seq_printf(m, "tcpmem %d kernel %s page %lu nodes %u netns ", TM_FORMAT_VERSION,
		   init_utsname()->release, PAGE_SIZE, num_online_nodes());
	tm_show_netns_visible(m, &snap->tcp);
	seq_putc(m, '\n');
	/* the cgroups ranked once, for the headline and their section */
	tm_cg_rank_get(snap, &rank);
	tm_show_headline(m, snap, &rank);
	tm_show_states(m, snap);
	tm_show_cgroups(m, snap, &rank);
	tm_cg_rank_free(&rank);
	tm_show_caches(m, snap);
	tm_show_zones(m, snap);
	return 0;
}

static int tm_proc_open(struct inode *inode, struct file *file)
{
	return tm_snapshot_open(file, tm_proc_show, TM_SNAP_ALL);
}

static const struct proc_ops tm_proc_ops = {
	.proc_open	= tm_proc_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= tm_snapshot_release,
};

int tm_procfs_init(void)
{
	tm_proc = proc_create("tcpmem", 0400, NULL, &tm_proc_ops);
	if (!tm_proc) {
		pr_err("cannot create /proc/tcpmem\n");
		return -ENOMEM;
	}
	return 0;
}

void tm_procfs_exit(void)
{
	proc_remove(tm_proc);
}
