// SPDX-License-Identifier: GPL-2.0-only
/*
 * Proxy-scheduled vCPUs: the GUNYAH_FN_VCPU VM function.
 *
 * A vCPU fd runs one guest vCPU through the vcpu_run hypercall and reports
 * why it stopped in a page shared with userspace. Userspace may rewrite
 * that page at any moment, so every value the kernel relies on (the state,
 * the MMIO address and length) is kept in struct gunyah_vcpu and the page
 * is only written to, or read for the resume inputs.
 */

#include <linux/anon_inodes.h>
#include <linux/cache.h>
#include <linux/compat.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/jump_label.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "gunyah.h"
#include "gunyah_knob.h"
#include "vm_mgr.h"
#include "vcpu/vcpu_abi_check.h"

#define MAX_VCPU_NAME 20 /* gh-vcpu:<u32>\0 */
/* The resume data of a vcpu_run hypercall: three registers */
#define GUNYAH_VCPU_RESUME_WORDS 3

/* What the last exit left pending; the kernel's copy, never the page's */
enum gunyah_vcpu_run_state {
	GUNYAH_VCPU_RUN_STATE_UNKNOWN = 0,	/* never ran */
	GUNYAH_VCPU_RUN_STATE_READY,
	GUNYAH_VCPU_RUN_STATE_MMIO_READ,
	GUNYAH_VCPU_RUN_STATE_MMIO_WRITE,
	GUNYAH_VCPU_RUN_STATE_PAGE_FAULT,
	GUNYAH_VCPU_RUN_STATE_SYSTEM_DOWN,
};

/**
 * struct gunyah_vcpu_stats - What one vCPU did, for debugfs
 * @runs: GUNYAH_VCPU_RUN ioctls that got to run (took @run_lock)
 * @hypercalls: vcpu_run hypercalls made
 * @hypercall_ns: time spent inside them (local_clock(), ns); only counted
 *                while the time_hypercalls parameter is set, else stays 0
 * @exits_mmio: MMIO exits to userspace
 * @exits_page_fault: PAGE_FAULT exits to userspace
 * @exits_status: STATUS exits to userspace
 * @ready: READY returns (run again after a reschedule)
 * @blocked: BLOCKED returns (run again after a yield)
 * @sleeps: sleeps for the wake-up interrupt (EXPECTS_WAKEUP, POWERED_OFF)
 * @wakeups: sleeps ended by the wake-up interrupt
 * @retries: hypercalls that returned RETRY and were made again
 * @errors_hypercall: runs ended by any other hypercall error
 * @errors_unknown_state: runs ended by a state this driver does not know
 * @errors_resume_action: runs refused for an invalid resume_action
 * @errors_interrupted: runs ended by immediate_exit or a signal
 * @errors_nodev: runs ended with -ENODEV (not started, going away)
 * @halts: the hypervisor reported the vCPU halted for good (fault, PSCI
 *         system reset, powered off with the exited flag)
 * @notifications: RM notifications of this VM that reached the vCPU
 *
 * Written only by the thread holding the vCPU's run_lock (@notifications:
 * only by the RM's notification work), with plain increments on cache
 * lines of their own; debugfs reads them racily.
 */
struct gunyah_vcpu_stats {
	u64 runs;
	u64 hypercalls;
	u64 hypercall_ns;
	u64 exits_mmio;
	u64 exits_page_fault;
	u64 exits_status;
	u64 ready;
	u64 blocked;
	u64 sleeps;
	u64 wakeups;
	u64 retries;
	u64 errors_hypercall;
	u64 errors_unknown_state;
	u64 errors_resume_action;
	u64 errors_interrupted;
	u64 errors_nodev;
	u64 halts;
	u64 notifications;
};

/**
 * struct gunyah_vcpu - One proxy-scheduled vCPU
 * @ghvm: the VM (a reference is held while the vCPU fd is open)
 * @rsc: the hypervisor's vCPU resource; NULL until the VM starts and after
 *       the resource is taken back (set without @run_lock, cleared under it)
 * @run_lock: one thread at a time runs the vCPU
 * @vcpu_run: the page shared with userspace
 * @state: what the last exit left pending
 * @mmio_addr: kernel copy of the pending MMIO address
 * @mmio_len: kernel copy of the pending MMIO length (at most 8)
 * @down_status: kernel copy of the status reported in a STATUS exit
 * @down_exit_info: kernel copy of the exit info reported in a STATUS exit
 * @wait: where a run sleeps until woken
 * @woken: the wake-up interrupt fired since the last vcpu_run hypercall
 * @going_down: the resource is being taken back; runs must leave
 * @halted: the hypervisor said this vCPU will not run again; runs wait
 *          for the RM to report the VM down instead of calling vcpu_run
 * @nb: RM notifications: a VM that stops wakes sleeping runs
 * @ticket: claims the VM's vCPU resource with this vCPU's index as label
 * @kref: one reference for the function instance, one for the fd
 * @debugfs: gunyah/vm<vmid>/vcpu<N>/ while the resource is populated
 * @irq_wake: enable_irq_wake() succeeded on the resource's interrupt
 * @stats: counters (see &struct gunyah_vcpu_stats for their writers)
 */
struct gunyah_vcpu {
	struct gunyah_vm *ghvm;
	struct gunyah_resource *rsc;
	struct mutex run_lock;	/* one runner; guards @state, clears @rsc */
	struct gunyah_vcpu_run *vcpu_run;

