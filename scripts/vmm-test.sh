#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The VMM lane of `make check`: the tiny aarch64 guest boots on plain QEMU
# (it prints its line and powers off), and tools/gunyah-vmm runs its
# simulator twin to the STATUS exit in a booted Debian kernel (the demo).
#   scripts/vmm-test.sh TARGET      e.g. 6.1; modules already built
# Writes "PASSED FAILED SKIPPED" to $BUILD_DIR/vmm-test/result.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
target=${1:?usage: vmm-test.sh TARGET}
out=$build/vmm-test
mkdir -p "$out" "$build/tools"
cd "$top" || exit 1
RESULT_PREFIX=vmm.
# shellcheck source=SCRIPTDIR/lane-lib.sh
. "$top/scripts/lane-lib.sh"

if BUILD_DIR=$build scripts/tiny-guest.sh --qemu > "$out/tiny-guest.log" 2>&1; then
	ok tiny_guest_prints_and_powers_off_on_qemu
else
	cat "$out/tiny-guest.log"
	bad tiny_guest_prints_and_powers_off_on_qemu
fi

if gcc -O2 -Wall -Werror -static -pthread -Iuapi -o "$build/tools/gunyah-vmm" tools/gunyah-vmm.c &&
   gcc -O2 -Wall -Werror -static -pthread -Iuapi -o "$build/tools/gunyah-demo" tools/gunyah-demo.c; then
	ok build_tools
else
	bad build_tools
fi

kver=$(scripts/kernels.sh version "$target")
demo=$build/$kver/vm/share/out/demo.txt
rm -f "$demo"
BUILD_DIR=$build scripts/vmtest.sh --demo "$target" > "$out/demo.log" 2>&1
msg=$(sed -n 's/^[[:space:]]*\.asciz[[:space:]]*"\(.*\)\\n"$/\1/p' tools/guest/tiny-guest.S)
if [ -f "$demo" ] && grep -qxF "guest: $msg" "$demo" &&
   grep -qx "VM stopped: status exited, exit type 1" "$demo" &&
   grep -qx "gunyah-vmm exit status 0" "$demo"; then
	ok vmm_runs_the_sim_twin_to_the_status_exit
else
	[ -f "$demo" ] && cat "$demo" || tail -n 20 "$out/demo.log"
	bad vmm_runs_the_sim_twin_to_the_status_exit
fi
if [ -f "$demo" ] && grep -q "VM exited; counter served 2 reads" "$demo"; then
	ok demo_vmm_runs
else
	bad demo_vmm_runs
fi
echo "$pass $fail 0" > "$out/result"
