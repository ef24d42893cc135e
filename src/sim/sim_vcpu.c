// SPDX-License-Identifier: GPL-2.0-only
/*
 * Proxy-scheduled vCPUs: vcpu_run executes the vCPU's guest program until
 * an instruction needs the host (an exit), and the next vcpu_run applies
 * the host's resume data.
 *
 * Each vCPU keeps a log of what its guest observed, one event per line
 * (ADDR and VALUE in 0x hex, LEN and N in decimal):
 *   load N                   a program of N instructions was loaded
 *   read ADDR LEN VALUE      mmio_read resumed with EMULATE; VALUE is
 *                            resume_data[0] masked to LEN bytes
 *   write ADDR LEN VALUE     mmio_write resumed with EMULATE
 *   retry mmio ADDR          resumed with RETRY: the access runs again
 *   fault mmio ADDR          resumed with FAULT: the guest takes a fault
 *   action mmio ADDR N       resumed with unknown action N: moves on
 *   page_fault ADDR r|w resumed
 *   wakeup                   wfi saw the wake-up interrupt
 *   cpu_off                  the vCPU powered itself off
 *   cpu_on N ok|already_on|invalid    result of this vCPU's cpu_on
 *   powered_on by N          vCPU N's cpu_on powered this one on (also
 *                            when it came early: cpu_off then falls
 *                            through)
 *   resume block|yield|state|hyp_error|delay
 *                            the host called vcpu_run again after it
 *   system_off TYPE          the guest shut the VM down
 *   crash                    the guest crashed the VM
 *   fault                    the vCPU took an unrecoverable fault
 *   psci_reset legacy|TYPE COOKIE 32|64    the guest asked PSCI for a
 *                            system reset
 *   load ADDR LEN VALUE      a load from guest memory read VALUE
 *   store ADDR LEN VALUE     a store wrote VALUE to guest memory
 *                            (a load or store outside the VM's memory is
 *                            an MMIO read or write, logged as such)
 * Under the public hypervisor's profile (sim_vm.public) resume actions do
 * not exist: every MMIO resume is an EMULATE; and there is no page-fault
 * state: a page_fault instruction is an 8-byte MMIO access there.
 *   end                      ran past the last instruction (powered off)
 * When more than 256 lines pile up the oldest go, and a first line
 * "dropped N" says how many.
 */

#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "sim.h"

/* Instructions executed per vcpu_run before the guest counts as preempted */
#define SIM_MAX_STEPS	64

void sim_log(struct sim_vcpu *vcpu, const char *fmt, ...)
{
	struct sim_log *log = &vcpu->log;
	unsigned int idx;
	va_list args;

	lockdep_assert_held(&vcpu->lock);
	idx = (log->head + log->count) % SIM_LOG_LINES;
	if (log->count == SIM_LOG_LINES) {
		log->head = (log->head + 1) % SIM_LOG_LINES;
		log->dropped++;
	} else {
		log->count++;
	}
	va_start(args, fmt);
	vsnprintf(log->lines[idx], SIM_LOG_LINE_LEN, fmt, args);
	va_end(args);
}

const char *sim_vcpu_pending_name(const struct sim_vcpu *vcpu)
{
	switch (vcpu->pending) {
	case SIM_PEND_MMIO_READ:	return "mmio_read";
	case SIM_PEND_MMIO_WRITE:	return "mmio_write";
	case SIM_PEND_PAGE_FAULT:	return "page_fault";
	case SIM_PEND_WFI:		return "wfi";
	case SIM_PEND_RESUME:		return vcpu->pend_what;
	default:			return "none";
	}
}

