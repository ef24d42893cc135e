// SPDX-License-Identifier: GPL-2.0-only
/*
 * Gunyah resource manager (RM) RPC core: request/reply/notification
 * framing over two message queues, fragmentation, sequence numbers and
 * the notifier chain. Binds the "gunyah_rsc_mgr" platform device.
 */

#include <linux/bitfield.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/interrupt.h>
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "rsc_mgr/rsc_mgr.h"

#define CREATE_TRACE_POINTS
#include "rsc_mgr/rm_trace.h"

static unsigned int rpc_timeout_ms = 10000;
GUNYAH_PARAM_UINT_RANGE_OPS(rpc_timeout_ms, 1, GUNYAH_RM_MAX_TIMEOUT_MS);
module_param_cb(rpc_timeout_ms, &rpc_timeout_ms_param_ops, &rpc_timeout_ms, 0644);
MODULE_PARM_DESC(rpc_timeout_ms, "How long to wait for an RM reply or for TX space (ms, 1..86400000)");

/*
 * How many sequence numbers calls take, cyclically: all the header's 16
 * bits. Tests lower it so that a wrap-around comes within reach.
 */
static unsigned int rpc_seqs = 65536;
GUNYAH_PARAM_UINT_RANGE_OPS(rpc_seqs, 16, 65536);
module_param_cb(rpc_seqs, &rpc_seqs_param_ops, &rpc_seqs, 0644);
MODULE_PARM_DESC(rpc_seqs, "Sequence numbers RM calls cycle through (16..65536, default all 65536)");

/*
 * Notifications waiting for the notifier chain, at most: an RM that sends
 * them faster than VMs take them in loses the excess (counted, logged)
 * rather than the host's memory.
 */
static unsigned int notif_backlog = 256;
GUNYAH_PARAM_UINT_RANGE_OPS(notif_backlog, 1, 65536);
module_param_cb(notif_backlog, &notif_backlog_param_ops, &notif_backlog, 0644);
MODULE_PARM_DESC(notif_backlog, "RM notifications queued at most; more are dropped (1..65536, default 256)");

/*
 * A call that timed out leaves its seq taken by a value entry (the
 * allocator's round when it timed out): its late reply finds that entry
 * and is dropped, and no new call gets the seq (whose reply the late one
 * would complete) until the late reply came or the allocator has been
 * once round every seq since.
 */
#define GUNYAH_RM_LATE(round)	xa_mk_value((round) & (LONG_MAX >> 1))

#define GUNYAH_RM_HDR_SIZE	sizeof(struct gunyah_rm_rpc_hdr)

/* One call waiting for its reply; lives on the caller's stack */
struct gunyah_rm_call_wait {
	struct completion done;
	u32 msg_id;
	int ret;		/* -errno if the call could not complete */
	u32 rm_error;
	void *payload;		/* kmalloc'ed reply payload, or NULL */
	size_t size;
};

/* One notification on its way to the notifier chain */
struct gunyah_rm_notif {
	struct list_head list;
	u32 msg_id;
	size_t size;
	u8 payload[] __aligned(8);
};

/**
 * struct gunyah_rm - One resource manager
 * @dev: the platform device (a reference is held)
 * @kref: the probe's reference plus one per user (/dev/gunyah file, VM)
 * @tx_capid: capability id of the queue we send on
 * @rx_capid: capability id of the queue we receive on
 * @tx_irq: TX-allowed interrupt (space in the TX queue)
 * @rx_irq: RX-requested interrupt (messages wait in the RX queue)
 * @removed: the device went away; no new calls
 * @send_lock: one message (all its fragments) at a time on the TX queue
 * @send_buf: message being sent, under @send_lock
 * @tx_wq: senders waiting for TX space
 * @tx_ready: set by the TX interrupt
 * @calls: pending calls by sequence number (xa_lock guards delivery)
 * @next_seq: for cyclic sequence number allocation
 * @seq_round: times @next_seq wrapped around
 * @recv_buf: last message received, RX thread only
 * @rx_buf: reassembly of a fragmented message, RX thread only
 * @rx_size: bytes in @rx_buf
 * @rx_frags_left: continuation fragments still expected
 * @notif_lock: protects @notifs and @notif_dying
 * @notifs: notifications waiting for @notif_work
 * @notif_queued: entries on @notifs
 * @notif_dropped: notifications dropped because @notifs was full
 * @notif_dying: stop queuing notifications
 * @notif_held: debugfs rm_notifications "hold": nothing leaves @notifs, as
 *              if the notifier chain were stuck (tests of the backlog)
 * @debugfs: gunyah/rm_notifications
 * @notif_work: runs the notifier chain in process context
 * @nh: the notifier chain
 */
struct gunyah_rm {
	struct device *dev;
	struct kref kref;
	u64 tx_capid;
	u64 rx_capid;
	int tx_irq;
	int rx_irq;
	bool removed;

	struct mutex send_lock;		/* one message at a time */
	u8 send_buf[GUNYAH_RM_MSG_SIZE] __aligned(8);
	wait_queue_head_t tx_wq;
	bool tx_ready;

	struct xarray calls;
	u32 next_seq;
	u32 seq_round;

	u8 recv_buf[GUNYAH_RM_MSG_SIZE] __aligned(8);
	u8 rx_buf[GUNYAH_RM_HDR_SIZE + GUNYAH_RM_MAX_MSG_LEN] __aligned(8);
	size_t rx_size;
	unsigned int rx_frags_left;

