#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Unpack kselftest_harness.h, kselftest.h and lib.mk from Debian's
# linux-source-6.1 package into a cache outside the repository (never
# committed). Prints the directory that holds them.
set -euo pipefail

cache=${GUNYAH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gunyah-dkms}
dir=$cache/ksft
tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null | head -n1)

if [ ! -f "$dir/kselftest_harness.h" ]; then
	[ -n "$tarball" ] || { echo "linux-source-6.1 is not installed" >&2; exit 1; }
	mkdir -p "$dir.tmp"
	tar -xJf "$tarball" -C "$dir.tmp" --wildcards --strip-components=4 \
		'*/tools/testing/selftests/kselftest_harness.h' \
		'*/tools/testing/selftests/kselftest.h' \
		'*/tools/testing/selftests/lib.mk'
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
fi
echo "$dir"
