// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fault-injection knobs themselves (docs/fault-injection.md):
 * defaults, malformed writes refused with EINVAL and no change, counters,
 * times/interval/space honoured, fail_rm_call completing a call with the
 * chosen error, and rm_inject raising VM_EXITED / VM_STATUS that a
 * running vCPU reports. The knobs alone run on real Gunyah too; tests that
 * start a VM need the simulator (gh_on_simulator()) and skip without it.
 */
#include <pthread.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "gunyah_util.h"
#include "gh_requires.h"

#define HC_PARAM "/sys/module/gunyah/parameters/fail_hypercall"
#define RM_PARAM "/sys/module/gunyah_rsc_mgr/parameters/fail_rm_call"

/* Value N of a "KEY N" line; -1 if absent */
static long counter(const char *path, const char *key)
{
	return gh_file_value(path, key, ' ', -1);
}

static int kernel_fault_attr(void)
{
	struct stat st;

	/* The kernel's fault_attr brings knobs the module's own lacks */
	return stat(GH_FAIL_HC "task-filter", &st) == 0;
}

/* Write each knob of @kv ("knob", "value", ..., NULL) in @dir, in order */
static void set_knobs(struct __test_metadata *_metadata, const char *dir,
		      const char * const *kv)
{
	char path[128];

	for (; *kv; kv += 2) {
		snprintf(path, sizeof(path), "%s%s", dir, kv[0]);
		ASSERT_EQ(0, gh_write_str(path, kv[1])) TH_LOG("%s <- \"%s\"", path, kv[1]);
	}
}

/* Each knob of @kv ("knob", "value", ..., NULL) in @dir must read back so */
static void expect_knobs(struct __test_metadata *_metadata, const char *dir,
			 const char * const *kv)
{
	char path[128], buf[256];

	for (; *kv; kv += 2) {
		snprintf(path, sizeof(path), "%s%s", dir, kv[0]);
		EXPECT_STREQ(kv[1], gh_read_file(path, buf, sizeof(buf))) TH_LOG("%s", path);
	}
}

#define SET_KNOBS(dir, ...) set_knobs(_metadata, dir, (const char * const []){ __VA_ARGS__, NULL })
#define EXPECT_KNOBS(dir, ...)							\
	expect_knobs(_metadata, dir, (const char * const []){ __VA_ARGS__, NULL })

FIXTURE(vm)
{
	bool skip;	/* setup skipped: the body must not run */
	int dev, vm, vmid, vcpu;
	struct gunyah_vcpu_run *run;
};

/*
 * Both fixtures' start: skipped without the knobs in @dir (module @mod
 * not loaded) or without the simulator (@why); knobs at their defaults,
 * /dev/gunyah open
 */
#define KNOBS_SETUP(dir, mod, why, statement) do {				\
	struct stat st;								\
										\
	self->dev = -1;								\
	self->vm = -1;								\
	if (stat(dir, &st)) {							\
		self->skip = true;						\
		SKIP(statement, "no " dir ": load " mod " with debugfs mounted"); \
	}									\
	if (!gh_on_simulator()) {						\
		self->skip = true;						\
		SKIP(statement, GH_NEEDS_SIM why);				\
	}									\
	gh_fault_disarm();							\
	GH_OPEN_DEV(self->dev, &self->skip, statement);				\
} while (0)

FIXTURE_SETUP(vm)
{
	self->vcpu = -1;
	KNOBS_SETUP(GH_FAIL_HC, "gunyah.ko", "starts a VM and loads its guest program", return);
	self->vm = gh_create_vm(self->dev);
	ASSERT_LE(0, self->vm);
	self->vcpu = gh_add_vcpu(self->vm, 0);
	ASSERT_LE(0, self->vcpu);
	self->run = gh_map_run(self->vcpu);
	ASSERT_NE(NULL, self->run);
	ASSERT_EQ(0, ioctl(self->vm, GUNYAH_VM_START));
	self->vmid = gh_vmid(self->vm);
	ASSERT_LT(0, self->vmid);
}

