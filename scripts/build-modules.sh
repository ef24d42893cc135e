#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the modules for one kernel's headers tree, W=1, in a
# private copy of the sources (Kbuild writes objects next to sources, so
# each kernel gets its own tree). Fails on any compiler warning.
#   [BUILD_DIR=dir] [MODULES_KDIR=tree] build-modules.sh KVER [EXTRA_MAKE_ARGS...]
# e.g. build-modules.sh 6.1.0-56-amd64 GUNYAH_ONLY="gunyah gunyah_sim"
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kver=$1; shift
cross=()
case "$kver" in
*-arm64) [ "$(uname -m)" = aarch64 ] || cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-) ;;
esac
# Debian's headers, privately unpacked (scripts/fetch-headers.sh): never
# installed on the host. MODULES_KDIR: a kernel build tree instead.
kdir=${MODULES_KDIR:-$("$top/scripts/fetch-headers.sh" "$kver")}
out=${BUILD_DIR:-$top/build}/$kver/modules

[ -d "$kdir" ] || { echo "no headers for $kver at $kdir" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out"
cp -r "$top/Kbuild" "$top/src" "$top/uapi" "$out/"

log=$out/build.log
if ! make -C "$kdir" M="$out" W=1 "${cross[@]}" "$@" modules >"$log" 2>&1; then
	cat "$log" >&2
	echo "module build failed for $kver" >&2
	exit 1
fi
if grep -E 'warning:|error:' "$log" >&2; then
	echo "module build for $kver has warnings (W=1 must be clean)" >&2
	exit 1
fi
echo "built $(cd "$out" && ls ./*.ko | wc -l) modules for $kver"
