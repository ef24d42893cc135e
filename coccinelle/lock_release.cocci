// SPDX-License-Identifier: GPL-2.0-only
/// A mutex or rw-semaphore taken in a function must be released on every
/// path that returns from it. A forgotten unlock on an error path hangs
/// the next caller (a vCPU run, a VM start) for good.
//
// A function that returns with the lock held on purpose belongs in
// coccinelle/suppressions with the reason.
//
// Confidence: Moderate
// Options: --no-includes --include-headers

virtual report

@bad exists@
expression L;
identifier f;
position p1, p2;
statement S;
@@
f(...) {
<+...
(
mutex_lock@p1(L);
|
down_read@p1(L);
|
down_write@p1(L);
|
if (\(mutex_lock_interruptible@p1(L)\|mutex_lock_killable@p1(L)\|down_read_interruptible@p1(L)\|down_write_killable@p1(L)\)) S
)
... when != mutex_unlock(L)
    when != up_read(L)
    when != up_write(L)
    when != downgrade_write(L)
return@p2 ...;
...+>
}

@script:python depends on report@
p1 << bad.p1;
p2 << bad.p2;
@@
coccilib.report.print_report(p2[0], "returns with the lock taken on line %s still held" % p1[0].line)
