// SPDX-License-Identifier: GPL-2.0-only
/*
 * Negative control of the VM test rig: a selftest that fails. A run that
 * includes it must fail.
 */
#include "kselftest_harness.h"

TEST(deliberate_failure)
{
	ASSERT_EQ(1, 2) TH_LOG("deliberate failure of the rig's negative control");
}

TEST_HARNESS_MAIN
