// SPDX-License-Identifier: GPL-2.0-only
/*
 * STATUS exits of GUNYAH_VCPU_RUN: the VM exited (each exit type, with a
 * reason), crashed, or failed to load; exit reasons longer than the
 * page holds; and vCPUs that learn the VM is gone while asleep, on their
 * next resume, or without ever having run. Each asserts the exit, the
 * status and exit info, and what the guest did.
 */
#include <stdint.h>

#include "kselftest_harness.h"
#include "vcpu_util.h"
#include "gh_requires.h"

#define FAIL_RM_CALL	"/sys/kernel/debug/gunyah/fail_rm_call"
#define RM_VM_INIT	"0x5600000b"
#define RM_ERROR_INVALID "4"
#define RM_INJECT_STATUS "/sys/kernel/debug/gunyah/rm_inject/vm_status"

/* Under each of the simulator's hypervisor profiles */
GH_PROFILE_FIXTURE(status, 2);

/* Expect a STATUS exit EXITED with @type and the LE words @w[0..n) */
static void expect_exited(struct __test_metadata *_metadata,
			  const struct gunyah_vcpu_run *run, __u16 type,
			  const __u32 *w, unsigned int n)
{
	__u8 reason[GUNYAH_VM_MAX_EXIT_REASON_SIZE] = { 0 };
	unsigned int i;

	for (i = 0; i < n && i * 4 < sizeof(reason); i++) {
		reason[i * 4] = w[i];
		reason[i * 4 + 1] = w[i] >> 8;
		reason[i * 4 + 2] = w[i] >> 16;
		reason[i * 4 + 3] = w[i] >> 24;
	}
	ASSERT_EQ(GUNYAH_VCPU_EXIT_STATUS, run->exit_reason);
	EXPECT_EQ(GUNYAH_VM_STATUS_EXITED, run->status.status);
	EXPECT_EQ(type, run->status.exit_info.type);
	EXPECT_EQ(0, run->status.exit_info.padding);
	EXPECT_EQ(n * 4, run->status.exit_info.reason_size);
	EXPECT_EQ(0, memcmp(reason, run->status.exit_info.reason, sizeof(reason)))
		TH_LOG("reason %02x%02x%02x%02x %02x%02x%02x%02x",
		       run->status.exit_info.reason[0], run->status.exit_info.reason[1],
		       run->status.exit_info.reason[2], run->status.exit_info.reason[3],
		       run->status.exit_info.reason[4], run->status.exit_info.reason[5],
		       run->status.exit_info.reason[6], run->status.exit_info.reason[7]);
}

FIXTURE(exit_type)
{
	struct gh_vm gv;
};

FIXTURE_VARIANT(exit_type)
{
	__u16 type;
	unsigned int nr_words;
	__u32 words[2];
};

FIXTURE_VARIANT_ADD(exit_type, vm_exit) {
	.type = GUNYAH_VM_EXIT_TYPE_VM_EXIT, .nr_words = 1, .words = { 0 },
};

FIXTURE_VARIANT_ADD(exit_type, platform_off) {
	.type = GUNYAH_VM_EXIT_TYPE_PLATFORM_OFF, .nr_words = 1, .words = { 0x10001 },
};

FIXTURE_VARIANT_ADD(exit_type, platform_reset) {
	.type = GUNYAH_VM_EXIT_TYPE_PLATFORM_RESET, .nr_words = 2,
	.words = { 0x1, 0xcafe },
};

FIXTURE_VARIANT_ADD(exit_type, psci_system_reset2) {
	.type = GUNYAH_VM_EXIT_TYPE_PSCI_SYSTEM_RESET2, .nr_words = 2,
	.words = { 0x80000000, 0x12 },
};

FIXTURE_VARIANT_ADD(exit_type, watchdog_bite) {
	.type = GUNYAH_VM_EXIT_TYPE_WATCHDOG_BITE, .nr_words = 1, .words = { 0xb1e },
};

FIXTURE_VARIANT_ADD(exit_type, software_error) {
	.type = GUNYAH_VM_EXIT_TYPE_SOFTWARE_ERROR, .nr_words = 2,
	.words = { 0xdeadbeef, 0x0badf00d },
};

FIXTURE_VARIANT_ADD(exit_type, async_hw_error) {
	.type = GUNYAH_VM_EXIT_TYPE_ASYNC_HW_ERROR, .nr_words = 1, .words = { 0xe77 },
};

