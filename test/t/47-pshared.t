#!/usr/bin/env bash
# Issue 4, acceptance 1: process-shared semaphores (unnamed in shared
# memory, and named), barrier, rwlock and spin lock between a parent and its
# forked child; the parent's other thread runs while it waits.
. "$(dirname "$0")/../lib.sh"
plan 4
parity sync_pshared "semaphores, barrier, rwlock, spin lock shared with a forked child"
out=$(shim "$L/sync_pshared")
like "$out" "another thread ran while the parent waited: yes" "waiting on shared objects never blocked the hub"
ls /dev/shm/sem.gp-sync-* >/dev/null 2>&1; is $? 2 "no named semaphore left behind in /dev/shm"
