#!/usr/bin/env bash
# pthread_kill to a greenlet (the handler runs in it; EINTR or SA_RESTART
# as natively), per-thread signal masks, and pthread_atfork handlers around
# fork in a threaded program.
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
parity sync_signals "pthread_kill, EINTR and SA_RESTART, masks per thread"
parity sync_atfork "atfork handlers in order; the child creates threads"
