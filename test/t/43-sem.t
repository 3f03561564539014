#!/usr/bin/env bash
# Issue 4, acceptance 1: a semaphore-bounded worker pool, and a bounded
# buffer on two counting semaphores.
. "$(dirname "$0")/../lib.sh"
plan 3
# parity PROG DESC: same output and status natively and under the shim,
# and at most 2 OS threads under the shim.
parity() {
    local p=$1 d=$2
    same_native_and_shim "$d" "$L/$p"
    sampled "$T/$p.out" shim "$L/$p"
    [ "$RC" -eq 0 ] && [ "$MAXTHREADS" -le 2 ]
    ok $? "$p under the shim: status 0 on at most 2 OS threads (saw $MAXTHREADS)"
}
parity sync_sempool "200 tasks through 8 permits; producers and consumers"
out=$(shim "$L/sync_sempool")
like "$out" "200 tasks done, at most 8 at a time \(limit 8\), permits back: 8" "the pool never ran more than 8 at once, and used all 8"
