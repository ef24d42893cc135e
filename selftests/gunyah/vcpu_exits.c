// SPDX-License-Identifier: GPL-2.0-only
/*
 * Single-threaded exits of GUNYAH_VCPU_RUN, driven by simulated guest
 * programs: MMIO reads and writes, resume actions, page faults, the
 * states that are not exits (READY, BLOCKED), an unknown state,
 * hypercall errors, immediate_exit, and the vCPU's life in its VM. Each
 * test asserts the exit, its fields, the errno, and what the guest
 * observed (its log in the simulator's debugfs).
 *
 * Threads, signals and wake-ups: vcpu_threads.c. STATUS exits:
 * vcpu_status.c. The shared page: vcpu_mmap.c and hostile.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "kselftest_harness.h"
#include "vcpu_util.h"
#include "gh_requires.h"

#define NR_VCPUS_PARAM	"/sys/module/gunyah_sim/parameters/nr_vcpus"

/*
 * vcpu: tests that hold on both of the simulator's hypervisor profiles,
 * run under each. vcpu_v17: resume actions and the page-fault state,
 * which only v17's hypervisor has (the public one: vcpu_public.c).
 */
GH_PROFILE_FIXTURE(vcpu, 1);

GH_VM_FIXTURE(vcpu_v17);
GH_VM_FIXTURE_HOOKS(vcpu_v17, 1, false)

/* Load @prog into vCPU 0 of the fixture's VM */
#define LOAD(prog) ASSERT_EQ(0, gh_sim_load(self->vmid, 0, prog))

/* Run vCPU 0 of @gv and expect an MMIO exit at @addr */
#define GV_RUN_MMIO(gv, _addr, _len, _write) do {				\
	struct gunyah_vcpu_run *__run = (gv)->run[0];				\
										\
	GH_RUN_EXIT((gv)->vcpu[0], __run, GUNYAH_VCPU_EXIT_MMIO);		\
	EXPECT_EQ(_addr, __run->mmio.phys_addr);				\
	EXPECT_EQ(_len, __run->mmio.len);					\
	EXPECT_EQ(_write, __run->mmio.is_write);				\
	EXPECT_EQ(GUNYAH_VCPU_RESUME_HANDLED, __run->mmio.resume_action);	\
} while (0)

/* The same for the fixture's vCPU 0 */
#define RUN_MMIO(_addr, _len, _write) GV_RUN_MMIO(&self->gv, _addr, _len, _write)

/* Run to a page-fault exit at @addr that the driver left to userspace */
#define RUN_PAGE_FAULT(addr) do {						\
	GH_RUN_EXIT(self->fd, self->run, GUNYAH_VCPU_EXIT_PAGE_FAULT);		\
	EXPECT_EQ(addr, self->run->page_fault.phys_addr);			\
	/* No memory is mapped by the driver: nothing was there */		\
	EXPECT_EQ(-ENOENT, self->run->page_fault.attempt);			\
	/* Preset: unless userspace handles it, the guest gets its fault */	\
	EXPECT_EQ(GUNYAH_VCPU_RESUME_FAULT, self->run->page_fault.resume_action); \
} while (0)

/* vCPU 0 runs @prog to its first exit, a read of @len at @addr; @data answers it */
static void answer_read(struct __test_metadata *_metadata, struct gh_vm *gv,
			const char *prog, __u64 addr, __u32 len, __u64 data)
{
	ASSERT_EQ(0, gh_sim_load(gv->vmid, 0, prog));
	GV_RUN_MMIO(gv, addr, len, 0);
	gh_set_mmio_data(gv->run[0], data);
}

/*
 * vCPU 0 runs on to its guest's write ("last") of @len at @addr of what
 * it read, @data; the guest's log is then @log
 */
