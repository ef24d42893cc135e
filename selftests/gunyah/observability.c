// SPDX-License-Identifier: GPL-2.0-only
/*
 * Observability (docs/observability.md): the "gunyah" trace events and
 * the per-vCPU and per-VM counters in debugfs.
 *
 * The program enables every gunyah event once, in a tracefs instance of
 * its own (the global buffer is left alone). Each test clears that
 * buffer, drives the guest through the simulator, then reads the trace
 * file (which never blocks) and finds the events the driver must have
 * emitted, with their fields, in order. The counter tests run a guest
 * through one of each thing the run loop counts and compare every
 * counter with the exact number.
 *
 * Events are switched on and off once per program, with the top-level
 * record-cmd option off meanwhile: each switch live-patches kernel text
 * (static keys; record-cmd also hooks sched_switch, patching __schedule
 * under every CPU), which the QEMU TCG rig has been seen to turn into a
 * spurious int3 oops.
 */
#include <stdint.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "vcpu_util.h"
#include "gh_requires.h"

#define GDFS		"/sys/kernel/debug/gunyah"
#define TIME_HC		"/sys/module/gunyah_vcpu/parameters/time_hypercalls"
#define INSTANCE	"gunyah_observability"
#define TRACE_MAX	(8 << 20)

#define RM_ALLOC_VMID	0x56000001
#define RM_VM_START	0x56000004
#define RM_VM_EXITED	0x56100001
#define RM_VM_STATUS	0x56100008

static const char * const events[] = {
	"gunyah_vcpu_run_enter", "gunyah_vcpu_run_return",
	"gunyah_vcpu_exit_mmio", "gunyah_vcpu_exit_page_fault",
	"gunyah_vcpu_exit_status", "gunyah_vcpu_resume",
	"gunyah_vcpu_wakeup", "gunyah_vcpu_run_done",
	"gunyah_rm_request", "gunyah_rm_reply", "gunyah_rm_notification",
	"gunyah_fault_hypercall", "gunyah_fault_rm_call",
	"gunyah_fault_rm_inject",
};

/* O_TRUNC: an empty write then clears a tracefs "trace" file */
static int wr(const char *path, const char *text)
{
	return gh_write_buf(path, O_TRUNC, 0, text, strlen(text));
}

/* tracefs: where the rig mounts it, else debugfs's automount */
static const char *tracefs(void)
{
	static const char * const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[128];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/events/gunyah", dirs[i]);
		if (access(path, F_OK) == 0)
			return dirs[i];
	}
	return NULL;
}

/* The whole trace of the instance, NUL-terminated; free() it */
static char *trace_read(const char *dir)
{
	char path[192], *buf = malloc(TRACE_MAX);
	ssize_t n, total = 0;
	int fd;

	if (!buf)
		return NULL;
	snprintf(path, sizeof(path), "%s/trace", dir);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while (total < TRACE_MAX - 1 &&
	       (n = read(fd, buf + total, TRACE_MAX - 1 - total)) > 0)
		total += n;
	buf[total] = '\0';
	close(fd);
	return buf;
}

/*
 * The first line at or after @from holding @needle, "@event: @fields",
 * where @fields are the first fields of the event, whole ("vm=1" does not
 * match vm=12), or end with '=' to match any value; NULL if none.
 */
static const char *find_line(const char *from, const char *needle)
{
	size_t len = strlen(needle);
	const char *p = from, *end;

	while (p && (p = strstr(p, needle))) {
		end = p + len;
		if (needle[len - 1] == '=' || *end == '\0' || *end == '\n' ||
		    *end == ' ')
			return p;
		p++;
	}
	return NULL;
}

static const char *find_event(const char *from, const char *event,
			      const char *fields)
{
	char needle[512];

	snprintf(needle, sizeof(needle), "%s: %s", event, fields);
	return find_line(from, needle);
}

