#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Resolve the kernel targets at run time from Debian's metapackages.
#   kernels.sh list           -> "6.1 6.12"           (amd64, this machine)
#   kernels.sh list-arm64     -> "arm64-6.1 arm64-6.12" (cross-built, TCG)
#   kernels.sh version 6.1    -> e.g. 6.1.0-56-amd64
#   kernels.sh version arm64-6.12 -> e.g. 6.12.117+deb12-arm64
# arm64 targets need `dpkg --add-architecture arm64` (scripts/deps.sh):
# their packages are only ever downloaded and unpacked, never installed.
set -euo pipefail

flavour=amd64 qual=""

metapkg() {
	local t=$1
	case "$t" in
	arm64-*)
		t=${t#arm64-} flavour=arm64
		[ "$(dpkg --print-architecture)" = arm64 ] || qual=:arm64 ;;
	esac
	case "$t" in
	6.1) echo "linux-headers-$flavour$qual" ;;
	6.12) echo "linux-headers-6.12-$flavour$qual" ;;
	*) echo "unknown kernel target '$1' (known: 6.1 6.12 arm64-6.1 arm64-6.12)" >&2; exit 2 ;;
	esac
}

version() {
	local pkg dep
	pkg=$(metapkg "$1")
	metapkg "$1" > /dev/null	# sets flavour and qual here too
	# The metapackage depends on linux-headers-<version>; take that version.
	dep=$(apt-cache depends "$pkg" 2>/dev/null |
	      sed -n 's/^ *Depends: linux-headers-\([0-9].*-'"$flavour"'\)'"$qual"'$/\1/p' | head -n1)
	if [ -z "$dep" ]; then
		echo "cannot resolve kernel target $1 from $pkg (apt-get update?)" >&2
		exit 1
	fi
	echo "$dep"
}

case "${1:-}" in
list) echo "6.1 6.12" ;;
list-arm64) echo "arm64-6.1 arm64-6.12" ;;
metapkg) metapkg "$2" ;;
version) version "$2" ;;
*) echo "usage: $0 list | list-arm64 | metapkg TARGET | version TARGET" >&2; exit 2 ;;
esac
