// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection for the Gunyah stack.
 *
 * The selection knobs (probability, interval, times, space, verbose) are
 * the kernel's fault_attr on kernels built with
 * CONFIG_FAULT_INJECTION_DEBUG_FS, and this file's own implementation of
 * the same knobs elsewhere; gunyah_rsc_mgr.ko uses them too.
 *
 * fail_hypercall (/sys/kernel/debug/gunyah/fail_hypercall/) makes the
 * hypercall wrappers return a chosen gunyah_error without calling the
 * backend, for any backend (arm64 HVC or the simulator).
 */

#define pr_fmt(fmt) "gunyah: " fmt

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "hypercall/fault_inject.h"

#define CREATE_TRACE_POINTS
#include "hypercall/hc_trace.h"

/* ---- the selection knobs ---- */

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

/**
 * gunyah_fault_setup() - Arm a point from a setup_fault_attr() style string
 * @f: the fault-injection point
 * @name: the point's name, for the log
 * @str: "<interval>,<probability>,<space>,<times>"
 *
 * Return: 0, or -EINVAL (logged) if @str is malformed or out of range.
 */
int gunyah_fault_setup(struct gunyah_fault *f, const char *name,
		       const char *str)
{
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

#ifdef GUNYAH_FAULT_KERNEL_ATTR
	f->attr.interval = interval;
	atomic_set(&f->attr.space, space);
	atomic_set(&f->attr.times, times);
	WRITE_ONCE(f->attr.probability, probability);
#else
	WRITE_ONCE(f->interval, interval);
	atomic_set(&f->space, space);
	atomic_set(&f->times, times);
	WRITE_ONCE(f->probability, probability);
#endif
	pr_info("%s: interval %lu, probability %lu%%, space %lu, times %d\n",
		name, interval, probability, space, times);
	return 0;
}
EXPORT_SYMBOL_GPL(gunyah_fault_setup);

/**
 * gunyah_fault_show() - Format a point's knobs like gunyah_fault_setup() takes
 * @f: the fault-injection point
 * @buf: a module parameter's PAGE_SIZE buffer
 *
 * Return: the number of characters written.
 */
int gunyah_fault_show(struct gunyah_fault *f, char *buf)
{
#ifdef GUNYAH_FAULT_KERNEL_ATTR
	return scnprintf(buf, PAGE_SIZE, "%lu,%lu,%d,%d\n", f->attr.interval,
			 READ_ONCE(f->attr.probability),
			 atomic_read(&f->attr.space),
			 atomic_read(&f->attr.times));
#else
	return scnprintf(buf, PAGE_SIZE, "%lu,%lu,%d,%d\n", READ_ONCE(f->interval),
			 READ_ONCE(f->probability), atomic_read(&f->space),
			 atomic_read(&f->times));
#endif
}
EXPORT_SYMBOL_GPL(gunyah_fault_show);

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
	unsigned long probability = READ_ONCE(f->probability);
	unsigned long interval = READ_ONCE(f->interval);

	if (!probability || !atomic_read(&f->times))
		return false;
	if (atomic_read(&f->space) > (ssize_t)size) {
		atomic_sub(size, &f->space);
		return false;
	}
	if (interval > 1 &&
	    (unsigned long)atomic_long_inc_return(&f->count) % interval)
		return false;
	if (probability <= get_random_u32_below(100))
		return false;
	/* Exactly "times" failures, even with concurrent callers */
	if (atomic_read(&f->times) != -1 && !atomic_add_unless(&f->times, -1, 0))
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
static int gf_probability_get(void *data, u64 *val)
{
	*val = READ_ONCE(((struct gunyah_fault *)data)->probability);
	return 0;
}

static int gf_probability_set(void *data, u64 val)
{
	if (val > 100)
		return -EINVAL;
	WRITE_ONCE(((struct gunyah_fault *)data)->probability, val);
	return 0;
}
GUNYAH_FAULT_ATTRIBUTE(gf_probability_fops, gf_probability_get,
		       gf_probability_set, "%llu\n");

