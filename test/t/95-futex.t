#!/usr/bin/env bash
# Issue 11, item 6: raw futexes made through libc's syscall() are greenlet
# waits. test/legacy/futex_ops calls every futex operation (errors
# included), 100 waiters, bitsets, requeue, wake-op, timeouts on both
# clocks, a signal during a wait, shared futexes between threads and
# processes, and other syscall() numbers: the same output natively and
# under the shim, on one OS thread (a wait that slept in the kernel would
# stop every other thread of the program, and the test with it).
. "$(dirname "$0")/../lib.sh"
plan 6
parity futex_ops "futex operations through syscall(): return values, errno, wake counts"
out=$(GEVENT_STATS=1 shim "$L/futex_ops" 2>&1)
like "$out" "thread +syscall +[0-9]+ +[1-9]" "GEVENT_STATS: futex waits went through the hub (syscall counted with waits)"
same_native_and_shim "the same with the thread subsystem off (futexes left to the kernel)" \
    env GEVENT_PATCH_THREAD=0 "$L/futex_ops"
"$RUN" --why syscall >/dev/null
ok $? "gevent-run --why syscall: patched"
GEVENT_PATCH_THREAD=0 "$RUN" --why syscall >/dev/null
[ $? -ne 0 ]
ok $? "gevent-run --why syscall: off with the thread subsystem"
