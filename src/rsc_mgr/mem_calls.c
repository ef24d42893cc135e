// SPDX-License-Identifier: GPL-2.0-only
/*
 * Resource manager calls for guest memory and boot: memory parcels
 * (MEM_SHARE, MEM_LEND, MEM_APPEND, MEM_RECLAIM), the host's own VM id
 * for the parcels' ACL, and the boot vCPU's registers.
 */

#include <linux/device.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include "rsc_mgr/rsc_mgr.h"

/* 0: as many ranges per message as fit; else at most this many (tests) */
static unsigned int mem_ranges_per_msg;
module_param(mem_ranges_per_msg, uint, 0644);
MODULE_PARM_DESC(mem_ranges_per_msg,
		 "Ranges per MEM_SHARE/MEM_APPEND message, 0 = as many as fit (a test knob: forces MEM_APPEND)");

/**
 * gunyah_rm_get_vmid() - The VM id the RM knows this host by
 * @rm: the resource manager
 * @vmid: set to the id
 *
 * Return: 0 or a negative errno.
 */
int gunyah_rm_get_vmid(struct gunyah_rm *rm, u16 *vmid)
{
	size_t resp_size;
	__le16 *resp;
	int ret;

	ret = gunyah_rm_call(rm, GUNYAH_RM_RPC_VM_GET_VMID, NULL, 0,
			     (void **)&resp, &resp_size);
	if (ret)
		return ret;
	if (resp_size < sizeof(*resp)) {
		dev_err(gunyah_rm_dev(rm), "VM_GET_VMID reply is %zu bytes: no vmid\n",
			resp_size);
		kfree(resp);
		return -EBADMSG;
	}
	*vmid = le16_to_cpu(*resp);
	kfree(resp);
	return 0;
}

/**
 * gunyah_rm_vm_set_boot_context() - Set a register of the boot vCPU
 * @rm: the resource manager
 * @vmid: the VM, initialized and not yet started
 * @reg_set: GUNYAH_VM_BOOT_CONTEXT_REG_SET_*
 * @reg_index: register within the set
 * @value: its value when the VM starts
 *
 * Return: 0 or a negative errno.
 */
int gunyah_rm_vm_set_boot_context(struct gunyah_rm *rm, u16 vmid, u8 reg_set,
				  u8 reg_index, u64 value)
{
	struct gunyah_rm_vm_set_boot_context_req req = {
		.vmid = cpu_to_le16(vmid),
		.reg_set = reg_set,
		.reg_index = reg_index,
		.value = cpu_to_le64(value),
	};

	return gunyah_rm_call_noresp(rm, GUNYAH_RM_RPC_VM_SET_BOOT_CONTEXT,
				     &req, sizeof(req));
}

/**
 * gunyah_rm_mem_reclaim() - Take a parcel's memory back from its VMs
 * @rm: the resource manager
 * @mem_handle: the parcel; no VM may hold it any more (MEM_INUSE else)
 *
 * Return: 0, once the host owns the memory alone again; or a negative
 * errno, and the memory stays with the parcel.
 */
int gunyah_rm_mem_reclaim(struct gunyah_rm *rm, u32 mem_handle)
{
	struct gunyah_rm_mem_release_req req = {
		.mem_handle = cpu_to_le32(mem_handle),
	};

	return gunyah_rm_call_noresp(rm, GUNYAH_RM_RPC_MEM_RECLAIM, &req,
				     sizeof(req));
}

/* How many ranges fit in a message that carries @fixed other bytes */
static u32 gunyah_rm_mem_ranges_fit(size_t fixed)
{
	u32 n = (GUNYAH_RM_MAX_MSG_LEN - fixed) /
		sizeof(struct gunyah_rm_mem_range);
	u32 knob = READ_ONCE(mem_ranges_per_msg);

	return knob ? min(n, knob) : n;
}

