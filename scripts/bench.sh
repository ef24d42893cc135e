#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make bench`: build the modules and tools/gunyah-bench (static) for each
# kernel target, boot it under QEMU (scripts/vmtest.sh --bench) and copy
# the benchmark's JSON to $BUILD_DIR/bench/<kver>.json, its table beside
# it (<kver>.txt). The host's load average goes into the JSON; figures
# taken on a busy host (1-min load above the CPU count) are flagged, and
# BENCH_RETRIES=N (default 0) boots again while the load stays high.
# Nothing here passes or fails on a figure. BASELINE=old.json (or a folder
# of <kver>.json from an earlier run) prints each figure next to its old
# value (scripts/bench-compare.sh).
# PROFILE=N: instead, ftrace's function_graph under N null ioctls and N
# bench-mode exits, summed per function (scripts/bench-profile.sh) into
# $BUILD_DIR/bench/<kver>.profile.txt, the raw trace beside it.
#   KERNELS="6.1 6.12" (default: all targets)   BENCH_REPS=7
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
cd "$top"
scripts/deps.sh demo	# amd64 targets only: what the demo needs
mkdir -p "$build/tools" "$build/bench"
gcc -O2 -Wall -Werror -static -pthread -Iuapi -Iselftests/gunyah \
	-o "$build/tools/gunyah-bench" tools/gunyah-bench.c
ncpu=$(nproc)
busy() { awk -v n="$ncpu" '{ exit !($1 > n) }' /proc/loadavg; }
rc=0
for target in ${KERNELS:-$(scripts/kernels.sh list)}; do
	kver=$(scripts/kernels.sh version "$target")
	scripts/build-modules.sh "$kver"
	tries=$((${BENCH_RETRIES:-0} + 1))
	while :; do
		load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)
		env=HOST_LOADAVG=$load
		[ -z "${BENCH_REPS:-}" ] || env="$env BENCH_REPS=$BENCH_REPS"
		[ -z "${PROFILE:-}" ] || env="$env BENCH_PROFILE=$PROFILE"
		scripts/vmtest.sh --bench --env "$env" "$target" \
			> "$build/bench/$kver.vmtest.log" 2>&1 || true
		tries=$((tries - 1))
		busy && [ "$tries" -gt 0 ] || break
		echo "bench $kver: host load $(cut -d' ' -f1 /proc/loadavg) > $ncpu CPUs, again"
	done
	out=$build/$kver/vm${VM_TAG:-}/share/out
	if [ -n "${PROFILE:-}" ]; then
		if [ -s "$out/exit-trace.txt" ]; then
			cp "$out/exit-trace.txt" "$build/bench/$kver.trace.txt"
			scripts/bench-profile.sh "$out/exit-trace.txt" |
				tee "$build/bench/$kver.profile.txt"
			echo "bench $kver: $build/bench/$kver.profile.txt (trace: $kver.trace.txt)"
		else
			echo "bench $kver: no trace; see $build/bench/$kver.vmtest.log" >&2
			rc=1
		fi
		continue
	fi
	if [ -f "$out/bench.json" ]; then
		cp "$out/bench.json" "$build/bench/$kver.json"
		cp "$out/bench.txt" "$build/bench/$kver.txt"
		cat "$out/bench.txt"
		echo "host loadavg before: $load; after: $(cut -d' ' -f1-3 /proc/loadavg)"
		busy && echo "bench $kver: WARNING: host busy, figures are noisy"
		tail -n 1 "$build/bench/$kver.vmtest.log"	# the rig's own checks
		echo "bench $kver: $build/bench/$kver.json"
		base=${BASELINE:-}
		[ ! -d "$base" ] || base=$base/$kver.json
		if [ -n "$base" ]; then
			scripts/bench-compare.sh "$base" "$build/bench/$kver.json" ||
				echo "bench $kver: cannot compare with $base" >&2
		fi
	else
		echo "bench $kver: no result; see $build/bench/$kver.vmtest.log" >&2
		rc=1
	fi
done
exit $rc
