// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lifetimes and waits: what one thread takes down while another still
 * uses it, and what must not wait for a start the RM is slow to serve.
 *
 * Orders are forced, not hoped for: the simulated RM pauses before the
 * request a test names (rm_pause_before), a debugfs read parks inside the
 * kernel on a userfaultfd page (so that debugfs_remove() of that file
 * waits for it), and where a thread waits is read from its kernel stack
 * in /proc/self/task/<tid>/stack.
 */
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "vcpu_util.h"
#include "gh_requires.h"

#define VM_START_ID	0x56000004
#define VM_INIT_ID	0x5600000b
#define VM_RESET_ID	0x56000006
#define RM_INJECT	"/sys/kernel/debug/gunyah/rm_inject/"
#define RPC_TIMEOUT	"/sys/module/gunyah_rsc_mgr/parameters/rpc_timeout_ms"
#define RM_SIM		SIM_DEBUGFS "/"

static void *remove_fn(void *arg)
{
	struct gh_call *c = arg;

	atomic_store(&c->tid, gh_gettid());
	gh_call_done(c, gh_remove_vcpu(c->fd, c->vcpu_id));
	return NULL;
}

/*
 * Every test here pauses the simulated RM or arms one of its knobs: undo
 * them before and after each test, so that a test that failed half-way
 * (or was killed by the harness' timeout) leaves the next one a working RM.
 */
FIXTURE(lt) {
	int unused;
};

static void sim_disarm(void)
{
	gh_write_file(RM_SIM "rm_pause_before", "0");
	gh_write_file(RM_SIM "rm_refuse_call", "0");
	gh_write_file(RM_SIM "rm_pause", "N");
	gh_write_file(RPC_TIMEOUT, "10000");	/* the module's default */
}

FIXTURE_SETUP(lt)
{
	sim_disarm();
}

FIXTURE_TEARDOWN(lt)
{
	sim_disarm();
}

static bool wait_rm_paused(void)
{
	char buf[8];
	int i;

	for (i = 0; i < GH_ASLEEP_BOUND_MS; i++) {
		if (gh_read_file(RM_SIM "rm_pause", buf, sizeof(buf)) &&
		    buf[0] == 'Y')
			return true;
		gh_poll_pause();
	}
	return false;
}

/* A read() of a debugfs file that stays inside the kernel until released */
struct parked_read {
	int uffd;
	int fd;
	char *page;
	size_t size;
	ssize_t ret;
	pthread_t thread;
};

static void *parked_read_fn(void *arg)
{
	struct parked_read *p = arg;

	p->ret = read(p->fd, p->page, p->size);
	return NULL;
}

/* Returns 0 once the reader faulted on the page inside its read() */
static int park_read(struct parked_read *p, const char *path)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct pollfd pfd;
	struct uffd_msg msg;

	p->size = gh_page_size();
	p->fd = open(path, O_RDONLY);
	if (p->fd < 0)
		return -1;
	p->uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (p->uffd < 0 || ioctl(p->uffd, UFFDIO_API, &api))
		return -1;
	p->page = mmap(NULL, p->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->page == MAP_FAILED)
		return -1;
	reg.range.start = (unsigned long)p->page;
	reg.range.len = p->size;
	if (ioctl(p->uffd, UFFDIO_REGISTER, &reg))
		return -1;
	if (pthread_create(&p->thread, NULL, parked_read_fn, p))
		return -1;
	pfd.fd = p->uffd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, GH_ASLEEP_BOUND_MS) != 1 ||
	    read(p->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return -1;
	return 0;
}

static int unpark_read(struct parked_read *p)
{
	struct uffdio_zeropage zero = {
		.range = { .start = (unsigned long)p->page, .len = p->size },
	};

	if (ioctl(p->uffd, UFFDIO_ZEROPAGE, &zero))
		return -1;
	pthread_join(p->thread, NULL);
	close(p->uffd);
	close(p->fd);
	munmap(p->page, p->size);
	return 0;
}

