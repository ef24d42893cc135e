/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * Userspace interface for the Gunyah hypervisor driver (ABI of the v17
 * series, plus the RM exit-type enum its reviewers asked for).
 */

#ifndef _UAPI_LINUX_GUNYAH_H
#define _UAPI_LINUX_GUNYAH_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define GUNYAH_IOCTL_TYPE		'G'

/*
 * The argument of the _IO ioctls: GUNYAH_CREATE_VM and GUNYAH_VCPU_RUN
 * refuse a non-zero one (-EINVAL), as KVM does. v17 ignored the argument
 * of GUNYAH_VM_START and GUNYAH_VCPU_MMAP_SIZE and VMMs call them with
 * none (the register then holds whatever it held), so those two ignore it.
 *
 * 32-bit processes: the ioctls of /dev/gunyah and of a VM fd take the same
 * layouts as 64-bit ones. struct gunyah_vcpu_run does not where the 32-bit
 * ABI aligns __u64 to 4 bytes (i386 on x86-64: the union is at 12, not 16),
 * so there every vCPU fd ioctl of a 32-bit process fails with -ENOTTY;
 * arm32 processes on arm64 match and are served.
 */

/* ioctls on /dev/gunyah */
#define GUNYAH_CREATE_VM		_IO(GUNYAH_IOCTL_TYPE, 0x0)

#define GHMF_CLOEXEC			0x1ULL
#define GHMF_ALLOW_HUGEPAGE		0x2ULL

/**
 * struct gunyah_create_mem_args - Arguments to create guest memory
 * @flags: %GHMF_CLOEXEC, %GHMF_ALLOW_HUGEPAGE (back it with 2 MiB blocks
 *         where the host has them: fewer ranges to give the hypervisor)
 * @size: bytes, a non-zero multiple of the host's page size
 * @reserved: zero
 *
 * GUNYAH_CREATE_GUEST_MEM returns a guest-memory fd. The VMM mmap()s it
 * to load the guest's image and device tree, and maps ranges of it into
 * VMs with GUNYAH_VM_MAP_MEM.
 */
struct gunyah_create_mem_args {
	__u64 flags;
	__u64 size;
	__u64 reserved[6];
};

#define GUNYAH_CREATE_GUEST_MEM		_IOW(GUNYAH_IOCTL_TYPE, 0x8, \
					     struct gunyah_create_mem_args)

/* ioctls on a VM fd */
#define GUNYAH_VM_START			_IO(GUNYAH_IOCTL_TYPE, 0x3)

/**
 * struct gunyah_vm_dtb_config - Where the guest's device tree is
 * @guest_phys_addr: guest address of the device tree; inside a range
 *                   mapped with GUNYAH_VM_MAP_MEM by the time the VM starts
 * @size: bytes, non-zero
 */
struct gunyah_vm_dtb_config {
	__u64 guest_phys_addr;
	__u64 size;
};

#define GUNYAH_VM_SET_DTB_CONFIG	_IOW(GUNYAH_IOCTL_TYPE, 0x2, \
					     struct gunyah_vm_dtb_config)

#define GUNYAH_MEM_ALLOW_READ		0x1U
#define GUNYAH_MEM_ALLOW_WRITE		0x2U
#define GUNYAH_MEM_ALLOW_EXEC		0x4U
#define GUNYAH_MEM_ALLOW_RWX		(GUNYAH_MEM_ALLOW_READ | \
					 GUNYAH_MEM_ALLOW_WRITE | \
					 GUNYAH_MEM_ALLOW_EXEC)
#define GUNYAH_MEM_DEFAULT_ACCESS	(0x00)
#define GUNYAH_MEM_FORCE_LEND		(0x10)
#define GUNYAH_MEM_FORCE_SHARE		(0x20)
#define GUNYAH_MEM_ACCESS_MASK		(0x70)
#define GUNYAH_MEM_UNMAP		0x100U

/**
 * struct gunyah_map_mem_args - Map guest memory into a VM
 * @guest_addr: guest physical address, page aligned
 * @flags: GUNYAH_MEM_ALLOW_* (read is required), one access mode of
 *         %GUNYAH_MEM_ACCESS_MASK, and %GUNYAH_MEM_UNMAP to remove the
 *         mapping of exactly this range again before the VM starts
 * @guest_mem_fd: a fd from GUNYAH_CREATE_GUEST_MEM
 * @offset: byte offset into @guest_mem_fd, page aligned
 * @size: bytes, a non-zero multiple of the page size
 */
struct gunyah_map_mem_args {
	__u64 guest_addr;
	__u32 flags;
	__u32 guest_mem_fd;
	__u64 offset;
	__u64 size;
};

#define GUNYAH_VM_MAP_MEM		_IOW(GUNYAH_IOCTL_TYPE, 0x9, \
					     struct gunyah_map_mem_args)

