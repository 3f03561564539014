#!/usr/bin/env bash
# Issue 4, acceptance 1: timed waits of every family (rwlock, mutex,
# condvar, semaphore, join; realtime and monotonic; process-shared ones too)
# time out at the right time with ETIMEDOUT, and succeed when released.
. "$(dirname "$0")/../lib.sh"
plan 4
parity sync_timed "every timed wait: ETIMEDOUT on time, or 0 when released"
out=$(shim "$L/sync_timed" 2>&1)
is "$(grep -c 'ETIMEDOUT -> on time' <<<"$out")" 15 "15 timed waits timed out, none early, none late"
is "$(grep -c -- '-> released in time' <<<"$out")" 13 "13 timed waits got what they waited for"
