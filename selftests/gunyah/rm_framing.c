// SPDX-License-Identifier: GPL-2.0-only
/*
 * Resource-manager RPC framing, through the simulator: a VM with many
 * vCPUs gets a GET_HYP_RESOURCES reply that spans several continuation
 * fragments; every vCPU must show up in the VM's debugfs "resources" file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/gunyah.h>

#include "kselftest_harness.h"
#include "gunyah_util.h"
#include "gh_requires.h"

#define NR_VCPUS_PARAM	"/sys/module/gunyah_sim/parameters/nr_vcpus"
#define SIM_RM_STATS	"/sys/kernel/debug/gunyah_sim/rm_stats"
#define GUNYAH_DEBUGFS	"/sys/kernel/debug/gunyah"
#define MAX_VCPUS	64	/* the simulator's limit */

/*
 * One 240-byte message carries 232 payload bytes; a reply spends 4 on the
 * error code and GET_HYP_RESOURCES 4 more on the entry count, leaving room
 * for 5 entries of 44 bytes in the first fragment.
 */
#define ENTRY_SIZE		44
#define PAYLOAD_PER_MSG		232

static int reply_fragments(int nr_vcpus)
{
	int bytes = 4 + 4 + nr_vcpus * ENTRY_SIZE;

	return (bytes + PAYLOAD_PER_MSG - 1) / PAYLOAD_PER_MSG;
}

static int read_int(const char *path, int *val)
{
	FILE *f = fopen(path, "r");
	int ret;

	if (!f)
		return -errno;
	ret = fscanf(f, "%d", val) == 1 ? 0 : -EINVAL;
	fclose(f);
	return ret;
}

static int write_int(const char *path, int val)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fprintf(f, "%d\n", val) < 0 ? -EIO : 0;
	if (fclose(f))
		ret = -errno;
	return ret;
}

/* "name: value" from the simulator's RM statistics; -1 if unavailable */
static long long sim_stat(const char *name)
{
	char line[128];
	size_t len = strlen(name);
	long long val = -1;
	FILE *f = fopen(SIM_RM_STATS, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':') {
			val = atoll(line + len + 1);
			break;
		}
	fclose(f);
	return val;
}

FIXTURE(framing) {
	bool skip;	/* setup skipped: the body must not run */
	int dev;
	int saved_nr_vcpus;
};

FIXTURE_VARIANT(framing) {
	int nr_vcpus;
};

/* 1 and 5 fit one message; 6 needs a continuation; 64 needs 13 messages */
FIXTURE_VARIANT_ADD(framing, one_vcpu) { .nr_vcpus = 1 };
FIXTURE_VARIANT_ADD(framing, five_vcpus) { .nr_vcpus = 5 };
FIXTURE_VARIANT_ADD(framing, six_vcpus) { .nr_vcpus = 6 };
FIXTURE_VARIANT_ADD(framing, thirty_vcpus) { .nr_vcpus = 30 };
FIXTURE_VARIANT_ADD(framing, max_vcpus) { .nr_vcpus = MAX_VCPUS };

FIXTURE_SETUP(framing)
{
	self->saved_nr_vcpus = -1;
	GH_OPEN_DEV(self->dev, &self->skip, return);
	if (read_int(NR_VCPUS_PARAM, &self->saved_nr_vcpus)) {
		self->skip = true;
		SKIP(return, "not on the simulator (no %s)", NR_VCPUS_PARAM);
	}
	if (access(GUNYAH_DEBUGFS, F_OK)) {
		self->skip = true;
		SKIP(return, "%s is not there (debugfs not mounted?)", GUNYAH_DEBUGFS);
	}
	ASSERT_EQ(0, write_int(NR_VCPUS_PARAM, variant->nr_vcpus));
}

FIXTURE_TEARDOWN(framing)
{
	if (self->saved_nr_vcpus >= 0)
		write_int(NR_VCPUS_PARAM, self->saved_nr_vcpus);
	if (self->dev >= 0)
		close(self->dev);
}

TEST_F(framing, every_vcpu_resource_listed)
{
	int n = variant->nr_vcpus, seen[MAX_VCPUS] = { 0 };
	long long multi0, multi1;
	unsigned int label, irq;
	char path[128], line[256], type[32];
	int fd, vmid, i, fields, vcpus = 0;
	unsigned long long capid;
	FILE *f;

	if (self->skip)
		return;	/* setup skipped */

	multi0 = sim_stat("replies_multi");

	fd = gh_create_vm(self->dev);
	ASSERT_LE(0, fd) TH_LOG("GUNYAH_CREATE_VM: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(fd, GUNYAH_VM_START)) TH_LOG("start: %s", strerror(errno));
	vmid = gh_vmid(fd);
	ASSERT_LT(0, vmid);

	snprintf(path, sizeof(path), GUNYAH_DEBUGFS "/vm%d/resources", vmid);
	f = fopen(path, "r");
	ASSERT_NE(NULL, f) TH_LOG("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		fields = sscanf(line, "type=%31s label=%u capid=%llx irq=%u",
				type, &label, &capid, &irq);
		ASSERT_EQ(4, fields) TH_LOG("unparsable line: %s", line);
		if (strcmp(type, "vcpu"))
			continue;
		vcpus++;
		ASSERT_GT(n, (int)label) TH_LOG("vCPU label %u out of range", label);
		seen[label]++;
		EXPECT_NE(0, irq) TH_LOG("vCPU %u has no wake-up irq", label);
	}
	fclose(f);

	EXPECT_EQ(n, vcpus);
	for (i = 0; i < n; i++)
		EXPECT_EQ(1, seen[i]) TH_LOG("vCPU %d listed %d times", i, seen[i]);

	multi1 = sim_stat("replies_multi");
	if (multi0 >= 0 && reply_fragments(n) > 1)
		EXPECT_LT(multi0, multi1)
			TH_LOG("%d vCPUs should need %d fragments", n, reply_fragments(n));

	EXPECT_EQ(0, close(fd));

	/* The VM's directory goes with the VM */
	snprintf(path, sizeof(path), GUNYAH_DEBUGFS "/vm%d", vmid);
	EXPECT_NE(0, access(path, F_OK));
}

GH_REQUIRES(GH_REQ_ROOT | GH_REQ_DEBUGFS);

TEST_HARNESS_MAIN
