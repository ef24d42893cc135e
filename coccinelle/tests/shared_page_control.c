// SPDX-License-Identifier: GPL-2.0-only
/* Bad examples: each use below must be reported by shared_page_control.cocci */
#include "../../uapi/linux/gunyah.h"

struct vcpu {
	struct gunyah_vcpu_run *vcpu_run;
	unsigned char buf[8];
	unsigned int len;
};

int bad_branch(struct vcpu *v)
{
	if (v->vcpu_run->mmio.len > 8)
		return -1;
	return 0;
}

int bad_switch(struct gunyah_vcpu_run *run)
{
	switch (run->mmio.resume_action) {
	case 0:
		return 0;
	default:
		return 1;
	}
}

void bad_size(struct vcpu *v, void *dst)
{
	memcpy(dst, v->buf, v->vcpu_run->mmio.len);
}

int good_copy(struct vcpu *v)
{
	unsigned char action = READ_ONCE(v->vcpu_run->mmio.resume_action);

	return action == 0;
}