static int gunyah_rm_mem_append(struct gunyah_rm *rm, u32 mem_handle,
				const struct gunyah_rm_mem_range *ranges,
				u32 n, bool end)
{
	struct gunyah_rm_mem_append_hdr *hdr;
	struct gunyah_rm_mem_list_hdr *list;
	size_t size = sizeof(*hdr) + sizeof(*list) + n * sizeof(*ranges);
	void *msg;
	int ret;

	msg = kzalloc(size, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = msg;
	hdr->mem_handle = cpu_to_le32(mem_handle);
	hdr->flags = end ? GUNYAH_RM_MEM_APPEND_FLAG_END : 0;
	list = (void *)(hdr + 1);
	list->n_entries = cpu_to_le16(n);
	memcpy(list + 1, ranges, n * sizeof(*ranges));
	ret = gunyah_rm_call_noresp(rm, GUNYAH_RM_RPC_MEM_APPEND, msg, size);
	kfree(msg);
	return ret;
}

/**
 * gunyah_rm_mem_share() - Give memory to VMs as one parcel
 * @rm: the resource manager
 * @p: what to give; on success @p->mem_handle is set
 *
 * MEM_SHARE (the host keeps access, and is in the ACL) or MEM_LEND (the
 * host gives access up), with MEM_APPEND messages for ranges that do not
 * fit the first. A failure after the RM created the parcel reclaims it;
 * @p->held says whether the RM still holds the memory after all (if so,
 * it must stay pinned), @p->unknown that it may, under no known handle.
 *
 * Return: 0 or a negative errno.
 */
int gunyah_rm_mem_share(struct gunyah_rm *rm, struct gunyah_rm_mem_parcel *p)
{
	size_t fixed = sizeof(struct gunyah_rm_mem_share_hdr) + sizeof(__le32) +
		       p->n_acl * sizeof(*p->acl) +
		       2 * sizeof(struct gunyah_rm_mem_list_hdr);
	struct gunyah_rm_mem_share_hdr *hdr;
	struct gunyah_rm_mem_list_hdr *list;
	u32 first, done, n, append_fit;
	size_t size, resp_size;
	__le32 *resp;
	void *msg;
	u8 *pos;
	int ret;

	p->held = false;
	p->unknown = false;
	if (!p->n_acl || !p->n_ranges || fixed >= GUNYAH_RM_MAX_MSG_LEN)
		return -EINVAL;
	first = min(p->n_ranges, gunyah_rm_mem_ranges_fit(fixed));
	append_fit = gunyah_rm_mem_ranges_fit(sizeof(struct gunyah_rm_mem_append_hdr) +
					      sizeof(struct gunyah_rm_mem_list_hdr));
	if (!first || !append_fit)
		return -EINVAL;

	size = fixed + first * sizeof(*p->ranges);
	msg = kzalloc(size, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = msg;
	hdr->mem_type = GUNYAH_RM_MEM_TYPE_NORMAL;
	hdr->flags = first < p->n_ranges ? GUNYAH_RM_MEM_SHARE_FLAG_APPEND : 0;
	hdr->label = cpu_to_le32(p->label);
	pos = (u8 *)(hdr + 1);
	*(__le32 *)pos = cpu_to_le32(p->n_acl);
	pos += sizeof(__le32);
	memcpy(pos, p->acl, p->n_acl * sizeof(*p->acl));
	pos += p->n_acl * sizeof(*p->acl);
	list = (void *)pos;
	list->n_entries = cpu_to_le16(first);
	pos += sizeof(*list);
	memcpy(pos, p->ranges, first * sizeof(*p->ranges));
	/* then an empty attribute list: the RM's defaults for normal memory */

	ret = gunyah_rm_call(rm, p->lend ? GUNYAH_RM_RPC_MEM_LEND : GUNYAH_RM_RPC_MEM_SHARE,
			     msg, size, (void **)&resp, &resp_size);
	kfree(msg);
	/* No reply in time: the RM may have made the parcel all the same */
	if (ret == -ETIMEDOUT || ret == -EINTR)
		p->unknown = true;
	if (ret)
		return ret;
	if (resp_size < sizeof(*resp)) {
		/* A parcel may exist that we cannot name: nothing to undo it */
		dev_err(gunyah_rm_dev(rm), "MEM_%s reply is %zu bytes: no parcel handle\n",
			p->lend ? "LEND" : "SHARE", resp_size);
		kfree(resp);
		p->unknown = true;
		return -EBADMSG;
	}
	p->mem_handle = le32_to_cpu(*resp);
	p->held = true;
	kfree(resp);

	for (done = first; done < p->n_ranges; done += n) {
		n = min(p->n_ranges - done, append_fit);
		ret = gunyah_rm_mem_append(rm, p->mem_handle, p->ranges + done, n,
					   done + n == p->n_ranges);
		if (ret) {
			dev_err(gunyah_rm_dev(rm), "parcel %#x: MEM_APPEND of ranges %u..%u failed: %d\n",
				p->mem_handle, done, done + n - 1, ret);
			if (gunyah_rm_mem_reclaim(rm, p->mem_handle))
				dev_err(gunyah_rm_dev(rm), "parcel %#x: cannot reclaim the part given\n",
					p->mem_handle);
			else
				p->held = false;
			return ret;
		}
	}
	return 0;
}
