#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Sum ftrace function_graph output (funcgraph-tail on) per function: calls,
# mean and total time, depth under the traced syscall, and calls per exit
# (the count of gunyah_hypercall_vcpu_run, which a bench-mode exit makes
# once; gunyah_vcpu_run itself is inlined into the ioctl handler).
# `make bench PROFILE=1` traces N null ioctls and N bench-mode exits
# (tools/gunyah-bench -p) and prints this; function_graph's own cost
# inflates every traced call, so the shares, not the absolute times, are
# the figures to read.
#   bench-profile.sh TRACE
set -euo pipefail

trace=${1:?usage: bench-profile.sh TRACE}
awk '
# " 1)   0.410 us    |        __fdget();"  or  "... |  } /* name */"
/^ *[0-9]+\)/ && index($0, "|") {
	bar = index($0, "|")
	left = substr($0, 1, bar - 1)
	right = substr($0, bar + 1)
	if (!match(left, /[0-9]+\.[0-9]+ us/))
		next
	us = substr(left, RSTART, RLENGTH - 3) + 0
	match(right, /^ */)
	depth = int((RLENGTH - 1) / 2)
	text = substr(right, RLENGTH + 1)
	if (text ~ /^} \/\* /) {
		name = text
		sub(/^} \/\* /, "", name)
		sub(/ \*\/.*$/, "", name)
	} else if (text ~ /\(\);/) {
		name = text
		sub(/\(\);.*$/, "", name)
	} else {
		next
	}
	calls[name]++
	total[name] += us
	if (!(name in mindepth) || depth < mindepth[name])
		mindepth[name] = depth
}
END {
	runs = ("gunyah_hypercall_vcpu_run [gunyah]" in calls) ? calls["gunyah_hypercall_vcpu_run [gunyah]"] : 0
	printf "0\t1e99\t%-52s %5s %9s %10s %12s %8s\n", "function", "depth", "calls",
		"mean us", "total us", "per exit"
	for (n in calls)
		printf "%d\t%f\t%-52s %5d %9d %10.3f %12.1f %8.2f\n", mindepth[n], total[n], n,
			mindepth[n], calls[n], total[n] / calls[n], total[n],
			runs ? calls[n] / runs : 0
}' "$trace" | sort -t $'\t' -k1,1n -k2,2gr | cut -f3 | head -n 60
