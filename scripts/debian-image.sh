#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A small Debian 12 system to install the packages into, as a user would:
# built from Debian's archive with mmdebstrap (Debian's own tool; it
# needs no loop device, bootloader or partition table, and builds in a
# few minutes), cached outside the repository like the kernels, and
# booted by scripts/debian-testbed.sh with its own kernel and initrd.
# It holds systemd, an ssh server (the autopkgtest testbed's way in), the
# stock linux-image-amd64 with its headers, and dkms with its compiler,
# so that a test run only adds the packages under test; apt-utils and
# the package lists, which autopkgtest uses to install them.
# Prints the folder: rootfs.ext4, vmlinuz, initrd.img, id_ed25519.
set -euo pipefail

cache=${GUNYAH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gunyah-dkms}
arch=$(dpkg --print-architecture)
pkgs=systemd-sysv,udev,openssh-server,apt-utils,linux-image-$arch,linux-headers-$arch,dkms,kmod,perl,ifupdown,isc-dhcp-client,ca-certificates
# the image follows the archive: a new kernel or package set, a new image
key=$(printf '%s\n' "$pkgs" "$(apt-cache show --no-all-versions "linux-image-$arch" |
	sed -n 's/^Version: //p')" "$(sha256sum < "$0")" | sha256sum | cut -c1-12)
dir=$cache/debian-image/$arch-$key

mkdir -p "$cache/debian-image"
exec 9> "$cache/debian-image/.lock"
flock 9
if [ -f "$dir/.done" ]; then
	echo "$dir"
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "building the image needs root (mmdebstrap, mke2fs -d)" >&2; exit 1; }
rm -rf "$dir"
mkdir -p "$dir"
start=$(date +%s)
echo "debian image: mmdebstrap bookworm ($pkgs), log $dir/build.log" >&2
ssh-keygen -q -t ed25519 -N '' -C gunyah-testbed -f "$dir/id_ed25519"
root=$dir/root
{
	mmdebstrap --variant=apt --include="$pkgs" --skip=cleanup/apt/lists \
		--customize-hook='echo gunyah-testbed > "$1/etc/hostname"' \
		--customize-hook='printf "/dev/vda / ext4 errors=remount-ro 0 1\n" > "$1/etc/fstab"' \
		--customize-hook='printf "auto lo\niface lo inet loopback\nallow-hotplug eth0\niface eth0 inet dhcp\n" > "$1/etc/network/interfaces"' \
		--customize-hook="mkdir -p -m700 \"\$1/root/.ssh\" && cp $dir/id_ed25519.pub \"\$1/root/.ssh/authorized_keys\"" \
		--customize-hook='chroot "$1" passwd -d root' \
		bookworm "$root" "deb http://deb.debian.org/debian bookworm main" \
		"deb http://deb.debian.org/debian bookworm-updates main" \
		"deb http://deb.debian.org/debian-security bookworm-security main" &&
	cp -L "$root/vmlinuz" "$dir/vmlinuz" &&
	cp -L "$root/initrd.img" "$dir/initrd.img" &&
	# room for the packages under test and DKMS's builds
	mke2fs -q -t ext4 -L gunyah-testbed -d "$root" "$dir/rootfs.ext4" 4G
} > "$dir/build.log" 2>&1 || { tail -n 30 "$dir/build.log" >&2; echo "debian image: build failed" >&2; exit 1; }
rm -rf "$root"
touch "$dir/.done"
echo "debian image: built in $(( $(date +%s) - start )) s, $(du -sh "$dir" | cut -f1)" >&2
# keep the cache to the current key
for old in "$cache/debian-image"/*/; do
	[ "${old%/}" = "$dir" ] || rm -rf "$old"
done
echo "$dir"
