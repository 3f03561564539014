#!/usr/bin/env bash
# GEVENT_STATS=1: the exit table counts the calls a program is known to make.
. "$(dirname "$0")/../lib.sh"
plan 19
same_native_and_shim "stats_known: same output natively and under the shim" "$L/stats_known"
out=$(GEVENT_STATS=1 shim "$L/stats_known" 2>"$T/err"); rc=$?
err=$(cat "$T/err")
is "$rc/$out" "0/counter 12" "with GEVENT_STATS=1: same stdout and status (the table goes to stderr)"
row() { # row SYMBOL -> "calls waits"
    awk -v s="$1" '$1=="gevent_patch" && $2=="stats:" && $4==s {print $5, $6}' <<<"$err"
}
is "$(row nanosleep)" "5 5" "nanosleep: 5 calls, all 5 waited on the hub"
is "$(row usleep)" "2 2" "usleep: 2 calls, 2 waits"
is "$(row pthread_create | cut -d' ' -f1)" "3" "pthread_create: 3 calls"
is "$(row pthread_join | cut -d' ' -f1)" "3" "pthread_join: 3 calls"
is "$(row pthread_mutex_lock | cut -d' ' -f1)" "6" "pthread_mutex_lock: 6 calls"
is "$(row pthread_mutex_unlock)" "6 0" "pthread_mutex_unlock: 6 calls, never waits"
t=$(awk '$4=="nanosleep" {print $7}' <<<"$err")
awk -v t="$t" 'BEGIN{exit !(t >= 0.05 && t < 5)}'; ok $? "nanosleep: time waited is at least the 3x20 ms slept ($t s)"
like "$err" "stats: time +\(total\) +7 +7 " "per-subsystem total: time 7 calls, 7 waits"
like "$err" "stats: thread +\(total\) +[0-9]+ " "per-subsystem total for thread"
like "$err" "greenlets created 3, peak alive 4, switches [1-9][0-9]*" "greenlets: 3 created, 4 alive at peak (main + 3), switches counted"
like "$err" "stack: peak reserved [1-9][0-9]* [KM]iB" "stack: peak reserved bytes"
is "$(row read)" "" "symbols never called (read) are not listed"
err=$(shim "$L/stats_known" 2>&1 >/dev/null)
is "$err" "" "without GEVENT_STATS: no table"
err=$(GEVENT_STATS=1 GEVENT_PATCH_TIME=0 shim "$L/stats_known" 2>&1 >/dev/null)
! grep -q "stats: time " <<<"$err"; ok $? "a switched-off subsystem's calls are not counted (GEVENT_PATCH_TIME=0)"
# A fatal signal skips atexit: the table is printed before dying of it.
GEVENT_STATS=1 LD_PRELOAD=$LIB "$L/dump_me" 5 >"$T/out" 2>"$T/err" &
pid=$!
STARTED+=($pid)
for _ in $(seq 200); do grep -q ready "$T/out" && break; sleep 0.05; done
kill -TERM "$pid"; { wait "$pid"; } 2>/dev/null; rc=$?
is "$rc" 143 "SIGTERM under GEVENT_STATS=1: still dies of SIGTERM (status 143)"
err=$(cat "$T/err")
is "$(row pthread_mutex_lock)" "2 1" "... after printing the table, a wait still in progress counted (mutex_lock 2 calls, 1 wait)"
# An inherited SIG_IGN is left alone.
(trap '' TERM; GEVENT_STATS=1 LD_PRELOAD=$LIB exec "$L/dump_me" 1 >"$T/out" 2>"$T/err") &
pid=$!
STARTED+=($pid)
for _ in $(seq 200); do grep -q ready "$T/out" && break; sleep 0.05; done
kill -TERM "$pid"; wait "$pid"; rc=$?
is "$rc" 0 "an ignored SIGTERM stays ignored under GEVENT_STATS=1"
