#!/usr/bin/env bash
# Issue 15, item 2: flock, fcntl(F_SETLKW / F_OFD_SETLKW) and lockf(F_LOCK)
# wait on the hub: a thread ticking every 10 ms keeps ticking while another
# waits for a lock held by a thread or by a child process; the lock is taken
# only after its holder let go; F_SETLKW still reports EDEADLK for a cycle
# between processes; bad arguments give the native errors.
. "$(dirname "$0")/../lib.sh"
plan 5
native=$(timeout 60 "$L/file_locks" "$T/n.lock" 2>&1)
sampled "$T/s.out" shim timeout 60 "$L/file_locks" "$T/s.lock"
shim_out=$(cat "$T/s.out")
is "$shim_out" "$native" "same output natively and under the shim"
is "$(grep -c 'locked, after .* let go: yes, ticks during the wait >= 20: yes' <<<"$shim_out")" 4 \
    "shim: flock, F_OFD_SETLKW, F_SETLKW and lockf each waited while the ticker ticked >= 20 times"
like "$shim_out" "F_SETLKW closing a cycle with another process: Resource deadlock avoided" \
    "shim: EDEADLK for a lock cycle with another process, as natively"
is "$RC" 0 "shim: exit status 0"
[ "$MAXTHREADS" -le 3 ]; ok $? "shim: at most 2 OS threads besides the shim's lock worker (saw $MAXTHREADS)"