static void expect_write_of(struct __test_metadata *_metadata, struct gh_vm *gv,
			    __u64 addr, __u32 len, __u64 data, const char *log)
{
	GV_RUN_MMIO(gv, addr, len, 1);
	EXPECT_EQ(data, gh_mmio_data(gv->run[0]));
	GH_EXPECT_LOG(gv->vmid, 0, log);
}

/*
 * vCPU 0 runs on to its guest's last instruction, a read of @len at @addr
 * that stops it; the guest's log is then @log
 */
static void expect_last_read(struct __test_metadata *_metadata, struct gh_vm *gv,
			     __u64 addr, __u32 len, const char *log)
{
	GV_RUN_MMIO(gv, addr, len, 0);
	GH_EXPECT_LOG(gv->vmid, 0, log);
}

/*
 * vCPU 0 runs @prog, states that are not exits before a write of 4 bytes
 * at 0x20, to that write in one RUN: @runs vcpu_run calls (0: not
 * counted), the guest's log @log
 */
static void run_through(struct __test_metadata *_metadata, struct gh_vm *gv,
			const char *prog, long runs, const char *log)
{
	ASSERT_EQ(0, gh_sim_load(gv->vmid, 0, prog));
	GV_RUN_MMIO(gv, 0x20, 4, 1);
	if (runs)
		EXPECT_EQ(runs, gh_sim_runs(gv->vmid, 0));
	GH_EXPECT_LOG(gv->vmid, 0, log);
}

/*
 * vCPU 0 runs @prog, a state that ends in an error then a write of 4
 * bytes at 0x20: RUN fails with @err, the next RUN goes on to the write
 * (the vCPU stays usable); the guest's log is then @log
 */
static void error_then_on(struct __test_metadata *_metadata, struct gh_vm *gv,
			  const char *prog, int err, const char *log)
{
	ASSERT_EQ(0, gh_sim_clear_log(gv->vmid, 0));
	ASSERT_EQ(0, gh_sim_load(gv->vmid, 0, prog));
	EXPECT_EQ(-err, gh_run(gv->vcpu[0])) TH_LOG("%s", prog);
	GV_RUN_MMIO(gv, 0x20, 4, 1);
	GH_EXPECT_LOG(gv->vmid, 0, log);
}

TEST(abi_layout)
{
	EXPECT_EQ(40, sizeof(struct gunyah_vcpu_run));
	EXPECT_EQ(0, offsetof(struct gunyah_vcpu_run, immediate_exit));
	EXPECT_EQ(8, offsetof(struct gunyah_vcpu_run, exit_reason));
	EXPECT_EQ(16, offsetof(struct gunyah_vcpu_run, mmio.phys_addr));
	EXPECT_EQ(24, offsetof(struct gunyah_vcpu_run, mmio.data));
	EXPECT_EQ(32, offsetof(struct gunyah_vcpu_run, mmio.len));
	EXPECT_EQ(36, offsetof(struct gunyah_vcpu_run, mmio.is_write));
	EXPECT_EQ(37, offsetof(struct gunyah_vcpu_run, mmio.resume_action));
	EXPECT_EQ(16, offsetof(struct gunyah_vcpu_run, status.status));
	EXPECT_EQ(20, offsetof(struct gunyah_vcpu_run, status.exit_info));
	EXPECT_EQ(16, sizeof(struct gunyah_vm_exit_info));
	EXPECT_EQ(4, offsetof(struct gunyah_vm_exit_info, reason_size));
	EXPECT_EQ(8, offsetof(struct gunyah_vm_exit_info, reason));
	EXPECT_EQ(16, offsetof(struct gunyah_vcpu_run, page_fault.phys_addr));
	EXPECT_EQ(24, offsetof(struct gunyah_vcpu_run, page_fault.attempt));
	EXPECT_EQ(28, offsetof(struct gunyah_vcpu_run, page_fault.resume_action));
	EXPECT_EQ(16, sizeof(struct gunyah_fn_desc));
	EXPECT_EQ(0x4700, GUNYAH_CREATE_VM);
	EXPECT_EQ(0x4703, GUNYAH_VM_START);
	EXPECT_EQ(0x40104704, GUNYAH_VM_ADD_FUNCTION);
	EXPECT_EQ(0x40104707, GUNYAH_VM_REMOVE_FUNCTION);
	EXPECT_EQ(0x4705, GUNYAH_VCPU_RUN);
	EXPECT_EQ(0x4706, GUNYAH_VCPU_MMAP_SIZE);
	EXPECT_EQ(1, GUNYAH_VCPU_EXIT_MMIO);
	EXPECT_EQ(2, GUNYAH_VCPU_EXIT_STATUS);
	EXPECT_EQ(3, GUNYAH_VCPU_EXIT_PAGE_FAULT);
	EXPECT_EQ(0, GUNYAH_VCPU_RESUME_HANDLED);
	EXPECT_EQ(1, GUNYAH_VCPU_RESUME_FAULT);
	EXPECT_EQ(2, GUNYAH_VCPU_RESUME_RETRY);
	EXPECT_EQ(1, GUNYAH_VM_STATUS_LOAD_FAILED);
	EXPECT_EQ(2, GUNYAH_VM_STATUS_EXITED);
	EXPECT_EQ(3, GUNYAH_VM_STATUS_CRASHED);
	EXPECT_EQ(0, GUNYAH_VM_EXIT_TYPE_VM_EXIT);
	EXPECT_EQ(3, GUNYAH_VM_EXIT_TYPE_PSCI_SYSTEM_RESET2);
	EXPECT_EQ(7, GUNYAH_VM_EXIT_TYPE_VM_STOP_FORCED);
	EXPECT_EQ(8, GUNYAH_VM_MAX_EXIT_REASON_SIZE);
}

