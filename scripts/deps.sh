#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Install what a command needs, from Debian's archive only. Idempotent:
# when every package is present it only checks.
#   deps.sh demo    what `make demo` needs: build the modules, boot a
#                   kernel under QEMU, the tools and the tiny aarch64 guest
#   deps.sh check   (default) everything `make check` runs as well: lint,
#                   packaging, the debug kernel, the arm64 lane
# No kernel image or headers package is ever installed: the kernels and
# their headers are downloaded and unpacked into the cache
# (scripts/fetch-kernel.sh, scripts/fetch-headers.sh), so the host's boot
# kernel stays as it is.
set -euo pipefail

profile=${1:-check}
demo=(
	make gcc libc6-dev bc				# kbuild, static tools
	kmod cpio xz-utils zstd busybox-static		# initramfs, kernel modules
	pahole						# 6.12's BTF step: linux-kbuild-6.12 needs it
	qemu-system-x86					# the test VMs
	gcc-aarch64-linux-gnu				# the tiny aarch64 guest
)
check=(
	linux-source					# kselftest harness and runner, checkpatch
	coccinelle ocaml-nox sparse			# make lint
	dkms debhelper dh-dkms dpkg-dev fakeroot	# make deb, the install test
	lintian rpm rpmlint bzip2 openssl pkg-config	# lint, make rpm, module signing
	flex bison libelf-dev lcov			# the debug kernel, its coverage report
	qemu-system-arm libc6-dev-arm64-cross		# the arm64 lane (arm64-lane.sh)
	device-tree-compiler
	autopkgtest autodep8 mmdebstrap qemu-utils	# the Debian system (distro-test.sh)
	openssh-client e2fsprogs
)
case "$profile" in
demo) pkgs=("${demo[@]}") ;;
check) pkgs=("${demo[@]}" "${check[@]}") ;;
*) echo "usage: $0 [demo|check]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
# The arm64 lane downloads arm64 kernels, headers and busybox (apt-get
# download; never installed): apt must know the architecture. Only for
# make check: the demo adds no foreign architecture.
update=0
if [ "$profile" = check ] && [ "$(dpkg --print-architecture)" != arm64 ]; then
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		echo "adding the arm64 architecture to dpkg (downloads only)"
		$SUDO dpkg --add-architecture arm64
	fi
	# also when an earlier update failed after the architecture was added
	apt-cache show linux-headers-arm64:arm64 > /dev/null 2>&1 || update=1
fi
# kernels.sh resolves the targets from the metapackages' lists
apt-cache show "linux-headers-$(dpkg --print-architecture)" > /dev/null 2>&1 || update=1
[ ${#missing[@]} -eq 0 ] && [ "$update" = 0 ] && exit 0

$SUDO apt-get update -q
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing from Debian: ${missing[*]}"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
