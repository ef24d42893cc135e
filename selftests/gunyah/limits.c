// SPDX-License-Identifier: GPL-2.0-only
/*
 * Limits: what one user can make the driver allocate. vCPU ids are capped
 * (gunyah_vcpu's max_vcpu_ids), and what a VM and its vCPUs hold is
 * charged to the caller's memory cgroup, so that a memory.max holds: the
 * caller gets ENOMEM or is OOM-killed inside its own cgroup, and nothing
 * outside it pays.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vcpu_util.h"
#include "gh_requires.h"

#define MAX_IDS_PARAM	"/sys/module/gunyah_vcpu/parameters/max_vcpu_ids"
#define CGROOT		"/sys/fs/cgroup"
#define CG		CGROOT "/gunyah-limits"

/* The value of "KEY VALUE" line @key of a cgroup file, -1 if none */
static long cg_value(const char *path, const char *key)
{
	char line[128], name[64];
	long v, found = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", name, &v) == 2 && !strcmp(name, key))
			found = v;
	fclose(f);
	return found;
}

TEST(vcpu_ids_are_capped)
{
	char buf[32];
	int dev, vm, fd;

	GH_OPEN_DEV(dev, NULL, return);
	vm = ioctl(dev, GUNYAH_CREATE_VM, 0);
	ASSERT_LE(0, vm);
	/* The first vCPU loads gunyah_vcpu */
	fd = gh_add_vcpu(vm, 0);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_STREQ("512", gh_read_file(MAX_IDS_PARAM, buf, sizeof(buf)));

	fd = gh_add_vcpu(vm, 511);
	EXPECT_LE(0, fd);
	close(fd);
	GH_EXPECT_ERRNO(EINVAL, gh_add_vcpu(vm, 512));
	GH_EXPECT_ERRNO(EINVAL, gh_add_vcpu(vm, 0xffffffffu));

	/* Bounded: 1 to 65536 */
	EXPECT_NE(0, gh_write_file(MAX_IDS_PARAM, "0"));
	EXPECT_NE(0, gh_write_file(MAX_IDS_PARAM, "65537"));
	ASSERT_EQ(0, gh_write_file(MAX_IDS_PARAM, "4"));
	fd = gh_add_vcpu(vm, 3);
	EXPECT_LE(0, fd);
	close(fd);
	GH_EXPECT_ERRNO(EINVAL, gh_add_vcpu(vm, 4));
	ASSERT_EQ(0, gh_write_file(MAX_IDS_PARAM, "512"));
	close(vm);
	close(dev);
}

/* cgroup v2 with the memory controller, mounted here if it is not yet */
static bool memcg_ready(void)
{
	char buf[256];

	if (access(CGROOT "/cgroup.controllers", R_OK))
		mount("none", CGROOT, "cgroup2", 0, NULL);
	if (!gh_read_file(CGROOT "/cgroup.controllers", buf, sizeof(buf)) ||
	    !strstr(buf, "memory"))
		return false;
	gh_write_file(CGROOT "/cgroup.subtree_control", "+memory");
	rmdir(CG);
	return !mkdir(CG, 0755);
}

#define MEMCG_VMS	8
#define MEMCG_VCPUS	512	/* per VM: the default max_vcpu_ids */

struct memcg_report {
	long vcpus;		/* vCPUs the child holds so far */
	int err;		/* errno of the call that failed, 0 if none */
};

/* In the cgroup: VMs full of vCPUs whose fds are closed, until refused */
static void memcg_child(struct memcg_report *r)
{
	struct rlimit nofile = { MEMCG_VMS + 64, MEMCG_VMS + 64 };
	int dev, vm, fd, i, id;

	setrlimit(RLIMIT_NOFILE, &nofile);
	dev = gh_open_dev();
	if (dev < 0)
		_exit(2);
	if (gh_write_file(CG "/cgroup.procs", "%d", getpid()))
		_exit(3);
	for (i = 0; i < MEMCG_VMS; i++) {
		vm = ioctl(dev, GUNYAH_CREATE_VM, 0);
		if (vm < 0) {
			r->err = errno;
			_exit(0);
		}
		for (id = 0; id < MEMCG_VCPUS; id++) {
			fd = gh_add_vcpu(vm, id);
			if (fd < 0) {
				r->err = errno;
				_exit(0);
			}
			close(fd);	/* the vCPU stays with its VM */
			r->vcpus++;
		}
	}
	_exit(0);
}

/*
 * 4096 vCPUs (a page and a struct each, over 20 MB) in a cgroup allowed
 * 2 MB: refused with ENOMEM, or the child OOM-killed inside its cgroup
 * (vm-judge.sh expects that cgroup's OOM report), long before the end.
 * Unaccounted, they would all be created.
 */
TEST(memcg_limit_holds)
{
	struct memcg_report *r;
	int status, dev;
	pid_t pid;

	GH_OPEN_DEV(dev, NULL, return);
	close(dev);
	if (!memcg_ready())
		SKIP(return, "no cgroup v2 memory controller");
	ASSERT_EQ(0, gh_write_file(CG "/memory.max", "2M"));
	gh_write_file(CG "/memory.swap.max", "0");

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	memset(r, 0, sizeof(*r));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		memcg_child(r);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));

	if (WIFEXITED(status)) {
		ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("the child's setup failed");
		EXPECT_EQ(ENOMEM, r->err)
			TH_LOG("%ld vCPUs in a 2 MB cgroup, then %s", r->vcpus,
			       r->err ? strerror(r->err) : "no refusal at all");
	} else {
		ASSERT_TRUE(WIFSIGNALED(status));
		EXPECT_EQ(SIGKILL, WTERMSIG(status));
		/* The kill was the cgroup's own OOM killer's */
		EXPECT_LT(0, cg_value(CG "/memory.events", "oom_kill"));
	}
	EXPECT_GT(MEMCG_VMS * MEMCG_VCPUS, r->vcpus);
	EXPECT_LT(0, cg_value(CG "/memory.events", "max"));
	TH_LOG("%ld vCPUs before the 2 MB limit held", r->vcpus);
	munmap(r, sizeof(*r));
	EXPECT_EQ(0, rmdir(CG)) TH_LOG("rmdir: %s", strerror(errno));
}

GH_REQUIRES(GH_REQ_ROOT);

TEST_HARNESS_MAIN
