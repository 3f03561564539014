#!/usr/bin/env bash
# Issue 15, items 2 and 3: a signal ends a blocking call made on the shim's
# worker as it ends the call natively, and a FIFO reader's open returns when
# the writer opens. block_intr: F_SETLKW on a lock a child process holds
# 800 ms, SIGUSR1 (pthread_kill) after 150 ms: EINTR without SA_RESTART,
# the lock once the child lets go with it; a FIFO reader's open with the
# writer opening after 100 ms and writing 500 ms later: it returns with
# nothing to read yet; a FIFO nobody opens, SIGUSR1 after 150 ms: EINTR,
# in the main thread too (pthread_kill to main before main made any thread
# call: it returned ESRCH and the signal was lost).
. "$(dirname "$0")/../lib.sh"
plan 4
mkdir -p "$T/n" "$T/s"
native=$(timeout 60 "$L/block_intr" "$T/n" 2>&1)
like "$native" "no SA_RESTART: -1 Interrupted system call, handler ran: yes" "native: F_SETLKW ends with EINTR"
sampled "$T/s.out" shim "$L/block_intr" "$T/s"
is "$(cat "$T/s.out")" "$native" "same output natively and under the shim (F_SETLKW and FIFO open cut short by a signal, SA_RESTART, the reader's open returning on the writer's open)"
is "$RC" 0 "shim: exit status 0"
[ "$MAXTHREADS" -le 3 ]; ok $? "shim: the program's threads on one OS thread, plus at most 2 of the shim's named workers (saw $MAXTHREADS)"
