// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hammer: fresh VMs, round after round, for a bounded time, each torn
 * down a different way while vCPU threads run in it: runners looping on
 * MMIO exits or asleep in RUN, kicked by a signal whose handler sets
 * immediate_exit (as QEMU and crosvm do), functions removed under them,
 * fds closed or dup()ed and closed in other threads, two threads starting
 * one VM, a fork()ed child holding the VM fd, starts failed at each RM
 * call while a thread removes a vCPU. Every RUN must come back (bounded)
 * with a documented result, and at the end the simulator's VMs, this
 * process's fds and the kernel's unreclaimable slab are back where they
 * began. On the debug kernel, KASAN, lockdep and kmemleak watch the same
 * rounds.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <dirent.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vcpu_util.h"
#include "gh_requires.h"

#define HAMMER_SECONDS	15
#define HAMMER_ROUNDS	300
#define JOIN_BOUND_S	20	/* a RUN must return within this */
#define SLAB_SLACK_KB	4096
#define FR		"/sys/kernel/debug/gunyah/fail_rm_call/"

static __thread struct gunyah_vcpu_run *my_run;

/* The VMM way to kick a runner: the signal handler sets immediate_exit */
static void kick_handler(int sig)
{
	if (my_run)
		my_run->immediate_exit = 1;
}

struct runner {
	pthread_t thread;
	int fd;				/* the runner's own dup of the vCPU fd */
	struct gunyah_vcpu_run *run;
	atomic_bool stop;
	atomic_bool done;
	int bad_errno;			/* an errno RUN must not return */
};

static void *runner_fn(void *arg)
{
	struct runner *r = arg;

	my_run = r->run;
	while (!atomic_load(&r->stop)) {
		if (!ioctl(r->fd, GUNYAH_VCPU_RUN, 0)) {
			if (r->run->exit_reason == GUNYAH_VCPU_EXIT_STATUS)
				break;
			continue;	/* MMIO: handled, run on */
		}
		if (errno == EINTR) {
			r->run->immediate_exit = 0;
			continue;
		}
		if (errno != ENODEV)
			r->bad_errno = errno;
		break;	/* removed, or not started / going down */
	}
	my_run = NULL;	/* before the unmap: the handler runs on this thread */
	munmap(r->run, gh_page_size());
	close(r->fd);
	atomic_store(&r->done, true);
	return NULL;
}

/* A runner with its own fd and mapping: the round may close and unmap its */
static int runner_start(struct runner *r, int vcpu_fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = dup(vcpu_fd);
	if (r->fd < 0)
		return -1;
	r->run = gh_map_run(r->fd);
	if (!r->run)
		return -1;
	return pthread_create(&r->thread, NULL, runner_fn, r) ? -1 : 0;
}

static void runner_kick(struct runner *r)
{
	if (!atomic_load(&r->done))
		pthread_kill(r->thread, SIGUSR1);
}