FIXTURE_TEARDOWN(vm)
{
	gh_fault_disarm();
	gh_vm_close(self->dev, self->vm, self->vcpu, self->run);
	/* An injected exit leaves the simulated RM's VM running */
	gh_sim_reap_held(self->vmid);
	gh_reclaim_stuck();
}

static int run_vcpu(int fd)
{
	return ioctl(fd, GUNYAH_VCPU_RUN, 0) ? -errno : 0;
}

static const char *many_writes =
	"mmio_write 0x100 4 0\nmmio_write 0x101 4 1\nmmio_write 0x102 4 2\n"
	"mmio_write 0x103 4 3\nmmio_write 0x104 4 4\nmmio_write 0x105 4 5\n"
	"mmio_write 0x106 4 6\nmmio_write 0x107 4 7\nmmio_write 0x108 4 8\n"
	"mmio_write 0x109 4 9\nmmio_write 0x10a 4 10\nmmio_write 0x10b 4 11\n";

/* Runs on real Gunyah too */
TEST(hypercall_defaults)
{
	char buf[256];
	struct stat st;

	if (stat(GH_FAIL_HC, &st))
		SKIP(return, "no " GH_FAIL_HC);
	gh_fault_disarm();
	EXPECT_KNOBS(GH_FAIL_HC, "probability", "0", "interval", "1", "times", "1", "space", "0",
		     "verbose", "1", "error", "31", "hypercalls", "vcpu_run");
	EXPECT_LE(0, counter(GH_FAIL_HC "injected", "identify"));
	EXPECT_LE(0, counter(GH_FAIL_HC "injected", "msgq_send"));
	EXPECT_LE(0, counter(GH_FAIL_HC "injected", "msgq_recv"));
	EXPECT_LE(0, counter(GH_FAIL_HC "injected", "vcpu_run"));
	EXPECT_LE(0, counter(GH_FAIL_HC "injected", "total"));
	EXPECT_STREQ("1,0,0,1", gh_read_file(HC_PARAM, buf, sizeof(buf)));
}

/* Runs on real Gunyah too */
TEST(rm_defaults)
{
	char buf[256];
	struct stat st;

	if (stat(GH_FAIL_RM, &st))
		SKIP(return, "no " GH_FAIL_RM ": load gunyah_rsc_mgr.ko");
	gh_fault_disarm();
	EXPECT_KNOBS(GH_FAIL_RM, "probability", "0", "times", "1", "error", "0x4", "msg_ids", "");
	EXPECT_LE(0, counter(GH_FAIL_RM "injected", "total"));
	EXPECT_LE(0, counter(GH_RM_INJECT "injected", "vm_exited"));
	EXPECT_LE(0, counter(GH_RM_INJECT "injected", "vm_status"));
	EXPECT_STREQ("1,0,0,1", gh_read_file(RM_PARAM, buf, sizeof(buf)));
}

/* Runs on real Gunyah too */
TEST(payload_knobs_accept)
{
	static const char * const errs[] = { "0", "-1", "-2", "1", "10", "22", "54", "61" };
	char buf[256];
	unsigned int i;
	struct stat st;

	if (stat(GH_FAIL_RM, &st))
		SKIP(return, "no " GH_FAIL_RM);
	for (i = 0; i < ARRAY_SIZE(errs); i++) {
		ASSERT_EQ(0, gh_write_str(GH_FAIL_HC "error", errs[i]));
		EXPECT_STREQ(errs[i], gh_read_file(GH_FAIL_HC "error", buf, sizeof(buf)));
	}
	ASSERT_EQ(0, gh_write_str(GH_FAIL_HC "hypercalls", "vcpu_run  identify\tmsgq_recv\n"));
	EXPECT_STREQ("identify msgq_recv vcpu_run",
		     gh_read_file(GH_FAIL_HC "hypercalls", buf, sizeof(buf)));
	ASSERT_EQ(0, gh_write_str(GH_FAIL_HC "hypercalls", "\n"));
	EXPECT_STREQ("", gh_read_file(GH_FAIL_HC "hypercalls", buf, sizeof(buf)));
	ASSERT_EQ(0, gh_write_str(GH_FAIL_RM "error", "0xffffffff"));
	EXPECT_STREQ("0xffffffff", gh_read_file(GH_FAIL_RM "error", buf, sizeof(buf)));
	ASSERT_EQ(0, gh_write_str(GH_FAIL_RM "error", "5"));
	EXPECT_STREQ("0x5", gh_read_file(GH_FAIL_RM "error", buf, sizeof(buf)));
	ASSERT_EQ(0, gh_write_str(GH_FAIL_RM "msg_ids", "0x56000001 56000005\n"));
	EXPECT_STREQ("0x56000001 0x56000005", gh_read_file(GH_FAIL_RM "msg_ids", buf, sizeof(buf)));
	ASSERT_EQ(0, gh_write_str(HC_PARAM, "2,50,7,3"));
	EXPECT_KNOBS(GH_FAIL_HC, "probability", "50", "interval", "2", "space", "7", "times", "3");
	EXPECT_STREQ("2,50,7,3", gh_read_file(HC_PARAM, buf, sizeof(buf)));
	gh_fault_disarm();
}

