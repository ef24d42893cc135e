// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault-injection sweep (docs/fault-injection.md): the VM lifecycle and
 * vCPU workloads of the simulated platform under each fault class in
 * turn, checking per scenario that userspace got a documented errno or
 * exit, that the VM was torn down (its debugfs directory gone, nothing
 * left in the RM but what the fault explains), that the faults fired
 * (the injected counters) and, around the whole sweep, that unreclaimable
 * slab did not grow, and that the kernel log shows no splat.
 *
 * Plain TAP: one case per fault class, a table row per scenario.
 *   fault_sweep [--long] [--seed N]      FAULT_SWEEP=long also selects
 *   the long sweep (every value of every table); FAULT_SWEEP_SEED=N.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/gunyah.h>

#include "gunyah_util.h"
#include "gh_requires.h"

#define RPC_TIMEOUT "/sys/module/gunyah_rsc_mgr/parameters/rpc_timeout_ms"
#define MAX_VMID 1024

/*
 * Unreclaimable slab, after shrinking every cache, moves by some tens of
 * kB over a sweep without a leak. The smallest thing a scenario can leak
 * that matters is a VM (the gunyah_vm, its vCPU, function instance and
 * resource: over 2 kB) or a simulated RM VM (over 32 kB): at 2 kB per
 * scenario, 100 scenarios overshoot this bound.
 */
#define SLAB_BOUND_KB	192

static int long_mode;
static int total_scenarios, total_failed;
static long total_fired;
static int class_failed, class_scenarios;
static int kmsg_fd = -1;

/* ---- small file helpers ---- */

static long counter(const char *path, const char *key)
{
	return gh_file_value(path, key, ' ', 0);
}

static void arm_hc(const char *calls, int err, int times, int probability)
{
	gh_write_file(GH_FAIL_HC "hypercalls", "%s", calls);
	gh_write_file(GH_FAIL_HC "error", "%d", err);
	gh_write_file(GH_FAIL_HC "times", "%d", times);
	gh_write_file(GH_FAIL_HC "probability", "%d", probability);
}

static void arm_rm(const char *ids, unsigned int err, int times, int probability)
{
	gh_write_file(GH_FAIL_RM "msg_ids", "%s", ids);
	gh_write_file(GH_FAIL_RM "error", "%#x", err);
	gh_write_file(GH_FAIL_RM "times", "%d", times);
	gh_write_file(GH_FAIL_RM "probability", "%d", probability);
}

static long hc_fired(void)
{
	return counter(GH_FAIL_HC "injected", "total");
}

static long rm_fired(void)
{
	return counter(GH_FAIL_RM "injected", "total");
}

/* ---- errno tables (the ABI's mappings) ---- */

static const int gunyah_errors[] = {
	0, -1, -2, 1, 2, 3, 10, 20, 21, 22, 30, 31, 32, 40, 41, 50, 51, 52, 53,
	54, 60, 61,
};

/* The errno a gunyah_error becomes (negative) */
static int gh_errno(int e)
{
	switch (e) {
	case 0:
		return 0;
	case 10:
		return -ENOMEM;
	case 30: case 50: case 51: case 52: case 53:
		return -EACCES;
	case 54: case 31: case 32:
		return -EBUSY;
	case 40: case 41: case 60: case 61:
		return -EIO;
	case -1:
		return -EOPNOTSUPP;
	case -2:
		return -EAGAIN;
	default:
		return -EINVAL;
	}
}

static const unsigned int rm_errors[] = {
	0xffffffff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x99,
};

/* The errno an RM error becomes (negative) */
static int rm_errno(unsigned int e)
{
	if (e == 0xffffffff)
		return -EOPNOTSUPP;
	if (e == 1)
		return -ENOMEM;
	if (e == 2)
		return -ENODEV;
	if (e == 3)
		return -EPERM;
	if (e == 5 || e == 0x12)	/* BUSY, IN_USE */
		return -EBUSY;
	if (e == 0x13)			/* IRQ_NOT_MAPPED */
		return -ENXIO;
	if (e == 0x14)			/* VM_STATE */
		return -EBADFD;
	if (e >= 4 && e <= 0x11)
		return -EINVAL;
	return -EBADMSG;
}

