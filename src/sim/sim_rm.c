// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated resource manager: reassembles requests from the TX
 * queue, runs the VM lifecycle calls, and answers with (fragmented)
 * replies and notifications on the RX queue, in the RPC format of
 * rm_proto.h. Refusals use the error a real RM gives.
 */

#include <linux/bitfield.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sim.h"

#define SIM_RM_MAX_REQ_LEN	(GUNYAH_RM_PAYLOAD_SIZE * (GUNYAH_RM_MAX_NUM_FRAGMENTS + 1))

/* The RM's staged VM_RESET clean-up is done: RESET, after its reply */
static void sim_vm_reset_done(struct work_struct *work)
{
	struct sim_vm *vm = container_of(to_delayed_work(work), struct sim_vm,
					 reset_work);
	struct sim_batch notes;

	sim_batch_init(&notes);
	mutex_lock(&gsim.lock);
	if (!vm->dead && vm->status == GUNYAH_RM_VM_STATUS_RESETTING) {
		sim_mem_release_vm(vm);
		vm->configured = false;
		sim_vm_set_status(vm, GUNYAH_RM_VM_STATUS_RESET, &notes);
	}
	sim_batch_flush(&notes);
	mutex_unlock(&gsim.lock);
	sim_vm_put(vm);
}

/* Take the vCPUs out of sim_vcpu_run()'s index: a dead VM's caps are gone */
static void sim_vm_unindex(struct sim_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++)
		xa_erase(&gsim.vcpus, vm->vcpus[i].capid - SIM_CAPID_VCPU);
}

static struct sim_vm *sim_vm_create(u16 vmid, unsigned int nr)
{
	struct sim_vm *vm;
	unsigned int i;
	int ret;

	vm = kzalloc(struct_size(vm, vcpus, nr), GFP_KERNEL);
	if (!vm)
		return ERR_PTR(-ENOMEM);
	kref_init(&vm->ref);
	vm->vmid = vmid;
	vm->status = GUNYAH_RM_VM_STATUS_LOAD;
	vm->public = READ_ONCE(gsim.public_profile);
	vm->image_handle = U32_MAX;
	INIT_DELAYED_WORK(&vm->reset_work, sim_vm_reset_done);

	for (i = 0; i < nr; i++) {
		struct sim_vcpu *vcpu = &vm->vcpus[i];

		ret = ida_alloc_range(&gsim.hwirq_ida, SIM_HWIRQ_FIRST_VCPU,
				      SIM_NR_HWIRQS - 1, GFP_KERNEL);
		if (ret < 0)
			goto err;
		vcpu->hwirq = ret;
		vcpu->vm = vm;
		vcpu->index = i;
		ret = sim_guest_init(vcpu);
		if (ret) {
			ida_free(&gsim.hwirq_ida, vcpu->hwirq);
			goto err;
		}
		vm->nr_vcpus = i + 1;
	}
	/* Caps are never reused, so a stale capid stays invalid */
	for (i = 0; i < nr; i++) {
		vm->vcpus[i].capid = gsim.next_capid;
		WRITE_ONCE(gsim.next_capid, gsim.next_capid + 1);
	}
	/* Index the vCPUs by capid for sim_vcpu_run(), under gsim.lock */
	for (i = 0; i < nr; i++) {
		ret = xa_insert(&gsim.vcpus, vm->vcpus[i].capid - SIM_CAPID_VCPU,
				&vm->vcpus[i], GFP_KERNEL);
		if (ret) {
			sim_vm_unindex(vm);
			goto err;
		}
	}
	list_add_tail(&vm->list, &gsim.vms);
	sim_vm_debugfs_add(vm);
	return vm;

err:
	sim_vm_put(vm);
	return ERR_PTR(ret);
}

/* Called without gsim.lock: debugfs removal waits for file users */
static void sim_vm_destroy(struct sim_vm *vm)
{
	sim_vm_debugfs_remove(vm);
	ida_free(&gsim.vmid_ida, vm->vmid);
	sim_vm_put(vm);
}

/* The RM forgets the VM; sim_vm_destroy() frees it */
static void sim_vm_remove(struct sim_vm *vm)
{
	sim_mem_release_vm(vm);
	list_del(&vm->list);
	sim_vm_unindex(vm);
	vm->dead = true;
}

/* One request being served */
struct sim_rm_req {
	u16 seq;
	u32 msg_id;
	const u8 *payload;
	size_t len;
	struct sim_vm *vm;	/* the VM the call names, if it names one */
	const char *why;	/* reason for a refusal, logged */
	void *reply;		/* set only by a handler that succeeds */
	size_t reply_len;
	bool reply_alloc;
	__le32 small[2];	/* a small reply, zeroed: reserved fields stay 0 */
	struct sim_batch notes;
	struct sim_vm *destroy;
};

