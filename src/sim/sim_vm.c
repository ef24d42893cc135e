// SPDX-License-Identifier: GPL-2.0-only
/*
 * A simulated VM's state as the RM reports it, and its lifetime: a status
 * change is a VM_STATUS notification, a guest's exit a VM_EXITED one. The
 * RM server (sim_rm.c) and the running vCPUs (sim_vcpu.c) both move a VM
 * on through here; the last reference frees it after the SRCU readers
 * that may still find its vCPUs.
 */

#include <linux/kref.h>
#include <linux/slab.h>
#include <linux/srcu.h>

#include "sim.h"

/* The VM ran and stopped: its vCPUs can never run again */
bool sim_vm_is_down(const struct sim_vm *vm)
{
	switch (vm->status) {
	case GUNYAH_RM_VM_STATUS_EXITED:
	case GUNYAH_RM_VM_STATUS_RESETTING:
	case GUNYAH_RM_VM_STATUS_RESET:
	case GUNYAH_RM_VM_STATUS_INIT_FAILED:
		return true;
	default:
		return false;
	}
}

void sim_vm_set_status(struct sim_vm *vm, u8 status, struct sim_batch *batch)
{
	struct gunyah_rm_vm_status_payload p = {
		.vmid = cpu_to_le16(vm->vmid),
		.vm_status = status,
	};

	vm->status = status;
	sim_rm_notify(batch, GUNYAH_RM_NOTIFICATION_VM_STATUS, &p, sizeof(p));
}

/* The VM stopped (stop call or guest system_off): status, then exit info */
void sim_vm_exit(struct sim_vm *vm, u16 type, const u32 *words,
		 unsigned int nr_words, struct sim_batch *batch)
{
	struct gunyah_rm_vm_exited_payload *p;
	size_t rlen = nr_words * sizeof(__le32);
	unsigned int i;

	lockdep_assert_held(&gsim.lock);
	sim_vm_set_status(vm, GUNYAH_RM_VM_STATUS_EXITED, batch);
	vm->exit_type = type;
	vm->exit_reason_size = rlen;

	p = kzalloc(sizeof(*p) + rlen, GFP_KERNEL);
	if (p) {
		__le32 *reason = (__le32 *)p->exit_reason;

		p->vmid = cpu_to_le16(vm->vmid);
		p->exit_type = cpu_to_le16(type);
		p->exit_reason_size = cpu_to_le32(rlen);
		for (i = 0; i < nr_words; i++)
			reason[i] = cpu_to_le32(words[i]);
		sim_rm_notify(batch, GUNYAH_RM_NOTIFICATION_VM_EXITED, p,
			      sizeof(*p) + rlen);
		kfree(p);
	} else {
		pr_err("gunyah_sim: vm%u: out of memory, VM_EXITED not sent\n",
		       vm->vmid);
	}
	batch->vm = vm;
}

/*
 * A crashed guest: the RM reports the VM reset (v17's VM manager acts on
 * VM_STATUS RESET, and its vCPUs report the VM as crashed).
 */
void sim_vm_crash(struct sim_vm *vm, struct sim_batch *batch)
{
	lockdep_assert_held(&gsim.lock);
	vm->crashed = true;
	sim_mem_release_vm(vm);
	sim_vm_set_status(vm, GUNYAH_RM_VM_STATUS_RESET, batch);
	batch->vm = vm;
}

DEFINE_SRCU(sim_srcu);

static void sim_vm_free(struct rcu_head *head)
{
	struct sim_vm *vm = container_of(head, struct sim_vm, rcu);
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		sim_guest_free(&vm->vcpus[i]);
	kfree(vm);
}

static void sim_vm_release(struct kref *ref)
{
	struct sim_vm *vm = container_of(ref, struct sim_vm, ref);
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		ida_free(&gsim.hwirq_ida, vm->vcpus[i].hwirq);
	/* a vcpu_run that found a vCPU before it left gsim.vcpus may be inside */
	call_srcu(&sim_srcu, &vm->rcu, sim_vm_free);
}

void sim_vm_put(struct sim_vm *vm)
{
	kref_put(&vm->ref, sim_vm_release);
}
