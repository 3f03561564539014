#!/usr/bin/env bash
# Issue 7: far past the kernel's thread limits, and flat over churn.
. "$(dirname "$0")/../lib.sh"
plan 10
release_lib
sampled "$T/100k" shim "$L/sleepers" 100000 2000 64
is "$(cat "$T/100k")" "created 100000, joined 100000, slept enough 100000" "100,000 concurrent threads (64 KiB stacks) each sleep 2 s and are joined"
[ "$MAXTHREADS" -le 2 ]; ok $? "... on at most 2 OS threads (saw $MAXTHREADS)"
[ "$PEAKRSS_KB" -lt $((2 * 1024 * 1024)) ]; ok $? "... peak RSS under 2 GiB ($((PEAKRSS_KB / 1024)) MiB)"
out=$(shim "$L/churn" 100 10000)
like "$out" "100 batches of 10000 threads, 1000000 joined with the right result" "1,000,000 threads created and joined in batches of 10,000"
growth=$(sed -n 's/.*growth \(-*[0-9]*\) KiB/\1/p' <<<"$out")
[ -n "$growth" ] && [ "$growth" -lt 4096 ]; ok $? "... RSS after the run within 4 MiB of RSS after the first batch (growth ${growth} KiB)"
out=$(shim "$L/overflow" 40000 2>&1); rc=$?
like "$out" "stack overflow in greenlet [0-9]+ \(deep-recursion\)" "past the mapping budget (slab stacks, canary) an overflow is still named"
is "$rc" 139 "... and dies with SIGSEGV"
same_native_and_shim "RLIMIT_AS exhausted: pthread_create returns EAGAIN and the program goes on" "$L/as_limit"
# Issue 11 item 9: a thread control block per greenlet stays in budget.
sampled "$T/100kt" shim "$L/sleepers_tls" 100000 2000 64
is "$(cat "$T/100kt")" "created 100000, joined 100000, thread_local objects constructed 100000, intact 100000, destroyed 100000" "100,000 C++ threads, each with its own 256-byte thread_local object"
[ "$PEAKRSS_KB" -lt $((2 * 1024 * 1024)) ] && [ "$MAXTHREADS" -le 2 ]; ok $? "... peak RSS under 2 GiB ($((PEAKRSS_KB / 1024)) MiB) on at most 2 OS threads"
