#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Coverage of the modules from a debug-lane run (scripts/debug-lane.sh):
# the guest's .gcda files (copied out over 9p by scripts/guest/plan.sh)
# next to the build's .gcno files, host gcov on every source file of src/.
#   coverage.sh MODDIR GCOVDIR OUTDIR
#     MODDIR   the module build tree (objects, .gcno), built with
#              GUNYAH_COVERAGE=1
#     GCOVDIR  the guest's /sys/kernel/debug/gcov copy
#     OUTDIR   gets table.txt (per file: lines, branches), summary (one
#              line), uncovered.txt (file:line of every unexecuted line)
#              and the .gcov files
# Prints the table. Lines and branches are gcov's: a branch counts as
# covered when it was taken at least once.
set -euo pipefail

moddir=$(cd "$1" && pwd) gcovdir=$2 outdir=$3
case "$outdir" in /*) ;; *) outdir=$PWD/$outdir ;; esac
rm -rf "$outdir"
mkdir -p "$outdir/gcov"

# the guest's tree mirrors the absolute object path of the build
src=$gcovdir$moddir
[ -d "$src" ] || { echo "no gcov data for $moddir in $gcovdir" >&2; exit 1; }
(cd "$src" && find . -name '*.gcda') | while read -r f; do
	cp "$src/$f" "$moddir/$f"
done

cd "$outdir/gcov"
find "$moddir/src" -name '*.gcno' | sort | while read -r gcno; do
	obj=${gcno%.gcno}
	rel=${obj#"$moddir"/}
	if [ ! -f "$obj.gcda" ]; then
		echo "$rel.c never ran (no .gcda)" >&2
		continue
	fi
	# -b -c: branch counts; -p: keep paths apart (vcpu.c vs others)
	gcov -b -c -p -o "$(dirname "$obj")" "$obj.c" > /dev/null 2>&1 || true
done

# one .gcov per compiled source (headers inlined into them are left out)
awk -v moddir="$moddir" -v out="$outdir" '
FNR == 1 {
	file = ""
}
/^ *-: *0:Source:/ {
	file = $0; sub(/.*:Source:/, "", file)
	if (index(file, moddir "/src/") != 1 || file !~ /\.c$/)
		file = ""
	else
		file = substr(file, length(moddir) + 2)
	if (file != "") order[++n] = file
	next
}
file == "" { next }
/^branch/ {
	br[file]++
	if ($3 == "taken" && $4 + 0 > 0) brhit[file]++
	next
}
/^ *[0-9#=]+\*?: *[0-9]+:/ {
	split($0, f, ":")
	c = f[1]; gsub(/ /, "", c); ln = f[2] + 0
	lines[file]++
	if (c ~ /^[#=]/) print file ":" ln > (out "/uncovered.txt")
	else lhit[file]++
}
END {
	printf "%-28s %7s %13s %9s %13s\n", "file", "lines", "run/all", "branches", "taken/all" > (out "/table.txt")
	for (i = 1; i <= n; i++) {
		k = order[i]
		L += lines[k]; LH += lhit[k]; B += br[k]; BH += brhit[k]
		printf "%-28s %6.1f%% %13s %8.1f%% %13s\n", k,
			lines[k] ? 100 * lhit[k] / lines[k] : 100, (lhit[k] + 0) "/" (lines[k] + 0),
			br[k] ? 100 * brhit[k] / br[k] : 100, (brhit[k] + 0) "/" (br[k] + 0) > (out "/table.txt")
	}
	printf "%-28s %6.1f%% %13s %8.1f%% %13s\n", "total",
		L ? 100 * LH / L : 0, LH "/" L, B ? 100 * BH / B : 0, BH "/" B > (out "/table.txt")
	printf "coverage: lines %.1f%% (%d/%d), branches %.1f%% (%d/%d) over %d files\n",
		L ? 100 * LH / L : 0, LH, L, B ? 100 * BH / B : 0, BH, B, n > (out "/summary")
}' ./*.gcov
touch "$outdir/uncovered.txt"
cat "$outdir/table.txt"