FIXTURE_VARIANT_ADD(exit_type, vm_stop_forced) {
	.type = GUNYAH_VM_EXIT_TYPE_VM_STOP_FORCED, .nr_words = 0,
};

FIXTURE_SETUP(exit_type)
{
	gh_vm_setup(_metadata, &self->gv, 2, true);
}

FIXTURE_TEARDOWN(exit_type)
{
	gh_vm_teardown(&self->gv);
}

/* The guest shuts the VM down; both vCPUs report how, again and again */
GH_TEST_F(exit_type, vm_exited)
{
	struct gunyah_vcpu_run *run = self->gv.run[0];
	char prog[128], log[64];
	int n, i;

	n = snprintf(prog, sizeof(prog), "system_off %u", variant->type);
	for (i = 0; i < (int)variant->nr_words; i++)
		n += snprintf(prog + n, sizeof(prog) - n, " %#x", variant->words[i]);
	snprintf(prog + n, sizeof(prog) - n, "\nmmio_read 0x10 4\n");
	ASSERT_EQ(0, gh_sim_load(self->gv.vmid, 0, prog));

	ASSERT_EQ(0, gh_run(self->gv.vcpu[0]));
	expect_exited(_metadata, run, variant->type, variant->words, variant->nr_words);
	snprintf(log, sizeof(log), "load 2\nsystem_off %u\n", variant->type);
	GH_EXPECT_LOG(self->gv.vmid, 0, log);

	/* Gone for good: the kernel's copy is reported whatever the page holds */
	memset(run, 0xa5, sizeof(*run));
	run->immediate_exit = 0;
	ASSERT_EQ(0, gh_run(self->gv.vcpu[0]));
	expect_exited(_metadata, run, variant->type, variant->words, variant->nr_words);

	/* A vCPU that never ran learns it on its first run */
	ASSERT_EQ(0, gh_run(self->gv.vcpu[1]));
	expect_exited(_metadata, self->gv.run[1], variant->type, variant->words,
		      variant->nr_words);
	/* The guest ran no further */
	GH_EXPECT_LOG(self->gv.vmid, 0, log);
}

GH_TEST_F(status, exit_reason_empty)
{
	ASSERT_EQ(0, gh_sim_load(self->gv.vmid, 0, "system_off 1\n"));
	ASSERT_EQ(0, gh_run(self->gv.vcpu[0]));
	expect_exited(_metadata, self->gv.run[0], 1, NULL, 0);
}

/* PSCI SYSTEM_RESET2 sends 16 bytes: the size says so, the first 8 are kept */
GH_TEST_F(status, exit_reason_truncated)
{
	struct gunyah_vcpu_run *run = self->gv.run[0];

	ASSERT_EQ(0, gh_sim_load(self->gv.vmid, 0,
				 "system_off 3 0x11223344 0x55667788 0x99aabbcc 0xddeeff00\n"));
	GH_RUN_EXIT(self->gv.vcpu[0], run, GUNYAH_VCPU_EXIT_STATUS);
	EXPECT_EQ(GUNYAH_VM_STATUS_EXITED, run->status.status);
	EXPECT_EQ(GUNYAH_VM_EXIT_TYPE_PSCI_SYSTEM_RESET2, run->status.exit_info.type);
	EXPECT_EQ(0, run->status.exit_info.padding);
	EXPECT_EQ(16, run->status.exit_info.reason_size);
	EXPECT_EQ(0, memcmp(run->status.exit_info.reason,
			    "\x44\x33\x22\x11\x88\x77\x66\x55", 8));
	GH_EXPECT_LOG(self->gv.vmid, 0, "load 1\nsystem_off 3\n");
}

GH_TEST_F(status, exit_reason_longest)
{
	struct gunyah_vcpu_run *run = self->gv.run[0];
	char prog[1024];
	int n, i;

	n = snprintf(prog, sizeof(prog), "system_off 5");
	for (i = 0; i < 64; i++)
		n += snprintf(prog + n, sizeof(prog) - n, " %d", i + 1);
	snprintf(prog + n, sizeof(prog) - n, "\n");
	ASSERT_EQ(0, gh_sim_load(self->gv.vmid, 0, prog));
	GH_RUN_EXIT(self->gv.vcpu[0], run, GUNYAH_VCPU_EXIT_STATUS);
	EXPECT_EQ(GUNYAH_VM_STATUS_EXITED, run->status.status);
	EXPECT_EQ(5, run->status.exit_info.type);
	EXPECT_EQ(256, run->status.exit_info.reason_size);
	EXPECT_EQ(0, memcmp(run->status.exit_info.reason, "\1\0\0\0\2\0\0\0", 8));
}

