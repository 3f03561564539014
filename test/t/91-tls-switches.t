#!/usr/bin/env bash
# Issue 11, item 8: where changing the %fs base is a system call (no
# WRFSBASE; about 4 us on the development VM), a switch between greenlets
# with blocks of their own changes it once and only when it must. Counted
# by GEVENT_STATS ("%fs changed N times"), not timed: two threads in
# ping-pong pay two changes per round trip, also when the waker keeps
# running before it waits and with the monitor or preemption on; a thread
# that ends while others are ready pays none of its own (the hub moves to
# the next one's block); a thread that yields with nobody else ready pays
# none. tls_switches has __thread variables, so GEVENT_TLS=auto gives each
# thread its block, and checks them in every thread.
. "$(dirname "$0")/../lib.sh"
plan 12

changes() { # changes ENV... -- ARGS: the %fs changes GEVENT_STATS counted
    local e=()
    while [ "$1" != -- ]; do e+=("$1"); shift; done
    shift
    env "${e[@]}" GEVENT_STATS=1 LD_PRELOAD=$LIB "$L/tls_switches" "$@" 2>&1 >/dev/null |
        sed -n 's/.*%fs changed \([0-9]*\) times.*/\1/p'
}
at_most() { # at_most GOT BOUND DESC
    [ -n "$1" ] && [ "$1" -le "$2" ]
    ok $? "$3 (counted ${1:-none}, at most $2)"
}

for w in "pingpong 300" "wakework 300" "exits 100" "yield 300"; do
    # shellcheck disable=SC2086
    same_native_and_shim "tls_switches $w: same output natively and under the shim" "$L/tls_switches" $w
done

N=1000
at_most "$(changes -- pingpong $N)" $((2 * N + 2)) "ping-pong: two %fs changes per round trip"
at_most "$(changes -- wakework $N)" $((2 * N + 2)) "the waker keeps running, yields, then waits: still two per round trip"
at_most "$(changes GEVENT_PREEMPT=10 -- pingpong $N)" $((2 * N + 2)) "GEVENT_PREEMPT=10: no change of its own"
at_most "$(changes GEVENT_MONITOR=50 -- pingpong $N)" $((2 * N + 2)) "GEVENT_MONITOR=50: no change of its own"
K=200
# K threads start and wait (one change each, one back to main), are
# released at once and end: one change each, the last back to main.
at_most "$(changes -- exits $K)" $((2 * K + 4)) "threads ending while others are ready: one change each, not two"
at_most "$(changes -- yield $N)" 6 "sched_yield with nobody else ready changes nothing"

# GEVENT_TLS=shared: one block per OS thread, nothing to change (the
# threads then see each other's values, as in gevent: only the count here).
is "$(changes GEVENT_TLS=shared -- pingpong $N)" "" "GEVENT_TLS=shared: no %fs changes counted"
st=$(GEVENT_STATS=1 LD_PRELOAD=$LIB "$L/tls_switches" exits $K 2>&1)
like "$st" "exits $K: 0 wrong thread-local values" "threads ending one after another keep their own values to the end"
