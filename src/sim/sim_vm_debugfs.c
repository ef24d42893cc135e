// SPDX-License-Identifier: GPL-2.0-only
/*
 * A simulated VM's debugfs folder, /sys/kernel/debug/gunyah_sim/vm<vmid>/,
 * created when the RM allocates the VM and removed when it frees the vmid:
 *   status             the VM and its vCPUs (see sim_status_show())
 *   ignore_stop        Y: the guest ignores a graceful VM_STOP
 *   ignore_force_stop  Y: ... and a forced one (the RM replies OK)
 *   public             Y: the VM's vCPUs behave as on the public hypervisor
 *                      (default: public_profile at alloc)
 *   busy_runs          N: the next N vcpu_run calls get ERROR_BUSY
 *   blocked_runs       N: the next N vcpu_run calls return BLOCKED
 *   bench_exit         make bench: the MMIO read every run returns
 *   bench_backend      make bench: times N of the backend's vcpu_run
 *   vcpu<N>/program    write: load a program (one write(2) at offset 0, at
 *                      most 4 KiB; -EINVAL and no change on a parse error);
 *                      read: the loaded text
 *   vcpu<N>/log        read: what the guest observed; write: clear
 *   vcpu<N>/wakeup     write: raise the vCPU's wake-up interrupt
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringify.h>

#include "gunyah_knob.h"
#include "sim.h"

static const char *sim_vcpu_power(const struct sim_vcpu *vcpu)
{
	if (!vcpu->prog)
		return "no_program";
	if (vcpu->off)
		return "off";
	if (vcpu->pc >= vcpu->prog->n)
		return "ended";
	return "on";
}

/*
 * vmid: N
 * status: load|auth|init|ready|running|exited|resetting|reset|...
 * crashed: 0|1
 * exit_type: N
 * exit_reason_size: N
 * nr_vcpus: N
 * boot_pc: 0x..            where the boot vCPU starts
 * boot_x: 0x.. x 32        its X0..X31 (X0: the device tree)
 * boot_sp: 0x.. x 3        its SP_EL0..SP_EL2
 * vcpu<N>: capid 0x.. virq N pc N/N pending WHAT power on|off|ended|no_program
 *          wake_pending 0|1 in_run 0|1 runs N        (all on one line)
 */
static int sim_status_show(struct seq_file *s, void *unused)
{
	struct sim_vm *vm = s->private;
	unsigned int i;

	mutex_lock(&gsim.lock);
	seq_printf(s, "vmid: %u\nstatus: %s\ncrashed: %d\n", vm->vmid,
		   gunyah_vm_status_name(vm->status), vm->crashed);
	seq_printf(s, "exit_type: %u\nexit_reason_size: %u\nnr_vcpus: %u\n",
		   vm->exit_type, vm->exit_reason_size, vm->nr_vcpus);
	seq_printf(s, "boot_pc: %#llx\nboot_x:", vm->boot.pc);
	for (i = 0; i < ARRAY_SIZE(vm->boot.x); i++)
		seq_printf(s, " %#llx", vm->boot.x[i]);
	seq_puts(s, "\nboot_sp:");
	for (i = 0; i < ARRAY_SIZE(vm->boot.sp); i++)
		seq_printf(s, " %#llx", vm->boot.sp[i]);
	seq_putc(s, '\n');
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct sim_vcpu *vcpu = &vm->vcpus[i];

		mutex_lock(&vcpu->lock);
		seq_printf(s, "vcpu%u: capid %#llx virq %u pc %u/%u pending %s power %s wake_pending %d in_run %d runs %lu\n",
			   i, vcpu->capid, sim_hwirq_to_virq(vcpu->hwirq),
			   vcpu->pc, vcpu->prog ? vcpu->prog->n : 0,
			   sim_vcpu_pending_name(vcpu), sim_vcpu_power(vcpu),
			   vcpu->wake_pending, vcpu->in_run, vcpu->runs);
		mutex_unlock(&vcpu->lock);
	}
	mutex_unlock(&gsim.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sim_status);

static int sim_program_show(struct seq_file *s, void *unused)
{
	struct sim_vcpu *vcpu = s->private;

	mutex_lock(&vcpu->lock);
	if (vcpu->prog && vcpu->prog->text_len)
		seq_write(s, vcpu->prog->text, vcpu->prog->text_len);
	mutex_unlock(&vcpu->lock);
	return 0;
}

static ssize_t sim_program_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct sim_vcpu *vcpu = gunyah_knob_seq_data(file);
	struct sim_program *prog;
	char who[32];
	char *text;
	int ret;

	snprintf(who, sizeof(who), "vm%u/vcpu%u", vcpu->vm->vmid, vcpu->index);
	if (*ppos) {
		pr_warn("gunyah_sim: %s: program refused: write it in one write() at offset 0\n",
			who);
		return -EINVAL;
	}
	if (count > SIM_MAX_PROGRAM_SIZE) {
		pr_warn("gunyah_sim: %s: program refused: %zu bytes, more than %u\n",
			who, count, SIM_MAX_PROGRAM_SIZE);
		return -EFBIG;
	}

	text = memdup_user(ubuf, count);
	if (IS_ERR(text))
		return PTR_ERR(text);
	prog = sim_program_parse(text, count, who);
	kfree(text);
	if (IS_ERR(prog))
		return PTR_ERR(prog);

	ret = sim_vcpu_load(vcpu, prog);
	if (ret)
		return ret;
	*ppos += count;
	return count;
}