static const struct {
	unsigned int id;
	const char *name;
	int teardown;	/* made while the VM goes away, not by VM_START */
} rm_calls[] = {
	{ 0x56000001, "ALLOC_VMID", 0 },
	{ 0x56000009, "CONFIG_IMAGE", 0 },
	{ 0x5600000b, "INIT", 0 },
	{ 0x56000020, "GET_HYP_RESOURCES", 0 },
	{ 0x56000004, "START", 0 },
	{ 0x56000005, "STOP", 1 },
	{ 0x56000006, "RESET", 1 },
	{ 0x56000002, "DEALLOC_VMID", 1 },
};

#define START_PATH_IDS "0x56000001 0x56000009 0x5600000b 0x56000020 0x56000004"

/* ---- scenario bookkeeping ---- */

struct scenario {
	char name[64];
	long fired;
	int ok;
	char outcome[160];
	int leftover_ok;	/* the fault explains a VM left in the RM */
	unsigned char vms_before[MAX_VMID];
};

static void sim_vms(unsigned char *set)
{
	struct dirent *de;
	DIR *d = opendir(SIM_DEBUGFS);
	int id;

	memset(set, 0, MAX_VMID);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (sscanf(de->d_name, "vm%d", &id) == 1 && id >= 0 && id < MAX_VMID)
			set[id] = 1;
	closedir(d);
}

static void sc_begin(struct scenario *sc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sc->name, sizeof(sc->name), fmt, ap);
	va_end(ap);
	sc->fired = 0;
	sc->ok = 1;
	sc->outcome[0] = '\0';
	sc->leftover_ok = 0;
	sim_vms(sc->vms_before);
}

