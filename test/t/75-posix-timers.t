#!/usr/bin/env bash
# Issue 12, item 5: POSIX timers as natively. timer_create(SIGEV_THREAD)
# calls its function in a new thread per expiry, with every signal blocked
# and the value given; under the shim that thread is a greenlet, so the
# program stays on its one OS thread (natively glibc adds a helper thread
# and one per notification; the first notification sleeps 300 ms to be
# seen). Periodic, disarmed, deleted and absolute timers; SIGEV_SIGNAL with
# its si_value; errors: the same output natively and under the shim.
. "$(dirname "$0")/../lib.sh"
plan 2
same_native_and_shim "timer_create SIGEV_THREAD/SIGEV_SIGNAL, timer_settime/gettime/delete: the same natively and under the shim" \
    timeout -s KILL 60 "$L/timer_thread"
sampled "$T/s.out" shim "$L/timer_thread"
[ "$RC" -eq 0 ] && [ "$MAXTHREADS" -le 1 ]
ok $? "the notifications ran in greenlets: one OS thread under the shim (saw $MAXTHREADS)"
