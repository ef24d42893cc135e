// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every way GUNYAH_VCPU_RUN can return, driven by simulated guest
 * programs: each test asserts the exit, its fields, the errno, and what
 * the guest observed.
 */
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "kselftest_harness.h"
#include "gunyah_util.h"

FIXTURE(vcpu)
{
	int dev, vm, vmid, vcpu;
	struct gunyah_vcpu_run *run;
};

FIXTURE_SETUP(vcpu)
{
	self->dev = gh_open_dev();
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, "/dev/gunyah missing: load gunyah_rsc_mgr and gunyah_sim");
	ASSERT_LE(0, self->dev);
	self->vm = ioctl(self->dev, GUNYAH_CREATE_VM, 0);
	ASSERT_LE(0, self->vm) TH_LOG("CREATE_VM: %s", strerror(errno));
	self->vcpu = gh_add_vcpu(self->vm, 0);
	ASSERT_LE(0, self->vcpu) TH_LOG("ADD_FUNCTION vcpu 0: %s", strerror(errno));
	self->run = gh_map_run(self->vcpu);
	ASSERT_NE(NULL, self->run);
	ASSERT_EQ(0, ioctl(self->vm, GUNYAH_VM_START)) TH_LOG("VM_START: %s", strerror(errno));
	self->vmid = gh_vmid(self->vm);
	ASSERT_LT(0, self->vmid);
}

FIXTURE_TEARDOWN(vcpu)
{
	if (self->run)
		munmap(self->run, (size_t)sysconf(_SC_PAGESIZE));
	if (self->vcpu > 0)
		close(self->vcpu);
	if (self->vm > 0)
		close(self->vm);
	if (self->dev > 0)
		close(self->dev);
}

static int run_vcpu(int fd)
{
	return ioctl(fd, GUNYAH_VCPU_RUN, 0) ? -errno : 0;
}

static __u64 mmio_data(const struct gunyah_vcpu_run *run)
{
	__u64 v = 0;

	memcpy(&v, run->mmio.data, sizeof(v));
	return v;
}

TEST(abi_layout)
{
	EXPECT_EQ(40, sizeof(struct gunyah_vcpu_run));
	EXPECT_EQ(8, offsetof(struct gunyah_vcpu_run, exit_reason));
	EXPECT_EQ(16, offsetof(struct gunyah_vcpu_run, mmio.phys_addr));
	EXPECT_EQ(24, offsetof(struct gunyah_vcpu_run, mmio.data));
	EXPECT_EQ(32, offsetof(struct gunyah_vcpu_run, mmio.len));
	EXPECT_EQ(36, offsetof(struct gunyah_vcpu_run, mmio.is_write));
	EXPECT_EQ(37, offsetof(struct gunyah_vcpu_run, mmio.resume_action));
	EXPECT_EQ(16, offsetof(struct gunyah_vcpu_run, status.status));
	EXPECT_EQ(20, offsetof(struct gunyah_vcpu_run, status.exit_info));
	EXPECT_EQ(16, sizeof(struct gunyah_vm_exit_info));
	EXPECT_EQ(24, offsetof(struct gunyah_vcpu_run, page_fault.attempt));
	EXPECT_EQ(28, offsetof(struct gunyah_vcpu_run, page_fault.resume_action));
	EXPECT_EQ(0x4705, GUNYAH_VCPU_RUN);
	EXPECT_EQ(0x4706, GUNYAH_VCPU_MMAP_SIZE);
}

TEST_F(vcpu, mmap_size)
{
	EXPECT_EQ(sysconf(_SC_PAGESIZE), ioctl(self->vcpu, GUNYAH_VCPU_MMAP_SIZE));
}

TEST_F(vcpu, mmio_read_value_reaches_guest)
{
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0,
				 "mmio_read 0x1000 4\nmmio_write 0x2000 4 last\n"));
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, self->run->exit_reason);
	EXPECT_EQ(0, self->run->mmio.is_write);
	EXPECT_EQ(0x1000, self->run->mmio.phys_addr);
	EXPECT_EQ(4, self->run->mmio.len);
	EXPECT_EQ(GUNYAH_VCPU_RESUME_HANDLED, self->run->mmio.resume_action);

	memcpy(self->run->mmio.data, "\xef\xbe\xad\xde\x11\x22\x33\x44", 8);
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, self->run->exit_reason);
	EXPECT_EQ(1, self->run->mmio.is_write);
	EXPECT_EQ(0x2000, self->run->mmio.phys_addr);
	/* Only len bytes of the answer reached the guest */
	EXPECT_EQ(0xdeadbeefULL, mmio_data(self->run));
}

