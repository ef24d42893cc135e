// SPDX-License-Identifier: GPL-2.0-only
/* Bad examples: each return below must be reported by hypercall_errno.cocci */
#include "../../src/gunyah.h"

long bad_direct(u64 capid, unsigned long *resume,
		struct gunyah_hypercall_vcpu_run_resp *resp)
{
	return gunyah_hypercall_vcpu_run(capid, resume, resp);
}

int bad_via_variable(u64 capid, void *buf, bool *ready)
{
	int ret;

	ret = gunyah_hypercall_msgq_send(capid, 8, buf, 0, ready);
	return ret;
}

int good(u64 capid, void *buf, size_t *n, bool *ready)
{
	enum gunyah_error gerr = gunyah_hypercall_msgq_recv(capid, buf, 240, n, ready);

	return gunyah_error_remap(gerr);
}
