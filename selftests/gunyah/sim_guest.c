// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulator's guest programs through debugfs: what the parser
 * refuses (EINVAL, EFBIG, and the loaded program stays), what it accepts,
 * the per-vCPU log and status files, and, when the vCPU driver is there,
 * that resume data and actions reach the guest's log.
 */
#include <stdint.h>

#include "kselftest_harness.h"
#include "gunyah_util.h"
#include "gh_requires.h"

#define GOOD_PROGRAM	"mmio_read 0x1000 4\nwfi\n"

FIXTURE(sim)
{
	bool skip;	/* setup skipped: the body must not run */
	int dev, vm, vmid, vcpu;
	struct gunyah_vcpu_run *run;
};

FIXTURE_SETUP(sim)
{
	self->vcpu = -1;
	self->run = NULL;
	self->vm = -1;
	GH_OPEN_DEV(self->dev, &self->skip, return);
	if (access(SIM_DEBUGFS, F_OK)) {
		self->skip = true;
		SKIP(return, "%s missing: not on the simulator, or no debugfs", SIM_DEBUGFS);
	}
	self->vm = gh_create_vm(self->dev);
	ASSERT_LE(0, self->vm) TH_LOG("CREATE_VM: %s", strerror(errno));
	/* vCPU driver optional: the parser tests do not need it */
	self->vcpu = gh_add_vcpu(self->vm, 0);
	if (self->vcpu >= 0) {
		self->run = gh_map_run(self->vcpu);
		ASSERT_NE(NULL, self->run);
	}
	ASSERT_EQ(0, ioctl(self->vm, GUNYAH_VM_START)) TH_LOG("VM_START: %s", strerror(errno));
	self->vmid = gh_vmid(self->vm);
	ASSERT_LT(0, self->vmid);
}

FIXTURE_TEARDOWN(sim)
{
	gh_vm_close(self->dev, self->vm, self->vcpu, self->run);
}

/* write(2) @len bytes of @text to vcpu0's program; 0 or -errno */
static int load_raw(int vmid, const char *text, size_t len)
{
	char path[128];

	gh_sim_path(path, sizeof(path), vmid, 0, "program");
	return gh_write_buf(path, 0, 0, text, len);
}

static int read_program(int vmid, char *buf, size_t len)
{
	char path[128];

	gh_sim_path(path, sizeof(path), vmid, 0, "program");
	return gh_read_text(path, buf, len);
}

static const char * const bad_programs[] = {
	"bogus\n",
	"mmio_read 0x1000\n",
	"mmio_read 0x1000 4 5\n",
	"mmio_read 0x1000 0\n",
	"mmio_read 0x1000 256\n",
	"mmio_read zz 4\n",
	"mmio_write 0x10 4\n",
	"mmio_write 0x10 4 first\n",
	"page_fault 0x10 x\n",
	"page_fault 0x10\n",
	"cpu_on 64\n",
	"cpu_on\n",
	"wfi 1\n",
	"loop now\n",
	"state\n",
	"hyp_error two\n",
	"system_off\n",
	"system_off 70000\n",
	"system_off 1 0x100000000\n",
	"delay 5000\n",
	"wfi\nmmio_read 0x10 4\nnope\n",	/* bad last line: nothing loads */
	"MMIO_READ 0x10 4\n",
};

TEST_F(sim, parser_refuses_bad_programs)
{
	char before[256], after[256];
	unsigned int i;

	if (self->skip)
		return;	/* setup skipped */

	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, GOOD_PROGRAM));
	ASSERT_LT(0, read_program(self->vmid, before, sizeof(before)));
	ASSERT_STREQ(GOOD_PROGRAM, before);

	for (i = 0; i < ARRAY_SIZE(bad_programs); i++) {
		EXPECT_EQ(-EINVAL, gh_sim_load(self->vmid, 0, bad_programs[i]))
			TH_LOG("accepted: %s", bad_programs[i]);
		ASSERT_LE(0, read_program(self->vmid, after, sizeof(after)));
		EXPECT_STREQ(before, after) TH_LOG("changed by: %s", bad_programs[i]);
	}
}

TEST_F(sim, parser_refuses_nul_and_too_many_words)
{
	static const char nul[] = "mmio_read 0x10 4\0wfi\n";
	char prog[1024];
	int i, off;

	if (self->skip)
		return;	/* setup skipped */

	EXPECT_EQ(-EINVAL, load_raw(self->vmid, nul, sizeof(nul) - 1));

	off = snprintf(prog, sizeof(prog), "system_off 3");
	for (i = 0; i < 65; i++)
		off += snprintf(prog + off, sizeof(prog) - off, " %d", i);
	snprintf(prog + off, sizeof(prog) - off, "\n");
	EXPECT_EQ(-EINVAL, gh_sim_load(self->vmid, 0, prog));
}