static u32 sim_rm_why(struct sim_rm_req *req, const char *why, u32 err)
{
	req->why = why;
	return err;
}

/*
 * rm_refuse_call armed for this call: the RM fails it the way the real
 * RM fails a configure, init or start it has accepted: the VM becomes
 * INIT_FAILED, and VM_STATUS says so before the reply.
 */
static u32 sim_rm_refuse(struct sim_rm_req *req)
{
	u32 err = gsim.refuse_error ?: GUNYAH_RM_ERROR_MEM_INVALID;

	if (!gsim.refuse_call || gsim.refuse_call != req->msg_id)
		return GUNYAH_RM_ERROR_OK;
	gsim.refuse_call = 0;
	req->why = "refused as asked (rm_refuse_call)";
	sim_vm_set_status(req->vm, GUNYAH_RM_VM_STATUS_INIT_FAILED, &req->notes);
	return err;
}

/* A {vmid, reserved} reply */
static u32 sim_rm_reply_vmid(struct sim_rm_req *req, u16 vmid)
{
	struct gunyah_rm_vm_common_vmid_req *out = (void *)req->small;

	out->vmid = cpu_to_le16(vmid);
	req->reply = out;
	req->reply_len = sizeof(*out);
	return GUNYAH_RM_ERROR_OK;
}

static u32 sim_rm_alloc_vmid(struct sim_rm_req *req)
{
	const struct gunyah_rm_vm_common_vmid_req *r = (const void *)req->payload;
	u16 vmid = le16_to_cpu(r->vmid);
	struct sim_vm *vm;
	int id;

	if (vmid) {
		if (vmid < SIM_VMID_MIN || vmid > SIM_VMID_MAX)
			return sim_rm_why(req, "vmid out of range",
					  GUNYAH_RM_ERROR_NORESOURCE);
		id = ida_alloc_range(&gsim.vmid_ida, vmid, vmid, GFP_KERNEL);
	} else {
		id = ida_alloc_range(&gsim.vmid_ida, SIM_VMID_DYN_FIRST,
				     SIM_VMID_MAX, GFP_KERNEL);
	}
	if (id == -ENOMEM)
		return GUNYAH_RM_ERROR_NOMEM;
	if (id < 0)
		return sim_rm_why(req, vmid ? "vmid in use" : "no free vmid",
				  GUNYAH_RM_ERROR_NORESOURCE);

	vm = sim_vm_create(id, READ_ONCE(sim_nr_vcpus));
	if (IS_ERR(vm)) {
		ida_free(&gsim.vmid_ida, id);
		if (PTR_ERR(vm) == -ENOMEM)
			return GUNYAH_RM_ERROR_NOMEM;
		return sim_rm_why(req, "out of wake-up interrupts",
				  GUNYAH_RM_ERROR_NORESOURCE);
	}

	/* Like the real RM, only a VM id the RM picked is returned */
	return vmid ? GUNYAH_RM_ERROR_OK : sim_rm_reply_vmid(req, id);
}

static u32 sim_rm_dealloc_vmid(struct sim_rm_req *req)
{
	sim_vm_remove(req->vm);
	req->destroy = req->vm;
	return GUNYAH_RM_ERROR_OK;
}

/**
 * sim_rm_reap_vm() - Free a VM its owner can no longer free
 * @vmid: the VM
 *
 * What an RM administrator does after a client lost a reply or had
 * VM_DEALLOC_VMID refused: stop the VM if it runs (as a forced stop,
 * with its notifications) and free its vmid.
 *
 * Return: 0, or -ENOENT if there is no such VM.
 */
int sim_rm_reap_vm(u16 vmid)
{
	static const u32 normal_exit[1];
	struct sim_batch notes;
	struct sim_vm *vm;

	sim_batch_init(&notes);
	mutex_lock(&gsim.lock);
	vm = sim_vm_find(vmid);
	if (!vm) {
		mutex_unlock(&gsim.lock);
		return -ENOENT;
	}
	if (vm->status == GUNYAH_RM_VM_STATUS_RUNNING ||
	    vm->status == GUNYAH_RM_VM_STATUS_PAUSED)
		sim_vm_exit(vm, GUNYAH_VM_EXIT_TYPE_VM_STOP_FORCED, normal_exit,
			    1, &notes);
	sim_vm_remove(vm);
	/* A reset in progress ends here: its work holds a reference */
	if (cancel_delayed_work(&vm->reset_work))
		sim_vm_put(vm);
	sim_batch_flush(&notes);
	mutex_unlock(&gsim.lock);
	pr_info("gunyah_sim: vm%u reaped\n", vmid);
	sim_vm_destroy(vm);
	return 0;
}

