# SPDX-License-Identifier: GPL-2.0-only
# gunyah-dkms: out-of-tree Gunyah hypervisor driver stack.
#
#   make demo     show the driver at work in a booted Debian kernel
#   make check    install deps, build for every kernel target, boot each
#                 under QEMU, run every test
#   make modules  build for one kernel (what DKMS runs):
#                 make modules KVER=<ver> [KDIR=<headers>]
# Options: KERNELS="6.1 6.12"  TESTS="prog ..."

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build

ifneq ($(KERNELS),)
export KERNELS
endif
ifneq ($(TESTS),)
export TESTS
endif

.PHONY: all modules clean check demo

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -rf build

check:
	@scripts/check.sh

demo:
	@scripts/demo.sh