static void sc_note(struct scenario *sc, const char *fmt, ...)
{
	size_t len = strlen(sc->outcome);
	va_list ap;

	if (len && len < sizeof(sc->outcome) - 2) {
		sc->outcome[len++] = ';';
		sc->outcome[len++] = ' ';
		sc->outcome[len] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(sc->outcome + len, sizeof(sc->outcome) - len, fmt, ap);
	va_end(ap);
}

static void sc_fail(struct scenario *sc, const char *fmt, ...)
{
	char msg[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sc->ok = 0;
	sc_note(sc, "FAIL %s", msg);
}

static void sc_end(struct scenario *sc, long expect_min_fired)
{
	unsigned char now[MAX_VMID];
	int id, i, left = 0;

	gh_fault_disarm();
	/*
	 * Whatever the RM still holds that was not there before. The RM
	 * removes a VM's files just after its DEALLOC_VMID reply: give it
	 * a moment.
	 */
	for (id = 0; id < 50; id++) {
		sim_vms(now);
		for (left = 0, i = 0; i < MAX_VMID; i++)
			left += now[i] && !sc->vms_before[i];
		if (!left)
			break;
		usleep(10000);
	}
	for (left = 0, id = 0; id < MAX_VMID; id++) {
		if (!now[id] || sc->vms_before[id])
			continue;
		left++;
		gh_sim_reap(id);
	}
	gh_reclaim_stuck();
	if (left && sc->leftover_ok)
		sc_note(sc, "RM kept vm (expected), reaped");
	else if (left)
		sc_fail(sc, "RM kept %d VM(s)", left);
	if (sc->fired < expect_min_fired)
		sc_fail(sc, "fired %ld < %ld", sc->fired, expect_min_fired);

	printf("# %-40s %5ld  %s %s\n", sc->name, sc->fired, sc->ok ? "ok  " : "FAIL",
	       sc->outcome);
	fflush(stdout);
	total_scenarios++;
	class_scenarios++;
	total_fired += sc->fired;
	if (!sc->ok) {
		total_failed++;
		class_failed++;
	}
}

/* ---- the VM under test ---- */

struct vm {
	int dev, vm, vcpu, vmid;
	int start_err;
	struct gunyah_vcpu_run *run;
};

static int vm_create(struct scenario *sc, struct vm *v, int start)
{
	memset(v, 0, sizeof(*v));
	v->dev = gh_open_dev();
	if (v->dev < 0) {
		sc_fail(sc, "open /dev/gunyah: %s", strerror(errno));
		return -1;
	}
	v->vm = gh_create_vm(v->dev);
	if (v->vm < 0) {
		sc_fail(sc, "CREATE_VM: %s", strerror(errno));
		close(v->dev);
		return -1;
	}
	v->vcpu = gh_add_vcpu(v->vm, 0);
	v->run = v->vcpu >= 0 ? gh_map_run(v->vcpu) : NULL;
	if (!v->run) {
		sc_fail(sc, "vCPU: %s", strerror(errno));
		return -1;
	}
	if (start) {
		v->start_err = ioctl(v->vm, GUNYAH_VM_START) ? errno : 0;
		v->vmid = gh_vmid(v->vm);
	}
	return 0;
}

static int run_vcpu(struct vm *v)
{
	return ioctl(v->vcpu, GUNYAH_VCPU_RUN, 0) ? -errno : 0;
}

/* Close everything; the VM's debugfs directory must be gone after */
static void vm_destroy(struct scenario *sc, struct vm *v)
{
	char path[64];
	struct stat st;

	if (v->run)
		munmap(v->run, (size_t)sysconf(_SC_PAGESIZE));
	if (v->vcpu > 0)
		close(v->vcpu);
	if (v->vm > 0)
		close(v->vm);
	if (v->dev > 0)
		close(v->dev);
	if (v->vmid > 0) {
		snprintf(path, sizeof(path), GH_DEBUGFS "vm%d", v->vmid);
		if (stat(path, &st) == 0)
			sc_fail(sc, "%s still there after close", path);
	}
}

static int expect_mmio(struct scenario *sc, struct vm *v, unsigned long addr)
{
	int r = run_vcpu(v);

	if (r) {
		sc_fail(sc, "run: %s, expected MMIO %#lx", strerror(-r), addr);
		return -1;
	}
	if (v->run->exit_reason != GUNYAH_VCPU_EXIT_MMIO ||
	    v->run->mmio.phys_addr != addr) {
		sc_fail(sc, "exit %u at %#llx, expected MMIO %#lx",
			v->run->exit_reason, (unsigned long long)v->run->mmio.phys_addr, addr);
		return -1;
	}
	return 0;
}

/* ---- kernel log ---- */

static void kmsg_open(void)
{
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
}

/* Any splat logged since the last call? Prints the first one. */
static int kmsg_splat(void)
{
	static const char * const pats[] = {
		"BUG:", "WARNING:", "Oops", "Call Trace:", "general protection",
		"KASAN", "UBSAN", "kmemleak", "list_add corruption", "list_del corruption",
		"blocked for more than", "scheduling while atomic", "soft lockup",
	};
	char rec[2048];
	unsigned int i;
	ssize_t n;
	int found = 0;

	if (kmsg_fd < 0)
		return 0;
	for (;;) {
		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records */
		if (n <= 0)
			break;
		rec[n] = '\0';
		for (i = 0; i < ARRAY_SIZE(pats); i++) {
			if (strstr(rec, pats[i]) && !found) {
				found = 1;
				rec[strcspn(rec, "\n")] = '\0';
				printf("# kernel log: %.200s\n", rec);
			}
		}
	}
	return found;
}

/* ---- slab ---- */

static long sunreclaim_kb(void)
{
	DIR *d;
	struct dirent *de;
	char path[320];

	/* Empty the per-cpu partial slabs so they do not read as leaks */
	d = opendir("/sys/kernel/slab");
	if (d) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", de->d_name);
			gh_write_file(path, "1");
		}
		closedir(d);
	}
	usleep(200000);	/* RCU-deferred frees */
	return gh_file_value("/proc/meminfo", "SUnreclaim", ':', -1);
}

/* ---- fault classes ---- */