GH_TEST_F(status, vm_crashed)
{
	struct gunyah_vcpu_run *run = self->gv.run[0];

	ASSERT_EQ(0, gh_sim_load(self->gv.vmid, 0, "crash\nmmio_read 0x10 4\n"));
	GH_RUN_EXIT(self->gv.vcpu[0], run, GUNYAH_VCPU_EXIT_STATUS);
	EXPECT_EQ(GUNYAH_VM_STATUS_CRASHED, run->status.status);
	GH_EXPECT_LOG(self->gv.vmid, 0, "load 2\ncrash\n");

	memset(run, 0x5a, sizeof(*run));
	run->immediate_exit = 0;
	GH_RUN_EXIT(self->gv.vcpu[0], run, GUNYAH_VCPU_EXIT_STATUS);
	EXPECT_EQ(GUNYAH_VM_STATUS_CRASHED, run->status.status);

	GH_RUN_EXIT(self->gv.vcpu[1], self->gv.run[1], GUNYAH_VCPU_EXIT_STATUS);
	EXPECT_EQ(GUNYAH_VM_STATUS_CRASHED, self->gv.run[1]->status.status);
	GH_EXPECT_LOG(self->gv.vmid, 0, "load 2\ncrash\n");
}

/* A STATUS exit is not cancelled by immediate_exit: the VM is gone */
GH_TEST_F(status, status_exit_ignores_immediate_exit)
{
	ASSERT_EQ(0, gh_sim_load(self->gv.vmid, 0, "system_off 0 7\n"));
	ASSERT_EQ(0, gh_run(self->gv.vcpu[0]));
	self->gv.run[0]->immediate_exit = 1;
	ASSERT_EQ(0, gh_run(self->gv.vcpu[0]));
	expect_exited(_metadata, self->gv.run[0], 0, (const __u32[]){ 7 }, 1);
}

/*
 * vCPU 1 sits at an MMIO exit; vCPU 0 shuts the VM down. vCPU 1's resume
 * gets POWERED_OFF from the hypervisor with the VM gone: a STATUS exit,
 * and its pending read never reached the guest.
 */
GH_TEST_F(status, powered_off_vm_gone_on_resume)
{
	struct gunyah_vcpu_run *run1 = self->gv.run[1];

	ASSERT_EQ(0, gh_sim_load(self->gv.vmid, 1, "mmio_read 0x10 4\nmmio_read 0x20 4\n"));
	GH_RUN_EXIT(self->gv.vcpu[1], run1, GUNYAH_VCPU_EXIT_MMIO);
	EXPECT_EQ(0x10, run1->mmio.phys_addr);

	ASSERT_EQ(0, gh_sim_load(self->gv.vmid, 0, "system_off 2 0x42\n"));
	ASSERT_EQ(0, gh_run(self->gv.vcpu[0]));
	expect_exited(_metadata, self->gv.run[0], 2, (const __u32[]){ 0x42 }, 1);

	gh_set_mmio_data(run1, 0x99);
	ASSERT_EQ(0, gh_run(self->gv.vcpu[1]));
	expect_exited(_metadata, run1, 2, (const __u32[]){ 0x42 }, 1);
	GH_EXPECT_LOG(self->gv.vmid, 1, "load 2\n");
}

/* A vCPU asleep (wfi, or powered off) is woken by the VM going away */
static void sleeper_sees_exit(struct __test_metadata *_metadata,
			      struct gh_vm *gv, const char *sleep_prog,
			      const char *sleep_log)
{
	struct gh_runner r;

	ASSERT_EQ(0, gh_sim_load(gv->vmid, 1, sleep_prog));
	ASSERT_EQ(0, gh_runner_start(&r, gv->vcpu[1]));
	/* Either order is correct; this checks the sleeping one happened */
	if (!gh_wait_asleep(atomic_load(&r.tid)))
		TH_LOG("vCPU 1 thread was not seen asleep");

	ASSERT_EQ(0, gh_sim_load(gv->vmid, 0, "system_off 4 0xb1e 0xb00\n"));
	ASSERT_EQ(0, gh_run(gv->vcpu[0]));
	expect_exited(_metadata, gv->run[0], 4, (const __u32[]){ 0xb1e, 0xb00 }, 2);

	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	ASSERT_EQ(0, r.ret);
	expect_exited(_metadata, gv->run[1], 4, (const __u32[]){ 0xb1e, 0xb00 }, 2);
	GH_EXPECT_LOG(gv->vmid, 1, sleep_log);
}