static u32 sim_rm_check_image(struct sim_rm_req *req)
{
	const struct gunyah_rm_vm_config_image_req *r = (const void *)req->payload;

	if (le16_to_cpu(r->auth_mech) != GUNYAH_RM_VM_AUTH_NONE)
		return sim_rm_why(req, "unsupported auth mechanism",
				  GUNYAH_RM_ERROR_ARGUMENT_INVALID);
	return GUNYAH_RM_ERROR_OK;
}

static u32 sim_rm_config_image(struct sim_rm_req *req)
{
	u32 err = sim_mem_config_image(req->vm, (const void *)req->payload,
				       &req->why);

	/* Refused before the RM allocates a configuration: INIT_FAILED */
	if (err) {
		sim_vm_set_status(req->vm, GUNYAH_RM_VM_STATUS_INIT_FAILED,
				  &req->notes);
		return err;
	}
	req->vm->configured = true;
	sim_vm_set_status(req->vm, GUNYAH_RM_VM_STATUS_AUTH, &req->notes);
	return GUNYAH_RM_ERROR_OK;
}

static u32 sim_rm_init_vm(struct sim_rm_req *req)
{
	struct sim_vm *vm = req->vm;
	u32 err = sim_mem_init_vm(vm, &req->why);

	if (err) {
		sim_vm_set_status(vm, GUNYAH_RM_VM_STATUS_INIT_FAILED, &req->notes);
		return err;
	}
	sim_vm_set_status(vm, GUNYAH_RM_VM_STATUS_INIT, &req->notes);
	sim_vm_set_status(vm, GUNYAH_RM_VM_STATUS_READY, &req->notes);
	return GUNYAH_RM_ERROR_OK;
}

static u32 sim_rm_get_hyp_resources(struct sim_rm_req *req)
{
	struct gunyah_rm_hyp_resources *out;
	struct sim_vm *vm = req->vm;
	unsigned int i, n;

	/* vCPUs exist once the VM is initialized */
	n = (vm->status == GUNYAH_RM_VM_STATUS_LOAD ||
	     vm->status == GUNYAH_RM_VM_STATUS_AUTH) ? 0 : vm->nr_vcpus;

	out = kzalloc(struct_size(out, entries, n), GFP_KERNEL);
	if (!out)
		return GUNYAH_RM_ERROR_NOMEM;
	out->n_entries = cpu_to_le32(n);
	for (i = 0; i < n; i++) {
		struct gunyah_rm_hyp_resource *e = &out->entries[i];
		struct sim_vcpu *vcpu = &vm->vcpus[i];

		e->type = GUNYAH_RESOURCE_TYPE_VCPU;
		e->partner_vmid = cpu_to_le16(vm->vmid);
		e->resource_handle = cpu_to_le32(i + 1);
		e->resource_label = cpu_to_le32(vcpu->index);
		e->cap_id = cpu_to_le64(vcpu->capid);
		e->virq = cpu_to_le32(sim_hwirq_to_virq(vcpu->hwirq));
	}
	req->reply = out;
	req->reply_len = struct_size(out, entries, n);
	req->reply_alloc = true;
	return GUNYAH_RM_ERROR_OK;
}

static u32 sim_rm_start(struct sim_rm_req *req)
{
	sim_vm_set_status(req->vm, GUNYAH_RM_VM_STATUS_RUNNING, &req->notes);
	/* Power-on: vCPUs with a program start running */
	req->notes.vm = req->vm;
	return GUNYAH_RM_ERROR_OK;
}

static u32 sim_rm_stop(struct sim_rm_req *req)
{
	const struct gunyah_rm_vm_stop_req *r = (const void *)req->payload;
	static const u32 normal_exit[1];	/* flags 0, exit code NORMAL */
	struct sim_vm *vm = req->vm;

	if (r->flags & GUNYAH_RM_VM_STOP_FLAG_FORCE_STOP) {
		if (READ_ONCE(vm->ignore_force_stop))
			pr_info("gunyah_sim: vm%u ignores a forced VM_STOP (ignore_force_stop)\n",
				vm->vmid);
		else
			sim_vm_exit(vm, GUNYAH_VM_EXIT_TYPE_VM_STOP_FORCED,
				    normal_exit, 1, &req->notes);
	} else if (READ_ONCE(vm->ignore_stop)) {
		/* The guest was asked to shut down and did not listen */
		pr_info("gunyah_sim: vm%u ignores a graceful VM_STOP (ignore_stop)\n",
			vm->vmid);
	} else {
		sim_vm_exit(vm, GUNYAH_VM_EXIT_TYPE_VM_EXIT, normal_exit, 1,
			    &req->notes);
	}
	return GUNYAH_RM_ERROR_OK;
}