struct kick {
	struct vm *v;
	int ret;
	pthread_t thread;
};

static void *kick_fn(void *arg)
{
	struct kick *k = arg;

	k->ret = run_vcpu(k->v);
	return NULL;
}

static const char *single_mmio = "mmio_write 0x10 4 1\n";
static const char *two_mmio = "mmio_write 0x100 4 1\nmmio_write 0x104 4 2\n";

static void vcpu_run_errors(void)
{
	unsigned int i;
	struct scenario sc;
	struct vm v;

	for (i = 0; i < ARRAY_SIZE(gunyah_errors); i++) {
		int e = gunyah_errors[i], r, want = -gh_errno(e);
		long f0 = hc_fired();

		sc_begin(&sc, "vcpu_run error %d", e);
		if (!vm_create(&sc, &v, 1) && !v.start_err) {
			gh_sim_load(v.vmid, 0, two_mmio);
			arm_hc("vcpu_run", e, 1, 100);
			/* RETRY is retried; OK (nothing ran) loops on: both transparent */
			if (e == 0 || e == -2) {
				expect_mmio(&sc, &v, 0x100);
				sc_note(&sc, "transparent");
			} else {
				r = run_vcpu(&v);
				if (r != -want)
					sc_fail(&sc, "run: %d, expected -%s", r, strerror(want));
				else
					sc_note(&sc, "errno %s", strerror(want));
				gh_fault_disarm();
				/* Nothing lost: the run resumes where it was */
				expect_mmio(&sc, &v, 0x100);
			}
			gh_fault_disarm();
			expect_mmio(&sc, &v, 0x104);
		} else if (!sc.outcome[0]) {
			sc_fail(&sc, "VM_START: %s", strerror(v.start_err));
		}
		sc.fired = hc_fired() - f0;
		vm_destroy(&sc, &v);
		sc_end(&sc, 1);
	}

	/* Storms: the hypervisor keeps saying RETRY (or nothing); a kick ends them */
	for (i = 0; i < 2; i++) {
		int e = i ? 0 : -2;
		long f0 = hc_fired();
		struct kick k;

		sc_begin(&sc, "vcpu_run error %d storm + kick", e);
		if (!vm_create(&sc, &v, 1) && !v.start_err) {
			gh_sim_load(v.vmid, 0, two_mmio);
			arm_hc("vcpu_run", e, -1, 100);
			k.v = &v;
			pthread_create(&k.thread, NULL, kick_fn, &k);
			/* immediate_exit is checked on every retry */
			usleep(30000);
			v.run->immediate_exit = 1;
			pthread_join(k.thread, NULL);
			if (k.ret != -EINTR)
				sc_fail(&sc, "run: %d, expected -EINTR", k.ret);
			v.run->immediate_exit = 0;
			gh_fault_disarm();
			expect_mmio(&sc, &v, 0x100);
			sc_note(&sc, "EINTR after kick");
		}
		sc.fired = hc_fired() - f0;
		vm_destroy(&sc, &v);
		sc_end(&sc, 1);
	}
}

