#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Unpack Debian's busybox-static for another architecture (arm64) into a
# cache outside the repository, for the test VM's initramfs, and print the
# binary's path. apt-get download + dpkg-deb -x: nothing is installed.
set -euo pipefail

arch=$1
cache=${GUNYAH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gunyah-dkms}
root=$cache/busybox-$arch

if [ ! -f "$root/.done" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	chmod 0777 "$tmp"	# apt drops to _apt for the download
	(cd "$tmp" && apt-get download -q "busybox-static:$arch" >&2)
	rm -rf "$root"
	mkdir -p "$root"
	dpkg-deb -x "$tmp"/busybox-static_*.deb "$root"
	touch "$root/.done"
fi
echo "$root/bin/busybox"