/* Replace the vCPU's program and start it from the top */
int sim_vcpu_load(struct sim_vcpu *vcpu, struct sim_program *prog)
{
	struct sim_program *old;

	mutex_lock(&gsim.lock);
	if (vcpu->vm->dead) {
		mutex_unlock(&gsim.lock);
		sim_program_free(prog);
		return -ENODEV;
	}
	mutex_lock(&vcpu->lock);
	old = vcpu->prog;
	vcpu->prog = prog;
	vcpu->pc = 0;
	vcpu->pending = SIM_PEND_NONE;
	vcpu->off = false;
	vcpu->on_pending = false;
	vcpu->ended = false;
	vcpu->wake_pending = false;
	vcpu->last_value = 0;
	sim_log(vcpu, "load %u", prog->n);
	/* Like CPU_ON for a secondary: wake a proxy thread waiting for it */
	sim_irq_raise(vcpu->hwirq);
	mutex_unlock(&vcpu->lock);
	mutex_unlock(&gsim.lock);

	sim_program_free(old);
	return 0;
}

static u64 sim_len_mask(u32 len)
{
	return len >= sizeof(u64) ? U64_MAX : BIT_ULL(len * 8) - 1;
}

/*
 * PSCI-style CPU_ON. A target still running (it has not reached its
 * cpu_off yet) keeps the request: its next cpu_off falls straight
 * through, so a test need not order the two vCPUs' threads.
 */
static void sim_vcpu_cpu_on_locked(struct sim_vcpu *vcpu,
				   struct sim_vcpu *target, unsigned int n)
{
	if (!target->off && !(target->prog && target->pc >= target->prog->n)) {
		if (target == vcpu || target->on_pending) {
			sim_log(vcpu, "cpu_on %u already_on", n);
			return;
		}
		target->on_pending = true;
		target->on_by = vcpu->index;
		sim_log(vcpu, "cpu_on %u ok", n);
		return;
	}
	if (target->off) {
		target->off = false;
	} else {
		/* A finished vCPU starts over, as from its entry point */
		target->pc = 0;
		target->ended = false;
		target->pending = SIM_PEND_NONE;
	}
	sim_log(target, "powered_on by %u", vcpu->index);
	sim_log(vcpu, "cpu_on %u ok", n);
	sim_irq_raise(target->hwirq);
}

/* Under gsim.lock (the one thread that may hold two vCPU locks) */
static void sim_vcpu_cpu_on(struct sim_vcpu *vcpu, unsigned int n)
{
	struct sim_vm *vm = vcpu->vm;
	struct sim_vcpu *target;

	lockdep_assert_held(&gsim.lock);
	if (n >= vm->nr_vcpus) {
		sim_log(vcpu, "cpu_on %u invalid", n);
		return;
	}
	target = &vm->vcpus[n];
	if (target == vcpu) {
		sim_vcpu_cpu_on_locked(vcpu, target, n);
		return;
	}
	mutex_lock_nested(&target->lock, SINGLE_DEPTH_NESTING);
	sim_vcpu_cpu_on_locked(vcpu, target, n);
	mutex_unlock(&target->lock);
}

