#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The arm64 lane of `make check`: Debian's arm64 kernels (6.1 and 6.12)
# on qemu-system-aarch64 -M virt -cpu max under TCG.
#  1. the selftests cross-built (static, aarch64-linux-gnu-gcc);
#  2. per kernel: every module cross-built W=1 clean against the privately
#     unpacked arm64 headers (scripts/fetch-headers.sh);
#  3. the whole suite with gunyah_sim standing in for the hypervisor;
#  4. four boots without the simulator at first (scripts/guest/dt_probe):
#     QEMU's own device tree (no hypervisor node), then trees carrying the
#     upstream binding's and the public hypervisor's hypervisor node
#     (scripts/arm64-dtb.sh), the latter also under -M virt,virtualization=on
#     whose PSCI conduit is SMC (qcom-smc): the "gunyah" driver must say
#     "no Gunyah", register no backend, fail at the UUID check (asked
#     through SMC for qcom-smc), leave the RM node unbound; gunyah_sim must
#     then load and the vCPU exits suite pass.
#     A negative control (first kernel only) runs dt_probe against a node
#     the tree lacks and expects it to fail.
# Writes "P F S" to $BUILD_DIR/arm64/result.
#   ARM64_KERNELS="arm64-6.1 arm64-6.12"  TESTS="a b" (step 3 only; no step 4)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
targets=${ARM64_KERNELS:-$("$top/scripts/kernels.sh" list-arm64)}
tests=${TESTS:-}
out=$build/arm64
cd "$top" || exit 1
mkdir -p "$out"
rm -f "$out/result"
control=0	# the negative control runs once, on the first kernel that boots

# shellcheck source=SCRIPTDIR/lane-lib.sh
. "$top/scripts/lane-lib.sh"
finish() {
	echo "$pass $fail $skip" > "$out/result"
	echo "arm64 lane: $pass passed, $fail failed, $skip skipped"
	exit 0
}

mkdir -p "$build/selftests-arm64"
if ksft=$(scripts/ksft-headers.sh) &&
   make -s -C selftests/gunyah KSFT_DIR="$ksft" OUTPUT="$build/selftests-arm64" \
	CROSS_COMPILE=aarch64-linux-gnu- > "$out/selftests.log" 2>&1; then
	ok "build.arm64.selftests"
else
	cat "$out/selftests.log"
	bad "build.arm64.selftests"
	finish
fi

for k in $targets; do
	kernel_suite "$k" "$out" || continue
	[ -z "$tests" ] || continue
	for v in none upstream qcom qcom-smc; do
		dtb=()
		if [ "$v" != none ]; then
			if ! scripts/arm64-dtb.sh "$v" "$out/$v.dtb"; then
				bad "arm64.dtb.$v"
				continue
			fi
			dtb=(--dtb "$out/$v.dtb")
		fi
		# the tree of qcom-smc is QEMU's for virtualization=on
		[ "$v" != qcom-smc ] || dtb+=(--machine-opts virtualization=on)
		rm -f "$build/$kver/vm${VM_TAG:-}-dt-$v/result"
		VM_TAG="${VM_TAG:-}-dt-$v" scripts/vmtest.sh "${dtb[@]}" \
			--modules "gunyah_rsc_mgr gunyah_vcpu" --env "DT_VARIANT=$v" \
			--extra-test scripts/guest/dt_probe --tests vcpu_exits "$k"
		add_result "$build/$kver/vm${VM_TAG:-}-dt-$v/result"
	done
	# negative control, once: claiming a hypervisor node that QEMU's tree
	# lacks must make dt_probe (and so the run) fail
	[ "$control" = 0 ] || continue
	control=1
	if VM_TAG="${VM_TAG:-}-dt-control" scripts/vmtest.sh \
		--modules "gunyah_rsc_mgr gunyah_vcpu" --env "DT_VARIANT=upstream" \
		--extra-test scripts/guest/dt_probe --tests gunyah_dev "$k" > "$out/dt-control.log" 2>&1; then
		bad "arm64.dt_probe_fails_on_a_missing_node (the run passed: $out/dt-control.log)"
	elif grep -q 'FAIL .*dt_probe.upstream.hypervisor_device_exists' "$out/dt-control.log"; then
		ok "arm64.dt_probe_fails_on_a_missing_node"
	else
		bad "arm64.dt_probe_fails_on_a_missing_node (failed for another reason: $out/dt-control.log)"
	fi
done
[ -n "$tests" ] || [ "$control" = 1 ] ||
	bad "arm64.dt_probe_fails_on_a_missing_node (never ran: no arm64 kernel was built)"
finish
