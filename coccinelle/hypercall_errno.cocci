// SPDX-License-Identifier: GPL-2.0-only
/// A hypercall returns an enum gunyah_error, whose values (1, 31, -2, ...)
/// mean nothing as errnos: returned as they are, a positive value reads
/// as success to the ioctl caller and a negative one as the wrong errno
/// (RETRY, -2, would be -ENOENT). Map them with gunyah_error_remap().
//
// The backends and the hypercall layer itself pass the enum through on
// purpose; they are not checked (see the runner in scripts/lint.sh).
//
// Confidence: High
// Options: --no-includes --include-headers

virtual report

@bad@
identifier hc =~ "^gunyah_hypercall_(msgq_send|msgq_recv|vcpu_run)$";
expression ret, E;
position p;
@@
(
return@p hc(...);
|
ret = hc(...);
... when != gunyah_error_remap(ret)
    when != ret == E
    when != ret != E
    when != switch (ret) { case E: ... }
return@p ret;
)

@script:python depends on report@
p << bad.p;
@@
coccilib.report.print_report(p[0], "raw gunyah_error returned: map it with gunyah_error_remap()")
