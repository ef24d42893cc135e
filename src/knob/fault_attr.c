// SPDX-License-Identifier: GPL-2.0-only
/*
 * The selection knobs of a fault-injection point (src/gunyah_fault.h):
 * probability, interval, times, space, verbose. They are the kernel's
 * fault_attr on kernels built with CONFIG_FAULT_INJECTION_DEBUG_FS, and
 * this file's own implementation of the same knobs elsewhere.
 */

#define pr_fmt(fmt) "gunyah: " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/random.h>

#include "gunyah_fault.h"

/**
 * gunyah_fault_init() - Finish initialising a fault-injection point
 * @f: a point initialised with %GUNYAH_FAULT_INIT
 *
 * Makes the kernel's fault_attr log one line per injection instead of a
 * stack dump (a stack dump reads as a kernel splat to test rigs). Call it
 * from module init; values set by a module parameter are kept.
 */
void gunyah_fault_init(struct gunyah_fault *f)
{
#ifdef GUNYAH_FAULT_KERNEL_ATTR
	f->attr.verbose = 1;
#endif
}
EXPORT_SYMBOL_GPL(gunyah_fault_init);

/*
 * A module parameter that arms a point at load, like setup_fault_attr():
 * "<interval>,<probability>,<space>,<times>"; -EINVAL (logged) if it is
 * malformed or out of range
 */
static int gunyah_fault_param_set(const char *str, const struct kernel_param *kp)
{
	struct gunyah_fault *f = kp->arg;
	const char *name = kp->name;
	unsigned long interval, probability, space;
	int times, n;
	char extra;

	n = sscanf(str, "%lu,%lu,%lu,%d%c", &interval, &probability, &space,
		   &times, &extra);
	if (n < 4 || (n == 5 && extra != '\n') || probability > 100 ||
	    space > INT_MAX || times < -1) {
		pr_warn("%s: refusing \"%.64s\": expected <interval>,<probability 0-100>,<space>,<times -1..>\n",
			name, str);
		return -EINVAL;
	}

	WRITE_ONCE(f->attr.interval, interval);
	atomic_set(&f->attr.space, space);
	atomic_set(&f->attr.times, times);
	WRITE_ONCE(f->attr.probability, probability);
	pr_info("%s: interval %lu, probability %lu%%, space %lu, times %d\n",
		name, interval, probability, space, times);
	return 0;
}

/* The parameter as it is set: the point's knobs */
static int gunyah_fault_param_get(char *buf, const struct kernel_param *kp)
{
	struct gunyah_fault *f = kp->arg;

	return scnprintf(buf, PAGE_SIZE, "%lu,%lu,%d,%d\n",
			 READ_ONCE(f->attr.interval),
			 READ_ONCE(f->attr.probability),
			 atomic_read(&f->attr.space), atomic_read(&f->attr.times));
}

/**
 * gunyah_fault_should_fail() - Decide whether one eligible call fails
 * @f: the fault-injection point
 * @size: bytes the call moves, consumed from the space knob
 *
 * Same decision as the kernel's should_fail(): no failure while times is
 * 0 or space is left, then only every interval-th call, with the given
 * probability. Each failure decrements times unless it is -1.
 *
 * Return: true if the call must fail.
 */
bool gunyah_fault_should_fail(struct gunyah_fault *f, size_t size)
{
#ifdef GUNYAH_FAULT_KERNEL_ATTR
	return should_fail(&f->attr, size);
#else
	unsigned long probability = READ_ONCE(f->attr.probability);
	unsigned long interval = READ_ONCE(f->attr.interval);

	if (!probability || !atomic_read(&f->attr.times))
		return false;
	if (atomic_read(&f->attr.space) > (ssize_t)size) {
		atomic_sub(size, &f->attr.space);
		return false;
	}
	if (interval > 1 &&
	    (unsigned long)atomic_long_inc_return(&f->attr.count) % interval)
		return false;
	if (probability <= get_random_u32_below(100))
		return false;
	/* Exactly "times" failures, even with concurrent callers */
	if (atomic_read(&f->attr.times) != -1 &&
	    !atomic_add_unless(&f->attr.times, -1, 0))
		return false;
	return true;
#endif
}
EXPORT_SYMBOL_GPL(gunyah_fault_should_fail);

/**
 * gunyah_fault_dump() - Dump the stack of an injection if verbose is 2
 * @f: the fault-injection point that just injected a fault
 *
 * The kernel's fault_attr dumps the stack itself in should_fail().
 */
void gunyah_fault_dump(struct gunyah_fault *f)
{
#ifndef GUNYAH_FAULT_KERNEL_ATTR
	if (gunyah_fault_verbose(f) >= 2)
		dump_stack();
#endif
}
EXPORT_SYMBOL_GPL(gunyah_fault_dump);

static ssize_t gunyah_fault_write_result(struct file *file, ssize_t ret)
{
	if (ret < 0)
		pr_warn("%pD2: write refused: %pe\n", file, ERR_PTR(ret));
	return ret;
}