/* vm_mgnt.c reads vm->vm_config before any state check */
static u32 sim_rm_check_reset(struct sim_rm_req *req)
{
	if (req->vm->configured)
		return GUNYAH_RM_ERROR_OK;
	atomic64_inc(&gsim.stats.fatal_calls);
	pr_err("gunyah_sim: vm%u: VM_RESET of a VM without a configuration: the public RM would crash here\n",
	       req->vm->vmid);
	return sim_rm_why(req, "no configuration to reset",
			  GUNYAH_RM_ERROR_DENIED);
}

static u32 sim_rm_reset(struct sim_rm_req *req)
{
	struct sim_vm *vm = req->vm;

	sim_vm_set_status(vm, GUNYAH_RM_VM_STATUS_RESETTING, &req->notes);
	/* Reply now; RESET follows once the staged clean-up is done */
	kref_get(&vm->ref);
	queue_delayed_work(gsim.wq, &vm->reset_work,
			   msecs_to_jiffies(READ_ONCE(gsim.reset_delay_ms)));
	req->notes.vm = vm;
	return GUNYAH_RM_ERROR_OK;
}

static u32 sim_rm_get_vmid(struct sim_rm_req *req)
{
	return sim_rm_reply_vmid(req, SIM_VMID_HLOS);
}

static u32 sim_rm_check_boot_context(struct sim_rm_req *req)
{
	if (req->vm->public)
		return sim_rm_why(req, "the public RM has no VM_SET_BOOT_CONTEXT",
				  GUNYAH_RM_ERROR_UNIMPLEMENTED);
	return GUNYAH_RM_ERROR_OK;
}

static u32 sim_rm_set_boot_context(struct sim_rm_req *req)
{
	const struct gunyah_rm_vm_set_boot_context_req *r = (const void *)req->payload;
	u64 value = le64_to_cpu(r->value);
	struct sim_vm *vm = req->vm;

	if (r->reg_set == 0 && r->reg_index < ARRAY_SIZE(vm->boot.x))
		vm->boot.x[r->reg_index] = value;
	else if (r->reg_set == 1 && r->reg_index == 0)
		vm->boot.pc = value;
	else if (r->reg_set == 2 && r->reg_index < ARRAY_SIZE(vm->boot.sp))
		vm->boot.sp[r->reg_index] = value;
	else
		return sim_rm_why(req, "no such register",
				  GUNYAH_RM_ERROR_ARGUMENT_INVALID);
	return GUNYAH_RM_ERROR_OK;
}

static u32 sim_rm_mem_create(struct sim_rm_req *req)
{
	bool lend = req->msg_id == GUNYAH_RM_RPC_MEM_LEND;
	u32 err, handle;

	err = sim_mem_create(req->payload, req->len, lend, &handle, &req->why);
	if (err)
		return err;
	req->small[0] = cpu_to_le32(handle);
	req->reply = req->small;
	req->reply_len = sizeof(req->small[0]);
	return GUNYAH_RM_ERROR_OK;
}

static u32 sim_rm_mem_append(struct sim_rm_req *req)
{
	return sim_mem_append(req->payload, req->len, &req->why);
}

static u32 sim_rm_mem_reclaim(struct sim_rm_req *req)
{
	const struct gunyah_rm_mem_release_req *r = (const void *)req->payload;

	return sim_mem_reclaim(le32_to_cpu(r->mem_handle), &req->why);
}

/*
 * An RM call. The dispatcher checks, in this order: the payload's size
 * (refused with @len_err, default ARGUMENT_INVALID, and @len_why); the
 * VM named by the vmid the payload starts with; @check; the VM's state
 * (@states, a mask of BIT(status), 0: any); rm_refuse_call. Then @fn.
 */
struct sim_rm_call {
	u32 msg_id;
	const char *name;
	size_t min_len, max_len;
	u32 len_err;
	const char *len_why;
	bool names_vm;
	bool refusable;		/* rm_refuse_call applies */
	u16 states;
	const char *state_why;	/* refused in another state, because... */
	u8 alt_state;		/* ...but in this one... */
	const char *alt_why;	/* ...because of this */
	u32 (*check)(struct sim_rm_req *req);
	u32 (*fn)(struct sim_rm_req *req);
};

#define SIM_RM_CALL(id)	.msg_id = GUNYAH_RM_RPC_##id, .name = #id
#define SIM_RM_LEN(type, why) \
	.min_len = sizeof(type), .max_len = sizeof(type), .len_why = (why)
