// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory and boot configuration: GUNYAH_CREATE_GUEST_MEM,
 * GUNYAH_VM_MAP_MEM, GUNYAH_VM_SET_DTB_CONFIG, GUNYAH_VM_SET_BOOT_CONTEXT
 * with good and bad arguments; on the simulator, what the guest reads and
 * writes through its parcel, the parcels the RM holds and gives back, the
 * boot registers the RM gets, MEM_APPEND, and every failure unwound with
 * nothing left pinned.
 */

#include <pthread.h>
#include <signal.h>

#include "kselftest_harness.h"
#include "vcpu_util.h"
#include "gh_requires.h"

#define RM_STATS	SIM_DEBUGFS "/rm_stats"
#define PARCELS		SIM_DEBUGFS "/parcels"
#define FAIL_RM		"/sys/kernel/debug/gunyah/fail_rm_call/"
#define RANGES_PER_MSG	"/sys/module/gunyah_rsc_mgr/parameters/mem_ranges_per_msg"
#define MEM_SHARE_ID	0x51000013
#define MEM_RECLAIM_ID	0x51000015
#define BASE		GH_MEM_BASE
#define SIZE		GH_MEM_SIZE
#define PAGES		(SIZE / 4096)

FIXTURE(mem)
{
	int dev, vm, mem, vcpu, vmid;
	char *p;
	struct gunyah_vcpu_run *run;
	bool sim;
	long pages, held, stuck, vms;	/* before the test */
};

static long mem_stat(const char *key)
{
	return gh_sim_file_value(GH_GUEST_MEM_STATS, key);
}

FIXTURE_SETUP(mem)
{
	self->vm = -1;
	self->mem = -1;
	self->vcpu = -1;
	self->p = MAP_FAILED;
	GH_OPEN_DEV(self->dev, NULL, return);
	self->sim = gh_on_simulator();
	self->pages = mem_stat("pages");
	self->held = mem_stat("held");
	self->stuck = mem_stat("stuck");
	self->vms = self->sim ? gh_sim_vms() : -1;
	self->vm = ioctl(self->dev, GUNYAH_CREATE_VM, 0);
	ASSERT_LE(0, self->vm) TH_LOG("CREATE_VM: %s", strerror(errno));
	self->mem = gh_create_guest_mem(self->dev, SIZE, GHMF_CLOEXEC);
	ASSERT_LE(0, self->mem) TH_LOG("CREATE_GUEST_MEM: %s", strerror(errno));
	self->p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->mem, 0);
	ASSERT_NE(MAP_FAILED, self->p);
	gh_write_fdt(self->p + GH_DTB_OFFSET);
}

static void close_all(struct _test_data_mem *self)
{
	if (self->run)
		munmap(self->run, (size_t)gh_page_size());
	self->run = NULL;
	if (self->vcpu >= 0)
		close(self->vcpu);
	self->vcpu = -1;
	if (self->vm >= 0)
		close(self->vm);
	self->vm = -1;
	if (self->p != MAP_FAILED)
		munmap(self->p, SIZE);
	self->p = MAP_FAILED;
	if (self->mem >= 0)
		close(self->mem);
	self->mem = -1;
}

FIXTURE_TEARDOWN(mem)
{
	gh_write_file(FAIL_RM "probability", "0");
	gh_write_file(FAIL_RM "msg_ids", "\n");
	gh_write_file(RANGES_PER_MSG, "0");
	gh_write_file(SIM_DEBUGFS "/rm_fake_reply", "none");
	gh_sim_profile(false);
	close_all(self);
	if (self->dev >= 0)
		close(self->dev);
}

static int map(struct _test_data_mem *self, __u64 addr, __u64 off, __u64 size, __u32 flags)
{
	return gh_map_mem(self->vm, self->mem, addr, off, size, flags) ? errno : 0;
}

static int set_dtb(int vm, __u64 addr, __u64 size)
{
	struct gunyah_vm_dtb_config c = { .guest_phys_addr = addr, .size = size };

	return ioctl(vm, GUNYAH_VM_SET_DTB_CONFIG, &c) ? errno : 0;
}

