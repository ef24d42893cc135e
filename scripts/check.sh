#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make check`: install what is needed, build for every kernel target,
# boot each under QEMU, run the selftests, test the rig itself, and end
# with one line "N passed, N failed, N skipped" summing everything.
#   KERNELS="6.1 6.12 arm64-6.1 arm64-6.12"  kernel targets (default: all)
#   TESTS="a b"         selftest programs (default: all); skips the rig's
#                       own negative controls when set
#   DEBUG_LANE=0        skip the debug-kernel lane
#   ARM64=0             skip the arm64 lane (its targets: the arm64-* ones
#                       of KERNELS, or ARM64_KERNELS)
#   DISTRO_TEST=0       skip the packages in a booted Debian 12 system
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
# KERNELS may mix both: "6.1 arm64-6.12" runs one amd64 and one arm64 target
kernels="" arm_kernels=""
for k in ${KERNELS:-$("$top/scripts/kernels.sh" list) $("$top/scripts/kernels.sh" list-arm64)}; do
	case "$k" in
	arm64-*) arm_kernels="$arm_kernels $k" ;;
	*) kernels="$kernels $k" ;;
	esac
done
kernels=${kernels# } arm_kernels=${ARM64_KERNELS:-${arm_kernels# }}
tests=${TESTS:-}
cd "$top" || exit 1

# shellcheck source=SCRIPTDIR/lane-lib.sh
. "$top/scripts/lane-lib.sh"
summary() {
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" = 0 ]
	exit
}

# what is about to run, where its log goes and roughly how long it takes
lane() { echo "== $(date +%H:%M:%S) $*"; }
lane "deps: what make check needs, from Debian (log $build.deps.log; minutes on a fresh machine)"
if scripts/deps.sh check > "$build.deps.log" 2>&1; then
	ok "deps.installed"
else
	cat "$build.deps.log"
	bad "deps.installed"
	summary
fi
mkdir -p "$build"
mv "$build.deps.log" "$build/deps.log"
rm -f "$build"/accel-*	# vmtest.sh probes KVM afresh once per run

# selftests: built once, statically, run on every kernel
lane "selftests: build and the kselftest layout (log $build/selftests.log; ~1 min)"
mkdir -p "$build/selftests"
if ksft=$(scripts/ksft-headers.sh) &&
   make -s -C selftests/gunyah KSFT_DIR="$ksft" OUTPUT="$build/selftests" \
	> "$build/selftests.log" 2>&1; then
	ok "build.selftests"
	# make install's kselftest layout, run by kselftest's runner below
	if scripts/ksft-install.sh "$build/kselftest_install" >> "$build/selftests.log" 2>&1; then
		ok "build.kselftest_install"
	else
		tail -n 20 "$build/selftests.log"
		bad "build.kselftest_install"
	fi
else
	cat "$build/selftests.log"
	bad "build.selftests"
fi

# ---- a booted Debian system (scripts/distro-test.sh) ----------------------
# autopkgtest installs the .debs into Debian 12 under QEMU, DKMS builds for
# its stock kernel, debian/tests runs the installed selftests through
# run_kselftest.sh: ~12 min under TCG on a quiet host, mostly the guest
# compiling. It runs beside the lanes below at the lowest priority, on the
# CPU they leave idle, and its lines come at the end. DISTRO_TEST=0 skips it.
distro_pid="" distro_start=""
if [ -z "$tests" ] && [ "${DISTRO_TEST:-1}" != 0 ]; then
	distro_start=$(date +%H:%M:%S)
	lane "Debian system: autopkgtest of the .debs in a booted Debian 12, in the background (log $build/distro-test.log; ~15-25 min)"
	rm -f "$build/distro-test/result"
	# its own process group, so that an interrupted make check takes
	# autopkgtest and the testbed's QEMU with it. A new session is a new
	# scheduler autogroup, which nice alone does not lower against the
	# other lanes' group (it took half the CPUs and the lanes ran at half
	# speed): the autogroup's own nice does.
	BUILD_DIR=$build setsid sh -c 'echo 19 > /proc/self/autogroup 2>/dev/null
		exec nice -n 19 scripts/distro-test.sh' > "$build/distro-test.log" 2>&1 &
	distro_pid=$!
	trap '[ -z "$distro_pid" ] || kill -- -"$distro_pid" 2>/dev/null; exit 130' INT TERM
else
	echo "skip the Debian system lane (TESTS set or DISTRO_TEST=0)"
fi

for k in $kernels; do
	lane "kernel $k: build the modules (log $build/modules-<version>.log), boot, run every selftest (~2-3 min under TCG)"
	kernel_suite "$k" "$build"
done

if [ -z "$tests" ] && [ -n "$kernels" ]; then
	first=${kernels%% *}
	lane "rig: its negative controls, the non-root and lockdown runs, the VMM (~3 min)"
	scripts/rig-tests/run.sh "$first"
	add_result "$build/$(scripts/kernels.sh version "$first")/rig-tests/result"
	# The installed suite through kselftest's run_kselftest.sh, as a user
	# without access (every program skips, saying why) and as root in a
	# locked-down (Secure Boot) kernel
	for access in nonroot lockdown; do
		rm -f "$build/$(scripts/kernels.sh version "$first")/vm-$access/result"
		VM_TAG=-$access scripts/vmtest.sh --runner --access "$access" "$first"
		add_result "$build/$(scripts/kernels.sh version "$first")/vm-$access/result"
	done
	rm -f "$build/vmm-test/result"
	scripts/vmm-test.sh "$first"
	add_result "$build/vmm-test/result"
fi

# ---- arm64 lane (scripts/arm64-lane.sh) -----------------------------------
# Debian's arm64 kernels on qemu-system-aarch64: cross-built modules and
# selftests, the whole suite on gunyah_sim, and the "gunyah" hypervisor
# driver's device-tree probing without Gunyah. ARM64=0 skips it.
if [ "${ARM64:-1}" != 0 ] && [ -n "$arm_kernels" ]; then
	lane "arm64: $arm_kernels under qemu-system-aarch64 (logs in $build/arm64/; ~6 min)"
	rm -f "$build/arm64/result"
	ARM64_KERNELS=$arm_kernels scripts/arm64-lane.sh
	add_result "$build/arm64/result"
else
	echo "skip arm64 lane (ARM64=0 or no arm64 target in KERNELS)"
fi
# ---- end of the arm64 lane -------------------------------------------------

# ---- debug-kernel lane (scripts/debug-lane.sh) ----------------------------
# KASAN, lockdep, kmemleak, UBSAN, the kernel's fault_attr and gcov: a debug
# kernel built from Debian's linux-source (cached outside the repo), the
# whole suite on it, any report fails; prints the coverage summary line.
if [ "${DEBUG_LANE:-1}" != 0 ]; then
	lane "debug kernel: KASAN, lockdep, kmemleak, gcov (logs in $build/debug/; ~10 min to build it once, then ~7 min)"
	scripts/debug-lane.sh
	add_result "$build/debug/result"
else
	echo "skip debug lane (DEBUG_LANE=0)"
fi
# ---- end of the debug-kernel lane ------------------------------------------

# static analysis (make lint): sparse runs against every kernel target
if [ -z "$tests" ]; then
	kvers=
	arm=""
	[ "${ARM64:-1}" = 0 ] || arm=$arm_kernels
	for k in $kernels $arm; do
		kvers="$kvers $(scripts/kernels.sh version "$k")"
	done
	lane "lint: checkpatch, sparse on every kernel, coccinelle, kernel-doc (~3 min)"
	# shellcheck disable=SC2086 # one argument per kernel
	scripts/lint.sh $kvers
	add_result "$build/lint/result"
fi

# ---- packaging install test (scripts/pkg-test.sh) --------------------------
# make deb and make rpm (lintian, rpmlint), install the .debs on this machine,
# DKMS builds for every kernel target, an older kernel is skipped, Debian's
# dkms-autopkgtest, each kernel booted with the modules DKMS installed in
# /lib/modules/KVER/updates/dkms, then purge and nothing left. Needs root;
# a few minutes. Not run in quick loops (TESTS set) or with PKG_TEST=0.
if [ -z "$tests" ] && [ "${PKG_TEST:-1}" != 0 ] && [ -n "$kernels" ]; then
	lane "packaging: .deb and .rpm, install, DKMS, boot with the installed modules, purge (logs in $build/pkg-test/; ~6 min)"
	BUILD_DIR=$build KERNELS="$kernels" scripts/pkg-test.sh
	add_result "$build/pkg-test/result"
else
	echo "skip packaging install test (TESTS set or PKG_TEST=0)"
fi
# ---- end of the packaging install test -------------------------------------

# ---- a booted Debian system: its result ----------------------------------
if [ -n "$distro_pid" ]; then
	lane "Debian system: waiting for the lane started at $distro_start"
	wait "$distro_pid"
	distro_pid=
	cat "$build/distro-test.log"
	add_result "$build/distro-test/result"
fi

summary
