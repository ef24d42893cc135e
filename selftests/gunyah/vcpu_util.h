/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the vCPU selftests (vcpu_exits, vcpu_status, vcpu_threads,
 * vcpu_mmap, hostile): a started VM with vCPUs on the simulator, runner
 * threads, and the ways a test learns what happened without sleeping:
 * the guest's log, the simulator's per-vCPU status line, and the state
 * and wait channel of a thread in /proc.
 *
 * Include after kselftest_harness.h: the GH_* macros use its asserts.
 */
#ifndef GUNYAH_SELFTEST_VCPU_UTIL_H
#define GUNYAH_SELFTEST_VCPU_UTIL_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <time.h>

#include "gunyah_util.h"

#define GH_MAX_VCPUS		2
/* A thread that must fall asleep and has not within this is hung */
#define GH_ASLEEP_BOUND_MS	20000

/* A started VM with vCPUs 0..nr-1 on the simulator */
struct gh_vm {
	int dev, vm, vmid, nr;
	int vcpu[GH_MAX_VCPUS];
	struct gunyah_vcpu_run *run[GH_MAX_VCPUS];
	bool skip;		/* setup skipped: the test body must not run */
};

static inline long gh_page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

static inline bool gh_sim_present(void)
{
	return access(SIM_DEBUGFS, F_OK) == 0;
}

/*
 * The simulator's hypervisor profile for the VMs created from now on:
 * the public hypervisor's (no resume actions, no page-fault state) or
 * v17's. 0 or -errno; a no-op success without the simulator.
 */
static inline int gh_sim_profile(bool public)
{
	if (!gh_sim_present())
		return 0;
	return gh_write_file(SIM_DEBUGFS "/public_profile", public ? "Y" : "N");
}

/* GUNYAH_VCPU_RUN: 0 or -errno */
static inline int gh_run(int fd)
{
	return ioctl(fd, GUNYAH_VCPU_RUN, 0) ? -errno : 0;
}

static inline __u64 gh_mmio_data(const struct gunyah_vcpu_run *run)
{
	__u64 v = 0;

	memcpy(&v, run->mmio.data, sizeof(v));
	return v;
}

static inline void gh_set_mmio_data(struct gunyah_vcpu_run *run, __u64 v)
{
	memcpy(run->mmio.data, &v, sizeof(v));
}

static inline int gh_sim_clear_log(int vmid, int vcpu)
{
	return gh_sim_write(vmid, vcpu, "log", "\n");
}

/*
 * The simulator's status line of one vCPU, e.g.
 * "vcpu0: capid 0x1000 virq 34 pc 1/2 pending wfi power on wake_pending 0
 *  in_run 0 runs 3". Returns the value after "@key " as a string in @val.
 */
static inline int gh_sim_vcpu_field(int vmid, int vcpu, const char *key,
				    char *val, size_t len)
{
	char path[128], buf[4096], prefix[16], *line, *p;
	int n;

	snprintf(path, sizeof(path), SIM_DEBUGFS "/vm%d/status", vmid);
	if (gh_read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	n = snprintf(prefix, sizeof(prefix), "vcpu%d: ", vcpu);
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, prefix, n))
			continue;
		for (p = strtok(line + n, " "); p; p = strtok(NULL, " ")) {
			if (strcmp(p, key))
				continue;
			p = strtok(NULL, " ");
			if (!p)
				return -1;
			snprintf(val, len, "%s", p);
			return 0;
		}
		return -1;
	}
	return -1;
}

/* How many vcpu_run hypercalls the simulator saw for @vcpu; -1 on error */
static inline long gh_sim_runs(int vmid, int vcpu)
{
	char val[32];

	if (gh_sim_vcpu_field(vmid, vcpu, "runs", val, sizeof(val)))
		return -1;
	return strtol(val, NULL, 0);
}

/* A "key: value" line of a sim file (vm status or rm_stats); -1 if absent */
static inline long gh_sim_file_value(const char *path, const char *key)
{
	return gh_file_value(path, key, ':', -1);
}

static inline long gh_sim_vms(void)
{
	return gh_sim_file_value(SIM_DEBUGFS "/rm_stats", "vms");
}

static inline long gh_sim_nr_vcpus(int vmid)
{
	char path[128];

	snprintf(path, sizeof(path), SIM_DEBUGFS "/vm%d/status", vmid);
	return gh_sim_file_value(path, "nr_vcpus");
}

