// SPDX-License-Identifier: GPL-2.0-only
/*
 * VM functions: the registry of function types (loaded on demand through
 * the "ghfunc:<type>" module alias) and adding/removing function
 * instances to/from a VM.
 */

#include <linux/device.h>
#include <linux/kmod.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "vm_mgr/vm_mgr_priv.h"

static DEFINE_MUTEX(gunyah_fn_registry_lock);
static DEFINE_XARRAY(gunyah_fn_registry);	/* type -> gunyah_vm_function */

/**
 * gunyah_vm_function_register() - Make a VM function type available
 * @fn: the function type; see DECLARE_GUNYAH_VM_FUNCTION()
 *
 * Return: 0, -EINVAL if @fn lacks a callback, -EEXIST if its type is
 * taken, -ENOMEM.
 */
int gunyah_vm_function_register(struct gunyah_vm_function *fn)
{
	int ret;

	if (!fn->bind || !fn->unbind || !fn->compare) {
		pr_err("gunyah: function %s (type %u) lacks bind, unbind or compare\n",
		       fn->name, fn->type);
		return -EINVAL;
	}

	mutex_lock(&gunyah_fn_registry_lock);
	ret = xa_insert(&gunyah_fn_registry, fn->type, fn, GFP_KERNEL);
	mutex_unlock(&gunyah_fn_registry_lock);
	if (ret == -EBUSY) {
		pr_err("gunyah: cannot register function %s: type %u is taken\n",
		       fn->name, fn->type);
		return -EEXIST;
	}
	if (ret)
		pr_err("gunyah: cannot register function %s (type %u): %d\n",
		       fn->name, fn->type, ret);
	return ret;
}
EXPORT_SYMBOL_GPL(gunyah_vm_function_register);

/**
 * gunyah_vm_function_unregister() - Withdraw a VM function type
 * @fn: as passed to gunyah_vm_function_register()
 *
 * Instances pin @fn->mod, so none exists when its module calls this.
 */
void gunyah_vm_function_unregister(struct gunyah_vm_function *fn)
{
	mutex_lock(&gunyah_fn_registry_lock);
	if (xa_load(&gunyah_fn_registry, fn->type) == fn)
		xa_erase(&gunyah_fn_registry, fn->type);
	else
		pr_err("gunyah: function %s (type %u) was not registered\n",
		       fn->name, fn->type);
	mutex_unlock(&gunyah_fn_registry_lock);
}
EXPORT_SYMBOL_GPL(gunyah_vm_function_unregister);

static struct gunyah_vm_function *gunyah_vm_function_try_get(u32 type)
{
	struct gunyah_vm_function *fn;

	mutex_lock(&gunyah_fn_registry_lock);
	fn = xa_load(&gunyah_fn_registry, type);
	if (fn && !try_module_get(fn->mod))
		fn = NULL;
	mutex_unlock(&gunyah_fn_registry_lock);
	return fn;
}

/* Find function @type, loading its module if needed; pins fn->mod */
static struct gunyah_vm_function *gunyah_vm_function_get(u32 type)
{
	struct gunyah_vm_function *fn = gunyah_vm_function_try_get(type);

	if (fn)
		return fn;

	/* modprobe runs as root: only for the types the UAPI defines */
	if (type < GUNYAH_FN_VCPU || type > GUNYAH_FN_IOEVENTFD) {
		pr_err_ratelimited("gunyah: no VM function of type %u: the UAPI defines types %u to %u\n",
				   type, GUNYAH_FN_VCPU, GUNYAH_FN_IOEVENTFD);
		return ERR_PTR(-ENOENT);
	}
	request_module("ghfunc:%u", type);
	fn = gunyah_vm_function_try_get(type);
	if (!fn) {
		pr_err_ratelimited("gunyah: no VM function of type %u (no module provides ghfunc:%u)\n",
				   type, type);
		return ERR_PTR(-ENOENT);
	}
	return fn;
}

static void *gunyah_vm_copy_fn_arg(const struct gunyah_fn_desc *desc)
{
	void *argp;

	if (!desc->arg_size)
		return NULL;
	/* memdup_user() would not charge the caller's memory cgroup */
	argp = kmalloc(desc->arg_size, GFP_KERNEL_ACCOUNT);
	if (!argp)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(argp, u64_to_user_ptr(desc->arg), desc->arg_size)) {
		pr_err_ratelimited("gunyah: cannot copy the %u byte function argument\n",
				   desc->arg_size);
		kfree(argp);
		return ERR_PTR(-EFAULT);
	}
	return argp;
}