static long long vcpu_stat(int vmid, int vcpu, const char *key)
{
	char path[128];

	snprintf(path, sizeof(path), GDFS "/vm%d/vcpu%d/stats", vmid, vcpu);
	return gh_file_value(path, key, ':', -1);
}

static long long vm_stat(int vmid, const char *key)
{
	char path[128];

	snprintf(path, sizeof(path), GDFS "/vm%d/stats", vmid);
	return gh_file_value(path, key, ':', -1);
}

static char instance[160];	/* the tracefs instance, "" if none */
static pid_t instance_owner;
static char record_cmd[8];	/* the saved top-level record-cmd option */
static char time_hc[8];		/* time_hypercalls as the program found it */

/* gunyah_vcpu.ko loads with the first vCPU: its events must exist */
static void load_vcpu_module(void)
{
	int dev = gh_open_dev(), vm, vcpu;

	if (dev < 0)
		return;
	vm = gh_create_vm(dev);
	if (vm >= 0) {
		vcpu = gh_add_vcpu(vm, 0);
		if (vcpu >= 0)
			close(vcpu);
		close(vm);
	}
	close(dev);
}

__attribute__((constructor)) static void instance_up(void)
{
	const char *tfs;
	char path[192];

	load_vcpu_module();
	gh_read_text(TIME_HC, time_hc, sizeof(time_hc));
	tfs = tracefs();
	if (!tfs)
		return;
	snprintf(path, sizeof(path), "%s/options/record-cmd", tfs);
	if (gh_read_text(path, record_cmd, sizeof(record_cmd)) > 0)
		wr(path, "0");
	snprintf(instance, sizeof(instance), "%s/instances/" INSTANCE, tfs);
	rmdir(instance);	/* left over from an interrupted run */
	snprintf(path, sizeof(path), "%s/events/gunyah/enable", instance);
	if (mkdir(instance, 0755) || wr(path, "1")) {
		fprintf(stderr, "# cannot set up %s: %s\n", instance, strerror(errno));
		instance[0] = '\0';
	}
	instance_owner = getpid();
}

__attribute__((destructor)) static void instance_down(void)
{
	const char *tfs = tracefs();
	char path[192];

	if (getpid() != instance_owner)
		return;
	if (instance[0]) {
		snprintf(path, sizeof(path), "%s/events/gunyah/enable", instance);
		wr(path, "0");
		rmdir(instance);
	}
	if (tfs && record_cmd[0]) {
		snprintf(path, sizeof(path), "%s/options/record-cmd", tfs);
		wr(path, record_cmd);
	}
}

FIXTURE(obs)
{
	struct gh_vm gv;
	const char *dir;	/* the tracefs instance */
	char *trace;
};

FIXTURE_SETUP(obs)
{
	char path[192];

	self->trace = NULL;
	self->dir = instance;
	gh_vm_init(&self->gv);
	if (!instance[0]) {
		self->gv.skip = true;
		SKIP(return, "no tracefs instance with gunyah events (modules? tracefs?)");
	}
	/* An empty buffer for each test */
	snprintf(path, sizeof(path), "%s/trace", self->dir);
	ASSERT_EQ(0, wr(path, ""));
	gh_fault_disarm();
	/* Started with the events on: the start's RM calls are traced too */
	gh_vm_setup(_metadata, &self->gv, 2, true);
}

FIXTURE_TEARDOWN(obs)
{
	int vmid = self->gv.vmid;
	char now[8];

	gh_fault_disarm();
	/* time_hypercalls back as found, only if moved: a switch patches text */
	if (time_hc[0] && gh_read_text(TIME_HC, now, sizeof(now)) > 0 &&
	    strcmp(now, time_hc))
		wr(TIME_HC, time_hc);
	gh_vm_teardown(&self->gv);
	gh_sim_reap_held(vmid);
	gh_reclaim_stuck();
	free(self->trace);
}