/*
 * A failed VM_START takes the vCPU's resource back (unpopulate) while a
 * REMOVE_FUNCTION of that vCPU runs, its fd already closed. The removal
 * must wait for the rollback: freeing the vCPU under the rollback's
 * unpopulate is a use-after-free (and unpins gunyah_vcpu.ko while its
 * code runs). Order: the start is held before VM_START (so that the vCPU's
 * debugfs file exists), a read of that file is parked, the RM refuses the
 * start, the rollback waits in the file's removal, the removal is issued.
 */
TEST_F_TIMEOUT(lt, failed_start_rollback_vs_remove_function, 120)
{
	struct parked_read park = { .uffd = -1, .fd = -1 };
	struct gh_call start = { 0 }, remove = { .vcpu_id = 0 };
	long vms_before;
	glob_t g = { 0 };
	int dev, vm, vcpu;

	GH_OPEN_DEV(dev, NULL, return);
	if (!gh_sim_present())
		SKIP(return, GH_NEEDS_SIM "the RM is paused before VM_START");
	if (access("/proc/self/stack", R_OK))
		SKIP(return, "no /proc/<pid>/stack: cannot see where a thread waits");
	park.uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (park.uffd < 0)
		SKIP(return, "no userfaultfd (%s): cannot park a debugfs read", strerror(errno));
	close(park.uffd);
	vms_before = gh_sim_vms();

	vm = gh_create_vm(dev);
	ASSERT_LE(0, vm);
	vcpu = gh_add_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	close(vcpu);	/* the function instance holds the last reference */

	ASSERT_EQ(0, gh_write_file(RM_SIM "rm_refuse_call", "%#x", VM_START_ID));
	ASSERT_EQ(0, gh_write_file(RM_SIM "rm_pause_before", "%#x", VM_START_ID));
	ASSERT_EQ(0, gh_call_start(&start, gh_start_fn, vm));
	ASSERT_TRUE(wait_rm_paused()) TH_LOG("the start never sent VM_START");

	/* Populated: the vCPU has its debugfs folder; park a read in it */
	ASSERT_EQ(0, glob("/sys/kernel/debug/gunyah/vm*/vcpu0/stats", 0, NULL, &g));
	ASSERT_EQ(1, g.gl_pathc);
	ASSERT_EQ(0, park_read(&park, g.gl_pathv[0])) TH_LOG("%s", strerror(errno));
	globfree(&g);

	/* The RM refuses VM_START; the rollback waits for the parked read */
	ASSERT_EQ(0, gh_write_file(RM_SIM "rm_pause", "N"));
	if (!gh_wait_sleeps_in(atomic_load(&start.tid), "gunyah_vcpu_unpopulate",
			       &start.done)) {
		char path[64], stack[4096];

		snprintf(path, sizeof(path), "/proc/self/task/%d/stack",
			 atomic_load(&start.tid));
		gh_read_text(path, stack, sizeof(stack));
		unpark_read(&park);
		ASSERT_TRUE(false) TH_LOG("the rollback is not in unpopulate but in:\n%s",
					  stack);
	}

	ASSERT_EQ(0, gh_call_start(&remove, remove_fn, vm));
	/* It must wait for the rollback, not free the vCPU under it */
	EXPECT_TRUE(gh_wait_sleeps_in(atomic_load(&remove.tid),
				      "gunyah_vm_remove_function", &remove.done));
	EXPECT_FALSE(atomic_load(&remove.done))
		TH_LOG("REMOVE_FUNCTION returned %d during the rollback's unpopulate",
		       remove.ret);

	ASSERT_EQ(0, unpark_read(&park));
	pthread_join(start.thread, NULL);
	pthread_join(remove.thread, NULL);
	EXPECT_EQ(-1, start.ret);
	EXPECT_EQ(0, remove.ret) TH_LOG("REMOVE_FUNCTION: %s", strerror(remove.err));
	/* Nothing is left of vCPU 0 */
	GH_EXPECT_ERRNO(ENOENT, gh_remove_vcpu(vm, 0));

	close(vm);
	close(dev);
	EXPECT_EQ(vms_before, gh_sim_vms());
}

/* A VM whose start waits, held by the RM, before request @msg_id */
struct held_start {
	int dev, vm, vcpu;
	struct gh_call start;
};