/* Each write must fail with EINVAL and leave @path (and the counters) as they were */
static void expect_refused(struct __test_metadata *_metadata, const char *path,
			   const char *text, const char *check)
{
	char before[512], after[512], inj0[512], inj1[512];

	gh_read_file(check, before, sizeof(before));
	gh_read_file(GH_RM_INJECT "injected", inj0, sizeof(inj0));
	EXPECT_EQ(-EINVAL, gh_write_str(path, text)) TH_LOG("%s <- \"%s\"", path, text);
	EXPECT_STREQ(before, gh_read_file(check, after, sizeof(after))) TH_LOG("%s changed", check);
	EXPECT_STREQ(inj0, gh_read_file(GH_RM_INJECT "injected", inj1, sizeof(inj1)));
}

/* Runs on real Gunyah too: every write is refused, no VM is started */
TEST(malformed_writes_change_nothing)
{
	static const char * const hc_errors[] = {
		"99", "-3", "abc", "", "4", "31x", "100000000000",
	};
	static const char * const rm_errors[] = { "0", "0x100000000", "zz", "-1" };
	static const char * const exited[] = {
		"", "1", "x 2", "1 y", "70000 1", "1 70000", "1 2 abc", "1 2 zz",
		"1 2 0011 extra", "-1 2",
	};
	static const char * const status[] = {
		"", "1", "1 256", "x 1", "1 2 256", "1 2 3 70000", "1 2 3 4 5",
	};
	size_t big = 2 * 14616 + 200;
	char *huge = malloc(big + 1);
	unsigned int i;
	struct stat st;

	if (stat(GH_FAIL_RM, &st) || stat(GH_RM_INJECT, &st))
		SKIP(return, "no " GH_FAIL_RM " or " GH_RM_INJECT);
	ASSERT_NE(NULL, huge);
	gh_fault_disarm();
	for (i = 0; i < ARRAY_SIZE(hc_errors); i++)
		expect_refused(_metadata, GH_FAIL_HC "error", hc_errors[i], GH_FAIL_HC "error");
	expect_refused(_metadata, GH_FAIL_HC "hypercalls", "vcpu_run bogus",
		       GH_FAIL_HC "hypercalls");
	expect_refused(_metadata, GH_FAIL_HC "hypercalls", "VCPU_RUN", GH_FAIL_HC "hypercalls");
	if (!kernel_fault_attr()) {
		/* The module's own knobs check their range */
		expect_refused(_metadata, GH_FAIL_HC "probability", "101",
			       GH_FAIL_HC "probability");
		expect_refused(_metadata, GH_FAIL_HC "verbose", "3", GH_FAIL_HC "verbose");
		expect_refused(_metadata, GH_FAIL_HC "times", "-2", GH_FAIL_HC "times");
		expect_refused(_metadata, GH_FAIL_RM "probability", "1000",
			       GH_FAIL_RM "probability");
	}
	expect_refused(_metadata, HC_PARAM, "1,101,0,1", GH_FAIL_HC "probability");
	expect_refused(_metadata, HC_PARAM, "1,50", GH_FAIL_HC "probability");
	expect_refused(_metadata, RM_PARAM, "x", GH_FAIL_RM "probability");
	for (i = 0; i < ARRAY_SIZE(rm_errors); i++)
		expect_refused(_metadata, GH_FAIL_RM "error", rm_errors[i], GH_FAIL_RM "error");
	expect_refused(_metadata, GH_FAIL_RM "msg_ids", "0x56000001 nothex", GH_FAIL_RM "msg_ids");
	expect_refused(_metadata, GH_FAIL_RM "msg_ids", "0x123456789", GH_FAIL_RM "msg_ids");
	expect_refused(_metadata, GH_FAIL_RM "msg_ids",
		       "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17", GH_FAIL_RM "msg_ids");
	for (i = 0; i < ARRAY_SIZE(exited); i++)
		expect_refused(_metadata, GH_RM_INJECT "vm_exited", exited[i],
			       GH_RM_INJECT "injected");
	for (i = 0; i < ARRAY_SIZE(status); i++)
		expect_refused(_metadata, GH_RM_INJECT "vm_status", status[i],
			       GH_RM_INJECT "injected");
	/* A reason longer than one RM message chain carries */
	memcpy(huge, "9999 1 ", 7);
	memset(huge + 7, 'a', big - 7);
	huge[big - (big - 7) % 2] = '\0';
	expect_refused(_metadata, GH_RM_INJECT "vm_exited", huge, GH_RM_INJECT "injected");
	free(huge);
}

