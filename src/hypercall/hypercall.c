// SPDX-License-Identifier: GPL-2.0-only
/*
 * Gunyah hypercall interface: one registered backend (real HVC calls on
 * arm64, or the simulator) behind the hypercall wrappers every upper layer
 * uses.
 */

#define pr_fmt(fmt) "gunyah: " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/static_call.h>

#include "gunyah.h"
#include "hypercall/fault_inject.h"

static DEFINE_MUTEX(gunyah_backend_lock);
/* Written under gunyah_backend_lock; read locklessly by the wrappers */
static const struct gunyah_hypercall_ops *gunyah_backend;

static enum gunyah_error
gunyah_no_vcpu_run(u64 capid, unsigned long *resume_data,
		   struct gunyah_hypercall_vcpu_run_resp *resp)
{
	pr_err_ratelimited("vcpu_run: no hypercall backend registered\n");
	return GUNYAH_ERROR_UNIMPLEMENTED;
}

/*
 * The backend's vcpu_run, the one call on every vCPU exit: a patched
 * direct call where the architecture has static calls (x86), rather than
 * an indirect call through gunyah_backend (a retpoline on Debian's amd64
 * kernels). Updated with gunyah_backend, under gunyah_backend_lock.
 */
DEFINE_STATIC_CALL(gunyah_backend_vcpu_run, gunyah_no_vcpu_run);

/**
 * gunyah_hypercall_register() - Install the hypercall backend
 * @ops: the backend; must stay valid until gunyah_hypercall_unregister()
 *
 * Exactly one backend can be registered at a time.
 *
 * Return: 0, -EINVAL if @ops lacks a mandatory call, -EBUSY if another
 * backend is registered.
 */
