#!/usr/bin/env bash
# Acceptance 4: would-block-forever and stack overflow are reported, not silent.
. "$(dirname "$0")/../lib.sh"
plan 6
t0=$(date +%s.%N)
out=$(timeout 20 env LD_PRELOAD="$LIB" "$L/deadlock" 2>&1); rc=$?
t1=$(date +%s.%N)
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; ok $? "deadlock: ends with a non-zero status, not a hang (status $rc)"
less_than "$(awk "BEGIN{print $t1-$t0}")" 5; ok $? "deadlock: within seconds (the program sleeps 0.2 s; 25 x that)"
like "$out" "would block forever" "deadlock: the diagnostic says so"
like "$out" "\"locker-ab\": waiting in pthread_mutex_lock" "deadlock: it names each greenlet and what it waits on"
out=$(shim "$L/overflow" 2>&1); rc=$?
like "$out" "stack overflow in greenlet [0-9]+ \(deep-recursion\)" "recursion: a line naming the greenlet and the words stack overflow"
is "$rc" 139 "recursion: then dies with SIGSEGV"