TEST_F(vcpu, mmio_write_lengths)
{
	static const struct { int len; __u64 value; } w[] = {
		{ 1, 0xab }, { 2, 0xabcd }, { 4, 0x12345678 }, { 8, 0x1122334455667788ULL },
	};
	char prog[256];
	int i;

	snprintf(prog, sizeof(prog),
		 "mmio_write 0x100 1 0xab\nmmio_write 0x102 2 0xabcd\n"
		 "mmio_write 0x104 4 0x12345678\nmmio_write 0x108 8 0x1122334455667788\n");
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, prog));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, run_vcpu(self->vcpu));
		ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, self->run->exit_reason);
		EXPECT_EQ(1, self->run->mmio.is_write);
		EXPECT_EQ(w[i].len, self->run->mmio.len);
		EXPECT_EQ(w[i].value, mmio_data(self->run));
	}
}

TEST_F(vcpu, mmio_length_above_8_is_clamped)
{
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, "mmio_read 0x3000 16\n"));
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, self->run->exit_reason);
	EXPECT_EQ(8, self->run->mmio.len);
}

TEST_F(vcpu, mmio_resume_retry_then_fault)
{
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0,
				 "mmio_read 0x1000 4\nmmio_write 0x2000 4 1\n"));
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	ASSERT_EQ(0x1000, self->run->mmio.phys_addr);
	/* RETRY: the guest executes the same read again */
	self->run->mmio.resume_action = GUNYAH_VCPU_RESUME_RETRY;
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, self->run->exit_reason);
	EXPECT_EQ(0, self->run->mmio.is_write);
	EXPECT_EQ(0x1000, self->run->mmio.phys_addr);
	/* FAULT: the guest takes the fault and moves on */
	self->run->mmio.resume_action = GUNYAH_VCPU_RESUME_FAULT;
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	EXPECT_EQ(1, self->run->mmio.is_write);
	EXPECT_EQ(0x2000, self->run->mmio.phys_addr);
}

TEST_F(vcpu, mmio_invalid_resume_action)
{
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0,
				 "mmio_read 0x1000 4\nmmio_write 0x2000 4 last\n"));
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	self->run->mmio.resume_action = 77;
	EXPECT_EQ(-EINVAL, run_vcpu(self->vcpu));
	/* Nothing was lost: a valid answer still resumes the read */
	self->run->mmio.resume_action = GUNYAH_VCPU_RESUME_HANDLED;
	memcpy(self->run->mmio.data, "\x2a\0\0\0\0\0\0\0", 8);
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	EXPECT_EQ(1, self->run->mmio.is_write);
	EXPECT_EQ(0x2a, mmio_data(self->run));
}

TEST_F(vcpu, page_fault_then_resume)
{
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0,
				 "page_fault 0x80000 w\nmmio_write 0x10 1 7\n"));
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	ASSERT_EQ(GUNYAH_VCPU_EXIT_PAGE_FAULT, self->run->exit_reason);
	EXPECT_EQ(0x80000, self->run->page_fault.phys_addr);
	EXPECT_EQ(GUNYAH_VCPU_RESUME_FAULT, self->run->page_fault.resume_action);
	self->run->page_fault.resume_action = GUNYAH_VCPU_RESUME_HANDLED;
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, self->run->exit_reason);
	EXPECT_EQ(7, mmio_data(self->run));
}

TEST_F(vcpu, ready_and_blocked_are_not_exits)
{
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0,
				 "yield\nblock\nyield\nmmio_write 0x20 4 5\n"));
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, self->run->exit_reason);
	EXPECT_EQ(0x20, self->run->mmio.phys_addr);
}

TEST_F(vcpu, unknown_state_is_einval)
{
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, "state 99\nmmio_write 0x20 4 5\n"));
	EXPECT_EQ(-EINVAL, run_vcpu(self->vcpu));
	/* The vCPU stays usable */
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	EXPECT_EQ(GUNYAH_VCPU_EXIT_MMIO, self->run->exit_reason);
}

TEST_F(vcpu, hypercall_retry_is_transparent)
{
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, "hyp_error -2\nmmio_write 0x20 4 9\n"));
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, self->run->exit_reason);
	EXPECT_EQ(9, mmio_data(self->run));
}

TEST_F(vcpu, hypercall_errors_map_to_errno)
{
	static const struct { int gerr, err; } map[] = {
		{ 10, ENOMEM }, { 30, EACCES }, { 50, EACCES }, { 54, EBUSY },
		{ 31, EBUSY }, { 40, EIO }, { 61, EIO }, { -1, EOPNOTSUPP }, { 1, EINVAL },
	};
	char prog[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(map); i++) {
		snprintf(prog, sizeof(prog), "hyp_error %d\n", map[i].gerr);
		ASSERT_EQ(0, gh_sim_load(self->vmid, 0, prog));
		EXPECT_EQ(-map[i].err, run_vcpu(self->vcpu)) TH_LOG("gunyah error %d", map[i].gerr);
	}
}

TEST_F(vcpu, immediate_exit_before_run)
{
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, "mmio_write 0x20 4 5\n"));
	self->run->immediate_exit = 1;
	EXPECT_EQ(-EINTR, run_vcpu(self->vcpu));
	self->run->immediate_exit = 0;
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	EXPECT_EQ(GUNYAH_VCPU_EXIT_MMIO, self->run->exit_reason);
}

