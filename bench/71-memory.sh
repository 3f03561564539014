#!/usr/bin/env bash
# Memory per idle thread and per idle connection, natively and under the
# shim, measured side by side in this run:
#  - greenlet: peak RSS of test/legacy/sleepers with 10,000 threads asleep,
#    minus the same program with 1, divided by 10,000;
#  - connection: RSS of the thread-per-connection echo server holding 10,000
#    idle connections (each echoed once, its thread parked in read), minus
#    its RSS before the first connection, divided by 10,000.
cd "$(dirname "$0")/.." || exit 2
B=${GP_BUILD:-build}; LIB=$PWD/$B/libgevent_patch.so; L=$PWD/$B/legacy
N=10000
ulimit -n $((N + 1000)) 2>/dev/null
. test/proc.sh
hwm() { # hwm CMD...: peak RSS in KiB of CMD
    SAMPLE_S=0.05 sampled /dev/null "$@"
    echo "$PEAKRSS_KB"
}
conn_kib() { # conn_kib [env...]: RSS growth in KiB of the server holding N idle conns
    local out; out=$(mktemp)
    "$@" "$L/echo_server" 0 "$N" >"$out" 2>&1 & local sp=$!
    local port; port=$(listening_port "$out")
    sleep 0.2
    local base; base=$(proc_status "$sp" VmRSS)
    coproc HC { timeout 120 "$L/hold_client" "$port" "$N" 1500; }
    local line; read -r line <&"${HC[0]}"
    sleep 0.3
    local held; held=$(proc_status "$sp" VmRSS)
    local th; th=$(proc_status "$sp" Threads)
    wait "$HC_PID" 2>/dev/null
    wait $sp 2>/dev/null
    rm -f "$out"
    echo "$((held - base)) $th $line"
}
echo "== memory: 10,000 idle threads and 10,000 idle connections =="
n1=$(hwm "$L/sleepers" 1 1000); nn=$(hwm "$L/sleepers" $N 1000)
s1=$(hwm env LD_PRELOAD="$LIB" "$L/sleepers" 1 1000); sn=$(hwm env LD_PRELOAD="$LIB" "$L/sleepers" $N 1000)
read -r nc nth nline < <(conn_kib env)
read -r sc sth sline < <(conn_kib env LD_PRELOAD="$LIB")
printf '%-16s %22s %30s\n' "" "per idle thread" "per idle connection"
printf '%-16s %18.1f KiB %20.1f KiB (%s OS threads)\n' native "$(awk -v a=$n1 -v b=$nn -v n=$N 'BEGIN{print (b-a)/n}')" \
    "$(awk -v c=$nc -v n=$N 'BEGIN{print c/n}')" "$nth"
printf '%-16s %18.1f KiB %20.1f KiB (%s OS threads)\n' shim "$(awk -v a=$s1 -v b=$sn -v n=$N 'BEGIN{print (b-a)/n}')" \
    "$(awk -v c=$sc -v n=$N 'BEGIN{print c/n}')" "$sth"
[ "$nline" = "held $N" ] && [ "$sline" = "held $N" ] || echo "(a client did not hold all $N connections: native '$nline', shim '$sline')"
