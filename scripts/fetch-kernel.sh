#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Unpack Debian's kernel image package for KVER into a cache outside the
# repository (apt-get download + dpkg-deb -x, no postinst), run depmod on
# it and print the folder. A second run finds it and does nothing.
# An arm64 KVER (…-arm64) on another machine takes the :arm64 package.
set -euo pipefail

kver=$1
qual=""
case "$kver" in
*-arm64) [ "$(dpkg --print-architecture)" = arm64 ] || qual=:arm64 ;;
esac
cache=${GUNYAH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gunyah-dkms}
root=$cache/kernels/$kver

if [ ! -f "$root/.done" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	chmod 0777 "$tmp"	# apt drops to _apt for the download
	(cd "$tmp" && apt-get download -q "linux-image-$kver-unsigned$qual" >&2)
	rm -rf "$root"
	mkdir -p "$root"
	dpkg-deb -x "$tmp"/linux-image-*.deb "$root"
	depmod -b "$root" "$kver"
	touch "$root/.done"
fi
echo "$root"