TEST_F(vcpu, vm_exit_status)
{
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, "system_off 1 0x10001\n"));
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	ASSERT_EQ(GUNYAH_VCPU_EXIT_STATUS, self->run->exit_reason);
	EXPECT_EQ(GUNYAH_VM_STATUS_EXITED, self->run->status.status);
	EXPECT_EQ(GUNYAH_VM_EXIT_TYPE_PLATFORM_OFF, self->run->status.exit_info.type);
	EXPECT_EQ(4, self->run->status.exit_info.reason_size);
	EXPECT_EQ(0, memcmp(self->run->status.exit_info.reason, "\x01\0\x01\0", 4));
	/* The VM is gone for good: the next run says so again */
	memset(&self->run->status, 0, sizeof(self->run->status));
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	EXPECT_EQ(GUNYAH_VCPU_EXIT_STATUS, self->run->exit_reason);
	EXPECT_EQ(GUNYAH_VM_STATUS_EXITED, self->run->status.status);
}

TEST(run_before_start_is_enodev)
{
	int dev = gh_open_dev(), vm, vcpu;

	if (dev < 0 && errno == ENOENT)
		SKIP(return, "/dev/gunyah missing");
	vm = ioctl(dev, GUNYAH_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	vcpu = gh_add_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	EXPECT_EQ(-1, ioctl(vcpu, GUNYAH_VCPU_RUN, 0));
	EXPECT_EQ(ENODEV, errno);
	close(vcpu);
	close(vm);
	close(dev);
}

TEST_F(vcpu, same_id_twice_is_eexist)
{
	EXPECT_EQ(-1, gh_add_vcpu(self->vm, 0));
	EXPECT_EQ(EEXIST, errno);
}

TEST_F(vcpu, vcpu_fd_is_cloexec)
{
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->vcpu, F_GETFD) & FD_CLOEXEC);
}

TEST_F_SIGNAL(vcpu, mmap_beyond_page_is_sigbus, SIGBUS)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, pg, PROT_READ, MAP_SHARED, self->vcpu, pg);

	ASSERT_NE(MAP_FAILED, p);
	/* Only offset 0 is backed: this read must raise SIGBUS */
	EXPECT_EQ(0, p[0]);
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

TEST_F(vcpu, cpu_on_from_another_vcpu)
{
	struct gunyah_vcpu_run *run1;
	struct runner r;
	int vcpu1;

	/* vCPU 1 was added after start: it gets the existing resource */
	vcpu1 = gh_add_vcpu(self->vm, 1);
	ASSERT_LE(0, vcpu1) TH_LOG("add vcpu 1: %s", strerror(errno));
	run1 = gh_map_run(vcpu1);
	ASSERT_NE(NULL, run1);
	ASSERT_EQ(0, gh_sim_load(self->vmid, 1, "cpu_off\nmmio_read 0x10 4\n"));
	r.fd = vcpu1;
	ASSERT_EQ(0, pthread_create(&r.thread, NULL, runner_fn, &r));
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, "cpu_on 1\nmmio_write 0x20 4 1\n"));
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	EXPECT_EQ(0x20, self->run->mmio.phys_addr);
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	EXPECT_EQ(0, r.ret);
	EXPECT_EQ(GUNYAH_VCPU_EXIT_MMIO, run1->exit_reason);
	EXPECT_EQ(0x10, run1->mmio.phys_addr);
	munmap(run1, (size_t)sysconf(_SC_PAGESIZE));
	close(vcpu1);
}

TEST_F(vcpu, wfi_until_wakeup)
{
	struct runner r = { .fd = self->vcpu };

	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, "wfi\nmmio_write 0x30 4 3\n"));
	ASSERT_EQ(0, pthread_create(&r.thread, NULL, runner_fn, &r));
	/* Either order is a valid wake-up: before or during the sleep */
	ASSERT_EQ(0, gh_sim_write(self->vmid, 0, "wakeup", "1\n"));
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	ASSERT_EQ(0, r.ret);
	EXPECT_EQ(GUNYAH_VCPU_EXIT_MMIO, self->run->exit_reason);
	EXPECT_EQ(0x30, self->run->mmio.phys_addr);
}

TEST_F(vcpu, remove_while_running_wakes_runner)
{
	struct runner r = { .fd = self->vcpu };

	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, "wfi\n"));
	ASSERT_EQ(0, pthread_create(&r.thread, NULL, runner_fn, &r));
	ASSERT_EQ(0, gh_remove_vcpu(self->vm, 0));
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	EXPECT_EQ(-ENODEV, r.ret);
	/* The page was not used to kick the runner */
	EXPECT_EQ(0, self->run->immediate_exit);
	/* Re-adding the same id works once the old one is gone */
	r.fd = gh_add_vcpu(self->vm, 0);
	EXPECT_LE(0, r.fd);
	close(r.fd);
}

TEST_HARNESS_MAIN
