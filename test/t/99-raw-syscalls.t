#!/usr/bin/env bash
# Issue 15, item 6: system calls made without libc. raw_syscalls reads a
# socket with its own `syscall` instruction (data 300 ms later) and waits in
# a statically linked liburing's io_uring_wait_cqe (a 300 ms timeout) while
# another thread ticks every 10 ms. With GEVENT_SYSCALL_DISPATCH=on the
# same output as native (the ticker ticks through both waits) on one OS
# thread; the shared-liburing program of test 58 too. Without it the
# monitor names the raw call, and gevent-run --check lists them.
. "$(dirname "$0")/../lib.sh"
plan 9
native=$("$L/raw_syscalls" 2>&1)
like "$native" "raw read: 5 hello" "native: the raw read waits for the data"
sampled "$T/on" env GEVENT_SYSCALL_DISPATCH=on LD_PRELOAD="$LIB" "$L/raw_syscalls"
is "$(cat "$T/on")" "$native" "GEVENT_SYSCALL_DISPATCH=on: same output as native (the ticker ticks during the raw read and io_uring_wait_cqe)"
is "$RC" 0 "GEVENT_SYSCALL_DISPATCH=on: exit status 0"
[ "$MAXTHREADS" -le 1 ]; ok $? "GEVENT_SYSCALL_DISPATCH=on: one OS thread (saw $MAXTHREADS)"
u_native=$(timeout 60 "$L/uring_wait" 2>&1)
u_on=$(GEVENT_SYSCALL_DISPATCH=on shim timeout 60 "$L/uring_wait" 2>&1)
is "$u_on" "$u_native" "GEVENT_SYSCALL_DISPATCH=on: test 58's liburing program (its io_uring_enter in liburing.so) as natively"
mon=$(GEVENT_MONITOR=100 shim "$L/raw_syscalls" 2>&1)
like "$mon" "in system call: io_uring_enter.*"$'\n'"      made without libc: a syscall instruction at raw_syscalls\+0x" \
    "dispatch off: the monitor names the raw io_uring_enter holding the OS thread"
chk=$("$RUN" --check "$L/raw_syscalls")
like "$chk" "maybe +\(raw system calls\) +read, io_uring_enter, any number \(a wrapper\): .*in raw_syscalls" \
    "gevent-run --check lists the raw read and io_uring_enter as may block, with why"
like "$("$RUN" --check "$L/uring_wait")" "maybe +\(raw system calls\) +io_uring_enter.* in liburing.so" \
    "gevent-run --check: liburing's own io_uring_enter too"
out=$(GEVENT_SYSCALL_DISPATCH=maybe shim /bin/true 2>&1); rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] && [[ "$out" == *GEVENT_SYSCALL_DISPATCH*maybe*off*on* ]]
ok $? "a bad GEVENT_SYSCALL_DISPATCH stops with one line and status 2 ($rc: $out)"
