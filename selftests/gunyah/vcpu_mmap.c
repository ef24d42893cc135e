// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vCPU's shared page: GUNYAH_VCPU_MMAP_SIZE, mmap() of the vCPU fd
 * at offset 0 (any other page raises SIGBUS when touched), two mappings
 * of the one page, a mapping that outlives its fd, and 32-bit processes
 * whose layout of the page differs.
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vcpu_util.h"
#include "gh_requires.h"

static sigjmp_buf bus_env;

static void bus_handler(int sig)
{
	siglongjmp(bus_env, 1);
}

/* Read one byte at @p: 0 if it could, SIGBUS if that signal came */
static int touch(const volatile char *p)
{
	struct sigaction sa = { .sa_handler = bus_handler }, old;
	int ret = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_env, 1))
		ret = SIGBUS;
	else
		(void)*p;
	sigaction(SIGBUS, &old, NULL);
	return ret;
}

/* A VM with vCPU 0, not started: the page exists before the VM runs */
FIXTURE(page)
{
	int dev, vm, fd;
	bool skip;
};

FIXTURE_SETUP(page)
{
	self->vm = -1;
	self->fd = -1;
	GH_OPEN_DEV(self->dev, &self->skip, return);
	self->vm = gh_create_vm(self->dev);
	ASSERT_LE(0, self->vm);
	self->fd = gh_add_vcpu(self->vm, 0);
	ASSERT_LE(0, self->fd) TH_LOG("add vcpu: %s", strerror(errno));
}

FIXTURE_TEARDOWN(page)
{
	gh_vm_close(self->dev, self->vm, self->fd, NULL);
}

TEST_F(page, mmap_size_is_one_page)
{
	if (self->skip)
		return;	/* setup skipped */
	EXPECT_EQ(gh_page_size(), ioctl(self->fd, GUNYAH_VCPU_MMAP_SIZE));
	/* The argument is not used */
	EXPECT_EQ(gh_page_size(), ioctl(self->fd, GUNYAH_VCPU_MMAP_SIZE, 0x1234UL));
	/* Not a VM ioctl, nor a /dev/gunyah one */
	GH_EXPECT_ERRNO(ENOTTY, ioctl(self->vm, GUNYAH_VCPU_MMAP_SIZE));
	GH_EXPECT_ERRNO(ENOTTY, ioctl(self->dev, GUNYAH_VCPU_MMAP_SIZE));
}

TEST_F(page, fresh_page_is_zero)
{
	static const char zero[64];
	struct gunyah_vcpu_run *run;

	if (self->skip)
		return;	/* setup skipped */
	run = gh_map_run(self->fd);
	ASSERT_NE(NULL, run);
	EXPECT_EQ(0, memcmp(run, zero, sizeof(zero)));
	EXPECT_EQ(0, munmap(run, gh_page_size()));
}

TEST_F(page, offset_zero_only)
{
	long pg = gh_page_size();
	char *p;

	if (self->skip)
		return;	/* setup skipped */
	/* Page 0 is the run page; page 1 is not backed */
	p = mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, touch(p));
	EXPECT_EQ(0, touch(p + pg - 1));
	EXPECT_EQ(SIGBUS, touch(p + pg));
	EXPECT_EQ(SIGBUS, touch(p + 2 * pg - 1));
	EXPECT_EQ(0, munmap(p, 2 * pg));

	/* A mapping at a non-zero offset has no page behind it */
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, pg);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(SIGBUS, touch(p));
	EXPECT_EQ(0, munmap(p, pg));

	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, self->fd, 16 * pg);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(SIGBUS, touch(p));
	EXPECT_EQ(0, munmap(p, pg));
}

TEST_F(page, two_mappings_share_the_page)
{
	struct gunyah_vcpu_run *a, *b;

	if (self->skip)
		return;	/* setup skipped */
	a = gh_map_run(self->fd);
	b = gh_map_run(self->fd);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(a, b);
	a->immediate_exit = 1;
	a->mmio.data[5] = 0x5a;
	EXPECT_EQ(1, b->immediate_exit);
	EXPECT_EQ(0x5a, b->mmio.data[5]);
	b->immediate_exit = 0;
	EXPECT_EQ(0, a->immediate_exit);
	EXPECT_EQ(0, munmap(a, gh_page_size()));
	EXPECT_EQ(0x5a, b->mmio.data[5]);
	EXPECT_EQ(0, munmap(b, gh_page_size()));
}

/* Two fds never share a page: each vCPU has its own */
TEST_F(page, vcpus_have_their_own_page)
{
	struct gunyah_vcpu_run *a, *b;
	int fd1;

	if (self->skip)
		return;	/* setup skipped */
	fd1 = gh_add_vcpu(self->vm, 1);
	ASSERT_LE(0, fd1);
	a = gh_map_run(self->fd);
	b = gh_map_run(fd1);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	a->mmio.data[0] = 0x11;
	EXPECT_EQ(0, b->mmio.data[0]);
	munmap(a, gh_page_size());
	munmap(b, gh_page_size());
	close(fd1);
}

