// SPDX-License-Identifier: GPL-2.0-only
/*
 * Error paths of the RM client and the VM manager, driven for real on the
 * simulator: malformed and fragmented messages on the RX queue (rm_rx),
 * malformed or misaddressed replies (rm_fake_reply), a full TX queue
 * (rm_pause), receive errors (fail_hypercall msgq_recv), failed rollbacks
 * (fail_rm_call), a VM that ignores even a forced stop, no free fd,
 * broken RM devices (rm_probe) and, where the kernel has fail-nth and
 * failslab, every allocation of VM creation, start and vCPU creation.
 *
 * Each case checks the errno, the kernel's log line saying why, and the
 * state afterwards (what was delivered, what the simulated RM still
 * holds, that the next call works). Notifications are observed through
 * gunyah/vm<vmid>/stats: a well-formed VM_STATUS RUNNING for a running VM
 * changes nothing but that VM's counter, so a second VM's counter is the
 * marker that every message before it was handled.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/gunyah.h>

#include "kselftest_harness.h"
#include "gunyah_util.h"
#include "gh_requires.h"

#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define SIM		SIM_DEBUGFS "/"
#define RPC_TIMEOUT	"/sys/module/gunyah_rsc_mgr/parameters/rpc_timeout_ms"
#define STOP_TIMEOUT	"/sys/module/gunyah_rsc_mgr/parameters/stop_timeout_ms"
#define RPC_SEQS	"/sys/module/gunyah_rsc_mgr/parameters/rpc_seqs"
#define BACKLOG		"/sys/module/gunyah_rsc_mgr/parameters/notif_backlog"
#define RM_NOTIFS	GH_DEBUGFS "rm_notifications"
#define MSGQ_DEPTH	"/sys/module/gunyah_sim/parameters/msgq_depth"
#define FAIL_NTH	"/proc/thread-self/fail-nth"

/* RPC framing (src/rm_proto.h) */
#define RM_API		0x21
#define T_CONT		0
#define T_REQ		1
#define T_REPLY		2
#define T_NOTIF		3
#define ALLOC_VMID	0x56000001u
#define DEALLOC_VMID	0x56000002u
#define CONFIG_IMAGE	0x56000009u
#define VM_INIT		0x5600000bu
#define VM_RESET	0x56000006u
#define HYP_RESOURCES	0x56000020u
#define N_VM_EXITED	0x56100001u
#define N_VM_STATUS	0x56100008u
#define ST_RUNNING	3

#define WAIT_S		60	/* deadline of a wait for the kernel to act */
#define MAX_VMS		128

/* Value of a "KEY: N" or "KEY N" line; -1 if absent */
static long long keyval(const char *path, const char *key)
{
	char buf[4096], *line, *save = NULL;
	size_t klen = strlen(key);

	gh_read_file(path, buf, sizeof(buf));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, key, klen) &&
		    (line[klen] == ':' || line[klen] == ' '))
			return strtoll(line + klen + 1 + (line[klen] == ':'), NULL, 0);
	return -1;
}

static long long sim_stat(const char *name)
{
	return keyval(SIM "rm_stats", name);
}

static long long vm_stat(int vmid, const char *name)
{
	char path[96];

	snprintf(path, sizeof(path), GH_DEBUGFS "vm%d/stats", vmid);
	return keyval(path, name);
}

static long long status_count(int vmid)
{
	return vm_stat(vmid, "notifications_vm_status");
}

static long long exited_count(int vmid)
{
	return vm_stat(vmid, "notifications_vm_exited");
}

/* "status:\t<name>" of a VM fd's fdinfo */
static const char *vm_state(int fd, char *buf, size_t len)
{
	char path[64], line[128];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "status: %63s", buf) == 1)
			break;
	fclose(f);
	return buf;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Wait (yielding, no sleep) until @fn(@arg) >= @want; the last value */
static long long wait_ge(long long (*fn)(int), int arg, long long want)
{
	double end = now() + WAIT_S;
	long long v;

	while ((v = fn(arg)) < want && now() < end)
		sched_yield();
	return v;
}

/*
 * Wait (yielding) until the RX queue is empty; what is left. A call's
 * notifications follow its reply, so the queue can still hold them for a
 * moment after the call returned.
 */
static long long wait_rx_drained(void)
{
	double end = now() + WAIT_S;
	long long v;

	while ((v = sim_stat("rx_queued")) > 0 && now() < end)
		sched_yield();
	return v;
}

/* VMs the simulated RM holds: their vmids, sorted; the count */
static int sim_vms(int *ids)
{
	struct dirent *de;
	int n = 0, id, i, j;
	DIR *d = opendir(SIM_DEBUGFS);

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (sscanf(de->d_name, "vm%d", &id) == 1 && n < MAX_VMS)
			ids[n++] = id;
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
			id = ids[j];
			ids[j] = ids[j - 1];
			ids[j - 1] = id;
		}
	return n;
}

static int in_set(const int *ids, int n, int id)
{
	int i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* Reap VMs the sim holds now but not in @before (except @keep); how many */
static int reap_new(const int *before, int nbefore, int keep)
{
	int ids[MAX_VMS], n = sim_vms(ids), i, reaped = 0;

	for (i = 0; i < n; i++) {
		if (in_set(before, nbefore, ids[i]) || ids[i] == keep)
			continue;
		if (!gh_sim_reap(ids[i]))
			reaped++;
	}
	return reaped;
}

/* ---- the kernel log ---- */

struct klog {
	int fd;
	char *text;
	size_t len, size;
};

static void klog_open(struct klog *k)
{
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd >= 0)
		lseek(k->fd, 0, SEEK_END);
	k->text = NULL;
	k->len = 0;
	k->size = 0;
}

static void klog_close(struct klog *k)
{
	if (k->fd >= 0)
		close(k->fd);
	free(k->text);
}

/* Whether a record logged since klog_open() holds @needle */
static int klog_has(struct klog *k, const char *needle)
{
	char rec[8192];
	ssize_t n;

	if (k->fd < 0)
		return 1;	/* no /dev/kmsg: nothing to check */
	for (;;) {
		n = read(k->fd, rec, sizeof(rec));
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten: go on with the next */
		if (n <= 0)
			break;
		if (k->len + n + 1 > k->size) {
			size_t size = (k->len + n + 1) * 2;
			char *p = realloc(k->text, size);

			if (!p)
				break;
			k->text = p;
			k->size = size;
		}
		memcpy(k->text + k->len, rec, n);
		k->len += n;
		k->text[k->len] = '\0';
	}
	return k->text && strstr(k->text, needle);
}

/* ---- RPC messages as hex, for rm_rx ---- */

static void hexcat(char *out, const __u8 *p, size_t len)
{
	size_t o = strlen(out), i;

	for (i = 0; i < len; i++)
		sprintf(out + o + 2 * i, "%02x", p[i]);
}

/* Append one message (header + payload) to @out, blank-separated */
static void msg(char *out, __u8 api, __u8 type, __u8 frags,
		__u16 seq, __u32 id, const void *payload, size_t len)
{
	__u8 hdr[8] = {
		api, (__u8)(type | frags << 2), seq & 0xff, seq >> 8,
		id & 0xff, (id >> 8) & 0xff, (id >> 16) & 0xff, id >> 24,
	};

	if (*out)
		strcat(out, " ");
	hexcat(out, hdr, sizeof(hdr));
	hexcat(out, payload, len);
}

