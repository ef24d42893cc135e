/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the VM manager: VM lifecycle (vm_mgr.c), VM functions
 * (vm_fn.c), resources and resource tickets (vm_rsc.c).
 */

#ifndef _GUNYAH_VM_MGR_PRIV_H
#define _GUNYAH_VM_MGR_PRIV_H

#include "rsc_mgr/rsc_mgr.h"
#include "vm_mgr.h"

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

#endif /* _GUNYAH_VM_MGR_PRIV_H */
