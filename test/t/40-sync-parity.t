#!/usr/bin/env bash
# Issue 4, acceptance 2: the return codes the POSIX and glibc manual pages
# list for rwlocks, barriers, spin locks, semaphores (named too), clock
# variants, robust and priority mutexes, cancellation state, pthread_kill,
# signal masks and thread attributes: identical natively and under the shim.
. "$(dirname "$0")/../lib.sh"
plan 5
# parity PROG DESC: same output and status natively and under the shim,
# and at most 2 OS threads under the shim.
parity() {
    local p=$1 d=$2
    same_native_and_shim "$d" "$L/$p"
    sampled "$T/$p.out" shim "$L/$p"
    [ "$RC" -eq 0 ] && [ "$MAXTHREADS" -le 2 ]
    ok $? "$p under the shim: status 0 on at most 2 OS threads (saw $MAXTHREADS)"
}
parity sync_errors "every return code, natively and under the shim (EINVAL EBUSY EDEADLK EPERM ETIMEDOUT EAGAIN EOVERFLOW ...)"
out=$(shim "$L/sync_errors")
like "$out" "pthread_rwlock_wrlock\(&rw\) +-> EDEADLK" "rwlock: EDEADLK for the writer relocking"
like "$out" "sem_post\(&s\) +-> -1 EOVERFLOW" "sem_post past SEM_VALUE_MAX: EOVERFLOW"
like "$out" "pthread_mutex_lock\(&rob\) +-> ENOTRECOVERABLE" "robust mutex left inconsistent: ENOTRECOVERABLE"
