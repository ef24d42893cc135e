/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace events of gunyah_vcpu.ko (system "gunyah"): the vcpu_run
 * hypercall's entry and return, each exit to userspace, each resume,
 * the wake-up interrupt and the end of every GUNYAH_VCPU_RUN ioctl.
 * See docs/observability.md.
 *
 * Included by src/vcpu/vcpu.c only (CREATE_TRACE_POINTS), after struct
 * gunyah_vcpu: the events take the vCPU and read what they record from it
 * inside TP_fast_assign(), so nothing is computed while tracing is off.
 * Every field comes from the kernel's own copies, never from the page
 * shared with userspace.
 */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM gunyah

#if !defined(_GUNYAH_VCPU_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _GUNYAH_VCPU_TRACE_H

#include <linux/bits.h>
#include <linux/tracepoint.h>
#include <linux/types.h>

#include "gunyah.h"
#include "vm_mgr.h"

/* The values of the symbolic fields, for trace-cmd and perf */
TRACE_DEFINE_ENUM(GUNYAH_VCPU_STATE_READY);
TRACE_DEFINE_ENUM(GUNYAH_VCPU_STATE_EXPECTS_WAKEUP);
TRACE_DEFINE_ENUM(GUNYAH_VCPU_STATE_POWERED_OFF);
TRACE_DEFINE_ENUM(GUNYAH_VCPU_STATE_BLOCKED);
TRACE_DEFINE_ENUM(GUNYAH_VCPU_ADDRSPACE_VMMIO_READ);
TRACE_DEFINE_ENUM(GUNYAH_VCPU_ADDRSPACE_VMMIO_WRITE);
TRACE_DEFINE_ENUM(GUNYAH_VCPU_STATE_FAULT);
TRACE_DEFINE_ENUM(GUNYAH_VCPU_ADDRSPACE_PAGE_FAULT);
TRACE_DEFINE_ENUM(GUNYAH_VCPU_RESUME_HANDLED);
TRACE_DEFINE_ENUM(GUNYAH_VCPU_RESUME_FAULT);
TRACE_DEFINE_ENUM(GUNYAH_VCPU_RESUME_RETRY);
TRACE_DEFINE_ENUM(GUNYAH_VM_STATUS_LOAD_FAILED);
TRACE_DEFINE_ENUM(GUNYAH_VM_STATUS_EXITED);
TRACE_DEFINE_ENUM(GUNYAH_VM_STATUS_CRASHED);
TRACE_DEFINE_ENUM(GUNYAH_VCPU_EXIT_MMIO);
TRACE_DEFINE_ENUM(GUNYAH_VCPU_EXIT_STATUS);
TRACE_DEFINE_ENUM(GUNYAH_VCPU_EXIT_PAGE_FAULT);

struct gunyah_vcpu;

/* Each vcpu_run hypercall, with the resume data it carries */
TRACE_EVENT(gunyah_vcpu_run_enter,
	    TP_PROTO(const struct gunyah_vcpu *v, const unsigned long *resume_data),
	    TP_ARGS(v, resume_data),
	    TP_STRUCT__entry(__field(u16, vmid)
			     __field(u32, vcpu)
			     __array(u64, resume, 3)),
	    TP_fast_assign(__entry->vmid = READ_ONCE(v->ghvm->vmid);
			   __entry->vcpu = v->ticket.label;
			   __entry->resume[0] = resume_data[0];
			   __entry->resume[1] = resume_data[1];
			   __entry->resume[2] = resume_data[2];),
	    TP_printk("vm=%u vcpu=%u resume=%#llx,%#llx,%#llx",
		      __entry->vmid, __entry->vcpu, __entry->resume[0],
		      __entry->resume[1], __entry->resume[2])
);

