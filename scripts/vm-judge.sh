#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Judge one VM run from what the guest left in the share and printed on
# the console. Each selftest case counts once; so do the rig's own checks
# (guest reported, no kernel splat, no unexpected taint, modules loaded
# and unloaded).
#   vm-judge.sh VMDIR KVER QEMU_RC MODE "TESTS"
set -uo pipefail

vm=$1 kver=$2 qrc=$3 mode=$4 tests=$5
out=$vm/share/out

RESULT_PREFIX="$kver "
# shellcheck source=SCRIPTDIR/lane-lib.sh
. "$(dirname "$0")/lane-lib.sh"

# 1. the guest reported
if [ "$qrc" = 124 ]; then
	bad "rig.guest_reported (timed out; console: $vm/console.log)"
elif [ ! -f "$out/done" ]; then
	bad "rig.guest_reported (no report; console: $vm/console.log)"
else
	ok rig.guest_reported
fi

# 2. no kernel splat on the console or in dmesg
# (kmemleak's own boot lines are no report: only its leak lines are)
splat='BUG:|WARNING:|Oops|general protection fault|KASAN|UBSAN|possible (recursive |circular )?(locking )?deadlock|possible irq lock inversion|inconsistent lock state|suspicious RCU usage|kmemleak: [0-9]+ new suspected|unreferenced object|blocked for more than|scheduling while atomic|Kernel panic|Call Trace:|RCU stall|soft lockup|list_(add|del) corruption'
# where a splat's frames in our modules are in the source; needs the
# kernel tree's scripts/faddr2line and modules with debug info (the debug
# lane sets JUDGE_KTREE and builds them with -g)
source_lines() { # files...
	local fa=${JUDGE_KTREE:-}/scripts/faddr2line frame mod ko
	[ -n "${JUDGE_KTREE:-}" ] && [ -x "$fa" ] || return 0
	grep -ahoE '[A-Za-z0-9_.]+\+0x[0-9a-f]+/0x[0-9a-f]+ \[[a-z0-9_]+\]' "$@" 2>/dev/null |
		awk '!seen[$0]++' | head -n 30 | while read -r frame mod; do
			mod=${mod#[}; mod=${mod%]}
			ko=$vm/share/modules/$mod.ko
			[ -f "$ko" ] || continue
			# func+off without /size: kallsyms' size may count padding
			echo "     $frame [$mod] at $("$fa" "$ko" "${frame%/*}" 2>/dev/null |
				grep -v '^[A-Za-z0-9_.]*+0x' | sed "s|^.*/modules/||" | head -n 1)"
		done
}
# The limits selftest fills a memory cgroup of its own on purpose: the
# OOM report of that cgroup (from "invoked oom-killer" to its constraint
# line naming oom_memcg=/gunyah-limits) is no splat; any other one is.
drop_own_memcg_oom() {
	awk '/invoked oom-killer:/ { held = 1; buf = "" }
	     held { buf = buf $0 "\n"
		    if ($0 ~ /oom-kill:constraint=/) {
			    if ($0 !~ /oom_memcg=\/gunyah-limits,/) printf "%s", buf
			    held = 0
		    }
		    next }
	     { print }
	     END { if (held) printf "%s", buf }'
}
found=$(cat "$vm/console.log" "$out/dmesg.txt" 2>/dev/null | tr -d '\r' | drop_own_memcg_oom |
	grep -aE "$splat" | sort -u | head -n 5)
if [ -n "$found" ]; then
	bad "rig.no_kernel_splat"
	printf '     %s\n' "${found//$'\n'/$'\n'     }"
	source_lines "$vm/console.log" "$out/dmesg.txt"
else
	ok rig.no_kernel_splat
fi

# 2b. kmemleak (debug kernels): what two scans at the end reported
for f in "$out"/kmemleak-*.txt; do
	[ -e "$f" ] || continue
	if [ -s "$f" ]; then
		bad "rig.no_$(basename "$f" .txt) ($(grep -c '^unreferenced object' "$f") objects)"
		sed -n '1,40s/^/     /p' "$f"
		source_lines "$f"
	else
		ok "rig.no_$(basename "$f" .txt)"
	fi
done

# 3. taint: only O (out-of-tree, 4096) and E (unsigned, 8192) expected
t=$(cat "$out/tainted" 2>/dev/null || echo missing)
if [ "$t" = missing ]; then
	bad "rig.taint (not reported)"
elif [ $((t & ~(4096 | 8192))) -ne 0 ]; then
	bad "rig.taint (tainted=$t)"
else
	ok rig.taint
fi

# 4. modules loaded and unloaded
if grep -q '^load-failed' "$out/events" 2>/dev/null; then
	bad "rig.modules_load ($(grep '^load-failed' "$out/events" | tr '\n' ' '))"
else
	ok rig.modules_load
fi
if grep -q '^unload-failed' "$out/events" 2>/dev/null; then
	bad "rig.modules_unload ($(grep '^unload-failed' "$out/events" | tr '\n' ' '))"
else
	ok rig.modules_unload
fi

# 4b. the access the tests were given (vmtest.sh --access)
access=${JUDGE_ACCESS:-root}
if [ "$access" = lockdown ]; then
	if grep -q '^lockdown \(.*\[integrity\]\)' "$out/events" 2>/dev/null; then
		ok rig.locked_down
	else
		bad "rig.locked_down ($(grep '^lockdown' "$out/events" 2>/dev/null | tr '\n' ' '))"
	fi
fi

# 5. every selftest case, from its TAP output; a program whose needs are
# not met skips as a whole ("1..0 # SKIP why", exit 4) and counts as one
if [ "$mode" = test ]; then
	ran=0 whole_skips=0
	for t in $tests; do
		tap=$out/$t.tap
		if [ ! -f "$tap" ]; then
			bad "$t (never ran)"
			continue
		fi
		ran=$((ran + 1))
		rc=$(cat "$out/$t.rc" 2>/dev/null || echo none)
		why=$(sed -n 's/^1\.\.0 # SKIP \(.*\)$/\1/p' "$tap" | head -n1)
		if [ -n "$why" ]; then
			whole_skips=$((whole_skips + 1))
			skip=$((skip + 1))
			echo "skip $kver $t: $why"
			[ "$rc" = 4 ] || bad "$t: skipped with exit status $rc, not 4 (KSFT_SKIP)"
			continue
		fi
		planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tap" | head -n1)
		seen=0 tfail=0
		while IFS= read -r line; do
			seen=$((seen + 1))
			name=$(echo "$line" | sed -E 's/^(not )?ok [0-9]+ ?//')
			case "$line" in
			"not ok "*) bad "$t: $name"; tfail=1 ;;
			*"# SKIP"*) skip=$((skip + 1)); echo "skip $kver $t: $name" ;;
			*) ok "$t: $name" ;;
			esac
		done < <(grep -aE '^(not )?ok [0-9]+' "$tap")
		if [ -z "$planned" ] || [ "$seen" -lt "$planned" ]; then
			bad "$t: ran $seen of ${planned:-?} planned cases (rc $rc)"
		elif [ "$tfail" = 0 ] && [ "$rc" != 0 ] && [ "$rc" != 4 ]; then
			bad "$t: exit status $rc"
		fi
	done
	# as user nobody no program can reach the root-only /dev/gunyah
	if [ "$access" = nonroot ]; then
		if [ "$ran" -gt 0 ] && [ "$whole_skips" = "$ran" ]; then
			ok "rig.nonroot_every_program_skips ($ran programs)"
		else
			bad "rig.nonroot_every_program_skips ($whole_skips of $ran skipped)"
		fi
	fi