/* VM_STATUS payload: vmid, reserved, vm_status, os_status, app_status */
static void status_payload(__u8 *p, int vmid, __u8 status)
{
	memset(p, 0, 8);
	p[0] = vmid & 0xff;
	p[1] = vmid >> 8;
	p[4] = status;
}

/* A well-formed VM_STATUS RUNNING notification for @vmid */
static void marker(char *out, int vmid)
{
	__u8 p[8];

	status_payload(p, vmid, ST_RUNNING);
	msg(out, RM_API, T_NOTIF, 0, 0, N_VM_STATUS, p, sizeof(p));
}

/* One GET_HYP_RESOURCES entry (44 bytes) of a vCPU */
static size_t vcpu_entry(__u8 *e, __u32 label, __u64 capid, __u32 virq)
{
	memset(e, 0, 44);
	e[0] = 4;	/* GUNYAH_RESOURCE_TYPE_VCPU */
	memcpy(e + 8, &label, 4);
	memcpy(e + 12, &capid, 8);
	memcpy(e + 24, &virq, 4);
	return 44;
}

/* ---- the fixture ---- */

FIXTURE(rm) {
	bool skip;	/* setup skipped: the body must not run */
	int dev;
	struct klog log;
	char rpc_timeout[32], stop_timeout[32];
	struct rlimit nofile;
	long long nvms;		/* VMs the simulated RM holds */
	int nbefore;		/* ... and their vmids */
	int before[MAX_VMS];
};

static void disarm(void)
{
	gh_fault_disarm();
	gh_write_file(SIM "rm_fake_reply", "none");
	gh_write_file(SIM "rm_pause_before", "0");
	gh_write_file(SIM "rm_pause", "N");
	gh_write_file(RPC_SEQS, "65536");
	gh_write_file(BACKLOG, "256");
	gh_write_file(RM_NOTIFS, "release");
}

FIXTURE_SETUP(rm)
{
	struct stat st;

	self->log.fd = -1;
	self->log.text = NULL;
	self->rpc_timeout[0] = '\0';
	self->stop_timeout[0] = '\0';
	self->nbefore = -1;
	getrlimit(RLIMIT_NOFILE, &self->nofile);
	GH_OPEN_DEV(self->dev, &self->skip, return);
	if (stat(SIM "rm_rx", &st) || stat(GH_DEBUGFS, &st)) {
		self->skip = true;
		SKIP(return, "not on the simulator with rm_rx, or debugfs not mounted");
	}
	gh_read_file(RPC_TIMEOUT, self->rpc_timeout, sizeof(self->rpc_timeout));
	gh_read_file(STOP_TIMEOUT, self->stop_timeout, sizeof(self->stop_timeout));
	disarm();
	self->nbefore = sim_vms(self->before);
	self->nvms = sim_stat("vms");
	klog_open(&self->log);
}

FIXTURE_TEARDOWN(rm)
{
	disarm();
	setrlimit(RLIMIT_NOFILE, &self->nofile);
	if (self->rpc_timeout[0])
		gh_write_file(RPC_TIMEOUT, "%s", self->rpc_timeout);
	if (self->stop_timeout[0])
		gh_write_file(STOP_TIMEOUT, "%s", self->stop_timeout);
	/* Whatever a failed case left with the simulated RM */
	if (self->nbefore >= 0)
		reap_new(self->before, self->nbefore, -1);
	gh_reclaim_stuck();
	klog_close(&self->log);
	if (self->dev >= 0)
		close(self->dev);
}

/* ---- malformed and fragmented messages on the RX queue ---- */

/* One message of a case: header fields, and the bytes of the payload it carries */
struct rx_msg {
	__u8 api, type, frags;
	__u16 seq;
	__u32 id;		/* 0: no message */
	__u8 off, len;		/* bytes [off, off + len) of VM A's VM_STATUS RUNNING */
};

struct rx_case {
	const char *name;
	const char *log;	/* what the driver says */
	int delivered;		/* VM A's notifications it must yield */
	const char *raw;	/* instead of messages: these bytes (raw_len of them) */
	size_t raw_len;
	struct rx_msg m[2];
};

#define RX_STATUS(type, frags, off, len) { RM_API, type, frags, 0, N_VM_STATUS, off, len }

static const struct rx_case rx_cases[] = {
	{ "truncated header", "dropping 4 byte RM message: truncated header",
	  .raw = "\x21\x03\x00\x00", .raw_len = 4 },
	{ "unknown api", "dropping RM message with unknown api 0x20",
	  .m = { { 0x20, T_NOTIF, 0, 0, N_VM_STATUS, 0, 8 } } },
	{ "request from the RM", "dropping RM message 0x56100008 of type 0x1",
	  .m = { RX_STATUS(T_REQ, 0, 0, 8) } },
	{ "reply without an error code", "dropping reply 0x56000001: no error code",
	  .m = { { RM_API, T_REPLY, 0, 7, ALLOC_VMID, 0, 0 } } },
	{ "notification too short", "dropping notification 0x56100008: 4 bytes, too short",
	  .m = { RX_STATUS(T_NOTIF, 0, 0, 4) } },
	{ "continuation without a first fragment",
	  "dropping continuation of 0x56100008 seq 0: no message to continue",
	  .m = { RX_STATUS(T_CONT, 1, 0, 8) } },
	{ "continuation of another message",
	  "dropping 0x56100008 seq 0: continuation of 0x56100001 seq 0 interleaved",
	  .m = { RX_STATUS(T_NOTIF, 1, 0, 4),
		 { RM_API, T_CONT, 1, 0, N_VM_EXITED, 4, 4 } } },
	{ "continuation missing", "dropping 0x56100008 seq 0: 1 continuation fragments missing",
	  .m = { RX_STATUS(T_NOTIF, 1, 0, 4) } },
	{ "too many fragments", "dropping 0x56100008 seq 0: 63 fragments, at most 62 allowed",
	  .m = { RX_STATUS(T_NOTIF, 63, 0, 8) } },
	{ "two fragments", "", 1,
	  .m = { RX_STATUS(T_NOTIF, 1, 0, 4), RX_STATUS(T_CONT, 1, 4, 4) } },
};

/* Build case @c for VM A (@a): the messages to write before the marker for B */
static void rx_case_msgs(const struct rx_case *c, int a, char *out)
{
	const struct rx_msg *m;
	__u8 p[8];

	status_payload(p, a, ST_RUNNING);
	out[0] = '\0';
	if (c->raw)
		hexcat(out, (const __u8 *)c->raw, c->raw_len);
	for (m = c->m; m < c->m + ARRAY_SIZE(c->m) && m->id; m++)
		msg(out, m->api, m->type, m->frags, m->seq, m->id, p + m->off, m->len);
}

/*
 * The simulated RM sends a call's notifications after its reply, so a VM's
 * counters may still move after GUNYAH_VM_START returns. A VM_EXITED for a
 * third VM, injected now, queues behind all of them (one notification queue,
 * handled in order): once it is counted, nothing sent before it is pending.
 */