	spinlock_t notif_lock;		/* @notifs, @notif_dying, counts */
	struct list_head notifs;
	unsigned int notif_queued;
	u64 notif_dropped;
	bool notif_dying;
	bool notif_held;
	struct dentry *debugfs;
	struct work_struct notif_work;
	struct blocking_notifier_head nh;
};

static int gunyah_rm_error_remap(u32 rm_error)
{
	switch (rm_error) {
	case GUNYAH_RM_ERROR_OK:
		return 0;
	case GUNYAH_RM_ERROR_UNIMPLEMENTED:
		return -EOPNOTSUPP;
	case GUNYAH_RM_ERROR_NOMEM:
		return -ENOMEM;
	case GUNYAH_RM_ERROR_NORESOURCE:
		return -ENODEV;
	case GUNYAH_RM_ERROR_DENIED:
		return -EPERM;
	case GUNYAH_RM_ERROR_BUSY:
	case GUNYAH_RM_ERROR_IN_USE:
		return -EBUSY;
	case GUNYAH_RM_ERROR_INVALID:
	case GUNYAH_RM_ERROR_ARGUMENT_INVALID ... GUNYAH_RM_ERROR_IRQ_RELEASED:
		return -EINVAL;
	case GUNYAH_RM_ERROR_IRQ_NOT_MAPPED:
		return -ENXIO;
	case GUNYAH_RM_ERROR_VM_STATE:
		return -EBADFD;
	default:
		return -EBADMSG;
	}
}

/**
 * gunyah_rm_dev() - The RM's device, for logs
 * @rm: the resource manager
 *
 * Return: the device (valid as long as a reference on @rm is held).
 */
struct device *gunyah_rm_dev(struct gunyah_rm *rm)
{
	return rm->dev;
}

static void gunyah_rm_release(struct kref *kref)
{
	struct gunyah_rm *rm = container_of(kref, struct gunyah_rm, kref);

	WARN_ON(!xa_empty(&rm->calls));
	xa_destroy(&rm->calls);
	put_device(rm->dev);
	kfree(rm);
}

/**
 * gunyah_rm_get() - Take a reference on a resource manager
 * @rm: the resource manager; the caller already holds a reference
 *
 * Keeps @rm's memory valid (calls fail with -ENODEV once its device is
 * gone).
 *
 * Return: @rm
 */
struct gunyah_rm *gunyah_rm_get(struct gunyah_rm *rm)
{
	kref_get(&rm->kref);
	return rm;
}
EXPORT_SYMBOL_GPL(gunyah_rm_get);

/**
 * gunyah_rm_put() - Drop a gunyah_rm_get() reference
 * @rm: the resource manager
 */
void gunyah_rm_put(struct gunyah_rm *rm)
{
	kref_put(&rm->kref, gunyah_rm_release);
}
EXPORT_SYMBOL_GPL(gunyah_rm_put);

/**
 * gunyah_rm_notifier_register() - Listen to RM notifications
 * @rm: the resource manager
 * @nb: called in process context with action = RM message id and
 *      data = the notification payload (its size:
 *      gunyah_rm_notification_size())
 *
 * Return: 0 or a negative errno from the notifier chain.
 */
int gunyah_rm_notifier_register(struct gunyah_rm *rm, struct notifier_block *nb)
{
	int ret = blocking_notifier_chain_register(&rm->nh, nb);

	if (ret)
		dev_err(rm->dev, "cannot register RM notifier: %d\n", ret);
	return ret;
}
EXPORT_SYMBOL_GPL(gunyah_rm_notifier_register);

/**
 * gunyah_rm_notifier_unregister() - Stop listening to RM notifications
 * @rm: the resource manager
 * @nb: as passed to gunyah_rm_notifier_register()
 *
 * Return: 0, or -ENOENT if @nb was not registered.
 */
int gunyah_rm_notifier_unregister(struct gunyah_rm *rm, struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&rm->nh, nb);
}
EXPORT_SYMBOL_GPL(gunyah_rm_notifier_unregister);

/**
 * gunyah_rm_notification_size() - Size of a notification payload
 * @payload: the data argument a notifier block received from the RM chain
 *
 * Return: the number of payload bytes the RM sent.
 */
size_t gunyah_rm_notification_size(const void *payload)
{
	const struct gunyah_rm_notif *n =
		(const void *)((const u8 *)payload -
			       offsetof(struct gunyah_rm_notif, payload));

	return n->size;
}
EXPORT_SYMBOL_GPL(gunyah_rm_notification_size);

static void gunyah_rm_notif_work(struct work_struct *work)
{
	struct gunyah_rm *rm = container_of(work, struct gunyah_rm, notif_work);
	struct gunyah_rm_notif *n;

	for (;;) {
		spin_lock(&rm->notif_lock);
		n = rm->notif_held ? NULL :
		    list_first_entry_or_null(&rm->notifs, struct gunyah_rm_notif,
					     list);
		if (n) {
			list_del(&n->list);
			rm->notif_queued--;
		}
		spin_unlock(&rm->notif_lock);
		if (!n)
			return;

		blocking_notifier_call_chain(&rm->nh, n->msg_id, n->payload);
		kfree(n);
	}
}

/**
 * gunyah_rm_flush_notifications() - Deliver every notification received
 *                                   so far
 * @rm: the resource manager
 *
 * The RM sends the notifications a call causes before its next reply, so
 * after the reply to VM_DEALLOC_VMID and this flush, no notification about
 * the old VM can reach a new VM that is given the same vmid.
 */
