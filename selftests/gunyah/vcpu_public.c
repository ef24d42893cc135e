// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vcpu_run states of the public Gunyah hypervisor
 * (quic/gunyah-hypervisor) and what the RM then reports, under both of
 * the simulator's profiles: FAULT (6) and PSCI_SYSTEM_RESET (0x100) halt
 * the vCPU and RUN returns the RM's VM_EXITED as a STATUS exit; so does
 * POWERED_OFF with its "exited" flag; a halted vCPU whose report never
 * comes waits until a signal, without calling vcpu_run again;
 * ERROR_BUSY and a long run of transient BLOCKED leave the vCPU usable.
 * Under the public profile resume actions do not exist (every MMIO
 * resume is an EMULATE) and neither does the page-fault state.
 */
#include <signal.h>
#include <stdint.h>

#include "kselftest_harness.h"
#include "vcpu_util.h"
#include "gh_requires.h"

GH_PROFILE_FIXTURE(hyp, 2);

#define LOAD(vcpu, prog) ASSERT_EQ(0, gh_sim_load(self->vmid, vcpu, prog))

static int vm_knob(int vmid, const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), SIM_DEBUGFS "/vm%d/%s", vmid, name);
	return gh_write_file(path, "%s", val);
}

/*
 * Expect a STATUS exit EXITED with @type and the words @w[0..n): the run
 * page holds the first 8 bytes of the reason, the VM fd's fdinfo all.
 */
static void expect_exited(struct __test_metadata *_metadata, int vm,
			  const struct gunyah_vcpu_run *run, __u16 type,
			  const __u32 *w, unsigned int n)
{
	char path[64], info[512], want[128], *p;
	unsigned int i;
	__u32 word;

	ASSERT_EQ(GUNYAH_VCPU_EXIT_STATUS, run->exit_reason);
	EXPECT_EQ(GUNYAH_VM_STATUS_EXITED, run->status.status);
	EXPECT_EQ(type, run->status.exit_info.type);
	ASSERT_EQ(n * 4, run->status.exit_info.reason_size);
	for (i = 0; i < n && i < GUNYAH_VM_MAX_EXIT_REASON_SIZE / 4; i++) {
		memcpy(&word, run->status.exit_info.reason + i * 4, 4);
		EXPECT_EQ(w[i], word) TH_LOG("reason word %u", i);
	}
	for (i = 0, p = want; i < n; i++)	/* little-endian bytes */
		p += sprintf(p, "%02x%02x%02x%02x", w[i] & 0xff, (w[i] >> 8) & 0xff,
			     (w[i] >> 16) & 0xff, w[i] >> 24);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", vm);
	ASSERT_LT(0, gh_read_text(path, info, sizeof(info)));
	p = strstr(info, "exit_reason:\t");
	ASSERT_NE(NULL, p) TH_LOG("%s", info);
	p += strlen("exit_reason:\t");
	EXPECT_EQ(0, strncmp(want, p, strlen(want))) TH_LOG("fdinfo %s, want %s", p, want);
	EXPECT_EQ('\n', p[strlen(want)]);
}

#define EXPECT_EXITED(gv, i, type, w) \
	expect_exited(_metadata, (gv)->vm, (gv)->run[i], type, w, ARRAY_SIZE(w))

/* A guest program that ends in a STATUS exit EXITED */
struct exit_case {
	const char *prog;
	__u16 type;		/* the exit's type */
	unsigned int n;		/* its reason: the words w[0..n) */
	__u32 w[4];
	const char *log;	/* the guest's log after it; NULL: not looked at */
};

/* vCPU 0 runs @c's program to its exit */
static void run_exited(struct __test_metadata *_metadata, struct gh_vm *gv,
		       const struct exit_case *c)
{
	ASSERT_EQ(0, gh_sim_load(gv->vmid, 0, c->prog));
	ASSERT_EQ(0, gh_run(gv->vcpu[0]));
	expect_exited(_metadata, gv->vm, gv->run[0], c->type, c->w, c->n);
	if (c->log)
		GH_EXPECT_LOG(gv->vmid, 0, c->log);
}

/* The profile the test asked for is the one the VM got */
GH_TEST_F(hyp, profile_applies)
{
	char path[128], buf[8];

	snprintf(path, sizeof(path), SIM_DEBUGFS "/vm%d/public", self->vmid);
	ASSERT_LT(0, gh_read_text(path, buf, sizeof(buf)));
	EXPECT_EQ(variant->public ? 'Y' : 'N', buf[0]);
}

