// SPDX-License-Identifier: GPL-2.0-only
/*
 * A VM's resources from the RM and the resource tickets that claim them
 * (matched by type and label), plus the per-VM debugfs directory that
 * lists them.
 */

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "vm_mgr/vm_mgr_priv.h"

static bool gunyah_ticket_matches(const struct gunyah_vm_resource_ticket *ticket,
				  const struct gunyah_resource *ghrsc)
{
	return ticket->resource_type == ghrsc->type &&
	       ticket->label == ghrsc->rm_label;
}

/*
 * Offer @ghrsc to @ticket. A ticket holds at most one resource: an RM that
 * hands out the same type and label twice gets the duplicate left unclaimed
 * (and the function's populate() is never re-entered for it).
 */
static bool gunyah_ticket_offer(struct gunyah_vm *ghvm,
				struct gunyah_vm_resource_ticket *ticket,
				struct gunyah_resource *ghrsc)
	__must_hold(&ghvm->resources_lock)
{
	if (!list_empty(&ticket->resources)) {
		dev_warn_ratelimited(ghvm->parent,
				     "VM %u: duplicate %s resource label %u (capid %#llx) left unclaimed\n",
				     ghvm->vmid, gunyah_resource_type_name(ghrsc->type),
				     ghrsc->rm_label, ghrsc->capid);
		return false;
	}
	if (!ticket->populate(ticket, ghrsc)) {
		dev_warn_ratelimited(ghvm->parent,
				     "VM %u: %s resource label %u (capid %#llx) was refused by its ticket\n",
				     ghvm->vmid, gunyah_resource_type_name(ghrsc->type),
				     ghrsc->rm_label, ghrsc->capid);
		return false;
	}
	list_move_tail(&ghrsc->list, &ticket->resources);
	return true;
}

/**
 * gunyah_vm_add_resource_ticket() - Claim resources of a type and label
 * @ghvm: the VM
 * @ticket: the claim; resources the VM already holds are populated into
 *          it right away, later ones when the VM starts
 *
 * Pins @ticket->owner until gunyah_vm_remove_resource_ticket().
 *
 * Return: 0, -EEXIST if the VM has a ticket for that type and label,
 * -ENODEV if the owner module is going away.
 */
int gunyah_vm_add_resource_ticket(struct gunyah_vm *ghvm,
				  struct gunyah_vm_resource_ticket *ticket)
{
	struct gunyah_vm_resource_ticket *iter;
	struct gunyah_resource *ghrsc, *tmp;
	int ret = 0;

	mutex_lock(&ghvm->resources_lock);
	list_for_each_entry(iter, &ghvm->resource_tickets, vm_list) {
		if (iter->resource_type == ticket->resource_type &&
		    iter->label == ticket->label) {
			dev_err_ratelimited(ghvm->parent,
					    "VM %u: a ticket for %s label %u exists already\n",
					    ghvm->vmid,
					    gunyah_resource_type_name(ticket->resource_type),
					    ticket->label);
			ret = -EEXIST;
			goto out;
		}
	}

	if (!try_module_get(ticket->owner)) {
		dev_err_ratelimited(ghvm->parent,
				    "VM %u: the module of the %s ticket is going away\n",
				    ghvm->vmid,
				    gunyah_resource_type_name(ticket->resource_type));
		ret = -ENODEV;
		goto out;
	}

	INIT_LIST_HEAD(&ticket->resources);
	list_add(&ticket->vm_list, &ghvm->resource_tickets);

