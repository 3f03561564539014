#!/usr/bin/env bash
# Echo: N connections x R round trips of 64 bytes, closed loop, every byte
# checked (test/legacy/echo_client, one epoll thread), against
#   a  test/legacy/echo_server natively (a thread per connection)
#   b  the same binary under the shim
#   c  bench/libev_echo.c: a hand-written single-threaded libev server
#   d  Python gevent's StreamServer (bench/gevent_echo.py, python3-gevent)
# interleaved a b c d, a b c d, ... in this one run; each figure is the best
# of the repetitions (the machine is shared: the best run is the one least
# disturbed). Ratios b/a, b/c, b/d. Client and server are scheduled freely,
# as in production: a native threaded server may use every core.
#   bench/30-echo.sh [REPS]      (GP_ECHO_SIZES="100 1000 10000" to choose N,
#                                 GP_ECHO_PIN=1 to pin client and server)
cd "$(dirname "$0")/.." || exit 2
. test/proc.sh # listening_port
B=${GP_BUILD:-build}; LIB=$PWD/$B/libgevent_patch.so; L=$PWD/$B/legacy
REPS=${1:-3}
SIZES=${GP_ECHO_SIZES:-100 1000 10000}
PY=/usr/bin/python3
ulimit -n 20000 2>/dev/null
# GP_ECHO_PIN=1: client on CPU 0, server on CPU 1 (less noise on a shared
# machine, but native threads then lose the second core they would have).
PIN_C="" PIN_S=""
if [ "${GP_ECHO_PIN:-0}" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    PIN_C="taskset -c 0" PIN_S="taskset -c 1"
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# run SERVER N R: one measured run; prints msgs/s (or "-" if it failed)
run() {
    local kind=$1 n=$2 r=$3 sp port
    rm -f "$OUT/srv"
    case $kind in
    a) $PIN_S "$L/echo_server" 0 "$n" >"$OUT/srv" 2>&1 & ;;
    b) $PIN_S env LD_PRELOAD="$LIB" "$L/echo_server" 0 "$n" >"$OUT/srv" 2>&1 & ;;
    c) $PIN_S "$B/bench/libev_echo" 0 "$n" >"$OUT/srv" 2>&1 & ;;
    d) $PIN_S "$PY" bench/gevent_echo.py 0 "$n" >"$OUT/srv" 2>&1 & ;;
    esac
    sp=$!
    port=$(listening_port "$OUT/srv")
    if [ -n "$port" ]; then
        timeout 120 $PIN_C "$L/echo_client" "$port" "$n" "$r" >"$OUT/cli" 2>&1
    else
        echo "no server" >"$OUT/cli"
    fi
    kill "$sp" 2>/dev/null
    wait "$sp" 2>/dev/null
    awk '/^ok/{print $(NF-1); found=1} END{if (!found) print "-"}' "$OUT/cli"
}
best() { # best of the numbers on stdin ("-" for none)
    awk '$1 != "-" && $1 > m {m = $1} END{print m ? m : "-"}'
}
ratio() { awk -v x="$1" -v y="$2" 'BEGIN{if (x == "-" || y == "-" || y == 0) print "-"; else printf "%.2f", x / y}'; }

have_gevent=1
"$PY" -c 'import gevent' 2>/dev/null || have_gevent=0

echo "== echo: N connections x R round trips x 64 B, closed loop, every byte checked (best of $REPS, interleaved) =="
echo "   a: thread-per-connection test/legacy/echo_server natively   b: the same binary under the shim"
echo "   c: single-threaded libev server (bench/libev_echo.c)         d: Python gevent StreamServer"
[ -n "$PIN_S" ] && echo "   client pinned to CPU 0, server to CPU 1 (taskset)"
[ $have_gevent = 1 ] || echo "   (python3-gevent not installed: column d skipped; make bench installs it)"
printf '%8s %6s %12s %12s %12s %12s %7s %7s %7s\n' N R "a msgs/s" "b msgs/s" "c msgs/s" "d msgs/s" b/a b/c b/d
for n in $SIZES; do
    r=$((200000 / n)); [ "$r" -lt 20 ] && r=20
    for k in a b c d; do : >"$OUT/res.$k"; done
    for _ in $(seq 1 "$REPS"); do
        for k in a b c d; do
            [ $k = d ] && [ $have_gevent = 0 ] && continue
            run $k "$n" "$r" >>"$OUT/res.$k"
        done
    done
    a=$(best <"$OUT/res.a"); b=$(best <"$OUT/res.b"); c=$(best <"$OUT/res.c"); d=$(best <"$OUT/res.d")
    printf '%8s %6s %12s %12s %12s %12s %7s %7s %7s\n' "$n" "$r" "$a" "$b" "$c" "$d" \
        "$(ratio "$b" "$a")" "$(ratio "$b" "$c")" "$(ratio "$b" "$d")"
done
echo "targets at 1,000 connections: b/a >= 1.5 and b/c >= 0.8"
