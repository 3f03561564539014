#!/usr/bin/env bash
# Issue 4, acceptance 1: a semaphore-bounded worker pool, and a bounded
# buffer on two counting semaphores.
. "$(dirname "$0")/../lib.sh"
plan 5
parity sync_sempool "200 tasks through 8 permits; producers and consumers"
out=$(shim "$L/sync_sempool")
like "$out" "200 tasks done, at most 8 at a time \(limit 8\), permits back: 8" "the pool never ran more than 8 at once, and used all 8"
# A handler posts the semaphore main waits on (test/legacy/sem_signal.c):
# with SA_RESTART the wait takes the token, without it EINTR.
same_native_and_shim "a signal handler posts the semaphore main waits on: same answers" \
    timeout 20 "$L/sem_signal"
# With the signal patch off the handler runs on the hub: the wait must still
# see the post (it crashed, then hung with the hub polling without a pause).
out=$(GEVENT_PATCH_SIGNAL=0 timeout 20 env LD_PRELOAD="$LIB" "$L/sem_signal" 2>&1 | head -1)
is "$out" "SA_RESTART: sem_wait 0, value 0" "GEVENT_PATCH_SIGNAL=0: the handler's post ends the wait"
