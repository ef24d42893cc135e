#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot one Debian kernel under QEMU (KVM if it works here, else TCG) with a busybox initramfs, share the
# build output over 9p, load the project's modules, run selftests (or the
# demo, or a command) and judge the run from what the guest reports.
#
# usage: vmtest.sh [options] TARGET          TARGET: 6.1 | 6.12 | a kernel version
#   | arm64-6.1 | arm64-6.12 | an …-arm64 version: Debian's arm64 kernel on
#     qemu-system-aarch64 -M virt -cpu max (modules cross-built, selftests
#     from build/selftests-arm64, busybox-static:arm64 unpacked)
#   | debug: the debug lane's kernel (scripts/debug-kernel.sh; 9p built in,
#     booted with kasan_multi_shot, kmemleak on)
#   --tests "a b"       selftest programs to run (default: all built ones)
#   --modules "m ..."   modules to modprobe first (default: gunyah_rsc_mgr gunyah_sim)
#   --extra-module KO   also insmod KO (negative control of the rig)
#   --extra-test PROG   also run PROG as a test, first (the rig's negative
#                       controls, the arm64 device-tree probe test)
#   --runner            run the installed kselftest layout with its own
#                       run_kselftest.sh (KSFT_INSTALL, default
#                       build/kselftest_install: scripts/ksft-install.sh)
#   --demo              run scripts/guest/demo.sh instead of the tests
#   --bench             run the benchmark (build/tools/gunyah-bench) instead;
#                       its JSON lands in VMDIR/share/out/bench.json
#   --cmd 'sh cmds'     run a shell command in the guest instead of the tests
#   --no-unload         leave modules loaded at the end
#   --env "K=V ..."     export these variables to the tests (no blanks in V)
#   --access A          run the tests as root (default), as user nobody
#                       (nonroot: each program must skip, saying why), or
#                       as root in a locked-down kernel (lockdown)
#   --dtb FILE          arm64: boot with this device tree instead of QEMU's
#   --machine-opts O    arm64: -M virt,O (e.g. virtualization=on: the kernel
#                       starts at EL2 and PSCI's conduit is SMC)
# Needs: modules built by build-modules.sh, selftests in build/selftests.
#   (MODULE_DIR=dir: the modules from dir instead, e.g. DKMS's updates/dkms)
# Prints one line per judged item and ends with
#   "vmtest KVER: P passed, F failed, S skipped"; exit 1 on any failure.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tests="" modules="gunyah_rsc_mgr gunyah_sim" extra_mod="" extra_test=""
mode=test cmd="" unload=1 test_env="" dtb="" machine_opts="" access=root
while [ $# -gt 1 ]; do
	case "$1" in
	--tests) tests=$2; shift ;;
	--modules) modules=$2; shift ;;
	--extra-module) extra_mod=$2; shift ;;
	--extra-test) extra_test=$2; shift ;;
	--runner) mode=runner ;;
	--demo) mode=demo ;;
	--bench) mode=bench ;;
	--cmd) mode=cmd; cmd=$2; shift ;;
	--no-unload) unload=0 ;;
	--env) test_env=$2; shift ;;
	--access) access=$2; shift ;;
	--dtb) dtb=$2; shift ;;
	--machine-opts) machine_opts=$2; shift ;;
	*) echo "unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[ $# -eq 1 ] || { sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//;$d'; exit 2; }
case "$1" in
6.1 | 6.12 | arm64-6.1 | arm64-6.12) kver=$("$top/scripts/kernels.sh" version "$1") ;;
debug)
	ktree=$("$top/scripts/debug-kernel.sh" --path) ||
		{ echo "the debug kernel is not built (scripts/debug-kernel.sh)" >&2; exit 2; }
	kver=$(cat "$ktree/include/config/kernel.release") ;;
*) kver=$1 ;;
esac
# a run that fails before booting must not leave a previous run's result
vm=${BUILD_DIR:-$top/build}/$kver/vm${VM_TAG:-}
rm -rf "$vm"

if [ "$1" = debug ]; then
	image=$ktree/arch/x86/boot/bzImage root=""
	append="kasan_multi_shot kmemleak=on"
	export JUDGE_KTREE=$ktree	# faddr2line for the splats
else
	root=$("$top/scripts/fetch-kernel.sh" "$kver")
	image=$root/boot/vmlinuz-$kver append=""
fi
# MODULE_DIR: take the modules from elsewhere, e.g. what DKMS installed in
# /lib/modules/KVER/updates/dkms (maybe .ko.xz/.ko.zst/.ko.gz: unpacked here)
moddir=${MODULE_DIR:-${BUILD_DIR:-$top/build}/$kver/modules}
arch=x86_64 busybox=/bin/busybox
case "$kver" in
*-arm64)
	arch=arm64
	[ "$(uname -m)" = aarch64 ] || busybox=$("$top/scripts/fetch-busybox.sh" arm64) ;;
