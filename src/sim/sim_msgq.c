// SPDX-License-Identifier: GPL-2.0-only
/*
 * The two message queues between the host and the simulated RM.
 *
 * TX (host -> RM) is a bounded ring of sim_msgq_depth messages: a full
 * ring answers MSGQUEUE_FULL and, once the RM worker has made room, the
 * TX-allowed interrupt fires. RX (RM -> host) holds whatever the RM sent;
 * the RX-requested interrupt fires for every message sent with "push"
 * (the last fragment of a reply or notification), as Gunyah does.
 *
 * Both calls only take a spinlock, so a (threaded) irq handler may use
 * them; the RM itself runs on a workqueue, never inside msgq_send.
 */

#include <linux/slab.h>
#include <linux/string.h>

#include "sim.h"

/*
 * Error for a cap that is not the queue asked for: the other queue's cap
 * lacks the right, a vCPU cap (ever handed out) is the wrong object type.
 * Lockless, so a wrong capid from atomic context is answered too.
 */
static enum gunyah_error sim_msgq_bad_cap(u64 capid)
{
	if (capid == SIM_CAPID_RM_TX || capid == SIM_CAPID_RM_RX)
		return GUNYAH_ERROR_CSPACE_INSUF_RIGHTS;
	if (capid >= SIM_CAPID_VCPU && capid < READ_ONCE(gsim.next_capid))
		return GUNYAH_ERROR_CSPACE_WRONG_OBJ_TYPE;
	return GUNYAH_ERROR_CSPACE_CAP_NULL;
}

enum gunyah_error sim_msgq_send(u64 capid, size_t size, void *buff,
				u64 tx_flags, bool *ready)
{
	struct sim_msg *slot;
	unsigned long flags;

	if (capid != SIM_CAPID_RM_TX)
		return sim_msgq_bad_cap(capid);
	if (size > GUNYAH_MSGQ_MAX_MSG_SIZE)
		return GUNYAH_ERROR_ARG_SIZE;
	if (tx_flags & ~(u64)GUNYAH_HYPERCALL_MSGQ_TX_FLAGS_PUSH)
		return GUNYAH_ERROR_ARG_INVAL;

	spin_lock_irqsave(&gsim.mq_lock, flags);
	if (gsim.tx_count >= sim_msgq_depth) {
		gsim.tx_full_seen = true;
		spin_unlock_irqrestore(&gsim.mq_lock, flags);
		atomic64_inc(&gsim.stats.tx_full);
		*ready = false;
		return GUNYAH_ERROR_MSGQUEUE_FULL;
	}
	slot = &gsim.tx[(gsim.tx_head + gsim.tx_count) % sim_msgq_depth];
	slot->size = size;
	memcpy(slot->data, buff, size);
	gsim.tx_count++;
	if (gsim.tx_count >= sim_msgq_depth)
		gsim.tx_full_seen = true;
	*ready = gsim.tx_count < sim_msgq_depth;
	spin_unlock_irqrestore(&gsim.mq_lock, flags);

	queue_work(gsim.wq, &gsim.rm_work);
	return GUNYAH_ERROR_OK;
}

/* RM side of TX: take the oldest message; raise TX-allowed if the host saw it full */
bool sim_msgq_tx_pop(struct sim_msg *msg)
{
	bool raise = false;
	unsigned long flags;
	struct sim_msg *slot;

	spin_lock_irqsave(&gsim.mq_lock, flags);
	if (!gsim.tx_count) {
		spin_unlock_irqrestore(&gsim.mq_lock, flags);
		return false;
	}
	slot = &gsim.tx[gsim.tx_head];
	msg->size = slot->size;
	memcpy(msg->data, slot->data, slot->size);
	gsim.tx_head = (gsim.tx_head + 1) % sim_msgq_depth;
	gsim.tx_count--;
	if (gsim.tx_full_seen) {
		gsim.tx_full_seen = false;
		raise = true;
	}
	spin_unlock_irqrestore(&gsim.mq_lock, flags);

	atomic64_inc(&gsim.stats.fragments_in);
	if (raise)
		sim_irq_raise(SIM_HWIRQ_RM_TX);
	return true;
}

enum gunyah_error sim_msgq_recv(u64 capid, void *buff, size_t size,
				size_t *recv_size, bool *ready)
{
	struct sim_msg *msg;
	unsigned long flags;

	if (capid != SIM_CAPID_RM_RX)
		return sim_msgq_bad_cap(capid);

	spin_lock_irqsave(&gsim.mq_lock, flags);
	msg = list_first_entry_or_null(&gsim.rx, struct sim_msg, list);
	if (!msg) {
		spin_unlock_irqrestore(&gsim.mq_lock, flags);
		atomic64_inc(&gsim.stats.rx_empty);
		*ready = false;
		return GUNYAH_ERROR_MSGQUEUE_EMPTY;
	}
	if (size < msg->size) {
		/* Leave the message queued for a big enough buffer */
		spin_unlock_irqrestore(&gsim.mq_lock, flags);
		return GUNYAH_ERROR_ARG_SIZE;
	}
	list_del(&msg->list);
	gsim.rx_count--;
	*ready = gsim.rx_count > 0;
	spin_unlock_irqrestore(&gsim.mq_lock, flags);

	memcpy(buff, msg->data, msg->size);
	*recv_size = msg->size;
	kfree(msg);
	return GUNYAH_ERROR_OK;
}

void sim_batch_init(struct sim_batch *batch)
{
	INIT_LIST_HEAD(&batch->msgs);
	batch->vm = NULL;
}

/* Free every message on @msgs; the caller discards the list head */
void sim_msgs_free(struct list_head *msgs)
{
	struct sim_msg *msg, *tmp;

	list_for_each_entry_safe(msg, tmp, msgs, list)
		kfree(msg);
}

/*
 * Queue a batch of RM messages at once, so fragments of two messages never
 * interleave, then raise RX once per pushed (last) fragment. Then wake the
 * vCPUs of a VM that stopped: the hypervisor wakes proxy threads so they
 * learn the vCPU will never run again.
 */
void sim_batch_flush(struct sim_batch *batch)
{
	unsigned int n = 0, pushes = 0, i;
	struct sim_msg *msg;
	unsigned long flags;

	list_for_each_entry(msg, &batch->msgs, list) {
		n++;
		pushes += msg->push;
	}

	if (n) {
		spin_lock_irqsave(&gsim.mq_lock, flags);
		list_splice_tail_init(&batch->msgs, &gsim.rx);
		gsim.rx_count += n;
		spin_unlock_irqrestore(&gsim.mq_lock, flags);
		atomic64_add(n, &gsim.stats.fragments_out);
		while (pushes--)
			sim_irq_raise(SIM_HWIRQ_RM_RX);
	}

	if (batch->vm) {
		for (i = 0; i < batch->vm->nr_vcpus; i++)
			sim_irq_raise(batch->vm->vcpus[i].hwirq);
	}
}

int sim_msgq_init(void)
{
	spin_lock_init(&gsim.mq_lock);
	INIT_LIST_HEAD(&gsim.rx);
	gsim.tx = kcalloc(sim_msgq_depth, sizeof(*gsim.tx), GFP_KERNEL);
	if (!gsim.tx)
		return -ENOMEM;
	return 0;
}

void sim_msgq_exit(void)
{
	sim_msgs_free(&gsim.rx);
	kfree(gsim.tx);
}
