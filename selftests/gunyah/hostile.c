// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile userspace. A thread rewrites every byte of the shared page in
 * a loop while the vCPU runs through MMIO, page-fault and STATUS exits:
 * the kernel must keep to its own copy of the state (no invalid resume
 * action reaches the guest, a STATUS exit is reported from the kernel's
 * copy once the page is left alone). Random ioctl numbers and arguments
 * on /dev/gunyah, a VM fd and a vCPU fd: the kernel stays healthy.
 *
 * The random sequence comes from a fixed seed, printed, and replaced by
 * the GUNYAH_FUZZ_SEED environment variable to replay another one.
 */
#include <inttypes.h>
#include <stdint.h>

#include "kselftest_harness.h"
#include "vcpu_util.h"
#include "gh_requires.h"

#define DEFAULT_SEED	0x67756e79u	/* "guny" */
#define SCRIBBLE_RUNS	3000
#define SCRIBBLE_EXITS	500
#define FUZZ_ROUNDS	1500

static __u64 rng_state;

static void rng_seed(__u64 seed)
{
	rng_state = seed ? seed : DEFAULT_SEED;
}

/* xorshift64*: the same sequence everywhere for one seed */
static __u64 rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned int seed_from_env(void)
{
	const char *s = getenv("GUNYAH_FUZZ_SEED");

	return s ? (unsigned int)strtoul(s, NULL, 0) : DEFAULT_SEED;
}

/* --- the page scribbler --- */

struct scribbler {
	unsigned char *page;
	long size;
	__u64 seed;
	atomic_bool stop;
	atomic_ulong rounds;
	pthread_t thread;
};

static void *scribble_fn(void *arg)
{
	struct scribbler *s = arg;
	unsigned int kick = 0;
	__u64 x = s->seed;
	long i;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		switch (x % 4) {
		case 0:	/* every byte of the page (the kick last, below) */
			memset(s->page + 1, (int)(x >> 8), s->size - 1);
			break;
		case 1:	/* random bytes over the run structure and past it */
			for (i = 1; i < 64; i++)
				s->page[i] = (unsigned char)((x * (i + 1)) >> 32);
			break;
		case 2:	/* the fields the kernel must not trust */
			((struct gunyah_vcpu_run *)s->page)->mmio.len = (__u32)(x >> 16);
			((struct gunyah_vcpu_run *)s->page)->exit_reason = (__u32)(x >> 40);
			((struct gunyah_vcpu_run *)s->page)->mmio.resume_action = (__u8)(x >> 3);
			((struct gunyah_vcpu_run *)s->page)->page_fault.resume_action =
				(__u8)(x >> 5);
			break;
		default: /* a plausible answer, so that the guest moves on */
			((struct gunyah_vcpu_run *)s->page)->mmio.resume_action = (x >> 7) % 3;
			((struct gunyah_vcpu_run *)s->page)->page_fault.resume_action =
				(x >> 9) % 3;
			break;
		}
		/* immediate_exit: a kick held for a while now and then */
		if (!((x >> 20) % 32))
			kick = 8;
		s->page[0] = kick ? (unsigned char)(x >> 24) | 1 : 0;
		if (kick)
			kick--;
		atomic_fetch_add_explicit(&s->rounds, 1, memory_order_relaxed);
	}
	return NULL;
}

static int scribbler_start(struct scribbler *s, void *page, __u64 seed)
{
	s->page = page;
	s->size = gh_page_size();
	s->seed = seed | 1;
	atomic_store(&s->stop, false);
	atomic_store(&s->rounds, 0);
	return pthread_create(&s->thread, NULL, scribble_fn, s);
}

static void scribbler_stop(struct scribbler *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->thread, NULL);
}

FIXTURE(hostile)
{
	struct gh_vm gv;
	unsigned int seed;
};

FIXTURE_SETUP(hostile)
{
	gh_vm_setup(_metadata, &self->gv, 1, true);
	self->seed = seed_from_env();
	TH_LOG("seed %#x (set GUNYAH_FUZZ_SEED to replay another)", self->seed);
	rng_seed(self->seed);
}

FIXTURE_TEARDOWN(hostile)
{
	gh_vm_teardown(&self->gv);
	gh_reclaim_stuck();
}

/* The program's exits, in order */
static const struct {
	__u32 reason;
	__u64 addr;
	__u32 len;
	__u8 is_write;
} exits[] = {
	{ GUNYAH_VCPU_EXIT_MMIO, 0x1000, 4, 0 },
	{ GUNYAH_VCPU_EXIT_MMIO, 0x2000, 8, 1 },
	{ GUNYAH_VCPU_EXIT_PAGE_FAULT, 0x3000, 0, 0 },
	{ GUNYAH_VCPU_EXIT_MMIO, 0x4000, 8, 0 },	/* 200, clamped */
};

