// SPDX-License-Identifier: GPL-2.0-only
/*
 * fail_rm_call (/sys/kernel/debug/gunyah/fail_rm_call/, see
 * docs/fault-injection.md): an eligible RM call is not sent; it completes
 * as if the RM had replied with the chosen error. The RPC core asks
 * gunyah_rm_fail_call() before each send.
 */

#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "gunyah_knob.h"
#include "rsc_mgr/rsc_mgr.h"
#include "rsc_mgr/rm_trace.h"

#define FI_PREFIX	"gunyah_rsc_mgr: "

#define GUNYAH_FAIL_RM_MAX_IDS		GUNYAH_KNOB_MAX_WORDS
#define GUNYAH_FAIL_RM_MAX_COUNTED	32
#define GUNYAH_FAIL_RM_IDS_MAX_LEN	512

struct gunyah_fault gunyah_fail_rm_call_attr = GUNYAH_FAULT_INIT;

static u32 gunyah_fail_rm_error = GUNYAH_RM_ERROR_INVALID;

static DEFINE_SPINLOCK(gunyah_fail_rm_lock);	/* the id set and the counters */
static u32 gunyah_fail_rm_ids[GUNYAH_FAIL_RM_MAX_IDS];
static unsigned int gunyah_fail_rm_nr_ids;	/* 0: every call */
static struct gunyah_fail_rm_counter {
	u32 msg_id;
	unsigned long n;
} gunyah_fail_rm_counts[GUNYAH_FAIL_RM_MAX_COUNTED];
static unsigned int gunyah_fail_rm_nr_counted;
static unsigned long gunyah_fail_rm_total;

static struct dentry *gunyah_fail_rm_dir;

module_param_cb(fail_rm_call, &gunyah_fault_param_ops,
		&gunyah_fail_rm_call_attr, 0600);
MODULE_PARM_DESC(fail_rm_call, GUNYAH_FAULT_PARAM_DESC);

static void gunyah_fail_rm_count(u32 msg_id)
{
	unsigned int i;

	gunyah_fail_rm_total++;
	for (i = 0; i < gunyah_fail_rm_nr_counted; i++) {
		if (gunyah_fail_rm_counts[i].msg_id == msg_id) {
			gunyah_fail_rm_counts[i].n++;
			return;
		}
	}
	if (i < GUNYAH_FAIL_RM_MAX_COUNTED) {
		gunyah_fail_rm_counts[i].msg_id = msg_id;
		gunyah_fail_rm_counts[i].n = 1;
		gunyah_fail_rm_nr_counted++;
	}
}

/**
 * __gunyah_rm_fail_call() - The slow path of gunyah_rm_fail_call()
 * @msg_id: the call's message id
 * @size: bytes the request takes on the wire (consumed from "space")
 * @rm_error: set to the RM error to complete the call with
 *
 * Return: true if the call must not be sent and must complete with
 * @rm_error.
 */
bool __gunyah_rm_fail_call(u32 msg_id, size_t size, u32 *rm_error)
{
	unsigned int i;
	bool eligible;

	spin_lock(&gunyah_fail_rm_lock);
	eligible = !gunyah_fail_rm_nr_ids;
	for (i = 0; i < gunyah_fail_rm_nr_ids && !eligible; i++)
		eligible = gunyah_fail_rm_ids[i] == msg_id;
	spin_unlock(&gunyah_fail_rm_lock);
	if (!eligible || !gunyah_fault_should_fail(&gunyah_fail_rm_call_attr, size))
		return false;

	*rm_error = READ_ONCE(gunyah_fail_rm_error);
	trace_gunyah_fault_rm_call(msg_id, *rm_error);
	spin_lock(&gunyah_fail_rm_lock);
	gunyah_fail_rm_count(msg_id);
	spin_unlock(&gunyah_fail_rm_lock);
	if (gunyah_fault_verbose(&gunyah_fail_rm_call_attr))
		pr_info_ratelimited(FI_PREFIX "fail_rm_call: RM call %#x not sent; completing it with RM error %#x\n",
				    msg_id, *rm_error);
	gunyah_fault_dump(&gunyah_fail_rm_call_attr);
	return true;
}

