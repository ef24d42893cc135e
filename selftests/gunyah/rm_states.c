// SPDX-License-Identifier: GPL-2.0-only
/*
 * The RM's VM state machine, as the public resource manager
 * (quic/gunyah-resource-manager) enforces it and the simulated RM now
 * does: a VM id is freed only in LOAD or RESET; VM_RESET replies first
 * and reports RESET later; a refused configure, init or start leaves the
 * VM INIT_FAILED; a VM without a configuration must never be reset (the
 * public RM would crash). Each test counts the simulated RM's VMs: no
 * path may leave a VM id behind, except the one the RM cannot free.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vcpu_util.h"
#include "gh_requires.h"

#define RM_STATS	SIM_DEBUGFS "/rm_stats"
#define FAIL_RM_CALL	"/sys/kernel/debug/gunyah/fail_rm_call/"
#define VM_START_ID	0x56000004
#define VM_INIT_ID	0x5600000b
#define VM_CONFIG_ID	0x56000009
#define RESET_TIMEOUT	"/sys/module/gunyah_rsc_mgr/parameters/reset_timeout_ms"

FIXTURE(rm)
{
	int dev;
	long vms;	/* the simulated RM's VMs before the test */
	long fatal;	/* calls the public RM would not have survived */
};

FIXTURE_SETUP(rm)
{
	self->dev = -1;
	if (!gh_sim_present())
		SKIP(return, "%s missing: needs the simulator", SIM_DEBUGFS);
	self->dev = gh_open_dev();
	ASSERT_LE(0, self->dev) TH_LOG("open /dev/gunyah: %s", strerror(errno));
	self->vms = gh_sim_vms();
	self->fatal = gh_sim_file_value(RM_STATS, "fatal_calls");
	ASSERT_LE(0, self->vms);
	ASSERT_LE(0, self->fatal);
}

FIXTURE_TEARDOWN(rm)
{
	if (self->dev < 0)
		return;
	gh_write_file(SIM_DEBUGFS "/rm_refuse_call", "0");
	gh_write_file(SIM_DEBUGFS "/rm_refuse_error", "0");
	gh_write_file(SIM_DEBUGFS "/rm_reset_delay_ms", "10");
	/* Nothing reached the RM that it could not survive */
	EXPECT_EQ(self->fatal, gh_sim_file_value(RM_STATS, "fatal_calls"));
	gh_reclaim_stuck();
	close(self->dev);
}

/* Create a VM with vCPU 0 and start it: 0 or -errno; *vm, *vcpu set */
static int start_vm(int dev, int *vm, int *vcpu)
{
	int ret;

	*vm = gh_create_vm(dev);
	if (*vm < 0)
		return -errno;
	*vcpu = gh_add_vcpu(*vm, 0);
	if (*vcpu < 0)
		return -errno;
	ret = ioctl(*vm, GUNYAH_VM_START);
	return ret ? -errno : 0;
}

static void close_vm(int vm, int vcpu)
{
	if (vcpu >= 0)
		close(vcpu);
	if (vm >= 0)
		close(vm);
}

/* The newest VM of the simulated RM and its status line; vmid or -1 */
static int newest_vm(char *status, size_t len)
{
	char path[128];
	int vmid;

	for (vmid = 1023; vmid > 0; vmid--) {
		snprintf(path, sizeof(path), SIM_DEBUGFS "/vm%d/status", vmid);
		if (!access(path, F_OK))
			break;
	}
	if (vmid <= 0 || gh_read_text(path, status, len) <= 0)
		return -1;
	return vmid;
}

/*
 * Starts the RM refuses (VM_START, VM_INIT: INIT_FAILED with a
 * configuration): reset, wait for RESET, free. Twenty in a row leave
 * no VM behind; on the old driver each left one (DEALLOC refused while
 * the reset was still in progress).
 */
TEST_F(rm, refused_starts_leave_no_vmid)
{
	static const unsigned int calls[] = { VM_START_ID, VM_INIT_ID };
	int i, vm, vcpu;

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, gh_write_file(SIM_DEBUGFS "/rm_refuse_call", "%#x",
					   calls[i % 2]));
		EXPECT_EQ(-EINVAL, start_vm(self->dev, &vm, &vcpu))
			TH_LOG("start %d", i);
		close_vm(vm, vcpu);
		ASSERT_EQ(self->vms, gh_sim_vms()) TH_LOG("after start %d", i);
	}
}

