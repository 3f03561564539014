#!/usr/bin/env bash
# Issue 4, acceptance 1: cancellation of threads blocked in read, sleep,
# nanosleep, poll, pthread_cond_wait (the mutex held again for the cleanup
# handlers), sem_wait and pthread_join; cleanup handlers and key
# destructors run, the joiner sees PTHREAD_CANCELED; pthread_exit runs the
# handlers; cleanup by unwinding (-fexceptions) runs frame by frame.
. "$(dirname "$0")/../lib.sh"
plan 7
parity sync_cancel "cancellation points, cleanup handlers, destructors, PTHREAD_CANCELED"
parity sync_unwind "cancellation and pthread_exit unwinding through cleanup attributes"
out=$(shim "$L/sync_cancel")
is "$(grep -c 'join -> 0, PTHREAD_CANCELED' <<<"$out")" 12 "12 threads cancelled, each joined as PTHREAD_CANCELED"
like "$out" "cond waiter: cleanup handler unlocks the mutex -> 0" "cancelled in pthread_cond_wait: the handler holds the mutex"
like "$out" "reader: cleanup handler"$'\n'"  reader: key destructor" "cancelled in read: handler, then key destructor"
