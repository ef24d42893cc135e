/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault-injection points of the gunyah-dkms stack (see
 * docs/fault-injection.md). Each point has the kernel's selection knobs
 * (probability, interval, times, space, verbose): on a kernel built with
 * CONFIG_FAULT_INJECTION_DEBUG_FS they are the kernel's own fault_attr,
 * elsewhere (stock distribution kernels) gunyah.ko implements the same
 * knobs with the same names and meaning. The implementation lives in
 * src/knob/fault_attr.c (gunyah.ko) and is shared with gunyah_rsc_mgr.ko.
 */

#ifndef _GUNYAH_FAULT_H
#define _GUNYAH_FAULT_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/types.h>

#if IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS)
#define GUNYAH_FAULT_KERNEL_ATTR	1
#endif

/**
 * struct gunyah_fault - Selection knobs of one fault-injection point
 * @attr: the kernel's fault attribute where it has one; elsewhere its
 *        knobs by the same names
 * @attr.probability: percent of eligible calls that fail, 0..100; 0 disarms
 * @attr.interval: only every interval-th eligible call may fail (0, 1: all)
 * @attr.times: failures left; -1 is unlimited
 * @attr.space: bytes of eligible calls to let through before failing
 * @attr.verbose: 0 silent, 1 a log line per injection, 2 also a stack dump
 * @attr.count: eligible calls seen, for interval
 *
 * Initialise with %GUNYAH_FAULT_INIT. Disarmed (probability 0) the hot
 * path costs one READ_ONCE() in gunyah_fault_armed().
 */
struct gunyah_fault {
#ifdef GUNYAH_FAULT_KERNEL_ATTR
	struct fault_attr attr;
#else
	struct {
		unsigned long probability;
		unsigned long interval;
		atomic_t times;
		atomic_t space;
		unsigned long verbose;
		atomic_long_t count;
	} attr;
#endif
};

#ifdef GUNYAH_FAULT_KERNEL_ATTR
#define GUNYAH_FAULT_INIT { .attr = FAULT_ATTR_INITIALIZER }
#else
#define GUNYAH_FAULT_INIT						\
	{ .attr = { .interval = 1, .times = ATOMIC_INIT(1), .verbose = 1 } }
#endif

/**
 * gunyah_fault_armed() - Can this point fail at all?
 * @f: the fault-injection point
 *
 * Return: false when the probability is 0 (the cheap check for hot paths).
 */
static inline bool gunyah_fault_armed(const struct gunyah_fault *f)
{
	return READ_ONCE(f->attr.probability) != 0;
}

/**
 * gunyah_fault_verbose() - The point's verbosity
 * @f: the fault-injection point
 *
 * Return: 0, 1 (log line per injection) or 2 (and a stack dump).
 */
static inline unsigned long gunyah_fault_verbose(const struct gunyah_fault *f)
{
	return READ_ONCE(f->attr.verbose);
}

extern const struct kernel_param_ops gunyah_fault_param_ops;
#define GUNYAH_FAULT_PARAM_DESC \
	"Arm at load: <interval>,<probability>,<space>,<times>"

void gunyah_fault_init(struct gunyah_fault *f);
bool gunyah_fault_should_fail(struct gunyah_fault *f, size_t size);
void gunyah_fault_dump(struct gunyah_fault *f);
struct dentry *gunyah_fault_create_debugfs(const char *name,
					   struct dentry *parent,
					   struct gunyah_fault *f);
ssize_t gunyah_fault_attr_write(struct file *file, const char __user *buf,
				size_t len, loff_t *ppos);
ssize_t gunyah_fault_attr_write_signed(struct file *file,
				       const char __user *buf, size_t len,
				       loff_t *ppos);

/*
 * A DEFINE_DEBUGFS_ATTRIBUTE() attribute whose refused writes (bad
 * number, value out of range) are logged. Create it with
 * debugfs_create_file_unsafe().
 */
#define __GUNYAH_FAULT_ATTRIBUTE(__fops, __get, __set, __fmt, __write)	\
	DEFINE_DEBUGFS_ATTRIBUTE(__fops ## _simple, __get, __set, __fmt);	\
	static int __fops ## _open(struct inode *inode, struct file *file) \
	{								\
		return __fops ## _simple.open(inode, file);		\
	}								\
	static const struct file_operations __fops = {			\
		.owner	 = THIS_MODULE,					\
		.open	 = __fops ## _open,				\
		.release = simple_attr_release,				\
		.read	 = debugfs_attr_read,				\
		.write	 = __write,					\
		.llseek	 = noop_llseek,					\
	}

#define GUNYAH_FAULT_ATTRIBUTE(__fops, __get, __set, __fmt)		\
	__GUNYAH_FAULT_ATTRIBUTE(__fops, __get, __set, __fmt,		\
				 gunyah_fault_attr_write)
#define GUNYAH_FAULT_ATTRIBUTE_SIGNED(__fops, __get, __set, __fmt)	\
	__GUNYAH_FAULT_ATTRIBUTE(__fops, __get, __set, __fmt,		\
				 gunyah_fault_attr_write_signed)

#endif /* _GUNYAH_FAULT_H */