	enum gunyah_vcpu_run_state state;
	u64 mmio_addr;
	u8 mmio_len;
	enum gunyah_vm_status down_status;
	struct gunyah_vm_exit_info down_exit_info;

	wait_queue_head_t wait;
	bool woken;
	bool going_down;
	bool halted;

	struct notifier_block nb;
	struct gunyah_vm_resource_ticket ticket;
	struct kref kref;
	struct dentry *debugfs;
	bool irq_wake;

	struct gunyah_vcpu_stats stats ____cacheline_aligned_in_smp;
};

#define CREATE_TRACE_POINTS
#include "vcpu/vcpu_trace.h"

/* One writer (the run_lock holder); WRITE_ONCE() for the racy reader */
static inline void gunyah_vcpu_stat_add(u64 *stat, u64 n)
{
	WRITE_ONCE(*stat, *stat + n);
}

static inline void gunyah_vcpu_stat_inc(u64 *stat)
{
	gunyah_vcpu_stat_add(stat, 1);
}

/*
 * Timing each hypercall takes two local_clock() reads on the exit fast
 * path, which make bench measured at 0.2-0.3 null ioctls per hypercall
 * (docs/performance.md). So it is off unless asked for (time_hypercalls=1)
 * and, off, costs the run loop a NOP: hypercall_ns then does not move.
 */
static DEFINE_STATIC_KEY_FALSE(gunyah_vcpu_time_hypercalls);
static bool time_hypercalls;

static int gunyah_vcpu_time_hypercalls_set(const char *val,
					   const struct kernel_param *kp)
{
	int ret = param_set_bool(val, kp);

	if (ret)
		return ret;
	/* Writes to one parameter are serialised by the param lock */
	if (time_hypercalls)
		static_branch_enable(&gunyah_vcpu_time_hypercalls);
	else
		static_branch_disable(&gunyah_vcpu_time_hypercalls);
	return 0;
}

static const struct kernel_param_ops gunyah_vcpu_time_hypercalls_ops = {
	.set = gunyah_vcpu_time_hypercalls_set,
	.get = param_get_bool,
};
module_param_cb(time_hypercalls, &gunyah_vcpu_time_hypercalls_ops,
		&time_hypercalls, 0644);
MODULE_PARM_DESC(time_hypercalls,
		 "Count the time inside vcpu_run hypercalls in the hypercall_ns stat (default: off)");

/*
 * A vCPU outlives its fd, so without a bound on ids one process could
 * keep adding vCPUs to a VM. KVM on arm64 caps them at 512 as well.
 */
#define GUNYAH_VCPU_IDS_MAX	65536
static unsigned int max_vcpu_ids = 512;

GUNYAH_PARAM_UINT_RANGE_OPS(max_vcpu_ids, 1, GUNYAH_VCPU_IDS_MAX);
module_param_cb(max_vcpu_ids, &max_vcpu_ids_param_ops, &max_vcpu_ids, 0644);
MODULE_PARM_DESC(max_vcpu_ids,
		 "vCPU ids of a VM are below this, 1 to 65536 (default: 512)");

static void vcpu_release(struct kref *kref)
{
	struct gunyah_vcpu *vcpu = container_of(kref, struct gunyah_vcpu, kref);

	free_page((unsigned long)vcpu->vcpu_run);
	kfree(vcpu);
}

/* The hypervisor raises the wake-up interrupt when the vCPU may run again */
static irqreturn_t gunyah_vcpu_irq_handler(int irq, void *data)
{
	struct gunyah_vcpu *vcpu = data;

	trace_gunyah_vcpu_wakeup(vcpu);
	WRITE_ONCE(vcpu->woken, true);
	wake_up(&vcpu->wait);
	return IRQ_HANDLED;
}

static enum gunyah_vm_status remap_vm_status(enum gunyah_rm_vm_status rm_status)
{
	switch (rm_status) {
	case GUNYAH_RM_VM_STATUS_INIT_FAILED:
		return GUNYAH_VM_STATUS_LOAD_FAILED;
	case GUNYAH_RM_VM_STATUS_EXITED:
		return GUNYAH_VM_STATUS_EXITED;
	default:
		return GUNYAH_VM_STATUS_CRASHED;
	}
}

/* Not started yet, or on its way up: the vCPU is not ready (-ENODEV) */
static bool vm_status_is_starting(enum gunyah_rm_vm_status s)
{
	return s == GUNYAH_RM_VM_STATUS_NO_STATE || s == GUNYAH_RM_VM_STATUS_INIT ||
	       s == GUNYAH_RM_VM_STATUS_READY || s == GUNYAH_RM_VM_STATUS_LOAD ||
	       s == GUNYAH_RM_VM_STATUS_AUTH;
}

static void gunyah_vcpu_fill_status_exit(struct gunyah_vcpu *vcpu)
	__must_hold(&vcpu->run_lock)
{
	struct gunyah_vcpu_run *run = vcpu->vcpu_run;

	run->status.status = vcpu->down_status;
	run->status.exit_info = vcpu->down_exit_info;
	run->exit_reason = GUNYAH_VCPU_EXIT_STATUS;
	gunyah_vcpu_stat_inc(&vcpu->stats.exits_status);
	trace_gunyah_vcpu_exit_status(vcpu);
}

static bool gunyah_vcpu_unpaused(struct gunyah_vcpu *vcpu)
{
	return READ_ONCE(vcpu->ghvm->vm_status) != GUNYAH_RM_VM_STATUS_PAUSED ||
	       READ_ONCE(vcpu->going_down);
}