#define EXITS_PROGRAM	"mmio_read 0x1000 4\nmmio_write 0x2000 8 last\n" \
			"page_fault 0x3000 w\nmmio_read 0x4000 200\nloop\n"

static int which_exit(const struct gunyah_vcpu_run *run)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(exits); i++) {
		if (run->exit_reason != exits[i].reason)
			continue;
		if (run->exit_reason == GUNYAH_VCPU_EXIT_PAGE_FAULT) {
			if (run->page_fault.phys_addr == exits[i].addr &&
			    run->page_fault.attempt == -ENOENT &&
			    run->page_fault.resume_action == GUNYAH_VCPU_RESUME_FAULT)
				return i;
			continue;
		}
		if (run->mmio.phys_addr == exits[i].addr && run->mmio.len == exits[i].len &&
		    run->mmio.is_write == exits[i].is_write &&
		    run->mmio.resume_action == GUNYAH_VCPU_RESUME_HANDLED)
			return i;
	}
	return -1;
}

/* Is @line something the guest may have seen under a hostile VMM? */
static bool allowed_line(const char *line)
{
	static const char * const ok[] = {
		"load 5", "retry mmio 0x1000", "retry mmio 0x2000", "retry mmio 0x4000",
		"fault mmio 0x1000", "fault mmio 0x2000", "fault mmio 0x4000",
		"page_fault 0x3000 w resumed",
	};
	unsigned long long v;
	unsigned int i;
	char tail;

	for (i = 0; i < ARRAY_SIZE(ok); i++)
		if (!strcmp(line, ok[i]))
			return true;
	if (sscanf(line, "dropped %llu%c", &v, &tail) == 1)
		return true;
	if (sscanf(line, "read 0x1000 4 %llx%c", &v, &tail) == 1)
		return v <= 0xffffffffULL;
	if (sscanf(line, "read 0x4000 200 %llx%c", &v, &tail) == 1)
		return true;
	if (sscanf(line, "write 0x2000 8 %llx%c", &v, &tail) == 1)
		return true;
	return false;
}

TEST_F_TIMEOUT(hostile, page_rewritten_during_mmio_exits, 300)
{
	struct gunyah_vcpu_run *run = self->gv.run[0];
	int fd = self->gv.vcpu[0], i, ret, prev, cur;
	unsigned int n_ok = 0, n_inval = 0, n_intr = 0;
	struct scribbler s;
	char log[32768], *line;

	if (self->gv.skip)
		return;	/* setup skipped */
	ASSERT_EQ(0, gh_sim_load(self->gv.vmid, 0, EXITS_PROGRAM));
	ASSERT_EQ(0, scribbler_start(&s, run, rng()));
	/* Until enough exits went by, however often a run was refused */
	for (i = 0; n_ok < SCRIBBLE_EXITS; i++) {
		ret = gh_run(fd);
		if (ret == 0)
			n_ok++;
		else if (ret == -EINVAL)	/* an invalid resume action */
			n_inval++;
		else if (ret == -EINTR)		/* immediate_exit */
			n_intr++;
		else
			break;
	}
	scribbler_stop(&s);
	TH_LOG("%u exits, %u EINVAL, %u EINTR, %lu page rewrites", n_ok, n_inval,
	       n_intr, atomic_load(&s.rounds));
	ASSERT_EQ(SCRIBBLE_EXITS, n_ok) TH_LOG("run %d returned %d", i, ret);

	/* No resume action the kernel did not validate reached the guest */
	ASSERT_LE(0, gh_sim_log(self->gv.vmid, 0, log, sizeof(log)));
	for (line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
		const char *l = line;

		EXPECT_TRUE(allowed_line(l)) TH_LOG("guest saw: %s", l ?: "");
	}

	/* Left alone, the page reports the kernel's exits again, in order */
	prev = -1;
	for (i = 0; i < 16; i++) {
		run->immediate_exit = 0;
		run->mmio.resume_action = GUNYAH_VCPU_RESUME_HANDLED;
		run->page_fault.resume_action = GUNYAH_VCPU_RESUME_HANDLED;
		ASSERT_EQ(0, gh_run(fd));
		cur = which_exit(run);
		ASSERT_LE(0, cur) TH_LOG("exit %u at %#llx", run->exit_reason,
					 (unsigned long long)run->mmio.phys_addr);
		if (prev >= 0)
			EXPECT_EQ((prev + 1) % (int)ARRAY_SIZE(exits), cur);
		prev = cur;
	}
}

