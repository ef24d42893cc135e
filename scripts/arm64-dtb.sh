#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A device tree for qemu-system-aarch64 -M virt that carries a Gunyah
# hypervisor node, to test the "gunyah" platform driver's probing on a
# machine without Gunyah (the hypercalls are absent: the probe must stop
# at the UUID check). QEMU's own tree (dumpdtb, with the options vmtest.sh
# boots with) plus one node, merged by dtc.
#   arm64-dtb.sh upstream OUT  the upstream binding: "gunyah-hypervisor",
#                              the RM as its child, created by the probe
#   arm64-dtb.sh qcom OUT      what the public hypervisor generates:
#                              "qcom,gunyah-hypervisor…" + "simple-bus",
#                              so the RM child exists from boot on
#   arm64-dtb.sh qcom-smc OUT  the qcom node in QEMU's tree for
#                              -M virt,virtualization=on, whose PSCI method
#                              is "smc" (as on Qualcomm boards and under the
#                              public hypervisor): boot it with
#                              vmtest.sh --machine-opts virtualization=on
set -euo pipefail

variant=$1 out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

machine=virt
[ "$variant" != qcom-smc ] || machine=virt,virtualization=on
qemu-system-aarch64 -M "$machine,dumpdtb=$tmp/virt.dtb" -cpu max,pauth-impdef=on \
	-accel tcg -m "${VM_MEM:-1024}" -smp "${VM_SMP:-2}" -nographic \
	>"$tmp/qemu.log" 2>&1 || { cat "$tmp/qemu.log" >&2; exit 1; }
dtc -q -I dtb -O dts -o "$tmp/virt.dts" "$tmp/virt.dtb"
# the smc variant is only worth booting if QEMU really wrote "smc"
if [ "$variant" = qcom-smc ] && ! grep -q 'method = "smc";' "$tmp/virt.dts"; then
	echo "$0: QEMU's $machine tree has no PSCI method \"smc\"" >&2
	exit 1
fi

# The RM's message queues: TX and RX capids (two cells each) and their
# interrupts, GIC SPIs 100 and 101 (unused by virt), edge rising.
rm_props='reg = <0x0 0x10 0x0 0x11>;
		interrupts = <0x0 0x64 0x1>, <0x0 0x65 0x1>;'
case "$variant" in
upstream)
	node="hypervisor {
	compatible = \"gunyah-hypervisor\";
	#address-cells = <0x2>;
	#size-cells = <0x0>;
	gunyah-resource-mgr@0 {
		compatible = \"gunyah-resource-manager\";
		$rm_props
	};
};" ;;
qcom | qcom-smc)
	node="hypervisor {
	compatible = \"qcom,gunyah-hypervisor-1.0\", \"qcom,gunyah-hypervisor\", \"simple-bus\";
	#address-cells = <0x2>;
	#size-cells = <0x0>;
	qcom,gunyah-vm {
		compatible = \"qcom,gunyah-vm-id-1.0\";
	};
	qcom,resource-manager-rpc@0 {
		compatible = \"gunyah-resource-manager\", \"qcom,resource-manager-1-0\";
		$rm_props
	};
};" ;;
*) echo "usage: $0 upstream|qcom|qcom-smc OUT" >&2; exit 2 ;;
esac
printf '/ {\n%s\n};\n' "$node" >> "$tmp/virt.dts"
dtc -q -I dts -O dtb -o "$out" "$tmp/virt.dts"