/* Apply the host's resume data to the exit the previous run returned */
static void sim_vcpu_resume(struct sim_vcpu *vcpu, unsigned long *resume_data)
{
	bool read = vcpu->pending == SIM_PEND_MMIO_READ;
	u64 val;

	switch (vcpu->pending) {
	case SIM_PEND_MMIO_READ:
	case SIM_PEND_MMIO_WRITE:
		/* addrspace_handle_vcpu_run_resume_*: no action word there */
		switch (vcpu->vm->public ? GUNYAH_ADDRSPACE_VMMIO_ACTION_EMULATE :
			resume_data[1]) {
		case GUNYAH_ADDRSPACE_VMMIO_ACTION_EMULATE:
			if (read) {
				val = resume_data[0] & sim_len_mask(vcpu->pend_len);
				vcpu->last_value = val;
			} else {
				val = vcpu->pend_value;
			}
			sim_log(vcpu, "%s %#llx %u %#llx", read ? "read" : "write",
				vcpu->pend_addr, vcpu->pend_len, val);
			vcpu->pc++;
			break;
		case GUNYAH_ADDRSPACE_VMMIO_ACTION_RETRY:
			sim_log(vcpu, "retry mmio %#llx", vcpu->pend_addr);
			break;
		case GUNYAH_ADDRSPACE_VMMIO_ACTION_FAULT:
			sim_log(vcpu, "fault mmio %#llx", vcpu->pend_addr);
			vcpu->pc++;
			break;
		default:
			sim_log(vcpu, "action mmio %#llx %lu", vcpu->pend_addr,
				resume_data[1]);
			vcpu->pc++;
			break;
		}
		break;
	case SIM_PEND_PAGE_FAULT:
		sim_log(vcpu, "page_fault %#llx %c resumed", vcpu->pend_addr,
			vcpu->pend_value ? 'w' : 'r');
		vcpu->pc++;
		break;
	case SIM_PEND_RESUME:
		sim_log(vcpu, "resume %s", vcpu->pend_what);
		break;
	default:
		/* wfi runs again and checks for its wake-up itself */
		break;
	}
	vcpu->pending = SIM_PEND_NONE;
}

static void sim_vcpu_powered_off(struct gunyah_hypercall_vcpu_run_resp *resp,
				 bool exited)
{
	resp->state = GUNYAH_VCPU_STATE_POWERED_OFF;
	resp->state_data[0] = exited ? GUNYAH_VCPU_POWERED_OFF_EXITED : 0;
}

/* The RM's vcpu_halt_callback: the VM exits, with the vCPU's reason */
static void sim_vcpu_psci_reset(struct sim_vcpu *vcpu,
				const struct sim_insn *insn,
				struct gunyah_hypercall_vcpu_run_resp *resp,
				struct sim_batch *batch)
{
	u64 cookie = insn->flag64 ? insn->value : (u32)insn->value;
	u32 words[4] = { 0 };

	resp->state = GUNYAH_VCPU_STATE_PSCI_SYSTEM_RESET;
	if (!insn->flag) {
		sim_log(vcpu, "psci_reset legacy");
		resp->state_data[0] = GUNYAH_VCPU_PSCI_RESET_LEGACY;
		sim_vm_exit(vcpu->vm, GUNYAH_VM_EXIT_TYPE_PLATFORM_RESET, words, 1,
			    batch);
		return;
	}
	sim_log(vcpu, "psci_reset %#llx %#llx %d", insn->arg, cookie,
		insn->flag64 ? 64 : 32);
	resp->state_data[0] = insn->arg |
			      (insn->flag64 ? GUNYAH_VCPU_PSCI_RESET_64BIT : 0);
	resp->state_data[1] = cookie;
	/* flags (bit 15: SMC64) | exit code NORMAL << 16, type, cookie */
	words[0] = insn->flag64 ? BIT(15) : 0;
	words[1] = insn->arg;
	words[2] = lower_32_bits(cookie);
	words[3] = upper_32_bits(cookie);
	sim_vm_exit(vcpu->vm, GUNYAH_VM_EXIT_TYPE_PSCI_SYSTEM_RESET2, words,
		    ARRAY_SIZE(words), batch);
}

/*
 * A load or store the VM's own memory serves: done without an exit.
 * Returns false for any other instruction, and for an access outside the
 * VM's memory, which the hypervisor hands to the host as MMIO.
 */
static bool sim_vcpu_memory_op(struct sim_vcpu *vcpu, const struct sim_insn *insn)
{
	bool write = insn->op == SIM_OP_STORE;
	u64 val;

	if (insn->op != SIM_OP_LOAD && !write)
		return false;
	val = write ? (insn->flag ? vcpu->last_value : insn->value) &
		      sim_len_mask(insn->len) : 0;
	if (!sim_mem_access(vcpu->vm, insn->arg, insn->len, write, &val))
		return false;
	sim_log(vcpu, "%s %#llx %u %#llx", write ? "store" : "load", insn->arg,
		insn->len, val);
	if (!write)
		vcpu->last_value = val;
	vcpu->pc++;
	return true;
}