static int notification_barrier(int dev, int *vmid)
{
	__u8 p[8] = { 0 };
	static char out[256];
	int fd = gh_started_vm(dev, vmid);

	if (fd < 0)
		return -1;
	p[0] = *vmid & 0xff;
	p[1] = *vmid >> 8;
	out[0] = '\0';
	msg(out, RM_API, T_NOTIF, 0, 0, N_VM_EXITED, p, sizeof(p));
	if (gh_write_file(SIM "rm_rx", "%s", out) || wait_ge(exited_count, *vmid, 1) < 1) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST_F(rm, rx_malformed_messages_dropped)
{
	int a_fd, b_fd, c_fd, a, b, c_vmid, i;
	long long a0, b0, a1, b1;
	static char out[4096];
	const struct rx_case *c;

	if (self->skip)
		return;	/* setup skipped */

	a_fd = gh_started_vm(self->dev, &a);
	ASSERT_LE(0, a_fd) TH_LOG("VM A: %s", strerror(errno));
	b_fd = gh_started_vm(self->dev, &b);
	ASSERT_LE(0, b_fd) TH_LOG("VM B: %s", strerror(errno));
	c_fd = notification_barrier(self->dev, &c_vmid);
	ASSERT_LE(0, c_fd) TH_LOG("barrier VM: %s", strerror(errno));
	ASSERT_LE(0, status_count(a)) TH_LOG("no " GH_DEBUGFS "vm%d/stats", a);

	for (i = 0; i < (int)ARRAY_SIZE(rx_cases); i++) {
		c = &rx_cases[i];
		rx_case_msgs(c, a, out);
		a0 = status_count(a);
		b0 = status_count(b);
		marker(out, b);
		ASSERT_EQ(0, gh_write_file(SIM "rm_rx", "%s", out)) TH_LOG("%s: rm_rx", c->name);
		/* B's marker comes last: once it is in, all before it is handled */
		b1 = wait_ge(status_count, b, b0 + 1);
		a1 = status_count(a);
		EXPECT_EQ(b0 + 1, b1) TH_LOG("%s: the marker after it was lost", c->name);
		EXPECT_EQ(a0 + c->delivered, a1)
			TH_LOG("%s: VM A got %lld notifications, expected %d",
			       c->name, a1 - a0, c->delivered);
		if (c->log[0])
			EXPECT_TRUE(klog_has(&self->log, c->log))
				TH_LOG("%s: no \"%s\" in the kernel log", c->name, c->log);
	}
	/* Every message was taken off the queue */
	EXPECT_EQ(0, sim_stat("rx_queued"));
	EXPECT_STREQ("running", vm_state(a_fd, out, sizeof(out)));
	EXPECT_EQ(0, close(a_fd));
	EXPECT_EQ(0, close(b_fd));
	/* the barrier VM "exited" while the RM still runs it: stopped, freed */
	EXPECT_EQ(0, close(c_fd));
	snprintf(out, sizeof(out), "VM %d: the RM still runs it; stopping it", c_vmid);
	EXPECT_TRUE(klog_has(&self->log, out)) TH_LOG("no \"%s\"", out);
	EXPECT_EQ(self->nvms, sim_stat("vms"));
}

TEST_F(rm, rx_exit_reason_shorter_than_claimed)
{
	__u8 p[8 + 8] = { 0 };
	static char out[1024];
	char state[64];
	int fd, vmid;

	if (self->skip)
		return;	/* setup skipped */

	fd = gh_started_vm(self->dev, &vmid);
	ASSERT_LE(0, fd) TH_LOG("VM: %s", strerror(errno));
	/* VM_EXITED: vmid, exit type 0, reason size 64, 8 reason bytes */
	p[0] = vmid & 0xff;
	p[1] = vmid >> 8;
	p[4] = 64;
	p[8] = 0xab;
	out[0] = '\0';
	msg(out, RM_API, T_NOTIF, 0, 0, N_VM_EXITED, p, sizeof(p));
	ASSERT_EQ(0, gh_write_file(SIM "rm_rx", "%s", out));
	ASSERT_LE(1, wait_ge(exited_count, vmid, 1));
	EXPECT_STREQ("exited", vm_state(fd, state, sizeof(state)));
	snprintf(out, sizeof(out), "VM %d exit reason claims 64 bytes but only 8 arrived", vmid);
	EXPECT_TRUE(klog_has(&self->log, out)) TH_LOG("no \"%s\"", out);
	/*
	 * The RM never stopped it, and resets no running VM: teardown trusts
	 * the RM's own VM_STATUS (RUNNING), stops it, then frees it
	 */
	EXPECT_EQ(0, close(fd));
	snprintf(out, sizeof(out), "VM %d: the RM still runs it; stopping it", vmid);
	EXPECT_TRUE(klog_has(&self->log, out)) TH_LOG("no \"%s\"", out);
	EXPECT_EQ(self->nvms, sim_stat("vms"));
}

/* ---- replies: misaddressed, malformed ---- */

TEST_F(rm, reply_for_another_call_dropped)
{
	char buf[128];
	int fd;

	if (self->skip)
		return;	/* setup skipped */

	fd = gh_create_vm(self->dev);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, gh_write_file(RPC_TIMEOUT, "500"));
	/* ALLOC_VMID is answered with a reply that says DEALLOC_VMID */
	ASSERT_EQ(0, gh_write_file(SIM "rm_fake_reply", "%#x 0 - %#x", ALLOC_VMID, DEALLOC_VMID));
	GH_EXPECT_ERRNO(ETIMEDOUT, ioctl(fd, GUNYAH_VM_START));
	EXPECT_STREQ("none", gh_read_file(SIM "rm_fake_reply", buf, sizeof(buf)));
	EXPECT_TRUE(klog_has(&self->log, ": the call was 0x56000001"));
	EXPECT_TRUE(klog_has(&self->log, "dropping reply 0x56000002 seq"));
	EXPECT_STREQ("no_state", vm_state(fd, buf, sizeof(buf)));
	gh_write_file(RPC_TIMEOUT, "%s", self->rpc_timeout);
	/* The RM never served it, and the call was withdrawn: start again */
	EXPECT_EQ(self->nvms, sim_stat("vms"));
	EXPECT_EQ(0, ioctl(fd, GUNYAH_VM_START)) TH_LOG("restart: %s", strerror(errno));
	EXPECT_EQ(0, close(fd));
}

/*
 * A reply that comes after its call timed out must not complete the call
 * that got the same seq next. With 16 seqs: an ALLOC_VMID is held by the
 * RM until it times out; 15 calls that fail_rm_call refuses unsent take
 * the next 15 seqs; the next ALLOC_VMID waits; the RM answers the late one
 * (with vmid 0, rm_fake_reply), then the waiting one. The late reply is
 * dropped ("its call timed out") and the second start succeeds.
 */