esac
stsuffix=""
[ "$arch" = x86_64 ] || stsuffix=-$arch
stdir=${SELFTEST_DIR:-${BUILD_DIR:-$top/build}/selftests$stsuffix}
mkdir -p "$vm/share/modules" "$vm/share/selftests" "$vm/share/extra" \
	 "$vm/share/out" "$vm/initramfs"

# --- the share: modules, tests, the plan ---
for ko in "$moddir"/*.ko "$moddir"/*.ko.xz "$moddir"/*.ko.zst "$moddir"/*.ko.gz; do
	[ -f "$ko" ] || continue
	name=$(basename "$ko")
	case "$name" in
	*.xz) xz -dc "$ko" > "$vm/share/modules/${name%.xz}" ;;
	*.zst) zstd -qdc "$ko" > "$vm/share/modules/${name%.zst}" ;;
	*.gz) gzip -dc "$ko" > "$vm/share/modules/${name%.gz}" ;;
	*) cp "$ko" "$vm/share/modules/" ;;
	esac
done
ls "$vm/share/modules"/*.ko >/dev/null 2>&1 || echo "warning: no modules in $moddir" >&2
if [ -z "$tests" ] && [ "$mode" = test ]; then
	tests=$(cd "$stdir" 2>/dev/null && find . -maxdepth 1 -type f -perm -u+x -printf '%f\n' | sort | tr '\n' ' ')
fi
for t in $tests; do
	cp "$stdir/$t" "$vm/share/selftests/" || { echo "no selftest $t in $stdir" >&2; exit 2; }
done
# kselftest's per-program time limit (not executable: no test itself)
cp "$top/selftests/gunyah/settings" "$vm/share/selftests/settings"
if [ -n "$extra_test" ]; then
	cp "$extra_test" "$vm/share/selftests/"
	tests="$(basename "$extra_test") $tests"	# first: it may set the stage
fi
[ -z "$extra_mod" ] || cp "$extra_mod" "$vm/share/extra/"
if [ "$mode" = runner ]; then
	ksi=${KSFT_INSTALL:-${BUILD_DIR:-$top/build}/kselftest_install}
	[ -x "$ksi/run_kselftest.sh" ] ||
		{ echo "no kselftest layout in $ksi (scripts/ksft-install.sh)" >&2; exit 2; }
	cp -r "$ksi" "$vm/share/kselftest"
fi
cp "$top/scripts/guest/plan.sh" "$vm/share/"
if [ "$mode" = bench ]; then
	cp "${BUILD_DIR:-$top/build}/tools/gunyah-bench" "$vm/share/" ||
		{ echo "no gunyah-bench in ${BUILD_DIR:-$top/build}/tools" >&2; exit 2; }
fi
if [ "$mode" = demo ]; then
	cp "$top/scripts/guest/demo.sh" "$vm/share/"
	cp "${BUILD_DIR:-$top/build}"/tools/* "$vm/share/" 2>/dev/null || true
fi
{
	printf 'MODE=%q\nMODULES=%q\nTESTS=%q\nUNLOAD=%q\nCMD=%q\nTEST_ENV=%q\nACCESS=%q\n' \
		"$mode" "$modules" "$tests" "$unload" "$cmd" "$test_env" "$access"
} > "$vm/share/plan.env"

# --- the initramfs: busybox, init, the 9p modules of this kernel ---
ird=$vm/initramfs
mkdir -p "$ird"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,lib/9p}
cp "$busybox" "$ird/bin/busybox"
cp "$top/scripts/guest/init" "$ird/init"
chmod +x "$ird/init"
: > "$ird/lib/9p-modules"
for m in 9p 9pnet_virtio virtio_pci; do
	[ -z "$root" ] || modprobe -d "$root" -S "$kver" --show-depends "$m"
done |
	awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' |
	while read -r ko; do
		name=$(basename "$ko")
		case "$name" in
		*.xz) xz -dc "$ko" > "$ird/lib/9p/${name%.xz}"; name=${name%.xz} ;;
		*.zst) zstd -qdc "$ko" > "$ird/lib/9p/${name%.zst}"; name=${name%.zst} ;;
		*) cp "$ko" "$ird/lib/9p/$name" ;;
		esac
		echo "/lib/9p/$name" >> "$ird/lib/9p-modules"
	done
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) > "$vm/initramfs.cpio.gz"

# --- boot ---
console=$vm/console.log
start=$(date +%s%N)
set +e
if [ "$arch" = arm64 ]; then
	# pauth-impdef: QEMU's cheap pointer-auth hash instead of QARMA (TCG)
	qemu=(qemu-system-aarch64 -M "virt${machine_opts:+,$machine_opts}"
		-cpu max,pauth-impdef=on ${dtb:+-dtb "$dtb"})
	console_dev=ttyAMA0
else
	qemu=(qemu-system-x86_64)
	console_dev=ttyS0
fi
# The accelerator: KVM where it boots a guest, else TCG. VM_ACCEL=kvm|tcg
# forces one. Otherwise, with a writable /dev/kvm and a guest of the
# host's own architecture, the first boot is a probe: a kernel that does
# not reach userspace under KVM within VM_KVM_PROBE (20 s) - nested or
# paravirtual hosts have a /dev/kvm on which guests never start - means
# TCG. The verdict is kept in BUILD_DIR/accel-ARCH for later runs (make
# check starts afresh).
accel_cache=${BUILD_DIR:-$top/build}/accel-$arch
accel=${VM_ACCEL:-}
if [ -z "$accel" ]; then
	if [ -f "$accel_cache" ]; then
		accel=$(cat "$accel_cache")
	elif [ -w /dev/kvm ] && { [ "$arch/$(uname -m)" = x86_64/x86_64 ] ||
				    [ "$arch/$(uname -m)" = arm64/aarch64 ]; }; then
		accel=probe
	else
		accel=tcg
	fi
fi
accel_args() {
	case "$1" in
	tcg) echo "-accel tcg" ;;
	*) echo "-accel kvm -cpu host" ;;	# kvm, probe
	esac
}
# A boot that never reaches userspace (init's first line) within
# VM_BOOT_TIMEOUT is stopped and booted once more: TCG has been seen to
# stall a Debian kernel in early boot, before any module of ours exists.
# So is one whose kernel died before userspace (TCG has been seen to take
# an int3 oops in Debian 6.12's early boot, in sched_clock_cpu). A run
# that reached userspace is never retried.
boot() { # [userspace deadline in s]
	local limit=${1:-${VM_BOOT_TIMEOUT:-300}} cpu=()
	echo "vmtest $kver: booting ($accel; console $console)"
	# shellcheck disable=SC2207 # words: "-accel kvm -cpu host"
	cpu=($(accel_args "$accel"))
	[ "$accel" = tcg ] || [ "$arch" != arm64 ] ||
		qemu=("${qemu[@]/max,pauth-impdef=on/host}")	# TCG-only property
	timeout "${VM_TIMEOUT:-900}" "${qemu[@]}" "${cpu[@]}" -m "${VM_MEM:-1024}" \
		-smp "${VM_SMP:-2}" -nographic -no-reboot \
		-kernel "$image" -initrd "$vm/initramfs.cpio.gz" \
		-append "console=$console_dev panic=-1 loglevel=7 hung_task_timeout_secs=30 $append ${VM_APPEND:-}" \
		-virtfs "local,path=$vm/share,mount_tag=share,security_model=none,id=share" \
		</dev/null >"$console" 2>&1 &
	local pid=$! waited=0
	while kill -0 "$pid" 2>/dev/null; do
		grep -aq 'GUNYAH_VMTEST: userspace' "$console" && break
		if [ "$waited" -ge "$limit" ]; then
			kill "$pid"
			wait "$pid"
			return 125
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait "$pid"
	local rc=$?
	grep -aq 'GUNYAH_VMTEST: userspace' "$console" || return 126
	return $rc
}
if [ "$accel" = probe ]; then
	boot "${VM_KVM_PROBE:-20}"
	qrc=$?
	if [ "$qrc" = 125 ] || [ "$qrc" = 126 ]; then
		mv "$console" "$vm/console-kvm-probe.log"
		echo "vmtest $kver: KVM did not bring the guest to userspace in ${VM_KVM_PROBE:-20} s ($vm/console-kvm-probe.log): TCG from now on"
		accel=tcg
	else
		accel=kvm
	fi
	mkdir -p "$(dirname "$accel_cache")"
	echo "$accel" > "$accel_cache"
	[ "$accel" = kvm ] || { boot; qrc=$?; }
else
	boot
	qrc=$?
fi
if [ "$qrc" = 125 ] || [ "$qrc" = 126 ]; then
	if [ "$qrc" = 125 ]; then
		mv "$console" "$vm/console-stalled.log"
		echo "vmtest $kver: the kernel stalled before userspace (${VM_BOOT_TIMEOUT:-300} s; $vm/console-stalled.log): booting again"
	else
		mv "$console" "$vm/console-early-death.log"
		echo "vmtest $kver: the kernel died before userspace ($vm/console-early-death.log): booting again"
	fi
	boot
	qrc=$?
	[ "$qrc" != 125 ] || qrc=124	# judged as timed out
	[ "$qrc" != 126 ] || qrc=1	# judged: no report
fi
set -e
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
echo "vmtest $kver: boot-run-poweroff ${elapsed} ms (qemu rc $qrc)" > "$vm/timing"

export JUDGE_ACCESS=$access
exec "$top/scripts/vm-judge.sh" "$vm" "$kver" "$qrc" "$mode" "$tests"
