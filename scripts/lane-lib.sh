# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Sourced by every lane of `make check`: its pass/fail/skip counts and
# result lines ("ok   NAME", "FAIL NAME"), so that every lane reports the
# same way. RESULT_PREFIX goes before each NAME ("lint.", "vmm.", ...).
#   ok NAME          a pass
#   bad NAME [LOG]   a failure, with LOG's first 40 lines indented
#   add_result FILE  add another lane's "PASS FAIL SKIP" line
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "ok   ${RESULT_PREFIX:-}$1"; }
bad() {
	fail=$((fail + 1))
	echo "FAIL ${RESULT_PREFIX:-}$1"
	[ -z "${2:-}" ] || sed 's/^/     /' "$2" | head -n 40
}
add_result() {
	local p f s
	if read -r p f s < "$1" 2>/dev/null; then
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	else
		bad "no result in $1"
	fi
}

# Build the modules for kernel target $1 (log in $2) and run its selftests
# ($tests: only those) under QEMU, from the project's top folder; sets
# kver. Returns 1 if the target or its build failed (each a FAIL line).
# shellcheck disable=SC2154 # $build, $tests: the sourcing lane's
kernel_suite() {
	if ! kver=$(scripts/kernels.sh version "$1"); then
		bad "kernel target $1"
		return 1
	fi
	if scripts/build-modules.sh "$kver" > "$2/modules-$kver.log" 2>&1; then
		ok "build.$kver.modules_w1_clean"
	else
		tail -n 30 "$2/modules-$kver.log"
		bad "build.$kver.modules_w1_clean"
		return 1
	fi
	rm -f "$build/$kver/vm${VM_TAG:-}/result"
	scripts/vmtest.sh ${tests:+--tests "$tests"} "$1"
	add_result "$build/$kver/vm${VM_TAG:-}/result"
}