#define SIM_RM_VMID_REQ \
	SIM_RM_LEN(struct gunyah_rm_vm_common_vmid_req, "payload is not {vmid, reserved}")
#define SIM_RM_IN(s)	BIT(GUNYAH_RM_VM_STATUS_##s)
/* vm_mgnt.c: a vmid is freed, and an image configured, only in LOAD or RESET */
#define SIM_RM_IN_LOAD_OR_RESET \
	.states = SIM_RM_IN(LOAD) | SIM_RM_IN(RESET), \
	.state_why = "VM is neither LOAD nor RESET"

/* The vmid leads every payload of a call that names a VM */
static_assert(!offsetof(struct gunyah_rm_vm_config_image_req, vmid) &&
	      !offsetof(struct gunyah_rm_vm_stop_req, vmid) &&
	      !offsetof(struct gunyah_rm_vm_set_boot_context_req, vmid));

static const struct sim_rm_call sim_rm_calls[] = {
	{ SIM_RM_CALL(VM_ALLOC_VMID), SIM_RM_VMID_REQ, .fn = sim_rm_alloc_vmid },
	{ SIM_RM_CALL(VM_DEALLOC_VMID), SIM_RM_VMID_REQ,
	  .names_vm = true, SIM_RM_IN_LOAD_OR_RESET, .fn = sim_rm_dealloc_vmid },
	{ SIM_RM_CALL(VM_START), SIM_RM_VMID_REQ,
	  .names_vm = true, .refusable = true, .states = SIM_RM_IN(READY),
	  .state_why = "VM not initialized",
	  .alt_state = GUNYAH_RM_VM_STATUS_RUNNING,
	  .alt_why = "VM already running", .fn = sim_rm_start },
	{ SIM_RM_CALL(VM_STOP),
	  SIM_RM_LEN(struct gunyah_rm_vm_stop_req, "payload is not a stop request"),
	  .names_vm = true, .states = SIM_RM_IN(RUNNING) | SIM_RM_IN(PAUSED),
	  .state_why = "VM is not running", .fn = sim_rm_stop },
	{ SIM_RM_CALL(VM_RESET), SIM_RM_VMID_REQ,
	  .names_vm = true, .check = sim_rm_check_reset,
	  .states = SIM_RM_IN(EXITED) | SIM_RM_IN(READY) | SIM_RM_IN(INIT_FAILED),
	  .state_why = "VM is not EXITED, READY or INIT_FAILED",
	  .fn = sim_rm_reset },
	{ SIM_RM_CALL(VM_CONFIG_IMAGE),
	  SIM_RM_LEN(struct gunyah_rm_vm_config_image_req,
		     "payload is not a config_image request"),
	  .names_vm = true, .check = sim_rm_check_image, .refusable = true,
	  SIM_RM_IN_LOAD_OR_RESET, .fn = sim_rm_config_image },
	{ SIM_RM_CALL(VM_INIT), SIM_RM_VMID_REQ,
	  .names_vm = true, .refusable = true, .states = SIM_RM_IN(AUTH),
	  .state_why = "VM already initialized",
	  .alt_state = GUNYAH_RM_VM_STATUS_LOAD,
	  .alt_why = "VM image not configured", .fn = sim_rm_init_vm },
	{ SIM_RM_CALL(VM_GET_HYP_RESOURCES), SIM_RM_VMID_REQ, .names_vm = true,
	  .fn = sim_rm_get_hyp_resources },
	{ SIM_RM_CALL(VM_GET_VMID),
	  .len_why = "VM_GET_VMID takes no payload", .fn = sim_rm_get_vmid },
	{ SIM_RM_CALL(VM_SET_BOOT_CONTEXT),
	  SIM_RM_LEN(struct gunyah_rm_vm_set_boot_context_req,
		     "payload is not a boot context request"),
	  .len_err = GUNYAH_RM_ERROR_INVALID, .names_vm = true,
	  .check = sim_rm_check_boot_context, .states = SIM_RM_IN(READY),
	  .state_why = "VM is not initialized and stopped",
	  .fn = sim_rm_set_boot_context },
	/* The memory calls check their variable-size payloads themselves */
	{ SIM_RM_CALL(MEM_LEND), .max_len = SIZE_MAX, .fn = sim_rm_mem_create },
	{ SIM_RM_CALL(MEM_SHARE), .max_len = SIZE_MAX, .fn = sim_rm_mem_create },
	{ SIM_RM_CALL(MEM_RECLAIM),
	  .min_len = sizeof(struct gunyah_rm_mem_release_req),
	  .max_len = SIZE_MAX, .len_err = GUNYAH_RM_ERROR_INVALID,
	  .len_why = "short request", .fn = sim_rm_mem_reclaim },
	{ SIM_RM_CALL(MEM_APPEND), .max_len = SIZE_MAX, .fn = sim_rm_mem_append },
};

