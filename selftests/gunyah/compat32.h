/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The i386 program built from compat32.c, linked into vcpu_mmap on x86-64
 * (compat32_blob.S) so that the test can run it from a memfd.
 */
#ifndef GUNYAH_SELFTEST_COMPAT32_H
#define GUNYAH_SELFTEST_COMPAT32_H

extern const char compat32_start[], compat32_end[];

#endif /* GUNYAH_SELFTEST_COMPAT32_H */