void gunyah_rm_flush_notifications(struct gunyah_rm *rm)
{
	flush_work(&rm->notif_work);
}

static size_t gunyah_rm_notif_min_size(u32 msg_id)
{
	switch (msg_id) {
	case GUNYAH_RM_NOTIFICATION_VM_EXITED:
		return sizeof(struct gunyah_rm_vm_exited_payload);
	case GUNYAH_RM_NOTIFICATION_VM_STATUS:
		return sizeof(struct gunyah_rm_vm_status_payload);
	default:
		return 0;
	}
}

static void gunyah_rm_queue_notif(struct gunyah_rm *rm, u32 msg_id,
				  const void *payload, size_t size)
{
	struct gunyah_rm_notif *n;
	bool queued = false, full;

	if (size < gunyah_rm_notif_min_size(msg_id)) {
		dev_warn_ratelimited(rm->dev,
				     "dropping notification %#x: %zu bytes, too short\n",
				     msg_id, size);
		return;
	}

	n = kzalloc(struct_size(n, payload, size), GFP_KERNEL);
	if (!n)
		return;	/* the allocator has logged the failure */
	n->msg_id = msg_id;
	n->size = size;
	memcpy(n->payload, payload, size);

	spin_lock(&rm->notif_lock);
	full = rm->notif_queued >= READ_ONCE(notif_backlog);
	if (full) {
		rm->notif_dropped++;
	} else if (!rm->notif_dying) {
		list_add_tail(&n->list, &rm->notifs);
		rm->notif_queued++;
		queued = true;
	}
	spin_unlock(&rm->notif_lock);

	if (!queued) {
		dev_warn_ratelimited(rm->dev, "dropping notification %#x: %s\n",
				     msg_id, full ? "the backlog is full (notif_backlog)" :
				     "RM going away");
		kfree(n);
		return;
	}
	schedule_work(&rm->notif_work);
}

static void gunyah_rm_deliver_reply(struct gunyah_rm *rm, const void *msg,
				    size_t size)
{
	const struct gunyah_rm_rpc_reply_hdr *reply = msg;
	u16 seq = le16_to_cpu(reply->hdr.seq);
	u32 msg_id = le32_to_cpu(reply->hdr.msg_id);
	size_t payload_size = size - sizeof(*reply);
	struct gunyah_rm_call_wait *call;
	bool delivered = false;
	void *payload = NULL;
	u32 expected;

	/* On failure the caller gets -ENOMEM (see below) */
	if (payload_size)
		payload = kmemdup(msg + sizeof(*reply), payload_size, GFP_KERNEL);

	xa_lock(&rm->calls);
	call = xa_load(&rm->calls, seq);
	if (xa_is_value(call)) {
		/* Its call timed out: the seq may serve again */
		__xa_erase(&rm->calls, seq);
		xa_unlock(&rm->calls);
		dev_warn_ratelimited(rm->dev,
				     "dropping reply %#x seq %u: its call timed out\n",
				     msg_id, seq);
		kfree(payload);
		return;
	}
	expected = call ? call->msg_id : 0;
	if (call && call->msg_id == msg_id) {
		__xa_erase(&rm->calls, seq);
		call->rm_error = le32_to_cpu(reply->err_code);
		call->ret = payload_size && !payload ? -ENOMEM : 0;
		call->payload = payload;
		call->size = payload_size;
		payload = NULL;
		delivered = true;
		complete(&call->done);
	}
	xa_unlock(&rm->calls);

	if (!call)
		dev_warn_ratelimited(rm->dev,
				     "dropping reply %#x: unknown seq %u\n",
				     msg_id, seq);
	else if (!delivered)
		dev_warn_ratelimited(rm->dev,
				     "dropping reply %#x seq %u: the call was %#x\n",
				     msg_id, seq, expected);
	kfree(payload);
}

/**
 * gunyah_rm_handle_message() - Act on one complete RM message
 * @rm: the resource manager
 * @msg: the header of the first fragment followed by the payload of all
 *       fragments (for a reply, starting with the le32 error code)
 * @size: size of @msg
 *
 * The one entry point for everything the RM sends us: replies go to
 * their waiting caller, notifications to the notifier chain (from a work
 * item). Malformed messages are dropped with a log line. @msg is not
 * consumed. Process context.
 */
void gunyah_rm_handle_message(struct gunyah_rm *rm, const void *msg, size_t size)
{
	const struct gunyah_rm_rpc_hdr *hdr = msg;

	if (size < GUNYAH_RM_HDR_SIZE) {
		dev_warn_ratelimited(rm->dev, "dropping %zu byte RM message: truncated header\n",
				     size);
		return;
	}
	if (hdr->api != GUNYAH_RM_RPC_API) {
		dev_warn_ratelimited(rm->dev, "dropping RM message with unknown api %#x\n",
				     hdr->api);
		return;
	}

	switch (FIELD_GET(GUNYAH_RM_RPC_TYPE_MASK, hdr->type)) {
	case GUNYAH_RM_RPC_TYPE_REPLY:
		if (size < sizeof(struct gunyah_rm_rpc_reply_hdr)) {
			dev_warn_ratelimited(rm->dev,
					     "dropping reply %#x: no error code\n",
					     le32_to_cpu(hdr->msg_id));
			return;
		}
		gunyah_rm_deliver_reply(rm, msg, size);
		break;
	case GUNYAH_RM_RPC_TYPE_NOTIF:
		trace_gunyah_rm_notification(le32_to_cpu(hdr->msg_id),
					     msg + GUNYAH_RM_HDR_SIZE,
					     size - GUNYAH_RM_HDR_SIZE);
		gunyah_rm_queue_notif(rm, le32_to_cpu(hdr->msg_id),
				      msg + GUNYAH_RM_HDR_SIZE,
				      size - GUNYAH_RM_HDR_SIZE);
		break;
	default:
		dev_warn_ratelimited(rm->dev, "dropping RM message %#x of type %#x\n",
				     le32_to_cpu(hdr->msg_id), hdr->type);
		break;
	}
}

