// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM manager: /dev/gunyah, VM file descriptors, VM start and
 * teardown, and the VM status the RM reports.
 */

#include <linux/anon_inodes.h>
#include <linux/compat.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vm_mgr/vm_mgr_priv.h"

GUNYAH_PARAM_UINT_RANGE_OPS(timeout_ms, 1, GUNYAH_RM_MAX_TIMEOUT_MS);

static unsigned int stop_timeout_ms = 2000;
module_param_cb(stop_timeout_ms, &timeout_ms_param_ops, &stop_timeout_ms, 0644);
MODULE_PARM_DESC(stop_timeout_ms,
		 "How long VM teardown waits for a stopped VM to leave RUNNING, before and after a forced stop (ms, 1..86400000)");

static unsigned int reset_timeout_ms = 5000;
module_param_cb(reset_timeout_ms, &timeout_ms_param_ops, &reset_timeout_ms, 0644);
MODULE_PARM_DESC(reset_timeout_ms,
		 "How long freeing a VM id waits for the RM to finish VM_RESET (its VM_STATUS of RESET), in ms (1..86400000)");

static void gunyah_vm_set_status(struct gunyah_vm *ghvm,
				 enum gunyah_rm_vm_status status)
{
	down_write(&ghvm->status_lock);
	ghvm->vm_status = status;
	up_write(&ghvm->status_lock);
	wake_up(&ghvm->vm_status_wait);
}

/* ---- RM notifications ---- */

/*
 * Statuses the VM manager sets itself while it drives the RM through a
 * start; a late notification of one of them must not move the VM back.
 * RUNNING is taken from the RM only to leave PAUSED.
 */
static bool gunyah_vm_status_is_async(enum gunyah_rm_vm_status old,
				      enum gunyah_rm_vm_status new)
{
	/*
	 * A failed start is final: the reset that undoes it must not turn
	 * the VM's LOAD_FAILED into CRASHED (found by fault_sweep).
	 */
	if (old == GUNYAH_RM_VM_STATUS_INIT_FAILED)
		return false;

	switch (new) {
	case GUNYAH_RM_VM_STATUS_NO_STATE:
	case GUNYAH_RM_VM_STATUS_INIT:
	case GUNYAH_RM_VM_STATUS_READY:
	case GUNYAH_RM_VM_STATUS_LOAD:
	case GUNYAH_RM_VM_STATUS_AUTH:
	/*
	 * EXITED comes with its exit info in VM_EXITED only; taking it from
	 * VM_STATUS (which the RM sends first) would let a vCPU report the
	 * exit before its reason has arrived.
	 */
	case GUNYAH_RM_VM_STATUS_EXITED:
		return false;
	case GUNYAH_RM_VM_STATUS_RUNNING:
		return old == GUNYAH_RM_VM_STATUS_PAUSED;
	case GUNYAH_RM_VM_STATUS_PAUSED:	/* transient: RUNNING may follow */
		/* Only a running VM pauses; a start is not undone by one */
		return old == GUNYAH_RM_VM_STATUS_RUNNING;
	case GUNYAH_RM_VM_STATUS_INIT_FAILED:
	case GUNYAH_RM_VM_STATUS_RESETTING:
	case GUNYAH_RM_VM_STATUS_RESET:
		return true;
	default:
		/* A status this driver does not know ends nothing */
		return false;
	}
}

static void gunyah_vm_notify_status(struct gunyah_vm *ghvm, const void *data,
				    size_t size)
{
	const struct gunyah_rm_vm_status_payload *p = data;
	bool changed;
	u16 vmid;

	if (size < sizeof(*p))
		return;	/* the RM core drops these already */
	vmid = le16_to_cpu(p->vmid);
	if (!strcmp(gunyah_vm_status_name(p->vm_status), "unknown"))
		dev_warn_ratelimited(ghvm->parent, "VM %u: status %u from the RM is unknown here; only recorded\n",
				     vmid, p->vm_status);
	down_write(&ghvm->status_lock);
	changed = ghvm->rm_state != p->vm_status;
	ghvm->rm_state = p->vm_status;
	if (gunyah_vm_status_is_async(ghvm->vm_status, p->vm_status)) {
		ghvm->vm_status = p->vm_status;
		changed = true;
	}
	up_write(&ghvm->status_lock);
	/* Counted once taken in: a reader of the count sees its effect */
	WRITE_ONCE(ghvm->stats.notifications_vm_status,
		   ghvm->stats.notifications_vm_status + 1);
	if (changed)
		wake_up(&ghvm->vm_status_wait);
}

