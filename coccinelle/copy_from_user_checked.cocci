// SPDX-License-Identifier: GPL-2.0-only
/// The result of copying from userspace must be checked: on a fault the
/// kernel would go on with a buffer that is partly uninitialised (for
/// copy_from_user, the uncopied tail is zeroed, silently changing what the
/// user asked for).
//
// Confidence: High
// Options: --no-includes --include-headers

virtual report

@bad@
position p;
@@
(
copy_from_user@p(...);
|
__copy_from_user@p(...);
|
get_user@p(...);
|
strncpy_from_user@p(...);
|
simple_write_to_buffer@p(...);
|
memdup_user@p(...);
)

@script:python depends on report@
p << bad.p;
@@
coccilib.report.print_report(p[0], "result of a copy from userspace ignored")