static int set_reg(int vm, __u32 set, __u32 idx, __u64 value)
{
	struct gunyah_vm_boot_context b = {
		.reg = GUNYAH_VM_BOOT_CONTEXT_REG(set, idx),
		.value = value,
	};

	return ioctl(vm, GUNYAH_VM_SET_BOOT_CONTEXT, &b) ? errno : 0;
}

/* The whole memory at BASE, the device tree in it, vCPU 0: then start */
static int give_memory(struct _test_data_mem *self)
{
	if (map(self, BASE, 0, SIZE, GUNYAH_MEM_ALLOW_RWX) ||
	    set_dtb(self->vm, BASE + GH_DTB_OFFSET, GH_DTB_SIZE))
		return errno;
	return 0;
}

static int add_vcpu_and_start(struct _test_data_mem *self)
{
	self->vcpu = gh_add_vcpu(self->vm, 0);
	if (self->vcpu < 0)
		return errno;
	self->run = gh_map_run(self->vcpu);
	if (!self->run)
		return errno;
	if (ioctl(self->vm, GUNYAH_VM_START))
		return errno;
	self->vmid = gh_vmid(self->vm);
	return 0;
}

TEST_F(mem, create_args)
{
	struct gunyah_create_mem_args a = { .size = 4096 };
	int fd;

	a.reserved[3] = 1;
	GH_EXPECT_ERRNO(EINVAL, ioctl(self->dev, GUNYAH_CREATE_GUEST_MEM, &a));
	a.reserved[3] = 0;
	a.flags = 1ULL << 5;
	GH_EXPECT_ERRNO(EINVAL, ioctl(self->dev, GUNYAH_CREATE_GUEST_MEM, &a));
	a.flags = 0;
	a.size = 0;
	GH_EXPECT_ERRNO(EINVAL, ioctl(self->dev, GUNYAH_CREATE_GUEST_MEM, &a));
	a.size = 100;
	GH_EXPECT_ERRNO(EINVAL, ioctl(self->dev, GUNYAH_CREATE_GUEST_MEM, &a));
	a.size = 1ULL << 60;
	GH_EXPECT_ERRNO(E2BIG, ioctl(self->dev, GUNYAH_CREATE_GUEST_MEM, &a));
	GH_EXPECT_ERRNO(EFAULT, ioctl(self->dev, GUNYAH_CREATE_GUEST_MEM, NULL));

	fd = gh_create_guest_mem(self->dev, 4096, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	fd = gh_create_guest_mem(self->dev, 4 << 20, GHMF_CLOEXEC | GHMF_ALLOW_HUGEPAGE);
	ASSERT_LE(0, fd) TH_LOG("4 MiB with huge pages allowed: %s", strerror(errno));
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

TEST_F(mem, mmap_is_shared_memory)
{
	char *q;

	/* A private mapping would copy on write: the guest would not see it */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE,
				   self->mem, 0));
	EXPECT_EQ(EINVAL, errno);
	q = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, self->mem, 0);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0, q[0x1234]);	/* fresh memory is zeroed */
	self->p[0x1234] = 0x5a;
	EXPECT_EQ(0x5a, q[0x1234]);
	munmap(q, SIZE);
}