static void gunyah_vm_notify_exited(struct gunyah_vm *ghvm, const void *data,
				    size_t size)
{
	const struct gunyah_rm_vm_exited_payload *p = data;
	size_t avail, copy;
	u32 reason_size;
	u16 vmid;

	if (size < sizeof(*p))
		return;	/* the RM core drops these already */
	vmid = le16_to_cpu(p->vmid);
	avail = size - sizeof(*p);
	reason_size = le32_to_cpu(p->exit_reason_size);
	if (reason_size > avail)
		dev_warn_ratelimited(ghvm->parent,
				     "VM %u exit reason claims %u bytes but only %zu arrived\n",
				     vmid, reason_size, avail);
	copy = min3((size_t)reason_size, avail,
		    (size_t)GUNYAH_VM_EXIT_REASON_KEPT);

	down_write(&ghvm->status_lock);
	/* A failed start stays one: its rollback may see the RM's exit */
	if (ghvm->vm_status != GUNYAH_RM_VM_STATUS_INIT_FAILED) {
		ghvm->vm_status = GUNYAH_RM_VM_STATUS_EXITED;
		ghvm->exit_info.type = le16_to_cpu(p->exit_type);
		ghvm->exit_info.padding = 0;
		ghvm->exit_info.reason_size = reason_size;
		memset(ghvm->exit_reason, 0, sizeof(ghvm->exit_reason));
		memcpy(ghvm->exit_reason, p->exit_reason, copy);
		memcpy(ghvm->exit_info.reason, ghvm->exit_reason,
		       sizeof(ghvm->exit_info.reason));
		ghvm->exit_reason_len = copy;
	}
	up_write(&ghvm->status_lock);
	WRITE_ONCE(ghvm->stats.notifications_vm_exited,
		   ghvm->stats.notifications_vm_exited + 1);
	wake_up(&ghvm->vm_status_wait);
}

/*
 * VMs by vmid, for notifications: one lookup instead of a walk of every
 * VM and vCPU. A VM is in it from its vmid's allocation until just before
 * DEALLOC_VMID; the lock keeps it there while its notifiers run.
 */
static DEFINE_XARRAY(gunyah_vms);
static DECLARE_RWSEM(gunyah_vms_lock);

static int gunyah_vm_publish(struct gunyah_vm *ghvm)
{
	int ret;

	down_write(&gunyah_vms_lock);
	ret = xa_insert(&gunyah_vms, ghvm->vmid, ghvm, GFP_KERNEL);
	up_write(&gunyah_vms_lock);
	if (ret)
		dev_err(ghvm->parent, "VM %u: the RM gave a vmid another VM holds: %d\n",
			ghvm->vmid, ret);
	return ret;
}

/* Nothing about this vmid reaches the VM (or a later owner) any more */
static void gunyah_vm_unpublish(struct gunyah_vm *ghvm)
{
	down_write(&gunyah_vms_lock);
	xa_cmpxchg(&gunyah_vms, ghvm->vmid, ghvm, NULL, 0);
	up_write(&gunyah_vms_lock);
}

/* The VM manager's one RM notifier: to the VM, then to its functions */
static int gunyah_vm_mgr_notification(struct notifier_block *nb,
				      unsigned long action, void *data)
{
	size_t size = gunyah_rm_notification_size(data);
	const __le16 *vmid = data;	/* both payloads start with it */
	struct gunyah_vm *ghvm;
	u16 id;

	if (action != GUNYAH_RM_NOTIFICATION_VM_STATUS &&
	    action != GUNYAH_RM_NOTIFICATION_VM_EXITED)
		return NOTIFY_DONE;
	if (size < sizeof(*vmid))
		return NOTIFY_DONE;

	down_read(&gunyah_vms_lock);
	id = le16_to_cpu(*vmid);
	ghvm = xa_load(&gunyah_vms, id);
	if (ghvm) {
		/* Recorded only while the VM still has that vmid */
		if (id && id == READ_ONCE(ghvm->vmid)) {
			if (action == GUNYAH_RM_NOTIFICATION_VM_STATUS)
				gunyah_vm_notify_status(ghvm, data, size);
			else
				gunyah_vm_notify_exited(ghvm, data, size);
		}
		blocking_notifier_call_chain(&ghvm->nh, action, data);
	}
	up_read(&gunyah_vms_lock);
	return NOTIFY_OK;
}

static struct notifier_block gunyah_vm_mgr_nb = {
	.notifier_call = gunyah_vm_mgr_notification,
};

