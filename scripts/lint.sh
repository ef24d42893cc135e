#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make lint`: the checks kernel maintainers run first, over the project's
# own code, with the kernel's tools taken from Debian's linux-source.
# Each check counts as one test; any finding fails it.
#   lint.sh [KVER...]   sparse runs against each given headers tree
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
cache=${GUNYAH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gunyah-dkms}
ksrc=$cache/ksrc
cd "$top" || exit 1
mkdir -p "$build/lint"

RESULT_PREFIX=lint.
# shellcheck source=SCRIPTDIR/lane-lib.sh
. "$top/scripts/lane-lib.sh"

# The kernel's scripts, unpacked once from linux-source-6.1
if [ ! -f "$ksrc/.done" ]; then
	rm -rf "$ksrc" && mkdir -p "$ksrc"
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$ksrc" --strip-components=1 \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch linux-source-6.1/scripts/kernel-doc \
		linux-source-6.1/scripts/coccinelle && touch "$ksrc/.done"
fi

kfiles=$(git ls-files 'src/*.[ch]' 'uapi/*.h')
ufiles=$(git ls-files 'selftests/*.[ch]' 'tools/*.c' 'scripts/*.c')

# checkpatch --strict on every C file and header
log=$build/lint/checkpatch.log
: > "$log"
for f in $kfiles; do
	"$ksrc/scripts/checkpatch.pl" --no-tree --strict --quiet --show-types -f "$f" >> "$log" 2>&1
done
# Userspace tests, two types ignored: C requires volatile for state a
# signal handler shares (sig_atomic_t, the SIGBUS probe), and the
# harness-style assertion macros take plain variables that they name
# more than once by design.
# vcpu_util.h's GH_*FIXTURE macros declare a whole fixture, its setup and
# teardown, as the harness's own FIXTURE() macros do: no expression or
# statement can wrap that.
for f in $ufiles; do
	extra=
	[ "$f" != selftests/gunyah/vcpu_util.h ] ||
		extra=,COMPLEX_MACRO,MULTISTATEMENT_MACRO_USE_DO_WHILE
	"$ksrc/scripts/checkpatch.pl" --no-tree --strict --quiet --show-types \
		--ignore "VOLATILE,MACRO_ARG_REUSE$extra" -f "$f" >> "$log" 2>&1
done
if [ -s "$log" ]; then bad checkpatch "$log"; else ok checkpatch; fi

# kernel-doc on every header and every file that exports symbols
log=$build/lint/kernel-doc.log
docfiles=$(git ls-files 'src/*.h' 'uapi/*.h'; grep -l 'EXPORT_SYMBOL' $kfiles)
"$ksrc/scripts/kernel-doc" -none $docfiles > "$log" 2>&1
if [ -s "$log" ]; then bad kernel-doc "$log"; else ok kernel-doc; fi

# sparse (C=2 checks every file) against each kernel
for kver in "$@"; do
	log=$build/lint/sparse-$kver.log
	if BUILD_DIR=$build/lint scripts/build-modules.sh "$kver" C=2 CHECK="sparse" > "$log" 2>&1 &&
	   ! grep -E ': (warning|error):' "$build/lint/$kver/modules/build.log" > "$log.findings"; then
		ok "sparse.$kver"
	else
		bad "sparse.$kver" "$log"
	fi
done

# coccinelle: the project's own rules must each flag their bad example
# and find nothing in src/; the kernel's set runs in report mode.
cocci_run() { # sp-file, target args...
	local sp=$1 opts
	shift
	opts=$(sed -n 's|^// *Options: *||p' "$sp" | head -n1)
	# shellcheck disable=SC2086 # the options are words
	spatch --very-quiet -D report $opts --sp-file "$sp" -I src -I uapi "$@" 2>&1
}
for sp in coccinelle/*.cocci; do
	rule=$(basename "$sp" .cocci)
	log=$build/lint/cocci-$rule.log
	cocci_run "$sp" "coccinelle/tests/$rule.c" > "$log.bad"
	cocci_run "$sp" --dir src > "$log"
	if ! grep -qE '^[^ ]+\.c:[0-9]+' "$log.bad"; then
		bad "coccinelle.$rule (flags nothing in coccinelle/tests/$rule.c)" "$log.bad"
	elif grep -qvE '^$' "$log"; then
		bad "coccinelle.$rule" "$log"
	else
		ok "coccinelle.$rule"
	fi
done

log=$build/lint/cocci-kernel.log
: > "$log"
n=0
for sp in $(find "$ksrc/scripts/coccinelle" -name '*.cocci' | sort); do
	name=${sp#"$ksrc"/scripts/coccinelle/}
	n=$((n + 1))
	# A finding is "file:line:..."; spatch's remarks on the script itself are not.
	cocci_run "$sp" --dir src | grep -E '^[^ ]+\.[ch]:[0-9]+' |
		while IFS= read -r finding; do
			file=${finding%%:*}
			grep -qP "^\Q$name\E\t\Q$file\E\t" coccinelle/kernel-suppressions ||
				echo "$name: $finding"
		done >> "$log"
done
if [ -s "$log" ]; then bad "coccinelle.kernel ($n scripts)" "$log"; else ok "coccinelle.kernel ($n scripts)"; fi

echo "$pass $fail 0" > "$build/lint/result"
echo "lint: $pass passed, $fail failed"
[ "$fail" = 0 ]
