#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the test VM (busybox sh) from the 9p share: install and load
# the project's modules, run the selftests or the demo, unload, and leave
# everything the host judges in /share/out.
set -u
. /share/plan.env	# MODE, MODULES, TESTS, UNLOAD, CMD (written by vmtest.sh)
out=/share/out
kver=$(uname -r)

mark() { echo "GUNYAH_VMTEST: $*"; echo "$*" >> $out/events; }

# modprobe and request_module("ghfunc:N") find the modules here
mkdir -p /lib/modules/$kver/extra
cp /share/modules/*.ko /lib/modules/$kver/extra/ 2>/dev/null
depmod
mkdir -p /sys/kernel/tracing
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null

for m in $MODULES; do
	modprobe "$m" || mark "load-failed $m"
done
for m in /share/extra/*.ko; do
	[ -e "$m" ] && { insmod "$m" || mark "load-failed $m"; }
done

case "$MODE" in
test)
	for t in $TESTS; do
		echo "GUNYAH_VMTEST: running $t"
		timeout "${TEST_TIMEOUT:-300}" /share/selftests/"$t" > $out/"$t".tap 2>&1
		echo $? > $out/"$t".rc
		cat $out/"$t".tap
	done
	;;
demo)
	sh /share/demo.sh 2>&1 | tee $out/demo.txt
	;;
cmd)
	sh -c "$CMD" 2>&1 | tee $out/cmd.txt
	;;
esac

if [ "$UNLOAD" = 1 ]; then
	# unloading in dependency order proves nothing is left pinned
	for m in gunyah_vcpu gunyah_sim gunyah_rsc_mgr gunyah; do
		grep -q "^$m " /proc/modules || continue
		rmmod "$m" || mark "unload-failed $m"
	done
fi

dmesg > $out/dmesg.txt
cat /proc/sys/kernel/tainted > $out/tainted
sync
echo done > $out/done
echo "GUNYAH_VMTEST_DONE"