/**
 * gunyah_vm_notifier_register() - Hear the RM's news of one VM
 * @ghvm: the VM
 * @nb: called in process context with action = RM notification id and
 *      data = its payload (size: gunyah_rm_notification_size()), for
 *      VM_STATUS and VM_EXITED of @ghvm only, after the VM manager has
 *      recorded them
 *
 * Return: 0 or a negative errno.
 */
int gunyah_vm_notifier_register(struct gunyah_vm *ghvm, struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&ghvm->nh, nb);
}
EXPORT_SYMBOL_GPL(gunyah_vm_notifier_register);

/**
 * gunyah_vm_notifier_unregister() - Stop hearing of the VM
 * @ghvm: the VM
 * @nb: as passed to gunyah_vm_notifier_register(); not called once this
 *      returns
 */
void gunyah_vm_notifier_unregister(struct gunyah_vm *ghvm, struct notifier_block *nb)
{
	blocking_notifier_chain_unregister(&ghvm->nh, nb);
}
EXPORT_SYMBOL_GPL(gunyah_vm_notifier_unregister);

/* ---- start ---- */

static bool gunyah_vm_rm_reset_done(struct gunyah_vm *ghvm)
{
	return READ_ONCE(ghvm->rm_state) == GUNYAH_RM_VM_STATUS_RESET;
}

/* The RM's last word on the VM is that it runs */
static bool gunyah_vm_rm_runs(struct gunyah_vm *ghvm)
{
	enum gunyah_rm_vm_status state = READ_ONCE(ghvm->rm_state);

	return state == GUNYAH_RM_VM_STATUS_RUNNING ||
	       state == GUNYAH_RM_VM_STATUS_PAUSED;
}

/* Stop, forced, a VM the RM may run, whatever the VM manager thinks */
static int gunyah_vm_rm_force_stop(struct gunyah_vm *ghvm)
{
	int ret;

	ret = gunyah_rm_vm_stop(ghvm->rm, ghvm->vmid,
				GUNYAH_RM_VM_STOP_FLAG_FORCE_STOP, 0);
	if (ret) {
		dev_err(ghvm->parent, "VM %u: the RM refused to stop it: %d; vmid left allocated in the RM\n",
			ghvm->vmid, ret);
		return ret;
	}
	/* The RM reports the stop before it replies */
	gunyah_rm_flush_notifications(ghvm->rm);
	if (!wait_event_timeout(ghvm->vm_status_wait, !gunyah_vm_rm_runs(ghvm),
				msecs_to_jiffies(stop_timeout_ms))) {
		dev_err(ghvm->parent, "VM %u: still running %u ms after a forced stop; vmid left allocated in the RM\n",
			ghvm->vmid, stop_timeout_ms);
		return -ETIMEDOUT;
	}
	return 0;
}

static int gunyah_vm_rm_reset(struct gunyah_vm *ghvm)
{
	down_write(&ghvm->status_lock);
	ghvm->rm_state = GUNYAH_RM_VM_STATUS_RESETTING;
	up_write(&ghvm->status_lock);
	return gunyah_rm_vm_reset(ghvm->rm, ghvm->vmid);
}

/*
 * Give the VM id back to the RM. The RM frees an id only in LOAD or
 * RESET (RM_ERROR_VM_STATE otherwise), and its VM_RESET is asynchronous:
 * the reply comes first, the VM_STATUS of RESET after its staged
 * clean-up. A VM whose VM_CONFIG_IMAGE the RM refused is INIT_FAILED
 * without a configuration, which the public RM's VM_RESET dereferences:
 * that id cannot be freed, and is never reset.
 * The wait for the reset is @killable for a teardown (a VMM may give up
 * on it), not for a start's rollback (whose caller may be dying already).
 * Returns 0 once the id is free, else an errno (logged).
 */