/* One message from the RX queue: reassemble fragments, then handle */
static void gunyah_rm_rx_fragment(struct gunyah_rm *rm, size_t size)
{
	const struct gunyah_rm_rpc_hdr *hdr = (void *)rm->recv_buf;
	const struct gunyah_rm_rpc_hdr *first = (void *)rm->rx_buf;
	unsigned int frags;

	if (size < GUNYAH_RM_HDR_SIZE || hdr->api != GUNYAH_RM_RPC_API) {
		gunyah_rm_handle_message(rm, hdr, size); /* logs and drops */
		return;
	}

	if (FIELD_GET(GUNYAH_RM_RPC_TYPE_MASK, hdr->type) ==
	    GUNYAH_RM_RPC_TYPE_CONTINUATION) {
		if (!rm->rx_frags_left) {
			dev_warn_ratelimited(rm->dev,
					     "dropping continuation of %#x seq %u: no message to continue\n",
					     le32_to_cpu(hdr->msg_id),
					     le16_to_cpu(hdr->seq));
			return;
		}
		if (hdr->seq != first->seq || hdr->msg_id != first->msg_id) {
			dev_warn_ratelimited(rm->dev,
					     "dropping %#x seq %u: continuation of %#x seq %u interleaved\n",
					     le32_to_cpu(first->msg_id),
					     le16_to_cpu(first->seq),
					     le32_to_cpu(hdr->msg_id),
					     le16_to_cpu(hdr->seq));
			rm->rx_frags_left = 0;
			return;
		}
		memcpy(rm->rx_buf + rm->rx_size, rm->recv_buf + GUNYAH_RM_HDR_SIZE,
		       size - GUNYAH_RM_HDR_SIZE);
		rm->rx_size += size - GUNYAH_RM_HDR_SIZE;
		if (--rm->rx_frags_left == 0)
			gunyah_rm_handle_message(rm, rm->rx_buf, rm->rx_size);
		return;
	}

	if (rm->rx_frags_left) {
		dev_warn_ratelimited(rm->dev,
				     "dropping %#x seq %u: %u continuation fragments missing\n",
				     le32_to_cpu(first->msg_id),
				     le16_to_cpu(first->seq), rm->rx_frags_left);
		rm->rx_frags_left = 0;
	}

	frags = FIELD_GET(GUNYAH_RM_RPC_FRAGMENTS_MASK, hdr->type);
	if (frags > GUNYAH_RM_MAX_NUM_FRAGMENTS) {
		dev_warn_ratelimited(rm->dev,
				     "dropping %#x seq %u: %u fragments, at most %u allowed\n",
				     le32_to_cpu(hdr->msg_id), le16_to_cpu(hdr->seq),
				     frags, GUNYAH_RM_MAX_NUM_FRAGMENTS);
		return;
	}
	if (!frags) {
		gunyah_rm_handle_message(rm, hdr, size);
		return;
	}
	memcpy(rm->rx_buf, rm->recv_buf, size);
	rm->rx_size = size;
	rm->rx_frags_left = frags;
}

/*
 * A receive that fails with anything but EMPTY leaves the message queued,
 * and the RX interrupt was spent on it: no other comes until the RM pushes
 * its next message. Try again this many times before waiting for that.
 */
#define GUNYAH_RM_RX_RETRIES	8

static irqreturn_t gunyah_rm_rx_thread(int irq, void *data)
{
	struct gunyah_rm *rm = data;
	unsigned int failures = 0;
	enum gunyah_error gerr;
	size_t size;
	bool ready;

	do {
		gerr = gunyah_hypercall_msgq_recv(rm->rx_capid, rm->recv_buf,
						  sizeof(rm->recv_buf), &size,
						  &ready);
		if (gerr == GUNYAH_ERROR_MSGQUEUE_EMPTY)
			break;
		if (gerr != GUNYAH_ERROR_OK) {
			if (++failures > GUNYAH_RM_RX_RETRIES) {
				dev_err_ratelimited(rm->dev,
						    "RX message queue receive failed %u times: gunyah error %d; what is queued waits for the next RX interrupt\n",
						    failures, gerr);
				break;
			}
			dev_warn_ratelimited(rm->dev,
					     "RX message queue receive failed: gunyah error %d; retrying\n",
					     gerr);
			cond_resched();
			ready = true;
			continue;
		}
		failures = 0;
		if (size > sizeof(rm->recv_buf)) {
			dev_err_ratelimited(rm->dev,
					    "dropping RM message: backend reported %zu bytes\n",
					    size);
			continue;
		}
		gunyah_rm_rx_fragment(rm, size);
		/* An RM that keeps the queue full must not hold this CPU */
		cond_resched();
	} while (ready);

	return IRQ_HANDLED;
}

