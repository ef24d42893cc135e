#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make demo`: build for the first kernel target, boot it under QEMU and
# show the driver at work (scripts/guest/demo.sh runs in the guest).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
target=${KERNELS:-6.1}
target=${target%% *}
cd "$top"
scripts/deps.sh demo
kver=$(scripts/kernels.sh version "$target")
scripts/build-modules.sh "$kver"
mkdir -p "$build/tools"
gcc -O2 -Wall -Werror -static -pthread -Iuapi -o "$build/tools/gunyah-demo" tools/gunyah-demo.c
gcc -O2 -Wall -Werror -static -pthread -Iuapi -o "$build/tools/gunyah-vmm" tools/gunyah-vmm.c
BUILD_DIR=$build scripts/tiny-guest.sh
scripts/vmtest.sh --demo "$target" > "$build/demo.log" 2>&1 || true
vm=$build/$kver/vm
if [ -f "$vm/share/out/demo.txt" ]; then
	cat "$vm/share/out/demo.txt"
else
	echo "the guest did not report; console log: $vm/console.log" >&2
	exit 1
fi
tail -n 3 "$build/demo.log"