static int gunyah_vm_free_vmid(struct gunyah_vm *ghvm, bool killable)
{
	enum gunyah_rm_vm_status state;
	u16 vmid = ghvm->vmid;
	long left;
	int ret;

	/* The RM reports a state change before it replies: take it in */
	gunyah_rm_flush_notifications(ghvm->rm);
	state = READ_ONCE(ghvm->rm_state);
	if (state == GUNYAH_RM_VM_STATUS_AUTH) {
		/*
		 * Configured, VM_INIT never served (it failed on its way): the
		 * RM resets no VM in AUTH, but READY and INIT_FAILED it does.
		 */
		dev_info(ghvm->parent, "VM %u: initialising it only to reset it\n", vmid);
		ret = gunyah_rm_vm_init(ghvm->rm, vmid);
		gunyah_rm_flush_notifications(ghvm->rm);
		state = READ_ONCE(ghvm->rm_state);
		if (ret && state == GUNYAH_RM_VM_STATUS_AUTH) {
			dev_err(ghvm->parent, "VM %u: init failed: %d; vmid left allocated in the RM (it is auth)\n",
				vmid, ret);
			return ret;
		}
	}
	if (state != GUNYAH_RM_VM_STATUS_LOAD && state != GUNYAH_RM_VM_STATUS_RESET) {
		if (!ghvm->rm_configured) {
			dev_err(ghvm->parent, "VM %u: vmid left allocated in the RM: it is %s without a configuration, which the RM can neither free nor reset\n",
				vmid, gunyah_vm_status_name(state));
			return -EBADFD;
		}
		if (gunyah_vm_rm_runs(ghvm)) {
			/* Whatever the VM manager took it for (a spurious exit) */
			dev_info(ghvm->parent, "VM %u: the RM still runs it; stopping it before the reset\n",
				 vmid);
			if (gunyah_vm_rm_force_stop(ghvm))
				return -EBUSY;
		}
		ret = gunyah_vm_rm_reset(ghvm);
		if (ret == -EBADFD) {
			/*
			 * Not in a state to reset: a start the RM served after
			 * the driver gave up on it (timed out, killed) runs the
			 * VM. Stop it, then reset it again.
			 */
			dev_info(ghvm->parent, "VM %u: reset refused (%d); stopping it first\n",
				 vmid, ret);
			if (gunyah_vm_rm_force_stop(ghvm))
				return ret;
			ret = gunyah_vm_rm_reset(ghvm);
		}
		if (ret) {
			dev_err(ghvm->parent, "VM %u: reset failed: %d; vmid left allocated in the RM\n",
				vmid, ret);
			return ret;
		}
		if (killable)
			left = wait_event_killable_timeout(ghvm->vm_status_wait,
							   gunyah_vm_rm_reset_done(ghvm),
							   msecs_to_jiffies(reset_timeout_ms));
		else
			left = wait_event_timeout(ghvm->vm_status_wait,
						  gunyah_vm_rm_reset_done(ghvm),
						  msecs_to_jiffies(reset_timeout_ms));
		if (left <= 0) {
			dev_err(ghvm->parent, "VM %u: %s before the RM reported the reset done; vmid left allocated in the RM\n",
				vmid, left ? "killed" : "timed out");
			return left ? -EINTR : -ETIMEDOUT;
		}
	}
	/* Before the id can go to another VM: nothing reaches this one */
	gunyah_vm_unpublish(ghvm);
	ret = gunyah_rm_dealloc_vmid(ghvm->rm, vmid);
	if (ret)
		dev_err(ghvm->parent, "VM %u: freeing the vmid failed: %d\n",
			vmid, ret);
	/* Nothing about this vmid may reach its next owner */
	gunyah_rm_flush_notifications(ghvm->rm);
	return ret;
}

/*
 * Undo a start that got as far as allocating a vmid (status_lock not
 * held). fn_lock: a REMOVE_FUNCTION would otherwise free a function whose
 * resource this is still unpopulating, and remove debugfs entries of a
 * folder gone already.
 */
static void gunyah_vm_start_rollback(struct gunyah_vm *ghvm)
{
	mutex_lock(&ghvm->fn_lock);
	gunyah_vm_release_resources(ghvm);
	gunyah_vm_debugfs_remove(ghvm);
	mutex_unlock(&ghvm->fn_lock);
	/* Not killable: the start may have been ended by a kill already */
	gunyah_vm_free_vmid(ghvm, false);
	/* Only a VM the RM has reset gives its parcels back */
	gunyah_vm_mem_reclaim(ghvm);

	gunyah_vm_unpublish(ghvm);
	down_write(&ghvm->status_lock);
	ghvm->vmid = 0;
	up_write(&ghvm->status_lock);
}

/*
 * Move a starting VM on from the status the start set last, @from, to
 * @to; not if a notification has meanwhile said something the start must
 * not hide (e.g. CRASHED).
 */
static void gunyah_vm_start_step(struct gunyah_vm *ghvm,
				 enum gunyah_rm_vm_status from,
				 enum gunyah_rm_vm_status to)
{
	down_write(&ghvm->status_lock);
	if (ghvm->vm_status == from)
		ghvm->vm_status = to;
	up_write(&ghvm->status_lock);
	wake_up(&ghvm->vm_status_wait);
}

