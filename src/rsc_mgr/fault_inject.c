// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection in the resource manager client (see
 * docs/fault-injection.md):
 *
 * /sys/kernel/debug/gunyah/fail_rm_call/  an eligible RM call is not sent;
 *     it completes as if the RM had replied with the chosen error.
 * /sys/kernel/debug/gunyah/rm_inject/     raise a VM_EXITED or VM_STATUS
 *     notification, handed to gunyah_rm_handle_message() like a message
 *     received from the RM.
 */

#include <linux/bitfield.h>
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "gunyah_knob.h"
#include "rsc_mgr/rsc_mgr.h"
#include "rsc_mgr/rm_trace.h"

#define FI_PREFIX	"gunyah_rsc_mgr: "

/* ---- fail_rm_call ---- */

#define GUNYAH_FAIL_RM_MAX_IDS		GUNYAH_KNOB_MAX_WORDS
#define GUNYAH_FAIL_RM_MAX_COUNTED	32
#define GUNYAH_FAIL_RM_IDS_MAX_LEN	512

struct gunyah_fault gunyah_fail_rm_call_attr = GUNYAH_FAULT_INIT;

static u32 gunyah_fail_rm_error = GUNYAH_RM_ERROR_INVALID;

static DEFINE_SPINLOCK(gunyah_fail_rm_lock);	/* the id set and the counters */
static u32 gunyah_fail_rm_ids[GUNYAH_FAIL_RM_MAX_IDS];
static unsigned int gunyah_fail_rm_nr_ids;	/* 0: every call */
static struct {
	u32 msg_id;
	unsigned long n;
} gunyah_fail_rm_counts[GUNYAH_FAIL_RM_MAX_COUNTED];
static unsigned int gunyah_fail_rm_nr_counted;
static unsigned long gunyah_fail_rm_total;

static struct dentry *gunyah_fail_rm_dir;

module_param_cb(fail_rm_call, &gunyah_fault_param_ops,
		&gunyah_fail_rm_call_attr, 0600);
MODULE_PARM_DESC(fail_rm_call, GUNYAH_FAULT_PARAM_DESC);

static bool gunyah_fail_rm_eligible(u32 msg_id)
{
	bool eligible = !gunyah_fail_rm_nr_ids;
	unsigned int i;

	for (i = 0; i < gunyah_fail_rm_nr_ids && !eligible; i++)
		eligible = gunyah_fail_rm_ids[i] == msg_id;
	return eligible;
}

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
	bool eligible;

	spin_lock(&gunyah_fail_rm_lock);
	eligible = gunyah_fail_rm_eligible(msg_id);
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