/* Read the trace into self->trace (freeing the previous read) */
#define READ_TRACE() do {							\
	free(self->trace);							\
	self->trace = trace_read(self->dir);					\
	ASSERT_NE(NULL, self->trace);						\
} while (0)

/* Find "@ev: @fields..." at or after @from; the match goes in @at */
#define FIND(at, from, ev, ...) do {						\
	const char *__ev = (ev), *__at;						\
	char __f[384];								\
	snprintf(__f, sizeof(__f), __VA_ARGS__);				\
	__at = find_event(from, __ev, __f);					\
	ASSERT_NE(NULL, __at) TH_LOG("no \"%s: %s\" in the trace:\n%s", __ev,	\
				     __f, self->trace);				\
	(at) = __at;								\
} while (0)

#define VMID	(self->gv.vmid)
#define FD(n)	(self->gv.vcpu[n])
#define RUN(n)	(self->gv.run[n])

/*
 * Read the trace: each event of @want (NULL-terminated) must be in it, in
 * this order, as FIND() finds one. @want[i] is "gunyah_" left out, then
 * "@event: @fields", a format of the VM's vmid.
 */
static void expect_events(struct __test_metadata *_metadata, struct _test_data_obs *self,
			  const char * const *want)
{
	const char *at;
	char needle[512];
	int n;

	READ_TRACE();
	for (at = self->trace; *want; want++) {
		n = snprintf(needle, sizeof(needle), "gunyah_");
		snprintf(needle + n, sizeof(needle) - n, *want, VMID);
		at = find_line(at, needle);
		ASSERT_NE(NULL, at) TH_LOG("no \"%s\" in the trace:\n%s", needle, self->trace);
	}
}

#define EXPECT_EVENTS(...)							\
	expect_events(_metadata, self, (const char * const []){ __VA_ARGS__, NULL })

/*
 * vCPU 0, at a wfi, sleeps in a runner thread; the simulator's wake-up
 * interrupt has its run go on to an MMIO exit
 */
static void run_through_wfi(struct __test_metadata *_metadata, struct gh_vm *gv)
{
	struct gh_runner r;

	ASSERT_EQ(0, gh_runner_start(&r, gv->vcpu[0]));
	ASSERT_TRUE(gh_wait_asleep(atomic_load(&r.tid)));
	ASSERT_EQ(0, gh_sim_write(gv->vmid, 0, "wakeup", "1\n"));
	ASSERT_EQ(0, pthread_join(r.thread, NULL));
	ASSERT_EQ(0, r.ret);
	ASSERT_EQ(GUNYAH_VCPU_EXIT_MMIO, gv->run[0]->exit_reason);
}

TEST(events_are_defined)
{
	const char *tfs = tracefs();
	char path[192], buf[4096];
	unsigned int i;

	if (!tfs)
		SKIP(return, "no tracefs with events/gunyah");
	for (i = 0; i < ARRAY_SIZE(events); i++) {
		snprintf(path, sizeof(path), "%s/events/gunyah/%s/format", tfs, events[i]);
		EXPECT_EQ(0, access(path, R_OK)) TH_LOG("%s missing", path);
	}
	/* Symbolic values are exported as numbers for trace-cmd and perf */
	snprintf(path, sizeof(path), "%s/events/gunyah/gunyah_vcpu_run_return/format", tfs);
	ASSERT_LT(0, gh_read_text(path, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "field:u64 state;"));
	EXPECT_NE(NULL, strstr(buf, "{ 1, \"expects_wakeup\" }")) TH_LOG("%s", buf);
}