TEST_F(sim, parser_refuses_oversized_program)
{
	size_t len = 4097;
	char *prog = malloc(len);
	size_t i;

	if (self->skip)
		return;	/* setup skipped */

	ASSERT_NE(NULL, prog);
	for (i = 0; i < len; i++)
		prog[i] = (i % 4 == 3) ? '\n' : 'w';
	/* "www\n" lines would be unknown anyway; size is checked first */
	EXPECT_EQ(-EFBIG, load_raw(self->vmid, prog, len));
	free(prog);
}

TEST_F(sim, parser_accepts_every_instruction)
{
	static const char prog[] =
		"# comment line\n"
		"\n"
		"  mmio_read 0x1000 4\n"
		"mmio_read 4096 255\n"
		"mmio_write 0x10 8 0xffffffffffffffff\n"
		"mmio_write\t0x10\t4\tlast\n"
		"page_fault 0x2000 r\n"
		"page_fault 0x2000 w\n"
		"wfi\ncpu_off\ncpu_on 63\nblock\nyield\n"
		"state 0x100\nhyp_error -2\n"
		"system_off 3 0 1 0xdeadbeef 0xffffffff\n"
		"system_off 0\n"
		"crash\ndelay 1000\nloop\n";
	char buf[1024], path[128];
	int i, off;

	if (self->skip)
		return;	/* setup skipped */

	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, prog));
	ASSERT_LT(0, read_program(self->vmid, buf, sizeof(buf)));
	EXPECT_STREQ(prog, buf);

	/* 64 reason words (256 bytes: more than one RM fragment) */
	off = snprintf(buf, sizeof(buf), "system_off 3");
	for (i = 0; i < 64; i++)
		off += snprintf(buf + off, sizeof(buf) - off, " %d", i);
	snprintf(buf + off, sizeof(buf) - off, "\n");
	EXPECT_EQ(0, gh_sim_load(self->vmid, 0, buf));

	/* An empty program unloads: the vCPU is powered off */
	EXPECT_EQ(0, load_raw(self->vmid, "", 0));
	snprintf(path, sizeof(path), SIM_DEBUGFS "/vm%d/status", self->vmid);
	ASSERT_LT(0, gh_read_text(path, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "power no_program")) TH_LOG("%s", buf);
}

TEST_F(sim, log_and_status_files)
{
	char buf[2048], path[128];

	if (self->skip)
		return;	/* setup skipped */

	ASSERT_EQ(0, gh_sim_write(self->vmid, 0, "log", "x"));
	ASSERT_EQ(0, gh_sim_log(self->vmid, 0, buf, sizeof(buf)));
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, GOOD_PROGRAM));
	ASSERT_LT(0, gh_sim_log(self->vmid, 0, buf, sizeof(buf)));
	EXPECT_STREQ("load 2\n", buf);

	snprintf(path, sizeof(path), SIM_DEBUGFS "/vm%d/status", self->vmid);
	ASSERT_LT(0, gh_read_text(path, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "status: running\n")) TH_LOG("%s", buf);
	EXPECT_NE(NULL, strstr(buf, "vcpu0: capid ")) TH_LOG("%s", buf);

	ASSERT_LT(0, gh_read_text(SIM_DEBUGFS "/rm_stats", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "\nreplies_multi: ")) TH_LOG("%s", buf);

	/* A vCPU the VM does not have has no directory */
	EXPECT_EQ(-ENOENT, gh_sim_write(self->vmid, 64, "program", "wfi\n"));
}

static int run_vcpu(int fd)
{
	return ioctl(fd, GUNYAH_VCPU_RUN, 0) ? -errno : 0;
}

