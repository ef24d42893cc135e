#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the demo VM after the modules are loaded.
echo "== kernel $(uname -r); gunyah modules loaded:"
grep '^gunyah' /proc/modules | cut -d' ' -f1-3
echo "== /dev/gunyah:"
ls -l /dev/gunyah 2>&1
echo "== debugfs:"
find /sys/kernel/debug/gunyah /sys/kernel/debug/gunyah_sim 2>/dev/null | sort
if [ -x /share/gunyah-demo ]; then
	echo "== demo VMM:"
	/share/gunyah-demo
fi
if [ -x /share/gunyah-vmm ]; then
	echo "== gunyah-vmm: the tiny aarch64 guest's image in guest memory, its simulator twin on the vCPU:"
	/share/gunyah-vmm -s /share/tiny-guest.sim /share/tiny-guest.bin
	echo "gunyah-vmm exit status $?"
fi
