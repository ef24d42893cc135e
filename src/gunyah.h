/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal interface between the layers of the gunyah-dkms stack:
 * hypercalls and their backends, resources, the resource manager (RM)
 * and the VM manager's function and resource-ticket registries.
 */

#ifndef _GUNYAH_H
#define _GUNYAH_H

#include <linux/bitfield.h>
#include <linux/errno.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/types.h>

#include "../uapi/linux/gunyah.h"

/* ---- Hypercall layer (gunyah.ko) ---- */

/* Hypervisor error codes (a0 of every Gunyah hypercall) */
enum gunyah_error {
	GUNYAH_ERROR_OK				= 0,
	GUNYAH_ERROR_UNIMPLEMENTED		= -1,
	GUNYAH_ERROR_RETRY			= -2,

	GUNYAH_ERROR_ARG_INVAL			= 1,
	GUNYAH_ERROR_ARG_SIZE			= 2,
	GUNYAH_ERROR_ARG_ALIGN			= 3,

	GUNYAH_ERROR_NOMEM			= 10,

	GUNYAH_ERROR_ADDR_OVFL			= 20,
	GUNYAH_ERROR_ADDR_UNFL			= 21,
	GUNYAH_ERROR_ADDR_INVAL			= 22,

	GUNYAH_ERROR_DENIED			= 30,
	GUNYAH_ERROR_BUSY			= 31,
	GUNYAH_ERROR_IDLE			= 32,

	GUNYAH_ERROR_IRQ_BOUND			= 40,
	GUNYAH_ERROR_IRQ_UNBOUND		= 41,

	GUNYAH_ERROR_CSPACE_CAP_NULL		= 50,
	GUNYAH_ERROR_CSPACE_CAP_REVOKED		= 51,
	GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE	= 52,
	GUNYAH_ERROR_CSPACE_INSUF_RIGHTS	= 53,
	GUNYAH_ERROR_CSPACE_FULL		= 54,

	GUNYAH_ERROR_MSGQUEUE_EMPTY		= 60,
	GUNYAH_ERROR_MSGQUEUE_FULL		= 61,
};

/**
 * gunyah_error_remap() - Map a Gunyah hypercall error to a Linux errno
 * @gunyah_error: the hypervisor's error code
 *
 * Return: 0 for %GUNYAH_ERROR_OK, else a negative errno.
 */
static inline int gunyah_error_remap(enum gunyah_error gunyah_error)
{
	switch (gunyah_error) {
	case GUNYAH_ERROR_OK:
		return 0;
	case GUNYAH_ERROR_NOMEM:
		return -ENOMEM;
	case GUNYAH_ERROR_DENIED:
	case GUNYAH_ERROR_CSPACE_CAP_NULL:
	case GUNYAH_ERROR_CSPACE_CAP_REVOKED:
	case GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE:
	case GUNYAH_ERROR_CSPACE_INSUF_RIGHTS:
		return -EACCES;
	case GUNYAH_ERROR_CSPACE_FULL:
	case GUNYAH_ERROR_BUSY:
	case GUNYAH_ERROR_IDLE:
		return -EBUSY;
	case GUNYAH_ERROR_IRQ_BOUND:
	case GUNYAH_ERROR_IRQ_UNBOUND:
	case GUNYAH_ERROR_MSGQUEUE_FULL:
	case GUNYAH_ERROR_MSGQUEUE_EMPTY:
		return -EIO;
	case GUNYAH_ERROR_UNIMPLEMENTED:
		return -EOPNOTSUPP;
	case GUNYAH_ERROR_RETRY:
		return -EAGAIN;
	default:
		return -EINVAL;
	}
}

/* HYP_IDENTIFY api_info fields */
#define GUNYAH_API_INFO_API_VERSION_MASK	GENMASK_ULL(13, 0)
#define GUNYAH_API_INFO_BIG_ENDIAN		BIT_ULL(14)
#define GUNYAH_API_INFO_IS_64BIT		BIT_ULL(15)
#define GUNYAH_API_INFO_VARIANT_MASK		GENMASK_ULL(63, 56)
#define GUNYAH_API_V1				1

struct gunyah_hypercall_hyp_identify_resp {
	u64 api_info;
	u64 flags[3];
};

#define GUNYAH_HYPERCALL_MSGQ_TX_FLAGS_PUSH	BIT(0)
#define GUNYAH_MSGQ_MAX_MSG_SIZE		240