/* Past the instruction; the next run resumes after its exit */
static void sim_vcpu_pend(struct sim_vcpu *vcpu, const char *what)
{
	vcpu->pc++;
	vcpu->pending = SIM_PEND_RESUME;
	vcpu->pend_what = what;
}

/* What an instruction touches beyond its own vCPU: the VM, the RM, memory */
static bool sim_insn_is_global(const struct sim_insn *insn)
{
	switch (insn->op) {
	case SIM_OP_LOAD:
	case SIM_OP_STORE:
	case SIM_OP_CPU_ON:
	case SIM_OP_SYSTEM_OFF:
	case SIM_OP_CRASH:
	case SIM_OP_FAULT:
	case SIM_OP_PSCI_RESET:
		return true;
	default:
		return false;
	}
}

/*
 * An MMIO access for the host to emulate; the vCPU waits for the answer.
 * A read carries value 0 (the resume path reads pend_value only for writes).
 */
static enum gunyah_error
sim_vcpu_mmio_exit(struct sim_vcpu *vcpu,
		   struct gunyah_hypercall_vcpu_run_resp *resp, bool write,
		   u64 addr, u32 len, u64 value)
{
	vcpu->pending = write ? SIM_PEND_MMIO_WRITE : SIM_PEND_MMIO_READ;
	vcpu->pend_addr = addr;
	vcpu->pend_len = len;
	vcpu->pend_value = value;
	resp->state = write ? GUNYAH_VCPU_ADDRSPACE_VMMIO_WRITE :
			      GUNYAH_VCPU_ADDRSPACE_VMMIO_READ;
	resp->state_data[0] = addr;
	resp->state_data[1] = len;
	resp->state_data[2] = value;
	return GUNYAH_ERROR_OK;
}

/*
 * Run the guest until its next exit, with vcpu->lock held. @global: with
 * gsim.lock too; without it, the run stops short of the first instruction
 * that needs it (or of blocked_runs) and sets *@need_global, for the
 * caller to go on under both locks. @batch collects RM notifications,
 * @delay_ms asks the caller to stay "inside the guest" for a while after
 * dropping the locks.
 */