/* A start that fails in the driver after GET_HYP_RESOURCES */
TEST_F(rm, locally_failed_starts_leave_no_vmid)
{
	int i, vm, vcpu, ret;

	if (access(FAIL_RM_CALL "msg_ids", F_OK))
		SKIP(return, "%s missing: no RM fault injection", FAIL_RM_CALL);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, gh_write_file(FAIL_RM_CALL "msg_ids", "%#x",
					   i ? VM_INIT_ID : VM_START_ID));
		ASSERT_EQ(0, gh_write_file(FAIL_RM_CALL "error", "4"));
		ASSERT_EQ(0, gh_write_file(FAIL_RM_CALL "interval", "1"));
		ASSERT_EQ(0, gh_write_file(FAIL_RM_CALL "times", "1"));
		ASSERT_EQ(0, gh_write_file(FAIL_RM_CALL "probability", "100"));
		ret = start_vm(self->dev, &vm, &vcpu);
		gh_write_file(FAIL_RM_CALL "probability", "0");
		gh_write_file(FAIL_RM_CALL "msg_ids", "\n");
		EXPECT_EQ(-EINVAL, ret);
		close_vm(vm, vcpu);
		EXPECT_EQ(self->vms, gh_sim_vms()) TH_LOG("injected at %s",
							  i ? "VM_INIT" : "VM_START");
	}
}

/*
 * One VM more than before is left with the RM, the newest, in @state;
 * reaped, the count is back
 */
#define EXPECT_LEFT_BEHIND(state) do {						\
	char status[1024];							\
	int vmid;								\
										\
	ASSERT_EQ(self->vms + 1, gh_sim_vms());					\
	vmid = newest_vm(status, sizeof(status));				\
	ASSERT_LT(0, vmid);							\
	EXPECT_NE(NULL, strstr(status, "status: " state)) TH_LOG("%s", status);	\
	ASSERT_EQ(0, gh_sim_reap(vmid));					\
	EXPECT_EQ(self->vms, gh_sim_vms());					\
} while (0)

/*
 * A refused configure: INIT_FAILED without a configuration. The RM frees
 * no id there and cannot reset such a VM: the driver must not try (the
 * fixture checks fatal_calls); the id stays, said loudly. The test frees
 * it the way an administrator would (reap_vm).
 */
TEST_F(rm, refused_configure_is_never_reset)
{
	int vm, vcpu;

	ASSERT_EQ(0, gh_write_file(SIM_DEBUGFS "/rm_refuse_call", "%#x", VM_CONFIG_ID));
	EXPECT_EQ(-EINVAL, start_vm(self->dev, &vm, &vcpu));
	close_vm(vm, vcpu);
	EXPECT_LEFT_BEHIND("init_failed");
}

/*
 * Teardown of a VM that ran: VM_RESET, then DEALLOC only once the RM
 * reported RESET, however long its clean-up takes. close() returns with
 * the id already free.
 */
TEST_F(rm, teardown_waits_for_reset)
{
	int vm, vcpu;

	ASSERT_EQ(0, gh_write_file(SIM_DEBUGFS "/rm_reset_delay_ms", "300"));
	ASSERT_EQ(0, start_vm(self->dev, &vm, &vcpu));
	ASSERT_EQ(self->vms + 1, gh_sim_vms());
	close_vm(vm, vcpu);
	EXPECT_EQ(self->vms, gh_sim_vms());
}

/*
 * The RM never finishes a reset: teardown gives up after
 * reset_timeout_ms, says so, and leaves the vmid (still RESETTING).
 */
TEST_F(rm, reset_wait_is_bounded)
{
	char old[32];
	int vm, vcpu;

	ASSERT_LT(0, gh_read_text(RESET_TIMEOUT, old, sizeof(old)));
	ASSERT_EQ(0, gh_write_file(RESET_TIMEOUT, "200"));
	ASSERT_EQ(0, gh_write_file(SIM_DEBUGFS "/rm_reset_delay_ms", "600000"));
	EXPECT_EQ(0, start_vm(self->dev, &vm, &vcpu));
	close_vm(vm, vcpu);
	gh_write_file(RESET_TIMEOUT, "%s", old);
	EXPECT_LEFT_BEHIND("resetting");
}