/* The start's RM calls: each request answered with its seq; VM_STATUS */
GH_TEST_F(obs, rm_requests_replies_notifications)
{
	static const unsigned int ids[] = { RM_ALLOC_VMID, RM_VM_START };
	const char *req, *rep;
	unsigned int i, seq;
	int n;
	char f[128];

	READ_TRACE();
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		FIND(req, self->trace, "gunyah_rm_request", "msg_id=%#x seq=", ids[i]);
		n = sscanf(strstr(req, "seq="), "seq=%u", &seq);
		ASSERT_EQ(1, n);
		snprintf(f, sizeof(f), "msg_id=%#x seq=%u rm_error=0x0 ret=0", ids[i], seq);
		rep = find_event(req, "gunyah_rm_reply", f);
		EXPECT_NE(NULL, rep) TH_LOG("no reply \"%s\" after the request", f);
	}
	FIND(rep, self->trace, "gunyah_rm_notification", "msg_id=%#x vmid=%d",
	     RM_VM_STATUS, VMID);
}

GH_TEST_F(obs, mmio_exits_and_resume)
{
	ASSERT_EQ(0, gh_sim_load(VMID, 0, "mmio_read 0x1000 4\nmmio_write 0x2000 2 last\n"));
	GH_RUN_EXIT(FD(0), RUN(0), GUNYAH_VCPU_EXIT_MMIO);
	gh_set_mmio_data(RUN(0), 0xabcd1234);
	GH_RUN_EXIT(FD(0), RUN(0), GUNYAH_VCPU_EXIT_MMIO);

	EXPECT_EVENTS("vcpu_run_enter: vm=%d vcpu=0 resume=0x0,0x0,0x0",
		      "vcpu_run_return: vm=%d vcpu=0 error=0 state=vmmio_read data=0x1000,0x4,0x0",
		      "vcpu_exit_mmio: vm=%d vcpu=0 read phys_addr=0x1000 len=4 data=0x0",
		      "vcpu_run_done: vm=%d vcpu=0 ret=0 exit=mmio",
		      /* The read's answer, as the next run takes it */
		      "vcpu_resume: vm=%d vcpu=0 exit=mmio action=handled data=0xabcd1234",
		      "vcpu_run_enter: vm=%d vcpu=0 resume=0xabcd1234,0x0,0x0",
		      /* "last" writes the value the guest read, cut to the write's 2 bytes */
		      "vcpu_exit_mmio: vm=%d vcpu=0 write phys_addr=0x2000 len=2 data=0x1234",
		      "vcpu_run_done: vm=%d vcpu=0 ret=0 exit=mmio");
}

GH_TEST_F(obs, page_fault_exit_and_resume)
{
	ASSERT_EQ(0, gh_sim_load(VMID, 1, "page_fault 0x5000 w\nmmio_write 0x20 4 7\n"));
	GH_RUN_EXIT(FD(1), RUN(1), GUNYAH_VCPU_EXIT_PAGE_FAULT);
	RUN(1)->page_fault.resume_action = GUNYAH_VCPU_RESUME_HANDLED;
	GH_RUN_EXIT(FD(1), RUN(1), GUNYAH_VCPU_EXIT_MMIO);

	EXPECT_EVENTS("vcpu_run_return: vm=%d vcpu=1 error=0 state=page_fault data=0x5000,0x1,0x0",
		      "vcpu_exit_page_fault: vm=%d vcpu=1 phys_addr=0x5000 flags=0x1",
		      "vcpu_run_done: vm=%d vcpu=1 ret=0 exit=page_fault",
		      "vcpu_resume: vm=%d vcpu=1 exit=page_fault action=handled",
		      /* HANDLED becomes the hypervisor's EMULATE (0) */
		      "vcpu_run_enter: vm=%d vcpu=1 resume=0x0,0x0,0x0",
		      "vcpu_exit_mmio: vm=%d vcpu=1 write phys_addr=0x20 len=4 data=0x7");
}