static const struct sim_rm_call *sim_rm_find_call(u32 msg_id)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sim_rm_calls); i++)
		if (sim_rm_calls[i].msg_id == msg_id)
			return &sim_rm_calls[i];
	return NULL;
}

static const char *sim_rm_call_name(u32 msg_id)
{
	const struct sim_rm_call *c = sim_rm_find_call(msg_id);

	return c ? c->name : "unknown call";
}

static u32 sim_rm_call(struct sim_rm_req *req)
{
	const struct sim_rm_call *c = sim_rm_find_call(req->msg_id);
	const struct gunyah_rm_vm_common_vmid_req *r = (const void *)req->payload;
	u32 err;

	if (!c)
		return sim_rm_why(req, "unknown message id",
				  GUNYAH_RM_ERROR_UNIMPLEMENTED);
	if (req->len < c->min_len || req->len > c->max_len)
		return sim_rm_why(req, c->len_why,
				  c->len_err ?: GUNYAH_RM_ERROR_ARGUMENT_INVALID);
	if (c->names_vm) {
		req->vm = sim_vm_find(le16_to_cpu(r->vmid));
		if (!req->vm)
			return sim_rm_why(req, "no such VM",
					  GUNYAH_RM_ERROR_VMID_INVALID);
	}
	err = c->check ? c->check(req) : GUNYAH_RM_ERROR_OK;
	if (err)
		return err;
	if (c->states && !(c->states & BIT(req->vm->status)))
		return sim_rm_why(req, c->alt_why && req->vm->status == c->alt_state ?
				  c->alt_why : c->state_why,
				  GUNYAH_RM_ERROR_VM_STATE);
	err = c->refusable ? sim_rm_refuse(req) : GUNYAH_RM_ERROR_OK;
	return err ?: c->fn(req);
}

/**
 * sim_rm_set_fake_reply() - Arm rm_fake_reply
 * @msg_id: the next request with this message id is not served...
 * @reply_id: ...but answered with a reply carrying this message id,
 * @err: this RM error code
 * @payload: and this payload (may be NULL if @len is 0)
 * @len: at most %SIM_FAKE_REPLY_MAX bytes
 *
 * Replaces what was armed before. One-shot.
 *
 * Return: 0 or -EINVAL.
 */
int sim_rm_set_fake_reply(u32 msg_id, u32 reply_id, u32 err,
			  const void *payload, size_t len)
{
	struct sim_fake_reply *f = &gsim.fake;

	if (len > sizeof(f->payload))
		return -EINVAL;
	mutex_lock(&gsim.lock);
	f->msg_id = msg_id;
	f->reply_id = reply_id;
	f->err = err;
	f->len = len;
	if (len)
		memcpy(f->payload, payload, len);
	f->armed = true;
	mutex_unlock(&gsim.lock);
	return 0;
}

/* "MSG_ID REPLY_ID ERR LEN" of the armed fake reply, or "none" */
int sim_rm_fake_reply_show(struct seq_file *s, void *unused)
{
	struct sim_fake_reply *f = &gsim.fake;

	mutex_lock(&gsim.lock);
	if (f->armed)
		seq_printf(s, "%#x %#x %#x %zu\n", f->msg_id, f->reply_id,
			   f->err, f->len);
	else
		seq_puts(s, "none\n");
	mutex_unlock(&gsim.lock);
	return 0;
}

/* rm_fake_reply armed for @msg_id: answer with it instead (gsim.lock held) */
static bool sim_rm_fake_reply(struct sim_batch *out, u16 seq, u32 msg_id)
{
	struct sim_fake_reply *f = &gsim.fake;

	lockdep_assert_held(&gsim.lock);
	if (!f->armed || f->msg_id != msg_id)
		return false;
	f->armed = false;
	pr_info("gunyah_sim: RM %s %#x (seq %u) not served: fake reply %#x, error %#x, %zu bytes (rm_fake_reply)\n",
		sim_rm_call_name(msg_id), msg_id, seq, f->reply_id, f->err,
		f->len);
	sim_rm_reply(out, seq, f->reply_id, f->err, f->payload, f->len);
	return true;
}

