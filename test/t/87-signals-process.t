#!/usr/bin/env bash
# Issue 12: process-directed signals as the kernel delivers them. A daemon's
# SIGTERM ends the call its main thread waits in (sleep, nanosleep, poll,
# read, accept, sem_wait: -1/EINTR; read under SA_RESTART goes on; a
# condition wait runs the handler and goes on); make's jobserver pselect,
# masks swapped by pselect/sigsuspend, pause, a sigwait thread, sigtimedwait,
# alarm and setitimer; SA_RESTART on sockets with and without SO_RCVTIMEO /
# SO_SNDTIMEO: the same output natively and under the shim.
. "$(dirname "$0")/../lib.sh"
plan 4
same_native_and_shim "SIGTERM during sleep/nanosleep/poll/read/accept/sem_wait/cond_timedwait: handler in main, EINTR or restart as natively" \
    timeout -s KILL 60 "$L/sig_daemon"
same_native_and_shim "jobserver pselect, mask blocking inside, sigsuspend, pause, sigwait thread, sigtimedwait, alarm, setitimer" \
    timeout -s KILL 60 "$L/sig_waits"
sampled "$T/w.out" shim "$L/sig_waits" sigwait
[ "$RC" -eq 0 ] && [ "$MAXTHREADS" -le 2 ]
ok $? "sigwait thread under the shim: status 0 on at most 2 OS threads (saw $MAXTHREADS)"
same_native_and_shim "SA_RESTART restarts recv/read/send/accept on a socket without a timeout and a pipe read; with SO_RCVTIMEO/SO_SNDTIMEO set they fail with EINTR" \
    timeout -s KILL 60 "$L/sig_sotimeo"