static enum gunyah_error
sim_vcpu_exec(struct sim_vcpu *vcpu, unsigned long *resume_data,
	      struct gunyah_hypercall_vcpu_run_resp *resp,
	      struct sim_batch *batch, unsigned int *delay_ms, bool global,
	      bool *need_global)
{
	static const u32 no_reason;
	struct sim_vm *vm = vcpu->vm;
	const struct sim_insn *insn;
	unsigned int steps;

	lockdep_assert_held(&vcpu->lock);
	if (READ_ONCE(vm->status) != GUNYAH_RM_VM_STATUS_RUNNING) {
		sim_vcpu_powered_off(resp, sim_vm_is_down(vm));
		return GUNYAH_ERROR_OK;
	}
	if (!global && READ_ONCE(vm->blocked_runs)) {
		*need_global = true;
		return GUNYAH_ERROR_OK;
	}

	sim_vcpu_resume(vcpu, resume_data);

	/* The public hypervisor's transient BLOCKED: resumed, no progress */
	if (vm->blocked_runs) {
		vm->blocked_runs--;
		resp->state = GUNYAH_VCPU_STATE_BLOCKED;
		return GUNYAH_ERROR_OK;
	}

	for (steps = 0; steps < SIM_MAX_STEPS; steps++) {
		if (vcpu->off) {
			sim_vcpu_powered_off(resp, false);
			return GUNYAH_ERROR_OK;
		}
		if (!vcpu->prog || vcpu->pc >= vcpu->prog->n) {
			if (vcpu->prog && !vcpu->ended)
				sim_log(vcpu, "end");
			vcpu->ended = true;
			sim_vcpu_powered_off(resp, false);
			return GUNYAH_ERROR_OK;
		}

		insn = &vcpu->prog->insns[vcpu->pc];
		if (!global && sim_insn_is_global(insn)) {
			*need_global = true;
			return GUNYAH_ERROR_OK;
		}
		if (sim_vcpu_memory_op(vcpu, insn))
			continue;
		switch (insn->op) {
		case SIM_OP_LOAD:
		case SIM_OP_MMIO_READ:
			return sim_vcpu_mmio_exit(vcpu, resp, false, insn->arg,
						  insn->len, 0);
		case SIM_OP_STORE:
		case SIM_OP_MMIO_WRITE:
			return sim_vcpu_mmio_exit(vcpu, resp, true, insn->arg, insn->len,
						  (insn->flag ? vcpu->last_value :
						   insn->value) & sim_len_mask(insn->len));
		case SIM_OP_PAGE_FAULT:
			/* No state 7 on the public hypervisor: a plain 8-byte MMIO access */
			if (vm->public)
				return sim_vcpu_mmio_exit(vcpu, resp, insn->flag,
							  insn->arg, sizeof(u64), 0);
			vcpu->pending = SIM_PEND_PAGE_FAULT;
			vcpu->pend_addr = insn->arg;
			vcpu->pend_value = insn->flag;
			resp->state = GUNYAH_VCPU_ADDRSPACE_PAGE_FAULT;
			resp->state_data[0] = insn->arg;
			resp->state_data[1] = insn->flag;
			return GUNYAH_ERROR_OK;
		case SIM_OP_WFI:
			if (!vcpu->wake_pending) {
				vcpu->pending = SIM_PEND_WFI;
				resp->state = GUNYAH_VCPU_STATE_EXPECTS_WAKEUP;
				return GUNYAH_ERROR_OK;
			}
			vcpu->wake_pending = false;
			sim_log(vcpu, "wakeup");
			vcpu->pc++;
			break;
		case SIM_OP_CPU_OFF:
			vcpu->pc++;
			sim_log(vcpu, "cpu_off");
			if (vcpu->on_pending) {
				vcpu->on_pending = false;
				sim_log(vcpu, "powered_on by %u", vcpu->on_by);
				break;
			}
			vcpu->off = true;
			sim_vcpu_powered_off(resp, false);
			return GUNYAH_ERROR_OK;
		case SIM_OP_CPU_ON:
			vcpu->pc++;
			sim_vcpu_cpu_on(vcpu, insn->arg);
			break;
		case SIM_OP_BLOCK:
			sim_vcpu_pend(vcpu, "block");
			resp->state = GUNYAH_VCPU_STATE_BLOCKED;
			return GUNYAH_ERROR_OK;
		case SIM_OP_YIELD:
			sim_vcpu_pend(vcpu, "yield");
			resp->state = GUNYAH_VCPU_STATE_READY;
			return GUNYAH_ERROR_OK;
		case SIM_OP_STATE:
			sim_vcpu_pend(vcpu, "state");
			resp->state = insn->arg;
			resp->state_data[0] = insn->value;
			resp->state_data[1] = insn->value2;
			return GUNYAH_ERROR_OK;
		case SIM_OP_HYP_ERROR:
			sim_vcpu_pend(vcpu, "hyp_error");
			return insn->err;
		case SIM_OP_SYSTEM_OFF:
			vcpu->pc++;
			sim_log(vcpu, "system_off %llu", insn->arg);
			sim_vm_exit(vm, insn->arg, &vcpu->prog->words[insn->word],
				    insn->len, batch);
			sim_vcpu_powered_off(resp, true);
			return GUNYAH_ERROR_OK;
		case SIM_OP_CRASH:
			vcpu->pc++;
			sim_log(vcpu, "crash");
			sim_vm_crash(vm, batch);
			sim_vcpu_powered_off(resp, true);
			return GUNYAH_ERROR_OK;
		case SIM_OP_FAULT:
			vcpu->pc++;
			sim_log(vcpu, "fault");
			resp->state = GUNYAH_VCPU_STATE_FAULT;
			/* one reason word: flags 0, exit code NORMAL */
			sim_vm_exit(vm, GUNYAH_VM_EXIT_TYPE_SOFTWARE_ERROR,
				    &no_reason, 1, batch);
			return GUNYAH_ERROR_OK;
		case SIM_OP_PSCI_RESET:
			vcpu->pc++;
			sim_vcpu_psci_reset(vcpu, insn, resp, batch);
			return GUNYAH_ERROR_OK;
		case SIM_OP_LOOP:
			vcpu->pc = 0;
			break;
		case SIM_OP_DELAY:
			sim_vcpu_pend(vcpu, "delay");
			*delay_ms = insn->arg;
			resp->state = GUNYAH_VCPU_STATE_READY;
			return GUNYAH_ERROR_OK;
		}
	}
	/* Busy guest: give the host CPU back, as a timer interrupt would */
	resp->state = GUNYAH_VCPU_STATE_READY;
	return GUNYAH_ERROR_OK;
}

