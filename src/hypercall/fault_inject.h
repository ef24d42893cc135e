/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fail_hypercall: make hypercall wrappers return a chosen gunyah_error
 * instead of calling the backend (src/hypercall/fault_inject.c).
 */

#ifndef _GUNYAH_HYPERCALL_FAULT_INJECT_H
#define _GUNYAH_HYPERCALL_FAULT_INJECT_H

#include "gunyah.h"
#include "gunyah_fault.h"

/* The hypercalls fail_hypercall can fail; the order of the "hypercalls" knob */
enum gunyah_fail_hc {
	GUNYAH_FAIL_HC_IDENTIFY,
	GUNYAH_FAIL_HC_MSGQ_SEND,
	GUNYAH_FAIL_HC_MSGQ_RECV,
	GUNYAH_FAIL_HC_VCPU_RUN,
	GUNYAH_FAIL_HC_NR,
};

extern struct gunyah_fault gunyah_fail_hypercall_attr;

bool __gunyah_fail_hypercall(enum gunyah_fail_hc call, size_t size,
			     enum gunyah_error *err);

/**
 * gunyah_fail_hypercall() - Should this hypercall fail instead of running?
 * @call: which hypercall
 * @size: bytes it moves (consumed from the "space" knob)
 * @err: set to the error to return when it should fail
 *
 * Return: true if the caller must return @err without calling the backend.
 */
static inline bool gunyah_fail_hypercall(enum gunyah_fail_hc call, size_t size,
					 enum gunyah_error *err)
{
	if (likely(!gunyah_fault_armed(&gunyah_fail_hypercall_attr)))
		return false;
	return __gunyah_fail_hypercall(call, size, err);
}

void gunyah_fail_hypercall_debugfs_init(struct dentry *root);

#endif /* _GUNYAH_HYPERCALL_FAULT_INJECT_H */