TEST_F_TIMEOUT(hostile, page_rewritten_during_status_exits, 300)
{
	struct gunyah_vcpu_run *run = self->gv.run[0];
	int fd = self->gv.vcpu[0], i, ret = 0;
	struct scribbler s;

	if (self->gv.skip)
		return;	/* setup skipped */
	ASSERT_EQ(0, gh_sim_load(self->gv.vmid, 0, "system_off 6 0xabcdef01 0x2345\n"));
	GH_RUN_EXIT(fd, run, GUNYAH_VCPU_EXIT_STATUS);
	ASSERT_EQ(0, scribbler_start(&s, run, rng()));
	/* Every run reports the VM's end again; the page's kick does not matter */
	for (i = 0; i < SCRIBBLE_RUNS; i++) {
		ret = gh_run(fd);
		if (ret)
			break;
	}
	scribbler_stop(&s);
	ASSERT_EQ(SCRIBBLE_RUNS, i) TH_LOG("run %d returned %d", i, ret);

	run->immediate_exit = 0;
	GH_RUN_EXIT(fd, run, GUNYAH_VCPU_EXIT_STATUS);
	EXPECT_EQ(GUNYAH_VM_STATUS_EXITED, run->status.status);
	EXPECT_EQ(GUNYAH_VM_EXIT_TYPE_ASYNC_HW_ERROR, run->status.exit_info.type);
	EXPECT_EQ(0, run->status.exit_info.padding);
	EXPECT_EQ(8, run->status.exit_info.reason_size);
	EXPECT_EQ(0, memcmp(run->status.exit_info.reason, "\x01\xef\xcd\xab\x45\x23\0\0", 8));
	GH_EXPECT_LOG(self->gv.vmid, 0, "load 1\nsystem_off 6\n");
}

/* --- random ioctls --- */

struct fuzz_mem {
	char *buf;		/* one page of random bytes ... */
	char *guard;		/* ... followed by an inaccessible page */
	long pg;
};

static void fuzz_fill(struct fuzz_mem *m)
{
	long i;

	for (i = 0; i < m->pg; i += 8) {
		__u64 v = rng();

		memcpy(m->buf + i, &v, 8);
	}
}

static unsigned long fuzz_ptr(struct fuzz_mem *m)
{
	switch (rng() % 7) {
	case 0:
		return 0;
	case 1:
		return (unsigned long)m->guard;		/* not mapped readable */
	case 2:
		return (unsigned long)m->guard - (rng() % 16);	/* straddles it */
	case 3:
		return 0xffff888000000000UL + (rng() % 0x100000);	/* kernel */
	case 4:
		return rng();
	default:
		return (unsigned long)m->buf + (rng() % 64);
	}
}

/* A GUNYAH_VM_{ADD,REMOVE}_FUNCTION descriptor worth the name, mostly */
static unsigned long fuzz_fn_desc(struct fuzz_mem *m)
{
	struct gunyah_fn_desc *d = (void *)m->buf;
	__u32 *arg = (__u32 *)(m->buf + 64);

	if (rng() % 4 == 0)
		return fuzz_ptr(m);
	/* Types other than the vCPU make the kernel look for a module */
	d->type = rng() % 10 ? GUNYAH_FN_VCPU : (__u32)(rng() % 5);
	switch (rng() % 4) {
	case 0:
		d->arg_size = (__u32)rng();
		break;
	case 1:
		d->arg_size = rng() % (GUNYAH_FN_MAX_ARG_SIZE + 2);
		break;
	default:
		d->arg_size = sizeof(struct gunyah_fn_vcpu_arg);
	}
	*arg = rng() % 4 ? rng() % 4 : (__u32)rng();
	d->arg = rng() % 4 ? (unsigned long)arg : fuzz_ptr(m);
	return (unsigned long)d;
}

static bool cmd_is_vfs_generic(unsigned int cmd)
{
	/* Left to VFS, not the driver (and FIFREEZE would freeze a fs) */
	switch (_IOC_TYPE(cmd)) {
	case 'X': case 'T': case 'f': case 0x94: case '$':
		return true;
	default:
		return false;
	}
}

enum fuzz_target { FUZZ_DEV, FUZZ_VM, FUZZ_VCPU };

static unsigned int fuzz_cmd(enum fuzz_target t)
{
	static const unsigned int known[][6] = {
		[FUZZ_DEV] = { GUNYAH_CREATE_VM, GUNYAH_CREATE_VM, GUNYAH_VM_START,
			       GUNYAH_VCPU_RUN, GUNYAH_CREATE_GUEST_MEM,
			       GUNYAH_VM_MAP_MEM },
		[FUZZ_VM] = { GUNYAH_VM_ADD_FUNCTION, GUNYAH_VM_REMOVE_FUNCTION,
			      GUNYAH_VM_START, GUNYAH_VM_MAP_MEM,
			      GUNYAH_VM_SET_DTB_CONFIG, GUNYAH_VM_SET_BOOT_CONTEXT },
		[FUZZ_VCPU] = { GUNYAH_VCPU_RUN, GUNYAH_VCPU_MMAP_SIZE,
				GUNYAH_VM_ADD_FUNCTION, GUNYAH_CREATE_VM,
				GUNYAH_VM_MAP_MEM, GUNYAH_CREATE_GUEST_MEM },
	};
	unsigned int cmd;

	switch (rng() % 3) {
	case 0:
		return known[t][rng() % 6];
	case 1:	/* the driver's own type, any number, direction and size */
		return _IOC(rng() % 4, GUNYAH_IOCTL_TYPE, rng() % 32, rng() % 512);
	default:
		do {
			cmd = (unsigned int)rng();
		} while (cmd_is_vfs_generic(cmd));
		return cmd;
	}
}

