#!/usr/bin/env bash
# Issue 6, acceptance 1: 200 threads each fork a child that sleeps 200 ms and
# exits with a distinct code, and waitpid() their own child.
. "$(dirname "$0")/../lib.sh"
plan 7
want="exact 200/200, wrong 0, children left: none"
sampled "$T/shim.out" shim "$L/fork_many" 200 200
is "$(cat "$T/shim.out")" "$want" "shim: every thread got its own child's exact status, no child left"
is "$RC" 0 "shim: exit status 0"
SHIM_ELAPSED=$ELAPSED
[ "$MAXTHREADS" -le 2 ]; ok $? "shim: Threads: at most 2 while running (saw $MAXTHREADS)"
# no zombie of ours anywhere (the program checked ECHILD itself too)
shim "$L/fork_many" 50 50 >"$T/z.out" 2>&1 &
zp=$!
sleep 0.02
zombies=0
for i in $(seq 1 10); do
    z=$(ps -o stat= --ppid "$zp" 2>/dev/null | grep -c '^Z' || true)
    [ "$z" -gt "$zombies" ] && zombies=$z
    sleep 0.02
done
wait "$zp"
is "$(cat "$T/z.out")" "exact 50/50, wrong 0, children left: none" "shim: children are reaped as they exit"
diag "zombies seen at once while running: $zombies (reaped by the waiting threads)"
sampled "$T/native.out" "$L/fork_many" 200 200
is "$(cat "$T/native.out")" "$want" "native: the same program gives the same output"
# one after the other the children's sleeps alone would take 40 s
lim=$(time_bound "$ELAPSED" 0.2)
less_than "$SHIM_ELAPSED" "$lim"; ok $? "shim: the children ran concurrently: ${SHIM_ELAPSED} s (limit ${lim} s: ${TB_MULT} x native ${ELAPSED} s + 2 x one child's 0.2 s)"
# GEVENT_PATCH_OS=0: the waits block natively, the hub is still fixed up in children
GEVENT_PATCH_OS=0 shim "$L/fork_many" 20 20 >"$T/off.out" 2>&1
is "$(cat "$T/off.out")" "exact 20/20, wrong 0, children left: none" "os switched off: still correct (blocking waits)"