/* Serve one complete request: the notifications it caused, then its reply */
static void sim_rm_dispatch(u16 seq, u32 msg_id, const u8 *payload, size_t len)
{
	struct sim_rm_req req = {
		.seq = seq,
		.msg_id = msg_id,
		.payload = payload,
		.len = len,
	};
	struct sim_batch out;
	u32 err;

	atomic64_inc(&gsim.stats.requests);
	sim_batch_init(&out);
	sim_batch_init(&req.notes);

	mutex_lock(&gsim.lock);
	if (sim_rm_fake_reply(&out, seq, msg_id)) {
		sim_batch_flush(&out);
		mutex_unlock(&gsim.lock);
		return;
	}
	err = sim_rm_call(&req);
	if (err != GUNYAH_RM_ERROR_OK)
		pr_info_ratelimited("gunyah_sim: RM %s %#x (seq %u, %zu bytes) refused with error %#x: %s\n",
				    sim_rm_call_name(msg_id), msg_id, seq, len,
				    err, req.why ?: "out of memory");
	/* Like the real RM: state changes are announced before the reply */
	sim_batch_flush(&req.notes);
	sim_rm_reply(&out, seq, msg_id, err, req.reply, req.reply_len);
	sim_batch_flush(&out);
	mutex_unlock(&gsim.lock);

	if (req.reply_alloc)
		kfree(req.reply);
	if (req.destroy)
		sim_vm_destroy(req.destroy);
}

static void sim_rm_drop(const char *why, u16 seq, u32 msg_id)
{
	atomic64_inc(&gsim.stats.dropped);
	pr_warn_ratelimited("gunyah_sim: RM dropped a message (seq %u, id %#x): %s\n",
			    seq, msg_id, why);
}

static void sim_rm_handle_msg(const struct sim_msg *msg)
{
	struct sim_rm_partial *p = &gsim.partial;
	struct gunyah_rm_rpc_hdr hdr;
	const u8 *data = msg->data + SIM_RM_HDR_SIZE;
	size_t dlen;
	unsigned int kind, nfrags;
	u32 msg_id;
	u16 seq;

	if (msg->size < SIM_RM_HDR_SIZE) {
		sim_rm_drop("shorter than the RPC header", 0, 0);
		return;
	}
	memcpy(&hdr, msg->data, sizeof(hdr));
	dlen = msg->size - SIM_RM_HDR_SIZE;
	seq = le16_to_cpu(hdr.seq);
	msg_id = le32_to_cpu(hdr.msg_id);
	if (hdr.api != GUNYAH_RM_RPC_API) {
		sim_rm_drop("unknown RPC api version", seq, msg_id);
		return;
	}
	kind = FIELD_GET(GUNYAH_RM_RPC_TYPE_MASK, hdr.type);
	nfrags = FIELD_GET(GUNYAH_RM_RPC_FRAGMENTS_MASK, hdr.type);

	switch (kind) {
	case GUNYAH_RM_RPC_TYPE_REQUEST:
		if (p->active) {
			sim_rm_drop("new request before the last fragment of the previous one",
				    p->seq, p->msg_id);
			p->active = false;
		}
		if (nfrags > GUNYAH_RM_MAX_NUM_FRAGMENTS) {
			struct sim_batch out;

			/* Tell the waiting caller rather than dropping it */
			pr_info_ratelimited("gunyah_sim: RM request seq %u announces %u fragments, more than %u\n",
					    seq, nfrags,
					    GUNYAH_RM_MAX_NUM_FRAGMENTS);
			atomic64_inc(&gsim.stats.requests);
			sim_batch_init(&out);
			sim_rm_reply(&out, seq, msg_id,
				     GUNYAH_RM_ERROR_ARGUMENT_INVALID, NULL, 0);
			sim_batch_flush(&out);
			return;
		}
		if (!nfrags) {
			sim_rm_dispatch(seq, msg_id, data, dlen);
			return;
		}
		p->active = true;
		p->seq = seq;
		p->msg_id = msg_id;
		p->remaining = nfrags;
		memcpy(p->buf, data, dlen);
		p->len = dlen;
		return;
	case GUNYAH_RM_RPC_TYPE_CONTINUATION:
		if (!p->active) {
			sim_rm_drop("continuation without a request", seq,
				    msg_id);
			return;
		}
		if (seq != p->seq || msg_id != p->msg_id) {
			sim_rm_drop("continuation of another request; both dropped",
				    seq, msg_id);
			p->active = false;
			return;
		}
		memcpy(p->buf + p->len, data, dlen);
		p->len += dlen;
		if (--p->remaining)
			return;
		p->active = false;
		atomic64_inc(&gsim.stats.requests_multi);
		sim_rm_dispatch(p->seq, p->msg_id, p->buf, p->len);
		return;
	default:
		sim_rm_drop("the host sent a reply or notification", seq,
			    msg_id);
	}
}

