#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The packages in a booted Debian 12 system, as Debian's CI runs them:
# autopkgtest installs the built .debs into the system of
# scripts/debian-image.sh (booted by scripts/debian-testbed.sh, an
# autopkgtest-virt-ssh testbed), DKMS builds for its running stock kernel,
# and debian/tests/selftests loads the modules with modprobe and runs the
# installed selftests with kselftest's run_kselftest.sh. Each program's
# verdict is one line here; the whole suite runs under TCG in a full
# system, so this takes ~15 minutes (make check runs it beside its other
# lanes, at a lower priority: most of them keep one of two CPUs busy).
#   [BUILD_DIR=dir] distro-test.sh   (root: it builds the image)
# Prints ok/FAIL/skip lines; "P F S" goes to $BUILD_DIR/distro-test/result.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
work=$build/distro-test
start=$(date +%s)

# shellcheck source=SCRIPTDIR/lane-lib.sh
. "$top/scripts/lane-lib.sh"
finish() {
	echo "$pass $fail $skip" > "$work/result"
	echo "distro-test: $(($(date +%s) - start)) s wall"
	echo "distro-test: $pass passed, $fail failed, $skip skipped"
	exit 0
}
rm -rf "$work"
mkdir -p "$work"
cd "$top" || exit 1
unset MAKEFLAGS MAKELEVEL MFLAGS

# its own package folder: make check runs this beside pkg-test.sh
if make -s deb PKG_DIR="$work/pkg" > "$work/deb.log" 2>&1; then
	ok distro.build_deb
else
	tail -n 30 "$work/deb.log"; bad distro.build_deb; finish
fi
if img=$(scripts/debian-image.sh 2> "$work/image.log"); then
	ok "distro.image ($img)"
else
	cat "$work/image.log"; bad distro.image; finish
fi

# -B: the .changes brings the binaries; nothing is rebuilt in the testbed
changes=$(ls "$work/pkg/deb/"gunyah-dkms_*_*.changes | head -n1)
rc=0
# bounds well above a run on a loaded two-CPU machine (install with DKMS's
# build 18 min, the tests 4 min), well below autopkgtest's defaults
autopkgtest -B --test-name=selftests --output-dir "$work/out" \
	--timeout-install=2700 --timeout-test=1800 "$changes" \
	-- ssh -s "$top/scripts/debian-testbed.sh" -- "$work/testbed" \
	> "$work/autopkgtest.log" 2>&1 || rc=$?
# autopkgtest: 0 all passed, 2 some skipped, 4 some failed, other: trouble
summary=$(cat "$work/out/summary" 2>/dev/null)
if [ "$rc" = 0 ] && echo "$summary" | grep -q '^selftests *PASS'; then
	ok "distro.autopkgtest ($summary)"
else
	tail -n 40 "$work/autopkgtest.log"
	bad "distro.autopkgtest (exit $rc: ${summary:-no summary}; log $work/autopkgtest.log)"
fi
tap=$work/out/artifacts/kselftest.tap
while IFS= read -r line; do
	prog=$(echo "$line" | sed -E 's/^(not )?ok [0-9]+ selftests: gunyah: ([^ ]*).*/\2/')
	case "$line" in
	"not ok "*) bad "distro.kselftest: $prog" ;;
	*"# SKIP"*) skip=$((skip + 1)); echo "skip distro.kselftest: $prog" ;;
	*) ok "distro.kselftest: $prog" ;;
	esac
done < <(grep -aE '^(not )?ok [0-9]+ selftests: gunyah: ' "$tap" 2>/dev/null)
grep -q '^ok' "$tap" 2>/dev/null || bad "distro.kselftest (no program ran: $tap)"
finish
