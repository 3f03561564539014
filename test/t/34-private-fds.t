#!/usr/bin/env bash
# The shim's own descriptors (libev's epoll and eventfd) are out of the
# program's way: close-on-exec at high numbers, and a program closing every
# descriptor above 2 (a loop over /proc/self/fd, over 3..sysconf(_SC_OPEN_MAX),
# closefrom(3), close_range(3, ~0U, 0), dup2 of /dev/null onto each) gets what
# it gets natively - every number it closed answers EBADF to fcntl(F_GETFD)
# and fstat - and then serves 200 connections with threads, twice. A
# daemonising program (double fork, setsid, close all, chdir /, /dev/null on
# 0-2 gets 0, 1, 2) then uses threads and sockets. The same with the socket
# subsystem off, and for the resolver's own sockets.
. "$(dirname "$0")/../lib.sh"
plan 15
for m in procfd loop closefrom close_range dup2; do
    same_native_and_shim "fd_closer $m: closes all, every closed number EBADF, then 200 connections (twice)" \
        timeout 120 "$L/fd_closer" "$m"
done
daemon() { # daemon OUT [shim]: the daemon's report, once written
    rm -f "$1"
    if [ "${2:-}" = shim ]; then
        LD_PRELOAD=$LIB timeout 60 "$L/fd_closer" daemon "$1"
    else
        timeout 60 "$L/fd_closer" daemon "$1"
    fi
    for _ in $(seq 400); do [ -e "$1" ] && [ "$(wc -l <"$1")" = 3 ] && break; sleep 0.05; done
    cat "$1" 2>/dev/null
}
n=$(daemon "$T/dn")
s=$(daemon "$T/ds" shim)
like "$n" "^/dev/null on 0 1 2" "natively, the daemon's report"
is "$s" "$n" "the daemon under the shim: /dev/null on 0-2, everything closed, threads and sockets twice"
# Where the shim keeps its own: a running program's epoll and eventfd, with
# every subsystem patched and with the socket subsystem (whose hooks close
# and dup2 are) switched off.
# placed DESC KIND-REGEX ENV... -- CMD...: CMD's descriptors of that kind,
# seen from /proc once it printed "ready" (or after WAIT seconds), sit in
# the upper half below the limit, or below 1024 when the limit is higher
# (a fork copies the descriptor table up to the highest open number), and
# are close-on-exec.
placed() {
    local desc=$1 kinds=$2 envs=() pid lim top ours low open nocloexec
    shift 2
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    rm -f "$T/out" # no "ready" of the last program's
    env "${envs[@]}" LD_PRELOAD="$LIB" "$@" >"$T/out" 2>&1 &
    pid=$!
    STARTED+=($pid)
    for _ in $(seq 200); do
        grep -q '^ready' "$T/out" 2>/dev/null && break
        ours=$(ls -l /proc/$pid/fd 2>/dev/null | grep -cE "$kinds")
        [ "${WAIT_FOR:-}" = kinds ] && [ "$ours" -gt 0 ] && break
        sleep 0.05
    done
    lim=$(awk '/Max open files/{print $4}' /proc/$pid/limits)
    ours=$(ls -l /proc/$pid/fd | awk -v k="$kinds" '$NF ~ k {print $(NF-2)}' | sort -n | tr '\n' ' ')
    top=$((lim < 1024 ? lim : 1024))
    low=$(for fd in $ours; do [ "$fd" -lt $((top / 2)) ] || [ "$fd" -ge "$top" ] && echo "$fd"; done)
    open=$(for fd in $ours; do awk '/^flags/{print $2}' /proc/$pid/fdinfo/"$fd"; done)
    nocloexec=$(for f in $open; do [ $((8#$f & 8#2000000)) -eq 0 ] && echo "$f"; done)
    [ -n "$ours" ] && [ -z "$low" ] && [ -z "$nocloexec" ]
    ok $? "$desc sit at high numbers, close-on-exec ($ours, limit $lim, flags $(echo $open))"
    wait "$pid"
    PLACED_RC=$?
}
hubfds='eventpoll|eventfd|timerfd|signalfd'
placed "the shim's epoll and eventfd" "$hubfds" GEVENT_DUMP_SIGNAL=SIGUSR2 -- "$L/dump_me" 2
is "$PLACED_RC" 0 "that program ends normally"
placed "GEVENT_PATCH_SOCKET=0: the shim's epoll and eventfd" "$hubfds" \
    GEVENT_PATCH_SOCKET=0 GEVENT_DUMP_SIGNAL=SIGUSR2 -- "$L/dump_me" 2
# Without the socket and thread patches (native threads, blocking sockets,
# every thread its own hub), closing everything leaves every hub working.
for m in closefrom dup2; do
    same_native_and_shim "GEVENT_PATCH_SOCKET=0 GEVENT_PATCH_THREAD=0: fd_closer $m as natively" \
        env GEVENT_PATCH_SOCKET=0 GEVENT_PATCH_THREAD=0 timeout 120 "$L/fd_closer" "$m"
done

# The resolver's sockets (c-ares, GEVENT_RESOLVER=ares) are the shim's too:
# high and close-on-exec while a lookup waits for a slow server, and a
# program that closes everything between two lookups and takes the low
# numbers back for its own sockets keeps them to itself.
. "$(dirname "$0")/../dns.sh"
dns_zone "$T/zone" 10
dns_start "$T/dnsd.out" -d 2000 "$T/zone"
dns_env
WAIT_FOR=kinds placed "c-ares' sockets during a lookup" 'socket:' RES_OPTIONS="timeout:10 attempts:1" \
    -- "$L/dns_many" 1
is "$PLACED_RC" 0 "and the lookup is answered"
dns_stop
dns_start "$T/dnsd.out" "$T/zone"
dns_env
same_native_and_shim "dns_closer: lookups before and after closing everything; the program's sockets carry only their own bytes" \
    timeout 60 "$L/dns_closer"
dns_stop
