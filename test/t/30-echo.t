#!/usr/bin/env bash
# Issue 3, acceptance 1: the thread-per-connection echo server under the
# shim holds 2,000 and then 19,000 concurrent connections on one OS thread,
# every byte checked by the load client (which runs natively, with its own
# fd limit).
. "$(dirname "$0")/../lib.sh"
plan 8

# echo_run N R [shim]: server exits after N connections closed; sets RC,
# MAXTHREADS (server), CLIENT (client's output)
echo_run() {
    local n=$1 r=$2 pre=${3:-}
    rm -f "$T/srv" "$T/cli"
    (
        port=$(listening_port "$T/srv")
        timeout 300 "$L/echo_client" "$port" "$n" "$r" >"$T/cli" 2>&1
    ) &
    local cp=$!
    if [ -n "$pre" ]; then
        sampled "$T/srv" env LD_PRELOAD="$LIB" "$L/echo_server" 0 "$n"
    else
        sampled "$T/srv" "$L/echo_server" 0 "$n"
    fi
    wait "$cp"
    CLIENT=$(cat "$T/cli")
}

echo_run 200 200 # long enough for /proc to be sampled while all 200 threads live
like "$CLIENT" "^ok 200 conns 200 rounds 40000 msgs" "natively: 200 connections x 200 round trips, every byte checked"
ok $([ "$MAXTHREADS" -gt 100 ]; echo $?) "natively the same binary runs a thread per connection ($MAXTHREADS)"
diag "native, 200 connections: $MAXTHREADS OS threads"

echo_run 2000 50 shim
like "$CLIENT" "^ok 2000 conns 50 rounds 100000 msgs" "shim: 2,000 connections x 50 round trips, every byte checked"
is "$RC" 0 "shim: the server exits cleanly after the last connection"
ok $([ "$MAXTHREADS" -le 2 ]; echo $?) "shim: 2,000 connections on $MAXTHREADS OS thread(s) (<= 2)"
diag "2,000 connections: $CLIENT; peak RSS ${PEAKRSS_KB} kB"

ulimit -n 20000 2>/dev/null
echo_run 19000 5 shim
like "$CLIENT" "^ok 19000 conns 5 rounds 95000 msgs" "shim: 19,000 connections x 5 round trips, every byte checked"
is "$RC" 0 "shim: the server exits cleanly after 19,000 connections"
ok $([ "$MAXTHREADS" -le 2 ]; echo $?) "shim: 19,000 connections on $MAXTHREADS OS thread(s) (<= 2)"
diag "19,000 connections: $CLIENT; peak RSS ${PEAKRSS_KB} kB"
