#!/usr/bin/env bash
# Issue 4, acceptance 1: a robust mutex whose owner thread ends holding it:
# EOWNERDEAD to the waiter, then consistent; or ENOTRECOVERABLE for good.
# Process-shared: also when the owner is a whole process that exits.
. "$(dirname "$0")/../lib.sh"
plan 5
parity sync_robust "robust mutexes, private and process-shared, whose owner ends"
out=$(shim "$L/sync_robust")
like "$out" "made consistent: the blocked waiter got EOWNERDEAD, then lock -> 0" "the waiter blocked in pthread_mutex_lock gets EOWNERDEAD"
like "$out" "owner process exited: timedlock -> EOWNERDEAD, consistent -> 0" "process-shared: the owner process exits holding it, the kernel marks it owner-dead"
like "$out" "thread of its parent ended holding it: EOWNERDEAD" "process-shared: a waiting child process sees the parent's thread end holding it"
