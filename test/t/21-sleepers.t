#!/usr/bin/env bash
# Acceptance 1: 10,000 sleeping threads as greenlets on one OS thread.
. "$(dirname "$0")/../lib.sh"
plan 6
sampled "$T/shim.out" shim "$L/sleepers" 10000 1000
is "$(cat "$T/shim.out")" "created 10000, joined 10000, slept enough 10000" "shim: 10,000 threads created, joined, each slept 1 s"
is "$RC" 0 "shim: exit status 0"
SHIM_ELAPSED=$ELAPSED
[ "$MAXTHREADS" -le 2 ]; ok $? "shim: Threads: at most 2 while running (saw $MAXTHREADS)"
diag "shim: peak RSS ${PEAKRSS_KB} KiB"
sampled "$T/native.out" "$L/sleepers" 10000 1000
is "$(cat "$T/native.out")" "created 10000, joined 10000, slept enough 10000" "native: the same program also runs"
[ "$MAXTHREADS" -gt 2 ]; ok $? "native: it really uses kernel threads (saw $MAXTHREADS)"
diag "native: ${ELAPSED} s, peak RSS ${PEAKRSS_KB} KiB"
lim=$(time_bound "$ELAPSED" 1)
less_than "$SHIM_ELAPSED" "$lim"; ok $? "shim: the 1 s sleeps overlap: ${SHIM_ELAPSED} s (limit ${lim} s: ${TB_MULT} x native ${ELAPSED} s + 2 x the sleep)"