/*
 * rm_pause_before: a request with that id pauses the RM as it comes off
 * the queue, before it is served, so that a test can act while the
 * sender waits for exactly that reply. rm_pause N serves it first.
 */
static bool sim_rm_pause_here(const struct sim_msg *msg)
{
	u32 want = READ_ONCE(gsim.pause_before);
	struct gunyah_rm_rpc_hdr hdr;

	if (!want || msg->size < SIM_RM_HDR_SIZE)
		return false;
	memcpy(&hdr, msg->data, sizeof(hdr));
	if (le32_to_cpu(hdr.msg_id) != want ||
	    FIELD_GET(GUNYAH_RM_RPC_TYPE_MASK, hdr.type) != GUNYAH_RM_RPC_TYPE_REQUEST)
		return false;
	WRITE_ONCE(gsim.pause_before, 0);
	gsim.held_msg = *msg;
	gsim.held = true;
	pr_info("gunyah_sim: RM paused before serving request %#x (rm_pause_before)\n",
		want);
	WRITE_ONCE(gsim.rm_paused, true);
	return true;
}

static void sim_rm_work(struct work_struct *work)
{
	static struct sim_msg msg;	/* only this (ordered) work uses it */

	if (gsim.held && !READ_ONCE(gsim.rm_paused)) {
		gsim.held = false;
		sim_rm_handle_msg(&gsim.held_msg);
	}
	while (!READ_ONCE(gsim.rm_paused) && sim_msgq_tx_pop(&msg)) {
		if (sim_rm_pause_here(&msg))
			return;
		sim_rm_handle_msg(&msg);
		cond_resched();
	}
}

/**
 * sim_rm_set_paused() - Stop or resume taking requests off the TX queue
 * @paused: true: requests stay queued (the TX queue fills up and senders
 *          see MSGQUEUE_FULL); false: serve what is queued
 *
 * A message being served when the RM is paused is still answered.
 */
void sim_rm_set_paused(bool paused)
{
	if (READ_ONCE(gsim.rm_paused) != paused)
		pr_info("gunyah_sim: RM %s (rm_pause)\n",
			paused ? "paused" : "resumed");
	WRITE_ONCE(gsim.rm_paused, paused);
	if (!paused)
		queue_work(gsim.wq, &gsim.rm_work);
}

int sim_rm_init(void)
{
	mutex_init(&gsim.lock);
	INIT_LIST_HEAD(&gsim.vms);
	xa_init(&gsim.vcpus);
	ida_init(&gsim.vmid_ida);
	ida_init(&gsim.hwirq_ida);
	gsim.next_capid = SIM_CAPID_VCPU;
	gsim.reset_delay_ms = 10;
	INIT_WORK(&gsim.rm_work, sim_rm_work);

	gsim.partial.buf = kmalloc(SIM_RM_MAX_REQ_LEN, GFP_KERNEL);
	if (!gsim.partial.buf)
		return -ENOMEM;
	/* Ordered: requests are served one at a time, in order */
	gsim.wq = alloc_ordered_workqueue("gunyah_sim_rm", 0);
	if (!gsim.wq) {
		kfree(gsim.partial.buf);
		return -ENOMEM;
	}
	return 0;
}

/* Only reachable when no RM client or VM uses the backend any more */
void sim_rm_exit(void)
{
	struct sim_vm *vm, *tmp;
	LIST_HEAD(doomed);

	/* Resets in progress finish now, so that draining the queue waits */
	mutex_lock(&gsim.lock);
	list_for_each_entry(vm, &gsim.vms, list)
		if (delayed_work_pending(&vm->reset_work))
			mod_delayed_work(gsim.wq, &vm->reset_work, 0);
	mutex_unlock(&gsim.lock);
	destroy_workqueue(gsim.wq);

	mutex_lock(&gsim.lock);
	list_for_each_entry_safe(vm, tmp, &gsim.vms, list) {
		vm->dead = true;
		sim_vm_unindex(vm);
		list_move_tail(&vm->list, &doomed);
	}
	mutex_unlock(&gsim.lock);

	list_for_each_entry_safe(vm, tmp, &doomed, list) {
		pr_info("gunyah_sim: vm%u still allocated at unload, freeing it\n",
			vm->vmid);
		sim_vm_destroy(vm);
	}
	sim_mem_exit();
	xa_destroy(&gsim.vcpus);
	ida_destroy(&gsim.vmid_ida);
	ida_destroy(&gsim.hwirq_ida);
	kfree(gsim.partial.buf);
	/* sim_vm_free() is this module's code */
	srcu_barrier(&sim_srcu);
}