static irqreturn_t gunyah_rm_tx_irq(int irq, void *data)
{
	struct gunyah_rm *rm = data;

	WRITE_ONCE(rm->tx_ready, true);
	wake_up(&rm->tx_wq);
	return IRQ_HANDLED;
}

static int gunyah_rm_msgq_send(struct gunyah_rm *rm, size_t size, u64 flags)
	__must_hold(&rm->send_lock)
{
	enum gunyah_error gerr;
	bool ready;

	for (;;) {
		WRITE_ONCE(rm->tx_ready, false);
		gerr = gunyah_hypercall_msgq_send(rm->tx_capid, size, rm->send_buf,
						  flags, &ready);
		if (gerr == GUNYAH_ERROR_OK)
			return 0;
		if (gerr != GUNYAH_ERROR_MSGQUEUE_FULL) {
			dev_err_ratelimited(rm->dev,
					    "TX message queue send failed: gunyah error %d\n",
					    gerr);
			return gunyah_error_remap(gerr);
		}
		if (!wait_event_timeout(rm->tx_wq,
					READ_ONCE(rm->tx_ready) ||
					READ_ONCE(rm->removed),
					msecs_to_jiffies(rpc_timeout_ms))) {
			dev_err_ratelimited(rm->dev,
					    "TX message queue stayed full for %u ms\n",
					    rpc_timeout_ms);
			return -ETIMEDOUT;
		}
		if (READ_ONCE(rm->removed))
			return -ENODEV;
	}
}

static int gunyah_rm_send(struct gunyah_rm *rm, u32 msg_id, u16 seq,
			  const void *req, size_t req_size)
{
	struct gunyah_rm_rpc_hdr *hdr = (void *)rm->send_buf;
	size_t off = 0, chunk;
	unsigned int frags, i;
	int ret = 0;

	frags = req_size ? DIV_ROUND_UP(req_size, GUNYAH_RM_PAYLOAD_SIZE) - 1 : 0;

	mutex_lock(&rm->send_lock);
	if (READ_ONCE(rm->removed)) {
		dev_err_ratelimited(rm->dev, "RM call %#x: device removed\n", msg_id);
		ret = -ENODEV;
		goto out;
	}

	for (i = 0; i <= frags; i++) {
		hdr->api = GUNYAH_RM_RPC_API;
		hdr->type = FIELD_PREP(GUNYAH_RM_RPC_TYPE_MASK,
				       i ? GUNYAH_RM_RPC_TYPE_CONTINUATION :
					   GUNYAH_RM_RPC_TYPE_REQUEST) |
			    FIELD_PREP(GUNYAH_RM_RPC_FRAGMENTS_MASK, frags);
		hdr->seq = cpu_to_le16(seq);
		hdr->msg_id = cpu_to_le32(msg_id);

		chunk = min_t(size_t, req_size - off, GUNYAH_RM_PAYLOAD_SIZE);
		memcpy(rm->send_buf + GUNYAH_RM_HDR_SIZE, req + off, chunk);
		off += chunk;

		ret = gunyah_rm_msgq_send(rm, GUNYAH_RM_HDR_SIZE + chunk,
					  i == frags ?
					  GUNYAH_HYPERCALL_MSGQ_TX_FLAGS_PUSH : 0);
		if (ret) {
			dev_err_ratelimited(rm->dev,
					    "RM call %#x: sending fragment %u of %u failed: %d\n",
					    msg_id, i, frags + 1, ret);
			break;
		}
	}
out:
	mutex_unlock(&rm->send_lock);
	return ret;
}

/*
 * Calls a killed caller may abandon: what the RM does with them can be
 * undone without their reply (a start is stopped and reset) or leaves
 * nothing behind. Calls whose reply is the only record of what the RM
 * made (a vmid, a parcel, a configuration) and calls that clean up (VM_INIT
 * too: it comes before a reset) are waited for, bounded by rpc_timeout_ms.
 */
static bool gunyah_rm_call_killable(u32 message_id)
{
	switch (message_id) {
	case GUNYAH_RM_RPC_VM_GET_VMID:
	case GUNYAH_RM_RPC_VM_SET_BOOT_CONTEXT:
	case GUNYAH_RM_RPC_VM_GET_HYP_RESOURCES:
	case GUNYAH_RM_RPC_VM_START:
		return true;
	default:
		return false;
	}
}

static int gunyah_rm_wait_reply(struct gunyah_rm_call_wait *call, u32 message_id)
{
	unsigned long timeout = msecs_to_jiffies(rpc_timeout_ms);
	long left;

	if (gunyah_rm_call_killable(message_id))
		left = wait_for_completion_killable_timeout(&call->done, timeout);
	else
		left = wait_for_completion_timeout(&call->done, timeout);
	if (left < 0)
		return -EINTR;
	return left ? 0 : -ETIMEDOUT;
}

/* Free the seqs of calls that timed out a whole round ago or more */
static void gunyah_rm_forget_late(struct gunyah_rm *rm, u32 round)
{
	unsigned long seq;
	void *entry;

	xa_lock(&rm->calls);
	xa_for_each(&rm->calls, seq, entry)
		if (xa_is_value(entry) &&
		    xa_to_value(entry) != xa_to_value(GUNYAH_RM_LATE(round)))
			__xa_erase(&rm->calls, seq);
	xa_unlock(&rm->calls);
}

