#!/usr/bin/env bash
# Issue 12, item 5: a thread's CPU-time clock (pthread_getcpuclockid,
# CLOCK_THREAD_CPUTIME_ID, clock_getres) counts that thread's CPU time
# only, under the shim as natively: a new thread's starts near 0
# (pthread_create/11-1), main's does not count a greenlet that spins while
# main waits, a joined thread's clock is gone (EINVAL).
. "$(dirname "$0")/../lib.sh"
plan 2
parity thread_cpuclock "per-thread CPU clocks: the same answers natively and under the shim"