/* The VM fd's fdinfo says "status:\t@status" */
static int vm_fd_status_is(const struct vm *v, const char *status)
{
	char path[64], want[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", v->vm);
	snprintf(want, sizeof(want), "status:\t%s", status);
	p = strstr(gh_read_file(path, buf, sizeof(buf)), want);
	return p && (p[strlen(want)] == '\n' || !p[strlen(want)]);
}

static void lifecycle_with_start_failure(struct scenario *sc, struct vm *v, int want)
{
	int r;

	if (v->start_err != want) {
		sc_fail(sc, "VM_START: %s, expected %s", strerror(v->start_err),
			want ? strerror(want) : "success");
		return;
	}
	if (!want) {
		gh_sim_load(v->vmid, 0, single_mmio);
		expect_mmio(sc, v, 0x10);
		return;
	}
	sc_note(sc, "VM_START %s", strerror(want));
	r = run_vcpu(v);
	/*
	 * Failed before the RM gave it a vmid: not started, and it may be
	 * started again, so its vCPU is not ready (-ENODEV). After: it
	 * never runs, and its vCPU says so, load failed, for good.
	 */
	if (vm_fd_status_is(v, "no_state")) {
		if (r != -ENODEV)
			sc_fail(sc, "run after a start that got no vmid: %d exit %u",
				r, v->run->exit_reason);
		return;
	}
	if (r == 0 && v->run->exit_reason == GUNYAH_VCPU_EXIT_STATUS &&
	    v->run->status.status == GUNYAH_VM_STATUS_LOAD_FAILED)
		return;
	sc_fail(sc, "run after failed start: %d exit %u", r, v->run->exit_reason);
}

static void msgq_errors(void)
{
	static const int send_short[] = { 31, 10, 61, -2, 0 };
	static const int recv_short[] = { 60, 1 };
	char old_timeout[32];
	const int *list;
	unsigned int n, i, dir;
	struct scenario sc;
	struct vm v;

	gh_read_file(RPC_TIMEOUT, old_timeout, sizeof(old_timeout));
	gh_write_file(RPC_TIMEOUT, "300");
	for (dir = 0; dir < 2; dir++) {
		if (long_mode) {
			list = gunyah_errors;
			n = ARRAY_SIZE(gunyah_errors);
		} else {
			list = dir ? recv_short : send_short;
			n = dir ? ARRAY_SIZE(recv_short) : ARRAY_SIZE(send_short);
		}
		for (i = 0; i < n; i++) {
			int e = list[i], want;
			long f0 = hc_fired();

			sc_begin(&sc, "%s error %d", dir ? "msgq_recv" : "msgq_send", e);
			if (dir && (e == 60 || e == 0)) {
				/*
				 * EMPTY, or OK with nothing received: the reply
				 * stays queued, the call times out, the RM did it
				 */
				want = ETIMEDOUT;
				sc.leftover_ok = 1;
			} else if (dir) {
				/* Any other error: the RX thread tries again */
				want = 0;
			} else if (e == 61 || e == 0) {
				/* FULL: no TX-space irq comes; OK: the message is lost */
				want = ETIMEDOUT;
			} else {
				want = -gh_errno(e);
			}
			arm_hc(dir ? "msgq_recv" : "msgq_send", e, 1, 100);
			if (!vm_create(&sc, &v, 1))
				lifecycle_with_start_failure(&sc, &v, want);
			sc.fired = hc_fired() - f0;
			vm_destroy(&sc, &v);
			sc_end(&sc, 1);
		}
	}
	gh_write_file(RPC_TIMEOUT, "%s", old_timeout[0] ? old_timeout : "10000");
}

static void rm_call_errors(void)
{
	unsigned int c, i;
	struct scenario sc;
	struct vm v;

	for (c = 0; c < ARRAY_SIZE(rm_calls); c++) {
		for (i = 0; i < ARRAY_SIZE(rm_errors); i++) {
			unsigned int e = rm_errors[i];
			char ids[16];
			long f0;

			/* Short: every error once, spread over the calls */
			if (!long_mode && (i + c) % 6)
				continue;
			f0 = rm_fired();
			sc_begin(&sc, "rm %s error %#x", rm_calls[c].name, e);
			snprintf(ids, sizeof(ids), "%#x", rm_calls[c].id);
			arm_rm(ids, e, 1, 100);
			/*
			 * A refused DEALLOC_VMID leaves the vmid with the RM;
			 * so does a refused RESET: the RM frees an id only in
			 * LOAD or RESET, so the driver does not ask.
			 */
			sc.leftover_ok = rm_calls[c].id == 0x56000002 ||
					 rm_calls[c].id == 0x56000006;
			if (!vm_create(&sc, &v, 1))
				lifecycle_with_start_failure(&sc, &v, rm_calls[c].teardown ?
							     0 : -rm_errno(e));
			vm_destroy(&sc, &v);
			sc.fired = rm_fired() - f0;
			if (rm_calls[c].teardown && sc.ok)
				sc_note(&sc, "teardown went on");
			sc_end(&sc, 1);
		}
	}
}

struct runner {
	struct vm *v;
	int ret, runs;
	pthread_t thread;
};

/* Run until something other than an MMIO exit */
static void *runner_fn(void *arg)
{
	struct runner *r = arg;

	for (r->runs = 0; r->runs < 1000000; r->runs++) {
		r->ret = run_vcpu(r->v);
		if (r->ret || r->v->run->exit_reason != GUNYAH_VCPU_EXIT_MMIO)
			break;
	}
	return NULL;
}

static void notification_faults(void)
{
	static const char * const programs[] = {
		"yield\nloop\n", "wfi\n", "delay 3\nloop\n", "mmio_write 0x10 4 1\nloop\n",
	};
	static const unsigned int reason_sizes[] = { 0, 4, 8, 16, 100 };
	unsigned int type, rep, reps = long_mode ? 8 : 1, k = 0, i;
	static const struct { int status, want; } statuses[] = {
		{ 11, GUNYAH_VM_STATUS_CRASHED },	/* RESET */
		{ 8, GUNYAH_VM_STATUS_LOAD_FAILED },	/* INIT_FAILED */
		{ 10, GUNYAH_VM_STATUS_CRASHED },	/* RESETTING */
	};
	struct scenario sc;
	struct vm v;

	for (type = 0; type < 8; type++) {
		for (rep = 0; rep < reps; rep++, k++) {
			const char *prog = programs[(type + rep) % ARRAY_SIZE(programs)];
			unsigned int size = type == 3 ? 16 :
					    reason_sizes[k % ARRAY_SIZE(reason_sizes)];
			unsigned char reason[128];
			char hex[2 * sizeof(reason) + 1];
			unsigned int delay_us = rand() % 30000;
			long f0 = counter(GH_RM_INJECT "injected", "vm_exited");
			struct runner r;

			for (i = 0; i < size; i++) {
				reason[i] = rand();
				sprintf(hex + 2 * i, "%02x", reason[i]);
			}
			hex[2 * size] = '\0';
			sc_begin(&sc, "VM_EXITED type %u reason %u B after %u us", type, size,
				 delay_us);
			sc.leftover_ok = 1;	/* the RM never stopped its VM */
			if (!vm_create(&sc, &v, 1) && !v.start_err) {
				gh_sim_load(v.vmid, 0, prog);
				r.v = &v;
				pthread_create(&r.thread, NULL, runner_fn, &r);
				usleep(delay_us);
				if (gh_write_file(GH_RM_INJECT "vm_exited", "%d %u %s",
						  v.vmid, type, hex))
					sc_fail(&sc, "write vm_exited refused");
				pthread_join(r.thread, NULL);
				if (r.ret)
					sc_fail(&sc, "run: %s", strerror(-r.ret));
				else if (v.run->exit_reason != GUNYAH_VCPU_EXIT_STATUS ||
					 v.run->status.status != GUNYAH_VM_STATUS_EXITED ||
					 v.run->status.exit_info.type != type ||
					 v.run->status.exit_info.reason_size != size ||
					 memcmp(v.run->status.exit_info.reason, reason,
						size < 8 ? size : 8))
					sc_fail(&sc, "exit %u status %u type %u size %u",
						v.run->exit_reason, v.run->status.status,
						v.run->status.exit_info.type,
						v.run->status.exit_info.reason_size);
				else
					sc_note(&sc, "STATUS exit after %d MMIO exits", r.runs);
			}
			vm_destroy(&sc, &v);
			sc.fired = counter(GH_RM_INJECT "injected", "vm_exited") - f0;
			sc_end(&sc, 1);
		}
	}

	for (i = 0; i < ARRAY_SIZE(statuses); i++) {
		long f0 = counter(GH_RM_INJECT "injected", "vm_status");
		struct runner r;

		sc_begin(&sc, "VM_STATUS %d", statuses[i].status);
		sc.leftover_ok = 1;
		if (!vm_create(&sc, &v, 1) && !v.start_err) {
			gh_sim_load(v.vmid, 0, programs[i % 2]);
			r.v = &v;
			pthread_create(&r.thread, NULL, runner_fn, &r);
			usleep(rand() % 20000);
			gh_write_file(GH_RM_INJECT "vm_status", "%d %d", v.vmid,
				      statuses[i].status);
			pthread_join(r.thread, NULL);
			if (r.ret || v.run->exit_reason != GUNYAH_VCPU_EXIT_STATUS ||
			    (int)v.run->status.status != statuses[i].want)
				sc_fail(&sc, "run %d exit %u status %u", r.ret,
					v.run->exit_reason, v.run->status.status);
			else
				sc_note(&sc, "STATUS exit, status %d", statuses[i].want);
		}
		vm_destroy(&sc, &v);
		sc.fired = counter(GH_RM_INJECT "injected", "vm_status") - f0;
		sc_end(&sc, 1);
	}
}

static void probability_sweeps(void)
{
	static const int short_p[] = { 1, 25, 50, 100 };
	static const int short_rm_p[] = { 20, 100 };
	char prog[1024];
	int p, i, n = long_mode ? 100 : (int)ARRAY_SIZE(short_p);
	struct scenario sc;
	struct vm v;

	prog[0] = '\0';
	for (i = 0; i < 20; i++)
		snprintf(prog + strlen(prog), sizeof(prog) - strlen(prog),
			 "mmio_write %#x 4 %d\n", 0x100 + i, i);

	for (i = 0; i < n; i++) {
		int exits = 0, fails = 0, streak = 0, attempts = 0, r;
		long f0 = hc_fired();

		p = long_mode ? i + 1 : short_p[i];
		sc_begin(&sc, "vcpu_run p=%d%%", p);
		if (!vm_create(&sc, &v, 1) && !v.start_err) {
			gh_sim_load(v.vmid, 0, prog);
			arm_hc("vcpu_run", 31, -1, p);
			while (exits < 20 && attempts++ < 400 && sc.ok) {
				r = run_vcpu(&v);
				if (r == -EBUSY) {
					fails++;
					/* At 100% nothing gets through: let it go */
					if (++streak == 10)
						gh_fault_disarm();
					continue;
				}
				streak = 0;
				if (r || v.run->mmio.phys_addr != (unsigned int)(0x100 + exits))
					sc_fail(&sc, "run %d at %#llx, expected MMIO %#x", r,
						(unsigned long long)v.run->mmio.phys_addr,
						0x100 + exits);
				exits++;
			}
			gh_fault_disarm();
			sc.fired = hc_fired() - f0;
			if (sc.fired != fails)
				sc_fail(&sc, "%d EBUSY seen, %ld injected", fails, sc.fired);
			if (exits != 20)
				sc_fail(&sc, "%d of 20 MMIO exits", exits);
			sc_note(&sc, "%d EBUSY, %d exits in order", fails, exits);
		}
		vm_destroy(&sc, &v);
		sc_end(&sc, p == 100 ? 10 : 0);
	}

	n = long_mode ? 10 : (int)ARRAY_SIZE(short_rm_p);
	for (i = 0; i < n; i++) {
		int cycles = long_mode ? 10 : 5, c, failed = 0;
		unsigned int e = rm_errors[(i * 7) % ARRAY_SIZE(rm_errors)];
		long f0 = rm_fired();

		p = long_mode ? (i + 1) * 10 : short_rm_p[i];
		sc_begin(&sc, "rm start path p=%d%% error %#x", p, e);
		for (c = 0; c < cycles && sc.ok; c++) {
			arm_rm(START_PATH_IDS, e, -1, p);
			if (!vm_create(&sc, &v, 1)) {
				if (v.start_err && v.start_err != -rm_errno(e))
					sc_fail(&sc, "VM_START: %s", strerror(v.start_err));
				failed += !!v.start_err;
				if (!v.start_err) {
					gh_fault_disarm();
					gh_sim_load(v.vmid, 0, single_mmio);
					expect_mmio(&sc, &v, 0x10);
				}
			}
			gh_fault_disarm();
			vm_destroy(&sc, &v);
		}
		sc.fired = rm_fired() - f0;
		/*
		 * Undoing a start that failed at VM_INIT sends VM_INIT once
		 * more (the RM resets no VM in AUTH); that call may draw a
		 * fault too, and the RM then keeps the VM (logged; reaped).
		 */
		if (sc.fired < failed || sc.fired > 2 * failed)
			sc_fail(&sc, "%d failed starts, %ld injected", failed, sc.fired);
		sc.leftover_ok = sc.fired > failed;
		sc_note(&sc, "%d of %d starts failed with %s", failed, cycles,
			strerror(-rm_errno(e)));
		sc_end(&sc, p == 100 ? cycles : 0);
	}
}

static int tap_n;

GH_REQUIRES(GH_REQ_ROOT | GH_REQ_DEBUGFS);

static void run_class(const char *name, void (*fn)(void))
{
	int splat;

	class_failed = 0;
	class_scenarios = 0;
	printf("# --- %s: scenario, faults fired, outcome\n", name);
	fn();
	splat = kmsg_splat();
	if (splat)
		printf("# kernel log shows a splat during %s\n", name);
	printf("%sok %d %s (%d scenarios)\n", class_failed || splat ? "not " : "",
	       ++tap_n, name, class_scenarios);
	if (splat)
		total_failed++;
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *env = getenv("FAULT_SWEEP");
	unsigned int seed = (unsigned int)time(NULL);
	long kb0, kb1;
	struct scenario sc;
	struct vm v;
	struct stat st;
	int i;

	if (env && !strcmp(env, "long"))
		long_mode = 1;
	if (getenv("FAULT_SWEEP_SEED"))
		seed = strtoul(getenv("FAULT_SWEEP_SEED"), NULL, 0);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--long"))
			long_mode = 1;
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoul(argv[++i], NULL, 0);
	}
	srand(seed);

	printf("TAP version 13\n");
	if (stat(GH_FAIL_HC, &st) || stat(GH_FAIL_RM, &st) || stat(GH_RM_INJECT, &st) ||
	    stat(SIM_DEBUGFS, &st) ||
	    access("/dev/gunyah", R_OK)) {
		printf("1..0 # SKIP needs gunyah_rsc_mgr, gunyah_sim and debugfs\n");
		return 4;
	}
	printf("1..6\n# fault_sweep: %s mode, seed %u\n", long_mode ? "long" : "short",
	       seed);
	gh_fault_disarm();
	kmsg_open();

	/* Warm up: loads gunyah_vcpu, fills the caches a VM needs */
	for (i = 0; i < 3; i++) {
		sc_begin(&sc, "warm-up %d", i);
		if (!vm_create(&sc, &v, 1) && !v.start_err) {
			gh_sim_load(v.vmid, 0, single_mmio);
			expect_mmio(&sc, &v, 0x10);
		}
		vm_destroy(&sc, &v);
		sc_end(&sc, 0);
	}
	kb0 = sunreclaim_kb();

	run_class("vcpu_run_errors", vcpu_run_errors);
	run_class("msgq_errors", msgq_errors);
	run_class("rm_call_errors", rm_call_errors);
	run_class("rm_notifications", notification_faults);
	run_class("probability_sweeps", probability_sweeps);

	kb1 = sunreclaim_kb();
	printf("# SUnreclaim %ld -> %ld kB (%+ld kB over %d scenarios, bound %d kB)\n",
	       kb0, kb1, kb1 - kb0, total_scenarios, SLAB_BOUND_KB);
	if (kb0 < 0 || kb1 - kb0 > SLAB_BOUND_KB) {
		printf("not ok %d no_slab_leak\n", ++tap_n);
		total_failed++;
	} else {
		printf("ok %d no_slab_leak\n", ++tap_n);
	}
	gh_fault_disarm();
	printf("# fault_sweep: %s: %d scenarios, %ld faults fired, %d failed\n",
	       total_failed ? "FAIL" : "PASS", total_scenarios, total_fired, total_failed);
	return total_failed ? 1 : 0;
}