static int gunyah_rm_alloc_seq(struct gunyah_rm *rm,
			       struct gunyah_rm_call_wait *call, u32 *seq)
{
	struct xa_limit limit = XA_LIMIT(0, READ_ONCE(rpc_seqs) - 1);
	u32 round;
	int ret;

	ret = xa_alloc_cyclic(&rm->calls, seq, call, limit, &rm->next_seq,
			      GFP_KERNEL);
	if (ret == -EBUSY) {
		/* Every seq taken: what only late replies hold goes first */
		gunyah_rm_forget_late(rm, READ_ONCE(rm->seq_round) + 1);
		ret = xa_alloc_cyclic(&rm->calls, seq, call, limit,
				      &rm->next_seq, GFP_KERNEL);
	}
	if (ret == 1) {
		/* Wrapped: the round that just ended keeps its late seqs */
		round = READ_ONCE(rm->seq_round);
		gunyah_rm_forget_late(rm, round);
		WRITE_ONCE(rm->seq_round, round + 1);
		ret = 0;
	}
	return ret;
}

/**
 * gunyah_rm_call() - Send a request to the RM and wait for its reply
 * @rm: the resource manager
 * @message_id: GUNYAH_RM_RPC_*
 * @req: request payload
 * @req_size: size of @req, at most %GUNYAH_RM_MAX_MSG_LEN
 * @resp: set to the kmalloc'ed reply payload (NULL if empty); kfree() it
 * @resp_size: set to the size of @resp
 *
 * Return: 0, or a negative errno (RM errors are mapped per the ABI).
 */
int gunyah_rm_call(struct gunyah_rm *rm, u32 message_id, const void *req,
		   size_t req_size, void **resp, size_t *resp_size)
{
	struct gunyah_rm_call_wait call = { .msg_id = message_id };
	bool pending;
	u32 seq;
	int ret;

	*resp = NULL;
	*resp_size = 0;

	if (req_size > GUNYAH_RM_MAX_MSG_LEN) {
		dev_err(rm->dev, "RM call %#x: %zu byte request is too large\n",
			message_id, req_size);
		return -E2BIG;
	}

	init_completion(&call.done);
	ret = gunyah_rm_alloc_seq(rm, &call, &seq);
	if (ret < 0) {
		dev_err_ratelimited(rm->dev, "RM call %#x: no sequence number: %d\n",
				    message_id, ret);
		return ret;
	}
	trace_gunyah_rm_request(message_id, seq, req_size);

	/* fail_rm_call: not sent; completes below as if the RM had refused it */
	if (gunyah_rm_fail_call(message_id, GUNYAH_RM_HDR_SIZE + req_size,
				&call.rm_error)) {
		xa_erase(&rm->calls, seq);
		goto done;
	}

	ret = gunyah_rm_send(rm, message_id, seq, req, req_size);
	if (!ret)
		ret = gunyah_rm_wait_reply(&call, message_id);

	if (ret) {
		/*
		 * Withdraw, unless a reply is being delivered right now. The
		 * RM has the request if it timed out: its seq stays taken.
		 */
		xa_lock(&rm->calls);
		pending = xa_load(&rm->calls, seq) == &call;
		if (pending && (ret == -ETIMEDOUT || ret == -EINTR))
			__xa_store(&rm->calls, seq,
				   GUNYAH_RM_LATE(READ_ONCE(rm->seq_round)), 0);
		else if (pending)
			__xa_erase(&rm->calls, seq);
		xa_unlock(&rm->calls);
		if (pending) {
			if (ret == -ETIMEDOUT)
				dev_err_ratelimited(rm->dev,
						    "RM call %#x seq %u: no reply in %u ms\n",
						    message_id, seq, rpc_timeout_ms);
			else if (ret == -EINTR)
				dev_info_ratelimited(rm->dev,
						     "RM call %#x seq %u: abandoned, its caller was killed\n",
						     message_id, seq);
			goto out;	/* nothing delivered: no error, no payload */
		}
		wait_for_completion(&call.done);
	}

done:
	ret = call.ret;
	if (ret) {
		dev_err_ratelimited(rm->dev, "RM call %#x seq %u failed: %d\n",
				    message_id, seq, ret);
	} else if (call.rm_error != GUNYAH_RM_ERROR_OK) {
		ret = gunyah_rm_error_remap(call.rm_error);
		dev_err_ratelimited(rm->dev, "RM call %#x seq %u: RM error %#x (%d)\n",
				    message_id, seq, call.rm_error, ret);
	}
out:
	trace_gunyah_rm_reply(message_id, seq, call.rm_error, ret, call.size);
	if (ret) {
		kfree(call.payload);
		return ret;
	}
	*resp = call.payload;
	*resp_size = call.size;
	return 0;
}

static int gunyah_rm_get_capids(struct platform_device *pdev, struct gunyah_rm *rm)
{
	const struct gunyah_rm_platform_data *pdata = dev_get_platdata(&pdev->dev);
	struct device_node *np = pdev->dev.of_node;

	if (pdata) {
		rm->tx_capid = pdata->tx_capid;
		rm->rx_capid = pdata->rx_capid;
		return 0;
	}
	if (!np) {
		dev_err(&pdev->dev, "neither platform data nor a device tree node\n");
		return -EINVAL;
	}
	if (of_property_read_u64_index(np, "reg", 0, &rm->tx_capid) ||
	    of_property_read_u64_index(np, "reg", 1, &rm->rx_capid)) {
		dev_err(&pdev->dev, "reg must hold the TX and RX capids (two 64-bit cells each)\n");
		return -EINVAL;
	}
	return 0;
}

