// SPDX-License-Identifier: GPL-2.0-only
/*
 * rm_inject (/sys/kernel/debug/gunyah/rm_inject/, see
 * docs/fault-injection.md): raise a VM_EXITED or VM_STATUS notification,
 * handed to gunyah_rm_handle_message() like a message received from the
 * RM. A client of the RPC core: it feeds the RM that is bound.
 */

#include <linux/bitfield.h>
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "gunyah_knob.h"
#include "rsc_mgr/rsc_mgr.h"
#include "rsc_mgr/rm_trace.h"

#define FI_PREFIX	"gunyah_rsc_mgr: "

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

/*
 * Wrap @payload in an RM notification header and decode it as received;
 * count it in @injected
 */
static int gunyah_rm_inject(const char *what, u32 msg_id, const void *payload,
			    size_t size, atomic_long_t *injected)
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
		atomic_long_inc(injected);
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
			       sizeof(*p) + reason_size, &gunyah_rm_inject_exited);
	kfree(p);
	return ret;
}

GUNYAH_KNOB_WORDS_WRITE(gunyah_rm_inject_exited, GUNYAH_RM_INJECT_MAX_WRITE,
			gunyah_rm_inject_exited_parse);
GUNYAH_KNOB_WO_FOPS(gunyah_rm_inject_exited, gunyah_rm_inject_exited_write);

/* "VMID VM_STATUS [OS_STATUS [APP_STATUS]]": a VM_STATUS notification */
static int gunyah_rm_inject_status_parse(struct file *file,
					 struct gunyah_knob_args *args)
{
	struct gunyah_rm_vm_status_payload p = { };
	u16 vmid, app_status = 0;

	if (args->argc < 2 || args->argc > 4)
		return gunyah_knob_why(args, "expected VMID VM_STATUS [OS_STATUS [APP_STATUS]]");
	if (kstrtou16(args->argv[0], 0, &vmid))
		return gunyah_knob_why(args, "VMID must be 0..65535");
	if (kstrtou8(args->argv[1], 0, &p.vm_status))
		return gunyah_knob_why(args, "VM_STATUS must be 0..255");
	if (args->argc > 2 && kstrtou8(args->argv[2], 0, &p.os_status))
		return gunyah_knob_why(args, "OS_STATUS must be 0..255");
	if (args->argc > 3 && kstrtou16(args->argv[3], 0, &app_status))
		return gunyah_knob_why(args, "APP_STATUS must be 0..65535");

	p.vmid = cpu_to_le16(vmid);
	p.app_status = cpu_to_le16(app_status);
	return gunyah_rm_inject("vm_status", GUNYAH_RM_NOTIFICATION_VM_STATUS, &p,
				sizeof(p), &gunyah_rm_inject_status);
}

GUNYAH_KNOB_WORDS_WRITE(gunyah_rm_inject_status, 128,
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

static int gunyah_rm_inject_bind(struct gunyah_rm *rm)
{
	mutex_lock(&gunyah_rm_inject_lock);
	gunyah_rm_inject_rm = rm;
	mutex_unlock(&gunyah_rm_inject_lock);
	return 0;
}

static void gunyah_rm_inject_unbind(struct gunyah_rm *rm)
{
	gunyah_rm_inject_bind(NULL);
}

static struct gunyah_rm_client gunyah_rm_inject_client = {
	.name = "rm_inject",
	.bind = gunyah_rm_inject_bind,
	.unbind = gunyah_rm_inject_unbind,
};

/**
 * gunyah_rm_inject_init() - Create rm_inject/ and feed the bound RM
 *
 * Under the gunyah debugfs directory of gunyah.ko; removed by
 * gunyah_rm_inject_exit().
 */
void gunyah_rm_inject_init(void)
{
	static const struct gunyah_knob_file files[] = {
		{ "vm_exited", 0200, &gunyah_rm_inject_exited_fops },
		{ "vm_status", 0200, &gunyah_rm_inject_status_fops },
		{ "injected", 0400, &gunyah_rm_inject_injected_fops },
	};

	gunyah_rm_register_client(&gunyah_rm_inject_client);
	gunyah_rm_inject_dir = debugfs_create_dir("rm_inject", gunyah_debugfs_root());
	gunyah_knob_create_files(gunyah_rm_inject_dir, NULL, files,
				 ARRAY_SIZE(files));
}

/**
 * gunyah_rm_inject_exit() - Remove rm_inject/
 */
void gunyah_rm_inject_exit(void)
{
	debugfs_remove_recursive(gunyah_rm_inject_dir);
	gunyah_rm_unregister_client(&gunyah_rm_inject_client);
}