/* --- MMIO --- */

GH_TEST_F(vcpu, mmio_read_value_reaches_guest)
{
	LOAD("mmio_read 0x1000 4\nmmio_write 0x2000 4 last\n");
	gh_set_mmio_data(self->run, ~0ULL);
	RUN_MMIO(0x1000, 4, 0);
	/* A read exit carries no data */
	EXPECT_EQ(0, gh_mmio_data(self->run));

	/* Bytes past the access length must not reach the guest */
	gh_set_mmio_data(self->run, 0x44332211deadbeefULL);
	expect_write_of(_metadata, &self->gv, 0x2000, 4, 0xdeadbeefULL,
			"load 2\nread 0x1000 4 0xdeadbeef\n");
}

GH_TEST_F(vcpu, mmio_read_lengths)
{
	static const struct { __u64 addr; __u32 len; } r[] = {
		{ 0x10, 1 }, { 0x12, 2 }, { 0x14, 4 }, { 0x18, 8 },
	};
	unsigned int i;

	LOAD("mmio_read 0x10 1\nmmio_read 0x12 2\nmmio_read 0x14 4\nmmio_read 0x18 8\n"
	     "mmio_write 0x20 8 last\n");
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		RUN_MMIO(r[i].addr, r[i].len, 0);
		gh_set_mmio_data(self->run, 0x8877665544332211ULL);
	}
	expect_write_of(_metadata, &self->gv, 0x20, 8, 0x8877665544332211ULL,
			"load 5\nread 0x10 1 0x11\nread 0x12 2 0x2211\n"
			"read 0x14 4 0x44332211\nread 0x18 8 0x8877665544332211\n");
}