static void gunyah_rm_fail_pending(struct gunyah_rm *rm)
{
	struct gunyah_rm_call_wait *call;
	unsigned long seq;

	xa_lock(&rm->calls);
	xa_for_each(&rm->calls, seq, call) {
		__xa_erase(&rm->calls, seq);
		if (xa_is_value(call))
			continue;	/* a late reply's seq */
		call->ret = -ENODEV;
		complete(&call->done);
	}
	xa_unlock(&rm->calls);
}

/*
 * gunyah/rm_notifications: the notification backlog, "name: value";
 * written "hold" or "release" by tests of a stuck notifier chain
 */
static int gunyah_rm_notifs_show(struct seq_file *s, void *unused)
{
	struct gunyah_rm *rm = s->private;
	unsigned int queued;
	u64 dropped;

	spin_lock(&rm->notif_lock);
	queued = rm->notif_queued;
	dropped = rm->notif_dropped;
	spin_unlock(&rm->notif_lock);
	seq_printf(s, "queued: %u\ndropped: %llu\nbacklog: %u\n", queued,
		   dropped, READ_ONCE(notif_backlog));
	return 0;
}

/* "hold": notifications stay queued; "release": they go on */
static int gunyah_rm_notifs_parse(struct file *file,
				  struct gunyah_knob_args *args)
{
	struct gunyah_rm *rm = gunyah_knob_seq_data(file);
	bool hold, changed;

	if (args->argc == 1 && !strcmp(args->argv[0], "hold"))
		hold = true;
	else if (args->argc == 1 && !strcmp(args->argv[0], "release"))
		hold = false;
	else
		return gunyah_knob_why(args, "expected hold or release");

	spin_lock(&rm->notif_lock);
	changed = rm->notif_held != hold;
	rm->notif_held = hold;
	spin_unlock(&rm->notif_lock);
	if (changed)
		dev_info(rm->dev, "RM notifications %s (debugfs rm_notifications)\n",
			 hold ? "held" : "released");
	if (!hold)
		schedule_work(&rm->notif_work);
	return 0;
}

GUNYAH_KNOB_WORDS_WRITE(gunyah_rm_notifs, 15, gunyah_rm_notifs_parse);
GUNYAH_KNOB_SEQ_FOPS(gunyah_rm_notifs, gunyah_rm_notifs_write);

/* ---- clients: the layers above, bound to each RM in order ---- */

static DEFINE_MUTEX(gunyah_rm_clients_lock);	/* the list, and binding */
static LIST_HEAD(gunyah_rm_clients);

/**
 * gunyah_rm_register_client() - Be bound to every resource manager
 * @client: bound after the clients registered before it, unbound before
 *
 * Register before gunyah_rm_core_init(): an RM bound already is not
 * offered to a late client.
 */
void gunyah_rm_register_client(struct gunyah_rm_client *client)
{
	mutex_lock(&gunyah_rm_clients_lock);
	list_add_tail(&client->list, &gunyah_rm_clients);
	mutex_unlock(&gunyah_rm_clients_lock);
}

/**
 * gunyah_rm_unregister_client() - Undo gunyah_rm_register_client()
 * @client: no longer bound to anything (after gunyah_rm_core_exit())
 */
void gunyah_rm_unregister_client(struct gunyah_rm_client *client)
{
	mutex_lock(&gunyah_rm_clients_lock);
	list_del(&client->list);
	mutex_unlock(&gunyah_rm_clients_lock);
}

/* Unbind, last first, the clients before @upto (NULL: all of them) */
static void __gunyah_rm_unbind_clients(struct gunyah_rm *rm,
				       struct gunyah_rm_client *upto)
	__must_hold(&gunyah_rm_clients_lock)
{
	struct gunyah_rm_client *c;

	c = upto ? upto : list_entry(&gunyah_rm_clients, struct gunyah_rm_client, list);
	list_for_each_entry_continue_reverse(c, &gunyah_rm_clients, list)
		c->unbind(rm);
}

static int gunyah_rm_bind_clients(struct gunyah_rm *rm)
{
	struct gunyah_rm_client *c;
	int ret = 0;

	mutex_lock(&gunyah_rm_clients_lock);
	list_for_each_entry(c, &gunyah_rm_clients, list) {
		ret = c->bind(rm);
		if (ret) {
			dev_err(rm->dev, "%s refused the resource manager: %d\n",
				c->name, ret);
			/* Those bound before it let go again */
			__gunyah_rm_unbind_clients(rm, c);
			break;
		}
	}
	mutex_unlock(&gunyah_rm_clients_lock);
	return ret;
}