static inline pid_t gh_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static inline void gh_poll_pause(void)
{
	const struct timespec ts = { .tv_nsec = 1000 * 1000 };

	/* Lets the polled thread have a CPU; never a substitute for a check */
	nanosleep(&ts, NULL);
}

/*
 * Is thread @tid asleep inside a gunyah ioctl? State 'S' in its stat, and
 * a wait channel in the gunyah_vcpu module when the kernel names it
 * (wchan reads "0" without kallsyms or ptrace access: state alone then).
 */
static inline bool gh_thread_asleep(pid_t tid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (gh_read_text(path, buf, sizeof(buf)) <= 0)
		return false;
	p = strrchr(buf, ')');	/* the comm may contain anything */
	if (!p || p[1] != ' ' || p[2] != 'S')
		return false;
	snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", tid);
	if (gh_read_text(path, buf, sizeof(buf)) <= 0)
		return true;
	return !strcmp(buf, "0") || strstr(buf, "gunyah_vcpu");
}

/* Poll until @tid sleeps in the driver; false if it never did (hang) */
static inline bool gh_wait_asleep(pid_t tid)
{
	int i;

	for (i = 0; i < GH_ASLEEP_BOUND_MS; i++) {
		if (gh_thread_asleep(tid))
			return true;
		gh_poll_pause();
	}
	return false;
}

/* Poll until the simulator counted more than @runs vcpu_run calls */
static inline long gh_wait_runs_above(int vmid, int vcpu, long runs)
{
	long now = -1;
	int i;

	for (i = 0; i < GH_ASLEEP_BOUND_MS; i++) {
		now = gh_sim_runs(vmid, vcpu);
		if (now > runs)
			break;
		gh_poll_pause();
	}
	return now;
}

/* One GUNYAH_VCPU_RUN in a thread of its own */
struct gh_runner {
	int fd;
	int ret;
	atomic_int tid;		/* 0 until the thread is about to run */
	atomic_bool done;
	pthread_t thread;
};

static inline void *gh_runner_fn(void *arg)
{
	struct gh_runner *r = arg;

	atomic_store(&r->tid, gh_gettid());
	r->ret = gh_run(r->fd);
	atomic_store(&r->done, true);
	return NULL;
}

static inline int gh_runner_start(struct gh_runner *r, int fd)
{
	int i;

	r->fd = fd;
	r->ret = 1;
	atomic_store(&r->tid, 0);
	atomic_store(&r->done, false);
	if (pthread_create(&r->thread, NULL, gh_runner_fn, r))
		return -1;
	for (i = 0; !atomic_load(&r->tid); i++)
		sched_yield();
	return 0;
}

/* GUNYAH_VCPU_RUN on @fd must succeed, with exit @reason in @run */
#define GH_RUN_EXIT(fd, run, reason) do {					\
	ASSERT_EQ(0, gh_run(fd));						\
	ASSERT_EQ(reason, (run)->exit_reason);					\
} while (0)

/* Read the guest's log of @vcpu and compare it with @expected */
#define GH_EXPECT_LOG(vmid, vcpu, expected) do {				\
	char __log[16384];							\
	ASSERT_LE(0, gh_sim_log(vmid, vcpu, __log, sizeof(__log)));		\
	EXPECT_STREQ(expected, __log);						\
} while (0)

/* No fds: what gh_vm_teardown() may be given after a skip */
static inline void gh_vm_init(struct gh_vm *gv)
{
	int i;

	memset(gv, 0, sizeof(*gv));
	gv->dev = -1;
	gv->vm = -1;
	for (i = 0; i < GH_MAX_VCPUS; i++)
		gv->vcpu[i] = -1;
}

/*
 * Create a VM with vCPUs 0..nr-1 (each mapped), start it if @start, find
 * its vmid. Skips (gv->skip) when /dev/gunyah or the simulator is missing;
 * its asserts end the test as if made by the caller.
 */
static inline void gh_vm_setup(struct __test_metadata *_metadata,
			       struct gh_vm *gv, int nr, bool start)
{
	int i;

