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
