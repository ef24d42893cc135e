#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Unpack Debian's kernel headers for KVER (…-amd64 or …-arm64) into a cache
# outside the repository and print the tree to build against (for arm64 on
# another machine, with ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-).
# Never `apt-get install` them: the bookworm 6.12 headers depend on their
# kernel image, which would become the host's boot kernel, and the :arm64
# ones would replace the native gcc, binutils and dkms.
# The tree's scripts/ and tools/ point at linux-kbuild, whose programs
# (fixdep, modpost) must run here: link the host's own linux-kbuild of the
# same version (unpacked from the host-arch package when the host has
# none). Its Makefile includes the arch-independent -common tree; unpacked
# too when the host has none.
set -euo pipefail

kver=$1
# shellcheck source=SCRIPTDIR/fetch-lib.sh
. "$(dirname "$0")/fetch-lib.sh"
arch=${kver##*-}
qual=""
[ "$arch" = "$(dpkg --print-architecture)" ] || qual=:$arch
cache=$(realpath -m "$cache")
root=$cache/headers/$kver
tree=$root/usr/src/linux-headers-$kver

# after the headers package is unpacked into $root, before $root/.done
common_and_kbuild() {
	# "include /usr/src/linux-headers-<ver>-common/Makefile"
	common=$(sed -n 's|^include /usr/src/\(linux-headers-[^/]*-common\)/Makefile$|\1|p' "$tree/Makefile")
	[ -n "$common" ] || { echo "unexpected $tree/Makefile" >&2; exit 1; }
	if [ ! -d "/usr/src/$common" ]; then
		deb_x "$common" "$root"
		sed -i "s|/usr/src/$common/|$root/usr/src/$common/|" "$tree/Makefile"
	fi
	# scripts -> ../../lib/linux-kbuild-<series>/scripts
	kbuild=$(readlink "$tree/scripts")
	kbuild=${kbuild#../../lib/}
	kbuild=${kbuild%/scripts}
	if [ -d "/usr/lib/$kbuild" ]; then
		mkdir -p "$root/usr/lib"
		ln -sfn "/usr/lib/$kbuild" "$root/usr/lib/$kbuild"
	else	# no kbuild on the host, or another version: the host-arch one
		deb_x "$kbuild" "$root"
	fi
}
fetch_deb "$root" "linux-headers-$kver$qual" common_and_kbuild
# the host's kbuild may have gone (apt autoremove) since the cache was made
[ -x "$tree/scripts/basic/fixdep" ] || {
	echo "$tree/scripts does not resolve: rm -r $root and run again" >&2
	exit 1
}
echo "$tree"
