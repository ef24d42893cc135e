/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside gunyah_rsc_mgr.ko: the RM RPC core (rpc.c), the typed RM calls
 * (calls.c, mem_calls.c) and fault injection (fail_call.c, inject.c).
 * The VM manager (src/vm_mgr) is a client of the core: the core never
 * calls up into it.
 */

#ifndef _GUNYAH_RSC_MGR_H
#define _GUNYAH_RSC_MGR_H

#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/types.h>

#include "gunyah.h"
#include "gunyah_fault.h"
#include "gunyah_knob.h"
#include "rm_proto.h"

struct device;

/* rpc.c */
/*
 * Timeouts in ms are 1 ms to a day: 0 would fail every wait at once, and
 * UINT_MAX (about 50 days) would leave a caller waiting on a dead RM.
 */
#define GUNYAH_RM_MAX_TIMEOUT_MS	(24U * 60 * 60 * 1000)
int gunyah_rm_call(struct gunyah_rm *rm, u32 message_id, const void *req,
		   size_t req_size, void **resp, size_t *resp_size);
struct device *gunyah_rm_dev(struct gunyah_rm *rm);
void gunyah_rm_handle_message(struct gunyah_rm *rm, const void *msg, size_t size);
void gunyah_rm_flush_notifications(struct gunyah_rm *rm);

/**
 * struct gunyah_rm_client - A layer above the RPC core, bound to each RM
 * @list: in the core's list of clients
 * @name: for the log
 * @bind: an RM device bound: take it up; an error fails the probe
 * @unbind: it goes away (only after a successful @bind)
 */
struct gunyah_rm_client {
	struct list_head list;
	const char *name;
	int (*bind)(struct gunyah_rm *rm);
	void (*unbind)(struct gunyah_rm *rm);
};

void gunyah_rm_register_client(struct gunyah_rm_client *client);
void gunyah_rm_unregister_client(struct gunyah_rm_client *client);
int gunyah_rm_core_init(void);
void gunyah_rm_core_exit(void);

/* calls.c */
int gunyah_rm_call_noresp(struct gunyah_rm *rm, u32 message_id,
			  const void *req, size_t req_size);
int gunyah_rm_alloc_vmid(struct gunyah_rm *rm, u16 vmid);
int gunyah_rm_dealloc_vmid(struct gunyah_rm *rm, u16 vmid);
int gunyah_rm_vm_reset(struct gunyah_rm *rm, u16 vmid);
int gunyah_rm_vm_start(struct gunyah_rm *rm, u16 vmid);
int gunyah_rm_vm_stop(struct gunyah_rm *rm, u16 vmid, u8 flags,
		      u32 stop_reason);
int gunyah_rm_vm_configure(struct gunyah_rm *rm, u16 vmid, u16 auth_mech,
			   u32 mem_handle, u64 image_offset, u64 image_size,
			   u64 dtb_offset, u64 dtb_size);
int gunyah_rm_vm_init(struct gunyah_rm *rm, u16 vmid);
int gunyah_rm_get_hyp_resources(struct gunyah_rm *rm, u16 vmid,
				struct gunyah_rm_hyp_resources **resources,
				u32 *n_entries);

/**
 * struct gunyah_rm_mem_parcel - Memory given to VMs in one RM parcel
 * @label: the parcel's label (the VM's device tree names it)
 * @lend: MEM_LEND (the host gives up access) rather than MEM_SHARE
 * @n_acl: entries in @acl
 * @acl: who gets which rights; for a share the host too
 * @n_ranges: entries in @ranges
 * @ranges: host physical ranges, coalesced
 * @mem_handle: the RM's handle, once @held
 * @held: the RM holds the memory: it must stay pinned until reclaimed
 * @unknown: the share's outcome is unknown (no reply in time, or a reply
 *           without a handle): the RM may hold the memory under a handle
 *           nobody knows, so it must stay pinned for good
 */
struct gunyah_rm_mem_parcel {
	u32 label;
	bool lend;
	u32 n_acl;
	struct gunyah_rm_mem_acl_entry *acl;
	u32 n_ranges;
	struct gunyah_rm_mem_range *ranges;
	u32 mem_handle;
	bool held;
	bool unknown;
};

/* mem_calls.c */
int gunyah_rm_get_vmid(struct gunyah_rm *rm, u16 *vmid);
int gunyah_rm_vm_set_boot_context(struct gunyah_rm *rm, u16 vmid, u8 reg_set,
				  u8 reg_index, u64 value);
int gunyah_rm_mem_share(struct gunyah_rm *rm, struct gunyah_rm_mem_parcel *p);
int gunyah_rm_mem_reclaim(struct gunyah_rm *rm, u32 mem_handle);

/* fail_call.c: fail_rm_call, asked by the core before each send */
extern struct gunyah_fault gunyah_fail_rm_call_attr;
bool __gunyah_rm_fail_call(u32 msg_id, size_t size, u32 *rm_error);

/**
 * gunyah_rm_fail_call() - Should this RM call complete with an injected error?
 * @msg_id: the call's message id
 * @size: bytes the request takes on the wire
 * @rm_error: set to the RM error to complete it with
 *
 * One READ_ONCE() while fail_rm_call is disarmed.
 *
 * Return: true if the call must not be sent.
 */
static inline bool gunyah_rm_fail_call(u32 msg_id, size_t size, u32 *rm_error)
{
	if (likely(!gunyah_fault_armed(&gunyah_fail_rm_call_attr)))
		return false;
	return __gunyah_rm_fail_call(msg_id, size, rm_error);
}

void gunyah_rm_fail_call_init(void);
void gunyah_rm_fail_call_exit(void);

/* inject.c: rm_inject, a client of the core */
void gunyah_rm_inject_init(void);
void gunyah_rm_inject_exit(void);

#endif /* _GUNYAH_RSC_MGR_H */
