// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated RM's side of the RPC framing: a reply or a notification
 * becomes one RM message of up to 63 fragments on the RX queue, in the
 * format of rm_proto.h.
 */

#include <linux/bitfield.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sim.h"

/*
 * Build one RM message into @batch, split into a first fragment and up to
 * 62 continuations that repeat the header with kind CONTINUATION. A reply
 * (@err non-NULL) carries err_code after the first header only.
 * Return: number of continuation fragments, or a negative errno.
 */
static int sim_rm_build(struct sim_batch *batch, u8 kind, u16 seq, u32 msg_id,
			const u32 *err, const void *payload, size_t len)
{
	size_t first_room = GUNYAH_RM_MSG_SIZE - SIM_RM_HDR_SIZE -
			    (err ? sizeof(__le32) : 0);
	unsigned int nfrags = 0, i;
	const u8 *p = payload;
	struct sim_msg *msg;
	LIST_HEAD(local);

	if (len > first_room)
		nfrags = DIV_ROUND_UP(len - first_room, GUNYAH_RM_PAYLOAD_SIZE);
	if (nfrags > GUNYAH_RM_MAX_NUM_FRAGMENTS) {
		pr_err("gunyah_sim: RM message %#x of %zu bytes needs %u fragments, more than %u\n",
		       msg_id, len, nfrags + 1, GUNYAH_RM_MAX_NUM_FRAGMENTS);
		return -E2BIG;
	}

	for (i = 0; i <= nfrags; i++) {
		struct gunyah_rm_rpc_hdr *hdr;
		size_t off = SIM_RM_HDR_SIZE, chunk;

		msg = kzalloc(sizeof(*msg), GFP_KERNEL);
		if (!msg)
			goto nomem;
		hdr = (struct gunyah_rm_rpc_hdr *)msg->data;
		hdr->api = GUNYAH_RM_RPC_API;
		hdr->type = FIELD_PREP(GUNYAH_RM_RPC_TYPE_MASK,
				       i ? GUNYAH_RM_RPC_TYPE_CONTINUATION : kind) |
			    FIELD_PREP(GUNYAH_RM_RPC_FRAGMENTS_MASK, nfrags);
		hdr->seq = cpu_to_le16(seq);
		hdr->msg_id = cpu_to_le32(msg_id);
		if (!i && err) {
			__le32 code = cpu_to_le32(*err);

			memcpy(msg->data + off, &code, sizeof(code));
			off += sizeof(code);
		}
		chunk = min_t(size_t, len, GUNYAH_RM_MSG_SIZE - off);
		if (chunk)
			memcpy(msg->data + off, p, chunk);
		p += chunk;
		len -= chunk;
		msg->size = off + chunk;
		msg->push = i == nfrags;
		list_add_tail(&msg->list, &local);
	}
	list_splice_tail(&local, &batch->msgs);
	return nfrags;

nomem:
	sim_msgs_free(&local);
	pr_err("gunyah_sim: RM out of memory building message %#x\n", msg_id);
	return -ENOMEM;
}

void sim_rm_reply(struct sim_batch *batch, u16 seq, u32 msg_id, u32 err,
		  const void *payload, size_t len)
{
	int nfrags = sim_rm_build(batch, GUNYAH_RM_RPC_TYPE_REPLY, seq, msg_id,
				  &err, payload, len);

	if (nfrags < 0)
		return;
	atomic64_inc(&gsim.stats.replies);
	if (nfrags)
		atomic64_inc(&gsim.stats.replies_multi);
	if (err != GUNYAH_RM_ERROR_OK)
		atomic64_inc(&gsim.stats.reply_errors);
}

void sim_rm_notify(struct sim_batch *batch, u32 msg_id, const void *payload,
		   size_t len)
{
	int nfrags = sim_rm_build(batch, GUNYAH_RM_RPC_TYPE_NOTIF, 0, msg_id,
				  NULL, payload, len);

	if (nfrags < 0)
		return;
	atomic64_inc(&gsim.stats.notifications);
	if (nfrags)
		atomic64_inc(&gsim.stats.notifications_multi);
}