GUNYAH_KNOB_SEQ_FOPS(sim_program, sim_program_write);

static int sim_log_file_show(struct seq_file *s, void *unused)
{
	struct sim_vcpu *vcpu = s->private;
	struct sim_log *log = &vcpu->log;
	unsigned int i;

	mutex_lock(&vcpu->lock);
	if (log->dropped)
		seq_printf(s, "dropped %lu\n", log->dropped);
	for (i = 0; i < log->count; i++)
		seq_printf(s, "%s\n", log->lines[(log->head + i) % SIM_LOG_LINES]);
	mutex_unlock(&vcpu->lock);
	return 0;
}

static ssize_t sim_log_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct sim_vcpu *vcpu = gunyah_knob_seq_data(file);

	mutex_lock(&vcpu->lock);
	vcpu->log.head = 0;
	vcpu->log.count = 0;
	vcpu->log.dropped = 0;
	mutex_unlock(&vcpu->lock);
	return count;
}

GUNYAH_KNOB_SEQ_FOPS(sim_log_file, sim_log_write);

static ssize_t sim_wakeup_write(struct file *file, const char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct sim_vcpu *vcpu = file->private_data;
	int ret = count;

	mutex_lock(&gsim.lock);
	if (vcpu->vm->dead) {
		ret = -ENODEV;
	} else {
		mutex_lock(&vcpu->lock);
		vcpu->wake_pending = true;
		sim_irq_raise(vcpu->hwirq);
		mutex_unlock(&vcpu->lock);
	}
	mutex_unlock(&gsim.lock);
	return ret;
}

GUNYAH_KNOB_WO_FOPS(sim_wakeup, sim_wakeup_write);

/* make bench: "N" times N calls of the backend's vcpu_run on vCPU 0 */
static int sim_bench_backend_show(struct seq_file *s, void *unused)
{
	struct sim_vm *vm = s->private;

	seq_printf(s, "calls %llu ns %llu\n", READ_ONCE(vm->bench_calls),
		   READ_ONCE(vm->bench_ns));
	return 0;
}

static int sim_bench_backend_parse(struct file *file,
				   struct gunyah_knob_args *args)
{
	u64 calls;

	if (args->argc != 1 || kstrtou64(args->argv[0], 0, &calls) || !calls ||
	    calls > SIM_BENCH_MAX_CALLS)
		return gunyah_knob_why(args, "expected 1.."
				       __stringify(SIM_BENCH_MAX_CALLS) " calls");
	if (sim_vcpu_bench_backend(gunyah_knob_seq_data(file), calls))
		return gunyah_knob_why(args, "bench_exit is not set");
	return 0;
}

GUNYAH_KNOB_WORDS_WRITE(sim_bench_backend, 32, sim_bench_backend_parse);
GUNYAH_KNOB_SEQ_FOPS(sim_bench_backend, sim_bench_backend_write);

void sim_vm_debugfs_add(struct sim_vm *vm)
{
	static const struct gunyah_knob_file vcpu_files[] = {
		{ "program", 0600, &sim_program_fops },
		{ "log", 0600, &sim_log_file_fops },
		{ "wakeup", 0200, &sim_wakeup_fops },
	};
	unsigned int i;
	char name[16];

	snprintf(name, sizeof(name), "vm%u", vm->vmid);
	vm->dir = debugfs_create_dir(name, gsim.debugfs);
	debugfs_create_file("status", 0400, vm->dir, vm, &sim_status_fops);
	debugfs_create_bool("ignore_stop", 0600, vm->dir, &vm->ignore_stop);
	debugfs_create_bool("public", 0600, vm->dir, &vm->public);
	debugfs_create_u32("busy_runs", 0600, vm->dir, &vm->busy_runs);
	debugfs_create_u32("blocked_runs", 0600, vm->dir, &vm->blocked_runs);
	debugfs_create_bool("ignore_force_stop", 0600, vm->dir,
			    &vm->ignore_force_stop);
	debugfs_create_x64("bench_exit", 0600, vm->dir, &vm->bench_exit);
	debugfs_create_file("bench_backend", 0600, vm->dir, vm,
			    &sim_bench_backend_fops);

	for (i = 0; i < vm->nr_vcpus; i++) {
		snprintf(name, sizeof(name), "vcpu%u", i);
		gunyah_knob_create_files(debugfs_create_dir(name, vm->dir),
					 &vm->vcpus[i], vcpu_files,
					 ARRAY_SIZE(vcpu_files));
	}
}

void sim_vm_debugfs_remove(struct sim_vm *vm)
{
	debugfs_remove_recursive(vm->dir);
	vm->dir = NULL;
}