/* Stop, kick and join @r within the bound; 0, or -1 if it hung */
static int runner_end(struct runner *r)
{
	struct timespec deadline;
	int i;

	atomic_store(&r->stop, true);
	for (i = 0; i < 1000 && !atomic_load(&r->done); i++) {
		runner_kick(r);
		gh_poll_pause();
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += JOIN_BOUND_S;
	return pthread_timedjoin_np(r->thread, NULL, &deadline) ? -1 : 0;
}

static void *start_fn(void *arg)
{
	long ret = ioctl((int)(long)arg, GUNYAH_VM_START);

	return (void *)(ret ? (long)errno : 0L);
}

/* REMOVE_FUNCTION of vCPU 0 until it is gone, racing whatever runs */
static void *remove_fn(void *arg)
{
	int vm = (int)(long)arg, i;

	for (i = 0; i < 100000; i++)
		if (gh_remove_vcpu(vm, 0) ? errno == ENOENT : 1)
			break;
	return NULL;
}

static void *close_fn(void *arg)
{
	close((int)(long)arg);
	return NULL;
}

static int count_fds(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static long sunreclaim_kb(void)
{
	char buf[4096], *p;

	gh_read_text("/proc/meminfo", buf, sizeof(buf));
	p = strstr(buf, "SUnreclaim:");
	return p ? strtol(p + 11, NULL, 10) : -1;
}

/* One failing RM call of a start, per round that fails starts */
static const char *const start_calls[] = {
	"0x56000001",	/* ALLOC_VMID */
	"0x56000009",	/* CONFIG_IMAGE */
	"0x5600000b",	/* VM_INIT */
	"0x56000020",	/* GET_HYP_RESOURCES */
	"0x56000004",	/* VM_START */
};

static void fail_next(const char *msg_id)
{
	gh_write_file(FR "msg_ids", "%s", msg_id);
	gh_write_file(FR "error", "0x4");
	gh_write_file(FR "times", "1");
	gh_write_file(FR "probability", "100");
}

static void fail_none(void)
{
	gh_write_file(FR "probability", "0");
	gh_write_file(FR "msg_ids", "\n");
}

enum round_kind {
	REMOVE_UNDER_RUNNERS,	/* functions removed while runners run */
	TWO_STARTERS,		/* two threads start the VM; fds closed */
	FAILED_START,		/* the start fails at one RM call */
	FORKED_HOLDER,		/* a child holds the VM fd until told */
	DUP_CLOSED_ELSEWHERE,	/* a dup of a vCPU fd closed by a thread */
	NR_KINDS,
};

struct round {
	int dev, vm, vcpu[2], vmid;
	struct gunyah_vcpu_run *run[2];
	struct runner r[2];
	bool runners;
};

static int round_runners(struct round *rd)
{
	if (rd->vmid > 0) {
		gh_sim_load(rd->vmid, 0, "mmio_write 0x100 4 1\nloop\n");
		gh_sim_load(rd->vmid, 1, "wfi\nloop\n");
	}
	if (runner_start(&rd->r[0], rd->vcpu[0]) ||
	    runner_start(&rd->r[1], rd->vcpu[1]))
		return -1;
	rd->runners = true;
	runner_kick(&rd->r[0]);
	runner_kick(&rd->r[1]);
	return 0;
}

static void round_close(struct round *rd)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (rd->run[i])
			munmap(rd->run[i], gh_page_size());
		if (rd->vcpu[i] >= 0)
			close(rd->vcpu[i]);
		rd->run[i] = NULL;
		rd->vcpu[i] = -1;
	}
	if (rd->vm >= 0)
		close(rd->vm);
	rd->vm = -1;
}

FIXTURE(hammer) {
	int unused;
};

FIXTURE_SETUP(hammer)
{
}

FIXTURE_TEARDOWN(hammer)
{
	fail_none();
}

