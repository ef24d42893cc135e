/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small helpers shared by the Gunyah selftests: create a VM on the
 * simulator, find its vmid, load guest programs, read what the guest saw.
 */
#ifndef GUNYAH_SELFTEST_UTIL_H
#define GUNYAH_SELFTEST_UTIL_H

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <endian.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/gunyah.h>

#define SIM_DEBUGFS "/sys/kernel/debug/gunyah_sim"
#define SIM_MODULE "/sys/module/gunyah_sim"
#define GH_DEBUGFS "/sys/kernel/debug/gunyah/"
#define GH_FAIL_HC GH_DEBUGFS "fail_hypercall/"
#define GH_FAIL_RM GH_DEBUGFS "fail_rm_call/"
#define GH_RM_INJECT GH_DEBUGFS "rm_inject/"

/*
 * Whether the simulated platform (gunyah_sim.ko) is loaded. /dev/gunyah
 * says nothing about it: real Gunyah has that node too, refuses to start
 * the empty VMs the tests make, and has only 63 VM ids. Nor does the
 * simulator's debugfs folder: debugfs may not be mounted.
 */
static inline bool gh_on_simulator(void)
{
	struct stat st;

	return stat(SIM_MODULE, &st) == 0 && S_ISDIR(st.st_mode);
}

#define GH_NEEDS_SIM "needs the simulated platform (gunyah_sim): "

/*
 * SKIP() (kselftest_harness.h) unless on the simulator, saying why the test
 * needs it: GH_SKIP_UNLESS_SIM(return, "starts a VM"). A fixture's setup
 * also sets self->skip, so it tests gh_on_simulator() and SKIPs itself.
 */
#define GH_SKIP_UNLESS_SIM(statement, fmt, ...) do {				\
	if (!gh_on_simulator())							\
		SKIP(statement, GH_NEEDS_SIM fmt, ##__VA_ARGS__);		\
} while (0)

/*
 * @fd = /dev/gunyah, or SKIP(@statement) (kselftest_harness.h) when the
 * node does not exist, first setting *@skipped (a fixture's self->skip)
 * unless NULL; other errors fail the test.
 */
#define GH_OPEN_DEV(fd, skipped, statement) do {				\
	bool *__skipped = (skipped);						\
										\
	(fd) = gh_open_dev();							\
	if ((fd) < 0 && errno == ENOENT) {					\
		if (__skipped)							\
			*__skipped = true;					\
		SKIP(statement, "/dev/gunyah missing: load gunyah_rsc_mgr"); \
	}									\
	ASSERT_LE(0, (fd)) TH_LOG("open /dev/gunyah: %s", strerror(errno));	\
} while (0)

/* @call must fail with errno @err (EXPECTs: the test goes on) */
#define GH_EXPECT_ERRNO(err, call) do {						\
	EXPECT_EQ(-1, (call));							\
	EXPECT_EQ(err, errno);							\
} while (0)

/* open(@path, O_WRONLY | @flags, @mode), one write(2) of @len bytes; 0 or -errno */
static inline int gh_write_buf(const char *path, int flags, mode_t mode,
			       const void *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags, mode);

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

/* @text with one write(2), unformatted (any length); 0 or -errno */
static inline int gh_write_str(const char *path, const char *text)
{
	return gh_write_buf(path, 0, 0, text, strlen(text));
}

static inline int gh_vwrite(const char *path, int flags, mode_t mode,
			    const char *fmt, va_list ap)
{
	char buf[8192];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	return gh_write_buf(path, flags, mode, buf, strlen(buf));
}

/* Write one formatted string with one write(2) (a debugfs knob); 0 or -errno */
static inline int gh_write_file(const char *path, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = gh_vwrite(path, 0, 0, fmt, ap);
	va_end(ap);
	return ret;
}

/* Create (or truncate) @path with @mode and write one formatted string */
static inline int gh_write_file_mode(const char *path, mode_t mode,
				     const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = gh_vwrite(path, O_CREAT | O_TRUNC, mode, fmt, ap);
	va_end(ap);
	return ret;
}

/* Whole file into @buf (NUL-terminated); its length or -errno */
static inline int gh_read_text(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (total < (ssize_t)len - 1 &&
	       (n = read(fd, buf + total, len - 1 - total)) > 0)
		total += n;
	buf[total] = '\0';
	close(fd);
	return (int)total;
}