/*
 * Is the VM as a whole running? 1: yes. 0: no, and never again: a STATUS
 * exit has been prepared. -ENODEV: it is still starting (or this vCPU is
 * going away). While the RM has the VM PAUSED, wait: it may run again.
 * Else the wait's error (a signal).
 */
static int gunyah_vcpu_check_system(struct gunyah_vcpu *vcpu)
	__must_hold(&vcpu->run_lock)
{
	struct gunyah_vm *ghvm = vcpu->ghvm;
	enum gunyah_rm_vm_status status;
	int ret;

	for (;;) {
		down_read(&ghvm->status_lock);
		status = ghvm->vm_status;
		if (status != GUNYAH_RM_VM_STATUS_RUNNING &&
		    status != GUNYAH_RM_VM_STATUS_PAUSED &&
		    !vm_status_is_starting(status))
			vcpu->down_exit_info = ghvm->exit_info;
		up_read(&ghvm->status_lock);

		if (status == GUNYAH_RM_VM_STATUS_RUNNING)
			return 1;
		if (vm_status_is_starting(status))
			return -ENODEV;
		if (status != GUNYAH_RM_VM_STATUS_PAUSED)
			break;
		/* The VM manager's notifier records first, then ours wakes us */
		ret = wait_event_interruptible(vcpu->wait,
					       gunyah_vcpu_unpaused(vcpu));
		if (ret)
			return ret;
		if (READ_ONCE(vcpu->going_down))
			return -ENODEV;
	}

	vcpu->down_status = remap_vm_status(status);
	vcpu->state = GUNYAH_VCPU_RUN_STATE_SYSTEM_DOWN;
	gunyah_vcpu_fill_status_exit(vcpu);
	return 0;
}

static void gunyah_handle_mmio(struct gunyah_vcpu *vcpu,
			       const struct gunyah_hypercall_vcpu_run_resp *resp)
{
	struct gunyah_vcpu_run *run = vcpu->vcpu_run;
	u64 addr = resp->state_data[0], len = resp->state_data[1];
	__le64 data = cpu_to_le64(resp->state_data[2]);
	bool is_write = resp->state == GUNYAH_VCPU_ADDRSPACE_VMMIO_WRITE;

	if (len > sizeof(u64)) {
		pr_warn_ratelimited("gunyah_vcpu: vCPU %u: MMIO length %llu above 8, clamped\n",
				    vcpu->ticket.label, len);
		len = sizeof(u64);
	}

	vcpu->mmio_addr = addr;
	vcpu->mmio_len = len;
	vcpu->state = is_write ? GUNYAH_VCPU_RUN_STATE_MMIO_WRITE :
				 GUNYAH_VCPU_RUN_STATE_MMIO_READ;

	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (is_write)
		memcpy(run->mmio.data, &data, len);
	run->mmio.phys_addr = addr;
	run->mmio.len = len;
	run->mmio.is_write = is_write;
	/* Userspace from before resume_action existed leaves it 0: HANDLED */
	run->mmio.resume_action = GUNYAH_VCPU_RESUME_HANDLED;
	run->exit_reason = GUNYAH_VCPU_EXIT_MMIO;
	gunyah_vcpu_stat_inc(&vcpu->stats.exits_mmio);
	trace_gunyah_vcpu_exit_mmio(vcpu, resp);
}

static void gunyah_handle_page_fault(struct gunyah_vcpu *vcpu,
				     const struct gunyah_hypercall_vcpu_run_resp *resp)
{
	struct gunyah_vcpu_run *run = vcpu->vcpu_run;

	vcpu->state = GUNYAH_VCPU_RUN_STATE_PAGE_FAULT;
	run->page_fault.phys_addr = resp->state_data[0];
	/* This driver maps no guest memory itself: nothing was there */
	run->page_fault.attempt = -ENOENT;
	/* Unless userspace provides memory, the guest gets its fault back */
	run->page_fault.resume_action = GUNYAH_VCPU_RESUME_FAULT;
	run->exit_reason = GUNYAH_VCPU_EXIT_PAGE_FAULT;
	gunyah_vcpu_stat_inc(&vcpu->stats.exits_page_fault);
	trace_gunyah_vcpu_exit_page_fault(vcpu, resp);
}

/* Inlined, like gunyah_vcpu_stop_reason(): on every exit, and tiny */
static __always_inline int
gunyah_resume_action(struct gunyah_vcpu *vcpu, u8 action,
		     unsigned long *resume_data)
{
	switch (action) {
	case GUNYAH_VCPU_RESUME_HANDLED:
		resume_data[1] = GUNYAH_ADDRSPACE_VMMIO_ACTION_EMULATE;
		return 0;
	case GUNYAH_VCPU_RESUME_FAULT:
		resume_data[1] = GUNYAH_ADDRSPACE_VMMIO_ACTION_FAULT;
		return 0;
	case GUNYAH_VCPU_RESUME_RETRY:
		resume_data[1] = GUNYAH_ADDRSPACE_VMMIO_ACTION_RETRY;
		return 0;
	default:
		pr_info_ratelimited("gunyah_vcpu: vCPU %u: invalid resume action %u\n",
				    vcpu->ticket.label, action);
		return -EINVAL;
	}
}

/*
 * Turn the pending exit and the user's answer into the next vcpu_run's
 * resume data. The pending state only changes once the hypervisor has
 * taken the resume, so a failed run can be resumed again.
 */