TEST_F(vm, times_and_counters)
{
	long inj0 = counter(GH_FAIL_HC "injected", "vcpu_run");
	long tot0 = counter(GH_FAIL_HC "injected", "total");
	char buf[32];

	if (self->skip)
		return;	/* setup skipped */

	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, many_writes));
	SET_KNOBS(GH_FAIL_HC, "error", "10", "times", "2", "probability", "100");
	EXPECT_EQ(-ENOMEM, run_vcpu(self->vcpu));
	EXPECT_EQ(-ENOMEM, run_vcpu(self->vcpu));
	EXPECT_STREQ("0", gh_read_file(GH_FAIL_HC "times", buf, sizeof(buf)));
	/* times ran out: the run goes on where it stopped */
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	EXPECT_EQ(GUNYAH_VCPU_EXIT_MMIO, self->run->exit_reason);
	EXPECT_EQ(0x100, self->run->mmio.phys_addr);
	EXPECT_EQ(inj0 + 2, counter(GH_FAIL_HC "injected", "vcpu_run"));
	EXPECT_EQ(tot0 + 2, counter(GH_FAIL_HC "injected", "total"));
}

TEST_F(vm, interval_every_third_call)
{
	int i, fails = 0, last = -10, gap_ok = 1, addr = 0x100;
	long inj0 = counter(GH_FAIL_HC "injected", "vcpu_run");

	if (self->skip)
		return;	/* setup skipped */

	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, many_writes));
	SET_KNOBS(GH_FAIL_HC, "error", "31", "times", "-1", "interval", "3", "probability", "100");
	for (i = 0; i < 9; i++) {
		int r = run_vcpu(self->vcpu);

		if (r == -EBUSY) {
			if (last >= 0 && i - last != 3)
				gap_ok = 0;
			last = i;
			fails++;
			continue;
		}
		ASSERT_EQ(0, r);
		/* No MMIO exit is lost or repeated across the failures */
		EXPECT_EQ(addr, self->run->mmio.phys_addr);
		addr++;
	}
	EXPECT_EQ(3, fails);
	EXPECT_TRUE(gap_ok);
	EXPECT_EQ(inj0 + 3, counter(GH_FAIL_HC "injected", "vcpu_run"));
}

