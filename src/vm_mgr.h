/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VM manager's view of one VM, shared with the VM functions (vCPU)
 * that need its status and exit information.
 */

#ifndef _GUNYAH_VM_MGR_H
#define _GUNYAH_VM_MGR_H

#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/wait.h>

#include "gunyah.h"

struct device;

#define GUNYAH_VM_EXIT_REASON_KEPT	64

/**
 * struct gunyah_vm - One VM created through /dev/gunyah
 * @vmid: the RM's id for the VM (0 until allocated)
 * @rm: the resource manager
 * @parent: device for logs
 * @nh: the VM's functions' notifiers: the RM's VM_STATUS and VM_EXITED for
 *      this VM only, after the VM manager has recorded them
 * @vm_status: last status the RM reported (&enum gunyah_rm_vm_status)
 * @vm_status_wait: woken on every @vm_status or @rm_state change
 * @rm_state: the RM's own state of the VM as last reported (VM_STATUS),
 *            unfiltered; what decides which calls the RM accepts now
 * @rm_configured: the RM accepted VM_CONFIG_IMAGE, so it holds a
 *                 configuration for the VM (its VM_RESET needs one)
 * @status_lock: protects @vm_status, @rm_state, @vmid and @exit_info; held
 *               only to read or change them, never across an RM call
 * @start_lock: one VM_START (and its rollback) at a time, and no change to
 *              the memory, device tree or boot registers while it runs
 * @exit_info: why the VM exited, from the RM's VM_EXITED notification;
 *             reason_size is the size the RM sent, reason holds at most
 *             %GUNYAH_VM_MAX_EXIT_REASON_SIZE bytes of it
 * @exit_reason: the RM's whole exit reason, up to
 *               %GUNYAH_VM_EXIT_REASON_KEPT bytes (SYSTEM_RESET2's cookie
 *               is past what the run page holds); shown in the VM fd's
 *               fdinfo
 * @exit_reason_len: bytes of @exit_reason that arrived
 * @kref: references from the VM fd and from each function instance
 * @fn_lock: protects @functions; held across a function's bind and
 *           unbind, which may add and remove resource tickets, and across
 *           a failed start's taking back of resources, so that no ticket
 *           goes away while a resource of it is being unpopulated
 * @functions: &struct gunyah_vm_function_instance list
 * @resource_tickets: &struct gunyah_vm_resource_ticket list
 * @resources: &struct gunyah_resource list, from the RM, of resources no
 *             ticket holds (a ticket's resources are on its own list)
 * @debugfs: per-VM debugfs directory (may be an error pointer); created
 *           with the vmid, removed once the resources are released
 * @stats: counters shown in @debugfs/stats, written by the RM's
 *         notification work only (one writer), read racily
 * @stats.notifications_vm_status: VM_STATUS notifications for this VM
 * @stats.notifications_vm_exited: VM_EXITED notifications for this VM
 * @resources_lock: protects @resource_tickets, @resources and the
 *                  tickets' resource lists; nests inside @fn_lock
 * @mem_maps: &struct gunyah_vm_mem_map list (vm_mem.c), changed under
 *            @start_lock and @status_lock (for fdinfo), before the VM starts
 * @nr_mem_maps: entries on @mem_maps
 * @dtb: where the guest's device tree is, once @dtb_set
 * @dtb_set: GUNYAH_VM_SET_DTB_CONFIG was called
 * @boot: the boot vCPU's registers the VMM set; sent after VM_INIT
 * @boot.x: X0..X31
 * @boot.pc: PC
 * @boot.sp: SP_EL0..SP_EL2
 * @boot.set: by register set (GUNYAH_VM_BOOT_CONTEXT_REG_SET_*), bit N:
 *            register N of the set was set
 */
struct gunyah_vm {
	u16 vmid;
	struct gunyah_rm *rm;
	struct device *parent;

	struct blocking_notifier_head nh;
	enum gunyah_rm_vm_status vm_status;
	enum gunyah_rm_vm_status rm_state;
	bool rm_configured;
	wait_queue_head_t vm_status_wait;
	struct rw_semaphore status_lock;
	struct mutex start_lock;	/* serialises VM_START and the mem ioctls */
	struct gunyah_vm_exit_info exit_info;
	u8 exit_reason[GUNYAH_VM_EXIT_REASON_KEPT];
	u8 exit_reason_len;

	struct kref kref;
	struct mutex fn_lock;	/* guards @functions */
	struct list_head functions;
	struct list_head resource_tickets;
	struct list_head resources;

	struct dentry *debugfs;
	struct mutex resources_lock;	/* guards tickets and resources */

	struct list_head mem_maps;
	unsigned int nr_mem_maps;
	struct gunyah_vm_dtb_config dtb;
	bool dtb_set;
	struct {
		u64 x[32];
		u64 pc;
		u64 sp[3];
		u32 set[3];
	} boot;

	struct {
		u64 notifications_vm_status;
		u64 notifications_vm_exited;
	} stats;
};

/*
 * The fault handler of a file mapping @n pages: the page at the fault's
 * offset, referenced for the page tables; SIGBUS past the last
 */
static inline vm_fault_t gunyah_vm_fault_pages(struct vm_fault *vmf,
					       struct page * const *pages,
					       unsigned long n)
{
	if (vmf->pgoff >= n)
		return VM_FAULT_SIGBUS;
	get_page(pages[vmf->pgoff]);
	vmf->page = pages[vmf->pgoff];
	return 0;
}

#endif /* _GUNYAH_VM_MGR_H */
