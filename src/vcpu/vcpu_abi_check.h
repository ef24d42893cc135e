/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Build-time check that the shared run page matches v17's layout exactly:
 * existing VMMs (crosvm, QEMU's gunyah accelerator) hard-code it.
 */

#ifndef _GUNYAH_VCPU_ABI_CHECK_H
#define _GUNYAH_VCPU_ABI_CHECK_H

#include <linux/build_bug.h>
#include <linux/stddef.h>

#include "gunyah.h"

#define GUNYAH_ABI_AT(type, field, off) \
	static_assert(offsetof(struct type, field) == (off))
#define GUNYAH_ABI_SIZE(type, size) \
	static_assert(sizeof(struct type) == (size))

GUNYAH_ABI_SIZE(gunyah_fn_vcpu_arg, 4);
GUNYAH_ABI_AT(gunyah_fn_desc, type, 0);
GUNYAH_ABI_AT(gunyah_fn_desc, arg_size, 4);
GUNYAH_ABI_AT(gunyah_fn_desc, arg, 8);
GUNYAH_ABI_SIZE(gunyah_fn_desc, 16);

GUNYAH_ABI_AT(gunyah_vm_exit_info, type, 0);
GUNYAH_ABI_AT(gunyah_vm_exit_info, padding, 2);
GUNYAH_ABI_AT(gunyah_vm_exit_info, reason_size, 4);
GUNYAH_ABI_AT(gunyah_vm_exit_info, reason, 8);
GUNYAH_ABI_SIZE(gunyah_vm_exit_info, 16);

GUNYAH_ABI_AT(gunyah_vcpu_run, immediate_exit, 0);
GUNYAH_ABI_AT(gunyah_vcpu_run, padding, 1);
GUNYAH_ABI_AT(gunyah_vcpu_run, exit_reason, 8);
GUNYAH_ABI_AT(gunyah_vcpu_run, mmio.phys_addr, 16);
GUNYAH_ABI_AT(gunyah_vcpu_run, mmio.data, 24);
GUNYAH_ABI_AT(gunyah_vcpu_run, mmio.len, 32);
GUNYAH_ABI_AT(gunyah_vcpu_run, mmio.is_write, 36);
GUNYAH_ABI_AT(gunyah_vcpu_run, mmio.resume_action, 37);
GUNYAH_ABI_AT(gunyah_vcpu_run, status.status, 16);
GUNYAH_ABI_AT(gunyah_vcpu_run, status.exit_info, 20);
GUNYAH_ABI_AT(gunyah_vcpu_run, page_fault.phys_addr, 16);
GUNYAH_ABI_AT(gunyah_vcpu_run, page_fault.attempt, 24);
GUNYAH_ABI_AT(gunyah_vcpu_run, page_fault.resume_action, 28);
GUNYAH_ABI_SIZE(gunyah_vcpu_run, 40);
static_assert(sizeof(enum gunyah_vm_status) == 4);

static_assert(GUNYAH_CREATE_VM == 0x4700);
static_assert(GUNYAH_VM_START == 0x4703);
static_assert(GUNYAH_VM_ADD_FUNCTION == 0x40104704);
static_assert(GUNYAH_VCPU_RUN == 0x4705);
static_assert(GUNYAH_VCPU_MMAP_SIZE == 0x4706);
static_assert(GUNYAH_VM_REMOVE_FUNCTION == 0x40104707);

#endif /* _GUNYAH_VCPU_ABI_CHECK_H */
