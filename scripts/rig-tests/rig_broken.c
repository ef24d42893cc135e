// SPDX-License-Identifier: GPL-2.0-only
/*
 * Negative control of the VM test rig: a module that warns on load. A run
 * that loads it must fail on the kernel splat.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init rig_broken_init(void)
{
	WARN(1, "gunyah rig negative control: deliberate warning\n");
	return 0;
}
module_init(rig_broken_init);

static void __exit rig_broken_exit(void)
{
}
module_exit(rig_broken_exit);

MODULE_DESCRIPTION("Deliberately broken module for the VM test rig's self-test");
MODULE_LICENSE("GPL");