/* vcpu_run states (a1 of the vcpu_run reply) */
enum gunyah_vcpu_state {
	GUNYAH_VCPU_STATE_READY			= 0,
	GUNYAH_VCPU_STATE_EXPECTS_WAKEUP	= 1,
	GUNYAH_VCPU_STATE_POWERED_OFF		= 2,
	GUNYAH_VCPU_STATE_BLOCKED		= 3,
	GUNYAH_VCPU_ADDRSPACE_VMMIO_READ	= 4,
	GUNYAH_VCPU_ADDRSPACE_VMMIO_WRITE	= 5,
	GUNYAH_VCPU_STATE_FAULT			= 6,
	GUNYAH_VCPU_ADDRSPACE_PAGE_FAULT	= 7,
	/* public hypervisor: the guest called PSCI SYSTEM_RESET(2) */
	GUNYAH_VCPU_STATE_PSCI_SYSTEM_RESET	= 0x100,
};

/* POWERED_OFF: state_data[0] bit 0 says the vCPU can never run again */
#define GUNYAH_VCPU_POWERED_OFF_EXITED		BIT_ULL(0)
/*
 * PSCI_SYSTEM_RESET: state_data[0] bit 63 for SYSTEM_RESET, else bits 31:0
 * are SYSTEM_RESET2's reset type and bit 62 says a 64-bit call;
 * state_data[1] is SYSTEM_RESET2's cookie.
 */
#define GUNYAH_VCPU_PSCI_RESET_LEGACY		BIT_ULL(63)
#define GUNYAH_VCPU_PSCI_RESET_64BIT		BIT_ULL(62)

/* resume_data[1] when resuming a VMMIO access */
enum gunyah_vmmio_action {
	GUNYAH_ADDRSPACE_VMMIO_ACTION_EMULATE	= 0,
	GUNYAH_ADDRSPACE_VMMIO_ACTION_RETRY	= 1,
	GUNYAH_ADDRSPACE_VMMIO_ACTION_FAULT	= 2,
};

struct gunyah_hypercall_vcpu_run_resp {
	u64 state;
	u64 state_data[3];
};

/**
 * struct gunyah_hypercall_ops - A hypercall backend
 * @name: shown in logs
 * @owner: module that provides the backend
 * @identify: HYP_IDENTIFY
 * @msgq_send: send @size bytes of @buff on message queue @capid; @ready
 *             says whether the queue can take more
 * @msgq_recv: receive up to @size bytes into @buff; @recv_size gets the
 *             length, @ready whether more messages wait
 * @vcpu_run: run vCPU @capid with @resume_data until it stops
 * @find_virq: the Linux irq an interrupt number from the RM is mapped to
 *             already (by anyone), or 0
 * @map_virq: turn an interrupt number from the RM into a Linux irq; like
 *            the GIC driver, may hand back an existing mapping
 * @unmap_virq: optional; undo @map_virq once the resource is released
 *
 * Only this layer knows whether the hypervisor is real. All calls may
 * sleep except where noted; msgq_send/msgq_recv are callable from a
 * threaded irq handler.
 */
struct gunyah_hypercall_ops {
	const char *name;
	struct module *owner;
	void (*identify)(struct gunyah_hypercall_hyp_identify_resp *resp);
	enum gunyah_error (*msgq_send)(u64 capid, size_t size, void *buff,
				       u64 tx_flags, bool *ready);
	enum gunyah_error (*msgq_recv)(u64 capid, void *buff, size_t size,
				       size_t *recv_size, bool *ready);
	enum gunyah_error (*vcpu_run)(u64 capid, unsigned long *resume_data,
				      struct gunyah_hypercall_vcpu_run_resp *resp);
	unsigned int (*find_virq)(u32 virq);
	int (*map_virq)(u32 virq);
	void (*unmap_virq)(unsigned int irq);
};

int gunyah_hypercall_register(const struct gunyah_hypercall_ops *ops);
void gunyah_hypercall_unregister(const struct gunyah_hypercall_ops *ops);
int gunyah_hypercall_get_backend(void);
void gunyah_hypercall_put_backend(void);
#ifdef CONFIG_ARM64
bool gunyah_hypercall_native(void);
#else
static inline bool gunyah_hypercall_native(void) { return false; }
#endif

void gunyah_hypercall_hyp_identify(struct gunyah_hypercall_hyp_identify_resp *resp);
enum gunyah_error gunyah_hypercall_msgq_send(u64 capid, size_t size, void *buff,
					     u64 tx_flags, bool *ready);
enum gunyah_error gunyah_hypercall_msgq_recv(u64 capid, void *buff, size_t size,
					     size_t *recv_size, bool *ready);
enum gunyah_error
gunyah_hypercall_vcpu_run(u64 capid, unsigned long *resume_data,
			  struct gunyah_hypercall_vcpu_run_resp *resp);
int gunyah_hypercall_map_virq(u32 virq);
void gunyah_hypercall_unmap_virq(unsigned int irq);

struct dentry;
struct dentry *gunyah_debugfs_root(void);

/* ---- Resources handed out by the RM ---- */