/*
 * make bench's mode (vmN/bench_exit): every vcpu_run of the VM returns the
 * same MMIO read exit at once, with no lock, log line or program step, so
 * that what is left of an exit's cost is the driver's.
 */
static bool sim_vcpu_bench_exit(struct sim_vcpu *vcpu,
				struct gunyah_hypercall_vcpu_run_resp *resp)
{
	u64 addr = READ_ONCE(vcpu->vm->bench_exit);

	if (!addr)
		return false;
	resp->state = GUNYAH_VCPU_ADDRSPACE_VMMIO_READ;
	resp->state_data[0] = addr;
	resp->state_data[1] = sizeof(u32);
	resp->state_data[2] = 0;
	return true;
}

/**
 * sim_vcpu_bench_backend() - Time the backend's vcpu_run alone
 * @vm: a VM in make bench's mode (bench_exit set)
 * @calls: how many back-to-back calls on its vCPU 0
 *
 * The simulated hypervisor's own share of an exit: sim_vcpu_run() called
 * from here, with no ioctl and no driver around it. The result goes to
 * @vm's bench_calls and bench_ns.
 *
 * Return: 0, -EINVAL if @vm is not in bench mode or @calls is 0.
 */
int sim_vcpu_bench_backend(struct sim_vm *vm, u64 calls)
{
	struct gunyah_hypercall_vcpu_run_resp resp;
	unsigned long resume[2] = { 0 };
	u64 done = 0, chunk, t0, ns = 0;

	if (!calls || !READ_ONCE(vm->bench_exit))
		return -EINVAL;
	/* timed in chunks, the CPU given up between them, never inside */
	while (done < calls) {
		chunk = min(calls - done, 4096ULL);
		t0 = ktime_get_ns();
		for (; chunk; chunk--, done++)
			sim_vcpu_run(vm->vcpus[0].capid, resume, &resp);
		ns += ktime_get_ns() - t0;
		cond_resched();
	}
	/* bench_exit cleared meanwhile: some calls ran the program instead */
	if (!READ_ONCE(vm->bench_exit))
		return -EINVAL;
	WRITE_ONCE(vm->bench_calls, calls);
	WRITE_ONCE(vm->bench_ns, ns);
	return 0;
}

/*
 * One vcpu_run with vcpu->lock held (and gsim.lock if @global): another
 * caller inside (a guest delay) or busy_runs make it BUSY; *@need_global
 * set means nothing happened yet but more locks are needed.
 */
