#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Two runs of tools/gunyah-bench side by side: for each figure in both
# JSON files (matched by group and name), the medians and new/old, and the
# ratio to its baseline (null ioctl, 1 vCPU...) in each run. `make bench
# BASELINE=old.json` (or a folder of <kver>.json) runs it after the bench.
#   bench-compare.sh OLD.json NEW.json
set -euo pipefail

old=${1:?usage: bench-compare.sh OLD.json NEW.json}
new=${2:?usage: bench-compare.sh OLD.json NEW.json}

# one result per line: group<TAB>name<TAB>unit<TAB>median<TAB>ratio median
rows() {
	sed -n 's/^ *{"group": "\([^"]*\)", "name": "\([^"]*\)", "unit": "\([^"]*\)".*"value": {"median": \([-0-9.]*\).*/\1\t\2\t\3\t\4\t&/p' "$1" |
		awk -F'\t' -v OFS='\t' '{
			r = "-"
			if (match($5, /"ratio": \{"median": [-0-9.]*/))
				r = substr($5, RSTART + 20, RLENGTH - 20)
			print $1, $2, $3, $4, r
		}'
}

echo "bench-compare: old $old ($(sed -n 's/^ *"kernel": "\(.*\)",/\1/p' "$old" | head -n1))," \
	"new $new ($(sed -n 's/^ *"kernel": "\(.*\)",/\1/p' "$new" | head -n1))"
printf '%-58s %12s %12s %8s %10s %10s\n' "figure" "old median" "new median" "new/old" \
	"old ratio" "new ratio"
join -t $'\t' -j 1 -o 1.2,1.3,1.4,1.5,2.5,1.6,2.6 \
	<(rows "$old" | awk -F'\t' -v OFS='\t' '{ print $1 " / " $2, $0 }' | sort -t $'\t' -k1,1) \
	<(rows "$new" | awk -F'\t' -v OFS='\t' '{ print $1 " / " $2, $0 }' | sort -t $'\t' -k1,1) |
	awk -F'\t' '{
		q = ($4 != 0) ? sprintf("%.2f", $5 / $4) : "-"
		printf "%-58s %12.1f %12.1f %8s %10s %10s\n", $1 " / " $2 " (" $3 ")", $4, $5, q, $6, $7
	}'