static int gunyah_vcpu_resume_data(struct gunyah_vcpu *vcpu,
				   unsigned long *resume_data)
{
	struct gunyah_vcpu_run *run = vcpu->vcpu_run;
	__le64 value = 0;
	u8 action;
	int ret;

	switch (vcpu->state) {
	case GUNYAH_VCPU_RUN_STATE_MMIO_READ:
	case GUNYAH_VCPU_RUN_STATE_MMIO_WRITE:
		action = READ_ONCE(run->mmio.resume_action);
		ret = gunyah_resume_action(vcpu, action, resume_data);
		if (!ret && action == GUNYAH_VCPU_RESUME_HANDLED &&
		    vcpu->state == GUNYAH_VCPU_RUN_STATE_MMIO_READ) {
			memcpy(&value, run->mmio.data, vcpu->mmio_len);
			resume_data[0] = le64_to_cpu(value);
		}
		trace_gunyah_vcpu_resume(vcpu, action, resume_data);
		return ret;
	case GUNYAH_VCPU_RUN_STATE_PAGE_FAULT:
		action = READ_ONCE(run->page_fault.resume_action);
		ret = gunyah_resume_action(vcpu, action, resume_data);
		trace_gunyah_vcpu_resume(vcpu, action, resume_data);
		return ret;
	default:
		return 0;
	}
}

/* Sleep until the wake-up interrupt, the VM stopping, or teardown */
static int gunyah_vcpu_wait(struct gunyah_vcpu *vcpu)
{
	return wait_event_interruptible(vcpu->wait,
		READ_ONCE(vcpu->woken) || READ_ONCE(vcpu->going_down) ||
		READ_ONCE(vcpu->ghvm->vm_status) != GUNYAH_RM_VM_STATUS_RUNNING);
}

static __always_inline int gunyah_vcpu_stop_reason(struct gunyah_vcpu *vcpu)
{
	if (READ_ONCE(vcpu->vcpu_run->immediate_exit))
		return -EINTR;
	if (signal_pending(current))
		return -ERESTARTSYS;
	if (READ_ONCE(vcpu->going_down))
		return -ENODEV;
	return 0;
}

/*
 * The vCPU halted for good (vcpu_run state FAULT or PSCI_SYSTEM_RESET,
 * or POWERED_OFF with the exited flag). The RM learns of it from the
 * hypervisor and reports the VM down (VM_STATUS, then VM_EXITED with the
 * exit type and reason): wait for that and return it as a STATUS exit.
 * Never resumed: the hypervisor would only power the vCPU off again. If
 * the RM never reports, the wait lasts until a signal or teardown.
 */
static int gunyah_vcpu_wait_halted(struct gunyah_vcpu *vcpu)
	__must_hold(&vcpu->run_lock)
{
	int ret;

	for (;;) {
		ret = gunyah_vcpu_check_system(vcpu);
		if (ret <= 0)
			return ret;
		ret = gunyah_vcpu_stop_reason(vcpu);
		if (ret)
			return ret;
		WRITE_ONCE(vcpu->woken, false);
		ret = gunyah_vcpu_wait(vcpu);
		if (ret)
			return ret;
	}
}

static void gunyah_vcpu_halt(struct gunyah_vcpu *vcpu,
			     const struct gunyah_hypercall_vcpu_run_resp *resp)
	__must_hold(&vcpu->run_lock)
{
	vcpu->halted = true;
	gunyah_vcpu_stat_inc(&vcpu->stats.halts);
	pr_info_ratelimited("gunyah_vcpu: vCPU %u halted (vcpu_run state %#llx, data %#llx %#llx); waiting for the RM to report the VM's exit\n",
			    vcpu->ticket.label, resp->state,
			    resp->state_data[0], resp->state_data[1]);
}

/*
 * Before the first hypercall of a GUNYAH_VCPU_RUN: a VM that is gone, a
 * vCPU without its resource, a stop request, a halted vCPU, a VM still
 * starting, and the user's answer to the last exit. 1: go on with *rsc;
 * else what gunyah_vcpu_run() returns.
 */
static int gunyah_vcpu_run_prepare(struct gunyah_vcpu *vcpu,
				   struct gunyah_resource **rsc,
				   unsigned long *resume_data)
	__must_hold(&vcpu->run_lock)
{
	int ret;

	/* A VM that is gone says why again, whatever the page holds now */
	if (vcpu->state == GUNYAH_VCPU_RUN_STATE_SYSTEM_DOWN) {
		gunyah_vcpu_fill_status_exit(vcpu);
		return 0;
	}

	/* Pairs with populate's release: the irq is requested once rsc is seen */
	*rsc = smp_load_acquire(&vcpu->rsc);
	if (!*rsc || vcpu->going_down) {
		/*
		 * Never started, or its resource taken back: a VM that failed
		 * to start or is gone says so (a failed start takes the
		 * resource back too); one that runs without this vCPU, or is
		 * still starting, is -ENODEV.
		 */
		ret = gunyah_vcpu_check_system(vcpu);
		return ret > 0 ? -ENODEV : ret;
	}

	ret = gunyah_vcpu_stop_reason(vcpu);
	if (ret)
		return ret;
	if (vcpu->halted)
		return gunyah_vcpu_wait_halted(vcpu);

	if (vcpu->state == GUNYAH_VCPU_RUN_STATE_UNKNOWN) {
		ret = gunyah_vcpu_check_system(vcpu);
		if (ret <= 0)
			return ret;
		vcpu->state = GUNYAH_VCPU_RUN_STATE_READY;
	}

	ret = gunyah_vcpu_resume_data(vcpu, resume_data);
	if (ret) {
		gunyah_vcpu_stat_inc(&vcpu->stats.errors_resume_action);
		return ret;
	}
	return 1;
}