TEST_F(mem, map_args)
{
	const __u32 rwx = GUNYAH_MEM_ALLOW_RWX;
	int other;

	EXPECT_EQ(EINVAL, map(self, BASE, 0, SIZE, rwx | 0x80));	/* unknown flag */
	EXPECT_EQ(EOPNOTSUPP, map(self, BASE, 0, SIZE, rwx | GUNYAH_MEM_FORCE_LEND));
	EXPECT_EQ(EINVAL, map(self, BASE, 0, SIZE, rwx | 0x30));	/* no such mode */
	EXPECT_EQ(EINVAL, map(self, BASE, 0, SIZE, GUNYAH_MEM_ALLOW_WRITE));
	EXPECT_EQ(EINVAL, map(self, BASE, 0, 0, rwx));
	EXPECT_EQ(EINVAL, map(self, BASE, 0, 100, rwx));
	EXPECT_EQ(EINVAL, map(self, BASE + 8, 0, 4096, rwx));
	EXPECT_EQ(EINVAL, map(self, BASE, 8, 4096, rwx));
	EXPECT_EQ(EINVAL, map(self, BASE, 4096, SIZE, rwx));	/* past the end */
	EXPECT_EQ(EINVAL, map(self, BASE, SIZE, 4096, rwx));	/* offset at the end */
	EXPECT_EQ(EINVAL, map(self, 1ULL << 44, 0, 4096, rwx));	/* beyond the labels */
	EXPECT_EQ(EINVAL, map(self, (1ULL << 44) - 4096, 0, 8192, rwx));
	EXPECT_EQ(EBADF, gh_map_mem(self->vm, 1000, BASE, 0, 4096, rwx) ? errno : 0);
	EXPECT_EQ(EINVAL, gh_map_mem(self->vm, self->dev, BASE, 0, 4096, rwx) ? errno : 0);
	EXPECT_EQ(EFAULT, ioctl(self->vm, GUNYAH_VM_MAP_MEM, NULL) ? errno : 0);

	EXPECT_EQ(0, map(self, BASE, 0, SIZE / 2, rwx));
	EXPECT_EQ(EEXIST, map(self, BASE + SIZE / 2 - 4096, SIZE / 2, 8192, rwx));
	EXPECT_EQ(0, map(self, BASE + SIZE / 2, SIZE / 2, SIZE / 2,
			 GUNYAH_MEM_ALLOW_READ | GUNYAH_MEM_FORCE_SHARE));
	/* The same pages twice, at two guest addresses, is allowed */
	EXPECT_EQ(0, map(self, BASE + SIZE, 0, 4096, GUNYAH_MEM_ALLOW_READ));

	/* A VM holds at most 64 ranges: 3 so far */
	for (other = 3; other < 100; other++)
		if (map(self, BASE + other * SIZE, 0, 4096, rwx))
			break;
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(64, other);
}

TEST_F(mem, unmap)
{
	const __u32 rwx = GUNYAH_MEM_ALLOW_RWX;

	ASSERT_EQ(0, map(self, BASE, 0, SIZE, rwx));
	EXPECT_EQ(ENOENT, map(self, BASE, 0, 4096, GUNYAH_MEM_UNMAP));
	EXPECT_EQ(EEXIST, map(self, BASE, 0, SIZE, rwx));
	EXPECT_EQ(0, map(self, BASE, 0, SIZE, GUNYAH_MEM_UNMAP));
	EXPECT_EQ(ENOENT, map(self, BASE, 0, SIZE, GUNYAH_MEM_UNMAP));
	EXPECT_EQ(0, map(self, BASE, 0, SIZE, rwx));
}

TEST_F(mem, dtb_and_boot_context_args)
{
	struct gunyah_vm_boot_context b = { .reg = 0, .reserved = 1 };

	EXPECT_EQ(EINVAL, set_dtb(self->vm, BASE, 0));
	EXPECT_EQ(EINVAL, set_dtb(self->vm, ~0ULL - 4095, 8192));
	EXPECT_EQ(0, set_dtb(self->vm, BASE, 4096));
	EXPECT_EQ(EFAULT, ioctl(self->vm, GUNYAH_VM_SET_DTB_CONFIG, NULL) ? errno : 0);

	GH_EXPECT_ERRNO(EINVAL, ioctl(self->vm, GUNYAH_VM_SET_BOOT_CONTEXT, &b));
	b.reserved = 0;
	b.reg = 1 << 16;
	GH_EXPECT_ERRNO(EINVAL, ioctl(self->vm, GUNYAH_VM_SET_BOOT_CONTEXT, &b));
	EXPECT_EQ(EINVAL, set_reg(self->vm, 3, 0, 0));
	EXPECT_EQ(EINVAL, set_reg(self->vm, GUNYAH_VM_BOOT_CONTEXT_REG_SET_X, 32, 0));
	EXPECT_EQ(EINVAL, set_reg(self->vm, GUNYAH_VM_BOOT_CONTEXT_REG_SET_PC, 1, 0));
	EXPECT_EQ(EINVAL, set_reg(self->vm, GUNYAH_VM_BOOT_CONTEXT_REG_SET_SP, 3, 0));
	EXPECT_EQ(0, set_reg(self->vm, GUNYAH_VM_BOOT_CONTEXT_REG_SET_X, 31, 1));
	EXPECT_EQ(0, set_reg(self->vm, GUNYAH_VM_BOOT_CONTEXT_REG_SET_PC, 0, BASE));
	EXPECT_EQ(0, set_reg(self->vm, GUNYAH_VM_BOOT_CONTEXT_REG_SET_SP, 2, BASE));
}

