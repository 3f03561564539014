#!/usr/bin/env bash
# Issue 3, acceptance 2 and 4: 300 threads in poll/select/epoll_wait each
# wake with exactly their own pipe; poll(NULL, 0, 300) sleeps concurrently in
# 100 threads; a reader blocked on a socket another thread closes gets EBADF.
. "$(dirname "$0")/../lib.sh"
plan 7

sampled "$T/wake" env LD_PRELOAD="$LIB" "$L/pollers" wake 300
is "$(cat "$T/wake")" "woke 300/300 exact" "shim: 300 threads in poll/select/epoll_wait each woke with exactly their fd"
is "$RC" 0 "shim: the pollers program exits 0"
ok $([ "$MAXTHREADS" -le 2 ]; echo $?) "shim: 300 pollers on $MAXTHREADS OS thread(s)"
is "$("$L/pollers" wake 300 2>&1)" "woke 300/300 exact" "natively: the same program agrees"

out=$(shim "$L/pollers" sleep 100 300)
ms=$(sed -n 's/.* in \([0-9]*\) ms$/\1/p' <<<"$out")
ok $([ -n "$ms" ] && [ "$ms" -ge 299 ] && [ "$ms" -lt 3000 ]; echo $?) \
    "shim: poll(NULL, 0, 300) in 100 threads at once takes ${ms:-?} ms (>= 300, well under 100 x 300)"

is "$(shim "$L/pollers" closed 2>&1)" "read returned -1 errno Bad file descriptor" \
    "shim: a reader blocked on a socket another thread closes returns -1/EBADF"
is "$(GEVENT_PATCH_SOCKET=0 shim "$L/pollers" closed 2>&1 | head -1)" "read returned -1 errno Bad file descriptor" \
    "shim with only io patched: close still wakes the reader with EBADF"
