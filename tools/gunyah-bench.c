// SPDX-License-Identifier: GPL-2.0-only
/*
 * gunyah-bench: what a guest exit, a wake-up and a vCPU cost, each next to
 * a baseline measured by the same thread in the same run. Not a test: it
 * prints a table and writes JSON, and never judges a figure.
 *
 *   gunyah-bench [-r REPS] [-t MS] [-w SAMPLES] [-j FILE]
 *   gunyah-bench -p N -T /sys/kernel/tracing/tracing_on   (profile_exits())
 *
 * Runs on the simulated platform (gunyah_sim.ko), as root:
 *   null ioctl       GUNYAH_VCPU_MMAP_SIZE on a vCPU fd (the syscall floor)
 *   mmio_read/write  "mmio_read ADDR 4\nloop": one exit per GUNYAH_VCPU_RUN
 *   page_fault       "page_fault ADDR r\nloop", resumed with FAULT
 *   ready            N "yield" lines then an mmio_read: N READY returns go
 *                    round the kernel's loop; per READY = (ioctl - mmio
 *                    exit) / N, and the sim's vcpu_run counter checks N+1
 *                    hypercalls per ioctl
 *   wakeup           "wfi\nmmio_write ..\nloop": another thread writes the
 *                    wakeup file once the runner sleeps; latency = the
 *                    write's start to the run ioctl's return, next to a
 *                    pipe write to a sleeping reader's return
 *   split            the simulator's bench mode (vmN/bench_exit: vcpu_run
 *                    is a fixed MMIO read exit, no lock, log or program
 *                    step): the exit round trip, the backend's vcpu_run
 *                    timed alone in the kernel (vmN/bench_backend), and
 *                    the driver's share = round trip - null ioctl - backend
 *   scaling          1, 2, 4, 8 vCPUs each looping on mmio_read in its own
 *                    thread: aggregate exits/s and the ratio to 1 vCPU; in
 *                    bench mode 1..16 vCPUs, alone and beside 64 idle
 *                    started VMs of 8 vCPUs
 *   lifecycle        create, add N vCPUs, start, tear down (until the RM
 *                    has freed the VM) for N = 1, 8, 64, with the RM
 *                    round trips it took
 *   memory           /proc/meminfo and /proc/slabinfo around adding 64 vCPUs
 *                    (and around starting that VM), per vCPU
 * Each figure is the median of REPS repetitions with min, max and IQR. The
 * single-thread rows run pinned to CPU 0, and each of their repetitions
 * alternates figure and baseline in SLICES slices (time_interleaved()).
 * HOST_LOADAVG in the environment (set by scripts/bench.sh) is recorded.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "gunyah_util.h"

#define NR_VCPUS_PARAM	"/sys/module/gunyah_sim/parameters/nr_vcpus"
#define MAX_REPS	31
#define MAX_VCPUS	64
#define MEM_VMS		4	/* VMs of 64 vCPUs: 256 vCPUs per repetition */
#define MEM_VCPUS	64
#define MEM_TOTAL	(MEM_VMS * MEM_VCPUS)
#define READY_YIELDS	32
#define SLICES		8	/* interleaved slices of one repetition */
#define MAX_ROWS	96
#define MAX_SLABS	64

#define PROG_MMIO_READ	"mmio_read 0x09001000 4\nloop\n"
#define PROG_MMIO_WRITE	"mmio_write 0x09000000 4 0x1\nloop\n"
#define PROG_PF		"page_fault 0x80000000 r\nloop\n"
#define PROG_WAKE	"wfi\nmmio_write 0x09000000 4 0x1\nloop\n"
#define BENCH_EXIT	"0x09001000"	/* bench mode's fixed MMIO read */
#define MAX_SCALE	16	/* vCPUs in the largest scaling row */
#define IDLE_VMS	64	/* ... and the idle VMs around it */
#define IDLE_VCPUS	8

static int reps = 7, target_ms = 100, wake_samples = 100;
static int dev_fd;
static char kernel[65];