/* What the RM needs is checked before any RM call: no vmid is taken */
TEST_F(mem, start_needs_memory_and_device_tree)
{
	long requests = self->sim ? gh_sim_file_value(RM_STATS, "requests") : 0;

	GH_EXPECT_ERRNO(EINVAL, ioctl(self->vm, GUNYAH_VM_START));
	ASSERT_EQ(0, map(self, BASE, 0, SIZE, GUNYAH_MEM_ALLOW_RWX));
	GH_EXPECT_ERRNO(EINVAL, ioctl(self->vm, GUNYAH_VM_START));
	ASSERT_EQ(0, set_dtb(self->vm, BASE + SIZE - 4096, 8192));	/* runs out */
	GH_EXPECT_ERRNO(EINVAL, ioctl(self->vm, GUNYAH_VM_START));
	EXPECT_EQ(0, gh_vmid(self->vm));
	if (self->sim)
		EXPECT_EQ(requests, gh_sim_file_value(RM_STATS, "requests"));
	/* Still startable once complete */
	ASSERT_EQ(0, set_dtb(self->vm, BASE + GH_DTB_OFFSET, GH_DTB_SIZE));
	if (!self->sim)
		return;
	EXPECT_EQ(0, ioctl(self->vm, GUNYAH_VM_START)) TH_LOG("%s", strerror(errno));
}

TEST_F(mem, configuration_ends_at_start)
{
	GH_SKIP_UNLESS_SIM(return, "starts a VM");
	ASSERT_EQ(0, give_memory(self));
	ASSERT_EQ(0, add_vcpu_and_start(self));
	EXPECT_EQ(EBUSY, map(self, BASE + SIZE, 0, 4096, GUNYAH_MEM_ALLOW_RWX));
	EXPECT_EQ(EBUSY, map(self, BASE, 0, SIZE, GUNYAH_MEM_UNMAP));
	EXPECT_EQ(EBUSY, set_dtb(self->vm, BASE, 4096));
	EXPECT_EQ(EBUSY, set_reg(self->vm, GUNYAH_VM_BOOT_CONTEXT_REG_SET_PC, 0, BASE));
}

/* Run vCPU 0 until its next exit; the exit reason */
static int run_exit(struct _test_data_mem *self)
{
	return gh_run(self->vcpu) ? -1 : (int)self->run->exit_reason;
}

TEST_F(mem, guest_reads_what_the_vmm_wrote_and_back)
{
	const __u64 v = 0x1122334455667788ULL;
	char log[4096];

	GH_SKIP_UNLESS_SIM(return, "starts a VM");
	memcpy(self->p + 0x100, &v, sizeof(v));
	ASSERT_EQ(0, give_memory(self));
	ASSERT_EQ(0, add_vcpu_and_start(self));
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0,
				 "load 0x80000100 8\n"
				 "mmio_write 0x20 8 last\n"
				 "store 0x80000200 4 0xcafef00d\n"
				 "mmio_read 0x10 4\n"
				 "load 0x80000300 2\n"
				 "mmio_write 0x20 2 last\n"));

	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, run_exit(self));
	EXPECT_EQ(0x20, self->run->mmio.phys_addr);
	EXPECT_TRUE(self->run->mmio.is_write);
	EXPECT_EQ(v, gh_mmio_data(self->run));

	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, run_exit(self));
	EXPECT_EQ(0x10, self->run->mmio.phys_addr);
	EXPECT_EQ(0xcafef00d, *(__u32 *)(self->p + 0x200));
	*(__u16 *)(self->p + 0x300) = 0xbeef;
	gh_set_mmio_data(self->run, 0);

	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, run_exit(self));
	EXPECT_EQ(0x20, self->run->mmio.phys_addr);
	EXPECT_EQ(2, self->run->mmio.len);
	EXPECT_EQ(0xbeef, gh_mmio_data(self->run));

	ASSERT_LE(0, gh_sim_log(self->vmid, 0, log, sizeof(log)));
	EXPECT_NE(NULL, strstr(log, "load 0x80000100 8 0x1122334455667788\n")) TH_LOG("%s", log);
	EXPECT_NE(NULL, strstr(log, "store 0x80000200 4 0xcafef00d\n")) TH_LOG("%s", log);
}