static bool proc_asleep(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (gh_read_text(path, buf, sizeof(buf)) <= 0)
		return false;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'S' || p[2] == 'D');
}

/*
 * The wait for the RM's reset is killable: a VMM killed while its VM's
 * teardown waits dies (with no bound set, it would wait for ever: the
 * harness's timeout would fail the test), and the vmid stays, said.
 */
TEST_F(rm, reset_wait_is_killable)
{
	char old[32], status[1024];
	int vm, vcpu, vmid, i, st;
	pid_t pid;

	ASSERT_LT(0, gh_read_text(RESET_TIMEOUT, old, sizeof(old)));
	ASSERT_EQ(0, gh_write_file(RESET_TIMEOUT, "3600000"));
	ASSERT_EQ(0, gh_write_file(SIM_DEBUGFS "/rm_reset_delay_ms", "600000"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (start_vm(self->dev, &vm, &vcpu))
			_exit(2);
		close_vm(vm, vcpu);	/* waits for the RM's reset */
		_exit(3);
	}
	/* Asleep, after the VM went from running to resetting */
	for (i = 0; i < GH_ASLEEP_BOUND_MS; i++) {
		vmid = newest_vm(status, sizeof(status));
		if (vmid > 0 && strstr(status, "status: resetting") && proc_asleep(pid))
			break;
		gh_poll_pause();
	}
	EXPECT_GT(GH_ASLEEP_BOUND_MS, i) TH_LOG("the child never waited for the reset");
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	gh_write_file(RESET_TIMEOUT, "%s", old);
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) TH_LOG("status %#x", st);
	ASSERT_EQ(self->vms + 1, gh_sim_vms());
	ASSERT_LT(0, vmid);
	ASSERT_EQ(0, gh_sim_reap(vmid));
	EXPECT_EQ(self->vms, gh_sim_vms());
}

/*
 * A start refused after the vCPU got its resource (VM_START itself):
 * RUN says LOAD_FAILED, every time, not "not ready yet" (-ENODEV), which
 * VMMs retry in a loop.
 */
TEST_F(rm, failed_start_is_load_failed_for_the_vcpu)
{
	struct gunyah_vcpu_run *run;
	int vm, vcpu, i;

	ASSERT_EQ(0, gh_write_file(SIM_DEBUGFS "/rm_refuse_call", "%#x", VM_START_ID));
	EXPECT_EQ(-EINVAL, start_vm(self->dev, &vm, &vcpu));
	ASSERT_LE(0, vcpu);
	run = gh_map_run(vcpu);
	ASSERT_NE(NULL, run);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, gh_run(vcpu)) TH_LOG("run %d", i);
		ASSERT_EQ(GUNYAH_VCPU_EXIT_STATUS, run->exit_reason);
		EXPECT_EQ(GUNYAH_VM_STATUS_LOAD_FAILED, run->status.status);
	}
	munmap(run, gh_page_size());
	close_vm(vm, vcpu);
	EXPECT_EQ(self->vms, gh_sim_vms());
}

/* The RM errors 0x12..0x14 each have their errno; no id is left */
TEST_F(rm, rm_error_table_tail)
{
	static const struct {
		unsigned int err;
		int errnum;
	} t[] = {
		{ 0x12, EBUSY },	/* IN_USE */
		{ 0x13, ENXIO },	/* IRQ_NOT_MAPPED */
		{ 0x14, EBADFD },	/* VM_STATE */
	};
	unsigned int i;
	int vm, vcpu;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		ASSERT_EQ(0, gh_write_file(SIM_DEBUGFS "/rm_refuse_error", "%#x", t[i].err));
		ASSERT_EQ(0, gh_write_file(SIM_DEBUGFS "/rm_refuse_call", "%#x",
					   VM_START_ID));
		EXPECT_EQ(-t[i].errnum, start_vm(self->dev, &vm, &vcpu))
			TH_LOG("RM error %#x", t[i].err);
		close_vm(vm, vcpu);
		EXPECT_EQ(self->vms, gh_sim_vms());
	}
}

GH_REQUIRES(GH_REQ_DEBUGFS);

TEST_HARNESS_MAIN
