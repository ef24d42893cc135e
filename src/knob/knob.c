// SPDX-License-Identifier: GPL-2.0-only
/*
 * The debugfs knob library (src/gunyah_knob.h): bounded copies of knob
 * writes, splitting them into words, and the log line of a refusal.
 */

#define pr_fmt(fmt) "gunyah: " fmt

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "gunyah_knob.h"

/**
 * gunyah_knob_copy() - Copy one knob write into a NUL-terminated string
 * @file: the knob's file (named in the log as its folder/name)
 * @ubuf: what userspace wrote
 * @count: its length
 * @ppos: the file position; a knob takes one write at offset 0
 * @max: the most bytes one write may carry
 *
 * Return: the copy (kfree() it), or an error pointer: -EINVAL (logged)
 * for a write past offset 0 or longer than @max, else memdup_user_nul()'s.
 */
char *gunyah_knob_copy(struct file *file, const char __user *ubuf,
		       size_t count, loff_t *ppos, size_t max)
{
	if (*ppos || count > max) {
		pr_warn("%pD2: refusing a write of %zu bytes at offset %lld (one write of at most %zu bytes)\n",
			file, count, *ppos, max);
		return ERR_PTR(-EINVAL);
	}
	return memdup_user_nul(ubuf, count);
}
EXPORT_SYMBOL_GPL(gunyah_knob_copy);

/* Split @buf in place into at most @max words; -E2BIG if there are more */
static int gunyah_knob_split(char *buf, char **argv, int max)
{
	int argc = 0;
	char *tok;

	while ((tok = strsep(&buf, " \t\n"))) {
		if (!*tok)
			continue;
		if (argc == max)
			return -E2BIG;
		argv[argc++] = tok;
	}
	return argc;
}

/**
 * gunyah_knob_refuse() - Log why a knob write is refused
 * @file: the knob's file
 * @why: the reason, said to the user
 *
 * Return: -EINVAL, for the write to return.
 */
int gunyah_knob_refuse(struct file *file, const char *why)
{
	pr_warn("%pD2: refusing write: %s\n", file, why);
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(gunyah_knob_refuse);

/**
 * gunyah_knob_write_words() - A knob write, parsed as blank-separated words
 * @file: the knob's file
 * @ubuf: what userspace wrote
 * @count: its length
 * @ppos: the file position (one write at offset 0)
 * @max: the most bytes one write may carry
 * @parse: acts on the words; returns 0, an errno, or a refusal made with
 *         gunyah_knob_why(), which is logged here
 *
 * Return: @count, or the refusal's or @parse's errno.
 */
ssize_t gunyah_knob_write_words(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos, size_t max,
				int (*parse)(struct file *file,
					     struct gunyah_knob_args *args))
{
	struct gunyah_knob_args args = { };
	char *buf;
	int ret;

	buf = gunyah_knob_copy(file, ubuf, count, ppos, max);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	args.argc = gunyah_knob_split(buf, args.argv, ARRAY_SIZE(args.argv));
	if (args.argc < 0)
		ret = gunyah_knob_why(&args, "too many words");
	else
		ret = parse(file, &args);
	kfree(buf);
	if (ret == -EINVAL && args.why)
		gunyah_knob_refuse(file, args.why);
	if (ret)
		return ret;
	*ppos += count;
	return count;
}
EXPORT_SYMBOL_GPL(gunyah_knob_write_words);

/**
 * gunyah_knob_create_files() - Create a table of knob files in one folder
 * @dir: the folder
 * @data: every file's data (inode->i_private)
 * @files: the table
 * @n: its length
 */
void gunyah_knob_create_files(struct dentry *dir, void *data,
			      const struct gunyah_knob_file *files,
			      unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (files[i].attr)
			debugfs_create_file_unsafe(files[i].name, files[i].mode,
						   dir, data, files[i].fops);
		else
			debugfs_create_file(files[i].name, files[i].mode, dir,
					    data, files[i].fops);
	}
}
EXPORT_SYMBOL_GPL(gunyah_knob_create_files);
