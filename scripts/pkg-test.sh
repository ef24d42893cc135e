#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Install test of the packages, run by `make check` (needs root: it
# installs on this machine). Builds the .debs (lintian) and the .rpm
# (rpmlint), installs the .debs through a private apt source, checks that
# DKMS built and installed the modules for every kernel target, that a
# kernel older than BUILD_EXCLUSIVE_KERNEL allows is skipped (exit 77), runs
# /usr/lib/dkms/dkms-autopkgtest, boots each kernel under QEMU with the
# modules DKMS installed in /lib/modules/KVER/updates/dkms and the selftests
# of gunyah-tests, then purges and checks nothing of the packages is left.
# The targets' headers are the private trees of scripts/fetch-headers.sh,
# linked as /lib/modules/KVER/build for DKMS where the host has none and
# removed at the end. No kernel image is installed; where the host has no
# headers package, the 6.1 target's is, for dkms-autopkgtest, and purged.
# Idempotent: first removes whatever an interrupted run left behind.
#   [BUILD_DIR=dir] [KERNELS="6.1 6.12"] pkg-test.sh
# Prints ok/FAIL/skip lines; "P F S" goes to $BUILD_DIR/pkg-test/result.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
work=$build/pkg-test
kernels=${KERNELS:-$("$top/scripts/kernels.sh" list)}
pkgs="gunyah-dkms gunyah-tests gunyah-dev"
# A kernel the code does not support, with a fake headers tree whose
# Makefile fails loudly: DKMS must skip it, never try to build it.
old=5.10.0-0-gunyahtest
start=$(date +%s)

# shellcheck source=SCRIPTDIR/lane-lib.sh
. "$top/scripts/lane-lib.sh"
finish() {
	cleanup
	echo "pkg-test: $(($(date +%s) - start)) s wall"
	echo "$pass $fail $skip" > "$work/result"
	echo "pkg-test: $pass passed, $fail failed, $skip skipped"
}

if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null && exec sudo -E "$0" "$@"
	mkdir -p "$work" && echo "0 1 0" > "$work/result"
	echo "FAIL pkg.root (installs packages: run as root)"; exit 1
fi
# dpkg, /var/lib/dkms and /lib/modules are the machine's: one run at a time
exec 9> /run/lock/gunyah-pkg-test.lock
flock 9
# apt, dpkg and dkms run as on a user's machine, not as sub-makes of make check
unset MAKEFLAGS MAKELEVEL MFLAGS
export DEBIAN_FRONTEND=noninteractive
cd "$top" || exit 1

# The targets' versions come from the machine's apt lists: the private
# apt configuration below knows only the local repository.
declare -A kver_of=()
for k in $kernels; do
	kver_of[$k]=$(scripts/kernels.sh version "$k") || kver_of[$k]=""
done

# A private apt configuration that knows only our local repository (and
# dpkg's status): the machine's sources, lists and caches are untouched.
export APT_CONFIG=$work/apt/apt.conf
aptget() { apt-get -q -y -o Dpkg::Use-Pty=0 "$@"; }

cleanup() { # what this test may leave on the machine
	rm -f /etc/dkms/no-autoinstall		# an interrupted dkms-autopkgtest
	local p installed=""
	for p in $pkgs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok \(installed\|config\|half\|unpacked\)' &&
			installed="$installed $p"
	done
	[ -z "$installed" ] || dpkg --purge $installed >> "$work/cleanup.log" 2>&1
	if [ -d /var/lib/dkms/gunyah ]; then	# added by hand, or a broken purge
		dkms remove gunyah --all >> "$work/cleanup.log" 2>&1
		rm -rf /var/lib/dkms/gunyah
	fi
	rm -rf "/lib/modules/$old"
	# what this test made for DKMS where the host had nothing (below)
	if [ -s "$work/added-pkgs" ]; then
		xargs dpkg --purge < "$work/added-pkgs" >> "$work/cleanup.log" 2>&1
		rm -f "$work/added-pkgs"
	fi
	if [ -f "$work/created" ]; then
		while read -r p; do rm -rf "$p"; done < "$work/created"
		rm -f "$work/created"
	fi
}

mkdir -p "$work"
rm -rf "$work"/{apt,repo,old-headers,*.log,result}
cleanup
trap finish EXIT

# --- 1. build and lint the packages ---
if make -s deb BUILD_DIR="$build" > "$work/deb.log" 2>&1; then
	ok pkg.build_deb
else
	tail -n 30 "$work/deb.log"; bad pkg.build_deb; exit 1
fi
ver=$(make -s version)
debdir=$build/pkg/deb
if lintian --fail-on error,warning "$debdir/gunyah-dkms_${ver}_"*.changes \
	> "$work/lintian.log" 2>&1; then
	ok "pkg.lintian (errors and warnings: none; overrides: debian/*.lintian-overrides)"
else
	cat "$work/lintian.log"; bad pkg.lintian