int gunyah_hypercall_register(const struct gunyah_hypercall_ops *ops)
{
	int ret = 0;

	if (!ops || !ops->name || !ops->identify || !ops->msgq_send ||
	    !ops->msgq_recv || !ops->vcpu_run || !ops->find_virq ||
	    !ops->map_virq) {
		pr_err("refusing backend %s: a mandatory operation is missing\n",
		       ops && ops->name ? ops->name : "(unnamed)");
		return -EINVAL;
	}

	mutex_lock(&gunyah_backend_lock);
	if (gunyah_backend) {
		pr_err("cannot register backend %s: backend %s already registered\n",
		       ops->name, gunyah_backend->name);
		ret = -EBUSY;
	} else {
		static_call_update(gunyah_backend_vcpu_run, ops->vcpu_run);
		WRITE_ONCE(gunyah_backend, ops);
		pr_info("hypercall backend %s registered\n", ops->name);
	}
	mutex_unlock(&gunyah_backend_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(gunyah_hypercall_register);

/**
 * gunyah_hypercall_unregister() - Remove the hypercall backend
 * @ops: the backend passed to gunyah_hypercall_register()
 *
 * Users pin the backend's module with gunyah_hypercall_get_backend(), so
 * this only runs once nobody can still call into @ops.
 */
void gunyah_hypercall_unregister(const struct gunyah_hypercall_ops *ops)
{
	mutex_lock(&gunyah_backend_lock);
	if (gunyah_backend != ops) {
		pr_err("cannot unregister backend %s: it is not the registered one\n",
		       ops && ops->name ? ops->name : "(unnamed)");
	} else {
		WRITE_ONCE(gunyah_backend, NULL);
		static_call_update(gunyah_backend_vcpu_run, gunyah_no_vcpu_run);
		pr_info("hypercall backend %s unregistered\n", ops->name);
	}
	mutex_unlock(&gunyah_backend_lock);
}
EXPORT_SYMBOL_GPL(gunyah_hypercall_unregister);

/**
 * gunyah_hypercall_get_backend() - Pin the registered backend's module
 *
 * Return: 0 on success, -ENODEV if no backend is registered or it is
 * being unloaded.
 */
int gunyah_hypercall_get_backend(void)
{
	int ret = 0;

	mutex_lock(&gunyah_backend_lock);
	if (!gunyah_backend) {
		pr_err("no hypercall backend registered (is this Gunyah, or is gunyah_sim loaded?)\n");
		ret = -ENODEV;
	} else if (!try_module_get(gunyah_backend->owner)) {
		pr_err("hypercall backend %s is being unloaded\n",
		       gunyah_backend->name);
		ret = -ENODEV;
	}
	mutex_unlock(&gunyah_backend_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(gunyah_hypercall_get_backend);

/**
 * gunyah_hypercall_put_backend() - Drop a gunyah_hypercall_get_backend() pin
 */
void gunyah_hypercall_put_backend(void)
{
	mutex_lock(&gunyah_backend_lock);
	if (!WARN_ON(!gunyah_backend))
		module_put(gunyah_backend->owner);
	mutex_unlock(&gunyah_backend_lock);
}
EXPORT_SYMBOL_GPL(gunyah_hypercall_put_backend);

/*
 * Every hypercall goes through exactly one of the wrappers below, and each
 * wrapper fetches the backend with gunyah_ops(), then asks
 * gunyah_fail_hypercall() (one READ_ONCE() while fail_hypercall is
 * disarmed) whether to return an injected error instead of calling it.
 */
static const struct gunyah_hypercall_ops *gunyah_ops(const char *call)
{
	const struct gunyah_hypercall_ops *ops = READ_ONCE(gunyah_backend);

	if (unlikely(!ops))
		pr_err_ratelimited("%s: no hypercall backend registered\n", call);
	return ops;
}

/*
 * The backend to call, or NULL with *@gerr set to what the wrapper returns
 * instead: UNIMPLEMENTED without a backend, else the injected error
 */
static const struct gunyah_hypercall_ops *
gunyah_ops_to_call(const char *call, enum gunyah_fail_hc point, size_t size,
		   enum gunyah_error *gerr)
{
	const struct gunyah_hypercall_ops *ops = gunyah_ops(call);

	*gerr = GUNYAH_ERROR_UNIMPLEMENTED;
	if (!ops || gunyah_fail_hypercall(point, size, gerr))
		return NULL;
	return ops;
}

/**
 * gunyah_hypercall_hyp_identify() - HYP_IDENTIFY
 * @resp: filled with the hypervisor's api_info and flags (zeroed without
 *        a backend, or when fail_hypercall injects a fault)
 */
void gunyah_hypercall_hyp_identify(struct gunyah_hypercall_hyp_identify_resp *resp)
{
	const struct gunyah_hypercall_ops *ops;
	enum gunyah_error gerr;

	memset(resp, 0, sizeof(*resp));
	/* An injected fault leaves the response zeroed: no hypervisor */
	ops = gunyah_ops_to_call("hyp_identify", GUNYAH_FAIL_HC_IDENTIFY,
				 sizeof(*resp), &gerr);
	if (ops)
		ops->identify(resp);
}
EXPORT_SYMBOL_GPL(gunyah_hypercall_hyp_identify);

/**
 * gunyah_hypercall_msgq_send() - Send one message on a message queue
 * @capid: the queue's TX capability id
 * @size: message size, at most %GUNYAH_MSGQ_MAX_MSG_SIZE
 * @buff: the message
 * @tx_flags: %GUNYAH_HYPERCALL_MSGQ_TX_FLAGS_PUSH or 0
 * @ready: set to whether the queue can take another message
 *
 * Return: a Gunyah error code; %GUNYAH_ERROR_MSGQUEUE_FULL when full.
 */
enum gunyah_error gunyah_hypercall_msgq_send(u64 capid, size_t size, void *buff,
					     u64 tx_flags, bool *ready)
{
	const struct gunyah_hypercall_ops *ops;
	enum gunyah_error gerr;

	ops = gunyah_ops_to_call("msgq_send", GUNYAH_FAIL_HC_MSGQ_SEND, size, &gerr);
	*ready = true;	/* what an unsent message leaves */
	return ops ? ops->msgq_send(capid, size, buff, tx_flags, ready) : gerr;
}
EXPORT_SYMBOL_GPL(gunyah_hypercall_msgq_send);

/**
 * gunyah_hypercall_msgq_recv() - Receive one message from a message queue
 * @capid: the queue's RX capability id
 * @buff: where to put the message
 * @size: size of @buff
 * @recv_size: set to the size of the received message
 * @ready: set to whether more messages are waiting
 *
 * Return: a Gunyah error code; %GUNYAH_ERROR_MSGQUEUE_EMPTY when empty.
 */
enum gunyah_error gunyah_hypercall_msgq_recv(u64 capid, void *buff, size_t size,
					     size_t *recv_size, bool *ready)
{
	const struct gunyah_hypercall_ops *ops;
	enum gunyah_error gerr;

	ops = gunyah_ops_to_call("msgq_recv", GUNYAH_FAIL_HC_MSGQ_RECV, size, &gerr);
	/* Until the backend says otherwise: nothing dequeued, nothing waiting */
	*recv_size = 0;
	*ready = false;
	return ops ? ops->msgq_recv(capid, buff, size, recv_size, ready) : gerr;
}
EXPORT_SYMBOL_GPL(gunyah_hypercall_msgq_recv);

/**
 * gunyah_hypercall_vcpu_run() - Run a proxy-scheduled vCPU
 * @capid: the vCPU's capability id
 * @resume_data: three words telling the vCPU how to resume
 * @resp: why the vCPU stopped
 *
 * Return: a Gunyah error code.
 */
enum gunyah_error
gunyah_hypercall_vcpu_run(u64 capid, unsigned long *resume_data,
			  struct gunyah_hypercall_vcpu_run_resp *resp)
{
	enum gunyah_error gerr;

	/* As every wrapper: no backend is UNIMPLEMENTED, never an injection */
	if (unlikely(!READ_ONCE(gunyah_backend)))
		return gunyah_no_vcpu_run(capid, resume_data, resp);
	if (gunyah_fail_hypercall(GUNYAH_FAIL_HC_VCPU_RUN, 1, &gerr)) {
		/* The vCPU did not run: READY, nothing taken */
		memset(resp, 0, sizeof(*resp));
		return gerr;
	}
	return static_call(gunyah_backend_vcpu_run)(capid, resume_data, resp);
}
EXPORT_SYMBOL_GPL(gunyah_hypercall_vcpu_run);

/*
 * Mapping an interrupt that is mapped already hands back the existing
 * Linux irq, and unmapping it later tears down its other user's interrupt
 * (the RM's own queues, another VM's vCPU, any host device). Serialised so
 * that two VMs named the same virq cannot both find it free.
 */
static DEFINE_MUTEX(gunyah_virq_lock);

/**
 * gunyah_hypercall_map_virq() - Turn an RM interrupt number into a Linux irq
 * @virq: the interrupt number the resource manager gave
 *
 * Only an interrupt nobody has mapped is taken: one the host uses already,
 * or that the RM named twice, is refused.
 *
 * Return: a Linux irq number (> 0), -EBUSY if @virq is mapped already, or
 * another negative errno.
 */
int gunyah_hypercall_map_virq(u32 virq)
{
	const struct gunyah_hypercall_ops *ops = gunyah_ops("map_virq");
	unsigned int old;
	int irq;

	if (!ops)
		return -ENODEV;
	mutex_lock(&gunyah_virq_lock);
	old = ops->find_virq(virq);
	if (old) {
		mutex_unlock(&gunyah_virq_lock);
		pr_err_ratelimited("virq %u is mapped already (irq %u): not taking another user's interrupt\n",
				   virq, old);
		return -EBUSY;
	}
	irq = ops->map_virq(virq);
	mutex_unlock(&gunyah_virq_lock);
	if (irq == 0) {
		pr_err_ratelimited("backend %s mapped virq %u to irq 0\n",
				   ops->name, virq);
		return -EINVAL;
	}
	return irq;
}
EXPORT_SYMBOL_GPL(gunyah_hypercall_map_virq);

/**
 * gunyah_hypercall_unmap_virq() - Undo gunyah_hypercall_map_virq()
 * @irq: the Linux irq it returned
 */
void gunyah_hypercall_unmap_virq(unsigned int irq)
{
	const struct gunyah_hypercall_ops *ops = gunyah_ops("unmap_virq");

	if (!ops || !ops->unmap_virq)
		return;
	mutex_lock(&gunyah_virq_lock);
	ops->unmap_virq(irq);
	mutex_unlock(&gunyah_virq_lock);
}
EXPORT_SYMBOL_GPL(gunyah_hypercall_unmap_virq);