GH_TEST_F(vcpu, mmio_write_lengths)
{
	static const struct { __u64 addr; __u32 len; __u64 value; } w[] = {
		{ 0x100, 1, 0xab }, { 0x102, 2, 0xabcd }, { 0x104, 4, 0x12345678 },
		{ 0x108, 8, 0x1122334455667788ULL },
	};
	unsigned int i;

	LOAD("mmio_write 0x100 1 0xab\nmmio_write 0x102 2 0xabcd\n"
	     "mmio_write 0x104 4 0x12345678\nmmio_write 0x108 8 0x1122334455667788\n"
	     "mmio_read 0x200 4\n");
	for (i = 0; i < ARRAY_SIZE(w); i++) {
		/* The kernel clears the bytes past the length */
		gh_set_mmio_data(self->run, ~0ULL);
		RUN_MMIO(w[i].addr, w[i].len, 1);
		EXPECT_EQ(w[i].value, gh_mmio_data(self->run)) TH_LOG("len %u", w[i].len);
	}
	expect_last_read(_metadata, &self->gv, 0x200, 4,
			 "load 5\nwrite 0x100 1 0xab\nwrite 0x102 2 0xabcd\n"
			 "write 0x104 4 0x12345678\nwrite 0x108 8 0x1122334455667788\n");
}

GH_TEST_F(vcpu, mmio_length_above_8_is_clamped)
{
	LOAD("mmio_read 0x3000 16\nmmio_write 0x3010 200 0x1122334455667788\nmmio_read 0x10 1\n");
	RUN_MMIO(0x3000, 8, 0);
	gh_set_mmio_data(self->run, 0x8877665544332211ULL);
	RUN_MMIO(0x3010, 8, 1);
	EXPECT_EQ(0x1122334455667788ULL, gh_mmio_data(self->run));
	/* The guest got all 8 bytes of the answer, and its write was taken */
	expect_last_read(_metadata, &self->gv, 0x10, 1,
			 "load 3\nread 0x3000 16 0x8877665544332211\n"
			 "write 0x3010 200 0x1122334455667788\n");
}

GH_TEST_F(vcpu_v17, mmio_read_resume_retry)
{
	answer_read(_metadata, &self->gv, "mmio_read 0x1000 4\nmmio_write 0x2000 4 last\n",
		    0x1000, 4, 0x55);
	self->run->mmio.resume_action = GUNYAH_VCPU_RESUME_RETRY;
	/* The guest executes the same read again; the data was not used */
	RUN_MMIO(0x1000, 4, 0);
	gh_set_mmio_data(self->run, 0x66);
	expect_write_of(_metadata, &self->gv, 0x2000, 4, 0x66,
			"load 2\nretry mmio 0x1000\nread 0x1000 4 0x66\n");
}

GH_TEST_F(vcpu_v17, mmio_write_resume_retry)
{
	LOAD("mmio_write 0x2000 2 0x1234\nmmio_read 0x10 1\n");
	RUN_MMIO(0x2000, 2, 1);
	self->run->mmio.resume_action = GUNYAH_VCPU_RESUME_RETRY;
	RUN_MMIO(0x2000, 2, 1);
	EXPECT_EQ(0x1234, gh_mmio_data(self->run));
	expect_last_read(_metadata, &self->gv, 0x10, 1,
			 "load 2\nretry mmio 0x2000\nwrite 0x2000 2 0x1234\n");
}

GH_TEST_F(vcpu_v17, mmio_resume_fault)
{
	LOAD("mmio_read 0x1000 4\nmmio_write 0x2000 4 7\nmmio_read 0x10 1\n");
	RUN_MMIO(0x1000, 4, 0);
	self->run->mmio.resume_action = GUNYAH_VCPU_RESUME_FAULT;
	gh_set_mmio_data(self->run, 0x55);
	/* The guest takes the fault and moves on */
	RUN_MMIO(0x2000, 4, 1);
	self->run->mmio.resume_action = GUNYAH_VCPU_RESUME_FAULT;
	expect_last_read(_metadata, &self->gv, 0x10, 1,
			 "load 3\nfault mmio 0x1000\nfault mmio 0x2000\n");
}