GH_TEST_F(status, expects_wakeup_sleeper_sees_exit)
{
	sleeper_sees_exit(_metadata, &self->gv, "wfi\nmmio_read 0x10 4\n", "load 2\n");
}

GH_TEST_F(status, powered_off_sleeper_sees_exit)
{
	sleeper_sees_exit(_metadata, &self->gv, "cpu_off\nmmio_read 0x10 4\n",
			  "load 2\ncpu_off\n");
}

/* Write @val to a fail_rm_call knob; 0 or -errno */
static int knob(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), FAIL_RM_CALL "/%s", name);
	return gh_write_str(path, val);
}

static void knobs_reset(void)
{
	knob("probability", "0");
	knob("msg_ids", "\n");
}

/* The VM fd's "status:" in fdinfo, for messages */
static const char *fdinfo_status(int vm, char *buf, size_t len)
{
	char path[64], text[256], *p;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", vm);
	snprintf(buf, len, "?");
	if (gh_read_text(path, text, sizeof(text)) < 0)
		return buf;
	p = strstr(text, "status:");
	if (p)
		snprintf(buf, len, "%.*s", (int)strcspn(p, "\n"), p);
	return buf;
}

static long vm_status_count(int vmid)
{
	char path[80];

	snprintf(path, sizeof(path), "/sys/kernel/debug/gunyah/vm%d/stats", vmid);
	return gh_sim_file_value(path, "notifications_vm_status");
}

/* Inject VM_STATUS @status, then wait until its notifier chain has run */
static int inject_status(int vmid, int status)
{
	long n = vm_status_count(vmid);
	int i;

	/* The same again behind it: one worker, in order */
	if (gh_write_file(RM_INJECT_STATUS, "%d %d", vmid, status) ||
	    gh_write_file(RM_INJECT_STATUS, "%d %d", vmid, status))
		return -1;
	for (i = 0; i < GH_ASLEEP_BOUND_MS && vm_status_count(vmid) < n + 2; i++)
		gh_poll_pause();
	return vm_status_count(vmid) >= n + 2 ? 0 : -1;
}

/* Poll until @r's thread is done or asleep again; true if asleep */
static bool runner_sleeps_on(struct gh_runner *r)
{
	int i;

	for (i = 0; i < GH_ASLEEP_BOUND_MS; i++) {
		if (atomic_load(&r->done))
			return false;
		if (gh_thread_asleep(atomic_load(&r->tid)))
			return true;
		gh_poll_pause();
	}
	return false;
}

/*
 * PAUSED is transient (docs/vcpu.md): a run asleep when the RM pauses the
 * VM stays in RUN, and goes on once RUNNING comes; no STATUS exit.
 */
GH_TEST_F(status, paused_is_transient)
{
	struct gh_vm *gv = &self->gv;
	struct gh_runner r;
	char buf[64];

	ASSERT_EQ(0, gh_sim_load(gv->vmid, 0, "wfi\nmmio_read 0x10 4\n"));
	ASSERT_EQ(0, gh_runner_start(&r, gv->vcpu[0]));
	ASSERT_TRUE(gh_wait_asleep(atomic_load(&r.tid)));

	ASSERT_EQ(0, inject_status(gv->vmid, 4));	/* PAUSED */
	EXPECT_TRUE(runner_sleeps_on(&r))
		TH_LOG("RUN returned on PAUSED: exit %u status %u",
		       gv->run[0]->exit_reason, gv->run[0]->status.status);
	EXPECT_STREQ("status:\tpaused", fdinfo_status(gv->vm, buf, sizeof(buf)));

	ASSERT_EQ(0, inject_status(gv->vmid, 3));	/* RUNNING again */
	EXPECT_STREQ("status:\trunning", fdinfo_status(gv->vm, buf, sizeof(buf)));
	ASSERT_EQ(0, gh_sim_write(gv->vmid, 0, "wakeup", "1\n"));
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	ASSERT_EQ(0, r.ret);
	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, gv->run[0]->exit_reason);
	EXPECT_EQ(0x10, gv->run[0]->mmio.phys_addr);
}

