// SPDX-License-Identifier: GPL-2.0-only
/*
 * An i386 program, built without a libc (-m32 -ffreestanding -nostdlib),
 * that vcpu_mmap carries inside it and runs on x86-64: a 32-bit process
 * lays struct gunyah_vcpu_run out differently, so its vCPU ioctls must be
 * refused, while /dev/gunyah and the VM fd (same layouts) serve it.
 * The exit code says which step went wrong (enum below).
 */
#include <linux/gunyah.h>

enum {
	OK = 0,
	NO_DEV = 10,		/* open("/dev/gunyah") failed */
	NO_VM,			/* GUNYAH_CREATE_VM failed */
	VM_IOCTL_REFUSED,	/* a VM fd ioctl was not served */
	NO_VCPU,		/* GUNYAH_VM_ADD_FUNCTION of vCPU 0 failed */
	RUN_SERVED,		/* GUNYAH_VCPU_RUN did not fail with ENOTTY */
	MMAP_SIZE_SERVED,	/* GUNYAH_VCPU_MMAP_SIZE did not either */
};

#define NR_EXIT		1
#define NR_OPEN		5
#define NR_IOCTL	54
#define O_RDWR		2
#define ENOTTY		25

static long sys3(long nr, long a, long b, long c)
{
	long ret;

	asm volatile("int $0x80"
		     : "=a" (ret)
		     : "a" (nr), "b" (a), "c" (b), "d" (c)
		     : "memory");
	return ret;
}

static int run(void)
{
	struct gunyah_vm_boot_context ctx = {
		.reg = GUNYAH_VM_BOOT_CONTEXT_REG(GUNYAH_VM_BOOT_CONTEXT_REG_SET_PC, 0),
		.value = 0x80000000,
	};
	struct gunyah_fn_vcpu_arg arg = { .id = 0 };
	struct gunyah_fn_desc desc = {
		.type = GUNYAH_FN_VCPU,
		.arg_size = sizeof(arg),
		.arg = (unsigned long)&arg,
	};
	long dev, vm, vcpu;

	dev = sys3(NR_OPEN, (long)"/dev/gunyah", O_RDWR, 0);
	if (dev < 0)
		return NO_DEV;
	vm = sys3(NR_IOCTL, dev, GUNYAH_CREATE_VM, 0);
	if (vm < 0)
		return NO_VM;
	if (sys3(NR_IOCTL, vm, GUNYAH_VM_SET_BOOT_CONTEXT, (long)&ctx))
		return VM_IOCTL_REFUSED;
	vcpu = sys3(NR_IOCTL, vm, GUNYAH_VM_ADD_FUNCTION, (long)&desc);
	if (vcpu < 0)
		return NO_VCPU;
	if (sys3(NR_IOCTL, vcpu, GUNYAH_VCPU_RUN, 0) != -ENOTTY)
		return RUN_SERVED;
	if (sys3(NR_IOCTL, vcpu, GUNYAH_VCPU_MMAP_SIZE, 0) != -ENOTTY)
		return MMAP_SIZE_SERVED;
	return OK;
}

void _start(void)
{
	sys3(NR_EXIT, run(), 0, 0);
	__builtin_unreachable();
}