static int gunyah_fail_rm_error_get(void *data, u64 *val)
{
	*val = READ_ONCE(gunyah_fail_rm_error);
	return 0;
}

static int gunyah_fail_rm_error_set(void *data, u64 val)
{
	if (!val || val > U32_MAX) {
		pr_warn(FI_PREFIX "fail_rm_call/error: %#llx is not a nonzero u32 RM error\n",
			val);
		return -EINVAL;
	}
	WRITE_ONCE(gunyah_fail_rm_error, val);
	return 0;
}
GUNYAH_FAULT_ATTRIBUTE(gunyah_fail_rm_error_fops, gunyah_fail_rm_error_get,
		       gunyah_fail_rm_error_set, "%#llx\n");

static int gunyah_fail_rm_ids_show(struct seq_file *s, void *unused)
{
	unsigned int i;

	spin_lock(&gunyah_fail_rm_lock);
	for (i = 0; i < gunyah_fail_rm_nr_ids; i++)
		seq_printf(s, "%s%#x", i ? " " : "", gunyah_fail_rm_ids[i]);
	spin_unlock(&gunyah_fail_rm_lock);
	seq_putc(s, '\n');
	return 0;
}

static int gunyah_fail_rm_ids_parse(struct file *file, struct gunyah_knob_args *args)
{
	u32 ids[GUNYAH_FAIL_RM_MAX_IDS];
	int n;

	for (n = 0; n < args->argc; n++)
		if (kstrtou32(args->argv[n], 16, &ids[n]))
			return gunyah_knob_why(args, "expected at most 16 hex u32 message ids");

	spin_lock(&gunyah_fail_rm_lock);
	memcpy(gunyah_fail_rm_ids, ids, n * sizeof(ids[0]));
	gunyah_fail_rm_nr_ids = n;
	spin_unlock(&gunyah_fail_rm_lock);
	return 0;
}

GUNYAH_KNOB_WORDS_WRITE(gunyah_fail_rm_ids, GUNYAH_FAIL_RM_IDS_MAX_LEN,
			gunyah_fail_rm_ids_parse);
GUNYAH_KNOB_SEQ_FOPS(gunyah_fail_rm_ids, gunyah_fail_rm_ids_write);

static int gunyah_fail_rm_injected_show(struct seq_file *s, void *unused)
{
	struct gunyah_fail_rm_counter counts[GUNYAH_FAIL_RM_MAX_COUNTED];
	unsigned int nr, i;
	unsigned long total;

	spin_lock(&gunyah_fail_rm_lock);
	nr = gunyah_fail_rm_nr_counted;
	memcpy(counts, gunyah_fail_rm_counts, nr * sizeof(counts[0]));
	total = gunyah_fail_rm_total;
	spin_unlock(&gunyah_fail_rm_lock);

	for (i = 0; i < nr; i++)
		seq_printf(s, "%#x %lu\n", counts[i].msg_id, counts[i].n);
	seq_printf(s, "total %lu\n", total);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gunyah_fail_rm_injected);

/**
 * gunyah_rm_fail_call_init() - Create fail_rm_call/
 *
 * Under the gunyah debugfs directory of gunyah.ko; removed by
 * gunyah_rm_fail_call_exit().
 */
void gunyah_rm_fail_call_init(void)
{
	static const struct gunyah_knob_file files[] = {
		{ "error", 0600, &gunyah_fail_rm_error_fops, true },
		{ "msg_ids", 0600, &gunyah_fail_rm_ids_fops },
		{ "injected", 0400, &gunyah_fail_rm_injected_fops },
	};

	gunyah_fault_init(&gunyah_fail_rm_call_attr);
	gunyah_fail_rm_dir = gunyah_fault_create_debugfs("fail_rm_call",
							 gunyah_debugfs_root(),
							 &gunyah_fail_rm_call_attr);
	gunyah_knob_create_files(gunyah_fail_rm_dir, NULL, files,
				 ARRAY_SIZE(files));
}

/**
 * gunyah_rm_fail_call_exit() - Remove fail_rm_call/
 */
void gunyah_rm_fail_call_exit(void)
{
	debugfs_remove_recursive(gunyah_fail_rm_dir);
}