/* As on the real hypervisor: outside the VM's memory, an access is MMIO */
TEST_F(mem, outside_memory_and_read_only_memory_are_mmio)
{
	GH_SKIP_UNLESS_SIM(return, "starts a VM");
	ASSERT_EQ(0, map(self, BASE, 0, SIZE / 2, GUNYAH_MEM_ALLOW_RWX));
	ASSERT_EQ(0, map(self, BASE + SIZE, SIZE / 2, SIZE / 2, GUNYAH_MEM_ALLOW_READ));
	ASSERT_EQ(0, set_dtb(self->vm, BASE + SIZE, 4096));
	gh_write_fdt(self->p + SIZE / 2);
	ASSERT_EQ(0, add_vcpu_and_start(self));
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0,
				 "load 0x80008000 4\n"	/* the gap between them */
				 "store 0x80010000 8 5\n"	/* read-only */
				 "load 0x80010000 4\n"	/* readable: no exit */
				 "mmio_write 0x30 4 last\n"));
	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, run_exit(self));
	EXPECT_EQ(BASE + SIZE / 2, self->run->mmio.phys_addr);
	EXPECT_FALSE(self->run->mmio.is_write);
	EXPECT_EQ(4, self->run->mmio.len);
	gh_set_mmio_data(self->run, 0);
	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, run_exit(self));
	EXPECT_EQ(BASE + SIZE, self->run->mmio.phys_addr);
	EXPECT_TRUE(self->run->mmio.is_write);
	EXPECT_EQ(5, gh_mmio_data(self->run));
	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, run_exit(self));
	EXPECT_EQ(0x30, self->run->mmio.phys_addr);
	EXPECT_EQ(0xedfe0dd0, gh_mmio_data(self->run));	/* the FDT magic, as stored */
}

/* The parcel line of @vmid in the sim's parcels file, or "" */
static void parcel_line(int vmid, char *out, size_t len)
{
	char buf[8192], key[32], *l, *save;

	out[0] = '\0';
	gh_read_file(PARCELS, buf, sizeof(buf));
	snprintf(key, sizeof(key), " %d:", vmid);
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strstr(l, key)) {
			snprintf(out, len, "%s", l);
			return;
		}
}

TEST_F(mem, parcels_follow_the_vm_and_nothing_stays_pinned)
{
	char line[256], want[128];

	GH_SKIP_UNLESS_SIM(return, "starts a VM");
	ASSERT_EQ(0, give_memory(self));
	ASSERT_EQ(0, add_vcpu_and_start(self));
	parcel_line(self->vmid, line, sizeof(line));
	snprintf(want, sizeof(want), "acl 3:7 %d:7 held %d at 0x80000000", self->vmid, self->vmid);
	EXPECT_NE(NULL, strstr(line, want)) TH_LOG("parcel: \"%s\"", line);
	EXPECT_NE(NULL, strstr(line, "share label 0x80000 size 0x10000")) TH_LOG("%s", line);
	EXPECT_EQ(self->held + PAGES, mem_stat("held"));
	EXPECT_EQ(self->pages + PAGES, mem_stat("pages"));

	/* The VMM lets go of the fd first: the VM still holds the memory */
	munmap(self->p, SIZE);
	self->p = MAP_FAILED;
	close(self->mem);
	self->mem = -1;
	EXPECT_EQ(self->pages + PAGES, mem_stat("pages"));

	close_all(self);
	parcel_line(self->vmid, line, sizeof(line));
	EXPECT_STREQ("", line);
	EXPECT_EQ(self->held, mem_stat("held"));
	EXPECT_EQ(self->pages, mem_stat("pages"));
	EXPECT_EQ(self->stuck, mem_stat("stuck"));
	EXPECT_EQ(self->vms, gh_sim_vms());
}

