// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/gunyah: the device node exists and opens read-write.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "gunyah_util.h"
#include "gh_requires.h"

/* Runs on real Gunyah too */
TEST(open_dev_gunyah)
{
	int fd;

	GH_OPEN_DEV(fd, NULL, return);
	EXPECT_EQ(0, close(fd));
}

GH_REQUIRES(0);

TEST_HARNESS_MAIN