static int gf_interval_get(void *data, u64 *val)
{
	*val = READ_ONCE(((struct gunyah_fault *)data)->interval);
	return 0;
}

static int gf_interval_set(void *data, u64 val)
{
	WRITE_ONCE(((struct gunyah_fault *)data)->interval, val);
	return 0;
}
GUNYAH_FAULT_ATTRIBUTE(gf_interval_fops, gf_interval_get, gf_interval_set,
		       "%llu\n");

static int gf_times_get(void *data, u64 *val)
{
	*val = (s64)atomic_read(&((struct gunyah_fault *)data)->times);
	return 0;
}

static int gf_times_set(void *data, u64 val)
{
	s64 v = (s64)val;

	if (v < -1 || v > INT_MAX)
		return -EINVAL;
	atomic_set(&((struct gunyah_fault *)data)->times, v);
	return 0;
}
GUNYAH_FAULT_ATTRIBUTE_SIGNED(gf_times_fops, gf_times_get, gf_times_set,
			      "%lld\n");

static int gf_space_get(void *data, u64 *val)
{
	*val = atomic_read(&((struct gunyah_fault *)data)->space);
	return 0;
}

static int gf_space_set(void *data, u64 val)
{
	if (val > INT_MAX)
		return -EINVAL;
	atomic_set(&((struct gunyah_fault *)data)->space, val);
	return 0;
}
GUNYAH_FAULT_ATTRIBUTE(gf_space_fops, gf_space_get, gf_space_set, "%llu\n");

static int gf_verbose_get(void *data, u64 *val)
{
	*val = READ_ONCE(((struct gunyah_fault *)data)->verbose);
	return 0;
}

static int gf_verbose_set(void *data, u64 val)
{
	if (val > 2)
		return -EINVAL;
	WRITE_ONCE(((struct gunyah_fault *)data)->verbose, val);
	return 0;
}
GUNYAH_FAULT_ATTRIBUTE(gf_verbose_fops, gf_verbose_get, gf_verbose_set,
		       "%llu\n");
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

	debugfs_create_file_unsafe("probability", 0600, dir, f, &gf_probability_fops);
	debugfs_create_file_unsafe("interval", 0600, dir, f, &gf_interval_fops);
	debugfs_create_file_unsafe("times", 0600, dir, f, &gf_times_fops);
	debugfs_create_file_unsafe("space", 0600, dir, f, &gf_space_fops);
	debugfs_create_file_unsafe("verbose", 0600, dir, f, &gf_verbose_fops);
	return dir;
#endif
}
EXPORT_SYMBOL_GPL(gunyah_fault_create_debugfs);

/* ---- fail_hypercall ---- */

struct gunyah_fault gunyah_fail_hypercall_attr = GUNYAH_FAULT_INIT;

static const char * const gunyah_fail_hc_names[GUNYAH_FAIL_HC_NR] = {
	[GUNYAH_FAIL_HC_IDENTIFY]	= "identify",
	[GUNYAH_FAIL_HC_MSGQ_SEND]	= "msgq_send",
	[GUNYAH_FAIL_HC_MSGQ_RECV]	= "msgq_recv",
	[GUNYAH_FAIL_HC_VCPU_RUN]	= "vcpu_run",
};

static unsigned long gunyah_fail_hc_mask = BIT(GUNYAH_FAIL_HC_VCPU_RUN);
static int gunyah_fail_hc_error = GUNYAH_ERROR_BUSY;
static atomic_long_t gunyah_fail_hc_injected[GUNYAH_FAIL_HC_NR];
static DEFINE_MUTEX(gunyah_fail_hc_lock);	/* writers of the mask */

static int gunyah_fail_hc_param_set(const char *val, const struct kernel_param *kp)
{
	return gunyah_fault_setup(&gunyah_fail_hypercall_attr, "fail_hypercall", val);
}

