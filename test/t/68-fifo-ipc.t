#!/usr/bin/env bash
# Issue 15, item 3: opening a FIFO waits on the hub for the other end (open
# and fopen, reader first and writer first), and POSIX message queues,
# System V message queues and semaphores wait on the hub, while a thread
# ticking every 10 ms keeps ticking; results and errors as natively.
. "$(dirname "$0")/../lib.sh"
plan 4
mkdir -p "$T/n" "$T/s"
native=$(timeout 60 "$L/ipc_wait" "$T/n" 2>&1)
sampled "$T/s.out" shim timeout 60 "$L/ipc_wait" "$T/s"
is "$(cat "$T/s.out")" "$native" "same output natively and under the shim"
is "$(grep -c 'ticks while waiting >= 20: yes' "$T/s.out")" 5 \
    "shim: FIFO open for reading and for writing, mq_receive, msgrcv, semop each waited while the ticker ticked"
is "$RC" 0 "shim: exit status 0"
[ "$MAXTHREADS" -le 2 ]; ok $? "shim: on at most 2 OS threads (saw $MAXTHREADS)"
