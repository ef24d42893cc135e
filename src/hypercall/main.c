// SPDX-License-Identifier: GPL-2.0-only
/*
 * gunyah.ko's entry: the /sys/kernel/debug/gunyah/ root with
 * fail_hypercall's knobs, and the arm64 HVC backend's platform driver,
 * which registers that backend with hypercall.c once a Gunyah node binds.
 */

#define pr_fmt(fmt) "gunyah: " fmt

#include <linux/debugfs.h>
#include <linux/module.h>

#include "gunyah.h"
#include "hypercall/backend.h"
#include "hypercall/fault_inject.h"

static struct dentry *gunyah_debugfs;

/**
 * gunyah_debugfs_root() - The /sys/kernel/debug/gunyah/ directory
 *
 * Return: the directory's dentry; an error pointer if debugfs is not
 * available (debugfs calls accept that as a parent and do nothing).
 */
struct dentry *gunyah_debugfs_root(void)
{
	return gunyah_debugfs;
}
EXPORT_SYMBOL_GPL(gunyah_debugfs_root);

static int __init gunyah_init(void)
{
	int ret;

	gunyah_debugfs = debugfs_create_dir("gunyah", NULL);
	if (IS_ERR(gunyah_debugfs))
		pr_info("debugfs unavailable (%ld); no debug knobs\n",
			PTR_ERR(gunyah_debugfs));
	gunyah_fail_hypercall_debugfs_init(gunyah_debugfs);

	/* Not an error if this is not Gunyah: the simulator may register */
	ret = gunyah_arm64_hvc_init();
	if (ret)
		debugfs_remove_recursive(gunyah_debugfs);
	return ret;
}
module_init(gunyah_init);

static void __exit gunyah_exit(void)
{
	gunyah_arm64_hvc_exit();
	debugfs_remove_recursive(gunyah_debugfs);
}
module_exit(gunyah_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Gunyah hypercall interface");