/* PSCI SYSTEM_RESET2, SMC32: exit type 3, 16 bytes of reason */
static const struct exit_case reset2 = {
	"psci_reset 0x80000001 0x12345678\nmmio_read 0x10 4\n",
	GUNYAH_VM_EXIT_TYPE_PSCI_SYSTEM_RESET2, 4, { 0, 0x80000001, 0x12345678, 0 },
	"load 2\npsci_reset 0x80000001 0x12345678 32\n",
};

GH_TEST_F(hyp, psci_system_reset2)
{
	run_exited(_metadata, &self->gv, &reset2);
	/* Again, and on the vCPU that never ran */
	ASSERT_EQ(0, gh_run(self->fd));
	EXPECT_EXITED(&self->gv, 0, reset2.type, reset2.w);
	ASSERT_EQ(0, gh_run(self->gv.vcpu[1]));
	EXPECT_EXITED(&self->gv, 1, reset2.type, reset2.w);
}

/* SMC64: flag bit 15 and a 64-bit cookie */
static const struct exit_case reset2_64 = {
	"psci_reset 1 0x1122334455667788 64\n", GUNYAH_VM_EXIT_TYPE_PSCI_SYSTEM_RESET2,
	4, { 0x8000, 1, 0x55667788, 0x11223344 },
};

GH_TEST_CALL(hyp, psci_system_reset2_64, run_exited, &reset2_64)

/* PSCI SYSTEM_RESET: exit type 2 */
static const struct exit_case reset = {
	"psci_reset\nmmio_read 0x10 4\n", GUNYAH_VM_EXIT_TYPE_PLATFORM_RESET, 1, { 0 },
	"load 2\npsci_reset legacy\n",
};

GH_TEST_CALL(hyp, psci_system_reset, run_exited, &reset)

/* An unrecoverable fault: exit type SOFTWARE_ERROR */
static const struct exit_case fault = {
	"fault\nmmio_read 0x10 4\n", GUNYAH_VM_EXIT_TYPE_SOFTWARE_ERROR, 1, { 0 },
	"load 2\nfault\n",
};

GH_TEST_CALL(hyp, vcpu_fault, run_exited, &fault)

static void on_signal(int sig)
{
}

/*
 * A halted vCPU (@state with @data0) whose report has not come: RUN
 * sleeps, a signal ends it with EINTR, the next RUN sleeps again without
 * another vcpu_run, and the RM's report (vCPU 1 shuts the VM down) ends
 * it with the STATUS exit.
 */
static void halted_waits(struct __test_metadata *_metadata, struct gh_vm *gv,
			 const char *state)
{
	const __u32 w[] = { 0x2a };
	struct sigaction sa = { .sa_handler = on_signal };
	struct gh_runner r;
	char prog[64];
	long runs;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	snprintf(prog, sizeof(prog), "state %s\nmmio_read 0x10 4\n", state);
	ASSERT_EQ(0, gh_sim_load(gv->vmid, 0, prog));
	ASSERT_EQ(0, gh_runner_start(&r, gv->vcpu[0]));
	ASSERT_TRUE(gh_wait_asleep(atomic_load(&r.tid)));
	EXPECT_FALSE(atomic_load(&r.done));
	ASSERT_EQ(0, pthread_kill(r.thread, SIGUSR1));
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	EXPECT_EQ(-EINTR, r.ret);
	runs = gh_sim_runs(gv->vmid, 0);
	EXPECT_EQ(1, runs);

	ASSERT_EQ(0, gh_runner_start(&r, gv->vcpu[0]));
	ASSERT_TRUE(gh_wait_asleep(atomic_load(&r.tid)));
	ASSERT_EQ(0, gh_sim_load(gv->vmid, 1, "system_off 0 0x2a\n"));
	ASSERT_EQ(0, gh_run(gv->vcpu[1]));
	EXPECT_EXITED(gv, 1, GUNYAH_VM_EXIT_TYPE_VM_EXIT, w);
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	ASSERT_EQ(0, r.ret);
	EXPECT_EXITED(gv, 0, GUNYAH_VM_EXIT_TYPE_VM_EXIT, w);
	/* The halted vCPU was never resumed */
	EXPECT_EQ(runs, gh_sim_runs(gv->vmid, 0));
	GH_EXPECT_LOG(gv->vmid, 0, "load 2\n");
}

GH_TEST_CALL(hyp, fault_waits_for_the_rm, halted_waits, "6")
GH_TEST_CALL(hyp, psci_reset_waits_for_the_rm, halted_waits, "0x100 0x8000000000000000")
/* POWERED_OFF with bit 0 ("exited"): no CPU_ON can bring it back */
GH_TEST_CALL(hyp, powered_off_exited_waits_for_the_rm, halted_waits, "2 1")

