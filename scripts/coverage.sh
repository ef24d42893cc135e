#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Coverage of the modules from a debug-lane run (scripts/debug-lane.sh),
# with Debian's lcov: the guest's .gcda files (copied out over 9p by
# scripts/guest/plan.sh) next to the build's .gcno files, lcov (host gcov)
# over them, genhtml for the browsable report.
#   coverage.sh MODDIR GCOVDIR OUTDIR KTREE
#     MODDIR   the module build tree (objects, .gcno), built with
#              GUNYAH_COVERAGE=1
#     GCOVDIR  the guest's /sys/kernel/debug/gcov copy
#     OUTDIR   gets table.txt (per file: lines, functions, branches),
#              summary (one line), uncovered.txt (file:line of every
#              unexecuted line), src.info (lcov's tracefile) and html/
#     KTREE    the kernel tree the modules were built against: kbuild
#              compiles from there, so the objects' paths are relative to it
# Prints the table. A branch counts as covered when it was taken once.
set -euo pipefail

moddir=$(cd "$1" && pwd) gcovdir=$2 outdir=$3 ktree=$(cd "$4" && pwd)
case "$outdir" in /*) ;; *) outdir=$PWD/$outdir ;; esac
rm -rf "$outdir"
mkdir -p "$outdir"

# the guest's tree mirrors the absolute object path of the build
src=$gcovdir$moddir
[ -d "$src" ] || { echo "no gcov data for $moddir in $gcovdir" >&2; exit 1; }
(cd "$src" && find . -name '*.gcda') | while read -r f; do
	cp "$src/$f" "$moddir/$f"
done
for gcno in $(find "$moddir/src" -name '*.gcno' | sort); do
	[ -f "${gcno%.gcno}.gcda" ] || echo "${gcno#"$moddir"/} never ran (no .gcda)" >&2
done

# lcov 1.16 under Debian's perl warns about its own redefinitions: noise
lcov_() { lcov --quiet --rc lcov_branch_coverage=1 "$@" 2> >(grep -v 'redefined at' >&2); }
lcov_ --capture --directory "$moddir" --base-directory "$ktree" \
	--output-file "$outdir/all.info"
lcov_ --extract "$outdir/all.info" "$moddir/src/*" --output-file "$outdir/src.info"
rm -f "$outdir/all.info"
genhtml --quiet --branch-coverage --prefix "$moddir" --title gunyah-dkms \
	--output-directory "$outdir/html" "$outdir/src.info" 2> >(grep -v 'redefined at' >&2)

lcov --rc lcov_branch_coverage=1 --list "$outdir/src.info" 2>/dev/null |
	sed -e "s|$moddir/||" -e "/^Reading tracefile/d" > "$outdir/table.txt"
# "SF:file", "DA:line,count", "LF/LH", "BRF/BRH" records of the tracefile
awk -v moddir="$moddir/" -v out="$outdir/uncovered.txt" '
/^SF:/ { f = substr($0, 4); sub(moddir, "", f); n++ }
/^DA:/ { split(substr($0, 4), d, ","); if (d[2] == 0) print f ":" d[1] > out }
/^LF:/ { L += substr($0, 4) } /^LH:/ { LH += substr($0, 4) }
/^BRF:/ { B += substr($0, 5) } /^BRH:/ { BH += substr($0, 5) }
END {
	printf "coverage: lines %.1f%% (%d/%d), branches %.1f%% (%d/%d) over %d files (lcov; html: %s)\n",
		L ? 100 * LH / L : 0, LH, L, B ? 100 * BH / B : 0, BH, B, n,
		"html/index.html"
}' "$outdir/src.info" > "$outdir/summary"
touch "$outdir/uncovered.txt"
cat "$outdir/table.txt"
