#!/usr/bin/env bash
# Issue 4, acceptance 2: the return codes the POSIX and glibc manual pages
# list for rwlocks, barriers, spin locks, semaphores (named too), clock
# variants, robust and priority mutexes, cancellation state, pthread_kill,
# signal masks and thread attributes: identical natively and under the shim.
. "$(dirname "$0")/../lib.sh"
plan 5
parity sync_errors "every return code, natively and under the shim (EINVAL EBUSY EDEADLK EPERM ETIMEDOUT EAGAIN EOVERFLOW ...)"
out=$(shim "$L/sync_errors")
like "$out" "pthread_rwlock_wrlock\(&rw\) +-> EDEADLK" "rwlock: EDEADLK for the writer relocking"
like "$out" "sem_post\(&s\) +-> -1 EOVERFLOW" "sem_post past SEM_VALUE_MAX: EOVERFLOW"
like "$out" "pthread_mutex_lock\(&rob\) +-> ENOTRECOVERABLE" "robust mutex left inconsistent: ENOTRECOVERABLE"