fi
if make -s rpm BUILD_DIR="$build" > "$work/rpm.log" 2>&1; then
	ok "pkg.build_rpm_rpmlint (rpmlint: $(tail -n 1 "$work/rpm.log" | grep -o '[0-9]* errors, [0-9]* warnings'))"
	# the tests rpm ships what the tests .deb ships, in the same layout
	rpmdir=$build/pkg/rpm/RPMS
	if diff <(dpkg-deb -c "$debdir/gunyah-tests_${ver}_"*.deb |
			awk '{print substr($NF, 2)}' | sed 's|/$||' | grep '^/usr/libexec/' | sort) \
		<(rpm -qpl "$rpmdir"/*/gunyah-tests-"$ver"-*.rpm | grep '^/usr/libexec/' | sort) \
		> "$work/rpm-tests-layout.diff"; then
		ok "pkg.rpm_tests_layout ($(grep -c . < <(rpm -qpl "$rpmdir"/*/gunyah-tests-"$ver"-*.rpm)) files, as in gunyah-tests.deb)"
	else
		cat "$work/rpm-tests-layout.diff"; bad pkg.rpm_tests_layout
	fi
else
	tail -n 30 "$work/rpm.log"; bad pkg.build_rpm_rpmlint
fi

# --- 2. the local repository and the old kernel ---
mkdir -p "$work"/repo "$work"/apt/{lists/partial,cache/archives/partial,parts}
cp "$debdir"/*.deb "$work/repo/"
(cd "$work/repo" && dpkg-scanpackages -m . 2>/dev/null | xz > Packages.xz)
echo "deb [trusted=yes] file:$work/repo ./" > "$work/apt/sources.list"
cat > "$APT_CONFIG" <<EOF
Dir::Etc::sourcelist "$work/apt/sources.list";
Dir::Etc::sourceparts "$work/apt/parts";
Dir::State::lists "$work/apt/lists";
Dir::Cache "$work/apt/cache";
Acquire::Languages "none";
EOF
chmod -R a+rX "$work/repo" "$work/apt"
aptget update > "$work/apt-update.log" 2>&1 || { cat "$work/apt-update.log"; bad pkg.local_repo; exit 1; }

mkdir -p "$work/old-headers/include" "/lib/modules/$old"	# include/: "headers present"
printf 'CONFIG_MODULES=y\nCONFIG_IRQ_DOMAIN=y\n' > "$work/old-headers/.config"
printf 'all modules %%:\n\t@echo "GUNYAH-OLD-KERNEL-BUILT"; exit 1\n' > "$work/old-headers/Makefile"
ln -sfn "$work/old-headers" "/lib/modules/$old/build"

# dkms-autopkgtest wants a linux-headers package installed; on a host with
# none it would install every one the archive has. Install the 6.1
# target's (unlike 6.12's, it brings no kernel image); cleanup purges what
# that added, and the folder DKMS's depmod leaves behind.
installed_pkgs() { dpkg-query -W -f='${db:Status-Abbrev}${Package}\n' | sed -n 's/^ii *//p' | sort; }
if ! installed_pkgs | grep '^linux-headers-' > /dev/null; then
	installed_pkgs > "$work/pkgs-before"
	if hdr=$(APT_CONFIG='' scripts/kernels.sh version 6.1) &&
	   { [ -d "/lib/modules/$hdr" ] || echo "/lib/modules/$hdr" >> "$work/created"; } &&
	   APT_CONFIG='' aptget install --no-install-recommends "linux-headers-$hdr" \
		> "$work/headers-pkg.log" 2>&1; then
		ok "pkg.headers_package (linux-headers-$hdr, for dkms-autopkgtest; purged at the end)"
	else
		cat "$work/headers-pkg.log"; bad pkg.headers_package
	fi
	comm -13 "$work/pkgs-before" <(installed_pkgs) > "$work/added-pkgs"
fi

# The targets' headers where DKMS looks, /lib/modules/KVER/build: the
# privately unpacked trees (scripts/fetch-headers.sh), not a headers
# package (bookworm's 6.12 headers would bring their kernel image and make
# it the host's boot kernel). What did not exist goes again in cleanup.
for k in $kernels; do
	kver=${kver_of[$k]}
	[ -n "$kver" ] || continue
	[ -e "/lib/modules/$kver/build" ] && continue
	# (from the machine's own apt sources, not the private ones above)
	if ! tree=$(APT_CONFIG='' scripts/fetch-headers.sh "$kver" 2> "$work/headers-$kver.log"); then
		cat "$work/headers-$kver.log"; bad "pkg.$kver.headers"; continue
	fi
	[ -d "/lib/modules/$kver" ] || echo "/lib/modules/$kver" >> "$work/created"
	mkdir -p "/lib/modules/$kver"
	ln -s "$tree" "/lib/modules/$kver/build"
	echo "/lib/modules/$kver/build" >> "$work/created"
done