static int gunyah_rm_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct gunyah_rm *rm;
	int ret;

	/*
	 * A device-tree node describes the real hypervisor's queues: wait for
	 * its node to bind the HVC backend (never serve it with gunyah_sim).
	 */
	if (!dev_get_platdata(dev) && !gunyah_hypercall_native())
		return dev_err_probe(dev, -EPROBE_DEFER,
				     "waiting for the Gunyah hypervisor node to bind\n");

	/* The backend (whoever created this device) outlives the binding */
	ret = gunyah_hypercall_get_backend();
	if (ret) {
		dev_err(dev, "no Gunyah hypercall backend: %d\n", ret);
		return ret;
	}
	gunyah_hypercall_put_backend();

	rm = kzalloc(sizeof(*rm), GFP_KERNEL);
	if (!rm)
		return -ENOMEM;
	rm->dev = get_device(dev);
	kref_init(&rm->kref);
	mutex_init(&rm->send_lock);
	init_waitqueue_head(&rm->tx_wq);
	xa_init_flags(&rm->calls, XA_FLAGS_ALLOC);
	spin_lock_init(&rm->notif_lock);
	INIT_LIST_HEAD(&rm->notifs);
	INIT_WORK(&rm->notif_work, gunyah_rm_notif_work);
	BLOCKING_INIT_NOTIFIER_HEAD(&rm->nh);

	ret = gunyah_rm_get_capids(pdev, rm);
	if (ret)
		goto err_put;

	rm->tx_irq = platform_get_irq(pdev, 0);
	if (rm->tx_irq < 0) {
		ret = dev_err_probe(dev, rm->tx_irq, "no TX-allowed irq (resource 0)\n");
		goto err_put;
	}
	rm->rx_irq = platform_get_irq(pdev, 1);
	if (rm->rx_irq < 0) {
		ret = dev_err_probe(dev, rm->rx_irq, "no RX-requested irq (resource 1)\n");
		goto err_put;
	}

	ret = request_irq(rm->tx_irq, gunyah_rm_tx_irq, 0, "gunyah_rm_tx", rm);
	if (ret) {
		dev_err(dev, "cannot request TX irq %d: %d\n", rm->tx_irq, ret);
		goto err_put;
	}
	ret = request_threaded_irq(rm->rx_irq, NULL, gunyah_rm_rx_thread,
				   IRQF_ONESHOT, "gunyah_rm_rx", rm);
	if (ret) {
		dev_err(dev, "cannot request RX irq %d: %d\n", rm->rx_irq, ret);
		goto err_free_tx;
	}

	platform_set_drvdata(pdev, rm);
	ret = gunyah_rm_bind_clients(rm);
	if (ret)
		goto err_free_rx;
	rm->debugfs = debugfs_create_file("rm_notifications", 0600,
					  gunyah_debugfs_root(), rm,
					  &gunyah_rm_notifs_fops);

	/* Drain whatever the RM queued before the handler was there */
	irq_wake_thread(rm->rx_irq, rm);
	dev_info(dev, "Gunyah resource manager: TX capid %#llx, RX capid %#llx\n",
		 rm->tx_capid, rm->rx_capid);
	return 0;

err_free_rx:
	free_irq(rm->rx_irq, rm);
err_free_tx:
	free_irq(rm->tx_irq, rm);
err_put:
	gunyah_rm_put(rm);
	return ret;
}

static void gunyah_rm_remove(struct platform_device *pdev)
{
	struct gunyah_rm *rm = platform_get_drvdata(pdev);
	struct gunyah_rm_notif *n, *tmp;

	debugfs_remove(rm->debugfs);
	mutex_lock(&gunyah_rm_clients_lock);
	__gunyah_rm_unbind_clients(rm, NULL);
	mutex_unlock(&gunyah_rm_clients_lock);

	WRITE_ONCE(rm->removed, true);
	wake_up(&rm->tx_wq);
	mutex_lock(&rm->send_lock);	/* no sender past the removed check */
	mutex_unlock(&rm->send_lock);

	free_irq(rm->rx_irq, rm);
	free_irq(rm->tx_irq, rm);
	gunyah_rm_fail_pending(rm);

	spin_lock(&rm->notif_lock);
	rm->notif_dying = true;
	spin_unlock(&rm->notif_lock);
	cancel_work_sync(&rm->notif_work);
	list_for_each_entry_safe(n, tmp, &rm->notifs, list) {
		list_del(&n->list);
		kfree(n);
	}

	gunyah_rm_put(rm);
}

static const struct of_device_id gunyah_rm_of_match[] = {
	{ .compatible = "gunyah-resource-manager" },
	{ .compatible = "qcom,resource-manager-1-0" },
	{}
};
MODULE_DEVICE_TABLE(of, gunyah_rm_of_match);

static struct platform_driver gunyah_rm_driver = {
	.probe = gunyah_rm_probe,
	.remove_new = gunyah_rm_remove,
	.driver = {
		.name = GUNYAH_RM_PLATFORM_DEV_NAME,
		.of_match_table = gunyah_rm_of_match,
		/* VMs hold the RM; only device removal may unbind it */
		.suppress_bind_attrs = true,
	},
};

/**
 * gunyah_rm_core_init() - Bind resource managers from now on
 *
 * Called by the module's init once its clients are registered.
 *
 * Return: 0, or platform_driver_register()'s error.
 */
int gunyah_rm_core_init(void)
{
	int ret;

	gunyah_rm_fail_call_init();
	ret = platform_driver_register(&gunyah_rm_driver);
	if (ret) {
		pr_err("gunyah_rsc_mgr: cannot register the platform driver: %d\n", ret);
		gunyah_rm_fail_call_exit();
	}
	return ret;
}

/**
 * gunyah_rm_core_exit() - Unbind the resource manager; bind no more
 */
void gunyah_rm_core_exit(void)
{
	platform_driver_unregister(&gunyah_rm_driver);
	gunyah_rm_fail_call_exit();
}

MODULE_ALIAS("platform:" GUNYAH_RM_PLATFORM_DEV_NAME);
MODULE_DESCRIPTION("Gunyah resource manager RPC and VM manager");