GH_TEST_F(obs, status_exit_and_vm_exited)
{
	const char *p;

	EXPECT_EQ(0, vm_stat(VMID, "notifications_vm_exited"));
	ASSERT_EQ(0, gh_sim_load(VMID, 0, "system_off 1 0x10001\n"));
	GH_RUN_EXIT(FD(0), RUN(0), GUNYAH_VCPU_EXIT_STATUS);
	ASSERT_EQ(0, gh_run(FD(0)));	/* said again, from the kernel's copy */
	ASSERT_EQ(0, gh_run(FD(1)));	/* and to a vCPU that never ran */

	READ_TRACE();
	FIND(p, self->trace, "gunyah_vcpu_run_return",
	     "vm=%d vcpu=0 error=0 state=powered_off data=0x1,0x0,0x0", VMID);
	FIND(p, self->trace, "gunyah_rm_notification", "msg_id=%#x vmid=%d",
	     RM_VM_EXITED, VMID);
	FIND(p, self->trace, "gunyah_vcpu_exit_status",
	     "vm=%d vcpu=0 status=exited exit_type=1 reason_size=4 reason=0100010000000000",
	     VMID);
	FIND(p, p + 1, "gunyah_vcpu_exit_status",
	     "vm=%d vcpu=0 status=exited exit_type=1 reason_size=4", VMID);
	FIND(p, self->trace, "gunyah_vcpu_exit_status",
	     "vm=%d vcpu=1 status=exited exit_type=1 reason_size=4", VMID);
	FIND(p, p, "gunyah_vcpu_run_done", "vm=%d vcpu=1 ret=0 exit=status", VMID);

	EXPECT_EQ(2, vcpu_stat(VMID, 0, "exits_status"));
	EXPECT_EQ(1, vcpu_stat(VMID, 1, "exits_status"));
	EXPECT_EQ(0, vcpu_stat(VMID, 1, "hypercalls"));
	EXPECT_EQ(1, vm_stat(VMID, "notifications_vm_exited"));
}

GH_TEST_F(obs, wakeup_interrupt)
{
	ASSERT_EQ(0, gh_sim_load(VMID, 0, "wfi\nmmio_write 0x30 4 3\n"));
	run_through_wfi(_metadata, &self->gv);

	EXPECT_EVENTS("vcpu_run_return: vm=%d vcpu=0 error=0 state=expects_wakeup",
		      "vcpu_wakeup: vm=%d vcpu=0",
		      "vcpu_run_enter: vm=%d vcpu=0",
		      "vcpu_exit_mmio: vm=%d vcpu=0 write phys_addr=0x30 len=4 data=0x3");
	EXPECT_EQ(1, vcpu_stat(VMID, 0, "sleeps"));
	EXPECT_EQ(1, vcpu_stat(VMID, 0, "wakeups"));
}

GH_TEST_F(obs, injected_hypercall_fault)
{
	if (access(GH_FAIL_HC, F_OK))
		SKIP(return, "no " GH_FAIL_HC);
	ASSERT_EQ(0, gh_sim_load(VMID, 0, "mmio_write 0x20 4 1\n"));
	ASSERT_EQ(0, wr(GH_FAIL_HC "error", "10"));
	ASSERT_EQ(0, wr(GH_FAIL_HC "times", "1"));
	ASSERT_EQ(0, wr(GH_FAIL_HC "probability", "100"));
	EXPECT_EQ(-ENOMEM, gh_run(FD(0)));
	GH_RUN_EXIT(FD(0), RUN(0), GUNYAH_VCPU_EXIT_MMIO);

	EXPECT_EVENTS("vcpu_run_enter: vm=%d vcpu=0",
		      "fault_hypercall: hypercall=vcpu_run error=10",
		      "vcpu_run_return: vm=%d vcpu=0 error=10 state=ready",
		      "vcpu_run_done: vm=%d vcpu=0 ret=-12 exit=none",
		      "vcpu_exit_mmio: vm=%d vcpu=0 write phys_addr=0x20");
	EXPECT_EQ(1, vcpu_stat(VMID, 0, "errors_hypercall"));
}

/*
 * A vcpu_run that fails fills no response, on the real HVC backend as on
 * the simulator: the trace records none, not the previous call's state
 */