static void gunyah_vm_function_instance_free(struct gunyah_vm_function_instance *inst)
	__must_hold(&inst->ghvm->fn_lock)
{
	struct module *mod = inst->fn->mod;

	list_del(&inst->vm_list);
	inst->fn->unbind(inst);
	kfree(inst->argp);
	kfree(inst);
	module_put(mod);
}

/**
 * gunyah_vm_add_function() - GUNYAH_VM_ADD_FUNCTION
 * @ghvm: the VM
 * @desc: the user's descriptor, arg_size already checked
 *
 * Return: what the function's bind() returns (e.g. a vCPU fd), or a
 * negative errno.
 */
long gunyah_vm_add_function(struct gunyah_vm *ghvm,
			    const struct gunyah_fn_desc *desc)
{
	struct gunyah_vm_function_instance *inst;
	struct gunyah_vm_function *fn;
	long ret;

	inst = kzalloc(sizeof(*inst), GFP_KERNEL_ACCOUNT);
	if (!inst)
		return -ENOMEM;

	inst->argp = gunyah_vm_copy_fn_arg(desc);
	if (IS_ERR(inst->argp)) {
		ret = PTR_ERR(inst->argp);
		goto err_free_inst;
	}
	inst->arg_size = desc->arg_size;

	fn = gunyah_vm_function_get(desc->type);
	if (IS_ERR(fn)) {
		ret = PTR_ERR(fn);
		goto err_free_arg;
	}
	inst->fn = fn;
	inst->ghvm = ghvm;

	mutex_lock(&ghvm->fn_lock);
	ret = fn->bind(inst);
	if (ret < 0) {
		mutex_unlock(&ghvm->fn_lock);
		dev_err_ratelimited(ghvm->parent, "VM %u: binding function %s failed: %ld\n",
				    ghvm->vmid, fn->name, ret);
		module_put(fn->mod);
		goto err_free_arg;
	}
	list_add(&inst->vm_list, &ghvm->functions);
	mutex_unlock(&ghvm->fn_lock);
	return ret;

err_free_arg:
	kfree(inst->argp);
err_free_inst:
	kfree(inst);
	return ret;
}

/**
 * gunyah_vm_remove_function() - GUNYAH_VM_REMOVE_FUNCTION
 * @ghvm: the VM
 * @desc: the user's descriptor, arg_size already checked
 *
 * Removes every instance of @desc->type whose compare() matches.
 *
 * Return: 0, or -ENOENT if none matched.
 */
long gunyah_vm_remove_function(struct gunyah_vm *ghvm,
			       const struct gunyah_fn_desc *desc)
{
	struct gunyah_vm_function_instance *inst, *tmp;
	bool found = false;
	void *argp;

	argp = gunyah_vm_copy_fn_arg(desc);
	if (IS_ERR(argp))
		return PTR_ERR(argp);

	mutex_lock(&ghvm->fn_lock);
	list_for_each_entry_safe(inst, tmp, &ghvm->functions, vm_list) {
		if (inst->fn->type == desc->type &&
		    inst->fn->compare(inst, argp, desc->arg_size)) {
			gunyah_vm_function_instance_free(inst);
			found = true;
		}
	}
	mutex_unlock(&ghvm->fn_lock);
	kfree(argp);

	if (!found) {
		dev_err_ratelimited(ghvm->parent,
				    "VM %u: no function of type %u matches the removal argument\n",
				    ghvm->vmid, desc->type);
		return -ENOENT;
	}
	return 0;
}

/**
 * gunyah_vm_remove_functions() - Unbind every function (VM teardown)
 * @ghvm: the VM
 */
void gunyah_vm_remove_functions(struct gunyah_vm *ghvm)
{
	struct gunyah_vm_function_instance *inst, *tmp;

	mutex_lock(&ghvm->fn_lock);
	list_for_each_entry_safe(inst, tmp, &ghvm->functions, vm_list)
		gunyah_vm_function_instance_free(inst);
	mutex_unlock(&ghvm->fn_lock);
}
