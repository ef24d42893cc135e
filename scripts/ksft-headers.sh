#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Unpack the kselftest harness (kselftest_harness.h, kselftest.h, lib.mk)
# and its runner (run_kselftest.sh, kselftest/) from Debian's linux-source
# package into a cache outside the repository (never committed). Takes
# whichever linux-source-X the distribution installed (the linux-source
# metapackage: 6.1 on bookworm, 6.12 on trixie), the newest if several;
# KSFT_SOURCE=6.12 picks one. Prints the directory that holds them.
set -euo pipefail

cache=${GUNYAH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gunyah-dkms}
if [ -n "${KSFT_SOURCE:-}" ]; then
	tarball=/usr/src/linux-source-$KSFT_SOURCE.tar.xz
else
	tarball=$(ls -v /usr/src/linux-source-[0-9]*.tar.xz 2>/dev/null | tail -n1)
fi
[ -n "$tarball" ] && [ -f "$tarball" ] ||
	{ echo "no linux-source-X is installed (apt-get install linux-source)" >&2; exit 1; }
series=${tarball##*/linux-source-}
series=${series%.tar.xz}
dir=$cache/ksft-$series

if [ ! -f "$dir/.done" ]; then
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -xJf "$tarball" -C "$dir.tmp" --wildcards --strip-components=4 \
		'*/tools/testing/selftests/kselftest_harness.h' \
		'*/tools/testing/selftests/kselftest.h' \
		'*/tools/testing/selftests/lib.mk' \
		'*/tools/testing/selftests/run_kselftest.sh' \
		'*/tools/testing/selftests/kselftest/*'
	echo "$series" > "$dir.tmp/.done"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
fi
echo "$dir"
