/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The debugfs knob library of gunyah.ko (src/knob/): what every knob of
 * the stack does the same way, so that a knob is declared rather than
 * written again. Fault injection (fail_hypercall, fail_rm_call, rm_inject)
 * and the simulator's knobs use it. A refused write changes nothing,
 * returns an errno and logs one line that says why.
 */

#ifndef _GUNYAH_KNOB_H
#define _GUNYAH_KNOB_H

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/types.h>

char *gunyah_knob_copy(struct file *file, const char __user *ubuf,
		       size_t count, loff_t *ppos, size_t max);
int gunyah_knob_refuse(struct file *file, const char *why);

/**
 * struct gunyah_knob_file - One debugfs file of a knob table
 * @name: its name
 * @mode: its mode
 * @fops: its operations
 * @attr: made with DEFINE_DEBUGFS_ATTRIBUTE() (or GUNYAH_FAULT_ATTRIBUTE()),
 *        which protects itself against removal: created "unsafe"
 */
struct gunyah_knob_file {
	const char *name;
	umode_t mode;
	const struct file_operations *fops;
	bool attr;
};

void gunyah_knob_create_files(struct dentry *dir, void *data,
			      const struct gunyah_knob_file *files,
			      unsigned int n);

#define GUNYAH_KNOB_MAX_WORDS	16

/**
 * struct gunyah_knob_args - The words of one knob write, for its parser
 * @argc: how many
 * @argv: the words, valid until the parser returns
 * @why: what a parser that refuses the write says (gunyah_knob_why())
 */
struct gunyah_knob_args {
	int argc;
	char *argv[GUNYAH_KNOB_MAX_WORDS];
	const char *why;
};

/* A parser's refusal: logged by gunyah_knob_write_words(), -EINVAL */
static inline int gunyah_knob_why(struct gunyah_knob_args *args,
				  const char *why)
{
	args->why = why;
	return -EINVAL;
}

ssize_t gunyah_knob_write_words(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos, size_t max,
				int (*parse)(struct file *file,
					     struct gunyah_knob_args *args));

/*
 * @__name_write(): a knob write of at most @__max bytes, split into words
 * and handed to @__parse(file, args), which acts on them and returns 0, or
 * refuses with gunyah_knob_why()
 */
#define GUNYAH_KNOB_WORDS_WRITE(__name, __max, __parse)		\
	static ssize_t __name##_write(struct file *file,		\
				      const char __user *ubuf,		\
				      size_t count, loff_t *ppos)	\
	{								\
		return gunyah_knob_write_words(file, ubuf, count, ppos,	\
					       __max, __parse);		\
	}

/* The data a seq_file knob (GUNYAH_KNOB_SEQ_FOPS) was created with */
static inline void *gunyah_knob_seq_data(struct file *file)
{
	return ((struct seq_file *)file->private_data)->private;
}

/* @__name_fops: a write-only knob; @__write gets the file's data */
#define GUNYAH_KNOB_WO_FOPS(__name, __write)				\
	static const struct file_operations __name##_fops = {		\
		.owner	= THIS_MODULE,					\
		.open	= simple_open,					\
		.write	= __write,					\
		.llseek	= noop_llseek,					\
	}

/*
 * @__name_fops: a knob read through seq_file with @__name_show(), like
 * DEFINE_SHOW_ATTRIBUTE(), and written with @__write, which finds the
 * file's data with gunyah_knob_seq_data()
 */
#define GUNYAH_KNOB_SEQ_FOPS(__name, __write)				\
	static int __name##_open(struct inode *inode, struct file *file)	\
	{								\
		return single_open(file, __name##_show, inode->i_private); \
	}								\
	static const struct file_operations __name##_fops = {		\
		.owner		= THIS_MODULE,				\
		.open		= __name##_open,			\
		.read		= seq_read,				\
		.write		= __write,				\
		.llseek		= seq_lseek,				\
		.release	= single_release,			\
	}

/*
 * @__name_param_ops: the operations of a uint module parameter that
 * refuses a value outside @__min..@__max with -EINVAL
 */
#define GUNYAH_PARAM_UINT_RANGE_OPS(__name, __min, __max)		\
	static int __name##_param_set(const char *val,			\
				      const struct kernel_param *kp)	\
	{								\
		return param_set_uint_minmax(val, kp, __min, __max);	\
	}								\
	static const struct kernel_param_ops __name##_param_ops = {	\
		.set = __name##_param_set,				\
		.get = param_get_uint,					\
	}

#endif /* _GUNYAH_KNOB_H */