TEST_F(sim, guest_log_sees_resume_data_and_actions)
{
	char log[2048];

	if (self->skip)
		return;	/* setup skipped */

	if (self->vcpu < 0)
		SKIP(return, "no vCPU driver (gunyah_vcpu): %s", strerror(ENODEV));
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0,
				 "mmio_read 0x1000 2\n"
				 "mmio_write 0x2000 4 last\n"
				 "mmio_read 0x3000 4\n"
				 "page_fault 0x4000 w\n"
				 "mmio_read 0x5000 1\n"));
	ASSERT_EQ(0, gh_sim_write(self->vmid, 0, "log", "x"));

	ASSERT_EQ(0, run_vcpu(self->vcpu));
	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, self->run->exit_reason);
	memcpy(self->run->mmio.data, "\xef\xbe\xad\xde\0\0\0\0", 8);
	ASSERT_EQ(0, run_vcpu(self->vcpu));	/* the write of the value read */
	ASSERT_EQ(1, self->run->mmio.is_write);
	ASSERT_EQ(0, run_vcpu(self->vcpu));	/* read 0x3000 */
	self->run->mmio.resume_action = GUNYAH_VCPU_RESUME_RETRY;
	ASSERT_EQ(0, run_vcpu(self->vcpu));	/* read 0x3000 again */
	ASSERT_EQ(0x3000, self->run->mmio.phys_addr);
	self->run->mmio.resume_action = GUNYAH_VCPU_RESUME_FAULT;
	ASSERT_EQ(0, run_vcpu(self->vcpu));	/* page fault */
	ASSERT_EQ(GUNYAH_VCPU_EXIT_PAGE_FAULT, self->run->exit_reason);
	self->run->page_fault.resume_action = GUNYAH_VCPU_RESUME_HANDLED;
	ASSERT_EQ(0, run_vcpu(self->vcpu));	/* read 0x5000 */
	ASSERT_EQ(0x5000, self->run->mmio.phys_addr);

	ASSERT_LT(0, gh_sim_log(self->vmid, 0, log, sizeof(log)));
	EXPECT_STREQ("read 0x1000 2 0xbeef\n"
		     "write 0x2000 4 0xbeef\n"
		     "retry mmio 0x3000\n"
		     "fault mmio 0x3000\n"
		     "page_fault 0x4000 w resumed\n", log);
}

static long long sim_stat(const char *name)
{
	char buf[1024], *p;
	size_t len = strlen(name);

	if (gh_read_text(SIM_DEBUGFS "/rm_stats", buf, sizeof(buf)) <= 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, name, len) && p[len] == ':')
			return atoll(p + len + 1);
	return -1;
}

TEST_F(sim, crash_reports_crashed)
{
	if (self->skip)
		return;	/* setup skipped */

	if (self->vcpu < 0)
		SKIP(return, "no vCPU driver (gunyah_vcpu)");
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, "crash\n"));
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	ASSERT_EQ(GUNYAH_VCPU_EXIT_STATUS, self->run->exit_reason);
	EXPECT_EQ(GUNYAH_VM_STATUS_CRASHED, self->run->status.status);
}

TEST_F(sim, system_reset2_reason_is_16_bytes)
{
	if (self->skip)
		return;	/* setup skipped */

	if (self->vcpu < 0)
		SKIP(return, "no vCPU driver (gunyah_vcpu)");
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0,
				 "system_off 3 1 2 0xdeadbeef 0xcafef00d\n"));
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	ASSERT_EQ(GUNYAH_VCPU_EXIT_STATUS, self->run->exit_reason);
	EXPECT_EQ(GUNYAH_VM_STATUS_EXITED, self->run->status.status);
	EXPECT_EQ(GUNYAH_VM_EXIT_TYPE_PSCI_SYSTEM_RESET2,
		  self->run->status.exit_info.type);
	EXPECT_EQ(16, self->run->status.exit_info.reason_size);
	EXPECT_EQ(0, memcmp(self->run->status.exit_info.reason,
			    "\x01\0\0\0\x02\0\0\0", 8));
}

TEST_F(sim, exit_reason_spanning_two_fragments)
{
	long long multi0 = sim_stat("notifications_multi");
	char prog[1024];
	int i, off;

	if (self->skip)
		return;	/* setup skipped */

	if (self->vcpu < 0)
		SKIP(return, "no vCPU driver (gunyah_vcpu)");
	/* 64 words: 8 + 256 payload bytes, more than one 232-byte fragment */
	off = snprintf(prog, sizeof(prog), "system_off 5");
	for (i = 0; i < 64; i++)
		off += snprintf(prog + off, sizeof(prog) - off, " %d", i + 7);
	snprintf(prog + off, sizeof(prog) - off, "\n");
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, prog));
	ASSERT_EQ(0, run_vcpu(self->vcpu));
	ASSERT_EQ(GUNYAH_VCPU_EXIT_STATUS, self->run->exit_reason);
	EXPECT_EQ(GUNYAH_VM_EXIT_TYPE_SOFTWARE_ERROR, self->run->status.exit_info.type);
	EXPECT_EQ(256, self->run->status.exit_info.reason_size);
	EXPECT_EQ(7, self->run->status.exit_info.reason[0]);
	EXPECT_EQ(8, self->run->status.exit_info.reason[4]);
	EXPECT_LT(multi0, sim_stat("notifications_multi"));
}

GH_REQUIRES(GH_REQ_DEBUGFS);

TEST_HARNESS_MAIN
