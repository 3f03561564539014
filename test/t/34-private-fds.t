#!/usr/bin/env bash
# The shim's own descriptors (libev's epoll and eventfd) are out of the
# program's way: close-on-exec at high numbers, and a program closing every
# descriptor above 2 (a loop over /proc/self/fd, over 3..sysconf(_SC_OPEN_MAX),
# closefrom(3), close_range(3, ~0U, 0), dup2 of /dev/null onto each) gets what
# it gets natively - every number it closed answers EBADF to fcntl(F_GETFD)
# and fstat - and then serves 200 connections with threads, twice. A
# daemonising program (double fork, setsid, close all, chdir /, /dev/null on
# 0-2 gets 0, 1, 2) then uses threads and sockets.
. "$(dirname "$0")/../lib.sh"
plan 10
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
# Where the shim keeps its own: a running program's epoll and eventfd.
GEVENT_DUMP_SIGNAL=SIGUSR2 LD_PRELOAD=$LIB "$L/dump_me" 2 >"$T/out" 2>&1 &
pid=$!
STARTED+=($pid)
for _ in $(seq 200); do grep -q '^ready' "$T/out" 2>/dev/null && break; sleep 0.05; done
lim=$(awk '/Max open files/{print $4}' /proc/$pid/limits)
ours=$(for f in /proc/$pid/fd/*; do
    case $(readlink "$f") in *eventpoll* | *eventfd* | *timerfd* | *signalfd*) echo "${f##*/}" ;; esac
done | sort -n | tr '\n' ' ')
low=$(for fd in $ours; do [ "$fd" -lt $((lim / 2)) ] && echo "$fd"; done)
[ -n "$ours" ] && [ -z "$low" ]; ok $? "the shim's epoll and eventfd sit at high numbers ($ours, limit $lim)"
open=$(for fd in $ours; do awk '/^flags/{print $2}' /proc/$pid/fdinfo/"$fd"; done)
nocloexec=$(for f in $open; do [ $((8#$f & 8#2000000)) -eq 0 ] && echo "$f"; done)
[ -n "$open" ] && [ -z "$nocloexec" ]; ok $? "and are close-on-exec (flags $(echo $open))"
wait "$pid"
is "$?" 0 "that program ends normally"
