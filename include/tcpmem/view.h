/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpmem layer 4, views: /proc/tcpmem and the debugfs files, formatted from
 * one snapshot per open file, never under a lock.
 */
#ifndef TCPMEM_VIEW_H
#define TCPMEM_VIEW_H

#include "tcpmem/model.h"

#define TM_FORMAT_VERSION	3

/* ---- views ------------------------------------------------------------ */

void tm_show_caches(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_caches(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_caches_nodes(struct seq_file *m, const struct tm_snapshot *snap);
void tm_show_zones(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_zones(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_buddy(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_pagetypes(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_orders(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_nodes(struct seq_file *m, const struct tm_snapshot *snap);
void tm_cg_rank_get(const struct tm_snapshot *snap, struct tm_cg_rank *r);
void tm_cg_rank_free(struct tm_cg_rank *r);
void tm_show_headline(struct seq_file *m, const struct tm_snapshot *snap,
		      const struct tm_cg_rank *rank);
void tm_show_states(struct seq_file *m, const struct tm_snapshot *snap);
/* files of one item per netns (states, shared) or per cgroup record */
int tm_nr_netns(const struct tm_snapshot *snap);
int tm_nr_cg(const struct tm_snapshot *snap);
void tm_dbg_states(struct seq_file *m, const struct tm_snapshot *snap, int i);
void tm_dbg_objects(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_shared(struct seq_file *m, const struct tm_snapshot *snap, int i);
void tm_dbg_totals(struct seq_file *m, const struct tm_snapshot *snap);
void tm_dbg_cgroups(struct seq_file *m, const struct tm_snapshot *snap, int i);
void tm_show_cgroups(struct seq_file *m, const struct tm_snapshot *snap,
		     const struct tm_cg_rank *rank);
void tm_show_netns_visible(struct seq_file *m, const struct tm_tcp *t);
void tm_dbg_walk(struct seq_file *m, const struct tm_walk_time *wt, u64 seq);
int tm_procfs_init(void);
void tm_procfs_exit(void);
int tm_debugfs_init(void);
void tm_debugfs_exit(void);

#endif /* TCPMEM_VIEW_H */