/* Claim the VM for a start; 1 if it is running already */
static int gunyah_vm_start_claim(struct gunyah_vm *ghvm)
{
	int ret;

	down_write(&ghvm->status_lock);
	if (ghvm->vm_status == GUNYAH_RM_VM_STATUS_RUNNING) {
		up_write(&ghvm->status_lock);
		return 1;
	}
	if (ghvm->vm_status != GUNYAH_RM_VM_STATUS_NO_STATE) {
		dev_err_ratelimited(ghvm->parent, "VM %u cannot start: its status is %s\n",
				    ghvm->vmid, gunyah_vm_status_name(ghvm->vm_status));
		up_write(&ghvm->status_lock);
		return -EINVAL;
	}
	/* What the RM needs is here, or no RM VM id is taken */
	ret = gunyah_vm_mem_check(ghvm);
	up_write(&ghvm->status_lock);
	if (ret)
		return ret;

	ret = gunyah_rm_alloc_vmid(ghvm->rm, 0);
	if (ret < 0) {
		dev_err_ratelimited(ghvm->parent, "cannot allocate a vmid: %d\n", ret);
		return ret;
	}
	down_write(&ghvm->status_lock);
	ghvm->vmid = ret;
	ghvm->vm_status = GUNYAH_RM_VM_STATUS_LOAD;
	ghvm->rm_state = GUNYAH_RM_VM_STATUS_LOAD;
	ghvm->rm_configured = false;
	up_write(&ghvm->status_lock);
	gunyah_vm_debugfs_add(ghvm);
	return 0;
}

/* A start call's result, logged as @what when it failed */
static int gunyah_vm_start_call(struct gunyah_vm *ghvm, int ret, const char *what)
{
	if (ret)
		dev_err_ratelimited(ghvm->parent, "VM %u: %s failed: %d\n",
				    ghvm->vmid, what, ret);
	return ret;
}

/*
 * The RM calls of a start, each bounded by rpc_timeout_ms. status_lock is
 * not held across them: a run on the starting VM answers at once, and
 * notifications for it (and every other VM) are taken in meanwhile. A
 * fatal signal ends the start between calls, undone like a failure.
 */
static int gunyah_vm_start_calls(struct gunyah_vm *ghvm)
{
	struct gunyah_rm_hyp_resources *res;
	u32 n;
	int ret;

	ret = gunyah_vm_mem_share(ghvm);
	if (ret)
		return ret;
	if (fatal_signal_pending(current))
		return -EINTR;

	ret = gunyah_vm_start_call(ghvm, gunyah_vm_mem_configure(ghvm), "configure");
	if (ret)
		return ret;
	ghvm->rm_configured = true;
	if (fatal_signal_pending(current))
		return -EINTR;

	ret = gunyah_vm_start_call(ghvm, gunyah_rm_vm_init(ghvm->rm, ghvm->vmid),
				   "init");
	if (ret)
		return ret;
	gunyah_vm_start_step(ghvm, GUNYAH_RM_VM_STATUS_LOAD,
			     GUNYAH_RM_VM_STATUS_READY);

	ret = gunyah_vm_mem_set_boot_context(ghvm);
	if (ret)
		return ret;
	if (fatal_signal_pending(current))
		return -EINTR;

	ret = gunyah_rm_get_hyp_resources(ghvm->rm, ghvm->vmid, &res, &n);
	if (gunyah_vm_start_call(ghvm, ret, "getting its resources"))
		return ret;
	ret = gunyah_vm_add_resources(ghvm, res, n);
	kfree(res);
	if (gunyah_vm_start_call(ghvm, ret, "taking its resources"))
		return ret;
	if (fatal_signal_pending(current))
		return -EINTR;

	return gunyah_vm_start_call(ghvm, gunyah_rm_vm_start(ghvm->rm, ghvm->vmid),
				    "start");
}

static int gunyah_vm_start(struct gunyah_vm *ghvm)
{
	int ret;

	if (mutex_lock_killable(&ghvm->start_lock))
		return -EINTR;
	ret = gunyah_vm_start_claim(ghvm);
	if (ret) {
		mutex_unlock(&ghvm->start_lock);
		return ret > 0 ? 0 : ret;
	}

	ret = gunyah_vm_publish(ghvm);
	if (!ret)
		ret = gunyah_vm_start_calls(ghvm);
	if (!ret) {
		/* Unless the RM has said otherwise meanwhile (e.g. CRASHED) */
		gunyah_vm_start_step(ghvm, GUNYAH_RM_VM_STATUS_READY,
				     GUNYAH_RM_VM_STATUS_RUNNING);
		mutex_unlock(&ghvm->start_lock);
		return 0;
	}
	if (ret == -EINTR)
		dev_info(ghvm->parent, "VM %u: start killed; undoing it\n", ghvm->vmid);

	/*
	 * The VM cannot be started again. Publish that before undoing the
	 * start: a vCPU thread waiting for the status must let go of its
	 * resource before the resource can be taken back.
	 */
	gunyah_vm_set_status(ghvm, GUNYAH_RM_VM_STATUS_INIT_FAILED);
	gunyah_vm_start_rollback(ghvm);
	mutex_unlock(&ghvm->start_lock);
	return ret;
}