/* A state no hypervisor defines stays EINVAL, and the vCPU goes on */
GH_TEST_F(hyp, undefined_state_is_einval)
{
	LOAD(0, "state 0x101\nmmio_write 0x20 4 5\n");
	EXPECT_EQ(-EINVAL, gh_run(self->fd));
	GH_RUN_EXIT(self->fd, self->run, GUNYAH_VCPU_EXIT_MMIO);
	EXPECT_EQ(0x20, self->run->mmio.phys_addr);
}

#define READ_PROGRAM "mmio_read 0x10 4\nmmio_write 0x20 4 last\n"

/* vCPU 0 runs READ_PROGRAM to its read, and @data is the answer */
static void answer_read(struct __test_metadata *_metadata, struct gh_vm *gv, __u64 data)
{
	ASSERT_EQ(0, gh_sim_load(gv->vmid, 0, READ_PROGRAM));
	GH_RUN_EXIT(gv->vcpu[0], gv->run[0], GUNYAH_VCPU_EXIT_MMIO);
	gh_set_mmio_data(gv->run[0], data);
}

/* vCPU 0 runs on to READ_PROGRAM's write of what it read: @data was kept */
static void expect_answer_kept(struct __test_metadata *_metadata, struct gh_vm *gv, __u64 data)
{
	char log[64];

	GH_RUN_EXIT(gv->vcpu[0], gv->run[0], GUNYAH_VCPU_EXIT_MMIO);
	EXPECT_EQ(0x20, gv->run[0]->mmio.phys_addr);
	EXPECT_EQ(data, gh_mmio_data(gv->run[0]));
	snprintf(log, sizeof(log), "load 2\nread 0x10 4 %#llx\n", (unsigned long long)data);
	GH_EXPECT_LOG(gv->vmid, 0, log);
}

/* ERROR_BUSY (another caller inside vcpu_run): EBUSY each time, then on */
GH_TEST_F(hyp, busy_is_ebusy_and_recovers)
{
	int i;

	answer_read(_metadata, &self->gv, 0x77);
	ASSERT_EQ(0, vm_knob(self->vmid, "busy_runs", "20"));
	for (i = 0; i < 20; i++)
		ASSERT_EQ(-EBUSY, gh_run(self->fd)) TH_LOG("run %d", i);
	/* The read's answer was kept across the refusals */
	expect_answer_kept(_metadata, &self->gv, 0x77);
}

/* A long run of transient BLOCKED: one RUN rides it out, resume kept */
GH_TEST_F(hyp, blocked_many_times)
{
	long runs;

	answer_read(_metadata, &self->gv, 0x55);
	runs = gh_sim_runs(self->vmid, 0);
	ASSERT_EQ(0, vm_knob(self->vmid, "blocked_runs", "500"));
	expect_answer_kept(_metadata, &self->gv, 0x55);
	EXPECT_EQ(runs + 501, gh_sim_runs(self->vmid, 0));
}

/* Resume actions: v17 honours FAULT; the public hypervisor emulates */
GH_TEST_F(hyp, resume_action_fault)
{
	LOAD(0, "mmio_read 0x10 4\nmmio_write 0x20 4 1\n");
	ASSERT_EQ(0, gh_run(self->fd));
	gh_set_mmio_data(self->run, 7);
	self->run->mmio.resume_action = GUNYAH_VCPU_RESUME_FAULT;
	ASSERT_EQ(0, gh_run(self->fd));
	EXPECT_EQ(0x20, self->run->mmio.phys_addr);
	if (variant->public)
		/* the read is emulated with resume data 0: no data for a FAULT */
		GH_EXPECT_LOG(self->vmid, 0, "load 2\nread 0x10 4 0x0\n");
	else
		GH_EXPECT_LOG(self->vmid, 0, "load 2\nfault mmio 0x10\n");
}

/* No page-fault state on the public hypervisor: an 8-byte MMIO exit */
GH_TEST_F(hyp, page_fault_state)
{
	LOAD(0, "page_fault 0x40000 w\n");
	ASSERT_EQ(0, gh_run(self->fd));
	if (variant->public) {
		ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, self->run->exit_reason);
		EXPECT_EQ(0x40000, self->run->mmio.phys_addr);
		EXPECT_EQ(8, self->run->mmio.len);
		EXPECT_EQ(1, self->run->mmio.is_write);
	} else {
		ASSERT_EQ(GUNYAH_VCPU_EXIT_PAGE_FAULT, self->run->exit_reason);
		EXPECT_EQ(0x40000, self->run->page_fault.phys_addr);
	}
}

GH_REQUIRES(GH_REQ_DEBUGFS);

TEST_HARNESS_MAIN