static int held_start_begin(struct held_start *h, unsigned int msg_id)
{
	h->dev = gh_open_dev();
	if (h->dev < 0)
		return -1;
	h->vm = gh_create_vm(h->dev);
	if (h->vm < 0)
		return -1;
	h->vcpu = gh_add_vcpu(h->vm, 0);
	if (h->vcpu < 0 ||
	    gh_write_file(RM_SIM "rm_pause_before", "%#x", msg_id) ||
	    gh_call_start(&h->start, gh_start_fn, h->vm))
		return -1;
	return wait_rm_paused() ? 0 : -1;
}

static int held_start_end(struct held_start *h)
{
	gh_write_file(RM_SIM "rm_pause", "N");
	pthread_join(h->start.thread, NULL);
	close(h->vcpu);
	close(h->vm);
	close(h->dev);
	return h->start.ret;
}

static void *run_fn(void *arg)
{
	struct gh_call *c = arg;

	atomic_store(&c->tid, gh_gettid());
	gh_call_done(c, ioctl(c->fd, GUNYAH_VCPU_RUN, 0));
	return NULL;
}

/*
 * A run on a VM whose start waits for the RM answers at once (ENODEV: not
 * started yet): the start holds no lock a run needs across its RM calls.
 */
TEST_F_TIMEOUT(lt, run_during_start_answers_at_once, 120)
{
	struct held_start h;
	struct gh_call run = { 0 };

	if (!gh_sim_present())
		SKIP(return, GH_NEEDS_SIM "the RM is paused before VM_INIT");
	ASSERT_EQ(0, held_start_begin(&h, VM_INIT_ID));

	ASSERT_EQ(0, gh_call_start(&run, run_fn, h.vcpu));
	/* Done, or asleep somewhere in the vCPU's run (the bug) */
	EXPECT_FALSE(gh_wait_sleeps_in(atomic_load(&run.tid), "gunyah_vcpu", &run.done));
	EXPECT_TRUE(atomic_load(&run.done)) TH_LOG("RUN waits for the start");
	ASSERT_EQ(0, held_start_end(&h));
	pthread_join(run.thread, NULL);
	EXPECT_EQ(-1, run.ret);
	EXPECT_EQ(ENODEV, run.err);
}

/* A started VM on a /dev/gunyah fd of its own (*@dev), its vmid in *@vmid */
static int open_started_vm(struct __test_metadata *_metadata, int *dev, int *vmid)
{
	int vm;

	*dev = gh_open_dev();
	ASSERT_LE(0, *dev) TH_LOG("open /dev/gunyah: %s", strerror(errno));
	vm = gh_started_vm(*dev, vmid);
	ASSERT_LE(0, vm) TH_LOG("a started VM: %s", strerror(errno));
	ASSERT_LT(0, *vmid);
	return vm;
}

static long vm_notifications(int vmid)
{
	char path[80];

	snprintf(path, sizeof(path), "/sys/kernel/debug/gunyah/vm%d/stats", vmid);
	return gh_sim_file_value(path, "notifications_vm_status");
}

/*
 * A VM_STATUS for a running VM reaches it while another VM's start waits
 * for the RM (that start's own VM_STATUS was taken in meanwhile).
 */
TEST_F_TIMEOUT(lt, notifications_flow_while_another_vm_starts, 120)
{
	struct held_start h;
	int dev, vm, vmid;
	long before, now;

	if (!gh_sim_present())
		SKIP(return, GH_NEEDS_SIM "the RM is paused before VM_INIT");
	vm = open_started_vm(_metadata, &dev, &vmid);

	ASSERT_EQ(0, held_start_begin(&h, VM_INIT_ID));
	before = vm_notifications(vmid);
	ASSERT_LE(0, before);
	ASSERT_EQ(0, gh_write_file("/sys/kernel/debug/gunyah/rm_inject/vm_status",
				   "%d 3", vmid));
	now = gh_wait_above(vm_notifications, vmid, before);
	EXPECT_LT(before, now) TH_LOG("VM %d's notification waits for the other start", vmid);
	EXPECT_EQ(0, held_start_end(&h));
	close(vm);
	close(dev);
}