GH_TEST_F(vcpu, mmio_invalid_resume_action)
{
	static const __u8 bad[] = { 3, 77, 255 };
	long runs;
	unsigned int i;

	LOAD("mmio_read 0x1000 4\nmmio_write 0x2000 4 last\n");
	RUN_MMIO(0x1000, 4, 0);
	runs = gh_sim_runs(self->vmid, 0);
	ASSERT_LT(0, runs);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		self->run->mmio.resume_action = bad[i];
		EXPECT_EQ(-EINVAL, gh_run(self->fd)) TH_LOG("action %u", bad[i]);
		/* The page still describes the pending exit */
		EXPECT_EQ(GUNYAH_VCPU_EXIT_MMIO, self->run->exit_reason);
		EXPECT_EQ(0x1000, self->run->mmio.phys_addr);
	}
	/* Refused before the hypervisor: the guest saw nothing */
	EXPECT_EQ(runs, gh_sim_runs(self->vmid, 0));
	GH_EXPECT_LOG(self->vmid, 0, "load 2\n");

	/* Nothing was lost: a valid answer still resumes the read */
	self->run->mmio.resume_action = GUNYAH_VCPU_RESUME_HANDLED;
	gh_set_mmio_data(self->run, 0x2a);
	expect_write_of(_metadata, &self->gv, 0x2000, 4, 0x2a, "load 2\nread 0x1000 4 0x2a\n");
}

/* --- page faults --- */

GH_TEST_F(vcpu_v17, page_fault_write)
{
	LOAD("page_fault 0x80000 w\nmmio_write 0x10 1 7\n");
	self->run->page_fault.attempt = 12345;
	RUN_PAGE_FAULT(0x80000);
	GH_EXPECT_LOG(self->vmid, 0, "load 2\n");

	RUN_MMIO(0x10, 1, 1);
	EXPECT_EQ(7, gh_mmio_data(self->run));
	GH_EXPECT_LOG(self->vmid, 0, "load 2\npage_fault 0x80000 w resumed\n");
}

GH_TEST_F(vcpu_v17, page_fault_read)
{
	LOAD("page_fault 0x90000 r\nmmio_write 0x10 1 7\n");
	RUN_PAGE_FAULT(0x90000);
	RUN_MMIO(0x10, 1, 1);
	GH_EXPECT_LOG(self->vmid, 0, "load 2\npage_fault 0x90000 r resumed\n");
}

GH_TEST_F(vcpu_v17, page_fault_resume_actions)
{
	static const __u8 actions[] = {
		GUNYAH_VCPU_RESUME_HANDLED, GUNYAH_VCPU_RESUME_RETRY,
		GUNYAH_VCPU_RESUME_FAULT,
	};
	unsigned int i;

	LOAD("page_fault 0x1000 w\npage_fault 0x2000 r\npage_fault 0x3000 w\n"
	     "mmio_read 0x10 1\n");
	for (i = 0; i < ARRAY_SIZE(actions); i++) {
		GH_RUN_EXIT(self->fd, self->run, GUNYAH_VCPU_EXIT_PAGE_FAULT);
		EXPECT_EQ(0x1000 * (i + 1), self->run->page_fault.phys_addr);
		self->run->page_fault.resume_action = actions[i];
	}
	expect_last_read(_metadata, &self->gv, 0x10, 1,
			 "load 4\npage_fault 0x1000 w resumed\npage_fault 0x2000 r resumed\n"
			 "page_fault 0x3000 w resumed\n");
}

GH_TEST_F(vcpu_v17, page_fault_invalid_resume_action)
{
	LOAD("page_fault 0x1000 w\nmmio_read 0x10 1\n");
	GH_RUN_EXIT(self->fd, self->run, GUNYAH_VCPU_EXIT_PAGE_FAULT);
	self->run->page_fault.resume_action = 3;
	EXPECT_EQ(-EINVAL, gh_run(self->fd));
	GH_EXPECT_LOG(self->vmid, 0, "load 2\n");
	self->run->page_fault.resume_action = GUNYAH_VCPU_RESUME_FAULT;
	expect_last_read(_metadata, &self->gv, 0x10, 1, "load 2\npage_fault 0x1000 w resumed\n");
}

