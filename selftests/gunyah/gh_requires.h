/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * GH_REQUIRES(): a selftest program's needs, checked before any case runs.
 * Apart from gunyah_util.h because it needs kselftest.h (the kernel's, from
 * linux-source at build time), which the tools that share gunyah_util.h
 * (tools/gunyah-bench.c) are built without.
 */
#ifndef GH_REQUIRES_H
#define GH_REQUIRES_H

#include "kselftest.h"
#include "gunyah_util.h"

/*
 * What a whole program needs before any case can run. Missing, the program
 * skips as kselftest programs do (ksft_exit_skip(): "1..0 # SKIP why",
 * exit 4) instead of failing every case: a user without access, a kernel
 * without the modules, or one locked down (Secure Boot) is no driver bug.
 * Each program declares its needs once: GH_REQUIRES(GH_REQ_DEBUGFS);
 */
#define GH_REQ_ROOT	0x1	/* loads modules, writes module parameters or cgroups */
#define GH_REQ_DEBUGFS	0x2	/* writes the driver's or the simulator's debugfs knobs */

#define GH_DEBUGFS_KNOB "/sys/kernel/debug/gunyah/guest_mem"
#define GH_NO_DEV "no /dev/gunyah: load gunyah_rsc_mgr (and gunyah_sim without Gunyah)\n"
#define GH_NO_ACCESS "cannot open /dev/gunyah: %s (run as root or in its group)\n"
#define GH_NO_ROOT "needs root: loads modules, sets module parameters or cgroups\n"
#define GH_NO_DEBUGFS "cannot reach /sys/kernel/debug/gunyah: %s (root's debugfs)\n"
#define GH_LOCKED_DOWN \
	"the kernel is locked down (Secure Boot?) and refuses the debugfs knobs the tests write\n"

static inline void gh_require(int needs)
{
	struct stat st;
	int fd;

	if (stat("/dev/gunyah", &st))
		ksft_exit_skip(GH_NO_DEV);
	fd = open("/dev/gunyah", O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		ksft_exit_skip(GH_NO_ACCESS, strerror(errno));
	if (fd >= 0)
		close(fd);
	if ((needs & GH_REQ_ROOT) && geteuid() != 0)
		ksft_exit_skip(GH_NO_ROOT);
	if (!(needs & GH_REQ_DEBUGFS))
		return;
	if (stat("/sys/kernel/debug/gunyah", &st))
		ksft_exit_skip(GH_NO_DEBUGFS, strerror(errno));
	fd = open(GH_DEBUGFS_KNOB, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && errno == EPERM)
		ksft_exit_skip(GH_LOCKED_DOWN);
	if (fd < 0 && errno == EACCES)
		ksft_exit_skip("cannot write %s: %s\n", GH_DEBUGFS_KNOB, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Listing the cases (-l, -h) needs nothing */
static inline void gh_require_unless_listing(int argc, char **argv, int needs)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "-h"))
			return;
	gh_require(needs);
}

/* glibc passes argc/argv to constructors; main is the harness's own */
#define GH_REQUIRES(needs)							\
static void __attribute__((constructor)) gh_requires(int argc, char **argv)	\
{										\
	gh_require_unless_listing(argc, argv, needs);				\
}

#endif /* GH_REQUIRES_H */
