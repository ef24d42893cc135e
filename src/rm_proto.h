/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Wire format of the Gunyah resource-manager RPC: what the RM client
 * (src/rsc_mgr) sends and the simulated RM server (src/sim) answers.
 * All fields little endian.
 */

#ifndef _GUNYAH_RM_PROTO_H
#define _GUNYAH_RM_PROTO_H

#include <linux/bitfield.h>
#include <linux/types.h>

#define GUNYAH_RM_RPC_API		0x21	/* version 1, 2 header words */
#define GUNYAH_RM_RPC_TYPE_CONTINUATION	0x0
#define GUNYAH_RM_RPC_TYPE_REQUEST	0x1
#define GUNYAH_RM_RPC_TYPE_REPLY	0x2
#define GUNYAH_RM_RPC_TYPE_NOTIF	0x3
#define GUNYAH_RM_RPC_TYPE_MASK		GENMASK(1, 0)
#define GUNYAH_RM_RPC_FRAGMENTS_MASK	GENMASK(7, 2)
#define GUNYAH_RM_MAX_NUM_FRAGMENTS	62
#define GUNYAH_RM_MSG_SIZE		240	/* one message-queue message */

struct gunyah_rm_rpc_hdr {
	u8 api;
	u8 type;
	__le16 seq;
	__le32 msg_id;
} __packed;

struct gunyah_rm_rpc_reply_hdr {
	struct gunyah_rm_rpc_hdr hdr;
	__le32 err_code;
} __packed;

#define GUNYAH_RM_PAYLOAD_SIZE	(GUNYAH_RM_MSG_SIZE - sizeof(struct gunyah_rm_rpc_hdr))
#define GUNYAH_RM_MAX_MSG_LEN	(GUNYAH_RM_PAYLOAD_SIZE * (GUNYAH_RM_MAX_NUM_FRAGMENTS + 1))

/* RM error codes (le32 err_code of a reply) */
enum gunyah_rm_error {
	GUNYAH_RM_ERROR_OK			= 0x0,
	GUNYAH_RM_ERROR_UNIMPLEMENTED		= 0xFFFFFFFF,
	GUNYAH_RM_ERROR_NOMEM			= 0x1,
	GUNYAH_RM_ERROR_NORESOURCE		= 0x2,
	GUNYAH_RM_ERROR_DENIED			= 0x3,
	GUNYAH_RM_ERROR_INVALID			= 0x4,
	GUNYAH_RM_ERROR_BUSY			= 0x5,
	GUNYAH_RM_ERROR_ARGUMENT_INVALID	= 0x6,
	GUNYAH_RM_ERROR_HANDLE_INVALID		= 0x7,
	GUNYAH_RM_ERROR_VALIDATE_FAILED		= 0x8,
	GUNYAH_RM_ERROR_MAP_FAILED		= 0x9,
	GUNYAH_RM_ERROR_MEM_INVALID		= 0xA,
	GUNYAH_RM_ERROR_MEM_INUSE		= 0xB,
	GUNYAH_RM_ERROR_MEM_RELEASED		= 0xC,
	GUNYAH_RM_ERROR_VMID_INVALID		= 0xD,
	GUNYAH_RM_ERROR_LOOKUP_FAILED		= 0xE,
	GUNYAH_RM_ERROR_IRQ_INVALID		= 0xF,
	GUNYAH_RM_ERROR_IRQ_INUSE		= 0x10,
	GUNYAH_RM_ERROR_IRQ_RELEASED		= 0x11,
	GUNYAH_RM_ERROR_IN_USE			= 0x12,
	GUNYAH_RM_ERROR_IRQ_NOT_MAPPED		= 0x13,
	/* the call is not valid in the VM's current state */
	GUNYAH_RM_ERROR_VM_STATE		= 0x14,
};