static __u64 boot_word(int vmid, const char *key, int index)
{
	char path[64], buf[2048], *p;
	__u64 v = 0;
	int i;

	snprintf(path, sizeof(path), SIM_DEBUGFS "/vm%d/status", vmid);
	gh_read_file(path, buf, sizeof(buf));
	p = strstr(buf, key);
	if (!p)
		return ~0ULL;
	p += strlen(key);
	for (i = 0; i <= index; i++)
		v = strtoull(p, &p, 0);
	return v;
}

/* The RM boots the image at the start of the parcel with the device tree */
TEST_F(mem, the_device_tree_parcel_configures_the_image)
{
	GH_SKIP_UNLESS_SIM(return, "starts a VM");
	ASSERT_EQ(0, map(self, BASE, 0, SIZE / 2, GUNYAH_MEM_ALLOW_RWX));
	ASSERT_EQ(0, map(self, 0x90000000, SIZE / 2, SIZE / 2, GUNYAH_MEM_ALLOW_RWX));
	gh_write_fdt(self->p + SIZE / 2 + 0x2000);
	ASSERT_EQ(0, set_dtb(self->vm, 0x90002000, 0x1000));
	ASSERT_EQ(0, add_vcpu_and_start(self));
	EXPECT_EQ(0x90000000, boot_word(self->vmid, "boot_pc:", 0));
	EXPECT_EQ(0x90002000, boot_word(self->vmid, "boot_x:", 0));
	EXPECT_EQ(self->held + PAGES, mem_stat("held"));
}

TEST_F(mem, boot_context_reaches_the_rm)
{
	GH_SKIP_UNLESS_SIM(return, "starts a VM");
	ASSERT_EQ(0, give_memory(self));
	ASSERT_EQ(0, set_reg(self->vm, GUNYAH_VM_BOOT_CONTEXT_REG_SET_PC, 0, BASE + 0x1000));
	ASSERT_EQ(0, set_reg(self->vm, GUNYAH_VM_BOOT_CONTEXT_REG_SET_X, 1, 0x1234));
	ASSERT_EQ(0, set_reg(self->vm, GUNYAH_VM_BOOT_CONTEXT_REG_SET_SP, 1, BASE + 0xf000));
	ASSERT_EQ(0, add_vcpu_and_start(self));
	EXPECT_EQ(BASE + 0x1000, boot_word(self->vmid, "boot_pc:", 0));
	EXPECT_EQ(BASE + GH_DTB_OFFSET, boot_word(self->vmid, "boot_x:", 0));
	EXPECT_EQ(0x1234, boot_word(self->vmid, "boot_x:", 1));
	EXPECT_EQ(BASE + 0xf000, boot_word(self->vmid, "boot_sp:", 1));
}

/* quic/gunyah-resource-manager has no VM_SET_BOOT_CONTEXT, nor MEM_APPEND */
TEST_F(mem, public_rm_takes_no_boot_context)
{
	GH_SKIP_UNLESS_SIM(return, "starts a VM");
	ASSERT_EQ(0, gh_sim_profile(true));
	ASSERT_EQ(0, give_memory(self));
	ASSERT_EQ(0, set_reg(self->vm, GUNYAH_VM_BOOT_CONTEXT_REG_SET_PC, 0, BASE));
	EXPECT_EQ(EOPNOTSUPP, add_vcpu_and_start(self));
	close_all(self);
	EXPECT_EQ(self->held, mem_stat("held"));
	EXPECT_EQ(self->stuck, mem_stat("stuck"));
	EXPECT_EQ(self->vms, gh_sim_vms());
}

static long parcel_ranges(const char *line)
{
	const char *p = strstr(line, " ranges ");

	return p ? strtol(p + 8, NULL, 10) : -1;
}

/*
 * 1 MiB more at 0x90000000, in 256 pages: unlike 16, rarely one physical
 * range. Its parcel's line in *line; -1 on failure.
 */
#define BIG_BASE	0x90000000ULL
#define BIG_SIZE	0x100000ULL

static int give_big_memory(struct _test_data_mem *self)
{
	int fd = gh_create_guest_mem(self->dev, BIG_SIZE, GHMF_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = gh_map_mem(self->vm, fd, BIG_BASE, 0, BIG_SIZE, GUNYAH_MEM_ALLOW_RWX);
	close(fd);
	return ret;
}

static void big_parcel_line(char *line, size_t len)
{
	char buf[8192], *l, *save;

	line[0] = '\0';
	gh_read_file(PARCELS, buf, sizeof(buf));
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strstr(l, " label 0x90000 "))
			snprintf(line, len, "%s", l);
}