TEST_F(rm, late_reply_does_not_complete_a_reused_seq)
{
	struct gh_call c = { 0 };
	struct stat st;
	long long inj0;
	int fd, i;

	if (self->skip)
		return;	/* setup skipped */
	if (stat(GH_FAIL_RM, &st) || access("/proc/self/stack", R_OK))
		SKIP(return, "no " GH_FAIL_RM " or no /proc/<pid>/stack");

	ASSERT_EQ(0, gh_write_file(RPC_SEQS, "16"));
	ASSERT_EQ(0, gh_write_file(RPC_TIMEOUT, "300"));
	ASSERT_EQ(0, gh_write_file(SIM "rm_pause_before", "%#x", ALLOC_VMID));
	fd = gh_create_vm(self->dev);
	ASSERT_LE(0, fd);
	GH_EXPECT_ERRNO(ETIMEDOUT, ioctl(fd, GUNYAH_VM_START));
	close(fd);

	inj0 = keyval(GH_FAIL_RM "injected", "total");
	ASSERT_EQ(0, gh_write_file(GH_FAIL_RM "msg_ids", "%#x", ALLOC_VMID));
	ASSERT_EQ(0, gh_write_file(GH_FAIL_RM "times", "15"));
	ASSERT_EQ(0, gh_write_file(GH_FAIL_RM "probability", "100"));
	for (i = 0; i < 15; i++) {
		fd = gh_create_vm(self->dev);
		ASSERT_LE(0, fd);
		EXPECT_EQ(-1, ioctl(fd, GUNYAH_VM_START));
		close(fd);
	}
	gh_write_file(GH_FAIL_RM "probability", "0");
	ASSERT_EQ(inj0 + 15, keyval(GH_FAIL_RM "injected", "total"));

	ASSERT_EQ(0, gh_write_file(SIM "rm_fake_reply", "%#x 0 0000", ALLOC_VMID));
	ASSERT_EQ(0, gh_write_file(RPC_TIMEOUT, "%s", self->rpc_timeout));
	fd = gh_create_vm(self->dev);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, gh_call_start(&c, gh_start_fn, fd));
	EXPECT_TRUE(gh_wait_sleeps_in(atomic_load(&c.tid), "gunyah_rm_call", &c.done))
		TH_LOG("the second start is not waiting for ALLOC_VMID");
	ASSERT_EQ(0, gh_write_file(SIM "rm_pause", "N"));
	pthread_join(c.thread, NULL);

	EXPECT_EQ(0, c.ret) TH_LOG("the second start: %s", strerror(c.err));
	EXPECT_LT(0, gh_vmid(c.fd));
	EXPECT_TRUE(klog_has(&self->log, "its call timed out"));
	EXPECT_EQ(0, close(c.fd));
}

/* Poll until "KEY: N" of @path reads @want; the last value read */
static long long wait_keyval(const char *path, const char *key, long long want)
{
	long long v = -1;
	int i;

	for (i = 0; i < WAIT_S * 1000; i++) {
		v = keyval(path, key);
		if (v == want)
			break;
		usleep(1000);
	}
	return v;
}

/*
 * An RM that floods the host with notifications while the notifier chain
 * is stuck (rm_notifications "hold") costs at most notif_backlog of them
 * in memory: the rest are dropped, counted and logged, and what waited is
 * delivered once the chain moves. 8 may wait; 200 come (4 rm_rx writes
 * of 50), each a VM_STATUS RUNNING for a running VM.
 */
TEST_F(rm, notification_flood_is_bounded)
{
	long long dropped0, got0;
	char out[4096], path[64];
	int fd, vmid, i, j;
	__u8 p[8];

	if (self->skip)
		return;	/* setup skipped */
	ASSERT_EQ(0, access(RM_NOTIFS, R_OK));

	fd = gh_started_vm(self->dev, &vmid);
	ASSERT_LE(0, fd);
	snprintf(path, sizeof(path), GH_DEBUGFS "vm%d/stats", vmid);
	ASSERT_EQ(0, gh_write_file(BACKLOG, "8"));
	ASSERT_EQ(0, gh_write_file(RM_NOTIFS, "hold"));
	got0 = keyval(path, "notifications_vm_status");
	dropped0 = keyval(RM_NOTIFS, "dropped");

	status_payload(p, vmid, ST_RUNNING);
	for (j = 0; j < 4; j++) {
		out[0] = '\0';
		for (i = 0; i < 50; i++)
			msg(out, RM_API, T_NOTIF, 0, 0, N_VM_STATUS, p, sizeof(p));
		ASSERT_EQ(0, gh_write_file(SIM "rm_rx", "%s", out));
	}
	EXPECT_EQ(dropped0 + 192, wait_keyval(RM_NOTIFS, "dropped", dropped0 + 192));
	EXPECT_EQ(8, keyval(RM_NOTIFS, "queued"));
	EXPECT_EQ(got0, keyval(path, "notifications_vm_status"));
	EXPECT_TRUE(klog_has(&self->log, "the backlog is full (notif_backlog)"));

	ASSERT_EQ(0, gh_write_file(RM_NOTIFS, "release"));
	EXPECT_EQ(0, wait_keyval(RM_NOTIFS, "queued", 0));
	EXPECT_EQ(got0 + 8, wait_keyval(path, "notifications_vm_status", got0 + 8));
	EXPECT_EQ(0, close(fd));
}

struct bad_reply {
	__u32 msg_id;
	const char *payload;	/* hex, "-" for none, NULL: one bad entry */
	int err;
	const char *log;
	const char *state;	/* after the failed start */
};

static const struct bad_reply bad_replies[] = {
	{ ALLOC_VMID, "-", EBADMSG, "ALLOC_VMID reply is 0 bytes: no vmid", "no_state" },
	{ ALLOC_VMID, "00000000", EBADMSG, "ALLOC_VMID returned vmid 0", "no_state" },
	{ HYP_RESOURCES, "0000", EBADMSG, "is 2 bytes: no entry count", "init_failed" },
	{ HYP_RESOURCES, "01000000", EBADMSG, "claims 1 entries but holds 4 bytes",
	  "init_failed" },
	{ HYP_RESOURCES, NULL, EINVAL, "cannot map virq 1 of vcpu resource label 0",
	  "init_failed" },
};

TEST_F(rm, malformed_replies)
{
	static char hex[4096];
	char buf[128];
	__u8 res[4 + 44] = { 1 };
	unsigned int i;
	int fd;

	if (self->skip)
		return;	/* setup skipped */

	for (i = 0; i < ARRAY_SIZE(bad_replies); i++) {
		const struct bad_reply *b = &bad_replies[i];
		const char *payload = b->payload;

		if (!payload) {	/* one vCPU whose virq is no GIC SPI */
			vcpu_entry(res + 4, 0, 0x1000, 1);
			hex[0] = '\0';
			hexcat(hex, res, sizeof(res));
			payload = hex;
		}
		fd = gh_create_vm(self->dev);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, gh_write_file(SIM "rm_fake_reply", "%#x 0 %s", b->msg_id, payload));
		EXPECT_EQ(-1, ioctl(fd, GUNYAH_VM_START)) TH_LOG("case %u", i);
		EXPECT_EQ(b->err, errno) TH_LOG("case %u: %s", i, strerror(errno));
		EXPECT_STREQ("none", gh_read_file(SIM "rm_fake_reply", buf, sizeof(buf)));
		EXPECT_TRUE(klog_has(&self->log, b->log)) TH_LOG("no \"%s\"", b->log);
		EXPECT_STREQ(b->state, vm_state(fd, buf, sizeof(buf)));
		EXPECT_EQ(0, gh_vmid(fd));
		/* The start was rolled back: the RM holds nothing of it */
		EXPECT_EQ(self->nvms, sim_stat("vms")) TH_LOG("case %u", i);
		if (!strcmp(b->state, "no_state")) {
			EXPECT_EQ(0, ioctl(fd, GUNYAH_VM_START))
				TH_LOG("case %u: restart: %s", i, strerror(errno));
		} else {
			GH_EXPECT_ERRNO(EINVAL, ioctl(fd, GUNYAH_VM_START));
		}
		EXPECT_EQ(0, close(fd));
		EXPECT_EQ(self->nvms, sim_stat("vms"));
	}
}