/* --- states that are not exits --- */

/* One ioctl, three hypercalls: each READY was run again */
GH_TEST_CALL(vcpu, ready_is_a_preemption_point, run_through,
	     "yield\nyield\nmmio_write 0x20 4 5\n", 3, "load 3\nresume yield\nresume yield\n")

/*
 * make bench's mode (vmN/bench_exit): every run returns the same MMIO read
 * exit without stepping the guest's program, and bench_backend times the
 * simulator's vcpu_run alone; off again, the program goes on where it was.
 */
GH_TEST_F(vcpu, bench_mode_is_a_fixed_exit)
{
	char path[128], knob[128], buf[64];
	unsigned long long calls = 0, ns = 0;
	int i;

	LOAD("mmio_write 0x20 4 5\n");
	snprintf(path, sizeof(path), SIM_DEBUGFS "/vm%d/bench_backend", self->vmid);
	snprintf(knob, sizeof(knob), SIM_DEBUGFS "/vm%d/bench_exit", self->vmid);
	/* not in bench mode: nothing to time */
	EXPECT_EQ(-EINVAL, gh_write_file(path, "10"));

	ASSERT_EQ(0, gh_write_file(knob, "0x9000"));
	for (i = 0; i < 3; i++)
		RUN_MMIO(0x9000, 4, 0);
	/* the simulator counted and logged nothing: no program step */
	EXPECT_EQ(0, gh_sim_runs(self->vmid, 0));
	ASSERT_EQ(0, gh_write_file(path, "1000"));
	i = sscanf(gh_read_file(path, buf, sizeof(buf)), "calls %llu ns %llu",
		   &calls, &ns);
	ASSERT_EQ(2, i);
	EXPECT_EQ(1000, calls);
	EXPECT_LT(0, ns);
	EXPECT_EQ(-EINVAL, gh_write_file(path, "0"));

	ASSERT_EQ(0, gh_write_file(knob, "0"));
	RUN_MMIO(0x20, 4, 1);
	EXPECT_EQ(1, gh_sim_runs(self->vmid, 0));
	GH_EXPECT_LOG(self->vmid, 0, "load 1\n");
}

GH_TEST_CALL(vcpu, blocked_is_retried, run_through,
	     "block\nblock\nmmio_write 0x20 4 5\n", 3, "load 3\nresume block\nresume block\n")

GH_TEST_CALL(vcpu, guest_delay_is_not_an_exit, run_through,
	     "delay 1\nmmio_write 0x20 4 5\n", 0, "load 2\nresume delay\n")

GH_TEST_F(vcpu, unknown_state_is_einval)
{
	/* 6 and 0x100 are the public hypervisor's: vcpu_public.c */
	static const char * const states[] = { "8", "99", "0x101", "0xffffffffffffffff" };
	char prog[128];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(states); i++) {
		snprintf(prog, sizeof(prog), "state %s\nmmio_write 0x20 4 5\n", states[i]);
		error_then_on(_metadata, &self->gv, prog, EINVAL, "load 2\nresume state\n");
	}
}

/* --- hypercall errors --- */

GH_TEST_F(vcpu, hypercall_retry_is_transparent)
{
	LOAD("hyp_error -2\nmmio_write 0x20 4 9\n");
	RUN_MMIO(0x20, 4, 1);
	EXPECT_EQ(9, gh_mmio_data(self->run));
	EXPECT_EQ(2, gh_sim_runs(self->vmid, 0));
	GH_EXPECT_LOG(self->vmid, 0, "load 2\nresume hyp_error\n");
}