TEST_F(vm, space_lets_calls_through)
{
	int i;

	if (self->skip)
		return;	/* setup skipped */

	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, many_writes));
	SET_KNOBS(GH_FAIL_HC, "error", "1", "space", "5", "probability", "100");
	/* vcpu_run counts 1 byte: 4 calls pass, the 5th fails */
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, run_vcpu(self->vcpu));
	EXPECT_EQ(-EINVAL, run_vcpu(self->vcpu));
	EXPECT_EQ(0, run_vcpu(self->vcpu));
	EXPECT_EQ(0x104, self->run->mmio.phys_addr);
}

TEST_F(vm, probability_zero_never_fires)
{
	long inj0 = counter(GH_FAIL_HC "injected", "total");
	int i;

	if (self->skip)
		return;	/* setup skipped */

	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, many_writes));
	SET_KNOBS(GH_FAIL_HC, "times", "-1", "hypercalls", "identify msgq_send msgq_recv vcpu_run");
	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, run_vcpu(self->vcpu));
	EXPECT_EQ(inj0, counter(GH_FAIL_HC "injected", "total"));
}

TEST_F(vm, retry_is_retried_transparently)
{
	char buf[32];

	if (self->skip)
		return;	/* setup skipped */

	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, many_writes));
	SET_KNOBS(GH_FAIL_HC, "error", "-2", "times", "3", "probability", "100");
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	EXPECT_EQ(0x100, self->run->mmio.phys_addr);
	EXPECT_STREQ("0", gh_read_file(GH_FAIL_HC "times", buf, sizeof(buf)));
}

FIXTURE(rm_call)
{
	bool skip;	/* setup skipped: the body must not run */
	int dev, vm;
};

FIXTURE_SETUP(rm_call)
{
	/* Real Gunyah refuses the empty VM before the call the fault is for */
	KNOBS_SETUP(GH_FAIL_RM, "gunyah_rsc_mgr.ko", "starts VMs", return);
}

FIXTURE_TEARDOWN(rm_call)
{
	/* Disarmed first: closing a started VM makes RM calls too */
	gh_fault_disarm();
	gh_vm_close(self->dev, self->vm, -1, NULL);
	gh_reclaim_stuck();
}

TEST_F(rm_call, completes_with_chosen_error)
{
	long inj0, tot0;

	if (self->skip)
		return;	/* setup skipped */

	inj0 = counter(GH_FAIL_RM "injected", "0x56000004");
	tot0 = counter(GH_FAIL_RM "injected", "total");
	self->vm = gh_create_vm(self->dev);
	ASSERT_LE(0, self->vm);
	SET_KNOBS(GH_FAIL_RM, "msg_ids", "0x56000004", "error", "0x5", "probability", "100");
	GH_EXPECT_ERRNO(EBUSY, ioctl(self->vm, GUNYAH_VM_START));
	EXPECT_EQ(inj0 < 0 ? 1 : inj0 + 1, counter(GH_FAIL_RM "injected", "0x56000004"));
	EXPECT_EQ(tot0 + 1, counter(GH_FAIL_RM "injected", "total"));
	EXPECT_EQ(0, gh_vmid(self->vm));	/* the start was rolled back */
	close(self->vm);
	self->vm = -1;

	/* ALLOC_VMID failing leaves the VM startable again */
	SET_KNOBS(GH_FAIL_RM, "msg_ids", "0x56000001", "error", "1", "times", "1");
	self->vm = gh_create_vm(self->dev);
	ASSERT_LE(0, self->vm);
	GH_EXPECT_ERRNO(ENOMEM, ioctl(self->vm, GUNYAH_VM_START));
	EXPECT_EQ(0, ioctl(self->vm, GUNYAH_VM_START));
}

struct runner {
	int fd, ret;
	pthread_t thread;
};

static void *runner_fn(void *arg)
{
	struct runner *r = arg;

	r->ret = run_vcpu(r->fd);
	return NULL;
}

/*
 * @program runs on vCPU 0 in a thread while rm_inject's @knob is given
 * @cmd; the run must end in a STATUS exit
 */
