// SPDX-License-Identifier: GPL-2.0-only
/*
 * GUNYAH_VCPU_RUN with more than one thread: sleeping until a wake-up
 * (EXPECTS_WAKEUP) or a CPU_ON from another vCPU (POWERED_OFF), kicks
 * by immediate_exit and signals, closing and removing things a running
 * thread uses, and two threads on one vCPU.
 *
 * No test sleeps in place of synchronisation: a thread is known to be
 * asleep in the driver from /proc/self/task/<tid>/{stat,wchan}, and the
 * simulator's vcpu_run counter says when a run reached the hypervisor.
 * Where the order of two threads does not matter to the result (the sim
 * remembers an early wake-up or CPU_ON), not seeing the sleep is only
 * logged.
 */
#include <signal.h>

#include "kselftest_harness.h"
#include "vcpu_util.h"
#include "gh_requires.h"

static struct gunyah_vcpu_run *kick_run;
static volatile sig_atomic_t nr_signals;

static void count_handler(int sig)
{
	nr_signals++;
}

static void kick_handler(int sig)
{
	nr_signals++;
	kick_run->immediate_exit = 1;
}

static int install(void (*handler)(int), int flags)
{
	struct sigaction sa = { .sa_handler = handler, .sa_flags = flags };

	nr_signals = 0;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL);
}

/* Under each of the simulator's hypervisor profiles */
GH_PROFILE_FIXTURE(threads, 2);

#define VMID		(self->gv.vmid)
#define FD(n)		(self->gv.vcpu[n])
#define RUN(n)		(self->gv.run[n])

#define EXPECT_MMIO(_run, _addr, _write) do {				\
	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, (_run)->exit_reason);			\
	EXPECT_EQ(_addr, (_run)->mmio.phys_addr);				\
	EXPECT_EQ(_write, (_run)->mmio.is_write);				\
} while (0)

/* Start a runner on vCPU @n and wait until it sleeps in the driver */
#define START_ASLEEP(r, n) do {							\
	ASSERT_EQ(0, gh_runner_start(r, FD(n)));				\
	ASSERT_TRUE(gh_wait_asleep(atomic_load(&(r)->tid)))			\
		TH_LOG("vCPU %d runner never slept in the driver", n);		\
} while (0)

/* The same when the test is correct in either order */
#define START_MAYBE_ASLEEP(r, n) do {						\
	ASSERT_EQ(0, gh_runner_start(r, FD(n)));				\
	if (!gh_wait_asleep(atomic_load(&(r)->tid)))				\
		TH_LOG("vCPU %d runner not seen asleep", n);			\
} while (0)

/* The guest most tests run: it waits for a wake-up, then writes 3 to 0x30 */
#define WFI_PROGRAM "wfi\nmmio_write 0x30 4 3\n"

/* The simulator's wake-up for vCPU @n */
#define WAKE(n) ASSERT_EQ(0, gh_sim_write(VMID, n, "wakeup", "1\n"))

/*
 * SIGUSR1 goes to @handler (sigaction @flags), then runner @r sleeps in
 * WFI_PROGRAM on vCPU 0; @runs: the sim's runs by then
 */
#define SLEEP_IN_WFI(r, runs, handler, flags) do {				\
	ASSERT_EQ(0, install(handler, flags));					\
	ASSERT_EQ(0, gh_sim_load(VMID, 0, WFI_PROGRAM));			\
	START_ASLEEP(r, 0);							\
	(runs) = gh_sim_runs(VMID, 0);						\
} while (0)

/* SIGUSR1 to runner @r: its run ends in EINTR, the handler ran once */
#define KICK_EINTR(r) do {							\
	ASSERT_EQ(0, pthread_kill((r)->thread, SIGUSR1));			\
	ASSERT_EQ(0, pthread_join((r)->thread, NULL));				\
	EXPECT_EQ(-EINTR, (r)->ret);						\
	EXPECT_EQ(1, nr_signals);						\
} while (0)

/* The same, and the guest was not run again: it still waits */
#define KICK_EINTR_NOT_RUN(r, runs) do {					\
	KICK_EINTR(r);								\
	EXPECT_EQ(runs, gh_sim_runs(VMID, 0));					\
	GH_EXPECT_LOG(VMID, 0, "load 2\n");					\
} while (0)

/* vCPU 0 woke in WFI_PROGRAM and made its write */
#define EXPECT_WOKEN() do {							\
	EXPECT_MMIO(RUN(0), 0x30, 1);						\
	GH_EXPECT_LOG(VMID, 0, "load 2\nwakeup\n");				\
} while (0)

