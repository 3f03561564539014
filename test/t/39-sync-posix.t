#!/usr/bin/env bash
# Issue 12: cases the Open POSIX Test Suite (make posix) found, as one plain
# program with the same output natively and under the shim: a join and a
# condvar wait in a thread that runs signal handlers meanwhile; a shared
# condvar destroyed and zeroed right after its broadcast; scheduling
# parameters of a thread created with an explicit policy; the first lock of
# a process whose memory is full; pthread_kill from a handler to another
# thread; a real-time signal raised twice and taken twice, sighold/sigrelse;
# a private condvar in shared memory signalled by the parent of its waiter;
# the alternate signal stack a handler sees (none set, then the program's);
# threads in sigwait each sent their signal with pthread_kill; a handler
# ending another thread's sem_wait on a process-shared semaphore; a
# handler that sleeps while other threads go on.
# A hang shows as a differing output (each run is limited to 60 s).
. "$(dirname "$0")/../lib.sh"
cases=(nomem join cond sched killh rtq forkcond altstack sigwaitn semintr hsleep)
plan $((${#cases[@]} + 1))
# make test SANITIZE=1: ASan's runtime sets an alternate signal stack of its
# own on each thread (use_sigaltstack), which the program would see as any
# ASan-built program does; the case is about the shim's stack
[ "${GP_SANITIZE:-}" = 1 ] && export ASAN_OPTIONS=$ASAN_OPTIONS:use_sigaltstack=0
for c in "${cases[@]}"; do
    same_native_and_shim "sync_posix_cases $c: same output and status natively and under the shim" \
        timeout 60 "$L/sync_posix_cases" "$c"
done
# faults the kernel raises run their handler in the faulting thread; sent
# with kill they interrupt a wait as any signal (posix sigaction/17-*)
same_native_and_shim "sig_faults: fault handlers, and fault signals sent by kill or raise" \
    timeout 60 "$L/sig_faults"