TEST_F_TIMEOUT(hammer, rounds, 180)
{
	int fds0, rounds = 0, kind, i, bad = 0, hung = 0;
	struct sigaction sa = { .sa_handler = kick_handler };
	struct timespec t0, t;
	long vms0, slab0, slab1;
	struct round rd;

	GH_OPEN_DEV(rd.dev, NULL, return);
	if (!gh_sim_present() || access(FR "probability", W_OK))
		SKIP(return, GH_NEEDS_SIM "guest programs and fail_rm_call");
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));

	vms0 = gh_sim_vms();
	fds0 = count_fds();
	slab0 = sunreclaim_kb();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		kind = rounds % NR_KINDS;
		rd.vm = gh_create_vm(rd.dev);
		ASSERT_LE(0, rd.vm);
		for (i = 0; i < 2; i++) {
			rd.vcpu[i] = gh_add_vcpu(rd.vm, i);
			ASSERT_LE(0, rd.vcpu[i]);
			rd.run[i] = gh_map_run(rd.vcpu[i]);
			ASSERT_NE(NULL, rd.run[i]);
		}
		rd.runners = false;
		rd.vmid = 0;

		if (kind == FAILED_START) {
			pthread_t remover;

			/*
			 * Runners first: they see the start fail, or never
			 * start. vCPU 0 is removed while the start fails and
			 * is rolled back.
			 */
			ASSERT_EQ(0, round_runners(&rd));
			fail_next(start_calls[(rounds / NR_KINDS) % ARRAY_SIZE(start_calls)]);
			pthread_create(&remover, NULL, remove_fn, (void *)(long)rd.vm);
			GH_EXPECT_ERRNO(EINVAL, ioctl(rd.vm, GUNYAH_VM_START));
			pthread_join(remover, NULL);
			fail_none();
		} else if (kind == TWO_STARTERS) {
			pthread_t a, b;
			void *ea, *eb;

			pthread_create(&a, NULL, start_fn, (void *)(long)rd.vm);
			pthread_create(&b, NULL, start_fn, (void *)(long)rd.vm);
			pthread_join(a, &ea);
			pthread_join(b, &eb);
			EXPECT_EQ(0, (long)ea);
			EXPECT_EQ(0, (long)eb);
			rd.vmid = gh_vmid(rd.vm);
			ASSERT_EQ(0, round_runners(&rd));
		} else {
			ASSERT_EQ(0, ioctl(rd.vm, GUNYAH_VM_START));
			rd.vmid = gh_vmid(rd.vm);
			ASSERT_EQ(0, round_runners(&rd));
		}

		if (kind == REMOVE_UNDER_RUNNERS) {
			/* One asleep, one looping on MMIO exits */
			EXPECT_EQ(0, gh_remove_vcpu(rd.vm, 1));
			EXPECT_EQ(0, gh_remove_vcpu(rd.vm, 0));
		} else if (kind == DUP_CLOSED_ELSEWHERE) {
			pthread_t c;

			pthread_create(&c, NULL, close_fn, (void *)(long)dup(rd.vcpu[0]));
			pthread_join(c, NULL);
		}

		if (kind == FORKED_HOLDER) {
			int pipefd[2], status;
			char byte;
			pid_t pid;

			ASSERT_EQ(0, pipe(pipefd));
			pid = fork();
			ASSERT_LE(0, pid);
			if (!pid) {
				close(pipefd[1]);
				/* Holds a copy of every fd until the parent says */
				if (read(pipefd[0], &byte, 1) < 0)
					_exit(1);
				_exit(0);
			}
			close(pipefd[0]);
			round_close(&rd);
			for (i = 0; i < 2; i++)
				hung += runner_end(&rd.r[i]) != 0;
			close(pipefd[1]);	/* the child exits: last VM fd */
			ASSERT_EQ(pid, waitpid(pid, &status, 0));
		} else {
			round_close(&rd);
			for (i = 0; i < 2; i++)
				hung += runner_end(&rd.r[i]) != 0;
		}
		for (i = 0; i < 2; i++)
			if (rd.r[i].bad_errno) {
				bad++;
				TH_LOG("round %d kind %d: vCPU %d RUN failed: %s", rounds,
				       kind, i, strerror(rd.r[i].bad_errno));
			}
		ASSERT_EQ(0, hung) TH_LOG("round %d kind %d: a RUN never returned", rounds, kind);
		rounds++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < HAMMER_SECONDS && rounds < HAMMER_ROUNDS);

	EXPECT_EQ(0, bad);
	EXPECT_EQ(vms0, gh_sim_vms());
	EXPECT_EQ(fds0, count_fds());
	slab1 = sunreclaim_kb();
	EXPECT_GT(slab0 + SLAB_SLACK_KB, slab1)
		TH_LOG("unreclaimable slab %ld kB -> %ld kB", slab0, slab1);
	TH_LOG("%d rounds in %ld s; unreclaimable slab %ld kB -> %ld kB", rounds,
	       (long)(t.tv_sec - t0.tv_sec), slab0, slab1);
	gh_reclaim_stuck();
	close(rd.dev);
}

GH_REQUIRES(GH_REQ_DEBUGFS);

TEST_HARNESS_MAIN