/* Whole file into @buf, trailing newline removed; "" if unreadable */
static inline const char *gh_read_file(const char *path, char *buf, size_t len)
{
	int total = gh_read_text(path, buf, len);

	if (total < 0)
		buf[0] = '\0';
	else if (total && buf[total - 1] == '\n')
		buf[total - 1] = '\0';
	return buf;
}

/*
 * N of the first "@key@sep N" line of a file (sim and driver stats files:
 * ':', fault knobs' counters: ' '); @absent without one
 */
static inline long long gh_file_value(const char *path, const char *key,
				      char sep, long long absent)
{
	char buf[4096], *p;
	size_t klen = strlen(key);

	if (gh_read_text(path, buf, sizeof(buf)) < 0)
		return absent;
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, klen) && p[klen] == sep)
			return strtoll(p + klen + 1, NULL, 0);
	return absent;
}

/*
 * Does thread (or process) @tid sleep in kernel function @fn? Only a
 * sleeping thread has a stack in /proc/<tid>/stack, and the
 * scheduler's own functions (mutex_lock()...) are left out of it: @fn is
 * the caller that sleeps.
 */
static inline bool gh_thread_sleeps_in(int tid, const char *fn)
{
	char path[64], stack[4096];

	snprintf(path, sizeof(path), "/proc/%d/stack", tid);
	return strstr(gh_read_file(path, stack, sizeof(stack)), fn);
}

/* Poll, for at most 20 s, until @tid sleeps in @fn; false if @done first */
static inline bool gh_wait_sleeps_in(int tid, const char *fn, atomic_bool *done)
{
	const struct timespec pause = { .tv_nsec = 1000 * 1000 };
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (gh_thread_sleeps_in(tid, fn))
			return true;
		if (done && atomic_load(done))
			return false;
		nanosleep(&pause, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 20);
	return false;
}

/* An ioctl in a thread of its own, to see where it waits */
struct gh_call {
	pthread_t thread;
	int fd;
	int vcpu_id;		/* for gh_remove_fn */
	int ret;
	int err;
	atomic_int tid;
	atomic_bool done;
};

static inline void gh_call_done(struct gh_call *c, int ret)
{
	c->ret = ret;
	c->err = errno;
	atomic_store(&c->done, true);
}

static inline void *gh_start_fn(void *arg)
{
	struct gh_call *c = arg;

	atomic_store(&c->tid, (int)syscall(SYS_gettid));
	gh_call_done(c, ioctl(c->fd, GUNYAH_VM_START));
	return NULL;
}

/* Run @fn(@c) on @fd in a thread; returns once the thread has its tid */
static inline int gh_call_start(struct gh_call *c, void *(*fn)(void *), int fd)
{
	c->fd = fd;
	atomic_store(&c->tid, 0);
	atomic_store(&c->done, false);
	if (pthread_create(&c->thread, NULL, fn, c))
		return -1;
	while (!atomic_load(&c->tid))
		sched_yield();
	return 0;
}

/* Poll, for at most 20 s, until @value(@arg) exceeds @floor; the last value */
static inline long gh_wait_above(long (*value)(int), int arg, long floor)
{
	const struct timespec pause = { .tv_nsec = 1000 * 1000 };
	struct timespec t0, t;
	long v;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		v = value(arg);
		if (v > floor)
			break;
		nanosleep(&pause, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 20);
	return v;
}

/*
 * Debian 6.1's harness runs a fixture test's body even when FIXTURE_SETUP
 * skipped, so setups set self->skip and bodies start with
 * "if (self->skip) return;" (vcpu_util.h's GH_TEST_F() says it once for
 * the fixtures of a struct gh_vm).
 */

static inline int gh_open_dev(void)
{
	return open("/dev/gunyah", O_RDWR | O_CLOEXEC);
}

/* Value of "@key:\t<value>" in @fd's fdinfo, copied to @val; 0 or -1 */
static inline int gh_fdinfo_field(int fd, const char *key, char *val, size_t len)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	int ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		snprintf(val, len, "%s", line + klen + 1 + strspn(line + klen + 1, " \t"));
		val[strcspn(val, "\n")] = '\0';
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/* The VM fd's fdinfo carries "vmid:\t<n>"; -1 if absent */
static inline int gh_vmid(int vm_fd)
{
	char val[32];

	return gh_fdinfo_field(vm_fd, "vmid", val, sizeof(val)) ? -1 : atoi(val);
}

/*
 * Guest memory every test VM gets (the RM starts no VM without it): 64 KiB
 * at guest address 0x80000000, clear of the MMIO addresses the tests use,
 * with a minimal flattened device tree 32 KiB in.
 */