static void die(const char *what)
{
	fprintf(stderr, "gunyah-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- statistics ---- */

struct stats {
	double med, min, max, q1, q3;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double quantile(const double *sorted, int n, double q)
{
	double pos = q * (n - 1);
	int i = (int)pos;

	if (i + 1 >= n)
		return sorted[n - 1];
	return sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]);
}

static struct stats stats_of(const double *v, int n)
{
	double s[1024];
	struct stats st = { 0 };

	if (n <= 0)
		return st;
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	st.med = quantile(s, n, 0.5);
	st.q1 = quantile(s, n, 0.25);
	st.q3 = quantile(s, n, 0.75);
	st.min = s[0];
	st.max = s[n - 1];
	return st;
}

static double median_of(const double *v, int n)
{
	return stats_of(v, n).med;
}

/* ---- result rows: a figure per repetition, maybe with its baseline ---- */

struct row {
	const char *group;
	char name[64];
	const char *unit;	/* "ns", "exits/s", "bytes" */
	double v[MAX_REPS];
	const char *base_name;	/* NULL: no baseline */
	double base[MAX_REPS];
	double extra;		/* e.g. hypercalls per ioctl; 0: none */
	const char *extra_name;
};

static struct row rows[MAX_ROWS];
static int nr_rows;

static struct row *new_row(const char *group, const char *name,
			   const char *unit, const char *base_name)
{
	struct row *r = &rows[nr_rows++];

	if (nr_rows > MAX_ROWS) {
		fprintf(stderr, "gunyah-bench: too many rows\n");
		exit(1);
	}
	r->group = group;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->unit = unit;
	r->base_name = base_name;
	return r;
}

/* ---- the simulated platform ---- */

static void write_str(const char *path, const char *s)
{
	if (gh_write_str(path, s))
		die(path);
}

static void set_nr_vcpus(int n)
{
	char s[16];

	snprintf(s, sizeof(s), "%d", n);
	write_str(NR_VCPUS_PARAM, s);
}

struct bvcpu {
	int fd;
	struct gunyah_vcpu_run *run;
	long exits;
};

struct bvm {
	int fd, vmid, n;
	struct bvcpu v[MAX_VCPUS];
};

/* A started VM of @n vCPUs; @progs[i] (NULL: none) loaded into vCPU i */
static void vm_create(struct bvm *vm, int n, const char *const *progs)
{
	int i;

	set_nr_vcpus(n);
	vm->n = n;
	vm->fd = gh_create_vm(dev_fd);
	if (vm->fd < 0)
		die("GUNYAH_CREATE_VM");
	for (i = 0; i < n; i++) {
		vm->v[i].fd = gh_add_vcpu(vm->fd, i);
		if (vm->v[i].fd < 0)
			die("GUNYAH_VM_ADD_FUNCTION");
		vm->v[i].run = gh_map_run(vm->v[i].fd);
		if (!vm->v[i].run)
			die("mmap");
		vm->v[i].exits = 0;
	}
	if (ioctl(vm->fd, GUNYAH_VM_START))
		die("GUNYAH_VM_START");
	vm->vmid = gh_vmid(vm->fd);
	if (vm->vmid < 0) {
		fprintf(stderr, "gunyah-bench: no vmid in fdinfo\n");
		exit(1);
	}
	for (i = 0; i < n && progs; i++) {
		if (progs[i] && gh_sim_load(vm->vmid, i, progs[i])) {
			fprintf(stderr, "gunyah-bench: cannot load vm%d/vcpu%d\n",
				vm->vmid, i);
			exit(1);
		}
	}
}

static void vm_destroy(struct bvm *vm)
{
	int i;

	for (i = 0; i < vm->n; i++) {
		munmap(vm->v[i].run, (size_t)sysconf(_SC_PAGESIZE));
		close(vm->v[i].fd);
	}
	close(vm->fd);
}

/* The sim's count of vcpu_run hypercalls for one vCPU ("runs N") */
static long sim_runs(int vmid, int vcpu)
{
	char path[128], buf[4096], key[16], *p;

	snprintf(path, sizeof(path), SIM_DEBUGFS "/vm%d/status", vmid);
	if (gh_read_text(path, buf, sizeof(buf)) < 0)
		return -1;
	snprintf(key, sizeof(key), "vcpu%d:", vcpu);
	p = strstr(buf, key);
	p = p ? strstr(p, " runs ") : NULL;
	return p ? atol(p + 6) : -1;
}

/* A "key: N" line of the simulator's rm_stats */
static long rm_stat(const char *key)
{
	char buf[4096], k[64], *p;

	if (gh_read_text(SIM_DEBUGFS "/rm_stats", buf, sizeof(buf)) < 0)
		die(SIM_DEBUGFS "/rm_stats");
	snprintf(k, sizeof(k), "\n%s: ", key);
	p = strstr(buf, k);
	if (!p && !strncmp(buf, k + 1, strlen(k + 1)))
		p = buf - 1;
	if (!p) {
		fprintf(stderr, "gunyah-bench: no %s in rm_stats\n", key);
		exit(1);
	}
	return atol(p + strlen(k));
}

/* The simulator's bench mode for every vCPU of VM @vmid, or off */
static void set_bench_mode(int vmid, int on)
{
	char path[128];

	snprintf(path, sizeof(path), SIM_DEBUGFS "/vm%d/bench_exit", vmid);
	write_str(path, on ? BENCH_EXIT : "0");
}

/* ns per call of the backend's vcpu_run alone, @calls calls in the kernel */
static double time_backend(int vmid, long calls)
{
	char path[128], buf[128], n[32];
	unsigned long long c, ns;

	snprintf(path, sizeof(path), SIM_DEBUGFS "/vm%d/bench_backend", vmid);
	snprintf(n, sizeof(n), "%ld", calls);
	write_str(path, n);
	if (gh_read_text(path, buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "calls %llu ns %llu", &c, &ns) != 2 || !c) {
		fprintf(stderr, "gunyah-bench: %s: '%s'\n", path, buf);
		exit(1);
	}
	return (double)ns / c;
}

/* One GUNYAH_VCPU_RUN that must end in an MMIO or page-fault exit */
static void run_once(struct bvcpu *v)
{
	static const uint32_t val = 0x5a5a5a5a;

	while (ioctl(v->fd, GUNYAH_VCPU_RUN, 0)) {
		if (errno != EINTR)
			die("GUNYAH_VCPU_RUN");
	}
	switch (v->run->exit_reason) {
	case GUNYAH_VCPU_EXIT_MMIO:
		if (!v->run->mmio.is_write)
			memcpy(v->run->mmio.data, &val, sizeof(val));
		break;
	case GUNYAH_VCPU_EXIT_PAGE_FAULT:
		break;	/* resume_action is preset to FAULT */
	default:
		fprintf(stderr, "gunyah-bench: unexpected exit %u\n",
			v->run->exit_reason);
		exit(1);
	}
	v->exits++;
}

static double time_runs(struct bvcpu *v, long iters)
{
	uint64_t t0 = now_ns();
	long i;

	for (i = 0; i < iters; i++)
		run_once(v);
	return (double)(now_ns() - t0) / iters;
}

static double time_null(struct bvcpu *v, long iters)
{
	uint64_t t0 = now_ns();
	long i;

	for (i = 0; i < iters; i++) {
		if (ioctl(v->fd, GUNYAH_VCPU_MMAP_SIZE) <= 0)
			die("GUNYAH_VCPU_MMAP_SIZE");
	}
	return (double)(now_ns() - t0) / iters;
}

/* Iterations for about target_ms of work at @ns each */
static long iters_for(double ns)
{
	double n = target_ms * 1e6 / (ns > 1 ? ns : 1);

	return n < 50 ? 50 : n > 5000000 ? 5000000 : (long)n;
}

/* ---- exit round trips, each next to the null ioctl ---- */

/*
 * One repetition of a figure and its null-ioctl baseline, in SLICES
 * alternating slices rather than one block each: under TCG a guest runs
 * in fast and slow phases of tens of milliseconds, and a ratio of two
 * blocks taken in different phases is noise. With @vmid >= 0 the
 * backend's own cost is sliced in as well (@be).
 */
static void time_interleaved(struct bvcpu *v, long it_null, long it_run,
			     int vmid, long it_be, double *null_ns,
			     double *run_ns, double *be)
{
	int s;

	*null_ns = *run_ns = 0;
	if (be)
		*be = 0;
	for (s = 0; s < SLICES; s++) {
		*null_ns += time_null(v, it_null / SLICES + 1) / SLICES;
		*run_ns += time_runs(v, it_run / SLICES + 1) / SLICES;
		if (be)
			*be += time_backend(vmid, it_be / SLICES + 1) / SLICES;
	}
}

/*
 * The single-thread rows run on one guest CPU: a migration to the other
 * costs TCG a cold soft TLB, and the baseline then differs from the figure.
 */
static void pin_to_cpu0(int on)
{
	static cpu_set_t saved;
	static int have_saved;
	cpu_set_t one;

	if (on) {
		have_saved = !sched_getaffinity(0, sizeof(saved), &saved);
		CPU_ZERO(&one);
		CPU_SET(0, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			die("sched_setaffinity");
	} else if (have_saved && sched_setaffinity(0, sizeof(saved), &saved)) {
		die("sched_setaffinity");
	}
}

static void bench_exit(const char *name, const char *prog)
{
	struct row *r = new_row("exit", name, "ns", "null ioctl");
	const char *progs[1] = { prog };
	long it_run, it_null;
	struct bvm vm;
	int i;

	vm_create(&vm, 1, progs);
	/* warm up and calibrate */
	it_run = iters_for(time_runs(&vm.v[0], 200));
	it_null = iters_for(time_null(&vm.v[0], 2000));
	for (i = 0; i < reps; i++)
		time_interleaved(&vm.v[0], it_null, it_run, -1, 0, &r->base[i],
				 &r->v[i], NULL);
	vm_destroy(&vm);
}

/*
 * The exit's cost split: in bench mode the simulator's part is one
 * lookup, so round trip - null ioctl - backend is what the driver costs
 * between the ioctl's entry and the hypercall and back.
 */
static void bench_split(void)
{
	struct row *rt = new_row("split", "exit round trip, bench mode", "ns",
				 "null ioctl");
	struct row *be = new_row("split", "backend vcpu_run alone", "ns",
				 "null ioctl");
	struct row *dr = new_row("split", "driver share", "ns", "null ioctl");
	const char *progs[1] = { PROG_MMIO_READ };
	long it_run, it_null, it_be;
	struct bvm vm;
	int i;

	vm_create(&vm, 1, progs);
	set_bench_mode(vm.vmid, 1);
	it_run = iters_for(time_runs(&vm.v[0], 200));
	it_null = iters_for(time_null(&vm.v[0], 2000));
	it_be = iters_for(time_backend(vm.vmid, 2000));
	for (i = 0; i < reps; i++) {
		time_interleaved(&vm.v[0], it_null, it_run, vm.vmid, it_be,
				 &rt->base[i], &rt->v[i], &be->v[i]);
		be->base[i] = rt->base[i];
		dr->v[i] = rt->v[i] - rt->base[i] - be->v[i];
		dr->base[i] = rt->base[i];
	}
	set_bench_mode(vm.vmid, 0);
	vm_destroy(&vm);
}

/*
 * -p N: what ftrace's function_graph profile of the exit path sees (make
 * bench PROFILE=1): N null ioctls and N bench-mode exits on one vCPU,
 * with tracing on (@tracing_on) around them and nothing else.
 */
static void profile_exits(long n, const char *tracing_on)
{
	const char *progs[1] = { PROG_MMIO_READ };
	struct bvm vm;

	vm_create(&vm, 1, progs);
	set_bench_mode(vm.vmid, 1);
	pin_to_cpu0(1);
	time_runs(&vm.v[0], 1000);	/* warm */
	time_null(&vm.v[0], 1000);
	write_str(tracing_on, "1");
	time_null(&vm.v[0], n);
	time_runs(&vm.v[0], n);
	write_str(tracing_on, "0");
	pin_to_cpu0(0);
	set_bench_mode(vm.vmid, 0);
	vm_destroy(&vm);
	printf("gunyah-bench: traced %ld null ioctls and %ld bench-mode exits\n", n, n);
}

/* READY returns: N yields then one MMIO exit, against the MMIO exit alone */
static void bench_ready(void)
{
	struct row *r = new_row("exit", "ready return (in-kernel loop)", "ns",
				"null ioctl");
	struct row *m = new_row("exit", "ready ioctl (32 READY + 1 mmio)", "ns",
				"null ioctl");
	static char prog[READY_YIELDS * 6 + 64];
	const char *progs[2] = { prog, PROG_MMIO_READ };
	long it_y, it_m, it_null, runs0, runs1;
	uint64_t ioctls0;
	struct bvm vm;
	int i;

	prog[0] = '\0';
	for (i = 0; i < READY_YIELDS; i++)
		strcat(prog, "yield\n");
	strcat(prog, "mmio_read 0x09001000 4\nloop\n");

	vm_create(&vm, 2, progs);
	it_y = iters_for(time_runs(&vm.v[0], 50));
	it_m = iters_for(time_runs(&vm.v[1], 200));
	it_null = iters_for(time_null(&vm.v[0], 2000));
	runs0 = sim_runs(vm.vmid, 0);
	ioctls0 = vm.v[0].exits;
	for (i = 0; i < reps; i++) {
		double tm, ty;

		r->base[i] = time_null(&vm.v[0], it_null);
		m->base[i] = r->base[i];
		tm = time_runs(&vm.v[1], it_m);
		ty = time_runs(&vm.v[0], it_y);
		m->v[i] = ty;
		r->v[i] = (ty - tm) / READY_YIELDS;
	}
	runs1 = sim_runs(vm.vmid, 0);
	if (runs0 >= 0 && runs1 >= 0 && vm.v[0].exits > (long)ioctls0) {
		m->extra = (double)(runs1 - runs0) / (vm.v[0].exits - ioctls0);
		m->extra_name = "hypercalls per ioctl";
	}
	vm_destroy(&vm);
}

/* ---- wake-up latency, next to a pipe between two threads ---- */

struct waker {
	int tid;
	int armed, done;	/* sample numbers, 1-based */
	uint64_t t1;
	struct bvcpu *v;	/* NULL: the pipe baseline */
	int pipe_rd;
	int samples;
};

static void *sleeper_thread(void *arg)
{
	struct waker *w = arg;
	char c;
	int i;

	__atomic_store_n(&w->tid, (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
	for (i = 1; i <= w->samples; i++) {
		__atomic_store_n(&w->armed, i, __ATOMIC_RELEASE);
		if (w->v) {
			run_once(w->v);
			if (!w->v->run->mmio.is_write) {
				fprintf(stderr, "gunyah-bench: wake-up: expected the write\n");
				exit(1);
			}
		} else if (read(w->pipe_rd, &c, 1) != 1) {
			die("pipe read");
		}
		w->t1 = now_ns();
		__atomic_store_n(&w->done, i, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* Spin until thread @tid sleeps (state S in its stat) */
static void wait_sleeping(int tid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	for (;;) {
		if (gh_read_text(path, buf, sizeof(buf)) <= 0)
			die(path);
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'S')
			return;
	}
}

/* Median latency in ns of @samples wake-ups through @wake_fd */
static double wake_round(struct bvcpu *v, int wake_fd, int pipe_rd)
{
	static double lat[1024];
	struct waker w = { .v = v, .pipe_rd = pipe_rd, .samples = wake_samples };
	pthread_t th;
	int i, tid;

	pthread_create(&th, NULL, sleeper_thread, &w);
	while (!(tid = __atomic_load_n(&w.tid, __ATOMIC_ACQUIRE)))
		;
	for (i = 1; i <= wake_samples; i++) {
		uint64_t t0;

		while (__atomic_load_n(&w.armed, __ATOMIC_ACQUIRE) != i)
			;
		wait_sleeping(tid);
		t0 = now_ns();
		if (write(wake_fd, "1", 1) != 1)
			die("wake-up write");
		while (__atomic_load_n(&w.done, __ATOMIC_ACQUIRE) != i)
			;
		lat[i - 1] = (double)(w.t1 - t0);
	}
	pthread_join(th, NULL);
	return median_of(lat, wake_samples);
}

static void bench_wakeup(void)
{
	struct row *r = new_row("wakeup", "wake-up to run ioctl return", "ns",
				"pipe wake-up");
	const char *progs[1] = { PROG_WAKE };
	char path[128];
	int i, wake_fd, p[2];
	struct bvm vm;

	vm_create(&vm, 1, progs);
	gh_sim_path(path, sizeof(path), vm.vmid, 0, "wakeup");
	wake_fd = open(path, O_WRONLY);
	if (wake_fd < 0 || pipe(p))
		die(path);
	for (i = 0; i < reps; i++) {
		r->v[i] = wake_round(&vm.v[0], wake_fd, -1);
		r->base[i] = wake_round(NULL, p[1], p[0]);
	}
	close(p[0]);
	close(p[1]);
	close(wake_fd);
	vm_destroy(&vm);
}

/* ---- scaling: N vCPUs, each in its own thread ---- */

struct scaler {
	struct bvcpu *v;
	pthread_barrier_t *bar;
	int *stop;
	double rate;
};

static void *scale_thread(void *arg)
{
	struct scaler *s = arg;
	uint64_t t0;
	long n = 0;

	pthread_barrier_wait(s->bar);
	t0 = now_ns();
	while (!__atomic_load_n(s->stop, __ATOMIC_ACQUIRE)) {
		run_once(s->v);
		n++;
	}
	s->rate = n * 1e9 / (double)(now_ns() - t0);
	return NULL;
}

/* Aggregate exits/s of @n threads, one per vCPU, for 2 * target_ms */
static double scale_round(int n, int bench)
{
	const char *progs[MAX_SCALE];
	struct scaler s[MAX_SCALE];
	struct timespec d = { .tv_sec = target_ms * 2 / 1000,
			      .tv_nsec = (target_ms * 2 % 1000) * 1000000L };
	pthread_t th[MAX_SCALE];
	pthread_barrier_t bar;
	int k, stop = 0;
	struct bvm vm;
	double sum = 0;

	for (k = 0; k < MAX_SCALE; k++)
		progs[k] = PROG_MMIO_READ;
	vm_create(&vm, n, progs);
	if (bench)
		set_bench_mode(vm.vmid, 1);
	for (k = 0; k < n; k++)
		run_once(&vm.v[k]);	/* warm */
	pthread_barrier_init(&bar, NULL, n + 1);
	for (k = 0; k < n; k++) {
		s[k] = (struct scaler){ &vm.v[k], &bar, &stop, 0 };
		pthread_create(&th[k], NULL, scale_thread, &s[k]);
	}
	pthread_barrier_wait(&bar);
	nanosleep(&d, NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (k = 0; k < n; k++) {
		pthread_join(th[k], NULL);
		sum += s[k].rate;
	}
	pthread_barrier_destroy(&bar);
	vm_destroy(&vm);
	return sum;
}

/*
 * 1..@nc vCPU counts, each row against the 1-vCPU figure of the same
 * repetition; @bench: in the simulator's bench mode; @idle: beside
 * IDLE_VMS started VMs of IDLE_VCPUS vCPUs that never run.
 */
static void bench_scaling(const char *group, const int *counts, int nc,
			  int bench, int idle)
{
	struct bvm *idle_vms = NULL;
	struct row *r[8];
	int c, i;

	for (c = 0; c < nc; c++) {
		char name[64];

		snprintf(name, sizeof(name), "%d vCPU%s, aggregate", counts[c],
			 counts[c] > 1 ? "s" : "");
		r[c] = new_row(group, name, "exits/s", "1 vCPU");
	}
	if (idle) {
		idle_vms = calloc(IDLE_VMS, sizeof(*idle_vms));
		if (!idle_vms)
			die("calloc");
		for (i = 0; i < IDLE_VMS; i++)
			vm_create(&idle_vms[i], IDLE_VCPUS, NULL);
	}
	/*
	 * Each figure right after its own 1-vCPU baseline, so that both
	 * fall in the same phase of the TCG guest (see time_interleaved())
	 */
	for (i = 0; i < reps; i++) {
		for (c = 0; c < nc; c++) {
			r[c]->base[i] = scale_round(1, bench);
			r[c]->v[i] = counts[c] == 1 ? r[c]->base[i] :
				     scale_round(counts[c], bench);
		}
	}
	for (i = 0; idle && i < IDLE_VMS; i++)
		vm_destroy(&idle_vms[i]);
	free(idle_vms);
}

/* ---- VM lifecycle: create, start, tear down ---- */

/* Until the RM has freed every VM the bench made (bounded) */
static void wait_vms(long vms)
{
	uint64_t t0 = now_ns();

	while (rm_stat("vms") != vms) {
		if (now_ns() - t0 > 30ull * 1000000000ull) {
			fprintf(stderr, "gunyah-bench: the RM still has %ld VMs, expected %ld\n",
				rm_stat("vms"), vms);
			exit(1);
		}
		sched_yield();
	}
}

static void bench_lifecycle(void)
{
	static const int counts[] = { 1, 8, 64 }, loops[] = { 16, 8, 2 };
	struct row *r[3], *per;
	long vms0, req0;
	int c, i, k;

	for (c = 0; c < 3; c++) {
		char name[64];

		snprintf(name, sizeof(name), "create+start+teardown, %d vCPU%s",
			 counts[c], counts[c] > 1 ? "s" : "");
		r[c] = new_row("lifecycle", name, "ns", NULL);
		r[c]->extra_name = "RM round trips per VM";
	}
	per = new_row("lifecycle", "per vCPU ((64 vCPUs - 1 vCPU) / 63)", "ns", NULL);
	vms0 = rm_stat("vms");
	for (c = 0; c < 3; c++) {
		req0 = rm_stat("requests");
		for (i = 0; i < reps; i++) {
			uint64_t t0 = now_ns();
			struct bvm vm;

			for (k = 0; k < loops[c]; k++) {
				vm_create(&vm, counts[c], NULL);
				vm_destroy(&vm);
				wait_vms(vms0);
			}
			r[c]->v[i] = (double)(now_ns() - t0) / loops[c];
		}
		r[c]->extra = (double)(rm_stat("requests") - req0) / (reps * loops[c]);
	}
	for (i = 0; i < reps; i++)
		per->v[i] = (r[2]->v[i] - r[0]->v[i]) / 63;
}

/* ---- per-vCPU kernel memory ---- */

struct memsnap {
	long memfree_kb, slab_kb;
	long pages;	/* pages allocated and not freed (vmstat events) */
	int nr;
	struct {
		char name[64];
		long active, objsize;
	} slab[512];
};

static long meminfo_kb(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);

	return p ? atol(p + strlen(key)) : 0;
}

/*
 * Free pages on the per-CPU lists are not in MemFree, so MemFree misses
 * pages taken from them; the pgalloc and pgfree events count every page.
 */
static long vmstat_net_pages(char *buf)
{
	char *line, *save;
	long net = 0, v;
	char name[64];

	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%63s %ld", name, &v) != 2)
			continue;
		if (!strncmp(name, "pgalloc_", 8))
			net += v;
		else if (!strcmp(name, "pgfree"))
			net -= v;
	}
	return net;
}

/*
 * SLUB counts a CPU's partial slabs as in use: flush them so that
 * /proc/slabinfo's active objects follow what was allocated.
 */
static void slab_shrink_all(void)
{
	char path[300];
	struct dirent *d;
	DIR *dir = opendir("/sys/kernel/slab");
	int fd;

	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", d->d_name);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			continue;
		/* an alias or a cache that cannot shrink: no matter */
		if (write(fd, "1", 1) < 0)
			errno = 0;
		close(fd);
	}
	if (dir)
		closedir(dir);
}

static void mem_snap(struct memsnap *m)
{
	static char buf[1 << 17];
	char *line, *save;

	usleep(20000);
	slab_shrink_all();
	if (gh_read_text("/proc/vmstat", buf, sizeof(buf)) < 0)
		die("/proc/vmstat");
	m->pages = vmstat_net_pages(buf);
	if (gh_read_text("/proc/meminfo", buf, sizeof(buf)) < 0)
		die("/proc/meminfo");
	m->memfree_kb = meminfo_kb(buf, "MemFree:");
	m->slab_kb = meminfo_kb(buf, "\nSlab:");
	m->nr = 0;
	if (gh_read_text("/proc/slabinfo", buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line && m->nr < 512;
	     line = strtok_r(NULL, "\n", &save)) {
		long active, num, size;
		char name[64];

		if (sscanf(line, "%63s %ld %ld %ld", name, &active, &num, &size) != 4)
			continue;
		snprintf(m->slab[m->nr].name, sizeof(m->slab[0].name), "%s", name);
		m->slab[m->nr].active = active;
		m->slab[m->nr].objsize = size;
		m->nr++;
	}
}

static long slab_active(const struct memsnap *m, const char *name, long *size)
{
	int i;

	for (i = 0; i < m->nr; i++) {
		if (!strcmp(m->slab[i].name, name)) {
			*size = m->slab[i].objsize;
			return m->slab[i].active;
		}
	}
	return 0;
}

struct slabrow {
	char name[64];
	long objsize;
	struct row *objs;
};

static struct slabrow slabrows[MAX_SLABS];
static int nr_slabrows;

/* Per-cache rows for caches that grew by at least half an object per vCPU */
static void mem_slab_deltas(const struct memsnap *a, const struct memsnap *b,
			    int rep, const char *step)
{
	int i, k;

	for (i = 0; i < b->nr; i++) {
		long size, before = slab_active(a, b->slab[i].name, &size);
		double per = (double)(b->slab[i].active - before) / MEM_TOTAL;
		char name[64];

		for (k = 0; k < nr_slabrows; k++)
			if (!strcmp(slabrows[k].name, b->slab[i].name) &&
			    !strcmp(slabrows[k].objs->group, step))
				break;
		if (k == nr_slabrows) {
			if (per < 0.5 || nr_slabrows == MAX_SLABS ||
			    nr_rows >= MAX_ROWS - 1)
				continue;
			snprintf(name, sizeof(name), "%s objs (%ld B)",
				 b->slab[i].name, b->slab[i].objsize);
			snprintf(slabrows[k].name, sizeof(slabrows[k].name), "%s",
				 b->slab[i].name);
			slabrows[k].objsize = b->slab[i].objsize;
			slabrows[k].objs = new_row(step, name, "objs", NULL);
			nr_slabrows++;
		}
		slabrows[k].objs->v[rep] = per;
	}
}

/* Per vCPU, in bytes, between two snapshots */
static void mem_rows(struct row **r, const struct memsnap *a,
		     const struct memsnap *b, int rep)
{
	r[0]->v[rep] = (b->pages - a->pages) * (double)sysconf(_SC_PAGESIZE) / MEM_TOTAL;
	r[1]->v[rep] = (b->slab_kb - a->slab_kb) * 1024.0 / MEM_TOTAL;
	r[2]->v[rep] = (a->memfree_kb - b->memfree_kb) * 1024.0 / MEM_TOTAL;
}

static void bench_memory(void)
{
	static const char *const names[3] = {
		"pages allocated (vmstat)", "Slab growth (meminfo)",
		"MemFree drop (meminfo)"
	};
	static struct memsnap s0, s1, s2;
	static int fds[MEM_VMS][MEM_VCPUS];
	struct row *add[3], *start[3];
	int i, j, k, vm[MEM_VMS];

	for (k = 0; k < 3; k++) {
		add[k] = new_row("memory:add", names[k], "bytes", NULL);
		start[k] = new_row("memory:start", names[k], "bytes", NULL);
	}
	set_nr_vcpus(MEM_VCPUS);
	for (i = 0; i < reps; i++) {
		for (j = 0; j < MEM_VMS; j++) {
			vm[j] = gh_create_vm(dev_fd);
			if (vm[j] < 0)
				die("GUNYAH_CREATE_VM");
		}
		mem_snap(&s0);
		for (j = 0; j < MEM_VMS; j++) {
			for (k = 0; k < MEM_VCPUS; k++) {
				fds[j][k] = gh_add_vcpu(vm[j], k);
				if (fds[j][k] < 0)
					die("GUNYAH_VM_ADD_FUNCTION");
			}
		}
		mem_snap(&s1);
		for (j = 0; j < MEM_VMS; j++)
			if (ioctl(vm[j], GUNYAH_VM_START))
				die("GUNYAH_VM_START");
		mem_snap(&s2);
		mem_rows(add, &s0, &s1, i);
		mem_rows(start, &s1, &s2, i);
		mem_slab_deltas(&s0, &s1, i, "memory:add");
		mem_slab_deltas(&s1, &s2, i, "memory:start");
		for (j = 0; j < MEM_VMS; j++) {
			for (k = 0; k < MEM_VCPUS; k++)
				close(fds[j][k]);
			close(vm[j]);
		}
	}
}

/* ---- report ---- */

static void read_loadavg(char *buf, size_t len)
{
	char *nl;

	if (gh_read_text("/proc/loadavg", buf, len) <= 0) {
		snprintf(buf, len, "?");
		return;
	}
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
}

static void ratios(const struct row *r, double *out)
{
	int i;

	for (i = 0; i < reps; i++)
		out[i] = r->base[i] ? r->v[i] / r->base[i] : 0;
}

static void print_row(const struct row *r)
{
	struct stats s = stats_of(r->v, reps), b, q;
	double rt[MAX_REPS];

	printf("  %-34s %12.1f %12.1f %12.1f %12.1f-%-12.1f", r->name, s.med,
	       s.min, s.max, s.q1, s.q3);
	if (!strcmp(r->unit, "ns") && s.med > 0)
		printf(" %12.0f", 1e9 / s.med);
	printf(" %s\n", r->unit);
	if (r->base_name) {
		ratios(r, rt);
		b = stats_of(r->base, reps);
		q = stats_of(rt, reps);
		printf("    %-32s %12.1f %12.1f %12.1f %12.1f-%-12.1f %s\n",
		       r->base_name, b.med, b.min, b.max, b.q1, b.q3, r->unit);
		printf("    %-32s %12.2f %12.2f %12.2f %12.2f-%-12.2f\n",
		       "ratio", q.med, q.min, q.max, q.q1, q.q3);
	}
	if (r->extra_name)
		printf("    %-32s %12.2f\n", r->extra_name, r->extra);
}

static void print_table(const char *load0, const char *load1, const char *host)
{
	const char *groups[MAX_ROWS];
	int i, g, nr_groups = 0;

	printf("gunyah-bench: kernel %s, %d repetitions, %ld CPUs\n", kernel, reps,
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("  guest loadavg before: %s; after: %s; host loadavg: %s\n",
	       load0, load1, host);
	for (i = 0; i < nr_rows; i++) {
		for (g = 0; g < nr_groups; g++)
			if (!strcmp(groups[g], rows[i].group))
				break;
		if (g == nr_groups)
			groups[nr_groups++] = rows[i].group;
	}
	for (g = 0; g < nr_groups; g++) {
		printf("\n%-36s %12s %12s %12s %25s %12s\n", groups[g], "median",
		       "min", "max", "IQR", "per s");
		for (i = 0; i < nr_rows; i++)
			if (!strcmp(groups[g], rows[i].group))
				print_row(&rows[i]);
	}
}

static void json_stats(FILE *f, const char *key, const double *v)
{
	struct stats s = stats_of(v, reps);
	int i;

	fprintf(f, "\"%s\": {\"median\": %.3f, \"min\": %.3f, ", key, s.med, s.min);
	fprintf(f, "\"max\": %.3f, \"q1\": %.3f, \"q3\": %.3f, \"reps\": [",
		s.max, s.q1, s.q3);
	for (i = 0; i < reps; i++)
		fprintf(f, "%s%.3f", i ? ", " : "", v[i]);
	fprintf(f, "]}");
}

static void write_json(const char *path, const char *load0, const char *load1,
		       const char *host)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f)
		die(path);
	fprintf(f, "{\n  \"kernel\": \"%s\",\n  \"repetitions\": %d,\n"
		"  \"cpus\": %ld,\n  \"guest_loadavg_before\": \"%s\",\n"
		"  \"guest_loadavg_after\": \"%s\",\n  \"host_loadavg\": \"%s\",\n"
		"  \"results\": [\n", kernel, reps, sysconf(_SC_NPROCESSORS_ONLN),
		load0, load1, host);
	for (i = 0; i < nr_rows; i++) {
		const struct row *r = &rows[i];
		double rt[MAX_REPS];

		fprintf(f, "    {\"group\": \"%s\", \"name\": \"%s\", ", r->group, r->name);
		fprintf(f, "\"unit\": \"%s\", \"kernel\": \"%s\", ", r->unit, kernel);
		json_stats(f, "value", r->v);
		if (!strcmp(r->unit, "ns") && stats_of(r->v, reps).med > 0)
			fprintf(f, ", \"per_s_median\": %.1f",
				1e9 / stats_of(r->v, reps).med);
		if (r->base_name) {
			ratios(r, rt);
			fprintf(f, ", \"baseline_name\": \"%s\", ", r->base_name);
			json_stats(f, "baseline", r->base);
			fprintf(f, ", ");
			json_stats(f, "ratio", rt);
		}
		if (r->extra_name)
			fprintf(f, ", \"%s\": %.3f", r->extra_name, r->extra);
		fprintf(f, "}%s\n", i + 1 < nr_rows ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	fclose(f);
}

int main(int argc, char **argv)
{
	static const int sim_counts[] = { 1, 2, 4, 8 };
	static const int bench_counts[] = { 1, 2, 4, 8, MAX_SCALE };
	const char *json = NULL, *host = getenv("HOST_LOADAVG"), *tracing_on = NULL;
	long profile = 0;
	char load0[128], load1[128], saved[16] = "2";
	struct utsname u;
	int opt;

	while ((opt = getopt(argc, argv, "r:t:w:j:p:T:")) != -1) {
		switch (opt) {
		case 'p':
			profile = atol(optarg);
			break;
		case 'T':
			tracing_on = optarg;
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		case 't':
			target_ms = atoi(optarg);
			break;
		case 'w':
			wake_samples = atoi(optarg);
			break;
		case 'j':
			json = optarg;
			break;
		default:
			fprintf(stderr, "usage: %s [-r REPS] [-t MS] [-w SAMPLES] [-j FILE]\n"
				"       %s -p N -T TRACING_ON\n", argv[0], argv[0]);
			return 2;
		}
	}
	if (reps < 1 || reps > MAX_REPS || target_ms < 1 || wake_samples < 1 ||
	    wake_samples > 1024) {
		fprintf(stderr, "gunyah-bench: 1 <= REPS <= %d, 1 <= SAMPLES <= 1024\n",
			MAX_REPS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	uname(&u);
	snprintf(kernel, sizeof(kernel), "%s", u.release);
	read_loadavg(load0, sizeof(load0));
	dev_fd = gh_open_dev();
	if (dev_fd < 0)
		die("/dev/gunyah");
	gh_read_text(NR_VCPUS_PARAM, saved, sizeof(saved));
	if (profile > 0 && tracing_on) {
		profile_exits(profile, tracing_on);
		write_str(NR_VCPUS_PARAM, saved);
		return 0;
	}

	pin_to_cpu0(1);
	bench_exit("mmio_read exit round trip", PROG_MMIO_READ);
	bench_exit("mmio_write exit round trip", PROG_MMIO_WRITE);
	bench_exit("page_fault exit round trip", PROG_PF);
	bench_split();
	bench_ready();
	pin_to_cpu0(0);
	bench_wakeup();
	bench_scaling("scaling", sim_counts, 4, 0, 0);
	bench_scaling("scaling, bench mode", bench_counts, 5, 1, 0);
	bench_scaling("scaling, bench mode, 64 idle VMs of 8 vCPUs", bench_counts,
		      5, 1, 1);
	bench_lifecycle();
	bench_memory();

	write_str(NR_VCPUS_PARAM, saved);
	read_loadavg(load1, sizeof(load1));
	print_table(load0, load1, host ? host : "?");
	if (json)
		write_json(json, load0, load1, host ? host : "?");
	close(dev_fd);
	return 0;
}
