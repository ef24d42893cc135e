#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The debug-kernel lane: build (or find in the cache) the debug kernel
# (scripts/debug-kernel.sh), build the modules against it with gcov and
# -g, boot it (kasan_multi_shot, kmemleak on), run the whole selftest
# suite, scan for leaks twice at the end, judge every splat (KASAN,
# UBSAN, lockdep, sleeping in atomic, kmemleak, hung task: each fails the
# run, shown with its source line) and report the modules' coverage.
#   debug-lane.sh            the lane; ends with "debug lane: P passed, ..."
#   debug-lane.sh --report   only the coverage table of the last run
# Writes $BUILD_DIR/debug/result ("P F S", for check.sh), .../timing and
# .../coverage/{table.txt,summary,uncovered.txt}.
# TESTS="a b": only these selftests.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
lane=$build/debug
cd "$top" || exit 1

if [ "${1:-}" = --report ]; then
	[ -f "$lane/coverage/table.txt" ] ||
		{ echo "no coverage yet: run scripts/debug-lane.sh (or make coverage)" >&2; exit 1; }
	cat "$lane/coverage/table.txt" "$lane/coverage/summary"
	exit 0
fi

RESULT_PREFIX="debug "
# shellcheck source=SCRIPTDIR/lane-lib.sh
. "$top/scripts/lane-lib.sh"
finish() {
	echo "$pass $fail $skip" > "$lane/result"
	echo "debug lane: $pass passed, $fail failed, $skip skipped"
	[ "$fail" = 0 ]
	exit
}
now() { date +%s; }
rm -rf "$lane"
mkdir -p "$lane"
: > "$lane/timing"

# 1. the kernel (cached: ~/.cache/gunyah-dkms/debug-kernel/<key>/)
t=$(now)
if tree=$(scripts/debug-kernel.sh 2> >(tee "$lane/kernel.log" >&2)); then
	ok build.kernel
	kver=$(cat "$tree/include/config/kernel.release")
else
	bad "build.kernel (log: $lane/kernel.log)"
	finish
fi
echo "kernel $(( $(now) - t )) s" >> "$lane/timing"

# 2. the modules, gcov + -g, W=1 clean like every lane
t=$(now)
if MODULES_KDIR=$tree scripts/build-modules.sh "$kver" GUNYAH_COVERAGE=1 \
	> "$lane/modules.log" 2>&1; then
	ok build.modules_gcov_w1_clean
else
	tail -n 30 "$lane/modules.log"
	bad build.modules_gcov_w1_clean
	finish
fi
echo "modules $(( $(now) - t )) s" >> "$lane/timing"

# the selftests check.sh built (make finds them up to date), or built here
# when run alone: never stale binaries from an older tree
mkdir -p "$build/selftests"
if ! ksft=$(scripts/ksft-headers.sh) ||
   ! make -s -C selftests/gunyah KSFT_DIR="$ksft" OUTPUT="$build/selftests" \
	> "$lane/selftests.log" 2>&1; then
	cat "$lane/selftests.log"
	bad build.selftests
	finish
fi

# 3. boot, the whole suite, the leak scans, the judge (it adds its own
# counts to ours; its result file is the VM's)
t=$(now)
# (KASAN + lockdep under TCG: 5-10x slower than a stock kernel)
VM_TIMEOUT=${VM_TIMEOUT:-1800} scripts/vmtest.sh ${TESTS:+--tests "$TESTS"} \
	--env "TEST_TIMEOUT_SCALE=${DEBUG_TIMEOUT_SCALE:-3} GUNYAH_LEAK_CYCLES=100" debug
vm=$build/$kver/vm${VM_TAG:-}
if read -r p f s < "$vm/result" 2>/dev/null; then
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
else
	bad "vm (no result in $vm/result)"
fi
echo "vm $(( $(now) - t )) s ($(cat "$vm/timing" 2>/dev/null))" >> "$lane/timing"
grep -a 'Freeing unused kernel' "$vm/console.log" | head -n 1 |
	sed 's/^\[ *\([0-9.]*\)\].*/boot to userspace \1 s (guest clock)/' >> "$lane/timing"

# 4. coverage of the modules
if scripts/coverage.sh "$build/$kver/modules" "$vm/share/out/gcov" "$lane/coverage" "$tree" \
	> /dev/null 2> "$lane/coverage.log"; then
	ok coverage.collected
	cat "$lane/coverage/summary"
else
	cat "$lane/coverage.log"
	bad coverage.collected
fi
sed 's/^/debug timing: /' "$lane/timing"
finish
