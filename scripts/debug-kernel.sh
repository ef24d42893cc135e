#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the debug lane's kernel (KASAN, lockdep, kmemleak, UBSAN, the
# fault-injection framework, gcov) from Debian's linux-source package:
# `make ARCH=x86_64 tinyconfig` + scripts/debug-kernel.config, everything
# built in (9p, virtio), into a cache outside the repository keyed by the
# source package's version and the fragment's hash. A second run finds it
# and only prints the tree. Prints the kernel build tree on stdout.
#   debug-kernel.sh            build if needed, print the tree
#   debug-kernel.sh --path     print the tree if it is built, else exit 1
# DEBUG_KERNEL_SOURCE=6.1 (default) or 6.12: which linux-source-X package.
#   6.1 is the default: 6.12's source in bookworm-security has the same
#   should_fail()/get_random code as 6.1 (see the fragment), so it does not
#   avoid fail_function's lockdep defect, and fail_function is off in both.
# JOBS=3 make -j; GUNYAH_CACHE: the cache (~/.cache/gunyah-dkms).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
frag=$top/scripts/debug-kernel.config
series=${DEBUG_KERNEL_SOURCE:-6.1}
pkg=linux-source-$series
tarball=/usr/src/linux-source-$series.tar.xz
cache=${GUNYAH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gunyah-dkms}/debug-kernel

srcver=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null) ||
	{ echo "$pkg is not installed (scripts/deps.sh)" >&2; exit 1; }
[ -f "$tarball" ] || { echo "no $tarball" >&2; exit 1; }
# the recipe below is part of the key too: bump when it changes
recipe=1
hash=$( { echo "recipe $recipe"; cat "$frag"; } | sha256sum | cut -c1-12)
key=$(echo "$series-$srcver-$hash" | tr -c 'A-Za-z0-9.\n-' '_')
dir=$cache/$key
tree=$dir/linux-source-$series

if [ "${1:-}" = --path ]; then
	[ -f "$dir/.done" ] || exit 1
	echo "$tree"
	exit 0
fi

mkdir -p "$cache"
# one build at a time on this machine (several checkouts share the cache)
exec 9> "$cache/.lock"
flock 9
if [ -f "$dir/.done" ]; then
	echo "$tree"
	exit 0
fi

start=$(date +%s)
rm -rf "$dir"
mkdir -p "$dir"
log=$dir/build.log
echo "debug kernel: building $pkg $srcver + debug-kernel.config ($key), log $log" >&2
fail() {
	tail -n 40 "$log" >&2
	echo "debug kernel: $*" >&2
	exit 1
}
tar -xJf "$tarball" -C "$dir" || fail "cannot unpack $tarball"
cd "$tree"
{
	make ARCH=x86_64 tinyconfig &&
	scripts/kconfig/merge_config.sh -m .config "$frag" &&
	make ARCH=x86_64 olddefconfig
} > "$log" 2>&1 || fail "configuration failed"

# every option of the fragment must have survived olddefconfig
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" .config || { echo "dropped: $line" >&2; missing=1; } ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		! grep -q "^$opt=" .config || { echo "still set: $opt" >&2; missing=1; } ;;
	esac
done < "$frag"
[ "$missing" = 0 ] || fail "the fragment does not apply to $pkg $srcver"

# bzImage for QEMU; `modules` (none are configured) writes Module.symvers,
# which external modules built against this tree need
# (a line a minute on the terminal: the build takes ~10 minutes)
progress() {
	while sleep 60; do
		echo "debug kernel: $(grep -c '^  CC ' "$log") files compiled," \
			"$(( $(date +%s) - start )) s" >&2
	done
}
progress &
ppid=$!
make ARCH=x86_64 -j"${JOBS:-3}" bzImage modules >> "$log" 2>&1 ||
	{ kill "$ppid"; fail "kernel build failed"; }
kill "$ppid"
[ -f Module.symvers ] || fail "no Module.symvers"
touch "$dir/.done"
echo "debug kernel: $(cat include/config/kernel.release) built in $(( $(date +%s) - start )) s," \
	"$(du -sh "$dir" | cut -f1)" >&2

# keep the cache to the current key (each tree is ~2 GB)
for old in "$cache"/*/; do
	[ "${old%/}" = "$dir" ] || rm -rf "$old"
done
echo "$tree"
