#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the test VM (busybox sh) from the 9p share: install and load
# the project's modules, run the selftests or the demo, unload, and leave
# everything the host judges in /share/out.
set -u
. /share/plan.env	# MODE, MODULES, TESTS, UNLOAD, CMD, TEST_ENV, ACCESS (by vmtest.sh)
out=/share/out
kver=$(uname -r)

# vmtest.sh --env: variables for the tests, e.g. FAULT_SWEEP=long
for kv in ${TEST_ENV:-}; do
	export "$kv"
done

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

# One source for a program's time limit, as kselftest's runner has it:
# the settings file beside the programs, scaled for slow (debug) kernels.
limit=$(sed -n 's/^timeout=//p' /share/selftests/settings 2>/dev/null)
limit=${TEST_TIMEOUT:-$((${limit:-300} * ${TEST_TIMEOUT_SCALE:-1}))}

# ACCESS: how the tests meet the driver (vmtest.sh --access)
#   nonroot   as user nobody (every program must skip, saying why)
#   lockdown  as root in a kernel locked down as Secure Boot does it, after
#             the modules are loaded (these unsigned ones could not be)
case "${ACCESS:-root}" in
nonroot)
	mkdir -p /etc
	echo 'root:x:0:0:root:/:/bin/sh' > /etc/passwd
	echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/sh' >> /etc/passwd
	printf 'root:x:0:\nnogroup:x:65534:\n' > /etc/group
	;;
lockdown)
	# A Secure Boot user's modules are signed and load on demand; these
	# are not, so what the tests would autoload (ghfunc:0) goes in first
	modprobe gunyah_vcpu || mark "load-failed gunyah_vcpu"
	mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
	echo integrity > /sys/kernel/security/lockdown || mark "lockdown-failed"
	mark "lockdown $(cat /sys/kernel/security/lockdown)"
	;;
esac
run_test() { # program
	if [ "${ACCESS:-root}" = nonroot ]; then
		busybox timeout "$limit" su -s /bin/sh nobody -c "exec /share/selftests/$1"
	else
		busybox timeout "$limit" /share/selftests/"$1"
	fi
}

case "$MODE" in
test)
	for t in $TESTS; do
		echo "GUNYAH_VMTEST: running $t"
		run_test "$t" > $out/"$t".tap 2>&1
		echo $? > $out/"$t".rc
		cat $out/"$t".tap
	done
	;;
runner)
	# The installed layout (scripts/ksft-install.sh) run by kselftest's own
	# runner, as a kselftest user would: its TAP on stdout, the programs'
	# output in output.log (-s). Copied: the runner writes beside itself.
	cp -r /share/kselftest /tmp/kselftest
	chmod -R a+rwX /tmp/kselftest
	# busybox's timeout has no --foreground: keep the runner off it (the
	# whole run has a limit of its own)
	rm -f /usr/bin/timeout
	cmd="/tmp/kselftest/run_kselftest.sh -s"
	if [ "${ACCESS:-root}" = nonroot ]; then
		busybox timeout $((limit * 4)) su -s /bin/sh nobody -c "$cmd"
	else
		busybox timeout $((limit * 4)) $cmd
	fi > $out/runner.tap 2>&1
	echo $? > $out/runner.rc
	cp /tmp/kselftest/output.log $out/runner-output.log
	cat $out/runner.tap
	;;
demo)
	sh /share/demo.sh 2>&1 | tee $out/demo.txt
	;;
cmd)
	sh -c "$CMD" 2>&1 | tee $out/cmd.txt
	;;
bench)
	# not judged: a figure is never a failure (scripts/bench.sh)
	if [ -n "${BENCH_PROFILE:-}" ]; then
		# ftrace's function_graph under the ioctl syscall, for the
		# traced null ioctls and bench-mode exits only; funcgraph-tail
		# names each closing brace (scripts/bench-profile.sh sums them)
		t=/sys/kernel/tracing
		[ -e $t/trace ] || mount -t tracefs tracefs $t
		echo 0 > $t/tracing_on
		echo function_graph > $t/current_tracer
		case $(uname -m) in
		aarch64) echo __arm64_sys_ioctl > $t/set_graph_function ;;
		*) echo __x64_sys_ioctl > $t/set_graph_function ;;
		esac
		echo funcgraph-tail > $t/trace_options
		echo 16384 > $t/buffer_size_kb
		echo > $t/trace
		/share/gunyah-bench -p "$BENCH_PROFILE" -T $t/tracing_on 2>&1 |
			tee $out/bench.txt
		cp $t/trace $out/exit-trace.txt
		echo nop > $t/current_tracer
	else
		/share/gunyah-bench ${BENCH_REPS:+-r $BENCH_REPS} -j $out/bench.json 2>&1 |
			tee $out/bench.txt
	fi
	;;
esac

# Debug kernels (scripts/debug-lane.sh) only: kmemleak reports an object
# only once it is older than 5 s and a scan finds it unreferenced, so it
# takes two scans a few seconds apart. Once with the modules loaded (the
# backtraces name their functions), once after unloading (exit paths).
kmemleak_scan() { # file
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	echo scan > /sys/kernel/debug/kmemleak
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak > "$1"
	[ -s "$1" ] && mark "kmemleak $(grep -c '^unreferenced object' "$1") objects"
	echo clear > /sys/kernel/debug/kmemleak
}
kmemleak_scan $out/kmemleak-loaded.txt

if [ "$UNLOAD" = 1 ]; then
	# unloading in dependency order proves nothing is left pinned
	for m in gunyah_vcpu gunyah_sim gunyah_rsc_mgr gunyah; do
		grep -q "^$m " /proc/modules || continue
		rmmod "$m" || mark "unload-failed $m"
	done
fi

kmemleak_scan $out/kmemleak-unloaded.txt
# gcov-kernel keeps an unloaded module's counters: copy every .gcda out
if [ -d /sys/kernel/debug/gcov ]; then
	(cd /sys/kernel/debug/gcov && find . -name '*.gcda') | while read -r f; do
		mkdir -p "$out/gcov/${f%/*}"
		cat "/sys/kernel/debug/gcov/$f" > "$out/gcov/$f"
	done
fi

dmesg > $out/dmesg.txt
cat /proc/sys/kernel/tainted > $out/tainted
sync
echo done > $out/done
echo "GUNYAH_VMTEST_DONE"