fi

# 6. the kselftest runner's own TAP: one line per program
if [ "$mode" = runner ]; then
	n=0 nskip=0
	while IFS= read -r line; do
		n=$((n + 1))
		prog=$(echo "$line" | sed -E 's/^(not )?ok [0-9]+ selftests: gunyah: ([^ ]*).*/\2/')
		case "$line" in
		"not ok "*) bad "runner: $prog (${line##*gunyah: $prog})" ;;
		*"# SKIP"*) skip=$((skip + 1)) nskip=$((nskip + 1)); echo "skip $kver runner: $prog" ;;
		*) ok "runner: $prog" ;;
		esac
	done < <(grep -aE '^(not )?ok [0-9]+ selftests: gunyah: ' "$out/runner.tap" 2>/dev/null)
	# each skip has its reason in the programs' output
	why=$(grep -acE '^(# )?1\.\.0 # SKIP .' "$out/runner-output.log" 2>/dev/null)
	if [ "$n" = 0 ]; then
		bad "runner: no program ran (rc $(cat "$out/runner.rc" 2>/dev/null); $out/runner.tap)"
	elif [ "${why:-0}" -lt "$nskip" ]; then
		bad "runner: $nskip programs skipped, $why said why"
	fi
	if [ "$access" = nonroot ]; then
		if [ "$n" -gt 0 ] && [ "$nskip" = "$n" ]; then
			ok "rig.nonroot_every_program_skips ($n programs; e.g. $(grep -am1 -E '^(# )?1\.\.0 # SKIP' "$out/runner-output.log"))"
		else
			bad "rig.nonroot_every_program_skips ($nskip of $n skipped)"
		fi
	fi
fi

[ ! -f "$vm/timing" ] || cat "$vm/timing"
echo "$pass $fail $skip" > "$vm/result"
echo "vmtest $kver: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