# --- 3. install: the postinst builds for every kernel with headers ---
if aptget install --no-install-recommends $pkgs > "$work/install.log" 2>&1; then
	ok pkg.install
else
	cat "$work/install.log"; bad pkg.install; exit 1
fi
for k in $kernels; do
	kver=${kver_of[$k]}
	[ -n "$kver" ] || { bad "pkg.target $k (no version from the machine's apt lists)"; continue; }
	st=$(dkms status -m gunyah -v "$ver" -k "$kver" 2>/dev/null)
	mods=$(cd "/lib/modules/$kver/updates/dkms" 2>/dev/null && ls gunyah*.ko* | tr '\n' ' ')
	if echo "$st" | grep -q ': installed$' && [ "$(echo $mods | wc -w)" = 4 ]; then
		ok "pkg.$kver.dkms_installed ($st; $mods)"
	else
		bad "pkg.$kver.dkms_installed (status: '$st'; updates/dkms: '$mods')"
	fi
done

# --- 4. an older kernel is skipped cleanly: exit 77, nothing built ---
rc=0
dkms build -m gunyah -v "$ver" -k "$old" > "$work/old-kernel.log" 2>&1 || rc=$?
# the postinst tried it too: "Building initial module for OLD" then "Skipped."
if [ "$rc" = 77 ] && grep -q 'BUILD_EXCLUSIVE' "$work/old-kernel.log" &&
   grep -A3 "Building initial module for $old" "$work/install.log" | grep -q Skipped &&
   ! grep -rqs GUNYAH-OLD-KERNEL-BUILT "$work"/*.log /var/lib/dkms/gunyah/*/build/make.log &&
   [ -z "$(dkms status -m gunyah -k "$old" | grep -E 'built|installed')" ]; then
	ok "pkg.old_kernel_skipped ($old: postinst said Skipped, dkms build exit 77)"
else
	cat "$work/old-kernel.log"; bad "pkg.old_kernel_skipped (exit $rc)"
fi

# --- 5. Debian's DKMS autopkgtest (purges, reinstalls, builds, installs) ---
if AUTOPKGTEST_ARTIFACTS=$work /usr/lib/dkms/dkms-autopkgtest gunyah-dkms \
	> "$work/autopkgtest.log" 2>&1; then
	ok "pkg.dkms_autopkgtest ($(grep -E '^I: (PASS|SKIP|FAIL)' "$work/autopkgtest.log" | sed 's/^I: //' | tr '\n' ' '))"
else
	tail -n 40 "$work/autopkgtest.log"; bad pkg.dkms_autopkgtest
fi
rm -rf "/lib/modules/$old"

# --- 6. the header of gunyah-dev builds a VMM-side program ---
if printf '#include <linux/gunyah.h>\nint main(void) { return GUNYAH_CREATE_VM == 0; }\n' |
	gcc $(pkg-config --cflags gunyah) -x c - -o "$work/uapi-check" 2> "$work/uapi.log"; then
	ok "pkg.dev_header ($(pkg-config --cflags gunyah))"
else
	cat "$work/uapi.log"; bad pkg.dev_header
fi

# --- 7. boot each kernel with what DKMS installed, tests from gunyah-tests ---
for k in $kernels; do
	kver=${kver_of[$k]}
	[ -n "$kver" ] || continue
	# vmtest fetches the kernel from the machine's apt sources
	APT_CONFIG='' MODULE_DIR=/lib/modules/$kver/updates/dkms \
		SELFTEST_DIR=/usr/libexec/gunyah-tests/gunyah \
		VM_TAG=-pkg BUILD_DIR=$build scripts/vmtest.sh "$k" > "$work/vm-$kver.log" 2>&1
	grep '^FAIL' "$work/vm-$kver.log"
	if read -r p f s < "$build/$kver/vm-pkg/result" 2>/dev/null; then
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
		echo "pkg: $(tail -n 1 "$work/vm-$kver.log") (DKMS modules, packaged selftests)"
	else
		bad "pkg.$kver.vmtest (no result; $work/vm-$kver.log)"
	fi
done

# --- 8. purge: nothing of the packages is left ---
aptget purge $pkgs > "$work/purge.log" 2>&1 || bad pkg.purge
left=$(
	ls -d /usr/src/gunyah-* /var/lib/dkms/gunyah /lib/modules/*/updates/dkms/gunyah* \
		/usr/include/gunyah /usr/libexec/gunyah /usr/libexec/gunyah-tests /usr/bin/gunyah-demo /usr/bin/gunyah-vmm 2>/dev/null
	grep -l gunyah /lib/modules/*/modules.dep 2>/dev/null
	dpkg-query -W -f='${Package} ${Status}\n' $pkgs 2>/dev/null | grep -v 'not-installed$'
)
if [ -z "$left" ]; then
	ok "pkg.purged_clean"
else
	bad "pkg.purged_clean (left: $(echo $left))"
fi