/* Wake vCPU 0 and run it here to WFI_PROGRAM's write */
#define WAKE_AND_RUN() do {							\
	WAKE(0);								\
	ASSERT_EQ(0, gh_run(FD(0)));						\
	EXPECT_WOKEN();								\
} while (0)

/* Wake vCPU 0: runner @r, asleep in WFI_PROGRAM, returns from the write */
#define WAKE_AND_JOIN(r) do {							\
	WAKE(0);								\
	ASSERT_EQ(0, pthread_join((r)->thread, NULL));				\
	EXPECT_EQ(0, (r)->ret);							\
	EXPECT_WOKEN();								\
} while (0)

static void sim_pending(struct gh_vm *gv, int vcpu, char *buf, size_t len)
{
	if (gh_sim_vcpu_field(gv->vmid, vcpu, "pending", buf, len))
		snprintf(buf, len, "?");
}

/* The Linux irq of vCPU @label's resource, from the VM's resources file */
static int vcpu_irq(int vmid, int label)
{
	char path[64], line[160];
	int l, irq, found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/gunyah/vm%d/resources", vmid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "type=vcpu label=%d capid=%*x irq=%d", &l, &irq) == 2 &&
		    l == label)
			found = irq;
	fclose(f);
	return found;
}

static const char *irq_wakeup(int irq, char *buf, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/kernel/irq/%d/wakeup", irq);
	if (gh_read_text(path, buf, len) <= 0)
		return "?";
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

/* --- wake-up interrupts --- */

/* A vCPU's wake-up irq may wake a suspended host while the vCPU holds it */
TEST_F(threads, wake_up_irq_wakes_the_host)
{
	char buf[32];
	int irq0, irq1;

	irq0 = vcpu_irq(VMID, 0);
	irq1 = vcpu_irq(VMID, 1);
	ASSERT_LT(0, irq0);
	ASSERT_LT(0, irq1);
	EXPECT_STREQ("enabled", irq_wakeup(irq0, buf, sizeof(buf)));
	EXPECT_STREQ("enabled", irq_wakeup(irq1, buf, sizeof(buf)));

	/* Its resource back on the VM, the irq stays mapped but not a wake source */
	ASSERT_EQ(0, gh_remove_vcpu(self->gv.vm, 1));
	EXPECT_STREQ("disabled", irq_wakeup(irq1, buf, sizeof(buf)));
	EXPECT_STREQ("enabled", irq_wakeup(irq0, buf, sizeof(buf)));
}

/* --- EXPECTS_WAKEUP --- */

GH_TEST_F(threads, expects_wakeup_then_wakeup)
{
	struct gh_runner r;
	char pending[32];

	ASSERT_EQ(0, gh_sim_load(VMID, 0, WFI_PROGRAM));
	START_ASLEEP(&r, 0);
	/* Asleep because the guest waits for its interrupt */
	sim_pending(&self->gv, 0, pending, sizeof(pending));
	EXPECT_STREQ("wfi", pending);
	EXPECT_EQ(1, gh_sim_runs(VMID, 0));
	GH_EXPECT_LOG(VMID, 0, "load 2\n");

	WAKE_AND_JOIN(&r);
	EXPECT_EQ(3, gh_mmio_data(RUN(0)));
}

GH_TEST_F(threads, wakeup_before_sleep_is_not_lost)
{
	ASSERT_EQ(0, gh_sim_load(VMID, 0, WFI_PROGRAM));
	WAKE_AND_RUN();
}

static int count_lines(const char *log, const char *line)
{
	size_t len = strlen(line);
	const char *p;
	int n = 0;

	for (p = log; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		if (!strncmp(p, line, len) && p[len] == '\n')
			n++;
	return n;
}

/* Wait until the guest logged @n wake-ups */
static bool wait_wakeups(int vmid, int n)
{
	char log[4096];
	int i;

	for (i = 0; i < GH_ASLEEP_BOUND_MS; i++) {
		if (gh_sim_log(vmid, 0, log, sizeof(log)) >= 0 &&
		    count_lines(log, "wakeup") >= n)
			return true;
		gh_poll_pause();
	}
	return false;
}

GH_TEST_F(threads, repeated_wakeups)
{
	struct gh_runner r;
	int i;

	ASSERT_EQ(0, gh_sim_load(VMID, 0, "wfi\nwfi\nwfi\nmmio_write 0x30 4 3\n"));
	ASSERT_EQ(0, gh_runner_start(&r, FD(0)));
	for (i = 0; i < 3; i++) {
		if (!gh_wait_asleep(atomic_load(&r.tid)))
			TH_LOG("runner not seen asleep before wake-up %d", i);
		WAKE(0);
		/* The next wake-up only once the guest took this one */
		ASSERT_TRUE(wait_wakeups(VMID, i + 1));
	}
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	ASSERT_EQ(0, r.ret);
	EXPECT_MMIO(RUN(0), 0x30, 1);
	GH_EXPECT_LOG(VMID, 0, "load 4\nwakeup\nwakeup\nwakeup\n");
}

/* --- POWERED_OFF with the VM alive, then CPU_ON --- */

GH_TEST_F(threads, powered_off_then_cpu_on)
{
	struct gh_runner r;
	char power[32];

	ASSERT_EQ(0, gh_sim_load(VMID, 1, "cpu_off\nmmio_read 0x10 4\n"));
	START_ASLEEP(&r, 1);
	ASSERT_EQ(0, gh_sim_vcpu_field(VMID, 1, "power", power, sizeof(power)));
	EXPECT_STREQ("off", power);
	GH_EXPECT_LOG(VMID, 1, "load 2\ncpu_off\n");

	ASSERT_EQ(0, gh_sim_load(VMID, 0, "cpu_on 1\nmmio_write 0x20 4 1\n"));
	ASSERT_EQ(0, gh_run(FD(0)));
	EXPECT_MMIO(RUN(0), 0x20, 1);
	GH_EXPECT_LOG(VMID, 0, "load 2\ncpu_on 1 ok\n");

	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	ASSERT_EQ(0, r.ret);
	EXPECT_MMIO(RUN(1), 0x10, 0);
	GH_EXPECT_LOG(VMID, 1, "load 2\ncpu_off\npowered_on by 0\n");
}

GH_TEST_F(threads, cpu_on_before_cpu_off)
{
	ASSERT_EQ(0, gh_sim_load(VMID, 1, "cpu_off\nmmio_read 0x10 4\n"));
	ASSERT_EQ(0, gh_sim_load(VMID, 0, "cpu_on 1\nmmio_write 0x20 4 1\n"));
	ASSERT_EQ(0, gh_run(FD(0)));
	EXPECT_MMIO(RUN(0), 0x20, 1);
	/* vCPU 1 powers off with a CPU_ON pending: it goes straight on */
	ASSERT_EQ(0, gh_run(FD(1)));
	EXPECT_MMIO(RUN(1), 0x10, 0);
	GH_EXPECT_LOG(VMID, 0, "load 2\ncpu_on 1 ok\n");
	GH_EXPECT_LOG(VMID, 1, "load 2\ncpu_off\npowered_on by 0\n");
}

/* --- kicks: immediate_exit and signals --- */

GH_TEST_F(threads, immediate_exit_from_signal_handler_while_sleeping)
{
	struct gh_runner r;
	long runs;

	kick_run = RUN(0);
	/* SA_RESTART: only immediate_exit keeps the run from restarting */
	SLEEP_IN_WFI(&r, runs, kick_handler, SA_RESTART);

	/* Not restarted, and the guest is still waiting */
	KICK_EINTR_NOT_RUN(&r, runs);
	EXPECT_EQ(1, RUN(0)->immediate_exit);

	RUN(0)->immediate_exit = 0;
	WAKE_AND_RUN();
}

GH_TEST_F(threads, signal_while_sleeping_sa_restart)
{
	struct gh_runner r;
	long runs;

	SLEEP_IN_WFI(&r, runs, count_handler, SA_RESTART);
	ASSERT_LT(0, runs);

	ASSERT_EQ(0, pthread_kill(r.thread, SIGUSR1));
	/* The ioctl restarts: the guest is run again, and waits again */
	ASSERT_LT(runs, gh_wait_runs_above(VMID, 0, runs));
	ASSERT_TRUE(gh_wait_asleep(atomic_load(&r.tid)));
	EXPECT_FALSE(atomic_load(&r.done));
	EXPECT_EQ(1, nr_signals);

	WAKE_AND_JOIN(&r);
}

GH_TEST_F(threads, signal_while_sleeping_no_restart)
{
	struct gh_runner r;
	long runs;

	SLEEP_IN_WFI(&r, runs, count_handler, 0);

	KICK_EINTR_NOT_RUN(&r, runs);
	EXPECT_EQ(0, RUN(0)->immediate_exit);

	/* The vCPU is intact: run it on */
	WAKE_AND_RUN();
}

/* The KVM-style kick: set immediate_exit, then signal the sleeping thread */
GH_TEST_F(threads, immediate_exit_then_signal_while_sleeping)
{
	struct gh_runner r;
	long runs;

	SLEEP_IN_WFI(&r, runs, count_handler, SA_RESTART);

	/* The flag alone does not wake a sleeper: it is read before runs */
	RUN(0)->immediate_exit = 1;
	EXPECT_TRUE(gh_thread_asleep(atomic_load(&r.tid)));
	/* EINTR despite SA_RESTART, and the guest was not run again */
	KICK_EINTR_NOT_RUN(&r, runs);
}

/* A thread waiting for another's run to finish can be interrupted */
GH_TEST_F(threads, signal_while_waiting_for_run_lock)
{
	struct gh_runner a, b;

	ASSERT_EQ(0, install(count_handler, 0));
	ASSERT_EQ(0, gh_sim_load(VMID, 0, WFI_PROGRAM));
	START_ASLEEP(&a, 0);
	START_ASLEEP(&b, 0);
	ASSERT_EQ(1, gh_sim_runs(VMID, 0));
	/* a sleeps in the guest holding the vCPU; b waits for it */
	ASSERT_EQ(0, pthread_kill(b.thread, SIGUSR1));
	ASSERT_EQ(0, pthread_join(b.thread, NULL));
	EXPECT_EQ(-EINTR, b.ret);
	/* The one in the guest sleeps on, undisturbed */
	EXPECT_TRUE(gh_thread_asleep(atomic_load(&a.tid)));
	EXPECT_EQ(1, gh_sim_runs(VMID, 0));

	WAKE_AND_JOIN(&a);
}

/* A guest that never exits: the host's time slices end each hypercall */
GH_TEST_F(threads, busy_guest_kicked_by_immediate_exit)
{
	struct gh_runner r;

	ASSERT_EQ(0, gh_sim_load(VMID, 0, "loop\n"));
	ASSERT_EQ(0, gh_runner_start(&r, FD(0)));
	/* Several READY returns prove it is looping in the kernel */
	ASSERT_LT(3, gh_wait_runs_above(VMID, 0, 3));
	RUN(0)->immediate_exit = 1;
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	EXPECT_EQ(-EINTR, r.ret);
	GH_EXPECT_LOG(VMID, 0, "load 1\n");

	RUN(0)->immediate_exit = 0;
	ASSERT_EQ(0, gh_sim_load(VMID, 0, "mmio_write 0x50 4 5\n"));
	ASSERT_EQ(0, gh_run(FD(0)));
	EXPECT_MMIO(RUN(0), 0x50, 1);
}

GH_TEST_F(threads, busy_guest_interrupted_by_signal)
{
	struct gh_runner r;

	ASSERT_EQ(0, install(count_handler, 0));
	ASSERT_EQ(0, gh_sim_load(VMID, 0, "loop\n"));
	ASSERT_EQ(0, gh_runner_start(&r, FD(0)));
	ASSERT_LT(3, gh_wait_runs_above(VMID, 0, 3));
	KICK_EINTR(&r);
}

/* --- closing and removing what a running thread uses --- */

GH_TEST_F(threads, close_vm_fd_while_vcpu_runs)
{
	struct gh_runner r;
	long vms;

	vms = gh_sim_vms();
	ASSERT_LT(0, vms);
	ASSERT_EQ(0, gh_sim_load(VMID, 0,
				 "wfi\nmmio_write 0x30 4 3\nwfi\nmmio_write 0x40 4 4\n"));
	START_ASLEEP(&r, 0);

	ASSERT_EQ(0, close(self->gv.vm));
	self->gv.vm = -1;
	/* The vCPU holds the VM: it stays, and the thread sleeps on */
	EXPECT_EQ(vms, gh_sim_vms());
	EXPECT_TRUE(gh_thread_asleep(atomic_load(&r.tid)));

	WAKE(0);
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	ASSERT_EQ(0, r.ret);
	EXPECT_MMIO(RUN(0), 0x30, 1);

	/* And keeps running without its VM fd */
	START_ASLEEP(&r, 0);
	WAKE(0);
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	ASSERT_EQ(0, r.ret);
	EXPECT_MMIO(RUN(0), 0x40, 1);
	GH_EXPECT_LOG(VMID, 0, "load 4\nwakeup\nwrite 0x30 4 0x3\nwakeup\n");

	/* The last vCPU reference (fd and mapping) takes the VM down */
	ASSERT_EQ(0, close(FD(1)));
	self->gv.vcpu[1] = -1;
	ASSERT_EQ(0, munmap(RUN(1), gh_page_size()));
	self->gv.run[1] = NULL;
	ASSERT_EQ(0, close(FD(0)));
	self->gv.vcpu[0] = -1;
	EXPECT_EQ(vms, gh_sim_vms());
	ASSERT_EQ(0, munmap(RUN(0), gh_page_size()));
	self->gv.run[0] = NULL;
	EXPECT_EQ(vms - 1, gh_sim_vms());
}

GH_TEST_F(threads, close_vcpu_fd_while_other_thread_runs)
{
	struct gh_runner r;
	int fd = FD(0);

	ASSERT_EQ(0, gh_sim_load(VMID, 0, WFI_PROGRAM));
	START_ASLEEP(&r, 0);

	ASSERT_EQ(0, close(fd));
	self->gv.vcpu[0] = -1;
	/* The running ioctl holds the file: the thread sleeps on */
	EXPECT_TRUE(gh_thread_asleep(atomic_load(&r.tid)));
	EXPECT_FALSE(atomic_load(&r.done));

	/* The mapping outlives the fd and shows the exit */
	WAKE_AND_JOIN(&r);
	EXPECT_EQ(3, gh_mmio_data(RUN(0)));
	GH_EXPECT_ERRNO(EBADF, ioctl(fd, GUNYAH_VCPU_RUN, 0));
	/* Closing the fd did not remove the function: id 0 is still taken */
	GH_EXPECT_ERRNO(EEXIST, gh_add_vcpu(self->gv.vm, 0));
}

GH_TEST_F(threads, two_threads_run_same_vcpu)
{
	struct gh_runner a, b;

	ASSERT_EQ(0, gh_sim_load(VMID, 0,
				 "wfi\nmmio_write 0x10 4 1\nmmio_write 0x20 4 2\n"));
	START_ASLEEP(&a, 0);
	START_ASLEEP(&b, 0);
	/* Only one of them reached the hypervisor; the other waits its turn */
	EXPECT_EQ(1, gh_sim_runs(VMID, 0));

	WAKE(0);
	ASSERT_EQ(0, pthread_join(a.thread, NULL));
	ASSERT_EQ(0, pthread_join(b.thread, NULL));
	EXPECT_EQ(0, a.ret);
	EXPECT_EQ(0, b.ret);
	/* One took the first exit, the other resumed it and took the second */
	EXPECT_MMIO(RUN(0), 0x20, 1);
	EXPECT_EQ(2, gh_mmio_data(RUN(0)));
	EXPECT_EQ(3, gh_sim_runs(VMID, 0));
	GH_EXPECT_LOG(VMID, 0, "load 3\nwakeup\nwrite 0x10 4 0x1\n");
}

GH_TEST_F(threads, remove_while_running_then_readd)
{
	struct gunyah_vcpu_run *run;
	struct gh_runner r;
	int fd;

	ASSERT_EQ(0, gh_sim_load(VMID, 0, WFI_PROGRAM));
	START_ASLEEP(&r, 0);

	/* Returns once the runner has let go of the vCPU */
	ASSERT_EQ(0, gh_remove_vcpu(self->gv.vm, 0));
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	EXPECT_EQ(-ENODEV, r.ret);
	/* The page was not used to kick the runner */
	EXPECT_EQ(0, RUN(0)->immediate_exit);
	EXPECT_EQ(-ENODEV, gh_run(FD(0)));
	GH_EXPECT_LOG(VMID, 0, "load 2\n");

	/* Re-added, the id gets the VM's vCPU back and runs */
	fd = gh_add_vcpu(self->gv.vm, 0);
	ASSERT_LE(0, fd) TH_LOG("re-add: %s", strerror(errno));
	run = gh_map_run(fd);
	ASSERT_NE(NULL, run);
	WAKE(0);
	ASSERT_EQ(0, gh_run(fd));
	EXPECT_MMIO(run, 0x30, 1);
	GH_EXPECT_LOG(VMID, 0, "load 2\nwakeup\n");
	EXPECT_EQ(-ENODEV, gh_run(FD(0)));
	munmap(run, gh_page_size());
	close(fd);
}

GH_REQUIRES(GH_REQ_DEBUGFS);

TEST_HARNESS_MAIN
