#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# autopkgtest-virt-ssh setup script: the Debian system of
# scripts/debian-image.sh booted under QEMU (TCG; KVM where vmtest.sh's
# probe found it works) on a throw-away qcow2 overlay, reached over ssh on
# a forwarded local port. "revert" boots a fresh overlay, so tests that
# break the testbed (modules loaded into its kernel) cannot leak into the
# next one.
#   autopkgtest ... -- ssh -s scripts/debian-testbed.sh -- STATEDIR
# (autopkgtest-virt-ssh passes the arguments after "--" to each command)
set -euo pipefail

cmd=${1:-}
shift || true
[ "${1:-}" != -- ] || shift
state=${1:?usage: debian-testbed.sh open|cleanup|revert|debug-failure STATEDIR}
top=$(cd "$(dirname "$0")/.." && pwd)

stop() {
	if [ -f "$state/qemu.pid" ]; then
		kill "$(cat "$state/qemu.pid")" 2>/dev/null || true
		rm -f "$state/qemu.pid"
	fi
	rm -f "$state/overlay.qcow2"
}

start() {
	local img port waited=0 accel
	img=$("$top/scripts/debian-image.sh")
	mkdir -p "$state"
	stop
	qemu-img create -q -f qcow2 -b "$img/rootfs.ext4" -F raw "$state/overlay.qcow2"
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	accel=tcg
	[ "$(cat "${BUILD_DIR:-$top/build}/accel-x86_64" 2>/dev/null)" != kvm ] || accel="kvm -cpu host"
	# shellcheck disable=SC2086 # "kvm -cpu host": words
	qemu-system-x86_64 -accel $accel -m 2048 -smp 2 -nographic -no-reboot \
		-kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 net.ifnames=0 panic=-1" \
		-drive "file=$state/overlay.qcow2,if=virtio,format=qcow2" \
		-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=n0 \
		</dev/null >"$state/console.log" 2>&1 &
	echo $! > "$state/qemu.pid"
	echo "$port" > "$state/port"
	until ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o ConnectTimeout=5 -i "$img/id_ed25519" -p "$port" root@127.0.0.1 true 2>/dev/null; do
		kill -0 "$(cat "$state/qemu.pid")" 2>/dev/null ||
			{ echo "the testbed died while booting ($state/console.log)" >&2; return 1; }
		[ "$waited" -lt "${TESTBED_BOOT_TIMEOUT:-600}" ] ||
			{ echo "no ssh after $waited s ($state/console.log)" >&2; stop; return 1; }
		sleep 5
		waited=$((waited + 5))
	done
	cat <<EOF
login=root
hostname=127.0.0.1
port=$port
identity=$img/id_ed25519
capabilities=isolation-machine,revert,revert-full-system
options=-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
EOF
}

case "$cmd" in
open) start ;;
revert) start ;;
cleanup) stop ;;
debug-failure) tail -n 60 "$state/console.log" >&2 || true ;;
*) echo "unknown command '$cmd'" >&2; exit 1 ;;
esac
