// SPDX-License-Identifier: GPL-2.0-only
/// The vcpu_run page is shared with userspace, which may rewrite any byte
/// at any moment. A value read from it must not decide kernel control flow
/// or a size unless it was first copied once (READ_ONCE into a local) and
/// bounded: otherwise the kernel can be made to check one value and use
/// another (a double fetch), or to copy past a buffer.
//
// Confidence: High
// Options: --include-headers-for-types --local-includes

virtual report

@once@
struct gunyah_vcpu_run *run;
position p;
@@
READ_ONCE(<+... run@p ...+>)

@bad@
struct gunyah_vcpu_run *run;
position p != once.p;
statement S1, S2;
expression E1, E2;
@@
(
if (<+... run@p ...+>) S1 else S2
|
if (<+... run@p ...+>) S1
|
while (<+... run@p ...+>) S1
|
switch (<+... run@p ...+>) { case E2: ... }
|
memcpy(E1, E2, <+... run@p ...+>)
|
E1[<+... run@p ...+>]
)

@script:python depends on report@
p << bad.p;
@@
coccilib.report.print_report(p[0], "shared vcpu_run page value used for control flow or a size without a kernel copy")