GH_TEST_F(obs, failed_run_traces_no_response)
{
	ASSERT_EQ(0, gh_sim_load(VMID, 0,
				 "state 0 0x55 0x66\nhyp_error -2\nmmio_write 0x20 4 1\n"));
	GH_RUN_EXIT(FD(0), RUN(0), GUNYAH_VCPU_EXIT_MMIO);

	EXPECT_EVENTS("vcpu_run_return: vm=%d vcpu=0 error=0 state=ready data=0x55,0x66,0x0",
		      "vcpu_run_return: vm=%d vcpu=0 error=-2 state=ready data=0x0,0x0,0x0",
		      "vcpu_exit_mmio: vm=%d vcpu=0 write phys_addr=0x20");
}

GH_TEST_F(obs, injected_rm_call_fault)
{
	int vm2, seq_at;
	const char *p;
	unsigned int seq;
	char f[128];

	if (access(GH_FAIL_RM, F_OK))
		SKIP(return, "no " GH_FAIL_RM);
	vm2 = gh_create_vm(self->gv.dev);
	ASSERT_LE(0, vm2);
	snprintf(f, sizeof(f), "%#x", RM_VM_START);
	ASSERT_EQ(0, wr(GH_FAIL_RM "msg_ids", f));
	ASSERT_EQ(0, wr(GH_FAIL_RM "error", "5"));
	ASSERT_EQ(0, wr(GH_FAIL_RM "times", "1"));
	ASSERT_EQ(0, wr(GH_FAIL_RM "probability", "100"));
	GH_EXPECT_ERRNO(EBUSY, ioctl(vm2, GUNYAH_VM_START));
	gh_fault_disarm();
	close(vm2);

	READ_TRACE();
	/* The second VM_START of the trace is vm2's; the first is the fixture's */
	FIND(p, self->trace, "gunyah_rm_request", "msg_id=%#x seq=", RM_VM_START);
	FIND(p, p + 1, "gunyah_rm_request", "msg_id=%#x seq=", RM_VM_START);
	seq_at = sscanf(strstr(p, "seq="), "seq=%u", &seq);
	ASSERT_EQ(1, seq_at);
	FIND(p, p, "gunyah_fault_rm_call", "msg_id=%#x rm_error=0x5", RM_VM_START);
	FIND(p, p, "gunyah_rm_reply", "msg_id=%#x seq=%u rm_error=0x5 ret=-16 size=0",
	     RM_VM_START, seq);
}

GH_TEST_F(obs, injected_notification)
{
	char cmd[64];
	const char *p;

	if (access(GH_RM_INJECT, F_OK))
		SKIP(return, "no " GH_RM_INJECT);
	snprintf(cmd, sizeof(cmd), "%d 11", VMID);	/* VM_STATUS RESET */
	ASSERT_EQ(0, wr(GH_RM_INJECT "vm_status", cmd));
	GH_RUN_EXIT(FD(0), RUN(0), GUNYAH_VCPU_EXIT_STATUS);
	EXPECT_EQ(GUNYAH_VM_STATUS_CRASHED, RUN(0)->status.status);

	READ_TRACE();
	FIND(p, self->trace, "gunyah_fault_rm_inject", "msg_id=%#x vmid=%d size=8 ret=0",
	     RM_VM_STATUS, VMID);
	FIND(p, p, "gunyah_rm_notification", "msg_id=%#x vmid=%d size=8", RM_VM_STATUS, VMID);
	FIND(p, p, "gunyah_vcpu_exit_status", "vm=%d vcpu=0 status=crashed", VMID);
}

