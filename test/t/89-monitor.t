#!/usr/bin/env bash
# GEVENT_MONITOR (issue 14, item 2): a native thread of the shim's own
# ("gevent-monitor") reports, once per episode, a thread that holds the OS
# thread: who, since when, its last patched call, the system call it is
# in, and a backtrace that addr2line resolves.
. "$(dirname "$0")/../lib.sh"
plan 19
# src OFFSET: what addr2line says of hog+OFFSET (a return address: -1)
src() { addr2line -f -i -e "$L/hog" "$(printf '0x%x' $(($1 - ${2:-1})))" 2>/dev/null | tr '\n' ' '; }

nat=$("$L/hog" compute 500 2>&1)
GEVENT_STATS=1 GEVENT_MONITOR=100 LD_PRELOAD=$LIB "$L/hog" compute 500 >"$T/c.out" 2>"$T/c.err"
is "$(cat "$T/c.out")" "$nat" "a thread computing 500 ms: same output as natively"
r=$(grep -A20 'gevent_patch: monitor:' "$T/c.err" | grep -v '^gevent_patch stats')
is "$(grep -c 'gevent_patch: monitor:' "$T/c.err")" 1 "exactly one report for the 500 ms episode (GEVENT_MONITOR=100)"
like "$r" "greenlet [0-9]+ \"cruncher\" has held OS thread [0-9]+ for 0\.[0-9]+ s without letting the hub run" "it names the thread and how long"
off=$(grep -o 'created from hog+0x[0-9a-f]*' <<<"$r" | grep -o '0x.*')
like "$(src "${off:-0}")" "start .*hog.c:[0-9]+" "its creation site: addr2line gives the pthread_create call in hog.c ($(src "${off:-0}"))"
like "$r" "started at hog\+0x[0-9a-f]+" "and its start routine"
off=$(grep -o 'usleep, called from hog+0x[0-9a-f]*' <<<"$r" | grep -o '0x.*')
like "$(src "${off:-0}")" "cruncher .*hog.c:[0-9]+" "its last patched call: usleep, from cruncher in hog.c ($(src "${off:-0}"))"
like "$r" "in system call: none \(running\)" "it is running, in no system call"
off=$(grep -o '#0 hog+0x[0-9a-f]*' <<<"$r" | grep -o '0x.*')
like "$(src "${off:-0}" 0)" "cruncher .*hog.c:[0-9]+" "the backtrace's first frame is the computing loop in cruncher ($(src "${off:-0}" 0))"
like "$(cat "$T/c.err")" "monitor: reports 1;" "GEVENT_STATS counts the report"

nat=$("$L/hog" futex 500 2>&1)
GEVENT_MONITOR=100 LD_PRELOAD=$LIB "$L/hog" futex 500 >"$T/f.out" 2>"$T/f.err"
is "$(cat "$T/f.out")" "$nat" "a thread in a raw futex system call (inline syscall instruction): same output"
r=$(cat "$T/f.err")
is "$(grep -c 'gevent_patch: monitor:' <<<"$r")" 1 "exactly one report"
like "$r" "\"sleeper\" has held OS thread" "naming the thread"
like "$r" "in system call: futex\(0x[0-9a-f]+, 0x80, 0," "and the system call it is blocked in, by name, with its arguments"
off=$(grep -o '#0 hog+0x[0-9a-f]*' <<<"$r" | grep -o '0x.*')
like "$(src "${off:-0}" 0)" "sleeper .*hog.c:[0-9]+" "the backtrace points into sleeper ($(src "${off:-0}" 0))"

# No report for threads that wait; the monitor is one more OS thread, named.
sampled "$T/s.out" env GEVENT_MONITOR=200 LD_PRELOAD="$LIB" "$L/sleepers" 50 600
[ "$RC" -eq 0 ] && ! grep -q 'monitor:' "$T/s.out"; ok $? "50 threads sleeping 600 ms: no report (status $RC)"
[ "$MAXTHREADS" -le 2 ]; ok $? "the program's threads on one OS thread plus the monitor's (saw $MAXTHREADS)"
GEVENT_MONITOR=1000 LD_PRELOAD=$LIB "$L/sleepers" 1 1000 >/dev/null 2>&1 &
pid=$!
STARTED+=($pid)
sleep 0.3
names=$(cat /proc/$pid/task/*/comm 2>/dev/null | sort | tr '\n' ' ')
wait $pid
like "$names" "gevent-monitor" "the monitor's thread is named gevent-monitor ($names)"
for bad in GEVENT_MONITOR=abc GEVENT_MONITOR=-5; do
    err=$(env "$bad" LD_PRELOAD="$LIB" "$L/sleepers" 1 1 2>&1); rc=$?
    [ "$rc" -eq 2 ] && [[ "$err" == "gevent_patch: bad ${bad%%=*}=\"${bad#*=}\": allowed: milliseconds"* ]] && [ "$(wc -l <<<"$err")" -eq 1 ]
    ok $? "$bad: exit 2 with one line naming the variable, the value and what is allowed"
done
