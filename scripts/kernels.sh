#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Resolve the kernel targets at run time from Debian's metapackages.
#   kernels.sh list           -> "6.1 6.12"
#   kernels.sh version 6.1    -> e.g. 6.1.0-56-amd64
set -euo pipefail

ARCH_FLAVOUR=${ARCH_FLAVOUR:-amd64}

metapkg() {
	case "$1" in
	6.1) echo "linux-headers-$ARCH_FLAVOUR" ;;
	6.12) echo "linux-headers-6.12-$ARCH_FLAVOUR" ;;
	*) echo "unknown kernel target '$1' (known: 6.1 6.12)" >&2; exit 2 ;;
	esac
}

version() {
	local pkg dep
	pkg=$(metapkg "$1")
	# The metapackage depends on linux-headers-<version>; take that version.
	dep=$(apt-cache depends "$pkg" 2>/dev/null |
	      sed -n 's/^ *Depends: linux-headers-\([0-9].*-'"$ARCH_FLAVOUR"'\)$/\1/p' | head -n1)
	if [ -z "$dep" ]; then
		echo "cannot resolve kernel target $1 from $pkg (apt-get update?)" >&2
		exit 1
	fi
	echo "$dep"
}

case "${1:-}" in
list) echo "6.1 6.12" ;;
metapkg) metapkg "$2" ;;
version) version "$2" ;;
*) echo "usage: $0 list | metapkg TARGET | version TARGET" >&2; exit 2 ;;
esac