/* Message ids of the calls this stack makes */
#define GUNYAH_RM_RPC_VM_ALLOC_VMID		0x56000001
#define GUNYAH_RM_RPC_VM_DEALLOC_VMID		0x56000002
#define GUNYAH_RM_RPC_VM_START			0x56000004
#define GUNYAH_RM_RPC_VM_STOP			0x56000005
#define GUNYAH_RM_RPC_VM_RESET			0x56000006
#define GUNYAH_RM_RPC_VM_CONFIG_IMAGE		0x56000009
#define GUNYAH_RM_RPC_VM_INIT			0x5600000B
#define GUNYAH_RM_RPC_VM_GET_HYP_RESOURCES	0x56000020
#define GUNYAH_RM_RPC_VM_GET_VMID		0x56000024
#define GUNYAH_RM_RPC_VM_SET_BOOT_CONTEXT	0x56000031
#define GUNYAH_RM_RPC_MEM_LEND			0x51000012
#define GUNYAH_RM_RPC_MEM_SHARE			0x51000013
#define GUNYAH_RM_RPC_MEM_RECLAIM		0x51000015
#define GUNYAH_RM_RPC_MEM_APPEND		0x51000018

/* Request for ALLOC_VMID (vmid 0: RM picks), DEALLOC, START, RESET, INIT,
 * GET_HYP_RESOURCES; reply payload of ALLOC_VMID.
 */
struct gunyah_rm_vm_common_vmid_req {
	__le16 vmid;
	__le16 reserved0;
} __packed;

#define GUNYAH_RM_VM_STOP_FLAG_FORCE_STOP	BIT(0)

struct gunyah_rm_vm_stop_req {
	__le16 vmid;
	u8 flags;
	u8 reserved;
	__le32 stop_reason;
} __packed;

#define GUNYAH_RM_VM_AUTH_NONE			0

struct gunyah_rm_vm_config_image_req {
	__le16 vmid;
	__le16 auth_mech;
	__le32 mem_handle;
	__le64 image_offset;
	__le64 image_size;
	__le64 dtb_offset;
	__le64 dtb_size;
} __packed;

/* VM_SET_BOOT_CONTEXT: one register of the boot vCPU */
struct gunyah_rm_vm_set_boot_context_req {
	__le16 vmid;
	u8 reg_set;
	u8 reg_index;
	__le32 reserved;
	__le64 value;
} __packed;

/*
 * Memory parcels (MEM_SHARE, MEM_LEND): a header, then three lists, each
 * a count and its entries: the ACL (who gets which rights), the ranges
 * (host physical address and size) and the memory attributes. The RM
 * replies with the parcel's handle. A list too long for one message
 * goes on in MEM_APPEND messages: the first carries
 * GUNYAH_RM_MEM_SHARE_FLAG_APPEND, the last append END.
 */
#define GUNYAH_RM_MEM_TYPE_NORMAL		0
#define GUNYAH_RM_MEM_RIGHTS_X			BIT(0)
#define GUNYAH_RM_MEM_RIGHTS_W			BIT(1)
#define GUNYAH_RM_MEM_RIGHTS_R			BIT(2)
#define GUNYAH_RM_MEM_SHARE_FLAG_APPEND		BIT(1)
#define GUNYAH_RM_MEM_APPEND_FLAG_END		BIT(0)

struct gunyah_rm_mem_share_hdr {
	u8 mem_type;
	u8 reserved0;
	u8 flags;
	u8 reserved1;
	__le32 label;
} __packed;

struct gunyah_rm_mem_acl_entry {
	__le16 vmid;
	u8 rights;
	u8 reserved;
} __packed;

/* Count of the ranges and of the attributes: le16 and two padding bytes */
struct gunyah_rm_mem_list_hdr {
	__le16 n_entries;
	__le16 reserved;
} __packed;

struct gunyah_rm_mem_range {
	__le64 phys_addr;
	__le64 size;
} __packed;

struct gunyah_rm_mem_attr_entry {
	__le16 attr;
	__le16 vmid;
} __packed;

struct gunyah_rm_mem_append_hdr {
	__le32 mem_handle;
	u8 flags;
	u8 reserved[3];
} __packed;

/* MEM_RECLAIM */
struct gunyah_rm_mem_release_req {
	__le32 mem_handle;
	u8 flags;
	u8 reserved[3];
} __packed;

struct gunyah_rm_hyp_resource {
	u8 type;
	u8 reserved;
	__le16 partner_vmid;
	__le32 resource_handle;
	__le32 resource_label;
	__le64 cap_id;
	__le32 virq_handle;
	__le32 virq;
	__le64 base;
	__le64 size;
} __packed;

/* Reply payload of GET_HYP_RESOURCES */
struct gunyah_rm_hyp_resources {
	__le32 n_entries;
	struct gunyah_rm_hyp_resource entries[];
} __packed;

#endif /* _GUNYAH_RM_PROTO_H */