#define GH_MEM_BASE	0x80000000ULL
#define GH_MEM_SIZE	0x10000ULL
#define GH_DTB_OFFSET	0x8000ULL
#define GH_DTB_SIZE	0x1000ULL

/* An empty device tree: header, empty reservation map, a root node */
#define GH_FDT_WORDS	18
static inline void gh_write_fdt(void *where)
{
	static const __u32 fdt[GH_FDT_WORDS] = {
		0xd00dfeed, 72, 56, 72, 40, 17, 16, 0, 0, 16,	/* header */
		0, 0, 0, 0,					/* rsvmap end */
		1, 0, 2, 9,		/* begin_node "", end_node, end */
	};
	__u32 *out = where;
	size_t i;

	for (i = 0; i < GH_FDT_WORDS; i++)
		out[i] = htobe32(fdt[i]);
}

/* A guest-memory fd of @size bytes; -1 and errno on failure */
static inline int gh_create_guest_mem(int dev, __u64 size, __u64 flags)
{
	struct gunyah_create_mem_args args = { .flags = flags, .size = size };

	return ioctl(dev, GUNYAH_CREATE_GUEST_MEM, &args);
}

static inline int gh_map_mem(int vm_fd, int mem_fd, __u64 guest_addr,
			     __u64 offset, __u64 size, __u32 flags)
{
	struct gunyah_map_mem_args args = {
		.guest_addr = guest_addr,
		.flags = flags,
		.guest_mem_fd = mem_fd,
		.offset = offset,
		.size = size,
	};

	return ioctl(vm_fd, GUNYAH_VM_MAP_MEM, &args);
}

/*
 * Give a VM the test memory: create it, write the device tree, map it
 * read-write-execute, say where the tree is. 0, or -1 and errno.
 */
static inline int gh_vm_give_memory(int dev, int vm_fd)
{
	struct gunyah_vm_dtb_config dtb = {
		.guest_phys_addr = GH_MEM_BASE + GH_DTB_OFFSET,
		.size = GH_DTB_SIZE,
	};
	int mem, ret = -1, err;
	char *p;

	mem = gh_create_guest_mem(dev, GH_MEM_SIZE, GHMF_CLOEXEC);
	if (mem < 0)
		return -1;
	p = mmap(NULL, GH_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, mem, 0);
	if (p == MAP_FAILED)
		goto out;
	gh_write_fdt(p + GH_DTB_OFFSET);
	munmap(p, GH_MEM_SIZE);
	if (gh_map_mem(vm_fd, mem, GH_MEM_BASE, 0, GH_MEM_SIZE, GUNYAH_MEM_ALLOW_RWX))
		goto out;
	ret = ioctl(vm_fd, GUNYAH_VM_SET_DTB_CONFIG, &dtb);
out:
	err = errno;
	close(mem);	/* the VM keeps the memory */
	errno = err;
	return ret;
}

#define GH_GUEST_MEM_STATS GH_DEBUGFS "guest_mem"

/*
 * Free a VM its owner could not free (sim reap_vm), then have the driver
 * take back the guest memory the RM held for it. 0, or -1 and errno.
 */
static inline int gh_sim_reap(int vmid)
{
	char path[64];
	int ret;

	snprintf(path, sizeof(path), "%s/reap_vm", SIM_DEBUGFS);
	ret = gh_write_file(path, "%d", vmid);
	if (!ret)
		gh_write_file(GH_GUEST_MEM_STATS, "reclaim");
	return ret;
}

/*
 * After RM faults were injected: retry the MEM_RECLAIMs that failed, so
 * that no page stays pinned (and the modules can be unloaded)
 */
static inline void gh_reclaim_stuck(void)
{
	gh_write_file(GH_GUEST_MEM_STATS, "reclaim");
}

/* A VM the simulated RM still holds (an injected exit leaves it running) is reaped */
static inline void gh_sim_reap_held(int vmid)
{
	char path[128];

	snprintf(path, sizeof(path), SIM_DEBUGFS "/vm%d", vmid);
	if (vmid > 0 && access(path, F_OK) == 0)
		gh_sim_reap(vmid);
}