static void inject_during_run(struct __test_metadata *_metadata,
			      struct _test_data_vm *self, const char *program,
			      const char *knob, const char *cmd)
{
	struct runner r = { .fd = self->vcpu };
	char path[128];

	snprintf(path, sizeof(path), GH_RM_INJECT "%s", knob);
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, program));
	ASSERT_EQ(0, pthread_create(&r.thread, NULL, runner_fn, &r));
	/* Either order is correct: a run that starts after it reports it too */
	ASSERT_EQ(0, gh_write_str(path, cmd));
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	ASSERT_EQ(0, r.ret);
	ASSERT_EQ(GUNYAH_VCPU_EXIT_STATUS, self->run->exit_reason);
}

static void inject_exit_check(struct __test_metadata *_metadata,
			      struct _test_data_vm *self, const char *program,
			      int type, const char *hex, const unsigned char *reason,
			      unsigned int size)
{
	long inj0 = counter(GH_RM_INJECT "injected", "vm_exited");
	char cmd[128];
	unsigned int n = size < 8 ? size : 8;

	snprintf(cmd, sizeof(cmd), "%d %d %s\n", self->vmid, type, hex);
	inject_during_run(_metadata, self, program, "vm_exited", cmd);
	EXPECT_EQ(GUNYAH_VM_STATUS_EXITED, self->run->status.status);
	EXPECT_EQ(type, self->run->status.exit_info.type);
	EXPECT_EQ(size, self->run->status.exit_info.reason_size);
	EXPECT_EQ(0, memcmp(self->run->status.exit_info.reason, reason, n));
	EXPECT_EQ(inj0 + 1, counter(GH_RM_INJECT "injected", "vm_exited"));
	/* Gone for good: the next run says so again */
	EXPECT_EQ(0, run_vcpu(self->vcpu));
	EXPECT_EQ(GUNYAH_VCPU_EXIT_STATUS, self->run->exit_reason);
}

TEST_F(vm, inject_exited_busy_vcpu)
{
	static const unsigned char reason[] = { 1, 0, 2, 0 };

	if (self->skip)
		return;	/* setup skipped */

	inject_exit_check(_metadata, self, "yield\nloop\n", 5, "01000200", reason, 4);
}

TEST_F(vm, inject_exited_sleeping_vcpu_no_reason)
{
	if (self->skip)
		return;	/* setup skipped */

	inject_exit_check(_metadata, self, "wfi\n", 1, "", NULL, 0);
}

TEST_F(vm, inject_exited_system_reset2_16_bytes)
{
	static const unsigned char reason[16] = {
		0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x80,
		0xef, 0xbe, 0xad, 0xde, 0x78, 0x56, 0x34, 0x12,
	};

	if (self->skip)
		return;	/* setup skipped */

	inject_exit_check(_metadata, self, "yield\nloop\n",
			  GUNYAH_VM_EXIT_TYPE_PSCI_SYSTEM_RESET2,
			  "0100000001000080efbeadde78563412", reason, 16);
}

TEST_F(vm, inject_status_reset_is_crashed)
{
	long inj0 = counter(GH_RM_INJECT "injected", "vm_status");
	char cmd[64];

	if (self->skip)
		return;	/* setup skipped */

	snprintf(cmd, sizeof(cmd), "%d 11 0 0\n", self->vmid);
	inject_during_run(_metadata, self, "wfi\n", "vm_status", cmd);
	EXPECT_EQ(GUNYAH_VM_STATUS_CRASHED, self->run->status.status);
	EXPECT_EQ(inj0 + 1, counter(GH_RM_INJECT "injected", "vm_status"));
}

TEST_F(vm, inject_for_another_vmid_is_ignored)
{
	char cmd[64];

	if (self->skip)
		return;	/* setup skipped */

	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, many_writes));
	snprintf(cmd, sizeof(cmd), "%d 0 00000000", self->vmid + 1000);
	ASSERT_EQ(0, gh_write_str(GH_RM_INJECT "vm_exited", cmd));
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	EXPECT_EQ(GUNYAH_VCPU_EXIT_MMIO, self->run->exit_reason);
}

GH_REQUIRES(GH_REQ_DEBUGFS);

TEST_HARNESS_MAIN