	list_for_each_entry_safe(ghrsc, tmp, &ghvm->resources, list)
		if (gunyah_ticket_matches(ticket, ghrsc))
			gunyah_ticket_offer(ghvm, ticket, ghrsc);
out:
	mutex_unlock(&ghvm->resources_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(gunyah_vm_add_resource_ticket);

/*
 * Take back resources detached from @ticket. Called without resources_lock:
 * a vCPU's unpopulate waits for its runner, which may be in a hypercall
 * for as long as the guest keeps it, and resources_lock is what a start
 * (and the VM's debugfs readers) need meanwhile.
 */
static void gunyah_ticket_unpopulate(struct gunyah_vm_resource_ticket *ticket,
				     struct list_head *taken)
{
	struct gunyah_resource *ghrsc;

	list_for_each_entry(ghrsc, taken, list)
		ticket->unpopulate(ticket, ghrsc);
}

/**
 * gunyah_vm_remove_resource_ticket() - Withdraw a resource claim
 * @ghvm: the VM
 * @ticket: as passed to gunyah_vm_add_resource_ticket(); its resources are
 *          unpopulated and go back to the VM
 */
void gunyah_vm_remove_resource_ticket(struct gunyah_vm *ghvm,
				      struct gunyah_vm_resource_ticket *ticket)
{
	LIST_HEAD(taken);

	mutex_lock(&ghvm->resources_lock);
	/* Off the list first: nothing is offered to it while it lets go */
	list_del(&ticket->vm_list);
	list_splice_init(&ticket->resources, &taken);
	mutex_unlock(&ghvm->resources_lock);

	gunyah_ticket_unpopulate(ticket, &taken);

	mutex_lock(&ghvm->resources_lock);
	list_splice_tail(&taken, &ghvm->resources);
	mutex_unlock(&ghvm->resources_lock);
	module_put(ticket->owner);
}
EXPORT_SYMBOL_GPL(gunyah_vm_remove_resource_ticket);

static struct gunyah_resource *
gunyah_resource_alloc(struct gunyah_vm *ghvm,
		      const struct gunyah_rm_hyp_resource *entry)
{
	struct gunyah_resource *ghrsc;
	u32 virq = le32_to_cpu(entry->virq);
	int irq;

	ghrsc = kzalloc(sizeof(*ghrsc), GFP_KERNEL);
	if (!ghrsc)
		return ERR_PTR(-ENOMEM);
	ghrsc->type = entry->type;
	ghrsc->capid = le64_to_cpu(entry->cap_id);
	ghrsc->rm_label = le32_to_cpu(entry->resource_label);

	if (virq) {
		irq = gunyah_hypercall_map_virq(virq);
		if (irq < 0) {
			dev_err(ghvm->parent,
				"VM %u: cannot map virq %u of %s resource label %u: %d\n",
				ghvm->vmid, virq,
				gunyah_resource_type_name(ghrsc->type),
				ghrsc->rm_label, irq);
			kfree(ghrsc);
			return ERR_PTR(irq);
		}
		ghrsc->irq = irq;
	}
	return ghrsc;
}

/**
 * gunyah_vm_add_resources() - Take the resources the RM gave a VM
 * @ghvm: the VM
 * @res: GET_HYP_RESOURCES reply, validated to hold @n entries
 * @n: number of entries
 *
 * Each resource goes to the ticket matching its type and label, if any.
 * On error the resources taken so far stay on the VM; the caller releases
 * them with gunyah_vm_release_resources().
 *
 * Return: 0 or a negative errno.
 */
int gunyah_vm_add_resources(struct gunyah_vm *ghvm,
			    const struct gunyah_rm_hyp_resources *res, u32 n)
{
	struct gunyah_vm_resource_ticket *ticket;
	struct gunyah_resource *ghrsc;
	u32 i;

	for (i = 0; i < n; i++) {
		ghrsc = gunyah_resource_alloc(ghvm, &res->entries[i]);
		if (IS_ERR(ghrsc))
			return PTR_ERR(ghrsc);

		mutex_lock(&ghvm->resources_lock);
		list_add_tail(&ghrsc->list, &ghvm->resources);
		list_for_each_entry(ticket, &ghvm->resource_tickets, vm_list) {
			if (gunyah_ticket_matches(ticket, ghrsc)) {
				gunyah_ticket_offer(ghvm, ticket, ghrsc);
				break;
			}
		}
		mutex_unlock(&ghvm->resources_lock);
	}
	return 0;
}

/**
 * gunyah_vm_release_resources() - Take every resource back from the
 *                                 tickets and free it
 * @ghvm: the VM
 */
void gunyah_vm_release_resources(struct gunyah_vm *ghvm)
{
	struct gunyah_vm_resource_ticket *ticket;
	struct gunyah_resource *ghrsc, *tmp;
	LIST_HEAD(taken);

	mutex_lock(&ghvm->resources_lock);
restart:
	/* Unpopulating drops the lock, so the list may change under us */
	list_for_each_entry(ticket, &ghvm->resource_tickets, vm_list) {
		if (!list_empty(&ticket->resources)) {
			list_splice_init(&ticket->resources, &taken);
			mutex_unlock(&ghvm->resources_lock);
			gunyah_ticket_unpopulate(ticket, &taken);
			mutex_lock(&ghvm->resources_lock);
			list_splice_tail_init(&taken, &ghvm->resources);
			goto restart;
		}
	}
	list_for_each_entry_safe(ghrsc, tmp, &ghvm->resources, list) {
		list_del(&ghrsc->list);
		if (ghrsc->irq)
			gunyah_hypercall_unmap_virq(ghrsc->irq);
		kfree(ghrsc);
	}
	mutex_unlock(&ghvm->resources_lock);
}

static void gunyah_resource_show(struct seq_file *s,
				 const struct gunyah_resource *ghrsc,
				 bool claimed)
{
	seq_printf(s, "type=%s label=%u capid=%#llx irq=%u claimed=%d\n",
		   gunyah_resource_type_name(ghrsc->type), ghrsc->rm_label,
		   ghrsc->capid, ghrsc->irq, claimed);
}

static int gunyah_vm_resources_show(struct seq_file *s, void *unused)
{
	struct gunyah_vm *ghvm = s->private;
	struct gunyah_vm_resource_ticket *ticket;
	struct gunyah_resource *ghrsc;

	mutex_lock(&ghvm->resources_lock);
	list_for_each_entry(ticket, &ghvm->resource_tickets, vm_list)
		list_for_each_entry(ghrsc, &ticket->resources, list)
			gunyah_resource_show(s, ghrsc, true);
	list_for_each_entry(ghrsc, &ghvm->resources, list)
		gunyah_resource_show(s, ghrsc, false);
	mutex_unlock(&ghvm->resources_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gunyah_vm_resources);

/* gunyah/vm<vmid>/stats: the VM's counters, "name: value" lines */
static int gunyah_vm_stats_show(struct seq_file *s, void *unused)
{
	struct gunyah_vm *ghvm = s->private;

	seq_printf(s, "notifications_vm_status: %llu\n",
		   READ_ONCE(ghvm->stats.notifications_vm_status));
	seq_printf(s, "notifications_vm_exited: %llu\n",
		   READ_ONCE(ghvm->stats.notifications_vm_exited));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gunyah_vm_stats);

/**
 * gunyah_vm_debugfs_add() - Create gunyah/vm<vmid>/ once the vmid is known
 * @ghvm: the VM
 */
void gunyah_vm_debugfs_add(struct gunyah_vm *ghvm)
{
	char name[16];

	snprintf(name, sizeof(name), "vm%u", ghvm->vmid);
	ghvm->debugfs = debugfs_create_dir(name, gunyah_debugfs_root());
	debugfs_create_file("resources", 0400, ghvm->debugfs, ghvm,
			    &gunyah_vm_resources_fops);
	debugfs_create_file("stats", 0400, ghvm->debugfs, ghvm,
			    &gunyah_vm_stats_fops);
}

/**
 * gunyah_vm_debugfs_dir() - The VM's gunyah/vm<vmid>/ debugfs folder
 * @ghvm: the VM
 *
 * For a VM function's populate() and unpopulate(): the folder exists
 * from the vmid's allocation (before any resource is populated) until
 * every resource has been taken back, so entries a function creates in
 * populate() must be removed in unpopulate() and no later.
 *
 * Return: the folder, or an error pointer (debugfs calls accept that as a
 * parent and do nothing).
 */
struct dentry *gunyah_vm_debugfs_dir(struct gunyah_vm *ghvm)
{
	return ghvm->debugfs;
}
EXPORT_SYMBOL_GPL(gunyah_vm_debugfs_dir);

/**
 * gunyah_vm_debugfs_remove() - Remove the VM's debugfs directory
 * @ghvm: the VM
 *
 * Waits for readers of its files to finish.
 */
void gunyah_vm_debugfs_remove(struct gunyah_vm *ghvm)
{
	debugfs_remove_recursive(ghvm->debugfs);
	ghvm->debugfs = ERR_PTR(-ENOENT);
}
