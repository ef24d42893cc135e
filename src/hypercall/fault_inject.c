// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection in the hypercall layer (the selection knobs it shares
 * with gunyah_rsc_mgr.ko are in src/knob/fault_attr.c).
 *
 * fail_hypercall (/sys/kernel/debug/gunyah/fail_hypercall/) makes the
 * hypercall wrappers return a chosen gunyah_error without calling the
 * backend, for any backend (arm64 HVC or the simulator).
 */

#define pr_fmt(fmt) "gunyah: " fmt

#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/seq_file.h>
#include <linux/string.h>

#include "gunyah_knob.h"
#include "hypercall/fault_inject.h"

#define CREATE_TRACE_POINTS
#include "hypercall/hc_trace.h"

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

module_param_cb(fail_hypercall, &gunyah_fault_param_ops,
		&gunyah_fail_hypercall_attr, 0600);
MODULE_PARM_DESC(fail_hypercall, GUNYAH_FAULT_PARAM_DESC);

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
	case GUNYAH_ERROR_RETRY ... GUNYAH_ERROR_OK:
	case GUNYAH_ERROR_ARG_INVAL ... GUNYAH_ERROR_ARG_ALIGN:
	case GUNYAH_ERROR_NOMEM:
	case GUNYAH_ERROR_ADDR_OVFL ... GUNYAH_ERROR_ADDR_INVAL:
	case GUNYAH_ERROR_DENIED ... GUNYAH_ERROR_IDLE:
	case GUNYAH_ERROR_IRQ_BOUND ... GUNYAH_ERROR_IRQ_UNBOUND:
	case GUNYAH_ERROR_CSPACE_CAP_NULL ... GUNYAH_ERROR_CSPACE_FULL:
	case GUNYAH_ERROR_MSGQUEUE_EMPTY ... GUNYAH_ERROR_MSGQUEUE_FULL:
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

static int gunyah_fail_hc_calls_show(struct seq_file *s, void *unused)
{
	unsigned long mask = READ_ONCE(gunyah_fail_hc_mask);
	const char *sep = "";
	unsigned int i;

	for (i = 0; i < GUNYAH_FAIL_HC_NR; i++) {
		if (!(mask & BIT(i)))
			continue;
		seq_printf(s, "%s%s", sep, gunyah_fail_hc_names[i]);
		sep = " ";
	}
	seq_putc(s, '\n');
	return 0;
}

#define GUNYAH_FAIL_HC_CALLS_MAX	128

static int gunyah_fail_hc_calls_parse(struct file *file, struct gunyah_knob_args *args)
{
	unsigned long mask = 0;
	int i, j;

	for (i = 0; i < args->argc; i++) {
		for (j = 0; j < GUNYAH_FAIL_HC_NR; j++)
			if (!strcmp(args->argv[i], gunyah_fail_hc_names[j]))
				break;
		if (j == GUNYAH_FAIL_HC_NR)
			return gunyah_knob_why(args,
					       "expected names of: identify msgq_send msgq_recv vcpu_run");
		mask |= BIT(j);
	}
	/* One word, whole: the last write wins */
	WRITE_ONCE(gunyah_fail_hc_mask, mask);
	return 0;
}

GUNYAH_KNOB_WORDS_WRITE(gunyah_fail_hc_calls, GUNYAH_FAIL_HC_CALLS_MAX,
			gunyah_fail_hc_calls_parse);
GUNYAH_KNOB_SEQ_FOPS(gunyah_fail_hc_calls, gunyah_fail_hc_calls_write);

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
	static const struct gunyah_knob_file files[] = {
		{ "error", 0600, &gunyah_fail_hc_error_fops, true },
		{ "hypercalls", 0600, &gunyah_fail_hc_calls_fops },
		{ "injected", 0400, &gunyah_fail_hc_injected_fops },
	};

	gunyah_fault_init(&gunyah_fail_hypercall_attr);
	gunyah_knob_create_files(gunyah_fault_create_debugfs("fail_hypercall", root,
							     &gunyah_fail_hypercall_attr),
				 NULL, files, ARRAY_SIZE(files));
}