/*
 * The vcpu_run hypercall, timed only if asked for. Its gunyah_error goes
 * to @gerr, not to a return value that could pass for an errno.
 */
static void gunyah_vcpu_hypercall(struct gunyah_vcpu *vcpu, u64 capid,
				  unsigned long *resume_data,
				  struct gunyah_hypercall_vcpu_run_resp *resp,
				  enum gunyah_error *gerr)
{
	trace_gunyah_vcpu_run_enter(vcpu, resume_data);
	/* Off, this is a NOP and a call */
	if (static_branch_unlikely(&gunyah_vcpu_time_hypercalls)) {
		u64 start = local_clock();

		*gerr = gunyah_hypercall_vcpu_run(capid, resume_data, resp);
		gunyah_vcpu_stat_add(&vcpu->stats.hypercall_ns,
				     local_clock() - start);
	} else {
		*gerr = gunyah_hypercall_vcpu_run(capid, resume_data, resp);
	}
	gunyah_vcpu_stat_inc(&vcpu->stats.hypercalls);
	trace_gunyah_vcpu_run_return(vcpu, *gerr, resp);
}

/* EXPECTS_WAKEUP, or powered off until CPU_ON: 1 once woken */
static int gunyah_vcpu_sleep(struct gunyah_vcpu *vcpu)
{
	int ret;

	gunyah_vcpu_stat_inc(&vcpu->stats.sleeps);
	ret = gunyah_vcpu_wait(vcpu);
	if (ret)
		return ret;
	if (READ_ONCE(vcpu->woken))
		gunyah_vcpu_stat_inc(&vcpu->stats.wakeups);
	/*
	 * A wake from the VM stopping is seen by the lockless status check
	 * before the next hypercall; no status_lock round trip per wake-up.
	 */
	return 1;
}

/* Off for good if the VM is down or the vCPU exited, else until CPU_ON */
static int gunyah_vcpu_powered_off(struct gunyah_vcpu *vcpu,
				   const struct gunyah_hypercall_vcpu_run_resp *resp)
	__must_hold(&vcpu->run_lock)
{
	int ret = gunyah_vcpu_check_system(vcpu);

	if (ret <= 0)
		return ret;
	if (resp->state_data[0] & GUNYAH_VCPU_POWERED_OFF_EXITED) {
		/* No CPU_ON can bring it back */
		gunyah_vcpu_halt(vcpu, resp);
		return gunyah_vcpu_wait_halted(vcpu);
	}
	return gunyah_vcpu_sleep(vcpu);
}

/*
 * Why the vCPU stopped, as the hypervisor reported it. 1: run it again;
 * 0: an exit for userspace is in the shared page; else an errno.
 */
static int gunyah_vcpu_handle_state(struct gunyah_vcpu *vcpu,
				    const struct gunyah_hypercall_vcpu_run_resp *resp)
	__must_hold(&vcpu->run_lock)
{
	switch (resp->state) {
	case GUNYAH_VCPU_STATE_READY:
		/* The host's time slice or an interrupt ended the run */
		gunyah_vcpu_stat_inc(&vcpu->stats.ready);
		cond_resched();
		return 1;
	case GUNYAH_VCPU_STATE_POWERED_OFF:
		return gunyah_vcpu_powered_off(vcpu, resp);
	case GUNYAH_VCPU_STATE_EXPECTS_WAKEUP:
		return gunyah_vcpu_sleep(vcpu);
	case GUNYAH_VCPU_STATE_BLOCKED:
		gunyah_vcpu_stat_inc(&vcpu->stats.blocked);
		/*
		 * Blocked on something another vCPU holds: give its host
		 * thread the CPU now, not only when need_resched.
		 */
		schedule();
		return 1;
	case GUNYAH_VCPU_ADDRSPACE_VMMIO_READ:
	case GUNYAH_VCPU_ADDRSPACE_VMMIO_WRITE:
		gunyah_handle_mmio(vcpu, resp);
		return 0;
	case GUNYAH_VCPU_ADDRSPACE_PAGE_FAULT:
		gunyah_handle_page_fault(vcpu, resp);
		return 0;
	case GUNYAH_VCPU_STATE_FAULT:
	case GUNYAH_VCPU_STATE_PSCI_SYSTEM_RESET:
		gunyah_vcpu_halt(vcpu, resp);
		return gunyah_vcpu_wait_halted(vcpu);
	default:
		/*
		 * v17 looped on an unknown state; a hypervisor newer than
		 * this driver would then spin forever. Say so.
		 */
		pr_warn_ratelimited("gunyah_vcpu: vCPU %u: unknown vcpu_run state %llu\n",
				    vcpu->ticket.label, resp->state);
		gunyah_vcpu_stat_inc(&vcpu->stats.errors_unknown_state);
		return -EINVAL;
	}
}

