#!/usr/bin/env bash
# The dump never changes what it reports: its signal handler writes with raw
# system calls inside a no-wait section, so neither its own message nor
# libev's wake-up write (through the write hook) overwrites the running
# greenlet's record of its last call. Two consecutive "dump still pending"
# lines for one CPU-bound greenlet name the same call from the same place.
. "$(dirname "$0")/../lib.sh"
plan 4
wait_for() { # FILE REGEX COUNT: up to 10 s for COUNT matching lines
    for _ in $(seq 200); do
        [ "$(grep -cE "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
        sleep 0.05
    done
    return 1
}
# the spinner spins 5 s: three requests and their checks fit in that even on
# a loaded machine
GEVENT_DUMP_SIGNAL=SIGUSR2 LD_PRELOAD=$LIB "$L/dump_me" 5 spin >"$T/out" 2>"$T/err" &
pid=$!
STARTED+=($pid)
wait_for "$T/out" "^ready" 1
sleep 0.6 # the spinner is spinning
# the first request arms the dump; each later one finds it still pending
kill -USR2 "$pid"; sleep 0.2; kill -USR2 "$pid"
wait_for "$T/err" "dump still pending" 1
kill -USR2 "$pid"
wait_for "$T/err" "dump still pending" 2; ok $? "three requests to a CPU-bound greenlet: two 'dump still pending' lines"
lines=$(grep -o 'last patched call: .*' "$T/err")
first=$(head -1 <<<"$lines") second=$(sed -n 2p <<<"$lines")
like "$first" "last patched call: nanosleep from 0x[0-9a-f]+" "the first names the spinner's last call (nanosleep)"
is "$second" "$first" "the second names the same call from the same place"
wait "$pid"; rc=$?
is "$rc" 0 "the program ends normally"