static int gunyah_fail_hc_param_get(char *buf, const struct kernel_param *kp)
{
	return gunyah_fault_show(&gunyah_fail_hypercall_attr, buf);
}

static const struct kernel_param_ops gunyah_fail_hc_param_ops = {
	.set = gunyah_fail_hc_param_set,
	.get = gunyah_fail_hc_param_get,
};
module_param_cb(fail_hypercall, &gunyah_fail_hc_param_ops, NULL, 0600);
MODULE_PARM_DESC(fail_hypercall,
		 "Arm fail_hypercall at load: <interval>,<probability>,<space>,<times>");

/**
 * __gunyah_fail_hypercall() - The slow path of gunyah_fail_hypercall()
 * @call: which hypercall
 * @size: bytes it moves
 * @err: set to the error to return when it should fail
 *
 * Return: true if the call must fail with @err.
 */
bool __gunyah_fail_hypercall(enum gunyah_fail_hc call, size_t size,
			     enum gunyah_error *err)
{
	if (!(READ_ONCE(gunyah_fail_hc_mask) & BIT(call)))
		return false;
	if (!gunyah_fault_should_fail(&gunyah_fail_hypercall_attr, size))
		return false;

	*err = READ_ONCE(gunyah_fail_hc_error);
	trace_gunyah_fault_hypercall(call, *err);
	atomic_long_inc(&gunyah_fail_hc_injected[call]);
	if (gunyah_fault_verbose(&gunyah_fail_hypercall_attr))
		pr_info_ratelimited("fail_hypercall: %s fails with gunyah error %d\n",
				    gunyah_fail_hc_names[call], *err);
	gunyah_fault_dump(&gunyah_fail_hypercall_attr);
	return true;
}

static bool gunyah_error_is_valid(s64 val)
{
	switch (val) {
	case GUNYAH_ERROR_OK:
	case GUNYAH_ERROR_UNIMPLEMENTED:
	case GUNYAH_ERROR_RETRY:
	case GUNYAH_ERROR_ARG_INVAL:
	case GUNYAH_ERROR_ARG_SIZE:
	case GUNYAH_ERROR_ARG_ALIGN:
	case GUNYAH_ERROR_NOMEM:
	case GUNYAH_ERROR_ADDR_OVFL:
	case GUNYAH_ERROR_ADDR_UNFL:
	case GUNYAH_ERROR_ADDR_INVAL:
	case GUNYAH_ERROR_DENIED:
	case GUNYAH_ERROR_BUSY:
	case GUNYAH_ERROR_IDLE:
	case GUNYAH_ERROR_IRQ_BOUND:
	case GUNYAH_ERROR_IRQ_UNBOUND:
	case GUNYAH_ERROR_CSPACE_CAP_NULL:
	case GUNYAH_ERROR_CSPACE_CAP_REVOKED:
	case GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE:
	case GUNYAH_ERROR_CSPACE_INSUF_RIGHTS:
	case GUNYAH_ERROR_CSPACE_FULL:
	case GUNYAH_ERROR_MSGQUEUE_EMPTY:
	case GUNYAH_ERROR_MSGQUEUE_FULL:
		return true;
	default:
		return false;
	}
}

static int gunyah_fail_hc_error_get(void *data, u64 *val)
{
	*val = (s64)READ_ONCE(gunyah_fail_hc_error);
	return 0;
}

static int gunyah_fail_hc_error_set(void *data, u64 val)
{
	if (!gunyah_error_is_valid((s64)val)) {
		pr_warn("fail_hypercall/error: %lld is not a gunyah_error\n",
			(s64)val);
		return -EINVAL;
	}
	WRITE_ONCE(gunyah_fail_hc_error, (int)(s64)val);
	return 0;
}
GUNYAH_FAULT_ATTRIBUTE_SIGNED(gunyah_fail_hc_error_fops, gunyah_fail_hc_error_get,
			      gunyah_fail_hc_error_set, "%lld\n");

