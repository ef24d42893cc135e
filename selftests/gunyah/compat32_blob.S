/* SPDX-License-Identifier: GPL-2.0-only */
/* compat32.c's i386 program, as bytes in vcpu_mmap (see compat32.h) */
	.section .rodata
	.globl	compat32_start
compat32_start:
	.incbin	GH_COMPAT32_BIN
	.globl	compat32_end
compat32_end:
	.section .note.GNU-stack, "", @progbits
