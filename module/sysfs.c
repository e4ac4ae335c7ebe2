// SPDX-License-Identifier: GPL-2.0
/*
 * The module's own view of sysfs: a kernel-internal sysfs mount, made at
 * load and dropped at unload. BTF (kernel/btf/vmlinux) and the slab aliases
 * (kernel/slab/) are looked up under its root, never through the caller's
 * root and mount namespace: a chroot without /sys, a container, or a tmpfs
 * or FUSE mount over /sys/kernel/slab changes nothing the module reads.
 *
 * The mount is made from a kworker, whose netns, root and credentials are
 * the kernel's own: the superblock is init_net's whatever netns insmod
 * runs in, and no reference to that netns is kept.
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/workqueue.h>

#include "tcpmem/resolve.h"

static struct vfsmount *tm_sysfs_mnt;

struct tm_mount_work {
	struct work_struct work;
	struct vfsmount *mnt;
};

static void tm_sysfs_mount_fn(struct work_struct *work)
{
	struct tm_mount_work *w = container_of(work, struct tm_mount_work, work);
	struct file_system_type *type = get_fs_type("sysfs");

	if (!type) {
		w->mnt = ERR_PTR(-ENODEV);
		return;
	}
	w->mnt = kern_mount(type);
	module_put(type->owner);	/* put_filesystem(): sysfs is built in */
}

int tm_sysfs_init(void)
{
	struct tm_mount_work w;

	INIT_WORK_ONSTACK(&w.work, tm_sysfs_mount_fn);
	schedule_work(&w.work);
	flush_work(&w.work);
	destroy_work_on_stack(&w.work);
	if (IS_ERR(w.mnt)) {
		pr_err("cannot mount a private sysfs (%ld); refusing to load\n", PTR_ERR(w.mnt));
		return PTR_ERR(w.mnt);
	}
	tm_sysfs_mnt = w.mnt;
	return 0;
}

void tm_sysfs_exit(void)
{
	if (!IS_ERR_OR_NULL(tm_sysfs_mnt))
		kern_unmount(tm_sysfs_mnt);
	tm_sysfs_mnt = NULL;
}

/* NAME relative to the sysfs root ("kernel/slab/TCP"); a last symlink is not followed */
int tm_sysfs_path(const char *name, struct path *path)
{
	return vfs_path_lookup(tm_sysfs_mnt->mnt_root, tm_sysfs_mnt, name, 0, path);
}

struct file *tm_sysfs_open(const char *name, int flags)
{
	struct path path;
	struct file *f;
	int ret;

	ret = vfs_path_lookup(tm_sysfs_mnt->mnt_root, tm_sysfs_mnt, name, LOOKUP_FOLLOW, &path);
	if (ret)
		return ERR_PTR(ret);
	f = dentry_open(&path, flags, current_cred());
	path_put(&path);
	return f;
}