/* ---- teardown ---- */

static bool gunyah_vm_stop_and_wait(struct gunyah_vm *ghvm, u8 flags)
{
	int ret;

	ret = gunyah_rm_vm_stop(ghvm->rm, ghvm->vmid, flags, 0);
	if (ret) {
		dev_err(ghvm->parent, "VM %u: %sstop failed: %d\n", ghvm->vmid,
			flags & GUNYAH_RM_VM_STOP_FLAG_FORCE_STOP ? "forced " : "",
			ret);
		return false;
	}
	return wait_event_timeout(ghvm->vm_status_wait,
				  READ_ONCE(ghvm->vm_status) != GUNYAH_RM_VM_STATUS_RUNNING,
				  msecs_to_jiffies(stop_timeout_ms));
}

static void gunyah_vm_stop(struct gunyah_vm *ghvm)
{
	if (gunyah_vm_stop_and_wait(ghvm, 0))
		return;
	dev_warn(ghvm->parent, "VM %u did not stop within %u ms; forcing it\n",
		 ghvm->vmid, stop_timeout_ms);
	if (gunyah_vm_stop_and_wait(ghvm, GUNYAH_RM_VM_STOP_FLAG_FORCE_STOP))
		return;
	dev_err(ghvm->parent, "VM %u still running after a forced stop; tearing it down anyway\n",
		ghvm->vmid);
	gunyah_vm_set_status(ghvm, GUNYAH_RM_VM_STATUS_EXITED);
}

static void gunyah_vm_release(struct kref *kref)
{
	struct gunyah_vm *ghvm = container_of(kref, struct gunyah_vm, kref);

	/* Parcels an earlier teardown could not reclaim may come back now */
	gunyah_vm_mem_retry_reclaim();

	if (READ_ONCE(ghvm->vm_status) == GUNYAH_RM_VM_STATUS_RUNNING)
		gunyah_vm_stop(ghvm);

	gunyah_vm_remove_functions(ghvm);
	gunyah_vm_release_resources(ghvm);
	WARN_ON(!list_empty(&ghvm->resource_tickets));
	/*
	 * Only now: functions keep entries in the folder while they hold a
	 * resource (gunyah_vm_debugfs_dir()). Still before DEALLOC_VMID, so
	 * the next VM given this vmid can create its own.
	 */
	gunyah_vm_debugfs_remove(ghvm);

	if (ghvm->vmid)
		gunyah_vm_free_vmid(ghvm, true);
	gunyah_vm_mem_reclaim(ghvm);
	gunyah_vm_mem_release(ghvm);

	if (ghvm->vmid)
		gunyah_vm_unpublish(ghvm);
	gunyah_rm_put(ghvm->rm);
	gunyah_hypercall_put_backend();
	mutex_destroy(&ghvm->fn_lock);
	mutex_destroy(&ghvm->resources_lock);
	mutex_destroy(&ghvm->start_lock);
	kfree(ghvm);
}

/**
 * gunyah_vm_get() - Take a reference on a VM
 * @ghvm: the VM
 *
 * Return: true, or false if the VM is already being torn down.
 */
bool __must_check gunyah_vm_get(struct gunyah_vm *ghvm)
{
	return kref_get_unless_zero(&ghvm->kref);
}
EXPORT_SYMBOL_GPL(gunyah_vm_get);

/**
 * gunyah_vm_put() - Drop a VM reference; the last one tears the VM down
 * @ghvm: the VM
 *
 * May sleep (teardown talks to the RM).
 */
void gunyah_vm_put(struct gunyah_vm *ghvm)
{
	kref_put(&ghvm->kref, gunyah_vm_release);
}
EXPORT_SYMBOL_GPL(gunyah_vm_put);

/* ---- the VM fd ---- */

static long gunyah_vm_fn_ioctl(struct gunyah_vm *ghvm, unsigned int cmd,
			       void __user *argp)
{
	struct gunyah_fn_desc desc;

	if (copy_from_user(&desc, argp, sizeof(desc))) {
		dev_err_ratelimited(ghvm->parent, "VM %u: cannot read the function descriptor\n",
				    ghvm->vmid);
		return -EFAULT;
	}
	if (desc.arg_size > GUNYAH_FN_MAX_ARG_SIZE) {
		dev_err_ratelimited(ghvm->parent,
				    "VM %u: function argument is %u bytes, at most %u allowed\n",
				    ghvm->vmid, desc.arg_size, GUNYAH_FN_MAX_ARG_SIZE);
		return -EINVAL;
	}

	if (cmd == GUNYAH_VM_ADD_FUNCTION)
		return gunyah_vm_add_function(ghvm, &desc);
	return gunyah_vm_remove_function(ghvm, &desc);
}

