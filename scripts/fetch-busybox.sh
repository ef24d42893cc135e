#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Unpack Debian's busybox-static for another architecture (arm64) into a
# cache outside the repository, for the test VM's initramfs, and print the
# binary's path. apt-get download + dpkg-deb -x: nothing is installed.
set -euo pipefail

arch=$1
# shellcheck source=SCRIPTDIR/fetch-lib.sh
. "$(dirname "$0")/fetch-lib.sh"
root=$cache/busybox-$arch

fetch_deb "$root" "busybox-static:$arch"
echo "$root/bin/busybox"
