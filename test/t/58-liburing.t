#!/usr/bin/env bash
# Issue 15, item 6: a liburing program whose completion thread waits in
# io_uring_wait_cqe (io_uring_enter, a system call liburing makes without
# libc) while other threads tick and play socket ping-pong: liburing's
# waits are interposed and wait on the hub for the ring's descriptor, and
# a pipe the shim made non-blocking is given back its blocking mode when a
# request names it (else io_uring would answer -EAGAIN).
. "$(dirname "$0")/../lib.sh"
plan 5
native=$(timeout 60 "$L/uring_wait" 2>&1)
sampled "$T/s.out" shim timeout 60 "$L/uring_wait"
is "$(cat "$T/s.out")" "$native" "same output natively and under the shim (wait_cqe, wait_cqe_timeout, submit_and_wait)"
like "$(cat "$T/s.out")" "ticks while waiting >= 20: yes; pings meanwhile >= 5: yes" \
    "shim: the ticker and the socket ping-pong went on while the completion thread waited"
is "$RC" 0 "shim: exit status 0"
[ "$MAXTHREADS" -le 2 ]; ok $? "shim: on at most 2 OS threads (saw $MAXTHREADS)"
like "$("$RUN" --check "$L/uring_wait")" $'\n''  covered +__io_uring_get_cqe +io ' \
    "gevent-run --check: liburing's wait (inlined io_uring_wait_cqe) is covered"