/* One round of the run loop: as gunyah_vcpu_handle_state() */
static int gunyah_vcpu_run_once(struct gunyah_vcpu *vcpu, u64 capid,
				unsigned long *resume_data)
	__must_hold(&vcpu->run_lock)
{
	struct gunyah_hypercall_vcpu_run_resp resp;
	enum gunyah_error gerr;
	int ret;

	/*
	 * A VM the RM has reported down (VM_EXITED, VM_STATUS) runs no
	 * more, even if this vCPU never sleeps: say so now rather than when
	 * the hypervisor next powers it off.
	 */
	if (READ_ONCE(vcpu->ghvm->vm_status) != GUNYAH_RM_VM_STATUS_RUNNING) {
		ret = gunyah_vcpu_check_system(vcpu);
		if (ret <= 0)
			return ret;
	}
	/* A wake-up raised after this point is for the hypercall below */
	WRITE_ONCE(vcpu->woken, false);
	gunyah_vcpu_hypercall(vcpu, capid, resume_data, &resp, &gerr);
	if (gerr == GUNYAH_ERROR_RETRY) {
		/* Not taken: resume the same way after a reschedule */
		gunyah_vcpu_stat_inc(&vcpu->stats.retries);
		cond_resched();
		return gunyah_vcpu_stop_reason(vcpu) ?: 1;
	}
	if (gerr != GUNYAH_ERROR_OK) {
		gunyah_vcpu_stat_inc(&vcpu->stats.errors_hypercall);
		ret = gunyah_error_remap(gerr);
		pr_info_ratelimited("gunyah_vcpu: vCPU %u: vcpu_run failed: gunyah error %d (%d)\n",
				    vcpu->ticket.label, gerr, ret);
		return ret;
	}

	/* The hypervisor took the resume: nothing is pending any more */
	memset(resume_data, 0, GUNYAH_VCPU_RESUME_WORDS * sizeof(*resume_data));
	vcpu->state = GUNYAH_VCPU_RUN_STATE_READY;

	ret = gunyah_vcpu_handle_state(vcpu, &resp);
	if (ret <= 0)
		return ret;
	return gunyah_vcpu_stop_reason(vcpu) ?: 1;
}

/*
 * The run loop. Returns 0 with an exit in the shared page, or an errno
 * with no exit: -EINTR (immediate_exit), -ERESTARTSYS (signal), -ENODEV
 * (no vCPU resource: the VM has not started or the vCPU is going away),
 * -EINVAL (bad resume action or unknown state), or the hypercall's error.
 */
static int gunyah_vcpu_run(struct gunyah_vcpu *vcpu)
{
	unsigned long resume_data[GUNYAH_VCPU_RESUME_WORDS] = { 0 };
	struct gunyah_resource *rsc;
	int ret;

	if (mutex_lock_interruptible(&vcpu->run_lock))
		return -ERESTARTSYS;
	gunyah_vcpu_stat_inc(&vcpu->stats.runs);

	ret = gunyah_vcpu_run_prepare(vcpu, &rsc, resume_data);
	while (ret > 0)
		ret = gunyah_vcpu_run_once(vcpu, rsc->capid, resume_data);

	if (ret == -ENODEV)
		gunyah_vcpu_stat_inc(&vcpu->stats.errors_nodev);
	else if (ret == -EINTR || ret == -ERESTARTSYS)
		gunyah_vcpu_stat_inc(&vcpu->stats.errors_interrupted);
	trace_gunyah_vcpu_run_done(vcpu, ret);
	mutex_unlock(&vcpu->run_lock);
	/* A signal that interrupted the wait, turned into a kick */
	if (ret == -ERESTARTSYS && READ_ONCE(vcpu->vcpu_run->immediate_exit))
		ret = -EINTR;
	return ret;
}

static long gunyah_vcpu_ioctl(struct file *filp, unsigned int cmd,
			      unsigned long arg)
{
	struct gunyah_vcpu *vcpu = filp->private_data;

	switch (cmd) {
	case GUNYAH_VCPU_RUN:
		if (arg)
			return -EINVAL;
		return gunyah_vcpu_run(vcpu);
	case GUNYAH_VCPU_MMAP_SIZE:
		return PAGE_SIZE;
	default:
		return -ENOTTY;
	}
}

static int gunyah_vcpu_release(struct inode *inode, struct file *filp)
{
	struct gunyah_vcpu *vcpu = filp->private_data;

	gunyah_vm_put(vcpu->ghvm);
	kref_put(&vcpu->kref, vcpu_release);
	return 0;
}

static vm_fault_t gunyah_vcpu_fault(struct vm_fault *vmf)
{
	struct gunyah_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page = virt_to_page(vcpu->vcpu_run);

	return gunyah_vm_fault_pages(vmf, &page, 1);
}

static const struct vm_operations_struct gunyah_vcpu_vm_ops = {
	.fault = gunyah_vcpu_fault,
};

static int gunyah_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &gunyah_vcpu_vm_ops;
	return 0;
}

#ifdef CONFIG_COMPAT
/*
 * The run page as a 32-bit process declares it: where its ABI aligns a
 * __u64 to 4 bytes (i386; x32 shares the compat entry and is refused with
 * it), the union starts at 12 instead of 16. arm32 aligns it to 8.
 */
struct gunyah_vcpu_run_compat_head {
	__u8 immediate_exit;
	__u8 padding[7];
	__u32 exit_reason;
	compat_u64 union_start;
};

#define GUNYAH_VCPU_RUN_COMPAT_MATCHES \
	(offsetof(struct gunyah_vcpu_run_compat_head, union_start) == \
	 offsetof(struct gunyah_vcpu_run, mmio))

