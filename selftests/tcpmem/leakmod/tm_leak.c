// SPDX-License-Identifier: GPL-2.0
/*
 * tm_leak: a test module that leaks one kmalloc() on load, on purpose, so
 * that test_zz_kmemleak.sh can show its after-rmmod check finds a leak made
 * by a module that is gone. Built only for the kmemleak (sanitizer) kernel;
 * never part of tcpmem.ko.
 */
#include <linux/module.h>
#include <linux/slab.h>

static int __init tm_leak_init(void)
{
	/* nothing keeps the pointer: kmemleak must call it unreferenced */
	if (!kmalloc(200, GFP_KERNEL))
		return -ENOMEM;
	pr_info("tm_leak: leaked one 200-byte object on purpose\n");
	return 0;
}

static void __exit tm_leak_exit(void)
{
}

module_init(tm_leak_init);
module_exit(tm_leak_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tcpmem selftest: leaks one object on load (kmemleak check)");
