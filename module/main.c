// SPDX-License-Identifier: GPL-2.0
/*
 * tcpmem: what each TCP socket costs in kernel memory, from the live kernel.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "tcpmem/tcpmem.h"

static int __init tcpmem_init(void)
{
	int ret;

	ret = tm_sysfs_init();
	if (ret)
		return ret;
	ret = tm_layout_init();
	if (ret)
		goto err_sysfs;
	ret = tm_slab_init();
	if (ret)
		goto err_sysfs;
	ret = tm_params_init();
	if (ret)
		goto err_sysfs;
	ret = tm_debugfs_init();
	if (ret)
		goto err_params;
	ret = tm_procfs_init();
	if (ret)
		goto err_debugfs;
	pr_info("loaded: format %d\n", TM_FORMAT_VERSION);
	return 0;

err_debugfs:
	tm_debugfs_exit();
err_params:
	tm_params_exit();
err_sysfs:
	tm_sysfs_exit();
	return ret;
}

static void __exit tcpmem_exit(void)
{
	tm_procfs_exit();
	tm_debugfs_exit();
	tm_params_exit();
	tm_sysfs_exit();
}

module_init(tcpmem_init);
module_exit(tcpmem_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kernel memory cost of TCP sockets per state, from the live kernel");
MODULE_AUTHOR("tcpmem developers");
