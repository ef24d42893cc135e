/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace events of gunyah_rsc_mgr.ko (system "gunyah"): each RM request
 * and its outcome, each notification received (or injected through
 * rm_inject), and each fault fail_rm_call injects. See
 * docs/observability.md.
 *
 * CREATE_TRACE_POINTS: src/rsc_mgr/rpc.c; fault_inject.c uses the events.
 */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM gunyah

#if !defined(_GUNYAH_RM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _GUNYAH_RM_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/types.h>

#include "gunyah.h"

#ifndef _GUNYAH_RM_TRACE_HELPERS
#define _GUNYAH_RM_TRACE_HELPERS
/* Both notifications this stack knows start with the le16 vmid */
static inline u16 gunyah_trace_vmid(u32 msg_id, const void *payload,
				    size_t size)
{
	__le16 vmid;

	if ((msg_id != GUNYAH_RM_NOTIFICATION_VM_EXITED &&
	     msg_id != GUNYAH_RM_NOTIFICATION_VM_STATUS) ||
	    size < sizeof(vmid))
		return 0;
	memcpy(&vmid, payload, sizeof(vmid));
	return le16_to_cpu(vmid);
}
#endif

/* A request leaves: the call's message id and sequence number */
TRACE_EVENT(gunyah_rm_request,
	    TP_PROTO(u32 msg_id, u16 seq, size_t size),
	    TP_ARGS(msg_id, seq, size),
	    TP_STRUCT__entry(__field(u32, msg_id)
			     __field(u16, seq)
			     __field(u32, size)),
	    TP_fast_assign(__entry->msg_id = msg_id;
			   __entry->seq = seq;
			   __entry->size = size;),
	    TP_printk("msg_id=%#x seq=%u size=%u",
		      __entry->msg_id, __entry->seq, __entry->size)
);

/* The call's outcome: a reply, an injected fault, a timeout or a failure */
TRACE_EVENT(gunyah_rm_reply,
	    TP_PROTO(u32 msg_id, u16 seq, u32 rm_error, int ret, size_t size),
	    TP_ARGS(msg_id, seq, rm_error, ret, size),
	    TP_STRUCT__entry(__field(u32, msg_id)
			     __field(u16, seq)
			     __field(u32, rm_error)
			     __field(int, ret)
			     __field(u32, size)),
	    TP_fast_assign(__entry->msg_id = msg_id;
			   __entry->seq = seq;
			   __entry->rm_error = rm_error;
			   __entry->ret = ret;
			   __entry->size = size;),
	    TP_printk("msg_id=%#x seq=%u rm_error=%#x ret=%d size=%u",
		      __entry->msg_id, __entry->seq, __entry->rm_error,
		      __entry->ret, __entry->size)
);

/* A notification arrived (or rm_inject made one); vmid 0 if none */
TRACE_EVENT(gunyah_rm_notification,
	    TP_PROTO(u32 msg_id, const void *payload, size_t size),
	    TP_ARGS(msg_id, payload, size),
	    TP_STRUCT__entry(__field(u32, msg_id)
			     __field(u16, vmid)
			     __field(u32, size)),
	    TP_fast_assign(__entry->msg_id = msg_id;
			   __entry->vmid = gunyah_trace_vmid(msg_id, payload, size);
			   __entry->size = size;),
	    TP_printk("msg_id=%#x vmid=%u size=%u",
		      __entry->msg_id, __entry->vmid, __entry->size)
);

/* fail_rm_call completes a call with @rm_error; it is not sent */
TRACE_EVENT(gunyah_fault_rm_call,
	    TP_PROTO(u32 msg_id, u32 rm_error),
	    TP_ARGS(msg_id, rm_error),
	    TP_STRUCT__entry(__field(u32, msg_id)
			     __field(u32, rm_error)),
	    TP_fast_assign(__entry->msg_id = msg_id;
			   __entry->rm_error = rm_error;),
	    TP_printk("msg_id=%#x rm_error=%#x", __entry->msg_id, __entry->rm_error)
);

/* rm_inject hands a notification to the RM client (ret: -ENODEV if none) */
TRACE_EVENT(gunyah_fault_rm_inject,
	    TP_PROTO(u32 msg_id, const void *payload, size_t size, int ret),
	    TP_ARGS(msg_id, payload, size, ret),
	    TP_STRUCT__entry(__field(u32, msg_id)
			     __field(u16, vmid)
			     __field(u32, size)
			     __field(int, ret)),
	    TP_fast_assign(__entry->msg_id = msg_id;
			   __entry->vmid = gunyah_trace_vmid(msg_id, payload, size);
			   __entry->size = size;
			   __entry->ret = ret;),
	    TP_printk("msg_id=%#x vmid=%u size=%u ret=%d", __entry->msg_id,
		      __entry->vmid, __entry->size, __entry->ret)
);

#endif /* _GUNYAH_RM_TRACE_H */

/* Outside the guard: define_trace.h reads this file again */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE rm_trace
#include <trace/define_trace.h>
