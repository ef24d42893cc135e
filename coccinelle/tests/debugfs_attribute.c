// SPDX-License-Identifier: GPL-2.0-only
/* Bad examples: both must be reported by debugfs_attribute.cocci */
#include <linux/debugfs.h>

static u64 value;

static int value_get(void *data, u64 *val)
{
	*val = value;
	return 0;
}

static int value_set(void *data, u64 val)
{
	value = val;
	return 0;
}

DEFINE_SIMPLE_ATTRIBUTE(old_fops, value_get, value_set, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(new_fops, value_get, value_set, "%llu\n");

void create(struct dentry *dir)
{
	debugfs_create_file_unsafe("good", 0600, dir, NULL, &new_fops);
	debugfs_create_file("twice_protected", 0600, dir, NULL, &new_fops);
	debugfs_create_file("old", 0600, dir, NULL, &old_fops);
}
