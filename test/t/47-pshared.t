#!/usr/bin/env bash
# Issue 4, acceptance 1: process-shared semaphores (unnamed in shared
# memory, and named), barrier, rwlock and spin lock between a parent and its
# forked child; the parent's other thread runs while it waits.
. "$(dirname "$0")/../lib.sh"
plan 4
# parity PROG DESC: same output and status natively and under the shim,
# and at most 2 OS threads under the shim.
parity() {
    local p=$1 d=$2
    same_native_and_shim "$d" "$L/$p"
    sampled "$T/$p.out" shim "$L/$p"
    [ "$RC" -eq 0 ] && [ "$MAXTHREADS" -le 2 ]
    ok $? "$p under the shim: status 0 on at most 2 OS threads (saw $MAXTHREADS)"
}
parity sync_pshared "semaphores, barrier, rwlock, spin lock shared with a forked child"
out=$(shim "$L/sync_pshared")
like "$out" "another thread ran while the parent waited: yes" "waiting on shared objects never blocked the hub"
ls /dev/shm/sem.gp-sync-* >/dev/null 2>&1; is $? 2 "no named semaphore left behind in /dev/shm"
