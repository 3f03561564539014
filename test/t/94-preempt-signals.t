#!/usr/bin/env bash
# GEVENT_PREEMPT and the program's signals (issue 14): the shim's signal
# (64, SIGRTMAX) stays the program's too, and a preemption signal never
# makes a call return EINTR.
. "$(dirname "$0")/../lib.sh"
plan 7

# A program using SIGRTMAX itself (handler read back, kill, sigqueue, a
# timer, blocked/pending/unblocked, sigwait, SIG_IGN, a child killed by the
# default action) while a thread computes: the same output as natively, and
# preemption still works.
nat=$("$L/sigrtmax" 2>&1)
for e in "GEVENT_PREEMPT=5" "GEVENT_PREEMPT=5 GEVENT_MONITOR=50"; do
    env $e GEVENT_STATS=1 LD_PRELOAD="$LIB" timeout 60 "$L/sigrtmax" >"$T/r.out" 2>"$T/r.err"; rc=$?
    is "$rc/$(cat "$T/r.out")" "0/$nat" "a program using SIGRTMAX, $e: the same output as natively"
    like "$(grep 'monitor:' "$T/r.err")" "preemptions [1-9][0-9]* \(at a patched call [0-9]+, by signal [1-9]" \
        "... and the computing thread was still preempted by the signal ($e)"
done

# Blocking calls (nanosleep, usleep, clock_nanosleep, poll, select,
# epoll_wait, pselect, read, sem_timedwait, pthread_cond_timedwait,
# sigtimedwait, and nanosleep/ppoll through syscall(2)) in a loop beside two
# computing threads under a 1 ms slice: none fails with EINTR.
nat=$("$L/preempt_eintr" 1000 2>/dev/null)
GEVENT_STATS=1 GEVENT_PREEMPT=1 LD_PRELOAD="$LIB" timeout 120 "$L/preempt_eintr" 3000 >"$T/e.out" 2>"$T/e.err"; rc=$?
is "$rc/$(cat "$T/e.out")" "0/$nat" "blocking calls beside computing threads under a 1 ms slice: no EINTR, as natively"
diag "$(grep -E 'calls|monitor:' "$T/e.err" | tr '\n' ' ')"
like "$(grep 'monitor:' "$T/e.err")" "preemptions [1-9]" "... while the computing threads were preempted"

# A thread that computes without calling anything is the only one taking
# SIGUSR1; a sender kills the process 50 times, each time waiting until the
# handler ran (posix pthread_equal/2-1, pthread_atfork/3-3). Preempted by the
# signal, the spinner must run the handler of what came meanwhile when it
# resumes, as the kernel interrupts a running thread.
nat=$("$L/preempt_sigspin" 50 2>&1)
GEVENT_PREEMPT=10 LD_PRELOAD="$LIB" timeout 60 "$L/preempt_sigspin" 50 >"$T/s.out" 2>&1; rc=$?
is "$rc/$(cat "$T/s.out")" "0/$nat" "signals to a thread that computes without calls, GEVENT_PREEMPT=10: handled in it, as natively"