/* Every fault-injection knob back to its default: nothing fires */
static inline void gh_fault_disarm(void)
{
	static const char *const knobs[][2] = {
		{ GH_FAIL_HC "probability", "0" }, { GH_FAIL_HC "interval", "1" },
		{ GH_FAIL_HC "times", "1" }, { GH_FAIL_HC "space", "0" },
		{ GH_FAIL_HC "verbose", "1" }, { GH_FAIL_HC "error", "31" },
		{ GH_FAIL_HC "hypercalls", "vcpu_run" },
		{ GH_FAIL_RM "probability", "0" }, { GH_FAIL_RM "interval", "1" },
		{ GH_FAIL_RM "times", "1" }, { GH_FAIL_RM "space", "0" },
		{ GH_FAIL_RM "verbose", "1" }, { GH_FAIL_RM "error", "0x4" },
		{ GH_FAIL_RM "msg_ids", "\n" }, { NULL },
	};
	size_t i;

	for (i = 0; knobs[i][0]; i++)
		gh_write_str(knobs[i][0], knobs[i][1]);
}

/* GUNYAH_CREATE_VM, and the VM gets its memory: ready to start */
static inline int gh_create_vm(int dev)
{
	int vm = ioctl(dev, GUNYAH_CREATE_VM, 0), err;

	if (vm < 0 || !gh_vm_give_memory(dev, vm))
		return vm;
	err = errno;
	close(vm);
	errno = err;
	return -1;
}

/* A VM created and started; its fd (and @vmid), or -1 */
static inline int gh_started_vm(int dev, int *vmid)
{
	int fd = gh_create_vm(dev);

	if (fd < 0)
		return -1;
	if (ioctl(fd, GUNYAH_VM_START)) {
		close(fd);
		return -1;
	}
	*vmid = gh_vmid(fd);
	return fd;
}

/* GUNYAH_VM_ADD_FUNCTION or _REMOVE_FUNCTION (@cmd) of @type and its @arg */
static inline int gh_vm_function(int vm_fd, unsigned long cmd, __u32 type,
				 const void *arg, __u32 arg_size)
{
	struct gunyah_fn_desc desc = {
		.type = type,
		.arg_size = arg_size,
		.arg = (__u64)(unsigned long)arg,
	};

	return ioctl(vm_fd, cmd, &desc);
}

static inline int gh_add_vcpu(int vm_fd, __u32 id)
{
	struct gunyah_fn_vcpu_arg arg = { .id = id };

	return gh_vm_function(vm_fd, GUNYAH_VM_ADD_FUNCTION, GUNYAH_FN_VCPU, &arg, sizeof(arg));
}

static inline int gh_remove_vcpu(int vm_fd, __u32 id)
{
	struct gunyah_fn_vcpu_arg arg = { .id = id };

	return gh_vm_function(vm_fd, GUNYAH_VM_REMOVE_FUNCTION, GUNYAH_FN_VCPU, &arg, sizeof(arg));
}

/* GUNYAH_VCPU_RUN until an exit: a signal or EAGAIN runs it again; 0, or -1 and errno */
static inline int gh_run_to_exit(int vcpu_fd)
{
	int ret;

	do
		ret = ioctl(vcpu_fd, GUNYAH_VCPU_RUN, 0);
	while (ret && (errno == EINTR || errno == EAGAIN));
	return ret;
}

static inline struct gunyah_vcpu_run *gh_map_run(int vcpu_fd)
{
	void *p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
		       MAP_SHARED, vcpu_fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* Unmap @run, close @vcpu, @vm, @dev: each only if it is there (fd >= 0) */
static inline void gh_vm_close(int dev, int vm, int vcpu, struct gunyah_vcpu_run *run)
{
	if (run)
		munmap(run, (size_t)sysconf(_SC_PAGESIZE));
	if (vcpu >= 0)
		close(vcpu);
	if (vm >= 0)
		close(vm);
	if (dev >= 0)
		close(dev);
}

static inline int gh_sim_path(char *buf, size_t len, int vmid, int vcpu,
			      const char *file)
{
	return snprintf(buf, len, SIM_DEBUGFS "/vm%d/vcpu%d/%s", vmid, vcpu, file);
}

/* Write @text to a sim debugfs file; 0 or -errno */
static inline int gh_sim_write(int vmid, int vcpu, const char *file,
			       const char *text)
{
	char path[128];

	gh_sim_path(path, sizeof(path), vmid, vcpu, file);
	return gh_write_str(path, text);
}

static inline int gh_sim_load(int vmid, int vcpu, const char *program)
{
	return gh_sim_write(vmid, vcpu, "program", program);
}

/* Read the guest's log into @buf (NUL-terminated); length or -errno */
static inline int gh_sim_log(int vmid, int vcpu, char *buf, size_t len)
{
	char path[128];

	gh_sim_path(path, sizeof(path), vmid, vcpu, "log");
	return gh_read_text(path, buf, len);
}

#endif /* GUNYAH_SELFTEST_UTIL_H */
