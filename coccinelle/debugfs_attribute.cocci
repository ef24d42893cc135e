// SPDX-License-Identifier: GPL-2.0-only
/// Simple debugfs attributes must be DEFINE_DEBUGFS_ATTRIBUTE and be
/// registered with debugfs_create_file_unsafe(). DEFINE_SIMPLE_ATTRIBUTE
/// attributes in debugfs take the full file-removal protection on every
/// access and race with removal of their folder less safely; a
/// DEFINE_DEBUGFS_ATTRIBUTE one registered with debugfs_create_file()
/// is protected twice for nothing.
//
// Confidence: High
// Options: --no-includes --include-headers

virtual report

@simple@
declarer name DEFINE_SIMPLE_ATTRIBUTE;
identifier fops;
position p;
@@
DEFINE_SIMPLE_ATTRIBUTE@p(fops, ...);

@script:python depends on report@
p << simple.p;
@@
coccilib.report.print_report(p[0], "use DEFINE_DEBUGFS_ATTRIBUTE for a debugfs attribute")

@dattr@
declarer name DEFINE_DEBUGFS_ATTRIBUTE;
identifier fops;
@@
DEFINE_DEBUGFS_ATTRIBUTE(fops, ...);

@safe@
identifier dattr.fops;
position p;
@@
debugfs_create_file@p(..., &fops)

@script:python depends on report@
p << safe.p;
@@
coccilib.report.print_report(p[0], "register a DEFINE_DEBUGFS_ATTRIBUTE attribute with debugfs_create_file_unsafe()")
