// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module dependencies and pinning: the stack loads in any order its
 * symbol dependencies allow, and nothing a VM uses can be unloaded while
 * the VM exists. Needs the project's modules installed under
 * /lib/modules/$(uname -r)/extra (the VM test rig does that) and leaves
 * gunyah, gunyah_rsc_mgr and gunyah_sim loaded, as it found them.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "kselftest_harness.h"
#include "gunyah_util.h"

static int load(const char *name)
{
	struct utsname u;
	char path[256];
	int fd, ret;

	uname(&u);
	snprintf(path, sizeof(path), "/lib/modules/%s/extra/%s.ko", u.release, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

static int unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

static int loaded(const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return stat(path, &st) == 0;
}

static int have_modules(void)
{
	struct utsname u;
	char path[256];
	struct stat st;

	uname(&u);
	snprintf(path, sizeof(path), "/lib/modules/%s/extra/gunyah_sim.ko", u.release);
	return stat(path, &st) == 0 && loaded("gunyah_sim");
}

/* Unload everything, in the one order the dependencies allow */
static int unload_all(void)
{
	static const char *const order[] = {
		"gunyah_vcpu", "gunyah_sim", "gunyah_rsc_mgr", "gunyah",
	};
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(order); i++) {
		if (!loaded(order[i]))
			continue;
		ret = unload(order[i]);
		if (ret)
			return ret;
	}
	return 0;
}

TEST(pinned_while_a_vm_exists)
{
	int dev, vm, vcpu;

	if (!have_modules())
		SKIP(return, "needs the simulator and the modules under /lib/modules/*/extra");
	dev = gh_open_dev();
	ASSERT_LE(0, dev);
	vm = gh_create_vm(dev);
	ASSERT_LE(0, vm);
	vcpu = gh_add_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	ASSERT_EQ(0, ioctl(vm, GUNYAH_VM_START));
	close(dev);

	/* The vCPU fd pins its module, the VM fd the VM manager, the VM the backend */
	EXPECT_EQ(-EAGAIN, unload("gunyah_vcpu"));
	EXPECT_EQ(-EAGAIN, unload("gunyah_rsc_mgr"));
	EXPECT_EQ(-EAGAIN, unload("gunyah_sim"));
	EXPECT_EQ(-EAGAIN, unload("gunyah"));

	close(vcpu);
	/* The vCPU's function instance still pins it while the VM lives */
	EXPECT_EQ(-EAGAIN, unload("gunyah_vcpu"));
	close(vm);
	EXPECT_EQ(0, unload("gunyah_vcpu"));
	EXPECT_TRUE(loaded("gunyah_sim"));
}

TEST(load_orders)
{
	static const char *const orders[][3] = {
		{ "gunyah", "gunyah_rsc_mgr", "gunyah_sim" },
		{ "gunyah", "gunyah_sim", "gunyah_rsc_mgr" },
	};
	struct stat st;
	unsigned int i, j;

	if (!have_modules())
		SKIP(return, "needs the simulator and the modules under /lib/modules/*/extra");
	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		ASSERT_EQ(0, unload_all());
		EXPECT_NE(0, stat("/dev/gunyah", &st));
		for (j = 0; j < ARRAY_SIZE(orders[i]); j++) {
			const char *m = orders[i][j];

			ASSERT_EQ(0, load(m)) TH_LOG("order %u: %s", i, m);
		}
		/* The RM binds the sim's platform device synchronously */
		EXPECT_EQ(0, stat("/dev/gunyah", &st)) TH_LOG("order %u", i);
	}
}

TEST(refused_by_dependencies)
{
	if (!have_modules())
		SKIP(return, "needs the simulator and the modules under /lib/modules/*/extra");
	ASSERT_EQ(0, unload_all());
	/* Without gunyah.ko the others have unknown symbols */
	EXPECT_EQ(-ENOENT, load("gunyah_rsc_mgr"));
	EXPECT_EQ(-ENOENT, load("gunyah_sim"));
	ASSERT_EQ(0, load("gunyah"));
	ASSERT_EQ(0, load("gunyah_sim"));
	/* A module others depend on cannot go first */
	EXPECT_EQ(-EAGAIN, unload("gunyah"));
	ASSERT_EQ(0, load("gunyah_rsc_mgr"));
	EXPECT_TRUE(loaded("gunyah_rsc_mgr"));
}

TEST_HARNESS_MAIN