GH_TEST_F(vcpu, hypercall_errors_map_to_errno)
{
	/* Every gunyah_error but OK and RETRY, and one no hypervisor has */
	static const struct { int gerr, err; } map[] = {
		{ -1, EOPNOTSUPP },
		{ 1, EINVAL }, { 2, EINVAL }, { 3, EINVAL },
		{ 10, ENOMEM },
		{ 20, EINVAL }, { 21, EINVAL }, { 22, EINVAL },
		{ 30, EACCES }, { 31, EBUSY }, { 32, EBUSY },
		{ 40, EIO }, { 41, EIO },
		{ 50, EACCES }, { 51, EACCES }, { 52, EACCES }, { 53, EACCES },
		{ 54, EBUSY },
		{ 60, EIO }, { 61, EIO },
		{ 999, EINVAL },
	};
	char prog[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(map); i++) {
		snprintf(prog, sizeof(prog), "hyp_error %d\nmmio_write 0x20 4 %u\n",
			 map[i].gerr, i);
		/* Not an exit, and the vCPU goes on */
		error_then_on(_metadata, &self->gv, prog, map[i].err, "load 2\nresume hyp_error\n");
		EXPECT_EQ(i, gh_mmio_data(self->run));
	}
}

GH_TEST_F(vcpu, hypercall_error_keeps_pending_read)
{
	answer_read(_metadata, &self->gv,
		    "mmio_read 0x1000 4\nhyp_error 10\nmmio_write 0x20 4 last\n", 0x1000, 4, 0x77);
	EXPECT_EQ(-ENOMEM, gh_run(self->fd));
	expect_write_of(_metadata, &self->gv, 0x20, 4, 0x77,
			"load 3\nread 0x1000 4 0x77\nresume hyp_error\n");
}

/* --- immediate_exit before running --- */

GH_TEST_F(vcpu, immediate_exit_before_run)
{
	long runs;

	LOAD("mmio_write 0x20 4 5\n");
	runs = gh_sim_runs(self->vmid, 0);
	self->run->immediate_exit = 1;
	EXPECT_EQ(-EINTR, gh_run(self->fd));
	EXPECT_EQ(-EINTR, gh_run(self->fd));
	/* The kernel leaves the flag to userspace, and never ran the guest */
	EXPECT_EQ(1, self->run->immediate_exit);
	EXPECT_EQ(runs, gh_sim_runs(self->vmid, 0));
	GH_EXPECT_LOG(self->vmid, 0, "load 1\n");
	self->run->immediate_exit = 0;
	RUN_MMIO(0x20, 4, 1);
}

GH_TEST_F(vcpu, immediate_exit_keeps_pending_read)
{
	answer_read(_metadata, &self->gv, "mmio_read 0x1000 2\nmmio_write 0x20 2 last\n",
		    0x1000, 2, 0xbeef);
	self->run->immediate_exit = 1;
	EXPECT_EQ(-EINTR, gh_run(self->fd));
	GH_EXPECT_LOG(self->vmid, 0, "load 2\n");
	self->run->immediate_exit = 0;
	expect_write_of(_metadata, &self->gv, 0x20, 2, 0xbeef, "load 2\nread 0x1000 2 0xbeef\n");
}

/* --- the vCPU in its VM --- */

GH_TEST_F(vcpu, run_arg_must_be_zero)
{
	LOAD("mmio_write 0x20 4 5\n");
	GH_EXPECT_ERRNO(EINVAL, ioctl(self->fd, GUNYAH_VCPU_RUN, 1UL));
	GH_EXPECT_LOG(self->vmid, 0, "load 1\n");
}

GH_TEST_F(vcpu, unknown_vcpu_ioctl_is_enotty)
{
	GH_EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(GUNYAH_IOCTL_TYPE, 0x7f), 0));
	/* VM ioctls are not vCPU ioctls */
	GH_EXPECT_ERRNO(ENOTTY, ioctl(self->fd, GUNYAH_VM_START, 0));
}

