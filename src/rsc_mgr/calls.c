// SPDX-License-Identifier: GPL-2.0-only
/*
 * Typed resource manager calls: VM lifecycle requests and the
 * variable-length hypervisor resource list.
 */

#include <linux/device.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "rsc_mgr/rsc_mgr.h"

/* A call whose reply carries no payload we need */
int gunyah_rm_call_noresp(struct gunyah_rm *rm, u32 message_id,
			  const void *req, size_t req_size)
{
	size_t resp_size;
	void *resp;
	int ret;

	ret = gunyah_rm_call(rm, message_id, req, req_size, &resp, &resp_size);
	kfree(resp);
	return ret;
}

static int gunyah_rm_common_vmid_call(struct gunyah_rm *rm, u32 message_id,
				      u16 vmid)
{
	struct gunyah_rm_vm_common_vmid_req req = {
		.vmid = cpu_to_le16(vmid),
	};

	return gunyah_rm_call_noresp(rm, message_id, &req, sizeof(req));
}

/*
 * The calls that carry just the vmid, each 0 or a negative errno.
 * Give a VM id back.
 */
int gunyah_rm_dealloc_vmid(struct gunyah_rm *rm, u16 vmid)
{
	return gunyah_rm_common_vmid_call(rm, GUNYAH_RM_RPC_VM_DEALLOC_VMID, vmid);
}

/* Reset a VM so that its vmid can be freed */
int gunyah_rm_vm_reset(struct gunyah_rm *rm, u16 vmid)
{
	return gunyah_rm_common_vmid_call(rm, GUNYAH_RM_RPC_VM_RESET, vmid);
}

/* Have the RM create the VM's resources */
int gunyah_rm_vm_init(struct gunyah_rm *rm, u16 vmid)
{
	return gunyah_rm_common_vmid_call(rm, GUNYAH_RM_RPC_VM_INIT, vmid);
}

/* Start a VM's vCPUs */
int gunyah_rm_vm_start(struct gunyah_rm *rm, u16 vmid)
{
	return gunyah_rm_common_vmid_call(rm, GUNYAH_RM_RPC_VM_START, vmid);
}

/**
 * gunyah_rm_alloc_vmid() - Allocate a VM id
 * @rm: the resource manager
 * @vmid: the id wanted, or 0 to let the RM pick one
 *
 * Return: the allocated VM id (> 0) or a negative errno.
 */
int gunyah_rm_alloc_vmid(struct gunyah_rm *rm, u16 vmid)
{
	struct gunyah_rm_vm_common_vmid_req req = {
		.vmid = cpu_to_le16(vmid),
	};
	struct gunyah_rm_vm_common_vmid_req *resp;
	size_t resp_size;
	int ret;

	ret = gunyah_rm_call(rm, GUNYAH_RM_RPC_VM_ALLOC_VMID, &req, sizeof(req),
			     (void **)&resp, &resp_size);
	if (ret)
		return ret;

	/* Only a vmid the RM picked comes back */
	if (!vmid && resp_size < sizeof(resp->vmid)) {
		dev_err(gunyah_rm_dev(rm), "ALLOC_VMID reply is %zu bytes: no vmid\n",
			resp_size);
		ret = -EBADMSG;
	} else if (!vmid) {
		vmid = le16_to_cpu(resp->vmid);
		if (!vmid)
			dev_err(gunyah_rm_dev(rm), "ALLOC_VMID returned vmid 0\n");
		ret = vmid ? 0 : -EBADMSG;
	}
	kfree(resp);
	return ret ? ret : vmid;
}

/**
 * gunyah_rm_vm_stop() - Stop a VM
 * @rm: the resource manager
 * @vmid: the VM
 * @flags: GUNYAH_RM_VM_STOP_FLAG_*
 * @stop_reason: passed to the RM as is
 *
 * Return: 0 or a negative errno.
 */
int gunyah_rm_vm_stop(struct gunyah_rm *rm, u16 vmid, u8 flags,
		      u32 stop_reason)
{
	struct gunyah_rm_vm_stop_req req = {
		.vmid = cpu_to_le16(vmid),
		.flags = flags,
		.stop_reason = cpu_to_le32(stop_reason),
	};

	return gunyah_rm_call_noresp(rm, GUNYAH_RM_RPC_VM_STOP, &req, sizeof(req));
}

/**
 * gunyah_rm_vm_configure() - Tell the RM where the VM's image is
 * @rm: the resource manager
 * @vmid: the VM
 * @auth_mech: GUNYAH_RM_VM_AUTH_*
 * @mem_handle: memory parcel holding the image
 * @image_offset: image offset in the parcel
 * @image_size: image size
 * @dtb_offset: device tree offset in the parcel
 * @dtb_size: device tree size
 *
 * Return: 0 or a negative errno.
 */
int gunyah_rm_vm_configure(struct gunyah_rm *rm, u16 vmid, u16 auth_mech,
			   u32 mem_handle, u64 image_offset, u64 image_size,
			   u64 dtb_offset, u64 dtb_size)
{
	struct gunyah_rm_vm_config_image_req req = {
		.vmid = cpu_to_le16(vmid),
		.auth_mech = cpu_to_le16(auth_mech),
		.mem_handle = cpu_to_le32(mem_handle),
		.image_offset = cpu_to_le64(image_offset),
		.image_size = cpu_to_le64(image_size),
		.dtb_offset = cpu_to_le64(dtb_offset),
		.dtb_size = cpu_to_le64(dtb_size),
	};

	return gunyah_rm_call_noresp(rm, GUNYAH_RM_RPC_VM_CONFIG_IMAGE, &req,
				     sizeof(req));
}

/**
 * gunyah_rm_get_hyp_resources() - The capabilities the VM manager holds
 *                                 for a VM
 * @rm: the resource manager
 * @vmid: the VM
 * @resources: set to the kmalloc'ed reply; kfree() it
 * @n_entries: set to the number of entries in @resources, checked
 *             against the size of the reply
 *
 * Return: 0 or a negative errno.
 */
int gunyah_rm_get_hyp_resources(struct gunyah_rm *rm, u16 vmid,
				struct gunyah_rm_hyp_resources **resources,
				u32 *n_entries)
{
	struct gunyah_rm_vm_common_vmid_req req = {
		.vmid = cpu_to_le16(vmid),
	};
	struct gunyah_rm_hyp_resources *resp;
	size_t resp_size, needed;
	u32 n;
	int ret;

	*resources = NULL;
	*n_entries = 0;

	ret = gunyah_rm_call(rm, GUNYAH_RM_RPC_VM_GET_HYP_RESOURCES, &req,
			     sizeof(req), (void **)&resp, &resp_size);
	if (ret)
		return ret;

	if (resp_size < sizeof(*resp)) {
		dev_err(gunyah_rm_dev(rm),
			"GET_HYP_RESOURCES reply for VM %u is %zu bytes: no entry count\n",
			vmid, resp_size);
		kfree(resp);
		return -EBADMSG;
	}

	n = le32_to_cpu(resp->n_entries);
	needed = struct_size(resp, entries, n);
	if (needed > resp_size) {
		dev_err(gunyah_rm_dev(rm),
			"GET_HYP_RESOURCES reply for VM %u claims %u entries but holds %zu bytes\n",
			vmid, n, resp_size);
		kfree(resp);
		return -EBADMSG;
	}

	*resources = resp;
	*n_entries = n;
	return 0;
}
