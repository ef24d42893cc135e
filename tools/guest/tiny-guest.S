/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tiny aarch64 guest: prints one line on a PL011 UART by MMIO, then
 * powers its VM off with PSCI SYSTEM_OFF over HVC. Position independent,
 * no stack, no store to memory: it runs wherever it is loaded (the start
 * of a Gunyah parcel, or QEMU's -device loader). The UART is where QEMU's
 * virt machine has it; under Gunyah that address is in the VM's MMIO
 * region, so each access is an MMIO exit the VMM emulates.
 */

#define UART_BASE	0x09000000
#define UARTDR		0x00
#define UARTFR		0x18
#define UARTFR_TXFF	5		/* transmit FIFO full */
#define PSCI_SYSTEM_OFF	0x84000008

	.text
	.globl	_start
_start:
	movz	x1, #(UART_BASE >> 16), lsl #16
	adr	x2, message
next:
	ldrb	w3, [x2], #1
	cbz	w3, off
wait:
	ldr	w4, [x1, #UARTFR]
	tbnz	w4, #UARTFR_TXFF, wait
	str	w3, [x1, #UARTDR]
	b	next
off:
	movz	w0, #(PSCI_SYSTEM_OFF & 0xffff)
	movk	w0, #(PSCI_SYSTEM_OFF >> 16), lsl #16
	hvc	#0
	/* SYSTEM_OFF does not return; if it does, stay here */
halt:
	wfi
	b	halt

message:
	.asciz	"Hello from the tiny Gunyah guest\n"