/* Its return: the gunyah_error, and the state with its data if OK */
TRACE_EVENT(gunyah_vcpu_run_return,
	    TP_PROTO(const struct gunyah_vcpu *v, int error,
		     const struct gunyah_hypercall_vcpu_run_resp *resp),
	    TP_ARGS(v, error, resp),
	    TP_STRUCT__entry(__field(u16, vmid)
			     __field(u32, vcpu)
			     __field(int, error)
			     __field(u64, state)
			     __array(u64, data, 3)),
	    TP_fast_assign(__entry->vmid = READ_ONCE(v->ghvm->vmid);
			   __entry->vcpu = v->ticket.label;
			   __entry->error = error;
			   /* A failed call fills no response: record none */
			   __entry->state = error ? 0 : resp->state;
			   __entry->data[0] = error ? 0 : resp->state_data[0];
			   __entry->data[1] = error ? 0 : resp->state_data[1];
			   __entry->data[2] = error ? 0 : resp->state_data[2];),
	    TP_printk("vm=%u vcpu=%u error=%d state=%s data=%#llx,%#llx,%#llx",
		      __entry->vmid, __entry->vcpu, __entry->error,
		      __print_symbolic(__entry->state,
				       { GUNYAH_VCPU_STATE_READY, "ready" },
				       { GUNYAH_VCPU_STATE_EXPECTS_WAKEUP, "expects_wakeup" },
				       { GUNYAH_VCPU_STATE_POWERED_OFF, "powered_off" },
				       { GUNYAH_VCPU_STATE_BLOCKED, "blocked" },
				       { GUNYAH_VCPU_ADDRSPACE_VMMIO_READ, "vmmio_read" },
				       { GUNYAH_VCPU_ADDRSPACE_VMMIO_WRITE, "vmmio_write" },
				       { GUNYAH_VCPU_STATE_FAULT, "fault" },
				       { GUNYAH_VCPU_ADDRSPACE_PAGE_FAULT, "page_fault" }),
		      __entry->data[0], __entry->data[1], __entry->data[2])
);

/* An MMIO exit to userspace; data is what a write stores (0 for a read) */
TRACE_EVENT(gunyah_vcpu_exit_mmio,
	    TP_PROTO(const struct gunyah_vcpu *v,
		     const struct gunyah_hypercall_vcpu_run_resp *resp),
	    TP_ARGS(v, resp),
	    TP_STRUCT__entry(__field(u16, vmid)
			     __field(u32, vcpu)
			     __field(u64, phys_addr)
			     __field(u64, data)
			     __field(u8, len)
			     __field(u8, is_write)),
	    TP_fast_assign(__entry->vmid = READ_ONCE(v->ghvm->vmid);
			   __entry->vcpu = v->ticket.label;
			   __entry->phys_addr = v->mmio_addr;
			   __entry->len = v->mmio_len;
			   __entry->is_write =
				v->state == GUNYAH_VCPU_RUN_STATE_MMIO_WRITE;
			   __entry->data =
				!__entry->is_write || !v->mmio_len ? 0 :
				v->mmio_len >= sizeof(u64) ? resp->state_data[2] :
				resp->state_data[2] & (BIT_ULL(8 * v->mmio_len) - 1);),
	    TP_printk("vm=%u vcpu=%u %s phys_addr=%#llx len=%u data=%#llx",
		      __entry->vmid, __entry->vcpu,
		      __entry->is_write ? "write" : "read", __entry->phys_addr,
		      __entry->len, __entry->data)
);

/* A PAGE_FAULT exit; flags is the hypervisor's state_data[1] */
TRACE_EVENT(gunyah_vcpu_exit_page_fault,
	    TP_PROTO(const struct gunyah_vcpu *v,
		     const struct gunyah_hypercall_vcpu_run_resp *resp),
	    TP_ARGS(v, resp),
	    TP_STRUCT__entry(__field(u16, vmid)
			     __field(u32, vcpu)
			     __field(u64, phys_addr)
			     __field(u64, flags)),
	    TP_fast_assign(__entry->vmid = READ_ONCE(v->ghvm->vmid);
			   __entry->vcpu = v->ticket.label;
			   __entry->phys_addr = resp->state_data[0];
			   __entry->flags = resp->state_data[1];),
	    TP_printk("vm=%u vcpu=%u phys_addr=%#llx flags=%#llx",
		      __entry->vmid, __entry->vcpu, __entry->phys_addr,
		      __entry->flags)
);

/* A STATUS exit: the VM is down; reason holds its first 8 bytes */
TRACE_EVENT(gunyah_vcpu_exit_status,
	    TP_PROTO(const struct gunyah_vcpu *v),
	    TP_ARGS(v),
	    TP_STRUCT__entry(__field(u16, vmid)
			     __field(u32, vcpu)
			     __field(u32, status)
			     __field(u16, exit_type)
			     __field(u32, reason_size)
			     __array(u8, reason, GUNYAH_VM_MAX_EXIT_REASON_SIZE)),
	    TP_fast_assign(__entry->vmid = READ_ONCE(v->ghvm->vmid);
			   __entry->vcpu = v->ticket.label;
			   __entry->status = v->down_status;
			   __entry->exit_type = v->down_exit_info.type;
			   __entry->reason_size = v->down_exit_info.reason_size;
			   memcpy(__entry->reason, v->down_exit_info.reason,
				  GUNYAH_VM_MAX_EXIT_REASON_SIZE);),
	    TP_printk("vm=%u vcpu=%u status=%s exit_type=%u reason_size=%u reason=%s",
		      __entry->vmid, __entry->vcpu,
		      __print_symbolic(__entry->status,
				       { GUNYAH_VM_STATUS_LOAD_FAILED, "load_failed" },
				       { GUNYAH_VM_STATUS_EXITED, "exited" },
				       { GUNYAH_VM_STATUS_CRASHED, "crashed" }),
		      __entry->exit_type, __entry->reason_size,
		      __print_hex_str(__entry->reason,
				      GUNYAH_VM_MAX_EXIT_REASON_SIZE))
);