#define GUNYAH_VM_BOOT_CONTEXT_REG_SET_X	0
#define GUNYAH_VM_BOOT_CONTEXT_REG_SET_PC	1
#define GUNYAH_VM_BOOT_CONTEXT_REG_SET_SP	2
#define GUNYAH_VM_BOOT_CONTEXT_REG(set, idx)	((((set) & 0xff) << 8) | ((idx) & 0xff))

/**
 * struct gunyah_vm_boot_context - A register of the boot vCPU
 * @reg: GUNYAH_VM_BOOT_CONTEXT_REG(set, index): X0..X31, PC (index 0) or
 *       SP_EL0..SP_EL2 (index 0..2)
 * @reserved: zero
 * @value: the register's value when the VM starts
 */
struct gunyah_vm_boot_context {
	__u32 reg;
	__u32 reserved;
	__u64 value;
};

#define GUNYAH_VM_SET_BOOT_CONTEXT	_IOW(GUNYAH_IOCTL_TYPE, 0xa, \
					     struct gunyah_vm_boot_context)

/**
 * enum gunyah_fn_type - Types of Gunyah VM functions
 * @GUNYAH_FN_VCPU: a vCPU; &struct gunyah_fn_desc.arg points to
 *                  &struct gunyah_fn_vcpu_arg. Returns a vCPU fd.
 * @GUNYAH_FN_IRQFD: an irqfd (reserved, not implemented by this driver)
 * @GUNYAH_FN_IOEVENTFD: an ioeventfd (reserved, not implemented by this driver)
 */
enum gunyah_fn_type {
	GUNYAH_FN_VCPU = 1,
	GUNYAH_FN_IRQFD,
	GUNYAH_FN_IOEVENTFD,
};

#define GUNYAH_FN_MAX_ARG_SIZE		256

/**
 * struct gunyah_fn_vcpu_arg - Arguments to create a vCPU
 * @id: vCPU index within the VM
 */
struct gunyah_fn_vcpu_arg {
	__u32 id;
};

/**
 * struct gunyah_fn_desc - Arguments to create or remove a VM function
 * @type: function type, see &enum gunyah_fn_type
 * @arg_size: size of the argument pointed to by @arg, at most
 *            %GUNYAH_FN_MAX_ARG_SIZE
 * @arg: pointer to the function's argument
 */
struct gunyah_fn_desc {
	__u32 type;
	__u32 arg_size;
	__u64 arg;
};

#define GUNYAH_VM_ADD_FUNCTION		_IOW(GUNYAH_IOCTL_TYPE, 0x4, struct gunyah_fn_desc)
#define GUNYAH_VM_REMOVE_FUNCTION	_IOW(GUNYAH_IOCTL_TYPE, 0x7, struct gunyah_fn_desc)

/**
 * enum gunyah_vm_status - Why a VM is no longer runnable
 * @GUNYAH_VM_STATUS_LOAD_FAILED: the VM could not be loaded
 * @GUNYAH_VM_STATUS_EXITED: the VM asked to shut down or reboot, see
 *                           &struct gunyah_vm_exit_info
 * @GUNYAH_VM_STATUS_CRASHED: the VM is in an unknown state
 */
enum gunyah_vm_status {
	GUNYAH_VM_STATUS_LOAD_FAILED	= 1,
	GUNYAH_VM_STATUS_EXITED		= 2,
	GUNYAH_VM_STATUS_CRASHED	= 3,
};

/**
 * enum gunyah_vm_exit_type - How a VM exited, as the resource manager
 *                            reports it in &struct gunyah_vm_exit_info.type
 * @GUNYAH_VM_EXIT_TYPE_VM_EXIT: the VM exited on its own
 * @GUNYAH_VM_EXIT_TYPE_PLATFORM_OFF: PSCI SYSTEM_OFF
 * @GUNYAH_VM_EXIT_TYPE_PLATFORM_RESET: PSCI SYSTEM_RESET
 * @GUNYAH_VM_EXIT_TYPE_PSCI_SYSTEM_RESET2: PSCI SYSTEM_RESET2; the reason
 *                                          is 16 bytes long
 * @GUNYAH_VM_EXIT_TYPE_WATCHDOG_BITE: the VM's watchdog expired
 * @GUNYAH_VM_EXIT_TYPE_SOFTWARE_ERROR: a software error
 * @GUNYAH_VM_EXIT_TYPE_ASYNC_HW_ERROR: an asynchronous hardware error
 * @GUNYAH_VM_EXIT_TYPE_VM_STOP_FORCED: the VM was force-stopped
 */
enum gunyah_vm_exit_type {
	GUNYAH_VM_EXIT_TYPE_VM_EXIT		= 0,
	GUNYAH_VM_EXIT_TYPE_PLATFORM_OFF	= 1,
	GUNYAH_VM_EXIT_TYPE_PLATFORM_RESET	= 2,
	GUNYAH_VM_EXIT_TYPE_PSCI_SYSTEM_RESET2	= 3,
	GUNYAH_VM_EXIT_TYPE_WATCHDOG_BITE	= 4,
	GUNYAH_VM_EXIT_TYPE_SOFTWARE_ERROR	= 5,
	GUNYAH_VM_EXIT_TYPE_ASYNC_HW_ERROR	= 6,
	GUNYAH_VM_EXIT_TYPE_VM_STOP_FORCED	= 7,
};

