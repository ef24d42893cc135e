// SPDX-License-Identifier: GPL-2.0-only
/* Bad examples: each call below must be reported by copy_from_user_checked.cocci */
#include <linux/uaccess.h>

long bad(void __user *uarg)
{
	char buf[16];
	u32 v;

	copy_from_user(buf, uarg, sizeof(buf));
	get_user(v, (u32 __user *)uarg);
	return buf[0] + v;
}

long good(void __user *uarg)
{
	char buf[16];

	if (copy_from_user(buf, uarg, sizeof(buf)))
		return -14;
	return buf[0];
}
