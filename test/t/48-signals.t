#!/usr/bin/env bash
# pthread_kill to a greenlet (the handler runs in it; EINTR or SA_RESTART
# as natively), per-thread signal masks, and pthread_atfork handlers around
# fork in a threaded program.
. "$(dirname "$0")/../lib.sh"
plan 4
parity sync_signals "pthread_kill, EINTR and SA_RESTART, masks per thread"
parity sync_atfork "atfork handlers in order; the child creates threads"