static ssize_t gunyah_fail_hc_calls_read(struct file *file, char __user *ubuf,
					 size_t count, loff_t *ppos)
{
	unsigned long mask = READ_ONCE(gunyah_fail_hc_mask);
	char buf[64];
	size_t len = 0;
	unsigned int i;

	for (i = 0; i < GUNYAH_FAIL_HC_NR; i++)
		if (mask & BIT(i))
			len += scnprintf(buf + len, sizeof(buf) - len, "%s%s",
					 len ? " " : "", gunyah_fail_hc_names[i]);
	len += scnprintf(buf + len, sizeof(buf) - len, "\n");
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

#define GUNYAH_FAIL_HC_CALLS_MAX	128

static ssize_t gunyah_fail_hc_calls_write(struct file *file,
					  const char __user *ubuf,
					  size_t count, loff_t *ppos)
{
	unsigned long mask = 0;
	char *buf, *cur, *tok;
	unsigned int i;
	ssize_t ret;

	if (*ppos || count > GUNYAH_FAIL_HC_CALLS_MAX) {
		pr_warn("fail_hypercall/hypercalls: refusing a write of %zu bytes at offset %lld (one write of at most %u bytes)\n",
			count, *ppos, GUNYAH_FAIL_HC_CALLS_MAX);
		return -EINVAL;
	}
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	cur = buf;
	while ((tok = strsep(&cur, " \t\n"))) {
		if (!*tok)
			continue;
		for (i = 0; i < GUNYAH_FAIL_HC_NR; i++)
			if (!strcmp(tok, gunyah_fail_hc_names[i]))
				break;
		if (i == GUNYAH_FAIL_HC_NR) {
			pr_warn("fail_hypercall/hypercalls: unknown hypercall \"%.32s\" (known: identify msgq_send msgq_recv vcpu_run)\n",
				tok);
			ret = -EINVAL;
			goto out;
		}
		mask |= BIT(i);
	}
	mutex_lock(&gunyah_fail_hc_lock);
	WRITE_ONCE(gunyah_fail_hc_mask, mask);
	mutex_unlock(&gunyah_fail_hc_lock);
	*ppos += count;
	ret = count;
out:
	kfree(buf);
	return ret;
}

static const struct file_operations gunyah_fail_hc_calls_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = gunyah_fail_hc_calls_read,
	.write = gunyah_fail_hc_calls_write,
	.llseek = default_llseek,
};

static int gunyah_fail_hc_injected_show(struct seq_file *s, void *unused)
{
	long total = 0, n;
	unsigned int i;

	for (i = 0; i < GUNYAH_FAIL_HC_NR; i++) {
		n = atomic_long_read(&gunyah_fail_hc_injected[i]);
		total += n;
		seq_printf(s, "%s %ld\n", gunyah_fail_hc_names[i], n);
	}
	seq_printf(s, "total %ld\n", total);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gunyah_fail_hc_injected);

/**
 * gunyah_fail_hypercall_debugfs_init() - Create gunyah/fail_hypercall/
 * @root: the gunyah debugfs directory
 *
 * Removed with @root.
 */
void gunyah_fail_hypercall_debugfs_init(struct dentry *root)
{
	struct dentry *dir;

	gunyah_fault_init(&gunyah_fail_hypercall_attr);
	dir = gunyah_fault_create_debugfs("fail_hypercall", root,
					  &gunyah_fail_hypercall_attr);
	debugfs_create_file_unsafe("error", 0600, dir, NULL,
				   &gunyah_fail_hc_error_fops);
	debugfs_create_file("hypercalls", 0600, dir, NULL,
			    &gunyah_fail_hc_calls_fops);
	debugfs_create_file("injected", 0400, dir, NULL,
			    &gunyah_fail_hc_injected_fops);
}