#define GUNYAH_VM_MAX_EXIT_REASON_SIZE	8u

/**
 * struct gunyah_vm_exit_info - Why a VM exited, as the hypervisor said
 * @type: how the VM exited, see &enum gunyah_vm_exit_type
 * @padding: zero
 * @reason_size: number of reason bytes the resource manager sent; may be
 *               larger than %GUNYAH_VM_MAX_EXIT_REASON_SIZE, in which case
 *               @reason holds only the first bytes
 * @reason: little-endian reason words, not interpreted by the kernel
 */
struct gunyah_vm_exit_info {
	__u16 type;
	__u16 padding;
	__u32 reason_size;
	__u8 reason[GUNYAH_VM_MAX_EXIT_REASON_SIZE];
};

/**
 * enum gunyah_vcpu_exit - Why %GUNYAH_VCPU_RUN returned 0
 * @GUNYAH_VCPU_EXIT_UNKNOWN: not used
 * @GUNYAH_VCPU_EXIT_MMIO: the guest accessed emulated MMIO, see
 *                         &struct gunyah_vcpu_run.mmio
 * @GUNYAH_VCPU_EXIT_STATUS: the VM is no longer runnable, see
 *                           &struct gunyah_vcpu_run.status
 * @GUNYAH_VCPU_EXIT_PAGE_FAULT: the guest touched unmapped memory, see
 *                               &struct gunyah_vcpu_run.page_fault
 */
enum gunyah_vcpu_exit {
	GUNYAH_VCPU_EXIT_UNKNOWN,
	GUNYAH_VCPU_EXIT_MMIO,
	GUNYAH_VCPU_EXIT_STATUS,
	GUNYAH_VCPU_EXIT_PAGE_FAULT,
};

/**
 * enum gunyah_vcpu_resume_action - How to resume after an MMIO or page fault
 * @GUNYAH_VCPU_RESUME_HANDLED: handled; continue the guest
 * @GUNYAH_VCPU_RESUME_FAULT: inject the fault back into the guest
 * @GUNYAH_VCPU_RESUME_RETRY: retry the faulting instruction
 */
enum gunyah_vcpu_resume_action {
	GUNYAH_VCPU_RESUME_HANDLED = 0,
	GUNYAH_VCPU_RESUME_FAULT,
	GUNYAH_VCPU_RESUME_RETRY,
};

/**
 * struct gunyah_vcpu_run - The page shared with userspace by mmap() of a
 *                          vCPU fd at offset 0
 * @immediate_exit: if set, %GUNYAH_VCPU_RUN returns -EINTR before running
 * @padding: zero
 * @exit_reason: why %GUNYAH_VCPU_RUN returned, see &enum gunyah_vcpu_exit
 * @mmio: valid when @exit_reason is %GUNYAH_VCPU_EXIT_MMIO
 * @mmio.phys_addr: guest address accessed
 * @mmio.data: value written (is_write == 1), or value to return (reads)
 * @mmio.len: access size in bytes, at most 8
 * @mmio.is_write: 1 for a write, 0 for a read
 * @mmio.resume_action: see &enum gunyah_vcpu_resume_action
 * @status: valid when @exit_reason is %GUNYAH_VCPU_EXIT_STATUS
 * @status.status: see &enum gunyah_vm_status
 * @status.exit_info: valid when @status.status is %GUNYAH_VM_STATUS_EXITED
 * @page_fault: valid when @exit_reason is %GUNYAH_VCPU_EXIT_PAGE_FAULT
 * @page_fault.phys_addr: guest address accessed
 * @page_fault.attempt: why the kernel could not handle the fault itself
 * @page_fault.resume_action: see &enum gunyah_vcpu_resume_action
 */
struct gunyah_vcpu_run {
	/* in */
	__u8 immediate_exit;
	__u8 padding[7];

	/* out */
	__u32 exit_reason;

	union {
		struct {
			__u64 phys_addr;
			__u8  data[8];
			__u32 len;
			__u8  is_write;
			__u8  resume_action;
		} mmio;

		struct {
			enum gunyah_vm_status status;
			struct gunyah_vm_exit_info exit_info;
		} status;

		struct {
			__u64 phys_addr;
			__s32 attempt;
			__u8  resume_action;
		} page_fault;
	};
};

#define GUNYAH_VCPU_RUN			_IO(GUNYAH_IOCTL_TYPE, 0x5)
#define GUNYAH_VCPU_MMAP_SIZE		_IO(GUNYAH_IOCTL_TYPE, 0x6)

#endif /* _UAPI_LINUX_GUNYAH_H */
