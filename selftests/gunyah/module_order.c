// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module dependencies and pinning: the stack loads in any order its
 * symbol dependencies allow, and nothing a VM uses can be unloaded while
 * the VM exists. Needs the project's modules where modinfo finds them
 * (the VM test rig's extra/, or DKMS's updates/dkms/) and leaves
 * gunyah, gunyah_rsc_mgr and gunyah_sim loaded, as it found them.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "gunyah_util.h"
#include "gh_requires.h"

/*
 * Where modprobe would load @name from (modinfo -n): the rig's extra/, a
 * DKMS install's updates/dkms/, maybe compressed. 0 or -ENOENT.
 */
static int module_path(const char *name, char *path, size_t len)
{
	char cmd[128];
	FILE *p;
	int ok;

	snprintf(cmd, sizeof(cmd), "modinfo -n %s 2>/dev/null", name);
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	ok = fgets(path, len, p) && path[0] == '/';
	if (pclose(p) != 0 || !ok)
		return -ENOENT;
	path[strcspn(path, "\n")] = '\0';
	return 0;
}

static int loaded(const char *name);

/* finit_module(2) of that one file: unlike modprobe, no dependency first */
static int load(const char *name)
{
	const char *ext;
	char path[256];
	int fd, ret, flags = 0;

	ret = module_path(name, path, sizeof(path));
	if (ret)
		return ret;
	ext = strrchr(path, '.');
	if (ext && strcmp(ext, ".ko"))
		flags = 4;	/* MODULE_INIT_COMPRESSED_FILE: .ko.xz, .zst, .gz */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", flags) ? -errno : 0;
	close(fd);
	/*
	 * On a system with udev (not the rig's busybox), gunyah_sim's platform
	 * device makes udev modprobe gunyah_rsc_mgr by its modalias: it may be
	 * in before us. The kernel answers EEXIST only once that load is done.
	 */
	if (ret == -EEXIST && loaded(name))
		return 0;
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

/* Unsigned modules cannot be loaded back into a locked-down kernel */
static bool locked_down(void)
{
	char buf[128] = "";

	gh_read_file("/sys/kernel/security/lockdown", buf, sizeof(buf));
	return strstr(buf, "[integrity]") || strstr(buf, "[confidentiality]");
}

static int have_modules(void)
{
	char path[256];

	return !module_path("gunyah_sim", path, sizeof(path)) && loaded("gunyah_sim") &&
	       !locked_down();
}

#define NEEDS_MODULES "needs gunyah_sim loaded, modinfo finding the modules, and no lockdown"

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
		SKIP(return, NEEDS_MODULES);
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
		SKIP(return, NEEDS_MODULES);
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
		SKIP(return, NEEDS_MODULES);
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

GH_REQUIRES(GH_REQ_ROOT);

TEST_HARNESS_MAIN
