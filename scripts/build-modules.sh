#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the modules for one installed kernel headers tree, W=1, in a
# private copy of the sources (Kbuild writes objects next to sources, so
# each kernel gets its own tree). Fails on any compiler warning.
#   [BUILD_DIR=dir] [MODULES_KDIR=tree] build-modules.sh KVER [EXTRA_MAKE_ARGS...]
# e.g. build-modules.sh 6.1.0-56-amd64 GUNYAH_ONLY="gunyah gunyah_sim"
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kver=$1; shift
kdir=${MODULES_KDIR:-/usr/src/linux-headers-$kver}	# or a kernel build tree
cross=()
# arm64 kernels on another machine: cross-built against privately
# unpacked headers (scripts/fetch-headers.sh)
case "$kver" in
*-arm64)
	if [ "$(uname -m)" != aarch64 ]; then
		[ -n "${MODULES_KDIR:-}" ] || kdir=$("$top/scripts/fetch-headers.sh" "$kver")
		cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	fi ;;
esac
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
