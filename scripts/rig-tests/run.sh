#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Tests of the VM test rig itself: a deliberately broken module, a
# deliberately failing selftest and a kernel that dies before userspace
# must each make a run fail, for the reason they were planted for.
#   run.sh TARGET   (prints "ok|FAIL rig.negative_*" lines and "P F" in $RESULT)
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
target=$1
kver=$("$top/scripts/kernels.sh" version "$target")
work=${BUILD_DIR:-$top/build}/$kver/rig-tests
ksft=$("$top/scripts/ksft-headers.sh")
pass=0 fail=0
rm -rf "$work"
mkdir -p "$work"

expect_failure() { # name, expected FAIL pattern, vmtest args...
	local name=$1 pattern=$2 log=$work/$1.log
	shift 2
	if VM_TAG=-$name "$top/scripts/vmtest.sh" "$@" "$target" >"$log" 2>&1; then
		echo "FAIL $kver rig.$name (the run passed; log: $log)"
		fail=$((fail + 1))
	elif grep -qE "$pattern" "$log"; then
		echo "ok   $kver rig.$name"
		pass=$((pass + 1))
	else
		echo "FAIL $kver rig.$name (failed, but not for the planted reason; log: $log)"
		fail=$((fail + 1))
	fi
}

# 1. a module that WARNs on load
cp "$top/scripts/rig-tests/rig_broken.c" "$top/scripts/rig-tests/Kbuild" "$work/"
if make -s -C "$("$top/scripts/fetch-headers.sh" "$kver")" M="$work" modules >"$work/build.log" 2>&1; then
	expect_failure negative_broken_module '^FAIL .* rig\.no_kernel_splat' \
		--tests gunyah_dev --extra-module "$work/rig_broken.ko"
else
	echo "FAIL $kver rig.negative_broken_module (cannot build it: $work/build.log)"
	fail=$((fail + 1))
fi

# 2. a selftest that fails
if gcc -O2 -static -pthread -I"$ksft" -o "$work/rig_failing" \
	"$top/scripts/rig-tests/rig_failing.c" 2>"$work/cc.log"; then
	expect_failure negative_failing_test '^FAIL .* rig_failing: ' \
		--tests gunyah_dev --extra-test "$work/rig_failing"
else
	echo "FAIL $kver rig.negative_failing_test (cannot build it: $work/cc.log)"
	fail=$((fail + 1))
fi

# 3. a kernel that dies before userspace every time: booted twice, then
# judged (no init: the kernel panics at the end of its boot)
VM_APPEND=rdinit=/nonexistent expect_failure negative_early_death \
	'died before userspace.*booting again' --tests gunyah_dev
if ! [ "$(grep -c 'died before userspace' "$work/negative_early_death.log" 2>/dev/null)" = 1 ]; then
	echo "FAIL $kver rig.negative_early_death_retried_once (log: $work/negative_early_death.log)"
	fail=$((fail + 1))
fi

echo "$pass $fail 0" > "$work/result"
[ "$fail" = 0 ]