static long gunyah_vcpu_compat_ioctl(struct file *filp, unsigned int cmd,
				     unsigned long arg)
{
	if (!GUNYAH_VCPU_RUN_COMPAT_MATCHES) {
		pr_warn_ratelimited("gunyah_vcpu: %s[%d]: 32-bit processes of this architecture lay out struct gunyah_vcpu_run differently; vCPU ioctls refused\n",
				    current->comm, task_pid_nr(current));
		return -ENOTTY;
	}
	return gunyah_vcpu_ioctl(filp, cmd, (unsigned long)compat_ptr(arg));
}
#endif

static const struct file_operations gunyah_vcpu_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = gunyah_vcpu_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = gunyah_vcpu_compat_ioctl,
#endif
	.release = gunyah_vcpu_release,
	.llseek = noop_llseek,
	.mmap = gunyah_vcpu_mmap,
};

#define GUNYAH_VCPU_STAT(name) { #name, offsetof(struct gunyah_vcpu_stats, name) }

static const struct {
	const char *name;
	size_t offset;
} gunyah_vcpu_stat_fields[] = {
	GUNYAH_VCPU_STAT(runs),
	GUNYAH_VCPU_STAT(hypercalls),
	GUNYAH_VCPU_STAT(hypercall_ns),
	GUNYAH_VCPU_STAT(exits_mmio),
	GUNYAH_VCPU_STAT(exits_page_fault),
	GUNYAH_VCPU_STAT(exits_status),
	GUNYAH_VCPU_STAT(ready),
	GUNYAH_VCPU_STAT(blocked),
	GUNYAH_VCPU_STAT(sleeps),
	GUNYAH_VCPU_STAT(wakeups),
	GUNYAH_VCPU_STAT(retries),
	GUNYAH_VCPU_STAT(errors_hypercall),
	GUNYAH_VCPU_STAT(errors_unknown_state),
	GUNYAH_VCPU_STAT(errors_resume_action),
	GUNYAH_VCPU_STAT(errors_interrupted),
	GUNYAH_VCPU_STAT(errors_nodev),
	GUNYAH_VCPU_STAT(halts),
	GUNYAH_VCPU_STAT(notifications),
};

static_assert(ARRAY_SIZE(gunyah_vcpu_stat_fields) * sizeof(u64) ==
	      sizeof(struct gunyah_vcpu_stats));

/* gunyah/vm<vmid>/vcpu<N>/stats: "name: value" lines, read racily */
static int gunyah_vcpu_stats_show(struct seq_file *s, void *unused)
{
	const struct gunyah_vcpu *vcpu = s->private;
	const u8 *base = (const u8 *)&vcpu->stats;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gunyah_vcpu_stat_fields); i++)
		seq_printf(s, "%s: %llu\n", gunyah_vcpu_stat_fields[i].name,
			   READ_ONCE(*(const u64 *)(base + gunyah_vcpu_stat_fields[i].offset)));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gunyah_vcpu_stats);

static int gunyah_vcpu_rm_notification(struct notifier_block *nb,
				       unsigned long action, void *data)
{
	struct gunyah_vcpu *vcpu = container_of(nb, struct gunyah_vcpu, nb);

	/* The one writer of this counter: the RM's notification work */
	gunyah_vcpu_stat_inc(&vcpu->stats.notifications);
	wake_up(&vcpu->wait);
	return NOTIFY_OK;
}

static bool gunyah_vcpu_populate(struct gunyah_vm_resource_ticket *ticket,
				 struct gunyah_resource *ghrsc)
{
	struct gunyah_vcpu *vcpu = container_of(ticket, struct gunyah_vcpu, ticket);
	char name[MAX_VCPU_NAME];
	int ret;

	if (!ghrsc->irq) {
		pr_warn("gunyah_vcpu: vCPU %u resource has no wake-up interrupt\n",
			ticket->label);
		return false;
	}

	ret = request_irq(ghrsc->irq, gunyah_vcpu_irq_handler, IRQF_TRIGGER_RISING,
			  "gunyah_vcpu", vcpu);
	if (ret) {
		pr_warn("gunyah_vcpu: vCPU %u: cannot request wake-up irq %u: %d\n",
			ticket->label, ghrsc->irq, ret);
		return false;
	}
	/*
	 * A vCPU the guest wakes (an interrupt for it, a timer) must wake a
	 * suspended host too, or the run sleeping for it sleeps on. Without
	 * wake support the vCPU still runs while the host is awake.
	 */
	ret = enable_irq_wake(ghrsc->irq);
	vcpu->irq_wake = !ret;
	if (ret)
		pr_info_ratelimited("gunyah_vcpu: vCPU %u: wake-up irq %u cannot wake the host from suspend: %d\n",
				    ticket->label, ghrsc->irq, ret);

	/*
	 * The VM's debugfs folder lives until the VM manager has taken back
	 * every resource, so unpopulate removes this before the folder goes.
	 */
	snprintf(name, sizeof(name), "vcpu%u", ticket->label);
	vcpu->debugfs = debugfs_create_dir(name, gunyah_vm_debugfs_dir(vcpu->ghvm));
	debugfs_create_file("stats", 0400, vcpu->debugfs, vcpu,
			    &gunyah_vcpu_stats_fops);

	/*
	 * Publish it only once the irq is ready. Not under run_lock: a run
	 * holds it while it sleeps, and a start must not wait for that.
	 */
	smp_store_release(&vcpu->rsc, ghrsc);
	return true;
}

