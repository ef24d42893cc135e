/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace events of gunyah.ko (system "gunyah"): each fault fail_hypercall
 * injects. See docs/observability.md.
 *
 * CREATE_TRACE_POINTS: src/hypercall/fault_inject.c.
 */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM gunyah

#if !defined(_GUNYAH_HC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _GUNYAH_HC_TRACE_H

#include <linux/tracepoint.h>
#include <linux/types.h>

#include "hypercall/fault_inject.h"

TRACE_DEFINE_ENUM(GUNYAH_FAIL_HC_IDENTIFY);
TRACE_DEFINE_ENUM(GUNYAH_FAIL_HC_MSGQ_SEND);
TRACE_DEFINE_ENUM(GUNYAH_FAIL_HC_MSGQ_RECV);
TRACE_DEFINE_ENUM(GUNYAH_FAIL_HC_VCPU_RUN);

/* fail_hypercall made @call return @error without reaching the backend */
TRACE_EVENT(gunyah_fault_hypercall,
	    TP_PROTO(enum gunyah_fail_hc call, enum gunyah_error error),
	    TP_ARGS(call, error),
	    TP_STRUCT__entry(__field(u32, call)
			     __field(int, error)),
	    TP_fast_assign(__entry->call = call;
			   __entry->error = error;),
	    TP_printk("hypercall=%s error=%d",
		      __print_symbolic(__entry->call,
				       { GUNYAH_FAIL_HC_IDENTIFY, "identify" },
				       { GUNYAH_FAIL_HC_MSGQ_SEND, "msgq_send" },
				       { GUNYAH_FAIL_HC_MSGQ_RECV, "msgq_recv" },
				       { GUNYAH_FAIL_HC_VCPU_RUN, "vcpu_run" }),
		      __entry->error)
);

#endif /* _GUNYAH_HC_TRACE_H */

/* Outside the guard: define_trace.h reads this file again */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE hc_trace
#include <trace/define_trace.h>
