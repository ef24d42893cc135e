#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make install`: lay the selftests out as the kernel's kselftest install
# does, so that kselftest users run them the way they run any other:
#   DEST/run_kselftest.sh, DEST/kselftest/   the runner (from linux-source)
#   DEST/kselftest-list.txt                  "gunyah:<program>" per line
#   DEST/gunyah/<programs> settings config   the programs and their needs
# then `DEST/run_kselftest.sh` (or -c gunyah, -t gunyah:vcpu_exits).
#   [BUILD_DIR=dir] [CC=cc] [KSFT_DIR=dir] ksft-install.sh DEST
# KSFT_DIR: a kernel's tools/testing/selftests to take the harness and the
# runner from (default: Debian's linux-source, scripts/ksft-headers.sh)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:?usage: ksft-install.sh DEST}
build=${BUILD_DIR:-$top/build}
ksft=${KSFT_DIR:-$("$top/scripts/ksft-headers.sh")}
out=$build/selftests
st=(-s --no-print-directory -C "$top/selftests/gunyah" KSFT_DIR="$ksft" OUTPUT="$out")

mkdir -p "$out"
make "${st[@]}"
rm -rf "$dest"
mkdir -p "$dest/gunyah"
install -m755 "$ksft/run_kselftest.sh" "$dest/"
cp -r "$ksft/kselftest" "$dest/"
make "${st[@]}" emit_tests COLLECTION=gunyah > "$dest/kselftest-list.txt"
while IFS=: read -r _ prog; do
	install -m755 "$out/$prog" "$dest/gunyah/"
done < "$dest/kselftest-list.txt"
install -m644 "$top/selftests/gunyah/settings" "$top/selftests/gunyah/config" \
	"$dest/gunyah/"
echo "installed $(wc -l < "$dest/kselftest-list.txt") programs in $dest"
