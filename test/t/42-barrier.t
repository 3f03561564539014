#!/usr/bin/env bash
# Issue 4, acceptance 1: a barrier across 100 threads for 100 rounds, with
# exactly one PTHREAD_BARRIER_SERIAL_THREAD per round.
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
parity sync_barrier "100 threads x 100 rounds: all arrive before any leaves"
out=$(shim "$L/sync_barrier")
like "$out" "rounds with exactly one serial thread: 100" "exactly one serial thread in each of the 100 rounds"