TEST(run_before_start_is_enodev)
{
	int dev, vm, vcpu;

	GH_OPEN_DEV(dev, NULL, return);
	vm = gh_create_vm(dev);
	ASSERT_LE(0, vm);
	vcpu = gh_add_vcpu(vm, 0);
	ASSERT_LE(0, vcpu) TH_LOG("add vcpu: %s", strerror(errno));
	EXPECT_EQ(-ENODEV, gh_run(vcpu));
	EXPECT_EQ(-ENODEV, gh_run(vcpu));
	close(vcpu);
	close(vm);
	close(dev);
}

/* A vCPU id the RM gave the VM no resource for never runs */
TEST(vcpu_id_not_in_vm_is_enodev)
{
	char buf[32];
	int dev, vm, early, late, id;

	dev = gh_open_dev();
	if (dev < 0 && errno == ENOENT)
		SKIP(return, "/dev/gunyah missing");
	if (!gh_sim_present() || gh_read_text(NR_VCPUS_PARAM, buf, sizeof(buf)) <= 0)
		SKIP(return, "needs the simulator (its nr_vcpus)");
	id = atoi(buf);
	ASSERT_LT(0, id);
	vm = gh_create_vm(dev);
	ASSERT_LE(0, vm);
	early = gh_add_vcpu(vm, id);
	ASSERT_LE(0, early) TH_LOG("add vcpu %d: %s", id, strerror(errno));
	ASSERT_EQ(0, ioctl(vm, GUNYAH_VM_START));
	late = gh_add_vcpu(vm, id + 1);
	ASSERT_LE(0, late);
	EXPECT_EQ(-ENODEV, gh_run(early));
	EXPECT_EQ(-ENODEV, gh_run(late));
	close(late);
	close(early);
	close(vm);
	close(dev);
}

GH_TEST_F(vcpu, same_id_twice_is_eexist)
{
	GH_EXPECT_ERRNO(EEXIST, gh_add_vcpu(self->gv.vm, 0));
	/* The first one is unharmed */
	LOAD("mmio_write 0x20 4 5\n");
	RUN_MMIO(0x20, 4, 1);
}

GH_TEST_F(vcpu, remove_and_readd)
{
	struct gunyah_vcpu_run *run;
	int fd;

	LOAD("mmio_read 0x1000 4\nmmio_write 0x20 4 last\n");
	RUN_MMIO(0x1000, 4, 0);
	ASSERT_EQ(0, gh_remove_vcpu(self->gv.vm, 0));
	GH_EXPECT_ERRNO(ENOENT, gh_remove_vcpu(self->gv.vm, 0));
	/* The removed vCPU's fd stays valid but can never run again */
	EXPECT_EQ(-ENODEV, gh_run(self->fd));
	EXPECT_EQ(gh_page_size(), ioctl(self->fd, GUNYAH_VCPU_MMAP_SIZE));

	/* The same id again gets the VM's vCPU resource back */
	fd = gh_add_vcpu(self->gv.vm, 0);
	ASSERT_LE(0, fd) TH_LOG("re-add: %s", strerror(errno));
	run = gh_map_run(fd);
	ASSERT_NE(NULL, run);
	ASSERT_EQ(0, gh_sim_clear_log(self->vmid, 0));
	LOAD("mmio_write 0x30 4 3\n");
	GH_RUN_EXIT(fd, run, GUNYAH_VCPU_EXIT_MMIO);
	EXPECT_EQ(0x30, run->mmio.phys_addr);
	EXPECT_EQ(3, gh_mmio_data(run));
	GH_EXPECT_LOG(self->vmid, 0, "load 1\n");
	EXPECT_EQ(-ENODEV, gh_run(self->fd));
	munmap(run, gh_page_size());
	close(fd);
}

GH_TEST_F(vcpu, vcpu_fd_is_cloexec)
{
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->fd, F_GETFD) & FD_CLOEXEC);
}

GH_REQUIRES(GH_REQ_ROOT | GH_REQ_DEBUGFS);

TEST_HARNESS_MAIN
