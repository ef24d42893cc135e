# SPDX-License-Identifier: GPL-2.0-only
# gunyah-dkms: out-of-tree Gunyah hypervisor driver stack.
#
#   make demo     show the driver at work in a booted Debian kernel
#   make lint     checkpatch, kernel-doc, sparse (amd64 and arm64), coccinelle
#   make bench    exit, wake-up, scaling and memory figures from each
#                 booted kernel (build/bench/<kver>.json; never pass/fail)
#   make coverage the debug-kernel lane alone (KASAN, lockdep, kmemleak,
#                 UBSAN, fault_attr, gcov) and the modules' coverage table
#   make check    install deps, build for every kernel target, boot each
#                 under QEMU, run every test
#   make sweep    the long fault-injection sweep on every kernel target
#   make distro-check  the .debs installed by autopkgtest into a booted
#                 Debian 12 system: DKMS builds there, debian/tests runs
#                 the installed selftests (~15 min; make check runs it
#                 beside its other lanes)
#   make modules  build for one kernel (what DKMS runs):
#                 make modules KVER=<ver> [KDIR=<headers>]
#   make deb      Debian packages (gunyah-dkms, gunyah-tests, gunyah-dev)
#   make rpm      gunyah-dkms (noarch) and gunyah-tests rpms; both into $(PKG_DIR)
#   make dkms-src DESTDIR=/  the DKMS source tree, /usr/src/gunyah-<ver>/
#   make install [INSTALL_PATH=dir]  the selftests laid out as kselftest's
#                 install does (run_kselftest.sh, kselftest-list.txt,
#                 gunyah/); default build/kselftest_install
# Options: KERNELS="6.1 6.12"  TESTS="prog ..."

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build

ifneq ($(KERNELS),)
export KERNELS
endif
ifneq ($(TESTS),)
export TESTS
endif

# The version lives in ONE place, the top entry of debian/changelog
# ("gunyah-dkms (0.1.0) ..."); everything else is derived from it. Lazy
# (=) so that dkms's `make modules` in /usr/src/gunyah-<ver>/, which has
# no debian/, never evaluates it.
GUNYAH_VERSION = $(shell sed -n '1{s/^[^ ]* .//;s/[^0-9A-Za-z.+~].*//;p;}' debian/changelog)
PKG_DIR ?= $(or $(BUILD_DIR),$(CURDIR)/build)/pkg
# What DKMS needs to build: shipped in /usr/src/gunyah-<ver>/
DKMS_SRC := Kbuild Makefile src uapi

.PHONY: all modules clean check demo dkms-src deb rpm version install

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -rf build

.PHONY: coverage
coverage:
	@scripts/debug-lane.sh; rc=$$?; scripts/debug-lane.sh --report; exit $$rc

check:
	@scripts/check.sh

demo:
	@scripts/demo.sh

.PHONY: bench
bench:
	@scripts/bench.sh

.PHONY: sweep
sweep:
	@scripts/sweep.sh

.PHONY: distro-check
distro-check:
	@scripts/deps.sh check
	@scripts/distro-test.sh; r=$$(cat $(or $(BUILD_DIR),build)/distro-test/result); \
		set -- $$r; [ "$$2" = 0 ]

# Static analysis; sparse against every kernel target
.PHONY: lint
lint:
	@scripts/deps.sh
	@scripts/lint.sh $$(for k in $${KERNELS:-$$(scripts/kernels.sh list) \
		$$(scripts/kernels.sh list-arm64)}; do \
		scripts/kernels.sh version $$k; done)

version:
	@echo $(GUNYAH_VERSION)

# The selftests as kselftest installs them; run with INSTALL_PATH/run_kselftest.sh
INSTALL_PATH ?= $(or $(BUILD_DIR),$(CURDIR)/build)/kselftest_install
install:
	@scripts/ksft-install.sh $(INSTALL_PATH)

# The DKMS source tree with dkms.conf's version filled in (used by
# debian/rules, the rpm spec and manual installs; see README "Install").
dkms-src:
	@test -n "$(GUNYAH_VERSION)" || { echo "no version in debian/changelog" >&2; exit 1; }
	install -d $(DESTDIR)/usr/src/gunyah-$(GUNYAH_VERSION)
	tar -cf - --exclude='*.o' --exclude='*.ko' --exclude='*.mod*' \
		--exclude='.*.cmd' $(DKMS_SRC) | tar -xf - -C $(DESTDIR)/usr/src/gunyah-$(GUNYAH_VERSION)
	sed 's/#MODULE_VERSION#/$(GUNYAH_VERSION)/' dkms.conf > $(DESTDIR)/usr/src/gunyah-$(GUNYAH_VERSION)/dkms.conf

# Packages are built from a clean copy of the tree (no build/, no .git, no
# kbuild objects), so the repository is never written to.
PKG_EXCLUDES := --exclude=./build --exclude=./.git --exclude='*.o' \
	--exclude='*.ko' --exclude='*.mod*' --exclude='.*.cmd' \
	--exclude=Module.symvers --exclude=modules.order

deb:
	rm -rf $(PKG_DIR)/deb && mkdir -p $(PKG_DIR)/deb/gunyah-dkms-$(GUNYAH_VERSION)
	tar -cf - $(PKG_EXCLUDES) . | tar -xf - -C $(PKG_DIR)/deb/gunyah-dkms-$(GUNYAH_VERSION)
	cd $(PKG_DIR)/deb/gunyah-dkms-$(GUNYAH_VERSION) && \
		GUNYAH_CACHE=$(or $(GUNYAH_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/gunyah-dkms) \
		dpkg-buildpackage -us -uc
	@ls $(PKG_DIR)/deb/*.deb

rpm:
	rm -rf $(PKG_DIR)/rpm && mkdir -p $(PKG_DIR)/rpm/SOURCES $(PKG_DIR)/rpm/SPECS \
		$(PKG_DIR)/rpm/src/gunyah-$(GUNYAH_VERSION)
	sed -e 's/@VERSION@/$(GUNYAH_VERSION)/g' rpm/gunyah.spec \
		> $(PKG_DIR)/rpm/SPECS/gunyah.spec
	tar -cf - $(PKG_EXCLUDES) . | tar -xf - -C $(PKG_DIR)/rpm/src/gunyah-$(GUNYAH_VERSION)
	tar -czf $(PKG_DIR)/rpm/SOURCES/gunyah-$(GUNYAH_VERSION).tar.gz -C $(PKG_DIR)/rpm/src gunyah-$(GUNYAH_VERSION)
	@# --nodeps where rpm's own database is empty (Debian): BuildRequires
	@# are Debian packages there, not rpms.
	rpmbuild --define '_topdir $(PKG_DIR)/rpm' \
		$$(rpm -q rpm >/dev/null 2>&1 || echo --nodeps) -ba $(PKG_DIR)/rpm/SPECS/gunyah.spec
	@ls $(PKG_DIR)/rpm/RPMS/*/*.rpm
	rpmlint -r rpm/gunyah.rpmlintrc $(PKG_DIR)/rpm/SPECS/gunyah.spec \
		$(PKG_DIR)/rpm/SRPMS/*.rpm $(PKG_DIR)/rpm/RPMS/*/*.rpm