	gh_vm_init(gv);
	gv->nr = nr;
	GH_OPEN_DEV(gv->dev, &gv->skip, return);
	if (!gh_sim_present()) {
		gv->skip = true;
		SKIP(return, "%s missing: needs the simulator", SIM_DEBUGFS);
	}
	gv->vm = gh_create_vm(gv->dev);
	ASSERT_LE(0, gv->vm) TH_LOG("CREATE_VM: %s", strerror(errno));
	for (i = 0; i < nr; i++) {
		gv->vcpu[i] = gh_add_vcpu(gv->vm, i);
		ASSERT_LE(0, gv->vcpu[i]) TH_LOG("ADD_FUNCTION vcpu %d: %s", i, strerror(errno));
		gv->run[i] = gh_map_run(gv->vcpu[i]);
		ASSERT_NE(NULL, gv->run[i]);
	}
	if (!start)
		return;
	ASSERT_EQ(0, ioctl(gv->vm, GUNYAH_VM_START)) TH_LOG("VM_START: %s", strerror(errno));
	gv->vmid = gh_vmid(gv->vm);
	ASSERT_LT(0, gv->vmid);
	if (nr > 1)
		ASSERT_LE(nr, gh_sim_nr_vcpus(gv->vmid))
			TH_LOG("the sim gives each VM fewer vCPUs (its nr_vcpus)");
}

static inline void gh_vm_teardown(struct gh_vm *gv)
{
	int i;

	for (i = 0; i < GH_MAX_VCPUS; i++)
		gh_vm_close(-1, -1, gv->vcpu[i], gv->run[i]);
	gh_vm_close(gv->dev, gv->vm, -1, NULL);
}

/*
 * Fixture @name: a started VM of @nr vCPUs under the simulator's hypervisor
 * profile @public (self->gv; vCPU 0 also as self->fd and self->run, its
 * vmid as self->vmid). The profile goes back to v17's after each test.
 */
#define GH_VM_FIXTURE(name) FIXTURE(name) {					\
	struct gh_vm gv;							\
	int fd, vmid;								\
	struct gunyah_vcpu_run *run;						\
}

#define GH_VM_FIXTURE_HOOKS(name, nr, public)					\
FIXTURE_SETUP(name)								\
{										\
	/* New VMs take the profile from here; the test process is alone */	\
	ASSERT_EQ(0, gh_sim_profile(public));					\
	gh_vm_setup(_metadata, &self->gv, nr, true);				\
	self->fd = self->gv.vcpu[0];						\
	self->run = self->gv.run[0];						\
	self->vmid = self->gv.vmid;						\
}										\
FIXTURE_TEARDOWN(name)								\
{										\
	gh_vm_teardown(&self->gv);						\
	gh_sim_profile(false);							\
}

/* The same, each test run under both profiles: variants v17 and public */
#define GH_PROFILE_FIXTURE(name, nr)						\
GH_VM_FIXTURE(name);								\
FIXTURE_VARIANT(name) {								\
	bool public;	/* the public hypervisor's profile, else v17's */	\
};										\
FIXTURE_VARIANT_ADD(name, v17) { .public = false, };				\
FIXTURE_VARIANT_ADD(name, public) { .public = true, };				\
GH_VM_FIXTURE_HOOKS(name, nr, variant->public)

/*
 * TEST_F(@f, @name) of a fixture with a struct gh_vm gv (GH_VM_FIXTURE),
 * whose body, the block that follows, runs only if the setup did not skip
 * (gv.skip: Debian 6.1's harness runs a body after its setup skipped)
 */
#define GH_TEST_F(f, name)							\
static void f##_##name##_body(struct __test_metadata *_metadata,		\
			      struct _test_data_##f *self,			\
			      const struct _fixture_variant_##f *variant);	\
TEST_F(f, name)									\
{										\
	if (!self->gv.skip)							\
		f##_##name##_body(_metadata, self, variant);			\
}										\
static void f##_##name##_body(struct __test_metadata *_metadata,		\
			      struct _test_data_##f *self,			\
			      const struct _fixture_variant_##f *variant)

/* GH_TEST_F @name whose whole body is one call: @fn(_metadata, &self->gv, ...) */
#define GH_TEST_CALL(f, name, fn, ...)						\
GH_TEST_F(f, name)								\
{										\
	fn(_metadata, &self->gv, __VA_ARGS__);					\
}

#endif /* GUNYAH_SELFTEST_VCPU_UTIL_H */