static long gunyah_vm_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
	struct gunyah_vm *ghvm = filp->private_data;

	switch (cmd) {
	case GUNYAH_VM_START:
		return gunyah_vm_start(ghvm);
	case GUNYAH_VM_ADD_FUNCTION:
	case GUNYAH_VM_REMOVE_FUNCTION:
		return gunyah_vm_fn_ioctl(ghvm, cmd, (void __user *)arg);
	case GUNYAH_VM_MAP_MEM:
	case GUNYAH_VM_SET_DTB_CONFIG:
	case GUNYAH_VM_SET_BOOT_CONTEXT:
		return gunyah_vm_mem_ioctl(ghvm, cmd, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static int gunyah_vm_fd_release(struct inode *inode, struct file *filp)
{
	gunyah_vm_put(filp->private_data);
	return 0;
}

static void gunyah_vm_show_fdinfo(struct seq_file *m, struct file *filp)
{
	struct gunyah_vm *ghvm = filp->private_data;

	down_read(&ghvm->status_lock);
	seq_printf(m, "vmid:\t%u\n", ghvm->vmid);
	seq_printf(m, "status:\t%s\n", gunyah_vm_status_name(ghvm->vm_status));
	if (ghvm->vm_status == GUNYAH_RM_VM_STATUS_EXITED) {
		/* All of the reason: the run page holds only its first bytes */
		seq_printf(m, "exit_type:\t%u\n", ghvm->exit_info.type);
		seq_printf(m, "exit_reason:\t%*phN\n", (int)ghvm->exit_reason_len,
			   ghvm->exit_reason);
	}
	gunyah_vm_mem_show(ghvm, m);
	up_read(&ghvm->status_lock);
}

static const struct file_operations gunyah_vm_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = gunyah_vm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = gunyah_vm_fd_release,
	.show_fdinfo = gunyah_vm_show_fdinfo,
	.llseek = noop_llseek,
};

static struct gunyah_vm *gunyah_vm_alloc(struct gunyah_rm *rm)
{
	struct gunyah_vm *ghvm;
	int ret;

	ret = gunyah_hypercall_get_backend();
	if (ret)
		return ERR_PTR(ret);

	ghvm = kzalloc(sizeof(*ghvm), GFP_KERNEL_ACCOUNT);
	if (!ghvm) {
		gunyah_hypercall_put_backend();
		return ERR_PTR(-ENOMEM);
	}

	ghvm->rm = gunyah_rm_get(rm);
	ghvm->parent = gunyah_rm_dev(rm);
	ghvm->vm_status = GUNYAH_RM_VM_STATUS_NO_STATE;
	init_waitqueue_head(&ghvm->vm_status_wait);
	init_rwsem(&ghvm->status_lock);
	mutex_init(&ghvm->start_lock);
	kref_init(&ghvm->kref);
	mutex_init(&ghvm->fn_lock);
	mutex_init(&ghvm->resources_lock);
	INIT_LIST_HEAD(&ghvm->functions);
	INIT_LIST_HEAD(&ghvm->resource_tickets);
	INIT_LIST_HEAD(&ghvm->resources);
	INIT_LIST_HEAD(&ghvm->mem_maps);
	ghvm->debugfs = ERR_PTR(-ENOENT);

	BLOCKING_INIT_NOTIFIER_HEAD(&ghvm->nh);
	return ghvm;
}

static long gunyah_dev_create_vm(struct gunyah_rm *rm, unsigned long arg)
{
	struct gunyah_vm *ghvm;
	int fd;

	if (arg) {
		dev_err_ratelimited(gunyah_rm_dev(rm),
				    "GUNYAH_CREATE_VM: argument must be 0, not %#lx\n",
				    arg);
		return -EINVAL;
	}

	ghvm = gunyah_vm_alloc(rm);
	if (IS_ERR(ghvm)) {
		dev_err_ratelimited(gunyah_rm_dev(rm), "cannot create a VM: %ld\n",
				    PTR_ERR(ghvm));
		return PTR_ERR(ghvm);
	}

	fd = anon_inode_getfd("gunyah-vm", &gunyah_vm_fops, ghvm, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		dev_err_ratelimited(gunyah_rm_dev(rm), "cannot create a VM file: %d\n",
				    fd);
		gunyah_vm_put(ghvm);
	}
	return fd;
}

/* ---- /dev/gunyah ---- */

static DEFINE_MUTEX(gunyah_vm_mgr_lock);	/* one RM owns /dev/gunyah */
static struct gunyah_rm *gunyah_vm_mgr_rm;

static int gunyah_dev_open(struct inode *inode, struct file *filp)
{
	/* misc_open() holds misc_mtx: we cannot race misc_deregister() */
	struct gunyah_rm *rm = READ_ONCE(gunyah_vm_mgr_rm);

	if (!rm)
		return -ENODEV;
	filp->private_data = gunyah_rm_get(rm);
	return 0;
}

static int gunyah_dev_release(struct inode *inode, struct file *filp)
{
	gunyah_rm_put(filp->private_data);
	return 0;
}

static long gunyah_dev_ioctl(struct file *filp, unsigned int cmd,
			     unsigned long arg)
{
	switch (cmd) {
	case GUNYAH_CREATE_VM:
		return gunyah_dev_create_vm(filp->private_data, arg);
	case GUNYAH_CREATE_GUEST_MEM:
		return gunyah_gmem_create(gunyah_rm_dev(filp->private_data),
					  (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations gunyah_dev_fops = {
	.owner = THIS_MODULE,
	.open = gunyah_dev_open,
	.release = gunyah_dev_release,
	.unlocked_ioctl = gunyah_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice gunyah_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "gunyah",
	.fops = &gunyah_dev_fops,
};

/* Create /dev/gunyah for a resource manager: -EBUSY if another has it */
static int gunyah_vm_mgr_bind(struct gunyah_rm *rm)
{
	int ret;

	mutex_lock(&gunyah_vm_mgr_lock);
	if (gunyah_vm_mgr_rm) {
		mutex_unlock(&gunyah_vm_mgr_lock);
		dev_err(gunyah_rm_dev(rm), "/dev/gunyah belongs to another resource manager\n");
		return -EBUSY;
	}
	ret = gunyah_rm_notifier_register(rm, &gunyah_vm_mgr_nb);
	if (ret) {
		mutex_unlock(&gunyah_vm_mgr_lock);
		return ret;
	}
	WRITE_ONCE(gunyah_vm_mgr_rm, rm);
	gunyah_dev.parent = gunyah_rm_dev(rm);
	ret = misc_register(&gunyah_dev);
	if (ret) {
		WRITE_ONCE(gunyah_vm_mgr_rm, NULL);
		gunyah_rm_notifier_unregister(rm, &gunyah_vm_mgr_nb);
		dev_err(gunyah_rm_dev(rm), "cannot register /dev/gunyah: %d\n", ret);
	} else {
		gunyah_vm_mem_debugfs_init();
	}
	mutex_unlock(&gunyah_vm_mgr_lock);
	return ret;
}

/* Remove /dev/gunyah; open files and VMs keep their references on @rm */
static void gunyah_vm_mgr_unbind(struct gunyah_rm *rm)
{
	mutex_lock(&gunyah_vm_mgr_lock);
	if (gunyah_vm_mgr_rm == rm) {
		gunyah_vm_mem_debugfs_exit();
		misc_deregister(&gunyah_dev);
		WRITE_ONCE(gunyah_vm_mgr_rm, NULL);
		gunyah_rm_notifier_unregister(rm, &gunyah_vm_mgr_nb);
	}
	mutex_unlock(&gunyah_vm_mgr_lock);
}

static struct gunyah_rm_client gunyah_vm_mgr_client = {
	.name = "the VM manager",
	.bind = gunyah_vm_mgr_bind,
	.unbind = gunyah_vm_mgr_unbind,
};

/*
 * The module's entry: the VM manager and rm_inject register as clients
 * of the RPC core (bound to each RM in that order), then the core binds.
 */
static int __init gunyah_rsc_mgr_init(void)
{
	int ret;

	gunyah_rm_register_client(&gunyah_vm_mgr_client);
	gunyah_rm_inject_init();
	ret = gunyah_rm_core_init();
	if (ret) {
		gunyah_rm_inject_exit();
		gunyah_rm_unregister_client(&gunyah_vm_mgr_client);
	}
	return ret;
}
module_init(gunyah_rsc_mgr_init);

static void __exit gunyah_rsc_mgr_exit(void)
{
	gunyah_rm_core_exit();
	gunyah_rm_inject_exit();
	gunyah_rm_unregister_client(&gunyah_vm_mgr_client);
}
module_exit(gunyah_rsc_mgr_exit);

MODULE_LICENSE("GPL");
