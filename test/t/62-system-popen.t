#!/usr/bin/env bash
# Issue 6, acceptance 3: system("sleep 0.3") in 50 threads well under 2 s;
# popen output read line by line from 20 threads is complete and correct.
. "$(dirname "$0")/../lib.sh"
plan 10
sampled "$T/sys.out" shim "$L/system_many" 50 "sleep 0.3"
is "$(cat "$T/sys.out")" "system ok 50/50, bad 0; exit 7 -> 7; shell available: yes" \
    "shim: 50 concurrent system() calls all succeed, exact statuses"
[ "$MAXTHREADS" -le 2 ]; ok $? "shim: Threads: at most 2 (saw $MAXTHREADS)"
shim_t=$ELAPSED
sampled "$T/sys.native" "$L/system_many" 50 "sleep 0.3"
lim=$(time_bound "$ELAPSED" 0.3 100) # one after the other: 15 s; 100 processes (sh, sleep)
less_than "$shim_t" "$lim"; ok $? "shim: 50 x system(\"sleep 0.3\") ran concurrently: ${shim_t} s (limit ${lim} s: ${TB_MULT} x native ${ELAPSED} s + 2 x 0.3 s + the shim's start-up in 100 processes)"
same_native_and_shim "system: same output natively" "$L/system_many" 10 "sleep 0.05"
sampled "$T/popen.out" shim "$L/popen_many" 20 200
head -1 "$T/popen.out" >"$T/p1"
is "$(cat "$T/p1")" "popen readers complete and correct: 20/20, bad 0" \
    "shim: 20 threads read their popen streams line by line, complete and correct"
is "$RC" 0 "shim: exit status 0"
# Each reader alone takes 0.2 s (its child pauses 4 x 50 ms): read one after
# the other, as when stdio's reads block the OS thread, they take 4 s.
[ "$MAXTHREADS" -le 2 ]; ok $? "shim: popen readers on at most 2 OS threads (saw $MAXTHREADS)"
shim_t=$ELAPSED
sampled "$T/popen.native" "$L/popen_many" 20 200
lim=$(time_bound "$ELAPSED" 0.2 100) # 100 processes (sh, 4 sleeps each)
less_than "$shim_t" "$lim"; ok $? "shim: the 20 popen readers ran concurrently: ${shim_t} s (limit ${lim} s: ${TB_MULT} x native ${ELAPSED} s + 2 x one reader's 0.2 s + the shim's start-up in 100 processes)"
same_native_and_shim "popen/pclose: same output natively (statuses, w streams, bad modes, e)" \
    "$L/popen_many" 5 50
# the program's SIGCHLD reaper must not steal system()'s child
out=$(shim "$L/proc_parity" 2>&1 | grep 'SIG_IGN: system')
is "$out" "SIG_IGN: system(exit 3) -> -1" "system() with SIGCHLD ignored: -1, as glibc"