/**
 * gunyah_fault_attr_write() - debugfs_attr_write() that logs a refusal
 * @file: the attribute's file
 * @buf: what userspace wrote
 * @len: its length
 * @ppos: file position
 *
 * Return: @len, or a negative errno (logged).
 */
ssize_t gunyah_fault_attr_write(struct file *file, const char __user *buf,
				size_t len, loff_t *ppos)
{
	return gunyah_fault_write_result(file, debugfs_attr_write(file, buf, len, ppos));
}
EXPORT_SYMBOL_GPL(gunyah_fault_attr_write);

/**
 * gunyah_fault_attr_write_signed() - debugfs_attr_write_signed() that logs
 *                                    a refusal
 * @file: the attribute's file
 * @buf: what userspace wrote
 * @len: its length
 * @ppos: file position
 *
 * Return: @len, or a negative errno (logged).
 */
ssize_t gunyah_fault_attr_write_signed(struct file *file,
				       const char __user *buf, size_t len,
				       loff_t *ppos)
{
	return gunyah_fault_write_result(file,
					 debugfs_attr_write_signed(file, buf, len, ppos));
}
EXPORT_SYMBOL_GPL(gunyah_fault_attr_write_signed);

#ifndef GUNYAH_FAULT_KERNEL_ATTR
/* Each attribute's data is its field of struct gunyah_fault */
static int gf_ulong_get(void *data, u64 *val)
{
	*val = READ_ONCE(*(unsigned long *)data);
	return 0;
}

static int gf_ulong_set(unsigned long *field, u64 val, u64 max)
{
	if (val > max)
		return -EINVAL;
	WRITE_ONCE(*field, val);
	return 0;
}

static int gf_probability_set(void *data, u64 val)
{
	return gf_ulong_set(data, val, 100);
}

static int gf_interval_set(void *data, u64 val)
{
	return gf_ulong_set(data, val, ULONG_MAX);
}

static int gf_verbose_set(void *data, u64 val)
{
	return gf_ulong_set(data, val, 2);
}

/* times prints -1 (no limit) as such; space is never negative */
static int gf_atomic_get(void *data, u64 *val)
{
	*val = (s64)atomic_read(data);
	return 0;
}

static int gf_times_set(void *data, u64 val)
{
	s64 v = (s64)val;

	if (v < -1 || v > INT_MAX)
		return -EINVAL;
	atomic_set(data, v);
	return 0;
}

static int gf_space_set(void *data, u64 val)
{
	if (val > INT_MAX)
		return -EINVAL;
	atomic_set(data, val);
	return 0;
}

GUNYAH_FAULT_ATTRIBUTE(gf_probability_fops, gf_ulong_get, gf_probability_set,
		       "%llu\n");
GUNYAH_FAULT_ATTRIBUTE(gf_interval_fops, gf_ulong_get, gf_interval_set,
		       "%llu\n");
GUNYAH_FAULT_ATTRIBUTE(gf_verbose_fops, gf_ulong_get, gf_verbose_set, "%llu\n");
GUNYAH_FAULT_ATTRIBUTE_SIGNED(gf_times_fops, gf_atomic_get, gf_times_set,
			      "%lld\n");
GUNYAH_FAULT_ATTRIBUTE(gf_space_fops, gf_atomic_get, gf_space_set, "%llu\n");
#endif /* !GUNYAH_FAULT_KERNEL_ATTR */

/**
 * gunyah_fault_create_debugfs() - Create a point's directory and its
 *                                 selection knobs
 * @name: the directory's name
 * @parent: where to create it
 * @f: the fault-injection point
 *
 * Return: the directory (add payload knobs to it), or an error pointer,
 * which debugfs functions accept as a parent and ignore.
 */
struct dentry *gunyah_fault_create_debugfs(const char *name,
					   struct dentry *parent,
					   struct gunyah_fault *f)
{
#ifdef GUNYAH_FAULT_KERNEL_ATTR
	return fault_create_debugfs_attr(name, parent, &f->attr);
#else
	struct dentry *dir = debugfs_create_dir(name, parent);

	debugfs_create_file_unsafe("probability", 0600, dir,
				   &f->attr.probability, &gf_probability_fops);
	debugfs_create_file_unsafe("interval", 0600, dir, &f->attr.interval,
				   &gf_interval_fops);
	debugfs_create_file_unsafe("times", 0600, dir, &f->attr.times,
				   &gf_times_fops);
	debugfs_create_file_unsafe("space", 0600, dir, &f->attr.space,
				   &gf_space_fops);
	debugfs_create_file_unsafe("verbose", 0600, dir, &f->attr.verbose,
				   &gf_verbose_fops);
	return dir;
#endif
}
EXPORT_SYMBOL_GPL(gunyah_fault_create_debugfs);

/*
 * A module parameter that arms a point at load: module_param_cb(name,
 * &gunyah_fault_param_ops, &point, 0600), described by
 * GUNYAH_FAULT_PARAM_DESC.
 */
const struct kernel_param_ops gunyah_fault_param_ops = {
	.set = gunyah_fault_param_set,
	.get = gunyah_fault_param_get,
};
EXPORT_SYMBOL_GPL(gunyah_fault_param_ops);