static const char * const quirk_logs[] = {
	"duplicate vcpu resource label 0 (capid 0x1001) left unclaimed",
	"vCPU 1 resource has no wake-up interrupt",
};

/* Resources the VM manager or the vCPU turns down; the VM still starts */
TEST_F(rm, resource_list_quirks)
{
	__u8 res[4 + 3 * 44] = { 3 };
	static char hex[4096];
	char path[96], line[256];
	int fd, vcpu[2], i, vmid, claimed = 0, unclaimed = 0;
	FILE *f;

	if (self->skip)
		return;	/* setup skipped */

	fd = gh_create_vm(self->dev);
	ASSERT_LE(0, fd);
	for (i = 0; i < 2; i++) {
		vcpu[i] = gh_add_vcpu(fd, i);
		ASSERT_LE(0, vcpu[i]) TH_LOG("vCPU %d: %s", i, strerror(errno));
	}
	vcpu_entry(res + 4, 0, 0x1000, 32 + 980);	/* claimed by vCPU 0 */
	vcpu_entry(res + 4 + 44, 0, 0x1001, 32 + 981);	/* label 0 again */
	vcpu_entry(res + 4 + 88, 1, 0x1002, 0);		/* no wake-up irq */
	hexcat(hex, res, sizeof(res));
	ASSERT_EQ(0, gh_write_file(SIM "rm_fake_reply", "%#x 0 %s", HYP_RESOURCES, hex));
	ASSERT_EQ(0, ioctl(fd, GUNYAH_VM_START)) TH_LOG("start: %s", strerror(errno));
	vmid = gh_vmid(fd);

	for (i = 0; i < (int)ARRAY_SIZE(quirk_logs); i++)
		EXPECT_TRUE(klog_has(&self->log, quirk_logs[i])) TH_LOG("log line %d missing", i);

	snprintf(path, sizeof(path), GH_DEBUGFS "vm%d/resources", vmid);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f) TH_LOG("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "claimed=1")) {
			claimed++;
			EXPECT_NE(NULL, strstr(line, "capid=0x1000")) TH_LOG("%s", line);
		} else if (strstr(line, "claimed=0")) {
			unclaimed++;
		}
	}
	fclose(f);
	EXPECT_EQ(1, claimed);
	EXPECT_EQ(2, unclaimed);

	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, close(vcpu[i]));
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(self->nvms, sim_stat("vms"));
}

/* Start a VM whose GET_HYP_RESOURCES names these vCPU virqs; its errno */
static int start_with_virqs(int dev, const __u32 *virqs, int n)
{
	__u8 res[4 + 2 * 44] = { (__u8)n };
	static char hex[1024];
	int fd, vcpu[2], i, err;

	fd = gh_create_vm(dev);
	if (fd < 0)
		return -1;
	for (i = 0; i < n; i++) {
		vcpu[i] = gh_add_vcpu(fd, i);
		vcpu_entry(res + 4 + 44 * i, i, 0x1000 + i, virqs[i]);
	}
	hex[0] = '\0';
	hexcat(hex, res, 4 + 44 * n);
	gh_write_file(SIM "rm_fake_reply", "%#x 0 %s", HYP_RESOURCES, hex);
	err = ioctl(fd, GUNYAH_VM_START) ? errno : 0;
	for (i = 0; i < n; i++)
		close(vcpu[i]);
	close(fd);
	return err;
}

/*
 * The RM names an interrupt that has a user already. The GIC driver (and
 * the sim's domain, which behaves as it does) hands back the existing irq,
 * and disposing of it with the resource would take the interrupt from its
 * other user: here the RM's own RX queue interrupt (sim hwirq 1, SPI 33),
 * or a virq the RM named twice in one reply.
 */
TEST_F(rm, virq_in_use_is_refused)
{
	const __u32 rm_rx[] = { 33 }, twice[] = { 32 + 982, 32 + 982 };
	char line[256];
	int fd, vmid;

	if (self->skip)
		return;	/* setup skipped */

	EXPECT_EQ(EBUSY, start_with_virqs(self->dev, rm_rx, 1));
	EXPECT_TRUE(klog_has(&self->log, "virq 33 is mapped already"));
	EXPECT_TRUE(klog_has(&self->log, "cannot map virq 33 of vcpu resource label 0: -16"));
	EXPECT_FALSE(klog_has(&self->log, "unmapped while still requested"));
	/* The RM's RX interrupt survived the rollback: replies still arrive */
	gh_write_file(RPC_TIMEOUT, "3000");
	fd = gh_started_vm(self->dev, &vmid);
	EXPECT_LE(0, fd) TH_LOG("start after the refusal: %s", strerror(errno));
	if (fd >= 0)
		EXPECT_EQ(0, close(fd));

	EXPECT_EQ(EBUSY, start_with_virqs(self->dev, twice, 2));
	snprintf(line, sizeof(line), "virq %u is mapped already", twice[1]);
	EXPECT_TRUE(klog_has(&self->log, line));
	/* The first of the two went with the rollback: the virq is free again */
	EXPECT_EQ(0, start_with_virqs(self->dev, twice, 1));
	EXPECT_EQ(self->nvms, sim_stat("vms"));
}

/* ---- RM errors while a failed start is undone ---- */

TEST_F(rm, rollback_calls_fail)
{
	static const struct {
		const char *ids;
		const char *log;
		int leftover;
	} cases[] = {
		/* START fails, then the RESET that undoes it: the RM keeps the vmid */
		{ "0x56000004 0x56000006", "reset failed: -22; vmid left allocated", 1 },
		/* START fails, then DEALLOC_VMID after the reset: the RM keeps it */
		{ "0x56000004 0x56000002", "freeing the vmid failed: -22", 1 },
	};
	unsigned int i;
	long long inj0;
	struct stat st;
	char buf[64];
	int fd;

	if (self->skip)
		return;	/* setup skipped */
	if (stat(GH_FAIL_RM, &st))
		SKIP(return, "no " GH_FAIL_RM);

	for (i = 0; i < 2; i++) {
		inj0 = keyval(GH_FAIL_RM "injected", "total");
		ASSERT_EQ(0, gh_write_file(GH_FAIL_RM "msg_ids", "%s", cases[i].ids));
		ASSERT_EQ(0, gh_write_file(GH_FAIL_RM "times", "2"));
		ASSERT_EQ(0, gh_write_file(GH_FAIL_RM "probability", "100"));
		fd = gh_create_vm(self->dev);
		ASSERT_LE(0, fd);
		GH_EXPECT_ERRNO(EINVAL, ioctl(fd, GUNYAH_VM_START));
		gh_write_file(GH_FAIL_RM "probability", "0");
		EXPECT_EQ(inj0 + 2, keyval(GH_FAIL_RM "injected", "total"));
		EXPECT_TRUE(klog_has(&self->log, cases[i].log)) TH_LOG("no \"%s\"", cases[i].log);
		EXPECT_STREQ("init_failed", vm_state(fd, buf, sizeof(buf)));
		EXPECT_EQ(0, close(fd));
		EXPECT_EQ(self->nvms + cases[i].leftover, sim_stat("vms"));
		EXPECT_EQ(cases[i].leftover, reap_new(self->before, self->nbefore, -1));
	}
}