TEST_F(mem, long_range_lists_go_on_in_mem_append)
{
	long appends = gh_sim_file_value(RM_STATS, "mem_appends"), ranges;
	char line[256];

	GH_SKIP_UNLESS_SIM(return, "starts a VM");
	ASSERT_EQ(0, gh_write_file(RANGES_PER_MSG, "2"));
	ASSERT_EQ(0, give_memory(self));
	ASSERT_EQ(0, give_big_memory(self));
	ASSERT_EQ(0, add_vcpu_and_start(self));
	big_parcel_line(line, sizeof(line));
	ranges = parcel_ranges(line);
	ASSERT_LT(0, ranges) TH_LOG("%s", line);
	EXPECT_EQ(BIG_SIZE, strtoull(strstr(line, "size ") + 5, NULL, 0));
	EXPECT_NE(NULL, strstr(line, " held ")) TH_LOG("%s", line);
	/*
	 * Two ranges in each MEM_SHARE and MEM_APPEND: the small parcel
	 * needs ceil(its ranges / 2) - 1 appends, the big one as many
	 */
	parcel_line(self->vmid, line, sizeof(line));
	appends += (ranges + 1) / 2 - 1 + (parcel_ranges(line) + 1) / 2 - 1;
	EXPECT_EQ(appends, gh_sim_file_value(RM_STATS, "mem_appends"));
	if (ranges < 3)
		SKIP(return, "1 MiB in %ld physical ranges: no MEM_APPEND for it", ranges);
}

TEST_F(mem, public_rm_has_no_mem_append)
{
	int ret;

	GH_SKIP_UNLESS_SIM(return, "starts a VM");
	ASSERT_EQ(0, gh_sim_profile(true));
	ASSERT_EQ(0, gh_write_file(RANGES_PER_MSG, "1"));
	ASSERT_EQ(0, give_memory(self));
	ASSERT_EQ(0, give_big_memory(self));
	/* Unless all the pages are one range, a parcel cannot be completed */
	ret = add_vcpu_and_start(self);
	if (!ret)
		SKIP(return, "the pages came physically contiguous: no MEM_APPEND needed");
	EXPECT_EQ(EOPNOTSUPP, ret);
	close_all(self);
	EXPECT_EQ(self->held, mem_stat("held"));
	EXPECT_EQ(self->stuck, mem_stat("stuck"));
	EXPECT_EQ(self->vms, gh_sim_vms());
}

/* The RM reads the device tree at VM_INIT; garbage there fails the start */
TEST_F(mem, a_bad_device_tree_fails_init)
{
	char fdinfo[64], buf[512];

	GH_SKIP_UNLESS_SIM(return, "starts a VM");
	memset(self->p + GH_DTB_OFFSET, 0xff, 8);
	ASSERT_EQ(0, give_memory(self));
	EXPECT_EQ(EINVAL, add_vcpu_and_start(self));
	snprintf(fdinfo, sizeof(fdinfo), "/proc/self/fdinfo/%d", self->vm);
	EXPECT_NE(NULL, strstr(gh_read_file(fdinfo, buf, sizeof(buf)), "init_failed"));
	close_all(self);
	EXPECT_EQ(self->held, mem_stat("held"));
	EXPECT_EQ(self->stuck, mem_stat("stuck"));
	EXPECT_EQ(self->vms, gh_sim_vms());
}

static void arm_rm_fault(struct __test_metadata *_metadata, unsigned int id,
			 unsigned int err)
{
	if (access(FAIL_RM "msg_ids", F_OK))
		SKIP(return, "%s missing: no RM fault injection", FAIL_RM);
	ASSERT_EQ(0, gh_write_file(FAIL_RM "msg_ids", "%#x", id));
	ASSERT_EQ(0, gh_write_file(FAIL_RM "error", "%u", err));
	ASSERT_EQ(0, gh_write_file(FAIL_RM "interval", "1"));
	ASSERT_EQ(0, gh_write_file(FAIL_RM "times", "1"));
	ASSERT_EQ(0, gh_write_file(FAIL_RM "probability", "100"));
}

