#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make sweep`: the long fault-injection sweep (selftests/gunyah/fault_sweep,
# docs/fault-injection.md) on every kernel target: build, boot each kernel
# under QEMU, run fault_sweep with FAULT_SWEEP=long, and end with one line
# "N passed, N failed, N skipped". `make check` runs its short mode.
#   KERNELS="6.1 6.12"   kernel targets (default: both)
#   FAULT_SWEEP_SEED=N   replay a sweep (the seed is printed in its output)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
kernels=${KERNELS:-$("$top/scripts/kernels.sh" list)}
pass=0 fail=0 skip=0
cd "$top" || exit 1

env="FAULT_SWEEP=long TEST_TIMEOUT=${SWEEP_TIMEOUT:-3000}"
[ -z "${FAULT_SWEEP_SEED:-}" ] || env="$env FAULT_SWEEP_SEED=$FAULT_SWEEP_SEED"

mkdir -p "$build/selftests"
if ! ksft=$(scripts/ksft-headers.sh) ||
   ! make -s -C selftests/gunyah KSFT_DIR="$ksft" OUTPUT="$build/selftests" \
	> "$build/selftests.log" 2>&1; then
	cat "$build/selftests.log"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
for k in $kernels; do
	kver=$(scripts/kernels.sh version "$k") || { fail=$((fail + 1)); continue; }
	if ! scripts/build-modules.sh "$kver" > "$build/modules-$kver.log" 2>&1; then
		tail -n 30 "$build/modules-$kver.log"
		fail=$((fail + 1))
		continue
	fi
	VM_TIMEOUT=${VM_TIMEOUT:-3600} scripts/vmtest.sh --env "$env" --tests fault_sweep "$k"
	if read -r p f s < "$build/$kver/vm${VM_TAG:-}/result"; then
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	else
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