static enum gunyah_error
sim_vcpu_run_locked(struct sim_vcpu *vcpu, unsigned long *resume_data,
		    struct gunyah_hypercall_vcpu_run_resp *resp,
		    struct sim_batch *batch, unsigned int *delay_ms, bool global,
		    bool *need_global)
{
	struct gunyah_hypercall_vcpu_run_resp out = { 0 };
	enum gunyah_error ret;

	if (vcpu->in_run)
		return GUNYAH_ERROR_BUSY;
	if (global && vcpu->vm->busy_runs) {
		vcpu->vm->busy_runs--;
		return GUNYAH_ERROR_BUSY;
	}
	ret = sim_vcpu_exec(vcpu, resume_data, &out, batch, delay_ms, global,
			    need_global);
	if (*need_global)
		return GUNYAH_ERROR_OK;
	vcpu->runs++;
	/* As the HVC: a response only with success, else untouched */
	if (ret == GUNYAH_ERROR_OK)
		*resp = out;
	/* Stay inside vcpu_run: another caller now gets BUSY */
	if (*delay_ms && kref_get_unless_zero(&vcpu->vm->ref))
		vcpu->in_run = true;
	else
		*delay_ms = 0;
	return ret;
}

/*
 * The backend's vcpu_run. vCPUs of one VM, and of different VMs, run in
 * parallel: the vCPU is found without a lock (sim_srcu keeps it), and most
 * instructions need only its own lock. One that touches the VM, the RM or
 * guest memory runs under gsim.lock as well.
 */
enum gunyah_error sim_vcpu_run(u64 capid, unsigned long *resume_data,
			       struct gunyah_hypercall_vcpu_run_resp *resp)
{
	bool need_global = false;
	unsigned int delay_ms = 0;
	struct sim_vcpu *vcpu;
	struct sim_batch batch;
	enum gunyah_error ret = GUNYAH_ERROR_OK;
	int idx;

	/* The vCPU is not freed before this read section ends */
	idx = srcu_read_lock(&sim_srcu);
	vcpu = capid < SIM_CAPID_VCPU ? NULL :
	       xa_load(&gsim.vcpus, capid - SIM_CAPID_VCPU);
	if (!vcpu) {
		srcu_read_unlock(&sim_srcu, idx);
		if (capid == SIM_CAPID_RM_TX || capid == SIM_CAPID_RM_RX)
			return GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE;
		return GUNYAH_ERROR_CSPACE_CAP_NULL;
	}
	if (sim_vcpu_bench_exit(vcpu, resp)) {
		srcu_read_unlock(&sim_srcu, idx);
		return GUNYAH_ERROR_OK;
	}
	atomic64_inc(&gsim.stats.vcpu_runs);
	sim_batch_init(&batch);
	mutex_lock(&vcpu->lock);
	if (READ_ONCE(vcpu->vm->busy_runs))
		need_global = true;
	else
		ret = sim_vcpu_run_locked(vcpu, resume_data, resp, &batch,
					  &delay_ms, false, &need_global);
	if (need_global) {
		/* gsim.lock comes first */
		mutex_unlock(&vcpu->lock);
		mutex_lock(&gsim.lock);
		mutex_lock(&vcpu->lock);
		need_global = false;
		if (vcpu->vm->dead)	/* deallocated meanwhile: its caps are gone */
			ret = GUNYAH_ERROR_CSPACE_CAP_NULL;
		else
			ret = sim_vcpu_run_locked(vcpu, resume_data, resp,
						  &batch, &delay_ms, true,
						  &need_global);
		mutex_unlock(&vcpu->lock);
		sim_batch_flush(&batch);
		mutex_unlock(&gsim.lock);
	} else {
		mutex_unlock(&vcpu->lock);
	}

	if (delay_ms) {
		msleep_interruptible(delay_ms);
		mutex_lock(&vcpu->lock);
		vcpu->in_run = false;
		mutex_unlock(&vcpu->lock);
		sim_vm_put(vcpu->vm);
	}
	srcu_read_unlock(&sim_srcu, idx);
	return ret;
}