static void gunyah_vcpu_unpopulate(struct gunyah_vm_resource_ticket *ticket,
				   struct gunyah_resource *ghrsc)
{
	struct gunyah_vcpu *vcpu = container_of(ticket, struct gunyah_vcpu, ticket);

	/* Waits for readers of the stats file */
	debugfs_remove(vcpu->debugfs);

	/* Kick a run out of its sleep without touching the user's page */
	WRITE_ONCE(vcpu->going_down, true);
	wake_up(&vcpu->wait);

	mutex_lock(&vcpu->run_lock);
	vcpu->rsc = NULL;
	mutex_unlock(&vcpu->run_lock);
	if (vcpu->irq_wake)
		disable_irq_wake(ghrsc->irq);
	free_irq(ghrsc->irq, vcpu);
}

static long gunyah_vcpu_bind(struct gunyah_vm_function_instance *f)
{
	struct gunyah_fn_vcpu_arg *arg = f->argp;
	struct gunyah_vcpu *vcpu;
	char name[MAX_VCPU_NAME];
	struct page *page;
	int fd;
	long r;

	if (f->arg_size != sizeof(*arg)) {
		pr_info_ratelimited("gunyah_vcpu: argument size %zu, expected %zu\n",
				    f->arg_size, sizeof(*arg));
		return -EINVAL;
	}

	if (arg->id >= READ_ONCE(max_vcpu_ids)) {
		pr_info_ratelimited("gunyah_vcpu: vCPU id %u: ids are below %u (parameter max_vcpu_ids)\n",
				    arg->id, READ_ONCE(max_vcpu_ids));
		return -EINVAL;
	}

	/* Charged to the caller's memory cgroup, as is everything it allocates */
	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;

	f->data = vcpu;
	mutex_init(&vcpu->run_lock);
	kref_init(&vcpu->kref);
	init_waitqueue_head(&vcpu->wait);

	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!page) {
		r = -ENOMEM;
		goto err_free_vcpu;
	}
	vcpu->vcpu_run = page_address(page);

	vcpu->ticket.resource_type = GUNYAH_RESOURCE_TYPE_VCPU;
	vcpu->ticket.label = arg->id;
	vcpu->ticket.owner = THIS_MODULE;
	vcpu->ticket.populate = gunyah_vcpu_populate;
	vcpu->ticket.unpopulate = gunyah_vcpu_unpopulate;

	if (!gunyah_vm_get(f->ghvm)) {
		r = -ENODEV;
		goto err_free_page;
	}
	vcpu->ghvm = f->ghvm;

	/* -EEXIST if this VM already has a vCPU with this id */
	r = gunyah_vm_add_resource_ticket(f->ghvm, &vcpu->ticket);
	if (r)
		goto err_put_vm;

	/* This VM's news only, once the VM manager has recorded it */
	vcpu->nb.notifier_call = gunyah_vcpu_rm_notification;
	r = gunyah_vm_notifier_register(f->ghvm, &vcpu->nb);
	if (r)
		goto err_remove_ticket;

	snprintf(name, sizeof(name), "gh-vcpu:%u", vcpu->ticket.label);
	/* The file's reference; a fd once installed may be closed at once */
	kref_get(&vcpu->kref);
	fd = anon_inode_getfd(name, &gunyah_vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		kref_put(&vcpu->kref, vcpu_release);
		goto err_notifier;
	}
	return fd;

err_notifier:
	gunyah_vm_notifier_unregister(f->ghvm, &vcpu->nb);
err_remove_ticket:
	gunyah_vm_remove_resource_ticket(f->ghvm, &vcpu->ticket);
err_put_vm:
	gunyah_vm_put(f->ghvm);
err_free_page:
	free_page((unsigned long)vcpu->vcpu_run);
err_free_vcpu:
	kfree(vcpu);
	return r;
}

static void gunyah_vcpu_unbind(struct gunyah_vm_function_instance *f)
{
	struct gunyah_vcpu *vcpu = f->data;

	gunyah_vm_notifier_unregister(vcpu->ghvm, &vcpu->nb);
	gunyah_vm_remove_resource_ticket(vcpu->ghvm, &vcpu->ticket);
	/* A function no longer in the VM can never run again */
	WRITE_ONCE(vcpu->going_down, true);
	wake_up(&vcpu->wait);
	kref_put(&vcpu->kref, vcpu_release);
}

static bool gunyah_vcpu_compare(const struct gunyah_vm_function_instance *f,
				const void *arg, size_t size)
{
	const struct gunyah_fn_vcpu_arg *instance = f->argp, *other = arg;

	return size == sizeof(*other) && instance->id == other->id;
}

static_assert(GUNYAH_FN_VCPU == 1);
DECLARE_GUNYAH_VM_FUNCTION(vcpu, GUNYAH_FN_VCPU, 1, gunyah_vcpu_bind,
			   gunyah_vcpu_unbind, gunyah_vcpu_compare);

static int __init gunyah_vcpu_init(void)
{
	return gunyah_vm_function_register(&vcpu);
}
module_init(gunyah_vcpu_init);

static void __exit gunyah_vcpu_exit(void)
{
	gunyah_vm_function_unregister(&vcpu);
}
module_exit(gunyah_vcpu_exit);

MODULE_DESCRIPTION("Gunyah proxy-scheduled vCPU function");
MODULE_LICENSE("GPL");