/* One of everything the run loop counts, each counted exactly */
GH_TEST_F(obs, counters_count_exactly)
{
	static const struct { char key[24]; long long n; } want[] = {
		{ "runs", 8 }, { "hypercalls", 11 }, { "exits_mmio", 3 },
		{ "exits_page_fault", 1 }, { "exits_status", 0 }, { "ready", 2 },
		{ "blocked", 1 }, { "sleeps", 1 }, { "wakeups", 1 },
		{ "retries", 1 }, { "errors_hypercall", 1 },
		{ "errors_unknown_state", 1 }, { "errors_resume_action", 1 },
		{ "errors_interrupted", 1 }, { "errors_nodev", 0 },
	};
	char path[128], buf[1024], *line, *save = NULL;
	unsigned int i;

	/* hypercall_ns counts only with time_hypercalls set; teardown restores it */
	ASSERT_EQ(0, wr(TIME_HC, "1")) TH_LOG("cannot write %s", TIME_HC);
	for (i = 0; i < ARRAY_SIZE(want); i++)
		EXPECT_EQ(0, vcpu_stat(VMID, 0, want[i].key)) TH_LOG("%s", want[i].key);
	EXPECT_EQ(0, vcpu_stat(VMID, 0, "hypercall_ns"));

	ASSERT_EQ(0, gh_sim_load(VMID, 0,
				 "yield\nblock\nhyp_error -2\ndelay 2\nmmio_write 0x20 4 1\n"
				 "hyp_error 10\npage_fault 0x3000 r\nstate 99\nwfi\n"
				 "mmio_read 0x40 8\nmmio_write 0x50 4 2\n"));
	/* READY, BLOCKED, RETRY, READY after 2 ms inside, MMIO: 5 hypercalls */
	GH_RUN_EXIT(FD(0), RUN(0), GUNYAH_VCPU_EXIT_MMIO);
	EXPECT_EQ(-ENOMEM, gh_run(FD(0)));
	GH_RUN_EXIT(FD(0), RUN(0), GUNYAH_VCPU_EXIT_PAGE_FAULT);
	EXPECT_EQ(-EINVAL, gh_run(FD(0)));	/* state 99 */
	/* Sleep in wfi, woken by the interrupt, on to the MMIO read */
	run_through_wfi(_metadata, &self->gv);
	RUN(0)->mmio.resume_action = 9;
	EXPECT_EQ(-EINVAL, gh_run(FD(0)));
	RUN(0)->mmio.resume_action = GUNYAH_VCPU_RESUME_HANDLED;
	RUN(0)->immediate_exit = 1;
	EXPECT_EQ(-EINTR, gh_run(FD(0)));
	RUN(0)->immediate_exit = 0;
	GH_RUN_EXIT(FD(0), RUN(0), GUNYAH_VCPU_EXIT_MMIO);
	EXPECT_EQ(0x50, RUN(0)->mmio.phys_addr);

	for (i = 0; i < ARRAY_SIZE(want); i++)
		EXPECT_EQ(want[i].n, vcpu_stat(VMID, 0, want[i].key)) TH_LOG("%s", want[i].key);
	/* The simulator saw as many vcpu_run calls as the driver counted */
	EXPECT_EQ(gh_sim_runs(VMID, 0), vcpu_stat(VMID, 0, "hypercalls"));
	/*
	 * Time inside the hypercall accumulates. Its size is not asserted:
	 * the sim's delay and local_clock() run on different clocks under
	 * TCG, and timing belongs to benchmarks, not pass/fail tests.
	 */
	EXPECT_LT(0, vcpu_stat(VMID, 0, "hypercall_ns"));
	/* The other vCPU did nothing */
	EXPECT_EQ(0, vcpu_stat(VMID, 1, "runs"));
	EXPECT_EQ(0, vcpu_stat(VMID, 1, "hypercalls"));

	/* For the record (docs/observability.md shows this) */
	snprintf(path, sizeof(path), GDFS "/vm%d/vcpu0/stats", VMID);
	if (gh_read_text(path, buf, sizeof(buf)) > 0) {
		TH_LOG("%s:", path);
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			TH_LOG("  %s", line);
	}
}

