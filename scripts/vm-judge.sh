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
pass=0 fail=0 skip=0

ok() { pass=$((pass + 1)); echo "ok   $kver $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $kver $1"; }

# 1. the guest reported
if [ "$qrc" = 124 ]; then
	bad "rig.guest_reported (timed out; console: $vm/console.log)"
elif [ ! -f "$out/done" ]; then
	bad "rig.guest_reported (no report; console: $vm/console.log)"
else
	ok rig.guest_reported
fi

# 2. no kernel splat on the console or in dmesg
splat='BUG:|WARNING:|Oops|general protection fault|KASAN|UBSAN|possible (recursive |circular )?(locking )?deadlock|possible irq lock inversion|kmemleak|blocked for more than|scheduling while atomic|Kernel panic|Call Trace:|RCU stall|soft lockup|list_(add|del) corruption'
found=$(cat "$vm/console.log" "$out/dmesg.txt" 2>/dev/null | grep -aE "$splat" | sort -u | head -n 5)
if [ -n "$found" ]; then
	bad "rig.no_kernel_splat"
	printf '     %s\n' "$found"
else
	ok rig.no_kernel_splat
fi

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

# 5. every selftest case, from its TAP output
if [ "$mode" = test ]; then
	for t in $tests; do
		tap=$out/$t.tap
		if [ ! -f "$tap" ]; then
			bad "$t (never ran)"
			continue
		fi
		rc=$(cat "$out/$t.rc" 2>/dev/null || echo none)
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
fi

[ ! -f "$vm/timing" ] || cat "$vm/timing"
echo "$pass $fail $skip" > "$vm/result"
echo "vmtest $kver: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
