#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Install what the build and the VM test rig need, from Debian's archive
# only. Idempotent: when every package is present it only checks.
set -euo pipefail

pkgs=(
	make gcc libc6-dev bc				# kbuild, static selftests
	kmod cpio xz-utils zstd busybox-static		# initramfs
	qemu-system-x86					# the test VMs
	linux-headers-amd64 linux-headers-6.12-amd64	# the kernel targets
	linux-source					# kselftest harness and runner, checkpatch
	coccinelle ocaml-nox sparse			# make lint
	dkms debhelper dh-dkms dpkg-dev fakeroot	# make deb, the install test
	lintian rpm rpmlint openssl pkg-config		# lint, make rpm, module signing
	flex bison libelf-dev				# the debug kernel (debug-kernel.sh)
	qemu-system-arm gcc-aarch64-linux-gnu		# the arm64 lane (arm64-lane.sh)
	libc6-dev-arm64-cross device-tree-compiler
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
# The metapackages move with security updates: make sure the headers they
# point to right now are installed too.
for t in 6.1 6.12; do
	if v=$("$(dirname "$0")/kernels.sh" version "$t" 2>/dev/null); then
		[ -d "/usr/src/linux-headers-$v" ] || missing+=("linux-headers-$v")
	fi
done
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
# The arm64 lane downloads arm64 kernels, headers and busybox (apt-get
# download; never installed): apt must know the architecture.
update=0
if [ "$(dpkg --print-architecture)" != arm64 ]; then
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		echo "adding the arm64 architecture to dpkg (downloads only)"
		$SUDO dpkg --add-architecture arm64
	fi
	# also when an earlier update failed after the architecture was added
	apt-cache show linux-headers-arm64:arm64 > /dev/null 2>&1 || update=1
fi
[ ${#missing[@]} -eq 0 ] && [ "$update" = 0 ] && exit 0

$SUDO apt-get update -q
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing from Debian: ${missing[*]}"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
