/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small helpers shared by the Gunyah selftests: create a VM on the
 * simulator, find its vmid, load guest programs, read what the guest saw.
 */
#ifndef GUNYAH_SELFTEST_UTIL_H
#define GUNYAH_SELFTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/gunyah.h>

#define SIM_DEBUGFS "/sys/kernel/debug/gunyah_sim"
#define SIM_MODULE "/sys/module/gunyah_sim"

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

/* open(@path, @flags, @mode), one write(2) of the formatted string; 0 or -errno */
static inline int gh_vwrite(const char *path, int flags, mode_t mode,
			    const char *fmt, va_list ap)
{
	char buf[8192];
	ssize_t n;
	int fd;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	fd = open(path, flags, mode);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, strlen(buf));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

/* Write one formatted string with one write(2) (a debugfs knob); 0 or -errno */
static inline int gh_write_file(const char *path, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = gh_vwrite(path, O_WRONLY, 0, fmt, ap);
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
	ret = gh_vwrite(path, O_WRONLY | O_CREAT | O_TRUNC, mode, fmt, ap);
	va_end(ap);
	return ret;
}

/* Whole file into @buf, trailing newline removed; "" if unreadable */
static inline const char *gh_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY);

	buf[0] = '\0';
	if (fd < 0)
		return buf;
	while (total < (ssize_t)len - 1 &&
	       (n = read(fd, buf + total, len - 1 - total)) > 0)
		total += n;
	buf[total] = '\0';
	close(fd);
	if (total && buf[total - 1] == '\n')
		buf[total - 1] = '\0';
	return buf;
}

/*
 * Debian 6.1's harness runs a fixture test's body even when FIXTURE_SETUP
 * skipped, so setups set self->skip and bodies start with
 * "if (self->skip) return;".
 */

static inline int gh_open_dev(void)
{
	return open("/dev/gunyah", O_RDWR | O_CLOEXEC);
}

/* The VM fd's fdinfo carries "vmid:\t<n>"; -1 if absent */
static inline int gh_vmid(int vm_fd)
{
	char path[64], line[128];
	int vmid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", vm_fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "vmid: %d", &vmid) == 1)
			break;
	fclose(f);
	return vmid;
}

static inline int gh_add_vcpu(int vm_fd, __u32 id)
{
	struct gunyah_fn_vcpu_arg arg = { .id = id };
	struct gunyah_fn_desc desc = {
		.type = GUNYAH_FN_VCPU,
		.arg_size = sizeof(arg),
		.arg = (__u64)(unsigned long)&arg,
	};

	return ioctl(vm_fd, GUNYAH_VM_ADD_FUNCTION, &desc);
}

static inline int gh_remove_vcpu(int vm_fd, __u32 id)
{
	struct gunyah_fn_vcpu_arg arg = { .id = id };
	struct gunyah_fn_desc desc = {
		.type = GUNYAH_FN_VCPU,
		.arg_size = sizeof(arg),
		.arg = (__u64)(unsigned long)&arg,
	};

	return ioctl(vm_fd, GUNYAH_VM_REMOVE_FUNCTION, &desc);
}

static inline struct gunyah_vcpu_run *gh_map_run(int vcpu_fd)
{
	void *p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
		       MAP_SHARED, vcpu_fd, 0);

	return p == MAP_FAILED ? NULL : p;
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
	ssize_t n;
	int fd;

	gh_sim_path(path, sizeof(path), vmid, vcpu, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

static inline int gh_sim_load(int vmid, int vcpu, const char *program)
{
	return gh_sim_write(vmid, vcpu, "program", program);
}

/* Read the guest's log into @buf (NUL-terminated); length or -errno */
static inline int gh_sim_log(int vmid, int vcpu, char *buf, size_t len)
{
	char path[128];
	ssize_t n, total = 0;
	int fd;

	gh_sim_path(path, sizeof(path), vmid, vcpu, "log");
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while (total < (ssize_t)len - 1 &&
	       (n = read(fd, buf + total, len - 1 - total)) > 0)
		total += n;
	buf[total] = '\0';
	close(fd);
	return (int)total;
}

#endif /* GUNYAH_SELFTEST_UTIL_H */