TEST_F(mem, a_refused_share_is_unwound)
{
	GH_SKIP_UNLESS_SIM(return, "starts a VM");
	ASSERT_EQ(0, give_memory(self));
	arm_rm_fault(_metadata, MEM_SHARE_ID, 1);	/* RM NOMEM */
	EXPECT_EQ(ENOMEM, add_vcpu_and_start(self));
	EXPECT_EQ(0, gh_vmid(self->vm));
	EXPECT_EQ(self->vms, gh_sim_vms());
	EXPECT_EQ(self->held, mem_stat("held"));
	close_all(self);
	EXPECT_EQ(self->pages, mem_stat("pages"));
}

/* Memory the RM does not give back is never given to the host again */
TEST_F(mem, a_refused_reclaim_keeps_the_pages_until_retried)
{
	GH_SKIP_UNLESS_SIM(return, "starts a VM");
	ASSERT_EQ(0, give_memory(self));
	ASSERT_EQ(0, add_vcpu_and_start(self));
	arm_rm_fault(_metadata, MEM_RECLAIM_ID, 0xb);	/* MEM_INUSE */
	close_all(self);
	EXPECT_EQ(self->stuck + PAGES, mem_stat("stuck"));
	EXPECT_EQ(self->pages + PAGES, mem_stat("pages"));
	EXPECT_EQ(self->vms, gh_sim_vms());
	ASSERT_EQ(0, gh_write_file(GH_GUEST_MEM_STATS, "reclaim"));
	EXPECT_EQ(self->stuck, mem_stat("stuck"));
	EXPECT_EQ(self->pages, mem_stat("pages"));
}

/*
 * MEM_SHARE answered without a handle (or not in time): the RM may hold
 * the pages in a parcel nobody can name. They never go back to the host.
 */
TEST_F(mem, a_share_of_unknown_outcome_pins_the_pages_for_good)
{
	long lost = mem_stat("lost");

	GH_SKIP_UNLESS_SIM(return, "starts a VM");
	ASSERT_LE(0, lost) TH_LOG("no lost: line in %s", GH_GUEST_MEM_STATS);
	ASSERT_EQ(0, give_memory(self));
	/* OK, and no payload: no handle */
	ASSERT_EQ(0, gh_write_file(SIM_DEBUGFS "/rm_fake_reply", "%#x 0 -", MEM_SHARE_ID));
	EXPECT_EQ(EBADMSG, add_vcpu_and_start(self));
	close_all(self);
	EXPECT_EQ(lost + PAGES, mem_stat("lost"));
	EXPECT_EQ(self->held, mem_stat("held"));
	EXPECT_EQ(self->stuck, mem_stat("stuck"));
	EXPECT_EQ(self->pages, mem_stat("pages"));	/* the file went all the same */
	EXPECT_EQ(self->vms, gh_sim_vms());
}

static void on_signal(int sig)
{
}

/* Torn down while its vCPU runs: the memory comes back all the same */
TEST_F(mem, teardown_while_the_vcpu_runs)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct gh_runner r;

	GH_SKIP_UNLESS_SIM(return, "starts a VM");
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, give_memory(self));
	ASSERT_EQ(0, add_vcpu_and_start(self));
	ASSERT_EQ(0, gh_sim_load(self->vmid, 0, "store 0x80000000 8 7\nwfi\n"));
	ASSERT_EQ(0, gh_runner_start(&r, self->vcpu));
	ASSERT_TRUE(gh_wait_asleep(atomic_load(&r.tid)));
	EXPECT_EQ(7, *(__u64 *)self->p);
	close(self->vm);	/* the vCPU holds the VM */
	self->vm = -1;
	EXPECT_EQ(self->held + PAGES, mem_stat("held"));
	pthread_kill(r.thread, SIGUSR1);
	pthread_join(r.thread, NULL);
	EXPECT_EQ(-EINTR, r.ret);
	close_all(self);
	EXPECT_EQ(self->held, mem_stat("held"));
	EXPECT_EQ(self->pages, mem_stat("pages"));
	EXPECT_EQ(self->vms, gh_sim_vms());
}

GH_REQUIRES(GH_REQ_DEBUGFS);

TEST_HARNESS_MAIN
