#!/usr/bin/env bash
# GEVENT_DUMP_SIGNAL: the hub prints every greenlet and what it waits on.
. "$(dirname "$0")/../lib.sh"
plan 23
# dump_me also starts a greenlet blocked in read and one in waitpid.
extra=(read waitpid)

# wait_for FILE REGEX: up to 10 s for a line to appear.
wait_for() {
    for _ in $(seq 200); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    return 1
}

GEVENT_DUMP_SIGNAL=SIGUSR2 LD_PRELOAD=$LIB "$L/dump_me" 3 "${extra[@]}" >"$T/out" 2>"$T/err" &
pid=$!
STARTED+=($pid)
wait_for "$T/out" "^ready"; ok $? "dump_me is ready"
read -r _ _ _ _ fd _ mutex _ child <"$T/out"
kill -USR2 "$pid"
wait_for "$T/err" "end of dump"; ok $? "SIGUSR2 prints a dump (from the hub, the program keeps running)"
kill -0 "$pid" 2>/dev/null; ok $? "the program is still alive after the dump"
wait "$pid"; rc=$?
is "$rc" 0 "then finishes normally (status 0)"
like "$(cat "$T/out")" $'\n''done$' "and prints done"
d=$(cat "$T/err")
like "$d" "greenlet\(s\) on OS thread $pid \(pid $pid\)" "the dump names the OS thread"
like "$d" "greenlet [0-9]+ \"sleeper\": waiting in nanosleep sleeping for [0-9.]+ s, deadline in [0-9.]+ s" \
    "a greenlet in nanosleep: name, state, call, how long, its deadline"
like "$d" "greenlet [0-9]+ \"locker\": waiting in pthread_mutex_lock on wait queue 0x[0-9a-f]+ for [0-9.]+ s, no deadline" \
    "a greenlet on a mutex: its wait queue"
q=$(grep -o 'pthread_mutex_lock on wait queue 0x[0-9a-f]*' <<<"$d" | grep -o '0x[0-9a-f]*$')
[ -n "$q" ] && [ $((q - mutex)) -ge 0 ] && [ $((q - mutex)) -lt 40 ]; ok $? "the wait queue lies inside the mutex the program locked ($q in $mutex)"
like "$d" "greenlet $pid \(main\) \"dump_me\": waiting in nanosleep" "the main greenlet is listed"
like "$d" "\"sleeper\"[^"$'\n'"]*"$'\n'"      called from dump_me\+0x[0-9a-f]+" "the call site of the wait, as module+offset"
like "$d" "started at dump_me\+0x[0-9a-f]+, created from dump_me\+0x[0-9a-f]+" "where each greenlet was created: start routine and pthread_create call site"
# The call site resolves to the source line of the call with addr2line.
off=$(grep -A1 '"sleeper"' <<<"$d" | grep -o 'called from dump_me+0x[0-9a-f]*' | grep -o '0x[0-9a-f]*')
src=$(addr2line -e "$L/dump_me" "$(printf '0x%x' $((off - 1)))" 2>/dev/null)
like "$src" "dump_me.c:[0-9]+" "addr2line turns the call site into a source line ($src)"
like "$d" "\"reader\": waiting in read on fd $fd for read" "a greenlet blocked in read on fd $fd"
like "$d" "\"reaper\": waiting in waitpid for child $child" "a greenlet blocked in waitpid on child $child"
# A number works as well as a name; two requests, two dumps.
GEVENT_DUMP_SIGNAL=10 LD_PRELOAD=$LIB "$L/dump_me" 2 >"$T/out2" 2>"$T/err2" &
pid=$!
STARTED+=($pid)
wait_for "$T/out2" "^ready"
kill -USR1 "$pid"; wait_for "$T/err2" "end of dump"
kill -USR1 "$pid"; for _ in $(seq 100); do [ "$(grep -c 'end of dump' "$T/err2")" -ge 2 ] && break; sleep 0.05; done
wait "$pid"; rc=$?
is "$rc/$(grep -c 'end of dump' "$T/err2")" "0/2" "GEVENT_DUMP_SIGNAL=10: two SIGUSR1, two dumps, normal exit"
# A greenlet that never yields holds the dump back; a second request says
# which greenlet is running (from the signal handler, with write(2) only).
GEVENT_DUMP_SIGNAL=SIGUSR2 LD_PRELOAD=$LIB "$L/dump_me" 2 spin >"$T/out4" 2>"$T/err4" &
pid=$!
STARTED+=($pid)
wait_for "$T/out4" "^ready"
sleep 0.6
kill -USR2 "$pid"; sleep 0.2; kill -USR2 "$pid"
wait_for "$T/err4" "dump still pending"
like "$(cat "$T/err4")" "dump still pending: .*greenlet [0-9]+ \"spinner\" is running and has not yielded.*last patched call: nanosleep" \
    "a CPU-bound greenlet: a second dump request names it"
wait "$pid"; rc=$?
is "$rc" 0 "and the program still ends normally"
# Opt-in: without the variable the signal keeps its default action.
LD_PRELOAD=$LIB "$L/dump_me" 2 >"$T/out3" 2>"$T/err3" &
pid=$!
STARTED+=($pid)
wait_for "$T/out3" "^ready"
kill -USR2 "$pid"; { wait "$pid"; } 2>/dev/null; rc=$?
is "$rc" $((128 + 12)) "without GEVENT_DUMP_SIGNAL, SIGUSR2 kills as natively"
out=$(GEVENT_DUMP_SIGNAL=SIGKILL shim "$L/dump_me" 0 2>&1); rc=$?
is "$rc" 2 "GEVENT_DUMP_SIGNAL=SIGKILL is refused (status 2)"
like "$out" "GEVENT_DUMP_SIGNAL" "and the message names the variable"
# The would-block-forever diagnostic prints the same dump.
out=$(timeout 20 env LD_PRELOAD="$LIB" "$L/deadlock" 2>&1)
like "$out" "would block forever" "deadlock: diagnosed"
like "$out" "started at [^ ]+, created from deadlock\+0x[0-9a-f]+"$'\n'".*end of dump" "deadlock: the same dump, with origins"