TEST_F(page, mapping_outlives_fd)
{
	struct gunyah_vcpu_run *run;

	if (self->skip)
		return;	/* setup skipped */
	run = gh_map_run(self->fd);
	ASSERT_NE(NULL, run);
	run->mmio.data[1] = 0x77;
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	EXPECT_EQ(0x77, run->mmio.data[1]);
	run->mmio.data[1] = 0x78;
	EXPECT_EQ(0x78, run->mmio.data[1]);
	EXPECT_EQ(0, munmap(run, gh_page_size()));
}

/* What the kernel writes for an exit shows in every mapping */
TEST(exit_visible_in_both_mappings)
{
	struct gunyah_vcpu_run *second;
	struct gh_vm gv;

	gh_vm_setup(_metadata, &gv, 1, true);
	if (gv.skip)
		return;
	second = gh_map_run(gv.vcpu[0]);
	ASSERT_NE(NULL, second);
	ASSERT_EQ(0, gh_sim_load(gv.vmid, 0, "mmio_read 0x1000 4\nmmio_write 0x2000 4 last\n"));
	GH_RUN_EXIT(gv.vcpu[0], second, GUNYAH_VCPU_EXIT_MMIO);
	EXPECT_EQ(0x1000, second->mmio.phys_addr);
	EXPECT_EQ(0x1000, gv.run[0]->mmio.phys_addr);
	/* The answer written through the second mapping reaches the guest */
	gh_set_mmio_data(second, 0xfeed);
	ASSERT_EQ(0, gh_run(gv.vcpu[0]));
	EXPECT_EQ(0x2000, gv.run[0]->mmio.phys_addr);
	EXPECT_EQ(0xfeed, gh_mmio_data(gv.run[0]));
	GH_EXPECT_LOG(gv.vmid, 0, "load 2\nread 0x1000 4 0xfeed\n");
	munmap(second, gh_page_size());
	gh_vm_teardown(&gv);
}

/* The ioctls' arguments: the rule of uapi/linux/gunyah.h */
TEST(ioctl_arguments)
{
	int dev, vm, vcpu;

	GH_OPEN_DEV(dev, NULL, return);
	GH_EXPECT_ERRNO(EINVAL, ioctl(dev, GUNYAH_CREATE_VM, 1UL));
	vm = gh_create_vm(dev);
	ASSERT_LE(0, vm);
	vcpu = gh_add_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	/* v17 ignored these two arguments; VMMs pass none */
	EXPECT_EQ(gh_page_size(), ioctl(vcpu, GUNYAH_VCPU_MMAP_SIZE, 0xdeadbeefUL));
	GH_EXPECT_ERRNO(EINVAL, ioctl(vcpu, GUNYAH_VCPU_RUN, 1UL));
	if (gh_sim_present())
		EXPECT_EQ(0, ioctl(vm, GUNYAH_VM_START, 0xdeadbeefUL))
			TH_LOG("VM_START: %s", strerror(errno));
	close(vcpu);
	close(vm);
	close(dev);
}

#ifdef GH_COMPAT32
#include "compat32.h"
#endif

/*
 * An i386 process lays the run page out with the union at 12, not 16:
 * its vCPU ioctls are refused (ENOTTY), its /dev/gunyah and VM ioctls
 * (same layouts) served. The program's exit code names the failed step.
 */
TEST(i386_process_refused_vcpu_ioctls)
{
#ifndef GH_COMPAT32
	SKIP(return, "no i386 program on this architecture (arm32 lays the page out as arm64)");
#else
	static const char *const step[] = {
		[10] = "open /dev/gunyah", "GUNYAH_CREATE_VM", "a VM fd ioctl",
		"ADD_FUNCTION vCPU 0", "VCPU_RUN was not refused with ENOTTY",
		"VCPU_MMAP_SIZE was not refused with ENOTTY",
	};
	char *const argv[] = { "compat32", NULL };
	size_t len = compat32_end - compat32_start;
	int fd, status, code;
	pid_t pid;

	if (access("/dev/gunyah", F_OK))
		SKIP(return, "/dev/gunyah missing");
	fd = memfd_create("compat32", 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)len, write(fd, compat32_start, len));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		fexecve(fd, argv, environ);
		_exit(errno == ENOEXEC ? 126 : 127);
	}
	close(fd);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("status %#x", status);
	code = WEXITSTATUS(status);
	if (code == 126)
		SKIP(return, "this kernel runs no i386 programs (ia32_emulation off)");
	ASSERT_NE(127, code) TH_LOG("fexecve failed");
	EXPECT_EQ(0, code)
		TH_LOG("the i386 program failed at: %s",
		       code >= 10 && code <= 15 ? step[code] : "?");
#endif
}

GH_REQUIRES(GH_REQ_DEBUGFS);

TEST_HARNESS_MAIN