/*
 * hypercall_ns moves only while time_hypercalls is set: off, the run loop
 * reads no clock. Each run is a READY after 2 ms inside, then an MMIO exit.
 */
GH_TEST_F(obs, hypercall_ns_only_when_timed)
{
	long long ns;

	ASSERT_EQ(0, wr(TIME_HC, "0")) TH_LOG("cannot write %s", TIME_HC);
	ASSERT_EQ(0, gh_sim_load(VMID, 0,
				 "delay 2\nmmio_write 0x20 4 1\n"
				 "delay 2\nmmio_write 0x20 4 2\n"
				 "delay 2\nmmio_write 0x20 4 3\n"));

	/* Off: the hypercalls are counted, their time is not */
	GH_RUN_EXIT(FD(0), RUN(0), GUNYAH_VCPU_EXIT_MMIO);
	EXPECT_EQ(2, vcpu_stat(VMID, 0, "hypercalls"));
	EXPECT_EQ(0, vcpu_stat(VMID, 0, "hypercall_ns"));

	/* On: both hypercalls of the next run are timed */
	ASSERT_EQ(0, wr(TIME_HC, "1"));
	GH_RUN_EXIT(FD(0), RUN(0), GUNYAH_VCPU_EXIT_MMIO);
	EXPECT_EQ(4, vcpu_stat(VMID, 0, "hypercalls"));
	ns = vcpu_stat(VMID, 0, "hypercall_ns");
	EXPECT_LT(0, ns);

	/* Off again: the counter keeps its value through two more */
	ASSERT_EQ(0, wr(TIME_HC, "0"));
	GH_RUN_EXIT(FD(0), RUN(0), GUNYAH_VCPU_EXIT_MMIO);
	EXPECT_EQ(3, gh_mmio_data(RUN(0)));	/* the third write */
	EXPECT_EQ(6, vcpu_stat(VMID, 0, "hypercalls"));
	EXPECT_EQ(ns, vcpu_stat(VMID, 0, "hypercall_ns"));
}

/* vcpu<N>/ exists while the vCPU holds its resource; vm<vmid>/ with the VM */
GH_TEST_F(obs, stats_follow_the_resource)
{
	char path[128];
	int vmid = VMID;

	snprintf(path, sizeof(path), GDFS "/vm%d/vcpu1/stats", vmid);
	ASSERT_EQ(0, access(path, R_OK));
	ASSERT_EQ(0, gh_sim_load(VMID, 1, "mmio_write 0x20 4 1\nmmio_write 0x20 4 1\n"));
	ASSERT_EQ(0, gh_run(FD(1)));
	EXPECT_EQ(1, vcpu_stat(vmid, 1, "exits_mmio"));

	/* Removed: its folder goes; the fd still runs, and gets -ENODEV */
	ASSERT_EQ(0, gh_remove_vcpu(self->gv.vm, 1));
	EXPECT_NE(0, access(path, F_OK));
	EXPECT_EQ(-ENODEV, gh_run(FD(1)));
	munmap(RUN(1), gh_page_size());
	RUN(1) = NULL;
	close(FD(1));

	/* Added again: a new vCPU, a new folder, counting from 0 */
	FD(1) = gh_add_vcpu(self->gv.vm, 1);
	ASSERT_LE(0, FD(1));
	ASSERT_EQ(0, access(path, R_OK));
	EXPECT_EQ(0, vcpu_stat(vmid, 1, "exits_mmio"));
	EXPECT_EQ(0, vcpu_stat(vmid, 1, "runs"));

	/* Gone with the VM */
	gh_vm_teardown(&self->gv);
	gh_vm_init(&self->gv);
	snprintf(path, sizeof(path), GDFS "/vm%d", vmid);
	EXPECT_NE(0, access(path, F_OK));
}

GH_REQUIRES(GH_REQ_ROOT | GH_REQ_DEBUGFS);

TEST_HARNESS_MAIN