enum gunyah_resource_type {
	GUNYAH_RESOURCE_TYPE_BELL_TX	= 0,
	GUNYAH_RESOURCE_TYPE_BELL_RX	= 1,
	GUNYAH_RESOURCE_TYPE_MSGQ_TX	= 2,
	GUNYAH_RESOURCE_TYPE_MSGQ_RX	= 3,
	GUNYAH_RESOURCE_TYPE_VCPU	= 4,
	GUNYAH_RESOURCE_TYPE_MEM_EXTENT	= 9,
	GUNYAH_RESOURCE_TYPE_ADDR_SPACE	= 10,
};

/* For the log and debugfs: "unknown" where Linux knows no such type */
static inline const char *gunyah_resource_type_name(unsigned int type)
{
	static const char * const names[] = {
		[GUNYAH_RESOURCE_TYPE_BELL_TX]		= "bell_tx",
		[GUNYAH_RESOURCE_TYPE_BELL_RX]		= "bell_rx",
		[GUNYAH_RESOURCE_TYPE_MSGQ_TX]		= "msgq_tx",
		[GUNYAH_RESOURCE_TYPE_MSGQ_RX]		= "msgq_rx",
		[GUNYAH_RESOURCE_TYPE_VCPU]		= "vcpu",
		[GUNYAH_RESOURCE_TYPE_MEM_EXTENT]	= "mem_extent",
		[GUNYAH_RESOURCE_TYPE_ADDR_SPACE]	= "addr_space",
	};

	return type < ARRAY_SIZE(names) && names[type] ? names[type] : "unknown";
}

/**
 * struct gunyah_resource - A capability the VM manager holds for a VM
 * @type: what the capability is
 * @capid: capability id, passed to hypercalls
 * @irq: Linux irq (0 if none)
 * @list: on the VM's resource list
 * @rm_label: label the RM gave it (the vCPU index for a vCPU)
 */
struct gunyah_resource {
	enum gunyah_resource_type type;
	u64 capid;
	unsigned int irq;
	struct list_head list;
	u32 rm_label;
};

/* ---- Resource manager (gunyah_rsc_mgr.ko) ---- */

#define GUNYAH_RM_NOTIFICATION_VM_EXITED	0x56100001
#define GUNYAH_RM_NOTIFICATION_VM_STATUS	0x56100008

enum gunyah_rm_vm_status {
	GUNYAH_RM_VM_STATUS_NO_STATE	= 0,
	GUNYAH_RM_VM_STATUS_INIT	= 1,
	GUNYAH_RM_VM_STATUS_READY	= 2,
	GUNYAH_RM_VM_STATUS_RUNNING	= 3,
	GUNYAH_RM_VM_STATUS_PAUSED	= 4,
	GUNYAH_RM_VM_STATUS_LOAD	= 5,
	GUNYAH_RM_VM_STATUS_AUTH	= 6,
	GUNYAH_RM_VM_STATUS_INIT_FAILED	= 8,
	GUNYAH_RM_VM_STATUS_EXITED	= 9,
	GUNYAH_RM_VM_STATUS_RESETTING	= 10,
	GUNYAH_RM_VM_STATUS_RESET	= 11,
};

/* For the log and debugfs: "unknown" where Linux knows no such status */
static inline const char *gunyah_vm_status_name(unsigned int status)
{
	static const char * const names[] = {
		[GUNYAH_RM_VM_STATUS_NO_STATE]		= "no_state",
		[GUNYAH_RM_VM_STATUS_INIT]		= "init",
		[GUNYAH_RM_VM_STATUS_READY]		= "ready",
		[GUNYAH_RM_VM_STATUS_RUNNING]		= "running",
		[GUNYAH_RM_VM_STATUS_PAUSED]		= "paused",
		[GUNYAH_RM_VM_STATUS_LOAD]		= "load",
		[GUNYAH_RM_VM_STATUS_AUTH]		= "auth",
		[GUNYAH_RM_VM_STATUS_INIT_FAILED]	= "init_failed",
		[GUNYAH_RM_VM_STATUS_EXITED]		= "exited",
		[GUNYAH_RM_VM_STATUS_RESETTING]		= "resetting",
		[GUNYAH_RM_VM_STATUS_RESET]		= "reset",
	};

	return status < ARRAY_SIZE(names) && names[status] ? names[status] : "unknown";
}

struct gunyah_rm_vm_exited_payload {
	__le16 vmid;
	__le16 exit_type;
	__le32 exit_reason_size;
	u8 exit_reason[];
} __packed;

struct gunyah_rm_vm_status_payload {
	__le16 vmid;
	u16 reserved;
	u8 vm_status;
	u8 os_status;
	__le16 app_status;
} __packed;