/*
 * Userspace's answer to an MMIO or PAGE_FAULT exit, as the next run
 * takes it: the action (a number if invalid) and the data for the guest.
 */
TRACE_EVENT(gunyah_vcpu_resume,
	    TP_PROTO(const struct gunyah_vcpu *v, u8 action,
		     const unsigned long *resume_data),
	    TP_ARGS(v, action, resume_data),
	    TP_STRUCT__entry(__field(u16, vmid)
			     __field(u32, vcpu)
			     __field(u32, exit)
			     __field(u8, action)
			     __field(u64, data)),
	    TP_fast_assign(__entry->vmid = READ_ONCE(v->ghvm->vmid);
			   __entry->vcpu = v->ticket.label;
			   __entry->exit =
				v->state == GUNYAH_VCPU_RUN_STATE_PAGE_FAULT ?
				GUNYAH_VCPU_EXIT_PAGE_FAULT : GUNYAH_VCPU_EXIT_MMIO;
			   __entry->action = action;
			   __entry->data = resume_data[0];),
	    TP_printk("vm=%u vcpu=%u exit=%s action=%s data=%#llx",
		      __entry->vmid, __entry->vcpu,
		      __print_symbolic(__entry->exit,
				       { GUNYAH_VCPU_EXIT_MMIO, "mmio" },
				       { GUNYAH_VCPU_EXIT_PAGE_FAULT, "page_fault" }),
		      __print_symbolic(__entry->action,
				       { GUNYAH_VCPU_RESUME_HANDLED, "handled" },
				       { GUNYAH_VCPU_RESUME_FAULT, "fault" },
				       { GUNYAH_VCPU_RESUME_RETRY, "retry" }),
		      __entry->data)
);

/* The wake-up interrupt (hard irq context) */
TRACE_EVENT(gunyah_vcpu_wakeup,
	    TP_PROTO(const struct gunyah_vcpu *v),
	    TP_ARGS(v),
	    TP_STRUCT__entry(__field(u16, vmid)
			     __field(u32, vcpu)),
	    TP_fast_assign(__entry->vmid = READ_ONCE(v->ghvm->vmid);
			   __entry->vcpu = v->ticket.label;),
	    TP_printk("vm=%u vcpu=%u", __entry->vmid, __entry->vcpu)
);

/*
 * The end of a GUNYAH_VCPU_RUN ioctl that took run_lock: 0 and the exit,
 * or the errno (-512, ERESTARTSYS: a signal; userspace sees EINTR or a
 * restart).
 */
TRACE_EVENT(gunyah_vcpu_run_done,
	    TP_PROTO(const struct gunyah_vcpu *v, int ret),
	    TP_ARGS(v, ret),
	    TP_STRUCT__entry(__field(u16, vmid)
			     __field(u32, vcpu)
			     __field(int, ret)
			     __field(u32, exit)),
	    TP_fast_assign(__entry->vmid = READ_ONCE(v->ghvm->vmid);
			   __entry->vcpu = v->ticket.label;
			   __entry->ret = ret;
			   __entry->exit = ret ? 0 :
				v->state == GUNYAH_VCPU_RUN_STATE_SYSTEM_DOWN ?
				GUNYAH_VCPU_EXIT_STATUS :
				v->state == GUNYAH_VCPU_RUN_STATE_PAGE_FAULT ?
				GUNYAH_VCPU_EXIT_PAGE_FAULT : GUNYAH_VCPU_EXIT_MMIO;),
	    TP_printk("vm=%u vcpu=%u ret=%d exit=%s",
		      __entry->vmid, __entry->vcpu, __entry->ret,
		      __print_symbolic(__entry->exit,
				       { 0, "none" },
				       { GUNYAH_VCPU_EXIT_MMIO, "mmio" },
				       { GUNYAH_VCPU_EXIT_STATUS, "status" },
				       { GUNYAH_VCPU_EXIT_PAGE_FAULT, "page_fault" }))
);

#endif /* _GUNYAH_VCPU_TRACE_H */

/* Outside the guard: define_trace.h reads this file again */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vcpu_trace
#include <trace/define_trace.h>