/* ---- a VM that ignores even a forced stop ---- */

TEST_F(rm, stop_ignored_even_when_forced)
{
	char path[96], buf[512], want[128];
	int fd, vmid;

	if (self->skip)
		return;	/* setup skipped */

	fd = gh_started_vm(self->dev, &vmid);
	ASSERT_LE(0, fd);
	snprintf(path, sizeof(path), SIM "vm%d/ignore_stop", vmid);
	ASSERT_EQ(0, gh_write_file(path, "Y"));
	snprintf(path, sizeof(path), SIM "vm%d/ignore_force_stop", vmid);
	ASSERT_EQ(0, gh_write_file(path, "Y"));
	ASSERT_EQ(0, gh_write_file(STOP_TIMEOUT, "100"));

	EXPECT_EQ(0, close(fd));	/* teardown gives up after 2 x 100 ms */

	snprintf(want, sizeof(want), "VM %d did not stop within 100 ms; forcing it", vmid);
	EXPECT_TRUE(klog_has(&self->log, want)) TH_LOG("no \"%s\"", want);
	snprintf(want, sizeof(want), "VM %d still running after a forced stop", vmid);
	EXPECT_TRUE(klog_has(&self->log, want)) TH_LOG("no \"%s\"", want);
	/* Stopped once more before the reset, in vain: no reset, no DEALLOC */
	snprintf(want, sizeof(want),
		 "VM %d: still running 100 ms after a forced stop; vmid left allocated", vmid);
	EXPECT_TRUE(klog_has(&self->log, want)) TH_LOG("no \"%s\"", want);
	/* The simulated RM still runs it; only reaping frees it */
	snprintf(path, sizeof(path), SIM "vm%d/status", vmid);
	EXPECT_NE(NULL, strstr(gh_read_file(path, buf, sizeof(buf)), "status: running"));
	EXPECT_EQ(0, gh_sim_reap(vmid));
	EXPECT_EQ(self->nvms, sim_stat("vms"));
}

/*
 * A spurious VM_STATUS PAUSED (the RM runs the VM on) must not orphan
 * the VM: teardown stops, forced, what the RM says it runs, then frees
 * it. Once with the status injected as if from the RM, once from the RM
 * queue itself (rm_rx).
 */
TEST_F(rm, teardown_stops_a_vm_reported_paused)
{
	char want[96], out[128];
	long long n0;
	__u8 p[8];
	int fd, vmid, i;

	if (self->skip)
		return;	/* setup skipped */
	for (i = 0; i < 2; i++) {
		fd = gh_started_vm(self->dev, &vmid);
		ASSERT_LE(0, fd);
		n0 = status_count(vmid);
		if (i == 0) {
			ASSERT_EQ(0, gh_write_file(GH_DEBUGFS "rm_inject/vm_status", "%d 4", vmid));
		} else {
			out[0] = '\0';
			status_payload(p, vmid, 4);
			msg(out, RM_API, T_NOTIF, 0, 0, N_VM_STATUS, p, sizeof(p));
			ASSERT_EQ(0, gh_write_file(SIM "rm_rx", "%s", out));
		}
		ASSERT_LE(n0 + 1, wait_ge(status_count, vmid, n0 + 1));
		EXPECT_STREQ("paused", vm_state(fd, out, sizeof(out)));
		EXPECT_EQ(0, close(fd));
		snprintf(want, sizeof(want), "VM %d: the RM still runs it; stopping it", vmid);
		EXPECT_TRUE(klog_has(&self->log, want)) TH_LOG("no \"%s\"", want);
		EXPECT_EQ(self->nvms, sim_stat("vms"));
	}
}

/* ---- no free file descriptor ---- */

TEST_F(rm, no_free_fd)
{
	struct rlimit lim = self->nofile;
	int vm, fill[64], n = 0, fd, v;

	if (self->skip)
		return;	/* setup skipped */

	vm = gh_create_vm(self->dev);
	ASSERT_LE(0, vm);
	lim.rlim_cur = vm + 16;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &lim));
	while (n < 64 && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		fill[n++] = fd;
	ASSERT_EQ(EMFILE, errno);

	GH_EXPECT_ERRNO(EMFILE, gh_create_vm(self->dev));
	GH_EXPECT_ERRNO(EMFILE, gh_add_vcpu(vm, 0));

	while (n)
		close(fill[--n]);
	setrlimit(RLIMIT_NOFILE, &self->nofile);
	EXPECT_TRUE(klog_has(&self->log, "cannot create a VM file: -24"));
	EXPECT_TRUE(klog_has(&self->log, "binding function vcpu failed: -24"));

	/* Nothing of the failed vCPU is left: its id is free */
	v = gh_add_vcpu(vm, 0);
	EXPECT_LE(0, v) TH_LOG("vCPU 0 after the failed add: %s", strerror(errno));
	EXPECT_EQ(0, ioctl(vm, GUNYAH_VM_START)) TH_LOG("start: %s", strerror(errno));
	if (v >= 0)
		close(v);
	EXPECT_EQ(0, close(vm));
}

/* ---- a full TX queue ---- */

struct starter {
	pthread_t thread;
	int fd, ret, err;
};

static void *start_vm(void *arg)
{
	struct starter *s = arg;

	s->ret = ioctl(s->fd, GUNYAH_VM_START);
	s->err = s->ret ? errno : 0;
	return NULL;
}

TEST_F_TIMEOUT(rm, tx_queue_full_waits_for_space, 300)
{
	struct starter st[65];
	char buf[32];
	long long full0, full;
	int depth, n, i;
	double end;

	if (self->skip)
		return;	/* setup skipped */

	depth = atoi(gh_read_file(MSGQ_DEPTH, buf, sizeof(buf)));
	ASSERT_LT(0, depth);
	ASSERT_GE(64, depth);
	n = depth + 1;	/* one more caller than the queue holds */
	for (i = 0; i < n; i++) {
		st[i].fd = gh_create_vm(self->dev);
		ASSERT_LE(0, st[i].fd);
	}
	ASSERT_EQ(0, gh_write_file(RPC_TIMEOUT, "120000"));	/* replies wait for the RM */
	full0 = sim_stat("tx_full");
	ASSERT_EQ(0, gh_write_file(SIM "rm_pause", "Y"));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, pthread_create(&st[i].thread, NULL, start_vm, &st[i]));

	/* The last sender finds the queue full and waits for TX space */
	end = now() + WAIT_S;
	while ((full = sim_stat("tx_full")) <= full0 && now() < end)
		sched_yield();
	EXPECT_LT(full0, full) TH_LOG("no sender found the TX queue full");
	EXPECT_EQ(depth, sim_stat("tx_queued"));

	ASSERT_EQ(0, gh_write_file(SIM "rm_pause", "N"));	/* space: the TX irq wakes it */
	for (i = 0; i < n; i++) {
		pthread_join(st[i].thread, NULL);
		EXPECT_EQ(0, st[i].ret) TH_LOG("VM %d: %s", i, strerror(st[i].err));
	}
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, close(st[i].fd));
	EXPECT_EQ(self->nvms, sim_stat("vms"));
}

/* ---- receive errors ---- */

static int arm_recv(int err, int times)
{
	return gh_write_file(GH_FAIL_HC "hypercalls", "msgq_recv") ||
	       gh_write_file(GH_FAIL_HC "error", "%d", err) ||
	       gh_write_file(GH_FAIL_HC "times", "%d", times) ||
	       gh_write_file(GH_FAIL_HC "probability", "100");
}