/*
 * A VMM killed while its VM_START waits for the RM: the start gives up at
 * once and undoes itself (the RM still paused, its rollback is waiting
 * for the RM's VM_RESET); once the RM serves the abandoned VM_START (the
 * VM runs) and the reset (refused: it runs), the rollback stops the VM and
 * resets it, and no VM is left with the RM.
 */
TEST_F_TIMEOUT(lt, killed_start_is_undone, 120)
{
	long vms_before;
	int status, dev, vm;
	pid_t pid;

	if (!gh_sim_present())
		SKIP(return, GH_NEEDS_SIM "the RM is paused before VM_START");
	if (access("/proc/self/stack", R_OK))
		SKIP(return, "no /proc/<pid>/stack: cannot see where the start waits");
	vms_before = gh_sim_vms();
	/* Longer than the waits below: only a kill ends the start's wait */
	ASSERT_EQ(0, gh_write_file(RPC_TIMEOUT, "40000"));
	ASSERT_EQ(0, gh_write_file(RM_SIM "rm_pause_before", "%#x", VM_START_ID));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		dev = gh_open_dev();
		vm = dev < 0 ? -1 : gh_create_vm(dev);
		if (vm < 0 || gh_add_vcpu(vm, 0) < 0)
			_exit(2);
		ioctl(vm, GUNYAH_VM_START);
		_exit(3);	/* killed before this */
	}
	ASSERT_TRUE(wait_rm_paused());
	ASSERT_TRUE(gh_wait_sleeps_in(pid, "gunyah_rm_vm_start", NULL));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	/* Its rollback waits for the RM now, not its VM_START */
	EXPECT_TRUE(gh_wait_sleeps_in(pid, "gunyah_rm_vm_reset", NULL))
		TH_LOG("the killed start still waits for VM_START");

	ASSERT_EQ(0, gh_write_file(RM_SIM "rm_pause", "N"));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(vms_before, gh_sim_vms());
}

static const char *fdinfo_status(int fd, char *buf, size_t len)
{
	char path[64], text[512], *p;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	gh_read_file(path, text, sizeof(text));
	p = strstr(text, "status:\t");
	snprintf(buf, len, "%.*s", p ? (int)strcspn(p + 8, "\n") : 1, p ? p + 8 : "?");
	return buf;
}

/*
 * A failed start is final (docs/vcpu.md): a VM_EXITED that reaches the VM
 * while its rollback waits for the RM's VM_RESET leaves it INIT_FAILED.
 * A second, started VM's notification behind it says when it was taken.
 */
TEST_F_TIMEOUT(lt, exited_does_not_undo_a_failed_start, 120)
{
	long marker0, marker;
	int dev, b, bvmid, avmid;
	struct held_start h;
	char buf[32];

	if (!gh_sim_present())
		SKIP(return, GH_NEEDS_SIM "the RM refuses VM_START, then pauses before VM_RESET");
	b = open_started_vm(_metadata, &dev, &bvmid);

	ASSERT_EQ(0, gh_write_file(RM_SIM "rm_refuse_call", "%#x", VM_START_ID));
	ASSERT_EQ(0, held_start_begin(&h, VM_RESET_ID));
	avmid = gh_vmid(h.vm);
	ASSERT_LT(0, avmid);
	EXPECT_STREQ("init_failed", fdinfo_status(h.vm, buf, sizeof(buf)));

	marker0 = vm_notifications(bvmid);
	ASSERT_EQ(0, gh_write_file(RM_INJECT "vm_exited", "%d 0", avmid));
	ASSERT_EQ(0, gh_write_file(RM_INJECT "vm_status", "%d 3", bvmid));
	marker = gh_wait_above(vm_notifications, bvmid, marker0);
	ASSERT_LT(marker0, marker);
	EXPECT_STREQ("init_failed", fdinfo_status(h.vm, buf, sizeof(buf)));

	EXPECT_EQ(-1, held_start_end(&h));
	close(b);
	close(dev);
}

GH_REQUIRES(GH_REQ_DEBUGFS);

TEST_HARNESS_MAIN
