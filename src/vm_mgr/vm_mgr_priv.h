/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the VM manager: VM lifecycle (vm_mgr.c), VM functions
 * (vm_fn.c), resources and resource tickets (vm_rsc.c).
 */

#ifndef _GUNYAH_VM_MGR_PRIV_H
#define _GUNYAH_VM_MGR_PRIV_H

#include "rsc_mgr/rsc_mgr.h"
#include "vm_mgr.h"

struct seq_file;

/* vm_fn.c */
long gunyah_vm_add_function(struct gunyah_vm *ghvm,
			    const struct gunyah_fn_desc *desc);
long gunyah_vm_remove_function(struct gunyah_vm *ghvm,
			       const struct gunyah_fn_desc *desc);
void gunyah_vm_remove_functions(struct gunyah_vm *ghvm);

/* vm_rsc.c */
int gunyah_vm_add_resources(struct gunyah_vm *ghvm,
			    const struct gunyah_rm_hyp_resources *res, u32 n);
void gunyah_vm_release_resources(struct gunyah_vm *ghvm);
void gunyah_vm_debugfs_add(struct gunyah_vm *ghvm);
void gunyah_vm_debugfs_remove(struct gunyah_vm *ghvm);

/* guest_mem.c */
long gunyah_gmem_create(struct device *dev, void __user *argp);
struct file *gunyah_gmem_fget(unsigned int fd, u64 *size);
struct gunyah_rm_mem_range *gunyah_gmem_ranges(struct file *file, u64 offset,
					       u64 size, u32 *n);
void gunyah_gmem_pin_forever(struct file *file, u64 offset, u64 size);
void gunyah_gmem_counts(long *files, long *pages, long *lost);

/* vm_mem.c */
long gunyah_vm_mem_ioctl(struct gunyah_vm *ghvm, unsigned int cmd,
			 void __user *argp);
int gunyah_vm_mem_check(struct gunyah_vm *ghvm);
int gunyah_vm_mem_share(struct gunyah_vm *ghvm);
int gunyah_vm_mem_configure(struct gunyah_vm *ghvm);
int gunyah_vm_mem_set_boot_context(struct gunyah_vm *ghvm);
void gunyah_vm_mem_reclaim(struct gunyah_vm *ghvm);
void gunyah_vm_mem_release(struct gunyah_vm *ghvm);
void gunyah_vm_mem_show(struct gunyah_vm *ghvm, struct seq_file *m);
long gunyah_vm_mem_retry_reclaim(void);
void gunyah_vm_mem_debugfs_init(void);
void gunyah_vm_mem_debugfs_exit(void);

#endif /* _GUNYAH_VM_MGR_PRIV_H */