/* A receive error used to stop the RX thread: the caller timed out */
TEST_F(rm, rx_receive_error_retried)
{
	static const int errs[] = { -2, 31, 1 };
	long long inj0;
	struct stat st;
	unsigned int i;
	int fd;

	if (self->skip)
		return;	/* setup skipped */
	if (stat(GH_FAIL_HC, &st))
		SKIP(return, "no " GH_FAIL_HC);

	for (i = 0; i < ARRAY_SIZE(errs); i++) {
		fd = gh_create_vm(self->dev);
		ASSERT_LE(0, fd);
		inj0 = keyval(GH_FAIL_HC "injected", "msgq_recv");
		ASSERT_EQ(0, arm_recv(errs[i], 1));
		EXPECT_EQ(0, ioctl(fd, GUNYAH_VM_START))
			TH_LOG("error %d: start: %s", errs[i], strerror(errno));
		gh_write_file(GH_FAIL_HC "probability", "0");
		/*
		 * One receive failed and the start still completed: it was
		 * retried. (Its "retrying" line is ratelimited, so whether it
		 * shows depends on what ran in the last 5 s: not checked.)
		 */
		EXPECT_EQ(inj0 + 1, keyval(GH_FAIL_HC "injected", "msgq_recv"));
		EXPECT_EQ(0, close(fd));
	}
	EXPECT_EQ(self->nvms, sim_stat("vms"));
}

TEST_F(rm, rx_receive_error_that_lasts)
{
	long long inj0, inj;
	struct stat st;
	int fd, vmid;

	if (self->skip)
		return;	/* setup skipped */
	if (stat(GH_FAIL_HC, &st))
		SKIP(return, "no " GH_FAIL_HC);

	fd = gh_create_vm(self->dev);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, gh_write_file(RPC_TIMEOUT, "500"));
	inj0 = keyval(GH_FAIL_HC "injected", "msgq_recv");
	ASSERT_EQ(0, arm_recv(31, -1));
	GH_EXPECT_ERRNO(ETIMEDOUT, ioctl(fd, GUNYAH_VM_START));
	gh_write_file(GH_FAIL_HC "probability", "0");
	inj = keyval(GH_FAIL_HC "injected", "msgq_recv");
	EXPECT_EQ(inj0 + 9, inj) TH_LOG("1 receive and 8 retries, then it waits");
	EXPECT_TRUE(klog_has(&self->log,
			     "RX message queue receive failed 9 times: gunyah error 31"));
	gh_write_file(RPC_TIMEOUT, "%s", self->rpc_timeout);

	/* The next RX interrupt drains the stale reply, then the new one */
	EXPECT_EQ(0, ioctl(fd, GUNYAH_VM_START)) TH_LOG("restart: %s", strerror(errno));
	EXPECT_EQ(0, wait_rx_drained());
	vmid = gh_vmid(fd);
	/* The RM did allocate a vmid for the call that timed out */
	EXPECT_EQ(1, reap_new(self->before, self->nbefore, vmid));
	EXPECT_EQ(0, close(fd));
	EXPECT_EQ(self->nvms, sim_stat("vms"));
}

/* ---- broken RM devices ---- */

TEST_F(rm, probe_errors)
{
	static const struct {
		const char *mode, *log;
	} modes[] = {
		/* deferred until a hypervisor node binds, or refused */
		{ "no_pdata", NULL },
		{ "no_irq", "no TX-allowed irq (resource 0)" },
		{ "one_irq", "no RX-requested irq (resource 1)" },
		{ "bad_tx_irq", "cannot request TX irq" },
		{ "bad_rx_irq", "cannot request RX irq" },
		{ "second", "/dev/gunyah belongs to another resource manager" },
	};
	char want[96];
	unsigned int i;
	int fd, vmid;

	if (self->skip)
		return;	/* setup skipped */

	EXPECT_EQ(-EINVAL, gh_write_file(SIM "rm_probe", "bogus"));
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		EXPECT_EQ(0, gh_write_file(SIM "rm_probe", "%s", modes[i].mode))
			TH_LOG("%s: the device bound or was not created", modes[i].mode);
		if (modes[i].log) {
			EXPECT_TRUE(klog_has(&self->log, modes[i].log))
				TH_LOG("%s: no \"%s\"", modes[i].mode, modes[i].log);
		}
		snprintf(want, sizeof(want), "rm_probe %s: gunyah_rsc_mgr.", modes[i].mode);
		EXPECT_TRUE(klog_has(&self->log, want)) TH_LOG("no \"%s\"", want);
	}
	/* The bound RM and /dev/gunyah are unaffected */
	fd = gh_started_vm(self->dev, &vmid);
	EXPECT_LE(0, fd) TH_LOG("start after the probes: %s", strerror(errno));
	EXPECT_EQ(0, fd >= 0 ? close(fd) : 0);
	fd = gh_open_dev();
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
}

/* ---- allocation failures (fail-nth, failslab) ---- */

struct nth {
	int fd;
	char gfp_wait[8], verbose[8];
};

static int nth_setup(struct nth *n)
{
	struct stat st;

	if (stat(FAILSLAB "ignore-gfp-wait", &st))
		return -1;
	n->fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	if (n->fd < 0)
		return -1;
	gh_read_file(FAILSLAB "ignore-gfp-wait", n->gfp_wait, sizeof(n->gfp_wait));
	gh_read_file(FAILSLAB "verbose", n->verbose, sizeof(n->verbose));
	/* GFP_KERNEL allocations too; no stack dump (a splat to the rig) */
	if (gh_write_file(FAILSLAB "ignore-gfp-wait", "N") ||
	    gh_write_file(FAILSLAB "verbose", "0"))
		return -1;
	return 0;
}

static void nth_restore(struct nth *n)
{
	if (n->fd >= 0)
		close(n->fd);
	gh_write_file(FAILSLAB "times", "1");	/* each injection took one */
	if (n->gfp_wait[0])
		gh_write_file(FAILSLAB "ignore-gfp-wait", "%s", n->gfp_wait);
	if (n->verbose[0])
		gh_write_file(FAILSLAB "verbose", "%s", n->verbose);
}

static void nth_arm(struct nth *n, int k)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", k);
	if (pwrite(n->fd, buf, strlen(buf), 0) < 0)
		perror("fail-nth");
}

/* Whether the armed fault was injected; disarms it */
static int nth_fired(struct nth *n)
{
	char buf[16] = "";
	int left;

	if (pread(n->fd, buf, sizeof(buf) - 1, 0) < 0)
		return 0;
	left = atoi(buf);
	if (left)
		nth_arm(n, 0);
	return !left;
}

enum nth_op { OP_CREATE, OP_START, OP_ADD_VCPU };

/*
 * Fail the k-th allocation of @op for k = 1, 2, ... until @op completes
 * without reaching one. Each failure must give ENOMEM (or be absorbed:
 * debugfs entries, kmemleak's own metadata) and leave nothing behind.
 * VM_START runs without vCPU functions: a failure inside request_irq()'s
 * register_irq_proc() is ignored by the kernel, whose free_irq() path then
 * warns in remove_proc_entry() (a core-kernel splat, not this driver's).
 */
