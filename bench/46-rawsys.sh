#!/usr/bin/env bash
# System calls made without libc (issue 15, item 6): what
# GEVENT_SYSCALL_DISPATCH=on costs a program that makes none (every system
# call pays the kernel's check of where it comes from), what one trapped
# call costs, and the echo server's CPU time per message with it off and
# on, side by side in this run. Nothing here asserts a time.
cd "$(dirname "$0")/.." || exit 2
. test/proc.sh # listening_port
B=${GP_BUILD:-build}; LIB=$PWD/$B/libgevent_patch.so; L=$PWD/$B/legacy
P=$PWD/$B/bench/rawsys_bench
[ -x "$P" ] || { echo "46-rawsys: $P missing (make bench builds it)"; exit 1; }
best() { local b="" v; for _ in 1 2 3; do v=$("$@") || return 1
    b=$(awk -v a="$b" -v v="$v" 'BEGIN{print (a=="" || v<a) ? v : a}'); done; echo "$b"; }

echo "== getppid(2), ns per call (best of 3) =="
printf '%-34s %10s %10s %14s\n' "made" native "shim, off" "shim, dispatch"
for m in libc raw; do
    a=$(best "$P" $m 1000000); b=$(best env LD_PRELOAD="$LIB" "$P" $m 1000000)
    c=$(best env GEVENT_SYSCALL_DISPATCH=on LD_PRELOAD="$LIB" "$P" $m 1000000)
    printf '%-34s %10s %10s %14s\n' "through libc / raw instruction: $m" "$a" "$b" "$c"
done

echo
echo "== echo server (no raw system call), CPU time per message (user+sys), best of 3, interleaved =="
echo_cost() {
    local out tf port srv cpu
    out=$(mktemp); tf=$(mktemp)
    ( TIMEFORMAT='%U %S'; { time env "$@" LD_PRELOAD="$LIB" "$L/echo_server" 0 200 >"$out" 2>/dev/null; } 2>"$tf" ) &
    srv=$!
    port=$(listening_port "$out")
    "$L/echo_client" "$port" 200 500 >/dev/null 2>&1
    wait "$srv"
    cpu=$(awk '{printf "%.0f", ($1 + $2) * 1e9 / 100000}' "$tf")
    rm -f "$out" "$tf"; echo "${cpu:-0}"
}
off="" on=""
for _ in 1 2 3; do
    v=$(echo_cost X=1); { [ -z "$off" ] || [ "$v" -lt "$off" ]; } && off=$v
    v=$(echo_cost GEVENT_SYSCALL_DISPATCH=on); { [ -z "$on" ] || [ "$v" -lt "$on" ]; } && on=$v
done
printf '%-44s %8s ns/msg\n' "echo, 200 conns x 500 round trips, off" "$off"
printf '%-44s %8s ns/msg  (%.3fx)\n' "  GEVENT_SYSCALL_DISPATCH=on" "$on" "$(awk -v a="$off" -v b="$on" 'BEGIN{print b/a}')"
