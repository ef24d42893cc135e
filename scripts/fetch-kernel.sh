#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Unpack Debian's kernel image package for KVER into a cache outside the
# repository (apt-get download + dpkg-deb -x, no postinst), run depmod on
# it and print the folder. A second run finds it and does nothing.
# An arm64 KVER (…-arm64) on another machine takes the :arm64 package.
set -euo pipefail

kver=$1
# shellcheck source=SCRIPTDIR/fetch-lib.sh
. "$(dirname "$0")/fetch-lib.sh"
qual=""
case "$kver" in
*-arm64) [ "$(dpkg --print-architecture)" = arm64 ] || qual=:arm64 ;;
esac
root=$cache/kernels/$kver

fetch_deb "$root" "linux-image-$kver-unsigned$qual" depmod -b "$root" "$kver"
echo "$root"