static void nth_sweep(struct __test_metadata *_metadata, struct _test_data_rm *self,
		      struct nth *n, enum nth_op op)
{
	int k, vm, ret, err, fired, failed = 0, absorbed = 0;
	static const char * const names[] = { "CREATE_VM", "VM_START", "ADD_FUNCTION" };

	for (k = 1; k < 1000; k++) {
		vm = -1;
		if (op != OP_CREATE) {
			vm = gh_create_vm(self->dev);
			ASSERT_LE(0, vm);
		}
		nth_arm(n, k);
		switch (op) {
		case OP_CREATE:
			ret = gh_create_vm(self->dev);
			break;
		case OP_START:
			ret = ioctl(vm, GUNYAH_VM_START);
			break;
		default:
			ret = gh_add_vcpu(vm, 0);
			break;
		}
		err = errno;
		fired = nth_fired(n);
		if (ret < 0) {
			EXPECT_EQ(ENOMEM, err)
				TH_LOG("%s, allocation %d failed: %s", names[op], k, strerror(err));
			EXPECT_TRUE(fired)
				TH_LOG("%s failed by itself: %s", names[op], strerror(err));
			failed++;
		} else if (fired) {
			absorbed++;
		}
		if (op == OP_ADD_VCPU && ret < 0) {
			/* the failed add left nothing: the id is free */
			ret = gh_add_vcpu(vm, 0);
			EXPECT_LE(0, ret) TH_LOG("add after allocation %d failed: %s", k,
						 strerror(errno));
		}
		if (op == OP_CREATE || (op == OP_ADD_VCPU && ret >= 0))
			if (ret >= 0)
				close(ret);
		if (vm >= 0)
			close(vm);
		/* a failed DEALLOC_VMID leaves the vmid with the RM */
		if (sim_stat("vms") > self->nvms)
			reap_new(self->before, self->nbefore, -1);
		if (!fired)
			break;
	}
	TH_LOG("%s: %d allocations, %d failures returned ENOMEM, %d absorbed",
	       names[op], k - 1, failed, absorbed);
	/*
	 * Which of VM_START's allocations run in this task (and so take the
	 * injected failure) varies with reply timing: once all 103 failures
	 * were absorbed. Only the other operations must surface an ENOMEM.
	 */
	if (op != OP_START)
		EXPECT_LT(0, failed);
	EXPECT_GT(1000, k);
}

TEST_F_TIMEOUT(rm, alloc_failures, 900)
{
	struct nth n = { .fd = -1 };

	if (self->skip)
		return;	/* setup skipped */
	if (nth_setup(&n)) {
		nth_restore(&n);
		SKIP(return, "no " FAIL_NTH " or " FAILSLAB " (CONFIG_FAILSLAB)");
	}
	nth_sweep(_metadata, self, &n, OP_CREATE);
	nth_sweep(_metadata, self, &n, OP_ADD_VCPU);
	nth_sweep(_metadata, self, &n, OP_START);
	nth_restore(&n);
	EXPECT_EQ(self->nvms, sim_stat("vms"));
}

/* The RX thread's copy of a reply fails: the caller gets ENOMEM */
static int rx_thread_pid(void)
{
	char line[512], path[64], comm[64], prefix[32];
	struct dirent *de;
	int irq = -1, pid = -1;
	FILE *f = fopen("/proc/interrupts", "r");
	DIR *d;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "gunyah_rm_rx") && sscanf(line, " %d:", &irq) == 1)
			break;
	fclose(f);
	if (irq < 0)
		return -1;
	snprintf(prefix, sizeof(prefix), "irq/%d-", irq);
	d = opendir("/proc");
	if (!d)
		return -1;
	while (pid < 0 && (de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", atoi(de->d_name));
		if (!strncmp(gh_read_file(path, comm, sizeof(comm)), prefix, strlen(prefix)))
			pid = atoi(de->d_name);
	}
	closedir(d);
	return pid;
}

/* failslab aimed at one task (make-it-fail), @times allocations in a row */
struct slab_fault {
	char make_it_fail[64], gfp_wait[8], verbose[8];
};

static int slab_fault_arm(struct slab_fault *f, const char *make_it_fail, int times)
{
	snprintf(f->make_it_fail, sizeof(f->make_it_fail), "%s", make_it_fail);
	gh_read_file(FAILSLAB "ignore-gfp-wait", f->gfp_wait, sizeof(f->gfp_wait));
	gh_read_file(FAILSLAB "verbose", f->verbose, sizeof(f->verbose));
	/* GFP_KERNEL allocations too; no stack dump (a splat to the rig) */
	return gh_write_file(FAILSLAB "verbose", "0") ||
	       gh_write_file(FAILSLAB "ignore-gfp-wait", "N") ||
	       gh_write_file(FAILSLAB "task-filter", "Y") ||
	       gh_write_file(FAILSLAB "interval", "1") ||
	       gh_write_file(FAILSLAB "space", "0") ||
	       gh_write_file(FAILSLAB "times", "%d", times) ||
	       gh_write_file(f->make_it_fail, "1") ||
	       gh_write_file(FAILSLAB "probability", "100");
}

/* Disarm; the failures left of @times */
static int slab_fault_disarm(struct slab_fault *f)
{
	char buf[16];
	int left;

	gh_write_file(FAILSLAB "probability", "0");
	gh_write_file(f->make_it_fail, "0");
	left = atoi(gh_read_file(FAILSLAB "times", buf, sizeof(buf)));
	gh_write_file(FAILSLAB "times", "1");
	gh_write_file(FAILSLAB "task-filter", "N");
	gh_write_file(FAILSLAB "ignore-gfp-wait", "%s", f->gfp_wait[0] ? f->gfp_wait : "Y");
	gh_write_file(FAILSLAB "verbose", "%s", f->verbose[0] ? f->verbose : "2");
	return left;
}

TEST_F(rm, rx_reply_copy_fails)
{
	struct slab_fault f;
	char path[64];
	struct stat st;
	int fd, pid;

	if (self->skip)
		return;	/* setup skipped */
	if (stat(FAILSLAB "task-filter", &st))
		SKIP(return, "no " FAILSLAB " (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)");
	pid = rx_thread_pid();
	ASSERT_LT(0, pid) TH_LOG("no RX irq thread of gunyah_rm_rx");
	snprintf(path, sizeof(path), "/proc/%d/make-it-fail", pid);

	fd = gh_create_vm(self->dev);
	ASSERT_LE(0, fd);
	/* The RX thread's next allocation: the ALLOC_VMID reply's payload */
	EXPECT_EQ(0, slab_fault_arm(&f, path, 1));
	GH_EXPECT_ERRNO(ENOMEM, ioctl(fd, GUNYAH_VM_START));
	EXPECT_EQ(0, slab_fault_disarm(&f));
	EXPECT_TRUE(klog_has(&self->log, "RM call 0x56000001 seq "));
	EXPECT_TRUE(klog_has(&self->log, " failed: -12"));
	/* The RM allocated the vmid whose reply was lost */
	EXPECT_EQ(1, reap_new(self->before, self->nbefore, -1));
	EXPECT_EQ(0, ioctl(fd, GUNYAH_VM_START)) TH_LOG("restart: %s", strerror(errno));
	EXPECT_EQ(0, close(fd));
}

GH_REQUIRES(GH_REQ_DEBUGFS);

TEST_HARNESS_MAIN