/**
 * struct gunyah_rm_platform_data - How a non-DT platform (the simulator)
 * describes the RM's message queues to the "gunyah_rsc_mgr" platform
 * driver. The platform device's irq resource 0 is the TX-allowed
 * interrupt, resource 1 the RX-requested interrupt, as in the DT binding.
 * @tx_capid: capability id of the TX message queue
 * @rx_capid: capability id of the RX message queue
 */
struct gunyah_rm_platform_data {
	u64 tx_capid;
	u64 rx_capid;
};

#define GUNYAH_RM_PLATFORM_DEV_NAME	"gunyah_rsc_mgr"

struct gunyah_rm;

int gunyah_rm_notifier_register(struct gunyah_rm *rm, struct notifier_block *nb);
int gunyah_rm_notifier_unregister(struct gunyah_rm *rm, struct notifier_block *nb);
size_t gunyah_rm_notification_size(const void *payload);
struct gunyah_rm *gunyah_rm_get(struct gunyah_rm *rm);
void gunyah_rm_put(struct gunyah_rm *rm);

/* ---- VM manager: functions and resource tickets ---- */

struct gunyah_vm;

/**
 * struct gunyah_vm_function_instance - One function added to a VM
 * @arg_size: size of @argp
 * @argp: kernel copy of the user's argument
 * @ghvm: the VM
 * @fn: the function type's ops
 * @data: owned by the function
 * @vm_list: on the VM's function list
 */
struct gunyah_vm_function_instance {
	size_t arg_size;
	void *argp;
	struct gunyah_vm *ghvm;
	struct gunyah_vm_function *fn;
	void *data;
	struct list_head vm_list;
};

/**
 * struct gunyah_vm_function - A function type (GUNYAH_FN_*)
 * @type: the GUNYAH_FN_* value
 * @name: for logs
 * @mod: module that implements it
 * @bind: create an instance; returns what GUNYAH_VM_ADD_FUNCTION returns
 * @unbind: destroy an instance
 * @compare: does instance @f match the user's removal argument?
 */
struct gunyah_vm_function {
	u32 type;
	const char *name;
	struct module *mod;
	long (*bind)(struct gunyah_vm_function_instance *f);
	void (*unbind)(struct gunyah_vm_function_instance *f);
	bool (*compare)(const struct gunyah_vm_function_instance *f,
			const void *arg, size_t size);
};

int gunyah_vm_function_register(struct gunyah_vm_function *f);
void gunyah_vm_function_unregister(struct gunyah_vm_function *f);

/*
 * @_nr is @_type as a literal number (assert they agree next to the use):
 * the "ghfunc:N" alias that request_module() looks for must hold digits,
 * not the enum's name.
 */
#define DECLARE_GUNYAH_VM_FUNCTION(_name, _type, _nr, _bind, _unbind, _compare) \
	static struct gunyah_vm_function _name = {			\
		.type = _type,						\
		.name = __stringify(_name),				\
		.mod = THIS_MODULE,					\
		.bind = _bind,						\
		.unbind = _unbind,					\
		.compare = _compare,					\
	};								\
	MODULE_ALIAS("ghfunc:" __stringify(_nr))

/**
 * struct gunyah_vm_resource_ticket - Claim on RM resources of one type and label
 * @vm_list: on the VM's ticket list
 * @resources: resources populated into this ticket
 * @resource_type: type to match
 * @label: label to match
 * @owner: module holding the callbacks; pinned while the ticket is added
 * @populate: give a resource to the ticket; false rejects it
 * @unpopulate: take it back (VM teardown or ticket removal)
 */
struct gunyah_vm_resource_ticket {
	struct list_head vm_list;
	struct list_head resources;
	enum gunyah_resource_type resource_type;
	u32 label;
	struct module *owner;
	bool (*populate)(struct gunyah_vm_resource_ticket *ticket,
			 struct gunyah_resource *ghrsc);
	void (*unpopulate)(struct gunyah_vm_resource_ticket *ticket,
			   struct gunyah_resource *ghrsc);
};

int gunyah_vm_add_resource_ticket(struct gunyah_vm *ghvm,
				  struct gunyah_vm_resource_ticket *ticket);
void gunyah_vm_remove_resource_ticket(struct gunyah_vm *ghvm,
				      struct gunyah_vm_resource_ticket *ticket);

struct dentry *gunyah_vm_debugfs_dir(struct gunyah_vm *ghvm);

bool __must_check gunyah_vm_get(struct gunyah_vm *ghvm);
void gunyah_vm_put(struct gunyah_vm *ghvm);

int gunyah_vm_notifier_register(struct gunyah_vm *ghvm, struct notifier_block *nb);
void gunyah_vm_notifier_unregister(struct gunyah_vm *ghvm, struct notifier_block *nb);

#endif /* _GUNYAH_H */