static unsigned long fuzz_arg(struct fuzz_mem *m, unsigned int cmd)
{
	if (cmd == GUNYAH_VM_ADD_FUNCTION || cmd == GUNYAH_VM_REMOVE_FUNCTION)
		return fuzz_fn_desc(m);
	switch (rng() % 4) {
	case 0:
		return 0;
	case 1:
		return rng() % 4;
	default:
		return fuzz_ptr(m);
	}
}

/* Close whatever fd a fuzzed ioctl may have created */
static void close_new_fd(long ret, const int *keep, int nkeep)
{
	int i;

	if (ret <= 2 || ret == gh_page_size() || fcntl((int)ret, F_GETFD) < 0)
		return;
	for (i = 0; i < nkeep; i++)
		if (ret == keep[i])
			return;
	close((int)ret);
}

static void check_new_vm_runs(struct __test_metadata *_metadata)
{
	struct gh_vm gv;

	gh_vm_setup(_metadata, &gv, 1, true);
	ASSERT_EQ(0, gh_sim_load(gv.vmid, 0, "mmio_read 0x1000 4\nmmio_write 0x2000 4 last\n"));
	GH_RUN_EXIT(gv.vcpu[0], gv.run[0], GUNYAH_VCPU_EXIT_MMIO);
	gh_set_mmio_data(gv.run[0], 0x600d);
	ASSERT_EQ(0, gh_run(gv.vcpu[0]));
	EXPECT_EQ(0x2000, gv.run[0]->mmio.phys_addr);
	EXPECT_EQ(0x600d, gh_mmio_data(gv.run[0]));
	GH_EXPECT_LOG(gv.vmid, 0, "load 2\nread 0x1000 4 0x600d\n");
	gh_vm_teardown(&gv);
}

TEST_F_TIMEOUT(hostile, random_ioctls, 600)
{
	static const char * const names[] = { "/dev/gunyah", "VM", "vCPU" };
	struct gunyah_vcpu_run *run = self->gv.run[0];
	unsigned int calls[3] = { 0 }, fails[3] = { 0 }, cmd;
	struct fuzz_mem m;
	int fds[3], i, t;
	unsigned long arg;
	long ret;

	if (self->gv.skip)
		return;	/* setup skipped */
	fds[FUZZ_DEV] = self->gv.dev;
	fds[FUZZ_VM] = self->gv.vm;
	fds[FUZZ_VCPU] = self->gv.vcpu[0];
	m.pg = gh_page_size();
	m.buf = mmap(NULL, 2 * m.pg, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m.buf);
	m.guard = m.buf + m.pg;
	ASSERT_EQ(0, mprotect(m.guard, m.pg, PROT_NONE));
	/* A guest that never sleeps: a fuzzed RUN always comes back */
	ASSERT_EQ(0, gh_sim_load(self->gv.vmid, 0,
				 "mmio_read 0x10 4\nmmio_write 0x20 2 last\n"
				 "page_fault 0x30 r\nloop\n"));

	for (i = 0; i < FUZZ_ROUNDS; i++) {
		t = rng() % 3;
		cmd = fuzz_cmd(t);
		fuzz_fill(&m);
		arg = fuzz_arg(&m, cmd);
		/* The page too is fair game, but mostly without the kick */
		run->immediate_exit = rng() % 4 == 0;
		run->mmio.resume_action = rng() % 5;
		run->page_fault.resume_action = rng() % 5;
		ret = ioctl(fds[t], cmd, arg);
		calls[t]++;
		if (ret < 0)
			fails[t]++;
		close_new_fd(ret, fds, 3);
	}
	for (t = 0; t < 3; t++)
		TH_LOG("%s: %u ioctls, %u failed", names[t], calls[t], fails[t]);
	munmap(m.buf, 2 * m.pg);

	/* Healthy: the fds still answer, and a new VM runs end to end */
	EXPECT_EQ(gh_page_size(), ioctl(fds[FUZZ_VCPU], GUNYAH_VCPU_MMAP_SIZE));
	check_new_vm_runs(_metadata);
}

GH_REQUIRES(GH_REQ_DEBUGFS);

TEST_HARNESS_MAIN