/* A status this driver does not know ends nothing: the VM runs on */
GH_TEST_F(status, unknown_status_ends_nothing)
{
	struct gh_vm *gv = &self->gv;
	char buf[64];

	ASSERT_EQ(0, inject_status(gv->vmid, 66));
	EXPECT_STREQ("status:\trunning", fdinfo_status(gv->vm, buf, sizeof(buf)));
	ASSERT_EQ(0, gh_sim_load(gv->vmid, 0, "mmio_read 0x20 4\n"));
	ASSERT_EQ(0, gh_run(gv->vcpu[0]));
	EXPECT_EQ(GUNYAH_VCPU_EXIT_MMIO, gv->run[0]->exit_reason);
}

static long vcpu_notifications(int vmid, int vcpu)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/kernel/debug/gunyah/vm%d/vcpu%d/stats",
		 vmid, vcpu);
	return gh_sim_file_value(path, "notifications");
}

/*
 * Notifications go by vmid to their VM and its vCPUs only, not through
 * every VM and vCPU there is: another VM's leave this one's vCPUs alone.
 */
GH_TEST_F(status, notifications_reach_only_their_vm)
{
	struct gh_vm *gv = &self->gv;
	long mine0, mine;
	int vm_b, vmid_b;

	vm_b = gh_create_vm(gv->dev);
	ASSERT_LE(0, vm_b);
	ASSERT_EQ(0, ioctl(vm_b, GUNYAH_VM_START));
	vmid_b = gh_vmid(vm_b);

	mine0 = vcpu_notifications(gv->vmid, 0);
	ASSERT_LE(0, mine0);
	ASSERT_EQ(0, inject_status(vmid_b, 3));
	ASSERT_EQ(0, inject_status(vmid_b, 3));
	EXPECT_EQ(mine0, vcpu_notifications(gv->vmid, 0));

	ASSERT_EQ(0, inject_status(gv->vmid, 3));	/* its own: both copies */
	mine = vcpu_notifications(gv->vmid, 0);
	EXPECT_EQ(mine0 + 2, mine);
	EXPECT_EQ(mine, vcpu_notifications(gv->vmid, 1));
	close(vm_b);
}

/*
 * VM_INIT fails at the RM (error 4, INVALID): GUNYAH_VM_START fails with
 * EINVAL, and a vCPU added before the start reports LOAD_FAILED.
 */
TEST(load_failed)
{
	struct gunyah_vcpu_run *run;
	int dev, vm, vcpu, ret, err;
	char status[64];

	GH_OPEN_DEV(dev, NULL, return);
	if (access(FAIL_RM_CALL, F_OK))
		SKIP(return, "%s missing: no RM fault injection", FAIL_RM_CALL);
	vm = gh_create_vm(dev);
	ASSERT_LE(0, vm);
	vcpu = gh_add_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	run = gh_map_run(vcpu);
	ASSERT_NE(NULL, run);

	ASSERT_EQ(0, knob("msg_ids", RM_VM_INIT));
	ASSERT_EQ(0, knob("error", RM_ERROR_INVALID));
	ASSERT_EQ(0, knob("interval", "1"));
	ASSERT_EQ(0, knob("times", "1"));
	ASSERT_EQ(0, knob("probability", "100"));
	ret = ioctl(vm, GUNYAH_VM_START);
	err = errno;
	/* Disarm before any assert can leave the knobs set for others */
	knobs_reset();
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EINVAL, err) TH_LOG("VM_START: %s", strerror(err));

	memset(run, 0xff, sizeof(*run));
	run->immediate_exit = 0;
	GH_RUN_EXIT(vcpu, run, GUNYAH_VCPU_EXIT_STATUS);
	EXPECT_EQ(GUNYAH_VM_STATUS_LOAD_FAILED, run->status.status)
		TH_LOG("VM fd says %s", fdinfo_status(vm, status, sizeof(status)));
	/* Again: the VM cannot be started any more */
	ASSERT_EQ(0, gh_run(vcpu));
	EXPECT_EQ(GUNYAH_VM_STATUS_LOAD_FAILED, run->status.status);
	GH_EXPECT_ERRNO(EINVAL, ioctl(vm, GUNYAH_VM_START));

	munmap(run, gh_page_size());
	close(vcpu);
	close(vm);
	close(dev);
}

GH_REQUIRES(GH_REQ_DEBUGFS);

TEST_HARNESS_MAIN
