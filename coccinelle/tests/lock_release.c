// SPDX-License-Identifier: GPL-2.0-only
/* Bad examples: each return below must be reported by lock_release.cocci */
#include <linux/mutex.h>
#include <linux/rwsem.h>

struct thing {
	struct mutex lock;
	struct rw_semaphore sem;
	int busy;
};

int bad_mutex(struct thing *t)
{
	mutex_lock(&t->lock);
	if (t->busy)
		return -16;	/* leaves the mutex held */
	mutex_unlock(&t->lock);
	return 0;
}

int bad_rwsem(struct thing *t)
{
	down_write(&t->sem);
	if (t->busy)
		return -16;	/* leaves the semaphore held */
	up_write(&t->sem);
	return 0;
}

int bad_interruptible(struct thing *t)
{
	if (mutex_lock_interruptible(&t->lock))
		return -4;
	if (t->busy)
		return -16;	/* leaves the mutex held */
	mutex_unlock(&t->lock);
	return 0;
}

int good(struct thing *t)
{
	int ret = 0;

	mutex_lock(&t->lock);
	if (t->busy)
		ret = -16;
	mutex_unlock(&t->lock);
	return ret;
}
