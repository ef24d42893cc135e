/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Backends built into gunyah.ko (the simulator is a module of its own and
 * registers through gunyah_hypercall_register()).
 */

#ifndef _GUNYAH_HYPERCALL_BACKEND_H
#define _GUNYAH_HYPERCALL_BACKEND_H

#ifdef CONFIG_ARM64
int gunyah_arm64_hvc_init(void);
void gunyah_arm64_hvc_exit(void);
#else
static inline int gunyah_arm64_hvc_init(void) { return 0; }
static inline void gunyah_arm64_hvc_exit(void) { }
#endif

#endif /* _GUNYAH_HYPERCALL_BACKEND_H */