static ssize_t gunyah_fail_rm_ids_read(struct file *file, char __user *ubuf,
				       size_t count, loff_t *ppos)
{
	char buf[GUNYAH_FAIL_RM_MAX_IDS * 11 + 2];
	size_t len = 0;
	unsigned int i;

	spin_lock(&gunyah_fail_rm_lock);
	for (i = 0; i < gunyah_fail_rm_nr_ids; i++)
		len += scnprintf(buf + len, sizeof(buf) - len, "%s%#x",
				 i ? " " : "", gunyah_fail_rm_ids[i]);
	spin_unlock(&gunyah_fail_rm_lock);
	len += scnprintf(buf + len, sizeof(buf) - len, "\n");
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
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

GUNYAH_KNOB_RW_FOPS(gunyah_fail_rm_ids, gunyah_fail_rm_ids_read,
		    gunyah_fail_rm_ids_write);

static int gunyah_fail_rm_injected_show(struct seq_file *s, void *unused)
{
	struct {
		u32 msg_id;
		unsigned long n;
	} counts[GUNYAH_FAIL_RM_MAX_COUNTED];
	unsigned int nr, i;
	unsigned long total;

	spin_lock(&gunyah_fail_rm_lock);
	nr = gunyah_fail_rm_nr_counted;
	for (i = 0; i < nr; i++) {
		counts[i].msg_id = gunyah_fail_rm_counts[i].msg_id;
		counts[i].n = gunyah_fail_rm_counts[i].n;
	}
	total = gunyah_fail_rm_total;
	spin_unlock(&gunyah_fail_rm_lock);

	for (i = 0; i < nr; i++)
		seq_printf(s, "%#x %lu\n", counts[i].msg_id, counts[i].n);
	seq_printf(s, "total %lu\n", total);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gunyah_fail_rm_injected);

/* ---- rm_inject ---- */

/* A whole VM_EXITED notification: one RM message chain */
#define GUNYAH_RM_INJECT_MAX_REASON \
	(GUNYAH_RM_MAX_MSG_LEN - sizeof(struct gunyah_rm_vm_exited_payload))
/* "VMID EXIT_TYPE REASON_HEX\n" with room for blanks and 0x prefixes */
#define GUNYAH_RM_INJECT_MAX_WRITE	(2 * GUNYAH_RM_INJECT_MAX_REASON + 64)

static DEFINE_MUTEX(gunyah_rm_inject_lock);	/* the RM being injected into */
static struct gunyah_rm *gunyah_rm_inject_rm;
static atomic_long_t gunyah_rm_inject_exited;
static atomic_long_t gunyah_rm_inject_status;
static struct dentry *gunyah_rm_inject_dir;

/**
 * gunyah_rm_inject_set_rm() - Choose the RM that rm_inject feeds
 * @rm: the bound resource manager, or NULL when it goes away
 */
void gunyah_rm_inject_set_rm(struct gunyah_rm *rm)
{
	mutex_lock(&gunyah_rm_inject_lock);
	gunyah_rm_inject_rm = rm;
	mutex_unlock(&gunyah_rm_inject_lock);
}

/* Wrap @payload in an RM notification header and decode it as received */
static int gunyah_rm_inject(const char *what, u32 msg_id, const void *payload,
			    size_t size)
{
	struct gunyah_rm_rpc_hdr *hdr;
	unsigned int frags = 0;
	int ret = 0;
	u8 *msg;

	if (size > GUNYAH_RM_PAYLOAD_SIZE)
		frags = DIV_ROUND_UP(size, GUNYAH_RM_PAYLOAD_SIZE) - 1;
	msg = kzalloc(sizeof(*hdr) + size, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = (void *)msg;
	hdr->api = GUNYAH_RM_RPC_API;
	hdr->type = FIELD_PREP(GUNYAH_RM_RPC_TYPE_MASK, GUNYAH_RM_RPC_TYPE_NOTIF) |
		    FIELD_PREP(GUNYAH_RM_RPC_FRAGMENTS_MASK, frags);
	hdr->msg_id = cpu_to_le32(msg_id);
	memcpy(msg + sizeof(*hdr), payload, size);

	mutex_lock(&gunyah_rm_inject_lock);
	if (gunyah_rm_inject_rm) {
		trace_gunyah_fault_rm_inject(msg_id, payload, size, 0);
		gunyah_rm_handle_message(gunyah_rm_inject_rm, msg, sizeof(*hdr) + size);
	} else {
		pr_warn(FI_PREFIX "rm_inject/%s: no resource manager is bound\n", what);
		ret = -ENODEV;
		trace_gunyah_fault_rm_inject(msg_id, payload, size, ret);
	}
	mutex_unlock(&gunyah_rm_inject_lock);
	kfree(msg);
	return ret;
}

/* "VMID EXIT_TYPE [REASON_HEX]": a VM_EXITED notification */
static int gunyah_rm_inject_exited_parse(struct file *file,
					 struct gunyah_knob_args *args)
{
	struct gunyah_rm_vm_exited_payload *p;
	size_t reason_size = 0;
	u16 vmid, exit_type;
	int ret;

	if (args->argc < 2 || args->argc > 3)
		return gunyah_knob_why(args, "expected VMID EXIT_TYPE [REASON_HEX]");
	if (kstrtou16(args->argv[0], 0, &vmid))
		return gunyah_knob_why(args, "VMID must be 0..65535");
	if (kstrtou16(args->argv[1], 0, &exit_type))
		return gunyah_knob_why(args, "EXIT_TYPE must be 0..65535");
	if (args->argc == 3) {
		if (strlen(args->argv[2]) % 2)
			return gunyah_knob_why(args,
					       "REASON_HEX must have an even number of digits");
		reason_size = strlen(args->argv[2]) / 2;
		if (reason_size > GUNYAH_RM_INJECT_MAX_REASON)
			return gunyah_knob_why(args,
					       "REASON_HEX is longer than one RM message can carry");
	}

	p = kzalloc(sizeof(*p) + reason_size, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	if (reason_size && hex2bin(p->exit_reason, args->argv[2], reason_size)) {
		kfree(p);
		return gunyah_knob_why(args, "REASON_HEX holds a non-hex character");
	}
	p->vmid = cpu_to_le16(vmid);
	p->exit_type = cpu_to_le16(exit_type);
	p->exit_reason_size = cpu_to_le32(reason_size);
	ret = gunyah_rm_inject("vm_exited", GUNYAH_RM_NOTIFICATION_VM_EXITED, p,
			       sizeof(*p) + reason_size);
	kfree(p);
	if (!ret)
		atomic_long_inc(&gunyah_rm_inject_exited);
	return ret;
}

GUNYAH_KNOB_WORDS_WRITE(gunyah_rm_inject_exited, GUNYAH_RM_INJECT_MAX_WRITE,
			gunyah_rm_inject_exited_parse);
GUNYAH_KNOB_WO_FOPS(gunyah_rm_inject_exited, gunyah_rm_inject_exited_write);

#define GUNYAH_RM_INJECT_STATUS_MAX_WRITE	128

/* "VMID VM_STATUS [OS_STATUS [APP_STATUS]]": a VM_STATUS notification */
static int gunyah_rm_inject_status_parse(struct file *file,
					 struct gunyah_knob_args *args)
{
	struct gunyah_rm_vm_status_payload p = { };
	u8 vm_status, os_status = 0;
	u16 vmid, app_status = 0;
	int ret;

	if (args->argc < 2 || args->argc > 4)
		return gunyah_knob_why(args, "expected VMID VM_STATUS [OS_STATUS [APP_STATUS]]");
	if (kstrtou16(args->argv[0], 0, &vmid))
		return gunyah_knob_why(args, "VMID must be 0..65535");
	if (kstrtou8(args->argv[1], 0, &vm_status))
		return gunyah_knob_why(args, "VM_STATUS must be 0..255");
	if (args->argc > 2 && kstrtou8(args->argv[2], 0, &os_status))
		return gunyah_knob_why(args, "OS_STATUS must be 0..255");
	if (args->argc > 3 && kstrtou16(args->argv[3], 0, &app_status))
		return gunyah_knob_why(args, "APP_STATUS must be 0..65535");

	p.vmid = cpu_to_le16(vmid);
	p.vm_status = vm_status;
	p.os_status = os_status;
	p.app_status = cpu_to_le16(app_status);
	ret = gunyah_rm_inject("vm_status", GUNYAH_RM_NOTIFICATION_VM_STATUS, &p,
			       sizeof(p));
	if (!ret)
		atomic_long_inc(&gunyah_rm_inject_status);
	return ret;
}

GUNYAH_KNOB_WORDS_WRITE(gunyah_rm_inject_status,
			GUNYAH_RM_INJECT_STATUS_MAX_WRITE,
			gunyah_rm_inject_status_parse);
GUNYAH_KNOB_WO_FOPS(gunyah_rm_inject_status, gunyah_rm_inject_status_write);

static int gunyah_rm_inject_injected_show(struct seq_file *s, void *unused)
{
	seq_printf(s, "vm_exited %ld\nvm_status %ld\n",
		   atomic_long_read(&gunyah_rm_inject_exited),
		   atomic_long_read(&gunyah_rm_inject_status));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gunyah_rm_inject_injected);

/**
 * gunyah_rm_fault_init() - Create fail_rm_call/ and rm_inject/
 *
 * Under the gunyah debugfs directory of gunyah.ko; removed by
 * gunyah_rm_fault_exit().
 */
void gunyah_rm_fault_init(void)
{
	static const struct gunyah_knob_file fail_files[] = {
		{ "error", 0600, &gunyah_fail_rm_error_fops, true },
		{ "msg_ids", 0600, &gunyah_fail_rm_ids_fops },
		{ "injected", 0400, &gunyah_fail_rm_injected_fops },
	};
	static const struct gunyah_knob_file inject_files[] = {
		{ "vm_exited", 0200, &gunyah_rm_inject_exited_fops },
		{ "vm_status", 0200, &gunyah_rm_inject_status_fops },
		{ "injected", 0400, &gunyah_rm_inject_injected_fops },
	};
	struct dentry *root = gunyah_debugfs_root();

	gunyah_fault_init(&gunyah_fail_rm_call_attr);
	gunyah_fail_rm_dir = gunyah_fault_create_debugfs("fail_rm_call", root,
							 &gunyah_fail_rm_call_attr);
	gunyah_knob_create_files(gunyah_fail_rm_dir, NULL, fail_files,
				 ARRAY_SIZE(fail_files));
	gunyah_rm_inject_dir = debugfs_create_dir("rm_inject", root);
	gunyah_knob_create_files(gunyah_rm_inject_dir, NULL, inject_files,
				 ARRAY_SIZE(inject_files));
}

/**
 * gunyah_rm_fault_exit() - Remove what gunyah_rm_fault_init() created
 */
void gunyah_rm_fault_exit(void)
{
	debugfs_remove_recursive(gunyah_rm_inject_dir);
	debugfs_remove_recursive(gunyah_fail_rm_dir);
}
